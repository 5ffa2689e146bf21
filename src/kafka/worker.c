/*
 * worker.c - the consume-classify-produce loop (see worker.h).
 *
 * For each input message, top to bottom:
 *   1. track it: a pending entry holds its offset until its outputs are
 *      acknowledged (offsets.h);
 *   2. check its size, decode it, classify it, encode it; anything that
 *      fails, or whose output is larger than an output topic takes
 *      (topic_limits.h), goes to the dead-letter topic with the original
 *      bytes and the reason;
 *   3. encode the classified event once and produce it to each routed topic,
 *      keyed by author id, with headers carrying categories, rule ids,
 *      content type and rule-set version;
 *   4. serve delivery reports, move commit positions past completed events
 *      and store them; librdkafka commits stored offsets in the background.
 * A revoked partition is flushed and committed before it is given up, and
 * shutdown does the same for everything.
 * Errors that retrying cannot cure (rejected credentials, a missing ACL:
 * kafka_errors.h) stop the whole service with the cause named; everything
 * else is retried by librdkafka or reprocessed by the worker.
 *
 * With processing.guarantee exactly_once, steps 3-4 run inside Kafka
 * transactions instead: worker_eos.c. The worker's state, shared by both
 * files, is in worker_internal.h.
 */
#include "kafka/worker_internal.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/engine.h"
#include "core/log.h"
#include "kafka/consumer_stop.h"
#include "kafka/kafka_conf.h"
#include "kafka/kafka_errors.h"
#include "kafka/offsets.h"

/* Room kept in a produced message for its fixed headers and framing
 * (event_headers writes under 2 KB of them besides the event id, which is
 * as long as the input's id): an output whose value, key and id fit a limit
 * minus this needs no walk over its headers to know it fits. */
#define MS_HEADER_ROOM 4096

/* The longest input key a dead letter keeps: a longer key could make even a
 * dead letter without its payload too large to produce, and it would jam
 * its partition on every reprocessing. */
#define MS_DEAD_LETTER_KEY_MAX (16u << 10)

/* A dead letter for an event whose output the broker refused keeps the
 * original bytes only up to this size: the dead-letter topic may have the
 * same limit that refused it, and a refused dead letter would jam again. */
#define MS_REFUSED_PAYLOAD_MAX (64u << 10)

/* How often a worker may ask for the output topics' limits again: every
 * LIMITS_RETRY_MS after an answer, backing off to LIMITS_RETRY_MAX_MS while
 * the cluster does not answer (the mock cluster never does). */
#define LIMITS_RETRY_MS 5000u
#define LIMITS_RETRY_MAX_MS 300000u
/* Limits once known are asked again this often anyway: a limit raised
 * while the service runs would otherwise never be learnt (nothing is
 * refused), and outputs under it would go on being dead-lettered. */
#define LIMITS_REFRESH_MS 60000
/* How long a worker waits for the limits before dead-lettering an output
 * for one (limits_confirm). */
#define LIMITS_CONFIRM_MS 2000


/**
 * @brief Stop the service on an error no retry can cure (kafka_errors.h).
 *
 * Only sets the shared flag: every worker then leaves its loop, drains and
 * commits what completed, so nothing past an undelivered event is committed.
 * Logged once per worker: every output in flight to a forbidden topic comes
 * back with the same error, and the first one says why.
 */
static void worker_fail(ms_worker *w, const char *what, rd_kafka_resp_err_t err,
                        const char *reason, const char *topic)
{
    if (!w->stop_logged)
        ms_log(MS_LOG_ERROR, w->name, "stopping the service: an error that retrying cannot cure",
               "during", what, "topic", topic ? topic : "", "error", rd_kafka_err2name(err),
               "reason", reason, "hint", ms_kafka_err_hint(err), NULL);
    w->stop_logged = true;
    w->s->failed = 1;
}

/** @brief Client-level errors (both clients): stop on permanent ones, else log. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    ms_worker *w = opaque;
    rd_kafka_resp_err_t e = (rd_kafka_resp_err_t)err;
    if (ms_kafka_err_is_permanent(e)) {
        worker_fail(w, rd_kafka_name(rk), e, reason, NULL);
    } else if (e == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, fatal, sizeof fatal);
        /* exactly_once recreates its producer after a fatal error (eos_fatal in worker_eos.c);
         * an idempotent producer or a consumer in that state cannot go on */
        if (ms_kafka_err_is_permanent(orig) || rk == w->consumer || !w->eos)
            worker_fail(w, rd_kafka_name(rk), orig, fatal, NULL);
        else
            ms_log(MS_LOG_ERROR, w->name, "fatal client error", "client", rd_kafka_name(rk),
                   "error", rd_kafka_err2name(orig), "reason", fatal, NULL);
    } else {
        ms_log(MS_LOG_WARN, w->name, "client error (librdkafka retries)", "client",
               rd_kafka_name(rk), "error", rd_kafka_err2name(e), "reason", reason, NULL);
    }
}

/** @brief A consumer error event: stop on permanent errors, else log and go on. */
void ms_worker_on_consumer_error(ms_worker *w, const rd_kafka_message_t *msg)
{
    const char *topic = msg->rkt ? rd_kafka_topic_name(msg->rkt) : NULL;
    if (ms_kafka_err_is_permanent(msg->err)) {
        worker_fail(w, "consume", msg->err, rd_kafka_message_errstr(msg), topic);
    } else if (msg->err == RD_KAFKA_RESP_ERR__FATAL) {
        char reason[256];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(w->consumer, reason, sizeof reason);
        worker_fail(w, "consume (fatal consumer error)", orig, reason, topic);
    } else {
        char part[16], off[32];
        snprintf(part, sizeof part, "%" PRId32, msg->partition);
        snprintf(off, sizeof off, "%" PRId64, msg->offset);
        ms_log(MS_LOG_WARN, w->name, "consumer error", "topic", topic ? topic : "", "partition",
               part, "offset", off, "error", rd_kafka_err2name(msg->err), "reason",
               rd_kafka_message_errstr(msg), NULL);
    }
}

/* ---- delivery reports ----------------------------------------------- */

/** @brief Whether the broker refused the record itself, so that sending it
 *  again can never succeed (as opposed to an outage or a timeout). */
static bool record_refused(rd_kafka_resp_err_t e)
{
    return e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
           e == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE ||
           e == RD_KAFKA_RESP_ERR_INVALID_RECORD || e == RD_KAFKA_RESP_ERR_INVALID_MSG ||
           e == RD_KAFKA_RESP_ERR_POLICY_VIOLATION;
}

/**
 * @brief Whether consumer error `msg` is one record that could not be read
 * (corrupt, or compressed with a codec this build lacks): the consumer goes
 * on past it, so it is dead-lettered by its position like any bad event,
 * or a later commit would skip it silently.
 */
bool ms_worker_record_unreadable(const rd_kafka_message_t *msg)
{
    return msg->rkt && msg->offset >= 0 &&
           (msg->err == RD_KAFKA_RESP_ERR__BAD_MSG || msg->err == RD_KAFKA_RESP_ERR__BAD_COMPRESSION ||
            msg->err == RD_KAFKA_RESP_ERR_INVALID_MSG);
}

/** @brief Whether a produced record is known to fit its topic's max.message.bytes. */
static bool fits_topic(const ms_worker *w, const rd_kafka_message_t *msg)
{
    intptr_t t = (intptr_t)rd_kafka_topic_opaque(msg->rkt);
    uint32_t limit = t >= 0 && t < MS_MAX_TOPICS ? ms_topic_limits_get(&w->s->limits, (size_t)t)
                                                 : 0;
    rd_kafka_headers_t *h = NULL;
    if (!limit || rd_kafka_message_headers(msg, &h) == RD_KAFKA_RESP_ERR__STATE)
        return false;
    return ms_record_bytes(msg->key_len, msg->len, h) <= limit;
}

/**
 * @brief Whether a refusal with `err` of a `len`-byte output of input `offset`
 * names the cause better than the one already noted (`noted_offset` < 0: none).
 * Of the outputs refused for size the largest is the cause (a broker refuses a
 * whole batch for one record); of other refusals the first.
 */
static bool refusal_is_cause(rd_kafka_resp_err_t err, size_t len, int64_t offset,
                             int64_t noted_offset, size_t noted_len)
{
    bool size = err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
                err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
    return noted_offset < 0 || (size ? len > noted_len : offset < noted_offset);
}

/**
 * @brief Note that the output of pending event `p` (`len` bytes) was refused
 * for itself with `err`, so that the event is dead-lettered when its
 * partition is read again instead of being refused forever.
 */
static void note_refused(ms_pending *p, rd_kafka_resp_err_t err, size_t len)
{
    ms_ptrack *pt = p ? p->pt : NULL;
    if (!pt || !record_refused(err))
        return;
    if (refusal_is_cause(err, len, p->offset, pt->refused_offset, pt->refused_len)) {
        pt->refused_offset = p->offset;
        pt->refused_error = err;
        pt->refused_len = len;
    }
}

/**
 * @brief exactly_once: note that an output of input `in` (`len` bytes) was
 * refused for itself with `err`, chosen by refusal_is_cause, so that the
 * input is dead-lettered when the rewind after the abort brings it back.
 */
static void note_refused_eos(ms_worker *w, const ms_eos_input *in, rd_kafka_resp_err_t err,
                             size_t len)
{
    ms_eos_refusal *r = &w->txn_refused;
    if (!in || !record_refused(err))
        return;
    if (refusal_is_cause(err, len, in->offset, r->offset, r->len)) {
        r->dead_lettered = false;
        snprintf(r->topic, sizeof r->topic, "%s", in->topic);
        r->partition = in->partition;
        r->offset = in->offset;
        r->error = err;
        r->len = len;
    }
}

/** @brief Whether input `msg` of `topic` is the one whose output the broker refused
 *  (exactly_once). */
static bool refused_eos(const ms_worker *w, const char *topic, const rd_kafka_message_t *msg)
{
    const ms_eos_refusal *r = &w->txn_refused;
    return w->eos && r->offset == msg->offset && r->partition == msg->partition &&
           strcmp(r->topic, topic) == 0;
}

/** @brief Producer delivery report: one output of a pending event settled. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    ms_worker *w = opaque;
    /* at_least_once: the output's pending event; exactly_once: its input */
    ms_pending *p = w->eos ? NULL : msg->_private;
    const ms_eos_input *in = w->eos ? msg->_private : NULL;
    if (msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE && w->producer_stale) {
        /* not sent: the producer is being replaced (producer_replace),
         * and the event is produced again by the new one */
    } else if ((msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
                msg->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) && w->closing) {
        /* dropped at the end of a stop (producer_close): uncommitted, so
         * read again at the next start */
    } else if ((msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
                msg->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) && w->eos) {
        /* exactly_once: dropped by abort_transaction with the rest of its
         * transaction, whose input is read again (eos_rewind in worker_eos.c) or by the
         * partition's next owner; not a failure, and it must not fail the
         * next transaction */
        return;
    } else if (msg->err) {
        atomic_fetch_add_explicit(&w->m->produce_errors, 1, memory_order_relaxed);
        char part[16], off[32], held[24];
        if (ms_log_budget_take(&w->log_undelivered, ms_clock_mono_ms(), MS_LOG_BUDGET_PER_S,
                               held)) {
            if (p) {
                snprintf(part, sizeof part, "%" PRId32, p->pt->partition);
                snprintf(off, sizeof off, "%" PRId64, p->offset);
                ms_log(MS_LOG_ERROR, w->name, "output not delivered; input will be reprocessed",
                       "topic", rd_kafka_topic_name(msg->rkt), "error",
                       rd_kafka_err2name(msg->err), "reason", rd_kafka_err2str(msg->err),
                       "input_topic", p->pt->topic, "input_partition", part, "input_offset", off,
                       held[0] ? "suppressed" : NULL, held, NULL);
            } else {
                /* exactly_once: the whole transaction aborts and its batch
                 * is read again */
                snprintf(part, sizeof part, "%" PRId32, in ? in->partition : -1);
                snprintf(off, sizeof off, "%" PRId64, in ? in->offset : (int64_t)-1);
                ms_log(MS_LOG_ERROR, w->name,
                       "output not delivered; the transaction will abort and its batch be read "
                       "again",
                       "topic", rd_kafka_topic_name(msg->rkt), "error",
                       rd_kafka_err2name(msg->err), "reason", rd_kafka_err2str(msg->err),
                       "input_topic", in ? in->topic : "?", "input_partition", part,
                       "input_offset", off, held[0] ? "suppressed" : NULL, held, NULL);
            }
        }
        if (ms_kafka_err_is_permanent(msg->err))
            worker_fail(w, "produce", msg->err, rd_kafka_err2str(msg->err),
                        rd_kafka_topic_name(msg->rkt));
        /* the outputs refused with the one to blame are produced again
         * after the rewind */
        if (msg->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE && fits_topic(w, msg) &&
            (w->producer_stale || w->doubt_answers == NO_DOUBT ||
             w->limits_answers == w->doubt_answers)) {
            /* refused with its batch, not for itself: the limits (or the
             * batch size) are out of date, or a producer that fits them is
             * on its way; it is produced again */
            if (w->doubt_answers == NO_DOUBT)
                w->doubt_answers = w->limits_answers;
            if (!w->limits_stale && !w->producer_stale)
                ms_log(MS_LOG_INFO, w->name,
                       "a batch was refused although its records fit the known topic limits: "
                       "asking the limits again",
                       "topic", rd_kafka_topic_name(msg->rkt), NULL);
            w->limits_stale = true;
        } else if (w->eos) {
            note_refused_eos(w, in, msg->err, msg->len);
        } else {
            note_refused(p, msg->err, msg->len);
        }
    } else {
        intptr_t t = (intptr_t)rd_kafka_topic_opaque(msg->rkt);
        if (t >= 0 && t < MS_MAX_TOPICS)
            atomic_fetch_add_explicit(&w->m->events_out_topic[t], 1, memory_order_relaxed);
    }
    if (p)
        ms_offsets_ack(w->offsets, p, msg->err == RD_KAFKA_RESP_ERR_NO_ERROR);
    else if (msg->err)
        w->txn_failed = true; /* exactly_once: the transaction must abort */
}

/** @brief An event is complete: record its latency from input timestamp. */
static void on_complete(void *ctx, const ms_pending *p)
{
    ms_worker *w = ctx;
    if (p->timestamp_ms > 0) {
        int64_t d = ms_clock_wall_ms() - p->timestamp_ms;
        ms_metrics_observe_latency(w->m, d > 0 ? (uint64_t)d * 1000 : 0);
    }
}

/* ---- offsets -------------------------------------------------------- */

/** @brief Store the commit positions that moved; librdkafka commits them. */
static void store_offsets(ms_worker *w)
{
    ms_offsets_advance(w->offsets, on_complete, w);
    rd_kafka_topic_partition_list_t *l = NULL;
    for (uint32_t i = 0; i < ms_offsets_count(w->offsets); i++) {
        ms_ptrack *pt = ms_offsets_at(w->offsets, i);
        if (!pt->dirty || !pt->assigned)
            continue;
        if (!l)
            l = rd_kafka_topic_partition_list_new(8);
        rd_kafka_topic_partition_list_add(l, pt->topic, pt->partition)->offset = pt->commit_next;
        pt->dirty = false;
    }
    if (!l)
        return;
    w->uncommitted = true;
    rd_kafka_resp_err_t e = rd_kafka_offsets_store(w->consumer, l);
    /* each partition carries its own result: one that was not stored is
     * tried again on the next turn (a partition no longer assigned, _STATE,
     * is its next owner's) */
    int64_t now = ms_clock_mono_ms();
    for (int i = 0; e && i < l->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &l->elems[i];
        if (!tp->err || tp->err == RD_KAFKA_RESP_ERR__STATE)
            continue;
        ms_ptrack *pt = ms_offsets_partition(w->offsets, tp->topic, tp->partition);
        if (pt)
            pt->dirty = true;
        if (now - w->last_store_error_log_ms >= 1000) {
            char part[16], off[32];
            snprintf(part, sizeof part, "%" PRId32, tp->partition);
            snprintf(off, sizeof off, "%" PRId64, tp->offset);
            ms_log(MS_LOG_WARN, w->name, "storing an offset failed; trying again", "topic",
                   tp->topic, "partition", part, "offset", off, "error",
                   rd_kafka_err2name(tp->err), "reason", rd_kafka_err2str(tp->err), NULL);
            w->last_store_error_log_ms = now;
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* One budget, processing.shutdown_timeout_ms, bounds giving partitions up
 * (a stop or a revoke), split as consumer_stop.h says. Each step that runs
 * out of time leaves input uncommitted, which the partitions' next owner
 * reads again. */

/** @brief Start of the current budget: the stop's, else now (a revoke while running). */
static int64_t budget_start(const ms_worker *w)
{
    return w->stop_started_ms ? w->stop_started_ms : ms_clock_mono_ms();
}

/** @brief When `step` of a budget that started at `start` ends. */
int64_t ms_worker_budget_at(const ms_worker *w, int64_t start, ms_stop_step step)
{
    return ms_stop_deadline(start, w->s->cfg->shutdown_timeout_ms, step);
}

/** @brief The start of the stop's budget, noted the first time the worker sees the run flag
 *  down or the service failed (a stop can begin inside a transactional call's loop): when the
 *  service saw the stop if it has yet, else now; 0 while running. */
int64_t ms_worker_stop_noted(ms_worker *w)
{
    if (!w->stop_started_ms && (!*w->s->run || w->s->failed)) {
        int64_t seen = atomic_load(&w->s->stop_seen_ms);
        w->stop_started_ms = seen ? seen : ms_clock_mono_ms();
    }
    return w->stop_started_ms;
}

/** @brief Wait (bounded) for in-flight outputs, store offsets and commit them. */
static void drain_and_commit(ms_worker *w, int64_t start)
{
    int64_t outputs_until = ms_worker_budget_at(w, start, MS_STOP_OUTPUTS);
    /* pendings held behind a failed output stay in flight until a rewind
     * that will not come now: wait only while outputs are still queued */
    while (w->producer && ms_offsets_in_flight(w->offsets) > 0 &&
           rd_kafka_outq_len(w->producer) > 0 &&
           ms_clock_mono_ms() < outputs_until) {
        rd_kafka_flush(w->producer, 100);
        ms_offsets_advance(w->offsets, on_complete, w);
    }
    ms_offsets_advance(w->offsets, on_complete, w);
    store_offsets(w);
    /* no commit when nothing was stored since the last one answered (the
     * revoke inside a stop's group leave, after the stop's own commit) */
    int64_t commit_until = ms_worker_budget_at(w, start, MS_STOP_COMMIT);
    rd_kafka_resp_err_t e = w->uncommitted ? ms_consumer_commit_within(w->commits, commit_until)
                                           : RD_KAFKA_RESP_ERR__NO_OFFSET;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR__NO_OFFSET)
        w->uncommitted = false;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
        atomic_fetch_add_explicit(&w->m->commits, 1, memory_order_relaxed);
    else if (e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        atomic_fetch_add_explicit(&w->m->commit_errors, 1, memory_order_relaxed);
        ms_log(MS_LOG_WARN, w->name,
               e == RD_KAFKA_RESP_ERR__TIMED_OUT
                   ? "commit not answered in time; its input will be reprocessed"
                   : "commit failed; its input will be reprocessed",
               "error", rd_kafka_err2name(e), "reason", rd_kafka_err2str(e), NULL);
    }
    if (ms_offsets_in_flight(w->offsets) > 0) {
        char n[16];
        snprintf(n, sizeof n, "%u", ms_offsets_in_flight(w->offsets));
        ms_log(MS_LOG_WARN, w->name,
               "outputs still unacknowledged at the deadline; their inputs stay uncommitted and "
               "will be reprocessed",
               "events", n, NULL);
    }
}

/* Rewinds that meet the same failure again wait longer each time: from
 * RETRY_FIRST_MS, doubling, up to RETRY_MAX_MS. An output topic that is
 * missing or a broker that is down would otherwise have a partition read,
 * fail and rewind several times a second, with a log line each time. */
#define RETRY_FIRST_MS 250u
#define RETRY_MAX_MS 10000u

/** @brief Pause or resume fetching one partition; on failure it is tried again later. */
static void set_paused(ms_worker *w, ms_ptrack *pt, bool pause)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, pt->topic, pt->partition);
    rd_kafka_resp_err_t e = pause ? rd_kafka_pause_partitions(w->consumer, l)
                                  : rd_kafka_resume_partitions(w->consumer, l);
    if (!e)
        e = l->elems[0].err;
    if (e) {
        char part[16];
        snprintf(part, sizeof part, "%" PRId32, pt->partition);
        ms_log(MS_LOG_WARN, w->name,
               pause ? "pausing a partition failed" : "resuming a partition failed", "topic",
               pt->topic, "partition", part, "error", rd_kafka_err2name(e), NULL);
    } else {
        pt->paused = pause;
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/**
 * @brief Rewind partitions whose outputs failed, once their in-flight
 * settled. Until the seek has succeeded the partition stays rewinding (its
 * new messages are dropped, nothing past the failure is committed) and the
 * seek is tried again on the next call; a partition no longer assigned is
 * only reset, its next owner starting from the committed offset. A rewind
 * to where the previous one went (no progress since) waits, paused, for a
 * backoff first.
 */
static void handle_rewinds(ms_worker *w)
{
    for (uint32_t i = 0; i < ms_offsets_count(w->offsets); i++) {
        ms_ptrack *pt = ms_offsets_at(w->offsets, i);
        if (!pt->rewinding) {
            if (pt->paused && pt->assigned)
                set_paused(w, pt, false); /* a resume that failed before */
            continue;
        }
        bool settled = true;
        for (ms_pending *p = pt->head; p; p = p->next)
            if (p->outstanding)
                settled = false;
        if (!settled)
            continue;
        if (!pt->assigned) {
            ms_offsets_reset_partition(w->offsets, pt);
            continue;
        }
        int64_t now = ms_clock_mono_ms();
        if (now < pt->retry_at_ms) {
            /* its held events are all read again after the seek: their
             * room in the pool is for the other partitions meanwhile */
            ms_offsets_release_held(w->offsets, pt);
            if (!pt->paused)
                set_paused(w, pt, true);
            continue;
        }
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, pt->topic, pt->partition)->offset = pt->rewind_to;
        rd_kafka_error_t *err = rd_kafka_seek_partitions(w->consumer, l, 5000);
        rd_kafka_resp_err_t code = err ? rd_kafka_error_code(err) : l->elems[0].err;
        char part[16], off[32];
        snprintf(part, sizeof part, "%" PRId32, pt->partition);
        snprintf(off, sizeof off, "%" PRId64, pt->rewind_to);
        if (code) {
            if (now - w->last_seek_error_log_ms >= 1000) {
                ms_log(MS_LOG_ERROR, w->name, "seek for reprocessing failed; retrying",
                       "topic", pt->topic, "partition", part, "offset", off, "error",
                       rd_kafka_err2name(code), NULL);
                w->last_seek_error_log_ms = now;
            }
        } else {
            /* the same failure again: the next rewind waits longer */
            pt->retry_backoff_ms =
                pt->rewind_to == pt->last_rewound_to
                    ? ms_backoff_next(pt->retry_backoff_ms, RETRY_FIRST_MS, RETRY_MAX_MS)
                    : 0;
            pt->last_rewound_to = pt->rewind_to;
            pt->retry_at_ms = now + pt->retry_backoff_ms;
            char next[16];
            snprintf(next, sizeof next, "%" PRIu32, pt->retry_backoff_ms);
            ms_log(MS_LOG_WARN, w->name, "reprocessing from the first undelivered event",
                   "topic", pt->topic, "partition", part, "offset", off,
                   "next_retry_after_ms", next, NULL);
            ms_offsets_reset_partition(w->offsets, pt);
            if (pt->paused)
                set_paused(w, pt, false);
        }
        if (err)
            rd_kafka_error_destroy(err);
        rd_kafka_topic_partition_list_destroy(l);
    }
}

/** @brief Consumer lag summed over this worker's partitions (cached watermarks). */
static void update_lag(ms_worker *w)
{
    int64_t lag = 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (uint32_t i = 0; i < ms_offsets_count(w->offsets); i++) {
        ms_ptrack *pt = ms_offsets_at(w->offsets, i);
        if (pt->assigned)
            rd_kafka_topic_partition_list_add(l, pt->topic, pt->partition);
    }
    if (l->cnt && rd_kafka_position(w->consumer, l) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < l->cnt; i++) {
            int64_t lo, hi;
            if (l->elems[i].offset < 0 ||
                rd_kafka_get_watermark_offsets(w->consumer, l->elems[i].topic,
                                               l->elems[i].partition, &lo,
                                               &hi) != RD_KAFKA_RESP_ERR_NO_ERROR)
                continue;
            if (hi > l->elems[i].offset)
                lag += hi - l->elems[i].offset;
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
    atomic_store_explicit(&w->m->consumer_lag, lag, memory_order_relaxed);
}

/* ---- rebalance ------------------------------------------------------ */

/** @brief ms_consumer_assignment_change(), with a failure logged naming the partitions. */
static void assignment_change(ms_worker *w, rd_kafka_t *rk,
                              const rd_kafka_topic_partition_list_t *parts, bool take)
{
    rd_kafka_resp_err_t e = ms_consumer_assignment_change(rk, parts, take);
    if (!e)
        return;
    /* name the partitions: "topic[p],topic[p],..." (cut short if long) */
    char names[512] = "";
    size_t at = 0;
    for (int i = 0; parts && i < parts->cnt && at < sizeof names; i++) {
        int n = snprintf(names + at, sizeof names - at, "%s%s[%" PRId32 "]", i ? "," : "",
                         parts->elems[i].topic, parts->elems[i].partition);
        if (n < 0)
            break;
        at += (size_t)n;
    }
    ms_log(MS_LOG_ERROR, w->name, take ? "assign failed" : "unassign failed", "partitions",
           names, "protocol", rd_kafka_rebalance_protocol(rk), "error", rd_kafka_err2name(e),
           "reason", rd_kafka_err2str(e), NULL);
}

/** @brief Rebalance callback, on the worker's thread (consumer poll or close): exactly-once aborts
 *  an open transaction on revoke; at least once flushes and commits before giving partitions up,
 *  all of them in an eager rebalance, the revoked ones in a cooperative one (the flush is of
 *  everything in flight: simpler, and a revoke is rare). */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    ms_worker *w = opaque;
    char n[16];
    snprintf(n, sizeof n, "%d", parts->cnt);
    if (w->eos) {
        if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS && w->in_txn)
            ms_worker_eos_abort(w, "partitions revoked: the open transaction is aborted; the "
                                   "new owner starts from the committed offsets");
        assignment_change(w, rk, parts, err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS);
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
            atomic_store_explicit(&w->m->assigned, true, memory_order_relaxed);
        ms_log(MS_LOG_INFO, w->name,
               err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "partitions assigned"
                                                           : "partitions revoked",
               "count", n, NULL);
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        assignment_change(w, rk, parts, true);
        for (int i = 0; i < parts->cnt; i++) {
            ms_ptrack *pt =
                ms_offsets_partition(w->offsets, parts->elems[i].topic, parts->elems[i].partition);
            if (!pt)
                continue;
            ms_offsets_assigned(w->offsets, pt);
            pt->refused_offset = -1; /* a new assignment tries every event again */
            pt->refused_len = 0;
            /* paused for a retry when it was revoked: fetched again, and
             * paused anew if its rewind is still due */
            if (pt->paused)
                set_paused(w, pt, false);
        }
        atomic_store_explicit(&w->m->assigned, true, memory_order_relaxed);
        ms_log(MS_LOG_INFO, w->name, "partitions assigned", "count", n, NULL);
    } else {
        drain_and_commit(w, budget_start(w));
        for (int i = 0; i < parts->cnt; i++) {
            ms_ptrack *pt =
                ms_offsets_partition(w->offsets, parts->elems[i].topic, parts->elems[i].partition);
            if (pt)
                pt->assigned = false;
        }
        assignment_change(w, rk, parts, false);
        ms_log(MS_LOG_INFO, w->name, "partitions revoked", "count", n, NULL);
    }
}

/** @brief Leave the consumer group, giving up at the end of the stop's budget. */
static void leave_group(ms_worker *w)
{
    w->consumer_closed = ms_consumer_close_within(
        w->consumer, ms_worker_budget_at(w, w->stop_started_ms, MS_STOP_LEAVE), on_rebalance);
}

/* ---- output topic limits (topic_limits.h) -------------------------- */

/** @brief Take an answer to a limits request (r is not MS_LIMITS_NONE). */
static void limits_answered(ms_worker *w, ms_limits_poll r, int64_t now)
{
    w->limits_asked = false;
    w->limits_answers++;
    if (r == MS_LIMITS_APPLIED) {
        w->limits_wait_ms = 0;
        w->limits_refresh_ms = now + LIMITS_REFRESH_MS;
        uint32_t cap = ms_topic_limits_min(&w->s->limits, w->s->worker_topics);
        if (cap && w->batch_bytes > cap)
            w->producer_stale = true;
    } else {
        w->limits_stale = true;
        w->limits_wait_ms = ms_backoff_next(w->limits_wait_ms, LIMITS_RETRY_MS,
                                            LIMITS_RETRY_MAX_MS);
        w->limits_next_ms = now + w->limits_wait_ms;
    }
}

/** @brief Send a limits request (the answer arrives on limits_q). */
static void limits_ask(ms_worker *w, int64_t now)
{
    ms_topic_limits_request(&w->s->limits, w->consumer, w->limits_q, (int)LIMITS_RETRY_MS);
    w->limits_asked = true;
    w->limits_stale = false;
    w->limits_next_ms = now + LIMITS_RETRY_MS;
}

/**
 * @brief Ask for the output topics' limits when they are stale (never
 * answered at start, a batch refused although its records fit, an output
 * dead-lettered for a limit, or LIMITS_REFRESH_MS since the last answer), and
 * once answered, mark the producer for replacement if its batch.size is
 * now above the smallest of them.
 */
void ms_worker_follow_limits(ms_worker *w)
{
    int64_t now = ms_clock_mono_ms();
    ms_limits_poll r = w->limits_asked ? ms_topic_limits_poll(&w->s->limits, w->limits_q, 0)
                                       : MS_LIMITS_NONE;
    if (r != MS_LIMITS_NONE)
        limits_answered(w, r, now);
    if (!w->limits_asked && w->limits_refresh_ms && now >= w->limits_refresh_ms) {
        w->limits_stale = true;
        w->limits_refresh_ms = 0;
    }
    if (w->limits_stale && !w->limits_asked && now >= w->limits_next_ms)
        limits_ask(w, now);
}

/**
 * @brief Before an output is dead-lettered for a topic's limit: ask the
 * limits again and wait for the answer (up to LIMITS_CONFIRM_MS; after a
 * request that was not answered, not again for LIMITS_RETRY_MS), so that a
 * limit raised since the last answer does not cost an event. True when an
 * answer was applied.
 */
static bool limits_confirm(ms_worker *w)
{
    int64_t now = ms_clock_mono_ms();
    if (now < w->limits_confirm_ms)
        return false;
    if (!w->limits_asked)
        limits_ask(w, now);
    ms_limits_poll r = ms_topic_limits_poll(&w->s->limits, w->limits_q, LIMITS_CONFIRM_MS);
    if (r != MS_LIMITS_APPLIED) /* a cluster that does not answer is not waited for again soon */
        w->limits_confirm_ms = ms_clock_mono_ms() + LIMITS_RETRY_MS;
    if (r == MS_LIMITS_NONE)
        return false; /* follow_limits takes the answer when it comes */
    limits_answered(w, r, ms_clock_mono_ms());
    return r == MS_LIMITS_APPLIED;
}

/* ---- producing ------------------------------------------------------ */

/**
 * @brief The first of `topics` whose known max.message.bytes the encoded
 * output (w->out) with key length `key_len` and headers `h` (among them
 * the event id, `id_len` bytes) exceeds (its record size bound in
 * `*record_bytes`), or -1. A compressing producer's records may shrink
 * below the limit, so then nothing is judged here.
 */
static int over_topic_limit(const ms_worker *w, const uint8_t *topics, size_t n, size_t key_len,
                            size_t id_len, const rd_kafka_headers_t *h, size_t *record_bytes)
{
    if (w->compressed)
        return -1;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t limit = ms_topic_limits_get(&w->s->limits, topics[i]);
        /* the usual case fits with room for any headers: no header walk */
        if (!limit || w->out.len + key_len + id_len + MS_HEADER_ROOM <= limit)
            continue;
        if (!bytes)
            bytes = ms_record_bytes(key_len, w->out.len, h);
        if (bytes > limit) {
            *record_bytes = bytes;
            return topics[i];
        }
    }
    return -1;
}

/**
 * @brief Produce one output for pending event `p`; failures are acked as
 * failed. The headers are copied, or with `take` handed over (to the
 * producer, or destroyed on failure): the last output of an event takes them.
 */
static void produce(ms_worker *w, int topic, const void *key, size_t keylen, const void *val,
                    size_t len, rd_kafka_headers_t *hdrs, bool take, ms_pending *p)
{
    if (p)
        p->outstanding++;
    /* exactly_once: the output names its input, the transaction's latest */
    const ms_eos_input *in = w->eos && w->txn_n > 0 ? &w->txn_in[w->txn_n - 1] : NULL;
    void *opaque = w->eos ? (void *)in : (void *)p;
    for (;;) {
        rd_kafka_headers_t *h = hdrs && !take ? rd_kafka_headers_copy(hdrs) : hdrs;
        rd_kafka_resp_err_t e = rd_kafka_producev(
            w->producer, RD_KAFKA_V_RKT(w->topic[topic]), RD_KAFKA_V_KEY(key, keylen),
            RD_KAFKA_V_VALUE((void *)val, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            return;
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL && *w->s->run && !w->s->failed) {
            if (h && !take)
                rd_kafka_headers_destroy(h);
            rd_kafka_poll(w->producer, 50); /* back-pressure: wait for acks */
            continue;
        }
        /* a full queue while stopping fails the output like any other
         * error: the event stays uncommitted, and a stop is not held up
         * for the producer's message.timeout.ms */
        if (h)
            rd_kafka_headers_destroy(h);
        atomic_fetch_add_explicit(&w->m->produce_errors, 1, memory_order_relaxed);
        char held[24];
        if (ms_log_budget_take(&w->log_produce_failed, ms_clock_mono_ms(), MS_LOG_BUDGET_PER_S,
                               held)) {
            /* the input it was for: the pending event's, or exactly_once's */
            char part[16], off[32];
            const char *in_topic = p ? p->pt->topic : in ? in->topic : "?";
            snprintf(part, sizeof part, "%" PRId32, p ? p->pt->partition : in ? in->partition : -1);
            snprintf(off, sizeof off, "%" PRId64, p ? p->offset : in ? in->offset : (int64_t)-1);
            ms_log(MS_LOG_ERROR, w->name, "produce failed", "topic", w->s->routes.names[topic],
                   "error", rd_kafka_err2name(e), "reason", rd_kafka_err2str(e), "input_topic",
                   in_topic, "input_partition", part, "input_offset", off,
                   held[0] ? "suppressed" : NULL, held, NULL);
        }
        if (ms_kafka_err_is_permanent(e))
            worker_fail(w, "produce", e, rd_kafka_err2str(e), w->s->routes.names[topic]);
        /* refused by the producer itself (over message.max.bytes): no
         * delivery report follows, and producing it again would fail again */
        if (w->eos)
            note_refused_eos(w, in, e, len);
        else
            note_refused(p, e, len);
        if (p)
            ms_offsets_ack(w->offsets, p, false);
        else
            w->txn_failed = true;
        return;
    }
}

/**
 * @brief Send the original bytes (up to `payload_max` of them, else none) to
 * the dead-letter topic with the reason.
 */
static void dead_letter_upto(ms_worker *w, const rd_kafka_message_t *msg, ms_pending *p,
                             const char *reason, size_t payload_max)
{
    char part[16], off[32];
    snprintf(part, sizeof part, "%" PRId32, msg->partition);
    snprintf(off, sizeof off, "%" PRId64, msg->offset);
    const char *topic = rd_kafka_topic_name(msg->rkt);
    rd_kafka_headers_t *h = rd_kafka_headers_new(5);
    rd_kafka_header_add(h, "mentionsift-error", -1, reason, -1);
    rd_kafka_header_add(h, "mentionsift-source-topic", -1, topic, -1);
    rd_kafka_header_add(h, "mentionsift-source-partition", -1, part, -1);
    rd_kafka_header_add(h, "mentionsift-source-offset", -1, off, -1);
    rd_kafka_header_add(h, "mentionsift-ruleset", -1, ms_ruleset_version(w->rs), -1);
    /* bytes the producer would refuse would fail here again on every
     * reprocessing: then the dead letter names the input and carries no
     * payload (the original stays on its topic, at the offset named) */
    size_t key_len = msg->key_len;
    if (key_len > MS_DEAD_LETTER_KEY_MAX) {
        char dropped[64];
        snprintf(dropped, sizeof dropped, "%zu bytes", key_len);
        rd_kafka_header_add(h, "mentionsift-key-dropped", -1, dropped, -1);
        key_len = 0;
    }
    int dlq = w->s->routes.route[MS_ROUTE_DEADLETTER];
    uint32_t dlq_limit = ms_topic_limits_get(&w->s->limits, (size_t)dlq);
    size_t record = ms_record_bytes(key_len, msg->len, h);
    bool over_topic = dlq_limit && !w->compressed && record > dlq_limit;
    /* 256: room for the payload-dropped header that an unfit one gets */
    bool fits = record + 256 <= w->max_message_bytes && msg->len <= payload_max && !over_topic;
    if (!fits) {
        char dropped[128];
        if (payload_max == 0)
            snprintf(dropped, sizeof dropped, "the consumer could not read the record");
        else if (over_topic)
            snprintf(dropped, sizeof dropped, "%zu bytes, over the max.message.bytes %" PRIu32
                     " of topic %s", msg->len, dlq_limit, w->s->routes.names[dlq]);
        else if (msg->len > payload_max)
            snprintf(dropped, sizeof dropped, "%zu bytes, over %zu for an event the broker "
                     "refused", msg->len, payload_max);
        else
            snprintf(dropped, sizeof dropped, "%zu bytes, over the producer's message.max.bytes "
                     "%zu", msg->len, w->max_message_bytes);
        rd_kafka_header_add(h, "mentionsift-payload-dropped", -1, dropped, -1);
    }
    produce(w, dlq, key_len ? msg->key : NULL, key_len, fits ? msg->payload : "",
            fits ? msg->len : 0, h, true, p);
    atomic_fetch_add_explicit(&w->m->deadletter, 1, memory_order_relaxed);
    char held[24];
    if (ms_log_budget_take(&w->log_dead_letter, ms_clock_mono_ms(), MS_LOG_BUDGET_PER_S, held))
        ms_log(MS_LOG_WARN, w->name, "event dead-lettered", "topic", topic, "partition", part,
               "offset", off, "reason", reason, held[0] ? "suppressed" : NULL, held, NULL);
}

/** @brief Send the original bytes to the dead-letter topic with the reason. */
static void dead_letter(ms_worker *w, const rd_kafka_message_t *msg, ms_pending *p,
                        const char *reason)
{
    dead_letter_upto(w, msg, p, reason, SIZE_MAX);
}

/** @brief Append `item` to the comma-separated list in buf (truncated at cap - 1 bytes). */
static void list_append(char *buf, size_t cap, size_t *len, const char *item)
{
    size_t n = strlen(item);
    if (*len && *len + 1 < cap)
        buf[(*len)++] = ',';
    if (n > cap - 1 - *len)
        n = cap - 1 - *len;
    memcpy(buf + *len, item, n);
    *len += n;
    buf[*len] = '\0';
}

/** @brief Headers every output of one event carries. */
static rd_kafka_headers_t *event_headers(ms_worker *w, const ms_mention *m, const ms_verdict *v)
{
    char cats[512], rules[1024];
    size_t cn = 0, rn = 0;
    uint32_t listed[MS_CAT_COUNT * MS_MAX_EVIDENCE];
    size_t n_listed = 0;
    cats[0] = rules[0] = '\0';
    for (int c = 0; c < MS_CAT_COUNT; c++) {
        if (!ms_verdict_has(v, (ms_category)c))
            continue;
        list_append(cats, sizeof cats, &cn, ms_category_name((ms_category)c));
        const ms_label *l = &v->label[c];
        for (uint8_t i = 0; i < l->n_evidence; i++) {
            uint32_t ri = l->evidence[i].rule;
            const ms_rule *r = ms_ruleset_rule(w->rs, ri);
            bool seen = false;
            for (size_t k = 0; k < n_listed; k++)
                seen |= listed[k] == ri;
            if (!r || seen)
                continue;
            listed[n_listed++] = ri;
            list_append(rules, sizeof rules, &rn, r->id);
        }
    }
    rd_kafka_headers_t *h = rd_kafka_headers_new(8);
    rd_kafka_header_add(h, "content-type", -1,
                        w->s->cfg->output_encoding == MS_ENC_JSON
                            ? "application/json"
                            : "application/x-protobuf; messageType=mentionsift.Classified",
                        -1);
    rd_kafka_header_add(h, "mentionsift-categories", -1, cats, (ssize_t)cn);
    rd_kafka_header_add(h, "mentionsift-primary", -1, ms_category_name(v->primary), -1);
    rd_kafka_header_add(h, "mentionsift-priority", -1, ms_priority_name(v->priority), -1);
    rd_kafka_header_add(h, "mentionsift-rules", -1, rules, (ssize_t)rn);
    rd_kafka_header_add(h, "mentionsift-ruleset", -1, ms_ruleset_version(w->rs), -1);
    if (v->removal != MS_REMOVAL_NONE)
        rd_kafka_header_add(h, "mentionsift-removal", -1, ms_removal_name(v->removal), -1);
    rd_kafka_header_add(h, "mentionsift-event-id", -1, m->id.ptr ? m->id.ptr : "",
                        (ssize_t)m->id.len);
    return h;
}

/* ---- the loop ------------------------------------------------------- */

/** @brief Classify decoded mention `m` into w->verdict; a response deadline
 *  of a mention without created_at runs from the record's Kafka timestamp
 *  (else now). False only on ENOMEM. */
static bool classify(ms_worker *w, ms_mention *m, const rd_kafka_message_t *msg)
{
    int64_t ts = rd_kafka_message_timestamp(msg, NULL);
    m->received_at_ms = ts > 0 ? ts : ms_clock_wall_ms();
    return ms_engine_classify(w->engine, m, &w->verdict);
}

/** @brief Classify one input message and produce its outputs. */
void ms_worker_process(ms_worker *w, rd_kafka_message_t *msg)
{
    const char *topic = rd_kafka_topic_name(msg->rkt);
    ms_pending *p = NULL;
    if (!w->eos) {
        ms_ptrack *pt = ms_offsets_partition(w->offsets, topic, msg->partition);
        if (!pt) {
            /* untracked, a later event of the partition could be committed
             * past it: stop, and a restart reads it again */
            worker_fail(w, "tracking a partition", RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE,
                        "out of memory", topic);
            return;
        }
        if (pt->rewinding)
            return; /* it will be read again after the rewind's seek */
        rd_kafka_timestamp_type_t tstype;
        int64_t ts = rd_kafka_message_timestamp(msg, &tstype);
        uint32_t resets = pt->resets;
        while (!(p = ms_offsets_begin(w->offsets, pt, msg->offset, ts))) {
            /* max in-flight reached: wait for acknowledgements. A failed
             * output holds its partition's pendings until the rewind, so
             * rewinds are served here too. Once this message's own
             * partition is rewinding, or was rewound (its seek done here:
             * the message in hand was read before it), the message is
             * dropped: it is read again from the rewound position, or by
             * the next owner. Processing it would put it before the events
             * the seek brings back, and its rewind would skip them. */
            rd_kafka_poll(w->producer, 10);
            ms_offsets_advance(w->offsets, on_complete, w);
            handle_rewinds(w);
            if (pt->rewinding || pt->resets != resets || !*w->s->run || w->s->failed)
                return;
        }
    }
    atomic_fetch_add_explicit(&w->m->events_in, 1, memory_order_relaxed);
    const ms_config *cfg = w->s->cfg;
    char reason[320];
    ms_mention m;
    ms_codec_error err;
    if (msg->err) {
        snprintf(reason, sizeof reason, "unreadable record: %s (%s)", rd_kafka_message_errstr(msg),
                 rd_kafka_err2name(msg->err));
        dead_letter_upto(w, msg, p, reason, 0);
    } else if (p && p->pt->refused_offset == msg->offset) {
        /* read again after the broker refused its output: it would be
         * refused again, and its partition would never move on (in
         * passthrough too: an input over a limit is refused as it is) */
        snprintf(reason, sizeof reason, "the broker refused its output: %s (%s)",
                 rd_kafka_err2str(p->pt->refused_error), rd_kafka_err2name(p->pt->refused_error));
        p->pt->refused_offset = -1;
        p->pt->refused_len = 0;
        w->doubt_answers = NO_DOUBT; /* the refusal in doubt is settled */
        dead_letter_upto(w, msg, p, reason, MS_REFUSED_PAYLOAD_MAX);
    } else if (refused_eos(w, topic, msg)) {
        /* exactly_once: the same, brought back by the rewind after the
         * transaction that held its refused output aborted */
        snprintf(reason, sizeof reason, "the broker refused its output: %s (%s)",
                 rd_kafka_err2str(w->txn_refused.error), rd_kafka_err2name(w->txn_refused.error));
        w->txn_refused.dead_lettered = true; /* forgotten once this transaction commits */
        w->doubt_answers = NO_DOUBT;
        dead_letter_upto(w, msg, p, reason, MS_REFUSED_PAYLOAD_MAX);
    } else if (cfg->passthrough) {
        /* the benchmark baseline: the same loop with classification removed */
        produce(w, w->s->routes.category[MS_CAT_OTHER], msg->key, msg->key_len, msg->payload,
                msg->len, NULL, false, p);
    } else if (msg->len > cfg->max_event_bytes) {
        snprintf(reason, sizeof reason, "event of %zu bytes exceeds max_event_bytes %u",
                 msg->len, cfg->max_event_bytes);
        dead_letter(w, msg, p, reason);
    } else if (!ms_decode_mention(w->dec, cfg->input_encoding, msg->payload, msg->len, &m,
                                  &err)) {
        snprintf(reason, sizeof reason, "undecodable event: %s", err.msg);
        dead_letter(w, msg, p, reason);
    } else if (m.text.len > cfg->max_text_bytes) {
        snprintf(reason, sizeof reason, "text of %zu bytes exceeds max_text_bytes %u",
                 m.text.len, cfg->max_text_bytes);
        dead_letter(w, msg, p, reason);
    } else if (!classify(w, &m, msg)) {
        dead_letter(w, msg, p, "classification failed: out of memory");
    } else {
        ms_verdict *v = &w->verdict;
        for (int c = 0; c < MS_CAT_COUNT; c++)
            if (ms_verdict_has(v, (ms_category)c))
                atomic_fetch_add_explicit(&w->m->events_category[c], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&w->m->primary_category[v->primary], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&w->m->removal[v->removal], 1, memory_order_relaxed);
        ms_buf_reset(&w->out);
        w->ctx.classified_at_ms = ms_clock_wall_ms();
        if (!ms_encode_classified(&w->out, cfg->output_encoding, &w->ctx, &m, v) ||
            !ms_buf_ok(&w->out)) {
            dead_letter(w, msg, p, "could not encode the classified event");
        } else {
            uint8_t topics[MS_MAX_TOPICS];
            size_t n = ms_routes_for(&w->s->routes, v, topics);
            rd_kafka_headers_t *h = event_headers(w, &m, v);
            size_t record = 0;
            /* the producer counts key, value and headers: a long author id
             * or event id can make a record too large for it */
            if (w->out.len + m.author.id.len + m.id.len + MS_HEADER_ROOM > w->max_message_bytes &&
                (record = ms_record_bytes(m.author.id.len, w->out.len, h)) >
                    w->max_message_bytes) {
                snprintf(reason, sizeof reason,
                         "classified event of %zu bytes (a record of up to %zu with its key "
                         "and headers) exceeds the producer's message.max.bytes %zu",
                         w->out.len, record, w->max_message_bytes);
                rd_kafka_headers_destroy(h);
                dead_letter(w, msg, p, reason);
                n = 0;
                h = NULL;
            }
            int over =
                n ? over_topic_limit(w, topics, n, m.author.id.len, m.id.len, h, &record) : -1;
            if (over >= 0 && limits_confirm(w))
                over = over_topic_limit(w, topics, n, m.author.id.len, m.id.len, h, &record);
            if (over >= 0) {
                /* all or nothing: no topic gets an event another refuses;
                 * and a limit raised since is learnt before the next one */
                snprintf(reason, sizeof reason,
                         "classified event of %zu bytes (a record of up to %zu) exceeds the "
                         "max.message.bytes %" PRIu32 " of output topic %s",
                         w->out.len, record, ms_topic_limits_get(&w->s->limits, (size_t)over),
                         w->s->routes.names[over]);
                w->limits_stale = true;
                rd_kafka_headers_destroy(h);
                dead_letter(w, msg, p, reason);
                n = 0;
                h = NULL;
            }
            for (size_t i = 0; i < n; i++)
                produce(w, topics[i], m.author.id.ptr, m.author.id.len, w->out.data, w->out.len,
                        h, i + 1 == n, p);
            if (n == 0 && h)
                rd_kafka_headers_destroy(h);
        }
    }
    if (p)
        ms_offsets_ack(w->offsets, p, true); /* the guard taken in ms_offsets_begin */
}

/** @brief A size property of `conf` (0 if unreadable). */
static size_t conf_size(rd_kafka_conf_t *conf, const char *key)
{
    char v[32];
    size_t n = sizeof v;
    return rd_kafka_conf_get(conf, key, v, &n) == RD_KAFKA_CONF_OK ? strtoull(v, NULL, 10) : 0;
}

/**
 * @brief Keep the producer's batches within the smallest known limit of the
 * topics a worker writes (topic_limits.h), and note its batch.size and
 * whether it compresses.
 */
static bool cap_batch_size(ms_worker *w, rd_kafka_conf_t *conf, char *err, size_t errlen)
{
    char codec[32];
    size_t n = sizeof codec;
    w->compressed = rd_kafka_conf_get(conf, "compression.codec", codec, &n) == RD_KAFKA_CONF_OK &&
                    strcmp(codec, "none") != 0;
    w->batch_bytes = conf_size(conf, "batch.size");
    uint32_t cap = ms_topic_limits_min(&w->s->limits, w->s->worker_topics);
    if (!cap || (w->batch_bytes && w->batch_bytes <= cap))
        return true;
    char v[16], was[32];
    snprintf(v, sizeof v, "%" PRIu32, cap);
    snprintf(was, sizeof was, "%zu", w->batch_bytes);
    if (!ms_kafka_conf_set(conf, "batch.size", v, err, errlen))
        return false;
    if (w->id == 0)
        ms_log(MS_LOG_INFO, w->name, "producer batch.size lowered to the smallest output topic "
               "max.message.bytes, so that no batch is refused for its size", "batch_size", v,
               "was", was, NULL);
    w->batch_bytes = cap;
    return true;
}

/** @brief A consumer or producer for `w`, with its callbacks (opaque `w`), batch cap and
 *  exactly-once settings; NULL with `err` set, the config then destroyed. */
static rd_kafka_t *make_client(ms_worker *w, ms_client_role role, char *err, size_t errlen)
{
    char id[64];
    snprintf(id, sizeof id, "mentionsift-%s-%d", role == MS_CLIENT_CONSUMER ? "in" : "out", w->id);
    rd_kafka_conf_t *conf = ms_kafka_conf_new(w->s->cfg, role, id, err, errlen);
    if (!conf)
        return NULL;
    if (role == MS_CLIENT_PRODUCER && !cap_batch_size(w, conf, err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (w->eos && !ms_kafka_conf_exactly_once(conf, w->s->cfg, role, w->txn_id, err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_opaque(conf, w);
    rd_kafka_conf_set_error_cb(conf, on_error);
    if (role == MS_CLIENT_CONSUMER)
        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    else
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char rd_err[512];
    rd_kafka_t *rk = rd_kafka_new(role == MS_CLIENT_CONSUMER ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER,
                                  conf, rd_err, sizeof rd_err);
    if (!rk) {
        snprintf(err, errlen, "%s: rd_kafka_new: %s", id, rd_err);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

/** @brief Create the producer and its output topic handles. */
bool ms_worker_producer_open(ms_worker *w, char *err, size_t errlen)
{
    if (!(w->producer = make_client(w, MS_CLIENT_PRODUCER, err, errlen)))
        return false;
    char max[32];
    size_t n = sizeof max;
    w->max_message_bytes = 1000000; /* librdkafka's default */
    if (rd_kafka_conf_get(rd_kafka_conf(w->producer), "message.max.bytes", max, &n) ==
        RD_KAFKA_CONF_OK)
        w->max_message_bytes = strtoull(max, NULL, 10);
    for (size_t t = 0; t < w->s->routes.n; t++) {
        rd_kafka_topic_conf_t *tc = rd_kafka_topic_conf_new();
        rd_kafka_topic_conf_set_opaque(tc, (void *)(intptr_t)t);
        w->topic[t] = rd_kafka_topic_new(w->producer, w->s->routes.names[t], tc);
        if (!w->topic[t]) {
            snprintf(err, errlen, "worker %d: output topic '%s': %s", w->id,
                     w->s->routes.names[t], rd_kafka_err2str(rd_kafka_last_error()));
            return false;
        }
    }
    return true;
}

/** @brief Destroy the producer and its topic handles. */
void ms_worker_producer_close(ms_worker *w)
{
    for (size_t t = 0; t < MS_MAX_TOPICS; t++)
        if (w->topic[t]) {
            rd_kafka_topic_destroy(w->topic[t]);
            w->topic[t] = NULL;
        }
    if (w->producer) {
        if (w->stop_started_ms) {
            /* stopping, past the final commit: what is still unacknowledged
             * was not committed and is read again at the next start, so it
             * is dropped at once instead of waiting for a broker that may
             * be down (each worker would add its wait to the stop) */
            w->closing = true;
            rd_kafka_purge(w->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_flush(w->producer, 100);
        } else {
            rd_kafka_flush(w->producer, 1000);
        }
        rd_kafka_destroy(w->producer);
        w->producer = NULL;
    }
}

ms_worker *ms_worker_new(ms_service_shared *s, int id, char *err, size_t errlen)
{
    ms_worker *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "worker %d: out of memory", id);
        return NULL;
    }
    w->s = s;
    w->id = id;
    snprintf(w->name, sizeof w->name, "worker-%d", id);
    w->m = ms_metrics_worker(s->metrics, id);
    ms_buf_init(&w->out);
    w->rs = ms_ruleset_live_acquire(s->rules, &w->rules_gen);
    w->ctx = (ms_encode_ctx){.rules = w->rs, .redact = s->cfg->redact};
    ms_engine_options eo = {.max_text_bytes = s->cfg->max_text_bytes};
    if (!(w->engine = ms_engine_new(w->rs, &eo, err, errlen)))
        goto fail;
    ms_metrics_worker_rules(s->metrics, id, w->rs, w->rules_gen, ms_engine_rule_counts(w->engine));
    w->dec = ms_decoder_new();
    w->offsets = ms_offsets_new(s->cfg->max_in_flight);
    if (!w->dec || !w->offsets) {
        snprintf(err, errlen, "worker %d: out of memory", id);
        goto fail;
    }
    w->eos = s->cfg->guarantee == MS_EXACTLY_ONCE;
    w->txn_refused.offset = -1;
    if (w->eos) {
        char host[128] = "host";
        gethostname(host, sizeof host - 1);
        if (s->cfg->instance_id)
            snprintf(w->txn_id, sizeof w->txn_id, "%s.%s.%d", s->cfg->group_id,
                     s->cfg->instance_id, id);
        else
            snprintf(w->txn_id, sizeof w->txn_id, "%s.%s-%d.%d", s->cfg->group_id, host,
                     (int)getpid(), id);
        w->txn_offsets = rd_kafka_topic_partition_list_new(16);
    }
    if (!ms_worker_producer_open(w, err, errlen) ||
        !(w->consumer = make_client(w, MS_CLIENT_CONSUMER, err, errlen)))
        goto fail;
    if (!(w->limits_q = rd_kafka_queue_new(w->consumer)) ||
        !(w->commits = ms_consumer_commits_new(w->consumer))) {
        snprintf(err, errlen, "worker %d: out of memory", id);
        goto fail;
    }
    /* not answered at start (the cluster was slow or lacks the API): ask later */
    w->limits_stale = !ms_topic_limits_answered(&s->limits);
    w->limits_next_ms = ms_clock_mono_ms() + LIMITS_RETRY_MS;
    w->limits_refresh_ms = w->limits_stale ? 0 : ms_clock_mono_ms() + LIMITS_REFRESH_MS;
    w->doubt_answers = NO_DOUBT;
    rd_kafka_resp_err_t pe = rd_kafka_poll_set_consumer(w->consumer);
    if (pe) {
        snprintf(err, errlen, "worker %d: poll_set_consumer: %s", id, rd_kafka_err2str(pe));
        goto fail;
    }
    rd_kafka_topic_partition_list_t *subs =
        rd_kafka_topic_partition_list_new((int)s->cfg->n_input_topics);
    for (size_t i = 0; i < s->cfg->n_input_topics; i++)
        rd_kafka_topic_partition_list_add(subs, s->cfg->input_topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(w->consumer, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (e) {
        snprintf(err, errlen, "worker %d: subscribe: %s", id, rd_kafka_err2str(e));
        goto fail;
    }
    return w;
fail:
    ms_worker_free(w);
    return NULL;
}

/**
 * @brief at_least_once: a new producer with batches within the topics'
 * limits. Outputs not yet sent are purged (once); their deliveries rewind
 * their partitions, and the new producer sends them. Until the outputs in
 * flight have settled, each turn only serves deliveries for a moment.
 */
static void producer_replace(ms_worker *w)
{
    if (!w->replace_purged) {
        rd_kafka_purge(w->producer, RD_KAFKA_PURGE_F_QUEUE);
        w->replace_purged = true;
    }
    rd_kafka_flush(w->producer, 100); /* serves the purged and settled deliveries */
    if (rd_kafka_outq_len(w->producer) > 0)
        return;
    /* the new producer is made before the old one goes: if it cannot be,
     * the worker goes on with the old one */
    rd_kafka_t *old = w->producer;
    rd_kafka_topic_t *old_topic[MS_MAX_TOPICS];
    memcpy(old_topic, w->topic, sizeof old_topic);
    size_t old_max = w->max_message_bytes, old_batch = w->batch_bytes;
    bool old_compressed = w->compressed;
    memset(w->topic, 0, sizeof w->topic);
    w->producer = NULL;
    char err[512];
    bool made = ms_worker_producer_open(w, err, sizeof err);
    rd_kafka_t *gone = made ? old : w->producer;
    rd_kafka_topic_t **gone_topic = made ? old_topic : w->topic;
    for (size_t t = 0; t < MS_MAX_TOPICS; t++)
        if (gone_topic[t])
            rd_kafka_topic_destroy(gone_topic[t]);
    if (gone)
        rd_kafka_destroy(gone);
    w->replace_purged = false;
    w->producer_stale = false;
    if (!made) {
        w->producer = old;
        memcpy(w->topic, old_topic, sizeof old_topic);
        w->max_message_bytes = old_max;
        w->batch_bytes = old_batch;
        w->compressed = old_compressed;
        ms_log(MS_LOG_ERROR, w->name, "cannot make a producer that fits the output topics' "
               "limits; going on with the old one", "reason", err, NULL);
        return;
    }
    w->doubt_answers = NO_DOUBT; /* batches are judged afresh under the new producer */
    atomic_fetch_add_explicit(&w->m->producer_replacements, 1, memory_order_relaxed);
    ms_log(MS_LOG_INFO, w->name, "producer replaced to fit the output topics' limits", NULL);
}

/**
 * @brief Between events: move to a reloaded rule set if there is one. The
 * new engine is built before the old one goes, so a failure (out of memory)
 * leaves the worker classifying with the rules it had, and it tries again
 * on a later turn.
 */
void ms_worker_follow_rules(ms_worker *w)
{
    if (ms_ruleset_live_generation(w->s->rules) == w->rules_gen)
        return;
    uint64_t gen;
    const ms_ruleset *rs = ms_ruleset_live_acquire(w->s->rules, &gen);
    char err[256];
    ms_engine_options eo = {.max_text_bytes = w->s->cfg->max_text_bytes};
    ms_engine *e = ms_engine_new(rs, &eo, err, sizeof err);
    if (!e) {
        ms_ruleset_live_release(w->s->rules, rs);
        ms_log(MS_LOG_ERROR, w->name, "cannot move to the reloaded rule set; keeping the old one",
               "reason", err, NULL);
        return;
    }
    ms_engine_carry_counts(e, w->engine);
    ms_metrics_worker_rules(w->s->metrics, w->id, rs, gen, ms_engine_rule_counts(e));
    ms_engine_free(w->engine);
    ms_ruleset_live_release(w->s->rules, w->rs);
    w->engine = e;
    w->rs = rs;
    w->rules_gen = gen;
    w->ctx.rules = rs;
    ms_log(MS_LOG_INFO, w->name, "now classifying with the reloaded rule set", "version",
           ms_ruleset_version(rs), NULL);
}

/** @brief At the end, say how many per-event lines each budget held back. */
static void log_held_back(ms_worker *w)
{
    const struct {
        const ms_log_budget *b;
        const char *line;
    } kinds[] = {
        {&w->log_undelivered, "output not delivered"},
        {&w->log_produce_failed, "produce failed"},
        {&w->log_dead_letter, "event dead-lettered"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (!kinds[i].b->suppressed)
            continue;
        char n[24];
        snprintf(n, sizeof n, "%" PRIu64, kinds[i].b->suppressed);
        ms_log(MS_LOG_WARN, w->name, "lines not logged since the last one like them (the "
               "metrics count every event)", "line", kinds[i].line, "suppressed", n, NULL);
    }
}

void *ms_worker_main(void *arg)
{
    ms_worker *w = arg;
    ms_log(MS_LOG_INFO, w->name, "started", NULL);
    if (w->eos) {
        ms_worker_eos_main(w);
        ms_worker_stop_noted(w); /* the loop ended: a stop, or a failure */
        leave_group(w);
        log_held_back(w);
        ms_log(MS_LOG_INFO, w->name, "stopped", NULL);
        return NULL;
    }
    while (*w->s->run && !w->s->failed) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(w->consumer, 100);
        /* after the poll, so that a reload published while it waited applies
         * to this event already, and an idle worker still moves within one
         * poll timeout: one atomic load per turn */
        ms_worker_follow_rules(w);
        if (msg) {
            if (!msg->err || ms_worker_record_unreadable(msg)) {
                ms_worker_process(w, msg);
            } else if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                ms_worker_on_consumer_error(w, msg);
            }
            rd_kafka_message_destroy(msg);
        }
        rd_kafka_poll(w->producer, 0);
        ms_worker_follow_limits(w);
        if (w->producer_stale)
            producer_replace(w);
        int64_t now = ms_clock_mono_ms();
        if (now - w->last_store_ms >= 50) {
            store_offsets(w);
            handle_rewinds(w);
            w->last_store_ms = now;
        }
        if (now - w->last_lag_ms >= 1000) {
            update_lag(w);
            w->last_lag_ms = now;
        }
    }
    ms_log(MS_LOG_INFO, w->name, "draining", NULL);
    drain_and_commit(w, ms_worker_stop_noted(w));
    leave_group(w);
    log_held_back(w);
    ms_log(MS_LOG_INFO, w->name, "stopped", NULL);
    return NULL;
}

bool ms_worker_left_open(const ms_worker *w)
{
    return w->stop_started_ms && !w->consumer_closed;
}

void ms_worker_free(ms_worker *w)
{
    if (!w)
        return;
    ms_worker_producer_close(w);
    if (w->txn_offsets)
        rd_kafka_topic_partition_list_destroy(w->txn_offsets);
    if (w->limits_q)
        rd_kafka_queue_destroy(w->limits_q);
    ms_consumer_commits_free(w->commits);
    ms_consumer_destroy(w->consumer, w->consumer_closed);
    ms_offsets_free(w->offsets);
    ms_decoder_free(w->dec);
    ms_metrics_worker_rules(w->s->metrics, w->id, NULL, 0, NULL);
    ms_engine_free(w->engine);
    ms_ruleset_live_release(w->s->rules, w->rs);
    ms_buf_free(&w->out);
    free(w);
}
