/*
 * SMB2 IOCTL request/response ([MS-SMB2] 2.2.31, 2.2.32), the
 * NETWORK_RESILIENCY_REQUEST (2.2.31.3) and the FSCTL_LMR_REQUEST_RESILIENCY
 * exchange (3.2.4.20.8, 3.3.5.15.9).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "smb2_test.h"
#include "testutil.h"

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_ioctl_req_decode(b, n, o);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_ioctl_rsp_decode(b, n, o);
}

static int dec_res(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_resiliency_req_decode(b, n, o);
}

static int dec_nrr(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_network_resiliency_req_decode(b, n, o);
}

/* ---- the worked example: request ------------------------------------------ */

static void resiliency_request_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    assert_int_equal(len, 128);
    rsvd_smb2_ioctl_req m;
    assert_int_equal(tu_decode_exact(dec_req, msg, len, &m), RSVD_OK); /* no overread */
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &m), RSVD_OK);
    assert_int_equal(m.hdr.command, RSVD_SMB2_IOCTL);
    assert_int_equal(m.hdr.credit_charge, 1);
    assert_int_equal(m.hdr.message_id, 7);
    assert_int_equal(m.hdr.tree_id, T_TREE);
    assert_int_equal(m.hdr.session_id, T_SESSION);
    assert_false(rsvd_smb2_hdr_is_response(&m.hdr));
    assert_int_equal(m.ctl_code, RSVD_FSCTL_LMR_REQUEST_RESILIENCY);
    assert_int_equal(m.ctl_code, 0x001401D4);
    assert_true(m.file_id.persistent_id == T_PERSISTENT);
    assert_true(m.file_id.volatile_id == T_VOLATILE);
    assert_int_equal(m.input_offset, 0x78);
    assert_int_equal(m.input_count, 8);
    assert_int_equal(m.max_input_response, 0);
    assert_int_equal(m.output_offset, 128);
    assert_int_equal(m.output_count, 0);
    assert_int_equal(m.max_output_response, 0);
    assert_int_equal(m.flags, RSVD_SMB2_0_IOCTL_IS_FSCTL);
    assert_ptr_equal(m.input, msg + 0x78);
    assert_null(m.output);

    rsvd_smb2_network_resiliency_req nr;
    assert_int_equal(rsvd_smb2_network_resiliency_req_decode(m.input, m.input_count, &nr),
                     RSVD_OK);
    assert_int_equal(nr.timeout, 120000);
}

static void resiliency_request_golden_reencodes_to_the_same_bytes(void **state)
{
    (void)state;
    const char *names[] = {"smb2_ioctl_resiliency_req",
                           "smb2_ioctl_resiliency_req_output_offset_zero"};
    for (size_t i = 0; i < 2; i++) {
        uint8_t msg[256], out[256];
        size_t len = tu_golden_get(names[i], msg, sizeof msg);
        rsvd_smb2_ioctl_req m;
        assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &m), RSVD_OK);
        size_t n = 0;
        assert_int_equal(rsvd_smb2_ioctl_req_encode(&m, out, sizeof out, &n), RSVD_OK);
        tu_assert_bytes(out, n, msg, len);
        assert_int_equal(rsvd_smb2_ioctl_req_encode(&m, out, len - 1, &n), RSVD_E_NOSPC);
    }
}

/* [MS-SMB2] 3.2.4.20.8 as laid out in the worked example, default OutputOffset. */
static void resiliency_request_builder_matches_golden_with_windows_output_offset(void **state)
{
    (void)state;
    uint8_t golden[256], out[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", golden, sizeof golden);
    rsvd_smb2_resiliency_req_args a;
    memset(&a, 0, sizeof a);
    a.credit_charge = 1;
    a.credit_request = 1;
    a.message_id = 7;
    a.tree_id = T_TREE;
    a.session_id = T_SESSION;
    a.file_id.persistent_id = T_PERSISTENT;
    a.file_id.volatile_id = T_VOLATILE;
    a.timeout_ms = 120000;
    a.options = RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_WINDOWS;
    size_t n = 0;
    assert_int_equal(rsvd_smb2_resiliency_req_build(&a, out, sizeof out, &n), RSVD_OK);
    assert_int_equal(n, RSVD_SMB2_RESILIENCY_REQ_SIZE);
    tu_assert_bytes(out, n, golden, len);
}

/* The SHOULD of 3.2.4.20.8: OutputOffset 0. */
static void resiliency_request_builder_sends_output_offset_zero_on_request(void **state)
{
    (void)state;
    uint8_t golden[256], out[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req_output_offset_zero", golden,
                               sizeof golden);
    rsvd_smb2_resiliency_req_args a;
    memset(&a, 0, sizeof a);
    a.credit_charge = 1;
    a.credit_request = 1;
    a.message_id = 12;
    a.tree_id = T_TREE;
    a.session_id = T_SESSION;
    a.file_id.persistent_id = T_PERSISTENT;
    a.file_id.volatile_id = T_VOLATILE;
    a.timeout_ms = 120000;
    a.options = RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_ZERO;
    size_t n = 0;
    assert_int_equal(rsvd_smb2_resiliency_req_build(&a, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, golden, len);

    a.options = 0x2; /* unknown option bit */
    assert_int_equal(rsvd_smb2_resiliency_req_build(&a, out, sizeof out, &n), RSVD_E_INVAL);
    a.options = 0;
    assert_int_equal(rsvd_smb2_resiliency_req_build(&a, out, 127, &n), RSVD_E_NOSPC);
}

static void resiliency_request_builder_carries_channel_sequence_and_signed_flag(void **state)
{
    (void)state;
    rsvd_smb2_resiliency_req_args a;
    memset(&a, 0, sizeof a);
    a.channel_sequence = 0x1234;
    a.hdr_flags = RSVD_SMB2_FLAGS_SIGNED;
    a.message_id = 99;
    a.timeout_ms = 1;
    uint8_t out[128];
    size_t n = 0;
    assert_int_equal(rsvd_smb2_resiliency_req_build(&a, out, sizeof out, &n), RSVD_OK);
    rsvd_smb2_resiliency_req r;
    assert_int_equal(rsvd_smb2_resiliency_req_decode(out, n, &r), RSVD_OK);
    assert_int_equal(r.ioctl.hdr.status, 0x1234);
    assert_int_equal(r.ioctl.hdr.flags, RSVD_SMB2_FLAGS_SIGNED);
    assert_int_equal(r.ioctl.hdr.message_id, 99);
    assert_int_equal(r.timeout, 1);
}

/* ---- the worked example: response ------------------------------------------ */

static void resiliency_response_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256], out[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_rsp", msg, sizeof msg);
    assert_int_equal(len, 112);
    rsvd_smb2_ioctl_rsp m;
    assert_int_equal(tu_decode_exact(dec_rsp, msg, len, &m), RSVD_OK);
    assert_true(rsvd_smb2_hdr_is_response(&m.hdr));
    assert_int_equal(m.hdr.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(m.hdr.message_id, 7);
    assert_int_equal(m.ctl_code, RSVD_FSCTL_LMR_REQUEST_RESILIENCY);
    assert_true(m.file_id.persistent_id == T_PERSISTENT);
    assert_true(m.file_id.volatile_id == T_VOLATILE);
    assert_int_equal(m.input_offset, 112);
    assert_int_equal(m.input_count, 0);
    assert_int_equal(m.output_offset, 112);
    assert_int_equal(m.output_count, 0);
    assert_int_equal(m.flags, 0);
    assert_null(m.input);
    assert_null(m.output);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_ioctl_rsp_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
}

/* [MS-SMB2] 3.3.5.15.9 builds the response from the decoded request. */
static void resiliency_response_builder_matches_golden(void **state)
{
    (void)state;
    uint8_t req[256], want[256], out[256];
    size_t req_len = tu_golden_get("smb2_ioctl_resiliency_req", req, sizeof req);
    size_t want_len = tu_golden_get("smb2_ioctl_resiliency_rsp", want, sizeof want);
    rsvd_smb2_resiliency_req r;
    assert_int_equal(rsvd_smb2_resiliency_req_decode(req, req_len, &r), RSVD_OK);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_resiliency_rsp_build(&r.ioctl, 1, out, sizeof out, &n), RSVD_OK);
    assert_int_equal(n, RSVD_SMB2_RESILIENCY_RSP_SIZE);
    tu_assert_bytes(out, n, want, want_len);
    assert_int_equal(rsvd_smb2_resiliency_rsp_build(&r.ioctl, 1, out, 111, &n), RSVD_E_NOSPC);
}

static void resiliency_response_builder_clears_signing_and_async_credits(void **state)
{
    (void)state;
    uint8_t req[256], out[256];
    size_t req_len = tu_golden_get("smb2_ioctl_resiliency_req", req, sizeof req);
    rsvd_smb2_resiliency_req r;
    assert_int_equal(rsvd_smb2_resiliency_req_decode(req, req_len, &r), RSVD_OK);
    r.ioctl.hdr.flags = RSVD_SMB2_FLAGS_SIGNED | RSVD_SMB2_FLAGS_ASYNC_COMMAND;
    r.ioctl.hdr.async_id = 77;
    r.ioctl.hdr.next_command = 128;
    memset(r.ioctl.hdr.signature, 0xAB, sizeof r.ioctl.hdr.signature);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_resiliency_rsp_build(&r.ioctl, 5, out, sizeof out, &n), RSVD_OK);
    rsvd_smb2_ioctl_rsp m;
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(out, n, &m), RSVD_OK);
    assert_int_equal(m.hdr.flags, RSVD_SMB2_FLAGS_SERVER_TO_REDIR | RSVD_SMB2_FLAGS_ASYNC_COMMAND);
    assert_int_equal(m.hdr.credit, 0);
    assert_int_equal(m.hdr.async_id, 77);
    assert_int_equal(m.hdr.next_command, 0);
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(m.hdr.signature[i], 0);
}

/* ---- the resiliency request decoder helper -------------------------------- */

static void resiliency_decoder_returns_timeout(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    rsvd_smb2_resiliency_req r;
    assert_int_equal(tu_decode_exact(dec_res, msg, len, &r), RSVD_OK);
    assert_int_equal(r.timeout, 120000);
    assert_int_equal(r.ioctl.input_count, 8);
    tu_assert_truncations_rejected(dec_res, msg, len, sizeof r);
}

/* 3.3.5.15.9: InputCount < 8 -> STATUS_INVALID_PARAMETER, distinct from a
 * malformed IOCTL. */
static void resiliency_decoder_tells_short_input_count_apart(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    rsvd_smb2_resiliency_req r;
    put32(msg, 92, 7); /* InputCount */
    assert_int_equal(rsvd_smb2_resiliency_req_decode(msg, len, &r), RSVD_E_WIRE_COUNT);
    assert_int_equal(r.ioctl.input_count, 7);
    assert_int_equal(r.ioctl.ctl_code, RSVD_FSCTL_LMR_REQUEST_RESILIENCY);
    put32(msg, 92, 0);
    assert_int_equal(rsvd_smb2_resiliency_req_decode(msg, len, &r), RSVD_E_WIRE_COUNT);
    /* a structural failure is not RSVD_E_WIRE_COUNT */
    put32(msg, 92, 8);
    put32(msg, 88, 0x40); /* InputOffset inside the header */
    assert_int_equal(rsvd_smb2_resiliency_req_decode(msg, len, &r), RSVD_E_WIRE_OFFSET);
    assert_int_equal(rsvd_smb2_resiliency_req_decode(msg, 100, &r), RSVD_E_WIRE_SHORT);
}

static void resiliency_decoder_accepts_longer_input(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    memset(msg + len, 0xEE, 8);
    put32(msg, 92, 16); /* InputCount 16: the first 8 bytes are the request */
    rsvd_smb2_resiliency_req r;
    assert_int_equal(rsvd_smb2_resiliency_req_decode(msg, len + 8, &r), RSVD_OK);
    assert_int_equal(r.timeout, 120000);
}

static void resiliency_decoder_rejects_other_fsctl_and_command(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    rsvd_smb2_resiliency_req r;
    put32(msg, 68, RSVD_FSCTL_PIPE_WAIT);
    assert_int_equal(rsvd_smb2_resiliency_req_decode(msg, len, &r), RSVD_E_WIRE_COMMAND);
    len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    put16(msg, 12, RSVD_SMB2_READ);
    assert_int_equal(rsvd_smb2_resiliency_req_decode(msg, len, &r), RSVD_E_WIRE_COMMAND);
}

/* ---- IOCTL structural rules ----------------------------------------------- */

static void ioctl_goldens_reject_every_truncation(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    tu_assert_truncations_rejected(dec_req, msg, len, sizeof(rsvd_smb2_ioctl_req));
    len = tu_golden_get("smb2_ioctl_resiliency_req_output_offset_zero", msg, sizeof msg);
    tu_assert_truncations_rejected(dec_req, msg, len, sizeof(rsvd_smb2_ioctl_req));
    len = tu_golden_get("smb2_ioctl_resiliency_rsp", msg, sizeof msg);
    tu_assert_truncations_rejected(dec_rsp, msg, len, sizeof(rsvd_smb2_ioctl_rsp));
    len = tu_golden_get("smb2_ioctl_svhdx_support_req", msg, sizeof msg);
    tu_assert_truncations_rejected(dec_req, msg, len, sizeof(rsvd_smb2_ioctl_req));
    len = tu_golden_get("smb2_ioctl_svhdx_support_rsp", msg, sizeof msg);
    tu_assert_truncations_rejected(dec_rsp, msg, len, sizeof(rsvd_smb2_ioctl_rsp));
}

static void ioctl_rejects_wrong_structure_size(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    rsvd_smb2_ioctl_req q;
    rsvd_smb2_ioctl_rsp p;
    put16(msg, 64, 56);
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_E_WIRE_STRUCTURE_SIZE);
    put16(msg, 64, 49); /* a response's size in a request */
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_E_WIRE_STRUCTURE_SIZE);
    len = tu_golden_get("smb2_ioctl_resiliency_rsp", msg, sizeof msg);
    put16(msg, 64, 57);
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(msg, len, &p), RSVD_E_WIRE_STRUCTURE_SIZE);
}

static void ioctl_rejects_wrong_command(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_read_req", msg, sizeof msg);
    rsvd_smb2_ioctl_req q;
    rsvd_smb2_ioctl_rsp p;
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_E_WIRE_COMMAND);
    len = tu_golden_get("smb2_ioctl_resiliency_rsp", msg, sizeof msg);
    put16(msg, 12, RSVD_SMB2_CREATE);
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(msg, len, &p), RSVD_E_WIRE_COMMAND);
}

static void ioctl_rejects_input_offset_into_header_or_fixed_part(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    rsvd_smb2_ioctl_req q;
    put32(msg, 88, 0); /* InputOffset 0: the header */
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_E_WIRE_OFFSET);
    put32(msg, 88, 0x77); /* the last byte of the fixed part */
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_E_WIRE_OFFSET);
    put32(msg, 88, 0x78);
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_OK);
}

static void ioctl_rejects_output_offset_into_fixed_part_when_count_nonzero(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_svhdx_support_rsp", msg, sizeof msg);
    rsvd_smb2_ioctl_rsp p;
    put32(msg, 96, 0x6F); /* OutputOffset just inside the fixed part, OutputCount 8 */
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(msg, len, &p), RSVD_E_WIRE_OFFSET);
    put32(msg, 96, 0x40);
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(msg, len, &p), RSVD_E_WIRE_OFFSET);
}

/* [MS-SMB2] 3.3.5.15: InputOffset not a multiple of 8 -> STATUS_INVALID_PARAMETER. */
static void ioctl_request_rejects_misaligned_input_offset(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    memmove(msg + 0x7C, msg + 0x78, 8); /* the input, 4 bytes later */
    put32(msg, 88, 0x7C);
    rsvd_smb2_ioctl_req q;
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len + 4, &q), RSVD_E_WIRE_ALIGN);
    put32(msg, 92, 0); /* no input: the offset is not looked at */
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len + 4, &q), RSVD_OK);
    /* a response's offsets carry no alignment rule */
    len = tu_golden_get("smb2_ioctl_svhdx_support_rsp", msg, sizeof msg);
    memmove(msg + 0x74, msg + 0x70, 8);
    put32(msg, 96, 0x74);
    rsvd_smb2_ioctl_rsp p;
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(msg, len + 4, &p), RSVD_OK);
    assert_int_equal(p.output[0], 1);
}

static void ioctl_rejects_overflowing_offset_plus_count(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    rsvd_smb2_ioctl_req q;
    put32(msg, 92, 0xFFFFFFFF); /* InputCount */
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_E_WIRE_RANGE);
    put32(msg, 88, 0xFFFFFFFF); /* InputOffset too */
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_E_WIRE_OFFSET);
    put32(msg, 92, 8);
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_E_WIRE_OFFSET);
    put32(msg, 88, 0x78);
    put32(msg, 92, 9); /* one byte past the end */
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_E_WIRE_RANGE);

    len = tu_golden_get("smb2_ioctl_svhdx_support_rsp", msg, sizeof msg);
    rsvd_smb2_ioctl_rsp p;
    put32(msg, 100, 0xFFFFFFFF); /* OutputCount */
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(msg, len, &p), RSVD_E_WIRE_RANGE);
    put32(msg, 96, 0xFFFFFFF8); /* OutputOffset */
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(msg, len, &p), RSVD_E_WIRE_OFFSET);
}

/* A zero count's offset is ignored by the receiver ([MS-SMB2] 2.2.31, 3.2.5.14). */
static void ioctl_ignores_offset_of_empty_buffer(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_ioctl_resiliency_req", msg, sizeof msg);
    rsvd_smb2_ioctl_req q;
    put32(msg, 100, 0xFFFFFFFF); /* OutputOffset, OutputCount 0 */
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_OK);
    assert_int_equal(q.output_offset, 0xFFFFFFFF);
    assert_null(q.output);
}

/* ---- FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT: an IOCTL with output --------- */

static void svhdx_support_exchange_goldens_round_trip(void **state)
{
    (void)state;
    uint8_t msg[256], out[256];
    size_t len = tu_golden_get("smb2_ioctl_svhdx_support_req", msg, sizeof msg);
    rsvd_smb2_ioctl_req q;
    assert_int_equal(rsvd_smb2_ioctl_req_decode(msg, len, &q), RSVD_OK);
    assert_int_equal(q.ctl_code, RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT);
    assert_int_equal(q.input_offset, 0x78);
    assert_int_equal(q.input_count, 0);
    assert_int_equal(q.output_offset, 0x78);
    assert_int_equal(q.max_output_response, 8);
    assert_null(q.input);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_ioctl_req_encode(&q, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);

    len = tu_golden_get("smb2_ioctl_svhdx_support_rsp", msg, sizeof msg);
    rsvd_smb2_ioctl_rsp p;
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(msg, len, &p), RSVD_OK);
    assert_int_equal(p.input_offset, 0x70);
    assert_int_equal(p.output_offset, 0x70);
    assert_int_equal(p.output_count, 8);
    assert_ptr_equal(p.output, msg + 0x70);
    assert_int_equal(p.output[0], 1);
    assert_int_equal(p.output[4], 3);
    assert_int_equal(rsvd_smb2_ioctl_rsp_encode(&p, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
}

/* Encoders place input first and output at the next multiple of 8; decode
 * gives the struct back. */
static void ioctl_encoders_place_buffers_and_round_trip(void **state)
{
    (void)state;
    const uint8_t in[5] = {1, 2, 3, 4, 5};
    const uint8_t outb[3] = {7, 8, 9};
    rsvd_smb2_ioctl_req q;
    memset(&q, 0, sizeof q);
    q.hdr.message_id = 21;
    q.hdr.command = RSVD_SMB2_CREATE; /* forced to IOCTL */
    q.ctl_code = RSVD_FSCTL_PIPE_TRANSCEIVE;
    q.input = in;
    q.input_count = sizeof in;
    q.output = outb;
    q.output_count = sizeof outb;
    q.max_output_response = 4096;
    q.flags = RSVD_SMB2_0_IOCTL_IS_FSCTL;
    uint8_t buf[256];
    size_t n = 0;
    assert_int_equal(rsvd_smb2_ioctl_req_encode(&q, buf, sizeof buf, &n), RSVD_OK);
    assert_int_equal(n, 0x80 + 3);
    rsvd_smb2_ioctl_req d;
    assert_int_equal(rsvd_smb2_ioctl_req_decode(buf, n, &d), RSVD_OK);
    assert_int_equal(d.hdr.command, RSVD_SMB2_IOCTL);
    assert_int_equal(d.hdr.message_id, 21);
    assert_int_equal(d.input_offset, 0x78);
    assert_int_equal(d.output_offset, 0x80);
    assert_memory_equal(d.input, in, sizeof in);
    assert_memory_equal(d.output, outb, sizeof outb);
    assert_int_equal(d.max_output_response, 4096);
    assert_int_equal(d.ctl_code, RSVD_FSCTL_PIPE_TRANSCEIVE);
    assert_int_equal(buf[0x7D], 0); /* padding is zero */

    rsvd_smb2_ioctl_rsp p;
    memset(&p, 0, sizeof p);
    p.hdr.flags = RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    p.ctl_code = RSVD_FSCTL_PIPE_TRANSCEIVE;
    p.input = in;
    p.input_count = sizeof in;
    p.output = outb;
    p.output_count = sizeof outb;
    assert_int_equal(rsvd_smb2_ioctl_rsp_encode(&p, buf, sizeof buf, &n), RSVD_OK);
    rsvd_smb2_ioctl_rsp e;
    assert_int_equal(rsvd_smb2_ioctl_rsp_decode(buf, n, &e), RSVD_OK);
    assert_int_equal(e.input_offset, 0x70);
    assert_int_equal(e.output_offset, 0x78); /* 0x70 + 5 rounded up to 8 */
    assert_memory_equal(e.output, outb, sizeof outb);

    q.input = NULL; /* a NULL view with a non-zero count */
    assert_int_equal(rsvd_smb2_ioctl_req_encode(&q, buf, sizeof buf, &n), RSVD_E_INVAL);
    p.output = NULL;
    assert_int_equal(rsvd_smb2_ioctl_rsp_encode(&p, buf, sizeof buf, &n), RSVD_E_INVAL);
}

/* ---- NETWORK_RESILIENCY_REQUEST -------------------------------------------- */

static void network_resiliency_request_round_trips(void **state)
{
    (void)state;
    uint8_t b[16], out[16];
    size_t len = tu_golden_get("smb2_network_resiliency_request", b, sizeof b);
    rsvd_smb2_network_resiliency_req r;
    assert_int_equal(tu_decode_exact(dec_nrr, b, len, &r), RSVD_OK);
    assert_int_equal(r.timeout, 120000);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_network_resiliency_req_encode(&r, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, b, len);
    assert_int_equal(rsvd_smb2_network_resiliency_req_encode(&r, out, 7, &n), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_nrr, b, len, sizeof r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resiliency_request_golden_decodes_field_by_field),
        cmocka_unit_test(resiliency_request_golden_reencodes_to_the_same_bytes),
        cmocka_unit_test(resiliency_request_builder_matches_golden_with_windows_output_offset),
        cmocka_unit_test(resiliency_request_builder_sends_output_offset_zero_on_request),
        cmocka_unit_test(resiliency_request_builder_carries_channel_sequence_and_signed_flag),
        cmocka_unit_test(resiliency_response_golden_decodes_field_by_field),
        cmocka_unit_test(resiliency_response_builder_matches_golden),
        cmocka_unit_test(resiliency_response_builder_clears_signing_and_async_credits),
        cmocka_unit_test(resiliency_decoder_returns_timeout),
        cmocka_unit_test(resiliency_decoder_tells_short_input_count_apart),
        cmocka_unit_test(resiliency_decoder_accepts_longer_input),
        cmocka_unit_test(resiliency_decoder_rejects_other_fsctl_and_command),
        cmocka_unit_test(ioctl_goldens_reject_every_truncation),
        cmocka_unit_test(ioctl_rejects_wrong_structure_size),
        cmocka_unit_test(ioctl_rejects_wrong_command),
        cmocka_unit_test(ioctl_rejects_input_offset_into_header_or_fixed_part),
        cmocka_unit_test(ioctl_rejects_output_offset_into_fixed_part_when_count_nonzero),
        cmocka_unit_test(ioctl_request_rejects_misaligned_input_offset),
        cmocka_unit_test(ioctl_rejects_overflowing_offset_plus_count),
        cmocka_unit_test(ioctl_ignores_offset_of_empty_buffer),
        cmocka_unit_test(svhdx_support_exchange_goldens_round_trip),
        cmocka_unit_test(ioctl_encoders_place_buffers_and_round_trip),
        cmocka_unit_test(network_resiliency_request_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
