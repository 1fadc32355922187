/*
 * Integrator template: the NEGOTIATE exchange, client side (see
 * smb2_setup_negotiate.h). Fields in the order of the spec's tables.
 */
#include "smb2_setup_negotiate.h"

#include <string.h>

#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

int smb2_negotiate_req_encode(const rsvd_smb2_hdr *hdr, const smb2_negotiate_req *r, uint8_t *buf,
                              size_t cap, size_t *len)
{
    if (r->dialect_count == 0 || r->dialect_count > SMB2_NEGOTIATE_DIALECTS_MAX)
        return RSVD_E_INVAL;
    for (uint16_t i = 0; i < r->dialect_count; i++)
        if (r->dialects[i] > RSVD_SMB2_DIALECT_302)
            return RSVD_E_INVAL; /* 3.1.1 needs negotiate contexts */
    rsvd_smb2_hdr h = *hdr;
    h.command = RSVD_SMB2_NEGOTIATE;
    if (rsvd_smb2_hdr_encode(&h, buf, cap) != RSVD_OK)
        return RSVD_E_NOSPC;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_take(&w, RSVD_SMB2_HEADER_SIZE);
    rsvd_wr_u16(&w, SMB2_NEGOTIATE_REQ_FIXED); /* StructureSize */
    rsvd_wr_u16(&w, r->dialect_count);         /* DialectCount */
    rsvd_wr_u16(&w, r->security_mode);         /* SecurityMode */
    rsvd_wr_u16(&w, 0);                        /* Reserved */
    rsvd_wr_u32(&w, r->capabilities);          /* Capabilities */
    rsvd_wr_guid(&w, &r->client_guid);         /* ClientGuid */
    rsvd_wr_u64(&w, 0);                        /* ClientStartTime: 0 below 3.1.1 */
    for (uint16_t i = 0; i < r->dialect_count; i++)
        rsvd_wr_u16(&w, r->dialects[i]);       /* Dialects */
    return rsvd_wr_finish(&w, len);
}

int smb2_negotiate_rsp_decode(const uint8_t *msg, size_t len, smb2_negotiate_rsp *out)
{
    memset(out, 0, sizeof *out);
    int rc = rsvd_smb2_hdr_decode(msg, len, &out->hdr);
    if (rc != RSVD_OK)
        return rc;
    if (out->hdr.command != RSVD_SMB2_NEGOTIATE)
        return RSVD_E_WIRE_COMMAND;
    rsvd_rd r;
    rsvd_rd_init(&r, msg, len);
    rsvd_rd_skip(&r, RSVD_SMB2_HEADER_SIZE);
    if (rsvd_rd_left(&r) < SMB2_NEGOTIATE_RSP_FIXED)
        return RSVD_E_WIRE_SHORT;
    if (rsvd_rd_u16(&r) != SMB2_NEGOTIATE_RSP_FIXED + 1u) /* StructureSize 65 */
        return RSVD_E_WIRE_STRUCTURE_SIZE;
    out->security_mode = rsvd_rd_u16(&r);
    out->dialect = rsvd_rd_u16(&r);
    rsvd_rd_skip(&r, 2); /* NegotiateContextCount (3.1.1) / Reserved */
    rsvd_rd_guid(&r, &out->server_guid);
    out->capabilities = rsvd_rd_u32(&r);
    out->max_transact_size = rsvd_rd_u32(&r);
    out->max_read_size = rsvd_rd_u32(&r);
    out->max_write_size = rsvd_rd_u32(&r);
    out->system_time = rsvd_rd_u64(&r);
    out->server_start_time = rsvd_rd_u64(&r);
    uint16_t off = rsvd_rd_u16(&r);  /* SecurityBufferOffset, from the header */
    uint16_t blen = rsvd_rd_u16(&r); /* SecurityBufferLength */
    rsvd_rd_skip(&r, 4);             /* NegotiateContextOffset (3.1.1) / Reserved2 */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (blen) {
        if (off < RSVD_SMB2_HEADER_SIZE + SMB2_NEGOTIATE_RSP_FIXED)
            return RSVD_E_WIRE_OFFSET;
        if (!rsvd_wire_range_ok(len, off, blen))
            return RSVD_E_WIRE_RANGE;
        rsvd_rd_seek(&r, off);
        out->security_buffer = rsvd_rd_take(&r, blen);
        out->security_buffer_length = blen;
    }
    return RSVD_OK;
}
