/*
 * Fuzz harness: SMB2 QUERY_INFO and SET_INFO requests and responses
 * ([MS-SMB2] 2.2.37 - 2.2.40), and the file information classes the
 * backends put in and take out of their buffers ([MS-FSCC] 2.4.41, 2.4.29,
 * 2.4.14; lib/wire/fscc_info.h).
 */
#include <rsvd/backend.h>
#include <rsvd/fscc.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "fuzz_common.h"
#include "wire/fscc_info.h"

static int dec_qreq(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_query_info_req_decode(b, n, o);
}

static int enc_qreq(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_query_info_req_encode(o, b, cap, len);
}

static int dec_qrsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_query_info_rsp_decode(b, n, o);
}

static int enc_qrsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_query_info_rsp_encode(o, b, cap, len);
}

static int dec_sreq(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_set_info_req_decode(b, n, o);
}

static int enc_sreq(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_set_info_req_encode(o, b, cap, len);
}

static int dec_srsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_set_info_rsp_decode(b, n, o);
}

static int enc_srsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_set_info_rsp_encode(o, b, cap, len);
}

/* One adapter pair per information class. */
#define FSCC_CODEC(name, info_class)                                                        \
    static int dec_##name(const uint8_t *b, size_t n, void *o)                              \
    {                                                                                       \
        return rsvd_fscc_file_info_decode(info_class, b, n, o);                             \
    }                                                                                       \
    static int enc_##name(const void *o, uint8_t *b, size_t cap, size_t *len)               \
    {                                                                                       \
        return rsvd_fscc_file_info_encode(info_class, o, b, cap, len);                      \
    }
FSCC_CODEC(standard, RSVD_FILE_STANDARD_INFORMATION)
FSCC_CODEC(network_open, RSVD_FILE_NETWORK_OPEN_INFORMATION)
FSCC_CODEC(end_of_file, RSVD_FILE_END_OF_FILE_INFORMATION)

/* Every information class decoder on (p, n). */
static void fscc_round_trips(const uint8_t *p, size_t n)
{
    fuzz_round_trip(p, n, dec_standard, enc_standard, sizeof(rsvd_fscc_file_info));
    fuzz_round_trip(p, n, dec_network_open, enc_network_open, sizeof(rsvd_fscc_file_info));
    fuzz_round_trip(p, n, dec_end_of_file, enc_end_of_file, sizeof(rsvd_fscc_file_info));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_qreq, enc_qreq, sizeof(rsvd_smb2_query_info_req));
    fuzz_round_trip(data, size, dec_qrsp, enc_qrsp, sizeof(rsvd_smb2_query_info_rsp));
    fuzz_round_trip(data, size, dec_sreq, enc_sreq, sizeof(rsvd_smb2_set_info_req));
    fuzz_round_trip(data, size, dec_srsp, enc_srsp, sizeof(rsvd_smb2_set_info_rsp));
    fscc_round_trips(data, size);
    /* The buffers the messages carry, as a backend or a client reads them. */
    rsvd_smb2_query_info_rsp qrsp;
    if (rsvd_smb2_query_info_rsp_decode(data, size, &qrsp) == 0)
        fscc_round_trips(qrsp.output, qrsp.output_buffer_length);
    rsvd_smb2_set_info_req sreq;
    if (rsvd_smb2_set_info_req_decode(data, size, &sreq) == 0)
        fscc_round_trips(sreq.buffer, sreq.buffer_length);
    return 0;
}
