/*
 * Resilient handles, server role: the objects (connections, channels,
 * sessions, tree connects, opens), the transitions of an open, the events
 * that detach or close opens, and the Resilient Open Scavenger Timer.
 *
 * An open is in exactly one state, and each transition is one function:
 *
 *   (new) --open_attach_new--> ATTACHED --open_detach--> DETACHED
 *   DETACHED --res_open_reattach--> ATTACHED
 *   ATTACHED / DETACHED --res_open_close--> CLOSED (freed)
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "resilient/server_int.h"
#include "util/mem.h"
#include "util/versioned.h"

#define RES_GUARD(s)                                                                        \
    do {                                                                                    \
        if ((s)->in_callback)                                                               \
            return RSVD_E_BUSY;                                                             \
    } while (0)

const char *rsvd_res_close_reason_name(int reason)
{
    switch (reason) {
    case RSVD_RES_CLOSE_EXPIRED: return "EXPIRED";
    case RSVD_RES_CLOSE_DISCONNECT: return "DISCONNECT";
    case RSVD_RES_CLOSE_LOGOFF: return "LOGOFF";
    case RSVD_RES_CLOSE_PREVIOUS_SESSION: return "PREVIOUS_SESSION";
    case RSVD_RES_CLOSE_TREE_DISCONNECT: return "TREE_DISCONNECT";
    case RSVD_RES_CLOSE_SESSION_CLOSED: return "SESSION_CLOSED";
    case RSVD_RES_CLOSE_RESOURCES: return "RESOURCES";
    case RSVD_RES_CLOSE_SHUTDOWN: return "SHUTDOWN";
    default: return "?";
    }
}

static uint32_t or_default(uint32_t v, uint32_t def)
{
    return v ? v : def;
}

static bool dialect_known(uint16_t d)
{
    return d == RSVD_SMB2_DIALECT_202 || d == RSVD_SMB2_DIALECT_210 ||
           d == RSVD_SMB2_DIALECT_300 || d == RSVD_SMB2_DIALECT_302 ||
           d == RSVD_SMB2_DIALECT_311;
}

int rsvd_res_server_new(const rsvd_res_server_config *cfg, const rsvd_res_server_callbacks *cb,
                        void *user_data, rsvd_res_server **out)
{
    if (!out)
        return RSVD_E_INVAL;
    *out = NULL;
    rsvd_res_server_config c = RSVD_STRUCT_INIT(rsvd_res_server_config);
    rsvd_res_server_callbacks callbacks;
    int rc = rsvd_struct_import(&callbacks, sizeof callbacks, cb, RSVD_V0_RES_SERVER_CALLBACKS);
    if (rc == RSVD_OK && cfg)
        rc = rsvd_struct_import(&c, sizeof c, cfg, RSVD_V0_RES_SERVER_CONFIG);
    if (rc != RSVD_OK)
        return rc;
    const rsvd_mem *mem = rsvd_mem_resolve(c.mem);
    if (!callbacks.close_open || !mem)
        return RSVD_E_INVAL;
    rsvd_res_server *s = rsvd_mem_calloc(mem, 1, sizeof *s);
    if (!s)
        return RSVD_E_NOMEM;
    c.mem = mem;
    c.max_resiliency_timeout_ms =
        or_default(c.max_resiliency_timeout_ms, RSVD_RES_DEFAULT_MAX_TIMEOUT_MS);
    c.timeout_zero_grant_ms =
        or_default(c.timeout_zero_grant_ms, RSVD_RES_DEFAULT_TIMEOUT_ZERO_GRANT_MS);
    c.max_connections = or_default(c.max_connections, RSVD_RES_DEFAULT_MAX_CONNECTIONS);
    c.max_sessions = or_default(c.max_sessions, RSVD_RES_DEFAULT_MAX_SESSIONS);
    c.max_trees = or_default(c.max_trees, RSVD_RES_DEFAULT_MAX_TREES);
    c.max_opens = or_default(c.max_opens, RSVD_RES_DEFAULT_MAX_OPENS);
    c.max_opens_per_session =
        or_default(c.max_opens_per_session, RSVD_RES_DEFAULT_MAX_OPENS_PER_SESSION);
    c.max_detached = or_default(c.max_detached, RSVD_RES_DEFAULT_MAX_DETACHED);
    c.max_channels = or_default(c.max_channels, RSVD_RES_DEFAULT_MAX_CHANNELS);
    s->mem = mem;
    s->cfg = c;
    s->cb = callbacks;
    s->user_data = user_data;
    rsvd_handle_table_init(&s->conns, mem, c.max_connections);
    rsvd_handle_table_init(&s->sessions, mem, c.max_sessions);
    rsvd_handle_table_init(&s->trees, mem, c.max_trees);
    rsvd_handle_table_init(&s->persistent, mem, c.max_opens);
    rsvd_handle_table_init(&s->volatile_ids, mem, c.max_opens);
    rsvd_heap_init(&s->deadlines, mem);
    *out = s;
    return RSVD_OK;
}

/* ---- the transitions of an open ----------------------------------------- */

static void notify_close(rsvd_res_server *s, const rsvd_res_closed_open *c)
{
    s->in_callback++;
    s->cb.close_open(s, c, s->user_data);
    s->in_callback--;
}

/* Unlinks an attached open from Session.OpenTable and its tree connect. */
static void open_unlink_attached(rsvd_res_server *s, res_open *o)
{
    rsvd_list_remove(&o->sess_node);
    rsvd_list_remove(&o->tree_node);
    o->sess->n_opens--;
    (void)rsvd_handle_table_remove(&s->volatile_ids, o->volatile_id);
    o->sess = NULL;
    o->tree = NULL;
    o->volatile_id = 0;
}

/* Links an open into (sess, tree) with a new volatile FileId. */
static int open_link_attached(rsvd_res_server *s, res_open *o, res_session *sess, res_tree *tree)
{
    if (sess->n_opens >= s->cfg.max_opens_per_session)
        return RSVD_E_LIMIT;
    uint64_t vid;
    int rc = rsvd_handle_table_add(&s->volatile_ids, o, &vid);
    if (rc != RSVD_OK)
        return rc;
    /* [MS-SMB2] 3.3.5.9.7 step 9: Open.FileId = a new value unique in
     * Session.OpenTable; insert it there; TreeConnect.OpenCount += 1. */
    o->volatile_id = vid;
    o->sess = sess;
    o->tree = tree;
    o->dialect = sess->dialect;
    rsvd_list_append(&sess->opens, &o->sess_node);
    rsvd_list_append(&tree->opens, &o->tree_node);
    sess->n_opens++;
    return RSVD_OK;
}

/* (new) -> ATTACHED: [MS-SMB2] 3.3.5.9 "Successful Open Initialization". */
static int open_attach_new(rsvd_res_server *s, res_session *sess, res_tree *tree, uint32_t flags,
                           void *user_data, res_open **out)
{
    if (sess->n_opens >= s->cfg.max_opens_per_session)
        return RSVD_E_LIMIT;
    res_open *o = rsvd_mem_calloc(s->mem, 1, sizeof *o);
    if (!o)
        return RSVD_E_NOMEM;
    rsvd_list_init(&o->sess_node);
    rsvd_list_init(&o->tree_node);
    int rc = rsvd_handle_table_add(&s->persistent, o, &o->persistent_id);
    if (rc != RSVD_OK) {
        rsvd_mem_free(s->mem, o);
        return rc;
    }
    rc = open_link_attached(s, o, sess, tree);
    if (rc != RSVD_OK) {
        (void)rsvd_handle_table_remove(&s->persistent, o->persistent_id);
        rsvd_mem_free(s->mem, o);
        return rc;
    }
    /* IsResilient FALSE, ResilientOpenTimeout 0, every LockSequenceArray
     * entry invalid, DurableOwner NULL (calloc). */
    o->state = RES_OPEN_ATTACHED;
    o->leased = (flags & RSVD_RES_OPEN_LEASED) != 0;
    o->user_data = user_data;
    *out = o;
    return RSVD_OK;
}

bool res_open_expired(const res_open *o, uint64_t now_ms)
{
    return o->state == RES_OPEN_DETACHED && o->deadline.key < now_ms;
}

void res_open_close(rsvd_res_server *s, res_open *o, rsvd_res_close_reason reason, bool notify)
{
    /* [MS-SMB2] 3.3.4.17: remove it from GlobalOpenTable and, if attached,
     * from Session.OpenTable; TreeConnect.OpenCount -= 1. */
    rsvd_res_closed_open c;
    c.file_id.persistent_id = o->persistent_id;
    c.file_id.volatile_id = o->volatile_id;
    c.open_user_data = o->user_data;
    c.reason = reason;
    if (o->state == RES_OPEN_ATTACHED) {
        open_unlink_attached(s, o);
    } else if (o->state == RES_OPEN_DETACHED) {
        rsvd_heap_remove(&s->deadlines, &o->deadline);
        s->heap_ops++;
        s->n_detached--;
    }
    (void)rsvd_handle_table_remove(&s->persistent, o->persistent_id);
    o->state = RES_OPEN_CLOSED;
    if (notify)
        notify_close(s, &c); /* the host closes Open.LocalOpen */
    rsvd_mem_free(s->mem, o);
}

/* ATTACHED -> DETACHED ([MS-SMB2] 3.3.7.1, 3.3.5.6), or closed when it is
 * not preserved or cannot be kept. */
static void open_detach(rsvd_res_server *s, res_open *o, uint64_t now_ms,
                        rsvd_res_close_reason reason)
{
    /* An open is preserved for reconnect if Open.IsResilient (the other
     * conditions - durable with a batch oplock or handle lease, persistent -
     * concern durable opens, which the library does not keep). */
    if (!o->is_resilient) {
        res_open_close(s, o, reason, true);
        return;
    }
    /* Resource pressure is the one exception to keeping it (3.3.2.4). */
    if (s->n_detached >= s->cfg.max_detached) {
        res_open_close(s, o, RSVD_RES_CLOSE_RESOURCES, true);
        return;
    }
    /* Open.ResilientOpenTimeout = now + Open.ResiliencyTimeout; the timer is
     * a min-heap of deadlines (pitfall P3: equivalent to the single timer
     * with its reset rules). Saturated so that deadline + 1 fits. */
    uint64_t deadline = now_ms + o->resiliency_timeout_ms;
    if (deadline < now_ms || deadline == UINT64_MAX)
        deadline = UINT64_MAX - 1;
    if (rsvd_heap_push(&s->deadlines, &o->deadline, deadline) != RSVD_OK) {
        res_open_close(s, o, RSVD_RES_CLOSE_RESOURCES, true);
        return;
    }
    s->heap_ops++;
    /* Open.Connection = Open.Session = Open.TreeConnect = NULL. */
    open_unlink_attached(s, o);
    o->state = RES_OPEN_DETACHED;
    s->n_detached++;
}

int res_open_reattach(rsvd_res_server *s, res_open *o, res_session *sess, res_tree *tree)
{
    int rc = open_link_attached(s, o, sess, tree);
    if (rc != RSVD_OK)
        return rc;
    /* Decision (pitfall P2): the deadline goes with the detached state, so a
     * reconnected open is never closed by it. */
    rsvd_heap_remove(&s->deadlines, &o->deadline);
    s->heap_ops++;
    o->deadline.key = 0;
    s->n_detached--;
    o->state = RES_OPEN_ATTACHED;
    return RSVD_OK;
}

/* ---- registration -------------------------------------------------------- */

int rsvd_res_server_conn_add(rsvd_res_server *s, const rsvd_res_conn_params *params,
                             uint64_t *conn)
{
    if (!s || !conn)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    rsvd_res_conn_params p;
    int rc = rsvd_struct_import(&p, sizeof p, params, RSVD_V0_RES_CONN_PARAMS);
    if (rc != RSVD_OK)
        return rc;
    if (!dialect_known(p.dialect))
        return RSVD_E_INVAL;
    res_conn *c = rsvd_mem_calloc(s->mem, 1, sizeof *c);
    if (!c)
        return RSVD_E_NOMEM;
    c->dialect = p.dialect;
    c->multi_credit = p.supports_multi_credit;
    c->max_transact_size = p.max_transact_size;
    rsvd_list_init(&c->channels);
    rc = rsvd_handle_table_add(&s->conns, c, &c->handle);
    if (rc != RSVD_OK) {
        rsvd_mem_free(s->mem, c);
        return rc;
    }
    *conn = c->handle;
    return RSVD_OK;
}

static int channel_add(rsvd_res_server *s, res_session *sess, res_conn *c)
{
    if (sess->n_channels >= s->cfg.max_channels)
        return RSVD_E_LIMIT;
    res_channel *ch = rsvd_mem_calloc(s->mem, 1, sizeof *ch);
    if (!ch)
        return RSVD_E_NOMEM;
    ch->conn = c;
    ch->sess = sess;
    rsvd_list_append(&c->channels, &ch->conn_node);
    rsvd_list_append(&sess->channels, &ch->sess_node);
    sess->n_channels++;
    return RSVD_OK;
}

static void channel_free(rsvd_res_server *s, res_channel *ch)
{
    rsvd_list_remove(&ch->conn_node);
    rsvd_list_remove(&ch->sess_node);
    ch->sess->n_channels--;
    rsvd_mem_free(s->mem, ch);
}

static res_channel *channel_find(const res_session *sess, const res_conn *c)
{
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &sess->channels)
    {
        res_channel *ch = RSVD_CONTAINER_OF(it, res_channel, sess_node);
        if (ch->conn == c)
            return ch;
    }
    return NULL;
}

int rsvd_res_server_session_add(rsvd_res_server *s, uint64_t conn, uint64_t session_id,
                                const void *user, size_t user_len, uint64_t *session)
{
    if (!s || !session || !user || user_len == 0 || user_len > RSVD_RES_USER_MAX)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_conn *c = rsvd_handle_table_get(&s->conns, conn);
    if (!c)
        return RSVD_E_NOENT;
    res_session *ss = rsvd_mem_calloc(s->mem, 1, sizeof *ss);
    if (!ss)
        return RSVD_E_NOMEM;
    ss->session_id = session_id;
    memcpy(ss->user, user, user_len);
    ss->user_len = user_len;
    ss->dialect = c->dialect;
    rsvd_list_init(&ss->channels);
    rsvd_list_init(&ss->trees);
    rsvd_list_init(&ss->opens);
    int rc = rsvd_handle_table_add(&s->sessions, ss, &ss->handle);
    if (rc == RSVD_OK) {
        rc = channel_add(s, ss, c);
        if (rc != RSVD_OK)
            (void)rsvd_handle_table_remove(&s->sessions, ss->handle);
    }
    if (rc != RSVD_OK) {
        rsvd_mem_free(s->mem, ss);
        return rc;
    }
    *session = ss->handle;
    return RSVD_OK;
}

int rsvd_res_server_session_bind(rsvd_res_server *s, uint64_t session, uint64_t conn)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_session *ss = rsvd_handle_table_get(&s->sessions, session);
    res_conn *c = rsvd_handle_table_get(&s->conns, conn);
    if (!ss || !c)
        return RSVD_E_NOENT;
    if (!res_dialect_is_3x(c->dialect) || !res_dialect_is_3x(ss->dialect))
        return RSVD_E_NOTSUP;
    if (channel_find(ss, c))
        return RSVD_E_STATE;
    return channel_add(s, ss, c);
}

int rsvd_res_server_tree_add(rsvd_res_server *s, uint64_t session,
                             const rsvd_res_tree_params *params, uint64_t *tree)
{
    if (!s || !tree)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    rsvd_res_tree_params p;
    int rc = rsvd_struct_import(&p, sizeof p, params, RSVD_V0_RES_TREE_PARAMS);
    if (rc != RSVD_OK)
        return rc;
    if (p.reserved)
        return RSVD_E_INVAL;
    res_session *ss = rsvd_handle_table_get(&s->sessions, session);
    if (!ss)
        return RSVD_E_NOENT;
    res_tree *t = rsvd_mem_calloc(s->mem, 1, sizeof *t);
    if (!t)
        return RSVD_E_NOMEM;
    t->tree_id = p.tree_id;
    t->sess = ss;
    rsvd_list_init(&t->opens);
    rc = rsvd_handle_table_add(&s->trees, t, &t->handle);
    if (rc != RSVD_OK) {
        rsvd_mem_free(s->mem, t);
        return rc;
    }
    rsvd_list_append(&ss->trees, &t->sess_node);
    *tree = t->handle;
    return RSVD_OK;
}

int res_ctx_resolve(const rsvd_res_server *s, const rsvd_res_server_ctx *ctx, res_conn **conn,
                    res_session **sess, res_tree **tree)
{
    if (!ctx)
        return RSVD_E_INVAL;
    res_conn *c = rsvd_handle_table_get(&s->conns, ctx->conn);
    res_session *ss = rsvd_handle_table_get(&s->sessions, ctx->session);
    res_tree *t = rsvd_handle_table_get(&s->trees, ctx->tree);
    if (!c || !ss || !t)
        return RSVD_E_NOENT;
    if (t->sess != ss || !channel_find(ss, c))
        return RSVD_E_INVAL;
    *conn = c;
    *sess = ss;
    *tree = t;
    return RSVD_OK;
}

rsvd_smb2_fileid res_ctx_file_id(const rsvd_res_server_ctx *ctx, const rsvd_smb2_hdr *h,
                                 const rsvd_smb2_fileid *in_msg)
{
    if ((h->flags & RSVD_SMB2_FLAGS_RELATED_OPERATIONS) && ctx->related_file_id &&
        in_msg->persistent_id == UINT64_MAX && in_msg->volatile_id == UINT64_MAX)
        return *ctx->related_file_id;
    return *in_msg;
}

int rsvd_res_server_open_add(rsvd_res_server *s, const rsvd_res_server_ctx *ctx, uint32_t flags,
                             void *open_user_data, rsvd_smb2_fileid *file_id)
{
    if (!s || !file_id || (flags & ~RSVD_RES_OPEN_LEASED))
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_conn *c;
    res_session *ss;
    res_tree *t;
    int rc = res_ctx_resolve(s, ctx, &c, &ss, &t);
    if (rc != RSVD_OK)
        return rc;
    res_open *o;
    rc = open_attach_new(s, ss, t, flags, open_user_data, &o);
    if (rc != RSVD_OK)
        return rc;
    o->dialect = c->dialect;
    file_id->persistent_id = o->persistent_id;
    file_id->volatile_id = o->volatile_id;
    return RSVD_OK;
}

/* ---- lookups ------------------------------------------------------------- */

res_open *res_open_find(const rsvd_res_server *s, const res_session *sess, const res_tree *tree,
                        const rsvd_smb2_fileid *fid)
{
    res_open *o = rsvd_handle_table_get(&s->volatile_ids, fid->volatile_id);
    /* Decision: reachable only through its own session AND tree connect. */
    if (!o || o->state != RES_OPEN_ATTACHED || o->persistent_id != fid->persistent_id ||
        o->sess != sess || o->tree != tree)
        return NULL;
    return o;
}

res_open *res_open_by_persistent(const rsvd_res_server *s, uint64_t persistent_id)
{
    return rsvd_handle_table_get(&s->persistent, persistent_id);
}

uint32_t rsvd_res_server_open_lookup(const rsvd_res_server *s, const rsvd_res_server_ctx *ctx,
                                     const rsvd_smb2_fileid *file_id, void **open_user_data)
{
    res_conn *c;
    res_session *ss;
    res_tree *t;
    if (!s || !file_id || res_ctx_resolve(s, ctx, &c, &ss, &t) != RSVD_OK)
        return RSVD_STATUS_FILE_CLOSED;
    res_open *o = res_open_find(s, ss, t, file_id);
    if (!o)
        return RSVD_STATUS_FILE_CLOSED;
    if (open_user_data)
        *open_user_data = o->user_data;
    return RSVD_STATUS_SUCCESS;
}

bool res_user_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    return a_len == b_len && memcmp(a, b, a_len) == 0;
}

int res_error_response(const rsvd_smb2_hdr *h, uint32_t status, uint16_t credits, uint8_t *rsp,
                       size_t cap, size_t *rsp_len)
{
    return rsvd_smb2_error_response_build(h, status, credits, rsp, cap, rsp_len);
}

/* ---- events ---------------------------------------------------------------- */

static void tree_free(rsvd_res_server *s, res_tree *t)
{
    rsvd_list_remove(&t->sess_node);
    (void)rsvd_handle_table_remove(&s->trees, t->handle);
    rsvd_mem_free(s->mem, t);
}

/*
 * Ends a session ([MS-SMB2] 3.3.7.1 B, 3.3.5.6, 3.3.4.12): each open of
 * Session.OpenTable is detached (preserve) or closed with @p reason; then
 * its tree connects, channels and the session are freed.
 */
static void session_end(rsvd_res_server *s, res_session *ss, uint64_t now_ms,
                        rsvd_res_close_reason reason, bool preserve)
{
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->opens)
    {
        res_open *o = RSVD_CONTAINER_OF(it, res_open, sess_node);
        if (preserve)
            open_detach(s, o, now_ms, reason);
        else
            res_open_close(s, o, reason, true);
    }
    RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->trees)
    {
        tree_free(s, RSVD_CONTAINER_OF(it, res_tree, sess_node));
    }
    RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->channels)
    {
        channel_free(s, RSVD_CONTAINER_OF(it, res_channel, sess_node));
    }
    (void)rsvd_handle_table_remove(&s->sessions, ss->handle);
    rsvd_mem_free(s->mem, ss);
}

/* [MS-SMB2] 3.3.7.1 Handling Loss of a Connection */
int rsvd_res_server_conn_lost(rsvd_res_server *s, uint64_t conn, uint64_t now_ms)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_conn *c = rsvd_handle_table_get(&s->conns, conn);
    if (!c)
        return RSVD_E_NOENT;
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &c->channels)
    {
        res_channel *ch = RSVD_CONTAINER_OF(it, res_channel, conn_node);
        res_session *ss = ch->sess;
        if (res_dialect_is_3x(c->dialect) && ss->n_channels > 1) {
            /* A: only this channel goes; opens are untouched. */
            channel_free(s, ch);
            continue;
        }
        /* B: preserve or close each open, free trees and the session. A
         * session has one channel per connection, so `tmp` survives. */
        session_end(s, ss, now_ms, RSVD_RES_CLOSE_DISCONNECT, true);
    }
    (void)rsvd_handle_table_remove(&s->conns, c->handle);
    rsvd_mem_free(s->mem, c);
    return RSVD_OK;
}

/* [MS-SMB2] 3.3.5.6 Receiving an SMB2 LOGOFF Request */
int rsvd_res_server_logoff(rsvd_res_server *s, uint64_t session, uint64_t now_ms)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_session *ss = rsvd_handle_table_get(&s->sessions, session);
    if (!ss)
        return RSVD_E_NOENT;
    /* IsResilient: detached with ResilientOpenTimeout = now +
     * ResiliencyTimeout; "Otherwise" (neither resilient nor durable, pitfall
     * P9): closed. */
    session_end(s, ss, now_ms, RSVD_RES_CLOSE_LOGOFF, true);
    return RSVD_OK;
}

/* [MS-SMB2] 3.3.5.5.3 Handling a Reauthentication / PreviousSessionId */
int rsvd_res_server_previous_session(rsvd_res_server *s, uint64_t new_session,
                                     uint64_t prev_session, uint64_t now_ms, bool *removed)
{
    if (!s || !removed)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    *removed = false;
    res_session *ns = rsvd_handle_table_get(&s->sessions, new_session);
    res_session *ps = rsvd_handle_table_get(&s->sessions, prev_session);
    if (!ns || !ps)
        return RSVD_E_NOENT;
    if (ns == ps)
        return RSVD_OK; /* SHOULD<294> ignore */
    if (!res_user_equal(ns->user, ns->user_len, ps->user, ps->user_len))
        return RSVD_OK; /* another user: ignored */
    /* Same user: remove the old session "as specified in 3.3.7.1". */
    session_end(s, ps, now_ms, RSVD_RES_CLOSE_PREVIOUS_SESSION, true);
    *removed = true;
    return RSVD_OK;
}

/* [MS-SMB2] 3.3.5.8 Receiving an SMB2 TREE_DISCONNECT Request */
int rsvd_res_server_tree_disconnect(rsvd_res_server *s, uint64_t tree)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_tree *t = rsvd_handle_table_get(&s->trees, tree);
    if (!t)
        return RSVD_E_NOENT;
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &t->opens)
    {
        res_open_close(s, RSVD_CONTAINER_OF(it, res_open, tree_node),
                       RSVD_RES_CLOSE_TREE_DISCONNECT, true);
    }
    tree_free(s, t);
    return RSVD_OK;
}

/* [MS-SMB2] 3.3.4.12 Server Application Requests Closing a Session */
int rsvd_res_server_session_close(rsvd_res_server *s, uint64_t session)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_session *ss = rsvd_handle_table_get(&s->sessions, session);
    if (!ss)
        return RSVD_E_NOENT;
    session_end(s, ss, 0, RSVD_RES_CLOSE_SESSION_CLOSED, false);
    return RSVD_OK;
}

int rsvd_res_server_open_close(rsvd_res_server *s, uint64_t persistent_id)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_open *o = res_open_by_persistent(s, persistent_id);
    if (!o)
        return RSVD_E_NOENT;
    res_open_close(s, o, RSVD_RES_CLOSE_SHUTDOWN, false);
    return RSVD_OK;
}

/* ---- the Resilient Open Scavenger Timer (3.3.6.4) ---------------------------- */

uint64_t rsvd_res_server_next_expiry(const rsvd_res_server *s)
{
    if (!s)
        return UINT64_MAX;
    const rsvd_heap_node *top = rsvd_heap_peek(&s->deadlines);
    return top ? top->key + 1 : UINT64_MAX; /* keys stay below UINT64_MAX */
}

int rsvd_res_server_handle_expiry(rsvd_res_server *s, uint64_t now_ms, size_t *closed)
{
    if (closed)
        *closed = 0;
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    size_t n = 0;
    rsvd_heap_node *top;
    /* Decision (pitfall P2): only opens still detached are queued, so only
     * they can be closed here; each is O(log n). */
    while ((top = rsvd_heap_peek(&s->deadlines)) != NULL && top->key < now_ms) {
        res_open *o = RSVD_CONTAINER_OF(top, res_open, deadline);
        res_open_close(s, o, RSVD_RES_CLOSE_EXPIRED, true);
        n++;
    }
    if (closed)
        *closed = n;
    return RSVD_OK;
}

/* ---- inspection ------------------------------------------------------------- */

int rsvd_res_server_open_info(const rsvd_res_server *s, uint64_t persistent_id,
                              rsvd_res_open_info *out)
{
    if (!s || !out)
        return RSVD_E_INVAL;
    if (out->struct_size < RSVD_V0_RES_OPEN_INFO)
        return RSVD_E_INVAL;
    const res_open *o = res_open_by_persistent(s, persistent_id);
    if (!o)
        return RSVD_E_NOENT;
    rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
    info.state = (rsvd_res_open_state)o->state;
    info.file_id.persistent_id = o->persistent_id;
    info.file_id.volatile_id = o->volatile_id;
    info.is_resilient = o->is_resilient;
    info.resiliency_timeout_ms = o->resiliency_timeout_ms;
    info.deadline_ms = o->state == RES_OPEN_DETACHED ? o->deadline.key : 0;
    info.session = o->sess ? o->sess->handle : 0;
    info.tree = o->tree ? o->tree->handle : 0;
    info.open_user_data = o->user_data;
    info.leased = o->leased;
    return rsvd_struct_export(out, &info, sizeof info, RSVD_V0_RES_OPEN_INFO);
}

int rsvd_res_server_lock_seq(const rsvd_res_server *s, uint64_t persistent_id, uint32_t index,
                             bool *valid, uint8_t *number)
{
    if (!s || !valid || !number)
        return RSVD_E_INVAL;
    if (index < 1 || index > RSVD_SMB2_LOCK_SEQUENCE_INDEX_MAX)
        return RSVD_E_INVAL;
    const res_open *o = res_open_by_persistent(s, persistent_id);
    if (!o)
        return RSVD_E_NOENT;
    uint8_t e = o->lock_seq[index - 1];
    *valid = (e & RES_LOCK_SEQ_VALID) != 0;
    *number = (uint8_t)(e & 0xFu);
    return RSVD_OK;
}

int rsvd_res_server_get_stats(const rsvd_res_server *s, rsvd_res_server_stats *out)
{
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    if (s) {
        st.connections = s->conns.count;
        st.sessions = s->sessions.count;
        st.trees = s->trees.count;
        st.opens = s->persistent.count;
        st.detached = s->n_detached;
        st.attached = s->persistent.count - s->n_detached;
    }
    return rsvd_struct_export(out, &st, sizeof st, RSVD_V0_RES_SERVER_STATS);
}

uint64_t res_server_heap_ops(const rsvd_res_server *s)
{
    return s->heap_ops;
}

/* Every live object of a handle table, in slot order. */
#define RES_TABLE_FOREACH(t, i, obj)                                                        \
    for ((i) = 0; (i) < (t)->used; (i)++)                                                   \
        if (((obj) = (t)->slots[(i)].obj) != NULL)

const char *res_server_check_invariants(const rsvd_res_server *s)
{
    uint32_t i;
    void *obj;
    uint32_t attached = 0, detached = 0, in_sessions = 0;
    RES_TABLE_FOREACH(&s->persistent, i, obj)
    {
        const res_open *o = obj;
        if (res_open_by_persistent(s, o->persistent_id) != o)
            return "an open's persistent id does not name it";
        if (o->state == RES_OPEN_ATTACHED) {
            attached++;
            if (!o->sess || !o->tree || o->tree->sess != o->sess)
                return "an attached open lacks its session or tree";
            if (rsvd_handle_table_get(&s->sessions, o->sess->handle) != o->sess ||
                rsvd_handle_table_get(&s->trees, o->tree->handle) != o->tree)
                return "an attached open points at a freed session or tree";
            if (rsvd_handle_table_get(&s->volatile_ids, o->volatile_id) != o)
                return "an attached open's volatile id does not name it";
            if (rsvd_heap_node_queued(&o->deadline))
                return "an attached open has a queued deadline";
        } else if (o->state == RES_OPEN_DETACHED) {
            detached++;
            if (o->sess || o->tree || o->volatile_id != 0)
                return "a detached open is still on a session, tree or volatile id";
            if (!rsvd_heap_node_queued(&o->deadline))
                return "a detached open has no queued deadline";
            if (!o->is_resilient)
                return "a detached open is not resilient";
        } else {
            return "a closed open is still in the table";
        }
    }
    if (detached != s->n_detached || detached != s->deadlines.len)
        return "detached count, deadline count and detached opens differ";
    if (attached != s->volatile_ids.count)
        return "attached opens and volatile ids differ";
    RES_TABLE_FOREACH(&s->sessions, i, obj)
    {
        const res_session *ss = obj;
        uint32_t n = 0, nch = 0;
        rsvd_list *it, *tmp;
        RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->opens)
        {
            const res_open *o = RSVD_CONTAINER_OF(it, res_open, sess_node);
            if (o->sess != ss || o->state != RES_OPEN_ATTACHED)
                return "Session.OpenTable holds an open of another session";
            n++;
        }
        if (n != ss->n_opens || n > s->cfg.max_opens_per_session)
            return "a session's open count is wrong";
        in_sessions += n;
        RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->channels)
        {
            const res_channel *ch = RSVD_CONTAINER_OF(it, res_channel, sess_node);
            if (ch->sess != ss || rsvd_handle_table_get(&s->conns, ch->conn->handle) != ch->conn)
                return "a channel links a freed connection";
            nch++;
        }
        if (nch != ss->n_channels || nch == 0)
            return "a session's channel count is wrong";
        RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->trees)
        {
            const res_tree *t = RSVD_CONTAINER_OF(it, res_tree, sess_node);
            if (t->sess != ss)
                return "a session lists a tree of another session";
            rsvd_list *jt, *jtmp;
            RSVD_LIST_FOREACH_SAFE(jt, jtmp, &t->opens)
            {
                const res_open *o = RSVD_CONTAINER_OF(jt, res_open, tree_node);
                if (o->tree != t || o->state != RES_OPEN_ATTACHED)
                    return "a tree lists an open of another tree";
            }
        }
    }
    if (in_sessions != attached)
        return "attached opens missing from their Session.OpenTable";
    if (s->n_detached > s->cfg.max_detached || s->persistent.count > s->cfg.max_opens)
        return "a limit is exceeded";
    return NULL;
}

void rsvd_res_server_free(rsvd_res_server *s)
{
    if (!s)
        return;
    s->in_callback = 0;
    uint32_t i;
    void *obj;
    RES_TABLE_FOREACH(&s->persistent, i, obj)
    {
        res_open_close(s, obj, RSVD_RES_CLOSE_SHUTDOWN, true);
    }
    RES_TABLE_FOREACH(&s->trees, i, obj)
    {
        tree_free(s, obj);
    }
    RES_TABLE_FOREACH(&s->sessions, i, obj)
    {
        res_session *ss = obj;
        rsvd_list *it, *tmp;
        RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->channels)
        {
            channel_free(s, RSVD_CONTAINER_OF(it, res_channel, sess_node));
        }
        rsvd_mem_free(s->mem, ss);
    }
    RES_TABLE_FOREACH(&s->conns, i, obj)
    {
        rsvd_mem_free(s->mem, obj);
    }
    rsvd_handle_table_fini(&s->conns);
    rsvd_handle_table_fini(&s->sessions);
    rsvd_handle_table_fini(&s->trees);
    rsvd_handle_table_fini(&s->persistent);
    rsvd_handle_table_fini(&s->volatile_ids);
    rsvd_heap_fini(&s->deadlines);
    const rsvd_mem *mem = s->mem;
    rsvd_mem_free(mem, s);
}
