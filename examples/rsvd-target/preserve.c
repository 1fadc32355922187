/*
 * rsvd-target: open preservation through the library's resilient server
 * (see preserve.h).
 */
#include "preserve.h"

#include <stdlib.h>
#include <string.h>

#include "smb2_session.h"
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

struct tgt_preserve {
    tgt_server *srv;
    rsvd_res_server *res;
};

/* [MS-SMB2] 3.3.4.17: the library has closed an open (expired, not kept
 * at a disconnect or LOGOFF, its tree disconnected, shutdown): it is
 * unreachable already; close Open.LocalOpen. */
static void close_open(rsvd_res_server *res, const rsvd_res_closed_open *c, void *ud)
{
    (void)res;
    tgt_preserve *p = ud;
    tgt_open *o = c->open_user_data;
    o->closed_reason = c->reason;
    tgt_log(p->srv, "the resilient server closed %s (%s)", o->name[0] ? o->name : "(root)",
            rsvd_res_close_reason_name((int)c->reason));
    tgt_open_close(o);
}

int tgt_preserve_new(tgt_server *srv, tgt_preserve **out)
{
    tgt_preserve *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->srv = srv;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_resiliency_timeout_ms = srv->cfg->resiliency_max_ms;
    /* [MS-SMB2] 3.3.5.14: with SMB2_GLOBAL_CAP_MULTI_CHANNEL, LOCK sequence
     * checks apply to every open of a 3.x connection. */
    cfg.multi_channel_capable = srv->cfg->multichannel;
    cfg.max_connections = srv->cfg->limits.max_connections;
    cfg.max_sessions = srv->cfg->limits.max_sessions;
    cfg.max_opens = srv->cfg->limits.max_opens;
    rsvd_res_server_callbacks cb = RSVD_STRUCT_INIT(rsvd_res_server_callbacks);
    cb.close_open = close_open;
    if (rsvd_res_server_new(&cfg, &cb, p, &p->res) != RSVD_OK) {
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void tgt_preserve_free(tgt_preserve *p)
{
    if (!p)
        return;
    rsvd_res_server_free(p->res); /* closes what is left: reason SHUTDOWN */
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
        tgt_log(p->srv, "%s lost: %u resilient open(s) kept", c->peer,
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
        !removed)
        return false;
    prev->res_session = 0; /* the library has forgotten it */
    tgt_session_destroy(prev, TGT_END_PREVIOUS_SESSION);
    return true;
}

void tgt_preserve_logoff(tgt_preserve *p, tgt_session *s)
{
    if (!s->res_session)
        return;
    (void)rsvd_res_server_logoff(p->res, s->res_session, p->srv->now);
    s->res_session = 0;
}

void tgt_preserve_session_end(tgt_preserve *p, tgt_session *s)
{
    if (!s->res_session)
        return;
    (void)rsvd_res_server_session_close(p->res, s->res_session);
    s->res_session = 0;
}

int tgt_preserve_tree_add(tgt_preserve *p, tgt_tree *t)
{
    rsvd_res_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_tree_params);
    tp.tree_id = t->id;
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
    t->res_tree = 0;
}

int tgt_preserve_open_add(tgt_preserve *p, tgt_req *r, tgt_open *o)
{
    rsvd_res_server_ctx ctx = ctx_of(r);
    return rsvd_res_server_open_add(p->res, &ctx, 0, o, &o->fid) == RSVD_OK ? 0 : -1;
}

void tgt_preserve_open_forget(tgt_preserve *p, tgt_open *o)
{
    (void)rsvd_res_server_open_close(p->res, o->fid.persistent_id);
}

tgt_open *tgt_preserve_lookup(tgt_preserve *p, tgt_req *r, const rsvd_smb2_fileid *fid)
{
    rsvd_res_server_ctx ctx = ctx_of(r);
    void *ud = NULL;
    if (rsvd_res_server_open_lookup(p->res, &ctx, fid, &ud) != RSVD_STATUS_SUCCESS)
        return NULL;
    return ud;
}

/* The persistent FileId a reconnect context names (0: none or malformed). */
static uint64_t reconnect_target(const tgt_req *r)
{
    rsvd_smb2_create_req q;
    rsvd_smb2_cc cc;
    rsvd_smb2_fileid fid;
    if (rsvd_smb2_create_req_decode(r->msg, r->len, &q) != RSVD_OK)
        return 0;
    if (rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length,
                          RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT, RSVD_SMB2_CC_TAG_LEN,
                          &cc) == RSVD_OK &&
        rsvd_smb2_dhnc_decode(cc.data, cc.data_length, &fid) == RSVD_OK)
        return fid.persistent_id;
    rsvd_smb2_dh2c c2;
    if (rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length,
                          RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2, RSVD_SMB2_CC_TAG_LEN,
                          &cc) == RSVD_OK &&
        rsvd_smb2_dh2c_decode(cc.data, cc.data_length, &c2) == RSVD_OK)
        return c2.file_id.persistent_id;
    return 0;
}

tgt_reconnect_result tgt_preserve_reconnect(tgt_preserve *p, tgt_req *r, tgt_open **open,
                                            uint32_t *status)
{
    /* The tree connect is a share's: an open is reconnected only through a
     * tree connect of the share it was opened on; through another the
     * CREATE fails as if the open did not exist (STATUS_OBJECT_NAME_NOT_FOUND,
     * Samba's answer). The library does not know shares yet; when its tree
     * registration carries the share, this check is its. */
    uint64_t persistent = reconnect_target(r);
    rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
    if (persistent && rsvd_res_server_open_info(p->res, persistent, &info) == RSVD_OK &&
        info.state == RSVD_RES_OPEN_DETACHED) {
        const tgt_open *o = info.open_user_data;
        if (o->share != r->tree->share) {
            *status = RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
            return TGT_RECONNECT_FAILED;
        }
    }
    rsvd_res_server_ctx ctx = ctx_of(r);
    rsvd_res_reconnect_result rr;
    int rc = rsvd_res_server_reconnect(p->res, &ctx, r->msg, r->len, p->srv->now, &rr);
    if (rc == RSVD_E_NOENT)
        return TGT_RECONNECT_NONE;
    if (rc != RSVD_OK) {
        *status = RSVD_STATUS_INVALID_PARAMETER;
        return TGT_RECONNECT_FAILED;
    }
    if (rr.status != RSVD_STATUS_SUCCESS) {
        *status = rr.status;
        return TGT_RECONNECT_FAILED;
    }
    /* Rebound by the library with a new FileId.Volatile: the open joins
     * this session and tree again. */
    tgt_open *o = rr.open_user_data;
    o->fid = rr.file_id;
    o->session = r->session;
    o->tree = r->tree;
    tgt_list_append(&r->session->opens, &o->session_link);
    r->session->nopens++;
    tgt_log(p->srv, "%s reconnected %s with %s", r->conn->peer, o->name,
            rr.context ? rr.context : "?");
    *open = o;
    *status = RSVD_STATUS_SUCCESS;
    return TGT_RECONNECT_DONE;
}

bool tgt_preserve_durable_granted(tgt_preserve *p, tgt_req *r, tgt_open *o)
{
    /* [MS-SMB2] 3.3.5.9.6, 3.3.5.9.10: the grant rules are the library's
     * to own; until it does, no durable or persistent handle is granted,
     * and the CREATE is answered without a durable response context. */
    (void)p;
    (void)r;
    (void)o;
    return false;
}

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
    (void)rsvd_res_server_lock_end(p->res, &r->lock, status);
}

uint64_t tgt_preserve_next_expiry(const tgt_preserve *p)
{
    return rsvd_res_server_next_expiry(p->res);
}

void tgt_preserve_expire(tgt_preserve *p, uint64_t now_ms)
{
    size_t closed = 0;
    (void)rsvd_res_server_handle_expiry(p->res, now_ms, &closed);
    if (closed)
        tgt_log(p->srv, "the scavenger closed %zu resilient open(s)", closed);
}

void tgt_preserve_stats(const tgt_preserve *p, rsvd_res_server_stats *out)
{
    *out = (rsvd_res_server_stats)RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(p->res, out);
}
