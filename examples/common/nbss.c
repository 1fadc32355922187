/*
 * Integrator template: SMB2 messages in NBSS frames (see nbss.h).
 */
#include "nbss.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* A non-blocking socket is full: a real server queues the rest
             * and waits for POLLOUT in its loop; an example just waits. */
            struct pollfd pfd = {fd, POLLOUT, 0};
            (void)poll(&pfd, 1, -1);
            continue;
        }
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* NBSS session message ([RFC 1002] 4.3.1). */
#define NBSS_SESSION_MESSAGE 0x00u

int nbss_header_put(uint8_t h[NBSS_HEADER_LEN], size_t len)
{
    if (len > NBSS_LEN_MAX)
        return -1;
    h[0] = NBSS_SESSION_MESSAGE;
    h[1] = (uint8_t)(len >> 16);
    h[2] = (uint8_t)(len >> 8);
    h[3] = (uint8_t)len;
    return 0;
}

int nbss_header_get(const uint8_t h[NBSS_HEADER_LEN], size_t *len)
{
    if (h[0] != NBSS_SESSION_MESSAGE)
        return -1;
    *len = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    return 0;
}

int nbss_send(int fd, const uint8_t *msg, size_t len)
{
    uint8_t h[NBSS_HEADER_LEN];
    if (nbss_header_put(h, len) != 0)
        return -1;
    return write_all(fd, h, sizeof h) == 0 && write_all(fd, msg, len) == 0 ? 0 : -1;
}

int nbss_recv(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t h[NBSS_HEADER_LEN];
    size_t n;
    if (read_all(fd, h, sizeof h) != 0 || nbss_header_get(h, &n) != 0)
        return -1;
    if (n > cap || read_all(fd, buf, n) != 0)
        return -1;
    *len = n;
    return 0;
}

long nbss_reader_fill(nbss_reader *r, int fd)
{
    ssize_t k;
    do
        k = read(fd, r->buf + r->len, sizeof r->buf - r->len);
    while (k < 0 && errno == EINTR);
    if (k > 0)
        r->len += (size_t)k;
    return (long)k;
}

int nbss_reader_next(nbss_reader *r, uint8_t *msg, size_t cap, size_t *len)
{
    if (r->len < NBSS_HEADER_LEN)
        return 0;
    size_t n;
    if (nbss_header_get(r->buf, &n) != 0 || n > cap || n > sizeof r->buf - NBSS_HEADER_LEN)
        return -1;
    if (r->len < NBSS_HEADER_LEN + n)
        return 0;
    memcpy(msg, r->buf + NBSS_HEADER_LEN, n);
    r->len -= NBSS_HEADER_LEN + n;
    memmove(r->buf, r->buf + NBSS_HEADER_LEN + n, r->len);
    *len = n;
    return 1;
}
