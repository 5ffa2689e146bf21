/*
 * test_ruleset_live.c - replacing the running rule set (ruleset_live.h):
 * generations, a replaced rule set kept alive while referenced and freed by
 * its last release (the ASan build reports a use after free or a leak),
 * threads that move to new rule sets while others are published, and an
 * engine's rule counts carried over by rule id.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules_fixture.h"

#include "core/engine.h"
#include "match/ruleset_live.h"


/* rule 1 is the same rule in both, so its count carries across moves */
static const char *const ids_a[] = {"a.zero", "shared.one"};
static const char *const ids_b[] = {"b.zero", "shared.one", "b.two"};

static void test_generations_and_lifetime(void **state)
{
    ms_ruleset *a = fixture_rules("repair", ids_a, 2), *b = fixture_rules("repair", ids_b, 3);
    char version_a[64];
    snprintf(version_a, sizeof version_a, "%s", ms_ruleset_version(a));
    ms_ruleset_live *l = ms_ruleset_live_new(a);
    assert_non_null(l);
    assert_int_equal(ms_ruleset_live_generation(l), 1);

    uint64_t gen = 0;
    const ms_ruleset *held = ms_ruleset_live_acquire(l, &gen);
    assert_ptr_equal(held, a);
    assert_int_equal(gen, 1);

    assert_int_equal(ms_ruleset_live_alive(l), 1);
    assert_int_equal(ms_ruleset_live_publish(l, b), 2);
    assert_int_equal(ms_ruleset_live_generation(l), 2);
    assert_int_equal(ms_ruleset_live_alive(l), 2);
    /* replaced but still held: still whole (ASan would see a freed one) */
    assert_string_equal(ms_ruleset_version(held), version_a);
    assert_int_equal(ms_ruleset_rule_count(held), 2);

    const ms_ruleset *now = ms_ruleset_live_acquire(l, &gen);
    assert_ptr_equal(now, b);
    assert_int_equal(gen, 2);
    ms_ruleset_live_release(l, held); /* the last reference to a: freed here */
    assert_int_equal(ms_ruleset_live_alive(l), 1);
    ms_ruleset_live_release(l, now);
    assert_int_equal(ms_ruleset_live_alive(l), 1); /* the holder keeps the current one */
    ms_ruleset_live_release(l, NULL); /* ignored */

    /* a third, published while nobody holds the second: the second goes at once */
    assert_int_equal(ms_ruleset_live_publish(l, fixture_rules("repair", ids_a, 2)), 3);
    now = ms_ruleset_live_acquire(l, NULL);
    assert_int_equal(ms_ruleset_rule_count(now), 2);
    ms_ruleset_live_release(l, now);
    ms_ruleset_live_free(l); /* frees the current one; LeakSanitizer checks the rest */
}

/* cmocka's asserts must not run off the main thread: readers count what
 * went wrong and the test asserts on the counts. */
typedef struct reader {
    ms_ruleset_live *l;
    atomic_bool *stop;
    atomic_int *running;   /* readers that have classified with their first rule set */
    uint64_t events;
    int moves;
    int wrong;       /* events whose verdict missed rule 1 */
    int failures;    /* engines that could not be built, counts that went back */
} reader;

/** @brief A worker's life: classify with the rules it holds, move between events when a new generation appears. */
static void *reader_main(void *arg)
{
    reader *r = arg;
    uint64_t gen;
    const ms_ruleset *rs = ms_ruleset_live_acquire(r->l, &gen);
    char err[256];
    ms_engine *e = ms_engine_new(rs, NULL, err, sizeof err);
    if (!e) {
        r->failures++;
        ms_ruleset_live_release(r->l, rs);
        atomic_fetch_add(r->running, 1); /* the publisher must not wait for it */
        return NULL;
    }
    ms_mention m = {.kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
                    .text = {"the word1 again", 15}};
    ms_verdict v;
    while (!atomic_load(r->stop)) {
        if (ms_ruleset_live_generation(r->l) != gen) {
            uint64_t g;
            const ms_ruleset *next = ms_ruleset_live_acquire(r->l, &g);
            ms_engine *ne = ms_engine_new(next, NULL, err, sizeof err);
            if (!ne) {
                r->failures++;
                ms_ruleset_live_release(r->l, next);
                break;
            }
            ms_engine_carry_counts(ne, e);
            ms_engine_free(e);
            ms_ruleset_live_release(r->l, rs);
            e = ne;
            rs = next;
            gen = g;
            r->moves++;
        }
        if (!ms_engine_classify(e, &m, &v)) {
            r->failures++;
            if (r->events == 0)
                atomic_fetch_add(r->running, 1);
            break;
        }
        if (r->events++ == 0)
            atomic_fetch_add(r->running, 1);
        /* whichever rule set: its rule 1 matched, with its own id */
        const ms_label *lb = &v.label[MS_CAT_REPAIR];
        bool found = false;
        for (uint32_t i = 0; ms_verdict_has(&v, MS_CAT_REPAIR) && i < lb->n_evidence; i++)
            if (lb->evidence[i].rule == 1)
                found = true;
        r->wrong += !found;
    }
    /* carried across every move: rule 1 counted every event of this reader */
    if (ms_engine_rule_counts(e)[1] != r->events)
        r->failures++;
    ms_engine_free(e);
    ms_ruleset_live_release(r->l, rs);
    return NULL;
}

static void test_threads_move_while_published(void **state)
{
    ms_ruleset_live *l = ms_ruleset_live_new(fixture_rules("repair", ids_a, 2));
    assert_non_null(l);
    atomic_bool stop = false;
    atomic_int running = 0;
    reader rd[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        rd[i] = (reader){.l = l, .stop = &stop, .running = &running};
        assert_int_equal(pthread_create(&t[i], NULL, reader_main, &rd[i]), 0);
    }
    /* publish only once every reader holds the first set, so each must move */
    while (atomic_load(&running) < 3)
        sched_yield();
    for (int k = 0; k < 20; k++) {
        ms_ruleset *next = k % 2 ? fixture_rules("repair", ids_a, 2)
                                 : fixture_rules("repair", ids_b, 3);
        assert_int_not_equal(ms_ruleset_live_publish(l, next), 0);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(rd[i].failures, 0);
        assert_int_equal(rd[i].wrong, 0);
        assert_true(rd[i].moves >= 1);
        assert_true(rd[i].events >= 1);
    }
    assert_int_equal(ms_ruleset_live_generation(l), 21);
    assert_int_equal(ms_ruleset_live_alive(l), 1); /* every replaced one freed */
    ms_ruleset_live_free(l);
}

static void test_engine_counts_carried_by_id(void **state)
{
    static const char *const before[] = {"keep.first", "dropped", "keep.second"};
    static const char *const after[] = {"keep.second", "added", "keep.first"};
    ms_ruleset *a = fixture_rules("repair", before, 3), *b = fixture_rules("repair", after, 3);
    char err[256];
    ms_engine *ea = ms_engine_new(a, NULL, err, sizeof err), *eb = ms_engine_new(b, NULL, err,
                                                                                 sizeof err);
    assert_non_null(ea);
    assert_non_null(eb);
    /* a: word0 = keep.first, word1 = dropped, word2 = keep.second */
    ms_mention m = {.kind = MS_KIND_PUBLIC_COMMENT, .text = {"word0 word1 word2 word2", 23}};
    ms_verdict v;
    assert_true(ms_engine_classify(ea, &m, &v));
    const uint64_t *ca = ms_engine_rule_counts(ea);
    assert_int_equal(ca[0], 1);
    assert_int_equal(ca[1], 1);
    assert_int_equal(ca[2], 2);
    ms_engine_carry_counts(eb, ea);
    const uint64_t *cb = ms_engine_rule_counts(eb);
    assert_int_equal(cb[0], 2); /* keep.second */
    assert_int_equal(cb[1], 0); /* added: starts at 0 */
    assert_int_equal(cb[2], 1); /* keep.first */
    ms_engine_free(ea);
    ms_engine_free(eb);
    ms_ruleset_free(a);
    ms_ruleset_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generations_and_lifetime),
        cmocka_unit_test(test_threads_move_while_published),
        cmocka_unit_test(test_engine_counts_carried_by_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
