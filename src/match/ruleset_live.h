/*
 * ruleset_live.h - the rule set a running service uses now, replaceable
 * while it runs (a reload), freed only when nobody uses it any more.
 *
 * A rule set is read-only once loaded, so threads share it without locks;
 * what changes on a reload is which one is current. Each user (a worker,
 * the offenders stage) holds one reference, taken with acquire. Between
 * events it compares the generation it holds with ms_ruleset_live_generation
 * (one atomic load, cheap enough for every loop turn) and, when they
 * differ, acquires the new one, rebuilds whatever it derived from the old
 * one (an engine: Hyperscan scratch is per database), then releases the old
 * one. A published rule set is freed by the last release after it stopped
 * being current, never under a thread that still reads it.
 *
 * Callers must respect:
 *   - acquire/release/publish take a mutex: call them off the per-event path;
 *   - release exactly the pointers acquire returned, each once;
 *   - ms_ruleset_live_free only after every reference has been released.
 */
#ifndef MS_RULESET_LIVE_H
#define MS_RULESET_LIVE_H

#include <stdint.h>

#include "match/ruleset.h"

typedef struct ms_ruleset_live ms_ruleset_live;

/** @brief A holder whose current rule set is `rs` (owned from now on); NULL on ENOMEM. */
ms_ruleset_live *ms_ruleset_live_new(ms_ruleset *rs);

/** @brief Free the holder and its current rule set; every reference must be released. */
void ms_ruleset_live_free(ms_ruleset_live *l);

/** @brief Generation of the current rule set: 1 for the first, +1 per publish. */
uint64_t ms_ruleset_live_generation(const ms_ruleset_live *l);

/** @brief Take a reference to the current rule set; `*generation` (if not NULL) gets its generation. */
const ms_ruleset *ms_ruleset_live_acquire(ms_ruleset_live *l, uint64_t *generation);

/** @brief Give back a reference from acquire; the last one to a replaced rule set frees it. */
void ms_ruleset_live_release(ms_ruleset_live *l, const ms_ruleset *rs);

/** @brief Rule sets alive: the current one plus replaced ones still referenced
 *  (1 once every user has moved to the current one). */
uint32_t ms_ruleset_live_alive(ms_ruleset_live *l);

/** @brief Make `rs` (owned from now on) current; returns its generation, 0 on ENOMEM (`rs` is then freed). */
uint64_t ms_ruleset_live_publish(ms_ruleset_live *l, ms_ruleset *rs);

#endif
