/*
 * rsvd-target: codecs of the fixed-size SMB2 messages (see smb2_simple.h).
 */
#include "smb2_simple.h"

#include <rsvd/wire_smb2.h>
#include <rsvd/smb2.h>
#include <rsvd/wire.h>

/* [MS-SMB2] 2.2.7/2.2.8 LOGOFF, 2.2.11/2.2.12 TREE_DISCONNECT, 2.2.28/2.2.29
 * ECHO, 2.2.30 CANCEL, 2.2.18 FLUSH Response: StructureSize 4, Reserved. */
int tgt_smb2_empty_decode(const uint8_t *buf, size_t len, uint16_t command, tgt_smb2_empty *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, command);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r); /* 64: StructureSize */
    rsvd_rd_skip(&r, 2);                       /* 66: Reserved */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, TGT_SMB2_EMPTY_STRUCTURE_SIZE);
}

int tgt_smb2_empty_encode(const tgt_smb2_empty *m, uint16_t command, uint8_t *buf, size_t cap,
                          size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, command);
    rsvd_wr_u16(&w, TGT_SMB2_EMPTY_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, 0);                              /* 66: Reserved */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.17 SMB2 FLUSH Request */
int tgt_flush_req_decode(const uint8_t *buf, size_t len, tgt_flush_req *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_FLUSH);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);    /* 64: StructureSize */
    rsvd_rd_skip(&r, 2);                          /* 66: Reserved1 */
    rsvd_rd_skip(&r, 4);                          /* 68: Reserved2 */
    out->file_id.persistent_id = rsvd_rd_u64(&r); /* 72: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);   /* 80: FileId.Volatile */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, TGT_FLUSH_REQ_STRUCTURE_SIZE);
}

int tgt_flush_req_encode(const tgt_flush_req *m, uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_FLUSH);
    rsvd_wr_u16(&w, TGT_FLUSH_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_zeros(&w, 6);                          /* 66: Reserved1, Reserved2 */
    rsvd_wr_u64(&w, m->file_id.persistent_id);     /* 72: FileId.Persistent */
    rsvd_wr_u64(&w, m->file_id.volatile_id);       /* 80: FileId.Volatile */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.23.1, 2.2.24.1, 2.2.25.1 Oplock Break Notification,
 * Acknowledgment and Response */
int tgt_oplock_break_decode(const uint8_t *buf, size_t len, tgt_oplock_break *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_OPLOCK_BREAK);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);    /* 64: StructureSize */
    out->oplock_level = rsvd_rd_u8(&r);           /* 66: OplockLevel */
    rsvd_rd_skip(&r, 1);                          /* 67: Reserved */
    rsvd_rd_skip(&r, 4);                          /* 68: Reserved2 */
    out->file_id.persistent_id = rsvd_rd_u64(&r); /* 72: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);   /* 80: FileId.Volatile */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, TGT_OPLOCK_BREAK_STRUCTURE_SIZE);
}

int tgt_oplock_break_encode(const tgt_oplock_break *m, uint8_t *buf, size_t cap,
                            size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_OPLOCK_BREAK);
    rsvd_wr_u16(&w, TGT_OPLOCK_BREAK_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u8(&w, m->oplock_level);                  /* 66: OplockLevel */
    rsvd_wr_zeros(&w, 5);                             /* 67: Reserved, Reserved2 */
    rsvd_wr_u64(&w, m->file_id.persistent_id);        /* 72: FileId.Persistent */
    rsvd_wr_u64(&w, m->file_id.volatile_id);          /* 80: FileId.Volatile */
    return rsvd_wr_finish(&w, out_len);
}
