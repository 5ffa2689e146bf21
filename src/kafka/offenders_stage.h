/*
 * offenders_stage.h - the repeat-offender stage (policy 2.24): a consumer
 * of the moderation topic that counts each author's House Rules
 * violations and, when an author reaches the threshold within the window,
 * writes a RepeatOffender record (action review_for_block, with the
 * violations as proof) to output.topics.repeat_offender. Only the Social
 * Media and Digital Specialist may block, after advice: nothing is blocked
 * here.
 *
 * Why a second consumer and not the workers: the workers' input is keyed
 * by whatever the platforms' producers chose, so one author's events may
 * reach several workers and instances. The moderation topic is keyed by
 * author id (the workers' output key), so its partitions split the authors
 * and each author's count lives in exactly one consumer of the stage's
 * group (<group.id>.offenders), whatever the number of instances.
 *
 * State: an in-memory ledger (decide/offenders.h). The moderation topic is
 * its changelog: on every assignment the stage rewinds to the first record
 * within the window and replays up to its committed offset without writing,
 * which rebuilds the counts after a restart or a rebalance. Records after
 * the committed offset may write. (A broker that cannot look an offset up
 * by time, such as librdkafka's mock cluster, makes it replay from the
 * beginning; records older than the window are skipped by their time.)
 * Offsets are committed only after every
 * RepeatOffender record before them is acknowledged: at least once, so a
 * crash can repeat a record, never lose one. The ledger counts an event id
 * once, so duplicates on the moderation topic do not inflate counts.
 */
#ifndef MS_OFFENDERS_STAGE_H
#define MS_OFFENDERS_STAGE_H

#include "kafka/worker.h"

typedef struct ms_offenders_stage ms_offenders_stage;

/** @brief Create the stage (clients connect lazily); NULL with `err`. */
ms_offenders_stage *ms_offenders_stage_new(ms_service_shared *s, char *err, size_t errlen);

/** @brief The loop: runs until *s->run is 0, then commits what is delivered and returns. */
void *ms_offenders_stage_main(void *stage);

/** @brief True when the stage stopped without leaving its consumer group in time (as
 *  ms_worker_left_open). */
bool ms_offenders_stage_left_open(const ms_offenders_stage *st);

/** @brief Destroy a stage whose loop has returned. */
void ms_offenders_stage_free(ms_offenders_stage *st);

#endif
