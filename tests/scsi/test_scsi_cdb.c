/*
 * CDB builders ([SPC-3] clause 6, [SBC-3] clause 5) against CDBs laid out by
 * hand in tests/support/golden.c.
 */
#include <string.h>

#include <rsvd/scsi.h>

#include "testutil.h"

/* Compares a built CDB with the golden vector @p name, and checks that a
 * buffer one byte too small is refused without writing past it. */
#define CHECK_CDB(name, call_with_cap)                                                   \
    do {                                                                                 \
        uint8_t want_[32], cdb[RSVD_SCSI_CDB_MAX + 4];                                   \
        size_t want_len_ = tu_golden_get(name, want_, sizeof want_);                     \
        memset(cdb, 0xEE, sizeof cdb);                                                   \
        size_t cap = RSVD_SCSI_CDB_MAX;                                                  \
        int n_ = (call_with_cap);                                                        \
        assert_int_equal(n_, (int)want_len_);                                            \
        tu_assert_bytes(cdb, (size_t)n_, want_, want_len_);                              \
        assert_int_equal(cdb[RSVD_SCSI_CDB_MAX], 0xEE);                                  \
        cap = want_len_ - 1;                                                             \
        memset(cdb, 0xEE, sizeof cdb);                                                   \
        assert_int_equal((call_with_cap), RSVD_E_NOSPC);                                 \
        assert_int_equal(cdb[want_len_ - 1], 0xEE);                                      \
    } while (0)

static void test_unit_ready_cdb(void **state)
{
    (void)state;
    CHECK_CDB("scsi_cdb_test_unit_ready", rsvd_scsi_cdb_test_unit_ready(cdb, cap));
}

static void request_sense_cdb(void **state)
{
    (void)state;
    CHECK_CDB("scsi_cdb_request_sense_18", rsvd_scsi_cdb_request_sense(cdb, cap, false, 18));
}

static void inquiry_cdbs(void **state)
{
    (void)state;
    CHECK_CDB("scsi_cdb_inquiry_standard_96", rsvd_scsi_cdb_inquiry(cdb, cap, false, 0, 96));
    CHECK_CDB("scsi_cdb_inquiry_vpd83_255", rsvd_scsi_cdb_inquiry(cdb, cap, true, 0x83, 255));
}

/* [SPC-3] 6.4.1: PAGE CODE shall be zero when EVPD is zero. */
static void inquiry_with_page_code_but_no_evpd_is_refused(void **state)
{
    (void)state;
    uint8_t cdb[16];
    assert_int_equal(rsvd_scsi_cdb_inquiry(cdb, sizeof cdb, false, 0x80, 255), RSVD_E_INVAL);
}

static void read_capacity_cdbs(void **state)
{
    (void)state;
    CHECK_CDB("scsi_cdb_read_capacity10", rsvd_scsi_cdb_read_capacity10(cdb, cap));
    CHECK_CDB("scsi_cdb_read_capacity16_32", rsvd_scsi_cdb_read_capacity16(cdb, cap, 32));
}

static void read_write_cdbs(void **state)
{
    (void)state;
    CHECK_CDB("scsi_cdb_read10_lba4096_8", rsvd_scsi_cdb_read10(cdb, cap, 4096, 8, 0));
    CHECK_CDB("scsi_cdb_write10_fua_lba4096_8",
              rsvd_scsi_cdb_write10(cdb, cap, 4096, 8, RSVD_SCSI_RW_FUA));
    CHECK_CDB("scsi_cdb_read16_lba2p32_1", rsvd_scsi_cdb_read16(cdb, cap, 1ull << 32, 1, 0));
    CHECK_CDB("scsi_cdb_write16_dpo_lba7_2",
              rsvd_scsi_cdb_write16(cdb, cap, 7, 2, RSVD_SCSI_RW_DPO));
}

static void read_write_flags_outside_dpo_fua_are_refused(void **state)
{
    (void)state;
    uint8_t cdb[16];
    assert_int_equal(rsvd_scsi_cdb_read16(cdb, sizeof cdb, 0, 1, 0x20), RSVD_E_INVAL);
    assert_int_equal(rsvd_scsi_cdb_write10(cdb, sizeof cdb, 0, 1, 0x01), RSVD_E_INVAL);
}

static void synchronize_cache_cdbs(void **state)
{
    (void)state;
    CHECK_CDB("scsi_cdb_sync_cache10_all",
              rsvd_scsi_cdb_synchronize_cache10(cdb, cap, 0, 0, false));
    CHECK_CDB("scsi_cdb_sync_cache16_immed",
              rsvd_scsi_cdb_synchronize_cache16(cdb, cap, 16, 32, true));
}

static void mode_sense_cdbs(void **state)
{
    (void)state;
    CHECK_CDB("scsi_cdb_mode_sense6_caching_dbd",
              rsvd_scsi_cdb_mode_sense6(cdb, cap, true, RSVD_SCSI_MODE_PC_CURRENT,
                                        RSVD_SCSI_MODE_PAGE_CACHING, 0, 255));
    CHECK_CDB("scsi_cdb_mode_sense10_all_llbaa",
              rsvd_scsi_cdb_mode_sense10(cdb, cap, true, false, RSVD_SCSI_MODE_PC_CURRENT,
                                         RSVD_SCSI_MODE_PAGE_ALL, 0, 1024));
    uint8_t c[16];
    assert_int_equal(rsvd_scsi_cdb_mode_sense6(c, sizeof c, false, 4, 8, 0, 255), RSVD_E_INVAL);
    assert_int_equal(rsvd_scsi_cdb_mode_sense10(c, sizeof c, false, false, 0, 0x40, 0, 255),
                     RSVD_E_INVAL);
    /* PC is two bits and PAGE CODE six, in both CDBs. */
    assert_int_equal(rsvd_scsi_cdb_mode_sense6(c, sizeof c, false, 0, 0x40, 0, 255),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_scsi_cdb_mode_sense10(c, sizeof c, false, false, 4, 8, 0, 255),
                     RSVD_E_INVAL);
}

static void report_luns_cdb(void **state)
{
    (void)state;
    CHECK_CDB("scsi_cdb_report_luns_16", rsvd_scsi_cdb_report_luns(cdb, cap, 0, 16));
}

static void persistent_reserve_cdbs(void **state)
{
    (void)state;
    CHECK_CDB("scsi_cdb_prin_read_keys_512",
              rsvd_scsi_cdb_prin(cdb, cap, RSVD_SCSI_PRIN_READ_KEYS, 512));
    CHECK_CDB("scsi_cdb_prout_register_24",
              rsvd_scsi_cdb_prout(cdb, cap, RSVD_SCSI_PROUT_REGISTER, 0, 0, 24));
    CHECK_CDB("scsi_cdb_prout_reserve_we_ro_24",
              rsvd_scsi_cdb_prout(cdb, cap, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_SCOPE_LU,
                                  RSVD_SCSI_PR_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, 24));
    uint8_t c[16];
    assert_int_equal(rsvd_scsi_cdb_prout(c, sizeof c, RSVD_SCSI_PROUT_RESERVE, 0, 0x10, 24),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_scsi_cdb_prout(c, sizeof c, RSVD_SCSI_PROUT_RESERVE, 0x10, 1, 24),
                     RSVD_E_INVAL);
    /* SERVICE ACTION is a 5-bit field. */
    assert_int_equal(rsvd_scsi_cdb_prout(c, sizeof c, (enum rsvd_scsi_prout_action)0x20, 0, 0,
                                         24),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_scsi_cdb_prin(c, sizeof c, (enum rsvd_scsi_prin_action)0x20, 512),
                     RSVD_E_INVAL);
    /* A CDB that does not fit its buffer. */
    assert_int_equal(rsvd_scsi_cdb_prin(c, 9, RSVD_SCSI_PRIN_READ_KEYS, 512), RSVD_E_NOSPC);
}

static void pr_type_names_cover_the_six_types(void **state)
{
    (void)state;
    const uint8_t types[] = {1, 3, 5, 6, 7, 8};
    for (size_t i = 0; i < sizeof types; i++) {
        assert_true(rsvd_scsi_pr_type_valid(types[i]));
        assert_non_null(rsvd_scsi_pr_type_name(types[i]));
    }
    const uint8_t bad[] = {0, 2, 4, 9, 0xF};
    for (size_t i = 0; i < sizeof bad; i++)
        assert_false(rsvd_scsi_pr_type_valid(bad[i]));
    assert_string_equal(rsvd_scsi_pr_type_name(6), "EXCLUSIVE ACCESS - REGISTRANTS ONLY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit_ready_cdb),
        cmocka_unit_test(request_sense_cdb),
        cmocka_unit_test(inquiry_cdbs),
        cmocka_unit_test(inquiry_with_page_code_but_no_evpd_is_refused),
        cmocka_unit_test(read_capacity_cdbs),
        cmocka_unit_test(read_write_cdbs),
        cmocka_unit_test(read_write_flags_outside_dpo_fua_are_refused),
        cmocka_unit_test(synchronize_cache_cdbs),
        cmocka_unit_test(mode_sense_cdbs),
        cmocka_unit_test(report_luns_cdb),
        cmocka_unit_test(persistent_reserve_cdbs),
        cmocka_unit_test(pr_type_names_cover_the_six_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
