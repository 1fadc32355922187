/*
 * SMB2 packet header ([MS-SMB2] 2.2.1) and ERROR response ([MS-SMB2] 2.2.2).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "testutil.h"

static int decode_hdr(const uint8_t *b, size_t n, void *out)
{
    return rsvd_smb2_hdr_decode(b, n, out);
}

static int decode_err(const uint8_t *b, size_t n, void *out)
{
    return rsvd_smb2_error_decode(b, n, out);
}

static void sync_header_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[64];
    size_t len = tu_golden_get("smb2_header_sync_request", msg, sizeof msg);
    assert_int_equal(len, 64);
    rsvd_smb2_hdr h;
    assert_int_equal(tu_decode_exact(decode_hdr, msg, len, &h), RSVD_OK);
    assert_int_equal(h.credit_charge, 1);
    assert_int_equal(h.status, 0);
    assert_int_equal(h.command, RSVD_SMB2_IOCTL);
    assert_int_equal(h.credit, 1);
    assert_int_equal(h.flags, 0);
    assert_int_equal(h.next_command, 0);
    assert_int_equal(h.message_id, 7);
    assert_int_equal(h.reserved, 0xFEFF);
    assert_int_equal(h.tree_id, 5);
    assert_int_equal(h.async_id, 0);
    assert_int_equal(h.session_id, 0x11);
    assert_false(rsvd_smb2_hdr_is_response(&h));
    assert_false(rsvd_smb2_hdr_is_async(&h));

    uint8_t out[64];
    assert_int_equal(rsvd_smb2_hdr_encode(&h, out, sizeof out), RSVD_OK);
    tu_assert_bytes(out, sizeof out, msg, len);
}

static void async_header_golden_decodes_async_id(void **state)
{
    (void)state;
    uint8_t msg[64];
    size_t len = tu_golden_get("smb2_header_async_response", msg, sizeof msg);
    rsvd_smb2_hdr h;
    assert_int_equal(tu_decode_exact(decode_hdr, msg, len, &h), RSVD_OK);
    assert_int_equal(h.status, RSVD_STATUS_PENDING);
    assert_true(rsvd_smb2_hdr_is_async(&h));
    assert_true(rsvd_smb2_hdr_is_response(&h));
    assert_int_equal(h.async_id, 42);
    assert_int_equal(h.tree_id, 0);
    uint8_t out[64];
    assert_int_equal(rsvd_smb2_hdr_encode(&h, out, sizeof out), RSVD_OK);
    tu_assert_bytes(out, sizeof out, msg, len);
}

static void header_rejects_every_truncation(void **state)
{
    (void)state;
    uint8_t msg[64];
    size_t len = tu_golden_get("smb2_header_sync_request", msg, sizeof msg);
    tu_assert_truncations_rejected(decode_hdr, msg, len, sizeof(rsvd_smb2_hdr));
    len = tu_golden_get("smb2_header_async_response", msg, sizeof msg);
    tu_assert_truncations_rejected(decode_hdr, msg, len, sizeof(rsvd_smb2_hdr));
}

static void header_rejects_wrong_protocol_id_and_structure_size(void **state)
{
    (void)state;
    uint8_t msg[64];
    rsvd_smb2_hdr h;
    tu_golden_get("smb2_header_sync_request", msg, sizeof msg);
    msg[0] = 0xFD; /* transform header, not ours */
    assert_int_equal(rsvd_smb2_hdr_decode(msg, sizeof msg, &h), RSVD_E_WIRE_PROTOCOL_ID);
    tu_golden_get("smb2_header_sync_request", msg, sizeof msg);
    msg[4] = 65;
    assert_int_equal(rsvd_smb2_hdr_decode(msg, sizeof msg, &h), RSVD_E_WIRE_STRUCTURE_SIZE);
}

static void header_encode_fails_cleanly_when_buffer_small(void **state)
{
    (void)state;
    rsvd_smb2_hdr h;
    memset(&h, 0, sizeof h);
    uint8_t out[63];
    assert_int_equal(rsvd_smb2_hdr_encode(&h, out, sizeof out), RSVD_E_NOSPC);
}

static void error_body_accepts_8_and_9_bytes_and_round_trips(void **state)
{
    (void)state;
    uint8_t body[16];
    size_t len = tu_golden_get("smb2_error_body_empty", body, sizeof body);
    rsvd_smb2_error e;
    assert_int_equal(tu_decode_exact(decode_err, body, len, &e), RSVD_OK);
    assert_int_equal(e.byte_count, 0);
    assert_int_equal(tu_decode_exact(decode_err, body, 8, &e), RSVD_OK); /* no pad byte */

    uint8_t out[16];
    size_t out_len = 0;
    assert_int_equal(rsvd_smb2_error_encode(&e, out, sizeof out, &out_len), RSVD_OK);
    tu_assert_bytes(out, out_len, body, len);
    tu_assert_truncations_rejected(decode_err, body, 8, sizeof e);
}

static void error_body_with_data_checks_byte_count(void **state)
{
    (void)state;
    uint8_t body[16];
    /* STATUS_BUFFER_TOO_SMALL carries the 4-byte minimum length (2.2.2.2). */
    size_t len = tu_golden_get("smb2_error_body_buffer_too_small", body, sizeof body);
    rsvd_smb2_error e;
    assert_int_equal(rsvd_smb2_error_decode(body, len, &e), RSVD_OK); /* views into body */
    assert_int_equal(e.byte_count, 4);
    assert_memory_equal(e.error_data, body + 8, 4);
    uint8_t out[16];
    size_t out_len = 0;
    assert_int_equal(rsvd_smb2_error_encode(&e, out, sizeof out, &out_len), RSVD_OK);
    tu_assert_bytes(out, out_len, body, len);
    tu_assert_truncations_rejected(decode_err, body, len, sizeof e);

    e.error_data = NULL; /* ByteCount without data: refused, nothing copied */
    assert_int_equal(rsvd_smb2_error_encode(&e, out, sizeof out, &out_len), RSVD_E_INVAL);

    body[4] = 0xFF; body[5] = 0xFF; body[6] = 0xFF; body[7] = 0xFF;
    assert_int_equal(rsvd_smb2_error_decode(body, len, &e), RSVD_E_WIRE_RANGE);
    body[0] = 8;
    assert_int_equal(rsvd_smb2_error_decode(body, len, &e), RSVD_E_WIRE_STRUCTURE_SIZE);
}

/* [MS-SMB2] 3.3.4.4: header copied from the request, Status set, response flag,
 * NextCommand 0, CreditResponse 0 for an async request. */
static void error_response_follows_3_3_4_4(void **state)
{
    (void)state;
    uint8_t req[64];
    tu_golden_get("smb2_header_sync_request", req, sizeof req);
    rsvd_smb2_hdr rh;
    assert_int_equal(rsvd_smb2_hdr_decode(req, sizeof req, &rh), RSVD_OK);
    rh.next_command = 128;
    uint8_t out[80];
    size_t out_len = 0;
    assert_int_equal(rsvd_smb2_error_response_build(&rh, RSVD_STATUS_INVALID_PARAMETER, 3, out,
                                                     sizeof out, &out_len),
                     RSVD_OK);
    assert_int_equal(out_len, 73);
    rsvd_smb2_hdr h;
    assert_int_equal(rsvd_smb2_hdr_decode(out, out_len, &h), RSVD_OK);
    assert_int_equal(h.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_true(rsvd_smb2_hdr_is_response(&h));
    assert_int_equal(h.next_command, 0);
    assert_int_equal(h.credit, 3);
    assert_int_equal(h.message_id, 7);
    assert_int_equal(h.tree_id, 5);
    assert_int_equal(h.reserved, 0xFEFF); /* echoed, as Windows servers do (<4>) */
    rsvd_smb2_error e;
    assert_int_equal(rsvd_smb2_error_decode(out + 64, out_len - 64, &e), RSVD_OK);
    assert_int_equal(e.byte_count, 0);

    rh.flags |= RSVD_SMB2_FLAGS_ASYNC_COMMAND;
    rh.async_id = 9;
    assert_int_equal(rsvd_smb2_error_response_build(&rh, RSVD_STATUS_CANCELLED, 3, out,
                                                     sizeof out, &out_len),
                     RSVD_OK);
    assert_int_equal(rsvd_smb2_hdr_decode(out, out_len, &h), RSVD_OK);
    assert_int_equal(h.credit, 0);
    assert_int_equal(h.async_id, 9);

    assert_int_equal(rsvd_smb2_error_response_build(&rh, RSVD_STATUS_CANCELLED, 3, out, 72,
                                                     &out_len),
                     RSVD_E_NOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sync_header_golden_decodes_field_by_field),
        cmocka_unit_test(async_header_golden_decodes_async_id),
        cmocka_unit_test(header_rejects_every_truncation),
        cmocka_unit_test(header_rejects_wrong_protocol_id_and_structure_size),
        cmocka_unit_test(header_encode_fails_cleanly_when_buffer_small),
        cmocka_unit_test(error_body_accepts_8_and_9_bytes_and_round_trips),
        cmocka_unit_test(error_body_with_data_checks_byte_count),
        cmocka_unit_test(error_response_follows_3_3_4_4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
