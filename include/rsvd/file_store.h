/*
 * librsvd - built-in POSIX file backends.
 *
 *  - The file object store: an rsvd_object_store_ops over the files of one
 *    root directory, for the RSVD opens that reach the VHDX file itself
 *    ([MS-RSVD] 3.2.5.1, OriginatorFlags SVHDX_ORIGINATOR_VHDMP).
 *  - The file block source: an rsvd_block_source (rsvd/block.h) over one
 *    file, the storage under the built-in virtual SCSI disk.
 *
 * Both complete synchronously: every object-store function has called
 * rsvd_complete() before it returns, and every block function returns when
 * the I/O is done. Neither creates threads; calls must come from one thread
 * at a time. Nothing on the read, write or flush path allocates.
 *
 * Direct I/O. An open that asks for unbuffered I/O (the object store: the
 * open's CreateOptions has FILE_NO_INTERMEDIATE_BUFFERING; the block source:
 * always, unless the policy is NEVER) uses O_DIRECT. O_DIRECT needs offsets,
 * lengths and buffer addresses aligned to the device's logical block size;
 * the backends keep the first two aligned by rule and copy through an aligned
 * bounce buffer, allocated at open, when a caller's buffer is not aligned.
 * Where the filesystem refuses O_DIRECT (tmpfs on older kernels answers
 * EINVAL, FUSE filesystems, a device with a coarser alignment than the
 * configured sector size) the policy decides: REQUIRE fails the open with
 * STATUS_NOT_SUPPORTED and a reason; PREFER falls back to O_DSYNC
 * write-through and reports why through the io_mode query functions.
 *
 * errno -> NTSTATUS (rsvd_status_from_errno(), used for every failure):
 *   ENOENT -> STATUS_OBJECT_NAME_NOT_FOUND   ENOTDIR -> STATUS_OBJECT_PATH_NOT_FOUND
 *   EACCES, EPERM -> STATUS_ACCESS_DENIED    EISDIR -> STATUS_ACCESS_DENIED
 *   ELOOP, EXDEV (a path leaving the root) -> STATUS_ACCESS_DENIED
 *   EEXIST -> STATUS_OBJECT_NAME_COLLISION   ENAMETOOLONG -> STATUS_OBJECT_NAME_INVALID
 *   ENOSPC, EDQUOT, EFBIG -> STATUS_DISK_FULL
 *   EIO -> STATUS_IO_DEVICE_ERROR            EROFS -> STATUS_MEDIA_WRITE_PROTECTED
 *   EBUSY, ETXTBSY, EAGAIN -> STATUS_SHARING_VIOLATION
 *   ENOMEM, EMFILE, ENFILE -> STATUS_INSUFFICIENT_RESOURCES
 *   EINVAL -> STATUS_INVALID_PARAMETER       EBADF -> STATUS_INVALID_HANDLE
 *   ENODEV, ENXIO -> STATUS_NO_SUCH_DEVICE   ETIMEDOUT -> STATUS_IO_TIMEOUT
 *   EOPNOTSUPP, ENOSYS -> STATUS_NOT_SUPPORTED
 *   anything else -> STATUS_UNSUCCESSFUL
 */
#ifndef RSVD_FILE_STORE_H
#define RSVD_FILE_STORE_H

#include <rsvd/backend.h>
#include <rsvd/block.h>
#include <rsvd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief POSIX file object store and file block source.
 */

/** What to do with an open that asks for unbuffered I/O. */
typedef enum rsvd_direct_io_policy {
    /** O_DIRECT; where the filesystem refuses it, O_DSYNC write-through. */
    RSVD_DIRECT_IO_PREFER = 0,
    /** O_DIRECT, or the open fails with STATUS_NOT_SUPPORTED. */
    RSVD_DIRECT_IO_REQUIRE = 1,
    /** Never O_DIRECT: the object store uses O_DSYNC write-through for
     * unbuffered opens; the block source uses the page cache (flushed by
     * SYNCHRONIZE CACHE). */
    RSVD_DIRECT_IO_NEVER = 2
} rsvd_direct_io_policy;

/** How an open file does its I/O. */
typedef enum rsvd_io_mode {
    /** Through the page cache; flush makes it durable. */
    RSVD_IO_BUFFERED = 0,
    /** O_DIRECT. */
    RSVD_IO_DIRECT = 1,
    /** O_DSYNC: every write is durable when it completes. */
    RSVD_IO_WRITE_THROUGH = 2
} rsvd_io_mode;

/** @return the NTSTATUS for an errno value (table in the file comment). */
RSVD_API uint32_t rsvd_status_from_errno(int err);

/** @return "buffered", "direct" or "write-through". */
RSVD_API const char *rsvd_io_mode_name(rsvd_io_mode mode);

/* ------------------------------------------------------------------------ */
/* File object store                                                         */
/* ------------------------------------------------------------------------ */

/** Opaque file object store. */
typedef struct rsvd_file_store rsvd_file_store;

/** Configuration of a file object store. */
typedef struct rsvd_file_store_config {
    /** Set by RSVD_STRUCT_INIT(rsvd_file_store_config): the size the caller was built with. */
    size_t struct_size;
    /** Directory the opened names resolve under (required). */
    const char *root;
    /** Policy for FILE_NO_INTERMEDIATE_BUFFERING opens (default PREFER). */
    rsvd_direct_io_policy direct_io;
    /** Logical sector size: offsets and lengths of reads and writes on an
     * unbuffered open must be multiples of it ([MS-FSA] 2.1.5.3, 2.1.5.4),
     * and it is the O_DIRECT alignment. 0 means 512. */
    uint32_t sector_size;
    /** Bounce buffer per unbuffered open, rounded up to sector_size; 0
     * means 64 KiB. */
    uint32_t bounce_size;
    /** Allocator (NULL: the C library's). */
    const rsvd_mem *mem;
} rsvd_file_store_config;

/**
 * Creates a store over @p cfg->root (opened once, kept open).
 * @return RSVD_OK; RSVD_E_INVAL (no root, sector size not a power of two
 * between 512 and 65536); RSVD_E_IO (root cannot be opened as a directory);
 * RSVD_E_NOMEM.
 */
RSVD_API int rsvd_file_store_create(const rsvd_file_store_config *cfg, rsvd_file_store **out);

/** Frees the store. @return RSVD_OK, or RSVD_E_BUSY (nothing freed) while
 * handles are open. NULL is accepted. */
RSVD_API int rsvd_file_store_destroy(rsvd_file_store *fs);

/**
 * The object-store functions; pass the rsvd_file_store as their context.
 *
 *  - open: @p args->file_name is UTF-8 relative to the root, with '\\' or
 *    '/' separators. A name that is empty, starts with a separator, has an
 *    empty, "." or ".." component, or a character Windows forbids in names
 *    (< 0x20, ':', '*', '?', '"', '<', '>', '|') fails with
 *    STATUS_OBJECT_NAME_INVALID; resolution never leaves the root (symbolic
 *    links that lead out fail with STATUS_ACCESS_DENIED). Only existing
 *    regular files open (read and write access, [MS-RSVD] 3.2.5.1).
 *  - read/write on an unbuffered open: offset and length must be multiples
 *    of the sector size, else STATUS_INVALID_PARAMETER. A read at or past
 *    the end of file fails with STATUS_END_OF_FILE; a read that crosses it
 *    returns the bytes up to it. Zero-length reads and writes succeed.
 *  - close: with delete_file, the name is unlinked after the close if it
 *    still names the file that was open. The handle is freed in every case.
 *  - query_info: FileStandardInformation (5, 24 bytes),
 *    FileEndOfFileInformation (20, 8 bytes), FileNetworkOpenInformation
 *    (34, 56 bytes) laid out per [MS-FSCC] 2.4; STATUS_BUFFER_TOO_SMALL for
 *    a smaller buffer, STATUS_NOT_SUPPORTED for other classes.
 *  - set_info: FileEndOfFileInformation truncates or extends; rename (10)
 *    STATUS_NOT_SUPPORTED and link (11) STATUS_INVALID_PARAMETER, as
 *    [MS-RSVD] 3.2.5.9 answers them; other classes STATUS_NOT_SUPPORTED.
 *  - fsctl: FSCTL_SET_ZERO_DATA (deallocates or zeroes the range) and
 *    FSCTL_SET_SPARSE (a no-op: POSIX files are sparse-capable); any other
 *    code STATUS_INVALID_DEVICE_REQUEST.
 */
RSVD_API const rsvd_object_store_ops *rsvd_file_store_ops(void);

/** @return the reason of the last failed open on @p fs (status
 * STATUS_SUCCESS and an empty reason when none failed). */
RSVD_API const rsvd_backend_diag *rsvd_file_store_last_error(const rsvd_file_store *fs);

/**
 * @return how the open @p handle does its I/O; *why (when @p why is not
 * NULL) receives why it is not direct when direct was asked for (an empty
 * string otherwise). The string lives as long as the handle.
 */
RSVD_API rsvd_io_mode rsvd_file_store_io_mode(const rsvd_file_store *fs, const void *handle,
                                              const char **why);


/* ------------------------------------------------------------------------ */
/* File block source                                                         */
/* ------------------------------------------------------------------------ */

/** Opaque file block source. */
typedef struct rsvd_file_block rsvd_file_block;

/** Configuration of a file block source. */
typedef struct rsvd_file_block_config {
    /** Set by RSVD_STRUCT_INIT(rsvd_file_block_config): the size the caller was built with. */
    size_t struct_size;
    /** The file (required). */
    const char *path;
    /** 0: the file must exist. Otherwise a missing file is created with this
     * size (an existing one is used with its own size). */
    uint64_t create_size;
    /** Logical sector size, a power of two from 512 to 65536 (0: 512). The
     * block source's size is the file size rounded down to it. */
    uint32_t logical_sector_size;
    /** Physical sector size, a power-of-two multiple of the logical one
     * (0: 4096, or the logical size when that is larger). */
    uint32_t physical_sector_size;
    /** Direct-I/O policy (default PREFER). */
    rsvd_direct_io_policy direct_io;
    /** Bounce buffer for unaligned buffers (0: 64 KiB). */
    uint32_t bounce_size;
    /** Allocator (NULL: the C library's). */
    const rsvd_mem *mem;
} rsvd_file_block_config;

/**
 * Opens a file block source. On failure @p diag (may be NULL) says why.
 * @return RSVD_OK; RSVD_E_INVAL (bad configuration); RSVD_E_IO (the file
 * could not be opened as configured, see diag->status); RSVD_E_NOMEM.
 */
RSVD_API int rsvd_file_block_open(const rsvd_file_block_config *cfg, rsvd_file_block **out,
                                  rsvd_backend_diag *diag);

/** Closes the file and frees @p fb (NULL accepted). The caller must no longer
 * use the block source (nor a disk built on it). */
RSVD_API void rsvd_file_block_close(rsvd_file_block *fb);

/** @return the block source to hand to rsvd_scsi_disk_create(). */
RSVD_API rsvd_block_source rsvd_file_block_source(rsvd_file_block *fb);

/** @return how @p fb does its I/O; *why as for rsvd_file_store_io_mode(). */
RSVD_API rsvd_io_mode rsvd_file_block_io_mode(const rsvd_file_block *fb, const char **why);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_FILE_STORE_H */
