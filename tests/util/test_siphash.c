/*
 * SipHash-2-4 (lib/util/siphash.c) against the reference vectors of its
 * paper (key 00 01 .. 0f, message 00 01 .. len-1), and the ASCII case
 * folding the OpenTable's names use.
 */
#include <string.h>

#include "util/siphash.h"

#include "testutil.h"

static const uint64_t ref_k0 = 0x0706050403020100ull, ref_k1 = 0x0f0e0d0c0b0a0908ull;

static uint64_t ref_hash(size_t len)
{
    uint8_t msg[64] = {0};
    for (size_t i = 0; i < len; i++)
        msg[i] = (uint8_t)i;
    return rsvd_siphash24(ref_k0, ref_k1, msg, len, false);
}

static void matches_the_reference_vectors(void **state)
{
    (void)state;
    assert_true(ref_hash(0) == 0x726fdb47dd0e0e31ull);
    assert_true(ref_hash(8) == 0x93f5f5799a932462ull);  /* one whole word */
    assert_true(ref_hash(15) == 0xa129ca6149be45e5ull); /* the paper's example */
}

static void folding_hashes_ascii_letters_as_lower_case(void **state)
{
    (void)state;
    const char *upper = "CLUSTER.VHDX", *lower = "cluster.vhdx";
    size_t n = strlen(upper);
    assert_true(rsvd_siphash24(1, 2, upper, n, true) == rsvd_siphash24(1, 2, lower, n, true));
    assert_true(rsvd_siphash24(1, 2, upper, n, false) != rsvd_siphash24(1, 2, lower, n, false));
    /* Only ASCII letters fold: '@' (0x40) and '[' (0x5B) sit beside them. */
    assert_true(rsvd_siphash24(1, 2, "@[", 2, true) != rsvd_siphash24(1, 2, "`{", 2, true));
}

static void another_key_gives_another_hash(void **state)
{
    (void)state;
    assert_true(rsvd_siphash24(1, 2, "k", 1, false) != rsvd_siphash24(1, 3, "k", 1, false));
    assert_true(rsvd_siphash24(1, 2, "k", 1, false) != rsvd_siphash24(4, 2, "k", 1, false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_the_reference_vectors),
        cmocka_unit_test(folding_hashes_ascii_letters_as_lower_case),
        cmocka_unit_test(another_key_gives_another_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
