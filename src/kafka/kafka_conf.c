/*
 * kafka_conf.c - see kafka_conf.h.
 *
 * Settings that the delivery guarantee relies on, and why:
 *   consumer enable.auto.offset.store=false  offsets are stored by the worker
 *            only once every output of the event is acknowledged;
 *   consumer enable.auto.commit=true         stored offsets are committed in
 *            the background (and synchronously on revoke and shutdown);
 *   producer enable.idempotence=true, acks=all  retries never duplicate or
 *            reorder outputs within a partition.
 */
#include "kafka/kafka_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/** @brief librdkafka's log callback, called from its own threads: log the line at our level with
 *  the client name and facility (ms_log is thread-safe). */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    /* syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug */
    ms_log_level l = level <= 3 ? MS_LOG_ERROR : level == 4 ? MS_LOG_WARN
                                : level <= 6            ? MS_LOG_INFO
                                                        : MS_LOG_DEBUG;
    ms_log(l, "librdkafka", buf, "client", rd_kafka_name(rk), "facility", fac, NULL);
}

bool ms_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, char *err,
                       size_t errlen)
{
    char rd_err[256];
    rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, key, value, rd_err, sizeof rd_err);
    if (r != RD_KAFKA_CONF_OK) {
        /* an unknown key may be a misspelt secret (sasl.passwd): its value
         * is not shown either */
        bool hide = ms_config_is_secret(key) || r == RD_KAFKA_CONF_UNKNOWN;
        snprintf(err, errlen, "kafka property '%s'%s%s%s: %s", key, hide ? "" : " = '",
                 hide ? "" : value, hide ? "" : "'", rd_err);
        return false;
    }
    return true;
}

/** @brief Whether the user set librdkafka property `key` for `role` (kafka.common or the role's
 *  own list). */
static bool user_set(const ms_config *c, ms_client_role role, const char *key)
{
    const ms_kv_list *lists[] = {&c->common,
                                 role == MS_CLIENT_CONSUMER ? &c->consumer : &c->producer};
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->n; i++)
            if (!strcmp(lists[l]->v[i].key, key))
                return true;
    return false;
}

bool ms_kafka_conf_exactly_once(rd_kafka_conf_t *conf, const ms_config *c, ms_client_role role,
                                const char *transactional_id, char *err, size_t errlen)
{
    if (role == MS_CLIENT_PRODUCER) {
        if (!ms_kafka_conf_set(conf, "transactional.id", transactional_id, err, errlen))
            return false;
        if (user_set(c, role, "socket.timeout.ms"))
            return true;
        /* librdkafka 2.0.2's send_offsets_to_transaction() waits for an
         * unreachable transaction coordinator up to socket.timeout.ms
         * (60 s) whatever timeout it is given; a stop that comes meanwhile
         * cannot proceed until it returns. Half the stop's budget keeps a
         * stop during an outage inside processing.shutdown_timeout_ms. */
        unsigned long t = c->shutdown_timeout_ms / 2;
        t = t < 1000 ? 1000 : t > 60000 ? 60000 : t;
        /* librdkafka refuses a socket.timeout.ms over transaction.timeout.ms
         * (+ 100 ms) once it is set explicitly */
        char v[24];
        size_t n = sizeof v;
        if (rd_kafka_conf_get(conf, "transaction.timeout.ms", v, &n) == RD_KAFKA_CONF_OK) {
            unsigned long txn = strtoul(v, NULL, 10);
            if (txn && txn < t)
                t = txn;
        }
        snprintf(v, sizeof v, "%lu", t);
        return ms_kafka_conf_set(conf, "socket.timeout.ms", v, err, errlen);
    }
    return ms_kafka_conf_set(conf, "enable.auto.commit", "false", err, errlen) &&
           ms_kafka_conf_set(conf, "isolation.level", "read_committed", err, errlen);
}

/** @brief Set every property of passthrough list `l` on `conf`, in order; false at the first one
 *  refused, with `err` set (secret values left out). */
static bool apply(rd_kafka_conf_t *conf, const ms_kv_list *l, char *err, size_t errlen)
{
    for (size_t i = 0; i < l->n; i++)
        if (!ms_kafka_conf_set(conf, l->v[i].key, l->v[i].value, err, errlen))
            return false;
    return true;
}

/** @brief False (with `err`) when exactly_once meets a cooperative partition.assignment.strategy.
 *  At least once follows either protocol (worker.c's rebalance callback). A transaction's outputs
 *  span every partition the worker holds, so a revoke aborts it and rewinds all of them; that path
 *  is proven by the fault tests with eager rebalances only, so it is not offered with cooperative
 *  ones until it is. */
static bool assignor_fits_guarantee(const ms_config *c, rd_kafka_conf_t *conf, char *err,
                                    size_t errlen)
{
    char v[256];
    size_t n = sizeof v;
    if (c->guarantee != MS_EXACTLY_ONCE ||
        rd_kafka_conf_get(conf, "partition.assignment.strategy", v, &n) != RD_KAFKA_CONF_OK ||
        !strstr(v, "cooperative"))
        return true;
    snprintf(err, errlen,
             "kafka property 'partition.assignment.strategy' = '%s': with processing.guarantee "
             "exactly_once only eager assignors are supported (range, roundrobin); "
             "cooperative-sticky works with at_least_once",
             v);
    return false;
}

/** @brief Make a configured group.instance.id (static membership) one per consumer: each worker
 *  and the offenders stage has a consumer of its own, and two members with one id fence each
 *  other (FENCED_INSTANCE_ID, fatal). It becomes "<id>.<client_id>", as stable across restarts of
 *  the process as the client ids are. */
static bool static_member_per_client(rd_kafka_conf_t *conf, const char *client_id, char *err,
                                     size_t errlen)
{
    char v[256], id[512];
    size_t n = sizeof v;
    if (rd_kafka_conf_get(conf, "group.instance.id", v, &n) != RD_KAFKA_CONF_OK || !v[0])
        return true;
    if ((size_t)snprintf(id, sizeof id, "%s.%s", v, client_id) >= sizeof id) {
        snprintf(err, errlen, "kafka property 'group.instance.id' = '%s': too long", v);
        return false;
    }
    return ms_kafka_conf_set(conf, "group.instance.id", id, err, errlen);
}

rd_kafka_conf_t *ms_kafka_conf_new(const ms_config *c, ms_client_role role, const char *client_id,
                                   char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!conf) {
        snprintf(err, errlen, "rd_kafka_conf_new: out of memory");
        return NULL;
    }
    bool ok = ms_kafka_conf_set(conf, "bootstrap.servers", c->bootstrap_servers, err, errlen) &&
              ms_kafka_conf_set(conf, "client.id", client_id, err, errlen);
    if (ok && role == MS_CLIENT_CONSUMER)
        ok = ms_kafka_conf_set(conf, "group.id", c->group_id, err, errlen) &&
             ms_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, errlen) &&
             ms_kafka_conf_set(conf, "auto.commit.interval.ms", "500", err, errlen);
    if (ok && role == MS_CLIENT_PRODUCER)
        ok = ms_kafka_conf_set(conf, "linger.ms", "5", err, errlen);
    ok = ok && apply(conf, &c->common, err, errlen) &&
         apply(conf, role == MS_CLIENT_CONSUMER ? &c->consumer : &c->producer, err, errlen);
    if (ok && role == MS_CLIENT_CONSUMER)
        ok = assignor_fits_guarantee(c, conf, err, errlen) &&
             static_member_per_client(conf, client_id, err, errlen) &&
             ms_kafka_conf_set(conf, "enable.auto.offset.store", "false", err, errlen) &&
             ms_kafka_conf_set(conf, "enable.auto.commit", "true", err, errlen) &&
             ms_kafka_conf_set(conf, "enable.partition.eof", "false", err, errlen);
    if (ok && role == MS_CLIENT_PRODUCER)
        ok = ms_kafka_conf_set(conf, "enable.idempotence", "true", err, errlen) &&
             ms_kafka_conf_set(conf, "acks", "all", err, errlen);
    if (!ok) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, log_cb);
    return conf;
}
