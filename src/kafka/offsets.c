/*
 * offsets.c - the commit-after-ack tracker (see offsets.h). Pendings come
 * from one preallocated array threaded on a free list; partitions are kept
 * in a small array searched linearly, since a worker owns few partitions
 * and looks one up once per message with a one-entry cache in front.
 */
#include "kafka/offsets.h"

#include <stdlib.h>
#include <string.h>

struct ms_offsets {
    ms_pending *pool;
    ms_pending *free;
    uint32_t in_flight;
    ms_ptrack **parts;
    uint32_t n_parts, cap_parts;
    ms_ptrack *last;
};

ms_offsets *ms_offsets_new(uint32_t max_in_flight)
{
    ms_offsets *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    if (max_in_flight == 0)
        max_in_flight = 1;
    o->pool = calloc(max_in_flight, sizeof *o->pool);
    if (!o->pool) {
        free(o);
        return NULL;
    }
    for (uint32_t i = 0; i < max_in_flight; i++)
        o->pool[i].next = i + 1 < max_in_flight ? &o->pool[i + 1] : NULL;
    o->free = &o->pool[0];
    return o;
}

void ms_offsets_free(ms_offsets *o)
{
    if (!o)
        return;
    for (uint32_t i = 0; i < o->n_parts; i++) {
        free(o->parts[i]->topic);
        free(o->parts[i]);
    }
    free(o->parts);
    free(o->pool);
    free(o);
}

ms_ptrack *ms_offsets_partition(ms_offsets *o, const char *topic, int32_t partition)
{
    if (o->last && o->last->partition == partition && strcmp(o->last->topic, topic) == 0)
        return o->last;
    for (uint32_t i = 0; i < o->n_parts; i++)
        if (o->parts[i]->partition == partition && strcmp(o->parts[i]->topic, topic) == 0)
            return o->last = o->parts[i];
    if (o->n_parts == o->cap_parts) {
        uint32_t cap = o->cap_parts ? o->cap_parts * 2 : 16;
        ms_ptrack **p = realloc(o->parts, cap * sizeof *p);
        if (!p)
            return NULL;
        o->parts = p;
        o->cap_parts = cap;
    }
    ms_ptrack *pt = calloc(1, sizeof *pt);
    if (!pt || !(pt->topic = strdup(topic))) {
        free(pt);
        return NULL;
    }
    pt->partition = partition;
    pt->commit_next = -1;
    pt->refused_offset = -1;
    pt->last_rewound_to = -1;
    o->parts[o->n_parts++] = pt;
    return o->last = pt;
}

ms_pending *ms_offsets_begin(ms_offsets *o, ms_ptrack *pt, int64_t offset, int64_t ts_ms)
{
    ms_pending *p = o->free;
    if (!p)
        return NULL;
    o->free = p->next;
    *p = (ms_pending){.pt = pt, .offset = offset, .timestamp_ms = ts_ms, .outstanding = 1};
    if (pt->tail)
        pt->tail->next = p;
    else
        pt->head = p;
    pt->tail = p;
    pt->in_flight++;
    o->in_flight++;
    return p;
}

void ms_offsets_ack(ms_offsets *o, ms_pending *p, bool ok)
{
    (void)o;
    if (!ok && !p->failed) {
        p->failed = true;
        ms_ptrack *pt = p->pt;
        if (!pt->rewinding || p->offset < pt->rewind_to) {
            pt->rewinding = true;
            pt->rewind_to = p->offset;
        }
    }
    if (p->outstanding)
        p->outstanding--;
}

/** @brief Return the head pending of `pt` (there must be one) to the free list, committed or not;
 *  commit_next is left to the caller. */
static void release(ms_offsets *o, ms_ptrack *pt)
{
    ms_pending *p = pt->head;
    pt->head = p->next;
    if (!pt->head)
        pt->tail = NULL;
    pt->in_flight--;
    o->in_flight--;
    p->next = o->free;
    o->free = p;
}

void ms_offsets_advance(ms_offsets *o, ms_offsets_done_fn done, void *ctx)
{
    for (uint32_t i = 0; i < o->n_parts; i++) {
        ms_ptrack *pt = o->parts[i];
        while (pt->head && pt->head->outstanding == 0) {
            ms_pending *p = pt->head;
            /* past a failure nothing may be committed until the rewind */
            if (pt->rewinding && p->offset >= pt->rewind_to)
                break;
            if (!p->failed) {
                pt->commit_next = p->offset + 1;
                pt->dirty = true;
                if (done)
                    done(ctx, p);
            }
            release(o, pt);
        }
    }
}

void ms_offsets_release_held(ms_offsets *o, ms_ptrack *pt)
{
    while (pt->head)
        release(o, pt);
}

void ms_offsets_reset_partition(ms_offsets *o, ms_ptrack *pt)
{
    ms_offsets_release_held(o, pt);
    pt->rewinding = false;
    pt->resets++;
}

void ms_offsets_assigned(ms_offsets *o, ms_ptrack *pt)
{
    (void)o;
    pt->assigned = true;
    pt->dirty = false;
    if (!pt->head) {
        pt->rewinding = false;
    } else if (!pt->rewinding || pt->head->offset < pt->rewind_to) {
        pt->rewinding = true;
        pt->rewind_to = pt->head->offset;
    }
}

uint32_t ms_offsets_in_flight(const ms_offsets *o) { return o->in_flight; }
uint32_t ms_offsets_count(const ms_offsets *o) { return o->n_parts; }
ms_ptrack *ms_offsets_at(ms_offsets *o, uint32_t i) { return i < o->n_parts ? o->parts[i] : NULL; }
