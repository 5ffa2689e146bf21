/*
 * bench_codec.c - what a worker spends per event besides Kafka: decoding the
 * input, classifying it and encoding the output, each measured alone over the
 * same corpus in the same run, against the cost of copying the input's bytes
 * (all that passthrough does with an event's payload).
 *
 *   build/bench/bench_codec [--rules DIR] [--events N] [--length BYTES]
 *                           [--seed S] [--rounds R]
 *
 * The corpus is the firehose's (core/corpus.h), encoded once as JSON and once
 * as protobuf Mentions, as `mentionsift firehose -e json|protobuf` sends them.
 * Stages, one thread, best of R rounds each (ns per event):
 *   copy           memcpy of the JSON input into a reused buffer;
 *   decode json    ms_decode_mention over the JSON inputs;
 *   decode pb      the same over the protobuf inputs;
 *   classify       ms_engine_classify over the decoded mentions;
 *   encode pb      ms_encode_classified, protobuf (the service's default);
 *   encode json    the same, JSON;
 *   path           decode json + classify + encode pb in one loop: what a
 *                  classifying worker does per event outside librdkafka.
 * Each stage is also printed as a share of `path`, and with the heap bytes it
 * allocated per event over its measured (warm) rounds, counted by jemalloc
 * for every library in the process (protobuf-c's own allocations included);
 * the worker promises none once warm. Builds without jemalloc (sanitizers)
 * print "n/a" there. This is the benchmark
 * behind the pipeline's profile: bench_pipeline.sh measures the whole
 * service, this one says which of its own steps the time goes to.
 * Figures on a shared machine are noisy: compare the shares from one run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/corpus.h"
#include "core/engine.h"
#include "match/ruleset.h"

#ifdef MS_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

typedef enum stage {
    ST_COPY,
    ST_DECODE_JSON,
    ST_DECODE_PB,
    ST_CLASSIFY,
    ST_ENCODE_PB,
    ST_ENCODE_JSON,
    ST_PATH,
    ST_COUNT
} stage;

static const char *const stage_name[ST_COUNT] = {
    "copy", "decode json", "decode pb", "classify", "encode pb", "encode json", "path",
};

/* The inputs, each encoding in one buffer with offsets; the decoded mentions
 * and their verdicts, so that classify and encode can be timed alone. */
typedef struct inputs {
    size_t n;
    ms_buf json, pb;
    size_t *json_off, *pb_off; /* n + 1 offsets each */
    ms_mention *m;
    ms_verdict *v;
    ms_buf strings;            /* the decoded mentions' string bytes */
} inputs;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_codec: %s\n", what);
    exit(1);
}

/** @brief Copy a view's bytes into `b`; the offset replaces the pointer until fix_str(). */
static ms_str keep_str(ms_buf *b, ms_str s)
{
    size_t at = b->len;
    ms_buf_append(b, s.ptr, s.len);
    if (!ms_buf_ok(b))
        die("out of memory");
    return (ms_str){(const char *)(uintptr_t)at, s.len};
}

static void fix_str(const ms_buf *b, ms_str *s)
{
    s->ptr = b->data + (uintptr_t)s->ptr;
}

/** @brief Generate n events, encode them both ways, and keep a decoded copy of each. */
static void build_inputs(inputs *in, size_t n, uint32_t mean, uint64_t seed)
{
    ms_corpus_options opt;
    ms_corpus_options_default(&opt);
    opt.mean_len = mean;
    ms_corpus *g = ms_corpus_new(seed, &opt);
    in->n = n;
    in->json_off = calloc(n + 1, sizeof *in->json_off);
    in->pb_off = calloc(n + 1, sizeof *in->pb_off);
    in->m = calloc(n, sizeof *in->m);
    in->v = calloc(n, sizeof *in->v);
    if (!g || !in->json_off || !in->pb_off || !in->m || !in->v)
        die("out of memory");
    ms_buf_init(&in->json);
    ms_buf_init(&in->pb);
    ms_buf_init(&in->strings);
    for (size_t i = 0; i < n; i++) {
        ms_mention m;
        ms_corpus_next(g, &m);
        in->json_off[i] = in->json.len;
        in->pb_off[i] = in->pb.len;
        if (!ms_encode_mention(&in->json, MS_ENC_JSON, &m) ||
            !ms_encode_mention(&in->pb, MS_ENC_PROTOBUF, &m))
            die("encoding a corpus mention failed");
        ms_mention *k = &in->m[i];
        *k = m;
        ms_str *s[] = {&k->id, &k->author.id, &k->author.handle, &k->author.display_name,
                       &k->text, &k->post_id, &k->parent_id, &k->permalink, &k->language};
        for (size_t j = 0; j < sizeof s / sizeof s[0]; j++)
            *s[j] = keep_str(&in->strings, *s[j]);
    }
    in->json_off[n] = in->json.len;
    in->pb_off[n] = in->pb.len;
    for (size_t i = 0; i < n; i++) {
        ms_mention *k = &in->m[i];
        ms_str *s[] = {&k->id, &k->author.id, &k->author.handle, &k->author.display_name,
                       &k->text, &k->post_id, &k->parent_id, &k->permalink, &k->language};
        for (size_t j = 0; j < sizeof s / sizeof s[0]; j++)
            fix_str(&in->strings, s[j]);
    }
    ms_corpus_free(g);
}

/* Everything a stage needs; one per run, reused, so no stage allocates once warm. */
typedef struct bench {
    const inputs *in;
    ms_engine *engine;
    ms_decoder *dec;
    ms_encode_ctx ctx;
    ms_buf out;
    ms_mention m;
    ms_verdict v;
    size_t sink;             /* bytes produced, printed so nothing is optimised away */
} bench;

/**
 * @brief Bytes this thread has allocated so far, by jemalloc's count
 * (thread.allocated), or -1 without jemalloc.
 */
static long long thread_allocated(void)
{
#ifdef MS_HAVE_JEMALLOC
    uint64_t n = 0;
    size_t len = sizeof n;
    if (mallctl("thread.allocated", &n, &len, NULL, 0) == 0)
        return (long long)n;
#endif
    return -1;
}

/** @brief Run one stage over every event once. False (with a message) on a codec error. */
static bool run_stage(bench *b, stage s)
{
    const inputs *in = b->in;
    ms_codec_error err;
    for (size_t i = 0; i < in->n; i++) {
        const char *json = in->json.data + in->json_off[i];
        size_t json_len = in->json_off[i + 1] - in->json_off[i];
        const char *pb = in->pb.data + in->pb_off[i];
        size_t pb_len = in->pb_off[i + 1] - in->pb_off[i];
        b->out.len = 0;
        switch (s) {
        case ST_COPY:
            ms_buf_append(&b->out, json, json_len);
            if (!ms_buf_ok(&b->out))
                die("out of memory");
            break;
        case ST_DECODE_JSON:
        case ST_DECODE_PB:
            if (!ms_decode_mention(b->dec, s == ST_DECODE_JSON ? MS_ENC_JSON : MS_ENC_PROTOBUF,
                                   s == ST_DECODE_JSON ? json : pb,
                                   s == ST_DECODE_JSON ? json_len : pb_len, &b->m, &err)) {
                fprintf(stderr, "bench_codec: event %zu: %s\n", i, err.msg);
                return false;
            }
            b->sink += b->m.text.len;
            break;
        case ST_CLASSIFY:
            if (!ms_engine_classify(b->engine, &in->m[i], &b->v))
                die("classify failed");
            b->sink += b->v.labels;
            break;
        case ST_ENCODE_PB:
        case ST_ENCODE_JSON:
            if (!ms_encode_classified(&b->out, s == ST_ENCODE_PB ? MS_ENC_PROTOBUF : MS_ENC_JSON,
                                      &b->ctx, &in->m[i], &in->v[i]))
                die("encode failed");
            break;
        case ST_PATH:
            if (!ms_decode_mention(b->dec, MS_ENC_JSON, json, json_len, &b->m, &err)) {
                fprintf(stderr, "bench_codec: event %zu: %s\n", i, err.msg);
                return false;
            }
            if (!ms_engine_classify(b->engine, &b->m, &b->v) ||
                !ms_encode_classified(&b->out, MS_ENC_PROTOBUF, &b->ctx, &b->m, &b->v))
                die("classify or encode failed");
            break;
        case ST_COUNT:
            break;
        }
        b->sink += b->out.len;
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *rules = "rules";
    size_t events = 50000;
    uint32_t length = 200;
    uint64_t seed = 1;
    int rounds = 5;
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},  {"events", required_argument, NULL, 'n'},
        {"length", required_argument, NULL, 'l'}, {"seed", required_argument, NULL, 's'},
        {"rounds", required_argument, NULL, 'R'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char usage[] =
        "usage: bench_codec [--rules DIR] [--events N] [--length BYTES] [--seed S] [--rounds R]\n";
    int c;
    while ((c = getopt_long(argc, argv, "r:n:l:s:R:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': rules = optarg; break;
        case 'n': events = strtoull(optarg, NULL, 10); break;
        case 'l': length = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'R': rounds = atoi(optarg); break;
        case 'h':
            printf("%s\n"
                   "A worker's steps besides Kafka (decode, classify, encode), one thread, each\n"
                   "against copying the input (bench/README.md says how to read it).\n\n"
                   "  --rules DIR     rule set (default: rules)\n"
                   "  --events N      corpus size (default 50000)\n"
                   "  --length BYTES  mean text length (default 200)\n"
                   "  --seed S        corpus seed (default 1)\n"
                   "  --rounds R      best of R rounds (default 5)\n",
                   usage);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (events == 0 || rounds < 1) {
        fprintf(stderr, "bench_codec: --events and --rounds must be positive\n");
        return 2;
    }
    ms_buf errors;
    ms_buf_init(&errors);
    ms_ruleset_options ro = {.cache_dir = NULL};
    ms_ruleset *rs = ms_ruleset_load(rules, &ro, &errors);
    if (!rs) {
        ms_buf_terminate(&errors);
        fprintf(stderr, "%sbench_codec: rule set '%s' failed to load\n", errors.data, rules);
        return 2;
    }
    char err[256];
    inputs in = {0};
    build_inputs(&in, events, length, seed);
    bench b = {.in = &in, .ctx = {.rules = rs, .classified_at_ms = 1764000000000, .redact = true}};
    b.engine = ms_engine_new(rs, NULL, err, sizeof err);
    b.dec = ms_decoder_new();
    if (!b.engine || !b.dec)
        die(b.engine ? "out of memory" : err);
    ms_buf_init(&b.out);
    for (size_t i = 0; i < in.n; i++)
        if (!ms_engine_classify(b.engine, &in.m[i], &in.v[i]))
            die("classify failed");

    double best[ST_COUNT];
    long long warm_bytes[ST_COUNT];
    for (int s = 0; s < ST_COUNT; s++) {
        if (!run_stage(&b, (stage)s)) /* warm-up: buffers reach their size */
            return 1;
        best[s] = 1e30;
        long long a0 = thread_allocated();
        for (int r = 0; r < rounds; r++) {
            double t0 = now_s();
            run_stage(&b, (stage)s);
            double dt = now_s() - t0;
            if (dt < best[s])
                best[s] = dt;
        }
        long long a1 = thread_allocated();
        warm_bytes[s] = a0 < 0 || a1 < 0 ? -1 : a1 - a0;
    }
    printf("rule set   %s (%s)\n", rules, ms_ruleset_version(rs));
    printf("corpus     %zu events, seed %llu, mean text %u bytes; inputs: json %.0f bytes, "
           "protobuf %.0f bytes per event\n",
           in.n, (unsigned long long)seed, length, (double)in.json.len / (double)in.n,
           (double)in.pb.len / (double)in.n);
    printf("%-12s %10s %12s %8s %18s\n", "stage", "ns/event", "events/s", "of path",
           "heap bytes/event");
    for (int s = 0; s < ST_COUNT; s++) {
        double ns = best[s] * 1e9 / (double)in.n;
        char heap[32];
        if (warm_bytes[s] < 0)
            snprintf(heap, sizeof heap, "n/a");
        else
            snprintf(heap, sizeof heap, "%.1f",
                     (double)warm_bytes[s] / ((double)in.n * (double)rounds));
        printf("%-12s %10.0f %12.0f %8.2f %18s\n", stage_name[s], ns, (double)in.n / best[s],
               best[s] / best[ST_PATH], heap);
    }
    printf("(best of %d rounds; checksum %zu)\n", rounds, b.sink);

    ms_buf_free(&b.out);
    ms_decoder_free(b.dec);
    ms_engine_free(b.engine);
    ms_ruleset_free(rs);
    ms_buf_free(&in.json);
    ms_buf_free(&in.pb);
    ms_buf_free(&in.strings);
    free(in.json_off);
    free(in.pb_off);
    free(in.m);
    free(in.v);
    ms_buf_free(&errors);
    return 0;
}
