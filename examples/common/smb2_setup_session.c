/*
 * Integrator template: the session family, client side (see
 * smb2_setup_session.h). Fields in the order of the spec's tables, through
 * the toolkit's codec helpers (rsvd/wire_smb2.h).
 */
#include "smb2_setup_session.h"

#include <string.h>

#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

int smb2_session_setup_req_encode(const rsvd_smb2_hdr *hdr, const smb2_session_setup_req *r,
                                  uint8_t *buf, size_t cap, size_t *len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, hdr, RSVD_SMB2_SESSION_SETUP);
    rsvd_wr_u16(&w, SMB2_SESSION_SETUP_REQ_FIXED + 1u); /* StructureSize 25 */
    rsvd_wr_u8(&w, r->flags);                           /* Flags */
    rsvd_wr_u8(&w, r->security_mode);                   /* SecurityMode */
    rsvd_wr_u32(&w, r->capabilities);                   /* Capabilities */
    rsvd_wr_u32(&w, 0);                                 /* Channel: 0 */
    /* SecurityBufferOffset: the Buffer, right after the fixed part. */
    rsvd_wr_u16(&w, (uint16_t)(RSVD_SMB2_HEADER_SIZE + SMB2_SESSION_SETUP_REQ_FIXED));
    rsvd_wr_u16(&w, r->security_buffer_length);         /* SecurityBufferLength */
    rsvd_wr_u64(&w, r->previous_session_id);            /* PreviousSessionId */
    if (r->security_buffer_length)
        rsvd_wr_bytes(&w, r->security_buffer, r->security_buffer_length);
    else
        rsvd_wr_u8(&w, 0); /* the Buffer's one byte */
    return rsvd_wr_finish(&w, len);
}

int smb2_session_setup_rsp_decode(const uint8_t *msg, size_t len, smb2_session_setup_rsp *out)
{
    memset(out, 0, sizeof *out);
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, msg, len, &out->hdr, RSVD_SMB2_SESSION_SETUP);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);     /* 64: StructureSize */
    out->session_flags = rsvd_rd_u16(&r);          /* 66: SessionFlags */
    uint16_t off = rsvd_rd_u16(&r);                /* 68: SecurityBufferOffset */
    out->security_buffer_length = rsvd_rd_u16(&r); /* 70: SecurityBufferLength */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, SMB2_SESSION_SETUP_RSP_FIXED + 1u);
    if (rc != RSVD_OK)
        return rc;
    /* 72: Buffer */
    return rsvd_smb2_msg_view(msg, len, off, out->security_buffer_length,
                              RSVD_SMB2_HEADER_SIZE + SMB2_SESSION_SETUP_RSP_FIXED,
                              &out->security_buffer);
}

int smb2_logoff_req_encode(const rsvd_smb2_hdr *hdr, uint8_t *buf, size_t cap, size_t *len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, hdr, RSVD_SMB2_LOGOFF);
    rsvd_wr_u16(&w, SMB2_LOGOFF_SIZE); /* StructureSize */
    rsvd_wr_u16(&w, 0);                /* Reserved */
    return rsvd_wr_finish(&w, len);
}

int smb2_logoff_rsp_decode(const uint8_t *msg, size_t len, rsvd_smb2_hdr *hdr)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, msg, len, hdr, RSVD_SMB2_LOGOFF);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r); /* 64: StructureSize */
    rsvd_rd_skip(&r, 2);                       /* 66: Reserved */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, SMB2_LOGOFF_SIZE);
}
