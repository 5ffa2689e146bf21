/*
 * metrics.h - counters of the running service and the HTTP endpoint that
 * serves them.
 *
 * Each worker owns one ms_worker_metrics and updates it with relaxed atomic
 * adds (no locks on the hot path); the HTTP thread sums all workers when
 * scraped. Endpoints (libmicrohttpd, bound to loopback unless configured):
 *   GET /metrics   Prometheus text format 0.0.4
 *   GET /healthz   200 "ok" while the process runs, from before the rule set
 *                  is loaded (a cold compile takes tens of seconds: a
 *                  liveness probe must not kill the process meanwhile)
 *   GET /readyz    200 once the rule set is loaded and every worker has a
 *                  partition assignment (or the group has none to give),
 *                  503 with the reason before
 * No endpoint changes state.
 */
#ifndef MS_METRICS_H
#define MS_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/mention.h"

#define MS_MAX_TOPICS 32
#define MS_LATENCY_BUCKETS 16

/* Upper bounds of the latency histogram, in seconds. */
extern const double ms_latency_bounds[MS_LATENCY_BUCKETS];

typedef struct ms_worker_metrics {
    atomic_uint_fast64_t events_in;
    atomic_uint_fast64_t events_out_topic[MS_MAX_TOPICS];    /* by output topic index */
    atomic_uint_fast64_t events_category[MS_CAT_COUNT];      /* labels seen */
    atomic_uint_fast64_t primary_category[MS_CAT_COUNT];
    atomic_uint_fast64_t removal[MS_REMOVAL_COUNT]; /* House Rules grounds, by removal answer */
    atomic_uint_fast64_t deadletter;
    atomic_uint_fast64_t produce_errors;
    atomic_uint_fast64_t producer_replacements;              /* to fit topic limits */
    atomic_uint_fast64_t commits, commit_errors;
    atomic_uint_fast64_t latency_bucket[MS_LATENCY_BUCKETS + 1]; /* last: +Inf */
    atomic_uint_fast64_t latency_sum_us;  /* the bits of a double: a backlog of old records
                                           * would wrap an integer sum of microseconds */
    atomic_int_fast64_t consumer_lag;                        /* summed over partitions */
    atomic_bool assigned;                                    /* has had an assignment */
} ms_worker_metrics;

/* The offenders stage's counters (one stage per process). */
typedef struct ms_offenders_metrics {
    atomic_uint_fast64_t violations;  /* moderation records counted */
    atomic_uint_fast64_t duplicates;  /* records of an event already counted */
    atomic_uint_fast64_t replayed;    /* records read again to rebuild the ledger */
    atomic_uint_fast64_t alerts;      /* repeat_offender records acknowledged */
    atomic_uint_fast64_t errors;      /* alerts the broker did not accept */
    atomic_uint_fast64_t authors;     /* authors in the ledger (gauge) */
} ms_offenders_metrics;

typedef struct ms_metrics ms_metrics;

typedef struct ms_metrics_info {
    const char *ruleset_version;      /* NULL: not loaded yet (ms_metrics_rules_loaded) */
    const char *const *topic_names;   /* index -> output topic name */
    size_t n_topics;
    int offenders_topic;              /* index written by the offenders stage, or -1 */
    /* index -> the topic's max.message.bytes, 0 while not known (topic_limits.h);
     * read at each scrape, so it must outlive the metrics; may be NULL */
    const _Atomic uint32_t *topic_max_bytes;
} ms_metrics_info;

/** @brief Metrics for `n_workers` workers; NULL on ENOMEM. */
ms_metrics *ms_metrics_new(int n_workers, const ms_metrics_info *info);
void ms_metrics_free(ms_metrics *m);
ms_worker_metrics *ms_metrics_worker(ms_metrics *m, int i);
ms_offenders_metrics *ms_metrics_offenders(ms_metrics *m);

/**
 * @brief Worker `worker`'s rule-hit counts are now `counts`, indexed like
 * the rules of `rs` (generation: ms_ruleset_live's). Both are borrowed until
 * the worker's next call; once this returns no scrape reads the previous
 * ones, so the worker may free them.
 */
struct ms_ruleset;
void ms_metrics_worker_rules(ms_metrics *m, int worker, const struct ms_ruleset *rs,
                             uint64_t generation, const uint64_t *counts);

/** @brief The first rule set is loaded: report `version` (readiness waits for it). */
void ms_metrics_rules_loaded(ms_metrics *m, const char *version);

/** @brief Count a rule-set reload; on success `version` is the one now reported. */
void ms_metrics_rules_reload(ms_metrics *m, bool ok, const char *version);

/** @brief Record one end-to-end latency in microseconds; a slot has one writer, its worker. */
void ms_metrics_observe_latency(ms_worker_metrics *w, uint64_t us);

/** @brief Render Prometheus text into `out` (appends). */
struct ms_buf;
void ms_metrics_render(ms_metrics *m, struct ms_buf *out);

/** @brief True when the rule set is loaded and every worker has had an assignment. */
bool ms_metrics_ready(ms_metrics *m);

/** @brief Why the service is not ready, for /readyz; NULL when it is. */
const char *ms_metrics_not_ready(ms_metrics *m);

/** @brief Serve HTTP on "HOST:PORT"; NULL with a message in err on failure. */
typedef struct ms_http ms_http;
ms_http *ms_http_start(const char *listen, ms_metrics *m, char *err, size_t errlen);
void ms_http_stop(ms_http *h);
/** @brief The port the endpoint is bound to (the real one when PORT was 0). */
int ms_http_port(const ms_http *h);

#endif
