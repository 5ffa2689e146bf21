/*
 * heuristics.h - turns rule scores and sentiment into labels: the House
 * Rules grounds by threshold, and the service categories (complaint, repair,
 * consent withdrawal, question, positive, negative, external, VIP) by
 * combining cue scores with sentiment and the mention's context.
 * Pure function of its inputs: safe from any thread.
 */
#ifndef MS_HEURISTICS_H
#define MS_HEURISTICS_H

#include "core/mention.h"
#include "match/matcher.h"
#include "match/ruleset.h"
#include "normalise/normalise.h"

/** @brief Set v->labels, label scores, repair_urgency and urgent. */
void ms_heuristics_apply(const ms_ruleset *rs, const ms_mention *m, const ms_normalised *view,
                         const ms_hits *h, ms_verdict *v);

#endif
