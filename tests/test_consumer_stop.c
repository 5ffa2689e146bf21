/*
 * test_consumer_stop.c - committing and leaving a group within a deadline
 * (src/kafka/consumer_stop.h), on librdkafka's mock cluster.
 *
 * With the group coordinator up, the bounded commit and close do what the
 * blocking librdkafka calls do: the offsets are committed (read back with
 * rd_kafka_committed) and the revoke reaches the rebalance callback. With
 * the coordinator's broker down, both give up at their deadline instead of
 * waiting for it (rd_kafka_commit() and rd_kafka_consumer_close() wait up
 * to session.timeout.ms, 45 s by default). The bounds asserted are the deadline plus generous slack for a
 * loaded machine, far below what the blocking calls take.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "core/clock.h"
#include "kafka/consumer_stop.h"

#define COORDINATOR 2
#define EVENTS 20

typedef struct {
    rd_kafka_t *mrk; /* the mock cluster's handle */
    rd_kafka_mock_cluster_t *mc;
    rd_kafka_t *consumer;
    int assigns, revokes;
} fixture;

/** @brief Rebalance callback: count, and apply the assignment (eager protocol). */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    fixture *f = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        f->assigns++;
        rd_kafka_assign(rk, parts);
    } else {
        f->revokes++;
        rd_kafka_assign(rk, NULL);
    }
}

/** @brief Set one property, failing the test on a refusal. */
static void set(rd_kafka_conf_t *conf, const char *key, const char *value)
{
    char err[256];
    assert_int_equal(rd_kafka_conf_set(conf, key, value, err, sizeof err), RD_KAFKA_CONF_OK);
}

/** @brief A 3-broker mock cluster whose coordinator for `group` is COORDINATOR, EVENTS
 *  events in topic "in", and a consumer of `group` that has consumed all of them. */
static void start(fixture *f, const char *group)
{
    memset(f, 0, sizeof *f);
    char err[256];
    rd_kafka_conf_t *mconf = rd_kafka_conf_new();
    set(mconf, "log_level", "0");
    f->mrk = rd_kafka_new(RD_KAFKA_PRODUCER, mconf, err, sizeof err);
    assert_non_null(f->mrk);
    f->mc = rd_kafka_mock_cluster_new(f->mrk, 3);
    assert_non_null(f->mc);
    assert_int_equal(rd_kafka_mock_topic_create(f->mc, "in", 2, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_mock_partition_set_leader(f->mc, "in", 0, 1), 0);
    assert_int_equal(rd_kafka_mock_partition_set_leader(f->mc, "in", 1, 3), 0);
    assert_int_equal(rd_kafka_mock_coordinator_set(f->mc, "group", group, COORDINATOR), 0);
    const char *boot = rd_kafka_mock_cluster_bootstraps(f->mc);

    rd_kafka_conf_t *pconf = rd_kafka_conf_new();
    set(pconf, "bootstrap.servers", boot);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
    assert_non_null(producer);
    for (int i = 0; i < EVENTS; i++)
        assert_int_equal(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("in"),
                                           RD_KAFKA_V_PARTITION(i % 2),
                                           RD_KAFKA_V_VALUE("event", 5), RD_KAFKA_V_END),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", boot);
    set(conf, "group.id", group);
    set(conf, "auto.offset.reset", "earliest");
    set(conf, "enable.auto.commit", "false");
    /* the broker's minimum: a consumer that could not leave is destroyed
     * (test 2) once the group's session has timed out */
    set(conf, "session.timeout.ms", "6000");
    set(conf, "log_level", "0");
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_opaque(conf, f);
    f->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    assert_non_null(f->consumer);
    assert_int_equal(rd_kafka_poll_set_consumer(f->consumer), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(subs, "in", RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(f->consumer, subs), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(subs);
    int consumed = 0;
    int64_t until = ms_clock_mono_ms() + 30000;
    while (consumed < EVENTS && ms_clock_mono_ms() < until) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(f->consumer, 100);
        if (m && !m->err)
            consumed++;
        if (m)
            rd_kafka_message_destroy(m);
    }
    assert_int_equal(consumed, EVENTS);
    assert_int_equal(f->assigns, 1);
}

/** @brief Offsets committed for "in" by the fixture's group, summed over both partitions. */
static int64_t committed_sum(fixture *f)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(l, "in", 0);
    rd_kafka_topic_partition_list_add(l, "in", 1);
    assert_int_equal(rd_kafka_committed(f->consumer, l, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    int64_t sum = 0;
    for (int i = 0; i < l->cnt; i++)
        sum += l->elems[i].offset > 0 ? l->elems[i].offset : 0;
    rd_kafka_topic_partition_list_destroy(l);
    return sum;
}

/** @brief Tear the mock cluster down. */
static void stop(fixture *f)
{
    rd_kafka_mock_cluster_destroy(f->mc);
    rd_kafka_destroy(f->mrk);
}

/* The coordinator answers: the consumed positions are committed, the close
 * revokes through the given callback, and a second commit of the same
 * positions is answered too (answers are counted, not lost). */
static void test_commit_and_close_with_coordinator(void **state)
{
    (void)state;
    fixture f;
    start(&f, "g-up");
    ms_consumer_commits *cc = ms_consumer_commits_new(f.consumer);
    assert_non_null(cc);
    assert_int_equal(committed_sum(&f), 0);
    assert_int_equal(ms_consumer_commit_within(cc, ms_clock_mono_ms() + 10000),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(committed_sum(&f), EVENTS);
    rd_kafka_resp_err_t again = ms_consumer_commit_within(cc, ms_clock_mono_ms() + 10000);
    assert_true(again == RD_KAFKA_RESP_ERR_NO_ERROR || again == RD_KAFKA_RESP_ERR__NO_OFFSET);

    assert_true(ms_consumer_close_within(f.consumer, ms_clock_mono_ms() + 10000, on_rebalance));
    assert_int_equal(f.revokes, 1);
    ms_consumer_commits_free(cc);
    ms_consumer_destroy(f.consumer, true);
    stop(&f);
}

/* The coordinator's broker is down: the commit and the close give up at
 * their deadlines. (Destroying a consumer that did not leave then waits for
 * its session to time out, whatever the flags: the service does not destroy
 * it but exits, MS_SERVICE_LEFT_OPEN; here it waits the 6 s.) */
static void test_coordinator_down_gives_up_at_the_deadline(void **state)
{
    (void)state;
    fixture f;
    start(&f, "g-down");
    ms_consumer_commits *cc = ms_consumer_commits_new(f.consumer);
    assert_non_null(cc);
    assert_int_equal(rd_kafka_mock_broker_set_down(f.mc, COORDINATOR), 0);

    int64_t t0 = ms_clock_mono_ms();
    rd_kafka_resp_err_t e = ms_consumer_commit_within(cc, t0 + 1000);
    int64_t took = ms_clock_mono_ms() - t0;
    assert_int_not_equal(e, RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_true(took < 1000 + 2000);

    t0 = ms_clock_mono_ms();
    bool closed = ms_consumer_close_within(f.consumer, t0 + 1000, on_rebalance);
    took = ms_clock_mono_ms() - t0;
    assert_false(closed); /* it gave up: it did not pretend to have left */
    assert_true(took >= 1000 - 50 && took < 1000 + 2000);
    ms_consumer_commits_free(cc);
    ms_consumer_destroy(f.consumer, closed);
    stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_and_close_with_coordinator),
        cmocka_unit_test(test_coordinator_down_gives_up_at_the_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
