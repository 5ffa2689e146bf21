/*
 * cmd_rules.c - `mentionsift rules check [DIR]`: validates and compiles a
 * rule set without reading the database cache (it writes it), reports every
 * error as file:line, runs the rule authors' examples through the engine,
 * and on success prints pattern counts, database sizes, compile time and how
 * many examples passed.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/rule_examples.h"
#include "match/ruleset.h"

/** @brief Print the rules command's help to `f`, naming the default rule directory. */
static void usage(FILE *f)
{
    fprintf(f, "usage: mentionsift rules check [DIR]\n"
               "\n"
               "Validates and compiles the rule set in DIR (default: %s), then checks\n"
               "every rule's examples (examples: match: / no_match:) with the engine.\n"
               "Every problem is printed as 'file:line: message'; exit status 2 if any.\n"
               "The compile never reads the database cache; it writes it\n"
               "($MENTIONSIFT_CACHE_DIR, else ~/.cache/mentionsift), so a service\n"
               "started on the same rules after a check does not compile again.\n",
            ms_cli_default_rules_dir());
}

int ms_cmd_rules(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "mentionsift rules: unknown subcommand '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
        usage(stdout);
        return 0;
    }
    const char *dir = argc > 2 ? argv[2] : ms_cli_default_rules_dir();
    ms_buf errors;
    ms_buf_init(&errors);
    /* Compile without reading the cache, so the compile is checked and timed;
     * writing it lets the next start of the service skip the compile. */
    ms_ruleset_options opt = {.check_all = true, .refresh_cache = true};
    ms_ruleset *rs = ms_ruleset_load(dir, &opt, &errors);
    if (!rs) {
        ms_buf_terminate(&errors);
        fprintf(stderr, "%s", errors.data ? errors.data : "rule set failed to load\n");
        fprintf(stderr, "rules check: %s: FAILED\n", dir);
        ms_buf_free(&errors);
        return 2;
    }
    ms_rule_examples_result ex;
    ms_buf_reset(&errors);
    if (!ms_rule_examples_check(rs, &errors, &ex) || ex.failed) {
        ms_buf_terminate(&errors);
        fprintf(stderr, "%s", errors.data ? errors.data : "");
        fprintf(stderr, "rules check: %s: FAILED: %u of %u examples failed\n", dir, ex.failed,
                ex.checked);
        ms_ruleset_free(rs);
        ms_buf_free(&errors);
        return 2;
    }
    const ms_ruleset_stats *st = ms_ruleset_stats_get(rs);
    uint32_t per_cat[MS_CAT_COUNT] = {0};
    for (uint32_t i = 0; i < ms_ruleset_rule_count(rs); i++)
        per_cat[ms_ruleset_rule(rs, i)->category]++;
    printf("rules check: %s: OK\n", dir);
    printf("  version          %s\n", ms_ruleset_version(rs));
    printf("  rules            %u\n", st->rules);
    printf("  words patterns   %u (of which sentiment lexicon %u)\n", st->words_patterns,
           st->lexicon_entries);
    printf("  raw patterns     %u\n", st->raw_patterns);
    printf("  rescanned        %u regex%s, scanned again when %s for where the match starts "
           "(rules/README.md, \"Keeping the rule set fast\")\n",
           st->rescanned_regexes, st->rescanned_regexes == 1 ? "" : "es",
           st->rescanned_regexes == 1 ? "it hits" : "they hit");
    printf("  database size    words %zu bytes, raw %zu bytes\n", st->words_db_bytes,
           st->raw_db_bytes);
    printf("  compile time     %.3f s\n", st->compile_seconds);
    printf("  examples         %u checked, all as their rules say\n", ex.checked);
    printf("  rules per category:");
    for (int c = 0; c < MS_CAT_COUNT; c++)
        if (per_cat[c])
            printf(" %s=%u", ms_category_name((ms_category)c), per_cat[c]);
    printf("\n");
    ms_ruleset_free(rs);
    ms_buf_free(&errors);
    return 0;
}
