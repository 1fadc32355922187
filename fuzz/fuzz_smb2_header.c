/*
 * Fuzz harness: SMB2 header ([MS-SMB2] 2.2.1) and ERROR response (2.2.2).
 */
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "fuzz_common.h"

static int dec_hdr(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_hdr_decode(b, n, o);
}

static int enc_hdr(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    *len = RSVD_SMB2_HEADER_SIZE;
    return rsvd_smb2_hdr_encode(o, b, cap);
}

static int dec_err(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_error_decode(b, n, o);
}

static int enc_err(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_error_encode(o, b, cap, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_hdr, enc_hdr, sizeof(rsvd_smb2_hdr));
    fuzz_round_trip(data, size, dec_err, enc_err, sizeof(rsvd_smb2_error));

    /* An error response built from any decodable request header decodes. */
    rsvd_smb2_hdr h;
    if (rsvd_smb2_hdr_decode(data, size, &h) == RSVD_OK) {
        uint8_t out[128];
        size_t n = 0;
        FUZZ_CHECK(rsvd_smb2_error_response_build(&h, RSVD_STATUS_INVALID_PARAMETER, 1, out,
                                                  sizeof out, &n) == RSVD_OK);
        rsvd_smb2_hdr rh;
        FUZZ_CHECK(rsvd_smb2_hdr_decode(out, n, &rh) == RSVD_OK);
        FUZZ_CHECK(rh.status == RSVD_STATUS_INVALID_PARAMETER && rsvd_smb2_hdr_is_response(&rh));
    }
    return 0;
}
