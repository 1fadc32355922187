/*
 * Integrator template: the tree family, client side (see
 * smb2_setup_tree.h), through the toolkit's codec helpers (rsvd/wire_smb2.h).
 */
#include "smb2_setup_tree.h"

#include <string.h>

#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

int smb2_tree_connect_req_encode(const rsvd_smb2_hdr *hdr, const uint8_t *path, size_t path_len,
                                 uint8_t *buf, size_t cap, size_t *len)
{
    if (path_len == 0 || (path_len & 1u) || path_len > UINT16_MAX)
        return RSVD_E_INVAL;
    rsvd_smb2_hdr h = *hdr;
    h.tree_id = 0; /* MUST be 0 in TREE_CONNECT (2.2.1.2) */
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &h, RSVD_SMB2_TREE_CONNECT);
    rsvd_wr_u16(&w, SMB2_TREE_CONNECT_REQ_FIXED + 1u); /* StructureSize 9 */
    rsvd_wr_u16(&w, 0);                                /* Flags / Reserved */
    rsvd_wr_u16(&w, (uint16_t)(RSVD_SMB2_HEADER_SIZE + SMB2_TREE_CONNECT_REQ_FIXED)); /* PathOffset */
    rsvd_wr_u16(&w, (uint16_t)path_len);               /* PathLength */
    rsvd_wr_bytes(&w, path, path_len);                 /* Buffer */
    return rsvd_wr_finish(&w, len);
}

int smb2_tree_connect_rsp_decode(const uint8_t *msg, size_t len, smb2_tree_connect_rsp *out)
{
    memset(out, 0, sizeof *out);
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, msg, len, &out->hdr, RSVD_SMB2_TREE_CONNECT);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r); /* 64: StructureSize */
    out->share_type = rsvd_rd_u8(&r);          /* 66: ShareType */
    rsvd_rd_skip(&r, 1);                       /* 67: Reserved */
    out->share_flags = rsvd_rd_u32(&r);        /* 68: ShareFlags */
    out->capabilities = rsvd_rd_u32(&r);       /* 72: Capabilities */
    out->maximal_access = rsvd_rd_u32(&r);     /* 76: MaximalAccess */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, SMB2_TREE_CONNECT_RSP_SIZE);
}

int smb2_tree_disconnect_req_encode(const rsvd_smb2_hdr *hdr, uint8_t *buf, size_t cap,
                                    size_t *len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, hdr, RSVD_SMB2_TREE_DISCONNECT);
    rsvd_wr_u16(&w, SMB2_TREE_DISCONNECT_SIZE); /* StructureSize */
    rsvd_wr_u16(&w, 0);                         /* Reserved */
    return rsvd_wr_finish(&w, len);
}

int smb2_tree_disconnect_rsp_decode(const uint8_t *msg, size_t len, rsvd_smb2_hdr *hdr)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, msg, len, hdr, RSVD_SMB2_TREE_DISCONNECT);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r); /* 64: StructureSize */
    rsvd_rd_skip(&r, 2);                       /* 66: Reserved */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, SMB2_TREE_DISCONNECT_SIZE);
}
