/*
 * corpus.h - a deterministic synthetic firehose of mentions about whg, for
 * benchmarks, soak tests, the demo and property tests.
 *
 * Each call to ms_corpus_next() draws a scenario from a weighted mix (a
 * complaint, an emergency repair, a question, a slur, a phishing link, ...),
 * expands one of the scenario's templates from slot fillers (areas and
 * streets of Walsall, fixtures, colleagues' names, phone numbers in Ofcom's
 * drama ranges, obfuscated swear words, ...) and fills in the metadata a
 * platform would send: platform, kind, author from a pool, ids, timestamps,
 * thread links. Texts are built from fragments, so a run of a million
 * mentions holds hundreds of thousands of distinct texts.
 *
 * Determinism: the generator has its own PRNG (splitmix64 seeding
 * xoshiro256**) and uses integer arithmetic only, so the same seed and
 * options give the same sequence on every machine and compiler. Changing the
 * templates changes the sequence; compare benchmark figures only between
 * runs of the same source.
 *
 * The scenario names the PRIMARY intent of a mention. Texts may also carry
 * secondary cues, as real ones do (a complaint that ends with a phone
 * number); ms_corpus_scenario_category() is the category a classifier should
 * at least find, not the only one it may find.
 *
 * Memory: a generator owns fixed buffers sized from the options when it is
 * created; ms_corpus_next() never allocates. The string views it writes stay
 * valid until the next call on the same generator. One generator per thread;
 * generators share no state.
 */
#ifndef MS_CORPUS_H
#define MS_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mention.h"

typedef enum ms_corpus_scenario_id {
    MS_CORPUS_COMPLAINT = 0,        /* "still waiting ... third time I've called" */
    MS_CORPUS_REPAIR_EMERGENCY,     /* gas smell, flooding, exposed wiring */
    MS_CORPUS_REPAIR_URGENT,        /* no heating/hot water, door won't lock */
    MS_CORPUS_REPAIR_ROUTINE,       /* leaking tap, fence, cupboard door */
    MS_CORPUS_QUESTION,             /* office hours, transfers, rent */
    MS_CORPUS_POSITIVE,             /* thanks and praise */
    MS_CORPUS_SARCASM,              /* "thanks for nothing" */
    MS_CORPUS_NEGATIVE,             /* negative opinion, no specific complaint */
    MS_CORPUS_CONSENT_WITHDRAWAL,   /* "please take down the photo of my kids" */
    MS_CORPUS_INDIVIDUAL_CASE,      /* a neighbour's noise, arrears, overcrowding */
    MS_CORPUS_PERSONAL_INFO,        /* phone, e-mail, address, NI number, bank */
    MS_CORPUS_PROFANITY,            /* plain British swearing */
    MS_CORPUS_PROFANITY_OBFUSCATED, /* sh1t, f u c k, zero-width, Cyrillic */
    MS_CORPUS_HATE,                 /* slurs and hostility to groups */
    MS_CORPUS_RELIGION_POLITICS,    /* party politics, preaching */
    MS_CORPUS_SEXUAL_GRAPHIC,       /* porn spam, graphic images */
    MS_CORPUS_MALICIOUS_LINK,       /* phishing and shortened links */
    MS_CORPUS_ADVERTISING,          /* "DM me to earn £500 a day" */
    MS_CORPUS_MISINFORMATION,       /* "share before they delete this" */
    MS_CORPUS_THREAT,               /* "I know where you live" */
    MS_CORPUS_DEFAMATION,           /* accusations against whg or staff */
    MS_CORPUS_COLLEAGUE,            /* naming a colleague, good or bad */
    MS_CORPUS_EXTERNAL,             /* about whg on a page whg does not own */
    MS_CORPUS_VIP,                  /* councillor, MP, press author */
    MS_CORPUS_NEUTRAL,              /* chatter */
    MS_CORPUS_INNOCENT,             /* Scunthorpe problem: Penistone, Dickens */
    MS_CORPUS_NON_ENGLISH,          /* Polish, Romanian, Punjabi, Urdu */
    MS_CORPUS_SCENARIO_COUNT
} ms_corpus_scenario_id;

typedef struct ms_corpus_options {
    uint32_t min_len;  /* text bytes, at least; 0 means 20 */
    uint32_t max_len;  /* text bytes, at most; 0 means 600 */
    uint32_t mean_len; /* 0: natural lengths; else uniform in [mean/2, 3*mean/2],
                          max_len raised to hold that range */
    uint32_t authors;  /* size of the author pool; 0 means 5000 */
    uint32_t mix[MS_CORPUS_SCENARIO_COUNT]; /* weights; all 0: default mix */
} ms_corpus_options;

typedef struct ms_corpus ms_corpus;

/** @brief Fill `opt` with the defaults, including the default mix. */
void ms_corpus_options_default(ms_corpus_options *opt);

/** @brief A new generator; `opt` may be NULL. NULL on ENOMEM. */
ms_corpus *ms_corpus_new(uint64_t seed, const ms_corpus_options *opt);

/** @brief Free a generator and the buffers its mentions point into. */
void ms_corpus_free(ms_corpus *c);

/** @brief Generate the next mention; its views are valid until the next call. */
void ms_corpus_next(ms_corpus *c, ms_mention *out);

/** @brief Scenario name of the last mention generated ("" before the first). */
const char *ms_corpus_scenario(const ms_corpus *c);

/** @brief Scenario id of the last mention generated (COUNT before the first). */
ms_corpus_scenario_id ms_corpus_scenario_last(const ms_corpus *c);

/** @brief Stable name of a scenario, e.g. "repair_emergency". */
const char *ms_corpus_scenario_name(ms_corpus_scenario_id s);

/** @brief Parse a scenario name; false when unknown. */
bool ms_corpus_scenario_parse(const char *s, size_t n, ms_corpus_scenario_id *out);

/** @brief The category a scenario's mentions are meant to be labelled with. */
ms_category ms_corpus_scenario_category(ms_corpus_scenario_id s);

#endif
