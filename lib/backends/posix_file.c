/*
 * POSIX files for the built-in file backends: errno -> NTSTATUS, opening
 * with the direct-I/O policy, and allocation-free pread/pwrite loops that
 * bounce unaligned buffers through an aligned buffer allocated at open.
 */
#include "backends/posix_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define RSVD_HAVE_OPENAT2_H 1
#endif
#endif

#include <rsvd/file_store.h>
#include <rsvd/status.h>

#include "util/mem.h"

/* ------------------------------------------------------------------------ */
/* errno -> NTSTATUS                                                         */
/* ------------------------------------------------------------------------ */

uint32_t rsvd_status_from_errno(int err)
{
    switch (err) {
    case 0:
        return RSVD_STATUS_SUCCESS;
    case ENOENT:
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    case ENOTDIR:
        return RSVD_STATUS_OBJECT_PATH_NOT_FOUND;
    case EACCES:
    case EPERM:
    case EISDIR:
    case ELOOP:
    case EXDEV:
        return RSVD_STATUS_ACCESS_DENIED;
    case EEXIST:
        return RSVD_STATUS_OBJECT_NAME_COLLISION;
    case ENAMETOOLONG:
        return RSVD_STATUS_OBJECT_NAME_INVALID;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return RSVD_STATUS_DISK_FULL;
    case EIO:
        return RSVD_STATUS_IO_DEVICE_ERROR;
    case EROFS:
        return RSVD_STATUS_MEDIA_WRITE_PROTECTED;
    case EBUSY:
    case ETXTBSY:
    case EAGAIN:
        return RSVD_STATUS_SHARING_VIOLATION;
    case ENOMEM:
    case EMFILE:
    case ENFILE:
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    case EINVAL:
        return RSVD_STATUS_INVALID_PARAMETER;
    case EBADF:
        return RSVD_STATUS_INVALID_HANDLE;
    case ENODEV:
    case ENXIO:
        return RSVD_STATUS_NO_SUCH_DEVICE;
    case ETIMEDOUT:
        return RSVD_STATUS_IO_TIMEOUT;
    case EOPNOTSUPP:
    case ENOSYS:
        return RSVD_STATUS_NOT_SUPPORTED;
    default:
        return RSVD_STATUS_UNSUCCESSFUL;
    }
}

const char *rsvd_io_mode_name(rsvd_io_mode mode)
{
    switch (mode) {
    case RSVD_IO_BUFFERED:
        return "buffered";
    case RSVD_IO_DIRECT:
        return "direct";
    case RSVD_IO_WRITE_THROUGH:
        return "write-through";
    }
    return "?";
}

void rsvd_diag_set(rsvd_backend_diag *diag, uint32_t status, int err, const char *fmt, ...)
{
    if (!diag)
        return;
    diag->status = status;
    diag->sys_errno = err;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(diag->reason, sizeof diag->reason, fmt, ap); /* truncation is fine */
    va_end(ap);
}

/* ------------------------------------------------------------------------ */
/* Names                                                                     */
/* ------------------------------------------------------------------------ */

#define PF_NAME_MAX 255u

static bool name_char_ok(unsigned char c)
{
    /* Characters Windows forbids in a file name ([MS-FSCC] 2.1.5, file names). */
    if (c < 0x20)
        return false;
    return !strchr(":*?\"<>|", c);
}

uint32_t rsvd_posix_resolve_name(const char *name, char *out, size_t cap)
{
    if (!name || !name[0] || cap == 0)
        return RSVD_STATUS_OBJECT_NAME_INVALID;
    if (name[0] == '/' || name[0] == '\\')
        return RSVD_STATUS_OBJECT_NAME_INVALID; /* absolute */
    size_t n = 0;
    const char *p = name;
    for (;;) {
        const char *start = p;
        while (*p && *p != '/' && *p != '\\') {
            if (!name_char_ok((unsigned char)*p))
                return RSVD_STATUS_OBJECT_NAME_INVALID;
            p++;
        }
        size_t clen = (size_t)(p - start);
        if (clen == 0 || clen > PF_NAME_MAX)
            return RSVD_STATUS_OBJECT_NAME_INVALID; /* empty or too long component */
        if ((clen == 1 && start[0] == '.') || (clen == 2 && start[0] == '.' && start[1] == '.'))
            return RSVD_STATUS_OBJECT_NAME_INVALID; /* never walk up or in place */
        if (clen + 1 > cap - n)
            return RSVD_STATUS_OBJECT_NAME_INVALID;
        memcpy(out + n, start, clen);
        n += clen;
        if (!*p)
            break;
        out[n++] = '/';
        p++;
    }
    out[n] = '\0';
    return RSVD_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* The C library's system calls                                              */
/* ------------------------------------------------------------------------ */

/* Without openat2 (old kernels, valgrind): walks the path one component at
 * a time, refusing every symbolic link. The callers have already refused
 * "." and ".." components, so the walk cannot leave dirfd. */
int rsvd_posix_open_walk(int dirfd, const char *path, int flags, mode_t mode)
{
    char comp[256];
    int cur = dirfd;
    const char *p = path;
    for (;;) {
        const char *slash = strchr(p, '/');
        if (!slash)
            break;
        size_t n = (size_t)(slash - p);
        if (n == 0 || n >= sizeof comp) {
            if (cur != dirfd)
                close(cur);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        int next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        struct stat st;
        if (next < 0 && e == ENOTDIR && fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode))
            e = ELOOP; /* a link, refused as openat2 refuses one that leaves the root */
        if (cur != dirfd)
            close(cur);
        if (next < 0) {
            errno = e;
            return -1;
        }
        cur = next;
        p = slash + 1;
    }
    int fd = openat(cur, p, flags | O_NOFOLLOW, mode);
    int e = errno;
    if (cur != dirfd)
        close(cur);
    errno = e;
    return fd;
}

static int sys_open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
#if defined(RSVD_HAVE_OPENAT2_H) && defined(SYS_openat2)
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(unsigned)flags;
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long r2 = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (r2 >= 0 || errno != ENOSYS)
        return (int)r2;
#endif
    return rsvd_posix_open_walk(dirfd, path, flags, mode);
}

static int sys_open(const char *path, int flags, mode_t mode)
{
    return open(path, flags, mode);
}

static int sys_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *out)
{
    return statx(dirfd, path, flags, mask, out);
}

static const rsvd_posix_sys libc_sys = {
    .open_beneath = sys_open_beneath,
    .open = sys_open,
    .pread = pread,
    .pwrite = pwrite,
    .fdatasync = fdatasync,
    .ftruncate = ftruncate,
    .fallocate = fallocate,
    .statx = sys_statx,
    .unlinkat = unlinkat,
    .close = close,
    .lseek = lseek,
    .renameat = renameat,
};

const rsvd_posix_sys *rsvd_posix_sys_default(void)
{
    return &libc_sys;
}

/* ------------------------------------------------------------------------ */
/* Open                                                                      */
/* ------------------------------------------------------------------------ */

static int pfile_sys_open(const rsvd_posix_sys *sys, const rsvd_pfile_args *a, int flags)
{
    flags |= O_CLOEXEC | O_NOCTTY;
    if (a->dirfd >= 0)
        return sys->open_beneath(a->dirfd, a->path, flags, a->create_mode);
    return sys->open(a->path, flags, a->create_mode);
}

static bool is_pow2(size_t v)
{
    return v && !(v & (v - 1));
}

/* Allocates the bounce buffer aligned to f->mem_align. */
static bool pfile_alloc_bounce(rsvd_pfile *f, size_t size)
{
    size_t align = f->mem_align;
    f->bounce_alloc = rsvd_mem_alloc(f->mem, size + align);
    if (!f->bounce_alloc)
        return false;
    uintptr_t p = (uintptr_t)f->bounce_alloc;
    p = (p + align - 1) & ~(uintptr_t)(align - 1);
    f->bounce = (uint8_t *)p;
    f->bounce_size = size;
    return true;
}

/*
 * Decides whether the O_DIRECT descriptor @p f->fd can serve I/O in units of
 * @p sector bytes. @return 0, or writes the reason into f->why and returns -1.
 */
static int pfile_check_direct(rsvd_pfile *f, uint32_t sector)
{
    struct statx st;
    memset(&st, 0, sizeof st);
    unsigned mask = STATX_SIZE;
#ifdef STATX_DIOALIGN
    mask |= STATX_DIOALIGN;
#endif
    if (f->sys->statx(f->fd, "", AT_EMPTY_PATH, mask, &st) != 0) {
        (void)snprintf(f->why, sizeof f->why, "statx failed: %s", strerror(errno));
        return -1;
    }
    f->mem_align = sector;
#ifdef STATX_DIOALIGN
    if (st.stx_mask & STATX_DIOALIGN) {
        if (st.stx_dio_offset_align == 0) {
            (void)snprintf(f->why, sizeof f->why,
                           "the filesystem does not support O_DIRECT on this file");
            return -1;
        }
        if (st.stx_dio_offset_align > sector) {
            (void)snprintf(f->why, sizeof f->why,
                           "O_DIRECT needs %u-byte alignment, coarser than the %u-byte sector size",
                           st.stx_dio_offset_align, sector);
            return -1;
        }
        if (st.stx_dio_mem_align > f->mem_align)
            f->mem_align = st.stx_dio_mem_align;
    }
#endif
    if (!is_pow2(f->mem_align))
        f->mem_align = sector;
    return 0;
}

/* Probes one direct read of a sector: some filesystems accept O_DIRECT at
 * open and refuse it at the first I/O. */
static int pfile_probe_direct(rsvd_pfile *f, uint32_t sector)
{
    ssize_t n = f->sys->pread(f->fd, f->bounce, sector, 0);
    if (n < 0 && errno == EINVAL) {
        (void)snprintf(f->why, sizeof f->why, "the filesystem refused an O_DIRECT read (EINVAL)");
        return -1;
    }
    return 0; /* other errors belong to the I/O path, not to the mode */
}

uint32_t rsvd_pfile_open(rsvd_pfile *f, const rsvd_posix_sys *sys, const rsvd_pfile_args *a,
                         rsvd_backend_diag *diag)
{
    memset(f, 0, sizeof *f);
    f->sys = sys;
    f->fd = -1;
    f->mem = rsvd_mem_or_default(a->mem);
    f->mode = RSVD_IO_BUFFERED;
    if (diag) {
        memset(diag, 0, sizeof *diag);
    }

    if (a->want_direct && a->policy != RSVD_DIRECT_IO_NEVER) {
        f->fd = pfile_sys_open(sys, a, a->flags | O_DIRECT);
        bool refused = false;
        if (f->fd < 0) {
            int e = errno;
            if (e != EINVAL) {
                uint32_t st = rsvd_status_from_errno(e);
                rsvd_diag_set(diag, st, e, "cannot open %s: %s", a->path, strerror(e));
                return st;
            }
            (void)snprintf(f->why, sizeof f->why,
                           "the filesystem refused O_DIRECT (EINVAL at open)");
            refused = true;
        } else if (pfile_check_direct(f, a->sector_size) != 0) {
            refused = true;
        } else {
            if (!pfile_alloc_bounce(f, a->bounce_size)) {
                sys->close(f->fd);
                f->fd = -1;
                rsvd_diag_set(diag, RSVD_STATUS_INSUFFICIENT_RESOURCES, ENOMEM,
                              "no memory for the direct-I/O bounce buffer");
                return RSVD_STATUS_INSUFFICIENT_RESOURCES;
            }
            refused = pfile_probe_direct(f, a->sector_size) != 0;
        }
        if (!refused) {
            f->mode = RSVD_IO_DIRECT;
            return RSVD_STATUS_SUCCESS;
        }
        /* The filesystem refused O_DIRECT: apply the policy. */
        if (f->fd >= 0)
            sys->close(f->fd);
        f->fd = -1;
        rsvd_mem_free(f->mem, f->bounce_alloc);
        f->bounce_alloc = NULL;
        f->bounce = NULL;
        f->bounce_size = 0;
        if (a->policy == RSVD_DIRECT_IO_REQUIRE) {
            rsvd_diag_set(diag, RSVD_STATUS_NOT_SUPPORTED, EINVAL,
                          "direct I/O required but unavailable for %s: %s", a->path, f->why);
            return RSVD_STATUS_NOT_SUPPORTED;
        }
    } else if (a->want_direct) {
        (void)snprintf(f->why, sizeof f->why, "direct I/O disabled by configuration");
    }

    int flags = a->flags;
    if (a->want_direct) {
        flags |= O_DSYNC; /* write-through in place of direct I/O */
        f->mode = RSVD_IO_WRITE_THROUGH;
    }
    f->fd = pfile_sys_open(sys, a, flags);
    if (f->fd < 0) {
        int e = errno;
        uint32_t st = rsvd_status_from_errno(e);
        rsvd_diag_set(diag, st, e, "cannot open %s: %s", a->path, strerror(e));
        return st;
    }
    return RSVD_STATUS_SUCCESS;
}

uint32_t rsvd_pfile_close(rsvd_pfile *f)
{
    uint32_t st = RSVD_STATUS_SUCCESS;
    if (f->fd >= 0 && f->sys->close(f->fd) != 0)
        st = rsvd_status_from_errno(errno);
    f->fd = -1;
    if (f->bounce_alloc)
        rsvd_mem_free(f->mem, f->bounce_alloc);
    f->bounce_alloc = NULL;
    f->bounce = NULL;
    return st;
}

/* ------------------------------------------------------------------------ */
/* I/O                                                                       */
/* ------------------------------------------------------------------------ */

static bool off_ok(uint64_t off, size_t len)
{
    return off <= (uint64_t)INT64_MAX && (uint64_t)len <= (uint64_t)INT64_MAX - off;
}

/* One pread, retried on EINTR. @return bytes, 0 at EOF, -1 with errno. */
static ssize_t pread_once(rsvd_pfile *f, void *buf, size_t n, uint64_t off)
{
    ssize_t r;
    do
        r = f->sys->pread(f->fd, buf, n, (off_t)off);
    while (r < 0 && errno == EINTR);
    return r;
}

static ssize_t pwrite_once(rsvd_pfile *f, const void *buf, size_t n, uint64_t off)
{
    ssize_t r;
    do
        r = f->sys->pwrite(f->fd, buf, n, (off_t)off);
    while (r < 0 && errno == EINTR);
    return r;
}

static bool needs_bounce(const rsvd_pfile *f, const void *buf)
{
    return f->mode == RSVD_IO_DIRECT && ((uintptr_t)buf & (uintptr_t)(f->mem_align - 1)) != 0;
}

uint32_t rsvd_pfile_read(rsvd_pfile *f, uint64_t off, uint8_t *buf, size_t len, size_t *done)
{
    *done = 0;
    if (!off_ok(off, len))
        return RSVD_STATUS_INVALID_PARAMETER;
    bool bounce = needs_bounce(f, buf);
    while (*done < len) {
        size_t want = len - *done;
        if (bounce && want > f->bounce_size)
            want = f->bounce_size;
        uint8_t *dst = bounce ? f->bounce : buf + *done;
        ssize_t r = pread_once(f, dst, want, off + *done);
        if (r < 0)
            return rsvd_status_from_errno(errno);
        if (r == 0)
            break; /* end of file */
        if (bounce)
            memcpy(buf + *done, f->bounce, (size_t)r);
        *done += (size_t)r;
        if ((size_t)r < want && f->mode == RSVD_IO_DIRECT)
            break; /* a short direct read ends at end of file */
    }
    return RSVD_STATUS_SUCCESS;
}

uint32_t rsvd_pfile_write(rsvd_pfile *f, uint64_t off, const uint8_t *buf, size_t len,
                          size_t *done)
{
    *done = 0;
    if (!off_ok(off, len))
        return RSVD_STATUS_INVALID_PARAMETER;
    bool bounce = needs_bounce(f, buf);
    while (*done < len) {
        size_t want = len - *done;
        if (bounce && want > f->bounce_size)
            want = f->bounce_size;
        const uint8_t *src = buf + *done;
        if (bounce) {
            memcpy(f->bounce, src, want);
            src = f->bounce;
        }
        ssize_t r = pwrite_once(f, src, want, off + *done);
        if (r < 0)
            return rsvd_status_from_errno(errno);
        if (r == 0)
            return RSVD_STATUS_DISK_FULL; /* no progress: nothing more fits */
        *done += (size_t)r;
    }
    return RSVD_STATUS_SUCCESS;
}

uint32_t rsvd_pfile_flush(rsvd_pfile *f)
{
    int r;
    do
        r = f->sys->fdatasync(f->fd);
    while (r < 0 && errno == EINTR);
    return r == 0 ? RSVD_STATUS_SUCCESS : rsvd_status_from_errno(errno);
}

uint32_t rsvd_pfile_stat(rsvd_pfile *f, struct statx *st)
{
    memset(st, 0, sizeof *st);
    if (f->sys->statx(f->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, st) != 0)
        return rsvd_status_from_errno(errno);
    return RSVD_STATUS_SUCCESS;
}
