/*
 * Integrator template: the NEGOTIATE exchange, client side (see
 * smb2_setup_negotiate.h). Fields in the order of the spec's tables, through
 * the toolkit's codec helpers (rsvd/wire_smb2.h).
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
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, hdr, RSVD_SMB2_NEGOTIATE);
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
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, msg, len, &out->hdr, RSVD_SMB2_NEGOTIATE);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r); /* 64: StructureSize */
    out->security_mode = rsvd_rd_u16(&r);      /* 66: SecurityMode */
    out->dialect = rsvd_rd_u16(&r);            /* 68: DialectRevision */
    rsvd_rd_skip(&r, 2);                       /* 70: NegotiateContextCount / Reserved */
    rsvd_rd_guid(&r, &out->server_guid);       /* 72: ServerGuid */
    out->capabilities = rsvd_rd_u32(&r);       /* 88: Capabilities */
    out->max_transact_size = rsvd_rd_u32(&r);  /* 92: MaxTransactSize */
    out->max_read_size = rsvd_rd_u32(&r);      /* 96: MaxReadSize */
    out->max_write_size = rsvd_rd_u32(&r);     /* 100: MaxWriteSize */
    out->system_time = rsvd_rd_u64(&r);        /* 104: SystemTime */
    out->server_start_time = rsvd_rd_u64(&r);  /* 112: ServerStartTime */
    uint16_t off = rsvd_rd_u16(&r);            /* 120: SecurityBufferOffset */
    out->security_buffer_length = rsvd_rd_u16(&r); /* 122: SecurityBufferLength */
    rsvd_rd_skip(&r, 4);                       /* 124: NegotiateContextOffset / Reserved2 */
    /* StructureSize 65 counts one byte of the Buffer. */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, SMB2_NEGOTIATE_RSP_FIXED + 1u);
    if (rc != RSVD_OK)
        return rc;
    /* 128: Buffer */
    return rsvd_smb2_msg_view(msg, len, off, out->security_buffer_length,
                              RSVD_SMB2_HEADER_SIZE + SMB2_NEGOTIATE_RSP_FIXED,
                              &out->security_buffer);
}
