/*
 * cmd_tail.c - `mentionsift tail`: the records of Kafka topics as JSON
 * lines, whatever their encoding, for people reading the category topics
 * (and jq).
 *
 * The service writes protobuf by default, which kcat shows as bytes. tail
 * decodes each record by its content-type header (messageType names the
 * proto message) and prints it with the JSON encoding's names (pb_json.h);
 * JSON records are printed as they are; a record without a content type is
 * taken as JSON if it looks like an object, else as a protobuf Mention (the
 * input topics). Dead letters are shown with their reason and source.
 *
 * It reads with assign(), not subscribe(): no consumer group joins, nothing
 * is committed, so reading a topic never moves the service's offsets or
 * triggers a rebalance.
 */
#include <getopt.h>
#include <limits.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "encode/json_write.h"
#include "encode/pb_json.h"
#include "mention.pb-c.h"

/** @brief Print the tail command's help, with an example, to `f`. */
static void tail_usage(FILE *f)
{
    fprintf(f,
            "usage: mentionsift tail --bootstrap HOST:PORT [OPTIONS] TOPIC...\n"
            "\n"
            "Prints the records of Kafka topics as JSON lines, one per record, whatever\n"
            "their encoding: protobuf classified events, repeat-offender records and\n"
            "mentions are decoded (by their content-type header) into the same field names\n"
            "as the JSON encoding; JSON records are printed as they are; dead letters show\n"
            "their reason and source. Joins no consumer group and commits nothing.\n"
            "\n"
            "  -b, --bootstrap HOST:PORT  Kafka bootstrap servers (required)\n"
            "  -o, --offset WHERE         beginning | end (default: end, new records only)\n"
            "  -e, --exit                 exit when every partition has been read to its end\n"
            "  -n, --count N              exit after N records\n"
            "  -k, --kafka                wrap each record with its topic, partition, offset,\n"
            "                             timestamp, key and headers: {\"topic\":...,\"value\":{...}}\n"
            "  -X PROP=VALUE              any librdkafka consumer property (SASL, TLS, ...)\n"
            "  -h, --help                 this help\n"
            "\n"
            "Example: mentionsift tail -b localhost:9092 -o beginning -e whg.classified.complaint |\n"
            "           jq -r '[.primary, .respond_by, .mention.text] | @tsv'\n");
}

/** @brief The value of header `name` as a view, or an empty view. */
static ms_str header(const rd_kafka_message_t *msg, const char *name)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t n = 0;
    if (rd_kafka_message_headers(msg, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(h, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR || !v)
        return (ms_str){"", 0};
    return (ms_str){v, n};
}

/** @brief The proto message a record holds, from its content type; NULL when not protobuf. */
static const ProtobufCMessageDescriptor *message_type(ms_str content_type, bool *is_json)
{
    static const ProtobufCMessageDescriptor *const known[] = {
        &mentionsift__classified__descriptor, &mentionsift__repeat_offender__descriptor,
        &mentionsift__mention__descriptor};
    *is_json = content_type.len >= 16 && !memcmp(content_type.ptr, "application/json", 16);
    const char *mt = memmem(content_type.ptr, content_type.len, "messageType=", 12);
    if (!mt)
        return NULL;
    mt += 12;
    size_t n = content_type.len - (size_t)(mt - content_type.ptr);
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i]->name) == n && !memcmp(known[i]->name, mt, n))
            return known[i];
    return NULL;
}

/** @brief Whether `p` holds a JSON object, judged by its first non-blank byte. */
static bool looks_like_json(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
        p++;
        n--;
    }
    return n && *p == '{';
}

/** @brief Append the record's value as JSON: decoded, as it is, or as an "undecoded" object. */
static void value_json(ms_buf *out, const rd_kafka_message_t *msg)
{
    const char *data = msg->payload ? msg->payload : "";
    size_t len = msg->len;
    ms_str error = header(msg, "mentionsift-error");
    if (error.len) {
        /* a dead letter: the original bytes, which may be anything */
        ms_buf_puts(out, "{\"deadletter\":{\"error\":");
        ms_jo_str(out, error);
        ms_buf_puts(out, ",\"source_topic\":");
        ms_jo_str(out, header(msg, "mentionsift-source-topic"));
        ms_buf_puts(out, ",\"source_partition\":");
        ms_jo_str(out, header(msg, "mentionsift-source-partition"));
        ms_buf_puts(out, ",\"source_offset\":");
        ms_jo_str(out, header(msg, "mentionsift-source-offset"));
        ms_buf_puts(out, ",\"payload\":");
        ms_jo_str(out, (ms_str){data, len});
        ms_buf_puts(out, "}}");
        return;
    }
    bool is_json;
    const ProtobufCMessageDescriptor *type =
        message_type(header(msg, "content-type"), &is_json);
    if (!type && (is_json || looks_like_json(data, len))) {
        while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
            len--;
        ms_buf_append(out, data, len);
        return;
    }
    if (!type)
        type = &mentionsift__mention__descriptor; /* the input topics carry no content type */
    ProtobufCMessage *m = protobuf_c_message_unpack(type, NULL, len, (const uint8_t *)data);
    size_t mark = out->len;
    if (m && ms_pb_json(out, m)) {
        protobuf_c_message_free_unpacked(m, NULL);
        return;
    }
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    out->len = mark;
    ms_buf_puts(out, "{\"undecoded\":");
    ms_jo_str(out, (ms_str){data, len});
    ms_buf_puts(out, ",\"reason\":\"not a ");
    ms_buf_puts(out, type->name);
    ms_buf_puts(out, " in protobuf\"}");
}

/** @brief Append the record with its Kafka coordinates and headers around its value. */
static void record_json(ms_buf *out, const rd_kafka_message_t *msg)
{
    rd_kafka_timestamp_type_t tt;
    const char *topic = rd_kafka_topic_name(msg->rkt);
    ms_buf_puts(out, "{\"topic\":");
    ms_jo_str(out, (ms_str){topic, strlen(topic)});
    ms_buf_printf(out, ",\"partition\":%d,\"offset\":%lld,\"timestamp\":%lld,\"key\":",
                  (int)msg->partition, (long long)msg->offset,
                  (long long)rd_kafka_message_timestamp(msg, &tt));
    if (msg->key)
        ms_jo_str(out, (ms_str){msg->key, msg->key_len});
    else
        ms_buf_puts(out, "null");
    ms_buf_puts(out, ",\"headers\":{");
    rd_kafka_headers_t *h = NULL;
    if (rd_kafka_message_headers(msg, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *v;
        size_t n;
        for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &v, &n) == 0; i++) {
            if (i)
                ms_buf_putc(out, ',');
            ms_jo_str(out, (ms_str){name, strlen(name)});
            ms_buf_putc(out, ':');
            ms_jo_str(out, (ms_str){v ? v : "", v ? n : 0});
        }
    }
    ms_buf_puts(out, "},\"value\":");
    value_json(out, msg);
    ms_buf_putc(out, '}');
}

/** @brief Assign every partition of `topics` at `offset` into `parts`; the
 *  count, or -1 after naming what failed. */
static int assign_all(rd_kafka_t *rk, char **topics, int n, int64_t offset,
                      rd_kafka_topic_partition_list_t *parts)
{
    int total = 0;
    for (int i = 0; i < n; i++) {
        rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topics[i], NULL);
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t e = t ? rd_kafka_metadata(rk, 0, t, &md, 10000)
                                  : rd_kafka_last_error();
        if (!e && (md->topic_cnt != 1 || md->topics[0].err))
            e = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
        if (e) {
            fprintf(stderr, "tail: topic '%s': %s (%s)\n", topics[i], rd_kafka_err2str(e),
                    rd_kafka_err2name(e));
            if (md)
                rd_kafka_metadata_destroy(md);
            if (t)
                rd_kafka_topic_destroy(t);
            return -1;
        }
        for (int p = 0; p < md->topics[0].partition_cnt; p++)
            rd_kafka_topic_partition_list_add(parts, topics[i], md->topics[0].partitions[p].id)
                ->offset = offset;
        total += md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(t);
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, parts);
    if (e) {
        fprintf(stderr, "tail: assign: %s (%s)\n", rd_kafka_err2str(e), rd_kafka_err2name(e));
        return -1;
    }
    return total;
}

int ms_cmd_tail(int argc, char **argv)
{
    static const struct option opts[] = {
        {"bootstrap", required_argument, NULL, 'b'}, {"offset", required_argument, NULL, 'o'},
        {"exit", no_argument, NULL, 'e'},            {"count", required_argument, NULL, 'n'},
        {"kafka", no_argument, NULL, 'k'},           {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *bootstrap = NULL;
    int64_t offset = RD_KAFKA_OFFSET_END;
    bool exit_at_end = false, wrap = false;
    unsigned long long count = 0;
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:o:en:kX:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bootstrap = optarg;
            break;
        case 'o':
            if (!strcmp(optarg, "beginning"))
                offset = RD_KAFKA_OFFSET_BEGINNING;
            else if (!strcmp(optarg, "end"))
                offset = RD_KAFKA_OFFSET_END;
            else {
                fprintf(stderr, "tail: --offset must be beginning or end, not '%s'\n", optarg);
                rd_kafka_conf_destroy(conf);
                return 2;
            }
            break;
        case 'e':
            exit_at_end = true;
            break;
        case 'n':
            if (!ms_cli_uint("tail", "--count", optarg, 0, ULLONG_MAX, &count)) {
                rd_kafka_conf_destroy(conf);
                return 2;
            }
            break;
        case 'k':
            wrap = true;
            break;
        case 'X':
            if (!ms_cli_kafka_prop(conf, "tail", optarg)) {
                rd_kafka_conf_destroy(conf);
                return 2;
            }
            break;
        case 'h':
            tail_usage(stdout);
            rd_kafka_conf_destroy(conf);
            return 0;
        default:
            tail_usage(stderr);
            rd_kafka_conf_destroy(conf);
            return 2;
        }
    }
    if (!bootstrap || optind >= argc) {
        fprintf(stderr, "tail: %s\n", !bootstrap ? "--bootstrap is required"
                                                 : "name at least one topic");
        tail_usage(stderr);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    /* group.id only because librdkafka's consumer API wants one: assign()
     * joins no group, and nothing is committed */
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) ||
        rd_kafka_conf_set(conf, "group.id", "mentionsift-tail", err, sizeof err) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) ||
        rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", err, sizeof err) ||
        rd_kafka_conf_set(conf, "enable.partition.eof", exit_at_end ? "true" : "false", err,
                          sizeof err)) {
        fprintf(stderr, "tail: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "tail: cannot create the consumer: %s\n", err);
        return 2;
    }
    /* the assigned partitions; a partition's opaque is set once it reached its end */
    rd_kafka_topic_partition_list_t *assigned = rd_kafka_topic_partition_list_new(16);
    int parts = assign_all(rk, argv + optind, argc - optind, offset, assigned);
    if (parts < 0) {
        rd_kafka_topic_partition_list_destroy(assigned);
        rd_kafka_destroy(rk);
        return 1;
    }
    ms_cli_stop_on_signals();
    setvbuf(stdout, NULL, _IOLBF, 0); /* each record as it comes, for a pipe into jq */

    ms_buf line;
    ms_buf_init(&line);
    unsigned long long printed = 0;
    int at_end = 0, rc = 0;
    while (ms_cli_run && (!count || printed < count) && !(exit_at_end && at_end >= parts)) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 200);
        if (!msg)
            continue;
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            /* counted once per partition: EOF comes again after new records */
            rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(
                assigned, rd_kafka_topic_name(msg->rkt), msg->partition);
            if (tp && !tp->opaque) {
                tp->opaque = tp;
                at_end++;
            }
        } else if (msg->err) {
            fprintf(stderr, "tail: %s [%d]: %s (%s)\n",
                    msg->rkt ? rd_kafka_topic_name(msg->rkt) : "-", (int)msg->partition,
                    rd_kafka_message_errstr(msg), rd_kafka_err2name(msg->err));
            if (msg->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                msg->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
                rc = 1;
                ms_cli_run = 0;
            }
        } else {
            ms_buf_reset(&line);
            if (wrap)
                record_json(&line, msg);
            else
                value_json(&line, msg);
            ms_buf_putc(&line, '\n');
            if (!ms_buf_ok(&line) || fwrite(line.data, 1, line.len, stdout) != line.len) {
                fprintf(stderr, "tail: cannot write a record to stdout\n");
                rc = 1;
                ms_cli_run = 0;
            }
            printed++;
        }
        rd_kafka_message_destroy(msg);
    }
    ms_buf_free(&line);
    rd_kafka_topic_partition_list_destroy(assigned);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}
