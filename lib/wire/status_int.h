/*
 * The status classifiers of rsvd/status.h, inline for the library's own
 * request paths (the exported functions in status.c are these).
 */
#ifndef RSVD_LIB_WIRE_STATUS_INT_H
#define RSVD_LIB_WIRE_STATUS_INT_H

#include <rsvd/status.h>

/** rsvd_status_is_error_stored(). */
static inline bool rsvd_status_stored_inline(uint32_t status)
{
    return (status & RSVD_STATUS_SVHDX_ERROR_STORED_MASK) == RSVD_STATUS_SVHDX_ERROR_STORED;
}

/** rsvd_status_is_rsvd_error(): MS-RSVD 2.2.3, STATUS_SVHDX_ERROR_STORED
 * (with its key) and 0xC05CFF00..0A. */
static inline bool rsvd_status_rsvd_error_inline(uint32_t status)
{
    return rsvd_status_stored_inline(status) ||
           (status >= RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE && status <= RSVD_STATUS_VHD_SHARED);
}

#endif /* RSVD_LIB_WIRE_STATUS_INT_H */
