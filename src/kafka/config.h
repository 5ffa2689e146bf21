/*
 * config.h - the service's configuration: a YAML file (the same format
 * family as the rules), overridden by MENTIONSIFT_* environment variables,
 * validated once at start-up.
 *
 * File layout (every key optional; defaults shown in config_defaults()):
 *
 *   kafka:
 *     bootstrap.servers: 127.0.0.1:9092
 *     group.id: mentionsift
 *     consumer: { <any librdkafka consumer property>: value }
 *     producer: { <any librdkafka producer property>: value }
 *   input:
 *     topics: [whg.mentions, whg.comments, whg.inbox]
 *     encoding: auto            # json | protobuf | auto
 *   output:
 *     encoding: protobuf        # protobuf | json
 *     redact: true
 *     topics:                   # per category name, plus moderation, urgent, deadletter,
 *                               # repeat_offender
 *       complaint: whg.classified.complaint
 *       ...
 *   rules: /path/to/rules
 *   workers: 0                  # 0: one per core
 *   processing:
 *     guarantee: at_least_once  # at_least_once | exactly_once
 *     max_event_bytes: 1048576
 *     max_text_bytes: 65536
 *     max_in_flight: 50000      # per worker, events awaiting broker acks
 *     shutdown_timeout_ms: 10000
 *     instance_id: ""           # exactly_once: names this process's transactional
 *                               # ids; set it to a stable name (e.g. the pod name)
 *                               # so a restart fences its predecessor at once.
 *                               # Default: hostname-pid
 *     passthrough: false        # benchmark baseline: copy input to the 'other'
 *                               # topic without decoding or classifying
 *   offenders:                  # repeat offenders (2.24): read the moderation
 *     enabled: true             # topic, count each author's violations and put
 *     threshold: 3              # authors reaching `threshold` within the window
 *     window_hours: 720         # on output.topics.repeat_offender for the
 *     max_authors: 100000       # Specialist (authors remembered at most)
 *   http:
 *     listen: 127.0.0.1:9464    # "off" disables the endpoint
 *   log:
 *     level: info               # debug | info | warn | error
 *
 * Environment: MENTIONSIFT_<PATH> with dots and nesting as '_' overrides a
 * scalar, e.g. MENTIONSIFT_WORKERS=4, MENTIONSIFT_KAFKA_BOOTSTRAP_SERVERS=...,
 * MENTIONSIFT_KAFKA_GROUP_ID=..., MENTIONSIFT_HTTP_LISTEN=off,
 * MENTIONSIFT_PROCESSING_GUARANTEE=exactly_once. librdkafka properties pass
 * through as MENTIONSIFT_KAFKA_CONSUMER_<PROP> / MENTIONSIFT_KAFKA_PRODUCER_<PROP>
 * (and MENTIONSIFT_KAFKA_COMMON_<PROP> for both) with '_' read as '.', e.g.
 * MENTIONSIFT_KAFKA_COMMON_SASL_PASSWORD.
 *
 * Secrets: any property whose name contains "password", "secret", "key" or
 * "token" (sasl.password, ssl.key.password, ...) is never printed; the
 * config dump shows it as "[redacted]".
 */
#ifndef MS_CONFIG_H
#define MS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/mention.h"

typedef enum ms_guarantee {
    MS_AT_LEAST_ONCE = 0,
    MS_EXACTLY_ONCE,
} ms_guarantee;

typedef enum ms_log_level {
    MS_LOG_DEBUG = 0,
    MS_LOG_INFO,
    MS_LOG_WARN,
    MS_LOG_ERROR,
} ms_log_level;

/** Extra output topics beside the per-category ones. */
typedef enum ms_route {
    MS_ROUTE_MODERATION = 0,
    MS_ROUTE_URGENT,
    MS_ROUTE_DEADLETTER,
    MS_ROUTE_REPEAT_OFFENDER, /* written by the offenders stage, not by routing */
    MS_ROUTE_COUNT
} ms_route;

typedef struct ms_kv {
    char *key, *value;
} ms_kv;

typedef struct ms_kv_list {
    ms_kv *v;
    size_t n, cap;
} ms_kv_list;

#define MS_MAX_INPUT_TOPICS 16

typedef struct ms_config {
    char *path;                        /* the file it came from, or NULL */
    char *bootstrap_servers;
    char *group_id;
    ms_kv_list common, consumer, producer; /* librdkafka passthrough */
    char *input_topics[MS_MAX_INPUT_TOPICS];
    size_t n_input_topics;
    ms_encoding input_encoding;        /* MS_ENC_AUTO allowed */
    ms_encoding output_encoding;
    bool redact;
    char *category_topic[MS_CAT_COUNT];
    char *route_topic[MS_ROUTE_COUNT];
    char *rules_dir;
    int workers;                       /* resolved: >= 1 after load */
    ms_guarantee guarantee;
    uint32_t max_event_bytes, max_text_bytes, max_in_flight;
    uint32_t shutdown_timeout_ms;
    bool passthrough;                  /* bench baseline: no decode, no classify */
    char *instance_id;                 /* NULL: hostname-pid */
    char *http_listen;                 /* NULL when off */
    bool offenders_enabled;            /* the repeat-offender stage (2.24) */
    uint32_t offenders_threshold;      /* violations within the window */
    uint32_t offenders_window_hours;
    uint32_t offenders_max_authors;
    ms_log_level log_level;
} ms_config;

/**
 * @brief Fill `c` with defaults, then read `path` (NULL: defaults only),
 * then apply the environment. On any error returns false and appends every
 * problem to `errors` as "file:line: key 'x': message" (or
 * "environment: MENTIONSIFT_X: message").
 */
bool ms_config_load(ms_config *c, const char *path, char *const *envp, ms_buf *errors);
void ms_config_free(ms_config *c);

/**
 * @brief A human-readable dump, one "key = value" line per setting, secrets
 * redacted; backslash and control bytes in keys and values are shown as C
 * escapes, so no value can forge a line.
 */
void ms_config_dump(const ms_config *c, ms_buf *out);

/** @brief True if a property name looks secret (password, secret, key, token). */
bool ms_config_is_secret(const char *key);

const char *ms_route_name(ms_route r);

#endif
