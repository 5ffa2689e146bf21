/*
 * json_write.h - the pieces every JSON writer here shares: strings escaped
 * (invalid UTF-8 as U+FFFD, so output is always valid JSON), keys, and
 * floats with four decimals, locale-free. Used by json_out.c (Classified,
 * Mention, RepeatOffender) and pb_json.c (any protobuf message), so the two
 * print the same values the same way. Inline: they sit on the JSON
 * encoder's per-field path.
 */
#ifndef MS_JSON_WRITE_H
#define MS_JSON_WRITE_H

#include <math.h>
#include <string.h>

#include "core/buf.h"
#include "core/mention.h"
#include "core/utf8.h"

/** @brief Append s[0..n) JSON-escaped (no quotes), invalid UTF-8 as \ufffd. */
static inline void ms_jo_escaped(ms_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (n == 0)
        return;
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0, i = 0;
    while (i < n) {
        unsigned c = u[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t k = ms_utf8_len(u + i, n - i);
            if (k) {
                i += k;
                continue;
            }
        }
        ms_buf_append(b, s + run, i - run);
        switch (c) {
        case '"': ms_buf_append(b, "\\\"", 2); break;
        case '\\': ms_buf_append(b, "\\\\", 2); break;
        case '\n': ms_buf_append(b, "\\n", 2); break;
        case '\r': ms_buf_append(b, "\\r", 2); break;
        case '\t': ms_buf_append(b, "\\t", 2); break;
        case '\b': ms_buf_append(b, "\\b", 2); break;
        case '\f': ms_buf_append(b, "\\f", 2); break;
        default:
            if (c < 0x20) {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                ms_buf_append(b, e, sizeof e);
            } else {
                ms_buf_append(b, "\\ufffd", 6); /* not part of valid UTF-8 */
            }
            break;
        }
        run = ++i;
    }
    ms_buf_append(b, s + run, n - run);
}

/** @brief Append a view as a JSON string. */
static inline void ms_jo_str(ms_buf *b, ms_str s)
{
    ms_buf_putc(b, '"');
    ms_jo_escaped(b, s.ptr, s.len);
    ms_buf_putc(b, '"');
}

/** @brief Append a C string (NULL as "") as a JSON string. */
static inline void ms_jo_cstr(ms_buf *b, const char *s)
{
    ms_buf_putc(b, '"');
    if (s)
        ms_jo_escaped(b, s, strlen(s));
    ms_buf_putc(b, '"');
}

/** @brief Append `key` (a literal needing no escapes) as "key": . */
static inline void ms_jo_key(ms_buf *b, const char *key)
{
    ms_buf_putc(b, '"');
    ms_buf_puts(b, key);
    ms_buf_append(b, "\":", 2);
}

/** @brief Append a float with four decimals, locale-free; NaN as 0. */
static inline void ms_jo_fixed4(ms_buf *b, float f)
{
    double x = isnan(f) ? 0.0 : f;
    if (x > 1e6)
        x = 1e6;
    if (x < -1e6)
        x = -1e6;
    long long q = llround(x * 10000.0);
    if (q < 0) {
        ms_buf_putc(b, '-');
        q = -q;
    }
    ms_buf_printf(b, "%lld.%04lld", q / 10000, q % 10000);
}

#endif
