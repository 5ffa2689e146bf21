/*
 * normalise.h - the normalised "words view" of a mention's text, built to
 * defeat evasion, with a byte map back to the original.
 *
 * The view is a run of tokens separated by exactly one space, with a space
 * before the first and after the last token (" you are a twat "), so a
 * Hyperscan pattern compiled as " (?:PATTERN) " matches whole words only:
 * this is the word boundary, designed in rather than left to `\b` (which
 * Hyperscan refuses in UCP mode). A token is:
 *   - ASCII letters and digits, lower-cased, after Unicode NFKC
 *     compatibility mapping, case folding, accent stripping, zero-width
 *     removal and mapping of look-alike Cyrillic/Greek letters to Latin;
 *   - with leetspeak mapped when the token also holds letters
 *     (sh1t, @ss, $hit, b!tch), except number-with-unit tokens (10am, 2nd);
 *   - with letters repeated three or more times collapsed to one (fuuuck);
 *   - with apostrophes dropped (don't -> dont), and a possessive or "is"
 *     "'s" after a noun or name dropped with its s (toilet's -> toilet,
 *     Karen's -> karen), but kept joined after pronouns and the like
 *     (it's -> its, that's -> thats);
 *   - other-script letters are kept as their UTF-8 bytes; each emoji or
 *     other symbol is a token of its own.
 * Runs of three or more single-letter tokens are rejoined ("f u c k",
 * "f.u.c.k" -> "fuck"). A word of one letter that stands alone before the
 * run ("a", "i", "u", "r") or after it ("u") is taken into it unless a
 * dictionary (ms_normaliser_set_dictionary) knows the word without it and
 * not with it: "what a f u c k i n g joke" -> "what a fucking joke", while
 * "a s s h o l e" stays "asshole". Invalid UTF-8 bytes become separators, so
 * they can never hide a match in the valid text around them.
 *
 * For every view byte, src_start/src_end give the original byte range it
 * came from, so a match [s, e) in the view maps to [src_start[s],
 * src_end[e-1]) in the original.
 *
 * The same function normalises rule-list entries at load time, so an entry
 * and the text it should match are always transformed alike.
 *
 * Memory: an ms_normaliser owns its arrays and grows them to the longest
 * text seen; after that normalising does not allocate. One per thread.
 */
#ifndef MS_NORMALISE_H
#define MS_NORMALISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ms_token_flag {
    MS_TOK_ALLCAPS = 1u << 0, /* two or more letters, all upper case */
    MS_TOK_EMOJI = 1u << 1,   /* a symbol token (emoji) */
};

typedef struct ms_normalised {
    const char *view;          /* not NUL-terminated */
    uint32_t len;
    const uint32_t *src_start; /* per view byte */
    const uint32_t *src_end;
    const uint32_t *tok_start; /* view offset of each token's first byte */
    const uint8_t *tok_flags;  /* per token, ms_token_flag */
    uint32_t n_tok;
    uint32_t n_allcaps;        /* tokens flagged MS_TOK_ALLCAPS */
    uint32_t n_letter_tokens;  /* tokens with at least one letter */
    uint32_t n_exclaim;        /* '!' in the original, leet uses excluded */
    uint32_t n_question;       /* '?' in the original */
} ms_normalised;

typedef struct ms_normaliser ms_normaliser;

ms_normaliser *ms_normaliser_new(void);
void ms_normaliser_free(ms_normaliser *n);

/* Whether word[0..len) (lower case, no spaces) is one a rule or the
 * sentiment lexicon knows. Called from inside ms_normalise, only for runs of
 * spelled-out letters; must be thread-safe for the normaliser's thread. */
typedef bool (*ms_known_word_fn)(const void *ctx, const char *word, size_t len);

/** @brief Let rejoining spelled-out letters consult `known` (with `ctx`, which must outlive
 *  `n`); NULL: always rejoin every letter of a run (the default). */
void ms_normaliser_set_dictionary(ms_normaliser *n, ms_known_word_fn known, const void *ctx);

/**
 * @brief Build the words view of `text`. The result points into `n` and is
 * valid until the next call. Returns false only on allocation failure.
 */
bool ms_normalise(ms_normaliser *n, const char *text, size_t len,
                  ms_normalised *out);

/** @brief Index of the token that contains view offset `pos` (binary search). */
uint32_t ms_normalised_token_at(const ms_normalised *v, uint32_t pos);

#endif
