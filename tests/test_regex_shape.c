/*
 * test_regex_shape.c - src/match/regex_shape.c: the gate byte a raw regex
 * cannot match without, the trimmed detector, one-width and start-anchored
 * regexes, and the safe answer for every regex the small parser gives up on.
 *
 * The detector's promise (it fires wherever the exact regex ends a match) is
 * checked with Hyperscan itself: both are compiled and their match ends
 * compared over texts written to hit and miss each one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hs/hs.h>

#include "match/regex_shape.h"

static void test_gate_needs_a_digit(void **state)
{
    (void)state;
    assert_int_equal(ms_regex_gate_of("\\d{5}"), MS_GATE_DIGIT);
    assert_int_equal(ms_regex_gate_of("flat [0-9]+"), MS_GATE_DIGIT);
    assert_int_equal(ms_regex_gate_of("[1-9][0-9]? bed"), MS_GATE_DIGIT);
    assert_int_equal(ms_regex_gate_of("x?\\d"), MS_GATE_DIGIT); /* x may be skipped, \d not */
    assert_int_equal(ms_regex_gate_of("ws1 4"), MS_GATE_DIGIT);
}

static void test_gate_needs_an_at(void **state)
{
    (void)state;
    assert_int_equal(ms_regex_gate_of("[a-z]+@[a-z]+"), MS_GATE_AT);
    assert_int_equal(ms_regex_gate_of("mail\\x40home"), MS_GATE_AT);
    /* a digit outranks an '@': the digit database is the one scanned less */
    assert_int_equal(ms_regex_gate_of("@\\d+"), MS_GATE_DIGIT);
}

static void test_no_gate_when_it_can_be_skipped(void **state)
{
    (void)state;
    const char *none[] = {
        "\\d?x",        /* optional digit */
        "\\d*x",
        "[0-9]{0,3}x",
        "[^0-9]x",      /* a negated class */
        "[0-9a]x",      /* a class with a letter */
        "(?:a|\\d)x",   /* a group is not looked into */
        "a|\\d",        /* a top-level alternation: not reasoned about */
        "(?i)\\d",      /* an inline option */
        "\\Q1\\E",      /* quoted text */
        "[0-9",         /* malformed */
        "plain words",
        "@?x",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        if (ms_regex_gate_of(none[i]) != MS_GATES)
            fail_msg("'%s' was given a gate", none[i]);
    }
}

static void test_detector_trims_the_head(void **state)
{
    (void)state;
    const struct {
        const char *re, *want;
    } cases[] = {
        {"\\b[a-z0-9._%+-]+@[a-z]+\\.com", "[a-z0-9._%+-]@[a-z]+\\.com"},
        {"\\d{3,}x y", "\\d{3}x y"},
        {"a?b c", "b c"},
        {"\\s*\\bfoo bar", "foo bar"},
        {"[a-z]{2,5}\\d\\d", "[a-z]{2}\\d\\d"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *d = ms_regex_relaxed_detector(cases[i].re);
        if (!d)
            fail_msg("no detector for '%s'", cases[i].re);
        if (strcmp(d, cases[i].want) != 0)
            fail_msg("detector of '%s' is '%s', want '%s'", cases[i].re, d, cases[i].want);
        free(d);
    }
}

static void test_no_detector_when_nothing_to_trim(void **state)
{
    (void)state;
    assert_null(ms_regex_relaxed_detector("abc"));       /* its head is a plain atom */
    assert_null(ms_regex_relaxed_detector("\\b\\d+"));   /* two items: at least two are kept */
    assert_null(ms_regex_relaxed_detector("x+|y+z"));    /* a top-level alternation */
    assert_null(ms_regex_relaxed_detector("(?x) a+ b"));  /* an inline option */
    /* a brace that is no repeat is literal text (found by fuzz_regex_shape) */
    assert_null(ms_regex_relaxed_detector("a{2666666,2,}+bc"));
    assert_null(ms_regex_relaxed_detector("a{,3}bc"));
}

static void test_repeated_group_head_is_kept_once(void **state)
{
    (void)state;
    char *d = ms_regex_relaxed_detector("(?:\\s)+ab");
    assert_non_null(d);
    assert_string_equal(d, "(?:\\s)ab");
    free(d);
}

/** @brief Hyperscan callback: set the bit of the match's end offset. */
static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)id, (void)from, (void)flags;
    *(uint64_t *)ctx |= 1ull << to;
    return 0;
}

/** @brief Every end offset of a match of `re` over `text` (under 64 bytes), a bit per offset. */
static uint64_t match_ends(const char *re, const char *text)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    if (hs_compile(re, HS_FLAG_CASELESS, HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS)
        fail_msg("Hyperscan refused '%s': %s", re, ce ? ce->message : "?");
    hs_scratch_t *scratch = NULL;
    assert_int_equal(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
    uint64_t ends = 0;
    assert_true(strlen(text) < 64);
    assert_int_equal(hs_scan(db, text, (unsigned)strlen(text), 0, scratch, on_match, &ends),
                     HS_SUCCESS);
    hs_free_scratch(scratch);
    hs_free_database(db);
    return ends;
}

/* The detector may fire where the exact regex does not, never the reverse. */
static void test_detector_fires_wherever_the_regex_ends(void **state)
{
    (void)state;
    const struct {
        const char *re;
        const char *texts[4];
    } cases[] = {
        {"\\b[a-z0-9._%+-]+@[a-z]+\\.com",
         {"mail jo.bloggs@example.com now", "x@y.com", "no email here", "a@@b.com"}},
        {"\\d{3,}x y", {"call 12345x y", "12x y", "999x y999x y", "x y"}},
        {"\\s*\\bflat \\d+", {"my flat 12", "myflat 12", "flat 3 and flat 44", ""}},
        {"[a-z]{2,5}\\d\\d", {"ws14", "abcdefg12", "a12", "xx1"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *d = ms_regex_relaxed_detector(cases[i].re);
        assert_non_null(d);
        for (size_t t = 0; t < 4; t++) {
            uint64_t exact = match_ends(cases[i].re, cases[i].texts[t]);
            uint64_t loose = match_ends(d, cases[i].texts[t]);
            if ((exact & ~loose) != 0)
                fail_msg("detector '%s' misses a match of '%s' in '%s'", d, cases[i].re,
                         cases[i].texts[t]);
        }
        free(d);
    }
}

static void test_anchored_at_start(void **state)
{
    (void)state;
    assert_true(ms_regex_anchored_at_start("^hello"));
    assert_true(ms_regex_anchored_at_start("^[0-9]+ stars"));
    assert_false(ms_regex_anchored_at_start("^?hello"));    /* the anchor is optional */
    assert_false(ms_regex_anchored_at_start("a^"));
    assert_false(ms_regex_anchored_at_start("(?:^a|b)"));   /* inside a group */
    assert_false(ms_regex_anchored_at_start("^a|b"));       /* b is not anchored */
    assert_false(ms_regex_anchored_at_start(""));
}

static void test_fixed_width(void **state)
{
    (void)state;
    assert_int_equal(ms_regex_fixed_width("abc"), 3);
    assert_int_equal(ms_regex_fixed_width("a[bc]d"), 3);
    assert_int_equal(ms_regex_fixed_width("a{2}"), 2);
    assert_int_equal(ms_regex_fixed_width("(?:cat|dog)"), 3);
    assert_int_equal(ms_regex_fixed_width("\\*x"), 2);       /* an escaped star is a byte */
    assert_int_equal(ms_regex_fixed_width("(?:cat|horse)"), 0);
    assert_int_equal(ms_regex_fixed_width("a{1,2}"), 0);
    assert_int_equal(ms_regex_fixed_width("ab?c"), 0);
    assert_int_equal(ms_regex_fixed_width("a+"), 0);
    assert_int_equal(ms_regex_fixed_width("[unclosed"), 0);  /* refused: its compile reports it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gate_needs_a_digit),
        cmocka_unit_test(test_gate_needs_an_at),
        cmocka_unit_test(test_no_gate_when_it_can_be_skipped),
        cmocka_unit_test(test_detector_trims_the_head),
        cmocka_unit_test(test_no_detector_when_nothing_to_trim),
        cmocka_unit_test(test_repeated_group_head_is_kept_once),
        cmocka_unit_test(test_detector_fires_wherever_the_regex_ends),
        cmocka_unit_test(test_anchored_at_start),
        cmocka_unit_test(test_fixed_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
