/*
 * Extract ([MS-RSVD] 3.2.5.5.7.3): a snapshot of the built-in disk written
 * as a standalone VHDX file, and convert to VHD set
 * ([MS-RSVD] 3.2.5.5.7.4).
 *
 * Two meson tests run this program:
 *  - without arguments: the extracted file read back by the rules of
 *    [MS-VHDX] (512- and 4096-byte sectors), what the disk refuses,
 *    DELETE_ON_CLOSE, convert;
 *  - with --qemu-img: qemu-img (Debian package qemu-utils) checks each
 *    extracted file (`qemu-img check`) and finds it equal to the snapshot's
 *    content (`qemu-img compare` with a raw image of the model); without
 *    qemu-img this one reports SKIP with the reason (a failure where
 *    RSVD_INTEGRATION_REQUIRED=1, as CI sets it).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tu_daemon.h"
#include "tu_disk_v2.h"
#include "tu_scsi.h"

#define MIB (1024u * 1024u)
#define VM RSVD_SVHDX_SNAPSHOT_TYPE_VM

static char qemu_img[256];

static int qemu_compare_expect(const tu_v2 *t, const char *vhdx, const uint8_t *want, size_t n,
                               int expect)
{
    return tu_v2_qemu_compare(t, qemu_img, vhdx, want, n, expect);
}

static int qemu_compare(const tu_v2 *t, const char *vhdx, const uint8_t *want, size_t n)
{
    return qemu_compare_expect(t, vhdx, want, n, 0);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* Data in some places, zeros elsewhere, one sector at the very end. */
static void scatter(tu_v2 *t, uint8_t *model, uint64_t size, uint64_t seed)
{
    for (int i = 0; i < 12; i++) {
        uint64_t lba = lcg(&seed) % (size / 512);
        uint32_t cnt = 1 + (uint32_t)(lcg(&seed) % 300);
        if (lba + cnt > size / 512)
            cnt = (uint32_t)(size / 512 - lba);
        uint8_t b = (uint8_t)(1 + lcg(&seed) % 255);
        tu_v2_fill(t, lba * 512, cnt * 512, b);
        memset(model + lba * 512, b, cnt * 512);
    }
    tu_v2_fill(t, size - 512, 512, 0xEE);
    memset(model + size - 512, 0xEE, 512);
}

/* The extracted VHDX holds the snapshot's content, not the disk's later
 * one, for sizes that are and are not whole VHDX blocks; zero blocks take
 * no space in it. The comparison can fail: a model that differs by one
 * byte is found different. */
static void extract_is_a_vhdx_equal_to_the_snapshot(void **state)
{
    (void)state;
    const uint64_t sizes[] = {4 * MIB, 3 * MIB + 7 * 512};
    for (size_t k = 0; k < 2; k++) {
        tu_v2 t;
        uint64_t size = sizes[k];
        tu_v2_init(&t, k == 1, size, 0);
        uint8_t *model = calloc(1, size);
        assert_non_null(model);
        scatter(&t, model, size, 100 + k);
        assert_int_equal(tu_v2_snapshot(&t, 1, VM, 0), RSVD_STATUS_SUCCESS);
        uint8_t *later = malloc(size);
        assert_non_null(later);
        memcpy(later, model, size);
        scatter(&t, later, size, 200 + k); /* after the snapshot: not extracted */
        assert_int_equal(tu_v2_extract(&t, 1, "out/one.vhdx", 0),
                         RSVD_STATUS_OBJECT_NAME_NOT_FOUND); /* no such directory */
        assert_int_equal(tu_v2_extract(&t, 1, "one.vhdx", 0), RSVD_STATUS_SUCCESS);
        assert_int_equal(qemu_compare(&t, "one.vhdx", model, size), 0);
        model[size / 2] ^= 0x01;
        assert_int_equal(qemu_compare_expect(&t, "one.vhdx", model, size, 1), 1);
        model[size / 2] ^= 0x01;
        /* Sparse: headers, log, metadata and BAT (4 MiB) and the blocks
         * with data, never the whole disk of zeros. */
        long long fsize = tu_v2_file_size(&t, "one.vhdx");
        long long blocks = (long long)((size + MIB - 1) / MIB);
        assert_true(fsize > 4 * (long long)MIB && fsize <= (4 + blocks) * (long long)MIB);
        tu_v2_reopen(&t); /* from the stored snapshot, after a new life */
        assert_int_equal(tu_v2_extract(&t, 1, "two.vhdx", 0), RSVD_STATUS_SUCCESS);
        assert_int_equal(qemu_compare(&t, "two.vhdx", model, size), 0);
        free(model);
        free(later);
        tu_v2_fini(&t);
    }
}

/* A snapshot of nothing but zeros: every block PAYLOAD_BLOCK_ZERO, no
 * payload at all. */
static void extract_of_an_empty_snapshot(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, 2 * MIB, 0);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, 0), RSVD_STATUS_SUCCESS);
    tu_v2_fill(&t, 0, 4096, 0x99);
    assert_int_equal(tu_v2_extract(&t, 1, "zero.vhdx", 0), RSVD_STATUS_SUCCESS);
    uint8_t *zero = calloc(1, 2 * MIB);
    assert_non_null(zero);
    assert_int_equal(qemu_compare(&t, "zero.vhdx", zero, 2 * MIB), 0);
    assert_true(tu_v2_file_size(&t, "zero.vhdx") == 4 * (long long)MIB);
    free(zero);
    tu_v2_fini(&t);
}

/* ---- reading an extracted VHDX back ([MS-VHDX]), without qemu-img ---- */

/* Read back by the format's rules, for 512- and 4096-byte sectors (qemu-img
 * 7.2 reads VHDX of 512-byte sectors only). */
static void extract_reads_back_as_the_snapshot(void **state)
{
    (void)state;
    const uint32_t lbs[] = {512, 4096};
    for (size_t k = 0; k < 2; k++) {
        tu_v2 t;
        tu_v2_init(&t, false, MIB, 0);
        if (lbs[k] != 512) {
            tu_v2_close(&t, t.h);
            t.h = NULL;
            rsvd_scsi_disk_set_destroy(t.set);
            assert_int_equal(rsvd_scsi_disk_destroy(t.disk), RSVD_OK);
            t.mb.lbs = lbs[k];
            assert_int_equal(rsvd_scsi_disk_create(&t.cfg, &t.disk), RSVD_OK);
            assert_int_equal(rsvd_scsi_disk_set_create(NULL, &t.set), RSVD_OK);
            assert_int_equal(rsvd_scsi_disk_set_add(t.set, "disk.vhdx", t.disk), RSVD_OK);
            tu_disk td = {.disk = t.disk, .set = t.set, .ops = t.ops};
            t.h = tu_open(&td, 1);
        }
        uint8_t *model = calloc(1, MIB);
        assert_non_null(model);
        tu_v2_fill(&t, 8192, 4096, 0x4C);
        memset(model + 8192, 0x4C, 4096);
        tu_v2_fill(&t, MIB - 4096, 4096, 0x4D);
        memset(model + MIB - 4096, 0x4D, 4096);
        assert_int_equal(tu_v2_snapshot(&t, 1, VM, 0), RSVD_STATUS_SUCCESS);
        tu_v2_fill(&t, 8192, 4096, 0x00);
        assert_int_equal(tu_v2_extract(&t, 1, "back.vhdx", 0), RSVD_STATUS_SUCCESS);
        tu_v2_vhdx_read_back(&t, "back.vhdx", lbs[k], model, MIB);
        free(model);
        tu_v2_fini(&t);
    }
}

/* What the disk refuses: an unknown snapshot or type, a name taken or
 * invalid, flags other than DELETE_ON_CLOSE, a differencing extract, a
 * reference without data, sectors VHDX cannot hold. Nothing is left. */
static void extract_refuses_what_it_cannot_do(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, 0), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_snapshot(&t, 2, VM, 0), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_extract(&t, 9, "x.vhdx", 0), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_extract(&t, 1, "x.vhdx", 2), RSVD_STATUS_INVALID_PARAMETER_2);
    assert_int_equal(tu_v2_extract(&t, 1, "../x.vhdx", 0), RSVD_STATUS_OBJECT_NAME_INVALID);
    assert_int_equal(tu_v2_extract(&t, 1, "x:y.vhdx", 0), RSVD_STATUS_OBJECT_NAME_INVALID);
    assert_int_equal(tu_v2_extract(&t, 1, "", 0), RSVD_STATUS_OBJECT_NAME_INVALID);
    assert_int_equal(tu_v2_extract(&t, 1, "disk.rsvdmeta", 0),
                     RSVD_STATUS_OBJECT_NAME_COLLISION); /* never over an existing file */
    assert_int_equal(tu_v2_extract(&t, 1, "x.vhdx", 0), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_extract(&t, 1, "x.vhdx", 0), RSVD_STATUS_OBJECT_NAME_COLLISION);
    rsvd_disk_extract_args a;
    memset(&a, 0, sizeof a);
    a.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_CDP;
    a.source_snapshot_id = tu_guid(1);
    a.destination_file_name = "y.vhdx";
    rsvd_disk_meta_result out;
    tu_capture c;
    t.ops->extract(t.set, t.h, &a, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_PARAMETER); /* its type */
    a.snapshot_type = VM;
    a.source_limit_snapshot_id = tu_guid(8);
    t.ops->extract(t.set, t.h, &a, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_PARAMETER); /* no limit 8 */
    a.source_limit_snapshot_id = tu_guid(2);
    t.ops->extract(t.set, t.h, &a, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_NOT_SUPPORTED); /* differencing */
    assert_int_equal(tu_v2_file_size(&t, "y.vhdx"), -1);
    assert_int_equal(tu_v2_delete(&t, 2, VM, true), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_extract(&t, 2, "z.vhdx", 0), RSVD_STATUS_INVALID_PARAMETER);
    /* A failing source leaves no file behind. */
    t.mb.fail_read = RSVD_STATUS_IO_DEVICE_ERROR;
    assert_int_equal(tu_v2_extract(&t, 1, "z.vhdx", 0), RSVD_STATUS_IO_DEVICE_ERROR);
    t.mb.fail_read = 0;
    assert_int_equal(tu_v2_file_size(&t, "z.vhdx"), -1);
    t.ops->extract(t.set, t.h, NULL, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_PARAMETER);
    tu_v2_fini(&t);

    /* Sectors of 1024 bytes: VHDX has none. */
    memset(&t, 0, sizeof t);
    tu_v2_init(&t, false, MIB, 0);
    tu_v2_close(&t, t.h);
    t.h = NULL;
    rsvd_scsi_disk_set_destroy(t.set);
    assert_int_equal(rsvd_scsi_disk_destroy(t.disk), RSVD_OK);
    t.mb.lbs = 1024;
    t.cfg.storage_name = "disk1k";
    assert_int_equal(rsvd_scsi_disk_create(&t.cfg, &t.disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &t.set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, "disk.vhdx", t.disk), RSVD_OK);
    tu_disk td = {.disk = t.disk, .set = t.set, .ops = t.ops};
    t.h = tu_open(&td, 1);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, 0), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_extract(&t, 1, "k.vhdx", 0), RSVD_STATUS_NOT_SUPPORTED);
    tu_v2_fini(&t);
}

/* DELETE_ON_CLOSE: the file goes when the handle that extracted it closes;
 * a close with delete_file (PendingDelete) then succeeds. */
static void delete_on_close_goes_with_the_handle(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, 0), RSVD_STATUS_SUCCESS);
    tu_disk td = {.disk = t.disk, .set = t.set, .ops = t.ops};
    void *h = t.h;
    t.h = tu_open(&td, 2);
    assert_int_equal(
        tu_v2_extract(&t, 1, "tmp.vhdx", RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE),
        RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_extract(&t, 1, "keep.vhdx", 0), RSVD_STATUS_SUCCESS);
    assert_true(tu_v2_file_size(&t, "tmp.vhdx") > 0);
    tu_capture c;
    t.ops->close(t.set, t.h, true, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_file_size(&t, "tmp.vhdx"), -1);
    assert_true(tu_v2_file_size(&t, "keep.vhdx") > 0);
    /* Without such files the disk still cannot delete itself. */
    t.h = tu_open(&td, 2);
    t.ops->close(t.set, t.h, true, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_NOT_SUPPORTED);
    /* A plain close deletes them too. */
    t.h = tu_open(&td, 2);
    assert_int_equal(
        tu_v2_extract(&t, 1, "tmp2.vhdx", RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE),
        RSVD_STATUS_SUCCESS);
    tu_v2_close(&t, t.h);
    assert_int_equal(tu_v2_file_size(&t, "tmp2.vhdx"), -1);
    t.h = h;
    tu_v2_fini(&t);
}

/* Convert: the .vhds file appears, the disk answers to its name from then
 * on - reads through it return the disk's data, writes through it are the
 * disk's - also in the disk's next life; one conversion only. */
static void convert_makes_the_vhd_set_name_reach_the_disk(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    tu_v2_fill(&t, 0, 4096, 0xAB);
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "sets\\cluster.vhds";
    a.has_initiator = true;
    a.initiator_id = tu_initiator(3);
    tu_capture c;
    t.ops->open(t.set, &a, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(tu_v2_convert(&t, "sets\\cluster.vhdx"), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_convert(&t, "sets\\cluster.vhds"),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND); /* no directory "sets" */
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/sets", t.dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(tu_v2_convert(&t, "sets\\cluster.vhds"), RSVD_STATUS_SUCCESS);
    assert_true(tu_v2_file_size(&t, "sets/cluster.vhds") > 0);
    for (int pass = 0; pass < 2; pass++) {
        t.ops->open(t.set, &a, tu_capture_begin(&c));
        rsvd_io_result r = tu_capture_end(&c);
        assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
        uint8_t b[4096];
        tu_v2_read(&t, r.handle, 0, b, sizeof b);
        for (size_t i = 0; i < sizeof b; i++)
            assert_int_equal(b[i], pass ? 0xCD : 0xAB);
        tu_disk td = {.disk = t.disk, .set = t.set, .ops = t.ops};
        memset(b, 0xCD, sizeof b);
        tu_assert_good(tu_smb_write(&td, r.handle, 0, b, sizeof b));
        tu_v2_read(&t, t.h, 0, b, sizeof b); /* the same disk */
        assert_int_equal(b[0], 0xCD);
        tu_v2_close(&t, r.handle);
        tu_v2_reopen(&t);
    }
    assert_int_equal(tu_v2_convert(&t, "SETS/CLUSTER.VHDS"), RSVD_STATUS_OBJECT_NAME_COLLISION);
    assert_int_equal(tu_v2_convert(&t, "other.vhds"), RSVD_STATUS_INVALID_PARAMETER);
    tu_v2_fini(&t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest disk_tests[] = {
        cmocka_unit_test(extract_reads_back_as_the_snapshot),
        cmocka_unit_test(extract_refuses_what_it_cannot_do),
        cmocka_unit_test(delete_on_close_goes_with_the_handle),
        cmocka_unit_test(convert_makes_the_vhd_set_name_reach_the_disk),
    };
    const struct CMUnitTest qemu_tests[] = {
        cmocka_unit_test(extract_is_a_vhdx_equal_to_the_snapshot),
        cmocka_unit_test(extract_of_an_empty_snapshot),
    };
    if (argc > 1 && strcmp(argv[1], "--qemu-img") == 0) {
        if (!tu_which("qemu-img", qemu_img, sizeof qemu_img))
            tu_skip("qemu-img is not installed (Debian package qemu-utils; .ci/packages lists "
                    "it): the extracted VHDX cannot be checked");
        return cmocka_run_group_tests(qemu_tests, NULL, NULL);
    }
    return cmocka_run_group_tests(disk_tests, NULL, NULL);
}
