/*
 * Integrator template: a file table for the opens librsvd does not own.
 *
 * A shared virtual disk is not the only thing a guest cluster keeps on the
 * file server: each virtual machine has its configuration file there too,
 * opened as an ordinary file, with byte-range locks on it. librsvd's RSVD
 * server owns the shared-disk opens; every other open is the host's. This
 * is a tiny in-memory stand-in for the host's file system: a few files,
 * their opens (Open.LocalOpen of a plain open) and [MS-SMB2]
 * 3.3.5.14.1/3.3.5.14.2 byte-range locks. The SMB2 dispatch
 * (smb2_dispatch.c) registers each open with the resilient-handle server
 * like any other open; only Open.LocalOpen lives here.
 *
 * Adapt: replace it with your VFS (open, close, read, write, byte-range
 * locks), keeping the statuses the functions below return.
 */
#ifndef EXAMPLES_FILE_TABLE_H
#define EXAMPLES_FILE_TABLE_H

#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>

/** The file table. */
typedef struct file_table file_table;
/** One open of a file (Open.LocalOpen of a plain open). */
typedef struct file_handle file_handle;

/** Creates an empty table. @return RSVD_OK or RSVD_E_NOMEM. */
int file_table_new(file_table **out);
/** Frees the table; every open must have been closed. */
void file_table_free(file_table *fs);

/** Adds a file with @p content (copied). @return RSVD_OK, RSVD_E_LIMIT or
 * RSVD_E_NOSPC (content too large). */
int file_table_add(file_table *fs, const char *name, const void *content, size_t len);

/**
 * Opens @p name (ASCII, compared without regard to case) with SMB2
 * CreateDisposition @p disposition: FILE_OPEN needs the file, FILE_OPEN_IF
 * and FILE_CREATE create it (FILE_CREATE fails on an existing one).
 * @return STATUS_SUCCESS (*out set), STATUS_OBJECT_NAME_NOT_FOUND,
 * STATUS_OBJECT_NAME_COLLISION, STATUS_INSUFFICIENT_RESOURCES or
 * STATUS_NOT_SUPPORTED (another disposition).
 */
uint32_t file_table_open(file_table *fs, const char *name, uint32_t disposition,
                         file_handle **out);

/** Grants @p o a batch oplock ([MS-SMB2] 3.3.5.9 "Oplock Acquisition",
 * [MS-FSA] 2.1.5.17) when it is the only open of its file; @p owner is
 * what file_table_batch_owner() gives back. The table breaks no oplock:
 * its holder keeps it until it closes. @return true if granted. */
bool file_table_grant_batch(file_handle *o, void *owner);

/** The owner of the open holding @p name's batch oplock, or NULL. */
void *file_table_batch_owner(file_table *fs, const char *name);

/** Closes an open; its byte-range locks (and its oplock) are released. */
void file_table_close(file_handle *o);

/**
 * Applies the elements of a decoded LOCK request through this open:
 * unlocks as [MS-SMB2] 3.3.5.14.1 says when the first element has
 * SMB2_LOCKFLAG_UNLOCK, else locks as 3.3.5.14.2 says (a conflict fails with
 * STATUS_LOCK_NOT_GRANTED and undoes the locks of this request). The table
 * never waits: a conflicting lock without FAIL_IMMEDIATELY is refused the
 * same way.
 * @return the NTSTATUS of the whole request.
 */
uint32_t file_table_lock(file_handle *o, const rsvd_smb2_lock_req *req);

/** Reads up to @p len bytes at @p offset. @return STATUS_SUCCESS (*got
 * set) or STATUS_END_OF_FILE. */
uint32_t file_table_read(file_handle *o, uint64_t offset, uint8_t *buf, uint32_t len,
                         uint32_t *got);
/** Writes @p len bytes at @p offset. @return STATUS_SUCCESS, STATUS_DISK_FULL
 * (past the table's file size limit) or STATUS_FILE_LOCK_CONFLICT (the range
 * is locked by another open). */
uint32_t file_table_write(file_handle *o, uint64_t offset, const uint8_t *data, uint32_t len);

/** @return the file's size in bytes. */
uint64_t file_handle_size(const file_handle *o);
/** @return the file's name. */
const char *file_handle_name(const file_handle *o);
/** @return the byte-range locks this open holds. */
size_t file_handle_lock_count(const file_handle *o);
/** @return the opens of the whole table. */
size_t file_table_open_count(const file_table *fs);

#endif /* EXAMPLES_FILE_TABLE_H */
