/*
 * Client: network disconnect (3.2.7.1), re-establishing the open (3.2.4.4,
 * 3.2.5.8), giving it up after ResilientTimeout, and re-sending unfinished
 * LOCKs with their LockSequence (gap G1).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "../wire/smb2_test.h"
#include "res_fixture.h"

/* What the host sets up after the disconnect: a new connection, session
 * (PreviousSessionId is its business) and tree connect. */
static uint64_t new_tree(cli_fx *cx, uint16_t dialect, uint64_t *conn)
{
    rsvd_res_client_conn_params p = cx_conn_params(dialect);
    p.next_message_id = 100;
    uint64_t sess, tree;
    assert_int_equal(rsvd_res_client_conn_add(cx->cli, &p, conn), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx->cli, *conn, 0x99, &sess), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(cx->cli, sess, CLI_TREE(8), &tree), RSVD_OK);
    return tree;
}

/* Builds the reconnect CREATE and answers it with success and @p fid. */
static void reconnect_ok(cli_fx *cx, uint64_t tree, const rsvd_smb2_fileid *fid)
{
    uint8_t req[1024], rsp[512];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_reconnect_create(cx->cli, cx->open, tree, cx->now, NULL, 0,
                                                      req, sizeof req, &m),
                     RSVD_OK);
    size_t rn = cx_rsp_create(req, m.len, fid, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx->cli, m.conn, rsp, rn, cx->now, &d), RSVD_OK);
    assert_int_equal(d.kind, RSVD_RES_REQ_RECONNECT);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
}

/* The reasons an open is given up have names for the host's logs. */
static void lost_reasons_have_names(void **state)
{
    (void)state;
    assert_string_equal(rsvd_res_lost_reason_name(RSVD_RES_LOST_NOT_DURABLE), "NOT_DURABLE");
    assert_string_equal(rsvd_res_lost_reason_name(RSVD_RES_LOST_TIMEOUT), "TIMEOUT");
    assert_string_equal(rsvd_res_lost_reason_name(0), "?");
    assert_string_equal(rsvd_res_lost_reason_name(RSVD_RES_LOST_DURABLE_TIMEOUT),
                        "DURABLE_TIMEOUT");
    assert_string_equal(rsvd_res_lost_reason_name(4), "?");
}

static void disconnect_frees_a_non_durable_open(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_int_equal(cx.n_lost, 1);
    assert_true(cx.lost[0].open == cx.open);
    assert_ptr_equal(cx.lost[0].user_data, &cx);
    assert_int_equal(cx.lost[0].reason, RSVD_RES_LOST_NOT_DURABLE);
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    assert_int_equal(rsvd_res_client_open_info_get(cx.cli, cx.open, &info), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_E_NOENT);
    cx_fini(&cx);
}

static void disconnect_keeps_a_resilient_open_and_records_the_time(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    cx.now += 7;
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_int_equal(cx.n_lost, 0);
    rsvd_res_client_open_info info = cx_info(&cx, cx.open);
    assert_int_equal(info.state, RSVD_RES_CLIENT_OPEN_DETACHED);
    assert_true(info.last_disconnect_ms == cx.now);
    assert_true(info.resilient_handle && info.durable);
    assert_true(info.tree == 0);
    assert_true(rsvd_res_client_next_expiry(cx.cli) == cx.now + 30000 + 1);
    cx_fini(&cx);
}

static void reconnect_create_carries_dhnc_and_the_original_parameters(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    uint64_t conn2;
    uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_311, &conn2);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree, cx.now, NULL, 0, req,
                                                      sizeof req, &m),
                     RSVD_OK);
    assert_true(m.conn == conn2);
    assert_true(m.message_id == 100);
    rsvd_smb2_create_req q;
    assert_int_equal(rsvd_smb2_create_req_decode(req, m.len, &q), RSVD_OK);
    assert_true(q.hdr.session_id == 0x99);
    assert_int_equal(q.hdr.tree_id, 8);
    assert_int_equal(q.security_flags, 0);
    assert_int_equal(q.requested_oplock_level, RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    assert_int_equal(q.impersonation_level, 0);
    assert_int_equal(q.desired_access, 0x0012019F);
    assert_int_equal(q.file_attributes, 0x80);
    assert_int_equal(q.share_access,
                     RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE | RSVD_FILE_SHARE_DELETE);
    assert_int_equal(q.create_disposition, RSVD_FILE_OPEN_IF);
    assert_int_equal(q.create_options, RSVD_FILE_NON_DIRECTORY_FILE);
    assert_int_equal(q.name_length, sizeof cx_name);
    assert_memory_equal(q.name, cx_name, sizeof cx_name);
    /* DHnC even on 3.1.1 (the open has no CreateGuid), and nothing else. */
    rsvd_smb2_cc cc;
    assert_int_equal(rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length, "DHnC", 4, &cc),
                     RSVD_OK);
    rsvd_smb2_fileid f;
    assert_int_equal(rsvd_smb2_dhnc_decode(cc.data, cc.data_length, &f), RSVD_OK);
    assert_true(f.persistent_id == CX_PERSISTENT && f.volatile_id == CX_VOLATILE);
    size_t count;
    assert_int_equal(rsvd_smb2_cc_validate(q.create_contexts, q.create_contexts_length, &count),
                     RSVD_OK);
    assert_int_equal(count, 1);
    assert_true(cx_info(&cx, cx.open).reconnecting);
    /* One attempt at a time. */
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree, cx.now, NULL, 0, req,
                                                      sizeof req, &m),
                     RSVD_E_STATE);
    cx_fini(&cx);
}

static void extra_contexts_follow_the_dhnc(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    uint64_t conn2;
    uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_210, &conn2);
    uint8_t lease[32] = {0x77};
    const rsvd_res_client_cc extra = {"RqLs", 4, lease, sizeof lease};
    uint8_t req[1024];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree, cx.now, &extra, 1,
                                                      req, sizeof req, &m),
                     RSVD_OK);
    rsvd_smb2_create_req q;
    assert_int_equal(rsvd_smb2_create_req_decode(req, m.len, &q), RSVD_OK);
    rsvd_smb2_cc cc;
    assert_int_equal(rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length, "RqLs", 4, &cc),
                     RSVD_OK);
    assert_int_equal(cc.data_length, 32);
    cx_fini(&cx);
}

static void successful_reconnect_rebinds_with_the_new_file_id(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    uint64_t conn2;
    uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_210, &conn2);
    const rsvd_smb2_fileid nf = {CX_PERSISTENT, 0x700000009ull};
    reconnect_ok(&cx, tree, &nf);
    rsvd_res_client_open_info info = cx_info(&cx, cx.open);
    assert_int_equal(info.state, RSVD_RES_CLIENT_OPEN_CONNECTED);
    assert_true(rsvd_smb2_fileid_equal(&info.file_id, &nf));
    assert_true(info.tree == tree);
    assert_true(info.resilient_handle); /* kept */
    assert_false(info.reconnecting);
    assert_true(rsvd_res_client_next_expiry(cx.cli) == UINT64_MAX);
    /* Later requests carry the new FileId on the new tree. */
    uint8_t req[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_OK);
    assert_true(m.conn == conn2);
    rsvd_smb2_ioctl_req q;
    assert_int_equal(rsvd_smb2_ioctl_req_decode(req, m.len, &q), RSVD_OK);
    assert_true(rsvd_smb2_fileid_equal(&q.file_id, &nf));
    assert_true(q.hdr.session_id == 0x99);
    assert_int_equal(q.hdr.tree_id, 8);
    /* And a later loss starts a new period. */
    cx.now += 50;
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, conn2, cx.now), RSVD_OK);
    assert_true(rsvd_res_client_next_expiry(cx.cli) == cx.now + 1000 + 1);
    cx_fini(&cx);
}

static void response_with_another_persistent_id_is_a_failed_attempt(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    uint64_t conn2;
    uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_210, &conn2);
    uint8_t req[1024], rsp[512];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree, cx.now, NULL, 0, req,
                                                      sizeof req, &m),
                     RSVD_OK);
    const rsvd_smb2_fileid other = {CX_PERSISTENT + 1, 1};
    size_t rn = cx_rsp_create(req, m.len, &other, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_INVALID_NETWORK_RESPONSE);
    rsvd_res_client_open_info info = cx_info(&cx, cx.open);
    assert_int_equal(info.state, RSVD_RES_CLIENT_OPEN_DETACHED);
    assert_false(info.reconnecting);
    cx_fini(&cx);
}

static void retries_until_resilient_timeout_then_gives_up(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    uint64_t t0 = cx.now;
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, t0), RSVD_OK);
    uint64_t conn2;
    uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_210, &conn2);
    /* The server has not noticed yet (G5): OBJECT_NAME_NOT_FOUND, retried. */
    for (int i = 0; i < 3; i++) {
        cx.now = t0 + 10000u * (uint64_t)i;
        uint8_t req[1024], rsp[256];
        rsvd_res_client_msg m;
        assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree, cx.now, NULL, 0,
                                                          req, sizeof req, &m),
                         RSVD_OK);
        size_t rn = cx_rsp_error(req, m.len, RSVD_STATUS_OBJECT_NAME_NOT_FOUND, 1, rsp, sizeof rsp);
        rsvd_res_client_done d;
        assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d),
                         RSVD_OK);
        assert_int_equal(d.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
        assert_int_equal(cx_info(&cx, cx.open).state, RSVD_RES_CLIENT_OPEN_DETACHED);
    }
    size_t lost = 9;
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, t0 + 30000, &lost), RSVD_OK);
    assert_int_equal(lost, 0); /* at least ResilientTimeout after the disconnect */
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, t0 + 30001, &lost), RSVD_OK);
    assert_int_equal(lost, 1);
    assert_int_equal(cx.n_lost, 1);
    assert_int_equal(cx.lost[0].reason, RSVD_RES_LOST_TIMEOUT);
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    assert_int_equal(rsvd_res_client_open_info_get(cx.cli, cx.open, &info), RSVD_E_NOENT);
    cx_fini(&cx);
}

static void attempt_after_the_timeout_gives_the_open_up(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    uint64_t t0 = cx.now;
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, t0), RSVD_OK);
    uint64_t conn2;
    uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_210, &conn2);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree, t0 + 30001, NULL, 0,
                                                      req, sizeof req, &m),
                     RSVD_E_NOENT);
    assert_int_equal(cx.n_lost, 1);
    assert_int_equal(cx.lost[0].reason, RSVD_RES_LOST_TIMEOUT);
    cx_fini(&cx);
}

static void attempt_in_flight_at_the_deadline_is_decided_by_its_response(void **state)
{
    (void)state;
    for (int success = 0; success < 2; success++) {
        cli_fx cx;
        cx_init(&cx, NULL, NULL, false);
        cx_make_resilient(&cx, 30000);
        uint64_t t0 = cx.now;
        assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, t0), RSVD_OK);
        uint64_t conn2;
        uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_210, &conn2);
        uint8_t req[1024], rsp[512];
        rsvd_res_client_msg m;
        assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree, t0 + 29000, NULL,
                                                          0, req, sizeof req, &m),
                         RSVD_OK);
        size_t lost = 9;
        assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, t0 + 40000, &lost), RSVD_OK);
        assert_int_equal(lost, 0);
        assert_true(rsvd_res_client_next_expiry(cx.cli) == UINT64_MAX);
        const rsvd_smb2_fileid nf = {CX_PERSISTENT, 0x42};
        size_t rn = success ? cx_rsp_create(req, m.len, &nf, 1, rsp, sizeof rsp)
                            : cx_rsp_error(req, m.len, RSVD_STATUS_OBJECT_NAME_NOT_FOUND, 1, rsp,
                                           sizeof rsp);
        rsvd_res_client_done d;
        assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, t0 + 40001, &d),
                         RSVD_OK);
        if (success) {
            assert_int_equal(cx.n_lost, 0);
            assert_int_equal(cx_info(&cx, cx.open).state, RSVD_RES_CLIENT_OPEN_CONNECTED);
        } else {
            assert_int_equal(cx.n_lost, 1);
            assert_int_equal(cx.lost[0].reason, RSVD_RES_LOST_TIMEOUT);
        }
        cx_fini(&cx);
    }
}

static void attempt_lost_with_its_connection_can_be_retried(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    uint64_t conn2;
    uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_210, &conn2);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree, cx.now, NULL, 0, req,
                                                      sizeof req, &m),
                     RSVD_OK);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, conn2, cx.now + 10), RSVD_OK);
    assert_int_equal(cx.n_failed, 1);
    assert_int_equal(cx.failed[0].kind, RSVD_RES_REQ_RECONNECT);
    assert_int_equal(cx.failed[0].status, RSVD_STATUS_CONNECTION_DISCONNECTED);
    assert_int_equal(cx.n_lost, 0);
    rsvd_res_client_open_info info = cx_info(&cx, cx.open);
    assert_false(info.reconnecting);
    assert_true(info.last_disconnect_ms == cx.now); /* the open's period is unchanged */
    uint64_t conn3;
    tree = new_tree(&cx, RSVD_SMB2_DIALECT_210, &conn3);
    const rsvd_smb2_fileid nf = {CX_PERSISTENT, 0x42};
    reconnect_ok(&cx, tree, &nf);
    cx_fini(&cx);
}

static void unfinished_lock_is_resent_with_its_original_lock_sequence(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    rsvd_smb2_lock_element e = cx_element(0x3000);
    uint8_t lreq[256];
    rsvd_res_client_msg lm;
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, lreq, sizeof lreq, &lm),
                     RSVD_OK);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_int_equal(cx.n_failed, 0); /* kept, not failed */
    assert_int_equal(cx_info(&cx, cx.open).resend_pending, 1);
    bool f;
    uint8_t s;
    assert_int_equal(rsvd_res_client_bucket(cx.cli, cx.open, 1, &f, &s), RSVD_OK);
    assert_false(f);
    uint8_t req[256];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, cx.open, req, sizeof req, &m),
                     RSVD_E_STATE); /* still detached */
    uint64_t conn2;
    uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_210, &conn2);
    const rsvd_smb2_fileid nf = {CX_PERSISTENT, 0x42};
    reconnect_ok(&cx, tree, &nf);
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, cx.open, req, sizeof req, &m), RSVD_OK);
    assert_true(m.conn == conn2);
    rsvd_smb2_lock_req q, orig;
    assert_int_equal(rsvd_smb2_lock_req_decode(req, m.len, &q), RSVD_OK);
    assert_int_equal(rsvd_smb2_lock_req_decode(lreq, lm.len, &orig), RSVD_OK);
    assert_int_equal(q.lock_sequence, orig.lock_sequence);
    assert_int_equal(q.lock_sequence, 0x10);
    /* 2.1: SMB2_FLAGS_REPLAY_OPERATION is a 3.x flag. */
    assert_int_equal(q.hdr.flags, 0);
    assert_true(rsvd_smb2_fileid_equal(&q.file_id, &nf));
    assert_true(q.hdr.message_id != orig.hdr.message_id);
    assert_true(q.hdr.session_id == 0x99);
    assert_int_equal(q.lock_count, 1);
    assert_memory_equal(q.locks, orig.locks, RSVD_SMB2_LOCK_ELEMENT_SIZE);
    uint8_t none[256];
    rsvd_res_client_msg m2;
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, cx.open, none, sizeof none, &m2),
                     RSVD_E_NOENT);
    /* Its response frees the bucket. */
    uint8_t rsp[256];
    size_t rn = cx_rsp_lock(req, m.len, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, conn2, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_client_bucket(cx.cli, cx.open, 1, &f, &s), RSVD_OK);
    assert_true(f);
    assert_int_equal(s, 1);
    cx_fini(&cx);
}

static void given_up_open_fails_its_unfinished_requests(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    rsvd_smb2_lock_element e = cx_element(0);
    uint8_t r[256];
    rsvd_res_client_msg m;
    int token = 5;
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, &token, r, sizeof r, &m),
                     RSVD_OK);
    assert_int_equal(rsvd_res_client_request_resiliency(cx.cli, cx.open, 30000, NULL, r, sizeof r,
                                                        &m),
                     RSVD_OK);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    /* The resiliency request in flight fails at once; the LOCK waits. */
    assert_int_equal(cx.n_failed, 1);
    assert_int_equal(cx.failed[0].kind, RSVD_RES_REQ_RESILIENCY);
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, cx.now + 30001, NULL), RSVD_OK);
    assert_int_equal(cx.n_failed, 2);
    assert_int_equal(cx.failed[1].kind, RSVD_RES_REQ_LOCK);
    assert_ptr_equal(cx.failed[1].req_user_data, &token);
    assert_int_equal(cx.failed[1].status, RSVD_STATUS_CONNECTION_DISCONNECTED);
    assert_int_equal(cx.n_lost, 1);
    cx_fini(&cx);
}

static void durable_only_open_waits_without_deadline(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, true);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_int_equal(cx_info(&cx, cx.open).state, RSVD_RES_CLIENT_OPEN_DETACHED);
    assert_true(rsvd_res_client_next_expiry(cx.cli) == UINT64_MAX);
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, UINT64_MAX, NULL), RSVD_OK);
    assert_int_equal(cx.n_lost, 0);
    uint64_t conn2;
    uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_202, &conn2);
    const rsvd_smb2_fileid nf = {CX_PERSISTENT, 0x42};
    reconnect_ok(&cx, tree, &nf); /* DHnC on 2.0.2 too */
    cx_fini(&cx);
}

static void losing_one_channel_keeps_the_open_and_resends_on_another(void **state)
{
    (void)state;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_300);
    p.supports_multi_channel = true;
    cli_fx cx;
    cx_init(&cx, NULL, &p, false);
    uint64_t conn2;
    p.next_message_id = 500;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn2), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_bind(cx.cli, cx.sess, conn2), RSVD_OK);
    rsvd_smb2_lock_element e = cx_element(0);
    uint8_t r[256];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, r, sizeof r, &m), RSVD_OK);
    assert_true(m.conn == cx.conn);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_int_equal(cx.n_lost, 0);
    assert_int_equal(cx_info(&cx, cx.open).state, RSVD_RES_CLIENT_OPEN_CONNECTED);
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, cx.open, r, sizeof r, &m), RSVD_OK);
    assert_true(m.conn == conn2);
    rsvd_smb2_lock_req q;
    assert_int_equal(rsvd_smb2_lock_req_decode(r, m.len, &q), RSVD_OK);
    assert_int_equal(q.lock_sequence, 0x10);
    assert_int_equal(q.hdr.status, 1); /* ChannelSequence advanced */
    cx_fini(&cx);
}

static void callbacks_cannot_reenter_the_client(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    uint8_t r[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 30000, NULL, r, sizeof r, &m), RSVD_OK);
    cx.reenter = true;
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_int_equal(cx.n_failed, 1);
    assert_int_equal(cx.reenter_rc, RSVD_E_BUSY);
    cx_fini(&cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lost_reasons_have_names),
        cmocka_unit_test(disconnect_frees_a_non_durable_open),
        cmocka_unit_test(disconnect_keeps_a_resilient_open_and_records_the_time),
        cmocka_unit_test(reconnect_create_carries_dhnc_and_the_original_parameters),
        cmocka_unit_test(extra_contexts_follow_the_dhnc),
        cmocka_unit_test(successful_reconnect_rebinds_with_the_new_file_id),
        cmocka_unit_test(response_with_another_persistent_id_is_a_failed_attempt),
        cmocka_unit_test(retries_until_resilient_timeout_then_gives_up),
        cmocka_unit_test(attempt_after_the_timeout_gives_the_open_up),
        cmocka_unit_test(attempt_in_flight_at_the_deadline_is_decided_by_its_response),
        cmocka_unit_test(attempt_lost_with_its_connection_can_be_retried),
        cmocka_unit_test(unfinished_lock_is_resent_with_its_original_lock_sequence),
        cmocka_unit_test(given_up_open_fails_its_unfinished_requests),
        cmocka_unit_test(durable_only_open_waits_without_deadline),
        cmocka_unit_test(losing_one_channel_keeps_the_open_and_resends_on_another),
        cmocka_unit_test(callbacks_cannot_reenter_the_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
