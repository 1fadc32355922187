/*
 * rsvd-target: the transport - TCP with the Direct TCP framing of
 * [MS-SMB2] 2.1 (a zero byte and a 24-bit big-endian length before each
 * message), in one poll() loop that also drives the timers and stops on
 * SIGINT or SIGTERM.
 */
#ifndef RSVD_TARGET_TRANSPORT_H
#define RSVD_TARGET_TRANSPORT_H

#include <stdio.h>

#include "target.h"

/** Binds and listens on the configured address; prints
 * "listening on ADDR:PORT" on @p announce. @return the socket or -1. */
int tgt_listen(tgt_server *srv, FILE *announce, char *err, size_t errcap);

/** Serves until SIGINT/SIGTERM; then closes every connection.
 * @return 0, or -1 if the loop failed. */
int tgt_run(tgt_server *srv, int listen_fd);

/**
 * Splits the frames out of @p buf (@p len bytes received so far): calls
 * @p on_frame for each complete session message, skips keep-alives.
 * @return the bytes consumed, or -1 for a frame that is not a session
 * message or is longer than @p max (the connection is dropped).
 */
long tgt_frames(const uint8_t *buf, size_t len, size_t max,
                void (*on_frame)(void *ctx, const uint8_t *payload, size_t n), void *ctx,
                bool (*stop)(void *ctx));

#endif /* RSVD_TARGET_TRANSPORT_H */
