/*
 * service.c - start-up, the worker threads, and shutdown (see service.h).
 *
 * Start-up validates everything before any worker starts: the rule set
 * (compiled or loaded from the cache), the routes, every librdkafka
 * property (each worker builds its clients from the config and reports the
 * first bad one). A failure there stops the process with the reason.
 */
#include "kafka/service.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "kafka/offenders_stage.h"
#include "kafka/worker.h"
#include "match/ruleset.h"

typedef struct worker_thread {
    ms_worker *worker;            /* a worker, or NULL for the offenders stage */
    ms_offenders_stage *stage;
    atomic_int *done;
} worker_thread;

/** @brief A worker's (or the offenders stage's) thread: its loop, then a count of those that ended. */
static void *worker_thread_main(void *arg)
{
    worker_thread *t = arg;
    if (t->worker)
        ms_worker_main(t->worker);
    else
        ms_offenders_stage_main(t->stage);
    atomic_fetch_add(t->done, 1);
    return NULL;
}

int ms_service_run(const ms_config *cfg, volatile sig_atomic_t *run, volatile int *http_port_out)
{
    /* on the heap: after a stop that timed out, threads may still count */
    atomic_int *done = calloc(1, sizeof *done);
    int rc = 2;
    ms_service_shared s = {.cfg = cfg, .run = run};
    ms_worker **workers = calloc((size_t)cfg->workers, sizeof *workers);
    /* one more thread for the offenders stage */
    pthread_t *threads = calloc((size_t)cfg->workers + 1, sizeof *threads);
    worker_thread *trampolines = calloc((size_t)cfg->workers + 1, sizeof *trampolines);
    ms_offenders_stage *stage = NULL;
    int n_threads = cfg->workers;
    const uint64_t **counts = calloc((size_t)cfg->workers, sizeof *counts);
    const char **rule_ids = NULL;
    ms_http *http = NULL;
    int started = 0;
    if (http_port_out)
        *http_port_out = 0;
    if (!workers || !threads || !counts || !trampolines || !done) {
        ms_log(MS_LOG_ERROR, "service", "out of memory", NULL);
        goto out;
    }

    ms_buf errors;
    ms_buf_init(&errors);
    s.rules = ms_ruleset_load(cfg->rules_dir, NULL, &errors);
    if (!s.rules) {
        ms_buf_terminate(&errors);
        ms_log(MS_LOG_ERROR, "service", "rule set failed to load", "rules", cfg->rules_dir,
               "errors", errors.data ? errors.data : "", NULL);
        ms_buf_free(&errors);
        goto out;
    }
    ms_buf_free(&errors);
    const ms_ruleset_stats *st = ms_ruleset_stats_get(s.rules);
    char nrules[16];
    snprintf(nrules, sizeof nrules, "%u", st->rules);
    ms_log(MS_LOG_INFO, "service", "rule set loaded", "rules_dir", cfg->rules_dir, "version",
           ms_ruleset_version(s.rules), "rules", nrules, "from_cache",
           st->from_cache ? "true" : "false", NULL);

    if (!ms_routes_init(&s.routes, cfg)) {
        ms_log(MS_LOG_ERROR, "service", "too many distinct output topics", NULL);
        goto out;
    }
    uint32_t n_rules = ms_ruleset_rule_count(s.rules);
    rule_ids = calloc(n_rules ? n_rules : 1, sizeof *rule_ids);
    if (!rule_ids)
        goto out;
    for (uint32_t i = 0; i < n_rules; i++)
        rule_ids[i] = ms_ruleset_rule(s.rules, i)->id;

    ms_metrics_info info = {.ruleset_version = ms_ruleset_version(s.rules),
                            .topic_names = s.routes.names,
                            .n_topics = s.routes.n,
                            .offenders_topic = cfg->offenders_enabled && !cfg->passthrough
                                                   ? s.routes.route[MS_ROUTE_REPEAT_OFFENDER]
                                                   : -1,
                            .rule_counts = counts,
                            .rule_ids = rule_ids,
                            .n_rules = n_rules};
    s.metrics = ms_metrics_new(cfg->workers, &info);
    if (!s.metrics) {
        ms_log(MS_LOG_ERROR, "service", "out of memory", NULL);
        goto out;
    }
    for (int i = 0; i < cfg->workers; i++) {
        char err[512];
        workers[i] = ms_worker_new(&s, i, err, sizeof err);
        if (!workers[i]) {
            ms_log(MS_LOG_ERROR, "service", "worker failed to start", "reason", err, NULL);
            goto out;
        }
        counts[i] = ms_worker_rule_counts(workers[i]);
    }
    if (cfg->offenders_enabled && !cfg->passthrough) {
        char err[512];
        stage = ms_offenders_stage_new(&s, err, sizeof err);
        if (!stage) {
            ms_log(MS_LOG_ERROR, "service", "offenders stage failed to start", "reason", err,
                   NULL);
            goto out;
        }
        n_threads++;
    }
    if (cfg->http_listen) {
        char err[256];
        http = ms_http_start(cfg->http_listen, s.metrics, err, sizeof err);
        if (!http) {
            ms_log(MS_LOG_ERROR, "service", "metrics endpoint failed to start", "listen",
                   cfg->http_listen, "reason", err, NULL);
            goto out;
        }
        char port[16];
        snprintf(port, sizeof port, "%d", ms_http_port(http));
        if (http_port_out)
            *http_port_out = ms_http_port(http);
        ms_log(MS_LOG_INFO, "service", "metrics endpoint listening", "listen", cfg->http_listen,
               "port", port, NULL);
    }
    for (; started < n_threads; started++) {
        trampolines[started] = started < cfg->workers
                                   ? (worker_thread){workers[started], NULL, done}
                                   : (worker_thread){NULL, stage, done};
        if (pthread_create(&threads[started], NULL, worker_thread_main, &trampolines[started]) !=
            0) {
            ms_log(MS_LOG_ERROR, "service", "pthread_create failed", NULL);
            *run = 0;
            break;
        }
    }
    char nw[16];
    snprintf(nw, sizeof nw, "%d", started < cfg->workers ? started : cfg->workers);
    ms_log(MS_LOG_INFO, "service", "running", "workers", nw, "group", cfg->group_id,
           "bootstrap", cfg->bootstrap_servers, NULL);
    /* Once asked to stop, workers get a bounded time to drain, commit and
     * close: librdkafka's consumer close can block while the cluster is
     * unreachable, and a stop must not hang. Input left uncommitted is read
     * again by the partitions' next owner, so nothing is lost. */
    while (*run && !s.failed && atomic_load(done) < started)
        usleep(100 * 1000);
    uint64_t waited = 0, limit = (uint64_t)cfg->shutdown_timeout_ms + 5000;
    while (atomic_load(done) < started && waited < limit) {
        usleep(50 * 1000);
        waited += 50;
    }
    if (atomic_load(done) < started) {
        char ms[32];
        snprintf(ms, sizeof ms, "%llu", (unsigned long long)limit);
        ms_log(MS_LOG_ERROR, "service",
               "workers did not stop in time (is the cluster reachable?); exiting without "
               "them: uncommitted input will be processed again",
               "waited_ms", ms, NULL);
        return MS_SERVICE_ABANDONED; /* threads still hold the shared state: no cleanup */
    }
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    rc = s.failed ? 1 : (started == n_threads ? 0 : 1);
    ms_log(rc ? MS_LOG_ERROR : MS_LOG_INFO, "service", rc ? "stopped after a failure" : "stopped",
           NULL);
out:
    if (http)
        ms_http_stop(http);
    for (int i = 0; workers && i < cfg->workers; i++)
        ms_worker_free(workers[i]);
    ms_offenders_stage_free(stage);
    ms_metrics_free(s.metrics);
    ms_ruleset_free((ms_ruleset *)s.rules);
    free(rule_ids);
    free(counts);
    free(trampolines);
    free(done);
    free(threads);
    free(workers);
    return rc;
}
