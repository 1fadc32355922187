/*
 * [MS-RSVD] 3.2.4 (the dispatch table of commands on an RSVD open) and the
 * 3.2.5 preamble (IsSVHDXSupported FALSE), for every command.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "server_fixture.h"

static fx_reply *ioctl_code(fx *f, uint64_t lo, uint32_t ctl, uint32_t max_output)
{
    static const uint8_t in[24] = {0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4};
    rsvd_server_ioctl_req req = {lo, ctl, in, sizeof in, max_output, f->out};
    size_t before = f->nreplies;
    assert_int_equal(rsvd_server_ioctl(f->srv, &req, (void *)(uintptr_t)0x10), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    fx_reply *r = fx_last(f);
    assert_int_equal(r->r.command, RSVD_SMB2_IOCTL);
    assert_int_equal(r->r.ctl_code, ctl);
    return r;
}

/* ---- 3.2.5: IsSVHDXSupported FALSE ------------------------------------------------------ */

static void every_command_fails_invalid_device_request_when_svhdx_is_not_supported(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = false;
    cfg.service_version = 2;
    fx *f = fx_new_cfg(&cfg, true, true);
    const uint64_t lo = 0x100000001ull;
    uint8_t buf[64], wname[16];
    size_t wlen = fx_utf16("d", wname, sizeof wname);

    rsvd_server_read_req rd = {lo, 0, sizeof buf, buf};
    assert_int_equal(rsvd_server_read(f->srv, &rd, NULL), RSVD_OK);
    rsvd_server_write_req wr = {lo, 0, sizeof buf, buf};
    assert_int_equal(rsvd_server_write(f->srv, &wr, NULL), RSVD_OK);
    assert_int_equal(rsvd_server_close(f->srv, lo, NULL), RSVD_OK);
    assert_int_equal(rsvd_server_lock(f->srv, lo, NULL), RSVD_OK);
    rsvd_server_query_info_req qi = {lo, RSVD_SMB2_0_INFO_FILE, RSVD_FILE_STANDARD_INFORMATION,
                                     sizeof buf, buf};
    assert_int_equal(rsvd_server_query_info(f->srv, &qi, NULL), RSVD_OK);
    rsvd_server_set_info_req si = {lo, RSVD_SMB2_0_INFO_FILE, RSVD_FILE_END_OF_FILE_INFORMATION,
                                   buf, 8};
    assert_int_equal(rsvd_server_set_info(f->srv, &si, NULL), RSVD_OK);
    rsvd_server_query_support_req qs = {lo, wname, wlen, sizeof buf, buf};
    assert_int_equal(rsvd_server_query_support(f->srv, &qs, NULL), RSVD_OK);
    const uint32_t ctls[] = {RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST,
                             RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST,
                             RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT, RSVD_FSCTL_OFFLOAD_READ,
                             0x0009003Cu};
    for (size_t i = 0; i < 5; i++)
        ioctl_code(f, lo, ctls[i], 64);
    size_t n = f->nreplies;
    assert_int_equal(n, 12);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(f->replies[i].r.status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
        assert_int_equal(f->replies[i].r.output_len, 0);
    }
    assert_int_equal(f->fb.ncalls, 0);
    fx_free(f);
}

/* ---- 3.2.4: LOCK, FSCTL_OFFLOAD_READ/WRITE ------------------------------------------------- */

static void lock_fails_lock_not_granted(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(rsvd_server_lock(f->srv, lo, (void *)(uintptr_t)4), RSVD_OK);
    fx_reply *r = fx_last(f);
    assert_int_equal(r->r.command, RSVD_SMB2_LOCK);
    assert_int_equal((uintptr_t)r->r.cookie, 4);
    assert_int_equal(r->r.status, RSVD_STATUS_LOCK_NOT_GRANTED);
    assert_int_equal(rsvd_server_lock(f->srv, 0, NULL), RSVD_OK);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_LOCK_NOT_GRANTED);
    assert_int_equal(rsvd_server_lock(NULL, lo, NULL), RSVD_E_INVAL);
    assert_int_equal(f->fb.ncalls, 1);
    fx_free(f);
}

static void offload_read_fails_offload_read_file_not_supported(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    fx_reply *r = ioctl_code(f, lo, RSVD_FSCTL_OFFLOAD_READ, 1024);
    assert_int_equal(r->r.status, RSVD_STATUS_OFFLOAD_READ_FILE_NOT_SUPPORTED);
    assert_int_equal(r->r.output_len, 0);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_FSCTL), 0);
    fx_free(f);
}

static void offload_write_fails_offload_write_file_not_supported(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    fx_reply *r = ioctl_code(f, lo, RSVD_FSCTL_OFFLOAD_WRITE, 1024);
    assert_int_equal(r->r.status, RSVD_STATUS_OFFLOAD_WRITE_FILE_NOT_SUPPORTED);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_FSCTL), 0);
    fx_free(f);
}

/* ---- 3.2.4: any other FSCTL goes to the object store ------------------------------------------- */

static void other_fsctl_is_passed_to_the_object_store_and_its_result_returned(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    const uint32_t ctl = 0x0009003Cu; /* FSCTL_GET_COMPRESSION */
    const uint8_t out[2] = {0x02, 0x00};
    fb_outcome o = fb_ok();
    o.data = out;
    o.data_len = sizeof out;
    fb_push(&f->fb, FB_STORE, FB_FSCTL, &o);
    fx_reply *r = ioctl_code(f, lo, ctl, 64);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    tu_assert_bytes(r->out, r->r.output_len, out, sizeof out);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_STORE, FB_FSCTL)];
    assert_int_equal(k->ctl_code, ctl);
    assert_int_equal(k->len, 24);
    assert_int_equal(k->data_head[0], 0xDE);
    assert_int_equal(k->cap, 64);
    /* The store's failure is returned. */
    o = fb_fail(RSVD_STATUS_INVALID_DEVICE_REQUEST);
    fb_push(&f->fb, FB_STORE, FB_FSCTL, &o);
    r = ioctl_code(f, lo, ctl, 64);
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(r->r.output_len, 0);
    /* Output never exceeds MaxOutputResponse, even if the store claims more. */
    o = fb_ok();
    o.result.bytes = 1000;
    fb_push(&f->fb, FB_STORE, FB_FSCTL, &o);
    r = ioctl_code(f, lo, ctl, 8);
    assert_int_equal(r->r.output_len, 8);
    fx_free(f);
}

/* [MS-SMB2] 3.3.4.4: STATUS_BUFFER_OVERFLOW is not a failure for
 * FSCTL_PIPE_TRANSCEIVE, FSCTL_PIPE_PEEK and FSCTL_DFS_GET_REFERRALS, whose
 * partial output is returned; for any other FSCTL it is. */
static void other_fsctl_buffer_overflow_carries_output_only_where_3_3_4_4_says(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    const uint8_t part[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const uint32_t partial[] = {RSVD_FSCTL_PIPE_TRANSCEIVE, RSVD_FSCTL_PIPE_PEEK,
                                RSVD_FSCTL_DFS_GET_REFERRALS};
    fb_outcome o = fb_fail(RSVD_STATUS_BUFFER_OVERFLOW);
    o.data = part;
    o.data_len = sizeof part;
    for (size_t i = 0; i < sizeof partial / sizeof partial[0]; i++) {
        fb_push(&f->fb, FB_STORE, FB_FSCTL, &o);
        fx_reply *r = ioctl_code(f, lo, partial[i], sizeof part);
        assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_OVERFLOW);
        assert_false(rsvd_server_reply_is_error(&r->r));
        tu_assert_bytes(r->out, r->r.output_len, part, sizeof part);
    }
    const uint32_t others[] = {0x0009003Cu /* FSCTL_GET_COMPRESSION */,
                               RSVD_FSCTL_DFS_GET_REFERRALS_EX, RSVD_FSCTL_PIPE_WAIT};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        fb_push(&f->fb, FB_STORE, FB_FSCTL, &o);
        fx_reply *r = ioctl_code(f, lo, others[i], sizeof part);
        assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_OVERFLOW);
        assert_true(rsvd_server_reply_is_error(&r->r));
        assert_int_equal(r->r.output_len, 0);
    }
    fx_free(f);
}

/* The 3.3.4.4 classification, command by command. */
static void reply_is_error_follows_3_3_4_4(void **state)
{
    (void)state;
    rsvd_server_reply r;
    memset(&r, 0, sizeof r);
    const uint16_t cmds[] = {RSVD_SMB2_CREATE, RSVD_SMB2_CLOSE,  RSVD_SMB2_READ,
                             RSVD_SMB2_WRITE,  RSVD_SMB2_LOCK,   RSVD_SMB2_IOCTL,
                             RSVD_SMB2_QUERY_INFO, RSVD_SMB2_SET_INFO};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        r.command = cmds[i];
        r.ctl_code = cmds[i] == RSVD_SMB2_IOCTL ? RSVD_FSCTL_PIPE_PEEK : 0;
        r.status = RSVD_STATUS_SUCCESS;
        assert_false(rsvd_server_reply_is_error(&r));
        r.status = RSVD_STATUS_ACCESS_DENIED;
        assert_true(rsvd_server_reply_is_error(&r));
        r.status = RSVD_STATUS_BUFFER_OVERFLOW;
        bool partial = cmds[i] == RSVD_SMB2_QUERY_INFO || cmds[i] == RSVD_SMB2_IOCTL;
        assert_int_equal(rsvd_server_reply_is_error(&r), !partial);
    }
    r.command = RSVD_SMB2_IOCTL;
    r.ctl_code = RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST; /* MS-RSVD 3.2.5.5.2's failure */
    assert_true(rsvd_server_reply_is_error(&r));
    assert_true(rsvd_server_reply_is_error(NULL));
}

static void other_fsctl_completing_later_replies_then(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    fb_outcome o = fb_pend(fb_ok());
    o.fill_pattern = true;
    fb_push(&f->fb, FB_STORE, FB_FSCTL, &o);
    uint8_t out[32];
    rsvd_server_ioctl_req req = {lo, 0x000900A8u, NULL, 0, sizeof out, out};
    assert_int_equal(rsvd_server_ioctl(f->srv, &req, (void *)(uintptr_t)77), RSVD_OK);
    assert_int_equal(fx_replies_for(f, 77), 0);
    fb_complete_all(&f->fb);
    assert_int_equal(fx_reply_for(f, 77)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_reply_for(f, 77)->r.output_len, 32);
    fx_free(f);
}

static void other_fsctl_on_a_virtual_scsi_open_fails_invalid_device_request(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(ioctl_code(f, lo, 0x0009003Cu, 64)->r.status,
                     RSVD_STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_FSCTL), 0);
    fx_free(f);
}

static void other_fsctl_on_an_unknown_open_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    assert_int_equal(ioctl_code(f, 99, 0x0009003Cu, 64)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(f->fb.ncalls, 0);
    fx_free(f);
}

static void query_support_fsctl_on_an_rsvd_open_is_answered_for_its_name(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fx_reply *r = ioctl_code(f, lo, RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT, 8);
    uint8_t want[8];
    size_t n = tu_golden_get("rsvd_shared_virtual_disk_support_response", want, sizeof want);
    tu_assert_bytes(r->out, r->r.output_len, want, n);
    assert_int_equal(ioctl_code(f, 77, RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT, 8)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_command_fails_invalid_device_request_when_svhdx_is_not_supported),
        cmocka_unit_test(lock_fails_lock_not_granted),
        cmocka_unit_test(offload_read_fails_offload_read_file_not_supported),
        cmocka_unit_test(offload_write_fails_offload_write_file_not_supported),
        cmocka_unit_test(other_fsctl_is_passed_to_the_object_store_and_its_result_returned),
        cmocka_unit_test(other_fsctl_buffer_overflow_carries_output_only_where_3_3_4_4_says),
        cmocka_unit_test(reply_is_error_follows_3_3_4_4),
        cmocka_unit_test(other_fsctl_completing_later_replies_then),
        cmocka_unit_test(other_fsctl_on_a_virtual_scsi_open_fails_invalid_device_request),
        cmocka_unit_test(other_fsctl_on_an_unknown_open_fails_invalid_parameter),
        cmocka_unit_test(query_support_fsctl_on_an_rsvd_open_is_answered_for_its_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
