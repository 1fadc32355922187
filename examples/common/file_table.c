/*
 * Integrator template: the file table (see file_table.h).
 *
 * Fixed-size tables: a few small files, their opens and their byte-range
 * locks. Nothing here is part of librsvd; it stands for the file system an
 * SMB server sits on.
 */
#include "file_table.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#define FILES_MAX 16u
#define FILE_NAME_MAX 64u
#define FILE_SIZE_MAX 65536u
#define OPENS_MAX 32u
#define LOCKS_MAX 64u

typedef struct ft_file {
    bool used;
    char name[FILE_NAME_MAX];
    uint8_t data[FILE_SIZE_MAX];
    uint32_t size;
    struct file_handle *batch; /* the open holding the file's batch oplock */
    void *batch_owner;         /* ... and its owner's object */
} ft_file;

struct file_handle {
    file_table *fs;
    ft_file *file;
    bool used;
};

/* One byte-range lock held through an open. */
typedef struct ft_lock {
    file_handle *open; /* NULL: free slot */
    uint64_t offset;
    uint64_t length;
    bool exclusive;
} ft_lock;

struct file_table {
    ft_file files[FILES_MAX];
    file_handle opens[OPENS_MAX];
    ft_lock locks[LOCKS_MAX];
};

int file_table_new(file_table **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? RSVD_OK : RSVD_E_NOMEM;
}

void file_table_free(file_table *fs)
{
    free(fs);
}

static ft_file *find_file(file_table *fs, const char *name)
{
    for (size_t i = 0; i < FILES_MAX; i++)
        if (fs->files[i].used && strcasecmp(fs->files[i].name, name) == 0)
            return &fs->files[i];
    return NULL;
}

static ft_file *new_file(file_table *fs, const char *name)
{
    if (strlen(name) >= FILE_NAME_MAX)
        return NULL;
    for (size_t i = 0; i < FILES_MAX; i++) {
        ft_file *f = &fs->files[i];
        if (!f->used) {
            memset(f, 0, sizeof *f);
            f->used = true;
            strcpy(f->name, name);
            return f;
        }
    }
    return NULL;
}

int file_table_add(file_table *fs, const char *name, const void *content, size_t len)
{
    if (len > FILE_SIZE_MAX)
        return RSVD_E_NOSPC;
    ft_file *f = new_file(fs, name);
    if (!f)
        return RSVD_E_LIMIT;
    memcpy(f->data, content, len);
    f->size = (uint32_t)len;
    return RSVD_OK;
}

uint32_t file_table_open(file_table *fs, const char *name, uint32_t disposition,
                         file_handle **out)
{
    ft_file *f = find_file(fs, name);
    switch (disposition) {
    case RSVD_FILE_OPEN:
        if (!f)
            return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
        break;
    case RSVD_FILE_CREATE:
        if (f)
            return RSVD_STATUS_OBJECT_NAME_COLLISION;
        /* fall through */
    case RSVD_FILE_OPEN_IF:
        if (!f && !(f = new_file(fs, name)))
            return RSVD_STATUS_INSUFFICIENT_RESOURCES;
        break;
    default:
        return RSVD_STATUS_NOT_SUPPORTED;
    }
    for (size_t i = 0; i < OPENS_MAX; i++) {
        file_handle *o = &fs->opens[i];
        if (!o->used) {
            o->used = true;
            o->fs = fs;
            o->file = f;
            *out = o;
            return RSVD_STATUS_SUCCESS;
        }
    }
    return RSVD_STATUS_INSUFFICIENT_RESOURCES;
}

bool file_table_grant_batch(file_handle *o, void *owner)
{
    for (size_t i = 0; i < OPENS_MAX; i++) {
        const file_handle *e = &o->fs->opens[i];
        if (e->used && e != o && e->file == o->file)
            return false;
    }
    o->file->batch = o;
    o->file->batch_owner = owner;
    return true;
}

void *file_table_batch_owner(file_table *fs, const char *name)
{
    const ft_file *f = find_file(fs, name);
    return f && f->batch ? f->batch_owner : NULL;
}

void file_table_close(file_handle *o)
{
    if (o->file && o->file->batch == o) {
        o->file->batch = NULL;
        o->file->batch_owner = NULL;
    }
    for (size_t i = 0; i < LOCKS_MAX; i++)
        if (o->fs->locks[i].open == o)
            o->fs->locks[i].open = NULL; /* closing an open releases its locks */
    o->used = false;
    o->file = NULL;
}

static bool overlap(uint64_t a_off, uint64_t a_len, uint64_t b_off, uint64_t b_len)
{
    if (a_len == 0 || b_len == 0)
        return false; /* a zero-length range conflicts with nothing */
    uint64_t a_end = a_off + a_len - 1, b_end = b_off + b_len - 1; /* inclusive */
    if (a_end < a_off)
        a_end = UINT64_MAX;
    if (b_end < b_off)
        b_end = UINT64_MAX;
    return a_off <= b_end && b_off <= a_end;
}

/* An exclusive lock conflicts with every overlapping lock, even one held
 * through the same open (as on Windows); shared locks conflict only with
 * exclusive ones. */
static bool lock_conflicts(const file_handle *o, uint64_t off, uint64_t len, bool exclusive)
{
    for (size_t i = 0; i < LOCKS_MAX; i++) {
        const ft_lock *l = &o->fs->locks[i];
        if (l->open && l->open->file == o->file && overlap(off, len, l->offset, l->length) &&
            (exclusive || l->exclusive))
            return true;
    }
    return false;
}

static ft_lock *lock_add(file_handle *o, uint64_t off, uint64_t len, bool exclusive)
{
    for (size_t i = 0; i < LOCKS_MAX; i++) {
        ft_lock *l = &o->fs->locks[i];
        if (!l->open) {
            *l = (ft_lock){o, off, len, exclusive};
            return l;
        }
    }
    return NULL;
}

static ft_lock *lock_find(file_handle *o, uint64_t off, uint64_t len)
{
    for (size_t i = 0; i < LOCKS_MAX; i++) {
        ft_lock *l = &o->fs->locks[i];
        if (l->open == o && l->offset == off && l->length == len)
            return l;
    }
    return NULL;
}

/* [MS-SMB2] 3.3.5.14.1 Processing Unlocks. */
static uint32_t unlock_all(file_handle *o, const rsvd_smb2_lock_req *req)
{
    for (uint32_t i = 0; i < req->lock_count; i++) {
        rsvd_smb2_lock_element e;
        if (rsvd_smb2_lock_element_get(req, i, &e) != RSVD_OK)
            return RSVD_STATUS_INVALID_PARAMETER;
        /* "If SMB2_LOCKFLAG_SHARED_LOCK or SMB2_LOCKFLAG_EXCLUSIVE_LOCK is set, the
         * server MUST fail the request with STATUS_INVALID_PARAMETER" (earlier
         * unlocks of the request stay done). */
        if (e.flags & (RSVD_SMB2_LOCKFLAG_SHARED_LOCK | RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK))
            return RSVD_STATUS_INVALID_PARAMETER;
        ft_lock *l = lock_find(o, e.offset, e.length);
        if (!l)
            return RSVD_STATUS_RANGE_NOT_LOCKED;
        l->open = NULL;
    }
    return RSVD_STATUS_SUCCESS;
}

/* [MS-SMB2] 3.3.5.14.2 Processing Locks. */
static uint32_t lock_all(file_handle *o, const rsvd_smb2_lock_req *req)
{
    ft_lock *taken[LOCKS_MAX];
    uint32_t n = 0, status = RSVD_STATUS_SUCCESS;
    for (uint32_t i = 0; i < req->lock_count && status == RSVD_STATUS_SUCCESS; i++) {
        rsvd_smb2_lock_element e;
        if (rsvd_smb2_lock_element_get(req, i, &e) != RSVD_OK) {
            status = RSVD_STATUS_INVALID_PARAMETER;
            break;
        }
        uint32_t kind = e.flags & ~RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
        if (req->lock_count > 1 && !(e.flags & RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY))
            status = RSVD_STATUS_INVALID_PARAMETER; /* SHOULD, <373> */
        else if (kind != RSVD_SMB2_LOCKFLAG_SHARED_LOCK &&
                 kind != RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK)
            status = RSVD_STATUS_INVALID_PARAMETER; /* UNLOCK or another combination */
        else if (lock_conflicts(o, e.offset, e.length,
                                kind == RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK))
            status = RSVD_STATUS_LOCK_NOT_GRANTED;
        else if (n == LOCKS_MAX ||
                 !(taken[n] = lock_add(o, e.offset, e.length,
                                       kind == RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK)))
            status = RSVD_STATUS_INSUFFICIENT_RESOURCES;
        else
            n++;
    }
    if (status == RSVD_STATUS_LOCK_NOT_GRANTED)
        while (n > 0) /* "MUST unlock any ranges locked as part of processing the
                       * previous entries in the Locks array of this request" */
            taken[--n]->open = NULL;
    return status;
}

uint32_t file_table_lock(file_handle *o, const rsvd_smb2_lock_req *req)
{
    rsvd_smb2_lock_element first;
    if (rsvd_smb2_lock_element_get(req, 0, &first) != RSVD_OK)
        return RSVD_STATUS_INVALID_PARAMETER;
    return (first.flags & RSVD_SMB2_LOCKFLAG_UNLOCK) ? unlock_all(o, req) : lock_all(o, req);
}

static bool locked_by_other(const file_handle *o, uint64_t off, uint64_t len)
{
    for (size_t i = 0; i < LOCKS_MAX; i++) {
        const ft_lock *l = &o->fs->locks[i];
        if (l->open && l->open != o && l->open->file == o->file &&
            overlap(off, len, l->offset, l->length))
            return true;
    }
    return false;
}

uint32_t file_table_read(file_handle *o, uint64_t offset, uint8_t *buf, uint32_t len,
                         uint32_t *got)
{
    if (offset >= o->file->size)
        return RSVD_STATUS_END_OF_FILE;
    uint64_t n = o->file->size - offset;
    if (n > len)
        n = len;
    memcpy(buf, o->file->data + offset, (size_t)n);
    *got = (uint32_t)n;
    return RSVD_STATUS_SUCCESS;
}

uint32_t file_table_write(file_handle *o, uint64_t offset, const uint8_t *data, uint32_t len)
{
    if (offset > FILE_SIZE_MAX || len > FILE_SIZE_MAX - offset)
        return RSVD_STATUS_DISK_FULL;
    if (locked_by_other(o, offset, len))
        return RSVD_STATUS_FILE_LOCK_CONFLICT;
    memcpy(o->file->data + offset, data, len);
    if (offset + len > o->file->size)
        o->file->size = (uint32_t)(offset + len);
    return RSVD_STATUS_SUCCESS;
}

uint64_t file_handle_size(const file_handle *o)
{
    return o->file->size;
}

const char *file_handle_name(const file_handle *o)
{
    return o->file->name;
}

size_t file_handle_lock_count(const file_handle *o)
{
    size_t n = 0;
    for (size_t i = 0; i < LOCKS_MAX; i++)
        n += o->fs->locks[i].open == o;
    return n;
}

size_t file_table_open_count(const file_table *fs)
{
    size_t n = 0;
    for (size_t i = 0; i < OPENS_MAX; i++)
        n += fs->opens[i].used;
    return n;
}
