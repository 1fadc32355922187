/*
 * The file block source (rsvd/file_store.h): an rsvd_block_source over one
 * file, synchronous, allocation-free after open.
 */
#include "backends/posix_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <rsvd/block.h>
#include <rsvd/file_store.h>
#include <rsvd/status.h>

#include "util/mem.h"
#include "util/versioned.h"

struct rsvd_file_block {
    const rsvd_mem *mem;
    rsvd_pfile file;
    uint32_t logical;
    uint32_t physical;
};

static uint32_t fb_read(void *ctx, uint64_t offset, uint8_t *buf, size_t len)
{
    rsvd_file_block *fb = ctx;
    size_t done = 0;
    uint32_t st = rsvd_pfile_read(&fb->file, offset, buf, len, &done);
    if (st == RSVD_STATUS_SUCCESS && done != len) {
        /* The file shrank under us: the missing bytes cannot be read. */
        st = RSVD_STATUS_END_OF_FILE;
    }
    return st;
}

static uint32_t fb_write(void *ctx, uint64_t offset, const uint8_t *data, size_t len)
{
    rsvd_file_block *fb = ctx;
    size_t done = 0;
    return rsvd_pfile_write(&fb->file, offset, data, len, &done);
}

static uint32_t fb_flush(void *ctx)
{
    rsvd_file_block *fb = ctx;
    return rsvd_pfile_flush(&fb->file);
}

static uint32_t fb_info(void *ctx, rsvd_block_info *out)
{
    rsvd_file_block *fb = ctx;
    struct statx sx;
    uint32_t st = rsvd_pfile_stat(&fb->file, &sx);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    out->size = sx.stx_size & ~(uint64_t)(fb->logical - 1);
    out->logical_sector_size = fb->logical;
    out->physical_sector_size = fb->physical;
    out->file_size = sx.stx_size;
    /* O_DSYNC makes each write durable; otherwise flush does. */
    out->write_cache = fb->file.mode != RSVD_IO_WRITE_THROUGH;
    return RSVD_STATUS_SUCCESS;
}

/* Whole sectors: the new end is cut first to the source's current size, so
 * that a tail shorter than a sector cannot reappear inside the disk. */
static uint32_t fb_resize(void *ctx, uint64_t size)
{
    rsvd_file_block *fb = ctx;
    struct statx sx;
    uint32_t st = rsvd_pfile_stat(&fb->file, &sx);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    uint64_t cur = sx.stx_size & ~(uint64_t)(fb->logical - 1);
    if (size > (uint64_t)INT64_MAX)
        return RSVD_STATUS_DISK_FULL;
    if ((cur != sx.stx_size && fb->file.sys->ftruncate(fb->file.fd, (off_t)cur) != 0) ||
        fb->file.sys->ftruncate(fb->file.fd, (off_t)size) != 0)
        return rsvd_status_from_errno(errno);
    return RSVD_STATUS_SUCCESS;
}

/* SEEK_DATA / SEEK_HOLE: the end of the last data extent. A filesystem
 * without them reports the whole file as data (lseek's documented
 * fallback), which counts every byte as allocated. */
static uint32_t fb_allocated_end(void *ctx, uint64_t *end)
{
    rsvd_file_block *fb = ctx;
    struct statx sx;
    uint32_t st = rsvd_pfile_stat(&fb->file, &sx);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    uint64_t size = sx.stx_size & ~(uint64_t)(fb->logical - 1);
    uint64_t last = 0;
    off_t off = 0;
    while ((uint64_t)off < size) {
        off_t data = fb->file.sys->lseek(fb->file.fd, off, SEEK_DATA);
        if (data < 0) {
            if (errno == ENXIO)
                break; /* no data past off */
            return rsvd_status_from_errno(errno);
        }
        off_t hole = fb->file.sys->lseek(fb->file.fd, data, SEEK_HOLE);
        if (hole < 0)
            return rsvd_status_from_errno(errno);
        if (hole <= data) {
            last = size; /* no progress: count the rest as allocated */
            break;
        }
        last = (uint64_t)hole;
        off = hole;
    }
    *end = last < size ? last : size;
    return RSVD_STATUS_SUCCESS;
}

static const rsvd_block_ops file_block_ops = {
    .struct_size = sizeof(rsvd_block_ops),
    .read = fb_read,
    .write = fb_write,
    .flush = fb_flush,
    .info = fb_info,
    .resize = fb_resize,
    .allocated_end = fb_allocated_end,
};

static bool pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

int rsvd_file_block_open_sys(const rsvd_file_block_config *config, const rsvd_posix_sys *sys,
                             rsvd_file_block **out, rsvd_backend_diag *diag)
{
    if (diag)
        memset(diag, 0, sizeof *diag);
    rsvd_file_block_config c;
    int rc = rsvd_struct_import(&c, sizeof c, config, RSVD_V0_FILE_BLOCK_CONFIG);
    if (rc != RSVD_OK) {
        rsvd_diag_set(diag, RSVD_STATUS_INVALID_PARAMETER, 0,
                      "configuration not set with RSVD_STRUCT_INIT, or from newer headers");
        return rc;
    }
    const rsvd_file_block_config *cfg = &c;
    if (!out || !cfg->path) {
        rsvd_diag_set(diag, RSVD_STATUS_INVALID_PARAMETER, 0, "no path");
        return RSVD_E_INVAL;
    }
    *out = NULL;
    uint32_t logical = cfg->logical_sector_size ? cfg->logical_sector_size : 512u;
    uint32_t physical = cfg->physical_sector_size ? cfg->physical_sector_size
                                                  : (logical > 4096u ? logical : 4096u);
    if (!pow2(logical) || logical < 512u || logical > 65536u || !pow2(physical) ||
        physical < logical || cfg->direct_io > RSVD_DIRECT_IO_NEVER ||
        cfg->bounce_size > (1u << 30)) {
        rsvd_diag_set(diag, RSVD_STATUS_INVALID_PARAMETER, 0, "invalid sector sizes or policy");
        return RSVD_E_INVAL;
    }
    uint32_t bounce = cfg->bounce_size ? cfg->bounce_size : 65536u;
    bounce = (bounce + logical - 1) & ~(logical - 1);

    const rsvd_mem *mem = rsvd_mem_resolve(cfg->mem);
    if (!mem) {
        rsvd_diag_set(diag, RSVD_STATUS_INVALID_PARAMETER, 0, "unusable allocator");
        return RSVD_E_INVAL;
    }
    rsvd_file_block *fb = rsvd_mem_calloc(mem, 1, sizeof *fb);
    if (!fb) {
        rsvd_diag_set(diag, RSVD_STATUS_INSUFFICIENT_RESOURCES, ENOMEM, "no memory");
        return RSVD_E_NOMEM;
    }
    fb->mem = mem;
    fb->logical = logical;
    fb->physical = physical;

    rsvd_pfile_args pa = {
        .dirfd = -1,
        .path = cfg->path,
        .flags = O_RDWR | (cfg->create_size ? O_CREAT : 0),
        .create_mode = 0600,
        .want_direct = cfg->direct_io != RSVD_DIRECT_IO_NEVER,
        .policy = cfg->direct_io,
        .sector_size = logical,
        .bounce_size = bounce,
        .mem = mem,
    };
    uint32_t st = rsvd_pfile_open(&fb->file, sys, &pa, diag);
    if (st != RSVD_STATUS_SUCCESS) {
        rsvd_mem_free(mem, fb);
        return st == RSVD_STATUS_INSUFFICIENT_RESOURCES ? RSVD_E_NOMEM : RSVD_E_IO;
    }
    struct statx sx;
    st = rsvd_pfile_stat(&fb->file, &sx);
    if (st == RSVD_STATUS_SUCCESS && !S_ISREG(sx.stx_mode)) {
        st = RSVD_STATUS_ACCESS_DENIED;
        rsvd_diag_set(diag, st, 0, "%s is not a regular file", cfg->path);
    }
    if (st == RSVD_STATUS_SUCCESS && cfg->create_size && sx.stx_size == 0) {
        if (cfg->create_size > (uint64_t)INT64_MAX ||
            sys->ftruncate(fb->file.fd, (off_t)cfg->create_size) != 0) {
            int e = cfg->create_size > (uint64_t)INT64_MAX ? EFBIG : errno;
            st = rsvd_status_from_errno(e);
            rsvd_diag_set(diag, st, e, "cannot size %s: %s", cfg->path, strerror(e));
        }
    }
    if (st != RSVD_STATUS_SUCCESS) {
        rsvd_pfile_close(&fb->file);
        rsvd_mem_free(mem, fb);
        if (diag && diag->status == RSVD_STATUS_SUCCESS)
            rsvd_diag_set(diag, st, 0, "cannot stat %s", cfg->path);
        return RSVD_E_IO;
    }
    *out = fb;
    return RSVD_OK;
}

int rsvd_file_block_open(const rsvd_file_block_config *cfg, rsvd_file_block **out,
                         rsvd_backend_diag *diag)
{
    return rsvd_file_block_open_sys(cfg, rsvd_posix_sys_default(), out, diag);
}

void rsvd_file_block_close(rsvd_file_block *fb)
{
    if (!fb)
        return;
    rsvd_pfile_close(&fb->file);
    rsvd_mem_free(fb->mem, fb);
}

rsvd_block_source rsvd_file_block_source(rsvd_file_block *fb)
{
    rsvd_block_source s;
    s.ops = &file_block_ops;
    s.ctx = fb;
    return s;
}

rsvd_io_mode rsvd_file_block_io_mode(const rsvd_file_block *fb, const char **why)
{
    if (why)
        *why = fb->file.why;
    return fb->file.mode;
}
