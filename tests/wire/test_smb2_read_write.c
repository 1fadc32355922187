/*
 * SMB2 READ and WRITE requests and responses ([MS-SMB2] 2.2.19 - 2.2.22).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "smb2_test.h"
#include "testutil.h"

static int dec_rreq(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_read_req_decode(b, n, o);
}

static int dec_rrsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_read_rsp_decode(b, n, o);
}

static int dec_wreq(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_write_req_decode(b, n, o);
}

static int dec_wrsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_write_rsp_decode(b, n, o);
}

/* ---- READ request ----------------------------------------------------------- */

static void read_request_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256], out[256];
    size_t len = tu_golden_get("smb2_read_req", msg, sizeof msg);
    assert_int_equal(len, 113);
    rsvd_smb2_read_req m;
    assert_int_equal(tu_decode_exact(dec_rreq, msg, len, &m), RSVD_OK);
    assert_int_equal(m.hdr.command, RSVD_SMB2_READ);
    assert_int_equal(m.hdr.message_id, 5);
    assert_int_equal(m.padding, 0x50);
    assert_int_equal(m.flags, 0);
    assert_int_equal(m.length, 64);
    assert_true(m.offset == 0x100000);
    assert_true(m.file_id.persistent_id == T_PERSISTENT);
    assert_true(m.file_id.volatile_id == T_VOLATILE);
    assert_int_equal(m.minimum_count, 0);
    assert_int_equal(m.channel, RSVD_SMB2_CHANNEL_NONE);
    assert_int_equal(m.remaining_bytes, 0);
    assert_int_equal(m.read_channel_info_offset, 0);
    assert_int_equal(m.read_channel_info_length, 0);
    assert_null(m.read_channel_info);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_read_req_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len); /* with the one Buffer byte */
    assert_int_equal(rsvd_smb2_read_req_encode(&m, out, 112, &n), RSVD_E_NOSPC);
}

/* [MS-SMB2] 2.2.19: "The client MUST set one byte of this field to 0". */
static void read_request_without_its_buffer_byte_is_short(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_read_req", msg, sizeof msg);
    tu_assert_truncations_rejected(dec_rreq, msg, len, sizeof(rsvd_smb2_read_req));
    rsvd_smb2_read_req m;
    assert_int_equal(rsvd_smb2_read_req_decode(msg, 112, &m), RSVD_E_WIRE_SHORT);
}

static void read_request_channel_info_is_checked_and_round_trips(void **state)
{
    (void)state;
    const uint8_t ci[16] = {0xC1, 0xC2, 0xC3, 0xC4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    rsvd_smb2_read_req m;
    memset(&m, 0, sizeof m);
    m.hdr.message_id = 40;
    m.length = 0x100000;
    m.channel = RSVD_SMB2_CHANNEL_RDMA_V1;
    m.read_channel_info = ci;
    m.read_channel_info_length = sizeof ci;
    uint8_t buf[256];
    size_t n = 0;
    assert_int_equal(rsvd_smb2_read_req_encode(&m, buf, sizeof buf, &n), RSVD_OK);
    assert_int_equal(n, 112 + 16);
    rsvd_smb2_read_req d;
    assert_int_equal(rsvd_smb2_read_req_decode(buf, n, &d), RSVD_OK);
    assert_int_equal(d.read_channel_info_offset, 0x70);
    assert_int_equal(d.read_channel_info_length, 16);
    assert_memory_equal(d.read_channel_info, ci, sizeof ci);
    assert_int_equal(d.channel, RSVD_SMB2_CHANNEL_RDMA_V1);
    assert_int_equal(d.length, 0x100000);

    put16(buf, 108, 0x6F); /* ReadChannelInfoOffset inside the fixed part */
    assert_int_equal(rsvd_smb2_read_req_decode(buf, n, &d), RSVD_E_WIRE_OFFSET);
    put16(buf, 108, 0x71); /* runs one byte past the end */
    assert_int_equal(rsvd_smb2_read_req_decode(buf, n, &d), RSVD_E_WIRE_RANGE);
    put16(buf, 108, 0xFFFF);
    put16(buf, 110, 0xFFFF);
    assert_int_equal(rsvd_smb2_read_req_decode(buf, n, &d), RSVD_E_WIRE_OFFSET);
    put16(buf, 108, 0x70);
    assert_int_equal(rsvd_smb2_read_req_decode(buf, n, &d), RSVD_E_WIRE_RANGE);
    m.read_channel_info = NULL;
    assert_int_equal(rsvd_smb2_read_req_encode(&m, buf, sizeof buf, &n), RSVD_E_INVAL);
}

/* ---- READ response ---------------------------------------------------------- */

static void read_response_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256], out[256];
    size_t len = tu_golden_get("smb2_read_rsp", msg, sizeof msg);
    assert_int_equal(len, 144);
    rsvd_smb2_read_rsp m;
    assert_int_equal(tu_decode_exact(dec_rrsp, msg, len, &m), RSVD_OK);
    assert_int_equal(rsvd_smb2_read_rsp_decode(msg, len, &m), RSVD_OK);
    assert_true(rsvd_smb2_hdr_is_response(&m.hdr));
    assert_int_equal(m.hdr.message_id, 5);
    assert_int_equal(m.data_offset, 0x50);
    assert_int_equal(m.data_length, 64);
    assert_int_equal(m.data_remaining, 0);
    assert_int_equal(m.flags, 0);
    assert_ptr_equal(m.data, msg + 0x50);
    for (int i = 0; i < 64; i++)
        assert_int_equal(m.data[i], i);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_read_rsp_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_read_rsp_encode(&m, out, len - 1, &n), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_rrsp, msg, len, sizeof m);
}

/* The 1-byte DataOffset: into the header or the fixed part, past the end. */
static void read_response_data_offset_is_checked(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_read_rsp", msg, sizeof msg);
    rsvd_smb2_read_rsp m;
    msg[66] = 0x4F;
    assert_int_equal(rsvd_smb2_read_rsp_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    msg[66] = 0x00;
    assert_int_equal(rsvd_smb2_read_rsp_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    msg[66] = 0x51;
    assert_int_equal(rsvd_smb2_read_rsp_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    msg[66] = 0xFF;
    assert_int_equal(rsvd_smb2_read_rsp_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    msg[66] = 0x50;
    put32(msg, 68, 0xFFFFFFFF);
    assert_int_equal(rsvd_smb2_read_rsp_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    put32(msg, 68, 0); /* no data: DataOffset is not looked at */
    msg[66] = 0;
    assert_int_equal(rsvd_smb2_read_rsp_decode(msg, len, &m), RSVD_OK);
    assert_null(m.data);
}

static void read_response_head_encoder_leaves_data_to_the_host(void **state)
{
    (void)state;
    uint8_t msg[256], out[256];
    size_t len = tu_golden_get("smb2_read_rsp", msg, sizeof msg);
    rsvd_smb2_read_rsp m;
    assert_int_equal(rsvd_smb2_read_rsp_decode(msg, len, &m), RSVD_OK);
    m.data = NULL; /* not used */
    memset(out, 0xEE, sizeof out);
    assert_int_equal(rsvd_smb2_read_rsp_encode_head(&m, out, sizeof out), RSVD_OK);
    tu_assert_bytes(out, 80, msg, 80);
    assert_int_equal(out[80], 0xEE); /* nothing written after the head */
    assert_int_equal(rsvd_smb2_read_rsp_encode_head(&m, out, 79), RSVD_E_NOSPC);
}

/* ---- WRITE request ---------------------------------------------------------- */

static void write_request_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256], out[256];
    size_t len = tu_golden_get("smb2_write_req", msg, sizeof msg);
    assert_int_equal(len, 176);
    rsvd_smb2_write_req m;
    assert_int_equal(tu_decode_exact(dec_wreq, msg, len, &m), RSVD_OK);
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &m), RSVD_OK);
    assert_int_equal(m.hdr.command, RSVD_SMB2_WRITE);
    assert_int_equal(m.hdr.message_id, 6);
    assert_int_equal(m.data_offset, 0x70);
    assert_int_equal(m.length, 64);
    assert_true(m.offset == 0x100000);
    assert_true(m.file_id.persistent_id == T_PERSISTENT);
    assert_true(m.file_id.volatile_id == T_VOLATILE);
    assert_int_equal(m.channel, 0);
    assert_int_equal(m.remaining_bytes, 0);
    assert_int_equal(m.write_channel_info_offset, 0);
    assert_int_equal(m.write_channel_info_length, 0);
    assert_int_equal(m.flags, 0);
    assert_ptr_equal(m.data, msg + 0x70);
    for (int i = 0; i < 64; i++)
        assert_int_equal(m.data[i], 0x5A);
    assert_null(m.write_channel_info);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_write_req_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_write_req_encode(&m, out, len - 1, &n), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_wreq, msg, len, sizeof m);

    memset(out, 0xEE, sizeof out);
    assert_int_equal(rsvd_smb2_write_req_encode_head(&m, out, sizeof out), RSVD_OK);
    tu_assert_bytes(out, 112, msg, 112);
    assert_int_equal(out[112], 0xEE);
}

static void write_request_data_offset_and_length_are_checked(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_write_req", msg, sizeof msg);
    rsvd_smb2_write_req m;
    put16(msg, 66, 0x40); /* DataOffset into the header */
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    put16(msg, 66, 0x6F); /* into the fixed part */
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    put16(msg, 66, 0x71);
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    put16(msg, 66, 0x70);
    put32(msg, 68, 0xFFFFFFFF); /* Length */
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    put16(msg, 66, 0xFFFF);
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    /* zero-length write: DataOffset is not looked at */
    put32(msg, 68, 0);
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &m), RSVD_OK);
    assert_null(m.data);
}

static void write_request_channel_info_is_checked_and_placed_before_data(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_write_req", msg, sizeof msg);
    rsvd_smb2_write_req m;
    put16(msg, 104, 0x60); /* WriteChannelInfoOffset into the fixed part */
    put16(msg, 106, 4);
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    put16(msg, 104, 0xAE); /* 0xAE + 4 = 0xB2 > 176 = 0xB0 */
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    put16(msg, 104, 0xAC);
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &m), RSVD_OK);
    assert_ptr_equal(m.write_channel_info, msg + 0xAC);

    const uint8_t data[5] = {1, 2, 3, 4, 5};
    const uint8_t ci[4] = {9, 9, 9, 9};
    rsvd_smb2_write_req w;
    memset(&w, 0, sizeof w);
    w.data = data;
    w.length = sizeof data;
    w.write_channel_info = ci;
    w.write_channel_info_length = sizeof ci;
    uint8_t buf[256];
    size_t n = 0;
    assert_int_equal(rsvd_smb2_write_req_encode(&w, buf, sizeof buf, &n), RSVD_OK);
    rsvd_smb2_write_req d;
    assert_int_equal(rsvd_smb2_write_req_decode(buf, n, &d), RSVD_OK);
    assert_int_equal(d.write_channel_info_offset, 0x70);
    assert_int_equal(d.data_offset, 0x78);
    assert_memory_equal(d.data, data, sizeof data);
    assert_memory_equal(d.write_channel_info, ci, sizeof ci);
    assert_int_equal(rsvd_smb2_write_req_encode_head(&w, buf, sizeof buf), RSVD_E_INVAL);
}

/* 16-bit DataOffset: a large write with channel info still encodes. */
static void write_request_larger_than_64k_with_channel_info_encodes(void **state)
{
    (void)state;
    static uint8_t data[70000], buf[70300];
    static uint8_t ci[65520];
    rsvd_smb2_write_req w;
    memset(&w, 0, sizeof w);
    w.data = data;
    w.length = sizeof data;
    w.write_channel_info = ci;
    w.write_channel_info_length = 16;
    size_t n = 0;
    assert_int_equal(rsvd_smb2_write_req_encode(&w, buf, sizeof buf, &n), RSVD_OK);
    rsvd_smb2_write_req d;
    assert_int_equal(rsvd_smb2_write_req_decode(buf, n, &d), RSVD_OK);
    assert_int_equal(d.length, sizeof data);
    assert_int_equal(d.data_offset, 0x80);
    w.write_channel_info_length = sizeof ci; /* the data would start past 0xFFFF */
    assert_int_equal(rsvd_smb2_write_req_encode(&w, buf, sizeof buf, &n), RSVD_E_INVAL);
}

/* ---- WRITE response and the shared rules ------------------------------------ */

static void write_response_golden_round_trips(void **state)
{
    (void)state;
    uint8_t msg[128], out[128];
    size_t len = tu_golden_get("smb2_write_rsp", msg, sizeof msg);
    rsvd_smb2_write_rsp m;
    assert_int_equal(tu_decode_exact(dec_wrsp, msg, len, &m), RSVD_OK);
    assert_int_equal(m.hdr.message_id, 6);
    assert_int_equal(m.count, 64);
    assert_int_equal(m.remaining, 0);
    assert_int_equal(m.write_channel_info_offset, 0);
    assert_int_equal(m.write_channel_info_length, 0);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_write_rsp_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_write_rsp_encode(&m, out, 79, &n), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_wrsp, msg, len, sizeof m);
}

static void read_write_reject_wrong_structure_size(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len;
    rsvd_smb2_read_req a;
    rsvd_smb2_read_rsp b;
    rsvd_smb2_write_req c;
    rsvd_smb2_write_rsp d;
    len = tu_golden_get("smb2_read_req", msg, sizeof msg);
    put16(msg, 64, 48);
    assert_int_equal(rsvd_smb2_read_req_decode(msg, len, &a), RSVD_E_WIRE_STRUCTURE_SIZE);
    len = tu_golden_get("smb2_read_rsp", msg, sizeof msg);
    put16(msg, 64, 16);
    assert_int_equal(rsvd_smb2_read_rsp_decode(msg, len, &b), RSVD_E_WIRE_STRUCTURE_SIZE);
    len = tu_golden_get("smb2_write_req", msg, sizeof msg);
    put16(msg, 64, 17);
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &c), RSVD_E_WIRE_STRUCTURE_SIZE);
    len = tu_golden_get("smb2_write_rsp", msg, sizeof msg);
    put16(msg, 64, 49);
    assert_int_equal(rsvd_smb2_write_rsp_decode(msg, len, &d), RSVD_E_WIRE_STRUCTURE_SIZE);
}

static void read_write_reject_wrong_command(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len;
    rsvd_smb2_read_req a;
    rsvd_smb2_read_rsp b;
    rsvd_smb2_write_req c;
    rsvd_smb2_write_rsp d;
    len = tu_golden_get("smb2_write_req", msg, sizeof msg); /* a WRITE is not a READ */
    assert_int_equal(rsvd_smb2_read_req_decode(msg, len, &a), RSVD_E_WIRE_COMMAND);
    len = tu_golden_get("smb2_write_rsp", msg, sizeof msg);
    assert_int_equal(rsvd_smb2_read_rsp_decode(msg, len, &b), RSVD_E_WIRE_COMMAND);
    len = tu_golden_get("smb2_read_req", msg, sizeof msg);
    assert_int_equal(rsvd_smb2_write_req_decode(msg, len, &c), RSVD_E_WIRE_COMMAND);
    len = tu_golden_get("smb2_read_rsp", msg, sizeof msg);
    assert_int_equal(rsvd_smb2_write_rsp_decode(msg, len, &d), RSVD_E_WIRE_COMMAND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_request_golden_decodes_field_by_field),
        cmocka_unit_test(read_request_without_its_buffer_byte_is_short),
        cmocka_unit_test(read_request_channel_info_is_checked_and_round_trips),
        cmocka_unit_test(read_response_golden_decodes_field_by_field),
        cmocka_unit_test(read_response_data_offset_is_checked),
        cmocka_unit_test(read_response_head_encoder_leaves_data_to_the_host),
        cmocka_unit_test(write_request_golden_decodes_field_by_field),
        cmocka_unit_test(write_request_data_offset_and_length_are_checked),
        cmocka_unit_test(write_request_channel_info_is_checked_and_placed_before_data),
        cmocka_unit_test(write_request_larger_than_64k_with_channel_info_encodes),
        cmocka_unit_test(write_response_golden_round_trips),
        cmocka_unit_test(read_write_reject_wrong_structure_size),
        cmocka_unit_test(read_write_reject_wrong_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
