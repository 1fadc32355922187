/*
 * Rows of the decoders (docs/performance.md): instructions per message
 * (count pass) and messages per second (time pass) of the decoders a
 * server runs on the requests it receives, each over a golden vector
 * (tests/support/golden.c).
 */
#include <stdio.h>
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/wire_rsvd.h>
#include <rsvd/wire_smb2.h>

#include "bench.h"
#include "bench_rows.h"
#include "golden.h"

typedef int (*decode_fn)(const uint8_t *buf, size_t len);

/* Each wrapper decodes into a struct of its own on the stack. */
#define DECODER(name, type, fn)                                                            \
    static int name(const uint8_t *buf, size_t len)                                        \
    {                                                                                      \
        type out;                                                                          \
        return fn(buf, len, &out);                                                         \
    }

DECODER(dec_smb2_hdr, rsvd_smb2_hdr, rsvd_smb2_hdr_decode)
DECODER(dec_read_req, rsvd_smb2_read_req, rsvd_smb2_read_req_decode)
DECODER(dec_write_req, rsvd_smb2_write_req, rsvd_smb2_write_req_decode)
DECODER(dec_lock_req, rsvd_smb2_lock_req, rsvd_smb2_lock_req_decode)
DECODER(dec_ioctl_req, rsvd_smb2_ioctl_req, rsvd_smb2_ioctl_req_decode)
DECODER(dec_resiliency_req, rsvd_smb2_resiliency_req, rsvd_smb2_resiliency_req_decode)
DECODER(dec_create_req, rsvd_smb2_create_req, rsvd_smb2_create_req_decode)
DECODER(dec_close_req, rsvd_smb2_close_req, rsvd_smb2_close_req_decode)
DECODER(dec_query_info_req, rsvd_smb2_query_info_req, rsvd_smb2_query_info_req_decode)
DECODER(dec_set_info_req, rsvd_smb2_set_info_req, rsvd_smb2_set_info_req_decode)
DECODER(dec_tunnel_hdr, rsvd_tunnel_hdr, rsvd_tunnel_hdr_decode)
DECODER(dec_open_ctx_v1, rsvd_svhdx_open_device_context, rsvd_svhdx_open_device_context_v1_decode)
DECODER(dec_open_ctx_v2, rsvd_svhdx_open_device_context, rsvd_svhdx_open_device_context_v2_decode)
DECODER(dec_scsi_sense, rsvd_scsi_sense, rsvd_scsi_sense_decode)

/* The tunnel operations' bodies follow the 16-byte header. */
static int dec_scsi_request(const uint8_t *buf, size_t len)
{
    rsvd_svhdx_tunnel_scsi_request out;
    return rsvd_svhdx_tunnel_scsi_request_decode(buf + RSVD_TUNNEL_HEADER_SIZE,
                                                 len - RSVD_TUNNEL_HEADER_SIZE, &out);
}

static int dec_srb_status_request(const uint8_t *buf, size_t len)
{
    rsvd_svhdx_tunnel_srb_status_request out;
    return rsvd_svhdx_tunnel_srb_status_request_decode(buf + RSVD_TUNNEL_HEADER_SIZE,
                                                       len - RSVD_TUNNEL_HEADER_SIZE, &out);
}

static const struct {
    const char *row;
    const char *golden;
    decode_fn fn;
} decoders[] = {
    {"decode_smb2_header", "smb2_header_sync_request", dec_smb2_hdr},
    {"decode_smb2_read", "smb2_read_req", dec_read_req},
    {"decode_smb2_write", "smb2_write_req", dec_write_req},
    {"decode_smb2_lock", "smb2_lock_req", dec_lock_req},
    {"decode_smb2_ioctl", "smb2_ioctl_svhdx_support_req", dec_ioctl_req},
    {"decode_smb2_resiliency", "smb2_ioctl_resiliency_req", dec_resiliency_req},
    {"decode_smb2_create", "smb2_create_req_dhnc_svhdx", dec_create_req},
    {"decode_smb2_close", "smb2_close_req", dec_close_req},
    {"decode_smb2_query_info", "smb2_query_info_req", dec_query_info_req},
    {"decode_smb2_set_info", "smb2_set_info_req", dec_set_info_req},
    {"decode_rsvd_tunnel_header", "rsvd_tunnel_header_initial_info", dec_tunnel_hdr},
    {"decode_rsvd_scsi_request", "rsvd_scsi_request_read_capacity_ex42", dec_scsi_request},
    {"decode_rsvd_srb_status_request", "rsvd_srb_status_request", dec_srb_status_request},
    {"decode_rsvd_open_context_v1", "rsvd_open_device_context_v1_ex41", dec_open_ctx_v1},
    {"decode_rsvd_open_context_v2", "rsvd_open_device_context_v2_ex43", dec_open_ctx_v2},
    {"decode_scsi_sense", "scsi_sense_fixed_all_fields", dec_scsi_sense},
};

typedef struct decode_loop {
    decode_fn fn;
    const uint8_t *msg;
    size_t len;
    unsigned long failed;
} decode_loop;

BENCH_NOINLINE static void decode_n(void *arg, unsigned long n)
{
    decode_loop *l = arg;
    for (unsigned long i = 0; i < n; i++)
        if (l->fn(l->msg, l->len) != RSVD_OK)
            l->failed++;
}

void bench_row_decoders(void)
{
    for (size_t k = 0; k < sizeof decoders / sizeof decoders[0]; k++) {
        const tu_golden *g = tu_golden_find(decoders[k].golden);
        static uint8_t msg[4096];
        size_t len = g ? tu_golden_parse(g, msg, sizeof msg) : (size_t)-1;
        if (len == (size_t)-1)
            bench_fail("golden vector %s missing", decoders[k].golden);
        decode_loop l = {decoders[k].fn, msg, len, 0};
        if (bench.count) {
            unsigned long n = bench.ops;
            bench_section_begin();
            decode_n(&l, n / 10 + 1);
            bench_section_zero();
            decode_n(&l, n);
            bench_section_end(decoders[k].row, "library", n);
        } else {
            double ns = bench_time(decode_n, &l, bench.quick ? 10000 : 200000);
            bench_figure(decoders[k].row, "messages_per_s", 1e9 / ns, "msg/s");
        }
        if (l.failed)
            bench_fail("%s: the golden vector did not decode", decoders[k].row);
    }
}
