/*
 * Server: the Resilient Open Scavenger Timer ([MS-SMB2] 3.3.6.4, 3.3.2.4)
 * driven by next_expiry() / handle_expiry(now) on a fake clock.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "fail_alloc.h"
#include "resilient/server_int.h"
#include "res_fixture.h"

/* Every reason the library closes an open with has a name. */
static void close_reasons_have_names(void **state)
{
    (void)state;
    assert_string_equal(rsvd_res_close_reason_name(RSVD_RES_CLOSE_EXPIRED), "EXPIRED");
    assert_string_equal(rsvd_res_close_reason_name(RSVD_RES_CLOSE_DISCONNECT), "DISCONNECT");
    assert_string_equal(rsvd_res_close_reason_name(RSVD_RES_CLOSE_LOGOFF), "LOGOFF");
    assert_string_equal(rsvd_res_close_reason_name(RSVD_RES_CLOSE_PREVIOUS_SESSION),
                        "PREVIOUS_SESSION");
    assert_string_equal(rsvd_res_close_reason_name(RSVD_RES_CLOSE_TREE_DISCONNECT),
                        "TREE_DISCONNECT");
    assert_string_equal(rsvd_res_close_reason_name(RSVD_RES_CLOSE_SESSION_CLOSED),
                        "SESSION_CLOSED");
    assert_string_equal(rsvd_res_close_reason_name(RSVD_RES_CLOSE_RESOURCES), "RESOURCES");
    assert_string_equal(rsvd_res_close_reason_name(RSVD_RES_CLOSE_SHUTDOWN), "SHUTDOWN");
    assert_string_equal(rsvd_res_close_reason_name(0), "?");
    assert_string_equal(rsvd_res_close_reason_name(RSVD_RES_CLOSE_APP_INSTANCE), "APP_INSTANCE");
    assert_string_equal(rsvd_res_close_reason_name(RSVD_RES_CLOSE_DURABILITY_LOST),
                        "DURABILITY_LOST");
    assert_string_equal(rsvd_res_close_reason_name(11), "?");
}

static void nothing_pending_means_no_expiry(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 1000);
    /* Attached resilient opens have no deadline. */
    assert_true(rsvd_res_server_next_expiry(fx.srv) == UINT64_MAX);
    size_t n = 99;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, UINT64_MAX, &n), RSVD_OK);
    assert_int_equal(n, 0);
    assert_true(fx_exists(&fx, &fid));
    fx_fini(&fx);
}

static void detached_open_lives_through_its_deadline_and_closes_after(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 1000);
    uint64_t t0 = fx.now;
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, t0), RSVD_OK);
    uint64_t deadline = t0 + 1000;
    assert_true(rsvd_res_server_next_expiry(fx.srv) == deadline + 1);
    size_t n = 99;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, deadline - 1, &n), RSVD_OK);
    assert_int_equal(n, 0);
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, deadline, &n), RSVD_OK);
    assert_int_equal(n, 0); /* "earlier than the current time": not yet */
    assert_true(fx_exists(&fx, &fid));
    fx.now = deadline + 1;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, fx.now, &n), RSVD_OK);
    assert_int_equal(n, 1);
    assert_int_equal(fx.n_closed, 1);
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_EXPIRED);
    assert_true(fx.closed[0].c.file_id.persistent_id == fid.persistent_id);
    assert_true(fx.closed[0].c.file_id.volatile_id == 0);
    assert_false(fx_exists(&fx, &fid));
    assert_true(rsvd_res_server_next_expiry(fx.srv) == UINT64_MAX);
    fx_fini(&fx);
}

static void expiry_closes_earliest_deadlines_first(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    const uint32_t timeouts[4] = {4000, 1000, 3000, 2000};
    rsvd_smb2_fileid f[4];
    for (int i = 0; i < 4; i++) {
        f[i] = fx_open(&fx);
        fx_make_resilient(&fx, &f[i], timeouts[i]);
    }
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    uint64_t t0 = fx.now;
    size_t n;
    fx.now = t0 + 2500;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, fx.now, &n), RSVD_OK);
    assert_int_equal(n, 2);
    assert_true(fx.closed[0].c.file_id.persistent_id == f[1].persistent_id);
    assert_true(fx.closed[1].c.file_id.persistent_id == f[3].persistent_id);
    assert_true(rsvd_res_server_next_expiry(fx.srv) == t0 + 3000 + 1);
    fx.now = t0 + 10000;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, fx.now, &n), RSVD_OK);
    assert_int_equal(n, 2);
    assert_true(fx.closed[2].c.file_id.persistent_id == f[2].persistent_id);
    assert_true(fx.closed[3].c.file_id.persistent_id == f[0].persistent_id);
    fx_fini(&fx);
}

static void reconnected_open_is_never_closed_by_its_old_deadline(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 1000);
    uint64_t deadline = fx.now + 1000;
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    fx.now += 500;
    fx_sess again = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_alice, sizeof fx_alice, 0x12, 7);
    rsvd_res_reconnect_result r = fx_reconnect(&fx, &again, &fid, FX_CC_DHNC);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_true(rsvd_res_server_next_expiry(fx.srv) == UINT64_MAX);
    size_t n = 99;
    fx.now = deadline + 100000;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, fx.now, &n), RSVD_OK);
    assert_int_equal(n, 0);
    assert_int_equal(fx.n_closed, 0);
    assert_int_equal(fx_info(&fx, &r.file_id).state, RSVD_RES_OPEN_ATTACHED);
    fx_fini(&fx);
}

static void detached_again_gets_a_new_deadline(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 1000);
    uint64_t t0 = fx.now;
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, t0), RSVD_OK);
    fx.now = t0 + 900;
    fx_sess again = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_alice, sizeof fx_alice, 0x12, 7);
    assert_int_equal(fx_reconnect(&fx, &again, &fid, FX_CC_DHNC).status, RSVD_STATUS_SUCCESS);
    uint64_t t1 = t0 + 950;
    assert_int_equal(rsvd_res_server_logoff(fx.srv, again.ctx.session, t1), RSVD_OK);
    assert_true(fx_info(&fx, &fid).deadline_ms == t1 + 1000);
    assert_true(rsvd_res_server_next_expiry(fx.srv) == t1 + 1000 + 1);
    size_t n;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, t0 + 1001, &n), RSVD_OK);
    assert_int_equal(n, 0); /* the first deadline no longer counts */
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, t1 + 1001, &n), RSVD_OK);
    assert_int_equal(n, 1);
    fx_fini(&fx);
}

static void hundred_thousand_detached_opens_expire_in_order_each_one_heap_removal(void **state)
{
    (void)state;
    enum { N = 100000 };
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_opens = N;
    cfg.max_opens_per_session = N;
    cfg.max_detached = N;
    srv_fx fx;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid *fids = malloc(N * sizeof *fids);
    uint32_t *timeouts = malloc(N * sizeof *timeouts);
    assert_non_null(fids);
    assert_non_null(timeouts);
    uint64_t seed = 7;
    for (size_t i = 0; i < N; i++) {
        fids[i] = fx_open(&fx);
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        /* Timeouts from 1 ms to 300 s, in no particular order. */
        uint32_t timeout = (uint32_t)(seed >> 33) % 300000u + 1u;
        timeouts[i] = timeout;
        assert_true((uint32_t)fids[i].persistent_id == i + 1); /* slot i */
        uint8_t req[256], rsp[256];
        size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, i, &fids[i], timeout, req,
                                     sizeof req);
        size_t rn;
        uint32_t st;
        assert_int_equal(rsvd_res_server_ioctl(fx.srv, &fx.main.ctx, req, n, rsp, sizeof rsp,
                                               &rn, &st),
                         RSVD_OK);
        assert_int_equal(st, RSVD_STATUS_SUCCESS);
    }
    uint64_t t0 = fx.now;
    uint64_t ops0 = res_server_heap_ops(fx.srv);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, t0), RSVD_OK);
    fx_check(&fx);
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.detached, N);
    /* Walk the clock forward in steps; every expiry closes only opens past
     * their deadline, in deadline order. */
    size_t total = 0;
    uint64_t last_deadline = 0;
    fx.n_closed_total = 0;
    while (rsvd_res_server_next_expiry(fx.srv) != UINT64_MAX) {
        uint64_t next = rsvd_res_server_next_expiry(fx.srv);
        assert_true(next > last_deadline);
        fx.now = next + 997; /* a host that wakes a little late */
        size_t before_total = fx.n_closed_total;
        size_t n = 0;
        fx.n_closed = 0;
        assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, fx.now, &n), RSVD_OK);
        assert_true(n >= 1);
        assert_int_equal(fx.n_closed_total - before_total, n);
        for (size_t i = 0; i < fx.n_closed; i++) {
            assert_int_equal(fx.closed[i].c.reason, RSVD_RES_CLOSE_EXPIRED);
            size_t idx = (uint32_t)fx.closed[i].c.file_id.persistent_id - 1u;
            uint64_t deadline = t0 + timeouts[idx];
            assert_true(deadline < fx.now);    /* past its deadline */
            assert_true(deadline + 1 >= next); /* and not due at the previous call */
        }
        /* Nothing left that is due. */
        assert_true(rsvd_res_server_next_expiry(fx.srv) > fx.now);
        last_deadline = next - 1;
        total += n;
    }
    assert_int_equal(total, N);
    /* One push per detach and one removal per expiry: each O(log n). */
    assert_true(res_server_heap_ops(fx.srv) - ops0 == 2u * N);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.opens, 0);
    free(fids);
    free(timeouts);
    fx_fini(&fx);
}

/* Thousands due at once: the scavenger takes them from the heap in one
 * pass and frees their blocks in address order. Exactly those past their
 * deadline close, one heap removal each, the others stay with theirs - also
 * when the pass's scratch space cannot be allocated (one pop each) or only
 * the address sort's cannot (freed in deadline order). */
static void many_due_at_once_close_exactly_the_expired(void **state)
{
    (void)state;
    enum { N = 4000 };
    for (int failing = 0; failing < 3; failing++) {
        fa_alloc fa;
        fa_init(&fa);
        rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
        cfg.mem = &fa.mem;
        cfg.max_opens = N;
        cfg.max_opens_per_session = N;
        cfg.max_detached = N;
        srv_fx fx;
        fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_210);
        size_t expected = 0;
        for (size_t i = 0; i < N; i++) {
            rsvd_smb2_fileid fid = fx_open(&fx);
            uint32_t timeout = 1u + (uint32_t)(i * 7919u % 1000u); /* four opens each */
            fx_make_resilient(&fx, &fid, timeout);
            expected += timeout < 500;
        }
        uint64_t t0 = fx.now;
        assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, t0), RSVD_OK);
        uint64_t ops0 = res_server_heap_ops(fx.srv);
        if (failing == 1)
            fa_fail_all(&fa);
        else if (failing == 2)
            fa_fail_nth(&fa, 2); /* the pass's scratch works, the sort's does not */
        fx.n_closed_total = 0;
        size_t n = 0;
        assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, t0 + 500, &n), RSVD_OK);
        fa_heal(&fa);
        assert_int_equal(n, expected);
        assert_int_equal(fx.n_closed_total, expected);
        assert_true(rsvd_res_server_next_expiry(fx.srv) == t0 + 500 + 1);
        assert_true(res_server_heap_ops(fx.srv) - ops0 == expected);
        fx_check(&fx);
        rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
        rsvd_res_server_get_stats(fx.srv, &st);
        assert_int_equal(st.detached, N - expected);
        assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, UINT64_MAX, &n), RSVD_OK);
        assert_int_equal(n, N - expected);
        fx_fini(&fx);
        assert_int_equal(fa.live, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(close_reasons_have_names),
        cmocka_unit_test(nothing_pending_means_no_expiry),
        cmocka_unit_test(detached_open_lives_through_its_deadline_and_closes_after),
        cmocka_unit_test(expiry_closes_earliest_deadlines_first),
        cmocka_unit_test(reconnected_open_is_never_closed_by_its_old_deadline),
        cmocka_unit_test(detached_again_gets_a_new_deadline),
        cmocka_unit_test(hundred_thousand_detached_opens_expire_in_order_each_one_heap_removal),
        cmocka_unit_test(many_due_at_once_close_exactly_the_expired),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
