/*
 * log.c - structured logs, one JSON object per line on stderr (see log.h).
 *
 * Each line is built in a stack buffer of MS_LOG_LINE_MAX bytes (PIPE_BUF,
 * so a line written to a pipe is never interleaved with another thread's)
 * and written with one write(2); no lock, no allocation, no stdio. A value
 * that does not fit is cut at a UTF-8 character boundary and ends in "...";
 * fields after the cut are dropped, and the line is always closed properly.
 * Strings are JSON-escaped, and bytes that are not valid UTF-8 become
 * U+FFFD, so every line is valid JSON whatever callers pass.
 *
 * The level filter is one atomic int read with relaxed ordering: it is set
 * once at start-up and a stale read only means one line more or less.
 */
#include "core/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MS_LOG_LINE_MAX 4096
/* Kept free at the end of the buffer for a cut (`..."`, `:""`) and `}\n`. */
#define MS_LOG_TAIL 16

static atomic_int ms_log_level_now = MS_LOG_INFO;

static const char *const ms_log_level_names[] = {
    [MS_LOG_DEBUG] = "debug",
    [MS_LOG_INFO] = "info",
    [MS_LOG_WARN] = "warn",
    [MS_LOG_ERROR] = "error",
};

typedef struct line {
    char buf[MS_LOG_LINE_MAX];
    size_t len;
    bool full; /* a value was cut: append nothing more but the closing brace */
} line;

void ms_log_set_level(ms_log_level level)
{
    if ((int)level < MS_LOG_DEBUG)
        level = MS_LOG_DEBUG;
    if ((int)level > MS_LOG_ERROR)
        level = MS_LOG_ERROR;
    atomic_store_explicit(&ms_log_level_now, (int)level, memory_order_relaxed);
}

bool ms_log_enabled(ms_log_level level)
{
    return (int)level >= atomic_load_explicit(&ms_log_level_now, memory_order_relaxed);
}

/** @brief Append raw bytes that are known to fit (structure, not values). */
static void raw(line *l, const char *s)
{
    size_t n = strlen(s);
    if (l->len + n > sizeof l->buf - MS_LOG_TAIL) {
        l->full = true;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

/** @brief Append bytes that MS_LOG_TAIL reserves room for. */
static void put(line *l, const char *s)
{
    size_t n = strlen(s);
    if (l->len + n <= sizeof l->buf) {
        memcpy(l->buf + l->len, s, n);
        l->len += n;
    }
}

/**
 * @brief Length of the valid UTF-8 sequence at s (of n bytes), or 0 when the
 * bytes there are not valid UTF-8 (overlong, surrogate, truncated, > U+10FFFF).
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    else if (c >= 0xC2 && c <= 0xDF)
        len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0xFFu >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/** @brief Append `s` as a JSON string (with quotes), cut with "..." if needed. */
static void str(line *l, const char *s)
{
    if (l->full)
        return;
    if (!s) {
        put(l, "null"); /* within MS_LOG_TAIL: field() left room for it */
        return;
    }
    const size_t limit = sizeof l->buf - MS_LOG_TAIL;
    if (l->len + 1 > limit) {
        l->full = true;
        return;
    }
    l->buf[l->len++] = '"';
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        char esc[8];
        const char *out = esc;
        size_t olen, step = 1;
        unsigned char c = p[i];
        switch (c) {
        case '"':
            out = "\\\"", olen = 2;
            break;
        case '\\':
            out = "\\\\", olen = 2;
            break;
        case '\n':
            out = "\\n", olen = 2;
            break;
        case '\r':
            out = "\\r", olen = 2;
            break;
        case '\t':
            out = "\\t", olen = 2;
            break;
        default:
            if (c < 0x20) {
                olen = (size_t)snprintf(esc, sizeof esc, "\\u%04x", c);
            } else if (c < 0x80) {
                esc[0] = (char)c;
                olen = 1;
            } else if ((step = utf8_len(p + i, n - i)) > 0) {
                out = (const char *)p + i;
                olen = step;
            } else {
                out = "\\ufffd", olen = 6, step = 1;
            }
        }
        if (l->len + olen + 4 > limit) { /* room for `..."` */
            memcpy(l->buf + l->len, "...", 3);
            l->len += 3;
            l->full = true;
            break;
        }
        memcpy(l->buf + l->len, out, olen);
        l->len += olen;
        i += step;
    }
    l->buf[l->len++] = '"';
}

/** @brief Append `,"key":"value"`, or nothing once the line is full. */
static void field(line *l, const char *key, const char *value)
{
    if (l->full)
        return;
    if (l->len + 8 > sizeof l->buf - MS_LOG_TAIL) { /* not even `,"":""` fits */
        l->full = true;
        return;
    }
    put(l, ",");
    str(l, key ? key : "");
    put(l, ":");
    if (l->full)
        put(l, "\"\""); /* the key was cut: keep the object valid */
    else
        str(l, value);
}

/** @brief Write the whole line to stderr, retrying on EINTR and short writes. */
static void emit(const line *l)
{
    size_t off = 0;
    while (off < l->len) {
        ssize_t n = write(STDERR_FILENO, l->buf + off, l->len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; /* nowhere left to report it */
        }
        off += (size_t)n;
    }
}

void ms_log(ms_log_level level, const char *component, const char *msg, ...)
{
    if (!ms_log_enabled(level))
        return;
    if ((int)level < MS_LOG_DEBUG || (int)level > MS_LOG_ERROR)
        level = MS_LOG_ERROR;
    int saved_errno = errno;
    line l;
    l.len = 0;
    l.full = false;

    struct timespec ts;
    struct tm tm;
    char when[48] = "1970-01-01T00:00:00.000Z";
    if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && gmtime_r(&ts.tv_sec, &tm)) {
        size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        if (n > 0)
            snprintf(when + n, sizeof when - n, ".%03ldZ", ts.tv_nsec / 1000000L);
    }
    raw(&l, "{\"ts\":\"");
    raw(&l, when);
    raw(&l, "\",\"level\":\"");
    raw(&l, ms_log_level_names[level]);
    raw(&l, "\"");
    field(&l, "component", component ? component : "");
    field(&l, "msg", msg ? msg : "");

    va_list ap;
    va_start(ap, msg);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        field(&l, k, v);
    }
    va_end(ap);

    /* MS_LOG_TAIL guarantees room for the closing brace and newline. */
    put(&l, "}\n");
    emit(&l);
    errno = saved_errno;
}

bool ms_log_budget_take(ms_log_budget *b, int64_t now_ms, uint32_t per_s, char held[24])
{
    held[0] = '\0';
    if (now_ms - b->window_ms >= 1000 || now_ms < b->window_ms) {
        b->window_ms = now_ms;
        b->lines = 0;
    }
    if (b->lines >= per_s) {
        b->suppressed++;
        return false;
    }
    b->lines++;
    if (b->suppressed) {
        snprintf(held, 24, "%" PRIu64, b->suppressed);
        b->suppressed = 0;
    }
    return true;
}
