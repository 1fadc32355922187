/*
 * Preserved opens, client role: re-establishing a durable, persistent or
 * resilient open after a network disconnect ([MS-SMB2] 3.2.4.4
 * Re-establishing a Durable Open, 3.2.5.8 Receiving an SMB2 CREATE
 * Response for an Open Reestablishment).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "resilient/client_int.h"

/* Room for the DHnC context and the host's extra contexts. */
#define CLI_RECONNECT_CC_MAX 1024u

int rsvd_res_client_reconnect_create(rsvd_res_client *cli, uint64_t open, uint64_t tree,
                                     uint64_t now_ms, const rsvd_res_client_cc *extra,
                                     size_t n_extra, uint8_t *buf, size_t cap,
                                     rsvd_res_client_msg *out)
{
    if (!cli || !out || (!buf && cap) || (n_extra && !extra))
        return RSVD_E_INVAL;
    if (cli->in_callback)
        return RSVD_E_BUSY;
    memset(out, 0, sizeof *out);
    cli_open *o = rsvd_handle_table_get(&cli->opens, open);
    if (!o)
        return RSVD_E_NOENT;
    if (o->state != CLI_OPEN_DETACHED || o->attempt)
        return RSVD_E_STATE;
    /* 3.2.7.1: keep trying for ResilientTimeout (DurableTimeout) after the
     * disconnect, then give the open up. */
    if (o->timed && now_ms > o->deadline_ms) {
        cli_attempt_failed(cli, o, now_ms);
        return RSVD_E_NOENT;
    }
    cli_tree *t = rsvd_handle_table_get(&cli->trees, tree);
    if (!t)
        return RSVD_E_NOENT;
    cli_conn *c = cli_select_conn(t->sess);
    if (!c)
        return RSVD_E_AGAIN;
    uint16_t charge = c->multi_credit ? 1u : 0u; /* 3.2.4.1.5 */
    uint16_t n = cli_consumed(charge);
    int rc = cli_window_check(cli, c, n);
    if (rc != RSVD_OK)
        return rc;

    /* Step 3: 3.x -> SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2 {Open.FileId,
     * Open.CreateGuid, PERSISTENT if Open.IsPersistent}; 2.1 ->
     * SMB2_CREATE_DURABLE_HANDLE_RECONNECT {Open.FileId}. Decisions: DH2C
     * only for an open granted through DH2Q - a DHnQ or resilient-only open
     * never had a CreateGuid (pitfall P1) - and DHnC on 2.0.2 too, which
     * has durable handles but no context named (reference 4.5). */
    uint8_t ccbuf[CLI_RECONNECT_CC_MAX];
    uint8_t ctx[RSVD_SMB2_DH2C_SIZE];
    size_t ctx_len = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, ccbuf, sizeof ccbuf);
    if (o->durable_v2 && cli_dialect_is_3x(c->dialect)) {
        rsvd_smb2_dh2c d;
        memset(&d, 0, sizeof d);
        d.file_id = o->file_id;
        d.create_guid = o->create_guid;
        d.flags = o->persistent ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0u;
        rc = rsvd_smb2_dh2c_encode(&d, ctx, sizeof ctx, &ctx_len);
        if (rc == RSVD_OK)
            rc = rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2,
                                          RSVD_SMB2_CC_TAG_LEN, ctx, ctx_len);
    } else {
        rc = rsvd_smb2_dhnc_encode(&o->file_id, ctx, sizeof ctx, &ctx_len);
        if (rc == RSVD_OK)
            rc = rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT,
                                          RSVD_SMB2_CC_TAG_LEN, ctx, ctx_len);
    }
    /* Step 4 (a lease context with File.LeaseState) comes from the host. */
    for (size_t i = 0; rc == RSVD_OK && i < n_extra; i++)
        rc = rsvd_smb2_cc_builder_add(&b, extra[i].name, extra[i].name_len, extra[i].data,
                                      extra[i].data_len);
    size_t cc_len = 0;
    if (rc == RSVD_OK)
        rc = rsvd_smb2_cc_builder_finish(&b, &cc_len);
    if (rc != RSVD_OK)
        return rc == RSVD_E_NOSPC ? RSVD_E_INVAL : rc;

    cli_req *r = cli_req_new(cli, RSVD_RES_REQ_RECONNECT, o, NULL);
    if (!r)
        return RSVD_E_NOMEM;
    rsvd_smb2_create_req m;
    memset(&m, 0, sizeof m);
    /* Step 2: header Command CREATE, MessageId per 3.2.4.1.3, SessionId and
     * TreeId of the tree connect. */
    cli_hdr_init(&m.hdr, c, t, charge, cli_credit_request(cli, c, n), c->next_id);
    m.security_flags = 0;
    m.requested_oplock_level = o->oplock_level;   /* Open.OplockLevel */
    m.impersonation_level = 0;                    /* "set to 0" */
    m.desired_access = o->desired_access;         /* Open.DesiredAccess */
    m.file_attributes = o->file_attributes;       /* Open.FileAttributes */
    m.share_access = o->share_access;             /* Open.ShareMode */
    m.create_disposition = o->create_disposition; /* Open.CreateDisposition */
    m.create_options = o->create_options;         /* Open.CreateOptions */
    m.name_offset = RSVD_SMB2_CREATE_REQ_BUFFER_OFFSET;
    m.name_length = (uint16_t)o->name_len;        /* the relative path */
    m.name = o->name;
    m.create_contexts_length = (uint32_t)cc_len;
    m.create_contexts = ccbuf;
    rc = rsvd_smb2_create_req_encode(&m, buf, cap, &out->len);
    if (rc != RSVD_OK) {
        cli_req_free(cli, r);
        return rc;
    }
    r->target_tree = t->handle;
    t->n_targets++;
    cli_req_send(c, r, n);
    o->attempt = r;
    out->conn = c->handle;
    out->message_id = r->message_id;
    return RSVD_OK;
}

/* [MS-SMB2] 3.2.5.8 */
uint32_t cli_reconnect_response(rsvd_res_client *cli, cli_req *r, const rsvd_smb2_hdr *h,
                                const uint8_t *msg, size_t len, uint64_t now_ms)
{
    cli_open *o = r->open;
    cli_tree *t = rsvd_handle_table_get(&cli->trees, r->target_tree);
    if (t)
        t->n_targets--;
    uint32_t status = h->status;
    rsvd_smb2_create_rsp m;
    if (status != RSVD_STATUS_SUCCESS) {
        if (!cli_error_body_ok(msg, len))
            status = RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    } else if (rsvd_smb2_create_rsp_decode(msg, len, &m) != RSVD_OK ||
               m.file_id.persistent_id != o->file_id.persistent_id) {
        /* The persistent part survives a reconnect (2.2.14.1). */
        status = RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    } else if (!t) {
        status = RSVD_STATUS_NETWORK_NAME_DELETED; /* its tree connect is gone */
    }
    cli_req_free(cli, r);
    if (status != RSVD_STATUS_SUCCESS) {
        /* Returned to the caller of 3.2.4.4; the open waits for another
         * attempt or, its time being over, is given up (3.2.7.1). */
        cli_attempt_failed(cli, o, now_ms);
        return status;
    }
    /* Success: Open.FileId (new volatile part), Open.TreeConnect and
     * Open.Connection anew; into Session.OpenTable. Unfinished LOCKs are
     * re-sent next (rsvd_res_client_resend_next). */
    o->oplock_level = m.oplock_level;
    cli_open_reattach(cli, o, t, &m.file_id);
    return RSVD_STATUS_SUCCESS;
}
