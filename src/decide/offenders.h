/*
 * offenders.h - the repeat-offender ledger (policy 2.24): per author, the
 * House Rules violations seen within a sliding window, so that an author
 * who keeps violating the policy is put before the Social Media and
 * Digital Specialist, with the proof, for a decision on blocking.
 *
 * The ledger blocks no one: only the Specialist may block, after advice
 * (2.3, 2.24). It counts, and keeps the proof the policy asks to record
 * before blocking: each violating event's id, time and rules.
 *
 * What a caller must respect:
 * - Not thread-safe: one ledger per thread. The offenders stage gives each
 *   of its consumers its own; the moderation topic is keyed by author id,
 *   so every violation of one author reaches the same consumer.
 * - Bounded memory: at most max_authors authors, each with its
 *   MS_OFFENCES_KEPT most recent violations (so counts stop at that
 *   number, and a threshold must not exceed it). When the ledger is full,
 *   the author recorded least recently is forgotten first.
 * - The moderation topic is written at least once: an event id already
 *   recorded for the author is not counted again.
 * - Time is the events' time (at_ms), not the clock: replaying a topic
 *   rebuilds the same ledger. Violations older than the window before the
 *   newest one recorded for the author are forgotten.
 * - One allocation per new author until the ledger is full; none for an
 *   author already known, nor once it is full (a new author takes the
 *   evicted one's record). tests/test_alloc.c holds it to that.
 */
#ifndef MS_OFFENDERS_H
#define MS_OFFENDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_OFFENCES_KEPT 8
#define MS_OFFENCE_ID_MAX 63     /* longer event ids are truncated */
#define MS_OFFENCE_RULES_MAX 127 /* longer rule lists are truncated */
#define MS_OFFENDER_ID_MAX 255   /* longer author ids are truncated */

typedef struct ms_offence {
    char event_id[MS_OFFENCE_ID_MAX + 1];
    char rules[MS_OFFENCE_RULES_MAX + 1]; /* comma-separated rule ids */
    int64_t at_ms;                        /* the event's time, ms since epoch */
} ms_offence;

typedef struct ms_offenders_options {
    uint32_t threshold;   /* violations within the window that make a repeat
                           * offender: 2..MS_OFFENCES_KEPT */
    int64_t window_ms;    /* > 0 */
    uint32_t max_authors; /* > 0 */
} ms_offenders_options;

typedef struct ms_offenders ms_offenders;

/** @brief A new ledger, or NULL if the options are out of range or memory is short. */
ms_offenders *ms_offenders_new(const ms_offenders_options *o);
void ms_offenders_free(ms_offenders *t);

/**
 * @brief Record that `author` violated the House Rules in event `event_id`
 * at `at_ms`, by `rules`. Returns the author's violations kept within the
 * window, this one included. Returns 0 when it is not counted: the event
 * id is already kept for the author (nothing changes), the event is too
 * old to keep (outside the window before the author's newest, or older
 * than every kept one when MS_OFFENCES_KEPT are kept), or memory ran out.
 * A redelivered event is recognised only while it is still kept.
 */
uint32_t ms_offenders_record(ms_offenders *t, const char *author, size_t author_len,
                             const char *event_id, size_t id_len, const char *rules,
                             size_t rules_len, int64_t at_ms);

/**
 * @brief Copy the author's kept violations, oldest first, into `out`;
 * returns how many (0 for an unknown author).
 */
size_t ms_offenders_get(const ms_offenders *t, const char *author, size_t author_len,
                        ms_offence out[MS_OFFENCES_KEPT]);

/** @brief Authors currently in the ledger. */
size_t ms_offenders_count(const ms_offenders *t);

/** @brief True when `count` violations make a repeat offender under `o`. */
static inline bool ms_offenders_is_repeat(const ms_offenders_options *o, uint32_t count)
{
    return count >= o->threshold;
}

#endif
