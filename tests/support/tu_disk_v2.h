/*
 * Helpers for the tests of the built-in disk's version-2 operations
 * (cmocka): a disk with a storage directory of its own, over memory or over
 * a file, that can be closed and created again from its files; each
 * backend function called and its completion checked; and a model of the
 * content the disk and each snapshot must have.
 */
#ifndef RSVD_TU_DISK_V2_H
#define RSVD_TU_DISK_V2_H

#include <rsvd/file_store.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "testutil.h"
#include "tu_memblock.h"

typedef struct tu_v2 {
    char dir[512];               /* the storage directory, made for the test */
    char img[600];               /* dir/disk.img, the file under a file-backed disk */
    bool file;                   /* over a file block source (else memory) */
    uint64_t size;               /* size the disk was made with */
    tu_memblock mb;
    rsvd_file_block *fb;
    rsvd_scsi_disk_config cfg;   /* as the disk was last created */
    rsvd_scsi_disk *disk;
    rsvd_scsi_disk_set *set;
    const rsvd_scsi_disk_ops *ops;
    void *h;                     /* an open of disk.vhdx for initiator 1 */
} tu_v2;

/** Makes a disk of @p size bytes (512-byte sectors, 4096 physical) named
 * "disk.vhdx" with a storage directory, copy-on-write unit @p chunk (0:
 * the default), and opens it for initiator 1. */
void tu_v2_init(tu_v2 *t, bool file, uint64_t size, uint32_t chunk);
/** Closes every handle and the disk, then creates the disk again from the
 * same block source and files, as a restarted host would. */
void tu_v2_reopen(tu_v2 *t);
/** Closes everything and removes the directory. */
void tu_v2_fini(tu_v2 *t);

/** A GUID whose bytes are all @p n (a snapshot id, a transaction id). */
rsvd_guid tu_guid(uint8_t n);

/** SMB2 WRITE of @p len bytes of @p byte at @p off; asserts GOOD. */
void tu_v2_fill(tu_v2 *t, uint64_t off, uint32_t len, uint8_t byte);
/** SMB2 READ on handle @p h; asserts GOOD. */
void tu_v2_read(tu_v2 *t, void *h, uint64_t off, uint8_t *buf, uint32_t len);

/** A snapshot as Windows takes one: Initialize (with @p flags), then
 * BlockIO, SwitchObjectStore, UnblockIO and Finalize in a second call.
 * @return the status of the first call that failed, else of the second. */
uint32_t tu_v2_snapshot(tu_v2 *t, uint8_t id, uint32_t type, uint32_t flags);
/** Opens snapshot @p id (type VM) through open_snapshot; asserts success. */
void *tu_v2_open_snapshot(tu_v2 *t, uint8_t id);
/** Opens snapshot @p id of @p type. @return the open's result. */
rsvd_io_result tu_v2_open_snapshot_result(tu_v2 *t, uint8_t id, uint32_t type);
void tu_v2_close(tu_v2 *t, void *h);
/** Reads the whole content of snapshot @p id into @p buf (its size). */
void tu_v2_read_snapshot(tu_v2 *t, uint8_t id, uint8_t *buf, uint64_t len);

/** @name Each backend function, called on t->h; @return result.status.
 * @{ */
uint32_t tu_v2_delete(tu_v2 *t, uint8_t id, uint32_t type, bool persist);
uint32_t tu_v2_apply(tu_v2 *t, uint8_t id, uint32_t type);
uint32_t tu_v2_resize(tu_v2 *t, const rsvd_disk_resize_args *a);
uint32_t tu_v2_safe_size(tu_v2 *t, uint64_t *safe);
uint32_t tu_v2_ct_start(tu_v2 *t, uint8_t log_id, uint64_t max, bool append);
uint32_t tu_v2_ct_stop(tu_v2 *t, uint32_t *ct_status);
uint32_t tu_v2_ct_params(tu_v2 *t, rsvd_disk_change_tracking_parameters *p);
/** Changes since snapshot @p limit until @p target (0: now) in
 * [off, off + len); room for @p cap ranges at @p ranges. */
uint32_t tu_v2_changes(tu_v2 *t, uint8_t target, uint8_t limit, uint64_t off, uint64_t len,
                       rsvd_disk_changed_range *ranges, uint32_t cap, rsvd_disk_changes *out);
uint32_t tu_v2_query(tu_v2 *t, uint32_t info_type, uint32_t snap_type, uint8_t id,
                     rsvd_disk_vhdset_info *out);
uint32_t tu_v2_extract(tu_v2 *t, uint8_t id, const char *name, uint32_t flags);
uint32_t tu_v2_convert(tu_v2 *t, const char *name);
uint32_t tu_v2_optimize(tu_v2 *t);
/** @} */

/** @return the size of file @p name of the storage directory, -1 if none. */
long long tu_v2_file_size(const tu_v2 *t, const char *name);

/** qemu-img (the program @p qemu_img) checks the VHDX file @p vhdx of the
 * storage directory (`qemu-img check`, which must pass), then compares it
 * with a raw image of @p want, @p n bytes (`qemu-img compare`); its output
 * is shown when compare's exit status is not @p expect (0 equal, 1
 * different). @return compare's exit status. */
int tu_v2_qemu_compare(const tu_v2 *t, const char *qemu_img, const char *vhdx,
                       const uint8_t *want, size_t n, int expect);

/** Reads the VHDX file @p name of the storage directory by the rules of
 * [MS-VHDX] (headers, region table, metadata with logical sector size
 * @p lbs, BAT) and asserts that its content is @p want, @p size bytes. */
void tu_v2_vhdx_read_back(const tu_v2 *t, const char *name, uint32_t lbs, const uint8_t *want,
                          uint64_t size);

#endif /* RSVD_TU_DISK_V2_H */
