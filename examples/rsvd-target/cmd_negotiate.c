/*
 * rsvd-target: NEGOTIATE ([MS-SMB2] 3.3.5.3.1, 3.3.5.4) and
 * FSCTL_VALIDATE_NEGOTIATE_INFO ([MS-SMB2] 3.3.5.15.12).
 */
#include <string.h>

#include "preserve.h"
#include "smb2_negotiate.h"
#include "target.h"
#include "trace.h"
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

/* The security buffer of a NEGOTIATE response: SPNEGO offering NTLMSSP. */
static size_t security_hint(uint8_t *buf, size_t cap)
{
    size_t n = 0;
    return tgt_auth_negotiate_hint(buf, cap, &n) == 0 ? n : 0;
}

/* Fills what every NEGOTIATE response carries. */
static void response_fields(const tgt_conn *c, tgt_negotiate_rsp *m)
{
    const tgt_server *srv = c->srv;
    uint32_t max_io = srv->cfg->limits.max_io;
    m->security_mode = c->server_security_mode;
    m->dialect_revision = c->dialect;
    m->server_guid = srv->guid;
    m->capabilities = c->server_capabilities;
    /* [MS-SMB2] 3.3.5.4: 2.0.2 has no multi-credit requests: 64 KiB. */
    if (c->dialect == RSVD_SMB2_DIALECT_202 || c->dialect == TGT_SMB2_DIALECT_WILDCARD)
        max_io = 65536u;
    m->max_transact_size = max_io;
    m->max_read_size = max_io;
    m->max_write_size = max_io;
    m->system_time = tgt_filetime_now();
    m->server_start_time = 0; /* [MS-SMB2] 2.2.4: 0 */
}

/* [MS-SMB2] 3.3.5.3.1: an SMB_COM_NEGOTIATE that offers SMB2. */
void tgt_cmd_smb1_negotiate(tgt_conn *c, const uint8_t *msg, size_t len)
{
    tgt_smb1_negotiate n;
    if (tgt_smb1_negotiate_decode(msg, len, &n) != RSVD_OK || (!n.smb2_wildcard && !n.smb2_002)) {
        tgt_conn_close(c, "an SMB1 NEGOTIATE that does not offer SMB2");
        return;
    }
    c->server_security_mode = TGT_NEGOTIATE_SIGNING_ENABLED;
    if (n.smb2_wildcard) {
        /* "SMB 2.???": answer the wildcard revision; an SMB2 NEGOTIATE
         * follows. */
        c->dialect = TGT_SMB2_DIALECT_WILDCARD;
        c->smb1_wildcard = true;
    } else {
        c->dialect = RSVD_SMB2_DIALECT_202;
        c->negotiated = true;
        if (tgt_preserve_conn_add(c->srv->pres, c) != 0) {
            tgt_conn_close(c, "too many connections for the resilient server");
            return;
        }
    }
    tgt_negotiate_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr.command = RSVD_SMB2_NEGOTIATE;
    m.hdr.flags = RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    m.hdr.message_id = 0;
    m.hdr.credit = tgt_conn_smb1_credits(c);
    response_fields(c, &m);
    uint8_t hint[128];
    m.security_buffer_length = (uint16_t)security_hint(hint, sizeof hint);
    m.security_buffer = m.security_buffer_length ? hint : NULL;
    uint8_t rsp[512];
    size_t n_out = 0;
    if (tgt_negotiate_rsp_encode(&m, rsp, sizeof rsp, &n_out) == RSVD_OK) {
        tgt_trace_message(c, false, rsp, n_out);
        (void)tgt_conn_send_frame(c, rsp, n_out);
    }
}

/* [MS-SMB2] 3.3.5.4 */
void tgt_cmd_negotiate(tgt_req *r)
{
    tgt_conn *c = r->conn;
    tgt_negotiate_req q;
    /* [MS-SMB2] 3.3.5.2.4: a signed NEGOTIATE is STATUS_INVALID_PARAMETER. */
    if (tgt_negotiate_req_decode(r->msg, r->len, &q) != RSVD_OK || q.dialect_count == 0 ||
        r->signed_req) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    /* The highest dialect both sides speak. */
    uint16_t dialect = 0;
    for (size_t i = 0; i < TGT_DIALECT_COUNT && !dialect; i++)
        for (uint16_t j = 0; j < q.dialect_count; j++)
            if (tgt_negotiate_req_dialect(&q, j) == tgt_dialects[i])
                dialect = tgt_dialects[i];
    if (!dialect) {
        tgt_req_fail(r, RSVD_STATUS_NOT_SUPPORTED);
        return;
    }
    c->dialect = dialect;
    c->client_security_mode = q.security_mode;
    c->client_capabilities = q.capabilities;
    c->client_guid = q.client_guid;
    c->server_security_mode = TGT_NEGOTIATE_SIGNING_ENABLED; /* enabled, not required */
    /* Direct TCP: multi-credit from 2.1 on. */
    c->supports_multi_credit = dialect != RSVD_SMB2_DIALECT_202;
    c->server_capabilities = 0;
    if (dialect != RSVD_SMB2_DIALECT_202)
        c->server_capabilities |= TGT_CAP_LARGE_MTU;
    if (r->srv->cfg->multichannel &&
        (dialect == RSVD_SMB2_DIALECT_300 || dialect == RSVD_SMB2_DIALECT_302))
        c->server_capabilities |= TGT_CAP_MULTI_CHANNEL;
    /* [MS-SMB2] 3.3.5.4: SMB2_GLOBAL_CAP_PERSISTENT_HANDLES on 3.x when a
     * share is continuously available (persistent handles are the
     * library's, 3.3.5.9.10). */
    if (dialect == RSVD_SMB2_DIALECT_300 || dialect == RSVD_SMB2_DIALECT_302)
        for (size_t i = 0; i < r->srv->nshares; i++)
            if (r->srv->shares[i].ca)
                c->server_capabilities |= TGT_CAP_PERSISTENT_HANDLES;
    c->negotiated = true;
    c->smb1_wildcard = false;
    if (tgt_preserve_conn_add(r->srv->pres, c) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        tgt_conn_close(c, "too many connections for the resilient server");
        return;
    }
    tgt_log(r->srv, "%s: dialect 0x%04x%s", c->peer, dialect,
            (c->server_capabilities & TGT_CAP_MULTI_CHANNEL) ? ", multichannel" : "");

    tgt_negotiate_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS);
    response_fields(c, &m);
    uint8_t hint[128];
    m.security_buffer_length = (uint16_t)security_hint(hint, sizeof hint);
    m.security_buffer = m.security_buffer_length ? hint : NULL;
    if (tgt_req_reserve(r, 512, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, tgt_negotiate_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

/* [MS-SMB2] 3.3.5.15.12: the client checks that nobody changed the
 * NEGOTIATE on the way. Called by the IOCTL handler. */
void tgt_validate_negotiate(tgt_req *r, const rsvd_smb2_ioctl_req *q)
{
    tgt_conn *c = r->conn;
    tgt_validate_negotiate_req v;
    /* The FileId must be all 0xFF ([MS-SMB2] 3.3.5.15); a dialect 3.1.1
     * connection never gets here (this server does not speak it). */
    if (q->file_id.persistent_id != UINT64_MAX || q->file_id.volatile_id != UINT64_MAX ||
        tgt_validate_negotiate_req_decode(q->input, q->input_count, &v) != RSVD_OK) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    if (q->max_output_response < TGT_VALIDATE_NEGOTIATE_RSP_SIZE) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    /* The dialect the request's list selects must be Connection.Dialect,
     * and Capabilities, Guid and SecurityMode must be what NEGOTIATE had;
     * otherwise the server MUST terminate the connection. */
    uint16_t dialect = 0;
    for (size_t i = 0; i < TGT_DIALECT_COUNT && !dialect; i++)
        for (uint16_t j = 0; j < v.dialect_count; j++)
            if (tgt_validate_negotiate_req_dialect(&v, j) == tgt_dialects[i])
                dialect = tgt_dialects[i];
    if (v.capabilities != c->client_capabilities || !rsvd_guid_equal(&v.guid, &c->client_guid) ||
        v.security_mode != c->client_security_mode || dialect != c->dialect) {
        tgt_warn("%s: VALIDATE_NEGOTIATE_INFO does not match NEGOTIATE: disconnecting", c->peer);
        tgt_conn_close(c, "VALIDATE_NEGOTIATE_INFO mismatch");
        tgt_req_free(r);
        return;
    }
    tgt_validate_negotiate_rsp out = {c->server_capabilities, r->srv->guid,
                                      c->server_security_mode, c->dialect};
    uint8_t body[TGT_VALIDATE_NEGOTIATE_RSP_SIZE];
    size_t body_len = 0;
    (void)tgt_validate_negotiate_rsp_encode(&out, body, sizeof body, &body_len);
    rsvd_smb2_ioctl_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS);
    m.ctl_code = q->ctl_code;
    m.file_id = q->file_id;
    m.input_offset = RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET;
    m.output_offset = RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET;
    m.output_count = (uint32_t)body_len;
    m.output = body;
    if (tgt_req_reserve(r, 256, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    /* Signed like any response of a session that signs: the request came
     * signed ([MS-SMB2] 3.3.5.15.12). */
    tgt_req_encoded(r, rsvd_smb2_ioctl_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}
