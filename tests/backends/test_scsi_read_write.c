/*
 * READ CAPACITY(10)/(16), READ/WRITE(10)/(16), SYNCHRONIZE CACHE(10)/(16)
 * ([SBC-3]) and SMB2 READ/WRITE on the disk handle.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "tu_scsi.h"

typedef struct fx {
    tu_disk t;
    void *h;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_disk_init_default(&f->t); /* 2048 blocks of 512, 4096 physical */
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

/* ---- capacity ------------------------------------------------------------ */

static void read_capacity10_reports_last_lba_and_block_length(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], d[16];
    int n = rsvd_scsi_cdb_read_capacity10(cdb, sizeof cdb);
    rsvd_io_result r = tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 8);
    rsvd_scsi_capacity c;
    assert_int_equal(rsvd_scsi_read_capacity10_decode(d, r.bytes, &c), RSVD_OK);
    assert_true(c.last_lba == 2047);
    assert_int_equal(c.block_length, 512);
    /* [SBC-3]: PMI 0 with a nonzero LBA is an invalid field */
    cdb[5] = 1;
    tu_assert_check(tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    cdb[8] = 1; /* PMI 1 */
    tu_assert_good(tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d));
}

static void read_capacity16_reports_the_physical_block_exponent(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], d[64];
    memset(d, 0xEE, sizeof d);
    int n = rsvd_scsi_cdb_read_capacity16(cdb, sizeof cdb, sizeof d);
    rsvd_io_result r = tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 32);
    rsvd_scsi_capacity c;
    assert_int_equal(rsvd_scsi_read_capacity16_decode(d, r.bytes, &c), RSVD_OK);
    assert_true(c.last_lba == 2047);
    assert_int_equal(c.block_length, 512);
    assert_int_equal(c.lbppb_exponent, 3); /* 4096 / 512 */
    assert_int_equal(d[12], 0);            /* no protection */
    assert_int_equal(d[32], 0xEE);
    n = rsvd_scsi_cdb_read_capacity16(cdb, sizeof cdb, 12);
    r = tu_exec(&f->t, f->h, cdb, n, NULL, 0, d, sizeof d);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 12);
}

/* ---- READ / WRITE ---------------------------------------------------------- */

static void written_blocks_read_back_through_every_command(void **state)
{
    fx *f = *state;
    uint8_t out[4 * 512], in[4 * 512];
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (uint8_t)(i * 31 + 7);
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_write10(cdb, sizeof cdb, 100, 4, 0);
    rsvd_io_result r = tu_exec(&f->t, f->h, cdb, n, out, sizeof out, NULL, 0);
    tu_assert_good(r);
    assert_memory_equal(f->t.mb.data + 100 * 512, out, sizeof out);
    memset(in, 0, sizeof in);
    r = tu_read16(&f->t, f->h, 100, 4, in, sizeof in);
    tu_assert_good(r);
    assert_int_equal(r.bytes, sizeof in);
    assert_memory_equal(in, out, sizeof in);
    memset(in, 0, sizeof in);
    n = rsvd_scsi_cdb_read10(cdb, sizeof cdb, 101, 2, 0);
    r = tu_exec(&f->t, f->h, cdb, n, NULL, 0, in, sizeof in);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 1024);
    assert_memory_equal(in, out + 512, 1024);
    tu_assert_good(tu_write16(&f->t, f->h, 2047, 1, out, 512)); /* the last block */
    assert_memory_equal(f->t.mb.data + 2047 * 512, out, 512);
}

/* The data of a READ goes from the block source straight into the caller's
 * buffer (rsvd_scsi_cmd.data_in): the disk copies nothing, so a caller that
 * aligns it gets direct I/O without a bounce (rsvd/server.h,
 * RSVD_SERVER_SCSI_DATA_OFFSET). */
static void reads_go_straight_into_the_callers_buffer(void **state)
{
    fx *f = *state;
    static uint8_t d[3 * 4096] __attribute__((aligned(4096)));
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_read10(cdb, sizeof cdb, 8, 8, 0);
    assert_true(n > 0);
    tu_assert_good(tu_exec(&f->t, f->h, cdb, n, NULL, 0, d + 4096, 4096));
    assert_ptr_equal(f->t.mb.last_read_buf, d + 4096);
    n = rsvd_scsi_cdb_read16(cdb, sizeof cdb, 16, 8, 0);
    assert_true(n > 0);
    tu_assert_good(tu_exec(&f->t, f->h, cdb, n, NULL, 0, d + 52, 4096));
    assert_ptr_equal(f->t.mb.last_read_buf, d + 52);
}

static void smb2_read_and_write_use_byte_offsets(void **state)
{
    fx *f = *state;
    uint8_t out[1024], in[1024];
    memset(out, 0x6D, sizeof out);
    rsvd_io_result r = tu_smb_write(&f->t, f->h, 8192, out, sizeof out);
    tu_assert_good(r);
    assert_int_equal(r.bytes, sizeof out);
    assert_int_equal(f->t.mb.data[8192], 0x6D);
    r = tu_smb_read(&f->t, f->h, 8192, in, sizeof in);
    tu_assert_good(r);
    assert_int_equal(r.bytes, sizeof in);
    assert_memory_equal(in, out, sizeof in);
}

/* SMB2 I/O on the disk must be whole sectors. */
static void smb2_read_and_write_must_be_sector_aligned(void **state)
{
    fx *f = *state;
    uint8_t buf[1024] = {0};
    tu_assert_check(tu_smb_read(&f->t, f->h, 100, buf, 512), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    tu_assert_check(tu_smb_write(&f->t, f->h, 512, buf, 100), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    assert_int_equal(f->t.mb.writes, 0);
}

/* [SBC-3]: a range past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE. */
static void out_of_range_lba_is_reported(void **state)
{
    fx *f = *state;
    uint8_t buf[2 * 512] = {0};
    tu_assert_check(tu_read16(&f->t, f->h, 2048, 1, buf, sizeof buf),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
    tu_assert_check(tu_write16(&f->t, f->h, 2047, 2, buf, sizeof buf),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
    tu_assert_check(tu_read16(&f->t, f->h, UINT64_MAX, 2, buf, sizeof buf),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_write10(cdb, sizeof cdb, 0xFFFFFFFFu, 1, 0);
    tu_assert_check(tu_exec(&f->t, f->h, cdb, n, buf, 512, NULL, 0),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
    tu_assert_check(tu_smb_read(&f->t, f->h, 2048 * 512, buf, 512),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
    assert_int_equal(f->t.mb.reads + f->t.mb.writes, 0);
}

/* [SBC-3]: a transfer length of zero transfers nothing and is no error. */
static void zero_transfer_length_is_good(void **state)
{
    fx *f = *state;
    rsvd_io_result r = tu_read16(&f->t, f->h, 10, 0, NULL, 0);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 0);
    tu_assert_good(tu_write16(&f->t, f->h, 2048, 0, NULL, 0));
    tu_assert_good(tu_smb_read(&f->t, f->h, 0, NULL, 0));
}

/* The initiator's buffer must hold the transfer (docs/backends.md). */
static void transfer_larger_than_the_buffer_is_refused(void **state)
{
    fx *f = *state;
    uint8_t buf[1024];
    tu_assert_check(tu_read16(&f->t, f->h, 0, 3, buf, sizeof buf),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    tu_assert_check(tu_write16(&f->t, f->h, 0, 3, buf, sizeof buf),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    assert_int_equal(f->t.mb.reads + f->t.mb.writes, 0);
    /* a larger buffer is fine: only the transfer is returned */
    rsvd_io_result r = tu_read16(&f->t, f->h, 0, 1, buf, sizeof buf);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 512);
}

/* FUA: the data is on the medium before GOOD, so the source is flushed. */
static void fua_write_is_flushed(void **state)
{
    fx *f = *state;
    uint8_t cdb[16], buf[512] = {0};
    int n = rsvd_scsi_cdb_write16(cdb, sizeof cdb, 5, 1, RSVD_SCSI_RW_FUA);
    tu_assert_good(tu_exec(&f->t, f->h, cdb, n, buf, sizeof buf, NULL, 0));
    assert_int_equal(f->t.mb.flushes, 1);
    tu_assert_good(tu_write16(&f->t, f->h, 5, 1, buf, sizeof buf));
    assert_int_equal(f->t.mb.flushes, 1);
}

/* ---- failures of the block source ---------------------------------------- */

static void block_source_failures_become_medium_errors(void **state)
{
    fx *f = *state;
    uint8_t buf[512] = {0};
    f->t.mb.fail_read = RSVD_STATUS_IO_DEVICE_ERROR;
    tu_assert_check(tu_read16(&f->t, f->h, 0, 1, buf, sizeof buf), RSVD_SCSI_SENSE_MEDIUM_ERROR,
                    RSVD_SCSI_ASCQ_UNRECOVERED_READ_ERROR);
    tu_assert_check(tu_smb_read(&f->t, f->h, 0, buf, sizeof buf), RSVD_SCSI_SENSE_MEDIUM_ERROR,
                    RSVD_SCSI_ASCQ_UNRECOVERED_READ_ERROR);
    f->t.mb.fail_read = 0;
    f->t.mb.fail_write = RSVD_STATUS_IO_DEVICE_ERROR;
    tu_assert_check(tu_write16(&f->t, f->h, 0, 1, buf, sizeof buf), RSVD_SCSI_SENSE_MEDIUM_ERROR,
                    RSVD_SCSI_ASCQ_WRITE_ERROR);
    rsvd_io_result r = tu_smb_write(&f->t, f->h, 0, buf, sizeof buf);
    tu_assert_check(r, RSVD_SCSI_SENSE_MEDIUM_ERROR, RSVD_SCSI_ASCQ_WRITE_ERROR);
    assert_int_equal(r.bytes, 0);
    /* [SBC-3] thin provisioning: a full backing store */
    f->t.mb.fail_write = RSVD_STATUS_DISK_FULL;
    tu_assert_check(tu_write16(&f->t, f->h, 0, 1, buf, sizeof buf), RSVD_SCSI_SENSE_DATA_PROTECT,
                    RSVD_SCSI_ASCQ_SPACE_ALLOCATION_FAILED_WRITE_PROTECT);
    f->t.mb.fail_write = 0;
    f->t.mb.fail_flush = RSVD_STATUS_IO_DEVICE_ERROR;
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_synchronize_cache16(cdb, sizeof cdb, 0, 0, false);
    tu_assert_check(tu_exec0(&f->t, f->h, cdb, n), RSVD_SCSI_SENSE_MEDIUM_ERROR,
                    RSVD_SCSI_ASCQ_WRITE_ERROR);
}

/* ---- SYNCHRONIZE CACHE ------------------------------------------------------ */

static void synchronize_cache_flushes_the_source(void **state)
{
    fx *f = *state;
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_synchronize_cache10(cdb, sizeof cdb, 0, 0, false);
    tu_assert_good(tu_exec0(&f->t, f->h, cdb, n));
    assert_int_equal(f->t.mb.flushes, 1);
    n = rsvd_scsi_cdb_synchronize_cache16(cdb, sizeof cdb, 100, 100, true);
    tu_assert_good(tu_exec0(&f->t, f->h, cdb, n));
    assert_int_equal(f->t.mb.flushes, 2);
    n = rsvd_scsi_cdb_synchronize_cache16(cdb, sizeof cdb, 2000, 49, false);
    tu_assert_check(tu_exec0(&f->t, f->h, cdb, n), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
    n = rsvd_scsi_cdb_synchronize_cache10(cdb, sizeof cdb, 4096, 0, false);
    tu_assert_check(tu_exec0(&f->t, f->h, cdb, n), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
    assert_int_equal(f->t.mb.flushes, 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(read_capacity10_reports_last_lba_and_block_length),
        T(read_capacity16_reports_the_physical_block_exponent),
        T(written_blocks_read_back_through_every_command),
        T(reads_go_straight_into_the_callers_buffer),
        T(smb2_read_and_write_use_byte_offsets),
        T(smb2_read_and_write_must_be_sector_aligned),
        T(out_of_range_lba_is_reported),
        T(zero_transfer_length_is_good),
        T(transfer_larger_than_the_buffer_is_refused),
        T(fua_write_is_flushed),
        T(block_source_failures_become_medium_errors),
        T(synchronize_cache_flushes_the_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
