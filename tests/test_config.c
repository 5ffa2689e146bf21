/*
 * test_config.c - the service configuration: defaults, every key of the
 * file, the environment overriding it, and problems reported with where they
 * are (file:line or the variable) and what was wrong, all of them at once,
 * without ever printing a secret. Also the structured log lines (log.h),
 * whose level type lives in config.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/log.h"
#include "kafka/config.h"

static char *const no_env[] = {NULL};

/* ---- helpers -------------------------------------------------------- */

/** Write `text` to a fresh file under /tmp; returns its path (static). */
static const char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/ms-test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
    return path;
}

typedef struct loaded {
    ms_config c;
    bool ok;
    char *errors; /* NUL-terminated, never NULL */
    int n_errors;
} loaded;

/** Load `yaml` (NULL: no file) with `env`; keeps the errors as one string. */
static void load(loaded *l, const char *yaml, char *const *env)
{
    const char *path = yaml ? write_tmp(yaml) : NULL;
    ms_buf e;
    ms_buf_init(&e);
    l->ok = ms_config_load(&l->c, path, env, &e);
    ms_buf_terminate(&e);
    assert_true(ms_buf_ok(&e));
    l->errors = strdup(e.data ? e.data : "");
    assert_non_null(l->errors);
    ms_buf_free(&e);
    l->n_errors = 0;
    for (const char *p = l->errors; *p; p++)
        l->n_errors += *p == '\n';
    if (path)
        unlink(path);
}

static void unload(loaded *l)
{
    ms_config_free(&l->c);
    free(l->errors);
}

/** Fail unless the errors contain `want` (with the temp path as "FILE"). */
static void expect_error(const loaded *l, const char *want)
{
    if (!strstr(l->errors, want))
        fail_msg("expected an error containing\n  %s\ngot:\n%s", want, l->errors);
}

/* The errors with the temp file's path replaced by "FILE", for exact lines. */
static void expect_line(const loaded *l, const char *want_after_path)
{
    const char *p = l->c.path ? l->c.path : "";
    char want[512];
    snprintf(want, sizeof want, "%s%s\n", p, want_after_path);
    expect_error(l, want);
}

/* ---- tests ---------------------------------------------------------- */

static void test_defaults(void **state)
{
    loaded l;
    load(&l, NULL, no_env);
    assert_true(l.ok);
    assert_string_equal(l.errors, "");
    ms_config *c = &l.c;
    assert_null(c->path);
    assert_string_equal(c->bootstrap_servers, "127.0.0.1:9092");
    assert_string_equal(c->group_id, "mentionsift");
    assert_int_equal(c->common.n + c->consumer.n + c->producer.n, 0);
    assert_int_equal(c->n_input_topics, 3);
    assert_string_equal(c->input_topics[0], "whg.mentions");
    assert_string_equal(c->input_topics[1], "whg.comments");
    assert_string_equal(c->input_topics[2], "whg.inbox");
    assert_int_equal(c->input_encoding, MS_ENC_AUTO);
    assert_int_equal(c->output_encoding, MS_ENC_PROTOBUF);
    assert_true(c->redact);
    assert_string_equal(c->category_topic[MS_CAT_COMPLAINT], "whg.classified.complaint");
    assert_string_equal(c->category_topic[MS_CAT_REPAIR], "whg.classified.repair");
    assert_string_equal(c->category_topic[MS_CAT_MISINFORMATION], "whg.classified.misinformation");
    assert_string_equal(c->category_topic[MS_CAT_POSITIVE], "whg.classified.positive");
    assert_string_equal(c->category_topic[MS_CAT_QUESTION], "whg.classified.question");
    assert_string_equal(c->category_topic[MS_CAT_CONSENT_WITHDRAWAL], "whg.classified.consent");
    assert_string_equal(c->category_topic[MS_CAT_INDIVIDUAL_CASE], "whg.classified.case");
    static const ms_category moderation[] = {
        MS_CAT_PROFANITY,      MS_CAT_HATE,           MS_CAT_RELIGION_POLITICS,
        MS_CAT_COLLEAGUE,      MS_CAT_SEXUAL_GRAPHIC, MS_CAT_MALICIOUS_LINK,
        MS_CAT_DETRIMENTAL,    MS_CAT_ADVERTISING,    MS_CAT_PERSONAL_INFO};
    for (size_t i = 0; i < sizeof moderation / sizeof moderation[0]; i++)
        assert_string_equal(c->category_topic[moderation[i]], "whg.classified.moderation");
    static const ms_category other[] = {MS_CAT_NEGATIVE, MS_CAT_EXTERNAL, MS_CAT_VIP,
                                        MS_CAT_OTHER};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        assert_string_equal(c->category_topic[other[i]], "whg.classified.other");
    assert_string_equal(c->route_topic[MS_ROUTE_MODERATION], "whg.classified.moderation");
    assert_string_equal(c->route_topic[MS_ROUTE_URGENT], "whg.classified.urgent");
    assert_string_equal(c->route_topic[MS_ROUTE_DEADLETTER], "whg.deadletter");
    assert_null(c->rules_dir);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(c->workers, cpus < 1 ? 1 : cpus > 256 ? 256 : cpus);
    assert_int_equal(c->guarantee, MS_AT_LEAST_ONCE);
    assert_int_equal(c->max_event_bytes, 1048576);
    assert_int_equal(c->max_text_bytes, 65536);
    assert_int_equal(c->max_in_flight, 50000);
    assert_int_equal(c->shutdown_timeout_ms, 10000);
    assert_string_equal(c->http_listen, "127.0.0.1:9464");
    assert_int_equal(c->log_level, MS_LOG_INFO);
    assert_false(c->passthrough);
    assert_null(c->instance_id);
    assert_string_equal(c->route_topic[MS_ROUTE_REPEAT_OFFENDER], "whg.classified.repeat_offender");
    assert_true(c->offenders_enabled);
    assert_int_equal(c->offenders_threshold, 3);
    assert_int_equal(c->offenders_window_hours, 30 * 24);
    assert_int_equal(c->offenders_max_authors, 100000);
    unload(&l);
}

static const char every_key[] =
    "kafka:\n"
    "  bootstrap.servers: b1:9092,b2:9092\n"
    "  group.id: g1\n"
    "  common:\n"
    "    security.protocol: SASL_SSL\n"
    "    sasl.password: hunter2-common\n"
    "  consumer:\n"
    "    session.timeout.ms: 45000\n"
    "  producer: {linger.ms: 20, compression.type: lz4}\n"
    "input:\n"
    "  topics: [in.a, in-b, in_c]\n"
    "  encoding: json\n"
    "output:\n"
    "  encoding: json\n"
    "  redact: false\n"
    "  topics:\n"
    "    complaint: out.complaint\n"
    "    consent_withdrawal: out.consent\n"
    "    personal_info: out.pii\n"
    "    other: out.other\n"
    "    moderation: out.mod\n"
    "    urgent: out.urgent\n"
    "    deadletter: out.dlq\n"
    "    repeat_offender: out.repeat\n"
    "rules: /etc/rules\n"
    "workers: 7\n"
    "processing:\n"
    "  guarantee: exactly_once\n"
    "  max_event_bytes: 2048\n"
    "  max_text_bytes: 1024\n"
    "  max_in_flight: 10\n"
    "  shutdown_timeout_ms: 0\n"
    "  passthrough: true\n"
    "  instance_id: pod-7\n"
    "offenders:\n"
    "  enabled: false\n"
    "  threshold: 5\n"
    "  window_hours: 48\n"
    "  max_authors: 1234\n"
    "http:\n"
    "  listen: '[::1]:0'\n"
    "log:\n"
    "  level: debug\n";

static const char *kv_get(const ms_kv_list *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].key, key) == 0)
            return l->v[i].value;
    return NULL;
}

static void test_every_key(void **state)
{
    loaded l;
    load(&l, every_key, no_env);
    if (!l.ok)
        fail_msg("errors:\n%s", l.errors);
    ms_config *c = &l.c;
    assert_non_null(c->path);
    assert_string_equal(c->bootstrap_servers, "b1:9092,b2:9092");
    assert_string_equal(c->group_id, "g1");
    assert_int_equal(c->common.n, 2);
    assert_string_equal(kv_get(&c->common, "security.protocol"), "SASL_SSL");
    assert_string_equal(kv_get(&c->common, "sasl.password"), "hunter2-common");
    assert_string_equal(kv_get(&c->consumer, "session.timeout.ms"), "45000");
    assert_string_equal(kv_get(&c->producer, "linger.ms"), "20");
    assert_string_equal(kv_get(&c->producer, "compression.type"), "lz4");
    assert_int_equal(c->n_input_topics, 3);
    assert_string_equal(c->input_topics[0], "in.a");
    assert_string_equal(c->input_topics[1], "in-b");
    assert_string_equal(c->input_topics[2], "in_c");
    assert_int_equal(c->input_encoding, MS_ENC_JSON);
    assert_int_equal(c->output_encoding, MS_ENC_JSON);
    assert_false(c->redact);
    assert_string_equal(c->category_topic[MS_CAT_COMPLAINT], "out.complaint");
    assert_string_equal(c->category_topic[MS_CAT_CONSENT_WITHDRAWAL], "out.consent");
    assert_string_equal(c->category_topic[MS_CAT_PERSONAL_INFO], "out.pii");
    assert_string_equal(c->category_topic[MS_CAT_OTHER], "out.other");
    assert_string_equal(c->category_topic[MS_CAT_REPAIR], "whg.classified.repair"); /* kept */
    assert_string_equal(c->route_topic[MS_ROUTE_MODERATION], "out.mod");
    assert_string_equal(c->route_topic[MS_ROUTE_URGENT], "out.urgent");
    assert_string_equal(c->route_topic[MS_ROUTE_DEADLETTER], "out.dlq");
    assert_string_equal(c->route_topic[MS_ROUTE_REPEAT_OFFENDER], "out.repeat");
    assert_string_equal(c->rules_dir, "/etc/rules");
    assert_int_equal(c->workers, 7);
    assert_int_equal(c->guarantee, MS_EXACTLY_ONCE);
    assert_int_equal(c->max_event_bytes, 2048);
    assert_int_equal(c->max_text_bytes, 1024);
    assert_int_equal(c->max_in_flight, 10);
    assert_int_equal(c->shutdown_timeout_ms, 0);
    assert_true(c->passthrough);
    assert_string_equal(c->instance_id, "pod-7");
    assert_false(c->offenders_enabled);
    assert_int_equal(c->offenders_threshold, 5);
    assert_int_equal(c->offenders_window_hours, 48);
    assert_int_equal(c->offenders_max_authors, 1234);
    assert_string_equal(c->http_listen, "[::1]:0");
    assert_int_equal(c->log_level, MS_LOG_DEBUG);
    unload(&l);
}

/* Flat dotted keys, nested passthrough maps, "off", a comma list, an empty file. */
static void test_other_spellings(void **state)
{
    loaded l;
    load(&l,
         "kafka.group.id: flat\n"
         "kafka.consumer.fetch.min.bytes: 1\n"
         "kafka:\n"
         "  producer:\n"
         "    ssl: {key: {location: /k.pem}}\n"
         "input: {topics: 'x1, x2'}\n"
         "http: {listen: 'off'}\n"
         "output: {redact: no}\n",
         no_env);
    if (!l.ok)
        fail_msg("errors:\n%s", l.errors);
    assert_string_equal(l.c.group_id, "flat");
    assert_string_equal(kv_get(&l.c.consumer, "fetch.min.bytes"), "1");
    assert_string_equal(kv_get(&l.c.producer, "ssl.key.location"), "/k.pem");
    assert_int_equal(l.c.n_input_topics, 2);
    assert_string_equal(l.c.input_topics[1], "x2");
    assert_null(l.c.http_listen);
    assert_false(l.c.redact);
    unload(&l);

    load(&l, "# only a comment\n", no_env);
    assert_true(l.ok);
    assert_string_equal(l.c.group_id, "mentionsift");
    unload(&l);

    load(&l, "http:\n  listen: localhost:9464\nkafka:\n", no_env);
    assert_true(l.ok);
    assert_string_equal(l.c.http_listen, "localhost:9464");
    unload(&l);
}

static void test_unknown_key(void **state)
{
    loaded l;
    load(&l,
         "kafka:\n"
         "  bootstrapservers: x:1\n"
         "output:\n"
         "  topics:\n"
         "    complaints: t\n"
         "wokers: 3\n",
         no_env);
    assert_false(l.ok);
    expect_line(&l, ":2: unknown key 'kafka.bootstrapservers'");
    expect_line(&l, ":5: unknown key 'output.topics.complaints'");
    expect_line(&l, ":6: unknown key 'wokers'");
    assert_int_equal(l.n_errors, 3);
    unload(&l);
}

static void test_bad_values_named(void **state)
{
    loaded l;
    load(&l, "workers: -3\n", no_env);
    assert_false(l.ok);
    expect_line(&l, ":1: key 'workers': '-3' is not an integer between 0 and 256");
    unload(&l);

    load(&l, "workers: 257\n", no_env);
    expect_line(&l, ":1: key 'workers': '257' is not an integer between 0 and 256");
    unload(&l);

    load(&l, "input:\n  encoding: xml\n", no_env);
    assert_false(l.ok);
    expect_line(&l, ":2: key 'input.encoding': 'xml' is not an encoding: use json, protobuf or "
                    "auto");
    unload(&l);

    load(&l, "output:\n  encoding: auto\n", no_env); /* auto is for input only */
    expect_line(&l, ":2: key 'output.encoding': 'auto' is not an encoding: use protobuf or json");
    unload(&l);

    load(&l, "output:\n  topics:\n    repair: 'bad topic'\n", no_env);
    expect_line(&l, ":3: key 'output.topics.repair': 'bad topic' contains byte 0x20; topic names "
                    "may only contain a-z, A-Z, 0-9, '.', '_' and '-'");
    unload(&l);

    load(&l, "output:\n  topics:\n    urgent: a/b\n", no_env);
    expect_error(&l, "key 'output.topics.urgent': 'a/b' contains '/'");
    unload(&l);

    char long_topic[300] = "output: {topics: {deadletter: ";
    size_t n = strlen(long_topic);
    memset(long_topic + n, 'x', 250);
    strcpy(long_topic + n + 250, "}}\n");
    load(&l, long_topic, no_env);
    expect_error(&l, "is longer than 249 characters");
    unload(&l);

    load(&l, "input:\n  topics: []\n", no_env);
    expect_line(&l, ":2: key 'input.topics': needs at least one topic");
    unload(&l);

    load(&l, "input:\n  topics: [a, a]\n", no_env);
    expect_error(&l, "key 'input.topics': topic 'a' is listed twice");
    unload(&l);

    load(&l, "http:\n  listen: 127.0.0.1\n", no_env);
    expect_line(&l, ":2: key 'http.listen': '127.0.0.1' is not HOST:PORT or 'off'");
    unload(&l);

    load(&l, "http:\n  listen: 127.0.0.1:70000\n", no_env);
    expect_error(&l, "key 'http.listen': '127.0.0.1:70000' has a port that is not a number "
                     "between 0 and 65535");
    unload(&l);

    load(&l, "http:\n  listen: example.com:80\n", no_env);
    expect_error(&l, "key 'http.listen': 'example.com:80' has a host that is not an IPv4");
    unload(&l);

    load(&l, "processing:\n  guarantee: maybe_once\n  max_in_flight: 0\n", no_env);
    expect_line(&l, ":2: key 'processing.guarantee': 'maybe_once' is not a delivery guarantee: "
                    "use at_least_once or exactly_once");
    expect_line(&l, ":3: key 'processing.max_in_flight': '0' is not an integer between 1 and "
                    "10000000");
    unload(&l);

    /* a repeat offender needs two offences at least, and the stage keeps 8 */
    load(&l, "offenders:\n  threshold: 1\n  window_hours: 0\n", no_env);
    expect_line(&l, ":2: key 'offenders.threshold': '1' is not an integer between 2 and 8");
    expect_line(&l, ":3: key 'offenders.window_hours': '0' is not an integer between 1 and 8784");
    unload(&l);
    load(&l, "offenders: {threshold: 9, max_authors: 0}\n", no_env);
    expect_error(&l, "key 'offenders.threshold': '9' is not an integer between 2 and 8");
    expect_error(&l, "key 'offenders.max_authors': '0' is not an integer between 1 and 10000000");
    unload(&l);

    load(&l, "log: {level: verbose}\noutput: {redact: perhaps}\n", no_env);
    expect_error(&l, "key 'log.level': 'verbose' is not a log level");
    expect_error(&l, "key 'output.redact': 'perhaps' is not a boolean");
    unload(&l);

    load(&l, "workers: [1]\nkafka: 3\nkafka.group.id: ''\n", no_env);
    expect_line(&l, ":1: key 'workers': expected a single value, not a list");
    expect_line(&l, ":2: key 'kafka': expected a mapping of keys to values");
    expect_line(&l, ":3: key 'kafka.group.id': is empty; a value is needed");
    unload(&l);
}

static void test_all_errors_reported(void **state)
{
    loaded l;
    load(&l,
         "workers: many\n"
         "input:\n"
         "  encoding: csv\n"
         "  topics: [ok, 'no way']\n"
         "bogus: 1\n"
         "log:\n"
         "  level: loud\n"
         "workers: 2\n",
         no_env);
    assert_false(l.ok);
    expect_line(&l, ":1: key 'workers': 'many' is not an integer between 0 and 256");
    expect_line(&l, ":3: key 'input.encoding': 'csv' is not an encoding: use json, protobuf or "
                    "auto");
    expect_error(&l, "key 'input.topics': topic 'no way' contains byte 0x20");
    expect_line(&l, ":5: unknown key 'bogus'");
    expect_line(&l, ":7: key 'log.level': 'loud' is not a log level: use debug, info, warn or "
                    "error");
    expect_line(&l, ":8: key 'workers' is given twice (first on line 1)");
    assert_int_equal(l.n_errors, 6);
    unload(&l);
}

static void test_syntax_and_file_errors(void **state)
{
    loaded l;
    load(&l, "kafka:\n  group.id: [unclosed\nworkers: 1\n", no_env);
    assert_false(l.ok);
    expect_error(&l, "YAML syntax error");
    unload(&l);

    load(&l, "- a\n- b\n", no_env);
    expect_line(&l, ":1: the configuration must be a mapping of keys to values");
    unload(&l);

    ms_config c;
    ms_buf e;
    ms_buf_init(&e);
    assert_false(ms_config_load(&c, "/nonexistent/mentionsift.yaml", no_env, &e));
    ms_buf_terminate(&e);
    assert_non_null(strstr(e.data, "/nonexistent/mentionsift.yaml: cannot open the "
                                   "configuration file: No such file or directory"));
    ms_buf_free(&e);
    ms_config_free(&c);

    /* An input topic that is also an output topic would loop. */
    load(&l, "input: {topics: [whg.mentions, whg.deadletter]}\n", no_env);
    expect_error(&l, "key 'input.topics': topic 'whg.deadletter' is also "
                     "output.topics.deadletter; the service would read its own output");
    unload(&l);
}

static void test_env_overrides_file(void **state)
{
    char *env[] = {"HOME=/root",
                   "MENTIONSIFT_WORKERS=4",
                   "MENTIONSIFT_KAFKA_BOOTSTRAP_SERVERS=env:9092",
                   "MENTIONSIFT_KAFKA_GROUP_ID=env-group",
                   "MENTIONSIFT_INPUT_TOPICS=e1,e2",
                   "MENTIONSIFT_OUTPUT_TOPICS_CONSENT_WITHDRAWAL=env.consent",
                   "MENTIONSIFT_OUTPUT_TOPICS_DEADLETTER=env.dlq",
                   "MENTIONSIFT_OUTPUT_REDACT=false",
                   "MENTIONSIFT_PROCESSING_MAX_TEXT_BYTES=99",
                   "MENTIONSIFT_HTTP_LISTEN=off",
                   "MENTIONSIFT_LOG_LEVEL=warn",
                   "MENTIONSIFT_RULES=/env/rules",
                   "MENTIONSIFT_KAFKA_PRODUCER_LINGER_MS=50",
                   "MENTIONSIFT_KAFKA_CONSUMER_FETCH_WAIT_MAX_MS=7",
                   "MENTIONSIFT_KAFKA_COMMON_SASL_USERNAME=svc",
                   "MENTIONSIFT_CACHE_DIR=/tmp/cache", /* read by the rule loader: allowed */
                   NULL};
    loaded l;
    load(&l,
         "workers: 2\n"
         "kafka: {group.id: file-group, producer: {linger.ms: 5, acks: 1}}\n"
         "http: {listen: '127.0.0.1:1'}\n"
         "log: {level: debug}\n",
         env);
    if (!l.ok)
        fail_msg("errors:\n%s", l.errors);
    ms_config *c = &l.c;
    assert_int_equal(c->workers, 4);
    assert_string_equal(c->bootstrap_servers, "env:9092");
    assert_string_equal(c->group_id, "env-group");
    assert_int_equal(c->n_input_topics, 2);
    assert_string_equal(c->input_topics[0], "e1");
    assert_string_equal(c->input_topics[1], "e2");
    assert_string_equal(c->category_topic[MS_CAT_CONSENT_WITHDRAWAL], "env.consent");
    assert_string_equal(c->route_topic[MS_ROUTE_DEADLETTER], "env.dlq");
    assert_false(c->redact);
    assert_int_equal(c->max_text_bytes, 99);
    assert_null(c->http_listen);
    assert_int_equal(c->log_level, MS_LOG_WARN);
    assert_string_equal(c->rules_dir, "/env/rules");
    assert_string_equal(kv_get(&c->producer, "linger.ms"), "50"); /* env replaced file */
    assert_string_equal(kv_get(&c->producer, "acks"), "1");       /* file kept */
    assert_int_equal(c->producer.n, 2);
    assert_string_equal(kv_get(&c->consumer, "fetch.wait.max.ms"), "7");
    assert_string_equal(kv_get(&c->common, "sasl.username"), "svc");
    unload(&l);
}

static void test_env_errors(void **state)
{
    char *env[] = {"MENTIONSIFT_WORKER=4", /* typo */
                   "MENTIONSIFT_WORKERS=-3",
                   "MENTIONSIFT_INPUT_ENCODING=yaml",
                   "MENTIONSIFT_OUTPUT_TOPICS_URGENT=has space",
                   "MENTIONSIFT_HTTP_LISTEN=nowhere",
                   "MENTIONSIFT_KAFKA_PRODUCER_=1",
                   "MENTIONSIFT_KAFKA_COMMON_SASL_PASSWORD=s3cret-env-value",
                   NULL};
    loaded l;
    load(&l, NULL, env);
    assert_false(l.ok);
    expect_error(&l, "environment: MENTIONSIFT_WORKER: unknown variable");
    expect_error(&l, "environment: MENTIONSIFT_WORKERS: '-3' is not an integer between 0 and "
                     "256\n");
    expect_error(&l, "environment: MENTIONSIFT_INPUT_ENCODING: 'yaml' is not an encoding");
    expect_error(&l, "environment: MENTIONSIFT_OUTPUT_TOPICS_URGENT: 'has space' contains");
    expect_error(&l, "environment: MENTIONSIFT_HTTP_LISTEN: 'nowhere' is not HOST:PORT");
    expect_error(&l, "environment: MENTIONSIFT_KAFKA_PRODUCER_: no librdkafka property name");
    assert_int_equal(l.n_errors, 6);
    assert_null(strstr(l.errors, "s3cret-env-value"));
    unload(&l);
}

static void test_secrets_redacted(void **state)
{
    assert_true(ms_config_is_secret("sasl.password"));
    assert_true(ms_config_is_secret("ssl.key.password"));
    assert_true(ms_config_is_secret("SSL.KEY.PASSWORD"));
    assert_true(ms_config_is_secret("sasl.oauthbearer.client.secret"));
    assert_true(ms_config_is_secret("ssl.key.location"));
    assert_true(ms_config_is_secret("api_token"));
    assert_false(ms_config_is_secret("group.id"));
    assert_false(ms_config_is_secret("linger.ms"));
    assert_false(ms_config_is_secret("bootstrap.servers"));
    assert_false(ms_config_is_secret(NULL));

    char *env[] = {"MENTIONSIFT_KAFKA_CONSUMER_SSL_KEY_PASSWORD=env-secret-42", NULL};
    loaded l;
    load(&l,
         "kafka:\n"
         "  common: {sasl.username: alice, sasl.password: file-secret-17}\n"
         "  producer: {sasl.oauthbearer.client.secret: oauth-secret-99, linger.ms: 3}\n",
         env);
    if (!l.ok)
        fail_msg("errors:\n%s", l.errors);
    ms_buf d;
    ms_buf_init(&d);
    ms_config_dump(&l.c, &d);
    ms_buf_terminate(&d);
    assert_true(ms_buf_ok(&d));
    assert_null(strstr(d.data, "file-secret-17"));
    assert_null(strstr(d.data, "oauth-secret-99"));
    assert_null(strstr(d.data, "env-secret-42"));
    assert_non_null(strstr(d.data, "kafka.common.sasl.password = [redacted]\n"));
    assert_non_null(strstr(d.data, "kafka.producer.sasl.oauthbearer.client.secret = [redacted]\n"));
    assert_non_null(strstr(d.data, "kafka.consumer.ssl.key.password = [redacted]\n"));
    assert_non_null(strstr(d.data, "kafka.common.sasl.username = alice\n"));
    assert_non_null(strstr(d.data, "kafka.producer.linger.ms = 3\n"));
    assert_non_null(strstr(d.data, "kafka.group.id = mentionsift\n"));
    assert_non_null(strstr(d.data, "http.listen = 127.0.0.1:9464\n"));
    assert_non_null(strstr(d.data, "output.topics.deadletter = whg.deadletter\n"));
    ms_buf_free(&d);
    unload(&l);

    /* A value holding a newline cannot forge a line that shows a secret (a
     * case the config fuzzer found): control bytes are dumped escaped. */
    load(&l,
         "kafka:\n"
         "  producer: {sasl.password: tok-abc, client.id: \"a\\nkafka.producer.sasl.password = "
         "tok-abc\\tb\\\\c\"}\n",
         no_env);
    if (!l.ok)
        fail_msg("errors:\n%s", l.errors);
    ms_buf_init(&d);
    ms_config_dump(&l.c, &d);
    ms_buf_terminate(&d);
    assert_null(strstr(d.data, "\nkafka.producer.sasl.password = tok-abc"));
    assert_non_null(strstr(d.data, "kafka.producer.sasl.password = [redacted]\n"));
    assert_non_null(strstr(
        d.data, "kafka.producer.client.id = a\\nkafka.producer.sasl.password = tok-abc\\tb\\\\c\n"));
    ms_buf_free(&d);
    unload(&l);
}

/* docker/mentionsift.yaml documents every key with its default. */
static void test_sample_config_is_the_defaults(void **state)
{
    ms_buf e, d1, d2;
    ms_buf_init(&e);
    ms_buf_init(&d1);
    ms_buf_init(&d2);
    ms_config sample, defaults;
    bool ok = ms_config_load(&sample, MS_SOURCE_DIR "/docker/mentionsift.yaml", no_env, &e);
    ms_buf_terminate(&e);
    if (!ok)
        fail_msg("docker/mentionsift.yaml:\n%s", e.data);
    assert_true(ms_config_load(&defaults, NULL, no_env, &e));
    ms_config_dump(&sample, &d1);
    ms_config_dump(&defaults, &d2);
    ms_buf_terminate(&d1);
    ms_buf_terminate(&d2);
    /* skip the first line, which names the file */
    const char *a = strchr(d1.data, '\n'), *b = strchr(d2.data, '\n');
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    ms_buf_free(&e);
    ms_buf_free(&d1);
    ms_buf_free(&d2);
    ms_config_free(&sample);
    ms_config_free(&defaults);
}

static void test_route_names(void **state)
{
    assert_string_equal(ms_route_name(MS_ROUTE_MODERATION), "moderation");
    assert_string_equal(ms_route_name(MS_ROUTE_URGENT), "urgent");
    assert_string_equal(ms_route_name(MS_ROUTE_DEADLETTER), "deadletter");
    assert_string_equal(ms_route_name(MS_ROUTE_COUNT), "unknown");
}

/* ---- log.h ---------------------------------------------------------- */

/** Run ms_log with stderr redirected to a file; returns what was written. */
static char *capture_log(void (*fn)(void))
{
    char path[] = "/tmp/ms-test-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    fn();
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    off_t n = lseek(fd, 0, SEEK_END);
    assert_true(n >= 0);
    char *out = calloc(1, (size_t)n + 1);
    assert_non_null(out);
    assert_int_equal(pread(fd, out, (size_t)n, 0), n);
    close(fd);
    return out;
}

static void log_some(void)
{
    ms_log_set_level(MS_LOG_INFO);
    ms_log(MS_LOG_DEBUG, "test", "hidden", NULL);
    ms_log(MS_LOG_WARN, "worker", "quote \" backslash \\ newline \n tab \t bell \a", "topic",
           "whg.x", "bad", "\xff\xfe ok \xc3\xa9", NULL);
}

static void log_long(void)
{
    static char big[10000];
    memset(big, 'a', sizeof big - 1);
    big[0] = '\xc3'; /* a 2-byte character at the start... */
    big[1] = '\xa9';
    for (size_t i = 2; i + 1 < sizeof big - 1; i += 2) { /* ...and all the way */
        big[i] = '\xc3';
        big[i + 1] = '\xa9';
    }
    ms_log(MS_LOG_ERROR, "test", "long", "value", big, "after", "dropped", NULL);
}

static void test_log_lines(void **state)
{
    char *out = capture_log(log_some);
    assert_null(strstr(out, "hidden"));
    assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1); /* exactly one line */
    assert_true(strncmp(out, "{\"ts\":\"", 7) == 0);
    /* 2026-11-25T17:28:53.123Z */
    const char *ts = out + 7;
    assert_int_equal(ts[4], '-');
    assert_int_equal(ts[10], 'T');
    assert_int_equal(ts[19], '.');
    assert_int_equal(ts[23], 'Z');
    assert_non_null(strstr(out, "\",\"level\":\"warn\",\"component\":\"worker\",\"msg\":\"quote \\\" "
                                "backslash \\\\ newline \\n tab \\t bell \\u0007\",\"topic\":"
                                "\"whg.x\",\"bad\":\"\\ufffd\\ufffd ok \xc3\xa9\"}\n"));
    free(out);

    assert_false(ms_log_enabled(MS_LOG_DEBUG));
    assert_true(ms_log_enabled(MS_LOG_ERROR));

    out = capture_log(log_long);
    size_t n = strlen(out);
    assert_true(n <= 4096);
    assert_true(n > 4000);
    assert_string_equal(out + n - 6, "...\"}\n");
    assert_null(strstr(out, "dropped"));
    /* cut at a character boundary: the byte before "..." ends a character */
    assert_true((unsigned char)out[n - 7] == 0xa9);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_other_spellings),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_bad_values_named),
        cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_syntax_and_file_errors),
        cmocka_unit_test(test_env_overrides_file),
        cmocka_unit_test(test_env_errors),
        cmocka_unit_test(test_secrets_redacted),
        cmocka_unit_test(test_sample_config_is_the_defaults),
        cmocka_unit_test(test_route_names),
        cmocka_unit_test(test_log_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
