/*
 * SMB2 CREATE request and response ([MS-SMB2] 2.2.13, 2.2.14). The create
 * contexts they carry are walked and built in smb2_create_context.c.
 */
#include "smb2_msg.h"

#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/* The context list of a CREATE message: inside the message and a valid chain. */
static int create_contexts_view(const uint8_t *buf, size_t len, uint32_t off, uint32_t count,
                                uint64_t min_off, const uint8_t **view)
{
    int rc = rsvd_smb2_msg_view(buf, len, off, count, min_off, view);
    if (rc != RSVD_OK || count == 0)
        return rc;
    return rsvd_smb2_cc_validate(*view, count, NULL);
}

/* [MS-SMB2] 2.2.13 SMB2 CREATE Request */
int rsvd_smb2_create_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_create_req *out)
{
    rsvd_rd r;
    out->name = NULL;
    out->create_contexts = NULL;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_CREATE);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->security_flags = rsvd_rd_u8(&r);             /* 66: SecurityFlags */
    out->requested_oplock_level = rsvd_rd_u8(&r);     /* 67: RequestedOplockLevel */
    out->impersonation_level = rsvd_rd_u32(&r);       /* 68: ImpersonationLevel */
    out->smb_create_flags = rsvd_rd_u64(&r);          /* 72: SmbCreateFlags */
    rsvd_rd_skip(&r, 8);                              /* 80: Reserved */
    out->desired_access = rsvd_rd_u32(&r);            /* 88: DesiredAccess */
    out->file_attributes = rsvd_rd_u32(&r);           /* 92: FileAttributes */
    out->share_access = rsvd_rd_u32(&r);              /* 96: ShareAccess */
    out->create_disposition = rsvd_rd_u32(&r);        /* 100: CreateDisposition */
    out->create_options = rsvd_rd_u32(&r);            /* 104: CreateOptions */
    out->name_offset = rsvd_rd_u16(&r);               /* 108: NameOffset */
    out->name_length = rsvd_rd_u16(&r);               /* 110: NameLength */
    out->create_contexts_offset = rsvd_rd_u32(&r);    /* 112: CreateContextsOffset */
    out->create_contexts_length = rsvd_rd_u32(&r);    /* 116: CreateContextsLength */
    rsvd_rd_skip(&r, 1); /* 120: Buffer: "MUST be at least one byte in length" */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_CREATE_REQ_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* [MS-SMB2] 3.3.5.9: NameLength a multiple of 2, NameOffset not below the
     * Buffer, the name inside the request. */
    if (out->name_length % 2u != 0)
        return RSVD_E_WIRE_NAME;
    rc = rsvd_smb2_msg_view(buf, len, out->name_offset, out->name_length,
                       RSVD_SMB2_CREATE_REQ_BUFFER_OFFSET, &out->name);
    if (rc != RSVD_OK)
        return rc;
    return create_contexts_view(buf, len, out->create_contexts_offset,
                                out->create_contexts_length, RSVD_SMB2_CREATE_REQ_BUFFER_OFFSET,
                                &out->create_contexts);
}

int rsvd_smb2_create_req_encode(const rsvd_smb2_create_req *m, uint8_t *buf, size_t cap,
                                size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->name, m->name_length) ||
        !rsvd_smb2_view_ok(m->create_contexts, m->create_contexts_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout l;
    rsvd_smb2_layout_init(&l, RSVD_SMB2_CREATE_REQ_BUFFER_OFFSET);
    uint64_t name_off = rsvd_smb2_layout_place(&l, m->name_length, m->name_offset);
    uint64_t cc_off =
        rsvd_smb2_layout_place(&l, m->create_contexts_length, m->create_contexts_offset);
    if (cc_off > UINT32_MAX)
        return RSVD_E_INVAL;

    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_CREATE);
    rsvd_wr_u16(&w, RSVD_SMB2_CREATE_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u8(&w, m->security_flags);                   /* 66: SecurityFlags */
    rsvd_wr_u8(&w, m->requested_oplock_level);           /* 67: RequestedOplockLevel */
    rsvd_wr_u32(&w, m->impersonation_level);             /* 68: ImpersonationLevel */
    rsvd_wr_u64(&w, m->smb_create_flags);                /* 72: SmbCreateFlags */
    rsvd_wr_u64(&w, 0);                                  /* 80: Reserved */
    rsvd_wr_u32(&w, m->desired_access);                  /* 88: DesiredAccess */
    rsvd_wr_u32(&w, m->file_attributes);                 /* 92: FileAttributes */
    rsvd_wr_u32(&w, m->share_access);                    /* 96: ShareAccess */
    rsvd_wr_u32(&w, m->create_disposition);              /* 100: CreateDisposition */
    rsvd_wr_u32(&w, m->create_options);                  /* 104: CreateOptions */
    rsvd_wr_u16(&w, (uint16_t)name_off);                 /* 108: NameOffset */
    rsvd_wr_u16(&w, m->name_length);                     /* 110: NameLength */
    rsvd_wr_u32(&w, (uint32_t)cc_off);                   /* 112: CreateContextsOffset */
    rsvd_wr_u32(&w, m->create_contexts_length);          /* 116: CreateContextsLength */
    rsvd_smb2_msg_put_buf(&w, name_off, m->name, m->name_length); /* 120: Buffer */
    rsvd_smb2_msg_put_buf(&w, cc_off, m->create_contexts, m->create_contexts_length);
    if (m->name_length == 0 && m->create_contexts_length == 0)
        rsvd_wr_u8(&w, 0); /* the Buffer MUST be at least one byte in a request */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.14 SMB2 CREATE Response */
int rsvd_smb2_create_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_create_rsp *out)
{
    rsvd_rd r;
    out->create_contexts = NULL;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_CREATE);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->oplock_level = rsvd_rd_u8(&r);               /* 66: OplockLevel */
    out->flags = rsvd_rd_u8(&r);                      /* 67: Flags */
    out->create_action = rsvd_rd_u32(&r);             /* 68: CreateAction */
    out->creation_time = rsvd_rd_u64(&r);             /* 72: CreationTime */
    out->last_access_time = rsvd_rd_u64(&r);          /* 80: LastAccessTime */
    out->last_write_time = rsvd_rd_u64(&r);           /* 88: LastWriteTime */
    out->change_time = rsvd_rd_u64(&r);               /* 96: ChangeTime */
    out->allocation_size = rsvd_rd_u64(&r);           /* 104: AllocationSize */
    out->end_of_file = rsvd_rd_u64(&r);               /* 112: EndofFile */
    out->file_attributes = rsvd_rd_u32(&r);           /* 120: FileAttributes */
    rsvd_rd_skip(&r, 4);                              /* 124: Reserved2 */
    out->file_id.persistent_id = rsvd_rd_u64(&r);     /* 128: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);       /* 136: FileId.Volatile */
    out->create_contexts_offset = rsvd_rd_u32(&r);    /* 144: CreateContextsOffset */
    out->create_contexts_length = rsvd_rd_u32(&r);    /* 148: CreateContextsLength */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_CREATE_RSP_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 152: Buffer */
    return create_contexts_view(buf, len, out->create_contexts_offset,
                                out->create_contexts_length, RSVD_SMB2_CREATE_RSP_BUFFER_OFFSET,
                                &out->create_contexts);
}

int rsvd_smb2_create_rsp_encode(const rsvd_smb2_create_rsp *m, uint8_t *buf, size_t cap,
                                size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->create_contexts, m->create_contexts_length))
        return RSVD_E_INVAL;
    rsvd_smb2_layout l;
    rsvd_smb2_layout_init(&l, RSVD_SMB2_CREATE_RSP_BUFFER_OFFSET);
    uint64_t cc_off =
        rsvd_smb2_layout_place(&l, m->create_contexts_length, m->create_contexts_offset);

    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_CREATE);
    rsvd_wr_u16(&w, RSVD_SMB2_CREATE_RSP_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u8(&w, m->oplock_level);                     /* 66: OplockLevel */
    rsvd_wr_u8(&w, m->flags);                            /* 67: Flags */
    rsvd_wr_u32(&w, m->create_action);                   /* 68: CreateAction */
    rsvd_wr_u64(&w, m->creation_time);                   /* 72: CreationTime */
    rsvd_wr_u64(&w, m->last_access_time);                /* 80: LastAccessTime */
    rsvd_wr_u64(&w, m->last_write_time);                 /* 88: LastWriteTime */
    rsvd_wr_u64(&w, m->change_time);                     /* 96: ChangeTime */
    rsvd_wr_u64(&w, m->allocation_size);                 /* 104: AllocationSize */
    rsvd_wr_u64(&w, m->end_of_file);                     /* 112: EndofFile */
    rsvd_wr_u32(&w, m->file_attributes);                 /* 120: FileAttributes */
    rsvd_wr_u32(&w, 0);                                  /* 124: Reserved2 */
    rsvd_wr_u64(&w, m->file_id.persistent_id);           /* 128: FileId.Persistent */
    rsvd_wr_u64(&w, m->file_id.volatile_id);             /* 136: FileId.Volatile */
    rsvd_wr_u32(&w, (uint32_t)cc_off);                   /* 144: CreateContextsOffset */
    rsvd_wr_u32(&w, m->create_contexts_length);          /* 148: CreateContextsLength */
    rsvd_smb2_msg_put_buf(&w, cc_off, m->create_contexts, m->create_contexts_length); /* 152 */
    return rsvd_wr_finish(&w, out_len);
}
