/*
 * Fuzz harness: SMB2 CLOSE request and response ([MS-SMB2] 2.2.15, 2.2.16).
 */
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "fuzz_common.h"

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_close_req_decode(b, n, o);
}

static int enc_req(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_close_req_encode(o, b, cap, len);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_close_rsp_decode(b, n, o);
}

static int enc_rsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_close_rsp_encode(o, b, cap, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_req, enc_req, sizeof(rsvd_smb2_close_req));
    fuzz_round_trip(data, size, dec_rsp, enc_rsp, sizeof(rsvd_smb2_close_rsp));
    return 0;
}
