#include "tu_memblock.h"

#include <stdlib.h>
#include <string.h>

#include <rsvd/block.h>

static uint32_t mb_read(void *ctx, uint64_t off, uint8_t *buf, size_t len)
{
    tu_memblock *m = ctx;
    m->reads++;
    m->last_read_buf = buf;
    if (m->fail_read)
        return m->fail_read;
    if (off > m->size || len > m->size - off)
        abort(); /* the disk must never ask outside the source */
    memcpy(buf, m->data + off, len);
    return 0;
}

static uint32_t mb_write(void *ctx, uint64_t off, const uint8_t *data, size_t len)
{
    tu_memblock *m = ctx;
    m->writes++;
    if (m->fail_write)
        return m->fail_write;
    if (off > m->size || len > m->size - off)
        abort();
    memcpy(m->data + off, data, len);
    return 0;
}

static uint32_t mb_flush(void *ctx)
{
    tu_memblock *m = ctx;
    m->flushes++;
    return m->fail_flush;
}

static uint32_t mb_info(void *ctx, rsvd_block_info *out)
{
    tu_memblock *m = ctx;
    if (m->fail_info)
        return m->fail_info;
    out->size = m->size;
    out->logical_sector_size = m->lbs;
    out->physical_sector_size = m->pbs;
    out->file_size = m->size;
    out->write_cache = m->write_cache;
    return 0;
}

static uint32_t mb_resize(void *ctx, uint64_t size)
{
    tu_memblock *m = ctx;
    if (m->fail_resize)
        return m->fail_resize;
    if (size % m->lbs)
        abort(); /* the disk passes whole sectors */
    uint8_t *p = realloc(m->data, size ? (size_t)size : 1);
    if (!p)
        return 0xC000009Au; /* STATUS_INSUFFICIENT_RESOURCES */
    if (size > m->size)
        memset(p + m->size, 0, (size_t)(size - m->size));
    m->data = p;
    m->size = size;
    return 0;
}

/* Memory has no holes: the end of the last sector that is not all zero. */
static uint32_t mb_allocated_end(void *ctx, uint64_t *end)
{
    tu_memblock *m = ctx;
    if (m->fail_allocated_end)
        return m->fail_allocated_end;
    uint64_t e = m->size;
    while (e >= m->lbs) {
        const uint8_t *s = m->data + e - m->lbs;
        size_t i = 0;
        while (i < m->lbs && s[i] == 0)
            i++;
        if (i < m->lbs)
            break;
        e -= m->lbs;
    }
    *end = e;
    return 0;
}

static const rsvd_block_ops mb_ops = {.struct_size = sizeof(rsvd_block_ops),
                                      .read = mb_read,
                                      .write = mb_write,
                                      .flush = mb_flush,
                                      .info = mb_info,
                                      .resize = mb_resize,
                                      .allocated_end = mb_allocated_end};
/* A block source without the optional functions. */
static const rsvd_block_ops mb_basic_ops = {.struct_size = sizeof(rsvd_block_ops),
                                            .read = mb_read,
                                            .write = mb_write,
                                            .flush = mb_flush,
                                            .info = mb_info};

int tu_memblock_init(tu_memblock *m, uint64_t size, uint32_t lbs, uint32_t pbs)
{
    memset(m, 0, sizeof *m);
    m->data = calloc(1, size ? (size_t)size : 1);
    if (!m->data)
        return -1;
    m->size = size;
    m->lbs = lbs;
    m->pbs = pbs;
    m->write_cache = true;
    return 0;
}

void tu_memblock_fini(tu_memblock *m)
{
    free(m->data);
    m->data = NULL;
}

rsvd_block_source tu_memblock_source(tu_memblock *m)
{
    rsvd_block_source s = {m->basic ? &mb_basic_ops : &mb_ops, m};
    return s;
}
