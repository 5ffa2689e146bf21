/*
 * sentiment.h - a VADER-style sentiment score computed from the facts the
 * matcher collected (which tokens are lexicon words, boosters, negators),
 * so scoring needs no second pass over the text.
 *
 * Follows Hutto & Gilbert (ICWSM 2014): valence from the lexicon; boosters
 * and dampeners within three words, decaying with distance; negation within
 * three words; "but" shifting weight to what follows; ALL-CAPS emphasis when
 * the text is not all capitals; '!' and '?' amplification; emoticons and
 * emoji. Pure function of its inputs: safe from any thread.
 */
#ifndef MS_SENTIMENT_H
#define MS_SENTIMENT_H

#include "core/mention.h"
#include "match/matcher.h"
#include "normalise/normalise.h"

/** @brief Score one mention; `h->tok` is used as scratch and changed. */
void ms_sentiment_score(const ms_normalised *view, ms_hits *h, ms_sentiment *out);

#endif
