/*
 * [MS-RSVD] 3.2.5.5.7.1 Receiving a Create Snapshot Request, Open.SnapshotList
 * (3.2.1.2, 3.2.1.4) and 3.2.5.5.10 Receiving a Delete Snapshot Request.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

#define VM RSVD_SVHDX_SNAPSHOT_TYPE_VM
#define CDP RSVD_SVHDX_SNAPSHOT_TYPE_CDP
#define WRITEABLE RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE
#define CT RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING
#define S_INIT RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE
#define S_BLOCK RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO
#define S_SWITCH RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE
#define S_UNBLOCK RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO
#define S_FINAL RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE

static const uint32_t init_only[] = {S_INIT};
static const uint32_t all_stages[] = {S_INIT, S_BLOCK, S_SWITCH, S_UNBLOCK, S_FINAL};

/* A failure: the SMB2 status, no output, no disk call. */
static void assert_fails(fx *f, const fx_reply *r, uint32_t status)
{
    assert_int_equal(r->r.status, status);
    assert_int_equal(r->r.output_len, 0);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT), 0);
}

/* A changes query between two snapshots of the open: the rules of
 * 3.2.5.5.14 that read Open.SnapshotList decide its SMB2 status. */
static uint32_t changes_status(fx *f, uint64_t lo, uint8_t target, uint8_t limit)
{
    rsvd_svhdx_tunnel_query_virtual_disk_changes_request q = {
        fx_guid(target), fx_guid(limit), VM, 0, 1 << 20};
    uint8_t body[56];
    size_t n = 0;
    assert_int_equal(
        rsvd_svhdx_tunnel_query_virtual_disk_changes_request_encode(&q, body, sizeof body, &n),
        RSVD_OK);
    return fx_v2(f, lo, RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES, body, n, 4096)->r.status;
}

/* ---- 3.2.5.5.7.1: the checks, in order ------------------------------------------------- */

static void create_snapshot_shorter_than_92_plus_parameters_payload_size_fails_buffer_too_small(
    void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    uint8_t body[512];
    size_t n = fx_create_snapshot(body, 1, 2, VM, 0, init_only, 1, false);
    assert_int_equal(n, 24 + 52); /* 92 with the header */
    for (size_t cut = 24; cut < n; cut += 9)
        assert_fails(f, fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, cut, 64),
                     RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_fails(f, fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n - 1, 64),
                 RSVD_STATUS_BUFFER_TOO_SMALL);
    /* ParametersPayloadSize 30 needs 30 more bytes than the fixed part. */
    body[24 + 48] = 30;
    memset(body + n, 0, 30);
    assert_fails(f, fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n + 29, 64),
                 RSVD_STATUS_BUFFER_TOO_SMALL);
    /* The largest ParametersPayloadSize is compared without overflow. */
    memset(body + 24 + 48, 0xFF, 4);
    assert_fails(f, fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n + 30, 64),
                 RSVD_STATUS_BUFFER_TOO_SMALL);
    memset(body + 24 + 48, 0, 4);
    body[24 + 48] = 30;
    fx_reply *r = fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n + 30, 64);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT), 1);
    fx_free(f);
}

static void create_snapshot_of_another_type_fails_invalid_parameter_1(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const uint32_t types[] = {0, 2, 5, 0xFFFFFFFFu};
    for (size_t i = 0; i < 4; i++)
        assert_fails(f, fx_snapshot(f, lo, 1, 2, types[i], 0, init_only, 1),
                     RSVD_STATUS_INVALID_PARAMETER_1);
    /* VM, CDP and writeable are accepted. */
    assert_int_equal(fx_hdr(fx_snapshot(f, lo, 1, 2, WRITEABLE, 0, init_only, 1)).status, 0);
    fx_free(f);
}

static void create_snapshot_with_stage1_invalid_fails_invalid_parameter_2(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const uint32_t none[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INVALID, S_BLOCK};
    assert_fails(f, fx_snapshot(f, lo, 1, 2, VM, 0, none, 2), RSVD_STATUS_INVALID_PARAMETER_2);
    fx_free(f);
}

static void create_snapshot_flag_rules_fail_invalid_parameter_5(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const uint32_t block[] = {S_BLOCK};
    /* Flags nonzero and SnapshotType not VM. */
    assert_fails(f, fx_snapshot(f, lo, 1, 2, CDP, CT, init_only, 1),
                 RSVD_STATUS_INVALID_PARAMETER_5);
    assert_fails(f, fx_snapshot(f, lo, 1, 2, WRITEABLE, 4, init_only, 1),
                 RSVD_STATUS_INVALID_PARAMETER_5);
    /* ENABLE_CHANGE_TRACKING with Stage1 other than Initialize. */
    assert_fails(f, fx_snapshot(f, lo, 1, 2, VM, CT, block, 1), RSVD_STATUS_INVALID_PARAMETER_5);
    /* VM with Flags neither 0 nor ENABLE_CHANGE_TRACKING. */
    assert_fails(f, fx_snapshot(f, lo, 1, 2, VM, 2, init_only, 1),
                 RSVD_STATUS_INVALID_PARAMETER_5);
    assert_fails(f, fx_snapshot(f, lo, 1, 2, VM, CT | 2, init_only, 1),
                 RSVD_STATUS_INVALID_PARAMETER_5);
    assert_int_equal(fx_hdr(fx_snapshot(f, lo, 1, 2, VM, CT, init_only, 1)).status, 0);
    fx_free(f);
}

static void create_snapshot_stages_must_rise_and_follow_each_other(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    /* A stage not above the previous one: _4. */
    const uint32_t same[] = {S_INIT, S_INIT};
    const uint32_t down[] = {S_INIT, S_SWITCH, S_BLOCK};
    assert_fails(f, fx_snapshot(f, lo, 1, 2, VM, 0, same, 2), RSVD_STATUS_INVALID_PARAMETER_4);
    assert_fails(f, fx_snapshot(f, lo, 1, 2, VM, 0, down, 3), RSVD_STATUS_INVALID_PARAMETER_4);
    /* A stage after an Invalid one: _3, in Stage3 as in Stage6. */
    const uint32_t gap[] = {S_INIT, 0, S_BLOCK};
    const uint32_t late[] = {S_INIT, S_BLOCK, S_SWITCH, S_UNBLOCK, 0, S_FINAL};
    assert_fails(f, fx_snapshot(f, lo, 1, 2, VM, 0, gap, 3), RSVD_STATUS_INVALID_PARAMETER_3);
    assert_fails(f, fx_snapshot(f, lo, 1, 2, VM, 0, late, 6), RSVD_STATUS_INVALID_PARAMETER_3);
    /* Decision: a value above Finalize is no stage. */
    const uint32_t big1[] = {6};
    const uint32_t big2[] = {S_INIT, 9};
    assert_fails(f, fx_snapshot(f, lo, 1, 2, VM, 0, big1, 1), RSVD_STATUS_INVALID_PARAMETER_2);
    assert_fails(f, fx_snapshot(f, lo, 1, 2, VM, 0, big2, 2), RSVD_STATUS_INVALID_PARAMETER_4);
    assert_int_equal(fx_hdr(fx_snapshot(f, lo, 1, 2, VM, 0, all_stages, 5)).status, 0);
    fx_free(f);
}

static void create_snapshot_with_a_log_file_name_fails_invalid_parameter_6(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    uint8_t body[256];
    size_t n = fx_create_snapshot(body, 1, 2, CDP, 0, init_only, 1, true);
    /* LogFileNameLength (offset 4 of the CDP parameters) 2, a name after them. */
    body[24 + 52 + 4] = 2;
    body[n] = 'x';
    body[n + 1] = 0;
    assert_fails(f, fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n + 2, 64),
                 RSVD_STATUS_INVALID_PARAMETER_6);
    /* A length naming bytes the request does not have: the same. */
    assert_fails(f, fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n, 64),
                 RSVD_STATUS_INVALID_PARAMETER_6);
    body[24 + 52 + 4] = 0;
    assert_int_equal(fx_hdr(fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n, 64)).status,
                     0);
    fx_free(f);
}

static void create_snapshot_on_an_open_that_is_not_a_vhd_set_fails_invalid_device_request(
    void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "disk.vhdx");
    assert_fails(f, fx_snapshot(f, lo, 1, 2, VM, 0, init_only, 1),
                 RSVD_STATUS_INVALID_DEVICE_REQUEST);
    uint64_t set = fx_open_v2(f, "Other.VHDS");
    assert_int_equal(fx_hdr(fx_snapshot(f, set, 1, 2, VM, 0, init_only, 1)).status, 0);
    fx_free(f);
}

static void create_snapshot_checks_come_in_the_spec_order(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t vhdx = fx_open_v2(f, "disk.vhdx");
    const uint32_t gap[] = {0, S_BLOCK, S_BLOCK};
    /* Every rule broken: the type's comes first; then Stage1's; then ... */
    assert_fails(f, fx_snapshot(f, vhdx, 1, 2, 9, 7, gap, 3), RSVD_STATUS_INVALID_PARAMETER_1);
    assert_fails(f, fx_snapshot(f, vhdx, 1, 2, CDP, 7, gap, 3), RSVD_STATUS_INVALID_PARAMETER_2);
    const uint32_t bad[] = {S_BLOCK, S_BLOCK, 0, S_FINAL};
    assert_fails(f, fx_snapshot(f, vhdx, 1, 2, CDP, 7, bad, 4), RSVD_STATUS_INVALID_PARAMETER_5);
    assert_fails(f, fx_snapshot(f, vhdx, 1, 2, CDP, 0, bad, 4), RSVD_STATUS_INVALID_PARAMETER_4);
    const uint32_t gap2[] = {S_BLOCK, 0, S_FINAL};
    assert_fails(f, fx_snapshot(f, vhdx, 1, 2, CDP, 0, gap2, 3), RSVD_STATUS_INVALID_PARAMETER_3);
    fx_free(f);
}

/* ---- 3.2.5.5.7.1: the disk's part and the answer ----------------------------------------- */

static void create_snapshot_is_issued_to_the_disk_with_the_requests_fields(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    f->wall_ms = 1700000000123ull;
    fx_reply *r = fx_snapshot(f, lo, 0x31, 0x32, CDP, 0, all_stages, 5);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT)];
    assert_memory_equal(k->snap.transaction_id.b, fx_guid(0x31).b, 16);
    assert_memory_equal(k->snap.snapshot_id.b, fx_guid(0x32).b, 16);
    assert_memory_equal(k->snap.log_file_id.b, fx_guid(0x4C).b, 16);
    assert_int_equal(k->snap.snapshot_type, CDP);
    assert_int_equal(k->snap.flags, 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(k->snap.stages[i], all_stages[i]);
    assert_int_equal(k->snap.stages[5], 0);
    /* SnapshotCreationTime is the host's wall clock. */
    assert_int_equal(k->snap.now_ms, 1700000000123ull);
    fx_free(f);
}

static void create_snapshot_header_carries_the_disks_status(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const uint32_t statuses[] = {RSVD_STATUS_DUPLICATE_OBJECTID, RSVD_STATUS_DISK_FULL,
                                 RSVD_STATUS_INVALID_PARAMETER};
    for (size_t i = 0; i < 3; i++) {
        fb_outcome o = fb_fail(statuses[i]);
        fb_push(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT, &o);
        fx_reply *r = fx_snapshot(f, lo, 1, 2, VM, 0, init_only, 1);
        assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(r->r.output_len, 16);
        assert_int_equal(fx_hdr(r).status, statuses[i]);
    }
    fx_free(f);
}

static void cdp_reply_carries_change_tracking_error_status_and_vm_reply_none(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fb_outcome o = fb_ok();
    o.meta.change_tracking_status = RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE;
    fb_set_default(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT, &o);
    fx_reply *r = fx_snapshot(f, lo, 1, 2, CDP, 0, init_only, 1);
    assert_int_equal(r->r.output_len, 20);
    rsvd_svhdx_meta_operation_reply mr;
    assert_int_equal(rsvd_svhdx_meta_operation_reply_decode(r->out + 16, 4, &mr), RSVD_OK);
    assert_int_equal(mr.change_tracking_error_status,
                     RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE);
    /* Also when the disk failed. */
    o = fb_fail(RSVD_STATUS_INVALID_PARAMETER);
    o.meta.change_tracking_status = RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED;
    fb_push(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT, &o);
    r = fx_snapshot(f, lo, 3, 4, CDP, 0, init_only, 1);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(r->r.output_len, 20);
    /* Decision: a VM snapshot's reply is the header alone, as 3.2.5.5.7.1
     * says (example 4.3 shows Windows appending it). */
    r = fx_snapshot(f, lo, 5, 6, VM, 0, init_only, 1);
    assert_int_equal(r->r.output_len, 16);
    /* A CDP reply needs 20 bytes of MaxOutputResponse. */
    uint8_t body[256];
    size_t n = fx_create_snapshot(body, 7, 8, CDP, 0, init_only, 1, true);
    r = fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n, 19);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    fx_free(f);
}

static void create_snapshot_on_an_open_without_the_disk_function_gets_invalid_device_request(
    void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, RSVD_ECP_CONTEXT_VERSION_2, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    fx_reply *c = fx_create(f, "store.vhds", ctx, n, RSVD_FILE_NO_INTERMEDIATE_BUFFERING);
    uint64_t store = c->r.local_open;
    fx_reply *r = fx_snapshot(f, store, 1, 2, VM, 0, init_only, 1);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    r = fx_snapshot(f, store, 1, 2, CDP, 0, init_only, 1);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(r->r.output_len, 20);
    fx_free(f);
}

static void drop_create_snapshot(fake_backend *fb)
{
    fb->disk_ops.create_snapshot = NULL;
}

static void create_snapshot_on_a_disk_that_cannot_gets_invalid_device_request(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 2;
    fx *f = fx_new_edit(&cfg, true, true, drop_create_snapshot);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fx_reply *r = fx_snapshot(f, lo, 1, 2, VM, 0, init_only, 1);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    fx_free(f);
}

/* ---- Open.SnapshotList ------------------------------------------------------------------- */

static void a_created_snapshot_joins_the_snapshot_list_with_its_change_tracking(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    /* Not created yet: neither is in the list. */
    assert_int_equal(changes_status(f, lo, 2, 1), RSVD_STATUS_INVALID_PARAMETER);
    fx_vm_snapshot(f, lo, 0x11, 1, true);
    fx_vm_snapshot(f, lo, 0x12, 2, true);
    assert_int_equal(changes_status(f, lo, 2, 1), RSVD_STATUS_SUCCESS);
    /* Without ENABLE_CHANGE_TRACKING: in the list, ChangeTracking FALSE. */
    fx_vm_snapshot(f, lo, 0x13, 3, false);
    assert_int_equal(changes_status(f, lo, 3, 1), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(changes_status(f, lo, 2, 3), RSVD_STATUS_INVALID_PARAMETER);
    fx_free(f);
}

static void a_failed_creation_does_not_join_the_snapshot_list(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fx_vm_snapshot(f, lo, 0x11, 1, true);
    fb_outcome o = fb_fail(RSVD_STATUS_DISK_FULL);
    fb_push(&f->fb, FB_DISK, FB_CREATE_SNAPSHOT, &o);
    fx_reply *r = fx_snapshot(f, lo, 0x12, 2, VM, CT, init_only, 1);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_DISK_FULL);
    assert_int_equal(changes_status(f, lo, 2, 1), RSVD_STATUS_INVALID_PARAMETER);
    fx_free(f);
}

static void later_stages_keep_the_change_tracking_of_initialize(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    /* fx_vm_snapshot sends its second request with Flags 0, as example 4.3. */
    fx_vm_snapshot(f, lo, 0x11, 1, true);
    fx_vm_snapshot(f, lo, 0x12, 2, true);
    assert_int_equal(changes_status(f, lo, 2, 1), RSVD_STATUS_SUCCESS);
    fx_free(f);
}

static void the_snapshot_list_is_the_opens_own(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t a = fx_open_v2(f, "set.vhds");
    uint64_t b = fx_open_v2(f, "set.vhds");
    fx_vm_snapshot(f, a, 0x11, 1, true);
    fx_vm_snapshot(f, a, 0x12, 2, true);
    assert_int_equal(changes_status(f, a, 2, 1), RSVD_STATUS_SUCCESS);
    assert_int_equal(changes_status(f, b, 2, 1), RSVD_STATUS_INVALID_PARAMETER);
    fx_free(f);
}

static void a_snapshot_beyond_the_list_limit_fails_insufficient_resources(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const uint32_t one[] = {S_INIT};
    uint8_t body[256];
    for (uint32_t i = 0; i < 4096; i++) {
        size_t n = fx_create_snapshot(body, 1, 0, VM, 0, one, 1, false);
        memcpy(body + 24 + 32, &i, 4); /* SnapshotId: a different one each time */
        body[24 + 36] = 0x5A;
        fx_reply *r = fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n, 64);
        if (r->r.status != RSVD_STATUS_SUCCESS)
            fail_msg("snapshot %u: %08x", i, r->r.status);
        assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    }
    size_t n = fx_create_snapshot(body, 1, 0x77, VM, 0, one, 1, false);
    fx_reply *r = fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n, 64);
    assert_int_equal(r->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    /* The same SnapshotId again needs no room. */
    uint32_t first = 0;
    n = fx_create_snapshot(body, 1, 0, VM, 0, one, 1, false);
    memcpy(body + 24 + 32, &first, 4);
    body[24 + 36] = 0x5A;
    assert_int_equal(fx_hdr(fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n, 64)).status,
                     0);
    fx_free(f);
}

/* ---- 3.2.5.5.10 Receiving a Delete Snapshot Request -------------------------------------- */

static fx_reply *delete_snapshot(fx *f, uint64_t lo, uint8_t id, uint32_t type, uint32_t persist)
{
    rsvd_svhdx_tunnel_delete_snapshot_request d = {fx_guid(id), persist, type};
    uint8_t body[24];
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_tunnel_delete_snapshot_request_encode(&d, body, sizeof body, &n),
                     RSVD_OK);
    return fx_v2(f, lo, RSVD_TUNNEL_DELETE_SNAPSHOT, body, n, 64);
}

static void delete_with_persist_reference_of_a_non_vm_snapshot_is_an_error_in_the_header(
    void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const uint32_t types[] = {CDP, WRITEABLE, 0, 7};
    for (size_t i = 0; i < 4; i++) {
        fx_reply *r = delete_snapshot(f, lo, 1, types[i], 1);
        assert_int_equal(r->r.output_len, 16);
        assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_PARAMETER);
    }
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_DELETE_SNAPSHOT), 0);
    /* A VM snapshot may be kept as a reference. */
    assert_int_equal(fx_hdr(delete_snapshot(f, lo, 1, VM, 1)).status, RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_DELETE_SNAPSHOT)];
    assert_true(k->del.persist_reference);
    fx_free(f);
}

static void delete_of_an_active_cdp_snapshot_other_than_the_first_fails_sharing_violation(
    void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const rsvd_guid active[] = {fx_guid(1), fx_guid(2), fx_guid(3)};
    fb_outcome o = fb_ok();
    o.ids = active;
    o.nids = 3;
    fb_set_default(&f->fb, FB_DISK, FB_QUERY_VHDSET, &o);
    /* The second and third active ones: refused, the disk is not asked. */
    for (uint8_t id = 2; id <= 3; id++) {
        fx_reply *r = delete_snapshot(f, lo, id, CDP, 0);
        assert_int_equal(r->r.status, RSVD_STATUS_SHARING_VIOLATION);
        assert_int_equal(r->r.output_len, 0);
    }
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_DELETE_SNAPSHOT), 0);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_QUERY_VHDSET)];
    assert_int_equal(k->vhdset_query.information_type,
                     RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ACTIVE_LIST);
    /* The first active one, and an inactive one: deleted. */
    assert_int_equal(fx_hdr(delete_snapshot(f, lo, 1, CDP, 0)).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_hdr(delete_snapshot(f, lo, 9, CDP, 0)).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_DELETE_SNAPSHOT), 2);
    /* A VM snapshot is not looked for among the active CDP ones. */
    size_t queries = fb_count(&f->fb, FB_DISK, FB_QUERY_VHDSET);
    assert_int_equal(fx_hdr(delete_snapshot(f, lo, 2, VM, 0)).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_QUERY_VHDSET), queries);
    fx_free(f);
}

static void delete_reads_an_active_list_longer_than_its_room(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    rsvd_guid active[40];
    for (int i = 0; i < 40; i++)
        active[i] = fx_guid((uint8_t)(i + 1));
    fb_outcome o = fb_ok();
    o.ids = active;
    o.nids = 40;
    fb_set_default(&f->fb, FB_DISK, FB_QUERY_VHDSET, &o);
    fx_reply *r = delete_snapshot(f, lo, 35, CDP, 0);
    assert_int_equal(r->r.status, RSVD_STATUS_SHARING_VIOLATION);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_QUERY_VHDSET), 2);
    assert_int_equal(f->fb.calls[fb_last(&f->fb, FB_DISK, FB_QUERY_VHDSET)].ids_cap, 40);
    fx_free(f);
}

static void delete_is_issued_to_the_disk_and_its_status_is_the_headers(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fx_vm_snapshot(f, lo, 0x11, 1, true);
    fx_vm_snapshot(f, lo, 0x12, 2, true);
    fb_outcome o = fb_fail(RSVD_STATUS_SHARING_VIOLATION);
    fb_push(&f->fb, FB_DISK, FB_DELETE_SNAPSHOT, &o);
    fx_reply *r = delete_snapshot(f, lo, 1, VM, 0);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SHARING_VIOLATION);
    /* Refused by the disk: still in Open.SnapshotList. */
    assert_int_equal(changes_status(f, lo, 2, 1), RSVD_STATUS_SUCCESS);
    r = delete_snapshot(f, lo, 1, VM, 0);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_DELETE_SNAPSHOT)];
    assert_memory_equal(k->del.snapshot_id.b, fx_guid(1).b, 16);
    assert_int_equal(k->del.snapshot_type, VM);
    assert_false(k->del.persist_reference);
    /* Deleted: out of Open.SnapshotList. */
    assert_int_equal(changes_status(f, lo, 2, 1), RSVD_STATUS_INVALID_PARAMETER);
    fx_free(f);
}

static void delete_request_shorter_than_24_bytes_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    uint8_t body[24] = {0};
    fx_reply *r = fx_v2(f, lo, RSVD_TUNNEL_DELETE_SNAPSHOT, body, 23, 64);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    r = fx_v2(f, lo, RSVD_TUNNEL_DELETE_SNAPSHOT, body, 24, 15);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_DELETE_SNAPSHOT), 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            create_snapshot_shorter_than_92_plus_parameters_payload_size_fails_buffer_too_small),
        cmocka_unit_test(create_snapshot_of_another_type_fails_invalid_parameter_1),
        cmocka_unit_test(create_snapshot_with_stage1_invalid_fails_invalid_parameter_2),
        cmocka_unit_test(create_snapshot_flag_rules_fail_invalid_parameter_5),
        cmocka_unit_test(create_snapshot_stages_must_rise_and_follow_each_other),
        cmocka_unit_test(create_snapshot_with_a_log_file_name_fails_invalid_parameter_6),
        cmocka_unit_test(
            create_snapshot_on_an_open_that_is_not_a_vhd_set_fails_invalid_device_request),
        cmocka_unit_test(create_snapshot_checks_come_in_the_spec_order),
        cmocka_unit_test(create_snapshot_is_issued_to_the_disk_with_the_requests_fields),
        cmocka_unit_test(create_snapshot_header_carries_the_disks_status),
        cmocka_unit_test(cdp_reply_carries_change_tracking_error_status_and_vm_reply_none),
        cmocka_unit_test(
            create_snapshot_on_an_open_without_the_disk_function_gets_invalid_device_request),
        cmocka_unit_test(create_snapshot_on_a_disk_that_cannot_gets_invalid_device_request),
        cmocka_unit_test(a_created_snapshot_joins_the_snapshot_list_with_its_change_tracking),
        cmocka_unit_test(a_failed_creation_does_not_join_the_snapshot_list),
        cmocka_unit_test(later_stages_keep_the_change_tracking_of_initialize),
        cmocka_unit_test(the_snapshot_list_is_the_opens_own),
        cmocka_unit_test(a_snapshot_beyond_the_list_limit_fails_insufficient_resources),
        cmocka_unit_test(
            delete_with_persist_reference_of_a_non_vm_snapshot_is_an_error_in_the_header),
        cmocka_unit_test(
            delete_of_an_active_cdp_snapshot_other_than_the_first_fails_sharing_violation),
        cmocka_unit_test(delete_reads_an_active_list_longer_than_its_room),
        cmocka_unit_test(delete_is_issued_to_the_disk_and_its_status_is_the_headers),
        cmocka_unit_test(delete_request_shorter_than_24_bytes_fails_buffer_too_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
