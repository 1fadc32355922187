/*
 * rsvd-target: SESSION_SETUP codecs (see smb2_session.h).
 */
#include "smb2_session.h"

#include <rsvd/wire_smb2.h>
#include <rsvd/smb2.h>
#include <rsvd/wire.h>

/* [MS-SMB2] 2.2.5 SMB2 SESSION_SETUP Request */
int tgt_session_setup_req_decode(const uint8_t *buf, size_t len, tgt_session_setup_req *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_SESSION_SETUP);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);       /* 64: StructureSize */
    out->flags = rsvd_rd_u8(&r);                     /* 66: Flags */
    out->security_mode = rsvd_rd_u8(&r);             /* 67: SecurityMode */
    out->capabilities = rsvd_rd_u32(&r);             /* 68: Capabilities */
    out->channel = rsvd_rd_u32(&r);                  /* 72: Channel */
    out->security_buffer_offset = rsvd_rd_u16(&r);   /* 76: SecurityBufferOffset */
    out->security_buffer_length = rsvd_rd_u16(&r);   /* 78: SecurityBufferLength */
    out->previous_session_id = rsvd_rd_u64(&r);      /* 80: PreviousSessionId */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, TGT_SESSION_SETUP_REQ_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 88: Buffer */
    return rsvd_smb2_msg_view(buf, len, out->security_buffer_offset, out->security_buffer_length,
                      TGT_SESSION_SETUP_REQ_BUFFER_OFFSET, &out->security_buffer);
}

int tgt_session_setup_req_encode(const tgt_session_setup_req *m, uint8_t *buf, size_t cap,
                                 size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->security_buffer, m->security_buffer_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout layout;
    rsvd_smb2_layout_init(&layout, TGT_SESSION_SETUP_REQ_BUFFER_OFFSET);
    uint64_t off =
        rsvd_smb2_layout_place(&layout, m->security_buffer_length, m->security_buffer_offset);
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_SESSION_SETUP);
    rsvd_wr_u16(&w, TGT_SESSION_SETUP_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u8(&w, m->flags);                               /* 66: Flags */
    rsvd_wr_u8(&w, m->security_mode);                       /* 67: SecurityMode */
    rsvd_wr_u32(&w, m->capabilities);                       /* 68: Capabilities */
    rsvd_wr_u32(&w, m->channel);                            /* 72: Channel */
    rsvd_wr_u16(&w, (uint16_t)off);                         /* 76: SecurityBufferOffset */
    rsvd_wr_u16(&w, m->security_buffer_length);             /* 78: SecurityBufferLength */
    rsvd_wr_u64(&w, m->previous_session_id);                /* 80: PreviousSessionId */
    if (m->security_buffer_length)
        rsvd_smb2_msg_put_buf(&w, off, m->security_buffer,
                              m->security_buffer_length); /* 88: Buffer */
    else
        rsvd_wr_u8(&w, 0);
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.6 SMB2 SESSION_SETUP Response */
int tgt_session_setup_rsp_decode(const uint8_t *buf, size_t len, tgt_session_setup_rsp *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_SESSION_SETUP);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);     /* 64: StructureSize */
    out->session_flags = rsvd_rd_u16(&r);          /* 66: SessionFlags */
    out->security_buffer_offset = rsvd_rd_u16(&r); /* 68: SecurityBufferOffset */
    out->security_buffer_length = rsvd_rd_u16(&r); /* 70: SecurityBufferLength */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, TGT_SESSION_SETUP_RSP_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 72: Buffer */
    return rsvd_smb2_msg_view(buf, len, out->security_buffer_offset, out->security_buffer_length,
                      TGT_SESSION_SETUP_RSP_BUFFER_OFFSET, &out->security_buffer);
}

int tgt_session_setup_rsp_encode(const tgt_session_setup_rsp *m, uint8_t *buf, size_t cap,
                                 size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->security_buffer, m->security_buffer_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout layout;
    rsvd_smb2_layout_init(&layout, TGT_SESSION_SETUP_RSP_BUFFER_OFFSET);
    uint64_t off =
        rsvd_smb2_layout_place(&layout, m->security_buffer_length, m->security_buffer_offset);
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_SESSION_SETUP);
    rsvd_wr_u16(&w, TGT_SESSION_SETUP_RSP_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, m->session_flags);                      /* 66: SessionFlags */
    rsvd_wr_u16(&w, (uint16_t)off);                         /* 68: SecurityBufferOffset */
    rsvd_wr_u16(&w, m->security_buffer_length);             /* 70: SecurityBufferLength */
    if (m->security_buffer_length)
        rsvd_smb2_msg_put_buf(&w, off, m->security_buffer,
                              m->security_buffer_length); /* 72: Buffer */
    else
        rsvd_wr_u8(&w, 0);
    return rsvd_wr_finish(&w, out_len);
}
