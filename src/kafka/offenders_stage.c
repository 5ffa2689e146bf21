/*
 * offenders_stage.c - the repeat-offender stage (see offenders_stage.h).
 *
 * The loop reads top to bottom: poll a moderation record, count it in the
 * ledger, write a RepeatOffender record if the author has reached the
 * threshold (unless the record is being replayed), store its offset; every
 * half second, once every record written is acknowledged, commit.
 *
 * What a moderation record carries that the stage needs is in its key and
 * headers (the author id; mentionsift-event-id, -categories, -rules,
 * -removal), so
 * the stage never decodes the Classified payload: it works with either
 * output encoding.
 */
#include "kafka/offenders_stage.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/log.h"
#include "decide/offenders.h"
#include "kafka/consumer_stop.h"
#include "kafka/kafka_conf.h"
#include "kafka/kafka_errors.h"
#include "match/ruleset.h"

#define COMMIT_INTERVAL_MS 500
#define CLIENT_TIMEOUT_MS 10000

struct ms_offenders_stage {
    ms_service_shared *s;
    ms_offenders_metrics *m;
    ms_offenders_options opt;
    ms_offenders *ledger;
    const ms_ruleset *rs;          /* which rule ids are House Rules; a reference in s->rules */
    uint64_t rules_gen;
    rd_kafka_t *consumer, *producer;
    rd_kafka_topic_t *out_topic;
    const char *in_name;           /* the moderation topic */
    int64_t *replay_until;         /* per partition: first offset that may write; -1 none */
    int32_t n_replay;
    atomic_uint_fast64_t undelivered; /* RepeatOffender records not yet acknowledged */
    atomic_bool delivery_failed;   /* a record was lost: no commit until the rebuild */
    bool dirty;                    /* offsets stored since the last commit */
    /* Rebuilds after a loss are paced (1 s, doubling to 60 s, reset by a
     * commit): a record refused for good would otherwise be replayed and
     * refused again in a tight loop. */
    int64_t rebuild_at_ms;
    uint32_t rebuild_backoff_ms;
    /* a stop's budget (processing.shutdown_timeout_ms, split as
     * consumer_stop.h says) runs from stop_started_ms, 0 until the stage stops */
    int64_t stop_started_ms;
    ms_consumer_commits *commits;
    bool consumer_closed;
    ms_buf out;
};

static const char *const stage_name = "offenders";

/** @brief Stop the service: a permanent error the stage cannot retry. */
static void stage_fail(ms_offenders_stage *st, const char *what, rd_kafka_resp_err_t err,
                       const char *reason)
{
    ms_log(MS_LOG_ERROR, stage_name, "stopping the service: an error that retrying cannot cure",
           "during", what, "topic", st->in_name, "error", rd_kafka_err2name(err), "reason",
           reason, "hint", ms_kafka_err_hint(err), NULL);
    atomic_store(&st->s->failed, 1);
}

/** @brief librdkafka's error callback for both clients. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    ms_offenders_stage *st = opaque;
    rd_kafka_resp_err_t e = (rd_kafka_resp_err_t)err;
    if (e == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, fatal, sizeof fatal);
        stage_fail(st, rd_kafka_name(rk), orig, fatal);
    } else if (ms_kafka_err_is_permanent(e)) {
        stage_fail(st, rd_kafka_name(rk), e, reason);
    } else {
        ms_log(MS_LOG_WARN, stage_name, "client error (librdkafka retries)", "client",
               rd_kafka_name(rk), "error", rd_kafka_err2name(e), "reason", reason, NULL);
    }
}

/** @brief Delivery report of one RepeatOffender record. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    ms_offenders_stage *st = opaque;
    if (msg->err) {
        atomic_store(&st->delivery_failed, true);
        atomic_fetch_add(&st->m->errors, 1);
        ms_log(MS_LOG_ERROR, stage_name,
               "repeat_offender record not delivered; nothing is committed past it, and the "
               "stage replays from the last commit to write it again",
               "topic", rd_kafka_topic_name(msg->rkt), "error", rd_kafka_err2name(msg->err),
               "reason", rd_kafka_err2str(msg->err), NULL);
        if (ms_kafka_err_is_permanent(msg->err))
            stage_fail(st, "produce", msg->err, rd_kafka_err2str(msg->err));
    } else {
        atomic_fetch_add(&st->m->alerts, 1);
    }
    atomic_fetch_sub(&st->undelivered, 1);
}

/**
 * @brief Commit the stored offsets once every record written before them
 * is acknowledged; otherwise keep them for a later try. A record that was
 * not delivered (librdkafka gave up on it) stops all further commits of
 * this stage until rebuild_after_loss() has started over from the last
 * commit: the offsets stored since include its moderation record, so
 * committing them would lose the alert for good.
 */
static void commit_delivered(ms_offenders_stage *st, int64_t start)
{
    if (!st->dirty)
        return;
    uint32_t budget = st->s->cfg->shutdown_timeout_ms;
    bool stopping = st->stop_started_ms != 0;
    /* while running, a stop ends the wait: the stop's own commit follows */
    while (atomic_load(&st->undelivered) > 0 &&
           ms_clock_mono_ms() < ms_stop_deadline(start, budget, MS_STOP_OUTPUTS) &&
           (stopping || *st->s->run))
        rd_kafka_poll(st->producer, 50);
    if (atomic_load(&st->undelivered) > 0 || atomic_load(&st->delivery_failed))
        return;
    /* Offsets stored after the commit went out may be swept into it
     * (librdkafka reads them when it handles the commit), among them those
     * of records not yet delivered: so while running the stage waits for
     * the answer, as a blocking commit would, and only a stop ends the wait
     * (nothing is stored after that), noticed within 100 ms. */
    rd_kafka_resp_err_t e = ms_consumer_commit_within(
        st->commits,
        stopping ? ms_stop_deadline(start, budget, MS_STOP_COMMIT) : ms_clock_mono_ms() + 100);
    while (e == RD_KAFKA_RESP_ERR__TIMED_OUT && !stopping && *st->s->run &&
           !atomic_load(&st->s->failed))
        e = ms_consumer_commit_wait(st->commits, ms_clock_mono_ms() + 100);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR__NO_OFFSET) {
        st->dirty = false;
        st->rebuild_backoff_ms = 0; /* progress since the last loss */
    }
    else
        ms_log(MS_LOG_WARN, stage_name, "commit failed (retried)", "error", rd_kafka_err2name(e),
               "reason", rd_kafka_err2str(e), NULL);
}

/** @brief Remember where replay ends on `partition` (grows the table). */
static bool set_replay_until(ms_offenders_stage *st, int32_t partition, int64_t offset)
{
    if (partition < 0)
        return false;
    if (partition >= st->n_replay) {
        int32_t n = partition + 1;
        int64_t *t = realloc(st->replay_until, (size_t)n * sizeof *t);
        if (!t)
            return false;
        for (int32_t i = st->n_replay; i < n; i++)
            t[i] = -1;
        st->replay_until = t;
        st->n_replay = n;
    }
    st->replay_until[partition] = offset;
    return true;
}

/** @brief The start of the stop's budget: when the service saw the stop, as the workers count
 *  it (ms_worker_stop_noted), else now. */
static int64_t stop_start(const ms_offenders_stage *st)
{
    int64_t seen = atomic_load(&st->s->stop_seen_ms);
    return seen ? seen : ms_clock_mono_ms();
}

/** @brief Timeout of one lookup of the assignment: CLIENT_TIMEOUT_MS while running; once the
 *  service stops, what is left of the stop's budget up to leaving the group (at least 1 ms), so
 *  that a rebalance during a stop cannot outlast the service's wait for its threads. */
static int lookup_timeout(const ms_offenders_stage *st)
{
    if (*st->s->run && !atomic_load(&st->s->failed))
        return CLIENT_TIMEOUT_MS;
    int64_t left = ms_stop_deadline(stop_start(st), st->s->cfg->shutdown_timeout_ms,
                                    MS_STOP_LEAVE) - ms_clock_mono_ms();
    return left < 1 ? 1 : left > CLIENT_TIMEOUT_MS ? CLIENT_TIMEOUT_MS : (int)left;
}

/**
 * @brief Assign `parts`, each starting at the first record within the
 * window, replaying up to its committed offset.
 */
static void assign_replaying(ms_offenders_stage *st, rd_kafka_t *rk,
                             rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_topic_partition_list_t *committed = rd_kafka_topic_partition_list_copy(parts);
    rd_kafka_topic_partition_list_t *start = rd_kafka_topic_partition_list_copy(parts);
    /* a partition whose offset could not be read carries its own error
     * under an overall success: it counts as a failure too, or it would
     * pass for never committed and have its window alerted on again */
    int failed_at = -1;
    rd_kafka_resp_err_t ce = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (attempt && !*st->s->run)
            break; /* stopping: no more tries */
        ce = rd_kafka_committed(rk, committed, lookup_timeout(st));
        failed_at = -1;
        for (int i = 0; !ce && i < committed->cnt && failed_at < 0; i++)
            if (committed->elems[i].err)
                failed_at = i;
        if (!ce && failed_at >= 0)
            ce = committed->elems[failed_at].err;
        if (!ce)
            break;
    }
    if (ce && !*st->s->run) {
        /* stopping: the assignment is moot, and the next start asks again */
        rd_kafka_topic_partition_list_destroy(committed);
        rd_kafka_topic_partition_list_destroy(start);
        return;
    }
    if (ce) {
        char p[16] = "all";
        if (failed_at >= 0)
            snprintf(p, sizeof p, "%" PRId32, committed->elems[failed_at].partition);
        /* without the committed offsets the replay cannot tell the records
         * already alerted on from new ones, and would alert again on every
         * repeat offender in the window: stop, a restart asks again */
        ms_log(MS_LOG_ERROR, stage_name,
               "cannot read the committed offsets of the assigned partitions; stopping the "
               "service rather than alerting twice",
               "partition", p, "error", rd_kafka_err2name(ce), "reason", rd_kafka_err2str(ce),
               NULL);
        atomic_store(&st->s->failed, 1);
        rd_kafka_topic_partition_list_destroy(committed);
        rd_kafka_topic_partition_list_destroy(start);
        return;
    }
    int64_t from = ms_clock_wall_ms() - st->opt.window_ms;
    for (int i = 0; i < start->cnt; i++)
        start->elems[i].offset = from;
    rd_kafka_resp_err_t te = rd_kafka_offsets_for_times(rk, start, lookup_timeout(st));
    if (te)
        ms_log(MS_LOG_WARN, stage_name,
               "cannot look up where the window starts: replaying these partitions from "
               "their beginning, where records older than the window are skipped by time",
               "error", rd_kafka_err2name(te), "reason", rd_kafka_err2str(te), NULL);
    uint64_t replay = 0;  /* records to read again, where the start is an offset */
    int from_beginning = 0; /* partitions read again from their beginning */
    for (int i = 0; i < parts->cnt; i++) {
        int64_t c = committed->elems[i].offset;
        /* no offset for the window's start: replay from the beginning (old
         * records are skipped by time in process()); none after it: -1 */
        int64_t w = te ? RD_KAFKA_OFFSET_INVALID : start->elems[i].offset;
        if (!te && start->elems[i].err) {
            char p[16];
            snprintf(p, sizeof p, "%" PRId32, parts->elems[i].partition);
            ms_log(MS_LOG_WARN, stage_name,
                   "the broker cannot find the window's first record by time: replaying the "
                   "partition from its beginning",
                   "partition", p, "error", rd_kafka_err2name(start->elems[i].err), NULL);
            w = RD_KAFKA_OFFSET_BEGINNING;
        }
        if (c < 0) {
            /* never committed: everything within the window is new */
            parts->elems[i].offset = w >= 0 ? w : RD_KAFKA_OFFSET_BEGINNING;
            c = -1;
        } else if (w < 0) {
            /* -1: no record since the window's start, or a broker that does
             * not look offsets up by time (librdkafka's mock cluster): read
             * from the beginning, where process() skips by time what the
             * window has left */
            parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
            from_beginning++;
        } else {
            parts->elems[i].offset = w < c ? w : c;
            replay += (uint64_t)(c - parts->elems[i].offset);
        }
        if (!set_replay_until(st, parts->elems[i].partition, c))
            ms_log(MS_LOG_ERROR, stage_name, "out of memory", NULL);
    }
    rd_kafka_topic_partition_list_destroy(committed);
    rd_kafka_topic_partition_list_destroy(start);
    rd_kafka_resp_err_t ae = rd_kafka_assign(rk, parts);
    if (ae)
        ms_log(MS_LOG_ERROR, stage_name, "assign failed", "error", rd_kafka_err2name(ae),
               "reason", rd_kafka_err2str(ae), NULL);
    char n[16], r[24], b[16];
    snprintf(n, sizeof n, "%d", parts->cnt);
    snprintf(r, sizeof r, "%" PRIu64, replay);
    snprintf(b, sizeof b, "%d", from_beginning);
    ms_log(MS_LOG_INFO, stage_name, "partitions assigned", "count", n, "replaying", r,
           "replaying_from_beginning", b, NULL);
}

/**
 * @brief On assignment, replay the window (assign_replaying); on
 * revocation, commit what is delivered first.
 */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    ms_offenders_stage *st = opaque;
    if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        commit_delivered(st, st->stop_started_ms ? st->stop_started_ms : ms_clock_mono_ms());
        rd_kafka_assign(rk, NULL);
        return;
    }
    assign_replaying(st, rk, parts);
}

/**
 * @brief After a record was lost (not delivered, or not even produced):
 * start over from the last commit, which is before its moderation record
 * (nothing was committed since). The ledger is rebuilt from the window and
 * the partitions assigned again (which also drops the offsets stored since
 * the commit), so the author's record is written again when its
 * moderation record is read. Without this the ledger already counts those
 * violations, the record is never written, and nothing is committed again.
 */
static void rebuild_after_loss(ms_offenders_stage *st)
{
    rd_kafka_topic_partition_list_t *parts = NULL;
    rd_kafka_resp_err_t e = rd_kafka_assignment(st->consumer, &parts);
    ms_offenders *fresh = e ? NULL : ms_offenders_new(&st->opt);
    if (!fresh) {
        ms_log(MS_LOG_ERROR, stage_name,
               "cannot rebuild the ledger after a lost record; stopping the service so that a "
               "restart writes it again",
               "error", e ? rd_kafka_err2name(e) : "out of memory", NULL);
        atomic_store(&st->s->failed, 1);
        if (parts)
            rd_kafka_topic_partition_list_destroy(parts);
        return;
    }
    ms_log(MS_LOG_WARN, stage_name,
           "a repeat_offender record was lost: replaying the window from the last commit to "
           "write it again",
           NULL);
    ms_offenders_free(st->ledger);
    st->ledger = fresh;
    atomic_store(&st->delivery_failed, false);
    st->dirty = false;
    rd_kafka_assign(st->consumer, NULL);
    if (parts->cnt)
        assign_replaying(st, st->consumer, parts);
    rd_kafka_topic_partition_list_destroy(parts);
}

/** @brief A header's value as a string view; empty when absent. */
static ms_str header(rd_kafka_headers_t *h, const char *name)
{
    const void *v = NULL;
    size_t n = 0;
    if (!h || rd_kafka_header_get_last(h, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR || !v)
        return (ms_str){"", 0};
    return (ms_str){v, n};
}

/*
 * The House Rules grounds that count toward blocking. Personal information
 * (2.2, 2.27) is mostly tenants posting their own phone number or address:
 * the answer is to redact and ask them to use the inbox, not to block them.
 * Misinformation is flagged for review and never decided alone, so an
 * unconfirmed flag is no violation to count either.
 */
static bool counts_as_violation(ms_category c)
{
    return c < MS_CAT_HOUSE_RULES_END && c != MS_CAT_PERSONAL_INFO &&
           c != MS_CAT_MISINFORMATION;
}

/** @brief Whether a comma-separated category list names a ground that counts. */
static bool names_house_rule(ms_str cats)
{
    const char *p = cats.ptr, *end = cats.ptr + cats.len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);
        ms_category c;
        if (ms_category_parse(p, n, &c) && counts_as_violation(c))
            return true;
        p += n + 1;
    }
    return false;
}

/**
 * @brief Copy into `out` the rule ids of a comma-separated list whose
 * grounds count (the proof names what broke the rules, not the complaint,
 * question or personal-information cues the same event had). Returns the
 * length.
 */
static size_t house_rule_ids(const ms_ruleset *rs, ms_str list, char *out, size_t cap)
{
    size_t len = 0;
    const char *p = list.ptr, *end = list.ptr + list.len;
    out[0] = '\0';
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);
        const ms_rule *r = ms_ruleset_find(rs, p, n);
        if (r && counts_as_violation(r->category) && len + (len > 0) + n < cap) {
            if (len)
                out[len++] = ',';
            memcpy(out + len, p, n);
            len += n;
            out[len] = '\0';
        }
        p += n + 1;
    }
    return len;
}

/** @brief Write the author's RepeatOffender record. */
static void write_record(ms_offenders_stage *st, const rd_kafka_message_t *msg, uint32_t count)
{
    ms_offence proof[MS_OFFENCES_KEPT];
    size_t n = ms_offenders_get(st->ledger, msg->key, msg->key_len, proof);
    ms_repeat_offender r = {.author_id = {msg->key ? msg->key : "", msg->key ? msg->key_len : 0},
                            .violations = count,
                            .threshold = st->opt.threshold,
                            .window_ms = st->opt.window_ms,
                            .detected_at_ms = ms_clock_wall_ms(),
                            .offences = proof,
                            .n_offences = n};
    ms_buf_reset(&st->out);
    if (!ms_encode_repeat_offender(&st->out, st->s->cfg->output_encoding, &r)) {
        ms_log(MS_LOG_ERROR, stage_name, "could not encode a repeat_offender record", NULL);
        atomic_store(&st->delivery_failed, true);
        return;
    }
    for (;;) {
        atomic_fetch_add(&st->undelivered, 1);
        rd_kafka_resp_err_t e = rd_kafka_producev(
            st->producer, RD_KAFKA_V_RKT(st->out_topic), RD_KAFKA_V_KEY(msg->key, msg->key_len),
            RD_KAFKA_V_VALUE(st->out.data, st->out.len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_HEADER("content-type", st->s->cfg->output_encoding == MS_ENC_JSON
                                                  ? "application/json"
                                                  : "application/x-protobuf; "
                                                    "messageType=mentionsift.RepeatOffender",
                              -1),
            RD_KAFKA_V_HEADER("mentionsift-action", "review_for_block", -1),
            RD_KAFKA_V_OPAQUE(st), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            return;
        atomic_fetch_sub(&st->undelivered, 1);
        /* a full queue while stopping fails the record like any other
         * error (as the workers do): the moderation input is then not
         * committed past it, and the stop is not held up by an outage */
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || !*st->s->run) {
            atomic_store(&st->delivery_failed, true);
            atomic_fetch_add(&st->m->errors, 1);
            ms_log(MS_LOG_ERROR, stage_name, "produce failed", "error", rd_kafka_err2name(e),
                   "reason", rd_kafka_err2str(e), NULL);
            return;
        }
        rd_kafka_poll(st->producer, 50);
    }
}

/** @brief Whether a moderation record counts as a violation (2.24): the
 *  Specialist may remove it ("review"); one that must stay (2.26, a welfare
 *  concern) or is not on whg's page (2.29) does not. A record without the
 *  removal header (an older mentionsift) is judged by its categories. */
static bool counts_towards_block(rd_kafka_headers_t *h)
{
    ms_str removal = header(h, "mentionsift-removal");
    bool removable =
        removal.len == 0 || (removal.len == 6 && memcmp(removal.ptr, "review", 6) == 0);
    return removable && names_house_rule(header(h, "mentionsift-categories"));
}

/** @brief Count one moderation record; write a record if the author is a repeat offender. */
static void process(ms_offenders_stage *st, rd_kafka_message_t *msg)
{
    rd_kafka_headers_t *h = NULL;
    rd_kafka_message_headers(msg, &h);
    bool replaying = msg->partition >= 0 && msg->partition < st->n_replay &&
                     msg->offset < st->replay_until[msg->partition];
    if (replaying)
        atomic_fetch_add(&st->m->replayed, 1);
    if (counts_towards_block(h)) {
        ms_str id = header(h, "mentionsift-event-id");
        char where[96];
        if (id.len == 0) {
            /* no id (not written by mentionsift): the record's place names it */
            snprintf(where, sizeof where, "%s:%" PRId32 ":%" PRId64, st->in_name,
                     msg->partition, msg->offset);
            id = (ms_str){where, strlen(where)};
        }
        char rules[MS_OFFENCE_RULES_MAX + 1];
        size_t rules_len = house_rule_ids(st->rs, header(h, "mentionsift-rules"), rules,
                                          sizeof rules);
        rd_kafka_timestamp_type_t tt;
        int64_t at = rd_kafka_message_timestamp(msg, &tt);
        int64_t now = ms_clock_wall_ms();
        if (at < 0)
            at = now;
        /* a replay from the beginning reads violations the window has left */
        uint32_t count = at < now - st->opt.window_ms
                             ? 0
                             : ms_offenders_record(st->ledger, msg->key,
                                                   msg->key ? msg->key_len : 0, id.ptr, id.len,
                                                   rules, rules_len, at);
        if (ms_log_enabled(MS_LOG_DEBUG)) {
            char c[16], off[48], idb[MS_OFFENCE_ID_MAX + 1];
            snprintf(c, sizeof c, "%" PRIu32, count);
            snprintf(idb, sizeof idb, "%.*s", (int)id.len, id.ptr);
            snprintf(off, sizeof off, "%" PRId32 ":%" PRId64, msg->partition, msg->offset);
            ms_log(MS_LOG_DEBUG, stage_name, "violation", "event_id", idb, "count", c,
                   "at", off, "replaying", replaying ? "true" : "false", NULL);
        }
        if (count == 0) {
            atomic_fetch_add(&st->m->duplicates, 1);
        } else {
            atomic_fetch_add(&st->m->violations, 1);
            if (!replaying && ms_offenders_is_repeat(&st->opt, count))
                write_record(st, msg, count);
        }
        atomic_store(&st->m->authors, ms_offenders_count(st->ledger));
    }
    /* a replayed record is behind the committed offset: storing its offset
     * would move the commit back, and the next owner would replay less and
     * alert again on what it then reads as new */
    if (replaying)
        return;
    rd_kafka_resp_err_t e = rd_kafka_offset_store(msg->rkt, msg->partition, msg->offset);
    if (e)
        ms_log(MS_LOG_WARN, stage_name, "offset store failed", "error", rd_kafka_err2name(e),
               NULL);
    else
        st->dirty = true;
}

/** @brief One client with the stage's callbacks. */
static rd_kafka_t *make_client(ms_offenders_stage *st, ms_client_role role, char *err,
                               size_t errlen)
{
    const ms_config *cfg = st->s->cfg;
    rd_kafka_conf_t *conf = ms_kafka_conf_new(cfg, role,
                                              role == MS_CLIENT_CONSUMER ? "mentionsift-offenders-in"
                                                                         : "mentionsift-offenders-out",
                                              err, errlen);
    if (!conf)
        return NULL;
    if (role == MS_CLIENT_CONSUMER) {
        char group[512];
        snprintf(group, sizeof group, "%s.offenders", cfg->group_id);
        /* Eager, whatever the workers use: every assignment replays the
         * window into the ledger and a lost record reassigns everything
         * (rebuild_after_loss), both written for whole assignments. This
         * consumer reads only the moderation topic, so a pause costs little. */
        if (!ms_kafka_conf_set(conf, "group.id", group, err, errlen) ||
            !ms_kafka_conf_set(conf, "partition.assignment.strategy", "range,roundrobin", err,
                               errlen) ||
            !ms_kafka_conf_set(conf, "enable.auto.commit", "false", err, errlen) ||
            !ms_kafka_conf_set(conf, "isolation.level", "read_committed", err, errlen)) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    } else {
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    }
    rd_kafka_conf_set_opaque(conf, st);
    rd_kafka_conf_set_error_cb(conf, on_error);
    char rd_err[512];
    rd_kafka_t *rk = rd_kafka_new(role == MS_CLIENT_CONSUMER ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER,
                                  conf, rd_err, sizeof rd_err);
    if (!rk) {
        snprintf(err, errlen, "offenders stage: rd_kafka_new: %s", rd_err);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

ms_offenders_stage *ms_offenders_stage_new(ms_service_shared *s, char *err, size_t errlen)
{
    const ms_config *cfg = s->cfg;
    ms_offenders_stage *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "offenders stage: out of memory");
        return NULL;
    }
    st->s = s;
    st->rs = ms_ruleset_live_acquire(s->rules, &st->rules_gen);
    st->m = ms_metrics_offenders(s->metrics);
    st->in_name = cfg->route_topic[MS_ROUTE_MODERATION];
    st->opt = (ms_offenders_options){.threshold = cfg->offenders_threshold,
                                     .window_ms = (int64_t)cfg->offenders_window_hours * 3600000,
                                     .max_authors = cfg->offenders_max_authors};
    ms_buf_init(&st->out);
    if (!st->m || !(st->ledger = ms_offenders_new(&st->opt))) {
        snprintf(err, errlen, "offenders stage: %s",
                 st->m ? "bad offenders.* settings or out of memory" : "no metrics");
        ms_offenders_stage_free(st);
        return NULL;
    }
    if (!(st->consumer = make_client(st, MS_CLIENT_CONSUMER, err, errlen)) ||
        !(st->producer = make_client(st, MS_CLIENT_PRODUCER, err, errlen))) {
        ms_offenders_stage_free(st);
        return NULL;
    }
    if (!(st->commits = ms_consumer_commits_new(st->consumer))) {
        snprintf(err, errlen, "offenders stage: out of memory");
        ms_offenders_stage_free(st);
        return NULL;
    }
    st->out_topic = rd_kafka_topic_new(st->producer, cfg->route_topic[MS_ROUTE_REPEAT_OFFENDER],
                                       NULL);
    if (!st->out_topic) {
        snprintf(err, errlen, "offenders stage: output topic '%s': %s",
                 cfg->route_topic[MS_ROUTE_REPEAT_OFFENDER],
                 rd_kafka_err2str(rd_kafka_last_error()));
        ms_offenders_stage_free(st);
        return NULL;
    }
    rd_kafka_resp_err_t pe = rd_kafka_poll_set_consumer(st->consumer);
    if (pe) {
        snprintf(err, errlen, "offenders stage: poll_set_consumer: %s", rd_kafka_err2str(pe));
        ms_offenders_stage_free(st);
        return NULL;
    }
    return st;
}

void *ms_offenders_stage_main(void *arg)
{
    ms_offenders_stage *st = arg;
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, st->in_name, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(st->consumer, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) {
        stage_fail(st, "subscribe", e, rd_kafka_err2str(e));
        return NULL;
    }
    ms_log(MS_LOG_INFO, stage_name, "reading the moderation topic", "topic", st->in_name,
           "output", st->s->cfg->route_topic[MS_ROUTE_REPEAT_OFFENDER], NULL);
    int64_t last_commit = ms_clock_mono_ms();
    while (*st->s->run && !atomic_load(&st->s->failed)) {
        if (ms_ruleset_live_generation(st->s->rules) != st->rules_gen) {
            /* a reload: rules added to a House Rules category count from now on */
            const ms_ruleset *old = st->rs;
            st->rs = ms_ruleset_live_acquire(st->s->rules, &st->rules_gen);
            ms_ruleset_live_release(st->s->rules, old);
        }
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(st->consumer, 100);
        if (msg) {
            if (!msg->err)
                process(st, msg);
            else if (ms_kafka_err_is_permanent(msg->err))
                stage_fail(st, "consume", msg->err, rd_kafka_message_errstr(msg));
            else if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                ms_log(MS_LOG_WARN, stage_name, "consumer error", "error",
                       rd_kafka_err2name(msg->err), "reason", rd_kafka_message_errstr(msg), NULL);
            rd_kafka_message_destroy(msg);
        }
        rd_kafka_poll(st->producer, 0);
        if (atomic_load(&st->delivery_failed) && atomic_load(&st->undelivered) == 0) {
            int64_t now = ms_clock_mono_ms();
            if (st->rebuild_at_ms == 0) {
                st->rebuild_backoff_ms = ms_backoff_next(st->rebuild_backoff_ms, 1000, 60000);
                st->rebuild_at_ms = now + st->rebuild_backoff_ms;
            } else if (now >= st->rebuild_at_ms) {
                st->rebuild_at_ms = 0;
                rebuild_after_loss(st);
            }
        }
        if (ms_clock_mono_ms() - last_commit >= COMMIT_INTERVAL_MS) {
            commit_delivered(st, ms_clock_mono_ms());
            last_commit = ms_clock_mono_ms();
        }
    }
    st->stop_started_ms = stop_start(st);
    commit_delivered(st, st->stop_started_ms);
    st->consumer_closed = ms_consumer_close_within(
        st->consumer,
        ms_stop_deadline(st->stop_started_ms, st->s->cfg->shutdown_timeout_ms, MS_STOP_LEAVE),
        on_rebalance);
    return NULL;
}

bool ms_offenders_stage_left_open(const ms_offenders_stage *st)
{
    return st->stop_started_ms && !st->consumer_closed;
}

void ms_offenders_stage_free(ms_offenders_stage *st)
{
    if (!st)
        return;
    if (st->out_topic)
        rd_kafka_topic_destroy(st->out_topic);
    if (st->producer) {
        rd_kafka_flush(st->producer, 1000);
        rd_kafka_destroy(st->producer);
    }
    ms_consumer_commits_free(st->commits);
    ms_consumer_destroy(st->consumer, st->consumer_closed);
    ms_offenders_free(st->ledger);
    ms_ruleset_live_release(st->s->rules, st->rs);
    free(st->replay_until);
    ms_buf_free(&st->out);
    free(st);
}
