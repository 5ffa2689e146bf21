/*
 * cmd_demo.c - `mentionsift demo`: the whole service on an embedded Kafka.
 *
 * Starts librdkafka's mock cluster (3 brokers on loopback TCP, the same
 * Kafka protocol any client speaks), creates the input and output topics
 * with several partitions, runs the real service against it, waits for its
 * /readyz as a deployment would, replays the bundled sample firehose into
 * the input topics with an ordinary producer, and reads every output topic
 * back with an ordinary consumer to show a
 * live summary: events per category, rate, the moderation and urgent
 * queues, and a few decisions with their evidence. Events are counted once
 * each, by id: an output delivered again (at-least-once) is counted apart.
 *
 * With --bootstrap HOST:PORT the same demo runs against a real cluster,
 * whose missing topics it creates first.
 * The mock keeps at most 100,000 messages or 5 MB per partition; the sample
 * is far below that.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <pthread.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/log.h"
#include "kafka/config.h"
#include "kafka/kafka_conf.h"
#include "kafka/route.h"
#include "kafka/service.h"

extern char **environ;

static volatile sig_atomic_t demo_run = 1;
static atomic_int service_run = 1; /* read by the service's threads */

static void on_signal(int sig)
{
    (void)sig;
    demo_run = 0;
}

typedef struct service_thread {
    const ms_config *cfg;
    int rc;
    volatile int http_port;
    atomic_int stopped; /* ms_service_run returned (rc is set) */
} service_thread;

/** @brief The service, on its own thread, until service_run is cleared. */
static void *service_main(void *arg)
{
    service_thread *st = arg;
    st->rc = ms_service_run(st->cfg, &service_run, NULL, &st->http_port);
    atomic_store(&st->stopped, 1);
    return NULL;
}

/**
 * @brief Ask the service's /readyz, as an orchestrator's probe would: true on
 * 200; otherwise false with the reason it gave (or why it could not be asked)
 * in `why`.
 */
static bool service_ready(int port, char *why, size_t whylen)
{
    snprintf(why, whylen, "the metrics endpoint is not up yet");
    if (port <= 0)
        return false;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, whylen, "socket: %s", strerror(errno));
        return false;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval limit = {.tv_sec = 2}; /* an endpoint that hangs is asked again */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) != 0) {
        snprintf(why, whylen, "setsockopt: %s", strerror(errno));
        close(fd);
        return false;
    }
    static const char req[] = "GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    char resp[512];
    size_t got = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1)) {
        snprintf(why, whylen, "127.0.0.1:%d/readyz: %s", port, strerror(errno));
        close(fd);
        return false;
    }
    ssize_t r;
    while (got < sizeof resp - 1 && (r = recv(fd, resp + got, sizeof resp - 1 - got, 0)) > 0)
        got += (size_t)r;
    close(fd);
    resp[got] = '\0';
    int status = 0;
    if (sscanf(resp, "HTTP/%*s %d", &status) != 1) {
        snprintf(why, whylen, "127.0.0.1:%d/readyz: no HTTP status in the answer", port);
        return false;
    }
    const char *body = strstr(resp, "\r\n\r\n");
    body = body ? body + 4 : "";
    if (!strncmp(body, "not ready: ", 11))
        body += 11;
    snprintf(why, whylen, "%s", body);
    why[strcspn(why, "\r\n")] = '\0';
    return status == 200;
}

/* How long the demo waits for the service to be ready: a cold start compiles
 * the rule set (tens of seconds on a busy machine) before the group forms. */
#define DEMO_READY_S 180.0

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mentionsift demo [OPTIONS]\n"
            "\n"
            "Starts an embedded Kafka cluster (librdkafka's mock, 3 brokers on loopback),\n"
            "runs the service on it, replays a sample firehose of whg mentions and shows\n"
            "what the service decided.\n"
            "\n"
            "  -b, --bootstrap HOST:PORT  use this Kafka cluster instead of the embedded one\n"
            "                             (the topics are created there when missing)\n"
            "  -f, --file FILE            mentions to replay (default: %s/bench/data/sample-mentions.jsonl)\n"
            "  -w, --workers N            worker threads (default: 2)\n"
            "  -k, --keep                 keep running after the replay until Ctrl-C\n"
            "  -h, --help                 this help\n",
            MS_SOURCE_DIR);
}

/* How long the demo waits, after the last event came out, for the outputs
 * that follow from the events (repeat-offender records) to arrive. */
#define DEMO_SETTLE_S 5.0

/* What the viewer has seen on the output topics. */
typedef struct summary {
    const ms_routes *routes;
    unsigned long per_topic[MS_MAX_TOPICS];
    unsigned long per_primary[MS_CAT_COUNT];
    unsigned long events; /* distinct events: counted on their primary topic */
    unsigned long redelivered; /* an event's output seen again (at-least-once) */
    void *seen;                /* tsearch tree of the events counted, by id */
    char examples[6][512];
    int n_examples;
    uint32_t example_cats;
    char repeat_example[400]; /* the first RepeatOffender record (JSON) */
} summary;

static const char *header(const rd_kafka_message_t *m, const char *name, char *buf, size_t n)
{
    rd_kafka_headers_t *h = NULL;
    const void *v;
    size_t len;
    buf[0] = '\0';
    if (rd_kafka_message_headers(m, &h) || rd_kafka_header_get_last(h, name, &v, &len))
        return buf;
    snprintf(buf, n, "%.*s", (int)len, (const char *)v);
    return buf;
}

/**
 * @brief True the first time an output (`id`: its topic and what it is of) is
 * seen. The service delivers at least once: a consumer-group rebalance before
 * a commit reprocesses its input, so an event's outputs can arrive twice.
 * Counting those twice would report more events out than went in; they are
 * counted apart, as `redelivered`.
 */
static bool first_sight(summary *s, const char *id)
{
    char *key = strdup(id);
    if (!key)
        return true; /* out of memory: count it rather than lose it */
    char **found = tsearch(key, &s->seen, (int (*)(const void *, const void *))strcmp);
    if (found && *found != key) {
        free(key);
        s->redelivered++;
        return false;
    }
    if (!found)
        free(key);
    return true;
}

/** @brief Count one output message; keep a few examples of distinct categories. */
static void observe(summary *s, const rd_kafka_message_t *m)
{
    const char *topic = rd_kafka_topic_name(m->rkt);
    int t = -1;
    for (size_t i = 0; i < s->routes->n; i++)
        if (!strcmp(s->routes->names[i], topic))
            t = (int)i;
    if (t < 0)
        return;
    /* one output per event and topic: a dead letter by where its input was,
     * a repeat-offender record by its own position, the rest by event id */
    char id[512], a[256], b[16], o[32];
    if (t == s->routes->route[MS_ROUTE_DEADLETTER])
        snprintf(id, sizeof id, "%s %s/%s@%s", topic,
                 header(m, "mentionsift-source-topic", a, sizeof a),
                 header(m, "mentionsift-source-partition", b, sizeof b),
                 header(m, "mentionsift-source-offset", o, sizeof o));
    else if (t == s->routes->route[MS_ROUTE_REPEAT_OFFENDER])
        snprintf(id, sizeof id, "%s %" PRId32 "@%" PRId64, topic, m->partition, m->offset);
    else
        snprintf(id, sizeof id, "%s %s", topic, header(m, "mentionsift-event-id", a, sizeof a));
    if (!first_sight(s, id))
        return;
    s->per_topic[t]++;
    char primary[64], rules[256], prio[32];
    header(m, "mentionsift-primary", primary, sizeof primary);
    ms_category c;
    if (t == s->routes->route[MS_ROUTE_DEADLETTER]) {
        s->events++;
        return;
    }
    if (t == s->routes->route[MS_ROUTE_REPEAT_OFFENDER]) {
        if (!s->repeat_example[0])
            snprintf(s->repeat_example, sizeof s->repeat_example, "%.*s%s",
                     (int)(m->len < 300 ? m->len : 300), (const char *)m->payload,
                     m->len > 300 ? "..." : "");
        return;
    }
    if (!ms_category_parse(primary, strlen(primary), &c) || s->routes->category[c] != t)
        return; /* a copy on the moderation or urgent topic */
    s->events++;
    s->per_primary[c]++;
    if (s->n_examples < 6 && !(s->example_cats & (1u << c)) && c != MS_CAT_OTHER) {
        s->example_cats |= 1u << c;
        header(m, "mentionsift-rules", rules, sizeof rules);
        header(m, "mentionsift-priority", prio, sizeof prio);
        char removal[32], act[48];
        header(m, "mentionsift-removal", removal, sizeof removal);
        snprintf(act, sizeof act, "%s%s", removal[0] ? "  removal=" : "", removal);
        /* the JSON output carries the redacted text; show its start */
        const char *txt = memmem(m->payload, m->len, "\"text\":\"", 8);
        int tl = 0;
        if (txt) {
            txt += 8;
            while (txt + tl < (const char *)m->payload + m->len && txt[tl] != '"' && tl < 90)
                tl++;
        }
        snprintf(s->examples[s->n_examples++], 512, "  %-18s %-7s rules=%s%s\n      \"%.*s%s\"",
                 primary, prio, rules[0] ? rules : "-", act, tl, txt ? txt : "",
                 tl >= 90 ? "..." : "");
    }
}

/** @brief The progress line; with `final`, the whole summary of what came out. */
static void print_summary(const summary *s, unsigned long produced, double secs, bool final)
{
    /* a newcomer's first seconds: say why nothing comes out yet */
    const char *why = !final && produced && !s->events
                          ? "  (consumer groups forming: Kafka holds each rebalance ~3 s for members)"
                          : "";
    printf("%s[%5.1fs] in %lu  classified %lu  (%.0f events/s)%s\n", final ? "\n" : "", secs,
           produced, s->events, secs > 0 ? (double)s->events / secs : 0.0, why);
    if (!final)
        return;
    if (s->redelivered)
        printf("%lu outputs were delivered again after a consumer-group rebalance (at-least-once);\n"
               "each event is counted once\n",
               s->redelivered);
    printf("\nby primary category:\n");
    for (int c = 0; c < MS_CAT_COUNT; c++)
        if (s->per_primary[c])
            printf("  %-20s %lu\n", ms_category_name((ms_category)c), s->per_primary[c]);
    printf("\nby output topic:\n");
    for (size_t t = 0; t < s->routes->n; t++)
        printf("  %-34s %lu%s\n", s->routes->names[t], s->per_topic[t],
               t == s->routes->route[MS_ROUTE_MODERATION] ? "   <- moderation queue (2.3)"
               : t == s->routes->route[MS_ROUTE_URGENT]   ? "   <- urgent queue (2.22)"
               : t == s->routes->route[MS_ROUTE_REPEAT_OFFENDER]
                   ? "   <- repeat offenders, for the Specialist (2.24)"
                   : "");
    printf("\nexample decisions:\n");
    for (int i = 0; i < s->n_examples; i++)
        printf("%s\n", s->examples[i]);
    if (s->repeat_example[0])
        printf("\na repeat offender (review_for_block; nothing is blocked by mentionsift):\n  %s\n",
               s->repeat_example);
}

/**
 * @brief On a real cluster, create the topics the demo uses (inputs with 6 partitions, outputs
 * with 3, the broker's default replication) before the service subscribes: a consumer does not
 * create the topics it subscribes to, so the workers would wait for partitions that only the
 * replay's producer brings, and see them at the next metadata refresh (5 minutes). A topic that
 * exists is left as it is; one that cannot be created is reported and the demo goes on (its
 * wait for /readyz then says what is missing).
 */
static void ensure_topics(const ms_config *cfg, const ms_routes *routes)
{
    char err[512];
    rd_kafka_conf_t *conf = ms_kafka_conf_new(cfg, MS_CLIENT_PRODUCER, "mentionsift-demo-admin",
                                              err, sizeof err);
    rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err) : NULL;
    if (!rk) {
        if (conf)
            rd_kafka_conf_destroy(conf);
        fprintf(stderr, "demo: cannot create a client to create the topics: %s\n", err);
        return;
    }
    size_t n = cfg->n_input_topics + routes->n;
    rd_kafka_NewTopic_t **topics = calloc(n, sizeof *topics);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    size_t made = 0;
    for (size_t i = 0; topics && i < n; i++) {
        bool input = i < cfg->n_input_topics;
        const char *name = input ? cfg->input_topics[i] : routes->names[i - cfg->n_input_topics];
        topics[made] = rd_kafka_NewTopic_new(name, input ? 6 : 3, -1, err, sizeof err);
        if (topics[made])
            made++;
        else
            fprintf(stderr, "demo: topic %s: %s\n", name, err);
    }
    rd_kafka_event_t *ev = NULL;
    if (topics && q && made) {
        rd_kafka_CreateTopics(rk, topics, made, NULL, q);
        ev = rd_kafka_queue_poll(q, 10000);
    }
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    if (!topics || !q) {
        fprintf(stderr, "demo: creating the topics: out of memory\n");
    } else if (!made) {
        /* each refusal was reported above */
    } else if (!res) {
        fprintf(stderr, "demo: creating the topics on %s: %s\n", cfg->bootstrap_servers,
                ev ? rd_kafka_event_error_string(ev) : "no answer within 10 s");
    } else {
        size_t nres;
        const rd_kafka_topic_result_t **r = rd_kafka_CreateTopics_result_topics(res, &nres);
        size_t created = 0, existed = 0;
        for (size_t i = 0; i < nres; i++) {
            rd_kafka_resp_err_t e = rd_kafka_topic_result_error(r[i]);
            if (!e)
                created++;
            else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                existed++;
            else
                fprintf(stderr, "demo: cannot create topic %s: %s (%s)\n",
                        rd_kafka_topic_result_name(r[i]), rd_kafka_topic_result_error_string(r[i]),
                        rd_kafka_err2name(e));
        }
        printf("topics: %zu created, %zu there already\n", created, existed);
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    for (size_t i = 0; i < made; i++)
        rd_kafka_NewTopic_destroy(topics[i]);
    free(topics);
    if (q)
        rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
}

/** @brief Input topic for a mention, by kind. */
static const char *input_topic(const ms_config *cfg, const ms_mention *m)
{
    size_t n = cfg->n_input_topics;
    if (m->kind == MS_KIND_INBOX_MESSAGE && n > 2)
        return cfg->input_topics[2];
    if (m->kind == MS_KIND_REPLY && n > 1)
        return cfg->input_topics[1];
    return cfg->input_topics[0];
}

int ms_cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"bootstrap", required_argument, NULL, 'b'}, {"file", required_argument, NULL, 'f'},
        {"workers", required_argument, NULL, 'w'},   {"keep", no_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0}};
    const char *bootstrap = NULL;
    char default_file[1024];
    snprintf(default_file, sizeof default_file, "%s/bench/data/sample-mentions.jsonl",
             MS_SOURCE_DIR);
    const char *file = default_file;
    int workers = 2;
    bool keep = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:f:w:kh", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bootstrap = optarg;
            break;
        case 'f':
            file = optarg;
            break;
        case 'w': {
            unsigned long long n;
            if (!ms_cli_uint("demo", "--workers", optarg, 1, 64, &n))
                return 2;
            workers = (int)n;
            break;
        }
        case 'k':
            keep = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    FILE *in = fopen(file, "r");
    if (!in) {
        fprintf(stderr, "demo: cannot open '%s': %s\n", file, strerror(errno));
        return 1;
    }

    int rc = 1;
    char err[512];
    rd_kafka_t *mock_rk = NULL, *producer = NULL, *viewer = NULL;
    rd_kafka_mock_cluster_t *mc = NULL;
    ms_config cfg;
    ms_buf errors;
    ms_buf_init(&errors);
    /* On the mock cluster a worker whose SyncGroup reaches the coordinator
     * after the leader's gets INVALID_REQUEST and rejoins, and the mock then
     * waits session.timeout.ms - 1 s before it completes the rebalance
     * (librdkafka rdkafka_mock_cgrp.c): with the default 45 s, two such
     * stalls outlast the demo. A short session keeps each to a few seconds.
     * The environment still wins (setenv does not overwrite). */
    if (!bootstrap && setenv("MENTIONSIFT_KAFKA_CONSUMER_SESSION_TIMEOUT_MS", "6000", 0) != 0)
        fprintf(stderr, "demo: setenv: %s\n", strerror(errno));
    if (!ms_config_load(&cfg, NULL, environ, &errors)) {
        ms_buf_terminate(&errors);
        fprintf(stderr, "%sdemo: invalid configuration in the environment\n",
                errors.data ? errors.data : "");
        ms_buf_free(&errors);
        fclose(in);
        return 2;
    }
    ms_buf_free(&errors);
    if (!cfg.rules_dir)
        cfg.rules_dir = strdup(ms_cli_default_rules_dir());
    cfg.workers = workers;
    cfg.output_encoding = MS_ENC_JSON;
    free(cfg.http_listen);
    cfg.http_listen = strdup("127.0.0.1:0");
    free(cfg.group_id);
    cfg.group_id = strdup("mentionsift-demo");
    if (getenv("MENTIONSIFT_LOG_LEVEL") == NULL)
        cfg.log_level = MS_LOG_WARN;
    ms_log_set_level(cfg.log_level);
    ms_routes routes;
    ms_routes_init(&routes, &cfg);

    if (!bootstrap) {
        /* The mock cluster lives inside a client handle of its own. */
        rd_kafka_conf_t *mconf = rd_kafka_conf_new();
        rd_kafka_conf_set(mconf, "log_level", "3", NULL, 0);
        mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, mconf, err, sizeof err);
        if (!mock_rk) {
            fprintf(stderr, "demo: cannot create the mock cluster's handle: %s\n", err);
            goto out;
        }
        mc = rd_kafka_mock_cluster_new(mock_rk, 3);
        if (!mc) {
            fprintf(stderr, "demo: rd_kafka_mock_cluster_new failed\n");
            goto out;
        }
        rd_kafka_resp_err_t te = RD_KAFKA_RESP_ERR_NO_ERROR;
        for (size_t i = 0; i < cfg.n_input_topics && !te; i++)
            te = rd_kafka_mock_topic_create(mc, cfg.input_topics[i], 6, 3);
        for (size_t t = 0; t < routes.n && !te; t++)
            te = rd_kafka_mock_topic_create(mc, routes.names[t], 3, 3);
        if (te) {
            fprintf(stderr, "demo: creating topics on the embedded cluster: %s\n",
                    rd_kafka_err2str(te));
            goto out;
        }
        bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
        printf("embedded Kafka (librdkafka mock cluster, 3 brokers): %s\n", bootstrap);
    } else {
        printf("Kafka cluster: %s\n", bootstrap);
    }
    free(cfg.bootstrap_servers);
    cfg.bootstrap_servers = strdup(bootstrap);
    if (!mc)
        ensure_topics(&cfg, &routes);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    service_thread st = {.cfg = &cfg};
    pthread_t svc;
    if (pthread_create(&svc, NULL, service_main, &st) != 0) {
        fprintf(stderr, "demo: cannot start the service thread\n");
        goto out;
    }

    /* Replaying before every worker holds its partitions would hand the first
     * events to a worker that the joining ones then take them from: their
     * offsets are not committed yet, so they are processed twice. The demo
     * shows the steady state, so it waits for /readyz as a deployment would. */
    {
        char why[256] = "", said[256] = "";
        double t0 = ms_clock_mono_s();
        while (demo_run && !service_ready(st.http_port, why, sizeof why)) {
            if (atomic_load(&st.stopped)) {
                fprintf(stderr, "demo: the service stopped before it was ready (status %d)\n",
                        st.rc);
                goto stop;
            }
            if (ms_clock_mono_s() - t0 > DEMO_READY_S) {
                fprintf(stderr, "demo: the service was not ready within %.0f s: %s\n",
                        DEMO_READY_S, why);
                goto stop;
            }
            if (strcmp(why, said) != 0) {
                printf("waiting for the service: %s\n", why);
                fflush(stdout);
                snprintf(said, sizeof said, "%s", why);
            }
            usleep(100 * 1000);
        }
        if (!demo_run)
            goto stop;
        printf("service ready after %.1f s\n", ms_clock_mono_s() - t0);
    }

    /* The viewer: an ordinary consumer of every output topic. */
    rd_kafka_conf_t *vconf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(vconf, "bootstrap.servers", bootstrap, err, sizeof err) ||
        rd_kafka_conf_set(vconf, "group.id", "mentionsift-demo-viewer", err, sizeof err) ||
        rd_kafka_conf_set(vconf, "auto.offset.reset", "earliest", err, sizeof err)) {
        fprintf(stderr, "demo: viewer config: %s\n", err);
        rd_kafka_conf_destroy(vconf);
        goto stop;
    }
    viewer = rd_kafka_new(RD_KAFKA_CONSUMER, vconf, err, sizeof err);
    if (!viewer) {
        fprintf(stderr, "demo: viewer: %s\n", err);
        rd_kafka_conf_destroy(vconf);
        goto stop;
    }
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new((int)routes.n);
    for (size_t t = 0; t < routes.n; t++)
        rd_kafka_topic_partition_list_add(subs, routes.names[t], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t se = rd_kafka_poll_set_consumer(viewer);
    if (!se)
        se = rd_kafka_subscribe(viewer, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (se) {
        fprintf(stderr, "demo: the viewer cannot subscribe to the output topics: %s\n",
                rd_kafka_err2str(se));
        goto stop;
    }

    /* The firehose: an ordinary producer replaying the sample. */
    rd_kafka_conf_t *pconf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(pconf, "bootstrap.servers", bootstrap, err, sizeof err)) {
        fprintf(stderr, "demo: producer config: %s\n", err);
        rd_kafka_conf_destroy(pconf);
        goto stop;
    }
    producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
    if (!producer) {
        fprintf(stderr, "demo: producer: %s\n", err);
        rd_kafka_conf_destroy(pconf);
        goto stop;
    }
    ms_decoder *dec = ms_decoder_new();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long produced = 0;
    while ((n = getline(&line, &cap, in)) > 0 && demo_run) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        ms_mention m;
        ms_codec_error cerr;
        const char *topic = cfg.input_topics[0];
        if (dec && ms_decode_mention(dec, MS_ENC_JSON, line, (size_t)n, &m, &cerr))
            topic = input_topic(&cfg, &m);
        /* undecodable lines are replayed too: they show the dead-letter topic */
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic),
                                      RD_KAFKA_V_VALUE(line, (size_t)n),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(producer, 10);
        if (e) {
            fprintf(stderr, "demo: produce to %s: %s\n", topic, rd_kafka_err2str(e));
            continue;
        }
        produced++;
    }
    free(line);
    ms_decoder_free(dec);
    rd_kafka_flush(producer, 10000);
    printf("replayed %lu mentions from %s into %s, %s, %s\n", produced, file,
           cfg.input_topics[0], cfg.n_input_topics > 1 ? cfg.input_topics[1] : "",
           cfg.n_input_topics > 2 ? cfg.input_topics[2] : "");

    summary s = {.routes = &routes};
    double t0 = ms_clock_mono_s(), last = t0, heard = t0, all_out = 0;
    while (demo_run && ms_clock_mono_s() - t0 < 120) {
        /* Once every event is out, the outputs that follow from them (the
         * repeat-offender records, which the offenders stage writes after
         * reading the moderation topic) are waited for until the topics
         * have been quiet for two seconds, at most DEMO_SETTLE_S: stopping at
         * the last event showed them in some runs and not in others. */
        double now = ms_clock_mono_s();
        if (!keep && s.events >= produced) {
            if (!all_out)
                all_out = now;
            if (now - heard >= 2.0 || now - all_out >= DEMO_SETTLE_S)
                break;
        }
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(viewer, 100);
        if (msg) {
            if (!msg->err) {
                observe(&s, msg);
                heard = ms_clock_mono_s();
            }
            rd_kafka_message_destroy(msg);
        }
        if (ms_clock_mono_s() - last >= 1.0) {
            print_summary(&s, produced, ms_clock_mono_s() - t0, false);
            last = ms_clock_mono_s();
        }
    }
    print_summary(&s, produced, ms_clock_mono_s() - t0, true);
    if (st.http_port)
        printf("\nmetrics were served at http://127.0.0.1:%d/metrics\n", st.http_port);
    rc = s.events >= produced ? 0 : 1;
    if (rc)
        fprintf(stderr, "demo: only %lu of %lu events came out within the time limit\n",
                s.events, produced);
    tdestroy(s.seen, free);
stop:
    /* The summary is the demo's output; the group's rebalance warnings while
     * the workers leave one by one would only bury it (errors still show). */
    fflush(stdout);
    if (getenv("MENTIONSIFT_LOG_LEVEL") == NULL)
        ms_log_set_level(MS_LOG_ERROR);
    service_run = 0;
    pthread_join(svc, NULL);
    if (st.rc == MS_SERVICE_ABANDONED) {
        fprintf(stderr, "demo: the service's workers did not stop in time; exiting\n");
        fflush(NULL);
        _exit(1); /* they still use the service's memory: free nothing */
    }
    if (st.rc == MS_SERVICE_LEFT_OPEN) {
        fflush(NULL);
        _exit(rc); /* a consumer could not leave its group: destroying it would wait */
    }
    if (st.rc != 0) {
        fprintf(stderr, "demo: the service stopped with status %d\n", st.rc);
        rc = 1;
    }
out:
    if (viewer) {
        rd_kafka_consumer_close(viewer);
        rd_kafka_destroy(viewer);
    }
    if (producer)
        rd_kafka_destroy(producer);
    if (mc)
        rd_kafka_mock_cluster_destroy(mc);
    if (mock_rk)
        rd_kafka_destroy(mock_rk);
    ms_config_free(&cfg);
    fclose(in);
    return rc;
}
