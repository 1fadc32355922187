/*
 * MODE SENSE(6) and (10) ([SPC-3] 6.9, 6.10, 7.4): headers, block
 * descriptors, the caching page ([SBC-3]) and the control page.
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

static rsvd_io_result sense6(fx *f, bool dbd, uint8_t pc, uint8_t page, uint8_t sub,
                             uint8_t *d, uint8_t alloc)
{
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_mode_sense6(cdb, sizeof cdb, dbd, pc, page, sub, alloc);
    return tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, 255);
}

static rsvd_io_result sense10(fx *f, bool llbaa, bool dbd, uint8_t pc, uint8_t page, uint8_t *d)
{
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_mode_sense10(cdb, sizeof cdb, llbaa, dbd, pc, page, 0, 255);
    return tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, 255);
}

static void caching_page_with_short_block_descriptor(void **state)
{
    fx *f = *state;
    uint8_t d[255];
    rsvd_io_result r = sense6(f, false, 0, RSVD_SCSI_MODE_PAGE_CACHING, 0, d, 255);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 4 + 8 + 20);
    assert_int_equal(d[0], r.bytes - 1);     /* MODE DATA LENGTH */
    assert_int_equal(d[2] & 0x80, 0);        /* not write protected */
    assert_int_equal(d[2] & 0x10, 0x10);     /* DPOFUA */
    assert_int_equal(d[3], 8);               /* BLOCK DESCRIPTOR LENGTH */
    assert_int_equal(d[4] << 24 | d[5] << 16 | d[6] << 8 | d[7], 2048);
    assert_int_equal(d[9] << 16 | d[10] << 8 | d[11], 512);
    assert_int_equal(d[12] & 0x3F, 0x08);    /* caching page */
    assert_int_equal(d[13], 0x12);
    assert_int_equal(d[14] & 0x04, 0x04);    /* WCE: the memory source caches */
}

static void write_cache_enable_follows_the_block_source(void **state)
{
    fx *f = *state;
    tu_close(&f->t, f->h);
    tu_disk_fini(&f->t);
    tu_disk_init_default(&f->t);
    f->t.mb.write_cache = false;
    /* the disk reads the geometry at creation: make a new one */
    rsvd_scsi_disk_set_destroy(f->t.set);
    assert_int_equal(rsvd_scsi_disk_destroy(f->t.disk), RSVD_OK);
    rsvd_scsi_disk_config cfg = {.struct_size = sizeof(rsvd_scsi_disk_config),
                                 .block = tu_memblock_source(&f->t.mb)};
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &f->t.disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &f->t.set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(f->t.set, NULL, f->t.disk), RSVD_OK);
    f->h = tu_open(&f->t, 1);
    uint8_t d[255];
    rsvd_io_result r = sense6(f, true, 0, RSVD_SCSI_MODE_PAGE_CACHING, 0, d, 255);
    tu_assert_good(r);
    assert_int_equal(d[3], 0);
    assert_int_equal(d[4], 0x08);
    assert_int_equal(d[6] & 0x04, 0); /* WCE off: every write is durable */
}

static void all_pages_with_the_long_block_descriptor(void **state)
{
    fx *f = *state;
    uint8_t d[255];
    rsvd_io_result r = sense10(f, true, false, 0, RSVD_SCSI_MODE_PAGE_ALL, d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 8 + 16 + 20 + 12);
    assert_int_equal(d[0] << 8 | d[1], r.bytes - 2);
    assert_int_equal(d[4] & 0x01, 1);        /* LONGLBA */
    assert_int_equal(d[6] << 8 | d[7], 16);  /* BLOCK DESCRIPTOR LENGTH */
    assert_int_equal(d[15], 2048 & 0xFF);
    assert_int_equal(d[14], 2048 >> 8);
    assert_int_equal(d[22] << 8 | d[23], 512);
    assert_int_equal(d[24] & 0x3F, 0x08);
    assert_int_equal(d[44] & 0x3F, 0x0A);    /* control page next */
    assert_int_equal(d[45], 0x0A);
    assert_int_equal(d[46] & 0x04, 0);       /* D_SENSE 0: fixed-format sense */
}

static void all_pages_and_subpages_is_accepted(void **state)
{
    fx *f = *state;
    uint8_t d[255];
    tu_assert_good(sense6(f, true, 0, RSVD_SCSI_MODE_PAGE_ALL, 0xFF, d, 255));
    assert_int_equal(d[0], 3 + 20 + 12);
}

static void changeable_values_are_all_zero(void **state)
{
    fx *f = *state;
    uint8_t d[255];
    rsvd_io_result r = sense6(f, true, RSVD_SCSI_MODE_PC_CHANGEABLE, RSVD_SCSI_MODE_PAGE_ALL, 0,
                              d, 255);
    tu_assert_good(r);
    assert_int_equal(d[4], 0x08);
    for (size_t i = 6; i < 4 + 20; i++)
        assert_int_equal(d[i], 0);
    r = sense6(f, true, RSVD_SCSI_MODE_PC_DEFAULT, RSVD_SCSI_MODE_PAGE_CACHING, 0, d, 255);
    tu_assert_good(r);
    assert_int_equal(d[6] & 0x04, 0x04);
}

/* [SPC-3] 6.9: saved values are not supported. */
static void saved_values_are_not_supported(void **state)
{
    fx *f = *state;
    uint8_t d[255];
    tu_assert_check(sense6(f, false, RSVD_SCSI_MODE_PC_SAVED, RSVD_SCSI_MODE_PAGE_ALL, 0, d, 255),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_SAVING_PARAMETERS_NOT_SUPPORTED);
}

static void unknown_page_or_subpage_is_an_invalid_field(void **state)
{
    fx *f = *state;
    uint8_t d[255];
    tu_assert_check(sense6(f, false, 0, 0x1C, 0, d, 255), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    tu_assert_check(sense6(f, false, 0, RSVD_SCSI_MODE_PAGE_CACHING, 1, d, 255),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    tu_assert_check(sense10(f, false, false, 0, 0x01, d), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
}

static void allocation_length_cuts_mode_data(void **state)
{
    fx *f = *state;
    uint8_t d[255];
    memset(d, 0xEE, sizeof d);
    rsvd_io_result r = sense6(f, false, 0, RSVD_SCSI_MODE_PAGE_ALL, 0, d, 4);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 4);
    assert_int_equal(d[0], 4 + 8 + 20 + 12 - 1); /* the length of all the data */
    assert_int_equal(d[4], 0xEE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(caching_page_with_short_block_descriptor),
        T(write_cache_enable_follows_the_block_source),
        T(all_pages_with_the_long_block_descriptor),
        T(all_pages_and_subpages_is_accepted),
        T(changeable_values_are_all_zero),
        T(saved_values_are_not_supported),
        T(unknown_page_or_subpage_is_an_invalid_field),
        T(allocation_length_cuts_mode_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
