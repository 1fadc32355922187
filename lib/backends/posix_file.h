/*
 * Internal: one POSIX file opened for the built-in file backends (the
 * object store and the file block source), with the direct-I/O policy of
 * rsvd/file_store.h, and the system calls behind it in a replaceable table
 * so that tests can inject failures (EINVAL on O_DIRECT, EIO, ENOSPC).
 */
#ifndef RSVD_BACKENDS_POSIX_FILE_H
#define RSVD_BACKENDS_POSIX_FILE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/stat.h>
#include <sys/types.h>

#include <rsvd/file_store.h>

/** The system calls the file backends make. */
typedef struct rsvd_posix_sys {
    /** openat() confined to @p dirfd's tree (openat2 RESOLVE_BENEATH where
     * the kernel has it, else openat with O_NOFOLLOW). */
    int (*open_beneath)(int dirfd, const char *path, int flags, mode_t mode);
    int (*open)(const char *path, int flags, mode_t mode);
    ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
    ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
    int (*fdatasync)(int fd);
    int (*ftruncate)(int fd, off_t len);
    int (*fallocate)(int fd, int mode, off_t off, off_t len);
    /** statx(2): (fd, "", AT_EMPTY_PATH) for an open file. */
    int (*statx)(int dirfd, const char *path, int flags, unsigned mask, struct statx *out);
    int (*unlinkat)(int dirfd, const char *path, int flags);
    int (*close)(int fd);
    /** lseek(2): SEEK_DATA and SEEK_HOLE find what a file has allocated. */
    off_t (*lseek)(int fd, off_t off, int whence);
    /** renameat(2): replaces a file atomically. */
    int (*renameat)(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
} rsvd_posix_sys;

/**
 * Converts a client file name (UTF-8, '\\' or '/' separators) into a path
 * relative to a root directory, in @p out (@p cap bytes): an empty name, a
 * leading separator, an empty, "." or ".." component, one over 255 bytes
 * and the characters Windows forbids in names ([MS-FSCC] 2.1.5) are
 * refused. @return STATUS_SUCCESS or STATUS_OBJECT_NAME_INVALID.
 */
uint32_t rsvd_posix_resolve_name(const char *name, char *out, size_t cap);

/** openat() under @p dirfd without openat2: one component at a time, every
 * symbolic link refused (ELOOP). */
int rsvd_posix_open_walk(int dirfd, const char *path, int flags, mode_t mode);

/** @return the table that calls the C library. */
const rsvd_posix_sys *rsvd_posix_sys_default(void);

/** An open file. */
typedef struct rsvd_pfile {
    const rsvd_posix_sys *sys;
    int fd;
    rsvd_io_mode mode;
    /** Memory alignment O_DIRECT needs (mode DIRECT only). */
    uint32_t mem_align;
    /** Aligned bounce buffer for unaligned caller buffers (mode DIRECT only). */
    uint8_t *bounce;
    size_t bounce_size;
    void *bounce_alloc;
    const rsvd_mem *mem;
    /** Why the mode is what it is (empty for a plain buffered open). */
    char why[160];
} rsvd_pfile;

/** What to open and how. */
typedef struct rsvd_pfile_args {
    /** Directory @p path resolves under, with open_beneath; -1: plain open. */
    int dirfd;
    const char *path;
    /** O_RDWR, O_CREAT, ... (O_CLOEXEC is added). */
    int flags;
    mode_t create_mode;
    /** The caller asked for unbuffered I/O (FILE_NO_INTERMEDIATE_BUFFERING). */
    bool want_direct;
    rsvd_direct_io_policy policy;
    /** I/O unit: offsets and lengths of direct I/O are multiples of it. */
    uint32_t sector_size;
    /** Bounce buffer size (a multiple of sector_size). */
    size_t bounce_size;
    const rsvd_mem *mem;
} rsvd_pfile_args;

/**
 * Opens @p a->path. With want_direct, tries O_DIRECT and applies the policy
 * when the filesystem refuses it (open answers EINVAL, statx reports no or
 * a coarser direct-I/O alignment than sector_size, or a probe read answers
 * EINVAL). @return STATUS_SUCCESS or the failure's NTSTATUS, described in
 * @p diag (which may be NULL).
 */
uint32_t rsvd_pfile_open(rsvd_pfile *f, const rsvd_posix_sys *sys, const rsvd_pfile_args *a,
                         rsvd_backend_diag *diag);

/** Closes the file and frees the bounce buffer. @return the close's status. */
uint32_t rsvd_pfile_close(rsvd_pfile *f);

/** Reads up to @p len bytes at @p off; stops early only at end of file.
 * *done receives the bytes read. No allocation. */
uint32_t rsvd_pfile_read(rsvd_pfile *f, uint64_t off, uint8_t *buf, size_t len, size_t *done);

/** Writes @p len bytes at @p off; *done receives the bytes written. */
uint32_t rsvd_pfile_write(rsvd_pfile *f, uint64_t off, const uint8_t *buf, size_t len,
                          size_t *done);

/** fdatasync(2). */
uint32_t rsvd_pfile_flush(rsvd_pfile *f);

/** statx of the open file. */
uint32_t rsvd_pfile_stat(rsvd_pfile *f, struct statx *st);

/** Fills @p diag (when not NULL) with @p status, @p err and a formatted reason. */
void rsvd_diag_set(rsvd_backend_diag *diag, uint32_t status, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Test hooks (internal): replace the system calls of a store or a block. */
void rsvd_file_store_set_sys(rsvd_file_store *fs, const rsvd_posix_sys *sys);
int rsvd_file_block_open_sys(const rsvd_file_block_config *cfg, const rsvd_posix_sys *sys,
                               rsvd_file_block **out, rsvd_backend_diag *diag);

#endif /* RSVD_BACKENDS_POSIX_FILE_H */
