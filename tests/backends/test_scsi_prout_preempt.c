/*
 * PERSISTENT RESERVE OUT PREEMPT and PREEMPT AND ABORT ([SPC-3] 5.6.10.4,
 * 5.6.10.5). A (1) holds, B (2) preempts, C (3) is a third registrant,
 * D (4) never registers.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "tu_scsi.h"

#define KEY_A 0xAull
#define KEY_B 0xBull
#define KEY_C 0xCull

typedef struct fx {
    tu_disk t;
    void *a, *b, *c, *d;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_disk_init_default(&f->t);
    f->a = tu_open(&f->t, 1);
    f->b = tu_open(&f->t, 2);
    f->c = tu_open(&f->t, 3);
    f->d = tu_open(&f->t, 4);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KEY_A));
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KEY_B));
    tu_assert_good(tu_prout(&f->t, f->c, RSVD_SCSI_PROUT_REGISTER, 0, 0, KEY_C));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tu_close(&f->t, f->a);
    tu_close(&f->t, f->b);
    tu_close(&f->t, f->c);
    tu_close(&f->t, f->d);
    tu_disk_fini(&f->t);
    free(f);
    return 0;
}

static bool has_key(fx *f, uint64_t key)
{
    uint64_t keys[8];
    uint32_t n = tu_read_keys(&f->t, f->d, keys, 8, NULL);
    for (uint32_t i = 0; i < n; i++)
        if (keys[i] == key)
            return true;
    return false;
}

static uint32_t generation(fx *f)
{
    uint64_t keys[8];
    uint32_t gen = 0;
    tu_read_keys(&f->t, f->d, keys, 8, &gen);
    return gen;
}

/* [SPC-3] 5.6.10.4.3: preempting the holder's key removes its registration,
 * gives the reservation of the CDB's type to the preempter, and the
 * preempted initiator sees REGISTRATIONS PREEMPTED exactly once. */
static void preempt_takes_the_reservation_and_removes_the_holder(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    uint32_t gen0 = generation(f);
    tu_assert_good(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_B, KEY_A));
    assert_int_equal(generation(f), gen0 + 1);
    assert_false(has_key(f, KEY_A));
    assert_true(has_key(f, KEY_B));
    assert_true(has_key(f, KEY_C));
    rsvd_scsi_prin_reservation res = tu_read_reservation(&f->t, f->b);
    assert_true(res.reserved);
    assert_true(res.reservation_key == KEY_B);
    assert_int_equal(res.type, RSVD_SCSI_PR_EXCLUSIVE_ACCESS);

    uint8_t buf[512];
    tu_assert_ua(tu_read16(&f->t, f->a, 0, 1, buf, sizeof buf),
                 RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    /* once: A is now an unregistered non-holder under Exclusive Access */
    tu_assert_conflict(tu_read16(&f->t, f->a, 0, 1, buf, sizeof buf));
    tu_assert_good(tu_read16(&f->t, f->b, 0, 1, buf, sizeof buf));
}

/* [SPC-3] 5.6.10.4.3: when the type changes, the registrants that keep their
 * registration are told RESERVATIONS RELEASED. */
static void preempt_that_changes_the_type_tells_the_remaining_registrants(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    tu_assert_good(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_B, KEY_A));
    tu_assert_ua(tu_tur(&f->t, f->c), RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED,
                 RSVD_SCSI_ASCQ_RESERVATIONS_RELEASED);
    tu_assert_good(tu_tur(&f->t, f->c));
    tu_assert_good(tu_tur(&f->t, f->b)); /* not the preempter */
    tu_assert_good(tu_tur(&f->t, f->d)); /* not an unregistered initiator */
}

static void preempt_with_the_same_type_does_not_tell_the_others(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    tu_assert_good(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_B, KEY_A));
    tu_assert_good(tu_tur(&f->t, f->c));
    tu_assert_ua(tu_tur(&f->t, f->a), RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
}

/* [SPC-3] 5.6.10.4.4: without a reservation, PREEMPT removes the
 * registrations with the service action reservation key. */
static void preempt_without_a_reservation_removes_registrations(void **state)
{
    fx *f = *state;
    uint32_t gen0 = generation(f);
    tu_assert_good(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_B, KEY_C));
    assert_false(has_key(f, KEY_C));
    assert_true(has_key(f, KEY_A));
    assert_false(tu_read_reservation(&f->t, f->a).reserved);
    assert_int_equal(generation(f), gen0 + 1);
    tu_assert_ua(tu_tur(&f->t, f->c), RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    tu_assert_good(tu_tur(&f->t, f->a));
}

/* Preempting a key that is not the holder's removes it and leaves the
 * reservation alone. */
static void preempt_of_a_non_holder_key_leaves_the_reservation(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, KEY_A, 0));
    tu_assert_good(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_B, KEY_C));
    rsvd_scsi_prin_reservation res = tu_read_reservation(&f->t, f->d);
    assert_true(res.reservation_key == KEY_A);
    assert_int_equal(res.type, RSVD_SCSI_PR_WRITE_EXCLUSIVE_REGISTRANTS_ONLY);
    assert_false(has_key(f, KEY_C));
    tu_assert_ua(tu_tur(&f->t, f->c), RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    uint8_t buf[512] = {0};
    tu_assert_conflict(tu_write16(&f->t, f->c, 0, 1, buf, 512)); /* no longer a registrant */
}

static void preempt_of_an_unknown_key_conflicts(void **state)
{
    fx *f = *state;
    uint32_t gen0 = generation(f);
    tu_assert_conflict(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_B, 0x77));
    assert_int_equal(generation(f), gen0);
}

/* A zero service action key preempts nothing unless an All Registrants
 * reservation is held. */
static void preempt_of_key_zero_is_an_invalid_field_in_the_parameter_list(void **state)
{
    fx *f = *state;
    tu_assert_check(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_B, 0),
        RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_PARAMETER_LIST);
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_A, 0));
    tu_assert_check(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_B, 0),
        RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_PARAMETER_LIST);
}

/* [SPC-3] 5.6.10.4.3: under All Registrants, key 0 removes every other
 * registration and the preempter reserves alone. */
static void preempt_of_an_all_registrants_reservation_with_key_zero(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_WRITE_EXCLUSIVE_ALL_REGISTRANTS, KEY_A, 0));
    tu_assert_good(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_B, 0));
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->d, keys, 8, NULL), 1);
    assert_true(keys[0] == KEY_B);
    rsvd_scsi_prin_reservation res = tu_read_reservation(&f->t, f->d);
    assert_true(res.reservation_key == KEY_B);
    assert_int_equal(res.type, RSVD_SCSI_PR_EXCLUSIVE_ACCESS);
    tu_assert_ua(tu_tur(&f->t, f->a), RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    tu_assert_ua(tu_tur(&f->t, f->c), RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
}

/* Under All Registrants, a nonzero key only removes that registration. */
static void preempt_of_one_key_under_all_registrants_keeps_the_reservation(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS, KEY_A, 0));
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT,
                            RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS, KEY_B, KEY_A));
    rsvd_scsi_prin_reservation res = tu_read_reservation(&f->t, f->b);
    assert_true(res.reserved);
    assert_int_equal(res.type, RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS);
    assert_false(has_key(f, KEY_A));
    assert_true(has_key(f, KEY_C));
    tu_assert_good(tu_tur(&f->t, f->c));
}

/* The holder may preempt its own reservation to change its type. */
static void holder_preempting_itself_changes_the_type(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_A, KEY_A));
    assert_true(has_key(f, KEY_A));
    rsvd_scsi_prin_reservation res = tu_read_reservation(&f->t, f->a);
    assert_true(res.reservation_key == KEY_A);
    assert_int_equal(res.type, RSVD_SCSI_PR_EXCLUSIVE_ACCESS);
    tu_assert_good(tu_tur(&f->t, f->a));
}

static void preempt_needs_a_registered_initiator_and_its_key(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    tu_assert_conflict(
        tu_prout(&f->t, f->d, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_WRITE_EXCLUSIVE, 0, KEY_A));
    tu_assert_conflict(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT,
                                RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_C, KEY_A));
    assert_true(has_key(f, KEY_A));
    assert_true(tu_read_reservation(&f->t, f->a).reservation_key == KEY_A);
}

/* PREEMPT AND ABORT: the same reservation effects (no task is outstanding). */
static void preempt_and_abort_preempts(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_A, 0));
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_PREEMPT_AND_ABORT,
                            RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_B, KEY_A));
    assert_false(has_key(f, KEY_A));
    assert_true(tu_read_reservation(&f->t, f->d).reservation_key == KEY_B);
    tu_assert_ua(tu_tur(&f->t, f->a), RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(preempt_takes_the_reservation_and_removes_the_holder),
        T(preempt_that_changes_the_type_tells_the_remaining_registrants),
        T(preempt_with_the_same_type_does_not_tell_the_others),
        T(preempt_without_a_reservation_removes_registrations),
        T(preempt_of_a_non_holder_key_leaves_the_reservation),
        T(preempt_of_an_unknown_key_conflicts),
        T(preempt_of_key_zero_is_an_invalid_field_in_the_parameter_list),
        T(preempt_of_an_all_registrants_reservation_with_key_zero),
        T(preempt_of_one_key_under_all_registrants_keeps_the_reservation),
        T(holder_preempting_itself_changes_the_type),
        T(preempt_needs_a_registered_initiator_and_its_key),
        T(preempt_and_abort_preempts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
