/*
 * cmd_rules.c - the rule author's commands.
 *
 * `mentionsift rules check [DIR]` validates and compiles a rule set without
 * reading the database cache (it writes it), reports every error as
 * file:line, runs the rule authors' examples through the engine, and on
 * success prints pattern counts, database sizes, compile time and how many
 * examples passed.
 *
 * `mentionsift rules explain TEXT...` answers "why did (or didn't) this
 * text get that label": the words view the word rules matched against,
 * every rule that fired with its weight, where it is defined and what it
 * matched, each category's rule weights against its threshold, and the
 * decision. Which rules fired is read from the engine's per-rule counters
 * (before and after the one classification), so rules whose category stayed
 * below its threshold are listed too.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/engine.h"
#include "core/rule_examples.h"
#include "match/ruleset.h"

/** @brief Print the rules command's help to `f`, naming the default rule directory. */
static void usage(FILE *f)
{
    fprintf(f, "usage: mentionsift rules check [DIR]\n"
               "       mentionsift rules explain [-r DIR] [-k KIND] TEXT...\n"
               "\n"
               "check: validates and compiles the rule set in DIR (default: %s),\n"
               "then checks every rule's examples (examples: match: / no_match:) with the\n"
               "engine. Every problem is printed as 'file:line: message'; exit status 2 if\n"
               "any. The compile never reads the database cache; it writes it\n"
               "($MENTIONSIFT_CACHE_DIR, else ~/.cache/mentionsift), so a service\n"
               "started on the same rules after a check does not compile again.\n"
               "\n"
               "explain: classifies each TEXT as a mention of KIND (public_comment,\n"
               "reply, inbox_message or external_mention; default public_comment, on a\n"
               "page whg owns unless external_mention) and shows why: the words view the\n"
               "word rules match against, every rule that fired (weight, file:line, what\n"
               "it matched), each category's rule weights against its threshold, and the\n"
               "decision.\n",
            ms_cli_default_rules_dir());
}

/** @brief Print `n` bytes of `s` in double quotes, with control bytes escaped. */
static void print_quoted(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c < 0x20 || c == 0x7F)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/** @brief The first span rule `ri` left as evidence in its category's label, if any. */
static const ms_evidence *evidence_of(const ms_verdict *v, const ms_rule *r, uint32_t ri)
{
    const ms_label *l = &v->label[r->category];
    for (uint8_t i = 0; i < l->n_evidence; i++)
        if (l->evidence[i].rule == ri)
            return &l->evidence[i];
    return NULL;
}

/** @brief Explain one text: classify it with `e`, and print what fired and what was decided. */
static bool explain_one(const ms_ruleset *rs, ms_engine *e, uint64_t *before, const char *text,
                        ms_kind kind)
{
    uint32_t n_rules = ms_ruleset_rule_count(rs);
    memcpy(before, ms_engine_rule_counts(e), n_rules * sizeof *before);
    int64_t now = ms_clock_wall_ms();
    ms_mention m = {.id = {"explain", 7},
                    .kind = kind,
                    .page_owned = kind != MS_KIND_EXTERNAL_MENTION,
                    .text = {text, strlen(text)},
                    .created_at_ms = now};
    static ms_verdict v;
    ms_normalised view;
    if (!ms_engine_classify(e, &m, &v) || !ms_engine_words_view(e, text, strlen(text), &view)) {
        fprintf(stderr, "rules explain: classifying the text failed (out of memory?)\n");
        return false;
    }
    const uint64_t *after = ms_engine_rule_counts(e);

    printf("text       ");
    print_quoted(text, strlen(text));
    printf("\nwords view ");
    print_quoted(view.view, view.len);
    printf("\nsentiment  compound %+.3f (pos %.2f, neg %.2f, neu %.2f)\n", v.sentiment.compound,
           v.sentiment.pos, v.sentiment.neg, v.sentiment.neu);

    float weight[MS_CAT_COUNT] = {0};
    uint32_t fired = 0;
    printf("\nrules that fired:\n");
    for (uint32_t i = 0; i < n_rules; i++) {
        if (after[i] == before[i])
            continue;
        const ms_rule *r = ms_ruleset_rule(rs, i);
        weight[r->category] += r->weight;
        fired++;
        printf("  %-36s %-18s %+5.2f  %s:%d", r->id, ms_category_name(r->category), r->weight,
               r->file, r->line);
        const ms_evidence *ev = evidence_of(&v, r, i);
        if (ev && ev->end <= m.text.len) {
            printf("  ");
            print_quoted(text + ev->start, ev->end - ev->start);
            printf(" at %u-%u", ev->start, ev->end);
        }
        putchar('\n');
    }
    if (!fired)
        printf("  (none)\n");

    printf("\ncategories (the weights of the rules that fired, against the rule set's threshold;\n"
           "complaint, repair, individual_case, question and positive are then adjusted by\n"
           "sentiment and by the other labels: src/score/heuristics.c):\n");
    for (int c = 0; c < MS_CAT_COUNT; c++) {
        bool labelled = ms_verdict_has(&v, (ms_category)c);
        if (!labelled && weight[c] == 0)
            continue;
        if (weight[c] != 0)
            printf("  %-18s rules %5.2f  threshold %5.2f  ", ms_category_name((ms_category)c),
                   weight[c], ms_ruleset_threshold(rs, (ms_category)c));
        else /* negative, external, other: from sentiment, the page, or nothing else */
            printf("  %-18s %-29s", ms_category_name((ms_category)c), "(not from rule weights)");
        if (labelled)
            printf("LABELLED, score %.2f\n", v.label[c].score);
        else
            printf("not labelled\n");
    }
    printf("\ndecision   primary %s, action %s, priority %s%s", ms_category_name(v.primary),
           ms_action_name(v.action), ms_priority_name(v.priority), v.urgent ? ", urgent" : "");
    if (v.repair_urgency && ms_verdict_has(&v, MS_CAT_REPAIR))
        printf(", repair %s", ms_urgency_name(v.repair_urgency));
    if (v.respond_by_ms)
        printf(", respond within %lld h", (long long)((v.respond_by_ms - now) / 3600000));
    if (v.removal)
        printf(", removal %s (%s)", ms_removal_name(v.removal), v.removal_clause);
    if (v.n_redactions)
        printf(", %u span%s redacted", v.n_redactions, v.n_redactions == 1 ? "" : "s");
    putchar('\n');
    return true;
}

/** @brief `mentionsift rules explain [-r DIR] [-k KIND] TEXT...`. */
static int cmd_explain(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"kind", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = ms_cli_default_rules_dir();
    ms_kind kind = MS_KIND_PUBLIC_COMMENT;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            dir = optarg;
            break;
        case 'k':
            if (!ms_cli_kind("rules explain", optarg, &kind))
                return 2;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind == argc) {
        fprintf(stderr, "rules explain: no TEXT given\n");
        usage(stderr);
        return 2;
    }
    ms_ruleset *rs = ms_cli_load_rules("rules explain", dir);
    if (!rs)
        return 2;
    char err[256];
    ms_engine *e = ms_engine_new(rs, NULL, err, sizeof err);
    uint64_t *before = calloc(ms_ruleset_rule_count(rs) + 1, sizeof *before);
    int rc = 0;
    if (!e || !before) {
        fprintf(stderr, "rules explain: %s\n", e ? "out of memory" : err);
        rc = 1;
    }
    printf("rule set %s (%s)\n", dir, ms_ruleset_version(rs));
    for (int i = optind; i < argc && rc == 0; i++) {
        putchar('\n');
        if (!explain_one(rs, e, before, argv[i], kind))
            rc = 1;
    }
    free(before);
    ms_engine_free(e);
    ms_ruleset_free(rs);
    return rc;
}

int ms_cmd_rules(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "explain"))
        return cmd_explain(argc - 1, argv + 1);
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
