/*
 * fuzz_rules.c - libFuzzer target for the rule-set loader
 * (src/match/ruleset.c, ms_ruleset_load): libyaml documents, rule fields,
 * list files, sentiment TSV files, regex validation and Hyperscan compile.
 *
 * Setup (once): a temporary directory holding a fixed ruleset.yaml
 * ("files: [bad.yaml]") and a fixed, valid bad.yaml.
 * Input: at most 4096 bytes (larger inputs return at once: Hyperscan
 * compiles are the cost). Normally written as bad.yaml, the one rule file;
 * an input starting with "#index" is written as ruleset.yaml instead (the
 * index: files, thresholds, sentiment), with the fixed bad.yaml beside it.
 * A rule or index may name bad.yaml or ruleset.yaml as a list or sentiment
 * file, so the list and TSV parsers read fuzzed bytes too.
 * The set is loaded with the cache disabled and check_all on.
 *
 * Checks, abort()ing on violation:
 *   - no crash, memory error, leak or undefined behaviour (errors are fine);
 *   - a failed load reports at least one problem;
 *   - a loaded set has a 32-hex-digit version and at least one rule, every
 *     rule has an id and enums in range, and an engine built on it
 *     classifies a fixed text with evidence rules, categories and offsets in
 *     range.
 *
 * Sandbox: the loader opens whatever paths a rule file names. This target
 * is linked with -Wl,--wrap=fopen, and fuzz_rules's __wrap_fopen refuses
 * (EACCES) to open for reading anything that exists but is not a regular
 * file of at most 4 MiB outside /proc and /sys, so a fuzzed
 * "list: /dev/zero" or a FIFO cannot hang or exhaust the run. Regular files
 * elsewhere (e.g. /etc/passwd) stay readable: absolute paths are a feature
 * of the format.
 */
#include "fuzz_common.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/engine.h"
#include "match/ruleset.h"

#define FUZZ_RULES_MAX_INPUT 4096
#define FUZZ_RULES_MAX_FILE (4u << 20)

static const char fuzz_index_yaml[] = "name: fuzz\nfiles: [bad.yaml]\n";
static const char fuzz_rule_yaml[] =
    "rules:\n"
    "  - id: fuzz.word\n"
    "    category: profanity\n"
    "    clause: \"2.2\"\n"
    "    patterns: ['bad(ly)? word']\n"
    "  - id: fuzz.raw\n"
    "    category: personal_info\n"
    "    view: raw\n"
    "    pii: email\n"
    "    patterns: ['[a-z]+@[a-z]+\\.com']\n";
static const char fuzz_text[] =
    "What a bad word, email me at someone@example.com or 07700 900123! "
    "@ss sh1t f u c k, no heating since monday?? \xF0\x9F\x98\xA1 caf\xC3\xA9";

static char fuzz_dir[64];

FILE *__real_fopen(const char *path, const char *mode);

/** @brief fopen() that refuses special files for reading (see the head comment). */
FILE *__wrap_fopen(const char *path, const char *mode)
{
    struct stat st;
    if (path && mode && mode[0] == 'r' && stat(path, &st) == 0) {
        char real[PATH_MAX];
        bool special = !S_ISREG(st.st_mode) || st.st_size > (off_t)FUZZ_RULES_MAX_FILE ||
                       !realpath(path, real) || strncmp(real, "/proc/", 6) == 0 ||
                       strncmp(real, "/sys/", 5) == 0;
        if (special) {
            errno = EACCES;
            return NULL;
        }
    }
    return __real_fopen(path, mode);
}

/** @brief Write `n` bytes to dir/name; abort() on failure (a broken setup). */
static void fuzz_write(const char *name, const void *data, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
    FILE *f = __real_fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

static void fuzz_cleanup(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/ruleset.yaml", fuzz_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/bad.yaml", fuzz_dir);
    unlink(path);
    rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/fuzz_rules.XXXXXX",
             tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp(fuzz_dir)) {
        perror("mkdtemp");
        abort();
    }
    atexit(fuzz_cleanup);
    return 0;
}

/** @brief What a loaded rule set must look like, and an engine run on it. */
static void fuzz_check_loaded(const ms_ruleset *rs)
{
    const char *ver = ms_ruleset_version(rs);
    FUZZ_CHECK(strlen(ver) == 32 && strspn(ver, "0123456789abcdef") == 32,
               "version '%s' is not 32 hex digits", ver);
    uint32_t n = ms_ruleset_rule_count(rs);
    FUZZ_CHECK(n > 0, "a loaded rule set has no rules");
    for (uint32_t i = 0; i < n; i++) {
        const ms_rule *r = ms_ruleset_rule(rs, i);
        FUZZ_CHECK(r && r->id && *r->id, "rule %u has no id", i);
        FUZZ_CHECK((unsigned)r->category < MS_CAT_COUNT && (unsigned)r->action < MS_ACTION_COUNT &&
                       (unsigned)r->view <= MS_VIEW_RAW && (unsigned)r->urgency < MS_URGENCY_COUNT &&
                       (unsigned)r->pii < MS_PII_COUNT,
                   "rule %s has an enum out of range", r->id);
    }
    char err[256];
    ms_engine *e = ms_engine_new(rs, NULL, err, sizeof err);
    FUZZ_CHECK(e != NULL, "ms_engine_new failed on a loaded rule set: %s", err);
    ms_mention m = {
        .id = {"r", 1}, .kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
        .author = {{"", 0}, {"@fuzz_vip", 9}, {"", 0}},
        .text = {fuzz_text, sizeof fuzz_text - 1},
        .post_id = {"", 0}, .parent_id = {"", 0}, .permalink = {"", 0}, .language = {"", 0},
    };
    ms_verdict v;
    FUZZ_CHECK(ms_engine_classify(e, &m, &v), "classify failed on a loaded rule set");
    FUZZ_CHECK(ms_verdict_has(&v, v.primary), "primary is not a label");
    for (int c = 0; c < MS_CAT_COUNT; c++)
        for (unsigned k = 0; k < v.label[c].n_evidence && k < MS_MAX_EVIDENCE; k++) {
            const ms_evidence *ev = &v.label[c].evidence[k];
            FUZZ_CHECK(ev->rule < n && ms_ruleset_rule(rs, ev->rule)->category == (ms_category)c,
                       "evidence rule %u under %s", ev->rule, ms_category_name((ms_category)c));
            FUZZ_CHECK(ev->start <= ev->end && ev->end <= m.text.len,
                       "evidence at [%u, %u) in a %zu-byte text", ev->start, ev->end, m.text.len);
        }
    for (unsigned k = 0; k < v.n_redactions && k < MS_MAX_REDACTIONS; k++)
        FUZZ_CHECK(v.redaction[k].start <= v.redaction[k].end &&
                       v.redaction[k].end <= m.text.len,
                   "redaction at [%u, %u)", v.redaction[k].start, v.redaction[k].end);
    ms_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_RULES_MAX_INPUT)
        return 0;
    if (size >= 6 && memcmp(data, "#index", 6) == 0) {
        fuzz_write("ruleset.yaml", data, size);
        fuzz_write("bad.yaml", fuzz_rule_yaml, sizeof fuzz_rule_yaml - 1);
    } else {
        fuzz_write("ruleset.yaml", fuzz_index_yaml, sizeof fuzz_index_yaml - 1);
        fuzz_write("bad.yaml", data, size);
    }
    ms_ruleset_options opt = {.cache_dir = "", .check_all = true};
    ms_buf errors;
    ms_buf_init(&errors);
    ms_ruleset *rs = ms_ruleset_load(fuzz_dir, &opt, &errors);
    if (rs) {
        fuzz_check_loaded(rs);
        ms_ruleset_free(rs);
    } else {
        FUZZ_CHECK(errors.len > 0, "the load failed without reporting a problem");
    }
    ms_buf_free(&errors);
    return 0;
}
