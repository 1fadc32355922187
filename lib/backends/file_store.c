/*
 * The POSIX file object store (rsvd/file_store.h): rsvd_object_store_ops over
 * the regular files of one root directory. Every call completes before it
 * returns.
 */
#include "backends/posix_file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <unistd.h>

#include <rsvd/file_store.h>
#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>

#include "util/mem.h"
#include "util/versioned.h"
#include "wire/fscc_info.h"

#define FS_HANDLE_MAGIC 0x52534653u /* "RSFS" */
#define FS_PATH_MAX 4096u

struct rsvd_file_store {
    const rsvd_mem *mem;
    const rsvd_posix_sys *sys;
    int root_fd;
    rsvd_direct_io_policy policy;
    uint32_t sector_size;
    uint32_t bounce_size;
    size_t open_handles;
    rsvd_backend_diag last_error;
};

typedef struct fs_handle {
    uint32_t magic;
    rsvd_file_store *fs;
    rsvd_pfile file;
    /* The open asked for FILE_NO_INTERMEDIATE_BUFFERING. */
    bool unbuffered;
    /* Identity of the open file, to unlink only that file at close. */
    uint64_t dev_major, dev_minor, ino;
    /* The resolved relative path ('/' separators), allocated at open. */
    char *path;
} fs_handle;

/* ------------------------------------------------------------------------ */
/* Store                                                                     */
/* ------------------------------------------------------------------------ */

static bool pow2_between(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi && !(v & (v - 1));
}

int rsvd_file_store_create(const rsvd_file_store_config *config, rsvd_file_store **out)
{
    if (!out)
        return RSVD_E_INVAL;
    *out = NULL;
    rsvd_file_store_config c;
    int rc = rsvd_struct_import(&c, sizeof c, config, RSVD_V0_FILE_STORE_CONFIG);
    if (rc != RSVD_OK)
        return rc;
    const rsvd_file_store_config *cfg = &c;
    if (!cfg->root)
        return RSVD_E_INVAL;
    uint32_t sector = cfg->sector_size ? cfg->sector_size : 512u;
    if (!pow2_between(sector, 512u, 65536u))
        return RSVD_E_INVAL;
    if (cfg->direct_io != RSVD_DIRECT_IO_PREFER && cfg->direct_io != RSVD_DIRECT_IO_REQUIRE &&
        cfg->direct_io != RSVD_DIRECT_IO_NEVER)
        return RSVD_E_INVAL;
    uint32_t bounce = cfg->bounce_size ? cfg->bounce_size : 65536u;
    if (bounce > (1u << 30))
        return RSVD_E_INVAL;
    bounce = (bounce + sector - 1) & ~(sector - 1);

    const rsvd_mem *mem = rsvd_mem_resolve(cfg->mem);
    if (!mem)
        return RSVD_E_INVAL;
    rsvd_file_store *fs = rsvd_mem_calloc(mem, 1, sizeof *fs);
    if (!fs)
        return RSVD_E_NOMEM;
    fs->mem = mem;
    fs->sys = rsvd_posix_sys_default();
    fs->policy = cfg->direct_io;
    fs->sector_size = sector;
    fs->bounce_size = bounce;
    fs->root_fd = open(cfg->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fs->root_fd < 0) {
        rsvd_mem_free(mem, fs);
        return RSVD_E_IO;
    }
    *out = fs;
    return RSVD_OK;
}

int rsvd_file_store_destroy(rsvd_file_store *fs)
{
    if (!fs)
        return RSVD_OK;
    if (fs->open_handles)
        return RSVD_E_BUSY;
    close(fs->root_fd);
    rsvd_mem_free(fs->mem, fs);
    return RSVD_OK;
}

void rsvd_file_store_set_sys(rsvd_file_store *fs, const rsvd_posix_sys *sys)
{
    fs->sys = sys ? sys : rsvd_posix_sys_default();
}

const rsvd_backend_diag *rsvd_file_store_last_error(const rsvd_file_store *fs)
{
    return &fs->last_error;
}

static fs_handle *fs_handle_get(void *handle)
{
    fs_handle *h = handle;
    return (h && h->magic == FS_HANDLE_MAGIC) ? h : NULL;
}

rsvd_io_mode rsvd_file_store_io_mode(const rsvd_file_store *fs, const void *handle,
                                     const char **why)
{
    (void)fs;
    const fs_handle *h = handle;
    if (why)
        *why = (h && h->magic == FS_HANDLE_MAGIC) ? h->file.why : "";
    return (h && h->magic == FS_HANDLE_MAGIC) ? h->file.mode : RSVD_IO_BUFFERED;
}

/* ------------------------------------------------------------------------ */
/* Operations                                                                */
/* ------------------------------------------------------------------------ */

static void fs_done(rsvd_completion c, uint32_t status, uint32_t bytes, void *handle)
{
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.bytes = bytes;
    r.handle = handle;
    rsvd_complete(c, &r);
}

/* [MS-RSVD] 3.2.5.1: open the file with read and write access. */
static void fs_open(void *ctx, const rsvd_backend_open_args *args, rsvd_completion c)
{
    rsvd_file_store *fs = ctx;
    memset(&fs->last_error, 0, sizeof fs->last_error);
    char path[FS_PATH_MAX];
    uint32_t st = args ? rsvd_posix_resolve_name(args->file_name, path, sizeof path)
                       : RSVD_STATUS_OBJECT_NAME_INVALID;
    if (!args || st != RSVD_STATUS_SUCCESS) {
        rsvd_diag_set(&fs->last_error, st, 0, "invalid file name");
        fs_done(c, st, 0, NULL);
        return;
    }
    size_t plen = strlen(path);
    fs_handle *h = rsvd_mem_calloc(fs->mem, 1, sizeof *h);
    char *pcopy = rsvd_mem_alloc(fs->mem, plen + 1);
    if (!h || !pcopy) {
        rsvd_mem_free(fs->mem, h);
        rsvd_mem_free(fs->mem, pcopy);
        rsvd_diag_set(&fs->last_error, RSVD_STATUS_INSUFFICIENT_RESOURCES, ENOMEM, "no memory");
        fs_done(c, RSVD_STATUS_INSUFFICIENT_RESOURCES, 0, NULL);
        return;
    }
    memcpy(pcopy, path, plen + 1);
    h->magic = FS_HANDLE_MAGIC;
    h->fs = fs;
    h->path = pcopy;
    h->unbuffered = (args->create_options & RSVD_FILE_NO_INTERMEDIATE_BUFFERING) != 0;

    rsvd_pfile_args pa = {
        .dirfd = fs->root_fd,
        .path = path,
        .flags = O_RDWR,
        .want_direct = h->unbuffered,
        .policy = fs->policy,
        .sector_size = fs->sector_size,
        .bounce_size = fs->bounce_size,
        .mem = fs->mem,
    };
    st = rsvd_pfile_open(&h->file, fs->sys, &pa, &fs->last_error);
    struct statx sx;
    if (st == RSVD_STATUS_SUCCESS) {
        st = rsvd_pfile_stat(&h->file, &sx);
        if (st == RSVD_STATUS_SUCCESS && !S_ISREG(sx.stx_mode)) {
            st = RSVD_STATUS_ACCESS_DENIED; /* directories, devices, FIFOs */
            rsvd_diag_set(&fs->last_error, st, 0, "%s is not a regular file", path);
        }
        if (st != RSVD_STATUS_SUCCESS)
            rsvd_pfile_close(&h->file);
    }
    if (st != RSVD_STATUS_SUCCESS) {
        rsvd_mem_free(fs->mem, pcopy);
        h->magic = 0;
        rsvd_mem_free(fs->mem, h);
        fs_done(c, st, 0, NULL);
        return;
    }
    h->dev_major = sx.stx_dev_major;
    h->dev_minor = sx.stx_dev_minor;
    h->ino = sx.stx_ino;
    fs->open_handles++;
    fs_done(c, RSVD_STATUS_SUCCESS, 0, h);
}

/* Unlinks h's name only if it still names the file that was open (it may
 * have been renamed or replaced since). */
static uint32_t fs_unlink_if_same(rsvd_file_store *fs, const fs_handle *h)
{
    struct statx sx;
    memset(&sx, 0, sizeof sx);
    if (fs->sys->statx(fs->root_fd, h->path, AT_SYMLINK_NOFOLLOW, STATX_INO, &sx) != 0)
        return rsvd_status_from_errno(errno);
    if (sx.stx_ino != h->ino || sx.stx_dev_major != h->dev_major ||
        sx.stx_dev_minor != h->dev_minor)
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    if (fs->sys->unlinkat(fs->root_fd, h->path, 0) != 0)
        return rsvd_status_from_errno(errno);
    return RSVD_STATUS_SUCCESS;
}

static void fs_close(void *ctx, void *handle, bool delete_file, rsvd_completion c)
{
    rsvd_file_store *fs = ctx;
    fs_handle *h = fs_handle_get(handle);
    if (!h) {
        fs_done(c, RSVD_STATUS_INVALID_HANDLE, 0, NULL);
        return;
    }
    uint32_t st = rsvd_pfile_close(&h->file);
    if (delete_file) {
        uint32_t ust = fs_unlink_if_same(fs, h);
        if (ust != RSVD_STATUS_SUCCESS)
            st = ust;
    }
    rsvd_mem_free(fs->mem, h->path);
    h->magic = 0;
    rsvd_mem_free(fs->mem, h);
    fs->open_handles--;
    fs_done(c, st, 0, NULL);
}

/* [MS-FSA] 2.1.5.3/2.1.5.4: unbuffered I/O is whole sectors. */
static bool fs_aligned(const fs_handle *h, uint64_t offset, uint32_t len)
{
    uint32_t s = h->fs->sector_size;
    return !h->unbuffered || ((offset % s) == 0 && (len % s) == 0);
}

static void fs_read(void *ctx, void *handle, uint64_t offset, uint8_t *buf, uint32_t len,
                    rsvd_completion c)
{
    (void)ctx;
    fs_handle *h = fs_handle_get(handle);
    if (!h) {
        fs_done(c, RSVD_STATUS_INVALID_HANDLE, 0, NULL);
        return;
    }
    if (!fs_aligned(h, offset, len)) {
        fs_done(c, RSVD_STATUS_INVALID_PARAMETER, 0, NULL);
        return;
    }
    if (len == 0) {
        fs_done(c, RSVD_STATUS_SUCCESS, 0, NULL);
        return;
    }
    size_t done = 0;
    uint32_t st = rsvd_pfile_read(&h->file, offset, buf, len, &done);
    if (st == RSVD_STATUS_SUCCESS && done == 0)
        st = RSVD_STATUS_END_OF_FILE; /* at or past end of file */
    fs_done(c, st, st == RSVD_STATUS_SUCCESS ? (uint32_t)done : 0, NULL);
}

static void fs_write(void *ctx, void *handle, uint64_t offset, const uint8_t *data, uint32_t len,
                     rsvd_completion c)
{
    (void)ctx;
    fs_handle *h = fs_handle_get(handle);
    if (!h) {
        fs_done(c, RSVD_STATUS_INVALID_HANDLE, 0, NULL);
        return;
    }
    if (!fs_aligned(h, offset, len)) {
        fs_done(c, RSVD_STATUS_INVALID_PARAMETER, 0, NULL);
        return;
    }
    size_t done = 0;
    uint32_t st = len ? rsvd_pfile_write(&h->file, offset, data, len, &done) : 0;
    fs_done(c, st, (uint32_t)done, NULL);
}

static void fs_flush(void *ctx, void *handle, rsvd_completion c)
{
    (void)ctx;
    fs_handle *h = fs_handle_get(handle);
    fs_done(c, h ? rsvd_pfile_flush(&h->file) : RSVD_STATUS_INVALID_HANDLE, 0, NULL);
}

/* FILETIME: 100-ns intervals since 1601-01-01 ([MS-DTYP] 2.3.3). */
static uint64_t filetime(const struct statx_timestamp *t)
{
    const int64_t epoch_delta = 11644473600LL; /* seconds from 1601 to 1970 */
    if (t->tv_sec < -epoch_delta)
        return 0;
    return (uint64_t)(t->tv_sec + epoch_delta) * 10000000u + t->tv_nsec / 100u;
}

/* [MS-RSVD] 3.2.5.8 on an object-store open: the file's own information. */
static void fs_query_info(void *ctx, void *handle, uint32_t info_class, uint8_t *out,
                          uint32_t cap, rsvd_completion c)
{
    (void)ctx;
    fs_handle *h = fs_handle_get(handle);
    if (!h) {
        fs_done(c, RSVD_STATUS_INVALID_HANDLE, 0, NULL);
        return;
    }
    size_t need = rsvd_fscc_file_info_size(info_class);
    if (need == 0) {
        fs_done(c, RSVD_STATUS_NOT_SUPPORTED, 0, NULL);
        return;
    }
    if (cap < need || !out) {
        fs_done(c, RSVD_STATUS_BUFFER_TOO_SMALL, 0, NULL); /* as [MS-RSVD] 3.2.5.8 */
        return;
    }
    struct statx sx;
    uint32_t st = rsvd_pfile_stat(&h->file, &sx);
    if (st != RSVD_STATUS_SUCCESS) {
        fs_done(c, st, 0, NULL);
        return;
    }
    rsvd_fscc_file_info fi;
    memset(&fi, 0, sizeof fi);
    fi.creation_time = (sx.stx_mask & STATX_BTIME) ? filetime(&sx.stx_btime)
                                                    : filetime(&sx.stx_mtime);
    fi.last_access_time = filetime(&sx.stx_atime);
    fi.last_write_time = filetime(&sx.stx_mtime);
    fi.change_time = filetime(&sx.stx_ctime);
    fi.allocation_size = sx.stx_blocks * 512u;
    fi.end_of_file = sx.stx_size;
    fi.number_of_links = sx.stx_nlink;
    fi.delete_pending = 0; /* the server keeps PendingDelete */
    fi.directory = 0;      /* regular files only */
    fi.file_attributes = FSCC_FILE_ATTRIBUTE_ARCHIVE;
    size_t n = 0;
    st = rsvd_fscc_file_info_encode(info_class, &fi, out, cap, &n) == RSVD_OK
             ? RSVD_STATUS_SUCCESS
             : RSVD_STATUS_BUFFER_TOO_SMALL;
    fs_done(c, st, (uint32_t)n, NULL);
}

static void fs_set_info(void *ctx, void *handle, uint32_t info_class, const uint8_t *in,
                        uint32_t len, rsvd_completion c)
{
    (void)ctx;
    fs_handle *h = fs_handle_get(handle);
    if (!h) {
        fs_done(c, RSVD_STATUS_INVALID_HANDLE, 0, NULL);
        return;
    }
    switch (info_class) {
    case RSVD_FILE_RENAME_INFORMATION: /* the server's rule ([MS-RSVD] 3.2.5.9), kept here too */
        fs_done(c, RSVD_STATUS_NOT_SUPPORTED, 0, NULL);
        return;
    case RSVD_FILE_LINK_INFORMATION:
        fs_done(c, RSVD_STATUS_INVALID_PARAMETER, 0, NULL);
        return;
    case RSVD_FILE_END_OF_FILE_INFORMATION: {
        /* Shorter than the class, or a negative EndOfFile. */
        rsvd_fscc_file_info fi;
        if (rsvd_fscc_file_info_decode(info_class, in, len, &fi) != RSVD_OK) {
            fs_done(c, RSVD_STATUS_INVALID_PARAMETER, 0, NULL);
            return;
        }
        uint32_t st = RSVD_STATUS_SUCCESS;
        if (h->file.sys->ftruncate(h->file.fd, (off_t)fi.end_of_file) != 0)
            st = rsvd_status_from_errno(errno);
        fs_done(c, st, 0, NULL);
        return;
    }
    default:
        fs_done(c, RSVD_STATUS_NOT_SUPPORTED, 0, NULL);
        return;
    }
}

/* [MS-FSCC] 2.3 FSCTL_SET_ZERO_DATA: FILE_ZERO_DATA_INFORMATION. */
static uint32_t fs_zero_data(fs_handle *h, const uint8_t *in, uint32_t in_len)
{
    rsvd_rd r;
    rsvd_rd_init(&r, in, in_len);
    uint64_t off = rsvd_rd_u64(&r); /* 0: FileOffset */
    uint64_t end = rsvd_rd_u64(&r); /* 8: BeyondFinalZero */
    if (!rsvd_rd_ok(&r) || off > (uint64_t)INT64_MAX || end > (uint64_t)INT64_MAX || end < off)
        return RSVD_STATUS_INVALID_PARAMETER;
    if (end == off)
        return RSVD_STATUS_SUCCESS;
    const rsvd_posix_sys *sys = h->file.sys;
    if (sys->fallocate(h->file.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
                       (off_t)(end - off)) == 0)
        return RSVD_STATUS_SUCCESS;
    if (errno != EOPNOTSUPP)
        return rsvd_status_from_errno(errno);
    if (sys->fallocate(h->file.fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, (off_t)off,
                       (off_t)(end - off)) == 0)
        return RSVD_STATUS_SUCCESS;
    return rsvd_status_from_errno(errno);
}

static void fs_fsctl(void *ctx, void *handle, uint32_t ctl_code, const uint8_t *in,
                     uint32_t in_len, uint8_t *out, uint32_t out_cap, rsvd_completion c)
{
    (void)ctx;
    (void)out;
    (void)out_cap;
    fs_handle *h = fs_handle_get(handle);
    if (!h) {
        fs_done(c, RSVD_STATUS_INVALID_HANDLE, 0, NULL);
        return;
    }
    switch (ctl_code) {
    case RSVD_FSCTL_SET_ZERO_DATA:
        fs_done(c, fs_zero_data(h, in, in_len), 0, NULL);
        return;
    case RSVD_FSCTL_SET_SPARSE:
        fs_done(c, RSVD_STATUS_SUCCESS, 0, NULL);
        return;
    default:
        fs_done(c, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0, NULL);
        return;
    }
}

static const rsvd_object_store_ops file_store_ops = {
    .struct_size = sizeof(rsvd_object_store_ops),
    .open = fs_open,
    .close = fs_close,
    .read = fs_read,
    .write = fs_write,
    .flush = fs_flush,
    .query_info = fs_query_info,
    .set_info = fs_set_info,
    .fsctl = fs_fsctl,
};

const rsvd_object_store_ops *rsvd_file_store_ops(void)
{
    return &file_store_ops;
}
