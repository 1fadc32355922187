/*
 * rsvd-target: QUERY_DIRECTORY codecs (see smb2_query_directory.h).
 */
#include "smb2_query_directory.h"

#include <rsvd/wire_smb2.h>
#include <rsvd/smb2.h>
#include <rsvd/wire.h>

/* [MS-SMB2] 2.2.33 SMB2 QUERY_DIRECTORY Request */
int tgt_query_directory_req_decode(const uint8_t *buf, size_t len, tgt_query_directory_req *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_QUERY_DIRECTORY);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);     /* 64: StructureSize */
    out->file_information_class = rsvd_rd_u8(&r);  /* 66: FileInformationClass */
    out->flags = rsvd_rd_u8(&r);                   /* 67: Flags */
    out->file_index = rsvd_rd_u32(&r);             /* 68: FileIndex */
    out->file_id.persistent_id = rsvd_rd_u64(&r);  /* 72: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);    /* 80: FileId.Volatile */
    out->file_name_offset = rsvd_rd_u16(&r);       /* 88: FileNameOffset */
    out->file_name_length = rsvd_rd_u16(&r);       /* 90: FileNameLength */
    out->output_buffer_length = rsvd_rd_u32(&r);   /* 92: OutputBufferLength */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, TGT_QUERY_DIRECTORY_REQ_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 96: Buffer */
    return rsvd_smb2_msg_view(buf, len, out->file_name_offset, out->file_name_length,
                      TGT_QUERY_DIRECTORY_REQ_BUFFER_OFFSET, &out->file_name);
}

int tgt_query_directory_req_encode(const tgt_query_directory_req *m, uint8_t *buf, size_t cap,
                                   size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->file_name, m->file_name_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout layout;
    rsvd_smb2_layout_init(&layout, TGT_QUERY_DIRECTORY_REQ_BUFFER_OFFSET);
    uint64_t off = rsvd_smb2_layout_place(&layout, m->file_name_length, m->file_name_offset);
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_QUERY_DIRECTORY);
    rsvd_wr_u16(&w, TGT_QUERY_DIRECTORY_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u8(&w, m->file_information_class);               /* 66: FileInformationClass */
    rsvd_wr_u8(&w, m->flags);                                /* 67: Flags */
    rsvd_wr_u32(&w, m->file_index);                          /* 68: FileIndex */
    rsvd_wr_u64(&w, m->file_id.persistent_id);               /* 72: FileId.Persistent */
    rsvd_wr_u64(&w, m->file_id.volatile_id);                 /* 80: FileId.Volatile */
    rsvd_wr_u16(&w, (uint16_t)off);                          /* 88: FileNameOffset */
    rsvd_wr_u16(&w, m->file_name_length);                    /* 90: FileNameLength */
    rsvd_wr_u32(&w, m->output_buffer_length);                /* 92: OutputBufferLength */
    if (m->file_name_length)
        rsvd_smb2_msg_put_buf(&w, off, m->file_name, m->file_name_length); /* 96: Buffer */
    else
        rsvd_wr_u8(&w, 0);
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.34 SMB2 QUERY_DIRECTORY Response */
int tgt_query_directory_rsp_decode(const uint8_t *buf, size_t len, tgt_query_directory_rsp *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_QUERY_DIRECTORY);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);    /* 64: StructureSize */
    out->output_buffer_offset = rsvd_rd_u16(&r);  /* 66: OutputBufferOffset */
    out->output_buffer_length = rsvd_rd_u32(&r);  /* 68: OutputBufferLength */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, TGT_QUERY_DIRECTORY_RSP_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 72: Buffer */
    return rsvd_smb2_msg_view(buf, len, out->output_buffer_offset, out->output_buffer_length,
                      TGT_QUERY_DIRECTORY_RSP_BUFFER_OFFSET, &out->output);
}

int tgt_query_directory_rsp_encode(const tgt_query_directory_rsp *m, uint8_t *buf, size_t cap,
                                   size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->output, m->output_buffer_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout layout;
    rsvd_smb2_layout_init(&layout, TGT_QUERY_DIRECTORY_RSP_BUFFER_OFFSET);
    uint64_t off =
        rsvd_smb2_layout_place(&layout, m->output_buffer_length, m->output_buffer_offset);
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_QUERY_DIRECTORY);
    rsvd_wr_u16(&w, TGT_QUERY_DIRECTORY_RSP_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, (uint16_t)off);                          /* 66: OutputBufferOffset */
    rsvd_wr_u32(&w, m->output_buffer_length);                /* 68: OutputBufferLength */
    if (m->output_buffer_length)
        rsvd_smb2_msg_put_buf(&w, off, m->output, m->output_buffer_length); /* 72: Buffer */
    else
        rsvd_wr_u8(&w, 0);
    return rsvd_wr_finish(&w, out_len);
}
