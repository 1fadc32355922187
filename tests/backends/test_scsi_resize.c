/*
 * Resize and safe size of the built-in disk ([MS-RSVD] 3.2.5.5.7.5,
 * 3.2.5.5.15): READ CAPACITY, MODE SENSE and get_info (GET_DISK_INFO)
 * report the new size, every initiator sees CAPACITY DATA HAS CHANGED once,
 * the safe size is the end of what the block source has allocated, and a
 * shrink keeps the snapshots' content.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tu_disk_v2.h"
#include "tu_scsi.h"

#define MIB (1024u * 1024u)

static tu_disk as_tu(tu_v2 *t)
{
    tu_disk td = {.disk = t->disk, .set = t->set, .ops = t->ops};
    return td;
}

static uint64_t capacity16(tu_v2 *t, void *h)
{
    tu_disk td = as_tu(t);
    uint8_t cdb[16], d[32];
    int n = rsvd_scsi_cdb_read_capacity16(cdb, sizeof cdb, 32);
    tu_assert_good(tu_exec(&td, h, cdb, n, NULL, 0, d, sizeof d));
    rsvd_scsi_capacity cap;
    assert_int_equal(rsvd_scsi_read_capacity16_decode(d, 32, &cap), RSVD_OK);
    return (cap.last_lba + 1) * cap.block_length;
}

static uint64_t capacity10(tu_v2 *t, void *h)
{
    tu_disk td = as_tu(t);
    uint8_t cdb[16], d[8];
    int n = rsvd_scsi_cdb_read_capacity10(cdb, sizeof cdb);
    tu_assert_good(tu_exec(&td, h, cdb, n, NULL, 0, d, sizeof d));
    rsvd_scsi_capacity cap;
    assert_int_equal(rsvd_scsi_read_capacity10_decode(d, 8, &cap), RSVD_OK);
    return (cap.last_lba + 1) * cap.block_length;
}

static uint64_t info_size(tu_v2 *t, void *h)
{
    rsvd_disk_info info;
    tu_capture c;
    t->ops->get_info(t->set, h, &info, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_SUCCESS);
    return info.virtual_size;
}

static void expect_capacity_attention(tu_v2 *t, void *h)
{
    tu_disk td = as_tu(t);
    tu_assert_ua(tu_tur(&td, h), RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED,
                 RSVD_SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED);
    tu_assert_good(tu_tur(&td, h)); /* once */
}

/* Growing and shrinking: READ CAPACITY (10) and (16), get_info and the
 * data; each initiator is told once; a shrink to the same size tells no one. */
static void resize_changes_read_capacity_and_disk_info(void **state)
{
    (void)state;
    for (int file = 0; file < 2; file++) {
        tu_v2 t;
        tu_v2_init(&t, file, MIB, 0);
        tu_disk td = as_tu(&t);
        void *h2 = tu_open(&td, 2);
        tu_v2_fill(&t, MIB - 4096, 4096, 0xC3);
        rsvd_disk_resize_args a = {.new_size = 3 * MIB};
        assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_SUCCESS);
        expect_capacity_attention(&t, t.h);
        expect_capacity_attention(&t, h2);
        assert_true(capacity16(&t, t.h) == 3 * MIB);
        assert_true(capacity10(&t, h2) == 3 * MIB);
        assert_true(info_size(&t, t.h) == 3 * MIB);
        uint8_t buf[8192];
        tu_v2_read(&t, t.h, MIB - 4096, buf, sizeof buf);
        for (size_t i = 0; i < sizeof buf; i++)
            assert_int_equal(buf[i], i < 4096 ? 0xC3 : 0x00); /* the new part reads zero */
        tu_v2_fill(&t, 3 * MIB - 512, 512, 0x3C); /* the new end can be written */
        /* Shrinking below data in use needs AllowUnsafeVirtualSize. */
        a.new_size = MIB / 2;
        assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_INVALID_PARAMETER);
        a.allow_unsafe_virtual_size = true;
        assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_SUCCESS);
        expect_capacity_attention(&t, t.h);
        expect_capacity_attention(&t, h2);
        assert_true(capacity16(&t, t.h) == MIB / 2);
        tu_assert_check(tu_smb_read(&td, t.h, MIB / 2, buf, 512), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                        RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
        /* Grown again: what the shrink cut is gone, it reads zero. */
        a.new_size = MIB;
        a.allow_unsafe_virtual_size = false;
        assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_SUCCESS);
        expect_capacity_attention(&t, t.h);
        expect_capacity_attention(&t, h2);
        tu_v2_read(&t, t.h, MIB - 4096, buf, 4096);
        for (size_t i = 0; i < 4096; i++)
            assert_int_equal(buf[i], 0);
        /* The same size again changes nothing and tells no one. */
        assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_SUCCESS);
        tu_assert_good(tu_tur(&td, t.h));
        tu_assert_good(tu_tur(&td, h2));
        tu_close(&td, h2);
        if (file) { /* the file is the disk: a new life of it has the size */
            tu_v2_reopen(&t);
            assert_true(capacity16(&t, t.h) == MIB);
            assert_true(tu_v2_file_size(&t, "disk.img") == (long long)MIB);
        }
        tu_v2_fini(&t);
    }
}

/* 3.2.5.5.7.5 as the disk checks it: whole sectors, not zero, ExpandOnly,
 * and ShrinkToMinimumSafeSize alone. */
static void resize_refuses_what_it_cannot_do(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    rsvd_disk_resize_args a;
    memset(&a, 0, sizeof a);
    a.new_size = MIB + 100;
    assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_INVALID_PARAMETER);
    a.new_size = 0;
    assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_INVALID_PARAMETER);
    a.new_size = MIB / 2;
    a.expand_only = true;
    a.allow_unsafe_virtual_size = true;
    assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_INVALID_PARAMETER);
    memset(&a, 0, sizeof a);
    a.shrink_to_minimum_safe_size = true;
    a.expand_only = true;
    assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_INVALID_PARAMETER_1);
    a.expand_only = false;
    a.new_size = 512;
    assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_INVALID_PARAMETER_1);
    assert_true(capacity16(&t, t.h) == MIB); /* nothing changed */
    tu_v2_fini(&t);
}

/* The safe size is where the allocated data ends, rounded up to a sector;
 * ShrinkToMinimumSafeSize goes there and keeps every byte. */
static void safe_size_is_the_end_of_what_is_allocated(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, 4 * MIB, 0);
    uint64_t safe = 0;
    assert_int_equal(tu_v2_safe_size(&t, &safe), RSVD_STATUS_SUCCESS);
    assert_true(safe == 512); /* nothing allocated: one sector stays */
    tu_v2_fill(&t, MIB + 1024, 1024, 0x42);
    assert_int_equal(tu_v2_safe_size(&t, &safe), RSVD_STATUS_SUCCESS);
    assert_true(safe == MIB + 2048);
    rsvd_disk_resize_args a = {.shrink_to_minimum_safe_size = true};
    assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_SUCCESS);
    tu_disk td = as_tu(&t);
    tu_assert_ua(tu_tur(&td, t.h), RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED,
                 RSVD_SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED);
    assert_true(capacity16(&t, t.h) == MIB + 2048);
    uint8_t buf[1024];
    tu_v2_read(&t, t.h, MIB + 1024, buf, sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0x42);
    /* Without allocated_end every byte counts. */
    t.mb.basic = true;
    tu_v2_reopen(&t);
    assert_int_equal(tu_v2_safe_size(&t, &safe), RSVD_STATUS_SUCCESS);
    assert_true(safe == MIB + 2048);
    /* Without resize the disk cannot change size. */
    a.shrink_to_minimum_safe_size = false;
    a.new_size = 2 * MIB;
    assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_INVALID_DEVICE_REQUEST);
    /* The block source's failures are the answer. */
    t.mb.basic = false;
    tu_v2_reopen(&t);
    t.mb.fail_allocated_end = RSVD_STATUS_IO_DEVICE_ERROR;
    assert_int_equal(tu_v2_safe_size(&t, &safe), RSVD_STATUS_IO_DEVICE_ERROR);
    t.mb.fail_allocated_end = 0;
    t.mb.fail_resize = RSVD_STATUS_DISK_FULL;
    assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_DISK_FULL);
    assert_true(capacity16(&t, t.h) == MIB + 2048);
    t.mb.fail_resize = 0;
    tu_v2_fini(&t);
}

/* Over a file: the safe size follows the file's data extents (SEEK_DATA,
 * SEEK_HOLE) where the filesystem keeps holes. */
static void safe_size_of_a_file_follows_its_extents(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, true, 8 * MIB, 0);
    tu_v2_fill(&t, 2 * MIB, 4096, 0x17);
    uint64_t safe = 0;
    assert_int_equal(tu_v2_safe_size(&t, &safe), RSVD_STATUS_SUCCESS);
    /* Does this filesystem report holes? A new sparse file says. */
    int fd = open(t.img, O_RDONLY);
    assert_true(fd >= 0);
    off_t hole = lseek(fd, 0, SEEK_HOLE);
    close(fd);
    assert_true(safe >= 2 * MIB + 4096);
    if (hole == 0) /* the file starts with a hole: extents are reported */
        assert_true(safe <= 2 * MIB + 64 * 1024); /* the data, to the filesystem's block */
    else
        printf("note: %s keeps no holes; the safe size is the whole disk\n", t.dir);
    rsvd_disk_resize_args a = {.shrink_to_minimum_safe_size = true};
    assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_SUCCESS);
    assert_true(tu_v2_file_size(&t, "disk.img") == (long long)safe);
    expect_capacity_attention(&t, t.h);
    uint8_t buf[4096];
    tu_v2_read(&t, t.h, 2 * MIB, buf, sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0x17);
    tu_v2_fini(&t);
}

/* A shrink preserves what it cuts: the snapshots read it as it was. */
static void a_shrink_keeps_the_snapshots_content(void **state)
{
    (void)state;
    for (int file = 0; file < 2; file++) {
        tu_v2 t;
        tu_v2_init(&t, file, 2 * MIB, 0);
        tu_v2_fill(&t, 0, 2 * MIB, 0x61);
        assert_int_equal(tu_v2_snapshot(&t, 1, RSVD_SVHDX_SNAPSHOT_TYPE_VM, 0),
                         RSVD_STATUS_SUCCESS);
        rsvd_disk_resize_args a = {.new_size = MIB / 2 + 512, .allow_unsafe_virtual_size = true};
        assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_SUCCESS);
        a.new_size = 3 * MIB;
        assert_int_equal(tu_v2_resize(&t, &a), RSVD_STATUS_SUCCESS);
        expect_capacity_attention(&t, t.h); /* one attention for both changes */
        tu_v2_fill(&t, MIB, 4096, 0x62);
        uint8_t *b = malloc(2 * MIB);
        assert_non_null(b);
        tu_v2_read_snapshot(&t, 1, b, 2 * MIB);
        for (size_t i = 0; i < 2 * MIB; i++)
            if (b[i] != 0x61)
                fail_msg("snapshot byte %zu is 0x%02X", i, b[i]);
        tu_v2_reopen(&t);
        tu_v2_read_snapshot(&t, 1, b, 2 * MIB);
        for (size_t i = 0; i < 2 * MIB; i++)
            if (b[i] != 0x61)
                fail_msg("snapshot byte %zu is 0x%02X after reopen", i, b[i]);
        /* Applying it brings the size and the content back. */
        assert_int_equal(tu_v2_apply(&t, 1, RSVD_SVHDX_SNAPSHOT_TYPE_VM), RSVD_STATUS_SUCCESS);
        expect_capacity_attention(&t, t.h);
        assert_true(capacity16(&t, t.h) == 2 * MIB);
        assert_true(info_size(&t, t.h) == 2 * MIB);
        for (uint64_t off = 0; off < 2 * MIB; off += 65536)
            tu_v2_read(&t, t.h, off, b + off, 65536);
        for (size_t i = 0; i < 2 * MIB; i++)
            if (b[i] != 0x61)
                fail_msg("disk byte %zu is 0x%02X after apply", i, b[i]);
        free(b);
        tu_v2_fini(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resize_changes_read_capacity_and_disk_info),
        cmocka_unit_test(resize_refuses_what_it_cannot_do),
        cmocka_unit_test(safe_size_is_the_end_of_what_is_allocated),
        cmocka_unit_test(safe_size_of_a_file_follows_its_extents),
        cmocka_unit_test(a_shrink_keeps_the_snapshots_content),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
