/*
 * The file block source (rsvd/block.h, rsvd/file_store.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rsvd/file_store.h>
#include <rsvd/status.h>

#include "backends/posix_file.h"
#include "testutil.h"

static char path[512];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "%s/rsvd-block-XXXXXX", TU_SCRATCH_DIR);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path); /* tests decide whether it exists */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static rsvd_file_block *open_ok(rsvd_file_block_config *cfg)
{
    rsvd_file_block *fb = NULL;
    rsvd_backend_diag d;
    int rc = rsvd_file_block_open(cfg, &fb, &d);
    if (rc != RSVD_OK)
        fail_msg("open: %d 0x%08X %s", rc, d.status, d.reason);
    return fb;
}

static void created_file_has_the_configured_size_and_geometry(void **state)
{
    (void)state;
    rsvd_file_block_config cfg = {.path = path, .create_size = 1u << 20,
                                  .logical_sector_size = 512, .physical_sector_size = 4096};
    rsvd_file_block *fb = open_ok(&cfg);
    rsvd_block_source src = rsvd_file_block_source(fb);
    rsvd_block_info info;
    assert_int_equal(src.ops->info(src.ctx, &info), RSVD_STATUS_SUCCESS);
    assert_true(info.size == (1u << 20));
    assert_true(info.file_size == (1u << 20));
    assert_int_equal(info.logical_sector_size, 512);
    assert_int_equal(info.physical_sector_size, 4096);
    rsvd_file_block_close(fb);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 1 << 20);
}

static void size_is_rounded_down_to_whole_sectors(void **state)
{
    (void)state;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 4096 + 100; i++)
        fputc(0, f);
    fclose(f);
    rsvd_file_block_config cfg = {.path = path, .logical_sector_size = 4096};
    rsvd_file_block *fb = open_ok(&cfg);
    rsvd_block_source src = rsvd_file_block_source(fb);
    rsvd_block_info info;
    assert_int_equal(src.ops->info(src.ctx, &info), RSVD_STATUS_SUCCESS);
    assert_true(info.size == 4096);
    assert_true(info.file_size == 4196);
    assert_int_equal(info.physical_sector_size, 4096);
    rsvd_file_block_close(fb);
}

static void missing_file_without_create_size_fails(void **state)
{
    (void)state;
    rsvd_file_block_config cfg = {.path = path};
    rsvd_file_block *fb = NULL;
    rsvd_backend_diag d;
    assert_int_equal(rsvd_file_block_open(&cfg, &fb, &d), RSVD_E_IO);
    assert_null(fb);
    assert_int_equal(d.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(d.sys_errno, ENOENT);
}

static void invalid_configuration_is_refused(void **state)
{
    (void)state;
    rsvd_file_block *fb = NULL;
    rsvd_file_block_config cfg = {.path = path, .create_size = 4096, .logical_sector_size = 1000};
    assert_int_equal(rsvd_file_block_open(&cfg, &fb, NULL), RSVD_E_INVAL);
    cfg.logical_sector_size = 4096;
    cfg.physical_sector_size = 512; /* smaller than logical */
    assert_int_equal(rsvd_file_block_open(&cfg, &fb, NULL), RSVD_E_INVAL);
    cfg.physical_sector_size = 0;
    cfg.direct_io = (rsvd_direct_io_policy)7;
    assert_int_equal(rsvd_file_block_open(&cfg, &fb, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_file_block_open(NULL, &fb, NULL), RSVD_E_INVAL);
}

static void data_written_reads_back_through_aligned_and_odd_buffers(void **state)
{
    (void)state;
    rsvd_file_block_config cfg = {.path = path, .create_size = 1u << 20, .bounce_size = 4096};
    rsvd_file_block *fb = open_ok(&cfg);
    const char *why = NULL;
    rsvd_io_mode mode = rsvd_file_block_io_mode(fb, &why);
    if (mode != RSVD_IO_DIRECT)
        printf("note: %s runs %s: %s\n", TU_SCRATCH_DIR, rsvd_io_mode_name(mode), why);
    rsvd_block_source src = rsvd_file_block_source(fb);
    uint8_t *raw = malloc(3 * 8192 + 1);
    assert_non_null(raw);
    uint8_t *odd = raw + 1;
    for (size_t i = 0; i < 3 * 8192; i++)
        odd[i] = (uint8_t)(i * 13);
    assert_int_equal(src.ops->write(src.ctx, 8192, odd, 3 * 8192), RSVD_STATUS_SUCCESS);
    assert_int_equal(src.ops->flush(src.ctx), RSVD_STATUS_SUCCESS);
    uint8_t *al = aligned_alloc(4096, 3 * 8192);
    assert_non_null(al);
    assert_int_equal(src.ops->read(src.ctx, 8192, al, 3 * 8192), RSVD_STATUS_SUCCESS);
    assert_memory_equal(al, odd, 3 * 8192);
    rsvd_block_info info;
    assert_int_equal(src.ops->info(src.ctx, &info), RSVD_STATUS_SUCCESS);
    assert_true(info.write_cache); /* direct or buffered: flush makes it durable */
    free(al);
    free(raw);
    rsvd_file_block_close(fb);
}

static int fake_direct_einval;

static int fake_open(const char *p, int flags, mode_t mode)
{
    if (fake_direct_einval && (flags & O_DIRECT)) {
        errno = EINVAL;
        return -1;
    }
    return open(p, flags, mode);
}

static void direct_io_refused_follows_the_policy(void **state)
{
    (void)state;
    rsvd_posix_sys sys = *rsvd_posix_sys_default();
    sys.open = fake_open;
    fake_direct_einval = 1;
    rsvd_file_block_config cfg = {.path = path, .create_size = 65536,
                                  .direct_io = RSVD_DIRECT_IO_REQUIRE};
    rsvd_file_block *fb = NULL;
    rsvd_backend_diag d;
    assert_int_equal(rsvd_file_block_open_sys(&cfg, &sys, &fb, &d), RSVD_E_IO);
    assert_null(fb);
    assert_int_equal(d.status, RSVD_STATUS_NOT_SUPPORTED);
    assert_non_null(strstr(d.reason, "O_DIRECT"));

    cfg.direct_io = RSVD_DIRECT_IO_PREFER;
    assert_int_equal(rsvd_file_block_open_sys(&cfg, &sys, &fb, &d), RSVD_OK);
    const char *why = NULL;
    assert_int_equal(rsvd_file_block_io_mode(fb, &why), RSVD_IO_WRITE_THROUGH);
    assert_non_null(strstr(why, "O_DIRECT"));
    rsvd_block_source src = rsvd_file_block_source(fb);
    rsvd_block_info info;
    assert_int_equal(src.ops->info(src.ctx, &info), RSVD_STATUS_SUCCESS);
    assert_false(info.write_cache); /* O_DSYNC: every write is durable */
    rsvd_file_block_close(fb);

    cfg.direct_io = RSVD_DIRECT_IO_NEVER;
    assert_int_equal(rsvd_file_block_open_sys(&cfg, &sys, &fb, &d), RSVD_OK);
    assert_int_equal(rsvd_file_block_io_mode(fb, NULL), RSVD_IO_BUFFERED);
    rsvd_file_block_close(fb);
    fake_direct_einval = 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(created_file_has_the_configured_size_and_geometry),
        T(size_is_rounded_down_to_whole_sectors),
        T(missing_file_without_create_size_fails),
        T(invalid_configuration_is_refused),
        T(data_written_reads_back_through_aligned_and_odd_buffers),
        T(direct_io_refused_follows_the_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
