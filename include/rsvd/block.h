/*
 * librsvd - block sources: the storage under a virtual SCSI disk.
 *
 * A block source is a flat array of bytes with a logical sector size that
 * the built-in virtual SCSI disk (rsvd/scsi_disk.h) reads and writes. The
 * library ships a file implementation (rsvd_file_block_open() in
 * rsvd/file_store.h); a host can supply its own (an NBD export, a raw
 * device, memory) by filling an rsvd_block_ops table.
 *
 * Contract:
 *  - Every function is synchronous: it returns when the work is done.
 *  - Functions return an NTSTATUS: RSVD_STATUS_SUCCESS, or the reason of the
 *    failure (STATUS_IO_DEVICE_ERROR, STATUS_DISK_FULL, ...).
 *  - read and write transfer exactly @p len bytes or fail; offsets and
 *    lengths the disk passes are multiples of logical_sector_size and lie
 *    inside the size that info reported.
 *  - Calls come from one thread at a time (the thread that drives the disk).
 */
#ifndef RSVD_BLOCK_H
#define RSVD_BLOCK_H

#include <rsvd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief The block-source interface under the built-in virtual SCSI disk.
 */

/** Properties of a block source. */
typedef struct rsvd_block_info {
    /** Bytes addressable by read and write. */
    uint64_t size;
    /** Logical sector size in bytes: a power of two, at least 512. */
    uint32_t logical_sector_size;
    /** Physical sector size in bytes: a power-of-two multiple of the logical one. */
    uint32_t physical_sector_size;
    /** Bytes the source occupies on its storage (the backing file's size). */
    uint64_t file_size;
    /** True if a completed write may sit in a volatile cache until flush. */
    bool write_cache;
} rsvd_block_info;

/** Functions of a block source. read, write, flush and info must be set;
 * the ones marked optional may be NULL. */
typedef struct rsvd_block_ops {
    /** Set by RSVD_STRUCT_INIT(rsvd_block_ops): the size the caller was built with. */
    size_t struct_size;
    /** Reads @p len bytes at byte @p offset into @p buf. */
    uint32_t (*read)(void *ctx, uint64_t offset, uint8_t *buf, size_t len);
    /** Writes @p len bytes at byte @p offset. */
    uint32_t (*write)(void *ctx, uint64_t offset, const uint8_t *data, size_t len);
    /** Makes every completed write durable. */
    uint32_t (*flush)(void *ctx);
    /** Fills @p out with the source's current properties. */
    uint32_t (*info)(void *ctx, rsvd_block_info *out);
    /** Optional: makes the source @p size bytes long (a multiple of
     * logical_sector_size); bytes past the old end read as zero. Without
     * it the disk cannot be resized. */
    uint32_t (*resize)(void *ctx, uint64_t size);
    /** Optional: *end receives the end of the last byte of the source that
     * is allocated on its storage (0 when none is); bytes past it read as
     * zero. Without it every byte counts as allocated. */
    uint32_t (*allocated_end)(void *ctx, uint64_t *end);
} rsvd_block_ops;

/** A block source: its functions and the context they receive. */
typedef struct rsvd_block_source {
    /** The functions (every one set). */
    const rsvd_block_ops *ops;
    /** Passed unchanged as the first argument of every function. */
    void *ctx;
} rsvd_block_source;

#ifdef __cplusplus
}
#endif

#endif /* RSVD_BLOCK_H */
