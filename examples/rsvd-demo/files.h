/*
 * rsvd-demo: the plain files of the demo's file server.
 *
 * A shared virtual disk is not the only thing a guest cluster keeps on the
 * file server: each virtual machine has its configuration file there too,
 * opened as an ordinary file, with byte-range locks on it. This is the
 * server's "object store" for those opens: a tiny in-memory file table with
 * [MS-SMB2] 3.3.5.14.1/3.3.5.14.2 byte-range locks. The SMB2 dispatch
 * (server.c) registers each open with the resilient-handle server like any
 * other open; only Open.LocalOpen lives here.
 */
#ifndef RSVD_DEMO_FILES_H
#define RSVD_DEMO_FILES_H

#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>

/** The file table. */
typedef struct demo_files demo_files;
/** One open of a file (Open.LocalOpen of a plain open). */
typedef struct demo_file_open demo_file_open;

/** Creates an empty table. @return RSVD_OK or RSVD_E_NOMEM. */
int demo_files_new(demo_files **out);
/** Frees the table; every open must have been closed. */
void demo_files_free(demo_files *fs);

/** Adds a file with @p content (copied). @return RSVD_OK, RSVD_E_LIMIT or
 * RSVD_E_NOSPC (content too large). */
int demo_files_add(demo_files *fs, const char *name, const void *content, size_t len);

/**
 * Opens @p name (ASCII, compared without regard to case) with SMB2
 * CreateDisposition @p disposition: FILE_OPEN needs the file, FILE_OPEN_IF
 * and FILE_CREATE create it (FILE_CREATE fails on an existing one).
 * @return STATUS_SUCCESS (*out set), STATUS_OBJECT_NAME_NOT_FOUND,
 * STATUS_OBJECT_NAME_COLLISION, STATUS_INSUFFICIENT_RESOURCES or
 * STATUS_NOT_SUPPORTED (another disposition).
 */
uint32_t demo_files_open(demo_files *fs, const char *name, uint32_t disposition,
                         demo_file_open **out);

/** Closes an open; its byte-range locks are released. */
void demo_files_close(demo_file_open *o);

/**
 * Applies the elements of a decoded LOCK request through this open:
 * unlocks as [MS-SMB2] 3.3.5.14.1 says when the first element has
 * SMB2_LOCKFLAG_UNLOCK, else locks as 3.3.5.14.2 says (a conflict fails with
 * STATUS_LOCK_NOT_GRANTED and undoes the locks of this request). The table
 * never waits: a conflicting lock without FAIL_IMMEDIATELY is refused the
 * same way.
 * @return the NTSTATUS of the whole request.
 */
uint32_t demo_files_lock(demo_file_open *o, const rsvd_smb2_lock_req *req);

/** Reads up to @p len bytes at @p offset. @return STATUS_SUCCESS (*got
 * set) or STATUS_END_OF_FILE. */
uint32_t demo_files_read(demo_file_open *o, uint64_t offset, uint8_t *buf, uint32_t len,
                         uint32_t *got);
/** Writes @p len bytes at @p offset. @return STATUS_SUCCESS, STATUS_DISK_FULL
 * (past the table's file size limit) or STATUS_FILE_LOCK_CONFLICT (the range
 * is locked by another open). */
uint32_t demo_files_write(demo_file_open *o, uint64_t offset, const uint8_t *data, uint32_t len);

/** @return the file's size in bytes. */
uint64_t demo_files_size(const demo_file_open *o);
/** @return the file's name. */
const char *demo_files_name(const demo_file_open *o);
/** @return the byte-range locks this open holds. */
size_t demo_files_lock_count(const demo_file_open *o);
/** @return the opens of the whole table. */
size_t demo_files_open_count(const demo_files *fs);

#endif /* RSVD_DEMO_FILES_H */
