/*
 * test_rule_examples.c - the rule authors' examples (core/rule_examples.h):
 * loaded with their file:line, checked through the whole engine, and every
 * failure reported as file:line with the rule and the text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/rule_examples.h"
#include "match/ruleset.h"
#include "rules_fixture.h"


/** @brief A rule set in a new temp dir: `rules` is the body of r.yaml. */
static char *make_rules(const char *rules)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/ms-examples-XXXXXX");
    assert_non_null(mkdtemp(dir));
    fixture_put(dir, "ruleset.yaml", "files: [r.yaml]\n");
    fixture_put(dir, "words.txt", "dang\nheck\n");
    fixture_put(dir, "r.yaml", rules);
    return dir;
}

/** @brief Load the rule set in `dir` with every example kept (no cache); fails the test with
 *  the loader's errors if it does not load. */
static ms_ruleset *load_examples(const char *dir)
{
    ms_buf err;
    ms_buf_init(&err);
    ms_ruleset_options opt = {.cache_dir = "", .check_all = true};
    ms_ruleset *rs = ms_ruleset_load(dir, &opt, &err);
    ms_buf_terminate(&err);
    if (!rs)
        fail_msg("load: %s", err.data);
    ms_buf_free(&err);
    return rs;
}

static void remove_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static const char *const good_and_bad =
    "rules:\n"
    "  - id: mild.words\n"                                     /* 2 */
    "    category: profanity\n"
    "    list: words.txt\n"
    "    examples:\n"
    "      match: [\"oh d a n g it\", \"what the HECK\"]\n"     /* 6: both hit */
    "      no_match: [\"a dangerous road\"]\n"                 /* 7: whole words only */
    "  - id: link.word\n"                                      /* 8 */
    "    category: malicious_link\n"
    "    view: raw\n"
    "    patterns: ['bit\\.ly/[a-z0-9]+']\n"
    "    examples:\n"
    "      match:\n"
    "        - \"see bit.ly/abc123 now\"\n"                    /* 14: hits */
    "        - \"nothing to see here\"\n"                      /* 15: FAILS */
    "      no_match:\n"
    "        - \"bit.ly/zz9 again\"\n"                         /* 17: FAILS */
    "  - id: both\n"                                           /* 18 */
    "    category: detrimental\n"
    "    all_of: [mild.words, link.word]\n"
    "    examples:\n"
    "      match: [\"heck, bit.ly/x1\"]\n"                     /* 22: hits */
    "      no_match: [\"heck only\"]\n"                        /* 23: does not */
    "  - id: vip.test\n"
    "    category: vip\n"
    "    view: raw\n"
    "    flags: [vip_author]\n"
    "    patterns: ['^@?cllr_']\n"
    "    examples:\n"
    "      match: [\"@cllr_smith\"]\n"                         /* 30: a handle */
    "      no_match: [\"@plain_person\"]\n";

static void test_examples_checked(void **state)
{
    (void)state;
    char *dir = make_rules(good_and_bad);
    ms_ruleset *rs = load_examples(dir);
    assert_int_equal(ms_ruleset_example_count(rs), 10);
    const ms_rule_example *x = ms_ruleset_example_at(rs, 0);
    assert_string_equal(x->text, "oh d a n g it");
    assert_true(x->should_match);
    assert_int_equal(x->line, 6);
    assert_non_null(strstr(x->file, "r.yaml"));
    assert_null(ms_ruleset_example_at(rs, 10));

    ms_buf report;
    ms_buf_init(&report);
    ms_rule_examples_result res;
    assert_true(ms_rule_examples_check(rs, &report, &res));
    ms_buf_terminate(&report);
    assert_int_equal(res.checked, 10);
    assert_int_equal(res.failed, 2);
    assert_non_null(strstr(report.data, "r.yaml:15: rule 'link.word': should match but does not: "
                                        "\"nothing to see here\""));
    assert_non_null(strstr(report.data, "r.yaml:17: rule 'link.word': should not match but does: "
                                        "\"bit.ly/zz9 again\""));
    /* nothing else failed: the words, the all_of rule and the handle rule */
    assert_null(strstr(report.data, "mild.words"));
    assert_null(strstr(report.data, "'both'"));
    assert_null(strstr(report.data, "vip.test"));
    ms_buf_free(&report);
    ms_ruleset_free(rs);
    remove_dir(dir);
}

/* A rule set of several files: the examples of every file are loaded and
 * checked, each with its own file's name and line, and the bundled rule
 * set's thousands of examples are therefore all counted. */
static void test_examples_from_every_file(void **state)
{
    (void)state;
    char *dir = make_rules("rules:\n"
                           "  - id: a.one\n"
                           "    category: profanity\n"
                           "    patterns: ['dang']\n"
                           "    examples: {match: [\"oh dang\"], no_match: [\"danger\"]}\n");
    fixture_put(dir, "ruleset.yaml", "files: [r.yaml, s.yaml]\n");
    fixture_put(dir, "s.yaml",
                "rules:\n"
                "  - id: b.two\n"
                "    category: advertising\n"
                "    patterns: ['buy now']\n"
                "    examples:\n"
                "      match: [\"buy now cheap\", \"BUY NOW\"]\n" /* 6 */
                "      no_match: [\"buy it now\"]\n");
    ms_ruleset *rs = load_examples(dir);
    assert_int_equal(ms_ruleset_example_count(rs), 5);
    const ms_rule_example *x = ms_ruleset_example_at(rs, 3);
    assert_non_null(x);
    assert_non_null(strstr(x->file, "s.yaml"));
    assert_int_equal(x->line, 6);
    ms_buf report;
    ms_buf_init(&report);
    ms_rule_examples_result res;
    assert_true(ms_rule_examples_check(rs, &report, &res));
    assert_int_equal(res.checked, 5);
    assert_int_equal(res.failed, 0);
    ms_buf_free(&report);
    ms_ruleset_free(rs);
    remove_dir(dir);
}

static void test_example_errors(void **state)
{
    (void)state;
    char *dir = make_rules("rules:\n"
                           "  - id: a\n"
                           "    category: profanity\n"
                           "    list: words.txt\n"
                           "    examples: [\"not a mapping\"]\n"            /* 5 */
                           "  - id: b\n"
                           "    category: profanity\n"
                           "    list: words.txt\n"
                           "    examples:\n"
                           "      matches: [\"typo in the key\"]\n"         /* 10 */
                           "  - id: c\n"
                           "    category: profanity\n"
                           "    list: words.txt\n"
                           "    examples:\n"
                           "      match: \"a text, not a list\"\n"          /* 15 */
                           "      no_match: [\"\"]\n");                      /* 16 */
    ms_buf err;
    ms_buf_init(&err);
    ms_ruleset_options opt = {.cache_dir = "", .check_all = true};
    ms_ruleset *rs = ms_ruleset_load(dir, &opt, &err);
    ms_buf_terminate(&err);
    assert_null(rs);
    assert_non_null(strstr(err.data, "r.yaml:5: rule 'a': examples must be a mapping"));
    assert_non_null(strstr(err.data, "r.yaml:10: unknown key 'matches'"));
    assert_non_null(strstr(err.data, "r.yaml:15: rule 'c': examples match: must be a list"));
    assert_non_null(strstr(err.data, "r.yaml:16: rule 'c': an example must be a non-empty text"));
    ms_buf_free(&err);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_checked),
        cmocka_unit_test(test_examples_from_every_file),
        cmocka_unit_test(test_example_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
