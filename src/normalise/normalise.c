/*
 * normalise.c - builds the words view described in normalise.h.
 *
 * One pass over the text decodes UTF-8 and appends token bytes to the view
 * with their source ranges. ASCII, the overwhelming majority of mentions,
 * takes a table-driven fast path; other code points go through utf8proc
 * (compatibility decomposition, case folding, mark stripping, ignorable
 * removal), one code point at a time so each output byte still knows which
 * input bytes produced it.
 *
 * A token is finished when a separator arrives: then leetspeak is mapped
 * and repeated letters collapsed in place. Rejoining spelled-out words
 * ("f u c k") is a second, rare pass that runs only when the first pass saw
 * three single-letter tokens in a row.
 */
#include "normalise/normalise.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

struct ms_normaliser {
    char *view;
    uint32_t *src_start, *src_end;
    size_t cap;                 /* capacity of view / src_* */
    uint32_t *tok_start;
    uint8_t *tok_flags;
    size_t tok_cap;
    ms_known_word_fn known;     /* the dictionary for spelled-out runs, or NULL */
    const void *known_ctx;
};

/* ASCII classes for the fast path. */
enum { C_SEP = 0, C_LOWER, C_UPPER, C_DIGIT, C_LEET, C_APOS, C_STAR };

static const uint8_t ascii_class[256] = { /* bytes >= 0x80 are 0: not ASCII */
    ['a' ... 'z'] = C_LOWER, ['A' ... 'Z'] = C_UPPER, ['0' ... '9'] = C_DIGIT,
    ['@'] = C_LEET, ['$'] = C_LEET, ['!'] = C_LEET, ['|'] = C_LEET,
    ['\''] = C_APOS, ['*'] = C_STAR,
};

/* Leetspeak: what a digit or symbol stands for inside a word. */
static const char leet_map[128] = {
    ['0'] = 'o', ['1'] = 'i', ['3'] = 'e', ['4'] = 'a', ['5'] = 's',
    ['7'] = 't', ['8'] = 'b', ['9'] = 'g', ['@'] = 'a', ['$'] = 's',
    ['!'] = 'i', ['|'] = 'i',
};

/* Look-alike letters, mapped to the Latin letter they imitate: other
 * scripts' (Cyrillic, Greek, Armenian), IPA's, and the small capitals that
 * "small caps" text generators use, none of which Unicode's compatibility
 * mappings turn into Latin. Sorted by code point for binary search. */
static const struct { uint32_t cp; char to; } confusables[] = {
    {0x0131, 'i'}, {0x0192, 'f'}, {0x0251, 'a'}, {0x0261, 'g'},
    {0x0262, 'g'}, {0x0269, 'i'}, {0x026A, 'i'}, {0x0274, 'n'},
    {0x0280, 'r'}, {0x028F, 'y'}, {0x0299, 'b'}, {0x029C, 'h'},
    {0x029F, 'l'}, {0x03B1, 'a'}, {0x03B2, 'b'}, {0x03B5, 'e'},
    {0x03B9, 'i'}, {0x03BA, 'k'}, {0x03BD, 'v'}, {0x03BF, 'o'},
    {0x03C1, 'p'}, {0x03C4, 't'}, {0x03C5, 'u'}, {0x03C7, 'x'},
    {0x03F2, 'c'}, {0x0430, 'a'}, {0x0432, 'b'}, {0x0435, 'e'},
    {0x043A, 'k'}, {0x043C, 'm'}, {0x043D, 'h'}, {0x043E, 'o'},
    {0x0440, 'p'}, {0x0441, 'c'}, {0x0442, 't'}, {0x0443, 'y'},
    {0x0445, 'x'}, {0x0455, 's'}, {0x0456, 'i'}, {0x0458, 'j'},
    {0x04BB, 'h'}, {0x0501, 'd'}, {0x051B, 'q'}, {0x051D, 'w'},
    {0x057D, 'u'}, {0x1D00, 'a'}, {0x1D04, 'c'}, {0x1D05, 'd'},
    {0x1D07, 'e'}, {0x1D0A, 'j'}, {0x1D0B, 'k'}, {0x1D0D, 'm'},
    {0x1D0F, 'o'}, {0x1D18, 'p'}, {0x1D1B, 't'}, {0x1D1C, 'u'},
    {0x1D20, 'v'}, {0x1D21, 'w'}, {0x1D22, 'z'}, {0xA730, 'f'},
    {0xA731, 's'},
};

/* Blocks of letters A to Z in order that compatibility mappings leave alone:
 * the negative circled and negative squared capitals of "bubble" and
 * "square" text (the squared and circled ones NFKC maps itself). Regional
 * indicators are left out: in pairs they are flags. */
static const uint32_t letter_blocks[] = {
    0x1F150, /* negative circled A..Z */
    0x1F170, /* negative squared A..Z */
};

/** @brief The Latin letter that look-alike code point `cp` imitates, or 0 if it is not one. */
static char confusable_of(uint32_t cp)
{
    for (size_t b = 0; b < sizeof letter_blocks / sizeof letter_blocks[0]; b++)
        if (cp >= letter_blocks[b] && cp < letter_blocks[b] + 26)
            return (char)('a' + (cp - letter_blocks[b]));
    size_t lo = 0, hi = sizeof confusables / sizeof confusables[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (confusables[mid].cp == cp)
            return confusables[mid].to;
        if (confusables[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

ms_normaliser *ms_normaliser_new(void)
{
    return calloc(1, sizeof(ms_normaliser));
}

void ms_normaliser_set_dictionary(ms_normaliser *n, ms_known_word_fn known, const void *ctx)
{
    n->known = known;
    n->known_ctx = ctx;
}

void ms_normaliser_free(ms_normaliser *n)
{
    if (!n)
        return;
    free(n->view);
    free(n->src_start);
    free(n->src_end);
    free(n->tok_start);
    free(n->tok_flags);
    free(n);
}

/* The working state of one ms_normalise() call. */
typedef struct state {
    ms_normaliser *n;
    uint32_t len;            /* view bytes written */
    uint32_t n_tok;
    uint32_t tok_begin;      /* view offset of the open token, or UINT32_MAX */
    uint32_t tok_upper, tok_lower, tok_letters, tok_leet, tok_digits;
    bool tok_is_symbol;
    bool tok_maybe_repeat;   /* a run of 3 identical bytes may be in the token */
    uint32_t single_run;     /* consecutive single-letter tokens */
    bool need_rejoin;
    uint32_t n_allcaps, n_letter_tokens;
    bool oom;
    const unsigned char *text; /* the input, for looking behind a token's bytes */
} state;

/** @brief Make the view and its source ranges hold `need` bytes; false, with s->oom set, on ENOMEM
 *  (the buffers stay valid at their old capacity). */
static bool grow(state *s, size_t need)
{
    ms_normaliser *n = s->n;
    if (need <= n->cap)
        return true;
    size_t cap = n->cap ? n->cap : 512;
    while (cap < need)
        cap *= 2;
    char *v = realloc(n->view, cap);
    if (v)
        n->view = v;
    uint32_t *a = realloc(n->src_start, cap * sizeof *a);
    if (a)
        n->src_start = a;
    uint32_t *b = realloc(n->src_end, cap * sizeof *b);
    if (b)
        n->src_end = b;
    if (!v || !a || !b) {
        s->oom = true;
        return false;
    }
    n->cap = cap;
    return true;
}

/** @brief Make the token arrays hold `need` tokens; false, with s->oom set, on ENOMEM. */
static bool grow_tokens_to(state *s, size_t need)
{
    ms_normaliser *n = s->n;
    if (need <= n->tok_cap)
        return true;
    size_t cap = n->tok_cap ? n->tok_cap * 2 : 128;
    while (cap < need)
        cap *= 2;
    uint32_t *a = realloc(n->tok_start, cap * sizeof *a);
    if (a)
        n->tok_start = a;
    uint8_t *f = realloc(n->tok_flags, cap);
    if (f)
        n->tok_flags = f;
    if (!a || !f) {
        s->oom = true;
        return false;
    }
    n->tok_cap = cap;
    return true;
}

/** @brief Room for one more token; false, with s->oom set, on ENOMEM. */
static bool grow_tokens(state *s) { return grow_tokens_to(s, (size_t)s->n_tok + 1); }

/** @brief Append view byte `c` made from source bytes [from, to); on ENOMEM the byte is dropped and
 *  s->oom set, which fails the whole ms_normalise() call. */
static inline void put(state *s, char c, uint32_t from, uint32_t to)
{
    if (s->len + 2 > s->n->cap && !grow(s, (size_t)s->len + 2))
        return;
    s->n->view[s->len] = c;
    s->n->src_start[s->len] = from;
    s->n->src_end[s->len] = to;
    s->len++;
}

/** @brief Start a token at the end of the view with fresh counts, unless one is already open. */
static void open_token(state *s)
{
    if (s->tok_begin != UINT32_MAX)
        return;
    s->tok_begin = s->len;
    s->tok_upper = s->tok_lower = s->tok_letters = s->tok_leet = s->tok_digits = 0;
    s->tok_is_symbol = false;
    s->tok_maybe_repeat = false;
}

/* Leetspeak applies to words that mix letters with digits or symbols, but
 * not to a number followed by a unit ("10am", "2nd", "24hrs") or a word
 * ending in a number ("covid19", "ws10"). */
static bool leet_applies(const char *t, uint32_t n, uint32_t letters)
{
    if (letters == 0)
        return false;
    uint32_t i = 0;
    while (i < n && t[i] >= '0' && t[i] <= '9')
        i++;
    if (i > 0) {
        uint32_t j = i;
        while (j < n && t[j] >= 'a' && t[j] <= 'z')
            j++;
        if (j == n)
            return false;
    }
    uint32_t k = n;
    while (k > 0 && t[k - 1] >= '0' && t[k - 1] <= '9')
        k--;
    if (n - k >= 2)
        return false;
    return true;
}

/* Words whose "'s" the rules read joined, as one word ("thats", "its",
 * "whats", "theres"): a contraction of "is" or "has" with a pronoun or the
 * like. Sorted, for bsearch. */
static const char *const s_kept_joined[] = {
    "anybody", "anyone", "anything", "everybody", "everyone", "everything", "he", "here",
    "how", "it", "let", "nobody", "nothing", "one", "she", "somebody", "someone",
    "something", "that", "there", "what", "when", "where", "who", "why",
};

/** @brief Whether view word w[0..n) keeps a following "'s" joined to it. */
static bool keeps_s_joined(const char *w, size_t n)
{
    size_t lo = 0, hi = sizeof s_kept_joined / sizeof s_kept_joined[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *k = s_kept_joined[mid];
        int c = strncmp(w, k, n);
        if (c == 0 && k[n] == '\0')
            return true;
        if (c < 0 || (c == 0 && k[n] != '\0'))
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

/** @brief Whether source bytes [a, b) are one apostrophe: ', U+2019 or U+2018. */
static bool is_apostrophe(const unsigned char *t, uint32_t a, uint32_t b)
{
    return (b - a == 1 && t[a] == '\'') ||
           (b - a == 3 && t[a] == 0xE2 && t[a + 1] == 0x80 && (t[a + 2] == 0x99 || t[a + 2] == 0x98));
}

/* Finish the open token: map leetspeak, collapse repeats, drop a trailing
 * symbol that was only punctuation ("hello!"), then write the separator. */
static void close_token(state *s, uint32_t sep_at)
{
    if (s->tok_begin == UINT32_MAX)
        return;
    ms_normaliser *n = s->n;
    uint32_t b = s->tok_begin;
    char *t = n->view + b;

    /* A trailing or leading leet symbol with no letter on that side is
     * punctuation, not a letter: "great!" keeps its '!' out of the word. */
    while (s->len > b && (t[s->len - b - 1] == '!' || t[s->len - b - 1] == '|' ||
                          t[s->len - b - 1] == '*' || t[s->len - b - 1] == '@'))
        s->len--;
    uint32_t tlen = s->len - b;
    /* One symbol between every two letters ("d|i|c|k", "s*h*i*t") separates them, as a dot
     * or a space would: the letters are the word. */
    if (tlen >= 5 && tlen % 2 == 1 && (t[1] == '|' || t[1] == '*' || t[1] == '!' || t[1] == '$')) {
        bool spaced = true;
        for (uint32_t i = 0; i < tlen && spaced; i++)
            spaced = (i % 2) ? t[i] == t[1] : (t[i] >= 'a' && t[i] <= 'z');
        if (spaced) {
            for (uint32_t i = 0; i < tlen; i += 2) {
                t[i / 2] = t[i];
                n->src_start[b + i / 2] = n->src_start[b + i];
                n->src_end[b + i / 2] = n->src_end[b + i];
            }
            tlen = tlen / 2 + 1;
            s->len = b + tlen;
            s->tok_leet = 0;
        }
    }
    /* a possessive or "is" after a noun or name ("the toilet's blocked",
     * "Karen's husband") is dropped: the word is matched as itself */
    if (tlen >= 3 && t[tlen - 1] == 's' && s->text &&
        n->src_end[b + tlen - 1] == n->src_start[b + tlen - 1] + 1 &&
        is_apostrophe(s->text, n->src_end[b + tlen - 2], n->src_start[b + tlen - 1]) &&
        !keeps_s_joined(t, tlen - 1)) {
        /* the word's case is its own, without the s ("TOILET's" is all caps) */
        if (s->text[n->src_start[b + tlen - 1]] == 'S')
            s->tok_upper--;
        else
            s->tok_lower--;
        s->tok_letters--;
        s->len--;
        tlen--;
    }
    if (tlen > 0 && (s->tok_leet || s->tok_digits) && leet_applies(t, tlen, s->tok_letters)) {
        for (uint32_t i = 0; i < tlen; i++) {
            unsigned char c = (unsigned char)t[i];
            if (c < 128 && leet_map[c])
                t[i] = leet_map[c];
        }
    }
    /* Collapse runs of 3+ identical letters into one, merging source ranges. */
    if (tlen >= 3 && s->tok_maybe_repeat) {
        uint32_t w = 0;
        for (uint32_t r = 0; r < tlen;) {
            uint32_t e = r + 1;
            while (e < tlen && t[e] == t[r])
                e++;
            bool letter = t[r] >= 'a' && t[r] <= 'z';
            uint32_t keep = (letter && e - r >= 3) ? 1 : e - r;
            for (uint32_t k = 0; k < keep; k++) {
                t[w] = t[r + k];
                n->src_start[b + w] = n->src_start[b + r + k];
                n->src_end[b + w] = keep == 1 ? n->src_end[b + e - 1]
                                              : n->src_end[b + r + k];
                w++;
            }
            r = e;
        }
        tlen = w;
        s->len = b + w;
    }
    if (tlen == 0) {
        s->tok_begin = UINT32_MAX;
        return;
    }
    if (!grow_tokens(s))
        return;
    uint8_t flags = 0;
    if (s->tok_upper >= 2 && s->tok_lower == 0)
        flags |= MS_TOK_ALLCAPS;
    if (s->tok_is_symbol)
        flags |= MS_TOK_EMOJI;
    n->tok_start[s->n_tok] = b;
    n->tok_flags[s->n_tok] = flags;
    s->n_tok++;
    if (flags & MS_TOK_ALLCAPS)
        s->n_allcaps++;
    if (s->tok_letters)
        s->n_letter_tokens++;
    if (tlen == 1 && s->tok_letters == 1) {
        if (++s->single_run >= 3)
            s->need_rejoin = true;
    } else if (!(flags & MS_TOK_EMOJI)) { /* an emoji may separate spelled-out letters */
        s->single_run = 0;
    }
    put(s, ' ', sep_at, sep_at);
    s->tok_begin = UINT32_MAX;
}

/* One-letter words that may stand before a spelled-out run: the article,
 * the pronoun, and text speak's "you" and "are" ("u r a c u n t"); and
 * after one ("f u c k u"). */
static bool stands_before(char c) { return c == 'a' || c == 'i' || c == 'u' || c == 'r'; }
static bool stands_after(char c) { return c == 'u'; }

/** @brief Whether the letters of tokens [from, to) of the view, joined, are a word the
 *  normaliser's dictionary knows (false without one, or for a run too long to be a word). */
static bool run_known(const ms_normaliser *n, uint32_t from, uint32_t to)
{
    char word[64];
    if (!n->known || to - from > sizeof word)
        return false;
    for (uint32_t k = from; k < to; k++)
        word[k - from] = n->view[n->tok_start[k]];
    return n->known(n->known_ctx, word, to - from);
}

/**
 * @brief How many one-letter words to leave out of the spelled-out run of tokens [i, j), at its
 * front (`*front`) and back (`*back`): the fewest that make the rest a word the dictionary knows
 * while at least three letters stay; none when no such split is known. False when the run is
 * better left as it is: nothing in it is known and every letter is a word on its own ("u r a").
 */
static bool split_run(const ms_normaliser *n, uint32_t i, uint32_t j, uint32_t *front,
                      uint32_t *back)
{
    *front = *back = 0;
    if (!n->known)
        return true;
    /* at most MAX_PEEL words a side ("u r a" is three): the search below is quadratic in them,
     * and a text of thousands of "u u u ..." must not make it so in the run */
    enum { MAX_PEEL = 4 };
    uint32_t max_front = 0, max_back = 0;
    while (max_front < MAX_PEEL && i + max_front < j &&
           stands_before(n->view[n->tok_start[i + max_front]]))
        max_front++;
    while (max_back < MAX_PEEL && max_back < j - i &&
           stands_after(n->view[n->tok_start[j - 1 - max_back]]))
        max_back++;
    for (uint32_t total = 0; total <= max_front + max_back; total++)
        for (uint32_t f = total < max_front ? total : max_front; f + max_back >= total; f--) {
            uint32_t b = total - f;
            if (j - i >= f + b + 3 && run_known(n, i + f, j - b)) {
                *front = f;
                *back = b;
                return true;
            }
            if (f == 0)
                break;
        }
    for (uint32_t k = i; k < j; k++) {
        char c = n->view[n->tok_start[k]];
        if (!stands_before(c) && !stands_after(c))
            return true;
    }
    return false;
}

/** @brief Where token `k` ends in the view, with the space after it: the next token's start. */
static uint32_t token_end(const state *s, uint32_t k)
{
    return k + 1 < s->n_tok ? s->n->tok_start[k + 1] : s->len;
}

/** @brief Copy token `k` and the space after it to view offset *w, as output token *out_tok. */
static void copy_token(state *s, uint32_t k, uint32_t *w, uint32_t *out_tok)
{
    ms_normaliser *n = s->n;
    uint32_t p = n->tok_start[k], e = token_end(s, k);
    uint8_t flags = n->tok_flags[k];
    n->tok_start[*out_tok] = *w;
    for (uint32_t q = p; q < e; q++) {
        n->view[*w] = n->view[q];
        n->src_start[*w] = n->src_start[q];
        n->src_end[*w] = n->src_end[q];
        (*w)++;
    }
    n->tok_flags[(*out_tok)++] = flags;
}

/** @brief Write the letters of tokens [from, to) as one token at view offset *w, then a space. */
static void join_tokens(state *s, uint32_t from, uint32_t to, uint32_t *w, uint32_t *out_tok)
{
    ms_normaliser *n = s->n;
    uint32_t *ts = n->tok_start;
    uint32_t sp = ts[to - 1] + 1; /* read before ts[*out_tok] may be overwritten */
    uint32_t first = *w;
    for (uint32_t k = from; k < to; k++) {
        uint32_t p = ts[k];
        n->view[*w] = n->view[p];
        n->src_start[*w] = n->src_start[p];
        n->src_end[*w] = n->src_end[p];
        (*w)++;
    }
    ts[*out_tok] = first;
    n->tok_flags[(*out_tok)++] = 0;
    n->view[*w] = ' ';
    n->src_start[*w] = n->src_start[sp];
    n->src_end[*w] = n->src_end[sp];
    (*w)++;
}

/* A tok_flags bit of the rejoin pass only, never published: the gap before this letter held a
 * symbol that separated spelled-out letters ("s💩h💩i💩t"), dropped from the view. */
#define TOK_SEPARATED 0x80u
#define TOK_DROP 0x40u /* the same pass: a separating symbol to drop */

/** @brief Whether token `k` is one letter ([a-z]). */
static bool single_letter(const state *s, uint32_t k)
{
    const ms_normaliser *n = s->n;
    uint32_t p = n->tok_start[k];
    return token_end(s, k) - p == 2 && n->view[p] >= 'a' && n->view[p] <= 'z';
}

/** @brief Whether tokens a and b are the same symbol (the same bytes). */
static bool same_symbol(const state *s, uint32_t a, uint32_t b)
{
    const ms_normaliser *n = s->n;
    uint32_t la = token_end(s, a) - n->tok_start[a], lb = token_end(s, b) - n->tok_start[b];
    return (n->tok_flags[a] & MS_TOK_EMOJI) && (n->tok_flags[b] & MS_TOK_EMOJI) && la == lb &&
           memcmp(n->view + n->tok_start[a], n->view + n->tok_start[b], la) == 0;
}

/**
 * @brief Drop the symbols that only separate spelled-out letters: the same emoji between single
 * letters at least twice in a row ("s💩h💩i💩t"), each marking the letter after it TOK_SEPARATED
 * so the run is joined across it. Other symbols, and the spaces around the dropped ones, stay.
 */
static void drop_separating_symbols(state *s)
{
    ms_normaliser *n = s->n;
    /* first mark, reading the tokens as they are; then compact, which overwrites them */
    bool any = false;
    for (uint32_t k = 1; k + 1 < s->n_tok; k++) {
        if (!(n->tok_flags[k] & MS_TOK_EMOJI) || !single_letter(s, k - 1) ||
            !single_letter(s, k + 1))
            continue;
        if ((k + 3 < s->n_tok && same_symbol(s, k, k + 2) && single_letter(s, k + 3)) ||
            (k >= 3 && same_symbol(s, k, k - 2) && single_letter(s, k - 3))) {
            n->tok_flags[k] |= TOK_DROP;
            n->tok_flags[k + 1] |= TOK_SEPARATED;
            any = true;
        }
    }
    if (!any)
        return;
    uint32_t w = 1, out_tok = 0;
    for (uint32_t k = 0; k < s->n_tok; k++)
        if (!(n->tok_flags[k] & TOK_DROP))
            copy_token(s, k, &w, &out_tok);
    s->len = w;
    s->n_tok = out_tok;
}

/* Rejoin runs of >= 3 single-letter tokens whose original gap was short
 * (one to three bytes of space or punctuation, "f - u - c - k", no line
 * break). The view only
 * shrinks, so it is rewritten in place: a token is read before its slot in
 * tok_start[] can be overwritten, since the output never has more tokens
 * than the input read so far. */
static void rejoin_spelled(state *s, const char *text)
{
    ms_normaliser *n = s->n;
    uint32_t *ts = n->tok_start;
    drop_separating_symbols(s);
    uint32_t w = 1, out_tok = 0, i = 0; /* the leading space stays where it is */
    while (i < s->n_tok) {
        /* Find the run of single-letter tokens starting at i. */
        uint32_t j = i;
        while (j < s->n_tok) {
            if (!single_letter(s, j))
                break;
            if (j > i && !(n->tok_flags[j] & TOK_SEPARATED)) {
                uint32_t gap_from = n->src_end[ts[j - 1]], gap_to = n->src_start[ts[j]];
                bool short_gap = gap_to - gap_from <= 3;
                for (uint32_t g = gap_from; short_gap && g < gap_to; g++)
                    if (text[g] == '\n' || text[g] == '\r')
                        short_gap = false;
                if (!short_gap)
                    break;
            }
            j++;
        }
        uint32_t front, back;
        if (j - i < 3) { /* no run: the token as it is */
            copy_token(s, i, &w, &out_tok);
            i++;
            continue;
        }
        if (split_run(n, i, j, &front, &back)) {
            for (uint32_t k = i; k < i + front; k++)
                copy_token(s, k, &w, &out_tok);
            join_tokens(s, i + front, j - back, &w, &out_tok);
            for (uint32_t k = j - back; k < j; k++)
                copy_token(s, k, &w, &out_tok);
        } else { /* words of one letter: each stays, and the run is not searched again */
            for (uint32_t k = i; k < j; k++)
                copy_token(s, k, &w, &out_tok);
        }
        i = j;
    }
    s->len = w;
    s->n_tok = out_tok;
    for (uint32_t k = 0; k < s->n_tok; k++)
        n->tok_flags[k] &= (uint8_t)~(TOK_SEPARATED | TOK_DROP);
}

/** @brief Decode one UTF-8 sequence of at most `avail` bytes: its length (1-4), or 0 when invalid,
 *  truncated, overlong, a surrogate or above U+10FFFF (`*cp` then unset). */
static inline uint32_t decode_utf8(const unsigned char *p, size_t avail, uint32_t *cp)
{
    unsigned char c = p[0];
    uint32_t need, v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (avail < need + 1)
        return 0;
    for (uint32_t i = 1; i <= need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if ((need == 2 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
        (need == 3 && (v < 0x10000 || v > 0x10FFFF)))
        return 0;
    *cp = v;
    return need + 1;
}

/* Feed one ASCII byte (from the text or from a decomposition). */
static inline void feed_ascii(state *s, unsigned char c, uint32_t from, uint32_t to,
                              ms_normalised *out)
{
    s->tok_maybe_repeat = true; /* the slow path does not track runs */
    switch (ascii_class[c]) {
    case C_LOWER:
        open_token(s);
        s->tok_lower++;
        s->tok_letters++;
        put(s, (char)c, from, to);
        break;
    case C_UPPER:
        open_token(s);
        s->tok_upper++;
        s->tok_letters++;
        put(s, (char)(c + 32), from, to);
        break;
    case C_DIGIT:
        open_token(s);
        s->tok_digits++;
        put(s, (char)c, from, to);
        break;
    case C_LEET:
        if (c == '!')
            out->n_exclaim++;
        if (s->tok_begin == UINT32_MAX && c != '@' && c != '$') {
            /* '!' or '|' cannot start a word. */
            close_token(s, from);
            break;
        }
        open_token(s);
        s->tok_leet++;
        put(s, (char)c, from, to);
        break;
    case C_STAR:
        if (s->tok_begin != UINT32_MAX)
            put(s, '*', from, to); /* masked letter inside a word: f*ck */
        else
            close_token(s, from);
        break;
    case C_APOS:
        break; /* don't -> dont; a quote between words is dropped too */
    default:
        if (c == '?')
            out->n_question++;
        close_token(s, from);
        break;
    }
}

/* The fast path: a run of ASCII letters and digits, copied in one loop.
 * Returns the index after the run. */
static size_t feed_alnum_run(state *s, const unsigned char *p, size_t i, size_t len)
{
    size_t j = i;
    while (j < len && ascii_class[p[j]] >= C_LOWER && ascii_class[p[j]] <= C_DIGIT)
        j++;
    if (s->len + (j - i) + 2 > s->n->cap && !grow(s, (size_t)s->len + (j - i) + 2))
        return j;
    open_token(s);
    char *v = s->n->view + s->len;
    uint32_t *ss = s->n->src_start + s->len, *se = s->n->src_end + s->len;
    uint32_t upper = 0, lower = 0, digits = 0;
    bool repeat = false;
    for (size_t k = i; k < j; k++) {
        unsigned char c = p[k];
        uint8_t cls = ascii_class[c];
        upper += cls == C_UPPER;
        lower += cls == C_LOWER;
        digits += cls == C_DIGIT;
        char ch = (char)(cls == C_UPPER ? c + 32 : c);
        if (k >= i + 2 && ch == v[-1] && ch == v[-2])
            repeat = true;
        *v++ = ch;
        *ss++ = (uint32_t)k;
        *se++ = (uint32_t)k + 1;
    }
    s->len += (uint32_t)(j - i);
    s->tok_upper += upper;
    s->tok_lower += lower;
    s->tok_letters += upper + lower;
    s->tok_digits += digits;
    s->tok_maybe_repeat |= repeat;
    return j;
}

/* Append the UTF-8 encoding of a non-ASCII code point as part of a token. */
static void put_utf8(state *s, uint32_t cp, uint32_t from, uint32_t to)
{
    char b[4];
    uint32_t n = (uint32_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)b);
    for (uint32_t i = 0; i < n; i++)
        put(s, b[i], from, to);
}

/** @brief Feed non-ASCII code point `cp`: a look-alike as its Latin letter, else decomposed, folded
 *  and unmarked; letters and digits join the token, a symbol is a token of its own, marks and curly
 *  apostrophes are skipped, anything else separates. */
static void feed_codepoint(state *s, uint32_t cp, uint32_t from, uint32_t to,
                           ms_normalised *out)
{
    char lat = confusable_of(cp);
    if (lat) {
        feed_ascii(s, (unsigned char)lat, from, to, out);
        return;
    }
    utf8proc_int32_t dec[24];
    int last_bound = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char(
        (utf8proc_int32_t)cp, dec, 24,
        UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE |
            UTF8PROC_STRIPMARK |
            UTF8PROC_LUMP,
        &last_bound);
    if (n < 0 || n > 24) {
        close_token(s, from);
        return;
    }
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        uint32_t d = (uint32_t)dec[i];
        if (d < 128) {
            feed_ascii(s, (unsigned char)d, from, to, out);
            continue;
        }
        char lat2 = confusable_of(d);
        if (lat2) {
            feed_ascii(s, (unsigned char)lat2, from, to, out);
            continue;
        }
        utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)d);
        switch (cat) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO:
        case UTF8PROC_CATEGORY_ND:
            open_token(s);
            if (s->tok_is_symbol)
                s->tok_is_symbol = false;
            s->tok_letters++;
            put_utf8(s, d, from, to);
            break;
        case UTF8PROC_CATEGORY_SO:
        case UTF8PROC_CATEGORY_SK:
        case UTF8PROC_CATEGORY_SM:
        case UTF8PROC_CATEGORY_SC:
            /* Each symbol (emoji) is a token of its own. */
            close_token(s, from);
            open_token(s);
            s->tok_is_symbol = true;
            put_utf8(s, d, from, to);
            close_token(s, to);
            break;
        case UTF8PROC_CATEGORY_MN:
        case UTF8PROC_CATEGORY_ME:
        case UTF8PROC_CATEGORY_MC:
        case UTF8PROC_CATEGORY_CF:
            break; /* marks and format characters never split a word */
        default:
            if (d == 0x2019 || d == 0x2018)
                break;
            close_token(s, from);
            break;
        }
    }
}

/* The fast path's view of a byte. F_GENERAL: a byte the general path may
 * make part of a word (non-ASCII, leetspeak symbols, masks), which the fast
 * path cannot decide alone. F_TRIPLE is not a byte class: copy_word_run
 * reports a letter seen three times in a row with it. */
enum {
    F_LOWER = 1, F_UPPER = 2, F_DIGIT = 4, F_GENERAL = 8, F_BANG = 16, F_QUEST = 32,
    F_TRIPLE = 64, F_APOS = 128,
    F_INEXACT = F_QUEST, /* in `seen` only: the F_TRIPLE test did not cover the word */
    F_LETTER = F_LOWER | F_UPPER, F_ALNUM = F_LETTER | F_DIGIT,
};

static const uint8_t fast_class[256] = {
    ['a' ... 'z'] = F_LOWER, ['A' ... 'Z'] = F_UPPER, ['0' ... '9'] = F_DIGIT,
    ['@'] = F_GENERAL, ['$'] = F_GENERAL, ['|'] = F_GENERAL, ['*'] = F_GENERAL,
    [0x80 ... 0xFF] = F_GENERAL, ['!'] = F_BANG, ['?'] = F_QUEST, ['\''] = F_APOS,
};

/* Where the fast path stopped, so the general path carries on from there
 * instead of starting over: every token before `at` is final in the view. */
typedef struct fast_stop {
    size_t at;               /* input offset to resume at; len when finished */
    uint32_t len, n_tok;     /* view bytes and tokens written */
    uint32_t singles;        /* single-letter tokens just before `at` */
    uint32_t n_allcaps, n_letter_tokens, n_exclaim, n_question;
} fast_stop;


/* A letter repeated three or more times in a row ("fuuuck"). */
static bool has_letter_triple(const char *t, uint32_t n)
{
    for (uint32_t k = 2; k < n; k++)
        if (t[k] == t[k - 1] && t[k] == t[k - 2] && t[k] >= 'a' && t[k] <= 'z')
            return true;
    return false;
}

/* Spare bytes the fast path's 16-byte loads and stores may touch past the
 * view it has written (always inside the buffers: see ms_normalise). */
#define FAST_SLACK 32

/*
 * Copy the run of ASCII letters and digits at p[i..len) into the view at w,
 * lower-cased, with each byte's source range; returns the run's length and
 * ORs into *seen which of F_LOWER, F_UPPER, F_DIGIT it held, and F_TRIPLE for
 * a letter repeated three times, and F_INEXACT when that triple test did
 * not cover the whole run (the caller then checks the word). With SSE2 this
 * takes 16 bytes a step: a word usually fits in one step, where the byte
 * loop paid a dozen instructions per byte.
 */
static inline size_t copy_word_run(const unsigned char *p, size_t i, size_t len, char *v,
                                   uint32_t *ss, uint32_t *se, uint32_t w, uint8_t *seen)
{
    size_t j = i;
#if defined(__SSE2__)
    const __m128i iota = _mm_setr_epi32(0, 1, 2, 3);
    while (j + 16 <= len) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + j));
        __m128i y = _mm_or_si128(x, _mm_set1_epi8(0x20)); /* lower case of a letter */
        /* signed compares: bytes >= 0x80 are negative, so never letters or digits */
        __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(y, _mm_set1_epi8('a' - 1)),
                                       _mm_cmplt_epi8(y, _mm_set1_epi8('z' + 1)));
        __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
        unsigned alnum = (unsigned)_mm_movemask_epi8(_mm_or_si128(letter, digit));
        unsigned run = alnum == 0xFFFFu ? 16u : (unsigned)__builtin_ctz(~alnum);
        unsigned keep = run == 16 ? 0xFFFFu : (1u << run) - 1;
        unsigned lower = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(letter, _mm_cmpeq_epi8(x, y)));
        unsigned upper = (unsigned)_mm_movemask_epi8(letter) & ~lower;
        unsigned dig = (unsigned)_mm_movemask_epi8(digit);
        /* byte k starts a triple when bytes k+1 and k+2 equal it (inside this step) */
        __m128i same3 = _mm_and_si128(_mm_cmpeq_epi8(y, _mm_srli_si128(y, 1)),
                                      _mm_cmpeq_epi8(y, _mm_srli_si128(y, 2)));
        unsigned triple = (unsigned)_mm_movemask_epi8(_mm_and_si128(same3, letter)) & (keep >> 2);
        *seen |= (uint8_t)(((lower & keep) ? F_LOWER : 0) | ((upper & keep) ? F_UPPER : 0) |
                           ((dig & keep) ? F_DIGIT : 0) | (triple ? F_TRIPLE : 0));
        /* digits are unchanged by | 0x20; bytes past the run are overwritten later */
        _mm_storeu_si128((__m128i *)(v + w), y);
        /* source ranges: the first 8 bytes always (most words fit), the rest
         * only for a longer run */
        __m128i at = _mm_add_epi32(_mm_set1_epi32((int)j), iota);
        __m128i four = _mm_set1_epi32(4), one = _mm_set1_epi32(1);
        __m128i at1 = _mm_add_epi32(at, one);
        _mm_storeu_si128((__m128i *)(ss + w), at);
        _mm_storeu_si128((__m128i *)(se + w), at1);
        _mm_storeu_si128((__m128i *)(ss + w + 4), _mm_add_epi32(at, four));
        _mm_storeu_si128((__m128i *)(se + w + 4), _mm_add_epi32(at1, four));
        if (run > 8) {
            __m128i eight = _mm_set1_epi32(8), twelve = _mm_set1_epi32(12);
            _mm_storeu_si128((__m128i *)(ss + w + 8), _mm_add_epi32(at, eight));
            _mm_storeu_si128((__m128i *)(se + w + 8), _mm_add_epi32(at1, eight));
            _mm_storeu_si128((__m128i *)(ss + w + 12), _mm_add_epi32(at, twelve));
            _mm_storeu_si128((__m128i *)(se + w + 12), _mm_add_epi32(at1, twelve));
        }
        j += run;
        w += run;
        if (run < 16)
            return j - i;
        *seen |= F_INEXACT; /* a triple may straddle two steps */
    }
#endif
    *seen |= F_INEXACT;
    uint8_t b;
    while (j < len && (b = fast_class[p[j]] & F_ALNUM) != 0) {
        *seen |= b;
        v[w] = (char)(p[j] | 0x20); /* lower case; digits are unchanged by 0x20 */
        ss[w] = (uint32_t)j;
        se[w] = (uint32_t)j + 1;
        w++;
        j++;
    }
    return j - i;
}

/*
 * The common case in tight loops: ASCII words of letters and digits. A word
 * the general path would treat differently (a non-ASCII byte, a leetspeak
 * symbol, a letter repeated three times, a third single letter in a row)
 * stops it at the start of that word, and the general path carries on from
 * there, so one emoji late in a mention does not make the whole mention pay
 * for the general path. Keeping the state in locals and each word in its own
 * inner loop is what makes this several times faster than the general path.
 * Words mixing letters and digits get the general path's leetspeak rule
 * (leet_applies) here, which is why they need not stop it.
 */
static void normalise_ascii_fast(ms_normaliser *n, const unsigned char *p, size_t len,
                                 fast_stop *st)
{
    char *v = n->view;
    uint32_t *ss = n->src_start, *se = n->src_end;
    uint32_t *ts = n->tok_start;
    uint8_t *tf = n->tok_flags;
    /* st holds where to start: between words, the view written up to st->len */
    uint32_t w = st->len, nt = st->n_tok, allcaps = st->n_allcaps,
             letter_toks = st->n_letter_tokens, excl = st->n_exclaim, quest = st->n_question,
             singles = st->singles;
    const size_t tok_cap = n->tok_cap;
    size_t i = st->at, tok_at = st->at;
    uint32_t tb = 0, excl0 = 0, quest0 = 0;
    for (;;) {
        /* between words: separators, '?' and '!' counted */
        uint8_t cls;
        while (i < len && !((cls = fast_class[p[i]]) & F_ALNUM)) {
            if (cls & (F_GENERAL | F_BANG | F_QUEST)) {
                if (cls & F_GENERAL)
                    goto stop_here;
                excl += (cls & F_BANG) != 0;
                quest += (cls & F_QUEST) != 0;
            }
            i++;
        }
        if (i == len)
            break;
    word:
        if (nt == tok_cap)
            goto stop_here;
        /* a word: runs of letters and digits, apostrophes dropped */
        tb = w;
        uint8_t seen = 0;
        tok_at = i;
        excl0 = excl;
        quest0 = quest;
        uint8_t next; /* class of the byte after the word, 0 at the end */
        for (;;) {
            size_t run = copy_word_run(p, i, len, v, ss, se, w, &seen);
            i += run;
            w += (uint32_t)run;
            next = i < len ? fast_class[p[i]] : 0;
            if (next & F_APOS) {
                /* "toilet's" -> "toilet" (close_token says why); where the
                 * word might go on after the s ("it's's", "x'sé"), the
                 * general path decides, as it reads the word whole */
                if (i + 1 < len && (p[i + 1] | 0x20) == 's' && (fast_class[p[i - 1]] & F_ALNUM)) {
                    uint8_t after = i + 2 < len ? fast_class[p[i + 2]] : 0;
                    if (after & (F_APOS | F_GENERAL))
                        goto stop_word;
                    if (!(after & F_ALNUM) && w - tb >= 2 && !keeps_s_joined(v + tb, w - tb)) {
                        i += 2;
                        next = after;
                        break;
                    }
                }
                seen |= F_INEXACT; /* the triple test saw the runs one by one */
                i++; /* don't -> dont */
                continue;
            }
            break;
        }
        uint32_t tlen = w - tb;
        uint8_t flags = 0;
        if (((next & (F_BANG | F_GENERAL)) |
             (seen & (F_LOWER | F_DIGIT | F_TRIPLE | F_INEXACT))) == F_LOWER &&
            tlen > 1) {
            /* the common word: lower case letters (maybe capitalised), one step */
            singles = 0;
            letter_toks++;
            goto emit;
        }
        if (next & F_BANG) {
            /* "great!" ends the word; "sh!t" is leetspeak: the general path */
            size_t k = i;
            uint32_t bangs = 0;
            while (k < len && (p[k] == '!' || p[k] == '\'')) {
                bangs += p[k] == '!';
                k++;
            }
            if (k < len && ((fast_class[p[k]] & F_ALNUM) || (fast_class[p[k]] & F_GENERAL)))
                goto stop_word;
            excl += bangs;
            i = k;
        } else if (next & F_GENERAL) {
            goto stop_word;
        }
        if ((seen & F_LETTER) && (seen & F_DIGIT)) {
            /* letters and digits: leetspeak, or a number with a unit */
            uint32_t letters = 0, upper = 0;
            for (uint32_t k = tb; k < w; k++) {
                letters += v[k] >= 'a';
                upper += p[ss[k]] >= 'A' && p[ss[k]] <= 'Z';
            }
            if (leet_applies(v + tb, tlen, letters))
                for (uint32_t k = tb; k < w; k++)
                    if (leet_map[(unsigned char)v[k]])
                        v[k] = leet_map[(unsigned char)v[k]];
            if (has_letter_triple(v + tb, tlen))
                goto stop_word; /* "f00od": collapsing is the general path's */
            if (upper >= 2 && !(seen & F_LOWER))
                flags = MS_TOK_ALLCAPS;
        } else {
            /* one run tested exactly in one step needs no second look */
            bool triple = !(seen & F_INEXACT) ? (seen & F_TRIPLE) != 0
                                             : tlen >= 3 && has_letter_triple(v + tb, tlen);
            if ((seen & F_LETTER) && triple)
                goto stop_word;
            if ((seen & F_ALNUM) == F_UPPER && tlen >= 2)
                flags = MS_TOK_ALLCAPS;
        }
        if (tlen == 1 && (seen & F_LETTER)) {
            if (singles == 2)
                goto stop_word; /* maybe a spelled-out word: rejoined by the general path */
            singles++;
        } else {
            singles = 0;
        }
        allcaps += flags != 0;
        letter_toks += (seen & F_LETTER) != 0;
    emit:
        ts[nt] = tb;
        tf[nt] = flags;
        nt++;
        v[w] = ' ';
        ss[w] = se[w] = (uint32_t)i;
        w++;
        /* the usual gap, one plain separator before the next word, skips
         * the separator loop */
        if (i + 1 < len && fast_class[p[i]] == 0 && (fast_class[p[i + 1]] & F_ALNUM)) {
            i++;
            goto word;
        }
    }
    *st = (fast_stop){.at = len, .len = w, .n_tok = nt, .singles = singles,
                      .n_allcaps = allcaps, .n_letter_tokens = letter_toks,
                      .n_exclaim = excl, .n_question = quest};
    return;
stop_word:
    /* drop the open word: the general path reads it again from its start */
    w = tb;
    i = tok_at;
    excl = excl0;
    quest = quest0;
stop_here:
    *st = (fast_stop){.at = i, .len = w, .n_tok = nt, .singles = singles,
                      .n_allcaps = allcaps, .n_letter_tokens = letter_toks,
                      .n_exclaim = excl, .n_question = quest};
}

/** @brief Point `out` at the normaliser's buffers, with the view's final counts. */
static void publish(const ms_normaliser *n, ms_normalised *out, uint32_t len, uint32_t n_tok,
                    uint32_t n_allcaps, uint32_t n_letter_tokens)
{
    out->view = n->view;
    out->len = len;
    out->src_start = n->src_start;
    out->src_end = n->src_end;
    out->tok_start = n->tok_start;
    out->tok_flags = n->tok_flags;
    out->n_tok = n_tok;
    out->n_allcaps = n_allcaps;
    out->n_letter_tokens = n_letter_tokens;
}

bool ms_normalise(ms_normaliser *n, const char *text, size_t len, ms_normalised *out)
{
    if (len > UINT32_MAX / 4)
        len = UINT32_MAX / 4;
    state s = {.n = n, .tok_begin = UINT32_MAX, .text = (const unsigned char *)text};
    memset(out, 0, sizeof *out);
    /* Most text maps to at most one view byte per input byte plus a space
     * per token; reserve that up front so the fast path rarely checks. */
    if (!grow(&s, len * 2 + 8 + FAST_SLACK))
        return false;
    /* room for the fast path's tokens: at most one per two bytes, plus one */
    while (n->tok_cap < len / 2 + 2)
        if (!grow_tokens_to(&s, len / 2 + 2))
            return false;
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
#ifndef MS_NORMALISE_NO_FAST_PATH
    n->view[0] = ' ';
    n->src_start[0] = n->src_end[0] = 0;
    fast_stop st = {.at = 0, .len = 1};
    normalise_ascii_fast(n, p, len, &st);
    out->n_exclaim = st.n_exclaim;
    out->n_question = st.n_question;
    if (st.at == len) {
        publish(n, out, st.len, st.n_tok, st.n_allcaps, st.n_letter_tokens);
        return true;
    }
    /* carry on from the word the fast path could not decide */
    s.len = st.len;
    s.n_tok = st.n_tok;
    s.single_run = st.singles;
    s.n_allcaps = st.n_allcaps;
    s.n_letter_tokens = st.n_letter_tokens;
    i = st.at;
    size_t fast_from = st.at + 1; /* the fast path stopped at st.at: not again there */
#else
    put(&s, ' ', 0, 0);
#endif
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            uint8_t cls = ascii_class[c];
            if (cls >= C_LOWER && cls <= C_DIGIT) {
#ifndef MS_NORMALISE_NO_FAST_PATH
                /* a word starting after a closed token: the fast path can take
                 * over again when the view has its room reserved */
                if (s.tok_begin == UINT32_MAX && i >= fast_from && !s.oom &&
                    (size_t)s.len + (len - i) * 2 + 8 + FAST_SLACK <= n->cap) {
                    st = (fast_stop){.at = i, .len = s.len, .n_tok = s.n_tok,
                                     .singles = s.single_run, .n_allcaps = s.n_allcaps,
                                     .n_letter_tokens = s.n_letter_tokens,
                                     .n_exclaim = out->n_exclaim, .n_question = out->n_question};
                    normalise_ascii_fast(n, p, len, &st);
                    s.len = st.len;
                    s.n_tok = st.n_tok;
                    s.single_run = st.singles;
                    s.n_allcaps = st.n_allcaps;
                    s.n_letter_tokens = st.n_letter_tokens;
                    out->n_exclaim = st.n_exclaim;
                    out->n_question = st.n_question;
                    i = st.at;
                    fast_from = st.at + 1;
                    continue;
                }
#endif
                i = feed_alnum_run(&s, p, i, len);
                continue;
            }
            if (cls == C_SEP && c != '?') {
                close_token(&s, (uint32_t)i);
                i++;
                continue;
            }
            feed_ascii(&s, c, (uint32_t)i, (uint32_t)i + 1, out);
            i++;
            continue;
        }
        uint32_t cp;
        uint32_t k = decode_utf8(p + i, len - i, &cp);
        if (k == 0) {
            close_token(&s, (uint32_t)i); /* invalid byte: a separator */
            i++;
            continue;
        }
        feed_codepoint(&s, cp, (uint32_t)i, (uint32_t)(i + k), out);
        i += k;
    }
    close_token(&s, (uint32_t)len);
    if (s.oom)
        return false;
    if (s.need_rejoin)
        rejoin_spelled(&s, text);
    publish(n, out, s.len, s.n_tok, s.n_allcaps, s.n_letter_tokens);
    return true;
}

uint32_t ms_normalised_token_at(const ms_normalised *v, uint32_t pos)
{
    uint32_t lo = 0, hi = v->n_tok;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (v->tok_start[mid] <= pos)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}
