/*
 * buf.h - a growable byte buffer meant to be reused.
 *
 * Workers keep one ms_buf per output and call ms_buf_reset() per event, so
 * the buffer grows to the largest event seen and then never allocates again.
 * Appends never fail silently: on allocation failure the buffer is marked
 * `failed`, later appends are ignored, and the caller checks ms_buf_ok()
 * once after encoding.
 */
#ifndef MS_BUF_H
#define MS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ms_buf {
    char *data;
    size_t len, cap;
    bool failed;
} ms_buf;

void ms_buf_init(ms_buf *b);
void ms_buf_free(ms_buf *b);
static inline void ms_buf_reset(ms_buf *b) { b->len = 0; b->failed = false; }
static inline bool ms_buf_ok(const ms_buf *b) { return !b->failed; }

/** Make room for `extra` more bytes; false (and `failed`) on ENOMEM. */
bool ms_buf_reserve(ms_buf *b, size_t extra);
void ms_buf_append(ms_buf *b, const void *p, size_t n);
void ms_buf_putc(ms_buf *b, char c);
void ms_buf_puts(ms_buf *b, const char *s);
void ms_buf_printf(ms_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/**
 * @brief Append the whole file at `path` (at most `max` bytes; 0: no limit).
 * Returns 0, or an errno value (EFBIG when the file is longer than `max`).
 */
int ms_buf_read_file(ms_buf *b, const char *path, size_t max);

/** Appends a NUL that is not counted in len, so data is a C string. */
void ms_buf_terminate(ms_buf *b);

#endif
