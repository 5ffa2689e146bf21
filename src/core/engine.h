/*
 * engine.h - classifies one mention: normalise, match, score, decide.
 *
 * This is the function a worker calls once per event. It is a pure function
 * of (compiled rules, per-thread engine state, event): the ms_ruleset is
 * shared read-only by all threads, each thread owns one ms_engine (its
 * normaliser buffers and Hyperscan scratch), and the caller owns the
 * ms_verdict. After warm-up it does not allocate.
 */
#ifndef MS_ENGINE_H
#define MS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mention.h"
#include "match/ruleset.h"
#include "normalise/normalise.h"

typedef struct ms_engine ms_engine;

/* The most bytes of a text the engine scans unless told otherwise. */
#define MS_ENGINE_MAX_TEXT_DEFAULT (1u << 20)

typedef struct ms_engine_options {
    /* Only this many bytes of a text are scanned (0: MS_ENGINE_MAX_TEXT_DEFAULT);
     * the verdict's text_bytes_scanned says when a text was cut. The part
     * after the cut was never looked at, personal information included: a
     * caller that passes the text on must refuse a longer text instead (the
     * service dead-letters it, `classify` rejects it). */
    uint32_t max_text_bytes;
} ms_engine_options;

/** @brief Per-thread engine state; NULL with a message in `err` on failure. */
ms_engine *ms_engine_new(const ms_ruleset *rs, const ms_engine_options *opt, char *err,
                         size_t errlen);
void ms_engine_free(ms_engine *e);

/** @brief Classify one mention into `out` (overwritten). False only on ENOMEM
 *  or a Hyperscan failure. */
bool ms_engine_classify(ms_engine *e, const ms_mention *m, ms_verdict *out);

/** The most mentions one ms_engine_classify_batch call takes. */
#define MS_ENGINE_BATCH 16

/**
 * @brief Classify mentions m[0..n) into out[0..n), as n calls of
 * ms_engine_classify would, but faster: each step runs over the whole batch
 * before the next, so the rule set's tables stay in the cache. False (and
 * the outputs undefined) on ENOMEM, a Hyperscan failure or n >
 * MS_ENGINE_BATCH.
 */
bool ms_engine_classify_batch(ms_engine *e, const ms_mention *m, ms_verdict *out, size_t n);

/** @brief The words view ms_engine_classify() builds for text[0..len): the same cut, the same
 *  rule-set dictionary for spelled-out letters. For tools that show it (`rules explain`), not the
 *  hot path; valid until the engine's next call. False only on ENOMEM. */
bool ms_engine_words_view(ms_engine *e, const char *text, size_t len, ms_normalised *out);

/** @brief Per-rule match counts of this engine since creation. */
const uint64_t *ms_engine_rule_counts(const ms_engine *e);

/** @brief Per-rule start-of-match rescans of this engine since creation (matcher.h). */
const uint64_t *ms_engine_rescan_counts(const ms_engine *e);

/** @brief Start `e`'s per-rule counts from `from`'s, by rule id: an engine
 *  built for a reloaded rule set keeps the counts of the one it replaces. */
void ms_engine_carry_counts(ms_engine *e, const ms_engine *from);

#endif
