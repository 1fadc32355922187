/*
 * Server: reconnecting a detached resilient open from the CREATE's DHnC
 * ([MS-SMB2] 3.3.5.9.7) or DH2C (3.3.5.9.12) context.
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "res_fixture.h"

/* An open of Alice's, resilient for 1000 ms, detached at fx->now. */
static rsvd_smb2_fileid detached_open(srv_fx *fx, uint16_t dialect)
{
    fx_init(fx, NULL, dialect);
    rsvd_smb2_fileid fid = fx_open(fx);
    fx_make_resilient(fx, &fid, 1000);
    assert_int_equal(rsvd_res_server_conn_lost(fx->srv, fx->main.ctx.conn, fx->now), RSVD_OK);
    return fid;
}

static fx_sess alice_again(srv_fx *fx, uint16_t dialect)
{
    return fx_new_session(fx, dialect, fx_alice, sizeof fx_alice, 0x12, 7);
}

static void reconnect_at_deadline_minus_1ms_succeeds(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_210);
    uint64_t deadline = fx_info(&fx, &fid).deadline_ms;
    fx.now = deadline - 1;
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    rsvd_res_reconnect_result r = fx_reconnect(&fx, &s, &fid, FX_CC_DHNC);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_string_equal(r.context, RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT);
    /* Same persistent id, a new volatile id. */
    assert_true(r.file_id.persistent_id == fid.persistent_id);
    assert_true(r.file_id.volatile_id != fid.volatile_id);
    assert_true(r.file_id.volatile_id != 0);
    rsvd_res_open_info info = fx_info(&fx, &fid);
    assert_int_equal(info.state, RSVD_RES_OPEN_ATTACHED);
    assert_true(info.session == s.ctx.session && info.tree == s.ctx.tree);
    assert_true(info.is_resilient);
    assert_int_equal(info.resiliency_timeout_ms, 1000);
    /* Reachable by the new FileId through the new session only. */
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &s.ctx, &r.file_id, NULL),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &s.ctx, &fid, NULL),
                     RSVD_STATUS_FILE_CLOSED);
    fx_fini(&fx);
}

static void reconnect_at_exact_deadline_succeeds(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_210);
    fx.now = fx_info(&fx, &fid).deadline_ms;
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DHNC).status, RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

static void reconnect_at_deadline_plus_1ms_fails_object_name_not_found(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_210);
    fx.now = fx_info(&fx, &fid).deadline_ms + 1;
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    /* The host has not run the scavenger: the reconnect expires it. */
    rsvd_res_reconnect_result r = fx_reconnect(&fx, &s, &fid, FX_CC_DHNC);
    assert_int_equal(r.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(fx.n_closed, 1);
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_EXPIRED);
    assert_false(fx_exists(&fx, &fid));
    fx_fini(&fx);
}

static void reconnect_after_the_scavenger_fails_object_name_not_found(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_210);
    fx.now = fx_info(&fx, &fid).deadline_ms + 1;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, fx.now, NULL), RSVD_OK);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DHNC).status,
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    fx_fini(&fx);
}

static void reconnect_of_unknown_open_fails_object_name_not_found(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_210);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid unknown = {fid.persistent_id + 5, 1};
    assert_int_equal(fx_reconnect(&fx, &s, &unknown, FX_CC_DHNC).status,
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    /* A stale persistent id (same slot, older generation) names nothing. */
    rsvd_smb2_fileid stale = {fid.persistent_id - (1ull << 32), 0};
    assert_int_equal(fx_reconnect(&fx, &s, &stale, FX_CC_DHNC).status,
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(fx_info(&fx, &fid).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
}

static void reconnect_of_still_attached_open_fails_object_name_not_found(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 1000);
    /* The server has not noticed the old connection die (gap G5). */
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DHNC).status,
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(fx_info(&fx, &fid).state, RSVD_RES_OPEN_ATTACHED);
    assert_true(fx_info(&fx, &fid).session == fx.main.ctx.session);
    fx_fini(&fx);
}

static void reconnect_of_non_resilient_open_fails_object_name_not_found(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DHNC).status,
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    fx_fini(&fx);
}

static void reconnect_by_another_user_fails_access_denied(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_210);
    fx_sess bob = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_bob, sizeof fx_bob, 0x13, 8);
    rsvd_res_reconnect_result r = fx_reconnect(&fx, &bob, &fid, FX_CC_DHNC);
    assert_int_equal(r.status, RSVD_STATUS_ACCESS_DENIED);
    assert_true(r.file_id.persistent_id == 0 && r.open_user_data == NULL);
    /* Nothing changed: the owner still reconnects it. */
    assert_int_equal(fx_info(&fx, &fid).state, RSVD_RES_OPEN_DETACHED);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DHNC).status, RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

static void durable_owner_is_the_user_who_requested_resiliency(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 1000);
    assert_int_equal(rsvd_res_server_logoff(fx.srv, fx.main.ctx.session, fx.now), RSVD_OK);
    /* Same user bytes, other length: another user. */
    fx_sess shorter = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_alice, sizeof fx_alice - 1,
                                     0x14, 9);
    assert_int_equal(fx_reconnect(&fx, &shorter, &fid, FX_CC_DHNC).status,
                     RSVD_STATUS_ACCESS_DENIED);
    fx_fini(&fx);
}

static void dhnq_next_to_dhnc_is_ignored(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_210);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DHNC | FX_CC_DHNQ).status,
                     RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

static void dhnc_with_dh2q_or_dh2c_on_3x_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_300);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_300);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DHNC | FX_CC_DH2Q).status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DHNC | FX_CC_DH2C).status,
                     RSVD_STATUS_INVALID_PARAMETER);
    /* Before the lookup: an unknown open gets the same answer. */
    rsvd_smb2_fileid unknown = {fid.persistent_id + 9, 1};
    assert_int_equal(fx_reconnect(&fx, &s, &unknown, FX_CC_DHNC | FX_CC_DH2Q).status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fx_info(&fx, &fid).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
}

static void dhnc_with_dh2q_on_21_ignores_the_3x_context(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_210);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DHNC | FX_CC_DH2Q).status,
                     RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

static void dhnc_on_every_dialect_reconnects(void **state)
{
    (void)state;
    const uint16_t dialects[] = {RSVD_SMB2_DIALECT_202, RSVD_SMB2_DIALECT_210,
                                 RSVD_SMB2_DIALECT_300, RSVD_SMB2_DIALECT_302,
                                 RSVD_SMB2_DIALECT_311};
    for (size_t i = 0; i < sizeof dialects / sizeof dialects[0]; i++) {
        srv_fx fx;
        rsvd_smb2_fileid fid = detached_open(&fx, dialects[i]);
        fx_sess s = alice_again(&fx, dialects[i]);
        assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DHNC).status, RSVD_STATUS_SUCCESS);
        fx_fini(&fx);
    }
}

static void dh2c_with_never_set_create_guid_reconnects_on_3x(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_311);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_311);
    rsvd_res_reconnect_result r = fx_reconnect(&fx, &s, &fid, FX_CC_DH2C);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_string_equal(r.context, RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2);
    assert_true(r.file_id.persistent_id == fid.persistent_id);
    fx_fini(&fx);
}

static void dh2c_with_another_create_guid_fails_object_name_not_found(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_300);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_300);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DH2C | FX_CC_DH2C_GUID).status,
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    fx_fini(&fx);
}

static void dh2c_with_persistent_flag_or_dhnq_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_300);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_300);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DH2C | FX_CC_DH2C_PERSISTENT).status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DH2C | FX_CC_DHNQ).status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DH2C | FX_CC_DH2Q).status,
                     RSVD_STATUS_INVALID_PARAMETER);
    /* The not-found checks come first (3.3.5.9.12 steps 2 then 3). */
    rsvd_smb2_fileid unknown = {fid.persistent_id + 9, 1};
    assert_int_equal(fx_reconnect(&fx, &s, &unknown, FX_CC_DH2C | FX_CC_DHNQ).status,
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    fx_fini(&fx);
}

static void dh2c_by_another_user_fails_access_denied(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_300);
    fx_sess bob = fx_new_session(&fx, RSVD_SMB2_DIALECT_300, fx_bob, sizeof fx_bob, 0x13, 8);
    assert_int_equal(fx_reconnect(&fx, &bob, &fid, FX_CC_DH2C).status, RSVD_STATUS_ACCESS_DENIED);
    fx_fini(&fx);
}

static void create_without_reconnect_context_is_left_to_the_host(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_210);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    uint8_t req[1024];
    rsvd_res_reconnect_result r;
    size_t n = fx_create_req(0x12, 7, 1, &fid, 0, req, sizeof req);
    assert_int_equal(rsvd_res_server_reconnect(fx.srv, &s.ctx, req, n, fx.now, &r), RSVD_E_NOENT);
    n = fx_create_req(0x12, 7, 1, &fid, FX_CC_DHNQ, req, sizeof req);
    assert_int_equal(rsvd_res_server_reconnect(fx.srv, &s.ctx, req, n, fx.now, &r), RSVD_E_NOENT);
    /* DH2C is not a 2.1 context. */
    n = fx_create_req(0x12, 7, 1, &fid, FX_CC_DH2C, req, sizeof req);
    assert_int_equal(rsvd_res_server_reconnect(fx.srv, &s.ctx, req, n, fx.now, &r), RSVD_E_NOENT);
    assert_int_equal(fx_info(&fx, &fid).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
}

static void dhnc_of_wrong_size_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_smb2_fileid fid = detached_open(&fx, RSVD_SMB2_DIALECT_210);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    uint8_t req[1024];
    size_t n = fx_create_req(0x12, 7, 1, &fid, FX_CC_DHNC, req, sizeof req);
    /* The only context's DataLength 16 -> 8 (its data still inside). */
    const size_t cc = 120 + 12 + 4; /* name at 0x78 (12 bytes), padded to 8 */
    assert_int_equal(req[cc + 16], 'D');
    req[cc + 12] = 8;
    rsvd_res_reconnect_result r;
    assert_int_equal(rsvd_res_server_reconnect(fx.srv, &s.ctx, req, n, fx.now, &r), RSVD_OK);
    assert_int_equal(r.status, RSVD_STATUS_INVALID_PARAMETER);
    /* A malformed CREATE. */
    assert_int_equal(rsvd_res_server_reconnect(fx.srv, &s.ctx, req, 100, fx.now, &r), RSVD_OK);
    assert_int_equal(r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fx_info(&fx, &fid).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
}

static void lease_context_must_match_whether_the_open_has_a_lease(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid leased = fx_open_on(&fx, &fx.main, RSVD_RES_OPEN_LEASED);
    rsvd_smb2_fileid plain = fx_open(&fx);
    fx_make_resilient(&fx, &leased, 1000);
    fx_make_resilient(&fx, &plain, 1000);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    assert_int_equal(fx_reconnect(&fx, &s, &leased, FX_CC_DHNC).status,
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(fx_reconnect(&fx, &s, &plain, FX_CC_DHNC | FX_CC_RQLS).status,
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(fx_reconnect(&fx, &s, &leased, FX_CC_DHNC | FX_CC_RQLS).status,
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_reconnect(&fx, &s, &plain, FX_CC_DHNC).status, RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

static void reconnect_into_a_full_session_fails_insufficient_resources(void **state)
{
    (void)state;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_opens_per_session = 1;
    srv_fx fx;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 1000);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    fx_sess s = alice_again(&fx, RSVD_SMB2_DIALECT_210);
    (void)fx_open_on(&fx, &s, 0);
    assert_int_equal(fx_reconnect(&fx, &s, &fid, FX_CC_DHNC).status,
                     RSVD_STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(fx_info(&fx, &fid).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reconnect_at_deadline_minus_1ms_succeeds),
        cmocka_unit_test(reconnect_at_exact_deadline_succeeds),
        cmocka_unit_test(reconnect_at_deadline_plus_1ms_fails_object_name_not_found),
        cmocka_unit_test(reconnect_after_the_scavenger_fails_object_name_not_found),
        cmocka_unit_test(reconnect_of_unknown_open_fails_object_name_not_found),
        cmocka_unit_test(reconnect_of_still_attached_open_fails_object_name_not_found),
        cmocka_unit_test(reconnect_of_non_resilient_open_fails_object_name_not_found),
        cmocka_unit_test(reconnect_by_another_user_fails_access_denied),
        cmocka_unit_test(durable_owner_is_the_user_who_requested_resiliency),
        cmocka_unit_test(dhnq_next_to_dhnc_is_ignored),
        cmocka_unit_test(dhnc_with_dh2q_or_dh2c_on_3x_fails_invalid_parameter),
        cmocka_unit_test(dhnc_with_dh2q_on_21_ignores_the_3x_context),
        cmocka_unit_test(dhnc_on_every_dialect_reconnects),
        cmocka_unit_test(dh2c_with_never_set_create_guid_reconnects_on_3x),
        cmocka_unit_test(dh2c_with_another_create_guid_fails_object_name_not_found),
        cmocka_unit_test(dh2c_with_persistent_flag_or_dhnq_fails_invalid_parameter),
        cmocka_unit_test(dh2c_by_another_user_fails_access_denied),
        cmocka_unit_test(create_without_reconnect_context_is_left_to_the_host),
        cmocka_unit_test(dhnc_of_wrong_size_fails_invalid_parameter),
        cmocka_unit_test(lease_context_must_match_whether_the_open_has_a_lease),
        cmocka_unit_test(reconnect_into_a_full_session_fails_insufficient_resources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
