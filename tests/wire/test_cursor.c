/*
 * The bounds-checked reader and writer (rsvd/wire.h).
 */
#include <string.h>

#include <rsvd/wire.h>

#include "testutil.h"

static void reader_reads_little_endian_fields_in_order(void **state)
{
    (void)state;
    const uint8_t in[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
                          0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
    rsvd_rd r;
    rsvd_rd_init(&r, in, sizeof in);
    assert_int_equal(rsvd_rd_u8(&r), 0x11);
    assert_int_equal(rsvd_rd_u16(&r), 0x3322);
    assert_int_equal(rsvd_rd_u32(&r), 0x77665544u);
    assert_true(rsvd_rd_u64(&r) == 0xFFEEDDCCBBAA9988ull);
    assert_true(rsvd_rd_ok(&r));
    assert_int_equal(rsvd_rd_left(&r), 0);
}

static void reader_past_end_returns_zero_and_stays_failed(void **state)
{
    (void)state;
    const uint8_t in[] = {1, 2, 3};
    rsvd_rd r;
    rsvd_rd_init(&r, in, sizeof in);
    assert_int_equal(rsvd_rd_u16(&r), 0x0201);
    assert_int_equal(rsvd_rd_u16(&r), 0); /* only one byte left */
    assert_false(rsvd_rd_ok(&r));
    assert_int_equal(rsvd_rd_u8(&r), 0);  /* sticky: the byte left is not read */
    assert_false(rsvd_rd_ok(&r));
    assert_null(rsvd_rd_take(&r, 0));
}

static void reader_copy_zero_fills_when_short(void **state)
{
    (void)state;
    const uint8_t in[] = {9, 9};
    uint8_t out[4] = {1, 1, 1, 1};
    rsvd_rd r;
    rsvd_rd_init(&r, in, sizeof in);
    rsvd_rd_copy(&r, out, sizeof out);
    assert_false(rsvd_rd_ok(&r));
    const uint8_t zero[4] = {0};
    assert_memory_equal(out, zero, sizeof out);
}

static void reader_seek_to_end_allowed_past_end_fails(void **state)
{
    (void)state;
    const uint8_t in[8] = {0};
    rsvd_rd r;
    rsvd_rd_init(&r, in, sizeof in);
    rsvd_rd_seek(&r, 8);
    assert_true(rsvd_rd_ok(&r));
    assert_int_equal(rsvd_rd_left(&r), 0);
    rsvd_rd_seek(&r, 9);
    assert_false(rsvd_rd_ok(&r));
    rsvd_rd_init(&r, in, sizeof in);
    rsvd_rd_seek(&r, UINT64_MAX);
    assert_false(rsvd_rd_ok(&r));
}

static void reader_on_null_buffer_reads_nothing(void **state)
{
    (void)state;
    rsvd_rd r;
    rsvd_rd_init(&r, NULL, 100); /* a NULL buffer has no bytes, whatever len says */
    assert_int_equal(rsvd_rd_left(&r), 0);
    assert_int_equal(rsvd_rd_u8(&r), 0);
    assert_false(rsvd_rd_ok(&r));
}

static void range_check_never_overflows(void **state)
{
    (void)state;
    assert_true(rsvd_wire_range_ok(10, 0, 10));
    assert_true(rsvd_wire_range_ok(10, 10, 0));
    assert_false(rsvd_wire_range_ok(10, 10, 1));
    assert_false(rsvd_wire_range_ok(10, 11, 0));
    assert_false(rsvd_wire_range_ok(10, 1, UINT64_MAX));
    assert_false(rsvd_wire_range_ok(10, UINT64_MAX, 2));
    assert_false(rsvd_wire_range_ok(SIZE_MAX, UINT64_MAX, UINT64_MAX));
    assert_int_equal(rsvd_wire_align8(0), 0);
    assert_int_equal(rsvd_wire_align8(1), 8);
    assert_int_equal(rsvd_wire_align8(128), 128);
    assert_int_equal(rsvd_wire_align8(129), 136);
}

static void writer_writes_little_endian_and_reports_length(void **state)
{
    (void)state;
    uint8_t out[15];
    rsvd_wr w;
    rsvd_wr_init(&w, out, sizeof out);
    rsvd_wr_u8(&w, 0x11);
    rsvd_wr_u16(&w, 0x3322);
    rsvd_wr_u32(&w, 0x77665544u);
    rsvd_wr_u64(&w, 0xFFEEDDCCBBAA9988ull);
    size_t len = 0;
    assert_int_equal(rsvd_wr_finish(&w, &len), RSVD_OK);
    assert_int_equal(len, 15);
    const uint8_t want[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                            0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
    tu_assert_bytes(out, len, want, sizeof want);
}

static void writer_overflow_writes_nothing_more_and_fails(void **state)
{
    (void)state;
    uint8_t out[6] = {0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE};
    rsvd_wr w;
    rsvd_wr_init(&w, out, 5);
    rsvd_wr_u32(&w, 0x01020304u);
    rsvd_wr_u16(&w, 0xFFFF); /* does not fit: nothing written */
    rsvd_wr_u8(&w, 0x55);    /* sticky: still nothing */
    size_t len = 99;
    assert_int_equal(rsvd_wr_finish(&w, &len), RSVD_E_NOSPC);
    assert_int_equal(len, 99);
    assert_int_equal(out[4], 0xEE);
    assert_int_equal(out[5], 0xEE);
}

static void writer_backpatch_and_padding(void **state)
{
    (void)state;
    uint8_t out[16];
    memset(out, 0xAA, sizeof out);
    rsvd_wr w;
    rsvd_wr_init(&w, out, sizeof out);
    rsvd_wr_u16(&w, 0);
    rsvd_wr_u32(&w, 0);
    rsvd_wr_u8(&w, 7);
    rsvd_wr_pad8(&w);
    assert_int_equal(rsvd_wr_pos(&w), 8);
    rsvd_wr_u16_at(&w, 0, 0xBEEF);
    rsvd_wr_u32_at(&w, 2, 0x12345678u);
    assert_true(rsvd_wr_ok(&w));
    const uint8_t want[] = {0xEF, 0xBE, 0x78, 0x56, 0x34, 0x12, 7, 0};
    tu_assert_bytes(out, rsvd_wr_pos(&w), want, sizeof want);
    rsvd_wr_u32_at(&w, 6, 1); /* would reach past what was written */
    assert_false(rsvd_wr_ok(&w));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_reads_little_endian_fields_in_order),
        cmocka_unit_test(reader_past_end_returns_zero_and_stays_failed),
        cmocka_unit_test(reader_copy_zero_fills_when_short),
        cmocka_unit_test(reader_seek_to_end_allowed_past_end_fails),
        cmocka_unit_test(reader_on_null_buffer_reads_nothing),
        cmocka_unit_test(range_check_never_overflows),
        cmocka_unit_test(writer_writes_little_endian_and_reports_length),
        cmocka_unit_test(writer_overflow_writes_nothing_more_and_fails),
        cmocka_unit_test(writer_backpatch_and_padding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
