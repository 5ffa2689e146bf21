/*
 * fuzz_classify.c - libFuzzer target for the whole engine
 * (ms_engine_classify: normalise, Hyperscan scans of both views and the
 * author, sentiment, heuristics, decisions) with the default rule set, and
 * for the Classified encoders.
 *
 * Input: arbitrary bytes as a mention's text. When the text starts with '@',
 * its first line (at most 300 bytes) is also the author's handle, so the VIP
 * author lookup sees outside bytes too. kind and page_owned are taken from
 * the input's length, so every kind is exercised without a header byte.
 *
 * The rule set is loaded once from $MS_RULES_DIR, else MS_DEFAULT_RULES_DIR
 * (the repository's rules/), with the Hyperscan cache in
 * $MENTIONSIFT_CACHE_DIR when set (tests/fuzz/run.sh sets it), else none.
 *
 * Checks, abort()ing on violation:
 *   - no memory error or undefined behaviour (ASan/UBSan); classify succeeds;
 *   - enums in range; only known label bits; the primary label's bit is set;
 *     urgent means priority urgent; respond_by is 0 or created_at + 48 h;
 *   - every evidence: rule index valid, the rule's category is the label's,
 *     start <= end <= the bytes scanned; at most MS_MAX_EVIDENCE;
 *   - every redaction: kind valid, start <= end <= the bytes scanned;
 *   - sentiment: compound in [-1, 1], pos/neg/neu in [0, 1]; label scores
 *     finite;
 *   - a second engine limited to 37 bytes per text: text_bytes_scanned is at
 *     most 37, and for texts of 37 bytes or less its verdict is identical to
 *     the first engine's (no state leaks from one event to the next);
 *   - ms_encode_classified succeeds in JSON (valid UTF-8, and its "mention"
 *     object is exactly ms_encode_mention of the mention with each redaction
 *     span masked byte for byte with '*') and in protobuf.
 */
#include "fuzz_common.h"

#include <math.h>

#include "core/engine.h"
#include "decide/decide.h"
#include "match/ruleset.h"

#define FUZZ_SHORT_MAX 37u
#define FUZZ_CREATED_AT 1700000000000LL

typedef struct fuzz_world {
    ms_ruleset *rs;
    ms_engine *full, *cut;
} fuzz_world;

static fuzz_world *fuzz_world_get(void)
{
    static fuzz_world *w;
    if (w)
        return w;
    w = calloc(1, sizeof *w);
    if (!w)
        abort();
    const char *dir = getenv("MS_RULES_DIR");
    if (!dir || !*dir)
        dir = MS_DEFAULT_RULES_DIR;
    const char *cache = getenv("MENTIONSIFT_CACHE_DIR");
    ms_ruleset_options opt = {.cache_dir = cache ? cache : ""};
    ms_buf errors;
    ms_buf_init(&errors);
    w->rs = ms_ruleset_load(dir, &opt, &errors);
    if (!w->rs) {
        ms_buf_terminate(&errors);
        fprintf(stderr, "fuzz_classify: cannot load the rule set %s:\n%s\n", dir,
                errors.data ? errors.data : "");
        abort();
    }
    ms_buf_free(&errors);
    char err[256];
    ms_engine_options full = {0}, cut = {.max_text_bytes = FUZZ_SHORT_MAX};
    w->full = ms_engine_new(w->rs, &full, err, sizeof err);
    w->cut = w->full ? ms_engine_new(w->rs, &cut, err, sizeof err) : NULL;
    if (!w->cut) {
        fprintf(stderr, "fuzz_classify: %s\n", err);
        abort();
    }
    return w;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_world_get();
    return 0;
}

static bool fuzz_in_unit(float f) { return f >= 0.0f && f <= 1.0f; }

/** @brief The invariants of one verdict for a text of `len` bytes. */
static void fuzz_check_verdict(const fuzz_world *w, const ms_mention *m, const ms_verdict *v,
                               size_t len, const char *which)
{
    uint32_t nrules = ms_ruleset_rule_count(w->rs);
    FUZZ_CHECK(v->text_bytes_scanned <= len, "%s: scanned %u of %zu bytes", which,
               v->text_bytes_scanned, len);
    uint32_t scanned = v->text_bytes_scanned;
    FUZZ_CHECK((v->labels >> MS_CAT_COUNT) == 0, "%s: unknown label bits 0x%x", which,
               v->labels);
    FUZZ_CHECK((unsigned)v->primary < MS_CAT_COUNT, "%s: primary %d", which, (int)v->primary);
    FUZZ_CHECK(ms_verdict_has(v, v->primary), "%s: primary %s is not a label (labels 0x%x)",
               which, ms_category_name(v->primary), v->labels);
    FUZZ_CHECK((unsigned)v->action < MS_ACTION_COUNT && (unsigned)v->priority < MS_PRIORITY_COUNT &&
                   (unsigned)v->repair_urgency < MS_URGENCY_COUNT,
               "%s: action %d / priority %d / urgency %d out of range", which, (int)v->action,
               (int)v->priority, (int)v->repair_urgency);
    FUZZ_CHECK(!v->urgent || v->priority == MS_PRIORITY_URGENT, "%s: urgent with priority %s",
               which, ms_priority_name(v->priority));
    FUZZ_CHECK(v->respond_by_ms == 0 ||
                   v->respond_by_ms == m->created_at_ms + MS_RESPONSE_DEADLINE_MS,
               "%s: respond_by %lld", which, (long long)v->respond_by_ms);

    for (int c = 0; c < MS_CAT_COUNT; c++) {
        const ms_label *l = &v->label[c];
        FUZZ_CHECK(l->n_evidence <= MS_MAX_EVIDENCE, "%s: %s has %u evidence", which,
                   ms_category_name((ms_category)c), l->n_evidence);
        if (ms_verdict_has(v, (ms_category)c))
            FUZZ_CHECK(isfinite(l->score), "%s: %s score is not finite", which,
                       ms_category_name((ms_category)c));
        for (unsigned i = 0; i < l->n_evidence; i++) {
            const ms_evidence *e = &l->evidence[i];
            FUZZ_CHECK(e->rule < nrules, "%s: evidence rule %u of %u", which, e->rule, nrules);
            const ms_rule *r = ms_ruleset_rule(w->rs, e->rule);
            FUZZ_CHECK(r->category == (ms_category)c, "%s: rule %s (%s) is evidence for %s",
                       which, r->id, ms_category_name(r->category),
                       ms_category_name((ms_category)c));
            FUZZ_CHECK(e->start <= e->end && e->end <= scanned,
                       "%s: evidence of %s at [%u, %u), %u bytes scanned (text %zu)", which,
                       r->id, e->start, e->end, scanned, len);
        }
    }
    FUZZ_CHECK(v->n_redactions <= MS_MAX_REDACTIONS, "%s: %u redactions", which,
               v->n_redactions);
    for (unsigned i = 0; i < v->n_redactions; i++) {
        const ms_redaction *r = &v->redaction[i];
        FUZZ_CHECK((unsigned)r->kind < MS_PII_COUNT, "%s: redaction kind %d", which,
                   (int)r->kind);
        FUZZ_CHECK(r->start <= r->end && r->end <= scanned,
                   "%s: redaction %s at [%u, %u), %u bytes scanned", which,
                   ms_pii_kind_name(r->kind), r->start, r->end, scanned);
    }
    const ms_sentiment *s = &v->sentiment;
    FUZZ_CHECK(s->compound >= -1.0f && s->compound <= 1.0f, "%s: compound %f", which,
               (double)s->compound);
    FUZZ_CHECK(fuzz_in_unit(s->pos) && fuzz_in_unit(s->neg) && fuzz_in_unit(s->neu),
               "%s: pos %f neg %f neu %f", which, (double)s->pos, (double)s->neg,
               (double)s->neu);
}

/** @brief Both encoders accept the verdict; JSON masks exactly the redactions. */
static void fuzz_check_encode(const fuzz_world *w, const ms_mention *m, const ms_verdict *v)
{
    ms_encode_ctx ctx = {.rules = w->rs, .classified_at_ms = FUZZ_CREATED_AT + 1, .redact = true};
    ms_buf out, want;
    ms_buf_init(&out);
    ms_buf_init(&want);
    FUZZ_CHECK(ms_encode_classified(&out, MS_ENC_JSON, &ctx, m, v),
               "JSON ms_encode_classified failed");
    FUZZ_CHECK(fuzz_utf8_valid(out.data, out.len), "Classified JSON is not valid UTF-8");

    /* expected "mention" object: the text with every span masked */
    char *masked = malloc(m->text.len + 1);
    if (!masked)
        abort();
    memcpy(masked, m->text.ptr, m->text.len);
    for (unsigned i = 0; i < v->n_redactions; i++)
        for (uint32_t k = v->redaction[i].start; k < v->redaction[i].end && k < m->text.len; k++)
            masked[k] = '*';
    ms_mention mm = *m;
    mm.text = (ms_str){masked, m->text.len};
    ms_buf_puts(&want, "{\"mention\":");
    FUZZ_CHECK(ms_encode_mention(&want, MS_ENC_JSON, &mm), "ms_encode_mention failed");
    FUZZ_CHECK(out.len >= want.len && memcmp(out.data, want.data, want.len) == 0,
               "Classified JSON's mention is not the mention with redactions masked:\n"
               "  want: %.*s\n  got:  %.*s",
               (int)(want.len > 600 ? 600 : want.len), want.data,
               (int)(out.len > 600 ? 600 : out.len), out.data);
    free(masked);

    ms_buf_reset(&out);
    FUZZ_CHECK(ms_encode_classified(&out, MS_ENC_PROTOBUF, &ctx, m, v),
               "protobuf ms_encode_classified failed");
    ctx.redact = false;
    ms_buf_reset(&out);
    FUZZ_CHECK(ms_encode_classified(&out, MS_ENC_JSON, &ctx, m, v),
               "JSON ms_encode_classified (redact off) failed");
    ms_buf_free(&out);
    ms_buf_free(&want);
}

/** @brief Name the first field in which two verdicts differ (for messages). */
static const char *fuzz_verdict_diff(const ms_verdict *a, const ms_verdict *b)
{
    if (a->labels != b->labels) return "labels";
    if (a->primary != b->primary) return "primary";
    if (a->action != b->action) return "action";
    if (a->priority != b->priority) return "priority";
    if (a->urgent != b->urgent) return "urgent";
    if (memcmp(&a->sentiment, &b->sentiment, sizeof a->sentiment) != 0) return "sentiment";
    if (a->n_redactions != b->n_redactions) return "n_redactions";
    if (memcmp(a->label, b->label, sizeof a->label) != 0) return "label[] (scores or evidence)";
    return "other fields";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_world *w = fuzz_world_get();
    const char *text = size ? (const char *)data : "";
    ms_mention m = {
        .id = {"fuzz-1", 6},
        .platform = MS_PLATFORM_FACEBOOK,
        .kind = (ms_kind)(size % MS_KIND_COUNT),
        .page_owned = (size / MS_KIND_COUNT) % 2 == 0,
        .author = {{"", 0}, {"", 0}, {"", 0}},
        .text = {text, size},
        .created_at_ms = FUZZ_CREATED_AT,
        .post_id = {"", 0}, .parent_id = {"", 0}, .permalink = {"", 0}, .language = {"", 0},
    };
    if (size && data[0] == '@') {
        size_t n = 0;
        while (n < size && n < 300 && data[n] != '\n')
            n++;
        m.author.handle = (ms_str){text, n};
    }

    ms_verdict v1, v2;
    FUZZ_CHECK(ms_engine_classify(w->full, &m, &v1), "ms_engine_classify failed");
    fuzz_check_verdict(w, &m, &v1, size, "full engine");
    FUZZ_CHECK(ms_engine_classify(w->cut, &m, &v2), "ms_engine_classify failed (37 bytes)");
    fuzz_check_verdict(w, &m, &v2, size, "37-byte engine");
    FUZZ_CHECK(v2.text_bytes_scanned <= FUZZ_SHORT_MAX, "37-byte engine scanned %u bytes",
               v2.text_bytes_scanned);
    if (size <= FUZZ_SHORT_MAX)
        FUZZ_CHECK(memcmp(&v1, &v2, sizeof v1) == 0,
                   "two engines disagree on a %zu-byte text: %s differ", size,
                   fuzz_verdict_diff(&v1, &v2));
    fuzz_check_encode(w, &m, &v1);
    return 0;
}
