/*
 * Open preservation, server role: a CREATE ([MS-SMB2] 3.3.5.9) in two
 * halves. create_begin, before the host opens anything: the contexts and
 * their combinations, the name collision with a detached persistent open,
 * a reconnect (server_reconnect.c), a replayed CREATE, the application
 * instance (3.3.5.9.13), a CreateGuid in use (3.3.5.9.10). create_end,
 * after the host's "Open Execution" and "Oplock Acquisition": the open's
 * "Successful Open Initialization", its durability decided on what was
 * granted (3.3.5.9.6, 3.3.5.9.10; decision D4), its response context, and
 * its record in the store; or the end of a reclaim.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "resilient/server_int.h"
#include "util/mem.h"
#include "util/versioned.h"

/* rsvd_res_create_op.priv_flags */
#define OP_BEGUN 0x1u   /* filled by create_begin */
#define OP_EXECUTE 0x2u /* action EXECUTE */
#define OP_RECLAIM 0x4u /* action RECLAIM: priv_persistent_id names the open */
#define OP_ENDED 0x8u   /* create_end has run */

/* FILE_GENERIC_READ ([MS-SMB2] 2.2.13.1.1): READ_CONTROL | SYNCHRONIZE |
 * FILE_READ_DATA | FILE_READ_EA | FILE_READ_ATTRIBUTES. */
#define RES_FILE_GENERIC_READ                                                               \
    (RSVD_READ_CONTROL | RSVD_SYNCHRONIZE | RSVD_FILE_READ_DATA | RSVD_FILE_READ_EA |       \
     RSVD_FILE_READ_ATTRIBUTES)

/* The access of 3.3.5.9.10's replay eligibility. */
#define RES_REPLAY_ACCESS                                                                   \
    (RSVD_FILE_READ_DATA | RSVD_FILE_EXECUTE | RSVD_FILE_WRITE_DATA | RSVD_FILE_APPEND_DATA | \
     RSVD_DELETE)

static void op_fail(rsvd_res_create_op *op, uint32_t status)
{
    op->action = RSVD_RES_CREATE_FAIL;
    op->status = status;
}

/* The REPLAY flag counts on 3.x only (decision: ignored on 2.x, §1.1 of the
 * durable reference). */
static bool is_replay(const res_req *rq)
{
    return res_dialect_is_3x(rq->conn->dialect) &&
           (rq->hdr.flags & RSVD_SMB2_FLAGS_REPLAY_OPERATION) != 0;
}

/* ---- 3.3.5.9: a detached persistent open of the same file ------------------------- */

static bool persistent_collision(const rsvd_res_server *s, const res_tree *t,
                                 const rsvd_smb2_create_req *q, const uint8_t *key,
                                 size_t key_len)
{
    uint64_t h = res_file_hash(s, key, key_len, q->name, q->name_length);
    for (res_open *o = res_index_first_file(s, h); o; o = res_index_next_file(o)) {
        /* Open.IsPersistent and Open.Connection NULL; decision D14: the
         * same object (or, without one, the same name on the same share). */
        if (o->state == RES_OPEN_DETACHED &&
            res_file_equal(o, t->share, key, key_len, q->name, q->name_length))
            return true;
    }
    return false;
}

/* ---- 3.3.5.9: CREATE replay (the v84 block before "Open Execution") ---------------- */

/* Answers a replay from @p o: rebound to this session when it was detached
 * (decision D2), claimed where it is otherwise. */
static uint32_t replay_answer(rsvd_res_server *s, const res_req *rq, res_open *o,
                              res_open **out)
{
    if (o->state == RES_OPEN_DETACHED) {
        uint16_t seq = (uint16_t)(rq->hdr.status & 0xFFFFu);
        if (res_open_reclaim(s, o, rq->sess, rq->tree, seq) != RSVD_OK)
            return RSVD_STATUS_INSUFFICIENT_RESOURCES;
        o->dialect = rq->conn->dialect;
        o->server_caps = rq->conn->server_caps;
    } else {
        res_open_replay_claim(s, o);
    }
    *out = o;
    return RSVD_STATUS_SUCCESS;
}

/* The request's lease key is Open.Lease.LeaseKey (when the library knows
 * it; decision D3, pitfall B9). */
static bool replay_lease_mismatch(const res_open *o, const res_create_ctx *x)
{
    if (o->lease_kind == RES_LEASE_NONE || o->lease_kind == RES_LEASE_UNKNOWN)
        return false;
    return !x->rqls || !rsvd_guid_equal(&o->lease_key, &x->lease.lease_key);
}

/*
 * Decision D3: the one replay path. Returns STATUS_SUCCESS with *out set (a
 * replay answered from an open), STATUS_SUCCESS with *out NULL (no open:
 * go on), or the status to fail the CREATE with.
 */
static uint32_t create_replay(rsvd_res_server *s, const res_req *rq,
                              const rsvd_smb2_create_req *q, const res_create_ctx *x,
                              res_open **out)
{
    *out = NULL;
    const rsvd_guid *g = &x->dh2q_req.create_guid;
    bool flag = (x->dh2q_req.flags & RSVD_SMB2_DHANDLE_FLAG_PERSISTENT) != 0;
    /* Step 1: IsReplayEligible, Open.CreateGuid and Open.ClientGuid. */
    for (res_open *o = res_index_first_create_guid(s, g); o; o = res_index_next_create_guid(o)) {
        if (!o->is_replay_eligible || o->state == RES_OPEN_RECLAIMED ||
            !res_open_client_is(o, &rq->conn->client_guid) ||
            o->share != rq->tree->share)
            continue;
        if (!res_open_owned_by(o, rq->sess->user, rq->sess->user_len) ||
            replay_lease_mismatch(o, x))
            return RSVD_STATUS_ACCESS_DENIED;
        /* Decision: a NULL Open.Session is "another session" for an open
         * that is not persistent; a persistent one goes to step 2. */
        if (o->state == RES_OPEN_DETACHED && o->is_persistent) {
            if (!flag)
                return RSVD_STATUS_INVALID_PARAMETER; /* SHOULD <307> */
            break;
        }
        if (o->sess != rq->sess)
            return RSVD_STATUS_DUPLICATE_OBJECTID;
        if (o->is_persistent && !flag)
            return RSVD_STATUS_INVALID_PARAMETER; /* SHOULD <307> */
        return replay_answer(s, rq, o, out);
    }
    /* Step 2: a persistent open by CreateGuid on a CA share. */
    if (!flag || !(rq->tree->flags & RSVD_RES_TREE_CA) ||
        !(rq->conn->server_caps & RSVD_SMB2_GLOBAL_CAP_PERSISTENT_HANDLES))
        return RSVD_STATUS_SUCCESS;
    for (res_open *o = res_index_first_create_guid(s, g); o; o = res_index_next_create_guid(o)) {
        if (!o->is_persistent || o->share != rq->tree->share)
            continue;
        if (o->state != RES_OPEN_DETACHED)
            return RSVD_STATUS_FILE_NOT_AVAILABLE; /* Open.Connection != NULL */
        if (!res_open_owned_by(o, rq->sess->user, rq->sess->user_len))
            return RSVD_STATUS_ACCESS_DENIED;
        if (o->create_options != q->create_options || o->desired_access != q->desired_access ||
            o->share_access != q->share_access)
            return RSVD_STATUS_CONTEXT_MISMATCH;
        return replay_answer(s, rq, o, out);
    }
    return RSVD_STATUS_SUCCESS;
}

/* ---- 3.3.5.9.13: application instances --------------------------------------------- */

/* Does @p o belong to another client than @p rq's connection? Attached:
 * Open.Session.Connection.ClientGuid; detached: Open.ClientGuid (decision
 * D12). */
static bool other_client(const res_open *o, const res_req *rq)
{
    const rsvd_guid own = res_open_client_guid(o);
    const rsvd_guid *g = o->sess ? res_session_client_guid(o->sess) : &own;
    return !rsvd_guid_equal(g, &rq->conn->client_guid);
}

static uint32_t app_instance(rsvd_res_server *s, const res_req *rq,
                             const rsvd_smb2_create_req *q, const res_create_ctx *x,
                             const rsvd_res_create_params *p)
{
    const uint8_t *key = p->file_key;
    size_t key_len = p->file_key_len;
    bool v311 = rq->conn->dialect == RSVD_SMB2_DIALECT_311;
    /* Step 3: AppInstanceId, the target (decision D14), the share, another
     * client. Steps 4 and 5 first, over every match: nothing is closed when
     * the CREATE fails. */
    for (res_open *o = res_index_first_app_id(s, &x->app_instance_id); o;
         o = res_index_next_app_id(o)) {
        if (o->share != rq->tree->share ||
            !res_file_equal(o, rq->tree->share, key, key_len, q->name, q->name_length) ||
            !other_client(o, rq))
            continue;
        if (!o->has_app_version)
            continue;
        /* Step 4: 3.1.1 with a version no newer than the open's. */
        if (v311 && x->app_version &&
            (o->app_version_high > x->app_instance_version.high ||
             (o->app_version_high == x->app_instance_version.high &&
              o->app_version_low >= x->app_instance_version.low)))
            return RSVD_STATUS_FILE_FORCED_CLOSED;
        /* Step 5: this server implements 3.1.1; a request without a version
         * does not replace an open that has one. */
        if (!x->app_version)
            return RSVD_STATUS_FILE_FORCED_CLOSED;
    }
    /* Steps 6 and 7: the user may read the file (decision: every bit of
     * FILE_GENERIC_READ), or the open has no CreateGuid on a share that is
     * not CA (SHOULD <355>); each open is closed once, before any break the
     * new open would cause (pitfall B14). */
    bool may_read = (p->maximal_access & RES_FILE_GENERIC_READ) == RES_FILE_GENERIC_READ;
    res_open *o = res_index_first_app_id(s, &x->app_instance_id);
    while (o) {
        res_open *next = res_index_next_app_id(o);
        if (o->share == rq->tree->share &&
            res_file_equal(o, rq->tree->share, key, key_len, q->name, q->name_length) &&
            other_client(o, rq) && o->state != RES_OPEN_RECLAIMED &&
            (may_read || (rsvd_guid_is_zero(&o->create_guid) && !o->share_ca)))
            res_open_close(s, o, RSVD_RES_CLOSE_APP_INSTANCE, true);
        o = next;
    }
    return RSVD_STATUS_SUCCESS;
}

/* ---- 3.3.5.9.10 step 3: a CreateGuid in use ----------------------------------------- */

static bool create_guid_in_use(const rsvd_res_server *s, const res_req *rq,
                               const rsvd_guid *g)
{
    for (res_open *o = res_index_first_create_guid(s, g); o; o = res_index_next_create_guid(o))
        if (o->is_replay_eligible && res_open_client_is(o, &rq->conn->client_guid))
            return true;
    return false;
}

/* ---- create_begin -------------------------------------------------------------------- */

static void op_reclaim(rsvd_res_create_op *op, const res_open *o, bool replay,
                       const char *context)
{
    op->action = RSVD_RES_CREATE_RECLAIM;
    op->status = RSVD_STATUS_SUCCESS;
    op->replay = replay;
    op->shared_vhdx = o->shared_vhdx && o->is_persistent;
    op->oplock_level = o->oplock_level;
    op->lease_state = o->lease_state;
    op->create_action = replay ? o->create_action : RSVD_FILE_OPENED;
    op->file_id.persistent_id = o->persistent_id;
    op->file_id.volatile_id = o->volatile_id;
    op->open_user_data = o->user_data;
    op->context = context;
    op->priv_persistent_id = o->persistent_id;
    op->priv_flags |= OP_RECLAIM;
}

int rsvd_res_server_create_begin(rsvd_res_server *s, const rsvd_res_server_ctx *ctx,
                                 const uint8_t *req, size_t len,
                                 const rsvd_res_create_params *params, uint64_t now_ms,
                                 rsvd_res_create_op *op)
{
    if (!s || !req || !op)
        return RSVD_E_INVAL;
    memset(op, 0, sizeof *op);
    rsvd_res_create_params p = RSVD_STRUCT_INIT(rsvd_res_create_params);
    if (params) {
        int prc = rsvd_struct_import(&p, sizeof p, params,
                                     RSVD_V0_RES_CREATE_PARAMS);
        if (prc != RSVD_OK)
            return prc;
        if (p.reserved || (!p.file_key && p.file_key_len) ||
            p.file_key_len > RSVD_RES_FILE_KEY_MAX)
            return RSVD_E_INVAL;
    }
    res_req rq;
    int rc = res_req_begin(s, ctx, req, len, RSVD_SMB2_CREATE, false, &rq);
    if (rc != RSVD_OK)
        return rc;
    op->priv_flags = OP_BEGUN;

    rsvd_smb2_create_req q;
    res_create_ctx x;
    if (rsvd_smb2_create_req_decode(req, len, &q) != RSVD_OK ||
        res_create_contexts(&q, rq.conn->dialect, &x) != RSVD_STATUS_SUCCESS) {
        op_fail(op, RSVD_STATUS_INVALID_PARAMETER); /* 3.3.5.9 */
        return RSVD_OK;
    }
    /* Durable reference §3.9.2: the combinations are decided before any
     * side effect. DH2Q with DHnQ, DHnC or DH2C: MUST (3.3.5.9.10 step 1;
     * 3.3.5.9.6 <334>); DHnC with DH2Q or DH2C: SHOULD <336> (checked in
     * 3.3.5.9.7's order, after nothing); DH2C with DHnQ or DH2Q: its step
     * 3, after its lookup. */
    if (x.dh2q && (x.dhnq || x.dhnc || x.dh2c) && !x.dhnc) {
        op_fail(op, RSVD_STATUS_INVALID_PARAMETER);
        return RSVD_OK;
    }
    /* 3.3.5.9 (v84): SMB2_FLAGS_REPLAY_OPERATION with a DH2Q on a disk
     * share. Decision: before the name collision below - a replay that
     * names its own detached persistent open is no collision with it (read
     * in the spec's order, step 2 of the replay could never be reached). */
    if (is_replay(&rq) && x.dh2q && !x.dhnc && res_stype_disktree(rq.tree->share_type)) {
        res_open *o;
        uint32_t st = create_replay(s, &rq, &q, &x, &o);
        if (st != RSVD_STATUS_SUCCESS) {
            op_fail(op, st);
            return RSVD_OK;
        }
        if (o) {
            op_reclaim(op, o, true, NULL);
            return RSVD_OK;
        }
    }
    /* 3.3.5.9: 3.x, no DHnC or DH2C, and a persistent open of the file with
     * no connection -> SHOULD <301> STATUS_FILE_NOT_AVAILABLE. */
    if (res_dialect_is_3x(rq.conn->dialect) && !x.dhnc && !x.dh2c &&
        persistent_collision(s, rq.tree, &q, p.file_key, p.file_key_len)) {
        op_fail(op, RSVD_STATUS_FILE_NOT_AVAILABLE);
        return RSVD_OK;
    }
    /* 3.3.5.9.7 / 3.3.5.9.12: a reconnect skips Open Execution. */
    if (x.dhnc || x.dh2c) {
        res_open *o;
        uint32_t st = res_reconnect(s, &rq, &q, &x, now_ms, &o);
        if (st != RSVD_STATUS_SUCCESS) {
            op_fail(op, st);
            return RSVD_OK;
        }
        op_reclaim(op, o, false,
                   x.dhnc ? RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT
                          : RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2);
        return RSVD_OK;
    }
    /* 3.3.5.9.13, before the DH2Q (3.3.5.9.10 step 2) and before any break
     * the new open causes. */
    if (x.app_id) {
        uint32_t st = app_instance(s, &rq, &q, &x, &p);
        if (st != RSVD_STATUS_SUCCESS) {
            op_fail(op, st);
            return RSVD_OK;
        }
    }
    /* 3.3.5.9.10 steps 3 and 5: a replay-eligible open of this client with
     * the CreateGuid, and no REPLAY flag -> STATUS_DUPLICATE_OBJECTID
     * (decision D3: a replay was answered above). */
    if (x.dh2q && create_guid_in_use(s, &rq, &x.dh2q_req.create_guid)) {
        op_fail(op, RSVD_STATUS_DUPLICATE_OBJECTID);
        return RSVD_OK;
    }
    op->action = RSVD_RES_CREATE_EXECUTE;
    op->status = RSVD_STATUS_SUCCESS;
    op->priv_flags |= OP_EXECUTE;
    return RSVD_OK;
}

/* ---- create_end ------------------------------------------------------------------------ */

static uint8_t *copy_bytes(rsvd_res_server *s, const void *p, size_t n, bool *ok)
{
    if (!n)
        return NULL;
    uint8_t *c = rsvd_mem_alloc(s->mem, n);
    if (!c)
        *ok = false;
    else
        memcpy(c, p, n);
    return c;
}

/* 3.3.5.9.10 step 7: the Timeout granted (SHOULD <343>, <344>; D8). */
static uint32_t dh2q_timeout(const rsvd_res_server *s, const res_tree *t, uint32_t requested)
{
    if (requested)
        return requested < s->cfg.durable_v2_max_timeout_ms ? requested
                                                            : s->cfg.durable_v2_max_timeout_ms;
    return t->ca_timeout_ms ? t->ca_timeout_ms : s->cfg.durable_v2_timeout_ms;
}

/* Durability, decided on what was granted (decision D4), and the response
 * context. */
static void grant_durability(rsvd_res_server *s, const res_req *rq, res_open *o,
                             const res_create_ctx *x, const rsvd_res_create_grant *g,
                             rsvd_res_create_op *op)
{
    bool store_ok = !(s->cfg.flags & RSVD_RES_SERVER_NO_DURABLE) &&
                    !(g->flags & RSVD_RES_GRANT_NO_DURABLE);
    bool caching = res_open_holds_handle_caching(o);
    size_t n = 0;
    if (x->dh2q) {
        /* 3.3.5.9.10 step 4: CreateGuid recorded even when durability is
         * refused; a directory or an object store that refuses: no more. */
        res_index_create_guid(s, o, &x->dh2q_req.create_guid);
        if (o->is_directory || !store_ok)
            return;
        bool persistent = (x->dh2q_req.flags & RSVD_SMB2_DHANDLE_FLAG_PERSISTENT) &&
                          (rq->tree->flags & RSVD_RES_TREE_CA) &&
                          (rq->conn->server_caps & RSVD_SMB2_GLOBAL_CAP_PERSISTENT_HANDLES);
        /* Decision D1: a handle that is not persistent needs BATCH or a
         * lease with HANDLE_CACHING (pitfall P5: PERSISTENT on a share that
         * is not CA is no error, just not durable without them). */
        if (!persistent && !caching)
            return;
        res_open_set_durable(s, o, true, persistent);
        o->durable_timeout_ms = dh2q_timeout(s, rq->tree, x->dh2q_req.timeout);
        /* IsReplayEligible: a disk share, and persistent or data/delete
         * access to something that is not a directory. */
        o->is_replay_eligible =
            res_stype_disktree(rq->tree->share_type) &&
            (persistent || (!o->is_directory && (o->granted_access & RES_REPLAY_ACCESS)));
        rsvd_smb2_dh2q_rsp r = {.timeout = o->durable_timeout_ms,
                                .flags = persistent ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0};
        if (rsvd_smb2_dh2q_rsp_encode(&r, op->rsp_context_data, sizeof op->rsp_context_data,
                                      &n) != RSVD_OK)
            return;
        op->rsp_context = RSVD_SMB2_CC_DURABLE_HANDLE_RESPONSE_V2;
    } else if (x->dhnq) {
        /* 3.3.5.9.6 steps 4-6: BATCH or a lease with HANDLE_CACHING (granted:
         * D4), no lease on a directory, the object store grants it. */
        if (!caching || (x->rqls && o->is_directory) || !store_ok)
            return;
        res_open_set_durable(s, o, true, false);
        o->durable_timeout_ms = s->cfg.durable_v1_timeout_ms;
        if (rsvd_smb2_dhnq_rsp_encode(op->rsp_context_data, sizeof op->rsp_context_data, &n) !=
            RSVD_OK)
            return;
        op->rsp_context = RSVD_SMB2_CC_DURABLE_HANDLE_RESPONSE;
    } else {
        return;
    }
    /* DurableOwner: the user of Open.Session.SecurityContext. */
    res_open_set_owner(o, rq->sess);
    op->rsp_context_len = (uint32_t)n;
}

static int end_execute(rsvd_res_server *s, const rsvd_res_server_ctx *ctx, const uint8_t *req,
                       size_t len, const rsvd_res_create_grant *g, rsvd_res_create_op *op)
{
    if (g->status != RSVD_STATUS_SUCCESS) {
        op->status = g->status; /* the open failed: nothing to keep */
        return RSVD_OK;
    }
    if ((g->flags & ~(RSVD_RES_GRANT_DIRECTORY | RSVD_RES_GRANT_NO_DURABLE |
                      RSVD_RES_GRANT_SHARED_VHDX)) ||
        (!g->file_key && g->file_key_len) || g->file_key_len > RSVD_RES_FILE_KEY_MAX ||
        g->reserved[0] || g->reserved[1] || g->reserved[2])
        return RSVD_E_INVAL;
    res_req rq;
    int rc = res_req_begin(s, ctx, req, len, RSVD_SMB2_CREATE, false, &rq);
    if (rc != RSVD_OK)
        return rc == RSVD_E_NOENT ? RSVD_E_NOENT : RSVD_E_INVAL;
    rsvd_smb2_create_req q;
    res_create_ctx x;
    if (rsvd_smb2_create_req_decode(req, len, &q) != RSVD_OK ||
        res_create_contexts(&q, rq.conn->dialect, &x) != RSVD_STATUS_SUCCESS)
        return RSVD_E_INVAL; /* not the request create_begin accepted */
    res_open *o;
    rc = res_open_attach_new(s, rq.sess, rq.tree, g->open_user_data, &o);
    if (rc != RSVD_OK) {
        op->status = RSVD_STATUS_INSUFFICIENT_RESOURCES;
        return RSVD_OK;
    }
    /* "Successful Open Initialization" (3.3.5.9; durable reference §2.2). */
    bool ok = true;
    o->name = copy_bytes(s, q.name, q.name_length, &ok);
    o->name_len = ok ? q.name_length : 0u;
    o->file_key = copy_bytes(s, g->file_key, g->file_key_len, &ok);
    o->file_key_len = o->file_key ? (uint32_t)g->file_key_len : 0u; /* at most RSVD_RES_FILE_KEY_MAX */
    if (!ok) {
        res_open_close(s, o, RSVD_RES_CLOSE_RESOURCES, false);
        op->status = RSVD_STATUS_INSUFFICIENT_RESOURCES;
        return RSVD_OK;
    }
    o->dialect = rq.conn->dialect;
    o->server_caps = rq.conn->server_caps;
    /* Open.ClientGuid is the CREATE's connection's: its counter (a
     * session's channels may come from other clients). */
    if (o->client_q != rq.conn->client_q) {
        res_counter *was = o->client_q;
        o->client_q = res_counter_ref(rq.conn->client_q);
        res_counter_put(s, true, was);
    }
    if (res_dialect_is_3x(rq.conn->dialect))
        o->channel_sequence = (uint16_t)(rq.hdr.status & 0xFFFFu);
    o->desired_access = q.desired_access;
    o->share_access = q.share_access;
    o->create_options = q.create_options;
    o->granted_access = g->granted_access;
    o->create_action = g->create_action;
    o->is_directory = (g->flags & RSVD_RES_GRANT_DIRECTORY) != 0;
    o->shared_vhdx = (g->flags & RSVD_RES_GRANT_SHARED_VHDX) != 0;
    /* "Oplock Acquisition": what the host granted. Open.Lease exists when a
     * lease was granted; its key and version are the request's. */
    o->oplock_level = g->oplock_level;
    if (g->oplock_level == RSVD_SMB2_OPLOCK_LEVEL_LEASE) {
        o->lease_state = g->lease_state;
        o->lease_kind = !x.rqls                ? RES_LEASE_UNKNOWN
                        : x.lease.version == 2 ? RES_LEASE_V2
                                               : RES_LEASE_V1;
        o->lease_key = x.lease.lease_key;
    }
    /* AppInstanceId (this server implements 3.1.1: from APP_INSTANCE_ID
     * alone); the version on 3.1.1 when both contexts came. */
    if (x.app_id) {
        res_index_app_id(s, o, &x.app_instance_id);
        if (x.app_version && rq.conn->dialect == RSVD_SMB2_DIALECT_311) {
            o->has_app_version = true;
            o->app_version_high = x.app_instance_version.high;
            o->app_version_low = x.app_instance_version.low;
        }
    }
    grant_durability(s, &rq, o, &x, g, op);
    /* A persistent open is in the store before its CREATE response goes
     * out; a failed write refuses the whole CREATE (decision). */
    if (res_store_put(s, o) != RSVD_OK) {
        res_open_close(s, o, RSVD_RES_CLOSE_RESOURCES, false);
        op->rsp_context = NULL;
        op->rsp_context_len = 0;
        op->status = RSVD_STATUS_INSUFFICIENT_RESOURCES;
        return RSVD_OK;
    }
    op->file_id.persistent_id = o->persistent_id;
    op->file_id.volatile_id = o->volatile_id;
    op->open_user_data = o->user_data;
    op->status = RSVD_STATUS_SUCCESS;
    return RSVD_OK;
}

/* The DH2Q response of a replay: Timeout = Open.DurableOpenTimeout
 * (3.3.5.9.10 step 7). */
static void replay_rsp_context(const res_open *o, rsvd_res_create_op *op)
{
    if (!o->is_durable)
        return;
    rsvd_smb2_dh2q_rsp r = {.timeout = o->durable_timeout_ms,
                            .flags = o->is_persistent ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0};
    size_t n = 0;
    if (rsvd_smb2_dh2q_rsp_encode(&r, op->rsp_context_data, sizeof op->rsp_context_data, &n) ==
        RSVD_OK) {
        op->rsp_context = RSVD_SMB2_CC_DURABLE_HANDLE_RESPONSE_V2;
        op->rsp_context_len = (uint32_t)n;
    }
}

static int end_reclaim(rsvd_res_server *s, const rsvd_res_create_grant *g, uint64_t now_ms,
                       rsvd_res_create_op *op)
{
    res_open *o = res_open_by_persistent(s, op->priv_persistent_id);
    if (!o || o->state != RES_OPEN_RECLAIMED)
        return RSVD_E_NOENT; /* the connection was lost meanwhile */
    if (g->status != RSVD_STATUS_SUCCESS) {
        res_open_reclaim_undo(s, o, now_ms);
        op->status = g->status;
        return RSVD_OK;
    }
    /* What a reconnect after a restart depends on goes to the store first;
     * if it cannot, the reclaim is undone (nothing half-done). */
    if (res_store_put(s, o) != RSVD_OK) {
        res_open_reclaim_undo(s, o, now_ms);
        op->status = RSVD_STATUS_INSUFFICIENT_RESOURCES;
        return RSVD_OK;
    }
    res_open_reclaim_commit(s, o);
    /* A reconnect carries no durable response context (pitfall B13); a
     * replay is answered as the original CREATE was. */
    if (op->replay)
        replay_rsp_context(o, op);
    op->file_id.volatile_id = o->volatile_id;
    op->status = RSVD_STATUS_SUCCESS;
    return RSVD_OK;
}

int rsvd_res_server_create_end(rsvd_res_server *s, const rsvd_res_server_ctx *ctx,
                               const uint8_t *req, size_t len,
                               const rsvd_res_create_grant *grant, uint64_t now_ms,
                               rsvd_res_create_op *op)
{
    if (!s || !op || !(op->priv_flags & OP_BEGUN) || (op->priv_flags & OP_ENDED))
        return RSVD_E_INVAL;
    if (s->in_callback)
        return RSVD_E_BUSY;
    rsvd_res_create_grant g;
    int rc = rsvd_struct_import(&g, sizeof g, grant,
                                RSVD_V0_RES_CREATE_GRANT);
    if (rc != RSVD_OK)
        return rc;
    op->rsp_context = NULL;
    op->rsp_context_len = 0;
    if (op->priv_flags & OP_EXECUTE) {
        if (!req)
            return RSVD_E_INVAL;
        rc = end_execute(s, ctx, req, len, &g, op);
    } else if (op->priv_flags & OP_RECLAIM) {
        rc = end_reclaim(s, &g, now_ms, op);
    } else {
        return RSVD_OK; /* FAIL: nothing to end */
    }
    if (rc == RSVD_OK)
        op->priv_flags |= OP_ENDED;
    return rc;
}
