/*
 * complaint_model.c - the complaint model's weights and its scorer (see
 * complaint_model.h).
 *
 * Terms are kept by their 64-bit XXH3 hash in an open-addressing table, so
 * scoring hashes each term where it lies in the view and never copies it.
 * Two terms of one model with the same 64-bit hash are refused as a
 * duplicate at load time rather than silently merged (none is expected
 * among a few thousand terms). The table stays at most half full, so a
 * lookup of a term the model does not know ends after a probe or two.
 */
#include "score/complaint_model.h"

#include <stdlib.h>
#include <xxhash.h>

typedef struct cmodel_slot {
    uint64_t hash; /* 0: empty */
    float weight;
} cmodel_slot;

struct ms_cmodel {
    cmodel_slot *slot;
    uint32_t cap; /* a power of two */
    uint32_t n;
    float bias;
};

/** @brief The hash of a term, never 0 (0 marks an empty slot). */
static uint64_t term_hash(const char *term, size_t n)
{
    uint64_t h = XXH3_64bits(term, n);
    return h ? h : 1;
}

ms_cmodel *ms_cmodel_new(void)
{
    ms_cmodel *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cap = 64;
    m->slot = calloc(m->cap, sizeof *m->slot);
    if (!m->slot) {
        free(m);
        return NULL;
    }
    return m;
}

void ms_cmodel_free(ms_cmodel *m)
{
    if (!m)
        return;
    free(m->slot);
    free(m);
}

/** @brief The slot holding `hash`, or the empty slot where it would go. */
static uint32_t find_slot(const cmodel_slot *slot, uint32_t cap, uint64_t hash)
{
    uint32_t j = (uint32_t)hash & (cap - 1);
    while (slot[j].hash && slot[j].hash != hash)
        j = (j + 1) & (cap - 1);
    return j;
}

/** @brief Double the table; false when out of memory (the table is unchanged). */
static int grow(ms_cmodel *m)
{
    uint32_t cap = m->cap * 2;
    cmodel_slot *slot = calloc(cap, sizeof *slot);
    if (!slot)
        return 0;
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->slot[i].hash)
            slot[find_slot(slot, cap, m->slot[i].hash)] = m->slot[i];
    free(m->slot);
    m->slot = slot;
    m->cap = cap;
    return 1;
}

ms_cmodel_add_result ms_cmodel_add(ms_cmodel *m, const char *term, size_t n, float weight)
{
    if ((m->n + 1) * 2 > m->cap && !grow(m))
        return MS_CMODEL_NO_MEMORY;
    uint64_t h = term_hash(term, n);
    uint32_t j = find_slot(m->slot, m->cap, h);
    if (m->slot[j].hash)
        return MS_CMODEL_DUPLICATE;
    m->slot[j] = (cmodel_slot){h, weight};
    m->n++;
    return MS_CMODEL_ADDED;
}

void ms_cmodel_set_bias(ms_cmodel *m, float bias) { m->bias = bias; }

uint32_t ms_cmodel_term_count(const ms_cmodel *m) { return m->n; }

/*
 * The terms of a view: each token, then the pair it ends (the previous
 * token, their one space, this token). The scorer walks with it too, so it
 * and ms_cmodel_each_term() cannot disagree about what a term is; being
 * static with a known callback, it is inlined into the scorer.
 */
static inline void walk_terms(const char *view, uint32_t len, ms_cmodel_term_fn fn, void *ctx)
{
    uint32_t prev_start = UINT32_MAX, prev_end = 0;
    for (uint32_t i = 0; i < len;) {
        if (view[i] == ' ') {
            i++;
            continue;
        }
        uint32_t start = i;
        while (i < len && view[i] != ' ')
            i++;
        fn(ctx, view + start, i - start);
        if (prev_start != UINT32_MAX && start == prev_end + 1)
            fn(ctx, view + prev_start, i - prev_start);
        prev_start = start;
        prev_end = i;
    }
}

void ms_cmodel_each_term(const char *view, uint32_t len, ms_cmodel_term_fn fn, void *ctx)
{
    walk_terms(view, len, fn, ctx);
}

typedef struct logit_acc {
    const ms_cmodel *m;
    float z;
} logit_acc;

/** @brief Add one term's weight (an unknown term's empty slot weighs 0). */
static void add_weight(void *ctx, const char *term, size_t n)
{
    logit_acc *a = ctx;
    a->z += a->m->slot[find_slot(a->m->slot, a->m->cap, term_hash(term, n))].weight;
}

float ms_cmodel_logit(const ms_cmodel *m, const char *view, uint32_t len)
{
    logit_acc a = {m, m->bias};
    if (m->n)
        walk_terms(view, len, add_weight, &a);
    return a.z;
}
