/*
 * accuracy.c - measures the engine on public labelled data (../shared/data,
 * see its README) and prints the figures beside the published anchors.
 *
 *   build/bench/accuracy [DATA_DIR] [RULES_DIR]
 *
 * sentiment/  Pearson r of the compound score with the mean human rating,
 *             and 3-class accuracy (human thresholds +-0.2 on -4..4, compound
 *             thresholds +-0.05), on the Amazon, movie and NYT snippet sets.
 * offensive/  Davidson et al.: class 0 or 1 counts as offensive; the engine
 *             says offensive when it labels profanity, hate or
 *             sexual_graphic. Precision, recall, F1, and the false-alarm rate
 *             on the 'neither' class; hate-class recall on its own.
 * complaints/ Preotiuc-Pietro et al.: the complaint label against the
 *             human label, on the whole file and on its even and odd rows
 *             (tune on one half, check on the other).
 * Each F1 comes with its 95% percentile-bootstrap interval (2,000 resamples
 * of the rows, a fixed seed), each r with Fisher's 95% interval and the
 * false-alarm rate with Wilson's: how far
 * the figure could move on another sample of the same size, which decides
 * whether a difference from an anchor or a target is more than noise.
 * Every mention is classified as a public comment on a whg page.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/engine.h"
#include "match/ruleset.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ms_verdict verdict;

static const ms_verdict *classify(ms_engine *e, const char *text, size_t n)
{
    ms_mention m = {.kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
                    .text = {text, n}, .created_at_ms = 1764000000000};
    if (!ms_engine_classify(e, &m, &verdict)) {
        fprintf(stderr, "accuracy: classification failed\n");
        exit(1);
    }
    return &verdict;
}

/* ---- a CSV reader: quoted fields, "" escapes, newlines inside quotes ---- */

typedef struct csv {
    char *data;
    size_t len, pos;
    char *fields[16];
    int n;
} csv;

static bool csv_open(csv *c, const char *path)
{
    ms_buf b;
    ms_buf_init(&b);
    if (ms_buf_read_file(&b, path, 0) != 0) {
        ms_buf_free(&b);
        return false;
    }
    ms_buf_terminate(&b);
    c->data = b.data;
    c->len = b.len;
    c->pos = 0;
    return ms_buf_ok(&b) && b.data;
}

/** @brief Next record, fields unescaped in place; false at the end. */
static bool csv_next(csv *c)
{
    if (c->pos >= c->len)
        return false;
    c->n = 0;
    char *w = c->data + c->pos;
    for (;;) {
        if (c->n < 16)
            c->fields[c->n++] = w;
        char *out = w;
        if (c->data[c->pos] == '"') {
            c->pos++;
            for (;;) {
                if (c->pos >= c->len)
                    break;
                char ch = c->data[c->pos++];
                if (ch == '"') {
                    if (c->pos < c->len && c->data[c->pos] == '"') {
                        *out++ = '"';
                        c->pos++;
                        continue;
                    }
                    break;
                }
                *out++ = ch;
            }
        }
        while (c->pos < c->len && c->data[c->pos] != ',' && c->data[c->pos] != '\n' &&
               c->data[c->pos] != '\r')
            *out++ = c->data[c->pos++];
        char end = c->pos < c->len ? c->data[c->pos] : '\n';
        *out = '\0';
        c->pos++;
        if (end == ',') {
            w = c->data + c->pos;
            continue;
        }
        if (end == '\r' && c->pos < c->len && c->data[c->pos] == '\n')
            c->pos++;
        return true;
    }
}

/* ---- metrics -------------------------------------------------------- */

/* A confusion matrix, and each row's outcome in order, for the bootstrap. */
typedef struct confusion {
    long tp, fp, fn, tn;
    uint8_t *outcome; /* OUT_* per row */
    long n, cap;
} confusion;

enum { OUT_TN, OUT_FP, OUT_FN, OUT_TP };

static void count(confusion *c, bool truth, bool pred)
{
    uint8_t o = truth ? (pred ? OUT_TP : OUT_FN) : (pred ? OUT_FP : OUT_TN);
    c->tp += o == OUT_TP;
    c->fp += o == OUT_FP;
    c->fn += o == OUT_FN;
    c->tn += o == OUT_TN;
    if (c->n == c->cap) {
        long cap = c->cap ? c->cap * 2 : 1024;
        uint8_t *grown = realloc(c->outcome, (size_t)cap);
        if (!grown) {
            fprintf(stderr, "accuracy: out of memory\n");
            exit(1);
        }
        c->outcome = grown;
        c->cap = cap;
    }
    c->outcome[c->n++] = o;
}

static double f1_of(long tp, long fp, long fn)
{
    return tp ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : 0;
}

/** @brief xorshift64*: the bootstrap's generator, seeded so every run gives the same interval. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define BOOTSTRAP_ROUNDS 2000

/** @brief The 95% percentile-bootstrap interval of F1 over the rows of `c` (resampled with
 *  replacement, BOOTSTRAP_ROUNDS times): how far the figure could move on another sample of the
 *  same size from the same source. */
static void f1_interval(const confusion *c, double *lo, double *hi)
{
    static double f[BOOTSTRAP_ROUNDS];
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    for (int b = 0; b < BOOTSTRAP_ROUNDS; b++) {
        long k[4] = {0, 0, 0, 0};
        for (long i = 0; i < c->n; i++)
            k[c->outcome[next_random(&seed) % (uint64_t)c->n]]++;
        f[b] = f1_of(k[OUT_TP], k[OUT_FP], k[OUT_FN]);
    }
    qsort(f, BOOTSTRAP_ROUNDS, sizeof f[0], cmp_double);
    *lo = f[(int)(0.025 * BOOTSTRAP_ROUNDS)];
    *hi = f[(int)(0.975 * BOOTSTRAP_ROUNDS) - 1];
}

static void print_prf(const char *name, const confusion *c)
{
    double p = c->tp + c->fp ? (double)c->tp / (double)(c->tp + c->fp) : 0;
    double r = c->tp + c->fn ? (double)c->tp / (double)(c->tp + c->fn) : 0;
    double lo = 0, hi = 0;
    if (c->n)
        f1_interval(c, &lo, &hi);
    printf("  %-28s precision %.3f  recall %.3f  F1 %.3f [95%% %.3f-%.3f]  (tp %ld fp %ld fn %ld "
           "tn %ld)\n",
           name, p, r, f1_of(c->tp, c->fp, c->fn), lo, hi, c->tp, c->fp, c->fn, c->tn);
}

static void confusion_free(confusion *c)
{
    free(c->outcome);
    c->outcome = NULL;
}

static int sentiment_set(ms_engine *e, const char *dir, const char *file)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/sentiment/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "accuracy: cannot open %s\n", path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    long cnt = 0, agree = 0;
    double t0 = now_s();
    while ((n = getline(&line, &cap, f)) > 0) {
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2)
            continue;
        double human = strtod(t1 + 1, NULL);
        char *text = t2 + 1;
        size_t len = strlen(text);
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            len--;
        double x = classify(e, text, len)->sentiment.compound;
        sx += x;
        sy += human;
        sxx += x * x;
        syy += human * human;
        sxy += x * human;
        cnt++;
        int hc = human > 0.2 ? 1 : human < -0.2 ? -1 : 0;
        int pc = x > 0.05 ? 1 : x < -0.05 ? -1 : 0;
        agree += hc == pc;
    }
    double secs = now_s() - t0;
    free(line);
    fclose(f);
    double r = (cnt * sxy - sx * sy) /
               sqrt((cnt * sxx - sx * sx) * (cnt * syy - sy * sy));
    /* Fisher's z: atanh(r) is near normal with standard error 1/sqrt(n-3) */
    double z = atanh(r), se = cnt > 3 ? 1.0 / sqrt((double)(cnt - 3)) : 0;
    printf("  %-40s n=%-6ld Pearson r %.3f [95%% %.3f-%.3f]  3-class accuracy %.3f  "
           "(%.0f sentences/s)\n",
           file, cnt, r, tanh(z - 1.96 * se), tanh(z + 1.96 * se), (double)agree / (double)cnt,
           (double)cnt / secs);
    return 0;
}

int main(int argc, char **argv)
{
    bool help = argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"));
    if (help || argc > 3 || (argc > 1 && argv[1][0] == '-')) {
        fprintf(help ? stdout : stderr,
                "usage: accuracy [DATA_DIR] [RULES_DIR]\n"
                "  DATA_DIR   the labelled sets (default: ../shared/data beside the source)\n"
                "  RULES_DIR  the rule set to measure (default: the bundled rules/)\n");
        return help ? 0 : 2;
    }
    const char *data = argc > 1 ? argv[1] : MS_SOURCE_DIR "/../shared/data";
    const char *rules = argc > 2 ? argv[2] : MS_DEFAULT_RULES_DIR;
    ms_buf errors;
    ms_buf_init(&errors);
    ms_ruleset *rs = ms_ruleset_load(rules, NULL, &errors);
    if (!rs) {
        ms_buf_terminate(&errors);
        fprintf(stderr, "%saccuracy: rule set '%s' failed to load\n", errors.data, rules);
        return 2;
    }
    char err[256];
    ms_engine *e = ms_engine_new(rs, NULL, err, sizeof err);
    if (!e) {
        fprintf(stderr, "accuracy: %s\n", err);
        return 1;
    }
    printf("mentionsift accuracy on %s (rule set %s)\n\n", data, ms_ruleset_version(rs));

    printf("sentiment (anchors, the original Python VADER 3.3.2 run here on the same files:\n"
           "  Amazon r 0.590 acc 0.591, movie r 0.427 acc 0.553, NYT r 0.503 acc 0.540):\n");
    int rc = 0;
    rc |= sentiment_set(e, data, "amazonReviewSnippets_GroundTruth.txt");
    rc |= sentiment_set(e, data, "movieReviewSnippets_GroundTruth.txt");
    rc |= sentiment_set(e, data, "nytEditorialSnippets_GroundTruth.txt");

    char path[2048];
    csv c;
    snprintf(path, sizeof path, "%s/offensive/davidson-dev.csv", data);
    if (csv_open(&c, path)) {
        confusion off = {0}, hate = {0};
        long neither = 0, neither_flagged = 0, rows = 0;
        csv_next(&c); /* header */
        double t0 = now_s();
        while (csv_next(&c)) {
            if (c.n < 7)
                continue;
            int cls = atoi(c.fields[5]);
            const ms_verdict *v = classify(e, c.fields[6], strlen(c.fields[6]));
            bool pred = ms_verdict_has(v, MS_CAT_PROFANITY) || ms_verdict_has(v, MS_CAT_HATE) ||
                        ms_verdict_has(v, MS_CAT_SEXUAL_GRAPHIC);
            count(&off, cls != 2, pred);
            count(&hate, cls == 0, ms_verdict_has(v, MS_CAT_HATE));
            if (cls == 2) {
                neither++;
                neither_flagged += pred;
            }
            rows++;
        }
        double secs = now_s() - t0;
        printf("\noffensive language, Davidson et al. (anchor: obscenity P 0.988 R 0.818 F1 0.895, "
               "4.8%% of 'neither' flagged):\n");
        print_prf("offensive (class 0 or 1)", &off);
        /* Wilson's 95% score interval of a proportion */
        double pn = (double)neither_flagged / (double)neither, zz = 1.96 * 1.96;
        double mid = (pn + zz / (2.0 * (double)neither)) / (1 + zz / (double)neither);
        double half = 1.96 * sqrt(pn * (1 - pn) / (double)neither +
                                  zz / (4.0 * (double)neither * (double)neither)) /
                      (1 + zz / (double)neither);
        printf("  %-28s %.1f%% [95%% %.1f-%.1f%%] of %ld 'neither' tweets flagged\n",
               "false alarms", 100.0 * pn, 100.0 * (mid - half), 100.0 * (mid + half), neither);
        print_prf("hate label vs class 0", &hate);
        printf("  %-28s %ld tweets at %.0f tweets/s\n", "speed", rows, (double)rows / secs);
        confusion_free(&off);
        confusion_free(&hate);
        free(c.data);
    } else {
        fprintf(stderr, "accuracy: cannot open %s\n", path);
        rc = 1;
    }

    snprintf(path, sizeof path, "%s/complaints/complaints-dev.csv", data);
    if (csv_open(&c, path)) {
        /* half[0]: even rows, half[1]: odd rows (0-based, after the header),
         * so rules tuned on one half can be checked on the other. */
        confusion comp = {0}, half[2] = {{0}, {0}};
        long row = 0;
        csv_next(&c);
        for (; csv_next(&c); row++) {
            if (c.n < 3)
                continue;
            const ms_verdict *v = classify(e, c.fields[1], strlen(c.fields[1]));
            bool truth = atoi(c.fields[2]) == 1, pred = ms_verdict_has(v, MS_CAT_COMPLAINT);
            count(&comp, truth, pred);
            count(&half[row % 2], truth, pred);
        }
        printf("\ncomplaints, Preotiuc-Pietro et al. (anchor: best trained model F1 0.79):\n");
        print_prf("complaint", &comp);
        print_prf("complaint, even rows", &half[0]);
        print_prf("complaint, odd rows", &half[1]);
        confusion_free(&comp);
        confusion_free(&half[0]);
        confusion_free(&half[1]);
        free(c.data);
    } else {
        fprintf(stderr, "accuracy: cannot open %s\n", path);
        rc = 1;
    }
    ms_engine_free(e);
    ms_ruleset_free(rs);
    ms_buf_free(&errors);
    return rc;
}
