/*
 * Preserved opens, client role: the objects, the sequence window and
 * credits ([MS-SMB2] 3.2.4.1.2, 3.2.4.1.3, 3.2.4.1.5, 3.2.4.1.6, 3.2.5.1.4),
 * channel selection (3.2.4.1.7), network disconnect (3.2.7.1) and giving up
 * a resilient open after its ResilientTimeout, a durable v2 or persistent
 * one after its DurableTimeout.
 *
 * An open is CREATING, CONNECTED or DETACHED; each transition is one
 * function:
 *   CREATING --cli_create_response--> CONNECTED
 *   CREATING --cli_open_abandon--> freed (no open_lost)
 *   CONNECTED --open_detach--> DETACHED --cli_open_reattach--> CONNECTED
 *   any --open_give_up / open_free--> freed
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "resilient/client_int.h"
#include "util/mem.h"
#include "util/versioned.h"

#define CLI_GUARD(c)                                                                        \
    do {                                                                                    \
        if ((c)->in_callback)                                                               \
            return RSVD_E_BUSY;                                                             \
    } while (0)

const char *rsvd_res_lost_reason_name(int reason)
{
    switch (reason) {
    case RSVD_RES_LOST_NOT_DURABLE: return "NOT_DURABLE";
    case RSVD_RES_LOST_TIMEOUT: return "TIMEOUT";
    case RSVD_RES_LOST_DURABLE_TIMEOUT: return "DURABLE_TIMEOUT";
    default: return "?";
    }
}

static uint32_t or_default(uint32_t v, uint32_t def)
{
    return v ? v : def;
}

int rsvd_res_client_new(const rsvd_res_client_config *cfg, const rsvd_res_client_callbacks *cb,
                        void *user_data, rsvd_res_client **out)
{
    if (!out)
        return RSVD_E_INVAL;
    *out = NULL;
    rsvd_res_client_config c = RSVD_STRUCT_INIT(rsvd_res_client_config);
    rsvd_res_client_callbacks callbacks;
    int rc = rsvd_struct_import(&callbacks, sizeof callbacks, cb, RSVD_V0_RES_CLIENT_CALLBACKS);
    if (rc == RSVD_OK && cfg)
        rc = rsvd_struct_import(&c, sizeof c, cfg, RSVD_V0_RES_CLIENT_CONFIG);
    if (rc != RSVD_OK)
        return rc;
    if (!callbacks.request_failed || !callbacks.open_lost)
        return RSVD_E_INVAL;
    if (c.resiliency_options & ~RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_ZERO)
        return RSVD_E_INVAL;
    const rsvd_mem *mem = rsvd_mem_resolve(c.mem);
    if (!mem)
        return RSVD_E_INVAL;
    rsvd_res_client *cli = rsvd_mem_calloc(mem, 1, sizeof *cli);
    if (!cli)
        return RSVD_E_NOMEM;
    c.mem = mem;
    c.max_connections = or_default(c.max_connections, RSVD_RES_CLIENT_DEFAULT_MAX_CONNECTIONS);
    c.max_sessions = or_default(c.max_sessions, RSVD_RES_CLIENT_DEFAULT_MAX_SESSIONS);
    c.max_trees = or_default(c.max_trees, RSVD_RES_CLIENT_DEFAULT_MAX_TREES);
    c.max_opens = or_default(c.max_opens, RSVD_RES_CLIENT_DEFAULT_MAX_OPENS);
    c.max_outstanding = or_default(c.max_outstanding, RSVD_RES_CLIENT_DEFAULT_MAX_OUTSTANDING);
    c.max_lock_elements =
        or_default(c.max_lock_elements, RSVD_RES_CLIENT_DEFAULT_MAX_LOCK_ELEMENTS);
    c.max_channels = or_default(c.max_channels, RSVD_RES_CLIENT_DEFAULT_MAX_CHANNELS);
    if (c.credit_target == 0)
        c.credit_target = RSVD_RES_CLIENT_DEFAULT_CREDIT_TARGET;
    cli->mem = mem;
    cli->cfg = c;
    cli->cb = callbacks;
    cli->user_data = user_data;
    rsvd_handle_table_init(&cli->conns, mem, c.max_connections);
    rsvd_handle_table_init(&cli->sessions, mem, c.max_sessions);
    rsvd_handle_table_init(&cli->trees, mem, c.max_trees);
    rsvd_handle_table_init(&cli->opens, mem, c.max_opens);
    rsvd_heap_init(&cli->deadlines, mem);
    *out = cli;
    return RSVD_OK;
}

/* ---- requests, the window and credits -------------------------------------- */

uint16_t cli_credit_charge(const cli_conn *c, uint64_t send_size, uint64_t recv_size)
{
    /* 3.2.4.1.5: with multi-credit, READ/WRITE/IOCTL/QUERY_DIRECTORY use
     * the 3.1.5.2 value and every other command 1 (the formula gives 1 for
     * any payload up to 64 KiB). Without it (2.0.2, or 2.1/3.x not
     * multi-credit) CreditCharge is 0 (the MUST for 2.0.2, the SHOULD for
     * the others; Windows sends 1, <121>). */
    if (!c->multi_credit)
        return 0;
    uint64_t size = send_size > recv_size ? send_size : recv_size;
    uint64_t charge = size == 0 ? 1 : (size - 1) / 65536u + 1;
    return charge > UINT16_MAX ? UINT16_MAX : (uint16_t)charge;
}

int cli_window_check(const rsvd_res_client *cli, const cli_conn *c, uint16_t n)
{
    /* 3.2.4.1.3: no id (or no run of n consecutive ids) available -> the
     * request waits: the caller retries once credits arrive. */
    if (c->end_id - c->next_id < n)
        return RSVD_E_LIMIT;
    if (c->outstanding >= cli->cfg.max_outstanding)
        return RSVD_E_LIMIT;
    return RSVD_OK;
}

uint16_t cli_credit_request(const rsvd_res_client *cli, const cli_conn *c, uint16_t n)
{
    /* 3.2.4.1.2: ask for what this request consumes to keep the credits,
     * plus what is missing to reach the target. */
    uint64_t held = (c->end_id - c->next_id) + c->charged;
    uint64_t want = n;
    if (held < cli->cfg.credit_target)
        want += cli->cfg.credit_target - held;
    return want > UINT16_MAX ? UINT16_MAX : (uint16_t)want;
}

void cli_window_grant(cli_conn *c, uint16_t credits)
{
    /* 3.2.5.1.4: the next-highest numbers join the window. 0xFFFF...FFFF is
     * never issued (it marks oplock breaks). */
    uint64_t room = UINT64_MAX - c->end_id;
    c->end_id += credits < room ? credits : room;
}

void cli_req_send(cli_conn *c, cli_req *r, uint16_t n)
{
    r->message_id = c->next_id; /* the lowest available, never reused */
    c->next_id += n;
    r->consumed = n;
    r->conn = c;
    rsvd_list_append(&c->requests, &r->conn_node);
    c->outstanding++;
    c->charged += n;
}

void cli_req_unsend(cli_req *r)
{
    if (!r->conn)
        return;
    rsvd_list_remove(&r->conn_node);
    r->conn->outstanding--;
    r->conn->charged -= r->consumed;
    r->conn = NULL;
}

void cli_req_keep(cli_req *r)
{
    cli_req_unsend(r);
    r->open->resend_pending++;
}

cli_req *cli_req_new(rsvd_res_client *cli, rsvd_res_req_kind kind, cli_open *o, void *user_data)
{
    cli_req *r = rsvd_mem_calloc(cli->mem, 1, sizeof *r);
    if (!r)
        return NULL;
    r->kind = kind;
    r->open = o;
    r->user_data = user_data;
    rsvd_list_init(&r->conn_node);
    rsvd_list_init(&r->open_node);
    return r;
}

void cli_req_free(rsvd_res_client *cli, cli_req *r)
{
    /* Every request in an open's list is in flight or kept for re-sending. */
    if (!r->conn && !rsvd_list_empty(&r->open_node))
        r->open->resend_pending--;
    cli_req_unsend(r);
    rsvd_list_remove(&r->open_node);
    if (r->open && r->open->attempt == r)
        r->open->attempt = NULL;
    rsvd_mem_free(cli->mem, r->locks);
    rsvd_mem_free(cli->mem, r->msg);
    rsvd_mem_free(cli->mem, r);
}

void cli_done_init(const cli_req *r, rsvd_res_client_done *done)
{
    memset(done, 0, sizeof *done);
    done->kind = r->kind;
    done->open = r->open ? r->open->handle : 0;
    done->open_user_data = r->open ? r->open->user_data : NULL;
    done->req_user_data = r->user_data;
    done->conn = r->conn ? r->conn->handle : 0;
    done->message_id = r->message_id;
    done->final = true;
}

void cli_req_fail(rsvd_res_client *cli, cli_req *r)
{
    rsvd_res_client_done done;
    cli_done_init(r, &done);
    done.status = RSVD_STATUS_CONNECTION_DISCONNECTED;
    cli_req_free(cli, r);
    cli->in_callback++;
    cli->cb.request_failed(cli, &done, cli->user_data);
    cli->in_callback--;
}

cli_conn *cli_select_conn(const cli_session *ss)
{
    /* 3.2.4.1.7: 3.x - a channel of Session.ChannelList, the one with the
     * fewest outstanding requests as Windows picks (<122>); otherwise
     * Open.Connection, the session's only connection. None -> NULL. */
    cli_conn *best = NULL;
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->channels)
    {
        cli_conn *c = RSVD_CONTAINER_OF(it, cli_channel, sess_node)->conn;
        if (!best || c->outstanding < best->outstanding)
            best = c;
    }
    return best;
}

void cli_hdr_init(rsvd_smb2_hdr *h, const cli_conn *c, const cli_tree *t, uint16_t charge,
                  uint16_t credit_request, uint64_t message_id)
{
    memset(h, 0, sizeof *h);
    h->credit_charge = charge;
    h->status = cli_channel_sequence(c, t->sess);
    h->credit = credit_request;
    h->message_id = message_id;
    h->tree_id = t->tree_id;               /* Open.TreeConnect.TreeConnectId */
    h->session_id = t->sess->session_id;   /* Open.TreeConnect.Session.SessionId */
}

uint16_t cli_channel_sequence(const cli_conn *c, const cli_session *ss)
{
    /* 3.2.4.1: 3.x with multi-channel or persistent handles carries
     * Session.ChannelSequence; otherwise Status 0. */
    if (cli_dialect_is_3x(c->dialect) && (c->multi_channel || c->persistent_handles))
        return ss->channel_sequence;
    return 0;
}

bool cli_replay_allowed(const cli_conn *c, uint32_t replays)
{
    return cli_dialect_is_3x(c->dialect) && (c->persistent_handles || c->multi_channel) &&
           replays < CLI_MAX_REPLAYS;
}

int cli_hdr_restamp(uint8_t *msg, size_t len, const cli_conn *c, const cli_session *ss,
                    uint64_t message_id, uint16_t charge, uint16_t credit_request, bool replay)
{
    rsvd_smb2_hdr h;
    int rc = rsvd_smb2_hdr_decode(msg, len, &h);
    if (rc != RSVD_OK)
        return rc;
    h.message_id = message_id;
    h.credit_charge = charge; /* the channel's (3.2.4.1.5) */
    h.credit = credit_request;
    h.status = cli_channel_sequence(c, ss); /* the current one (4.1 of the reference) */
    if (replay) {
        /* A replay is the original request with the flag set; it is
         * signed anew for the channel it goes on. */
        h.flags |= RSVD_SMB2_FLAGS_REPLAY_OPERATION;
        h.flags &= ~RSVD_SMB2_FLAGS_SIGNED;
        memset(h.signature, 0, sizeof h.signature);
    }
    return rsvd_smb2_hdr_encode(&h, msg, len);
}

void cli_body(const uint8_t *msg, size_t len, const uint8_t **body, size_t *body_len)
{
    rsvd_rd r;
    rsvd_rd_init(&r, msg, len);
    rsvd_rd_seek(&r, RSVD_SMB2_HEADER_SIZE);
    size_t left = rsvd_rd_ok(&r) ? rsvd_rd_left(&r) : 0;
    *body = left ? rsvd_rd_take(&r, left) : NULL;
    *body_len = left;
}

/* ---- registration --------------------------------------------------------- */

int rsvd_res_client_conn_add(rsvd_res_client *cli, const rsvd_res_client_conn_params *params,
                             uint64_t *conn)
{
    if (!cli || !conn)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    rsvd_res_client_conn_params pv;
    int rc = rsvd_struct_import(&pv, sizeof pv, params, RSVD_V0_RES_CLIENT_CONN_PARAMS);
    if (rc != RSVD_OK)
        return rc;
    const rsvd_res_client_conn_params *p = &pv;
    if (p->dialect != RSVD_SMB2_DIALECT_202 && p->dialect != RSVD_SMB2_DIALECT_210 &&
        p->dialect != RSVD_SMB2_DIALECT_300 && p->dialect != RSVD_SMB2_DIALECT_302 &&
        p->dialect != RSVD_SMB2_DIALECT_311)
        return RSVD_E_INVAL;
    if (p->next_message_id == UINT64_MAX)
        return RSVD_E_INVAL;
    cli_conn *c = rsvd_mem_calloc(cli->mem, 1, sizeof *c);
    if (!c)
        return RSVD_E_NOMEM;
    c->dialect = p->dialect;
    c->multi_credit = p->supports_multi_credit && p->dialect != RSVD_SMB2_DIALECT_202;
    c->multi_channel = p->supports_multi_channel && cli_dialect_is_3x(p->dialect);
    c->persistent_handles = p->supports_persistent_handles && cli_dialect_is_3x(p->dialect);
    /* 3.2.4.1.6: the window starts {0} (one credit). */
    c->next_id = p->next_message_id;
    c->end_id = p->next_message_id;
    cli_window_grant(c, p->credits ? (uint16_t)(p->credits > UINT16_MAX ? UINT16_MAX : p->credits)
                                   : 1u);
    rsvd_list_init(&c->requests);
    rsvd_list_init(&c->channels);
    rc = rsvd_handle_table_add(&cli->conns, c, &c->handle);
    if (rc != RSVD_OK) {
        rsvd_mem_free(cli->mem, c);
        return rc;
    }
    *conn = c->handle;
    return RSVD_OK;
}

int rsvd_res_client_conn_take_message_ids(rsvd_res_client *cli, uint64_t conn, uint16_t count,
                                          uint64_t *first)
{
    if (!cli || !first || count == 0)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    cli_conn *c = rsvd_handle_table_get(&cli->conns, conn);
    if (!c)
        return RSVD_E_NOENT;
    if (c->end_id - c->next_id < count)
        return RSVD_E_LIMIT;
    *first = c->next_id;
    c->next_id += count;
    return RSVD_OK;
}

int rsvd_res_client_conn_grant_credits(rsvd_res_client *cli, uint64_t conn, uint16_t credits)
{
    if (!cli)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    cli_conn *c = rsvd_handle_table_get(&cli->conns, conn);
    if (!c)
        return RSVD_E_NOENT;
    cli_window_grant(c, credits);
    return RSVD_OK;
}

int rsvd_res_client_conn_info_get(const rsvd_res_client *cli, uint64_t conn,
                                  rsvd_res_client_conn_info *out)
{
    if (!cli || !out)
        return RSVD_E_INVAL;
    if (out->struct_size < RSVD_V0_RES_CLIENT_CONN_INFO)
        return RSVD_E_INVAL;
    const cli_conn *c = rsvd_handle_table_get(&cli->conns, conn);
    if (!c)
        return RSVD_E_NOENT;
    rsvd_res_client_conn_info info = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    info.dialect = c->dialect;
    info.next_message_id = c->next_id;
    info.available = c->end_id - c->next_id;
    info.outstanding = c->outstanding;
    return rsvd_struct_export(out, &info, sizeof info, RSVD_V0_RES_CLIENT_CONN_INFO);
}

static int channel_add(rsvd_res_client *cli, cli_session *ss, cli_conn *c)
{
    if (ss->n_channels >= cli->cfg.max_channels)
        return RSVD_E_LIMIT;
    cli_channel *ch = rsvd_mem_calloc(cli->mem, 1, sizeof *ch);
    if (!ch)
        return RSVD_E_NOMEM;
    ch->conn = c;
    ch->sess = ss;
    rsvd_list_append(&c->channels, &ch->conn_node);
    rsvd_list_append(&ss->channels, &ch->sess_node);
    ss->n_channels++;
    return RSVD_OK;
}

static void channel_free(rsvd_res_client *cli, cli_channel *ch)
{
    rsvd_list_remove(&ch->conn_node);
    rsvd_list_remove(&ch->sess_node);
    ch->sess->n_channels--;
    rsvd_mem_free(cli->mem, ch);
}

int rsvd_res_client_session_add(rsvd_res_client *cli, uint64_t conn, uint64_t session_id,
                                uint64_t *session)
{
    if (!cli || !session)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    cli_conn *c = rsvd_handle_table_get(&cli->conns, conn);
    if (!c)
        return RSVD_E_NOENT;
    cli_session *ss = rsvd_mem_calloc(cli->mem, 1, sizeof *ss);
    if (!ss)
        return RSVD_E_NOMEM;
    ss->session_id = session_id;
    ss->dialect = c->dialect;
    rsvd_list_init(&ss->channels);
    rsvd_list_init(&ss->trees);
    int rc = rsvd_handle_table_add(&cli->sessions, ss, &ss->handle);
    if (rc == RSVD_OK) {
        rc = channel_add(cli, ss, c);
        if (rc != RSVD_OK)
            (void)rsvd_handle_table_remove(&cli->sessions, ss->handle);
    }
    if (rc != RSVD_OK) {
        rsvd_mem_free(cli->mem, ss);
        return rc;
    }
    *session = ss->handle;
    return RSVD_OK;
}

int rsvd_res_client_session_bind(rsvd_res_client *cli, uint64_t session, uint64_t conn)
{
    if (!cli)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    cli_session *ss = rsvd_handle_table_get(&cli->sessions, session);
    cli_conn *c = rsvd_handle_table_get(&cli->conns, conn);
    if (!ss || !c)
        return RSVD_E_NOENT;
    if (!cli_dialect_is_3x(c->dialect) || !cli_dialect_is_3x(ss->dialect))
        return RSVD_E_NOTSUP;
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->channels)
    {
        if (RSVD_CONTAINER_OF(it, cli_channel, sess_node)->conn == c)
            return RSVD_E_STATE;
    }
    return channel_add(cli, ss, c);
}

static void session_free(rsvd_res_client *cli, cli_session *ss)
{
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->channels)
    {
        channel_free(cli, RSVD_CONTAINER_OF(it, cli_channel, sess_node));
    }
    (void)rsvd_handle_table_remove(&cli->sessions, ss->handle);
    rsvd_mem_free(cli->mem, ss);
}

int rsvd_res_client_session_remove(rsvd_res_client *cli, uint64_t session)
{
    if (!cli)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    cli_session *ss = rsvd_handle_table_get(&cli->sessions, session);
    if (!ss)
        return RSVD_E_NOENT;
    if (!rsvd_list_empty(&ss->trees))
        return RSVD_E_STATE;
    session_free(cli, ss);
    return RSVD_OK;
}

int rsvd_res_client_tree_add(rsvd_res_client *cli, uint64_t session,
                             const rsvd_res_client_tree_params *params, uint64_t *tree)
{
    if (!cli || !tree)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    rsvd_res_client_tree_params p;
    int rc = rsvd_struct_import(&p, sizeof p, params, RSVD_V0_RES_CLIENT_TREE_PARAMS);
    if (rc != RSVD_OK)
        return rc;
    cli_session *ss = rsvd_handle_table_get(&cli->sessions, session);
    if (!ss)
        return RSVD_E_NOENT;
    cli_tree *t = rsvd_mem_calloc(cli->mem, 1, sizeof *t);
    if (!t)
        return RSVD_E_NOMEM;
    t->tree_id = p.tree_id;
    /* 3.2.5.5: TreeConnect.IsCAShare from SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY,
     * a 3.x bit (2.2.10). */
    t->is_ca = cli_dialect_is_3x(ss->dialect) &&
               (p.share_capabilities & RSVD_SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY) != 0;
    t->sess = ss;
    rsvd_list_init(&t->opens);
    rc = rsvd_handle_table_add(&cli->trees, t, &t->handle);
    if (rc != RSVD_OK) {
        rsvd_mem_free(cli->mem, t);
        return rc;
    }
    rsvd_list_append(&ss->trees, &t->sess_node);
    *tree = t->handle;
    return RSVD_OK;
}

static void tree_free(rsvd_res_client *cli, cli_tree *t)
{
    rsvd_list_remove(&t->sess_node);
    (void)rsvd_handle_table_remove(&cli->trees, t->handle);
    rsvd_mem_free(cli->mem, t);
}

int rsvd_res_client_tree_remove(rsvd_res_client *cli, uint64_t tree)
{
    if (!cli)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    cli_tree *t = rsvd_handle_table_get(&cli->trees, tree);
    if (!t)
        return RSVD_E_NOENT;
    if (!rsvd_list_empty(&t->opens) || t->n_targets)
        return RSVD_E_STATE;
    tree_free(cli, t);
    return RSVD_OK;
}

int rsvd_res_client_open_add(rsvd_res_client *cli, uint64_t tree,
                             const rsvd_res_client_open_params *params, uint64_t *open)
{
    if (!cli || !open)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    rsvd_res_client_open_params pv;
    int rc = rsvd_struct_import(&pv, sizeof pv, params, RSVD_V0_RES_CLIENT_OPEN_PARAMS);
    if (rc != RSVD_OK)
        return rc;
    const rsvd_res_client_open_params *p = &pv;
    if ((p->name_len && !p->name) || p->name_len > RSVD_RES_CLIENT_NAME_MAX ||
        (p->name_len & 1u))
        return RSVD_E_INVAL;
    const uint32_t known = RSVD_RES_CLIENT_DURABLE_V2 | RSVD_RES_CLIENT_DURABLE_PERSISTENT;
    if ((p->durable_flags & ~known) ||
        ((p->durable_flags & RSVD_RES_CLIENT_DURABLE_PERSISTENT) &&
         !(p->durable_flags & RSVD_RES_CLIENT_DURABLE_V2)))
        return RSVD_E_INVAL;
    cli_tree *t = rsvd_handle_table_get(&cli->trees, tree);
    if (!t)
        return RSVD_E_NOENT;
    /* DH2Q is a 3.x context (2.2.13.2.11). */
    if ((p->durable_flags & RSVD_RES_CLIENT_DURABLE_V2) && !cli_dialect_is_3x(t->sess->dialect))
        return RSVD_E_INVAL;
    /* Room for its deadline now, so that a disconnect never fails for
     * memory (the heap never holds more than one entry per open). */
    rc = rsvd_heap_reserve(&cli->deadlines, (size_t)cli->opens.count + 1u);
    if (rc != RSVD_OK)
        return rc;
    cli_open *o = rsvd_mem_calloc(cli->mem, 1, sizeof *o);
    if (!o)
        return RSVD_E_NOMEM;
    if (p->name_len) {
        o->name = rsvd_mem_alloc(cli->mem, p->name_len);
        if (!o->name) {
            rsvd_mem_free(cli->mem, o);
            return RSVD_E_NOMEM;
        }
        memcpy(o->name, p->name, p->name_len);
    }
    rc = rsvd_handle_table_add(&cli->opens, o, &o->handle);
    if (rc != RSVD_OK) {
        rsvd_mem_free(cli->mem, o->name);
        rsvd_mem_free(cli->mem, o);
        return rc;
    }
    /* 3.2.5.7: Durable as granted, ResilientHandle FALSE, LastDisconnectTime
     * 0, every bucket Free with SequenceNumber 0 (calloc). */
    o->state = CLI_OPEN_CONNECTED;
    o->file_id = p->file_id;
    o->tree = t;
    rsvd_list_append(&t->opens, &o->tree_node);
    o->name_len = p->name_len;
    o->desired_access = p->desired_access;
    o->file_attributes = p->file_attributes;
    o->share_access = p->share_access;
    o->create_disposition = p->create_disposition;
    o->create_options = p->create_options;
    o->oplock_level = p->oplock_level;
    o->durable = p->durable;
    if (p->durable_flags & RSVD_RES_CLIENT_DURABLE_V2) {
        /* 3.2.5.7.6: Durable TRUE, IsPersistent, DurableTimeout; the
         * CreateGuid kept from the request (gap D13). */
        o->durable = true;
        o->durable_v2 = true;
        o->persistent = (p->durable_flags & RSVD_RES_CLIENT_DURABLE_PERSISTENT) != 0;
        o->durable_timeout_ms = p->durable_timeout_ms;
        o->create_guid = p->create_guid;
    }
    o->user_data = p->user_data;
    rsvd_list_init(&o->requests);
    *open = o->handle;
    return RSVD_OK;
}

/* ---- transitions of an open ------------------------------------------------ */

/* Frees an open with its requests (no callback for them). */
static void open_free(rsvd_res_client *cli, cli_open *o)
{
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &o->requests)
    {
        cli_req_free(cli, RSVD_CONTAINER_OF(it, cli_req, open_node));
    }
    if (o->attempt) {
        cli_tree *t = rsvd_handle_table_get(&cli->trees, o->attempt->target_tree);
        if (t)
            t->n_targets--;
        cli_req_free(cli, o->attempt);
    }
    rsvd_heap_remove(&cli->deadlines, &o->deadline);
    if (o->tree)
        rsvd_list_remove(&o->tree_node);
    (void)rsvd_handle_table_remove(&cli->opens, o->handle);
    rsvd_mem_free(cli->mem, o->name);
    rsvd_mem_free(cli->mem, o);
}

/* The open is given up ([MS-SMB2] 3.2.7.1): its unfinished requests fail,
 * Durable and ResilientHandle become FALSE, it is freed, its handle
 * invalidated, and the host told. */
static void open_give_up(rsvd_res_client *cli, cli_open *o, rsvd_res_lost_reason reason)
{
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &o->requests)
    {
        cli_req_fail(cli, RSVD_CONTAINER_OF(it, cli_req, open_node));
    }
    o->durable = false;
    o->resilient_handle = false;
    uint64_t h = o->handle;
    void *ud = o->user_data;
    open_free(cli, o);
    cli->in_callback++;
    cli->cb.open_lost(cli, h, ud, reason, cli->user_data);
    cli->in_callback--;
}

/* CONNECTED -> DETACHED: [MS-SMB2] 3.2.7.1 steps 3 and 4. */
static void open_detach(rsvd_res_client *cli, cli_open *o, uint64_t now_ms)
{
    rsvd_list_remove(&o->tree_node);
    o->tree = NULL; /* Open.Connection = Open.TreeConnect = NULL */
    o->state = CLI_OPEN_DETACHED;
    /* Step 4: ResilientHandle or IsPersistent -> LastDisconnectTime. */
    if (o->resilient_handle || o->persistent)
        o->last_disconnect_ms = now_ms;
    /* The time the open waits: a resilient one keeps retrying for at
     * least ResilientTimeout (step 4; the server cleared its IsDurable when
     * it granted resiliency, 3.3.5.15.9, so that is all it keeps it for);
     * a 3.x durable one is freed if not re-established within
     * Open.DurableTimeout (step 3), which a persistent one - it has no
     * ResilientTimeout - waits for too. A DHnQ open has no DurableTimeout
     * (gap G2) and waits without a deadline. Room was reserved at open_add. */
    uint32_t wait;
    if (o->resilient_handle) {
        wait = o->resilient_timeout_ms;
        o->timed_reason = RSVD_RES_LOST_TIMEOUT;
    } else if (o->durable_v2) {
        wait = o->durable_timeout_ms;
        o->timed_reason = RSVD_RES_LOST_DURABLE_TIMEOUT;
    } else {
        o->timed = false;
        return;
    }
    uint64_t d = now_ms + wait;
    if (d < now_ms || d == UINT64_MAX)
        d = UINT64_MAX - 1;
    o->timed = true;
    o->deadline_ms = d;
    (void)rsvd_heap_push(&cli->deadlines, &o->deadline, d);
}

void cli_open_reattach(rsvd_res_client *cli, cli_open *o, cli_tree *t, const rsvd_smb2_fileid *fid)
{
    /* 3.2.5.8: Open.FileId, Open.TreeConnect, Open.Connection anew; the
     * buckets, ResilientHandle, Durable, IsPersistent and CreateGuid are
     * kept. */
    rsvd_heap_remove(&cli->deadlines, &o->deadline);
    o->timed = false;
    o->file_id = *fid;
    o->tree = t;
    rsvd_list_append(&t->opens, &o->tree_node);
    o->state = CLI_OPEN_CONNECTED;
}

void cli_attempt_failed(rsvd_res_client *cli, cli_open *o, uint64_t now_ms)
{
    /* Before the deadline a failure leaves the open waiting for another
     * attempt (gap G5: the server may not have noticed the old connection
     * yet); once its time has passed since the disconnect it is given up. */
    if (o->timed && now_ms > o->deadline_ms)
        open_give_up(cli, o, o->timed_reason);
}

void cli_open_abandon(rsvd_res_client *cli, cli_open *o)
{
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &o->requests)
    {
        cli_req_fail(cli, RSVD_CONTAINER_OF(it, cli_req, open_node));
    }
    open_free(cli, o);
}

void cli_bucket_release(cli_open *o, uint32_t index)
{
    if (index < 1 || index > CLI_BUCKETS)
        return;
    /* 3.2.5.13: Free = TRUE, SequenceNumber + 1 modulo 16. */
    uint8_t seq = (uint8_t)((o->buckets[index - 1] + 1u) & 0xFu);
    o->buckets[index - 1] = seq;
}

int rsvd_res_client_open_close(rsvd_res_client *cli, uint64_t open)
{
    if (!cli)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    cli_open *o = rsvd_handle_table_get(&cli->opens, open);
    if (!o)
        return RSVD_E_NOENT;
    open_free(cli, o);
    return RSVD_OK;
}

/* ---- network disconnect (3.2.7.1) -------------------------------------------- */

static void session_lost(rsvd_res_client *cli, cli_session *ss, uint64_t now_ms)
{
    rsvd_list *it, *tmp, *jt, *jtmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->trees)
    {
        cli_tree *t = RSVD_CONTAINER_OF(it, cli_tree, sess_node);
        RSVD_LIST_FOREACH_SAFE(jt, jtmp, &t->opens)
        {
            cli_open *o = RSVD_CONTAINER_OF(jt, cli_open, tree_node);
            if (o->state == CLI_OPEN_CREATING)
                cli_open_abandon(cli, o); /* never in Session.OpenTable */
            else if (o->durable || o->resilient_handle)
                open_detach(cli, o, now_ms); /* steps 3, 4 */
            else
                open_give_up(cli, o, RSVD_RES_LOST_NOT_DURABLE); /* step 2 */
        }
        tree_free(cli, t);
    }
    session_free(cli, ss);
}

int rsvd_res_client_on_disconnect(rsvd_res_client *cli, uint64_t conn, uint64_t now_ms)
{
    if (!cli)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    cli_conn *c = rsvd_handle_table_get(&cli->conns, conn);
    if (!c)
        return RSVD_E_NOENT;
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &c->channels)
    {
        cli_channel *ch = RSVD_CONTAINER_OF(it, cli_channel, conn_node);
        cli_session *ss = ch->sess;
        if (cli_dialect_is_3x(c->dialect) && ss->n_channels > 1) {
            /* A: drop the channel; Session.ChannelSequence += 1. */
            channel_free(cli, ch);
            ss->channel_sequence++;
            continue;
        }
        /* B. One channel per connection per session: `tmp` survives. */
        session_lost(cli, ss, now_ms);
    }
    /* Requests still in flight here belong to opens that were kept. */
    RSVD_LIST_FOREACH_SAFE(it, tmp, &c->requests)
    {
        cli_req *r = RSVD_CONTAINER_OF(it, cli_req, conn_node);
        cli_open *o = r->open;
        if (r->kind == RSVD_RES_REQ_RECONNECT) {
            cli_tree *t = rsvd_handle_table_get(&cli->trees, r->target_tree);
            if (t)
                t->n_targets--;
            cli_req_fail(cli, r);
            cli_attempt_failed(cli, o, now_ms);
        } else if (r->kind == RSVD_RES_REQ_LOCK) {
            /* Kept with its bucket and LockSequence, to be re-sent (G1). */
            cli_req_keep(r);
        } else if (r->kind == RSVD_RES_REQ_CREATE) {
            /* The session kept another channel (A): "replay, on another
             * channel with SMB2_FLAGS_REPLAY_OPERATION, every outstanding
             * CREATE ... that carries DH2Q". Any other CREATE ends here,
             * and its open with it. */
            if (r->dh2q && r->replays < CLI_MAX_REPLAYS) {
                cli_req_keep(r);
            } else {
                cli_req_fail(cli, r);
                cli_open_abandon(cli, o);
            }
        } else {
            cli_req_fail(cli, r);
        }
    }
    (void)rsvd_handle_table_remove(&cli->conns, c->handle);
    rsvd_mem_free(cli->mem, c);
    return RSVD_OK;
}

/* ---- time --------------------------------------------------------------------- */

uint64_t rsvd_res_client_next_expiry(const rsvd_res_client *cli)
{
    if (!cli)
        return UINT64_MAX;
    const rsvd_heap_node *top = rsvd_heap_peek(&cli->deadlines);
    return top ? top->key + 1 : UINT64_MAX;
}

int rsvd_res_client_handle_expiry(rsvd_res_client *cli, uint64_t now_ms, size_t *lost)
{
    if (lost)
        *lost = 0;
    if (!cli)
        return RSVD_E_INVAL;
    CLI_GUARD(cli);
    size_t n = 0;
    while (rsvd_heap_top_before(&cli->deadlines, now_ms)) {
        cli_open *o = RSVD_CONTAINER_OF(rsvd_heap_pop(&cli->deadlines), cli_open, deadline);
        if (o->attempt)
            continue; /* decided when the attempt ends */
        open_give_up(cli, o, o->timed_reason);
        n++;
    }
    if (lost)
        *lost = n;
    return RSVD_OK;
}

/* ---- inspection ------------------------------------------------------------------ */

int rsvd_res_client_open_info_get(const rsvd_res_client *cli, uint64_t open,
                                  rsvd_res_client_open_info *out)
{
    if (!cli || !out)
        return RSVD_E_INVAL;
    if (out->struct_size < RSVD_V0_RES_CLIENT_OPEN_INFO)
        return RSVD_E_INVAL;
    const cli_open *o = rsvd_handle_table_get(&cli->opens, open);
    if (!o)
        return RSVD_E_NOENT;
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    info.state = (rsvd_res_client_open_state)o->state;
    info.file_id = o->file_id;
    info.resilient_handle = o->resilient_handle;
    info.durable = o->durable;
    info.resilient_timeout_ms = o->resilient_timeout_ms;
    info.last_disconnect_ms = o->last_disconnect_ms;
    info.tree = o->tree ? o->tree->handle : 0;
    info.reconnecting = o->attempt != NULL;
    info.resend_pending = o->resend_pending;
    info.user_data = o->user_data;
    info.create_guid = o->create_guid;
    info.durable_timeout_ms = o->durable_timeout_ms;
    info.durable_flags = (o->durable_v2 ? RSVD_RES_CLIENT_DURABLE_V2 : 0u) |
                         (o->persistent ? RSVD_RES_CLIENT_DURABLE_PERSISTENT : 0u);
    return rsvd_struct_export(out, &info, sizeof info, RSVD_V0_RES_CLIENT_OPEN_INFO);
}

int rsvd_res_client_bucket(const rsvd_res_client *cli, uint64_t open, uint32_t index,
                           bool *free_, uint8_t *sequence_number)
{
    if (!cli || !free_ || !sequence_number || index < 1 || index > CLI_BUCKETS)
        return RSVD_E_INVAL;
    const cli_open *o = rsvd_handle_table_get(&cli->opens, open);
    if (!o)
        return RSVD_E_NOENT;
    *free_ = (o->buckets[index - 1] & CLI_BUCKET_TAKEN) == 0;
    *sequence_number = (uint8_t)(o->buckets[index - 1] & 0xFu);
    return RSVD_OK;
}

void rsvd_res_client_free(rsvd_res_client *cli)
{
    if (!cli)
        return;
    uint32_t i;
    for (i = 0; i < cli->opens.used; i++)
        if (cli->opens.slots[i].obj)
            open_free(cli, cli->opens.slots[i].obj);
    for (i = 0; i < cli->conns.used; i++) {
        cli_conn *c = cli->conns.slots[i].obj;
        if (!c)
            continue;
        rsvd_list *it, *tmp;
        RSVD_LIST_FOREACH_SAFE(it, tmp, &c->requests)
        {
            cli_req_free(cli, RSVD_CONTAINER_OF(it, cli_req, conn_node));
        }
    }
    for (i = 0; i < cli->trees.used; i++)
        if (cli->trees.slots[i].obj)
            tree_free(cli, cli->trees.slots[i].obj);
    for (i = 0; i < cli->sessions.used; i++)
        if (cli->sessions.slots[i].obj)
            session_free(cli, cli->sessions.slots[i].obj);
    for (i = 0; i < cli->conns.used; i++)
        if (cli->conns.slots[i].obj)
            rsvd_mem_free(cli->mem, cli->conns.slots[i].obj);
    rsvd_handle_table_fini(&cli->conns);
    rsvd_handle_table_fini(&cli->sessions);
    rsvd_handle_table_fini(&cli->trees);
    rsvd_handle_table_fini(&cli->opens);
    rsvd_heap_fini(&cli->deadlines);
    rsvd_mem_free(cli->mem, cli);
}
