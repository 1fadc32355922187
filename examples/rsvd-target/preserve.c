/*
 * rsvd-target: open preservation through the library's engine (see
 * preserve.h).
 */
#include "preserve.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "smb2_session.h"
#include <rsvd/memory_store.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>
#if TGT_HAVE_TDB
#include <rsvd/tdb_store.h>
#endif

/* This server's name in the state store: one rsvd-target is one instance,
 * and a restarted one finds its records again under the same name. */
static const rsvd_guid instance_id = {{0x72, 0x73, 0x76, 0x64, 0x2d, 0x74, 0x61, 0x72, 0x67,
                                       0x65, 0x74, 0x00, 0x00, 0x00, 0x00, 0x01}};

struct tgt_preserve {
    tgt_server *srv;
    rsvd_res_server *res;
    rsvd_memory_store *mem_store;
#if TGT_HAVE_TDB
    rsvd_tdb_store *tdb_store;
#endif
    /* Request ends that came while a callback ran (RSVD_E_BUSY). */
    rsvd_res_request *deferred;
    size_t ndeferred, deferred_cap;
    /* Opens the library closed, closed here once its call has returned:
     * closing one wakes waiters (CREATEs, LOCKs) that call the library,
     * which refuses calls from inside its own callback. */
    tgt_open **closes;
    size_t ncloses, closes_cap;
};

/* Closes the opens the library's last call closed. */
static void run_closes(tgt_preserve *p)
{
    while (p->ncloses) {
        tgt_open *o = p->closes[--p->ncloses];
        tgt_open_close(o);
    }
}

/* [MS-SMB2] 3.3.4.17: the library has closed an open (expired, not kept
 * at a disconnect or LOGOFF, its tree disconnected, its durability lost,
 * replaced by an application instance, shutdown): it is unreachable
 * already; close Open.LocalOpen. */
static void close_open(rsvd_res_server *res, const rsvd_res_closed_open *c, void *ud)
{
    (void)res;
    tgt_preserve *p = ud;
    tgt_open *o = c->open_user_data;
    o->closed_reason = c->reason;
    tgt_log(p->srv, "the open-preservation engine closed %s (%s)",
            o->name[0] ? o->name : "(root)", rsvd_res_close_reason_name((int)c->reason));
    /* It leaves its session now: what the session keeps is what the
     * library kept. */
    if (tgt_link_linked(&o->session_link)) {
        tgt_list_remove(&o->session_link);
        if (o->session)
            o->session->nopens--;
    }
    o->session = NULL;
    o->tree = NULL;
    if (p->ncloses == p->closes_cap) {
        size_t cap = p->closes_cap ? 2 * p->closes_cap : 16;
        tgt_open **d = realloc(p->closes, cap * sizeof *d);
        if (!d) {
            tgt_open_close(o); /* at once, as a last resort */
            return;
        }
        p->closes = d;
        p->closes_cap = cap;
    }
    p->closes[p->ncloses++] = o;
}

static uint64_t wall_clock_ms(rsvd_res_server *res, void *ud)
{
    (void)res;
    (void)ud;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The identity of a share for the library: its name, case-folded (share
 * names compare without case). */
static size_t share_identity(const tgt_share *sh, char *out, size_t cap)
{
    size_t n = 0;
    for (; sh->name[n] && n + 1 < cap; n++)
        out[n] = (char)tolower((unsigned char)sh->name[n]);
    out[n] = 0;
    return n;
}

/* A persistent open the state store kept: its file is opened again
 * (Open.LocalOpen), detached until its DH2C. */
static int restore_open(rsvd_res_server *res, const rsvd_res_restored_open *ro,
                        void **open_user_data, void *ud)
{
    (void)res;
    tgt_preserve *p = ud;
    tgt_share *sh = NULL;
    char id[TGT_SHARE_NAME_MAX];
    for (size_t i = 0; i < p->srv->nshares && !sh; i++) {
        size_t n = share_identity(&p->srv->shares[i], id, sizeof id);
        if (n == ro->share_len && memcmp(id, ro->share, n) == 0)
            sh = &p->srv->shares[i];
    }
    if (!sh) {
        tgt_warn("a persistent open of a share that is gone is dropped");
        return -1;
    }
    if (ro->shared_vhdx) {
        /* The RSVD Open (its InitiatorId, its reservation, its sense data)
         * lives in the RSVD server, which does not outlive the process. */
        tgt_warn("a persistent shared virtual disk open is not restored");
        return -1;
    }
    uint32_t st = 0;
    tgt_open *o = tgt_open_restore(sh, ro, &st);
    if (!o) {
        tgt_warn("a persistent open of share %s is not restored: %s", sh->name,
                 tgt_status_name(st));
        return -1;
    }
    tgt_log(p->srv, "restored the persistent open of %s (FileId %llx)", o->name,
            (unsigned long long)ro->file_id.persistent_id);
    *open_user_data = o;
    return 0;
}

static int open_store(tgt_preserve *p, rsvd_res_server_config *cfg, char *err, size_t errcap)
{
    const tgt_config *c = p->srv->cfg;
    if (c->state_path) {
#if TGT_HAVE_TDB
        rsvd_tdb_store_config sc = RSVD_STRUCT_INIT(rsvd_tdb_store_config);
        sc.path = c->state_path;
        sc.create = true;
        sc.sync = RSVD_TDB_SYNC_FULL;
        rsvd_backend_diag diag;
        memset(&diag, 0, sizeof diag);
        if (rsvd_tdb_store_open(&sc, &p->tdb_store, &diag) != RSVD_OK) {
            snprintf(err, errcap, "--state %s: %s", c->state_path, diag.reason);
            return -1;
        }
        cfg->store = rsvd_tdb_store_ops();
        cfg->store_ctx = p->tdb_store;
        return 0;
#else
        snprintf(err, errcap, "--state: librsvd was built without the TDB store");
        return -1;
#endif
    }
    rsvd_memory_store_config mc = RSVD_STRUCT_INIT(rsvd_memory_store_config);
    memcpy(mc.hash_key, p->srv->guid.b, sizeof mc.hash_key);
    if (rsvd_memory_store_create(&mc, &p->mem_store) != RSVD_OK) {
        snprintf(err, errcap, "cannot create the in-memory state store");
        return -1;
    }
    cfg->store = rsvd_memory_store_ops();
    cfg->store_ctx = p->mem_store;
    return 0;
}

static void close_store(tgt_preserve *p)
{
    rsvd_memory_store_destroy(p->mem_store);
    p->mem_store = NULL;
#if TGT_HAVE_TDB
    rsvd_tdb_store_close(p->tdb_store);
    p->tdb_store = NULL;
#endif
}

int tgt_preserve_new(tgt_server *srv, tgt_preserve **out, char *err, size_t errcap)
{
    tgt_preserve *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    p->srv = srv;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_resiliency_timeout_ms = srv->cfg->resiliency_max_ms;
    /* [MS-SMB2] 3.3.5.14: with SMB2_GLOBAL_CAP_MULTI_CHANNEL, LOCK sequence
     * checks apply to every open of a 3.x connection. */
    cfg.multi_channel_capable = srv->cfg->multichannel;
    cfg.max_connections = srv->cfg->limits.max_connections;
    cfg.max_sessions = srv->cfg->limits.max_sessions;
    cfg.max_opens = srv->cfg->limits.max_opens;
    cfg.instance_id = instance_id;
    /* Clients choose CreateGuids and names: the indexes' key is random. */
    memcpy(cfg.hash_key, srv->guid.b, sizeof cfg.hash_key);
    if (open_store(p, &cfg, err, errcap) != 0) {
        free(p);
        return -1;
    }
    rsvd_res_server_callbacks cb = RSVD_STRUCT_INIT(rsvd_res_server_callbacks);
    cb.close_open = close_open;
    cb.wall_clock_ms = wall_clock_ms;
    cb.restore_open = restore_open;
    if (rsvd_res_server_new(&cfg, &cb, p, &p->res) != RSVD_OK) {
        snprintf(err, errcap, "cannot create the open-preservation engine");
        close_store(p);
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

int tgt_preserve_restore(tgt_preserve *p, char *err, size_t errcap)
{
    size_t restored = 0;
    int rc = rsvd_res_server_restore(p->res, p->srv->now, &restored);
    if (rc != RSVD_OK) {
        snprintf(err, errcap, "cannot restore the persistent opens: %s", rsvd_strerror(rc));
        return -1;
    }
    if (restored)
        tgt_warn("%zu persistent open(s) restored from %s", restored, p->srv->cfg->state_path);
    return 0;
}

void tgt_preserve_free(tgt_preserve *p)
{
    if (!p)
        return;
    rsvd_res_server_free(p->res); /* closes what is left: reason SHUTDOWN */
    p->res = NULL; /* what the closes below end calls nothing */
    run_closes(p);
    close_store(p);
    free(p->closes);
    free(p->deferred);
    free(p);
}

/* Where a request arrived, as the library names it. */
static rsvd_res_server_ctx ctx_of(const tgt_req *r)
{
    rsvd_res_server_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.conn = r->conn->res_conn;
    ctx.session = r->session ? r->session->res_session : 0;
    ctx.tree = r->tree ? r->tree->res_tree : 0;
    ctx.credits = 0; /* set when the response is sent */
    /* [MS-SMB2] 3.3.5.2.7.2: a related request's FileId of all 0xFF. */
    if (r->related && r->chain && r->chain->have_file_id)
        ctx.related_file_id = &r->chain->file_id;
    return ctx;
}

int tgt_preserve_conn_add(tgt_preserve *p, tgt_conn *c)
{
    rsvd_res_conn_params cp = RSVD_STRUCT_INIT(rsvd_res_conn_params);
    cp.dialect = c->dialect;
    cp.supports_multi_credit = c->supports_multi_credit;
    cp.max_transact_size = p->srv->cfg->limits.max_io;
    /* Open.ClientGuid, and what NEGOTIATE granted: PERSISTENT_HANDLES
     * allows persistent opens (3.3.5.9.10), MULTI_CHANNEL the LOCK
     * sequence check of every 3.x open (3.3.5.14). */
    cp.client_guid = c->client_guid;
    cp.server_capabilities = c->server_capabilities;
    return rsvd_res_server_conn_add(p->res, &cp, &c->res_conn) == RSVD_OK ? 0 : -1;
}

void tgt_preserve_conn_lost(tgt_preserve *p, tgt_conn *c)
{
    if (!c->res_conn)
        return;
    rsvd_res_server_stats before = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_stats after = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(p->res, &before);
    (void)rsvd_res_server_conn_lost(p->res, c->res_conn, p->srv->now);
    run_closes(p);
    rsvd_res_server_get_stats(p->res, &after);
    c->res_conn = 0;
    /* A session that had no other channel, and its tree connects, are gone
     * from the library too. */
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&c->channels, k, nk) {
        tgt_session *s = TGT_CONTAINER(k, tgt_channel, conn_link)->session;
        if (s->channels.head.next != s->channels.head.prev)
            continue;
        s->res_session = 0;
        tgt_link *tk, *ntk;
        TGT_LIST_FOREACH_SAFE(&s->trees, tk, ntk)
            TGT_CONTAINER(tk, tgt_tree, link)->res_tree = 0;
    }
    if (after.detached > before.detached)
        tgt_log(p->srv, "%s lost: %u preserved open(s) kept", c->peer,
                after.detached - before.detached);
}

int tgt_preserve_session_add(tgt_preserve *p, tgt_session *s, tgt_conn *c)
{
    return rsvd_res_server_session_add(p->res, c->res_conn, s->id, s->identity,
                                       strlen(s->identity), &s->res_session) == RSVD_OK
               ? 0
               : -1;
}

int tgt_preserve_session_bind(tgt_preserve *p, tgt_session *s, tgt_conn *c)
{
    return rsvd_res_server_session_bind(p->res, s->res_session, c->res_conn) == RSVD_OK ? 0 : -1;
}

bool tgt_preserve_previous_session(tgt_preserve *p, tgt_session *s, uint64_t previous_id)
{
    tgt_session *prev = tgt_session_find(p->srv, previous_id);
    if (!prev || prev == s || !prev->res_session)
        return false;
    bool removed = false;
    if (rsvd_res_server_previous_session(p->res, s->res_session, prev->res_session,
                                         p->srv->now, &removed) != RSVD_OK ||
        !removed) {
        run_closes(p);
        return false;
    }
    run_closes(p);
    prev->res_session = 0; /* the library has forgotten it */
    tgt_session_destroy(prev, TGT_END_PREVIOUS_SESSION);
    return true;
}

void tgt_preserve_logoff(tgt_preserve *p, tgt_session *s)
{
    if (!s->res_session)
        return;
    (void)rsvd_res_server_logoff(p->res, s->res_session, p->srv->now);
    run_closes(p);
    s->res_session = 0;
}

void tgt_preserve_session_end(tgt_preserve *p, tgt_session *s)
{
    if (!s->res_session)
        return;
    (void)rsvd_res_server_session_close(p->res, s->res_session);
    run_closes(p);
    s->res_session = 0;
}

int tgt_preserve_tree_add(tgt_preserve *p, tgt_tree *t)
{
    char id[TGT_SHARE_NAME_MAX];
    rsvd_res_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_tree_params);
    tp.tree_id = t->id;
    /* TreeConnect.Share ([MS-SMB2] 3.3.1.6): a reconnect, a replay or an
     * application instance finds only opens of the same share; Share.IsCA
     * lets a DH2Q with PERSISTENT make a persistent open (3.3.5.9.10). */
    tp.share_len = share_identity(t->share, id, sizeof id);
    tp.share = id;
    tp.share_type = RSVD_RES_STYPE_DISKTREE;
    tp.flags = t->share->ca ? RSVD_RES_TREE_CA : 0;
    return rsvd_res_server_tree_add(p->res, t->session->res_session, &tp, &t->res_tree) ==
                   RSVD_OK
               ? 0
               : -1;
}

void tgt_preserve_tree_disconnect(tgt_preserve *p, tgt_tree *t)
{
    if (!t->res_tree)
        return;
    (void)rsvd_res_server_tree_disconnect(p->res, t->res_tree);
    run_closes(p);
    t->res_tree = 0;
}

/* ---- CREATE ------------------------------------------------------------------------------ */

int tgt_preserve_create_begin(tgt_preserve *p, tgt_req *r, const tgt_file_key *key)
{
    rsvd_res_server_ctx ctx = ctx_of(r);
    rsvd_res_create_params cp = RSVD_STRUCT_INIT(rsvd_res_create_params);
    if (key) {
        cp.file_key = key;
        cp.file_key_len = sizeof *key;
    }
    /* Every user may read every file of rsvd-target's shares
     * (3.3.5.9.13 step 6 compares it with FILE_GENERIC_READ). */
    cp.maximal_access = TGT_FILE_ALL_ACCESS;
    int rc = rsvd_res_server_create_begin(p->res, &ctx, r->msg, r->len, &cp, p->srv->now,
                                          &r->cop);
    run_closes(p); /* an application instance replaced (3.3.5.9.13) */
    return rc == RSVD_OK ? 0 : -1;
}

uint32_t tgt_preserve_create_end(tgt_preserve *p, tgt_req *r, tgt_open *o, uint32_t flags,
                                 uint32_t create_action)
{
    rsvd_res_server_ctx ctx = ctx_of(r);
    tgt_file_key key;
    memset(&key, 0, sizeof key);
    rsvd_res_create_grant g = RSVD_STRUCT_INIT(rsvd_res_create_grant);
    g.status = RSVD_STATUS_SUCCESS;
    g.open_user_data = o;
    /* Durability is decided on the oplock granted ([MS-SMB2] 3.3.5.9.6,
     * 3.3.5.9.10: a BATCH oplock), not on the one asked for. */
    g.oplock_level = o->oplock;
    g.granted_access = o->access;
    g.create_action = create_action;
    if (flags & TGT_GRANT_DIRECTORY)
        g.flags |= RSVD_RES_GRANT_DIRECTORY;
    if (flags & TGT_GRANT_SVHDX)
        g.flags |= RSVD_RES_GRANT_SHARED_VHDX;
    if (o->file) {
        key.dev = (uint64_t)o->file->dev;
        key.ino = (uint64_t)o->file->ino;
        g.file_key = &key;
        g.file_key_len = sizeof key;
    }
    int rc = rsvd_res_server_create_end(p->res, &ctx, r->msg, r->len, &g, p->srv->now, &r->cop);
    run_closes(p);
    if (rc != RSVD_OK)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    if (r->cop.status != RSVD_STATUS_SUCCESS)
        return r->cop.status;
    o->fid = r->cop.file_id;
    if (r->cop.rsp_context) {
        rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
        (void)rsvd_res_server_open_info(p->res, o->fid.persistent_id, &info);
        tgt_log(p->srv, "%s: %s is %s (%u ms)", r->conn->peer, o->name[0] ? o->name : "(root)",
                info.is_persistent ? "persistent" : "durable", info.durable_timeout_ms);
    }
    return RSVD_STATUS_SUCCESS;
}

uint32_t tgt_preserve_reclaim_end(tgt_preserve *p, tgt_req *r, uint32_t status)
{
    rsvd_res_server_ctx ctx = ctx_of(r);
    rsvd_res_create_grant g = RSVD_STRUCT_INIT(rsvd_res_create_grant);
    g.status = status;
    int rc = rsvd_res_server_create_end(p->res, &ctx, r->msg, r->len, &g, p->srv->now, &r->cop);
    run_closes(p); /* an undone reclaim past its deadline */
    if (rc != RSVD_OK)
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND; /* lost meanwhile */
    if (r->cop.status != RSVD_STATUS_SUCCESS)
        return r->cop.status;
    /* Rebound by the library with a new FileId.Volatile: the open joins
     * this session and tree again (a replay of an attached open is
     * already there). */
    tgt_open *o = r->cop.open_user_data;
    o->fid = r->cop.file_id;
    if (o->session != r->session) {
        if (tgt_link_linked(&o->session_link)) {
            tgt_list_remove(&o->session_link);
            if (o->session)
                o->session->nopens--;
        }
        o->session = r->session;
        tgt_list_append(&r->session->opens, &o->session_link);
        r->session->nopens++;
    }
    o->tree = r->tree;
    tgt_log(p->srv, "%s %s %s", r->conn->peer,
            r->cop.replay ? "replayed the CREATE of" : "reconnected", o->name);
    return RSVD_STATUS_SUCCESS;
}

int tgt_preserve_rsp_context(const tgt_req *r, rsvd_smb2_cc_builder *b)
{
    if (!r->cop.rsp_context)
        return 0;
    return rsvd_smb2_cc_builder_add(b, r->cop.rsp_context, RSVD_SMB2_CC_TAG_LEN,
                                    r->cop.rsp_context_data, r->cop.rsp_context_len) == RSVD_OK
               ? 0
               : -1;
}

void tgt_preserve_open_forget(tgt_preserve *p, tgt_open *o)
{
    (void)rsvd_res_server_open_close(p->res, o->fid.persistent_id);
}

/* ---- requests on an open ------------------------------------------------------------------- */

tgt_open *tgt_preserve_request_begin(tgt_preserve *p, tgt_req *r, const rsvd_smb2_fileid *fid,
                                     uint32_t *status)
{
    tgt_preserve_flush(p);
    rsvd_res_server_ctx ctx = ctx_of(r);
    if (rsvd_res_server_request_begin(p->res, &ctx, &r->hdr, fid, &r->rq) != RSVD_OK) {
        *status = RSVD_STATUS_FILE_CLOSED;
        return NULL;
    }
    r->counted = true;
    *status = r->rq.status;
    return r->rq.status == RSVD_STATUS_SUCCESS ? r->rq.open_user_data : NULL;
}

void tgt_preserve_request_end(tgt_preserve *p, tgt_req *r)
{
    if (!r->counted || !p || !p->res)
        return;
    r->counted = false;
    if (rsvd_res_server_request_end(p->res, &r->rq) != RSVD_E_BUSY)
        return;
    /* Inside a close_open callback (a close that answered this request):
     * done when the callback has returned. */
    if (p->ndeferred == p->deferred_cap) {
        size_t cap = p->deferred_cap ? 2 * p->deferred_cap : 16;
        rsvd_res_request *d = realloc(p->deferred, cap * sizeof *d);
        if (!d)
            return; /* the count stays one too high until the open goes */
        p->deferred = d;
        p->deferred_cap = cap;
    }
    p->deferred[p->ndeferred++] = r->rq;
}

void tgt_preserve_flush(tgt_preserve *p)
{
    while (p && p->res && p->ndeferred) {
        if (rsvd_res_server_request_end(p->res, &p->deferred[p->ndeferred - 1]) == RSVD_E_BUSY)
            return;
        p->ndeferred--;
    }
}

/* ---- oplocks and conflicts ---------------------------------------------------------------- */

void tgt_preserve_caching(tgt_preserve *p, tgt_open *o, uint8_t level, bool breaking)
{
    if (!p || !p->res)
        return;
    (void)rsvd_res_server_open_caching(p->res, o->fid.persistent_id, level, 0, breaking);
}

bool tgt_preserve_durability_lost(tgt_preserve *p, tgt_open *o, rsvd_res_durability_event event)
{
    bool closed = false;
    int rc = rsvd_res_server_durability_event(p->res, o->fid.persistent_id, event, &closed);
    run_closes(p);
    return rc == RSVD_OK && closed;
}

/* ---- IOCTL and LOCK ------------------------------------------------------------------------- */

bool tgt_preserve_ioctl(tgt_preserve *p, tgt_req *r)
{
    rsvd_res_server_ctx ctx = ctx_of(r);
    if (tgt_req_reserve(r, RSVD_SMB2_RESILIENCY_RSP_SIZE + 64u, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return true;
    }
    size_t n = 0;
    uint32_t st = 0;
    int rc = rsvd_res_server_ioctl(p->res, &ctx, r->msg, r->len, r->rsp, r->rsp_cap, &n, &st);
    if (rc == RSVD_E_WIRE_COMMAND)
        return false; /* another FSCTL */
    if (rc != RSVD_OK) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return true;
    }
    tgt_req_send(r, n); /* the whole answer, success or error, is the library's */
    return true;
}

int tgt_preserve_lock_begin(tgt_preserve *p, tgt_req *r)
{
    rsvd_res_server_ctx ctx = ctx_of(r);
    return rsvd_res_server_lock_begin(p->res, &ctx, r->msg, r->len, &r->lock) == RSVD_OK ? 0 : -1;
}

void tgt_preserve_lock_end(tgt_preserve *p, tgt_req *r, uint32_t status)
{
    if (!p || !p->res)
        return;
    (void)rsvd_res_server_lock_end(p->res, &r->lock, status);
}

/* ---- time ------------------------------------------------------------------------------------ */

uint64_t tgt_preserve_next_expiry(const tgt_preserve *p)
{
    return rsvd_res_server_next_expiry(p->res);
}

void tgt_preserve_expire(tgt_preserve *p, uint64_t now_ms)
{
    size_t closed = 0;
    (void)rsvd_res_server_handle_expiry(p->res, now_ms, &closed);
    run_closes(p);
    if (closed)
        tgt_log(p->srv, "the scavenger closed %zu preserved open(s)", closed);
}

void tgt_preserve_stats(const tgt_preserve *p, rsvd_res_server_stats *out)
{
    *out = (rsvd_res_server_stats)RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(p->res, out);
}
