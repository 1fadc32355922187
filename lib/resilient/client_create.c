/*
 * Preserved opens, client role: the CREATE of a new open with its durable
 * request ([MS-SMB2] 3.2.4.3, 3.2.4.3.5 Application Requests Creating a
 * File Opened for Durable Operation) and its response (3.2.5.7 Receiving an
 * SMB2 CREATE Response for a New Create Operation, 3.2.5.7.1, 3.2.5.7.6),
 * replayed on STATUS_SERVER_UNAVAILABLE (3.2.5.7 <193>).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "resilient/client_int.h"
#include "util/mem.h"
#include "util/versioned.h"

/* Room for the durable context and the host's extra contexts. */
#define CLI_CREATE_CC_MAX 2048u

/* "A newly generated GUID" (3.2.4.3.5) from the host's random bytes, marked
 * as an RFC 4122 version-4 GUID: Data3 is little-endian on the wire, so its
 * version nibble is the high one of byte 7; the variant is byte 8's top. */
static int new_create_guid(rsvd_res_client *cli, rsvd_guid *g)
{
    if (!cli->cb.random)
        return RSVD_E_STATE;
    cli->in_callback++;
    int rc = cli->cb.random(g->b, sizeof g->b, cli->user_data);
    cli->in_callback--;
    if (rc != 0)
        return RSVD_E_IO;
    g->b[7] = (uint8_t)((g->b[7] & 0x0Fu) | 0x40u);
    g->b[8] = (uint8_t)((g->b[8] & 0x3Fu) | 0x80u);
    return RSVD_OK;
}

/* What 3.2.4.3.5 asks for on this tree. */
typedef struct durable_ask {
    bool dhnq, dh2q, persistent;
    uint8_t oplock_level;
    rsvd_guid create_guid;
} durable_ask;

static int decide_durable(rsvd_res_client *cli, const cli_conn *c, const cli_tree *t,
                          const rsvd_res_client_create_params *p, durable_ask *a)
{
    memset(a, 0, sizeof *a);
    a->oplock_level = p->requested_oplock_level;
    if (!(p->flags & RSVD_RES_CLIENT_CREATE_DURABLE))
        return RSVD_OK;
    if (cli_dialect_is_3x(c->dialect)) {
        /* 3.x: SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2; PERSISTENT MUST be set
         * if TreeConnect.IsCAShare; CreateGuid a new GUID. */
        a->dh2q = true;
        a->persistent = t->is_ca;
        if (p->flags & RSVD_RES_CLIENT_CREATE_GUID_GIVEN) {
            a->create_guid = p->create_guid;
        } else {
            int rc = new_create_guid(cli, &a->create_guid);
            if (rc != RSVD_OK)
                return rc;
        }
    } else {
        /* 2.0.2, 2.1: SMB2_CREATE_DURABLE_HANDLE_REQUEST. */
        a->dhnq = true;
    }
    /* Not persistent: SHOULD request a BATCH oplock or a lease with
     * HANDLE_CACHING (the host's RqLs when it asks for LEASE). */
    if (!a->persistent && a->oplock_level != RSVD_SMB2_OPLOCK_LEVEL_LEASE)
        a->oplock_level = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    return RSVD_OK;
}

static int build_contexts(const rsvd_res_client_create_params *p, const durable_ask *a,
                          uint32_t timeout_ms, uint8_t *chain, size_t cap, size_t *len)
{
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, cap);
    uint8_t data[RSVD_SMB2_DH2Q_REQ_SIZE];
    size_t dn = 0;
    int rc = RSVD_OK;
    if (a->dh2q) {
        /* Timeout as the application gives it (0: the server's choice,
         * <152>); Flags; Reserved 0; CreateGuid. */
        rsvd_smb2_dh2q_req q;
        memset(&q, 0, sizeof q);
        q.timeout = timeout_ms;
        q.flags = a->persistent ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0u;
        q.create_guid = a->create_guid;
        rc = rsvd_smb2_dh2q_req_encode(&q, data, sizeof data, &dn);
        if (rc == RSVD_OK)
            rc = rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST_V2,
                                          RSVD_SMB2_CC_TAG_LEN, data, dn);
    } else if (a->dhnq) {
        /* DurableRequest: 16 reserved bytes, 0. */
        rc = rsvd_smb2_dhnq_req_encode(data, sizeof data, &dn);
        if (rc == RSVD_OK)
            rc = rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST,
                                          RSVD_SMB2_CC_TAG_LEN, data, dn);
    }
    /* "Append ... to the other create contexts": the host's follow. */
    for (size_t i = 0; rc == RSVD_OK && i < p->n_extra; i++)
        rc = rsvd_smb2_cc_builder_add(&b, p->extra[i].name, p->extra[i].name_len,
                                      p->extra[i].data, p->extra[i].data_len);
    if (rc == RSVD_OK)
        rc = rsvd_smb2_cc_builder_finish(&b, len);
    return rc == RSVD_E_NOSPC ? RSVD_E_INVAL : rc;
}

static void free_creating(rsvd_res_client *cli, cli_open *o, cli_req *r)
{
    if (r)
        cli_req_free(cli, r);
    if (o) {
        rsvd_mem_free(cli->mem, o->name);
        rsvd_mem_free(cli->mem, o);
    }
}

/* [MS-SMB2] 3.2.4.3, 3.2.4.3.5 */
int rsvd_res_client_create(rsvd_res_client *cli, uint64_t tree,
                           const rsvd_res_client_create_params *params, void *req_user_data,
                           uint8_t *buf, size_t cap, rsvd_res_client_msg *out, uint64_t *open)
{
    if (!cli || !out || !open || (!buf && cap))
        return RSVD_E_INVAL;
    if (cli->in_callback)
        return RSVD_E_BUSY;
    memset(out, 0, sizeof *out);
    *open = 0;
    rsvd_res_client_create_params p;
    int rc = rsvd_struct_import(&p, sizeof p, params, RSVD_V0_RES_CLIENT_CREATE_PARAMS);
    if (rc != RSVD_OK)
        return rc;
    const uint32_t known = RSVD_RES_CLIENT_CREATE_DURABLE | RSVD_RES_CLIENT_CREATE_GUID_GIVEN;
    if ((p.flags & ~known) || (p.name_len && !p.name) || p.name_len > RSVD_RES_CLIENT_NAME_MAX ||
        (p.name_len & 1u) || (p.n_extra && !p.extra))
        return RSVD_E_INVAL;
    if ((p.flags & RSVD_RES_CLIENT_CREATE_GUID_GIVEN) && rsvd_guid_is_zero(&p.create_guid))
        return RSVD_E_INVAL;
    cli_tree *t = rsvd_handle_table_get(&cli->trees, tree);
    if (!t)
        return RSVD_E_NOENT;
    /* 3.2.4.1.7: the channel; 3.2.4.1.5: CreditCharge 1 with multi-credit. */
    cli_conn *c = cli_select_conn(t->sess);
    if (!c)
        return RSVD_E_AGAIN;
    uint16_t charge = c->multi_credit ? 1u : 0u;
    uint16_t n = cli_consumed(charge);
    rc = cli_window_check(cli, c, n);
    if (rc != RSVD_OK)
        return rc;
    durable_ask a;
    rc = decide_durable(cli, c, t, &p, &a);
    if (rc != RSVD_OK)
        return rc;
    uint8_t chain[CLI_CREATE_CC_MAX];
    size_t chain_len = 0;
    rc = build_contexts(&p, &a, p.durable_timeout_ms, chain, sizeof chain, &chain_len);
    if (rc != RSVD_OK)
        return rc;

    if (!buf)
        return RSVD_E_NOSPC; /* no room for the message (cap 0) */
    /* Everything the open and its request need, before anything changes:
     * room for its deadline (a later disconnect never fails for memory),
     * the open, its name, the request and its Request.Message. */
    rc = rsvd_heap_reserve(&cli->deadlines, (size_t)cli->opens.count + 1u);
    if (rc != RSVD_OK)
        return rc;
    cli_open *o = rsvd_mem_calloc(cli->mem, 1, sizeof *o);
    if (!o)
        return RSVD_E_NOMEM;
    rsvd_list_init(&o->requests);
    if (p.name_len) {
        o->name = rsvd_mem_alloc(cli->mem, p.name_len);
        if (!o->name) {
            free_creating(cli, o, NULL);
            return RSVD_E_NOMEM;
        }
        memcpy(o->name, p.name, p.name_len);
    }
    cli_req *r = cli_req_new(cli, RSVD_RES_REQ_CREATE, o, req_user_data);
    if (!r) {
        free_creating(cli, o, NULL);
        return RSVD_E_NOMEM;
    }
    rsvd_smb2_create_req m;
    memset(&m, 0, sizeof m);
    /* Header: Command CREATE, MessageId (3.2.4.1.3), SessionId, TreeId,
     * ChannelSequence (3.2.4.1). */
    cli_hdr_init(&m.hdr, c, t, charge, cli_credit_request(cli, c, n), c->next_id);
    m.hdr.command = RSVD_SMB2_CREATE;
    m.requested_oplock_level = a.oplock_level;
    m.impersonation_level = p.impersonation_level;
    m.desired_access = p.desired_access;
    m.file_attributes = p.file_attributes;
    m.share_access = p.share_access;
    m.create_disposition = p.create_disposition;
    m.create_options = p.create_options;
    m.name_offset = RSVD_SMB2_CREATE_REQ_BUFFER_OFFSET;
    m.name_length = (uint16_t)p.name_len;
    m.name = p.name;
    m.create_contexts_length = (uint32_t)chain_len;
    m.create_contexts = chain_len ? chain : NULL;
    size_t len = 0;
    rc = rsvd_smb2_create_req_encode(&m, buf, cap, &len);
    if (rc == RSVD_OK) {
        r->msg = rsvd_mem_alloc(cli->mem, len);
        rc = r->msg ? RSVD_OK : RSVD_E_NOMEM;
    }
    if (rc == RSVD_OK)
        rc = rsvd_handle_table_add(&cli->opens, o, &o->handle);
    if (rc != RSVD_OK) {
        free_creating(cli, o, r);
        return rc;
    }
    memcpy(r->msg, buf, len);
    r->msg_len = len;
    r->dhnq = a.dhnq;
    r->dh2q = a.dh2q;

    /* The open, CREATING on its tree until the response. What 3.2.4.4
     * rebuilds the CREATE from is kept as 3.2.5.7 copies it. */
    o->state = CLI_OPEN_CREATING;
    o->tree = t;
    rsvd_list_append(&t->opens, &o->tree_node);
    o->name_len = p.name_len;
    o->desired_access = p.desired_access;
    o->file_attributes = p.file_attributes;
    o->share_access = p.share_access;
    o->create_disposition = p.create_disposition;
    o->create_options = p.create_options;
    o->oplock_level = a.oplock_level;
    o->create_guid = a.create_guid; /* kept from the request (gap D13) */
    o->user_data = p.user_data;
    cli_req_send(c, r, n);
    rsvd_list_append(&o->requests, &r->open_node);
    *open = o->handle;
    out->conn = c->handle;
    out->message_id = r->message_id;
    out->len = len;
    return RSVD_OK;
}

int cli_create_build_replay(const cli_req *r, const cli_conn *c, const cli_session *ss,
                            uint64_t message_id, uint16_t charge, uint16_t credit_request,
                            uint8_t *buf, size_t cap, size_t *len)
{
    if (cap < r->msg_len)
        return RSVD_E_NOSPC;
    memcpy(buf, r->msg, r->msg_len);
    *len = r->msg_len;
    return cli_hdr_restamp(buf, r->msg_len, c, ss, message_id, charge, credit_request, true);
}

/* The durable response contexts (3.2.5.7.1, 3.2.5.7.6). A context the
 * request did not ask for, or one that does not decode, makes the response
 * malformed. */
typedef struct durable_grant {
    bool durable, v2, persistent;
    uint32_t timeout_ms;
} durable_grant;

static uint32_t read_durable_grant(const cli_req *r, const rsvd_smb2_create_rsp *m,
                                   durable_grant *g)
{
    memset(g, 0, sizeof *g);
    rsvd_smb2_cc_iter it;
    rsvd_smb2_cc cc;
    rsvd_smb2_cc_iter_init(&it, m->create_contexts, m->create_contexts_length);
    int rc;
    while ((rc = rsvd_smb2_cc_iter_next(&it, &cc)) == RSVD_OK) {
        if (cc.name_length != RSVD_SMB2_CC_TAG_LEN)
            continue;
        if (memcmp(cc.name, RSVD_SMB2_CC_DURABLE_HANDLE_RESPONSE, RSVD_SMB2_CC_TAG_LEN) == 0) {
            /* 3.2.5.7.1: Open.Durable = TRUE. */
            if (!(r->dhnq || r->dh2q) || rsvd_smb2_dhnq_rsp_decode(cc.data, cc.data_length) != RSVD_OK)
                return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
            g->durable = true;
        } else if (memcmp(cc.name, RSVD_SMB2_CC_DURABLE_HANDLE_RESPONSE_V2,
                          RSVD_SMB2_CC_TAG_LEN) == 0) {
            /* 3.2.5.7.6: Durable TRUE, IsPersistent from Flags,
             * DurableTimeout = Timeout. */
            rsvd_smb2_dh2q_rsp q;
            if (!r->dh2q || rsvd_smb2_dh2q_rsp_decode(cc.data, cc.data_length, &q) != RSVD_OK)
                return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
            g->durable = true;
            g->v2 = true;
            g->persistent = (q.flags & RSVD_SMB2_DHANDLE_FLAG_PERSISTENT) != 0;
            g->timeout_ms = q.timeout;
        }
    }
    return rc == RSVD_E_NOENT ? RSVD_STATUS_SUCCESS : RSVD_STATUS_INVALID_NETWORK_RESPONSE;
}

/* [MS-SMB2] 3.2.5.7 */
uint32_t cli_create_response(rsvd_res_client *cli, cli_req *r, const rsvd_smb2_hdr *h,
                             const uint8_t *msg, size_t len, bool *keep)
{
    cli_open *o = r->open;
    uint32_t status = h->status;
    rsvd_smb2_create_rsp m;
    durable_grant g;
    memset(&g, 0, sizeof g);
    if (status != RSVD_STATUS_SUCCESS) {
        if (!cli_error_body_ok(msg, len)) {
            status = RSVD_STATUS_INVALID_NETWORK_RESPONSE;
        } else if (status == RSVD_STATUS_SERVER_UNAVAILABLE &&
                   cli_replay_allowed(r->conn, r->replays)) {
            /* 3.x, the server has persistent handles or multi-channel:
             * SHOULD replay with SMB2_FLAGS_REPLAY_OPERATION (<193>); read
             * before "return the error". */
            *keep = true;
            return status;
        }
    } else if (rsvd_smb2_create_rsp_decode(msg, len, &m) != RSVD_OK) {
        status = RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    } else {
        status = read_durable_grant(r, &m, &g);
    }
    cli_req_free(cli, r);
    if (status != RSVD_STATUS_SUCCESS) {
        /* The error goes to the application; no open came of it. */
        cli_open_abandon(cli, o);
        return status;
    }
    /* Success: Open.FileId, OplockLevel; Durable FALSE, ResilientHandle
     * FALSE, LastDisconnectTime 0, every bucket Free (as created), then the
     * durable contexts. (The "Otherwise, set Durable to FALSE" of 3.2.5.7.1
     * and 3.2.5.7.6 cannot undo the other's grant: reference 4.6.) */
    o->file_id = m.file_id;
    o->oplock_level = m.oplock_level;
    o->durable = g.durable;
    o->durable_v2 = g.v2;
    o->persistent = g.persistent;
    o->durable_timeout_ms = g.timeout_ms;
    o->state = CLI_OPEN_CONNECTED;
    return RSVD_STATUS_SUCCESS;
}
