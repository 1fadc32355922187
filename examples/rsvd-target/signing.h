/*
 * rsvd-target: SMB2 message signing ([MS-SMB2] 3.1.4.1, 3.3.4.1.1,
 * 3.3.5.2.4) and the SMB 3.0 key derivation ([MS-SMB2] 3.1.4.2, NIST
 * SP800-108 in counter mode with HMAC-SHA256), all through nettle.
 */
#ifndef RSVD_TARGET_SIGNING_H
#define RSVD_TARGET_SIGNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TGT_KEY_SIZE 16u
#define TGT_SIGNATURE_OFFSET 48u
#define TGT_SIGNATURE_SIZE 16u

/**
 * SP800-108 KDF in counter mode, PRF HMAC-SHA256, r = 32, L = 128
 * ([MS-SMB2] 3.1.4.2): K1 = HMAC(Ki, [1]BE32 || Label || 0x00 || Context ||
 * [128]BE32), the first 16 bytes.
 */
void tgt_kdf_sp800_108(const uint8_t ki[TGT_KEY_SIZE], const uint8_t *label, size_t label_len,
                       const uint8_t *context, size_t context_len, uint8_t out[TGT_KEY_SIZE]);

/** AES-128-CMAC ([RFC 4493]) of @p len bytes. */
void tgt_aes_cmac(const uint8_t key[TGT_KEY_SIZE], const uint8_t *data, size_t len,
                  uint8_t mac[TGT_SIGNATURE_SIZE]);

/** The SMB 3.0.x Session.SigningKey: KDF(SessionKey, "SMB2AESCMAC\0",
 * "SmbSign\0") ([MS-SMB2] 3.3.5.5.3). */
void tgt_signing_key_30(const uint8_t session_key[TGT_KEY_SIZE], uint8_t out[TGT_KEY_SIZE]);

/** How a dialect signs: HMAC-SHA256 (2.0.2, 2.1) or AES-128-CMAC (3.x). */
typedef enum tgt_sign_algo {
    TGT_SIGN_HMAC_SHA256 = 1,
    TGT_SIGN_AES_CMAC = 2
} tgt_sign_algo;

/** Computes the signature of @p msg (@p len bytes from its SMB2 header;
 * the Signature field is taken as zero) into @p sig. */
void tgt_sign_compute(tgt_sign_algo algo, const uint8_t key[TGT_KEY_SIZE], const uint8_t *msg,
                      size_t len, uint8_t sig[TGT_SIGNATURE_SIZE]);

/** Sets SMB2_FLAGS_SIGNED and writes the signature into @p msg
 * ([MS-SMB2] 3.1.4.1). @p len must be at least 64. */
void tgt_sign_message(tgt_sign_algo algo, const uint8_t key[TGT_KEY_SIZE], uint8_t *msg,
                      size_t len);

/** @return true if the Signature of @p msg is the one @p key gives
 * ([MS-SMB2] 3.3.5.2.4), compared in constant time. */
bool tgt_sign_verify(tgt_sign_algo algo, const uint8_t key[TGT_KEY_SIZE], const uint8_t *msg,
                     size_t len);

#endif /* RSVD_TARGET_SIGNING_H */
