/*
 * clock.h - the two clocks the program reads: wall time in ms since the
 * epoch (event and record times, as Kafka and the wire format carry them)
 * and monotonic time (intervals, deadlines, rates), which never jumps when
 * the wall clock is set. Header-only: each is one vDSO call. Also the
 * backoff step that paced retries share.
 */
#ifndef MS_CLOCK_H
#define MS_CLOCK_H

#include <stdint.h>
#include <time.h>

/** @brief Wall-clock time, ms since the epoch. */
static inline int64_t ms_clock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/** @brief Monotonic time in ms, for intervals and deadlines only. */
static inline int64_t ms_clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/** @brief Monotonic time in seconds, for rates. */
static inline double ms_clock_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/**
 * @brief The next wait of an exponential backoff: `first` after none (0),
 * then doubling, never above `max`. Callers keep the current wait and set
 * it back to 0 when they make progress.
 */
static inline uint32_t ms_backoff_next(uint32_t current, uint32_t first, uint32_t max)
{
    uint32_t next = current ? current * 2 : first;
    return next < max && next >= current ? next : max;
}

#endif
