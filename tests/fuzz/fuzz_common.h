/*
 * fuzz_common.h - helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * FUZZ_CHECK(cond, ...) prints what was expected and abort()s, so libFuzzer
 * reports a property violation as a crash with the input that caused it.
 *
 * The mention helpers state what the codecs promise about a round trip
 * (codec.h, json_out.c, pb_out.c):
 *   - JSON output is always valid UTF-8: each byte that is not part of a
 *     well-formed UTF-8 sequence becomes U+FFFD (fuzz_utf8_sanitise());
 *   - protobuf-c strings are NUL-terminated, so the encoder writes each NUL
 *     byte as '?', one for one, keeping offsets (fuzz_nul_as_question());
 *   - every other field comes back as it was (fuzz_mention_equal()).
 * The UTF-8 rules here are written from the Unicode standard (Table 3-7)
 * rather than copied from the codecs, so the two can disagree.
 *
 * Everything is static inline: each fuzz_*.c includes this header and uses
 * what it needs.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/mention.h"

#define FUZZ_CHECK(cond, ...)                                                        \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "\nFUZZ PROPERTY VIOLATED at %s:%d: %s\n  ", __FILE__,   \
                    __LINE__, #cond);                                                \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/** @brief Length of the well-formed UTF-8 sequence at s[0..n), 0 if none. */
static inline size_t fuzz_utf8_seq(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned char b0 = s[0];
    if (b0 <= 0x7F)
        return 1;
    /* Table 3-7: the allowed range of the second byte depends on the first. */
    unsigned char lo = 0x80, hi = 0xBF;
    size_t k;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        k = 2;
    } else if (b0 == 0xE0) {
        k = 3; lo = 0xA0;
    } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
        k = 3;
    } else if (b0 == 0xED) {
        k = 3; hi = 0x9F;
    } else if (b0 == 0xF0) {
        k = 4; lo = 0x90;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
        k = 4;
    } else if (b0 == 0xF4) {
        k = 4; hi = 0x8F;
    } else {
        return 0;
    }
    if (n < k || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return k;
}

/** @brief True if s[0..n) is entirely well-formed UTF-8. */
static inline bool fuzz_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = fuzz_utf8_seq(u + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/** A string the fuzz target owns (the expected value of a field). */
typedef struct fuzz_owned {
    char *p;
    size_t n;
} fuzz_owned;

/** @brief Each byte outside a well-formed UTF-8 sequence becomes U+FFFD. */
static inline fuzz_owned fuzz_utf8_sanitise(ms_str s)
{
    fuzz_owned o = {malloc(s.len * 3 + 1), 0};
    if (!o.p)
        abort();
    const unsigned char *u = (const unsigned char *)s.ptr;
    for (size_t i = 0; i < s.len;) {
        size_t k = fuzz_utf8_seq(u + i, s.len - i);
        if (k) {
            memcpy(o.p + o.n, u + i, k);
            o.n += k;
            i += k;
        } else {
            memcpy(o.p + o.n, "\xEF\xBF\xBD", 3);
            o.n += 3;
            i++;
        }
    }
    return o;
}

/** @brief The string with each NUL byte as '?' (what the protobuf encoder writes). */
static inline fuzz_owned fuzz_nul_as_question(ms_str s)
{
    fuzz_owned o = {malloc(s.len + 1), s.len};
    if (!o.p)
        abort();
    for (size_t i = 0; i < s.len; i++)
        o.p[i] = s.ptr[i] ? s.ptr[i] : '?';
    return o;
}

/** @brief A copy of the string. */
static inline fuzz_owned fuzz_copy(ms_str s)
{
    fuzz_owned o = {malloc(s.len + 1), s.len};
    if (!o.p)
        abort();
    if (s.len)
        memcpy(o.p, s.ptr, s.len);
    return o;
}

/** The nine strings of a mention, in a fixed order. */
#define FUZZ_N_STR 9
static inline void fuzz_mention_strs(const ms_mention *m, ms_str out[FUZZ_N_STR])
{
    out[0] = m->id;
    out[1] = m->author.id;
    out[2] = m->author.handle;
    out[3] = m->author.display_name;
    out[4] = m->text;
    out[5] = m->post_id;
    out[6] = m->parent_id;
    out[7] = m->permalink;
    out[8] = m->language;
}
static const char *const fuzz_str_names[FUZZ_N_STR] = {
    "id", "author.id", "author.handle", "author.display_name", "text",
    "post_id", "parent_id", "permalink", "language"};

/** How the expected strings are derived from the original mention. */
typedef enum fuzz_expect { FUZZ_SAME, FUZZ_SANITISED, FUZZ_NUL_AS_QUESTION } fuzz_expect;

/** @brief A view must have a pointer when it has a length. */
static inline void fuzz_check_views(const ms_mention *m, const char *what)
{
    ms_str s[FUZZ_N_STR];
    fuzz_mention_strs(m, s);
    for (int i = 0; i < FUZZ_N_STR; i++)
        FUZZ_CHECK(s[i].ptr != NULL, "%s: field %s has a NULL pointer (len %zu)", what,
                   fuzz_str_names[i], s[i].len);
    FUZZ_CHECK((unsigned)m->platform < MS_PLATFORM_COUNT, "%s: platform %d out of range",
               what, (int)m->platform);
    FUZZ_CHECK((unsigned)m->kind < MS_KIND_COUNT, "%s: kind %d out of range", what,
               (int)m->kind);
}

/**
 * @brief abort() unless `got` equals `orig` with its strings transformed as
 * `how` says. `what` names the round trip in the message.
 */
static inline void fuzz_mention_expect(const ms_mention *orig, const ms_mention *got,
                                       fuzz_expect how, const char *what)
{
    fuzz_check_views(got, what);
    FUZZ_CHECK(orig->platform == got->platform, "%s: platform %d became %d", what,
               (int)orig->platform, (int)got->platform);
    FUZZ_CHECK(orig->kind == got->kind, "%s: kind %d became %d", what, (int)orig->kind,
               (int)got->kind);
    FUZZ_CHECK(orig->page_owned == got->page_owned, "%s: page_owned %d became %d", what,
               orig->page_owned, got->page_owned);
    FUZZ_CHECK(orig->created_at_ms == got->created_at_ms,
               "%s: created_at %lld became %lld", what, (long long)orig->created_at_ms,
               (long long)got->created_at_ms);
    ms_str a[FUZZ_N_STR], b[FUZZ_N_STR];
    fuzz_mention_strs(orig, a);
    fuzz_mention_strs(got, b);
    for (int i = 0; i < FUZZ_N_STR; i++) {
        fuzz_owned want;
        switch (how) {
        case FUZZ_SANITISED: want = fuzz_utf8_sanitise(a[i]); break;
        case FUZZ_NUL_AS_QUESTION: want = fuzz_nul_as_question(a[i]); break;
        default: want = fuzz_copy(a[i]); break;
        }
        bool same = want.n == b[i].len && (want.n == 0 || memcmp(want.p, b[i].ptr, want.n) == 0);
        if (!same) {
            fprintf(stderr, "%s: field %s differs: expected %zu bytes, got %zu\n", what,
                    fuzz_str_names[i], want.n, b[i].len);
            free(want.p);
            FUZZ_CHECK(same, "%s: round trip changed field %s", what, fuzz_str_names[i]);
        }
        free(want.p);
    }
}

/**
 * @brief A failed decode must say why, in a message that is printable:
 * NUL-terminated within the buffer, non-empty, valid UTF-8, no control
 * characters (json_in.c cleans quoted values for exactly this).
 */
static inline void fuzz_check_error(const ms_codec_error *err, const char *what)
{
    size_t n = strnlen(err->msg, sizeof err->msg);
    FUZZ_CHECK(n < sizeof err->msg, "%s: error message not NUL-terminated", what);
    FUZZ_CHECK(n > 0, "%s: decode failed without an error message", what);
    FUZZ_CHECK(fuzz_utf8_valid(err->msg, n), "%s: error message is not valid UTF-8: %s",
               what, err->msg);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)err->msg[i] >= 0x20 && err->msg[i] != 0x7F,
                   "%s: control byte 0x%02x in error message at %zu", what,
                   (unsigned char)err->msg[i], i);
}

/** Decoders a round-trip check needs: one per live result. */
typedef struct fuzz_decoders {
    ms_decoder *a, *b, *c;
} fuzz_decoders;

/** @brief Create once; abort() on ENOMEM. */
static inline fuzz_decoders *fuzz_decoders_get(void)
{
    static fuzz_decoders *d;
    if (!d) {
        d = calloc(1, sizeof *d);
        if (!d || !(d->a = ms_decoder_new()) || !(d->b = ms_decoder_new()) ||
            !(d->c = ms_decoder_new()))
            abort();
    }
    return d;
}

/**
 * @brief The round-trip properties of a decoded mention `m` (whose views
 * must not point into decoder b or c):
 *   1. JSON: encode succeeds, the output is one line of valid UTF-8, it
 *      decodes (as JSON and as AUTO) to `m` with invalid UTF-8 as U+FFFD,
 *      and, when `m` is valid UTF-8, re-encoding that gives the same bytes
 *      (the encoding is canonical);
 *   2. protobuf: encode succeeds, decodes to `m` with each NUL as '?', and
 *      re-encoding that gives the same bytes.
 */
static inline void fuzz_round_trip(fuzz_decoders *d, const ms_mention *m)
{
    ms_buf e1, e2;
    ms_buf_init(&e1);
    ms_buf_init(&e2);
    ms_mention m2, m3;
    ms_codec_error err;

    /* 1. JSON */
    FUZZ_CHECK(ms_encode_mention(&e1, MS_ENC_JSON, m) && ms_buf_ok(&e1),
               "JSON encode of a decoded mention failed");
    FUZZ_CHECK(fuzz_utf8_valid(e1.data, e1.len), "JSON encoder wrote invalid UTF-8");
    FUZZ_CHECK(e1.len > 0 && e1.data[0] == '{' && e1.data[e1.len - 1] == '}',
               "JSON encoder output is not one object");
    FUZZ_CHECK(memchr(e1.data, '\n', e1.len) == NULL,
               "JSON encoder output has a raw newline (not one line)");
    bool ok = ms_decode_mention(d->b, MS_ENC_JSON, e1.data, e1.len, &m2, &err);
    FUZZ_CHECK(ok, "re-decoding our own JSON failed: %s\n  JSON: %.*s", err.msg,
               (int)(e1.len > 2000 ? 2000 : e1.len), e1.data);
    fuzz_mention_expect(m, &m2, FUZZ_SANITISED, "JSON round trip");
    FUZZ_CHECK(ms_encode_mention(&e2, MS_ENC_JSON, &m2) && ms_buf_ok(&e2),
               "JSON re-encode failed");
    /* Canonical only for valid UTF-8: an invalid byte is written as the
     * escape \ufffd, a real U+FFFD as its raw bytes; both decode alike. */
    ms_str strs[FUZZ_N_STR];
    fuzz_mention_strs(m, strs);
    bool all_valid = true;
    for (int i = 0; i < FUZZ_N_STR; i++)
        all_valid = all_valid && fuzz_utf8_valid(strs[i].ptr, strs[i].len);
    FUZZ_CHECK(!all_valid || (e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0),
               "JSON encoding is not canonical:\n  first:  %.*s\n  second: %.*s",
               (int)(e1.len > 1000 ? 1000 : e1.len), e1.data,
               (int)(e2.len > 1000 ? 1000 : e2.len), e2.data);
    ok = ms_decode_mention(d->c, MS_ENC_AUTO, e1.data, e1.len, &m3, &err);
    FUZZ_CHECK(ok, "AUTO decode of our own JSON failed: %s", err.msg);
    fuzz_mention_expect(&m2, &m3, FUZZ_SAME, "AUTO decode of our JSON");

    /* 2. protobuf (decoder b is reused: m2, m3 are dead from here on) */
    ms_buf_reset(&e1);
    ms_buf_reset(&e2);
    FUZZ_CHECK(ms_encode_mention(&e1, MS_ENC_PROTOBUF, m) && ms_buf_ok(&e1),
               "protobuf encode of a decoded mention failed");
    ok = ms_decode_mention(d->b, MS_ENC_PROTOBUF, e1.data ? e1.data : "", e1.len, &m2, &err);
    FUZZ_CHECK(ok, "re-decoding our own protobuf failed: %s", err.msg);
    fuzz_mention_expect(m, &m2, FUZZ_NUL_AS_QUESTION, "protobuf round trip");
    FUZZ_CHECK(ms_encode_mention(&e2, MS_ENC_PROTOBUF, &m2) && ms_buf_ok(&e2),
               "protobuf re-encode failed");
    FUZZ_CHECK(e1.len == e2.len && (e1.len == 0 || memcmp(e1.data, e2.data, e1.len) == 0),
               "protobuf encoding is not canonical (%zu vs %zu bytes)", e1.len, e2.len);

    ms_buf_free(&e1);
    ms_buf_free(&e2);
}

/** @brief Offset of the first byte after an optional BOM and JSON whitespace. */
static inline size_t fuzz_first_byte(const uint8_t *s, size_t len)
{
    size_t i = 0;
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        i = 3;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/**
 * @brief MS_ENC_AUTO must agree with the format it picks (decoder.c's head
 * comment): empty input fails, and so does input that is only a BOM and
 * whitespace; '{' first (after optional BOM/whitespace) is JSON, except that
 * when whitespace came before it and JSON fails, protobuf is tried;
 * anything else is protobuf. Uses decoders b and c.
 */
static inline void fuzz_check_auto(fuzz_decoders *d, const uint8_t *data, size_t size)
{
    ms_mention ma, mx;
    ms_codec_error ea, ex;
    bool auto_ok = ms_decode_mention(d->b, MS_ENC_AUTO, data, size, &ma, &ea);
    if (!auto_ok)
        fuzz_check_error(&ea, "AUTO decode");
    if (size == 0) {
        FUZZ_CHECK(!auto_ok, "AUTO decode accepted empty input");
        return;
    }
    size_t first = fuzz_first_byte(data, size);
    if (first >= size) {
        FUZZ_CHECK(!auto_ok, "AUTO decode accepted input that is only whitespace");
        return;
    }
    bool json_first = data[first] == '{';
    if (!json_first) {
        bool pb_ok = ms_decode_mention(d->c, MS_ENC_PROTOBUF, data, size, &mx, &ex);
        FUZZ_CHECK(auto_ok == pb_ok, "AUTO (%d) disagrees with protobuf (%d)", auto_ok, pb_ok);
        if (pb_ok)
            fuzz_mention_expect(&mx, &ma, FUZZ_SAME, "AUTO vs protobuf");
        return;
    }
    bool json_ok = ms_decode_mention(d->c, MS_ENC_JSON, data, size, &mx, &ex);
    if (json_ok) {
        FUZZ_CHECK(auto_ok, "AUTO failed where JSON decoded: %s", ea.msg);
        fuzz_mention_expect(&mx, &ma, FUZZ_SAME, "AUTO vs JSON");
        return;
    }
    if (first == 0) {
        FUZZ_CHECK(!auto_ok, "AUTO decoded a '{' document that JSON rejects");
        return;
    }
    bool pb_ok = ms_decode_mention(d->c, MS_ENC_PROTOBUF, data, size, &mx, &ex);
    FUZZ_CHECK(auto_ok == pb_ok, "AUTO (%d) disagrees with the protobuf fallback (%d)",
               auto_ok, pb_ok);
    if (pb_ok)
        fuzz_mention_expect(&mx, &ma, FUZZ_SAME, "AUTO vs protobuf fallback");
}

#endif
