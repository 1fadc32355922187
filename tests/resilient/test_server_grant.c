/*
 * Server: granting resiliency ([MS-SMB2] 3.3.5.15 checks, then 3.3.5.15.9).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "../wire/smb2_test.h"
#include "res_fixture.h"

/* Runs the request bytes through the server on the main session. */
static uint32_t run(srv_fx *fx, const uint8_t *req, size_t n, uint8_t *rsp, size_t *rn)
{
    uint32_t st = 0xFFFFFFFFu;
    assert_int_equal(
        rsvd_res_server_ioctl(fx->srv, &fx->main.ctx, req, n, rsp, 256, rn, &st), RSVD_OK);
    fx_check(fx);
    return st;
}

/* The request with InputCount @p count (input of that many bytes). */
static size_t req_with_input(const rsvd_smb2_fileid *fid, const uint8_t *input, uint32_t count,
                             uint32_t flags, uint8_t *buf)
{
    rsvd_smb2_ioctl_req m;
    memset(&m, 0, sizeof m);
    m.hdr.message_id = 9;
    m.hdr.session_id = FX_SESSION_ID;
    m.hdr.tree_id = FX_TREE_ID;
    m.hdr.credit_charge = 1;
    m.ctl_code = RSVD_FSCTL_LMR_REQUEST_RESILIENCY;
    m.file_id = *fid;
    m.input_count = count;
    m.input = count ? input : NULL;
    m.input_offset = RSVD_SMB2_IOCTL_REQ_BUFFER_OFFSET;
    m.flags = flags;
    size_t n = 0;
    assert_int_equal(rsvd_smb2_ioctl_req_encode(&m, buf, 256, &n), RSVD_OK);
    return n;
}

static void grant_at_maximum_succeeds(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t req[256], rsp[256];
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 7, &fid, 300000, req, sizeof req);
    size_t rn = 0;
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_SUCCESS);
    rsvd_res_open_info info = fx_info(&fx, &fid);
    assert_true(info.is_resilient);
    assert_int_equal(info.resiliency_timeout_ms, 300000);
    fx_fini(&fx);
}

static void success_response_is_laid_out_as_3_3_5_15_9(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t req[256], rsp[256];
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 7, &fid, 60000, req, sizeof req);
    size_t rn = 0;
    fx.main.ctx.credits = 3;
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_SUCCESS);
    assert_int_equal(rn, 112); /* no Buffer byte */
    rsvd_smb2_ioctl_rsp m;
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(rsp, rn, &m), RSVD_OK);
    assert_int_equal(m.hdr.status, RSVD_STATUS_SUCCESS);
    assert_true(m.hdr.flags & RSVD_SMB2_FLAGS_SERVER_TO_REDIR);
    assert_true(m.hdr.message_id == 7);
    assert_int_equal(m.hdr.credit, 3);
    assert_true(m.hdr.session_id == FX_SESSION_ID);
    assert_int_equal(m.hdr.tree_id, FX_TREE_ID);
    assert_int_equal(m.ctl_code, RSVD_FSCTL_LMR_REQUEST_RESILIENCY);
    /* FileId.Persistent = Open.DurableFileId, FileId.Volatile = Open.FileId */
    assert_true(rsvd_smb2_fileid_equal(&m.file_id, &fid));
    assert_int_equal(m.input_offset, 112);
    assert_int_equal(m.input_count, 0);
    assert_int_equal(m.output_offset, 112); /* InputOffset + InputCount rounded up to 8 */
    assert_int_equal(m.output_count, 0);
    assert_int_equal(m.flags, 0);
    fx_fini(&fx);
}

static void golden_windows_request_is_granted(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t req[256], rsp[256];
    size_t n = tu_golden_get("smb2_ioctl_resiliency_req", req, sizeof req);
    put64(req, 72, fid.persistent_id); /* the FileId this server assigned */
    put64(req, 80, fid.volatile_id);
    size_t rn = 0;
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_info(&fx, &fid).resiliency_timeout_ms, 120000);
    fx_fini(&fx);
}

static void grant_above_maximum_by_one_ms_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t req[256], rsp[256];
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 7, &fid, 300001, req, sizeof req);
    size_t rn = 0;
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_INVALID_PARAMETER);
    /* The 3.3.4.4 error response: ERROR body, StructureSize 9, no data. */
    assert_int_equal(rn, 64 + 9);
    rsvd_smb2_hdr h;
    assert_int_equal(rsvd_smb2_hdr_decode(rsp, rn, &h), RSVD_OK);
    assert_int_equal(h.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(h.command, RSVD_SMB2_IOCTL);
    assert_true(h.flags & RSVD_SMB2_FLAGS_SERVER_TO_REDIR);
    assert_true(h.message_id == 7);
    rsvd_smb2_error e;
    assert_int_equal(rsvd_smb2_error_decode(rsp + 64, rn - 64, &e), RSVD_OK);
    assert_int_equal(e.byte_count, 0);
    assert_false(fx_info(&fx, &fid).is_resilient);
    fx_fini(&fx);
}

static void timeout_far_above_maximum_is_refused_not_clamped(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    assert_int_equal(fx_request_resiliency(&fx, &fx.main, &fid, UINT32_MAX),
                     RSVD_STATUS_INVALID_PARAMETER);
    /* 300999 ms is 300 s in whole seconds: compared in ms it is refused. */
    assert_int_equal(fx_request_resiliency(&fx, &fx.main, &fid, 300999),
                     RSVD_STATUS_INVALID_PARAMETER);
    rsvd_res_open_info info = fx_info(&fx, &fid);
    assert_false(info.is_resilient);
    assert_int_equal(info.resiliency_timeout_ms, 0);
    fx_fini(&fx);
}

static void configured_maximum_is_the_limit(void **state)
{
    (void)state;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_resiliency_timeout_ms = 5000;
    srv_fx fx;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    assert_int_equal(fx_request_resiliency(&fx, &fx.main, &fid, 5001),
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fx_request_resiliency(&fx, &fx.main, &fid, 5000), RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

static void input_count_4_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    const uint8_t in[4] = {0x10, 0x27, 0, 0};
    uint8_t req[256], rsp[256];
    size_t n = req_with_input(&fid, in, 4, RSVD_SMB2_0_IOCTL_IS_FSCTL, req);
    size_t rn = 0;
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_INVALID_PARAMETER);
    assert_false(fx_info(&fx, &fid).is_resilient);
    /* InputCount 0 too. */
    n = req_with_input(&fid, NULL, 0, RSVD_SMB2_0_IOCTL_IS_FSCTL, req);
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_INVALID_PARAMETER);
    fx_fini(&fx);
}

static void input_longer_than_8_uses_the_first_8(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    const uint8_t in[12] = {0x88, 0x13, 0, 0, 0xAA, 0xBB, 0xCC, 0xDD, 1, 2, 3, 4};
    uint8_t req[256], rsp[256];
    size_t n = req_with_input(&fid, in, sizeof in, RSVD_SMB2_0_IOCTL_IS_FSCTL, req);
    size_t rn = 0;
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_info(&fx, &fid).resiliency_timeout_ms, 5000); /* Reserved ignored */
    fx_fini(&fx);
}

static void timeout_zero_grants_the_default(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 0);
    assert_int_equal(fx_info(&fx, &fid).resiliency_timeout_ms, 120000);
    fx_fini(&fx);

    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.timeout_zero_grant_ms = 45000;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_210);
    fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 0);
    assert_int_equal(fx_info(&fx, &fid).resiliency_timeout_ms, 45000);
    fx_fini(&fx);
}

static void repeated_request_overwrites_the_timeout(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 10000);
    fx_make_resilient(&fx, &fid, 20000);
    assert_int_equal(fx_info(&fx, &fid).resiliency_timeout_ms, 20000);
    fx_fini(&fx);
}

static void dialect_202_is_processed_by_default(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_202);
    rsvd_smb2_fileid fid = fx_open(&fx);
    assert_int_equal(fx_request_resiliency(&fx, &fx.main, &fid, 1000), RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

static void dialect_202_refused_when_configured_invalid_device_request(void **state)
{
    (void)state;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.refuse_dialect_202 = true;
    srv_fx fx;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_202);
    rsvd_smb2_fileid fid = fx_open(&fx);
    /* The dialect rule comes before the parameter checks. */
    assert_int_equal(fx_request_resiliency(&fx, &fx.main, &fid, 400000),
                     RSVD_STATUS_INVALID_DEVICE_REQUEST);
    assert_false(fx_info(&fx, &fid).is_resilient);
    fx_fini(&fx);
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_210);
    fid = fx_open(&fx);
    assert_int_equal(fx_request_resiliency(&fx, &fx.main, &fid, 1000), RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

static void unsupported_fsctl_fails_not_supported(void **state)
{
    (void)state;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.resiliency_unsupported = true;
    srv_fx fx;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    assert_int_equal(fx_request_resiliency(&fx, &fx.main, &fid, 1000), RSVD_STATUS_NOT_SUPPORTED);
    fx_fini(&fx);
}

static void flags_not_fsctl_fails_not_supported_before_file_lookup(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    const uint8_t in[8] = {0xE8, 0x03, 0, 0, 0, 0, 0, 0};
    uint8_t req[256], rsp[256];
    size_t rn = 0;
    size_t n = req_with_input(&fid, in, 8, 0, req);
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_NOT_SUPPORTED);
    rsvd_smb2_fileid bogus = {0x999, 0x999};
    n = req_with_input(&bogus, in, 8, 0, req);
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_NOT_SUPPORTED);
    fx_fini(&fx);
}

static void unknown_file_id_fails_file_closed(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    rsvd_smb2_fileid wrong_persistent = {fid.persistent_id + 1, fid.volatile_id};
    assert_int_equal(fx_request_resiliency(&fx, &fx.main, &wrong_persistent, 1000),
                     RSVD_STATUS_FILE_CLOSED);
    rsvd_smb2_fileid wrong_volatile = {fid.persistent_id, fid.volatile_id ^ (1ull << 32)};
    assert_int_equal(fx_request_resiliency(&fx, &fx.main, &wrong_volatile, 1000),
                     RSVD_STATUS_FILE_CLOSED);
    fx_fini(&fx);
}

static void bad_input_offset_fails_invalid_parameter_after_file_lookup(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t req[256], rsp[256];
    size_t rn = 0;
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 7, &fid, 1000, req, sizeof req);
    put32(req, 88, 124); /* InputOffset not a multiple of 8 */
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_INVALID_PARAMETER);
    put32(req, 88, 112); /* into the fixed part */
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_INVALID_PARAMETER);
    put32(req, 88, 128); /* input past the message */
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_INVALID_PARAMETER);
    assert_false(fx_info(&fx, &fid).is_resilient);
    /* The FileId lookup (STATUS_FILE_CLOSED) comes first. */
    put64(req, 80, fid.volatile_id + 1);
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_FILE_CLOSED);
    fx_fini(&fx);
}

static void input_above_max_transact_size_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                    .dialect = RSVD_SMB2_DIALECT_210,
                                    .supports_multi_credit = false,
                                    .max_transact_size = 8};
    uint64_t conn, sess, tree;
    assert_int_equal(rsvd_res_server_conn_add(fx.srv, &p, &conn), RSVD_OK);
    assert_int_equal(
        rsvd_res_server_session_add(fx.srv, conn, 0x22, fx_alice, sizeof fx_alice, &sess),
        RSVD_OK);
    assert_int_equal(rsvd_res_server_tree_add(fx.srv, sess, RES_TREE(6), &tree), RSVD_OK);
    fx_sess s = {{conn, sess, tree, 1, NULL}, 0x22, 6};
    rsvd_smb2_fileid fid = fx_open_on(&fx, &s, 0);
    assert_int_equal(fx_request_resiliency(&fx, &s, &fid, 1000), RSVD_STATUS_SUCCESS);
    /* 12 input bytes > MaxTransactSize 8. */
    const uint8_t in[12] = {0xE8, 0x03};
    uint8_t req[256], rsp[256];
    size_t n = req_with_input(&fid, in, sizeof in, RSVD_SMB2_0_IOCTL_IS_FSCTL, req);
    put64(req, 40, 0x22);
    put32(req, 36, 6);
    size_t rn = 0;
    uint32_t st = 0;
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &s.ctx, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_OK);
    assert_int_equal(st, RSVD_STATUS_INVALID_PARAMETER);
    fx_fini(&fx);
}

static void multi_credit_charge_below_payload_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                    .dialect = RSVD_SMB2_DIALECT_300,
                                    .supports_multi_credit = true,
                                    .max_transact_size = 0};
    uint64_t conn, sess, tree;
    assert_int_equal(rsvd_res_server_conn_add(fx.srv, &p, &conn), RSVD_OK);
    assert_int_equal(
        rsvd_res_server_session_add(fx.srv, conn, 0x22, fx_alice, sizeof fx_alice, &sess),
        RSVD_OK);
    assert_int_equal(rsvd_res_server_tree_add(fx.srv, sess, RES_TREE(6), &tree), RSVD_OK);
    fx_sess s = {{conn, sess, tree, 1, NULL}, 0x22, 6};
    rsvd_smb2_fileid fid = fx_open_on(&fx, &s, 0);
    uint8_t req[256], rsp[256];
    size_t n = fx_resiliency_req(0x22, 6, 3, &fid, 1000, req, sizeof req);
    put32(req, 108, 70000); /* MaxOutputResponse: 2 credits' worth, CreditCharge 1 */
    size_t rn = 0;
    uint32_t st = 0;
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &s.ctx, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_OK);
    assert_int_equal(st, RSVD_STATUS_INVALID_PARAMETER);
    put16(req, 6, 2); /* CreditCharge 2 covers it */
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &s.ctx, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_OK);
    assert_int_equal(st, RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

static void malformed_ioctl_body_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t req[256], rsp[256];
    size_t rn = 0;
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 7, &fid, 1000, req, sizeof req);
    put16(req, 64, 56); /* StructureSize */
    assert_int_equal(run(&fx, req, n, rsp, &rn), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(run(&fx, req, 100, rsp, &rn), RSVD_STATUS_INVALID_PARAMETER); /* cut */
    assert_false(fx_info(&fx, &fid).is_resilient);
    fx_fini(&fx);
}

static void other_ctl_code_or_command_is_left_to_the_host(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t req[256], rsp[256];
    size_t rn = 0;
    uint32_t st = 0;
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 7, &fid, 1000, req, sizeof req);
    put32(req, 68, RSVD_FSCTL_PIPE_PEEK);
    assert_int_equal(
        rsvd_res_server_ioctl(fx.srv, &fx.main.ctx, req, n, rsp, sizeof rsp, &rn, &st),
        RSVD_E_WIRE_COMMAND);
    assert_int_equal(rn, 0);
    n = fx_lock_req(FX_SESSION_ID, FX_TREE_ID, 8, &fid, 0, req, sizeof req);
    assert_int_equal(
        rsvd_res_server_ioctl(fx.srv, &fx.main.ctx, req, n, rsp, sizeof rsp, &rn, &st),
        RSVD_E_WIRE_COMMAND);
    assert_int_equal(
        rsvd_res_server_ioctl(fx.srv, &fx.main.ctx, req, 10, rsp, sizeof rsp, &rn, &st),
        RSVD_E_WIRE_SHORT);
    fx_fini(&fx);
}

/* Another CtlCode is the host's before the context is looked at: a context
 * the library would refuse does not turn the host's IOCTL into an error. */
static void other_ctl_code_is_the_hosts_whatever_the_context(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_sess bob = fx_new_session(&fx, RSVD_SMB2_DIALECT_300, fx_bob, sizeof fx_bob, 0x12, 7);
    rsvd_res_server_ctx mixed = fx.main.ctx; /* a tree of another session */
    mixed.tree = bob.ctx.tree;
    rsvd_res_server_ctx gone = fx.main.ctx; /* no such connection */
    gone.conn = 0;
    uint8_t req[256], rsp[256];
    size_t rn = 0;
    uint32_t st = 0;
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 9, &fid, 1000, req, sizeof req);
    /* The library's own CtlCode: the context is checked. */
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &mixed, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &gone, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_E_NOENT);
    put32(req, 68, RSVD_FSCTL_PIPE_TRANSCEIVE);
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &mixed, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_E_WIRE_COMMAND);
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &gone, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_E_WIRE_COMMAND);
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, NULL, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_E_WIRE_COMMAND);
    assert_int_equal(rn, 0);
    assert_false(fx_info(&fx, &fid).is_resilient);
    fx_check(&fx);
    fx_fini(&fx);
}

static void response_buffer_too_small_changes_nothing(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t req[256], rsp[256];
    size_t rn = 0;
    uint32_t st = 0;
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 7, &fid, 1000, req, sizeof req);
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &fx.main.ctx, req, n, rsp, 111, &rn, &st),
                     RSVD_E_NOSPC);
    assert_false(fx_info(&fx, &fid).is_resilient);
    fx_fini(&fx);
}

static void related_compound_file_id_is_substituted(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t req[256], rsp[256];
    size_t rn = 0;
    uint32_t st = 0;
    const rsvd_smb2_fileid all_ff = {UINT64_MAX, UINT64_MAX};
    size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, 7, &all_ff, 1000, req, sizeof req);
    put32(req, 16, RSVD_SMB2_FLAGS_RELATED_OPERATIONS);
    put64(req, 40, UINT64_MAX);
    put32(req, 36, UINT32_MAX);
    rsvd_res_server_ctx ctx = fx.main.ctx;
    ctx.related_file_id = &fid;
    assert_int_equal(rsvd_res_server_ioctl(fx.srv, &ctx, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_OK);
    assert_int_equal(st, RSVD_STATUS_SUCCESS);
    rsvd_smb2_ioctl_rsp m;
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(rsp, rn, &m), RSVD_OK);
    assert_true(rsvd_smb2_fileid_equal(&m.file_id, &fid));
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grant_at_maximum_succeeds),
        cmocka_unit_test(success_response_is_laid_out_as_3_3_5_15_9),
        cmocka_unit_test(golden_windows_request_is_granted),
        cmocka_unit_test(grant_above_maximum_by_one_ms_fails_invalid_parameter),
        cmocka_unit_test(timeout_far_above_maximum_is_refused_not_clamped),
        cmocka_unit_test(configured_maximum_is_the_limit),
        cmocka_unit_test(input_count_4_fails_invalid_parameter),
        cmocka_unit_test(input_longer_than_8_uses_the_first_8),
        cmocka_unit_test(timeout_zero_grants_the_default),
        cmocka_unit_test(repeated_request_overwrites_the_timeout),
        cmocka_unit_test(dialect_202_is_processed_by_default),
        cmocka_unit_test(dialect_202_refused_when_configured_invalid_device_request),
        cmocka_unit_test(unsupported_fsctl_fails_not_supported),
        cmocka_unit_test(flags_not_fsctl_fails_not_supported_before_file_lookup),
        cmocka_unit_test(unknown_file_id_fails_file_closed),
        cmocka_unit_test(bad_input_offset_fails_invalid_parameter_after_file_lookup),
        cmocka_unit_test(input_above_max_transact_size_fails_invalid_parameter),
        cmocka_unit_test(multi_credit_charge_below_payload_fails_invalid_parameter),
        cmocka_unit_test(malformed_ioctl_body_fails_invalid_parameter),
        cmocka_unit_test(other_ctl_code_or_command_is_left_to_the_host),
        cmocka_unit_test(other_ctl_code_is_the_hosts_whatever_the_context),
        cmocka_unit_test(response_buffer_too_small_changes_nothing),
        cmocka_unit_test(related_compound_file_id_is_substituted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
