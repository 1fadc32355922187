/*
 * SMB2_CREATE_CONTEXT chains ([MS-SMB2] 2.2.13.2, 2.2.14.2): the walker that
 * checks every link, find-by-name, the chain builder, and the data of the
 * durable-handle contexts (2.2.13.2.3, .4, .11, .12; 2.2.14.2.3, .12), the
 * lease requests (2.2.13.2.8, .10) and the application-instance contexts
 * (2.2.13.2.13, .15).
 */
#include "smb2_msg.h"

#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/*
 * Decodes the context at @p pos of the chain and checks its link and the
 * name and data it locates. Offsets inside a context are from its start.
 */
static int cc_decode_at(const uint8_t *chain, size_t len, size_t pos, rsvd_smb2_cc *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, chain, len);
    rsvd_rd_seek(&r, pos);
    size_t left = rsvd_rd_left(&r);
    out->next = rsvd_rd_u32(&r);                      /* 0: Next */
    out->name_offset = rsvd_rd_u16(&r);               /* 4: NameOffset */
    out->name_length = rsvd_rd_u16(&r);               /* 6: NameLength */
    rsvd_rd_skip(&r, 2);                              /* 8: Reserved */
    out->data_offset = rsvd_rd_u16(&r);               /* 10: DataOffset */
    out->data_length = rsvd_rd_u32(&r);               /* 12: DataLength */
    out->name = NULL;
    out->data = NULL;
    if (!rsvd_rd_ok(&r)) /* only the first context: every Next leaves 16 bytes */
        return pos == 0 ? RSVD_E_WIRE_SHORT : RSVD_E_WIRE_CHAIN;

    /* Next: to the next 8-byte aligned context; it must move past this
     * context's fixed part and leave room for the next one's. */
    size_t extent = left;
    if (out->next != 0) {
        if (out->next % 8u != 0 || out->next < RSVD_SMB2_CC_HEADER_SIZE ||
            !rsvd_wire_range_ok(left, out->next, RSVD_SMB2_CC_HEADER_SIZE))
            return RSVD_E_WIRE_CHAIN;
        extent = out->next;
    }
    rsvd_rd_seek(&r, pos);
    const uint8_t *ctx = rsvd_rd_take(&r, extent);

    /* [MS-SMB2] 3.3.5.9: a name shorter than 4 bytes is invalid. */
    if (out->name_length < RSVD_SMB2_CC_NAME_MIN)
        return RSVD_E_WIRE_NAME;
    int rc = rsvd_smb2_msg_view(ctx, extent, out->name_offset, out->name_length,
                           RSVD_SMB2_CC_HEADER_SIZE, &out->name);
    if (rc != RSVD_OK)
        return rc;
    /* DataOffset is ignored when DataLength is 0 (<54>). */
    return rsvd_smb2_msg_view(ctx, extent, out->data_offset, out->data_length,
                         RSVD_SMB2_CC_HEADER_SIZE, &out->data);
}

void rsvd_smb2_cc_iter_init(rsvd_smb2_cc_iter *it, const uint8_t *chain, size_t len)
{
    it->chain = chain;
    it->len = chain ? len : 0;
    it->pos = 0;
    it->done = it->len == 0;
    it->err = RSVD_OK;
}

int rsvd_smb2_cc_iter_next(rsvd_smb2_cc_iter *it, rsvd_smb2_cc *out)
{
    if (it->err != RSVD_OK)
        return it->err;
    if (it->done)
        return RSVD_E_NOENT;
    int rc = cc_decode_at(it->chain, it->len, it->pos, out);
    if (rc != RSVD_OK) {
        it->err = rc;
        return rc;
    }
    if (out->next == 0)
        it->done = true;
    else
        it->pos += out->next; /* checked: stays inside the chain */
    return RSVD_OK;
}

int rsvd_smb2_cc_validate(const uint8_t *chain, size_t len, size_t *count)
{
    rsvd_smb2_cc_iter it;
    rsvd_smb2_cc cc;
    size_t n = 0;
    int rc;
    rsvd_smb2_cc_iter_init(&it, chain, len);
    while ((rc = rsvd_smb2_cc_iter_next(&it, &cc)) == RSVD_OK)
        n++;
    if (rc != RSVD_E_NOENT)
        return rc;
    if (count)
        *count = n;
    return RSVD_OK;
}

int rsvd_smb2_cc_find(const uint8_t *chain, size_t len, const void *name, size_t name_len,
                      rsvd_smb2_cc *out)
{
    rsvd_smb2_cc_iter it;
    int rc;
    rsvd_smb2_cc_iter_init(&it, chain, len);
    while ((rc = rsvd_smb2_cc_iter_next(&it, out)) == RSVD_OK) {
        if (out->name_length == name_len && memcmp(out->name, name, name_len) == 0)
            return RSVD_OK;
    }
    return rc;
}

void rsvd_smb2_cc_builder_init(rsvd_smb2_cc_builder *b, uint8_t *buf, size_t cap)
{
    b->buf = buf;
    b->cap = buf ? cap : 0;
    b->len = 0;
    b->last = 0;
    b->count = 0;
    b->failed = false;
}

int rsvd_smb2_cc_builder_add(rsvd_smb2_cc_builder *b, const void *name, size_t name_len,
                             const uint8_t *data, size_t data_len)
{
    if (b->failed)
        return RSVD_E_NOSPC;
    if (name == NULL || name_len < RSVD_SMB2_CC_NAME_MIN || name_len > UINT16_MAX ||
        (data_len != 0 && data == NULL) || data_len > UINT32_MAX)
        return RSVD_E_INVAL;
    uint64_t start = b->count ? rsvd_wire_align8(b->len) : 0;
    uint64_t name_end = RSVD_SMB2_CC_HEADER_SIZE + (uint64_t)name_len;
    uint64_t data_off = data_len ? rsvd_wire_align8(name_end) : 0;
    if (data_off > UINT16_MAX || (b->count && start - b->last > UINT32_MAX))
        return RSVD_E_INVAL;

    rsvd_wr w;
    rsvd_wr_init(&w, b->buf, b->cap);
    (void)rsvd_wr_take(&w, b->len);                  /* the contexts already there */
    rsvd_wr_zeros(&w, smb2_size(start - b->len));    /* 8-byte alignment */
    rsvd_wr_u32(&w, 0);                              /* 0: Next (patched by the next add) */
    rsvd_wr_u16(&w, RSVD_SMB2_CC_HEADER_SIZE);       /* 4: NameOffset */
    rsvd_wr_u16(&w, (uint16_t)name_len);             /* 6: NameLength */
    rsvd_wr_u16(&w, 0);                              /* 8: Reserved */
    rsvd_wr_u16(&w, (uint16_t)data_off);             /* 10: DataOffset */
    rsvd_wr_u32(&w, (uint32_t)data_len);             /* 12: DataLength */
    rsvd_wr_bytes(&w, name, name_len);               /* 16: Buffer: name */
    if (data_len) {
        rsvd_wr_zeros(&w, smb2_size(data_off - name_end)); /* data 8-byte aligned */
        rsvd_wr_bytes(&w, data, data_len);
    }
    if (b->count)                                    /* previous context's Next */
        rsvd_wr_u32_at(&w, b->last, (uint32_t)(start - b->last));
    if (!rsvd_wr_ok(&w)) {
        b->failed = true;
        return RSVD_E_NOSPC;
    }
    b->last = (size_t)start;
    b->len = rsvd_wr_pos(&w);
    b->count++;
    return RSVD_OK;
}

int rsvd_smb2_cc_builder_finish(const rsvd_smb2_cc_builder *b, size_t *out_len)
{
    if (b->failed)
        return RSVD_E_NOSPC;
    if (out_len)
        *out_len = b->len;
    return RSVD_OK;
}

/* ---- durable-handle context data ----------------------------------------- */

/* [MS-SMB2] 3.3.5.9: the data of a context must be exactly its structure. */
static int cc_data_size(size_t len, size_t size)
{
    if (len < size)
        return RSVD_E_WIRE_SHORT;
    if (len > size)
        return RSVD_E_WIRE_VALUE;
    return RSVD_OK;
}

/* [MS-SMB2] 2.2.13.2.3 SMB2_CREATE_DURABLE_HANDLE_REQUEST */
int rsvd_smb2_dhnq_req_decode(const uint8_t *data, size_t len)
{
    return cc_data_size(data ? len : 0, RSVD_SMB2_DHNQ_REQ_SIZE); /* 0: DurableRequest (16) */
}

int rsvd_smb2_dhnq_req_encode(uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_zeros(&w, RSVD_SMB2_DHNQ_REQ_SIZE);      /* 0: DurableRequest: reserved */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.13.2.4 SMB2_CREATE_DURABLE_HANDLE_RECONNECT */
int rsvd_smb2_dhnc_decode(const uint8_t *data, size_t len, rsvd_smb2_fileid *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, data, len);
    out->persistent_id = rsvd_rd_u64(&r);             /* 0: Data.FileId.Persistent */
    out->volatile_id = rsvd_rd_u64(&r);               /* 8: Data.FileId.Volatile */
    return cc_data_size(rsvd_rd_ok(&r) ? len : 0, RSVD_SMB2_DHNC_SIZE);
}

int rsvd_smb2_dhnc_encode(const rsvd_smb2_fileid *file_id, uint8_t *buf, size_t cap,
                          size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u64(&w, file_id->persistent_id);         /* 0: Data.FileId.Persistent */
    rsvd_wr_u64(&w, file_id->volatile_id);           /* 8: Data.FileId.Volatile */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.13.2.11 SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2 */
int rsvd_smb2_dh2q_req_decode(const uint8_t *data, size_t len, rsvd_smb2_dh2q_req *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, data, len);
    out->timeout = rsvd_rd_u32(&r);                   /* 0: Timeout */
    out->flags = rsvd_rd_u32(&r);                     /* 4: Flags */
    rsvd_rd_skip(&r, 8);                              /* 8: Reserved */
    rsvd_rd_guid(&r, &out->create_guid);              /* 16: CreateGuid */
    return cc_data_size(rsvd_rd_ok(&r) ? len : 0, RSVD_SMB2_DH2Q_REQ_SIZE);
}

int rsvd_smb2_dh2q_req_encode(const rsvd_smb2_dh2q_req *q, uint8_t *buf, size_t cap,
                              size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, q->timeout);                     /* 0: Timeout */
    rsvd_wr_u32(&w, q->flags);                       /* 4: Flags */
    rsvd_wr_zeros(&w, 8);                            /* 8: Reserved */
    rsvd_wr_guid(&w, &q->create_guid);               /* 16: CreateGuid */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.13.2.12 SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2 */
int rsvd_smb2_dh2c_decode(const uint8_t *data, size_t len, rsvd_smb2_dh2c *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, data, len);
    out->file_id.persistent_id = rsvd_rd_u64(&r);     /* 0: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);       /* 8: FileId.Volatile */
    rsvd_rd_guid(&r, &out->create_guid);              /* 16: CreateGuid */
    out->flags = rsvd_rd_u32(&r);                     /* 32: Flags */
    return cc_data_size(rsvd_rd_ok(&r) ? len : 0, RSVD_SMB2_DH2C_SIZE);
}

int rsvd_smb2_dh2c_encode(const rsvd_smb2_dh2c *c, uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u64(&w, c->file_id.persistent_id);       /* 0: FileId.Persistent */
    rsvd_wr_u64(&w, c->file_id.volatile_id);         /* 8: FileId.Volatile */
    rsvd_wr_guid(&w, &c->create_guid);               /* 16: CreateGuid */
    rsvd_wr_u32(&w, c->flags);                       /* 32: Flags */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.14.2.3 SMB2_CREATE_DURABLE_HANDLE_RESPONSE */
int rsvd_smb2_dhnq_rsp_decode(const uint8_t *data, size_t len)
{
    return cc_data_size(data ? len : 0, RSVD_SMB2_DHNQ_RSP_SIZE); /* 0: Reserved (8) */
}

int rsvd_smb2_dhnq_rsp_encode(uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_zeros(&w, RSVD_SMB2_DHNQ_RSP_SIZE);      /* 0: Reserved */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.14.2.12 SMB2_CREATE_DURABLE_HANDLE_RESPONSE_V2 */
int rsvd_smb2_dh2q_rsp_decode(const uint8_t *data, size_t len, rsvd_smb2_dh2q_rsp *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, data, len);
    out->timeout = rsvd_rd_u32(&r);                   /* 0: Timeout */
    out->flags = rsvd_rd_u32(&r);                     /* 4: Flags */
    return cc_data_size(rsvd_rd_ok(&r) ? len : 0, RSVD_SMB2_DH2Q_RSP_SIZE);
}

int rsvd_smb2_dh2q_rsp_encode(const rsvd_smb2_dh2q_rsp *q, uint8_t *buf, size_t cap,
                              size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, q->timeout);                     /* 0: Timeout */
    rsvd_wr_u32(&w, q->flags);                       /* 4: Flags */
    return rsvd_wr_finish(&w, out_len);
}

/* ---- lease and application-instance context data ------------------------- */

/* [MS-SMB2] 2.2.13.2.8 SMB2_CREATE_REQUEST_LEASE, 2.2.13.2.10 ..._V2 */
int rsvd_smb2_lease_req_decode(const uint8_t *data, size_t len, rsvd_smb2_lease_req *out)
{
    memset(out, 0, sizeof *out);
    if (!data || len < RSVD_SMB2_LEASE_REQ_V1_SIZE)
        return RSVD_E_WIRE_SHORT;
    if (len != RSVD_SMB2_LEASE_REQ_V1_SIZE && len != RSVD_SMB2_LEASE_REQ_V2_SIZE)
        return RSVD_E_WIRE_VALUE;
    rsvd_rd r;
    rsvd_rd_init(&r, data, len);
    out->version = len == RSVD_SMB2_LEASE_REQ_V2_SIZE ? 2u : 1u;
    rsvd_rd_guid(&r, &out->lease_key);                /* 0: LeaseKey */
    out->lease_state = rsvd_rd_u32(&r);               /* 16: LeaseState */
    out->flags = rsvd_rd_u32(&r);                     /* 20: LeaseFlags / Flags */
    out->duration = rsvd_rd_u64(&r);                  /* 24: LeaseDuration */
    if (out->version == 2) {
        rsvd_rd_guid(&r, &out->parent_lease_key);     /* 32: ParentLeaseKey */
        out->epoch = rsvd_rd_u16(&r);                 /* 48: Epoch */
        rsvd_rd_skip(&r, 2);                          /* 50: Reserved */
    }
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_smb2_lease_req_encode(const rsvd_smb2_lease_req *q, uint8_t *buf, size_t cap,
                               size_t *out_len)
{
    if (q->version != 1 && q->version != 2)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_guid(&w, &q->lease_key);                 /* 0: LeaseKey */
    rsvd_wr_u32(&w, q->lease_state);                 /* 16: LeaseState */
    rsvd_wr_u32(&w, q->flags);                       /* 20: LeaseFlags / Flags */
    rsvd_wr_u64(&w, q->duration);                    /* 24: LeaseDuration */
    if (q->version == 2) {
        rsvd_wr_guid(&w, &q->parent_lease_key);      /* 32: ParentLeaseKey */
        rsvd_wr_u16(&w, q->epoch);                   /* 48: Epoch */
        rsvd_wr_zeros(&w, 2);                        /* 50: Reserved */
    }
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.13.2.13 SMB2_CREATE_APP_INSTANCE_ID */
int rsvd_smb2_app_instance_id_decode(const uint8_t *data, size_t len, rsvd_guid *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, data, len);
    uint16_t size = rsvd_rd_u16(&r);                  /* 0: StructureSize */
    rsvd_rd_skip(&r, 2);                              /* 2: Reserved */
    rsvd_rd_guid(&r, out);                            /* 4: AppInstanceId */
    int rc = cc_data_size(rsvd_rd_ok(&r) ? len : 0, RSVD_SMB2_APP_INSTANCE_ID_SIZE);
    if (rc == RSVD_OK && size != RSVD_SMB2_APP_INSTANCE_ID_SIZE)
        rc = RSVD_E_WIRE_STRUCTURE_SIZE;
    return rc;
}

int rsvd_smb2_app_instance_id_encode(const rsvd_guid *id, uint8_t *buf, size_t cap,
                                     size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u16(&w, RSVD_SMB2_APP_INSTANCE_ID_SIZE); /* 0: StructureSize */
    rsvd_wr_zeros(&w, 2);                            /* 2: Reserved */
    rsvd_wr_guid(&w, id);                            /* 4: AppInstanceId */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.13.2.15 SMB2_CREATE_APP_INSTANCE_VERSION */
int rsvd_smb2_app_instance_version_decode(const uint8_t *data, size_t len,
                                          rsvd_smb2_app_instance_version *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, data, len);
    uint16_t size = rsvd_rd_u16(&r);                  /* 0: StructureSize */
    rsvd_rd_skip(&r, 2);                              /* 2: Reserved */
    rsvd_rd_skip(&r, 4);                              /* 4: Padding */
    out->high = rsvd_rd_u64(&r);                      /* 8: AppInstanceVersionHigh */
    out->low = rsvd_rd_u64(&r);                       /* 16: AppInstanceVersionLow */
    int rc = cc_data_size(rsvd_rd_ok(&r) ? len : 0, RSVD_SMB2_APP_INSTANCE_VERSION_SIZE);
    if (rc == RSVD_OK && size != RSVD_SMB2_APP_INSTANCE_VERSION_SIZE)
        rc = RSVD_E_WIRE_STRUCTURE_SIZE;
    return rc;
}

int rsvd_smb2_app_instance_version_encode(const rsvd_smb2_app_instance_version *v, uint8_t *buf,
                                          size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u16(&w, RSVD_SMB2_APP_INSTANCE_VERSION_SIZE); /* 0: StructureSize */
    rsvd_wr_zeros(&w, 2);                            /* 2: Reserved */
    rsvd_wr_zeros(&w, 4);                            /* 4: Padding */
    rsvd_wr_u64(&w, v->high);                        /* 8: AppInstanceVersionHigh */
    rsvd_wr_u64(&w, v->low);                         /* 16: AppInstanceVersionLow */
    return rsvd_wr_finish(&w, out_len);
}
