/*
 * ruleset_internal.h - the inside of a compiled rule set, shared by the
 * loader (ruleset.c) and the matcher (matcher.c) only.
 *
 * Every Hyperscan pattern id indexes a ms_pattern that says what a match
 * means: a rule hit, a sentiment lexicon word, a booster, a negator, one of
 * the few words VADER's rules look for ("but", "never", "least", ...), or an
 * emoticon.
 */
#ifndef MS_RULESET_INTERNAL_H
#define MS_RULESET_INTERNAL_H

#include <hs/hs.h>

#include "core/strtab.h"
#include "match/regex_shape.h"
#include "match/ruleset.h"

typedef enum ms_pattern_role {
    MS_ROLE_RULE = 0,   /* `rule` is the rule index */
    MS_ROLE_LEXICON,    /* `value` is the valence (-4..4) */
    MS_ROLE_BOOSTER,    /* `value` is the scalar (+-0.293) */
    MS_ROLE_NEGATOR,
    MS_ROLE_SPECIAL,    /* `special` is a ms_special bit */
    MS_ROLE_EMOTICON,   /* raw view; `value` is the valence */
    MS_ROLE_IDIOM,      /* `value` is the phrase's valence, which replaces its words' */
} ms_pattern_role;

/* Words VADER's rules test by identity; bits in ms_tokinfo.flags. */
typedef enum ms_special {
    MS_SP_BUT = 1u << 3,
    MS_SP_NO = 1u << 4,
    MS_SP_NEVER = 1u << 5,
    MS_SP_SO_THIS = 1u << 6,
    MS_SP_WITHOUT = 1u << 7,
    MS_SP_DOUBT = 1u << 8,
    MS_SP_LEAST = 1u << 9,
    MS_SP_AT_VERY = 1u << 10,
    MS_SP_KIND = 1u << 11,
    MS_SP_OF = 1u << 12,
    MS_SP_OR_NOR = 1u << 13,
} ms_special;

enum ms_pattern_flag {
    MS_PAT_PREFIX = 1u << 0,    /* words literal " lit": extend to word end */
    MS_PAT_BOUNDED = 1u << 1,   /* raw literal: check neighbours are not alnum */
    MS_PAT_EMOTICON_B = 1u << 2,/* raw emoticon: preceded by space or start */
    MS_PAT_DEFERRED = 1u << 3,  /* regex in a main database: its hit is
                                 * handled by the start-of-match pass */
};

typedef struct ms_pattern {
    uint8_t role;       /* ms_pattern_role */
    uint8_t flags;      /* ms_pattern_flag */
    uint16_t len;       /* literal length in bytes; 0 when SOM is reported */
    uint32_t rule;      /* MS_ROLE_RULE */
    uint32_t som;       /* MS_PAT_DEFERRED: index of its start-of-match database */
    uint32_t special;   /* MS_ROLE_SPECIAL */
    float value;
} ms_pattern;

struct ms_ruleset {
    ms_rule *rules;
    uint32_t n_rules;
    float threshold[MS_CAT_COUNT];

    /* raw_db and author_db are NULL when they have no patterns; author_db
     * holds vip_author regexes, matched against the author's handle. */
    hs_database_t *words_db, *raw_db, *author_db;
    ms_pattern *words_pat, *raw_pat, *author_pat;
    uint32_t n_words_pat, n_raw_pat, n_author_pat;

    /* The raw view's regexes that cannot match without a given byte, kept
     * out of raw_db in a database per gate and scanned only when the text
     * holds that byte: an ASCII digit (phone, postcode, NI, bank and card
     * numbers, house numbers), in about a quarter of mentions, or an '@'
     * (e-mail addresses), in one in fifty. Most of them have no literal to
     * trigger on, so each runs an automaton over every byte: measured with
     * callgrind over the bench corpus, raw_db cost 9.5k instructions per
     * 200-byte mention with them and 4.0k without; the digit database costs
     * 3.6k where it runs, the '@' one 0.7k. A gated database is NULL when it
     * has no patterns; hits go through the start-of-match pass like
     * raw_db's. */
    struct ms_gated {
        hs_database_t *db;
        ms_pattern *pat;
        uint32_t n_pat;
    } raw_gated[MS_GATES];

    /* The words view's regular expressions, kept out of words_db: mixed
     * with thousands of literals they slowed the literal scan more than a
     * second, separate scan costs (measured: 1.7 us against 0.6 + 0.5 us
     * per 200-byte mention). NULL when there are none. */
    hs_database_t *words_re_db;
    ms_pattern *words_re_pat;
    uint32_t n_words_re_pat;

    /* Regular expressions again, each compiled alone with start-of-match
     * reporting. Tracking the start of every regex on every scan costs
     * several times the scan itself, so the main databases find regex hits
     * without it, and only the regexes that hit are scanned again, one small
     * database each, for their spans. */
    hs_database_t **words_som_db, **raw_som_db;
    ms_pattern *words_som_pat, *raw_som_pat;
    uint32_t n_words_som_pat, n_raw_som_pat;

    /* Composite rules (all_of:) and the rules each needs, -1 terminated. */
    uint32_t *composite;        /* rule indexes of composite rules */
    int32_t (*composite_parts)[8];
    uint32_t n_composite;

    /* Every rule's id, sorted, with its index: ms_ruleset_find. */
    struct ms_rule_ref {
        const char *id;
        uint32_t rule;
    } *by_id;

    /* Every one-word entry of a words-view list and of the sentiment
     * lexicon, normalised; the value is 1 for an entry written with a
     * trailing '*'. The normaliser asks it which way to split a spelled-out
     * run (ms_ruleset_known_word). */
    ms_strtab known;

    /* VIP author handles, lower-case without '@', sorted; with their rule. */
    struct ms_vip {
        const char *handle;
        uint32_t rule;
    } *vip;
    uint32_t n_vip;

    /* The rule authors' examples (ms_ruleset_example_at). */
    ms_rule_example *examples;
    uint32_t n_examples, cap_examples;

    /* The regular expressions, for measuring tools (ms_ruleset_regex_at). */
    ms_ruleset_regex *regex;
    uint32_t n_regex;

    char version[33];
    ms_ruleset_stats stats;
    char **strings;     /* every string the rules point to, freed together */
    uint32_t n_strings, cap_strings;
};

#endif
