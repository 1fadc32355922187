/*
 * SMB2 QUERY_INFO and SET_INFO requests and responses ([MS-SMB2] 2.2.37 -
 * 2.2.40). The information structures they carry ([MS-FSCC] 2.4) are left
 * to their users as views.
 */
#include "smb2_msg.h"

#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/* [MS-SMB2] 2.2.37 SMB2 QUERY_INFO Request */
int rsvd_smb2_query_info_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_query_info_req *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_QUERY_INFO);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->info_type = rsvd_rd_u8(&r);                  /* 66: InfoType */
    out->file_info_class = rsvd_rd_u8(&r);            /* 67: FileInfoClass */
    out->output_buffer_length = rsvd_rd_u32(&r);      /* 68: OutputBufferLength */
    out->input_buffer_offset = rsvd_rd_u16(&r);       /* 72: InputBufferOffset */
    rsvd_rd_skip(&r, 2);                              /* 74: Reserved */
    out->input_buffer_length = rsvd_rd_u32(&r);       /* 76: InputBufferLength */
    out->additional_information = rsvd_rd_u32(&r);    /* 80: AdditionalInformation */
    out->flags = rsvd_rd_u32(&r);                     /* 84: Flags */
    out->file_id.persistent_id = rsvd_rd_u64(&r);     /* 88: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);       /* 96: FileId.Volatile */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_QUERY_INFO_REQ_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 104: Buffer */
    return rsvd_smb2_msg_view(buf, len, out->input_buffer_offset, out->input_buffer_length,
                         RSVD_SMB2_QUERY_INFO_REQ_BUFFER_OFFSET, &out->input);
}

int rsvd_smb2_query_info_req_encode(const rsvd_smb2_query_info_req *m, uint8_t *buf, size_t cap,
                                    size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->input, m->input_buffer_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout l;
    rsvd_smb2_layout_init(&l, RSVD_SMB2_QUERY_INFO_REQ_BUFFER_OFFSET);
    uint64_t in_off = rsvd_smb2_layout_place(&l, m->input_buffer_length, m->input_buffer_offset);

    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_QUERY_INFO);
    rsvd_wr_u16(&w, RSVD_SMB2_QUERY_INFO_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u8(&w, m->info_type);                            /* 66: InfoType */
    rsvd_wr_u8(&w, m->file_info_class);                      /* 67: FileInfoClass */
    rsvd_wr_u32(&w, m->output_buffer_length);                /* 68: OutputBufferLength */
    rsvd_wr_u16(&w, (uint16_t)in_off);                       /* 72: InputBufferOffset */
    rsvd_wr_u16(&w, 0);                                      /* 74: Reserved */
    rsvd_wr_u32(&w, m->input_buffer_length);                 /* 76: InputBufferLength */
    rsvd_wr_u32(&w, m->additional_information);              /* 80: AdditionalInformation */
    rsvd_wr_u32(&w, m->flags);                               /* 84: Flags */
    rsvd_wr_u64(&w, m->file_id.persistent_id);               /* 88: FileId.Persistent */
    rsvd_wr_u64(&w, m->file_id.volatile_id);                 /* 96: FileId.Volatile */
    rsvd_smb2_msg_put_buf(&w, in_off, m->input, m->input_buffer_length); /* 104: Buffer */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.38 SMB2 QUERY_INFO Response */
int rsvd_smb2_query_info_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_query_info_rsp *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_QUERY_INFO);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->output_buffer_offset = rsvd_rd_u16(&r);      /* 66: OutputBufferOffset */
    out->output_buffer_length = rsvd_rd_u32(&r);      /* 68: OutputBufferLength */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_QUERY_INFO_RSP_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 72: Buffer */
    return rsvd_smb2_msg_view(buf, len, out->output_buffer_offset, out->output_buffer_length,
                         RSVD_SMB2_QUERY_INFO_RSP_BUFFER_OFFSET, &out->output);
}

int rsvd_smb2_query_info_rsp_encode(const rsvd_smb2_query_info_rsp *m, uint8_t *buf, size_t cap,
                                    size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->output, m->output_buffer_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout l;
    rsvd_smb2_layout_init(&l, RSVD_SMB2_QUERY_INFO_RSP_BUFFER_OFFSET);
    uint64_t out_off = rsvd_smb2_layout_place(&l, m->output_buffer_length, m->output_buffer_offset);

    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_QUERY_INFO);
    rsvd_wr_u16(&w, RSVD_SMB2_QUERY_INFO_RSP_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, (uint16_t)out_off);                      /* 66: OutputBufferOffset */
    rsvd_wr_u32(&w, m->output_buffer_length);                /* 68: OutputBufferLength */
    rsvd_smb2_msg_put_buf(&w, out_off, m->output, m->output_buffer_length); /* 72: Buffer */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.39 SMB2 SET_INFO Request */
int rsvd_smb2_set_info_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_set_info_req *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_SET_INFO);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->info_type = rsvd_rd_u8(&r);                  /* 66: InfoType */
    out->file_info_class = rsvd_rd_u8(&r);            /* 67: FileInfoClass */
    out->buffer_length = rsvd_rd_u32(&r);             /* 68: BufferLength */
    out->buffer_offset = rsvd_rd_u16(&r);             /* 72: BufferOffset */
    rsvd_rd_skip(&r, 2);                              /* 74: Reserved */
    out->additional_information = rsvd_rd_u32(&r);    /* 76: AdditionalInformation */
    out->file_id.persistent_id = rsvd_rd_u64(&r);     /* 80: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);       /* 88: FileId.Volatile */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_SET_INFO_REQ_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 96: Buffer */
    return rsvd_smb2_msg_view(buf, len, out->buffer_offset, out->buffer_length,
                         RSVD_SMB2_SET_INFO_REQ_BUFFER_OFFSET, &out->buffer);
}

int rsvd_smb2_set_info_req_encode(const rsvd_smb2_set_info_req *m, uint8_t *buf, size_t cap,
                                  size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->buffer, m->buffer_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout l;
    rsvd_smb2_layout_init(&l, RSVD_SMB2_SET_INFO_REQ_BUFFER_OFFSET);
    uint64_t b_off = rsvd_smb2_layout_place(&l, m->buffer_length, m->buffer_offset);

    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_SET_INFO);
    rsvd_wr_u16(&w, RSVD_SMB2_SET_INFO_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u8(&w, m->info_type);                          /* 66: InfoType */
    rsvd_wr_u8(&w, m->file_info_class);                    /* 67: FileInfoClass */
    rsvd_wr_u32(&w, m->buffer_length);                     /* 68: BufferLength */
    rsvd_wr_u16(&w, (uint16_t)b_off);                      /* 72: BufferOffset */
    rsvd_wr_u16(&w, 0);                                    /* 74: Reserved */
    rsvd_wr_u32(&w, m->additional_information);            /* 76: AdditionalInformation */
    rsvd_wr_u64(&w, m->file_id.persistent_id);             /* 80: FileId.Persistent */
    rsvd_wr_u64(&w, m->file_id.volatile_id);               /* 88: FileId.Volatile */
    rsvd_smb2_msg_put_buf(&w, b_off, m->buffer, m->buffer_length); /* 96: Buffer */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.40 SMB2 SET_INFO Response */
int rsvd_smb2_set_info_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_set_info_rsp *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_SET_INFO);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_SET_INFO_RSP_STRUCTURE_SIZE);
}

int rsvd_smb2_set_info_rsp_encode(const rsvd_smb2_set_info_rsp *m, uint8_t *buf, size_t cap,
                                  size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_SET_INFO);
    rsvd_wr_u16(&w, RSVD_SMB2_SET_INFO_RSP_STRUCTURE_SIZE); /* 64: StructureSize */
    return rsvd_wr_finish(&w, out_len);
}
