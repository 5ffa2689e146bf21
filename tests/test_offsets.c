/*
 * test_offsets.c - the at-least-once commit rule (src/kafka/offsets.h):
 * an input offset becomes committable only when its outputs and those of
 * every earlier offset of its partition are acknowledged; a failure stops
 * the commit position until the rewind; a re-assigned partition with
 * pendings left over is rewound, never committed past them; two failures
 * rewind to the older; the pool recycles its slots; the same partition
 * number on two topics is two partitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/clock.h"
#include "kafka/offsets.h"

static int completed;

static void on_done(void *ctx, const ms_pending *p)
{
    (void)ctx;
    (void)p;
    completed++;
}

/* consume offset `off` with `outputs` outputs; the begin guard is dropped
 * as the worker does once every output is produced */
static ms_pending *consume(ms_offsets *o, ms_ptrack *pt, int64_t off, unsigned outputs)
{
    ms_pending *p = ms_offsets_begin(o, pt, off, 0);
    assert_non_null(p);
    p->outstanding += outputs;
    ms_offsets_ack(o, p, true);
    return p;
}

static void test_commit_waits_for_earlier_offsets(void **state)
{
    (void)state;
    ms_offsets *o = ms_offsets_new(16);
    ms_ptrack *pt = ms_offsets_partition(o, "in", 0);
    ms_pending *a = consume(o, pt, 10, 1), *b = consume(o, pt, 11, 2);
    completed = 0;
    ms_offsets_ack(o, b, true);
    ms_offsets_ack(o, b, true);
    ms_offsets_advance(o, on_done, NULL);
    assert_int_equal(pt->commit_next, -1); /* 10 is still out */
    ms_offsets_ack(o, a, true);
    ms_offsets_advance(o, on_done, NULL);
    assert_int_equal(pt->commit_next, 12);
    assert_true(pt->dirty);
    assert_int_equal(completed, 2);
    assert_int_equal(ms_offsets_in_flight(o), 0);
    ms_offsets_free(o);
}

/** @brief Events first, first+1, first+2 on pt, the middle one's output failed. */
static void fail_the_middle(ms_offsets *o, ms_ptrack *pt, int64_t first)
{
    ms_pending *a = consume(o, pt, first, 1), *b = consume(o, pt, first + 1, 1),
               *c = consume(o, pt, first + 2, 1);
    ms_offsets_ack(o, a, true);
    ms_offsets_ack(o, b, false);
    ms_offsets_ack(o, c, true);
    ms_offsets_advance(o, NULL, NULL);
}

static void test_failure_stops_commit_until_rewind(void **state)
{
    (void)state;
    ms_offsets *o = ms_offsets_new(16);
    ms_ptrack *pt = ms_offsets_partition(o, "in", 0);
    fail_the_middle(o, pt, 5);
    assert_int_equal(pt->commit_next, 6); /* 5 done, 6 failed: not past it */
    assert_true(pt->rewinding);
    assert_int_equal(pt->rewind_to, 6);
    uint32_t resets = pt->resets;
    ms_offsets_reset_partition(o, pt); /* the worker seeks to 6 */
    assert_false(pt->rewinding);
    assert_int_equal(ms_offsets_in_flight(o), 0);
    /* a message held across the seek (read before it) is told apart by this */
    assert_int_equal(pt->resets, resets + 1);
    ms_offsets_free(o);
}

/* A rewind that waits (paced retries) frees its settled pendings for the
 * other partitions but stays rewinding: nothing is committed past the
 * failure, and the later seek still resets it. */
static void test_release_held_keeps_rewinding(void **state)
{
    (void)state;
    ms_offsets *o = ms_offsets_new(4);
    ms_ptrack *pt = ms_offsets_partition(o, "in", 1);
    fail_the_middle(o, pt, 10);
    assert_int_equal(pt->commit_next, 11);
    assert_int_equal(ms_offsets_in_flight(o), 2);
    uint32_t resets = pt->resets;
    ms_offsets_release_held(o, pt);
    assert_int_equal(ms_offsets_in_flight(o), 0);
    assert_true(pt->rewinding);
    assert_int_equal(pt->rewind_to, 11);
    assert_int_equal(pt->resets, resets); /* no seek yet */
    /* the pool's room is usable by another partition meanwhile */
    ms_ptrack *other = ms_offsets_partition(o, "in", 2);
    for (int i = 0; i < 4; i++)
        assert_non_null(ms_offsets_begin(o, other, 100 + i, 0));
    assert_null(ms_offsets_begin(o, other, 104, 0));
    ms_offsets_advance(o, NULL, NULL);
    assert_int_equal(pt->commit_next, 11); /* still not past the failure */
    ms_offsets_reset_partition(o, pt); /* the seek to 11 */
    assert_false(pt->rewinding);
    assert_int_equal(pt->resets, resets + 1);
    ms_offsets_free(o);
}

/* The paced retries' step (core/clock.h): first wait, doubling, capped,
 * and no overflow past the cap. */
static void test_backoff_steps(void **state)
{
    (void)state;
    assert_int_equal(ms_backoff_next(0, 250, 10000), 250);
    assert_int_equal(ms_backoff_next(250, 250, 10000), 500);
    assert_int_equal(ms_backoff_next(8000, 250, 10000), 10000);
    assert_int_equal(ms_backoff_next(10000, 250, 10000), 10000);
    assert_int_equal(ms_backoff_next(3000000000u, 1, 4000000000u), 4000000000u);
}

/* A failure, then a revoke before the rewind ran, then the same partition
 * assigned again: the completed pendings behind the failed one must not
 * move the commit position past it. */
static void test_reassigned_partition_is_rewound(void **state)
{
    (void)state;
    ms_offsets *o = ms_offsets_new(16);
    ms_ptrack *pt = ms_offsets_partition(o, "in", 2);
    ms_pending *a = consume(o, pt, 20, 1), *b = consume(o, pt, 21, 1);
    ms_offsets_ack(o, a, false);
    pt->assigned = false; /* revoked (the drain settled every output) */
    ms_offsets_ack(o, b, true);
    ms_offsets_assigned(o, pt);
    assert_true(pt->assigned);
    assert_true(pt->rewinding);
    assert_int_equal(pt->rewind_to, 20);
    ms_offsets_advance(o, NULL, NULL);
    assert_int_equal(pt->commit_next, -1);
    assert_false(pt->dirty);
    ms_offsets_free(o);
}

/* Left-over pendings that did not fail (a drain that timed out) also
 * force a rewind to the oldest of them; with none, nothing is rewound. */
static void test_reassigned_with_leftovers_or_not(void **state)
{
    (void)state;
    ms_offsets *o = ms_offsets_new(16);
    ms_ptrack *pt = ms_offsets_partition(o, "in", 1);
    ms_offsets_assigned(o, pt);
    assert_false(pt->rewinding);
    consume(o, pt, 40, 1);
    consume(o, pt, 41, 1);
    ms_offsets_assigned(o, pt);
    assert_true(pt->rewinding);
    assert_int_equal(pt->rewind_to, 40);
    ms_offsets_free(o);
}

static void test_pool_is_bounded(void **state)
{
    (void)state;
    ms_offsets *o = ms_offsets_new(2);
    ms_ptrack *pt = ms_offsets_partition(o, "in", 0);
    assert_non_null(ms_offsets_begin(o, pt, 1, 0));
    assert_non_null(ms_offsets_begin(o, pt, 2, 0));
    assert_null(ms_offsets_begin(o, pt, 3, 0));
    ms_offsets_free(o);
}

/* completed pendings go back to the pool: many times its size flow through */
static void test_pool_recycles(void **state)
{
    ms_offsets *o = ms_offsets_new(2);
    ms_ptrack *pt = ms_offsets_partition(o, "in", 0);
    for (int64_t off = 0; off < 10; off++) {
        ms_pending *p = consume(o, pt, off, 1);
        ms_offsets_ack(o, p, true);
        ms_offsets_advance(o, NULL, NULL);
        assert_int_equal(pt->commit_next, off + 1);
    }
    assert_int_equal(ms_offsets_in_flight(o), 0);
    ms_offsets_free(o);
}

/* two failures in one partition: the rewind goes to the EARLIER one,
 * whatever order the acks come in */
static void test_two_failures_rewind_to_oldest(void **state)
{
    ms_offsets *o = ms_offsets_new(8);
    ms_ptrack *pt = ms_offsets_partition(o, "in", 0);
    ms_pending *a = consume(o, pt, 5, 1), *b = consume(o, pt, 6, 1);
    ms_offsets_ack(o, a, false);
    ms_offsets_ack(o, b, false);
    assert_int_equal(pt->rewind_to, 5);
    ms_offsets_advance(o, NULL, NULL);
    assert_int_equal(pt->commit_next, -1);
    ms_offsets_free(o);
}

/* same partition number on two topics: two trackers, independent commits */
static void test_topics_independent(void **state)
{
    ms_offsets *o = ms_offsets_new(8);
    ms_ptrack *a = ms_offsets_partition(o, "whg.mentions", 0);
    ms_ptrack *b = ms_offsets_partition(o, "whg.inbox", 0);
    assert_ptr_not_equal(a, b);
    assert_ptr_equal(ms_offsets_partition(o, "whg.mentions", 0), a);
    ms_pending *pa = consume(o, a, 100, 1);
    ms_pending *pb = consume(o, b, 7, 1);
    ms_offsets_ack(o, pb, false);  /* a failure on inbox/0 */
    ms_offsets_ack(o, pa, true);
    ms_offsets_advance(o, NULL, NULL);
    assert_int_equal(a->commit_next, 101);
    assert_false(a->rewinding);
    assert_true(b->rewinding);
    assert_int_equal(b->commit_next, -1);
    assert_int_equal(ms_offsets_count(o), 2);
    ms_offsets_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_waits_for_earlier_offsets),
        cmocka_unit_test(test_failure_stops_commit_until_rewind),
        cmocka_unit_test(test_reassigned_partition_is_rewound),
        cmocka_unit_test(test_release_held_keeps_rewinding),
        cmocka_unit_test(test_backoff_steps),
        cmocka_unit_test(test_reassigned_with_leftovers_or_not),
        cmocka_unit_test(test_pool_is_bounded),
        cmocka_unit_test(test_pool_recycles),
        cmocka_unit_test(test_two_failures_rewind_to_oldest),
        cmocka_unit_test(test_topics_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
