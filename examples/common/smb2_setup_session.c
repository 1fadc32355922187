/*
 * Integrator template: the session family, client side (see
 * smb2_setup_session.h). Fields in the order of the spec's tables.
 */
#include "smb2_setup_session.h"

#include <string.h>

#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

int smb2_session_setup_req_encode(const rsvd_smb2_hdr *hdr, const smb2_session_setup_req *r,
                                  uint8_t *buf, size_t cap, size_t *len)
{
    rsvd_smb2_hdr h = *hdr;
    h.command = RSVD_SMB2_SESSION_SETUP;
    if (rsvd_smb2_hdr_encode(&h, buf, cap) != RSVD_OK)
        return RSVD_E_NOSPC;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_take(&w, RSVD_SMB2_HEADER_SIZE);
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
    int rc = rsvd_smb2_hdr_decode(msg, len, &out->hdr);
    if (rc != RSVD_OK)
        return rc;
    if (out->hdr.command != RSVD_SMB2_SESSION_SETUP)
        return RSVD_E_WIRE_COMMAND;
    rsvd_rd r;
    rsvd_rd_init(&r, msg, len);
    rsvd_rd_skip(&r, RSVD_SMB2_HEADER_SIZE);
    if (rsvd_rd_left(&r) < SMB2_SESSION_SETUP_RSP_FIXED)
        return RSVD_E_WIRE_SHORT;
    if (rsvd_rd_u16(&r) != SMB2_SESSION_SETUP_RSP_FIXED + 1u) /* StructureSize 9 */
        return RSVD_E_WIRE_STRUCTURE_SIZE;
    out->session_flags = rsvd_rd_u16(&r);
    uint16_t off = rsvd_rd_u16(&r);  /* SecurityBufferOffset, from the header */
    uint16_t blen = rsvd_rd_u16(&r); /* SecurityBufferLength */
    if (blen) {
        if (off < RSVD_SMB2_HEADER_SIZE + SMB2_SESSION_SETUP_RSP_FIXED)
            return RSVD_E_WIRE_OFFSET;
        if (!rsvd_wire_range_ok(len, off, blen))
            return RSVD_E_WIRE_RANGE;
        rsvd_rd_seek(&r, off);
        out->security_buffer = rsvd_rd_take(&r, blen);
        out->security_buffer_length = blen;
    }
    return RSVD_OK;
}

int smb2_logoff_req_encode(const rsvd_smb2_hdr *hdr, uint8_t *buf, size_t cap, size_t *len)
{
    rsvd_smb2_hdr h = *hdr;
    h.command = RSVD_SMB2_LOGOFF;
    if (rsvd_smb2_hdr_encode(&h, buf, cap) != RSVD_OK)
        return RSVD_E_NOSPC;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_take(&w, RSVD_SMB2_HEADER_SIZE);
    rsvd_wr_u16(&w, SMB2_LOGOFF_SIZE); /* StructureSize */
    rsvd_wr_u16(&w, 0);                /* Reserved */
    return rsvd_wr_finish(&w, len);
}

int smb2_logoff_rsp_decode(const uint8_t *msg, size_t len, rsvd_smb2_hdr *hdr)
{
    int rc = rsvd_smb2_hdr_decode(msg, len, hdr);
    if (rc != RSVD_OK)
        return rc;
    if (hdr->command != RSVD_SMB2_LOGOFF)
        return RSVD_E_WIRE_COMMAND;
    rsvd_rd r;
    rsvd_rd_init(&r, msg, len);
    rsvd_rd_skip(&r, RSVD_SMB2_HEADER_SIZE);
    uint16_t size = rsvd_rd_u16(&r);
    rsvd_rd_skip(&r, 2); /* Reserved */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    return size == SMB2_LOGOFF_SIZE ? RSVD_OK : RSVD_E_WIRE_STRUCTURE_SIZE;
}
