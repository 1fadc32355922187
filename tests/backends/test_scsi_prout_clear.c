/*
 * PERSISTENT RESERVE OUT CLEAR ([SPC-3] 5.6.10.6).
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "tu_scsi.h"

#define KEY_A 0xA1ull
#define KEY_B 0xB2ull

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
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE,
                            RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY, KEY_A, 0));
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

static void clear_removes_every_registration_and_the_reservation(void **state)
{
    fx *f = *state;
    uint64_t keys[8];
    uint32_t gen0, gen1;
    tu_read_keys(&f->t, f->c, keys, 8, &gen0);
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_CLEAR, 0, KEY_B, 0));
    assert_int_equal(tu_read_keys(&f->t, f->c, keys, 8, &gen1), 0);
    assert_int_equal(gen1, gen0 + 1);
    assert_false(tu_read_reservation(&f->t, f->c).reserved);
    uint8_t buf[512] = {0};
    tu_assert_good(tu_write16(&f->t, f->c, 0, 1, buf, sizeof buf));
    /* the issuer is unregistered too: its old key no longer works */
    tu_assert_conflict(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_RESERVE,
                                RSVD_SCSI_PR_WRITE_EXCLUSIVE, KEY_B, 0));
}

/* Every other registrant sees RESERVATIONS PREEMPTED once; the issuer and
 * the unregistered initiator see nothing. */
static void clear_tells_every_other_registrant_once(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_CLEAR, 0, KEY_B, 0));
    uint8_t buf[512];
    tu_assert_ua(tu_read16(&f->t, f->a, 0, 1, buf, sizeof buf),
                 RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_RESERVATIONS_PREEMPTED);
    tu_assert_good(tu_read16(&f->t, f->a, 0, 1, buf, sizeof buf));
    tu_assert_good(tu_tur(&f->t, f->b));
    tu_assert_good(tu_tur(&f->t, f->c));
}

static void clear_needs_a_registered_initiator_and_its_key(void **state)
{
    fx *f = *state;
    tu_assert_conflict(tu_prout(&f->t, f->c, RSVD_SCSI_PROUT_CLEAR, 0, 0, 0));
    tu_assert_conflict(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_CLEAR, 0, KEY_A, 0));
    uint64_t keys[8];
    assert_int_equal(tu_read_keys(&f->t, f->c, keys, 8, NULL), 2);
    assert_true(tu_read_reservation(&f->t, f->c).reserved);
}

/* CLEAR ignores SCOPE and TYPE ([SPC-3] 6.12.2). */
static void clear_ignores_scope_and_type(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], params[24];
    int n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, RSVD_SCSI_PROUT_CLEAR, 0xF, 0xF, 24);
    rsvd_scsi_prout_params p = {.reservation_key = KEY_A};
    rsvd_scsi_prout_params_encode(&p, params, sizeof params);
    tu_assert_good(tu_exec(&f->t, f->a, cdb, n, params, 24, NULL, 0));
    assert_false(tu_read_reservation(&f->t, f->c).reserved);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(clear_removes_every_registration_and_the_reservation),
        T(clear_tells_every_other_registrant_once),
        T(clear_needs_a_registered_initiator_and_its_key),
        T(clear_ignores_scope_and_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
