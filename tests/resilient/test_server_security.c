/*
 * Server: an open is reachable only through the session and tree connect
 * that own it; detached, only by its owner's reconnect ([MS-SMB2] 3.3.5.15,
 * 3.3.5.14: Session.OpenTable lookup; 3.3.5.9.7: DurableOwner).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "res_fixture.h"

static void file_id_of_another_session_is_file_closed(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    rsvd_smb2_fileid alice_file = fx_open(&fx);
    /* Bob's session on its own connection, and one of Alice's too. */
    fx_sess bob = fx_new_session(&fx, RSVD_SMB2_DIALECT_300, fx_bob, sizeof fx_bob, 0x21, 9);
    fx_sess alice2 = fx_new_session(&fx, RSVD_SMB2_DIALECT_300, fx_alice, sizeof fx_alice, 0x22, 10);
    const fx_sess *others[2] = {&bob, &alice2};
    for (int i = 0; i < 2; i++) {
        const fx_sess *o = others[i];
        assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &o->ctx, &alice_file, NULL),
                         RSVD_STATUS_FILE_CLOSED);
        assert_int_equal(fx_request_resiliency(&fx, o, &alice_file, 1000),
                         RSVD_STATUS_FILE_CLOSED);
        rsvd_res_lock_op op = fx_lock_begin(&fx, o, &alice_file, 0x10);
        assert_int_equal(op.action, RSVD_RES_LOCK_FAIL);
        assert_int_equal(op.status, RSVD_STATUS_FILE_CLOSED);
    }
    assert_false(fx_info(&fx, &alice_file).is_resilient);
    void *ud = (void *)1;
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &fx.main.ctx, &alice_file, &ud),
                     RSVD_STATUS_SUCCESS);
    assert_null(ud);
    fx_fini(&fx);
}

static void file_id_through_another_tree_of_the_same_session_is_file_closed(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint64_t tree2;
    assert_int_equal(rsvd_res_server_tree_add(fx.srv, fx.main.ctx.session, RES_TREE(77), &tree2),
                     RSVD_OK);
    fx_sess other_tree = fx.main;
    other_tree.ctx.tree = tree2;
    other_tree.tree_id = 77;
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &other_tree.ctx, &fid, NULL),
                     RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(fx_request_resiliency(&fx, &other_tree, &fid, 1000), RSVD_STATUS_FILE_CLOSED);
    fx_fini(&fx);
}

static void detached_open_is_reachable_by_no_session(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    fx_sess s = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_alice, sizeof fx_alice,
                               FX_SESSION_ID, FX_TREE_ID);
    /* Even the owner, with the old ids, on a new session: only a reconnect. */
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &s.ctx, &fid, NULL),
                     RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(fx_request_resiliency(&fx, &s, &fid, 1000), RSVD_STATUS_FILE_CLOSED);
    rsvd_smb2_fileid no_volatile = {fid.persistent_id, 0};
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &s.ctx, &no_volatile, NULL),
                     RSVD_STATUS_FILE_CLOSED);
    fx_fini(&fx);
}

static void only_the_owner_reconnects_a_detached_open(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    fx_sess bob = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_bob, sizeof fx_bob, 0x21, 9);
    /* Persistent ids are easy to guess: the owner check is what stops Bob. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(fx_reconnect(&fx, &bob, &fid, FX_CC_DHNC).status,
                         RSVD_STATUS_ACCESS_DENIED);
    assert_int_equal(fx_info(&fx, &fid).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
}

static void stale_volatile_id_after_reconnect_is_file_closed(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    fx_sess s = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_alice, sizeof fx_alice,
                               FX_SESSION_ID, FX_TREE_ID);
    rsvd_res_reconnect_result r = fx_reconnect(&fx, &s, &fid, FX_CC_DHNC);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &s.ctx, &fid, NULL),
                     RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &s.ctx, &r.file_id, NULL),
                     RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

static void context_that_does_not_belong_together_is_a_host_error(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_sess bob = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_bob, sizeof fx_bob, 0x21, 9);
    uint8_t req[256], rsp[256];
    size_t rn;
    uint32_t st;
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 1, &fid, 1000, req, sizeof req);
    /* Alice's session on Bob's connection. */
    rsvd_res_server_ctx ctx = fx.main.ctx;
    ctx.conn = bob.ctx.conn;
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &ctx, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_E_INVAL);
    /* Bob's tree in Alice's session. */
    ctx = fx.main.ctx;
    ctx.tree = bob.ctx.tree;
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &ctx, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_E_INVAL);
    /* A header naming another SessionId or TreeId than the ctx's. */
    n = fx_resiliency_req(0x21, FX_TREE_ID, 1, &fid, 1000, req, sizeof req);
    assert_int_equal(
        rsvd_res_server_ioctl(fx.srv, &fx.main.ctx, req, n, rsp, sizeof rsp, &rn, &st),
        RSVD_E_INVAL);
    n = fx_resiliency_req(FX_SESSION_ID, 9, 1, &fid, 1000, req, sizeof req);
    assert_int_equal(
        rsvd_res_server_ioctl(fx.srv, &fx.main.ctx, req, n, rsp, sizeof rsp, &rn, &st),
        RSVD_E_INVAL);
    /* Unknown handles. */
    ctx = fx.main.ctx;
    ctx.session = 12345;
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &ctx, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_E_NOENT);
    assert_false(fx_info(&fx, &fid).is_resilient);
    fx_fini(&fx);
}

static void handles_of_ended_objects_never_name_later_ones(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid old = fx_open(&fx);
    rsvd_res_server_ctx old_ctx = fx.main.ctx;
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    /* New objects take the freed slots. */
    fx_sess s = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_alice, sizeof fx_alice,
                               FX_SESSION_ID, FX_TREE_ID);
    rsvd_smb2_fileid fresh = fx_open_on(&fx, &s, 0);
    assert_true(fresh.persistent_id != old.persistent_id);
    assert_true(fresh.volatile_id != old.volatile_id);
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &old_ctx, &fresh, NULL),
                     RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &s.ctx, &old, NULL),
                     RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(rsvd_res_server_logoff(fx.srv, old_ctx.session, fx.now), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_server_tree_disconnect(fx.srv, old_ctx.tree), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, old_ctx.conn, fx.now), RSVD_E_NOENT);
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_id_of_another_session_is_file_closed),
        cmocka_unit_test(file_id_through_another_tree_of_the_same_session_is_file_closed),
        cmocka_unit_test(detached_open_is_reachable_by_no_session),
        cmocka_unit_test(only_the_owner_reconnects_a_detached_open),
        cmocka_unit_test(stale_volatile_id_after_reconnect_is_file_closed),
        cmocka_unit_test(context_that_does_not_belong_together_is_a_host_error),
        cmocka_unit_test(handles_of_ended_objects_never_name_later_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
