/*
 * rsvd-target's signing ([MS-SMB2] 3.1.4.1, 3.1.4.2) through nettle:
 * AES-128-CMAC against [RFC 4493]'s examples, the SP800-108 KDF and both
 * signing algorithms against values computed independently (Python's hmac,
 * impacket's AES_CMAC), and verification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "signing.h"

static void hex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void aes_cmac_matches_rfc_4493(void **state)
{
    (void)state;
    uint8_t key[16], msg[64], want[16], mac[16];
    hex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
    hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
        "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", msg, 64);
    /* Example 1: the empty message. */
    hex("bb1d6929e95937287fa37d129b756746", want, 16);
    tgt_aes_cmac(key, msg, 0, mac);
    assert_memory_equal(mac, want, 16);
    /* Example 2: 16 bytes. */
    hex("070a16b46b4d4144f79bdd9dd04a287c", want, 16);
    tgt_aes_cmac(key, msg, 16, mac);
    assert_memory_equal(mac, want, 16);
    /* Example 4: 64 bytes. */
    hex("51f0bebf7e3b9d92fc49741779363cfe", want, 16);
    tgt_aes_cmac(key, msg, 64, mac);
    assert_memory_equal(mac, want, 16);
}

static void signing_key_of_smb_30(void **state)
{
    (void)state;
    /* [MS-SMB2] 3.3.5.5.3: KDF(SessionKey, "SMB2AESCMAC\0", "SmbSign\0"),
     * with [1]BE32 || Label || 0x00 || Context || [128]BE32 as the input of
     * HMAC-SHA256 (3.1.4.2); the expected keys are Python's hmac over the
     * same bytes. */
    uint8_t session_key[16], want[16], got[16];
    hex("7cd451825d0450d235424e44ba6e78cc", session_key, 16);
    hex("0b7e9c5cac36c0f6ea9ab275298cedce", want, 16);
    tgt_signing_key_30(session_key, got);
    assert_memory_equal(got, want, 16);
    for (int i = 0; i < 16; i++)
        session_key[i] = (uint8_t)i;
    hex("6234814cbb8ea9227440ebfeb5eacbe1", want, 16);
    tgt_signing_key_30(session_key, got);
    assert_memory_equal(got, want, 16);
}

/* The message signed below: ProtocolId, 60 bytes 0x00..0x3B, "payload". */
static size_t message(uint8_t *m)
{
    memcpy(m, "\xfeSMB", 4);
    for (int i = 0; i < 60; i++)
        m[4 + i] = (uint8_t)i;
    memcpy(m + 64, "payload", 7);
    return 71;
}

static void both_algorithms_sign_with_the_signature_zeroed(void **state)
{
    (void)state;
    uint8_t key[16], m[80], sig[16], want[16];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    size_t n = message(m);
    /* [MS-SMB2] 3.1.4.1: HMAC-SHA256 (2.x) and AES-128-CMAC (3.x) over the
     * message with a zero Signature; the bytes there do not matter. */
    hex("62e0c0544c0968b719a32afe7ee8ed74", want, 16);
    tgt_sign_compute(TGT_SIGN_HMAC_SHA256, key, m, n, sig);
    assert_memory_equal(sig, want, 16);
    hex("7700f68ede5348d2abfc99cdb4093580", want, 16);
    tgt_sign_compute(TGT_SIGN_AES_CMAC, key, m, n, sig);
    assert_memory_equal(sig, want, 16);
}

static void a_signed_message_verifies_and_a_changed_one_does_not(void **state)
{
    (void)state;
    uint8_t key[16], m[80];
    memset(key, 0x5A, sizeof key);
    size_t n = message(m);
    m[16] = 0; /* Flags: not signed yet */
    tgt_sign_message(TGT_SIGN_AES_CMAC, key, m, n);
    assert_int_equal(m[16] & 0x08, 0x08); /* SMB2_FLAGS_SIGNED, part of what is signed */
    assert_true(tgt_sign_verify(TGT_SIGN_AES_CMAC, key, m, n));
    assert_false(tgt_sign_verify(TGT_SIGN_HMAC_SHA256, key, m, n));
    m[70] ^= 1;
    assert_false(tgt_sign_verify(TGT_SIGN_AES_CMAC, key, m, n));
    m[70] ^= 1;
    key[0] ^= 1;
    assert_false(tgt_sign_verify(TGT_SIGN_AES_CMAC, key, m, n));
    /* Shorter than a header: never valid. */
    assert_false(tgt_sign_verify(TGT_SIGN_AES_CMAC, key, m, 63));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aes_cmac_matches_rfc_4493),
        cmocka_unit_test(signing_key_of_smb_30),
        cmocka_unit_test(both_algorithms_sign_with_the_signature_zeroed),
        cmocka_unit_test(a_signed_message_verifies_and_a_changed_one_does_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
