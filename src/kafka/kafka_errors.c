/*
 * kafka_errors.c - see kafka_errors.h.
 *
 * The list is deliberately short: only errors a broker returns because of
 * who the client is or what it may do. Everything else (timeouts, leader
 * changes, a broker down, even an unknown topic that may yet be created)
 * stays with librdkafka's retries and the worker's reprocessing.
 */
#include "kafka/kafka_errors.h"

bool ms_kafka_err_is_permanent(rd_kafka_resp_err_t err)
{
    switch (err) {
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        return true;
    default:
        return false;
    }
}

const char *ms_kafka_err_hint(rd_kafka_resp_err_t err)
{
    switch (err) {
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
        return "the broker rejected the service's credentials: check kafka.common.sasl.username and "
               "the password (MENTIONSIFT_KAFKA_COMMON_SASL_PASSWORD), sasl.mechanisms and "
               "security.protocol";
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
        return "the broker does not offer this SASL mechanism: check kafka.sasl.mechanisms";
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        return "the service's principal lacks an ACL on this topic: READ on input topics, "
               "WRITE on output and dead-letter topics (DESCRIBE on both)";
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        return "the service's principal lacks READ on its consumer group (kafka.group.id)";
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        return "the service's principal lacks a cluster ACL (IDEMPOTENT_WRITE on brokers "
               "older than Kafka 3.0)";
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        return "exactly_once: the service's principal lacks WRITE and DESCRIBE on its "
               "transactional ids (prefixed by kafka.group.id)";
    default:
        return "";
    }
}
