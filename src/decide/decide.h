/*
 * decide.h - what whg's policy says to do with a labelled mention: the
 * primary category, the recommended action, the priority and the response
 * deadline. Never deletes or blocks anything: only the Social Media and
 * Digital Specialist may, after advice (2.3, 2.24).
 * Pure function: safe from any thread.
 */
#ifndef MS_DECIDE_H
#define MS_DECIDE_H

#include "core/mention.h"
#include "match/ruleset.h"

/** Requests, complaints and questions are acknowledged within 48 h (2.25). */
#define MS_RESPONSE_DEADLINE_MS (48LL * 3600 * 1000)

/** @brief Set v->primary, action, removal, priority and respond_by_ms from v->labels and
 *  where the mention was written (inbox, a page whg does not own). */
void ms_decide(const ms_ruleset *rs, const ms_mention *m, ms_verdict *v);

/** @brief The action a category's events get unless a rule that gave
 *  evidence names another: review for removal for a House Rules ground,
 *  NONE for "other". Also a rule's action when its file names none. */
ms_action ms_decide_category_action(ms_category c);

/** The precedence used for the primary category, highest first. */
extern const ms_category ms_decide_precedence[MS_CAT_COUNT];

#endif
