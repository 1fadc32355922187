/*
 * Server: what connection loss (3.3.7.1), LOGOFF (3.3.5.6), a
 * PreviousSessionId takeover (3.3.5.5.3), TREE_DISCONNECT (3.3.5.8), a
 * session close (3.3.4.12) and CLOSE do to opens.
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "res_fixture.h"

static void connection_loss_detaches_resilient_open_with_its_deadline(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    fx_check(&fx);
    rsvd_res_open_info info = fx_info(&fx, &fid);
    assert_int_equal(info.state, RSVD_RES_OPEN_DETACHED);
    assert_true(info.deadline_ms == fx.now + 60000); /* now + ResiliencyTimeout */
    assert_true(info.file_id.volatile_id == 0);
    assert_true(info.session == 0 && info.tree == 0);
    assert_int_equal(fx.n_closed, 0);
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.connections, 0);
    assert_int_equal(st.sessions, 0);
    assert_int_equal(st.trees, 0);
    assert_int_equal(st.opens, 1);
    assert_int_equal(st.detached, 1);
    fx_fini(&fx);
}

static void connection_loss_closes_non_resilient_opens(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid plain = fx_open(&fx);
    rsvd_smb2_fileid res = fx_open(&fx);
    fx_make_resilient(&fx, &res, 60000);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    fx_check(&fx);
    assert_int_equal(fx.n_closed, 1);
    assert_true(rsvd_smb2_fileid_equal(&fx.closed[0].c.file_id, &plain));
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_DISCONNECT);
    assert_false(fx_exists(&fx, &plain));
    assert_int_equal(fx_info(&fx, &res).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
}

static void logoff_detaches_resilient_opens_and_closes_the_others(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    rsvd_smb2_fileid plain = fx_open(&fx);
    rsvd_smb2_fileid res = fx_open(&fx);
    fx_make_resilient(&fx, &res, 30000);
    fx.now += 5;
    assert_int_equal(rsvd_res_server_logoff(fx.srv, fx.main.ctx.session, fx.now), RSVD_OK);
    fx_check(&fx);
    assert_int_equal(fx.n_closed, 1);
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_LOGOFF);
    assert_true(fx.closed[0].c.file_id.persistent_id == plain.persistent_id);
    rsvd_res_open_info info = fx_info(&fx, &res);
    assert_int_equal(info.state, RSVD_RES_OPEN_DETACHED);
    assert_true(info.deadline_ms == fx.now + 30000);
    /* The session and its tree are gone, the connection stays. */
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.sessions, 0);
    assert_int_equal(st.trees, 0);
    assert_int_equal(st.connections, 1);
    assert_int_equal(rsvd_res_server_logoff(fx.srv, fx.main.ctx.session, fx.now), RSVD_E_NOENT);
    fx_fini(&fx);
}

static void previous_session_of_same_user_is_removed_as_on_connection_loss(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid plain = fx_open(&fx);
    rsvd_smb2_fileid res = fx_open(&fx);
    fx_make_resilient(&fx, &res, 30000);
    fx_sess again = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_alice, sizeof fx_alice, 0x12, 7);
    bool removed = false;
    assert_int_equal(rsvd_res_server_previous_session(fx.srv, again.ctx.session,
                                                      fx.main.ctx.session, fx.now, &removed),
                     RSVD_OK);
    assert_true(removed);
    fx_check(&fx);
    assert_int_equal(fx.n_closed, 1);
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_PREVIOUS_SESSION);
    assert_true(fx.closed[0].c.file_id.persistent_id == plain.persistent_id);
    assert_int_equal(fx_info(&fx, &res).state, RSVD_RES_OPEN_DETACHED);
    /* The new session reconnects it. */
    rsvd_res_reconnect_result r = fx_reconnect(&fx, &again, &res, FX_CC_DHNC);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

static void previous_session_of_another_user_or_itself_is_left_alone(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid res = fx_open(&fx);
    fx_make_resilient(&fx, &res, 30000);
    fx_sess bob = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_bob, sizeof fx_bob, 0x12, 7);
    bool removed = true;
    assert_int_equal(rsvd_res_server_previous_session(fx.srv, bob.ctx.session,
                                                      fx.main.ctx.session, fx.now, &removed),
                     RSVD_OK);
    assert_false(removed);
    removed = true;
    assert_int_equal(rsvd_res_server_previous_session(fx.srv, fx.main.ctx.session,
                                                      fx.main.ctx.session, fx.now, &removed),
                     RSVD_OK);
    assert_false(removed);
    assert_int_equal(fx_info(&fx, &res).state, RSVD_RES_OPEN_ATTACHED);
    assert_int_equal(fx.n_closed, 0);
    fx_fini(&fx);
}

static void tree_disconnect_closes_resilient_opens_too(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid res = fx_open(&fx);
    rsvd_smb2_fileid plain = fx_open(&fx);
    fx_make_resilient(&fx, &res, 30000);
    assert_int_equal(rsvd_res_server_tree_disconnect(fx.srv, fx.main.ctx.tree), RSVD_OK);
    fx_check(&fx);
    assert_int_equal(fx.n_closed, 2);
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_TREE_DISCONNECT);
    assert_int_equal(fx.closed[1].c.reason, RSVD_RES_CLOSE_TREE_DISCONNECT);
    assert_false(fx_exists(&fx, &res));
    assert_false(fx_exists(&fx, &plain));
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.sessions, 1);
    assert_int_equal(st.trees, 0);
    fx_fini(&fx);
}

static void loss_of_one_channel_keeps_the_session_and_its_opens(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    rsvd_smb2_fileid plain = fx_open(&fx);
    const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                    .dialect = RSVD_SMB2_DIALECT_300,
                                    .supports_multi_credit = true,
                                    .max_transact_size = 0};
    uint64_t conn2;
    assert_int_equal(rsvd_res_server_conn_add(fx.srv, &p, &conn2), RSVD_OK);
    assert_int_equal(rsvd_res_server_session_bind(fx.srv, fx.main.ctx.session, conn2), RSVD_OK);
    assert_int_equal(rsvd_res_server_session_bind(fx.srv, fx.main.ctx.session, conn2),
                     RSVD_E_STATE);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    fx_check(&fx);
    assert_int_equal(fx.n_closed, 0);
    assert_int_equal(fx_info(&fx, &plain).state, RSVD_RES_OPEN_ATTACHED);
    /* Reachable through the remaining channel. */
    rsvd_res_server_ctx ctx = fx.main.ctx;
    ctx.conn = conn2;
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &ctx, &plain, NULL), RSVD_STATUS_SUCCESS);
    /* Losing the last channel is a loss of the session. */
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, conn2, fx.now), RSVD_OK);
    assert_int_equal(fx.n_closed, 1);
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_DISCONNECT);
    fx_fini(&fx);
}

static void binding_a_2x_session_is_not_supported(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                    .dialect = RSVD_SMB2_DIALECT_210,
                                    .supports_multi_credit = false,
                                    .max_transact_size = 0};
    uint64_t conn2;
    assert_int_equal(rsvd_res_server_conn_add(fx.srv, &p, &conn2), RSVD_OK);
    assert_int_equal(rsvd_res_server_session_bind(fx.srv, fx.main.ctx.session, conn2),
                     RSVD_E_NOTSUP);
    fx_fini(&fx);
}

static void session_close_closes_every_open(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid res = fx_open(&fx);
    fx_make_resilient(&fx, &res, 30000);
    assert_int_equal(rsvd_res_server_session_close(fx.srv, fx.main.ctx.session), RSVD_OK);
    assert_int_equal(fx.n_closed, 1);
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_SESSION_CLOSED);
    assert_false(fx_exists(&fx, &res));
    fx_fini(&fx);
}

static void explicit_close_of_attached_or_detached_open_has_no_callback(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid a = fx_open(&fx);
    rsvd_smb2_fileid b = fx_open(&fx);
    fx_make_resilient(&fx, &b, 30000);
    assert_int_equal(rsvd_res_server_open_close(fx.srv, a.persistent_id), RSVD_OK);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(rsvd_res_server_open_close(fx.srv, b.persistent_id), RSVD_OK);
    fx_check(&fx);
    assert_int_equal(fx.n_closed, 0);
    assert_false(fx_exists(&fx, &a));
    assert_false(fx_exists(&fx, &b));
    assert_int_equal(rsvd_res_server_open_close(fx.srv, b.persistent_id), RSVD_E_NOENT);
    assert_true(rsvd_res_server_next_expiry(fx.srv) == UINT64_MAX);
    fx_fini(&fx);
}

static void over_max_detached_the_open_is_closed_for_resources(void **state)
{
    (void)state;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_detached = 2;
    srv_fx fx;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid f[3];
    for (int i = 0; i < 3; i++) {
        f[i] = fx_open(&fx);
        fx_make_resilient(&fx, &f[i], 30000);
    }
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    fx_check(&fx);
    assert_int_equal(fx.n_closed, 1);
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_RESOURCES);
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.detached, 2);
    fx_fini(&fx);
}

static void open_limits_are_clear_errors(void **state)
{
    (void)state;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_opens = 3;
    cfg.max_opens_per_session = 2;
    srv_fx fx;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid;
    (void)fx_open(&fx);
    (void)fx_open(&fx);
    assert_int_equal(rsvd_res_server_open_add(fx.srv, &fx.main.ctx, 0, NULL, &fid), RSVD_E_LIMIT);
    fx_sess bob = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_bob, sizeof fx_bob, 0x12, 7);
    (void)fx_open_on(&fx, &bob, 0);
    assert_int_equal(rsvd_res_server_open_add(fx.srv, &bob.ctx, 0, NULL, &fid), RSVD_E_LIMIT);
    fx_fini(&fx);
}

static void close_callback_cannot_reenter_the_server(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    (void)fx_open(&fx);
    fx.reenter = true;
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(fx.n_closed, 1);
    assert_int_equal(fx.reenter_rc, RSVD_E_BUSY);
    fx_fini(&fx);
}

static void free_closes_remaining_opens_with_shutdown(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    (void)fx_open(&fx);
    rsvd_smb2_fileid res = fx_open(&fx);
    fx_make_resilient(&fx, &res, 30000);
    assert_int_equal(rsvd_res_server_logoff(fx.srv, fx.main.ctx.session, fx.now), RSVD_OK);
    size_t before = fx.n_closed;
    rsvd_res_server_free(fx.srv);
    fx.srv = NULL;
    assert_int_equal(fx.n_closed, before + 1);
    assert_int_equal(fx.closed[before].c.reason, RSVD_RES_CLOSE_SHUTDOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(connection_loss_detaches_resilient_open_with_its_deadline),
        cmocka_unit_test(connection_loss_closes_non_resilient_opens),
        cmocka_unit_test(logoff_detaches_resilient_opens_and_closes_the_others),
        cmocka_unit_test(previous_session_of_same_user_is_removed_as_on_connection_loss),
        cmocka_unit_test(previous_session_of_another_user_or_itself_is_left_alone),
        cmocka_unit_test(tree_disconnect_closes_resilient_opens_too),
        cmocka_unit_test(loss_of_one_channel_keeps_the_session_and_its_opens),
        cmocka_unit_test(binding_a_2x_session_is_not_supported),
        cmocka_unit_test(session_close_closes_every_open),
        cmocka_unit_test(explicit_close_of_attached_or_detached_open_has_no_callback),
        cmocka_unit_test(over_max_detached_the_open_is_closed_for_resources),
        cmocka_unit_test(open_limits_are_clear_errors),
        cmocka_unit_test(close_callback_cannot_reenter_the_server),
        cmocka_unit_test(free_closes_remaining_opens_with_shutdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
