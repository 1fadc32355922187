/*
 * rsvd-target: the files of a share on the host's file system - an SMB2
 * name resolved to a path below the share's directory, opened or created as
 * a CREATE's disposition says, and the file operations the commands need.
 *
 * Names: SMB2 names are UTF-16LE with '\\' separators ([MS-SMB2] 2.2.13,
 * [MS-FSCC] 2.1.5); they become UTF-8 paths relative to the share. A
 * component that is empty, "." or "..", or holds a character [MS-FSCC]
 * 2.1.4.1 forbids, is refused; each component is looked up exactly, then
 * without ASCII case (SMB2 names are case-insensitive). Every step is an
 * openat() with O_NOFOLLOW from the share's directory: no symbolic link is
 * followed, so nothing outside the share is ever reached.
 */
#ifndef RSVD_TARGET_VFS_H
#define RSVD_TARGET_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fscc_info.h"

/**
 * Converts an SMB2 name to a relative UTF-8 path ('/' separators, "" for the
 * share root), checking every component. A trailing "::$DATA" (the default
 * data stream) is dropped; another stream name is *stream set.
 * @return STATUS_SUCCESS, STATUS_OBJECT_NAME_INVALID, or
 * STATUS_INVALID_PARAMETER (a leading separator, [MS-SMB2] 3.3.5.9).
 */
uint32_t tgt_vfs_name(const uint8_t *name16, size_t len, char *out, size_t cap, bool *stream);

/**
 * Finds the on-disk spelling of @p rel below @p root_fd: each component
 * exactly, else without ASCII case. The last component may not exist (its
 * name is kept as given).
 * @return STATUS_SUCCESS (*exists says whether the last one does),
 * STATUS_OBJECT_PATH_NOT_FOUND (a parent is missing or not a directory) or
 * STATUS_OBJECT_NAME_INVALID (no room).
 */
uint32_t tgt_vfs_lookup(int root_fd, const char *rel, char *out, size_t cap, bool *exists);

/** Opens the directory that holds @p rel (O_PATH, no symlinks), and points
 * *leaf at its last component ("" for the root). @return an fd or -1. */
int tgt_vfs_parent(int root_fd, const char *rel, const char **leaf);

/** What tgt_vfs_open() did. */
typedef struct tgt_vfs_opened {
    int fd;
    bool is_dir;
    uint32_t action; /* RSVD_FILE_SUPERSEDED ... RSVD_FILE_OVERWRITTEN */
    struct stat st;
} tgt_vfs_opened;

/**
 * Opens or creates @p rel (already looked up) as a CREATE's disposition and
 * options say ([MS-SMB2] 3.3.5.9; [MS-FSA] 2.1.5.1): FILE_DIRECTORY_FILE
 * and FILE_NON_DIRECTORY_FILE, the six dispositions, a directory created
 * with mkdir. @p writable opens a file for writing too.
 * @return STATUS_SUCCESS, STATUS_OBJECT_NAME_NOT_FOUND,
 * STATUS_OBJECT_NAME_COLLISION, STATUS_NOT_A_DIRECTORY,
 * STATUS_FILE_IS_A_DIRECTORY, STATUS_INVALID_PARAMETER,
 * STATUS_ACCESS_DENIED, or another status from errno.
 */
uint32_t tgt_vfs_open(int root_fd, const char *rel, uint32_t disposition, uint32_t options,
                      bool writable, tgt_vfs_opened *out);

/** Fills @p fi from an open file (times with the birth time where the
 * file system keeps one). @return 0 or -1. */
int tgt_vfs_stat(int fd, tgt_file_info *fi);

/** As tgt_vfs_stat() for the entry @p name of the directory open as
 * @p dir, without following a link; *is_file_or_dir false for anything
 * else (a link, a device), which a share does not show. */
int tgt_vfs_stat_at(int dir, const char *name, tgt_file_info *fi, bool *is_file_or_dir);

/** Sets the times a FileBasicInformation asks for (0 and -1 leave one
 * alone; the creation time cannot be set here and is ignored). */
uint32_t tgt_vfs_set_times(int fd, const tgt_set_basic *b);

/** Removes @p rel (a directory with rmdir). @return a status. */
uint32_t tgt_vfs_unlink(int root_fd, const char *rel, bool is_dir);

/** Renames @p from to @p to, both relative to the share.
 * @return STATUS_SUCCESS, STATUS_OBJECT_NAME_COLLISION (exists and not
 * @p replace), STATUS_OBJECT_PATH_NOT_FOUND, STATUS_ACCESS_DENIED. */
uint32_t tgt_vfs_rename(int root_fd, const char *from, const char *to, bool replace);

/** @return true if the directory open as @p fd has no entry but . and .. */
bool tgt_vfs_dir_empty(int fd);

/** Reads the names in the directory open as @p fd ("." and ".." first).
 * @return the count, or -1; free with tgt_vfs_names_free(). */
long tgt_vfs_list(int fd, char ***names);
void tgt_vfs_names_free(char **names, size_t n);

/** @return the status an errno value maps to. */
uint32_t tgt_vfs_status(int err);

/** The longest pattern and name tgt_vfs_match() compares, in bytes (a
 * longer one matches nothing). */
#define TGT_VFS_PATTERN_MAX 1024u
#define TGT_VFS_NAME_MAX 255u

/**
 * [MS-FSA] 2.1.4.4: does @p name match @p pattern, without ASCII case?
 * '*' matches any run, '?' any one character; the DOS wildcards '<' (DOS_STAR),
 * '>' (DOS_QM) and '"' (DOS_DOT) as [MS-FSA] defines them.
 */
bool tgt_vfs_match(const char *pattern, const char *name);

#endif /* RSVD_TARGET_VFS_H */
