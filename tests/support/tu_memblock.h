/*
 * A block source in memory (rsvd/block.h) with counters and injectable
 * failures, for the virtual SCSI disk's tests and fuzzers. No test framework.
 */
#ifndef RSVD_TU_MEMBLOCK_H
#define RSVD_TU_MEMBLOCK_H

#include <rsvd/block.h>

typedef struct tu_memblock {
    uint8_t *data;
    uint64_t size;
    uint32_t lbs, pbs;
    bool write_cache;
    unsigned reads, writes, flushes;
    /* The buffer the last read was asked to fill. */
    const uint8_t *last_read_buf;
    /* NTSTATUS the next calls return instead of working (0: work). */
    uint32_t fail_read, fail_write, fail_flush, fail_info, fail_resize, fail_allocated_end;
    /* The source has no resize and no allocated_end (a plain block source). */
    bool basic;
} tu_memblock;

/** @return 0, or -1 when the memory cannot be had. */
int tu_memblock_init(tu_memblock *m, uint64_t size, uint32_t lbs, uint32_t pbs);
void tu_memblock_fini(tu_memblock *m);
rsvd_block_source tu_memblock_source(tu_memblock *m);

#endif /* RSVD_TU_MEMBLOCK_H */
