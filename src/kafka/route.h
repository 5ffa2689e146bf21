/*
 * route.h - which output topics a classified event goes to.
 *
 * By default an event goes to the topic of its primary category, and also
 * to the moderation topic whenever it carries a House Rules ground (its
 * `removal` answer is not NONE: personal information in an inbox message is
 * none, 2.27), to the consent_withdrawal category's topic whenever someone
 * asks for content to be taken down (2.14: an obligation whatever the primary
 * category), to the individual_case category's topic whenever it is someone's
 * own case (2.26: the team whose route it needs sees it even when a complaint
 * about the same neighbour is the primary), and to the urgent topic whenever it
 * is urgent. Topic names come from the config; several categories may share a
 * topic (all House Rules grounds share whg.classified.moderation) and an event
 * is never sent twice to one topic.
 *
 * Topics are numbered once at start-up (ms_routes_new) so the hot path deals
 * in small integers; read-only afterwards and shared by all workers.
 */
#ifndef MS_ROUTE_H
#define MS_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "core/mention.h"
#include "kafka/config.h"
#include "kafka/metrics.h"

typedef struct ms_routes {
    const char *names[MS_MAX_TOPICS];   /* unique output topic names */
    size_t n;
    uint8_t category[MS_CAT_COUNT];     /* category -> topic index */
    uint8_t route[MS_ROUTE_COUNT];      /* moderation/urgent/deadletter -> index */
} ms_routes;

/** @brief Number the config's output topics; false if more than MS_MAX_TOPICS. */
bool ms_routes_init(ms_routes *r, const ms_config *c);

/** @brief Topic indexes for one verdict, in order, without repeats. Returns count. */
size_t ms_routes_for(const ms_routes *r, const ms_verdict *v, uint8_t out[MS_MAX_TOPICS]);

#endif
