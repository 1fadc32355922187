/*
 * rsvd-target: the Direct TCP framing of [MS-SMB2] 2.1 - a zero byte and a
 * 24-bit big-endian length before each message - as it arrives on a
 * stream: complete frames are split out of what was received so far. The
 * NBSS session request a client sends first on port 139 ([RFC 1002] 4.3.2)
 * and keep-alives are recognised too.
 */
#ifndef RSVD_TARGET_FRAMING_H
#define RSVD_TARGET_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NBSS message types ([RFC 1002] 4.3.1; [MS-SMB2] 2.1 uses the first). */
#define TGT_NBSS_SESSION_MESSAGE 0x00u
#define TGT_NBSS_SESSION_REQUEST 0x81u
#define TGT_NBSS_POSITIVE_RESPONSE 0x82u
#define TGT_NBSS_KEEP_ALIVE 0x85u

/**
 * Splits the frames out of @p buf (@p len bytes received so far): calls
 * @p on_frame for each complete session message, and with a NULL payload
 * for a session request (answer it with a positive response); skips
 * keep-alives; stops early when @p stop says so.
 * @return the bytes consumed, or -1 for a frame that is neither of these,
 * or is longer than @p max (the connection is dropped).
 */
long tgt_frames(const uint8_t *buf, size_t len, size_t max,
                void (*on_frame)(void *ctx, const uint8_t *payload, size_t n), void *ctx,
                bool (*stop)(void *ctx));

#endif /* RSVD_TARGET_FRAMING_H */
