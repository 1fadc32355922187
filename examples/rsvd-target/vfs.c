/*
 * rsvd-target: the files of a share on the host's file system (see vfs.h).
 */
#include "vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target_status.h"
#include "timeutil.h"
#include "utf16.h"
#include <rsvd/fscc.h>
#include <rsvd/status.h>

/* [MS-FSCC] 2.1.4.1: characters a file name component cannot hold. */
static bool bad_char(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '*' || c == '/' || c == ':' || c == '<' || c == '>' ||
           c == '?' || c == '|';
}

uint32_t tgt_vfs_name(const uint8_t *name16, size_t len, char *out, size_t cap, bool *stream)
{
    *stream = false;
    if (len == 0) {
        if (cap == 0)
            return RSVD_STATUS_OBJECT_NAME_INVALID;
        out[0] = 0;
        return RSVD_STATUS_SUCCESS;
    }
    if (tgt_utf16_to_utf8(name16, len, out, cap) != 0)
        return RSVD_STATUS_OBJECT_NAME_INVALID;
    if (out[0] == '\\')
        return RSVD_STATUS_INVALID_PARAMETER; /* [MS-SMB2] 3.3.5.9 */
    /* The default data stream names the file itself. */
    size_t n = strlen(out);
    static const char data_stream[] = "::$DATA";
    if (n > sizeof data_stream - 1 &&
        tgt_name_equal_nocase(out + n - (sizeof data_stream - 1), data_stream))
        out[n - (sizeof data_stream - 1)] = 0;
    char *colon = strchr(out, ':');
    if (colon) {
        *stream = true;
        *colon = 0;
    }
    /* Components: not empty, not "." or "..", no forbidden character. */
    char *p = out;
    for (;;) {
        char *end = strchr(p, '\\');
        size_t clen = end ? (size_t)(end - p) : strlen(p);
        if (clen == 0 || (clen == 1 && p[0] == '.') || (clen == 2 && p[0] == '.' && p[1] == '.'))
            return RSVD_STATUS_OBJECT_NAME_INVALID;
        for (size_t i = 0; i < clen; i++)
            if (bad_char((unsigned char)p[i]))
                return RSVD_STATUS_OBJECT_NAME_INVALID;
        if (clen > 255)
            return RSVD_STATUS_OBJECT_NAME_INVALID;
        if (!end)
            break;
        *end = '/';
        p = end + 1;
    }
    return RSVD_STATUS_SUCCESS;
}

uint32_t tgt_vfs_status(int err)
{
    switch (err) {
    case 0: return RSVD_STATUS_SUCCESS;
    case ENOENT: return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    case ENOTDIR: return RSVD_STATUS_OBJECT_PATH_NOT_FOUND;
    case EEXIST: return RSVD_STATUS_OBJECT_NAME_COLLISION;
    case EACCES:
    case EPERM:
    case ELOOP: return RSVD_STATUS_ACCESS_DENIED;
    case EISDIR: return TGT_STATUS_FILE_IS_A_DIRECTORY;
    case ENOTEMPTY: return TGT_STATUS_DIRECTORY_NOT_EMPTY;
    case ENOSPC:
    case EDQUOT: return RSVD_STATUS_DISK_FULL;
    case ENAMETOOLONG: return RSVD_STATUS_OBJECT_NAME_INVALID;
    case EROFS: return RSVD_STATUS_MEDIA_WRITE_PROTECTED;
    case ENOMEM: return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    case EXDEV: return TGT_STATUS_NOT_SAME_DEVICE;
    case EFBIG:
    case EINVAL: return RSVD_STATUS_INVALID_PARAMETER;
    default: return RSVD_STATUS_IO_DEVICE_ERROR;
    }
}

long tgt_vfs_list(int fd, char ***names)
{
    int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0)
        return -1;
    DIR *dir = fdopendir(d);
    if (!dir) {
        close(d);
        return -1;
    }
    size_t n = 2, cap = 16;
    char **v = malloc(cap * sizeof *v);
    if (!v) {
        closedir(dir);
        return -1;
    }
    v[0] = strdup(".");
    v[1] = strdup("..");
    if (!v[0] || !v[1]) {
        tgt_vfs_names_free(v, 2);
        closedir(dir);
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            char **nv = realloc(v, 2 * cap * sizeof *nv);
            if (!nv) {
                tgt_vfs_names_free(v, n);
                closedir(dir);
                return -1;
            }
            v = nv;
            cap *= 2;
        }
        v[n] = strdup(e->d_name);
        if (!v[n]) {
            tgt_vfs_names_free(v, n);
            closedir(dir);
            return -1;
        }
        n++;
    }
    closedir(dir);
    *names = v;
    return (long)n;
}

void tgt_vfs_names_free(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The entry of directory @p dir named @p name without ASCII case, into
 * @p out. @return 0 (found), 1 (not found) or -1. */
static int find_nocase(int dir, const char *name, char *out, size_t cap)
{
    char **v = NULL;
    long n = tgt_vfs_list(dir, &v);
    if (n < 0)
        return -1;
    int rc = 1;
    for (long i = 2; i < n; i++) {
        if (tgt_name_equal_nocase(v[i], name)) {
            if (strlen(v[i]) < cap) {
                strcpy(out, v[i]);
                rc = 0;
            } else {
                rc = -1;
            }
            break;
        }
    }
    tgt_vfs_names_free(v, (size_t)n);
    return rc;
}

uint32_t tgt_vfs_lookup(int root_fd, const char *rel, char *out, size_t cap, bool *exists)
{
    *exists = false;
    if (strlen(rel) >= cap)
        return RSVD_STATUS_OBJECT_NAME_INVALID;
    strcpy(out, rel);
    if (!out[0]) {
        *exists = true;
        return RSVD_STATUS_SUCCESS;
    }
    int dir = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return tgt_vfs_status(errno);
    char *p = out;
    uint32_t status = RSVD_STATUS_SUCCESS;
    for (;;) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = 0;
        struct stat st;
        bool found = fstatat(dir, p, &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (!found) {
            char real[256];
            if (find_nocase(dir, p, real, sizeof real) == 0 && strlen(real) == strlen(p)) {
                memcpy(p, real, strlen(real)); /* same length: ASCII folding only */
                found = fstatat(dir, p, &st, AT_SYMLINK_NOFOLLOW) == 0;
            }
        }
        if (!slash) {
            *exists = found;
            break;
        }
        *slash = '/';
        if (!found || !S_ISDIR(st.st_mode)) {
            status = RSVD_STATUS_OBJECT_PATH_NOT_FOUND;
            break;
        }
        *slash = 0;
        int next = openat(dir, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        *slash = '/';
        if (next < 0) {
            status = RSVD_STATUS_OBJECT_PATH_NOT_FOUND;
            break;
        }
        close(dir);
        dir = next;
        p = slash + 1;
    }
    close(dir);
    return status;
}

int tgt_vfs_parent(int root_fd, const char *rel, const char **leaf)
{
    int dir = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    const char *p = rel;
    char comp[256];
    while (dir >= 0) {
        const char *slash = strchr(p, '/');
        if (!slash)
            break;
        size_t n = (size_t)(slash - p);
        if (n >= sizeof comp) {
            close(dir);
            return -1;
        }
        memcpy(comp, p, n);
        comp[n] = 0;
        int next = openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(dir);
        dir = next;
        p = slash + 1;
    }
    *leaf = p;
    return dir;
}

uint32_t tgt_vfs_open(int root_fd, const char *rel, uint32_t disposition, uint32_t options,
                      bool writable, tgt_vfs_opened *out)
{
    memset(out, 0, sizeof *out);
    out->fd = -1;
    const bool want_dir = (options & RSVD_FILE_DIRECTORY_FILE) != 0;
    const bool want_file = (options & RSVD_FILE_NON_DIRECTORY_FILE) != 0;
    if (disposition > RSVD_FILE_OVERWRITE_IF)
        return RSVD_STATUS_INVALID_PARAMETER;
    if (want_dir && want_file)
        return RSVD_STATUS_INVALID_PARAMETER; /* [MS-SMB2] 3.3.5.9 */
    /* [MS-FSA] 2.1.5.1: a directory cannot be superseded or overwritten. */
    if (want_dir && disposition != RSVD_FILE_OPEN && disposition != RSVD_FILE_CREATE &&
        disposition != RSVD_FILE_OPEN_IF)
        return RSVD_STATUS_INVALID_PARAMETER;

    const char *leaf;
    int dir = tgt_vfs_parent(root_fd, rel, &leaf);
    if (dir < 0)
        return RSVD_STATUS_OBJECT_PATH_NOT_FOUND;
    const char *target = leaf[0] ? leaf : ".";
    struct stat st;
    bool exists = fstatat(dir, target, &st, AT_SYMLINK_NOFOLLOW) == 0;
    uint32_t status = RSVD_STATUS_SUCCESS;
    if (exists && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        status = RSVD_STATUS_ACCESS_DENIED; /* a link, a device: not served */
        goto out;
    }
    if (exists) {
        bool is_dir = S_ISDIR(st.st_mode);
        if (disposition == RSVD_FILE_CREATE) {
            status = RSVD_STATUS_OBJECT_NAME_COLLISION;
            goto out;
        }
        if (want_dir && !is_dir) {
            status = TGT_STATUS_NOT_A_DIRECTORY;
            goto out;
        }
        if (want_file && is_dir) {
            status = TGT_STATUS_FILE_IS_A_DIRECTORY;
            goto out;
        }
        bool truncate = disposition == RSVD_FILE_SUPERSEDE || disposition == RSVD_FILE_OVERWRITE ||
                        disposition == RSVD_FILE_OVERWRITE_IF;
        if (is_dir && truncate) {
            status = RSVD_STATUS_INVALID_PARAMETER;
            goto out;
        }
        int flags = O_CLOEXEC | O_NOFOLLOW;
        if (is_dir)
            flags |= O_RDONLY | O_DIRECTORY;
        else
            flags |= (writable || truncate ? O_RDWR : O_RDONLY) | (truncate ? O_TRUNC : 0);
        out->fd = openat(dir, target, flags);
        if (out->fd < 0 && !is_dir && !truncate && writable && errno == EACCES)
            out->fd = openat(dir, target, O_CLOEXEC | O_NOFOLLOW | O_RDONLY);
        if (out->fd < 0) {
            status = tgt_vfs_status(errno);
            goto out;
        }
        out->is_dir = is_dir;
        out->action = disposition == RSVD_FILE_SUPERSEDE ? RSVD_FILE_SUPERSEDED
                      : truncate                          ? RSVD_FILE_OVERWRITTEN
                                                          : RSVD_FILE_OPENED;
    } else {
        if (disposition == RSVD_FILE_OPEN || disposition == RSVD_FILE_OVERWRITE) {
            status = RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
            goto out;
        }
        if (!leaf[0]) {
            status = RSVD_STATUS_OBJECT_NAME_INVALID;
            goto out;
        }
        if (want_dir) {
            if (mkdirat(dir, leaf, 0755) != 0) {
                status = tgt_vfs_status(errno);
                goto out;
            }
            out->fd = openat(dir, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            out->is_dir = true;
        } else {
            out->fd = openat(dir, leaf, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        }
        if (out->fd < 0) {
            status = tgt_vfs_status(errno);
            goto out;
        }
        out->action = RSVD_FILE_CREATED;
    }
    if (fstat(out->fd, &out->st) != 0) {
        status = tgt_vfs_status(errno);
        close(out->fd);
        out->fd = -1;
    }
out:
    close(dir);
    return status;
}

static void from_statx(const struct statx *px, tgt_file_info *fi)
{
    const struct statx sx = *px;
    fi->last_access_time = tgt_filetime_from_timespec(sx.stx_atime.tv_sec, sx.stx_atime.tv_nsec);
    fi->last_write_time = tgt_filetime_from_timespec(sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec);
    fi->change_time = tgt_filetime_from_timespec(sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec);
    fi->creation_time = (sx.stx_mask & STATX_BTIME)
                            ? tgt_filetime_from_timespec(sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec)
                            : fi->change_time < fi->last_write_time ? fi->change_time
                                                                     : fi->last_write_time;
    fi->directory = S_ISDIR(sx.stx_mode);
    fi->end_of_file = fi->directory ? 0 : sx.stx_size;
    fi->allocation_size = fi->directory ? 0 : (uint64_t)sx.stx_blocks * 512u;
    /* [MS-FSCC] 2.6: a directory, or a file (ARCHIVE, as Windows marks a
     * file written since its last backup). */
    fi->attributes = fi->directory ? TGT_ATTR_DIRECTORY : TGT_ATTR_ARCHIVE;
    fi->links = sx.stx_nlink;
    fi->index_number = sx.stx_ino;
}

int tgt_vfs_stat(int fd, tgt_file_info *fi)
{
    memset(fi, 0, sizeof *fi);
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0)
        return -1;
    from_statx(&sx, fi);
    return 0;
}

int tgt_vfs_stat_at(int dir, const char *name, tgt_file_info *fi, bool *is_file_or_dir)
{
    memset(fi, 0, sizeof *fi);
    struct statx sx;
    if (statx(dir, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0)
        return -1;
    *is_file_or_dir = S_ISREG(sx.stx_mode) || S_ISDIR(sx.stx_mode);
    from_statx(&sx, fi);
    return 0;
}

static struct timespec time_of(uint64_t filetime)
{
    struct timespec ts;
    /* FILETIME 0 and -1 leave the time alone ([MS-FSCC] 2.4.7). */
    if (filetime == 0 || filetime == UINT64_MAX) {
        ts.tv_sec = 0;
        ts.tv_nsec = UTIME_OMIT;
        return ts;
    }
    const uint64_t epoch = 116444736000000000ull; /* 1970-01-01 as a FILETIME */
    uint64_t t = filetime > epoch ? filetime - epoch : 0;
    ts.tv_sec = (time_t)(t / 10000000u);
    ts.tv_nsec = (long)(t % 10000000u) * 100;
    return ts;
}

uint32_t tgt_vfs_set_times(int fd, const tgt_set_basic *b)
{
    struct timespec ts[2] = {time_of(b->last_access_time), time_of(b->last_write_time)};
    if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
        return RSVD_STATUS_SUCCESS;
    return futimens(fd, ts) == 0 ? RSVD_STATUS_SUCCESS : tgt_vfs_status(errno);
}

uint32_t tgt_vfs_unlink(int root_fd, const char *rel, bool is_dir)
{
    const char *leaf;
    int dir = tgt_vfs_parent(root_fd, rel, &leaf);
    if (dir < 0)
        return RSVD_STATUS_OBJECT_PATH_NOT_FOUND;
    int rc = leaf[0] ? unlinkat(dir, leaf, is_dir ? AT_REMOVEDIR : 0) : -1;
    int err = leaf[0] ? errno : EACCES;
    close(dir);
    return rc == 0 ? RSVD_STATUS_SUCCESS : tgt_vfs_status(err);
}

uint32_t tgt_vfs_rename(int root_fd, const char *from, const char *to, bool replace)
{
    const char *fleaf, *tleaf;
    int fdir = tgt_vfs_parent(root_fd, from, &fleaf);
    int tdir = tgt_vfs_parent(root_fd, to, &tleaf);
    uint32_t status = RSVD_STATUS_SUCCESS;
    if (fdir < 0 || tdir < 0 || !fleaf[0] || !tleaf[0]) {
        status = RSVD_STATUS_OBJECT_PATH_NOT_FOUND;
    } else {
        struct stat st;
        if (!replace && fstatat(tdir, tleaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            strcmp(from, to) != 0) {
            status = RSVD_STATUS_OBJECT_NAME_COLLISION;
        } else if (renameat(fdir, fleaf, tdir, tleaf) != 0) {
            status = errno == EEXIST || errno == ENOTEMPTY ? RSVD_STATUS_ACCESS_DENIED
                                                           : tgt_vfs_status(errno);
        }
    }
    if (fdir >= 0)
        close(fdir);
    if (tdir >= 0)
        close(tdir);
    return status;
}

bool tgt_vfs_dir_empty(int fd)
{
    char **v = NULL;
    long n = tgt_vfs_list(fd, &v);
    if (n < 0)
        return false;
    tgt_vfs_names_free(v, (size_t)n);
    return n == 2;
}

static char fold(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* [MS-FSA] 2.1.4.4 IsInExpression by dynamic programming over (pattern
 * position, name position): next[j] says whether the pattern from i + 1
 * matches the name from j, cur[j] the same from i. Time grows with the
 * product of the lengths, never exponentially with the wildcards. */
bool tgt_vfs_match(const char *pattern, const char *name)
{
    size_t np = strlen(pattern), nn = strlen(name);
    if (np > TGT_VFS_PATTERN_MAX || nn > TGT_VFS_NAME_MAX)
        return false;
    bool next[TGT_VFS_NAME_MAX + 1], cur[TGT_VFS_NAME_MAX + 1];
    const char *dot = strrchr(name, '.');
    size_t last_dot = dot ? (size_t)(dot - name) : nn + 1;
    for (size_t j = 0; j <= nn; j++)
        next[j] = j == nn; /* the empty pattern matches only the empty rest */
    for (size_t i = np; i-- > 0;) {
        const char c = pattern[i];
        bool run = false; /* DOS_STAR: next[j..end] has a match */
        for (size_t j = nn + 1; j-- > 0;) {
            bool m;
            switch (c) {
            case '*': /* any run */
                m = next[j] || (j < nn && cur[j + 1]);
                break;
            case '<': /* DOS_STAR: any run that stops at or before the name's last '.' */
                if (j == last_dot)
                    run = false;
                run = run || next[j];
                m = run;
                break;
            case '>': /* DOS_QM: one character, or nothing at a '.' or the end */
                m = (j < nn && name[j] != '.') ? next[j + 1] : next[j];
                break;
            case '"': /* DOS_DOT: a '.', or nothing at the end */
                m = j < nn ? name[j] == '.' && next[j + 1] : next[j];
                break;
            case '?':
                m = j < nn && next[j + 1];
                break;
            default:
                m = j < nn && fold(c) == fold(name[j]) && next[j + 1];
                break;
            }
            cur[j] = m;
        }
        memcpy(next, cur, (nn + 1) * sizeof next[0]);
    }
    return next[0];
}
