/*
 * SMB2 packet header ([MS-SMB2] 2.2.1) and ERROR response ([MS-SMB2] 2.2.2).
 */
#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

int rsvd_smb2_hdr_decode(const uint8_t *buf, size_t len, rsvd_smb2_hdr *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    if (rsvd_rd_left(&r) < RSVD_SMB2_HEADER_SIZE)
        return RSVD_E_WIRE_SHORT;

    uint32_t protocol_id = rsvd_rd_u32(&r);        /* 0: ProtocolId */
    uint16_t structure_size = rsvd_rd_u16(&r);     /* 4: StructureSize */
    out->credit_charge = rsvd_rd_u16(&r);          /* 6: CreditCharge */
    out->status = rsvd_rd_u32(&r);                 /* 8: Status / ChannelSequence */
    out->command = rsvd_rd_u16(&r);                /* 12: Command */
    out->credit = rsvd_rd_u16(&r);                 /* 14: CreditRequest/Response */
    out->flags = rsvd_rd_u32(&r);                  /* 16: Flags */
    out->next_command = rsvd_rd_u32(&r);           /* 20: NextCommand */
    out->message_id = rsvd_rd_u64(&r);             /* 24: MessageId */
    if (out->flags & RSVD_SMB2_FLAGS_ASYNC_COMMAND) {
        out->async_id = rsvd_rd_u64(&r);           /* 32: AsyncId */
        out->reserved = 0;
        out->tree_id = 0;
    } else {
        out->async_id = 0;
        out->reserved = rsvd_rd_u32(&r);           /* 32: Reserved */
        out->tree_id = rsvd_rd_u32(&r);            /* 36: TreeId */
    }
    out->session_id = rsvd_rd_u64(&r);             /* 40: SessionId */
    rsvd_rd_copy(&r, out->signature, 16);          /* 48: Signature */

    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (protocol_id != RSVD_SMB2_PROTOCOL_ID)
        return RSVD_E_WIRE_PROTOCOL_ID;
    if (structure_size != RSVD_SMB2_HEADER_SIZE)
        return RSVD_E_WIRE_STRUCTURE_SIZE;
    return RSVD_OK;
}

int rsvd_smb2_hdr_encode(const rsvd_smb2_hdr *h, uint8_t *buf, size_t cap)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, RSVD_SMB2_PROTOCOL_ID);
    rsvd_wr_u16(&w, RSVD_SMB2_HEADER_SIZE);
    rsvd_wr_u16(&w, h->credit_charge);
    rsvd_wr_u32(&w, h->status);
    rsvd_wr_u16(&w, h->command);
    rsvd_wr_u16(&w, h->credit);
    rsvd_wr_u32(&w, h->flags);
    rsvd_wr_u32(&w, h->next_command);
    rsvd_wr_u64(&w, h->message_id);
    if (h->flags & RSVD_SMB2_FLAGS_ASYNC_COMMAND) {
        rsvd_wr_u64(&w, h->async_id);
    } else {
        rsvd_wr_u32(&w, h->reserved);
        rsvd_wr_u32(&w, h->tree_id);
    }
    rsvd_wr_u64(&w, h->session_id);
    rsvd_wr_bytes(&w, h->signature, 16);
    return rsvd_wr_finish(&w, NULL);
}

int rsvd_smb2_error_decode(const uint8_t *buf, size_t len, rsvd_smb2_error *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    uint16_t structure_size = rsvd_rd_u16(&r);     /* 0: StructureSize */
    out->error_context_count = rsvd_rd_u8(&r);     /* 2: ErrorContextCount */
    rsvd_rd_skip(&r, 1);                           /* 3: Reserved */
    out->byte_count = rsvd_rd_u32(&r);             /* 4: ByteCount */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (structure_size != RSVD_SMB2_ERROR_STRUCTURE_SIZE)
        return RSVD_E_WIRE_STRUCTURE_SIZE;
    out->error_data = rsvd_rd_take(&r, out->byte_count); /* 8: ErrorData */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_RANGE;
    return RSVD_OK;
}

int rsvd_smb2_error_encode(const rsvd_smb2_error *e, uint8_t *buf, size_t cap, size_t *out_len)
{
    if (e->byte_count && !e->error_data)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u16(&w, RSVD_SMB2_ERROR_STRUCTURE_SIZE);
    rsvd_wr_u8(&w, e->error_context_count);
    rsvd_wr_u8(&w, 0);
    rsvd_wr_u32(&w, e->byte_count);
    if (e->byte_count)
        rsvd_wr_bytes(&w, e->error_data, e->byte_count);
    else
        rsvd_wr_u8(&w, 0); /* [MS-SMB2] 2.2.2 <5>: the pad byte every peer expects */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 3.3.4.4 Sending an Error Response */
int rsvd_smb2_error_response_build(const rsvd_smb2_hdr *req, uint32_t status, uint16_t credits,
                                   uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_smb2_hdr h = *req;
    h.status = status;
    h.next_command = 0;
    h.flags |= RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    if (req->flags & RSVD_SMB2_FLAGS_ASYNC_COMMAND)
        h.credit = 0;
    else
        h.credit = credits;
    h.flags &= ~RSVD_SMB2_FLAGS_SIGNED; /* the host signs, if it must, after building */
    for (size_t i = 0; i < sizeof h.signature; i++)
        h.signature[i] = 0;

    if (cap < RSVD_SMB2_HEADER_SIZE)
        return RSVD_E_NOSPC;
    int rc = rsvd_smb2_hdr_encode(&h, buf, cap);
    if (rc != RSVD_OK)
        return rc;
    size_t body_len = 0;
    const rsvd_smb2_error e = {0, NULL, 0};
    rc = rsvd_smb2_error_encode(&e, buf + RSVD_SMB2_HEADER_SIZE, cap - RSVD_SMB2_HEADER_SIZE,
                                &body_len);
    if (rc != RSVD_OK)
        return rc;
    if (out_len)
        *out_len = RSVD_SMB2_HEADER_SIZE + body_len;
    return RSVD_OK;
}
