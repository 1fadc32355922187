/*
 * librsvd - SMB2 message codecs ([MS-SMB2] section 2.2).
 *
 * Included by rsvd/wire.h; include that header rather than this one.
 *
 * Conventions for every codec in this file:
 *  - Decoders take (const uint8_t *buf, size_t len) and never read past len.
 *    Where a structure's offsets are measured from the start of the SMB2
 *    header (InputOffset, DataOffset, NameOffset, ...), the decoder takes the
 *    whole message starting at the header, and checks every offset + count
 *    against the message length without overflow.
 *  - Variable parts are returned as views (pointer + length) into the input
 *    buffer: nothing is copied or allocated.
 *  - Encoders write into a caller buffer and return RSVD_E_NOSPC, having
 *    written nothing useful, when it is too small.
 */
#ifndef RSVD_WIRE_SMB2_H
#define RSVD_WIRE_SMB2_H

#include <rsvd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief SMB2 message codecs ([MS-SMB2] 2.2).
 */

/** @name SMB2 header constants ([MS-SMB2] 2.2.1)
 * @{ */
#define RSVD_SMB2_PROTOCOL_ID 0x424D53FEu /**< bytes FE 'S' 'M' 'B' */
#define RSVD_SMB2_HEADER_SIZE 64u

#define RSVD_SMB2_NEGOTIATE 0x0000u
#define RSVD_SMB2_SESSION_SETUP 0x0001u
#define RSVD_SMB2_LOGOFF 0x0002u
#define RSVD_SMB2_TREE_CONNECT 0x0003u
#define RSVD_SMB2_TREE_DISCONNECT 0x0004u
#define RSVD_SMB2_CREATE 0x0005u
#define RSVD_SMB2_CLOSE 0x0006u
#define RSVD_SMB2_FLUSH 0x0007u
#define RSVD_SMB2_READ 0x0008u
#define RSVD_SMB2_WRITE 0x0009u
#define RSVD_SMB2_LOCK 0x000Au
#define RSVD_SMB2_IOCTL 0x000Bu
#define RSVD_SMB2_CANCEL 0x000Cu
#define RSVD_SMB2_ECHO 0x000Du
#define RSVD_SMB2_QUERY_DIRECTORY 0x000Eu
#define RSVD_SMB2_CHANGE_NOTIFY 0x000Fu
#define RSVD_SMB2_QUERY_INFO 0x0010u
#define RSVD_SMB2_SET_INFO 0x0011u
#define RSVD_SMB2_OPLOCK_BREAK 0x0012u

#define RSVD_SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define RSVD_SMB2_FLAGS_ASYNC_COMMAND 0x00000002u
#define RSVD_SMB2_FLAGS_RELATED_OPERATIONS 0x00000004u
#define RSVD_SMB2_FLAGS_SIGNED 0x00000008u
#define RSVD_SMB2_FLAGS_PRIORITY_MASK 0x00000070u
#define RSVD_SMB2_FLAGS_DFS_OPERATIONS 0x10000000u
#define RSVD_SMB2_FLAGS_REPLAY_OPERATION 0x20000000u
/** @} */

/** @name SMB2 dialect revision numbers ([MS-SMB2] 2.2.3)
 * @{ */
#define RSVD_SMB2_DIALECT_202 0x0202u
#define RSVD_SMB2_DIALECT_210 0x0210u
#define RSVD_SMB2_DIALECT_300 0x0300u
#define RSVD_SMB2_DIALECT_302 0x0302u
#define RSVD_SMB2_DIALECT_311 0x0311u
/** @} */

/**
 * SMB2 packet header, SYNC or ASYNC form ([MS-SMB2] 2.2.1.1, 2.2.1.2).
 * The form is chosen by RSVD_SMB2_FLAGS_ASYNC_COMMAND in flags: the ASYNC
 * form carries async_id, the SYNC form reserved and tree_id.
 */
typedef struct rsvd_smb2_hdr {
    uint16_t credit_charge;
    /** Response: NTSTATUS. Request: ChannelSequence (low 16 bits) and
     * Reserved (3.x), or Status which the server ignores (2.0.2/2.1). */
    uint32_t status;
    uint16_t command;
    /** CreditRequest in a request, CreditResponse in a response. */
    uint16_t credit;
    uint32_t flags;
    uint32_t next_command;
    uint64_t message_id;
    /** ASYNC form only. */
    uint64_t async_id;
    /** SYNC form only: Reserved (Windows clients send 0xFEFF). */
    uint32_t reserved;
    /** SYNC form only. */
    uint32_t tree_id;
    uint64_t session_id;
    uint8_t signature[16];
} rsvd_smb2_hdr;

/**
 * Decodes the 64-byte header at the start of @p buf.
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (len < 64), RSVD_E_WIRE_PROTOCOL_ID or
 * RSVD_E_WIRE_STRUCTURE_SIZE (StructureSize != 64).
 */
RSVD_API int rsvd_smb2_hdr_decode(const uint8_t *buf, size_t len, rsvd_smb2_hdr *out);

/**
 * Encodes @p h as 64 bytes at the start of @p buf.
 * @return RSVD_OK or RSVD_E_NOSPC (cap < 64).
 */
RSVD_API int rsvd_smb2_hdr_encode(const rsvd_smb2_hdr *h, uint8_t *buf, size_t cap);

/** @return true if @p h is a response (SMB2_FLAGS_SERVER_TO_REDIR). */
static inline bool rsvd_smb2_hdr_is_response(const rsvd_smb2_hdr *h)
{
    return (h->flags & RSVD_SMB2_FLAGS_SERVER_TO_REDIR) != 0;
}

/** @return true if @p h uses the ASYNC form. */
static inline bool rsvd_smb2_hdr_is_async(const rsvd_smb2_hdr *h)
{
    return (h->flags & RSVD_SMB2_FLAGS_ASYNC_COMMAND) != 0;
}

/** Size of the ERROR response body before ErrorData ([MS-SMB2] 2.2.2). */
#define RSVD_SMB2_ERROR_FIXED_SIZE 8u
/** The ERROR response StructureSize, whatever the ErrorData length. */
#define RSVD_SMB2_ERROR_STRUCTURE_SIZE 9u

/** SMB2 ERROR Response body ([MS-SMB2] 2.2.2). */
typedef struct rsvd_smb2_error {
    uint8_t error_context_count;
    /** ErrorData: a view into the decoded buffer (ByteCount bytes). */
    const uint8_t *error_data;
    uint32_t byte_count;
} rsvd_smb2_error;

/**
 * Decodes an ERROR response body (the bytes after the 64-byte header).
 * Accepts bodies of 8 bytes and the 9-byte form with a pad byte when
 * ByteCount is 0 ([MS-SMB2] 2.2.2 <5>).
 * @return RSVD_OK, RSVD_E_WIRE_SHORT, RSVD_E_WIRE_STRUCTURE_SIZE (not 9) or
 * RSVD_E_WIRE_RANGE (ByteCount runs past the body).
 */
RSVD_API int rsvd_smb2_error_decode(const uint8_t *buf, size_t len, rsvd_smb2_error *out);

/**
 * Encodes an ERROR response body. With ByteCount 0 one zero pad byte follows
 * the fixed part, as every Windows server and Samba send it, so that the
 * body is StructureSize (9) bytes long.
 * @return RSVD_OK (length in *out_len) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_smb2_error_encode(const rsvd_smb2_error *e, uint8_t *buf, size_t cap,
                                    size_t *out_len);

/**
 * Builds a complete SMB2 error response message for request header @p req as
 * [MS-SMB2] 3.3.4.4 lays it out: the request's header with Status =
 * @p status, SERVER_TO_REDIR set, NextCommand 0, CreditResponse @p credits
 * (0 for an async request), followed by an ERROR body with no ErrorData.
 * @return RSVD_OK (length in *out_len) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_smb2_error_response_build(const rsvd_smb2_hdr *req, uint32_t status,
                                            uint16_t credits, uint8_t *buf, size_t cap,
                                            size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_WIRE_SMB2_H */
