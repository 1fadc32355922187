/*
 * [MS-RSVD] 3.2.5.5.9 Receiving a Query VHD Set Information Request and
 * 3.2.5.5.15 Receiving a Safe Size Request.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

#define VM RSVD_SVHDX_SNAPSHOT_TYPE_VM
#define CDP RSVD_SVHDX_SNAPSHOT_TYPE_CDP
#define WRITEABLE RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE
#define T_LIST RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST
#define T_ENTRY RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY
#define T_OPTIMIZE RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED
#define T_ROOT RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ROOT
#define T_ACTIVE RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ACTIVE_LIST
#define T_INACTIVE RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_INACTIVE_LIST
#define QUERY RSVD_TUNNEL_VHDSET_QUERY_INFORMATION

static fx_reply *query(fx *f, uint64_t lo, uint32_t type, uint32_t snap_type, uint8_t id,
                       uint32_t max_output)
{
    rsvd_svhdx_tunnel_vhdset_query_information_request q = {type, snap_type, fx_guid(id)};
    uint8_t body[24];
    size_t n = 0;
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_request_encode(&q, body, sizeof body, &n),
        RSVD_OK);
    return fx_v2(f, lo, QUERY, body, n, max_output);
}

static void assert_fails(fx *f, const fx_reply *r, uint32_t status)
{
    assert_int_equal(r->r.status, status);
    assert_int_equal(r->r.output_len, 0);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_QUERY_VHDSET), 0);
}

/* ---- 3.2.5.5.9: the checks ----------------------------------------------------------------- */

static void request_not_of_24_bytes_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    uint8_t body[32] = {T_OPTIMIZE};
    assert_fails(f, fx_v2(f, lo, QUERY, body, 23, 256), RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_fails(f, fx_v2(f, lo, QUERY, body, 25, 256), RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_fails(f, fx_v2(f, lo, QUERY, body, 0, 256), RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(fx_hdr(fx_v2(f, lo, QUERY, body, 24, 256)).status, RSVD_STATUS_SUCCESS);
    fx_free(f);
}

static void query_on_an_open_that_is_not_a_vhd_set_fails_invalid_device_request(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "d.vhdx");
    assert_fails(f, query(f, lo, T_OPTIMIZE, 0, 0, 256), RSVD_STATUS_INVALID_DEVICE_REQUEST);
    fx_free(f);
}

static void type_and_snapshot_type_rules_in_order(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    /* Not an information type of 2.2.4.19: _1. */
    const uint32_t bad[] = {0, 1, 3, 4, 6, 7, 0xB, 0xD, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_fails(f, query(f, lo, bad[i], VM, 1, 256), RSVD_STATUS_INVALID_PARAMETER_1);
    /* SnapshotEntry of a type that is not VM, CDP or writeable: _1. */
    assert_fails(f, query(f, lo, T_ENTRY, 0, 1, 256), RSVD_STATUS_INVALID_PARAMETER_1);
    assert_fails(f, query(f, lo, T_ENTRY, 2, 1, 256), RSVD_STATUS_INVALID_PARAMETER_1);
    /* SnapshotList of a type that is not VM: _1. */
    assert_fails(f, query(f, lo, T_LIST, CDP, 1, 256), RSVD_STATUS_INVALID_PARAMETER_1);
    assert_fails(f, query(f, lo, T_LIST, 0, 1, 256), RSVD_STATUS_INVALID_PARAMETER_1);
    /* The other types with a nonzero SnapshotType: STATUS_INVALID_PARAMETER. */
    const uint32_t others[] = {T_OPTIMIZE, T_ROOT, T_ACTIVE, T_INACTIVE};
    for (size_t i = 0; i < 4; i++)
        assert_fails(f, query(f, lo, others[i], CDP, 1, 256), RSVD_STATUS_INVALID_PARAMETER);
    /* Each accepted form reaches the disk. */
    assert_int_equal(fx_hdr(query(f, lo, T_ENTRY, WRITEABLE, 1, 256)).status, 0);
    assert_int_equal(fx_hdr(query(f, lo, T_LIST, VM, 0, 256)).status, 0);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(fx_hdr(query(f, lo, others[i], 0, 1, 256)).status, 0);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_QUERY_VHDSET), 6);
    fx_free(f);
}

static void the_answers_fixed_part_must_fit_max_output(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    assert_fails(f, query(f, lo, T_ENTRY, VM, 1, 16 + 71), RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_fails(f, query(f, lo, T_ROOT, 0, 1, 16 + 71), RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_fails(f, query(f, lo, T_LIST, VM, 1, 16 + 15), RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_fails(f, query(f, lo, T_OPTIMIZE, 0, 1, 16 + 11), RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(fx_hdr(query(f, lo, T_OPTIMIZE, 0, 1, 16 + 12)).status, 0);
    fx_free(f);
}

static void a_disk_error_is_the_header_alone(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fb_outcome o = fb_fail(RSVD_STATUS_INVALID_PARAMETER);
    fb_push(&f->fb, FB_DISK, FB_QUERY_VHDSET, &o);
    fx_reply *r = query(f, lo, T_ENTRY, VM, 7, 256);
    assert_int_equal(r->r.output_len, 16);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_PARAMETER);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_QUERY_VHDSET)];
    assert_int_equal(k->vhdset_query.information_type, T_ENTRY);
    assert_int_equal(k->vhdset_query.snapshot_type, VM);
    assert_memory_equal(k->vhdset_query.snapshot_id.b, fx_guid(7).b, 16);
    fx_free(f);
}

/* ---- 3.2.5.5.9: the answers ------------------------------------------------------------------ */

static rsvd_disk_vhdset_info entry_info(void)
{
    rsvd_disk_vhdset_info i;
    memset(&i, 0, sizeof i);
    i.snapshot_creation_time = 1700000000456ull;
    i.snapshot_type = CDP;
    i.is_valid_snapshot = 1;
    i.snapshot_id = fx_guid(0xEE); /* the disk's, never sent */
    i.parent_snapshot_id = fx_guid(0x0A);
    i.log_file_id = fx_guid(0x0B);
    return i;
}

static void snapshot_entry_answer_has_zero_parent_and_log_file(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fb_outcome o = fb_ok();
    o.vhdset = entry_info();
    fb_push(&f->fb, FB_DISK, FB_QUERY_VHDSET, &o);
    fx_reply *r = query(f, lo, T_ENTRY, CDP, 5, 256);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.output_len, 16 + 72);
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response e;
    assert_int_equal(rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response_decode(
                         r->out + 16, 72, &e),
                     RSVD_OK);
    assert_int_equal(e.vhdset_information_type, T_ENTRY);
    assert_int_equal(e.reserved, 0);
    assert_int_equal(e.snapshot_creation_time, 1700000000456ull);
    assert_int_equal(e.snapshot_type, CDP);
    assert_int_equal(e.is_valid_snapshot, 1);
    assert_memory_equal(e.snapshot_id.b, fx_guid(5).b, 16); /* the request's */
    assert_true(rsvd_guid_is_zero(&e.parent_snapshot_id));
    assert_true(rsvd_guid_is_zero(&e.log_file_id));
    fx_free(f);
}

static void cdp_snapshot_root_answer_has_the_disks_parent_and_log_file(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fb_outcome o = fb_ok();
    o.vhdset = entry_info();
    o.vhdset.is_valid_snapshot = 0;
    fb_push(&f->fb, FB_DISK, FB_QUERY_VHDSET, &o);
    fx_reply *r = query(f, lo, T_ROOT, 0, 6, 256);
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response e;
    assert_int_equal(rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response_decode(
                         r->out + 16, r->r.output_len - 16, &e),
                     RSVD_OK);
    assert_int_equal(e.vhdset_information_type, T_ROOT);
    assert_int_equal(e.is_valid_snapshot, 0);
    assert_memory_equal(e.snapshot_id.b, fx_guid(6).b, 16);
    assert_memory_equal(e.parent_snapshot_id.b, fx_guid(0x0A).b, 16);
    assert_memory_equal(e.log_file_id.b, fx_guid(0x0B).b, 16);
    fx_free(f);
}

static void lists_answer_with_type_snapshot_list_complete_when_they_fit(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const rsvd_guid ids[] = {fx_guid(1), fx_guid(2), fx_guid(3)};
    fb_outcome o = fb_ok();
    o.ids = ids;
    o.nids = 3;
    fb_set_default(&f->fb, FB_DISK, FB_QUERY_VHDSET, &o);
    const uint32_t types[] = {T_LIST, T_ACTIVE, T_INACTIVE};
    for (size_t t = 0; t < 3; t++) {
        /* 16 + 16 + 3 x 16 = 80 bytes: all of them fit. */
        fx_reply *r = query(f, lo, types[t], types[t] == T_LIST ? VM : 0, 0, 80);
        assert_int_equal(r->r.output_len, 80);
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response l;
        assert_int_equal(
            rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_decode(
                r->out + 16, r->r.output_len - 16, &l),
            RSVD_OK);
        assert_int_equal(l.vhdset_information_type, T_LIST);
        assert_int_equal(l.response_complete, 1);
        assert_int_equal(l.number_of_snapshots, 3);
        for (uint32_t i = 0; i < 3; i++) {
            rsvd_guid g;
            assert_int_equal(
                rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(
                    &l, i, &g),
                RSVD_OK);
            assert_memory_equal(g.b, ids[i].b, 16);
        }
        /* One byte short: ResponseComplete 0, the count, no ids. */
        r = query(f, lo, types[t], types[t] == T_LIST ? VM : 0, 0, 79);
        assert_int_equal(r->r.output_len, 32);
        assert_int_equal(
            rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_decode(
                r->out + 16, r->r.output_len - 16, &l),
            RSVD_OK);
        assert_int_equal(l.response_complete, 0);
        assert_int_equal(l.number_of_snapshots, 3);
        assert_null(l.snapshot_ids);
    }
    fx_free(f);
}

static void optimize_needed_answer_is_the_disks(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    for (int need = 0; need <= 1; need++) {
        fb_outcome o = fb_ok();
        o.vhdset.optimize_needed = need;
        fb_push(&f->fb, FB_DISK, FB_QUERY_VHDSET, &o);
        fx_reply *r = query(f, lo, T_OPTIMIZE, 0, 0, 256);
        assert_int_equal(r->r.output_len, 16 + 12);
        rsvd_svhdx_tunnel_vhdset_query_information_optimize_response p;
        assert_int_equal(rsvd_svhdx_tunnel_vhdset_query_information_optimize_response_decode(
                             r->out + 16, 12, &p),
                         RSVD_OK);
        assert_int_equal(p.vhdset_information_type, T_OPTIMIZE);
        assert_int_equal(p.optimize_needed, (uint32_t)need);
    }
    fx_free(f);
}

static void query_on_an_object_store_open_gets_invalid_device_request(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, RSVD_ECP_CONTEXT_VERSION_2, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    uint64_t lo = fx_create(f, "s.vhds", ctx, n, RSVD_FILE_NO_INTERMEDIATE_BUFFERING)->r.local_open;
    fx_reply *r = query(f, lo, T_OPTIMIZE, 0, 0, 256);
    assert_int_equal(r->r.output_len, 16);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    fx_free(f);
}

/* ---- 3.2.5.5.15 Receiving a Safe Size Request ----------------------------------------------- */

static void safe_size_with_max_output_below_24_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fx_reply *r = fx_v2(f, lo, RSVD_TUNNEL_QUERY_SAFE_SIZE, NULL, 0, 23);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(r->r.output_len, 0);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_QUERY_SAFE_SIZE), 0);
    fx_free(f);
}

static void safe_size_is_the_disks_with_its_status_and_the_body_either_way(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "d.vhdx"); /* any disk, not only a VHD set */
    fb_outcome o = fb_ok();
    o.safe_size = 0x12345600;
    fb_push(&f->fb, FB_DISK, FB_QUERY_SAFE_SIZE, &o);
    fx_reply *r = fx_v2(f, lo, RSVD_TUNNEL_QUERY_SAFE_SIZE, NULL, 0, 24);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.output_len, 24);
    rsvd_svhdx_tunnel_query_safe_size_response s;
    assert_int_equal(rsvd_svhdx_tunnel_query_safe_size_response_decode(r->out + 16, 8, &s),
                     RSVD_OK);
    assert_int_equal(s.safe_virtual_size, 0x12345600);
    o = fb_fail(RSVD_STATUS_IO_DEVICE_ERROR);
    o.safe_size = 77;
    fb_push(&f->fb, FB_DISK, FB_QUERY_SAFE_SIZE, &o);
    r = fx_v2(f, lo, RSVD_TUNNEL_QUERY_SAFE_SIZE, NULL, 0, 4096);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_IO_DEVICE_ERROR);
    assert_int_equal(r->r.output_len, 24);
    assert_int_equal(rsvd_svhdx_tunnel_query_safe_size_response_decode(r->out + 16, 8, &s),
                     RSVD_OK);
    assert_int_equal(s.safe_virtual_size, 77);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_not_of_24_bytes_fails_buffer_too_small),
        cmocka_unit_test(query_on_an_open_that_is_not_a_vhd_set_fails_invalid_device_request),
        cmocka_unit_test(type_and_snapshot_type_rules_in_order),
        cmocka_unit_test(the_answers_fixed_part_must_fit_max_output),
        cmocka_unit_test(a_disk_error_is_the_header_alone),
        cmocka_unit_test(snapshot_entry_answer_has_zero_parent_and_log_file),
        cmocka_unit_test(cdp_snapshot_root_answer_has_the_disks_parent_and_log_file),
        cmocka_unit_test(lists_answer_with_type_snapshot_list_complete_when_they_fit),
        cmocka_unit_test(optimize_needed_answer_is_the_disks),
        cmocka_unit_test(query_on_an_object_store_open_gets_invalid_device_request),
        cmocka_unit_test(safe_size_with_max_output_below_24_fails_buffer_too_small),
        cmocka_unit_test(safe_size_is_the_disks_with_its_status_and_the_body_either_way),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
