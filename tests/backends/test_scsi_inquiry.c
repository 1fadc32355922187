/*
 * INQUIRY ([SPC-3] 6.4): standard data and the VPD pages 00h, 80h, 83h.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>

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

static rsvd_io_result inquiry(fx *f, bool evpd, uint8_t page, uint16_t alloc, uint8_t *data,
                              uint32_t cap)
{
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_inquiry(cdb, sizeof cdb, evpd, page, alloc);
    assert_true(n == 6);
    return tu_exec(&f->t, f->h, cdb, n, NULL, 0, data, cap);
}

static void standard_data_describes_an_spc3_direct_access_device(void **state)
{
    fx *f = *state;
    uint8_t d[255];
    memset(d, 0xEE, sizeof d);
    rsvd_io_result r = inquiry(f, false, 0, sizeof d, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 36);
    assert_int_equal(d[0], 0x00);         /* connected, direct access block device */
    assert_int_equal(d[1] & 0x80, 0);     /* not removable */
    assert_int_equal(d[2], 0x05);         /* SPC-3 */
    assert_int_equal(d[3] & 0x0F, 0x02);  /* response data format 2 */
    assert_int_equal(d[4], 36 - 5);       /* additional length */
    assert_memory_equal(d + 8, "LIBRSVD ", 8);
    assert_memory_equal(d + 16, "VIRTUAL DISK    ", 16);
    assert_memory_equal(d + 32, "0001", 4);
    assert_int_equal(d[36], 0xEE);        /* nothing past the data */
}

/* [SPC-3] 4.3.4.6: the allocation length cuts the data, not an error. */
static void allocation_length_cuts_the_data(void **state)
{
    fx *f = *state;
    uint8_t d[64];
    memset(d, 0xEE, sizeof d);
    rsvd_io_result r = inquiry(f, false, 0, 5, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 5);
    assert_int_equal(d[4], 31); /* the ADDITIONAL LENGTH of the whole data */
    assert_int_equal(d[5], 0xEE);
    r = inquiry(f, false, 0, 0, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 0);
    /* a buffer smaller than the allocation length bounds the data too */
    r = inquiry(f, false, 0, 255, d, 10);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 10);
}

static void supported_vpd_pages_lists_00_80_83(void **state)
{
    fx *f = *state;
    uint8_t d[64];
    rsvd_io_result r = inquiry(f, true, 0x00, sizeof d, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 7);
    assert_int_equal(d[1], 0x00);
    assert_int_equal(d[2] << 8 | d[3], 3);
    assert_int_equal(d[4], 0x00);
    assert_int_equal(d[5], 0x80);
    assert_int_equal(d[6], 0x83);
}

static void unit_serial_number_is_the_disk_id_in_hex(void **state)
{
    fx *f = *state;
    uint8_t d[64];
    rsvd_io_result r = inquiry(f, true, 0x80, sizeof d, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(d[1], 0x80);
    assert_int_equal(d[2] << 8 | d[3], 32);
    assert_int_equal(r.bytes, 36);
    assert_memory_equal(d + 4, "6B1A3C9E214D448A9F015E77C20D9310", 32);
}

/* [SPC-3] 7.6.3: an NAA designator and a T10 vendor ID designator, both
 * with LU association, derived from the disk id. */
static void device_identification_has_naa_and_t10_designators(void **state)
{
    fx *f = *state;
    uint8_t d[128];
    rsvd_io_result r = inquiry(f, true, 0x83, sizeof d, d, sizeof d);
    tu_assert_good(r);
    size_t len = (size_t)(d[2] << 8 | d[3]);
    assert_int_equal(r.bytes, 4 + len);
    /* first descriptor: binary, LU, NAA, 8 bytes, NAA 3h (locally assigned) */
    assert_int_equal(d[4] & 0x0F, 0x1);
    assert_int_equal(d[5] & 0x30, 0x00);
    assert_int_equal(d[5] & 0x0F, 0x3);
    assert_int_equal(d[7], 8);
    assert_int_equal(d[8] >> 4, 0x3);
    /* the folded id: 6B^9F = F4 -> low nibble 4 under NAA 3 */
    assert_int_equal(d[8], 0x34);
    assert_int_equal(d[9], 0x1A ^ 0x01);
    /* second descriptor: ASCII, LU, T10 vendor ID: vendor + serial */
    const uint8_t *t10 = d + 4 + 4 + 8;
    assert_int_equal(t10[0] & 0x0F, 0x2);
    assert_int_equal(t10[1] & 0x0F, 0x1);
    assert_int_equal(t10[3], 40);
    assert_memory_equal(t10 + 4, "LIBRSVD 6B1A3C9E214D448A9F015E77C20D9310", 40);
    assert_int_equal(len, 12 + 44);
}

/* A second disk with another id gets other identifiers. */
static void identifiers_follow_the_disk_id(void **state)
{
    (void)state;
    tu_memblock mb;
    assert_int_equal(tu_memblock_init(&mb, 1 << 20, 512, 512), 0);
    rsvd_scsi_disk_config cfg = {.struct_size = sizeof(rsvd_scsi_disk_config),
                                 .block = tu_memblock_source(&mb),
                                 .vendor = "ACME",
                                 .product = "A PRODUCT NAME THAT IS TOO LONG",
                                 .revision = "7"};
    cfg.disk_id.b[15] = 1;
    rsvd_scsi_disk *disk;
    rsvd_scsi_disk_set *set;
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(set, NULL, disk), RSVD_OK);
    tu_disk t = {.disk = disk, .set = set, .ops = rsvd_scsi_disk_backend_ops()};
    void *h = tu_open(&t, 1);
    uint8_t cdb[16], d[64];
    int n = rsvd_scsi_cdb_inquiry(cdb, sizeof cdb, true, 0x80, sizeof d);
    tu_assert_good(tu_exec(&t, h, cdb, n, NULL, 0, d, sizeof d));
    assert_memory_equal(d + 4, "00000000000000000000000000000001", 32);
    n = rsvd_scsi_cdb_inquiry(cdb, sizeof cdb, false, 0, sizeof d);
    tu_assert_good(tu_exec(&t, h, cdb, n, NULL, 0, d, sizeof d));
    assert_memory_equal(d + 8, "ACME    ", 8);
    assert_memory_equal(d + 16, "A PRODUCT NAME T", 16);
    assert_memory_equal(d + 32, "7   ", 4);
    tu_close(&t, h);
    rsvd_scsi_disk_set_destroy(set);
    assert_int_equal(rsvd_scsi_disk_destroy(disk), RSVD_OK);
    tu_memblock_fini(&mb);
}

static void unknown_vpd_page_and_bad_fields_are_invalid(void **state)
{
    fx *f = *state;
    uint8_t d[64];
    tu_assert_check(inquiry(f, true, 0xB0, sizeof d, d, sizeof d),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    uint8_t cdb[6] = {0x12, 0x00, 0x80, 0x00, 0x40, 0x00}; /* page code without EVPD */
    tu_assert_check(tu_exec(&f->t, f->h, cdb, 6, NULL, 0, d, sizeof d),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    uint8_t cmddt[6] = {0x12, 0x02, 0x00, 0x00, 0x40, 0x00}; /* CMDDT (obsolete) */
    tu_assert_check(tu_exec(&f->t, f->h, cmddt, 6, NULL, 0, d, sizeof d),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(standard_data_describes_an_spc3_direct_access_device),
        T(allocation_length_cuts_the_data),
        T(supported_vpd_pages_lists_00_80_83),
        T(unit_serial_number_is_the_disk_id_in_hex),
        T(device_identification_has_naa_and_t10_designators),
        cmocka_unit_test(identifiers_follow_the_disk_id),
        T(unknown_vpd_page_and_bad_fields_are_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
