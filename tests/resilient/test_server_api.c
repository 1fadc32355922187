/*
 * Server: the contract of every entry point of rsvd/resilient_server.h
 * beyond the protocol rules - missing arguments, unknown handles, calls
 * from inside the close callback, the names of the close reasons, the end
 * of the clock, allocation failures - and the invariant checker that the
 * other tests and the fuzz harness rely on.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "fail_alloc.h"
#include "res_fixture.h"
#include "resilient/server_int.h"

static void close_reasons_have_names(void **state)
{
    (void)state;
    static const struct {
        int reason;
        const char *name;
    } names[] = {
        {RSVD_RES_CLOSE_EXPIRED, "EXPIRED"},
        {RSVD_RES_CLOSE_DISCONNECT, "DISCONNECT"},
        {RSVD_RES_CLOSE_LOGOFF, "LOGOFF"},
        {RSVD_RES_CLOSE_PREVIOUS_SESSION, "PREVIOUS_SESSION"},
        {RSVD_RES_CLOSE_TREE_DISCONNECT, "TREE_DISCONNECT"},
        {RSVD_RES_CLOSE_SESSION_CLOSED, "SESSION_CLOSED"},
        {RSVD_RES_CLOSE_RESOURCES, "RESOURCES"},
        {RSVD_RES_CLOSE_SHUTDOWN, "SHUTDOWN"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_string_equal(rsvd_res_close_reason_name(names[i].reason), names[i].name);
    assert_string_equal(rsvd_res_close_reason_name(0), "?");
    assert_string_equal(rsvd_res_close_reason_name(-1), "?");
}

static void on_close_nop(rsvd_res_server *srv, const rsvd_res_closed_open *c, void *ud)
{
    (void)srv;
    (void)c;
    (void)ud;
}

static void server_new_needs_out_and_close_callback(void **state)
{
    (void)state;
    const rsvd_res_server_callbacks cb = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                          .close_open = on_close_nop};
    const rsvd_res_server_callbacks none = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                            .close_open = NULL};
    rsvd_res_server *s = (rsvd_res_server *)&s; /* must be reset to NULL */
    assert_int_equal(rsvd_res_server_new(NULL, &cb, NULL, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_new(NULL, NULL, NULL, &s), RSVD_E_INVAL);
    assert_null(s);
    assert_int_equal(rsvd_res_server_new(NULL, &none, NULL, &s), RSVD_E_INVAL);
    assert_null(s);
    rsvd_res_server_free(NULL); /* a no-op */
}

static void registration_rejects_missing_arguments(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                    .dialect = RSVD_SMB2_DIALECT_300,
                                    .supports_multi_credit = false,
                                    .max_transact_size = 0};
    uint64_t h = 0;
    uint8_t big[RSVD_RES_USER_MAX + 1];
    memset(big, 7, sizeof big);
    assert_int_equal(rsvd_res_server_conn_add(NULL, &p, &h), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_conn_add(fx.srv, NULL, &h), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_conn_add(fx.srv, &p, NULL), RSVD_E_INVAL);
    const rsvd_res_conn_params smb1 = {.struct_size = sizeof(rsvd_res_conn_params),
                                       .dialect = 0x0100,
                                       .supports_multi_credit = false,
                                       .max_transact_size = 0};
    assert_int_equal(rsvd_res_server_conn_add(fx.srv, &smb1, &h), RSVD_E_INVAL);

    uint64_t c = fx.main.ctx.conn;
    assert_int_equal(rsvd_res_server_session_add(NULL, c, 1, fx_alice, 12, &h), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_session_add(fx.srv, c, 1, fx_alice, 12, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_session_add(fx.srv, c, 1, NULL, 12, &h), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_session_add(fx.srv, c, 1, fx_alice, 0, &h), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_session_add(fx.srv, c, 1, big, sizeof big, &h),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_session_add(fx.srv, c + 99, 1, fx_alice, 12, &h),
                     RSVD_E_NOENT);

    assert_int_equal(rsvd_res_server_session_bind(NULL, fx.main.ctx.session, c), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_session_bind(fx.srv, fx.main.ctx.session + 99, c),
                     RSVD_E_NOENT);
    assert_int_equal(rsvd_res_server_session_bind(fx.srv, fx.main.ctx.session, c + 99),
                     RSVD_E_NOENT);

    assert_int_equal(rsvd_res_server_tree_add(NULL, fx.main.ctx.session, RES_TREE(1), &h),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_tree_add(fx.srv, fx.main.ctx.session, RES_TREE(1), NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_tree_add(fx.srv, fx.main.ctx.session + 99, RES_TREE(1), &h),
                     RSVD_E_NOENT);

    rsvd_smb2_fileid fid;
    assert_int_equal(rsvd_res_server_open_add(NULL, &fx.main.ctx, 0, NULL, &fid), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_open_add(fx.srv, &fx.main.ctx, 0, NULL, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_open_add(fx.srv, &fx.main.ctx, 0x2, NULL, &fid),
                     RSVD_E_INVAL); /* an unknown flag */
    assert_int_equal(rsvd_res_server_open_add(fx.srv, NULL, 0, NULL, &fid), RSVD_E_INVAL);
    rsvd_res_server_ctx bad = fx.main.ctx;
    bad.tree += 99;
    assert_int_equal(rsvd_res_server_open_add(fx.srv, &bad, 0, NULL, &fid), RSVD_E_NOENT);

    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.connections, 1);
    assert_int_equal(st.sessions, 1);
    assert_int_equal(st.trees, 1);
    assert_int_equal(st.opens, 0);
    fx_fini(&fx);
}

static void events_on_unknown_or_missing_objects_fail(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    const uint64_t now = fx.now;
    bool removed = true;
    assert_int_equal(rsvd_res_server_conn_lost(NULL, fx.main.ctx.conn, now), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn + 99, now), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_server_logoff(NULL, fx.main.ctx.session, now), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_previous_session(NULL, 1, 2, now, &removed), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_previous_session(fx.srv, 1, 2, now, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_previous_session(fx.srv, fx.main.ctx.session,
                                                      fx.main.ctx.session + 99, now, &removed),
                     RSVD_E_NOENT);
    assert_false(removed);
    assert_int_equal(rsvd_res_server_tree_disconnect(NULL, fx.main.ctx.tree), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_tree_disconnect(fx.srv, fx.main.ctx.tree + 99),
                     RSVD_E_NOENT);
    assert_int_equal(rsvd_res_server_session_close(NULL, fx.main.ctx.session), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_session_close(fx.srv, fx.main.ctx.session + 99),
                     RSVD_E_NOENT);
    assert_int_equal(rsvd_res_server_open_close(NULL, 1), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_open_close(fx.srv, 12345), RSVD_E_NOENT);
    size_t closed = 77;
    assert_int_equal(rsvd_res_server_handle_expiry(NULL, now, &closed), RSVD_E_INVAL);
    assert_int_equal(closed, 0);
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, now, NULL), RSVD_OK);
    assert_true(rsvd_res_server_next_expiry(NULL) == UINT64_MAX);
    assert_true(rsvd_res_server_next_expiry(fx.srv) == UINT64_MAX); /* nothing detached */
    fx_check(&fx);
    assert_int_equal(fx.n_closed, 0);
    fx_fini(&fx);
}

static void inspection_rejects_missing_arguments(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    rsvd_smb2_fileid fid = fx_open(&fx);
    rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
    bool valid = true;
    uint8_t number = 9;
    assert_int_equal(rsvd_res_server_open_info(NULL, fid.persistent_id, &info), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_open_info(fx.srv, fid.persistent_id, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_seq(NULL, fid.persistent_id, 1, &valid, &number),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, fid.persistent_id, 1, NULL, &number),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, fid.persistent_id, 1, &valid, NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, fid.persistent_id, 0, &valid, &number),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, fid.persistent_id, 65, &valid, &number),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, fid.persistent_id + 1, 1, &valid, &number),
                     RSVD_E_NOENT);
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, fid.persistent_id, 64, &valid, &number),
                     RSVD_OK);
    assert_false(valid);
    assert_int_equal(number, 0);
    void *ud = &fx;
    assert_int_equal(rsvd_res_server_open_lookup(NULL, &fx.main.ctx, &fid, &ud),
                     RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &fx.main.ctx, NULL, &ud),
                     RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, NULL, &fid, &ud),
                     RSVD_STATUS_FILE_CLOSED);
    assert_ptr_equal(ud, &fx);
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &fx.main.ctx, &fid, NULL),
                     RSVD_STATUS_SUCCESS);
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    memset(&st, 0xAB, sizeof st);
    st.struct_size = sizeof st;
    rsvd_res_server_get_stats(NULL, &st);
    assert_int_equal(st.opens, 0);
    assert_int_equal(st.connections, 0);
    rsvd_res_server_get_stats(fx.srv, NULL); /* a no-op */
    fx_fini(&fx);
}

static void requests_reject_missing_arguments(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t req[256], rsp[256];
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 1, &fid, 1000, req, sizeof req);
    size_t rn = 0;
    uint32_t st = 0;
    const rsvd_res_server_ctx *ctx = &fx.main.ctx;
    assert_int_equal(rsvd_res_server_ioctl(NULL, ctx, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, ctx, NULL, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, ctx, req, n, rsp, sizeof rsp, NULL, &st),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, ctx, req, n, rsp, sizeof rsp, &rn, NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, ctx, req, n, NULL, sizeof rsp, &rn, &st),
                     RSVD_E_INVAL);
    /* No response buffer at all: too small for any answer. */
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, ctx, req, n, NULL, 0, &rn, &st), RSVD_E_NOSPC);
    assert_false(fx_info(&fx, &fid).is_resilient);

    rsvd_res_lock_op op;
    size_t ln = fx_lock_req(FX_SESSION_ID, FX_TREE_ID, 2, &fid, 0x11, req, sizeof req);
    assert_int_equal(rsvd_res_server_lock_begin(NULL, ctx, req, ln, &op), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_begin(fx.srv, ctx, NULL, ln, &op), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_begin(fx.srv, ctx, req, ln, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_begin(fx.srv, ctx, req, 10, &op), RSVD_E_WIRE_SHORT);
    /* A resiliency IOCTL is not a LOCK. */
    assert_int_equal(rsvd_res_server_lock_begin(fx.srv, ctx, rsp, 0, &op), RSVD_E_WIRE_SHORT);
    assert_int_equal(rsvd_res_server_lock_begin(fx.srv, ctx, req, ln, &op), RSVD_OK);
    assert_int_equal(rsvd_res_server_lock_end(NULL, &op, RSVD_STATUS_SUCCESS), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, NULL, RSVD_STATUS_SUCCESS), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);

    rsvd_res_reconnect_result out;
    size_t cn = fx_create_req(FX_SESSION_ID, FX_TREE_ID, 3, &fid, FX_CC_DHNC, req, sizeof req);
    assert_int_equal(rsvd_res_server_reconnect(NULL, ctx, req, cn, fx.now, &out), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_reconnect(fx.srv, ctx, NULL, cn, fx.now, &out),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_reconnect(fx.srv, ctx, req, cn, fx.now, NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_reconnect(fx.srv, ctx, req, 10, fx.now, &out),
                     RSVD_E_WIRE_SHORT);
    fx_check(&fx);
    fx_fini(&fx);
}

static void requests_of_another_command_are_the_hosts(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t ioctl[256], lock[256], create[512];
    size_t in = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 1, &fid, 1000, ioctl, sizeof ioctl);
    size_t ln = fx_lock_req(FX_SESSION_ID, FX_TREE_ID, 2, &fid, 0x11, lock, sizeof lock);
    size_t cn =
        fx_create_req(FX_SESSION_ID, FX_TREE_ID, 3, &fid, FX_CC_DHNC, create, sizeof create);
    rsvd_res_lock_op op;
    rsvd_res_reconnect_result out;
    uint8_t rsp[256];
    size_t rn = 0;
    uint32_t st = 0;
    assert_int_equal(rsvd_res_server_lock_begin(fx.srv, &fx.main.ctx, ioctl, in, &op),
                     RSVD_E_WIRE_COMMAND);
    assert_int_equal(rsvd_res_server_reconnect(fx.srv, &fx.main.ctx, lock, ln, fx.now, &out),
                     RSVD_E_WIRE_COMMAND);
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &fx.main.ctx, create, cn, rsp, sizeof rsp, &rn,
                                           &st),
                     RSVD_E_WIRE_COMMAND);
    /* A request through a context whose tree belongs to another session. */
    fx_sess bob = fx_new_session(&fx, RSVD_SMB2_DIALECT_300, fx_bob, sizeof fx_bob, 0x12, 7);
    rsvd_res_server_ctx mixed = fx.main.ctx;
    mixed.tree = bob.ctx.tree;
    assert_int_equal(rsvd_res_server_lock_begin(fx.srv, &mixed, lock, ln, &op), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_reconnect(fx.srv, &mixed, create, cn, fx.now, &out),
                     RSVD_E_INVAL);
    /* A header naming another session than the context's. */
    size_t wn = fx_lock_req(0x12, FX_TREE_ID, 4, &fid, 0x11, lock, sizeof lock);
    assert_int_equal(rsvd_res_server_lock_begin(fx.srv, &fx.main.ctx, lock, wn, &op),
                     RSVD_E_INVAL);
    wn = fx_create_req(0x12, FX_TREE_ID, 5, &fid, FX_CC_DHNC, create, sizeof create);
    assert_int_equal(rsvd_res_server_reconnect(fx.srv, &fx.main.ctx, create, wn, fx.now, &out),
                     RSVD_E_INVAL);
    fx_fini(&fx);
}

/* ---- calls from inside the close callback ---------------------------------- */

typedef struct reenter_fx {
    rsvd_res_server *srv;
    rsvd_res_server_ctx ctx;
    rsvd_smb2_fileid other; /* an open that stays */
    uint64_t now;
    size_t calls;
    int worst; /* the first result other than RSVD_E_BUSY */
} reenter_fx;

static void reenter_expect_busy(reenter_fx *r, int rc)
{
    r->calls++;
    if (rc != RSVD_E_BUSY && r->worst == RSVD_E_BUSY)
        r->worst = rc;
}

static void on_close_reenter(rsvd_res_server *srv, const rsvd_res_closed_open *c, void *ud)
{
    (void)c;
    reenter_fx *r = ud;
    const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                    .dialect = RSVD_SMB2_DIALECT_300,
                                    .supports_multi_credit = false,
                                    .max_transact_size = 0};
    uint8_t msg[512], rsp[256];
    uint64_t h;
    size_t n, rn;
    uint32_t st;
    bool removed;
    size_t closed;
    rsvd_smb2_fileid fid;
    rsvd_res_lock_op op;
    rsvd_res_reconnect_result out;
    reenter_expect_busy(r, rsvd_res_server_conn_add(srv, &p, &h));
    reenter_expect_busy(r, rsvd_res_server_session_add(srv, r->ctx.conn, 9, fx_bob, 12, &h));
    reenter_expect_busy(r, rsvd_res_server_session_bind(srv, r->ctx.session, r->ctx.conn));
    reenter_expect_busy(r, rsvd_res_server_tree_add(srv, r->ctx.session, RES_TREE(9), &h));
    reenter_expect_busy(r, rsvd_res_server_open_add(srv, &r->ctx, 0, NULL, &fid));
    n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 1, &r->other, 1000, msg, sizeof msg);
    reenter_expect_busy(r, rsvd_res_server_ioctl(srv, &r->ctx, msg, n, rsp, sizeof rsp, &rn, &st));
    n = fx_lock_req(FX_SESSION_ID, FX_TREE_ID, 2, &r->other, 0x11, msg, sizeof msg);
    reenter_expect_busy(r, rsvd_res_server_lock_begin(srv, &r->ctx, msg, n, &op));
    memset(&op, 0, sizeof op);
    reenter_expect_busy(r, rsvd_res_server_lock_end(srv, &op, RSVD_STATUS_SUCCESS));
    n = fx_create_req(FX_SESSION_ID, FX_TREE_ID, 3, &r->other, FX_CC_DHNC, msg, sizeof msg);
    reenter_expect_busy(r, rsvd_res_server_reconnect(srv, &r->ctx, msg, n, r->now, &out));
    reenter_expect_busy(r, rsvd_res_server_conn_lost(srv, r->ctx.conn, r->now));
    reenter_expect_busy(r, rsvd_res_server_logoff(srv, r->ctx.session, r->now));
    reenter_expect_busy(r, rsvd_res_server_previous_session(srv, r->ctx.session, r->ctx.session,
                                                           r->now, &removed));
    reenter_expect_busy(r, rsvd_res_server_tree_disconnect(srv, r->ctx.tree));
    reenter_expect_busy(r, rsvd_res_server_session_close(srv, r->ctx.session));
    reenter_expect_busy(r, rsvd_res_server_open_close(srv, r->other.persistent_id));
    reenter_expect_busy(r, rsvd_res_server_handle_expiry(srv, r->now, &closed));
}

static void every_state_change_is_busy_inside_the_close_callback(void **state)
{
    (void)state;
    reenter_fx r;
    memset(&r, 0, sizeof r);
    r.worst = RSVD_E_BUSY;
    r.now = 5000;
    const rsvd_res_server_callbacks cb = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                          .close_open = on_close_reenter};
    assert_int_equal(rsvd_res_server_new(NULL, &cb, &r, &r.srv), RSVD_OK);
    const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                    .dialect = RSVD_SMB2_DIALECT_300,
                                    .supports_multi_credit = false,
                                    .max_transact_size = 0};
    assert_int_equal(rsvd_res_server_conn_add(r.srv, &p, &r.ctx.conn), RSVD_OK);
    assert_int_equal(rsvd_res_server_session_add(r.srv, r.ctx.conn, FX_SESSION_ID, fx_alice,
                                                 sizeof fx_alice, &r.ctx.session),
                     RSVD_OK);
    assert_int_equal(
        rsvd_res_server_tree_add(r.srv, r.ctx.session, RES_TREE(FX_TREE_ID), &r.ctx.tree), RSVD_OK);
    r.ctx.credits = 1;
    rsvd_smb2_fileid victim;
    assert_int_equal(rsvd_res_server_open_add(r.srv, &r.ctx, 0, NULL, &r.other), RSVD_OK);
    assert_int_equal(rsvd_res_server_open_add(r.srv, &r.ctx, 0, NULL, &victim), RSVD_OK);
    /* The tree goes: the callback runs for each open, and tries everything. */
    assert_int_equal(rsvd_res_server_tree_disconnect(r.srv, r.ctx.tree), RSVD_OK);
    assert_int_equal(r.calls, 2 * 16);
    assert_int_equal(r.worst, RSVD_E_BUSY);
    assert_null(res_server_check_invariants(r.srv));
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(r.srv, &st);
    assert_int_equal(st.opens, 0);
    assert_int_equal(st.connections, 1); /* nothing the callback tried happened */
    assert_int_equal(st.sessions, 1);
    rsvd_res_server_free(r.srv);
}

/* ---- the end of the clock ---------------------------------------------------- */

static void a_deadline_past_the_end_of_the_clock_saturates(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    fx.now = UINT64_MAX - 10;
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    rsvd_res_open_info info = fx_info(&fx, &fid);
    assert_int_equal(info.state, RSVD_RES_OPEN_DETACHED);
    assert_true(info.deadline_ms == UINT64_MAX - 1);
    /* next_expiry() is deadline + 1 and still representable. */
    assert_true(rsvd_res_server_next_expiry(fx.srv) == UINT64_MAX);
    size_t closed = 9;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, UINT64_MAX - 1, &closed), RSVD_OK);
    assert_int_equal(closed, 0); /* it lives through its deadline */
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, UINT64_MAX, &closed), RSVD_OK);
    assert_int_equal(closed, 1);
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_EXPIRED);
    fx_fini(&fx);
}

/* ---- allocation failures ------------------------------------------------------ */

/* Registration and open_add, with allocation number k failing: each call
 * either succeeds or fails with RSVD_E_NOMEM and leaves nothing behind. */
static void registration_survives_every_failed_allocation(void **state)
{
    (void)state;
    for (size_t k = 1; k < 40; k++) {
        fa_alloc m;
        fa_init(&m);
        fa_fail_nth(&m, k);
        rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
        cfg.mem = &m.mem;
        const rsvd_res_server_callbacks cb = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                              .close_open = on_close_nop};
        rsvd_res_server *s = NULL;
        int rc = rsvd_res_server_new(&cfg, &cb, NULL, &s);
        if (rc != RSVD_OK) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            assert_null(s);
            assert_int_equal(m.live, 0);
            continue;
        }
        rsvd_res_server_ctx ctx = {0, 0, 0, 1, NULL};
        const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                        .dialect = RSVD_SMB2_DIALECT_300,
                                        .supports_multi_credit = false,
                                        .max_transact_size = 0};
        rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
        rsvd_smb2_fileid fid;
        uint64_t second_conn = 0;
        rc = rsvd_res_server_conn_add(s, &p, &ctx.conn);
        if (rc == RSVD_OK)
            rc = rsvd_res_server_session_add(s, ctx.conn, 1, fx_alice, 12, &ctx.session);
        if (rc == RSVD_OK)
            rc = rsvd_res_server_tree_add(s, ctx.session, RES_TREE(1), &ctx.tree);
        if (rc == RSVD_OK)
            rc = rsvd_res_server_open_add(s, &ctx, 0, NULL, &fid);
        if (rc == RSVD_OK)
            rc = rsvd_res_server_conn_add(s, &p, &second_conn);
        if (rc == RSVD_OK)
            rc = rsvd_res_server_session_bind(s, ctx.session, second_conn);
        assert_true(rc == RSVD_OK || rc == RSVD_E_NOMEM);
        assert_null(res_server_check_invariants(s));
        rsvd_res_server_get_stats(s, &st);
        if (rc == RSVD_E_NOMEM)
            assert_true(m.calls == k); /* the failure is the one injected */
        else
            assert_int_equal(st.opens, 1);
        rsvd_res_server_free(s);
        assert_int_equal(m.live, 0);
    }
}

static void on_close_count(rsvd_res_server *srv, const rsvd_res_closed_open *c, void *ud)
{
    (void)srv;
    rsvd_res_close_reason *last = ud;
    *last = c->reason;
}

/* 3.3.2.4: an open that cannot be kept for lack of resources is closed -
 * here the deadline heap cannot grow. */
static void detach_without_memory_for_the_deadline_closes_for_resources(void **state)
{
    (void)state;
    fa_alloc m;
    fa_init(&m);
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.mem = &m.mem;
    rsvd_res_close_reason last = 0;
    const rsvd_res_server_callbacks cb = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                          .close_open = on_close_count};
    rsvd_res_server *s = NULL;
    assert_int_equal(rsvd_res_server_new(&cfg, &cb, &last, &s), RSVD_OK);
    rsvd_res_server_ctx ctx = {0, 0, 0, 1, NULL};
    const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                    .dialect = RSVD_SMB2_DIALECT_300,
                                    .supports_multi_credit = false,
                                    .max_transact_size = 0};
    assert_int_equal(rsvd_res_server_conn_add(s, &p, &ctx.conn), RSVD_OK);
    assert_int_equal(rsvd_res_server_session_add(s, ctx.conn, FX_SESSION_ID, fx_alice, 12,
                                                 &ctx.session),
                     RSVD_OK);
    assert_int_equal(rsvd_res_server_tree_add(s, ctx.session, RES_TREE(FX_TREE_ID), &ctx.tree),
                     RSVD_OK);
    rsvd_smb2_fileid fid;
    assert_int_equal(rsvd_res_server_open_add(s, &ctx, 0, NULL, &fid), RSVD_OK);
    uint8_t req[256], rsp[256];
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 1, &fid, 1000, req, sizeof req);
    size_t rn = 0;
    uint32_t st = 0;
    assert_int_equal(rsvd_res_server_ioctl(s, &ctx, req, n, rsp, sizeof rsp, &rn, &st), RSVD_OK);
    assert_int_equal(st, RSVD_STATUS_SUCCESS);
    fa_fail_nth(&m, 1); /* the heap's first growth */
    assert_int_equal(rsvd_res_server_conn_lost(s, ctx.conn, 10), RSVD_OK);
    assert_int_equal(last, RSVD_RES_CLOSE_RESOURCES);
    rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
    assert_int_equal(rsvd_res_server_open_info(s, fid.persistent_id, &info), RSVD_E_NOENT);
    assert_null(res_server_check_invariants(s));
    rsvd_res_server_free(s);
    assert_int_equal(m.live, 0);
}

/* ---- the invariant checker ---------------------------------------------------- */

/* A server with a detached open and an attached one, a second session of
 * Bob's and a second tree of Alice's, on which each step breaks one
 * invariant, checks that the checker names it, and repairs it. */
typedef struct inv_fx {
    srv_fx fx;
    rsvd_smb2_fileid att, det;
    res_open *a, *d;
    res_session *ss, *ss2;
    res_tree *t, *t2, *t3; /* t, t2: Alice's; t3: Bob's */
} inv_fx;

static void inv_init(inv_fx *v)
{
    fx_init(&v->fx, NULL, RSVD_SMB2_DIALECT_300);
    rsvd_res_server *s = v->fx.srv;
    v->det = fx_open(&v->fx);
    fx_make_resilient(&v->fx, &v->det, 60000);
    assert_int_equal(rsvd_res_server_logoff(s, v->fx.main.ctx.session, v->fx.now), RSVD_OK);
    v->fx.main = fx_new_session(&v->fx, RSVD_SMB2_DIALECT_300, fx_alice, sizeof fx_alice,
                                FX_SESSION_ID, FX_TREE_ID);
    v->att = fx_open(&v->fx);
    fx_sess bob = fx_new_session(&v->fx, RSVD_SMB2_DIALECT_300, fx_bob, sizeof fx_bob, 0x12, 7);
    uint64_t t2;
    assert_int_equal(rsvd_res_server_tree_add(s, v->fx.main.ctx.session, RES_TREE(9), &t2),
                     RSVD_OK);
    v->a = res_open_by_persistent(s, v->att.persistent_id);
    v->d = res_open_by_persistent(s, v->det.persistent_id);
    v->ss = rsvd_handle_table_get(&s->sessions, v->fx.main.ctx.session);
    v->ss2 = rsvd_handle_table_get(&s->sessions, bob.ctx.session);
    v->t = rsvd_handle_table_get(&s->trees, v->fx.main.ctx.tree);
    v->t2 = rsvd_handle_table_get(&s->trees, t2);
    v->t3 = rsvd_handle_table_get(&s->trees, bob.ctx.tree);
    assert_true(v->a && v->d && v->ss && v->ss2 && v->t && v->t2 && v->t3);
    assert_ptr_equal(v->a->tree, v->t);
    assert_null(res_server_check_invariants(s));
}

static void inv_expect(inv_fx *v, const char *what)
{
    const char *got = res_server_check_invariants(v->fx.srv);
    assert_non_null(got);
    assert_string_equal(got, what);
}

static void inv_repaired(inv_fx *v)
{
    assert_null(res_server_check_invariants(v->fx.srv));
}

static void invariant_checker_names_each_broken_invariant(void **state)
{
    (void)state;
    inv_fx v;
    inv_init(&v);
    rsvd_res_server *s = v.fx.srv;

    v.a->persistent_id += 1000;
    inv_expect(&v, "an open's persistent id does not name it");
    v.a->persistent_id -= 1000;
    inv_repaired(&v);

    v.a->tree = NULL;
    inv_expect(&v, "an attached open lacks its session or tree");
    v.a->tree = v.t;
    v.t->sess = v.ss2;
    inv_expect(&v, "an attached open lacks its session or tree");
    v.t->sess = v.ss;
    inv_repaired(&v);

    v.t->handle += 1000;
    inv_expect(&v, "an attached open points at a freed session or tree");
    v.t->handle -= 1000;
    inv_repaired(&v);

    v.a->volatile_id += 1000;
    inv_expect(&v, "an attached open's volatile id does not name it");
    v.a->volatile_id -= 1000;
    inv_repaired(&v);

    v.a->deadline.id = 1;
    inv_expect(&v, "an attached open has a queued deadline");
    v.a->deadline.id = 0;
    inv_repaired(&v);

    v.d->volatile_id = 77;
    inv_expect(&v, "a detached open is still on a session, tree or volatile id");
    v.d->volatile_id = 0;
    inv_repaired(&v);

    uint32_t id = v.d->deadline.id;
    v.d->deadline.id = 0;
    inv_expect(&v, "a detached open has no queued deadline");
    v.d->deadline.id = id;
    inv_repaired(&v);

    v.d->is_resilient = false;
    inv_expect(&v, "a detached open is neither resilient nor durable");
    v.d->is_resilient = true;
    inv_repaired(&v);

    v.d->state = RES_OPEN_CLOSED;
    inv_expect(&v, "a closed open is still in the table");
    v.d->state = RES_OPEN_DETACHED;
    inv_repaired(&v);

    s->n_detached++;
    inv_expect(&v, "detached count, deadline count and detached opens differ");
    s->n_detached--;
    inv_repaired(&v);

    s->volatile_ids.count++;
    inv_expect(&v, "attached opens and volatile ids differ");
    s->volatile_ids.count--;
    inv_repaired(&v);

    /* Alice's OpenTable lists an open that says it is Bob's. */
    v.a->sess = v.ss2;
    v.a->tree = v.t3;
    inv_expect(&v, "Session.OpenTable holds an open of another session");
    v.a->sess = v.ss;
    v.a->tree = v.t;
    inv_repaired(&v);

    v.ss->n_opens++;
    inv_expect(&v, "a session's open count is wrong");
    v.ss->n_opens--;
    inv_repaired(&v);

    v.ss->n_channels++;
    inv_expect(&v, "a session's channel count is wrong");
    v.ss->n_channels--;
    inv_repaired(&v);

    res_channel *ch = RSVD_CONTAINER_OF(v.ss->channels.next, res_channel, sess_node);
    ch->conn->handle += 1000;
    inv_expect(&v, "a channel links a freed connection");
    ch->conn->handle -= 1000;
    inv_repaired(&v);

    /* Alice's second tree says it is Bob's. */
    v.t2->sess = v.ss2;
    inv_expect(&v, "a session lists a tree of another session");
    v.t2->sess = v.ss;
    inv_repaired(&v);

    /* The open says it is on Alice's second tree; the first lists it. */
    v.a->tree = v.t2;
    inv_expect(&v, "a tree lists an open of another tree");
    v.a->tree = v.t;
    inv_repaired(&v);

    /* The open is missing from Alice's OpenTable. */
    rsvd_list_remove(&v.a->sess_node);
    v.ss->n_opens--;
    inv_expect(&v, "attached opens missing from their Session.OpenTable");
    rsvd_list_append(&v.ss->opens, &v.a->sess_node);
    v.ss->n_opens++;
    inv_repaired(&v);

    uint32_t max = s->cfg.max_detached;
    s->cfg.max_detached = 0;
    inv_expect(&v, "a limit is exceeded");
    s->cfg.max_detached = max;
    inv_repaired(&v);

    fx_fini(&v.fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(close_reasons_have_names),
        cmocka_unit_test(server_new_needs_out_and_close_callback),
        cmocka_unit_test(registration_rejects_missing_arguments),
        cmocka_unit_test(events_on_unknown_or_missing_objects_fail),
        cmocka_unit_test(inspection_rejects_missing_arguments),
        cmocka_unit_test(requests_reject_missing_arguments),
        cmocka_unit_test(requests_of_another_command_are_the_hosts),
        cmocka_unit_test(every_state_change_is_busy_inside_the_close_callback),
        cmocka_unit_test(a_deadline_past_the_end_of_the_clock_saturates),
        cmocka_unit_test(registration_survives_every_failed_allocation),
        cmocka_unit_test(detach_without_memory_for_the_deadline_closes_for_resources),
        cmocka_unit_test(invariant_checker_names_each_broken_invariant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
