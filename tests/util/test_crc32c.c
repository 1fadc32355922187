/*
 * CRC-32C: the check values of the Castagnoli polynomial (RFC 3720 B.4,
 * the iSCSI test vectors), and continuation over split buffers.
 */
#include <string.h>

#include "testutil.h"
#include "util/crc32c.h"

/* The catalogue check value: CRC-32C of "123456789". */
static void check_value_of_123456789(void **state)
{
    (void)state;
    assert_int_equal(rsvd_crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(rsvd_crc32c(0, "", 0), 0u);
}

/* RFC 3720 B.4: 32 bytes of zeros, of 0xFF, and ascending bytes. */
static void rfc3720_vectors(void **state)
{
    (void)state;
    uint8_t b[32];
    memset(b, 0, sizeof b);
    assert_int_equal(rsvd_crc32c(0, b, sizeof b), 0x8A9136AAu);
    memset(b, 0xFF, sizeof b);
    assert_int_equal(rsvd_crc32c(0, b, sizeof b), 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)i;
    assert_int_equal(rsvd_crc32c(0, b, sizeof b), 0x46DD794Eu);
}

/* A CRC continued over the pieces of a buffer is the CRC of the whole. */
static void continuation_equals_one_pass(void **state)
{
    (void)state;
    const char *s = "The quick brown fox jumps over the lazy dog";
    size_t n = strlen(s);
    uint32_t whole = rsvd_crc32c(0, s, n);
    for (size_t cut = 0; cut <= n; cut++)
        assert_int_equal(rsvd_crc32c(rsvd_crc32c(0, s, cut), s + cut, n - cut), whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_value_of_123456789),
        cmocka_unit_test(rfc3720_vectors),
        cmocka_unit_test(continuation_equals_one_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
