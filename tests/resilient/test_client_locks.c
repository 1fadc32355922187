/*
 * Client: LOCK and unlock requests with the lock-sequence buckets
 * ([MS-SMB2] 3.2.4.19, 3.2.4.21, 3.2.5.13).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "../wire/smb2_test.h"
#include "res_fixture.h"

/* Sends one lock element; returns the request's LockSequence. */
static uint32_t lock_one(cli_fx *cx, uint64_t offset, uint8_t *req, rsvd_res_client_msg *m)
{
    rsvd_smb2_lock_element e = cx_element(offset);
    assert_int_equal(rsvd_res_client_lock(cx->cli, cx->open, &e, 1, NULL, req, 256, m), RSVD_OK);
    rsvd_smb2_lock_req q;
    assert_int_equal(rsvd_smb2_lock_req_decode(req, m->len, &q), RSVD_OK);
    return q.lock_sequence;
}

static uint32_t answer_lock(cli_fx *cx, const uint8_t *req, const rsvd_res_client_msg *m,
                            uint32_t status)
{
    uint8_t rsp[256];
    size_t rn = status == RSVD_STATUS_SUCCESS
                    ? cx_rsp_lock(req, m->len, 1, rsp, sizeof rsp)
                    : cx_rsp_error(req, m->len, status, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx->cli, m->conn, rsp, rn, cx->now, &d), RSVD_OK);
    assert_int_equal(d.kind, RSVD_RES_REQ_LOCK);
    return d.status;
}

static void bucket(cli_fx *cx, uint32_t index, bool *free_, uint8_t *seq)
{
    assert_int_equal(rsvd_res_client_bucket(cx->cli, cx->open, index, free_, seq), RSVD_OK);
}

static void resilient_open_takes_the_lowest_free_bucket(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 60000);
    uint8_t r1[256], r2[256];
    rsvd_res_client_msg m1, m2;
    /* LockSequenceIndex 1, LockSequenceNumber 0: (1 << 4) | 0. */
    assert_int_equal(lock_one(&cx, 0, r1, &m1), 0x10);
    assert_int_equal(lock_one(&cx, 0x1000, r2, &m2), 0x20);
    bool f;
    uint8_t s;
    bucket(&cx, 1, &f, &s);
    assert_false(f);
    bucket(&cx, 3, &f, &s);
    assert_true(f);
    /* Bucket 1 comes back free with SequenceNumber 1; the next lock takes it. */
    assert_int_equal(answer_lock(&cx, r1, &m1, RSVD_STATUS_SUCCESS), RSVD_STATUS_SUCCESS);
    bucket(&cx, 1, &f, &s);
    assert_true(f);
    assert_int_equal(s, 1);
    assert_int_equal(lock_one(&cx, 0x2000, r1, &m1), 0x11);
    cx_fini(&cx);
}

static void non_resilient_open_sends_lock_sequence_0(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    uint8_t r[256];
    rsvd_res_client_msg m;
    assert_int_equal(lock_one(&cx, 0, r, &m), 0);
    bool f;
    uint8_t s;
    for (uint32_t i = 1; i <= 64; i++) {
        bucket(&cx, i, &f, &s);
        assert_true(f);
    }
    assert_int_equal(answer_lock(&cx, r, &m, RSVD_STATUS_SUCCESS), RSVD_STATUS_SUCCESS);
    bucket(&cx, 1, &f, &s);
    assert_int_equal(s, 0); /* untouched */
    cx_fini(&cx);
}

static void multi_channel_connection_uses_buckets(void **state)
{
    (void)state;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_300);
    p.supports_multi_channel = true;
    cli_fx cx;
    cx_init(&cx, NULL, &p, false);
    uint8_t r[256];
    rsvd_res_client_msg m;
    assert_int_equal(lock_one(&cx, 0, r, &m), 0x10);
    cx_fini(&cx);
}

static void final_response_frees_the_bucket_and_advances_modulo_16(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 60000);
    uint8_t r[256];
    rsvd_res_client_msg m;
    for (uint32_t i = 0; i < 17; i++) {
        assert_int_equal(lock_one(&cx, 0, r, &m), 0x10u | (i & 0xFu));
        assert_int_equal(answer_lock(&cx, r, &m, RSVD_STATUS_SUCCESS), RSVD_STATUS_SUCCESS);
    }
    bool f;
    uint8_t s;
    bucket(&cx, 1, &f, &s);
    assert_true(f);
    assert_int_equal(s, 1); /* 17 mod 16 */
    cx_fini(&cx);
}

static void error_response_also_frees_and_advances_the_bucket(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 60000);
    uint8_t r[256];
    rsvd_res_client_msg m;
    (void)lock_one(&cx, 0, r, &m);
    assert_int_equal(answer_lock(&cx, r, &m, RSVD_STATUS_LOCK_NOT_GRANTED),
                     RSVD_STATUS_LOCK_NOT_GRANTED);
    bool f;
    uint8_t s;
    bucket(&cx, 1, &f, &s);
    assert_true(f);
    assert_int_equal(s, 1);
    /* A malformed LOCK response ends the request the same way. */
    (void)lock_one(&cx, 0, r, &m);
    uint8_t rsp[256];
    size_t rn = cx_rsp_lock(r, m.len, 1, rsp, sizeof rsp);
    put16(rsp, 64, 5); /* StructureSize */
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_INVALID_NETWORK_RESPONSE);
    bucket(&cx, 1, &f, &s);
    assert_true(f);
    assert_int_equal(s, 2);
    cx_fini(&cx);
}

static void interim_response_keeps_the_bucket_taken(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 60000);
    uint8_t r[256], rsp[256];
    rsvd_res_client_msg m;
    (void)lock_one(&cx, 0, r, &m);
    size_t rn = cx_rsp_error(r, m.len, RSVD_STATUS_PENDING, 0, rsp, sizeof rsp);
    put32(rsp, 16, RSVD_SMB2_FLAGS_SERVER_TO_REDIR | RSVD_SMB2_FLAGS_ASYNC_COMMAND);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_false(d.final);
    bool f;
    uint8_t s;
    bucket(&cx, 1, &f, &s);
    assert_false(f);
    assert_int_equal(answer_lock(&cx, r, &m, RSVD_STATUS_SUCCESS), RSVD_STATUS_SUCCESS);
    bucket(&cx, 1, &f, &s);
    assert_true(f);
    cx_fini(&cx);
}

static void no_free_bucket_fails_with_nothing_sent(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 60000);
    assert_int_equal(rsvd_res_client_conn_grant_credits(cx.cli, cx.conn, 100), RSVD_OK);
    uint8_t r[256];
    rsvd_res_client_msg m;
    for (uint32_t i = 1; i <= 64; i++)
        assert_int_equal(lock_one(&cx, i * 0x1000, r, &m), i << 4);
    rsvd_res_client_conn_info before = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    rsvd_res_client_conn_info after = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &before), RSVD_OK);
    memset(r, 0xEE, sizeof r);
    rsvd_smb2_lock_element e = cx_element(0);
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, r, sizeof r, &m),
                     RSVD_E_AGAIN);
    assert_int_equal(m.len, 0);
    assert_int_equal(r[0], 0xEE);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &after), RSVD_OK);
    assert_true(after.next_message_id == before.next_message_id);
    assert_int_equal(after.outstanding, before.outstanding);
    cx_fini(&cx);
}

static void several_lock_elements_get_fail_immediately(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    rsvd_smb2_lock_element e[3] = {cx_element(0), cx_element(0x1000), cx_element(0x2000)};
    e[1].flags = RSVD_SMB2_LOCKFLAG_SHARED_LOCK;
    uint8_t r[256];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, e, 3, NULL, r, sizeof r, &m), RSVD_OK);
    rsvd_smb2_lock_req q;
    assert_int_equal(rsvd_smb2_lock_req_decode(r, m.len, &q), RSVD_OK);
    assert_int_equal(q.lock_count, 3);
    assert_true(q.file_id.persistent_id == CX_PERSISTENT && q.file_id.volatile_id == CX_VOLATILE);
    assert_true(q.hdr.session_id == 0x11);
    assert_int_equal(q.hdr.tree_id, 5);
    for (uint32_t i = 0; i < 3; i++) {
        rsvd_smb2_lock_element got;
        assert_int_equal(rsvd_smb2_lock_element_get(&q, i, &got), RSVD_OK);
        assert_true(got.offset == e[i].offset && got.length == e[i].length);
        assert_int_equal(got.flags, e[i].flags | RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY);
    }
    /* One element is sent as given. */
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, e, 1, NULL, r, sizeof r, &m), RSVD_OK);
    assert_int_equal(rsvd_smb2_lock_req_decode(r, m.len, &q), RSVD_OK);
    rsvd_smb2_lock_element got;
    assert_int_equal(rsvd_smb2_lock_element_get(&q, 0, &got), RSVD_OK);
    assert_int_equal(got.flags, RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK);
    cx_fini(&cx);
}

static void unlock_uses_a_bucket_too(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 60000);
    rsvd_smb2_lock_element e[2] = {{0, 0x100, RSVD_SMB2_LOCKFLAG_UNLOCK},
                                   {0x1000, 0x100, RSVD_SMB2_LOCKFLAG_UNLOCK}};
    uint8_t r[256];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, e, 2, NULL, r, sizeof r, &m), RSVD_OK);
    rsvd_smb2_lock_req q;
    assert_int_equal(rsvd_smb2_lock_req_decode(r, m.len, &q), RSVD_OK);
    assert_int_equal(q.lock_sequence, 0x10);
    rsvd_smb2_lock_element got;
    assert_int_equal(rsvd_smb2_lock_element_get(&q, 1, &got), RSVD_OK);
    assert_int_equal(got.flags, RSVD_SMB2_LOCKFLAG_UNLOCK); /* no FAIL_IMMEDIATELY on unlocks */
    cx_fini(&cx);
}

static void invalid_or_mixed_elements_are_refused(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    cx_make_resilient(&cx, 60000);
    uint8_t r[256];
    rsvd_res_client_msg m;
    rsvd_smb2_lock_element mixed[2] = {cx_element(0), {0x1000, 1, RSVD_SMB2_LOCKFLAG_UNLOCK}};
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, mixed, 2, NULL, r, sizeof r, &m),
                     RSVD_E_INVAL);
    const uint32_t bad[] = {0,
                            RSVD_SMB2_LOCKFLAG_SHARED_LOCK | RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK,
                            RSVD_SMB2_LOCKFLAG_UNLOCK | RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY,
                            RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY, 0x8};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rsvd_smb2_lock_element e = {0, 1, bad[i]};
        assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, r, sizeof r, &m),
                         RSVD_E_INVAL);
    }
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, mixed, 0, NULL, r, sizeof r, &m),
                     RSVD_E_INVAL);
    bool f;
    uint8_t s;
    bucket(&cx, 1, &f, &s);
    assert_true(f); /* nothing taken */
    cx_fini(&cx);
}

static void lock_on_unknown_open_or_without_connection_fails(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, true);
    rsvd_smb2_lock_element e = cx_element(0);
    uint8_t r[256];
    rsvd_res_client_msg m;
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open + 7, &e, 1, NULL, r, sizeof r, &m),
                     RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, r, sizeof r, &m),
                     RSVD_E_AGAIN);
    assert_int_equal(m.len, 0);
    cx_fini(&cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resilient_open_takes_the_lowest_free_bucket),
        cmocka_unit_test(non_resilient_open_sends_lock_sequence_0),
        cmocka_unit_test(multi_channel_connection_uses_buckets),
        cmocka_unit_test(final_response_frees_the_bucket_and_advances_modulo_16),
        cmocka_unit_test(error_response_also_frees_and_advances_the_bucket),
        cmocka_unit_test(interim_response_keeps_the_bucket_taken),
        cmocka_unit_test(no_free_bucket_fails_with_nothing_sent),
        cmocka_unit_test(several_lock_elements_get_fail_immediately),
        cmocka_unit_test(unlock_uses_a_bucket_too),
        cmocka_unit_test(invalid_or_mixed_elements_are_refused),
        cmocka_unit_test(lock_on_unknown_open_or_without_connection_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
