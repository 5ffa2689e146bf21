/*
 * db_cache.c - Hyperscan databases serialised to disk under the rule set's
 * content hash (see db_cache.h for what a caller may rely on).
 *
 * One database is stored as hs_serialize_database's bytes; several (the
 * per-pattern start-of-match databases) as a u64 length before each. Every
 * file goes through one writer: mkdir -p, a temporary file named by the pid,
 * rename into place.
 */
#include "match/db_cache.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"

const char *ms_db_cache_dir(const char *configured, char *buf, size_t n)
{
    if (configured)
        return configured[0] ? configured : NULL;
    const char *env = getenv("MENTIONSIFT_CACHE_DIR");
    if (env)
        return env[0] ? env : NULL;
    const char *home = getenv("HOME");
    if (!home)
        return NULL;
    snprintf(buf, n, "%s/.cache/mentionsift", home);
    return buf;
}

/** @brief DIR/KEY.WHICH.hsdb into `path`; false if it does not fit. */
static bool entry_path(char *path, size_t n, const char *dir, const char *key, const char *which)
{
    int w = snprintf(path, n, "%s/%s.%s.hsdb", dir, key, which);
    return w >= 0 && (size_t)w < n;
}

/** @brief Read entry `which` of `key` into `b`; false (b freed) if absent. */
static bool entry_read(const char *dir, const char *key, const char *which, ms_buf *b)
{
    char path[PATH_MAX];
    ms_buf_init(b);
    if (!entry_path(path, sizeof path, dir, key, which) || ms_buf_read_file(b, path, 0) != 0 ||
        !ms_buf_ok(b)) {
        ms_buf_free(b);
        return false;
    }
    return true;
}

/** @brief Write `len` bytes as entry `which` of `key`, creating `dir` one level at a time;
 *  through a temporary file renamed into place. Failures leave no file. */
static void entry_write(const char *dir, const char *key, const char *which, const void *data,
                        size_t len)
{
    char d[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 16];
    if (snprintf(d, sizeof d, "%s", dir) >= (int)sizeof d ||
        !entry_path(path, sizeof path, dir, key, which))
        return;
    for (char *p = d + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(d, 0755);
            *p = '/';
        }
    mkdir(d, 0755);
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return;
    bool ok = fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    /* rename is atomic: concurrent starters never read half a file */
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}

hs_database_t *ms_db_cache_read(const char *dir, const char *key, const char *which)
{
    ms_buf b;
    if (!entry_read(dir, key, which, &b))
        return NULL;
    hs_database_t *db = NULL;
    if (!b.len || hs_deserialize_database(b.data, b.len, &db) != HS_SUCCESS)
        db = NULL; /* stale or foreign: recompile */
    ms_buf_free(&b);
    return db;
}

void ms_db_cache_write(const char *dir, const char *key, const char *which,
                       const hs_database_t *db)
{
    char *bytes = NULL;
    size_t len = 0;
    if (!db || hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return;
    entry_write(dir, key, which, bytes, len);
    free(bytes);
}

void ms_db_cache_write_many(const char *dir, const char *key, const char *which,
                            hs_database_t *const *dbs, uint32_t n)
{
    ms_buf b;
    ms_buf_init(&b);
    for (uint32_t i = 0; i < n; i++) {
        char *bytes = NULL;
        size_t len = 0;
        if (!dbs[i] || hs_serialize_database(dbs[i], &bytes, &len) != HS_SUCCESS) {
            ms_buf_free(&b);
            return;
        }
        uint64_t l = len;
        ms_buf_append(&b, &l, sizeof l);
        ms_buf_append(&b, bytes, len);
        free(bytes);
    }
    if (ms_buf_ok(&b) && b.len)
        entry_write(dir, key, which, b.data, b.len);
    ms_buf_free(&b);
}

hs_database_t **ms_db_cache_read_many(const char *dir, const char *key, const char *which,
                                      uint32_t n)
{
    ms_buf b;
    if (!entry_read(dir, key, which, &b))
        return NULL;
    hs_database_t **dbs = calloc(n ? n : 1, sizeof *dbs);
    size_t off = 0;
    bool ok = dbs != NULL;
    for (uint32_t i = 0; ok && i < n; i++) {
        uint64_t l;
        if (off + sizeof l > b.len) {
            ok = false;
            break;
        }
        memcpy(&l, b.data + off, sizeof l);
        off += sizeof l;
        if (l > b.len - off ||
            hs_deserialize_database(b.data + off, (size_t)l, &dbs[i]) != HS_SUCCESS)
            ok = false;
        off += (size_t)l;
    }
    size_t total = b.len;
    ms_buf_free(&b);
    if (!ok || off != total) {
        ms_db_cache_free_many(dbs, n);
        return NULL;
    }
    return dbs;
}

void ms_db_cache_free_many(hs_database_t **dbs, uint32_t n)
{
    for (uint32_t i = 0; dbs && i < n; i++)
        hs_free_database(dbs[i]);
    free(dbs);
}
