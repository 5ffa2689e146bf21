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

#include "kafka/config.h"

/**
 * @brief Run until *run becomes 0 (set it from a signal handler), then
 * drain, commit and return. Returns 0 on a clean stop, 1 if a worker
 * failed, 2 if start-up failed (the reason is logged).
 * If `http_port_out` is not NULL it receives the bound metrics port (or 0).
 */
int ms_service_run(const ms_config *cfg, volatile sig_atomic_t *run, volatile int *http_port_out);

#endif
