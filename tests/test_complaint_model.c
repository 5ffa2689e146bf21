/*
 * test_complaint_model.c - the complaint model: which terms a words view
 * has, how they are weighed, and how a bad weights file is reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "match/ruleset.h"
#include "normalise/normalise.h"
#include "rules_fixture.h"
#include "score/complaint_model.h"

typedef struct collected {
    char text[256];
    size_t len;
} collected;

static void collect(void *ctx, const char *t, size_t n)
{
    collected *c = ctx;
    assert_true(c->len + n + 1 < sizeof c->text);
    memcpy(c->text + c->len, t, n);
    c->len += n;
    c->text[c->len++] = '|';
    c->text[c->len] = '\0';
}

/* Each token, then the pair it ends; the view's boundary spaces are no terms. */
static void test_terms(void **state)
{
    (void)state;
    collected c = {0};
    const char *view = " still waiting for it ";
    ms_cmodel_each_term(view, (uint32_t)strlen(view), collect, &c);
    assert_string_equal(c.text, "still|waiting|still waiting|for|waiting for|it|for it|");
    c = (collected){0};
    ms_cmodel_each_term(" ", 1, collect, &c);
    assert_string_equal(c.text, "");
    ms_cmodel_each_term("", 0, collect, &c);
    assert_string_equal(c.text, "");
}

/* The terms the engine scores are the view's: a text normalised, not its raw bytes. */
static void test_terms_of_a_normalised_text(void **state)
{
    (void)state;
    ms_normaliser *n = ms_normaliser_new();
    assert_non_null(n);
    ms_normalised v;
    const char *text = "STILL waiting!!! Ur engineer's a no-show";
    assert_true(ms_normalise(n, text, strlen(text), &v));
    collected c = {0};
    ms_cmodel_each_term(v.view, v.len, collect, &c);
    assert_non_null(strstr(c.text, "|still waiting|"));
    assert_non_null(strstr(c.text, "|no show|"));
    ms_normaliser_free(n);
}

/* Bias plus each occurrence's weight; unknown terms weigh nothing. */
static void test_logit(void **state)
{
    (void)state;
    ms_cmodel *m = ms_cmodel_new();
    assert_non_null(m);
    const char *view = " still waiting still ";
    uint32_t len = (uint32_t)strlen(view);
    assert_float_equal(ms_cmodel_logit(m, view, len), 0.0, 1e-6);
    ms_cmodel_set_bias(m, -1.0f);
    assert_int_equal(ms_cmodel_add(m, "still", 5, 0.5f), MS_CMODEL_ADDED);
    assert_int_equal(ms_cmodel_add(m, "still waiting", 13, 2.0f), MS_CMODEL_ADDED);
    assert_int_equal(ms_cmodel_add(m, "waiting still", 13, -0.25f), MS_CMODEL_ADDED);
    assert_int_equal(ms_cmodel_add(m, "thanks", 6, -3.0f), MS_CMODEL_ADDED);
    assert_int_equal(ms_cmodel_add(m, "still", 5, 9.0f), MS_CMODEL_DUPLICATE);
    assert_int_equal(ms_cmodel_term_count(m), 4);
    /* -1 + still 0.5 + waiting 0 + "still waiting" 2 + still 0.5 + "waiting still" -0.25 */
    assert_float_equal(ms_cmodel_logit(m, view, len), 1.75, 1e-5);
    assert_float_equal(ms_cmodel_logit(m, " thanks ", 8), -4.0, 1e-5);
    ms_cmodel_free(m);
}

/* The table grows past its first size and keeps every weight. */
static void test_many_terms(void **state)
{
    (void)state;
    ms_cmodel *m = ms_cmodel_new();
    assert_non_null(m);
    char term[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(term, sizeof term, "w%d", i);
        assert_int_equal(ms_cmodel_add(m, term, (size_t)n, (float)i / 1000.0f), MS_CMODEL_ADDED);
    }
    for (int i = 0; i < 5000; i += 499) {
        char view[40];
        int n = snprintf(view, sizeof view, " w%d ", i);
        assert_float_equal(ms_cmodel_logit(m, view, (uint32_t)n), (float)i / 1000.0f, 1e-5);
    }
    ms_cmodel_free(m);
}

/** @brief A rule set of one rule whose index names `model` (a file's text) as its complaint
 *  model; returns the loaded set (NULL on errors, written to `err`). */
static ms_ruleset *load_with_model(const char *model, ms_buf *err)
{
    char dir[] = "/tmp/ms-cmodel-XXXXXX";
    assert_non_null(mkdtemp(dir));
    fixture_put(dir, "ruleset.yaml",
                "files: [r.yaml]\n"
                "complaint_model: model.tsv\n");
    fixture_put(dir, "r.yaml",
                "rules:\n"
                "  - id: complaint.cue\n"
                "    category: complaint\n"
                "    patterns: ['still waiting']\n");
    fixture_put(dir, "model.tsv", model);
    ms_ruleset_options opt = {.cache_dir = "", .check_all = true};
    ms_ruleset *rs = ms_ruleset_load(dir, &opt, err);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return rs;
}

/* Terms are normalised as list entries are, so a weights file reads naturally. */
static void test_load(void **state)
{
    (void)state;
    ms_buf err;
    ms_buf_init(&err);
    ms_ruleset *rs = load_with_model("# a comment\n(bias)\t-0.5\nStill Waiting\t1.5\nrefund\t0.25\n",
                                     &err);
    ms_buf_terminate(&err);
    if (!rs)
        fail_msg("%s", err.data);
    const struct ms_cmodel *m = ms_ruleset_complaint_model(rs);
    assert_non_null(m);
    assert_int_equal(ms_cmodel_term_count(m), 2);
    const char *view = " still waiting for a refund ";
    assert_float_equal(ms_cmodel_logit(m, view, (uint32_t)strlen(view)), 1.25, 1e-5);
    ms_ruleset_free(rs);
    ms_buf_free(&err);
}

/* Every bad line is reported with file:line, and the set does not load. */
static void test_load_errors(void **state)
{
    (void)state;
    ms_buf err;
    ms_buf_init(&err);
    ms_ruleset *rs = load_with_model("refund\t0.1\n"
                                     "late\n"                  /* 2: no weight */
                                     "still waiting for\t1\n"  /* 3: three words */
                                     "Refund\t0.5\n"           /* 4: 'refund' again */
                                     "late\tmany\n",           /* 5: not a number */
                                     &err);
    ms_buf_terminate(&err);
    assert_null(rs);
    assert_non_null(strstr(err.data, "model.tsv:2: expected 'word<TAB>weight'"));
    assert_non_null(strstr(err.data, "model.tsv:3: complaint model term 'still waiting for' must "
                                     "be one word or two"));
    assert_non_null(strstr(err.data, "model.tsv:4: complaint model term 'Refund' is given twice"));
    assert_non_null(strstr(err.data, "model.tsv:5: weight 'many' is not a number"));
    ms_buf_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms),      cmocka_unit_test(test_terms_of_a_normalised_text),
        cmocka_unit_test(test_logit),      cmocka_unit_test(test_many_terms),
        cmocka_unit_test(test_load),       cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
