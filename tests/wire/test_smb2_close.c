/*
 * SMB2 CLOSE request and response ([MS-SMB2] 2.2.15, 2.2.16).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "smb2_test.h"
#include "testutil.h"

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_close_req_decode(b, n, o);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_close_rsp_decode(b, n, o);
}

static void close_request_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[128], out[128];
    size_t len = tu_golden_get("smb2_close_req", msg, sizeof msg);
    assert_int_equal(len, 88);
    rsvd_smb2_close_req m;
    assert_int_equal(tu_decode_exact(dec_req, msg, len, &m), RSVD_OK);
    assert_int_equal(m.hdr.command, RSVD_SMB2_CLOSE);
    assert_int_equal(m.hdr.message_id, 11);
    assert_int_equal(m.hdr.session_id, T_SESSION);
    assert_int_equal(m.flags, RSVD_SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB);
    assert_true(m.file_id.persistent_id == T_PERSISTENT);
    assert_true(m.file_id.volatile_id == T_VOLATILE);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_close_req_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_close_req_encode(&m, out, len - 1, &n), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_req, msg, len, sizeof m);
}

static void close_response_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[128], out[128];
    size_t len = tu_golden_get("smb2_close_rsp", msg, sizeof msg);
    assert_int_equal(len, 124);
    rsvd_smb2_close_rsp m;
    assert_int_equal(tu_decode_exact(dec_rsp, msg, len, &m), RSVD_OK);
    assert_true(rsvd_smb2_hdr_is_response(&m.hdr));
    assert_int_equal(m.hdr.message_id, 11);
    assert_int_equal(m.flags, RSVD_SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB);
    assert_true(m.creation_time == 0x01DA1C2B3D4E5F60ull);
    assert_true(m.last_access_time == 0x01DA3E4F5A6B7C80ull);
    assert_true(m.last_write_time == 0x01DA3E4F5A6B7C80ull);
    assert_true(m.change_time == 0x01DA3E4F5A6B7C80ull);
    assert_true(m.allocation_size == 0x4400000);
    assert_true(m.end_of_file == 0x4400000);
    assert_int_equal(m.file_attributes, 0x20);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_close_rsp_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_close_rsp_encode(&m, out, len - 1, &n), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_rsp, msg, len, sizeof m);
}

static void close_rejects_wrong_structure_size(void **state)
{
    (void)state;
    uint8_t msg[128];
    size_t len = tu_golden_get("smb2_close_req", msg, sizeof msg);
    rsvd_smb2_close_req q;
    rsvd_smb2_close_rsp p;
    put16(msg, 64, 60);
    assert_int_equal(rsvd_smb2_close_req_decode(msg, len, &q), RSVD_E_WIRE_STRUCTURE_SIZE);
    len = tu_golden_get("smb2_close_rsp", msg, sizeof msg);
    put16(msg, 64, 24);
    assert_int_equal(rsvd_smb2_close_rsp_decode(msg, len, &p), RSVD_E_WIRE_STRUCTURE_SIZE);
}

static void close_rejects_wrong_command(void **state)
{
    (void)state;
    uint8_t msg[128];
    size_t len = tu_golden_get("smb2_close_req", msg, sizeof msg);
    rsvd_smb2_close_req q;
    rsvd_smb2_close_rsp p;
    put16(msg, 12, RSVD_SMB2_FLUSH);
    assert_int_equal(rsvd_smb2_close_req_decode(msg, len, &q), RSVD_E_WIRE_COMMAND);
    len = tu_golden_get("smb2_lock_rsp", msg, sizeof msg);
    assert_int_equal(rsvd_smb2_close_rsp_decode(msg, len, &p), RSVD_E_WIRE_COMMAND);
    len = tu_golden_get("smb2_close_req", msg, sizeof msg);
    msg[0] = 0xFD; /* a transform header is not an SMB2 message */
    assert_int_equal(rsvd_smb2_close_req_decode(msg, len, &q), RSVD_E_WIRE_PROTOCOL_ID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(close_request_golden_decodes_field_by_field),
        cmocka_unit_test(close_response_golden_decodes_field_by_field),
        cmocka_unit_test(close_rejects_wrong_structure_size),
        cmocka_unit_test(close_rejects_wrong_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
