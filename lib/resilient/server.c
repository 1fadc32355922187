/*
 * Open preservation, server role: the instance, the registration of
 * connections, sessions and tree connects, the lookups every request makes,
 * and inspection (the state of an open, the counts, the invariants the
 * tests and fuzzers check). The state machine of an open is in
 * server_open.c, the events that drive it in server_events.c.
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
    case RSVD_RES_CLOSE_APP_INSTANCE: return "APP_INSTANCE";
    case RSVD_RES_CLOSE_DURABILITY_LOST: return "DURABILITY_LOST";
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

static bool store_usable(const rsvd_res_server_config *c, const rsvd_res_server_callbacks *cb)
{
    if (!c->store)
        return true;
    return c->store->struct_size >= sizeof(size_t) && c->store->put && c->store->remove &&
           c->store->traverse && cb->wall_clock_ms;
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
    if (!callbacks.close_open || !mem || !store_usable(&c, &callbacks) ||
        (c.flags & ~RSVD_RES_SERVER_NO_DURABLE))
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
    c.durable_v1_timeout_ms =
        or_default(c.durable_v1_timeout_ms, RSVD_RES_DEFAULT_DURABLE_V1_TIMEOUT_MS);
    c.durable_v2_timeout_ms =
        or_default(c.durable_v2_timeout_ms, RSVD_RES_DEFAULT_DURABLE_V2_TIMEOUT_MS);
    c.durable_v2_max_timeout_ms =
        or_default(c.durable_v2_max_timeout_ms, RSVD_RES_DEFAULT_DURABLE_V2_MAX_TIMEOUT_MS);
    c.max_detached_per_client = or_default(c.max_detached_per_client, UINT32_MAX);
    c.max_detached_per_user = or_default(c.max_detached_per_user, UINT32_MAX);
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
    rsvd_hash_init(&s->shares, mem);
    rsvd_hash_init(&s->by_create_guid, mem);
    rsvd_hash_init(&s->by_app_id, mem);
    rsvd_hash_init(&s->by_file, mem);
    rsvd_hash_init(&s->clients, mem);
    rsvd_hash_init(&s->users, mem);
    rsvd_list_init(&s->client_list);
    rsvd_list_init(&s->batch);
    *out = s;
    return RSVD_OK;
}

void res_notify_close(rsvd_res_server *s, const rsvd_res_closed_open *c)
{
    s->in_callback++;
    s->cb.close_open(s, c, s->user_data);
    s->in_callback--;
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
    if (!dialect_known(p.dialect) || p.reserved)
        return RSVD_E_INVAL;
    res_conn *c = rsvd_mem_calloc(s->mem, 1, sizeof *c);
    if (!c)
        return RSVD_E_NOMEM;
    c->dialect = p.dialect;
    c->multi_credit = p.supports_multi_credit;
    c->max_transact_size = p.max_transact_size;
    c->client_guid = p.client_guid;
    /* Connection.ServerCapabilities exists on 3.x only (3.3.5.4). */
    c->server_caps = res_dialect_is_3x(p.dialect) ? p.server_capabilities : 0;
    rsvd_list_init(&c->channels);
    c->client_q = res_counter_get(s, true, c->client_guid.b, sizeof c->client_guid.b);
    rc = c->client_q ? rsvd_handle_table_add(&s->conns, c, &c->handle) : RSVD_E_NOMEM;
    if (rc != RSVD_OK) {
        res_counter_put(s, true, c->client_q);
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
    ss->user_q = res_counter_get(s, false, user, user_len);
    int rc = ss->user_q ? rsvd_handle_table_add(&s->sessions, ss, &ss->handle) : RSVD_E_NOMEM;
    if (rc == RSVD_OK) {
        rc = channel_add(s, ss, c);
        if (rc != RSVD_OK)
            (void)rsvd_handle_table_remove(&s->sessions, ss->handle);
    }
    if (rc != RSVD_OK) {
        res_counter_put(s, false, ss->user_q);
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
    if ((p.flags & ~RSVD_RES_TREE_CA) || p.share_len > RSVD_RES_SHARE_MAX ||
        (!p.share && p.share_len))
        return RSVD_E_INVAL;
    res_session *ss = rsvd_handle_table_get(&s->sessions, session);
    if (!ss)
        return RSVD_E_NOENT;
    res_tree *t = rsvd_mem_calloc(s->mem, 1, sizeof *t);
    if (!t)
        return RSVD_E_NOMEM;
    t->share = res_share_get(s, p.share, p.share_len);
    if (!t->share) {
        rsvd_mem_free(s->mem, t);
        return RSVD_E_NOMEM;
    }
    t->tree_id = p.tree_id;
    t->flags = p.flags;
    t->share_type = p.share_type;
    t->ca_timeout_ms = p.ca_timeout_ms;
    t->sess = ss;
    rsvd_list_init(&t->opens);
    rc = rsvd_handle_table_add(&s->trees, t, &t->handle);
    if (rc != RSVD_OK) {
        res_share_put(s, t->share);
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
    rc = res_open_attach_new(s, ss, t, open_user_data, &o);
    if (rc != RSVD_OK)
        return rc;
    o->dialect = c->dialect;
    o->server_caps = c->server_caps;
    if (flags & RSVD_RES_OPEN_LEASED) {
        o->lease_kind = RES_LEASE_UNKNOWN;
        o->oplock_level = RSVD_SMB2_OPLOCK_LEVEL_LEASE;
    }
    file_id->persistent_id = o->persistent_id;
    file_id->volatile_id = o->volatile_id;
    return RSVD_OK;
}

/* ---- lookups ------------------------------------------------------------- */

res_open *res_open_find(const rsvd_res_server *s, const res_session *sess, const res_tree *tree,
                        const rsvd_smb2_fileid *fid)
{
    res_open *o = rsvd_handle_table_get(&s->volatile_ids, fid->volatile_id);
    /* Decision: reachable only through its own session AND tree connect;
     * a reclaimed open only once the host has answered its CREATE. */
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

const rsvd_guid *res_session_client_guid(const res_session *ss)
{
    static const rsvd_guid zero = {{0}};
    if (rsvd_list_empty(&ss->channels))
        return &zero;
    const res_channel *ch = RSVD_CONTAINER_OF(ss->channels.next, res_channel, sess_node);
    return &ch->conn->client_guid;
}

int res_error_response(const rsvd_smb2_hdr *h, uint32_t status, uint16_t credits, uint8_t *rsp,
                       size_t cap, size_t *rsp_len)
{
    return rsvd_smb2_error_response_build(h, status, credits, rsp, cap, rsp_len);
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
    info.leased = o->lease_kind != RES_LEASE_NONE;
    info.is_durable = o->is_durable;
    info.is_persistent = o->is_persistent;
    info.is_replay_eligible = o->is_replay_eligible;
    info.shared_vhdx = o->shared_vhdx;
    info.durable_timeout_ms = o->durable_timeout_ms;
    info.create_guid = o->create_guid;
    info.client_guid = res_open_client_guid(o);
    info.app_instance_id = o->app_id;
    info.has_app_instance_id = o->has_app_id;
    info.oplock_level = o->oplock_level;
    info.channel_sequence = o->channel_sequence;
    info.lease_state = o->lease_state;
    info.outstanding_requests = o->outstanding;
    info.outstanding_pre_requests = o->outstanding_pre;
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
    uint8_t e = res_lock_seq_get(o, index);
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
        st.reclaimed = s->n_reclaimed;
        st.attached = s->persistent.count - s->n_detached - s->n_reclaimed;
        st.durable = s->n_durable;
        st.persistent = s->n_persistent;
        st.store_errors = s->store_errors;
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

/* The invariants of one open; NULL if they hold. */
static const char *open_invariants(const rsvd_res_server *s, const res_open *o)
{
    if (res_open_by_persistent(s, o->persistent_id) != o)
        return "an open's persistent id does not name it";
    if (!o->share)
        return "an open has no share";
    if ((o->is_durable || o->is_resilient || o->is_persistent) && !o->user_q)
        return "a preserved open has no DurableOwner";
    if (o->state == RES_OPEN_ATTACHED || o->state == RES_OPEN_RECLAIMED) {
        if (!o->sess || !o->tree || o->tree->sess != o->sess)
            return "an attached open lacks its session or tree";
        if (rsvd_handle_table_get(&s->sessions, o->sess->handle) != o->sess ||
            rsvd_handle_table_get(&s->trees, o->tree->handle) != o->tree)
            return "an attached open points at a freed session or tree";
        if (o->tree->share != o->share)
            return "an attached open is on a tree of another share";
        if (rsvd_handle_table_get(&s->volatile_ids, o->volatile_id) != o)
            return "an attached open's volatile id does not name it";
        if (rsvd_heap_node_queued(&o->deadline))
            return "an attached open has a queued deadline";
        if (o->counted)
            return "an attached open is counted as detached";
        if (o->state == RES_OPEN_RECLAIMED && o->reclaim_from != RES_FROM_DETACHED &&
            o->reclaim_from != RES_FROM_ATTACHED)
            return "a reclaimed open does not know where it came from";
    } else if (o->state == RES_OPEN_DETACHED) {
        if (o->sess || o->tree || o->volatile_id != 0)
            return "a detached open is still on a session, tree or volatile id";
        if (!rsvd_heap_node_queued(&o->deadline))
            return "a detached open has no queued deadline";
        if (!o->is_resilient && !o->is_durable)
            return "a detached open is neither resilient nor durable";
        if (!o->counted || !o->client_q || !o->user_q ||
            o->user_q->detached > s->cfg.max_detached_per_user)
            return "a detached open is not counted by its client and user";
        if (o->client_q->len != sizeof(rsvd_guid) || o->user_q->len == 0 ||
            o->user_q->len > RSVD_RES_USER_MAX)
            return "a detached open is counted by no client or user";
    } else {
        return "a closed open is still in the table";
    }
    return NULL;
}

const char *res_server_check_invariants(const rsvd_res_server *s)
{
    uint32_t i;
    void *obj;
    uint32_t attached = 0, detached = 0, reclaimed = 0, in_sessions = 0;
    uint32_t durable = 0, persistent = 0;
    RES_TABLE_FOREACH(&s->persistent, i, obj)
    {
        const res_open *o = obj;
        const char *why = open_invariants(s, o);
        if (why)
            return why;
        attached += o->state == RES_OPEN_ATTACHED;
        reclaimed += o->state == RES_OPEN_RECLAIMED;
        detached += o->state == RES_OPEN_DETACHED;
        durable += o->is_durable;
        persistent += o->is_persistent;
    }
    if (detached != s->n_detached || detached != s->deadlines.len)
        return "detached count, deadline count and detached opens differ";
    if (reclaimed != s->n_reclaimed)
        return "the reclaimed count is wrong";
    if (durable != s->n_durable || persistent != s->n_persistent)
        return "the durable or persistent count is wrong";
    if (attached + reclaimed != s->volatile_ids.count)
        return "attached opens and volatile ids differ";
    uint32_t counted = 0;
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &s->client_list)
    {
        const res_counter *c = RSVD_CONTAINER_OF(it, res_counter, all_node);
        uint32_t n = 0;
        rsvd_list *jt, *jtmp;
        RSVD_LIST_FOREACH_SAFE(jt, jtmp, &c->opens)
        {
            const res_open *o = RSVD_CONTAINER_OF(jt, res_open, client_node);
            if (o->client_q != c || o->state != RES_OPEN_DETACHED)
                return "a client counter lists an open it does not count";
            n++;
        }
        if (n != c->detached || n > s->cfg.max_detached_per_client || c->refs == 0)
            return "a client counter's count is wrong or over its quota";
        counted += n;
    }
    if (counted != detached)
        return "detached opens and quota counters differ";
    RES_TABLE_FOREACH(&s->sessions, i, obj)
    {
        const res_session *ss = obj;
        uint32_t n = 0, nch = 0;
        RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->opens)
        {
            const res_open *o = RSVD_CONTAINER_OF(it, res_open, sess_node);
            if (o->sess != ss ||
                (o->state != RES_OPEN_ATTACHED && o->state != RES_OPEN_RECLAIMED))
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
            if (t->sess != ss || !t->share || t->share->refs == 0)
                return "a session lists a tree of another session";
            rsvd_list *jt, *jtmp;
            RSVD_LIST_FOREACH_SAFE(jt, jtmp, &t->opens)
            {
                const res_open *o = RSVD_CONTAINER_OF(jt, res_open, tree_node);
                if (o->tree != t)
                    return "a tree lists an open of another tree";
            }
        }
    }
    if (in_sessions != attached + reclaimed)
        return "attached opens missing from their Session.OpenTable";
    if (s->n_detached > s->cfg.max_detached || s->persistent.count > s->cfg.max_opens)
        return "a limit is exceeded";
    return NULL;
}

static void tree_free_final(rsvd_res_server *s, res_tree *t)
{
    res_share_put(s, t->share);
    rsvd_mem_free(s->mem, t);
}

void rsvd_res_server_free(rsvd_res_server *s)
{
    if (!s)
        return;
    s->in_callback = 0;
    s->shutting_down = true;
    uint32_t i;
    void *obj;
    RES_TABLE_FOREACH(&s->persistent, i, obj)
    {
        /* The records of persistent opens stay in the store: a restarted
         * server restores them. */
        res_open_close(s, obj, RSVD_RES_CLOSE_SHUTDOWN, true);
    }
    RES_TABLE_FOREACH(&s->trees, i, obj)
    {
        tree_free_final(s, obj);
    }
    RES_TABLE_FOREACH(&s->sessions, i, obj)
    {
        res_session *ss = obj;
        rsvd_list *it, *tmp;
        RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->channels)
        {
            rsvd_mem_free(s->mem, RSVD_CONTAINER_OF(it, res_channel, sess_node));
        }
        res_counter_put(s, false, ss->user_q);
        rsvd_mem_free(s->mem, ss);
    }
    RES_TABLE_FOREACH(&s->conns, i, obj)
    {
        res_conn *c = obj;
        res_counter_put(s, true, c->client_q);
        rsvd_mem_free(s->mem, c);
    }
    rsvd_handle_table_fini(&s->conns);
    rsvd_handle_table_fini(&s->sessions);
    rsvd_handle_table_fini(&s->trees);
    rsvd_handle_table_fini(&s->persistent);
    rsvd_handle_table_fini(&s->volatile_ids);
    rsvd_heap_fini(&s->deadlines);
    rsvd_hash_fini(&s->shares);
    rsvd_hash_fini(&s->by_create_guid);
    rsvd_hash_fini(&s->by_app_id);
    rsvd_hash_fini(&s->by_file);
    rsvd_hash_fini(&s->clients);
    rsvd_hash_fini(&s->users);
    const rsvd_mem *mem = s->mem;
    rsvd_mem_free(mem, s);
}
