/*
 * librsvd - the NBD block source: an rsvd_block_source (rsvd/block.h) over
 * an NBD export, through libnbd.
 *
 * Built and installed only when librsvd is configured with the nbd feature
 * (meson -Dnbd=enabled, or auto with libnbd found).
 *
 * Its use: the built-in virtual SCSI disk (rsvd/scsi_disk.h), with its
 * persistent reservations, over a real VHDX that qemu-nbd serves:
 *
 *     qemu-nbd --fork --pid-file=P -f vhdx -b 127.0.0.1 -p 10809 -x vdisk \
 *              --persistent --shared=4 disk.vhdx
 *
 *     rsvd_nbd_block_config ncfg = {.uri = "nbd://127.0.0.1:10809/vdisk"};
 *     rsvd_nbd_block *nb;
 *     rsvd_nbd_block_open(&ncfg, &nb, &why);
 *     rsvd_scsi_disk_config dcfg = {.block = rsvd_nbd_block_source(nb), ...};
 *
 * qemu-nbd does the VHDX format; the block source sees the virtual disk's
 * bytes. One block source (one NBD connection) serves one disk, which
 * serves every open and every initiator of that disk: reservations live in
 * the rsvd_scsi_disk, not in the NBD server (NBD has none). A disk set maps
 * the opens' file names to disks.
 *
 * Contract (rsvd/block.h): synchronous; each function returns when the NBD
 * server answered. Requests larger than the export's maximum block size
 * (libnbd's nbd_get_block_size(), at most 32 MiB) are split. Failures are
 * NTSTATUS values from the server's errno (rsvd_status_from_errno()): EIO
 * STATUS_IO_DEVICE_ERROR, ENOSPC STATUS_DISK_FULL, EROFS / EPERM on a
 * read-only export STATUS_MEDIA_WRITE_PROTECTED, a lost connection
 * STATUS_DEVICE_NOT_READY.
 *
 * Memory: the source itself allocates only at open; libnbd allocates its
 * own request state with malloc on every request. No threads are created;
 * calls must come from one thread at a time.
 */
#ifndef RSVD_NBD_BLOCK_H
#define RSVD_NBD_BLOCK_H

#include <rsvd/block.h>
#include <rsvd/common.h>
#include <rsvd/file_store.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief A block source over an NBD export (libnbd).
 */

/** Opaque NBD block source. */
typedef struct rsvd_nbd_block rsvd_nbd_block;

/** Configuration of an NBD block source. */
typedef struct rsvd_nbd_block_config {
    /** Set by RSVD_STRUCT_INIT(rsvd_nbd_block_config): the size the caller was built with. */
    size_t struct_size;
    /** NBD URI (required): "nbd://host:port/export",
     * "nbd+unix:///export?socket=/path" (libnbd's nbd_connect_uri()). */
    const char *uri;
    /** Logical sector size, a power of two from 512 to 65536 (0: 512).
     * The source's size is the export's size rounded down to it. */
    uint32_t logical_sector_size;
    /** Physical sector size, a power-of-two multiple of the logical one
     * (0: 4096, or the logical size when that is larger). */
    uint32_t physical_sector_size;
    /** Allocator (NULL: the C library's). */
    const rsvd_mem *mem;
} rsvd_nbd_block_config;

/**
 * Connects to the export. On failure @p diag (may be NULL) says why.
 * @return RSVD_OK; RSVD_E_INVAL (bad configuration, or an export smaller
 * than one logical sector); RSVD_E_IO (the connection or the handshake
 * failed: diag->status STATUS_DEVICE_NOT_READY, the reason from libnbd);
 * RSVD_E_NOMEM.
 */
RSVD_API int rsvd_nbd_block_open(const rsvd_nbd_block_config *cfg, rsvd_nbd_block **out,
                                 rsvd_backend_diag *diag);

/** Disconnects (after a flush when the export supports it) and frees
 * @p nb (NULL accepted). The caller must no longer use the block source,
 * nor a disk built on it. */
RSVD_API void rsvd_nbd_block_close(rsvd_nbd_block *nb);

/** @return the block source to hand to rsvd_scsi_disk_create(). info
 * reports write_cache when the export can flush, file_size = size; it fails
 * with STATUS_DEVICE_NOT_READY once a request found the connection gone
 * (the disk's validate then reports the disk not valid). */
RSVD_API rsvd_block_source rsvd_nbd_block_source(rsvd_nbd_block *nb);

/** @return the reason of the last failed request ("pwrite at 1048576:
 * ...") and its NTSTATUS; STATUS_SUCCESS and an empty reason if none. */
RSVD_API const rsvd_backend_diag *rsvd_nbd_block_last_error(const rsvd_nbd_block *nb);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_NBD_BLOCK_H */
