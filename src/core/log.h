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

/*
 * A budget for a line that can repeat once per event (a dead letter, an
 * output the broker did not take): a flood of bad input or a broker outage
 * must not become a flood of log lines. The metrics still count every
 * event; the logs show at most `per_s` such lines a second per budget and
 * say how many were held back. A budget belongs to one thread (no lock):
 * keep one per worker and per kind of line.
 */
typedef struct ms_log_budget {
    int64_t window_ms;   /* monotonic start of the current second */
    uint32_t lines;      /* lines logged in it */
    uint64_t suppressed; /* lines held back since the last one logged */
} ms_log_budget;

/* how many lines a second one budget lets through in the service */
#define MS_LOG_BUDGET_PER_S 10

/**
 * @brief Whether one more line fits `b` at monotonic time `now_ms`. When it
 * does, `held` gets the decimal count of lines held back since the last one
 * logged ("" when none) and the count restarts; log it as the LAST field,
 * `held[0] ? "suppressed" : NULL, held, NULL`, so an empty count ends the
 * field list. When it does not, the line is counted as held back.
 */
bool ms_log_budget_take(ms_log_budget *b, int64_t now_ms, uint32_t per_s, char held[24]);

#endif
