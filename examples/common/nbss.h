/*
 * Integrator template: SMB2 messages in NBSS frames (the Direct TCP
 * transport of [MS-SMB2] 2.1: a zero byte and a 24-bit big-endian length
 * before each message), over a stream socket. librsvd does no I/O: this is
 * the host's part.
 */
#ifndef RSVD_EXAMPLES_NBSS_H
#define RSVD_EXAMPLES_NBSS_H

#include <stddef.h>
#include <stdint.h>

/** The largest message the examples carry. */
#define NBSS_MSG_MAX (65536u + 256u)

/** An NBSS session message header ([RFC 1002] 4.3.1): type 0x00 and the
 * 24-bit length of the message that follows. */
#define NBSS_HEADER_LEN 4u
/** The longest message a header can announce. */
#define NBSS_LEN_MAX 0xFFFFFFu

/** Writes the header of a message of @p len bytes. @return 0, or -1
 * (longer than NBSS_LEN_MAX). */
int nbss_header_put(uint8_t h[NBSS_HEADER_LEN], size_t len);

/** Reads a header. @return 0 (*len set), or -1 (not a session message). */
int nbss_header_get(const uint8_t h[NBSS_HEADER_LEN], size_t *len);

/** Writes @p msg as one frame (blocking). @return 0, or -1 (the
 * connection is gone). */
int nbss_send(int fd, const uint8_t *msg, size_t len);

/** Reads one frame (blocking). @return 0 (*len set), or -1 at end of file
 * or on an error (the connection is gone). */
int nbss_recv(int fd, uint8_t *buf, size_t cap, size_t *len);

/** Collects frames from a non-blocking socket in a poll() loop. */
typedef struct nbss_reader {
    uint8_t buf[2 * (NBSS_MSG_MAX + NBSS_HEADER_LEN)];
    size_t len;
} nbss_reader;

/** Reads what the socket has. @return bytes read, 0 at end of file, -1 on
 * an error (errno EAGAIN: nothing there yet). */
long nbss_reader_fill(nbss_reader *r, int fd);

/** Takes the next complete message out. @return 1 (*len set), 0 (none
 * complete yet), -1 (not an NBSS session message, or too long). */
int nbss_reader_next(nbss_reader *r, uint8_t *msg, size_t cap, size_t *len);

#endif /* RSVD_EXAMPLES_NBSS_H */
