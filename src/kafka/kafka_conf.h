/*
 * kafka_conf.h - librdkafka configurations built from the service config:
 * the user's passthrough properties (kafka.common, kafka.consumer,
 * kafka.producer) first, then the few settings mentionsift's delivery
 * guarantee depends on, which always win. librdkafka's own log lines are
 * routed into the structured log.
 */
#ifndef MS_KAFKA_CONF_H
#define MS_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>

#include "kafka/config.h"

typedef enum ms_client_role {
    MS_CLIENT_CONSUMER = 0,
    MS_CLIENT_PRODUCER,
} ms_client_role;

/**
 * @brief A new rd_kafka_conf_t for `role`, or NULL with the failing
 * property named in `err` (its value is never printed if it is a secret).
 */
rd_kafka_conf_t *ms_kafka_conf_new(const ms_config *c, ms_client_role role, const char *client_id,
                                   char *err, size_t errlen);

/**
 * @brief Add exactly-once's settings to a worker's client built by
 * ms_kafka_conf_new from `c`: the producer's `transactional_id`, and its
 * socket.timeout.ms at half of processing.shutdown_timeout_ms (1 to 60 s,
 * at most transaction.timeout.ms) unless the user set it, so that a transactional call blocked by an
 * unreachable coordinator ends within a stop's budget; the consumer commits
 * nothing itself (offsets go into the transaction) and reads only committed
 * records. False with `err` set.
 */
bool ms_kafka_conf_exactly_once(rd_kafka_conf_t *conf, const ms_config *c, ms_client_role role,
                                const char *transactional_id, char *err, size_t errlen);

/** @brief Set one property, with an error naming it (value hidden if secret). */
bool ms_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, char *err,
                       size_t errlen);

#endif
