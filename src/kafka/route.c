/*
 * route.c - output topic selection (see route.h).
 */
#include "kafka/route.h"

#include <string.h>

/** @brief Index of topic `name` in r->names, added if new; -1 once MS_MAX_TOPICS are in use. The
 *  name is borrowed: the config must outlive `r`. */
static int intern(ms_routes *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->names[i], name) == 0)
            return (int)i;
    if (r->n == MS_MAX_TOPICS)
        return -1;
    r->names[r->n] = name;
    return (int)r->n++;
}

bool ms_routes_init(ms_routes *r, const ms_config *c)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < MS_CAT_COUNT; i++) {
        int t = intern(r, c->category_topic[i]);
        if (t < 0)
            return false;
        r->category[i] = (uint8_t)t;
    }
    for (int i = 0; i < MS_ROUTE_COUNT; i++) {
        int t = intern(r, c->route_topic[i]);
        if (t < 0)
            return false;
        r->route[i] = (uint8_t)t;
    }
    return true;
}

/** @brief Append topic `t` to out[0..n) unless it is there; the new count. */
static size_t add_once(uint8_t *out, size_t n, uint8_t t)
{
    for (size_t i = 0; i < n; i++)
        if (out[i] == t)
            return n;
    out[n] = t;
    return n + 1;
}

size_t ms_routes_for(const ms_routes *r, const ms_verdict *v, uint8_t out[MS_MAX_TOPICS])
{
    size_t n = 0;
    out[n++] = r->category[v->primary];
    if (v->removal != MS_REMOVAL_NONE)
        n = add_once(out, n, r->route[MS_ROUTE_MODERATION]);
    if (ms_verdict_has(v, MS_CAT_CONSENT_WITHDRAWAL))
        n = add_once(out, n, r->category[MS_CAT_CONSENT_WITHDRAWAL]);
    if (ms_verdict_has(v, MS_CAT_INDIVIDUAL_CASE))
        n = add_once(out, n, r->category[MS_CAT_INDIVIDUAL_CASE]);
    if (v->urgent)
        n = add_once(out, n, r->route[MS_ROUTE_URGENT]);
    return n;
}
