/*
 * REPORT LUNS ([SPC-3] 6.21), REQUEST SENSE ([SPC-3] 6.27), TEST UNIT READY
 * ([SPC-3] 6.33), and PERSISTENT RESERVE IN data ([SPC-3] 6.11).
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/scsi.h>

#include "tu_scsi.h"

typedef struct fx {
    tu_disk t;
    void *h;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_disk_init_default(&f->t);
    f->h = tu_open(&f->t, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tu_close(&f->t, f->h);
    tu_disk_fini(&f->t);
    free(f);
    return 0;
}

static void report_luns_lists_lun_0(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], d[64];
    memset(d, 0xEE, sizeof d);
    int n = rsvd_scsi_cdb_report_luns(cdb, sizeof cdb, 0, sizeof d);
    rsvd_io_result r = tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 16);
    const uint8_t want[16] = {0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(d, want, 16);
    n = rsvd_scsi_cdb_report_luns(cdb, sizeof cdb, 2, sizeof d);
    tu_assert_good(tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d));
    assert_int_equal(d[3], 8);
}

static void report_luns_of_well_known_luns_is_empty(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], d[64];
    int n = rsvd_scsi_cdb_report_luns(cdb, sizeof cdb, 1, sizeof d);
    rsvd_io_result r = tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 8);
    assert_int_equal(d[3], 0);
}

/* [SPC-3] 6.21: an allocation length below 16, or an unknown SELECT
 * REPORT, is an invalid field. */
static void report_luns_checks_its_fields(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], d[64];
    int n = rsvd_scsi_cdb_report_luns(cdb, sizeof cdb, 0, 15);
    tu_assert_check(tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    n = rsvd_scsi_cdb_report_luns(cdb, sizeof cdb, 3, sizeof d);
    tu_assert_check(tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
}

/* Autosense delivered every error with its command: nothing is left. */
static void request_sense_without_attention_is_no_sense(void **state)
{
    fx *f = *state;
    uint8_t bad[6] = {0x04, 0, 0, 0, 0, 0};
    tu_assert_check(tu_exec0(&f->t, f->h, bad, 6), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_COMMAND_OPERATION_CODE);
    uint8_t cdb[16], d[32];
    int n = rsvd_scsi_cdb_request_sense(cdb, sizeof cdb, false, 252);
    rsvd_io_result r = tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 18);
    assert_int_equal(d[0], 0x70);
    assert_int_equal(d[2] & 0x0F, RSVD_SCSI_SENSE_NO_SENSE);
    assert_int_equal(d[12], 0);
    assert_int_equal(d[13], 0);
    n = rsvd_scsi_cdb_request_sense(cdb, sizeof cdb, false, 8);
    r = tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 8);
}

static void test_unit_ready_is_good(void **state)
{
    fx *f = *state;
    rsvd_io_result r = tu_tur(&f->t, f->h);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 0);
}

/* ---- PERSISTENT RESERVE IN ---------------------------------------------- */

static void read_keys_lists_every_registered_key(void **state)
{
    fx *f = *state;
    void *b = tu_open(&f->t, 2);
    uint64_t keys[8];
    uint32_t gen0, gen1;
    assert_int_equal(tu_read_keys(&f->t, f->h, keys, 8, &gen0), 0);
    tu_assert_good(tu_prout(&f->t, f->h, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x0102030405060708ull));
    tu_assert_good(tu_prout(&f->t, b, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0xFFFFFFFFFFFFFFFFull));
    assert_int_equal(tu_read_keys(&f->t, f->h, keys, 8, &gen1), 2);
    assert_int_equal(gen1, gen0 + 2);
    bool seen1 = false, seen2 = false;
    for (int i = 0; i < 2; i++) {
        seen1 |= keys[i] == 0x0102030405060708ull;
        seen2 |= keys[i] == 0xFFFFFFFFFFFFFFFFull;
    }
    assert_true(seen1 && seen2);
    tu_close(&f->t, b);
}

/* A short allocation length cuts the list but ADDITIONAL LENGTH still
 * tells the whole length. */
static void read_keys_cut_by_the_allocation_length(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->h, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0x55));
    uint8_t cdb[16], d[64];
    memset(d, 0xEE, sizeof d);
    int n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_KEYS, 8);
    rsvd_io_result r = tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 8);
    assert_int_equal(d[7], 8);
    assert_int_equal(d[8], 0xEE);
}

static void read_reservation_without_reservation_has_no_descriptor(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], d[64];
    int n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_RESERVATION, sizeof d);
    rsvd_io_result r = tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 8);
    assert_int_equal(d[7], 0);
}

static void report_capabilities_lists_the_six_types(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], d[64];
    int n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_REPORT_CAPABILITIES, sizeof d);
    rsvd_io_result r = tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 8);
    rsvd_scsi_prin_capabilities c;
    assert_int_equal(rsvd_scsi_prin_capabilities_decode(d, r.bytes, &c), RSVD_OK);
    assert_true(c.tmv);
    assert_true(c.atp_c);
    assert_false(c.sip_c);
    assert_false(c.ptpl_c);
    assert_false(c.ptpl_a);
    assert_false(c.crh);
    assert_int_equal(c.type_mask, 0xEA01);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(report_luns_lists_lun_0),
        T(report_luns_of_well_known_luns_is_empty),
        T(report_luns_checks_its_fields),
        T(request_sense_without_attention_is_no_sense),
        T(test_unit_ready_is_good),
        T(read_keys_lists_every_registered_key),
        T(read_keys_cut_by_the_allocation_length),
        T(read_reservation_without_reservation_has_no_descriptor),
        T(report_capabilities_lists_the_six_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
