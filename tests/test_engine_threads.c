/*
 * test_engine_threads.c - one compiled rule set shared by several threads,
 * each with its own engine: every thread must reach exactly the verdicts a
 * single thread reaches (decision, deadline, urgency, every label's score
 * and evidence spans, every redaction; VIP authors included). Run under ThreadSanitizer (MS_TSAN=ON) it also
 * shows that nothing on the hot path is shared and mutable.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/corpus.h"
#include "core/engine.h"
#include "match/ruleset.h"

#define EVENTS 3000
#define THREADS 4

/* What is compared: the decision, and a hash of every label's score,
 * evidence spans and dropped count and of every redaction. */
typedef struct result {
    uint32_t labels;
    int primary, action, priority, repair_urgency;
    int64_t respond_by_ms;
    float compound;
    bool urgent;
    uint64_t detail;
} result;

/** @brief FNV-1a over `n` bytes, continuing from `h`. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static result summarise(const ms_verdict *v)
{
    result r;
    memset(&r, 0, sizeof r); /* padding too: results are compared with memcmp */
    r.labels = v->labels;
    r.primary = v->primary;
    r.action = v->action;
    r.priority = v->priority;
    r.repair_urgency = v->repair_urgency;
    r.respond_by_ms = v->respond_by_ms;
    r.compound = v->sentiment.compound;
    r.urgent = v->urgent;
    uint64_t h = 1469598103934665603ull;
    for (int c = 0; c < MS_CAT_COUNT; c++) {
        if (!ms_verdict_has(v, (ms_category)c))
            continue;
        const ms_label *l = &v->label[c];
        h = fnv(h, &l->score, sizeof l->score);
        h = fnv(h, &l->dropped_evidence, sizeof l->dropped_evidence);
        for (uint8_t i = 0; i < l->n_evidence; i++)
            h = fnv(h, &l->evidence[i], sizeof l->evidence[i]);
    }
    for (uint8_t i = 0; i < v->n_redactions; i++) {
        uint32_t kse[3] = {(uint32_t)v->redaction[i].kind, v->redaction[i].start,
                           v->redaction[i].end};
        h = fnv(h, kse, sizeof kse);
    }
    r.detail = h;
    return r;
}

static ms_ruleset *rs;
static ms_mention mentions[EVENTS];
static ms_buf store;
static result expected[EVENTS];

typedef struct job {
    result got[EVENTS];
    bool ok;
} job;

/* How much the single-thread verdicts hold, so that agreement is shown on
 * real work and not on empty verdicts. */
typedef struct workload {
    int with_evidence, redacted, urgent, vip, with_deadline;
} workload;

static void classify_all(result *out, workload *w)
{
    char err[256];
    ms_engine *e = ms_engine_new(rs, NULL, err, sizeof err);
    assert_non_null(e);
    ms_verdict v;
    *w = (workload){0};
    for (int i = 0; i < EVENTS; i++) {
        assert_true(ms_engine_classify(e, &mentions[i], &v));
        out[i] = summarise(&v);
        bool evidence = false;
        for (int c = 0; c < MS_CAT_COUNT; c++)
            evidence |= ms_verdict_has(&v, (ms_category)c) && v.label[c].n_evidence > 0;
        w->with_evidence += evidence;
        w->redacted += v.n_redactions > 0;
        w->urgent += v.urgent;
        w->vip += ms_verdict_has(&v, MS_CAT_VIP);
        w->with_deadline += v.respond_by_ms != 0;
    }
    ms_engine_free(e);
}

static void *worker(void *arg)
{
    job *j = arg;
    char err[256];
    ms_engine *e = ms_engine_new(rs, NULL, err, sizeof err);
    j->ok = e != NULL;
    ms_verdict v;
    for (int i = 0; e && i < EVENTS; i++) {
        j->ok &= ms_engine_classify(e, &mentions[i], &v);
        j->got[i] = summarise(&v);
    }
    ms_engine_free(e);
    return NULL;
}

static void test_threads_agree(void **state)
{
    workload w;
    classify_all(expected, &w);
    /* the generator writes every category (src/core/corpus.c): most verdicts
     * carry evidence of a rule, and redactions, urgent ones, VIP authors and deadlines
     * are all among them */
    if (w.with_evidence < EVENTS / 2 || w.redacted < 10 || w.urgent < 10 || w.vip < 10 ||
        w.with_deadline < 10)
        fail_msg("the single-thread verdicts are too thin to compare: %d with evidence, %d redacted, "
                 "%d urgent, %d VIP, %d with a deadline of %d",
                 w.with_evidence, w.redacted, w.urgent, w.vip, w.with_deadline, EVENTS);
    static job jobs[THREADS];
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, worker, &jobs[t]), 0);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    for (int t = 0; t < THREADS; t++) {
        assert_true(jobs[t].ok);
        for (int i = 0; i < EVENTS; i++)
            if (memcmp(&jobs[t].got[i], &expected[i], sizeof expected[i]) != 0)
                fail_msg("thread %d, event %d: verdict differs from the single-thread one", t,
                         i);
    }
}

static int setup(void **state)
{
    const char *dir = getenv("MS_RULES_DIR");
    rs = ms_ruleset_load(dir ? dir : MS_DEFAULT_RULES_DIR, NULL, NULL);
    if (!rs)
        return -1;
    ms_corpus *c = ms_corpus_new(99, NULL);
    if (!c)
        return -1;
    ms_buf_init(&store);
    static size_t offs[EVENTS], handle_offs[EVENTS];
    for (int i = 0; i < EVENTS; i++) {
        ms_mention m;
        ms_corpus_next(c, &m);
        offs[i] = store.len;
        ms_buf_append(&store, m.text.ptr, m.text.len);
        handle_offs[i] = store.len; /* the author's handle too: the VIP path runs */
        ms_buf_append(&store, m.author.handle.ptr, m.author.handle.len);
        mentions[i] = (ms_mention){.kind = m.kind, .page_owned = m.page_owned,
                                   .created_at_ms = m.created_at_ms, .text = {NULL, m.text.len},
                                   .author = {.handle = {NULL, m.author.handle.len}}};
    }
    for (int i = 0; i < EVENTS; i++) {
        mentions[i].text.ptr = store.data + offs[i];
        mentions[i].author.handle.ptr = store.data + handle_offs[i];
    }
    ms_corpus_free(c);
    return ms_buf_ok(&store) ? 0 : -1;
}

static int teardown(void **state)
{
    ms_ruleset_free(rs);
    ms_buf_free(&store);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_threads_agree)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
