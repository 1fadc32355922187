/*
 * Integrator template: the NEGOTIATE exchange, client side ([MS-SMB2]
 * 2.2.3 NEGOTIATE Request, 2.2.4 NEGOTIATE Response): the request a client
 * sends and the decoder of the server's answer. Dialects up to 3.0.2 (a
 * 3.1.1 request needs negotiate contexts, which this template does not
 * build). The library's toolkit has no codec for it: the host owns
 * NEGOTIATE. Every byte goes through the bounds-checked reader and writer
 * of <rsvd/wire.h>.
 */
#ifndef EXAMPLES_SMB2_NEGOTIATE_H
#define EXAMPLES_SMB2_NEGOTIATE_H

#include <rsvd/common.h>
#include <rsvd/smb2.h>

/** SecurityMode SMB2_NEGOTIATE_SIGNING_ENABLED ([MS-SMB2] 2.2.3). */
#define SMB2_NEGOTIATE_SIGNING_ENABLED 0x0001u
/** SecurityMode SMB2_NEGOTIATE_SIGNING_REQUIRED. */
#define SMB2_NEGOTIATE_SIGNING_REQUIRED 0x0002u
/** Dialects one request offers at most. */
#define SMB2_NEGOTIATE_DIALECTS_MAX 8u
/** The request's fixed part (StructureSize 36). */
#define SMB2_NEGOTIATE_REQ_FIXED 36u
/** The response's fixed part (StructureSize 65 counts one Buffer byte). */
#define SMB2_NEGOTIATE_RSP_FIXED 64u

/** What a client offers ([MS-SMB2] 3.2.4.2.2.2). */
typedef struct smb2_negotiate_req {
    /** SecurityMode: SMB2_NEGOTIATE_SIGNING_* bits. */
    uint16_t security_mode;
    /** Capabilities: RSVD_SMB2_GLOBAL_CAP_* bits. */
    uint32_t capabilities;
    /** ClientGuid: the same for every connection of this client. */
    rsvd_guid client_guid;
    /** The dialects offered (RSVD_SMB2_DIALECT_*, none above 3.0.2). */
    uint16_t dialects[SMB2_NEGOTIATE_DIALECTS_MAX];
    /** How many. */
    uint16_t dialect_count;
} smb2_negotiate_req;

/** Encodes header @p hdr (Command NEGOTIATE) and the request.
 * @return RSVD_OK, RSVD_E_INVAL (no dialect, too many, or 3.1.1) or
 * RSVD_E_NOSPC. */
int smb2_negotiate_req_encode(const rsvd_smb2_hdr *hdr, const smb2_negotiate_req *r, uint8_t *buf,
                              size_t cap, size_t *len);

/** The server's answer ([MS-SMB2] 2.2.4). */
typedef struct smb2_negotiate_rsp {
    /** Its header. */
    rsvd_smb2_hdr hdr;
    /** SecurityMode. */
    uint16_t security_mode;
    /** DialectRevision: the dialect chosen (0x02FF: SMB2 wildcard). */
    uint16_t dialect;
    /** ServerGuid. */
    rsvd_guid server_guid;
    /** Capabilities: the server's RSVD_SMB2_GLOBAL_CAP_* bits. */
    uint32_t capabilities;
    /** MaxTransactSize, MaxReadSize, MaxWriteSize. */
    uint32_t max_transact_size, max_read_size, max_write_size;
    /** SystemTime, ServerStartTime (FILETIME). */
    uint64_t system_time, server_start_time;
    /** View: the security buffer (a GSS token, SPNEGO's negTokenInit). */
    const uint8_t *security_buffer;
    /** Its length (0: none; the client then starts the mechanism). */
    uint16_t security_buffer_length;
} smb2_negotiate_rsp;

/** Decodes a NEGOTIATE response message: Command NEGOTIATE, StructureSize
 * 65, the security buffer inside the message when it is not empty.
 * @return RSVD_OK or an RSVD_E_WIRE_* code. */
int smb2_negotiate_rsp_decode(const uint8_t *msg, size_t len, smb2_negotiate_rsp *out);

#endif /* EXAMPLES_SMB2_NEGOTIATE_H */
