/*
 * rsvd-target: the session family of messages - SESSION_SETUP request and
 * response ([MS-SMB2] 2.2.5, 2.2.6); LOGOFF, whose body is empty, is in
 * smb2_simple.h.
 */
#ifndef RSVD_TARGET_SMB2_SESSION_H
#define RSVD_TARGET_SMB2_SESSION_H

#include <rsvd/smb2.h>
#include <rsvd/wire.h>

#define TGT_SESSION_SETUP_REQ_STRUCTURE_SIZE 25u
#define TGT_SESSION_SETUP_REQ_BUFFER_OFFSET 88u
#define TGT_SESSION_SETUP_RSP_STRUCTURE_SIZE 9u
#define TGT_SESSION_SETUP_RSP_BUFFER_OFFSET 72u
/* SESSION_SETUP request Flags. */
#define TGT_SESSION_FLAG_BINDING 0x01u
/* SESSION_SETUP response SessionFlags. */
#define TGT_SESSION_FLAG_IS_GUEST 0x0001u
#define TGT_SESSION_FLAG_IS_NULL 0x0002u
#define TGT_SESSION_FLAG_ENCRYPT_DATA 0x0004u

/** SMB2 SESSION_SETUP Request ([MS-SMB2] 2.2.5). */
typedef struct tgt_session_setup_req {
    rsvd_smb2_hdr hdr;
    uint8_t flags;
    uint8_t security_mode;
    uint32_t capabilities;
    uint32_t channel;
    uint16_t security_buffer_offset;
    uint16_t security_buffer_length;
    uint64_t previous_session_id;
    const uint8_t *security_buffer;
} tgt_session_setup_req;

int tgt_session_setup_req_decode(const uint8_t *buf, size_t len, tgt_session_setup_req *out);
int tgt_session_setup_req_encode(const tgt_session_setup_req *m, uint8_t *buf, size_t cap,
                                 size_t *out_len);

/** SMB2 SESSION_SETUP Response ([MS-SMB2] 2.2.6). */
typedef struct tgt_session_setup_rsp {
    rsvd_smb2_hdr hdr;
    uint16_t session_flags;
    uint16_t security_buffer_offset;
    uint16_t security_buffer_length;
    const uint8_t *security_buffer;
} tgt_session_setup_rsp;

int tgt_session_setup_rsp_decode(const uint8_t *buf, size_t len, tgt_session_setup_rsp *out);
/** Encodes the response; with an empty security buffer one zero byte
 * follows the fixed part (StructureSize 9 counts it). */
int tgt_session_setup_rsp_encode(const tgt_session_setup_rsp *m, uint8_t *buf, size_t cap,
                                 size_t *out_len);

#endif /* RSVD_TARGET_SMB2_SESSION_H */
