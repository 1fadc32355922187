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

#endif /* RSVD_TARGET_TRANSPORT_H */
