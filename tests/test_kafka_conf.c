/*
 * test_kafka_conf.c - the librdkafka configuration the service builds
 * (src/kafka/kafka_conf.h) and the errors it treats as permanent
 * (src/kafka/kafka_errors.h): the delivery-guarantee settings win over the
 * user's, a bad property is named without its value, and exactly the
 * errors no retry can cure stop the service.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kafka/config.h"
#include "kafka/kafka_conf.h"
#include "kafka/kafka_errors.h"

/** @brief Fail unless librdkafka configuration `conf` has property `key` set to `want`. */
static void expect_property(const rd_kafka_conf_t *conf, const char *key, const char *want)
{
    char val[64];
    size_t n = sizeof val;
    if (rd_kafka_conf_get(conf, key, val, &n) != RD_KAFKA_CONF_OK)
        fail_msg("property %s is not set", key);
    if (strcmp(val, want) != 0)
        fail_msg("property %s = '%s', want '%s'", key, val, want);
}

static void test_guarantee_settings_win(void **state)
{
    char *const env[] = {"MENTIONSIFT_KAFKA_CONSUMER_ENABLE_AUTO_OFFSET_STORE=true",
                         "MENTIONSIFT_KAFKA_CONSUMER_ENABLE_AUTO_COMMIT=false",
                         "MENTIONSIFT_KAFKA_CONSUMER_ISOLATION_LEVEL=read_uncommitted",
                         "MENTIONSIFT_KAFKA_PRODUCER_ACKS=1",
                         "MENTIONSIFT_KAFKA_PRODUCER_ENABLE_IDEMPOTENCE=false", NULL};
    ms_config c;
    ms_buf e;
    ms_buf_init(&e);
    assert_true(ms_config_load(&c, NULL, env, &e));
    char err[256];
    rd_kafka_conf_t *cc = ms_kafka_conf_new(&c, MS_CLIENT_CONSUMER, "t", err, sizeof err);
    assert_non_null(cc);
    expect_property(cc, "enable.auto.offset.store", "false");
    /* at least once: stored offsets are committed in the background */
    expect_property(cc, "enable.auto.commit", "true");
    /* exactly once: offsets go only through the transaction, and only
     * committed outputs of an upstream transactional producer are read */
    assert_true(ms_kafka_conf_exactly_once(cc, &c, MS_CLIENT_CONSUMER, "txn-t", err, sizeof err));
    expect_property(cc, "enable.auto.commit", "false");
    expect_property(cc, "isolation.level", "read_committed");
    rd_kafka_conf_destroy(cc);
    rd_kafka_conf_t *pc = ms_kafka_conf_new(&c, MS_CLIENT_PRODUCER, "t", err, sizeof err);
    assert_non_null(pc);
    expect_property(pc, "enable.idempotence", "true");
    /* acks=all, whatever the user asked: librdkafka reports it as -1 */
    expect_property(pc, "acks", "-1");
    rd_kafka_conf_destroy(pc);
    /* a bad secret-looking property is named, its value never shown */
    rd_kafka_conf_t *x = rd_kafka_conf_new();
    assert_false(ms_kafka_conf_set(x, "sasl.password.typo", "hunter2-xyz", err, sizeof err));
    assert_non_null(strstr(err, "sasl.password.typo"));
    assert_null(strstr(err, "hunter2-xyz"));
    rd_kafka_conf_destroy(x);
    ms_config_free(&c);
    ms_buf_free(&e);
}

/* A cooperative assignor is taken with at_least_once (the workers follow either rebalance
 * protocol) and refused, with the property and the guarantee named, with exactly_once; an eager
 * one is taken with both. */
static void test_cooperative_assignor_only_at_least_once(void **state)
{
    (void)state;
    char *const coop[] = {"MENTIONSIFT_KAFKA_CONSUMER_PARTITION_ASSIGNMENT_STRATEGY=cooperative-sticky",
                          NULL};
    char *const coop_eos[] = {
        "MENTIONSIFT_KAFKA_CONSUMER_PARTITION_ASSIGNMENT_STRATEGY=cooperative-sticky",
        "MENTIONSIFT_PROCESSING_GUARANTEE=exactly_once", NULL};
    char *const eager_eos[] = {"MENTIONSIFT_KAFKA_CONSUMER_PARTITION_ASSIGNMENT_STRATEGY=roundrobin",
                               "MENTIONSIFT_PROCESSING_GUARANTEE=exactly_once", NULL};
    ms_config c;
    ms_buf e;
    char err[512] = "";
    char v[64];
    size_t n = sizeof v;
    ms_buf_init(&e);
    assert_true(ms_config_load(&c, NULL, coop, &e));
    rd_kafka_conf_t *cc = ms_kafka_conf_new(&c, MS_CLIENT_CONSUMER, "t", err, sizeof err);
    assert_non_null(cc);
    assert_int_equal(rd_kafka_conf_get(cc, "partition.assignment.strategy", v, &n),
                     RD_KAFKA_CONF_OK);
    assert_string_equal(v, "cooperative-sticky");
    rd_kafka_conf_destroy(cc);
    ms_config_free(&c);

    assert_true(ms_config_load(&c, NULL, coop_eos, &e));
    assert_null(ms_kafka_conf_new(&c, MS_CLIENT_CONSUMER, "t", err, sizeof err));
    assert_non_null(strstr(err, "partition.assignment.strategy"));
    assert_non_null(strstr(err, "cooperative-sticky"));
    assert_non_null(strstr(err, "exactly_once"));
    rd_kafka_conf_t *pc = ms_kafka_conf_new(&c, MS_CLIENT_PRODUCER, "t", err, sizeof err);
    assert_non_null(pc); /* a consumer property: the producer does not care */
    rd_kafka_conf_destroy(pc);
    ms_config_free(&c);

    assert_true(ms_config_load(&c, NULL, eager_eos, &e));
    cc = ms_kafka_conf_new(&c, MS_CLIENT_CONSUMER, "t", err, sizeof err);
    assert_non_null(cc);
    rd_kafka_conf_destroy(cc);
    ms_config_free(&c);
    ms_buf_free(&e);
}

/* A group.instance.id given for static membership becomes one per consumer, so the workers of
 * one process (and its offenders stage) do not fence each other; without one none is set. */
static void test_static_membership_per_consumer(void **state)
{
    (void)state;
    char *const env[] = {"MENTIONSIFT_KAFKA_CONSUMER_GROUP_INSTANCE_ID=pod-0", NULL};
    char *const none[] = {NULL};
    ms_config c;
    ms_buf e;
    char err[256] = "", v0[128], v1[128];
    size_t n0 = sizeof v0, n1 = sizeof v1;
    ms_buf_init(&e);
    assert_true(ms_config_load(&c, NULL, env, &e));
    rd_kafka_conf_t *a = ms_kafka_conf_new(&c, MS_CLIENT_CONSUMER, "mentionsift-in-0", err, sizeof err);
    rd_kafka_conf_t *b = ms_kafka_conf_new(&c, MS_CLIENT_CONSUMER, "mentionsift-in-1", err, sizeof err);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(rd_kafka_conf_get(a, "group.instance.id", v0, &n0), RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_get(b, "group.instance.id", v1, &n1), RD_KAFKA_CONF_OK);
    assert_string_equal(v0, "pod-0.mentionsift-in-0");
    assert_string_equal(v1, "pod-0.mentionsift-in-1");
    rd_kafka_conf_destroy(a);
    rd_kafka_conf_destroy(b);
    ms_config_free(&c);
    assert_true(ms_config_load(&c, NULL, none, &e));
    a = ms_kafka_conf_new(&c, MS_CLIENT_CONSUMER, "mentionsift-in-0", err, sizeof err);
    assert_non_null(a);
    n0 = sizeof v0;
    v0[0] = 'x';
    if (rd_kafka_conf_get(a, "group.instance.id", v0, &n0) == RD_KAFKA_CONF_OK)
        assert_string_equal(v0, "");
    rd_kafka_conf_destroy(a);
    ms_config_free(&c);
    ms_buf_free(&e);
}

/** @brief The producer's socket.timeout.ms under `env`, with exactly-once's settings if `eos`,
 *  after checking that librdkafka accepts the whole configuration. */
static long producer_socket_timeout(char *const *env, bool eos)
{
    ms_config c;
    ms_buf e;
    char err[256], val[32];
    size_t n = sizeof val;
    ms_buf_init(&e);
    assert_true(ms_config_load(&c, NULL, env, &e));
    rd_kafka_conf_t *pc = ms_kafka_conf_new(&c, MS_CLIENT_PRODUCER, "t", err, sizeof err);
    assert_non_null(pc);
    if (eos)
        assert_true(
            ms_kafka_conf_exactly_once(pc, &c, MS_CLIENT_PRODUCER, "txn-t", err, sizeof err));
    assert_int_equal(rd_kafka_conf_get(pc, "socket.timeout.ms", val, &n), RD_KAFKA_CONF_OK);
    /* and librdkafka takes the combination (no broker: nothing connects) */
    assert_true(ms_kafka_conf_set(pc, "bootstrap.servers", "", err, sizeof err));
    assert_true(ms_kafka_conf_set(pc, "log_level", "0", err, sizeof err));
    char rd_err[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, pc, rd_err, sizeof rd_err);
    if (!rk)
        fail_msg("rd_kafka_new refused the producer's configuration: %s", rd_err);
    rd_kafka_destroy(rk);
    ms_config_free(&c);
    ms_buf_free(&e);
    return strtol(val, NULL, 10);
}

/* librdkafka 2.0.2's send_offsets_to_transaction waits up to socket.timeout.ms
 * for an unreachable coordinator: under exactly_once it is half the stop's
 * budget (1 to 60 s) unless the user chose one. */
static void test_eos_socket_timeout_fits_the_stop(void **state)
{
    (void)state;
    char *const dflt[] = {NULL};
    char *const short_stop[] = {"MENTIONSIFT_PROCESSING_SHUTDOWN_TIMEOUT_MS=4000", NULL};
    char *const tiny_stop[] = {"MENTIONSIFT_PROCESSING_SHUTDOWN_TIMEOUT_MS=100", NULL};
    char *const long_stop[] = {"MENTIONSIFT_PROCESSING_SHUTDOWN_TIMEOUT_MS=600000", NULL};
    char *const user[] = {"MENTIONSIFT_KAFKA_PRODUCER_SOCKET_TIMEOUT_MS=45000", NULL};
    char *const user_common[] = {"MENTIONSIFT_KAFKA_COMMON_SOCKET_TIMEOUT_MS=30000", NULL};
    assert_int_equal(producer_socket_timeout(dflt, true), 5000);
    assert_int_equal(producer_socket_timeout(short_stop, true), 2000);
    assert_int_equal(producer_socket_timeout(tiny_stop, true), 1000);
    assert_int_equal(producer_socket_timeout(long_stop, true), 60000);
    assert_int_equal(producer_socket_timeout(user, true), 45000);
    assert_int_equal(producer_socket_timeout(user_common, true), 30000);
    /* never over the transaction timeout, which librdkafka would refuse */
    char *const short_txn[] = {"MENTIONSIFT_KAFKA_PRODUCER_TRANSACTION_TIMEOUT_MS=3000", NULL};
    assert_int_equal(producer_socket_timeout(short_txn, true), 3000);
    /* at_least_once leaves librdkafka's default alone */
    assert_int_equal(producer_socket_timeout(dflt, false), 60000);
}

static void test_permanent_errors(void **state)
{
    static const rd_kafka_resp_err_t permanent[] = {
        RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED,
        RD_KAFKA_RESP_ERR__AUTHENTICATION,
        RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM,
    };
    for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
        if (!ms_kafka_err_is_permanent(permanent[i]))
            fail_msg("%s should stop the service", rd_kafka_err2name(permanent[i]));
    static const rd_kafka_resp_err_t transient[] = {
        RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
        RD_KAFKA_RESP_ERR_NO_ERROR};
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++)
        if (ms_kafka_err_is_permanent(transient[i]))
            fail_msg("%s should be retried", rd_kafka_err2name(transient[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guarantee_settings_win),
        cmocka_unit_test(test_cooperative_assignor_only_at_least_once),
        cmocka_unit_test(test_static_membership_per_consumer),
        cmocka_unit_test(test_eos_socket_timeout_fits_the_stop),
        cmocka_unit_test(test_permanent_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
