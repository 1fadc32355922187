/*
 * Client: the application requests resiliency ([MS-SMB2] 3.2.4.20.8) and
 * the response is handled ([MS-SMB2] 3.2.5.14, 3.2.5.14.9, 3.2.5.1).
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "../wire/smb2_test.h"
#include "res_fixture.h"

static void unknown_open_handle_fails_with_noent(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    uint8_t req[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open + 1, 1000, NULL, req, sizeof req, &m),
        RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_request_resiliency(cx.cli, 0, 1000, NULL, req, sizeof req, &m),
                     RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_open_close(cx.cli, cx.open), RSVD_OK);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_E_NOENT);
    cx_fini(&cx);
}

static void no_connection_fails_the_request(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, true);
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, cx.conn, cx.now), RSVD_OK);
    uint8_t req[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_E_AGAIN);
    assert_int_equal(m.len, 0);
    cx_fini(&cx);
}

static void dialect_202_fails_not_supported_with_nothing_sent(void **state)
{
    (void)state;
    cli_fx cx;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_202);
    cx_init(&cx, NULL, &p, false);
    rsvd_res_client_conn_info before = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    rsvd_res_client_conn_info after = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &before), RSVD_OK);
    uint8_t req[256];
    memset(req, 0xAB, sizeof req);
    rsvd_res_client_msg m;
    /* RSVD_E_NOTSUP: STATUS_NOT_SUPPORTED for the application. */
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_E_NOTSUP);
    assert_int_equal(m.len, 0);
    assert_int_equal(req[0], 0xAB);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &after), RSVD_OK);
    assert_true(after.next_message_id == before.next_message_id);
    assert_int_equal(after.outstanding, 0);
    /* Open.ResilientTimeout is set only past the dialect check. */
    assert_int_equal(cx_info(&cx, cx.open).resilient_timeout_ms, 0);
    cx_fini(&cx);
}

static void request_is_the_3_2_4_20_8_ioctl(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    uint8_t req[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 45000, NULL, req, sizeof req, &m),
        RSVD_OK);
    assert_true(m.conn == cx.conn);
    assert_int_equal(m.len, 128);
    rsvd_smb2_ioctl_req q;
    assert_int_equal(rsvd_smb2_ioctl_req_decode(req, m.len, &q), RSVD_OK);
    assert_int_equal(q.hdr.command, RSVD_SMB2_IOCTL);
    assert_true(q.hdr.message_id == m.message_id);
    assert_true(q.hdr.message_id == 0); /* the window starts {0} */
    assert_true(q.hdr.session_id == 0x11);
    assert_int_equal(q.hdr.tree_id, 5);
    assert_false(q.hdr.flags & RSVD_SMB2_FLAGS_SERVER_TO_REDIR);
    assert_int_equal(q.ctl_code, RSVD_FSCTL_LMR_REQUEST_RESILIENCY);
    assert_true(q.file_id.persistent_id == CX_PERSISTENT);
    assert_true(q.file_id.volatile_id == CX_VOLATILE);
    assert_int_equal(q.input_offset, 120);
    assert_int_equal(q.input_count, 8);
    assert_int_equal(q.output_offset, 128); /* InputOffset + InputCount rounded up (<173>) */
    assert_int_equal(q.output_count, 0);
    assert_int_equal(q.max_input_response, 0);
    assert_int_equal(q.max_output_response, 0);
    assert_int_equal(q.flags, RSVD_SMB2_0_IOCTL_IS_FSCTL);
    rsvd_smb2_network_resiliency_req nr;
    assert_int_equal(rsvd_smb2_network_resiliency_req_decode(q.input, q.input_count, &nr),
                     RSVD_OK);
    assert_int_equal(nr.timeout, 45000);
    /* Open.ResilientTimeout = the application's time-out, before any reply. */
    rsvd_res_client_open_info info = cx_info(&cx, cx.open);
    assert_int_equal(info.resilient_timeout_ms, 45000);
    assert_false(info.resilient_handle);
    cx_fini(&cx);
}

static void request_matches_the_hand_laid_golden(void **state)
{
    (void)state;
    /* The golden: MessageId 7, CreditCharge 1 (multi-credit), CreditRequest
     * 1, SessionId 0x11, TreeId 5, Timeout 120000. */
    rsvd_res_client_config cfg = RSVD_STRUCT_INIT(rsvd_res_client_config);
    cfg.credit_target = 1;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_210);
    p.supports_multi_credit = true;
    p.next_message_id = 7;
    p.credits = 1;
    cli_fx cx;
    cx_init(&cx, &cfg, &p, false);
    uint8_t req[256], want[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 120000, NULL, req, sizeof req, &m),
        RSVD_OK);
    size_t wn = tu_golden_get("smb2_ioctl_resiliency_req", want, sizeof want);
    tu_assert_bytes(req, m.len, want, wn);
    cx_fini(&cx);

    /* With the SHOULD's OutputOffset 0 (the golden's MessageId 12). */
    cfg.resiliency_options = RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_ZERO;
    p.next_message_id = 12;
    cx_init(&cx, &cfg, &p, false);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 120000, NULL, req, sizeof req, &m),
        RSVD_OK);
    wn = tu_golden_get("smb2_ioctl_resiliency_req_output_offset_zero", want, sizeof want);
    tu_assert_bytes(req, m.len, want, wn);
    cx_fini(&cx);
}

static void success_response_sets_resilient_handle_and_durable(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    uint8_t req[256], rsp[256];
    rsvd_res_client_msg m;
    int token = 0;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 45000, &token, req, sizeof req, &m),
        RSVD_OK);
    size_t rn = cx_rsp_resiliency(req, m.len, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.kind, RSVD_RES_REQ_RESILIENCY);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    assert_true(d.final);
    assert_true(d.open == cx.open);
    assert_ptr_equal(d.open_user_data, &cx);
    assert_ptr_equal(d.req_user_data, &token);
    assert_true(d.message_id == m.message_id);
    rsvd_res_client_open_info info = cx_info(&cx, cx.open);
    assert_true(info.resilient_handle);
    assert_true(info.durable);
    /* The request is done: the same response again is not the library's. */
    assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, rsp, rn, cx.now, &d),
                     RSVD_E_NOENT);
    cx_fini(&cx);
}

static void error_response_returns_its_status_and_leaves_the_open(void **state)
{
    (void)state;
    const uint32_t statuses[] = {RSVD_STATUS_INVALID_PARAMETER, RSVD_STATUS_NOT_SUPPORTED,
                                 RSVD_STATUS_INVALID_DEVICE_REQUEST, RSVD_STATUS_FILE_CLOSED};
    for (size_t i = 0; i < 4; i++) {
        cli_fx cx;
        cx_init(&cx, NULL, NULL, false);
        uint8_t req[256], rsp[256];
        rsvd_res_client_msg m;
        assert_int_equal(rsvd_res_client_request_resiliency(cx.cli, cx.open, 45000, NULL, req,
                                                            sizeof req, &m),
                         RSVD_OK);
        size_t rn = cx_rsp_error(req, m.len, statuses[i], 1, rsp, sizeof rsp);
        rsvd_res_client_done d;
        assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, rsp, rn, cx.now, &d),
                         RSVD_OK);
        assert_int_equal(d.status, statuses[i]);
        rsvd_res_client_open_info info = cx_info(&cx, cx.open);
        assert_false(info.resilient_handle);
        assert_false(info.durable);
        cx_fini(&cx);
    }
}

/* Sends a request and answers it with @p rsp patched by @p patch. */
static uint32_t answer_patched(void (*patch)(uint8_t *, size_t *), bool error)
{
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    uint8_t req[256], rsp[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 45000, NULL, req, sizeof req, &m),
        RSVD_OK);
    size_t rn = error ? cx_rsp_error(req, m.len, RSVD_STATUS_INVALID_PARAMETER, 1, rsp, sizeof rsp)
                      : cx_rsp_resiliency(req, m.len, 1, rsp, sizeof rsp);
    patch(rsp, &rn);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_true(d.final);
    assert_false(cx_info(&cx, cx.open).resilient_handle);
    rsvd_res_client_conn_info ci = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &ci), RSVD_OK);
    assert_int_equal(ci.outstanding, 0); /* the request ended */
    cx_fini(&cx);
    return d.status;
}

static void p_truncate(uint8_t *b, size_t *n)
{
    (void)b;
    *n = 100;
}
static void p_structure_size(uint8_t *b, size_t *n)
{
    (void)n;
    put16(b, 64, 48);
}
static void p_ctl_code(uint8_t *b, size_t *n)
{
    (void)n;
    put32(b, 68, RSVD_FSCTL_PIPE_PEEK);
}
static void p_file_id(uint8_t *b, size_t *n)
{
    (void)n;
    put64(b, 80, CX_VOLATILE + 1);
}
static void p_not_a_response(uint8_t *b, size_t *n)
{
    (void)n;
    put32(b, 16, 0);
}
static void p_command(uint8_t *b, size_t *n)
{
    (void)n;
    put16(b, 12, RSVD_SMB2_LOCK);
}
static void p_output_past_end(uint8_t *b, size_t *n)
{
    (void)n;
    put32(b, 100, 8); /* OutputCount 8 at OutputOffset 112: past the end */
}
static void p_error_body_cut(uint8_t *b, size_t *n)
{
    (void)b;
    *n = 66;
}
static void p_pending_without_async(uint8_t *b, size_t *n)
{
    (void)n;
    put32(b, 8, RSVD_STATUS_PENDING);
}
static void p_output_offset_ignored(uint8_t *b, size_t *n)
{
    (void)n;
    put32(b, 96, 0xFFFFFFF0u); /* OutputCount 0: OutputOffset ignored */
}

static void malformed_response_fails_invalid_network_response(void **state)
{
    (void)state;
    void (*const patches[])(uint8_t *, size_t *) = {p_truncate, p_structure_size, p_ctl_code,
                                                    p_file_id,  p_not_a_response, p_command,
                                                    p_output_past_end, p_pending_without_async};
    for (size_t i = 0; i < sizeof patches / sizeof patches[0]; i++)
        assert_int_equal(answer_patched(patches[i], false), RSVD_STATUS_INVALID_NETWORK_RESPONSE);
    assert_int_equal(answer_patched(p_error_body_cut, true), RSVD_STATUS_INVALID_NETWORK_RESPONSE);
}

static void output_offset_with_output_count_0_is_ignored(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    uint8_t req[256], rsp[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 45000, NULL, req, sizeof req, &m),
        RSVD_OK);
    size_t rn = cx_rsp_resiliency(req, m.len, 1, rsp, sizeof rsp);
    p_output_offset_ignored(rsp, &rn);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    cx_fini(&cx);
}

static void every_truncation_of_a_response_is_handled_without_crash(void **state)
{
    (void)state;
    uint8_t full[256];
    for (size_t cut = 0; cut <= 112; cut++) {
        cli_fx cx;
        cx_init(&cx, NULL, NULL, false);
        uint8_t req[256];
        rsvd_res_client_msg m;
        assert_int_equal(rsvd_res_client_request_resiliency(cx.cli, cx.open, 45000, NULL, req,
                                                            sizeof req, &m),
                         RSVD_OK);
        size_t rn = cx_rsp_resiliency(req, m.len, 1, full, sizeof full);
        assert_int_equal(rn, 112);
        uint8_t *exact = malloc(cut ? cut : 1);
        assert_non_null(exact);
        memcpy(exact, full, cut);
        rsvd_res_client_done d;
        int rc = rsvd_res_client_on_response(cx.cli, cx.conn, exact, cut, cx.now, &d);
        free(exact);
        if (cut < 64) {
            assert_int_equal(rc, RSVD_E_WIRE_SHORT); /* no header: discarded */
            assert_false(cx_info(&cx, cx.open).resilient_handle);
        } else if (cut < 112) {
            assert_int_equal(rc, RSVD_OK);
            assert_int_equal(d.status, RSVD_STATUS_INVALID_NETWORK_RESPONSE);
        } else {
            assert_int_equal(rc, RSVD_OK);
            assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
        }
        cx_fini(&cx);
    }
}

static void interim_pending_keeps_the_request_in_flight(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    uint8_t req[256], rsp[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 45000, NULL, req, sizeof req, &m),
        RSVD_OK);
    size_t rn = cx_rsp_error(req, m.len, RSVD_STATUS_PENDING, 0, rsp, sizeof rsp);
    put32(rsp, 16, RSVD_SMB2_FLAGS_SERVER_TO_REDIR | RSVD_SMB2_FLAGS_ASYNC_COMMAND);
    put64(rsp, 32, 0x55); /* AsyncId */
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_false(d.final);
    assert_int_equal(d.status, RSVD_STATUS_PENDING);
    rn = cx_rsp_resiliency(req, m.len, 1, rsp, sizeof rsp);
    assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, rsp, rn, cx.now, &d), RSVD_OK);
    assert_true(d.final);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    cx_fini(&cx);
}

static void response_on_another_connection_is_not_matched(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_210);
    uint64_t conn2;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn2), RSVD_OK);
    uint8_t req[256], rsp[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 45000, NULL, req, sizeof req, &m),
        RSVD_OK);
    size_t rn = cx_rsp_resiliency(req, m.len, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, conn2, rsp, rn, cx.now, &d), RSVD_E_NOENT);
    assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, rsp, rn, cx.now, &d), RSVD_OK);
    cx_fini(&cx);
}

static void small_buffer_fails_nospc_and_uses_no_message_id(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    uint8_t req[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 45000, NULL, req, 127, &m),
        RSVD_E_NOSPC);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 45000, NULL, req, 128, &m), RSVD_OK);
    assert_true(m.message_id == 0);
    cx_fini(&cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unknown_open_handle_fails_with_noent),
        cmocka_unit_test(no_connection_fails_the_request),
        cmocka_unit_test(dialect_202_fails_not_supported_with_nothing_sent),
        cmocka_unit_test(request_is_the_3_2_4_20_8_ioctl),
        cmocka_unit_test(request_matches_the_hand_laid_golden),
        cmocka_unit_test(success_response_sets_resilient_handle_and_durable),
        cmocka_unit_test(error_response_returns_its_status_and_leaves_the_open),
        cmocka_unit_test(malformed_response_fails_invalid_network_response),
        cmocka_unit_test(output_offset_with_output_count_0_is_ignored),
        cmocka_unit_test(every_truncation_of_a_response_is_handled_without_crash),
        cmocka_unit_test(interim_pending_keeps_the_request_in_flight),
        cmocka_unit_test(response_on_another_connection_is_not_matched),
        cmocka_unit_test(small_buffer_fails_nospc_and_uses_no_message_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
