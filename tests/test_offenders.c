/*
 * test_offenders.c - the repeat-offender ledger (src/decide/offenders.h):
 * counts cross the threshold exactly at it; violations older than the
 * window before the author's newest are forgotten, even when they arrive
 * late; a redelivered event is counted once and changes nothing; the proof
 * comes back oldest first, truncated as documented; memory stays bounded
 * (MS_OFFENCES_KEPT per author, max_authors authors, least recently
 * recorded evicted first). A randomised run is checked against a naive
 * model of the same rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decide/offenders.h"

static ms_offenders_options opts(uint32_t threshold, int64_t window_ms, uint32_t max_authors)
{
    return (ms_offenders_options){
        .threshold = threshold, .window_ms = window_ms, .max_authors = max_authors};
}

static ms_offenders *ledger(uint32_t threshold, int64_t window_ms, uint32_t max_authors)
{
    ms_offenders_options o = opts(threshold, window_ms, max_authors);
    ms_offenders *t = ms_offenders_new(&o);
    assert_non_null(t);
    return t;
}

/* record with NUL-terminated strings */
static uint32_t rec(ms_offenders *t, const char *author, const char *id, const char *rules,
                    int64_t at)
{
    return ms_offenders_record(t, author, strlen(author), id, strlen(id), rules, strlen(rules),
                               at);
}

static size_t get(const ms_offenders *t, const char *author, ms_offence out[MS_OFFENCES_KEPT])
{
    memset(out, 0xA5, MS_OFFENCES_KEPT * sizeof *out);
    return ms_offenders_get(t, author, strlen(author), out);
}

static void test_options_validation(void **state)
{
    (void)state;
    const ms_offenders_options bad[] = {
        opts(0, 1000, 10), opts(1, 1000, 10), opts(MS_OFFENCES_KEPT + 1, 1000, 10),
        opts(UINT32_MAX, 1000, 10), opts(3, 0, 10), opts(3, -1, 10),
        opts(3, INT64_MIN, 10), opts(3, 1000, 0),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(ms_offenders_new(&bad[i]));
    assert_null(ms_offenders_new(NULL));
    const ms_offenders_options good[] = {
        opts(2, 1, 1), opts(MS_OFFENCES_KEPT, INT64_MAX, UINT32_MAX), opts(3, 86400000, 1000),
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ms_offenders *t = ms_offenders_new(&good[i]);
        assert_non_null(t);
        assert_int_equal(ms_offenders_count(t), 0);
        ms_offenders_free(t);
    }
    ms_offenders_free(NULL);
}

static void test_threshold_crossed_exactly(void **state)
{
    (void)state;
    ms_offenders_options o = opts(3, 60000, 10);
    ms_offenders *t = ms_offenders_new(&o);
    assert_non_null(t);
    uint32_t n = rec(t, "alice", "e1", "hate", 1000);
    assert_int_equal(n, 1);
    assert_false(ms_offenders_is_repeat(&o, n));
    n = rec(t, "alice", "e2", "profanity", 2000);
    assert_int_equal(n, 2);
    assert_false(ms_offenders_is_repeat(&o, n));
    /* another author's violations do not count for alice */
    assert_int_equal(rec(t, "bob", "e3", "hate", 2500), 1);
    n = rec(t, "alice", "e4", "hate", 3000);
    assert_int_equal(n, 3);
    assert_true(ms_offenders_is_repeat(&o, n));
    n = rec(t, "alice", "e5", "hate", 4000);
    assert_int_equal(n, 4);
    assert_true(ms_offenders_is_repeat(&o, n));
    ms_offenders_free(t);
}

static void test_window_expiry(void **state)
{
    (void)state;
    ms_offenders *t = ledger(2, 1000, 10);
    ms_offence out[MS_OFFENCES_KEPT];

    /* exactly window_ms before the newest is still inside */
    assert_int_equal(rec(t, "a", "e1", "r", 10000), 1);
    assert_int_equal(rec(t, "a", "e2", "r", 11000), 2);
    /* one ms more and the first is forgotten */
    assert_int_equal(rec(t, "a", "e3", "r", 11001), 2);
    assert_int_equal(get(t, "a", out), 2);
    assert_string_equal(out[0].event_id, "e2");
    assert_string_equal(out[1].event_id, "e3");
    /* a long gap forgets everything before */
    assert_int_equal(rec(t, "a", "e4", "r", 50000), 1);
    assert_int_equal(get(t, "a", out), 1);
    assert_string_equal(out[0].event_id, "e4");

    /* late arrival: older than the window before the newest -> forgotten */
    assert_int_equal(rec(t, "b", "n1", "r", 5000), 1);
    assert_int_equal(rec(t, "b", "late", "r", 3999), 0);
    assert_int_equal(get(t, "b", out), 1);
    assert_string_equal(out[0].event_id, "n1");
    assert_int_equal(out[0].at_ms, 5000);
    /* late but inside the window -> kept, in time order */
    assert_int_equal(rec(t, "b", "ok", "r", 4000), 2);
    assert_int_equal(get(t, "b", out), 2);
    assert_string_equal(out[0].event_id, "ok");
    assert_string_equal(out[1].event_id, "n1");
    /* a newer one moves the window: both older ones go */
    assert_int_equal(rec(t, "b", "n2", "r", 6500), 1);
    assert_int_equal(get(t, "b", out), 1);
    assert_string_equal(out[0].event_id, "n2");

    /* times near the int64 limits do not overflow the window arithmetic */
    assert_int_equal(rec(t, "c", "x1", "r", INT64_MIN), 1);
    assert_int_equal(rec(t, "c", "x2", "r", INT64_MIN + 1000), 2);
    assert_int_equal(rec(t, "c", "x3", "r", INT64_MAX), 1);
    ms_offenders_free(t);
}

static void test_duplicate_counted_once(void **state)
{
    (void)state;
    ms_offenders *t = ledger(2, 100000, 3);
    ms_offence out[MS_OFFENCES_KEPT], before[MS_OFFENCES_KEPT];

    assert_int_equal(rec(t, "a", "e1", "hate", 1000), 1);
    assert_int_equal(rec(t, "a", "e2", "profanity", 2000), 2);
    size_t n = get(t, "a", before);
    assert_int_equal(n, 2);
    /* same id, other rules and time: still the same event */
    assert_int_equal(rec(t, "a", "e1", "advertising", 90000), 0);
    assert_int_equal(rec(t, "a", "e2", "hate", 500), 0);
    assert_int_equal(get(t, "a", out), 2);
    assert_memory_equal(out, before, n * sizeof out[0]);
    /* the same id for another author is another event */
    assert_int_equal(rec(t, "b", "e1", "hate", 1000), 1);
    assert_int_equal(ms_offenders_count(t), 2);

    /* ids compared as stored: equal in their first MS_OFFENCE_ID_MAX bytes */
    char id1[MS_OFFENCE_ID_MAX + 20], id2[MS_OFFENCE_ID_MAX + 20];
    memset(id1, 'x', sizeof id1);
    memcpy(id2, id1, sizeof id2);
    id1[MS_OFFENCE_ID_MAX + 5] = '1';
    id2[MS_OFFENCE_ID_MAX + 5] = '2';
    assert_int_equal(ms_offenders_record(t, "a", 1, id1, sizeof id1, "r", 1, 3000), 3);
    assert_int_equal(ms_offenders_record(t, "a", 1, id2, sizeof id2, "r", 1, 3001), 0);
    /* but a difference inside the kept part is another event */
    id2[MS_OFFENCE_ID_MAX - 1] = 'y';
    assert_int_equal(ms_offenders_record(t, "a", 1, id2, sizeof id2, "r", 1, 3002), 4);
    ms_offenders_free(t);
}

/* A duplicate changes nothing, not even the eviction order. */
static void test_duplicate_does_not_refresh_lru(void **state)
{
    (void)state;
    ms_offenders *t = ledger(2, 100000, 3);
    ms_offence out[MS_OFFENCES_KEPT];
    assert_int_equal(rec(t, "a", "e1", "r", 1), 1);
    assert_int_equal(rec(t, "b", "e1", "r", 2), 1);
    assert_int_equal(rec(t, "c", "e1", "r", 3), 1);
    assert_int_equal(rec(t, "a", "e1", "r", 4), 0);
    assert_int_equal(rec(t, "d", "e1", "r", 5), 1);
    assert_int_equal(ms_offenders_count(t), 3);
    assert_int_equal(get(t, "a", out), 0);
    assert_int_equal(get(t, "b", out), 1);
    assert_int_equal(get(t, "c", out), 1);
    assert_int_equal(get(t, "d", out), 1);
    ms_offenders_free(t);
}

static void test_get_oldest_first(void **state)
{
    (void)state;
    ms_offenders *t = ledger(2, 100000, 10);
    ms_offence out[MS_OFFENCES_KEPT];
    assert_int_equal(get(t, "nobody", out), 0);
    assert_int_equal(rec(t, "a", "e300", "hate", 300), 1);
    assert_int_equal(rec(t, "a", "e100", "profanity,hate", 100), 2);
    assert_int_equal(rec(t, "a", "e200", "advertising", 200), 3);
    assert_int_equal(rec(t, "a", "e100b", "colleague", 100), 4); /* tie: after e100 */
    assert_int_equal(rec(t, "a", "e50", "religion_politics", 50), 5);
    assert_int_equal(get(t, "a", out), 5);
    const char *ids[] = {"e50", "e100", "e100b", "e200", "e300"};
    const char *rules[] = {"religion_politics", "profanity,hate", "colleague", "advertising",
                           "hate"};
    const int64_t at[] = {50, 100, 100, 200, 300};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(out[i].event_id, ids[i]);
        assert_string_equal(out[i].rules, rules[i]);
        assert_int_equal(out[i].at_ms, at[i]);
    }
    /* get is a read: it does not touch the ledger */
    assert_int_equal(get(t, "a", out), 5);
    assert_int_equal(ms_offenders_count(t), 1);
    ms_offenders_free(t);
}

static void test_truncation(void **state)
{
    (void)state;
    ms_offenders *t = ledger(2, 100000, 10);
    ms_offence out[MS_OFFENCES_KEPT];

    char id[200], rules[400], author[MS_OFFENDER_ID_MAX + 50];
    for (size_t i = 0; i < sizeof id; i++)
        id[i] = (char)('a' + i % 26);
    for (size_t i = 0; i < sizeof rules; i++)
        rules[i] = (char)('A' + i % 26);
    memset(author, 'u', sizeof author);

    assert_int_equal(ms_offenders_record(t, author, sizeof author, id, sizeof id, rules,
                                         sizeof rules, 42),
                     1);
    assert_int_equal(ms_offenders_get(t, author, sizeof author, out), 1);
    assert_int_equal(strlen(out[0].event_id), MS_OFFENCE_ID_MAX);
    assert_memory_equal(out[0].event_id, id, MS_OFFENCE_ID_MAX);
    assert_int_equal(out[0].event_id[MS_OFFENCE_ID_MAX], '\0');
    assert_int_equal(strlen(out[0].rules), MS_OFFENCE_RULES_MAX);
    assert_memory_equal(out[0].rules, rules, MS_OFFENCE_RULES_MAX);
    assert_int_equal(out[0].rules[MS_OFFENCE_RULES_MAX], '\0');
    assert_int_equal(out[0].at_ms, 42);

    /* authors equal in their first MS_OFFENDER_ID_MAX bytes are one author */
    char other[sizeof author];
    memcpy(other, author, sizeof other);
    other[MS_OFFENDER_ID_MAX + 10] = 'v';
    assert_int_equal(ms_offenders_record(t, other, sizeof other, "e2", 2, "r", 1, 43), 2);
    assert_int_equal(ms_offenders_get(t, author, MS_OFFENDER_ID_MAX, out), 2);
    assert_int_equal(ms_offenders_count(t), 1);
    /* one byte shorter, or a difference inside the kept part, is another */
    assert_int_equal(ms_offenders_get(t, author, MS_OFFENDER_ID_MAX - 1, out), 0);
    other[MS_OFFENDER_ID_MAX - 1] = 'v';
    assert_int_equal(ms_offenders_record(t, other, sizeof other, "e3", 2, "r", 1, 44), 1);
    assert_int_equal(ms_offenders_count(t), 2);

    /* ids and rules exactly at their maximum are kept whole */
    assert_int_equal(ms_offenders_record(t, "m", 1, id, MS_OFFENCE_ID_MAX, rules,
                                         MS_OFFENCE_RULES_MAX, 1),
                     1);
    assert_int_equal(get(t, "m", out), 1);
    assert_memory_equal(out[0].event_id, id, MS_OFFENCE_ID_MAX);
    assert_memory_equal(out[0].rules, rules, MS_OFFENCE_RULES_MAX);

    /* the empty author is a key; NULL with length 0 is the same key */
    assert_int_equal(ms_offenders_record(t, "", 0, "e1", 2, "r", 1, 1), 1);
    assert_int_equal(ms_offenders_record(t, NULL, 0, "e2", 2, NULL, 0, 2), 2);
    assert_int_equal(ms_offenders_record(t, NULL, 0, NULL, 0, NULL, 0, 3), 3);
    assert_int_equal(ms_offenders_get(t, NULL, 0, out), 3);
    assert_string_equal(out[1].event_id, "e2");
    assert_string_equal(out[1].rules, "");
    assert_string_equal(out[2].event_id, "");
    assert_int_equal(ms_offenders_get(t, "x", 0, out), 3);
    assert_int_equal(get(t, "x", out), 0);
    /* the length is what counts, not a NUL: "ab" of length 1 is "a" */
    assert_int_equal(ms_offenders_record(t, "ab", 1, "e1", 2, "r", 1, 1), 1);
    assert_int_equal(get(t, "a", out), 1);
    assert_int_equal(get(t, "ab", out), 0);
    ms_offenders_free(t);
}

static void test_capacity_evicts_least_recent(void **state)
{
    (void)state;
    ms_offenders *t = ledger(2, 100000, 3);
    ms_offence out[MS_OFFENCES_KEPT];
    assert_int_equal(rec(t, "a", "e1", "r", 1), 1);
    assert_int_equal(rec(t, "b", "e2", "r", 2), 1);
    assert_int_equal(rec(t, "c", "e3", "r", 3), 1);
    assert_int_equal(ms_offenders_count(t), 3);
    /* a recorded again: b is now the least recently recorded */
    assert_int_equal(rec(t, "a", "e4", "r", 4), 2);
    assert_int_equal(rec(t, "d", "e5", "r", 5), 1);
    assert_int_equal(ms_offenders_count(t), 3);
    assert_int_equal(get(t, "b", out), 0);
    assert_int_equal(get(t, "a", out), 2);
    assert_string_equal(out[0].event_id, "e1");
    assert_string_equal(out[1].event_id, "e4");
    assert_int_equal(get(t, "c", out), 1);
    assert_int_equal(get(t, "d", out), 1);
    /* next goes c (least recent), then a */
    assert_int_equal(rec(t, "e", "e6", "r", 6), 1);
    assert_int_equal(get(t, "c", out), 0);
    assert_int_equal(get(t, "a", out), 2);
    assert_int_equal(rec(t, "f", "e7", "r", 7), 1);
    assert_int_equal(get(t, "a", out), 0);
    assert_int_equal(ms_offenders_count(t), 3);
    /* an evicted author starts again from nothing */
    assert_int_equal(rec(t, "b", "e2", "r", 8), 1);
    assert_int_equal(get(t, "d", out), 0);

    /* a ledger of one */
    ms_offenders *one = ledger(2, 100000, 1);
    assert_int_equal(rec(one, "x", "e1", "r", 1), 1);
    assert_int_equal(rec(one, "x", "e2", "r", 2), 2);
    assert_int_equal(rec(one, "y", "e3", "r", 3), 1);
    assert_int_equal(ms_offenders_count(one), 1);
    assert_int_equal(get(one, "x", out), 0);
    assert_int_equal(get(one, "y", out), 1);
    ms_offenders_free(one);
    ms_offenders_free(t);
}

static void test_count(void **state)
{
    (void)state;
    ms_offenders *t = ledger(2, 1000, 100);
    assert_int_equal(ms_offenders_count(t), 0);
    rec(t, "a", "e1", "r", 1);
    assert_int_equal(ms_offenders_count(t), 1);
    rec(t, "a", "e2", "r", 2);
    rec(t, "a", "e1", "r", 3);
    assert_int_equal(ms_offenders_count(t), 1);
    rec(t, "b", "e1", "r", 1);
    rec(t, "", "e1", "r", 1);
    assert_int_equal(ms_offenders_count(t), 3);
    /* expiry keeps the author (with its newest violation) */
    rec(t, "a", "e9", "r", 1000000);
    assert_int_equal(ms_offenders_count(t), 3);
    ms_offence out[MS_OFFENCES_KEPT];
    assert_int_equal(ms_offenders_get(t, NULL, 0, out), 1);
    ms_offenders_free(t);
}

static void test_kept_is_capped(void **state)
{
    (void)state;
    ms_offenders_options o = opts(MS_OFFENCES_KEPT, 1000000, 10);
    ms_offenders *t = ms_offenders_new(&o);
    assert_non_null(t);
    ms_offence out[MS_OFFENCES_KEPT];
    char id[16];
    for (int i = 1; i <= MS_OFFENCES_KEPT + 4; i++) {
        snprintf(id, sizeof id, "e%d", i);
        uint32_t n = rec(t, "a", id, "r", 1000 + i);
        assert_int_equal(n, i < MS_OFFENCES_KEPT ? (uint32_t)i : MS_OFFENCES_KEPT);
        assert_int_equal(ms_offenders_is_repeat(&o, n), i >= MS_OFFENCES_KEPT);
    }
    /* the most recent MS_OFFENCES_KEPT, oldest first */
    assert_int_equal(get(t, "a", out), MS_OFFENCES_KEPT);
    for (int i = 0; i < MS_OFFENCES_KEPT; i++) {
        snprintf(id, sizeof id, "e%d", i + 5);
        assert_string_equal(out[i].event_id, id);
        assert_int_equal(out[i].at_ms, 1000 + i + 5);
    }
    /* a late one older than every kept one would be dropped at once */
    assert_int_equal(rec(t, "a", "old", "r", 1001), 0);
    assert_int_equal(get(t, "a", out), MS_OFFENCES_KEPT);
    assert_string_equal(out[0].event_id, "e5");
    /* a late one inside the kept span replaces the oldest */
    assert_int_equal(rec(t, "a", "mid", "r", 1007), MS_OFFENCES_KEPT);
    assert_int_equal(get(t, "a", out), MS_OFFENCES_KEPT);
    assert_string_equal(out[0].event_id, "e6");
    assert_string_equal(out[1].event_id, "e7");
    assert_string_equal(out[2].event_id, "mid");
    assert_string_equal(out[3].event_id, "e8");
    /* a dropped id is no longer known: it may come back if recent enough */
    assert_int_equal(rec(t, "a", "e5", "r", 2000), MS_OFFENCES_KEPT);
    assert_int_equal(get(t, "a", out), MS_OFFENCES_KEPT);
    assert_string_equal(out[MS_OFFENCES_KEPT - 1].event_id, "e5");
    assert_string_equal(out[0].event_id, "e7");
    ms_offenders_free(t);
}

static uint64_t rng_next(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static void test_many_authors(void **state)
{
    (void)state;
    enum { RECORDS = 100000, AUTHORS = 10000, MAX = 1000 };
    ms_offenders *t = ledger(3, 3600000, MAX);
    ms_offence out[MS_OFFENCES_KEPT];
    uint64_t seed = 12345;
    char author[32], id[32];
    int vip = 0;
    for (int i = 0; i < RECORDS; i++) {
        if (i % 50 == 0) {
            /* recorded often enough never to be the least recent */
            snprintf(id, sizeof id, "vip-%d", vip++);
            assert_int_equal(rec(t, "vip", id, "hate", i),
                             vip < MS_OFFENCES_KEPT ? vip : MS_OFFENCES_KEPT);
        }
        snprintf(author, sizeof author, "author-%u", (unsigned)(rng_next(&seed) % AUTHORS));
        snprintf(id, sizeof id, "ev-%d", i);
        uint32_t n = rec(t, author, id, "profanity", i);
        assert_true(n >= 1 && n <= MS_OFFENCES_KEPT);
        assert_true(ms_offenders_count(t) <= MAX);
    }
    assert_int_equal(ms_offenders_count(t), MAX);
    assert_int_equal(get(t, "vip", out), MS_OFFENCES_KEPT);
    for (int i = 0; i < MS_OFFENCES_KEPT; i++) {
        snprintf(id, sizeof id, "vip-%d", vip - MS_OFFENCES_KEPT + i);
        assert_string_equal(out[i].event_id, id);
        assert_string_equal(out[i].rules, "hate");
        assert_int_equal(out[i].at_ms, (int64_t)(vip - MS_OFFENCES_KEPT + i) * 50);
    }
    /* the last author recorded is there, with the last event last */
    assert_true(get(t, author, out) >= 1);
    snprintf(id, sizeof id, "ev-%d", RECORDS - 1);
    size_t n = get(t, author, out);
    assert_string_equal(out[n - 1].event_id, id);
    assert_int_equal(out[n - 1].at_ms, RECORDS - 1);
    /* the authors present are exactly MAX of the names */
    size_t present = 0;
    for (unsigned a = 0; a < AUTHORS; a++) {
        snprintf(author, sizeof author, "author-%u", a);
        present += get(t, author, out) > 0;
    }
    assert_int_equal(present + 1, MAX); /* + vip */
    ms_offenders_free(t);
}

/* A naive model of the same rules: a linear list of authors with a use
 * tick, each with an unsorted set of offences cut by the window and the
 * cap; compared with the ledger on a random mix of authors, late events
 * and redeliveries. */
enum { M_AUTHORS = 200, M_MAX = 40, M_WINDOW = 1000 };

typedef struct {
    char id[16];
    char rules[16];
    int64_t at;
    uint64_t seq;
} m_off;

typedef struct {
    bool used;
    uint64_t tick;
    int n;
    m_off o[MS_OFFENCES_KEPT + 1];
} m_author;

static uint32_t model_record(m_author *m, uint64_t *tick, int a, const m_off *f)
{
    m_author *x = &m[a];
    if (x->used) {
        for (int i = 0; i < x->n; i++)
            if (strcmp(x->o[i].id, f->id) == 0)
                return 0;
    } else {
        int used = 0, lru = -1;
        for (int i = 0; i < M_AUTHORS; i++) {
            if (!m[i].used)
                continue;
            used++;
            if (lru < 0 || m[i].tick < m[lru].tick)
                lru = i;
        }
        if (used == M_MAX)
            m[lru].used = false;
        x->used = true;
        x->n = 0;
    }
    x->tick = ++*tick;
    x->o[x->n++] = *f;
    int64_t newest = INT64_MIN;
    for (int i = 0; i < x->n; i++)
        if (x->o[i].at > newest)
            newest = x->o[i].at;
    for (int i = 0; i < x->n;)
        if (x->o[i].at < newest - M_WINDOW)
            x->o[i] = x->o[--x->n];
        else
            i++;
    if (x->n > MS_OFFENCES_KEPT) {
        int min = 0;
        for (int i = 1; i < x->n; i++)
            if (x->o[i].at < x->o[min].at ||
                (x->o[i].at == x->o[min].at && x->o[i].seq < x->o[min].seq))
                min = i;
        x->o[min] = x->o[--x->n];
    }
    /* an event dropped at once was not counted */
    for (int i = 0; i < x->n; i++)
        if (x->o[i].seq == f->seq)
            return (uint32_t)x->n;
    return 0;
}

static int cmp_m_off(const void *pa, const void *pb)
{
    const m_off *a = pa, *b = pb;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void check_author(const ms_offenders *t, const m_author *m, int a)
{
    char name[32];
    snprintf(name, sizeof name, "user%d", a);
    ms_offence out[MS_OFFENCES_KEPT];
    size_t n = get(t, name, out);
    if (!m[a].used) {
        assert_int_equal(n, 0);
        return;
    }
    assert_int_equal(n, m[a].n);
    m_off s[MS_OFFENCES_KEPT + 1];
    memcpy(s, m[a].o, (size_t)m[a].n * sizeof s[0]);
    qsort(s, (size_t)m[a].n, sizeof s[0], cmp_m_off);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(out[i].event_id, s[i].id);
        assert_string_equal(out[i].rules, s[i].rules);
        assert_int_equal(out[i].at_ms, s[i].at);
    }
}

static void test_against_model(void **state)
{
    (void)state;
    m_author *m = calloc(M_AUTHORS, sizeof *m);
    assert_non_null(m);
    ms_offenders *t = ledger(3, M_WINDOW, M_MAX);
    uint64_t seed = 777, tick = 0;
    int64_t clock = 1000000;
    for (uint64_t seq = 0; seq < 50000; seq++) {
        /* a skewed choice of author, so some stay and some are evicted */
        uint64_t r = rng_next(&seed);
        int a = (int)(r % 4 == 0 ? r / 4 % M_AUTHORS : r / 4 % (M_MAX / 2));
        clock += (int64_t)(rng_next(&seed) % 40);
        m_off f = {.seq = seq, .at = clock};
        if (rng_next(&seed) % 5 == 0)
            f.at -= (int64_t)(rng_next(&seed) % (2 * M_WINDOW)); /* late */
        if (rng_next(&seed) % 10 == 0)
            f.at = clock - (int64_t)(rng_next(&seed) % 3); /* ties */
        /* small id space: redeliveries happen often */
        snprintf(f.id, sizeof f.id, "e%u", (unsigned)(rng_next(&seed) % 400));
        snprintf(f.rules, sizeof f.rules, "r%u", (unsigned)(seq % 1000));
        char name[32];
        snprintf(name, sizeof name, "user%d", a);
        uint32_t want = model_record(m, &tick, a, &f);
        uint32_t got = rec(t, name, f.id, f.rules, f.at);
        assert_int_equal(got, want);
        check_author(t, m, a);
        if (seq % 1000 == 0) {
            size_t used = 0;
            for (int i = 0; i < M_AUTHORS; i++) {
                used += m[i].used;
                check_author(t, m, i);
            }
            assert_int_equal(ms_offenders_count(t), used);
        }
    }
    free(m);
    ms_offenders_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_validation),
        cmocka_unit_test(test_threshold_crossed_exactly),
        cmocka_unit_test(test_window_expiry),
        cmocka_unit_test(test_duplicate_counted_once),
        cmocka_unit_test(test_duplicate_does_not_refresh_lru),
        cmocka_unit_test(test_get_oldest_first),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_capacity_evicts_least_recent),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_kept_is_capped),
        cmocka_unit_test(test_many_authors),
        cmocka_unit_test(test_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
