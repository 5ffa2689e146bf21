/*
 * heuristics.c - from evidence to labels (see heuristics.h).
 *
 * Each category has a score; it is labelled when the score reaches the rule
 * set's threshold for it. House Rules grounds score only from their rules.
 * The service categories add what the policy describes around the cues:
 *   complaint  cues plus negative sentiment: dissatisfaction, not merely a
 *              negative word (2.25); not when its cues only restate a
 *              repair's fault: that is a repair report (2.26); never in a lure
 *              (a malicious link) or a rumour (misinformation), whose
 *              problem words are bait or claim, not grievance;
 *   repair     cues only; urgency is the highest matched repair rule (2.26);
 *   question   cues plus a question mark (2.28);
 *   positive   praise cues plus positive sentiment, minus sarcasm cues, and
 *              never together with a complaint (2.28);
 *   negative   clearly negative sentiment that is not a complaint, and
 *              general dissatisfaction off whg's pages (2.2, 2.29);
 *   external   any mention on a page whg does not own (2.29).
 * The weights below are the general shape; the thresholds live in
 * rules/ruleset.yaml so rule authors can tune them.
 */
#include "score/heuristics.h"

/** @brief Set label `c` on `v` with `score`; labelling it again replaces the score. */
static void label(ms_verdict *v, ms_category c, float score)
{
    v->labels |= 1u << c;
    v->label[c].score = score;
}

/**
 * @brief Whether every complaint cue only restates the repair: each piece of complaint evidence
 *  from a rule of positive weight lies inside a piece of repair evidence ("the extractor fan's
 *  stopped working": "stopped working" is the fault itself).
 *
 * Such a post is a repair report, a service request, not a complaint about how whg handled it
 * (2.25, 2.26; the Housing Ombudsman's Complaint Handling Code makes the same distinction).
 * A cue outside the fault ("for three weeks", "still nothing", "useless") keeps the complaint,
 * and so does complaint evidence dropped for want of room: a cue that cannot be seen is not
 * assumed to be the fault. Repair evidence dropped only hides places a cue could lie in.
 */
static bool complaint_is_the_fault(const ms_ruleset *rs, const ms_verdict *v)
{
    const ms_label *c = &v->label[MS_CAT_COMPLAINT], *r = &v->label[MS_CAT_REPAIR];
    if (c->dropped_evidence)
        return false;
    uint8_t cues = 0;
    for (uint8_t i = 0; i < c->n_evidence; i++) {
        const ms_evidence *e = &c->evidence[i];
        if (ms_ruleset_rule(rs, e->rule)->weight <= 0)
            continue; /* counter-cues argue against a complaint anyway */
        cues++;
        bool inside = false;
        for (uint8_t j = 0; j < r->n_evidence && !inside; j++)
            inside = r->evidence[j].start <= e->start && e->end <= r->evidence[j].end;
        if (!inside)
            return false;
    }
    return cues > 0;
}

void ms_heuristics_apply(const ms_ruleset *rs, const ms_mention *m, const ms_normalised *view,
                         const ms_hits *h, ms_verdict *v)
{
    const float compound = v->sentiment.compound;

    for (int c = 0; c < MS_CAT_HOUSE_RULES_END; c++)
        if (h->score[c] >= ms_ruleset_threshold(rs, (ms_category)c))
            label(v, (ms_category)c, h->score[c]);
    /* what a weak rule alone found ("a 5 minute walk", "flat 3") is not
     * taken for personal information unless its category is labelled */
    uint8_t kept = 0;
    for (uint8_t i = 0; i < v->n_redactions; i++)
        if (!v->redaction[i].weak || ms_verdict_has(v, (ms_category)v->redaction[i].category))
            v->redaction[kept++] = v->redaction[i];
    v->n_redactions = kept;
    if (v->n_redactions && !ms_verdict_has(v, MS_CAT_PERSONAL_INFO))
        label(v, MS_CAT_PERSONAL_INFO, h->score[MS_CAT_PERSONAL_INFO]);

    float repair = h->score[MS_CAT_REPAIR];
    if (repair >= ms_ruleset_threshold(rs, MS_CAT_REPAIR)) {
        label(v, MS_CAT_REPAIR, repair);
        v->repair_urgency = h->urgency ? h->urgency : MS_URGENCY_ROUTINE;
    }

    /* Negative sentiment counts toward a complaint; positive sentiment
     * counts against it, more weakly (people complain politely too). Both
     * only behind cues of some weight: one dissatisfaction word in a sad or
     * angry remark ("the weather is awful") is not a complaint. A question
     * with complaint cues is a challenge ("why is it still broken?"). */
    float complaint = h->score[MS_CAT_COMPLAINT];
    if (complaint >= 0.4f)
        complaint += compound < 0 ? -compound * 1.0f : -compound * 0.2f;
    if (complaint >= 0.4f && view->n_question > 0)
        complaint += 0.2f;
    /* On a page whg does not own, only a specific complaint follows the
     * complaints process; general dissatisfaction ("whg are the worst") is
     * a negative comment, considered case by case (2.29). */
    bool elsewhere = m->kind == MS_KIND_EXTERNAL_MENTION ||
                     (!m->page_owned && m->kind != MS_KIND_INBOX_MESSAGE);
    /* A lure's problem words are its bait, not the writer's grievance ("had the same problem,
     * this site sorted it", "refund due: claim at ..."), and a rumour's are its claim ("whg are
     * closing every office, pensioners left to rot"): the answer is a correction (2.12), not the
     * complaints process, and both are queued for a person's review under 2.2 anyway. Adverts
     * are not excluded: customers' complaints about offers and orders read like adverts too
     * often ("signed up on a special offer but it never started"). */
    bool not_a_grievance =
        ms_verdict_has(v, MS_CAT_MALICIOUS_LINK) || ms_verdict_has(v, MS_CAT_MISINFORMATION);
    bool general_only = false;
    if (complaint >= ms_ruleset_threshold(rs, MS_CAT_COMPLAINT) && !not_a_grievance &&
        !(ms_verdict_has(v, MS_CAT_REPAIR) && complaint_is_the_fault(rs, v))) {
        if (h->specific_complaint || !elsewhere)
            label(v, MS_CAT_COMPLAINT, complaint);
        else
            general_only = true;
    }

    float consent = h->score[MS_CAT_CONSENT_WITHDRAWAL];
    if (consent >= ms_ruleset_threshold(rs, MS_CAT_CONSENT_WITHDRAWAL))
        label(v, MS_CAT_CONSENT_WITHDRAWAL, consent);

    float question = h->score[MS_CAT_QUESTION];
    if (view->n_question > 0)
        question += 0.5f;
    if (question >= ms_ruleset_threshold(rs, MS_CAT_QUESTION))
        label(v, MS_CAT_QUESTION, question);

    float positive = h->score[MS_CAT_POSITIVE];
    if (positive > 0 && compound > 0.3f)
        positive += compound * 0.5f;
    if (positive >= ms_ruleset_threshold(rs, MS_CAT_POSITIVE) && compound > -0.05f &&
        !ms_verdict_has(v, MS_CAT_COMPLAINT))
        label(v, MS_CAT_POSITIVE, positive);

    if ((compound <= -0.4f || general_only) && !ms_verdict_has(v, MS_CAT_COMPLAINT))
        label(v, MS_CAT_NEGATIVE, compound < 0 ? -compound : 0);

    /* an inbox message is in whg's own inbox, whatever page_owned says */
    if (elsewhere)
        label(v, MS_CAT_EXTERNAL, 1.0f);
    if (h->vip)
        label(v, MS_CAT_VIP, h->score[MS_CAT_VIP]);

    /* a threat rule counts only when the post is labelled a threat: its
     * counter-cues (an idiom, a threat the writer received) have had their say */
    v->urgent = (h->threat && ms_verdict_has(v, MS_CAT_DETRIMENTAL)) || h->vip ||
                (ms_verdict_has(v, MS_CAT_REPAIR) && v->repair_urgency == MS_URGENCY_EMERGENCY);
    if (!v->labels)
        label(v, MS_CAT_OTHER, 0);
}
