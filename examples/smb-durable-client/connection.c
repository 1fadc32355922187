/*
 * smb-durable-client: one SMB2 client over TCP (see connection.h).
 *
 * Reading guide: host_hdr() gives every request of the host its MessageId
 * (from the library's window) and ChannelSequence; host_exchange() sends
 * one and waits for its answer, replaying it where the library says
 * (rsvd_res_client_replay_request); lib_exchange() does the same for a
 * request the library built, whose response goes to
 * rsvd_res_client_on_response() and whose replays the library builds
 * (rsvd_res_client_resend_next).
 */
#include "connection.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "auth.h"
#include "nbss.h"
#include "smb2_setup_negotiate.h"
#include "smb2_setup_session.h"
#include "smb2_setup_tree.h"

/* Credits the client asks for in its own requests. */
#define CREDITS_ASKED 64u
/* Legs of a SESSION_SETUP at most (NTLMSSP takes two). */
#define SESSION_LEGS_MAX 4

uint64_t client_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the library's callbacks ------------------------------------------------ */

static void on_request_failed(rsvd_res_client *cli, const rsvd_res_client_done *d, void *ud)
{
    (void)cli;
    (void)d;
    (void)ud; /* the request's exchange sees its connection gone */
}

static void on_open_lost(rsvd_res_client *cli, uint64_t open, void *open_ud,
                         rsvd_res_lost_reason reason, void *ud)
{
    (void)cli;
    (void)open_ud;
    client *c = ud;
    if (open == c->open) {
        c->lost = true;
        c->open = 0;
    }
    fprintf(stderr, "the open was given up: %s\n", rsvd_res_lost_reason_name((int)reason));
}

int client_init(client *c, const client_target *t, int (*random)(void *, size_t, void *))
{
    memset(c, 0, sizeof *c);
    c->t = t;
    c->fd = -1;
    rsvd_res_client_callbacks cb = RSVD_STRUCT_INIT(rsvd_res_client_callbacks);
    cb.request_failed = on_request_failed;
    cb.open_lost = on_open_lost;
    cb.random = random;
    /* The ClientGuid of every connection of this client ([MS-SMB2] 3.2.3). */
    if (random(c->client_guid.b, sizeof c->client_guid.b, NULL) != 0)
        return -1;
    return rsvd_res_client_new(NULL, &cb, c, &c->cli) == RSVD_OK ? 0 : -1;
}

void client_fini(client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    rsvd_res_client_free(c->cli);
    c->cli = NULL;
}

/* ---- sending and receiving ---------------------------------------------------- */

/* The header of a request of the host: a MessageId of the library's window
 * ([MS-SMB2] 3.2.4.1.3), the ChannelSequence (3.2.4.1), one credit asked
 * for more than it uses. */
static int host_hdr(client *c, uint16_t command, uint16_t charge, rsvd_smb2_hdr *h)
{
    memset(h, 0, sizeof *h);
    uint64_t mid;
    int rc = rsvd_res_client_conn_take_message_ids(c->cli, c->conn, charge ? charge : 1u, &mid);
    if (rc != RSVD_OK)
        return rc;
    uint16_t seq = 0;
    if (c->sess)
        (void)rsvd_res_client_channel_sequence(c->cli, c->sess, &seq);
    h->command = command;
    h->credit_charge = charge;
    h->credit = CREDITS_ASKED;
    h->status = seq;
    h->message_id = mid;
    h->session_id = c->session_id;
    h->tree_id = c->tree_id;
    return RSVD_OK;
}

static int send_msg(client *c, const uint8_t *msg, size_t len)
{
    return c->fd >= 0 && nbss_send(c->fd, msg, len) == 0 ? 0 : -1;
}

/* Receives the next message. A response to one of the library's requests
 * goes to it and comes back in *done (returns 1); any other is the host's
 * (its credits reported; returns 0). -1: the connection is gone. */
static int receive(client *c, rsvd_res_client_done *done, rsvd_smb2_hdr *h)
{
    for (;;) {
        if (c->fd < 0 || nbss_recv(c->fd, c->rsp, sizeof c->rsp, &c->rsp_len) != 0)
            return -1;
        if (rsvd_smb2_hdr_decode(c->rsp, c->rsp_len, h) != RSVD_OK)
            continue; /* not SMB2: discarded */
        int rc = rsvd_res_client_on_response(c->cli, c->conn, c->rsp, c->rsp_len,
                                             client_now_ms(), done);
        if (rc == RSVD_OK)
            return 1;
        /* Not the library's: the host's own response (3.2.5.1.4). */
        (void)rsvd_res_client_conn_grant_credits(c->cli, c->conn, h->credit);
        return 0;
    }
}

/* Sends c->req (@p len bytes, MessageId @p mid) and waits for its answer;
 * replays it while the library says so. @return its status, or
 * STATUS_CONNECTION_DISCONNECTED. */
static uint32_t host_exchange(client *c, size_t len, uint64_t mid)
{
    for (uint32_t replays = 0;; replays++) {
        if (send_msg(c, c->req, len) != 0)
            return RSVD_STATUS_CONNECTION_DISCONNECTED;
        rsvd_smb2_hdr h;
        rsvd_res_client_done d;
        int got;
        do {
            got = receive(c, &d, &h);
            if (got < 0)
                return RSVD_STATUS_CONNECTION_DISCONNECTED;
        } while (got == 1 || h.message_id != mid ||
                 (h.status == RSVD_STATUS_PENDING && rsvd_smb2_hdr_is_async(&h)));
        /* [MS-SMB2] 3.2.5.12, 3.2.5.14, 3.2.5.18: the library says whether
         * this status is replayed, and rewrites the header for it. */
        rsvd_res_client_msg out;
        if (rsvd_res_client_replay_request(c->cli, c->sess, h.status, replays, c->req, len,
                                           &out) != RSVD_OK)
            return h.status;
        mid = out.message_id;
    }
}

/* Sends a request the library built (@p m) and waits for its end; builds
 * the replays the library asks for. @return its status. */
static uint32_t lib_exchange(client *c, rsvd_res_client_msg m)
{
    for (;;) {
        if (send_msg(c, c->req, m.len) != 0)
            return RSVD_STATUS_CONNECTION_DISCONNECTED;
        rsvd_res_client_done d;
        rsvd_smb2_hdr h;
        for (;;) {
            int got = receive(c, &d, &h);
            if (got < 0)
                return RSVD_STATUS_CONNECTION_DISCONNECTED;
            if (got == 1 && d.message_id == m.message_id && d.conn == m.conn)
                break;
        }
        if (d.final)
            return d.status;
        if (d.status == RSVD_STATUS_PENDING)
            continue; /* interim: wait on */
        /* Kept for a replay (3.2.5.7, 3.2.5.14): the library builds it. */
        if (rsvd_res_client_resend_next(c->cli, d.open, c->req, sizeof c->req, &m) != RSVD_OK)
            return d.status;
    }
}

/* ---- NEGOTIATE, SESSION_SETUP, TREE_CONNECT -------------------------------------- */

static int tcp_connect(const client_target *t, char *err, size_t errlen)
{
    char port[16];
    snprintf(port, sizeof port, "%d", t->port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(t->server, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", t->server, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot connect to %s port %d", t->server, t->port);
        return -1;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* NEGOTIATE ([MS-SMB2] 3.2.4.2.2.2): 2.0.2 to 3.0.2, the same ClientGuid
 * every time; then the connection is the library's. */
static int negotiate(client *c, char *err, size_t errlen)
{
    smb2_negotiate_req n;
    memset(&n, 0, sizeof n);
    n.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED;
    n.capabilities = RSVD_SMB2_GLOBAL_CAP_LARGE_MTU | RSVD_SMB2_GLOBAL_CAP_PERSISTENT_HANDLES;
    n.client_guid = c->client_guid;
    static const uint16_t dialects[] = {RSVD_SMB2_DIALECT_202, RSVD_SMB2_DIALECT_210,
                                        RSVD_SMB2_DIALECT_300, RSVD_SMB2_DIALECT_302};
    memcpy(n.dialects, dialects, sizeof dialects);
    n.dialect_count = sizeof dialects / sizeof dialects[0];
    rsvd_smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.credit = CREDITS_ASKED; /* MessageId 0: the window {0} (3.2.4.1.6) */
    size_t len = 0;
    smb2_negotiate_rsp r;
    if (smb2_negotiate_req_encode(&h, &n, c->req, sizeof c->req, &len) != RSVD_OK ||
        send_msg(c, c->req, len) != 0 ||
        nbss_recv(c->fd, c->rsp, sizeof c->rsp, &c->rsp_len) != 0 ||
        smb2_negotiate_rsp_decode(c->rsp, c->rsp_len, &r) != RSVD_OK) {
        snprintf(err, errlen, "NEGOTIATE failed (no valid response)");
        return -1;
    }
    if (r.hdr.status != RSVD_STATUS_SUCCESS || r.dialect < RSVD_SMB2_DIALECT_202 ||
        r.dialect > RSVD_SMB2_DIALECT_302) {
        snprintf(err, errlen, "NEGOTIATE: status 0x%08x, dialect 0x%04x", r.hdr.status,
                 r.dialect);
        return -1;
    }
    c->dialect = r.dialect;
    c->server_capabilities = r.capabilities;
    rsvd_res_client_conn_params p = RSVD_STRUCT_INIT(rsvd_res_client_conn_params);
    p.dialect = r.dialect;
    p.supports_multi_credit = (r.capabilities & RSVD_SMB2_GLOBAL_CAP_LARGE_MTU) != 0;
    p.supports_multi_channel = (r.capabilities & RSVD_SMB2_GLOBAL_CAP_MULTI_CHANNEL) != 0;
    p.supports_persistent_handles =
        (r.capabilities & RSVD_SMB2_GLOBAL_CAP_PERSISTENT_HANDLES) != 0;
    p.next_message_id = 1;
    p.credits = r.hdr.credit;
    if (rsvd_res_client_conn_add(c->cli, &p, &c->conn) != RSVD_OK) {
        snprintf(err, errlen, "cannot register the connection");
        return -1;
    }
    return 0;
}

/* SESSION_SETUP legs until SUCCESS ([MS-SMB2] 3.2.4.2.3, 3.2.5.3). */
static int session_setup(client *c, uint64_t previous_session_id, char *err, size_t errlen)
{
    const auth_identity id = {c->t->user, c->t->domain, c->t->password, c->t->server};
    auth *a = NULL;
    auth_result ar = auth_new(&id, &a, err, errlen);
    if (ar != AUTH_OK)
        return ar == AUTH_NO_NTLMSSP ? CLIENT_NO_NTLMSSP : -1;
    uint8_t token[4096];
    size_t token_len = 0;
    bool first = true, done = false;
    int result = -1;
    c->session_id = 0;
    c->tree_id = 0;
    for (int leg = 0; leg < SESSION_LEGS_MAX; leg++) {
        const uint8_t *out;
        size_t out_len;
        if (auth_step(a, first ? NULL : token, token_len, &out, &out_len, &done, err, errlen) !=
            AUTH_OK)
            break;
        first = false;
        smb2_session_setup_req s;
        memset(&s, 0, sizeof s);
        s.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED;
        s.previous_session_id = previous_session_id; /* re-establishing (3.2.4.2.3) */
        s.security_buffer = out;
        s.security_buffer_length = (uint16_t)out_len;
        rsvd_smb2_hdr h;
        size_t len = 0;
        if (host_hdr(c, RSVD_SMB2_SESSION_SETUP, 1, &h) != RSVD_OK ||
            smb2_session_setup_req_encode(&h, &s, c->req, sizeof c->req, &len) != RSVD_OK) {
            snprintf(err, errlen, "SESSION_SETUP cannot be built");
            break;
        }
        uint32_t st = host_exchange(c, len, h.message_id);
        smb2_session_setup_rsp r;
        if ((st != RSVD_STATUS_SUCCESS && st != SMB2_STATUS_MORE_PROCESSING_REQUIRED) ||
            smb2_session_setup_rsp_decode(c->rsp, c->rsp_len, &r) != RSVD_OK) {
            snprintf(err, errlen, "SESSION_SETUP: status 0x%08x", st);
            break;
        }
        c->session_id = r.hdr.session_id;
        token_len = r.security_buffer_length < sizeof token ? r.security_buffer_length : 0;
        if (token_len)
            memcpy(token, r.security_buffer, token_len);
        if (st == SMB2_STATUS_MORE_PROCESSING_REQUIRED)
            continue;
        c->guest = (r.session_flags & SMB2_SESSION_FLAG_IS_GUEST) != 0;
        if (r.session_flags & SMB2_SESSION_FLAG_ENCRYPT_DATA) {
            snprintf(err, errlen, "the server requires encryption, which this client lacks");
            break;
        }
        /* The server's last token completes SPNEGO. A guest session has no
         * session key, so Samba's accept-completed carries no mechListMIC
         * and MIT's SPNEGO refuses it: a guest session is taken as the
         * server says (it is neither signed nor encrypted). */
        if (!done && token_len) {
            char e2[256];
            if (auth_step(a, token, token_len, &out, &out_len, &done, e2, sizeof e2) != AUTH_OK &&
                !c->guest) {
                snprintf(err, errlen, "%s", e2);
                break;
            }
        }
        result = 0;
        break;
    }
    auth_free(a);
    if (result != 0)
        return -1;
    if (rsvd_res_client_session_add(c->cli, c->conn, c->session_id, &c->sess) != RSVD_OK) {
        snprintf(err, errlen, "cannot register the session");
        return -1;
    }
    return 0;
}

/* TREE_CONNECT to \\server\share ([MS-SMB2] 3.2.4.2.4). */
static int tree_connect(client *c, char *err, size_t errlen)
{
    char unc[512];
    snprintf(unc, sizeof unc, "\\\\%s\\%s", c->t->server, c->t->share);
    uint8_t path[1024];
    size_t path_len = 0;
    rsvd_smb2_hdr h;
    size_t len = 0;
    if (rsvd_utf8_to_utf16le(unc, strlen(unc), path, sizeof path, &path_len) != RSVD_OK ||
        host_hdr(c, RSVD_SMB2_TREE_CONNECT, 1, &h) != RSVD_OK ||
        smb2_tree_connect_req_encode(&h, path, path_len, c->req, sizeof c->req, &len) !=
            RSVD_OK) {
        snprintf(err, errlen, "TREE_CONNECT cannot be built");
        return -1;
    }
    uint32_t st = host_exchange(c, len, h.message_id);
    smb2_tree_connect_rsp r;
    if (st != RSVD_STATUS_SUCCESS ||
        smb2_tree_connect_rsp_decode(c->rsp, c->rsp_len, &r) != RSVD_OK) {
        snprintf(err, errlen, "TREE_CONNECT %s: status 0x%08x", unc, st);
        return -1;
    }
    c->tree_id = r.hdr.tree_id;
    c->share_capabilities = r.capabilities;
    /* The share's capabilities tell the library whether it is continuously
     * available (a durable request then asks for a persistent handle). */
    rsvd_res_client_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_client_tree_params);
    tp.tree_id = r.hdr.tree_id;
    tp.share_capabilities = r.capabilities;
    if (rsvd_res_client_tree_add(c->cli, c->sess, &tp, &c->tree) != RSVD_OK) {
        snprintf(err, errlen, "cannot register the tree connect");
        return -1;
    }
    return 0;
}

int client_connect(client *c, uint64_t previous_session_id, char *err, size_t errlen)
{
    c->conn = c->sess = c->tree = 0;
    c->session_id = 0;
    c->tree_id = 0;
    c->fd = tcp_connect(c->t, err, errlen);
    if (c->fd < 0)
        return -1;
    int rc = negotiate(c, err, errlen);
    if (rc == 0)
        rc = session_setup(c, previous_session_id, err, errlen);
    if (rc == 0)
        rc = tree_connect(c, err, errlen);
    return rc;
}

void client_drop(client *c)
{
    /* SO_LINGER 0: close() sends an RST, as a dead link would end. */
    struct linger l = {1, 0};
    (void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(c->fd);
    c->fd = -1;
    /* [MS-SMB2] 3.2.7.1: the library keeps the durable open, frees the
     * session and tree connect. */
    (void)rsvd_res_client_on_disconnect(c->cli, c->conn, client_now_ms());
    c->conn = c->sess = c->tree = 0;
}

/* ---- the open ---------------------------------------------------------------------- */

uint32_t client_create_durable(client *c, const char *name, uint32_t access, uint32_t disposition)
{
    uint8_t wname[512];
    size_t wlen = 0;
    if (rsvd_utf8_to_utf16le(name, strlen(name), wname, sizeof wname, &wlen) != RSVD_OK)
        return RSVD_STATUS_OBJECT_NAME_INVALID;
    rsvd_res_client_create_params p = RSVD_STRUCT_INIT(rsvd_res_client_create_params);
    p.name = wname;
    p.name_len = wlen;
    p.desired_access = access;
    p.file_attributes = RSVD_FILE_ATTRIBUTE_NORMAL;
    p.share_access = RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE | RSVD_FILE_SHARE_DELETE;
    p.create_disposition = disposition;
    p.create_options = RSVD_FILE_NON_DIRECTORY_FILE;
    p.impersonation_level = RSVD_SMB2_IMPERSONATION_IMPERSONATION;
    /* Durable: the library picks DH2Q (3.x) or DHnQ, the CreateGuid, the
     * PERSISTENT flag and the oplock a durable handle needs. */
    p.flags = RSVD_RES_CLIENT_CREATE_DURABLE;
    p.requested_oplock_level = RSVD_SMB2_OPLOCK_LEVEL_NONE;
    rsvd_res_client_msg m;
    if (rsvd_res_client_create(c->cli, c->tree, &p, NULL, c->req, sizeof c->req, &m, &c->open) !=
        RSVD_OK)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    uint64_t open = c->open;
    uint32_t st = lib_exchange(c, m);
    if (st != RSVD_STATUS_SUCCESS && open == c->open)
        c->open = 0; /* no open came of it */
    return st;
}

bool client_open_info(const client *c, rsvd_res_client_open_info *info)
{
    return c->open && rsvd_res_client_open_info_get(c->cli, c->open, info) == RSVD_OK;
}

/* The open's FileId now (its volatile part changes at a reclaim). */
static rsvd_smb2_fileid file_id(const client *c)
{
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    rsvd_smb2_fileid none = {0, 0};
    return client_open_info(c, &info) ? info.file_id : none;
}

/* CreditCharge of a READ or WRITE of @p len bytes ([MS-SMB2] 3.2.4.1.5). */
static uint16_t charge_of(const client *c, uint32_t len)
{
    if (!(c->server_capabilities & RSVD_SMB2_GLOBAL_CAP_LARGE_MTU))
        return 0;
    return (uint16_t)(len ? (len - 1u) / 65536u + 1u : 1u);
}

uint32_t client_write(client *c, uint64_t offset, const uint8_t *data, uint32_t len,
                      uint32_t *count)
{
    *count = 0;
    rsvd_smb2_write_req q;
    memset(&q, 0, sizeof q);
    if (host_hdr(c, RSVD_SMB2_WRITE, charge_of(c, len), &q.hdr) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    q.length = len;
    q.offset = offset;
    q.file_id = file_id(c);
    q.data = data;
    size_t n = 0;
    if (rsvd_smb2_write_req_encode(&q, c->req, sizeof c->req, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    uint32_t st = host_exchange(c, n, q.hdr.message_id);
    rsvd_smb2_write_rsp r;
    if (st == RSVD_STATUS_SUCCESS) {
        if (rsvd_smb2_write_rsp_decode(c->rsp, c->rsp_len, &r) != RSVD_OK)
            return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
        *count = r.count;
    }
    return st;
}

uint32_t client_read(client *c, uint64_t offset, uint8_t *buf, uint32_t len, uint32_t *got)
{
    *got = 0;
    rsvd_smb2_read_req q;
    memset(&q, 0, sizeof q);
    if (host_hdr(c, RSVD_SMB2_READ, charge_of(c, len), &q.hdr) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    q.padding = RSVD_SMB2_READ_RSP_BUFFER_OFFSET;
    q.length = len;
    q.offset = offset;
    q.file_id = file_id(c);
    size_t n = 0;
    if (rsvd_smb2_read_req_encode(&q, c->req, sizeof c->req, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    uint32_t st = host_exchange(c, n, q.hdr.message_id);
    rsvd_smb2_read_rsp r;
    if (st == RSVD_STATUS_SUCCESS) {
        if (rsvd_smb2_read_rsp_decode(c->rsp, c->rsp_len, &r) != RSVD_OK || r.data_length > len)
            return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
        memcpy(buf, r.data, r.data_length);
        *got = r.data_length;
    }
    return st;
}

uint32_t client_request_resiliency(client *c, uint32_t timeout_ms)
{
    rsvd_res_client_msg m;
    int rc = rsvd_res_client_request_resiliency(c->cli, c->open, timeout_ms, NULL, c->req,
                                                sizeof c->req, &m);
    if (rc == RSVD_E_NOTSUP)
        return RSVD_STATUS_NOT_SUPPORTED; /* dialect 2.0.2: nothing sent */
    if (rc != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    return lib_exchange(c, m);
}

uint32_t client_reclaim(client *c)
{
    if (c->lost || !c->open)
        return CLIENT_GIVEN_UP;
    rsvd_res_client_msg m;
    int rc = rsvd_res_client_reconnect_create(c->cli, c->open, c->tree, client_now_ms(), NULL, 0,
                                              c->req, sizeof c->req, &m);
    if (rc == RSVD_E_NOENT)
        return CLIENT_GIVEN_UP;
    if (rc != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    /* Which reconnect context the library chose for this grant. */
    rsvd_smb2_create_req q;
    rsvd_smb2_cc cc;
    snprintf(c->reclaim_context, sizeof c->reclaim_context, "?");
    if (rsvd_smb2_create_req_decode(c->req, m.len, &q) == RSVD_OK &&
        rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length,
                          RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2, RSVD_SMB2_CC_TAG_LEN,
                          &cc) == RSVD_OK)
        snprintf(c->reclaim_context, sizeof c->reclaim_context, "DH2C");
    else if (rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length,
                               RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT, RSVD_SMB2_CC_TAG_LEN,
                               &cc) == RSVD_OK)
        snprintf(c->reclaim_context, sizeof c->reclaim_context, "DHnC");
    uint32_t st = lib_exchange(c, m);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    /* 3.2.5.8: requests that were in flight go again (none here). */
    while (rsvd_res_client_resend_next(c->cli, c->open, c->req, sizeof c->req, &m) == RSVD_OK)
        (void)lib_exchange(c, m);
    return st;
}

uint32_t client_close(client *c)
{
    rsvd_smb2_close_req q;
    memset(&q, 0, sizeof q);
    if (host_hdr(c, RSVD_SMB2_CLOSE, 1, &q.hdr) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    q.file_id = file_id(c);
    size_t n = 0;
    if (rsvd_smb2_close_req_encode(&q, c->req, sizeof c->req, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    /* The CLOSE goes out: the library forgets the open. */
    (void)rsvd_res_client_open_close(c->cli, c->open);
    c->open = 0;
    return host_exchange(c, n, q.hdr.message_id);
}

uint32_t client_logoff(client *c)
{
    rsvd_smb2_hdr h;
    size_t n = 0;
    if (host_hdr(c, RSVD_SMB2_LOGOFF, 1, &h) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    h.tree_id = 0;
    if (smb2_logoff_req_encode(&h, c->req, sizeof c->req, &n) != RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    uint32_t st = host_exchange(c, n, h.message_id);
    rsvd_smb2_hdr r;
    if (st == RSVD_STATUS_SUCCESS && smb2_logoff_rsp_decode(c->rsp, c->rsp_len, &r) != RSVD_OK)
        st = RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    /* The session and its tree connect are gone; then the connection. */
    (void)rsvd_res_client_tree_remove(c->cli, c->tree);
    (void)rsvd_res_client_session_remove(c->cli, c->sess);
    close(c->fd);
    c->fd = -1;
    (void)rsvd_res_client_on_disconnect(c->cli, c->conn, client_now_ms());
    c->conn = c->sess = c->tree = 0;
    return st;
}
