/*
 * [MS-RSVD] 3.2.5.6 Handling a Query Shared Virtual Disk Support Request,
 * as [MS-SMB2] 3.3.5.15.16 hands it over: Open.LocalOpen (of any open) and
 * Open.FileName.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

static fx_reply *query(fx *f, uint64_t lo, const char *name, uint32_t max_output)
{
    uint8_t wname[2048];
    rsvd_server_query_support_req req = {lo, wname, fx_utf16(name, wname, sizeof wname),
                                         max_output, f->out};
    size_t before = f->nreplies;
    assert_int_equal(rsvd_server_query_support(f->srv, &req, (void *)(uintptr_t)0x95), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    fx_reply *r = fx_last(f);
    assert_int_equal(r->r.command, RSVD_SMB2_IOCTL);
    assert_int_equal(r->r.ctl_code, RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT);
    return r;
}

static rsvd_svhdx_shared_virtual_disk_support_response decode(const fx_reply *r)
{
    rsvd_svhdx_shared_virtual_disk_support_response s;
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.output_len, 8); /* no tunnel header */
    assert_int_equal(rsvd_svhdx_shared_virtual_disk_support_response_decode(r->out, 8, &s),
                     RSVD_OK);
    return s;
}

static void query_support_with_max_output_below_8_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    fx_reply *r = query(f, 0, "d.vhdx", 7);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(r->r.output_len, 0);
    decode(query(f, 0, "d.vhdx", 8));
    fx_free(f);
}

static void support_is_1_on_a_v1_server_and_7_on_a_v2_server(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    assert_int_equal(decode(query(f, 0, "d.vhdx", 8)).shared_virtual_disk_support,
                     RSVD_SHARED_VIRTUAL_DISKS_SUPPORTED);
    fx_free(f);
    f = fx_new(2);
    assert_int_equal(decode(query(f, 0, "d.vhdx", 8)).shared_virtual_disk_support,
                     RSVD_SHARED_VIRTUAL_DISK_SNAPSHOTS_SUPPORTED);
    fx_free(f);
}

static void name_without_an_open_is_handle_state_none(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    fx_open_scsi(f, "other.vhdx", true);
    assert_int_equal(decode(query(f, 0, "d.vhdx", 8)).shared_virtual_disk_handle_state,
                     RSVD_HANDLE_STATE_NONE);
    assert_int_equal(decode(query(f, 0, "d.vhdx:SharedVirtualDisk", 8))
                         .shared_virtual_disk_handle_state,
                     RSVD_HANDLE_STATE_NONE);
    fx_free(f);
}

static void the_open_of_this_handle_is_handle_state_shared(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fx_reply *r = query(f, lo, "d.vhdx:SharedVirtualDisk", 8);
    uint8_t want[8];
    size_t n = tu_golden_get("rsvd_shared_virtual_disk_support_response", want, sizeof want);
    tu_assert_bytes(r->out, r->r.output_len, want, n);
    /* Several opens of the name, this handle's among them: still Shared. */
    fx_open_scsi(f, "d.vhdx", true);
    uint64_t later = fx_open_scsi(f, "d.vhdx", true);
    fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(decode(query(f, lo, "d.vhdx", 8)).shared_virtual_disk_handle_state,
                     RSVD_HANDLE_STATE_SHARED);
    assert_int_equal(decode(query(f, later, "d.vhdx", 8)).shared_virtual_disk_handle_state,
                     RSVD_HANDLE_STATE_SHARED);
    fx_free(f);
}

static void an_open_by_another_handle_is_handle_state_file_shared(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t a = fx_open_scsi(f, "d.vhdx", true);
    uint64_t b = fx_open_store(f, "e.vhdx");
    /* A plain (not RSVD) open of the file: LocalOpen 0, name without suffix,
     * another case. */
    assert_int_equal(decode(query(f, 0, "D.VHDX", 8)).shared_virtual_disk_handle_state,
                     RSVD_HANDLE_STATE_FILE_SHARED);
    /* An RSVD open of another file. */
    assert_int_equal(decode(query(f, b, "d.vhdx", 8)).shared_virtual_disk_handle_state,
                     RSVD_HANDLE_STATE_FILE_SHARED);
    (void)a;
    fx_free(f);
}

static void closed_and_pending_opens_are_not_in_the_open_table(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(rsvd_server_close(f->srv, lo, NULL), RSVD_OK);
    assert_int_equal(decode(query(f, lo, "d.vhdx", 8)).shared_virtual_disk_handle_state,
                     RSVD_HANDLE_STATE_NONE);
    fb_outcome pend = fb_pend(fb_ok());
    fb_push(&f->fb, FB_DISK, FB_OPEN, &pend);
    uint8_t ctx[192], room[192], wname[64];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    rsvd_server_create_req req = {0, wname, fx_utf16("p.vhdx", wname, sizeof wname),
                                  RSVD_FILE_NO_INTERMEDIATE_BUFFERING, ctx, n, room, sizeof room};
    assert_int_equal(rsvd_server_create(f->srv, &req, (void *)(uintptr_t)3), RSVD_OK);
    assert_int_equal(decode(query(f, 0, "p.vhdx", 8)).shared_virtual_disk_handle_state,
                     RSVD_HANDLE_STATE_NONE);
    fb_complete_all(&f->fb);
    assert_int_equal(decode(query(f, 0, "p.vhdx", 8)).shared_virtual_disk_handle_state,
                     RSVD_HANDLE_STATE_FILE_SHARED);
    fx_free(f);
}

static void long_and_malformed_names_are_answered(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    char name[900];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    fx_open_store(f, name);
    assert_int_equal(decode(query(f, 0, name, 8)).shared_virtual_disk_handle_state,
                     RSVD_HANDLE_STATE_FILE_SHARED);
    const uint8_t lone[] = {'d', 0, 0x00, 0xDC};
    rsvd_server_query_support_req req = {0, lone, sizeof lone, 8, f->out};
    assert_int_equal(rsvd_server_query_support(f->srv, &req, NULL), RSVD_OK);
    assert_int_equal(decode(fx_last(f)).shared_virtual_disk_handle_state, RSVD_HANDLE_STATE_NONE);
    rsvd_server_query_support_req empty = {0, NULL, 0, 8, f->out};
    assert_int_equal(rsvd_server_query_support(f->srv, &empty, NULL), RSVD_OK);
    assert_int_equal(decode(fx_last(f)).shared_virtual_disk_handle_state, RSVD_HANDLE_STATE_NONE);
    rsvd_server_query_support_req bad = {0, NULL, 2, 8, f->out};
    assert_int_equal(rsvd_server_query_support(f->srv, &bad, NULL), RSVD_E_INVAL);
    assert_int_equal(decode(query(f, 0, "d", 4096)).shared_virtual_disk_handle_state,
                     RSVD_HANDLE_STATE_NONE);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(query_support_with_max_output_below_8_fails_buffer_too_small),
        cmocka_unit_test(support_is_1_on_a_v1_server_and_7_on_a_v2_server),
        cmocka_unit_test(name_without_an_open_is_handle_state_none),
        cmocka_unit_test(the_open_of_this_handle_is_handle_state_shared),
        cmocka_unit_test(an_open_by_another_handle_is_handle_state_file_shared),
        cmocka_unit_test(closed_and_pending_opens_are_not_in_the_open_table),
        cmocka_unit_test(long_and_malformed_names_are_answered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
