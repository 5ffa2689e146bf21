/*
 * worker.h - one consume-classify-produce loop on its own thread.
 *
 * A worker owns its consumer (a member of the service's group), its
 * producer, its engine (Hyperscan scratch and buffers) and its offset
 * tracker; it shares only the read-only rule set, routes and config, and
 * writes its own metrics slot. Between events it moves to a reloaded rule
 * set: a new engine for it (the old one's rule counts carried over), then
 * the old one released. See service.h for how workers are started
 * and stopped.
 */
#ifndef MS_WORKER_H
#define MS_WORKER_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "kafka/config.h"
#include "kafka/metrics.h"
#include "kafka/route.h"
#include "kafka/topic_limits.h"
#include "match/ruleset_live.h"

/** What every worker shares, read-only once workers start (the rule set
 * inside `rules` can be replaced: see ruleset_live.h). */
typedef struct ms_service_shared {
    const ms_config *cfg;
    ms_ruleset_live *rules;
    ms_routes routes;
    ms_topic_limits limits;         /* the output topics' max.message.bytes */
    uint64_t worker_topics;         /* topics a worker writes (bit = topic index) */
    ms_metrics *metrics;
    /* 0 asks every worker to drain and stop: written by a signal handler
     * or another thread and read by every worker, so an atomic (lock-free,
     * hence safe in a handler) rather than a volatile sig_atomic_t, which
     * C11 makes safe only between a handler and the thread it interrupts */
    atomic_int *run;
    atomic_int failed;              /* set by a worker that hit a fatal error */
    /* when the service saw the stop (ms_clock_mono_ms), 0 while running: a
     * worker that was blocked in a call when it came counts its stop budget
     * from here, not from when the call let it notice */
    _Atomic int64_t stop_seen_ms;
} ms_service_shared;

typedef struct ms_worker ms_worker;

/** @brief Create worker `id` (clients connect lazily); NULL with `err`. */
ms_worker *ms_worker_new(ms_service_shared *s, int id, char *err, size_t errlen);

/** @brief The loop: runs until *run is 0, then drains, commits and returns. */
void *ms_worker_main(void *worker);

/** @brief True when the worker's loop stopped without leaving its consumer group in time
 *  (consumer_stop.h): destroying it would wait up to session.timeout.ms. */
bool ms_worker_left_open(const ms_worker *w);

/** @brief Destroy a worker whose loop has returned. */
void ms_worker_free(ms_worker *w);

#endif
