/*
 * decide.c - the policy's decisions (see decide.h).
 *
 * Primary category precedence, and why:
 *   repair           a repair report is never removed and needs the repairs
 *                    route first, even when it is also a complaint (2.26);
 *   complaint        48-hour acknowledgement through the complaints
 *                    procedure (2.25);
 *   consent_withdrawal  a GDPR request to take content down (2.14);
 *   hate, detrimental (threats, harassment, defamation), profanity,
 *   sexual_graphic, malicious_link, colleague, religion_politics,
 *   advertising      House Rules grounds, most harmful first: queued for the
 *                    Specialist's review (2.2, 2.3, 2.23);
 *   misinformation   flagged for review, never decided alone (2.12);
 *   personal_info    ask the person to use the inbox; text redacted (2.27);
 *   question, positive  answer or thank on the post (2.28);
 *   negative, external, vip, other.
 * Every label stays in the event; the primary only picks the main queue.
 *
 * Priority (2.22): urgent for emergency repairs, threats and VIP authors;
 * otherwise public comments needing a response come before inbox messages;
 * what needs no response is low.
 */
#include "decide/decide.h"

const ms_category ms_decide_precedence[MS_CAT_COUNT] = {
    MS_CAT_REPAIR,           MS_CAT_COMPLAINT,       MS_CAT_CONSENT_WITHDRAWAL,
    MS_CAT_HATE,             MS_CAT_DETRIMENTAL,     MS_CAT_PROFANITY,
    MS_CAT_SEXUAL_GRAPHIC,   MS_CAT_MALICIOUS_LINK,  MS_CAT_COLLEAGUE,
    MS_CAT_RELIGION_POLITICS, MS_CAT_ADVERTISING,    MS_CAT_MISINFORMATION,
    MS_CAT_PERSONAL_INFO,    MS_CAT_QUESTION,        MS_CAT_POSITIVE,
    MS_CAT_NEGATIVE,         MS_CAT_EXTERNAL,        MS_CAT_VIP,
    MS_CAT_OTHER,
};

/** @brief The action for primary category `c`: fixed for service categories; for a House Rules
 *  ground, that of the first rule giving evidence, else review for removal. */
static ms_action action_for(const ms_ruleset *rs, ms_category c, const ms_verdict *v)
{
    switch (c) {
    case MS_CAT_COMPLAINT:
        return MS_ACTION_ACKNOWLEDGE;
    case MS_CAT_REPAIR:
        return MS_ACTION_REDIRECT_TO_REPAIRS;
    case MS_CAT_CONSENT_WITHDRAWAL:
        return MS_ACTION_TAKE_DOWN_ON_REQUEST;
    case MS_CAT_MISINFORMATION:
        return MS_ACTION_FLAG_FOR_REVIEW;
    case MS_CAT_PERSONAL_INFO:
        return MS_ACTION_ASK_TO_INBOX;
    case MS_CAT_QUESTION:
        return MS_ACTION_ANSWER_PUBLICLY;
    case MS_CAT_POSITIVE:
        return MS_ACTION_THANK;
    case MS_CAT_NEGATIVE:
    case MS_CAT_EXTERNAL:
        return MS_ACTION_REVIEW_CASE_BY_CASE;
    case MS_CAT_VIP:
        return MS_ACTION_ESCALATE_TO_COMMUNICATIONS;
    case MS_CAT_OTHER:
    case MS_CAT_COUNT:
        return MS_ACTION_NONE;
    default:
        break;
    }
    /* House Rules grounds: the action of the first rule that gave evidence */
    const ms_label *l = &v->label[c];
    if (l->n_evidence) {
        const ms_rule *r = ms_ruleset_rule(rs, l->evidence[0].rule);
        if (r && r->action != MS_ACTION_NONE)
            return r->action;
    }
    return MS_ACTION_REVIEW_FOR_REMOVAL;
}

/** @brief Whether category `c` calls for a reply: a respond-by deadline and a higher priority. */
static bool needs_response(ms_category c)
{
    switch (c) {
    case MS_CAT_COMPLAINT:
    case MS_CAT_REPAIR:
    case MS_CAT_CONSENT_WITHDRAWAL:
    case MS_CAT_PERSONAL_INFO:
    case MS_CAT_QUESTION:
        return true;
    default:
        return false;
    }
}

void ms_decide(const ms_ruleset *rs, const ms_mention *m, ms_verdict *v)
{
    v->primary = MS_CAT_OTHER;
    for (int i = 0; i < MS_CAT_COUNT; i++)
        if (ms_verdict_has(v, ms_decide_precedence[i])) {
            v->primary = ms_decide_precedence[i];
            break;
        }
    v->action = action_for(rs, v->primary, v);
    /* An external page's negative comment that is no complaint is reviewed
     * case by case (2.29), whatever else it carries. */
    if (v->primary == MS_CAT_NEGATIVE && ms_verdict_has(v, MS_CAT_EXTERNAL))
        v->action = MS_ACTION_REVIEW_CASE_BY_CASE;

    bool respond = false;
    for (int c = 0; c < MS_CAT_COUNT; c++)
        if (ms_verdict_has(v, (ms_category)c) && needs_response((ms_category)c))
            respond = true;
    bool house_rules = false;
    for (int c = 0; c < MS_CAT_HOUSE_RULES_END; c++)
        if (ms_verdict_has(v, (ms_category)c))
            house_rules = true;

    if (v->urgent)
        v->priority = MS_PRIORITY_URGENT;
    else if (respond || house_rules)
        v->priority = m->kind == MS_KIND_INBOX_MESSAGE ? MS_PRIORITY_NORMAL : MS_PRIORITY_HIGH;
    else
        v->priority = MS_PRIORITY_LOW;
    v->respond_by_ms = respond && m->created_at_ms > 0
                           ? m->created_at_ms + MS_RESPONSE_DEADLINE_MS
                           : 0;
}
