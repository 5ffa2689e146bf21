/*
 * utf8.h - the one UTF-8 validity rule every module uses, so that the
 * decoder, the encoder and the normaliser agree on what is a valid sequence
 * (no overlongs, no surrogates, nothing above U+10FFFF).
 */
#ifndef MS_UTF8_H
#define MS_UTF8_H

#include <stddef.h>

/** @brief Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid or cut. */
static inline size_t ms_utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    size_t k = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) ||
        (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return k;
}

#endif
