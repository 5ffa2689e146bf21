/*
 * test_topic_limits.c - src/kafka/topic_limits.c: the record size bound the
 * worker compares with a topic's max.message.bytes, the smallest limit of a
 * worker's topics, a cluster that does not answer and one that names no
 * controller it has.
 *
 * The bound is checked against the size of a batch holding the one record
 * in Kafka's record format v2 (KIP-98), computed here from the format, for
 * keys, values and headers on both sides of every varint width.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kafka/topic_limits.h"
#include <librdkafka/rdkafka_mock.h>

#define BATCH_HEADER 61 /* base offset .. record count, record format v2 */

/** @brief Bytes of a zigzag varint holding v (Kafka's record fields). */
static size_t varint_len(int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 1;
    while (z >= 0x80) {
        z >>= 7;
        n++;
    }
    return n;
}

/** @brief A record batch of one record, as a broker measures it. */
static size_t kafka_batch_bytes(size_t key_len, size_t value_len, const rd_kafka_headers_t *h)
{
    size_t body = 1 /* attributes */ + varint_len(0) /* timestamp delta */ +
                  varint_len(0) /* offset delta */ + varint_len((int64_t)key_len) + key_len +
                  varint_len((int64_t)value_len) + value_len;
    size_t count = 0;
    const char *name;
    const void *value;
    size_t size;
    for (size_t i = 0; h && rd_kafka_header_get_all(h, i, &name, &value, &size) == 0; i++) {
        body += varint_len((int64_t)strlen(name)) + strlen(name) + varint_len((int64_t)size) +
                size;
        count++;
    }
    body += varint_len((int64_t)count);
    return BATCH_HEADER + varint_len((int64_t)body) + body;
}

/* A record never takes more than the bound, and the bound is not so loose
 * that an output which fits would be dead-lettered for it. */
static void test_record_bound_covers_kafka_format(void **state)
{
    (void)state;
    static const size_t keys[] = {0, 1, 63, 64, 8191, 8192};
    static const size_t values[] = {0, 1, 63, 64, 8191, 8192, 1048575, 1048576, 4u << 20};
    static char bytes[4u << 20];
    memset(bytes, 'x', sizeof bytes);
    for (int with_headers = 0; with_headers < 2; with_headers++) {
        rd_kafka_headers_t *h = NULL;
        size_t header_bytes = 0;
        if (with_headers) {
            h = rd_kafka_headers_new(8);
            /* as the worker sends them, one value over a varint width */
            static const char *const names[] = {"mentionsift-categories", "mentionsift-rules",
                                                "content-type", "mentionsift-ruleset"};
            static const size_t lens[] = {40, 5000, 22, 32};
            for (int i = 0; i < 4; i++) {
                assert_int_equal(rd_kafka_header_add(h, names[i], -1, bytes, (ssize_t)lens[i]), 0);
                header_bytes += strlen(names[i]) + lens[i];
            }
        }
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            for (size_t v = 0; v < sizeof values / sizeof *values; v++) {
                size_t exact = kafka_batch_bytes(keys[k], values[v], h);
                size_t bound = ms_record_bytes(keys[k], values[v], h);
                if (bound < exact)
                    fail_msg("key %zu, value %zu, headers %d: bound %zu < record batch %zu",
                             keys[k], values[v], with_headers, bound, exact);
                assert_true(bound <= keys[k] + values[v] + header_bytes + MS_RECORD_OVERHEAD +
                                         (with_headers ? 40 : 0));
            }
        if (h)
            rd_kafka_headers_destroy(h);
    }
}

static void test_min_over_a_workers_topics(void **state)
{
    (void)state;
    static const char *const names[] = {"out.a", "out.b", "out.c", "out.d"};
    ms_topic_limits l;
    ms_topic_limits_init(&l, names, 4);
    assert_int_equal(ms_topic_limits_min(&l, 0xf), 0); /* nothing known */
    atomic_store(&l.max_bytes[1], 20000);
    atomic_store(&l.max_bytes[2], 8000);
    atomic_store(&l.max_bytes[3], 1048588);
    assert_int_equal(ms_topic_limits_min(&l, 0xf), 8000);
    assert_int_equal(ms_topic_limits_min(&l, 0xb), 20000);  /* topic 2 not written */
    assert_int_equal(ms_topic_limits_min(&l, 0x1), 0);      /* only an unknown one */
    assert_int_equal(ms_topic_limits_get(&l, 2), 8000);
    assert_int_equal(ms_topic_limits_get(&l, 4), 0);        /* past the table */
    assert_false(ms_topic_limits_answered(&l));
}

/* No cluster: the bounded wait ends, nothing is known, and the table says
 * it was not answered so that workers ask again later. */
static void test_no_answer_leaves_limits_unknown(void **state)
{
    (void)state;
    static const char *const names[] = {"out.a", "out.b"};
    ms_topic_limits l;
    ms_topic_limits_init(&l, names, 2);
    atomic_store(&l.max_bytes[0], 5000); /* known before: kept */
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[256];
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", err, sizeof err),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err), RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    assert_non_null(rk);
    assert_int_equal(ms_topic_limits_fetch(&l, rk, 300), 1);
    assert_false(ms_topic_limits_answered(&l));
    assert_int_equal(atomic_load(&l.failures), 1);
    assert_int_equal(ms_topic_limits_get(&l, 0), 5000);
    assert_int_equal(ms_topic_limits_get(&l, 1), 0);
    rd_kafka_destroy(rk);
}

/* librdkafka's mock cluster names a controller that is none of its brokers
 * and has no DescribeConfigs: the lookup says so and does not wait for a
 * controller that will never come (the demo's start-up). */
static void test_cluster_without_controller_is_not_asked(void **state)
{
    (void)state;
    char err[256];
    rd_kafka_conf_t *mconf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(mconf, "log_level", "0", err, sizeof err),
                     RD_KAFKA_CONF_OK);
    rd_kafka_t *mrk = rd_kafka_new(RD_KAFKA_PRODUCER, mconf, err, sizeof err);
    assert_non_null(mrk);
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(mrk, 3);
    assert_non_null(mc);
    assert_int_equal(rd_kafka_mock_topic_create(mc, "out.a", 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers",
                                       rd_kafka_mock_cluster_bootstraps(mc), err, sizeof err),
                     RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    assert_non_null(rk);
    char why[256] = "";
    assert_false(ms_topic_limits_controller_known(rk, 5000, why, sizeof why));
    assert_non_null(strstr(why, "none of its 3 brokers"));

    static const char *const names[] = {"out.a"};
    ms_topic_limits l;
    ms_topic_limits_init(&l, names, 1);
    assert_int_equal(ms_topic_limits_fetch(&l, rk, 5000), 0);
    assert_int_equal(atomic_load(&l.failures), 1);
    assert_false(ms_topic_limits_answered(&l));
    rd_kafka_destroy(rk);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(mrk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_bound_covers_kafka_format),
        cmocka_unit_test(test_min_over_a_workers_topics),
        cmocka_unit_test(test_no_answer_leaves_limits_unknown),
        cmocka_unit_test(test_cluster_without_controller_is_not_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
