/*
 * [MS-RSVD] 3.2.5.5 Receiving a tunnel operation: the common prologue
 * (Open lookup, input size, protocol, version and operation checks) and
 * 3.2.5.5.2 RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION; the dispatch of
 * the version-2 operations.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

static fx_reply *ioctl_raw(fx *f, uint64_t lo, uint32_t ctl, const uint8_t *in, uint32_t in_len,
                           uint32_t max_output)
{
    rsvd_server_ioctl_req req = {lo, ctl, in, in_len, max_output, f->out};
    size_t before = f->nreplies;
    assert_int_equal(rsvd_server_ioctl(f->srv, &req, (void *)(uintptr_t)0x10), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    return fx_last(f);
}

static fx_reply *tunnel(fx *f, uint64_t lo, uint32_t op, uint32_t max_output)
{
    size_t before = f->nreplies;
    fx_tunnel(f, lo, op, 0x0102030405060708ull, NULL, 0, max_output, NULL, 0x20);
    assert_int_equal(f->nreplies, before + 1);
    return fx_last(f);
}

/* "construct the header ... and return it": SMB2 success, the 16-byte
 * header with OperationCode and RequestId echoed and Status @p status. */
static void assert_header_only(const fx_reply *r, uint32_t op, uint32_t status)
{
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.output_len, 16);
    rsvd_tunnel_hdr h = fx_hdr(r);
    assert_int_equal(h.operation_code, op);
    assert_int_equal(h.status, status);
    assert_int_equal(h.request_id, 0x0102030405060708ull);
}

/* ---- the prologue --------------------------------------------------------------------- */

static void tunnel_on_unknown_open_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    fx_reply *r = tunnel(f, 12345, RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, 64);
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(r->r.output_len, 0);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(rsvd_server_close(f->srv, lo, NULL), RSVD_OK);
    r = tunnel(f, lo, RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, 64);
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
    fx_free(f);
}

static void tunnel_input_shorter_than_the_header_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    uint8_t in[16] = {0x03, 0x10, 0x00, 0x02};
    for (uint32_t n = 0; n < 16; n++) {
        fx_reply *r = ioctl_raw(f, lo, RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, n ? in : NULL, n, 64);
        assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
        assert_int_equal(r->r.output_len, 0);
    }
    fx_free(f);
}

static void tunnel_operation_code_of_another_protocol_fails_invalid_device_request(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    const uint32_t ops[] = {0x03001001u, 0x00001003u, 0xFF001003u, 0x01002005u};
    for (size_t i = 0; i < 4; i++) {
        fx_reply *r = tunnel(f, lo, ops[i], 64);
        assert_int_equal(r->r.status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
        assert_int_equal(r->r.output_len, 0);
    }
    fx_free(f);
}

static void v1_server_answers_other_version_classes_with_version_mismatch(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    const uint32_t ops[] = {RSVD_TUNNEL_VHDSET_QUERY_INFORMATION, RSVD_TUNNEL_META_OPERATION_START,
                            0x02000001u, 0x02003001u, 0x02FFF003u};
    for (size_t i = 0; i < 5; i++)
        assert_header_only(tunnel(f, lo, ops[i], 64), ops[i], RSVD_STATUS_SVHDX_VERSION_MISMATCH);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_GET_INFO), 0);
    fx_free(f);
}

static void v2_server_answers_classes_other_than_1_and_2_with_version_mismatch(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    const uint32_t ops[] = {0x02000001u, 0x02003001u, 0x02004003u, 0x02FFF003u};
    for (size_t i = 0; i < 4; i++)
        assert_header_only(tunnel(f, lo, ops[i], 64), ops[i], RSVD_STATUS_SVHDX_VERSION_MISMATCH);
    fx_free(f);
}

static void operation_code_not_in_2_2_2_gets_invalid_parameter_in_the_header(void **state)
{
    (void)state;
    for (uint32_t v = 1; v <= 2; v++) {
        fx *f = fx_new(v);
        uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
        const uint32_t ops[] = {0x02001000u, 0x02001007u, 0x02001FFFu};
        for (size_t i = 0; i < 3; i++)
            assert_header_only(tunnel(f, lo, ops[i], 64), ops[i], RSVD_STATUS_INVALID_PARAMETER);
        if (v == 2) {
            const uint32_t v2ops[] = {0x02002001u, 0x02002003u, 0x02002101u + 1u};
            for (size_t i = 0; i < 3; i++)
                assert_header_only(tunnel(f, lo, v2ops[i], 64), v2ops[i],
                                   RSVD_STATUS_INVALID_PARAMETER);
        }
        fx_free(f);
    }
}

static const uint32_t v2_ops[] = {
    RSVD_TUNNEL_META_OPERATION_START,           RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS,
    RSVD_TUNNEL_VHDSET_QUERY_INFORMATION,       RSVD_TUNNEL_DELETE_SNAPSHOT,
    RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS, RSVD_TUNNEL_CHANGE_TRACKING_START,
    RSVD_TUNNEL_CHANGE_TRACKING_STOP,           RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES,
    RSVD_TUNNEL_QUERY_SAFE_SIZE,
};

static void v1_server_answers_every_version_2_operation_with_version_mismatch(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "set.vhds", true);
    for (size_t i = 0; i < sizeof v2_ops / sizeof v2_ops[0]; i++)
        assert_header_only(tunnel(f, lo, v2_ops[i], 4096), v2_ops[i],
                           RSVD_STATUS_SVHDX_VERSION_MISMATCH);
    assert_int_equal(f->fb.ncalls, 1); /* the open */
    fx_free(f);
}

static void every_version_2_operation_on_a_v2_server_reaches_the_disk_by_its_section(
    void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fx_vm_snapshot(f, lo, 1, 1, true);
    fx_vm_snapshot(f, lo, 2, 2, true);
    uint8_t body[64];
    memset(body, 0, sizeof body);
    const struct {
        uint32_t op;
        size_t len;
        fb_op call;
    } cases[] = {
        {RSVD_TUNNEL_META_OPERATION_START, 24, FB_OPTIMIZE}, /* OperationType 2 below */
        {RSVD_TUNNEL_VHDSET_QUERY_INFORMATION, 24, FB_QUERY_VHDSET},
        {RSVD_TUNNEL_DELETE_SNAPSHOT, 24, FB_DELETE_SNAPSHOT},
        {RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS, 0, FB_CT_GET_PARAMETERS},
        {RSVD_TUNNEL_CHANGE_TRACKING_START, 56, FB_CT_START},
        {RSVD_TUNNEL_CHANGE_TRACKING_STOP, 0, FB_CT_STOP},
        {RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES, 56, FB_QUERY_CHANGES},
        {RSVD_TUNNEL_QUERY_SAFE_SIZE, 0, FB_QUERY_SAFE_SIZE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(body, 0, sizeof body);
        if (cases[i].op == RSVD_TUNNEL_META_OPERATION_START)
            body[16] = RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE;
        if (cases[i].op == RSVD_TUNNEL_VHDSET_QUERY_INFORMATION)
            body[0] = RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED;
        if (cases[i].op == RSVD_TUNNEL_DELETE_SNAPSHOT)
            body[20] = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
        if (cases[i].op == RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES) {
            memset(body, 2, 16);      /* TargetSnapshotId */
            memset(body + 16, 1, 16); /* LimitSnapshotId */
            body[32] = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
        }
        size_t before = fb_count(&f->fb, FB_DISK, cases[i].call);
        fx_reply *r = fx_v2(f, lo, cases[i].op, body, cases[i].len, 4096);
        assert_int_equal(fx_hdr(r).operation_code, cases[i].op);
        assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
        assert_int_equal(fb_count(&f->fb, FB_DISK, cases[i].call), before + 1);
    }
    /* QUERY_PROGRESS reads what the disk reported for the START above. */
    memset(body, 0, 16);
    assert_int_equal(
        fx_hdr(fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS, body, 16, 64)).status,
        RSVD_STATUS_SUCCESS);
    fx_free(f);
}

static void prologue_header_with_max_output_below_16_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fx_reply *r = tunnel(f, lo, 0x02002005u, 15);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(r->r.output_len, 0);
    fx_free(f);
}

static void async_tunnel_fsctl_is_processed_as_the_sync_one(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    uint8_t in[16];
    rsvd_tunnel_hdr h = {RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, 0, 0x0102030405060708ull};
    assert_int_equal(rsvd_tunnel_hdr_encode(&h, in, sizeof in), RSVD_OK);
    fx_reply *r = ioctl_raw(f, lo, RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, in, 16, 16);
    assert_int_equal(r->r.ctl_code, RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST);
    assert_header_only(r, RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, RSVD_STATUS_SUCCESS);
    h.operation_code = 0x02003001u;
    assert_int_equal(rsvd_tunnel_hdr_encode(&h, in, sizeof in), RSVD_OK);
    r = ioctl_raw(f, lo, RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, in, 16, 16);
    assert_header_only(r, 0x02003001u, RSVD_STATUS_SVHDX_VERSION_MISMATCH);
    fx_free(f);
}

/* ---- 3.2.5.5.2 CHECK_CONNECTION_STATUS --------------------------------------------------- */

static void check_connection_with_max_output_below_16_fails_buffer_overflow(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    for (uint32_t m = 0; m < 16; m++) {
        fx_reply *r = tunnel(f, lo, RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, m);
        assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_OVERFLOW);
        assert_int_equal(r->r.output_len, 0);
    }
    fx_free(f);
}

static void check_connection_returns_a_success_header_ignoring_the_request_status(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx"); /* any open */
    /* fx_tunnel sends Status 0xFFFFFFFF, which the server MUST ignore. */
    fx_reply *r = tunnel(f, lo, RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, 16);
    assert_header_only(r, RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, RSVD_STATUS_SUCCESS);
    uint8_t want[16];
    size_t n = tu_golden_get("rsvd_check_connection", want, sizeof want);
    rsvd_tunnel_hdr g;
    assert_int_equal(rsvd_tunnel_hdr_decode(want, n, &g), RSVD_OK);
    fx_tunnel(f, lo, g.operation_code, g.request_id, NULL, 0, 1024, NULL, 1);
    tu_assert_bytes(fx_last(f)->out, fx_last(f)->r.output_len, want, n);
    assert_int_equal(f->fb.ncalls, 1);
    fx_free(f);
}

static void ioctl_with_null_buffers_is_refused(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    rsvd_server_ioctl_req req = {1, RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, NULL, 16, 16, f->out};
    assert_int_equal(rsvd_server_ioctl(f->srv, &req, NULL), RSVD_E_INVAL);
    req.input = f->out;
    req.output = NULL;
    assert_int_equal(rsvd_server_ioctl(f->srv, &req, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_server_ioctl(f->srv, NULL, NULL), RSVD_E_INVAL);
    assert_int_equal(f->nreplies, 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tunnel_on_unknown_open_fails_invalid_parameter),
        cmocka_unit_test(tunnel_input_shorter_than_the_header_fails_buffer_too_small),
        cmocka_unit_test(tunnel_operation_code_of_another_protocol_fails_invalid_device_request),
        cmocka_unit_test(v1_server_answers_other_version_classes_with_version_mismatch),
        cmocka_unit_test(v2_server_answers_classes_other_than_1_and_2_with_version_mismatch),
        cmocka_unit_test(operation_code_not_in_2_2_2_gets_invalid_parameter_in_the_header),
        cmocka_unit_test(v1_server_answers_every_version_2_operation_with_version_mismatch),
        cmocka_unit_test(
            every_version_2_operation_on_a_v2_server_reaches_the_disk_by_its_section),
        cmocka_unit_test(prologue_header_with_max_output_below_16_fails_buffer_too_small),
        cmocka_unit_test(async_tunnel_fsctl_is_processed_as_the_sync_one),
        cmocka_unit_test(check_connection_with_max_output_below_16_fails_buffer_overflow),
        cmocka_unit_test(check_connection_returns_a_success_header_ignoring_the_request_status),
        cmocka_unit_test(ioctl_with_null_buffers_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
