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

struct ms_normaliser {
    char *view;
    uint32_t *src_start, *src_end;
    size_t cap;                 /* capacity of view / src_* */
    uint32_t *tok_start;
    uint8_t *tok_flags;
    size_t tok_cap;
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

/* Look-alike letters from other scripts, mapped to the Latin letter they
 * imitate. Sorted by code point for binary search. */
static const struct { uint32_t cp; char to; } confusables[] = {
    {0x0251, 'a'}, {0x0261, 'g'}, {0x0269, 'i'}, {0x026A, 'i'},
    {0x03B1, 'a'}, {0x03B2, 'b'}, {0x03B5, 'e'}, {0x03B9, 'i'},
    {0x03BA, 'k'}, {0x03BD, 'v'}, {0x03BF, 'o'}, {0x03C1, 'p'},
    {0x03C4, 't'}, {0x03C5, 'u'}, {0x03C7, 'x'}, {0x03F2, 'c'},
    {0x0430, 'a'}, {0x0432, 'b'}, {0x0435, 'e'}, {0x043A, 'k'},
    {0x043C, 'm'}, {0x043D, 'h'}, {0x043E, 'o'}, {0x0440, 'p'},
    {0x0441, 'c'}, {0x0442, 't'}, {0x0443, 'y'}, {0x0445, 'x'},
    {0x0455, 's'}, {0x0456, 'i'}, {0x0458, 'j'}, {0x04BB, 'h'},
    {0x0501, 'd'}, {0x051B, 'q'}, {0x051D, 'w'},
};

static char confusable_of(uint32_t cp)
{
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
} state;

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

static bool grow_tokens(state *s) { return grow_tokens_to(s, (size_t)s->n_tok + 1); }

static inline void put(state *s, char c, uint32_t from, uint32_t to)
{
    if (s->len + 2 > s->n->cap && !grow(s, (size_t)s->len + 2))
        return;
    s->n->view[s->len] = c;
    s->n->src_start[s->len] = from;
    s->n->src_end[s->len] = to;
    s->len++;
}

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
    } else {
        s->single_run = 0;
    }
    put(s, ' ', sep_at, sep_at);
    s->tok_begin = UINT32_MAX;
}

/* Rejoin runs of >= 3 single-letter tokens whose original gap was short
 * (one or two bytes of space or punctuation, no line break). */
static void rejoin_spelled(state *s, const char *text)
{
    ms_normaliser *n = s->n;
    uint32_t *ts = n->tok_start;
    uint32_t w = 0, out_tok = 0, i = 0;
    uint32_t r = 0; /* read position in the view */
    /* Copy the leading space. */
    n->view[w] = n->view[r];
    n->src_start[w] = n->src_start[r];
    n->src_end[w] = n->src_end[r];
    w++;
    r++;
    while (i < s->n_tok) {
        /* Find the run of single-letter tokens starting at i. */
        uint32_t j = i;
        while (j < s->n_tok) {
            uint32_t p = ts[j];
            bool single = (j + 1 < s->n_tok ? ts[j + 1] : s->len) - p == 2 &&
                          n->view[p] >= 'a' && n->view[p] <= 'z';
            if (!single)
                break;
            if (j > i) {
                uint32_t gap_from = n->src_end[ts[j - 1]], gap_to = n->src_start[p];
                bool short_gap = gap_to - gap_from <= 2;
                for (uint32_t g = gap_from; short_gap && g < gap_to; g++)
                    if (text[g] == '\n' || text[g] == '\r')
                        short_gap = false;
                if (!short_gap)
                    break;
            }
            j++;
        }
        if (j - i >= 3) {
            uint8_t flags = 0;
            ts[out_tok] = w;
            for (uint32_t k = i; k < j; k++) {
                uint32_t p = ts[k];
                n->view[w] = n->view[p];
                n->src_start[w] = n->src_start[p];
                n->src_end[w] = n->src_end[p];
                w++;
            }
            n->tok_flags[out_tok++] = flags;
            uint32_t sp = ts[j - 1] + 1;
            n->view[w] = ' ';
            n->src_start[w] = n->src_start[sp];
            n->src_end[w] = n->src_end[sp];
            w++;
            i = j;
            continue;
        }
        /* Copy token i and its trailing space unchanged. */
        uint32_t p = ts[i], e = (i + 1 < s->n_tok ? ts[i + 1] : s->len);
        uint8_t flags = n->tok_flags[i];
        ts[out_tok] = w;
        for (uint32_t k = p; k < e; k++) {
            n->view[w] = n->view[k];
            n->src_start[w] = n->src_start[k];
            n->src_end[w] = n->src_end[k];
            w++;
        }
        n->tok_flags[out_tok++] = flags;
        i++;
    }
    s->len = w;
    s->n_tok = out_tok;
}

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

/*
 * The common case in one tight loop: ASCII text whose words are plain
 * letters or plain numbers, with no leetspeak symbols inside words, no
 * letter repeated three times and no spelled-out words. Anything else makes
 * it return false, and the general path below starts over. Keeping the state
 * in locals is what makes this several times faster than the general path.
 */
static bool normalise_ascii_fast(ms_normaliser *n, const unsigned char *p, size_t len,
                                 ms_normalised *out)
{
    char *v = n->view;
    uint32_t *ss = n->src_start, *se = n->src_end;
    uint32_t *ts = n->tok_start;
    uint8_t *tf = n->tok_flags;
    uint32_t w = 0, nt = 0, allcaps = 0, letter_toks = 0, excl = 0, quest = 0;
    uint32_t tb = UINT32_MAX, upper = 0, lower = 0, digits = 0, singles = 0;
    v[w] = ' ';
    ss[w] = se[w] = 0;
    w++;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? p[i] : ' ';
        if (c >= 0x80)
            return false;
        uint8_t cls = ascii_class[c];
        if (cls >= C_LOWER && cls <= C_DIGIT) {
            if (tb == UINT32_MAX) {
                if (nt == n->tok_cap)
                    return false;
                tb = w;
                upper = lower = digits = 0;
            }
            char ch = (char)(cls == C_UPPER ? c + 32 : c);
            if (w - tb >= 2 && ch == v[w - 1] && ch == v[w - 2] && cls != C_DIGIT)
                return false;
            upper += cls == C_UPPER;
            lower += cls == C_LOWER;
            digits += cls == C_DIGIT;
            v[w] = ch;
            ss[w] = (uint32_t)i;
            se[w] = (uint32_t)i + 1;
            w++;
            continue;
        }
        if (c == '\'' && tb != UINT32_MAX)
            continue; /* don't -> dont */
        if (c == '!') {
            excl++;
            if (tb != UINT32_MAX) {
                if (i + 1 < len && ascii_class[p[i + 1]] >= C_LOWER &&
                    ascii_class[p[i + 1]] <= C_DIGIT)
                    return false; /* sh!t: leetspeak */
                continue;         /* great! : the word ends at the next separator */
            }
        } else if (c == '?') {
            quest++;
        } else if (cls != C_SEP && cls != C_APOS) {
            return false; /* @ $ | * may be leetspeak */
        }
        if (tb == UINT32_MAX)
            continue;
        uint32_t tlen = w - tb, letters = upper + lower;
        if (letters && digits)
            return false; /* leetspeak or a number with a unit */
        if (tlen == 1 && letters) {
            if (++singles >= 3)
                return false; /* maybe a spelled-out word */
        } else {
            singles = 0;
        }
        uint8_t flags = (upper >= 2 && lower == 0) ? MS_TOK_ALLCAPS : 0;
        allcaps += flags != 0;
        letter_toks += letters != 0;
        ts[nt] = tb;
        tf[nt] = flags;
        nt++;
        v[w] = ' ';
        ss[w] = se[w] = (uint32_t)(i < len ? i : len);
        w++;
        tb = UINT32_MAX;
    }
    out->view = v;
    out->len = w;
    out->src_start = ss;
    out->src_end = se;
    out->tok_start = ts;
    out->tok_flags = tf;
    out->n_tok = nt;
    out->n_allcaps = allcaps;
    out->n_letter_tokens = letter_toks;
    out->n_exclaim = excl;
    out->n_question = quest;
    return true;
}

bool ms_normalise(ms_normaliser *n, const char *text, size_t len, ms_normalised *out)
{
    if (len > UINT32_MAX / 4)
        len = UINT32_MAX / 4;
    state s = {.n = n, .tok_begin = UINT32_MAX};
    memset(out, 0, sizeof *out);
    /* Most text maps to at most one view byte per input byte plus a space
     * per token; reserve that up front so the fast path rarely checks. */
    if (!grow(&s, len * 2 + 8))
        return false;
    /* room for the fast path's tokens: at most one per two bytes, plus one */
    while (n->tok_cap < len / 2 + 2)
        if (!grow_tokens_to(&s, len / 2 + 2))
            return false;
#ifndef MS_NORMALISE_NO_FAST_PATH
    if (normalise_ascii_fast(n, (const unsigned char *)text, len, out))
        return true;
#endif
    memset(out, 0, sizeof *out);
    put(&s, ' ', 0, 0);
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            uint8_t cls = ascii_class[c];
            if (cls >= C_LOWER && cls <= C_DIGIT) {
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
    out->view = n->view;
    out->len = s.len;
    out->src_start = n->src_start;
    out->src_end = n->src_end;
    out->tok_start = n->tok_start;
    out->tok_flags = n->tok_flags;
    out->n_tok = s.n_tok;
    out->n_allcaps = s.n_allcaps;
    out->n_letter_tokens = s.n_letter_tokens;
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
