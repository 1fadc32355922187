/*
 * The CDP snapshot timer ([MS-RSVD] 3.2.2, 3.2.5.5.7.1) on the host's clock
 * (rsvd_server_next_expiry(), rsvd_server_handle_expiry()), and the aborts
 * of an unfinished CDP creation by the timer and by a CLOSE (3.2.5.2).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

#define VM RSVD_SVHDX_SNAPSHOT_TYPE_VM
#define CDP RSVD_SVHDX_SNAPSHOT_TYPE_CDP
#define S_INIT RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE
#define S_BLOCK RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO
#define S_SWITCH RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE
#define S_UNBLOCK RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO
#define S_FINAL RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE

static const uint32_t to_block[] = {S_INIT, S_BLOCK};
static const uint32_t switch_only[] = {S_SWITCH};
static const uint32_t unblock_on[] = {S_UNBLOCK, S_FINAL};
static const uint32_t all_stages[] = {S_INIT, S_BLOCK, S_SWITCH, S_UNBLOCK, S_FINAL};

static fx *new_server(uint32_t cdp_timeout_ms, uint32_t max_requests)
{
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 2;
    cfg.cdp_timeout_ms = cdp_timeout_ms;
    cfg.max_requests = max_requests;
    fx *f = fx_new_cfg(&cfg, true, true);
    assert_non_null(f);
    return f;
}

static void ok(fx_reply *r)
{
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
}

static size_t aborts(const fx *f)
{
    return fb_count(&f->fb, FB_DISK, FB_ABORT_SNAPSHOT);
}

/* ---- 3.2.2: the timer on the host's clock ------------------------------------------------ */

static void no_timer_runs_without_a_cdp_creation(void **state)
{
    (void)state;
    fx *f = new_server(0, 0);
    assert_int_equal(rsvd_server_next_expiry(f->srv), UINT64_MAX);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    /* A VM snapshot blocks no I/O under a timer. */
    ok(fx_snapshot(f, lo, 1, 2, VM, 0, to_block, 2));
    assert_int_equal(rsvd_server_next_expiry(f->srv), UINT64_MAX);
    /* A CDP snapshot whose one request has BlockIO and UnblockIO: none either. */
    ok(fx_snapshot(f, lo, 3, 4, CDP, 0, all_stages, 5));
    assert_int_equal(rsvd_server_next_expiry(f->srv), UINT64_MAX);
    size_t fired = 9;
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 123456, &fired), RSVD_OK);
    assert_int_equal(fired, 0);
    fx_free(f);
}

static void block_io_starts_a_700_ms_timer_on_the_hosts_clock(void **state)
{
    (void)state;
    fx *f = new_server(0, 0);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    ok(fx_snapshot(f, lo, 1, 2, CDP, 0, to_block, 2));
    /* Started inside a completion that knows no time: "now". */
    assert_int_equal(rsvd_server_next_expiry(f->srv), 0);
    size_t fired = 9;
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 5000, &fired), RSVD_OK);
    assert_int_equal(fired, 0);
    /* Deadline 5700: the client may still ask at 5700, it fires after. */
    assert_int_equal(rsvd_server_next_expiry(f->srv), 5701);
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 5700, &fired), RSVD_OK);
    assert_int_equal(fired, 0);
    assert_int_equal(aborts(f), 0);
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 5701, &fired), RSVD_OK);
    assert_int_equal(fired, 1);
    assert_int_equal(rsvd_server_next_expiry(f->srv), UINT64_MAX);
    fx_free(f);
}

static void unblock_io_in_time_stops_the_timer(void **state)
{
    (void)state;
    fx *f = new_server(0, 0);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    ok(fx_snapshot(f, lo, 1, 2, CDP, 0, to_block, 2));
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 1000, NULL), RSVD_OK);
    ok(fx_snapshot(f, lo, 1, 2, CDP, 0, switch_only, 1)); /* no UnblockIO: still running */
    assert_int_equal(rsvd_server_next_expiry(f->srv), 1701);
    ok(fx_snapshot(f, lo, 1, 2, CDP, 0, unblock_on, 2));
    assert_int_equal(rsvd_server_next_expiry(f->srv), UINT64_MAX);
    size_t fired = 9;
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 100000, &fired), RSVD_OK);
    assert_int_equal(fired, 0);
    assert_int_equal(aborts(f), 0);
    fx_free(f);
}

static void the_timer_fails_the_creation_and_later_stages_get_io_timeout(void **state)
{
    (void)state;
    fx *f = new_server(0, 0);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    ok(fx_snapshot(f, lo, 0x21, 2, CDP, 0, to_block, 2));
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 0, NULL), RSVD_OK);
    size_t fired = 0;
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 701, &fired), RSVD_OK);
    assert_int_equal(fired, 1);
    /* 3.2.2: the disk abandons the creation of that transaction. */
    assert_int_equal(aborts(f), 1);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_ABORT_SNAPSHOT)];
    assert_memory_equal(k->transaction_id.b, fx_guid(0x21).b, 16);
    /* 3.2.5.5.7.1: "fail any optional, subsequent stages ... with
     * STATUS_IO_TIMEOUT" - without asking the disk. */
    size_t creates = fb_count(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT);
    fx_reply *r = fx_snapshot(f, lo, 0x21, 2, CDP, 0, unblock_on, 2);
    assert_int_equal(r->r.status, RSVD_STATUS_IO_TIMEOUT);
    assert_int_equal(r->r.output_len, 0);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT), creates);
    /* Another transaction is not concerned. */
    ok(fx_snapshot(f, lo, 0x22, 3, CDP, 0, all_stages, 5));
    fx_free(f);
}

static void the_timeout_is_configurable(void **state)
{
    (void)state;
    fx *f = new_server(50, 0);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    ok(fx_snapshot(f, lo, 1, 2, CDP, 0, to_block, 2));
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 100, NULL), RSVD_OK);
    assert_int_equal(rsvd_server_next_expiry(f->srv), 151);
    size_t fired = 0;
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 151, &fired), RSVD_OK);
    assert_int_equal(fired, 1);
    fx_free(f);
}

static void a_timer_fired_with_the_pool_empty_aborts_when_a_request_is_free(void **state)
{
    (void)state;
    fx *f = new_server(0, 1);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    ok(fx_snapshot(f, lo, 1, 2, CDP, 0, to_block, 2));
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 0, NULL), RSVD_OK);
    /* The one request is taken by a write the disk has not finished. */
    fb_outcome pend = fb_pend(fb_ok());
    fb_push(&f->fb, FB_DISK, FB_WRITE, &pend);
    fx_write(f, lo, 0, 512, 1, 0x77);
    size_t fired = 0;
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 800, &fired), RSVD_OK);
    assert_int_equal(fired, 1);
    assert_int_equal(aborts(f), 0);
    fb_complete(&f->fb, fb_nth_pending(&f->fb, 0));
    assert_int_equal(fx_replies_for(f, 0x77), 1);
    assert_int_equal(aborts(f), 1);
    fx_free(f);
}

static void handle_expiry_refuses_a_null_server(void **state)
{
    (void)state;
    assert_int_equal(rsvd_server_handle_expiry(NULL, 1, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_server_next_expiry(NULL), UINT64_MAX);
}

/* ---- 3.2.5.2: a CLOSE aborts an unfinished CDP creation of its handle ----------------------- */

static void close_aborts_an_unfinished_cdp_creation_before_the_backend_close(void **state)
{
    (void)state;
    fx *f = new_server(0, 0);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const uint32_t init[] = {S_INIT};
    ok(fx_snapshot(f, lo, 0x31, 2, CDP, 0, init, 1));
    assert_int_equal(rsvd_server_close(f->srv, lo, (void *)0xC105E), RSVD_OK);
    assert_int_equal(fx_reply_for(f, 0xC105E)->r.status, RSVD_STATUS_SUCCESS);
    size_t a = fb_last(&f->fb, FB_DISK, FB_ABORT_SNAPSHOT);
    size_t c = fb_last(&f->fb, FB_DISK, FB_CLOSE);
    assert_true(a != (size_t)-1 && a < c);
    assert_memory_equal(f->fb.calls[a].transaction_id.b, fx_guid(0x31).b, 16);
    f->nopens = 0;
    fx_free(f);
}

static void close_during_the_timer_stops_it_and_aborts(void **state)
{
    (void)state;
    fx *f = new_server(0, 0);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    ok(fx_snapshot(f, lo, 1, 2, CDP, 0, to_block, 2));
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 0, NULL), RSVD_OK);
    assert_int_equal(rsvd_server_close(f->srv, lo, NULL), RSVD_OK);
    assert_int_equal(rsvd_server_next_expiry(f->srv), UINT64_MAX);
    assert_int_equal(aborts(f), 1);
    size_t fired = 9;
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 5000, &fired), RSVD_OK);
    assert_int_equal(fired, 0);
    assert_int_equal(aborts(f), 1);
    f->nopens = 0;
    fx_free(f);
}

static void close_aborts_nothing_after_finalize_or_for_vm_snapshots(void **state)
{
    (void)state;
    fx *f = new_server(0, 0);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    ok(fx_snapshot(f, lo, 1, 2, CDP, 0, all_stages, 5));
    const uint32_t init[] = {S_INIT};
    ok(fx_snapshot(f, lo, 3, 4, VM, 0, init, 1)); /* unfinished, but VM */
    assert_int_equal(rsvd_server_close(f->srv, lo, NULL), RSVD_OK);
    assert_int_equal(aborts(f), 0);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CLOSE), 1);
    f->nopens = 0;
    fx_free(f);
}

static void a_close_waits_for_a_pending_stage_then_aborts(void **state)
{
    (void)state;
    fx *f = new_server(0, 0);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fb_outcome pend = fb_pend(fb_ok());
    fb_push(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT, &pend);
    const uint32_t init[] = {S_INIT};
    uint8_t body[256];
    size_t n = fx_create_snapshot(body, 1, 2, CDP, 0, init, 1, true);
    fx_tunnel_ctl(f, lo, RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, RSVD_TUNNEL_META_OPERATION_START,
                  9, body, n, 64, NULL, 0x5);
    assert_int_equal(rsvd_server_close(f->srv, lo, (void *)0xC1), RSVD_OK);
    assert_int_equal(aborts(f), 0);
    fb_complete(&f->fb, fb_nth_pending(&f->fb, 0));
    assert_int_equal(fx_replies_for(f, 0x5), 1);
    assert_int_equal(aborts(f), 1);
    assert_int_equal(fx_reply_for(f, 0xC1)->r.status, RSVD_STATUS_SUCCESS);
    f->nopens = 0;
    fx_free(f);
}

/* ---- 3.2.5.5.7.1: a CDP creation failing after UnblockIO ----------------------------------- */

static void cdp_creation_failing_after_unblock_io_fails_change_tracking(void **state)
{
    (void)state;
    fx *f = new_server(0, 0);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const uint32_t first[] = {S_INIT, S_BLOCK, S_SWITCH, S_UNBLOCK};
    const uint32_t final[] = {S_FINAL};
    ok(fx_snapshot(f, lo, 1, 2, CDP, 0, first, 4));
    fb_outcome o = fb_fail(RSVD_STATUS_DISK_FULL);
    fb_push(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT, &o);
    fx_reply *r = fx_snapshot(f, lo, 1, 2, CDP, 0, final, 1);
    /* The disk's failure is the answer; the disk was told to abandon the
     * creation, which fails its change tracking (rsvd/backend.h). */
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_DISK_FULL);
    assert_int_equal(r->r.output_len, 20);
    assert_int_equal(aborts(f), 1);
    /* Nothing left for the close to abort. */
    assert_int_equal(rsvd_server_close(f->srv, lo, NULL), RSVD_OK);
    assert_int_equal(aborts(f), 1);
    f->nopens = 0;
    fx_free(f);
}

static void cdp_creation_failing_before_unblock_io_aborts_at_the_close(void **state)
{
    (void)state;
    fx *f = new_server(0, 0);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const uint32_t init[] = {S_INIT};
    const uint32_t block[] = {S_BLOCK};
    ok(fx_snapshot(f, lo, 1, 2, CDP, 0, init, 1));
    fb_outcome o = fb_fail(RSVD_STATUS_DISK_FULL);
    fb_push(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT, &o);
    assert_int_equal(fx_hdr(fx_snapshot(f, lo, 1, 2, CDP, 0, block, 1)).status,
                     RSVD_STATUS_DISK_FULL);
    assert_int_equal(aborts(f), 0);
    assert_int_equal(rsvd_server_close(f->srv, lo, NULL), RSVD_OK);
    assert_int_equal(aborts(f), 1);
    f->nopens = 0;
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_timer_runs_without_a_cdp_creation),
        cmocka_unit_test(block_io_starts_a_700_ms_timer_on_the_hosts_clock),
        cmocka_unit_test(unblock_io_in_time_stops_the_timer),
        cmocka_unit_test(the_timer_fails_the_creation_and_later_stages_get_io_timeout),
        cmocka_unit_test(the_timeout_is_configurable),
        cmocka_unit_test(a_timer_fired_with_the_pool_empty_aborts_when_a_request_is_free),
        cmocka_unit_test(handle_expiry_refuses_a_null_server),
        cmocka_unit_test(close_aborts_an_unfinished_cdp_creation_before_the_backend_close),
        cmocka_unit_test(close_during_the_timer_stops_it_and_aborts),
        cmocka_unit_test(close_aborts_nothing_after_finalize_or_for_vm_snapshots),
        cmocka_unit_test(a_close_waits_for_a_pending_stage_then_aborts),
        cmocka_unit_test(cdp_creation_failing_after_unblock_io_fails_change_tracking),
        cmocka_unit_test(cdp_creation_failing_before_unblock_io_aborts_at_the_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
