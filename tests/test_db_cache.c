/*
 * test_db_cache.c - the on-disk cache of compiled Hyperscan databases
 * (src/match/db_cache.h) and the rule loader's use of it: an entry written is
 * read back as a database that matches the same; an absent, truncated or
 * foreign entry reads as absent (the caller then compiles); the cache
 * directory is created on the first write; a rule set loaded twice comes
 * from the cache the second time with the same version, and a damaged
 * cache makes it compile again instead of failing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "match/db_cache.h"
#include "rules_fixture.h"

/** @brief A block-mode database of one literal pattern, id 7. */
static hs_database_t *compile_literal(const char *lit)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    assert_int_equal(hs_compile(lit, HS_FLAG_SINGLEMATCH, HS_MODE_BLOCK, NULL, &db, &ce),
                     HS_SUCCESS);
    return db;
}

static int count_match(unsigned id, unsigned long long from, unsigned long long to,
                       unsigned flags, void *ctx)
{
    (void)from, (void)to, (void)flags;
    *(unsigned *)ctx += id + 1;
    return 0;
}

/** @brief Whether `db` matches `text`. */
static bool matches(const hs_database_t *db, const char *text)
{
    hs_scratch_t *s = NULL;
    assert_int_equal(hs_alloc_scratch(db, &s), HS_SUCCESS);
    unsigned hits = 0;
    assert_int_equal(hs_scan(db, text, (unsigned)strlen(text), 0, s, count_match, &hits),
                     HS_SUCCESS);
    hs_free_scratch(s);
    return hits > 0;
}

/** @brief Overwrite dir/KEY.WHICH.hsdb with its first `keep` bytes. */
static void truncate_entry(const char *dir, const char *key, const char *which, off_t keep)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.%s.hsdb", dir, key, which);
    assert_int_equal(truncate(path, keep), 0);
}

/** @brief Overwrite the platform field of a cached entry's serialised header (bytes 12..19, after
 *  magic, version and length: hs_serialize_database's layout) with a CPU no host has. */
static void make_entry_foreign(const char *dir, const char *key, const char *which)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.%s.hsdb", dir, key, which);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    const uint64_t alien = ~0ull;
    assert_int_equal(fseek(f, 12, SEEK_SET), 0);
    assert_int_equal(fwrite(&alien, sizeof alien, 1, f), 1);
    assert_int_equal(fclose(f), 0);
}

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_one_database_round_trip(void **state)
{
    (void)state;
    char top[] = "/tmp/ms-dbcache-XXXXXX";
    assert_non_null(mkdtemp(top));
    char dir[256];
    snprintf(dir, sizeof dir, "%s/a/b", top); /* not there yet: the write creates it */
    hs_database_t *db = compile_literal("flumpgrizzle");
    assert_null(ms_db_cache_read(dir, "k1", "words"));
    ms_db_cache_write(dir, "k1", "words", db);
    hs_database_t *back = ms_db_cache_read(dir, "k1", "words");
    assert_non_null(back);
    assert_true(matches(back, "what a flumpgrizzle"));
    assert_false(matches(back, "what a lovely day"));
    hs_free_database(back);
    /* another key or role is another entry */
    assert_null(ms_db_cache_read(dir, "k2", "words"));
    assert_null(ms_db_cache_read(dir, "k1", "raw"));
    /* an entry for another CPU (a cache volume moved between hosts) reads as absent */
    ms_db_cache_write(dir, "k3", "words", db);
    assert_non_null(back = ms_db_cache_read(dir, "k3", "words"));
    hs_free_database(back);
    make_entry_foreign(dir, "k3", "words");
    assert_null(ms_db_cache_read(dir, "k3", "words"));
    /* a truncated or empty entry reads as absent */
    truncate_entry(dir, "k1", "words", 40);
    assert_null(ms_db_cache_read(dir, "k1", "words"));
    truncate_entry(dir, "k1", "words", 0);
    assert_null(ms_db_cache_read(dir, "k1", "words"));
    /* no temporary file is left behind */
    char cmd[400];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", dir);
    assert_int_not_equal(system(cmd), 0);
    hs_free_database(db);
    rm_rf(top);
}

static void test_many_databases_round_trip(void **state)
{
    (void)state;
    char dir[] = "/tmp/ms-dbcache-XXXXXX";
    assert_non_null(mkdtemp(dir));
    hs_database_t *dbs[3] = {compile_literal("alpha"), compile_literal("bravo"),
                             compile_literal("charlie")};
    ms_db_cache_write_many(dir, "k", "som", dbs, 3);
    hs_database_t **back = ms_db_cache_read_many(dir, "k", "som", 3);
    assert_non_null(back);
    assert_true(matches(back[0], "alpha") && !matches(back[0], "bravo"));
    assert_true(matches(back[1], "bravo") && !matches(back[1], "charlie"));
    assert_true(matches(back[2], "charlie") && !matches(back[2], "alpha"));
    ms_db_cache_free_many(back, 3);
    /* the count is part of the entry: asking for another reads as absent */
    assert_null(ms_db_cache_read_many(dir, "k", "som", 2));
    assert_null(ms_db_cache_read_many(dir, "k", "som", 4));
    /* so is a truncated one */
    truncate_entry(dir, "k", "som", 100);
    assert_null(ms_db_cache_read_many(dir, "k", "som", 3));
    /* one database missing: nothing is written */
    hs_database_t *gap[2] = {dbs[0], NULL};
    ms_db_cache_write_many(dir, "k", "gap", gap, 2);
    assert_null(ms_db_cache_read_many(dir, "k", "gap", 2));
    for (int i = 0; i < 3; i++)
        hs_free_database(dbs[i]);
    rm_rf(dir);
}

static void test_cache_dir_choice(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(ms_db_cache_dir("/x/y", buf, sizeof buf), "/x/y");
    assert_null(ms_db_cache_dir("", buf, sizeof buf)); /* "" turns the cache off */
    char *saved = getenv("MENTIONSIFT_CACHE_DIR") ? strdup(getenv("MENTIONSIFT_CACHE_DIR")) : NULL;
    setenv("MENTIONSIFT_CACHE_DIR", "/from/env", 1);
    assert_string_equal(ms_db_cache_dir(NULL, buf, sizeof buf), "/from/env");
    setenv("MENTIONSIFT_CACHE_DIR", "", 1);
    assert_null(ms_db_cache_dir(NULL, buf, sizeof buf));
    unsetenv("MENTIONSIFT_CACHE_DIR");
    setenv("HOME", "/home/someone", 1);
    assert_string_equal(ms_db_cache_dir(NULL, buf, sizeof buf), "/home/someone/.cache/mentionsift");
    if (saved) {
        setenv("MENTIONSIFT_CACHE_DIR", saved, 1);
        free(saved);
    }
}

/** @brief Write a one-rule set into `dir`. */
static void one_rule_set(const char *dir)
{
    fixture_put(dir, "ruleset.yaml", "files: [r.yaml]\n");
    fixture_put(dir, "r.yaml",
                "rules:\n  - id: profanity.test\n    category: profanity\n    list: w.txt\n");
    fixture_put(dir, "w.txt", "flumpgrizzle\n");
}

/** @brief Load the rule set in `dir` with `opt`, asserting it loads and whether it came from the
 *  cache. */
static ms_ruleset *load_expecting(const char *dir, const ms_ruleset_options *opt, bool cached)
{
    ms_ruleset *rs = ms_ruleset_load(dir, opt, NULL);
    assert_non_null(rs);
    if (ms_ruleset_stats_get(rs)->from_cache != cached)
        fail_msg("rule set %s: from_cache is %d, expected %d", dir,
                 ms_ruleset_stats_get(rs)->from_cache, cached);
    return rs;
}

static void test_rule_set_loads_from_cache(void **state)
{
    (void)state;
    char rules[] = "/tmp/ms-dbcache-rules-XXXXXX", cache[] = "/tmp/ms-dbcache-XXXXXX";
    assert_non_null(mkdtemp(rules));
    assert_non_null(mkdtemp(cache));
    one_rule_set(rules);
    ms_ruleset_options opt = {.cache_dir = cache};
    ms_ruleset *first = load_expecting(rules, &opt, false);
    ms_ruleset *second = load_expecting(rules, &opt, true);
    assert_string_equal(ms_ruleset_version(first), ms_ruleset_version(second));
    assert_int_equal(ms_ruleset_stats_get(first)->words_db_bytes,
                     ms_ruleset_stats_get(second)->words_db_bytes);
    /* a damaged entry is compiled again, not a failure */
    char cmd[300]; /* the entry's key hashes the generated patterns too: every words entry */
    snprintf(cmd, sizeof cmd, "truncate -s 16 %s/*.words.hsdb", cache);
    assert_int_equal(system(cmd), 0);
    ms_ruleset *third = load_expecting(rules, &opt, false);
    /* and the compile wrote it again */
    ms_ruleset *fourth = load_expecting(rules, &opt, true);
    /* a changed list is another rule set: another version, compiled */
    fixture_put(rules, "w.txt", "flumpgrizzle\nsnorkelwump\n");
    ms_ruleset *changed = load_expecting(rules, &opt, false);
    assert_string_not_equal(ms_ruleset_version(first), ms_ruleset_version(changed));
    ms_ruleset *all[] = {first, second, third, fourth, changed};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        ms_ruleset_free(all[i]);
    rm_rf(rules);
    rm_rf(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_database_round_trip),
        cmocka_unit_test(test_many_databases_round_trip),
        cmocka_unit_test(test_cache_dir_choice),
        cmocka_unit_test(test_rule_set_loads_from_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
