/*
 * rsvd-target: the NEGOTIATE family of messages - SMB2 NEGOTIATE request and
 * response ([MS-SMB2] 2.2.3, 2.2.4), the SMB1 multi-protocol NEGOTIATE a
 * client may start with ([MS-SMB2] 2.2.1 of [MS-SMB], 3.3.5.3), and the
 * FSCTL_VALIDATE_NEGOTIATE_INFO request and response ([MS-SMB2] 2.2.31.4,
 * 2.2.32.6).
 */
#ifndef RSVD_TARGET_SMB2_NEGOTIATE_H
#define RSVD_TARGET_SMB2_NEGOTIATE_H

#include <rsvd/smb2.h>
#include <rsvd/wire.h>

/** @name NEGOTIATE constants ([MS-SMB2] 2.2.3, 2.2.4)
 * @{ */
#define TGT_NEGOTIATE_REQ_STRUCTURE_SIZE 36u
#define TGT_NEGOTIATE_REQ_FIXED_SIZE 36u
/* The dialects follow the fixed part (0x64 from the header start). */
#define TGT_NEGOTIATE_REQ_DIALECTS_OFFSET 100u
#define TGT_NEGOTIATE_RSP_STRUCTURE_SIZE 65u
#define TGT_NEGOTIATE_RSP_FIXED_SIZE 64u
#define TGT_NEGOTIATE_RSP_BUFFER_OFFSET 128u
/* The wildcard revision of an SMB2 NEGOTIATE response to an SMB1 NEGOTIATE
 * that offered "SMB 2.???" ([MS-SMB2] 3.3.5.3.1). */
#define TGT_SMB2_DIALECT_WILDCARD 0x02FFu
/* SecurityMode bits. */
#define TGT_NEGOTIATE_SIGNING_ENABLED 0x0001u
#define TGT_NEGOTIATE_SIGNING_REQUIRED 0x0002u
/* Capabilities. */
#define TGT_CAP_DFS 0x00000001u
#define TGT_CAP_LEASING 0x00000002u
#define TGT_CAP_LARGE_MTU 0x00000004u
#define TGT_CAP_MULTI_CHANNEL 0x00000008u
#define TGT_CAP_PERSISTENT_HANDLES 0x00000010u
#define TGT_CAP_DIRECTORY_LEASING 0x00000020u
#define TGT_CAP_ENCRYPTION 0x00000040u
/** @} */

/** SMB2 NEGOTIATE Request ([MS-SMB2] 2.2.3). */
typedef struct tgt_negotiate_req {
    rsvd_smb2_hdr hdr;
    uint16_t dialect_count;
    uint16_t security_mode;
    uint32_t capabilities;
    rsvd_guid client_guid;
    /* NegotiateContextOffset, NegotiateContextCount, Reserved2 with 3.1.1;
     * ClientStartTime before: kept as the 8 bytes they are. */
    uint64_t client_start_time;
    /* View: dialect_count 16-bit revisions (NULL when the count is 0). */
    const uint8_t *dialects;
} tgt_negotiate_req;

/** Decodes a NEGOTIATE request; the dialects must lie in the message.
 * @return RSVD_OK or an RSVD_E_WIRE_* code. */
int tgt_negotiate_req_decode(const uint8_t *buf, size_t len, tgt_negotiate_req *out);
int tgt_negotiate_req_encode(const tgt_negotiate_req *m, uint8_t *buf, size_t cap,
                             size_t *out_len);
/** @return dialect @p i of a decoded request (0 past the end). */
uint16_t tgt_negotiate_req_dialect(const tgt_negotiate_req *m, uint16_t i);

/** SMB2 NEGOTIATE Response ([MS-SMB2] 2.2.4). */
typedef struct tgt_negotiate_rsp {
    rsvd_smb2_hdr hdr;
    uint16_t security_mode;
    uint16_t dialect_revision;
    uint16_t negotiate_context_count; /* Reserved before 3.1.1 */
    rsvd_guid server_guid;
    uint32_t capabilities;
    uint32_t max_transact_size;
    uint32_t max_read_size;
    uint32_t max_write_size;
    uint64_t system_time;       /* FILETIME */
    uint64_t server_start_time; /* FILETIME */
    uint16_t security_buffer_offset;
    uint16_t security_buffer_length;
    uint32_t negotiate_context_offset; /* Reserved2 before 3.1.1 */
    const uint8_t *security_buffer;
} tgt_negotiate_rsp;

int tgt_negotiate_rsp_decode(const uint8_t *buf, size_t len, tgt_negotiate_rsp *out);
/** Encodes the response; with an empty security buffer one zero byte
 * follows the fixed part, so that the body is StructureSize (65) bytes. */
int tgt_negotiate_rsp_encode(const tgt_negotiate_rsp *m, uint8_t *buf, size_t cap,
                             size_t *out_len);

/** What an SMB1 NEGOTIATE offers ([MS-SMB] 2.2.4.52.1; [MS-SMB2] 3.3.5.3). */
typedef struct tgt_smb1_negotiate {
    bool smb2_wildcard; /* "SMB 2.???" */
    bool smb2_002;      /* "SMB 2.002" */
    uint16_t dialect_strings;
} tgt_smb1_negotiate;

/** The SMB1 ProtocolId bytes 0xFF 'S' 'M' 'B'. */
#define TGT_SMB1_PROTOCOL_ID 0x424D53FFu
#define TGT_SMB1_COM_NEGOTIATE 0x72u
#define TGT_SMB1_HEADER_SIZE 32u

/** Decodes an SMB1 NEGOTIATE request: the 32-byte header (Command 0x72),
 * WordCount 0, ByteCount and the 0x02-prefixed, NUL-terminated dialect
 * strings. @return RSVD_OK, RSVD_E_WIRE_PROTOCOL_ID, RSVD_E_WIRE_COMMAND,
 * RSVD_E_WIRE_SHORT or RSVD_E_WIRE_VALUE (a dialect string is malformed). */
int tgt_smb1_negotiate_decode(const uint8_t *buf, size_t len, tgt_smb1_negotiate *out);

/** VALIDATE_NEGOTIATE_INFO Request ([MS-SMB2] 2.2.31.4), the IOCTL input. */
typedef struct tgt_validate_negotiate_req {
    uint32_t capabilities;
    rsvd_guid guid;
    uint16_t security_mode;
    uint16_t dialect_count;
    const uint8_t *dialects; /* view: dialect_count 16-bit revisions */
} tgt_validate_negotiate_req;

#define TGT_VALIDATE_NEGOTIATE_REQ_FIXED_SIZE 24u
#define TGT_VALIDATE_NEGOTIATE_RSP_SIZE 24u

/** Decodes the IOCTL input; bytes after the dialects are ignored.
 * @return RSVD_OK or RSVD_E_WIRE_SHORT. */
int tgt_validate_negotiate_req_decode(const uint8_t *buf, size_t len,
                                      tgt_validate_negotiate_req *out);
int tgt_validate_negotiate_req_encode(const tgt_validate_negotiate_req *m, uint8_t *buf,
                                      size_t cap, size_t *out_len);
/** @return dialect @p i of a decoded request (0 past the end). */
uint16_t tgt_validate_negotiate_req_dialect(const tgt_validate_negotiate_req *m, uint16_t i);

/** VALIDATE_NEGOTIATE_INFO Response ([MS-SMB2] 2.2.32.6), the IOCTL output. */
typedef struct tgt_validate_negotiate_rsp {
    uint32_t capabilities;
    rsvd_guid guid;
    uint16_t security_mode;
    uint16_t dialect;
} tgt_validate_negotiate_rsp;

int tgt_validate_negotiate_rsp_decode(const uint8_t *buf, size_t len,
                                      tgt_validate_negotiate_rsp *out);
int tgt_validate_negotiate_rsp_encode(const tgt_validate_negotiate_rsp *m, uint8_t *buf,
                                      size_t cap, size_t *out_len);

#endif /* RSVD_TARGET_SMB2_NEGOTIATE_H */
