/*
 * Fuzz harness: rsvd-target's NEGOTIATE family ([MS-SMB2] 2.2.3, 2.2.4,
 * 2.2.31.4, 2.2.32.6; the SMB1 NEGOTIATE of [MS-SMB] 2.2.4.52.1).
 */
#include "smb2_negotiate.h"

#include "fuzz_common.h"

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return tgt_negotiate_req_decode(b, n, o);
}

static int enc_req(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_negotiate_req_encode(o, b, cap, len);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return tgt_negotiate_rsp_decode(b, n, o);
}

static int enc_rsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_negotiate_rsp_encode(o, b, cap, len);
}

static int dec_vreq(const uint8_t *b, size_t n, void *o)
{
    return tgt_validate_negotiate_req_decode(b, n, o);
}

static int enc_vreq(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_validate_negotiate_req_encode(o, b, cap, len);
}

static int dec_vrsp(const uint8_t *b, size_t n, void *o)
{
    return tgt_validate_negotiate_rsp_decode(b, n, o);
}

static int enc_vrsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_validate_negotiate_rsp_encode(o, b, cap, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_req, enc_req, sizeof(tgt_negotiate_req));
    fuzz_round_trip(data, size, dec_rsp, enc_rsp, sizeof(tgt_negotiate_rsp));
    fuzz_round_trip(data, size, dec_vreq, enc_vreq, sizeof(tgt_validate_negotiate_req));
    fuzz_round_trip(data, size, dec_vrsp, enc_vrsp, sizeof(tgt_validate_negotiate_rsp));
    /* Every dialect a decoded request names is readable. */
    tgt_negotiate_req q;
    if (tgt_negotiate_req_decode(data, size, &q) == RSVD_OK)
        for (uint32_t i = 0; i <= q.dialect_count; i++)
            (void)tgt_negotiate_req_dialect(&q, (uint16_t)i);
    tgt_validate_negotiate_req v;
    if (tgt_validate_negotiate_req_decode(data, size, &v) == RSVD_OK)
        for (uint32_t i = 0; i <= v.dialect_count; i++)
            (void)tgt_validate_negotiate_req_dialect(&v, (uint16_t)i);
    tgt_smb1_negotiate s;
    if (tgt_smb1_negotiate_decode(data, size, &s) == RSVD_OK)
        FUZZ_CHECK(s.dialect_strings > 0 || (!s.smb2_wildcard && !s.smb2_002));
    return 0;
}
