/*
 * rule_examples.h - checks the examples rule authors write beside their
 * rules (examples: match: / no_match:) against the compiled rule set, with
 * the whole engine: the text goes through normalisation and every
 * database exactly as a mention would, so an example that passes here
 * behaves the same in the service.
 *
 * "Matches" means the rule's own patterns hit (or, for an all_of rule, all
 * its parts did), whatever the label's threshold makes of it: an example
 * tests the rule, not the verdict.
 */
#ifndef MS_RULE_EXAMPLES_H
#define MS_RULE_EXAMPLES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "match/ruleset.h"

typedef struct ms_rule_examples_result {
    uint32_t checked, failed;
} ms_rule_examples_result;

/**
 * @brief Run every example of `rs`; append one line per failure to
 * `report` ("file:line: rule 'id': ... : \"text\""). False only when the
 * engine cannot be created (the reason is in `report`).
 */
bool ms_rule_examples_check(const ms_ruleset *rs, ms_buf *report, ms_rule_examples_result *out);

#endif
