/*
 * consumer_stop.c - committing and leaving a consumer group within a
 * deadline (see consumer_stop.h).
 *
 * Commits go out with rd_kafka_commit_queue() to a queue of our own, each
 * numbered (its opaque), and their answers are served from it with a
 * timeout. A wait is for the last commit's answer: a late answer to an
 * earlier one that timed out is dropped, so it cannot pass for the last
 * one's. Answers are only taken while a wait serves the queue, so one that
 * comes after the last wait is dropped with the queue. The close uses rd_kafka_consumer_close_queue() and serves that
 * queue's callbacks until the consumer says it is closed or the deadline
 * passes.
 */
#include "kafka/consumer_stop.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

struct ms_consumer_commits {
    rd_kafka_t *consumer;
    rd_kafka_queue_t *answers;
    uint64_t sent;            /* the last commit's number (its opaque) */
    bool answered;            /* the last commit has its answer */
    rd_kafka_resp_err_t err;  /* ... which is this */
};

/** The slice a wait serves its queue for, so that it sees the deadline in time. */
#define SERVE_SLICE_MS 100

ms_consumer_commits *ms_consumer_commits_new(rd_kafka_t *consumer)
{
    ms_consumer_commits *cc = calloc(1, sizeof *cc);
    if (!cc)
        return NULL;
    cc->consumer = consumer;
    cc->answered = true;
    if (!(cc->answers = rd_kafka_queue_new(consumer))) {
        free(cc);
        return NULL;
    }
    return cc;
}

void ms_consumer_commits_free(ms_consumer_commits *cc)
{
    if (!cc)
        return;
    rd_kafka_queue_destroy(cc->answers);
    free(cc);
}

/** @brief Milliseconds left until `deadline_ms`, at most SERVE_SLICE_MS, 0 once past it. */
static int slice_until(int64_t deadline_ms)
{
    int64_t left = deadline_ms - ms_clock_mono_ms();
    return left <= 0 ? 0 : left > SERVE_SLICE_MS ? SERVE_SLICE_MS : (int)left;
}

/** @brief Take one event from cc->answers within `timeout_ms`; the last commit's answer is kept,
 *  an earlier one's (it timed out) dropped. */
static void serve_answers(ms_consumer_commits *cc, int timeout_ms)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(cc->answers, timeout_ms);
    if (!ev)
        return;
    if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT &&
        (uintptr_t)rd_kafka_event_opaque(ev) == cc->sent) {
        rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
        const rd_kafka_topic_partition_list_t *offsets = rd_kafka_event_topic_partition_list(ev);
        /* a partition's own error is the commit's error */
        for (int i = 0; !err && offsets && i < offsets->cnt; i++)
            err = offsets->elems[i].err;
        cc->answered = true;
        cc->err = err;
    }
    rd_kafka_event_destroy(ev);
}

rd_kafka_resp_err_t ms_consumer_commit_wait(ms_consumer_commits *cc, int64_t deadline_ms)
{
    serve_answers(cc, 0);
    while (!cc->answered) {
        int slice = slice_until(deadline_ms);
        if (slice == 0)
            return RD_KAFKA_RESP_ERR__TIMED_OUT;
        serve_answers(cc, slice);
    }
    return cc->err;
}

rd_kafka_resp_err_t ms_consumer_commit_within(ms_consumer_commits *cc, int64_t deadline_ms)
{
    /* with the event API the answer is an event on the queue, not a
     * callback; the commit's number rides as its opaque */
    rd_kafka_resp_err_t e = rd_kafka_commit_queue(cc->consumer, NULL, cc->answers, NULL,
                                                  (void *)(uintptr_t)(cc->sent + 1));
    if (e)
        return e;
    cc->sent++;
    cc->answered = false;
    return ms_consumer_commit_wait(cc, deadline_ms);
}

rd_kafka_resp_err_t ms_consumer_assignment_change(rd_kafka_t *consumer,
                                                  const rd_kafka_topic_partition_list_t *parts,
                                                  bool take)
{
    if (strcmp(rd_kafka_rebalance_protocol(consumer), "COOPERATIVE") != 0)
        return rd_kafka_assign(consumer, take ? parts : NULL);
    rd_kafka_error_t *error = take ? rd_kafka_incremental_assign(consumer, parts)
                                   : rd_kafka_incremental_unassign(consumer, parts);
    rd_kafka_resp_err_t e = error ? rd_kafka_error_code(error) : RD_KAFKA_RESP_ERR_NO_ERROR;
    if (error)
        rd_kafka_error_destroy(error);
    return e;
}

/**
 * @brief Answer an assignment that arrives while the group is being left. Eager: with none (the
 * group is being left). Cooperative: the protocol allows only increments, so the partitions are
 * taken; nothing is consumed from them, and the close's revoke gives them up again.
 */
static void answer_assignment(rd_kafka_t *consumer, const rd_kafka_topic_partition_list_t *parts)
{
    bool cooperative = !strcmp(rd_kafka_rebalance_protocol(consumer), "COOPERATIVE");
    rd_kafka_resp_err_t e = ms_consumer_assignment_change(consumer, parts, cooperative);
    if (e)
        ms_log(MS_LOG_WARN, rd_kafka_name(consumer),
               "answering an assignment while leaving the consumer group failed", "error",
               rd_kafka_err2name(e), "reason", rd_kafka_err2str(e), NULL);
}

bool ms_consumer_close_within(rd_kafka_t *consumer, int64_t deadline_ms,
                              ms_consumer_rebalance_fn *on_rebalance)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(consumer);
    if (!q) { /* cannot happen short of memory: the blocking close still works */
        rd_kafka_consumer_close(consumer);
        return true;
    }
    rd_kafka_error_t *error = rd_kafka_consumer_close_queue(consumer, q);
    if (error) {
        ms_log(MS_LOG_WARN, rd_kafka_name(consumer), "leaving the consumer group failed",
               "error", rd_kafka_err2name(rd_kafka_error_code(error)), "reason",
               rd_kafka_error_string(error), NULL);
        rd_kafka_error_destroy(error);
        rd_kafka_queue_destroy(q);
        return true; /* nothing left to wait for */
    }
    /* The queue is served as events, not callbacks: it also carries events
     * that have no callback here. The revoke goes to the caller's rebalance
     * callback as rd_kafka_consumer_close() would pass it; an assignment
     * still queued is answered (answer_assignment) without consuming. */
    int slice;
    while (!rd_kafka_consumer_closed(consumer) && (slice = slice_until(deadline_ms)) > 0) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, slice);
        if (!ev)
            continue;
        if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE) {
            if (rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
                answer_assignment(consumer, rd_kafka_event_topic_partition_list(ev));
            else
                on_rebalance(consumer, rd_kafka_event_error(ev),
                             rd_kafka_event_topic_partition_list(ev), rd_kafka_opaque(consumer));
        } else if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_ERROR) {
            ms_log(MS_LOG_WARN, rd_kafka_name(consumer), "error while leaving the consumer group",
                   "error", rd_kafka_err2name(rd_kafka_event_error(ev)), "reason",
                   rd_kafka_event_error_string(ev), NULL);
        }
        rd_kafka_event_destroy(ev);
    }
    bool closed = rd_kafka_consumer_closed(consumer);
    rd_kafka_queue_destroy(q);
    if (!closed)
        ms_log(MS_LOG_WARN, rd_kafka_name(consumer),
               "leaving the consumer group did not finish in time (is the group coordinator "
               "reachable?); stopping without it: the coordinator drops this member after "
               "session.timeout.ms and uncommitted input is reprocessed",
               NULL);
    return closed;
}

void ms_consumer_destroy(rd_kafka_t *consumer, bool closed)
{
    if (consumer)
        rd_kafka_destroy_flags(consumer, closed ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}
