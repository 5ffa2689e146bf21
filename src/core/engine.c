/*
 * engine.c - the classification pipeline for one event (see engine.h):
 * normalise the text into the words view, scan both views, score
 * sentiment, apply the heuristics, decide. A batch runs each step over all
 * its mentions before the next (ms_matcher_scan_batch), so each mention
 * has a normaliser of its own: its view must live until the scans are done.
 */
#include "core/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide/decide.h"
#include "match/matcher.h"
#include "normalise/normalise.h"
#include "score/heuristics.h"
#include "score/sentiment.h"


_Static_assert(MS_ENGINE_BATCH <= MS_MATCH_BATCH, "a batch of the engine is one of the matcher");

struct ms_engine {
    const ms_ruleset *rs;
    ms_normaliser *norm[MS_ENGINE_BATCH];
    ms_matcher *matcher;
    uint32_t max_text;
};

ms_engine *ms_engine_new(const ms_ruleset *rs, const ms_engine_options *opt, char *err,
                         size_t errlen)
{
    ms_engine *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "engine: out of memory");
        return NULL;
    }
    e->rs = rs;
    e->max_text = opt && opt->max_text_bytes ? opt->max_text_bytes : MS_ENGINE_MAX_TEXT_DEFAULT;
    bool norm_ok = true;
    for (int i = 0; i < MS_ENGINE_BATCH; i++)
        norm_ok &= (e->norm[i] = ms_normaliser_new()) != NULL;
    for (int i = 0; norm_ok && i < MS_ENGINE_BATCH; i++)
        ms_normaliser_set_dictionary(e->norm[i], ms_ruleset_known_word, rs);
    e->matcher = norm_ok ? ms_matcher_new(rs, err, errlen) : NULL;
    if (!norm_ok || !e->matcher) {
        if (!norm_ok)
            snprintf(err, errlen, "engine: out of memory");
        ms_engine_free(e);
        return NULL;
    }
    return e;
}

void ms_engine_free(ms_engine *e)
{
    if (!e)
        return;
    for (int i = 0; i < MS_ENGINE_BATCH; i++)
        ms_normaliser_free(e->norm[i]);
    ms_matcher_free(e->matcher);
    free(e);
}

const uint64_t *ms_engine_rule_counts(const ms_engine *e)
{
    return ms_matcher_rule_counts(e->matcher);
}

const uint64_t *ms_engine_rescan_counts(const ms_engine *e)
{
    return ms_matcher_rescan_counts(e->matcher);
}

void ms_engine_carry_counts(ms_engine *e, const ms_engine *from)
{
    ms_matcher_carry_counts(e->matcher, from->matcher);
}

/* Cut at most max bytes without splitting a UTF-8 sequence: the cut moves
 * back only to the lead byte of a sequence that would cross it, never over
 * stray continuation bytes (invalid text must not lose valid bytes before
 * them). */
static uint32_t cut_utf8(const char *s, size_t len, uint32_t max)
{
    if (len <= max)
        return (uint32_t)len;
    for (uint32_t k = 1; k <= 3 && k <= max; k++) {
        unsigned char b = (unsigned char)s[max - k];
        if ((b & 0xC0) == 0x80)
            continue; /* a continuation byte: look for its lead */
        uint32_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        return need > k ? max - k : max;
    }
    return max;
}

bool ms_engine_classify_batch(ms_engine *e, const ms_mention *m, ms_verdict *out, size_t n)
{
    if (n > MS_ENGINE_BATCH)
        return false;
    ms_normalised view[MS_ENGINE_BATCH];
    ms_match_job job[MS_ENGINE_BATCH];
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        const char *text = m[i].text.ptr ? m[i].text.ptr : "";
        uint32_t len = cut_utf8(text, m[i].text.len, e->max_text);
        out[i].text_bytes_scanned = len;
        if (!ms_normalise(e->norm[i], text, len, &view[i]))
            return false;
        job[i] = (ms_match_job){.mention = &m[i], .text = text, .text_len = len,
                                .view = &view[i], .verdict = &out[i]};
    }
    if (!ms_matcher_scan_batch(e->matcher, job, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        ms_sentiment_score(&view[i], job[i].hits, &out[i].sentiment);
        ms_heuristics_apply(e->rs, &m[i], &view[i], job[i].hits, &out[i]);
        ms_decide(e->rs, &m[i], &out[i]);
    }
    return true;
}

bool ms_engine_words_view(ms_engine *e, const char *text, size_t len, ms_normalised *out)
{
    return ms_normalise(e->norm[0], text, cut_utf8(text, len, e->max_text), out);
}

bool ms_engine_classify(ms_engine *e, const ms_mention *m, ms_verdict *out)
{
    return ms_engine_classify_batch(e, m, out, 1);
}
