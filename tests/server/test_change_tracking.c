/*
 * Change tracking: [MS-RSVD] 3.2.5.5.11 - 3.2.5.5.14, and 3.2.5.1's restart
 * of change tracking after a new open.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

#define VM RSVD_SVHDX_SNAPSHOT_TYPE_VM

static fx_reply *ct_start(fx *f, uint64_t lo, uint8_t log_id, uint64_t max, uint32_t append)
{
    rsvd_svhdx_change_tracking_start_request s;
    memset(&s, 0, sizeof s);
    s.transaction_id = fx_guid(0xC5);
    s.log_file_name_offset = 56;
    s.log_file_id = fx_guid(log_id);
    s.max_log_file_size = max;
    s.append_data = append;
    uint8_t body[64];
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_change_tracking_start_request_encode(&s, body, sizeof body, &n),
                     RSVD_OK);
    return fx_v2(f, lo, RSVD_TUNNEL_CHANGE_TRACKING_START, body, n, 64);
}

static fx_reply *ct_stop(fx *f, uint64_t lo, uint32_t max_output)
{
    return fx_v2(f, lo, RSVD_TUNNEL_CHANGE_TRACKING_STOP, NULL, 0, max_output);
}

/* ---- 3.2.5.5.11 Get Parameter ------------------------------------------------------------------ */

static void get_parameters_answers_the_disks_status_and_log_size(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fb_outcome o = fb_ok();
    o.ct.change_tracking_status = RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE;
    o.ct.log_file_size = 0x123456789ull;
    fb_push(&f->fb, FB_DISK, FB_CT_GET_PARAMETERS, &o);
    fx_reply *r = fx_v2(f, lo, RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS, NULL, 0, 32);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.output_len, 32);
    rsvd_svhdx_change_tracking_get_parameters_response p;
    assert_int_equal(rsvd_svhdx_change_tracking_get_parameters_response_decode(r->out + 16, 16, &p),
                     RSVD_OK);
    assert_int_equal(p.change_tracking_status,
                     RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE);
    assert_int_equal(p.reserved, 0);
    assert_int_equal(p.log_file_size, 0x123456789ull);
    /* A disk error: the header alone. */
    o = fb_fail(RSVD_STATUS_IO_DEVICE_ERROR);
    fb_push(&f->fb, FB_DISK, FB_CT_GET_PARAMETERS, &o);
    r = fx_v2(f, lo, RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS, NULL, 0, 32);
    assert_int_equal(r->r.output_len, 16);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_IO_DEVICE_ERROR);
    /* Room for the answer (decision). */
    r = fx_v2(f, lo, RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS, NULL, 0, 31);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CT_GET_PARAMETERS), 2);
    fx_free(f);
}

/* ---- 3.2.5.5.12 Start --------------------------------------------------------------------------- */

static void start_with_a_log_file_name_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    rsvd_svhdx_change_tracking_start_request s;
    memset(&s, 0, sizeof s);
    static const uint8_t name[] = {'l', 0, 'o', 0, 'g', 0, 0, 0};
    s.log_file_name_offset = 56;
    s.log_file_name_length = sizeof name;
    s.log_file_name = name;
    uint8_t body[128];
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_change_tracking_start_request_encode(&s, body, sizeof body, &n),
                     RSVD_OK);
    /* Decision: the spec's rule, although Windows accepts a name. */
    fx_reply *r = fx_v2(f, lo, RSVD_TUNNEL_CHANGE_TRACKING_START, body, n, 64);
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(r->r.output_len, 0);
    /* A length whose name is not in the request: the same. */
    r = fx_v2(f, lo, RSVD_TUNNEL_CHANGE_TRACKING_START, body, 56, 64);
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CT_START), 0);
    /* Shorter than its fixed part: STATUS_BUFFER_TOO_SMALL (decision). */
    r = fx_v2(f, lo, RSVD_TUNNEL_CHANGE_TRACKING_START, body, 55, 64);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    fx_free(f);
}

static void start_is_issued_with_its_fields_and_answered_with_the_disks_status(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fx_reply *r = ct_start(f, lo, 0x1F, 1 << 20, 1);
    assert_int_equal(r->r.output_len, 16);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_CT_START)];
    assert_memory_equal(k->ct_start.transaction_id.b, fx_guid(0xC5).b, 16);
    assert_memory_equal(k->ct_start.log_file_id.b, fx_guid(0x1F).b, 16);
    assert_int_equal(k->ct_start.max_log_file_size, 1 << 20);
    assert_true(k->ct_start.append_data);
    fb_outcome o = fb_fail(RSVD_STATUS_CHANGE_TRACKING_INVALID_TRACKING_STATE);
    fb_push(&f->fb, FB_DISK, FB_CT_START, &o);
    r = ct_start(f, lo, 0x1F, 0, 0);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_CHANGE_TRACKING_INVALID_TRACKING_STATE);
    assert_false(f->fb.calls[fb_last(&f->fb, FB_DISK, FB_CT_START)].ct_start.append_data);
    fx_free(f);
}

/* ---- 3.2.5.5.13 Stop ----------------------------------------------------------------------------- */

static void stop_answers_the_disks_status_and_change_tracking_status_regardless(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fb_outcome o = fb_ok();
    o.ct.change_tracking_status = RSVD_STATUS_SUCCESS;
    fb_push(&f->fb, FB_DISK, FB_CT_STOP, &o);
    fx_reply *r = ct_stop(f, lo, 20);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.output_len, 20);
    rsvd_svhdx_change_tracking_stop_response s;
    assert_int_equal(rsvd_svhdx_change_tracking_stop_response_decode(r->out + 16, 4, &s), RSVD_OK);
    assert_int_equal(s.change_tracking_status, RSVD_STATUS_SUCCESS);
    o = fb_fail(RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED);
    o.ct.change_tracking_status = RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE;
    fb_push(&f->fb, FB_DISK, FB_CT_STOP, &o);
    r = ct_stop(f, lo, 64);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED);
    assert_int_equal(r->r.output_len, 20);
    assert_int_equal(rsvd_svhdx_change_tracking_stop_response_decode(r->out + 16, 4, &s), RSVD_OK);
    assert_int_equal(s.change_tracking_status,
                     RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE);
    /* Room for the answer (decision). */
    assert_int_equal(ct_stop(f, lo, 19)->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CT_STOP), 2);
    fx_free(f);
}

static void change_tracking_on_an_object_store_open_gets_invalid_device_request(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, RSVD_ECP_CONTEXT_VERSION_2, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    uint64_t lo = fx_create(f, "s.vhds", ctx, n, RSVD_FILE_NO_INTERMEDIATE_BUFFERING)->r.local_open;
    assert_int_equal(fx_hdr(ct_start(f, lo, 1, 0, 0)).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    fx_reply *r = ct_stop(f, lo, 64);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(r->r.output_len, 20);
    r = fx_v2(f, lo, RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS, NULL, 0, 32);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    fx_free(f);
}

/* ---- 3.2.5.5.14 Query Virtual Disk Changes ------------------------------------------------------ */

static fx_reply *changes(fx *f, uint64_t lo, uint8_t target, uint8_t limit, uint32_t type,
                         uint64_t off, uint64_t len, size_t body_len, uint32_t max_output)
{
    rsvd_svhdx_tunnel_query_virtual_disk_changes_request q = {fx_guid(target), fx_guid(limit),
                                                               type, off, len};
    uint8_t body[56];
    size_t n = 0;
    assert_int_equal(
        rsvd_svhdx_tunnel_query_virtual_disk_changes_request_encode(&q, body, sizeof body, &n),
        RSVD_OK);
    return fx_v2(f, lo, RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES, body, body_len, max_output);
}

static void changes_request_rules_in_order(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fx_vm_snapshot(f, lo, 0x11, 1, true);
    fx_vm_snapshot(f, lo, 0x12, 2, true);
    fx_vm_snapshot(f, lo, 0x13, 3, false);
    /* Shorter than 16 + 56: STATUS_BUFFER_TOO_SMALL. */
    assert_int_equal(changes(f, lo, 2, 1, VM, 0, 4096, 55, 4096)->r.status,
                     RSVD_STATUS_BUFFER_TOO_SMALL);
    /* SnapshotType not VM: STATUS_INVALID_PARAMETER, even with unknown ids. */
    assert_int_equal(changes(f, lo, 9, 9, 3, 0, 4096, 56, 4096)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    /* TargetSnapshotId, then LimitSnapshotId, not in Open.SnapshotList. */
    assert_int_equal(changes(f, lo, 9, 1, VM, 0, 4096, 56, 4096)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(changes(f, lo, 2, 9, VM, 0, 4096, 56, 4096)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    /* Either without ChangeTracking. */
    assert_int_equal(changes(f, lo, 3, 1, VM, 0, 4096, 56, 4096)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(changes(f, lo, 2, 3, VM, 0, 4096, 56, 4096)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_QUERY_CHANGES), 0);
    assert_int_equal(fx_hdr(changes(f, lo, 2, 1, VM, 0, 4096, 56, 4096)).status, 0);
    fx_free(f);
}

static void changes_are_the_disks_ranges_cut_to_the_output_buffer(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fx_vm_snapshot(f, lo, 0x11, 1, true);
    fx_vm_snapshot(f, lo, 0x12, 2, true);
    const rsvd_disk_changed_range ranges[] = {{4096, 512}, {65536, 8192}, {1 << 20, 4096}};
    fb_outcome o = fb_ok();
    o.ranges = ranges;
    o.nranges = 3;
    fb_set_default(&f->fb, FB_DISK, FB_QUERY_CHANGES, &o);
    /* Room for all three: 16 + 16 + 3 x 24. */
    fx_reply *r = changes(f, lo, 2, 1, VM, 0, 2 << 20, 56, 16 + 16 + 72);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.output_len, 16 + 16 + 72);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_QUERY_CHANGES)];
    assert_int_equal(k->ranges_cap, 3);
    assert_memory_equal(k->changes.target_snapshot_id.b, fx_guid(2).b, 16);
    assert_memory_equal(k->changes.limit_snapshot_id.b, fx_guid(1).b, 16);
    assert_int_equal(k->changes.byte_length, 2 << 20);
    rsvd_svhdx_tunnel_query_virtual_disk_changes_reply c;
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_decode(
                         r->out + 16, r->r.output_len - 16, &c),
                     RSVD_OK);
    assert_int_equal(c.processed_byte_length, 2 << 20);
    assert_int_equal(c.range_count, 3);
    for (uint32_t i = 0; i < 3; i++) {
        rsvd_svhdx_virtual_disk_changed_range g;
        assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(&c, i, &g),
                         RSVD_OK);
        assert_int_equal(g.byte_offset, ranges[i].byte_offset);
        assert_int_equal(g.byte_length, ranges[i].byte_length);
    }
    /* Reserved fields zero: RangeCount's neighbour and each range's. */
    assert_int_equal(r->out[16 + 12] | r->out[16 + 13] | r->out[16 + 14] | r->out[16 + 15], 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(r->out[32 + 16 + i], 0);
    /* Room for two (and 23 bytes more): ProcessedByteLength ends where the
     * third begins. */
    r = changes(f, lo, 2, 1, VM, 0, 2 << 20, 56, 16 + 16 + 48 + 23);
    assert_int_equal(r->r.output_len, 16 + 16 + 48);
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_decode(
                         r->out + 16, r->r.output_len - 16, &c),
                     RSVD_OK);
    assert_int_equal(c.range_count, 2);
    assert_int_equal(c.processed_byte_length, 1 << 20);
    /* Room for none. */
    r = changes(f, lo, 2, 1, VM, 0, 2 << 20, 56, 32);
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_decode(
                         r->out + 16, r->r.output_len - 16, &c),
                     RSVD_OK);
    assert_int_equal(c.range_count, 0);
    assert_int_equal(c.processed_byte_length, 4096);
    /* Not even the fixed part (decision). */
    assert_int_equal(changes(f, lo, 2, 1, VM, 0, 2 << 20, 56, 31)->r.status,
                     RSVD_STATUS_BUFFER_TOO_SMALL);
    fx_free(f);
}

static void a_changes_disk_error_is_the_header_alone(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fx_vm_snapshot(f, lo, 0x11, 1, true);
    fx_vm_snapshot(f, lo, 0x12, 2, true);
    fb_outcome o = fb_fail(RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE);
    fb_push(&f->fb, FB_DISK, FB_QUERY_CHANGES, &o);
    fx_reply *r = changes(f, lo, 2, 1, VM, 0, 4096, 56, 4096);
    assert_int_equal(r->r.output_len, 16);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE);
    fx_free(f);
}

/* ---- 3.2.5.1: change tracking started again after an open --------------------------------------- */

static void a_new_open_restarts_the_tracking_a_client_started(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t a = fx_open_v2(f, "set.vhds");
    assert_int_equal(fx_hdr(ct_start(f, a, 0x1F, 4096, 0)).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_server_close(f->srv, a, NULL), RSVD_OK);
    size_t starts = fb_count(&f->fb, FB_DISK, FB_CT_START);
    /* The next open of the file: a start, with AppendData, before the reply. */
    uint64_t b = fx_open_v2(f, "SET.vhds");
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CT_START), starts + 1);
    size_t k = fb_last(&f->fb, FB_DISK, FB_CT_START);
    const fb_call *c = &f->fb.calls[k];
    assert_memory_equal(c->ct_start.log_file_id.b, fx_guid(0x1F).b, 16);
    assert_int_equal(c->ct_start.max_log_file_size, 4096);
    assert_true(c->ct_start.append_data);
    assert_true(k > fb_last(&f->fb, FB_DISK, FB_OPEN));
    /* Another file: none. */
    (void)fx_open_v2(f, "other.vhds");
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CT_START), starts + 1);
    /* Stopped: none any more. */
    assert_int_equal(fx_hdr(ct_stop(f, b, 64)).status, RSVD_STATUS_SUCCESS);
    (void)fx_open_v2(f, "set.vhds");
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CT_START), starts + 1);
    fx_free(f);
}

static void the_open_stands_when_the_restart_fails_and_it_waits_for_it(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t a = fx_open_v2(f, "set.vhds");
    assert_int_equal(fx_hdr(ct_start(f, a, 0x1F, 0, 0)).status, RSVD_STATUS_SUCCESS);
    fb_outcome o = fb_pend(fb_fail(RSVD_STATUS_CHANGE_TRACKING_INVALID_TRACKING_STATE));
    fb_push(&f->fb, FB_DISK, FB_CT_START, &o);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, RSVD_ECP_CONTEXT_VERSION_2, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    char full[64] = "set.vhds:SharedVirtualDisk";
    uint8_t wname[128];
    rsvd_server_create_req req;
    memset(&req, 0, sizeof req);
    req.file_name = wname;
    req.file_name_len = fx_utf16(full, wname, sizeof wname);
    req.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    req.context = ctx;
    req.context_len = n;
    req.response_context = f->ctx_room;
    req.response_context_cap = sizeof f->ctx_room;
    assert_int_equal(rsvd_server_create(f->srv, &req, (void *)0x0C), RSVD_OK);
    assert_int_equal(fx_replies_for(f, 0x0C), 0); /* waits for the start */
    fb_complete(&f->fb, fb_nth_pending(&f->fb, 0));
    assert_int_equal(fx_reply_for(f, 0x0C)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_reply_for(f, 0x0C)->r.create_context_len, 192);
    fx_free(f);
}

static void a_failed_start_is_not_restarted_and_v1_servers_restart_nothing(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t a = fx_open_v2(f, "set.vhds");
    fb_outcome o = fb_fail(RSVD_STATUS_CHANGE_TRACKING_INVALID_TRACKING_STATE);
    fb_push(&f->fb, FB_DISK, FB_CT_START, &o);
    assert_int_equal(fx_hdr(ct_start(f, a, 0x1F, 0, 0)).status,
                     RSVD_STATUS_CHANGE_TRACKING_INVALID_TRACKING_STATE);
    (void)fx_open_v2(f, "set.vhds");
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CT_START), 1);
    fx_free(f);
    /* A version-1 server has no version-2 operation to start tracking. */
    f = fx_new(1);
    a = fx_open_scsi(f, "set.vhds", true);
    fx_reply *r = ct_start(f, a, 0x1F, 0, 0);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SVHDX_VERSION_MISMATCH);
    (void)fx_open_scsi(f, "set.vhds", true);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CT_START), 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_parameters_answers_the_disks_status_and_log_size),
        cmocka_unit_test(start_with_a_log_file_name_fails_invalid_parameter),
        cmocka_unit_test(start_is_issued_with_its_fields_and_answered_with_the_disks_status),
        cmocka_unit_test(stop_answers_the_disks_status_and_change_tracking_status_regardless),
        cmocka_unit_test(change_tracking_on_an_object_store_open_gets_invalid_device_request),
        cmocka_unit_test(changes_request_rules_in_order),
        cmocka_unit_test(changes_are_the_disks_ranges_cut_to_the_output_buffer),
        cmocka_unit_test(a_changes_disk_error_is_the_header_alone),
        cmocka_unit_test(a_new_open_restarts_the_tracking_a_client_started),
        cmocka_unit_test(the_open_stands_when_the_restart_fails_and_it_waits_for_it),
        cmocka_unit_test(a_failed_start_is_not_restarted_and_v1_servers_restart_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
