/*
 * NTSTATUS names and the MS-RSVD 2.2.3 code classes (rsvd/status.h), and
 * the library error names (rsvd/common.h).
 */
#include <string.h>

#include <rsvd/rsvd.h>
#include <rsvd/status.h>

#include "testutil.h"

static void status_names_match_ms_erref_values(void **state)
{
    (void)state;
    assert_string_equal(rsvd_status_name(0x00000000u), "STATUS_SUCCESS");
    assert_string_equal(rsvd_status_name(0xC000000Du), "STATUS_INVALID_PARAMETER");
    assert_string_equal(rsvd_status_name(0xC0000023u), "STATUS_BUFFER_TOO_SMALL");
    assert_string_equal(rsvd_status_name(0xC0000055u), "STATUS_LOCK_NOT_GRANTED");
    assert_string_equal(rsvd_status_name(0xC000A2A3u), "STATUS_OFFLOAD_READ_FILE_NOT_SUPPORTED");
    assert_string_equal(rsvd_status_name(0xC05CFF07u), "STATUS_SVHDX_RESERVATION_CONFLICT");
    assert_string_equal(rsvd_status_name(0xC05CFF0Au), "STATUS_VHD_SHARED");
    assert_null(rsvd_status_name(0xC0001234u));
}

static void error_stored_carries_any_key(void **state)
{
    (void)state;
    for (uint32_t key = 0; key <= 0xFF; key++) {
        assert_true(rsvd_status_is_error_stored(RSVD_STATUS_SVHDX_ERROR_STORED | key));
        assert_true(rsvd_status_is_rsvd_error(RSVD_STATUS_SVHDX_ERROR_STORED | key));
        assert_string_equal(rsvd_status_name(RSVD_STATUS_SVHDX_ERROR_STORED | key),
                            "STATUS_SVHDX_ERROR_STORED");
    }
    assert_false(rsvd_status_is_error_stored(0xC05C0100u));
    char buf[64];
    assert_string_equal(rsvd_status_format(0xC05C0001u, buf, sizeof buf),
                        "STATUS_SVHDX_ERROR_STORED|0x01");
    assert_string_equal(rsvd_status_format(0xC0001234u, buf, sizeof buf), "0xC0001234");
    assert_string_equal(rsvd_status_format(0u, buf, sizeof buf), "STATUS_SUCCESS");
}

/* MS-RSVD 2.2.3 lists exactly 0xC05C0000(|key) and 0xC05CFF00..0xC05CFF0A. */
static void rsvd_error_class_is_exactly_section_2_2_3(void **state)
{
    (void)state;
    for (uint32_t s = 0xC05CFF00u; s <= 0xC05CFF0Au; s++)
        assert_true(rsvd_status_is_rsvd_error(s));
    assert_false(rsvd_status_is_rsvd_error(0xC05CFF0Bu));
    assert_false(rsvd_status_is_rsvd_error(0xC05CFEFFu));
    assert_false(rsvd_status_is_rsvd_error(RSVD_STATUS_INVALID_PARAMETER));
    assert_false(rsvd_status_is_rsvd_error(RSVD_STATUS_SUCCESS));
}

static void library_errors_have_names(void **state)
{
    (void)state;
    assert_string_equal(rsvd_error_name(RSVD_E_NOMEM), "RSVD_E_NOMEM");
    assert_string_equal(rsvd_error_name(RSVD_E_WIRE_RANGE), "RSVD_E_WIRE_RANGE");
    assert_string_equal(rsvd_error_name(12345), "RSVD_E_?");
    assert_string_equal(rsvd_strerror(12345), "unknown error");
    for (int e = RSVD_E_WIRE_COMMAND; e <= RSVD_E_WIRE_SHORT; e++)
        assert_string_not_equal(rsvd_strerror(e), "unknown error");
    for (int e = RSVD_E_AGAIN; e <= RSVD_OK; e++)
        assert_string_not_equal(rsvd_strerror(e), "unknown error");
    assert_string_equal(rsvd_version(), "0.1.0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_names_match_ms_erref_values),
        cmocka_unit_test(error_stored_carries_any_key),
        cmocka_unit_test(rsvd_error_class_is_exactly_section_2_2_3),
        cmocka_unit_test(library_errors_have_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
