/*
 * The NBD block source (rsvd/nbd_block.h) under the built-in virtual SCSI
 * disk, over a real VHDX: qemu-img creates it, qemu-nbd serves it on
 * 127.0.0.1 (started and stopped by PID by the test), and after the disk
 * wrote through NBD, qemu-io reads the data back from the .vhdx file.
 *
 * Without qemu-img, qemu-nbd, qemu-io or the nbd feature the program
 * reports SKIP with the reason.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "it_disk.h"
#include "peers.h"
#include "pr_scenario.h"
#include "tu_scsi.h"

#if TU_HAVE_NBD

#include <rsvd/block.h>
#include <rsvd/nbd_block.h>
#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#define DISK_MIB 64u
#define BS 512u

static char qemu_img[256], qemu_io[256];

typedef struct fx {
    char image[512];
    it_qemu_nbd nbd;
    rsvd_nbd_block *nb;
    rsvd_scsi_disk *disk;
    rsvd_scsi_disk_set *set;
    it_dev dev;
} fx;

static void image_create(char *path, size_t cap)
{
    static unsigned n;
    char name[32];
    snprintf(name, sizeof name, "d%u.vhdx", ++n);
    snprintf(path, cap, "%s", tu_path(name));
    char size[16];
    snprintf(size, sizeof size, "%uM", DISK_MIB);
    const char *argv[] = {qemu_img, "create", "-q", "-f", "vhdx", "-o", "subformat=dynamic",
                          path, size, NULL};
    assert_int_equal(tu_run(argv, tu_path("qemu-img.log")), 0);
}

static void disk_up(fx *f, bool read_only)
{
    it_qemu_nbd_start(&f->nbd, f->image, "vhdx", read_only);
    rsvd_nbd_block_config ncfg = RSVD_STRUCT_INIT(rsvd_nbd_block_config);
    ncfg.uri = f->nbd.uri;
    rsvd_backend_diag why;
    int rc = rsvd_nbd_block_open(&ncfg, &f->nb, &why);
    if (rc != RSVD_OK)
        fail_msg("rsvd_nbd_block_open: %s", why.reason);
    rsvd_scsi_disk_config dcfg = RSVD_STRUCT_INIT(rsvd_scsi_disk_config);
    dcfg.block = rsvd_nbd_block_source(f->nb);
    memset(dcfg.disk_id.b, 0x4E, sizeof dcfg.disk_id.b);
    assert_int_equal(rsvd_scsi_disk_create(&dcfg, &f->disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &f->set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(f->set, "disk.vhdx", f->disk), RSVD_OK);
    memset(&f->dev, 0, sizeof f->dev);
    f->dev.ops = rsvd_scsi_disk_backend_ops();
    f->dev.ctx = f->set;
}

/* Tears the disk down and stops qemu-nbd by its PID, whatever fails on the
 * way; @return 0, or -1 if something did. */
static int disk_down(fx *f)
{
    int rc = 0;
    it_close_all(&f->dev); /* what a failed test left open */
    if (f->set)
        rsvd_scsi_disk_set_destroy(f->set);
    f->set = NULL;
    if (f->disk && rsvd_scsi_disk_destroy(f->disk) != RSVD_OK)
        rc = -1;
    f->disk = NULL;
    rsvd_nbd_block_close(f->nb);
    f->nb = NULL;
    pid_t pid = f->nbd.pid;
    if (it_qemu_nbd_stop(&f->nbd) != 0)
        rc = -1;
    if (pid > 0 && tu_daemon_alive(pid))
        rc = -1;
    return rc;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    image_create(f->image, sizeof f->image);
    disk_up(f, false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    int rc = disk_down(f) == 0 ? 0 : -1;
    unlink(f->image);
    free(f);
    return rc;
}

/* qemu-io -f vhdx -c 'read -P <pattern> <off> <len>' on the image; its log
 * is shown when the answer is not the expected one. */
static int qemu_io_verify(const char *image, uint8_t pattern, uint64_t off, uint64_t len,
                          bool expect_match)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "read -P 0x%02x %llu %llu", pattern, (unsigned long long)off,
             (unsigned long long)len);
    const char *argv[] = {qemu_io, "-r", "-f", "vhdx", "-c", cmd, image, NULL};
    const char *log = tu_path("qemu-io.log");
    unlink(log);
    int rc = tu_run(argv, log);
    if ((rc == 0) != expect_match)
        tu_dump_file(log);
    return rc;
}

/* The case: patterns written through the disk (WRITE(16) by the
 * SCSI tunnel, the SMB2 write function, a FUA write), flushed, read back
 * through the disk; then qemu-nbd stops and qemu-io finds them in the
 * .vhdx file. */
static void data_written_through_the_disk_reads_back_with_qemu_io(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    static uint8_t buf[64 * 1024], back[64 * 1024];

    memset(buf, 0x5A, 4096);
    it_assert_good(it_write16(&f->dev, a, (1u << 20) / BS, 4096 / BS, buf, 4096, 0));
    memset(buf, 0xA5, sizeof buf);
    rsvd_io_result r = it_smb_write(&f->dev, a, 2u << 20, buf, sizeof buf);
    it_assert_good(r);
    assert_int_equal(r.bytes, sizeof buf);
    memset(buf, 0x3C, BS);
    it_assert_good(it_write16(&f->dev, a, (3u << 20) / BS, 1, buf, BS, RSVD_SCSI_RW_FUA));
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_synchronize_cache16(cdb, sizeof cdb, 0, 0, false);
    it_assert_good(it_exec(&f->dev, a, cdb, n, NULL, 0, NULL, 0));

    /* Back through the disk. */
    r = it_read16(&f->dev, a, (1u << 20) / BS, 4096 / BS, back, 4096);
    it_assert_good(r);
    memset(buf, 0x5A, 4096);
    assert_memory_equal(back, buf, 4096);
    r = it_smb_read(&f->dev, a, 2u << 20, back, sizeof back);
    it_assert_good(r);
    memset(buf, 0xA5, sizeof buf);
    assert_memory_equal(back, buf, sizeof back);
    it_close(&f->dev, a);

    /* qemu-nbd stops (by its PID), then qemu-io reads the file itself. */
    assert_int_equal(disk_down(f), 0);
    assert_int_equal(qemu_io_verify(f->image, 0x5A, 1u << 20, 4096, true), 0);
    assert_int_equal(qemu_io_verify(f->image, 0xA5, 2u << 20, sizeof buf, true), 0);
    assert_int_equal(qemu_io_verify(f->image, 0x3C, 3u << 20, BS, true), 0);
    /* The check can fail: the bytes next to what was written are zero. */
    assert_int_equal(qemu_io_verify(f->image, 0x00, (1u << 20) + 4096, 4096, true), 0);
    assert_int_not_equal(qemu_io_verify(f->image, 0x5A, (1u << 20) + 4096, 4096, false), 0);
}

/* One transfer larger than an NBD request may be (32 MiB) is split by the
 * block source; qemu-io finds all of it. */
static void a_transfer_larger_than_one_nbd_request_is_split(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    const uint32_t len = 34u << 20;
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    memset(buf, 0x77, len);
    rsvd_io_result r = it_smb_write(&f->dev, a, 8u << 20, buf, len);
    it_assert_good(r);
    assert_int_equal(r.bytes, len);
    memset(buf, 0, len);
    r = it_smb_read(&f->dev, a, 8u << 20, buf, len);
    it_assert_good(r);
    for (uint32_t i = 0; i < len; i += 4096)
        if (buf[i] != 0x77 || buf[i + 4095] != 0x77)
            fail_msg("byte %u read back as 0x%02x", i, buf[i]);
    free(buf);
    it_close(&f->dev, a);
    assert_int_equal(disk_down(f), 0);
    assert_int_equal(qemu_io_verify(f->image, 0x77, 8u << 20, len, true), 0);
}

/* The disk over NBD is the built-in disk: the scenario holds to SPC-3
 * exactly, with the same answers as over memory. */
static void the_pr_scenario_holds_on_the_disk_over_a_vhdx(void **state)
{
    fx *f = *state;
    static tu_pr_answer over_nbd[256], over_memory[256];
    assert_true(tu_pr_scenario_len <= 256);
    char why[640];

    tu_pr_disk_driver dd;
    memset(&dd, 0, sizeof dd);
    dd.ops = f->dev.ops;
    dd.ops_ctx = f->set;
    dd.file_name = "disk.vhdx";
    tu_pr_driver drv;
    assert_int_equal(tu_pr_disk_driver_open(&dd, &drv), 0);
    tu_pr_opts o = {.target = "the disk over NBD", .answers = over_nbd};
    int failed = tu_pr_run_opts(&drv, tu_pr_scenario, tu_pr_scenario_len, &o, why, sizeof why);
    tu_pr_disk_driver_close(&dd);
    if (failed != -1)
        fail_msg("%s", why);

    tu_disk t;
    tu_disk_init(&t, (DISK_MIB << 20) / BS, BS, 4096, 0);
    memset(&dd, 0, sizeof dd);
    dd.ops = t.ops;
    dd.ops_ctx = t.set;
    dd.file_name = "disk.vhdx";
    assert_int_equal(tu_pr_disk_driver_open(&dd, &drv), 0);
    o.answers = over_memory;
    failed = tu_pr_run_opts(&drv, tu_pr_scenario, tu_pr_scenario_len, &o, why, sizeof why);
    tu_pr_disk_driver_close(&dd);
    tu_disk_fini(&t);
    if (failed != -1)
        fail_msg("%s", why);
    for (size_t i = 0; i < tu_pr_scenario_len; i++) {
        assert_true(over_nbd[i].ran);
        assert_int_equal(over_nbd[i].status, over_memory[i].status);
        assert_int_equal(over_nbd[i].scsi_status, over_memory[i].scsi_status);
        assert_int_equal(over_nbd[i].value, over_memory[i].value);
    }
}

/* [MS-RSVD] 3.2.5.5.4: the VHDX's virtual size, as qemu-nbd exports it. */
static void get_info_reports_the_vhdx_virtual_size(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    rsvd_disk_info info;
    f->dev.ops->get_info(f->dev.ctx, a, &info, tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(info.virtual_size, (uint64_t)DISK_MIB << 20);
    assert_int_equal(info.sector_size, BS);
    assert_int_equal(info.physical_sector_size, 4096);
    f->dev.ops->validate(f->dev.ctx, a, tu_capture_begin(&f->dev.cap));
    assert_true(it_wait(&f->dev).valid);
    it_close(&f->dev, a);
}

/* A read-only export: the block source refuses writes with
 * STATUS_MEDIA_WRITE_PROTECTED (the disk reports its write failure as
 * CHECK CONDITION); reads work. */
static void a_read_only_export_refuses_writes(void **state)
{
    fx *f = *state;
    assert_int_equal(disk_down(f), 0);
    disk_up(f, true);
    rsvd_block_source src = rsvd_nbd_block_source(f->nb);
    uint8_t buf[BS];
    memset(buf, 0x11, sizeof buf);
    assert_int_equal(src.ops->write(src.ctx, 0, buf, sizeof buf),
                     RSVD_STATUS_MEDIA_WRITE_PROTECTED);
    assert_int_equal(rsvd_nbd_block_last_error(f->nb)->status, RSVD_STATUS_MEDIA_WRITE_PROTECTED);
    assert_int_equal(src.ops->read(src.ctx, 0, buf, sizeof buf), RSVD_STATUS_SUCCESS);
    void *a = it_open(&f->dev, 1);
    rsvd_io_result r = it_smb_write(&f->dev, a, 0, buf, sizeof buf);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r.scsi.scsi_status, RSVD_SCSI_STATUS_CHECK_CONDITION);
    it_assert_good(it_smb_read(&f->dev, a, 0, buf, sizeof buf));
    it_close(&f->dev, a);
}

/* qemu-nbd goes away under the disk: the next read fails (CHECK CONDITION,
 * MEDIUM ERROR), the block source says why, and validate reports the disk
 * not valid. */
static void a_lost_nbd_server_fails_io_and_validate(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    uint8_t buf[BS];
    it_assert_good(it_smb_read(&f->dev, a, 0, buf, sizeof buf));
    assert_int_equal(it_qemu_nbd_stop(&f->nbd), 0);
    it_assert_check(it_smb_read(&f->dev, a, 0, buf, sizeof buf), RSVD_SCSI_SENSE_MEDIUM_ERROR,
                    RSVD_SCSI_ASCQ_UNRECOVERED_READ_ERROR);
    const rsvd_backend_diag *why = rsvd_nbd_block_last_error(f->nb);
    assert_int_equal(why->status, RSVD_STATUS_DEVICE_NOT_READY);
    assert_non_null(strstr(why->reason, "pread at 0"));
    f->dev.ops->validate(f->dev.ctx, a, tu_capture_begin(&f->dev.cap));
    rsvd_io_result r = it_wait(&f->dev);
    assert_false(r.valid);
    assert_int_equal(r.status, RSVD_STATUS_DEVICE_NOT_READY);
    it_close(&f->dev, a);
}

/* Block I/O outside the export is refused before anything is sent. */
static void io_beyond_the_export_is_an_invalid_parameter(void **state)
{
    fx *f = *state;
    rsvd_block_source src = rsvd_nbd_block_source(f->nb);
    const uint64_t size = (uint64_t)DISK_MIB << 20;
    uint8_t buf[BS];
    memset(buf, 0x5A, sizeof buf);
    assert_int_equal(src.ops->read(src.ctx, size - BS, buf, sizeof buf), RSVD_STATUS_SUCCESS);
    assert_int_equal(src.ops->read(src.ctx, size, buf, sizeof buf),
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(src.ops->read(src.ctx, size - 100, buf, sizeof buf),
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(src.ops->write(src.ctx, size, buf, sizeof buf),
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(src.ops->write(src.ctx, UINT64_MAX - 10, buf, sizeof buf),
                     RSVD_STATUS_INVALID_PARAMETER);
    /* Zero bytes at the very end are in range. */
    assert_int_equal(src.ops->write(src.ctx, size, buf, 0), RSVD_STATUS_SUCCESS);
}

/* An export too small to hold one logical sector is not a disk (qemu
 * exports a 256-byte file as 512 bytes: less than a 4096-byte sector). */
static void an_export_smaller_than_a_sector_is_refused(void **state)
{
    fx *f = *state;
    assert_int_equal(disk_down(f), 0);
    const char *tiny = tu_path("tiny.raw");
    FILE *fp = fopen(tiny, "wb");
    assert_non_null(fp);
    for (int i = 0; i < 256; i++)
        fputc(0, fp);
    fclose(fp);
    it_qemu_nbd_start(&f->nbd, tiny, "raw", false);
    rsvd_nbd_block_config cfg = RSVD_STRUCT_INIT(rsvd_nbd_block_config);
    cfg.uri = f->nbd.uri;
    cfg.logical_sector_size = 4096;
    rsvd_backend_diag why;
    rsvd_nbd_block *nb = NULL;
    assert_int_equal(rsvd_nbd_block_open(&cfg, &nb, &why), RSVD_E_INVAL);
    assert_null(nb);
    assert_int_equal(why.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_non_null(strstr(why.reason, "less than a sector"));
    assert_int_equal(it_qemu_nbd_stop(&f->nbd), 0);
    unlink(tiny);
}

/* Version 2 over the export: the NBD block source cannot resize (NBD has no
 * standard resize), so the disk answers STATUS_INVALID_DEVICE_REQUEST and
 * the safe size is the whole disk; with a storage directory the snapshots
 * work as over any block source, the data in the VHDX, the copies beside. */
static void version_2_over_an_nbd_export(void **state)
{
    fx *f = *state;
    rsvd_scsi_disk_set_destroy(f->set);
    assert_int_equal(rsvd_scsi_disk_destroy(f->disk), RSVD_OK);
    const char *dir = tu_path("v2");
    assert_int_equal(mkdir(dir, 0700), 0);
    rsvd_scsi_disk_config dcfg;
    memset(&dcfg, 0, sizeof dcfg);
    dcfg.struct_size = sizeof dcfg;
    dcfg.block = rsvd_nbd_block_source(f->nb);
    dcfg.storage_dir = dir;
    dcfg.storage_name = "d";
    assert_int_equal(rsvd_scsi_disk_create(&dcfg, &f->disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &f->set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(f->set, "disk.vhdx", f->disk), RSVD_OK);
    f->dev.ctx = f->set;
    const rsvd_scsi_disk_ops *o = f->dev.ops;
    void *h = it_open(&f->dev, 1);
    tu_capture c;
    rsvd_disk_meta_result out;
    rsvd_disk_resize_args ra = {.new_size = 2ull * DISK_MIB << 20};
    o->resize(f->set, h, &ra, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    uint64_t safe = 0;
    o->query_safe_size(f->set, h, &safe, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_SUCCESS);
    assert_true(safe == (uint64_t)DISK_MIB << 20);
    static uint8_t b[4096];
    memset(b, 0xA1, sizeof b);
    o->write(f->set, h, 0, b, sizeof b, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
    rsvd_disk_snapshot_args sa;
    memset(&sa, 0, sizeof sa);
    memset(sa.snapshot_id.b, 1, sizeof sa.snapshot_id.b);
    sa.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
    sa.stages[0] = RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE;
    sa.stages[1] = RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE;
    sa.stages[2] = RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE;
    o->create_snapshot(f->set, h, &sa, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_SUCCESS);
    memset(b, 0xB2, sizeof b);
    o->write(f->set, h, 0, b, sizeof b, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
    rsvd_backend_open_args oa;
    memset(&oa, 0, sizeof oa);
    oa.file_name = "disk.vhdx";
    rsvd_disk_snapshot_target t = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                   .snapshot_id = sa.snapshot_id};
    o->open_snapshot(f->set, &oa, &t, tu_capture_begin(&c));
    rsvd_io_result v = tu_capture_end(&c);
    assert_int_equal(v.status, RSVD_STATUS_SUCCESS);
    o->read(f->set, v.handle, 0, b, sizeof b, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
    for (size_t i = 0; i < sizeof b; i++)
        assert_int_equal(b[i], 0xA1); /* as it was */
    o->close(f->set, v.handle, false, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_SUCCESS);
    o->read(f->set, h, 0, b, sizeof b, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
    assert_int_equal(b[0], 0xB2);
    it_close(&f->dev, h);
}

int main(void)
{
    tu_tmpdir("nbd-vhdx");
    char path[256];
    it_need_program("qemu-nbd", path, sizeof path);
    it_need_program("qemu-img", qemu_img, sizeof qemu_img);
    it_need_program("qemu-io", qemu_io, sizeof qemu_io);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(data_written_through_the_disk_reads_back_with_qemu_io),
        T(a_transfer_larger_than_one_nbd_request_is_split),
        T(the_pr_scenario_holds_on_the_disk_over_a_vhdx),
        T(get_info_reports_the_vhdx_virtual_size),
        T(a_read_only_export_refuses_writes),
        T(a_lost_nbd_server_fails_io_and_validate),
        T(io_beyond_the_export_is_an_invalid_parameter),
        T(an_export_smaller_than_a_sector_is_refused),
        T(version_2_over_an_nbd_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* !TU_HAVE_NBD */

int main(void)
{
    tu_skip("librsvd was built without the nbd feature (-Dnbd=disabled, or libnbd was not "
            "found at configure time)");
}

#endif
