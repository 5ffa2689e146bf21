/*
 * offsets.h - which input offsets are safe to commit.
 *
 * At-least-once means an input offset is committed only after every output
 * produced for it, and for every earlier offset of its partition, has been
 * acknowledged by the broker. Each consumed message gets an ms_pending from
 * a fixed pool (its size is the worker's max in-flight events, so memory is
 * bounded and nothing is allocated per event); a partition keeps its
 * pendings in consume order, and its commit position moves past the head
 * while the head is complete.
 *
 * When an output fails for good, the partition is marked for a rewind: the
 * worker drops the partition's new messages while its in-flight outputs
 * settle, then seeks back to the first failed offset (duplicates, never
 * losses); a rewind to where the last one went waits out a backoff first,
 * with the partition paused.
 *
 * Not thread-safe: owned by one worker; delivery reports are served on the
 * same thread (rd_kafka_poll on the worker's producer).
 */
#ifndef MS_OFFSETS_H
#define MS_OFFSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ms_ptrack ms_ptrack;

typedef struct ms_pending {
    struct ms_pending *next;
    ms_ptrack *pt;
    int64_t offset;
    int64_t timestamp_ms;   /* the input message's timestamp, for latency */
    uint32_t outstanding;   /* outputs not yet acknowledged */
    bool failed;
} ms_pending;

struct ms_ptrack {
    char *topic;
    int32_t partition;
    bool assigned;
    bool rewinding;         /* paused until in-flight settles, then seek */
    int64_t rewind_to;
    int64_t commit_next;    /* next offset to commit; -1 if none yet */
    /* The earliest input whose output the broker refused as a record (too
     * large, invalid): retrying cannot help, so the worker dead-letters it
     * when it reads it again after the rewind. -1: none. Set and cleared by
     * the worker; the tracker only initialises it. */
    int64_t refused_offset;
    int refused_error;      /* the broker's error for it (rd_kafka_resp_err_t) */
    size_t refused_len;     /* the size of its refused output */
    /* Pacing of rewinds that meet the same failure again (an output topic
     * missing, a broker down): worker's, the tracker only initialises them.
     * No seek before retry_at_ms (monotonic); the partition is paused while
     * it waits, so that it is not fetched only to be dropped. */
    int64_t retry_at_ms;
    uint32_t retry_backoff_ms;
    int64_t last_rewound_to; /* offset of the previous rewind; -1: none */
    bool paused;
    bool dirty;             /* commit_next moved since last stored */
    /* Counts resets (a rewind's seek, or letting an unassigned partition
     * go). A message read before a reset is from before the seek: a caller
     * holding one across a wait compares this and drops the message, which
     * is read again from the new position (or by the next owner). */
    uint32_t resets;
    ms_pending *head, *tail;
    uint32_t in_flight;
};

typedef struct ms_offsets ms_offsets;

/** @brief A tracker with room for `max_in_flight` events; NULL on ENOMEM. */
ms_offsets *ms_offsets_new(uint32_t max_in_flight);
void ms_offsets_free(ms_offsets *o);

/** @brief The partition's tracker, created on first use (NULL on ENOMEM). */
ms_ptrack *ms_offsets_partition(ms_offsets *o, const char *topic, int32_t partition);

/** @brief Start tracking a consumed message; NULL when the pool is empty. */
ms_pending *ms_offsets_begin(ms_offsets *o, ms_ptrack *pt, int64_t offset, int64_t ts_ms);

/** @brief One output of `p` acknowledged (ok=false: failed for good). */
void ms_offsets_ack(ms_offsets *o, ms_pending *p, bool ok);

/** Called for each completed event with its latency base; may be NULL. */
typedef void (*ms_offsets_done_fn)(void *ctx, const ms_pending *p);

/**
 * @brief Move commit positions past completed heads, returning pendings to
 * the pool. Calls `done` for each event completed successfully.
 */
void ms_offsets_advance(ms_offsets *o, ms_offsets_done_fn done, void *ctx);

/** @brief Number of events in flight across all partitions. */
uint32_t ms_offsets_in_flight(const ms_offsets *o);

/** Iteration over partitions (for storing offsets, rewinds, lag). */
uint32_t ms_offsets_count(const ms_offsets *o);
ms_ptrack *ms_offsets_at(ms_offsets *o, uint32_t i);

/**
 * @brief Free the pendings of a rewinding partition whose outputs have all
 * settled, before its seek: it stays rewinding (nothing is committed past
 * the failure, its messages are dropped), and the pool's room goes to the
 * other partitions while the rewind waits.
 */
void ms_offsets_release_held(ms_offsets *o, ms_ptrack *pt);

/** @brief Forget a partition's in-flight list after a seek (pendings freed; resets + 1). */
void ms_offsets_reset_partition(ms_offsets *o, ms_ptrack *pt);

/**
 * @brief The partition was (re)assigned to this worker.
 *
 * Pendings left from an earlier assignment (an output that failed before a
 * revoke, or a revoke whose drain timed out) must not let the commit
 * position move past them: the partition is marked for a rewind to the
 * oldest of them, done once they settle (duplicates, never losses).
 */
void ms_offsets_assigned(ms_offsets *o, ms_ptrack *pt);

#endif
