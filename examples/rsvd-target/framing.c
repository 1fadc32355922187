/*
 * rsvd-target: splitting frames out of a stream (see framing.h).
 */
#include "framing.h"

#include <rsvd/wire.h>

long tgt_frames(const uint8_t *buf, size_t len, size_t max,
                void (*on_frame)(void *ctx, const uint8_t *payload, size_t n), void *ctx,
                bool (*stop)(void *ctx))
{
    size_t off = 0;
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    while (!stop(ctx) && rsvd_rd_left(&r) >= 4) {
        uint8_t type = rsvd_rd_u8(&r);
        size_t n = (size_t)rsvd_rd_u8(&r) << 16;
        n |= (size_t)rsvd_rd_u8(&r) << 8;
        n |= rsvd_rd_u8(&r);
        if (type == TGT_NBSS_KEEP_ALIVE && n == 0) {
            off = rsvd_rd_pos(&r);
            continue;
        }
        if (type == TGT_NBSS_SESSION_REQUEST && n <= 256) {
            /* [RFC 1002] 4.3.2: a client that starts as on port 139 (the
             * called and calling names are not checked). */
            if (rsvd_rd_left(&r) < n)
                break;
            rsvd_rd_skip(&r, n);
            on_frame(ctx, NULL, 0);
            off = rsvd_rd_pos(&r);
            continue;
        }
        if (type != TGT_NBSS_SESSION_MESSAGE || n > max)
            return -1;
        if (rsvd_rd_left(&r) < n)
            break;
        const uint8_t *payload = rsvd_rd_take(&r, n);
        on_frame(ctx, payload, n);
        off = rsvd_rd_pos(&r);
    }
    return (long)off;
}
