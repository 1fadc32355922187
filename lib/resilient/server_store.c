/*
 * Open preservation, server role: the records of persistent opens in the
 * state store (rsvd/store.h) - what is written, when, in which layout - and
 * restoring them in a new process or on another node.
 *
 * A record is written before the reply that depends on it: the grant
 * (create_end), the reclaim (create_end of a reconnect or a replay), a
 * resiliency grant, each LockSequence entry (lock_end); and at a
 * disconnection (the deadline: every open one event detaches in one
 * batch, rsvd_store_ops.apply, when the store has batches). It is removed
 * when the open is closed for good (CLOSE, expiry, TREE_DISCONNECT, ...),
 * never at shutdown.
 *
 * Key: "RSVO" | instance id (16) | FileId.Persistent (8, LE): one key space
 * per server instance, so that several nodes can share a store.
 * Value, little-endian through the wire layer (rsvd_wr / rsvd_rd):
 *
 *   off size field
 *     0    4 magic "RSVO"
 *     4    2 version (1)
 *     6    2 flags (REC_*)
 *     8    8 FileId.Persistent
 *    16    8 deadline, wall-clock ms since 1970 (detached; 0 otherwise)
 *    24    4 ResiliencyTimeout        28    4 DurableOpenTimeout
 *    32    2 dialect                  34    2 ChannelSequence
 *    36    1 OplockLevel              37    1 lease kind      38  2 zero
 *    40    4 LeaseState               44    4 GrantedAccess
 *    48    4 DesiredAccess            52    4 ShareAccess
 *    56    4 CreateOptions            60    4 CreateAction
 *    64   16 LeaseKey                 80   16 ClientGuid
 *    96   16 CreateGuid              112   16 AppInstanceId
 *   128    8 AppInstanceVersionHigh  136    8 AppInstanceVersionLow
 *   144   64 LockSequenceArray (Valid << 4 | SequenceNumber per entry)
 *   208    1 owner length, then the owner (DurableOwner)
 *          2 share length, then the share identity
 *          2 file key length, then the file key
 *          2 name length, then Open.FileName (UTF-16LE)
 */
#include <string.h>

#include <rsvd/wire.h>

#include "resilient/server_int.h"
#include "util/mem.h"

#define REC_MAGIC "RSVO"
#define REC_VERSION 1u
#define REC_FIXED 209u /* up to and including the owner length */
#define REC_KEY_LEN (4u + 16u + 8u)
/* The longest Open.FileName kept: a CREATE's NameLength is 16 bits. */
#define REC_NAME_MAX 0xFFFFu

#define REC_RESILIENT 0x0001u
#define REC_DURABLE 0x0002u
#define REC_PERSISTENT 0x0004u
#define REC_REPLAY_ELIGIBLE 0x0008u
#define REC_SHARED_VHDX 0x0010u
#define REC_DIRECTORY 0x0020u
#define REC_SHARE_CA 0x0040u
#define REC_HAS_APP_ID 0x0080u
#define REC_HAS_APP_VERSION 0x0100u
#define REC_DETACHED 0x0200u
#define REC_FLAGS_KNOWN 0x03FFu

static void rec_key(const rsvd_res_server *s, uint64_t persistent_id, uint8_t key[REC_KEY_LEN])
{
    rsvd_wr w;
    rsvd_wr_init(&w, key, REC_KEY_LEN);
    rsvd_wr_bytes(&w, REC_MAGIC, 4);
    rsvd_wr_guid(&w, &s->cfg.instance_id);
    rsvd_wr_u64(&w, persistent_id);
}

static uint16_t rec_flags(const res_open *o)
{
    uint16_t f = 0;
    f |= o->is_resilient ? REC_RESILIENT : 0;
    f |= o->is_durable ? REC_DURABLE : 0;
    f |= o->is_persistent ? REC_PERSISTENT : 0;
    f |= o->is_replay_eligible ? REC_REPLAY_ELIGIBLE : 0;
    f |= o->shared_vhdx ? REC_SHARED_VHDX : 0;
    f |= o->is_directory ? REC_DIRECTORY : 0;
    f |= o->share_ca ? REC_SHARE_CA : 0;
    f |= o->has_app_id ? REC_HAS_APP_ID : 0;
    f |= o->has_app_version ? REC_HAS_APP_VERSION : 0;
    f |= o->state == RES_OPEN_DETACHED ? REC_DETACHED : 0;
    return f;
}

static int rec_encode(const res_open *o, uint64_t deadline_wall, uint8_t *buf, size_t cap,
                      size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_bytes(&w, REC_MAGIC, 4);                 /* 0: magic */
    rsvd_wr_u16(&w, REC_VERSION);                    /* 4: version */
    rsvd_wr_u16(&w, rec_flags(o));                   /* 6: flags */
    rsvd_wr_u64(&w, o->persistent_id);               /* 8: FileId.Persistent */
    rsvd_wr_u64(&w, deadline_wall);                  /* 16: deadline (wall clock) */
    rsvd_wr_u32(&w, o->resiliency_timeout_ms);       /* 24: ResiliencyTimeout */
    rsvd_wr_u32(&w, o->durable_timeout_ms);          /* 28: DurableOpenTimeout */
    rsvd_wr_u16(&w, o->dialect);                     /* 32: dialect */
    rsvd_wr_u16(&w, o->channel_sequence);            /* 34: ChannelSequence */
    rsvd_wr_u8(&w, o->oplock_level);                 /* 36: OplockLevel */
    rsvd_wr_u8(&w, o->lease_kind);                   /* 37: lease kind */
    rsvd_wr_zeros(&w, 2);                            /* 38: zero */
    rsvd_wr_u32(&w, o->lease_state);                 /* 40: LeaseState */
    rsvd_wr_u32(&w, o->granted_access);              /* 44: GrantedAccess */
    rsvd_wr_u32(&w, o->desired_access);              /* 48: DesiredAccess */
    rsvd_wr_u32(&w, o->share_access);                /* 52: ShareAccess */
    rsvd_wr_u32(&w, o->create_options);              /* 56: CreateOptions */
    rsvd_wr_u32(&w, o->create_action);               /* 60: CreateAction */
    rsvd_wr_guid(&w, &o->lease_key);                 /* 64: LeaseKey */
    const rsvd_guid client_guid = res_open_client_guid(o);
    rsvd_wr_guid(&w, &client_guid);                  /* 80: ClientGuid */
    rsvd_wr_guid(&w, &o->create_guid);               /* 96: CreateGuid */
    rsvd_wr_guid(&w, &o->app_id);                    /* 112: AppInstanceId */
    rsvd_wr_u64(&w, o->app_version_high);            /* 128: AppInstanceVersionHigh */
    rsvd_wr_u64(&w, o->app_version_low);             /* 136: AppInstanceVersionLow */
    for (uint32_t i = 1; i <= RSVD_SMB2_LOCK_SEQUENCE_INDEX_MAX; i++) /* 144: LockSequenceArray */
        rsvd_wr_u8(&w, res_lock_seq_get(o, i));
    const size_t owner_len = o->user_q ? o->user_q->len : 0;
    rsvd_wr_u8(&w, (uint8_t)owner_len);              /* 208: owner */
    if (owner_len)
        rsvd_wr_bytes(&w, o->user_q->key, owner_len);
    rsvd_wr_u16(&w, (uint16_t)o->share->len);        /* share identity */
    rsvd_wr_bytes(&w, o->share->id, o->share->len);
    rsvd_wr_u16(&w, (uint16_t)o->file_key_len);      /* file key */
    rsvd_wr_bytes(&w, o->file_key, o->file_key_len);
    rsvd_wr_u16(&w, (uint16_t)o->name_len);          /* Open.FileName */
    rsvd_wr_bytes(&w, o->name, o->name_len);
    return rsvd_wr_finish(&w, out_len);
}

uint64_t res_wall_deadline(rsvd_res_server *s, uint32_t timeout_ms)
{
    if (!s->cfg.store)
        return 0;
    uint64_t wall = s->cb.wall_clock_ms(s, s->user_data);
    uint64_t d = wall + timeout_ms;
    if (d < wall || d == UINT64_MAX)
        d = UINT64_MAX - 1;
    return d ? d : 1; /* 0 means "not detached" */
}

/* Bytes the record of @p o takes at most. */
static size_t rec_cap(const res_open *o)
{
    return REC_FIXED + (o->user_q ? o->user_q->len : 0) + 2 + o->share->len + 2 + o->file_key_len + 2 + o->name_len;
}

/* A detached open's deadline on the wall clock (res_open_detach set it),
 * so that another process or node can count what is left of it. */
static uint64_t rec_deadline(const res_open *o)
{
    return o->state == RES_OPEN_DETACHED ? o->deadline_wall : 0;
}

int res_store_put(rsvd_res_server *s, res_open *o)
{
    if (!s->cfg.store || !o->is_persistent)
        return RSVD_OK;
    if (o->name_len > REC_NAME_MAX) {
        s->store_errors++;
        return RSVD_E_INVAL;
    }
    size_t cap = rec_cap(o);
    uint8_t *buf = rsvd_mem_alloc(s->mem, cap);
    if (!buf) {
        s->store_errors++;
        return RSVD_E_NOMEM;
    }
    size_t n = 0;
    uint8_t key[REC_KEY_LEN];
    rec_key(s, o->persistent_id, key);
    int rc = rec_encode(o, rec_deadline(o), buf, cap, &n);
    o->stored = true; /* from here a record may exist */
    if (rc == RSVD_OK)
        rc = s->cfg.store->put(s->cfg.store_ctx, key, sizeof key, buf, n);
    rsvd_mem_free(s->mem, buf);
    if (rc != RSVD_OK) {
        s->store_errors++;
        return rc == RSVD_E_NOMEM ? RSVD_E_NOMEM : RSVD_E_IO;
    }
    return RSVD_OK;
}

/* ---- the records of one event's detaches, in one batch ------------------------- */

void res_store_batch_begin(rsvd_res_server *s)
{
    s->batching = s->cfg.store != NULL;
}

void res_store_detached(rsvd_res_server *s, res_open *o)
{
    if (!s->cfg.store || !o->is_persistent)
        return;
    if (!s->batching) {
        (void)res_store_put(s, o);
        return;
    }
    if (!o->in_batch) {
        rsvd_list_append(&s->batch, &o->batch_node);
        o->in_batch = true;
    }
}

void res_store_unqueue(res_open *o)
{
    if (!o->in_batch)
        return;
    rsvd_list_remove(&o->batch_node);
    o->in_batch = false;
}

/* One apply of every queued record: a lost connection of a client with a
 * thousand persistent opens is one durable write, not a thousand
 * (docs/decisions.md, "State stores"). Without batches in the store, or
 * without memory for one, the records are put one by one. No reply waits
 * for these writes: a failure is counted, and a record left "attached" is
 * restored with a whole timeout. */
void res_store_batch_end(rsvd_res_server *s)
{
    s->batching = false;
    if (rsvd_list_empty(&s->batch))
        return;
    size_t n = 0, bytes = 0;
    bool fits = true;
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &s->batch)
    {
        res_open *o = RSVD_CONTAINER_OF(it, res_open, batch_node);
        n++;
        bytes += REC_KEY_LEN + rec_cap(o);
        fits = fits && o->name_len <= REC_NAME_MAX;
    }
    rsvd_store_change *ch = NULL;
    uint8_t *buf = NULL;
    if (s->cfg.store->apply && fits && n > 1) {
        ch = rsvd_mem_calloc(s->mem, n, sizeof *ch);
        buf = ch ? rsvd_mem_alloc(s->mem, bytes) : NULL;
    }
    if (!buf) {
        rsvd_mem_free(s->mem, ch);
        RSVD_LIST_FOREACH_SAFE(it, tmp, &s->batch)
        {
            res_open *o = RSVD_CONTAINER_OF(it, res_open, batch_node);
            res_store_unqueue(o);
            (void)res_store_put(s, o);
        }
        return;
    }
    size_t i = 0, at = 0;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &s->batch)
    {
        res_open *o = RSVD_CONTAINER_OF(it, res_open, batch_node);
        res_store_unqueue(o);
        uint8_t *key = buf + at;
        rec_key(s, o->persistent_id, key);
        uint8_t *val = key + REC_KEY_LEN;
        size_t len = 0;
        if (rec_encode(o, rec_deadline(o), val, rec_cap(o), &len) != RSVD_OK) {
            s->store_errors++; /* cannot happen: rec_cap is the most it takes */
            continue;
        }
        o->stored = true;
        ch[i].key = key;
        ch[i].key_len = REC_KEY_LEN;
        ch[i].value = val;
        ch[i].value_len = len;
        ch[i].kind = RSVD_STORE_PUT;
        i++;
        at += REC_KEY_LEN + len;
    }
    if (i && s->cfg.store->apply(s->cfg.store_ctx, ch, i) != RSVD_OK)
        s->store_errors++;
    rsvd_mem_free(s->mem, buf);
    rsvd_mem_free(s->mem, ch);
}

int res_store_remove(rsvd_res_server *s, res_open *o)
{
    res_store_unqueue(o); /* its detach record is not written after all */
    if (!s->cfg.store || !o->stored)
        return RSVD_OK;
    uint8_t key[REC_KEY_LEN];
    rec_key(s, o->persistent_id, key);
    int rc = s->cfg.store->remove(s->cfg.store_ctx, key, sizeof key);
    if (rc != RSVD_OK) {
        s->store_errors++;
        return rc == RSVD_E_NOMEM ? RSVD_E_NOMEM : RSVD_E_IO;
    }
    o->stored = false;
    return RSVD_OK;
}

/* ---- restore -------------------------------------------------------------------- */

/* A record as decoded, before it becomes an open. */
typedef struct rec {
    rsvd_list node;
    res_open *o;         /* the open it becomes (not in any table yet) */
    uint64_t deadline_wall;
    bool detached;
    /* Open.ClientGuid and Open.DurableOwner: the keys of the counters the
     * open gets when it joins. */
    rsvd_guid client_guid;
    uint8_t owner[RSVD_RES_USER_MAX];
    size_t owner_len;
    const uint8_t *share; /* a view into bytes */
    size_t share_len;
    uint8_t bytes[];      /* a copy of the share identity */
} rec;

typedef struct restore_ctx {
    rsvd_res_server *s;
    rsvd_list recs;
    bool nomem;
} restore_ctx;

static void rec_free(rsvd_res_server *s, rec *r)
{
    if (r->o) {
        rsvd_mem_free(s->mem, r->o->name);
        rsvd_mem_free(s->mem, r->o->file_key);
        rsvd_mem_free(s->mem, r->o);
    }
    rsvd_mem_free(s->mem, r);
}

/* Reads @p n bytes of @p rd into a new allocation (NULL for 0 bytes). */
static uint8_t *rd_dup(rsvd_res_server *s, rsvd_rd *rd, size_t n, bool *ok)
{
    const uint8_t *p = rsvd_rd_take(rd, n);
    if (!n || !p)
        return NULL;
    uint8_t *c = rsvd_mem_alloc(s->mem, n);
    if (!c)
        *ok = false;
    else
        memcpy(c, p, n);
    return c;
}

/* Decodes one record; @return RSVD_OK, an RSVD_E_WIRE_* code (a record
 * this version cannot read) or RSVD_E_NOMEM. */
static int rec_decode(rsvd_res_server *s, const uint8_t *key, size_t key_len,
                      const uint8_t *v, size_t len, rec **out)
{
    *out = NULL;
    rsvd_rd rd;
    rsvd_rd_init(&rd, v, len);
    const uint8_t *magic = rsvd_rd_take(&rd, 4);         /* 0: magic */
    uint16_t version = rsvd_rd_u16(&rd);                 /* 4: version */
    uint16_t flags = rsvd_rd_u16(&rd);                   /* 6: flags */
    if (!rsvd_rd_ok(&rd) || memcmp(magic, REC_MAGIC, 4) != 0)
        return RSVD_E_WIRE_PROTOCOL_ID;
    if (version != REC_VERSION || (flags & ~REC_FLAGS_KNOWN))
        return RSVD_E_WIRE_VALUE;
    res_open *o = rsvd_mem_calloc(s->mem, 1, sizeof *o);
    if (!o)
        return RSVD_E_NOMEM;
    o->persistent_id = rsvd_rd_u64(&rd);                 /* 8: FileId.Persistent */
    uint64_t deadline_wall = rsvd_rd_u64(&rd);           /* 16: deadline */
    o->resiliency_timeout_ms = rsvd_rd_u32(&rd);         /* 24 */
    o->durable_timeout_ms = rsvd_rd_u32(&rd);            /* 28 */
    o->dialect = rsvd_rd_u16(&rd);                       /* 32 */
    o->channel_sequence = rsvd_rd_u16(&rd);              /* 34 */
    o->oplock_level = rsvd_rd_u8(&rd);                   /* 36 */
    o->lease_kind = rsvd_rd_u8(&rd);                     /* 37 */
    rsvd_rd_skip(&rd, 2);                                /* 38 */
    o->lease_state = rsvd_rd_u32(&rd);                   /* 40 */
    o->granted_access = rsvd_rd_u32(&rd);                /* 44 */
    o->desired_access = rsvd_rd_u32(&rd);                /* 48 */
    o->share_access = rsvd_rd_u32(&rd);                  /* 52 */
    o->create_options = rsvd_rd_u32(&rd);                /* 56 */
    o->create_action = rsvd_rd_u32(&rd);                 /* 60 */
    rsvd_rd_guid(&rd, &o->lease_key);                    /* 64 */
    rsvd_guid client_guid;
    rsvd_rd_guid(&rd, &client_guid);                     /* 80 */
    rsvd_rd_guid(&rd, &o->create_guid);                  /* 96 */
    rsvd_rd_guid(&rd, &o->app_id);                       /* 112 */
    o->app_version_high = rsvd_rd_u64(&rd);              /* 128 */
    o->app_version_low = rsvd_rd_u64(&rd);               /* 136 */
    uint8_t lock_seq[RSVD_SMB2_LOCK_SEQUENCE_INDEX_MAX];
    rsvd_rd_copy(&rd, lock_seq, sizeof lock_seq);        /* 144 */
    uint8_t owner[RSVD_RES_USER_MAX];
    size_t owner_len = rsvd_rd_u8(&rd);                  /* 208 */
    int rc = RSVD_OK;
    if (owner_len > RSVD_RES_USER_MAX)
        rc = RSVD_E_WIRE_VALUE;
    else
        rsvd_rd_copy(&rd, owner, owner_len);
    size_t share_len = rsvd_rd_u16(&rd);
    const uint8_t *share = rsvd_rd_take(&rd, share_len);
    bool ok = true;
    size_t key_bytes = rsvd_rd_u16(&rd);
    o->file_key = rd_dup(s, &rd, key_bytes, &ok);
    o->file_key_len = o->file_key ? (uint32_t)key_bytes : 0u; /* 16-bit on the record */
    size_t name_len = rsvd_rd_u16(&rd);
    o->name = rd_dup(s, &rd, name_len, &ok);
    o->name_len = o->name ? (uint32_t)name_len : 0u;
    if (rc == RSVD_OK && (!rsvd_rd_ok(&rd) || rsvd_rd_left(&rd) != 0))
        rc = RSVD_E_WIRE_SHORT;
    uint8_t want[REC_KEY_LEN];
    rec_key(s, o->persistent_id, want);
    /* A record names its own key; its fields take only values the library
     * writes. */
    if (rc == RSVD_OK &&
        (key_len != REC_KEY_LEN || memcmp(key, want, REC_KEY_LEN) != 0 ||
         share_len > RSVD_RES_SHARE_MAX || key_bytes > RSVD_RES_FILE_KEY_MAX ||
         o->lease_kind > RES_LEASE_V2 || owner_len == 0 ||
         !(flags & REC_PERSISTENT) || ((flags & REC_DETACHED) != 0) != (deadline_wall != 0)))
        rc = RSVD_E_WIRE_VALUE;
    if (rc == RSVD_OK) {
        for (uint32_t i = 0; i < sizeof lock_seq; i++) {
            if (lock_seq[i] & ~(RES_LOCK_SEQ_VALID | 0xFu))
                rc = RSVD_E_WIRE_VALUE;
            res_lock_seq_set(o, i + 1u, lock_seq[i]);
        }
    }
    if (rc == RSVD_OK && !ok)
        rc = RSVD_E_NOMEM;
    rec *r = rc == RSVD_OK ? rsvd_mem_calloc(s->mem, 1, sizeof *r + share_len) : NULL;
    if (!r) {
        rsvd_mem_free(s->mem, o->name);
        rsvd_mem_free(s->mem, o->file_key);
        rsvd_mem_free(s->mem, o);
        return rc == RSVD_OK ? RSVD_E_NOMEM : rc;
    }
    o->is_resilient = (flags & REC_RESILIENT) != 0;
    o->is_durable = (flags & REC_DURABLE) != 0;
    o->is_persistent = false; /* set when it joins the server (counts, index) */
    o->is_replay_eligible = (flags & REC_REPLAY_ELIGIBLE) != 0;
    o->shared_vhdx = (flags & REC_SHARED_VHDX) != 0;
    o->is_directory = (flags & REC_DIRECTORY) != 0;
    o->share_ca = (flags & REC_SHARE_CA) != 0;
    o->has_app_id = (flags & REC_HAS_APP_ID) != 0;
    o->has_app_version = (flags & REC_HAS_APP_VERSION) != 0;
    r->o = o;
    r->client_guid = client_guid;
    memcpy(r->owner, owner, owner_len);
    r->owner_len = owner_len;
    r->deadline_wall = deadline_wall;
    r->detached = (flags & REC_DETACHED) != 0;
    r->share_len = share_len;
    if (share_len)
        memcpy(r->bytes, share, share_len);
    r->share = r->bytes;
    *out = r;
    return RSVD_OK;
}

static int restore_visit(void *arg, const void *key, size_t key_len, const void *value,
                         size_t value_len)
{
    restore_ctx *rc = arg;
    rsvd_res_server *s = rc->s;
    /* Only this instance's records: "RSVO" and its instance id. */
    if (key_len < 20 || memcmp(key, REC_MAGIC, 4) != 0 ||
        memcmp((const uint8_t *)key + 4, s->cfg.instance_id.b, 16) != 0)
        return 0;
    rec *r;
    int err = rec_decode(s, key, key_len, value, value_len, &r);
    if (err == RSVD_E_NOMEM) {
        rc->nomem = true;
        return 1;
    }
    if (err != RSVD_OK) {
        s->store_errors++; /* a record this version cannot read stays */
        return 0;
    }
    rsvd_list_append(&rc->recs, &r->node);
    return 0;
}

/* Makes @p o, decoded from a record, a detached open of @p s with deadline
 * @p deadline (monotonic). @return RSVD_OK or an error (nothing joined). */
static int restore_join(rsvd_res_server *s, res_open *o, const rec *r, uint64_t deadline)
{
    rsvd_list_init(&o->sess_node);
    rsvd_list_init(&o->tree_node);
    rsvd_list_init(&o->client_node);
    o->share = res_share_get(s, r->share, r->share_len);
    res_counter *cq = res_counter_get(s, true, r->client_guid.b, sizeof r->client_guid.b);
    res_counter *uq = res_counter_get(s, false, r->owner, r->owner_len);
    int rc = (!o->share || !cq || !uq) ? RSVD_E_NOMEM : RSVD_OK;
    if (rc == RSVD_OK)
        rc = rsvd_heap_reserve(&s->deadlines, 1);
    if (rc == RSVD_OK)
        rc = rsvd_handle_table_add_at(&s->persistent, o, o->persistent_id);
    if (rc != RSVD_OK) {
        res_counter_put(s, true, cq);
        res_counter_put(s, false, uq);
        res_share_put(s, o->share);
        o->share = NULL;
        return rc;
    }
    (void)rsvd_heap_push(&s->deadlines, &o->deadline, deadline); /* reserved */
    s->heap_ops++;
    o->state = RES_OPEN_DETACHED;
    s->n_detached++;
    /* Counted by its client and user, as any detached open (no quota
     * refuses a restored open). */
    o->client_q = cq;
    o->user_q = uq;
    o->counted = true;
    cq->detached++;
    uq->detached++;
    rsvd_list_append(&cq->opens, &o->client_node);
    bool durable = o->is_durable;
    o->is_durable = false;
    res_open_set_durable(s, o, durable, true);
    rsvd_guid g = o->create_guid;
    memset(&o->create_guid, 0, sizeof o->create_guid);
    res_index_create_guid(s, o, &g);
    if (o->has_app_id) {
        o->has_app_id = false;
        rsvd_guid id = o->app_id;
        res_index_app_id(s, o, &id);
    }
    o->stored = true;
    return RSVD_OK;
}

int rsvd_res_server_restore(rsvd_res_server *s, uint64_t now_ms, size_t *restored)
{
    if (restored)
        *restored = 0;
    if (!s || !s->cfg.store || !s->cb.restore_open)
        return RSVD_E_INVAL;
    if (s->in_callback)
        return RSVD_E_BUSY;
    if (s->persistent.count)
        return RSVD_E_STATE;
    restore_ctx c = {.s = s, .nomem = false};
    rsvd_list_init(&c.recs);
    int rc = s->cfg.store->traverse(s->cfg.store_ctx, restore_visit, &c);
    if (rc == RSVD_OK && c.nomem)
        rc = RSVD_E_NOMEM;
    else if (rc != RSVD_OK)
        rc = RSVD_E_IO;
    uint64_t wall = s->cb.wall_clock_ms(s, s->user_data);
    size_t n = 0;
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &c.recs)
    {
        rec *r = RSVD_CONTAINER_OF(it, rec, node);
        rsvd_list_remove(&r->node);
        res_open *o = r->o;
        if (rc != RSVD_OK) {
            rec_free(s, r);
            continue;
        }
        /* What is left of the timeout: a detached open's wall-clock
         * deadline; an open attached when its server stopped starts its
         * whole timeout now (its connection is gone). */
        uint32_t timeout = o->is_resilient ? o->resiliency_timeout_ms : o->durable_timeout_ms;
        uint64_t left = timeout;
        if (r->detached)
            left = r->deadline_wall > wall ? r->deadline_wall - wall : 0;
        uint8_t key[REC_KEY_LEN];
        rec_key(s, o->persistent_id, key);
        if (r->detached && left == 0) {
            (void)s->cfg.store->remove(s->cfg.store_ctx, key, sizeof key); /* expired */
            rec_free(s, r);
            continue;
        }
        uint64_t deadline = now_ms + left;
        if (deadline < now_ms || deadline == UINT64_MAX)
            deadline = UINT64_MAX - 1;
        rsvd_res_restored_open info = {
            .file_id = {.persistent_id = o->persistent_id, .volatile_id = 0},
            .name = o->name,
            .name_len = o->name_len,
            .file_key = o->file_key,
            .file_key_len = o->file_key_len,
            .share = r->share,
            .share_len = r->share_len,
            .shared_vhdx = o->shared_vhdx,
            .granted_access = o->granted_access,
            .share_access = o->share_access,
            .create_options = o->create_options};
        void *ud = NULL;
        s->in_callback++;
        int hrc = s->cb.restore_open(s, &info, &ud, s->user_data);
        s->in_callback--;
        if (hrc != 0) {
            (void)s->cfg.store->remove(s->cfg.store_ctx, key, sizeof key); /* refused */
            rec_free(s, r);
            continue;
        }
        o->user_data = ud;
        o->deadline_wall = r->detached ? r->deadline_wall : res_wall_deadline(s, timeout);
        if (restore_join(s, o, r, deadline) != RSVD_OK) {
            /* The host reopened it: tell it the open is gone again. */
            rsvd_res_closed_open closed = {.file_id = info.file_id,
                                           .open_user_data = ud,
                                           .reason = RSVD_RES_CLOSE_RESOURCES};
            res_notify_close(s, &closed);
            s->store_errors++;
            rec_free(s, r);
            continue;
        }
        r->o = NULL; /* the server owns it now */
        rec_free(s, r);
        /* Its record now carries the deadline this server counts. */
        (void)res_store_put(s, o);
        n++;
    }
    if (restored)
        *restored = n;
    return rc;
}
