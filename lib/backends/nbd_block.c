/*
 * The NBD block source (rsvd/nbd_block.h): an rsvd_block_source over an NBD
 * export through libnbd's synchronous calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libnbd.h>

#include <rsvd/block.h>
#include <rsvd/file_store.h>
#include <rsvd/nbd_block.h>
#include <rsvd/status.h>

#include "util/mem.h"
#include "util/versioned.h"

/* Largest request sent at once: qemu-nbd and the NBD protocol's usual
 * maximum block size. */
#define NB_MAX_REQUEST (32u << 20)

struct rsvd_nbd_block {
    const rsvd_mem *mem;
    struct nbd_handle *nbd;
    uint64_t size; /* the export's size, rounded down to the logical sector */
    uint64_t export_size;
    uint32_t logical;
    uint32_t physical;
    uint32_t max_request; /* a multiple of logical */
    bool read_only;
    bool can_flush;
    rsvd_backend_diag last;
};

static void nb_diag(rsvd_backend_diag *dg, uint32_t status, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void nb_diag(rsvd_backend_diag *dg, uint32_t status, int err, const char *fmt, ...)
{
    if (!dg)
        return;
    dg->status = status;
    dg->sys_errno = err;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(dg->reason, sizeof dg->reason, fmt, ap); /* truncation is fine */
    va_end(ap);
}

/* The NTSTATUS of a failed libnbd call. A connection that is gone (libnbd
 * reports ENOTCONN, ESHUTDOWN, ECONNRESET or EPIPE, or no errno) means the
 * device is not ready; the rest is the server's errno. */
static uint32_t nb_fail(rsvd_nbd_block *nb, const char *what, uint64_t off)
{
    int err = nbd_get_errno();
    const char *msg = nbd_get_error();
    uint32_t st;
    switch (err) {
    case 0:
    case ENOTCONN:
    case ESHUTDOWN:
    case ECONNRESET:
    case EPIPE:
        st = RSVD_STATUS_DEVICE_NOT_READY;
        break;
    case EPERM:
        st = nb->read_only ? RSVD_STATUS_MEDIA_WRITE_PROTECTED : RSVD_STATUS_ACCESS_DENIED;
        break;
    default:
        st = rsvd_status_from_errno(err);
        break;
    }
    nb_diag(&nb->last, st, err, "%s at %llu: %s", what, (unsigned long long)off,
            msg ? msg : "failed");
    return st;
}

static bool nb_range_ok(const rsvd_nbd_block *nb, uint64_t off, size_t len)
{
    return off <= nb->size && len <= nb->size - off;
}

static uint32_t nb_read(void *ctx, uint64_t offset, uint8_t *buf, size_t len)
{
    rsvd_nbd_block *nb = ctx;
    if (!nb_range_ok(nb, offset, len))
        return RSVD_STATUS_INVALID_PARAMETER;
    while (len) {
        size_t n = len < nb->max_request ? len : nb->max_request;
        if (nbd_pread(nb->nbd, buf, n, offset, 0) == -1)
            return nb_fail(nb, "pread", offset);
        buf += n;
        offset += n;
        len -= n;
    }
    return RSVD_STATUS_SUCCESS;
}

static uint32_t nb_write(void *ctx, uint64_t offset, const uint8_t *data, size_t len)
{
    rsvd_nbd_block *nb = ctx;
    if (!nb_range_ok(nb, offset, len))
        return RSVD_STATUS_INVALID_PARAMETER;
    if (nb->read_only && len) {
        nb_diag(&nb->last, RSVD_STATUS_MEDIA_WRITE_PROTECTED, EROFS,
                "pwrite at %llu: the export is read-only", (unsigned long long)offset);
        return RSVD_STATUS_MEDIA_WRITE_PROTECTED;
    }
    while (len) {
        size_t n = len < nb->max_request ? len : nb->max_request;
        if (nbd_pwrite(nb->nbd, data, n, offset, 0) == -1)
            return nb_fail(nb, "pwrite", offset);
        data += n;
        offset += n;
        len -= n;
    }
    return RSVD_STATUS_SUCCESS;
}

static uint32_t nb_flush(void *ctx)
{
    rsvd_nbd_block *nb = ctx;
    if (!nb->can_flush)
        return RSVD_STATUS_SUCCESS; /* the server writes through */
    if (nbd_flush(nb->nbd, 0) == -1)
        return nb_fail(nb, "flush", 0);
    return RSVD_STATUS_SUCCESS;
}

static uint32_t nb_info(void *ctx, rsvd_block_info *out)
{
    rsvd_nbd_block *nb = ctx;
    memset(out, 0, sizeof *out);
    if (nbd_aio_is_dead(nb->nbd) == 1 || nbd_aio_is_closed(nb->nbd) == 1)
        return RSVD_STATUS_DEVICE_NOT_READY; /* the connection is gone: validate says so */
    out->size = nb->size;
    out->logical_sector_size = nb->logical;
    out->physical_sector_size = nb->physical;
    out->file_size = nb->export_size;
    out->write_cache = nb->can_flush;
    return RSVD_STATUS_SUCCESS;
}

static const rsvd_block_ops nbd_block_ops = {
    .struct_size = sizeof(rsvd_block_ops),
    .read = nb_read,
    .write = nb_write,
    .flush = nb_flush,
    .info = nb_info,
};

static bool pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

int rsvd_nbd_block_open(const rsvd_nbd_block_config *config, rsvd_nbd_block **out,
                        rsvd_backend_diag *diag)
{
    if (diag)
        memset(diag, 0, sizeof *diag);
    if (!out)
        return RSVD_E_INVAL;
    *out = NULL;
    rsvd_nbd_block_config c;
    int rc = rsvd_struct_import(&c, sizeof c, config, RSVD_V0_NBD_BLOCK_CONFIG);
    if (rc != RSVD_OK) {
        nb_diag(diag, RSVD_STATUS_INVALID_PARAMETER, 0,
                "configuration not set with RSVD_STRUCT_INIT, or from newer headers");
        return rc;
    }
    const rsvd_nbd_block_config *cfg = &c;
    if (!cfg->uri || !*cfg->uri) {
        nb_diag(diag, RSVD_STATUS_INVALID_PARAMETER, 0, "no NBD URI");
        return RSVD_E_INVAL;
    }
    uint32_t lbs = cfg->logical_sector_size ? cfg->logical_sector_size : 512u;
    uint32_t pbs = cfg->physical_sector_size ? cfg->physical_sector_size
                                             : (lbs > 4096u ? lbs : 4096u);
    if (!pow2(lbs) || lbs < 512 || lbs > 65536 || !pow2(pbs) || pbs < lbs ||
        pbs / lbs > (1u << 15)) {
        nb_diag(diag, RSVD_STATUS_INVALID_PARAMETER, 0,
                "sector sizes %u/%u: powers of two, 512..65536, physical >= logical", lbs, pbs);
        return RSVD_E_INVAL;
    }
    const rsvd_mem *mem = rsvd_mem_resolve(cfg->mem);
    if (!mem) {
        nb_diag(diag, RSVD_STATUS_INVALID_PARAMETER, 0, "unusable allocator");
        return RSVD_E_INVAL;
    }
    rsvd_nbd_block *nb = rsvd_mem_calloc(mem, 1, sizeof *nb);
    if (!nb)
        return RSVD_E_NOMEM;
    nb->mem = mem;
    nb->logical = lbs;
    nb->physical = pbs;
    nb->nbd = nbd_create();
    if (!nb->nbd) {
        nb_diag(diag, RSVD_STATUS_INSUFFICIENT_RESOURCES, nbd_get_errno(), "nbd_create: %s",
                nbd_get_error() ? nbd_get_error() : "failed");
        rsvd_mem_free(mem, nb);
        return RSVD_E_NOMEM;
    }
    rc = RSVD_E_IO;
    if (nbd_connect_uri(nb->nbd, cfg->uri) == -1) {
        nb_diag(diag, RSVD_STATUS_DEVICE_NOT_READY, nbd_get_errno(), "connect to %s: %s",
                cfg->uri, nbd_get_error() ? nbd_get_error() : "failed");
        goto fail;
    }
    int64_t size = nbd_get_size(nb->nbd);
    if (size < 0) {
        nb_diag(diag, RSVD_STATUS_DEVICE_NOT_READY, nbd_get_errno(), "size of %s: %s", cfg->uri,
                nbd_get_error() ? nbd_get_error() : "failed");
        goto fail;
    }
    nb->export_size = (uint64_t)size;
    nb->size = nb->export_size & ~(uint64_t)(lbs - 1);
    if (nb->size < lbs) {
        nb_diag(diag, RSVD_STATUS_INVALID_PARAMETER, 0, "%s: %llu bytes, less than a sector",
                cfg->uri, (unsigned long long)nb->export_size);
        rc = RSVD_E_INVAL;
        goto fail;
    }
    nb->read_only = nbd_is_read_only(nb->nbd) == 1;
    nb->can_flush = nbd_can_flush(nb->nbd) == 1;
    int64_t maxb = nbd_get_block_size(nb->nbd, LIBNBD_SIZE_MAXIMUM);
    uint64_t max = (maxb > 0 && (uint64_t)maxb < NB_MAX_REQUEST) ? (uint64_t)maxb
                                                                 : NB_MAX_REQUEST;
    max &= ~(uint64_t)(lbs - 1);
    nb->max_request = max >= lbs ? (uint32_t)max : lbs;
    *out = nb;
    return RSVD_OK;
fail:
    nbd_close(nb->nbd);
    rsvd_mem_free(mem, nb);
    return rc;
}

void rsvd_nbd_block_close(rsvd_nbd_block *nb)
{
    if (!nb)
        return;
    if (nb->can_flush)
        nbd_flush(nb->nbd, 0);
    nbd_shutdown(nb->nbd, 0);
    nbd_close(nb->nbd);
    rsvd_mem_free(nb->mem, nb);
}

rsvd_block_source rsvd_nbd_block_source(rsvd_nbd_block *nb)
{
    rsvd_block_source src = {&nbd_block_ops, nb};
    return src;
}

const rsvd_backend_diag *rsvd_nbd_block_last_error(const rsvd_nbd_block *nb)
{
    return &nb->last;
}
