/*
 * fuzz_regex_shape.c - libFuzzer target for what the loader reads from a
 * regex's syntax (src/match/regex_shape.c). Each answer lets the engine skip
 * work, so a wrong one loses matches silently: this target holds every answer
 * to what Hyperscan itself does with the regex.
 *
 * Input: "REGEX\nTEXT". The regex is at most 160 bytes (longer inputs return
 * at once: compiles are the cost); the text is whatever follows, up to 512
 * bytes. The regex is compiled caseless in block mode, as the loader compiles
 * raw rules.
 *
 * Checks, abort()ing on violation (a regex Hyperscan refuses is only fed to
 * the functions, which must not crash):
 *   - the trimmed detector compiles, and fires at every offset where the
 *     regex ends a match in the text (it may fire elsewhere too);
 *   - a regex gated on a digit or an '@' matches only texts that have one;
 *   - a regex given a fixed width W has every match W bytes long, and one
 *     said to be anchored at the start has every match start at 0 (spans
 *     from a compile with leftmost start of match, when Hyperscan can).
 */
#include "fuzz_common.h"

#include <hs/hs.h>

#include "match/regex_shape.h"

#define MAX_RE 160
#define MAX_TEXT 512

typedef struct span {
    unsigned long long from, to;
} span;

typedef struct spans {
    span v[4096];
    size_t n;
    bool overflow;
} spans;

/** @brief Hyperscan callback: keep the match's span. */
static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)id, (void)flags;
    spans *s = ctx;
    if (s->n == sizeof s->v / sizeof s->v[0]) {
        s->overflow = true;
        return 1;
    }
    s->v[s->n++] = (span){from, to};
    return 0;
}

/** @brief Compile `re` with `flags` (plus caseless); NULL when Hyperscan refuses it. */
static hs_database_t *compile(const char *re, unsigned flags)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    if (hs_compile(re, HS_FLAG_CASELESS | flags, HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS) {
        hs_free_compile_error(ce);
        return NULL;
    }
    return db;
}

/** @brief Every match of `db` over text[0..len) into `out`. */
static void scan(hs_database_t *db, const char *text, size_t len, spans *out)
{
    hs_scratch_t *scratch = NULL;
    FUZZ_CHECK(hs_alloc_scratch(db, &scratch) == HS_SUCCESS, "no scratch");
    out->n = 0;
    out->overflow = false;
    hs_error_t e = hs_scan(db, text, (unsigned)len, 0, scratch, on_match, out);
    FUZZ_CHECK(e == HS_SUCCESS || (e == HS_SCAN_TERMINATED && out->overflow), "hs_scan: %d", e);
    hs_free_scratch(scratch);
}

/** @brief Whether `end` is the end of some span in `s`. */
static bool ends_at(const spans *s, unsigned long long end)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].to == end)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t re_len = nl ? (size_t)(nl - data) : size;
    if (re_len == 0 || re_len > MAX_RE || memchr(data, 0, re_len))
        return 0;
    char re[MAX_RE + 1];
    memcpy(re, data, re_len);
    re[re_len] = 0;
    size_t text_len = nl ? size - re_len - 1 : 0;
    if (text_len > MAX_TEXT)
        text_len = MAX_TEXT;
    /* a copy with room after it: Debian's Hyperscan reads past the end of what it scans (see
     * SCAN_OVERREAD in src/match/matcher.c), and libFuzzer's input may end at an unmapped page */
    static char text[MAX_TEXT + 64];
    if (text_len)
        memcpy(text, nl + 1, text_len);

    enum ms_gate gate = ms_regex_gate_of(re);
    char *detector = ms_regex_relaxed_detector(re);
    bool anchored = ms_regex_anchored_at_start(re);
    uint16_t width = ms_regex_fixed_width(re);
    FUZZ_CHECK(gate <= MS_GATES, "gate %d out of range", (int)gate);

    /* the ends without start-of-match tracking (some regexes compile only
     * so), the spans with it when Hyperscan can */
    hs_database_t *exact = compile(re, 0);
    if (!exact) {
        free(detector);
        return 0;
    }
    static spans found, loose, with_som;
    scan(exact, text, text_len, &found);
    hs_free_database(exact);
    hs_database_t *som = compile(re, HS_FLAG_SOM_LEFTMOST);
    with_som.n = 0;
    with_som.overflow = false;
    if (som) {
        scan(som, text, text_len, &with_som);
        hs_free_database(som);
    }

    if (found.n && gate == MS_GATE_DIGIT) {
        bool digit = false;
        for (size_t i = 0; i < text_len && !digit; i++)
            digit = text[i] >= '0' && text[i] <= '9';
        FUZZ_CHECK(digit, "'%s' is gated on a digit but matched a text without one", re);
    }
    if (found.n && gate == MS_GATE_AT)
        FUZZ_CHECK(memchr(text, '@', text_len), "'%s' is gated on '@' but matched a text without one",
                   re);
    for (size_t i = 0; i < with_som.n && !with_som.overflow; i++) {
        const span *m = &with_som.v[i];
        if (width)
            FUZZ_CHECK(m->to - m->from == width, "'%s' has width %u but matched [%llu, %llu)", re,
                       width, m->from, m->to);
        if (anchored)
            FUZZ_CHECK(m->from == 0, "'%s' is anchored but matched [%llu, %llu)", re, m->from,
                       m->to);
    }

    if (detector) {
        hs_database_t *d = compile(detector, 0);
        FUZZ_CHECK(d, "detector '%s' of '%s' does not compile", detector, re);
        scan(d, text, text_len, &loose);
        hs_free_database(d);
        if (!loose.overflow)
            for (size_t i = 0; i < found.n && !found.overflow; i++)
                FUZZ_CHECK(ends_at(&loose, found.v[i].to),
                           "detector '%s' of '%s' misses the match [%llu, %llu)", detector, re,
                           found.v[i].from, found.v[i].to);
        free(detector);
    }
    return 0;
}
