/*
 * SMB2 CLOSE request and response ([MS-SMB2] 2.2.15, 2.2.16).
 */
#include "smb2_msg.h"

#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/* [MS-SMB2] 2.2.15 SMB2 CLOSE Request */
int rsvd_smb2_close_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_close_req *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_CLOSE);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->flags = rsvd_rd_u16(&r);                     /* 66: Flags */
    rsvd_rd_skip(&r, 4);                              /* 68: Reserved */
    out->file_id.persistent_id = rsvd_rd_u64(&r);     /* 72: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);       /* 80: FileId.Volatile */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_CLOSE_REQ_STRUCTURE_SIZE);
}

int rsvd_smb2_close_req_encode(const rsvd_smb2_close_req *m, uint8_t *buf, size_t cap,
                               size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_CLOSE);
    rsvd_wr_u16(&w, RSVD_SMB2_CLOSE_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, m->flags);                          /* 66: Flags */
    rsvd_wr_u32(&w, 0);                                 /* 68: Reserved */
    rsvd_wr_u64(&w, m->file_id.persistent_id);          /* 72: FileId.Persistent */
    rsvd_wr_u64(&w, m->file_id.volatile_id);            /* 80: FileId.Volatile */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.16 SMB2 CLOSE Response */
int rsvd_smb2_close_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_close_rsp *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_CLOSE);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->flags = rsvd_rd_u16(&r);                     /* 66: Flags */
    rsvd_rd_skip(&r, 4);                              /* 68: Reserved */
    out->creation_time = rsvd_rd_u64(&r);             /* 72: CreationTime */
    out->last_access_time = rsvd_rd_u64(&r);          /* 80: LastAccessTime */
    out->last_write_time = rsvd_rd_u64(&r);           /* 88: LastWriteTime */
    out->change_time = rsvd_rd_u64(&r);               /* 96: ChangeTime */
    out->allocation_size = rsvd_rd_u64(&r);           /* 104: AllocationSize */
    out->end_of_file = rsvd_rd_u64(&r);               /* 112: EndofFile */
    out->file_attributes = rsvd_rd_u32(&r);           /* 120: FileAttributes */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_CLOSE_RSP_STRUCTURE_SIZE);
}

int rsvd_smb2_close_rsp_encode(const rsvd_smb2_close_rsp *m, uint8_t *buf, size_t cap,
                               size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_CLOSE);
    rsvd_wr_u16(&w, RSVD_SMB2_CLOSE_RSP_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, m->flags);                          /* 66: Flags */
    rsvd_wr_u32(&w, 0);                                 /* 68: Reserved */
    rsvd_wr_u64(&w, m->creation_time);                  /* 72: CreationTime */
    rsvd_wr_u64(&w, m->last_access_time);               /* 80: LastAccessTime */
    rsvd_wr_u64(&w, m->last_write_time);                /* 88: LastWriteTime */
    rsvd_wr_u64(&w, m->change_time);                    /* 96: ChangeTime */
    rsvd_wr_u64(&w, m->allocation_size);                /* 104: AllocationSize */
    rsvd_wr_u64(&w, m->end_of_file);                    /* 112: EndofFile */
    rsvd_wr_u32(&w, m->file_attributes);                /* 120: FileAttributes */
    return rsvd_wr_finish(&w, out_len);
}
