/*
 * rsvd-target: the SMB2 messages of fixed size - those whose body is only
 * StructureSize 4 and Reserved (LOGOFF, TREE_DISCONNECT, ECHO, CANCEL, the
 * FLUSH response: [MS-SMB2] 2.2.7, 2.2.8, 2.2.11, 2.2.12, 2.2.28 - 2.2.30,
 * 2.2.18), the FLUSH request (2.2.17) and the OPLOCK_BREAK notification,
 * acknowledgment and response (2.2.23.1, 2.2.24.1, 2.2.25.1).
 */
#ifndef RSVD_TARGET_SMB2_SIMPLE_H
#define RSVD_TARGET_SMB2_SIMPLE_H

#include <rsvd/smb2.h>
#include <rsvd/wire.h>

#define TGT_SMB2_EMPTY_STRUCTURE_SIZE 4u
#define TGT_FLUSH_REQ_STRUCTURE_SIZE 24u
#define TGT_OPLOCK_BREAK_STRUCTURE_SIZE 24u

/** A message with an empty body (StructureSize 4, Reserved). */
typedef struct tgt_smb2_empty {
    rsvd_smb2_hdr hdr;
} tgt_smb2_empty;

/** Decodes such a message of Command @p command. */
int tgt_smb2_empty_decode(const uint8_t *buf, size_t len, uint16_t command, tgt_smb2_empty *out);
/** Encodes such a message (68 bytes) of Command @p command. */
int tgt_smb2_empty_encode(const tgt_smb2_empty *m, uint16_t command, uint8_t *buf, size_t cap,
                          size_t *out_len);

/** FLUSH Request ([MS-SMB2] 2.2.17). */
typedef struct tgt_flush_req {
    rsvd_smb2_hdr hdr;
    rsvd_smb2_fileid file_id;
} tgt_flush_req;

int tgt_flush_req_decode(const uint8_t *buf, size_t len, tgt_flush_req *out);
int tgt_flush_req_encode(const tgt_flush_req *m, uint8_t *buf, size_t cap, size_t *out_len);

/** OPLOCK_BREAK Notification, Acknowledgment or Response ([MS-SMB2]
 * 2.2.23.1, 2.2.24.1, 2.2.25.1): one layout. */
typedef struct tgt_oplock_break {
    rsvd_smb2_hdr hdr;
    uint8_t oplock_level;
    rsvd_smb2_fileid file_id;
} tgt_oplock_break;

int tgt_oplock_break_decode(const uint8_t *buf, size_t len, tgt_oplock_break *out);
int tgt_oplock_break_encode(const tgt_oplock_break *m, uint8_t *buf, size_t cap,
                            size_t *out_len);

#endif /* RSVD_TARGET_SMB2_SIMPLE_H */
