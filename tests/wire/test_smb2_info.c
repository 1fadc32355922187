/*
 * SMB2 QUERY_INFO and SET_INFO requests and responses ([MS-SMB2] 2.2.37 -
 * 2.2.40).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "smb2_test.h"
#include "testutil.h"

static int dec_qreq(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_query_info_req_decode(b, n, o);
}

static int dec_qrsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_query_info_rsp_decode(b, n, o);
}

static int dec_sreq(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_set_info_req_decode(b, n, o);
}

static int dec_srsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_set_info_rsp_decode(b, n, o);
}

static void query_info_request_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256], out[256];
    size_t len = tu_golden_get("smb2_query_info_req", msg, sizeof msg);
    assert_int_equal(len, 104);
    rsvd_smb2_query_info_req m;
    assert_int_equal(tu_decode_exact(dec_qreq, msg, len, &m), RSVD_OK);
    assert_int_equal(m.hdr.command, RSVD_SMB2_QUERY_INFO);
    assert_int_equal(m.hdr.message_id, 9);
    assert_int_equal(m.info_type, RSVD_SMB2_0_INFO_FILE);
    assert_int_equal(m.file_info_class, RSVD_FILE_STANDARD_INFORMATION);
    assert_int_equal(m.output_buffer_length, 24);
    assert_int_equal(m.input_buffer_offset, 0x68);
    assert_int_equal(m.input_buffer_length, 0);
    assert_int_equal(m.additional_information, 0);
    assert_int_equal(m.flags, 0);
    assert_true(m.file_id.persistent_id == T_PERSISTENT);
    assert_true(m.file_id.volatile_id == T_VOLATILE);
    assert_null(m.input);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_query_info_req_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_query_info_req_encode(&m, out, len - 1, &n), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_qreq, msg, len, sizeof m);
}

static void query_info_request_input_buffer_is_checked_and_round_trips(void **state)
{
    (void)state;
    const uint8_t in[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    rsvd_smb2_query_info_req m;
    memset(&m, 0, sizeof m);
    m.info_type = RSVD_SMB2_0_INFO_QUOTA;
    m.output_buffer_length = 4096;
    m.flags = RSVD_SL_RESTART_SCAN;
    m.input = in;
    m.input_buffer_length = sizeof in;
    uint8_t buf[256];
    size_t n = 0;
    assert_int_equal(rsvd_smb2_query_info_req_encode(&m, buf, sizeof buf, &n), RSVD_OK);
    assert_int_equal(n, 104 + 12);
    rsvd_smb2_query_info_req d;
    assert_int_equal(rsvd_smb2_query_info_req_decode(buf, n, &d), RSVD_OK);
    assert_int_equal(d.input_buffer_offset, 0x68);
    assert_memory_equal(d.input, in, sizeof in);
    assert_int_equal(d.flags, RSVD_SL_RESTART_SCAN);
    assert_int_equal(d.info_type, RSVD_SMB2_0_INFO_QUOTA);

    put16(buf, 72, 0x60); /* InputBufferOffset into the fixed part */
    assert_int_equal(rsvd_smb2_query_info_req_decode(buf, n, &d), RSVD_E_WIRE_OFFSET);
    put16(buf, 72, 0x69);
    assert_int_equal(rsvd_smb2_query_info_req_decode(buf, n, &d), RSVD_E_WIRE_RANGE);
    put16(buf, 72, 0x68);
    put32(buf, 76, 0xFFFFFFFF);
    assert_int_equal(rsvd_smb2_query_info_req_decode(buf, n, &d), RSVD_E_WIRE_RANGE);
    put16(buf, 72, 0xFFFF);
    assert_int_equal(rsvd_smb2_query_info_req_decode(buf, n, &d), RSVD_E_WIRE_OFFSET);
    m.input = NULL;
    assert_int_equal(rsvd_smb2_query_info_req_encode(&m, buf, sizeof buf, &n), RSVD_E_INVAL);
}

static void query_info_response_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256], out[256];
    size_t len = tu_golden_get("smb2_query_info_rsp", msg, sizeof msg);
    assert_int_equal(len, 96);
    rsvd_smb2_query_info_rsp m;
    assert_int_equal(tu_decode_exact(dec_qrsp, msg, len, &m), RSVD_OK);
    assert_int_equal(rsvd_smb2_query_info_rsp_decode(msg, len, &m), RSVD_OK);
    assert_true(rsvd_smb2_hdr_is_response(&m.hdr));
    assert_int_equal(m.output_buffer_offset, 0x48);
    assert_int_equal(m.output_buffer_length, 24);
    assert_ptr_equal(m.output, msg + 0x48);
    assert_int_equal(m.output[16], 1); /* NumberOfLinks */
    size_t n = 0;
    assert_int_equal(rsvd_smb2_query_info_rsp_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_query_info_rsp_encode(&m, out, len - 1, &n), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_qrsp, msg, len, sizeof m);

    put16(msg, 66, 0x40); /* OutputBufferOffset into the header */
    assert_int_equal(rsvd_smb2_query_info_rsp_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    put16(msg, 66, 0x48);
    put32(msg, 68, 0xFFFFFFFF);
    assert_int_equal(rsvd_smb2_query_info_rsp_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    put32(msg, 68, 0); /* an empty answer: the offset is not looked at */
    put16(msg, 66, 0);
    assert_int_equal(rsvd_smb2_query_info_rsp_decode(msg, len, &m), RSVD_OK);
    assert_null(m.output);
}

static void set_info_request_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256], out[256];
    size_t len = tu_golden_get("smb2_set_info_req", msg, sizeof msg);
    assert_int_equal(len, 104);
    rsvd_smb2_set_info_req m;
    assert_int_equal(tu_decode_exact(dec_sreq, msg, len, &m), RSVD_OK);
    assert_int_equal(rsvd_smb2_set_info_req_decode(msg, len, &m), RSVD_OK);
    assert_int_equal(m.hdr.command, RSVD_SMB2_SET_INFO);
    assert_int_equal(m.hdr.message_id, 10);
    assert_int_equal(m.info_type, RSVD_SMB2_0_INFO_FILE);
    assert_int_equal(m.file_info_class, RSVD_FILE_END_OF_FILE_INFORMATION);
    assert_int_equal(m.buffer_length, 8);
    assert_int_equal(m.buffer_offset, 0x60);
    assert_int_equal(m.additional_information, 0);
    assert_true(m.file_id.persistent_id == T_PERSISTENT);
    assert_true(m.file_id.volatile_id == T_VOLATILE);
    assert_ptr_equal(m.buffer, msg + 0x60);
    assert_int_equal(m.buffer[3], 0x08); /* EndOfFile 0x08000000 */
    size_t n = 0;
    assert_int_equal(rsvd_smb2_set_info_req_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_set_info_req_encode(&m, out, len - 1, &n), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_sreq, msg, len, sizeof m);
}

static void set_info_request_buffer_offset_and_length_are_checked(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_set_info_req", msg, sizeof msg);
    rsvd_smb2_set_info_req m;
    put16(msg, 72, 0x5F); /* BufferOffset into the fixed part */
    assert_int_equal(rsvd_smb2_set_info_req_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    put16(msg, 72, 0x61);
    assert_int_equal(rsvd_smb2_set_info_req_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    put16(msg, 72, 0x60);
    put32(msg, 68, 0xFFFFFFFF);
    assert_int_equal(rsvd_smb2_set_info_req_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    put16(msg, 72, 0xFFFF);
    assert_int_equal(rsvd_smb2_set_info_req_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
}

static void set_info_response_golden_round_trips(void **state)
{
    (void)state;
    uint8_t msg[128], out[128];
    size_t len = tu_golden_get("smb2_set_info_rsp", msg, sizeof msg);
    assert_int_equal(len, 66);
    rsvd_smb2_set_info_rsp m;
    assert_int_equal(tu_decode_exact(dec_srsp, msg, len, &m), RSVD_OK);
    assert_int_equal(m.hdr.message_id, 10);
    assert_true(rsvd_smb2_hdr_is_response(&m.hdr));
    size_t n = 0;
    assert_int_equal(rsvd_smb2_set_info_rsp_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_set_info_rsp_encode(&m, out, 65, &n), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_srsp, msg, len, sizeof m);
}

static void info_messages_reject_wrong_structure_size(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len;
    rsvd_smb2_query_info_req a;
    rsvd_smb2_query_info_rsp b;
    rsvd_smb2_set_info_req c;
    rsvd_smb2_set_info_rsp d;
    len = tu_golden_get("smb2_query_info_req", msg, sizeof msg);
    put16(msg, 64, 40);
    assert_int_equal(rsvd_smb2_query_info_req_decode(msg, len, &a), RSVD_E_WIRE_STRUCTURE_SIZE);
    len = tu_golden_get("smb2_query_info_rsp", msg, sizeof msg);
    put16(msg, 64, 8);
    assert_int_equal(rsvd_smb2_query_info_rsp_decode(msg, len, &b), RSVD_E_WIRE_STRUCTURE_SIZE);
    len = tu_golden_get("smb2_set_info_req", msg, sizeof msg);
    put16(msg, 64, 32);
    assert_int_equal(rsvd_smb2_set_info_req_decode(msg, len, &c), RSVD_E_WIRE_STRUCTURE_SIZE);
    len = tu_golden_get("smb2_set_info_rsp", msg, sizeof msg);
    put16(msg, 64, 3);
    assert_int_equal(rsvd_smb2_set_info_rsp_decode(msg, len, &d), RSVD_E_WIRE_STRUCTURE_SIZE);
}

static void info_messages_reject_wrong_command(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len;
    rsvd_smb2_query_info_req a;
    rsvd_smb2_query_info_rsp b;
    rsvd_smb2_set_info_req c;
    rsvd_smb2_set_info_rsp d;
    len = tu_golden_get("smb2_set_info_req", msg, sizeof msg); /* SET is not QUERY */
    assert_int_equal(rsvd_smb2_query_info_req_decode(msg, len, &a), RSVD_E_WIRE_COMMAND);
    len = tu_golden_get("smb2_set_info_rsp", msg, sizeof msg);
    assert_int_equal(rsvd_smb2_query_info_rsp_decode(msg, len, &b), RSVD_E_WIRE_COMMAND);
    len = tu_golden_get("smb2_query_info_req", msg, sizeof msg);
    assert_int_equal(rsvd_smb2_set_info_req_decode(msg, len, &c), RSVD_E_WIRE_COMMAND);
    len = tu_golden_get("smb2_query_info_rsp", msg, sizeof msg);
    assert_int_equal(rsvd_smb2_set_info_rsp_decode(msg, len, &d), RSVD_E_WIRE_COMMAND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(query_info_request_golden_decodes_field_by_field),
        cmocka_unit_test(query_info_request_input_buffer_is_checked_and_round_trips),
        cmocka_unit_test(query_info_response_golden_decodes_field_by_field),
        cmocka_unit_test(set_info_request_golden_decodes_field_by_field),
        cmocka_unit_test(set_info_request_buffer_offset_and_length_are_checked),
        cmocka_unit_test(set_info_response_golden_round_trips),
        cmocka_unit_test(info_messages_reject_wrong_structure_size),
        cmocka_unit_test(info_messages_reject_wrong_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
