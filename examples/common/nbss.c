/*
 * examples: SMB2 messages over a stream socket, in NBSS frames (see nbss.h).
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

int nbss_send(int fd, const uint8_t *msg, size_t len)
{
    if (len > 0xFFFFFFu)
        return -1;
    uint8_t h[4] = {0x00, (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    return write_all(fd, h, sizeof h) == 0 && write_all(fd, msg, len) == 0 ? 0 : -1;
}

int nbss_recv(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t h[4];
    if (read_all(fd, h, sizeof h) != 0 || h[0] != 0x00)
        return -1;
    size_t n = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
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
    if (r->len < 4)
        return 0;
    size_t n = (size_t)r->buf[1] << 16 | (size_t)r->buf[2] << 8 | r->buf[3];
    if (r->buf[0] != 0x00 || n > cap || n > sizeof r->buf - 4)
        return -1;
    if (r->len < 4 + n)
        return 0;
    memcpy(msg, r->buf + 4, n);
    r->len -= 4 + n;
    memmove(r->buf, r->buf + 4 + n, r->len);
    *len = n;
    return 1;
}
