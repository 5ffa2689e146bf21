/*
 * db_cache.h - compiled Hyperscan databases kept on disk, so that a restart
 * with the same rule set loads in a tenth of a second instead of compiling
 * for tens of seconds.
 *
 * A cache entry is named by the rule set's content hash (`key`) and the
 * database's role (`which`: "words", "raw", ...): DIR/KEY.WHICH.hsdb. The key
 * covers every input byte and the pattern format, so an entry is never
 * stale; a file this Hyperscan cannot load (another version, another CPU
 * feature set, a truncated write) reads as absent and the caller compiles.
 *
 * What a caller must respect:
 *   - writing is best effort: a full disk or a read-only directory costs the
 *     next start a compile, never this one's success, so nothing is reported;
 *   - a file is written under a temporary name and renamed into place, so
 *     several processes starting at once never read half of one;
 *   - an entry written with ms_db_cache_write_many must be read with
 *     ms_db_cache_read_many and the same count.
 */
#ifndef MS_DB_CACHE_H
#define MS_DB_CACHE_H

#include <hs/hs.h>
#include <stddef.h>
#include <stdint.h>

/** @brief The cache directory: `configured` if not NULL, else $MENTIONSIFT_CACHE_DIR, else
 *  ~/.cache/mentionsift (written into `buf`); NULL, no cache, when the one chosen is empty or
 *  there is no HOME. */
const char *ms_db_cache_dir(const char *configured, char *buf, size_t n);

/** @brief The database cached as `which` under `key` in `dir`, or NULL when absent or not
 *  loadable. */
hs_database_t *ms_db_cache_read(const char *dir, const char *key, const char *which);

/** @brief Cache `db` (NULL: nothing written) as `which` under `key`, creating `dir`. */
void ms_db_cache_write(const char *dir, const char *key, const char *which,
                       const hs_database_t *db);

/** @brief The `n` databases of one ms_db_cache_write_many entry (free with ms_db_cache_free_many),
 *  or NULL when it is absent, truncated, of another count or not loadable. */
hs_database_t **ms_db_cache_read_many(const char *dir, const char *key, const char *which,
                                      uint32_t n);

/** @brief Cache `n` databases in one entry (nothing written if one is NULL). */
void ms_db_cache_write_many(const char *dir, const char *key, const char *which,
                            hs_database_t *const *dbs, uint32_t n);

/** @brief Free `n` databases (NULL entries allowed) and their array; NULL-safe. */
void ms_db_cache_free_many(hs_database_t **dbs, uint32_t n);

#endif
