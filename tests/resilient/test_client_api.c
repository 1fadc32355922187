/*
 * Client: the contract of every entry point of rsvd/resilient_client.h
 * beyond the protocol rules - missing arguments, unknown handles, the
 * order in which registrations are undone, calls from inside the callbacks,
 * the end of the clock and allocation failures.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "fail_alloc.h"
#include "res_fixture.h"

static void on_failed_nop(rsvd_res_client *cli, const rsvd_res_client_done *d, void *ud)
{
    (void)cli;
    (void)d;
    (void)ud;
}

static void on_lost_nop(rsvd_res_client *cli, uint64_t open, void *open_ud,
                        rsvd_res_lost_reason r, void *ud)
{
    (void)cli;
    (void)open;
    (void)open_ud;
    (void)r;
    (void)ud;
}

static void client_new_needs_out_both_callbacks_and_known_options(void **state)
{
    (void)state;
    const rsvd_res_client_callbacks cb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                          .request_failed = on_failed_nop,
                                          .open_lost = on_lost_nop};
    const rsvd_res_client_callbacks no_failed = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                                 .request_failed = NULL,
                                                 .open_lost = on_lost_nop};
    const rsvd_res_client_callbacks no_lost = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                               .request_failed = on_failed_nop,
                                               .open_lost = NULL};
    rsvd_res_client *c = (rsvd_res_client *)&c;
    assert_int_equal(rsvd_res_client_new(NULL, &cb, NULL, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_new(NULL, NULL, NULL, &c), RSVD_E_INVAL);
    assert_null(c);
    assert_int_equal(rsvd_res_client_new(NULL, &no_failed, NULL, &c), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_new(NULL, &no_lost, NULL, &c), RSVD_E_INVAL);
    rsvd_res_client_config cfg = RSVD_STRUCT_INIT(rsvd_res_client_config);
    cfg.resiliency_options = 0x80000000u; /* not an option the library has */
    assert_int_equal(rsvd_res_client_new(&cfg, &cb, NULL, &c), RSVD_E_INVAL);
    assert_null(c);
    cfg.resiliency_options = RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_ZERO;
    assert_int_equal(rsvd_res_client_new(&cfg, &cb, NULL, &c), RSVD_OK);
    assert_non_null(c);
    rsvd_res_client_free(c);
    rsvd_res_client_free(NULL); /* a no-op */
}

static void connections_reject_bad_parameters(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_300);
    uint64_t h = 0, first = 0;
    assert_int_equal(rsvd_res_client_conn_add(NULL, &p, &h), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, NULL, &h), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, NULL), RSVD_E_INVAL);
    p.dialect = 0x02FF; /* the SMB2 wildcard dialect is not a negotiated one */
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &h), RSVD_E_INVAL);
    p = cx_conn_params(RSVD_SMB2_DIALECT_311);
    p.next_message_id = UINT64_MAX; /* never issued */
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &h), RSVD_E_INVAL);

    assert_int_equal(rsvd_res_client_conn_take_message_ids(NULL, cx.conn, 1, &first),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_conn_take_message_ids(cx.cli, cx.conn, 1, NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_conn_take_message_ids(cx.cli, cx.conn, 0, &first),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_conn_take_message_ids(cx.cli, cx.conn + 99, 1, &first),
                     RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_conn_grant_credits(NULL, cx.conn, 1), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_conn_grant_credits(cx.cli, cx.conn + 99, 1), RSVD_E_NOENT);
    rsvd_res_client_conn_info ci = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    assert_int_equal(rsvd_res_client_conn_info_get(NULL, cx.conn, &ci), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn + 99, &ci), RSVD_E_NOENT);
    cx_fini(&cx);
}

/* A huge credit grant at conn_add is taken as the most a window can say. */
static void credits_beyond_uint16_are_capped_at_conn_add(void **state)
{
    (void)state;
    cli_fx cx;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_300);
    p.credits = 100000;
    cx_init(&cx, NULL, &p, false);
    rsvd_res_client_conn_info ci = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &ci), RSVD_OK);
    assert_true(ci.available == UINT16_MAX);
    cx_fini(&cx);
}

static void sessions_and_trees_reject_bad_parameters(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    uint64_t h = 0;
    assert_int_equal(rsvd_res_client_session_add(NULL, cx.conn, 1, &h), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_session_add(cx.cli, cx.conn, 1, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_session_add(cx.cli, cx.conn + 99, 1, &h), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_session_bind(NULL, cx.sess, cx.conn), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_session_bind(cx.cli, cx.sess + 99, cx.conn), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_session_bind(cx.cli, cx.sess, cx.conn + 99), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_tree_add(NULL, cx.sess, CLI_TREE(1), &h), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_tree_add(cx.cli, cx.sess, CLI_TREE(1), NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_tree_add(cx.cli, cx.sess + 99, CLI_TREE(1), &h), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_session_remove(NULL, cx.sess), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_session_remove(cx.cli, cx.sess + 99), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_tree_remove(NULL, cx.tree), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_tree_remove(cx.cli, cx.tree + 99), RSVD_E_NOENT);
    cx_fini(&cx);
}

/* TREE_DISCONNECT, then LOGOFF: each is forgotten only once nothing
 * depends on it any more. */
static void tree_and_session_are_removed_only_when_empty(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    assert_int_equal(rsvd_res_client_session_remove(cx.cli, cx.sess), RSVD_E_STATE);
    assert_int_equal(rsvd_res_client_tree_remove(cx.cli, cx.tree), RSVD_E_STATE);
    assert_int_equal(rsvd_res_client_open_close(cx.cli, cx.open), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_remove(cx.cli, cx.sess), RSVD_E_STATE);
    assert_int_equal(rsvd_res_client_tree_remove(cx.cli, cx.tree), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_remove(cx.cli, cx.tree), RSVD_E_NOENT);
    /* Opening on the removed tree fails: its handle is stale. */
    rsvd_res_client_open_params op = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
    uint64_t o;
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, &op, &o), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_session_remove(cx.cli, cx.sess), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_remove(cx.cli, cx.sess), RSVD_E_NOENT);
    uint64_t t;
    assert_int_equal(rsvd_res_client_tree_add(cx.cli, cx.sess, CLI_TREE(6), &t), RSVD_E_NOENT);
    cx_fini(&cx);
}

/* A tree that a reconnect attempt aims at stays until the attempt ends. */
static void tree_targeted_by_a_reconnect_is_kept(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_210);
    uint64_t conn2, sess2, tree2;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn2), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx.cli, conn2, 0x99, &sess2), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(cx.cli, sess2, CLI_TREE(8), &tree2), RSVD_OK);
    uint8_t req[1024], rsp[512];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree2, cx.now, NULL, 0,
                                                      req, sizeof req, &m),
                     RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_remove(cx.cli, tree2), RSVD_E_STATE);
    /* The server refuses: the attempt ends, the tree can go. */
    size_t rn = cx_rsp_error(req, m.len, RSVD_STATUS_OBJECT_NAME_NOT_FOUND, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(rsvd_res_client_tree_remove(cx.cli, tree2), RSVD_OK);
    cx_fini(&cx);
}

/* The connection of a reconnect attempt is lost before its answer: the
 * attempt fails with it, and a late answer matches nothing. */
static void reconnect_answer_after_its_connection_is_lost_is_not_matched(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_210);
    uint64_t conn2, sess2, tree2;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn2), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx.cli, conn2, 0x99, &sess2), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(cx.cli, sess2, CLI_TREE(8), &tree2), RSVD_OK);
    uint8_t req[1024], rsp[512];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, tree2, cx.now, NULL, 0,
                                                      req, sizeof req, &m),
                     RSVD_OK);
    rsvd_smb2_fileid nfid = {CX_PERSISTENT, 0x77};
    size_t rn = cx_rsp_create(req, m.len, &nfid, 1, rsp, sizeof rsp);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, conn2, cx.now), RSVD_OK);
    rsvd_res_client_done d;
    /* The response comes on a connection that is gone: not matched. */
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d),
                     RSVD_E_NOENT);
    rsvd_res_client_open_info info = cx_info(&cx, cx.open);
    assert_int_equal(info.state, RSVD_RES_CLIENT_OPEN_DETACHED);
    assert_false(info.reconnecting); /* the attempt failed with its connection */
    cx_fini(&cx);
}

static void opens_reject_bad_parameters(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    rsvd_res_client_open_params op = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
    op.name = cx_name;
    op.name_len = sizeof cx_name;
    uint64_t o;
    assert_int_equal(rsvd_res_client_open_add(NULL, cx.tree, &op, &o), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, NULL, &o), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, &op, NULL), RSVD_E_INVAL);
    op.name_len = 3; /* UTF-16: an even number of bytes */
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, &op, &o), RSVD_E_INVAL);
    op.name = NULL;
    op.name_len = 2;
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, &op, &o), RSVD_E_INVAL);
    op.name = cx_name;
    op.name_len = RSVD_RES_CLIENT_NAME_MAX + 2;
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, &op, &o), RSVD_E_INVAL);
    /* A nameless open (the share's root) is fine. */
    op.name = NULL;
    op.name_len = 0;
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, &op, &o), RSVD_OK);
    assert_int_equal(rsvd_res_client_open_close(NULL, o), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_open_close(cx.cli, o), RSVD_OK);
    assert_int_equal(rsvd_res_client_open_close(cx.cli, o), RSVD_E_NOENT);
    cx_fini(&cx);
}

static void requests_reject_missing_arguments(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    uint8_t buf[1024];
    rsvd_res_client_msg m;
    const rsvd_smb2_lock_element e = cx_element(0);
    assert_int_equal(rsvd_res_client_request_resiliency(NULL, cx.open, 1, NULL, buf, sizeof buf,
                                                        &m),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_request_resiliency(cx.cli, cx.open, 1, NULL, buf,
                                                        sizeof buf, NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_request_resiliency(cx.cli, cx.open, 1, NULL, NULL, 10, &m),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_lock(NULL, cx.open, &e, 1, NULL, buf, sizeof buf, &m),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, NULL, 1, NULL, buf, sizeof buf, &m),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 0, NULL, buf, sizeof buf, &m),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, buf, sizeof buf, NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, NULL, 8, &m),
                     RSVD_E_INVAL);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(NULL, cx.conn, buf, 64, cx.now, &d),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, NULL, 64, cx.now, &d),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, buf, 64, cx.now, NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_on_disconnect(NULL, cx.conn, cx.now), RSVD_E_INVAL);
    const rsvd_res_client_cc extra = {"RqLs", 4, buf, 32};
    assert_int_equal(rsvd_res_client_reconnect_create(NULL, cx.open, cx.tree, cx.now, NULL, 0,
                                                      buf, sizeof buf, &m),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, cx.tree, cx.now, NULL, 0,
                                                      buf, sizeof buf, NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, cx.tree, cx.now, NULL, 0,
                                                      NULL, 8, &m),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, cx.tree, cx.now, NULL, 1,
                                                      buf, sizeof buf, &m),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open + 99, cx.tree, cx.now,
                                                      &extra, 1, buf, sizeof buf, &m),
                     RSVD_E_NOENT);
    /* Connected: there is nothing to reconnect. */
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, cx.tree, cx.now, &extra, 1,
                                                      buf, sizeof buf, &m),
                     RSVD_E_STATE);
    assert_int_equal(rsvd_res_client_resend_next(NULL, cx.open, buf, sizeof buf, &m),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, cx.open, buf, sizeof buf, NULL),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, cx.open, NULL, 8, &m), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, cx.open + 99, buf, sizeof buf, &m),
                     RSVD_E_NOENT);
    /* Nothing waits to be re-sent. */
    assert_int_equal(rsvd_res_client_resend_next(cx.cli, cx.open, buf, sizeof buf, &m),
                     RSVD_E_NOENT);
    cx_fini(&cx);
}

static void reconnect_needs_a_live_tree_and_no_attempt_in_flight(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    uint8_t buf[1024];
    rsvd_res_client_msg m;
    /* The old tree went with the connection. */
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, cx.tree, cx.now, NULL, 0,
                                                      buf, sizeof buf, &m),
                     RSVD_E_NOENT);
    /* A 3.x session bound to two connections. */
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_300);
    uint64_t c2, c3, s2, t2;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &c2), RSVD_OK);
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &c3), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx.cli, c2, 0x99, &s2), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_bind(cx.cli, s2, c3), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_bind(cx.cli, s2, c3), RSVD_E_STATE);
    assert_int_equal(rsvd_res_client_tree_add(cx.cli, s2, CLI_TREE(8), &t2), RSVD_OK);
    /* A buffer too small for the CREATE: RSVD_E_NOSPC, nothing sent. */
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, t2, cx.now, NULL, 0, buf,
                                                      16, &m),
                     RSVD_E_NOSPC);
    assert_false(cx_info(&cx, cx.open).reconnecting);
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, t2, cx.now, NULL, 0, buf,
                                                      sizeof buf, &m),
                     RSVD_OK);
    /* A second attempt while one is in flight. */
    assert_int_equal(rsvd_res_client_reconnect_create(cx.cli, cx.open, t2, cx.now, NULL, 0, buf,
                                                      sizeof buf, &m),
                     RSVD_E_STATE);
    cx_fini(&cx);
}

static void inspection_rejects_missing_arguments(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    bool free_ = false;
    uint8_t seq = 9;
    assert_int_equal(rsvd_res_client_open_info_get(NULL, cx.open, &info), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_open_info_get(cx.cli, cx.open, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_bucket(NULL, cx.open, 1, &free_, &seq), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_bucket(cx.cli, cx.open, 1, NULL, &seq), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_bucket(cx.cli, cx.open, 1, &free_, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_bucket(cx.cli, cx.open, 0, &free_, &seq), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_bucket(cx.cli, cx.open, 65, &free_, &seq), RSVD_E_INVAL);
    assert_int_equal(rsvd_res_client_bucket(cx.cli, cx.open + 99, 1, &free_, &seq),
                     RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_bucket(cx.cli, cx.open, 64, &free_, &seq), RSVD_OK);
    assert_true(free_);
    assert_int_equal(seq, 0);
    assert_true(rsvd_res_client_next_expiry(NULL) == UINT64_MAX);
    size_t lost = 7;
    assert_int_equal(rsvd_res_client_handle_expiry(NULL, cx.now, &lost), RSVD_E_INVAL);
    assert_int_equal(lost, 0);
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, cx.now, NULL), RSVD_OK);
    cx_fini(&cx);
}

/* ---- calls from inside the callbacks ------------------------------------------- */

typedef struct reenter_cx {
    cli_fx *cx;
    size_t calls;
    int worst; /* the first result other than RSVD_E_BUSY */
} reenter_cx;

static reenter_cx g_re; /* the callbacks of cli_fx have no room for more */

static void busy(int rc)
{
    g_re.calls++;
    if (rc != RSVD_E_BUSY && g_re.worst == RSVD_E_BUSY)
        g_re.worst = rc;
}

static void try_everything(rsvd_res_client *cli, uint64_t open)
{
    cli_fx *cx = g_re.cx;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_300);
    uint8_t buf[1024];
    uint64_t h;
    size_t n;
    rsvd_res_client_msg m;
    rsvd_res_client_done d;
    rsvd_res_client_open_params op = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
    const rsvd_smb2_lock_element e = cx_element(0);
    memset(buf, 0, sizeof buf);
    busy(rsvd_res_client_conn_add(cli, &p, &h));
    busy(rsvd_res_client_conn_take_message_ids(cli, cx->conn, 1, &h));
    busy(rsvd_res_client_conn_grant_credits(cli, cx->conn, 1));
    busy(rsvd_res_client_session_add(cli, cx->conn, 9, &h));
    busy(rsvd_res_client_session_bind(cli, cx->sess, cx->conn));
    busy(rsvd_res_client_session_remove(cli, cx->sess));
    busy(rsvd_res_client_tree_add(cli, cx->sess, CLI_TREE(9), &h));
    busy(rsvd_res_client_tree_remove(cli, cx->tree));
    busy(rsvd_res_client_open_add(cli, cx->tree, &op, &h));
    busy(rsvd_res_client_open_close(cli, open));
    busy(rsvd_res_client_request_resiliency(cli, open, 1, NULL, buf, sizeof buf, &m));
    busy(rsvd_res_client_lock(cli, open, &e, 1, NULL, buf, sizeof buf, &m));
    busy(rsvd_res_client_on_response(cli, cx->conn, buf, 64, cx->now, &d));
    busy(rsvd_res_client_on_disconnect(cli, cx->conn, cx->now));
    busy(rsvd_res_client_reconnect_create(cli, open, cx->tree, cx->now, NULL, 0, buf, sizeof buf,
                                          &m));
    busy(rsvd_res_client_resend_next(cli, open, buf, sizeof buf, &m));
    rsvd_res_client_create_params cp = RSVD_STRUCT_INIT(rsvd_res_client_create_params);
    busy(rsvd_res_client_create(cli, cx->tree, &cp, NULL, buf, sizeof buf, &m, &h));
    busy(rsvd_res_client_replay_request(cli, cx->sess, 0, 0, buf, 64, &m));
    busy(rsvd_res_client_handle_expiry(cli, cx->now, &n));
}

static void on_failed_reenter(rsvd_res_client *cli, const rsvd_res_client_done *d, void *ud)
{
    (void)ud;
    try_everything(cli, d->open);
}

static void on_lost_reenter(rsvd_res_client *cli, uint64_t open, void *open_ud,
                            rsvd_res_lost_reason r, void *ud)
{
    (void)open_ud;
    (void)r;
    (void)ud;
    try_everything(cli, open);
}

static void every_state_change_is_busy_inside_the_callbacks(void **state)
{
    (void)state;
    cli_fx cx;
    memset(&cx, 0, sizeof cx);
    cx.now = 5000000;
    g_re.cx = &cx;
    g_re.calls = 0;
    g_re.worst = RSVD_E_BUSY;
    const rsvd_res_client_callbacks cb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                          .request_failed = on_failed_reenter,
                                          .open_lost = on_lost_reenter};
    assert_int_equal(rsvd_res_client_new(NULL, &cb, NULL, &cx.cli), RSVD_OK);
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_210);
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &cx.conn), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx.cli, cx.conn, 0x11, &cx.sess), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(cx.cli, cx.sess, CLI_TREE(5), &cx.tree), RSVD_OK);
    rsvd_res_client_open_params op = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
    op.file_id.persistent_id = CX_PERSISTENT;
    op.file_id.volatile_id = CX_VOLATILE;
    assert_int_equal(rsvd_res_client_open_add(cx.cli, cx.tree, &op, &cx.open), RSVD_OK);
    /* A resiliency request in flight, then the connection goes: the request
     * fails (request_failed) and the non-durable open is lost (open_lost). */
    uint8_t buf[512];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, buf,
                                                        sizeof buf, &m),
                     RSVD_OK);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_int_equal(g_re.calls, 2 * 19);
    assert_int_equal(g_re.worst, RSVD_E_BUSY);
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    assert_int_equal(rsvd_res_client_open_info_get(cx.cli, cx.open, &info), RSVD_E_NOENT);
    rsvd_res_client_free(cx.cli);
}

/* ---- the end of the clock -------------------------------------------------------- */

static void a_deadline_past_the_end_of_the_clock_saturates(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 30000);
    cx.now = UINT64_MAX - 5;
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_true(rsvd_res_client_next_expiry(cx.cli) == UINT64_MAX);
    size_t lost = 9;
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, UINT64_MAX - 1, &lost), RSVD_OK);
    assert_int_equal(lost, 0);
    assert_int_equal(rsvd_res_client_handle_expiry(cx.cli, UINT64_MAX, &lost), RSVD_OK);
    assert_int_equal(lost, 1);
    assert_int_equal(cx.n_lost, 1);
    assert_int_equal(cx.lost[0].reason, RSVD_RES_LOST_TIMEOUT);
    cx_fini(&cx);
}

/* ---- allocation failures ----------------------------------------------------------- */

/* Registration, an open and one request of each kind, with allocation
 * number k failing: each call succeeds or fails with RSVD_E_NOMEM, and
 * nothing is left behind; k runs until a run meets no failure. */
static void calls_survive_every_failed_allocation(void **state)
{
    (void)state;
    size_t nomem = 0;
    bool clean_run = false;
    for (size_t k = 1; k < 48 && !clean_run; k++) {
        fa_alloc m;
        fa_init(&m);
        fa_fail_nth(&m, k);
        rsvd_res_client_config cfg = RSVD_STRUCT_INIT(rsvd_res_client_config);
        cfg.mem = &m.mem;
        const rsvd_res_client_callbacks cb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                              .request_failed = on_failed_nop,
                                              .open_lost = on_lost_nop};
        rsvd_res_client *c = NULL;
        int rc = rsvd_res_client_new(&cfg, &cb, NULL, &c);
        if (rc != RSVD_OK) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            assert_int_equal(m.live, 0);
            nomem++;
            continue;
        }
        rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_300);
        uint64_t conn = 0, conn2 = 0, sess = 0, tree = 0, open = 0;
        rsvd_res_client_open_params op = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
        op.name = cx_name;
        op.name_len = sizeof cx_name;
        uint8_t buf[1024];
        rsvd_res_client_msg msg;
        const rsvd_smb2_lock_element e = cx_element(0);
        rc = rsvd_res_client_conn_add(c, &p, &conn);
        if (rc == RSVD_OK)
            rc = rsvd_res_client_session_add(c, conn, 0x11, &sess);
        if (rc == RSVD_OK)
            rc = rsvd_res_client_conn_add(c, &p, &conn2);
        if (rc == RSVD_OK)
            rc = rsvd_res_client_session_bind(c, sess, conn2);
        if (rc == RSVD_OK)
            rc = rsvd_res_client_tree_add(c, sess, CLI_TREE(5), &tree);
        if (rc == RSVD_OK)
            rc = rsvd_res_client_open_add(c, tree, &op, &open);
        if (rc == RSVD_OK)
            rc = rsvd_res_client_request_resiliency(c, open, 1000, NULL, buf, sizeof buf, &msg);
        if (rc == RSVD_OK)
            rc = rsvd_res_client_lock(c, open, &e, 1, NULL, buf, sizeof buf, &msg);
        assert_true(rc == RSVD_OK || rc == RSVD_E_NOMEM);
        if (rc == RSVD_E_NOMEM) {
            assert_true(m.calls == k);
            nomem++;
        }
        clean_run = m.failed == 0;
        if (clean_run)
            assert_int_equal(rc, RSVD_OK);
        rsvd_res_client_free(c);
        assert_int_equal(m.live, 0);
    }
    assert_true(nomem > 0);
    assert_true(clean_run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(client_new_needs_out_both_callbacks_and_known_options),
        cmocka_unit_test(connections_reject_bad_parameters),
        cmocka_unit_test(credits_beyond_uint16_are_capped_at_conn_add),
        cmocka_unit_test(sessions_and_trees_reject_bad_parameters),
        cmocka_unit_test(tree_and_session_are_removed_only_when_empty),
        cmocka_unit_test(tree_targeted_by_a_reconnect_is_kept),
        cmocka_unit_test(reconnect_answer_after_its_connection_is_lost_is_not_matched),
        cmocka_unit_test(opens_reject_bad_parameters),
        cmocka_unit_test(requests_reject_missing_arguments),
        cmocka_unit_test(reconnect_needs_a_live_tree_and_no_attempt_in_flight),
        cmocka_unit_test(inspection_rejects_missing_arguments),
        cmocka_unit_test(every_state_change_is_busy_inside_the_callbacks),
        cmocka_unit_test(a_deadline_past_the_end_of_the_clock_saturates),
        cmocka_unit_test(calls_survive_every_failed_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
