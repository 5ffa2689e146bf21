/*
 * regex_shape.c - reads a regular expression's top-level items as written
 * (see regex_shape.h for what a caller may rely on).
 *
 * The parser here is deliberately small: it splits a pattern into
 * top-level atoms (a character, an escape, a class, a group) and their
 * quantifiers, and gives up on anything whose meaning would need a real
 * regex parser. Giving up is always safe: it means "scan it as written".
 */
#include "match/regex_shape.h"

#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/*
 * The raw view's main database only has to notice that a regex matched
 * somewhere: the start-of-match pass rescans with the exact pattern for the
 * spans, and a rescan that finds nothing records nothing. So the main
 * database may hold a looser detector, any pattern that matches wherever the
 * exact one does. Measured over the bench corpus (callgrind, per pattern and
 * leave-one-out), what made the raw scan expensive was the patterns' leading
 * ends: a `\b` before a class, or an open run such as `[a-z0-9._%+-]+`
 * before the '@', kept Hyperscan from triggering on later literals and ran
 * whole-text automata on every byte instead (11.6k instructions per 200-byte
 * mention, 9.6k with the heads trimmed). The tails are left alone, so a
 * detector fires wherever the exact pattern ends (and rarely elsewhere too):
 * the rescans, and the evidence they record, keep their order, except
 * between two regexes whose hits end on the same byte, which Hyperscan
 * reports in no set order anyway.
 *
 * Trims the head of a pattern without a top-level '|' until nothing
 * changes: a `\b` is dropped; an atom repeated `+` or `{n,...}` is kept
 * once or `{n}` times (a match of X{k}R ends with a match of X{n}R); an
 * atom under `?`, `*` or `{0,...}` is dropped. At least two items are kept.
 * Returns a malloc'd pattern, or NULL when there is nothing to trim. (Keeping
 * a head such as `\d{8}` once instead of `{n}` times was measured: looser,
 * and slower.)
 */
typedef struct re_item {
    const char *p;   /* the atom */
    size_t n;        /* atom length */
    const char *q;   /* its quantifier, or NULL */
    size_t qn;
} re_item;

/* Skip a character class starting at '['; NULL when it is not closed. */
static const char *skip_class(const char *p)
{
    p++;
    if (*p == '^')
        p++;
    if (*p == ']')
        p++;
    while (*p && *p != ']') {
        if (p[0] == '[' && p[1] == ':') { /* [:alpha:] */
            const char *e = strstr(p + 2, ":]");
            if (!e)
                return NULL;
            p = e + 2;
            continue;
        }
        p += (*p == '\\' && p[1]) ? 2 : 1;
    }
    return *p ? p + 1 : NULL;
}

/* Skip an escape starting at '\\'; NULL when it is malformed. */
static const char *skip_escape(const char *p)
{
    p++;
    if (!*p)
        return NULL;
    if (*p >= '0' && *p <= '9') { /* octal or a back-reference: one item */
        while (*p >= '0' && *p <= '9')
            p++;
        return p;
    }
    if (p[1] == '{' && strchr("xpPo", *p)) { /* \x{263a}, \p{L}, \o{12} */
        const char *e = strchr(p, '}');
        return e ? e + 1 : NULL;
    }
    if (*p == 'x') { /* \xHH */
        p++;
        for (int i = 0; i < 2 && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
                                  (*p >= 'A' && *p <= 'F'));
             i++)
            p++;
        return p;
    }
    if (*p == 'c' && p[1]) /* \cX */
        return p + 2;
    return p + 1;
}

/* Split `re` into top-level items; false when it has a top-level '|', quoted
 * text (\\Q), an option setting other than (?: (say (?x), where spaces and
 * comments are not atoms), or is too long or malformed to reason about. */
static bool re_items(const char *re, re_item *it, size_t cap, size_t *n_out)
{
    size_t n = 0;
    const char *p = re;
    if (strstr(re, "\\Q"))
        return false;
    for (const char *o = strstr(re, "(?"); o; o = strstr(o + 2, "(?"))
        if (o[2] != ':')
            return false;
    while (*p) {
        const char *a = p;
        if (*p == '|' || *p == ')' || n == cap)
            return false;
        if (*p == '\\') {
            if (!(p = skip_escape(p)))
                return false;
        } else if (*p == '[') {
            if (!(p = skip_class(p)))
                return false;
        } else if (*p == '(') {
            int depth = 0;
            while (*p) {
                if (*p == '\\') {
                    if (!(p = skip_escape(p)))
                        return false;
                    continue;
                }
                if (*p == '[') {
                    if (!(p = skip_class(p)))
                        return false;
                    continue;
                }
                depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
                p++;
                if (depth == 0)
                    break;
            }
            if (depth)
                return false;
        } else {
            p++; /* one UTF-8 character */
            while ((*p & 0xC0) == 0x80)
                p++;
        }
        it[n] = (re_item){a, (size_t)(p - a), NULL, 0};
        const char *q = p;
        if (*p == '?' || *p == '*' || *p == '+') {
            p++;
        } else if (*p == '{') {
            /* a repeat is {n}, {n,} or {n,m}; any other brace is literal
             * text ("a{2,3,}" is "a" then "{2,3,}"): not reasoned about */
            const char *c = p + 1;
            while (*c >= '0' && *c <= '9')
                c++;
            if (c == p + 1)
                return false;
            if (*c == ',')
                for (c++; *c >= '0' && *c <= '9'; c++)
                    ;
            if (*c != '}')
                return false;
            p = c + 1;
        }
        if (p > q && (*p == '?' || *p == '+')) /* lazy or possessive */
            p++;
        if (p > q) {
            it[n].q = q;
            it[n].qn = (size_t)(p - q);
        }
        n++;
    }
    *n_out = n;
    return true;
}

/** @brief The detector for raw regex `re` with its head trimmed (see the comment above re_item);
 *  malloc'd, or NULL to use `re` itself (nothing to trim, or no memory). */
char *ms_regex_relaxed_detector(const char *re)
{
    re_item it[256];
    size_t n, first = 0;
    if (!re_items(re, it, sizeof it / sizeof it[0], &n))
        return NULL;
    unsigned min = 0;   /* 0: the head as written; else kept {min} times */
    while (n - first > 2) {
        const re_item *h = &it[first];
        if (!h->q) {
            if (h->n == 2 && h->p[0] == '\\' && h->p[1] == 'b') {
                first++;
                continue;
            }
            break;
        }
        char q = h->q[0];
        unsigned lo = q == '+' ? 1 : q == '{' ? (unsigned)strtoul(h->q + 1, NULL, 10) : 0;
        if (lo == 0) {      /* ?, * or {0,...}: the head may be absent */
            first++;
            continue;
        }
        min = lo;
        break;
    }
    if (first == 0 && min == 0)
        return NULL;
    ms_buf b;
    ms_buf_init(&b);
    for (size_t i = first; i < n; i++) {
        ms_buf_append(&b, it[i].p, it[i].n);
        if (i == first && min > 1)
            ms_buf_printf(&b, "{%u}", min);
        else if (it[i].q && !(i == first && min))
            ms_buf_append(&b, it[i].q, it[i].qn);
    }
    ms_buf_terminate(&b);
    if (!ms_buf_ok(&b)) {
        ms_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* The gate of a raw regex (see regex_shape.h): MS_GATE_DIGIT when
 * some top-level item that cannot be skipped is a digit, `\d` or a class of
 * digits only; else MS_GATE_AT when one is an '@'; else MS_GATES (none). */
enum ms_gate ms_regex_gate_of(const char *re)
{
    re_item it[256];
    size_t n;
    enum ms_gate gate = MS_GATES;
    if (!re_items(re, it, sizeof it / sizeof it[0], &n))
        return gate;
    for (size_t i = 0; i < n; i++) {
        const re_item *x = &it[i];
        if (x->q && (x->q[0] == '?' || x->q[0] == '*' ||
                     (x->q[0] == '{' && strtoul(x->q + 1, NULL, 10) == 0)))
            continue;
        if ((x->n == 1 && x->p[0] >= '0' && x->p[0] <= '9') ||
            (x->n == 2 && x->p[0] == '\\' && x->p[1] == 'd'))
            return MS_GATE_DIGIT;
        if (x->n > 2 && x->p[0] == '[' && x->p[1] != '^') {
            bool digits = true;
            for (size_t k = 1; k + 1 < x->n; k++)
                if (!((x->p[k] >= '0' && x->p[k] <= '9') || (x->p[k] == '-' && k > 1)))
                    digits = false;
            if (digits)
                return MS_GATE_DIGIT;
        }
        if ((x->n == 1 && x->p[0] == '@') || (x->n == 4 && strncmp(x->p, "\\x40", 4) == 0))
            gate = MS_GATE_AT;
    }
    return gate;
}

/** @brief Whether every match of raw regex `re` starts at the text's first byte: its first
 *  top-level item is an unrepeated '^' (and it has no top-level '|'). Block mode, no multi-line
 *  flag: Hyperscan then reports such a match from 0 without start-of-match tracking. */
bool ms_regex_anchored_at_start(const char *re)
{
    re_item it[256];
    size_t n;
    return re_items(re, it, sizeof it / sizeof it[0], &n) && n > 0 && it[0].n == 1 &&
           it[0].p[0] == '^' && !it[0].q;
}

/** @brief The width in bytes of every match of `re` (compiled caseless, as the main databases
 *  compile it) when all its matches have the same one; 0 when they do not, or it cannot tell. */
uint16_t ms_regex_fixed_width(const char *re)
{
    /* an unescaped '*', '+' or '?' (a repeat of open length, or now and
     * then a member of a class) leaves it to the start-of-match pass without
     * asking Hyperscan, which takes long over the large alternations of
     * lists: a start-up cost paid on every load and reload */
    for (const char *p = re; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '(' && p[1] == '?')
            p++;
        else if (*p == '*' || *p == '+' || *p == '?')
            return 0;
    }
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *ce = NULL;
    if (hs_expression_info(re, HS_FLAG_CASELESS, &info, &ce) != HS_SUCCESS) {
        hs_free_compile_error(ce);
        return 0; /* the compile that follows reports it */
    }
    uint16_t w = info->min_width == info->max_width && info->max_width > 0 &&
                         info->max_width < UINT16_MAX
                     ? (uint16_t)info->max_width
                     : 0;
    free(info);
    return w;
}
