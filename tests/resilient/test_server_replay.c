/*
 * CREATE replay ([MS-SMB2] 3.3.5.9, the v84 block before "Open Execution";
 * decisions D2, D3) and the name collision with a detached persistent open
 * (3.3.5.9 preamble, decision D14).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "pv_fixture.h"

static pv_create replay_of(uint8_t guid, uint32_t flags)
{
    pv_create c;
    memset(&c, 0, sizeof c);
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    c.hdr_flags = RSVD_SMB2_FLAGS_REPLAY_OPERATION;
    c.dh2q = true;
    c.dh2q_flags = flags;
    c.create_guid = pv_guid(guid);
    return c;
}

static pv_grant created(uint8_t oplock)
{
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.oplock = oplock;
    g.create_action = RSVD_FILE_CREATED;
    return g;
}

/* The original CREATE: DH2Q of @p guid, granted BATCH, CreateAction
 * FILE_CREATED. */
static rsvd_smb2_fileid original(srv_fx *fx, const fx_sess *s, uint8_t guid, uint32_t flags)
{
    pv_create c = replay_of(guid, flags);
    c.hdr_flags = 0;
    pv_grant g = created(RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    rsvd_res_create_op op = pv_open(fx, s, &c, &g);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    return op.file_id;
}

static pv_where where(uint64_t sid, uint8_t client)
{
    pv_where w = pv_alice();
    w.session_id = sid;
    w.client = client;
    return w;
}

/* Step 1 and pitfall P4: a CREATE replayed on the open's own session (a new
 * channel) is answered from the open - same FileId, the original
 * CreateAction (D2), the DH2Q response with Open.DurableOpenTimeout; it
 * stays attached. */
static void replayed_create_is_answered_from_the_open_with_its_create_action(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid f = original(&fx, &s, 0x11, 0);
    pv_create c = replay_of(0x11, 0);
    rsvd_res_create_op op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_RECLAIM);
    assert_true(op.replay);
    assert_null(op.context);
    assert_int_equal(op.create_action, RSVD_FILE_CREATED);
    assert_memory_equal(&op.file_id, &f, sizeof f);
    assert_int_equal(pv_end(&fx, &s, &op, NULL), RSVD_OK);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    assert_memory_equal(&op.file_id, &f, sizeof f);
    assert_memory_equal(op.rsp_context, "DH2Q", 4);
    static const uint8_t rsp[8] = {0x60, 0xEA, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(op.rsp_context_data, rsp, 8);
    assert_int_equal(fx_info(&fx, &f).state, RSVD_RES_OPEN_ATTACHED);
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.opens, 1);
    fx_fini(&fx);
}

/* Step 1: the owner and (decision D3, pitfall B9) the lease key are checked
 * on a replay - STATUS_ACCESS_DENIED. */
static void replay_by_another_user_or_with_another_lease_key_fails_access_denied(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = replay_of(0x21, 0);
    c.hdr_flags = 0;
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_LEASE;
    c.rqls = true;
    c.lease_version = 2;
    c.lease_key = pv_guid(0x22);
    c.lease_state = 7;
    pv_grant g = created(RSVD_SMB2_OPLOCK_LEVEL_LEASE);
    g.lease_state = 7;
    rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
    assert_true(fx_info(&fx, &op.file_id).is_durable);
    c.hdr_flags = RSVD_SMB2_FLAGS_REPLAY_OPERATION;
    c.lease_key = pv_guid(0x23);
    op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_ACCESS_DENIED);
    c.rqls = false;
    op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_ACCESS_DENIED);
    /* Bob on a session of the same client. */
    pv_where wb = where(0x31, 0xA1);
    wb.user = fx_bob;
    fx_sess bob = pv_session(&fx, &wb);
    c.rqls = true;
    c.lease_key = pv_guid(0x22);
    op = pv_begin(&fx, &bob, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_ACCESS_DENIED);
    op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_RECLAIM);
    assert_int_equal(pv_end(&fx, &s, &op, NULL), RSVD_OK);
    fx_fini(&fx);
}

/* Step 1: on another session, or (decision) detached and not persistent:
 * STATUS_DUPLICATE_OBJECTID. */
static void replay_on_another_session_or_of_a_detached_durable_open_is_duplicate(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid f = original(&fx, &s, 0x41, 0);
    pv_where w2 = where(0x32, 0xA1);
    fx_sess s2 = pv_session(&fx, &w2);
    pv_create c = replay_of(0x41, 0);
    rsvd_res_create_op op = pv_begin(&fx, &s2, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_DUPLICATE_OBJECTID);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(fx_info(&fx, &f).state, RSVD_RES_OPEN_DETACHED);
    op = pv_begin(&fx, &s2, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_DUPLICATE_OBJECTID);
    assert_int_equal(fx_info(&fx, &f).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
}

/* Step 1, SHOULD <307>: a persistent open replayed without the PERSISTENT
 * flag - STATUS_INVALID_PARAMETER. */
static void replay_of_a_persistent_open_without_the_flag_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    (void)original(&fx, &s, 0x51, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    pv_create c = replay_of(0x51, 0);
    rsvd_res_create_op op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_INVALID_PARAMETER);
    fx_fini(&fx);
}

/* Step 2 and decision D2: a detached persistent open named by a replay is
 * rebound to the replay's session, like 3.3.5.9.12 (new volatile id), and
 * answered with its original CreateAction. */
static void replay_of_a_detached_persistent_open_rebinds_it(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid f = original(&fx, &s, 0x61, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    pv_where w2 = where(0x33, 0xA1);
    fx_sess s2 = pv_session(&fx, &w2);
    pv_create c = replay_of(0x61, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    c.channel_sequence = 4;
    rsvd_res_create_op op = pv_begin(&fx, &s2, &c, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_RECLAIM);
    assert_true(op.replay);
    assert_int_equal(op.create_action, RSVD_FILE_CREATED);
    assert_int_equal(pv_end(&fx, &s2, &op, NULL), RSVD_OK);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(op.file_id.persistent_id, f.persistent_id);
    assert_int_not_equal(op.file_id.volatile_id, f.volatile_id);
    rsvd_res_open_info i = fx_info(&fx, &f);
    assert_int_equal(i.state, RSVD_RES_OPEN_ATTACHED);
    assert_int_equal(i.session, s2.ctx.session);
    assert_int_equal(i.channel_sequence, 4);
    static const uint8_t rsp[8] = {0x60, 0xEA, 0, 0, 2, 0, 0, 0};
    assert_memory_equal(op.rsp_context_data, rsp, 8);
    fx_fini(&fx);
}

/* Step 2: a persistent open found by CreateGuid that is still on a
 * connection - STATUS_FILE_NOT_AVAILABLE; other CreateOptions,
 * DesiredAccess or ShareAccess - STATUS_CONTEXT_MISMATCH. */
static void replay_of_a_persistent_open_checks_connection_and_parameters(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    (void)original(&fx, &s, 0x71, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    /* Another client of Alice's: step 1 (its ClientGuid) does not match. */
    pv_where w2 = where(0x34, 0xB2);
    fx_sess other = pv_session(&fx, &w2);
    pv_create c = replay_of(0x71, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    rsvd_res_create_op op = pv_begin(&fx, &other, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_FILE_NOT_AVAILABLE);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    c.create_options = RSVD_FILE_NON_DIRECTORY_FILE | RSVD_FILE_WRITE_THROUGH;
    op = pv_begin(&fx, &other, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_CONTEXT_MISMATCH);
    c.create_options = 0;
    c.desired_access = RSVD_FILE_READ_DATA;
    op = pv_begin(&fx, &other, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_CONTEXT_MISMATCH);
    c.desired_access = 0;
    pv_where wb = where(0x35, 0xB2);
    wb.user = fx_bob;
    fx_sess bob = pv_session(&fx, &wb);
    op = pv_begin(&fx, &bob, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_ACCESS_DENIED);
    op = pv_open(&fx, &other, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

/* A REPLAY flag whose CreateGuid names nothing is a new CREATE; on a share
 * that is not STYPE_DISKTREE no replay is looked for; through another share
 * the open is not handed out (D11): its CreateGuid is in use
 * (3.3.5.9.10 step 3). */
static void replay_that_names_no_open_is_an_ordinary_create(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = replay_of(0x81, 0);
    rsvd_res_create_op op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    (void)original(&fx, &s, 0x82, 0);
    pv_where w2 = pv_alice();
    w2.session_id = 0x36;
    w2.tree_id = 9;
    w2.share = "other";
    fx_sess elsewhere = pv_session(&fx, &w2);
    c = replay_of(0x82, 0);
    op = pv_begin(&fx, &elsewhere, &c, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_FAIL);
    assert_int_equal(op.status, RSVD_STATUS_DUPLICATE_OBJECTID);
    pv_where w3 = pv_alice();
    w3.session_id = 0x37;
    w3.tree_id = 10;
    w3.share = "printer";
    w3.share_type = RSVD_RES_STYPE_PRINTQ;
    fx_sess pq = pv_session(&fx, &w3);
    pv_create d = replay_of(0x83, 0);
    d.hdr_flags = 0;
    pv_grant g = created(RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    op = pv_open(&fx, &pq, &d, &g);
    assert_true(fx_info(&fx, &op.file_id).is_durable);
    assert_false(fx_info(&fx, &op.file_id).is_replay_eligible);
    pv_create r = replay_of(0x83, 0);
    op = pv_begin(&fx, &pq, &r, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    fx_fini(&fx);
}

/* 3.3.5.9 preamble, SHOULD <301>, decision D14: a CREATE (without DHnC or
 * DH2C) of a file whose persistent open is detached fails
 * STATUS_FILE_NOT_AVAILABLE - the same object by the host's file key, or
 * without one the same name (any case) on the same share. */
static void create_of_a_file_with_a_detached_persistent_open_fails_file_not_available(
    void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c;
    memset(&c, 0, sizeof c);
    c.name = "Disk.VHDX";
    c.dh2q = true;
    c.dh2q_flags = RSVD_SMB2_DHANDLE_FLAG_PERSISTENT;
    c.create_guid = pv_guid(0x91);
    rsvd_res_create_op op = pv_open(&fx, &s, &c, NULL);
    pv_create k = c;
    k.name = "keyed.vhdx";
    k.create_guid = pv_guid(0x92);
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.file_key = "inode:42";
    op = pv_open(&fx, &s, &k, &g);
    assert_true(fx_info(&fx, &op.file_id).is_persistent);
    pv_where w2 = pv_alice();
    w2.session_id = 0x38;
    w2.client = 0xB3;
    fx_sess b = pv_session(&fx, &w2);
    pv_create plain;
    memset(&plain, 0, sizeof plain);
    plain.name = "disk.vhdx";
    /* Attached: no collision. */
    op = pv_begin(&fx, &b, &plain, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    op = pv_begin(&fx, &b, &plain, NULL);
    assert_int_equal(op.status, RSVD_STATUS_FILE_NOT_AVAILABLE);
    /* By the object: another name for inode 42. */
    plain.name = "hardlink.vhdx";
    rsvd_res_create_params p = RSVD_STRUCT_INIT(rsvd_res_create_params);
    p.file_key = "inode:42";
    p.file_key_len = 8;
    op = pv_begin(&fx, &b, &plain, &p);
    assert_int_equal(op.status, RSVD_STATUS_FILE_NOT_AVAILABLE);
    p.file_key = "inode:43";
    op = pv_begin(&fx, &b, &plain, &p);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    /* Same name on another share: another file. */
    pv_where w3 = w2;
    w3.session_id = 0x39;
    w3.share = "scratch";
    fx_sess other = pv_session(&fx, &w3);
    plain.name = "disk.vhdx";
    op = pv_begin(&fx, &other, &plain, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replayed_create_is_answered_from_the_open_with_its_create_action),
        cmocka_unit_test(replay_by_another_user_or_with_another_lease_key_fails_access_denied),
        cmocka_unit_test(replay_on_another_session_or_of_a_detached_durable_open_is_duplicate),
        cmocka_unit_test(replay_of_a_persistent_open_without_the_flag_fails_invalid_parameter),
        cmocka_unit_test(replay_of_a_detached_persistent_open_rebinds_it),
        cmocka_unit_test(replay_of_a_persistent_open_checks_connection_and_parameters),
        cmocka_unit_test(replay_that_names_no_open_is_an_ordinary_create),
        cmocka_unit_test(
            create_of_a_file_with_a_detached_persistent_open_fails_file_not_available),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
