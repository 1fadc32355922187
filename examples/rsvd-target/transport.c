/*
 * rsvd-target: TCP, framing and the poll() loop (see transport.h).
 */
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "framing.h"
#include "trace.h"
#include <rsvd/wire.h>

/* Output a connection may queue before its input is no longer read. */
#define OUT_HIGH_WATER(srv) (4u * (size_t)(srv)->cfg->limits.max_message)

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    char b = 1;
    (void)!write(sig_pipe[1], &b, 1);
    errno = saved;
}

static int nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int tgt_listen(tgt_server *srv, FILE *announce, char *err, size_t errcap)
{
    const tgt_config *cfg = srv->cfg;
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port[8];
    snprintf(port, sizeof port, "%u", cfg->listen_port);
    int rc = getaddrinfo(cfg->listen_host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errcap, "%s: %s", cfg->listen_host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 64) == 0 &&
            nonblocking(fd) == 0)
            break;
        snprintf(err, errcap, "%s:%s: %s", cfg->listen_host, port, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0)
        return -1;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned bound = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
            bound = ntohs(in->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
            bound = ntohs(in6->sin6_port);
        }
    }
    fprintf(announce, "listening on %s:%u\n", host, bound);
    fflush(announce);
    return fd;
}

/* ---- connections ------------------------------------------------------------------ */

/* Appends @p n bytes to the connection's output. */
static int out_reserve(tgt_conn *c, size_t n)
{
    size_t need = c->out_len + n;
    if (need > c->out_cap) {
        if (c->out_off > 0) { /* reclaim what was sent */
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
            need = c->out_len + n;
        }
        if (need > c->out_cap) {
            size_t cap = c->out_cap ? c->out_cap : 65536;
            while (cap < need)
                cap *= 2;
            uint8_t *p = realloc(c->out, cap);
            if (!p) {
                tgt_conn_close(c, "out of memory");
                return -1;
            }
            c->out = p;
            c->out_cap = cap;
        }
    }
    return 0;
}

int tgt_conn_send_raw(tgt_conn *c, const uint8_t *bytes, size_t n)
{
    if (c->dead || out_reserve(c, n) != 0)
        return -1;
    memcpy(c->out + c->out_len, bytes, n);
    c->out_len += n;
    return 0;
}

int tgt_conn_send_frame(tgt_conn *c, const uint8_t *payload, size_t len)
{
    if (c->dead || len > 0xFFFFFFu || out_reserve(c, 4 + len) != 0)
        return -1;
    rsvd_wr w;
    rsvd_wr_init(&w, c->out + c->out_len, 4 + len);
    rsvd_wr_u8(&w, TGT_NBSS_SESSION_MESSAGE);
    rsvd_wr_u8(&w, (uint8_t)(len >> 16));
    rsvd_wr_u8(&w, (uint8_t)(len >> 8));
    rsvd_wr_u8(&w, (uint8_t)len);
    rsvd_wr_bytes(&w, payload, len);
    c->out_len += 4 + len;
    c->srv->frames_out++;
    return 0;
}

void tgt_conn_close(tgt_conn *c, const char *why)
{
    if (c->closing || c->dead)
        return;
    tgt_log(c->srv, "%s: closing: %s", c->peer, why);
    if (!c->srv->cfg->verbose && strcmp(why, "end of stream") != 0)
        tgt_warn("%s: disconnecting: %s", c->peer, why);
    c->closing = true;
}

void tgt_conn_put(tgt_conn *c)
{
    if (--c->refs > 0)
        return;
    free(c->in);
    free(c->out);
    free(c->seq_used);
    free(c);
}

/* The connection ends: the SMB2 layer learns it ([MS-SMB2] 3.3.7.1), the
 * socket closes, and the object goes once no request points at it. */
static void conn_finish(tgt_server *srv, tgt_conn *c, bool lost)
{
    tgt_log(srv, "%s: connection %s", c->peer, lost ? "lost" : "closed");
    c->dead = true;
    tgt_conn_lost(c);
    tgt_trace_conn_end(c, lost);
    close(c->fd);
    c->fd = -1;
    tgt_list_remove(&c->link);
    srv->nconns--;
    tgt_conn_put(c);
}

static void on_accept(tgt_server *srv, int lfd)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        if (srv->nconns >= srv->cfg->limits.max_connections) {
            tgt_warn("refusing a connection: %u connections already (--max-connections)",
                     srv->nconns);
            close(fd);
            continue;
        }
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        tgt_conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->srv = srv;
        c->fd = fd;
        c->refs = 1; /* the transport's */
        if (tgt_conn_init(c) != 0) {
            close(fd);
            tgt_conn_put(c);
            continue;
        }
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;
            char a[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &in->sin_addr, a, sizeof a);
            memcpy(c->peer_ip, &in->sin_addr, 4);
            c->peer_port = ntohs(in->sin_port);
            snprintf(c->peer, sizeof c->peer, "%s:%u", a, c->peer_port);
        } else {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            char a[INET6_ADDRSTRLEN];
            inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof a);
            c->peer_ip[0] = 127;
            c->peer_ip[3] = 2; /* a stand-in address in the capture */
            c->peer_port = ntohs(in6->sin6_port);
            snprintf(c->peer, sizeof c->peer, "[%s]:%u", a, c->peer_port);
        }
        tgt_list_append(&srv->conns, &c->link);
        srv->nconns++;
        tgt_trace_conn_open(c);
        tgt_log(srv, "%s: connected", c->peer);
    }
}

static void frame_cb(void *ctx, const uint8_t *payload, size_t n)
{
    tgt_conn *c = ctx;
    if (!payload) { /* a session request: the positive response */
        static const uint8_t ok[4] = {TGT_NBSS_POSITIVE_RESPONSE, 0, 0, 0};
        if (tgt_conn_send_raw(c, ok, sizeof ok) != 0)
            tgt_conn_close(c, "out of memory");
        return;
    }
    tgt_conn_frame(c, payload, n);
}

static bool stop_cb(void *ctx)
{
    const tgt_conn *c = ctx;
    return c->closing || c->dead;
}

/* @return false if the connection is gone (end of stream or an error). */
static bool on_readable(tgt_server *srv, tgt_conn *c)
{
    size_t max = srv->cfg->limits.max_message;
    if (c->in_cap < max + 4) {
        size_t cap = c->in_cap ? c->in_cap : 65536;
        while (cap < c->in_len + 65536 && cap < max + 4)
            cap *= 2;
        if (cap > max + 4)
            cap = max + 4;
        if (cap > c->in_cap) {
            uint8_t *p = realloc(c->in, cap);
            if (!p)
                return false;
            c->in = p;
            c->in_cap = cap;
        }
    }
    if (c->in_len == c->in_cap)
        return true; /* full: a frame larger than the buffer was refused already */
    ssize_t k = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (k == 0)
        return false;
    if (k < 0)
        return errno == EAGAIN || errno == EINTR;
    c->in_len += (size_t)k;
    c->refs++;
    long used = tgt_frames(c->in, c->in_len, max, frame_cb, c, stop_cb);
    if (used < 0) {
        tgt_conn_close(c, "a frame that is not an SMB2 message, or larger than --max-message");
    } else if (used > 0 && !c->dead) {
        memmove(c->in, c->in + used, c->in_len - (size_t)used);
        c->in_len -= (size_t)used;
    }
    bool alive = !c->dead;
    tgt_conn_put(c);
    return alive;
}

/* @return false if the connection is gone. */
static bool on_writable(tgt_conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t k = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (k < 0)
            return errno == EAGAIN || errno == EINTR;
        c->out_off += (size_t)k;
    }
    c->out_off = c->out_len = 0;
    return true;
}

int tgt_run(tgt_server *srv, int lfd)
{
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct pollfd *pfd = NULL;
    tgt_conn **pc = NULL;
    size_t cap = 0;
    int rc = 0;
    while (!srv->stopping) {
        size_t n = 2 + srv->nconns;
        if (n > cap) {
            struct pollfd *np = realloc(pfd, n * sizeof *np);
            tgt_conn **ncs = np ? realloc(pc, n * sizeof *ncs) : NULL;
            if (np)
                pfd = np;
            if (!np || !ncs) {
                rc = -1;
                break;
            }
            pc = ncs;
            cap = n;
        }
        pfd[0] = (struct pollfd){sig_pipe[0], POLLIN, 0};
        pfd[1] = (struct pollfd){lfd, POLLIN, 0};
        size_t i = 2;
        tgt_link *k, *nk;
        TGT_LIST_FOREACH_SAFE(&srv->conns, k, nk) {
            tgt_conn *c = TGT_CONTAINER(k, tgt_conn, link);
            short ev = 0;
            if (!c->closing && c->out_len - c->out_off < OUT_HIGH_WATER(srv))
                ev |= POLLIN;
            if (c->out_len > c->out_off)
                ev |= POLLOUT;
            pc[i] = c;
            pfd[i++] = (struct pollfd){c->fd, ev, 0};
        }
        srv->now = tgt_now_ms();
        uint64_t deadline = tgt_server_next_deadline(srv);
        int timeout = -1;
        if (deadline != UINT64_MAX)
            timeout = deadline <= srv->now ? 0
                      : deadline - srv->now > 60000 ? 60000
                                                     : (int)(deadline - srv->now);
        if (poll(pfd, (nfds_t)i, timeout) < 0 && errno != EINTR) {
            rc = -1;
            break;
        }
        srv->now = tgt_now_ms();
        if (pfd[0].revents & POLLIN) {
            tgt_log(srv, "a signal: stopping");
            srv->stopping = true;
            break;
        }
        if (pfd[1].revents & POLLIN)
            on_accept(srv, lfd);
        for (size_t j = 2; j < i; j++) {
            tgt_conn *c = pc[j];
            bool alive = true;
            if (pfd[j].revents & (POLLIN | POLLHUP | POLLERR))
                alive = on_readable(srv, c);
            if (alive && (pfd[j].revents & POLLOUT))
                alive = on_writable(c);
            if (!alive && !c->dead)
                conn_finish(srv, c, true);
        }
        /* A connection marked closing goes once its output is out. */
        TGT_LIST_FOREACH_SAFE(&srv->conns, k, nk) {
            tgt_conn *c = TGT_CONTAINER(k, tgt_conn, link);
            if (c->closing && (c->out_len == c->out_off || !on_writable(c) ||
                               c->out_len == c->out_off))
                conn_finish(srv, c, false);
        }
        tgt_server_run_timers(srv);
    }
    /* Shutdown: every connection ends as if lost. */
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&srv->conns, k, nk) {
        tgt_conn *c = TGT_CONTAINER(k, tgt_conn, link);
        (void)on_writable(c);
        conn_finish(srv, c, false);
    }
    free(pfd);
    free(pc);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    return rc;
}
