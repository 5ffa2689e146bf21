/*
 * fuzz_config.c - libFuzzer target for the service configuration loader
 * (src/kafka/config.c, ms_config_load): libyaml, the key walker, every
 * value parser (integers, topics, encodings, listen addresses, ...).
 *
 * Setup (once): a temporary directory; each input is written there as
 * config.yaml and loaded with an empty environment (envp = {NULL}), then
 * freed with ms_config_free().
 *
 * Checks, abort()ing on violation:
 *   - no crash, memory error, leak or undefined behaviour;
 *   - a failed load reports at least one problem;
 *   - a loaded configuration is consistent: workers >= 1, at most
 *     MS_MAX_INPUT_TOPICS input topics, each non-NULL, encodings and enums in
 *     range, input encoding may be auto but output not;
 *   - its dump (ms_config_dump) never shows the value of a secret property
 *     (ms_config_is_secret) of the librdkafka passthrough maps: no line
 *     "kafka.<section>.<key> = <value>" appears (a newline inside another
 *     value must not forge one).
 */
#include "fuzz_common.h"

#include <unistd.h>

#include "kafka/config.h"

static char fuzz_dir[64];
static char fuzz_path[96];

static void fuzz_cleanup(void)
{
    unlink(fuzz_path);
    rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/fuzz_config.XXXXXX",
             tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp(fuzz_dir)) {
        perror("mkdtemp");
        abort();
    }
    snprintf(fuzz_path, sizeof fuzz_path, "%s/config.yaml", fuzz_dir);
    atexit(fuzz_cleanup);
    return 0;
}

/** @brief No secret of one passthrough map is shown in the dump. */
static void fuzz_check_secrets(const ms_buf *dump, const char *section, const ms_kv_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        FUZZ_CHECK(l->v[i].key && l->v[i].value, "kafka.%s entry %zu has a NULL key or value",
                   section, i);
        if (!ms_config_is_secret(l->v[i].key) || strcmp(l->v[i].value, "[redacted]") == 0)
            continue;
        ms_buf line;
        ms_buf_init(&line);
        /* a whole line: the dump's first line is a comment, so each key's line
         * follows a newline; another value may quote the text (escaped) */
        ms_buf_printf(&line, "\nkafka.%s.%s = %s\n", section, l->v[i].key, l->v[i].value);
        ms_buf_terminate(&line);
        FUZZ_CHECK(!memmem(dump->data, dump->len, line.data, line.len),
                   "the dump shows the secret kafka.%s.%s", section, l->v[i].key);
        ms_buf_free(&line);
    }
}

static void fuzz_check_loaded(const ms_config *c)
{
    FUZZ_CHECK(c->workers >= 1, "workers %d after a successful load", c->workers);
    FUZZ_CHECK(c->n_input_topics <= MS_MAX_INPUT_TOPICS, "%zu input topics", c->n_input_topics);
    for (size_t i = 0; i < c->n_input_topics; i++)
        FUZZ_CHECK(c->input_topics[i] != NULL, "input topic %zu is NULL", i);
    FUZZ_CHECK((unsigned)c->input_encoding <= MS_ENC_AUTO, "input encoding %d",
               (int)c->input_encoding);
    FUZZ_CHECK((unsigned)c->output_encoding <= MS_ENC_PROTOBUF, "output encoding %d",
               (int)c->output_encoding);
    FUZZ_CHECK((unsigned)c->guarantee <= MS_EXACTLY_ONCE && (unsigned)c->log_level <= MS_LOG_ERROR,
               "guarantee %d / log level %d", (int)c->guarantee, (int)c->log_level);
    FUZZ_CHECK(c->bootstrap_servers && c->group_id, "NULL bootstrap.servers or group.id");

    ms_buf dump;
    ms_buf_init(&dump);
    ms_config_dump(c, &dump);
    FUZZ_CHECK(ms_buf_ok(&dump) && dump.len > 0, "empty dump");
    fuzz_check_secrets(&dump, "common", &c->common);
    fuzz_check_secrets(&dump, "consumer", &c->consumer);
    fuzz_check_secrets(&dump, "producer", &c->producer);
    ms_buf_free(&dump);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(fuzz_path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(fuzz_path);
        abort();
    }
    char *const envp[] = {NULL};
    ms_config c;
    ms_buf errors;
    ms_buf_init(&errors);
    bool ok = ms_config_load(&c, fuzz_path, envp, &errors);
    if (ok)
        fuzz_check_loaded(&c);
    else
        FUZZ_CHECK(errors.len > 0, "the load failed without reporting a problem");
    ms_config_free(&c);
    ms_buf_free(&errors);
    return 0;
}
