/*
 * GUID helpers inline for the library's own request paths (the exported
 * rsvd_guid_is_zero() in common.c is this one).
 */
#ifndef RSVD_UTIL_GUID_H
#define RSVD_UTIL_GUID_H

#include <string.h>

#include <rsvd/common.h>

/** rsvd_guid_is_zero(): two 8-byte loads, no loop. */
static inline bool rsvd_guid_zero_inline(const rsvd_guid *g)
{
    uint64_t lo, hi;
    memcpy(&lo, g->b, sizeof lo);
    memcpy(&hi, g->b + sizeof lo, sizeof hi);
    return (lo | hi) == 0;
}

#endif /* RSVD_UTIL_GUID_H */
