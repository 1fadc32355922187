/*
 * The virtual SCSI disk as an rsvd_scsi_disk_ops backend: creation, disk
 * sets and names, opens and initiators, get_info ([MS-RSVD] 3.2.5.5.4),
 * validate ([MS-RSVD] 3.2.5.5.6), QUERY_INFO/SET_INFO ([MS-RSVD] 3.2.5.8,
 * 3.2.5.9), and file-backed operation.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rsvd/file_store.h>
#include <rsvd/fscc.h>
#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>

#include "tu_scsi.h"

static rsvd_io_result open_name(tu_disk *t, const char *name, uint8_t initiator)
{
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = name;
    a.has_initiator = initiator != 0;
    a.initiator_id = tu_initiator(initiator);
    tu_capture cap;
    t->ops->open(t->set, &a, tu_capture_begin(&cap));
    return tu_capture_end(&cap);
}

static void create_checks_its_configuration(void **state)
{
    (void)state;
    rsvd_scsi_disk *d = NULL;
    rsvd_scsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_scsi_disk_config);
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_E_INVAL); /* no block source */
    tu_memblock mb;
    assert_int_equal(tu_memblock_init(&mb, 4096, 512, 512), 0);
    cfg.block = tu_memblock_source(&mb);
    mb.fail_info = RSVD_STATUS_IO_DEVICE_ERROR;
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_E_IO);
    mb.fail_info = 0;
    mb.lbs = 1000;
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_E_INVAL);
    mb.lbs = 4096;
    mb.pbs = 512; /* physical below logical */
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_E_INVAL);
    mb.lbs = 512;
    mb.size = 100; /* not even one block */
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_E_INVAL);
    mb.size = 4096;
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_destroy(d), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_destroy(NULL), RSVD_OK);
    tu_memblock_fini(&mb);
}

/* Names match as Windows compares them; a NULL name is the default disk. */
static void disk_set_resolves_names(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init_default(&t);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, "disk.vhdx", t.disk), RSVD_E_STATE);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, "\\DISK.VHDX", t.disk), RSVD_E_STATE);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, "\\", t.disk), RSVD_E_INVAL);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, "dir/other.vhdx", t.disk), RSVD_OK);
    const char *good[] = {"disk.vhdx", "\\disk.vhdx", "DISK.VHDX", "/Disk.Vhdx",
                          "dir\\other.vhdx", "DIR/OTHER.VHDX"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        rsvd_io_result r = open_name(&t, good[i], 1);
        if (r.status != RSVD_STATUS_SUCCESS)
            fail_msg("%s: 0x%08X", good[i], r.status);
        tu_close(&t, r.handle);
    }
    assert_int_equal(open_name(&t, "disk.vhd", 1).status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(open_name(&t, "disk.vhdxx", 1).status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(open_name(&t, "dir", 1).status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, NULL, t.disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, NULL, t.disk), RSVD_E_STATE);
    rsvd_io_result r = open_name(&t, "anything.vhdx", 1);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    tu_close(&t, r.handle);
    tu_disk_fini(&t);
}

static void destroy_with_open_handles_is_busy(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init_default(&t);
    void *h = tu_open(&t, 1);
    assert_int_equal(rsvd_scsi_disk_destroy(t.disk), RSVD_E_BUSY);
    tu_close(&t, h);
    tu_disk_fini(&t);
}

/* More initiators than the disk tracks: STATUS_INSUFFICIENT_RESOURCES; an
 * initiator that has nothing left (no open, no registration) makes room. */
static void initiators_beyond_the_bound_are_refused(void **state)
{
    (void)state;
    tu_disk t;
    memset(&t, 0, sizeof t);
    assert_int_equal(tu_memblock_init(&t.mb, 1 << 20, 512, 512), 0);
    rsvd_scsi_disk_config cfg = {.struct_size = sizeof(rsvd_scsi_disk_config),
                                 .block = tu_memblock_source(&t.mb),
                                 .max_registrants = 2,
                                 .max_initiators = 2};
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &t.disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &t.set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, NULL, t.disk), RSVD_OK);
    t.ops = rsvd_scsi_disk_backend_ops();
    void *a = tu_open(&t, 1);
    void *b = tu_open(&t, 2);
    void *a2 = tu_open(&t, 1); /* same initiator: no new slot */
    assert_int_equal(open_name(&t, "x", 3).status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    void *none = tu_open(&t, 0); /* no initiator: no slot */
    tu_close(&t, none);
    tu_assert_good(tu_prout(&t, b, RSVD_SCSI_PROUT_REGISTER, 0, 0, 0xB));
    tu_close(&t, b); /* B stays: it is registered */
    assert_int_equal(open_name(&t, "x", 3).status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    tu_close(&t, a);
    tu_close(&t, a2); /* A goes: nothing left of it */
    rsvd_io_result r = open_name(&t, "x", 3);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    tu_close(&t, r.handle);
    tu_disk_fini(&t);
}

static void get_info_describes_the_disk(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init(&t, 8192, 512, 4096, 0);
    void *h = tu_open(&t, 1);
    rsvd_disk_info info;
    memset(&info, 0xEE, sizeof info);
    tu_capture cap;
    t.ops->get_info(t.set, h, &info, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(info.sector_size, 512);
    assert_int_equal(info.physical_sector_size, 4096);
    assert_true(info.virtual_size == 8192ull * 512);
    assert_int_equal(info.disk_type, RSVD_VHD_TYPE_FIXED);
    assert_int_equal(info.block_size, 0);
    assert_true(rsvd_guid_is_zero(&info.linkage_id));
    assert_true(info.is_mounted);
    assert_true(info.is_4k_aligned);
    assert_true(info.file_size == 8192ull * 512);
    assert_true(rsvd_guid_equal(&info.virtual_disk_id, &tu_disk_id));
    t.mb.fail_info = RSVD_STATUS_IO_DEVICE_ERROR;
    t.ops->get_info(t.set, h, &info, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_IO_DEVICE_ERROR);
    tu_close(&t, h);
    tu_disk_fini(&t);
}

static void validate_reports_whether_the_block_source_answers(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init_default(&t);
    void *h = tu_open(&t, 1);
    tu_capture cap;
    t.ops->validate(t.set, h, tu_capture_begin(&cap));
    rsvd_io_result r = tu_capture_end(&cap);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_true(r.valid);
    t.mb.fail_info = RSVD_STATUS_NO_SUCH_DEVICE;
    t.ops->validate(t.set, h, tu_capture_begin(&cap));
    r = tu_capture_end(&cap);
    assert_int_equal(r.status, RSVD_STATUS_NO_SUCH_DEVICE);
    assert_false(r.valid);
    tu_close(&t, h);
    tu_disk_fini(&t);
}

static void query_and_set_info_on_a_disk_handle(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init_default(&t);
    void *h = tu_open(&t, 1);
    uint8_t out[64];
    tu_capture cap;
    t.ops->query_info(t.set, h, RSVD_FILE_END_OF_FILE_INFORMATION, out, 8, tu_capture_begin(&cap));
    rsvd_io_result r = tu_capture_end(&cap);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r.bytes, 8);
    assert_int_equal(out[0] | out[1] << 8 | out[2] << 16, 2048 * 512);
    t.ops->query_info(t.set, h, RSVD_FILE_STANDARD_INFORMATION, out, 24, tu_capture_begin(&cap));
    r = tu_capture_end(&cap);
    assert_int_equal(r.bytes, 24);
    assert_int_equal(out[16], 1); /* NumberOfLinks */
    t.ops->query_info(t.set, h, RSVD_FILE_NETWORK_OPEN_INFORMATION, out, 56,
                      tu_capture_begin(&cap));
    r = tu_capture_end(&cap);
    assert_int_equal(r.bytes, 56);
    assert_int_equal(out[40] | out[41] << 8 | out[42] << 16, 2048 * 512);
    t.ops->query_info(t.set, h, RSVD_FILE_NETWORK_OPEN_INFORMATION, out, 55,
                      tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_BUFFER_TOO_SMALL);
    t.ops->query_info(t.set, h, 4, out, sizeof out, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_NOT_SUPPORTED);

    t.ops->set_info(t.set, h, RSVD_FILE_RENAME_INFORMATION, out, sizeof out,
                    tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_NOT_SUPPORTED);
    t.ops->set_info(t.set, h, RSVD_FILE_LINK_INFORMATION, out, sizeof out,
                    tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_PARAMETER);
    t.ops->set_info(t.set, h, RSVD_FILE_END_OF_FILE_INFORMATION, out, 8, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_NOT_SUPPORTED);
    tu_close(&t, h);
    tu_disk_fini(&t);
}

/* The disk cannot delete its block source: the handle is closed anyway. */
static void close_with_delete_releases_the_handle_and_says_not_supported(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init_default(&t);
    void *h = tu_open(&t, 1);
    tu_capture cap;
    t.ops->close(t.set, h, true, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_NOT_SUPPORTED);
    tu_disk_fini(&t); /* would be RSVD_E_BUSY if the handle were still open */
}

static void calls_on_a_closed_or_foreign_handle_fail_invalid_handle(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init_default(&t);
    uint64_t not_a_handle[4] = {42, 0, 0, 0};
    uint8_t buf[512];
    tu_capture cap;
    t.ops->read(t.set, not_a_handle, 0, buf, sizeof buf, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    t.ops->execute(t.set, NULL, NULL, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    t.ops->close(t.set, NULL, false, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    tu_disk_fini(&t);
}

/* The disk over the file block source: data written through SCSI is in the
 * file, and the file's size is the disk's capacity. */
static void disk_over_a_file_block_source(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/rsvd-disk-XXXXXX", TU_SCRATCH_DIR);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    rsvd_file_block_config fcfg = {
        .struct_size = sizeof(rsvd_file_block_config),
         .path = path, .create_size = 1u << 20};
    rsvd_file_block *fb;
    rsvd_backend_diag diag;
    assert_int_equal(rsvd_file_block_open(&fcfg, &fb, &diag), RSVD_OK);
    tu_disk t;
    memset(&t, 0, sizeof t);
    rsvd_scsi_disk_config cfg = {.struct_size = sizeof(rsvd_scsi_disk_config),
                                 .block = rsvd_file_block_source(fb),
                                 .disk_id = tu_disk_id};
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &t.disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &t.set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, "disk.vhdx", t.disk), RSVD_OK);
    t.ops = rsvd_scsi_disk_backend_ops();
    void *h = tu_open(&t, 1);
    uint8_t cdb[16], d[32];
    int n = rsvd_scsi_cdb_read_capacity16(cdb, sizeof cdb, 32);
    tu_assert_good(tu_exec(&t, h, cdb, n, NULL, 0, d, sizeof d));
    rsvd_scsi_capacity cap;
    assert_int_equal(rsvd_scsi_read_capacity16_decode(d, 32, &cap), RSVD_OK);
    assert_true(cap.last_lba == 2047);
    uint8_t out[1024], in[1024];
    memset(out, 0xA7, sizeof out);
    tu_assert_good(tu_write16(&t, h, 2046, 2, out, sizeof out));
    n = rsvd_scsi_cdb_synchronize_cache10(cdb, sizeof cdb, 0, 0, false);
    tu_assert_good(tu_exec0(&t, h, cdb, n));
    tu_assert_good(tu_smb_read(&t, h, 2046 * 512, in, sizeof in));
    assert_memory_equal(in, out, sizeof in);
    tu_close(&t, h);
    rsvd_scsi_disk_set_destroy(t.set);
    assert_int_equal(rsvd_scsi_disk_destroy(t.disk), RSVD_OK);
    rsvd_file_block_close(fb);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 2046 * 512, SEEK_SET), 0);
    assert_int_equal(fgetc(f), 0xA7);
    fclose(f);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_checks_its_configuration),
        cmocka_unit_test(disk_set_resolves_names),
        cmocka_unit_test(destroy_with_open_handles_is_busy),
        cmocka_unit_test(initiators_beyond_the_bound_are_refused),
        cmocka_unit_test(get_info_describes_the_disk),
        cmocka_unit_test(validate_reports_whether_the_block_source_answers),
        cmocka_unit_test(query_and_set_info_on_a_disk_handle),
        cmocka_unit_test(close_with_delete_releases_the_handle_and_says_not_supported),
        cmocka_unit_test(calls_on_a_closed_or_foreign_handle_fail_invalid_handle),
        cmocka_unit_test(disk_over_a_file_block_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
