/*
 * offenders.c - the repeat-offender ledger (see offenders.h).
 *
 * One heap record per author, of one fixed size (room for the longest
 * author id), made on the author's first violation. Once max_authors are
 * known, a new author takes over the evicted author's record: in the steady
 * state of a full ledger, where most violators are new, recording one
 * allocates nothing. A record is on two lists:
 *   - its hash bucket's chain (XXH3-64 of the author id; the hash is kept in
 *     the record so lookups compare it before the bytes and rehashing needs
 *     no second pass over the ids);
 *   - the LRU list, most recently recorded first. When max_authors authors
 *     are known, a new one evicts the list's tail in O(1) (plus the walk of
 *     its bucket chain, short at load <= 1).
 * The bucket array starts small and doubles while the authors outnumber the
 * buckets, up to the power of two above max_authors, so a large bound costs
 * nothing until it is used. A failed doubling is not an error: the chains
 * just get longer.
 *
 * Each record keeps at most MS_OFFENCES_KEPT offences in a plain array
 * sorted by at_ms, ties in arrival order; eight entries make memmove
 * cheaper than a ring with a sort on read. Every kept offence lies within
 * the window before the newest kept one (which is the newest seen: it can
 * never be dropped), so raising the newest drops a prefix. An offence that
 * arrives late is not kept when it is already outside the window, or when
 * the array is full and it is older than everything in it: keeping it would
 * drop a more recent one. Recording it then returns 0, as for a duplicate:
 * it counts toward nothing and cannot be shown as proof.
 *
 * Ids are stored as the ledger shows them: event ids and rules cut to their
 * maximum (and at an embedded NUL), always NUL-terminated and zero-padded,
 * so a duplicate is a byte-compare of the whole field. Author ids are keys
 * of up to MS_OFFENDER_ID_MAX bytes; the empty id is a key like any other.
 */
#include "decide/offenders.h"

#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#define MIN_BUCKETS 16u
#define MAX_BUCKETS ((size_t)1 << 30)

typedef struct rec {
    struct rec *chain;           /* next in the hash bucket */
    struct rec *newer, *older;   /* LRU neighbours; head is the newest */
    uint64_t hash;
    uint32_t n;                  /* offences kept */
    ms_offence off[MS_OFFENCES_KEPT]; /* by at_ms, ties in arrival order */
    size_t id_len;
    char id[MS_OFFENDER_ID_MAX]; /* the author id, truncated, not NUL-terminated */
} rec;

struct ms_offenders {
    ms_offenders_options o;
    rec **buckets;
    size_t n_buckets;            /* a power of two */
    size_t max_buckets;
    size_t count;
    rec *newest, *oldest;        /* the LRU list */
};

/** @brief Treat a NULL pointer as the empty string; cut `len` to `max`. */
static const char *clip(const char *s, size_t *len, size_t max)
{
    if (!s) {
        *len = 0;
        return "";
    }
    if (*len > max)
        *len = max;
    return s;
}

/** @brief Copy at most `max` bytes of `s` into the zeroed field `dst` of `max + 1` bytes. */
static void set_field(char *dst, size_t max, const char *s, size_t len)
{
    s = clip(s, &len, max);
    len = strnlen(s, len);
    memset(dst, 0, max + 1);
    memcpy(dst, s, len);
}

/** @brief True when `at` is more than `window` before `newest` (no overflow). */
static bool expired(int64_t at, int64_t newest, int64_t window)
{
    /* window > 0, so INT64_MIN + window does not overflow */
    return newest >= INT64_MIN + window && at < newest - window;
}

/** @brief The smallest power of two >= n, at least MIN_BUCKETS, at most MAX_BUCKETS. */
static size_t pow2_at_least(uint64_t n)
{
    size_t p = MIN_BUCKETS;
    while (p < n && p < MAX_BUCKETS)
        p <<= 1;
    return p;
}

ms_offenders *ms_offenders_new(const ms_offenders_options *o)
{
    if (!o || o->threshold < 2 || o->threshold > MS_OFFENCES_KEPT || o->window_ms <= 0 ||
        o->max_authors == 0)
        return NULL;
    ms_offenders *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->o = *o;
    t->max_buckets = pow2_at_least(o->max_authors);
    t->n_buckets = MIN_BUCKETS;
    t->buckets = calloc(t->n_buckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    return t;
}

void ms_offenders_free(ms_offenders *t)
{
    if (!t)
        return;
    for (rec *r = t->newest, *next; r; r = next) {
        next = r->older;
        free(r);
    }
    free(t->buckets);
    free(t);
}

/** @brief The record of the (already truncated) author id, or NULL. */
static rec *find(const ms_offenders *t, const char *id, size_t len, uint64_t h)
{
    for (rec *r = t->buckets[h & (t->n_buckets - 1)]; r; r = r->chain)
        if (r->hash == h && r->id_len == len && memcmp(r->id, id, len) == 0)
            return r;
    return NULL;
}

/** @brief Unlink `r` from the LRU list. */
static void lru_unlink(ms_offenders *t, rec *r)
{
    if (r->newer)
        r->newer->older = r->older;
    else
        t->newest = r->older;
    if (r->older)
        r->older->newer = r->newer;
    else
        t->oldest = r->newer;
    r->newer = r->older = NULL;
}

/** @brief Put `r` (not on the list) at the LRU list's head. */
static void lru_push(ms_offenders *t, rec *r)
{
    r->newer = NULL;
    r->older = t->newest;
    if (t->newest)
        t->newest->newer = r;
    else
        t->oldest = r;
    t->newest = r;
}

/** @brief Remove the least recently recorded author; its record is the caller's. */
static rec *evict_oldest(ms_offenders *t)
{
    rec *r = t->oldest;
    rec **p = &t->buckets[r->hash & (t->n_buckets - 1)];
    while (*p != r)
        p = &(*p)->chain;
    *p = r->chain;
    lru_unlink(t, r);
    t->count--;
    return r;
}

/** @brief Double the bucket array if the authors outnumber it; keep it on ENOMEM. */
static void maybe_grow(ms_offenders *t)
{
    if (t->count <= t->n_buckets || t->n_buckets >= t->max_buckets)
        return;
    size_t n = t->n_buckets * 2;
    rec **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < t->n_buckets; i++) {
        for (rec *r = t->buckets[i], *next; r; r = next) {
            next = r->chain;
            rec **slot = &b[r->hash & (n - 1)];
            r->chain = *slot;
            *slot = r;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->n_buckets = n;
}

/** @brief A new record for the author, in the table and at the LRU head; NULL on ENOMEM. */
static rec *add_author(ms_offenders *t, const char *id, size_t len, uint64_t h)
{
    /* full: the evicted author's record is reused; else a new one (and
     * running out of memory changes nothing) */
    rec *r = t->count >= t->o.max_authors ? evict_oldest(t) : malloc(sizeof *r);
    if (!r)
        return NULL;
    r->hash = h;
    r->n = 0;
    r->id_len = len;
    memcpy(r->id, id, len);
    rec **slot = &t->buckets[h & (t->n_buckets - 1)];
    r->chain = *slot;
    *slot = r;
    lru_push(t, r);
    t->count++;
    maybe_grow(t);
    return r;
}

/** @brief True when the author already has an offence with this (stored) event id. */
static bool has_event(const rec *r, const char id[MS_OFFENCE_ID_MAX + 1])
{
    for (uint32_t i = 0; i < r->n; i++)
        if (memcmp(r->off[i].event_id, id, MS_OFFENCE_ID_MAX + 1) == 0)
            return true;
    return false;
}

/** @brief Drop the first `k` kept offences. */
static void drop_front(rec *r, uint32_t k)
{
    memmove(&r->off[0], &r->off[k], (r->n - k) * sizeof r->off[0]);
    r->n -= k;
}

/** @brief Keep offence `f` in `r` under the window and the cap; false if it is not kept. */
static bool keep(rec *r, const ms_offence *f, int64_t window)
{
    if (r->n > 0) {
        int64_t newest = r->off[r->n - 1].at_ms;
        if (f->at_ms > newest)
            newest = f->at_ms;
        if (expired(f->at_ms, newest, window))
            return false;
        uint32_t gone = 0;
        while (gone < r->n && expired(r->off[gone].at_ms, newest, window))
            gone++;
        if (gone)
            drop_front(r, gone);
    }
    uint32_t pos = r->n; /* after every offence at or before f's time */
    while (pos > 0 && r->off[pos - 1].at_ms > f->at_ms)
        pos--;
    if (r->n == MS_OFFENCES_KEPT) {
        if (pos == 0)
            return false; /* older than all kept: it would be the one dropped */
        drop_front(r, 1);
        pos--;
    }
    memmove(&r->off[pos + 1], &r->off[pos], (r->n - pos) * sizeof r->off[0]);
    r->off[pos] = *f;
    r->n++;
    return true;
}

uint32_t ms_offenders_record(ms_offenders *t, const char *author, size_t author_len,
                             const char *event_id, size_t id_len, const char *rules,
                             size_t rules_len, int64_t at_ms)
{
    author = clip(author, &author_len, MS_OFFENDER_ID_MAX);
    ms_offence f;
    set_field(f.event_id, MS_OFFENCE_ID_MAX, event_id, id_len);
    set_field(f.rules, MS_OFFENCE_RULES_MAX, rules, rules_len);
    f.at_ms = at_ms;

    uint64_t h = XXH3_64bits(author, author_len);
    rec *r = find(t, author, author_len, h);
    if (r) {
        if (has_event(r, f.event_id))
            return 0;
        lru_unlink(t, r);
        lru_push(t, r);
    } else if (!(r = add_author(t, author, author_len, h))) {
        return 0;
    }
    if (!keep(r, &f, t->o.window_ms))
        return 0;
    return r->n;
}

size_t ms_offenders_get(const ms_offenders *t, const char *author, size_t author_len,
                        ms_offence out[MS_OFFENCES_KEPT])
{
    author = clip(author, &author_len, MS_OFFENDER_ID_MAX);
    const rec *r = find(t, author, author_len, XXH3_64bits(author, author_len));
    if (!r)
        return 0;
    memcpy(out, r->off, r->n * sizeof r->off[0]);
    return r->n;
}

size_t ms_offenders_count(const ms_offenders *t) { return t->count; }
