/*
 * ruleset_live.c - reference-counted replacement of the current rule set
 * (see ruleset_live.h).
 *
 * Every rule set still referenced sits in a short list with its count; the
 * current one carries one extra reference of the holder's own, dropped when
 * another is published. Reloads are rare and users few (one per worker plus
 * the offenders stage), so a mutex and a linear list are all it needs; the
 * only lock-free part is the generation, which users read on every turn of
 * their loop.
 */
#include "match/ruleset_live.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct live_entry {
    ms_ruleset *rs;
    uint32_t refs;
    struct live_entry *next;
} live_entry;

struct ms_ruleset_live {
    pthread_mutex_t mu;
    live_entry *entries; /* the current one first */
    atomic_uint_fast64_t generation;
};

ms_ruleset_live *ms_ruleset_live_new(ms_ruleset *rs)
{
    ms_ruleset_live *l = calloc(1, sizeof *l);
    live_entry *e = calloc(1, sizeof *e);
    if (!l || !e || pthread_mutex_init(&l->mu, NULL) != 0) {
        free(l);
        free(e);
        ms_ruleset_free(rs);
        return NULL;
    }
    *e = (live_entry){.rs = rs, .refs = 1};
    l->entries = e;
    atomic_init(&l->generation, 1);
    return l;
}

void ms_ruleset_live_free(ms_ruleset_live *l)
{
    if (!l)
        return;
    for (live_entry *e = l->entries, *next; e; e = next) {
        next = e->next;
        ms_ruleset_free(e->rs);
        free(e);
    }
    pthread_mutex_destroy(&l->mu);
    free(l);
}

uint64_t ms_ruleset_live_generation(const ms_ruleset_live *l)
{
    return atomic_load_explicit(&l->generation, memory_order_acquire);
}

const ms_ruleset *ms_ruleset_live_acquire(ms_ruleset_live *l, uint64_t *generation)
{
    pthread_mutex_lock(&l->mu);
    live_entry *cur = l->entries;
    cur->refs++;
    if (generation)
        *generation = atomic_load_explicit(&l->generation, memory_order_relaxed);
    pthread_mutex_unlock(&l->mu);
    return cur->rs;
}

/** @brief Drop one reference of the entry at *link; unlink and free it at zero. Lock held. */
static void unref(live_entry **link)
{
    live_entry *e = *link;
    if (--e->refs > 0)
        return;
    *link = e->next;
    ms_ruleset_free(e->rs);
    free(e);
}

void ms_ruleset_live_release(ms_ruleset_live *l, const ms_ruleset *rs)
{
    if (!rs)
        return;
    pthread_mutex_lock(&l->mu);
    for (live_entry **link = &l->entries; *link; link = &(*link)->next)
        if ((*link)->rs == rs) {
            unref(link);
            break;
        }
    pthread_mutex_unlock(&l->mu);
}

uint32_t ms_ruleset_live_alive(ms_ruleset_live *l)
{
    uint32_t n = 0;
    pthread_mutex_lock(&l->mu);
    for (const live_entry *e = l->entries; e; e = e->next)
        n++;
    pthread_mutex_unlock(&l->mu);
    return n;
}

uint64_t ms_ruleset_live_publish(ms_ruleset_live *l, ms_ruleset *rs)
{
    live_entry *e = calloc(1, sizeof *e);
    if (!e) {
        ms_ruleset_free(rs);
        return 0;
    }
    pthread_mutex_lock(&l->mu);
    *e = (live_entry){.rs = rs, .refs = 1, .next = l->entries};
    l->entries = e;
    unref(&e->next); /* the holder's reference to the one it replaces */
    uint64_t gen = atomic_fetch_add_explicit(&l->generation, 1, memory_order_release) + 1;
    pthread_mutex_unlock(&l->mu);
    return gen;
}
