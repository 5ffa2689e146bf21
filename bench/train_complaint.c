/*
 * train_complaint - trains the complaint model (src/score/complaint_model.h)
 * from labelled example posts and writes the weights file that ruleset.yaml's
 * `complaint_model:` names.
 *
 *   train_complaint [--c C] [--min-count N] [--cv FOLDS] -o OUT FILE...
 *
 * Each FILE holds one example per line, 'LABEL<TAB>TEXT': LABEL is 1 for a
 * complaint and 0 for anything else; blank lines and lines starting with '#'
 * are skipped. Each text is normalised to the words view exactly as the
 * engine does it, and its terms (each word, each pair of adjacent words:
 * ms_cmodel_each_term) counted. Terms seen in fewer than --min-count examples
 * are dropped: they would only learn their few posts. liblinear's
 * L2-regularised logistic regression (its primal trust-region solver, which
 * is deterministic) then weighs the rest, and OUT gets the bias and every
 * term whose weight is not negligible, sorted, so that retraining the same
 * examples writes the same file (tests/cli/complaint_model.sh checks the
 * shipped model against its examples).
 *
 * With --cv FOLDS it also prints the precision, recall and F1 of a
 * FOLDS-fold cross-validation over the examples: how well the examples teach
 * each other, not how well the model does on real posts (bench/accuracy
 * measures that).
 */
#include <errno.h>
#include <getopt.h>
#include <linear.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "normalise/normalise.h"
#include "score/complaint_model.h"

/* Weights smaller than this change no logit by a noticeable amount. */
#define MIN_WEIGHT 0.001

typedef struct term {
    char *text;
    uint32_t df;      /* examples holding it */
    int32_t feature;  /* liblinear index (1-based) once kept; 0 dropped */
} term;

/* The vocabulary: terms by text, in an open-addressing table of indexes. */
typedef struct vocab {
    term *t;
    uint32_t n, cap_t;
    uint32_t *slot; /* index + 1; 0 empty */
    uint32_t cap;
} vocab;

/* One example: its label and term indexes with counts. */
typedef struct example {
    int label;
    uint32_t *term, *count;
    uint32_t n;
    const char *file;
    int line;
} example;

typedef struct trainer {
    vocab v;
    example *ex;
    size_t n_ex, cap_ex;
    example *cur; /* being filled by on_term */
    uint32_t cap_cur;
} trainer;

/** @brief Print "train_complaint: out of memory" and exit. */
static void oom(void)
{
    fprintf(stderr, "train_complaint: out of memory\n");
    exit(1);
}

static uint32_t hash_text(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a: the trainer's table, never the engine's */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/** @brief The index of term `s` in the vocabulary, added if new. */
static uint32_t vocab_index(vocab *v, const char *s, size_t n)
{
    if ((v->n + 1) * 2 > v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 65536;
        uint32_t *slot = calloc(cap, sizeof *slot);
        if (!slot)
            oom();
        for (uint32_t i = 0; i < v->n; i++) {
            uint32_t j = hash_text(v->t[i].text, strlen(v->t[i].text)) & (cap - 1);
            while (slot[j])
                j = (j + 1) & (cap - 1);
            slot[j] = i + 1;
        }
        free(v->slot);
        v->slot = slot;
        v->cap = cap;
    }
    uint32_t j = hash_text(s, n) & (v->cap - 1);
    for (; v->slot[j]; j = (j + 1) & (v->cap - 1)) {
        const char *t = v->t[v->slot[j] - 1].text;
        if (strlen(t) == n && memcmp(t, s, n) == 0)
            return v->slot[j] - 1;
    }
    if (v->n == v->cap_t) {
        v->cap_t = v->cap_t ? v->cap_t * 2 : 4096;
        v->t = realloc(v->t, v->cap_t * sizeof *v->t);
        if (!v->t)
            oom();
    }
    char *text = strndup(s, n);
    if (!text)
        oom();
    v->t[v->n] = (term){text, 0, 0};
    v->slot[j] = v->n + 1;
    return v->n++;
}

/** @brief ms_cmodel_term_fn: count one term of the example being read. */
static void on_term(void *ctx, const char *s, size_t n)
{
    trainer *tr = ctx;
    example *e = tr->cur;
    uint32_t id = vocab_index(&tr->v, s, n);
    for (uint32_t i = 0; i < e->n; i++)
        if (e->term[i] == id) {
            e->count[i]++;
            return;
        }
    if (e->n == tr->cap_cur) {
        tr->cap_cur = tr->cap_cur ? tr->cap_cur * 2 : 64;
        e->term = realloc(e->term, tr->cap_cur * sizeof *e->term);
        e->count = realloc(e->count, tr->cap_cur * sizeof *e->count);
        if (!e->term || !e->count)
            oom();
    }
    e->term[e->n] = id;
    e->count[e->n++] = 1;
    tr->v.t[id].df++;
}

/** @brief Read one examples file; false (reported as file:line) on a bad line. */
static bool read_examples(trainer *tr, ms_normaliser *norm, const char *path)
{
    ms_buf b;
    ms_buf_init(&b);
    if (ms_buf_read_file(&b, path, 0) != 0) {
        fprintf(stderr, "train_complaint: %s: %s\n", path, strerror(errno));
        ms_buf_free(&b);
        return false;
    }
    ms_buf_terminate(&b);
    if (!ms_buf_ok(&b))
        oom();
    bool ok = true;
    int line = 0;
    for (char *p = b.data, *end = b.data + b.len; p < end && ok;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        *le = '\0';
        line++;
        if (le > p && le[-1] == '\r')
            le[-1] = '\0';
        if (*p && *p != '#') {
            if ((p[0] != '0' && p[0] != '1') || p[1] != '\t' || !p[2]) {
                fprintf(stderr, "train_complaint: %s:%d: expected '0<TAB>text' or "
                                "'1<TAB>text'\n", path, line);
                ok = false;
                break;
            }
            if (tr->n_ex == tr->cap_ex) {
                tr->cap_ex = tr->cap_ex ? tr->cap_ex * 2 : 1024;
                tr->ex = realloc(tr->ex, tr->cap_ex * sizeof *tr->ex);
                if (!tr->ex)
                    oom();
            }
            example *e = &tr->ex[tr->n_ex++];
            *e = (example){.label = p[0] - '0', .file = path, .line = line};
            tr->cur = e;
            tr->cap_cur = 0;
            ms_normalised view;
            if (!ms_normalise(norm, p + 2, strlen(p + 2), &view))
                oom();
            ms_cmodel_each_term(view.view, view.len, on_term, tr);
        }
        p = le + 1;
    }
    ms_buf_free(&b);
    return ok;
}

/** @brief Keep the terms seen in at least `min_count` examples; returns how many. */
static int32_t keep_terms(vocab *v, uint32_t min_count)
{
    int32_t kept = 0;
    for (uint32_t i = 0; i < v->n; i++)
        v->t[i].feature = v->t[i].df >= min_count ? ++kept : 0;
    return kept;
}

static int by_index(const void *a, const void *b)
{
    const struct feature_node *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

/** @brief The examples as liblinear's problem: kept terms by count, then the bias feature. */
static void build_problem(const trainer *tr, int32_t n_features, struct problem *prob)
{
    size_t nodes = 0;
    for (size_t i = 0; i < tr->n_ex; i++)
        nodes += tr->ex[i].n + 2;
    struct feature_node *space = malloc(nodes * sizeof *space);
    prob->x = malloc(tr->n_ex * sizeof *prob->x);
    prob->y = malloc(tr->n_ex * sizeof *prob->y);
    if (!space || !prob->x || !prob->y)
        oom();
    prob->l = (int)tr->n_ex;
    prob->n = n_features + 1;
    prob->bias = 1.0;
    struct feature_node *f = space;
    for (size_t i = 0; i < tr->n_ex; i++) {
        const example *e = &tr->ex[i];
        prob->x[i] = f;
        prob->y[i] = e->label;
        struct feature_node *first = f;
        for (uint32_t k = 0; k < e->n; k++) {
            int32_t idx = tr->v.t[e->term[k]].feature;
            if (idx)
                *f++ = (struct feature_node){idx, (double)e->count[k]};
        }
        qsort(first, (size_t)(f - first), sizeof *first, by_index);
        *f++ = (struct feature_node){n_features + 1, prob->bias};
        *f++ = (struct feature_node){-1, 0};
    }
}

static void trainer_free(trainer *tr)
{
    for (size_t i = 0; i < tr->n_ex; i++) {
        free(tr->ex[i].term);
        free(tr->ex[i].count);
    }
    free(tr->ex);
    for (uint32_t i = 0; i < tr->v.n; i++)
        free(tr->v.t[i].text);
    free(tr->v.t);
    free(tr->v.slot);
}

static void quiet(const char *s) { (void)s; }

typedef struct weighted {
    const char *text;
    double w;
} weighted;

static int by_text(const void *a, const void *b)
{
    return strcmp(((const weighted *)a)->text, ((const weighted *)b)->text);
}

/** @brief Write the model: bias and terms sorted by text; false on an I/O error. */
static bool write_model(const char *out, const trainer *tr, const struct model *m, double c,
                        uint32_t min_count, int argc, char **files)
{
    int labels[2];
    get_labels(m, labels);
    double sign = labels[0] == 1 ? 1.0 : -1.0; /* liblinear's weights favour labels[0] */
    weighted *w = malloc((tr->v.n + 1) * sizeof *w);
    if (!w)
        oom();
    size_t n = 0;
    for (uint32_t i = 0; i < tr->v.n; i++) {
        if (!tr->v.t[i].feature)
            continue;
        double x = sign * get_decfun_coef(m, tr->v.t[i].feature, 0);
        if (x >= MIN_WEIGHT || x <= -MIN_WEIGHT)
            w[n++] = (weighted){tr->v.t[i].text, x};
    }
    qsort(w, n, sizeof *w, by_text);
    FILE *f = fopen(out, "w");
    if (!f) {
        fprintf(stderr, "train_complaint: %s: %s\n", out, strerror(errno));
        free(w);
        return false;
    }
    size_t pos = 0;
    for (size_t i = 0; i < tr->n_ex; i++)
        pos += tr->ex[i].label == 1;
    fprintf(f, "# The complaint model (src/score/complaint_model.h): written by\n"
               "# bench/train_complaint from %zu examples (%zu complaints), do not edit;\n"
               "# change the examples and train again (rules/README.md, \"The complaint model\").\n"
               "# C %g, terms seen in at least %u examples; examples:", tr->n_ex, pos, c,
            min_count);
    for (int i = 0; i < argc; i++) {
        const char *base = strrchr(files[i], '/');
        fprintf(f, " %s", base ? base + 1 : files[i]);
    }
    fprintf(f, "\n(bias)\t%.4f\n", sign * get_decfun_bias(m, 0));
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\t%.4f\n", w[i].text, w[i].w);
    free(w);
    if (fclose(f) != 0) {
        fprintf(stderr, "train_complaint: %s: %s\n", out, strerror(errno));
        return false;
    }
    printf("wrote %s: bias and %zu terms\n", out, n);
    return true;
}

/** @brief Print a cross-validation's precision, recall and F1 for the complaint label. */
static void cross_validate(const struct problem *prob, const struct parameter *param, int folds)
{
    double *target = malloc((size_t)prob->l * sizeof *target);
    if (!target)
        oom();
    cross_validation(prob, param, folds, target);
    long tp = 0, fp = 0, fn = 0;
    for (int i = 0; i < prob->l; i++) {
        bool truth = prob->y[i] == 1, pred = target[i] == 1;
        tp += truth && pred;
        fp += !truth && pred;
        fn += truth && !pred;
    }
    double p = tp + fp ? (double)tp / (double)(tp + fp) : 0;
    double r = tp + fn ? (double)tp / (double)(tp + fn) : 0;
    printf("%d-fold cross-validation over the examples: precision %.3f recall %.3f F1 %.3f\n",
           folds, p, r, p + r > 0 ? 2 * p * r / (p + r) : 0);
    free(target);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"c", required_argument, NULL, 'c'},
                                         {"min-count", required_argument, NULL, 'm'},
                                         {"cv", required_argument, NULL, 'v'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    static const char usage[] =
        "usage: train_complaint [--c C] [--min-count N] [--cv FOLDS] -o OUT FILE...\n";
    double c = 0.5;
    long min_count = 3, folds = 0;
    const char *out = NULL;
    int opt;
    char *end;
    while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            c = strtod(optarg, &end);
            if (*end || !(c > 0)) {
                fprintf(stderr, "train_complaint: --c must be a positive number, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'm':
        case 'v': {
            long x = strtol(optarg, &end, 10);
            if (*end || x < (opt == 'm' ? 1 : 2) || x > 1000) {
                fprintf(stderr, "train_complaint: --%s must be a whole number from %d to 1000, "
                                "not '%s'\n", opt == 'm' ? "min-count" : "cv",
                        opt == 'm' ? 1 : 2, optarg);
                return 2;
            }
            *(opt == 'm' ? &min_count : &folds) = x;
            break;
        }
        case 'o': out = optarg; break;
        case 'h':
            printf("%s\nTrains the complaint model from 'LABEL<TAB>TEXT' example files and writes\n"
                   "its weights to OUT (see the head of bench/train_complaint.c).\n\n"
                   "  --c C          liblinear's regularisation: lower is smoother (default 0.5)\n"
                   "  --min-count N  keep terms seen in at least N examples (default 3)\n"
                   "  --cv FOLDS     also print a FOLDS-fold cross-validation\n"
                   "  -o, --output   the weights file to write\n",
                   usage);
            return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (!out || optind >= argc) {
        fputs(usage, stderr);
        return 2;
    }
    set_print_string_function(quiet);
    ms_normaliser *norm = ms_normaliser_new();
    if (!norm)
        oom();
    trainer tr = {0};
    for (int i = optind; i < argc; i++)
        if (!read_examples(&tr, norm, argv[i]))
            return 2;
    if (tr.n_ex < 10) {
        fprintf(stderr, "train_complaint: %zu examples; at least 10 are needed\n", tr.n_ex);
        return 2;
    }
    int32_t n_features = keep_terms(&tr.v, (uint32_t)min_count);
    struct problem prob;
    build_problem(&tr, n_features, &prob);
    struct parameter param = {.solver_type = L2R_LR, .eps = 0.01, .C = c};
    const char *bad = check_parameter(&prob, &param);
    if (bad) {
        fprintf(stderr, "train_complaint: liblinear: %s\n", bad);
        return 2;
    }
    printf("%zu examples, %u terms, %d kept (seen in at least %ld examples)\n", tr.n_ex,
           tr.v.n, n_features, min_count);
    if (folds)
        cross_validate(&prob, &param, (int)folds);
    struct model *m = train(&prob, &param);
    if (!m || get_nr_class(m) != 2) {
        fprintf(stderr, "train_complaint: the examples need both labels, 0 and 1\n");
        return 2;
    }
    bool ok = write_model(out, &tr, m, c, (uint32_t)min_count, argc - optind, argv + optind);
    free_and_destroy_model(&m);
    free(prob.x[0]); /* the one block of feature nodes */
    free(prob.x);
    free(prob.y);
    trainer_free(&tr);
    ms_normaliser_free(norm);
    return ok ? 0 : 1;
}
