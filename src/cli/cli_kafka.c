/*
 * cli_kafka.c - what the commands that talk to Kafka directly (firehose,
 * mock-cluster, tail, redrive) share: the -X PROP=VALUE option, passed to
 * librdkafka as it is, and the one run flag that SIGINT and SIGTERM clear.
 */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

volatile sig_atomic_t ms_cli_run = 1;

/** @brief SIGINT/SIGTERM handler: clear ms_cli_run to end the loop (async-signal-safe). */
static void on_stop_signal(int sig)
{
    (void)sig;
    ms_cli_run = 0;
}

void ms_cli_stop_on_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

bool ms_cli_kafka_prop(rd_kafka_conf_t *conf, const char *cmd, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        fprintf(stderr, "%s: -X expects PROP=VALUE, got '%s'\n", cmd, arg);
        return false;
    }
    char name[256], err[512];
    size_t n = (size_t)(eq - arg);
    if (n >= sizeof name) {
        fprintf(stderr, "%s: -X %.40s...: property name too long\n", cmd, arg);
        return false;
    }
    memcpy(name, arg, n);
    name[n] = '\0';
    if (rd_kafka_conf_set(conf, name, eq + 1, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "%s: -X %s: %s\n", cmd, name, err);
        return false;
    }
    return true;
}
