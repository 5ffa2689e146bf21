/*
 * cli_kafka.c - what the commands that talk to Kafka directly (firehose,
 * tail) share: the -X PROP=VALUE option, passed to librdkafka as it is.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

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
