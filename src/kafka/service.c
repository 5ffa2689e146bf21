/*
 * service.c - start-up, the worker threads, and shutdown (see service.h).
 *
 * Start-up validates everything before any worker starts: the routes, the
 * rule set (compiled or loaded from the cache), every librdkafka property
 * (each worker builds its clients from the config and reports the first bad
 * one). A failure there stops the process with the reason. The HTTP
 * endpoint opens before the rule set loads, so that health probes answer
 * during a cold compile; readiness waits for the rules and the partitions.
 *
 * While running, the main thread only watches: for the stop flag, a failed
 * worker, and the reload flag (SIGHUP). A reload loads and compiles the rule
 * directory again on this thread, while the workers go on with the rules
 * they have; if it loads, it is published (ruleset_live.h) and each worker
 * moves to it between two events. If it does not, the errors are logged
 * with file:line and the running rules stay: a typo in a rule file must not
 * stop a running service, as it stops start-up.
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
#include "core/clock.h"
#include "core/log.h"
#include "kafka/kafka_conf.h"
#include "kafka/offenders_stage.h"
#include "kafka/worker.h"
#include "match/ruleset.h"
#include "match/ruleset_live.h"

typedef struct worker_thread {
    ms_worker *worker;            /* a worker, or NULL for the offenders stage */
    ms_offenders_stage *stage;
    atomic_int *done;
} worker_thread;

/**
 * @brief Learn the output topics' max.message.bytes before the workers'
 * producers are made, so their batches fit (topic_limits.h). A cluster
 * that does not answer within 2 s leaves the limits unknown (the workers
 * ask again later); the mock cluster never answers, so this is its cost.
 */
static void fetch_topic_limits(ms_service_shared *sh)
{
    ms_topic_limits_init(&sh->limits, sh->routes.names, sh->routes.n);
    sh->worker_topics = 0;
    for (int c = 0; c < MS_CAT_COUNT; c++)
        sh->worker_topics |= 1ull << sh->routes.category[c];
    for (int r = 0; r < MS_ROUTE_COUNT; r++)
        if (r != MS_ROUTE_REPEAT_OFFENDER) /* written by the offenders stage */
            sh->worker_topics |= 1ull << sh->routes.route[r];
    char err[512];
    /* a consumer's configuration (same credentials), so that no producer
     * id is asked for; it joins no group */
    rd_kafka_conf_t *conf =
        ms_kafka_conf_new(sh->cfg, MS_CLIENT_CONSUMER, "mentionsift-limits", err, sizeof err);
    if (!conf) {
        ms_log(MS_LOG_WARN, "service", "output topic limits not asked", "reason", err, NULL);
        return;
    }
    char rd_err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, rd_err, sizeof rd_err);
    if (!rk) {
        ms_log(MS_LOG_WARN, "service", "output topic limits not asked", "reason", rd_err, NULL);
        rd_kafka_conf_destroy(conf);
        return;
    }
    size_t known = ms_topic_limits_fetch(&sh->limits, rk, 2000);
    char n[16], of[16];
    snprintf(n, sizeof n, "%zu", known);
    snprintf(of, sizeof of, "%zu", sh->routes.n);
    ms_log(MS_LOG_INFO, "service", "output topic limits", "known", n, "topics", of, NULL);
    rd_kafka_destroy(rk);
}

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

/** @brief Load the rule directory again; publish it if it loads and differs from the running one. */
static void reload_rules(ms_service_shared *s)
{
    const char *dir = s->cfg->rules_dir;
    const ms_ruleset *running = ms_ruleset_live_acquire(s->rules, NULL);
    char old_version[64];
    snprintf(old_version, sizeof old_version, "%s", ms_ruleset_version(running));
    ms_ruleset_live_release(s->rules, running);

    ms_log(MS_LOG_INFO, "service", "reloading the rule set", "rules_dir", dir, "running",
           old_version, NULL);
    double t0 = ms_clock_mono_s();
    ms_buf errors;
    ms_buf_init(&errors);
    ms_ruleset *rs = ms_ruleset_load(dir, NULL, &errors);
    if (!rs) {
        ms_buf_terminate(&errors);
        ms_log(MS_LOG_ERROR, "service", "rule set reload failed; the running rules stay",
               "rules_dir", dir, "running", old_version, "errors",
               errors.data ? errors.data : "", NULL);
        ms_buf_free(&errors);
        ms_metrics_rules_reload(s->metrics, false, NULL);
        return;
    }
    ms_buf_free(&errors);
    char secs[32], nrules[16];
    snprintf(secs, sizeof secs, "%.3f", ms_clock_mono_s() - t0);
    snprintf(nrules, sizeof nrules, "%u", ms_ruleset_rule_count(rs));
    if (strcmp(ms_ruleset_version(rs), old_version) == 0) {
        ms_log(MS_LOG_INFO, "service", "rule set unchanged", "version", old_version, NULL);
        ms_ruleset_free(rs);
        ms_metrics_rules_reload(s->metrics, true, old_version);
        return;
    }
    char version[64];
    snprintf(version, sizeof version, "%s", ms_ruleset_version(rs));
    bool from_cache = ms_ruleset_stats_get(rs)->from_cache;
    if (!ms_ruleset_live_publish(s->rules, rs)) {
        ms_log(MS_LOG_ERROR, "service", "rule set reload failed; the running rules stay",
               "rules_dir", dir, "reason", "out of memory", NULL);
        ms_metrics_rules_reload(s->metrics, false, NULL);
        return;
    }
    ms_metrics_rules_reload(s->metrics, true, version);
    ms_log(MS_LOG_INFO, "service", "rule set reloaded; workers move to it between events",
           "version", version, "previous", old_version, "rules", nrules, "from_cache",
           from_cache ? "true" : "false", "seconds", secs, NULL);
}

int ms_service_run(const ms_config *cfg, atomic_int *run, volatile sig_atomic_t *reload,
                   volatile int *http_port_out)
{
    /* on the heap: after a stop that timed out, threads may still count */
    atomic_int *done = calloc(1, sizeof *done);
    int rc = 2;
    /* on the heap too: threads abandoned after a stop that timed out still
     * read it after this function has returned */
    ms_service_shared *sh = calloc(1, sizeof *sh);
    ms_worker **workers = calloc((size_t)cfg->workers, sizeof *workers);
    /* one more thread for the offenders stage */
    pthread_t *threads = calloc((size_t)cfg->workers + 1, sizeof *threads);
    worker_thread *trampolines = calloc((size_t)cfg->workers + 1, sizeof *trampolines);
    ms_offenders_stage *stage = NULL;
    int n_threads = cfg->workers;
    ms_http *http = NULL;
    int started = 0;
    if (http_port_out)
        *http_port_out = 0;
    if (!workers || !threads || !trampolines || !done || !sh) {
        ms_log(MS_LOG_ERROR, "service", "out of memory", NULL);
        goto out;
    }
    sh->cfg = cfg;
    sh->run = run;

    /* The endpoint comes first: a cold start compiles the rule set for tens of
     * seconds, and /healthz must answer meanwhile (a liveness probe that gets
     * nothing restarts the container, which compiles again). /readyz says
     * "loading the rule set" until it is in. */
    if (!ms_routes_init(&sh->routes, cfg)) {
        ms_log(MS_LOG_ERROR, "service", "too many distinct output topics", NULL);
        goto out;
    }
    ms_metrics_info info = {.ruleset_version = NULL, /* not loaded yet */
                            .topic_names = sh->routes.names,
                            .n_topics = sh->routes.n,
                            .offenders_topic = cfg->offenders_enabled && !cfg->passthrough
                                                   ? sh->routes.route[MS_ROUTE_REPEAT_OFFENDER]
                                                   : -1,
                            .topic_max_bytes = sh->limits.max_bytes};
    sh->metrics = ms_metrics_new(cfg->workers, &info);
    if (!sh->metrics) {
        ms_log(MS_LOG_ERROR, "service", "out of memory", NULL);
        goto out;
    }
    if (cfg->http_listen) {
        char err[256];
        http = ms_http_start(cfg->http_listen, sh->metrics, err, sizeof err);
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

    ms_buf errors;
    ms_buf_init(&errors);
    ms_ruleset *loaded = ms_ruleset_load(cfg->rules_dir, NULL, &errors);
    if (!loaded) {
        ms_buf_terminate(&errors);
        ms_log(MS_LOG_ERROR, "service", "rule set failed to load", "rules", cfg->rules_dir,
               "errors", errors.data ? errors.data : "", NULL);
        ms_buf_free(&errors);
        goto out;
    }
    ms_buf_free(&errors);
    const ms_ruleset_stats *st = ms_ruleset_stats_get(loaded);
    char nrules[16];
    snprintf(nrules, sizeof nrules, "%u", st->rules);
    ms_log(MS_LOG_INFO, "service", "rule set loaded", "rules_dir", cfg->rules_dir, "version",
           ms_ruleset_version(loaded), "rules", nrules, "from_cache",
           st->from_cache ? "true" : "false", NULL);
    char version[64];
    snprintf(version, sizeof version, "%s", ms_ruleset_version(loaded));
    if (!(sh->rules = ms_ruleset_live_new(loaded))) {
        ms_log(MS_LOG_ERROR, "service", "out of memory", NULL);
        goto out;
    }

    ms_metrics_rules_loaded(sh->metrics, version);
    if (!*run) { /* stopped during the load: nothing consumed, nothing to drain */
        ms_log(MS_LOG_INFO, "service", "stopped before starting the workers", NULL);
        rc = 0;
        goto out;
    }
    fetch_topic_limits(sh);
    for (int i = 0; i < cfg->workers; i++) {
        char err[512];
        workers[i] = ms_worker_new(sh, i, err, sizeof err);
        if (!workers[i]) {
            ms_log(MS_LOG_ERROR, "service", "worker failed to start", "reason", err, NULL);
            goto out;
        }
    }
    if (cfg->offenders_enabled && !cfg->passthrough) {
        char err[512];
        stage = ms_offenders_stage_new(sh, err, sizeof err);
        if (!stage) {
            ms_log(MS_LOG_ERROR, "service", "offenders stage failed to start", "reason", err,
                   NULL);
            goto out;
        }
        n_threads++;
    }
    for (; started < n_threads; started++) {
        trampolines[started] = started < cfg->workers
                                   ? (worker_thread){workers[started], NULL, done}
                                   : (worker_thread){NULL, stage, done};
        int pe = pthread_create(&threads[started], NULL, worker_thread_main,
                                &trampolines[started]);
        if (pe != 0) {
            char which[32];
            snprintf(which, sizeof which, started < cfg->workers ? "worker-%d" : "offenders",
                     started);
            ms_log(MS_LOG_ERROR, "service", "cannot start a thread", "thread", which, "reason",
                   strerror(pe), NULL);
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
    while (*run && !sh->failed && atomic_load(done) < started) {
        if (reload && *reload) {
            *reload = 0;
            reload_rules(sh);
        }
        usleep(100 * 1000);
    }
    atomic_store(&sh->stop_seen_ms, ms_clock_mono_ms());
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
    rc = sh->failed ? 1 : (started == n_threads ? 0 : 1);
    bool left_open = stage && ms_offenders_stage_left_open(stage);
    for (int i = 0; i < cfg->workers; i++)
        left_open = left_open || ms_worker_left_open(workers[i]);
    if (left_open) {
        ms_log(MS_LOG_WARN, "service",
               "stopped, but a consumer could not leave its group in time; exiting without "
               "destroying it (the coordinator drops it after session.timeout.ms)",
               NULL);
        /* no cleanup: destroying it would wait; after a failure, exit 1 all the same */
        return rc == 0 ? MS_SERVICE_LEFT_OPEN : MS_SERVICE_ABANDONED;
    }
    ms_log(rc ? MS_LOG_ERROR : MS_LOG_INFO, "service", rc ? "stopped after a failure" : "stopped",
           NULL);
out:
    if (http)
        ms_http_stop(http);
    for (int i = 0; workers && i < cfg->workers; i++)
        ms_worker_free(workers[i]);
    ms_offenders_stage_free(stage);
    if (sh) {
        ms_metrics_free(sh->metrics);
        ms_ruleset_live_free(sh->rules);
        free(sh);
    }
    free(trampolines);
    free(done);
    free(threads);
    free(workers);
    return rc;
}
