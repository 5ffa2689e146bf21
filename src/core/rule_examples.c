/*
 * rule_examples.c - the rule authors' examples, checked (see
 * rule_examples.h).
 *
 * Whether a rule hit is read from the engine's per-rule match counters
 * before and after the example: they count every rule, the cue rules of
 * weight 0 included, which never show as evidence.
 */
#include "core/rule_examples.h"

#include <string.h>

#include "core/engine.h"

bool ms_rule_examples_check(const ms_ruleset *rs, ms_buf *report, ms_rule_examples_result *out)
{
    char err[256];
    *out = (ms_rule_examples_result){0};
    ms_engine *e = ms_engine_new(rs, NULL, err, sizeof err);
    if (!e) {
        ms_buf_printf(report, "rule examples: cannot create the engine: %s\n", err);
        return false;
    }
    const uint64_t *counts = ms_engine_rule_counts(e);
    ms_verdict v;
    for (uint32_t i = 0; i < ms_ruleset_example_count(rs); i++) {
        const ms_rule_example *x = ms_ruleset_example_at(rs, i);
        const ms_rule *r = ms_ruleset_rule(rs, x->rule);
        ms_str text = {x->text, strlen(x->text)};
        ms_mention m = {.id = {"example", 7},
                        .platform = MS_PLATFORM_FACEBOOK,
                        .kind = MS_KIND_PUBLIC_COMMENT,
                        .page_owned = true};
        if (r->flags & MS_RULE_VIP_AUTHOR)
            m.author.handle = text;
        else
            m.text = text;
        uint64_t before = counts[x->rule];
        if (!ms_engine_classify(e, &m, &v)) {
            ms_buf_printf(report, "%s:%d: rule '%s': the engine failed on this example\n",
                          x->file, x->line, r->id);
            out->failed++;
            continue;
        }
        out->checked++;
        bool hit = counts[x->rule] > before;
        if (hit != x->should_match) {
            out->failed++;
            ms_buf_printf(report, "%s:%d: rule '%s': %s: \"%s\"\n", x->file, x->line, r->id,
                          x->should_match ? "should match but does not"
                                          : "should not match but does",
                          x->text);
        }
    }
    ms_engine_free(e);
    return true;
}
