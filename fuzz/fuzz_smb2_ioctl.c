/*
 * Fuzz harness: SMB2 IOCTL request and response ([MS-SMB2] 2.2.31, 2.2.32),
 * NETWORK_RESILIENCY_REQUEST (2.2.31.3) and the FSCTL_LMR_REQUEST_RESILIENCY
 * helpers (3.2.4.20.8, 3.3.5.15.9).
 */
#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "fuzz_common.h"

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_ioctl_req_decode(b, n, o);
}

static int enc_req(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_ioctl_req_encode(o, b, cap, len);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_ioctl_rsp_decode(b, n, o);
}

static int enc_rsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_ioctl_rsp_encode(o, b, cap, len);
}

static int dec_nrr(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_network_resiliency_req_decode(b, n, o);
}

static int enc_nrr(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_network_resiliency_req_encode(o, b, cap, len);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_req, enc_req, sizeof(rsvd_smb2_ioctl_req));
    fuzz_round_trip(data, size, dec_rsp, enc_rsp, sizeof(rsvd_smb2_ioctl_rsp));
    fuzz_round_trip(data, size, dec_nrr, enc_nrr, sizeof(rsvd_smb2_network_resiliency_req));

    /* The resiliency decoder agrees with the IOCTL decoder, and the server's
     * response built from an accepted request decodes to 3.3.5.15.9's fields. */
    rsvd_smb2_resiliency_req r;
    int rc = rsvd_smb2_resiliency_req_decode(data, size, &r);
    if (rc == RSVD_OK) {
        FUZZ_CHECK(r.ioctl.ctl_code == RSVD_FSCTL_LMR_REQUEST_RESILIENCY);
        FUZZ_CHECK(r.ioctl.input_count >= 8 && r.timeout == le32(r.ioctl.input));
        uint8_t out[RSVD_SMB2_RESILIENCY_RSP_SIZE];
        size_t n = 0;
        FUZZ_CHECK(rsvd_smb2_resiliency_rsp_build(&r.ioctl, 1, out, sizeof out, &n) == RSVD_OK);
        rsvd_smb2_ioctl_rsp p;
        FUZZ_CHECK(n == sizeof out && rsvd_smb2_ioctl_rsp_decode(out, n, &p) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_fileid_equal(&p.file_id, &r.ioctl.file_id));
        FUZZ_CHECK(p.input_offset == 112 && p.input_count == 0 && p.output_offset == 112 &&
                   p.output_count == 0 && p.flags == 0 && p.hdr.status == 0);
        FUZZ_CHECK(p.hdr.message_id == r.ioctl.hdr.message_id && rsvd_smb2_hdr_is_response(&p.hdr));
    } else if (rc == RSVD_E_WIRE_COUNT) {
        FUZZ_CHECK(r.ioctl.input_count < 8);
    }

    /* The request builder's output decodes to what it was given. */
    if (size >= 32) {
        rsvd_smb2_resiliency_req_args a;
        memset(&a, 0, sizeof a);
        a.message_id = (uint64_t)le32(data) << 32 | le32(data + 4);
        a.session_id = le32(data + 8);
        a.tree_id = le32(data + 12);
        a.file_id.persistent_id = le32(data + 16);
        a.file_id.volatile_id = le32(data + 20);
        a.timeout_ms = le32(data + 24);
        a.options = data[28] & 1u;
        a.credit_charge = data[29];
        uint8_t out[RSVD_SMB2_RESILIENCY_REQ_SIZE];
        size_t n = 0;
        FUZZ_CHECK(rsvd_smb2_resiliency_req_build(&a, out, sizeof out, &n) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_resiliency_req_decode(out, n, &r) == RSVD_OK);
        FUZZ_CHECK(r.timeout == a.timeout_ms && r.ioctl.hdr.message_id == a.message_id);
        FUZZ_CHECK(rsvd_smb2_fileid_equal(&r.ioctl.file_id, &a.file_id));
        FUZZ_CHECK(r.ioctl.output_offset == (a.options ? 0u : 128u));
        FUZZ_CHECK(r.ioctl.flags == RSVD_SMB2_0_IOCTL_IS_FSCTL && r.ioctl.input_offset == 0x78);
    }
    return 0;
}
