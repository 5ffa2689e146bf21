/*
 * worker_eos.c - exactly once: the worker's loop inside Kafka transactions.
 *
 * With processing.guarantee exactly_once, a worker consumes a batch (up to
 * EOS_BATCH events or EOS_BATCH_MS), produces each event's outputs as
 * worker.c does, adds the batch's input positions to the transaction with
 * the consumer group's metadata (KIP-98, KIP-447) and commits: outputs and
 * input positions become visible together, so read_committed consumers
 * downstream see each input's outputs exactly once.
 *
 * When a transaction fails:
 * - an abortable error aborts it and seeks every assigned partition back to
 *   its committed offset, so the batch is read again;
 * - a fatal error, or transactions that keep failing (a refused batch leaves
 *   an idempotent producer's sequence numbers behind), replace the producer:
 *   the new one fences the old and its open transaction;
 * - a timed-out commit or abort is repeated, because librdkafka refuses
 *   every other transactional call until the same one is made again; once
 *   the service is stopping, only while the stop's budget lasts.
 * A revoke aborts the open transaction (worker.c's rebalance callback), so
 * the partitions' new owner starts from the committed offsets.
 */
#include <stdio.h>
#include <unistd.h>

#include "core/clock.h"
#include "kafka/worker_internal.h"

#define EOS_TIMEOUT_MS 30000

/* How long an abort waits at most for the outputs in flight to settle
 * (ms_worker_eos_abort says why). */
#define EOS_ABORT_SETTLE_MS 1000

/** @brief Forget the batch's input positions (the list owns its topic names). */
static void txn_offsets_clear(ms_worker *w)
{
    rd_kafka_topic_partition_list_destroy(w->txn_offsets);
    w->txn_offsets = rd_kafka_topic_partition_list_new(16);
}

/** @brief Log transactional error `e` as a warning with its name, reason, fatality and
 *  transactional id; `e` stays the caller's to destroy. */
static void log_txn_error(ms_worker *w, const char *what, const rd_kafka_error_t *e)
{
    ms_log(MS_LOG_WARN, w->name, what, "error", rd_kafka_error_name(e), "reason",
           rd_kafka_error_string(e), "fatal", rd_kafka_error_is_fatal(e) ? "true" : "false",
           "transactional_id", w->txn_id, NULL);
}

static int txn_timeout(ms_worker *w);

/** @brief One try at seeking every assigned partition back to its committed offset. */
static rd_kafka_resp_err_t eos_seek_committed(ms_worker *w)
{
    rd_kafka_topic_partition_list_t *a = NULL;
    rd_kafka_resp_err_t e = rd_kafka_assignment(w->consumer, &a);
    if (!e && a->cnt)
        e = rd_kafka_committed(w->consumer, a, txn_timeout(w));
    for (int i = 0; !e && i < a->cnt; i++) {
        e = a->elems[i].err;
        if (a->elems[i].offset < 0)
            a->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING; /* auto.offset.reset */
    }
    if (!e && a->cnt) {
        rd_kafka_error_t *se = rd_kafka_seek_partitions(w->consumer, a, txn_timeout(w));
        if (se) {
            e = rd_kafka_error_code(se);
            rd_kafka_error_destroy(se);
        }
        for (int i = 0; !e && i < a->cnt; i++)
            e = a->elems[i].err;
    }
    if (a)
        rd_kafka_topic_partition_list_destroy(a);
    return e;
}

/**
 * @brief After an abort, unless stopping: every assigned partition back to
 * its committed offset, so the aborted batch is read again. Going on without the seek
 * would commit the next batch's offsets past the aborted inputs and lose
 * them, so after a few failed tries the service stops instead: its next
 * start reads from the committed offsets.
 */
static void eos_rewind(ms_worker *w)
{
    if (ms_worker_stop_noted(w))
        return; /* stopping: the next start reads from the committed offsets anyway */
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int attempt = 0; attempt < 5; attempt++) {
        if (!(e = eos_seek_committed(w)))
            return;
        ms_log(MS_LOG_WARN, w->name, "rewind after abort failed; retrying", "error",
               rd_kafka_err2name(e), "reason", rd_kafka_err2str(e), NULL);
        /* a stop during an outage is noticed within one call's timeout */
        for (int i = 0; i < 10; i++) {
            if (ms_worker_stop_noted(w))
                return;
            usleep(100 * 1000);
        }
    }
    ms_log(MS_LOG_ERROR, w->name,
           "cannot rewind to the committed offsets after an abort; stopping so that a restart "
           "reads them again",
           "error", rd_kafka_err2name(e), NULL);
    w->s->failed = 1;
}

/** @brief Recreate the transactional producer after a fatal error. */
static bool eos_reset_producer(ms_worker *w)
{
    char err[512];
    ms_worker_producer_close(w);
    if (!ms_worker_producer_open(w, err, sizeof err)) {
        ms_log(MS_LOG_ERROR, w->name, "cannot recreate the producer", "reason", err, NULL);
        return false;
    }
    /* in steps of txn_timeout, so that a stop is noticed within one; as
     * long in all as one call of EOS_TIMEOUT_MS was before */
    int64_t until = ms_clock_mono_ms() + EOS_TIMEOUT_MS;
    for (;;) {
        rd_kafka_error_t *e = rd_kafka_init_transactions(w->producer, txn_timeout(w));
        if (!e)
            return true;
        bool again = rd_kafka_error_is_retriable(e) && !ms_worker_stop_noted(w) &&
                     ms_clock_mono_ms() < until;
        if (!again)
            log_txn_error(w, "init_transactions failed", e);
        rd_kafka_error_destroy(e);
        if (!again)
            return false;
    }
}

/** @brief After a fatal transactional error: drop the open transaction; unless stopping, recreate
 *  the producer (else fail the service) and rewind the input to the committed offsets. */
static void eos_fatal(ms_worker *w)
{
    w->in_txn = false;
    txn_offsets_clear(w);
    if (ms_worker_stop_noted(w))
        return; /* no new producer for a stop: the next start fences the transaction */
    ms_log(MS_LOG_ERROR, w->name, "fatal transaction error: restarting the producer", NULL);
    if (!eos_reset_producer(w) && !ms_worker_stop_noted(w))
        w->s->failed = 1;
    /* after the reset: closing the old producer serves its failed deliveries,
     * which would otherwise mark the next transaction failed */
    w->txn_failed = false;
    eos_rewind(w);
}

/** @brief Timeout of one transactional call. While running it is a quarter of the stop's budget
 *  (1 to EOS_TIMEOUT_MS s), repeated as long as needed, so that a stop that comes during an
 *  outage is noticed within it; once stopping, what is left of the budget's first three
 *  quarters (as drain_and_commit). */
static int txn_timeout(ms_worker *w)
{
    int64_t start = ms_worker_stop_noted(w), quarter = w->s->cfg->shutdown_timeout_ms / 4;
    if (!start)
        return quarter < 1000 ? 1000 : quarter > EOS_TIMEOUT_MS ? EOS_TIMEOUT_MS : (int)quarter;
    int64_t left = ms_worker_budget_at(w, start, MS_STOP_COMMIT) - ms_clock_mono_ms();
    return left < 1 ? 1 : left > EOS_TIMEOUT_MS ? EOS_TIMEOUT_MS : (int)left;
}

/** @brief Log a transactional call's retry: the first, then every 10th (an outage repeats them
 *  every txn_timeout). */
static void log_txn_retry(ms_worker *w, const char *what, const rd_kafka_error_t *e, int attempt)
{
    if (attempt % 10 == 0)
        log_txn_error(w, what, e);
}

/**
 * @brief Whether to call a timed-out commit or abort again. librdkafka keeps
 * such a call in progress in the background until the same call is made
 * again, and refuses every other transactional call meanwhile (begin_
 * transaction answers _CONFLICT): so it is repeated for as long as the
 * service runs, and once it is stopping only while the stop's budget lasts
 * (the transaction left open is aborted when the next start with the same
 * transactional.id fences it, or at transaction.timeout.ms; its input is
 * reprocessed).
 */
static bool txn_call_again(ms_worker *w, const rd_kafka_error_t *e)
{
    if (!e || !rd_kafka_error_is_retriable(e))
        return false;
    int64_t start = ms_worker_stop_noted(w);
    return !start || ms_clock_mono_ms() < ms_worker_budget_at(w, start, MS_STOP_COMMIT);
}

/** @brief Log `why`, abort the open transaction (repeating timed-out calls) and rewind to the
 *  committed offsets; if the abort fails, replace the producer unless the service is stopping. */
void ms_worker_eos_abort(ms_worker *w, const char *why)
{
    ms_log(MS_LOG_WARN, w->name, why, "transactional_id", w->txn_id, NULL);
    /* librdkafka 2.0 lets an abort's EndTxn go once the transaction's first
     * AddPartitionsToTxn is sent, not answered: EndTxn can reach the
     * coordinator first, while the transaction is still empty there, and
     * the INVALID_TXN_STATE it gets is fatal (librdkafka issue 4849; a
     * revoke just after a batch began met it in 3 of 4 tries here). Every
     * delivery report proves its partition registered, so the outputs in
     * flight are let settle first, bounded: a broker that does not answer
     * makes the abort fail anyway. Outputs written by this are aborted with
     * the rest. */
    int settle = txn_timeout(w);
    rd_kafka_flush(w->producer, settle < EOS_ABORT_SETTLE_MS ? settle : EOS_ABORT_SETTLE_MS);
    rd_kafka_error_t *e = rd_kafka_abort_transaction(w->producer, txn_timeout(w));
    for (int attempt = 0; txn_call_again(w, e); attempt++) {
        log_txn_retry(w, "abort_transaction: retrying", e, attempt);
        rd_kafka_error_destroy(e);
        e = rd_kafka_abort_transaction(w->producer, txn_timeout(w));
    }
    w->in_txn = false;
    w->txn_failed = false;
    txn_offsets_clear(w);
    if (e) {
        log_txn_error(w, "abort_transaction failed", e);
        rd_kafka_error_destroy(e);
        /* the producer's transaction is in no known state: a new producer
         * (which fences it) unless the service is stopping anyway */
        eos_fatal(w);
        return;
    }
    eos_rewind(w);
}

/** @brief A transaction failed (`why`, or a fatal error): abort it and read its batch again;
 *  replace the producer instead when the error is fatal or transactions keep failing. */
static void eos_failed(ms_worker *w, bool fatal, const char *why)
{
    if (fatal || ++w->txn_failures >= EOS_FAILURES_BEFORE_RESET) {
        if (!fatal) {
            char n[16];
            snprintf(n, sizeof n, "%d", w->txn_failures);
            ms_log(MS_LOG_WARN, w->name,
                   "transactions keep failing: replacing the producer (a new one fences the old)",
                   "failed_in_a_row", n, "last", why, "transactional_id", w->txn_id, NULL);
        }
        w->txn_failures = 0;
        eos_fatal(w);
    } else {
        ms_worker_eos_abort(w, why);
    }
}

/** @brief Add the batch's input positions and commit; abort on failure. */
static void eos_commit(ms_worker *w)
{
    if (w->txn_failed) {
        eos_failed(w, false, "an output failed: transaction aborted, batch will be reprocessed");
        return;
    }
    rd_kafka_consumer_group_metadata_t *gm = rd_kafka_consumer_group_metadata(w->consumer);
    rd_kafka_error_t *e =
        rd_kafka_send_offsets_to_transaction(w->producer, w->txn_offsets, gm, txn_timeout(w));
    /* a retriable error is retried with the same arguments: committing
     * without the offsets would commit the outputs alone */
    for (int attempt = 0; txn_call_again(w, e); attempt++) {
        log_txn_retry(w, "send_offsets_to_transaction: retrying", e, attempt);
        rd_kafka_error_destroy(e);
        e = rd_kafka_send_offsets_to_transaction(w->producer, w->txn_offsets, gm,
                                                 txn_timeout(w));
    }
    rd_kafka_consumer_group_metadata_destroy(gm);
    const char *step = "send_offsets_to_transaction failed";
    if (!e) {
        step = "commit_transaction failed";
        e = rd_kafka_commit_transaction(w->producer, txn_timeout(w));
        for (int attempt = 0; txn_call_again(w, e); attempt++) {
            log_txn_retry(w, "commit_transaction: retrying", e, attempt);
            rd_kafka_error_destroy(e);
            e = rd_kafka_commit_transaction(w->producer, txn_timeout(w));
        }
    }
    if (!e) {
        w->in_txn = false;
        txn_offsets_clear(w);
        w->txn_failures = 0;
        if (w->txn_refused.dead_lettered) {
            w->txn_refused.offset = -1;
            w->txn_refused.len = 0;
            w->txn_refused.dead_lettered = false;
        }
        atomic_fetch_add_explicit(&w->m->commits, 1, memory_order_relaxed);
        return;
    }
    atomic_fetch_add_explicit(&w->m->commit_errors, 1, memory_order_relaxed);
    log_txn_error(w, step, e);
    bool fatal = rd_kafka_error_is_fatal(e);
    rd_kafka_error_destroy(e);
    eos_failed(w, fatal, "transaction aborted after a failed commit; batch will be reprocessed");
}

/** @brief The exactly-once loop: consume, classify, produce, commit in transactions. */
void ms_worker_eos_main(ms_worker *w)
{
    rd_kafka_error_t *e = rd_kafka_init_transactions(w->producer, txn_timeout(w));
    if (e) {
        log_txn_error(w, "init_transactions failed", e);
        rd_kafka_error_destroy(e);
        w->s->failed = 1;
        return;
    }
    int batch = 0;
    int64_t batch_start = 0;
    while (*w->s->run && !w->s->failed) {
        ms_worker_follow_limits(w);
        if (!w->in_txn) {
            ms_worker_follow_rules(w); /* one rule set per transaction */
            if (w->producer_stale) {
                if (eos_reset_producer(w)) {
                    w->doubt_answers = NO_DOUBT;
                    atomic_fetch_add_explicit(&w->m->producer_replacements, 1,
                                              memory_order_relaxed);
                    ms_log(MS_LOG_INFO, w->name,
                           "producer replaced to fit the output topics' limits", NULL);
                } else {
                    w->s->failed = 1;
                }
                w->producer_stale = false;
            }
        }
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(w->consumer, 20);
        if (!w->producer) {
            /* a fatal error in the rebalance callback and no new producer
             * (failed is set): the message is read again after a restart */
            if (msg)
                rd_kafka_message_destroy(msg);
            break;
        }
        if (msg && (!msg->err || ms_worker_record_unreadable(msg))) {
            if (!w->in_txn) {
                if ((e = rd_kafka_begin_transaction(w->producer))) {
                    /* only a producer in a wrong state refuses to begin
                     * (a call still in progress: _CONFLICT): retrying the
                     * same producer could go on forever, a new one cannot */
                    log_txn_error(w, "begin_transaction failed", e);
                    rd_kafka_error_destroy(e);
                    rd_kafka_message_destroy(msg);
                    eos_fatal(w);
                    continue;
                }
                w->in_txn = true;
                w->txn_n = 0;
                batch = 0;
                batch_start = ms_clock_mono_ms();
            }
            const char *topic = rd_kafka_topic_name(msg->rkt);
            w->txn_in[w->txn_n++] = (ms_eos_input){topic, msg->partition, msg->offset};
            ms_worker_process(w, msg);
            rd_kafka_topic_partition_t *tp =
                rd_kafka_topic_partition_list_find(w->txn_offsets, topic, msg->partition);
            if (!tp)
                tp = rd_kafka_topic_partition_list_add(w->txn_offsets, topic, msg->partition);
            tp->offset = msg->offset + 1;
            batch++;
        } else if (msg && msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            ms_worker_on_consumer_error(w, msg);
        }
        if (msg)
            rd_kafka_message_destroy(msg);
        rd_kafka_poll(w->producer, 0);
        if (w->in_txn && (w->txn_failed || batch >= EOS_BATCH ||
                          ms_clock_mono_ms() - batch_start >= EOS_BATCH_MS))
            eos_commit(w);
    }
    if (w->in_txn)
        eos_commit(w);
}
