/*
 * sentiment.c - VADER's rules over the matcher's per-token facts (see
 * sentiment.h). Constants are VADER's, so scores are comparable with it.
 *
 * One deliberate change: VADER squashes the SUM of valences, so a long text
 * with many mildly positive words saturates near +1 while people rate it as
 * mildly positive. The sum is divided by the square root of the number of
 * sentiment-bearing tokens before squashing. On the three labelled sets in
 * ../shared/data this raises the correlation with the human ratings above
 * the original Python VADER's on each (bench/accuracy prints both figures).
 */
#include "score/sentiment.h"

#include <math.h>

#include "match/ruleset_internal.h"

#define B_INCR 0.293f
#define C_INCR 0.733f
#define N_SCALAR -0.74f
#define ALPHA 15.0f

/** @brief Whether token `t` carries ms_tokinfo flag `bit`. */
static inline bool has(const ms_tokinfo *t, uint32_t bit) { return (t->flags & bit) != 0; }

/** @brief VADER's booster effect of word `w` on a later sentiment word of `valence`: the boost with
 *  that sign, more when shouted among mixed case; 0 if `w` is no booster. */
static float scalar_inc_dec(const ms_tokinfo *w, uint8_t wflags, float valence, bool cap_diff)
{
    if (!has(w, MS_TI_BOOSTER))
        return 0;
    float s = w->boost;
    if (valence < 0)
        s = -s;
    if ((wflags & MS_TOK_ALLCAPS) && cap_diff)
        s += valence > 0 ? C_INCR : -C_INCR;
    return s;
}

/** @brief VADER's negation check of token `i`'s valence, `start_i` + 1 tokens back: a negator flips
 *  it, "never so/this" strengthens it, "without doubt" keeps it. Needs i > start_i. */
static float negation_check(float valence, const ms_tokinfo *tok, uint32_t start_i, uint32_t i)
{
    const ms_tokinfo *w1 = &tok[i - 1];
    if (start_i == 0) {
        if (has(w1, MS_TI_NEGATOR))
            valence *= N_SCALAR;
    } else if (start_i == 1) {
        const ms_tokinfo *w2 = &tok[i - 2];
        if (has(w2, MS_SP_NEVER) && has(w1, MS_SP_SO_THIS))
            valence *= 1.25f;
        else if (has(w2, MS_SP_WITHOUT) && has(w1, MS_SP_DOUBT))
            ;
        else if (has(w2, MS_TI_NEGATOR))
            valence *= N_SCALAR;
    } else {
        const ms_tokinfo *w2 = &tok[i - 2], *w3 = &tok[i - 3];
        if (has(w3, MS_SP_NEVER) && (has(w2, MS_SP_SO_THIS) || has(w1, MS_SP_SO_THIS)))
            valence *= 1.25f;
        else if (has(w3, MS_SP_WITHOUT) && (has(w2, MS_SP_DOUBT) || has(w1, MS_SP_DOUBT)))
            ;
        else if (has(w3, MS_TI_NEGATOR))
            valence *= N_SCALAR;
    }
    return valence;
}

void ms_sentiment_score(const ms_normalised *view, ms_hits *h, ms_sentiment *out)
{
    ms_tokinfo *tok = h->tok;
    uint32_t n = h->n_tok;
    bool cap_diff = view->n_allcaps > 0 && view->n_allcaps < view->n_letter_tokens;
    uint32_t but_at = UINT32_MAX;
    float pos_sum = 0, neg_sum = 0, total = 0;
    uint32_t neu = 0;
    /* the tokens with a valence, in order (most tokens have none); when
     * there are more than fit, the sums below walk every token */
    uint32_t bearing_at[128];
    uint32_t n_bearing = 0;

    /* an idiom is one sentiment word, its last, of the idiom's valence:
     * its own words' valences ("die" in "to die for") no longer count */
    for (uint32_t k = 0; k < h->n_idioms; k++) {
        const ms_idiom_hit *id = &h->idiom[k];
        for (uint32_t i = id->first; i <= id->last && i < n; i++) {
            tok[i].flags &= ~(uint32_t)MS_TI_LEXICON;
            tok[i].valence = 0;
        }
        if (id->valence != 0 && id->last < n) {
            tok[id->last].flags |= MS_TI_LEXICON;
            tok[id->last].valence = id->valence;
        }
    }

    /* valence per token, stored back in tok[i].valence (0 for neutral) */
    for (uint32_t i = 0; i < n; i++) {
        ms_tokinfo *t = &tok[i];
        if (has(t, MS_SP_BUT) && but_at == UINT32_MAX)
            but_at = i;
        if (!has(t, MS_TI_LEXICON) || has(t, MS_TI_BOOSTER) ||
            (has(t, MS_SP_KIND) && i + 1 < n && has(&tok[i + 1], MS_SP_OF))) {
            t->valence = 0; /* neutral */
            neu++;
            continue;
        }
        float base = t->valence, valence = base;
        if (has(t, MS_SP_NO) && i + 1 < n && has(&tok[i + 1], MS_TI_LEXICON))
            valence = 0;
        if ((i > 0 && has(&tok[i - 1], MS_SP_NO)) || (i > 1 && has(&tok[i - 2], MS_SP_NO)) ||
            (i > 2 && has(&tok[i - 3], MS_SP_NO) && has(&tok[i - 1], MS_SP_OR_NOR)))
            valence = base * N_SCALAR;
        if ((view->tok_flags[i] & MS_TOK_ALLCAPS) && cap_diff)
            valence += valence > 0 ? C_INCR : -C_INCR;
        for (uint32_t start_i = 0; start_i < 3; start_i++) {
            if (i <= start_i)
                break;
            uint32_t j = i - (start_i + 1);
            if (has(&tok[j], MS_TI_LEXICON))
                continue;
            float s = scalar_inc_dec(&tok[j], view->tok_flags[j], valence, cap_diff);
            if (start_i == 1)
                s *= 0.95f;
            else if (start_i == 2)
                s *= 0.9f;
            valence += s;
            valence = negation_check(valence, tok, start_i, i);
        }
        /* "least": "at least" and "very least" are not negations */
        if (i > 1 && has(&tok[i - 1], MS_SP_LEAST) && !has(&tok[i - 2], MS_SP_AT_VERY))
            valence *= N_SCALAR;
        else if (i == 1 && has(&tok[0], MS_SP_LEAST))
            valence *= N_SCALAR;
        t->valence = valence;
        if (valence == 0)
            neu++;
        else if (n_bearing < sizeof bearing_at / sizeof bearing_at[0])
            bearing_at[n_bearing++] = i;
        else
            n_bearing = UINT32_MAX;
    }

    /* Zero valences add nothing to the sums (total is never -0), so the
     * sums over the bearing tokens alone are the sums over all tokens. */
    bool all = n_bearing == UINT32_MAX;
    uint32_t n_sum = all ? n : n_bearing;
    if (all)
        neu = 0;
    for (uint32_t k = 0; k < n_sum; k++) {
        uint32_t i = all ? k : bearing_at[k];
        ms_tokinfo *t = &tok[i];
        float s = t->valence;
        if (but_at != UINT32_MAX) {
            if (i < but_at)
                s *= 0.5f;
            else if (i > but_at)
                s *= 1.5f;
        }
        total += s;
        if (s > 0)
            pos_sum += s + 1;
        else if (s < 0)
            neg_sum += s - 1;
        else if (all)
            neu++;
    }
    for (uint32_t i = 0; i < h->n_emoticons; i++) {
        float s = h->emoticon[i];
        total += s;
        if (s > 0)
            pos_sum += s + 1;
        else if (s < 0)
            neg_sum += s - 1;
    }

    float ep = (float)(view->n_exclaim > 4 ? 4 : view->n_exclaim) * 0.292f;
    float qm = 0;
    if (view->n_question > 1)
        qm = view->n_question <= 3 ? (float)view->n_question * 0.18f : 0.96f;
    float punct = ep + qm;
    uint32_t bearing = h->n_emoticons;
    if (all) {
        for (uint32_t i = 0; i < n; i++)
            bearing += tok[i].valence != 0;
    } else {
        bearing += n_bearing;
    }
    if (bearing > 1)
        total /= sqrtf((float)bearing);
    if (total > 0)
        total += punct;
    else if (total < 0)
        total -= punct;
    float compound = total / sqrtf(total * total + ALPHA);
    if (compound > 1)
        compound = 1;
    if (compound < -1)
        compound = -1;

    if (pos_sum > fabsf(neg_sum))
        pos_sum += punct;
    else if (pos_sum < fabsf(neg_sum))
        neg_sum -= punct;
    float denom = pos_sum + fabsf(neg_sum) + (float)neu;
    out->compound = compound;
    if (denom > 0) {
        out->pos = fabsf(pos_sum / denom);
        out->neg = fabsf(neg_sum / denom);
        out->neu = fabsf((float)neu / denom);
    } else {
        out->pos = out->neg = 0;
        out->neu = 1;
    }
}
