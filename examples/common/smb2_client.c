/*
 * Integrator template: the client side (see smb2_client.h).
 *
 * Reading guide: every request goes through exchange(): it sends the bytes,
 * reads the response, and hands it to the resilient client first -
 * rsvd_res_client_on_response() takes the responses to the library's own
 * requests (resiliency, LOCK, reconnect) and answers RSVD_E_NOENT for the
 * host's, whose credits the host then reports itself.
 */
#include "smb2_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>
#include <rsvd/wire_smb2.h>

#define MSG_MAX (65536u + 256u)
#define NAME_UNITS_MAX 128u

/* CREATE parameters ([MS-SMB2] 2.2.13): what Windows sends for a shared
 * virtual disk ([MS-RSVD] 3.1.4.2) and for a VM's configuration file. */
#define DISK_DESIRED_ACCESS 0x00020083u /* READ_DATA|WRITE_DATA|READ_ATTRIBUTES|READ_CONTROL */
#define FILE_DESIRED_ACCESS 0x0012019Fu /* generic read and write */

struct smb2_client {
    char name[8];
    uint16_t dialect;
    rsvd_res_client *cli;
    smb2_transport t;
    uint64_t conn, session, tree; /* handles in the resilient client */
    uint64_t session_id;
    uint32_t tree_id;
    bool attached;
    uint64_t next_request_id; /* RSVD RequestIdentifier ([MS-RSVD] 3.1.1) */
    uint64_t last_mid;
    void (*event)(void *ctx, smb2_client *c, const smb2_client_event *ev);
    void *event_ctx;
    uint8_t req[MSG_MAX];
    uint8_t rsp[MSG_MAX];
    size_t rsp_len;
};

/* ---- the resilient client's callbacks ------------------------------------- */

static void on_request_failed(rsvd_res_client *cli, const rsvd_res_client_done *d, void *ud)
{
    (void)cli;
    (void)d;
    smb2_client *c = ud;
    smb2_client_event ev = {NULL, 0, true};
    if (c->event)
        c->event(c->event_ctx, c, &ev);
}

static void on_open_lost(rsvd_res_client *cli, uint64_t open, void *open_ud,
                         rsvd_res_lost_reason reason, void *ud)
{
    (void)cli;
    (void)open;
    smb2_client *c = ud;
    smb2_open *o = open_ud;
    o->lost = true;
    o->lost_reason = reason;
    o->res = 0; /* the handle is no longer valid */
    smb2_client_event ev = {o, reason, false};
    if (c->event)
        c->event(c->event_ctx, c, &ev);
}

int smb2_client_new(const char *name, uint16_t dialect,
                    void (*event)(void *ctx, smb2_client *c, const smb2_client_event *ev),
                    void *event_ctx, smb2_client **out)
{
    smb2_client *c = calloc(1, sizeof *c);
    if (!c)
        return RSVD_E_NOMEM;
    snprintf(c->name, sizeof c->name, "%s", name);
    c->dialect = dialect;
    c->event = event;
    c->event_ctx = event_ctx;
    c->next_request_id = 1;
    rsvd_res_client_callbacks cb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                    .request_failed = on_request_failed,
                                    .open_lost = on_open_lost};
    int rc = rsvd_res_client_new(NULL, &cb, c, &c->cli);
    if (rc != RSVD_OK) {
        free(c);
        return rc;
    }
    *out = c;
    return RSVD_OK;
}

void smb2_client_free(smb2_client *c)
{
    if (!c)
        return;
    rsvd_res_client_free(c->cli);
    free(c);
}

const char *smb2_client_name(const smb2_client *c)
{
    return c->name;
}

uint64_t smb2_client_last_message_id(const smb2_client *c)
{
    return c->last_mid;
}

int smb2_client_attach(smb2_client *c, const smb2_transport *t, uint64_t next_message_id,
                       uint32_t credits, uint64_t session_id, uint32_t tree_id)
{
    rsvd_res_client_conn_params p = RSVD_STRUCT_INIT(rsvd_res_client_conn_params);
    p.dialect = c->dialect;
    p.supports_multi_credit = c->dialect != RSVD_SMB2_DIALECT_202;
    p.next_message_id = next_message_id; /* the window the host hands over */
    p.credits = credits;
    int rc = rsvd_res_client_conn_add(c->cli, &p, &c->conn);
    if (rc == RSVD_OK)
        rc = rsvd_res_client_session_add(c->cli, c->conn, session_id, &c->session);
    rsvd_res_client_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_client_tree_params);
    tp.tree_id = tree_id;
    if (rc == RSVD_OK)
        rc = rsvd_res_client_tree_add(c->cli, c->session, &tp, &c->tree);
    if (rc != RSVD_OK)
        return rc;
    c->t = *t;
    c->session_id = session_id;
    c->tree_id = tree_id;
    c->attached = true;
    return RSVD_OK;
}

static uint64_t now_ms(const smb2_client *c)
{
    return c->t.now_ms(c->t.ctx);
}

void smb2_client_detached(smb2_client *c)
{
    if (!c->attached)
        return;
    c->attached = false;
    /* [MS-SMB2] 3.2.7.1: the library frees the session and tree connect. */
    (void)rsvd_res_client_on_disconnect(c->cli, c->conn, now_ms(c));
}

size_t smb2_client_expire(smb2_client *c)
{
    size_t lost = 0;
    (void)rsvd_res_client_handle_expiry(c->cli, now_ms(c), &lost);
    return lost;
}

uint64_t smb2_client_next_expiry(const smb2_client *c)
{
    return rsvd_res_client_next_expiry(c->cli);
}

/* ---- sending and receiving -------------------------------------------------- */

/* The header of a request the host builds itself ([MS-SMB2] 3.2.4.1):
 * a MessageId from the resilient client's window, CreditCharge 1 (every
 * request here fits 64 KiB; 0 on 2.0.2), one credit asked back. */
static int host_hdr(smb2_client *c, uint16_t command, rsvd_smb2_hdr *h)
{
    uint64_t mid;
    int rc = rsvd_res_client_conn_take_message_ids(c->cli, c->conn, 1, &mid);
    if (rc != RSVD_OK)
        return rc; /* RSVD_E_LIMIT: wait for credits */
    memset(h, 0, sizeof *h);
    h->credit_charge = c->dialect == RSVD_SMB2_DIALECT_202 ? 0 : 1;
    h->command = command;
    h->credit = 1;
    h->message_id = mid;
    h->reserved = 0xFEFF; /* what Windows clients send */
    h->tree_id = c->tree_id;
    h->session_id = c->session_id;
    return RSVD_OK;
}

/* Sends @p len bytes of c->req with MessageId @p mid and, with @p await,
 * reads the response into c->rsp. @return its SMB2 status (for the
 * library's requests, the status the library reports in *done), or
 * STATUS_CONNECTION_DISCONNECTED when none came. */
static uint32_t exchange(smb2_client *c, size_t len, uint64_t mid, bool await,
                         rsvd_res_client_done *done)
{
    c->last_mid = mid;
    if (!c->attached || c->t.send(c->t.ctx, c->req, len) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    if (!await)
        return RSVD_STATUS_PENDING;
    for (;;) {
        if (c->t.recv(c->t.ctx, c->rsp, sizeof c->rsp, &c->rsp_len) != RSVD_OK)
            return RSVD_STATUS_CONNECTION_DISCONNECTED;
        rsvd_smb2_hdr h;
        if (rsvd_smb2_hdr_decode(c->rsp, c->rsp_len, &h) != RSVD_OK)
            continue; /* not SMB2: discarded */
        rsvd_res_client_done d;
        int rc = rsvd_res_client_on_response(c->cli, c->conn, c->rsp, c->rsp_len, now_ms(c), &d);
        if (rc == RSVD_OK) { /* a response to one of the library's requests */
            if (!d.final)
                continue; /* interim STATUS_PENDING: the final one follows */
            if (done)
                *done = d;
            if (d.message_id == mid)
                return d.status;
            continue;
        }
        /* RSVD_E_NOENT: a response to the host's own request. */
        (void)rsvd_res_client_conn_grant_credits(c->cli, c->conn, h.credit);
        if (h.message_id != mid)
            continue; /* one request in flight: not the one expected */
        if (h.status == RSVD_STATUS_PENDING && rsvd_smb2_hdr_is_async(&h))
            continue;
        return h.status;
    }
}

/* ASCII to UTF-16LE. @return bytes written. */
static size_t utf16(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 2 <= cap; s++) {
        out[n++] = (uint8_t)*s;
        out[n++] = 0;
    }
    return n;
}

/* ---- CREATE ------------------------------------------------------------------ */

/* Registers a new open with the resilient client ([MS-SMB2] 3.2.5.7): it
 * keeps what 3.2.4.4 needs to rebuild the CREATE after a disconnect. */
static void open_register(smb2_client *c, const rsvd_smb2_create_req *q, uint8_t oplock,
                          smb2_open *o)
{
    rsvd_res_client_open_params p = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
    p.file_id = o->file_id;
    p.name = q->name;
    p.name_len = q->name_length;
    p.desired_access = q->desired_access;
    p.file_attributes = q->file_attributes;
    p.share_access = q->share_access;
    p.create_disposition = q->create_disposition;
    p.create_options = q->create_options;
    p.oplock_level = oplock;
    /* A durable v2 or persistent handle is kept at a disconnect. */
    p.durable = o->durable;
    if (o->durable) {
        p.create_guid = o->create_guid;
        p.durable_timeout_ms = o->durable_timeout_ms;
        p.durable_flags = RSVD_RES_CLIENT_DURABLE_V2 |
                          (o->persistent ? RSVD_RES_CLIENT_DURABLE_PERSISTENT : 0);
    }
    p.user_data = o;
    if (rsvd_res_client_open_add(c->cli, c->tree, &p, &o->res) != RSVD_OK)
        o->res = 0;
}

/* CREATE of @p name; a shared disk's name gets ":SharedVirtualDisk" and the
 * create context @p tag (@p tag_len bytes) with @p ctx; @p durable (a
 * CreateGuid, or NULL) asks for a durable v2 handle beside it, persistent
 * when @p dh2q_flags says so. */
static uint32_t create(smb2_client *c, const char *name, bool shared_disk, const char *tag,
                       uint32_t tag_len, const uint8_t *ctx, size_t ctx_len,
                       const rsvd_guid *durable, uint32_t dh2q_flags, smb2_open *o,
                       rsvd_smb2_create_rsp *rsp)
{
    uint8_t wname[2 * NAME_UNITS_MAX], chain[512];
    char full[NAME_UNITS_MAX];
    snprintf(full, sizeof full, "%s%s", name, shared_disk ? RSVD_SHARED_VIRTUAL_DISK_SUFFIX : "");

    rsvd_smb2_create_req q;
    memset(&q, 0, sizeof q);
    if (host_hdr(c, RSVD_SMB2_CREATE, &q.hdr) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    q.requested_oplock_level = RSVD_SMB2_OPLOCK_LEVEL_NONE;
    q.impersonation_level = RSVD_SMB2_IMPERSONATION_IMPERSONATION;
    q.name = wname;
    q.name_length = (uint16_t)utf16(full, wname, sizeof wname);
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    if (shared_disk) {
        q.desired_access = DISK_DESIRED_ACCESS;
        q.share_access = RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE | RSVD_FILE_SHARE_DELETE;
        q.create_disposition = RSVD_FILE_OPEN;
        q.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING; /* MS-RSVD 3.1.4.2 */
        if (rsvd_smb2_cc_builder_add(&b, tag, tag_len, ctx, ctx_len) != RSVD_OK)
            return RSVD_STATUS_BUFFER_TOO_SMALL;
    } else {
        q.desired_access = FILE_DESIRED_ACCESS;
        q.file_attributes = 0x80; /* FILE_ATTRIBUTE_NORMAL */
        q.share_access = RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE;
        q.create_disposition = RSVD_FILE_OPEN_IF;
        q.create_options = RSVD_FILE_NON_DIRECTORY_FILE;
    }
    if (durable) {
        /* [MS-SMB2] 3.2.4.3.5: DH2Q, Timeout 0 (the server chooses), a new
         * CreateGuid, PERSISTENT on a continuously available share; without
         * PERSISTENT the server grants it with a batch oplock only
         * (3.3.5.9.10), which the CREATE asks for. */
        rsvd_smb2_dh2q_req dq = {.timeout = 0, .flags = dh2q_flags, .create_guid = *durable};
        uint8_t data[RSVD_SMB2_DH2Q_REQ_SIZE];
        size_t dn = 0;
        if (rsvd_smb2_dh2q_req_encode(&dq, data, sizeof data, &dn) != RSVD_OK ||
            rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST_V2,
                                     RSVD_SMB2_CC_TAG_LEN, data, dn) != RSVD_OK)
            return RSVD_STATUS_BUFFER_TOO_SMALL;
        if (!(dh2q_flags & RSVD_SMB2_DHANDLE_FLAG_PERSISTENT))
            q.requested_oplock_level = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    }
    size_t n = 0;
    if (rsvd_smb2_cc_builder_finish(&b, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    q.create_contexts = n ? chain : NULL;
    q.create_contexts_length = (uint32_t)n;
    size_t len = 0;
    if (rsvd_smb2_create_req_encode(&q, c->req, sizeof c->req, &len) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    uint32_t st = exchange(c, len, q.hdr.message_id, true, NULL);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    if (rsvd_smb2_create_rsp_decode(c->rsp, c->rsp_len, rsp) != RSVD_OK)
        return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    memset(o, 0, sizeof *o);
    o->file_id = rsp->file_id;
    o->shared_disk = shared_disk;
    snprintf(o->name, sizeof o->name, "%.63s", full);
    /* [MS-SMB2] 3.2.5.7.6: a DH2Q response - Durable, IsPersistent,
     * DurableTimeout. */
    rsvd_smb2_cc dc;
    rsvd_smb2_dh2q_rsp dr;
    if (durable &&
        rsvd_smb2_cc_find(rsp->create_contexts, rsp->create_contexts_length,
                          RSVD_SMB2_CC_DURABLE_HANDLE_RESPONSE_V2, RSVD_SMB2_CC_TAG_LEN,
                          &dc) == RSVD_OK &&
        rsvd_smb2_dh2q_rsp_decode(dc.data, dc.data_length, &dr) == RSVD_OK) {
        o->durable = true;
        o->persistent = (dr.flags & RSVD_SMB2_DHANDLE_FLAG_PERSISTENT) != 0;
        o->durable_timeout_ms = dr.timeout;
        o->create_guid = *durable;
    }
    open_register(c, &q, rsp->oplock_level, o);
    return st;
}

static uint32_t open_disk(smb2_client *c, const char *name, const smb2_disk_open_args *a,
                          uint32_t version, smb2_open *o, rsvd_svhdx_open_device_context *echo)
{
    /* SVHDX_OPEN_DEVICE_CONTEXT ([MS-RSVD] 2.2.4.12, 3.1.4.2), or _V2
     * (2.2.4.32: the five fields after the V1 layout zero). */
    uint8_t host[RSVD_SVHDX_INITIATOR_HOST_NAME_SIZE];
    rsvd_svhdx_open_device_context x;
    memset(&x, 0, sizeof x);
    x.version = version;
    x.has_initiator_id = a->initiator_id ? 1 : 0;
    if (a->initiator_id)
        x.initiator_id = *a->initiator_id;
    x.originator_flags = RSVD_SVHDX_ORIGINATOR_PVHDPARSER;
    x.open_request_id = c->next_request_id++;
    x.initiator_host_name_length = (uint16_t)utf16(a->host_name, host, sizeof host);
    x.initiator_host_name = host;
    const bool v2 = version == RSVD_ECP_CONTEXT_VERSION_2;
    uint8_t ctx[RSVD_SVHDX_OPEN_DEVICE_CONTEXT_V2_SIZE];
    size_t n = 0;
    if ((v2 ? rsvd_svhdx_open_device_context_v2_encode(&x, ctx, sizeof ctx, &n)
            : rsvd_svhdx_open_device_context_v1_encode(&x, ctx, sizeof ctx, &n)) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;

    rsvd_smb2_create_rsp rsp;
    uint32_t st = create(c, name, true, RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT,
                         RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT_LEN, ctx, n,
                         a->persistent_create_guid, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT, o,
                         &rsp);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    /* The SVHDX_OPEN_DEVICE_CONTEXT_RESPONSE (2.2.4.31, 2.2.4.33) echoes the
     * request. */
    rsvd_smb2_cc cc;
    if (rsvd_smb2_cc_find(rsp.create_contexts, rsp.create_contexts_length,
                          RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT,
                          RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT_LEN, &cc) != RSVD_OK ||
        (v2 ? rsvd_svhdx_open_device_context_v2_decode(cc.data, cc.data_length, echo)
            : rsvd_svhdx_open_device_context_v1_decode(cc.data, cc.data_length, echo)) !=
            RSVD_OK ||
        echo->has_initiator_id != x.has_initiator_id ||
        !rsvd_guid_equal(&echo->initiator_id, &x.initiator_id) ||
        echo->open_request_id != x.open_request_id)
        return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    return st;
}

uint32_t smb2_client_open_disk(smb2_client *c, const char *name, const smb2_disk_open_args *a,
                               smb2_open *o, rsvd_svhdx_open_device_context *echo)
{
    return open_disk(c, name, a, RSVD_ECP_CONTEXT_VERSION_1, o, echo);
}

uint32_t smb2_client_open_disk_v2(smb2_client *c, const char *name,
                                  const smb2_disk_open_args *a, smb2_open *o,
                                  rsvd_svhdx_open_device_context *echo)
{
    return open_disk(c, name, a, RSVD_ECP_CONTEXT_VERSION_2, o, echo);
}

uint32_t smb2_client_open_snapshot(smb2_client *c, const char *name, uint32_t snapshot_type,
                                   const rsvd_guid *snapshot_id, smb2_open *o)
{
    /* [MS-RSVD] 3.1.4.24: the target specifier as the one EA of an
     * SMB2_CREATE_EA_BUFFER, instead of the SVHDX context. */
    rsvd_block_device_target_specifier ts;
    memset(&ts, 0, sizeof ts);
    ts.rsvd_block_device_target_namespace = RSVD_BLOCK_DEVICE_TARGET_NAMESPACE_SNAPSHOT_ID;
    ts.target_information_snapshot.snapshot_type = snapshot_type;
    ts.target_information_snapshot.snapshot_id = *snapshot_id;
    uint8_t ea[64];
    size_t n = 0;
    if (rsvd_target_specifier_ea_build(&ts, ea, sizeof ea, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    rsvd_smb2_create_rsp rsp;
    return create(c, name, true, RSVD_SMB2_CC_EA_BUFFER, RSVD_SMB2_CC_TAG_LEN, ea, n, NULL, 0, o,
                  &rsp);
}

uint32_t smb2_client_open_file(smb2_client *c, const char *name, smb2_open *o)
{
    rsvd_smb2_create_rsp rsp;
    return create(c, name, false, NULL, 0, NULL, 0, NULL, 0, o, &rsp);
}

uint32_t smb2_client_open_file_durable(smb2_client *c, const char *name,
                                       const rsvd_guid *create_guid, smb2_open *o)
{
    rsvd_smb2_create_rsp rsp;
    return create(c, name, false, NULL, 0, NULL, 0, create_guid, 0, o, &rsp);
}

/* ---- READ and WRITE ------------------------------------------------------------ */

uint32_t smb2_client_write(smb2_client *c, smb2_open *o, uint64_t offset, const uint8_t *data,
                           uint32_t len, uint32_t *count)
{
    rsvd_smb2_write_req q;
    memset(&q, 0, sizeof q);
    if (host_hdr(c, RSVD_SMB2_WRITE, &q.hdr) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    q.length = len;
    q.offset = offset;
    q.file_id = o->file_id;
    q.data = data;
    size_t n = 0;
    if (rsvd_smb2_write_req_encode(&q, c->req, sizeof c->req, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    uint32_t st = exchange(c, n, q.hdr.message_id, true, NULL);
    *count = 0;
    rsvd_smb2_write_rsp r;
    if (st == RSVD_STATUS_SUCCESS) {
        if (rsvd_smb2_write_rsp_decode(c->rsp, c->rsp_len, &r) != RSVD_OK)
            return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
        *count = r.count;
    }
    return st;
}

uint32_t smb2_client_read(smb2_client *c, smb2_open *o, uint64_t offset, uint8_t *buf,
                          uint32_t len, uint32_t *got)
{
    rsvd_smb2_read_req q;
    memset(&q, 0, sizeof q);
    if (host_hdr(c, RSVD_SMB2_READ, &q.hdr) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    q.padding = RSVD_SMB2_READ_RSP_BUFFER_OFFSET; /* data right after the response's fixed part */
    q.length = len;
    q.offset = offset;
    q.file_id = o->file_id;
    size_t n = 0;
    if (rsvd_smb2_read_req_encode(&q, c->req, sizeof c->req, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    uint32_t st = exchange(c, n, q.hdr.message_id, true, NULL);
    *got = 0;
    rsvd_smb2_read_rsp r;
    if (st == RSVD_STATUS_SUCCESS) {
        if (rsvd_smb2_read_rsp_decode(c->rsp, c->rsp_len, &r) != RSVD_OK || r.data_length > len)
            return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
        if (r.data_length)
            memcpy(buf, r.data, r.data_length);
        *got = r.data_length;
    }
    return st;
}

/* ---- IOCTL ------------------------------------------------------------------- */

/* An FSCTL on an open ([MS-SMB2] 3.2.4.20.11); on success the decoded
 * response's output view points into c->rsp. */
static uint32_t fsctl(smb2_client *c, smb2_open *o, uint32_t ctl_code, const uint8_t *in,
                      size_t in_len, uint32_t max_output, rsvd_smb2_ioctl_rsp *rsp)
{
    rsvd_smb2_ioctl_req q;
    memset(&q, 0, sizeof q);
    if (host_hdr(c, RSVD_SMB2_IOCTL, &q.hdr) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    q.ctl_code = ctl_code;
    q.file_id = o->file_id;
    q.input_count = (uint32_t)in_len;
    q.input = in_len ? in : NULL;
    q.max_output_response = max_output;
    q.flags = RSVD_SMB2_0_IOCTL_IS_FSCTL;
    size_t n = 0;
    if (rsvd_smb2_ioctl_req_encode(&q, c->req, sizeof c->req, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    uint32_t st = exchange(c, n, q.hdr.message_id, true, NULL);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    if (rsvd_smb2_ioctl_rsp_decode(c->rsp, c->rsp_len, rsp) != RSVD_OK ||
        rsp->ctl_code != ctl_code || !rsvd_smb2_fileid_equal(&rsp->file_id, &o->file_id) ||
        rsp->output_count > max_output)
        return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    return st;
}

static uint32_t tunnel(smb2_client *c, smb2_open *o, uint32_t ctl_code, uint32_t opcode,
                       const uint8_t *body, size_t body_len, uint32_t max_output,
                       smb2_tunnel_result *res)
{
    /* SVHDX_TUNNEL_OPERATION_HEADER + the operation's body ([MS-RSVD]
     * 2.2.4.11, 3.1.4.1: RequestId is the client's RequestIdentifier). */
    uint8_t in[RSVD_TUNNEL_HEADER_SIZE + 1024];
    if (body_len > sizeof in - RSVD_TUNNEL_HEADER_SIZE)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    memset(res, 0, sizeof *res);
    rsvd_tunnel_hdr h = {opcode, 0, c->next_request_id++};
    res->request_id = h.request_id;
    if (rsvd_tunnel_hdr_encode(&h, in, sizeof in) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    if (body_len)
        memcpy(in + RSVD_TUNNEL_HEADER_SIZE, body, body_len);
    rsvd_smb2_ioctl_rsp rsp;
    uint32_t st = fsctl(c, o, ctl_code, in, RSVD_TUNNEL_HEADER_SIZE + body_len, max_output, &rsp);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    /* SMB2 success: the operation's own status is in the tunnel header. */
    if (rsvd_tunnel_hdr_decode(rsp.output, rsp.output_count, &res->hdr) != RSVD_OK ||
        res->hdr.request_id != h.request_id || res->hdr.operation_code != opcode ||
        rsp.output_count - RSVD_TUNNEL_HEADER_SIZE > sizeof res->body)
        return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    res->body_len = rsp.output_count - RSVD_TUNNEL_HEADER_SIZE;
    memcpy(res->body, rsp.output + RSVD_TUNNEL_HEADER_SIZE, res->body_len);
    return st;
}

uint32_t smb2_client_tunnel(smb2_client *c, smb2_open *o, uint32_t opcode, const uint8_t *body,
                            size_t body_len, uint32_t max_output, smb2_tunnel_result *res)
{
    return tunnel(c, o, RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, opcode, body, body_len,
                  max_output, res);
}

uint32_t smb2_client_tunnel_async(smb2_client *c, smb2_open *o, uint32_t opcode,
                                  const uint8_t *body, size_t body_len, uint32_t max_output,
                                  smb2_tunnel_result *res)
{
    return tunnel(c, o, RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, opcode, body, body_len,
                  max_output, res);
}

uint32_t smb2_client_scsi(smb2_client *c, smb2_open *o, const smb2_scsi_cmd *cmd,
                          smb2_scsi_result *res)
{
    /* SVHDX_TUNNEL_SCSI_REQUEST ([MS-RSVD] 2.2.4.7, 3.1.4.9). Data in is
     * announced with a zero-filled DataBuffer of DataTransferLength bytes,
     * as Windows sends it. */
    static const uint8_t zeros[512];
    rsvd_svhdx_tunnel_scsi_request q;
    memset(&q, 0, sizeof q);
    q.length = RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE;
    q.cdb_length = cmd->cdb_len;
    q.sense_info_ex_length = RSVD_SCSI_SENSE_BUFFER_SIZE;
    q.disposition = (uint8_t)cmd->dir;
    memcpy(q.cdb, cmd->cdb, cmd->cdb_len);
    if (cmd->dir == RSVD_SCSI_DATA_OUT) {
        q.srb_flags = RSVD_SRB_FLAGS_DATA_OUT;
        q.data_transfer_length = cmd->data_out_len;
        q.data_buffer = cmd->data_out;
        q.data_buffer_len = cmd->data_out_len;
    } else if (cmd->dir == RSVD_SCSI_DATA_IN) {
        if (cmd->data_in_len > sizeof zeros)
            return RSVD_STATUS_BUFFER_TOO_SMALL;
        q.srb_flags = RSVD_SRB_FLAGS_DATA_IN;
        q.data_transfer_length = cmd->data_in_len;
        q.data_buffer = zeros;
        q.data_buffer_len = cmd->data_in_len;
    }
    uint8_t body[RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE + 512];
    size_t n = 0;
    if (rsvd_svhdx_tunnel_scsi_request_encode(&q, body, sizeof body, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    uint32_t max_out = RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_SIZE) +
                       (cmd->dir == RSVD_SCSI_DATA_IN ? cmd->data_in_len : 0);
    memset(&res->r, 0, sizeof res->r);
    uint32_t st = smb2_client_tunnel(c, o, RSVD_TUNNEL_SCSI_OPERATION, body, n, max_out, &res->t);
    if (st == RSVD_STATUS_SUCCESS && res->t.hdr.status == RSVD_STATUS_SUCCESS &&
        rsvd_svhdx_tunnel_scsi_response_decode(res->t.body, res->t.body_len, &res->r) != RSVD_OK)
        return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    return st;
}

uint32_t smb2_client_query_support(smb2_client *c, smb2_open *o,
                                   rsvd_svhdx_shared_virtual_disk_support_response *out)
{
    rsvd_smb2_ioctl_rsp rsp;
    uint32_t st = fsctl(c, o, RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT, NULL, 0,
                        RSVD_SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE_SIZE, &rsp);
    if (st == RSVD_STATUS_SUCCESS &&
        rsvd_svhdx_shared_virtual_disk_support_response_decode(rsp.output, rsp.output_count,
                                                               out) != RSVD_OK)
        return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    return st;
}

/* ---- what the resilient client builds ------------------------------------------ */

uint32_t smb2_client_request_resiliency(smb2_client *c, smb2_open *o, uint32_t timeout_ms)
{
    rsvd_res_client_msg m;
    int rc = rsvd_res_client_request_resiliency(c->cli, o->res, timeout_ms, NULL, c->req,
                                                sizeof c->req, &m);
    if (rc == RSVD_E_NOTSUP)
        return RSVD_STATUS_NOT_SUPPORTED; /* 3.2.4.20.8: dialect 2.0.2 */
    if (rc != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    rsvd_res_client_done d;
    return exchange(c, m.len, m.message_id, true, &d);
}

uint32_t smb2_client_lock(smb2_client *c, smb2_open *o, const rsvd_smb2_lock_element *e,
                          uint16_t n, bool await, uint32_t *lock_sequence)
{
    rsvd_res_client_msg m;
    if (rsvd_res_client_lock(c->cli, o->res, e, n, NULL, c->req, sizeof c->req, &m) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    rsvd_smb2_lock_req q;
    *lock_sequence = rsvd_smb2_lock_req_decode(c->req, m.len, &q) == RSVD_OK ? q.lock_sequence : 0;
    rsvd_res_client_done d;
    return exchange(c, m.len, m.message_id, await, &d);
}

uint32_t smb2_client_reconnect(smb2_client *c, smb2_open *o)
{
    rsvd_res_client_msg m;
    if (rsvd_res_client_reconnect_create(c->cli, o->res, c->tree, now_ms(c), NULL, 0, c->req,
                                         sizeof c->req, &m) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    rsvd_res_client_done d;
    uint32_t st = exchange(c, m.len, m.message_id, true, &d);
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    if (st == RSVD_STATUS_SUCCESS &&
        rsvd_res_client_open_info_get(c->cli, o->res, &info) == RSVD_OK)
        o->file_id = info.file_id; /* same Persistent, new Volatile */
    return st;
}

uint32_t smb2_client_reclaim_persistent(smb2_client *c, smb2_open *o)
{
    uint8_t wname[2 * NAME_UNITS_MAX], chain[128], data[RSVD_SMB2_DH2C_SIZE];
    rsvd_smb2_create_req q;
    memset(&q, 0, sizeof q);
    if (host_hdr(c, RSVD_SMB2_CREATE, &q.hdr) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    /* [MS-SMB2] 3.2.4.4: the original CREATE's fields, and DH2C with the
     * open's FileId, CreateGuid and PERSISTENT. */
    q.requested_oplock_level = RSVD_SMB2_OPLOCK_LEVEL_NONE;
    q.impersonation_level = RSVD_SMB2_IMPERSONATION_IMPERSONATION;
    q.name = wname;
    q.name_length = (uint16_t)utf16(o->name, wname, sizeof wname);
    q.desired_access = o->shared_disk ? DISK_DESIRED_ACCESS : FILE_DESIRED_ACCESS;
    q.share_access = RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE |
                     (o->shared_disk ? RSVD_FILE_SHARE_DELETE : 0);
    q.create_disposition = RSVD_FILE_OPEN;
    q.create_options =
        o->shared_disk ? RSVD_FILE_NO_INTERMEDIATE_BUFFERING : RSVD_FILE_NON_DIRECTORY_FILE;
    rsvd_smb2_dh2c d = {.file_id = o->file_id,
                        .create_guid = o->create_guid,
                        .flags = RSVD_SMB2_DHANDLE_FLAG_PERSISTENT};
    size_t dn = 0, n = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    if (rsvd_smb2_dh2c_encode(&d, data, sizeof data, &dn) != RSVD_OK ||
        rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2,
                                 RSVD_SMB2_CC_TAG_LEN, data, dn) != RSVD_OK ||
        rsvd_smb2_cc_builder_finish(&b, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    q.create_contexts = chain;
    q.create_contexts_length = (uint32_t)n;
    size_t len = 0;
    if (rsvd_smb2_create_req_encode(&q, c->req, sizeof c->req, &len) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    uint32_t st = exchange(c, len, q.hdr.message_id, true, NULL);
    rsvd_smb2_create_rsp rsp;
    if (st == RSVD_STATUS_SUCCESS) {
        if (rsvd_smb2_create_rsp_decode(c->rsp, c->rsp_len, &rsp) != RSVD_OK ||
            rsp.file_id.persistent_id != o->file_id.persistent_id)
            return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
        o->file_id = rsp.file_id; /* same Persistent, new Volatile (3.2.5.8) */
    }
    return st;
}

uint32_t smb2_client_resend_lock(smb2_client *c, smb2_open *o, uint32_t *lock_sequence)
{
    rsvd_res_client_msg m;
    int rc = rsvd_res_client_resend_next(c->cli, o->res, c->req, sizeof c->req, &m);
    if (rc == RSVD_E_NOENT)
        return SMB2_CLIENT_NOTHING_TO_RESEND;
    if (rc != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    rsvd_smb2_lock_req q;
    *lock_sequence = rsvd_smb2_lock_req_decode(c->req, m.len, &q) == RSVD_OK ? q.lock_sequence : 0;
    rsvd_res_client_done d;
    return exchange(c, m.len, m.message_id, true, &d);
}

/* ---- CLOSE ------------------------------------------------------------------------ */

uint32_t smb2_client_close(smb2_client *c, smb2_open *o)
{
    rsvd_smb2_close_req q;
    memset(&q, 0, sizeof q);
    if (host_hdr(c, RSVD_SMB2_CLOSE, &q.hdr) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    q.file_id = o->file_id;
    size_t n = 0;
    if (rsvd_smb2_close_req_encode(&q, c->req, sizeof c->req, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    if (o->res) /* the CLOSE goes out: the library forgets the open */
        (void)rsvd_res_client_open_close(c->cli, o->res);
    o->res = 0;
    uint32_t st = exchange(c, n, q.hdr.message_id, true, NULL);
    rsvd_smb2_close_rsp r;
    if (st == RSVD_STATUS_SUCCESS && rsvd_smb2_close_rsp_decode(c->rsp, c->rsp_len, &r) != RSVD_OK)
        return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    return st;
}

bool smb2_client_open_info(const smb2_client *c, const smb2_open *o,
                           rsvd_res_client_open_info *out)
{
    return o->res && rsvd_res_client_open_info_get(c->cli, o->res, out) == RSVD_OK;
}
