/*
 * Fuzz harness: SMB2 READ and WRITE requests and responses ([MS-SMB2] 2.2.19
 * - 2.2.22).
 */
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "fuzz_common.h"

static int dec_rreq(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_read_req_decode(b, n, o);
}

static int enc_rreq(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_read_req_encode(o, b, cap, len);
}

static int dec_rrsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_read_rsp_decode(b, n, o);
}

static int enc_rrsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_read_rsp_encode(o, b, cap, len);
}

static int dec_wreq(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_write_req_decode(b, n, o);
}

/* The one layout the WRITE encoder cannot express: more than 65416 bytes of
 * channel info before the data (DataOffset is 16 bits). */
static bool write_req_unencodable(const rsvd_smb2_write_req *w)
{
    return w->length != 0 && w->write_channel_info_length != 0 &&
           rsvd_wire_align8(RSVD_SMB2_WRITE_REQ_BUFFER_OFFSET +
                            (uint64_t)w->write_channel_info_length) > UINT16_MAX;
}

static int enc_wreq(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    int rc = rsvd_smb2_write_req_encode(o, b, cap, len);
    if (rc == RSVD_E_INVAL) {
        FUZZ_CHECK(write_req_unencodable(o));
        /* Encode it without its data instead: the invariant still applies. */
        rsvd_smb2_write_req w = *(const rsvd_smb2_write_req *)o;
        w.length = 0;
        w.data = NULL;
        rc = rsvd_smb2_write_req_encode(&w, b, cap, len);
    }
    return rc;
}

static int dec_wrsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_write_rsp_decode(b, n, o);
}

static int enc_wrsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_write_rsp_encode(o, b, cap, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_rreq, enc_rreq, sizeof(rsvd_smb2_read_req));
    fuzz_round_trip(data, size, dec_rrsp, enc_rrsp, sizeof(rsvd_smb2_read_rsp));
    fuzz_round_trip(data, size, dec_wreq, enc_wreq, sizeof(rsvd_smb2_write_req));
    fuzz_round_trip(data, size, dec_wrsp, enc_wrsp, sizeof(rsvd_smb2_write_rsp));

    /* The head encoders write what the full encoders write before the data. */
    static uint8_t full[FUZZ_MAX_MSG];
    uint8_t head[RSVD_SMB2_WRITE_REQ_BUFFER_OFFSET];
    size_t n = 0;
    rsvd_smb2_read_rsp rr;
    if (rsvd_smb2_read_rsp_decode(data, size, &rr) == RSVD_OK && rr.data_length != 0) {
        FUZZ_CHECK(rsvd_smb2_read_rsp_encode(&rr, full, sizeof full, &n) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_read_rsp_encode_head(&rr, head, sizeof head) == RSVD_OK);
        FUZZ_CHECK(memcmp(head, full, RSVD_SMB2_READ_RSP_BUFFER_OFFSET) == 0);
    }
    rsvd_smb2_write_req wr;
    if (rsvd_smb2_write_req_decode(data, size, &wr) == RSVD_OK && wr.length != 0 &&
        wr.write_channel_info_length == 0) {
        FUZZ_CHECK(rsvd_smb2_write_req_encode(&wr, full, sizeof full, &n) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_write_req_encode_head(&wr, head, sizeof head) == RSVD_OK);
        FUZZ_CHECK(memcmp(head, full, sizeof head) == 0);
    }
    return 0;
}
