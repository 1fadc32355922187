/*
 * rsvd-target: a look at NTLMSSP messages ([MS-NLMP] 2.2.1) before they go
 * to GSSAPI. Authentication itself is gss-ntlmssp's (auth.c); this only
 * reads what the server must decide first: the message type, whether an
 * AUTHENTICATE message is anonymous, and its user and domain names (a user
 * the user file does not know logs in as guest when guests are allowed).
 */
#ifndef RSVD_TARGET_NTLMSSP_MSG_H
#define RSVD_TARGET_NTLMSSP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TGT_NTLMSSP_NEGOTIATE 1u
#define TGT_NTLMSSP_CHALLENGE 2u
#define TGT_NTLMSSP_AUTHENTICATE 3u
/* NegotiateFlags bits used here. */
#define TGT_NTLMSSP_NEGOTIATE_UNICODE 0x00000001u
#define TGT_NTLMSSP_NEGOTIATE_VERSION 0x02000000u
/* Size of a NEGOTIATE message with its Version field ([MS-NLMP] 2.2.1.1). */
#define TGT_NTLMSSP_NEGOTIATE_SIZE 40u
/* Longest user or domain name kept, in bytes of UTF-8. */
#define TGT_NTLMSSP_NAME_MAX 256u

/** @return the MessageType of an NTLMSSP message (1, 2 or 3), or 0 if the
 * bytes do not start with the "NTLMSSP\0" signature and a type. */
uint32_t tgt_ntlmssp_type(const uint8_t *buf, size_t len);

/** What the server reads from an AUTHENTICATE message ([MS-NLMP] 2.2.1.3). */
typedef struct tgt_ntlmssp_auth_info {
    uint32_t flags;
    /* [MS-NLMP] 3.2.5.1.2: no user name, and no NT response and an LM
     * response that is empty or one zero byte. */
    bool anonymous;
    char user[TGT_NTLMSSP_NAME_MAX];   /* UTF-8 (or OEM bytes as they are) */
    char domain[TGT_NTLMSSP_NAME_MAX];
} tgt_ntlmssp_auth_info;

/** Decodes the fields of an AUTHENTICATE message the server needs. Every
 * (Len, MaxLen, Offset) field must lie inside the message.
 * @return 0, or -1 if it is not a well-formed AUTHENTICATE message. */
int tgt_ntlmssp_auth_info_decode(const uint8_t *buf, size_t len, tgt_ntlmssp_auth_info *out);

/**
 * A NEGOTIATE message without the Version field (32 bytes, as some clients
 * send it; gss-ntlmssp refuses it) is given the 8 zero bytes of Version and
 * its flags lose NTLMSSP_NEGOTIATE_VERSION: the payload-free message is then
 * the 40-byte form. Other messages are copied as they are.
 * @return 0 (*out_len set) or -1 (does not fit in @p cap).
 */
int tgt_ntlmssp_negotiate_normalize(const uint8_t *buf, size_t len, uint8_t *out, size_t cap,
                                    size_t *out_len);

#endif /* RSVD_TARGET_NTLMSSP_MSG_H */
