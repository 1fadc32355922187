/*
 * Integrator template: the tree family, client side ([MS-SMB2] 2.2.9
 * TREE_CONNECT Request, 2.2.10 TREE_CONNECT Response, 2.2.11
 * TREE_DISCONNECT Request, 2.2.12 TREE_DISCONNECT Response).
 */
#ifndef EXAMPLES_SMB2_TREE_H
#define EXAMPLES_SMB2_TREE_H

#include <rsvd/common.h>
#include <rsvd/smb2.h>

/** The TREE_CONNECT request's fixed part (StructureSize 9). */
#define SMB2_TREE_CONNECT_REQ_FIXED 8u
/** The TREE_CONNECT response (StructureSize 16). */
#define SMB2_TREE_CONNECT_RSP_SIZE 16u
/** TREE_DISCONNECT request and response: StructureSize 4. */
#define SMB2_TREE_DISCONNECT_SIZE 4u
/** ShareType SMB2_SHARE_TYPE_DISK. */
#define SMB2_SHARE_TYPE_DISK 0x01u

/** Encodes header @p hdr (Command TREE_CONNECT) and the request for the
 * UNC path @p path ("\\server\share", UTF-16LE, @p path_len bytes).
 * @return RSVD_OK, RSVD_E_INVAL (empty or odd path) or RSVD_E_NOSPC. */
int smb2_tree_connect_req_encode(const rsvd_smb2_hdr *hdr, const uint8_t *path, size_t path_len,
                                 uint8_t *buf, size_t cap, size_t *len);

/** A TREE_CONNECT response ([MS-SMB2] 2.2.10). */
typedef struct smb2_tree_connect_rsp {
    /** Its header (TreeId: the tree connect's). */
    rsvd_smb2_hdr hdr;
    /** ShareType. */
    uint8_t share_type;
    /** ShareFlags. */
    uint32_t share_flags;
    /** Capabilities: RSVD_SMB2_SHARE_CAP_* bits (3.x). */
    uint32_t capabilities;
    /** MaximalAccess. */
    uint32_t maximal_access;
} smb2_tree_connect_rsp;

/** Decodes a TREE_CONNECT response. @return RSVD_OK or an RSVD_E_WIRE_*
 * code. */
int smb2_tree_connect_rsp_decode(const uint8_t *msg, size_t len, smb2_tree_connect_rsp *out);

/** Encodes a TREE_DISCONNECT request with header @p hdr. */
int smb2_tree_disconnect_req_encode(const rsvd_smb2_hdr *hdr, uint8_t *buf, size_t cap,
                                    size_t *len);

/** Decodes a TREE_DISCONNECT response (StructureSize 4). */
int smb2_tree_disconnect_rsp_decode(const uint8_t *msg, size_t len, rsvd_smb2_hdr *hdr);

#endif /* EXAMPLES_SMB2_TREE_H */
