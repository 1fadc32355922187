/*
 * Client: what is sent again - the ChannelSequence of every request
 * ([MS-SMB2] 3.2.4.1), the replays of the library's CREATE and resiliency
 * IOCTL (3.2.5.7 <193>, 3.2.5.14 <195>) and of CREATEs carrying DH2Q
 * after a lost channel (3.2.7.1), LOCKs re-sent after a reconnect (3.2.5.8),
 * and the replays of the host's own requests (3.2.5.12 <194>, 3.2.5.18
 * <201>).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "../wire/smb2_test.h"
#include "res_fixture.h"

static const rsvd_smb2_fileid k_fid = {0x7001, 0x9001};

/* Answers @p req (on m->conn) with an error @p status; returns done. */
static rsvd_res_client_done answer_error(cli_fx *cx, const uint8_t *req,
                                         const rsvd_res_client_msg *m, uint32_t status)
{
    uint8_t rsp[256];
    size_t rn = cx_rsp_error(req, m->len, status, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx->cli, m->conn, rsp, rn, cx->now, &d), RSVD_OK);
    return d;
}

static rsvd_smb2_hdr hdr_of(const uint8_t *msg, size_t n)
{
    rsvd_smb2_hdr h;
    assert_int_equal(rsvd_smb2_hdr_decode(msg, n, &h), RSVD_OK);
    return h;
}

/* A second channel of the fixture's session; its handle. */
static uint64_t bind_second_channel(cli_fx *cx)
{
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_302);
    p.supports_multi_credit = true;
    p.supports_multi_channel = true;
    p.supports_persistent_handles = true;
    p.next_message_id = 500;
    uint64_t c2;
    assert_int_equal(rsvd_res_client_conn_add(cx->cli, &p, &c2), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_bind(cx->cli, cx->sess, c2), RSVD_OK);
    return c2;
}

/* A WRITE request of the host on the fixture's session. */
static size_t host_write(cli_fx *cx, uint64_t mid, uint8_t *buf, size_t cap)
{
    static const uint8_t data[16] = {1, 2, 3};
    rsvd_smb2_write_req q;
    memset(&q, 0, sizeof q);
    q.hdr.command = RSVD_SMB2_WRITE;
    q.hdr.credit_charge = 1;
    q.hdr.credit = 7;
    q.hdr.message_id = mid;
    q.hdr.session_id = 0x11;
    q.hdr.tree_id = 5;
    q.hdr.flags = RSVD_SMB2_FLAGS_SIGNED;
    memset(q.hdr.signature, 0xEE, sizeof q.hdr.signature);
    q.length = sizeof data;
    q.file_id = k_fid;
    q.data = data;
    size_t n = 0;
    assert_int_equal(rsvd_smb2_write_req_encode(&q, buf, cap, &n), RSVD_OK);
    (void)cx;
    return n;
}

/* ---- 3.2.4.1 ---------------------------------------------------------------- */

static void channel_sequence_of_the_hosts_requests_follows_the_session(void **state)
{
    (void)state;
    uint16_t seq = 99;
    cli_fx cx;
    /* 3.x with multi-channel: Session.ChannelSequence, + 1 per lost channel. */
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, true, 0);
    uint64_t c2 = bind_second_channel(&cx);
    assert_int_equal(rsvd_res_client_channel_sequence(cx.cli, cx.sess, &seq), RSVD_OK);
    assert_int_equal(seq, 0);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, c2, cx.now), RSVD_OK);
    assert_int_equal(rsvd_res_client_channel_sequence(cx.cli, cx.sess, &seq), RSVD_OK);
    assert_int_equal(seq, 1);
    /* The library's own requests carry the same. */
    uint8_t req[1024];
    rsvd_res_client_msg m;
    (void)cx_create(&cx, 0, RSVD_SMB2_OPLOCK_LEVEL_NONE, req, sizeof req, &m);
    assert_int_equal(hdr_of(req, m.len).status, 1);
    assert_int_equal(rsvd_res_client_channel_sequence(cx.cli, cx.sess + 99, &seq), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_channel_sequence(cx.cli, cx.sess, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_channel_sequence(NULL, cx.sess, &seq), RSVD_E_INVAL);
    cx_fini(&cx);
    /* 3.x with neither capability, and 2.1: 0 (Status). */
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
    assert_int_equal(rsvd_res_client_channel_sequence(cx.cli, cx.sess, &seq), RSVD_OK);
    assert_int_equal(seq, 0);
    cx_fini(&cx);
}

static void re_established_session_starts_its_channel_sequence_at_zero(void **state)
{
    (void)state;
    /* Decision (reference 2.3's gap, 4.9): every new session starts at 0,
     * also one that re-establishes a lost session; its reconnect CREATE
     * carries that 0, from which the server re-seeds Open.ChannelSequence. */
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, true, 0);
    uint64_t c2 = bind_second_channel(&cx);
    uint8_t req[1024], rsp[512], data[8];
    rsvd_res_client_msg m;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    const rsvd_smb2_dh2q_rsp gr = {60000, 0};
    size_t dn = 0;
    assert_int_equal(rsvd_smb2_dh2q_rsp_encode(&gr, data, sizeof data, &dn), RSVD_OK);
    const rsvd_res_client_cc cc = {"DH2Q", 4, data, dn};
    size_t rn = cx_rsp_create_cc(req, m.len, &k_fid, RSVD_SMB2_OPLOCK_LEVEL_BATCH, &cc, 1, rsp,
                                 sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    /* One channel lost (ChannelSequence 1), then the last one. */
    uint16_t seq = 0;
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, c2, cx.now), RSVD_OK);
    assert_int_equal(rsvd_res_client_channel_sequence(cx.cli, cx.sess, &seq), RSVD_OK);
    assert_int_equal(seq, 1);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_302);
    p.supports_persistent_handles = true;
    p.supports_multi_channel = true;
    uint64_t conn, sess, tree;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx.cli, conn, 0x99, &sess), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(cx.cli, sess, CLI_TREE(8), &tree), RSVD_OK);
    assert_int_equal(rsvd_res_client_channel_sequence(cx.cli, sess, &seq), RSVD_OK);
    assert_int_equal(seq, 0);
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, open, tree, cx.now, NULL, 0, req,
                                                      sizeof req, &m),
                     RSVD_OK);
    assert_int_equal(hdr_of(req, m.len).status, 0);
    cx_fini(&cx);
}

/* ---- 3.2.5.7: CREATE and STATUS_SERVER_UNAVAILABLE ----------------------------- */

static void create_answered_server_unavailable_is_replayed_with_the_replay_flag(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, false, 0);
    uint8_t req[1024], again[1024];
    rsvd_res_client_msg m, m2;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    rsvd_res_client_done d = answer_error(&cx, req, &m, RSVD_STATUS_SERVER_UNAVAILABLE);
    assert_int_equal(d.kind, RSVD_RES_REQ_CREATE);
    assert_int_equal(d.status, RSVD_STATUS_SERVER_UNAVAILABLE);
    assert_false(d.final);
    rsvd_res_client_open_info info = cx_info(&cx, open);
    assert_int_equal(info.state, RSVD_RES_CLIENT_OPEN_CREATING);
    assert_int_equal(info.resend_pending, 1);
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, open, again, sizeof again, &m2), RSVD_OK);
    assert_true(m2.conn == cx.conn);
    assert_true(m2.message_id == m.message_id + 1);
    assert_int_equal(m2.len, m.len);
    rsvd_smb2_hdr h = hdr_of(again, m2.len);
    assert_int_equal(h.flags, RSVD_SMB2_FLAGS_REPLAY_OPERATION);
    assert_true(h.message_id == m2.message_id);
    /* The same request otherwise: the body bytes are the original's. */
    assert_memory_equal(again + 64, req + 64, m.len - 64);
    assert_int_equal(cx_info(&cx, open).resend_pending, 0);
    /* Its success makes the open. */
    uint8_t rsp[512];
    size_t rn = cx_rsp_create_cc(again, m2.len, &k_fid, RSVD_SMB2_OPLOCK_LEVEL_BATCH, NULL, 0, rsp,
                                 sizeof rsp);
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m2.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    assert_true(d.final);
    assert_int_equal(cx_info(&cx, open).state, RSVD_RES_CLIENT_OPEN_CONNECTED);
    cx_fini(&cx);
}

static void server_unavailable_is_returned_without_the_capabilities_or_on_2x(void **state)
{
    (void)state;
    static const uint16_t dialects[] = {RSVD_SMB2_DIALECT_302, RSVD_SMB2_DIALECT_210};
    for (size_t i = 0; i < 2; i++) {
        cli_fx cx;
        cx_init_durable(&cx, NULL, dialects[i], false, false, 0);
        uint8_t req[1024];
        rsvd_res_client_msg m;
        uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE,
                                  RSVD_SMB2_OPLOCK_LEVEL_NONE, req, sizeof req, &m);
        rsvd_res_client_done d = answer_error(&cx, req, &m, RSVD_STATUS_SERVER_UNAVAILABLE);
        assert_int_equal(d.status, RSVD_STATUS_SERVER_UNAVAILABLE);
        assert_true(d.final);
        rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
        assert_int_equal(rsvd_res_client_open_info_get(cx.cli, open, &info), RSVD_E_NOENT);
        cx_fini(&cx);
    }
}

static void create_is_replayed_at_most_three_times(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_311, false, true, 0);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    for (int i = 0; i < 3; i++) {
        rsvd_res_client_done d = answer_error(&cx, req, &m, RSVD_STATUS_SERVER_UNAVAILABLE);
        assert_false(d.final);
        assert_int_equal(rsvd_res_client_resend_next(cx.cli, open, req, sizeof req, &m), RSVD_OK);
    }
    rsvd_res_client_done d = answer_error(&cx, req, &m, RSVD_STATUS_SERVER_UNAVAILABLE);
    assert_true(d.final);
    assert_int_equal(d.status, RSVD_STATUS_SERVER_UNAVAILABLE);
    cx_fini(&cx);
}

/* ---- 3.2.5.14: the resiliency IOCTL and STATUS_FILE_NOT_AVAILABLE ------------- */

static void resiliency_answered_file_not_available_is_replayed(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, false, 0);
    uint8_t req[1024], rsp[512];
    rsvd_res_client_msg m;
    uint64_t open = cx_create(&cx, 0, RSVD_SMB2_OPLOCK_LEVEL_NONE, req, sizeof req, &m);
    size_t rn = cx_rsp_create_cc(req, m.len, &k_fid, 0, NULL, 0, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, open, 7000, NULL, req, sizeof req, &m),
        RSVD_OK);
    d = answer_error(&cx, req, &m, RSVD_STATUS_FILE_NOT_AVAILABLE);
    assert_int_equal(d.kind, RSVD_RES_REQ_RESILIENCY);
    assert_false(d.final);
    assert_false(cx_info(&cx, open).resilient_handle);
    uint8_t again[256];
    rsvd_res_client_msg m2;
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, open, again, sizeof again, &m2), RSVD_OK);
    rsvd_smb2_resiliency_req q;
    assert_int_equal(rsvd_smb2_resiliency_req_decode(again, m2.len, &q), RSVD_OK);
    assert_int_equal(q.ioctl.hdr.flags, RSVD_SMB2_FLAGS_REPLAY_OPERATION);
    assert_int_equal(q.timeout, 7000);
    assert_true(rsvd_smb2_fileid_equal(&q.ioctl.file_id, &k_fid));
    rn = cx_rsp_resiliency(again, m2.len, 1, rsp, sizeof rsp);
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m2.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    assert_true(d.final);
    assert_true(cx_info(&cx, open).resilient_handle);
    cx_fini(&cx);
    /* Without the capabilities the status goes to the application. */
    cx_init(&cx, NULL, NULL, false);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 7000, NULL, req, sizeof req, &m),
        RSVD_OK);
    d = answer_error(&cx, req, &m, RSVD_STATUS_FILE_NOT_AVAILABLE);
    assert_true(d.final);
    assert_int_equal(d.status, RSVD_STATUS_FILE_NOT_AVAILABLE);
    cx_fini(&cx);
}

/* ---- 3.2.7.1: a lost channel -------------------------------------------------- */

static void lost_channel_replays_a_dh2q_create_on_another_channel(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, true, 0);
    uint64_t c2 = bind_second_channel(&cx);
    uint8_t req[1024], again[1024];
    rsvd_res_client_msg m, m2;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, m.conn, cx.now), RSVD_OK);
    assert_int_equal(cx.n_failed, 0);
    assert_int_equal(cx_info(&cx, open).resend_pending, 1);
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, open, again, sizeof again, &m2), RSVD_OK);
    uint64_t left = m.conn == cx.conn ? c2 : cx.conn;
    assert_true(m2.conn == left);
    rsvd_smb2_hdr h = hdr_of(again, m2.len);
    assert_int_equal(h.flags, RSVD_SMB2_FLAGS_REPLAY_OPERATION);
    assert_int_equal(h.status, 1); /* ChannelSequence + 1 */
    assert_memory_equal(again + 64, req + 64, m.len - 64);
    cx_fini(&cx);
}

static void replay_on_another_channel_takes_its_credit_charge(void **state)
{
    (void)state;
    /* The CREATE went with CreditCharge 1 on a multi-credit channel; its
     * replay on a channel without multi-credit carries 0 (3.2.4.1.5). */
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, true, 0);
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_302);
    p.supports_multi_channel = true;
    p.next_message_id = 700;
    uint64_t c2;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &c2), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_bind(cx.cli, cx.sess, c2), RSVD_OK);
    uint8_t req[1024], again[1024];
    rsvd_res_client_msg m, m2;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    assert_true(m.conn == cx.conn);
    assert_int_equal(hdr_of(req, m.len).credit_charge, 1);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, open, again, sizeof again, &m2), RSVD_OK);
    assert_true(m2.conn == c2);
    assert_true(m2.message_id == 700);
    assert_int_equal(hdr_of(again, m2.len).credit_charge, 0);
    cx_fini(&cx);
}

static void lost_channel_fails_a_create_without_dh2q(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, true, 0);
    (void)bind_second_channel(&cx);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    uint64_t open = cx_create(&cx, 0, RSVD_SMB2_OPLOCK_LEVEL_NONE, req, sizeof req, &m);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, m.conn, cx.now), RSVD_OK);
    assert_int_equal(cx.n_failed, 1);
    assert_int_equal(cx.failed[0].kind, RSVD_RES_REQ_CREATE);
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    assert_int_equal(rsvd_res_client_open_info_get(cx.cli, open, &info), RSVD_E_NOENT);
    cx_fini(&cx);
}

/* ---- 3.2.5.8: a LOCK re-sent after the reconnect ------------------------------ */

static void resent_lock_on_3x_carries_the_replay_flag(void **state)
{
    (void)state;
    cli_fx cx;
    rsvd_res_client_conn_params cp = cx_conn_params(RSVD_SMB2_DIALECT_302);
    cx_init(&cx, NULL, &cp, false);
    cx_make_resilient(&cx, 30000);
    rsvd_smb2_lock_element e = cx_element(0x3000);
    uint8_t lreq[256], req[256], rsp[512];
    rsvd_res_client_msg lm, m;
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, lreq, sizeof lreq, &lm),
                     RSVD_OK);
    assert_int_equal(hdr_of(lreq, lm.len).flags, 0);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    uint64_t conn2, sess2, tree2;
    cp.next_message_id = 100;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &cp, &conn2), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx.cli, conn2, 0x99, &sess2), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(cx.cli, sess2, CLI_TREE(8), &tree2), RSVD_OK);
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree2, cx.now, NULL, 0, req,
                                                      sizeof req, &m),
                     RSVD_OK);
    const rsvd_smb2_fileid nf = {CX_PERSISTENT, 0x42};
    size_t rn = cx_rsp_create(req, m.len, &nf, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, cx.open, req, sizeof req, &m), RSVD_OK);
    rsvd_smb2_lock_req q;
    assert_int_equal(rsvd_smb2_lock_req_decode(req, m.len, &q), RSVD_OK);
    assert_int_equal(q.hdr.flags, RSVD_SMB2_FLAGS_REPLAY_OPERATION);
    assert_int_equal(q.lock_sequence, 0x10);
    cx_fini(&cx);
}

/* ---- the host's own requests ---------------------------------------------------- */

static void host_write_answered_file_not_available_is_replayed(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, false, 0);
    uint64_t first;
    assert_int_equal(rsvd_res_client_conn_take_message_ids(cx.cli, cx.conn, 1, &first), RSVD_OK);
    uint8_t msg[256], orig[256];
    size_t n = host_write(&cx, first, msg, sizeof msg);
    memcpy(orig, msg, n);
    rsvd_res_client_msg out;
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess, RSVD_STATUS_FILE_NOT_AVAILABLE,
                                                    0, msg, n, &out),
                     RSVD_OK);
    assert_true(out.conn == cx.conn);
    assert_true(out.message_id == first + 1); /* the lowest available */
    assert_int_equal(out.len, n);
    rsvd_smb2_hdr h = hdr_of(msg, n);
    assert_int_equal(h.flags, RSVD_SMB2_FLAGS_REPLAY_OPERATION); /* SIGNED cleared */
    static const uint8_t zeros[16];
    assert_memory_equal(h.signature, zeros, 16);
    assert_true(h.message_id == first + 1);
    assert_int_equal(h.credit, 7); /* the host's CreditRequest */
    assert_int_equal(h.credit_charge, 1);
    assert_memory_equal(msg + 64, orig + 64, n - 64);
    /* The MessageId is taken: the next one is above it. */
    uint64_t next;
    assert_int_equal(rsvd_res_client_conn_take_message_ids(cx.cli, cx.conn, 1, &next), RSVD_OK);
    assert_true(next == first + 2);
    cx_fini(&cx);
}

static void host_request_is_replayed_only_where_the_sections_say(void **state)
{
    (void)state;
    cli_fx cx;
    uint8_t msg[256], orig[256];
    rsvd_res_client_msg out;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, false, 0);
    size_t n = host_write(&cx, 3, msg, sizeof msg);
    memcpy(orig, msg, n);
    /* Another status; three replays already; then a READ (no rule). */
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess, RSVD_STATUS_ACCESS_DENIED, 0,
                                                    msg, n, &out),
                     RSVD_E_NOTSUP);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess,
                                                    RSVD_STATUS_FILE_NOT_AVAILABLE, 3, msg, n,
                                                    &out),
                     RSVD_E_NOTSUP);
    put16(msg, 12, RSVD_SMB2_READ);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess,
                                                    RSVD_STATUS_FILE_NOT_AVAILABLE, 0, msg, n,
                                                    &out),
                     RSVD_E_NOTSUP);
    put16(msg, 12, RSVD_SMB2_WRITE);
    assert_memory_equal(msg, orig, n);
    /* IOCTL and SET_INFO are replayed as WRITE is. */
    put16(msg, 12, RSVD_SMB2_SET_INFO);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess,
                                                    RSVD_STATUS_FILE_NOT_AVAILABLE, 2, msg, n,
                                                    &out),
                     RSVD_OK);
    cx_fini(&cx);
    /* 3.x without persistent handles or multi-channel, and 2.1: never. */
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
    n = host_write(&cx, 3, msg, sizeof msg);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess,
                                                    RSVD_STATUS_FILE_NOT_AVAILABLE, 0, msg, n,
                                                    &out),
                     RSVD_E_NOTSUP);
    cx_fini(&cx);
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_210, true, true, 0);
    n = host_write(&cx, 3, msg, sizeof msg);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess,
                                                    RSVD_STATUS_FILE_NOT_AVAILABLE, 0, msg, n,
                                                    &out),
                     RSVD_E_NOTSUP);
    cx_fini(&cx);
}

static void host_create_is_replayed_for_server_unavailable_and_a_lost_channel(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_311, false, true, 0);
    uint8_t req[1024], plain[1024];
    rsvd_res_client_msg m, out;
    /* Build a durable and a plain CREATE with the library, then forget the
     * opens: they stand for CREATEs the host built itself. */
    uint64_t o1 = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE, req,
                            sizeof req, &m);
    size_t n = m.len;
    uint64_t o2 = cx_create(&cx, 0, RSVD_SMB2_OPLOCK_LEVEL_NONE, plain, sizeof plain, &m);
    size_t pn = m.len;
    assert_int_equal(rsvd_res_client_open_close(cx.cli, o1), RSVD_OK);
    assert_int_equal(rsvd_res_client_open_close(cx.cli, o2), RSVD_OK);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess,
                                                    RSVD_STATUS_SERVER_UNAVAILABLE, 0, plain, pn,
                                                    &out),
                     RSVD_OK);
    assert_int_equal(hdr_of(plain, pn).flags, RSVD_SMB2_FLAGS_REPLAY_OPERATION);
    /* Channel lost: only the CREATE carrying DH2Q. */
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess,
                                                    RSVD_STATUS_CONNECTION_DISCONNECTED, 0, req,
                                                    n, &out),
                     RSVD_OK);
    assert_int_equal(hdr_of(req, n).flags, RSVD_SMB2_FLAGS_REPLAY_OPERATION);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess,
                                                    RSVD_STATUS_CONNECTION_DISCONNECTED, 0, plain,
                                                    pn, &out),
                     RSVD_E_NOTSUP);
    cx_fini(&cx);
}

static void replay_request_refuses_what_is_not_a_request_of_the_session(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, false, 0);
    uint8_t msg[256];
    rsvd_res_client_msg out;
    size_t n = host_write(&cx, 3, msg, sizeof msg);
    const uint32_t fna = RSVD_STATUS_FILE_NOT_AVAILABLE;
    assert_int_equal(rsvd_res_client_replay_request(NULL, cx.sess, fna, 0, msg, n, &out),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess, fna, 0, NULL, n, &out),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess, fna, 0, msg, n, NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess + 9, fna, 0, msg, n, &out),
                     RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess, fna, 0, msg, 40, &out),
                     RSVD_E_INVAL);
    put64(msg, 40, 0x12); /* another SessionId */
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess, fna, 0, msg, n, &out),
                     RSVD_E_INVAL);
    put64(msg, 40, 0x11);
    put32(msg, 16, RSVD_SMB2_FLAGS_SERVER_TO_REDIR); /* a response */
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess, fna, 0, msg, n, &out),
                     RSVD_E_INVAL);
    put32(msg, 16, 0);
    /* No MessageId left: wait for credits; nothing changed. */
    uint64_t first;
    assert_int_equal(rsvd_res_client_conn_take_message_ids(cx.cli, cx.conn, 64, &first), RSVD_OK);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess, fna, 0, msg, n, &out),
                     RSVD_E_LIMIT);
    assert_int_equal(hdr_of(msg, n).flags, 0);
    assert_int_equal(rsvd_res_client_conn_grant_credits(cx.cli, cx.conn, 1), RSVD_OK);
    assert_int_equal(rsvd_res_client_replay_request(cx.cli, cx.sess, fna, 0, msg, n, &out),
                     RSVD_OK);
    assert_true(out.message_id == 64);
    cx_fini(&cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(channel_sequence_of_the_hosts_requests_follows_the_session),
        cmocka_unit_test(re_established_session_starts_its_channel_sequence_at_zero),
        cmocka_unit_test(create_answered_server_unavailable_is_replayed_with_the_replay_flag),
        cmocka_unit_test(server_unavailable_is_returned_without_the_capabilities_or_on_2x),
        cmocka_unit_test(create_is_replayed_at_most_three_times),
        cmocka_unit_test(resiliency_answered_file_not_available_is_replayed),
        cmocka_unit_test(lost_channel_replays_a_dh2q_create_on_another_channel),
        cmocka_unit_test(replay_on_another_channel_takes_its_credit_charge),
        cmocka_unit_test(lost_channel_fails_a_create_without_dh2q),
        cmocka_unit_test(resent_lock_on_3x_carries_the_replay_flag),
        cmocka_unit_test(host_write_answered_file_not_available_is_replayed),
        cmocka_unit_test(host_request_is_replayed_only_where_the_sections_say),
        cmocka_unit_test(host_create_is_replayed_for_server_unavailable_and_a_lost_channel),
        cmocka_unit_test(replay_request_refuses_what_is_not_a_request_of_the_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
