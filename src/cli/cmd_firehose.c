/*
 * cmd_firehose.c - `mentionsift firehose`: synthetic mentions to Kafka at a
 * given rate, and `mentionsift mock-cluster`: an embedded Kafka cluster
 * (librdkafka's mock) on loopback for tests and experiments.
 *
 * The firehose draws from the deterministic corpus generator (corpus.h), so
 * a seed and a count always produce the same events. Messages are keyed by
 * author id, like a real platform connector would.
 */
#include <getopt.h>
#include <limits.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/corpus.h"

/* Delivery reports: an event counts as delivered only when the broker
 * acknowledged it; enqueueing it is not delivery. */
typedef struct fh_dr {
    unsigned long long delivered, failed;
} fh_dr;

/** @brief Delivery report (served by rd_kafka_poll/flush on this thread): count acknowledged and
 *  failed events, printing only the first 10 failures. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    fh_dr *dr = opaque;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        dr->delivered++;
        return;
    }
    if (dr->failed++ < 10)
        fprintf(stderr, "firehose: not delivered to %s [%d]: %s (%s)\n",
                rd_kafka_topic_name(msg->rkt), (int)msg->partition, rd_kafka_err2str(msg->err),
                rd_kafka_message_status(msg) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED
                    ? "possibly persisted"
                    : "not persisted");
}

/** @brief Print the firehose command's help to `f` (stdout for --help, stderr on a usage error). */
static void firehose_usage(FILE *f)
{
    fprintf(f,
            "usage: mentionsift firehose --bootstrap HOST:PORT [OPTIONS]\n"
            "\n"
            "Produces synthetic whg mentions (deterministic for a seed) to Kafka.\n"
            "\n"
            "  -b, --bootstrap HOST:PORT  Kafka bootstrap servers (required)\n"
            "  -t, --topic NAME           topic (default: whg.mentions)\n"
            "  -n, --count N              events to produce (default: 10000; 0 = until Ctrl-C)\n"
            "  -r, --rate N               events per second (default: 0 = as fast as possible)\n"
            "  -s, --seed N               corpus seed (default: 1)\n"
            "  -l, --length N             mean text length in bytes (default: natural)\n"
            "  -e, --encoding FMT         json | protobuf (default: json)\n"
            "  -X PROP=VALUE              any librdkafka producer property\n"
            "  -h, --help                 this help\n");
}

int ms_cmd_firehose(int argc, char **argv)
{
    static const struct option opts[] = {
        {"bootstrap", required_argument, NULL, 'b'}, {"topic", required_argument, NULL, 't'},
        {"count", required_argument, NULL, 'n'},     {"rate", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},      {"length", required_argument, NULL, 'l'},
        {"encoding", required_argument, NULL, 'e'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *bootstrap = NULL, *topic = "whg.mentions";
    unsigned long long count = 10000, seed = 1, mean_len = 0;
    double rate = 0;
    bool ok = true;
    ms_encoding enc = MS_ENC_JSON;
    ms_corpus_options copt;
    ms_corpus_options_default(&copt);
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:t:n:r:s:l:e:X:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bootstrap = optarg;
            break;
        case 't':
            topic = optarg;
            break;
        case 'n':
            ok = ms_cli_uint("firehose", "--count", optarg, 0, ULLONG_MAX, &count);
            break;
        case 'r':
            ok = ms_cli_real("firehose", "--rate", optarg, 0, 1e9, &rate);
            break;
        case 's':
            ok = ms_cli_uint("firehose", "--seed", optarg, 0, ULLONG_MAX, &seed);
            break;
        case 'l':
            /* 0 keeps the generator's natural lengths */
            ok = ms_cli_uint("firehose", "--length", optarg, 0, 65536, &mean_len);
            copt.mean_len = (uint32_t)mean_len;
            break;
        case 'e':
            if (!strcmp(optarg, "json"))
                enc = MS_ENC_JSON;
            else if (!strcmp(optarg, "protobuf"))
                enc = MS_ENC_PROTOBUF;
            else {
                fprintf(stderr, "firehose: --encoding must be json or protobuf, not '%s'\n",
                        optarg);
                rd_kafka_conf_destroy(conf);
                return 2;
            }
            break;
        case 'X':
            if (!ms_cli_kafka_prop(conf, "firehose", optarg)) {
                rd_kafka_conf_destroy(conf);
                return 2;
            }
            break;
        case 'h':
            firehose_usage(stdout);
            rd_kafka_conf_destroy(conf);
            return 0;
        default:
            firehose_usage(stderr);
            rd_kafka_conf_destroy(conf);
            return 2;
        }
        if (!ok) { /* a number refused, with its message */
            rd_kafka_conf_destroy(conf);
            return 2;
        }
    }
    if (!bootstrap) {
        fprintf(stderr, "firehose: --bootstrap is required\n");
        firehose_usage(stderr);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    /* idempotent: a retry after a broker failure never writes an event twice,
     * so downstream counts per event id measure the service, not the producer */
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) ||
        rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof err) ||
        rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err)) {
        fprintf(stderr, "firehose: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    fh_dr dr = {0};
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &dr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "firehose: rd_kafka_new: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    ms_corpus *corpus = ms_corpus_new(seed, &copt);
    ms_buf buf;
    ms_buf_init(&buf);
    if (!corpus) {
        fprintf(stderr, "firehose: out of memory\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    ms_cli_stop_on_signals();
    double t0 = ms_clock_mono_s(), last = t0;
    unsigned long long sent = 0, failed = 0;
    while (ms_cli_run && (count == 0 || sent < count)) {
        if (rate > 0) {
            double due = t0 + (double)sent / rate;
            double now = ms_clock_mono_s();
            if (due > now) {
                rd_kafka_poll(rk, (int)((due - now) * 1000) + 1);
                continue;
            }
        }
        ms_mention m;
        ms_corpus_next(corpus, &m);
        ms_buf_reset(&buf);
        if (!ms_encode_mention(&buf, enc, &m) || !ms_buf_ok(&buf)) {
            failed++;
            continue;
        }
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                      RD_KAFKA_V_KEY(m.author.id.ptr, m.author.id.len),
                                      RD_KAFKA_V_VALUE(buf.data, buf.len),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
                   RD_KAFKA_RESP_ERR__QUEUE_FULL &&
               ms_cli_run)
            rd_kafka_poll(rk, 10);
        if (e) {
            failed++;
            fprintf(stderr, "firehose: produce to %s: %s\n", topic, rd_kafka_err2str(e));
            continue;
        }
        sent++;
        rd_kafka_poll(rk, 0);
        if (ms_clock_mono_s() - last >= 1.0) {
            fprintf(stderr, "firehose: %llu sent (%.0f/s)\n", sent, (double)sent / (ms_clock_mono_s() - t0));
            last = ms_clock_mono_s();
        }
    }
    rd_kafka_resp_err_t fe = rd_kafka_flush(rk, 120000); /* brokers may be recovering */
    /* "sent" = enqueued; "delivered" = acknowledged by the broker. Note that an
     * idempotent producer may acknowledge a batch implicitly when a later batch
     * of the same partition succeeds (it assumes the earlier one was written,
     * as a real broker guarantees); librdkafka's mock cluster does not check
     * idempotent sequences, so there "delivered" is not proof of presence. */
    fprintf(stderr, "firehose: %llu sent to %s in %.2f s, %llu delivered, %llu failed%s\n", sent,
            topic, ms_clock_mono_s() - t0, dr.delivered, failed + dr.failed,
            fe ? ", flush timed out" : "");
    ms_buf_free(&buf);
    ms_corpus_free(corpus);
    rd_kafka_destroy(rk);
    return failed || dr.failed || fe ? 1 : 0;
}

/* One round of client error-path faults on the mock cluster: retriable
 * request errors on Produce, Fetch, OffsetCommit, Heartbeat and
 * FindCoordinator, a broker down and up, added round-trip time, and
 * retriable errors on the transactional requests (AddPartitionsToTxn,
 * AddOffsetsToTxn, TxnOffsetCommit, EndTxn). A pushed error waits for the
 * next request of its kind, so transactional ones only bite a
 * transactional producer. */
static void inject_faults(rd_kafka_mock_cluster_t *mc, int brokers, int round, long *counts)
{
    enum {
        PRODUCE = 0, FETCH = 1, OFFSET_COMMIT = 8, FIND_COORDINATOR = 10, HEARTBEAT = 12,
        ADD_PARTITIONS_TO_TXN = 24, ADD_OFFSETS_TO_TXN = 25, END_TXN = 26, TXN_OFFSET_COMMIT = 28
    };
    switch (round % 6) {
    case 0:
        rd_kafka_mock_push_request_errors(mc, PRODUCE, 3, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                          RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                          RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
        counts[0] += 3;
        break;
    case 1:
        rd_kafka_mock_push_request_errors(mc, FETCH, 2, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                          RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
        counts[1] += 2;
        break;
    case 2:
        rd_kafka_mock_push_request_errors(mc, OFFSET_COMMIT, 3,
                                          RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
                                          RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
                                          RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
        rd_kafka_mock_push_request_errors(mc, HEARTBEAT, 1, RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
        rd_kafka_mock_push_request_errors(mc, FIND_COORDINATOR, 1,
                                          RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE);
        counts[2] += 5;
        break;
    case 3:
        rd_kafka_mock_broker_set_down(mc, brokers > 1 ? 2 : 1);
        sleep(2);
        rd_kafka_mock_broker_set_up(mc, brokers > 1 ? 2 : 1);
        counts[3]++;
        break;
    case 4:
        rd_kafka_mock_broker_set_rtt(mc, 1, 300);
        sleep(2);
        rd_kafka_mock_broker_set_rtt(mc, 1, 0);
        counts[4]++;
        break;
    case 5:
        rd_kafka_mock_push_request_errors(mc, ADD_PARTITIONS_TO_TXN, 1,
                                          RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS);
        rd_kafka_mock_push_request_errors(mc, ADD_OFFSETS_TO_TXN, 1,
                                          RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE);
        rd_kafka_mock_push_request_errors(mc, TXN_OFFSET_COMMIT, 1,
                                          RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS);
        rd_kafka_mock_push_request_errors(mc, END_TXN, 1, RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
        counts[5] += 4;
        break;
    }
}

int ms_cmd_mock_cluster(int argc, char **argv)
{
    unsigned long long brokers = 3, fault_seconds = 0;
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: mentionsift mock-cluster [BROKERS] [--faults SECONDS]\n\n"
               "Starts librdkafka's mock Kafka cluster (default 3 brokers) on loopback,\n"
               "prints its bootstrap servers on stdout and runs until SIGTERM/SIGINT.\n"
               "Topics are auto-created (4 partitions). It keeps at most 100,000 messages\n"
               "or 5 MB per partition and has no transaction markers.\n\n"
               "--faults SECONDS injects client error-path faults for that long, one every\n"
               "2 s: retriable errors on Produce, Fetch, OffsetCommit, Heartbeat and\n"
               "FindCoordinator, a broker down for 2 s, 300 ms of added round-trip time.\n"
               "It prints the totals by kind on stderr when the faults end.\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        bool ok;
        if (!strcmp(argv[i], "--faults") && i + 1 == argc) {
            fprintf(stderr, "mock-cluster: --faults needs SECONDS\n");
            ok = false;
        } else if (!strcmp(argv[i], "--faults"))
            ok = ms_cli_uint("mock-cluster", "--faults", argv[++i], 0, 86400, &fault_seconds);
        else
            ok = ms_cli_uint("mock-cluster", "BROKERS", argv[i], 1, 9, &brokers);
        if (!ok) {
            fprintf(stderr, "usage: mentionsift mock-cluster [BROKERS] [--faults SECONDS]\n");
            return 2;
        }
    }
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "mock-cluster: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, (int)brokers);
    if (!mc) {
        fprintf(stderr, "mock-cluster: rd_kafka_mock_cluster_new failed\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    ms_cli_stop_on_signals();
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    if (fault_seconds > 0) {
        long counts[6] = {0};
        double until = ms_clock_mono_s() + (double)fault_seconds;
        sleep(2); /* let clients connect first */
        for (int round = 0; ms_cli_run && ms_clock_mono_s() < until; round++) {
            inject_faults(mc, (int)brokers, round, counts);
            /* running totals, so a reader stopped early still has them */
            fprintf(stderr,
                    "mock-cluster: faults injected: produce errors %ld, fetch errors %ld, "
                    "coordinator errors %ld, broker down %ld, added rtt %ld, "
                    "transactional request errors %ld\n",
                    counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
            sleep(2);
        }
    }
    while (ms_cli_run)
        pause();
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
