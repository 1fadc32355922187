/*
 * The benchmark's backends (bench_backend.h).
 */
#include "bench_backend.h"

#include <stdlib.h>
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "bench.h"
#include "util/completion.h"

static void done(rsvd_completion c, uint32_t bytes, void *handle)
{
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = RSVD_STATUS_SUCCESS;
    r.bytes = bytes;
    r.handle = handle;
    r.scsi.srb_status = RSVD_SRB_STATUS_SUCCESS;
    r.scsi.scsi_status = RSVD_SCSI_STATUS_GOOD;
    (void)rsvd_complete(c, &r);
}

/* ---- the null disk ---------------------------------------------------------- */

static int null_handle_storage;

void *bench_null_handle(void)
{
    return &null_handle_storage;
}

static void null_open(void *ctx, const rsvd_backend_open_args *a, rsvd_completion c)
{
    (void)ctx;
    (void)a;
    done(c, 0, &null_handle_storage);
}

static void null_close(void *ctx, void *h, bool del, rsvd_completion c)
{
    (void)ctx;
    (void)h;
    (void)del;
    done(c, 0, NULL);
}

static void null_read(void *ctx, void *h, uint64_t off, uint8_t *buf, uint32_t len,
                      rsvd_completion c)
{
    (void)ctx;
    (void)h;
    (void)off;
    (void)buf;
    done(c, len, NULL);
}

static void null_write(void *ctx, void *h, uint64_t off, const uint8_t *data, uint32_t len,
                       rsvd_completion c)
{
    (void)ctx;
    (void)h;
    (void)off;
    (void)data;
    done(c, len, NULL);
}

static void null_execute(void *ctx, void *h, const rsvd_scsi_cmd *cmd, rsvd_completion c)
{
    (void)ctx;
    (void)h;
    done(c, cmd->direction == RSVD_SCSI_DATA_IN ? cmd->data_in_cap : 0, NULL);
}

static void null_get_info(void *ctx, void *h, rsvd_disk_info *out, rsvd_completion c)
{
    (void)ctx;
    (void)h;
    memset(out, 0, sizeof *out);
    out->sector_size = 512;
    out->physical_sector_size = 4096;
    out->virtual_size = 1ull << 30;
    done(c, 0, NULL);
}

static void null_validate(void *ctx, void *h, rsvd_completion c)
{
    (void)ctx;
    (void)h;
    done(c, 0, NULL);
}

const rsvd_scsi_disk_ops bench_null_disk = {.struct_size = sizeof(rsvd_scsi_disk_ops),
                                            .open = null_open,
                                            .close = null_close,
                                            .read = null_read,
                                            .write = null_write,
                                            .execute = null_execute,
                                            .get_info = null_get_info,
                                            .validate = null_validate};

/* ---- the in-memory disk ------------------------------------------------------- */

void bench_mem_disk_init(bench_mem_disk *d, size_t size)
{
    d->data = malloc(size);
    if (!d->data)
        bench_fail("no memory for a %zu-byte disk", size);
    memset(d->data, 0x5A, size);
    d->size = size;
}

void bench_mem_disk_fini(bench_mem_disk *d)
{
    free(d->data);
    d->data = NULL;
}

static void mem_open(void *ctx, const rsvd_backend_open_args *a, rsvd_completion c)
{
    (void)a;
    done(c, 0, ctx);
}

static void mem_read(void *ctx, void *h, uint64_t off, uint8_t *buf, uint32_t len,
                     rsvd_completion c)
{
    (void)ctx;
    bench_mem_disk *d = h;
    memcpy(buf, d->data + off % d->size, len);
    done(c, len, NULL);
}

static void mem_write(void *ctx, void *h, uint64_t off, const uint8_t *data, uint32_t len,
                      rsvd_completion c)
{
    (void)ctx;
    bench_mem_disk *d = h;
    memcpy(d->data + off % d->size, data, len);
    done(c, len, NULL);
}

const rsvd_scsi_disk_ops bench_mem_disk_ops = {.struct_size = sizeof(rsvd_scsi_disk_ops),
                                               .open = mem_open,
                                               .close = null_close,
                                               .read = mem_read,
                                               .write = mem_write,
                                               .execute = null_execute,
                                               .get_info = null_get_info,
                                               .validate = null_validate};

/* ---- direct calls ------------------------------------------------------------- */

static unsigned long direct_bytes;

static int direct_complete(rsvd_completion_sink *self, uint64_t tag, const rsvd_io_result *r)
{
    (void)self;
    (void)tag;
    direct_bytes += r->bytes;
    return RSVD_OK;
}

static rsvd_completion_sink direct_sink = {direct_complete};

rsvd_completion bench_direct_completion(uint64_t tag)
{
    return rsvd_completion_make(&direct_sink, tag);
}

unsigned long bench_direct_bytes(void)
{
    return direct_bytes;
}
