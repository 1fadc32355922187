/*
 * PERSISTENT RESERVE OUT REGISTER and REGISTER AND IGNORE EXISTING KEY
 * ([SPC-3] 5.6.6, 5.6.10.3, 6.12), and the parameter list checks.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "tu_scsi.h"

typedef struct fx {
    tu_disk t;
    void *a, *b;
} fx;

static int setup_with(void **state, uint32_t max_registrants)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_disk_init(&f->t, 2048, 512, 4096, max_registrants);
    f->a = tu_open(&f->t, 1);
    f->b = tu_open(&f->t, 2);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, 0);
}

static int setup_two_slots(void **state)
{
    return setup_with(state, 2);
}

static int teardown(void **state)
{
    fx *f = *state;
    tu_close(&f->t, f->a);
    tu_close(&f->t, f->b);
    tu_disk_fini(&f->t);
    free(f);
    return 0;
}

static uint32_t generation(fx *f)
{
    uint64_t keys[8];
    uint32_t gen = 0;
    tu_read_keys(&f->t, f->a, keys, 8, &gen);
    return gen;
}

static void register_from_an_unregistered_initiator_adds_its_key(void **state)
{
    fx *f = *state;
    uint32_t gen0 = generation(f);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x1111));
    uint64_t keys[8];
    uint32_t gen1;
    assert_int_equal(tu_read_keys(&f->t, f->b, keys, 8, &gen1), 1);
    assert_true(keys[0] == 0x1111);
    assert_int_equal(gen1, gen0 + 1);
}

/* [SPC-3] 5.6.6: an unregistered I_T nexus must send RESERVATION KEY 0. */
static void register_with_a_nonzero_key_from_an_unregistered_initiator_conflicts(void **state)
{
    fx *f = *state;
    tu_assert_conflict(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0x1111, 0x2222));
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->a, keys, 8, NULL), 0);
}

static void register_of_key_zero_from_an_unregistered_initiator_changes_nothing(void **state)
{
    fx *f = *state;
    uint32_t gen0 = generation(f);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0));
    assert_int_equal(generation(f), gen0);
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->a, keys, 8, NULL), 0);
}

static void registered_initiator_changes_its_key_with_the_current_one(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x1111));
    uint32_t gen0 = generation(f);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0x1111, 0x3333));
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->a, keys, 8, NULL), 1);
    assert_true(keys[0] == 0x3333);
    assert_int_equal(generation(f), gen0 + 1);
}

static void register_with_a_wrong_current_key_conflicts(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x1111));
    uint32_t gen0 = generation(f);
    tu_assert_conflict(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0x9999, 0x3333));
    tu_assert_conflict(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x3333));
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->a, keys, 8, NULL), 1);
    assert_true(keys[0] == 0x1111);
    assert_int_equal(generation(f), gen0);
}

static void register_of_key_zero_unregisters(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x1111));
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x2222));
    uint32_t gen0 = generation(f);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0x1111, 0));
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->a, keys, 8, NULL), 1);
    assert_true(keys[0] == 0x2222);
    assert_int_equal(generation(f), gen0 + 1);
}

static void register_and_ignore_existing_key_needs_no_current_key(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER_AND_IGNORE_EXISTING_KEY, 0,
                            0xDEAD, 0x1111));
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER_AND_IGNORE_EXISTING_KEY, 0,
                            0xBEEF, 0x4444));
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->a, keys, 8, NULL), 1);
    assert_true(keys[0] == 0x4444);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER_AND_IGNORE_EXISTING_KEY, 0,
                            0x1, 0));
    assert_int_equal(tu_read_keys(&f->t, f->a, keys, 8, NULL), 0);
}

/* Several opens with one InitiatorId are one I_T nexus: one registration. */
static void opens_with_the_same_initiator_share_one_registration(void **state)
{
    fx *f = *state;
    void *a2 = tu_open(&f->t, 1);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x1111));
    tu_assert_conflict(tu_prout(&f->t, a2, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x5555));
    tu_assert_good(
        tu_prout(&f->t, a2, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, 0x1111, 0));
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->b, keys, 8, NULL), 1);
    tu_close(&f->t, a2);
}

/* A registration belongs to the initiator, not to an open: closing every
 * open keeps it. */
static void registration_survives_closing_every_open(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x1111));
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, 0x1111, 0));
    tu_close(&f->t, f->a);
    uint8_t buf[512];
    tu_assert_conflict(tu_read16(&f->t, f->b, 0, 1, buf, sizeof buf));
    f->a = tu_open(&f->t, 1);
    tu_assert_good(tu_read16(&f->t, f->a, 0, 1, buf, sizeof buf));
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->b, keys, 8, NULL), 1);
}

/* [SPC-3] 6.12.2: INSUFFICIENT REGISTRATION RESOURCES past the bound. */
static void registering_past_the_bound_fails_insufficient_registration_resources(void **state)
{
    fx *f = *state;
    void *c = tu_open(&f->t, 3);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x1111));
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x2222));
    tu_assert_check(tu_prout(&f->t, c, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x3333),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INSUFFICIENT_REGISTRATION_RESOURCES);
    /* a key change is no new registration */
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0x1111, 0x1112));
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_REGISTER, 0, 0x2222, 0));
    tu_assert_good(tu_prout(&f->t, c, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x3333));
    tu_close(&f->t, c);
}

/* SIP_C and PTPL_C are 0: SPEC_I_PT and APTPL are refused. */
static void spec_i_pt_and_aptpl_are_invalid_fields_in_the_parameter_list(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], params[24];
    int n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, RSVD_SCSI_PROUT_REGISTER, 0, 0, 24);
    rsvd_scsi_prout_params p = {.sa_reservation_key = 0x1111, .aptpl = true};
    rsvd_scsi_prout_params_encode(&p, params, sizeof params);
    tu_assert_check(tu_exec(&f->t, f->a, cdb, n, params, 24, NULL, 0),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_PARAMETER_LIST);
    p.aptpl = false;
    p.spec_i_pt = true;
    rsvd_scsi_prout_params_encode(&p, params, sizeof params);
    tu_assert_check(tu_exec(&f->t, f->a, cdb, n, params, 24, NULL, 0),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_PARAMETER_LIST);
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->a, keys, 8, NULL), 0);
}

/* ATP_C is 1 (one target port): ALL_TG_PT registers as usual. */
static void all_target_ports_is_accepted(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], params[24];
    int n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, RSVD_SCSI_PROUT_REGISTER, 0, 0, 24);
    rsvd_scsi_prout_params p = {.sa_reservation_key = 0x1111, .all_tg_pt = true};
    rsvd_scsi_prout_params_encode(&p, params, sizeof params);
    tu_assert_good(tu_exec(&f->t, f->a, cdb, n, params, 24, NULL, 0));
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->a, keys, 8, NULL), 1);
}

/* [SPC-3] 6.12.3: the parameter list is 24 bytes. */
static void parameter_list_of_another_length_is_a_length_error(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], params[32] = {0};
    params[15] = 0x11;
    int n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, RSVD_SCSI_PROUT_REGISTER, 0, 0, 32);
    tu_assert_check(tu_exec(&f->t, f->a, cdb, n, params, 32, NULL, 0),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_PARAMETER_LIST_LENGTH_ERROR);
    n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0);
    tu_assert_check(tu_exec0(&f->t, f->a, cdb, n), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_PARAMETER_LIST_LENGTH_ERROR);
    /* the CDB says 24 but fewer bytes came */
    n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, RSVD_SCSI_PROUT_REGISTER, 0, 0, 24);
    tu_assert_check(tu_exec(&f->t, f->a, cdb, n, params, 23, NULL, 0),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_PARAMETER_LIST_LENGTH_ERROR);
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->a, keys, 8, NULL), 0);
}

static void register_and_move_and_reserved_actions_are_invalid_fields(void **state)
{
    fx *f = *state;
    tu_assert_check(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER_AND_MOVE, 0, 0, 0x1111),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    tu_assert_check(tu_prout(&f->t, f->a, (enum rsvd_scsi_prout_action)0x08, 0, 0, 0x1111),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
}

/* An open without an InitiatorId is no I_T nexus that could register. */
static void open_without_an_initiator_cannot_register(void **state)
{
    fx *f = *state;
    void *n0 = tu_open(&f->t, 0);
    tu_assert_conflict(tu_prout(&f->t, n0, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x1111));
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, n0, keys, 8, NULL), 0);
    tu_close(&f->t, n0);
}

/* [SPC-3] 5.6.10.3: the holder of a Registrants Only reservation that
 * unregisters releases it, and the other registrants are told. */
static void holder_unregistering_releases_a_registrants_only_reservation(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x1111));
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x2222));
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, 0x1111, 0));
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0x1111, 0));
    assert_false(tu_read_reservation(&f->t, f->a).reserved);
    tu_assert_ua(tu_tur(&f->t, f->b), RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED,
                 RSVD_SCSI_ASCQ_RESERVATIONS_RELEASED);
    tu_assert_good(tu_tur(&f->t, f->a));
}

/* A holder that changes its key keeps its reservation under the new key. */
static void holder_changing_its_key_keeps_the_reservation(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x1111));
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, 0x1111, 0));
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0x1111, 0x7777));
    rsvd_scsi_prin_reservation res = tu_read_reservation(&f->t, f->b);
    assert_true(res.reserved);
    assert_true(res.reservation_key == 0x7777);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(register_from_an_unregistered_initiator_adds_its_key),
        T(register_with_a_nonzero_key_from_an_unregistered_initiator_conflicts),
        T(register_of_key_zero_from_an_unregistered_initiator_changes_nothing),
        T(registered_initiator_changes_its_key_with_the_current_one),
        T(register_with_a_wrong_current_key_conflicts),
        T(register_of_key_zero_unregisters),
        T(register_and_ignore_existing_key_needs_no_current_key),
        T(opens_with_the_same_initiator_share_one_registration),
        T(registration_survives_closing_every_open),
        cmocka_unit_test_setup_teardown(
            registering_past_the_bound_fails_insufficient_registration_resources,
            setup_two_slots, teardown),
        T(spec_i_pt_and_aptpl_are_invalid_fields_in_the_parameter_list),
        T(all_target_ports_is_accepted),
        T(parameter_list_of_another_length_is_a_length_error),
        T(register_and_move_and_reserved_actions_are_invalid_fields),
        T(open_without_an_initiator_cannot_register),
        T(holder_unregistering_releases_a_registrants_only_reservation),
        T(holder_changing_its_key_keeps_the_reservation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
