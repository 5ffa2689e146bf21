/*
 * heuristics.c - from evidence to labels (see heuristics.h).
 *
 * Each category has a score; it is labelled when the score reaches the rule
 * set's threshold for it. House Rules grounds score only from their rules.
 * The service categories add what the policy describes around the cues:
 *   complaint  cues plus negative sentiment: dissatisfaction, not merely a
 *              negative word (2.25); cues that only restate a repair's
 *              fault do not count: that is a repair report (2.26); never in
 *              a lure (a malicious link), a rumour (misinformation), hate,
 *              religious or political campaigning, a threat or a seller's
 *              advert, whose problem words are bait, claim or abuse, not
 *              grievance;
 *   repair     cues only; urgency is the highest matched repair rule (2.26);
 *              cues that are the words of hate, a sexual remark, a
 *              threat, harassment or defamation do not count, nor cues
 *              that are a neighbour's doing ("keep banging on the
 *              ceiling"), and a seller's advert reports no fault;
 *   individual_case  someone's own case that is not a repair (2.26): two
 *              facets, or one in an unhappy post; never in an advert,
 *              beside a House Rules ground that is abuse or a claim (a
 *              lure, a rumour, hate, a campaign, threats, harassment,
 *              defamation), nor in thanks;
 *   question   cues plus a question mark (2.28); not in an advert, a lure,
 *              a sexual remark or a take-down request (2.14);
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
 * @brief Whether evidence `e` restates a repair's fault: it lies inside a piece of repair evidence
 *  and begins or ends it. A repair match is the thing and what is wrong with it ("extractor fan's
 *  stopped working", "leaking tap"), so its fault words are at one end; a word between them is
 *  the writer's ("the bathroom is STILL not working": "still" is how the repair was handled).
 */
static bool is_the_fault(const ms_label *r, const ms_evidence *e)
{
    for (uint8_t j = 0; j < r->n_evidence; j++) {
        const ms_evidence *f = &r->evidence[j];
        if (f->start <= e->start && e->end <= f->end && (f->start == e->start || e->end == f->end))
            return true;
    }
    return false;
}

/** What a piece of evidence may lie within: the repair's fault, or abuse. */
typedef bool (*ms_within_fn)(const ms_ruleset *rs, const ms_verdict *v, const ms_evidence *e);

/** @brief Whether `e` restates the fault of the verdict's repair (is_the_fault). */
static bool within_fault(const ms_ruleset *rs, const ms_verdict *v, const ms_evidence *e)
{
    (void)rs;
    return is_the_fault(&v->label[MS_CAT_REPAIR], e);
}

/* House Rules grounds that are abuse aimed at people: their words are not a repair reported. */
static const ms_category abuse[] = {MS_CAT_HATE, MS_CAT_SEXUAL_GRAPHIC, MS_CAT_DETRIMENTAL};

/** @brief Whether the post is labelled with one of the abuse grounds. */
static bool has_abuse(const ms_verdict *v)
{
    for (size_t c = 0; c < sizeof abuse / sizeof abuse[0]; c++)
        if (ms_verdict_has(v, abuse[c]))
            return true;
    return false;
}

/** @brief Whether `e` lies inside a match of abuse aimed at people: of a hate, sexual_graphic or
 *  detrimental (threats, harassment, defamation) pattern, in a post labelled with it. A
 *  pattern's match, not the span of a combination (all_of), which runs from its first part to
 *  its last and holds what lies between ("if nobody fixes my boiler by Friday I'll burn the
 *  place"). */
static bool within_abuse(const ms_ruleset *rs, const ms_verdict *v, const ms_evidence *e)
{
    for (size_t c = 0; c < sizeof abuse / sizeof abuse[0]; c++) {
        const ms_label *l = &v->label[abuse[c]];
        if (!ms_verdict_has(v, abuse[c]))
            continue;
        for (uint8_t j = 0; j < l->n_evidence; j++) {
            const ms_evidence *a = &l->evidence[j];
            if (ms_ruleset_rule(rs, a->rule)->n_patterns > 0 && a->start <= e->start &&
                e->end <= a->end)
                return true;
        }
    }
    return false;
}

/** @brief Whether `e` overlaps evidence of an individual case (a neighbour named, what they
 *  do): "my neighbour keeps banging on the wall" reports the neighbour's banging, not a wall. */
static bool overlaps_case(const ms_ruleset *rs, const ms_verdict *v, const ms_evidence *e)
{
    (void)rs;
    const ms_label *l = &v->label[MS_CAT_INDIVIDUAL_CASE];
    for (uint8_t j = 0; j < l->n_evidence; j++)
        if (l->evidence[j].start < e->end && e->start < l->evidence[j].end)
            return true;
    return false;
}

/** @brief Whether the post is an advert in a seller's own voice: labelled advertising, with
 *  evidence of a rule flagged `seller` ("we're a no win no fee firm", "we buy any house"). */
static bool seller_advert(const ms_ruleset *rs, const ms_verdict *v)
{
    const ms_label *l = &v->label[MS_CAT_ADVERTISING];
    if (!ms_verdict_has(v, MS_CAT_ADVERTISING))
        return false;
    for (uint8_t i = 0; i < l->n_evidence; i++)
        if (ms_ruleset_rule(rs, l->evidence[i].rule)->flags & MS_RULE_SELLER)
            return true;
    return false;
}

/**
 * @brief The weight of category `c`'s cues that are only something else: the rules of positive
 *  weight every piece of whose evidence is `within` it.
 *
 * Complaint cues within a repair's fault ("the extractor fan's stopped working": "stopped
 * working" is the fault itself) describe the fault, a service request, not how whg handled it
 * (2.25, 2.26; the Housing Ombudsman's Complaint Handling Code makes the same distinction), so
 * they do not count toward the complaint; a cue outside the fault ("for three weeks", "still
 * nothing", "useless") does. A report whose cues are all the fault is no complaint at all, and
 * one with a cue beside the fault ("the gutter is hanging off and overflows every time it
 * rains") is weighed on that cue alone. Repair cues within abuse ("the window" in "I'll put him
 * through the window") are the abuse's words, not a fault reported.
 * Evidence dropped for want of room counts nothing off: a cue that cannot be seen is not assumed
 * to be within. Evidence of the other label dropped only hides places a cue could lie in.
 */
static float weight_within(const ms_ruleset *rs, const ms_verdict *v, ms_category c,
                           ms_within_fn within)
{
    const ms_label *l = &v->label[c];
    if (l->dropped_evidence)
        return 0;
    float w = 0;
    for (uint8_t i = 0; i < l->n_evidence; i++) {
        const ms_evidence *e = &l->evidence[i];
        float rw = ms_ruleset_rule(rs, e->rule)->weight;
        if (rw <= 0)
            continue; /* counter-cues argue against the category anyway */
        bool first = true, all_within = true;
        for (uint8_t k = 0; k < l->n_evidence && first && all_within; k++) {
            if (l->evidence[k].rule != e->rule)
                continue;
            if (k < i)
                first = false; /* this rule was weighed at its first piece */
            else
                all_within = within(rs, v, &l->evidence[k]);
        }
        if (first && all_within)
            w += rw;
    }
    return w;
}

/**
 * @brief The individual-case score (2.26: someone's own case that is not a repair: a neighbour's
 *  noise, arrears, an eviction notice, a need to move), to be weighed against its threshold.
 *
 * One facet of a case (a neighbour, what the case is about, the writer's situation) in an
 * unhappy post is the writer's trouble with it ("my neighbours cctv points right into my
 * bedroom", "been in band 2 for ages"); in a calm post it is not ("how do I apply for a
 * transfer?"). Unhappy: complaint cues that reach the complaint threshold before sentiment
 * counts, or clearly negative sentiment. Not beside a repair or a take-down request, whose own
 * words the unhappiness is ("water through the ceiling from the flat above"), nor beside a House
 * Rules ground other than personal information: one facet is too little to keep such a post from
 * removal, as a case is kept ("Karen from the ASB team, her husband's in the pub every night").
 * The caller still refuses the label in praise, and beside an advert, a lure, a rumour, hate, a
 * campaign, a threat, harassment or defamation ("if whg evict me I'll ..."): those are for
 * moderation first.
 */
static float individual_case_score(const ms_ruleset *rs, const ms_hits *h, const ms_verdict *v,
                                   float compound)
{
    float score = h->score[MS_CAT_INDIVIDUAL_CASE];
    float threshold = ms_ruleset_threshold(rs, MS_CAT_INDIVIDUAL_CASE);
    bool ground = (v->labels & ((1u << MS_CAT_HOUSE_RULES_END) - 1u) &
                   ~(1u << MS_CAT_PERSONAL_INFO)) != 0;
    bool unhappy = h->score[MS_CAT_COMPLAINT] >= ms_ruleset_threshold(rs, MS_CAT_COMPLAINT) ||
                   compound <= -0.3f;
    if (score >= 0.5f && score < threshold && unhappy && !ground &&
        !ms_verdict_has(v, MS_CAT_REPAIR) && !ms_verdict_has(v, MS_CAT_CONSENT_WITHDRAWAL))
        score += 0.5f;
    return score;
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

    /* Repair cues that are the words of abuse, a threat above all ("if that surveyor
     * turns up again I'll put him through the window") report no fault (2.26 keeps repair
     * reports, not abuse that names a window); a threat beside a fault ("if nobody fixes my
     * boiler I'll ...") keeps its repair. */
    float repair = h->score[MS_CAT_REPAIR];
    if (has_abuse(v))
        repair -= weight_within(rs, v, MS_CAT_REPAIR, within_abuse);
    /* Repair cues that are a neighbour's doing ("the family downstairs keep banging on the
     * ceiling") report the neighbour, an individual case (2.26), not a fault. */
    if (h->neighbour)
        repair -= weight_within(rs, v, MS_CAT_REPAIR, overlaps_case);
    /* A seller's advert names faults as bait ("mould and leaks? we're a disrepair firm, claim
     * compensation"): it reports none, and must not be kept from the Specialist's review as a
     * repair report is (2.26). */
    bool selling = seller_advert(rs, v);
    if (repair >= ms_ruleset_threshold(rs, MS_CAT_REPAIR) && !selling) {
        label(v, MS_CAT_REPAIR, repair);
        v->repair_urgency = h->urgency ? h->urgency : MS_URGENCY_ROUTINE;
    }

    /* A repair report's cues that only restate its fault do not count. */
    float complaint = h->score[MS_CAT_COMPLAINT];
    if (ms_verdict_has(v, MS_CAT_REPAIR))
        complaint -= weight_within(rs, v, MS_CAT_COMPLAINT, within_fault);
    /* Negative sentiment counts toward a complaint; positive sentiment
     * counts against it, more weakly (people complain politely too). Both
     * only behind cues of some weight: one dissatisfaction word in a sad or
     * angry remark ("the weather is awful") is not a complaint. A question
     * with complaint cues is a challenge ("why is it still broken?"). */
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
     * complaints process, and both are queued for a person's review under 2.2 anyway. So is hate,
     * religious or political campaigning and a threat: their grievance words ("they get the
     * houses and never our own", "if he turns up again I'll ...") are the abuse, aimed at a group
     * or a person, and the answer is moderation (2.2, 2.22, 2.23), not the complaints process.
     * Adverts are not excluded: customers' complaints about offers and orders read like adverts
     * too often ("signed up on a special offer but it never started"), unless the writer speaks
     * as the seller: a claims firm's "fed up with damp? we're a no win no fee firm" sells a cure
     * for other people's grievances. Swearing and colleagues named are not excluded either:
     * genuine complaints often carry them. */
    bool not_a_grievance =
        ms_verdict_has(v, MS_CAT_MALICIOUS_LINK) || ms_verdict_has(v, MS_CAT_MISINFORMATION) ||
        ms_verdict_has(v, MS_CAT_HATE) || ms_verdict_has(v, MS_CAT_RELIGION_POLITICS) ||
        (h->threat && ms_verdict_has(v, MS_CAT_DETRIMENTAL)) || selling;
    /* A grievance with a neighbour's doing ("the flat above are banging all night, I can't take
     * any more") is the neighbour's, not whg's service: an individual case (2.26), not a
     * complaint (2.25), unless it names whg or its inaction ("reported it 14 times and whg have
     * done nothing"). */
    bool neighbours_doing = h->neighbour && !h->at_whg;
    bool general_only = false;
    if (complaint >= ms_ruleset_threshold(rs, MS_CAT_COMPLAINT) && !not_a_grievance &&
        !neighbours_doing) {
        if (h->specific_complaint || !elsewhere)
            label(v, MS_CAT_COMPLAINT, complaint);
        else
            general_only = true;
    }

    float consent = h->score[MS_CAT_CONSENT_WITHDRAWAL];
    if (consent >= ms_ruleset_threshold(rs, MS_CAT_CONSENT_WITHDRAWAL))
        label(v, MS_CAT_CONSENT_WITHDRAWAL, consent);

    /* A question is one whg could answer on the post (2.28). The question of an advert ("fed up
     * with damp?"), of a lure ("want to know how?"), of a sexual remark ("like what you see?")
     * or of a take-down request ("could you take the photo of me down?") is not: the first three
     * are reviewed for removal and the last is done, not answered (2.14). */
    bool answerable = !ms_verdict_has(v, MS_CAT_ADVERTISING) &&
                      !ms_verdict_has(v, MS_CAT_MALICIOUS_LINK) &&
                      !ms_verdict_has(v, MS_CAT_SEXUAL_GRAPHIC) &&
                      !ms_verdict_has(v, MS_CAT_CONSENT_WITHDRAWAL);
    float question = h->score[MS_CAT_QUESTION];
    if (view->n_question > 0)
        question += 0.5f;
    if (question >= ms_ruleset_threshold(rs, MS_CAT_QUESTION) && answerable)
        label(v, MS_CAT_QUESTION, question);

    /* praise, whether or not a complaint cue also fired: thanks for help already given is no
     * individual case either ("sorted the problem next door after years of hell") */
    float positive = h->score[MS_CAT_POSITIVE];
    if (positive > 0 && compound > 0.3f)
        positive += compound * 0.5f;
    bool praise = positive >= ms_ruleset_threshold(rs, MS_CAT_POSITIVE) && compound > -0.05f;
    if (praise && !ms_verdict_has(v, MS_CAT_COMPLAINT))
        label(v, MS_CAT_POSITIVE, positive);

    /* after repair and consent: the score looks at them */
    float individual = praise ? 0 : individual_case_score(rs, h, v, compound);
    if (individual >= ms_ruleset_threshold(rs, MS_CAT_INDIVIDUAL_CASE) && !not_a_grievance &&
        !ms_verdict_has(v, MS_CAT_ADVERTISING) && !ms_verdict_has(v, MS_CAT_DETRIMENTAL))
        label(v, MS_CAT_INDIVIDUAL_CASE, individual);

    if ((compound <= -0.4f || general_only) && !ms_verdict_has(v, MS_CAT_COMPLAINT))
        label(v, MS_CAT_NEGATIVE, compound < 0 ? -compound : 0);

    /* an inbox message is in whg's own inbox, whatever page_owned says */
    if (elsewhere)
        label(v, MS_CAT_EXTERNAL, 1.0f);
    if (h->vip)
        label(v, MS_CAT_VIP, h->score[MS_CAT_VIP]);

    /* an urgent rule (a threat, a take-down request from someone in danger)
     * counts only when the post is labelled with its category: the category's
     * counter-cues (an idiom, a threat the writer received) have had their say */
    v->urgent = (h->urgent_categories & v->labels) || h->vip ||
                (ms_verdict_has(v, MS_CAT_REPAIR) && v->repair_urgency == MS_URGENCY_EMERGENCY);
    if (!v->labels)
        label(v, MS_CAT_OTHER, 0);
}
