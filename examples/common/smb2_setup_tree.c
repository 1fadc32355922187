/*
 * Integrator template: the tree family, client side (see smb2_setup_tree.h).
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
    h.command = RSVD_SMB2_TREE_CONNECT;
    h.tree_id = 0; /* MUST be 0 in TREE_CONNECT (2.2.1.2) */
    if (rsvd_smb2_hdr_encode(&h, buf, cap) != RSVD_OK)
        return RSVD_E_NOSPC;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_take(&w, RSVD_SMB2_HEADER_SIZE);
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
    int rc = rsvd_smb2_hdr_decode(msg, len, &out->hdr);
    if (rc != RSVD_OK)
        return rc;
    if (out->hdr.command != RSVD_SMB2_TREE_CONNECT)
        return RSVD_E_WIRE_COMMAND;
    rsvd_rd r;
    rsvd_rd_init(&r, msg, len);
    rsvd_rd_skip(&r, RSVD_SMB2_HEADER_SIZE);
    uint16_t size = rsvd_rd_u16(&r);    /* StructureSize */
    out->share_type = rsvd_rd_u8(&r);   /* ShareType */
    rsvd_rd_skip(&r, 1);                /* Reserved */
    out->share_flags = rsvd_rd_u32(&r); /* ShareFlags */
    out->capabilities = rsvd_rd_u32(&r); /* Capabilities */
    out->maximal_access = rsvd_rd_u32(&r); /* MaximalAccess */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    return size == SMB2_TREE_CONNECT_RSP_SIZE ? RSVD_OK : RSVD_E_WIRE_STRUCTURE_SIZE;
}

int smb2_tree_disconnect_req_encode(const rsvd_smb2_hdr *hdr, uint8_t *buf, size_t cap,
                                    size_t *len)
{
    rsvd_smb2_hdr h = *hdr;
    h.command = RSVD_SMB2_TREE_DISCONNECT;
    if (rsvd_smb2_hdr_encode(&h, buf, cap) != RSVD_OK)
        return RSVD_E_NOSPC;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_take(&w, RSVD_SMB2_HEADER_SIZE);
    rsvd_wr_u16(&w, SMB2_TREE_DISCONNECT_SIZE); /* StructureSize */
    rsvd_wr_u16(&w, 0);                         /* Reserved */
    return rsvd_wr_finish(&w, len);
}

int smb2_tree_disconnect_rsp_decode(const uint8_t *msg, size_t len, rsvd_smb2_hdr *hdr)
{
    int rc = rsvd_smb2_hdr_decode(msg, len, hdr);
    if (rc != RSVD_OK)
        return rc;
    if (hdr->command != RSVD_SMB2_TREE_DISCONNECT)
        return RSVD_E_WIRE_COMMAND;
    rsvd_rd r;
    rsvd_rd_init(&r, msg, len);
    rsvd_rd_skip(&r, RSVD_SMB2_HEADER_SIZE);
    uint16_t size = rsvd_rd_u16(&r);
    rsvd_rd_skip(&r, 2); /* Reserved */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    return size == SMB2_TREE_DISCONNECT_SIZE ? RSVD_OK : RSVD_E_WIRE_STRUCTURE_SIZE;
}
