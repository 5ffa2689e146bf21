/*
 * log.h - structured logs: one JSON object per line on stderr,
 *   {"ts":"2026-11-25T17:28:53.123Z","level":"info","component":"worker",
 *    "msg":"...", <extra fields>}
 * Safe from any thread (each line is written with one write(2)). The level
 * is process-wide and set once at start-up. Callers must never pass secrets
 * (see ms_config_is_secret).
 */
#ifndef MS_LOG_H
#define MS_LOG_H

#include "kafka/config.h"

void ms_log_set_level(ms_log_level level);
bool ms_log_enabled(ms_log_level level);

/**
 * @brief Log `msg` with optional extra fields given as a NULL-terminated
 * list of key, value string pairs (values JSON-escaped), e.g.
 * ms_log(MS_LOG_WARN, "worker", "produce failed", "topic", t, "error", e, NULL);
 */
void ms_log(ms_log_level level, const char *component, const char *msg, ...)
    __attribute__((sentinel));

#endif
