/*
 * rules_fixture.h - a small real rule set for tests that need one but not
 * the default set: rule i has id ids[i] and the given category, and matches
 * the word "word<i>" (a list file of one entry). Loaded without the cache,
 * from a temp dir removed before returning. cmocka asserts on any failure.
 * fixture_put writes one file of a rule directory a test builds itself.
 */
#ifndef MS_TEST_RULES_FIXTURE_H
#define MS_TEST_RULES_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "match/ruleset.h"

/** @brief Write `text` to dir/name (cmocka asserts on failure). */
static inline void fixture_put(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static inline ms_ruleset *fixture_rules(const char *category, const char *const *ids, int n)
{
    char dir[] = "/tmp/ms-fixture-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/ruleset.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("files: [r.yaml]\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/r.yaml", dir);
    assert_non_null(f = fopen(path, "w"));
    fputs("rules:\n", f);
    for (int i = 0; i < n; i++)
        fprintf(f, "  - id: %s\n    category: %s\n    list: w%d.txt\n", ids[i], category, i);
    fclose(f);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/w%d.txt", dir, i);
        assert_non_null(f = fopen(path, "w"));
        fprintf(f, "word%d\n", i);
        fclose(f);
    }
    ms_ruleset_options opt = {.cache_dir = ""};
    ms_ruleset *rs = ms_ruleset_load(dir, &opt, NULL);
    assert_non_null(rs);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return rs;
}

#endif
