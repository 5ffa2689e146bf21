/*
 * matcher.c - one scan of each database per mention (see matcher.h).
 *
 * Hyperscan calls back for every match; the callbacks here do the least
 * they can: look up what the pattern means and record it. A rule counts
 * toward its category's score once per event (a per-rule mark, cleared
 * through a touched list so clearing costs the hits, not the rule count),
 * while every match becomes evidence until the label's evidence array is
 * full. Literal patterns have a known length, and so have regular
 * expressions whose matches are all one width (the loader gives them that
 * length): only the other regular expressions pay for start-of-match
 * tracking.
 *
 * Every buffer handed to hs_scan is readable for SCAN_OVERREAD bytes past
 * its end (see scannable()): Debian 12's Hyperscan reads beyond the end.
 */
#include "match/matcher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "match/ruleset_internal.h"
#include "score/pii.h"

/* Debian 12's Hyperscan 5.4.0 reads past the end of the buffer it scans: the AVX512VBMI build of
 * its fat teddy literal matcher loads 32 bytes where fewer remain (vectorscan issue #322, fixed
 * there in 2025, not in 5.4.0). Past the end of a heap block that is harmless, unless the block
 * ends right before an unmapped page, which the fuzzer found. So a buffer that ends within
 * SCAN_OVERREAD bytes of a 4 KiB boundary (mappings are aligned to at least that on every target,
 * whatever the page size) is scanned from a copy with room after it: about one text in sixty. */
#define SCAN_OVERREAD 64u
#define SCAN_PAGE 4096u

/* A buffer that keeps its capacity, for those copies. */
typedef struct scan_copy {
    char *buf;
    size_t cap;
} scan_copy;

/* What one mention's scan writes; a batch has one per mention. */
typedef struct match_slot {
    ms_tokinfo *tok;
    uint32_t tok_cap;
    uint8_t *rule_hit;       /* per rule: matched in this event */
    uint32_t *first_start, *first_end; /* per rule: its first span in this event */
    uint8_t *som_seen;       /* per start-of-match database: queued in this event */
    uint32_t *som_list;      /* queued start-of-match databases (words first, then raw) */
    uint32_t *som_end;       /* per queued entry: where its detector first fired */
    uint32_t n_som, n_words_som;
    uint32_t *touched;       /* rules marked in this event */
    uint32_t n_touched;
    ms_hits hits;
    const char *view_bytes, *text_bytes; /* what hs_scan reads: the view and text, or copies */
    scan_copy view_copy, text_copy, handle_copy;
} match_slot;

struct ms_matcher {
    const ms_ruleset *rs;
    hs_scratch_t *scratch;
    uint64_t *rule_count;    /* lifetime match counts, for bench */
    uint64_t *rescan_count;  /* per rule: start-of-match rescans, for bench */
    match_slot slot[MS_MATCH_BATCH];
};

/* What a callback needs; lives on the scan's stack. */
typedef struct scan_ctx {
    ms_matcher *m;
    match_slot *s;           /* the mention being scanned */
    const ms_pattern *table; /* patterns of the database being scanned */
    uint32_t som_base;       /* 0 for words regexes, n_words_som_pat for raw ones */
    const ms_normalised *view;
    const char *text;
    uint32_t text_len;
    ms_verdict *v;
} scan_ctx;

ms_matcher *ms_matcher_new(const ms_ruleset *rs, char *err, size_t errlen)
{
    ms_matcher *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "matcher: out of memory");
        return NULL;
    }
    m->rs = rs;
    hs_error_t e = hs_alloc_scratch(rs->words_db, &m->scratch);
    if (e == HS_SUCCESS && rs->raw_db)
        e = hs_alloc_scratch(rs->raw_db, &m->scratch);
    for (int g = 0; e == HS_SUCCESS && g < MS_GATES; g++)
        if (rs->raw_gated[g].db)
            e = hs_alloc_scratch(rs->raw_gated[g].db, &m->scratch);
    if (e == HS_SUCCESS && rs->words_re_db)
        e = hs_alloc_scratch(rs->words_re_db, &m->scratch);
    if (e == HS_SUCCESS && rs->author_db)
        e = hs_alloc_scratch(rs->author_db, &m->scratch);
    uint32_t nr = rs->n_rules ? rs->n_rules : 1;
    m->rule_count = calloc(nr, sizeof *m->rule_count);
    m->rescan_count = calloc(nr, sizeof *m->rescan_count);
    for (uint32_t i = 0; e == HS_SUCCESS && i < rs->n_words_som_pat; i++)
        e = hs_alloc_scratch(rs->words_som_db[i], &m->scratch);
    for (uint32_t i = 0; e == HS_SUCCESS && i < rs->n_raw_som_pat; i++)
        e = hs_alloc_scratch(rs->raw_som_db[i], &m->scratch);
    uint32_t n_som = rs->n_words_som_pat + rs->n_raw_som_pat + 1;
    bool slots_ok = true;
    for (int i = 0; i < MS_MATCH_BATCH; i++) {
        match_slot *sl = &m->slot[i];
        sl->rule_hit = calloc(nr, 1);
        sl->first_start = calloc(nr, sizeof *sl->first_start);
        sl->first_end = calloc(nr, sizeof *sl->first_end);
        sl->touched = calloc(nr, sizeof *sl->touched);
        sl->som_seen = calloc(n_som, 1);
        sl->som_list = calloc(n_som, sizeof *sl->som_list);
        sl->som_end = calloc(n_som, sizeof *sl->som_end);
        slots_ok &= sl->rule_hit && sl->first_start && sl->first_end && sl->touched &&
                    sl->som_seen && sl->som_list && sl->som_end;
    }
    if (e != HS_SUCCESS || !slots_ok || !m->rule_count || !m->rescan_count) {
        snprintf(err, errlen, "matcher: %s",
                 e != HS_SUCCESS ? "hs_alloc_scratch failed" : "out of memory");
        ms_matcher_free(m);
        return NULL;
    }
    return m;
}

void ms_matcher_free(ms_matcher *m)
{
    if (!m)
        return;
    hs_free_scratch(m->scratch);
    for (int i = 0; i < MS_MATCH_BATCH; i++) {
        match_slot *sl = &m->slot[i];
        free(sl->tok);
        free(sl->rule_hit);
        free(sl->som_seen);
        free(sl->som_list);
        free(sl->som_end);
        free(sl->first_start);
        free(sl->first_end);
        free(sl->touched);
        free(sl->view_copy.buf);
        free(sl->text_copy.buf);
        free(sl->handle_copy.buf);
    }
    free(m->rule_count);
    free(m->rescan_count);
    free(m);
}

const uint64_t *ms_matcher_rule_counts(const ms_matcher *m) { return m->rule_count; }

const uint64_t *ms_matcher_rescan_counts(const ms_matcher *m) { return m->rescan_count; }

void ms_matcher_carry_counts(ms_matcher *m, const ms_matcher *from)
{
    uint32_t n_from = ms_ruleset_rule_count(from->rs);
    for (uint32_t i = 0; i < ms_ruleset_rule_count(m->rs); i++) {
        const char *id = ms_ruleset_rule(m->rs, i)->id;
        /* same place first: a reload usually keeps the order */
        if (i < n_from && strcmp(ms_ruleset_rule(from->rs, i)->id, id) == 0) {
            m->rule_count[i] = from->rule_count[i];
            continue;
        }
        for (uint32_t k = 0; k < n_from; k++)
            if (strcmp(ms_ruleset_rule(from->rs, k)->id, id) == 0) {
                m->rule_count[i] = from->rule_count[k];
                break;
            }
    }
}

/** @brief Redact source bytes [start, end), merged into an overlapping span; past MS_MAX_REDACTIONS
 *  merged into the nearest span (mention.h): personal information is never let through. */
static void add_redaction(ms_verdict *v, ms_pii_kind kind, uint32_t start, uint32_t end,
                          bool weak, ms_category category)
{
    /* merge with an overlapping span (two patterns finding one number); a
     * span a strong rule found stays however weak the others */
    for (uint8_t i = 0; i < v->n_redactions; i++) {
        ms_redaction *r = &v->redaction[i];
        if (start < r->end && end > r->start) {
            if (start < r->start)
                r->start = start;
            if (end > r->end)
                r->end = end;
            r->weak = r->weak && weak;
            return;
        }
    }
    if (v->n_redactions < MS_MAX_REDACTIONS) {
        v->redaction[v->n_redactions++] = (ms_redaction){kind, start, end, weak, (uint8_t)category};
        return;
    }
    ms_redaction *near = &v->redaction[0];
    uint32_t best = UINT32_MAX;
    for (uint8_t i = 0; i < v->n_redactions; i++) {
        ms_redaction *r = &v->redaction[i];
        uint32_t gap = start >= r->end ? start - r->end : r->start - end;
        if (gap < best) {
            best = gap;
            near = r;
        }
    }
    if (start < near->start)
        near->start = start;
    if (end > near->end)
        near->end = end;
    near->weak = near->weak && weak;
    if (v->merged_redactions < 255)
        v->merged_redactions++;
}

_Static_assert(MS_CAT_COUNT <= 32, "ms_hits.urgent_categories holds one bit per category");

/** @brief Record a hit of rule `ri` at source bytes [start, end) (0, 0: no span): its first hit
 *  scores the category; each new span is evidence, and for PII rules a redaction. */
static void record_hit(scan_ctx *c, uint32_t ri, uint32_t start, uint32_t end)
{
    ms_matcher *m = c->m;
    match_slot *sl = c->s;
    const ms_rule *r = &m->rs->rules[ri];
    ms_hits *h = &sl->hits;
    /* read by the metrics thread: a relaxed atomic store, same cost as ++ */
    __atomic_store_n(&m->rule_count[ri], m->rule_count[ri] + 1, __ATOMIC_RELAXED);
    if (!sl->rule_hit[ri]) {
        sl->rule_hit[ri] = 1;
        sl->touched[sl->n_touched++] = ri;
        sl->first_start[ri] = start;
        sl->first_end[ri] = end;
        h->score[r->category] += r->weight;
        h->rules_matched++;
        if (r->category == MS_CAT_REPAIR && r->urgency > h->urgency && r->weight > 0)
            h->urgency = r->urgency;
        if (r->flags & MS_RULE_THREAT)
            h->threat = true;
        if (r->flags & MS_RULE_URGENT)
            h->urgent_categories |= 1u << r->category;
        if (r->flags & MS_RULE_NEIGHBOUR)
            h->neighbour = true;
        if (r->flags & MS_RULE_AT_WHG)
            h->at_whg = true;
        if (r->category == MS_CAT_VIP)
            h->vip = true;
        if (r->category == MS_CAT_COMPLAINT && r->weight > 0 && !(r->flags & MS_RULE_GENERAL))
            h->specific_complaint = true;
    }
    /* weight-0 rules are cues for all_of rules: the composite carries the
     * evidence, so they do not take the label's few evidence slots */
    if (r->weight == 0 && !r->has_pii)
        return;
    ms_label *l = &c->v->label[r->category];
    for (uint8_t i = 0; i < l->n_evidence; i++)
        if (l->evidence[i].start == start && l->evidence[i].end == end &&
            l->evidence[i].rule == ri)
            return;
    if (l->n_evidence < MS_MAX_EVIDENCE)
        l->evidence[l->n_evidence++] = (ms_evidence){ri, start, end};
    else if (l->dropped_evidence < 255)
        l->dropped_evidence++;
    if (r->has_pii)
        add_redaction(c->v, r->pii, start, end,
                      r->weight < ms_ruleset_threshold(m->rs, r->category), r->category);
}

/* A regex hit in a main database: its span comes from its own database. */
static inline void queue_som(scan_ctx *c, uint32_t som, unsigned long long to)
{
    match_slot *sl = c->s;
    uint32_t k = c->som_base + som;
    if (!sl->som_seen[k]) {
        sl->som_seen[k] = 1;
        sl->som_end[sl->n_som] = (uint32_t)to;
        sl->som_list[sl->n_som++] = k;
    }
}

/*
 * The raw view's regexes hit in up to three scans (raw_db, then the gated
 * databases), each reporting by end offset. Rescan them in end order across
 * all, as one scan would have found them, so evidence and redactions keep
 * the order of the text. A stable insertion sort of a few entries, already
 * in sorted runs.
 */
static void order_som(match_slot *m, uint32_t from, uint32_t to)
{
    for (uint32_t i = from + 1; i < to; i++) {
        uint32_t k = m->som_list[i], e = m->som_end[i], j = i;
        for (; j > from && m->som_end[j - 1] > e; j--) {
            m->som_list[j] = m->som_list[j - 1];
            m->som_end[j] = m->som_end[j - 1];
        }
        m->som_list[j] = k;
        m->som_end[j] = e;
    }
}

/** @brief Hyperscan callback on the words view: record a rule hit mapped to source bytes, or the
 *  sentiment facts of the token it ends in; regexes wait for the start-of-match pass. 0: go on. */
static int on_words_match(unsigned int id, unsigned long long from, unsigned long long to,
                          unsigned int flags, void *ctx)
{
    scan_ctx *c = ctx;
    const ms_pattern *p = &c->table[id];
    const ms_normalised *v = c->view;
    if (p->flags & MS_PAT_DEFERRED) {
        queue_som(c, p->som, to);
        return 0;
    }
    uint32_t s = p->len ? (uint32_t)to - p->len : (uint32_t)from;
    uint32_t e = (uint32_t)to;
    /* drop the boundary spaces that every words pattern carries */
    if (s < e && v->view[s] == ' ')
        s++;
    if (e > s && v->view[e - 1] == ' ')
        e--;
    if (e <= s)
        return 0;
    if (p->role == MS_ROLE_RULE) {
        if (p->flags & MS_PAT_PREFIX) {
            if (s > 0 && v->view[s - 1] != ' ')
                return 0;
            while (e < v->len && v->view[e] != ' ')
                e++;
        }
        record_hit(c, p->rule, v->src_start[s], v->src_end[e - 1]);
        return 0;
    }
    /* sentiment facts belong to the token the match ends in */
    uint32_t t = ms_normalised_token_at(v, e - 1);
    ms_tokinfo *ti = &c->s->hits.tok[t];
    switch (p->role) {
    case MS_ROLE_LEXICON:
        ti->flags |= MS_TI_LEXICON;
        ti->valence = p->value;
        break;
    case MS_ROLE_BOOSTER:
        ti->flags |= MS_TI_BOOSTER;
        ti->boost = p->value;
        break;
    case MS_ROLE_NEGATOR:
        ti->flags |= MS_TI_NEGATOR;
        break;
    case MS_ROLE_SPECIAL:
        ti->flags |= p->special;
        break;
    case MS_ROLE_IDIOM: {
        ms_hits *h = &c->s->hits;
        if (h->n_idioms < MS_MAX_IDIOMS)
            h->idiom[h->n_idioms++] = (ms_idiom_hit){ms_normalised_token_at(v, s), t, p->value};
        break;
    }
    default:
        break;
    }
    return 0;
}

/** @brief An ASCII letter or digit, whatever the locale: the word boundary test of raw patterns. */
static inline bool is_alnum(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/** @brief Hyperscan callback on the raw text: apply word boundaries and validators, then record a
 *  rule hit or an emoticon's valence; regexes wait for the start-of-match pass. 0: go on. */
static int on_raw_match(unsigned int id, unsigned long long from, unsigned long long to,
                        unsigned int flags, void *ctx)
{
    scan_ctx *c = ctx;
    const ms_pattern *p = &c->table[id];
    if (p->flags & MS_PAT_DEFERRED) {
        queue_som(c, p->som, to);
        return 0;
    }
    uint32_t s = p->len ? (uint32_t)to - p->len : (uint32_t)from;
    uint32_t e = (uint32_t)to;
    const unsigned char *t = (const unsigned char *)c->text;
    if (p->flags & (MS_PAT_BOUNDED | MS_PAT_EMOTICON_B)) {
        if (e < c->text_len && is_alnum(t[e]))
            return 0;
        if (p->flags & MS_PAT_BOUNDED) {
            if (s > 0 && is_alnum(t[s - 1]))
                return 0;
        } else if (s > 0 && t[s - 1] != ' ' && t[s - 1] != '\n' && t[s - 1] != '\t') {
            return 0;
        }
    }
    if (p->role == MS_ROLE_EMOTICON) {
        ms_hits *h = &c->s->hits;
        if (h->n_emoticons < MS_MAX_EMOTICONS)
            h->emoticon[h->n_emoticons++] = p->value;
        return 0;
    }
    const ms_rule *r = &c->m->rs->rules[p->rule];
    /* trim whitespace a pattern may have taken at either end */
    while (s < e && (t[s] == ' ' || t[s] == '\n' || t[s] == '\t'))
        s++;
    while (e > s && (t[e - 1] == ' ' || t[e - 1] == '\n' || t[e - 1] == '\t'))
        e--;
    if (e <= s)
        return 0;
    if (r->validate == MS_VALIDATE_NI_NUMBER && !ms_pii_valid_ni_number(c->text + s, e - s))
        return 0;
    if (r->validate == MS_VALIDATE_UK_PHONE && !ms_pii_valid_uk_phone(c->text + s, e - s))
        return 0;
    if (r->validate == MS_VALIDATE_CARD && !ms_pii_valid_card(c->text + s, e - s))
        return 0;
    record_hit(c, p->rule, s, e);
    return 0;
}

/** @brief Hyperscan callback on the author's handle: a VIP-author regex hit, without a span. */
static int on_author_match(unsigned int id, unsigned long long from, unsigned long long to,
                           unsigned int flags, void *ctx)
{
    scan_ctx *c = ctx;
    record_hit(c, c->table[id].rule, 0, 0);
    return 0;
}

/** @brief `s` itself when the SCAN_OVERREAD bytes after its end are on the same page as its last
 *  byte, else a copy of it in `c` followed by that many zero bytes; NULL when out of memory.
 *  `c` grows to every longer input, copied or not, so that whether a text happens to end near a
 *  page boundary never decides when the matcher allocates: warm is warm. */
static const char *scannable(scan_copy *c, const char *s, size_t len)
{
    if (len + SCAN_OVERREAD > c->cap) {
        size_t cap = c->cap ? c->cap : 512;
        while (cap < len + SCAN_OVERREAD)
            cap *= 2;
        char *b = realloc(c->buf, cap);
        if (!b)
            return NULL;
        c->buf = b;
        c->cap = cap;
    }
    uintptr_t r = ((uintptr_t)s + len) % SCAN_PAGE;
    if (r != 0 && r <= SCAN_PAGE - SCAN_OVERREAD)
        return s;
    if (len)
        memcpy(c->buf, s, len);
    memset(c->buf + len, 0, SCAN_OVERREAD);
    return c->buf;
}

/** @brief VIP authors: a sorted list of handles, and regexes in the author database. False
 *  when the scan of the handle fails, like every other scan. */
static bool match_vip(scan_ctx *c, const ms_mention *mention)
{
    const ms_ruleset *rs = c->m->rs;
    const char *h = mention->author.handle.ptr;
    size_t n = mention->author.handle.len;
    while (n && *h == '@') {
        h++;
        n--;
    }
    if (rs->author_db && mention->author.handle.len) {
        const char *scan = scannable(&c->s->handle_copy, mention->author.handle.ptr,
                                     mention->author.handle.len);
        c->table = rs->author_pat;
        if (!scan || hs_scan(rs->author_db, scan, (unsigned)mention->author.handle.len, 0,
                             c->m->scratch, on_author_match, c) != HS_SUCCESS)
            return false;
    }
    if (!rs->n_vip || n == 0 || n > 128)
        return true;
    char key[129];
    for (size_t i = 0; i < n; i++)
        key[i] = (char)((h[i] >= 'A' && h[i] <= 'Z') ? h[i] + 32 : h[i]);
    key[n] = '\0';
    uint32_t lo = 0, hi = rs->n_vip;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int cmp = strcmp(rs->vip[mid].handle, key);
        if (cmp == 0) {
            record_hit(c, rs->vip[mid].rule, 0, 0);
            return true;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return true;
}

/* all_of rules: fire when every part matched; the span covers the parts'
 * first matches. */
static void match_composites(scan_ctx *c)
{
    match_slot *m = c->s;
    const ms_ruleset *rs = c->m->rs;
    for (uint32_t k = 0; k < rs->n_composite; k++) {
        const int32_t *parts = rs->composite_parts[k];
        bool all = true;
        uint32_t s = UINT32_MAX, e = 0;
        for (int i = 0; i < 8 && parts[i] >= 0 && all; i++) {
            if (!m->rule_hit[parts[i]]) {
                all = false;
                break;
            }
            if (m->first_start[parts[i]] < s)
                s = m->first_start[parts[i]];
            if (m->first_end[parts[i]] > e)
                e = m->first_end[parts[i]];
        }
        if (all)
            record_hit(c, rs->composite[k], s, e);
    }
}

/* Whether the text holds an ASCII digit: opens the MS_GATE_DIGIT database. */
static bool has_digit(const char *text, uint32_t len)
{
    const unsigned char *t = (const unsigned char *)text;
    uint32_t i = 0;
#if defined(__SSE2__)
    /* c - '0' (wrapping) is at most 9 exactly for the digits */
    const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
    for (; i + 16 <= len; i += 16) {
        __m128i x = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(t + i)), zero);
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x, nine), x)))
            return true;
    }
#endif
    for (; i < len; i++)
        if ((unsigned char)(t[i] - '0') < 10)
            return true;
    return false;
}

/** @brief Clear what slot `sl`'s previous event marked, size it for the job's view and choose
 *  what hs_scan reads for the view and text (scannable); false on ENOMEM. */
static bool slot_begin(match_slot *sl, const ms_match_job *job)
{
    const ms_normalised *view = job->view;
    sl->view_bytes = scannable(&sl->view_copy, view->view, view->len);
    sl->text_bytes = scannable(&sl->text_copy, job->text, job->text_len);
    if (!sl->view_bytes || !sl->text_bytes)
        return false;
    for (uint32_t i = 0; i < sl->n_touched; i++)
        sl->rule_hit[sl->touched[i]] = 0;
    sl->n_touched = 0;
    sl->n_som = 0;
    if (view->n_tok > sl->tok_cap) {
        uint32_t cap = sl->tok_cap ? sl->tok_cap : 256;
        while (cap < view->n_tok)
            cap *= 2;
        ms_tokinfo *t = realloc(sl->tok, cap * sizeof *t);
        if (!t)
            return false;
        sl->tok = t;
        sl->tok_cap = cap;
    }
    ms_hits *h = &sl->hits;
    memset(h, 0, sizeof *h);
    h->tok = sl->tok;
    h->n_tok = view->n_tok;
    if (view->n_tok)
        memset(sl->tok, 0, view->n_tok * sizeof *sl->tok);
    return true;
}

/** @brief The scan context of job `j` in slot `sl`, for the words view's literals. */
static scan_ctx job_ctx(ms_matcher *m, match_slot *sl, const ms_match_job *j)
{
    return (scan_ctx){.m = m, .s = sl, .table = m->rs->words_pat, .view = j->view,
                      .text = sl->text_bytes, .text_len = j->text_len, .v = j->verdict};
}

/*
 * The scans run database by database across the batch, not mention by
 * mention: a database's tables then stay in the cache for every mention of
 * the batch instead of being read again from memory for each (measured on
 * the bench corpus: one mention classified twice in a row costs a third less
 * the second time).
 */
bool ms_matcher_scan_batch(ms_matcher *m, ms_match_job *jobs, size_t n)
{
    const ms_ruleset *rs = m->rs;
    if (n > MS_MATCH_BATCH)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!slot_begin(&m->slot[i], &jobs[i]))
            return false;
    for (size_t i = 0; i < n; i++) {
        scan_ctx c = job_ctx(m, &m->slot[i], &jobs[i]);
        if (hs_scan(rs->words_db, c.s->view_bytes, c.view->len, 0, m->scratch, on_words_match,
                    &c) != HS_SUCCESS)
            return false;
    }
    for (size_t i = 0; rs->words_re_db && i < n; i++) {
        scan_ctx c = job_ctx(m, &m->slot[i], &jobs[i]);
        c.table = rs->words_re_pat;
        if (hs_scan(rs->words_re_db, c.s->view_bytes, c.view->len, 0, m->scratch, on_words_match,
                    &c) != HS_SUCCESS)
            return false;
    }
    for (size_t i = 0; i < n; i++)
        m->slot[i].n_words_som = m->slot[i].n_som;
    for (size_t i = 0; rs->raw_db && i < n; i++) {
        scan_ctx c = job_ctx(m, &m->slot[i], &jobs[i]);
        c.table = rs->raw_pat;
        c.som_base = rs->n_words_som_pat;
        if (c.text_len && hs_scan(rs->raw_db, c.text, c.text_len, 0, m->scratch, on_raw_match,
                                  &c) != HS_SUCCESS)
            return false;
    }
    for (int g = 0; g < MS_GATES; g++) {
        const struct ms_gated *gd = &rs->raw_gated[g];
        for (size_t i = 0; gd->db && i < n; i++) {
            scan_ctx c = job_ctx(m, &m->slot[i], &jobs[i]);
            if (!c.text_len || !(g == MS_GATE_DIGIT ? has_digit(c.text, c.text_len)
                                                    : memchr(c.text, '@', c.text_len) != NULL))
                continue;
            c.table = gd->pat;
            c.som_base = rs->n_words_som_pat;
            if (hs_scan(gd->db, c.text, c.text_len, 0, m->scratch, on_raw_match, &c) !=
                HS_SUCCESS)
                return false;
        }
    }
    for (size_t i = 0; i < n; i++) {
        match_slot *sl = &m->slot[i];
        scan_ctx c = job_ctx(m, sl, &jobs[i]);
        /* the start-of-match pass: only the regexes that hit, each on its own */
        order_som(sl, sl->n_words_som, sl->n_som);
        for (uint32_t q = 0; q < sl->n_som; q++) {
            uint32_t k = sl->som_list[q];
            sl->som_seen[k] = 0;
            bool words = k < rs->n_words_som_pat;
            uint32_t idx = words ? k : k - rs->n_words_som_pat;
            c.table = words ? &rs->words_som_pat[idx] : &rs->raw_som_pat[idx];
            m->rescan_count[c.table->rule]++;
            hs_error_t e = words ? hs_scan(rs->words_som_db[idx], sl->view_bytes, c.view->len, 0,
                                           m->scratch, on_words_match, &c)
                                 : hs_scan(rs->raw_som_db[idx], c.text, c.text_len, 0,
                                           m->scratch, on_raw_match, &c);
            if (e != HS_SUCCESS)
                return false;
        }
        if (!match_vip(&c, jobs[i].mention))
            return false;
        match_composites(&c);
        jobs[i].hits = &sl->hits;
    }
    return true;
}

bool ms_matcher_scan(ms_matcher *m, const ms_mention *mention, const char *text,
                     uint32_t text_len, const ms_normalised *view, ms_verdict *v,
                     ms_hits **hits)
{
    ms_match_job j = {.mention = mention, .text = text, .text_len = text_len, .view = view,
                      .verdict = v};
    if (!ms_matcher_scan_batch(m, &j, 1))
        return false;
    *hits = j.hits;
    return true;
}
