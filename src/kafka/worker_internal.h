/*
 * worker_internal.h - what the two halves of a worker share: the worker
 * itself, and the steps of its loop that both delivery guarantees use.
 *
 * worker.c holds the at-least-once loop and everything both guarantees
 * share (decode, classify, produce, dead letters, rebalances, stopping);
 * worker_eos.c holds exactly-once, the same loop inside Kafka transactions.
 * Nothing outside these two files includes this header: worker.h is the
 * module's interface.
 *
 * What a caller must respect: a worker belongs to its own thread; every
 * function here is called on it, with the worker's consumer and producer
 * served by that thread alone.
 */
#ifndef MS_WORKER_INTERNAL_H
#define MS_WORKER_INTERNAL_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/engine.h"
#include "core/log.h"
#include "kafka/consumer_stop.h"
#include "kafka/offsets.h"
#include "kafka/worker.h"

/* A refused record whose doubt is settled (see doubt_answers below). */
#define NO_DOUBT UINT64_MAX

/* exactly_once: transactions group a batch: consume up to EOS_BATCH events
 * or EOS_BATCH_MS, produce their outputs, add the input positions to the
 * transaction and commit. read_committed consumers downstream see each
 * input's outputs exactly once. */
#define EOS_BATCH 1000
#define EOS_BATCH_MS 100

/* exactly_once: an input of the open transaction, as its outputs name it. */
typedef struct ms_eos_input {
    const char *topic; /* rd_kafka_topic_name of a subscribed topic */
    int32_t partition;
    int64_t offset;
} ms_eos_input;

/* exactly_once: an input whose output the broker refused for itself;
 * offset -1 when there is none. It is kept until a transaction holding the
 * input's dead letter commits: one that aborts reads it again. */
typedef struct ms_eos_refusal {
    char topic[256];
    int32_t partition;
    int64_t offset;
    rd_kafka_resp_err_t error;
    size_t len;
    bool dead_lettered; /* in the open transaction */
} ms_eos_refusal;

/* exactly_once: transactions that fail one after another, with no commit
 * between, before the producer is replaced as if the error were fatal: an
 * idempotent producer whose sequence numbers a refused batch left behind
 * (OUT_OF_ORDER_SEQUENCE_NUMBER on every later batch) does not recover by
 * aborting, and a new producer fences it and starts clean. */
#define EOS_FAILURES_BEFORE_RESET 3

struct ms_worker {
    ms_service_shared *s;
    int id;
    char name[32];
    rd_kafka_t *consumer, *producer;
    rd_kafka_topic_t *topic[MS_MAX_TOPICS];
    ms_engine *engine;
    size_t max_message_bytes; /* the producer's message.max.bytes */
    size_t batch_bytes;       /* the producer's batch.size (capped: topic_limits.h) */
    bool compressed;          /* the producer compresses: sizes are upper bounds */
    /* a refused batch whose records all fit their topics' limits: the
     * limits are asked again (on limits_q), and a producer whose batches
     * no longer fit is replaced */
    rd_kafka_queue_t *limits_q;
    bool limits_stale, limits_asked, producer_stale, replace_purged;
    int64_t limits_next_ms, limits_refresh_ms, limits_confirm_ms;
    uint32_t limits_wait_ms; /* backoff while the cluster does not answer */
    /* a refused record that fits its topic's known limit is put down to its
     * batch only until the limits have been asked again without a new
     * producer coming of it: then the limits are wrong in a way asking
     * does not mend (or the broker refused it for another reason), and the
     * record is judged as without limits. doubt_answers is limits_answers
     * at the first such refusal, NO_DOUBT when there is none. */
    uint64_t limits_answers, doubt_answers;
    int64_t last_seek_error_log_ms, last_store_error_log_ms;
    /* lines logged once per event, each kind within its budget (log.h) */
    ms_log_budget log_undelivered, log_produce_failed, log_dead_letter;
    const ms_ruleset *rs;    /* the engine's; a reference held in s->rules */
    uint64_t rules_gen;
    ms_decoder *dec;
    ms_offsets *offsets;
    ms_worker_metrics *m;
    ms_verdict verdict;
    ms_buf out;
    ms_encode_ctx ctx;
    int64_t last_store_ms, last_lag_ms;
    /* a stop's budget (processing.shutdown_timeout_ms) runs from
     * stop_started_ms, 0 until the worker is asked to stop */
    int64_t stop_started_ms;
    ms_consumer_commits *commits;
    bool consumer_closed;
    bool uncommitted; /* offsets stored since the last answered explicit commit */
    /* exactly_once: the open transaction and the input positions it covers */
    bool eos, in_txn, txn_failed;
    /* exactly_once tracks no pending event per input: each output carries
     * its input's position in txn_in (one per input of the open
     * transaction), so that a record the broker refuses for itself is
     * remembered in txn_refused and dead-lettered when the rewind after the
     * abort brings its input back, instead of aborting every batch that
     * holds it, forever */
    ms_eos_input txn_in[EOS_BATCH];
    int txn_n;
    ms_eos_refusal txn_refused;
    int txn_failures; /* failed transactions since the last commit */
    bool closing; /* the producer's queue purged for the end of a stop */
    bool stop_logged; /* worker_fail() has said why this worker stops */
    rd_kafka_topic_partition_list_t *txn_offsets;
    char txn_id[256];
};

/* ---- worker.c ------------------------------------------------------- */

/** @brief When the worker saw the stop (its budget's start), noting it the first time; 0 while
 *  running. */
int64_t ms_worker_stop_noted(ms_worker *w);

/** @brief When `step` of a stop budget that started at `start` ends. */
int64_t ms_worker_budget_at(const ms_worker *w, int64_t start, ms_stop_step step);

/** @brief Whether a consumer error names a record that can never be read (dead-lettered). */
bool ms_worker_record_unreadable(const rd_kafka_message_t *msg);

/** @brief Log (and count) a consumer error; an error no retry cures stops the service. */
void ms_worker_on_consumer_error(ms_worker *w, const rd_kafka_message_t *msg);

/** @brief Classify one input message and produce its outputs (or its dead letter). */
void ms_worker_process(ms_worker *w, rd_kafka_message_t *msg);

/** @brief Create the worker's producer (transactional under exactly_once); false with `err`. */
bool ms_worker_producer_open(ms_worker *w, char *err, size_t errlen);

/** @brief Destroy the worker's producer and its topics, dropping what a stop left unsent. */
void ms_worker_producer_close(ms_worker *w);

/** @brief Between events: move to a reloaded rule set if there is one. */
void ms_worker_follow_rules(ms_worker *w);

/** @brief Between events: ask for and take the output topics' size limits when due. */
void ms_worker_follow_limits(ms_worker *w);

/* ---- worker_eos.c --------------------------------------------------- */

/** @brief The exactly-once loop: consume, classify, produce, commit in transactions, until
 *  the run flag drops or the service fails; commits the open transaction at the end. */
void ms_worker_eos_main(ms_worker *w);

/** @brief Abort the open transaction (logging `why`) and rewind to the committed offsets;
 *  a failed abort replaces the producer unless the service is stopping. */
void ms_worker_eos_abort(ms_worker *w, const char *why);

#endif
