/*
 * Fuzz harness: rsvd-target's SESSION_SETUP family - the request and
 * response ([MS-SMB2] 2.2.5, 2.2.6), the SPNEGO tokens in their security
 * buffers ([RFC 4178] 4.2) and the NTLMSSP messages inside ([MS-NLMP]
 * 2.2.1), each as the server reads them.
 */
#include <string.h>

#include "ntlmssp_msg.h"
#include "smb2_session.h"
#include "spnego.h"

#include "fuzz_common.h"

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return tgt_session_setup_req_decode(b, n, o);
}

static int enc_req(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_session_setup_req_encode(o, b, cap, len);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return tgt_session_setup_rsp_decode(b, n, o);
}

static int enc_rsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_session_setup_rsp_encode(o, b, cap, len);
}

static int dec_spnego(const uint8_t *b, size_t n, void *o)
{
    return tgt_spnego_decode(b, n, o);
}

static int enc_spnego(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_spnego_encode(o, b, cap, len);
}

/* What the server does with an NTLMSSP token. */
static void ntlmssp(const uint8_t *tok, size_t len)
{
    static uint8_t padded[FUZZ_MAX_MSG + 8];
    size_t n = 0;
    uint32_t type = tgt_ntlmssp_type(tok, len);
    FUZZ_CHECK(type <= 3);
    if (tgt_ntlmssp_negotiate_normalize(tok, len, padded, sizeof padded, &n) == 0)
        FUZZ_CHECK(n == len || n == len + 8);
    tgt_ntlmssp_auth_info info;
    if (tgt_ntlmssp_auth_info_decode(tok, len, &info) == 0) {
        FUZZ_CHECK(type == 3);
        FUZZ_CHECK(memchr(info.user, 0, sizeof info.user) != NULL);
        FUZZ_CHECK(memchr(info.domain, 0, sizeof info.domain) != NULL);
        FUZZ_CHECK(!info.anonymous || info.user[0] == 0);
    }
}

/* A security buffer: SPNEGO, or NTLMSSP without it. */
static void security_buffer(const uint8_t *b, size_t n)
{
    fuzz_round_trip(b, n, dec_spnego, enc_spnego, sizeof(tgt_spnego));
    tgt_spnego t;
    if (tgt_spnego_decode(b, n, &t) == 0) {
        FUZZ_CHECK(t.kind == TGT_SPNEGO_INIT || t.kind == TGT_SPNEGO_RESP);
        FUZZ_CHECK(t.kind != TGT_SPNEGO_INIT || t.mech_count > 0);
        if (t.token)
            ntlmssp(t.token, t.token_len);
    }
    ntlmssp(b, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_req, enc_req, sizeof(tgt_session_setup_req));
    fuzz_round_trip(data, size, dec_rsp, enc_rsp, sizeof(tgt_session_setup_rsp));
    tgt_session_setup_req q;
    if (tgt_session_setup_req_decode(data, size, &q) == RSVD_OK)
        security_buffer(q.security_buffer, q.security_buffer_length);
    else
        security_buffer(data, size);
    return 0;
}
