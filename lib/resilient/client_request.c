/*
 * Preserved opens, client role: the application requests resiliency
 * ([MS-SMB2] 3.2.4.20.8), and every response of the library's requests
 * (3.2.5.1 generic processing, 3.2.5.14 / 3.2.5.14.9 for the resiliency
 * response with its replay; LOCK, CREATE and reconnect CREATE responses
 * are handed to client_lock.c, client_create.c and client_reconnect.c).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "resilient/client_int.h"

int cli_resiliency_build(const rsvd_res_client *cli, const cli_req *r, const cli_conn *c,
                         uint64_t message_id, uint16_t charge, uint16_t credit_request,
                         bool replay, uint8_t *buf, size_t cap, size_t *len)
{
    const cli_open *o = r->open;
    rsvd_smb2_resiliency_req_args a;
    memset(&a, 0, sizeof a);
    rsvd_smb2_hdr h;
    cli_hdr_init(&h, c, o->tree, charge, credit_request, message_id);
    a.credit_charge = h.credit_charge;
    a.credit_request = h.credit;
    a.channel_sequence = (uint16_t)h.status;
    /* A replay (3.2.5.14) is the same request with the flag set. */
    a.hdr_flags = replay ? RSVD_SMB2_FLAGS_REPLAY_OPERATION : 0u;
    a.message_id = h.message_id;          /* 3.2.4.1.3 */
    a.tree_id = h.tree_id;                /* Open.TreeConnect.TreeConnectId */
    a.session_id = h.session_id;          /* Open.TreeConnect.Session.SessionId */
    a.file_id = o->file_id;               /* Open.FileId */
    a.timeout_ms = r->timeout_ms;         /* the application's time-out */
    a.options = cli->cfg.resiliency_options; /* OutputOffset: see docs/decisions.md */
    return rsvd_smb2_resiliency_req_build(&a, buf, cap, len);
}

/* [MS-SMB2] 3.2.4.20.8 Application Requests Resiliency on an Open File */
int rsvd_res_client_request_resiliency(rsvd_res_client *cli, uint64_t open, uint32_t timeout_ms,
                                       void *req_user_data, uint8_t *buf, size_t cap,
                                       rsvd_res_client_msg *out)
{
    if (!cli || !out || (!buf && cap))
        return RSVD_E_INVAL;
    if (cli->in_callback)
        return RSVD_E_BUSY;
    memset(out, 0, sizeof *out);
    /* The handle is invalid or names no Open -> an implementation error. */
    cli_open *o = rsvd_handle_table_get(&cli->opens, open);
    if (!o)
        return RSVD_E_NOENT;
    /* Select a connection (3.2.4.1.7); none -> fail the request. */
    if (o->state == CLI_OPEN_CREATING)
        return RSVD_E_STATE;
    if (o->state != CLI_OPEN_CONNECTED)
        return RSVD_E_AGAIN;
    cli_conn *c = cli_select_conn(o->tree->sess);
    if (!c)
        return RSVD_E_AGAIN;
    /* Open.Connection.Dialect "2.0.2" -> STATUS_NOT_SUPPORTED, nothing sent. */
    if (c->dialect == RSVD_SMB2_DIALECT_202)
        return RSVD_E_NOTSUP;
    /* 3.2.4.20: CreditCharge from max(InputCount 8, MaxOutputResponse 0). */
    uint16_t charge = cli_credit_charge(c, RSVD_SMB2_NETWORK_RESILIENCY_REQUEST_SIZE, 0);
    uint16_t n = cli_consumed(charge);
    int rc = cli_window_check(cli, c, n);
    if (rc != RSVD_OK)
        return rc;
    if (cap < RSVD_SMB2_RESILIENCY_REQ_SIZE)
        return RSVD_E_NOSPC;
    cli_req *r = cli_req_new(cli, RSVD_RES_REQ_RESILIENCY, o, req_user_data);
    if (!r)
        return RSVD_E_NOMEM;

    r->timeout_ms = timeout_ms; /* the application's time-out */
    rc = cli_resiliency_build(cli, r, c, c->next_id, charge, cli_credit_request(cli, c, n), false,
                              buf, cap, &out->len);
    if (rc != RSVD_OK) {
        cli_req_free(cli, r);
        return rc;
    }
    /* Otherwise, set Open.ResilientTimeout to the application's time-out
     * (never reset if the server refuses: gap G3). */
    o->resilient_timeout_ms = timeout_ms;
    cli_req_send(c, r, n);
    rsvd_list_append(&o->requests, &r->open_node);
    out->conn = c->handle;
    out->message_id = r->message_id;
    return RSVD_OK;
}

bool cli_error_body_ok(const uint8_t *msg, size_t len)
{
    const uint8_t *body;
    size_t body_len;
    cli_body(msg, len, &body, &body_len);
    rsvd_smb2_error e;
    return rsvd_smb2_error_decode(body, body_len, &e) == RSVD_OK;
}

/* [MS-SMB2] 3.2.5.14 / 3.2.5.14.9 Handling a Resiliency Response */
static uint32_t resiliency_response(cli_req *r, const rsvd_smb2_hdr *h, const uint8_t *msg,
                                    size_t len, bool *keep)
{
    cli_open *o = r->open;
    if (h->status != RSVD_STATUS_SUCCESS) {
        if (!cli_error_body_ok(msg, len))
            return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
        /* 3.2.5.14: 3.x, STATUS_FILE_NOT_AVAILABLE, the server has
         * persistent handles or multi-channel -> replay it (SHOULD <195>,
         * at most three times). */
        if (h->status == RSVD_STATUS_FILE_NOT_AVAILABLE && cli_replay_allowed(r->conn, r->replays))
            *keep = true;
        /* Otherwise an error: returned to the caller; the open is
         * unchanged. */
        return h->status;
    }
    rsvd_smb2_ioctl_rsp m;
    if (rsvd_smb2_ioctl_rsp_decode(msg, len, &m) != RSVD_OK)
        return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    /* The response must be about this FSCTL on this open; with OutputCount
     * 0 the OutputOffset is ignored (3.2.5.14 SHOULD<196>). */
    if (m.ctl_code != RSVD_FSCTL_LMR_REQUEST_RESILIENCY ||
        !rsvd_smb2_fileid_equal(&m.file_id, &o->file_id))
        return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    /* Success: Open.ResilientHandle = Open.Durable = TRUE. (Probing the
     * connection, the SHOULD<197>, is the host's: it owns the socket.) */
    o->resilient_handle = true;
    o->durable = true;
    return RSVD_STATUS_SUCCESS;
}

static uint16_t expected_command(rsvd_res_req_kind k)
{
    switch (k) {
    case RSVD_RES_REQ_RESILIENCY: return RSVD_SMB2_IOCTL;
    case RSVD_RES_REQ_LOCK: return RSVD_SMB2_LOCK;
    default: return RSVD_SMB2_CREATE; /* RECONNECT, CREATE */
    }
}

/* [MS-SMB2] 3.2.5.1 Receiving Any Message, for the library's requests */
int rsvd_res_client_on_response(rsvd_res_client *cli, uint64_t conn, const uint8_t *msg,
                                size_t len, uint64_t now_ms, rsvd_res_client_done *done)
{
    if (!cli || !msg || !done)
        return RSVD_E_INVAL;
    if (cli->in_callback)
        return RSVD_E_BUSY;
    memset(done, 0, sizeof *done);
    cli_conn *c = rsvd_handle_table_get(&cli->conns, conn);
    if (!c)
        return RSVD_E_NOENT;
    rsvd_smb2_hdr h;
    int rc = rsvd_smb2_hdr_decode(msg, len, &h);
    if (rc != RSVD_OK)
        return rc; /* nothing to match it with: discarded */
    /* Locate the request by MessageId in Connection.OutstandingRequests. */
    cli_req *r = NULL;
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &c->requests)
    {
        cli_req *q = RSVD_CONTAINER_OF(it, cli_req, conn_node);
        if (q->message_id == h.message_id) {
            r = q;
            break;
        }
    }
    if (!r)
        return RSVD_E_NOENT;
    /* 3.2.5.1.4: the credits granted join the window. */
    cli_window_grant(c, h.credit);
    cli_done_init(r, done);

    uint32_t status;
    bool keep = false;
    if (!rsvd_smb2_hdr_is_response(&h) || h.command != expected_command(r->kind)) {
        status = RSVD_STATUS_INVALID_NETWORK_RESPONSE; /* malformed */
    } else if (h.status == RSVD_STATUS_PENDING) {
        if (rsvd_smb2_hdr_is_async(&h)) {
            /* Interim response: the request stays in flight. */
            done->status = RSVD_STATUS_PENDING;
            done->final = false;
            return RSVD_OK;
        }
        status = RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    } else if (r->kind == RSVD_RES_REQ_RESILIENCY) {
        status = resiliency_response(r, &h, msg, len, &keep);
    } else if (r->kind == RSVD_RES_REQ_LOCK) {
        status = cli_lock_response(cli, r, &h, msg, len);
    } else if (r->kind == RSVD_RES_REQ_CREATE) {
        status = cli_create_response(cli, r, &h, msg, len, &keep);
        done->status = status;
        if (keep) {
            /* Kept for its replay (3.2.5.7): not over yet. */
            done->final = false;
            cli_req_keep(r);
        }
        return RSVD_OK; /* otherwise the request is already ended */
    } else {
        status = cli_reconnect_response(cli, r, &h, msg, len, now_ms);
        done->status = status;
        return RSVD_OK; /* the request is already ended */
    }
    done->status = status;
    if (keep) {
        /* Kept for its replay (3.2.5.14): not over yet. */
        done->final = false;
        cli_req_keep(r);
        return RSVD_OK;
    }
    if (r->kind == RSVD_RES_REQ_LOCK)
        cli_bucket_release(r->open, r->bucket); /* 3.2.5.13, whatever the status */
    else if (r->kind == RSVD_RES_REQ_RECONNECT) {
        /* A malformed reply to the reconnect: the attempt failed. */
        cli_open *o = r->open;
        cli_tree *t = rsvd_handle_table_get(&cli->trees, r->target_tree);
        if (t)
            t->n_targets--;
        cli_req_free(cli, r);
        cli_attempt_failed(cli, o, now_ms);
        return RSVD_OK;
    } else if (r->kind == RSVD_RES_REQ_CREATE) {
        /* A malformed reply to a new CREATE: no open came of it. */
        cli_open *o = r->open;
        cli_req_free(cli, r);
        cli_open_abandon(cli, o);
        return RSVD_OK;
    }
    cli_req_free(cli, r);
    return RSVD_OK;
}
