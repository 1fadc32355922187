/*
 * rsvd-target's byte-range locks (brl.h) with the Windows semantics that
 * [MS-SMB2] 3.3.5.14.1/.2 hand to the object store ([MS-FSA] 2.1.5.7,
 * 2.1.4.10), and that smbtorture's lock tests expect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "brl.h"

static const char A, B; /* two opens */

static void exclusive_conflicts_with_everything_the_owner_included(void **state)
{
    (void)state;
    tgt_brl b;
    tgt_brl_init(&b);
    assert_int_equal(tgt_brl_add(&b, &A, 100, 100, true), 0);
    /* smb2.lock.replay_broken_windows: the same lock again on the same open
     * is not granted. */
    assert_true(tgt_brl_lock_conflicts(&b, &A, 100, 100, true));
    assert_true(tgt_brl_lock_conflicts(&b, &B, 199, 1, false));
    assert_false(tgt_brl_lock_conflicts(&b, &B, 200, 10, true)); /* the next byte */
    assert_false(tgt_brl_lock_conflicts(&b, &B, 90, 10, true));  /* the byte before */
    /* A shared lock may stack on the owner's own exclusive one. */
    assert_false(tgt_brl_lock_conflicts(&b, &A, 150, 10, false));
    tgt_brl_free(&b);
}

static void shared_locks_share(void **state)
{
    (void)state;
    tgt_brl b;
    tgt_brl_init(&b);
    assert_int_equal(tgt_brl_add(&b, &A, 0, 10, false), 0);
    assert_false(tgt_brl_lock_conflicts(&b, &B, 5, 10, false));
    assert_true(tgt_brl_lock_conflicts(&b, &B, 5, 10, true));
    assert_true(tgt_brl_lock_conflicts(&b, &A, 5, 10, true));
    tgt_brl_free(&b);
}

static void zero_length_ranges_overlap_nothing(void **state)
{
    (void)state;
    tgt_brl b;
    tgt_brl_init(&b);
    assert_int_equal(tgt_brl_add(&b, &A, 0, 100, true), 0);
    assert_false(tgt_brl_lock_conflicts(&b, &B, 50, 0, true));
    assert_int_equal(tgt_brl_add(&b, &B, 50, 0, true), 0);
    assert_false(tgt_brl_io_conflicts(&b, &B, 50, 0, true));
    tgt_brl_free(&b);
}

static void unlock_needs_the_exact_range_of_the_owner(void **state)
{
    (void)state;
    tgt_brl b;
    tgt_brl_init(&b);
    assert_int_equal(tgt_brl_add(&b, &A, 100, 100, true), 0);
    assert_int_equal(tgt_brl_remove(&b, &A, 100, 99), -1);  /* not the same length */
    assert_int_equal(tgt_brl_remove(&b, &B, 100, 100), -1); /* not its owner */
    assert_int_equal(tgt_brl_remove(&b, &A, 100, 100), 0);
    assert_int_equal(tgt_brl_remove(&b, &A, 100, 100), -1); /* STATUS_RANGE_NOT_LOCKED */
    tgt_brl_free(&b);
}

static void io_conflicts(void **state)
{
    (void)state;
    tgt_brl b;
    tgt_brl_init(&b);
    assert_int_equal(tgt_brl_add(&b, &A, 0, 10, true), 0);
    assert_int_equal(tgt_brl_add(&b, &A, 20, 10, false), 0);
    /* The owner's exclusive lock: its own reads and writes go through. */
    assert_false(tgt_brl_io_conflicts(&b, &A, 0, 10, true));
    /* The owner's shared lock: it may read, not write. */
    assert_false(tgt_brl_io_conflicts(&b, &A, 20, 5, false));
    assert_true(tgt_brl_io_conflicts(&b, &A, 20, 5, true));
    /* Another open: no read or write under an exclusive lock, no write
     * under a shared one. */
    assert_true(tgt_brl_io_conflicts(&b, &B, 5, 1, false));
    assert_false(tgt_brl_io_conflicts(&b, &B, 25, 1, false));
    assert_true(tgt_brl_io_conflicts(&b, &B, 25, 1, true));
    assert_false(tgt_brl_io_conflicts(&b, &B, 10, 10, true));
    tgt_brl_free(&b);
}

static void ranges_up_to_the_last_byte(void **state)
{
    (void)state;
    /* [MS-FSA] 2.1.5.7: the range may end at byte 2^64 - 1, not past it. */
    assert_true(tgt_brl_range_valid(UINT64_MAX, 1));
    assert_true(tgt_brl_range_valid(0, UINT64_MAX));
    assert_true(tgt_brl_range_valid(1, UINT64_MAX));
    assert_false(tgt_brl_range_valid(2, UINT64_MAX));
    assert_true(tgt_brl_range_valid(UINT64_MAX, 0));
    tgt_brl b;
    tgt_brl_init(&b);
    assert_int_equal(tgt_brl_add(&b, &A, UINT64_MAX, 1, true), 0);
    assert_true(tgt_brl_lock_conflicts(&b, &B, UINT64_MAX - 1, 2, false));
    tgt_brl_free(&b);
}

static void an_owner_goes_with_all_its_locks(void **state)
{
    (void)state;
    tgt_brl b;
    tgt_brl_init(&b);
    for (uint64_t i = 0; i < 20; i++)
        assert_int_equal(tgt_brl_add(&b, i % 2 ? &A : &B, i * 10, 5, true), 0);
    assert_int_equal(tgt_brl_owner_count(&b, &A), 10);
    assert_int_equal(tgt_brl_remove_owner(&b, &A), 10);
    assert_int_equal(tgt_brl_owner_count(&b, &A), 0);
    assert_int_equal(tgt_brl_owner_count(&b, &B), 10);
    assert_false(tgt_brl_lock_conflicts(&b, &B, 10, 5, true));
    tgt_brl_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exclusive_conflicts_with_everything_the_owner_included),
        cmocka_unit_test(shared_locks_share),
        cmocka_unit_test(zero_length_ranges_overlap_nothing),
        cmocka_unit_test(unlock_needs_the_exact_range_of_the_owner),
        cmocka_unit_test(io_conflicts),
        cmocka_unit_test(ranges_up_to_the_last_byte),
        cmocka_unit_test(an_owner_goes_with_all_its_locks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
