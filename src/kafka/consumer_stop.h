/*
 * consumer_stop.h - committing and leaving a consumer group within a
 * deadline, and changing an assignment by the group's rebalance protocol
 * (which both a rebalance and a leave need).
 *
 * librdkafka's rd_kafka_commit() and rd_kafka_consumer_close() block until
 * the group coordinator answers. While the coordinator is unreachable (its
 * broker down, a JoinGroup held on the broker) that is seconds or minutes,
 * and a service asked to stop must stop in a bounded time. These calls do
 * the same work but give up at a deadline. Giving up loses
 * nothing: offsets that were not committed are read again by the
 * partitions' next owner (at least once), and a member that did not leave
 * is dropped by the coordinator after session.timeout.ms.
 *
 * What a caller must respect:
 * - a ms_consumer_commits belongs to one consumer and is used from one
 *   thread, the one that polls the consumer;
 * - ms_consumer_close_within() runs the rebalance callback it is given
 *   (the revoke of every partition) on the calling thread, as
 *   rd_kafka_consumer_close() runs the configured one;
 * - free the ms_consumer_commits before destroying its consumer (librdkafka
 *   wants an application's queues gone first); an answer that comes later
 *   is dropped with the queue.
 */
#ifndef MS_CONSUMER_STOP_H
#define MS_CONSUMER_STOP_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

/** The steps of a stop, and the point of its budget (processing.shutdown_
 *  timeout_ms) in quarters at which each must end: outputs in flight are
 *  waited for during the first half, the final commit during the third
 *  quarter, leaving the group during the last. Every consumer of the service
 *  splits its stop this way. */
typedef enum ms_stop_step {
    MS_STOP_OUTPUTS = 2,
    MS_STOP_COMMIT = 3,
    MS_STOP_LEAVE = 4,
} ms_stop_step;

/** @brief When `step` of a stop that started at `start_ms` with a budget of `budget_ms` ends. */
static inline int64_t ms_stop_deadline(int64_t start_ms, uint32_t budget_ms, ms_stop_step step)
{
    return start_ms + (int64_t)budget_ms * (int)step / 4;
}

/** Asynchronous commits of one consumer and their answers. */
typedef struct ms_consumer_commits ms_consumer_commits;

/** @brief Commit tracking for `consumer`; NULL when out of memory. */
ms_consumer_commits *ms_consumer_commits_new(rd_kafka_t *consumer);

/** @brief Free it (before rd_kafka_destroy of its consumer). NULL is allowed. */
void ms_consumer_commits_free(ms_consumer_commits *cc);

/**
 * @brief Commit the consumer's stored offsets and wait for the answer until
 * `deadline_ms` (ms_clock_mono_ms() time).
 *
 * Returns the commit's result: RD_KAFKA_RESP_ERR_NO_ERROR, the broker's
 * error, RD_KAFKA_RESP_ERR__NO_OFFSET when there was nothing to commit, or
 * RD_KAFKA_RESP_ERR__TIMED_OUT when no answer came in time (the commit may
 * still succeed later; ms_consumer_commit_wait waits on). librdkafka may
 * read the stored offsets only when it handles the commit: a caller that
 * stores more offsets before the answer may see them committed too.
 */
rd_kafka_resp_err_t ms_consumer_commit_within(ms_consumer_commits *cc, int64_t deadline_ms);

/** @brief Wait on for the answer to the last commit until `deadline_ms`; results as above. */
rd_kafka_resp_err_t ms_consumer_commit_wait(ms_consumer_commits *cc, int64_t deadline_ms);

/**
 * @brief Take `parts` (`take`) or give them up, as the group's rebalance protocol asks: an eager
 * rebalance replaces the whole assignment (a revoke gives up all of it), a cooperative one
 * (cooperative-sticky) adds or removes just `parts`. Returns librdkafka's error, if any.
 */
rd_kafka_resp_err_t ms_consumer_assignment_change(rd_kafka_t *consumer,
                                                  const rd_kafka_topic_partition_list_t *parts,
                                                  bool take);

/** A rebalance callback as given to rd_kafka_conf_set_rebalance_cb(). */
typedef void ms_consumer_rebalance_fn(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                      rd_kafka_topic_partition_list_t *parts, void *opaque);

/**
 * @brief Leave the group as rd_kafka_consumer_close() does, but only until
 * `deadline_ms`. The revoke of the assignment on the way is passed to
 * `on_rebalance` with the consumer's opaque, on this thread (an assignment
 * still queued is answered with none); errors meanwhile, and giving up, are
 * logged. True when the consumer closed; false at the deadline: then
 * ms_consumer_destroy(consumer, false) would wait (see there).
 */
bool ms_consumer_close_within(rd_kafka_t *consumer, int64_t deadline_ms,
                              ms_consumer_rebalance_fn *on_rebalance);

/**
 * @brief Destroy a consumer; `closed` says whether a close finished. When
 * it did not, librdkafka 2.0.2 still waits for the group to finish
 * terminating (up to session.timeout.ms, longer while the coordinator is
 * unreachable), so a process that is stopping had better exit without
 * destroying it.
 */
void ms_consumer_destroy(rd_kafka_t *consumer, bool closed);

#endif
