/*
 * rsvd-target: NEGOTIATE, SMB1 NEGOTIATE and VALIDATE_NEGOTIATE_INFO codecs
 * (see smb2_negotiate.h).
 */
#include "smb2_negotiate.h"

#include <rsvd/wire_smb2.h>
#include <rsvd/smb2.h>
#include <rsvd/wire.h>

/* [MS-SMB2] 2.2.3 SMB2 NEGOTIATE Request */
int tgt_negotiate_req_decode(const uint8_t *buf, size_t len, tgt_negotiate_req *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_NEGOTIATE);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);   /* 64: StructureSize */
    out->dialect_count = rsvd_rd_u16(&r);        /* 66: DialectCount */
    out->security_mode = rsvd_rd_u16(&r);        /* 68: SecurityMode */
    rsvd_rd_skip(&r, 2);                         /* 70: Reserved */
    out->capabilities = rsvd_rd_u32(&r);         /* 72: Capabilities */
    rsvd_rd_guid(&r, &out->client_guid);         /* 76: ClientGuid */
    out->client_start_time = rsvd_rd_u64(&r);    /* 92: NegotiateContext* / ClientStartTime */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, TGT_NEGOTIATE_REQ_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 100: Dialects, right after the fixed part. */
    return rsvd_smb2_msg_view(buf, len, TGT_NEGOTIATE_REQ_DIALECTS_OFFSET,
                              2u * (uint64_t)out->dialect_count, TGT_NEGOTIATE_REQ_DIALECTS_OFFSET,
                              &out->dialects);
}

int tgt_negotiate_req_encode(const tgt_negotiate_req *m, uint8_t *buf, size_t cap,
                             size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->dialects, m->dialect_count))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_NEGOTIATE);
    rsvd_wr_u16(&w, TGT_NEGOTIATE_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, m->dialect_count);                 /* 66: DialectCount */
    rsvd_wr_u16(&w, m->security_mode);                 /* 68: SecurityMode */
    rsvd_wr_u16(&w, 0);                                /* 70: Reserved */
    rsvd_wr_u32(&w, m->capabilities);                  /* 72: Capabilities */
    rsvd_wr_guid(&w, &m->client_guid);                 /* 76: ClientGuid */
    rsvd_wr_u64(&w, m->client_start_time);             /* 92: ClientStartTime */
    rsvd_wr_bytes(&w, m->dialects, 2u * (size_t)m->dialect_count); /* 100: Dialects */
    return rsvd_wr_finish(&w, out_len);
}

uint16_t tgt_negotiate_req_dialect(const tgt_negotiate_req *m, uint16_t i)
{
    if (i >= m->dialect_count || !m->dialects)
        return 0;
    rsvd_rd r;
    rsvd_rd_init(&r, m->dialects, 2u * (size_t)m->dialect_count);
    rsvd_rd_skip(&r, 2u * (size_t)i);
    return rsvd_rd_u16(&r);
}

/* [MS-SMB2] 2.2.4 SMB2 NEGOTIATE Response */
int tgt_negotiate_rsp_decode(const uint8_t *buf, size_t len, tgt_negotiate_rsp *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_NEGOTIATE);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->security_mode = rsvd_rd_u16(&r);             /* 66: SecurityMode */
    out->dialect_revision = rsvd_rd_u16(&r);          /* 68: DialectRevision */
    out->negotiate_context_count = rsvd_rd_u16(&r);   /* 70: NegotiateContextCount */
    rsvd_rd_guid(&r, &out->server_guid);              /* 72: ServerGuid */
    out->capabilities = rsvd_rd_u32(&r);              /* 88: Capabilities */
    out->max_transact_size = rsvd_rd_u32(&r);         /* 92: MaxTransactSize */
    out->max_read_size = rsvd_rd_u32(&r);             /* 96: MaxReadSize */
    out->max_write_size = rsvd_rd_u32(&r);            /* 100: MaxWriteSize */
    out->system_time = rsvd_rd_u64(&r);               /* 104: SystemTime */
    out->server_start_time = rsvd_rd_u64(&r);         /* 112: ServerStartTime */
    out->security_buffer_offset = rsvd_rd_u16(&r);    /* 120: SecurityBufferOffset */
    out->security_buffer_length = rsvd_rd_u16(&r);    /* 122: SecurityBufferLength */
    out->negotiate_context_offset = rsvd_rd_u32(&r);  /* 124: NegotiateContextOffset */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, TGT_NEGOTIATE_RSP_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 128: Buffer */
    return rsvd_smb2_msg_view(buf, len, out->security_buffer_offset, out->security_buffer_length,
                      TGT_NEGOTIATE_RSP_BUFFER_OFFSET, &out->security_buffer);
}

int tgt_negotiate_rsp_encode(const tgt_negotiate_rsp *m, uint8_t *buf, size_t cap,
                             size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->security_buffer, m->security_buffer_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout layout;
    rsvd_smb2_layout_init(&layout, TGT_NEGOTIATE_RSP_BUFFER_OFFSET);
    uint64_t off =
        rsvd_smb2_layout_place(&layout, m->security_buffer_length, m->security_buffer_offset);
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_NEGOTIATE);
    rsvd_wr_u16(&w, TGT_NEGOTIATE_RSP_STRUCTURE_SIZE);  /* 64: StructureSize */
    rsvd_wr_u16(&w, m->security_mode);                  /* 66: SecurityMode */
    rsvd_wr_u16(&w, m->dialect_revision);               /* 68: DialectRevision */
    rsvd_wr_u16(&w, m->negotiate_context_count);        /* 70: NegotiateContextCount */
    rsvd_wr_guid(&w, &m->server_guid);                  /* 72: ServerGuid */
    rsvd_wr_u32(&w, m->capabilities);                   /* 88: Capabilities */
    rsvd_wr_u32(&w, m->max_transact_size);              /* 92: MaxTransactSize */
    rsvd_wr_u32(&w, m->max_read_size);                  /* 96: MaxReadSize */
    rsvd_wr_u32(&w, m->max_write_size);                 /* 100: MaxWriteSize */
    rsvd_wr_u64(&w, m->system_time);                    /* 104: SystemTime */
    rsvd_wr_u64(&w, m->server_start_time);              /* 112: ServerStartTime */
    rsvd_wr_u16(&w, (uint16_t)off);                     /* 120: SecurityBufferOffset */
    rsvd_wr_u16(&w, m->security_buffer_length);         /* 122: SecurityBufferLength */
    rsvd_wr_u32(&w, m->negotiate_context_offset);       /* 124: NegotiateContextOffset */
    if (m->security_buffer_length)
        rsvd_smb2_msg_put_buf(&w, off, m->security_buffer,
                              m->security_buffer_length); /* 128: Buffer */
    else
        rsvd_wr_u8(&w, 0); /* the one byte StructureSize 65 counts */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB] 2.2.4.52.1 SMB_COM_NEGOTIATE request, as [MS-SMB2] 3.3.5.3 reads it */
int tgt_smb1_negotiate_decode(const uint8_t *buf, size_t len, tgt_smb1_negotiate *out)
{
    static const char wildcard[] = "SMB 2.???";
    static const char smb2002[] = "SMB 2.002";
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    uint32_t protocol = rsvd_rd_u32(&r); /* 0: Protocol */
    uint8_t command = rsvd_rd_u8(&r);    /* 4: Command */
    rsvd_rd_skip(&r, TGT_SMB1_HEADER_SIZE - 5);
    uint8_t word_count = rsvd_rd_u8(&r); /* 32: WordCount */
    uint16_t byte_count = rsvd_rd_u16(&r); /* 33: ByteCount */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (protocol != TGT_SMB1_PROTOCOL_ID)
        return RSVD_E_WIRE_PROTOCOL_ID;
    if (command != TGT_SMB1_COM_NEGOTIATE)
        return RSVD_E_WIRE_COMMAND;
    if (word_count != 0)
        return RSVD_E_WIRE_VALUE;
    const uint8_t *bytes = rsvd_rd_take(&r, byte_count);
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    out->smb2_wildcard = false;
    out->smb2_002 = false;
    out->dialect_strings = 0;
    rsvd_rd d;
    rsvd_rd_init(&d, bytes, byte_count);
    while (rsvd_rd_left(&d) > 0) {
        if (rsvd_rd_u8(&d) != 0x02) /* BufferFormat: a dialect string */
            return RSVD_E_WIRE_VALUE;
        const uint8_t *s = rsvd_rd_take(&d, 0); /* the string's first byte */
        size_t n = 0;
        for (;;) {
            if (rsvd_rd_left(&d) == 0)
                return RSVD_E_WIRE_VALUE; /* not terminated */
            if (rsvd_rd_u8(&d) == 0)
                break;
            n++;
        }
        if (s && n == sizeof wildcard - 1 && memcmp(s, wildcard, n) == 0)
            out->smb2_wildcard = true;
        if (s && n == sizeof smb2002 - 1 && memcmp(s, smb2002, n) == 0)
            out->smb2_002 = true;
        out->dialect_strings++;
    }
    return RSVD_OK;
}

/* [MS-SMB2] 2.2.31.4 VALIDATE_NEGOTIATE_INFO Request */
int tgt_validate_negotiate_req_decode(const uint8_t *buf, size_t len,
                                      tgt_validate_negotiate_req *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->capabilities = rsvd_rd_u32(&r);  /* 0: Capabilities */
    rsvd_rd_guid(&r, &out->guid);         /* 4: Guid */
    out->security_mode = rsvd_rd_u16(&r); /* 20: SecurityMode */
    out->dialect_count = rsvd_rd_u16(&r); /* 22: DialectCount */
    out->dialects = out->dialect_count ? rsvd_rd_take(&r, 2u * (size_t)out->dialect_count)
                                       : NULL; /* 24: Dialects */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int tgt_validate_negotiate_req_encode(const tgt_validate_negotiate_req *m, uint8_t *buf,
                                      size_t cap, size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->dialects, m->dialect_count))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, m->capabilities);
    rsvd_wr_guid(&w, &m->guid);
    rsvd_wr_u16(&w, m->security_mode);
    rsvd_wr_u16(&w, m->dialect_count);
    rsvd_wr_bytes(&w, m->dialects, 2u * (size_t)m->dialect_count);
    return rsvd_wr_finish(&w, out_len);
}

uint16_t tgt_validate_negotiate_req_dialect(const tgt_validate_negotiate_req *m, uint16_t i)
{
    if (i >= m->dialect_count || !m->dialects)
        return 0;
    rsvd_rd r;
    rsvd_rd_init(&r, m->dialects, 2u * (size_t)m->dialect_count);
    rsvd_rd_skip(&r, 2u * (size_t)i);
    return rsvd_rd_u16(&r);
}

/* [MS-SMB2] 2.2.32.6 VALIDATE_NEGOTIATE_INFO Response */
int tgt_validate_negotiate_rsp_decode(const uint8_t *buf, size_t len,
                                      tgt_validate_negotiate_rsp *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->capabilities = rsvd_rd_u32(&r);  /* 0: Capabilities */
    rsvd_rd_guid(&r, &out->guid);         /* 4: Guid */
    out->security_mode = rsvd_rd_u16(&r); /* 20: SecurityMode */
    out->dialect = rsvd_rd_u16(&r);       /* 22: Dialect */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int tgt_validate_negotiate_rsp_encode(const tgt_validate_negotiate_rsp *m, uint8_t *buf,
                                      size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, m->capabilities);
    rsvd_wr_guid(&w, &m->guid);
    rsvd_wr_u16(&w, m->security_mode);
    rsvd_wr_u16(&w, m->dialect);
    return rsvd_wr_finish(&w, out_len);
}
