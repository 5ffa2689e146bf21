/*
 * decide.c - the policy's decisions (see decide.h).
 *
 * Primary category precedence, and why:
 *   repair           a repair report is never removed and needs the repairs
 *                    route first, even when it is also a complaint (2.26);
 *   complaint        48-hour acknowledgement through the complaints
 *                    procedure (2.25);
 *   consent_withdrawal  a GDPR request to take content down (2.14);
 *   individual_case  someone's own case that is not a repair (a neighbour's
 *                    nuisance, rent arrears, an eviction notice): they are
 *                    told the route, taken to the inbox where their details
 *                    belong, and the comment stays (2.25, 2.26, 2.27);
 *   hate, detrimental (threats, harassment, defamation), profanity,
 *   sexual_graphic, malicious_link, colleague, religion_politics,
 *   advertising      House Rules grounds, most harmful first: queued for the
 *                    Specialist's review (2.2, 2.3, 2.23);
 *   misinformation   flagged for review, never decided alone (2.12);
 *   personal_info    ask the person to use the inbox; text redacted (2.27);
 *   question, positive  answer or thank on the post (2.28);
 *   negative         on whg's pages reviewed and responded to (2.2); on
 *                    others' pages case by case (2.29);
 *   external, vip, other.
 * Every label stays in the event; the primary only picks the main queue.
 *
 * Where the message was written changes what the policy asks:
 *   - an inbox message is private and is whg's own channel: personal
 *     information there is what 2.27 asks people to send, so it is no House
 *     Rules ground (the text is still redacted), and a question is answered
 *     in the inbox, not on a post;
 *   - on a page whg does not own there is nothing for whg to remove: a House
 *     Rules ground is considered case by case (2.29).
 *
 * Removal (2.3, 2.26): an event with a House Rules ground says whether the
 * Specialist may remove it ("review"), whether it must stay ("never": a
 * repair report, even when it is also a complaint, 2.26, or a hit of a rule
 * marked never_remove, such as a welfare concern), or whether it is not on
 * whg's page ("not_our_page", 2.29). An individual case stays as a repair
 * report does: 2.26 names both. Only "review" counts towards a block
 * (2.24). A complaint that is not a repair report stays "review": 2.2 lets
 * profanity be removed, and whether it is the person's own case (which 2.26
 * keeps) is for the Specialist to judge; it is acknowledged all the same.
 *
 * Priority (2.22): urgent for emergency repairs, threats, rules flagged urgent and VIP authors;
 * otherwise public comments needing a response or the Specialist's review
 * (a House Rules ground) are high, and come before inbox messages (normal);
 * a House Rules ground on a page whg does not own (2.29) is normal too: it
 * is reviewed case by case, after whg's own channels; what needs neither is
 * low.
 */
#include "decide/decide.h"

const ms_category ms_decide_precedence[MS_CAT_COUNT] = {
    MS_CAT_REPAIR,           MS_CAT_COMPLAINT,        MS_CAT_CONSENT_WITHDRAWAL,
    MS_CAT_INDIVIDUAL_CASE,  MS_CAT_HATE,             MS_CAT_DETRIMENTAL,
    MS_CAT_PROFANITY,        MS_CAT_SEXUAL_GRAPHIC,   MS_CAT_MALICIOUS_LINK,
    MS_CAT_COLLEAGUE,        MS_CAT_RELIGION_POLITICS, MS_CAT_ADVERTISING,
    MS_CAT_MISINFORMATION,   MS_CAT_PERSONAL_INFO,    MS_CAT_QUESTION,
    MS_CAT_POSITIVE,         MS_CAT_NEGATIVE,         MS_CAT_EXTERNAL,
    MS_CAT_VIP,              MS_CAT_OTHER,
};

/** @brief Whether the mention is on a page whg does not own (2.29). */
static bool off_our_pages(const ms_mention *m, const ms_verdict *v)
{
    return m->kind != MS_KIND_INBOX_MESSAGE && ms_verdict_has(v, MS_CAT_EXTERNAL);
}

/** @brief Whether label `c` is a House Rules ground for this mention: personal
 *  information in an inbox message is not (2.27 asks for it there). */
static bool is_ground(const ms_mention *m, ms_category c)
{
    return c < MS_CAT_HOUSE_RULES_END &&
           !(c == MS_CAT_PERSONAL_INFO && m->kind == MS_KIND_INBOX_MESSAGE);
}

ms_action ms_decide_category_action(ms_category c)
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
    case MS_CAT_INDIVIDUAL_CASE:
        return MS_ACTION_ASK_TO_INBOX;
    case MS_CAT_QUESTION:
        return MS_ACTION_ANSWER_PUBLICLY;
    case MS_CAT_POSITIVE:
        return MS_ACTION_THANK;
    case MS_CAT_NEGATIVE:
        return MS_ACTION_ACKNOWLEDGE;
    case MS_CAT_EXTERNAL:
        return MS_ACTION_REVIEW_CASE_BY_CASE;
    case MS_CAT_VIP:
        return MS_ACTION_ESCALATE_TO_COMMUNICATIONS;
    case MS_CAT_OTHER:
    case MS_CAT_COUNT:
        return MS_ACTION_NONE;
    default: /* the other House Rules grounds: the Specialist decides (2.3) */
        return MS_ACTION_REVIEW_FOR_REMOVAL;
    }
}

/** @brief The action for primary category `c`: the first rule that gave
 *  evidence and names another action than the category's own wins (e.g. a
 *  personal question is taken to the inbox, 2.27; a welfare concern is
 *  escalated); else the category's own. */
static ms_action action_for(const ms_ruleset *rs, ms_category c, const ms_verdict *v)
{
    ms_action own = ms_decide_category_action(c);
    const ms_label *l = &v->label[c];
    for (uint8_t i = 0; i < l->n_evidence; i++) {
        const ms_rule *r = ms_ruleset_rule(rs, l->evidence[i].rule);
        if (r && r->action != MS_ACTION_NONE && r->action != own)
            return r->action;
    }
    return own;
}

/** @brief Whether category `c` calls for a reply: a respond-by deadline and a
 *  higher priority. A negative comment does on whg's pages (2.2), not on
 *  others' (2.29: case by case). So does personal information someone posts
 *  on whg's pages (2.27: asked to inbox us), but not on others' pages, nor
 *  the contact number of an advert (2.2: the advert is for removal, not a
 *  conversation). */
static bool needs_response(const ms_mention *m, const ms_verdict *v, ms_category c)
{
    switch (c) {
    case MS_CAT_COMPLAINT:
    case MS_CAT_REPAIR:
    case MS_CAT_CONSENT_WITHDRAWAL:
    case MS_CAT_QUESTION:
        return true;
    case MS_CAT_INDIVIDUAL_CASE:
        return !off_our_pages(m, v);
    case MS_CAT_PERSONAL_INFO:
        return is_ground(m, c) && !off_our_pages(m, v) && !ms_verdict_has(v, MS_CAT_ADVERTISING);
    case MS_CAT_NEGATIVE:
        return !off_our_pages(m, v);
    default:
        return false;
    }
}

/** @brief The first rule with `flag` (ms_rule_flag) that gave evidence for a House Rules ground
 *  of this mention, or NULL. */
static const ms_rule *ground_rule_with(const ms_ruleset *rs, const ms_mention *m,
                                       const ms_verdict *v, uint32_t flag)
{
    if (!rs)
        return NULL;
    for (int c = 0; c < MS_CAT_HOUSE_RULES_END; c++) {
        if (!ms_verdict_has(v, (ms_category)c) || !is_ground(m, (ms_category)c))
            continue;
        const ms_label *l = &v->label[c];
        for (uint8_t i = 0; i < l->n_evidence; i++) {
            const ms_rule *r = ms_ruleset_rule(rs, l->evidence[i].rule);
            if (r && (r->flags & flag))
                return r;
        }
    }
    return NULL;
}

void ms_decide(const ms_ruleset *rs, const ms_mention *m, ms_verdict *v)
{
    bool house_rules = false;
    v->primary = MS_CAT_OTHER;
    for (int i = 0; i < MS_CAT_COUNT; i++) {
        ms_category c = ms_decide_precedence[i];
        if (ms_verdict_has(v, c) && (c >= MS_CAT_HOUSE_RULES_END || is_ground(m, c))) {
            v->primary = c;
            break;
        }
    }
    /* the primary is always among the labels: personal information alone
     * in an inbox message is labelled, yet its primary is "other" */
    if (v->primary == MS_CAT_OTHER && !ms_verdict_has(v, MS_CAT_OTHER)) {
        v->labels |= 1u << MS_CAT_OTHER;
        v->label[MS_CAT_OTHER].score = 0;
    }
    for (int c = 0; c < MS_CAT_HOUSE_RULES_END; c++)
        if (ms_verdict_has(v, (ms_category)c) && is_ground(m, (ms_category)c))
            house_rules = true;

    bool elsewhere = off_our_pages(m, v);
    v->action = action_for(rs, v->primary, v);
    /* 2.29: nothing to remove or redirect on another's page; what the rules
     * say beyond that (misinformation flagged, a welfare concern
     * escalated) still holds */
    if (elsewhere && (v->action == MS_ACTION_REVIEW_FOR_REMOVAL || v->primary == MS_CAT_NEGATIVE ||
                      v->primary == MS_CAT_PERSONAL_INFO || v->primary == MS_CAT_INDIVIDUAL_CASE))
        v->action = MS_ACTION_REVIEW_CASE_BY_CASE;
    /* in the inbox already: answered there, personal or not */
    if (m->kind == MS_KIND_INBOX_MESSAGE &&
        (v->action == MS_ACTION_ANSWER_PUBLICLY || v->action == MS_ACTION_ASK_TO_INBOX))
        v->action = MS_ACTION_REPLY_IN_INBOX;

    const char *clause = "";
    const ms_rule *keep;
    v->removal = MS_REMOVAL_NONE;
    if (house_rules) {
        if (elsewhere) {
            v->removal = MS_REMOVAL_NOT_OURS;
            clause = "2.29";
        } else if ((ms_verdict_has(v, MS_CAT_REPAIR) ||
                    ms_verdict_has(v, MS_CAT_INDIVIDUAL_CASE)) &&
                   !ground_rule_with(rs, m, v, MS_RULE_THREAT)) {
            /* a repair report or an individual case stays, swearing or
             * complaining (2.26); a threat in one is aggressive language
             * the Specialist may remove (2.23), after advice (2.3) */
            v->removal = MS_REMOVAL_NEVER;
            clause = "2.26";
        } else if ((keep = ground_rule_with(rs, m, v, MS_RULE_NEVER_REMOVE)) != NULL) {
            clause = keep->clause && keep->clause[0] ? keep->clause : "2.2";
            v->removal = MS_REMOVAL_NEVER;
        } else {
            v->removal = MS_REMOVAL_REVIEW;
            clause = "2.3";
        }
    }
    v->removal_clause = clause;

    bool respond = false;
    for (int c = 0; c < MS_CAT_COUNT; c++)
        if (ms_verdict_has(v, (ms_category)c) && needs_response(m, v, (ms_category)c))
            respond = true;

    if (v->urgent)
        v->priority = MS_PRIORITY_URGENT;
    else if (respond || (house_rules && !elsewhere))
        v->priority = m->kind == MS_KIND_INBOX_MESSAGE ? MS_PRIORITY_NORMAL : MS_PRIORITY_HIGH;
    else if (house_rules)
        v->priority = MS_PRIORITY_NORMAL;
    else
        v->priority = MS_PRIORITY_LOW;
    /* the deadline runs from the post; if its time is unknown, from when
     * mentionsift received it: a deadline late is better than none */
    int64_t from = m->created_at_ms > 0 ? m->created_at_ms : m->received_at_ms;
    /* saturating: the decoders refuse times past 9999, but a library caller
     * may hand in anything */
    if (!respond || from <= 0)
        v->respond_by_ms = 0;
    else if (from > INT64_MAX - MS_RESPONSE_DEADLINE_MS)
        v->respond_by_ms = INT64_MAX;
    else
        v->respond_by_ms = from + MS_RESPONSE_DEADLINE_MS;
}
