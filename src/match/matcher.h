/*
 * matcher.h - runs a rule set's Hyperscan databases over one mention and
 * collects what matched: rule hits with their evidence, per-category rule
 * scores, redaction spans, and per-token sentiment facts.
 *
 * A caller must respect:
 *   - one ms_matcher per thread: it owns the Hyperscan scratch and the
 *     per-token arrays, and is not re-entrant;
 *   - the ruleset must outlive the matcher;
 *   - the ms_hits returned points into the matcher and is valid until the
 *     next scan.
 * After warm-up (the longest text seen) a scan does not allocate.
 */
#ifndef MS_MATCHER_H
#define MS_MATCHER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/mention.h"
#include "match/ruleset.h"
#include "normalise/normalise.h"

/* Sentiment facts about one token of the words view. The higher bits are
 * the ms_special words (ruleset_internal.h). */
enum ms_tokinfo_flag {
    MS_TI_LEXICON = 1u << 0,
    MS_TI_NEGATOR = 1u << 1,
    MS_TI_BOOSTER = 1u << 2,
};

typedef struct ms_tokinfo {
    float valence;   /* lexicon valence when MS_TI_LEXICON */
    float boost;     /* booster scalar when MS_TI_BOOSTER */
    uint32_t flags;
} ms_tokinfo;

#define MS_MAX_EMOTICONS 32
#define MS_MAX_IDIOMS 8

/* An idiom of the sentiment lexicon found in the words view: tokens
 * first..last, read as one sentiment word of `valence` ("to die for"). */
typedef struct ms_idiom_hit {
    uint32_t first, last;
    float valence;
} ms_idiom_hit;

typedef struct ms_hits {
    float score[MS_CAT_COUNT];   /* sum of weights of rules matched, per category */
    ms_tokinfo *tok;             /* one per token of the words view */
    uint32_t n_tok;
    float emoticon[MS_MAX_EMOTICONS];
    uint32_t n_emoticons;
    ms_idiom_hit idiom[MS_MAX_IDIOMS]; /* beyond MS_MAX_IDIOMS, read word by word */
    uint32_t n_idioms;
    ms_urgency urgency;          /* highest urgency of matched repair rules */
    bool threat;                 /* a rule flagged MS_RULE_THREAT matched */
    uint32_t urgent_categories;  /* bit c: an MS_RULE_URGENT rule of category c matched;
                                  * the same bits as ms_verdict.labels */
    bool vip;                    /* the author is on a VIP list */
    bool specific_complaint;     /* a complaint rule that is not `general` matched */
    bool neighbour;              /* a rule flagged MS_RULE_NEIGHBOUR matched */
    bool at_whg;                 /* a rule flagged MS_RULE_AT_WHG matched */
    uint32_t rules_matched;
} ms_hits;

typedef struct ms_matcher ms_matcher;

/** @brief A matcher for one thread; NULL with a message in `err` on failure. */
ms_matcher *ms_matcher_new(const ms_ruleset *rs, char *err, size_t errlen);
void ms_matcher_free(ms_matcher *m);

/**
 * @brief Scan `text` (its words view `view` and its raw bytes) and the
 * author's handle. Adds evidence and redactions to `v` (which the caller
 * has cleared) and returns the hits in `*hits`.
 */
bool ms_matcher_scan(ms_matcher *m, const ms_mention *mention, const char *text,
                     uint32_t text_len, const ms_normalised *view, ms_verdict *v,
                     ms_hits **hits);

/** The most mentions one ms_matcher_scan_batch call takes. */
#define MS_MATCH_BATCH 16

/** One mention of a batch: what to scan, and where its results go. */
typedef struct ms_match_job {
    const ms_mention *mention;
    const char *text;
    uint32_t text_len;
    const ms_normalised *view; /* must stay valid for the whole call */
    ms_verdict *verdict;       /* evidence and redactions are added (caller clears it) */
    ms_hits *hits;             /* out: valid until the next scan of this matcher */
} ms_match_job;

/**
 * @brief ms_matcher_scan() for up to MS_MATCH_BATCH mentions at once, with
 * the same results: each database is scanned over every mention of the
 * batch before the next (see matcher.c). Every job's view must stay valid
 * during the call, so a batch needs a normaliser per mention. False on ENOMEM,
 * a Hyperscan failure or n > MS_MATCH_BATCH.
 */
bool ms_matcher_scan_batch(ms_matcher *m, ms_match_job *jobs, size_t n);

/** @brief Per-rule match counts since the matcher was created (for bench). */
const uint64_t *ms_matcher_rule_counts(const ms_matcher *m);

/** @brief Per-rule start-of-match rescans since the matcher was created (for bench): how often a
 *  regex that hit was scanned again on its own to find where its match starts. Not carried over a
 *  reload; read by the matcher's own thread only. */
const uint64_t *ms_matcher_rescan_counts(const ms_matcher *m);

/** @brief Start `m`'s counts from `from`'s, rule by rule id (a rule set
 *  reload must not send a counter back); call before `m` scans. */
void ms_matcher_carry_counts(ms_matcher *m, const ms_matcher *from);

#endif
