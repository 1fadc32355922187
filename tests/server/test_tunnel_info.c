/*
 * The tunnel operations that ask the virtual disk about itself:
 * [MS-RSVD] 3.2.5.5.1 (GET_INITIAL_INFO), 3.2.5.5.4 (GET_DISK_INFO) and
 * 3.2.5.5.6 (VALIDATE_DISK).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

static fx_reply *tunnel(fx *f, uint64_t lo, uint32_t op, uint64_t rid, uint32_t max_output)
{
    uint8_t body[56] = {0};
    size_t before = f->nreplies;
    size_t len = op == RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION ? 0 : sizeof body;
    fx_tunnel(f, lo, op, rid, body, len, max_output, NULL, 0x77);
    assert_int_equal(f->nreplies, before + 1);
    fx_reply *r = fx_last(f);
    assert_int_equal(r->r.command, RSVD_SMB2_IOCTL);
    assert_int_equal(r->r.ctl_code, RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST);
    return r;
}

/* ---- 3.2.5.5.1 GET_INITIAL_INFO ------------------------------------------------------- */

static void initial_info_with_max_output_below_40_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fx_reply *r = tunnel(f, lo, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 1, 39);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(r->r.output_len, 0);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_GET_INFO), 0);
    fx_free(f);
}

static void initial_info_returns_server_version_and_the_disk_sizes(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_ok();
    o.info.sector_size = 512; /* example 4.1 */
    o.info.physical_sector_size = 256;
    o.info.virtual_size = 0x4000000000000000ull;
    fb_push(&f->fb, FB_DISK, FB_GET_INFO, &o);
    fx_reply *r = tunnel(f, lo, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 0x1EC7871Eu, 40);
    uint8_t want[64];
    size_t n = tu_golden_get("rsvd_initial_info_response_ex41", want, sizeof want);
    tu_assert_bytes(r->out, r->r.output_len, want, n);
    fx_free(f);

    f = fx_new(2); /* ServerVersion is the server's */
    lo = fx_open_scsi(f, "d.vhdx", true);
    r = tunnel(f, lo, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 5, 4096);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.output_len, 40);
    rsvd_svhdx_tunnel_initial_info_response resp;
    assert_int_equal(rsvd_svhdx_tunnel_initial_info_response_decode(r->out + 16, 24, &resp),
                     RSVD_OK);
    assert_int_equal(resp.server_version, 2);
    assert_int_equal(resp.sector_size, 512);
    assert_int_equal(resp.physical_sector_size, 4096);
    assert_int_equal(resp.virtual_size, 1ull << 30);
    fx_free(f);
}

static void initial_info_disk_error_is_the_header_status_without_body(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_fail(RSVD_STATUS_DEVICE_NOT_READY);
    fb_push(&f->fb, FB_DISK, FB_GET_INFO, &o);
    fx_reply *r = tunnel(f, lo, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 9, 40);
    rsvd_tunnel_hdr h = fx_hdr(r);
    assert_int_equal(h.status, RSVD_STATUS_DEVICE_NOT_READY);
    assert_int_equal(h.request_id, 9);
    assert_int_equal(h.operation_code, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION);
    assert_int_equal(r->r.output_len, 16);
    fx_free(f);
}

static void initial_info_completing_later_replies_then(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_pend(fb_ok());
    o.info.sector_size = 4096;
    fb_push(&f->fb, FB_DISK, FB_GET_INFO, &o);
    uint8_t out[40];
    fx_tunnel(f, lo, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 3, NULL, 0, sizeof out, out, 31);
    assert_int_equal(fx_replies_for(f, 31), 0);
    assert_int_equal(fb_complete(&f->fb, fb_last(&f->fb, FB_DISK, FB_GET_INFO)), RSVD_OK);
    fx_reply *r = fx_reply_for(f, 31);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    rsvd_svhdx_tunnel_initial_info_response resp;
    assert_int_equal(rsvd_svhdx_tunnel_initial_info_response_decode(r->out + 16, 24, &resp),
                     RSVD_OK);
    assert_int_equal(resp.sector_size, 4096);
    fx_free(f);
}

static void disk_operations_on_an_object_store_open_get_invalid_device_request(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    const uint32_t ops[] = {RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION,
                            RSVD_TUNNEL_GET_DISK_INFO_OPERATION,
                            RSVD_TUNNEL_VALIDATE_DISK_OPERATION};
    for (size_t i = 0; i < 3; i++) {
        fx_reply *r = tunnel(f, lo, ops[i], 4, 4096);
        assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
        assert_int_equal(r->r.output_len, 16);
    }
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_GET_INFO), 0);
    fx_free(f);
}

/* ---- 3.2.5.5.4 GET_DISK_INFO ------------------------------------------------------------- */

static void disk_info_with_max_output_below_72_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(tunnel(f, lo, RSVD_TUNNEL_GET_DISK_INFO_OPERATION, 1, 71)->r.status,
                     RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_GET_INFO), 0);
    assert_int_equal(fx_hdr(tunnel(f, lo, RSVD_TUNNEL_GET_DISK_INFO_OPERATION, 1, 72)).status,
                     RSVD_STATUS_SUCCESS);
    fx_free(f);
}

static fb_outcome golden_disk(void)
{
    fb_outcome o = fb_ok();
    o.info.disk_type = RSVD_VHD_TYPE_DYNAMIC;
    o.info.block_size = 32u << 20;
    o.info.is_mounted = true;
    o.info.is_4k_aligned = true;
    o.info.file_size = 0x04400000;
    const uint8_t id[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                            0x99, 0x00, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
    memcpy(o.info.virtual_disk_id.b, id, 16);
    return o;
}

static void disk_info_returns_the_disks_properties_as_vhdx(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = golden_disk();
    fb_push(&f->fb, FB_DISK, FB_GET_INFO, &o);
    fx_reply *r = tunnel(f, lo, RSVD_TUNNEL_GET_DISK_INFO_OPERATION, 7, 72);
    uint8_t want[128];
    size_t n = tu_golden_get("rsvd_disk_info_response", want, sizeof want);
    tu_assert_bytes(r->out, r->r.output_len, want, n);
    fx_free(f);
}

static void disk_info_format_is_vhdset_only_for_a_vhds_open_on_a_v2_server(void **state)
{
    (void)state;
    for (uint32_t v = 1; v <= 2; v++) {
        fx *f = fx_new(v);
        uint64_t set = fx_open_scsi(f, "group.VHDS", true);
        uint64_t disk = fx_open_scsi(f, "group.vhdx", true);
        rsvd_svhdx_tunnel_disk_info_response resp;
        fx_reply *r = tunnel(f, set, RSVD_TUNNEL_GET_DISK_INFO_OPERATION, 1, 72);
        assert_int_equal(rsvd_svhdx_tunnel_disk_info_response_decode(r->out + 16, 56, &resp),
                         RSVD_OK);
        assert_int_equal(resp.disk_format, v == 2 ? RSVD_VIRTUAL_STORAGE_TYPE_DEVICE_VHDSET
                                                  : RSVD_VIRTUAL_STORAGE_TYPE_DEVICE_VHDX);
        r = tunnel(f, disk, RSVD_TUNNEL_GET_DISK_INFO_OPERATION, 1, 72);
        assert_int_equal(rsvd_svhdx_tunnel_disk_info_response_decode(r->out + 16, 56, &resp),
                         RSVD_OK);
        assert_int_equal(resp.disk_format, RSVD_VIRTUAL_STORAGE_TYPE_DEVICE_VHDX);
        fx_free(f);
    }
}

static void disk_info_disk_error_is_the_header_status_without_body(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_fail(RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE);
    fb_push(&f->fb, FB_DISK, FB_GET_INFO, &o);
    fx_reply *r = tunnel(f, lo, RSVD_TUNNEL_GET_DISK_INFO_OPERATION, 1, 72);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE);
    assert_int_equal(r->r.output_len, 16);
    fx_free(f);
}

/* ---- 3.2.5.5.6 VALIDATE_DISK ------------------------------------------------------------- */

static void validate_with_max_output_below_17_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(tunnel(f, lo, RSVD_TUNNEL_VALIDATE_DISK_OPERATION, 1, 16)->r.status,
                     RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_VALIDATE), 0);
    fx_free(f);
}

static void validate_returns_is_valid_disk_from_the_disk(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fx_reply *r = tunnel(f, lo, RSVD_TUNNEL_VALIDATE_DISK_OPERATION, 8, 17);
    uint8_t want[64];
    size_t n = tu_golden_get("rsvd_validate_disk_response", want, sizeof want);
    tu_assert_bytes(r->out, r->r.output_len, want, n);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_VALIDATE), 1);
    fb_outcome o = fb_ok();
    o.result.valid = false;
    fb_push(&f->fb, FB_DISK, FB_VALIDATE, &o);
    r = tunnel(f, lo, RSVD_TUNNEL_VALIDATE_DISK_OPERATION, 8, 17);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.output_len, 17);
    assert_int_equal(r->out[16], 0);
    fx_free(f);
}

static void validate_disk_error_is_the_header_status_with_the_body(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_fail(RSVD_STATUS_FILE_CORRUPT_ERROR);
    fb_push(&f->fb, FB_DISK, FB_VALIDATE, &o);
    fx_reply *r = tunnel(f, lo, RSVD_TUNNEL_VALIDATE_DISK_OPERATION, 8, 100);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_FILE_CORRUPT_ERROR);
    assert_int_equal(r->r.output_len, 17);
    assert_int_equal(r->out[16], 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(initial_info_with_max_output_below_40_fails_buffer_too_small),
        cmocka_unit_test(initial_info_returns_server_version_and_the_disk_sizes),
        cmocka_unit_test(initial_info_disk_error_is_the_header_status_without_body),
        cmocka_unit_test(initial_info_completing_later_replies_then),
        cmocka_unit_test(disk_operations_on_an_object_store_open_get_invalid_device_request),
        cmocka_unit_test(disk_info_with_max_output_below_72_fails_buffer_too_small),
        cmocka_unit_test(disk_info_returns_the_disks_properties_as_vhdx),
        cmocka_unit_test(disk_info_format_is_vhdset_only_for_a_vhds_open_on_a_v2_server),
        cmocka_unit_test(disk_info_disk_error_is_the_header_status_without_body),
        cmocka_unit_test(validate_with_max_output_below_17_fails_buffer_too_small),
        cmocka_unit_test(validate_returns_is_valid_disk_from_the_disk),
        cmocka_unit_test(validate_disk_error_is_the_header_status_with_the_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
