/*
 * Allocation failure injection, resilient handles ([MS-SMB2] 3.3.5.15.9,
 * 3.3.7.1, 3.3.5.9.7 on the server; 3.2.4.20.8, 3.2.4.19, 3.2.4.4 on the
 * client): every public operation that allocates is run with its 1st, 2nd,
 * ... Nth allocation failing, until a run meets no failure. A failing run
 * ends with RSVD_E_NOMEM (or the status the section gives:
 * STATUS_INSUFFICIENT_RESOURCES for a reconnect, a close for resource
 * pressure when an open cannot be kept), changes nothing else, leaks
 * nothing, and the instance stays usable: the operation then succeeds and a
 * follow-up works. The operations that must not allocate are run with every
 * allocation failing.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "fail_alloc.h"
#include "res_fixture.h"
#include "resilient/server_int.h"

#define MAX_RUNS 64

/* ---- server ------------------------------------------------------------------------------- */

static rsvd_res_server_config server_cfg(fa_alloc *a)
{
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.mem = &a->mem;
    return cfg;
}

static void assert_same_stats(const rsvd_res_server_stats *a, const rsvd_res_server_stats *b)
{
    assert_int_equal(a->connections, b->connections);
    assert_int_equal(a->sessions, b->sessions);
    assert_int_equal(a->trees, b->trees);
    assert_int_equal(a->opens, b->opens);
    assert_int_equal(a->detached, b->detached);
}

static void nop_close(rsvd_res_server *srv, const rsvd_res_closed_open *c, void *ud)
{
    (void)srv;
    (void)c;
    (void)ud;
}

static void res_server_new_fails_with_nomem(void **state)
{
    (void)state;
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_res_server_config cfg = server_cfg(&a);
        const rsvd_res_server_callbacks cb = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                              .close_open = nop_close};
        rsvd_res_server *srv = NULL;
        fa_fail_nth(&a, n);
        int rc = rsvd_res_server_new(&cfg, &cb, NULL, &srv);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            assert_null(srv);
            assert_int_equal(a.live, 0);
            assert_int_equal(rsvd_res_server_new(&cfg, &cb, NULL, &srv), RSVD_OK);
        }
        rsvd_res_server_free(srv);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0); /* the operation allocates: a run met the failure */
}

/* The registration operations, each on a server that already holds
 * @p existing objects of the kind (16: the handle table grows). */
typedef enum reg_op { REG_CONN, REG_SESSION, REG_BIND, REG_TREE, REG_OPEN } reg_op;

static int reg_run(srv_fx *fx, reg_op op, uint64_t extra_conn, uint64_t *out)
{
    const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                    .dialect = RSVD_SMB2_DIALECT_311,
                                    .supports_multi_credit = true,
                                    .max_transact_size = 0};
    rsvd_smb2_fileid fid;
    int rc;
    switch (op) {
    case REG_CONN:
        return rsvd_res_server_conn_add(fx->srv, &p, out);
    case REG_SESSION:
        return rsvd_res_server_session_add(fx->srv, fx->main.ctx.conn, 0x999, fx_alice,
                                           sizeof fx_alice, out);
    case REG_BIND:
        return rsvd_res_server_session_bind(fx->srv, fx->main.ctx.session, extra_conn);
    case REG_TREE:
        return rsvd_res_server_tree_add(fx->srv, fx->main.ctx.session, RES_TREE(99), out);
    case REG_OPEN:
    default:
        rc = rsvd_res_server_open_add(fx->srv, &fx->main.ctx, 0, NULL, &fid);
        *out = fid.persistent_id;
        return rc;
    }
}

static void reg_fails_cleanly(reg_op op, unsigned existing)
{
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_res_server_config cfg = server_cfg(&a);
        srv_fx fx;
        fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_311);
        const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                        .dialect = RSVD_SMB2_DIALECT_311,
                                        .supports_multi_credit = true,
                                        .max_transact_size = 0};
        uint64_t extra_conn = 0, h;
        assert_int_equal(rsvd_res_server_conn_add(fx.srv, &p, &extra_conn), RSVD_OK);
        for (unsigned i = 0; i < existing; i++) {
            uint64_t dummy;
            assert_int_equal(reg_run(&fx, op, extra_conn, &dummy), RSVD_OK);
        }
        rsvd_res_server_stats before = RSVD_STRUCT_INIT(rsvd_res_server_stats);
        rsvd_res_server_stats after = RSVD_STRUCT_INIT(rsvd_res_server_stats);
        rsvd_res_server_get_stats(fx.srv, &before);
        fa_fail_nth(&a, n);
        int rc = reg_run(&fx, op, extra_conn, &h);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        fx_check(&fx);
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            rsvd_res_server_get_stats(fx.srv, &after);
            assert_same_stats(&before, &after);
            rc = reg_run(&fx, op, extra_conn, &h);
        }
        assert_int_equal(rc, RSVD_OK);
        fx_check(&fx);
        /* Follow-up: an open on the main tree is granted resiliency. */
        rsvd_smb2_fileid fid = fx_open(&fx);
        fx_make_resilient(&fx, &fid, 1000);
        fx_fini(&fx);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0); /* the operation allocates: a run met the failure */
}

/* Existing object counts around the first growth of a handle table (16
 * slots): whichever count the fixture starts with, one run grows it. */
static const unsigned growth[] = {0, 13, 14, 15, 16};
#define EACH_GROWTH(i) for (size_t i = 0; i < sizeof growth / sizeof growth[0]; i++)

static void conn_add_fails_cleanly(void **state)
{
    (void)state;
    EACH_GROWTH(i)
    reg_fails_cleanly(REG_CONN, growth[i]);
}

static void session_add_fails_cleanly(void **state)
{
    (void)state;
    EACH_GROWTH(i)
    reg_fails_cleanly(REG_SESSION, growth[i]);
}

static void session_bind_fails_cleanly(void **state)
{
    (void)state;
    reg_fails_cleanly(REG_BIND, 0);
}

static void tree_add_fails_cleanly(void **state)
{
    (void)state;
    EACH_GROWTH(i)
    reg_fails_cleanly(REG_TREE, growth[i]);
}

static void open_add_fails_cleanly(void **state)
{
    (void)state;
    EACH_GROWTH(i)
    reg_fails_cleanly(REG_OPEN, growth[i]);
}

/* A reconnect that needs a new volatile FileId slot (the table is full and
 * must grow): STATUS_INSUFFICIENT_RESOURCES, the open stays detached with
 * its deadline ([MS-SMB2] 3.3.5.9.7: the CREATE fails; the open is still
 * there for the next attempt). */
static void reconnect_fails_insufficient_resources_and_keeps_the_open(void **state)
{
    (void)state;
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_res_server_config cfg = server_cfg(&a);
        srv_fx fx;
        fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_311);
        rsvd_smb2_fileid r = fx_open(&fx);
        fx_make_resilient(&fx, &r, 60000);
        /* 16 attached opens of Bob fill the volatile FileId table once r
         * has left it. */
        fx_sess bob = fx_new_session(&fx, RSVD_SMB2_DIALECT_311, fx_bob, sizeof fx_bob, 0x22, 6);
        for (int i = 0; i < 15; i++)
            fx_open_on(&fx, &bob, 0);
        assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
        fx_open_on(&fx, &bob, 0);
        rsvd_res_open_info was = fx_info(&fx, &r);
        assert_int_equal(was.state, RSVD_RES_OPEN_DETACHED);
        fx_sess again =
            fx_new_session(&fx, RSVD_SMB2_DIALECT_311, fx_alice, sizeof fx_alice, 0x33, 7);
        fa_fail_nth(&a, n);
        rsvd_res_reconnect_result res = fx_reconnect(&fx, &again, &r, FX_CC_DHNC);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        if (hit) {
            assert_int_equal(res.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
            rsvd_res_open_info now = fx_info(&fx, &r);
            assert_int_equal(now.state, RSVD_RES_OPEN_DETACHED);
            assert_int_equal(now.deadline_ms, was.deadline_ms);
            res = fx_reconnect(&fx, &again, &r, FX_CC_DHNC);
        }
        assert_int_equal(res.status, RSVD_STATUS_SUCCESS);
        /* Follow-up: a LOCK on the reconnected open is processed. */
        rsvd_res_lock_op op = fx_lock_begin(&fx, &again, &res.file_id, 0);
        assert_int_equal(op.action, RSVD_RES_LOCK_PROCESS);
        fx_fini(&fx);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0); /* the operation allocates: a run met the failure */
}

/* An open that cannot be kept detached for want of memory for its deadline
 * is closed with reason RESOURCES (resource pressure, [MS-SMB2] 3.3.2.4). */
static void detach_without_memory_closes_for_resources(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_res_server_config cfg = server_cfg(&a);
    srv_fx fx;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_311);
    rsvd_smb2_fileid r = fx_open(&fx);
    fx_make_resilient(&fx, &r, 60000);
    fa_fail_nth(&a, 1);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(a.failed, 1);
    fa_heal(&a);
    fx_check(&fx);
    assert_int_equal(fx.n_closed, 1);
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_RESOURCES);
    assert_false(fx_exists(&fx, &r));
    /* Usable: the next resilient open is kept when its connection goes. */
    fx_sess s = fx_new_session(&fx, RSVD_SMB2_DIALECT_311, fx_alice, sizeof fx_alice, 0x44, 8);
    rsvd_smb2_fileid r2 = fx_open_on(&fx, &s, 0);
    assert_int_equal(fx_request_resiliency(&fx, &s, &r2, 60000), RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(fx_info(&fx, &r2).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
    assert_int_equal(a.live, 0);
}

/* With every allocation failing: resiliency requests, LOCK replay
 * detection, lookups, a reconnect that reuses a FileId slot, the scavenger
 * and every close path still work, and try no allocation. */
static void server_requests_and_events_allocate_nothing(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_res_server_config cfg = server_cfg(&a);
    srv_fx fx;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_311);
    rsvd_smb2_fileid r = fx_open(&fx);
    rsvd_smb2_fileid other = fx_open(&fx);
    rsvd_smb2_fileid gone = fx_open(&fx);
    fx_make_resilient(&fx, &gone, 10);
    /* Room for deadlines exists once one open was detached. */
    fx_sess s2 = fx_new_session(&fx, RSVD_SMB2_DIALECT_311, fx_alice, sizeof fx_alice, 0x55, 9);
    rsvd_smb2_fileid warm = fx_open_on(&fx, &s2, 0);
    assert_int_equal(fx_request_resiliency(&fx, &s2, &warm, 60000), RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s2.ctx.conn, fx.now), RSVD_OK);
    fx_sess s3 = fx_new_session(&fx, RSVD_SMB2_DIALECT_311, fx_alice, sizeof fx_alice, 0x66, 10);
    size_t calls = a.calls;
    fa_fail_all(&a);

    fx_make_resilient(&fx, &r, 60000);
    rsvd_res_lock_op op = fx_lock_begin(&fx, &fx.main, &r, rsvd_smb2_lock_seq_encode(3, 1));
    assert_int_equal(op.action, RSVD_RES_LOCK_PROCESS);
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);
    op = fx_lock_begin(&fx, &fx.main, &r, rsvd_smb2_lock_seq_encode(3, 1));
    assert_int_equal(op.action, RSVD_RES_LOCK_REPLAY);
    void *ud;
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &fx.main.ctx, &r, &ud),
                     RSVD_STATUS_SUCCESS);
    /* The detached open comes back on the fresh session (its volatile slot
     * is free again). */
    rsvd_res_reconnect_result res = fx_reconnect(&fx, &s3, &warm, FX_CC_DHNC);
    assert_int_equal(res.status, RSVD_STATUS_SUCCESS);
    /* LOGOFF detaches into the heap's reserved room. */
    assert_int_equal(rsvd_res_server_logoff(fx.srv, s3.ctx.session, fx.now), RSVD_OK);
    fx.now += 100;
    size_t closed = 0;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, fx.now, &closed), RSVD_OK);
    assert_int_equal(rsvd_res_server_open_close(fx.srv, other.persistent_id), RSVD_OK);
    assert_int_equal(rsvd_res_server_tree_disconnect(fx.srv, fx.main.ctx.tree), RSVD_OK);
    assert_int_equal(rsvd_res_server_session_close(fx.srv, fx.main.ctx.session), RSVD_OK);

    assert_int_equal(a.failed, 0);
    assert_int_equal(a.calls, calls);
    fa_heal(&a);
    fx_check(&fx);
    fx_fini(&fx);
    assert_int_equal(a.live, 0);
}

/* ---- client ------------------------------------------------------------------------------- */

static rsvd_res_client_config client_cfg(fa_alloc *a)
{
    rsvd_res_client_config cfg = RSVD_STRUCT_INIT(rsvd_res_client_config);
    cfg.mem = &a->mem;
    return cfg;
}

static void failed_cb(rsvd_res_client *cli, const rsvd_res_client_done *d, void *ud)
{
    (void)cli;
    (void)d;
    (void)ud;
}

static void lost_cb(rsvd_res_client *cli, uint64_t open, void *oud, rsvd_res_lost_reason r,
                    void *ud)
{
    (void)cli;
    (void)open;
    (void)oud;
    (void)r;
    (void)ud;
}

static void res_client_new_fails_with_nomem(void **state)
{
    (void)state;
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_res_client_config cfg = client_cfg(&a);
        const rsvd_res_client_callbacks cb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                              .request_failed = failed_cb,
                                              .open_lost = lost_cb};
        rsvd_res_client *cli = NULL;
        fa_fail_nth(&a, n);
        int rc = rsvd_res_client_new(&cfg, &cb, NULL, &cli);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            assert_null(cli);
            assert_int_equal(rsvd_res_client_new(&cfg, &cb, NULL, &cli), RSVD_OK);
        }
        rsvd_res_client_free(cli);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0); /* the operation allocates: a run met the failure */
}

/* Request resiliency on the fixture's open and answer it with success. */
static void client_follow_up(cli_fx *cx)
{
    cx_make_resilient(cx, 1000);
    uint8_t req[256], rsp[256];
    rsvd_res_client_msg m;
    const rsvd_smb2_lock_element e = cx_element(0);
    assert_int_equal(rsvd_res_client_lock(cx->cli, cx->open, &e, 1, NULL, req, sizeof req, &m),
                     RSVD_OK);
    rsvd_res_client_done d;
    size_t rn = cx_rsp_lock(req, m.len, 1, rsp, sizeof rsp);
    assert_int_equal(rsvd_res_client_on_response(cx->cli, m.conn, rsp, rn, cx->now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
}

typedef enum creg_op { CREG_CONN, CREG_SESSION, CREG_BIND, CREG_TREE, CREG_OPEN } creg_op;

static int creg_run(cli_fx *cx, creg_op op, uint64_t conn3, uint64_t sess3, uint64_t *out)
{
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_311);
    rsvd_res_client_open_params o = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
    switch (op) {
    case CREG_CONN:
        return rsvd_res_client_conn_add(cx->cli, &p, out);
    case CREG_SESSION:
        return rsvd_res_client_session_add(cx->cli, cx->conn, 0x77, out);
    case CREG_BIND:
        return rsvd_res_client_session_bind(cx->cli, sess3, conn3);
    case CREG_TREE:
        return rsvd_res_client_tree_add(cx->cli, cx->sess, CLI_TREE(9), out);
    case CREG_OPEN:
    default:
        o.file_id.persistent_id = 0x99;
        o.file_id.volatile_id = 0x98;
        o.name = cx_name;
        o.name_len = sizeof cx_name;
        o.durable = true;
        return rsvd_res_client_open_add(cx->cli, cx->tree, &o, out);
    }
}

static void creg_fails_cleanly(creg_op op, unsigned existing)
{
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_res_client_config cfg = client_cfg(&a);
        cli_fx cx;
        cx_init(&cx, &cfg, NULL, false);
        rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_311);
        uint64_t conn3, conn3b, sess3, h;
        assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn3), RSVD_OK);
        assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn3b), RSVD_OK);
        assert_int_equal(rsvd_res_client_session_add(cx.cli, conn3, 0x33, &sess3), RSVD_OK);
        for (unsigned i = 0; i < existing; i++)
            assert_int_equal(creg_run(&cx, op, conn3b, sess3, &h), RSVD_OK);
        fa_fail_nth(&a, n);
        int rc = creg_run(&cx, op, conn3b, sess3, &h);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            rc = creg_run(&cx, op, conn3b, sess3, &h);
        }
        assert_int_equal(rc, RSVD_OK);
        client_follow_up(&cx);
        cx_fini(&cx);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0); /* the operation allocates: a run met the failure */
}

static void client_registrations_fail_cleanly(void **state)
{
    (void)state;
    EACH_GROWTH(i)
    {
        creg_fails_cleanly(CREG_CONN, growth[i]);
        creg_fails_cleanly(CREG_SESSION, growth[i]);
        creg_fails_cleanly(CREG_TREE, growth[i]);
        creg_fails_cleanly(CREG_OPEN, growth[i]);
    }
    creg_fails_cleanly(CREG_BIND, 0);
}

static rsvd_res_client_conn_info conn_info(const cli_fx *cx, uint64_t conn)
{
    rsvd_res_client_conn_info ci = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    assert_int_equal(rsvd_res_client_conn_info_get(cx->cli, conn, &ci), RSVD_OK);
    return ci;
}

/* [MS-SMB2] 3.2.4.20.8: a resiliency request that cannot be built for want
 * of memory takes no MessageId and changes nothing. */
static void request_resiliency_fails_cleanly(void **state)
{
    (void)state;
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_res_client_config cfg = client_cfg(&a);
        cli_fx cx;
        cx_init(&cx, &cfg, NULL, false);
        rsvd_res_client_conn_info before = conn_info(&cx, cx.conn);
        uint8_t req[256];
        rsvd_res_client_msg m;
        fa_fail_nth(&a, n);
        int rc = rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req,
                                                    &m);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            rsvd_res_client_conn_info after = conn_info(&cx, cx.conn);
            assert_int_equal(after.next_message_id, before.next_message_id);
            assert_int_equal(after.outstanding, 0);
            assert_int_equal(cx_info(&cx, cx.open).resilient_timeout_ms, 0);
        } else {
            assert_int_equal(rc, RSVD_OK);
        }
        cx_fini(&cx);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0); /* the operation allocates: a run met the failure */
    /* And healthy, the whole exchange works. */
    fa_alloc a;
    fa_init(&a);
    rsvd_res_client_config cfg = client_cfg(&a);
    cli_fx cx;
    cx_init(&cx, &cfg, NULL, false);
    client_follow_up(&cx);
    cx_fini(&cx);
    assert_int_equal(a.live, 0);
}

/* [MS-SMB2] 3.2.4.19: a LOCK that cannot be built takes no bucket and no
 * MessageId. */
static void lock_fails_cleanly_and_keeps_the_bucket_free(void **state)
{
    (void)state;
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_res_client_config cfg = client_cfg(&a);
        cli_fx cx;
        cx_init(&cx, &cfg, NULL, false);
        cx_make_resilient(&cx, 1000);
        rsvd_res_client_conn_info before = conn_info(&cx, cx.conn);
        uint8_t req[256], rsp[256];
        rsvd_res_client_msg m;
        const rsvd_smb2_lock_element e[2] = {cx_element(0), cx_element(4096)};
        fa_fail_nth(&a, n);
        int rc = rsvd_res_client_lock(cx.cli, cx.open, e, 2, NULL, req, sizeof req, &m);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        bool free_;
        uint8_t seq;
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            assert_int_equal(rsvd_res_client_bucket(cx.cli, cx.open, 1, &free_, &seq), RSVD_OK);
            assert_true(free_);
            assert_int_equal(seq, 0);
            assert_int_equal(conn_info(&cx, cx.conn).next_message_id, before.next_message_id);
            rc = rsvd_res_client_lock(cx.cli, cx.open, e, 2, NULL, req, sizeof req, &m);
        }
        assert_int_equal(rc, RSVD_OK);
        rsvd_smb2_lock_req q;
        assert_int_equal(rsvd_smb2_lock_req_decode(req, m.len, &q), RSVD_OK);
        assert_int_equal(q.lock_sequence, rsvd_smb2_lock_seq_encode(1, 0));
        rsvd_res_client_done d;
        size_t rn = cx_rsp_lock(req, m.len, 1, rsp, sizeof rsp);
        assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d),
                         RSVD_OK);
        assert_int_equal(rsvd_res_client_bucket(cx.cli, cx.open, 1, &free_, &seq), RSVD_OK);
        assert_true(free_);
        assert_int_equal(seq, 1);
        cx_fini(&cx);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0); /* the operation allocates: a run met the failure */
}

/* Detaches the fixture's resilient open and registers a new connection,
 * session and tree to reconnect it on. */
static uint64_t detach_and_new_tree(cli_fx *cx, uint64_t *conn)
{
    cx_make_resilient(cx, 60000);
    assert_int_equal(rsvd_res_client_on_disconnect(cx->cli, cx->conn, cx->now), RSVD_OK);
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_210);
    uint64_t sess, tree;
    assert_int_equal(rsvd_res_client_conn_add(cx->cli, &p, conn), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx->cli, *conn, 0x12, &sess), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(cx->cli, sess, CLI_TREE(6), &tree), RSVD_OK);
    return tree;
}

/* [MS-SMB2] 3.2.4.4: a reconnect CREATE that cannot be built leaves the
 * open detached with no attempt in flight. */
static void reconnect_create_fails_cleanly(void **state)
{
    (void)state;
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_res_client_config cfg = client_cfg(&a);
        cli_fx cx;
        cx_init(&cx, &cfg, NULL, false);
        uint64_t conn;
        uint64_t tree = detach_and_new_tree(&cx, &conn);
        uint8_t req[1024], rsp[512];
        rsvd_res_client_msg m;
        fa_fail_nth(&a, n);
        int rc = rsvd_res_client_reconnect_create(cx.cli, cx.open, tree, cx.now, NULL, 0, req,
                                                  sizeof req, &m);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            rsvd_res_client_open_info info = cx_info(&cx, cx.open);
            assert_int_equal(info.state, RSVD_RES_CLIENT_OPEN_DETACHED);
            assert_false(info.reconnecting);
            assert_int_equal(conn_info(&cx, conn).next_message_id, 0);
            rc = rsvd_res_client_reconnect_create(cx.cli, cx.open, tree, cx.now, NULL, 0, req,
                                                  sizeof req, &m);
        }
        assert_int_equal(rc, RSVD_OK);
        const rsvd_smb2_fileid nf = {CX_PERSISTENT, 0x200000009ull};
        size_t rn = cx_rsp_create(req, m.len, &nf, 1, rsp, sizeof rsp);
        rsvd_res_client_done d;
        assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d),
                         RSVD_OK);
        assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(cx_info(&cx, cx.open).state, RSVD_RES_CLIENT_OPEN_CONNECTED);
        cx_fini(&cx);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0); /* the operation allocates: a run met the failure */
}

/* [MS-SMB2] 3.2.4.3.5: a CREATE that cannot be built for want of memory -
 * its open, name, request or Request.Message, or a table's growth - takes
 * no MessageId and leaves no open; the same call then works. */
static void create_fails_cleanly(void **state)
{
    (void)state;
    EACH_GROWTH(g)
    {
        size_t hits = 0;
        for (size_t n = 1;; n++) {
            assert_true(n < MAX_RUNS);
            fa_alloc a;
            fa_init(&a);
            rsvd_res_client_config cfg = client_cfg(&a);
            cli_fx cx;
            cx_init_durable(&cx, &cfg, RSVD_SMB2_DIALECT_302, true, false, 0);
            uint8_t req[1024], rsp[512];
            rsvd_res_client_msg m;
            for (unsigned i = 0; i < growth[g]; i++)
                (void)cx_create(&cx, 0, RSVD_SMB2_OPLOCK_LEVEL_NONE, req, sizeof req, &m);
            rsvd_res_client_conn_info before = conn_info(&cx, cx.conn);
            size_t live = a.live;
            rsvd_res_client_create_params p = RSVD_STRUCT_INIT(rsvd_res_client_create_params);
            p.name = cx_name;
            p.name_len = sizeof cx_name;
            p.flags = RSVD_RES_CLIENT_CREATE_DURABLE;
            uint64_t open = 0;
            fa_fail_nth(&a, n);
            int rc = rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, &open);
            bool hit = a.failed > 0;
            hits += hit;
            fa_heal(&a);
            if (hit) {
                assert_int_equal(rc, RSVD_E_NOMEM);
                assert_true(open == 0);
                rsvd_res_client_conn_info after = conn_info(&cx, cx.conn);
                assert_int_equal(after.next_message_id, before.next_message_id);
                assert_int_equal(after.outstanding, before.outstanding);
                assert_true(a.live <= live + 2); /* at most a grown table or heap */
                rc = rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, &open);
            }
            assert_int_equal(rc, RSVD_OK);
            uint8_t data[8];
            const rsvd_smb2_dh2q_rsp gr = {60000, 0};
            size_t dn = 0;
            assert_int_equal(rsvd_smb2_dh2q_rsp_encode(&gr, data, sizeof data, &dn), RSVD_OK);
            const rsvd_res_client_cc cc = {"DH2Q", 4, data, dn};
            const rsvd_smb2_fileid fid = {0x4242, 0x4343};
            size_t rn = cx_rsp_create_cc(req, m.len, &fid, RSVD_SMB2_OPLOCK_LEVEL_BATCH, &cc, 1,
                                         rsp, sizeof rsp);
            rsvd_res_client_done d;
            assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d),
                             RSVD_OK);
            assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
            assert_int_equal(cx_info(&cx, open).durable_flags, RSVD_RES_CLIENT_DURABLE_V2);
            cx_fini(&cx);
            assert_int_equal(a.live, 0);
            if (!hit)
                break;
        }
        assert_true(hits > 0); /* the operation allocates: a run met the failure */
    }
}

/* With every allocation failing: a CREATE's replay for
 * STATUS_SERVER_UNAVAILABLE, its grant, a detach with its DurableTimeout,
 * the DH2C reconnect's response, a host request's replay and the expiry
 * allocate nothing. */
static void durable_paths_allocate_nothing(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_res_client_config cfg = client_cfg(&a);
    cli_fx cx;
    cx_init_durable(&cx, &cfg, RSVD_SMB2_DIALECT_302, true, false, 0);
    uint8_t req[1024], rsp[512], data[8];
    rsvd_res_client_msg m;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    uint64_t conn;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_302);
    uint64_t sess, tree;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx.cli, conn, 0x12, &sess), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(cx.cli, sess, CLI_TREE(6), &tree), RSVD_OK);
    size_t calls = a.calls;
    fa_fail_all(&a);

    size_t rn = cx_rsp_error(req, m.len, RSVD_STATUS_SERVER_UNAVAILABLE, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_false(d.final);
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, open, req, sizeof req, &m), RSVD_OK);
    const rsvd_smb2_dh2q_rsp gr = {60000, 0};
    size_t dn = 0;
    assert_int_equal(rsvd_smb2_dh2q_rsp_encode(&gr, data, sizeof data, &dn), RSVD_OK);
    const rsvd_res_client_cc cc = {"DH2Q", 4, data, dn};
    const rsvd_smb2_fileid fid = {0x4242, 0x4343};
    rn = cx_rsp_create_cc(req, m.len, &fid, RSVD_SMB2_OPLOCK_LEVEL_BATCH, &cc, 1, rsp, sizeof rsp);
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    uint16_t seq;
    assert_int_equal(rsvd_res_client_channel_sequence(cx.cli, cx.sess, &seq), RSVD_OK);
    /* A host WRITE answered STATUS_FILE_NOT_AVAILABLE is replayed. */
    rsvd_smb2_write_req w;
    memset(&w, 0, sizeof w);
    w.hdr.command = RSVD_SMB2_WRITE;
    w.hdr.session_id = 0x11;
    w.file_id = fid;
    size_t wn = 0;
    uint8_t wbuf[256];
    assert_int_equal(rsvd_smb2_write_req_encode(&w, wbuf, sizeof wbuf, &wn), RSVD_OK);
    rsvd_res_client_msg wm;
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess, RSVD_STATUS_FILE_NOT_AVAILABLE,
                                                    0, wbuf, wn, &wm),
                     RSVD_OK);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    fa_heal(&a);
    /* (the reconnect CREATE itself allocates its request) */
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, open, tree, cx.now, NULL, 0, req,
                                                      sizeof req, &m),
                     RSVD_OK);
    calls = a.calls;
    fa_fail_all(&a);
    const rsvd_smb2_fileid nf = {0x4242, 0x4444};
    rn = cx_rsp_create(req, m.len, &nf, 1, rsp, sizeof rsp);
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, conn, cx.now), RSVD_OK);
    size_t lost = 0;
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, cx.now + 60001, &lost), RSVD_OK);
    assert_int_equal(lost, 1);

    assert_int_equal(a.failed, 0);
    assert_int_equal(a.calls, calls);
    fa_heal(&a);
    cx_fini(&cx);
    assert_int_equal(a.live, 0);
}

/* With every allocation failing: responses, a disconnect, re-sending a
 * LOCK, credits, the give-up timer and every removal work without trying
 * one. */
static void client_responses_and_events_allocate_nothing(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_res_client_config cfg = client_cfg(&a);
    cli_fx cx;
    cx_init(&cx, &cfg, NULL, false);
    cx_make_resilient(&cx, 60000);
    uint8_t req[1024], rsp[512];
    rsvd_res_client_msg m;
    const rsvd_smb2_lock_element e = cx_element(0);
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, req, sizeof req, &m),
                     RSVD_OK);
    uint64_t conn;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_210);
    uint64_t sess, tree;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx.cli, conn, 0x12, &sess), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(cx.cli, sess, CLI_TREE(6), &tree), RSVD_OK);
    size_t calls = a.calls;
    fa_fail_all(&a);

    /* The LOCK in flight is kept across the disconnect ... */
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    fa_heal(&a);
    /* (the reconnect CREATE itself allocates its request) */
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree, cx.now, NULL, 0, req,
                                                      sizeof req, &m),
                     RSVD_OK);
    calls = a.calls;
    fa_fail_all(&a);
    const rsvd_smb2_fileid nf = {CX_PERSISTENT, 0x200000009ull};
    size_t rn = cx_rsp_create(req, m.len, &nf, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    /* ... and re-sent with its LockSequence, answered, its bucket freed. */
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, cx.open, req, sizeof req, &m), RSVD_OK);
    rn = cx_rsp_lock(req, m.len, 1, rsp, sizeof rsp);
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(rsvd_res_client_conn_grant_credits(cx.cli, conn, 10), RSVD_OK);
    uint64_t first;
    assert_int_equal(rsvd_res_client_conn_take_message_ids(cx.cli, conn, 2, &first), RSVD_OK);
    size_t lost = 0;
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, cx.now + 1000000, &lost), RSVD_OK);
    assert_int_equal(rsvd_res_client_open_close(cx.cli, cx.open), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_remove(cx.cli, tree), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_remove(cx.cli, sess), RSVD_OK);

    assert_int_equal(a.failed, 0);
    assert_int_equal(a.calls, calls);
    fa_heal(&a);
    cx_fini(&cx);
    assert_int_equal(a.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(res_server_new_fails_with_nomem),
        cmocka_unit_test(conn_add_fails_cleanly),
        cmocka_unit_test(session_add_fails_cleanly),
        cmocka_unit_test(session_bind_fails_cleanly),
        cmocka_unit_test(tree_add_fails_cleanly),
        cmocka_unit_test(open_add_fails_cleanly),
        cmocka_unit_test(reconnect_fails_insufficient_resources_and_keeps_the_open),
        cmocka_unit_test(detach_without_memory_closes_for_resources),
        cmocka_unit_test(server_requests_and_events_allocate_nothing),
        cmocka_unit_test(res_client_new_fails_with_nomem),
        cmocka_unit_test(client_registrations_fail_cleanly),
        cmocka_unit_test(request_resiliency_fails_cleanly),
        cmocka_unit_test(lock_fails_cleanly_and_keeps_the_bucket_free),
        cmocka_unit_test(reconnect_create_fails_cleanly),
        cmocka_unit_test(create_fails_cleanly),
        cmocka_unit_test(durable_paths_allocate_nothing),
        cmocka_unit_test(client_responses_and_events_allocate_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
