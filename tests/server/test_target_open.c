/*
 * [MS-RSVD] 3.2.5.7 Receiving an Open Request with a Target Specifier
 * (rsvd_server_create_target()).
 */
#include <stdio.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

#define VM RSVD_SVHDX_SNAPSHOT_TYPE_VM
#define CDP RSVD_SVHDX_SNAPSHOT_TYPE_CDP
#define WRITEABLE RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE

/* The 57-byte EA of 3.1.4.24. */
static size_t target_ea(uint8_t *buf, uint32_t ns, uint32_t type, uint8_t id)
{
    rsvd_block_device_target_specifier ts = {ns, {type, fx_guid(id)}};
    size_t n = 0;
    assert_int_equal(rsvd_target_specifier_ea_build(&ts, buf, 128, &n), RSVD_OK);
    return n;
}

static int target_open_rc(fx *f, const char *name, const uint8_t *ea, size_t ea_len,
                          uintptr_t cookie)
{
    char full[256];
    uint8_t wname[512];
    snprintf(full, sizeof full, "%s:SharedVirtualDisk", name);
    rsvd_server_target_create_req req = RSVD_STRUCT_INIT(rsvd_server_target_create_req);
    req.file_name = wname;
    req.file_name_len = fx_utf16(full, wname, sizeof wname);
    req.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    req.ea_buffer = ea;
    req.ea_buffer_len = ea_len;
    return rsvd_server_create_target(f->srv, &req, (void *)cookie);
}

static fx_reply *target_open(fx *f, const char *name, const uint8_t *ea, size_t ea_len)
{
    size_t before = f->nreplies;
    assert_int_equal(target_open_rc(f, name, ea, ea_len, 0x7A), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    fx_reply *r = fx_last(f);
    assert_int_equal(r->r.command, RSVD_SMB2_CREATE);
    assert_int_equal(r->r.create_context_len, 0);
    return r;
}

static fx_reply *open_snapshot(fx *f, const char *name, uint32_t type, uint8_t id)
{
    uint8_t ea[128];
    size_t n = target_ea(ea, RSVD_BLOCK_DEVICE_TARGET_NAMESPACE_SNAPSHOT_ID, type, id);
    return target_open(f, name, ea, n);
}

static void assert_refused(fx *f, const fx_reply *r, uint32_t status)
{
    assert_int_equal(r->r.status, status);
    assert_int_equal(r->r.local_open, 0);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_OPEN_SNAPSHOT), 0);
    assert_int_equal(rsvd_server_open_count(f->srv), 0);
}

static void an_ea_buffer_without_the_target_specifier_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint8_t ea[256];
    size_t n = target_ea(ea, 0, VM, 1);
    /* EaValueLength below 24. */
    ea[6] = 23;
    assert_refused(f, target_open(f, "set.vhds", ea, n - 1), RSVD_STATUS_INVALID_PARAMETER);
    /* Another EaName. */
    n = target_ea(ea, 0, VM, 1);
    ea[8] = 'r';
    assert_refused(f, target_open(f, "set.vhds", ea, n), RSVD_STATUS_INVALID_PARAMETER);
    /* No EA chain at all. */
    assert_refused(f, target_open(f, "set.vhds", ea, 0), RSVD_STATUS_INVALID_PARAMETER);
    assert_refused(f, target_open(f, "set.vhds", ea, 7), RSVD_STATUS_INVALID_PARAMETER);
    fx_free(f);
}

static void a_target_specifier_after_another_ea_is_found(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint8_t value[24];
    rsvd_block_device_target_specifier ts = {0, {VM, fx_guid(3)}};
    size_t vn = 0;
    assert_int_equal(rsvd_block_device_target_specifier_encode(&ts, value, sizeof value, &vn),
                     RSVD_OK);
    rsvd_file_full_ea_information eas[2] = {
        {0, 0, 4, 2, (const uint8_t *)"user", (const uint8_t *)"ab"},
        {0, RSVD_FILE_NEED_EA, RSVD_TARGET_SPECIFIER_EA_NAME_LENGTH, 24,
         (const uint8_t *)RSVD_TARGET_SPECIFIER_EA_NAME, value}};
    uint8_t buf[256];
    size_t n = 0;
    assert_int_equal(rsvd_file_full_ea_information_chain_encode(eas, 2, buf, sizeof buf, &n),
                     RSVD_OK);
    fx_reply *r = target_open(f, "set.vhds", buf, n);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    fx_free(f);
}

static void a_namespace_other_than_snapshot_id_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint8_t ea[128];
    size_t n = target_ea(ea, 1, VM, 1);
    assert_refused(f, target_open(f, "set.vhds", ea, n), RSVD_STATUS_INVALID_PARAMETER);
    fx_free(f);
}

static void a_snapshot_type_other_than_vm_or_writeable_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    assert_refused(f, open_snapshot(f, "set.vhds", CDP, 1), RSVD_STATUS_INVALID_PARAMETER);
    assert_refused(f, open_snapshot(f, "set.vhds", 0, 1), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(open_snapshot(f, "set.vhds", WRITEABLE, 1)->r.status, RSVD_STATUS_SUCCESS);
    fx_free(f);
}

static void a_new_target_open_is_issued_to_the_disk_and_initialises_the_open(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    fx_reply *r = open_snapshot(f, "set.vhds", VM, 0x2A);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    uint64_t lo = r->r.local_open;
    assert_true(lo != 0);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_OPEN_SNAPSHOT)];
    assert_string_equal(k->file_name, "set.vhds");
    assert_int_equal(k->create_options, RSVD_FILE_NO_INTERMEDIATE_BUFFERING);
    assert_false(k->has_initiator);
    assert_int_equal(k->target.snapshot_type, VM);
    assert_memory_equal(k->target.snapshot_id.b, fx_guid(0x2A).b, 16);
    /* Open.IsVHDSet TRUE: a VHD-set query passes its check. */
    uint8_t q[24] = {RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED};
    assert_int_equal(fx_hdr(fx_v2(f, lo, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION, q, 24, 64)).status,
                     RSVD_STATUS_SUCCESS);
    /* A virtual-SCSI open with its own initiator (decision): reads go to the
     * snapshot's handle. */
    uint8_t buf[512];
    fx_read(f, lo, 0, buf, sizeof buf, 0x7E);
    assert_int_equal(fx_reply_for(f, 0x7E)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(f->fb.nhandles, 1); /* the snapshot's handle is the only one */
    assert_true(f->fb.calls[fb_last(&f->fb, FB_DISK, FB_READ)].handle == (void *)(uintptr_t)1);
    /* Open.FileName: query support finds it; a VHDMP open of the file is
     * refused as for any shared open. */
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, RSVD_ECP_CONTEXT_VERSION_2, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    assert_int_equal(fx_create(f, "set.vhds", ctx, n, 0)->r.status, RSVD_STATUS_VHD_SHARED);
    fx_free(f);
}

static void the_disks_failure_is_the_answer_and_leaves_no_open(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    fb_outcome o = fb_fail(RSVD_STATUS_INVALID_PARAMETER);
    fb_push(&f->fb, FB_DISK, FB_OPEN_SNAPSHOT, &o);
    fx_reply *r = open_snapshot(f, "set.vhds", VM, 1);
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(rsvd_server_open_count(f->srv), 0);
    /* Completing later: the same. */
    o = fb_pend(fb_fail(RSVD_STATUS_FILE_CORRUPT_ERROR));
    fb_push(&f->fb, FB_DISK, FB_OPEN_SNAPSHOT, &o);
    assert_int_equal(target_open_rc(f, "set.vhds", NULL, 0, 1), RSVD_OK); /* no EA */
    uint8_t ea[128];
    size_t n = target_ea(ea, 0, VM, 1);
    assert_int_equal(target_open_rc(f, "set.vhds", ea, n, 0x55), RSVD_OK);
    assert_int_equal(fx_replies_for(f, 0x55), 0);
    assert_int_equal(rsvd_server_open_count(f->srv), 1);
    fb_complete(&f->fb, fb_nth_pending(&f->fb, 0));
    assert_int_equal(fx_reply_for(f, 0x55)->r.status, RSVD_STATUS_FILE_CORRUPT_ERROR);
    assert_int_equal(rsvd_server_open_count(f->srv), 0);
    fx_free(f);
}

static void an_open_of_the_same_snapshot_is_answered_success_and_shared(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t a = open_snapshot(f, "set.vhds", VM, 0x2A)->r.local_open;
    fx_reply *r = open_snapshot(f, "Set.VHDS", VM, 0x2A);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.local_open, a);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_OPEN_SNAPSHOT), 1);
    assert_int_equal(rsvd_server_open_count(f->srv), 1);
    /* The first CLOSE ends one SMB2 open; the second closes the open. */
    assert_int_equal(rsvd_server_close(f->srv, a, (void *)0xC1), RSVD_OK);
    assert_int_equal(fx_reply_for(f, 0xC1)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CLOSE), 0);
    uint8_t buf[512];
    fx_read(f, a, 0, buf, sizeof buf, 0x7E);
    assert_int_equal(fx_reply_for(f, 0x7E)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_server_close(f->srv, a, (void *)0xC2), RSVD_OK);
    assert_int_equal(fx_reply_for(f, 0xC2)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_CLOSE), 1);
    assert_int_equal(rsvd_server_open_count(f->srv), 0);
    f->nopens = 0;
    fx_free(f);
}

static void other_snapshots_and_other_files_get_opens_of_their_own(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t a = open_snapshot(f, "set.vhds", VM, 1)->r.local_open;
    uint64_t b = open_snapshot(f, "set.vhds", VM, 2)->r.local_open;
    uint64_t c = open_snapshot(f, "other.vhds", VM, 1)->r.local_open;
    assert_true(a != b && a != c && b != c);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_OPEN_SNAPSHOT), 3);
    /* A regular open of the file is no target open, whatever the id. */
    (void)fx_open_v2(f, "zero.vhds");
    assert_int_equal(open_snapshot(f, "zero.vhds", VM, 0)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_OPEN_SNAPSHOT), 4);
    fx_free(f);
}

static void drop_open_snapshot(fake_backend *fb)
{
    fb->disk_ops.open_snapshot = NULL;
}

static void a_server_that_cannot_open_snapshots_says_why(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 2;
    fx *f = fx_new_edit(&cfg, true, true, drop_open_snapshot);
    assert_refused(f, open_snapshot(f, "set.vhds", VM, 1), RSVD_STATUS_INVALID_DEVICE_REQUEST);
    fx_free(f);
    f = fx_new_cfg(&cfg, true, false); /* no virtual SCSI disk */
    assert_refused(f, open_snapshot(f, "set.vhds", VM, 1), RSVD_STATUS_NOT_SUPPORTED);
    fx_free(f);
    /* A version-1 server (decision), and IsSVHDXSupported FALSE (3.2.5). */
    f = fx_new(1);
    assert_refused(f, open_snapshot(f, "set.vhds", VM, 1), RSVD_STATUS_SVHDX_VERSION_MISMATCH);
    fx_free(f);
    cfg.svhdx_supported = false;
    f = fx_new_cfg(&cfg, true, true);
    assert_refused(f, open_snapshot(f, "set.vhds", VM, 1), RSVD_STATUS_INVALID_DEVICE_REQUEST);
    fx_free(f);
}

static void the_request_struct_is_versioned(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    rsvd_server_target_create_req req = RSVD_STRUCT_INIT(rsvd_server_target_create_req);
    assert_int_equal(rsvd_server_create_target(NULL, &req, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_server_create_target(f->srv, NULL, NULL), RSVD_E_INVAL);
    req.struct_size = 0; /* not set by RSVD_STRUCT_INIT */
    assert_int_equal(rsvd_server_create_target(f->srv, &req, NULL), RSVD_E_INVAL);
    /* From newer headers: a member this library does not know, set. */
    struct {
        rsvd_server_target_create_req r;
        uint64_t more;
    } big;
    memset(&big, 0, sizeof big);
    big.r.struct_size = sizeof big;
    assert_int_equal(rsvd_server_create_target(f->srv, &big.r, (void *)0x1), RSVD_OK);
    assert_int_equal(fx_reply_for(f, 0x1)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    big.more = 1;
    assert_int_equal(rsvd_server_create_target(f->srv, &big.r, NULL), RSVD_E_NOTSUP);
    req = (rsvd_server_target_create_req)RSVD_STRUCT_INIT(rsvd_server_target_create_req);
    req.ea_buffer_len = 5; /* no buffer */
    assert_int_equal(rsvd_server_create_target(f->srv, &req, NULL), RSVD_E_INVAL);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_ea_buffer_without_the_target_specifier_fails_invalid_parameter),
        cmocka_unit_test(a_target_specifier_after_another_ea_is_found),
        cmocka_unit_test(a_namespace_other_than_snapshot_id_fails_invalid_parameter),
        cmocka_unit_test(a_snapshot_type_other_than_vm_or_writeable_fails_invalid_parameter),
        cmocka_unit_test(a_new_target_open_is_issued_to_the_disk_and_initialises_the_open),
        cmocka_unit_test(the_disks_failure_is_the_answer_and_leaves_no_open),
        cmocka_unit_test(an_open_of_the_same_snapshot_is_answered_success_and_shared),
        cmocka_unit_test(other_snapshots_and_other_files_get_opens_of_their_own),
        cmocka_unit_test(a_server_that_cannot_open_snapshots_says_why),
        cmocka_unit_test(the_request_struct_is_versioned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
