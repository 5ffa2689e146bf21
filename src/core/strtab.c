/*
 * strtab.c - the string table of strtab.h: linear probing from the key's
 * XXH3 hash, doubled when half full so a probe stays short.
 */
#include "core/strtab.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/** @brief The slot holding s[0..n) in key[0..cap), or the empty slot where it would go. */
static uint32_t slot_of(const char *const *key, uint32_t cap, const char *s, size_t n)
{
    uint32_t j = (uint32_t)XXH3_64bits(s, n) & (cap - 1);
    while (key[j] && !(strncmp(key[j], s, n) == 0 && key[j][n] == '\0'))
        j = (j + 1) & (cap - 1);
    return j;
}

float *ms_strtab_find(const ms_strtab *t, const char *s, size_t n)
{
    if (!t->cap)
        return NULL;
    uint32_t j = slot_of(t->key, t->cap, s, n);
    return t->key[j] ? &t->value[j] : NULL;
}

bool ms_strtab_add(ms_strtab *t, const char *key, float value)
{
    if ((t->n + 1) * 2 > t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 1024;
        const char **k = calloc(cap, sizeof *k);
        float *v = calloc(cap, sizeof *v);
        if (!k || !v) {
            free(k);
            free(v);
            return false;
        }
        for (uint32_t i = 0; i < t->cap; i++)
            if (t->key[i]) {
                uint32_t j = slot_of(k, cap, t->key[i], strlen(t->key[i]));
                k[j] = t->key[i];
                v[j] = t->value[i];
            }
        free(t->key);
        free(t->value);
        t->key = k;
        t->value = v;
        t->cap = cap;
    }
    uint32_t j = slot_of(t->key, t->cap, key, strlen(key));
    t->key[j] = key;
    t->value[j] = value;
    t->n++;
    return true;
}

void ms_strtab_free(ms_strtab *t)
{
    free(t->key);
    free(t->value);
    *t = (ms_strtab){0};
}
