/*
 * cmd_redrive.c - `mentionsift redrive`: dead-lettered events sent back to
 * the topics they came from, once their cause is fixed.
 *
 * The service dead-letters what it cannot take (an event over
 * max_event_bytes, one a decoder rejects) with its original key and bytes
 * and its source topic in a header, so nothing is lost; redrive is the way
 * back. It reads the dead-letter topic from the offsets its consumer group
 * committed (with assign(): no group membership, no rebalance), produces
 * each record again to its source topic (or --to), and commits a batch's
 * offsets only after the broker acknowledged every record of it. An
 * interrupted run resumes where the last commit left it: a record may be
 * sent twice, never lost. It stops when it has read every partition to its
 * end: it is a batch tool, not a daemon.
 *
 * A dead letter too large for the producer that wrote it carries no payload
 * (header mentionsift-payload-dropped; worker.c): its original is still on
 * the source topic, at the partition and offset its headers name, and
 * redrive reads it from there with a consumer of its own that joins no
 * group. It must be the original: the record at that offset, with the dead
 * letter's key and a payload. One that is gone (retention, compaction, a
 * deleted topic) is reported, counted and passed over, never sent empty;
 * one that cannot be read now (no answer, no permission) stops the run with
 * nothing after it committed, so that the next run tries it again.
 *
 * Records left out by --match are passed over and committed like the rest:
 * to go over the topic again, use another --group.
 */
#include <errno.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "encode/json_write.h"

#define REDRIVE_BATCH 10000
#define REDRIVE_FLUSH_MS 60000

/** @brief Print the redrive command's help, with its exit statuses, to `f`. */
static void redrive_usage(FILE *f)
{
    fprintf(f,
            "usage: mentionsift redrive --bootstrap HOST:PORT [OPTIONS]\n"
            "\n"
            "Sends dead-lettered events back, with their original key and bytes, to the\n"
            "topic each came from (its mentionsift-source-topic header), once the cause is\n"
            "fixed. Progress is committed in a consumer group only after the broker has\n"
            "acknowledged the events sent, so a run that stops resumes where it left off\n"
            "(an event may be sent twice, never lost). Exits when the dead-letter topic has\n"
            "been read to its end.\n"
            "\n"
            "  -b, --bootstrap HOST:PORT  Kafka bootstrap servers (required)\n"
            "  -t, --topic NAME           the dead-letter topic (default: whg.deadletter)\n"
            "  -g, --group ID             consumer group keeping the progress\n"
            "                             (default: mentionsift-redrive)\n"
            "  -m, --match TEXT           only records whose reason (mentionsift-error header)\n"
            "                             contains TEXT; the others are passed over, and\n"
            "                             committed too (use another --group to go over them)\n"
            "  -T, --to TOPIC             send every record to TOPIC, not its source topic\n"
            "  -n, --dry-run              print what would be sent as JSON lines; send and\n"
            "                             commit nothing\n"
            "  -X PROP=VALUE              any librdkafka property, for every client\n"
            "  -h, --help                 this help\n"
            "\n"
            "A dead letter that carries no payload (too large for the service's producer:\n"
            "header mentionsift-payload-dropped) is sent with its original, read from the\n"
            "source topic at the partition and offset its headers name; raise the\n"
            "producer's limit with -X message.max.bytes=N if the original is large.\n"
            "\n"
            "Exit status: 0 when every record read was sent or passed over; 1 when some\n"
            "could not be sent (nothing after them is committed), had no source topic, or\n"
            "carried no payload and their original is gone (those are reported and passed\n"
            "over: a run with --to under another --group sends the ones with a source\n"
            "topic), or an original could not be read now (nothing after it is committed:\n"
            "run again); 2 on a usage error.\n");
}

/* What a run did, for its summary line. */
typedef struct redrive_counts {
    unsigned long long read, sent, passed, no_source;
    unsigned long long gone; /* no payload, and the original no longer readable */
    atomic_ullong failed; /* delivery reports with an error */
} redrive_counts;

/** @brief Delivery report: count a failed delivery (atomically) and print the first 10; any failure
 *  stops the run with the positions left uncommitted. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    redrive_counts *n = opaque;
    if (!msg->err)
        return;
    if (atomic_fetch_add(&n->failed, 1) < 10)
        fprintf(stderr, "redrive: not delivered to %s: %s (%s)\n", rd_kafka_topic_name(msg->rkt),
                rd_kafka_err2str(msg->err), rd_kafka_err2name(msg->err));
}

/** @brief The value of header `name` as a NUL-terminated copy in `out` (empty if absent). */
static const char *header_str(const rd_kafka_message_t *msg, const char *name, char *out,
                              size_t cap)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t n = 0;
    out[0] = '\0';
    if (rd_kafka_message_headers(msg, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(h, name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR && v) {
        if (n >= cap)
            n = cap - 1;
        memcpy(out, v, n);
        out[n] = '\0';
    }
    return out;
}

/**
 * @brief The metadata of topic `t` alone, asked of the cluster (10 s at
 * most). Returns the request's error, or else the topic's own; `*md` is set
 * (for the caller to destroy) whenever the cluster answered.
 */
static rd_kafka_resp_err_t topic_metadata(rd_kafka_t *rk, rd_kafka_topic_t *t,
                                          const struct rd_kafka_metadata **md)
{
    *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, md, 10000);
    if (e) {
        *md = NULL;
        return e;
    }
    if ((*md)->topic_cnt != 1)
        return RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    return (*md)->topics[0].err;
}

/** @brief Every partition of `topic` from its group's committed offset (or the beginning). */
static rd_kafka_topic_partition_list_t *assign_committed(rd_kafka_t *rk, const char *topic)
{
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = t ? topic_metadata(rk, t, &md) : rd_kafka_last_error();
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (!e) {
        parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
        for (int p = 0; p < md->topics[0].partition_cnt; p++)
            rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[p].id);
        e = rd_kafka_committed(rk, parts, 10000);
    }
    if (!e) {
        for (int i = 0; i < parts->cnt; i++)
            if (parts->elems[i].offset < 0)
                parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        e = rd_kafka_assign(rk, parts);
    }
    if (md)
        rd_kafka_metadata_destroy(md);
    if (t)
        rd_kafka_topic_destroy(t);
    if (e) {
        fprintf(stderr, "redrive: topic '%s': %s (%s)\n", topic, rd_kafka_err2str(e),
                rd_kafka_err2name(e));
        if (parts)
            rd_kafka_topic_partition_list_destroy(parts);
        return NULL;
    }
    return parts;
}

/**
 * @brief Wait for every record sent so far to be acknowledged, then commit
 * the positions read so far. False (nothing committed) if any was not.
 */
static bool flush_and_commit(rd_kafka_t *consumer, rd_kafka_t *producer,
                             rd_kafka_topic_partition_list_t *parts, redrive_counts *n)
{
    if (producer) {
        rd_kafka_resp_err_t e = rd_kafka_flush(producer, REDRIVE_FLUSH_MS);
        if (e) {
            fprintf(stderr, "redrive: %d events still unacknowledged after %d s: %s\n",
                    rd_kafka_outq_len(producer), REDRIVE_FLUSH_MS / 1000, rd_kafka_err2str(e));
            return false;
        }
        if (atomic_load(&n->failed))
            return false;
    }
    rd_kafka_resp_err_t e = rd_kafka_position(consumer, parts);
    if (!e)
        e = rd_kafka_commit(consumer, parts, 0);
    if (e == RD_KAFKA_RESP_ERR__NO_OFFSET)
        return true; /* nothing read since the last commit */
    if (e) {
        fprintf(stderr, "redrive: commit failed: %s (%s)\n", rd_kafka_err2str(e),
                rd_kafka_err2name(e));
        return false;
    }
    return true;
}

/* What reading a dead letter's original gave. */
typedef enum original_result {
    ORIGINAL_FOUND,
    ORIGINAL_GONE,  /* it will never be read: pass the dead letter over */
    ORIGINAL_RETRY, /* not now (no answer, no permission): stop, commit nothing after it */
} original_result;

/**
 * @brief Read the original of dead letter `dl` (which carries no payload):
 * the record at `offset` of `topic` [`partition`], with `origin` (a consumer
 * in no group). It must have the dead letter's key and a payload, or it is
 * not the original (a topic deleted and made again). On ORIGINAL_FOUND
 * `*out` holds it (the caller destroys it); otherwise `why` says why.
 */
static original_result read_original(rd_kafka_t *origin, const rd_kafka_message_t *dl,
                                     const char *topic, int32_t partition, int64_t offset,
                                     rd_kafka_message_t **out, char *why, size_t whylen)
{
    *out = NULL;
    why[0] = '\0';
    rd_kafka_topic_t *t = rd_kafka_topic_new(origin, topic, NULL);
    if (!t) {
        rd_kafka_resp_err_t e = rd_kafka_last_error();
        snprintf(why, whylen, "%s (%s)", rd_kafka_err2str(e), rd_kafka_err2name(e));
        return ORIGINAL_RETRY;
    }
    /* metadata first: a missing topic or partition is known at once, where
     * consuming would wait out topic.metadata.propagation.max.ms */
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = topic_metadata(origin, t, &md);
    original_result res = ORIGINAL_RETRY;
    if (e) {
        snprintf(why, whylen, "%s%s (%s)", md ? "" : "no metadata: ", rd_kafka_err2str(e),
                 rd_kafka_err2name(e));
        if (md && (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                   e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC))
            res = ORIGINAL_GONE;
    } else {
        bool has = false;
        for (int i = 0; i < md->topics[0].partition_cnt; i++)
            has = has || md->topics[0].partitions[i].id == partition;
        if (!has) {
            snprintf(why, whylen, "the topic has no partition %d", (int)partition);
            res = ORIGINAL_GONE;
        }
    }
    if (md)
        rd_kafka_metadata_destroy(md);
    if (why[0]) {
        rd_kafka_topic_destroy(t);
        return res;
    }
    if (rd_kafka_consume_start(t, partition, offset) == -1) {
        e = rd_kafka_last_error();
        snprintf(why, whylen, "%s (%s)", rd_kafka_err2str(e), rd_kafka_err2name(e));
        rd_kafka_topic_destroy(t);
        return ORIGINAL_RETRY;
    }
    rd_kafka_message_t *found = NULL;
    for (int waited = 0; !found && !why[0]; waited += 500) {
        if (!ms_cli_run || waited >= 30000) {
            snprintf(why, whylen, "%s", ms_cli_run ? "not read within 30 s" : "interrupted");
            res = ORIGINAL_RETRY;
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consume(t, partition, 500);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF ||
            m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
            snprintf(why, whylen, "offset %lld is not on the topic: %s", (long long)offset,
                     m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF ? "the partition ends before it"
                                                                : rd_kafka_message_errstr(m));
            res = ORIGINAL_GONE;
        } else if (m->err) {
            snprintf(why, whylen, "%s (%s)", rd_kafka_message_errstr(m),
                     rd_kafka_err2name(m->err));
            res = ORIGINAL_RETRY;
        } else if (m->offset != offset) {
            snprintf(why, whylen, "offset %lld is no longer on the topic (the next kept is %lld)",
                     (long long)offset, (long long)m->offset);
            res = ORIGINAL_GONE;
        } else if (m->len == 0 || m->key_len != dl->key_len ||
                   (m->key_len && memcmp(m->key, dl->key, m->key_len) != 0)) {
            snprintf(why, whylen, "the record at offset %lld is not the original (%s)",
                     (long long)offset, m->len == 0 ? "it has no payload" : "its key differs");
            res = ORIGINAL_GONE;
        } else {
            found = m;
        }
        if (m != found)
            rd_kafka_message_destroy(m);
    }
    rd_kafka_consume_stop(t, partition);
    rd_kafka_topic_destroy(t);
    *out = found;
    return found ? ORIGINAL_FOUND : res;
}

/** @brief Parse a source partition or offset header: a decimal number >= 0 and nothing else. */
static bool parse_position(const char *s, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < 0)
        return false;
    *out = v;
    return true;
}

/**
 * @brief For a dead letter without a payload (`dropped` names why): its
 * original into `*original`, or what to do without it; the reason is
 * printed, naming the dead letter `from`.
 */
static original_result dropped_original(rd_kafka_t *origin, const rd_kafka_message_t *msg,
                                        const char *from, const char *dropped,
                                        rd_kafka_message_t **original)
{
    char src[256], part[32], off[32], why[512];
    long long p = 0, o = 0;
    header_str(msg, "mentionsift-source-topic", src, sizeof src);
    header_str(msg, "mentionsift-source-partition", part, sizeof part);
    header_str(msg, "mentionsift-source-offset", off, sizeof off);
    original_result r = ORIGINAL_GONE;
    *original = NULL;
    if (!*src || !parse_position(part, &p) || !parse_position(off, &o) || p > INT32_MAX)
        snprintf(why, sizeof why, "its source headers are missing or not valid");
    else
        r = read_original(origin, msg, src, (int32_t)p, o, original, why, sizeof why);
    if (r == ORIGINAL_GONE)
        fprintf(stderr, "redrive: %s carries no payload (%s) and its original at %s [%s] "
                "offset %s is gone: %s; passed over\n", from, dropped, src, part, off, why);
    else if (r == ORIGINAL_RETRY)
        fprintf(stderr, "redrive: %s carries no payload (%s) and its original at %s [%s] "
                "offset %s cannot be read now: %s; stopping, nothing after it committed: run "
                "again\n", from, dropped, src, part, off, why);
    return r;
}

/** @brief A dry run's line: what would go where, and why it was dead-lettered. */
static void print_planned(ms_buf *line, const rd_kafka_message_t *msg, const char *to,
                          const char *reason, const char *dropped, size_t bytes)
{
    ms_buf_reset(line);
    ms_buf_printf(line, "{\"offset\":%lld,\"partition\":%d,\"to\":", (long long)msg->offset,
                  (int)msg->partition);
    ms_jo_cstr(line, to);
    ms_buf_puts(line, ",\"key\":");
    if (msg->key)
        ms_jo_str(line, (ms_str){msg->key, msg->key_len});
    else
        ms_buf_puts(line, "null");
    ms_buf_printf(line, ",\"bytes\":%zu,\"reason\":", bytes);
    ms_jo_cstr(line, reason);
    if (*dropped) { /* sent with the original (`bytes`), read from the source topic */
        ms_buf_puts(line, ",\"payload_dropped\":");
        ms_jo_cstr(line, dropped);
    }
    ms_buf_puts(line, "}\n");
    if (ms_buf_ok(line))
        fwrite(line->data, 1, line->len, stdout);
}

int ms_cmd_redrive(int argc, char **argv)
{
    static const struct option opts[] = {
        {"bootstrap", required_argument, NULL, 'b'}, {"topic", required_argument, NULL, 't'},
        {"group", required_argument, NULL, 'g'},     {"match", required_argument, NULL, 'm'},
        {"to", required_argument, NULL, 'T'},        {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0}};
    const char *bootstrap = NULL, *topic = "whg.deadletter", *group = "mentionsift-redrive";
    const char *match = NULL, *to = NULL;
    bool dry = false;
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:t:g:m:T:nX:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bootstrap = optarg;
            break;
        case 't':
            topic = optarg;
            break;
        case 'g':
            group = optarg;
            break;
        case 'm':
            match = optarg;
            break;
        case 'T':
            to = optarg;
            break;
        case 'n':
            dry = true;
            break;
        case 'X':
            if (!ms_cli_kafka_prop(conf, "redrive", optarg)) {
                rd_kafka_conf_destroy(conf);
                return 2;
            }
            break;
        case 'h':
            redrive_usage(stdout);
            rd_kafka_conf_destroy(conf);
            return 0;
        default:
            redrive_usage(stderr);
            rd_kafka_conf_destroy(conf);
            return 2;
        }
    }
    if (!bootstrap || optind < argc) {
        fprintf(stderr, "redrive: %s\n", !bootstrap ? "--bootstrap is required"
                                                    : "unexpected argument");
        redrive_usage(stderr);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err)) {
        fprintf(stderr, "redrive: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    redrive_counts n = {0};
    rd_kafka_conf_t *pconf = rd_kafka_conf_dup(conf);
    rd_kafka_conf_t *oconf = rd_kafka_conf_dup(conf); /* originals: no group */
    rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
    rd_kafka_conf_set_opaque(pconf, &n);
    if (rd_kafka_conf_set(conf, "group.id", group, err, sizeof err) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) ||
        /* a committed offset that retention has passed restarts at the
         * oldest dead letter still kept, never at the end */
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err) ||
        rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err) ||
        rd_kafka_conf_set(pconf, "enable.idempotence", "true", err, sizeof err) ||
        rd_kafka_conf_set(oconf, "enable.partition.eof", "true", err, sizeof err) ||
        /* an original that retention removed is an error, not the next record */
        rd_kafka_conf_set(oconf, "auto.offset.reset", "error", err, sizeof err)) {
        fprintf(stderr, "redrive: %s\n", err);
        rd_kafka_conf_destroy(conf);
        rd_kafka_conf_destroy(pconf);
        rd_kafka_conf_destroy(oconf);
        return 2;
    }
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!consumer) {
        fprintf(stderr, "redrive: cannot create the consumer: %s\n", err);
        rd_kafka_conf_destroy(conf); /* rd_kafka_new keeps it only on success */
        rd_kafka_conf_destroy(pconf);
        rd_kafka_conf_destroy(oconf);
        return 2;
    }
    rd_kafka_t *producer = NULL, *origin = NULL;
    if (dry) {
        rd_kafka_conf_destroy(pconf);
        pconf = NULL;
    }
    if (pconf && !(producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err))) {
        fprintf(stderr, "redrive: cannot create the producer: %s\n", err);
        rd_kafka_conf_destroy(pconf);
        rd_kafka_conf_destroy(oconf);
        rd_kafka_destroy(consumer);
        return 2;
    } else if (!(origin = rd_kafka_new(RD_KAFKA_CONSUMER, oconf, err, sizeof err))) {
        fprintf(stderr, "redrive: cannot create the consumer of originals: %s\n", err);
        rd_kafka_conf_destroy(oconf);
        if (producer)
            rd_kafka_destroy(producer);
        rd_kafka_destroy(consumer);
        return 2;
    }
    rd_kafka_topic_partition_list_t *parts = assign_committed(consumer, topic);
    if (!parts) {
        if (origin)
            rd_kafka_destroy(origin);
        if (producer)
            rd_kafka_destroy(producer);
        rd_kafka_destroy(consumer);
        return 1;
    }
    ms_cli_stop_on_signals();

    ms_buf line;
    ms_buf_init(&line);
    int at_end = 0, rc = 0;
    unsigned long long in_batch = 0;
    while (ms_cli_run && at_end < parts->cnt && !atomic_load(&n.failed)) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(consumer, 500);
        if (producer)
            rd_kafka_poll(producer, 0);
        if (!msg)
            continue;
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_topic_partition_t *tp =
                rd_kafka_topic_partition_list_find(parts, topic, msg->partition);
            if (tp && !tp->opaque) {
                tp->opaque = tp; /* once per partition: EOF comes again after new records */
                at_end++;
            }
        } else if (msg->err) {
            fprintf(stderr, "redrive: %s [%d]: %s (%s)\n", topic, (int)msg->partition,
                    rd_kafka_message_errstr(msg), rd_kafka_err2name(msg->err));
            if (msg->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                msg->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED) {
                rc = 1;
                ms_cli_run = 0;
            }
        } else {
            char reason[512], source[256], dropped[256];
            header_str(msg, "mentionsift-error", reason, sizeof reason);
            header_str(msg, "mentionsift-payload-dropped", dropped, sizeof dropped);
            const char *dest = to ? to : header_str(msg, "mentionsift-source-topic", source,
                                                      sizeof source);
            n.read++;
            if (match && !strstr(reason, match)) {
                n.passed++;
            } else if (!*dest) {
                n.no_source++;
                fprintf(stderr, "redrive: %s [%d] offset %lld has no source topic; use --to\n",
                        topic, (int)msg->partition, (long long)msg->offset);
            } else {
                char from[300];
                snprintf(from, sizeof from, "%s:%d:%lld", topic, (int)msg->partition,
                         (long long)msg->offset);
                const rd_kafka_message_t *send = msg;
                rd_kafka_message_t *original = NULL;
                if (*dropped) {
                    original_result got = dropped_original(origin, msg, from, dropped, &original);
                    if (got == ORIGINAL_GONE)
                        n.gone++;
                    else if (got == ORIGINAL_RETRY)
                        atomic_fetch_add(&n.failed, 1); /* stops the run, commits nothing more */
                    send = original;
                }
                rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
                if (dry && send) {
                    print_planned(&line, msg, dest, reason, dropped,
                                  original ? original->len : msg->len);
                    n.sent++;
                    send = NULL;
                }
                while (send &&
                       (e = rd_kafka_producev(
                            producer, RD_KAFKA_V_TOPIC(dest),
                            RD_KAFKA_V_KEY(send->key, send->key_len),
                            RD_KAFKA_V_VALUE(send->payload, send->len),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_HEADER("mentionsift-redriven-from", from, -1),
                            RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                    rd_kafka_poll(producer, 100);
                if (e) {
                    fprintf(stderr, "redrive: cannot send %s to %s: %s (%s)\n", from, dest,
                            rd_kafka_err2str(e), rd_kafka_err2name(e));
                    atomic_fetch_add(&n.failed, 1);
                } else if (send) {
                    n.sent++;
                }
                if (original)
                    rd_kafka_message_destroy(original);
            }
            if (++in_batch >= REDRIVE_BATCH && !dry) {
                if (!flush_and_commit(consumer, producer, parts, &n)) {
                    rc = 1;
                    ms_cli_run = 0;
                }
                in_batch = 0;
            }
        }
        rd_kafka_message_destroy(msg);
    }
    if (!dry && rc == 0 && !flush_and_commit(consumer, producer, parts, &n))
        rc = 1;
    if (atomic_load(&n.failed) || n.no_source || n.gone)
        rc = 1;
    fprintf(stderr,
            "redrive: %s: %llu read, %llu %s%s%s, %llu passed over (--match), %llu without a "
            "source topic, %llu without a payload or a readable original, %llu failed; %s\n",
            topic, n.read, n.sent, dry ? "would be sent" : "sent", to ? " to " : "",
            to ? to : "", n.passed, n.no_source, n.gone,
            (unsigned long long)atomic_load(&n.failed),
            dry ? "nothing committed (dry run)"
                : rc ? "progress committed up to the last batch acknowledged in full"
                     : "progress committed");
    ms_buf_free(&line);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    if (origin)
        rd_kafka_destroy(origin);
    if (producer)
        rd_kafka_destroy(producer);
    return rc;
}
