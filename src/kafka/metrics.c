/*
 * metrics.c - per-worker counters and their Prometheus rendering (metrics.h).
 *
 * Every worker owns one ms_worker_metrics slot, aligned to a cache line so
 * that two workers never write the same line. Workers only do relaxed
 * atomic adds and stores; the scraping thread (ms_metrics_render, called by
 * the HTTP thread) sums all slots with relaxed loads. A scrape is therefore
 * not a single instant across workers, which Prometheus counters tolerate.
 *
 * Rule hit counts are the engines' own plain uint64_t arrays (no atomics on
 * the matcher's hot path); they are read here with __atomic_load_n(relaxed),
 * which on 64-bit targets is a plain aligned load and never tears. Each
 * worker registers its array with the rule set it indexes
 * (ms_metrics_worker_rules), again after a reload, under the rules lock that
 * rendering holds: once a worker's call returns, no scrape reads its old
 * array, so it may free the old engine. During a reload workers can be on
 * different rule sets; hits are then reported by the ids of the newest one,
 * each worker's count found by rule id. The version, the reload counters
 * and timestamps live under the same lock; everything in the info (names,
 * version) is copied.
 *
 * The latency histogram keeps one non-cumulative counter per bucket (an
 * observation increments exactly one); rendering accumulates them into
 * Prometheus' cumulative le="..." buckets, and _count is their total.
 */
#include "kafka/metrics.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "match/ruleset.h"

const double ms_latency_bounds[MS_LATENCY_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
    0.25,   0.5,   1.0,    2.5,   5.0,  10.0,  20.0,  30.0,
};

/* The same bounds in microseconds, for comparisons without floating point. */
static const uint64_t ms_latency_bounds_us[MS_LATENCY_BUCKETS] = {
    500,    1000,    2500,    5000,    10000,   25000,    50000,    100000,
    250000, 500000, 1000000, 2500000, 5000000, 10000000, 20000000, 30000000,
};

typedef struct metrics_slot {
    alignas(64) ms_worker_metrics m;
} metrics_slot;

/* What a worker's rule-hit array is indexed by. */
typedef struct worker_rules {
    const ms_ruleset *rs;
    uint64_t generation;
    const uint64_t *counts;
} worker_rules;

struct ms_metrics {
    int n_workers;
    metrics_slot *slots;
    char **topics;
    size_t n_topics;
    int offenders_topic;
    const _Atomic uint32_t *topic_max_bytes; /* see ms_metrics_info */
    ms_offenders_metrics offenders;
    atomic_bool rules_loaded;        /* the first rule set is in: version is real */
    /* under rules_mu: */
    pthread_mutex_t rules_mu;
    char *version;
    worker_rules *wrules;            /* per worker */
    uint64_t reloads_ok, reloads_failed;
    bool last_reload_ok;
    int64_t last_reload_ok_ms;       /* the start-up load counts as one */
};

/** @brief strdup that maps NULL to "". */
static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

/** @brief Copy `n` strings; NULL on ENOMEM (nothing leaked). */
static char **dup_strings(const char *const *v, size_t n)
{
    char **out = calloc(n ? n : 1, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!(out[i] = dup_or_empty(v ? v[i] : NULL))) {
            for (size_t j = 0; j < i; j++)
                free(out[j]);
            free(out);
            return NULL;
        }
    }
    return out;
}

/** @brief Free `n` strings and their array, as made by dup_strings; NULL-safe. */
static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

ms_metrics *ms_metrics_new(int n_workers, const ms_metrics_info *info)
{
    if (n_workers < 0)
        return NULL;
    ms_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->n_workers = n_workers;
    size_t bytes = (size_t)(n_workers ? n_workers : 1) * sizeof(metrics_slot);
    m->slots = aligned_alloc(alignof(metrics_slot), bytes);
    if (!m->slots)
        goto fail;
    memset(m->slots, 0, bytes); /* all-zero is a valid lock-free atomic zero */
    m->offenders_topic = -1;
    if (pthread_mutex_init(&m->rules_mu, NULL) != 0) {
        free(m->slots);
        free(m);
        return NULL;
    }
    m->version = dup_or_empty(info ? info->ruleset_version : NULL);
    atomic_init(&m->rules_loaded, info && info->ruleset_version);
    m->wrules = calloc((size_t)(n_workers ? n_workers : 1), sizeof *m->wrules);
    if (!m->version || !m->wrules)
        goto fail;
    m->last_reload_ok = true;
    m->last_reload_ok_ms = ms_clock_wall_ms();
    if (info) {
        m->n_topics = info->n_topics < MS_MAX_TOPICS ? info->n_topics : MS_MAX_TOPICS;
        m->offenders_topic = info->offenders_topic;
        m->topic_max_bytes = info->topic_max_bytes;
        if (!(m->topics = dup_strings(info->topic_names, m->n_topics)))
            goto fail;
    }
    return m;
fail:
    ms_metrics_free(m);
    return NULL;
}

void ms_metrics_free(ms_metrics *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m->version);
    free(m->wrules);
    free_strings(m->topics, m->n_topics);
    pthread_mutex_destroy(&m->rules_mu);
    free(m);
}

void ms_metrics_worker_rules(ms_metrics *m, int worker, const ms_ruleset *rs,
                             uint64_t generation, const uint64_t *counts)
{
    if (worker < 0 || worker >= m->n_workers)
        return;
    pthread_mutex_lock(&m->rules_mu);
    m->wrules[worker] = (worker_rules){rs, generation, counts};
    pthread_mutex_unlock(&m->rules_mu);
}

void ms_metrics_rules_reload(ms_metrics *m, bool ok, const char *version)
{
    pthread_mutex_lock(&m->rules_mu);
    m->last_reload_ok = ok;
    if (ok) {
        m->reloads_ok++;
        m->last_reload_ok_ms = ms_clock_wall_ms();
        char *v = version ? strdup(version) : NULL;
        if (v) {
            free(m->version);
            m->version = v;
        }
    } else {
        m->reloads_failed++;
    }
    pthread_mutex_unlock(&m->rules_mu);
}

ms_offenders_metrics *ms_metrics_offenders(ms_metrics *m) { return m ? &m->offenders : NULL; }

ms_worker_metrics *ms_metrics_worker(ms_metrics *m, int i)
{
    if (!m || i < 0 || i >= m->n_workers)
        return NULL;
    return &m->slots[i].m;
}

void ms_metrics_observe_latency(ms_worker_metrics *w, uint64_t us)
{
    size_t b = 0;
    while (b < MS_LATENCY_BUCKETS && us > ms_latency_bounds_us[b])
        b++;
    atomic_fetch_add_explicit(&w->latency_bucket[b], 1, memory_order_relaxed);
    /* one writer per slot: a load and a store, with no lost update */
    uint64_t bits = atomic_load_explicit(&w->latency_sum_us, memory_order_relaxed);
    double sum;
    memcpy(&sum, &bits, sizeof sum);
    sum += (double)us;
    memcpy(&bits, &sum, sizeof bits);
    atomic_store_explicit(&w->latency_sum_us, bits, memory_order_relaxed);
}

/** @brief The latency sum over every worker, in seconds. */
static double latency_sum_s(const ms_metrics *m)
{
    double s = 0;
    for (int i = 0; i < m->n_workers; i++) {
        uint64_t bits = atomic_load_explicit(&m->slots[i].m.latency_sum_us, memory_order_relaxed);
        double us;
        memcpy(&us, &bits, sizeof us);
        s += us;
    }
    return s / 1e6;
}

void ms_metrics_rules_loaded(ms_metrics *m, const char *version)
{
    char *v = strdup(version ? version : "");
    pthread_mutex_lock(&m->rules_mu);
    if (v) {
        free(m->version);
        m->version = v;
    }
    m->last_reload_ok_ms = ms_clock_wall_ms();
    pthread_mutex_unlock(&m->rules_mu);
    atomic_store(&m->rules_loaded, true);
}

const char *ms_metrics_not_ready(ms_metrics *m)
{
    if (!m || !atomic_load(&m->rules_loaded))
        return "loading the rule set";
    if (m->n_workers == 0)
        return "no workers";
    for (int i = 0; i < m->n_workers; i++)
        if (!atomic_load_explicit(&m->slots[i].m.assigned, memory_order_relaxed))
            return "waiting for every worker's partition assignment";
    return NULL;
}

bool ms_metrics_ready(ms_metrics *m) { return !ms_metrics_not_ready(m); }

/* ---- rendering ------------------------------------------------------ */

/**
 * @brief Sum one counter over all workers; `f` is the counter's address in
 * worker 0's slot, so the same offset is read in every slot.
 */
static uint64_t sum_at(const ms_metrics *m, const atomic_uint_fast64_t *f)
{
    size_t off = (size_t)((const char *)f - (const char *)&m->slots[0].m);
    uint64_t s = 0;
    for (int i = 0; i < m->n_workers; i++) {
        const atomic_uint_fast64_t *p =
            (const atomic_uint_fast64_t *)((const char *)&m->slots[i].m + off);
        s += (uint64_t)atomic_load_explicit(p, memory_order_relaxed);
    }
    return s;
}

#define SUM(m, field) sum_at((m), &(m)->slots[0].m.field)

/** @brief The consumer lag summed over workers (a signed gauge). */
static int64_t lag_sum(const ms_metrics *m)
{
    int64_t s = 0;
    for (int i = 0; i < m->n_workers; i++)
        s += (int64_t)atomic_load_explicit(&m->slots[i].m.consumer_lag, memory_order_relaxed);
    return s;
}

/** @brief Append a label value escaped as the text format requires. */
static void label_value(ms_buf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            ms_buf_puts(out, "\\\\");
        else if (*s == '"')
            ms_buf_puts(out, "\\\"");
        else if (*s == '\n')
            ms_buf_puts(out, "\\n");
        else
            ms_buf_putc(out, *s);
    }
}

/** @brief Append the # HELP and # TYPE lines of metric `name`; `help` is written unescaped, so it
 *  must be constant text without backslashes or newlines. */
static void head(ms_buf *out, const char *name, const char *type, const char *help)
{
    ms_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/** @brief Append an unlabelled metric, header included; `v` signed or unsigned by `is_signed`. */
static void scalar_metric(ms_buf *out, const char *name, const char *type, const char *help,
                          long long v, bool is_signed)
{
    head(out, name, type, help);
    if (is_signed)
        ms_buf_printf(out, "%s %lld\n", name, v);
    else
        ms_buf_printf(out, "%s %llu\n", name, (unsigned long long)v);
}

/** @brief Append one sample of `name` with the single label `label` set to `value` (escaped); the
 *  caller writes the metric's header once first. */
static void labelled(ms_buf *out, const char *name, const char *label, const char *value,
                     uint64_t v)
{
    ms_buf_printf(out, "%s{%s=\"", name, label);
    label_value(out, value);
    ms_buf_printf(out, "\"} %llu\n", (unsigned long long)v);
}

/** @brief Sum over all workers of the hits of rule `r` of `rs`, found by id
 *  in a worker still on another rule set. rules_mu held. */
static uint64_t rule_hits(const ms_metrics *m, const ms_ruleset *rs, uint32_t r)
{
    uint64_t s = 0;
    const char *id = ms_ruleset_rule(rs, r)->id;
    for (int w = 0; w < m->n_workers; w++) {
        const worker_rules *wr = &m->wrules[w];
        if (!wr->rs || !wr->counts)
            continue;
        if (wr->rs == rs) {
            s += __atomic_load_n(&wr->counts[r], __ATOMIC_RELAXED);
            continue;
        }
        for (uint32_t k = 0; k < ms_ruleset_rule_count(wr->rs); k++)
            if (strcmp(ms_ruleset_rule(wr->rs, k)->id, id) == 0) {
                s += __atomic_load_n(&wr->counts[k], __ATOMIC_RELAXED);
                break;
            }
    }
    return s;
}

/** @brief The rule hits, by the ids of the newest rule set a worker is on, and the rule-set state. */
static void render_rules(ms_metrics *m, ms_buf *out)
{
    pthread_mutex_lock(&m->rules_mu);
    const worker_rules *newest = NULL;
    for (int w = 0; w < m->n_workers; w++)
        if (m->wrules[w].rs && (!newest || m->wrules[w].generation > newest->generation))
            newest = &m->wrules[w];
    if (newest && ms_ruleset_rule_count(newest->rs)) {
        head(out, "mentionsift_rule_hits_total", "counter", "Pattern matches, by rule (one event can match a rule more than once).");
        for (uint32_t r = 0; r < ms_ruleset_rule_count(newest->rs); r++)
            labelled(out, "mentionsift_rule_hits_total", "rule",
                     ms_ruleset_rule(newest->rs, r)->id, rule_hits(m, newest->rs, r));
    }
    if (atomic_load(&m->rules_loaded)) { /* no version to give while the first one loads */
        head(out, "mentionsift_ruleset_info", "gauge", "The loaded rule set's version.");
        labelled(out, "mentionsift_ruleset_info", "version", m->version, 1);
    }
    head(out, "mentionsift_rules_reloads_total", "counter",
         "Rule set reloads asked for (SIGHUP), by result; a failed one keeps the running rules.");
    labelled(out, "mentionsift_rules_reloads_total", "result", "ok", m->reloads_ok);
    labelled(out, "mentionsift_rules_reloads_total", "result", "failed", m->reloads_failed);
    scalar_metric(out, "mentionsift_rules_last_reload_successful", "gauge",
                  "0 when the last reload failed (the previous rules still run), else 1.",
                  m->last_reload_ok, true);
    ms_buf_printf(out, "# HELP mentionsift_rules_last_reload_success_timestamp_seconds When "
                       "the running rules were loaded.\n"
                       "# TYPE mentionsift_rules_last_reload_success_timestamp_seconds gauge\n"
                       "mentionsift_rules_last_reload_success_timestamp_seconds %lld.%03lld\n",
                  (long long)(m->last_reload_ok_ms / 1000),
                  (long long)(m->last_reload_ok_ms % 1000));
    pthread_mutex_unlock(&m->rules_mu);
}

void ms_metrics_render(ms_metrics *m, ms_buf *out)
{
    scalar_metric(out, "mentionsift_events_in_total", "counter",
                  "Events consumed from the input topics.", (long long)SUM(m, events_in), false);

    head(out, "mentionsift_events_out_total", "counter", "Events produced, by output topic.");
    for (size_t t = 0; t < m->n_topics; t++)
        labelled(out, "mentionsift_events_out_total", "topic", m->topics[t],
                 SUM(m, events_out_topic[t]) +
                     ((int)t == m->offenders_topic ? atomic_load(&m->offenders.alerts) : 0));

    head(out, "mentionsift_labels_total", "counter",
         "Labels given, by category (an event can have several).");
    for (int c = 0; c < MS_CAT_COUNT; c++)
        labelled(out, "mentionsift_labels_total", "category", ms_category_name((ms_category)c),
                 SUM(m, events_category[c]));

    head(out, "mentionsift_primary_total", "counter", "Events by primary category.");
    for (int c = 0; c < MS_CAT_COUNT; c++)
        labelled(out, "mentionsift_primary_total", "category", ms_category_name((ms_category)c),
                 SUM(m, primary_category[c]));

    head(out, "mentionsift_removal_total", "counter",
         "Events with a House Rules ground, by what the Specialist may do (2.3): review, never "
         "(a repair report or a welfare concern must stay, 2.26), not_our_page (2.29).");
    for (int r = MS_REMOVAL_NONE + 1; r < MS_REMOVAL_COUNT; r++)
        labelled(out, "mentionsift_removal_total", "removal", ms_removal_name((ms_removal)r),
                 SUM(m, removal[r]));

    render_rules(m, out);

    scalar_metric(out, "mentionsift_deadletter_total", "counter",
                  "Events sent to the dead-letter topic.", (long long)SUM(m, deadletter), false);
    scalar_metric(out, "mentionsift_produce_errors_total", "counter",
                  "Outputs the broker did not accept.", (long long)SUM(m, produce_errors), false);
    scalar_metric(out, "mentionsift_producer_replacements_total", "counter",
                  "Producers replaced so that their batches fit a lowered output topic limit.",
                  (long long)SUM(m, producer_replacements), false);
    if (m->topic_max_bytes) {
        head(out, "mentionsift_output_topic_max_message_bytes", "gauge",
             "An output topic's max.message.bytes as the service knows it (0: not known; "
             "outputs over it are dead-lettered).");
        for (size_t t = 0; t < m->n_topics; t++)
            labelled(out, "mentionsift_output_topic_max_message_bytes", "topic", m->topics[t],
                     atomic_load_explicit(&m->topic_max_bytes[t], memory_order_relaxed));
    }
    scalar_metric(out, "mentionsift_commits_total", "counter", "Offset commits that succeeded.",
                  (long long)SUM(m, commits), false);
    scalar_metric(out, "mentionsift_commit_errors_total", "counter", "Offset commits that failed.",
                  (long long)SUM(m, commit_errors), false);
    const ms_offenders_metrics *o = &m->offenders;
    scalar_metric(out, "mentionsift_offender_violations_total", "counter",
                  "House Rules violations counted by the offenders stage (2.24).",
                  (long long)atomic_load(&o->violations), false);
    scalar_metric(out, "mentionsift_offender_duplicates_total", "counter",
                  "Moderation records not counted: an event already counted, or too old to count.",
                  (long long)atomic_load(&o->duplicates), false);
    scalar_metric(out, "mentionsift_offender_replayed_total", "counter",
                  "Moderation records read again to rebuild the ledger after an assignment.",
                  (long long)atomic_load(&o->replayed), false);
    scalar_metric(out, "mentionsift_repeat_offenders_total", "counter",
                  "Repeat-offender records delivered for the Specialist's review.",
                  (long long)atomic_load(&o->alerts), false);
    scalar_metric(out, "mentionsift_repeat_offender_errors_total", "counter",
                  "Repeat-offender records the broker did not accept.",
                  (long long)atomic_load(&o->errors), false);
    scalar_metric(out, "mentionsift_offender_authors", "gauge",
                  "Authors with violations in the offenders ledger.",
                  (long long)atomic_load(&o->authors), true);
    scalar_metric(out, "mentionsift_consumer_lag", "gauge",
                  "Messages behind the end of the assigned partitions.",
                  (long long)lag_sum(m), true);

    /* histogram: one snapshot of the buckets, accumulated */
    uint64_t buckets[MS_LATENCY_BUCKETS + 1] = {0};
    for (int b = 0; b <= MS_LATENCY_BUCKETS; b++)
        buckets[b] = SUM(m, latency_bucket[b]);
    const char *h = "mentionsift_processing_latency_seconds";
    head(out, h, "histogram", "Time from an input record's timestamp to the broker "
                              "acknowledging its outputs.");
    uint64_t cum = 0;
    for (int b = 0; b < MS_LATENCY_BUCKETS; b++) {
        cum += buckets[b];
        ms_buf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", h, ms_latency_bounds[b],
                      (unsigned long long)cum);
    }
    cum += buckets[MS_LATENCY_BUCKETS];
    ms_buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n", h, (unsigned long long)cum);
    ms_buf_printf(out, "%s_sum %.6f\n", h, latency_sum_s(m));
    ms_buf_printf(out, "%s_count %llu\n", h, (unsigned long long)cum);

    scalar_metric(out, "mentionsift_workers", "gauge", "Worker threads.", m->n_workers, true);
    scalar_metric(out, "mentionsift_ready", "gauge",
                  "1 once the rule set is loaded and every worker has had a partition "
                  "assignment.",
                  ms_metrics_ready(m), true);
}
