/*
 * SMB2 READ and WRITE requests and responses ([MS-SMB2] 2.2.19 - 2.2.22).
 */
#include "smb2_msg.h"

#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/* [MS-SMB2] 2.2.19 SMB2 READ Request */
int rsvd_smb2_read_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_read_req *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_READ);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->padding = rsvd_rd_u8(&r);                    /* 66: Padding */
    out->flags = rsvd_rd_u8(&r);                      /* 67: Flags */
    out->length = rsvd_rd_u32(&r);                    /* 68: Length */
    out->offset = rsvd_rd_u64(&r);                    /* 72: Offset */
    out->file_id.persistent_id = rsvd_rd_u64(&r);     /* 80: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);       /* 88: FileId.Volatile */
    out->minimum_count = rsvd_rd_u32(&r);             /* 96: MinimumCount */
    out->channel = rsvd_rd_u32(&r);                   /* 100: Channel */
    out->remaining_bytes = rsvd_rd_u32(&r);           /* 104: RemainingBytes */
    out->read_channel_info_offset = rsvd_rd_u16(&r);  /* 108: ReadChannelInfoOffset */
    out->read_channel_info_length = rsvd_rd_u16(&r);  /* 110: ReadChannelInfoLength */
    rsvd_rd_skip(&r, 1); /* 112: Buffer: "the client MUST set one byte of this field" */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_READ_REQ_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    return rsvd_smb2_msg_view(buf, len, out->read_channel_info_offset,
                              out->read_channel_info_length, RSVD_SMB2_READ_REQ_BUFFER_OFFSET,
                              &out->read_channel_info);
}

int rsvd_smb2_read_req_encode(const rsvd_smb2_read_req *m, uint8_t *buf, size_t cap,
                              size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->read_channel_info, m->read_channel_info_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout l;
    rsvd_smb2_layout_init(&l, RSVD_SMB2_READ_REQ_BUFFER_OFFSET);
    uint64_t ci_off = rsvd_smb2_layout_place(&l, m->read_channel_info_length,
                                        m->read_channel_info_offset);

    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_READ);
    rsvd_wr_u16(&w, RSVD_SMB2_READ_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u8(&w, m->padding);                        /* 66: Padding */
    rsvd_wr_u8(&w, m->flags);                          /* 67: Flags */
    rsvd_wr_u32(&w, m->length);                        /* 68: Length */
    rsvd_wr_u64(&w, m->offset);                        /* 72: Offset */
    rsvd_wr_u64(&w, m->file_id.persistent_id);         /* 80: FileId.Persistent */
    rsvd_wr_u64(&w, m->file_id.volatile_id);           /* 88: FileId.Volatile */
    rsvd_wr_u32(&w, m->minimum_count);                 /* 96: MinimumCount */
    rsvd_wr_u32(&w, m->channel);                       /* 100: Channel */
    rsvd_wr_u32(&w, m->remaining_bytes);               /* 104: RemainingBytes */
    rsvd_wr_u16(&w, (uint16_t)ci_off);                 /* 108: ReadChannelInfoOffset */
    rsvd_wr_u16(&w, m->read_channel_info_length);      /* 110: ReadChannelInfoLength */
    if (m->read_channel_info_length)                   /* 112: Buffer */
        rsvd_smb2_msg_put_buf(&w, ci_off, m->read_channel_info, m->read_channel_info_length);
    else
        rsvd_wr_u8(&w, 0); /* the one byte the client MUST send */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.20 SMB2 READ Response */
int rsvd_smb2_read_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_read_rsp *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_READ);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->data_offset = rsvd_rd_u8(&r);                /* 66: DataOffset */
    rsvd_rd_skip(&r, 1);                              /* 67: Reserved */
    out->data_length = rsvd_rd_u32(&r);               /* 68: DataLength */
    out->data_remaining = rsvd_rd_u32(&r);            /* 72: DataRemaining */
    out->flags = rsvd_rd_u32(&r);                     /* 76: Reserved2 / Flags */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_READ_RSP_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 80: Buffer */
    return rsvd_smb2_msg_view(buf, len, out->data_offset, out->data_length,
                         RSVD_SMB2_READ_RSP_BUFFER_OFFSET, &out->data);
}

static void read_rsp_put_fixed(rsvd_wr *w, const rsvd_smb2_read_rsp *m, uint8_t data_offset)
{
    rsvd_smb2_msg_put_hdr(w, &m->hdr, RSVD_SMB2_READ);
    rsvd_wr_u16(w, RSVD_SMB2_READ_RSP_STRUCTURE_SIZE);  /* 64: StructureSize */
    rsvd_wr_u8(w, data_offset);                        /* 66: DataOffset */
    rsvd_wr_u8(w, 0);                                  /* 67: Reserved */
    rsvd_wr_u32(w, m->data_length);                    /* 68: DataLength */
    rsvd_wr_u32(w, m->data_remaining);                 /* 72: DataRemaining */
    rsvd_wr_u32(w, m->flags);                          /* 76: Reserved2 / Flags */
}

int rsvd_smb2_read_rsp_encode(const rsvd_smb2_read_rsp *m, uint8_t *buf, size_t cap,
                              size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->data, m->data_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout l;
    rsvd_smb2_layout_init(&l, RSVD_SMB2_READ_RSP_BUFFER_OFFSET);
    uint64_t data_off = rsvd_smb2_layout_place(&l, m->data_length, m->data_offset);

    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    read_rsp_put_fixed(&w, m, (uint8_t)data_off);
    rsvd_smb2_msg_put_buf(&w, data_off, m->data, m->data_length); /* 80: Buffer */
    return rsvd_wr_finish(&w, out_len);
}

int rsvd_smb2_read_rsp_encode_head(const rsvd_smb2_read_rsp *m, uint8_t *buf, size_t cap)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    read_rsp_put_fixed(&w, m, RSVD_SMB2_READ_RSP_BUFFER_OFFSET);
    return rsvd_wr_finish(&w, NULL);
}

/* [MS-SMB2] 2.2.21 SMB2 WRITE Request */
int rsvd_smb2_write_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_write_req *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_WRITE);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->data_offset = rsvd_rd_u16(&r);               /* 66: DataOffset */
    out->length = rsvd_rd_u32(&r);                    /* 68: Length */
    out->offset = rsvd_rd_u64(&r);                    /* 72: Offset */
    out->file_id.persistent_id = rsvd_rd_u64(&r);     /* 80: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);       /* 88: FileId.Volatile */
    out->channel = rsvd_rd_u32(&r);                   /* 96: Channel */
    out->remaining_bytes = rsvd_rd_u32(&r);           /* 100: RemainingBytes */
    out->write_channel_info_offset = rsvd_rd_u16(&r); /* 104: WriteChannelInfoOffset */
    out->write_channel_info_length = rsvd_rd_u16(&r); /* 106: WriteChannelInfoLength */
    out->flags = rsvd_rd_u32(&r);                     /* 108: Flags */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_WRITE_REQ_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 112: Buffer */
    rc = rsvd_smb2_msg_view(buf, len, out->data_offset, out->length,
                            RSVD_SMB2_WRITE_REQ_BUFFER_OFFSET, &out->data);
    if (rc != RSVD_OK)
        return rc;
    return rsvd_smb2_msg_view(buf, len, out->write_channel_info_offset,
                         out->write_channel_info_length, RSVD_SMB2_WRITE_REQ_BUFFER_OFFSET,
                         &out->write_channel_info);
}

static void write_req_put_fixed(rsvd_wr *w, const rsvd_smb2_write_req *m, uint16_t data_offset,
                                uint16_t ci_offset)
{
    rsvd_smb2_msg_put_hdr(w, &m->hdr, RSVD_SMB2_WRITE);
    rsvd_wr_u16(w, RSVD_SMB2_WRITE_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(w, data_offset);                       /* 66: DataOffset */
    rsvd_wr_u32(w, m->length);                         /* 68: Length */
    rsvd_wr_u64(w, m->offset);                         /* 72: Offset */
    rsvd_wr_u64(w, m->file_id.persistent_id);          /* 80: FileId.Persistent */
    rsvd_wr_u64(w, m->file_id.volatile_id);            /* 88: FileId.Volatile */
    rsvd_wr_u32(w, m->channel);                        /* 96: Channel */
    rsvd_wr_u32(w, m->remaining_bytes);                /* 100: RemainingBytes */
    rsvd_wr_u16(w, ci_offset);                         /* 104: WriteChannelInfoOffset */
    rsvd_wr_u16(w, m->write_channel_info_length);      /* 106: WriteChannelInfoLength */
    rsvd_wr_u32(w, m->flags);                          /* 108: Flags */
}

int rsvd_smb2_write_req_encode(const rsvd_smb2_write_req *m, uint8_t *buf, size_t cap,
                               size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->data, m->length) ||
        !rsvd_smb2_view_ok(m->write_channel_info, m->write_channel_info_length))
        return RSVD_E_INVAL;
    /* The channel info (at most 64 KiB) goes first, so that DataOffset, a
     * 16-bit field, can follow it whatever the length of the data. */
    rsvd_smb2_layout l;
    rsvd_smb2_layout_init(&l, RSVD_SMB2_WRITE_REQ_BUFFER_OFFSET);
    uint64_t ci_off = rsvd_smb2_layout_place(&l, m->write_channel_info_length,
                                        m->write_channel_info_offset);
    uint64_t data_off = rsvd_smb2_layout_place(&l, m->length, m->data_offset);
    if (data_off > UINT16_MAX) /* data after more than 65416 bytes of channel info */
        return RSVD_E_INVAL;

    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    write_req_put_fixed(&w, m, (uint16_t)data_off, (uint16_t)ci_off);
    rsvd_smb2_msg_put_buf(&w, ci_off, m->write_channel_info, m->write_channel_info_length);
    rsvd_smb2_msg_put_buf(&w, data_off, m->data, m->length); /* 112: Buffer */
    return rsvd_wr_finish(&w, out_len);
}

int rsvd_smb2_write_req_encode_head(const rsvd_smb2_write_req *m, uint8_t *buf, size_t cap)
{
    if (m->write_channel_info_length)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    write_req_put_fixed(&w, m, RSVD_SMB2_WRITE_REQ_BUFFER_OFFSET, m->write_channel_info_offset);
    return rsvd_wr_finish(&w, NULL);
}

/* [MS-SMB2] 2.2.22 SMB2 WRITE Response */
int rsvd_smb2_write_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_write_rsp *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_WRITE);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    rsvd_rd_skip(&r, 2);                              /* 66: Reserved */
    out->count = rsvd_rd_u32(&r);                     /* 68: Count */
    out->remaining = rsvd_rd_u32(&r);                 /* 72: Remaining */
    out->write_channel_info_offset = rsvd_rd_u16(&r); /* 76: WriteChannelInfoOffset */
    out->write_channel_info_length = rsvd_rd_u16(&r); /* 78: WriteChannelInfoLength */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_WRITE_RSP_STRUCTURE_SIZE);
}

int rsvd_smb2_write_rsp_encode(const rsvd_smb2_write_rsp *m, uint8_t *buf, size_t cap,
                               size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_WRITE);
    rsvd_wr_u16(&w, RSVD_SMB2_WRITE_RSP_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, 0);                                 /* 66: Reserved */
    rsvd_wr_u32(&w, m->count);                          /* 68: Count */
    rsvd_wr_u32(&w, m->remaining);                      /* 72: Remaining */
    rsvd_wr_u16(&w, m->write_channel_info_offset);      /* 76: WriteChannelInfoOffset */
    rsvd_wr_u16(&w, m->write_channel_info_length);      /* 78: WriteChannelInfoLength */
    return rsvd_wr_finish(&w, out_len);
}
