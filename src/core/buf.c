/*
 * buf.c - growable byte buffer; see buf.h. Grows by doubling so a worker's
 * buffers reach a steady size after the first few large events.
 */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ms_buf_init(ms_buf *b) { memset(b, 0, sizeof *b); }

void ms_buf_free(ms_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

bool ms_buf_reserve(ms_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (extra <= b->cap - b->len)
        return true;
    size_t need = b->len + extra + 1; /* +1 keeps room for ms_buf_terminate */
    if (need < b->len) {
        b->failed = true;
        return false;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap - 1;
    return true;
}

void ms_buf_append(ms_buf *b, const void *p, size_t n)
{
    if (n == 0 || !ms_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void ms_buf_putc(ms_buf *b, char c)
{
    if (!ms_buf_reserve(b, 1))
        return;
    b->data[b->len++] = c;
}

void ms_buf_puts(ms_buf *b, const char *s) { ms_buf_append(b, s, strlen(s)); }

void ms_buf_printf(ms_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[128];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        ms_buf_append(b, small, (size_t)n);
        return;
    }
    if (!ms_buf_reserve(b, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ms_buf_terminate(ms_buf *b)
{
    if (ms_buf_reserve(b, 1))
        b->data[b->len] = '\0';
}

int ms_buf_read_file(ms_buf *b, const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno ? errno : EIO;
    char chunk[65536];
    size_t n, start = b->len;
    int err = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        ms_buf_append(b, chunk, n);
        if (max && b->len - start > max) {
            err = EFBIG;
            break;
        }
    }
    if (!err && ferror(f))
        err = EIO;
    fclose(f);
    if (!err && !ms_buf_ok(b))
        err = ENOMEM;
    return err;
}
