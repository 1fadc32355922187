/*
 * rsvd-target: TREE_CONNECT request and response ([MS-SMB2] 2.2.9, 2.2.10).
 * TREE_DISCONNECT, whose body is empty, is in smb2_simple.h.
 */
#ifndef RSVD_TARGET_SMB2_TREE_H
#define RSVD_TARGET_SMB2_TREE_H

#include <rsvd/smb2.h>
#include <rsvd/wire.h>

#define TGT_TREE_CONNECT_REQ_STRUCTURE_SIZE 9u
#define TGT_TREE_CONNECT_REQ_BUFFER_OFFSET 72u
#define TGT_TREE_CONNECT_RSP_STRUCTURE_SIZE 16u
/* ShareType */
#define TGT_SHARE_TYPE_DISK 0x01u
#define TGT_SHARE_TYPE_PIPE 0x02u
/* ShareFlags: manual caching of documents (the default), and the flags
 * rsvd-target sets. */
#define TGT_SHAREFLAG_MANUAL_CACHING 0x00000000u
#define TGT_SHAREFLAG_NO_CACHING 0x00000030u
/* Capabilities */
#define TGT_SHARE_CAP_DFS 0x00000008u
#define TGT_SHARE_CAP_CONTINUOUS_AVAILABILITY 0x00000010u
#define TGT_SHARE_CAP_SCALEOUT 0x00000020u
#define TGT_SHARE_CAP_CLUSTER 0x00000040u

/** SMB2 TREE_CONNECT Request ([MS-SMB2] 2.2.9). */
typedef struct tgt_tree_connect_req {
    rsvd_smb2_hdr hdr;
    uint16_t flags; /* 3.1.1; Reserved before */
    uint16_t path_offset;
    uint16_t path_length;
    const uint8_t *path; /* UTF-16LE "\\server\share", not terminated */
} tgt_tree_connect_req;

int tgt_tree_connect_req_decode(const uint8_t *buf, size_t len, tgt_tree_connect_req *out);
int tgt_tree_connect_req_encode(const tgt_tree_connect_req *m, uint8_t *buf, size_t cap,
                                size_t *out_len);

/** SMB2 TREE_CONNECT Response ([MS-SMB2] 2.2.10). */
typedef struct tgt_tree_connect_rsp {
    rsvd_smb2_hdr hdr;
    uint8_t share_type;
    uint32_t share_flags;
    uint32_t capabilities;
    uint32_t maximal_access;
} tgt_tree_connect_rsp;

int tgt_tree_connect_rsp_decode(const uint8_t *buf, size_t len, tgt_tree_connect_rsp *out);
int tgt_tree_connect_rsp_encode(const tgt_tree_connect_rsp *m, uint8_t *buf, size_t cap,
                                size_t *out_len);

#endif /* RSVD_TARGET_SMB2_TREE_H */
