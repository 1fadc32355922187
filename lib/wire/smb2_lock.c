/*
 * SMB2 LOCK request with its SMB2_LOCK_ELEMENTs, and the LOCK response
 * ([MS-SMB2] 2.2.26, 2.2.26.1, 2.2.27).
 */
#include "smb2_msg.h"

#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/* [MS-SMB2] 2.2.26 SMB2 LOCK Request */
int rsvd_smb2_lock_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_lock_req *out)
{
    rsvd_rd r;
    out->locks = NULL;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_LOCK);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    out->lock_count = rsvd_rd_u16(&r);                /* 66: LockCount */
    out->lock_sequence = rsvd_rd_u32(&r);             /* 68: LockSequenceNumber/Index */
    out->file_id.persistent_id = rsvd_rd_u64(&r);     /* 72: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);       /* 80: FileId.Volatile */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_LOCK_REQ_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    if (out->lock_count == 0) /* "MUST be greater than or equal to 1" */
        return RSVD_E_WIRE_COUNT;
    /* 88: Locks: LockCount elements of 24 bytes */
    out->locks = rsvd_rd_take(&r, (size_t)out->lock_count * RSVD_SMB2_LOCK_ELEMENT_SIZE);
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_smb2_lock_req_encode(const rsvd_smb2_lock_req *m, uint8_t *buf, size_t cap,
                              size_t *out_len)
{
    if (m->lock_count == 0 || m->locks == NULL)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_LOCK);
    rsvd_wr_u16(&w, RSVD_SMB2_LOCK_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, m->lock_count);                    /* 66: LockCount */
    rsvd_wr_u32(&w, m->lock_sequence);                 /* 68: LockSequenceNumber/Index */
    rsvd_wr_u64(&w, m->file_id.persistent_id);         /* 72: FileId.Persistent */
    rsvd_wr_u64(&w, m->file_id.volatile_id);           /* 80: FileId.Volatile */
    rsvd_wr_bytes(&w, m->locks,                        /* 88: Locks */
                  (size_t)m->lock_count * RSVD_SMB2_LOCK_ELEMENT_SIZE);
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.26.1 SMB2_LOCK_ELEMENT */
int rsvd_smb2_lock_element_get(const rsvd_smb2_lock_req *req, uint32_t i,
                               rsvd_smb2_lock_element *out)
{
    if (i >= req->lock_count || req->locks == NULL)
        return RSVD_E_INVAL;
    rsvd_rd r;
    rsvd_rd_init(&r, req->locks, (size_t)req->lock_count * RSVD_SMB2_LOCK_ELEMENT_SIZE);
    rsvd_rd_seek(&r, (uint64_t)i * RSVD_SMB2_LOCK_ELEMENT_SIZE);
    out->offset = rsvd_rd_u64(&r);                    /* 0: Offset */
    out->length = rsvd_rd_u64(&r);                    /* 8: Length */
    out->flags = rsvd_rd_u32(&r);                     /* 16: Flags */
    rsvd_rd_skip(&r, 4);                              /* 20: Reserved */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_smb2_lock_element_encode(const rsvd_smb2_lock_element *e, uint8_t *buf, size_t cap)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u64(&w, e->offset);                       /* 0: Offset */
    rsvd_wr_u64(&w, e->length);                       /* 8: Length */
    rsvd_wr_u32(&w, e->flags);                        /* 16: Flags */
    rsvd_wr_u32(&w, 0);                               /* 20: Reserved */
    return rsvd_wr_finish(&w, NULL);
}

/* [MS-SMB2] 2.2.27 SMB2 LOCK Response */
int rsvd_smb2_lock_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_lock_rsp *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_LOCK);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    rsvd_rd_skip(&r, 2);                              /* 66: Reserved */
    return rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_LOCK_RSP_STRUCTURE_SIZE);
}

int rsvd_smb2_lock_rsp_encode(const rsvd_smb2_lock_rsp *m, uint8_t *buf, size_t cap,
                              size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_LOCK);
    rsvd_wr_u16(&w, RSVD_SMB2_LOCK_RSP_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, 0);                                /* 66: Reserved */
    return rsvd_wr_finish(&w, out_len);
}
