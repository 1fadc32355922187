/*
 * Fuzz harness: SMB2 QUERY_INFO and SET_INFO requests and responses
 * ([MS-SMB2] 2.2.37 - 2.2.40).
 */
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "fuzz_common.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_qreq, enc_qreq, sizeof(rsvd_smb2_query_info_req));
    fuzz_round_trip(data, size, dec_qrsp, enc_qrsp, sizeof(rsvd_smb2_query_info_rsp));
    fuzz_round_trip(data, size, dec_sreq, enc_sreq, sizeof(rsvd_smb2_set_info_req));
    fuzz_round_trip(data, size, dec_srsp, enc_srsp, sizeof(rsvd_smb2_set_info_rsp));
    return 0;
}
