/*
 * topic_limits.h - the largest record batch each output topic takes (its
 * max.message.bytes topic config), asked of the cluster with
 * DescribeConfigs.
 *
 * Why the service wants them: librdkafka sends the records of one output
 * partition in batches, and a broker refuses a whole batch larger than the
 * topic's max.message.bytes, failing every record in it, small ones too.
 * With the limits known:
 *   - a worker's producer keeps batch.size at or below the smallest limit of
 *     the topics it writes (ms_topic_limits_min), so a batch the broker
 *     refuses holds nothing but the one record too large (librdkafka starts
 *     a new batch for a record that would overflow the current one);
 *   - an output larger than its topic's limit is dead-lettered before it is
 *     produced, so it neither fails other records nor aborts a transaction;
 *   - after a refusal, a record that fits its topic's limit is known not to
 *     be the cause, and the limits are asked again (they may have changed).
 * A limit is 0 (not known) when the cluster did not answer (librdkafka's mock
 * cluster has no DescribeConfigs; an ACL may forbid it) or the topic does not
 * exist yet: then nothing is capped or checked before producing, and a
 * refused record is judged as the worker did without limits.
 *
 * A caller must respect: ms_topic_limits_init before any other call; the
 * table may be read by every worker while one of them applies an answer
 * (the limits are atomics); `names` must outlive the table.
 */
#ifndef MS_TOPIC_LIMITS_H
#define MS_TOPIC_LIMITS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "kafka/metrics.h"

/* Bytes a record can take in a batch beyond its key, value and header
 * names and values: the batch header (61) and the record's own varints
 * (length, attributes, timestamp and offset deltas, key and value lengths,
 * header count), each at its widest. */
#define MS_RECORD_OVERHEAD 128

typedef struct ms_topic_limits {
    const char *const *names;               /* topic index -> name, not owned */
    size_t n;
    _Atomic uint32_t max_bytes[MS_MAX_TOPICS]; /* 0: not known */
    atomic_bool answered;                   /* one request has been answered */
    atomic_uint failures;                   /* requests that failed (logged once) */
} ms_topic_limits;

typedef enum ms_limits_poll {
    MS_LIMITS_NONE = 0, /* no answer yet */
    MS_LIMITS_APPLIED,  /* answered: the limits it gave are in the table */
    MS_LIMITS_FAILED,   /* the request failed (no such API, timeout, ACL) */
} ms_limits_poll;

/** @brief An empty table (every limit unknown) for topics names[0..n). */
void ms_topic_limits_init(ms_topic_limits *l, const char *const *names, size_t n);

/**
 * @brief Ask the cluster for every topic's max.message.bytes through `rk`
 * (any client) and wait up to `timeout_ms` for the answer. Returns how many
 * limits are known; why others are not is logged.
 */
size_t ms_topic_limits_fetch(ms_topic_limits *l, rd_kafka_t *rk, int timeout_ms);

/**
 * @brief Whether the cluster's metadata (waited for up to `timeout_ms`)
 * names a controller among its brokers. librdkafka sends DescribeConfigs to
 * the controller and waits for it until the request times out; a cluster
 * that names none it can reach (librdkafka's mock cluster names broker 0 of
 * brokers 1..n) would hold start-up for the whole timeout, so
 * ms_topic_limits_fetch asks only when this is true. When false, `why` says
 * what was found.
 */
bool ms_topic_limits_controller_known(rd_kafka_t *rk, int timeout_ms, char *why, size_t whylen);

/** @brief How many of the table's limits are known. */
size_t ms_topic_limits_known(const ms_topic_limits *l);

/** @brief Whether any request has been answered (limits may still be 0). */
bool ms_topic_limits_answered(const ms_topic_limits *l);

/** @brief Ask again without waiting; the answer arrives on `q`. */
void ms_topic_limits_request(const ms_topic_limits *l, rd_kafka_t *rk, rd_kafka_queue_t *q,
                             int timeout_ms);

/** @brief Apply the answer waiting on `q`, if one arrives within `timeout_ms`. */
ms_limits_poll ms_topic_limits_poll(ms_topic_limits *l, rd_kafka_queue_t *q, int timeout_ms);

/** @brief Topic `t`'s limit in bytes, 0 when not known. */
uint32_t ms_topic_limits_get(const ms_topic_limits *l, size_t t);

/** @brief The smallest known limit of the topics in `mask` (bit t: topic t); 0 if none. */
uint32_t ms_topic_limits_min(const ms_topic_limits *l, uint64_t mask);

/** @brief An upper bound on the bytes one record takes in a batch of its own. */
size_t ms_record_bytes(size_t key_len, size_t value_len, const rd_kafka_headers_t *h);

#endif
