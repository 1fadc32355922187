/*
 * rsvd-demo: the "network" between the hosts and the file server (see
 * network.h).
 */
#include "network.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/pcap.h>

#include "nbss.h"

/* Microseconds one frame takes on the demo's network. */
#define FRAME_US 100u

static const uint8_t server_ip[4] = {192, 168, 10, 1};

/* One direction of a TCP connection: the bytes sent and not yet read. */
typedef struct stream {
    uint8_t *buf;
    size_t len, cap;
} stream;

struct demo_link {
    demo_wire *w;
    char label[16];
    rsvd_pcap_flow flow;
    smb2_dispatch_conn *sconn;
    stream to_server, to_client;
    bool up;  /* the TCP connection exists */
    bool cut; /* the network between the two ends has failed */
};

struct demo_wire {
    FILE *f;
    rsvd_pcap pcap;
    smb2_dispatch *srv;
    uint64_t now_us;
    uint16_t next_port;
    demo_wire_stats stats;
    uint8_t frame[NBSS_HEADER_LEN + NBSS_MSG_MAX]; /* the server's reading buffer */
};

static int file_write(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

static void pcap_check(demo_wire *w, int rc)
{
    if (rc != RSVD_OK && w->stats.pcap_error == RSVD_OK)
        w->stats.pcap_error = rc;
}

int demo_wire_new(const char *pcap_path, uint64_t start_ms, demo_wire **out, char *err,
                  size_t errcap)
{
    demo_wire *w = calloc(1, sizeof *w);
    if (!w)
        return RSVD_E_NOMEM;
    w->now_us = start_ms * 1000u;
    w->next_port = 49152; /* the first dynamic port */
    if (pcap_path) {
        w->f = fopen(pcap_path, "wb");
        if (!w->f) {
            snprintf(err, errcap, "cannot create %s: %s", pcap_path, strerror(errno));
            free(w);
            return RSVD_E_IO;
        }
        int rc = rsvd_pcap_begin(&w->pcap, file_write, w->f);
        if (rc != RSVD_OK) {
            snprintf(err, errcap, "cannot write %s: %s", pcap_path, rsvd_strerror(rc));
            fclose(w->f);
            free(w);
            return RSVD_E_IO;
        }
    }
    *out = w;
    return RSVD_OK;
}

void demo_wire_free(demo_wire *w)
{
    if (!w)
        return;
    if (w->f && fclose(w->f) != 0)
        pcap_check(w, RSVD_E_IO);
    free(w);
}

void demo_wire_set_server(demo_wire *w, smb2_dispatch *srv)
{
    w->srv = srv;
}

uint64_t demo_wire_now_ms(const demo_wire *w)
{
    return w->now_us / 1000u;
}

uint64_t demo_wire_clock(void *ctx)
{
    return demo_wire_now_ms(ctx);
}

void demo_wire_advance(demo_wire *w, uint64_t ms)
{
    w->now_us += ms * 1000u;
}

void demo_wire_get_stats(const demo_wire *w, demo_wire_stats *out)
{
    *out = w->stats;
}

/* ---- NBSS framing ---------------------------------------------------------- */

static int stream_put_frame(stream *s, const uint8_t *msg, size_t len)
{
    if (len > NBSS_LEN_MAX)
        return RSVD_E_INVAL;
    if (s->cap - s->len < NBSS_HEADER_LEN + len) {
        size_t ncap = s->cap ? s->cap : 4096;
        while (ncap - s->len < NBSS_HEADER_LEN + len)
            ncap *= 2;
        uint8_t *n = realloc(s->buf, ncap);
        if (!n)
            return RSVD_E_NOMEM;
        s->buf = n;
        s->cap = ncap;
    }
    uint8_t *p = s->buf + s->len;
    (void)nbss_header_put(p, len);
    memcpy(p + NBSS_HEADER_LEN, msg, len);
    s->len += NBSS_HEADER_LEN + len;
    return RSVD_OK;
}

/* Takes one whole frame's message out of the stream. */
static int stream_get_frame(stream *s, uint8_t *buf, size_t cap, size_t *len)
{
    size_t n;
    if (s->len < NBSS_HEADER_LEN)
        return RSVD_E_AGAIN;
    if (nbss_header_get(s->buf, &n) != 0)
        return RSVD_E_WIRE_VALUE;
    if (s->len < NBSS_HEADER_LEN + n)
        return RSVD_E_AGAIN; /* the rest has not arrived yet */
    if (n > cap)
        return RSVD_E_NOSPC;
    memcpy(buf, s->buf + NBSS_HEADER_LEN, n);
    s->len -= NBSS_HEADER_LEN + n;
    memmove(s->buf, s->buf + NBSS_HEADER_LEN + n, s->len);
    *len = n;
    return RSVD_OK;
}

/* ---- links -------------------------------------------------------------------- */

int demo_link_open(demo_wire *w, const uint8_t ip[4], const char *label, uint16_t dialect,
                   uint64_t session_id, const void *user, size_t user_len, uint32_t tree_id,
                   demo_link **out)
{
    demo_link *l = calloc(1, sizeof *l);
    if (!l)
        return RSVD_E_NOMEM;
    l->w = w;
    snprintf(l->label, sizeof l->label, "%s", label);
    rsvd_pcap_flow_init(&l->flow, ip, w->next_port++, server_ip);
    int rc = smb2_dispatch_connect(w->srv, dialect, session_id, user, user_len, tree_id, l,
                                   &l->sconn);
    if (rc != RSVD_OK) {
        free(l);
        return rc;
    }
    l->up = true;
    w->stats.flows++;
    *out = l;
    return RSVD_OK;
}

const char *demo_link_label(const demo_link *l)
{
    return l->label;
}

uint16_t demo_link_port(const demo_link *l)
{
    return l->flow.client_port;
}

int demo_link_send(demo_link *l, const uint8_t *msg, size_t len)
{
    demo_wire *w = l->w;
    if (!l->up)
        return RSVD_E_STATE;
    w->now_us += FRAME_US;
    w->stats.to_server++;
    if (w->f)
        pcap_check(w, rsvd_pcap_write_smb2(&w->pcap, &l->flow, true, msg, len, w->now_us));
    int rc = stream_put_frame(&l->to_server, msg, len);
    if (rc != RSVD_OK)
        return rc;
    /* The server's transport: every complete frame is one request. */
    size_t n;
    while (l->up && stream_get_frame(&l->to_server, w->frame, sizeof w->frame, &n) == RSVD_OK)
        smb2_dispatch_receive(w->srv, l->sconn, w->frame, n);
    return RSVD_OK;
}

void demo_wire_server_send(void *ctx, void *conn_ctx, const uint8_t *msg, size_t len)
{
    demo_wire *w = ctx;
    demo_link *l = conn_ctx;
    if (!l->up || l->cut) {
        w->stats.lost++; /* never reaches the host, nor the capture */
        return;
    }
    w->now_us += FRAME_US;
    w->stats.to_client++;
    if (w->f)
        pcap_check(w, rsvd_pcap_write_smb2(&w->pcap, &l->flow, false, msg, len, w->now_us));
    if (stream_put_frame(&l->to_client, msg, len) != RSVD_OK)
        w->stats.lost++;
}

int demo_link_recv(demo_link *l, uint8_t *buf, size_t cap, size_t *len)
{
    return stream_get_frame(&l->to_client, buf, cap, len);
}

void demo_link_cut(demo_link *l)
{
    l->cut = true;
}

static void link_down(demo_link *l, bool reset)
{
    demo_wire *w = l->w;
    if (!l->up)
        return;
    l->up = false;
    w->now_us += FRAME_US;
    if (w->f) /* nothing is written for a flow that carried no message */
        pcap_check(w, reset ? rsvd_pcap_reset(&w->pcap, &l->flow, w->now_us)
                            : rsvd_pcap_close(&w->pcap, &l->flow, w->now_us));
    if (reset)
        w->stats.resets++;
    smb2_dispatch_conn_lost(w->srv, l->sconn);
    l->sconn = NULL;
}

void demo_link_drop(demo_link *l)
{
    link_down(l, true);
}

void demo_link_close(demo_link *l)
{
    link_down(l, false);
}

void demo_link_free(demo_link *l)
{
    if (!l)
        return;
    if (l->up)
        demo_link_close(l);
    free(l->to_server.buf);
    free(l->to_client.buf);
    free(l);
}
