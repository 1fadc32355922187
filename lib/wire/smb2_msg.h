/*
 * Internal helpers of the SMB2 message codecs (lib/wire/smb2_*.c). The
 * conventions themselves (header, fixed part, views, layout) are the
 * toolkit's inline helpers in rsvd/wire_smb2.h, which hosts use too.
 */
#ifndef RSVD_LIB_WIRE_SMB2_MSG_H
#define RSVD_LIB_WIRE_SMB2_MSG_H

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/* @return v as a size_t, or SIZE_MAX (which no writer can take) if it does not fit. */
static inline size_t smb2_size(uint64_t v)
{
    return v > (uint64_t)SIZE_MAX ? SIZE_MAX : (size_t)v;
}

#endif /* RSVD_LIB_WIRE_SMB2_MSG_H */
