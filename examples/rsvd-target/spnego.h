/*
 * rsvd-target: SPNEGO tokens ([RFC 4178] 4.2, [MS-SPNG] 2.2) in the DER
 * subset SMB2 clients send: the InitialContextToken wrapping a NegTokenInit,
 * and NegTokenResp. The mechanism token inside is NTLMSSP, which the server
 * hands to GSSAPI (auth.c); SPNEGO itself is this small codec so that the
 * server can see the NTLMSSP messages before GSSAPI does (guest and
 * anonymous logins, ntlmssp_msg.h).
 */
#ifndef RSVD_TARGET_SPNEGO_H
#define RSVD_TARGET_SPNEGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** DER of the SPNEGO OID 1.3.6.1.5.5.2 (tag, length, value). */
#define TGT_OID_SPNEGO_DER "\x06\x06\x2b\x06\x01\x05\x05\x02"
/** DER of the NTLMSSP OID 1.3.6.1.4.1.311.2.2.10. */
#define TGT_OID_NTLMSSP_DER "\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
#define TGT_OID_NTLMSSP_DER_LEN 12u

/** NegTokenResp negState ([RFC 4178] 4.2.2). */
typedef enum tgt_neg_state {
    TGT_NEG_ABSENT = -1,
    TGT_NEG_ACCEPT_COMPLETED = 0,
    TGT_NEG_ACCEPT_INCOMPLETE = 1,
    TGT_NEG_REJECT = 2,
    TGT_NEG_REQUEST_MIC = 3
} tgt_neg_state;

/** Which token. */
typedef enum tgt_spnego_kind {
    TGT_SPNEGO_INIT = 1, /* InitialContextToken with NegTokenInit */
    TGT_SPNEGO_RESP = 2  /* NegTokenResp */
} tgt_spnego_kind;

/** A decoded token; every pointer is a view into the decoded bytes. */
typedef struct tgt_spnego {
    tgt_spnego_kind kind;
    /* INIT: the DER of the MechTypeList (SEQUENCE OF OID), tag included:
     * what mechListMIC is computed over. */
    const uint8_t *mech_types;
    size_t mech_types_len;
    /* INIT: number of OIDs in it, and the index of NTLMSSP (-1: absent). */
    uint32_t mech_count;
    int ntlmssp_index;
    /* INIT: mechToken; RESP: responseToken (NULL when absent). */
    const uint8_t *token;
    size_t token_len;
    /* mechListMIC (NULL when absent). */
    const uint8_t *mic;
    size_t mic_len;
    /* RESP: negState, and supportedMech as the DER of the OID (tag
     * included; NULL when absent). */
    tgt_neg_state neg_state;
    const uint8_t *supported_mech;
    size_t supported_mech_len;
} tgt_spnego;

/**
 * Decodes a SESSION_SETUP security buffer as an SPNEGO token. Definite
 * lengths only (at most 4 length bytes), tags below 31; every TLV must lie
 * inside its parent. reqFlags and NegTokenInit2's negHints are skipped.
 * @return 0, or -1 if the bytes are not such a token.
 */
int tgt_spnego_decode(const uint8_t *buf, size_t len, tgt_spnego *out);

/**
 * Encodes @p t: an InitialContextToken with a NegTokenInit (mechTypes from
 * t->mech_types, which must be a DER SEQUENCE, then mechToken and
 * mechListMIC when present) or a NegTokenResp (the fields present).
 * @return 0 (length in *out_len) or -1 (does not fit, or a field is
 * inconsistent).
 */
int tgt_spnego_encode(const tgt_spnego *t, uint8_t *buf, size_t cap, size_t *out_len);

/** The MechTypeList SEQUENCE { NTLMSSP } a server offers in its NEGOTIATE
 * response hint. */
extern const uint8_t tgt_spnego_ntlmssp_mech_list[];
extern const size_t tgt_spnego_ntlmssp_mech_list_len;

#endif /* RSVD_TARGET_SPNEGO_H */
