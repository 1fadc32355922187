/*
 * Resilient handles, server role: reconnecting a preserved open from a
 * CREATE request ([MS-SMB2] 3.3.5.9.7 Handling the
 * SMB2_CREATE_DURABLE_HANDLE_RECONNECT Create Context, 3.3.5.9.12 ..._V2).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "resilient/server_int.h"

/* The create contexts of the request that matter here. */
typedef struct reconnect_contexts {
    bool dhnq, dhnc, dh2q, dh2c, rqls;
    rsvd_smb2_cc dhnc_cc, dh2c_cc;
} reconnect_contexts;

/* @return RSVD_OK, or the chain's error (the CREATE decoder has validated
 * the chain already, so this does not fail on a decoded request). */
static int find_contexts(const rsvd_smb2_create_req *q, reconnect_contexts *x)
{
    memset(x, 0, sizeof *x);
    rsvd_smb2_cc_iter it;
    rsvd_smb2_cc cc;
    rsvd_smb2_cc_iter_init(&it, q->create_contexts, q->create_contexts_length);
    int rc;
    /* A name is a byte string; the first context of each name counts. */
    while ((rc = rsvd_smb2_cc_iter_next(&it, &cc)) == RSVD_OK) {
        if (cc.name_length != RSVD_SMB2_CC_TAG_LEN)
            continue;
        if (memcmp(cc.name, RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST, 4) == 0) {
            x->dhnq = true;
        } else if (memcmp(cc.name, RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT, 4) == 0) {
            if (!x->dhnc)
                x->dhnc_cc = cc;
            x->dhnc = true;
        } else if (memcmp(cc.name, RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST_V2, 4) == 0) {
            x->dh2q = true;
        } else if (memcmp(cc.name, RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2, 4) == 0) {
            if (!x->dh2c)
                x->dh2c_cc = cc;
            x->dh2c = true;
        } else if (memcmp(cc.name, RSVD_SMB2_CC_REQUEST_LEASE, 4) == 0) {
            x->rqls = true;
        }
    }
    return rc == RSVD_E_NOENT ? RSVD_OK : rc;
}

/*
 * GlobalOpenTable lookup by FileId.Persistent. An open detached past its
 * deadline is expired: the scavenger would already have closed it if the
 * host had called handle_expiry in time, so it is closed now and counts as
 * not found.
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

/* The checks both contexts share: "Open.Lease" presence against an RqLs
 * context, IsDurable FALSE and IsResilient FALSE, Open.Session != NULL. */
static bool not_reconnectable(const res_open *o, const reconnect_contexts *x)
{
    if (o->leased && !x->rqls)
        return true; /* Open.Lease != NULL and no lease context */
    if (!o->leased && x->rqls)
        return true; /* Open.Lease == NULL and a lease context */
    if (!o->is_resilient)
        return true; /* IsDurable FALSE (always here) and IsResilient FALSE */
    if (o->state != RES_OPEN_DETACHED)
        return true; /* Open.Session != NULL: still attached (gap G5) */
    return false;
}

/* 3.3.5.9.7 step 9 / 3.3.5.9.12 step 5: rebind to this connection, session
 * and tree connect with a new volatile FileId. */
static uint32_t rebind(rsvd_res_server *s, res_open *o, const res_conn *c, res_session *ss,
                       res_tree *t, rsvd_res_reconnect_result *out)
{
    int rc = res_open_reattach(s, o, ss, t);
    if (rc != RSVD_OK)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES; /* the open stays detached */
    o->dialect = c->dialect;
    out->file_id.persistent_id = o->persistent_id;
    out->file_id.volatile_id = o->volatile_id;
    out->open_user_data = o->user_data;
    return RSVD_STATUS_SUCCESS;
}

/* [MS-SMB2] 3.3.5.9.7, in the spec's order. */
static uint32_t reconnect_dhnc(rsvd_res_server *s, const res_conn *c, res_session *ss,
                               res_tree *t, const reconnect_contexts *x, uint64_t now_ms,
                               rsvd_res_reconnect_result *out)
{
    /* Step 1: a DHnQ context next to it is ignored. */
    /* Step 2: DH2Q or DH2C as well -> SHOULD<336> STATUS_INVALID_PARAMETER.
     * Decision: on 2.0.2 / 2.1 connections those contexts are not defined
     * and are ignored, as such servers ignore undefined contexts. */
    if (res_dialect_is_3x(c->dialect) && (x->dh2q || x->dh2c))
        return RSVD_STATUS_INVALID_PARAMETER;
    rsvd_smb2_fileid fid;
    if (rsvd_smb2_dhnc_decode(x->dhnc_cc.data, x->dhnc_cc.data_length, &fid) != RSVD_OK)
        return RSVD_STATUS_INVALID_PARAMETER; /* 3.3.5.9 create context validation */
    /* Step 3: GlobalOpenTable by FileId.Persistent; none -> SHOULD<337>
     * STATUS_OBJECT_NAME_NOT_FOUND. */
    res_open *o = lookup_for_reconnect(s, fid.persistent_id, now_ms);
    if (!o)
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    /* Steps 4, 5 and 7 (ClientGuid, lease file name, lease version) are the
     * host's: the library keeps no lease. Step 6. */
    if (not_reconnectable(o, x))
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    /* Step 8: the user of Session.SecurityContext must be Open.DurableOwner. */
    if (!res_user_equal(ss->user, ss->user_len, o->owner, o->owner_len))
        return RSVD_STATUS_ACCESS_DENIED;
    return rebind(s, o, c, ss, t, out);
}

/* [MS-SMB2] 3.3.5.9.12, in the spec's order. */
static uint32_t reconnect_dh2c(rsvd_res_server *s, const res_conn *c, res_session *ss,
                               res_tree *t, const reconnect_contexts *x, uint64_t now_ms,
                               rsvd_res_reconnect_result *out)
{
    rsvd_smb2_dh2c d;
    if (rsvd_smb2_dh2c_decode(x->dh2c_cc.data, x->dh2c_cc.data_length, &d) != RSVD_OK)
        return RSVD_STATUS_INVALID_PARAMETER; /* 3.3.5.9 create context validation */
    /* Step 1: GlobalOpenTable by FileId.Persistent. Not found: the lookup by
     * CreateGuid is for persistent handles, which the library does not
     * keep -> SHOULD<348> STATUS_OBJECT_NAME_NOT_FOUND. */
    res_open *o = lookup_for_reconnect(s, d.file_id.persistent_id, now_ms);
    if (!o)
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    /* Step 2. Decision (pitfall P1): a resilient open never got a
     * CreateGuid (no DH2Q), so Open.CreateGuid compares as 16 zero bytes. */
    const rsvd_guid zero = {{0}};
    if (!rsvd_guid_equal(&d.create_guid, &zero))
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    if (not_reconnectable(o, x))
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    /* Step 3: DHnQ, DHnC or DH2Q as well -> STATUS_INVALID_PARAMETER (DHnC
     * is handled by 3.3.5.9.7, which refuses the DH2C first); the
     * PERSISTENT flag on a non-persistent open -> SHOULD<352>
     * STATUS_INVALID_PARAMETER. */
    if (x->dhnq || x->dhnc || x->dh2q)
        return RSVD_STATUS_INVALID_PARAMETER;
    if (d.flags & RSVD_SMB2_DHANDLE_FLAG_PERSISTENT)
        return RSVD_STATUS_INVALID_PARAMETER;
    /* Step 4: the user must be Open.DurableOwner. */
    if (!res_user_equal(ss->user, ss->user_len, o->owner, o->owner_len))
        return RSVD_STATUS_ACCESS_DENIED;
    return rebind(s, o, c, ss, t, out);
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
    reconnect_contexts x;
    if (rsvd_smb2_create_req_decode(req, len, &q) != RSVD_OK || find_contexts(&q, &x) != RSVD_OK) {
        /* 3.3.5.9: a malformed CREATE or context chain. */
        out->status = RSVD_STATUS_INVALID_PARAMETER;
        return RSVD_OK;
    }
    if (x.dhnc) {
        out->context = RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT;
        out->status = reconnect_dhnc(s, rq.conn, rq.sess, rq.tree, &x, now_ms, out);
        return RSVD_OK;
    }
    /* DH2C is a 3.x context (3.3.5.9.12 applies to 3.x servers only). */
    if (x.dh2c && res_dialect_is_3x(rq.conn->dialect)) {
        out->context = RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2;
        out->status = reconnect_dh2c(s, rq.conn, rq.sess, rq.tree, &x, now_ms, out);
        return RSVD_OK;
    }
    return RSVD_E_NOENT; /* not a reconnect */
}
