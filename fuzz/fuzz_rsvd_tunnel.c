/*
 * Fuzz harness: MS-RSVD version-1 tunnel operations ([MS-RSVD] 2.2.4): the
 * tunnel header and every version-1 request and response body. Each body
 * decoder runs on the input as it is and on the bytes after a 16-byte header
 * (the seeds are whole tunnel messages).
 */
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "fuzz_common.h"

static int dec_hdr(const uint8_t *b, size_t n, void *o)
{
    return rsvd_tunnel_hdr_decode(b, n, o);
}

static int enc_hdr(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    *len = RSVD_TUNNEL_HEADER_SIZE;
    return rsvd_tunnel_hdr_encode(o, b, cap);
}

#define CODEC(fn)                                                                          \
    static int dec_##fn(const uint8_t *b, size_t n, void *o)                               \
    {                                                                                      \
        return rsvd_##fn##_decode(b, n, o);                                                \
    }                                                                                      \
    static int enc_##fn(const void *o, uint8_t *b, size_t cap, size_t *len)                \
    {                                                                                      \
        return rsvd_##fn##_encode(o, b, cap, len);                                         \
    }

CODEC(svhdx_tunnel_initial_info_response)
CODEC(svhdx_tunnel_srb_status_request)
CODEC(svhdx_tunnel_srb_status_response)
CODEC(svhdx_tunnel_disk_info_request)
CODEC(svhdx_tunnel_disk_info_response)
CODEC(svhdx_tunnel_scsi_request)
CODEC(svhdx_tunnel_scsi_response)
CODEC(svhdx_tunnel_validate_disk_request)
CODEC(svhdx_tunnel_validate_disk_response)

#define RUN(fn, p, n) fuzz_round_trip((p), (n), dec_##fn, enc_##fn, sizeof(rsvd_##fn))

static void bodies(const uint8_t *p, size_t n)
{
    RUN(svhdx_tunnel_initial_info_response, p, n);
    RUN(svhdx_tunnel_srb_status_request, p, n);
    RUN(svhdx_tunnel_srb_status_response, p, n);
    RUN(svhdx_tunnel_disk_info_request, p, n);
    RUN(svhdx_tunnel_disk_info_response, p, n);
    RUN(svhdx_tunnel_scsi_request, p, n);
    RUN(svhdx_tunnel_scsi_response, p, n);
    RUN(svhdx_tunnel_validate_disk_request, p, n);
    RUN(svhdx_tunnel_validate_disk_response, p, n);

    /* The 3.2.5.5.5 error echo: always 36 bytes, the request's first bytes. */
    uint8_t echo[RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE];
    size_t echo_len = 0;
    FUZZ_CHECK(rsvd_svhdx_tunnel_scsi_response_echo_request(p, n, echo, sizeof echo,
                                                            &echo_len) == RSVD_OK);
    FUZZ_CHECK(echo_len == sizeof echo);
    size_t same = n < sizeof echo ? n : sizeof echo;
    FUZZ_CHECK(same == 0 || memcmp(echo, p, same) == 0);

    /* A decoded SCSI request's views stay inside the input. */
    rsvd_svhdx_tunnel_scsi_request q;
    if (rsvd_svhdx_tunnel_scsi_request_decode(p, n, &q) == RSVD_OK)
        FUZZ_CHECK(q.data_buffer_len == n - RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE);
    rsvd_svhdx_tunnel_scsi_response s;
    if (rsvd_svhdx_tunnel_scsi_response_decode(p, n, &s) == RSVD_OK)
        FUZZ_CHECK((uint64_t)s.length + s.data_transfer_length <= n &&
                   s.sense_info_ex_length <= RSVD_SCSI_SENSE_BUFFER_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_hdr, enc_hdr, sizeof(rsvd_tunnel_hdr));
    bodies(data, size);
    if (size >= RSVD_TUNNEL_HEADER_SIZE)
        bodies(data + RSVD_TUNNEL_HEADER_SIZE, size - RSVD_TUNNEL_HEADER_SIZE);
    return 0;
}
