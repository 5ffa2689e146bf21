/*
 * ruleset.h - a compiled, read-only rule set: rules, word lists, the
 * sentiment lexicon and the Hyperscan databases built from them.
 *
 * Loading parses rules/ruleset.yaml and the files it names, validates every
 * rule and pattern, and compiles two Hyperscan databases:
 *   - the WORDS database, matched against the normalised view (normalise.h);
 *     it also holds the sentiment lexicon, boosters and negators, so one scan
 *     finds House Rules hits, heuristic cues and sentiment words at once;
 *   - the RAW database, matched against the original bytes, for what
 *     normalisation would break (URLs, e-mails, phone numbers, handles,
 *     emoticons).
 * Compiled databases are cached on disk (hs_serialize_database) under the
 * rule set's content hash, so a restart with unchanged rules does not
 * recompile.
 *
 * Thread safety: a loaded ms_ruleset is immutable and may be shared by any
 * number of threads. Each thread needs its own ms_matcher (matcher.h).
 */
#ifndef MS_RULESET_H
#define MS_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mention.h"

typedef struct ms_ruleset ms_ruleset;

/** Rule flags, a bit set. */
typedef enum ms_rule_flag {
    MS_RULE_PREFIX = 1u << 0,     /* list entries match longer words too */
    MS_RULE_VIP_AUTHOR = 1u << 1, /* match the author's handle, not the text */
    MS_RULE_THREAT = 1u << 2,     /* a threat: makes the mention urgent (2.22) */
    MS_RULE_NEVER_REMOVE = 1u << 3, /* a hit means the comment must stay (a welfare
                                     * concern): removal "never", not counted
                                     * towards a block (2.24) */
    MS_RULE_GENERAL = 1u << 4,      /* a complaint cue of general dissatisfaction
                                     * ("worst landlord"): on a page whg does not
                                     * own, cues of this kind alone are no
                                     * specific complaint (2.29) */
    MS_RULE_SELLER = 1u << 5,       /* the writer speaks as the business ("we're a
                                     * disrepair firm"): an advert with this
                                     * evidence is no complaint or repair report */
    MS_RULE_URGENT = 1u << 6,       /* a hit makes the mention urgent (2.22) when the
                                     * mention is labelled with the rule's category:
                                     * a take-down request from someone in danger */
    MS_RULE_NEIGHBOUR = 1u << 7,    /* the trouble is a neighbour's doing ("the flat
                                     * above", "next door"): without an AT_WHG cue
                                     * the grievance is no complaint about whg */
    MS_RULE_AT_WHG = 1u << 8,       /* the grievance names whg's service or its
                                     * inaction ("whg have done nothing") */
} ms_rule_flag;

typedef enum ms_view {
    MS_VIEW_WORDS = 0, /* normalised view */
    MS_VIEW_RAW,       /* original bytes, caseless */
} ms_view;

typedef enum ms_validator {
    MS_VALIDATE_NONE = 0,
    MS_VALIDATE_NI_NUMBER,
    MS_VALIDATE_UK_PHONE,
    MS_VALIDATE_CARD,
} ms_validator;

/** One rule as written in a rule file. */
typedef struct ms_rule {
    const char *id;
    const char *description;
    const char *clause;
    const char *file;       /* where it was defined, for messages */
    int line;
    ms_category category;
    ms_action action;
    ms_view view;
    float weight;
    uint32_t flags;         /* ms_rule_flag */
    ms_urgency urgency;     /* repair rules */
    ms_pii_kind pii;        /* personal_info rules */
    bool has_pii;
    ms_validator validate;
    uint32_t n_patterns;    /* patterns compiled for this rule */
} ms_rule;

typedef struct ms_ruleset_stats {
    uint32_t rules;
    uint32_t words_patterns, raw_patterns;
    uint32_t lexicon_entries;
    uint32_t rescanned_regexes; /* regexes scanned again, when they hit, for where it starts */
    size_t words_db_bytes, raw_db_bytes;
    double compile_seconds;  /* 0 when loaded from the cache */
    bool from_cache;
} ms_ruleset_stats;

/** Options for loading; zero-initialise for defaults. */
typedef struct ms_ruleset_options {
    const char *cache_dir;  /* NULL: $MENTIONSIFT_CACHE_DIR or ~/.cache/mentionsift; "" disables */
    bool check_all;         /* keep going after the first error to report them all */
    bool refresh_cache;     /* compile even when cached, then write the cache */
} ms_ruleset_options;

/**
 * @brief Load, validate and compile the rule set in directory `dir`.
 * On error returns NULL and writes every problem, one per line as
 * "file:line: message", to `errors` (if not NULL).
 */
struct ms_buf;
ms_ruleset *ms_ruleset_load(const char *dir, const ms_ruleset_options *opt,
                            struct ms_buf *errors);
void ms_ruleset_free(ms_ruleset *rs);

uint32_t ms_ruleset_rule_count(const ms_ruleset *rs);
const ms_rule *ms_ruleset_rule(const ms_ruleset *rs, uint32_t i);
/** The rule whose id is id[0..len) (not NUL-terminated), or NULL: a binary search, for callers
 *  that meet rule ids per event (the rule-id header of a moderation event). */
const ms_rule *ms_ruleset_find(const ms_ruleset *rs, const char *id, size_t len);
/** Whether word[0..len) (normalised: lower case, one token) is a one-word entry of a words-view
 *  list or of the sentiment lexicon, or begins with a list entry written with a trailing '*'.
 *  `rs` is an ms_ruleset: the signature is ms_known_word_fn's (normalise.h), so an engine's
 *  normaliser can ask the rule set which way to rejoin spelled-out letters. */
bool ms_ruleset_known_word(const void *rs, const char *word, size_t len);
/** Hex content hash of every file in the set: the rule-set version. */
const char *ms_ruleset_version(const ms_ruleset *rs);
const ms_ruleset_stats *ms_ruleset_stats_get(const ms_ruleset *rs);
float ms_ruleset_threshold(const ms_ruleset *rs, ms_category c);

/* When the engine runs a regular expression's database. */
typedef enum ms_regex_gate {
    MS_REGEX_ALWAYS = 0,  /* every mention */
    MS_REGEX_IF_DIGIT,    /* mentions with an ASCII digit */
    MS_REGEX_IF_AT,       /* mentions with an '@' */
} ms_regex_gate;

/* One regular expression of the rule set as its main database compiles it,
 * for tools that measure what each one costs (bench_engine --pattern-cost).
 * Literal lists are not here: they share one literal matcher, where a
 * single entry has no cost of its own. Strings live as long as the rule set. */
typedef struct ms_ruleset_regex {
    const char *expr;    /* as compiled: the words view's with its boundary
                          * spaces, the raw view's as its (maybe looser) detector */
    const char *source;  /* as the rule author wrote it */
    unsigned hs_flags;
    ms_view view;
    ms_regex_gate gate;
    uint32_t rule;
    const char *file;
    int line;
} ms_ruleset_regex;

/* An example a rule author wrote beside a rule (examples: match: [...],
 * no_match: [...]): a text the rule's patterns must, or must not, match.
 * `mentionsift rules check` runs them through the engine (see
 * core/rule_examples.h). For a vip_author rule the text is a handle. */
typedef struct ms_rule_example {
    uint32_t rule;
    const char *text;
    bool should_match;
    const char *file;
    int line;
} ms_rule_example;

uint32_t ms_ruleset_example_count(const ms_ruleset *rs);
const ms_rule_example *ms_ruleset_example_at(const ms_ruleset *rs, uint32_t i);

uint32_t ms_ruleset_regex_count(const ms_ruleset *rs);
const ms_ruleset_regex *ms_ruleset_regex_at(const ms_ruleset *rs, uint32_t i);

#endif
