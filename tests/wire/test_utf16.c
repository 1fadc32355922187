/*
 * UTF-16LE strings (lib/wire/utf16.c): conversions to and from UTF-8 and the
 * name checks of the codecs.
 */
#include <string.h>

#include <rsvd/wire.h>

#include "testutil.h"

static int to8(const uint8_t *src, size_t len, char *out, size_t cap, size_t *n)
{
    return rsvd_utf16le_to_utf8(src, len, out, cap, n);
}

static void utf16_to_utf8_covers_every_length_of_utf8(void **state)
{
    (void)state;
    /* "aé€😀": U+0061, U+00E9, U+20AC, U+1F600 (the pair D83D DE00). */
    const uint8_t w[] = {0x61, 0x00, 0xE9, 0x00, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE};
    const char want[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    char out[16];
    size_t n = 0;
    assert_int_equal(to8(w, sizeof w, NULL, 0, &n), RSVD_OK);
    assert_int_equal(n, sizeof want - 1);
    assert_int_equal(to8(w, sizeof w, out, sizeof out, &n), RSVD_OK);
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(out, want, n);
    /* Room for all but the last byte: RSVD_E_NOSPC, nothing past the room. */
    memset(out, 0x7F, sizeof out);
    assert_int_equal(to8(w, sizeof w, out, n - 1, &n), RSVD_E_NOSPC);
    assert_int_equal((unsigned char)out[9], 0x7F);
    assert_int_equal(to8(NULL, 0, out, sizeof out, &n), RSVD_OK);
    assert_int_equal(n, 0);
}

static void utf16_that_is_not_a_name_is_refused(void **state)
{
    (void)state;
    size_t n;
    const uint8_t odd[] = {0x61, 0x00, 0x62};
    const uint8_t nul[] = {0x61, 0x00, 0x00, 0x00};
    const uint8_t lone_high[] = {0x3D, 0xD8, 0x61, 0x00};
    const uint8_t high_at_end[] = {0x61, 0x00, 0x3D, 0xD8};
    const uint8_t lone_low[] = {0x00, 0xDE, 0x61, 0x00};
    assert_int_equal(to8(odd, sizeof odd, NULL, 0, &n), RSVD_E_WIRE_NAME);
    assert_int_equal(to8(nul, sizeof nul, NULL, 0, &n), RSVD_E_WIRE_NAME);
    assert_int_equal(to8(lone_high, sizeof lone_high, NULL, 0, &n), RSVD_E_WIRE_NAME);
    assert_int_equal(to8(high_at_end, sizeof high_at_end, NULL, 0, &n), RSVD_E_WIRE_NAME);
    assert_int_equal(to8(lone_low, sizeof lone_low, NULL, 0, &n), RSVD_E_WIRE_NAME);
    assert_int_equal(to8(NULL, 2, NULL, 0, &n), RSVD_E_WIRE_NAME);
    assert_int_equal(to8(odd, 2, NULL, 0, NULL), RSVD_E_INVAL);
}

static void utf8_to_utf16_round_trips(void **state)
{
    (void)state;
    const char s[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    const uint8_t want[] = {0x61, 0x00, 0xE9, 0x00, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE};
    uint8_t out[16];
    size_t n = 0;
    assert_int_equal(rsvd_utf8_to_utf16le(s, sizeof s - 1, NULL, 0, &n), RSVD_OK);
    assert_int_equal(n, sizeof want);
    assert_int_equal(rsvd_utf8_to_utf16le(s, sizeof s - 1, out, sizeof out, &n), RSVD_OK);
    assert_memory_equal(out, want, sizeof want);
    assert_int_equal(rsvd_utf8_to_utf16le(s, sizeof s - 1, out, sizeof want - 1, &n),
                     RSVD_E_NOSPC);
}

static void utf8_that_is_not_well_formed_is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong, 3 bytes */
        "\xED\xA0\x80",     /* U+D800, a surrogate */
        "\xF4\x90\x80\x80", /* U+110000 */
        "\xE2\x82",         /* truncated */
        "\x80",             /* a lone continuation byte */
        "\xF8\x88\x80\x80\x80", /* a 5-byte form */
        "\xC3\x28",         /* a bad continuation byte */
    };
    size_t n;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rsvd_utf8_to_utf16le(bad[i], strlen(bad[i]), NULL, 0, &n), RSVD_E_INVAL);
    assert_int_equal(rsvd_utf8_to_utf16le(NULL, 1, NULL, 0, &n), RSVD_E_INVAL);
}

static void nul_terminated_names_count_their_nul(void **state)
{
    (void)state;
    const uint8_t ok[] = {0x61, 0x00, 0x00, 0x00};
    const uint8_t early[] = {0x00, 0x00, 0x61, 0x00, 0x00, 0x00};
    const uint8_t unterminated[] = {0x61, 0x00};
    assert_int_equal(rsvd_utf16z_check(ok, sizeof ok), RSVD_OK);
    assert_int_equal(rsvd_utf16z_check(early, sizeof early), RSVD_E_WIRE_NAME);
    assert_int_equal(rsvd_utf16z_check(unterminated, sizeof unterminated), RSVD_E_WIRE_NAME);
    assert_int_equal(rsvd_utf16z_check(ok, 3), RSVD_E_WIRE_NAME);
    assert_int_equal(rsvd_utf16z_check(ok, 0), RSVD_E_WIRE_NAME);
}

static void suffixes_compare_without_ascii_case(void **state)
{
    (void)state;
    const uint8_t w[] = {'d', 0, ':', 0, 'S', 0, 'v', 0, 'D', 0};
    assert_true(rsvd_utf16le_ends_with_ascii(w, sizeof w, ":svd"));
    assert_true(rsvd_utf16le_ends_with_ascii(w, sizeof w, ""));
    assert_false(rsvd_utf16le_ends_with_ascii(w, sizeof w, ":sve"));
    assert_false(rsvd_utf16le_ends_with_ascii(w, sizeof w, "xd:svd"));
    assert_false(rsvd_utf16le_ends_with_ascii(NULL, 4, "a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf16_to_utf8_covers_every_length_of_utf8),
        cmocka_unit_test(utf16_that_is_not_a_name_is_refused),
        cmocka_unit_test(utf8_to_utf16_round_trips),
        cmocka_unit_test(utf8_that_is_not_well_formed_is_refused),
        cmocka_unit_test(nul_terminated_names_count_their_nul),
        cmocka_unit_test(suffixes_compare_without_ascii_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
