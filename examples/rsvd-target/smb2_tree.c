/*
 * rsvd-target: TREE_CONNECT codecs (see smb2_tree.h).
 */
#include "smb2_tree.h"

#include <rsvd/wire_smb2.h>
#include <rsvd/smb2.h>
#include <rsvd/wire.h>

/* [MS-SMB2] 2.2.9 SMB2 TREE_CONNECT Request */
int tgt_tree_connect_req_decode(const uint8_t *buf, size_t len, tgt_tree_connect_req *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_TREE_CONNECT);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r); /* 64: StructureSize */
    out->flags = rsvd_rd_u16(&r);              /* 66: Flags / Reserved */
    out->path_offset = rsvd_rd_u16(&r);        /* 68: PathOffset */
    out->path_length = rsvd_rd_u16(&r);        /* 70: PathLength */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, TGT_TREE_CONNECT_REQ_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 72: Buffer */
    return rsvd_smb2_msg_view(buf, len, out->path_offset, out->path_length,
                      TGT_TREE_CONNECT_REQ_BUFFER_OFFSET, &out->path);
}

int tgt_tree_connect_req_encode(const tgt_tree_connect_req *m, uint8_t *buf, size_t cap,
                                size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->path, m->path_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout layout;
    rsvd_smb2_layout_init(&layout, TGT_TREE_CONNECT_REQ_BUFFER_OFFSET);
    uint64_t off = rsvd_smb2_layout_place(&layout, m->path_length, m->path_offset);
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_TREE_CONNECT);
    rsvd_wr_u16(&w, TGT_TREE_CONNECT_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, m->flags);                             /* 66: Flags */
    rsvd_wr_u16(&w, (uint16_t)off);                        /* 68: PathOffset */
    rsvd_wr_u16(&w, m->path_length);                       /* 70: PathLength */
    if (m->path_length)
        rsvd_smb2_msg_put_buf(&w, off, m->path, m->path_length);  /* 72: Buffer */
    else
        rsvd_wr_u8(&w, 0);
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.10 SMB2 TREE_CONNECT Response */
int tgt_tree_connect_rsp_decode(const uint8_t *buf, size_t len, tgt_tree_connect_rsp *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_TREE_CONNECT);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r); /* 64: StructureSize */
    out->share_type = rsvd_rd_u8(&r);          /* 66: ShareType */
    rsvd_rd_skip(&r, 1);                       /* 67: Reserved */
    out->share_flags = rsvd_rd_u32(&r);        /* 68: ShareFlags */
    out->capabilities = rsvd_rd_u32(&r);       /* 72: Capabilities */
    out->maximal_access = rsvd_rd_u32(&r);     /* 76: MaximalAccess */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, TGT_TREE_CONNECT_RSP_STRUCTURE_SIZE);
}

int tgt_tree_connect_rsp_encode(const tgt_tree_connect_rsp *m, uint8_t *buf, size_t cap,
                                size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_TREE_CONNECT);
    rsvd_wr_u16(&w, TGT_TREE_CONNECT_RSP_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u8(&w, m->share_type);                         /* 66: ShareType */
    rsvd_wr_u8(&w, 0);                                     /* 67: Reserved */
    rsvd_wr_u32(&w, m->share_flags);                       /* 68: ShareFlags */
    rsvd_wr_u32(&w, m->capabilities);                      /* 72: Capabilities */
    rsvd_wr_u32(&w, m->maximal_access);                    /* 76: MaximalAccess */
    return rsvd_wr_finish(&w, out_len);
}
