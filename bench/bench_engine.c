/*
 * bench_engine.c - the rule-set benchmark: how fast the engine classifies,
 * measured against the raw Hyperscan scan of the same databases over the
 * same corpus in the same run.
 *
 *   build/bench/bench_engine [--rules DIR] [--events N] [--length BYTES]
 *                            [--threads N] [--seed S] [--rounds R] [--pattern-cost TOP]
 *                            [--batch N] [--corpus FILE]
 *
 * Prints: compile time (cold, without the cache) and load time (from the
 * cache), database sizes, then for 1 and N threads the events/s and MB/s of
 *   raw      hs_scan of every main database (words literals, words regexes,
 *            raw, the gated raw ones) over the original text, with a
 *            callback that does nothing: the floor set by Hyperscan;
 *   engine   the full classification: normalise, scan both views, score,
 *            decide;
 * and the engine's rate as a ratio of raw. It also counts heap allocations
 * made by mentionsift's code during the measured (warm) rounds (the binary
 * wraps malloc/calloc/realloc at link time), the raw scan split by
 * database (over every original text, and over what the engine scans with
 * each: the words view, the gated texts), and per-rule hit counts.
 * With --pattern-cost TOP it then lists the TOP regular expressions that
 * cost the most scanned alone, with their rule and file:line, for rule
 * authors deciding what to rewrite.
 * The corpus is the deterministic generator's (core/corpus.h), or with
 * --corpus FILE the mentions of a JSON-lines file: a rule author's own posts,
 * or a production topic dumped with kcat.
 * Figures on a shared machine are noisy: compare ratios from one run.
 */
#include <getopt.h>
#include <hs/hs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/codec.h"
#include "core/corpus.h"
#include "core/engine.h"
#include "match/ruleset.h"
#include "match/ruleset_internal.h"
#include "normalise/normalise.h"

/* ---- allocation counting (link with -Wl,--wrap=malloc,...) ---------- */

static atomic_long allocs;
void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n)
{
    atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
    return __real_malloc(n);
}
void *__wrap_calloc(size_t a, size_t b)
{
    atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
    return __real_calloc(a, b);
}
void *__wrap_realloc(void *p, size_t n)
{
    atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
    return __real_realloc(p, n);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The corpus, copied out of the generator so every run reads the same bytes. */
typedef struct corpus_mem {
    ms_mention *m;
    size_t n;
    size_t text_bytes;
    ms_buf store;
} corpus_mem;

static ms_str copy_str(ms_buf *b, ms_str s, size_t *offs)
{
    *offs = b->len;
    ms_buf_append(b, s.ptr, s.len);
    return (ms_str){NULL, s.len};
}

/** @brief Room for `cap` mentions in an empty `c`, and their store offsets (3 per mention,
 *  returned; the caller frees them); exits on ENOMEM. */
static size_t *corpus_reserve(corpus_mem *c, size_t cap)
{
    c->m = calloc(cap, sizeof *c->m);
    size_t *offs = calloc(cap * 3, sizeof *offs);
    if (!c->m || !offs) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    ms_buf_init(&c->store);
    return offs;
}

/** @brief Store mention `i` of `c` from `m`: the text, handle and id the engine reads, copied
 *  into the corpus's store (offsets in `offs` until point_into_store), the rest blanked. */
static void keep_mention(corpus_mem *c, size_t i, const ms_mention *m, size_t *offs)
{
    c->m[i] = *m;
    c->m[i].text = copy_str(&c->store, m->text, &offs[3 * i]);
    c->m[i].author.handle = copy_str(&c->store, m->author.handle, &offs[3 * i + 1]);
    c->m[i].id = copy_str(&c->store, m->id, &offs[3 * i + 2]);
    c->m[i].author.id = c->m[i].author.display_name = (ms_str){"", 0};
    c->m[i].post_id = c->m[i].parent_id = c->m[i].permalink = c->m[i].language = (ms_str){"", 0};
    c->text_bytes += m->text.len;
}

/** @brief Point the `c->n` kept mentions into the store, once it no longer moves. */
static void point_into_store(corpus_mem *c, const size_t *offs)
{
    for (size_t i = 0; i < c->n; i++) {
        c->m[i].text.ptr = c->store.data + offs[3 * i];
        c->m[i].author.handle.ptr = c->store.data + offs[3 * i + 1];
        c->m[i].id.ptr = c->store.data + offs[3 * i + 2];
    }
}

/** @brief An option's whole text as an integer in [lo, hi] (ms_cli_uint); exit 2 after its
 *  message otherwise. */
static uint64_t whole_number(const char *option, const char *text, uint64_t lo, uint64_t hi)
{
    unsigned long long v;
    if (!ms_cli_uint("bench", option, text, lo, hi, &v))
        exit(2);
    return v;
}

static void build_corpus(corpus_mem *c, size_t n, uint32_t mean, uint64_t seed)
{
    ms_corpus_options opt;
    ms_corpus_options_default(&opt);
    opt.mean_len = mean;
    ms_corpus *g = ms_corpus_new(seed, &opt);
    size_t *offs = corpus_reserve(c, n);
    if (!g) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        ms_mention m;
        ms_corpus_next(g, &m);
        keep_mention(c, i, &m, offs);
    }
    c->n = n;
    point_into_store(c, offs);
    free(offs);
    ms_corpus_free(g);
}

/**
 * @brief Read up to `max` mentions from a JSON-lines file (the `classify`
 *  input format) into `c`, keeping the fields the engine reads: a rule
 *  author's own posts, or a topic dumped with kcat. Exits 2 naming file:line
 *  on a line that does not decode, so a figure never silently covers fewer
 *  events than the file has.
 */
static void load_corpus(corpus_mem *c, const char *path, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    ms_decoder *d = ms_decoder_new();
    size_t cap = 1024, line_no = 0, len_cap = 0;
    char *line = NULL;
    size_t *offs = corpus_reserve(c, cap);
    if (!d) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    ssize_t got;
    while (c->n < max && (got = getline(&line, &len_cap, f)) != -1) {
        line_no++;
        size_t len = (size_t)got;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (!len)
            continue;
        ms_mention m;
        ms_codec_error err;
        if (!ms_decode_mention(d, MS_ENC_JSON, line, len, &m, &err)) {
            fprintf(stderr, "%s:%zu: not a Mention: %s\n", path, line_no, err.msg);
            exit(2);
        }
        if (c->n == cap) {
            cap *= 2;
            ms_mention *nm = realloc(c->m, cap * sizeof *nm);
            size_t *no = realloc(offs, cap * 3 * sizeof *no);
            if (!nm || !no) {
                fprintf(stderr, "bench: out of memory\n");
                exit(1);
            }
            c->m = nm;
            offs = no;
        }
        size_t i = c->n++;
        keep_mention(c, i, &m, offs);
    }
    free(line);
    fclose(f);
    ms_decoder_free(d);
    if (!c->n) {
        fprintf(stderr, "%s: no mentions\n", path);
        exit(2);
    }
    point_into_store(c, offs);
    free(offs);
}

/* Per rule, over a run: its hits and its start-of-match rescans (matcher.h). */
typedef struct rule_tally {
    uint64_t *hits, *rescans;
} rule_tally;

typedef struct job {
    const ms_ruleset *rs;
    const corpus_mem *c;
    int rounds;
    bool raw;
    size_t batch;        /* mentions per call (engine) or per database sweep (raw) */
    size_t from, to;     /* slice of the corpus for this thread */
    double secs;
    long allocs_warm;
    rule_tally *tally; /* engine runs only, thread 0 */
} job;

static int nop(unsigned id, unsigned long long f, unsigned long long t, unsigned fl, void *ctx)
{
    return 0;
}

static void *run_job(void *arg)
{
    job *j = arg;
    const ms_ruleset *rs = j->rs;
    if (j->raw) {
        hs_scratch_t *s = NULL;
        if (hs_alloc_scratch(rs->words_db, &s) != HS_SUCCESS ||
            (rs->words_re_db && hs_alloc_scratch(rs->words_re_db, &s) != HS_SUCCESS) ||
            (rs->raw_db && hs_alloc_scratch(rs->raw_db, &s) != HS_SUCCESS) ||
            (rs->raw_gated[MS_GATE_DIGIT].db &&
             hs_alloc_scratch(rs->raw_gated[MS_GATE_DIGIT].db, &s) != HS_SUCCESS) ||
            (rs->raw_gated[MS_GATE_AT].db &&
             hs_alloc_scratch(rs->raw_gated[MS_GATE_AT].db, &s) != HS_SUCCESS)) {
            fprintf(stderr, "bench: hs_alloc_scratch failed\n");
            exit(1);
        }
        /* every text in every database, though the engine skips the gated
         * ones for texts without a digit or an '@': the floor stays every
         * database. In batches like the engine's: each database swept over
         * a batch before the next. */
        const hs_database_t *dbs[3 + MS_GATES] = {rs->words_db, rs->words_re_db, rs->raw_db};
        for (int g = 0; g < MS_GATES; g++)
            dbs[3 + g] = rs->raw_gated[g].db;
        double t0 = now_s();
        for (int r = 0; r < j->rounds; r++)
            for (size_t b = j->from; b < j->to; b += j->batch) {
                size_t end = b + j->batch < j->to ? b + j->batch : j->to;
                for (int d = 0; d < 3 + MS_GATES; d++)
                    for (size_t i = b; dbs[d] && i < end; i++) {
                        const ms_str *t = &j->c->m[i].text;
                        hs_scan(dbs[d], t->ptr, (unsigned)t->len, 0, s, nop, NULL);
                    }
            }
        j->secs = now_s() - t0;
        hs_free_scratch(s);
        return NULL;
    }
    char err[256];
    ms_engine *e = ms_engine_new(rs, NULL, err, sizeof err);
    if (!e) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    static _Thread_local ms_verdict v[MS_ENGINE_BATCH];
    for (int r = -1; r < j->rounds; r++) { /* round -1 warms up */
        if (r == 0) {
            j->allocs_warm = atomic_load(&allocs);
            j->secs = now_s();
        }
        for (size_t b = j->from; b < j->to; b += j->batch) {
            size_t n = b + j->batch < j->to ? j->batch : j->to - b;
            if (!ms_engine_classify_batch(e, &j->c->m[b], v, n)) {
                fprintf(stderr, "bench: classification failed\n");
                exit(1);
            }
        }
    }
    j->secs = now_s() - j->secs;
    j->allocs_warm = atomic_load(&allocs) - j->allocs_warm;
    if (j->tally) {
        const uint64_t *h = ms_engine_rule_counts(e);
        const uint64_t *rc = ms_engine_rescan_counts(e);
        for (uint32_t i = 0; i < ms_ruleset_rule_count(rs); i++) {
            j->tally->hits[i] = h[i];
            j->tally->rescans[i] = rc[i];
        }
    }
    ms_engine_free(e);
    return NULL;
}

/** @brief Run `threads` jobs over the whole corpus; returns events/s. */
static double measure(const ms_ruleset *rs, const corpus_mem *c, int threads, int rounds,
                      bool raw, size_t batch, long *allocs_out, rule_tally *tally)
{
    job jobs[64];
    pthread_t th[64];
    for (int t = 0; t < threads; t++) {
        jobs[t] = (job){.rs = rs, .c = c, .rounds = rounds, .raw = raw, .batch = batch,
                        .from = c->n * (size_t)t / (size_t)threads,
                        .to = c->n * (size_t)(t + 1) / (size_t)threads,
                        .tally = t == 0 ? tally : NULL};
        pthread_create(&th[t], NULL, run_job, &jobs[t]);
    }
    double slowest = 0;
    long a = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(th[t], NULL);
        if (jobs[t].secs > slowest)
            slowest = jobs[t].secs;
        a += jobs[t].allocs_warm;
    }
    if (allocs_out)
        *allocs_out = a;
    return (double)c->n * rounds / slowest;
}

/* ---- what each regular expression costs ---------------------------- */

typedef struct regex_cost {
    uint32_t i;
    double ns;       /* per corpus event, above an empty scan's */
    size_t bytes;    /* its database alone */
} regex_cost;

static int by_cost_desc(const void *a, const void *b)
{
    double x = ((const regex_cost *)a)->ns, y = ((const regex_cost *)b)->ns;
    return (x < y) - (x > y);
}

static int by_bytes_desc(const void *a, const void *b)
{
    size_t x = ((const regex_cost *)a)->bytes, y = ((const regex_cost *)b)->bytes;
    return (x < y) - (x > y);
}

static int count_match(unsigned id, unsigned long long f, unsigned long long t, unsigned fl,
                       void *ctx)
{
    ++*(uint64_t *)ctx;
    return 0;
}

/** @brief Best of `rounds` ns per corpus event for scanning `texts` with `db`; counts the
 *  matches into `*matches` unless it is NULL (then the callback does nothing). */
static double db_scan_ns(const hs_database_t *db, hs_scratch_t *s, const ms_str *texts, size_t n,
                         size_t n_events, int rounds, uint64_t *matches)
{
    double best = -1;
    for (int r = 0; r < rounds; r++) {
        uint64_t m = 0;
        double t0 = now_s();
        for (size_t i = 0; i < n; i++)
            hs_scan(db, texts[i].ptr, (unsigned)texts[i].len, 0, s, matches ? count_match : nop,
                    &m);
        double ns = (now_s() - t0) * 1e9 / (double)n_events;
        if (best < 0 || ns < best)
            best = ns; /* the least disturbed round of a shared machine */
        if (matches)
            *matches = m;
    }
    return best;
}

/** @brief ns per corpus event that scanning `texts` with `expr` alone costs, or -1. */
static double scan_cost(const char *expr, unsigned flags, const ms_str *texts, size_t n,
                        size_t n_events, int rounds, const char *what, size_t *db_bytes)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *cerr = NULL;
    if (hs_compile(expr, flags, HS_MODE_BLOCK, NULL, &db, &cerr) != HS_SUCCESS) {
        fprintf(stderr, "bench: %s: %s\n", what, cerr ? cerr->message : "compile failed");
        hs_free_compile_error(cerr);
        return -1;
    }
    hs_scratch_t *s = NULL;
    if (hs_alloc_scratch(db, &s) != HS_SUCCESS) {
        fprintf(stderr, "bench: %s: hs_alloc_scratch failed\n", what);
        hs_free_database(db);
        return -1;
    }
    double best = db_scan_ns(db, s, texts, n, n_events, rounds, NULL);
    if (db_bytes && hs_database_size(db, db_bytes) != HS_SUCCESS)
        *db_bytes = 0;
    hs_free_scratch(s);
    hs_free_database(db);
    return best;
}

/* What the engine scans, per corpus event: the words view of every text,
 * every original text, and the texts each gate lets through. */
typedef struct scan_inputs {
    size_t n;
    ms_str *views, *raw, *digit, *at;
    size_t n_digit, n_at;
    ms_buf store; /* the views' bytes */
} scan_inputs;

/** @brief Normalise every corpus text once and sort the texts by gate; exits on OOM. */
static void scan_inputs_build(scan_inputs *in, const corpus_mem *c)
{
    size_t n = c->n;
    memset(in, 0, sizeof *in);
    in->n = n;
    in->views = calloc(n, sizeof *in->views);
    in->raw = calloc(n, sizeof *in->raw);
    in->digit = calloc(n, sizeof *in->digit);
    in->at = calloc(n, sizeof *in->at);
    size_t *voff = calloc(n, sizeof *voff);
    ms_normaliser *norm = ms_normaliser_new();
    ms_buf_init(&in->store);
    if (!in->views || !in->raw || !in->digit || !in->at || !voff || !norm) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        const ms_str *t = &c->m[i].text;
        ms_normalised v;
        if (!ms_normalise(norm, t->ptr, t->len, &v)) {
            fprintf(stderr, "bench: out of memory\n");
            exit(1);
        }
        voff[i] = in->store.len;
        ms_buf_append(&in->store, v.view, v.len);
        in->views[i].len = v.len;
        in->raw[i] = *t;
        bool has_digit = false;
        for (size_t k = 0; k < t->len && !has_digit; k++)
            has_digit = t->ptr[k] >= '0' && t->ptr[k] <= '9';
        if (has_digit)
            in->digit[in->n_digit++] = *t;
        if (memchr(t->ptr, '@', t->len))
            in->at[in->n_at++] = *t;
    }
    if (!ms_buf_ok(&in->store)) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        in->views[i].ptr = in->store.data + voff[i];
    free(voff);
    ms_normaliser_free(norm);
}

static void scan_inputs_free(scan_inputs *in)
{
    ms_buf_free(&in->store);
    free(in->views);
    free(in->raw);
    free(in->digit);
    free(in->at);
}

/*
 * The raw scan split by database: the same loop as the raw path, one
 * database at a time, so a rule author sees which database the floor is
 * made of (words literals and lexicon, words regexes, raw, each gated one).
 * Beside it, each database over what the engine gives it: the words
 * databases over the words view, the gated ones over the texts their gate
 * lets through, with the matches reported per event. The words databases
 * cost more over the view than over the original text: every word-bounded
 * literal (" word ") can only match in the view, so Hyperscan confirms and
 * reports there what it rejects early in the original. That is the main
 * reason the engine's ratio to raw is near one half.
 */
static void db_cost(const ms_ruleset *rs, const scan_inputs *in, int rounds)
{
    const struct {
        const char *name;
        hs_database_t *db;
        const ms_str *engine_in;
        size_t engine_n;
    } dbs[] = {{"words", rs->words_db, in->views, in->n},
               {"words_re", rs->words_re_db, in->views, in->n},
               {"raw", rs->raw_db, in->raw, in->n},
               {"raw_digit", rs->raw_gated[MS_GATE_DIGIT].db, in->digit, in->n_digit},
               {"raw_at", rs->raw_gated[MS_GATE_AT].db, in->at, in->n_at}};
    printf("\nraw scan by database (1 thread, best of %d rounds; ns per corpus event):\n",
           rounds);
    printf("  %-10s %12s %12s %14s %10s\n", "database", "every text", "engine's in",
           "matches/event", "bytes");
    double sum = 0, sum_engine = 0;
    for (size_t d = 0; d < sizeof dbs / sizeof dbs[0]; d++) {
        if (!dbs[d].db)
            continue;
        hs_scratch_t *s = NULL;
        if (hs_alloc_scratch(dbs[d].db, &s) != HS_SUCCESS) {
            fprintf(stderr, "bench: %s: hs_alloc_scratch failed\n", dbs[d].name);
            exit(1);
        }
        uint64_t m_text = 0, m_engine = 0;
        double every = db_scan_ns(dbs[d].db, s, in->raw, in->n, in->n, rounds, &m_text);
        double engine = db_scan_ns(dbs[d].db, s, dbs[d].engine_in, dbs[d].engine_n, in->n,
                                   rounds, &m_engine);
        hs_free_scratch(s);
        size_t bytes = 0;
        hs_database_size(dbs[d].db, &bytes);
        printf("  %-10s %12.0f %12.0f %14.2f %10zu\n", dbs[d].name, every, engine,
               (double)m_engine / (double)in->n, bytes);
        sum += every;
        sum_engine += engine;
    }
    printf("  %-10s %12.0f %12.0f\n", "all", sum, sum_engine);
}

/*
 * Each regular expression compiled alone and scanned over what the engine
 * scans it over (the words view, or the original text of the mentions its
 * gate lets through), minus the cost of scanning the same texts with a
 * pattern that never matches. In the combined databases costs are not
 * additive (Hyperscan shares literal prefilters), but an expression that is
 * expensive alone is where a rule author should look first.
 */
static void pattern_cost(const ms_ruleset *rs, const scan_inputs *in, int top, int rounds)
{
    size_t n = in->n, n_digit = in->n_digit, n_at = in->n_at;
    const ms_str *views = in->views, *raw = in->raw, *digit = in->digit, *at = in->at;
    uint32_t nr = ms_ruleset_regex_count(rs);
    regex_cost *cost = calloc(nr ? nr : 1, sizeof *cost);
    if (!cost) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    const ms_str *texts[] = {[MS_REGEX_ALWAYS] = raw, [MS_REGEX_IF_DIGIT] = digit,
                             [MS_REGEX_IF_AT] = at};
    size_t counts[] = {[MS_REGEX_ALWAYS] = n, [MS_REGEX_IF_DIGIT] = n_digit,
                       [MS_REGEX_IF_AT] = n_at};
    /* an empty scan: a literal no mention holds */
    double base_views = scan_cost("\\x00\\x01\\x02", HS_FLAG_CASELESS, views, n, n, rounds, "baseline",
                                  NULL);
    double base[3];
    for (int g = 0; g < 3; g++)
        base[g] = scan_cost("\\x00\\x01\\x02", HS_FLAG_CASELESS, texts[g], counts[g], n, rounds,
                            "baseline", NULL);
    double sum = 0;
    size_t sum_bytes = 0;
    for (uint32_t i = 0; i < nr; i++) {
        const ms_ruleset_regex *x = ms_ruleset_regex_at(rs, i);
        bool words = x->view == MS_VIEW_WORDS;
        size_t bytes = 0;
        double ns = scan_cost(x->expr, x->hs_flags, words ? views : texts[x->gate],
                              words ? n : counts[x->gate], n, rounds, x->expr, &bytes);
        ns -= words ? base_views : base[x->gate];
        cost[i] = (regex_cost){i, ns > 0 ? ns : 0, bytes};
        sum += cost[i].ns;
        sum_bytes += bytes;
    }
    qsort(cost, nr, sizeof *cost, by_cost_desc);
    printf("\nregular expressions, each alone: ns per event above an empty scan, and the size of\n"
           "its database alone (%u expressions, %.0f ns and %zu bytes in all; %zu events, %zu "
           "with a digit, %zu with '@')\n",
           nr, sum, sum_bytes, n, n_digit, n_at);
    printf("  %8s %6s %8s  %-8s %-34s %s\n", "ns/event", "share", "bytes", "runs on", "rule",
           "where: pattern");
    static const char *const gate_name[] = {"all", "digit", "'@'"};
    /* the slowest, then the largest: a large database pushes the others out of the cache, a
     * cost the scan alone does not show */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            qsort(cost, nr, sizeof *cost, by_bytes_desc);
            printf("\nthe same, largest databases first\n");
        }
        for (int k = 0; k < top && (uint32_t)k < nr; k++) {
            const ms_ruleset_regex *x = ms_ruleset_regex_at(rs, cost[k].i);
            printf("  %8.1f %5.1f%% %8zu  %-8s %-34s %s:%d: %.70s\n", cost[k].ns,
                   sum > 0 ? 100 * cost[k].ns / sum : 0, cost[k].bytes,
                   x->view == MS_VIEW_WORDS ? "words" : gate_name[x->gate],
                   ms_ruleset_rule(rs, x->rule)->id, x->file, x->line, x->source);
        }
    }
    free(cost);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},  {"events", required_argument, NULL, 'n'},
        {"length", required_argument, NULL, 'l'}, {"threads", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 's'},   {"rounds", required_argument, NULL, 'R'},
        {"pattern-cost", required_argument, NULL, 'P'},
        {"batch", required_argument, NULL, 'b'},
        {"corpus", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    static const char usage[] =
        "usage: bench_engine [--rules DIR] [--events N] [--length BYTES] [--threads N] "
        "[--seed S] [--rounds R] [--pattern-cost TOP] [--batch N] [--corpus FILE]\n";
    const char *rules = MS_DEFAULT_RULES_DIR, *corpus_file = NULL;
    size_t events = 200000;
    uint32_t length = 200;
    int threads = (int)sysconf(_SC_NPROCESSORS_ONLN), rounds = 5, pattern_top = 0;
    int batch = MS_ENGINE_BATCH;
    uint64_t seed = 42;
    int c;
    while ((c = getopt_long(argc, argv, "r:n:l:t:s:R:P:b:c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rules = optarg; break;
        case 'n': events = whole_number("--events", optarg, 1, 100000000); break;
        case 'l': length = (uint32_t)whole_number("--length", optarg, 1, 65536); break;
        case 't': threads = (int)whole_number("--threads", optarg, 1, 64); break;
        case 's': seed = whole_number("--seed", optarg, 0, UINT64_MAX); break;
        case 'R': rounds = (int)whole_number("--rounds", optarg, 1, 1000); break;
        case 'P': pattern_top = (int)whole_number("--pattern-cost", optarg, 0, 100000); break;
        case 'b': batch = (int)whole_number("--batch", optarg, 1, MS_ENGINE_BATCH); break;
        case 'c': corpus_file = optarg; break;
        case 'h':
            printf("%s\n"
                   "Classification alone, in memory, against a raw Hyperscan scan of the same\n"
                   "databases over the same synthetic corpus (bench/README.md says how to read it).\n\n"
                   "  --rules DIR         rule set (default: the source tree's rules/)\n"
                   "  --events N          corpus size (default 200000)\n"
                   "  --length BYTES      mean text length (default 200)\n"
                   "  --threads N         the second run's threads (default: one per core)\n"
                   "  --seed S            corpus seed (default 42)\n"
                   "  --rounds R          best of R rounds (default 5)\n"
                   "  --pattern-cost TOP  also the TOP most expensive regular expressions\n"
                   "  --batch N           mentions per ms_engine_classify_batch call, 1..%d\n"
                   "  --corpus FILE       mentions from a JSON-lines file (classify's input)\n"
                   "                      instead of the generator; --events caps how many\n",
                   usage, MS_ENGINE_BATCH);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (threads > 64) /* the default, one per core, on a very large host */
        threads = 64;
    corpus_mem corpus = {0};
    if (corpus_file) /* before the compile: a bad file stops it at once */
        load_corpus(&corpus, corpus_file, events);
    ms_buf errors;
    ms_buf_init(&errors);
    ms_ruleset_options cold = {.cache_dir = ""};
    ms_ruleset *rs = ms_ruleset_load(rules, &cold, &errors);
    if (!rs) {
        ms_buf_terminate(&errors);
        fprintf(stderr, "%sbench: rule set '%s' failed to load\n", errors.data, rules);
        return 2;
    }
    const ms_ruleset_stats *st = ms_ruleset_stats_get(rs);
    /* load time through the cache: write it once, then time a warm load */
    char cache[] = "/tmp/mentionsift-bench-cache-XXXXXX";
    double warm_load = -1;
    if (mkdtemp(cache)) {
        ms_ruleset_options o = {.cache_dir = cache};
        ms_ruleset_free(ms_ruleset_load(rules, &o, NULL));
        double t0 = now_s();
        ms_ruleset *w = ms_ruleset_load(rules, &o, NULL);
        warm_load = now_s() - t0;
        ms_ruleset_free(w);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
        if (system(cmd) != 0)
            fprintf(stderr, "bench: could not remove %s\n", cache);
    }
    printf("rule set        %s (%s)\n", rules, ms_ruleset_version(rs));
    printf("rules           %u; patterns: words %u (lexicon %u), raw %u\n", st->rules,
           st->words_patterns, st->lexicon_entries, st->raw_patterns);
    printf("databases       words %zu bytes, raw %zu bytes\n", st->words_db_bytes,
           st->raw_db_bytes);
    printf("compile (cold)  %.3f s; load from cache %.3f s\n", st->compile_seconds, warm_load);

    if (!corpus_file)
        build_corpus(&corpus, events, length, seed);
    double mb = (double)corpus.text_bytes / 1e6;
    char source[320];
    if (corpus_file)
        snprintf(source, sizeof source, "from %.300s", corpus_file);
    else
        snprintf(source, sizeof source, "seed %llu", (unsigned long long)seed);
    printf("corpus          %zu events, %s, mean text %.0f bytes, %.1f MB; %d rounds\n\n",
           corpus.n, source, (double)corpus.text_bytes / (double)corpus.n, mb, rounds);

    uint64_t *hits = calloc(ms_ruleset_rule_count(rs), sizeof *hits);
    uint64_t *rescans = calloc(ms_ruleset_rule_count(rs), sizeof *rescans);
    rule_tally tally = {hits, rescans};
    int tcounts[2] = {1, threads};
    /* each path one mention at a time, then (with --batch > 1) in batches:
     * the engine's ratio is to raw scanned the same way */
    printf("%-8s %-6s %-8s %14s %10s %8s\n", "threads", "batch", "path", "events/s", "MB/s",
           "ratio");
    double bpe = (double)corpus.text_bytes / (double)corpus.n;
    for (int k = 0; k < (threads > 1 ? 2 : 1); k++) {
        int t = tcounts[k];
        int sizes[2] = {1, batch};
        for (int bi = 0; bi < (batch > 1 ? 2 : 1); bi++) {
            size_t bs = (size_t)sizes[bi];
            double raw = measure(rs, &corpus, t, rounds, true, bs, NULL, NULL);
            long a = 0;
            double eng =
                measure(rs, &corpus, t, rounds, false, bs, &a, k == 0 && bi == 0 ? &tally : NULL);
            printf("%-8d %-6zu %-8s %14.0f %10.1f %8s\n", t, bs, "raw", raw, raw * bpe / 1e6,
                   "1.00");
            printf("%-8d %-6zu %-8s %14.0f %10.1f %8.2f   (heap allocations while warm: %ld)\n",
                   t, bs, "engine", eng, eng * bpe / 1e6, eng / raw, a);
        }
    }
    scan_inputs inputs;
    scan_inputs_build(&inputs, &corpus);
    db_cost(rs, &inputs, rounds);
    /* a rescan is a regex that hit scanned again alone for where its match
     * starts (matcher.c): what a rule costs beyond the shared scan */
    uint64_t all_rescans = 0;
    for (uint32_t i = 0; i < ms_ruleset_rule_count(rs); i++)
        all_rescans += rescans[i];
    printf("\nper-rule hits and start-of-match rescans (1 thread, %d rounds; rescans per event "
           "%.3f):\n",
           rounds + 1, (double)all_rescans / ((double)(rounds + 1) * (double)corpus.n));
    for (uint32_t i = 0; i < ms_ruleset_rule_count(rs); i++)
        if (hits[i])
            printf("  %-40s %10llu %10llu\n", ms_ruleset_rule(rs, i)->id,
                   (unsigned long long)hits[i], (unsigned long long)rescans[i]);
    free(hits);
    free(rescans);
    if (pattern_top)
        pattern_cost(rs, &inputs, pattern_top, rounds);
    scan_inputs_free(&inputs);
    free(corpus.m);
    ms_buf_free(&corpus.store);
    ms_ruleset_free(rs);
    ms_buf_free(&errors);
    return 0;
}
