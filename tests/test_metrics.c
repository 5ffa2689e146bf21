/*
 * test_metrics.c - the service's counters and their endpoint: Prometheus
 * names, labels and values summed over workers, cumulative histogram
 * buckets, readiness, rule hits across a rule-set reload (workers on
 * different rule sets, found by rule id), the reload counters, and the HTTP
 * server on a real loopback socket (status codes, content types, 404 and
 * 405).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rules_fixture.h"

#include "core/buf.h"
#include "kafka/metrics.h"
#include "match/ruleset.h"

#define ADD(field, n) atomic_fetch_add_explicit(&(field), (n), memory_order_relaxed)

static const char *const topics[] = {"whg.classified.complaint", "odd\"topic\\name"};
static uint64_t counts_w0[3] = {2, 0, 0};
static uint64_t counts_w1[3] = {3, 1, 0};


static ms_ruleset *rules_a; /* complaint.waiting, repair.leak, never.hit */

static int setup(void **state)
{
    static const char *const ids[] = {"complaint.waiting", "repair.leak", "never.hit"};
    rules_a = fixture_rules("complaint", ids, 3);
    return 0;
}

static int teardown(void **state)
{
    ms_ruleset_free(rules_a);
    return 0;
}

static ms_metrics *new_metrics(void)
{
    ms_metrics_info info = {.ruleset_version = "abc123", .topic_names = topics, .n_topics = 2,
                            .offenders_topic = -1};
    ms_metrics *m = ms_metrics_new(2, &info);
    assert_non_null(m);
    /* as the workers do once their engines exist */
    ms_metrics_worker_rules(m, 0, rules_a, 1, counts_w0);
    ms_metrics_worker_rules(m, 1, rules_a, 1, counts_w1);
    return m;
}

static char *render(ms_metrics *m)
{
    ms_buf b;
    ms_buf_init(&b);
    ms_metrics_render(m, &b);
    ms_buf_terminate(&b);
    assert_true(ms_buf_ok(&b));
    return b.data; /* caller frees */
}

static void expect(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("expected\n  %s\nin:\n%s", want, text);
}

static void test_counters(void **state)
{
    ms_metrics *m = new_metrics();
    assert_null(ms_metrics_worker(m, -1));
    assert_null(ms_metrics_worker(m, 2));
    ms_worker_metrics *w0 = ms_metrics_worker(m, 0), *w1 = ms_metrics_worker(m, 1);
    assert_non_null(w0);
    assert_non_null(w1);
    assert_true(w0 != w1);
    ADD(w0->events_in, 3);
    ADD(w1->events_in, 4);
    ADD(w0->events_out_topic[0], 5);
    ADD(w1->events_out_topic[1], 6);
    ADD(w0->events_category[MS_CAT_COMPLAINT], 2);
    ADD(w1->events_category[MS_CAT_COMPLAINT], 1);
    ADD(w1->primary_category[MS_CAT_REPAIR], 9);
    ADD(w0->removal[MS_REMOVAL_NEVER], 4);
    ADD(w1->removal[MS_REMOVAL_NEVER], 1);
    ADD(w1->removal[MS_REMOVAL_NONE], 50);
    ADD(w0->deadletter, 1);
    ADD(w1->produce_errors, 2);
    ADD(w0->commits, 10);
    ADD(w1->commits, 11);
    ADD(w1->commit_errors, 1);
    atomic_store(&w0->consumer_lag, 100);
    atomic_store(&w1->consumer_lag, 23);

    char *t = render(m);
    expect(t, "# HELP mentionsift_events_in_total ");
    expect(t, "# TYPE mentionsift_events_in_total counter\nmentionsift_events_in_total 7\n");
    expect(t, "# TYPE mentionsift_events_out_total counter\n");
    expect(t, "mentionsift_events_out_total{topic=\"whg.classified.complaint\"} 5\n");
    expect(t, "mentionsift_events_out_total{topic=\"odd\\\"topic\\\\name\"} 6\n");
    expect(t, "mentionsift_labels_total{category=\"complaint\"} 3\n");
    expect(t, "mentionsift_labels_total{category=\"profanity\"} 0\n");
    expect(t, "mentionsift_primary_total{category=\"repair\"} 9\n");
    expect(t, "mentionsift_removal_total{removal=\"never\"} 5\n");
    expect(t, "mentionsift_removal_total{removal=\"review\"} 0\n");
    expect(t, "mentionsift_removal_total{removal=\"not_our_page\"} 0\n");
    assert_null(strstr(t, "removal=\"\"")); /* no ground: not a removal answer */
    expect(t, "# TYPE mentionsift_rule_hits_total counter\n");
    expect(t, "mentionsift_rule_hits_total{rule=\"complaint.waiting\"} 5\n");
    expect(t, "mentionsift_rule_hits_total{rule=\"repair.leak\"} 1\n");
    expect(t, "mentionsift_rule_hits_total{rule=\"never.hit\"} 0\n");
    expect(t, "mentionsift_deadletter_total 1\n");
    expect(t, "mentionsift_produce_errors_total 2\n");
    expect(t, "mentionsift_commits_total 21\n");
    expect(t, "mentionsift_commit_errors_total 1\n");
    expect(t, "# TYPE mentionsift_consumer_lag gauge\nmentionsift_consumer_lag 123\n");
    expect(t, "# TYPE mentionsift_ruleset_info gauge\n");
    expect(t, "mentionsift_ruleset_info{version=\"abc123\"} 1\n");
    expect(t, "# TYPE mentionsift_workers gauge\nmentionsift_workers 2\n");
    expect(t, "mentionsift_ready 0\n");
    /* every sample line's metric has HELP and TYPE lines */
    for (char *line = t; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        if (*line != '#') {
            char name[128];
            size_t n = strcspn(line, "{ ");
            assert_true(n < sizeof name);
            memcpy(name, line, n);
            name[n] = '\0';
            char *suffix = strstr(name, "_bucket");
            if (!suffix)
                suffix = strstr(name, "_sum");
            if (!suffix)
                suffix = strstr(name, "_count");
            if (suffix && strstr(name, "latency"))
                *suffix = '\0';
            char want[200];
            snprintf(want, sizeof want, "# TYPE %s ", name);
            expect(t, want);
            snprintf(want, sizeof want, "# HELP %s ", name);
            expect(t, want);
        }
        line = nl + 1;
    }
    free(t);

    /* without rule counts: no rule metric at all, and while the first rule
     * set loads no version either; then the loaded one */
    ms_metrics *bare = ms_metrics_new(1, NULL);
    assert_non_null(bare);
    t = render(bare);
    assert_null(strstr(t, "rule_hits"));
    assert_null(strstr(t, "mentionsift_ruleset_info"));
    free(t);
    ms_metrics_rules_loaded(bare, "def456");
    t = render(bare);
    expect(t, "mentionsift_ruleset_info{version=\"def456\"} 1\n");
    expect(t, "mentionsift_rules_reloads_total{result=\"ok\"} 0\n"); /* a load, not a reload */
    free(t);
    ms_metrics_free(bare);
    ms_metrics_free(m);
    assert_null(ms_metrics_new(-1, NULL));
}

/* The output topics' limits as the service knows them, read at each scrape;
 * producer replacements summed over workers; no limits table, no gauge. */
static void test_topic_limits(void **state)
{
    (void)state;
    _Atomic uint32_t limits[2] = {0, 0};
    ms_metrics_info info = {.ruleset_version = "v", .topic_names = topics, .n_topics = 2,
                            .offenders_topic = -1, .topic_max_bytes = limits};
    ms_metrics *m = ms_metrics_new(2, &info);
    assert_non_null(m);
    char *t = render(m);
    expect(t, "mentionsift_output_topic_max_message_bytes{topic=\"whg.classified.complaint\"} 0\n");
    expect(t, "mentionsift_producer_replacements_total 0\n");
    free(t);
    atomic_store(&limits[0], 20000);
    atomic_fetch_add(&ms_metrics_worker(m, 0)->producer_replacements, 1);
    atomic_fetch_add(&ms_metrics_worker(m, 1)->producer_replacements, 2);
    t = render(m);
    expect(t, "mentionsift_output_topic_max_message_bytes{topic=\"whg.classified.complaint\"} 20000\n");
    expect(t, "mentionsift_output_topic_max_message_bytes{topic=\"odd\\\"topic\\\\name\"} 0\n");
    expect(t, "mentionsift_producer_replacements_total 3\n");
    free(t);
    ms_metrics_free(m);

    info.topic_max_bytes = NULL;
    m = ms_metrics_new(1, &info);
    assert_non_null(m);
    t = render(m);
    assert_null(strstr(t, "max_message_bytes"));
    free(t);
    ms_metrics_free(m);
}

/* During a reload worker 0 is on the new rule set (reordered, one rule
 * gone, one new) while worker 1 is still on the old one. */
static void test_rules_reload(void **state)
{
    static const char *const ids_b[] = {"repair.leak", "new.rule", "complaint.waiting"};
    ms_ruleset *rules_b = fixture_rules("complaint", ids_b, 3);
    ms_metrics *m = new_metrics();
    uint64_t counts_a1[3] = {3, 1, 0}; /* worker 1, still on rules_a */
    ms_metrics_worker_rules(m, 1, rules_a, 1, counts_a1);
    char *t = render(m);
    expect(t, "mentionsift_rules_reloads_total{result=\"ok\"} 0\n");
    expect(t, "mentionsift_rules_reloads_total{result=\"failed\"} 0\n");
    expect(t, "mentionsift_rules_last_reload_successful 1\n");
    expect(t, "# TYPE mentionsift_rules_last_reload_success_timestamp_seconds gauge\n");
    free(t);

    ms_metrics_rules_reload(m, false, NULL);
    t = render(m);
    expect(t, "mentionsift_rules_reloads_total{result=\"failed\"} 1\n");
    expect(t, "mentionsift_rules_last_reload_successful 0\n");
    expect(t, "mentionsift_ruleset_info{version=\"abc123\"} 1\n");
    free(t);

    ms_metrics_rules_reload(m, true, "def456");
    uint64_t counts_b0[3] = {7, 4, 20}; /* repair.leak, new.rule, complaint.waiting */
    ms_metrics_worker_rules(m, 0, rules_b, 2, counts_b0);
    t = render(m);
    expect(t, "mentionsift_rules_reloads_total{result=\"ok\"} 1\n");
    expect(t, "mentionsift_rules_last_reload_successful 1\n");
    expect(t, "mentionsift_ruleset_info{version=\"def456\"} 1\n");
    assert_null(strstr(t, "abc123"));
    /* the newest rule set's ids; worker 1's counts found by id */
    expect(t, "mentionsift_rule_hits_total{rule=\"complaint.waiting\"} 23\n");
    expect(t, "mentionsift_rule_hits_total{rule=\"repair.leak\"} 8\n");
    expect(t, "mentionsift_rule_hits_total{rule=\"new.rule\"} 4\n");
    assert_null(strstr(t, "never.hit"));
    free(t);

    /* a worker that stops unregisters: its old array is never read again */
    ms_metrics_worker_rules(m, 1, NULL, 0, NULL);
    t = render(m);
    expect(t, "mentionsift_rule_hits_total{rule=\"complaint.waiting\"} 20\n");
    free(t);
    ms_metrics_free(m);
    ms_ruleset_free(rules_b);
}

/* A backlog of month-old records: 8 million latencies of 30 days sum to
 * more microseconds than 64 bits hold, and the sum must not wrap. */
static void test_latency_sum_of_a_backlog(void **state)
{
    (void)state;
    ms_metrics *m = new_metrics();
    ms_worker_metrics *w0 = ms_metrics_worker(m, 0), *w1 = ms_metrics_worker(m, 1);
    const uint64_t month_us = 30ull * 24 * 3600 * 1000000;
    for (int i = 0; i < 4000000; i++) {
        ms_metrics_observe_latency(w0, month_us);
        ms_metrics_observe_latency(w1, month_us);
    }
    char *t = render(m);
    const char *h = "mentionsift_processing_latency_seconds_sum ";
    const char *p = strstr(t, h);
    assert_non_null(p);
    double sum = strtod(p + strlen(h), NULL);
    double want = 8e6 * (double)month_us / 1e6;
    if (!(sum > want * (1 - 1e-9) && sum < want * (1 + 1e-9)))
        fail_msg("latency sum %.6f s, want %.6f s", sum, want);
    free(t);
    ms_metrics_free(m);
}

static void test_histogram(void **state)
{
    assert_true(ms_latency_bounds[0] == 0.0005);
    assert_true(ms_latency_bounds[MS_LATENCY_BUCKETS - 1] == 30.0);
    for (int i = 1; i < MS_LATENCY_BUCKETS; i++)
        assert_true(ms_latency_bounds[i] > ms_latency_bounds[i - 1]);

    ms_metrics *m = new_metrics();
    ms_worker_metrics *w0 = ms_metrics_worker(m, 0), *w1 = ms_metrics_worker(m, 1);
    ms_metrics_observe_latency(w0, 100);      /* 0.0001 s: first bucket */
    ms_metrics_observe_latency(w1, 1000);     /* exactly 0.001: le="0.001" */
    ms_metrics_observe_latency(w0, 1001);     /* just above: le="0.0025" */
    ms_metrics_observe_latency(w1, 2000000);  /* 2 s: le="2.5" */
    ms_metrics_observe_latency(w0, 40000000); /* 40 s: only +Inf */
    char *t = render(m);
    const char *h = "mentionsift_processing_latency_seconds";
    char want[160];
    snprintf(want, sizeof want, "# TYPE %s histogram\n", h);
    expect(t, want);
    static const struct {
        const char *le;
        int count;
    } cum[] = {{"0.0005", 1}, {"0.001", 2}, {"0.0025", 3}, {"0.005", 3}, {"1", 3},
               {"2.5", 4},    {"5", 4},     {"10", 4},     {"20", 4},    {"30", 4},
               {"+Inf", 5}};
    for (size_t i = 0; i < sizeof cum / sizeof cum[0]; i++) {
        snprintf(want, sizeof want, "%s_bucket{le=\"%s\"} %d\n", h, cum[i].le, cum[i].count);
        expect(t, want);
    }
    snprintf(want, sizeof want, "%s_sum 42.002101\n", h);
    expect(t, want);
    snprintf(want, sizeof want, "%s_count 5\n", h);
    expect(t, want);
    /* buckets never decrease, and there are 16 + 1 of them */
    int n = 0;
    unsigned long long prev = 0;
    for (const char *p = t; (p = strstr(p, "_bucket{le=\"")); p++) {
        const char *v = strstr(p, "} ");
        assert_non_null(v);
        unsigned long long x = strtoull(v + 2, NULL, 10);
        assert_true(x >= prev);
        prev = x;
        n++;
    }
    assert_int_equal(n, MS_LATENCY_BUCKETS + 1);
    free(t);
    ms_metrics_free(m);
}

static void test_ready(void **state)
{
    ms_metrics *m = new_metrics();
    assert_false(ms_metrics_ready(m));
    assert_string_equal(ms_metrics_not_ready(m), "waiting for every worker's partition assignment");
    atomic_store(&ms_metrics_worker(m, 0)->assigned, true);
    assert_false(ms_metrics_ready(m));
    atomic_store(&ms_metrics_worker(m, 1)->assigned, true);
    assert_true(ms_metrics_ready(m));
    char *t = render(m);
    expect(t, "mentionsift_ready 1\n");
    free(t);
    ms_metrics_free(m);

    /* not ready while the rule set loads, whatever the workers have */
    ms_metrics *loading = ms_metrics_new(1, NULL);
    assert_non_null(loading);
    atomic_store(&ms_metrics_worker(loading, 0)->assigned, true);
    assert_string_equal(ms_metrics_not_ready(loading), "loading the rule set");
    t = render(loading);
    expect(t, "mentionsift_ready 0\n");
    free(t);
    ms_metrics_rules_loaded(loading, "v2");
    assert_null(ms_metrics_not_ready(loading));
    ms_metrics_free(loading);

    ms_metrics *none = ms_metrics_new(0, NULL);
    assert_non_null(none);
    ms_metrics_rules_loaded(none, "v");
    assert_false(ms_metrics_ready(none)); /* no workers: nothing consumes */
    assert_null(ms_metrics_worker(none, 0));
    ms_metrics_free(none);
}

/* Workers add while a scrape sums: totals are exact once they stop. */
static void *hammer(void *arg)
{
    ms_worker_metrics *w = arg;
    for (int i = 0; i < 20000; i++) {
        atomic_fetch_add_explicit(&w->events_in, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&w->events_out_topic[1], 1, memory_order_relaxed);
        ms_metrics_observe_latency(w, (uint64_t)i);
    }
    return NULL;
}

static void *hammer_rules(void *arg)
{
    uint64_t *c = arg; /* as the matcher should: single writer, relaxed atomic store */
    for (int i = 0; i < 20000; i++)
        __atomic_store_n(&c[0], __atomic_load_n(&c[0], __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
    return NULL;
}

static void test_concurrent_scrape(void **state)
{
    counts_w0[0] = counts_w1[0] = 0;
    ms_metrics *m = new_metrics();
    pthread_t t[4];
    assert_int_equal(pthread_create(&t[0], NULL, hammer, ms_metrics_worker(m, 0)), 0);
    assert_int_equal(pthread_create(&t[1], NULL, hammer, ms_metrics_worker(m, 1)), 0);
    assert_int_equal(pthread_create(&t[2], NULL, hammer_rules, counts_w0), 0);
    assert_int_equal(pthread_create(&t[3], NULL, hammer_rules, counts_w1), 0);
    for (int i = 0; i < 20; i++)
        free(render(m));
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    char *text = render(m);
    expect(text, "mentionsift_events_in_total 40000\n");
    expect(text, "mentionsift_events_out_total{topic=\"odd\\\"topic\\\\name\"} 40000\n");
    expect(text, "mentionsift_processing_latency_seconds_count 40000\n");
    expect(text, "mentionsift_rule_hits_total{rule=\"complaint.waiting\"} 40000\n");
    free(text);
    ms_metrics_free(m);
}

/* ---- HTTP ----------------------------------------------------------- */

typedef struct response {
    int status;
    char head[2048];
    char *body;
} response;

/** Send `request` to 127.0.0.1:port over a plain socket; read to EOF. */
static void http(int port, const char *request, response *r)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_sec = 5};
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr), 1);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    size_t len = strlen(request);
    assert_int_equal(write(fd, request, len), (ssize_t)len);
    ms_buf b;
    ms_buf_init(&b);
    char chunk[4096];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        ms_buf_append(&b, chunk, (size_t)n);
    assert_true(n == 0); /* EOF, not a timeout */
    close(fd);
    ms_buf_terminate(&b);
    assert_non_null(b.data);
    assert_int_equal(sscanf(b.data, "HTTP/1.%*d %d", &r->status), 1);
    char *sep = strstr(b.data, "\r\n\r\n");
    assert_non_null(sep);
    size_t hl = (size_t)(sep - b.data);
    assert_true(hl < sizeof r->head);
    memcpy(r->head, b.data, hl);
    r->head[hl] = '\0';
    r->body = strdup(sep + 4);
    assert_non_null(r->body);
    ms_buf_free(&b);
}

static void get(int port, const char *method, const char *path, response *r)
{
    char req[256];
    if (strcmp(method, "POST") == 0)
        snprintf(req, sizeof req,
                 "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                 "Content-Length: 3\r\n\r\nabc",
                 path);
    else
        snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                 method, path);
    http(port, req, r);
}

/** Case-insensitive header check: "name: value" appears in the head. */
static void expect_header(const response *r, const char *line)
{
    if (!strcasestr(r->head, line))
        fail_msg("expected header '%s' in:\n%s", line, r->head);
}

static void test_http(void **state)
{
    ms_metrics *m = new_metrics();
    ADD(ms_metrics_worker(m, 0)->events_in, 42);
    char err[256] = "";
    ms_http *h = ms_http_start("127.0.0.1:0", m, err, sizeof err);
    if (!h)
        fail_msg("ms_http_start: %s", err);
    int port = ms_http_port(h);
    assert_true(port > 0 && port < 65536);

    response r;
    get(port, "GET", "/metrics", &r);
    assert_int_equal(r.status, 200);
    expect_header(&r, "Content-Type: text/plain; version=0.0.4");
    expect(r.body, "mentionsift_events_in_total 42\n");
    expect(r.body, "mentionsift_ruleset_info{version=\"abc123\"} 1\n");
    free(r.body);

    get(port, "GET", "/healthz", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok\n");
    free(r.body);

    get(port, "GET", "/readyz", &r);
    assert_int_equal(r.status, 503);
    free(r.body);
    atomic_store(&ms_metrics_worker(m, 0)->assigned, true);
    atomic_store(&ms_metrics_worker(m, 1)->assigned, true);
    get(port, "GET", "/readyz", &r);
    assert_int_equal(r.status, 200);
    free(r.body);

    get(port, "GET", "/nothing-here", &r);
    assert_int_equal(r.status, 404);
    free(r.body);

    get(port, "GET", "/metrics/", &r);
    assert_int_equal(r.status, 404);
    free(r.body);

    get(port, "POST", "/metrics", &r);
    assert_int_equal(r.status, 405);
    expect_header(&r, "Allow: GET, HEAD");
    free(r.body);

    get(port, "DELETE", "/readyz", &r);
    assert_int_equal(r.status, 405);
    free(r.body);

    /* the port is taken: a second server must fail and say why */
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    ms_http *again = ms_http_start(addr, m, err, sizeof err);
    assert_null(again);
    if (!strstr(err, "cannot listen on 127.0.0.1:"))
        fail_msg("unexpected error: %s", err);

    ms_http_stop(h);
    ms_metrics_free(m);
}

static void test_http_bad_address(void **state)
{
    ms_metrics *m = ms_metrics_new(1, NULL);
    assert_non_null(m);
    char err[256];
    static const char *const bad[] = {"127.0.0.1", "host.example:80", "127.0.0.1:99999",
                                      "[::1]9464", "127.0.0.1:-1", ":80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_null(ms_http_start(bad[i], m, err, sizeof err));
        if (!strstr(err, bad[i]))
            fail_msg("error for '%s' does not name it: %s", bad[i], err);
    }
    /* IPv6 loopback, when the machine has it */
    ms_http *h = ms_http_start("[::1]:0", m, err, sizeof err);
    if (h) {
        assert_true(ms_http_port(h) > 0);
        ms_http_stop(h);
    }
    ms_http_stop(NULL);
    assert_int_equal(ms_http_port(NULL), 0);
    ms_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters),  cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_latency_sum_of_a_backlog),
        cmocka_unit_test(test_ready),     cmocka_unit_test(test_concurrent_scrape),
        cmocka_unit_test(test_http),
        cmocka_unit_test(test_http_bad_address),
        cmocka_unit_test(test_rules_reload),
        cmocka_unit_test(test_topic_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
