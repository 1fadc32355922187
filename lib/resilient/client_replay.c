/*
 * Preserved opens, client role: what is sent again. The ChannelSequence of
 * every request ([MS-SMB2] 3.2.4.1), the library's requests re-sent after
 * a reconnect (3.2.5.8, gap G1) or replayed (3.2.5.7, 3.2.5.14, 3.2.7.1),
 * and the replays of the host's own requests (3.2.5.7 <193>, 3.2.5.12
 * <194>, 3.2.5.14 <195>, 3.2.5.18 <201>, 3.2.7.1).
 *
 * A replay is the original request with SMB2_FLAGS_REPLAY_OPERATION set,
 * the current Session.ChannelSequence and a new MessageId of the channel
 * it goes on; the flag is only valid on 3.x, so a re-sent LOCK of a 2.x
 * session goes without it.
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "resilient/client_int.h"

/* The oldest request of @p o kept for re-sending, or NULL. */
static cli_req *next_kept(cli_open *o)
{
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &o->requests)
    {
        cli_req *q = RSVD_CONTAINER_OF(it, cli_req, open_node);
        if (!q->conn)
            return q;
    }
    return NULL;
}

int rsvd_res_client_resend_next(rsvd_res_client *cli, uint64_t open, uint8_t *buf, size_t cap,
                                rsvd_res_client_msg *out)
{
    if (!cli || !out || (!buf && cap))
        return RSVD_E_INVAL;
    if (cli->in_callback)
        return RSVD_E_BUSY;
    memset(out, 0, sizeof *out);
    cli_open *o = rsvd_handle_table_get(&cli->opens, open);
    if (!o)
        return RSVD_E_NOENT;
    if (o->resend_pending == 0)
        return RSVD_E_NOENT;
    if (o->state == CLI_OPEN_DETACHED)
        return RSVD_E_STATE;
    cli_req *r = next_kept(o);
    if (!r)
        return RSVD_E_NOENT;
    /* 3.2.4.1.7: a channel of the session (the one left after a lost
     * channel). */
    cli_conn *c = cli_select_conn(o->tree->sess);
    if (!c)
        return RSVD_E_AGAIN;
    uint16_t charge = r->kind == RSVD_RES_REQ_RESILIENCY
                          ? cli_credit_charge(c, RSVD_SMB2_NETWORK_RESILIENCY_REQUEST_SIZE, 0)
                          : (c->multi_credit ? 1u : 0u); /* 3.2.4.1.5 */
    uint16_t n = cli_consumed(charge);
    int rc = cli_window_check(cli, c, n);
    if (rc != RSVD_OK)
        return rc;
    uint16_t credit_request = cli_credit_request(cli, c, n);
    bool replay = cli_dialect_is_3x(c->dialect); /* the flag is 3.x only (2.2.1) */
    switch (r->kind) {
    case RSVD_RES_REQ_LOCK:
        /* The original LockSequence and elements; the open's FileId now. */
        rc = cli_lock_build(cli, r, c, c->next_id, charge, credit_request, replay, buf, cap,
                            &out->len);
        break;
    case RSVD_RES_REQ_RESILIENCY:
        rc = cli_resiliency_build(cli, r, c, c->next_id, charge, credit_request, true, buf, cap,
                                  &out->len);
        break;
    default: /* RSVD_RES_REQ_CREATE: its Request.Message */
        rc = cli_create_build_replay(r, c, o->tree->sess, c->next_id, charge, credit_request, buf,
                                     cap, &out->len);
        break;
    }
    if (rc != RSVD_OK)
        return rc;
    if (r->kind != RSVD_RES_REQ_LOCK)
        r->replays++;
    o->resend_pending--;
    cli_req_send(c, r, n);
    out->conn = c->handle;
    out->message_id = r->message_id;
    return RSVD_OK;
}

int rsvd_res_client_channel_sequence(const rsvd_res_client *cli, uint64_t session,
                                     uint16_t *channel_sequence)
{
    if (!cli || !channel_sequence)
        return RSVD_E_INVAL;
    const cli_session *ss = rsvd_handle_table_get(&cli->sessions, session);
    if (!ss)
        return RSVD_E_NOENT;
    /* Every channel of a session reaches the same server with the same
     * dialect and capabilities: the first one answers. */
    const cli_conn *c = cli_select_conn(ss);
    *channel_sequence = c ? cli_channel_sequence(c, ss) : 0;
    return RSVD_OK;
}

/* Does the host's request @p h that got @p status get replayed? */
static bool host_replay_rule(const rsvd_smb2_hdr *h, const uint8_t *msg, size_t len,
                             uint32_t status)
{
    switch (h->command) {
    case RSVD_SMB2_CREATE: {
        /* 3.2.5.7: STATUS_SERVER_UNAVAILABLE (SHOULD <193>). */
        if (status == RSVD_STATUS_SERVER_UNAVAILABLE)
            return true;
        /* 3.2.7.1: an outstanding CREATE carrying DH2Q, its channel lost
         * while the session keeps another. */
        if (status != RSVD_STATUS_CONNECTION_DISCONNECTED)
            return false;
        rsvd_smb2_create_req q;
        rsvd_smb2_cc cc;
        return rsvd_smb2_create_req_decode(msg, len, &q) == RSVD_OK &&
               rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length,
                                 RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST_V2, RSVD_SMB2_CC_TAG_LEN,
                                 &cc) == RSVD_OK;
    }
    case RSVD_SMB2_WRITE:    /* 3.2.5.12, SHOULD <194> */
    case RSVD_SMB2_IOCTL:    /* 3.2.5.14, SHOULD <195> */
    case RSVD_SMB2_SET_INFO: /* 3.2.5.18, SHOULD <201> */
        return status == RSVD_STATUS_FILE_NOT_AVAILABLE;
    default:
        return false;
    }
}

int rsvd_res_client_replay_request(rsvd_res_client *cli, uint64_t session, uint32_t status,
                                   uint32_t replays, uint8_t *msg, size_t len,
                                   rsvd_res_client_msg *out)
{
    if (!cli || !msg || !out)
        return RSVD_E_INVAL;
    if (cli->in_callback)
        return RSVD_E_BUSY;
    memset(out, 0, sizeof *out);
    cli_session *ss = rsvd_handle_table_get(&cli->sessions, session);
    if (!ss)
        return RSVD_E_NOENT;
    rsvd_smb2_hdr h;
    if (rsvd_smb2_hdr_decode(msg, len, &h) != RSVD_OK || rsvd_smb2_hdr_is_response(&h) ||
        rsvd_smb2_hdr_is_async(&h) || h.session_id != ss->session_id)
        return RSVD_E_INVAL;
    cli_conn *c = cli_select_conn(ss);
    if (!c)
        return RSVD_E_AGAIN;
    /* 3.x, the server has persistent handles or multi-channel, fewer than
     * three replays, and the command and status the sections name. */
    if (!cli_replay_allowed(c, replays) || !host_replay_rule(&h, msg, len, status))
        return RSVD_E_NOTSUP;
    /* CreditCharge ids, lowest first (3.2.4.1.3), as for any request of
     * the host; its CreditRequest stays the host's. */
    uint16_t n = cli_consumed(h.credit_charge);
    if (c->end_id - c->next_id < n)
        return RSVD_E_LIMIT;
    uint64_t mid = c->next_id;
    int rc = cli_hdr_restamp(msg, len, c, ss, mid, h.credit_charge, h.credit, true);
    if (rc != RSVD_OK)
        return rc;
    c->next_id += n; /* the host's request: taken from the window, not in flight here */
    out->conn = c->handle;
    out->message_id = mid;
    out->len = len;
    return RSVD_OK;
}
