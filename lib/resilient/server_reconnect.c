/*
 * Open preservation, server role: the create contexts of a CREATE
 * ([MS-SMB2] 3.3.5.9 "Create Context Validation") and reconnecting a
 * preserved open ([MS-SMB2] 3.3.5.9.7 Handling the
 * SMB2_CREATE_DURABLE_HANDLE_RECONNECT Create Context, 3.3.5.9.12 ..._V2),
 * every check in the spec's order, plus the share (decision D11).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "resilient/server_int.h"

static bool tag_is(const rsvd_smb2_cc *cc, const char *tag)
{
    return cc->name_length == RSVD_SMB2_CC_TAG_LEN && memcmp(cc->name, tag, 4) == 0;
}

static bool name16_is(const rsvd_smb2_cc *cc, const char *name)
{
    return cc->name_length == RSVD_SMB2_CC_APP_INSTANCE_LEN &&
           memcmp(cc->name, name, RSVD_SMB2_CC_APP_INSTANCE_LEN) == 0;
}

uint32_t res_create_contexts(const rsvd_smb2_create_req *q, uint16_t dialect, res_create_ctx *x)
{
    memset(x, 0, sizeof *x);
    bool v3 = res_dialect_is_3x(dialect);
    rsvd_smb2_cc_iter it;
    rsvd_smb2_cc cc;
    rsvd_smb2_cc_iter_init(&it, q->create_contexts, q->create_contexts_length);
    int rc;
    /* A name is matched by its length and bytes, never by a prefix (pitfall
     * B2); the first context of each name counts. Each one's data must be
     * exactly its structure (3.3.5.9; pitfall B1: checked before any field
     * is read, by the wire layer's decoders). The 3.x contexts are not
     * defined below 3.0 and are ignored there (<334>, <336>), as is a lease
     * request on 2.0.2. A malformed lease request fails the CREATE (B7). */
    while ((rc = rsvd_smb2_cc_iter_next(&it, &cc)) == RSVD_OK) {
        int dec = RSVD_OK;
        if (tag_is(&cc, RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST) && !x->dhnq) {
            x->dhnq = true;
            dec = rsvd_smb2_dhnq_req_decode(cc.data, cc.data_length);
        } else if (tag_is(&cc, RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT) && !x->dhnc) {
            x->dhnc = true;
            dec = rsvd_smb2_dhnc_decode(cc.data, cc.data_length, &x->dhnc_file_id);
        } else if (v3 && tag_is(&cc, RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST_V2) && !x->dh2q) {
            x->dh2q = true;
            dec = rsvd_smb2_dh2q_req_decode(cc.data, cc.data_length, &x->dh2q_req);
        } else if (v3 && tag_is(&cc, RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2) && !x->dh2c) {
            x->dh2c = true;
            dec = rsvd_smb2_dh2c_decode(cc.data, cc.data_length, &x->dh2c_req);
        } else if (dialect != RSVD_SMB2_DIALECT_202 &&
                   tag_is(&cc, RSVD_SMB2_CC_REQUEST_LEASE) && !x->rqls) {
            x->rqls = true;
            dec = rsvd_smb2_lease_req_decode(cc.data, cc.data_length, &x->lease);
        } else if (v3 && name16_is(&cc, RSVD_SMB2_CC_APP_INSTANCE_ID) && !x->app_id) {
            x->app_id = true;
            /* 3.3.5.9.13 step 2: the server MAY validate StructureSize. */
            dec = rsvd_smb2_app_instance_id_decode(cc.data, cc.data_length,
                                                   &x->app_instance_id);
        } else if (v3 && name16_is(&cc, RSVD_SMB2_CC_APP_INSTANCE_VERSION) &&
                   !x->app_version) {
            x->app_version = true;
            dec = rsvd_smb2_app_instance_version_decode(cc.data, cc.data_length,
                                                        &x->app_instance_version);
        }
        if (dec != RSVD_OK)
            return RSVD_STATUS_INVALID_PARAMETER;
    }
    return rc == RSVD_E_NOENT ? RSVD_STATUS_SUCCESS : RSVD_STATUS_INVALID_PARAMETER;
}

/*
 * GlobalOpenTable lookup by FileId.Persistent. An open detached past its
 * deadline is expired: the scavenger would already have closed it if the
 * host had called handle_expiry in time, so it is closed now and counts as
 * not found (decision D6: the deadline is checked at reclaim time too).
 */
static res_open *lookup_for_reconnect(rsvd_res_server *s, uint64_t persistent_id,
                                      uint64_t now_ms)
{
    res_open *o = res_open_by_persistent(s, persistent_id);
    if (o && res_open_expired(o, now_ms)) {
        res_open_close(s, o, RSVD_RES_CLOSE_EXPIRED, true);
        return NULL;
    }
    return o;
}

/* 3.3.5.9.12 step 1: a persistent open by CreateGuid (its FileId may not
 * have survived a failover). Only a detached persistent open of this share
 * matches; anything else is "not found" and nothing is kept (pitfall B6). */
static res_open *lookup_by_create_guid(rsvd_res_server *s, const res_tree *t,
                                       const rsvd_guid *g, uint64_t now_ms)
{
    for (res_open *o = res_index_first_create_guid(s, g); o; o = res_index_next_create_guid(o)) {
        if (o->is_persistent && o->state == RES_OPEN_DETACHED && o->share == t->share)
            return lookup_for_reconnect(s, o->persistent_id, now_ms);
    }
    return NULL;
}

static bool leased(const res_open *o)
{
    return o->lease_kind != RES_LEASE_NONE;
}

/* The lease rules of 3.3.5.9.7 step 6 and 3.3.5.9.12 step 2: a context
 * exactly when the open has a lease, with its key. */
static bool lease_mismatch(const res_open *o, const res_create_ctx *x)
{
    if (leased(o) != x->rqls)
        return true; /* Lease != NULL without RqLs, or Lease == NULL with one */
    if (!leased(o) || o->lease_kind == RES_LEASE_UNKNOWN)
        return false; /* the host keeps that lease: it checks the key */
    return !rsvd_guid_equal(&o->lease_key, &x->lease.lease_key);
}

/* 3.3.5.9.7 step 7 / 3.3.5.9.12 step 2 (SHOULD <338>, <351>): the request's
 * lease context is of the lease's version. */
static bool lease_version_mismatch(const res_open *o, const res_create_ctx *x)
{
    if (!leased(o) || o->lease_kind == RES_LEASE_UNKNOWN || !x->rqls)
        return false;
    return (o->lease_kind == RES_LEASE_V1) != (x->lease.version == 1);
}

/* "IsDurable, Lease NULL, OplockLevel not BATCH" and "IsDurable, LeaseState
 * without HANDLE_CACHING": a durable open whose caching was broken is not
 * reclaimable. Decision: not a persistent open, which needs no oplock. */
static bool caching_lost(const res_open *o)
{
    return o->is_durable && !o->is_persistent && !res_open_holds_handle_caching(o);
}

/* IsDurable FALSE and IsResilient FALSE, or Open.Session != NULL (decision
 * D15: even for a persistent open). */
static bool not_preserved(const res_open *o)
{
    if (!o->is_durable && !o->is_resilient && !o->is_persistent)
        return true;
    return o->state != RES_OPEN_DETACHED;
}

/* The lease's file name is the request's (step 5 of 3.3.5.9.7, step 3 of
 * 3.3.5.9.12): only for a lease the library knows the name of. */
static bool lease_name_mismatch(const res_open *o, const rsvd_smb2_create_req *q)
{
    return leased(o) && o->name && !res_name_equal(o->name, o->name_len, q->name, q->name_length);
}

/* The CREATE's ChannelSequence (3.x; bytes 8-9 of the header). */
static uint16_t channel_sequence_of(const res_req *rq)
{
    return res_dialect_is_3x(rq->conn->dialect) ? (uint16_t)(rq->hdr.status & 0xFFFFu) : 0;
}

/* 3.3.5.9.7 step 9 / 3.3.5.9.12 step 5: rebind to this connection, session
 * and tree connect with a new volatile FileId (state RECLAIMED until the
 * host's create_end). */
static uint32_t rebind(rsvd_res_server *s, const res_req *rq, res_open *o, res_open **out)
{
    if (res_open_reclaim(s, o, rq->sess, rq->tree, channel_sequence_of(rq)) != RSVD_OK)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES; /* the open stays detached */
    o->dialect = rq->conn->dialect;
    o->server_caps = rq->conn->server_caps;
    *out = o;
    return RSVD_STATUS_SUCCESS;
}

/* [MS-SMB2] 3.3.5.9.7, in the spec's order. */
static uint32_t reconnect_dhnc(rsvd_res_server *s, const res_req *rq,
                               const rsvd_smb2_create_req *q, const res_create_ctx *x,
                               uint64_t now_ms, res_open **out)
{
    /* Step 1: a DHnQ context next to it is ignored. */
    /* Step 2: DH2Q or DH2C as well -> SHOULD<336> STATUS_INVALID_PARAMETER
     * (below 3.0 those contexts are ignored: res_create_contexts). */
    if (x->dh2q || x->dh2c)
        return RSVD_STATUS_INVALID_PARAMETER;
    /* Step 3: GlobalOpenTable by FileId.Persistent (FileId.Volatile is
     * ignored); none -> SHOULD<337> STATUS_OBJECT_NAME_NOT_FOUND. Decision
     * D11: an open of another share is not found either. */
    res_open *o = lookup_for_reconnect(s, x->dhnc_file_id.persistent_id, now_ms);
    if (!o || o->share != rq->tree->share)
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    /* Step 4: Lease != NULL and Open.ClientGuid != Connection.ClientGuid
     * (decision D10: only for a leased open; the owner check below is then
     * what guards the others). */
    if (leased(o) && !res_open_client_is(o, &rq->conn->client_guid))
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    /* Step 5: Lease.FileName is not the request's file name. */
    if (lease_name_mismatch(o, q))
        return RSVD_STATUS_INVALID_PARAMETER;
    /* Step 6. */
    if (lease_mismatch(o, x) || caching_lost(o) || not_preserved(o))
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    /* Step 7: SHOULD<338> the lease version of the context. */
    if (lease_version_mismatch(o, x))
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    /* Step 8: the user of Session.SecurityContext must be Open.DurableOwner
     * (pitfall B4: never skipped). */
    if (!res_open_owned_by(o, rq->sess->user, rq->sess->user_len))
        return RSVD_STATUS_ACCESS_DENIED;
    return rebind(s, rq, o, out);
}

/* [MS-SMB2] 3.3.5.9.12, in the spec's order. */
static uint32_t reconnect_dh2c(rsvd_res_server *s, const res_req *rq,
                               const rsvd_smb2_create_req *q, const res_create_ctx *x,
                               uint64_t now_ms, res_open **out)
{
    const rsvd_smb2_dh2c *d = &x->dh2c_req;
    bool flag = (d->flags & RSVD_SMB2_DHANDLE_FLAG_PERSISTENT) != 0;
    /* Step 1: GlobalOpenTable by FileId.Persistent; not found and the
     * context asks for a persistent handle on a CA share of a server with
     * PERSISTENT_HANDLES: by CreateGuid; not found -> SHOULD<347>/<348>
     * STATUS_OBJECT_NAME_NOT_FOUND. Decision D11: another share's open is
     * not found. */
    res_open *o = lookup_for_reconnect(s, d->file_id.persistent_id, now_ms);
    if (!o && flag && (rq->tree->flags & RSVD_RES_TREE_CA) &&
        (rq->conn->server_caps & RSVD_SMB2_GLOBAL_CAP_PERSISTENT_HANDLES))
        o = lookup_by_create_guid(s, rq->tree, &d->create_guid, now_ms);
    if (!o || o->share != rq->tree->share)
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    /* Step 2, in its order: Lease and ClientGuid; IsPersistent without the
     * flag (SHOULD <349>); Open.CreateGuid (a never-set one compares as 16
     * zero bytes, pitfall P1 of the resiliency reference); IsDurable and
     * IsResilient FALSE; Open.Session != NULL; the lease rules; a durable
     * open's caching (SHOULD <350>); the lease version (SHOULD <351>). */
    if (leased(o) && !res_open_client_is(o, &rq->conn->client_guid))
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    if (o->is_persistent && !flag)
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    if (!rsvd_guid_equal(&o->create_guid, &d->create_guid))
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    if (not_preserved(o) || lease_mismatch(o, x) || caching_lost(o) ||
        lease_version_mismatch(o, x))
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    /* Step 3: DHnQ, DHnC or DH2Q as well; the lease's file name; the
     * PERSISTENT flag on an open that is not persistent (SHOULD <352>). */
    if (x->dhnq || x->dhnc || x->dh2q)
        return RSVD_STATUS_INVALID_PARAMETER;
    if (lease_name_mismatch(o, q))
        return RSVD_STATUS_INVALID_PARAMETER;
    if (flag && !o->is_persistent)
        return RSVD_STATUS_INVALID_PARAMETER;
    /* Step 4: the user must be Open.DurableOwner. */
    if (!res_open_owned_by(o, rq->sess->user, rq->sess->user_len))
        return RSVD_STATUS_ACCESS_DENIED;
    return rebind(s, rq, o, out);
}

uint32_t res_reconnect(rsvd_res_server *s, const res_req *rq, const rsvd_smb2_create_req *q,
                       const res_create_ctx *x, uint64_t now_ms, res_open **out)
{
    *out = NULL;
    if (x->dhnc)
        return reconnect_dhnc(s, rq, q, x, now_ms, out);
    return reconnect_dh2c(s, rq, q, x, now_ms, out);
}

int rsvd_res_server_reconnect(rsvd_res_server *s, const rsvd_res_server_ctx *ctx,
                              const uint8_t *req, size_t len, uint64_t now_ms,
                              rsvd_res_reconnect_result *out)
{
    if (!s || !req || !out)
        return RSVD_E_INVAL;
    memset(out, 0, sizeof *out);
    res_req rq;
    int rc = res_req_begin(s, ctx, req, len, RSVD_SMB2_CREATE, false, &rq);
    if (rc != RSVD_OK)
        return rc;

    rsvd_smb2_create_req q;
    res_create_ctx x;
    if (rsvd_smb2_create_req_decode(req, len, &q) != RSVD_OK ||
        res_create_contexts(&q, rq.conn->dialect, &x) != RSVD_STATUS_SUCCESS) {
        /* 3.3.5.9: a malformed CREATE or context chain. */
        out->status = RSVD_STATUS_INVALID_PARAMETER;
        return RSVD_OK;
    }
    if (!x.dhnc && !x.dh2c)
        return RSVD_E_NOENT; /* not a reconnect */
    out->context =
        x.dhnc ? RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT : RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2;
    res_open *o;
    out->status = res_reconnect(s, &rq, &q, &x, now_ms, &o);
    if (out->status != RSVD_STATUS_SUCCESS)
        return RSVD_OK;
    /* The short form: the host answers at once, so the reclaim is kept -
     * after the store has the persistent open's new state. */
    if (res_store_put(s, o) != RSVD_OK) {
        res_open_reclaim_undo(s, o, now_ms);
        out->status = RSVD_STATUS_INSUFFICIENT_RESOURCES;
        return RSVD_OK;
    }
    res_open_reclaim_commit(s, o);
    out->file_id.persistent_id = o->persistent_id;
    out->file_id.volatile_id = o->volatile_id;
    out->open_user_data = o->user_data;
    return RSVD_OK;
}
