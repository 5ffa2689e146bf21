/*
 * main.c - the mentionsift command: dispatches to a subcommand.
 *
 *   mentionsift classify [FILE]      classify JSON lines or protobuf, print JSON lines
 *   mentionsift rules check [DIR]    validate and compile a rule set
 *   mentionsift rules explain TEXT   which rules fire on a text, and why it is labelled so
 *   mentionsift run --config FILE    the Kafka service
 *   mentionsift demo                 the service on an embedded Kafka cluster
 *   mentionsift firehose             produce synthetic mentions to Kafka
 *   mentionsift mock-cluster         an embedded Kafka cluster on loopback
 *   mentionsift tail TOPIC...        print Kafka records as JSON lines, protobuf decoded
 *   mentionsift redrive              send dead-lettered events back to their source topics
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "match/ruleset.h"

const char *ms_cli_default_rules_dir(void)
{
    const char *env = getenv("MS_RULES_DIR");
    return env && *env ? env : MS_DEFAULT_RULES_DIR;
}

ms_ruleset *ms_cli_load_rules(const char *cmd, const char *dir)
{
    ms_buf errors;
    ms_buf_init(&errors);
    ms_ruleset *rs = ms_ruleset_load(dir, NULL, &errors);
    if (!rs) {
        ms_buf_terminate(&errors);
        fprintf(stderr, "%s%s: rule set '%s' failed to load\n", errors.data ? errors.data : "",
                cmd, dir);
    }
    ms_buf_free(&errors);
    return rs;
}

/** @brief Print the top-level help, with the version and the list of commands, to `f`. */
static void usage(FILE *f)
{
    fprintf(f,
            "mentionsift %s - classifies social-media mentions by whg's Social Media Policy\n"
            "\n"
            "usage: mentionsift COMMAND [OPTIONS]\n"
            "\n"
            "commands:\n"
            "  classify [FILE]     classify mentions (JSON lines or protobuf) to JSON lines\n"
            "  rules check [DIR]   validate and compile a rule set, report every error\n"
            "  rules explain TEXT  which rules fire on a text, where they are defined, and why\n"
            "  run --config FILE   run the Kafka service\n"
            "  demo                run the service on an embedded Kafka cluster with a sample firehose\n"
            "  firehose            produce synthetic mentions to a Kafka topic\n"
            "  tail TOPIC...       print the records of Kafka topics as JSON lines (protobuf decoded)\n"
            "  redrive             send dead-lettered events back to their source topics\n"
            "  mock-cluster        run an embedded Kafka cluster (librdkafka mock) on loopback\n"
            "\n"
            "'mentionsift COMMAND --help' describes each command.\n",
            MS_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("mentionsift %s\n", MS_VERSION);
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"classify", ms_cmd_classify},
        {"rules", ms_cmd_rules},
        {"run", ms_cmd_run},
        {"demo", ms_cmd_demo},
        {"firehose", ms_cmd_firehose},
        {"tail", ms_cmd_tail},
        {"redrive", ms_cmd_redrive},
        {"mock-cluster", ms_cmd_mock_cluster},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(cmd, cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "mentionsift: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
