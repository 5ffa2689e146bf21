/*
 * config.c - loading and validating the service configuration (config.h).
 *
 * Three layers, each overriding the one before:
 *   1. defaults (config_defaults());
 *   2. the YAML file, read with libyaml's document API so every node keeps
 *      its line number;
 *   3. MENTIONSIFT_* environment variables.
 *
 * Every setting is one entry of a key table built per load (key_table()):
 * its dotted path ("processing.max_in_flight"), its kind (topic, integer,
 * encoding, ...) and the field it sets. The YAML walker turns nesting into
 * dotted paths (so `kafka: {bootstrap.servers: x}` and a flat
 * `kafka.bootstrap.servers: x` are the same key) and looks them up there;
 * the environment derives each key's variable name from the same path
 * ("MENTIONSIFT_" + upper-case path, '.' read as '_'). Both layers then call
 * the same set_key(), so a value is validated the same way wherever it comes
 * from. librdkafka passthrough maps (kafka.common / consumer / producer)
 * accept any scalar: librdkafka validates those properties itself when the
 * service sets them.
 *
 * Nothing stops at the first problem: every unknown key, bad value and
 * unknown variable is appended to the caller's error buffer, one per line,
 * as "file:line: key 'x': message" or "environment: MENTIONSIFT_X: message".
 * The value of a secret (ms_config_is_secret) is never printed.
 */
#include "kafka/config.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "decide/offenders.h"

#define MS_ENV_PREFIX "MENTIONSIFT_"
#define MS_MAX_CONFIG_BYTES (1u << 20)
#define MS_MAX_WORKERS 256
#define MS_MAX_TOPIC_LEN 249

/* MENTIONSIFT_* variables read by other parts of the program, not config. */
static const char *const ms_env_elsewhere[] = {
    "MENTIONSIFT_CACHE_DIR", /* rule-set cache directory (match/ruleset.c) */
    NULL,
};

static const char *const ms_route_names[MS_ROUTE_COUNT] = {
    [MS_ROUTE_MODERATION] = "moderation",
    [MS_ROUTE_URGENT] = "urgent",
    [MS_ROUTE_DEADLETTER] = "deadletter",
    [MS_ROUTE_REPEAT_OFFENDER] = "repeat_offender",
};

static const char *const ms_level_names[] = {
    [MS_LOG_DEBUG] = "debug",
    [MS_LOG_INFO] = "info",
    [MS_LOG_WARN] = "warn",
    [MS_LOG_ERROR] = "error",
};

static const char *const ms_guarantee_names[] = {
    [MS_AT_LEAST_ONCE] = "at_least_once",
    [MS_EXACTLY_ONCE] = "exactly_once",
};

static const char *const ms_encoding_names[] = {
    [MS_ENC_JSON] = "json",
    [MS_ENC_PROTOBUF] = "protobuf",
    [MS_ENC_AUTO] = "auto",
};

/* ---- key table ------------------------------------------------------ */

typedef enum key_kind {
    K_STRING,    /* non-empty string */
    K_TOPIC,     /* one Kafka topic name */
    K_TOPICS,    /* the input topic list */
    K_ENC_IN,    /* json | protobuf | auto */
    K_ENC_OUT,   /* json | protobuf */
    K_BOOL,
    K_WORKERS,   /* int, 0..MS_MAX_WORKERS */
    K_U32,       /* uint32_t in [min, max] */
    K_GUARANTEE,
    K_LISTEN,    /* HOST:PORT or "off" */
    K_LEVEL,
} key_kind;

typedef struct key_def {
    char path[64];
    key_kind kind;
    void *field;
    uint32_t min, max;
} key_def;

/* Where a value came from: a line of the file, or an environment variable. */
typedef struct where {
    int line;
    const char *env;
} where;

typedef struct seen_path {
    char *path;
    int line;
} seen_path;

typedef struct cfg_loader {
    ms_config *c;
    ms_buf *errors;
    int n_errors;
    const char *file;
    yaml_document_t *doc;
    key_def keys[32 + MS_CAT_COUNT + MS_ROUTE_COUNT];
    size_t n_keys;
    seen_path *seen;
    size_t n_seen, cap_seen;
} cfg_loader;

/** @brief Append one problem as "file:line: msg" / "environment: VAR: msg". */
static void report(cfg_loader *L, const where *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(cfg_loader *L, const where *w, const char *fmt, ...)
{
    L->n_errors++;
    if (!L->errors)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (w && w->env)
        ms_buf_printf(L->errors, "environment: %s: %s\n", w->env, msg);
    else if (w && w->line > 0)
        ms_buf_printf(L->errors, "%s:%d: %s\n", L->file ? L->file : "config", w->line, msg);
    else
        ms_buf_printf(L->errors, "%s: %s\n", L->file ? L->file : "config", msg);
}

/** @brief The subject of a value message: "key 'x'" in the file, "" for env. */
static const char *subject(const where *w, const char *path, char *buf, size_t n)
{
    if (w->env)
        return "";
    snprintf(buf, n, "key '%s': ", path);
    return buf;
}

/** @brief Quote a bad value for a message, or hide it when it is a secret. */
static const char *shown(const char *path, const char *value, char *buf, size_t n)
{
    if (ms_config_is_secret(path)) {
        snprintf(buf, n, "the value");
        return buf;
    }
    size_t len = strlen(value);
    if (len > 80)
        snprintf(buf, n, "'%.77s...'", value);
    else
        snprintf(buf, n, "'%s'", value);
    return buf;
}

/** @brief Report a bad value of `path` with the subject and value prefixed. */
static void bad_value(cfg_loader *L, const where *w, const char *path, const char *value,
                      const char *why)
{
    char sb[640], vb[96];
    report(L, w, "%s%s %s", subject(w, path, sb, sizeof sb),
           shown(path, value, vb, sizeof vb), why);
}

/** @brief Add setting `path` of `kind`, stored at `field`, numbers limited to [min, max]; L->keys
 *  is sized for every setting (asserted). */
static void add_key(cfg_loader *L, const char *path, key_kind kind, void *field, uint32_t min,
                    uint32_t max)
{
    assert(L->n_keys < sizeof L->keys / sizeof L->keys[0]);
    key_def *k = &L->keys[L->n_keys++];
    snprintf(k->path, sizeof k->path, "%s", path);
    k->kind = kind;
    k->field = field;
    k->min = min;
    k->max = max;
}

/** @brief Build the table of every scalar setting, pointing into L->c. */
static void key_table(cfg_loader *L)
{
    ms_config *c = L->c;
    L->n_keys = 0;
    add_key(L, "kafka.bootstrap.servers", K_STRING, &c->bootstrap_servers, 0, 0);
    add_key(L, "kafka.group.id", K_STRING, &c->group_id, 0, 0);
    add_key(L, "input.topics", K_TOPICS, NULL, 0, 0);
    add_key(L, "input.encoding", K_ENC_IN, &c->input_encoding, 0, 0);
    add_key(L, "output.encoding", K_ENC_OUT, &c->output_encoding, 0, 0);
    add_key(L, "output.redact", K_BOOL, &c->redact, 0, 0);
    for (int i = 0; i < MS_CAT_COUNT; i++) {
        char p[64];
        snprintf(p, sizeof p, "output.topics.%s", ms_category_name((ms_category)i));
        add_key(L, p, K_TOPIC, &c->category_topic[i], 0, 0);
    }
    for (int i = 0; i < MS_ROUTE_COUNT; i++) {
        char p[64];
        snprintf(p, sizeof p, "output.topics.%s", ms_route_names[i]);
        add_key(L, p, K_TOPIC, &c->route_topic[i], 0, 0);
    }
    add_key(L, "rules", K_STRING, &c->rules_dir, 0, 0);
    add_key(L, "workers", K_WORKERS, &c->workers, 0, MS_MAX_WORKERS);
    add_key(L, "processing.guarantee", K_GUARANTEE, &c->guarantee, 0, 0);
    add_key(L, "processing.max_event_bytes", K_U32, &c->max_event_bytes, 1, 1u << 30);
    add_key(L, "processing.max_text_bytes", K_U32, &c->max_text_bytes, 1, 1u << 30);
    add_key(L, "processing.max_in_flight", K_U32, &c->max_in_flight, 1, 10000000);
    add_key(L, "processing.shutdown_timeout_ms", K_U32, &c->shutdown_timeout_ms, 0, 3600000);
    add_key(L, "processing.passthrough", K_BOOL, &c->passthrough, 0, 0);
    add_key(L, "processing.instance_id", K_STRING, &c->instance_id, 0, 0);
    add_key(L, "offenders.enabled", K_BOOL, &c->offenders_enabled, 0, 0);
    add_key(L, "offenders.threshold", K_U32, &c->offenders_threshold, 2, MS_OFFENCES_KEPT);
    add_key(L, "offenders.window_hours", K_U32, &c->offenders_window_hours, 1, 24 * 366);
    add_key(L, "offenders.max_authors", K_U32, &c->offenders_max_authors, 1, 10000000);
    add_key(L, "http.listen", K_LISTEN, &c->http_listen, 0, 0);
    add_key(L, "log.level", K_LEVEL, &c->log_level, 0, 0);
}

/** @brief The table entry of dotted key `path`, or NULL when no setting has that name. */
static const key_def *find_key(const cfg_loader *L, const char *path)
{
    for (size_t i = 0; i < L->n_keys; i++)
        if (strcmp(L->keys[i].path, path) == 0)
            return &L->keys[i];
    return NULL;
}

/** @brief The environment variable of a key path: MENTIONSIFT_ + upper, '.'->'_'. */
static void env_name(const char *path, char *buf, size_t n)
{
    size_t j = snprintf(buf, n, "%s", MS_ENV_PREFIX);
    for (const char *p = path; *p && j + 1 < n; p++)
        buf[j++] = *p == '.' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    buf[j < n ? j : n - 1] = '\0';
}

/* Sections: mappings whose keys continue the dotted path. */
static bool is_section(const char *path)
{
    static const char *const sections[] = {"kafka", "input",     "output", "output.topics",
                                           "processing", "offenders", "http", "log", NULL};
    for (const char *const *s = sections; *s; s++)
        if (strcmp(*s, path) == 0)
            return true;
    return false;
}

/* librdkafka passthrough: "kafka.common" etc.; returns the list or NULL. */
static ms_kv_list *passthrough_root(ms_config *c, const char *path)
{
    if (strcmp(path, "kafka.common") == 0)
        return &c->common;
    if (strcmp(path, "kafka.consumer") == 0)
        return &c->consumer;
    if (strcmp(path, "kafka.producer") == 0)
        return &c->producer;
    return NULL;
}

/* ---- small helpers -------------------------------------------------- */

/** @brief Replace string `*field` with a copy of `value`; false, `*field` unchanged, on ENOMEM. */
static bool set_str(char **field, const char *value)
{
    char *s = strdup(value);
    if (!s)
        return false;
    free(*field);
    *field = s;
    return true;
}

/** @brief Set or replace `key` in a passthrough list; false on ENOMEM. */
static bool kv_set(ms_kv_list *l, const char *key, const char *value)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].key, key) == 0)
            return set_str(&l->v[i].value, value);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        ms_kv *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return false;
    }
    l->v[l->n++] = (ms_kv){k, v};
    return true;
}

/** @brief Free every key and value of a passthrough list and leave it empty, ready for reuse. */
static void kv_free(ms_kv_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].value);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

/** @brief Index of `s` among the `n` `names` (NULL entries skipped), or -1; case-sensitive. */
static int name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

/**
 * @brief Check a Kafka topic name; NULL when legal, else why not (static text
 * or `buf`).
 */
static const char *topic_problem(const char *t, char *buf, size_t n)
{
    size_t len = strlen(t);
    if (len == 0)
        return "is empty; a topic name is needed";
    if (len > MS_MAX_TOPIC_LEN)
        return "is longer than 249 characters, the Kafka limit for topic names";
    if (strcmp(t, ".") == 0 || strcmp(t, "..") == 0)
        return "is not a legal Kafka topic name";
    for (const char *p = t; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        if (!ok) {
            if (ch > 32 && ch < 127)
                snprintf(buf, n, "contains '%c'; topic names may only contain a-z, A-Z, 0-9, "
                                 "'.', '_' and '-'", ch);
            else
                snprintf(buf, n, "contains byte 0x%02x; topic names may only contain a-z, "
                                 "A-Z, 0-9, '.', '_' and '-'", ch);
            return buf;
        }
    }
    return NULL;
}

/** @brief Parse a decimal integer made of digits only; false if not or too big. */
static bool parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!*s)
        return false;
    unsigned long long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned)(*p - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

/** @brief Parse true/yes/on/1 or false/no/off/0, any case; else false with `*out` untouched. */
static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1", NULL};
    static const char *const no[] = {"false", "no", "off", "0", NULL};
    for (const char *const *p = yes; *p; p++)
        if (strcasecmp(s, *p) == 0)
            return *out = true, true;
    for (const char *const *p = no; *p; p++)
        if (strcasecmp(s, *p) == 0)
            return *out = false, true;
    return false;
}

/**
 * @brief Check "HOST:PORT" (HOST an IPv4 address, "localhost" or a bracketed
 * IPv6 address; PORT 0-65535, 0 meaning any free port). NULL when valid,
 * else why not.
 */
static const char *listen_problem(const char *s)
{
    char host[64];
    const char *port;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return "is not HOST:PORT (an IPv6 host is written [::1]:9464)";
        size_t hl = (size_t)(close - s - 1);
        if (hl == 0 || hl >= sizeof host)
            return "has no valid IPv6 address between [ and ]";
        memcpy(host, s + 1, hl);
        host[hl] = '\0';
        struct in6_addr a6;
        if (inet_pton(AF_INET6, host, &a6) != 1)
            return "has no valid IPv6 address between [ and ]";
        port = close + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (!colon)
            return "is not HOST:PORT or 'off'";
        size_t hl = (size_t)(colon - s);
        if (hl == 0 || hl >= sizeof host)
            return "has no host before the ':' (use 127.0.0.1 or 0.0.0.0)";
        memcpy(host, s, hl);
        host[hl] = '\0';
        struct in_addr a4;
        if (strcmp(host, "localhost") != 0 && inet_pton(AF_INET, host, &a4) != 1)
            return "has a host that is not an IPv4 address, 'localhost' or [IPv6]";
        port = colon + 1;
    }
    unsigned long long p;
    if (!parse_uint(port, 65535, &p))
        return "has a port that is not a number between 0 and 65535";
    return NULL;
}

/** @brief Split a topic list (a comma-separated scalar) and set it. */
static bool set_topics(cfg_loader *L, const where *w, const char *path, char *const *topics,
                       size_t n)
{
    ms_config *c = L->c;
    char sb[640], vb[96], why[160];
    bool ok = true;
    if (n == 0) {
        report(L, w, "%sneeds at least one topic", subject(w, path, sb, sizeof sb));
        return false;
    }
    if (n > MS_MAX_INPUT_TOPICS) {
        report(L, w, "%shas %zu topics; at most %d are allowed", subject(w, path, sb, sizeof sb),
               n, MS_MAX_INPUT_TOPICS);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *p = topic_problem(topics[i], why, sizeof why);
        if (p) {
            report(L, w, "%stopic %s %s", subject(w, path, sb, sizeof sb),
                   shown(path, topics[i], vb, sizeof vb), p);
            ok = false;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(topics[i], topics[j]) == 0) {
                report(L, w, "%stopic %s is listed twice", subject(w, path, sb, sizeof sb),
                       shown(path, topics[i], vb, sizeof vb));
                ok = false;
                break;
            }
    }
    if (!ok)
        return false;
    char *copy[MS_MAX_INPUT_TOPICS] = {0};
    for (size_t i = 0; i < n; i++)
        if (!(copy[i] = strdup(topics[i]))) {
            for (size_t j = 0; j < i; j++)
                free(copy[j]);
            report(L, w, "%sout of memory", subject(w, path, sb, sizeof sb));
            return false;
        }
    for (size_t i = 0; i < c->n_input_topics; i++)
        free(c->input_topics[i]);
    memcpy(c->input_topics, copy, sizeof copy);
    c->n_input_topics = n;
    return true;
}

/** @brief Split "a, b,c" at commas (trimming blanks) and set the input topics. */
static bool set_topic_csv(cfg_loader *L, const where *w, const char *path, const char *value)
{
    char *dup = strdup(value);
    if (!dup) {
        report(L, w, "out of memory");
        return false;
    }
    char *list[MS_MAX_INPUT_TOPICS + 1];
    size_t n = 0, total = 0;
    for (char *tok = dup, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        while (*tok == ' ' || *tok == '\t')
            tok++;
        char *e = tok + strlen(tok);
        while (e > tok && (e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        if (!*tok && !next && total == 0)
            break; /* the empty string: no topics */
        total++;
        if (n <= MS_MAX_INPUT_TOPICS)
            list[n++] = tok;
    }
    bool ok;
    if (total > MS_MAX_INPUT_TOPICS) {
        char sb[640];
        report(L, w, "%shas %zu topics; at most %d are allowed", subject(w, path, sb, sizeof sb),
               total, MS_MAX_INPUT_TOPICS);
        ok = false;
    } else {
        ok = set_topics(L, w, path, list, n);
    }
    free(dup);
    return ok;
}

/**
 * @brief Validate `value` for key `k` and store it; reports and returns false
 * when it is not valid. Shared by the file and the environment.
 */
static bool set_key(cfg_loader *L, const where *w, const key_def *k, const char *value)
{
    char sb[640], why[256];
    const char *sub = subject(w, k->path, sb, sizeof sb);
    switch (k->kind) {
    case K_STRING:
        if (!*value) {
            report(L, w, "%sis empty; a value is needed", sub);
            return false;
        }
        break;
    case K_TOPIC: {
        const char *p = topic_problem(value, why, sizeof why);
        if (p) {
            bad_value(L, w, k->path, value, p);
            return false;
        }
        break;
    }
    case K_TOPICS:
        return set_topic_csv(L, w, k->path, value);
    case K_ENC_IN:
    case K_ENC_OUT: {
        int i = name_index(ms_encoding_names, k->kind == K_ENC_IN ? 3 : 2, value);
        if (i < 0) {
            bad_value(L, w, k->path, value,
                      k->kind == K_ENC_IN ? "is not an encoding: use json, protobuf or auto"
                                          : "is not an encoding: use protobuf or json");
            return false;
        }
        *(ms_encoding *)k->field = (ms_encoding)i;
        return true;
    }
    case K_BOOL: {
        bool b;
        if (!parse_bool(value, &b)) {
            bad_value(L, w, k->path, value, "is not a boolean: use true or false");
            return false;
        }
        *(bool *)k->field = b;
        return true;
    }
    case K_WORKERS:
    case K_U32: {
        unsigned long long v;
        if (!parse_uint(value, k->max, &v) || v < k->min) {
            snprintf(why, sizeof why, "is not an integer between %u and %u", k->min, k->max);
            bad_value(L, w, k->path, value, why);
            return false;
        }
        if (k->kind == K_WORKERS)
            *(int *)k->field = (int)v;
        else
            *(uint32_t *)k->field = (uint32_t)v;
        return true;
    }
    case K_GUARANTEE: {
        int i = name_index(ms_guarantee_names, 2, value);
        if (i < 0) {
            bad_value(L, w, k->path, value,
                      "is not a delivery guarantee: use at_least_once or exactly_once");
            return false;
        }
        *(ms_guarantee *)k->field = (ms_guarantee)i;
        return true;
    }
    case K_LEVEL: {
        int i = name_index(ms_level_names, 4, value);
        if (i < 0) {
            bad_value(L, w, k->path, value, "is not a log level: use debug, info, warn or error");
            return false;
        }
        *(ms_log_level *)k->field = (ms_log_level)i;
        return true;
    }
    case K_LISTEN:
        if (strcmp(value, "off") == 0) {
            free(*(char **)k->field);
            *(char **)k->field = NULL;
            return true;
        }
        {
            const char *p = listen_problem(value);
            if (p) {
                bad_value(L, w, k->path, value, p);
                return false;
            }
        }
        break;
    }
    /* string-valued kinds */
    if (!set_str((char **)k->field, value)) {
        report(L, w, "%sout of memory", sub);
        return false;
    }
    return true;
}

/* ---- defaults ------------------------------------------------------- */

/** @brief The topic each category goes to by default. */
static const char *default_category_topic(ms_category cat)
{
    if (cat < MS_CAT_HOUSE_RULES_END && cat != MS_CAT_MISINFORMATION)
        return "whg.classified.moderation";
    switch (cat) {
    case MS_CAT_MISINFORMATION:
        return "whg.classified.misinformation";
    case MS_CAT_COMPLAINT:
        return "whg.classified.complaint";
    case MS_CAT_REPAIR:
        return "whg.classified.repair";
    case MS_CAT_CONSENT_WITHDRAWAL:
        return "whg.classified.consent";
    case MS_CAT_INDIVIDUAL_CASE:
        return "whg.classified.case";
    case MS_CAT_QUESTION:
        return "whg.classified.question";
    case MS_CAT_POSITIVE:
        return "whg.classified.positive";
    default:
        return "whg.classified.other"; /* negative, external, vip, other */
    }
}

/** @brief Fill `c` with the defaults of config.h; false on ENOMEM. */
static bool config_defaults(ms_config *c)
{
    static const char *const inputs[] = {"whg.mentions", "whg.comments", "whg.inbox"};
    static const char *const routes[MS_ROUTE_COUNT] = {
        [MS_ROUTE_MODERATION] = "whg.classified.moderation",
        [MS_ROUTE_URGENT] = "whg.classified.urgent",
        [MS_ROUTE_DEADLETTER] = "whg.deadletter",
        [MS_ROUTE_REPEAT_OFFENDER] = "whg.classified.repeat_offender",
    };
    bool ok = set_str(&c->bootstrap_servers, "127.0.0.1:9092") &&
              set_str(&c->group_id, "mentionsift") && set_str(&c->http_listen, "127.0.0.1:9464");
    for (size_t i = 0; i < 3; i++) {
        ok = ok && set_str(&c->input_topics[i], inputs[i]);
        c->n_input_topics = ok ? i + 1 : c->n_input_topics;
    }
    for (int i = 0; i < MS_CAT_COUNT; i++)
        ok = ok && set_str(&c->category_topic[i], default_category_topic((ms_category)i));
    for (int i = 0; i < MS_ROUTE_COUNT; i++)
        ok = ok && set_str(&c->route_topic[i], routes[i]);
    c->input_encoding = MS_ENC_AUTO;
    c->output_encoding = MS_ENC_PROTOBUF;
    c->redact = true;
    c->rules_dir = NULL;
    c->workers = 0;
    c->guarantee = MS_AT_LEAST_ONCE;
    c->max_event_bytes = 1u << 20;
    c->max_text_bytes = 64u << 10;
    c->max_in_flight = 50000;
    c->shutdown_timeout_ms = 10000;
    c->offenders_enabled = true;
    c->offenders_threshold = 3;
    c->offenders_window_hours = 30 * 24;
    c->offenders_max_authors = 100000;
    c->log_level = MS_LOG_INFO;
    return ok;
}

/* ---- the YAML file -------------------------------------------------- */

/** @brief A node's 1-based line for messages; 0 for a missing node. */
static int line_of(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }

/** @brief A scalar node's text (the document's), or NULL for a missing or non-scalar node. */
static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/** @brief True for a YAML null: an empty or ~/null plain scalar. */
static bool is_null(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = scalar(n);
    return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
           strcmp(s, "NULL") == 0;
}

/**
 * @brief Remember that `path` was given at `line`; reports and returns false
 * when it was given before (e.g. twice in one mapping, or both nested and
 * flat).
 */
static bool first_time(cfg_loader *L, const char *path, int line)
{
    for (size_t i = 0; i < L->n_seen; i++)
        if (strcmp(L->seen[i].path, path) == 0) {
            where w = {line, NULL};
            report(L, &w, "key '%s' is given twice (first on line %d)", path, L->seen[i].line);
            return false;
        }
    if (L->n_seen == L->cap_seen) {
        size_t cap = L->cap_seen ? L->cap_seen * 2 : 32;
        seen_path *s = realloc(L->seen, cap * sizeof *s);
        if (!s)
            return true; /* duplicate detection is best effort */
        L->seen = s;
        L->cap_seen = cap;
    }
    char *p = strdup(path);
    if (p)
        L->seen[L->n_seen++] = (seen_path){p, line};
    return true;
}

static void walk(cfg_loader *L, yaml_node_t *map, const char *prefix, ms_kv_list *pass,
                 const char *pass_root);

/** @brief Handle one `path: value` pair of the file. */
static void dispatch(cfg_loader *L, const char *path, yaml_node_t *key, yaml_node_t *val,
                     ms_kv_list *pass, const char *pass_root)
{
    where w = {line_of(val), NULL};
    char sb[640];
    static const char *const roots[] = {"kafka.common", "kafka.consumer", "kafka.producer"};
    for (size_t i = 0; !pass && i < 3; i++) { /* flat "kafka.consumer.linger.ms: 5" */
        size_t rl = strlen(roots[i]);
        if (strncmp(path, roots[i], rl) == 0 && path[rl] == '.') {
            pass = passthrough_root(L->c, roots[i]);
            pass_root = roots[i];
        }
    }
    if (!first_time(L, path, line_of(key)))
        return;
    if (pass) { /* inside a librdkafka passthrough map: any scalar */
        const char *prop = path + strlen(pass_root) + 1;
        if (val->type == YAML_MAPPING_NODE) {
            walk(L, val, path, pass, pass_root); /* ssl: {key: {location: x}} */
        } else if (val->type != YAML_SCALAR_NODE) {
            report(L, &w, "key '%s': a librdkafka property takes a scalar value, not a list",
                   path);
        } else if (!kv_set(pass, prop, scalar(val))) {
            report(L, &w, "key '%s': out of memory", path);
        }
        return;
    }
    ms_kv_list *root = passthrough_root(L->c, path);
    if (root || is_section(path)) {
        if (is_null(val))
            return; /* an empty section: nothing to set */
        if (val->type != YAML_MAPPING_NODE) {
            report(L, &w, "key '%s': expected a mapping of keys to values", path);
            return;
        }
        walk(L, val, path, root, root ? path : NULL);
        return;
    }
    const key_def *k = find_key(L, path);
    if (!k) {
        where kw = {line_of(key), NULL};
        report(L, &kw, "unknown key '%s'", path);
        return;
    }
    if (k->kind == K_TOPICS && val->type == YAML_SEQUENCE_NODE) {
        char *list[MS_MAX_INPUT_TOPICS];
        size_t n = 0, total = 0;
        bool ok = true;
        for (yaml_node_item_t *it = val->data.sequence.items.start;
             it < val->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(L->doc, *it);
            const char *s = scalar(item);
            if (!s) {
                where iw = {line_of(item), NULL};
                report(L, &iw, "key '%s': each topic must be a string", path);
                ok = false;
                continue;
            }
            total++;
            if (n < MS_MAX_INPUT_TOPICS)
                list[n++] = (char *)s;
        }
        if (total > MS_MAX_INPUT_TOPICS)
            report(L, &w, "key '%s': has %zu topics; at most %d are allowed", path, total,
                   MS_MAX_INPUT_TOPICS);
        else if (ok)
            set_topics(L, &w, path, list, n);
        return;
    }
    if (val->type != YAML_SCALAR_NODE) {
        report(L, &w, "%sexpected a single value, not a %s", subject(&w, path, sb, sizeof sb),
               val->type == YAML_MAPPING_NODE ? "mapping" : "list");
        return;
    }
    if (is_null(val) && k->kind != K_TOPICS) {
        report(L, &w, "%shas no value", subject(&w, path, sb, sizeof sb));
        return;
    }
    set_key(L, &w, k, scalar(val));
}

/** @brief Walk a mapping whose keys extend `prefix` ("" at the root). */
static void walk(cfg_loader *L, yaml_node_t *map, const char *prefix, ms_kv_list *pass,
                 const char *pass_root)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(L->doc, p->value);
        const char *ks = scalar(k);
        if (!ks || !*ks || !v) {
            where w = {line_of(k), NULL};
            report(L, &w, "%s%s%skeys must be non-empty strings", *prefix ? "under '" : "",
                   prefix, *prefix ? "': " : "");
            continue;
        }
        char path[512];
        int n = snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", ks);
        if (n < 0 || (size_t)n >= sizeof path) {
            where w = {line_of(k), NULL};
            report(L, &w, "key '%.60s...' is too long", path);
            continue;
        }
        dispatch(L, path, k, v, pass, pass_root);
    }
}

/** @brief Read the whole file into a NUL-terminated buffer. */
static char *read_all(cfg_loader *L, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        report(L, NULL, "cannot open the configuration file: %s", strerror(errno));
        return NULL;
    }
    ms_buf b;
    ms_buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MS_MAX_CONFIG_BYTES)
        ms_buf_append(&b, chunk, n);
    bool err = ferror(f) != 0;
    int saved = errno;
    fclose(f);
    if (err || !ms_buf_ok(&b) || b.len > MS_MAX_CONFIG_BYTES) {
        report(L, NULL, "cannot read the configuration file: %s",
               err ? strerror(saved) : b.len > MS_MAX_CONFIG_BYTES ? "larger than 1 MiB"
                                                                   : "out of memory");
        ms_buf_free(&b);
        return NULL;
    }
    ms_buf_terminate(&b);
    *len = b.len;
    return b.data ? b.data : calloc(1, 1);
}

/** @brief Parse the file and apply every key in it. */
static void load_file(cfg_loader *L, const char *path)
{
    size_t len = 0;
    char *text = read_all(L, path, &len);
    if (!text)
        return;
    yaml_parser_t p;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&p)) {
        free(text);
        report(L, NULL, "cannot initialise the YAML parser");
        return;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &doc)) {
        where w = {(int)p.problem_mark.line + 1, NULL};
        report(L, &w, "YAML syntax error: %s%s%s", p.problem ? p.problem : "unknown",
               p.context ? " " : "", p.context ? p.context : "");
        yaml_parser_delete(&p);
        free(text);
        return;
    }
    yaml_parser_delete(&p);
    L->doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && !is_null(root)) { /* an empty file (or only comments) keeps the defaults */
        if (root->type != YAML_MAPPING_NODE) {
            where w = {line_of(root), NULL};
            report(L, &w, "the configuration must be a mapping of keys to values");
        } else {
            walk(L, root, "", NULL, NULL);
        }
    }
    L->doc = NULL;
    yaml_document_delete(&doc);
    free(text);
}

/* ---- the environment ------------------------------------------------ */

/** @brief Apply one MENTIONSIFT_NAME=value variable. */
static void load_env_var(cfg_loader *L, const char *entry)
{
    const char *eq = strchr(entry, '=');
    if (!eq)
        return;
    char name[256];
    size_t nl = (size_t)(eq - entry);
    if (nl >= sizeof name) {
        where w = {0, "MENTIONSIFT_..."};
        report(L, &w, "variable name '%.60s...' is too long", entry);
        return;
    }
    memcpy(name, entry, nl);
    name[nl] = '\0';
    const char *value = eq + 1;
    where w = {0, name};
    for (const char *const *e = ms_env_elsewhere; *e; e++)
        if (strcmp(name, *e) == 0)
            return;
    static const struct {
        const char *prefix;
        size_t off;
    } pass[] = {
        {"MENTIONSIFT_KAFKA_COMMON_", offsetof(ms_config, common)},
        {"MENTIONSIFT_KAFKA_CONSUMER_", offsetof(ms_config, consumer)},
        {"MENTIONSIFT_KAFKA_PRODUCER_", offsetof(ms_config, producer)},
    };
    for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++) {
        size_t pl = strlen(pass[i].prefix);
        if (strncmp(name, pass[i].prefix, pl) != 0)
            continue;
        char prop[256];
        size_t j = 0;
        for (const char *s = name + pl; *s; s++) {
            char ch = *s;
            if (ch == '_')
                ch = '.';
            else if (ch >= 'A' && ch <= 'Z')
                ch = (char)(ch + 32);
            prop[j++] = ch;
        }
        prop[j] = '\0';
        if (!j || prop[0] == '.' || prop[j - 1] == '.') {
            report(L, &w, "no librdkafka property name after %s (e.g. %sLINGER_MS)",
                   pass[i].prefix, pass[i].prefix);
            return;
        }
        if (!kv_set((ms_kv_list *)((char *)L->c + pass[i].off), prop, value))
            report(L, &w, "out of memory");
        return;
    }
    for (size_t i = 0; i < L->n_keys; i++) {
        char en[128];
        env_name(L->keys[i].path, en, sizeof en);
        if (strcmp(en, name) == 0) {
            set_key(L, &w, &L->keys[i], value);
            return;
        }
    }
    report(L, &w, "unknown variable (settings are MENTIONSIFT_ plus the key path in upper "
                  "case with '_' for '.', e.g. MENTIONSIFT_KAFKA_GROUP_ID)");
}

/* ---- cross-checks --------------------------------------------------- */

/** @brief Problems that involve more than one key. */
static void cross_check(cfg_loader *L)
{
    ms_config *c = L->c;
    const char *mod = c->route_topic[MS_ROUTE_MODERATION];
    const char *rep = c->route_topic[MS_ROUTE_REPEAT_OFFENDER];
    if (c->offenders_enabled && mod && rep && strcmp(mod, rep) == 0)
        report(L, NULL,
               "key 'output.topics.repeat_offender': topic '%s' is also "
               "output.topics.moderation, which the offenders stage reads; it would read its "
               "own output",
               rep);
    for (size_t i = 0; i < c->n_input_topics; i++) {
        const char *in = c->input_topics[i];
        const char *clash = NULL;
        for (int j = 0; !clash && j < MS_CAT_COUNT; j++)
            if (c->category_topic[j] && strcmp(in, c->category_topic[j]) == 0)
                clash = ms_category_name((ms_category)j);
        for (int j = 0; !clash && j < MS_ROUTE_COUNT; j++)
            if (c->route_topic[j] && strcmp(in, c->route_topic[j]) == 0)
                clash = ms_route_names[j];
        if (clash)
            report(L, NULL,
                   "key 'input.topics': topic '%s' is also output.topics.%s; the service "
                   "would read its own output",
                   in, clash);
    }
}

/* ---- public --------------------------------------------------------- */

bool ms_config_load(ms_config *c, const char *path, char *const *envp, ms_buf *errors)
{
    memset(c, 0, sizeof *c);
    cfg_loader L = {.c = c, .errors = errors, .file = path};
    key_table(&L);
    if (!config_defaults(c)) {
        report(&L, NULL, "out of memory");
        return false;
    }
    if (path) {
        if (!(c->path = strdup(path)))
            report(&L, NULL, "out of memory");
        else
            load_file(&L, path);
    }
    for (char *const *e = envp; e && *e; e++)
        if (strncmp(*e, MS_ENV_PREFIX, strlen(MS_ENV_PREFIX)) == 0)
            load_env_var(&L, *e);
    cross_check(&L);
    if (c->workers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c->workers = n < 1 ? 1 : n > MS_MAX_WORKERS ? MS_MAX_WORKERS : (int)n;
    }
    for (size_t i = 0; i < L.n_seen; i++)
        free(L.seen[i].path);
    free(L.seen);
    return L.n_errors == 0;
}

void ms_config_free(ms_config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->bootstrap_servers);
    free(c->group_id);
    kv_free(&c->common);
    kv_free(&c->consumer);
    kv_free(&c->producer);
    for (size_t i = 0; i < c->n_input_topics && i < MS_MAX_INPUT_TOPICS; i++)
        free(c->input_topics[i]);
    for (int i = 0; i < MS_CAT_COUNT; i++)
        free(c->category_topic[i]);
    for (int i = 0; i < MS_ROUTE_COUNT; i++)
        free(c->route_topic[i]);
    free(c->rules_dir);
    free(c->http_listen);
    free(c->instance_id);
    memset(c, 0, sizeof *c);
}

bool ms_config_is_secret(const char *key)
{
    static const char *const words[] = {"password", "secret", "key", "token", NULL};
    if (!key)
        return false;
    for (const char *const *w = words; *w; w++)
        if (strcasestr(key, *w))
            return true;
    return false;
}

const char *ms_route_name(ms_route r)
{
    return (unsigned)r < MS_ROUTE_COUNT ? ms_route_names[r] : "unknown";
}

/**
 * @brief Append s with backslash and control bytes as C escapes (\n, \t,
 * \xNN), so a value holding a newline cannot forge a line of the dump
 * (e.g. a fake "kafka.x.password = ..." that looks like an unredacted secret).
 */
static void dump_str(ms_buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\')
            ms_buf_puts(out, "\\\\");
        else if (*p == '\n')
            ms_buf_puts(out, "\\n");
        else if (*p == '\t')
            ms_buf_puts(out, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            ms_buf_printf(out, "\\x%02x", *p);
        else
            ms_buf_putc(out, (char)*p);
    }
}

/** @brief Append "name = value\n" with the value escaped (dump_str). */
static void dump_line(ms_buf *out, const char *name, const char *value)
{
    ms_buf_printf(out, "%s = ", name);
    dump_str(out, value);
    ms_buf_putc(out, '\n');
}

/** @brief Append each passthrough property as "kafka.SECTION.key = value", secrets redacted. */
static void dump_kv(ms_buf *out, const char *section, const ms_kv_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        ms_buf_printf(out, "kafka.%s.", section);
        dump_str(out, l->v[i].key);
        ms_buf_puts(out, " = ");
        dump_str(out, ms_config_is_secret(l->v[i].key) ? "[redacted]" : l->v[i].value);
        ms_buf_putc(out, '\n');
    }
}

void ms_config_dump(const ms_config *c, ms_buf *out)
{
    ms_buf_puts(out, "# configuration: ");
    dump_str(out, c->path ? c->path : "(defaults)");
    ms_buf_putc(out, '\n');
    dump_line(out, "kafka.bootstrap.servers", c->bootstrap_servers);
    dump_line(out, "kafka.group.id", c->group_id);
    dump_kv(out, "common", &c->common);
    dump_kv(out, "consumer", &c->consumer);
    dump_kv(out, "producer", &c->producer);
    ms_buf_puts(out, "input.topics = ");
    for (size_t i = 0; i < c->n_input_topics; i++) {
        ms_buf_puts(out, i ? ", " : "");
        dump_str(out, c->input_topics[i]);
    }
    ms_buf_putc(out, '\n');
    ms_buf_printf(out, "input.encoding = %s\n",
                  (unsigned)c->input_encoding <= MS_ENC_AUTO ? ms_encoding_names[c->input_encoding]
                                                             : "?");
    ms_buf_printf(out, "output.encoding = %s\n",
                  (unsigned)c->output_encoding <= MS_ENC_AUTO
                      ? ms_encoding_names[c->output_encoding]
                      : "?");
    ms_buf_printf(out, "output.redact = %s\n", c->redact ? "true" : "false");
    char name[64];
    for (int i = 0; i < MS_CAT_COUNT; i++) {
        snprintf(name, sizeof name, "output.topics.%s", ms_category_name((ms_category)i));
        dump_line(out, name, c->category_topic[i] ? c->category_topic[i] : "");
    }
    for (int i = 0; i < MS_ROUTE_COUNT; i++) {
        snprintf(name, sizeof name, "output.topics.%s", ms_route_names[i]);
        dump_line(out, name, c->route_topic[i] ? c->route_topic[i] : "");
    }
    dump_line(out, "rules", c->rules_dir ? c->rules_dir : "(built-in default)");
    ms_buf_printf(out, "workers = %d\n", c->workers);
    ms_buf_printf(out, "processing.guarantee = %s\n",
                  (unsigned)c->guarantee <= MS_EXACTLY_ONCE ? ms_guarantee_names[c->guarantee]
                                                            : "?");
    ms_buf_printf(out, "processing.max_event_bytes = %u\n", c->max_event_bytes);
    ms_buf_printf(out, "processing.max_text_bytes = %u\n", c->max_text_bytes);
    ms_buf_printf(out, "processing.max_in_flight = %u\n", c->max_in_flight);
    ms_buf_printf(out, "processing.shutdown_timeout_ms = %u\n", c->shutdown_timeout_ms);
    ms_buf_printf(out, "processing.passthrough = %s\n", c->passthrough ? "true" : "false");
    dump_line(out, "processing.instance_id", c->instance_id ? c->instance_id : "(host-pid)");
    ms_buf_printf(out, "offenders.enabled = %s\n", c->offenders_enabled ? "true" : "false");
    ms_buf_printf(out, "offenders.threshold = %u\n", c->offenders_threshold);
    ms_buf_printf(out, "offenders.window_hours = %u\n", c->offenders_window_hours);
    ms_buf_printf(out, "offenders.max_authors = %u\n", c->offenders_max_authors);
    dump_line(out, "http.listen", c->http_listen ? c->http_listen : "off");
    ms_buf_printf(out, "log.level = %s\n",
                  (unsigned)c->log_level <= MS_LOG_ERROR ? ms_level_names[c->log_level] : "?");
}
