/*
 * Client: durable opens - the durable request of a new CREATE ([MS-SMB2]
 * 3.2.4.3.5), its response (3.2.5.7, 3.2.5.7.1, 3.2.5.7.6), the
 * reconnect context a grant requires (3.2.4.4), and how long a durable v2
 * or persistent open waits after a disconnect (3.2.7.1).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "../wire/smb2_test.h"
#include "res_fixture.h"

static const rsvd_smb2_fileid k_fid = {0x7001, 0x9001};

/* The decoded CREATE and its context of @p name (asserts it is there). */
static rsvd_smb2_cc find_cc(const uint8_t *req, size_t n, const char *name,
                            rsvd_smb2_create_req *q)
{
    assert_int_equal(rsvd_smb2_create_req_decode(req, n, q), RSVD_OK);
    rsvd_smb2_cc cc;
    assert_int_equal(
        rsvd_smb2_cc_find(q->create_contexts, q->create_contexts_length, name, 4, &cc), RSVD_OK);
    return cc;
}

static bool has_cc(const uint8_t *req, size_t n, const char *name)
{
    rsvd_smb2_create_req q;
    assert_int_equal(rsvd_smb2_create_req_decode(req, n, &q), RSVD_OK);
    rsvd_smb2_cc cc;
    return rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length, name, 4, &cc) ==
           RSVD_OK;
}

/* Answers the CREATE in @p req with @p fid and the contexts; returns done. */
static rsvd_res_client_done answer(cli_fx *cx, const uint8_t *req, const rsvd_res_client_msg *m,
                                   uint8_t oplock, const rsvd_res_client_cc *cc, size_t ncc)
{
    uint8_t rsp[1024];
    size_t rn = cx_rsp_create_cc(req, m->len, &k_fid, oplock, cc, ncc, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx->cli, m->conn, rsp, rn, cx->now, &d), RSVD_OK);
    assert_int_equal(d.kind, RSVD_RES_REQ_CREATE);
    return d;
}

/* A DH2Q response context with @p timeout and @p flags. */
static rsvd_res_client_cc dh2q_rsp(uint32_t timeout, uint32_t flags, uint8_t data[8])
{
    const rsvd_smb2_dh2q_rsp r = {timeout, flags};
    size_t n = 0;
    assert_int_equal(rsvd_smb2_dh2q_rsp_encode(&r, data, 8, &n), RSVD_OK);
    rsvd_res_client_cc cc = {"DH2Q", 4, data, n};
    return cc;
}

/* A durable v2 open granted with @p timeout (and @p flags) on a fresh 3.0.2
 * client (persistent handles as given; share capabilities). */
static uint64_t granted_v2(cli_fx *cx, bool persistent_handles, uint32_t share_caps,
                           uint32_t timeout, uint32_t flags)
{
    cx_init_durable(cx, NULL, RSVD_SMB2_DIALECT_302, persistent_handles, false, share_caps);
    uint8_t req[1024], data[8];
    rsvd_res_client_msg m;
    uint64_t open = cx_create(cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE, req,
                              sizeof req, &m);
    rsvd_res_client_cc cc = dh2q_rsp(timeout, flags, data);
    rsvd_res_client_done d = answer(cx, req, &m, RSVD_SMB2_OPLOCK_LEVEL_BATCH, &cc, 1);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    cx->open = open;
    return open;
}

/* A new connection, session and tree after the disconnect. */
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

/* ---- 3.2.4.3.5: the request ------------------------------------------------ */

static void durable_create_on_3x_carries_dh2q_with_a_new_create_guid(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, false, 0);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    assert_true(m.conn == cx.conn);
    assert_true(m.message_id == 0);
    rsvd_smb2_create_req q;
    rsvd_smb2_cc cc = find_cc(req, m.len, "DH2Q", &q);
    assert_int_equal(q.hdr.command, RSVD_SMB2_CREATE);
    assert_true(q.hdr.session_id == 0x11);
    assert_int_equal(q.hdr.tree_id, 5);
    assert_int_equal(q.hdr.credit_charge, 1);
    assert_int_equal(q.hdr.flags, 0);
    /* Not a CA share: SHOULD ask for BATCH (or a lease with H). */
    assert_int_equal(q.requested_oplock_level, RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    assert_int_equal(q.impersonation_level, RSVD_SMB2_IMPERSONATION_IMPERSONATION);
    assert_int_equal(q.desired_access, 0x0012019F);
    assert_int_equal(q.create_disposition, RSVD_FILE_OPEN_IF);
    assert_int_equal(q.name_length, sizeof cx_name);
    assert_memory_equal(q.name, cx_name, sizeof cx_name);
    rsvd_smb2_dh2q_req d;
    assert_int_equal(rsvd_smb2_dh2q_req_decode(cc.data, cc.data_length, &d), RSVD_OK);
    assert_int_equal(d.timeout, 0); /* the server chooses (<152>) */
    assert_int_equal(d.flags, 0);   /* not continuously available */
    /* Reserved (8 bytes at 8) is 0. */
    static const uint8_t zeros[8];
    assert_memory_equal(cc.data + 8, zeros, 8);
    /* A new GUID from the random source, version 4 and RFC 4122 variant. */
    assert_false(rsvd_guid_is_zero(&d.create_guid));
    assert_int_equal(d.create_guid.b[7] & 0xF0, 0x40);
    assert_int_equal(d.create_guid.b[8] & 0xC0, 0x80);
    assert_false(has_cc(req, m.len, "DHnQ"));
    /* The open exists, CREATING, with that CreateGuid. */
    rsvd_res_client_open_info info = cx_info(&cx, open);
    assert_int_equal(info.state, RSVD_RES_CLIENT_OPEN_CREATING);
    assert_memory_equal(info.create_guid.b, d.create_guid.b, 16);
    assert_ptr_equal(info.user_data, &cx);
    /* Each durable request gets its own CreateGuid. */
    uint8_t req2[1024];
    rsvd_res_client_msg m2;
    (void)cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE, req2,
                    sizeof req2, &m2);
    rsvd_smb2_create_req q2;
    rsvd_smb2_cc cc2 = find_cc(req2, m2.len, "DH2Q", &q2);
    rsvd_smb2_dh2q_req d2;
    assert_int_equal(rsvd_smb2_dh2q_req_decode(cc2.data, cc2.data_length, &d2), RSVD_OK);
    assert_false(rsvd_guid_equal(&d.create_guid, &d2.create_guid));
    cx_fini(&cx);
}

static void durable_create_on_a_ca_share_asks_for_a_persistent_handle(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_300, true, false,
                    RSVD_SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    (void)cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE, req,
                    sizeof req, &m);
    rsvd_smb2_create_req q;
    rsvd_smb2_cc cc = find_cc(req, m.len, "DH2Q", &q);
    rsvd_smb2_dh2q_req d;
    assert_int_equal(rsvd_smb2_dh2q_req_decode(cc.data, cc.data_length, &d), RSVD_OK);
    /* IsCAShare: PERSISTENT MUST be set; no oplock is needed for it. */
    assert_int_equal(d.flags, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    assert_int_equal(q.requested_oplock_level, RSVD_SMB2_OPLOCK_LEVEL_NONE);
    cx_fini(&cx);
}

static void ca_capability_of_a_2x_session_asks_for_no_persistent_handle(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_210, false, false,
                    RSVD_SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    (void)cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE, req,
                    sizeof req, &m);
    /* The CA bit is a 3.x bit: on 2.1 the request is a DHnQ with BATCH. */
    assert_false(has_cc(req, m.len, "DH2Q"));
    assert_true(has_cc(req, m.len, "DHnQ"));
    cx_fini(&cx);
}

static void durable_create_on_2x_carries_dhnq(void **state)
{
    (void)state;
    static const uint16_t dialects[] = {RSVD_SMB2_DIALECT_202, RSVD_SMB2_DIALECT_210};
    for (size_t i = 0; i < 2; i++) {
        cli_fx cx;
        cx_init_durable(&cx, NULL, dialects[i], false, false, 0);
        uint8_t req[1024];
        rsvd_res_client_msg m;
        uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE,
                                  RSVD_SMB2_OPLOCK_LEVEL_NONE, req, sizeof req, &m);
        rsvd_smb2_create_req q;
        rsvd_smb2_cc cc = find_cc(req, m.len, "DHnQ", &q);
        /* 16 zero bytes; BATCH asked for; no DH2Q, no CreateGuid. */
        assert_int_equal(cc.data_length, 16);
        assert_int_equal(rsvd_smb2_dhnq_req_decode(cc.data, cc.data_length), RSVD_OK);
        static const uint8_t zeros[16];
        assert_memory_equal(cc.data, zeros, 16);
        assert_int_equal(q.requested_oplock_level, RSVD_SMB2_OPLOCK_LEVEL_BATCH);
        assert_false(has_cc(req, m.len, "DH2Q"));
        rsvd_res_client_open_info info = cx_info(&cx, open);
        assert_true(rsvd_guid_is_zero(&info.create_guid));
        /* No ChannelSequence on 2.x: Status 0. */
        assert_int_equal(q.hdr.status, 0);
        cx_fini(&cx);
    }
}

static void durable_request_keeps_a_lease_request_and_the_extra_contexts(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
    uint8_t lease[52] = {0x77};
    const rsvd_res_client_cc extra = {"RqLs", 4, lease, sizeof lease};
    rsvd_res_client_create_params p = RSVD_STRUCT_INIT(rsvd_res_client_create_params);
    p.name = cx_name;
    p.name_len = sizeof cx_name;
    p.flags = RSVD_RES_CLIENT_CREATE_DURABLE;
    p.requested_oplock_level = RSVD_SMB2_OPLOCK_LEVEL_LEASE;
    p.durable_timeout_ms = 90000;
    p.extra = &extra;
    p.n_extra = 1;
    uint8_t req[1024];
    rsvd_res_client_msg m;
    uint64_t open;
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, &open),
                     RSVD_OK);
    rsvd_smb2_create_req q;
    rsvd_smb2_cc cc = find_cc(req, m.len, "DH2Q", &q);
    assert_int_equal(q.requested_oplock_level, RSVD_SMB2_OPLOCK_LEVEL_LEASE);
    rsvd_smb2_dh2q_req d;
    assert_int_equal(rsvd_smb2_dh2q_req_decode(cc.data, cc.data_length, &d), RSVD_OK);
    assert_int_equal(d.timeout, 90000);
    /* The host's context follows the durable one. */
    rsvd_smb2_cc_iter it;
    rsvd_smb2_cc first, second;
    rsvd_smb2_cc_iter_init(&it, q.create_contexts, q.create_contexts_length);
    assert_int_equal(rsvd_smb2_cc_iter_next(&it, &first), RSVD_OK);
    assert_int_equal(rsvd_smb2_cc_iter_next(&it, &second), RSVD_OK);
    assert_memory_equal(first.name, "DH2Q", 4);
    assert_memory_equal(second.name, "RqLs", 4);
    assert_int_equal(second.data_length, 52);
    cx_fini(&cx);
}

static void given_create_guid_is_sent_as_is(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_311, false, false, 0);
    rsvd_res_client_create_params p = RSVD_STRUCT_INIT(rsvd_res_client_create_params);
    p.name = cx_name;
    p.name_len = sizeof cx_name;
    p.flags = RSVD_RES_CLIENT_CREATE_DURABLE | RSVD_RES_CLIENT_CREATE_GUID_GIVEN;
    for (int i = 0; i < 16; i++)
        p.create_guid.b[i] = (uint8_t)(0xA0 + i);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    uint64_t open;
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, &open),
                     RSVD_OK);
    rsvd_smb2_create_req q;
    rsvd_smb2_cc cc = find_cc(req, m.len, "DH2Q", &q);
    rsvd_smb2_dh2q_req d;
    assert_int_equal(rsvd_smb2_dh2q_req_decode(cc.data, cc.data_length, &d), RSVD_OK);
    assert_memory_equal(d.create_guid.b, p.create_guid.b, 16);
    /* A zero GUID is no GUID. */
    memset(&p.create_guid, 0, sizeof p.create_guid);
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, &open),
                     RSVD_E_INVAL);
    cx_fini(&cx);
}

static void durable_v2_request_without_a_guid_source_changes_nothing(void **state)
{
    (void)state;
    /* No random callback, no GUID given: RSVD_E_STATE; a failing random
     * source: RSVD_E_IO. Nothing is taken either way. */
    cli_fx cx;
    cx_init(&cx, NULL, &(rsvd_res_client_conn_params){.struct_size =
                                                           sizeof(rsvd_res_client_conn_params),
                                                       .dialect = RSVD_SMB2_DIALECT_302,
                                                       .credits = 8},
            false);
    rsvd_res_client_create_params p = RSVD_STRUCT_INIT(rsvd_res_client_create_params);
    p.flags = RSVD_RES_CLIENT_CREATE_DURABLE;
    uint8_t req[1024];
    rsvd_res_client_msg m;
    uint64_t open = 7;
    rsvd_res_client_conn_info ci = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &ci), RSVD_OK);
    uint64_t next = ci.next_message_id;
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, &open),
                     RSVD_E_STATE);
    assert_true(open == 0);
    /* Without durability no GUID is needed. */
    p.flags = 0;
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, &open),
                     RSVD_OK);
    assert_true(m.message_id == next);
    cx_fini(&cx);

    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
    cx_random_fails = true;
    p.flags = RSVD_RES_CLIENT_CREATE_DURABLE;
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, &open),
                     RSVD_E_IO);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &ci), RSVD_OK);
    assert_true(ci.next_message_id == 0 && ci.outstanding == 0);
    cx_random_fails = false;
    cx_fini(&cx);
}

static void non_durable_create_carries_no_durable_context(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, false, 0);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    (void)cx_create(&cx, 0, RSVD_SMB2_OPLOCK_LEVEL_II, req, sizeof req, &m);
    assert_false(has_cc(req, m.len, "DH2Q"));
    assert_false(has_cc(req, m.len, "DHnQ"));
    rsvd_smb2_create_req q;
    assert_int_equal(rsvd_smb2_create_req_decode(req, m.len, &q), RSVD_OK);
    assert_int_equal(q.requested_oplock_level, RSVD_SMB2_OPLOCK_LEVEL_II);
    assert_int_equal(q.create_contexts_length, 0);
    cx_fini(&cx);
}

static void create_parameters_are_checked(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    uint64_t open;
    rsvd_res_client_create_params p = RSVD_STRUCT_INIT(rsvd_res_client_create_params);
    assert_int_equal(rsvd_res_client_create(NULL, cx.tree, &p, NULL, req, sizeof req, &m, &open),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, NULL, &open),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, NULL, NULL, req, sizeof req, &m, &open),
                     RSVD_E_INVAL);
    p.flags = 0x4;
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, &open),
                     RSVD_E_INVAL);
    p.flags = 0;
    p.name = cx_name;
    p.name_len = 3;
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, &open),
                     RSVD_E_INVAL);
    p.name_len = sizeof cx_name;
    p.n_extra = 1;
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, sizeof req, &m, &open),
                     RSVD_E_INVAL);
    p.n_extra = 0;
    assert_int_equal(
        rsvd_res_client_create(cx.cli, cx.tree + 99, &p, NULL, req, sizeof req, &m, &open),
        RSVD_E_NOENT);
    /* A buffer too small: nothing taken. */
    assert_int_equal(rsvd_res_client_create(cx.cli, cx.tree, &p, NULL, req, 100, &m, &open),
                     RSVD_E_NOSPC);
    rsvd_res_client_conn_info ci = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &ci), RSVD_OK);
    assert_true(ci.next_message_id == 0 && ci.outstanding == 0);
    cx_fini(&cx);
}

/* ---- 3.2.5.7: the response ------------------------------------------------- */

static void dh2q_response_makes_the_open_durable_v2(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
    uint8_t req[1024], data[8];
    rsvd_res_client_msg m;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    rsvd_smb2_create_req q;
    rsvd_smb2_cc qc = find_cc(req, m.len, "DH2Q", &q);
    rsvd_smb2_dh2q_req sent;
    assert_int_equal(rsvd_smb2_dh2q_req_decode(qc.data, qc.data_length, &sent), RSVD_OK);
    rsvd_res_client_cc cc = dh2q_rsp(60000, 0, data);
    rsvd_res_client_done d = answer(&cx, req, &m, RSVD_SMB2_OPLOCK_LEVEL_BATCH, &cc, 1);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    assert_true(d.final);
    assert_true(d.open == open);
    rsvd_res_client_open_info info = cx_info(&cx, open);
    assert_int_equal(info.state, RSVD_RES_CLIENT_OPEN_CONNECTED);
    assert_true(rsvd_smb2_fileid_equal(&info.file_id, &k_fid));
    assert_true(info.durable);
    assert_false(info.resilient_handle);
    assert_int_equal(info.durable_flags, RSVD_RES_CLIENT_DURABLE_V2);
    assert_int_equal(info.durable_timeout_ms, 60000);
    assert_memory_equal(info.create_guid.b, sent.create_guid.b, 16);
    assert_true(info.tree == cx.tree);
    assert_int_equal(info.resend_pending, 0);
    /* Requests can now be sent on it. */
    uint8_t lreq[256];
    rsvd_res_client_msg lm;
    rsvd_smb2_lock_element e = cx_element(0);
    assert_int_equal(rsvd_res_client_lock(cx.cli, open, &e, 1, NULL, lreq, sizeof lreq, &lm),
                     RSVD_OK);
    cx_fini(&cx);
}

static void persistent_flag_of_the_dh2q_response_makes_the_open_persistent(void **state)
{
    (void)state;
    cli_fx cx;
    uint64_t open = granted_v2(&cx, true, RSVD_SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY, 0,
                               RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    rsvd_res_client_open_info info = cx_info(&cx, open);
    assert_int_equal(info.durable_flags,
                     RSVD_RES_CLIENT_DURABLE_V2 | RSVD_RES_CLIENT_DURABLE_PERSISTENT);
    assert_int_equal(info.durable_timeout_ms, 0);
    cx_fini(&cx);
}

static void dhnq_response_makes_the_open_durable(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_210, false, false, 0);
    uint8_t req[1024], data[8];
    size_t n = 0;
    assert_int_equal(rsvd_smb2_dhnq_rsp_encode(data, sizeof data, &n), RSVD_OK);
    rsvd_res_client_msg m;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    const rsvd_res_client_cc cc = {"DHnQ", 4, data, n};
    rsvd_res_client_done d = answer(&cx, req, &m, RSVD_SMB2_OPLOCK_LEVEL_BATCH, &cc, 1);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    rsvd_res_client_open_info info = cx_info(&cx, open);
    assert_true(info.durable);
    assert_int_equal(info.durable_flags, 0);
    cx_fini(&cx);
}

static void response_without_a_durable_context_leaves_the_open_not_durable(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
    uint8_t req[1024], lease[52] = {0x77};
    rsvd_res_client_msg m;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    /* Contexts the library does not read are the host's. */
    const rsvd_res_client_cc cc = {"RqLs", 4, lease, sizeof lease};
    rsvd_res_client_done d = answer(&cx, req, &m, RSVD_SMB2_OPLOCK_LEVEL_II, &cc, 1);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    rsvd_res_client_open_info info = cx_info(&cx, open);
    assert_false(info.durable);
    assert_int_equal(info.durable_flags, 0);
    /* It is not kept across a disconnect. */
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_int_equal(cx.n_lost, 1);
    assert_int_equal(cx.lost[0].reason, RSVD_RES_LOST_NOT_DURABLE);
    cx_fini(&cx);
}

static void unrequested_or_malformed_durable_context_is_an_invalid_response(void **state)
{
    (void)state;
    uint8_t data[8], req[1024];
    rsvd_res_client_msg m;
    /* A DH2Q response to a DHnQ request. */
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_210, false, false, 0);
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    rsvd_res_client_cc cc = dh2q_rsp(1000, 0, data);
    rsvd_res_client_done d = answer(&cx, req, &m, RSVD_SMB2_OPLOCK_LEVEL_BATCH, &cc, 1);
    assert_int_equal(d.status, RSVD_STATUS_INVALID_NETWORK_RESPONSE);
    assert_true(d.final);
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    assert_int_equal(rsvd_res_client_open_info_get(cx.cli, open, &info), RSVD_E_NOENT);
    cx_fini(&cx);
    /* A DH2Q response of 4 bytes; a DHnQ response to a request without any
     * durable context. */
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
    open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE, req,
                     sizeof req, &m);
    cc = dh2q_rsp(1000, 0, data);
    cc.data_len = 4;
    d = answer(&cx, req, &m, RSVD_SMB2_OPLOCK_LEVEL_BATCH, &cc, 1);
    assert_int_equal(d.status, RSVD_STATUS_INVALID_NETWORK_RESPONSE);
    open = cx_create(&cx, 0, RSVD_SMB2_OPLOCK_LEVEL_NONE, req, sizeof req, &m);
    memset(data, 0, sizeof data);
    const rsvd_res_client_cc dhnq = {"DHnQ", 4, data, 8};
    d = answer(&cx, req, &m, RSVD_SMB2_OPLOCK_LEVEL_NONE, &dhnq, 1);
    assert_int_equal(d.status, RSVD_STATUS_INVALID_NETWORK_RESPONSE);
    assert_int_equal(rsvd_res_client_open_info_get(cx.cli, open, &info), RSVD_E_NOENT);
    assert_int_equal(cx.n_lost, 0);
    cx_fini(&cx);
}

static void error_response_frees_the_creating_open_without_open_lost(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
    uint8_t req[1024], rsp[256];
    rsvd_res_client_msg m;
    int marker;
    rsvd_res_client_create_params p = RSVD_STRUCT_INIT(rsvd_res_client_create_params);
    p.name = cx_name;
    p.name_len = sizeof cx_name;
    p.flags = RSVD_RES_CLIENT_CREATE_DURABLE;
    uint64_t open;
    assert_int_equal(
        rsvd_res_client_create(cx.cli, cx.tree, &p, &marker, req, sizeof req, &m, &open), RSVD_OK);
    size_t rn = cx_rsp_error(req, m.len, RSVD_STATUS_OBJECT_NAME_NOT_FOUND, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.kind, RSVD_RES_REQ_CREATE);
    assert_int_equal(d.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_true(d.final);
    assert_true(d.open == open);
    assert_ptr_equal(d.req_user_data, &marker);
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    assert_int_equal(rsvd_res_client_open_info_get(cx.cli, open, &info), RSVD_E_NOENT);
    assert_int_equal(cx.n_lost, 0);
    assert_int_equal(cx.n_failed, 0);
    /* The tree can go: nothing is left on it. */
    assert_int_equal(rsvd_res_client_tree_remove(cx.cli, cx.tree), RSVD_OK);
    cx_fini(&cx);
}

static void creating_open_takes_no_request_until_it_is_answered(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
    uint8_t req[1024], other[256];
    rsvd_res_client_msg m, om;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    rsvd_smb2_lock_element e = cx_element(0);
    assert_int_equal(rsvd_res_client_lock(cx.cli, open, &e, 1, NULL, other, sizeof other, &om),
                     RSVD_E_STATE);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, open, 1000, NULL, other, sizeof other, &om),
        RSVD_E_STATE);
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, open, cx.tree, cx.now, NULL, 0,
                                                      other, sizeof other, &om),
                     RSVD_E_STATE);
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, open, other, sizeof other, &om),
                     RSVD_E_NOENT);
    /* Its tree cannot go while it waits. */
    assert_int_equal(rsvd_res_client_tree_remove(cx.cli, cx.tree), RSVD_E_STATE);
    cx_fini(&cx);
}

static void closing_a_creating_open_forgets_its_create(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
    uint8_t req[1024], rsp[512];
    rsvd_res_client_msg m;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    assert_int_equal(rsvd_res_client_open_close(cx.cli, open), RSVD_OK);
    size_t rn = cx_rsp_create_cc(req, m.len, &k_fid, 0, NULL, 0, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d),
                     RSVD_E_NOENT);
    assert_int_equal(cx.n_failed, 0);
    cx_fini(&cx);
}

static void disconnect_fails_a_create_in_flight_and_frees_its_open(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, false, 0);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE,
                              req, sizeof req, &m);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_int_equal(cx.n_failed, 1);
    assert_int_equal(cx.failed[0].kind, RSVD_RES_REQ_CREATE);
    assert_int_equal(cx.failed[0].status, RSVD_STATUS_CONNECTION_DISCONNECTED);
    assert_true(cx.failed[0].open == open);
    assert_int_equal(cx.n_lost, 0); /* it was never the application's open */
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    assert_int_equal(rsvd_res_client_open_info_get(cx.cli, open, &info), RSVD_E_NOENT);
    cx_fini(&cx);
}

static void malformed_reply_to_a_create_frees_its_open(void **state)
{
    (void)state;
    /* A synchronous STATUS_PENDING, and a reply with another Command: the
     * request ends with STATUS_INVALID_NETWORK_RESPONSE (3.2.5.1), no open
     * came of it. */
    for (int k = 0; k < 2; k++) {
        cli_fx cx;
        cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, false, false, 0);
        uint8_t req[1024], rsp[512];
        rsvd_res_client_msg m;
        uint64_t open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE,
                                  RSVD_SMB2_OPLOCK_LEVEL_NONE, req, sizeof req, &m);
        size_t rn = k == 0 ? cx_rsp_error(req, m.len, RSVD_STATUS_PENDING, 1, rsp, sizeof rsp)
                           : cx_rsp_create_cc(req, m.len, &k_fid, 0, NULL, 0, rsp, sizeof rsp);
        if (k == 1)
            put16(rsp, 12, RSVD_SMB2_CLOSE);
        rsvd_res_client_done d;
        assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d),
                         RSVD_OK);
        assert_true(d.final);
        assert_int_equal(d.status, RSVD_STATUS_INVALID_NETWORK_RESPONSE);
        rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
        assert_int_equal(rsvd_res_client_open_info_get(cx.cli, open, &info), RSVD_E_NOENT);
        assert_int_equal(rsvd_res_client_tree_remove(cx.cli, cx.tree), RSVD_OK);
        cx_fini(&cx);
    }
}

static rsvd_res_client *g_reenter_cli;
static int g_reenter_rc;

static int reentering_random(void *buf, size_t len, void *ud)
{
    (void)ud;
    size_t lost;
    g_reenter_rc = rsvd_res_client_handle_expiry(g_reenter_cli, 0, &lost);
    memset(buf, 0x42, len);
    return 0;
}

static void noop_failed(rsvd_res_client *cli, const rsvd_res_client_done *d, void *ud)
{
    (void)cli;
    (void)d;
    (void)ud;
}

static void noop_lost(rsvd_res_client *cli, uint64_t open, void *oud, rsvd_res_lost_reason r,
                      void *ud)
{
    (void)cli;
    (void)open;
    (void)oud;
    (void)r;
    (void)ud;
}

static void random_callback_cannot_reenter_the_client(void **state)
{
    (void)state;
    const rsvd_res_client_callbacks cb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                          .request_failed = noop_failed,
                                          .open_lost = noop_lost,
                                          .random = reentering_random};
    rsvd_res_client *cli;
    assert_int_equal(rsvd_res_client_new(NULL, &cb, NULL, &cli), RSVD_OK);
    g_reenter_cli = cli;
    g_reenter_rc = 0;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_311);
    uint64_t conn, sess, tree, open;
    assert_int_equal(rsvd_res_client_conn_add(cli, &p, &conn), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cli, conn, 1, &sess), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(cli, sess, CLI_TREE(1), &tree), RSVD_OK);
    rsvd_res_client_create_params cp = RSVD_STRUCT_INIT(rsvd_res_client_create_params);
    cp.flags = RSVD_RES_CLIENT_CREATE_DURABLE;
    uint8_t req[1024];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_create(cli, tree, &cp, NULL, req, sizeof req, &m, &open),
                     RSVD_OK);
    assert_int_equal(g_reenter_rc, RSVD_E_BUSY);
    rsvd_res_client_free(cli);
}

/* ---- registering a grant of the host's own CREATE ---------------------------- */

static void open_add_registers_a_durable_v2_grant(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_302, true, false, 0);
    rsvd_res_client_open_params p = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
    p.file_id = k_fid;
    p.name = cx_name;
    p.name_len = sizeof cx_name;
    p.create_guid.b[0] = 0x5A;
    p.durable_timeout_ms = 45000;
    p.durable_flags = RSVD_RES_CLIENT_DURABLE_V2 | RSVD_RES_CLIENT_DURABLE_PERSISTENT;
    uint64_t open;
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, &p, &open), RSVD_OK);
    rsvd_res_client_open_info info = cx_info(&cx, open);
    assert_true(info.durable); /* 3.2.5.7.6: Durable TRUE */
    assert_int_equal(info.durable_flags, p.durable_flags);
    assert_int_equal(info.durable_timeout_ms, 45000);
    assert_int_equal(info.create_guid.b[0], 0x5A);
    /* Refused: unknown bits; PERSISTENT without V2. */
    p.durable_flags = 0x4;
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, &p, &open), RSVD_E_INVAL);
    p.durable_flags = RSVD_RES_CLIENT_DURABLE_PERSISTENT;
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, &p, &open), RSVD_E_INVAL);
    cx_fini(&cx);
    /* V2 on a tree of a 2.1 session. */
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_210, false, false, 0);
    p.durable_flags = RSVD_RES_CLIENT_DURABLE_V2;
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, &p, &open), RSVD_E_INVAL);
    cx_fini(&cx);
}

static void persistent_open_uses_the_lock_sequence_buckets(void **state)
{
    (void)state;
    /* 3.2.4.19: IsPersistent (no resiliency, no multi-channel) -> a bucket. */
    cli_fx cx;
    uint64_t open = granted_v2(&cx, true, RSVD_SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY, 0,
                               RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    uint8_t req[256];
    rsvd_res_client_msg m;
    rsvd_smb2_lock_element e = cx_element(0);
    assert_int_equal(rsvd_res_client_lock(cx.cli, open, &e, 1, NULL, req, sizeof req, &m),
                     RSVD_OK);
    rsvd_smb2_lock_req q;
    assert_int_equal(rsvd_smb2_lock_req_decode(req, m.len, &q), RSVD_OK);
    assert_int_equal(q.lock_sequence, 0x10);
    cx_fini(&cx);
    /* A durable v2 open that is not persistent does not. */
    open = granted_v2(&cx, true, 0, 60000, 0);
    assert_int_equal(rsvd_res_client_lock(cx.cli, open, &e, 1, NULL, req, sizeof req, &m),
                     RSVD_OK);
    assert_int_equal(rsvd_smb2_lock_req_decode(req, m.len, &q), RSVD_OK);
    assert_int_equal(q.lock_sequence, 0);
    cx_fini(&cx);
}

/* ---- 3.2.4.4: the reconnect context ------------------------------------------ */

static rsvd_smb2_create_req reconnect_req(cli_fx *cx, uint64_t open, uint16_t dialect,
                                          uint8_t *req, size_t cap)
{
    assert_int_equal(rsvd_res_client_on_disconnect(cx->cli, cx->conn, cx->now), RSVD_OK);
    uint64_t conn2;
    uint64_t tree = new_tree(cx, dialect, &conn2);
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_reconnect_create(cx->cli, open, tree, cx->now, NULL, 0, req, cap, &m),
        RSVD_OK);
    rsvd_smb2_create_req q;
    assert_int_equal(rsvd_smb2_create_req_decode(req, m.len, &q), RSVD_OK);
    size_t count = 0;
    assert_int_equal(rsvd_smb2_cc_validate(q.create_contexts, q.create_contexts_length, &count),
                     RSVD_OK);
    assert_int_equal(count, 1);
    return q;
}

static void reconnect_of_a_durable_v2_open_uses_dh2c_with_its_create_guid(void **state)
{
    (void)state;
    cli_fx cx;
    uint64_t open = granted_v2(&cx, true, 0, 60000, 0);
    rsvd_guid guid = cx_info(&cx, open).create_guid;
    uint8_t req[1024];
    rsvd_smb2_create_req q = reconnect_req(&cx, open, RSVD_SMB2_DIALECT_302, req, sizeof req);
    rsvd_smb2_cc cc;
    assert_int_equal(rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length, "DH2C", 4, &cc),
                     RSVD_OK);
    rsvd_smb2_dh2c d;
    assert_int_equal(rsvd_smb2_dh2c_decode(cc.data, cc.data_length, &d), RSVD_OK);
    assert_true(rsvd_smb2_fileid_equal(&d.file_id, &k_fid));
    assert_true(rsvd_guid_equal(&d.create_guid, &guid));
    assert_int_equal(d.flags, 0);
    /* 3.2.4.4 step 2: RequestedOplockLevel = Open.OplockLevel (granted). */
    assert_int_equal(q.requested_oplock_level, RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    cx_fini(&cx);
}

static void reconnect_of_a_persistent_open_sets_the_persistent_flag(void **state)
{
    (void)state;
    cli_fx cx;
    uint64_t open = granted_v2(&cx, true, RSVD_SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY, 0,
                               RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    uint8_t req[1024];
    rsvd_smb2_create_req q = reconnect_req(&cx, open, RSVD_SMB2_DIALECT_311, req, sizeof req);
    rsvd_smb2_cc cc;
    assert_int_equal(rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length, "DH2C", 4, &cc),
                     RSVD_OK);
    rsvd_smb2_dh2c d;
    assert_int_equal(rsvd_smb2_dh2c_decode(cc.data, cc.data_length, &d), RSVD_OK);
    assert_int_equal(d.flags, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    cx_fini(&cx);
}

static void reconnect_over_2x_or_of_a_dhnq_open_uses_dhnc(void **state)
{
    (void)state;
    uint8_t req[1024];
    rsvd_smb2_cc cc;
    /* A durable v2 open reconnected over 2.1: DH2C is a 3.x context. */
    cli_fx cx;
    uint64_t open = granted_v2(&cx, true, 0, 60000, 0);
    rsvd_smb2_create_req q = reconnect_req(&cx, open, RSVD_SMB2_DIALECT_210, req, sizeof req);
    assert_int_equal(rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length, "DHnC", 4, &cc),
                     RSVD_OK);
    cx_fini(&cx);
    /* A DHnQ open of 2.0.2 (decision: DHnC, as for 2.1). */
    cx_init_durable(&cx, NULL, RSVD_SMB2_DIALECT_202, false, false, 0);
    rsvd_res_client_msg m;
    open = cx_create(&cx, RSVD_RES_CLIENT_CREATE_DURABLE, RSVD_SMB2_OPLOCK_LEVEL_NONE, req,
                     sizeof req, &m);
    uint8_t data[8];
    size_t n = 0;
    assert_int_equal(rsvd_smb2_dhnq_rsp_encode(data, sizeof data, &n), RSVD_OK);
    const rsvd_res_client_cc dhnq = {"DHnQ", 4, data, n};
    assert_int_equal(answer(&cx, req, &m, RSVD_SMB2_OPLOCK_LEVEL_BATCH, &dhnq, 1).status,
                     RSVD_STATUS_SUCCESS);
    q = reconnect_req(&cx, open, RSVD_SMB2_DIALECT_202, req, sizeof req);
    assert_int_equal(rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length, "DHnC", 4, &cc),
                     RSVD_OK);
    rsvd_smb2_fileid f;
    assert_int_equal(rsvd_smb2_dhnc_decode(cc.data, cc.data_length, &f), RSVD_OK);
    assert_true(rsvd_smb2_fileid_equal(&f, &k_fid));
    cx_fini(&cx);
}

static void reconnected_durable_v2_open_keeps_its_grant(void **state)
{
    (void)state;
    cli_fx cx;
    uint64_t open = granted_v2(&cx, true, 0, 60000, 0);
    rsvd_guid guid = cx_info(&cx, open).create_guid;
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    uint64_t conn2;
    uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_302, &conn2);
    uint8_t req[1024], rsp[512];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, open, tree, cx.now, NULL, 0, req,
                                                      sizeof req, &m),
                     RSVD_OK);
    /* A DH2C success carries no DH2Q response; the grant stays. */
    const rsvd_smb2_fileid nf = {k_fid.persistent_id, 0x5555};
    size_t rn = cx_rsp_create(req, m.len, &nf, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    rsvd_res_client_open_info info = cx_info(&cx, open);
    assert_int_equal(info.state, RSVD_RES_CLIENT_OPEN_CONNECTED);
    assert_true(info.durable);
    assert_int_equal(info.durable_flags, RSVD_RES_CLIENT_DURABLE_V2);
    assert_int_equal(info.durable_timeout_ms, 60000);
    assert_true(rsvd_guid_equal(&info.create_guid, &guid));
    assert_true(rsvd_res_client_next_expiry(cx.cli) == UINT64_MAX);
    /* A second loss reconnects with the same CreateGuid again. */
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, conn2, cx.now), RSVD_OK);
    uint64_t conn3;
    tree = new_tree(&cx, RSVD_SMB2_DIALECT_302, &conn3);
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, open, tree, cx.now, NULL, 0, req,
                                                      sizeof req, &m),
                     RSVD_OK);
    rsvd_smb2_create_req q;
    rsvd_smb2_cc cc = find_cc(req, m.len, "DH2C", &q);
    rsvd_smb2_dh2c dc;
    assert_int_equal(rsvd_smb2_dh2c_decode(cc.data, cc.data_length, &dc), RSVD_OK);
    assert_true(rsvd_guid_equal(&dc.create_guid, &guid));
    assert_true(rsvd_smb2_fileid_equal(&dc.file_id, &nf));
    cx_fini(&cx);
}

/* ---- 3.2.7.1: how long a detached durable v2 or persistent open waits ---------- */

static void durable_v2_open_is_given_up_after_its_durable_timeout(void **state)
{
    (void)state;
    cli_fx cx;
    uint64_t open = granted_v2(&cx, true, 0, 60000, 0);
    cx.now += 3;
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    rsvd_res_client_open_info info = cx_info(&cx, open);
    assert_int_equal(info.state, RSVD_RES_CLIENT_OPEN_DETACHED);
    assert_true(info.last_disconnect_ms == 0); /* neither resilient nor persistent */
    uint64_t at = cx.now + 60000;
    assert_true(rsvd_res_client_next_expiry(cx.cli) == at + 1);
    size_t lost = 9;
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, at, &lost), RSVD_OK);
    assert_int_equal(lost, 0);
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, at + 1, &lost), RSVD_OK);
    assert_int_equal(lost, 1);
    assert_int_equal(cx.n_lost, 1);
    assert_true(cx.lost[0].open == open);
    assert_int_equal(cx.lost[0].reason, RSVD_RES_LOST_DURABLE_TIMEOUT);
    cx_fini(&cx);
}

static void persistent_open_records_the_disconnect_and_waits_its_durable_timeout(void **state)
{
    (void)state;
    cli_fx cx;
    uint64_t open = granted_v2(&cx, true, RSVD_SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY, 120000,
                               RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    cx.now += 11;
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    rsvd_res_client_open_info info = cx_info(&cx, open);
    assert_true(info.last_disconnect_ms == cx.now);
    assert_true(rsvd_res_client_next_expiry(cx.cli) == cx.now + 120000 + 1);
    /* An attempt after the time is over gives it up. */
    uint64_t conn2;
    uint64_t tree = new_tree(&cx, RSVD_SMB2_DIALECT_302, &conn2);
    uint8_t req[1024];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, open, tree, cx.now + 120001, NULL, 0,
                                                      req, sizeof req, &m),
                     RSVD_E_NOENT);
    assert_int_equal(cx.n_lost, 1);
    assert_int_equal(cx.lost[0].reason, RSVD_RES_LOST_DURABLE_TIMEOUT);
    cx_fini(&cx);
}

static void resilient_durable_v2_open_waits_its_resilient_timeout(void **state)
{
    (void)state;
    /* The server cleared IsDurable when it granted resiliency (3.3.5.15.9):
     * ResilientTimeout is what it keeps the open for. */
    cli_fx cx;
    uint64_t open = granted_v2(&cx, true, 0, 60000, 0);
    cx_make_resilient(&cx, 5000);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_true(rsvd_res_client_next_expiry(cx.cli) == cx.now + 5000 + 1);
    size_t lost = 0;
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, cx.now + 5001, &lost), RSVD_OK);
    assert_int_equal(lost, 1);
    assert_true(cx.lost[0].open == open);
    assert_int_equal(cx.lost[0].reason, RSVD_RES_LOST_TIMEOUT);
    cx_fini(&cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durable_create_on_3x_carries_dh2q_with_a_new_create_guid),
        cmocka_unit_test(durable_create_on_a_ca_share_asks_for_a_persistent_handle),
        cmocka_unit_test(ca_capability_of_a_2x_session_asks_for_no_persistent_handle),
        cmocka_unit_test(durable_create_on_2x_carries_dhnq),
        cmocka_unit_test(durable_request_keeps_a_lease_request_and_the_extra_contexts),
        cmocka_unit_test(given_create_guid_is_sent_as_is),
        cmocka_unit_test(durable_v2_request_without_a_guid_source_changes_nothing),
        cmocka_unit_test(non_durable_create_carries_no_durable_context),
        cmocka_unit_test(create_parameters_are_checked),
        cmocka_unit_test(dh2q_response_makes_the_open_durable_v2),
        cmocka_unit_test(persistent_flag_of_the_dh2q_response_makes_the_open_persistent),
        cmocka_unit_test(dhnq_response_makes_the_open_durable),
        cmocka_unit_test(response_without_a_durable_context_leaves_the_open_not_durable),
        cmocka_unit_test(unrequested_or_malformed_durable_context_is_an_invalid_response),
        cmocka_unit_test(error_response_frees_the_creating_open_without_open_lost),
        cmocka_unit_test(creating_open_takes_no_request_until_it_is_answered),
        cmocka_unit_test(closing_a_creating_open_forgets_its_create),
        cmocka_unit_test(disconnect_fails_a_create_in_flight_and_frees_its_open),
        cmocka_unit_test(malformed_reply_to_a_create_frees_its_open),
        cmocka_unit_test(random_callback_cannot_reenter_the_client),
        cmocka_unit_test(open_add_registers_a_durable_v2_grant),
        cmocka_unit_test(persistent_open_uses_the_lock_sequence_buckets),
        cmocka_unit_test(reconnect_of_a_durable_v2_open_uses_dh2c_with_its_create_guid),
        cmocka_unit_test(reconnect_of_a_persistent_open_sets_the_persistent_flag),
        cmocka_unit_test(reconnect_over_2x_or_of_a_dhnq_open_uses_dhnc),
        cmocka_unit_test(reconnected_durable_v2_open_keeps_its_grant),
        cmocka_unit_test(durable_v2_open_is_given_up_after_its_durable_timeout),
        cmocka_unit_test(persistent_open_records_the_disconnect_and_waits_its_durable_timeout),
        cmocka_unit_test(resilient_durable_v2_open_waits_its_resilient_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
