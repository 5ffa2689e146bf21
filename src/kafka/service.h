/*
 * service.h - the Kafka service: loads the rules, starts the metrics
 * endpoint and N workers in one consumer group, and stops them cleanly.
 *
 * More processes started with the same group.id on other machines join the
 * same group: Kafka spreads the partitions, nothing else is coordinated.
 */
#ifndef MS_SERVICE_H
#define MS_SERVICE_H

#include <signal.h>
#include <stdatomic.h>

#include "kafka/config.h"

/** ms_service_run's result when workers did not stop within the bounded
 * shutdown time (they still run and still use the service's memory), or
 * stopped after a failure with a consumer that could not leave its group
 * (see MS_SERVICE_LEFT_OPEN): the caller must end the process at once with
 * _exit(1), running no exit-time handlers or cleanup (uncommitted input is
 * reprocessed by the next owner). */
#define MS_SERVICE_ABANDONED 3

/** ms_service_run's result when every thread stopped in time, but a consumer
 * could not leave its group (the coordinator unreachable: consumer_stop.h).
 * Destroying that consumer would wait up to session.timeout.ms, so nothing
 * is freed and the caller must end the process with _exit(0): the stop was
 * clean in every other respect (uncommitted input is reprocessed). */
#define MS_SERVICE_LEFT_OPEN 4

/**
 * @brief Run until *run becomes 0 (set it from a signal handler or another
 * thread; atomic_int is lock-free here, so a handler may store to it), then
 * drain, commit and return. Setting *reload to 1 (SIGHUP; `reload` may be
 * NULL) loads the rule directory again and, if it loads, moves every worker
 * to it; if it does not, the errors are logged and the running rules stay.
 * Returns 0 on a clean stop, 1 if a worker failed, 2 if start-up failed (the
 * reason is logged), MS_SERVICE_ABANDONED or MS_SERVICE_LEFT_OPEN (see above).
 * If `http_port_out` is not NULL it receives the bound metrics port (or 0).
 */
int ms_service_run(const ms_config *cfg, atomic_int *run, volatile sig_atomic_t *reload,
                   volatile int *http_port_out);

#endif
