/*
 * Integrator template: the session family, client side ([MS-SMB2] 2.2.5
 * SESSION_SETUP Request, 2.2.6 SESSION_SETUP Response, 2.2.7 LOGOFF
 * Request, 2.2.8 LOGOFF Response): the requests a client sends and the
 * decoders of the server's answers. The security buffers are GSS tokens
 * (SPNEGO) that the host's authentication produces and reads; this file
 * only frames them.
 */
#ifndef EXAMPLES_SMB2_SESSION_H
#define EXAMPLES_SMB2_SESSION_H

#include <rsvd/common.h>
#include <rsvd/smb2.h>

/** STATUS_MORE_PROCESSING_REQUIRED: another leg of the authentication
 * follows ([MS-SMB2] 3.3.5.5.3, [MS-ERREF]). */
#define SMB2_STATUS_MORE_PROCESSING_REQUIRED 0xC0000016u
/** SessionFlags SMB2_SESSION_FLAG_IS_GUEST ([MS-SMB2] 2.2.6). */
#define SMB2_SESSION_FLAG_IS_GUEST 0x0001u
/** SessionFlags SMB2_SESSION_FLAG_IS_NULL. */
#define SMB2_SESSION_FLAG_IS_NULL 0x0002u
/** SessionFlags SMB2_SESSION_FLAG_ENCRYPT_DATA (3.x). */
#define SMB2_SESSION_FLAG_ENCRYPT_DATA 0x0004u
/** The SESSION_SETUP request's fixed part (StructureSize 25). */
#define SMB2_SESSION_SETUP_REQ_FIXED 24u
/** The SESSION_SETUP response's fixed part (StructureSize 9). */
#define SMB2_SESSION_SETUP_RSP_FIXED 8u
/** LOGOFF request and response: StructureSize 4. */
#define SMB2_LOGOFF_SIZE 4u

/** A SESSION_SETUP request ([MS-SMB2] 3.2.4.2.3). */
typedef struct smb2_session_setup_req {
    /** Flags: 0, or SMB2_SESSION_FLAG_BINDING (0x01) to bind a channel. */
    uint8_t flags;
    /** SecurityMode: SMB2_NEGOTIATE_SIGNING_* bits (one byte here). */
    uint8_t security_mode;
    /** Capabilities (SMB2_GLOBAL_CAP_DFS only has a meaning). */
    uint32_t capabilities;
    /** PreviousSessionId: the session this one re-establishes, else 0. */
    uint64_t previous_session_id;
    /** The GSS token. */
    const uint8_t *security_buffer;
    /** Its length. */
    uint16_t security_buffer_length;
} smb2_session_setup_req;

/** Encodes header @p hdr (Command SESSION_SETUP) and the request.
 * @return RSVD_OK or RSVD_E_NOSPC. */
int smb2_session_setup_req_encode(const rsvd_smb2_hdr *hdr, const smb2_session_setup_req *r,
                                  uint8_t *buf, size_t cap, size_t *len);

/** A SESSION_SETUP response ([MS-SMB2] 2.2.6). */
typedef struct smb2_session_setup_rsp {
    /** Its header (SessionId: the session's). */
    rsvd_smb2_hdr hdr;
    /** SessionFlags: SMB2_SESSION_FLAG_* bits. */
    uint16_t session_flags;
    /** View: the server's GSS token. */
    const uint8_t *security_buffer;
    /** Its length. */
    uint16_t security_buffer_length;
} smb2_session_setup_rsp;

/** Decodes a SESSION_SETUP response with a SESSION_SETUP body (success or
 * STATUS_MORE_PROCESSING_REQUIRED). @return RSVD_OK or an RSVD_E_WIRE_*
 * code. */
int smb2_session_setup_rsp_decode(const uint8_t *msg, size_t len, smb2_session_setup_rsp *out);

/** Encodes a LOGOFF request with header @p hdr. @return RSVD_OK or
 * RSVD_E_NOSPC. */
int smb2_logoff_req_encode(const rsvd_smb2_hdr *hdr, uint8_t *buf, size_t cap, size_t *len);

/** Decodes a LOGOFF response (StructureSize 4). @return RSVD_OK or an
 * RSVD_E_WIRE_* code. */
int smb2_logoff_rsp_decode(const uint8_t *msg, size_t len, rsvd_smb2_hdr *hdr);

#endif /* EXAMPLES_SMB2_SESSION_H */
