/*
 * ruleset.c - loads a rule-set directory, validates it and compiles its
 * Hyperscan databases (see ruleset.h for what a caller may rely on).
 *
 * Loading happens in three steps:
 *   1. parse ruleset.yaml and every rule file with libyaml's document API,
 *      which keeps line numbers, and turn each rule into patterns:
 *      list entries are normalised with the same code that builds the words
 *      view, so " entry " literals match the view byte for byte;
 *   2. add the sentiment lexicon, boosters, negators and VADER's special
 *      words to the words database, emoticons to the raw one;
 *   3. hash every input byte (XXH3-128) into the rule-set version and either
 *      load the databases cached under that hash (db_cache.h) or compile
 *      them and write the cache.
 * Every problem is reported as "file:line: message"; with check_all the
 * loader keeps going to report them all.
 */
#include "match/ruleset.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/strtab.h"
#include "decide/decide.h"
#include "match/db_cache.h"
#include "match/regex_shape.h"
#include "match/ruleset_internal.h"
#include "normalise/normalise.h"

/* Bump when pattern generation changes, so cached databases are rebuilt. */
#define MS_PATTERN_FORMAT "mentionsift-patterns-10"

#define MS_MAX_FILE_BYTES (64u << 20)

/* A pattern waiting to be compiled, with where it came from. */
typedef struct pending {
    char *expr;
    const char *source;   /* the pattern as the rule author wrote it */
    unsigned flags;
    ms_pattern pat;
    const char *file;
    int line;
} pending;

typedef struct pending_vec {
    pending *v;
    uint32_t n, cap;
} pending_vec;

typedef struct loader {
    ms_ruleset *rs;
    const char *dir;
    ms_buf *errors;
    bool check_all;
    int n_errors;
    XXH3_state_t *hash;
    ms_normaliser *norm;
    pending_vec words, words_re, raw, raw_gate[MS_GATES], author, words_som, raw_som;
    uint32_t cap_rules, cap_vip;
    /* lexicon literals already added, to drop duplicates after normalising */
    ms_strtab lex_seen;   /* normalised literal -> valence */
} loader;

/** @brief Count a problem and, when errors are collected, append "file:line: msg" ("file: msg" when
 *  `line` is 0). */
static void report(loader *L, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(loader *L, const char *file, int line, const char *fmt, ...)
{
    L->n_errors++;
    if (!L->errors)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        ms_buf_printf(L->errors, "%s:%d: %s\n", file, line, msg);
    else
        ms_buf_printf(L->errors, "%s: %s\n", file, msg);
}

/* Keep a string alive as long as the rule set; returns the kept copy. */
static char *keep(loader *L, const char *s, size_t n)
{
    ms_ruleset *rs = L->rs;
    if (rs->n_strings == rs->cap_strings) {
        uint32_t cap = rs->cap_strings ? rs->cap_strings * 2 : 256;
        char **p = realloc(rs->strings, cap * sizeof *p);
        if (!p)
            return NULL;
        rs->strings = p;
        rs->cap_strings = cap;
    }
    char *c = malloc(n + 1);
    if (!c)
        return NULL;
    memcpy(c, s, n);
    c[n] = '\0';
    rs->strings[rs->n_strings++] = c;
    return c;
}

/** @brief `name` resolved against the rule directory (absolute names as they are), as a string kept
 *  with the rule set; NULL on ENOMEM. */
static char *path_join(loader *L, const char *name)
{
    char tmp[PATH_MAX];
    if (name[0] == '/')
        snprintf(tmp, sizeof tmp, "%s", name);
    else
        snprintf(tmp, sizeof tmp, "%s/%s", L->dir, name);
    return keep(L, tmp, strlen(tmp));
}

/* Read a whole file, feeding it to the version hash. Caller frees. */
static char *read_file(loader *L, const char *path, size_t *len, const char *from_file,
                       int from_line)
{
    ms_buf b;
    ms_buf_init(&b);
    int err = ms_buf_read_file(&b, path, MS_MAX_FILE_BYTES);
    if (err) {
        report(L, from_file, from_line, "cannot read '%s': %s", path,
               err == EFBIG ? "larger than 64 MiB" : strerror(err));
        ms_buf_free(&b);
        return NULL;
    }
    ms_buf_terminate(&b);
    /* hash the path relative to the rule set, so moving the folder keeps the
     * version; an absolute path outside it is hashed whole */
    size_t dl = strlen(L->dir);
    const char *rel = strncmp(path, L->dir, dl) == 0 ? path + dl : path;
    XXH3_128bits_update(L->hash, rel, strlen(rel) + 1);
    XXH3_128bits_update(L->hash, b.data ? b.data : "", b.len);
    *len = b.len;
    if (!b.data)
        return calloc(1, 1);
    return b.data;
}

/** @brief Queue `expr` for a database, taking ownership of it (freed on failure); `source`, the
 *  author's text for messages, must live as long as the rule set. False, reported, on ENOMEM. */
static bool push_src(loader *L, pending_vec *pv, char *expr, const char *source,
                     unsigned flags, ms_pattern pat, const char *file, int line)
{
    if (pv->n == pv->cap) {
        uint32_t cap = pv->cap ? pv->cap * 2 : 1024;
        pending *p = realloc(pv->v, cap * sizeof *p);
        if (!p) {
            free(expr);
            report(L, file, line, "out of memory");
            return false;
        }
        pv->v = p;
        pv->cap = cap;
    }
    pv->v[pv->n++] = (pending){expr, source, flags, pat, file, line};
    return true;
}

/** @brief push_src() for a generated pattern with no author's text of its own. */
static bool push(loader *L, pending_vec *pv, char *expr, unsigned flags, ms_pattern pat,
                 const char *file, int line)
{
    return push_src(L, pv, expr, NULL, flags, pat, file, line);
}

/* Escape bytes for a Hyperscan literal inside a regular expression. */
static void escape_literal(ms_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == ' ')
            ms_buf_putc(b, (char)c);
        else
            ms_buf_printf(b, "\\x%02x", c);
    }
}

/*
 * Normalise a list entry into its words-view form. Returns the view without
 * the sentinel spaces (e.g. "still waiting"), or NULL when nothing is left.
 */
static const char *normalise_entry(loader *L, const char *s, size_t n, size_t *out_len)
{
    ms_normalised v;
    if (!ms_normalise(L->norm, s, n, &v) || v.len < 3)
        return NULL;
    *out_len = v.len - 2;
    return v.view + 1;
}

/* ---- YAML helpers --------------------------------------------------- */

/** @brief A node's 1-based line for messages; 0 for a missing node. */
static int line_of(yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }

/** @brief The value of `key` in `map`, or NULL when absent or when `map` is not a mapping. */
static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key);
        if (k && k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(d, p->value);
    }
    return NULL;
}

/** @brief A scalar node's text (the document's), or NULL for a missing or non-scalar node. */
static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/** @brief Report each key of mapping `map` not in NULL-terminated `allowed`, and each key given
 *  twice (YAML keeps both and only the first would be read: a rule whose `- id:` line was lost
 *  merges into the rule above it); false if any. */
static bool check_keys(loader *L, const char *file, yaml_document_t *d, yaml_node_t *map,
                       const char *const *allowed)
{
    bool ok = true;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key);
        const char *ks = scalar(k);
        bool found = false;
        for (const char *const *a = allowed; ks && *a; a++)
            if (strcmp(ks, *a) == 0)
                found = true;
        if (!found) {
            report(L, file, line_of(k), "unknown key '%s'", ks ? ks : "?");
            ok = false;
            continue;
        }
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
            const char *qs = scalar(yaml_document_get_node(d, q->key));
            if (qs && strcmp(qs, ks) == 0) {
                report(L, file, line_of(k),
                       "key '%s' given twice in one mapping (first at line %d): is a rule's "
                       "'- id:' line missing above it?",
                       ks, line_of(yaml_document_get_node(d, q->key)));
                ok = false;
                break;
            }
        }
    }
    return ok;
}

/* Load a YAML file into `doc`; reports parse errors with their line. */
static bool load_yaml(loader *L, const char *path, yaml_document_t *doc, const char *from,
                      int from_line)
{
    size_t len;
    char *text = read_file(L, path, &len, from, from_line);
    if (!text)
        return false;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        free(text);
        report(L, path, 0, "cannot initialise the YAML parser");
        return false;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    bool ok = yaml_parser_load(&p, doc);
    if (!ok)
        report(L, path, (int)p.problem_mark.line + 1, "YAML: %s%s%s",
               p.problem ? p.problem : "syntax error", p.context ? " " : "",
               p.context ? p.context : "");
    else if (!yaml_document_get_root_node(doc)) {
        report(L, path, 1, "empty file");
        yaml_document_delete(doc);
        ok = false;
    }
    yaml_parser_delete(&p);
    free(text);
    return ok;
}

/* ---- rules ---------------------------------------------------------- */

/** @brief A zeroed rule appended to the set; NULL on ENOMEM. Earlier ms_rule pointers are invalid
 *  after it (the array may move): keep indexes. */
static ms_rule *new_rule(loader *L)
{
    ms_ruleset *rs = L->rs;
    if (rs->n_rules == L->cap_rules) {
        uint32_t cap = L->cap_rules ? L->cap_rules * 2 : 64;
        ms_rule *r = realloc(rs->rules, cap * sizeof *r);
        if (!r)
            return NULL;
        rs->rules = r;
        L->cap_rules = cap;
    }
    ms_rule *r = &rs->rules[rs->n_rules++];
    memset(r, 0, sizeof *r);
    return r;
}

/** @brief Add VIP handle `s` of rule `rule`, '@'s dropped and lower-cased (sorted after loading);
 *  dropped silently on ENOMEM. */
static void add_vip(loader *L, uint32_t rule, const char *s, size_t n)
{
    ms_ruleset *rs = L->rs;
    while (n && *s == '@') {
        s++;
        n--;
    }
    if (!n)
        return;
    if (rs->n_vip == L->cap_vip) {
        uint32_t cap = L->cap_vip ? L->cap_vip * 2 : 64;
        struct ms_vip *v = realloc(rs->vip, cap * sizeof *v);
        if (!v)
            return;
        rs->vip = v;
        L->cap_vip = cap;
    }
    char *k = keep(L, s, n);
    if (!k)
        return;
    for (char *c = k; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c + 32);
    rs->vip[rs->n_vip++] = (struct ms_vip){k, rule};
}

/** @brief Remember normalised `word` as known (ms_ruleset_known_word), a prefix entry when
 *  `prefix` (its value 1); words of several tokens are not words the normaliser joins, and are
 *  skipped. */
static void add_known_word(loader *L, const char *word, size_t n, bool prefix)
{
    if (n == 0 || memchr(word, ' ', n))
        return;
    float *was = ms_strtab_find(&L->rs->known, word, n);
    if (was) {
        if (prefix)
            *was = 1;
        return;
    }
    const char *kept = keep(L, word, n);
    if (!kept || !ms_strtab_add(&L->rs->known, kept, prefix ? 1 : 0))
        report(L, "(known words)", 0, "out of memory");
}

/* Add one literal list entry of rule `ri` to the right database. */
static void add_list_entry(loader *L, uint32_t ri, const char *s, size_t n, const char *file,
                           int line)
{
    ms_rule *r = &L->rs->rules[ri];
    bool prefix = (r->flags & MS_RULE_PREFIX) != 0;
    if (n > 1 && s[n - 1] == '*') {
        prefix = true;
        n--;
    }
    if (r->flags & MS_RULE_VIP_AUTHOR) {
        add_vip(L, ri, s, n);
        return;
    }
    if (prefix && r->view == MS_VIEW_RAW) {
        /* a raw entry must stand between non-alphanumeric bytes: silently
         * matching only whole words would hide the author's intent */
        report(L, file, line, "list entry '%.*s*': a trailing * (longer words) works in the "
               "words view only, and rule '%s' is view: raw", (int)n, s, r->id);
        return;
    }
    ms_buf e;
    ms_buf_init(&e);
    ms_pattern pat = {.role = MS_ROLE_RULE, .rule = ri};
    if (r->view == MS_VIEW_WORDS) {
        size_t vl;
        const char *v = normalise_entry(L, s, n, &vl);
        if (!v) {
            report(L, file, line, "list entry '%.*s' has no letters or digits", (int)n, s);
            return;
        }
        add_known_word(L, v, vl, prefix);
        ms_buf_putc(&e, ' ');
        escape_literal(&e, v, vl);
        if (!prefix)
            ms_buf_putc(&e, ' ');
        pat.len = (uint16_t)(vl + (prefix ? 1 : 2));
        pat.flags = prefix ? MS_PAT_PREFIX : 0;
    } else {
        escape_literal(&e, s, n);
        pat.len = (uint16_t)n;
        pat.flags = MS_PAT_BOUNDED;
    }
    ms_buf_terminate(&e);
    if (!ms_buf_ok(&e)) {
        report(L, file, line, "out of memory");
        ms_buf_free(&e);
        return;
    }
    unsigned flags = r->view == MS_VIEW_RAW ? HS_FLAG_CASELESS : 0;
    push(L, r->view == MS_VIEW_WORDS ? &L->words : &L->raw, e.data, flags, pat, file, line);
    r->n_patterns++;
}

/** @brief The next entry of list text [*p, end) into `entry`/`n`: '#' starts a comment, blanks
 *  around an entry and blank lines are skipped; `*line` counts the lines read. False at the end. */
static bool next_list_entry(char **p, char *end, int *line, const char **entry, size_t *n)
{
    while (*p < end) {
        char *s = *p;
        char *nl = memchr(s, '\n', (size_t)(end - s));
        char *le = nl ? nl : end;
        (*line)++;
        *p = le + 1;
        char *hash = memchr(s, '#', (size_t)(le - s));
        char *ce = hash ? hash : le;
        while (s < ce && (*s == ' ' || *s == '\t'))
            s++;
        while (ce > s && (ce[-1] == ' ' || ce[-1] == '\t' || ce[-1] == '\r'))
            ce--;
        if (ce > s) {
            *entry = s;
            *n = (size_t)(ce - s);
            return true;
        }
    }
    return false;
}

/** @brief Add each line of list file `name` as an entry of rule `ri` ('#' starts a comment); a file
 *  that cannot be read is reported at `file`:`line`, which names it. */
static void load_list_file(loader *L, uint32_t ri, const char *name, const char *file, int line)
{
    const char *path = path_join(L, name);
    size_t len;
    char *text = path ? read_file(L, path, &len, file, line) : NULL;
    if (!text)
        return;
    int ln = 0;
    const char *entry;
    size_t n;
    for (char *p = text; next_list_entry(&p, text + len, &ln, &entry, &n);)
        add_list_entry(L, ri, entry, n, path, ln);
    free(text);
}

/** @brief Add words-view regex `re` as list entries when it is only an alternation of plain words
 *  ("days|weeks|hot water", possibly inside one "(?:...)"): a literal's span is its end minus its
 *  length, so it needs no start-of-match pass. False (nothing added) for any other regex. */
static bool add_as_literals(loader *L, uint32_t ri, const char *re, const char *file, int line)
{
    size_t n = strlen(re);
    if (n > 4 && strncmp(re, "(?:", 3) == 0 && re[n - 1] == ')') {
        re += 3;
        n -= 4;
    }
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = re[i];
        bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        /* every alternative non-empty, words separated by single spaces */
        bool edge = i == 0 || i + 1 == n || re[i - 1] == '|' || re[i + 1] == '|';
        if (!word && !((ch == ' ' || ch == '|') && !edge && re[i - 1] != ' ' && re[i - 1] != '|'))
            return false;
    }
    for (const char *a = re, *end = re + n; a < end;) {
        const char *bar = memchr(a, '|', (size_t)(end - a));
        const char *stop = bar ? bar : end;
        add_list_entry(L, ri, a, (size_t)(stop - a), file, line);
        a = stop + 1;
    }
    return true;
}

/** @brief add_rule_regex() once list references are expanded: `re` is compiled, `written` (the
 *  author's text) is what messages show. */
static void add_rule_regex_expanded(loader *L, uint32_t ri, const char *re, const char *written,
                                    const char *file, int line)
{
    ms_rule *r = &L->rs->rules[ri];
    if (r->flags & MS_RULE_VIP_AUTHOR) {
        /* matched against the author's handle, in a database of its own;
         * a hit has no span (the evidence is the handle), so it needs no
         * start-of-match tracking, which made this scan cost twice as much */
        char *copy = strdup(re);
        ms_pattern pat = {.role = MS_ROLE_RULE, .rule = ri};
        if (!copy || !push_src(L, &L->author, copy, keep(L, written, strlen(written)),
                               HS_FLAG_CASELESS, pat, file, line))
            report(L, file, line, "out of memory");
        r->n_patterns++;
        return;
    }
    if (r->view == MS_VIEW_WORDS && !(r->flags & MS_RULE_PREFIX) &&
        add_as_literals(L, ri, re, file, line))
        return;
    ms_buf e;
    ms_buf_init(&e);
    if (r->view == MS_VIEW_WORDS)
        ms_buf_printf(&e, " (?:%s) ", re);
    else
        ms_buf_puts(&e, re);
    ms_buf_terminate(&e);
    if (!ms_buf_ok(&e)) {
        report(L, file, line, "out of memory");
        return;
    }
    const char *src = keep(L, written, strlen(written));
    char *som_copy = strdup(e.data);
    if (!som_copy) {
        report(L, file, line, "out of memory");
        ms_buf_free(&e);
        return;
    }
    bool words = r->view == MS_VIEW_WORDS;
    ms_pattern pat = {.role = MS_ROLE_RULE, .rule = ri, .flags = MS_PAT_DEFERRED,
                      .som = words ? L->words_som.n : L->raw_som.n};
    /* raw regexes that cannot match without a digit or an '@' go to a
     * database of their own, scanned only when the text has one (see
     * ruleset_internal.h) */
    enum ms_gate gate = words ? MS_GATES : ms_regex_gate_of(e.data);
    /* the raw view's detector may be looser (see ms_regex_relaxed_detector); the
     * exact pattern stays in the start-of-match database */
    char *detector = words ? NULL : ms_regex_relaxed_detector(e.data);
    if (detector) {
        free(e.data);
        e.data = detector;
    }
    pending_vec *main = words ? &L->words_re : gate < MS_GATES ? &L->raw_gate[gate] : &L->raw;
    uint16_t width = detector ? 0 : ms_regex_fixed_width(som_copy);
    if (width || (!words && !detector && ms_regex_anchored_at_start(som_copy))) {
        /* its start is its end minus its width, or the text's start (len 0:
         * Hyperscan's `from`): no start-of-match pass */
        free(som_copy);
        pat.flags = 0;
        pat.len = width;
        pat.som = 0;
        push_src(L, main, e.data, src, HS_FLAG_CASELESS, pat, file, line);
        r->n_patterns++;
        return;
    }
    push_src(L, main, e.data, src, HS_FLAG_CASELESS, pat, file, line);
    pat.flags = 0;
    push_src(L, words ? &L->words_som : &L->raw_som, som_copy, src,
             HS_FLAG_SOM_LEFTMOST | HS_FLAG_CASELESS, pat, file, line);
    r->n_patterns++;
}

/*
 * A pattern may name a list file as `{list:FILE}` (FILE as in `list:`,
 * relative to the rule directory): it stands for the file's entries as one
 * alternation, each entry read, normalised and escaped as a list entry is.
 * One list of first names, groups or roles then serves every pattern that
 * needs it, next to words on either side, instead of being written out in
 * each pattern or multiplied into generated phrase lists. The file is hashed
 * into the rule-set version like any file the rules read.
 */
#define LIST_REF "{list:"

/** @brief Append list file `name`'s entries to `out` as "(?:e1|e2|...)", for
 *  a pattern of rule `r`; false, reported at `file`:`line`, when it cannot
 *  be read, is empty, or has a prefix entry ('*': a pattern writes its own). */
static bool append_list_alternation(loader *L, const ms_rule *r, ms_buf *out, const char *name,
                                    const char *file, int line)
{
    const char *path = path_join(L, name);
    size_t len;
    char *text = path ? read_file(L, path, &len, file, line) : NULL;
    if (!text)
        return false;
    size_t n_entries = 0;
    bool ok = true;
    ms_buf_puts(out, "(?:");
    int ln = 0;
    const char *p;
    size_t n;
    for (char *at = text; ok && next_list_entry(&at, text + len, &ln, &p, &n);) {
        if (p[n - 1] == '*') {
            report(L, path, ln, "entry '%.*s': a list in a pattern ({list:%s}) takes no '*' entries",
                   (int)n, p, name);
            ok = false;
        } else {
            const char *v = p;
            size_t vl = n;
            if (r->view == MS_VIEW_WORDS && !(v = normalise_entry(L, p, n, &vl))) {
                report(L, path, ln, "list entry '%.*s' has no letters or digits", (int)n, p);
                ok = false;
            } else {
                if (n_entries++)
                    ms_buf_putc(out, '|');
                escape_literal(out, v, vl);
            }
        }
    }
    free(text);
    ms_buf_putc(out, ')');
    if (ok && !n_entries) {
        report(L, file, line, "{list:%s} has no entries", name);
        ok = false;
    }
    return ok;
}

/** @brief `re` with every `{list:FILE}` replaced by its alternation (malloc'd),
 *  or NULL, reported, when a reference is unclosed or its file unusable. */
static char *expand_list_refs(loader *L, const ms_rule *r, const char *re, const char *file,
                              int line)
{
    ms_buf b;
    ms_buf_init(&b);
    const char *p = re;
    for (const char *ref; (ref = strstr(p, LIST_REF));) {
        ms_buf_append(&b, p, (size_t)(ref - p));
        const char *name = ref + strlen(LIST_REF);
        const char *close = strchr(name, '}');
        if (!close || close == name) {
            report(L, file, line, "pattern '%s': '" LIST_REF "' without a file name and '}'", re);
            ms_buf_free(&b);
            return NULL;
        }
        char *fname = strndup(name, (size_t)(close - name));
        bool ok = fname && append_list_alternation(L, r, &b, fname, file, line);
        free(fname);
        if (!ok) {
            ms_buf_free(&b);
            return NULL;
        }
        p = close + 1;
    }
    ms_buf_puts(&b, p);
    ms_buf_terminate(&b);
    if (!ms_buf_ok(&b)) {
        report(L, file, line, "out of memory");
        ms_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/** @brief Add regex `re` of rule `ri`: a detector in the words, raw or gated database and the exact
 *  pattern in a start-of-match one; VIP-author regexes only in the author database. `re` may
 *  name list files ({list:FILE}); messages show it as written. */
static void add_rule_regex(loader *L, uint32_t ri, const char *written, const char *file,
                           int line)
{
    ms_rule *r = &L->rs->rules[ri];
    char *expanded = NULL;
    if (strstr(written, LIST_REF) && !(expanded = expand_list_refs(L, r, written, file, line)))
        return;
    const char *re = expanded ? expanded : written;
    add_rule_regex_expanded(L, ri, re, written, file, line);
    free(expanded);
}

/* all_of: the rule fires when every named rule matched in the same event.
 * Names are resolved after all files are read, so order does not matter. */
static void add_composite(loader *L, yaml_document_t *d, uint32_t ri, yaml_node_t *all_of,
                          const char *file)
{
    ms_ruleset *rs = L->rs;
    const char *id = rs->rules[ri].id;
    if (all_of->type != YAML_SEQUENCE_NODE) {
        report(L, file, line_of(all_of), "rule '%s': all_of must be a list of rule ids", id);
        return;
    }
    size_t n = (size_t)(all_of->data.sequence.items.top - all_of->data.sequence.items.start);
    if (n < 2 || n > 7) {
        report(L, file, line_of(all_of), "rule '%s': all_of takes 2 to 7 rule ids", id);
        return;
    }
    uint32_t k = rs->n_composite;
    uint32_t *c = realloc(rs->composite, (k + 1) * sizeof *c);
    if (c)
        rs->composite = c;
    int32_t(*p)[8] = realloc(rs->composite_parts, (k + 1) * sizeof *p);
    if (p)
        rs->composite_parts = p;
    if (!c || !p) {
        report(L, file, line_of(all_of), "out of memory");
        return;
    }
    rs->composite[k] = ri;
    size_t i = 0;
    for (yaml_node_item_t *it = all_of->data.sequence.items.start;
         it < all_of->data.sequence.items.top; it++, i++) {
        yaml_node_t *part = yaml_document_get_node(d, *it);
        const char *pid = scalar(part);
        /* store the id's string index for now; resolved in resolve_composites */
        rs->composite_parts[k][i] = -1;
        if (pid && keep(L, pid, strlen(pid)))
            rs->composite_parts[k][i] = (int32_t)(rs->n_strings - 1);
        if (!pid)
            report(L, file, line_of(part), "rule '%s': all_of entries are rule ids", id);
    }
    rs->composite_parts[k][i] = -1;
    rs->n_composite++;
    rs->rules[ri].n_patterns = 0;
}

/** @brief Turn each all_of part from its id's string index into a rule index (-1, reported, when
 *  unknown or the rule itself); run once every rule file is loaded and indexed by id. */
static void resolve_composites(loader *L)
{
    ms_ruleset *rs = L->rs;
    for (uint32_t k = 0; k < rs->n_composite; k++) {
        const ms_rule *r = &rs->rules[rs->composite[k]];
        for (int i = 0; i < 8 && rs->composite_parts[k][i] >= 0; i++) {
            const char *pid = rs->strings[rs->composite_parts[k][i]];
            const ms_rule *part = ms_ruleset_find(rs, pid, strlen(pid));
            int32_t found = part ? (int32_t)(part - rs->rules) : -1;
            if (found < 0 || (uint32_t)found == rs->composite[k])
                report(L, r->file, r->line, "rule '%s': all_of names unknown rule '%s'", r->id,
                       pid);
            /* composites are evaluated once, in order (matcher.c): a part
             * that is a later composite would never have fired yet */
            for (uint32_t later = k + 1; found >= 0 && later < rs->n_composite; later++)
                if (rs->composite[later] == (uint32_t)found)
                    report(L, r->file, r->line,
                           "rule '%s': all_of names '%s', an all_of rule defined after it "
                           "(%s:%d); define '%s' first", r->id, pid, rs->rules[found].file,
                           rs->rules[found].line, pid);
            rs->composite_parts[k][i] = found;
        }
    }
}

/** @brief The number in node `n`, or `dflt` when `n` is absent; a non-number is reported, clears
 *  `*ok` and gives `dflt`. `*ok` is never set to true. */
static float parse_float(loader *L, yaml_node_t *n, const char *file, const char *what,
                         float dflt, bool *ok)
{
    const char *s = scalar(n);
    if (!n)
        return dflt;
    char *end = NULL;
    errno = 0;
    double d = s ? strtod(s, &end) : 0;
    if (!s || end == s || *end || errno || !isfinite(d) || !isfinite((float)d)) {
        report(L, file, line_of(n), "%s: '%s' is not a number", what, s ? s : "(not a scalar)");
        *ok = false;
        return dflt;
    }
    return (float)d;
}

static const char *const rule_keys[] = {"id", "category", "clause", "description", "action",
                                        "weight", "view", "list", "patterns", "flags",
                                        "urgency", "pii", "validate", "all_of", "examples",
                                        NULL};

/** @brief Keep one example of rule `ri`. */
static void add_example(loader *L, uint32_t ri, const char *text, bool should_match,
                        const char *file, int line)
{
    ms_ruleset *rs = L->rs;
    if (rs->n_examples == rs->cap_examples) {
        uint32_t cap = rs->cap_examples ? rs->cap_examples * 2 : 64;
        ms_rule_example *e = realloc(rs->examples, cap * sizeof *e);
        if (!e) {
            report(L, file, line, "out of memory");
            return;
        }
        rs->examples = e;
        rs->cap_examples = cap;
    }
    const char *kept = keep(L, text, strlen(text));
    if (!kept) {
        report(L, file, line, "out of memory");
        return;
    }
    rs->examples[rs->n_examples++] = (ms_rule_example){ri, kept, should_match, file, line};
}

/* examples: { match: [text, ...], no_match: [text, ...] } */
static void load_examples(loader *L, yaml_document_t *d, yaml_node_t *ex, uint32_t ri,
                          const char *file)
{
    static const char *const keys[] = {"match", "no_match", NULL};
    const char *id = L->rs->rules[ri].id;
    if (ex->type != YAML_MAPPING_NODE) {
        report(L, file, line_of(ex), "rule '%s': examples must be a mapping with match: and/or "
               "no_match: lists", id);
        return;
    }
    if (!check_keys(L, file, d, ex, keys))
        return;
    for (int k = 0; keys[k]; k++) {
        yaml_node_t *list = map_get(d, ex, keys[k]);
        if (!list)
            continue;
        if (list->type != YAML_SEQUENCE_NODE) {
            report(L, file, line_of(list), "rule '%s': examples %s: must be a list of texts", id,
                   keys[k]);
            continue;
        }
        for (yaml_node_item_t *it = list->data.sequence.items.start;
             it < list->data.sequence.items.top; it++) {
            yaml_node_t *t = yaml_document_get_node(d, *it);
            if (!scalar(t) || !*scalar(t))
                report(L, file, line_of(t), "rule '%s': an example must be a non-empty text", id);
            else
                add_example(L, ri, scalar(t), k == 0, file, line_of(t));
        }
    }
}

/** @brief Check rule mapping `n` and add it, with its examples and patterns; a rule with a bad
 *  field is added but gets no patterns. Every problem is reported. */
static void load_rule(loader *L, yaml_document_t *d, yaml_node_t *n, const char *file)
{
    if (n->type != YAML_MAPPING_NODE) {
        report(L, file, line_of(n), "a rule must be a mapping (id:, category:, ...)");
        return;
    }
    bool ok = check_keys(L, file, d, n, rule_keys);
    const char *id = scalar(map_get(d, n, "id"));
    const char *cat = scalar(map_get(d, n, "category"));
    if (!id || !*id) {
        report(L, file, line_of(n), "rule without an id");
        return;
    }
    for (uint32_t i = 0; i < L->rs->n_rules; i++)
        if (strcmp(L->rs->rules[i].id, id) == 0) {
            report(L, file, line_of(n), "rule '%s' is already defined at %s:%d", id,
                   L->rs->rules[i].file, L->rs->rules[i].line);
            return;
        }
    ms_rule *r = new_rule(L);
    if (!r) {
        report(L, file, line_of(n), "out of memory");
        return;
    }
    uint32_t ri = L->rs->n_rules - 1;
    r->id = keep(L, id, strlen(id));
    r->file = file;
    r->line = line_of(n);
    const char *desc = scalar(map_get(d, n, "description"));
    const char *clause = scalar(map_get(d, n, "clause"));
    r->description = keep(L, desc ? desc : "", desc ? strlen(desc) : 0);
    r->clause = keep(L, clause ? clause : "", clause ? strlen(clause) : 0);
    if (!cat || !ms_category_parse(cat, strlen(cat), &r->category)) {
        report(L, file, line_of(map_get(d, n, "category")) ?: r->line,
               "rule '%s': unknown category '%s'", id, cat ? cat : "(missing)");
        ok = false;
    }
    const char *act = scalar(map_get(d, n, "action"));
    if (act && !ms_action_parse(act, strlen(act), &r->action)) {
        report(L, file, line_of(map_get(d, n, "action")), "rule '%s': unknown action '%s'", id,
               act);
        ok = false;
    }
    r->weight = parse_float(L, map_get(d, n, "weight"), file, "weight", 1.0f, &ok);
    const char *view = scalar(map_get(d, n, "view"));
    if (!view || strcmp(view, "words") == 0)
        r->view = MS_VIEW_WORDS;
    else if (strcmp(view, "raw") == 0)
        r->view = MS_VIEW_RAW;
    else {
        report(L, file, line_of(map_get(d, n, "view")),
               "rule '%s': view must be 'words' or 'raw', not '%s'", id, view);
        ok = false;
    }
    const char *urg = scalar(map_get(d, n, "urgency"));
    if (urg && !ms_urgency_parse(urg, strlen(urg), &r->urgency)) {
        report(L, file, line_of(map_get(d, n, "urgency")),
               "rule '%s': urgency must be emergency, urgent or routine, not '%s'", id, urg);
        ok = false;
    }
    const char *pii = scalar(map_get(d, n, "pii"));
    if (pii) {
        if (!ms_pii_kind_parse(pii, strlen(pii), &r->pii)) {
            report(L, file, line_of(map_get(d, n, "pii")), "rule '%s': unknown pii kind '%s'",
                   id, pii);
            ok = false;
        }
        r->has_pii = true;
    }
    const char *val = scalar(map_get(d, n, "validate"));
    if (val) {
        if (strcmp(val, "ni_number") == 0)
            r->validate = MS_VALIDATE_NI_NUMBER;
        else if (strcmp(val, "uk_phone") == 0)
            r->validate = MS_VALIDATE_UK_PHONE;
        else if (strcmp(val, "card") == 0)
            r->validate = MS_VALIDATE_CARD;
        else {
            report(L, file, line_of(map_get(d, n, "validate")),
                   "rule '%s': validate must be ni_number, uk_phone or card, not '%s'", id, val);
            ok = false;
        }
    }
    yaml_node_t *flags = map_get(d, n, "flags");
    if (flags) {
        if (flags->type != YAML_SEQUENCE_NODE) {
            report(L, file, line_of(flags), "rule '%s': flags must be a list", id);
            ok = false;
        } else {
            for (yaml_node_item_t *it = flags->data.sequence.items.start;
                 it < flags->data.sequence.items.top; it++) {
                yaml_node_t *f = yaml_document_get_node(d, *it);
                const char *fs = scalar(f);
                if (fs && strcmp(fs, "prefix") == 0)
                    r->flags |= MS_RULE_PREFIX;
                else if (fs && strcmp(fs, "vip_author") == 0)
                    r->flags |= MS_RULE_VIP_AUTHOR;
                else if (fs && strcmp(fs, "never_remove") == 0)
                    r->flags |= MS_RULE_NEVER_REMOVE;
                else if (fs && strcmp(fs, "general") == 0)
                    r->flags |= MS_RULE_GENERAL;
                else if (fs && strcmp(fs, "seller") == 0)
                    r->flags |= MS_RULE_SELLER;
                else if (fs && strcmp(fs, "urgent") == 0)
                    r->flags |= MS_RULE_URGENT;
                else if (fs && strcmp(fs, "neighbour") == 0)
                    r->flags |= MS_RULE_NEIGHBOUR;
                else if (fs && strcmp(fs, "at_whg") == 0)
                    r->flags |= MS_RULE_AT_WHG;
                else {
                    report(L, file, line_of(f), "rule '%s': unknown flag '%s'", id,
                           fs ? fs : "?");
                    ok = false;
                }
            }
        }
    }
    if (ok && (r->category == MS_CAT_NEGATIVE || r->category == MS_CAT_EXTERNAL ||
               r->category == MS_CAT_OTHER)) {
        /* heuristics.c labels these from sentiment and the page alone: a
         * rule's weight would be read by nothing */
        report(L, file, line_of(map_get(d, n, "category")),
               "rule '%s': category '%s' is set by the engine (sentiment, where the mention "
               "was written), not by rules", id, cat);
        ok = false;
    }
    if (ok && r->validate && r->view != MS_VIEW_RAW) {
        report(L, file, line_of(map_get(d, n, "validate")),
               "rule '%s': validate: checks digits in the original text, so it needs view: raw",
               id);
        ok = false;
    }
    if (ok && (r->flags & MS_RULE_PREFIX) && r->view == MS_VIEW_RAW) {
        report(L, file, line_of(flags), "rule '%s': flag prefix (longer words) works in the words "
               "view only, and this rule is view: raw", id);
        ok = false;
    }
    /* Threats make a mention urgent (2.22); the id convention marks them. */
    if (strncmp(r->id, "detrimental.threat", 18) == 0)
        r->flags |= MS_RULE_THREAT | MS_RULE_URGENT;
    if (r->action == MS_ACTION_NONE)
        r->action = ms_decide_category_action(r->category);
    if (!ok)
        return;
    yaml_node_t *ex = map_get(d, n, "examples");
    if (ex)
        load_examples(L, d, ex, ri, file);

    yaml_node_t *list = map_get(d, n, "list");
    yaml_node_t *pats = map_get(d, n, "patterns");
    yaml_node_t *all_of = map_get(d, n, "all_of");
    if (all_of) {
        add_composite(L, d, ri, all_of, file);
        if (list || pats)
            report(L, file, line_of(all_of), "rule '%s': all_of: cannot be combined with list: "
                   "or patterns:", id);
        return;
    }
    if (!list && !pats) {
        report(L, file, r->line, "rule '%s' has neither list:, patterns: nor all_of:", id);
        return;
    }
    if (list) {
        if (list->type == YAML_SCALAR_NODE)
            load_list_file(L, ri, scalar(list), file, line_of(list));
        else if (list->type == YAML_SEQUENCE_NODE)
            for (yaml_node_item_t *it = list->data.sequence.items.start;
                 it < list->data.sequence.items.top; it++) {
                yaml_node_t *f = yaml_document_get_node(d, *it);
                if (scalar(f))
                    load_list_file(L, ri, scalar(f), file, line_of(f));
                else
                    report(L, file, line_of(f), "rule '%s': list entries are file names", id);
            }
        else
            report(L, file, line_of(list), "rule '%s': list must be a file name or a list", id);
    }
    if (pats) {
        if (pats->type != YAML_SEQUENCE_NODE) {
            report(L, file, line_of(pats), "rule '%s': patterns must be a list", id);
            return;
        }
        for (yaml_node_item_t *it = pats->data.sequence.items.start;
             it < pats->data.sequence.items.top; it++) {
            yaml_node_t *p = yaml_document_get_node(d, *it);
            const char *re = scalar(p);
            if (!re || !*re)
                report(L, file, line_of(p), "rule '%s': empty pattern", id);
            else
                add_rule_regex(L, ri, re, file, line_of(p));
        }
    }
}

/** @brief Load every rule of rule file `name`, reported at `from`:`from_line` if unreadable; stops
 *  at the first rule with a problem unless check_all. */
static void load_rule_file(loader *L, const char *name, int from_line, const char *from)
{
    const char *path = path_join(L, name);
    yaml_document_t doc;
    if (!path || !load_yaml(L, path, &doc, from, from_line))
        return;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *rules = map_get(&doc, root, "rules");
    if (!rules || rules->type != YAML_SEQUENCE_NODE) {
        report(L, path, line_of(root), "expected a top-level 'rules:' list");
    } else {
        for (yaml_node_item_t *it = rules->data.sequence.items.start;
             it < rules->data.sequence.items.top; it++) {
            int before = L->n_errors;
            load_rule(L, &doc, yaml_document_get_node(&doc, *it), path);
            if (L->n_errors > before && !L->check_all)
                break;
        }
    }
    yaml_document_delete(&doc);
}

/* ---- sentiment lexicon ---------------------------------------------- */

/* Remember a lexicon literal and its valence; false if already present. */
static bool lex_seen_add(loader *L, const char *s, size_t n, float value)
{
    if (ms_strtab_find(&L->lex_seen, s, n))
        return false;
    const char *kept = keep(L, s, n);
    if (!kept || !ms_strtab_add(&L->lex_seen, kept, value))
        report(L, "(sentiment lexicon)", 0, "out of memory");
    return true;
}

/* A lexicon entry that is a plain word: letters, apostrophes, hyphens and
 * spaces. Entries with digits are left out: normalising would read their
 * digits as leetspeak and collide with real words ("hi5" -> "his"). */
static bool is_word_entry(const char *s, size_t n)
{
    bool letter = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            letter = true;
        else if (c != '\'' && c != '-' && c != ' ')
            return false;
    }
    return letter;
}

/* Add a words-view literal with a sentiment role. */
static void add_sentiment_literal(loader *L, const char *s, size_t n, ms_pattern pat,
                                  const char *file, int line)
{
    size_t vl;
    const char *v = normalise_entry(L, s, n, &vl);
    if (!v)
        return;
    if (pat.role == MS_ROLE_LEXICON && !lex_seen_add(L, v, vl, pat.value))
        return;
    if (pat.role == MS_ROLE_LEXICON)
        add_known_word(L, v, vl, false);
    ms_buf e;
    ms_buf_init(&e);
    ms_buf_putc(&e, ' ');
    escape_literal(&e, v, vl);
    ms_buf_putc(&e, ' ');
    ms_buf_terminate(&e);
    if (!ms_buf_ok(&e))
        return;
    pat.len = (uint16_t)(vl + 2);
    push(L, &L->words, e.data, 0, pat, file, line);
}

/** @brief Queue emoticon `s` (caseless, standing apart from words) with its valence for the raw
 *  database; dropped silently on ENOMEM. */
static void add_emoticon(loader *L, const char *s, size_t n, float valence, const char *file,
                         int line)
{
    ms_buf e;
    ms_buf_init(&e);
    escape_literal(&e, s, n);
    ms_buf_terminate(&e);
    if (!ms_buf_ok(&e))
        return;
    ms_pattern pat = {.role = MS_ROLE_EMOTICON, .value = valence, .len = (uint16_t)n,
                      .flags = MS_PAT_EMOTICON_B};
    push(L, &L->raw, e.data, HS_FLAG_CASELESS, pat, file, line);
}

/* Iterate over the lines of a tab-separated file: calls fn for each. */
typedef void (*line_fn)(loader *L, char **cols, int ncols, const char *file, int line,
                        void *ctx);

/** @brief Read `path` (hashed into the version; reported at `from`:`from_line` if unreadable) and
 *  pass `fn` up to 8 tab-separated columns of each non-empty line not starting with '#'; the
 *  columns are valid only during the call. */
static void each_tsv_line(loader *L, const char *path, const char *from, int from_line,
                          line_fn fn, void *ctx)
{
    size_t len;
    char *text = read_file(L, path, &len, from, from_line);
    if (!text)
        return;
    int ln = 0;
    for (char *p = text, *end = text + len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        *le = '\0';
        ln++;
        if (le > p && le[-1] == '\r')
            le[-1] = '\0';
        if (*p && *p != '#') {
            char *cols[8];
            int nc = 0;
            for (char *c = p; nc < 8;) {
                cols[nc++] = c;
                char *t = strchr(c, '\t');
                if (!t)
                    break;
                *t = '\0';
                c = t + 1;
            }
            fn(L, cols, nc, path, ln, ctx);
        }
        p = le + 1;
    }
    free(text);
}

/* The number in a 'word<TAB>number' line; false (reported) when missing. */
static bool tsv_number(loader *L, char **cols, int nc, const char *file, int line,
                       const char *what, float *out)
{
    if (nc < 2) {
        report(L, file, line, "expected 'word<TAB>%s'", what);
        return false;
    }
    char *end;
    *out = strtof(cols[1], &end);
    if (end == cols[1] || !isfinite(*out)) {
        report(L, file, line, "%s '%s' is not a number", what, cols[1]);
        return false;
    }
    return true;
}

/** @brief A VADER lexicon line: plain words go to the words view with their valence, ASCII
 *  emoticons to the raw one; other entries (emoji) are left to the emoji file. */
static void lexicon_line(loader *L, char **cols, int nc, const char *file, int line, void *ctx)
{
    float val;
    if (!tsv_number(L, cols, nc, file, line, "valence", &val))
        return;
    size_t n = strlen(cols[0]);
    if (n == 0)
        return;
    if (is_word_entry(cols[0], n)) {
        ms_pattern pat = {.role = MS_ROLE_LEXICON, .value = val};
        add_sentiment_literal(L, cols[0], n, pat, file, line);
        L->rs->stats.lexicon_entries++;
    } else if (n >= 2) {
        bool letters = false;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)cols[0][i] >= 0x80)
                letters = true; /* non-ASCII entries are emoji: handled below */
        if (!letters) {
            add_emoticon(L, cols[0], n, val, file, line);
            L->rs->stats.lexicon_entries++;
        }
    }
}

/* Emoji are scored by their description, as VADER does: the sum of the
 * lexicon valences of the description's words. */
static float lexicon_valence_of(loader *L, const char *word, size_t n)
{
    const float *v = ms_strtab_find(&L->lex_seen, word, n);
    return v ? *v : 0;
}

/** @brief An emoji line: the emoji takes the summed lexicon valence of its description, clamped to
 *  [-4, 4], so the lexicon must be loaded first; skipped when the sum is 0. */
static void emoji_line(loader *L, char **cols, int nc, const char *file, int line, void *ctx)
{
    (void)ctx;
    if (nc < 2)
        return;
    /* Normalise the description once and sum its words' valences. */
    char desc[512];
    snprintf(desc, sizeof desc, "%s", cols[1]);
    float sum = 0;
    for (char *w = strtok(desc, " -:,"); w; w = strtok(NULL, " -:,")) {
        for (char *c = w; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c + 32);
        sum += lexicon_valence_of(L, w, strlen(w));
    }
    if (sum == 0)
        return;
    if (sum > 4)
        sum = 4;
    if (sum < -4)
        sum = -4;
    size_t n = strlen(cols[0]);
    ms_normalised v;
    if (!ms_normalise(L->norm, cols[0], n, &v) || v.n_tok != 1)
        return;
    ms_buf e;
    ms_buf_init(&e);
    escape_literal(&e, v.view, v.len);
    ms_buf_terminate(&e);
    if (!ms_buf_ok(&e))
        return;
    ms_pattern pat = {.role = MS_ROLE_LEXICON, .value = sum, .len = (uint16_t)v.len};
    if (!lex_seen_add(L, v.view, v.len, sum)) {
        ms_buf_free(&e);
        return;
    }
    push(L, &L->words, e.data, 0, pat, file, line);
}

/** @brief A booster line 'word<TAB>scalar': a words-view literal that scales a sentiment word up to
 *  three words after it. */
static void booster_line(loader *L, char **cols, int nc, const char *file, int line, void *ctx)
{
    float val;
    if (!tsv_number(L, cols, nc, file, line, "scalar", &val))
        return;
    ms_pattern pat = {.role = MS_ROLE_BOOSTER, .value = val};
    add_sentiment_literal(L, cols[0], strlen(cols[0]), pat, file, line);
}

/** @brief An idiom line 'phrase<TAB>valence': a words-view literal whose words are read as one
 *  sentiment word of that valence ("to die for" 3, "grass cutting" 0), as VADER's special cases. */
static void idiom_line(loader *L, char **cols, int nc, const char *file, int line, void *ctx)
{
    float val;
    if (!tsv_number(L, cols, nc, file, line, "valence", &val))
        return;
    ms_pattern pat = {.role = MS_ROLE_IDIOM, .value = val};
    add_sentiment_literal(L, cols[0], strlen(cols[0]), pat, file, line);
}

/** @brief A negator line (first column only): a words-view literal that flips the valence of a
 *  sentiment word up to three words after it. */
static void negator_line(loader *L, char **cols, int nc, const char *file, int line, void *ctx)
{
    ms_pattern pat = {.role = MS_ROLE_NEGATOR};
    add_sentiment_literal(L, cols[0], strlen(cols[0]), pat, file, line);
}

/** @brief Load the sentiment: section's files, lexicon before emoji (whose scores need it), then
 *  VADER's special words; without the section (NULL) nothing is added. */
static void load_sentiment(loader *L, yaml_document_t *d, yaml_node_t *sent, const char *file)
{
    static const char *const keys[] = {"lexicon", "emoji", "boosters", "negators", "idioms",
                                       NULL};
    if (!sent)
        return;
    if (sent->type != YAML_MAPPING_NODE) {
        report(L, file, line_of(sent), "sentiment: must be a mapping");
        return;
    }
    check_keys(L, file, d, sent, keys);
    struct {
        const char *key;
        line_fn fn;
    } parts[] = {{"lexicon", lexicon_line},
                 {"emoji", emoji_line},
                 {"boosters", booster_line},
                 {"negators", negator_line},
                 {"idioms", idiom_line}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        yaml_node_t *n = map_get(d, sent, parts[i].key);
        if (!n)
            continue;
        const char *path = scalar(n) ? path_join(L, scalar(n)) : NULL;
        if (!path) {
            report(L, file, line_of(n), "sentiment.%s must be a file name", parts[i].key);
            continue;
        }
        each_tsv_line(L, path, file, line_of(n), parts[i].fn, NULL);
    }
    /* The words VADER's rules look for by identity. */
    static const struct {
        const char *w;
        uint32_t bit;
    } specials[] = {
        {"but", MS_SP_BUT},       {"no", MS_SP_NO},        {"never", MS_SP_NEVER},
        {"so", MS_SP_SO_THIS},    {"this", MS_SP_SO_THIS}, {"without", MS_SP_WITHOUT},
        {"doubt", MS_SP_DOUBT},   {"least", MS_SP_LEAST},  {"at", MS_SP_AT_VERY},
        {"very", MS_SP_AT_VERY},  {"kind", MS_SP_KIND},    {"of", MS_SP_OF},
        {"or", MS_SP_OR_NOR},     {"nor", MS_SP_OR_NOR},
    };
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        ms_pattern pat = {.role = MS_ROLE_SPECIAL, .special = specials[i].bit};
        add_sentiment_literal(L, specials[i].w, strlen(specials[i].w), pat, "(builtin)", 0);
    }
}

/* ---- the index file ------------------------------------------------- */

/** @brief Read the index file (ruleset.yaml): its rule files in order, category thresholds and
 *  the sentiment section; every problem reported at file:line. */
static void load_index(loader *L, const char *index_path)
{
    yaml_document_t doc;
    if (!load_yaml(L, index_path, &doc, index_path, 0))
        return;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    static const char *const keys[] = {"name", "files", "thresholds", "sentiment", NULL};
    if (root->type != YAML_MAPPING_NODE) {
        report(L, index_path, line_of(root), "expected a mapping with files:, thresholds:");
        yaml_document_delete(&doc);
        return;
    }
    check_keys(L, index_path, &doc, root, keys);
    for (int c = 0; c < MS_CAT_COUNT; c++)
        L->rs->threshold[c] = 1.0f;
    yaml_node_t *th = map_get(&doc, root, "thresholds");
    if (th && th->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = th->data.mapping.pairs.start; p < th->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(&doc, p->key);
            yaml_node_t *v = yaml_document_get_node(&doc, p->value);
            ms_category c;
            const char *ks = scalar(k);
            bool ok = true;
            if (!ks || !ms_category_parse(ks, strlen(ks), &c)) {
                report(L, index_path, line_of(k), "thresholds: unknown category '%s'",
                       ks ? ks : "?");
                continue;
            }
            float f = parse_float(L, v, index_path, "threshold", 1.0f, &ok);
            if (ok && f <= 0) {
                report(L, index_path, line_of(v), "threshold for '%s' must be positive", ks);
                continue;
            }
            L->rs->threshold[c] = f;
        }
    } else if (th) {
        report(L, index_path, line_of(th), "thresholds: must be a mapping");
    }
    yaml_node_t *files = map_get(&doc, root, "files");
    if (!files || files->type != YAML_SEQUENCE_NODE) {
        report(L, index_path, line_of(files ? files : root), "expected 'files:' as a list");
    } else {
        for (yaml_node_item_t *it = files->data.sequence.items.start;
             it < files->data.sequence.items.top; it++) {
            yaml_node_t *f = yaml_document_get_node(&doc, *it);
            if (!scalar(f)) {
                report(L, index_path, line_of(f), "files: entries must be file names");
                continue;
            }
            load_rule_file(L, scalar(f), line_of(f), index_path);
            if (L->n_errors && !L->check_all)
                break;
        }
    }
    if (!L->n_errors || L->check_all)
        load_sentiment(L, &doc, map_get(&doc, root, "sentiment"), index_path);
    yaml_document_delete(&doc);
}

/* ---- compiling and caching ------------------------------------------ */

/**
 * @brief Hyperscan's message `msg` about `expr`, made useful to the pattern's
 * author: an "at index N" counts characters of the pattern as compiled (the
 * words view's " (?:...) " wrapper, {list:} expansions), so the place is
 * shown in that text; a pattern too large for the start-of-match compile
 * (`som`) says so, since the same pattern compiles without it. Written to
 * `out`, which is returned.
 */
static const char *explain_hs_error(char *out, size_t cap, const char *expr, const char *msg,
                                    bool som)
{
    const char *at = strstr(msg, "at index ");
    size_t len = strlen(expr);
    if (at) {
        long i = strtol(at + 9, NULL, 10);
        if (i >= 0 && (size_t)i <= len) {
            size_t from = i > 24 ? (size_t)i - 24 : 0;
            size_t to = (size_t)i + 24 < len ? (size_t)i + 24 : len;
            snprintf(out, cap, "%s (as compiled: '%.*s' here-> '%.*s')", msg,
                     (int)((size_t)i - from), expr + from, (int)(to - (size_t)i), expr + i);
            return out;
        }
    }
    if (som && strstr(msg, "too large")) {
        snprintf(out, cap, "%s (in the second compile that finds where a match starts, whose "
                 "limits are tighter: shorten the pattern or the {list:} in it)", msg);
        return out;
    }
    snprintf(out, cap, "%s", msg);
    return out;
}

/** @brief Report pattern `p`'s compile error `msg` at its file:line, explained (see
 *  explain_hs_error); the pattern is cut so that the explanation fits the report. */
static void report_pattern_error(loader *L, const pending *p, const char *msg, bool som)
{
    char why[768];
    const char *src = p->source ? p->source : p->expr;
    report(L, p->file, p->line, "pattern '%.200s%s': %s", src, strlen(src) > 200 ? "..." : "",
           explain_hs_error(why, sizeof why, p->expr, msg, som));
}

/** @brief After a failed hs_compile_multi: report each pattern of `pv` that fails alone, with its
 *  file:line, or Hyperscan's own message when none does. */
static void report_bad_patterns(loader *L, pending_vec *pv, hs_compile_error_t *ce)
{
    /* Hyperscan names one failing expression; compile each on its own to
     * report every bad pattern with its file and line. */
    bool found = false;
    for (uint32_t i = 0; i < pv->n; i++) {
        if (pv->v[i].pat.role != MS_ROLE_RULE)
            continue;
        hs_database_t *db = NULL;
        hs_compile_error_t *e = NULL;
        if (hs_compile(pv->v[i].expr, pv->v[i].flags, HS_MODE_BLOCK, NULL, &db, &e) !=
            HS_SUCCESS) {
            report_pattern_error(L, &pv->v[i], e ? e->message : "compile failed", false);
            hs_free_compile_error(e);
            found = true;
        }
        hs_free_database(db);
    }
    if (!found)
        report(L, "(rule set)", 0, "Hyperscan: %s (expression %d)",
               ce ? ce->message : "compile failed", ce ? ce->expression : -1);
}

/** @brief Compile `pv` into one block-mode database whose ids are indexes in `pv`; NULL when `pv`
 *  is empty or on an error, every bad pattern then reported. */
static hs_database_t *compile_db(loader *L, pending_vec *pv)
{
    if (pv->n == 0)
        return NULL;
    const char **exprs = malloc(pv->n * sizeof *exprs);
    unsigned *flags = malloc(pv->n * sizeof *flags);
    unsigned *ids = malloc(pv->n * sizeof *ids);
    hs_database_t *db = NULL;
    if (!exprs || !flags || !ids) {
        report(L, "(rule set)", 0, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < pv->n; i++) {
        exprs[i] = pv->v[i].expr;
        flags[i] = pv->v[i].flags;
        ids[i] = i;
    }
    hs_compile_error_t *ce = NULL;
    if (hs_compile_multi(exprs, flags, ids, pv->n, HS_MODE_BLOCK, NULL, &db, &ce) !=
        HS_SUCCESS) {
        db = NULL;
        report_bad_patterns(L, pv, ce);
        hs_free_compile_error(ce);
    }
out:
    free(exprs);
    free(flags);
    free(ids);
    return db;
}

/* One database per pattern, for the start-of-match pass. */
static hs_database_t **compile_each(loader *L, pending_vec *pv)
{
    hs_database_t **dbs = calloc(pv->n ? pv->n : 1, sizeof *dbs);
    if (!dbs) {
        report(L, "(rule set)", 0, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < pv->n; i++) {
        hs_compile_error_t *ce = NULL;
        if (hs_compile(pv->v[i].expr, pv->v[i].flags, HS_MODE_BLOCK, NULL, &dbs[i], &ce) !=
            HS_SUCCESS) {
            report_pattern_error(L, &pv->v[i], ce ? ce->message : "compile failed", true);
            hs_free_compile_error(ce);
            dbs[i] = NULL;
        }
    }
    return dbs;
}

/* Cache file names of the gated raw databases, by enum ms_gate. */
static const char *const gate_name[MS_GATES] = {"raw-digit", "raw-at"};

/** @brief qsort order of VIP entries: strcmp of handles, as match_vip's binary search expects. */
static int vip_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ms_vip *)a)->handle, ((const struct ms_vip *)b)->handle);
}

/** @brief Copy the pattern facts of `pv` into `*out`, indexed by Hyperscan id for the match
 *  callbacks; `*out` is NULL on ENOMEM (`*n` then untouched). */
static void finish_patterns(ms_ruleset *rs, pending_vec *pv, ms_pattern **out, uint32_t *n)
{
    *out = calloc(pv->n ? pv->n : 1, sizeof **out);
    if (!*out)
        return;
    for (uint32_t i = 0; i < pv->n; i++)
        (*out)[i] = pv->v[i].pat;
    *n = pv->n;
}

/** @brief Free the queued expressions and the vector's array; sources belong to the rule set. */
static void free_pending(pending_vec *pv)
{
    for (uint32_t i = 0; i < pv->n; i++)
        free(pv->v[i].expr);
    free(pv->v);
}

/** @brief Copy the main databases' regular expressions into rs->regex for tools. */
static bool keep_regexes(loader *L)
{
    ms_ruleset *rs = L->rs;
    struct {
        pending_vec *pv;
        ms_view view;
        ms_regex_gate gate;
    } from[] = {{&L->words_re, MS_VIEW_WORDS, MS_REGEX_ALWAYS},
                {&L->raw, MS_VIEW_RAW, MS_REGEX_ALWAYS},
                {&L->raw_gate[MS_GATE_DIGIT], MS_VIEW_RAW, MS_REGEX_IF_DIGIT},
                {&L->raw_gate[MS_GATE_AT], MS_VIEW_RAW, MS_REGEX_IF_AT}};
    uint32_t n = 0;
    for (size_t f = 0; f < sizeof from / sizeof from[0]; f++)
        n += from[f].pv->n;
    rs->regex = calloc(n ? n : 1, sizeof *rs->regex);
    if (!rs->regex)
        return false;
    for (size_t f = 0; f < sizeof from / sizeof from[0]; f++)
        for (uint32_t i = 0; i < from[f].pv->n; i++) {
            const pending *p = &from[f].pv->v[i];
            if (!p->source)
                continue; /* a literal: only regular expressions carry their author's text */
            const char *expr = keep(L, p->expr, strlen(p->expr));
            if (!expr)
                return false;
            rs->regex[rs->n_regex++] = (ms_ruleset_regex){
                .expr = expr, .source = p->source ? p->source : expr, .hs_flags = p->flags,
                .view = from[f].view, .gate = from[f].gate, .rule = p->pat.rule,
                .file = p->file, .line = p->line};
        }
    return true;
}

uint32_t ms_ruleset_example_count(const ms_ruleset *rs) { return rs->n_examples; }

const ms_rule_example *ms_ruleset_example_at(const ms_ruleset *rs, uint32_t i)
{
    return i < rs->n_examples ? &rs->examples[i] : NULL;
}

uint32_t ms_ruleset_regex_count(const ms_ruleset *rs) { return rs->n_regex; }

const ms_ruleset_regex *ms_ruleset_regex_at(const ms_ruleset *rs, uint32_t i)
{
    return i < rs->n_regex ? &rs->regex[i] : NULL;
}

/** @brief Free what only loading needs; the rule set keeps the rest. */
static void loader_free(loader *L)
{
    pending_vec *vecs[] = {&L->words, &L->words_re, &L->raw, &L->raw_gate[MS_GATE_DIGIT],
                           &L->raw_gate[MS_GATE_AT], &L->author, &L->words_som, &L->raw_som};
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        free_pending(vecs[i]);
    ms_strtab_free(&L->lex_seen);
    if (L->hash)
        XXH3_freeState(L->hash);
    ms_normaliser_free(L->norm);
}

/** @brief qsort order of struct ms_rule_ref: by id. */
static int rule_ref_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ms_rule_ref *)a)->id, ((const struct ms_rule_ref *)b)->id);
}

/** @brief Build rs->by_id, the rules sorted by id; false on ENOMEM. */
static bool index_ids(ms_ruleset *rs)
{
    if (!rs->n_rules)
        return true;
    rs->by_id = malloc(rs->n_rules * sizeof *rs->by_id);
    if (!rs->by_id)
        return false;
    for (uint32_t i = 0; i < rs->n_rules; i++)
        rs->by_id[i] = (struct ms_rule_ref){rs->rules[i].id, i};
    qsort(rs->by_id, rs->n_rules, sizeof *rs->by_id, rule_ref_cmp);
    return true;
}

ms_ruleset *ms_ruleset_load(const char *dir, const ms_ruleset_options *opt, ms_buf *errors)
{
    ms_ruleset *rs = calloc(1, sizeof *rs);
    loader L = {.rs = rs, .dir = dir, .errors = errors,
                .check_all = opt && opt->check_all};
    L.hash = XXH3_createState();
    L.norm = ms_normaliser_new();
    if (!rs || !L.hash || !L.norm) {
        if (errors)
            ms_buf_puts(errors, "out of memory loading the rule set\n");
        goto fail;
    }
    XXH3_128bits_reset(L.hash);
    XXH3_128bits_update(L.hash, MS_PATTERN_FORMAT, sizeof MS_PATTERN_FORMAT);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    char index[PATH_MAX];
    snprintf(index, sizeof index, "%s/ruleset.yaml", dir);
    load_index(&L, index);
    if (!index_ids(rs))
        report(&L, index, 0, "out of memory");
    resolve_composites(&L);
    if (L.n_errors && !L.check_all)
        goto fail;
    if (rs->n_rules == 0) {
        if (!L.n_errors)
            report(&L, index, 0, "the rule set has no rules");
        goto fail;
    }

    XXH128_hash_t h = XXH3_128bits_digest(L.hash);
    snprintf(rs->version, sizeof rs->version, "%016llx%016llx", (unsigned long long)h.high64,
             (unsigned long long)h.low64);

    /* The cache key covers the generated patterns themselves, not only the
     * input files, so a build that generates patterns differently (or in
     * another order) never loads a database whose ids mean something else. */
    char key[33];
    {
        XXH3_state_t *kh = XXH3_createState();
        if (!kh) {
            report(&L, index, 0, "out of memory");
            goto fail;
        }
        XXH3_128bits_reset(kh);
        XXH3_128bits_update(kh, rs->version, sizeof rs->version);
        pending_vec *vecs[] = {&L.words, &L.words_re, &L.raw, &L.raw_gate[MS_GATE_DIGIT],
                               &L.raw_gate[MS_GATE_AT], &L.author, &L.words_som, &L.raw_som};
        for (size_t v = 0; v < sizeof vecs / sizeof vecs[0]; v++) {
            for (uint32_t i = 0; i < vecs[v]->n; i++) {
                XXH3_128bits_update(kh, vecs[v]->v[i].expr, strlen(vecs[v]->v[i].expr) + 1);
                XXH3_128bits_update(kh, &vecs[v]->v[i].flags, sizeof vecs[v]->v[i].flags);
            }
            XXH3_128bits_update(kh, "|", 1);
        }
        XXH128_hash_t kd = XXH3_128bits_digest(kh);
        XXH3_freeState(kh);
        snprintf(key, sizeof key, "%016llx%016llx", (unsigned long long)kd.high64,
                 (unsigned long long)kd.low64);
    }
    char cbuf[PATH_MAX];
    const char *cdir =
        L.n_errors ? NULL : ms_db_cache_dir(opt ? opt->cache_dir : NULL, cbuf, sizeof cbuf);
    if (cdir && !(opt && opt->refresh_cache)) {
        rs->words_db = ms_db_cache_read(cdir, key, "words");
        rs->raw_db = L.raw.n ? ms_db_cache_read(cdir, key, "raw") : NULL;
        bool gated_ok = true;
        for (int g = 0; g < MS_GATES; g++) {
            rs->raw_gated[g].db =
                L.raw_gate[g].n ? ms_db_cache_read(cdir, key, gate_name[g]) : NULL;
            gated_ok = gated_ok && (rs->raw_gated[g].db || !L.raw_gate[g].n);
        }
        rs->author_db = L.author.n ? ms_db_cache_read(cdir, key, "author") : NULL;
        rs->words_re_db = L.words_re.n ? ms_db_cache_read(cdir, key, "words-re") : NULL;
        rs->words_som_db =
            L.words_som.n ? ms_db_cache_read_many(cdir, key, "words-som", L.words_som.n) : NULL;
        rs->raw_som_db =
            L.raw_som.n ? ms_db_cache_read_many(cdir, key, "raw-som", L.raw_som.n) : NULL;
        if (rs->words_db && (rs->raw_db || !L.raw.n) && (rs->author_db || !L.author.n) &&
            gated_ok &&
            (rs->words_re_db || !L.words_re.n) &&
            (rs->words_som_db || !L.words_som.n) && (rs->raw_som_db || !L.raw_som.n)) {
            rs->stats.from_cache = true;
        } else {
            hs_free_database(rs->words_db);
            hs_free_database(rs->raw_db);
            for (int g = 0; g < MS_GATES; g++) {
                hs_free_database(rs->raw_gated[g].db);
                rs->raw_gated[g].db = NULL;
            }
            hs_free_database(rs->author_db);
            hs_free_database(rs->words_re_db);
            rs->words_re_db = NULL;
            ms_db_cache_free_many(rs->words_som_db, L.words_som.n);
            ms_db_cache_free_many(rs->raw_som_db, L.raw_som.n);
            rs->words_db = rs->raw_db = rs->author_db = NULL;
            rs->words_som_db = rs->raw_som_db = NULL;
        }
    }
    rs->n_words_som_pat = rs->words_som_db ? L.words_som.n : 0;
    rs->n_raw_som_pat = rs->raw_som_db ? L.raw_som.n : 0;
    if (!rs->stats.from_cache) {
        rs->words_db = compile_db(&L, &L.words);
        rs->raw_db = compile_db(&L, &L.raw);
        for (int g = 0; g < MS_GATES; g++)
            rs->raw_gated[g].db = compile_db(&L, &L.raw_gate[g]);
        rs->author_db = compile_db(&L, &L.author);
        rs->words_re_db = compile_db(&L, &L.words_re);
        if (!L.n_errors) {
            rs->words_som_db = L.words_som.n ? compile_each(&L, &L.words_som) : NULL;
            rs->raw_som_db = L.raw_som.n ? compile_each(&L, &L.raw_som) : NULL;
            rs->n_words_som_pat = rs->words_som_db ? L.words_som.n : 0;
            rs->n_raw_som_pat = rs->raw_som_db ? L.raw_som.n : 0;
        }
        if (!L.n_errors && !rs->words_db)
            report(&L, index, 0,
                   "no words-view patterns: add a rule matching words, or the sentiment "
                   "lexicon (sentiment: lexicon:)");
        if (L.n_errors || !rs->words_db)
            goto fail;
        if (cdir) {
            ms_db_cache_write(cdir, key, "words", rs->words_db);
            ms_db_cache_write(cdir, key, "raw", rs->raw_db);
            for (int g = 0; g < MS_GATES; g++)
                ms_db_cache_write(cdir, key, gate_name[g], rs->raw_gated[g].db);
            ms_db_cache_write(cdir, key, "author", rs->author_db);
            ms_db_cache_write(cdir, key, "words-re", rs->words_re_db);
            if (rs->words_som_db)
                ms_db_cache_write_many(cdir, key, "words-som", rs->words_som_db, L.words_som.n);
            if (rs->raw_som_db)
                ms_db_cache_write_many(cdir, key, "raw-som", rs->raw_som_db, L.raw_som.n);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);

    finish_patterns(rs, &L.words, &rs->words_pat, &rs->n_words_pat);
    finish_patterns(rs, &L.raw, &rs->raw_pat, &rs->n_raw_pat);
    bool gated_pat = true;
    for (int g = 0; g < MS_GATES; g++) {
        finish_patterns(rs, &L.raw_gate[g], &rs->raw_gated[g].pat, &rs->raw_gated[g].n_pat);
        gated_pat = gated_pat && rs->raw_gated[g].pat;
    }
    finish_patterns(rs, &L.author, &rs->author_pat, &rs->n_author_pat);
    finish_patterns(rs, &L.words_re, &rs->words_re_pat, &rs->n_words_re_pat);
    finish_patterns(rs, &L.words_som, &rs->words_som_pat, &rs->n_words_som_pat);
    finish_patterns(rs, &L.raw_som, &rs->raw_som_pat, &rs->n_raw_som_pat);
    if (!rs->words_pat || !rs->raw_pat || !gated_pat || !rs->author_pat ||
        !rs->words_re_pat || !rs->words_som_pat || !rs->raw_som_pat || !keep_regexes(&L)) {
        report(&L, index, 0, "out of memory");
        goto fail;
    }
    if (rs->n_vip)
        qsort(rs->vip, rs->n_vip, sizeof *rs->vip, vip_cmp);

    rs->stats.rules = rs->n_rules;
    rs->stats.words_patterns = rs->n_words_pat + rs->n_words_re_pat;
    rs->stats.raw_patterns = rs->n_raw_pat;
    rs->stats.rescanned_regexes = rs->n_words_som_pat + rs->n_raw_som_pat;
    hs_database_size(rs->words_db, &rs->stats.words_db_bytes);
    if (rs->raw_db)
        hs_database_size(rs->raw_db, &rs->stats.raw_db_bytes);
    for (int g = 0; g < MS_GATES; g++) {
        size_t bytes = 0;
        rs->stats.raw_patterns += rs->raw_gated[g].n_pat;
        if (rs->raw_gated[g].db && hs_database_size(rs->raw_gated[g].db, &bytes) == HS_SUCCESS)
            rs->stats.raw_db_bytes += bytes;
    }
    rs->stats.compile_seconds = rs->stats.from_cache
                                    ? 0
                                    : (double)(t1.tv_sec - t0.tv_sec) +
                                          (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    loader_free(&L);
    return rs;

fail:
    loader_free(&L);
    ms_ruleset_free(rs);
    return NULL;
}

void ms_ruleset_free(ms_ruleset *rs)
{
    if (!rs)
        return;
    hs_free_database(rs->words_db);
    hs_free_database(rs->raw_db);
    for (int g = 0; g < MS_GATES; g++) {
        hs_free_database(rs->raw_gated[g].db);
        free(rs->raw_gated[g].pat);
    }
    hs_free_database(rs->author_db);
    hs_free_database(rs->words_re_db);
    free(rs->words_re_pat);
    free(rs->regex);
    free(rs->examples);
    ms_db_cache_free_many(rs->words_som_db, rs->n_words_som_pat);
    ms_db_cache_free_many(rs->raw_som_db, rs->n_raw_som_pat);
    free(rs->words_som_pat);
    free(rs->raw_som_pat);
    free(rs->composite);
    free(rs->composite_parts);
    free(rs->words_pat);
    free(rs->raw_pat);
    free(rs->author_pat);
    free(rs->rules);
    free(rs->by_id);
    ms_strtab_free(&rs->known);
    free(rs->vip);
    for (uint32_t i = 0; i < rs->n_strings; i++)
        free(rs->strings[i]);
    free(rs->strings);
    free(rs);
}

uint32_t ms_ruleset_rule_count(const ms_ruleset *rs) { return rs->n_rules; }

const ms_rule *ms_ruleset_rule(const ms_ruleset *rs, uint32_t i)
{
    return i < rs->n_rules ? &rs->rules[i] : NULL;
}

const ms_rule *ms_ruleset_find(const ms_ruleset *rs, const char *id, size_t len)
{
    uint32_t lo = 0, hi = rs->by_id ? rs->n_rules : 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *k = rs->by_id[mid].id;
        int c = strncmp(k, id, len);
        if (c == 0 && k[len] == '\0')
            return &rs->rules[rs->by_id[mid].rule];
        if (c > 0 || (c == 0 && k[len] != '\0'))
            hi = mid; /* k sorts after id (id is a proper prefix of k) */
        else
            lo = mid + 1;
    }
    return NULL;
}

bool ms_ruleset_known_word(const void *ruleset, const char *word, size_t len)
{
    const ms_ruleset *rs = ruleset;
    if (ms_strtab_find(&rs->known, word, len))
        return true;
    for (size_t n = len - 1; n >= 3 && n < len; n--) { /* the longest prefix entry first */
        const float *prefix = ms_strtab_find(&rs->known, word, n);
        if (prefix && *prefix)
            return true;
    }
    return false;
}

const char *ms_ruleset_version(const ms_ruleset *rs) { return rs->version; }

const ms_ruleset_stats *ms_ruleset_stats_get(const ms_ruleset *rs) { return &rs->stats; }

float ms_ruleset_threshold(const ms_ruleset *rs, ms_category c)
{
    return c < MS_CAT_COUNT ? rs->threshold[c] : 1.0f;
}
