/*
 * json_in.c - decoding one Mention from a JSON object (codec.h).
 *
 * Design
 * ------
 * Tokenising is jsmn's (strict mode), into a token array the decoder owns and
 * grows by doubling; after the largest event has been seen the array is big
 * enough and decoding does not allocate. jsmn is built with parent links:
 * without them every ',' and closing bracket searches back through all the
 * tokens so far for the open object, which is quadratic in an object's
 * members and cost a tenth of decoding a mention (bench/bench_codec). jsmn is fast but permissive even in
 * strict mode: it accepts `{"a" 1}`, `[1 2]`, trailing commas, `tru`, `01`,
 * raw control characters in strings and stray `,`/`:` bytes. So a second pass
 * (ms_json_check_value) walks the token tree and checks the bytes BETWEEN
 * tokens against the JSON grammar - whitespace, then exactly the separator
 * that must come next - and checks every literal and number. A token tree
 * that passes covers the document exactly, so what is decoded is valid JSON
 * (RFC 8259), except that UTF-8 is not validated: invalid bytes in strings
 * are kept as they are, because mention text is tolerated as-is and cleaned
 * up on output (json_out.c).
 *
 * Strings are unescaped into one reusable buffer (an ms_buf) that is reserved
 * to the document's length before decoding: an unescaped string plus a NUL is
 * never longer than its quoted form, so the buffer never moves while views
 * into it are handed out, and every view stays valid until the next decode.
 * Views are also NUL-terminated, which the API does not promise but which
 * makes accidental C-string use harmless.
 *
 * \uXXXX escapes become UTF-8; a surrogate pair becomes one 4-byte sequence
 * and a lone surrogate becomes U+FFFD. "\u0000" is decoded to a NUL byte
 * inside the view (views carry a length).
 *
 * Fields follow proto/mention.proto with snake_case names. Unknown fields are
 * skipped whatever their value; `null` means "absent" (empty string, false,
 * 0, the enum's zero value); a known field given twice is an error, so two
 * systems reading the same event cannot disagree about which value counts.
 *
 * Errors name a 0-based byte offset for syntax problems and the field for
 * type or value problems; values quoted in messages are cut to 40 bytes and
 * cleaned of control characters and invalid UTF-8 so a message is always
 * printable.
 */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "core/codec.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "decode/decoders.h"

#define MS_JSON_MIN_TOKENS 64u
#define MS_JSON_MAX_TOKENS (1u << 20)
#define MS_JSON_MAX_DEPTH 64
#define MS_JSON_ERR_VALUE_MAX 40

struct ms_json_decoder {
    jsmntok_t *tok;    /* token array, grown by doubling */
    unsigned tok_cap;
    ms_buf str;        /* unescaped strings the mention's views point into */
};

/** One document being decoded. */
typedef struct ms_json_doc {
    const char *js;
    size_t len;
    const jsmntok_t *tok;
    int ntok;
    ms_buf *str;
    ms_codec_error *err;
} ms_json_doc;

/* Known fields; the bit (1u << field) records that a field was seen. */
enum {
    MS_JF_ID,
    MS_JF_PLATFORM,
    MS_JF_KIND,
    MS_JF_PAGE_OWNED,
    MS_JF_AUTHOR,
    MS_JF_TEXT,
    MS_JF_CREATED_AT,
    MS_JF_POST_ID,
    MS_JF_PARENT_ID,
    MS_JF_PERMALINK,
    MS_JF_LANGUAGE,
    MS_JF_COUNT
};
static const char *const ms_json_fields[MS_JF_COUNT] = {
    "id",         "platform", "kind",      "page_owned", "author",   "text",
    "created_at", "post_id",  "parent_id", "permalink",  "language",
};

enum { MS_JA_ID, MS_JA_HANDLE, MS_JA_DISPLAY_NAME, MS_JA_COUNT };
static const char *const ms_json_author_fields[MS_JA_COUNT] = {
    "id", "handle", "display_name"};
static const char *const ms_json_author_errnames[MS_JA_COUNT] = {
    "author.id", "author.handle", "author.display_name"};

static const char ms_json_empty[] = "";

/** @brief Write a formatted message to `err` and return false. */
static bool ms_json_fail(ms_codec_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static bool ms_json_fail(ms_codec_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        snprintf(err->msg, sizeof err->msg, "JSON decode error");
    return false;
}

/**
 * @brief Make `s` printable for an error message: at most 40 bytes, control
 * characters and invalid UTF-8 as '?', "..." when cut. `out` must hold
 * MS_JSON_ERR_VALUE_MAX + 4 bytes.
 */
static void ms_json_err_value(char *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < n) {
        size_t k = ms_utf8_len(u + i, n - i);
        if (o + (k ? k : 1) > MS_JSON_ERR_VALUE_MAX)
            break;
        if (k == 0 || (k == 1 && (u[i] < 0x20 || u[i] == 0x7F))) {
            out[o++] = '?';
            i++;
        } else {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        }
    }
    if (i < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/** @brief True for the four JSON whitespace bytes. */
static bool ms_json_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/** @brief First offset at or after p that is not whitespace (or len). */
static size_t ms_json_skip_ws(const ms_json_doc *d, size_t p)
{
    while (p < d->len && ms_json_is_ws(d->js[p]))
        p++;
    return p;
}

/** @brief Offset of a token's first byte (a string's opening quote). */
static size_t ms_json_tok_begin(const jsmntok_t *t)
{
    return (size_t)t->start - (t->type == JSMN_STRING ? 1 : 0);
}

/** @brief Offset just past a token (past a string's closing quote). */
static size_t ms_json_tok_after(const jsmntok_t *t)
{
    return (size_t)t->end + (t->type == JSMN_STRING ? 1 : 0);
}

/** @brief True if s[0..n) is true, false, null or a JSON number. */
static bool ms_json_primitive_ok(const char *s, size_t n)
{
    if ((n == 4 && (memcmp(s, "true", 4) == 0 || memcmp(s, "null", 4) == 0)) ||
        (n == 5 && memcmp(s, "false", 5) == 0))
        return true;
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return false;
    }
    if (i < n && s[i] == '.') {
        size_t d0 = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d0)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d0 = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d0)
            return false;
    }
    return i == n;
}

/** @brief Reject raw control characters inside string token t. */
static bool ms_json_check_string(const ms_json_doc *d, const jsmntok_t *t)
{
    /* eight bytes at a time while none is below 0x20 (the "has less than"
     * word trick: exact for the word as a whole); the byte loop below finds
     * and reports the one that is */
    int i = t->start;
    for (; i + 8 <= t->end; i += 8) {
        uint64_t x;
        memcpy(&x, d->js + i, 8);
        if ((x - 0x2020202020202020ull) & ~x & 0x8080808080808080ull)
            break;
    }
    for (; i < t->end; i++) {
        if ((unsigned char)d->js[i] < 0x20)
            return ms_json_fail(d->err,
                                "byte %d: control character 0x%02x in string "
                                "(must be escaped)",
                                i, (unsigned char)d->js[i]);
    }
    return true;
}

/**
 * @brief Validate the value at token i and everything inside it; set *next to
 * the token after it. Checks the bytes between tokens against the grammar.
 */
static bool ms_json_check_value(const ms_json_doc *d, int i, int depth, int *next)
{
    const jsmntok_t *t = &d->tok[i];
    if (t->start < 0 || t->end < t->start)
        return ms_json_fail(d->err, "truncated JSON");
    if (t->type == JSMN_STRING) {
        *next = i + 1;
        return ms_json_check_string(d, t);
    }
    if (t->type == JSMN_PRIMITIVE) {
        *next = i + 1;
        if (!ms_json_primitive_ok(d->js + t->start, (size_t)(t->end - t->start)))
            return ms_json_fail(d->err, "byte %d: invalid JSON (bad number or literal)",
                                t->start);
        return true;
    }
    if (t->type != JSMN_OBJECT && t->type != JSMN_ARRAY)
        return ms_json_fail(d->err, "byte %d: invalid JSON", t->start);
    if (depth >= MS_JSON_MAX_DEPTH)
        return ms_json_fail(d->err, "byte %d: JSON nested deeper than %d levels",
                            t->start, MS_JSON_MAX_DEPTH);

    bool obj = t->type == JSMN_OBJECT;
    char close = obj ? '}' : ']';
    size_t p = (size_t)t->start + 1;
    int j = i + 1;
    for (int k = 0; k < t->size; k++) {
        p = ms_json_skip_ws(d, p);
        if (k > 0) {
            if (p >= d->len || d->js[p] != ',')
                return ms_json_fail(d->err, "byte %zu: expected ',' or '%c'", p, close);
            p = ms_json_skip_ws(d, p + 1);
        }
        if (j >= d->ntok)
            return ms_json_fail(d->err, "byte %zu: expected %s", p,
                                obj ? "a string key" : "a value");
        if (obj) {
            const jsmntok_t *key = &d->tok[j];
            if (key->type != JSMN_STRING || ms_json_tok_begin(key) != p)
                return ms_json_fail(d->err, "byte %zu: expected a string key", p);
            if (!ms_json_check_string(d, key))
                return false;
            p = ms_json_skip_ws(d, ms_json_tok_after(key));
            if (p >= d->len || d->js[p] != ':')
                return ms_json_fail(d->err, "byte %zu: expected ':' after key", p);
            p = ms_json_skip_ws(d, p + 1);
            if (key->size < 1 || ++j >= d->ntok)
                return ms_json_fail(d->err, "byte %zu: expected a value", p);
        }
        if (ms_json_tok_begin(&d->tok[j]) != p)
            return ms_json_fail(d->err, "byte %zu: expected a value", p);
        int after = 0; /* set by the call on success */
        if (!ms_json_check_value(d, j, depth + 1, &after))
            return false;
        p = ms_json_tok_after(&d->tok[j]);
        j = after;
    }
    p = ms_json_skip_ws(d, p);
    if (p + 1 != (size_t)t->end) {
        if (t->size > 0 && p < d->len && d->js[p] == ',') {
            /* A comma the tokenizer did not count a member for: either
             * nothing follows it or what follows is not a member. */
            size_t q = ms_json_skip_ws(d, p + 1);
            if (q + 1 == (size_t)t->end)
                return ms_json_fail(d->err, "byte %zu: trailing comma", p);
            return ms_json_fail(d->err, "byte %zu: expected %s", q,
                                obj ? "a string key" : "a value");
        }
        if (t->size == 0)
            return ms_json_fail(d->err, "byte %zu: expected %s or '%c'", p,
                                obj ? "a string key" : "a value", close);
        return ms_json_fail(d->err, "byte %zu: expected ',' or '%c'", p, close);
    }
    *next = j;
    return true;
}

/** @brief Value (0-15) of a hex digit; the tokenizer has checked it is one. */
static unsigned ms_json_hex(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (unsigned)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return (unsigned)(c - 'A' + 10);
    return 0;
}

/** @brief Code unit of the \uXXXX at s[i] (s[i] == '\\'), or -1 if none. */
static long ms_json_u16_at(const char *s, size_t n, size_t i)
{
    if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u')
        return -1;
    return (long)(ms_json_hex(s[i + 2]) << 12 | ms_json_hex(s[i + 3]) << 8 |
                  ms_json_hex(s[i + 4]) << 4 | ms_json_hex(s[i + 5]));
}

/** @brief Encode code point cp as UTF-8 at dst; return the byte count. */
static size_t ms_json_put_utf8(char *dst, unsigned long cp)
{
    unsigned char *o = (unsigned char *)dst;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/**
 * @brief Unescape a validated JSON string body s[0..n) into dst (room for n
 * bytes); return the unescaped length. Never longer than the input.
 */
static size_t ms_json_unescape(const char *s, size_t n, char *dst)
{
    size_t o = 0, i = 0;
    while (i < n) {
        const char *bs = memchr(s + i, '\\', n - i);
        size_t run = bs ? (size_t)(bs - (s + i)) : n - i;
        memcpy(dst + o, s + i, run);
        o += run;
        i += run;
        if (i + 1 >= n)
            break; /* no escape left (or a stray final backslash: dropped) */
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b': dst[o++] = '\b'; break;
        case 'f': dst[o++] = '\f'; break;
        case 'n': dst[o++] = '\n'; break;
        case 'r': dst[o++] = '\r'; break;
        case 't': dst[o++] = '\t'; break;
        case 'u': {
            long u = ms_json_u16_at(s, n, i - 2);
            if (u < 0) { /* cannot happen after validation: keep the bytes */
                dst[o++] = '\\';
                dst[o++] = 'u';
                break;
            }
            i += 4;
            unsigned long cp = (unsigned long)u;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = ms_json_u16_at(s, n, i);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
                    i += 6;
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            o += ms_json_put_utf8(dst + o, cp);
            break;
        }
        default: dst[o++] = e; break; /* '"', '\\', '/' */
        }
    }
    return o;
}

/**
 * @brief Unescape string token t into the string buffer, NUL-terminated, and
 * return a view of it. The buffer was reserved to the document's size.
 */
static ms_str ms_json_take(const ms_json_doc *d, const jsmntok_t *t)
{
    const char *s = d->js + t->start;
    size_t n = (size_t)(t->end - t->start);
    if (n == 0 || n + 1 > d->str->cap - d->str->len)
        return (ms_str){ms_json_empty, 0}; /* second case: cannot happen */
    char *dst = d->str->data + d->str->len;
    size_t o = memchr(s, '\\', n) ? ms_json_unescape(s, n, dst) : (memcpy(dst, s, n), n);
    dst[o] = '\0';
    d->str->len += o + 1;
    return (ms_str){dst, o};
}

/** @brief What kind of JSON value token t is, for messages. */
static const char *ms_json_what(const ms_json_doc *d, const jsmntok_t *t)
{
    switch (t->type) {
    case JSMN_OBJECT: return "an object";
    case JSMN_ARRAY: return "an array";
    case JSMN_STRING: return "a string";
    default: break;
    }
    char c = d->js[t->start];
    return c == 'n' ? "null" : (c == 't' || c == 'f') ? "a boolean" : "a number";
}

/** @brief True if token t is the literal null. */
static bool ms_json_is_null(const ms_json_doc *d, const jsmntok_t *t)
{
    return t->type == JSMN_PRIMITIVE && d->js[t->start] == 'n';
}

/** @brief Index of the token after the value at i (skipping its contents). */
static int ms_json_skip(const ms_json_doc *d, int i)
{
    int end = d->tok[i].end;
    int j = i + 1;
    while (j < d->ntok && d->tok[j].start < end)
        j++;
    return j;
}

/**
 * @brief Index in `names` of the key at token t, or -1. Keys with escapes
 * are unescaped into the string buffer, which is rolled back afterwards.
 */
static int ms_json_key(const ms_json_doc *d, const jsmntok_t *t,
                       const char *const *names, int n_names)
{
    size_t mark = d->str->len;
    ms_str k = {d->js + t->start, (size_t)(t->end - t->start)};
    if (memchr(k.ptr, '\\', k.len))
        k = ms_json_take(d, t);
    int found = -1;
    for (int i = 0; i < n_names; i++) {
        if (strlen(names[i]) == k.len && memcmp(names[i], k.ptr, k.len) == 0) {
            found = i;
            break;
        }
    }
    d->str->len = mark;
    return found;
}

/** @brief Decode a string field (null means empty). */
static bool ms_json_get_str(const ms_json_doc *d, int i, const char *field, ms_str *out)
{
    const jsmntok_t *t = &d->tok[i];
    if (t->type == JSMN_STRING) {
        *out = ms_json_take(d, t);
        return true;
    }
    if (ms_json_is_null(d, t)) {
        *out = (ms_str){ms_json_empty, 0};
        return true;
    }
    return ms_json_fail(d->err, "field '%s': expected a string, got %s", field,
                        ms_json_what(d, t));
}

/** @brief Decode a boolean field (null means false). */
static bool ms_json_get_bool(const ms_json_doc *d, int i, const char *field, bool *out)
{
    const jsmntok_t *t = &d->tok[i];
    if (t->type == JSMN_PRIMITIVE && (d->js[t->start] == 't' || d->js[t->start] == 'f')) {
        *out = d->js[t->start] == 't';
        return true;
    }
    if (ms_json_is_null(d, t)) {
        *out = false;
        return true;
    }
    return ms_json_fail(d->err, "field '%s': expected true or false, got %s", field,
                        ms_json_what(d, t));
}

/** @brief Decode an int64 field written as a JSON integer (null means 0). */
static bool ms_json_get_i64(const ms_json_doc *d, int i, const char *field, int64_t *out)
{
    const jsmntok_t *t = &d->tok[i];
    if (ms_json_is_null(d, t)) {
        *out = 0;
        return true;
    }
    const char *s = d->js + t->start;
    size_t n = (size_t)(t->end - t->start);
    char shown[MS_JSON_ERR_VALUE_MAX + 4];
    if (t->type != JSMN_PRIMITIVE || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) {
        if (t->type == JSMN_STRING) {
            ms_json_err_value(shown, s, n);
            return ms_json_fail(d->err,
                                "field '%s': not an integer (got the string \"%s\"; "
                                "send a JSON number)",
                                field, shown);
        }
        return ms_json_fail(d->err, "field '%s': not an integer (got %s)", field,
                            ms_json_what(d, t));
    }
    bool neg = s[0] == '-';
    uint64_t v = 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    for (size_t k = neg ? 1 : 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9') {
            ms_json_err_value(shown, s, n);
            return ms_json_fail(d->err, "field '%s': not an integer (got %s)", field, shown);
        }
        unsigned dig = (unsigned)(s[k] - '0');
        if (v > (limit - dig) / 10) {
            ms_json_err_value(shown, s, n);
            return ms_json_fail(d->err, "field '%s': integer out of range (got %s)",
                                field, shown);
        }
        v = v * 10 + dig;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return true;
}

/**
 * @brief Unescape an enum field's string for parsing (rolled back by the
 * caller via *mark); false with an error if it is not a string or null.
 */
static bool ms_json_get_enum_text(const ms_json_doc *d, int i, const char *field,
                                  ms_str *text, bool *is_null, size_t *mark)
{
    const jsmntok_t *t = &d->tok[i];
    *mark = d->str->len;
    *is_null = ms_json_is_null(d, t);
    if (*is_null)
        return true;
    if (t->type != JSMN_STRING)
        return ms_json_fail(d->err, "field '%s': expected a string, got %s", field,
                            ms_json_what(d, t));
    *text = ms_json_take(d, t);
    return true;
}

/** @brief Error for an unknown enum value, naming the field and the value. */
static bool ms_json_bad_enum(const ms_json_doc *d, const char *field, ms_str v)
{
    char shown[MS_JSON_ERR_VALUE_MAX + 4];
    ms_json_err_value(shown, v.ptr, v.len);
    return ms_json_fail(d->err, "field '%s': unknown value '%s'", field, shown);
}

/** @brief Decode the "platform" field (null means other). */
static bool ms_json_get_platform(const ms_json_doc *d, int i, ms_platform *out)
{
    ms_str v = {ms_json_empty, 0};
    bool is_null;
    size_t mark;
    if (!ms_json_get_enum_text(d, i, "platform", &v, &is_null, &mark))
        return false;
    bool ok = true;
    if (is_null)
        *out = MS_PLATFORM_OTHER;
    else if (!ms_platform_parse(v.ptr, v.len, out))
        ok = ms_json_bad_enum(d, "platform", v);
    d->str->len = mark;
    return ok;
}

/** @brief Decode the "kind" field (null means public_comment). */
static bool ms_json_get_kind(const ms_json_doc *d, int i, ms_kind *out)
{
    ms_str v = {ms_json_empty, 0};
    bool is_null;
    size_t mark;
    if (!ms_json_get_enum_text(d, i, "kind", &v, &is_null, &mark))
        return false;
    bool ok = true;
    if (is_null)
        *out = MS_KIND_PUBLIC_COMMENT;
    else if (!ms_kind_parse(v.ptr, v.len, out))
        ok = ms_json_bad_enum(d, "kind", v);
    d->str->len = mark;
    return ok;
}

/** @brief Decode the "author" object (null means no author). */
static bool ms_json_get_author(const ms_json_doc *d, int i, ms_author *out)
{
    const jsmntok_t *t = &d->tok[i];
    if (ms_json_is_null(d, t))
        return true;
    if (t->type != JSMN_OBJECT)
        return ms_json_fail(d->err, "field 'author': expected an object, got %s",
                            ms_json_what(d, t));
    ms_str *dst[MS_JA_COUNT] = {&out->id, &out->handle, &out->display_name};
    unsigned seen = 0;
    int j = i + 1;
    for (int k = 0; k < t->size; k++) {
        int f = ms_json_key(d, &d->tok[j], ms_json_author_fields, MS_JA_COUNT);
        int val = j + 1;
        if (f >= 0) {
            if (seen & (1u << f))
                return ms_json_fail(d->err, "field '%s': duplicate key",
                                    ms_json_author_errnames[f]);
            seen |= 1u << f;
            if (!ms_json_get_str(d, val, ms_json_author_errnames[f], dst[f]))
                return false;
        }
        j = ms_json_skip(d, val);
    }
    return true;
}

/** @brief Decode the fields of the validated top-level object into `m`. */
static bool ms_json_get_mention(const ms_json_doc *d, ms_mention *m)
{
    unsigned seen = 0;
    int j = 1;
    for (int k = 0; k < d->tok[0].size; k++) {
        int f = ms_json_key(d, &d->tok[j], ms_json_fields, MS_JF_COUNT);
        int val = j + 1;
        bool ok = true;
        if (f >= 0) {
            if (seen & (1u << f))
                return ms_json_fail(d->err, "field '%s': duplicate key", ms_json_fields[f]);
            seen |= 1u << f;
        }
        switch (f) {
        case MS_JF_ID: ok = ms_json_get_str(d, val, "id", &m->id); break;
        case MS_JF_PLATFORM: ok = ms_json_get_platform(d, val, &m->platform); break;
        case MS_JF_KIND: ok = ms_json_get_kind(d, val, &m->kind); break;
        case MS_JF_PAGE_OWNED: ok = ms_json_get_bool(d, val, "page_owned", &m->page_owned); break;
        case MS_JF_AUTHOR: ok = ms_json_get_author(d, val, &m->author); break;
        case MS_JF_TEXT: ok = ms_json_get_str(d, val, "text", &m->text); break;
        case MS_JF_CREATED_AT: ok = ms_json_get_i64(d, val, "created_at", &m->created_at_ms); break;
        case MS_JF_POST_ID: ok = ms_json_get_str(d, val, "post_id", &m->post_id); break;
        case MS_JF_PARENT_ID: ok = ms_json_get_str(d, val, "parent_id", &m->parent_id); break;
        case MS_JF_PERMALINK: ok = ms_json_get_str(d, val, "permalink", &m->permalink); break;
        case MS_JF_LANGUAGE: ok = ms_json_get_str(d, val, "language", &m->language); break;
        default: break; /* unknown field: ignored */
        }
        if (!ok)
            return false;
        j = ms_json_skip(d, val);
    }
    return true;
}

/** @brief Set every field of `m` to its default (empty views point at ""). */
static void ms_json_mention_defaults(ms_mention *m)
{
    ms_str e = {ms_json_empty, 0};
    *m = (ms_mention){
        .id = e, .platform = MS_PLATFORM_OTHER, .kind = MS_KIND_PUBLIC_COMMENT,
        .author = {e, e, e}, .text = e, .post_id = e, .parent_id = e,
        .permalink = e, .language = e,
    };
}

/** @brief Where the run of JSON whitespace that ends at js[at] starts. */
static size_t ms_json_space_before(const char *js, size_t at)
{
    while (at > 0 && (js[at - 1] == ' ' || js[at - 1] == '\t' || js[at - 1] == '\n' ||
                      js[at - 1] == '\r'))
        at--;
    return at;
}

/** @brief The key whose value is the string at js[at] ('"'), written to `key` (cut to fit);
 *  false when the string is not a value after a key. */
static bool ms_json_key_before(const char *js, size_t at, char *key, size_t keylen)
{
    size_t j = ms_json_space_before(js, at);
    if (j == 0 || js[j - 1] != ':')
        return false;
    j = ms_json_space_before(js, j - 1);
    if (j < 2 || js[j - 1] != '"')
        return false;
    size_t end = j - 1, k = end;
    for (;;) { /* the opening quote: one not escaped by an odd run of backslashes */
        if (k == 0)
            return false;
        k--;
        if (js[k] != '"')
            continue;
        size_t bs = 0;
        while (k > bs && js[k - 1 - bs] == '\\')
            bs++;
        if (bs % 2 == 0)
            break;
    }
    size_t n = end - (k + 1);
    if (n >= keylen)
        n = keylen - 1;
    /* printable ASCII only: an error message is one clean line */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)js[k + 1 + i];
        key[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    key[n] = '\0';
    return true;
}

/** @brief Describe jsmn's JSMN_ERROR_INVAL at js[at] in `err`: the bad escape and the field
 *  when it is in a string (jsmn points at the string's start), else the character. */
static void ms_json_invalid(ms_codec_error *err, const char *js, size_t len, size_t at)
{
    if (at >= len || js[at] != '"') {
        ms_json_fail(err, "byte %zu: invalid JSON (unexpected character)", at);
        return;
    }
    size_t i = at + 1, bad = at;
    while (i < len && js[i] != '"') {
        if (js[i] != '\\') {
            i++;
            continue;
        }
        char c = i + 1 < len ? js[i + 1] : '\0';
        if (c && strchr("\"\\/bfnrt", c)) {
            i += 2;
        } else if (c == 'u' && i + 5 < len && isxdigit((unsigned char)js[i + 2]) &&
                   isxdigit((unsigned char)js[i + 3]) && isxdigit((unsigned char)js[i + 4]) &&
                   isxdigit((unsigned char)js[i + 5])) {
            i += 6;
        } else {
            bad = i;
            break;
        }
    }
    char key[64];
    bool named = ms_json_key_before(js, at, key, sizeof key);
    size_t show = bad + 1 < len ? (js[bad + 1] == 'u' ? 6 : 2) : 1;
    if (bad + show > len)
        show = len - bad;
    char esc[8];
    for (size_t k = 0; k < show; k++) {
        unsigned char c = (unsigned char)js[bad + k];
        esc[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    esc[show] = '\0';
    ms_json_fail(err, "byte %zu: invalid JSON (bad escape in string: '%s'%s%s%s)", bad, esc,
                 named ? ", in field '" : "", named ? key : "", named ? "'" : "");
}

/** @brief Describe jsmn's JSMN_ERROR_PART in `err`: what was opened and not closed, and where. */
static void ms_json_truncated(ms_codec_error *err, const ms_json_decoder *d, const char *js,
                              size_t len, size_t base, const jsmn_parser *p)
{
    size_t at = base + p->pos;
    if (at < len && js[at] == '"') { /* jsmn stops at the start of an unclosed string */
        ms_json_fail(err, "truncated JSON: the string opened at byte %zu is not closed", at);
        return;
    }
    for (int i = (int)p->toknext - 1; i >= 0; i--) {
        const jsmntok_t *t = &d->tok[i];
        if (t->start >= 0 && t->end < 0) {
            ms_json_fail(err, "truncated JSON: the %s opened at byte %zu is not closed",
                         t->type == JSMN_ARRAY ? "array" : "object", base + (size_t)t->start);
            return;
        }
    }
    ms_json_fail(err, "truncated JSON (at byte %zu)", len);
}

/**
 * @brief Tokenise js[base..len) with jsmn, growing the token array; returns
 * the token count or -1. Token offsets are relative to js + base.
 */
static int ms_json_tokenise(ms_json_decoder *d, const char *js, size_t len,
                            size_t base, ms_codec_error *err)
{
    for (;;) {
        if (d->tok_cap == 0) {
            d->tok = malloc(MS_JSON_MIN_TOKENS * sizeof *d->tok);
            if (!d->tok)
                return ms_json_fail(err, "out of memory"), -1;
            d->tok_cap = MS_JSON_MIN_TOKENS;
        }
        jsmn_parser p;
        jsmn_init(&p);
        int r = jsmn_parse(&p, js + base, len - base, d->tok, d->tok_cap);
        if (r >= 0)
            return r;
        if (r == JSMN_ERROR_INVAL) {
            ms_json_invalid(err, js, len, base + p.pos);
            return -1;
        }
        if (r != JSMN_ERROR_NOMEM) {
            ms_json_truncated(err, d, js, len, base, &p);
            return -1;
        }
        if (d->tok_cap >= MS_JSON_MAX_TOKENS)
            return ms_json_fail(err, "too many JSON tokens (more than %u)",
                                MS_JSON_MAX_TOKENS),
                   -1;
        unsigned cap = d->tok_cap * 2 > MS_JSON_MAX_TOKENS ? MS_JSON_MAX_TOKENS : d->tok_cap * 2;
        jsmntok_t *t = realloc(d->tok, cap * sizeof *t);
        if (!t)
            return ms_json_fail(err, "out of memory"), -1;
        d->tok = t;
        d->tok_cap = cap;
    }
}

/** @brief Create a JSON decoder; nothing is allocated until the first decode. */
ms_json_decoder *ms_json_decoder_new(void)
{
    ms_json_decoder *d = calloc(1, sizeof *d);
    if (d)
        ms_buf_init(&d->str);
    return d;
}

/** @brief Free a JSON decoder and everything it owns. */
void ms_json_decoder_free(ms_json_decoder *d)
{
    if (!d)
        return;
    free(d->tok);
    ms_buf_free(&d->str);
    free(d);
}

/** @brief Decode one Mention from the JSON document js[0..len). */
bool ms_json_decode_mention(ms_json_decoder *dec, const char *js, size_t len,
                            ms_mention *out, ms_codec_error *err)
{
    ms_json_mention_defaults(out);
    if (len > (size_t)INT_MAX - 2)
        return ms_json_fail(err, "JSON document too large (%zu bytes)", len);
    ms_json_doc d = {.js = js, .len = len, .str = &dec->str, .err = err};
    size_t first = 0;
    if (len >= 3 && memcmp(js, "\xEF\xBB\xBF", 3) == 0)
        first = 3; /* a UTF-8 byte order mark is allowed and ignored */
    first = ms_json_skip_ws(&d, first);
    if (first >= len)
        return ms_json_fail(err, "empty input (no JSON object)");
    if (js[first] != '{')
        return ms_json_fail(err, "top level is not an object");
    const char *nul = memchr(js, '\0', len);
    if (nul)
        return ms_json_fail(err, "byte %zu: NUL byte in JSON", (size_t)(nul - js));

    /* jsmn does not know about a BOM: tokenise from the object on, then
     * shift the offsets so that they index js. */
    int ntok = ms_json_tokenise(dec, js, len, first, err);
    if (ntok < 0)
        return false;
    if (first) {
        for (int i = 0; i < ntok; i++) {
            dec->tok[i].start += (int)first;
            dec->tok[i].end += (int)first;
        }
    }
    d.tok = dec->tok;
    d.ntok = ntok;
    if (ntok < 1 || d.tok[0].type != JSMN_OBJECT)
        return ms_json_fail(err, "top level is not an object");
    int next = 0; /* set by the call on success */
    if (!ms_json_check_value(&d, 0, 0, &next))
        return false;
    size_t trail = ms_json_skip_ws(&d, (size_t)d.tok[0].end);
    if (trail < len || next != ntok)
        return ms_json_fail(err, "byte %zu: unexpected data after the top-level object",
                            trail < len ? trail : (size_t)d.tok[0].end);

    ms_buf_reset(&dec->str);
    if (!ms_buf_reserve(&dec->str, len))
        return ms_json_fail(err, "out of memory");
    return ms_json_get_mention(&d, out);
}
