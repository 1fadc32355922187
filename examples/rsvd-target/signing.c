/*
 * rsvd-target: SMB2 signing and the SP800-108 KDF through nettle (see
 * signing.h).
 */
#include "signing.h"

#include <string.h>

#include <nettle/cmac.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

void tgt_kdf_sp800_108(const uint8_t ki[TGT_KEY_SIZE], const uint8_t *label, size_t label_len,
                       const uint8_t *context, size_t context_len, uint8_t out[TGT_KEY_SIZE])
{
    static const uint8_t counter[4] = {0, 0, 0, 1};   /* i = 1, big-endian */
    static const uint8_t zero = 0;                    /* the separator */
    static const uint8_t length[4] = {0, 0, 0, 128};  /* L = 128 bits */
    struct hmac_sha256_ctx h;
    uint8_t digest[SHA256_DIGEST_SIZE];
    hmac_sha256_set_key(&h, TGT_KEY_SIZE, ki);
    hmac_sha256_update(&h, sizeof counter, counter);
    hmac_sha256_update(&h, label_len, label);
    hmac_sha256_update(&h, 1, &zero);
    hmac_sha256_update(&h, context_len, context);
    hmac_sha256_update(&h, sizeof length, length);
    hmac_sha256_digest(&h, sizeof digest, digest);
    memcpy(out, digest, TGT_KEY_SIZE);
}

void tgt_aes_cmac(const uint8_t key[TGT_KEY_SIZE], const uint8_t *data, size_t len,
                  uint8_t mac[TGT_SIGNATURE_SIZE])
{
    struct cmac_aes128_ctx c;
    cmac_aes128_set_key(&c, key);
    cmac_aes128_update(&c, len, data);
    cmac_aes128_digest(&c, TGT_SIGNATURE_SIZE, mac);
}

void tgt_signing_key_30(const uint8_t session_key[TGT_KEY_SIZE], uint8_t out[TGT_KEY_SIZE])
{
    /* [MS-SMB2] 3.3.5.5.3: "SMB2AESCMAC" and "SmbSign", each with its NUL. */
    static const uint8_t label[] = "SMB2AESCMAC";
    static const uint8_t context[] = "SmbSign";
    tgt_kdf_sp800_108(session_key, label, sizeof label, context, sizeof context, out);
}

void tgt_sign_compute(tgt_sign_algo algo, const uint8_t key[TGT_KEY_SIZE], const uint8_t *msg,
                      size_t len, uint8_t sig[TGT_SIGNATURE_SIZE])
{
    static const uint8_t zeros[TGT_SIGNATURE_SIZE];
    const size_t after = TGT_SIGNATURE_OFFSET + TGT_SIGNATURE_SIZE;
    if (algo == TGT_SIGN_AES_CMAC) {
        /* [MS-SMB2] 3.1.4.1: AES-128-CMAC over the message, Signature 0. */
        struct cmac_aes128_ctx c;
        cmac_aes128_set_key(&c, key);
        cmac_aes128_update(&c, TGT_SIGNATURE_OFFSET, msg);
        cmac_aes128_update(&c, TGT_SIGNATURE_SIZE, zeros);
        cmac_aes128_update(&c, len - after, msg + after);
        cmac_aes128_digest(&c, TGT_SIGNATURE_SIZE, sig);
        return;
    }
    /* 2.0.2 and 2.1: HMAC-SHA256, the first 16 bytes. */
    struct hmac_sha256_ctx h;
    uint8_t digest[SHA256_DIGEST_SIZE];
    hmac_sha256_set_key(&h, TGT_KEY_SIZE, key);
    hmac_sha256_update(&h, TGT_SIGNATURE_OFFSET, msg);
    hmac_sha256_update(&h, TGT_SIGNATURE_SIZE, zeros);
    hmac_sha256_update(&h, len - after, msg + after);
    hmac_sha256_digest(&h, sizeof digest, digest);
    memcpy(sig, digest, TGT_SIGNATURE_SIZE);
}

void tgt_sign_message(tgt_sign_algo algo, const uint8_t key[TGT_KEY_SIZE], uint8_t *msg,
                      size_t len)
{
    if (len < RSVD_SMB2_HEADER_SIZE)
        return;
    /* Flags (offset 16) gains SMB2_FLAGS_SIGNED before the signature is
     * computed: the flag is part of what is signed. */
    msg[16] = (uint8_t)(msg[16] | RSVD_SMB2_FLAGS_SIGNED);
    uint8_t sig[TGT_SIGNATURE_SIZE];
    tgt_sign_compute(algo, key, msg, len, sig);
    memcpy(msg + TGT_SIGNATURE_OFFSET, sig, sizeof sig);
}

bool tgt_sign_verify(tgt_sign_algo algo, const uint8_t key[TGT_KEY_SIZE], const uint8_t *msg,
                     size_t len)
{
    rsvd_rd r;
    rsvd_rd_init(&r, msg, len);
    rsvd_rd_skip(&r, TGT_SIGNATURE_OFFSET);
    uint8_t got[TGT_SIGNATURE_SIZE];
    rsvd_rd_copy(&r, got, sizeof got);
    if (!rsvd_rd_ok(&r) || len < RSVD_SMB2_HEADER_SIZE)
        return false;
    uint8_t sig[TGT_SIGNATURE_SIZE];
    tgt_sign_compute(algo, key, msg, len, sig);
    uint8_t diff = 0;
    for (size_t i = 0; i < sizeof sig; i++)
        diff |= (uint8_t)(sig[i] ^ got[i]);
    return diff == 0;
}
