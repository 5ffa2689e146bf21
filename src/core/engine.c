/*
 * engine.c - the classification pipeline for one event (see engine.h):
 * normalise the text into the words view, scan both views, score
 * sentiment, apply the heuristics, decide.
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

#define MS_DEFAULT_MAX_TEXT (1u << 20)

struct ms_engine {
    const ms_ruleset *rs;
    ms_normaliser *norm;
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
    e->max_text = opt && opt->max_text_bytes ? opt->max_text_bytes : MS_DEFAULT_MAX_TEXT;
    e->norm = ms_normaliser_new();
    e->matcher = ms_matcher_new(rs, err, errlen);
    if (!e->norm || !e->matcher) {
        if (!e->norm)
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
    ms_normaliser_free(e->norm);
    ms_matcher_free(e->matcher);
    free(e);
}

const uint64_t *ms_engine_rule_counts(const ms_engine *e)
{
    return ms_matcher_rule_counts(e->matcher);
}

void ms_engine_carry_counts(ms_engine *e, const ms_engine *from)
{
    ms_matcher_carry_counts(e->matcher, from->matcher);
}

/* Cut at most max bytes without splitting a UTF-8 sequence. */
static uint32_t cut_utf8(const char *s, size_t len, uint32_t max)
{
    if (len <= max)
        return (uint32_t)len;
    uint32_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

bool ms_engine_classify(ms_engine *e, const ms_mention *m, ms_verdict *out)
{
    memset(out, 0, sizeof *out);

    const char *text = m->text.ptr ? m->text.ptr : "";
    uint32_t len = cut_utf8(text, m->text.len, e->max_text);
    out->text_bytes_scanned = len;

    ms_normalised view;
    if (!ms_normalise(e->norm, text, len, &view))
        return false;
    ms_hits *hits;
    if (!ms_matcher_scan(e->matcher, m, text, len, &view, out, &hits))
        return false;
    ms_sentiment_score(&view, hits, &out->sentiment);
    ms_heuristics_apply(e->rs, m, &view, hits, out);
    ms_decide(e->rs, m, out);
    return true;
}
