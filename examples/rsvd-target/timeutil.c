/*
 * rsvd-target: the clocks (see timeutil.h).
 */
#include "timeutil.h"

#include <time.h>

/* 1970-01-01 as a FILETIME. */
#define FILETIME_UNIX_EPOCH 116444736000000000ull

uint64_t tgt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t tgt_filetime_from_timespec(int64_t sec, long nsec)
{
    if (sec < 0)
        return FILETIME_UNIX_EPOCH;
    return FILETIME_UNIX_EPOCH + (uint64_t)sec * 10000000u + (uint64_t)nsec / 100u;
}

uint64_t tgt_filetime_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return tgt_filetime_from_timespec((int64_t)ts.tv_sec, ts.tv_nsec);
}
