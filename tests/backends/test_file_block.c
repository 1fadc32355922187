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

#include <rsvd/block.h>
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
    rsvd_file_block_config cfg = {.struct_size = sizeof(rsvd_file_block_config),
                                  .path = path,
                                  .create_size = 1u << 20,
                                  .logical_sector_size = 512,
                                  .physical_sector_size = 4096};
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
    rsvd_file_block_config cfg = {
        .struct_size = sizeof(rsvd_file_block_config),
         .path = path, .logical_sector_size = 4096};
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
    rsvd_file_block_config cfg = {.struct_size = sizeof(rsvd_file_block_config),.path = path};
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
    rsvd_file_block_config cfg = {.struct_size = sizeof(rsvd_file_block_config),
                                  .path = path,
                                  .create_size = 4096,
                                  .logical_sector_size = 1000};
    assert_int_equal(rsvd_file_block_open(&cfg, &fb, NULL), RSVD_E_INVAL);
    cfg.logical_sector_size = 4096;
    cfg.physical_sector_size = 512; /* smaller than logical */
    assert_int_equal(rsvd_file_block_open(&cfg, &fb, NULL), RSVD_E_INVAL);
    cfg.physical_sector_size = 0;
    cfg.direct_io = (rsvd_direct_io_policy)7;
    assert_int_equal(rsvd_file_block_open(&cfg, &fb, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_file_block_open(NULL, &fb, NULL), RSVD_E_INVAL);
    cfg.direct_io = RSVD_DIRECT_IO_PREFER;
    cfg.bounce_size = (1u << 30) + 4096u;
    assert_int_equal(rsvd_file_block_open(&cfg, &fb, NULL), RSVD_E_INVAL);
    cfg.bounce_size = 0;
    rsvd_backend_diag d;
    assert_int_equal(rsvd_file_block_open(&cfg, NULL, &d), RSVD_E_INVAL);
    assert_int_equal(d.status, RSVD_STATUS_INVALID_PARAMETER);
}

static void data_written_reads_back_through_aligned_and_odd_buffers(void **state)
{
    (void)state;
    rsvd_file_block_config cfg = {.struct_size = sizeof(rsvd_file_block_config),
                                  .path = path,
                                  .create_size = 1u << 20,
                                  .bounce_size = 4096};
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
    rsvd_file_block_config cfg = {.struct_size = sizeof(rsvd_file_block_config),
                                  .path = path,
                                  .create_size = 65536,
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

/* A FIFO opens with O_RDWR without blocking; it is still no disk. */
static void fifo_is_refused_as_not_a_regular_file(void **state)
{
    (void)state;
    assert_int_equal(mkfifo(path, 0600), 0);
    rsvd_file_block_config cfg = {.struct_size = sizeof(rsvd_file_block_config),
                                  .path = path,
                                  .direct_io = RSVD_DIRECT_IO_NEVER};
    rsvd_file_block *fb = NULL;
    rsvd_backend_diag d;
    assert_int_equal(rsvd_file_block_open(&cfg, &fb, &d), RSVD_E_IO);
    assert_null(fb);
    assert_int_equal(d.status, RSVD_STATUS_ACCESS_DENIED);
    assert_non_null(strstr(d.reason, "not a regular file"));
}

/* A size no off_t can hold cannot be given to a new file. */
static void create_size_beyond_off_t_is_disk_full(void **state)
{
    (void)state;
    rsvd_file_block_config cfg = {.struct_size = sizeof(rsvd_file_block_config),
                                  .path = path,
                                  .create_size = UINT64_MAX,
                                  .direct_io = RSVD_DIRECT_IO_NEVER};
    rsvd_file_block *fb = NULL;
    rsvd_backend_diag d;
    assert_int_equal(rsvd_file_block_open(&cfg, &fb, &d), RSVD_E_IO);
    assert_null(fb);
    assert_int_equal(d.status, RSVD_STATUS_DISK_FULL);
    assert_int_equal(d.sys_errno, EFBIG);
    assert_non_null(strstr(d.reason, "cannot size"));
}

/* The file shrank under the block source: a read of the missing bytes
 * fails STATUS_END_OF_FILE. */
static void read_of_bytes_the_file_lost_is_end_of_file(void **state)
{
    (void)state;
    rsvd_file_block_config cfg = {.struct_size = sizeof(rsvd_file_block_config),
                                  .path = path,
                                  .create_size = 8192,
                                  .direct_io = RSVD_DIRECT_IO_NEVER};
    rsvd_file_block *fb = open_ok(&cfg);
    assert_int_equal(truncate(path, 4096), 0);
    rsvd_block_source src = rsvd_file_block_source(fb);
    uint8_t buf[8192];
    assert_int_equal(src.ops->read(src.ctx, 0, buf, 4096), RSVD_STATUS_SUCCESS);
    assert_int_equal(src.ops->read(src.ctx, 0, buf, sizeof buf), RSVD_STATUS_END_OF_FILE);
    rsvd_file_block_close(fb);
    rsvd_file_block_close(NULL); /* a no-op */
}

static int fake_statx_errno;

static int fake_statx(int dirfd, const char *p, int flags, unsigned mask, struct statx *out)
{
    if (fake_statx_errno) {
        errno = fake_statx_errno;
        return -1;
    }
    return rsvd_posix_sys_default()->statx(dirfd, p, flags, mask, out);
}

/* statx failing at open or later: the open fails saying it could not
 * stat the file; info reports the failure's NTSTATUS. */
static void failed_stat_fails_the_open_and_info(void **state)
{
    (void)state;
    rsvd_posix_sys sys = *rsvd_posix_sys_default();
    sys.statx = fake_statx;
    rsvd_file_block_config cfg = {.struct_size = sizeof(rsvd_file_block_config),
                                  .path = path,
                                  .create_size = 8192,
                                  .direct_io = RSVD_DIRECT_IO_NEVER};
    rsvd_file_block *fb = NULL;
    rsvd_backend_diag d;
    fake_statx_errno = EIO;
    assert_int_equal(rsvd_file_block_open_sys(&cfg, &sys, &fb, &d), RSVD_E_IO);
    assert_null(fb);
    assert_int_equal(d.status, RSVD_STATUS_IO_DEVICE_ERROR);
    assert_non_null(strstr(d.reason, "cannot stat"));
    fake_statx_errno = 0;
    assert_int_equal(rsvd_file_block_open_sys(&cfg, &sys, &fb, &d), RSVD_OK);
    rsvd_block_source src = rsvd_file_block_source(fb);
    rsvd_block_info info;
    fake_statx_errno = EACCES;
    assert_int_equal(src.ops->info(src.ctx, &info), RSVD_STATUS_ACCESS_DENIED);
    fake_statx_errno = 0;
    assert_int_equal(src.ops->info(src.ctx, &info), RSVD_STATUS_SUCCESS);
    assert_true(info.size == 8192);
    rsvd_file_block_close(fb);
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
        T(fifo_is_refused_as_not_a_regular_file),
        T(create_size_beyond_off_t_is_disk_full),
        T(read_of_bytes_the_file_lost_is_end_of_file),
        T(failed_stat_fails_the_open_and_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
