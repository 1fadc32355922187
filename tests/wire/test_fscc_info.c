/*
 * File information classes the backends answer QUERY_INFO with and take in
 * SET_INFO (lib/wire/fscc_info.c): FileStandardInformation ([MS-FSCC]
 * 2.4.41), FileNetworkOpenInformation (2.4.29), FileEndOfFileInformation
 * (2.4.14), against golden vectors laid out by hand from those tables.
 */
#include <string.h>

#include <rsvd/backend.h>
#include <rsvd/fscc.h>
#include <rsvd/wire.h>

#include "testutil.h"
#include "wire/fscc_info.h"

static int dec_standard(const uint8_t *b, size_t n, void *o)
{
    return rsvd_fscc_file_info_decode(RSVD_FILE_STANDARD_INFORMATION, b, n, o);
}

static int dec_network_open(const uint8_t *b, size_t n, void *o)
{
    return rsvd_fscc_file_info_decode(RSVD_FILE_NETWORK_OPEN_INFORMATION, b, n, o);
}

static int dec_end_of_file(const uint8_t *b, size_t n, void *o)
{
    return rsvd_fscc_file_info_decode(RSVD_FILE_END_OF_FILE_INFORMATION, b, n, o);
}

/* Every field set, to values no class's golden vector holds: an encoder
 * that wrote a field of another class, or in another place, shows. */
static rsvd_fscc_file_info all_fields(void)
{
    rsvd_fscc_file_info fi;
    memset(&fi, 0, sizeof fi);
    fi.creation_time = 0x1111111111111111u;
    fi.last_access_time = 0x2222222222222222u;
    fi.last_write_time = 0x3333333333333333u;
    fi.change_time = 0x4444444444444444u;
    fi.allocation_size = 0x5555555555555555u;
    fi.end_of_file = 0x6666666666666666u;
    fi.number_of_links = 0x77777777u;
    fi.delete_pending = 0x88;
    fi.directory = 0x99;
    fi.file_attributes = 0xAAAAAAAAu;
    return fi;
}

static void sizes_are_those_of_the_three_classes(void **state)
{
    (void)state;
    assert_int_equal(rsvd_fscc_file_info_size(RSVD_FILE_STANDARD_INFORMATION), 24);
    assert_int_equal(rsvd_fscc_file_info_size(RSVD_FILE_NETWORK_OPEN_INFORMATION), 56);
    assert_int_equal(rsvd_fscc_file_info_size(RSVD_FILE_END_OF_FILE_INFORMATION), 8);
    assert_int_equal(rsvd_fscc_file_info_size(RSVD_FILE_RENAME_INFORMATION), 0);
    assert_int_equal(rsvd_fscc_file_info_size(RSVD_FILE_LINK_INFORMATION), 0);
    assert_int_equal(rsvd_fscc_file_info_size(4), 0); /* FileBasicInformation */
    assert_int_equal(rsvd_fscc_file_info_size(0), 0);
    assert_int_equal(rsvd_fscc_file_info_size(UINT32_MAX), 0);
}

static void standard_information_is_laid_out_as_2_4_41(void **state)
{
    (void)state;
    uint8_t want[64], out[64];
    size_t len = tu_golden_get("fscc_file_standard_information", want, sizeof want);
    assert_int_equal(len, 24);
    rsvd_fscc_file_info fi = all_fields();
    fi.allocation_size = 0x04401000u;
    fi.end_of_file = 0x04400200u;
    fi.number_of_links = 2;
    fi.delete_pending = 1;
    fi.directory = 0;
    memset(out, 0xEE, sizeof out);
    size_t n = 0;
    assert_int_equal(
        rsvd_fscc_file_info_encode(RSVD_FILE_STANDARD_INFORMATION, &fi, out, sizeof out, &n),
        RSVD_OK);
    tu_assert_bytes(out, n, want, len); /* Reserved written as 0 */
    assert_int_equal(out[24], 0xEE);    /* nothing past the class */

    /* Exactly the class's size fits; a byte less is RSVD_E_NOSPC. */
    assert_int_equal(rsvd_fscc_file_info_encode(RSVD_FILE_STANDARD_INFORMATION, &fi, out, 24, &n),
                     RSVD_OK);
    assert_int_equal(n, 24);
    assert_int_equal(rsvd_fscc_file_info_encode(RSVD_FILE_STANDARD_INFORMATION, &fi, out, 23, &n),
                     RSVD_E_NOSPC);
}

static void standard_information_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[64], out[64];
    size_t len = tu_golden_get("fscc_file_standard_information", msg, sizeof msg);
    rsvd_fscc_file_info fi = all_fields();
    assert_int_equal(tu_decode_exact(dec_standard, msg, len, &fi), RSVD_OK);
    assert_true(fi.allocation_size == 0x04401000u);
    assert_true(fi.end_of_file == 0x04400200u);
    assert_int_equal(fi.number_of_links, 2);
    assert_int_equal(fi.delete_pending, 1);
    assert_int_equal(fi.directory, 0);
    /* The other classes' fields are zeroed, not left as they were. */
    assert_true(fi.creation_time == 0 && fi.last_access_time == 0 && fi.last_write_time == 0 &&
                fi.change_time == 0);
    assert_int_equal(fi.file_attributes, 0);
    size_t n = 0;
    assert_int_equal(
        rsvd_fscc_file_info_encode(RSVD_FILE_STANDARD_INFORMATION, &fi, out, sizeof out, &n),
        RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    tu_assert_truncations_rejected(dec_standard, msg, len, sizeof fi);

    /* Reserved is not read; a Boolean is kept as sent ([MS-FSCC] 2.1.8). */
    msg[22] = 0xFF;
    msg[23] = 0xFF;
    msg[21] = 0x02;
    assert_int_equal(tu_decode_exact(dec_standard, msg, len, &fi), RSVD_OK);
    assert_int_equal(fi.directory, 0x02);
    assert_int_equal(fi.number_of_links, 2);
}

static void network_open_information_is_laid_out_as_2_4_29(void **state)
{
    (void)state;
    uint8_t want[96], out[96];
    size_t len = tu_golden_get("fscc_file_network_open_information", want, sizeof want);
    assert_int_equal(len, 56);
    rsvd_fscc_file_info fi = all_fields();
    fi.creation_time = 0x01D9A0B1C2D3E4F5u;
    fi.last_access_time = 0x01D9A0B1C2D3E4F6u;
    fi.last_write_time = 0x01D9A0B1C2D3E4F7u;
    fi.change_time = 0x01D9A0B1C2D3E4F8u;
    fi.allocation_size = 0x100000u;
    fi.end_of_file = 0xFFE00u;
    fi.file_attributes = FSCC_FILE_ATTRIBUTE_ARCHIVE;
    memset(out, 0xEE, sizeof out);
    size_t n = 0;
    assert_int_equal(
        rsvd_fscc_file_info_encode(RSVD_FILE_NETWORK_OPEN_INFORMATION, &fi, out, sizeof out, &n),
        RSVD_OK);
    tu_assert_bytes(out, n, want, len);
    assert_int_equal(out[56], 0xEE);
    assert_int_equal(
        rsvd_fscc_file_info_encode(RSVD_FILE_NETWORK_OPEN_INFORMATION, &fi, out, 55, &n),
        RSVD_E_NOSPC);
}

static void network_open_information_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[96], out[96];
    size_t len = tu_golden_get("fscc_file_network_open_information", msg, sizeof msg);
    rsvd_fscc_file_info fi = all_fields();
    assert_int_equal(tu_decode_exact(dec_network_open, msg, len, &fi), RSVD_OK);
    assert_true(fi.creation_time == 0x01D9A0B1C2D3E4F5u);
    assert_true(fi.last_access_time == 0x01D9A0B1C2D3E4F6u);
    assert_true(fi.last_write_time == 0x01D9A0B1C2D3E4F7u);
    assert_true(fi.change_time == 0x01D9A0B1C2D3E4F8u);
    assert_true(fi.allocation_size == 0x100000u);
    assert_true(fi.end_of_file == 0xFFE00u);
    assert_int_equal(fi.file_attributes, FSCC_FILE_ATTRIBUTE_ARCHIVE);
    assert_int_equal(fi.number_of_links, 0);
    assert_int_equal(fi.delete_pending | fi.directory, 0);
    size_t n = 0;
    assert_int_equal(
        rsvd_fscc_file_info_encode(RSVD_FILE_NETWORK_OPEN_INFORMATION, &fi, out, sizeof out, &n),
        RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    tu_assert_truncations_rejected(dec_network_open, msg, len, sizeof fi);

    msg[52] = 0x5A; /* Reserved is not read */
    assert_int_equal(tu_decode_exact(dec_network_open, msg, len, &fi), RSVD_OK);
    assert_int_equal(fi.file_attributes, FSCC_FILE_ATTRIBUTE_ARCHIVE);
}

static void end_of_file_information_is_laid_out_as_2_4_14(void **state)
{
    (void)state;
    uint8_t want[16], out[16];
    size_t len = tu_golden_get("fscc_file_end_of_file_information", want, sizeof want);
    assert_int_equal(len, 8);
    rsvd_fscc_file_info fi = all_fields();
    fi.end_of_file = 128u << 20;
    memset(out, 0xEE, sizeof out);
    size_t n = 0;
    assert_int_equal(
        rsvd_fscc_file_info_encode(RSVD_FILE_END_OF_FILE_INFORMATION, &fi, out, sizeof out, &n),
        RSVD_OK);
    tu_assert_bytes(out, n, want, len);
    assert_int_equal(out[8], 0xEE);
    assert_int_equal(rsvd_fscc_file_info_encode(RSVD_FILE_END_OF_FILE_INFORMATION, &fi, out, 7, &n),
                     RSVD_E_NOSPC);
}

static void end_of_file_information_decodes_and_rejects_truncation(void **state)
{
    (void)state;
    uint8_t msg[16], out[16];
    size_t len = tu_golden_get("fscc_file_end_of_file_information", msg, sizeof msg);
    rsvd_fscc_file_info fi = all_fields();
    assert_int_equal(tu_decode_exact(dec_end_of_file, msg, len, &fi), RSVD_OK);
    assert_true(fi.end_of_file == 128u << 20);
    assert_true(fi.allocation_size == 0 && fi.creation_time == 0);
    assert_int_equal(fi.number_of_links, 0);
    size_t n = 0;
    assert_int_equal(
        rsvd_fscc_file_info_encode(RSVD_FILE_END_OF_FILE_INFORMATION, &fi, out, sizeof out, &n),
        RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    tu_assert_truncations_rejected(dec_end_of_file, msg, len, sizeof fi);
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(tu_decode_exact(dec_end_of_file, msg, cut, &fi), RSVD_E_WIRE_SHORT);
    assert_int_equal(rsvd_fscc_file_info_decode(RSVD_FILE_END_OF_FILE_INFORMATION, NULL, 0, &fi),
                     RSVD_E_WIRE_SHORT);
}

/* [MS-FSCC] 2.4.14: EndOfFile is signed and "MUST be greater than or equal
 * to 0". */
static void end_of_file_information_rejects_a_negative_end_of_file(void **state)
{
    (void)state;
    uint8_t msg[8];
    rsvd_fscc_file_info fi;
    tu_hex("FFFFFFFFFFFFFFFF", msg, sizeof msg); /* -1 */
    assert_int_equal(tu_decode_exact(dec_end_of_file, msg, 8, &fi), RSVD_E_WIRE_VALUE);
    tu_hex("0000000000000080", msg, sizeof msg); /* INT64_MIN */
    assert_int_equal(tu_decode_exact(dec_end_of_file, msg, 8, &fi), RSVD_E_WIRE_VALUE);
    tu_hex("FFFFFFFFFFFFFF7F", msg, sizeof msg); /* INT64_MAX: the largest allowed */
    assert_int_equal(tu_decode_exact(dec_end_of_file, msg, 8, &fi), RSVD_OK);
    assert_true(fi.end_of_file == (uint64_t)INT64_MAX);
    tu_hex("0000000000000000", msg, sizeof msg);
    assert_int_equal(tu_decode_exact(dec_end_of_file, msg, 8, &fi), RSVD_OK);
    assert_true(fi.end_of_file == 0);
}

/* A SET_INFO Buffer may be longer than its class: the class is read from
 * its start and the rest is not looked at. */
static void decoders_read_the_class_from_a_longer_buffer(void **state)
{
    (void)state;
    uint8_t buf[64];
    memset(buf, 0xA5, sizeof buf);
    size_t len = tu_golden_get("fscc_file_end_of_file_information", buf, sizeof buf);
    rsvd_fscc_file_info fi;
    assert_int_equal(tu_decode_exact(dec_end_of_file, buf, len + 3, &fi), RSVD_OK);
    assert_true(fi.end_of_file == 128u << 20);
    len = tu_golden_get("fscc_file_standard_information", buf, sizeof buf);
    buf[len] = 0xA5;
    assert_int_equal(tu_decode_exact(dec_standard, buf, len + 1, &fi), RSVD_OK);
    assert_true(fi.end_of_file == 0x04400200u);
}

static void other_classes_and_missing_arguments_are_refused(void **state)
{
    (void)state;
    uint8_t buf[64];
    memset(buf, 0, sizeof buf);
    rsvd_fscc_file_info fi = all_fields();
    size_t n = 99;
    assert_int_equal(
        rsvd_fscc_file_info_encode(RSVD_FILE_RENAME_INFORMATION, &fi, buf, sizeof buf, &n),
        RSVD_E_NOTSUP);
    assert_int_equal(n, 99);
    assert_int_equal(rsvd_fscc_file_info_encode(4, &fi, buf, sizeof buf, &n), RSVD_E_NOTSUP);
    assert_int_equal(rsvd_fscc_file_info_decode(RSVD_FILE_LINK_INFORMATION, buf, sizeof buf, &fi),
                     RSVD_E_NOTSUP);
    assert_int_equal(
        rsvd_fscc_file_info_encode(RSVD_FILE_STANDARD_INFORMATION, NULL, buf, sizeof buf, &n),
        RSVD_E_INVAL);
    assert_int_equal(
        rsvd_fscc_file_info_decode(RSVD_FILE_STANDARD_INFORMATION, buf, sizeof buf, NULL),
        RSVD_E_INVAL);
    /* No buffer is no room. */
    assert_int_equal(
        rsvd_fscc_file_info_encode(RSVD_FILE_END_OF_FILE_INFORMATION, &fi, NULL, 8, &n),
        RSVD_E_NOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_are_those_of_the_three_classes),
        cmocka_unit_test(standard_information_is_laid_out_as_2_4_41),
        cmocka_unit_test(standard_information_decodes_field_by_field),
        cmocka_unit_test(network_open_information_is_laid_out_as_2_4_29),
        cmocka_unit_test(network_open_information_decodes_field_by_field),
        cmocka_unit_test(end_of_file_information_is_laid_out_as_2_4_14),
        cmocka_unit_test(end_of_file_information_decodes_and_rejects_truncation),
        cmocka_unit_test(end_of_file_information_rejects_a_negative_end_of_file),
        cmocka_unit_test(decoders_read_the_class_from_a_longer_buffer),
        cmocka_unit_test(other_classes_and_missing_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
