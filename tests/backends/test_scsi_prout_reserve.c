/*
 * PERSISTENT RESERVE OUT RESERVE and RELEASE, and what each of the six
 * reservation types allows ([SPC-3] 5.6.1, 5.6.8, 5.6.10.2; the [SBC-3]
 * table of commands allowed in the presence of reservations).
 *
 * Three initiators throughout: A (1) registers and reserves, B (2) registers
 * only, C (3) never registers.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "tu_scsi.h"

#define KEY_A 0xAAAAull
#define KEY_B 0xBBBBull

typedef struct fx {
    tu_disk t;
    void *a, *b, *c;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_disk_init_default(&f->t);
    f->a = tu_open(&f->t, 1);
    f->b = tu_open(&f->t, 2);
    f->c = tu_open(&f->t, 3);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KEY_A));
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KEY_B));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tu_close(&f->t, f->a);
    tu_close(&f->t, f->b);
    tu_close(&f->t, f->c);
    tu_disk_fini(&f->t);
    free(f);
    return 0;
}

/* ---- the six types ------------------------------------------------------ */

typedef struct type_rule {
    uint8_t type;
    /* registered non-holder B, unregistered C: true = allowed */
    bool b_write, b_read, c_write, c_read;
} type_rule;

/* [SPC-3] 5.6.1 / [SBC-3]: WE and EA restrict every non-holder alike; the
 * Registrants Only and All Registrants types let registrants in, and treat
 * an unregistered initiator as WE/EA treat any non-holder. */
static const type_rule rules[] = {
    {RSVD_SCSI_PR_WRITE_EXCLUSIVE, false, true, false, true},
    {RSVD_SCSI_PR_EXCLUSIVE_ACCESS, false, false, false, false},
    {RSVD_SCSI_PR_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, true, true, false, true},
    {RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY, true, true, false, false},
    {RSVD_SCSI_PR_WRITE_EXCLUSIVE_ALL_REGISTRANTS, true, true, false, true},
    {RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS, true, true, false, false},
};

static void expect(rsvd_io_result r, bool allowed, const char *who, uint8_t type)
{
    if (allowed && r.scsi.scsi_status != RSVD_SCSI_STATUS_GOOD)
        fail_msg("%s: expected GOOD under %s, got 0x%02X", who, rsvd_scsi_pr_type_name(type),
                 r.scsi.scsi_status);
    if (!allowed && r.scsi.scsi_status != RSVD_SCSI_STATUS_RESERVATION_CONFLICT)
        fail_msg("%s: expected RESERVATION CONFLICT under %s, got 0x%02X", who,
                 rsvd_scsi_pr_type_name(type), r.scsi.scsi_status);
    if (allowed)
        tu_assert_good(r);
    else
        tu_assert_conflict(r);
}

/* Every data path obeys the type: READ/WRITE(10), (16), and SMB2 READ/WRITE. */
static void check_access(fx *f, void *h, bool write_ok, bool read_ok, const char *who,
                         uint8_t type)
{
    uint8_t buf[1024];
    memset(buf, 0x5C, sizeof buf);
    uint8_t cdb[16];
    int n;
    expect(tu_write16(&f->t, h, 8, 1, buf, 512), write_ok, who, type);
    expect(tu_read16(&f->t, h, 8, 1, buf, 512), read_ok, who, type);
    n = rsvd_scsi_cdb_write10(cdb, sizeof cdb, 9, 1, 0);
    expect(tu_exec(&f->t, h, cdb, n, buf, 512, NULL, 0), write_ok, who, type);
    n = rsvd_scsi_cdb_read10(cdb, sizeof cdb, 9, 1, 0);
    expect(tu_exec(&f->t, h, cdb, n, NULL, 0, buf, 512), read_ok, who, type);
    expect(tu_smb_write(&f->t, h, 4096, buf, 1024), write_ok, who, type);
    expect(tu_smb_read(&f->t, h, 4096, buf, 1024), read_ok, who, type);
}

static void each_type_allows_what_spc3_says(void **state)
{
    fx *f = *state;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const type_rule *rule = &rules[i];
        tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, rule->type, KEY_A, 0));
        check_access(f, f->a, true, true, "holder A", rule->type);
        check_access(f, f->b, rule->b_write, rule->b_read, "registered B", rule->type);
        check_access(f, f->c, rule->c_write, rule->c_read, "unregistered C", rule->type);
        tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RELEASE, rule->type, KEY_A, 0));
        /* the release of a registrants-only or all-registrants reservation
         * leaves B a unit attention: consume it before the next type */
        rsvd_io_result r = tu_tur(&f->t, f->b);
        bool shared = rule->type != RSVD_SCSI_PR_WRITE_EXCLUSIVE &&
                      rule->type != RSVD_SCSI_PR_EXCLUSIVE_ACCESS;
        if (shared)
            tu_assert_ua(r, RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED,
                         RSVD_SCSI_ASCQ_RESERVATIONS_RELEASED);
        else
            tu_assert_good(r);
        check_access(f, f->c, true, true, "C after release", rule->type);
    }
}

/* Under Exclusive Access the holder keeps every command; others keep the
 * commands SPC-3 always allows. */
static void always_allowed_commands_pass_under_exclusive_access(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_A, 0));
    uint8_t cdb[16], data[256];
    int n;
    for (int who = 0; who < 2; who++) {
        void *h = who ? f->c : f->b;
        tu_assert_good(tu_tur(&f->t, h));
        n = rsvd_scsi_cdb_inquiry(cdb, sizeof cdb, false, 0, sizeof data);
        tu_assert_good(tu_exec(&f->t, h, cdb, n, NULL, 0, data, sizeof data));
        n = rsvd_scsi_cdb_read_capacity10(cdb, sizeof cdb);
        tu_assert_good(tu_exec(&f->t, h, cdb, n, NULL, 0, data, 8));
        n = rsvd_scsi_cdb_read_capacity16(cdb, sizeof cdb, 32);
        tu_assert_good(tu_exec(&f->t, h, cdb, n, NULL, 0, data, 32));
        n = rsvd_scsi_cdb_report_luns(cdb, sizeof cdb, 0, sizeof data);
        tu_assert_good(tu_exec(&f->t, h, cdb, n, NULL, 0, data, sizeof data));
        n = rsvd_scsi_cdb_request_sense(cdb, sizeof cdb, false, 18);
        tu_assert_good(tu_exec(&f->t, h, cdb, n, NULL, 0, data, 18));
        n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_KEYS, sizeof data);
        tu_assert_good(tu_exec(&f->t, h, cdb, n, NULL, 0, data, sizeof data));
    }
}

/* [SPC-3] 5.6.1 / [SBC-3]: MODE SENSE and SYNCHRONIZE CACHE conflict for a
 * non-holder under Write Exclusive; a registrant may use them under the
 * Registrants Only types. */
static void mode_sense_and_synchronize_cache_follow_the_write_rules(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], data[64];
    int ms = 0, sc = 0;
    uint8_t mscdb[16], sccdb[16];
    ms = rsvd_scsi_cdb_mode_sense6(mscdb, sizeof mscdb, false, 0, 0x3F, 0, sizeof data);
    sc = rsvd_scsi_cdb_synchronize_cache10(sccdb, sizeof sccdb, 0, 0, false);
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    tu_assert_conflict(tu_exec(&f->t, f->b, mscdb, ms, NULL, 0, data, sizeof data));
    tu_assert_conflict(tu_exec0(&f->t, f->b, sccdb, sc));
    tu_assert_good(tu_exec(&f->t, f->a, mscdb, ms, NULL, 0, data, sizeof data));
    tu_assert_good(tu_exec0(&f->t, f->a, sccdb, sc));
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RELEASE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, KEY_A, 0));
    tu_assert_good(tu_exec(&f->t, f->b, mscdb, ms, NULL, 0, data, sizeof data));
    tu_assert_good(tu_exec0(&f->t, f->b, sccdb, sc));
    tu_assert_conflict(tu_exec(&f->t, f->c, mscdb, ms, NULL, 0, data, sizeof data));
    tu_assert_conflict(tu_exec0(&f->t, f->c, sccdb, sc));
    (void)cdb;
}

/* ---- RESERVE -------------------------------------------------------------- */

static void reserve_with_a_wrong_key_conflicts(void **state)
{
    fx *f = *state;
    tu_assert_conflict(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_B, 0));
    assert_false(tu_read_reservation(&f->t, f->a).reserved);
}

static void reserve_from_an_unregistered_initiator_conflicts(void **state)
{
    fx *f = *state;
    tu_assert_conflict(
        tu_prout(&f->t, f->c, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, 0, 0));
    tu_assert_conflict(
        tu_prout(&f->t, f->c, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
}

static void reserve_while_another_initiator_holds_conflicts(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    tu_assert_conflict(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_B, 0));
    tu_assert_conflict(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_B, 0));
    rsvd_scsi_prin_reservation res = tu_read_reservation(&f->t, f->b);
    assert_true(res.reserved);
    assert_true(res.reservation_key == KEY_A);
    assert_int_equal(res.type, RSVD_SCSI_PR_WRITE_EXCLUSIVE);
}

/* [SPC-3] 5.6.8: the holder may reserve again with the same type; another
 * type conflicts and changes nothing. RESERVE leaves PRgeneration alone. */
static void holder_may_repeat_but_not_change_its_reservation(void **state)
{
    fx *f = *state;
    uint64_t keys[4];
    uint32_t gen0, gen1;
    tu_read_keys(&f->t, f->a, keys, 4, &gen0);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY, KEY_A, 0));
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY, KEY_A, 0));
    tu_assert_conflict(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    assert_int_equal(tu_read_reservation(&f->t, f->a).type,
                     RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY);
    tu_read_keys(&f->t, f->a, keys, 4, &gen1);
    assert_int_equal(gen1, gen0);
}

static void reserve_with_an_invalid_type_or_scope_is_an_invalid_field(void **state)
{
    fx *f = *state;
    const uint8_t bad_types[] = {0, 2, 4, 9, 0xF};
    for (size_t i = 0; i < sizeof bad_types; i++)
        tu_assert_check(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, bad_types[i], KEY_A, 0),
                        RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    uint8_t cdb[16], params[24];
    int n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, RSVD_SCSI_PROUT_RESERVE, 0x1 /* element */,
                                RSVD_SCSI_PR_WRITE_EXCLUSIVE, 24);
    rsvd_scsi_prout_params p = {.reservation_key = KEY_A};
    rsvd_scsi_prout_params_encode(&p, params, sizeof params);
    tu_assert_check(tu_exec(&f->t, f->a, cdb, n, params, 24, NULL, 0),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    assert_false(tu_read_reservation(&f->t, f->a).reserved);
}

/* ---- RELEASE -------------------------------------------------------------- */

static void release_by_a_non_holder_changes_nothing(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_A, 0));
    tu_assert_good(
        tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_RELEASE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_B, 0));
    assert_true(tu_read_reservation(&f->t, f->a).reserved);
    tu_assert_conflict(
        tu_prout(&f->t, f->c, RSVD_SCSI_PROUT_RELEASE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, 0, 0));
    tu_assert_conflict(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RELEASE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_B, 0));
    assert_true(tu_read_reservation(&f->t, f->a).reserved);
}

static void release_without_a_reservation_succeeds(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RELEASE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
}

/* [SPC-3] 5.6.10.2: a release whose type differs from the reservation's is
 * INVALID RELEASE OF PERSISTENT RESERVATION, and releases nothing. */
static void release_with_the_wrong_type_is_an_invalid_release(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    tu_assert_check(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RELEASE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_A, 0),
        RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_RELEASE_OF_PERSISTENT_RESERVATION);
    assert_true(tu_read_reservation(&f->t, f->a).reserved);
}

/* Releasing Write Exclusive or Exclusive Access tells nobody; releasing a
 * Registrants Only one tells the other registrants, once. */
static void release_tells_the_other_registrants_only_for_shared_types(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RELEASE, RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_A, 0));
    tu_assert_good(tu_tur(&f->t, f->b));

    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY, KEY_A, 0));
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RELEASE,
                            RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY, KEY_A, 0));
    tu_assert_ua(tu_tur(&f->t, f->b), RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED,
                 RSVD_SCSI_ASCQ_RESERVATIONS_RELEASED);
    tu_assert_good(tu_tur(&f->t, f->b)); /* once */
    tu_assert_good(tu_tur(&f->t, f->a)); /* not the releaser */
    tu_assert_good(tu_tur(&f->t, f->c)); /* not an unregistered initiator */
}

/* [SPC-3] 5.6.9: under an All Registrants reservation every registrant is a
 * holder: B can release what A reserved, and READ RESERVATION shows key 0. */
static void all_registrants_reservation_is_held_by_every_registrant(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS, KEY_A, 0));
    rsvd_scsi_prin_reservation res = tu_read_reservation(&f->t, f->c);
    assert_true(res.reserved);
    assert_true(res.reservation_key == 0);
    assert_int_equal(res.type, RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS);
    /* B, a holder, may repeat the reservation */
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS, KEY_B, 0));
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_RELEASE,
                            RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS, KEY_B, 0));
    assert_false(tu_read_reservation(&f->t, f->c).reserved);
    tu_assert_ua(tu_tur(&f->t, f->a), RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED,
                 RSVD_SCSI_ASCQ_RESERVATIONS_RELEASED);
}

/* The All Registrants reservation lasts while any registrant is left. */
static void all_registrants_reservation_ends_with_the_last_registrant(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_WRITE_EXCLUSIVE_ALL_REGISTRANTS, KEY_A, 0));
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, KEY_A, 0));
    assert_true(tu_read_reservation(&f->t, f->c).reserved);
    uint8_t buf[512] = {0};
    tu_assert_good(tu_write16(&f->t, f->b, 0, 1, buf, 512));
    tu_assert_conflict(tu_write16(&f->t, f->a, 0, 1, buf, 512)); /* A is no registrant now */
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_REGISTER, 0, KEY_B, 0));
    assert_false(tu_read_reservation(&f->t, f->c).reserved);
    tu_assert_good(tu_write16(&f->t, f->c, 0, 1, buf, 512));
}

/* The reservation belongs to the initiator: another open with A's
 * InitiatorId is the holder too, and writes. */
static void every_open_of_the_holder_initiator_holds_the_reservation(void **state)
{
    fx *f = *state;
    tu_assert_good(
        tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_A, 0));
    void *a2 = tu_open(&f->t, 1);
    uint8_t buf[512] = {0};
    tu_assert_good(tu_write16(&f->t, a2, 0, 1, buf, 512));
    tu_assert_good(
        tu_prout(&f->t, a2, RSVD_SCSI_PROUT_RELEASE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS, KEY_A, 0));
    assert_false(tu_read_reservation(&f->t, f->a).reserved);
    tu_close(&f->t, a2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(each_type_allows_what_spc3_says),
        T(always_allowed_commands_pass_under_exclusive_access),
        T(mode_sense_and_synchronize_cache_follow_the_write_rules),
        T(reserve_with_a_wrong_key_conflicts),
        T(reserve_from_an_unregistered_initiator_conflicts),
        T(reserve_while_another_initiator_holds_conflicts),
        T(holder_may_repeat_but_not_change_its_reservation),
        T(reserve_with_an_invalid_type_or_scope_is_an_invalid_field),
        T(release_by_a_non_holder_changes_nothing),
        T(release_without_a_reservation_succeeds),
        T(release_with_the_wrong_type_is_an_invalid_release),
        T(release_tells_the_other_registrants_only_for_shared_types),
        T(all_registrants_reservation_is_held_by_every_registrant),
        T(all_registrants_reservation_ends_with_the_last_registrant),
        T(every_open_of_the_holder_initiator_holds_the_reservation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
