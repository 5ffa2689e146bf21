/*
 * cli.h - the subcommands of the mentionsift program, one file each.
 * Each returns the process exit status: 0 success, 1 runtime failure,
 * 2 usage or configuration error.
 */
#ifndef MS_CLI_H
#define MS_CLI_H

#include <signal.h>
#include <stdbool.h>

#include "core/mention.h"

int ms_cmd_classify(int argc, char **argv);
int ms_cmd_rules(int argc, char **argv);
int ms_cmd_run(int argc, char **argv);
int ms_cmd_demo(int argc, char **argv);
int ms_cmd_firehose(int argc, char **argv);
int ms_cmd_mock_cluster(int argc, char **argv);
int ms_cmd_tail(int argc, char **argv);
int ms_cmd_redrive(int argc, char **argv);

struct rd_kafka_conf_s;
typedef struct ms_ruleset ms_ruleset;

/* The run flag of the Kafka client commands: 1 until SIGINT or SIGTERM,
 * once ms_cli_stop_on_signals() has been called. */
extern volatile sig_atomic_t ms_cli_run;
void ms_cli_stop_on_signals(void);

/** @brief Apply one -X PROP=VALUE to a librdkafka config; false after
 *  printing "<cmd>: ..." with the property and librdkafka's reason. */
bool ms_cli_kafka_prop(struct rd_kafka_conf_s *conf, const char *cmd, const char *arg);

/** @brief Parse an option's whole text as an integer in [min, max]; false after
 *  printing "<cmd>: <option> must be ..." with the text given. */
bool ms_cli_uint(const char *cmd, const char *option, const char *text, unsigned long long min,
                 unsigned long long max, unsigned long long *out);

/** @brief ms_cli_uint for a real number in [min, max] (NaN and infinity refused). */
bool ms_cli_real(const char *cmd, const char *option, const char *text, double min, double max,
                 double *out);

/** @brief Parse --kind's text into `out`; false after printing "<cmd>: --kind must be ..." with
 *  the text given. */
bool ms_cli_kind(const char *cmd, const char *text, ms_kind *out);

/** @brief The rule-set directory: $MS_RULES_DIR, else the built-in default. */
const char *ms_cli_default_rules_dir(void);

/** @brief Load the rule set in `dir` (through the database cache); NULL after printing every
 *  problem as file:line and "<cmd>: rule set '<dir>' failed to load". */
ms_ruleset *ms_cli_load_rules(const char *cmd, const char *dir);

#endif
