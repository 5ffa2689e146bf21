/*
 * strtab.h - a table of strings with a number each, for the rule loader's
 * word sets: the sentiment lexicon's valences while a rule set loads, and the
 * words a loaded rule set knows (ms_ruleset_known_word).
 *
 * Open addressing on XXH3, grown at half full. The table does not own its
 * keys: a caller adds a key that outlives the table (the rule set keeps its
 * strings) and must find it first, since adding a key twice keeps both.
 * Not thread-safe while it grows; a table that no longer changes may be read
 * by any number of threads.
 */
#ifndef MS_STRTAB_H
#define MS_STRTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ms_strtab {
    const char **key;  /* NUL-terminated; NULL: an empty slot */
    float *value;
    uint32_t cap, n;   /* cap is 0 or a power of two */
} ms_strtab;

/** @brief The value of key s[0..n), or NULL when it is not in `t`; writable, for a flag or a sum. */
float *ms_strtab_find(const ms_strtab *t, const char *s, size_t n);

/** @brief Add `key` (absent from `t`, NUL-terminated, outliving `t`) with `value`; false on
 *  ENOMEM, the table unchanged. */
bool ms_strtab_add(ms_strtab *t, const char *key, float value);

void ms_strtab_free(ms_strtab *t);

#endif
