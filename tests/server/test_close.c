/*
 * [MS-RSVD] 3.2.5.2 Receiving a Close Request, with requests in flight on
 * the open, completions in every order, and reply callbacks that call back
 * into the server.
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

static fx_reply *close_now(fx *f, uint64_t lo, uintptr_t cookie)
{
    size_t before = f->nreplies;
    assert_int_equal(rsvd_server_close(f->srv, lo, (void *)cookie), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    fx_reply *r = fx_last(f);
    assert_int_equal(r->r.command, RSVD_SMB2_CLOSE);
    assert_int_equal((uintptr_t)r->r.cookie, cookie);
    return r;
}

/* Index of the reply with @p cookie in the order of delivery. */
static size_t reply_pos(const fx *f, uintptr_t cookie)
{
    for (size_t i = 0; i < f->nreplies; i++)
        if ((uintptr_t)f->replies[i].r.cookie == cookie)
            return i;
    fail_msg("no reply with cookie %zu", (size_t)cookie);
    return 0;
}

/* ---- the rules --------------------------------------------------------------------------- */

static void close_of_an_unknown_open_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    assert_int_equal(close_now(f, 42, 1)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(close_now(f, lo, 2)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(close_now(f, lo, 3)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CLOSE), 1);
    assert_int_equal(rsvd_server_close(NULL, lo, NULL), RSVD_E_INVAL);
    fx_free(f);
}

static void close_closes_the_backend_open_and_returns_success(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t a = fx_open_scsi(f, "a.vhdx", true);
    uint64_t b = fx_open_store(f, "b.vhdx");
    assert_int_equal(f->fb.open_handles, 2);
    assert_int_equal(close_now(f, a, 1)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(close_now(f, b, 2)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(f->fb.open_handles, 0);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CLOSE), 1);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_CLOSE), 1);
    /* PendingDelete is FALSE for every version-1 open: nothing is deleted. */
    assert_false(f->fb.calls[fb_last(&f->fb, FB_DISK, FB_CLOSE)].delete_file);
    assert_false(f->fb.calls[fb_last(&f->fb, FB_STORE, FB_CLOSE)].delete_file);
    assert_int_equal(rsvd_server_open_count(f->srv), 0);
    fx_free(f);
}

static void close_returns_the_backend_error_and_the_open_is_gone(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    fb_outcome o = fb_fail(RSVD_STATUS_IO_DEVICE_ERROR);
    fb_push(&f->fb, FB_STORE, FB_CLOSE, &o);
    assert_int_equal(close_now(f, lo, 1)->r.status, RSVD_STATUS_IO_DEVICE_ERROR);
    assert_int_equal(rsvd_server_open_count(f->srv), 0);
    uint8_t buf[8];
    fx_read(f, lo, 0, buf, sizeof buf, 2);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    fx_free(f);
}

static void open_leaves_the_open_table_when_the_close_arrives(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome pend = fb_pend(fb_ok());
    fb_push(&f->fb, FB_DISK, FB_CLOSE, &pend);
    assert_int_equal(rsvd_server_close(f->srv, lo, (void *)(uintptr_t)9), RSVD_OK);
    assert_int_equal(fx_replies_for(f, 9), 0); /* waits for the backend */
    /* Requests naming the open now get their sections' not-found status. */
    uint8_t buf[8];
    fx_read(f, lo, 0, buf, sizeof buf, 1);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    fx_tunnel(f, lo, RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, 1, NULL, 0, 16, NULL, 2);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(close_now(f, lo, 3)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    rsvd_server_create_req re = {lo, NULL, 0, 0, NULL, 0, NULL, 0};
    assert_int_equal(rsvd_server_create(f->srv, &re, (void *)(uintptr_t)4), RSVD_OK);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_INVALID_HANDLE);
    /* Its name is free. */
    fx_open_store(f, "d.vhdx");
    assert_int_equal(fb_complete(&f->fb, fb_last(&f->fb, FB_DISK, FB_CLOSE)), RSVD_OK);
    assert_int_equal(fx_reply_for(f, 9)->r.status, RSVD_STATUS_SUCCESS);
    fx_free(f);
}

/* ---- requests in flight --------------------------------------------------------------------- */

/* Three writes pending, a CLOSE, then the writes complete in the order
 * given: every write gets its reply, the backend close is issued only after
 * the last of them, and the CLOSE reply comes last. */
static void close_after_writes_completing_in_order(const size_t order[3])
{
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome pend = fb_pend(fb_ok());
    size_t call[3];
    for (uintptr_t i = 0; i < 3; i++) {
        fb_push(&f->fb, FB_DISK, FB_WRITE, &pend);
        fx_write(f, lo, i * 512, 512, i, 10 + i);
        call[i] = fb_last(&f->fb, FB_DISK, FB_WRITE);
    }
    assert_int_equal(rsvd_server_close(f->srv, lo, (void *)(uintptr_t)99), RSVD_OK);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CLOSE), 0);
        assert_int_equal(fx_replies_for(f, 99), 0);
        fb_outcome o = fb_ok();
        if (order[k] == 1) /* one of them fails and stores sense on the closing open */
            o = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_CHECK_CONDITION, true, NULL, 0);
        assert_int_equal(fb_complete_with(&f->fb, call[order[k]], &o), RSVD_OK);
    }
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CLOSE), 1);
    for (uintptr_t i = 0; i < 3; i++) {
        assert_int_equal(fx_replies_for(f, 10 + i), 1);
        assert_int_equal(fx_reply_for(f, 10 + i)->r.status,
                         i == 1 ? (RSVD_STATUS_SVHDX_ERROR_STORED | 1u) : RSVD_STATUS_SUCCESS);
        assert_true(reply_pos(f, 10 + i) < reply_pos(f, 99));
    }
    for (int k = 0; k < 2; k++)
        assert_true(reply_pos(f, 10 + order[k]) < reply_pos(f, 10 + order[k + 1]));
    assert_int_equal(fx_reply_for(f, 99)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_server_open_count(f->srv), 0);
    fx_assert_no_violation(f);
    fx_free(f);
}

static void close_with_requests_in_flight_waits_for_them_in_every_completion_order(void **state)
{
    (void)state;
    const size_t orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int i = 0; i < 6; i++)
        close_after_writes_completing_in_order(orders[i]);
}

static void close_waits_for_a_mix_of_pending_operations(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome pend = fb_pend(fb_ok());
    pend.fill_pattern = true;
    for (int op = FB_READ; op <= FB_VALIDATE; op++)
        fb_set_default(&f->fb, FB_DISK, (fb_op)op, &pend);
    uint8_t buf[64], out[4][128];
    fx_read(f, lo, 0, buf, sizeof buf, 1);
    fx_tunnel(f, lo, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 1, NULL, 0, 128, out[0], 2);
    fx_tunnel(f, lo, RSVD_TUNNEL_VALIDATE_DISK_OPERATION, 1, NULL, 0, 128, out[1], 3);
    const uint8_t tur[36] = {36, 0, 0, 0, 6, 20, RSVD_SCSI_NO_DATA};
    fx_tunnel(f, lo, RSVD_TUNNEL_SCSI_OPERATION, 1, tur, sizeof tur, 128, out[2], 4);
    assert_int_equal(rsvd_server_requests_in_flight(f->srv), 4);
    assert_int_equal(rsvd_server_close(f->srv, lo, (void *)(uintptr_t)5), RSVD_OK);
    /* the newest first */
    size_t i;
    while ((i = fb_nth_pending(&f->fb, 0)) != (size_t)-1) {
        size_t last = i, j;
        for (size_t n = 1; (j = fb_nth_pending(&f->fb, n)) != (size_t)-1; n++)
            last = j;
        assert_int_equal(fx_replies_for(f, 5), 0);
        assert_int_equal(fb_complete(&f->fb, last), RSVD_OK);
    }
    for (uintptr_t c = 1; c <= 5; c++)
        assert_int_equal(fx_replies_for(f, c), 1);
    assert_int_equal(reply_pos(f, 5), f->nreplies - 1);
    fx_free(f);
}

static void close_when_the_request_pool_is_empty_waits_for_a_free_request(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    cfg.max_requests = 1;
    fx *f = fx_new_cfg(&cfg, true, true);
    uint64_t a = fx_open_scsi(f, "a.vhdx", true);
    uint64_t b = fx_open_scsi(f, "b.vhdx", true);
    fb_outcome pend = fb_pend(fb_ok());
    fb_push(&f->fb, FB_DISK, FB_WRITE, &pend);
    fx_write(f, a, 0, 512, 1, 1); /* takes the only request */
    assert_int_equal(rsvd_server_close(f->srv, b, (void *)(uintptr_t)2), RSVD_OK);
    assert_int_equal(fx_replies_for(f, 2), 0);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CLOSE), 0);
    fb_complete(&f->fb, fb_last(&f->fb, FB_DISK, FB_WRITE));
    assert_int_equal(fx_reply_for(f, 2)->r.status, RSVD_STATUS_SUCCESS);
    assert_true(reply_pos(f, 1) < reply_pos(f, 2));
    fx_free(f);
}

/* ---- re-entrancy ------------------------------------------------------------------------------- */

static void close_in_hook(fx *f, const rsvd_server_reply *r)
{
    if (r->command == RSVD_SMB2_WRITE && (uintptr_t)r->cookie == 1) {
        uint64_t lo = *(uint64_t *)f->hook_arg;
        assert_int_equal(rsvd_server_close(f->srv, lo, (void *)(uintptr_t)50), RSVD_OK);
    }
}

static void reply_callback_may_close_the_open_of_the_reply(void **state)
{
    (void)state;
    /* A synchronous backend: the WRITE completes inside rsvd_server_write,
     * its reply closes the open, whose backend close completes at once. */
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    f->hook = close_in_hook;
    f->hook_arg = &lo;
    fx_write(f, lo, 0, 512, 0, 1);
    assert_int_equal(fx_reply_for(f, 1)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_reply_for(f, 50)->r.status, RSVD_STATUS_SUCCESS);
    assert_true(reply_pos(f, 1) < reply_pos(f, 50));
    assert_int_equal(rsvd_server_open_count(f->srv), 0);
    f->hook = NULL;
    fx_free(f);
}

static void reply_callback_may_close_the_open_while_others_are_in_flight(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome pend = fb_pend(fb_ok());
    fb_set_default(&f->fb, FB_DISK, FB_WRITE, &pend);
    fx_write(f, lo, 0, 512, 0, 1);
    fx_write(f, lo, 0, 512, 0, 2);
    size_t first = fb_nth_pending(&f->fb, 0), second = fb_nth_pending(&f->fb, 1);
    f->hook = close_in_hook;
    f->hook_arg = &lo;
    assert_int_equal(fb_complete(&f->fb, first), RSVD_OK); /* its reply closes the open */
    assert_int_equal(fx_replies_for(f, 50), 0);              /* write 2 still in flight */
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CLOSE), 0);
    assert_int_equal(fb_complete(&f->fb, second), RSVD_OK);
    assert_int_equal(fx_reply_for(f, 50)->r.status, RSVD_STATUS_SUCCESS);
    assert_true(reply_pos(f, 2) < reply_pos(f, 50));
    f->hook = NULL;
    fx_free(f);
}

static void next_in_hook(fx *f, const rsvd_server_reply *r)
{
    uintptr_t c = (uintptr_t)r->cookie;
    if (r->command == RSVD_SMB2_WRITE && c >= 100 && c < 110) {
        uint64_t lo = *(uint64_t *)f->hook_arg;
        fx_write(f, lo, 0, 512, 0, c + 1); /* completes inside this callback */
    }
}

static void reply_callback_may_issue_the_next_request(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    f->hook = next_in_hook;
    f->hook_arg = &lo;
    fx_write(f, lo, 0, 512, 0, 100);
    for (uintptr_t c = 100; c <= 110; c++)
        assert_int_equal(fx_replies_for(f, c), 1);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_WRITE), 11);
    assert_int_equal(rsvd_server_requests_in_flight(f->srv), 0);
    f->hook = NULL;
    fx_free(f);
}

static void free_in_hook(fx *f, const rsvd_server_reply *r)
{
    (void)r;
    *(int *)f->hook_arg = rsvd_server_free(f->srv);
}

static void server_free_is_refused_while_opens_requests_or_callbacks_remain(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    assert_int_equal(rsvd_server_free(NULL), RSVD_OK);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(rsvd_server_free(f->srv), RSVD_E_BUSY); /* an open */
    fb_outcome pend = fb_pend(fb_ok());
    fb_push(&f->fb, FB_DISK, FB_WRITE, &pend);
    fx_write(f, lo, 0, 512, 0, 1);
    assert_int_equal(rsvd_server_close(f->srv, lo, (void *)(uintptr_t)2), RSVD_OK);
    assert_int_equal(rsvd_server_free(f->srv), RSVD_E_BUSY); /* a request in flight */
    int rc = 12345;
    f->hook = free_in_hook;
    f->hook_arg = &rc;
    fb_complete_all(&f->fb); /* the CLOSE reply's callback tries to free */
    assert_int_equal(rc, RSVD_E_BUSY);
    f->hook = NULL;
    assert_int_equal(fx_reply_for(f, 2)->r.status, RSVD_STATUS_SUCCESS);
    fx_free(f); /* frees it for real */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(close_of_an_unknown_open_fails_invalid_parameter),
        cmocka_unit_test(close_closes_the_backend_open_and_returns_success),
        cmocka_unit_test(close_returns_the_backend_error_and_the_open_is_gone),
        cmocka_unit_test(open_leaves_the_open_table_when_the_close_arrives),
        cmocka_unit_test(close_with_requests_in_flight_waits_for_them_in_every_completion_order),
        cmocka_unit_test(close_waits_for_a_mix_of_pending_operations),
        cmocka_unit_test(close_when_the_request_pool_is_empty_waits_for_a_free_request),
        cmocka_unit_test(reply_callback_may_close_the_open_of_the_reply),
        cmocka_unit_test(reply_callback_may_close_the_open_while_others_are_in_flight),
        cmocka_unit_test(reply_callback_may_issue_the_next_request),
        cmocka_unit_test(server_free_is_refused_while_opens_requests_or_callbacks_remain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
