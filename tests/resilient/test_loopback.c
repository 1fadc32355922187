/*
 * A client and a server instance talking to each other through the wire
 * layer: the client builds every request, the server decodes and answers
 * it, the client decodes the answer. Request, grant, lock, disconnect with a
 * LOCK response lost, reconnect with DHnC, lock replay; and an open that
 * outlives its ResilientTimeout.
 *
 * With RSVD_LOOPBACK_PCAP=<file> in the environment every message is also
 * written to a capture (tshark -r <file> dissects it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/pcap.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "res_fixture.h"

/* The capture every test writes to, when asked for. */
static FILE *g_pcap_file;
static rsvd_pcap g_pcap;

/* ---- the hosts ----------------------------------------------------------- */

typedef struct server_host {
    rsvd_res_server *srv;
    unsigned ranges_locked;  /* the object store's locks */
    unsigned local_closes;   /* Open.LocalOpen closes the library asked for */
    rsvd_res_close_reason last_reason;
} server_host;

typedef struct client_host {
    rsvd_res_client *cli;
    unsigned lost;
    rsvd_res_lost_reason last_lost;
    unsigned failed;
} client_host;

typedef struct wire {
    FILE *f;
    rsvd_pcap pcap;
    rsvd_pcap_flow flow;
    uint16_t port;
    uint64_t now_ms;
} wire;

static int pcap_write(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

static void wire_open(wire *w)
{
    static const uint8_t cip[4] = {192, 168, 7, 10}, sip[4] = {192, 168, 7, 1};
    static uint16_t next_port = 49152;
    w->port = next_port++;
    if (w->f)
        rsvd_pcap_flow_init(&w->flow, cip, w->port, sip);
}

static void wire_send(wire *w, bool from_client, const uint8_t *msg, size_t len)
{
    if (w->f)
        assert_int_equal(rsvd_pcap_write_smb2(&w->pcap, &w->flow, from_client, msg, len,
                                              w->now_ms * 1000u),
                         RSVD_OK);
}

static void wire_drop(wire *w)
{
    if (w->f)
        assert_int_equal(rsvd_pcap_reset(&w->pcap, &w->flow, w->now_ms * 1000u), RSVD_OK);
}

static void srv_close(rsvd_res_server *srv, const rsvd_res_closed_open *c, void *ud)
{
    (void)srv;
    (void)c;
    server_host *h = ud;
    h->local_closes++;
    h->last_reason = c->reason;
}

static void cli_failed(rsvd_res_client *cli, const rsvd_res_client_done *d, void *ud)
{
    (void)cli;
    (void)d;
    ((client_host *)ud)->failed++;
}

static void cli_lost(rsvd_res_client *cli, uint64_t open, void *oud, rsvd_res_lost_reason r,
                     void *ud)
{
    (void)cli;
    (void)open;
    (void)oud;
    client_host *h = ud;
    h->lost++;
    h->last_lost = r;
}

/* The server host answers a LOCK request from the bytes it received. */
static size_t server_lock(server_host *sh, const rsvd_res_server_ctx *ctx, const uint8_t *req,
                          size_t n, uint8_t *rsp, size_t cap, rsvd_res_lock_action *action)
{
    rsvd_res_lock_op op;
    assert_int_equal(rsvd_res_server_lock_begin(sh->srv, ctx, req, n, &op), RSVD_OK);
    *action = op.action;
    uint32_t status = op.status;
    if (op.action == RSVD_RES_LOCK_PROCESS) {
        sh->ranges_locked += op.req.lock_count; /* through Open.LocalOpen */
        status = RSVD_STATUS_SUCCESS;
        assert_int_equal(rsvd_res_server_lock_end(sh->srv, &op, status), RSVD_OK);
    }
    size_t len = 0;
    if (status != RSVD_STATUS_SUCCESS) {
        assert_int_equal(
            rsvd_smb2_error_response_build(&op.req.hdr, status, ctx->credits, rsp, cap, &len),
            RSVD_OK);
        return len;
    }
    rsvd_smb2_lock_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = op.req.hdr;
    m.hdr.flags = RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    m.hdr.status = RSVD_STATUS_SUCCESS;
    m.hdr.credit = ctx->credits;
    assert_int_equal(rsvd_smb2_lock_rsp_encode(&m, rsp, cap, &len), RSVD_OK);
    return len;
}

/* The server host answers a CREATE carrying a reconnect context. */
static size_t server_create(server_host *sh, const rsvd_res_server_ctx *ctx, const uint8_t *req,
                            size_t n, uint64_t now, uint8_t *rsp, size_t cap, uint32_t *status)
{
    rsvd_res_reconnect_result r;
    assert_int_equal(rsvd_res_server_reconnect(sh->srv, ctx, req, n, now, &r), RSVD_OK);
    *status = r.status;
    rsvd_smb2_create_req q;
    assert_int_equal(rsvd_smb2_create_req_decode(req, n, &q), RSVD_OK);
    size_t len = 0;
    if (r.status != RSVD_STATUS_SUCCESS) {
        assert_int_equal(
            rsvd_smb2_error_response_build(&q.hdr, r.status, ctx->credits, rsp, cap, &len),
            RSVD_OK);
        return len;
    }
    rsvd_smb2_create_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = q.hdr;
    m.hdr.flags = RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    m.hdr.credit = ctx->credits;
    m.oplock_level = q.requested_oplock_level;
    m.create_action = RSVD_FILE_OPENED;
    m.file_attributes = 0x20;
    m.end_of_file = 64u << 20;
    m.allocation_size = 64u << 20;
    m.file_id = r.file_id;
    assert_int_equal(rsvd_smb2_create_rsp_encode(&m, rsp, cap, &len), RSVD_OK);
    return len;
}

/* Both sides of one session: what the hosts set up after NEGOTIATE,
 * SESSION_SETUP (PreviousSessionId on a reconnect) and TREE_CONNECT. */
typedef struct link {
    rsvd_res_server_ctx sctx;
    uint64_t cconn, csess, ctree;
} link;

static link link_up(server_host *sh, client_host *ch, wire *w, uint16_t dialect,
                    uint64_t session_id, uint32_t tree_id)
{
    link l;
    memset(&l, 0, sizeof l);
    wire_open(w);
    const rsvd_res_conn_params sp = {.struct_size = sizeof(rsvd_res_conn_params),
                                     .dialect = dialect,
                                     .supports_multi_credit = dialect != RSVD_SMB2_DIALECT_202,
                                     .max_transact_size = 65536};
    assert_int_equal(rsvd_res_server_conn_add(sh->srv, &sp, &l.sctx.conn), RSVD_OK);
    assert_int_equal(rsvd_res_server_session_add(sh->srv, l.sctx.conn, session_id, fx_alice,
                                                 sizeof fx_alice, &l.sctx.session),
                     RSVD_OK);
    assert_int_equal(
        rsvd_res_server_tree_add(sh->srv, l.sctx.session, RES_TREE(tree_id), &l.sctx.tree),
        RSVD_OK);
    l.sctx.credits = 4;
    rsvd_res_client_conn_params cp = RSVD_STRUCT_INIT(rsvd_res_client_conn_params);
    cp.dialect = dialect;
    cp.supports_multi_credit = dialect != RSVD_SMB2_DIALECT_202;
    cp.credits = 1; /* {0} */
    assert_int_equal(rsvd_res_client_conn_add(ch->cli, &cp, &l.cconn), RSVD_OK);
    /* NEGOTIATE, SESSION_SETUP, TREE_CONNECT: the host's messages, with
     * MessageIds from the library's window. */
    for (int i = 0; i < 3; i++) {
        uint64_t mid;
        assert_int_equal(rsvd_res_client_conn_take_message_ids(ch->cli, l.cconn, 1, &mid),
                         RSVD_OK);
        assert_true(mid == (uint64_t)i);
        assert_int_equal(rsvd_res_client_conn_grant_credits(ch->cli, l.cconn, 4), RSVD_OK);
    }
    assert_int_equal(rsvd_res_client_session_add(ch->cli, l.cconn, session_id, &l.csess), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(ch->cli, l.csess, CLI_TREE(tree_id), &l.ctree),
                     RSVD_OK);
    return l;
}

/* ---- the exchange --------------------------------------------------------- */

typedef struct world {
    server_host sh;
    client_host ch;
    wire w;
} world;

static void world_init(world *wd)
{
    memset(wd, 0, sizeof *wd);
    wd->w.now_ms = 1700000000000ull;
    if (g_pcap_file) {
        wd->w.f = g_pcap_file;
        wd->w.pcap = g_pcap;
    }
    const rsvd_res_server_callbacks scb = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                           .close_open = srv_close};
    assert_int_equal(rsvd_res_server_new(NULL, &scb, &wd->sh, &wd->sh.srv), RSVD_OK);
    const rsvd_res_client_callbacks ccb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                           .request_failed = cli_failed,
                                           .open_lost = cli_lost};
    assert_int_equal(rsvd_res_client_new(NULL, &ccb, &wd->ch, &wd->ch.cli), RSVD_OK);
}

static void world_fini(world *wd)
{
    rsvd_res_client_free(wd->ch.cli);
    rsvd_res_server_free(wd->sh.srv);
}

/* CREATE (the host's, not shown on the wire) of d.vhdx on both sides. */
static uint64_t open_file(world *wd, const link *l, rsvd_smb2_fileid *fid)
{
    assert_int_equal(rsvd_res_server_open_add(wd->sh.srv, &l->sctx, 0, NULL, fid), RSVD_OK);
    uint64_t mid;
    assert_int_equal(rsvd_res_client_conn_take_message_ids(wd->ch.cli, l->cconn, 1, &mid),
                     RSVD_OK);
    rsvd_res_client_open_params op = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
    op.file_id = *fid;
    op.name = cx_name;
    op.name_len = sizeof cx_name;
    op.desired_access = 0x0012019F;
    op.share_access = RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE;
    op.create_disposition = RSVD_FILE_OPEN;
    op.create_options = RSVD_FILE_NON_DIRECTORY_FILE;
    uint64_t open;
    assert_int_equal(rsvd_res_client_open_add(wd->ch.cli, l->ctree, &op, &open), RSVD_OK);
    return open;
}

static rsvd_res_client_done client_receives(world *wd, uint64_t conn, const uint8_t *rsp,
                                            size_t rn)
{
    wire_send(&wd->w, false, rsp, rn);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(wd->ch.cli, conn, rsp, rn, wd->w.now_ms, &d),
                     RSVD_OK);
    assert_true(d.final);
    return d;
}

static void request_grant_lock_disconnect_reconnect_replay(uint16_t dialect)
{
    world wd;
    world_init(&wd);
    uint8_t req[1024], rsp[1024];
    size_t rn;
    rsvd_res_client_msg m;
    rsvd_res_client_done d;
    rsvd_res_lock_action action;

    link a = link_up(&wd.sh, &wd.ch, &wd.w, dialect, 0x11, 5);
    rsvd_smb2_fileid fid;
    uint64_t open = open_file(&wd, &a, &fid);

    /* 1. The application asks for resiliency; the server grants it. */
    assert_int_equal(rsvd_res_client_request_resiliency(wd.ch.cli, open, 60000, NULL, req,
                                                        sizeof req, &m),
                     RSVD_OK);
    assert_true(m.conn == a.cconn);
    wire_send(&wd.w, true, req, m.len);
    uint32_t st;
    assert_int_equal(rsvd_res_server_ioctl(wd.sh.srv, &a.sctx, req, m.len, rsp, sizeof rsp, &rn,
                                           &st),
                     RSVD_OK);
    assert_int_equal(st, RSVD_STATUS_SUCCESS);
    d = client_receives(&wd, a.cconn, rsp, rn);
    assert_int_equal(d.kind, RSVD_RES_REQ_RESILIENCY);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    rsvd_res_client_open_info ci = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    assert_int_equal(rsvd_res_client_open_info_get(wd.ch.cli, open, &ci), RSVD_OK);
    assert_true(ci.resilient_handle && ci.durable);
    rsvd_res_open_info si = RSVD_STRUCT_INIT(rsvd_res_open_info);
    assert_int_equal(rsvd_res_server_open_info(wd.sh.srv, fid.persistent_id, &si), RSVD_OK);
    assert_true(si.is_resilient);
    assert_int_equal(si.resiliency_timeout_ms, 60000);

    /* 2. A lock, answered. */
    rsvd_smb2_lock_element e = {0, 4096, RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK};
    assert_int_equal(rsvd_res_client_lock(wd.ch.cli, open, &e, 1, NULL, req, sizeof req, &m),
                     RSVD_OK);
    wire_send(&wd.w, true, req, m.len);
    rn = server_lock(&wd.sh, &a.sctx, req, m.len, rsp, sizeof rsp, &action);
    assert_int_equal(action, RSVD_RES_LOCK_PROCESS);
    d = client_receives(&wd, a.cconn, rsp, rn);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);

    /* 3. A second lock (LockSequence 1.1) is applied by the server, but the
     * connection dies before its response reaches the client. */
    e.offset = 8192;
    assert_int_equal(rsvd_res_client_lock(wd.ch.cli, open, &e, 1, NULL, req, sizeof req, &m),
                     RSVD_OK);
    wire_send(&wd.w, true, req, m.len);
    rn = server_lock(&wd.sh, &a.sctx, req, m.len, rsp, sizeof rsp, &action);
    assert_int_equal(action, RSVD_RES_LOCK_PROCESS);
    assert_int_equal(wd.sh.ranges_locked, 2);
    wire_drop(&wd.w);
    assert_int_equal(rsvd_res_server_conn_lost(wd.sh.srv, a.sctx.conn, wd.w.now_ms), RSVD_OK);
    assert_int_equal(rsvd_res_client_on_disconnect(wd.ch.cli, a.cconn, wd.w.now_ms), RSVD_OK);
    assert_int_equal(wd.sh.local_closes, 0);
    assert_int_equal(wd.ch.lost, 0);
    assert_int_equal(wd.ch.failed, 0);

    /* 4. Five seconds later: a new connection, session and tree; the
     * reconnect CREATE with DHnC. */
    wd.w.now_ms += 5000;
    assert_int_equal(rsvd_res_server_handle_expiry(wd.sh.srv, wd.w.now_ms, NULL), RSVD_OK);
    assert_int_equal(rsvd_res_client_handle_expiry(wd.ch.cli, wd.w.now_ms, NULL), RSVD_OK);
    link b = link_up(&wd.sh, &wd.ch, &wd.w, dialect, 0x12, 7);
    assert_int_equal(rsvd_res_client_reconnect_create(wd.ch.cli, open, b.ctree, wd.w.now_ms, NULL,
                                                      0, req, sizeof req, &m),
                     RSVD_OK);
    assert_true(m.conn == b.cconn);
    wire_send(&wd.w, true, req, m.len);
    rn = server_create(&wd.sh, &b.sctx, req, m.len, wd.w.now_ms, rsp, sizeof rsp, &st);
    assert_int_equal(st, RSVD_STATUS_SUCCESS);
    d = client_receives(&wd, b.cconn, rsp, rn);
    assert_int_equal(d.kind, RSVD_RES_REQ_RECONNECT);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_client_open_info_get(wd.ch.cli, open, &ci), RSVD_OK);
    assert_int_equal(ci.state, RSVD_RES_CLIENT_OPEN_CONNECTED);
    assert_true(ci.file_id.persistent_id == fid.persistent_id);
    assert_true(ci.file_id.volatile_id != fid.volatile_id);
    assert_int_equal(ci.resend_pending, 1);

    /* 5. The unfinished LOCK goes again with its LockSequence: a replay,
     * answered with success and not locked again. */
    assert_int_equal(rsvd_res_client_resend_next(wd.ch.cli, open, req, sizeof req, &m), RSVD_OK);
    wire_send(&wd.w, true, req, m.len);
    rn = server_lock(&wd.sh, &b.sctx, req, m.len, rsp, sizeof rsp, &action);
    assert_int_equal(action, RSVD_RES_LOCK_REPLAY);
    d = client_receives(&wd, b.cconn, rsp, rn);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(wd.sh.ranges_locked, 2);
    bool free_;
    uint8_t seq;
    assert_int_equal(rsvd_res_client_bucket(wd.ch.cli, open, 1, &free_, &seq), RSVD_OK);
    assert_true(free_);
    assert_int_equal(seq, 2);

    /* 6. A new lock after the reconnect is processed. */
    e.offset = 16384;
    assert_int_equal(rsvd_res_client_lock(wd.ch.cli, open, &e, 1, NULL, req, sizeof req, &m),
                     RSVD_OK);
    wire_send(&wd.w, true, req, m.len);
    rn = server_lock(&wd.sh, &b.sctx, req, m.len, rsp, sizeof rsp, &action);
    assert_int_equal(action, RSVD_RES_LOCK_PROCESS);
    d = client_receives(&wd, b.cconn, rsp, rn);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(wd.sh.ranges_locked, 3);

    /* The old deadline passes: nothing is closed on either side. */
    wd.w.now_ms += 120000;
    assert_int_equal(rsvd_res_server_handle_expiry(wd.sh.srv, wd.w.now_ms, NULL), RSVD_OK);
    assert_int_equal(rsvd_res_client_handle_expiry(wd.ch.cli, wd.w.now_ms, NULL), RSVD_OK);
    assert_int_equal(wd.sh.local_closes, 0);
    assert_int_equal(wd.ch.lost, 0);
    if (wd.w.f)
        assert_int_equal(rsvd_pcap_close(&wd.w.pcap, &wd.w.flow, wd.w.now_ms * 1000u), RSVD_OK);
    world_fini(&wd);
}

static void loopback_on_2_1(void **state)
{
    (void)state;
    request_grant_lock_disconnect_reconnect_replay(RSVD_SMB2_DIALECT_210);
}

static void loopback_on_3_0_2(void **state)
{
    (void)state;
    request_grant_lock_disconnect_reconnect_replay(RSVD_SMB2_DIALECT_302);
}

static void loopback_on_3_1_1(void **state)
{
    (void)state;
    request_grant_lock_disconnect_reconnect_replay(RSVD_SMB2_DIALECT_311);
}

static void loopback_reconnect_after_the_timeout_is_refused_and_given_up(void **state)
{
    (void)state;
    world wd;
    world_init(&wd);
    uint8_t req[1024], rsp[1024];
    size_t rn;
    rsvd_res_client_msg m;
    uint32_t st;
    link a = link_up(&wd.sh, &wd.ch, &wd.w, RSVD_SMB2_DIALECT_210, 0x11, 5);
    rsvd_smb2_fileid fid;
    uint64_t open = open_file(&wd, &a, &fid);
    assert_int_equal(rsvd_res_client_request_resiliency(wd.ch.cli, open, 10000, NULL, req,
                                                        sizeof req, &m),
                     RSVD_OK);
    wire_send(&wd.w, true, req, m.len);
    assert_int_equal(rsvd_res_server_ioctl(wd.sh.srv, &a.sctx, req, m.len, rsp, sizeof rsp, &rn,
                                           &st),
                     RSVD_OK);
    (void)client_receives(&wd, a.cconn, rsp, rn);
    wire_drop(&wd.w);
    uint64_t t0 = wd.w.now_ms;
    assert_int_equal(rsvd_res_server_conn_lost(wd.sh.srv, a.sctx.conn, t0), RSVD_OK);
    assert_int_equal(rsvd_res_client_on_disconnect(wd.ch.cli, a.cconn, t0), RSVD_OK);
    /* The client sends its attempt just in time; it reaches the server
     * after the server's deadline. */
    wd.w.now_ms = t0 + 9999;
    link b = link_up(&wd.sh, &wd.ch, &wd.w, RSVD_SMB2_DIALECT_210, 0x12, 7);
    assert_int_equal(rsvd_res_client_reconnect_create(wd.ch.cli, open, b.ctree, wd.w.now_ms, NULL,
                                                      0, req, sizeof req, &m),
                     RSVD_OK);
    wire_send(&wd.w, true, req, m.len);
    wd.w.now_ms = t0 + 10001;
    rn = server_create(&wd.sh, &b.sctx, req, m.len, wd.w.now_ms, rsp, sizeof rsp, &st);
    assert_int_equal(st, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(wd.sh.local_closes, 1);
    assert_int_equal(wd.sh.last_reason, RSVD_RES_CLOSE_EXPIRED);
    rsvd_res_client_done d = client_receives(&wd, b.cconn, rsp, rn);
    assert_int_equal(d.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(wd.ch.lost, 1);
    assert_int_equal(wd.ch.last_lost, RSVD_RES_LOST_TIMEOUT);
    world_fini(&wd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loopback_on_2_1),
        cmocka_unit_test(loopback_on_3_0_2),
        cmocka_unit_test(loopback_on_3_1_1),
        cmocka_unit_test(loopback_reconnect_after_the_timeout_is_refused_and_given_up),
    };
    const char *path = getenv("RSVD_LOOPBACK_PCAP");
    if (path) {
        g_pcap_file = fopen(path, "wb");
        if (!g_pcap_file || rsvd_pcap_begin(&g_pcap, pcap_write, g_pcap_file) != RSVD_OK) {
            perror(path);
            return 1;
        }
    }
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (g_pcap_file)
        fclose(g_pcap_file);
    return rc;
}
