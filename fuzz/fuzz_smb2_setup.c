/*
 * Fuzz harness: the integrator template's codecs of the messages a client
 * exchanges before its first open - NEGOTIATE, SESSION_SETUP, LOGOFF,
 * TREE_CONNECT, TREE_DISCONNECT ([MS-SMB2] 2.2.3 - 2.2.12;
 * examples/common/smb2_setup_negotiate.c, smb2_setup_session.c, smb2_setup_tree.c).
 *
 * The input goes to every response decoder. A decoder that accepts it must
 * have read each field from the offset the spec gives (checked against the
 * input's own bytes) and its security-buffer view must lie inside the
 * input. Then the first bytes of the input parameterise each request
 * encoder, whose output must carry the fields at the spec's offsets.
 */
#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "fuzz_common.h"
#include "smb2_setup_negotiate.h"
#include "smb2_setup_session.h"
#include "smb2_setup_tree.h"

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool inside(const uint8_t *data, size_t size, const uint8_t *view, size_t len)
{
    return len == 0 || (view >= data && (size_t)(view - data) <= size &&
                        len <= size - (size_t)(view - data));
}

static void decoders(const uint8_t *d, size_t n)
{
    smb2_negotiate_rsp nr;
    if (smb2_negotiate_rsp_decode(d, n, &nr) == RSVD_OK) {
        FUZZ_CHECK(n >= 128 && le16(d + 64) == 65 && nr.hdr.command == RSVD_SMB2_NEGOTIATE);
        FUZZ_CHECK(nr.security_mode == le16(d + 66) && nr.dialect == le16(d + 68));
        FUZZ_CHECK(memcmp(nr.server_guid.b, d + 72, 16) == 0);
        FUZZ_CHECK(nr.capabilities == le32(d + 88) && nr.max_transact_size == le32(d + 92));
        FUZZ_CHECK(nr.max_read_size == le32(d + 96) && nr.max_write_size == le32(d + 100));
        FUZZ_CHECK(nr.system_time == le64(d + 104) && nr.server_start_time == le64(d + 112));
        FUZZ_CHECK(nr.security_buffer_length == le16(d + 122));
        FUZZ_CHECK(nr.security_buffer_length == 0 ||
                   nr.security_buffer == d + le16(d + 120));
        FUZZ_CHECK(inside(d, n, nr.security_buffer, nr.security_buffer_length));
    }
    smb2_session_setup_rsp sr;
    if (smb2_session_setup_rsp_decode(d, n, &sr) == RSVD_OK) {
        FUZZ_CHECK(n >= 72 && le16(d + 64) == 9 && sr.hdr.command == RSVD_SMB2_SESSION_SETUP);
        FUZZ_CHECK(sr.session_flags == le16(d + 66));
        FUZZ_CHECK(sr.security_buffer_length == le16(d + 70));
        FUZZ_CHECK(sr.security_buffer_length == 0 || sr.security_buffer == d + le16(d + 68));
        FUZZ_CHECK(inside(d, n, sr.security_buffer, sr.security_buffer_length));
    }
    smb2_tree_connect_rsp tr;
    if (smb2_tree_connect_rsp_decode(d, n, &tr) == RSVD_OK) {
        FUZZ_CHECK(n >= 80 && le16(d + 64) == 16 && tr.hdr.command == RSVD_SMB2_TREE_CONNECT);
        FUZZ_CHECK(tr.share_type == d[66] && tr.share_flags == le32(d + 68));
        FUZZ_CHECK(tr.capabilities == le32(d + 72) && tr.maximal_access == le32(d + 76));
    }
    rsvd_smb2_hdr h;
    if (smb2_logoff_rsp_decode(d, n, &h) == RSVD_OK)
        FUZZ_CHECK(n >= 68 && le16(d + 64) == 4 && h.command == RSVD_SMB2_LOGOFF);
    if (smb2_tree_disconnect_rsp_decode(d, n, &h) == RSVD_OK)
        FUZZ_CHECK(n >= 68 && le16(d + 64) == 4 && h.command == RSVD_SMB2_TREE_DISCONNECT);
}

static void encoders(const uint8_t *d, size_t n)
{
    uint8_t p[32] = {0};
    memcpy(p, d, n < sizeof p ? n : sizeof p);
    static uint8_t out[1024];
    size_t len = 0;
    rsvd_smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.message_id = le64(p);
    h.session_id = le64(p + 8);

    smb2_negotiate_req nq;
    memset(&nq, 0, sizeof nq);
    nq.security_mode = le16(p + 16);
    nq.capabilities = le32(p + 18);
    memcpy(nq.client_guid.b, p + 8, 16);
    nq.dialect_count = (uint16_t)(p[22] % (SMB2_NEGOTIATE_DIALECTS_MAX + 2u));
    for (uint16_t i = 0; i < SMB2_NEGOTIATE_DIALECTS_MAX; i++)
        nq.dialects[i] = (uint16_t)(0x0200u + p[23 + i % 8]);
    bool valid = nq.dialect_count >= 1 && nq.dialect_count <= SMB2_NEGOTIATE_DIALECTS_MAX;
    for (uint16_t i = 0; valid && i < nq.dialect_count; i++)
        valid = nq.dialects[i] <= RSVD_SMB2_DIALECT_302;
    int rc = smb2_negotiate_req_encode(&h, &nq, out, sizeof out, &len);
    FUZZ_CHECK((rc == RSVD_OK) == valid);
    if (rc == RSVD_OK) {
        FUZZ_CHECK(len == 64u + 36u + 2u * nq.dialect_count);
        FUZZ_CHECK(le16(out + 12) == RSVD_SMB2_NEGOTIATE && le16(out + 64) == 36);
        FUZZ_CHECK(le16(out + 66) == nq.dialect_count && le32(out + 72) == nq.capabilities);
        FUZZ_CHECK(memcmp(out + 76, nq.client_guid.b, 16) == 0);
        for (uint16_t i = 0; i < nq.dialect_count; i++)
            FUZZ_CHECK(le16(out + 100 + 2u * i) == nq.dialects[i]);
    }

    smb2_session_setup_req sq;
    memset(&sq, 0, sizeof sq);
    sq.previous_session_id = le64(p + 16);
    sq.security_buffer = d;
    sq.security_buffer_length = (uint16_t)(n < 600 ? n : 600);
    rc = smb2_session_setup_req_encode(&h, &sq, out, sizeof out, &len);
    FUZZ_CHECK(rc == RSVD_OK);
    FUZZ_CHECK(le16(out + 64) == 25 && le16(out + 76) == 88);
    FUZZ_CHECK(le16(out + 78) == sq.security_buffer_length && le64(out + 80) == sq.previous_session_id);
    FUZZ_CHECK(len == 88u + (sq.security_buffer_length ? sq.security_buffer_length : 1u));
    FUZZ_CHECK(sq.security_buffer_length == 0 || memcmp(out + 88, d, sq.security_buffer_length) == 0);

    size_t plen = n < 500 ? n : 500;
    rc = smb2_tree_connect_req_encode(&h, d, plen, out, sizeof out, &len);
    FUZZ_CHECK((rc == RSVD_OK) == (plen > 0 && !(plen & 1u)));
    if (rc == RSVD_OK)
        FUZZ_CHECK(len == 72u + plen && le16(out + 68) == 72 && le16(out + 70) == plen &&
                   le32(out + 36) == 0);

    FUZZ_CHECK(smb2_logoff_req_encode(&h, out, sizeof out, &len) == RSVD_OK && len == 68 &&
               le16(out + 12) == RSVD_SMB2_LOGOFF && le16(out + 64) == 4);
    FUZZ_CHECK(smb2_tree_disconnect_req_encode(&h, out, sizeof out, &len) == RSVD_OK &&
               len == 68 && le16(out + 64) == 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    decoders(data, size);
    encoders(data, size);
    return 0;
}
