/*
 * Internal layout of the built-in virtual SCSI disk (rsvd/scsi_disk.h),
 * shared by its files:
 *   scsi_disk.c           the disk, its handles, the disk set, the backend
 *                         table, command dispatch, unit attentions;
 *   scsi_disk_cmds.c      SPC-3/SBC-3 commands other than reservations;
 *   scsi_disk_pr.c        persistent reservations ([SPC-3] 5.6, 6.11, 6.12);
 * and the version-2 operations of [MS-RSVD] 3.2.5.5.7 - 3.2.5.5.15 over the
 * disk's storage directory (docs/backends.md, "Version-2 storage"):
 *   scsi_disk_store.c     the storage directory, the metadata file (the
 *                         snapshot table), the write path's hooks;
 *   scsi_disk_snapshot.c  snapshots: copy-on-write delta files, reads of a
 *                         snapshot, create, abort, delete, apply, VHD-set
 *                         queries, opens of a snapshot;
 *   scsi_disk_track.c     change tracking: the change log, start, stop,
 *                         parameters, changed ranges, compaction;
 *   scsi_disk_resize.c    resize and safe size;
 *   scsi_disk_extract.c   extract: a snapshot written as a VHDX file;
 *   scsi_disk_vhdset.c    convert to a VHD set, optimize.
 */
#ifndef RSVD_BACKENDS_SCSI_DISK_INT_H
#define RSVD_BACKENDS_SCSI_DISK_INT_H

/* First: it sets _GNU_SOURCE for the system headers (statx, O_DIRECT). */
#include "backends/posix_file.h"

#include <rsvd/block.h>
#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>

#include "scsi/be.h"

/* Distinct unit attentions the disk establishes (2A/03, 2A/04, 2A/05,
 * 2A/09): a queue this long, without duplicates, never overflows. */
#define SD_UA_MAX 4u

/* One initiator (an I_T nexus): every open with its InitiatorId. */
typedef struct sd_nexus {
    bool in_use;
    rsvd_guid id;
    uint32_t opens;
    bool registered;
    uint64_t key;
    uint8_t ua_count;
    uint16_t ua[SD_UA_MAX]; /* (ASC << 8) | ASCQ, oldest first */
} sd_nexus;

typedef struct sd_store sd_store;

struct rsvd_scsi_disk {
    const rsvd_mem *mem;
    /** The block source; its ops point at the copy block_ops. */
    rsvd_block_source block;
    rsvd_block_ops block_ops;
    rsvd_guid disk_id;
    char vendor[9], product[17], revision[5];
    char serial[33]; /* the disk id in hex: VPD 80h */

    /* Geometry, from the block source. */
    uint32_t lbs;   /* logical block size */
    uint32_t pbs;   /* physical block size */
    uint64_t blocks; /* logical blocks */
    bool write_cache;

    /* Persistent reservations ([SPC-3] 5.6). */
    uint32_t pr_generation;
    bool res_present;
    uint8_t res_type;
    sd_nexus *res_holder; /* NULL for the all-registrants types */
    uint32_t max_registrants;
    uint32_t registrants;

    /* Initiators. */
    sd_nexus *nexus;
    uint32_t max_nexus;
    size_t open_handles;

    /* Parameter data is built here, then cut to the allocation length. */
    uint8_t *scratch;
    size_t scratch_size;

    /* Version-2 storage; NULL when the configuration gave none. */
    sd_store *store;
};

/* A file extract created with DELETE_ON_CLOSE through a handle. */
typedef struct sd_doomed {
    struct sd_doomed *next;
    char path[]; /* relative to the storage directory */
} sd_doomed;

/* One open of the disk. */
typedef struct sd_handle {
    uint32_t magic;
    rsvd_scsi_disk *disk;
    sd_nexus *nx; /* NULL: an open without an initiator */
    /* An open of a snapshot ([MS-RSVD] 3.2.5.7): the snapshot's sequence
     * number; 0 for an open of the disk itself. */
    uint64_t view_seq;
    /* Files to delete when this handle closes (extract DELETE_ON_CLOSE). */
    sd_doomed *doomed;
} sd_handle;

/* Access a command needs, for the reservation conflict rules. */
typedef enum sd_access {
    SD_ACCESS_ANY,   /* allowed under every reservation */
    SD_ACCESS_READ,  /* conflicts under the exclusive-access types */
    SD_ACCESS_WRITE, /* conflicts under every type */
    SD_ACCESS_PROUT  /* PERSISTENT RESERVE OUT: its own rules */
} sd_access;

typedef struct sd_snap sd_snap;

/* One command being executed. */
typedef struct sd_cmd {
    rsvd_scsi_disk *d;
    sd_nexus *nx;
    const rsvd_scsi_cmd *cmd;
    rsvd_rd cdb; /* over cmd->cdb, cdb_len bytes */
    rsvd_io_result *r;
    /* The logical unit the command sees: the disk, or a snapshot of it
     * (read-only, its own capacity). */
    const sd_snap *view;
    uint64_t blocks;
} sd_cmd;

/* ---- outcomes (scsi_disk.c) ---- */
void sd_good(sd_cmd *x, uint32_t bytes);
void sd_check(sd_cmd *x, uint8_t key, uint16_t ascq);
void sd_conflict(sd_cmd *x);
/* CHECK CONDITION ILLEGAL REQUEST with the given ASC/ASCQ. */
void sd_illegal(sd_cmd *x, uint16_t ascq);
/* Copies @p len bytes of parameter data from the scratch buffer to the
 * data-in buffer, cut to @p alloc_len and the buffer's capacity; GOOD. */
void sd_data_in(sd_cmd *x, size_t len, uint32_t alloc_len);

/* ---- unit attentions (scsi_disk.c) ---- */
void sd_ua_add(sd_nexus *nx, uint16_t ascq);
bool sd_ua_pop(sd_nexus *nx, uint16_t *ascq);
/* Re-reads the block source's size into the disk and establishes CAPACITY
 * DATA HAS CHANGED for every initiator. @return RSVD_OK, RSVD_E_IO or
 * RSVD_E_INVAL (rsvd_scsi_disk_capacity_changed()). */
int sd_capacity_update(rsvd_scsi_disk *d);
/* Sets the capacity to @p blocks and establishes CAPACITY DATA HAS CHANGED
 * for every initiator. */
void sd_capacity_set(rsvd_scsi_disk *d, uint64_t blocks);

/* ---- backend plumbing (scsi_disk.c) ---- */
/* rsvd_scsi_disk_create() over the given system calls (tests inject
 * failures with it). */
int rsvd_scsi_disk_create_sys(const rsvd_scsi_disk_config *cfg, const rsvd_posix_sys *sys,
                              rsvd_scsi_disk **out);
/* Names compare as Windows compares file names (rsvd_scsi_disk_set_add()). */
bool sd_name_equal(const char *a, const char *b);
sd_handle *sd_handle_get(void *handle);
/* Completes with @p status and nothing else. */
void sd_fail(rsvd_completion c, uint32_t status);

/* ---- reservations (scsi_disk_pr.c) ---- */
bool sd_pr_conflict(const rsvd_scsi_disk *d, const sd_nexus *nx, sd_access access);
void sd_pr_in(sd_cmd *x);
void sd_pr_out(sd_cmd *x);

/* ---- other commands (scsi_disk_cmds.c) ---- */
void sd_cmd_test_unit_ready(sd_cmd *x);
void sd_cmd_request_sense(sd_cmd *x);
void sd_cmd_inquiry(sd_cmd *x);
void sd_cmd_mode_sense6(sd_cmd *x);
void sd_cmd_mode_sense10(sd_cmd *x);
void sd_cmd_report_luns(sd_cmd *x);
void sd_cmd_read_capacity10(sd_cmd *x);
void sd_cmd_service_action_in16(sd_cmd *x);
void sd_cmd_read10(sd_cmd *x);
void sd_cmd_read16(sd_cmd *x);
void sd_cmd_write10(sd_cmd *x);
void sd_cmd_write16(sd_cmd *x);
void sd_cmd_sync_cache10(sd_cmd *x);
void sd_cmd_sync_cache16(sd_cmd *x);

/* Reads or writes @p blocks blocks at @p lba for the command (range and
 * buffer checks included); used by READ/WRITE(n) and the SMB2 read/write. */
void sd_io(sd_cmd *x, bool write, uint64_t lba, uint64_t blocks, uint8_t *in_buf,
           const uint8_t *out_buf, size_t buf_len, bool fua);

/* DATA PROTECT, WRITE PROTECTED ([SPC-3] 27/00): a write to a snapshot. */
#define SD_ASCQ_WRITE_PROTECTED 0x2700u

/* ======================================================================== */
/* Version-2 storage                                                         */
/* ======================================================================== */

#define SD_CHUNK_DEFAULT (64u * 1024u)
#define SD_CHUNK_MAX (16u * 1024u * 1024u)
/* Chunks a snapshot covers at most: its bitmap stays within 32 MiB (16 TiB
 * of disk with the default chunk). */
#define SD_CHUNKS_MAX (1u << 28)
#define SD_SNAPSHOTS_DEFAULT 64u
#define SD_SNAPSHOTS_LIMIT 4096u
/* Snapshot creations between Initialize and Finalize at one time. */
#define SD_PENDING_MAX 4u
/* Longest storage_name and the longest relative path the disk creates. */
#define SD_NAME_MAX 200u
#define SD_PATH_MAX 4096u

/* Snapshot flags, as the metadata file keeps them. */
#define SD_SNAP_TRACKED 0x1u    /* a change-tracking point (Snapshot.ChangeTracking) */
#define SD_SNAP_DATA 0x2u       /* its content is kept: it has a delta file */
#define SD_SNAP_CDP_ACTIVE 0x4u /* in the active CDP list ([MS-RSVD] 3.2.5.5.12) */
#define SD_SNAP_FLAGS_KNOWN 0x7u

/* One snapshot, oldest first in sd_store.snaps. */
struct sd_snap {
    rsvd_guid id;
    rsvd_guid parent_id;   /* CDP: the previous CDP snapshot */
    rsvd_guid log_file_id; /* CDP: LogFileId */
    uint64_t created_ms;
    uint64_t size;         /* the virtual size when it was taken */
    uint64_t seq;          /* creation order, never reused */
    uint32_t type;         /* RSVD_SVHDX_SNAPSHOT_TYPE_* */
    uint32_t flags;        /* SD_SNAP_* */
    /* In memory only. */
    bool readable;         /* its content can be read (its delta and every
                              newer one loaded) */
    uint32_t opens;        /* handles open on it */
    rsvd_pfile file;       /* the delta file (SD_SNAP_DATA) */
    uint64_t nchunks;      /* chunks covering size */
    uint64_t data_off;     /* chunk c lives at data_off + c * chunk */
    uint64_t bitmap_off;
    uint8_t *present;      /* nchunks bits: the chunk is preserved here */
};

/* A snapshot creation between its Initialize and its Finalize. */
typedef struct sd_pending {
    bool in_use;
    bool switched;         /* SwitchObjectStore done: the snapshot exists */
    uint32_t last_stage;
    uint32_t type, flags;
    rsvd_guid transaction_id, snapshot_id, log_file_id;
    uint64_t now_ms;
} sd_pending;

struct sd_store {
    const rsvd_posix_sys *sys;
    int dirfd;
    char name[SD_NAME_MAX + 1]; /* storage_name */
    uint32_t chunk;
    uint8_t *chunk_buf;         /* one chunk, for copy-on-write */
    sd_snap *snaps;             /* max_snaps slots, nsnaps used, oldest first */
    uint32_t nsnaps, max_snaps;
    uint64_t next_seq;
    sd_pending pending[SD_PENDING_MAX];
    uint8_t *meta_buf;          /* the metadata file is encoded here */
    size_t meta_cap;

    /* Change tracking (scsi_disk_track.c). */
    rsvd_pfile log;
    bool log_open;
    uint64_t log_size;
    bool ct_active;             /* started and not stopped */
    uint32_t ct_broken;         /* 0, or why the log misses changes */
    rsvd_guid ct_log_id;
    uint64_t ct_max;

    /* VHD set (scsi_disk_vhdset.c): the name it was converted to, or "". */
    char vhdset_name[SD_PATH_MAX];
};

/* ---- storage (scsi_disk_store.c) ---- */
int sd_store_open(rsvd_scsi_disk *d, const rsvd_scsi_disk_config *cfg, const rsvd_posix_sys *sys);
void sd_store_close(rsvd_scsi_disk *d);
/* Writes the metadata file again (atomically). @return an NTSTATUS. */
uint32_t sd_store_save(rsvd_scsi_disk *d);
/* Writes @p len bytes as the new content of the store's file @p final (a
 * temporary file renamed over it); with @p keep the new file stays open
 * there. @return an NTSTATUS. */
uint32_t sd_store_replace(sd_store *st, const char *final, const uint8_t *buf, size_t len,
                          rsvd_pfile *keep);
/* The path of a file of the store: NAME + @p suffix. @return false if it
 * does not fit. */
bool sd_store_path(const sd_store *st, const char *suffix, char *out, size_t cap);
/* Writes @p len bytes at @p off as the guest's writes are written: the
 * chunks they touch are preserved for the newest snapshot first, the range
 * is recorded in the change log, then the block source is written.
 * @return an NTSTATUS. */
uint32_t sd_store_write(rsvd_scsi_disk *d, uint64_t off, const uint8_t *data, size_t len);
/* A call that needs the store, on a disk without one. */
bool sd_store_missing(rsvd_scsi_disk *d, rsvd_completion c);
/* The disk of a version-2 call on @p handle, or NULL when the call has been
 * failed: an unknown handle, arguments that are not @p args_ok, no store. */
rsvd_scsi_disk *sd_store_disk(void *handle, bool args_ok, rsvd_completion c);
/* Starts a meta-operation's progress at 0 of @p total. */
void sd_progress_start(rsvd_disk_meta_result *out, uint64_t total);

/* ---- metadata file codec (scsi_disk_store.c); every byte through rsvd_rd ---- */
#define SD_META_HEADER_SIZE 80u
#define SD_META_ENTRY_SIZE 112u
typedef struct sd_meta_header {
    uint32_t chunk_size;
    uint32_t sector_size;
    uint32_t snapshot_count;
    uint64_t next_seq;
    bool ct_active;
    uint32_t ct_broken;
    uint64_t ct_max;
    rsvd_guid ct_log_id;
    const uint8_t *vhdset_name; /* view into the input */
    uint16_t vhdset_name_len;
    size_t entries_off;         /* where the first entry starts */
} sd_meta_header;
/* @return RSVD_OK, or RSVD_E_WIRE_* naming the rule the file breaks. */
int sd_meta_decode_header(const uint8_t *buf, size_t len, sd_meta_header *out);
/* Decodes entry @p i (after sd_meta_decode_header() accepted @p buf). */
int sd_meta_decode_entry(const uint8_t *buf, size_t len, const sd_meta_header *h, uint32_t i,
                         sd_snap *out);

/* ---- snapshots (scsi_disk_snapshot.c) ---- */
#define SD_SNAP_HEADER_SIZE 128u
typedef struct sd_snap_header {
    uint32_t chunk_size;
    uint32_t sector_size;
    uint64_t size;
    uint64_t nchunks;
    uint64_t bitmap_off;
    uint64_t data_off;
    rsvd_guid id;
} sd_snap_header;
int sd_snap_decode_header(const uint8_t *buf, size_t len, sd_snap_header *out);
/* Opens the delta files of the snapshots the metadata listed; a snapshot
 * whose file (or a newer snapshot's) cannot be read is left unreadable.
 * @return RSVD_OK or RSVD_E_NOMEM. */
int sd_snap_load_all(rsvd_scsi_disk *d);
void sd_snap_close(rsvd_scsi_disk *d, sd_snap *s);
sd_snap *sd_snap_find(sd_store *st, const rsvd_guid *id);
sd_snap *sd_snap_by_seq(sd_store *st, uint64_t seq);
/* Preserves, for the newest snapshot, the chunks of [off, off + len) it
 * does not hold yet. @return an NTSTATUS. */
uint32_t sd_snap_preserve(rsvd_scsi_disk *d, uint64_t off, uint64_t len);
/* Reads @p len bytes of snapshot @p s's content at @p off (inside its
 * size). @return an NTSTATUS. */
uint32_t sd_snap_read(rsvd_scsi_disk *d, const sd_snap *s, uint64_t off, uint8_t *buf,
                      size_t len);
void sd_create_snapshot(void *ctx, void *handle, const rsvd_disk_snapshot_args *args,
                        rsvd_disk_meta_result *out, rsvd_completion c);
void sd_abort_snapshot(void *ctx, void *handle, const rsvd_guid *transaction_id,
                       rsvd_completion c);
void sd_apply_snapshot(void *ctx, void *handle, const rsvd_disk_apply_args *args,
                       rsvd_disk_meta_result *out, rsvd_completion c);
void sd_query_vhdset(void *ctx, void *handle, const rsvd_disk_vhdset_query *q,
                     rsvd_disk_vhdset_info *out, rsvd_completion c);
void sd_delete_snapshot(void *ctx, void *handle, const rsvd_disk_delete_snapshot_args *args,
                        rsvd_completion c);
/* Resolves an open of a snapshot: @return STATUS_SUCCESS and its sequence
 * number, or the status the open fails with. */
uint32_t sd_snap_open_view(rsvd_scsi_disk *d, const rsvd_disk_snapshot_target *t,
                           uint64_t *seq);

/* ---- change tracking (scsi_disk_track.c) ---- */
#define SD_LOG_HEADER_SIZE 64u
#define SD_LOG_RECORD_SIZE 40u
enum sd_log_type {
    SD_LOG_WRITE = 1, /* a = offset, b = length */
    SD_LOG_MARK = 2,  /* guid = a tracked snapshot's id */
    SD_LOG_START = 3, /* guid = LogFileId, a = MaxLogFileSize, b = AppendData */
    SD_LOG_STOP = 4
};
typedef struct sd_log_record {
    uint16_t type;
    uint64_t a, b;
    rsvd_guid guid;
} sd_log_record;
int sd_log_decode_header(const uint8_t *buf, size_t len);
int sd_log_decode_record(const uint8_t *buf, size_t len, sd_log_record *out);
/* Opens the change log at store open; marks tracking broken if it does
 * not decode. */
void sd_track_load(rsvd_scsi_disk *d);
void sd_track_close(rsvd_scsi_disk *d);
/* Records a change of [off, off + len) if changes are being recorded. */
void sd_track_write(rsvd_scsi_disk *d, uint64_t off, uint64_t len);
/* Records snapshot @p s as a change-tracking point. @return
 * STATUS_SUCCESS or why it cannot be one (the tracking status). */
uint32_t sd_track_mark(rsvd_scsi_disk *d, const sd_snap *s);
/* ChangeTrackingStatus as it stands. */
uint32_t sd_track_status(const rsvd_scsi_disk *d);
/* Rewrites the log without what no change-tracking point needs; with
 * @p dry_run only computes the size it would have. @return an NTSTATUS. */
uint32_t sd_track_compact(rsvd_scsi_disk *d, bool dry_run, uint64_t *new_size);
void sd_change_tracking_get_parameters(void *ctx, void *handle,
                                       rsvd_disk_change_tracking_parameters *out,
                                       rsvd_completion c);
void sd_change_tracking_start(void *ctx, void *handle,
                              const rsvd_disk_change_tracking_start_args *args,
                              rsvd_completion c);
void sd_change_tracking_stop(void *ctx, void *handle, uint32_t *status, rsvd_completion c);
void sd_query_changes(void *ctx, void *handle, const rsvd_disk_query_changes_args *args,
                      rsvd_disk_changes *out, rsvd_completion c);

/* ---- resize (scsi_disk_resize.c) ---- */
/* Changes the virtual size to @p size (whole sectors), preserving what a
 * shrink cuts for the snapshots and recording the change. */
uint32_t sd_resize_to(rsvd_scsi_disk *d, uint64_t size);
uint32_t sd_safe_size(rsvd_scsi_disk *d, uint64_t *out);
void sd_resize(void *ctx, void *handle, const rsvd_disk_resize_args *args,
               rsvd_disk_meta_result *out, rsvd_completion c);
void sd_query_safe_size(void *ctx, void *handle, uint64_t *safe_size, rsvd_completion c);

/* ---- extract (scsi_disk_extract.c) ---- */
void sd_extract(void *ctx, void *handle, const rsvd_disk_extract_args *args,
                rsvd_disk_meta_result *out, rsvd_completion c);
/* Deletes the files a handle extracted with DELETE_ON_CLOSE. @return true
 * if there were any. */
bool sd_doomed_delete(rsvd_scsi_disk *d, sd_handle *h);

/* ---- VHD set (scsi_disk_vhdset.c) ---- */
void sd_convert_to_vhdset(void *ctx, void *handle, const rsvd_disk_convert_args *args,
                          rsvd_disk_meta_result *out, rsvd_completion c);
void sd_optimize(void *ctx, void *handle, const rsvd_guid *transaction_id,
                 rsvd_disk_meta_result *out, rsvd_completion c);
bool sd_vhdset_name_matches(const rsvd_scsi_disk *d, const char *name);

#endif /* RSVD_BACKENDS_SCSI_DISK_INT_H */
