/*
 * topic_limits.c - see topic_limits.h.
 *
 * One DescribeConfigs request covers every output topic; the answer is a
 * list of resources, each with its own error (a topic that does not exist
 * answers UNKNOWN_TOPIC_OR_PART and keeps an unknown limit). A failed
 * request leaves the table as it was: a limit once known is better than
 * none, and a refusal asks again.
 */
#include "kafka/topic_limits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

void ms_topic_limits_init(ms_topic_limits *l, const char *const *names, size_t n)
{
    l->names = names;
    l->n = n < MS_MAX_TOPICS ? n : MS_MAX_TOPICS;
    for (size_t t = 0; t < MS_MAX_TOPICS; t++)
        atomic_store_explicit(&l->max_bytes[t], 0, memory_order_relaxed);
    atomic_store(&l->answered, false);
    atomic_store(&l->failures, 0);
}

bool ms_topic_limits_answered(const ms_topic_limits *l)
{
    return atomic_load(&l->answered);
}

void ms_topic_limits_request(const ms_topic_limits *l, rd_kafka_t *rk, rd_kafka_queue_t *q,
                             int timeout_ms)
{
    rd_kafka_ConfigResource_t *res[MS_MAX_TOPICS];
    for (size_t t = 0; t < l->n; t++)
        res[t] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, l->names[t]);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    char err[256];
    if (rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, err, sizeof err))
        ms_log(MS_LOG_WARN, "topic-limits", "request timeout not set", "reason", err, NULL);
    rd_kafka_DescribeConfigs(rk, res, l->n, o, q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy_array(res, l->n);
}

/** @brief The index of topic `name`, or -1. */
static int topic_index(const ms_topic_limits *l, const char *name)
{
    for (size_t t = 0; t < l->n; t++)
        if (strcmp(l->names[t], name) == 0)
            return (int)t;
    return -1;
}

/** @brief max.message.bytes among a topic's config entries, 0 if absent or bad. */
static uint32_t resource_limit(const rd_kafka_ConfigResource_t *r)
{
    size_t n = 0;
    const rd_kafka_ConfigEntry_t **e = rd_kafka_ConfigResource_configs(r, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rd_kafka_ConfigEntry_name(e[i]), "max.message.bytes") != 0)
            continue;
        const char *v = rd_kafka_ConfigEntry_value(e[i]);
        if (!v)
            return 0;
        errno = 0;
        char *end;
        unsigned long long x = strtoull(v, &end, 10);
        return errno || end == v || *end || x == 0 || x > UINT32_MAX ? 0 : (uint32_t)x;
    }
    return 0;
}

/** @brief Count a lookup that failed; logged only the first time: a cluster
 *  without the API fails every time. */
static void count_failure(ms_topic_limits *l, const char *error, const char *reason)
{
    bool first = atomic_fetch_add(&l->failures, 1) == 0;
    ms_log(first ? MS_LOG_INFO : MS_LOG_DEBUG, "topic-limits",
           "output topic limits not known (asked again later): a refused batch is judged "
           "without them",
           "error", error, "reason", reason, NULL);
}

/** @brief Apply one DescribeConfigs answer; logs what it learnt or why not. */
static ms_limits_poll apply_answer(ms_topic_limits *l, rd_kafka_event_t *ev)
{
    rd_kafka_resp_err_t e = rd_kafka_event_error(ev);
    if (e) {
        count_failure(l, rd_kafka_err2name(e), rd_kafka_event_error_string(ev));
        return MS_LIMITS_FAILED;
    }
    atomic_store(&l->answered, true);
    size_t n = 0;
    const rd_kafka_ConfigResource_t **res =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
    for (size_t i = 0; i < n; i++) {
        const char *name = rd_kafka_ConfigResource_name(res[i]);
        int t = topic_index(l, name);
        if (t < 0)
            continue;
        rd_kafka_resp_err_t re = rd_kafka_ConfigResource_error(res[i]);
        if (re) { /* e.g. not created yet: what was known stays */
            ms_log(MS_LOG_DEBUG, "topic-limits", "output topic limit not known", "topic", name,
                   "error", rd_kafka_err2name(re), NULL);
            continue;
        }
        uint32_t limit = resource_limit(res[i]);
        if (!limit) /* no usable max.message.bytes in the answer: keep what was known */
            continue;
        uint32_t old = atomic_exchange_explicit(&l->max_bytes[t], limit, memory_order_relaxed);
        if (limit != old) {
            char was[16], now[16];
            snprintf(was, sizeof was, "%u", old);
            snprintf(now, sizeof now, "%u", limit);
            ms_log(MS_LOG_INFO, "topic-limits", "output topic takes records up to", "topic",
                   name, "max_message_bytes", now, "was", old ? was : "unknown", NULL);
        }
    }
    return MS_LIMITS_APPLIED;
}

ms_limits_poll ms_topic_limits_poll(ms_topic_limits *l, rd_kafka_queue_t *q, int timeout_ms)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms);
    if (!ev)
        return MS_LIMITS_NONE;
    ms_limits_poll r = rd_kafka_event_type(ev) == RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT
                           ? apply_answer(l, ev)
                           : MS_LIMITS_FAILED;
    rd_kafka_event_destroy(ev);
    return r;
}

bool ms_topic_limits_controller_known(rd_kafka_t *rk, int timeout_ms, char *why, size_t whylen)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms);
    if (e) {
        snprintf(why, whylen, "no cluster metadata: %s: %s", rd_kafka_err2name(e),
                 rd_kafka_err2str(e));
        return false;
    }
    /* cached by the metadata answer just read: no wait */
    int32_t controller = rd_kafka_controllerid(rk, 0);
    bool found = false;
    for (int b = 0; b < md->broker_cnt && !found; b++)
        found = md->brokers[b].id == controller;
    if (!found)
        snprintf(why, whylen,
                 "the cluster names controller %d, which is none of its %d brokers "
                 "(DescribeConfigs goes to the controller)",
                 (int)controller, md->broker_cnt);
    rd_kafka_metadata_destroy(md);
    return found;
}

size_t ms_topic_limits_fetch(ms_topic_limits *l, rd_kafka_t *rk, int timeout_ms)
{
    char why[256];
    if (!ms_topic_limits_controller_known(rk, timeout_ms, why, sizeof why)) {
        count_failure(l, "controller unknown", why);
        return ms_topic_limits_known(l);
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    if (!q)
        return 0;
    ms_topic_limits_request(l, rk, q, timeout_ms);
    /* the request's own timeout answers it; the margin covers the queueing */
    ms_topic_limits_poll(l, q, timeout_ms + 1000);
    rd_kafka_queue_destroy(q);
    return ms_topic_limits_known(l);
}

size_t ms_topic_limits_known(const ms_topic_limits *l)
{
    size_t known = 0;
    for (size_t t = 0; t < l->n; t++)
        known += ms_topic_limits_get(l, t) != 0;
    return known;
}

uint32_t ms_topic_limits_get(const ms_topic_limits *l, size_t t)
{
    return t < l->n ? atomic_load_explicit(&l->max_bytes[t], memory_order_relaxed) : 0;
}

uint32_t ms_topic_limits_min(const ms_topic_limits *l, uint64_t mask)
{
    uint32_t min = 0;
    for (size_t t = 0; t < l->n; t++) {
        uint32_t v = (mask >> t) & 1 ? ms_topic_limits_get(l, t) : 0;
        if (v && (!min || v < min))
            min = v;
    }
    return min;
}

size_t ms_record_bytes(size_t key_len, size_t value_len, const rd_kafka_headers_t *h)
{
    size_t n = MS_RECORD_OVERHEAD + key_len + value_len;
    const char *name;
    const void *value;
    size_t size;
    for (size_t i = 0; h && rd_kafka_header_get_all(h, i, &name, &value, &size) == 0; i++)
        n += strlen(name) + size + 10; /* two varint lengths at their widest */
    return n;
}
