/*
 * rsvd-target: the capture (see trace.h).
 */
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <rsvd/pcap.h>

struct tgt_trace {
    FILE *f;
    rsvd_pcap pcap;
    bool failed;
};

static int write_fn(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

static uint64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

int tgt_trace_open(tgt_server *srv, const char *path)
{
    tgt_trace *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->f = fopen(path, "wb");
    if (!t->f || rsvd_pcap_begin(&t->pcap, write_fn, t->f) != RSVD_OK) {
        if (t->f)
            fclose(t->f);
        free(t);
        return -1;
    }
    srv->trace = t;
    return 0;
}

void tgt_trace_close(tgt_server *srv)
{
    tgt_trace *t = srv->trace;
    if (!t)
        return;
    if (fclose(t->f) != 0 || t->failed)
        tgt_warn("the capture is incomplete: a write failed");
    free(t);
    srv->trace = NULL;
}

void tgt_trace_conn_open(tgt_conn *c)
{
    static const uint8_t server_ip[4] = {127, 0, 0, 1};
    rsvd_pcap_flow_init(&c->flow, c->peer_ip, c->peer_port, server_ip);
}

void tgt_trace_message(tgt_conn *c, bool from_client, const uint8_t *msg, size_t len)
{
    tgt_trace *t = c->srv->trace;
    if (!t || len == 0)
        return;
    if (rsvd_pcap_write_smb2(&t->pcap, &c->flow, from_client, msg, len, now_us()) != RSVD_OK)
        t->failed = true;
}

void tgt_trace_conn_end(tgt_conn *c, bool lost)
{
    tgt_trace *t = c->srv->trace;
    if (!t)
        return;
    int rc = lost ? rsvd_pcap_reset(&t->pcap, &c->flow, now_us())
                  : rsvd_pcap_close(&t->pcap, &c->flow, now_us());
    if (rc != RSVD_OK)
        t->failed = true;
    fflush(t->f);
}
