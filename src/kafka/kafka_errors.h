/*
 * kafka_errors.h - which Kafka errors no retry can cure, and what to tell
 * the operator about them.
 *
 * librdkafka retries transient errors itself (a broker down, a leader
 * moving, a request timing out) and the worker reprocesses an event whose
 * output failed. Some errors never go away by retrying: the broker rejected
 * the credentials, or the service's principal lacks an ACL on a topic or
 * the group. Retrying those would spin forever while the queue waiting for
 * the Communications team silently stops moving, so a worker that meets
 * one stops the service with the cause named instead (exit status 1), and
 * commits nothing past the last event whose outputs were all delivered:
 * once the ACL or the password is fixed, a restart carries on where it
 * stopped and nothing is lost.
 */
#ifndef MS_KAFKA_ERRORS_H
#define MS_KAFKA_ERRORS_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>

/** @brief True for errors that retrying cannot cure (authentication, authorisation). */
bool ms_kafka_err_is_permanent(rd_kafka_resp_err_t err);

/** @brief What the operator should check for `err`, in one sentence ("" if nothing specific). */
const char *ms_kafka_err_hint(rd_kafka_resp_err_t err);

#endif
