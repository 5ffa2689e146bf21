/*
 * cmd_run.c - `mentionsift run --config FILE`: the Kafka service.
 *
 * SIGINT or SIGTERM clears the one run flag; workers then drain their
 * in-flight outputs, commit and exit within processing.shutdown_timeout_ms.
 * SIGHUP sets the reload flag: the rule directory is loaded again and, if
 * it loads, the workers move to it without stopping (service.h).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/log.h"
#include "kafka/config.h"
#include "kafka/kafka_conf.h"
#include "kafka/service.h"
#include "match/ruleset.h"

extern char **environ;

/* run is read by every worker thread: an atomic, lock-free so that the
 * handler may store to it; reload only by the main thread the handler
 * interrupts */
static atomic_int run = 1;
static volatile sig_atomic_t reload = 0;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the run flag must be lock-free for a signal handler");

/** @brief Signal handler: SIGHUP asks for a rule reload, SIGINT/SIGTERM for a drain and exit; it
 *  only sets flags, which the main loop acts on. */
static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload = 1;
    else
        run = 0;
}

/** @brief Print the run command's help (options, signals) to `f`. */
static void usage(FILE *f)
{
    fprintf(f,
            "usage: mentionsift run [--config FILE] [--check]\n"
            "\n"
            "Runs the Kafka service: consumes mentions, classifies them, produces to the\n"
            "category topics. Every setting has a default (see docker/mentionsift.yaml) and\n"
            "can be overridden by MENTIONSIFT_* environment variables.\n"
            "SIGTERM or SIGINT drains, commits and exits; SIGHUP reloads the rule set\n"
            "(kept running on the old rules if the new ones do not load).\n"
            "\n"
            "  -c, --config FILE   YAML configuration file\n"
            "      --check         validate the configuration (every key, the librdkafka\n"
            "                      properties, the rule set), print it (secrets redacted),\n"
            "                      exit 0, or 2 naming what would stop the start\n"
            "  -h, --help          this help\n");
}

/**
 * @brief What --check adds to reading the file: each client's configuration
 * built as the workers build theirs (the exactly-once settings included)
 * and handed to rd_kafka_new, which checks what no single property shows
 * (max.in.flight with idempotence, fetch.max.bytes against
 * message.max.bytes), without a broker to connect to; and the rule
 * directory loaded and compiled. False, with every reason on stderr, if
 * start-up would fail on them. Only the producers' batch.size, lowered at
 * start to the output topics' limits, needs the cluster and is not checked.
 */
static bool check_clients_and_rules(const ms_config *cfg)
{
    bool ok = true;
    char err[512];
    for (int role = MS_CLIENT_CONSUMER; role <= MS_CLIENT_PRODUCER; role++) {
        const char *what = role == MS_CLIENT_CONSUMER ? "consumer" : "producer";
        rd_kafka_conf_t *conf = ms_kafka_conf_new(cfg, (ms_client_role)role, "mentionsift-check",
                                                  err, sizeof err);
        bool set = conf != NULL;
        if (set && cfg->guarantee == MS_EXACTLY_ONCE)
            set = ms_kafka_conf_exactly_once(conf, cfg, (ms_client_role)role, "mentionsift-check", err,
                                             sizeof err);
        /* no broker: this client must not connect, nor log that it cannot */
        set = set && ms_kafka_conf_set(conf, "bootstrap.servers", "", err, sizeof err) &&
              ms_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
        rd_kafka_t *rk = NULL;
        if (set) {
            char rd_err[256];
            rk = rd_kafka_new(role == MS_CLIENT_CONSUMER ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER,
                              conf, rd_err, sizeof rd_err);
            if (!rk)
                snprintf(err, sizeof err, "rd_kafka_new: %s", rd_err);
        }
        if (!rk) {
            fprintf(stderr, "mentionsift run: %s configuration: %s\n", what, err);
            if (conf)
                rd_kafka_conf_destroy(conf); /* rd_kafka_new keeps it only on success */
            ok = false;
        } else {
            rd_kafka_destroy(rk);
        }
    }
    ms_buf errors;
    ms_buf_init(&errors);
    ms_ruleset_options opt = {.check_all = true};
    ms_ruleset *rs = ms_ruleset_load(cfg->rules_dir, &opt, &errors);
    if (!rs) {
        ms_buf_terminate(&errors);
        fprintf(stderr, "%smentionsift run: the rule set in %s does not load\n",
                errors.data ? errors.data : "", cfg->rules_dir);
        ok = false;
    }
    ms_ruleset_free(rs);
    ms_buf_free(&errors);
    return ok;
}

int ms_cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"check", no_argument, NULL, 'C'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *path = NULL;
    bool check = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'C':
            check = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    ms_config cfg;
    ms_buf errors;
    ms_buf_init(&errors);
    if (!ms_config_load(&cfg, path, environ, &errors)) {
        ms_buf_terminate(&errors);
        fprintf(stderr, "%smentionsift run: invalid configuration\n",
                errors.data ? errors.data : "");
        ms_buf_free(&errors);
        ms_config_free(&cfg);
        return 2;
    }
    ms_buf_free(&errors);
    if (!cfg.rules_dir)
        cfg.rules_dir = strdup(ms_cli_default_rules_dir());
    ms_log_set_level(cfg.log_level);
    if (check) {
        if (!check_clients_and_rules(&cfg)) {
            ms_config_free(&cfg);
            return 2;
        }
        ms_buf dump;
        ms_buf_init(&dump);
        ms_config_dump(&cfg, &dump);
        fwrite(dump.data, 1, dump.len, stdout);
        ms_buf_free(&dump);
        ms_config_free(&cfg);
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int rc = ms_service_run(&cfg, &run, &reload, NULL);
    if (rc == MS_SERVICE_ABANDONED) {
        fflush(stderr);
        _exit(1); /* workers are still running: free nothing, run no exit handlers */
    }
    if (rc == MS_SERVICE_LEFT_OPEN) {
        fflush(stderr);
        _exit(0); /* librdkafka still holds a consumer that could not leave its group */
    }
    ms_config_free(&cfg);
    return rc;
}
