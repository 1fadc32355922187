/*
 * Writes the golden vectors into a pcap for tshark to check
 * (check_golden_pcap.py):
 *  - every complete SMB2 message among them, sent by the client or, when
 *    SMB2_FLAGS_SERVER_TO_REDIR is set, by the server;
 *  - every RSVD tunnel message (families rsvd_tunnel, rsvd_tunnel_v2), as the
 *    input of an FSCTL_SVHDX_SYNC_TUNNEL_REQUEST (or ASYNC for
 *    META_OPERATION_START) IOCTL request, or the output of its response.
 * Each family gets its own TCP flow. A manifest line per SMB2 message gives
 * its frame number, the golden vector's name, the direction, and the
 * message bytes in hex (so the checker reads fields at spec offsets from the
 * bytes themselves, independently of the library's decoders).
 *
 *   golden_pcap OUT.pcap OUT.manifest
 */
#include <stdio.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/pcap.h>
#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>
#include <rsvd/wire_rsvd.h>
#include <rsvd/wire_smb2.h>

#include "golden.h"

static int file_write(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

typedef struct out {
    rsvd_pcap pcap;
    FILE *manifest;
    unsigned frame;    /* frames written so far */
    uint64_t time_us;
} out;

static const uint8_t client_ip[4] = {192, 168, 56, 10}, server_ip[4] = {192, 168, 56, 20};

static int put(out *o, rsvd_pcap_flow *f, const char *name, bool from_client, const uint8_t *msg,
               size_t len)
{
    unsigned frames = f->established ? 1 : 4; /* first message: handshake + data */
    if (len + 4 > o->pcap.max_segment)
        return -1; /* keep one frame per message for the manifest */
    if (rsvd_pcap_write_smb2(&o->pcap, f, from_client, msg, len, o->time_us) != RSVD_OK)
        return -1;
    o->frame += frames;
    o->time_us += 1000;
    fprintf(o->manifest, "%u\t%s\t%s\t", o->frame, name, from_client ? "request" : "response");
    for (size_t i = 0; i < len; i++)
        fprintf(o->manifest, "%02x", msg[i]);
    fputc('\n', o->manifest);
    return 0;
}

static bool is_response_name(const char *name)
{
    return strstr(name, "response") || strstr(name, "reply") || strstr(name, "_rsp");
}

/* Wraps a tunnel message into an IOCTL request or response. */
static int wrap_tunnel(const uint8_t *tun, size_t tun_len, bool response, uint64_t message_id,
                       uint8_t *buf, size_t cap, size_t *len)
{
    uint32_t opcode = (uint32_t)tun[0] | (uint32_t)tun[1] << 8 | (uint32_t)tun[2] << 16 |
                      (uint32_t)tun[3] << 24;
    uint32_t ctl = opcode == RSVD_TUNNEL_META_OPERATION_START
                       ? RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST
                       : RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST;
    rsvd_smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = RSVD_SMB2_IOCTL;
    h.credit_charge = 1;
    h.credit = 1;
    h.message_id = message_id;
    h.tree_id = 5;
    h.session_id = 0x11;
    const rsvd_smb2_fileid fid = {0x2A1, 0x100000005ull};
    if (!response) {
        rsvd_smb2_ioctl_req q;
        memset(&q, 0, sizeof q);
        q.hdr = h;
        q.ctl_code = ctl;
        q.file_id = fid;
        q.input_offset = RSVD_SMB2_IOCTL_REQ_BUFFER_OFFSET;
        q.input_count = (uint32_t)tun_len;
        q.input = tun;
        q.max_output_response = 1024;
        q.flags = RSVD_SMB2_0_IOCTL_IS_FSCTL;
        return rsvd_smb2_ioctl_req_encode(&q, buf, cap, len);
    }
    rsvd_smb2_ioctl_rsp r;
    memset(&r, 0, sizeof r);
    r.hdr = h;
    r.hdr.flags = RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    r.ctl_code = ctl;
    r.file_id = fid;
    r.input_offset = RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET;
    r.output_count = (uint32_t)tun_len;
    r.output = tun;
    return rsvd_smb2_ioctl_rsp_encode(&r, buf, cap, len);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s OUT.pcap OUT.manifest\n", argv[0]);
        return 2;
    }
    FILE *pf = fopen(argv[1], "wb");
    out o = {.manifest = fopen(argv[2], "w"), .frame = 0, .time_us = 1700000000000000ull};
    if (!pf || !o.manifest || rsvd_pcap_begin(&o.pcap, file_write, pf) != RSVD_OK) {
        perror("open");
        return 1;
    }
    static uint8_t raw[1u << 16], msg[1u << 16];
    rsvd_pcap_flow flow;
    const char *family = NULL;
    uint16_t port = 49152;
    uint64_t wrapped_id = 1000;
    int rc = 0;
    for (size_t i = 0; i < tu_golden_count && rc == 0; i++) {
        const tu_golden *g = &tu_golden_vectors[i];
        bool tunnel = strcmp(g->family, "rsvd_tunnel") == 0 || strcmp(g->family, "rsvd_tunnel_v2") == 0;
        if (!g->smb2_message && !tunnel)
            continue;
        size_t n = tu_golden_parse(g, raw, sizeof raw);
        if (n == (size_t)-1) {
            fprintf(stderr, "malformed golden vector %s\n", g->name);
            return 1;
        }
        if (!family || strcmp(family, g->family) != 0) {
            if (family && rsvd_pcap_close(&o.pcap, &flow, o.time_us) == RSVD_OK)
                o.frame += 3;
            family = g->family;
            rsvd_pcap_flow_init(&flow, client_ip, port++, server_ip);
        }
        if (g->smb2_message) {
            rsvd_smb2_hdr h;
            if (rsvd_smb2_hdr_decode(raw, n, &h) != RSVD_OK) {
                fprintf(stderr, "golden vector %s is not an SMB2 message\n", g->name);
                return 1;
            }
            rc = put(&o, &flow, g->name, !rsvd_smb2_hdr_is_response(&h), raw, n);
        } else {
            bool response = is_response_name(g->name);
            size_t len = 0;
            if (n < RSVD_TUNNEL_HEADER_SIZE ||
                wrap_tunnel(raw, n, response, wrapped_id++, msg, sizeof msg, &len) != RSVD_OK) {
                fprintf(stderr, "cannot wrap %s\n", g->name);
                return 1;
            }
            rc = put(&o, &flow, g->name, !response, msg, len);
        }
    }
    if (family && rc == 0)
        rc = rsvd_pcap_close(&o.pcap, &flow, o.time_us) == RSVD_OK ? 0 : 1;
    if (fclose(pf) != 0 || fclose(o.manifest) != 0)
        rc = 1;
    return rc ? 1 : 0;
}
