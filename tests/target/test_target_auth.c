/*
 * rsvd-target's SPNEGO codec ([RFC 4178] 4.2) and its look at NTLMSSP
 * messages ([MS-NLMP] 2.2.1), against the golden vectors of family
 * target_session and tokens built here by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "golden.h"
#include "ntlmssp_msg.h"
#include "smb2_session.h"
#include "spnego.h"

static uint8_t vec[4096];
static uint8_t out[4096];

static size_t golden(const char *name)
{
    const tu_golden *g = tu_golden_find(name);
    assert_non_null(g);
    size_t n = tu_golden_parse(g, vec, sizeof vec);
    assert_true(n != (size_t)-1);
    return n;
}

static void neg_token_init_with_an_ntlmssp_negotiate(void **state)
{
    (void)state;
    size_t n = golden("target_session_setup_request");
    tgt_session_setup_req q;
    assert_int_equal(tgt_session_setup_req_decode(vec, n, &q), RSVD_OK);
    tgt_spnego t;
    assert_int_equal(tgt_spnego_decode(q.security_buffer, q.security_buffer_length, &t), 0);
    assert_int_equal(t.kind, TGT_SPNEGO_INIT);
    assert_int_equal(t.mech_count, 1);
    assert_int_equal(t.ntlmssp_index, 0);
    assert_memory_equal(t.mech_types, tgt_spnego_ntlmssp_mech_list, t.mech_types_len);
    assert_int_equal(t.token_len, 40);
    assert_int_equal(tgt_ntlmssp_type(t.token, t.token_len), TGT_NTLMSSP_NEGOTIATE);
    /* Encoding the decoded token gives its bytes back. */
    size_t len = 0;
    assert_int_equal(tgt_spnego_encode(&t, out, sizeof out, &len), 0);
    assert_int_equal(len, q.security_buffer_length);
    assert_memory_equal(out, q.security_buffer, len);
}

static void neg_token_resp_accept_completed(void **state)
{
    (void)state;
    size_t n = golden("target_session_setup_response");
    tgt_session_setup_rsp r;
    assert_int_equal(tgt_session_setup_rsp_decode(vec, n, &r), RSVD_OK);
    tgt_spnego t;
    assert_int_equal(tgt_spnego_decode(r.security_buffer, r.security_buffer_length, &t), 0);
    assert_int_equal(t.kind, TGT_SPNEGO_RESP);
    assert_int_equal(t.neg_state, TGT_NEG_ACCEPT_COMPLETED);
    assert_null(t.token);
    assert_null(t.supported_mech);
}

static void ntlmssp_offered_second_and_bad_der_refused(void **state)
{
    (void)state;
    /* mechTypes {Kerberos 1.2.840.113554.1.2.2, NTLMSSP}, no token. */
    static const uint8_t init[] = {
        0x60, 0x27, 0x06, 0x06, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x02, 0xA0, 0x1D, 0x30, 0x1B,
        0xA0, 0x19, 0x30, 0x17, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x12, 0x01, 0x02,
        0x02, 0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0A};
    tgt_spnego t;
    assert_int_equal(tgt_spnego_decode(init, sizeof init, &t), 0);
    assert_int_equal(t.mech_count, 2);
    assert_int_equal(t.ntlmssp_index, 1);
    assert_null(t.token);
    uint8_t bad[sizeof init];
    memcpy(bad, init, sizeof init);
    bad[1] = 0x80; /* an indefinite length: not DER */
    assert_int_equal(tgt_spnego_decode(bad, sizeof bad, &t), -1);
    memcpy(bad, init, sizeof init);
    bad[13] = 0x30; /* the SEQUENCE claims more than its parent holds */
    assert_int_equal(tgt_spnego_decode(bad, sizeof bad, &t), -1);
    assert_int_equal(tgt_spnego_decode(init, sizeof init - 1, &t), -1);
    /* Trailing bytes after the token. */
    uint8_t longer[sizeof init + 1];
    memcpy(longer, init, sizeof init);
    longer[sizeof init] = 0;
    assert_int_equal(tgt_spnego_decode(longer, sizeof longer, &t), -1);
}

static void encoder_builds_a_neg_token_resp(void **state)
{
    (void)state;
    static const uint8_t tok[] = {1, 2, 3};
    static const uint8_t mic[] = {9, 9};
    tgt_spnego t;
    memset(&t, 0, sizeof t);
    t.kind = TGT_SPNEGO_RESP;
    t.neg_state = TGT_NEG_ACCEPT_INCOMPLETE;
    t.supported_mech = (const uint8_t *)TGT_OID_NTLMSSP_DER;
    t.supported_mech_len = TGT_OID_NTLMSSP_DER_LEN;
    t.token = tok;
    t.token_len = sizeof tok;
    t.mic = mic;
    t.mic_len = sizeof mic;
    size_t len = 0;
    assert_int_equal(tgt_spnego_encode(&t, out, sizeof out, &len), 0);
    /* [RFC 4178] 4.2.2 in DER: [1] SEQUENCE { [0] ENUMERATED 1, [1] OID,
     * [2] OCTET STRING, [3] OCTET STRING }. */
    static const uint8_t want[] = {0xA1, 0x22, 0x30, 0x20, 0xA0, 0x03, 0x0A, 0x01, 0x01, 0xA1,
                                   0x0C, 0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37,
                                   0x02, 0x02, 0x0A, 0xA2, 0x05, 0x04, 0x03, 0x01, 0x02, 0x03,
                                   0xA3, 0x04, 0x04, 0x02, 0x09, 0x09};
    assert_int_equal(len, sizeof want);
    assert_memory_equal(out, want, sizeof want);
    assert_int_equal(tgt_spnego_encode(&t, out, len - 1, &len), -1);
}

static void authenticate_messages_anonymous_and_named(void **state)
{
    (void)state;
    size_t n = golden("target_spnego_authenticate_anonymous");
    tgt_spnego t;
    assert_int_equal(tgt_spnego_decode(vec, n, &t), 0);
    tgt_ntlmssp_auth_info info;
    assert_int_equal(tgt_ntlmssp_auth_info_decode(t.token, t.token_len, &info), 0);
    assert_true(info.anonymous); /* [MS-NLMP] 3.2.5.1.2 */
    assert_string_equal(info.user, "");

    n = golden("target_spnego_authenticate_alice");
    assert_int_equal(tgt_spnego_decode(vec, n, &t), 0);
    assert_int_equal(tgt_ntlmssp_auth_info_decode(t.token, t.token_len, &info), 0);
    assert_false(info.anonymous);
    assert_string_equal(info.user, "alice");
    assert_string_equal(info.domain, "TESTDOM");
    /* A field that runs past the message. */
    assert_int_equal(tgt_ntlmssp_auth_info_decode(t.token, t.token_len - 1, &info), -1);
    /* Not an AUTHENTICATE message. */
    assert_int_equal(tgt_ntlmssp_auth_info_decode(vec, n, &info), -1);
}

static void negotiate_without_version_is_padded(void **state)
{
    (void)state;
    /* The 32-byte form: Signature, MessageType 1, NegotiateFlags with
     * NTLMSSP_NEGOTIATE_VERSION, two empty fields. */
    uint8_t neg[32] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 0x05, 0x02, 0x88, 0xA2};
    size_t len = 0;
    assert_int_equal(tgt_ntlmssp_negotiate_normalize(neg, sizeof neg, out, sizeof out, &len), 0);
    assert_int_equal(len, TGT_NTLMSSP_NEGOTIATE_SIZE);
    assert_memory_equal(out, neg, 12);
    assert_int_equal(out[15], 0xA0); /* NTLMSSP_NEGOTIATE_VERSION cleared */
    static const uint8_t zeros[8];
    assert_memory_equal(out + 32, zeros, 8);
    /* The 40-byte form is copied as it is. */
    size_t n = golden("target_session_setup_request");
    const uint8_t *tok = vec + n - 40;
    assert_int_equal(tgt_ntlmssp_negotiate_normalize(tok, 40, out, sizeof out, &len), 0);
    assert_int_equal(len, 40);
    assert_memory_equal(out, tok, 40);
    assert_int_equal(tgt_ntlmssp_negotiate_normalize(neg, sizeof neg, out, 39, &len), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(neg_token_init_with_an_ntlmssp_negotiate),
        cmocka_unit_test(neg_token_resp_accept_completed),
        cmocka_unit_test(ntlmssp_offered_second_and_bad_der_refused),
        cmocka_unit_test(encoder_builds_a_neg_token_resp),
        cmocka_unit_test(authenticate_messages_anonymous_and_named),
        cmocka_unit_test(negotiate_without_version_is_padded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
