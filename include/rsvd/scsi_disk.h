/*
 * librsvd - the built-in virtual SCSI disk.
 *
 * An rsvd_scsi_disk_ops implementation over any block source (rsvd/block.h):
 * a single-LUN SBC-3 direct-access device with SPC-3 persistent
 * reservations, as the guests of a Windows failover cluster use it through
 * the RSVD tunnel. docs/backends.md lists the commands, the reservation
 * rules and where the disk departs from SPC-3.
 *
 * Initiators. The I_T nexus of SPC-3 is the RSVD open's InitiatorId: every
 * open with the same InitiatorId speaks for the same initiator (its
 * registration, its reservation, its pending unit attentions). An open
 * without an initiator acts as an initiator that is never registered and
 * never sees unit attentions; its PERSISTENT RESERVE OUT commands answer
 * RESERVATION CONFLICT.
 *
 * How results are reported (rsvd_io_result):
 *  - status STATUS_SUCCESS and scsi the command's outcome, mapped as
 *    rsvd_scsi_result_set() documents: GOOD -> SRB_STATUS_SUCCESS;
 *    CHECK CONDITION -> SRB_STATUS_ERROR with sense_auto_generated and 18
 *    bytes of fixed-format sense; RESERVATION CONFLICT (0x18) ->
 *    SRB_STATUS_ERROR without sense. This holds for the read and write
 *    functions (SMB2 READ/WRITE on the disk) too: their data is valid only
 *    when scsi.scsi_status is GOOD.
 *  - status a STATUS_SVHDX_UNIT_ATTENTION_* code ([MS-RSVD] 2.2.3) when the
 *    initiator had a unit attention pending: the command was not executed,
 *    scsi holds CHECK CONDITION with the UNIT ATTENTION sense, and the
 *    attention is cleared (reported once). INQUIRY, REPORT LUNS and REQUEST
 *    SENSE never report a pending attention this way ([SAM-4], unit
 *    attention conditions):
 *    INQUIRY and REPORT LUNS execute and leave it pending; REQUEST SENSE
 *    returns it as its sense data (GOOD status) and clears it.
 *  - result.bytes: the bytes of data-in returned (execute, read), the bytes
 *    written (write).
 *
 * Version 2 ([MS-RSVD] 3.2.5.5.7 - 3.2.5.5.15, 3.2.5.7): with a storage
 * directory (rsvd_scsi_disk_config.storage_dir) the disk keeps copy-on-write
 * snapshots, a change log and its VHD-set state in files there, which a
 * later rsvd_scsi_disk_create() over the same directory reads back; resize
 * and safe size work over any block source. docs/backends.md, "Version-2
 * operations of the built-in disk", gives the formats, costs and limits.
 *
 * Every function completes before it returns. Nothing allocates per
 * command (the version-2 writes and reads included); the reservation state
 * is per disk and bounded by the configuration. Calls must come from one
 * thread at a time.
 */
#ifndef RSVD_SCSI_DISK_H
#define RSVD_SCSI_DISK_H

#include <rsvd/backend.h>
#include <rsvd/block.h>
#include <rsvd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief The built-in virtual SCSI disk over a block source.
 */

/** Opaque virtual SCSI disk. */
typedef struct rsvd_scsi_disk rsvd_scsi_disk;

/** Default bound on registered initiators. */
#define RSVD_SCSI_DISK_DEFAULT_MAX_REGISTRANTS 64u
/** Default bound on initiators known to a disk at one time. */
#define RSVD_SCSI_DISK_DEFAULT_MAX_INITIATORS 128u

/** Configuration of a virtual SCSI disk. */
typedef struct rsvd_scsi_disk_config {
    /** Set by RSVD_STRUCT_INIT(rsvd_scsi_disk_config): the size the caller was built with. */
    size_t struct_size;
    /** The storage (required). The disk does not own it: keep it alive
     * until the disk is destroyed. */
    rsvd_block_source block;
    /** The virtual disk id: reported by get_info, and the source of the
     * unit serial number (VPD 80h) and device identifiers (VPD 83h). */
    rsvd_guid disk_id;
    /** INQUIRY T10 VENDOR IDENTIFICATION, up to 8 ASCII characters
     * (NULL: "LIBRSVD"). */
    const char *vendor;
    /** INQUIRY PRODUCT IDENTIFICATION, up to 16 (NULL: "VIRTUAL DISK"). */
    const char *product;
    /** INQUIRY PRODUCT REVISION LEVEL, up to 4 (NULL: "0001"). */
    const char *revision;
    /** Most initiators registered at once; one more REGISTER answers
     * INSUFFICIENT REGISTRATION RESOURCES (0: 64). */
    uint32_t max_registrants;
    /** Most initiators the disk tracks at once (opens, registrations,
     * pending unit attentions); an open beyond it fails with
     * STATUS_INSUFFICIENT_RESOURCES (0: 128, and never below max_registrants). */
    uint32_t max_initiators;
    /** Allocator (NULL: the C library's). */
    const rsvd_mem *mem;
    /** Version-2 storage: the directory that keeps the disk's metadata,
     * snapshot and change-log files, and under which extract and convert
     * to VHD set create the files they are asked for (NULL: none; the
     * snapshot, change-tracking, extract, convert and optimize functions
     * then complete with STATUS_INVALID_DEVICE_REQUEST). */
    const char *storage_dir;
    /** What the disk's files in storage_dir are called (required with
     * storage_dir; no separator, at most 200 bytes): NAME.rsvdmeta,
     * NAME.rsvdlog and NAME.SNAPSHOTID.rsvdsnap. */
    const char *storage_name;
    /** Copy-on-write unit of snapshots, bytes: a power of two, a multiple of
     * the logical sector size, at most 16 MiB (0: 64 KiB, or the logical
     * sector size if larger). Storage created earlier keeps its own. */
    uint32_t chunk_size;
    /** Most snapshots at once (0: 64, at most 4096); one more fails with
     * STATUS_INSUFFICIENT_RESOURCES. */
    uint32_t max_snapshots;
} rsvd_scsi_disk_config;

/**
 * Creates a disk. Queries the block source once for its geometry; with
 * storage_dir, opens the directory and reads the disk's files there (the
 * snapshots and change log of an earlier life of the disk).
 * @return RSVD_OK; RSVD_E_INVAL (no block source, a block source smaller
 * than one sector or with invalid sector sizes, storage settings without
 * storage_dir, an invalid storage_name or chunk_size); RSVD_E_IO (the block
 * source's info failed, the storage directory cannot be opened, or its
 * metadata file cannot be read, does not decode or was written for
 * another sector size); RSVD_E_LIMIT (the metadata file lists more
 * snapshots than max_snapshots); RSVD_E_NOMEM.
 */
RSVD_API int rsvd_scsi_disk_create(const rsvd_scsi_disk_config *cfg, rsvd_scsi_disk **out);

/** Frees @p disk. @return RSVD_OK, or RSVD_E_BUSY (nothing freed) while
 * handles are open. NULL is accepted. */
RSVD_API int rsvd_scsi_disk_destroy(rsvd_scsi_disk *disk);

/**
 * Re-reads the block source's size (after the host resized it) and
 * establishes the unit attention CAPACITY DATA HAS CHANGED (2A/09) for
 * every initiator the disk knows.
 * @return RSVD_OK, RSVD_E_IO (info failed) or RSVD_E_INVAL (new size below
 * one sector, or a changed logical sector size); the old size stays then.
 */
RSVD_API int rsvd_scsi_disk_capacity_changed(rsvd_scsi_disk *disk);

/** Persistent-reservation state, for hosts and tests that want to look. */
typedef struct rsvd_scsi_disk_pr_state {
    /** PRGENERATION, as PERSISTENT RESERVE IN reports it ([SPC-3] 6.11.2). */
    uint32_t pr_generation;
    /** Initiators registered (holding a reservation key). */
    uint32_t registrants;
    /** A persistent reservation is held. */
    bool reserved;
    uint8_t type; /**< reservation type when reserved */
} rsvd_scsi_disk_pr_state;

/** Fills @p out with @p disk's reservation state. */
RSVD_API void rsvd_scsi_disk_pr_state_get(const rsvd_scsi_disk *disk,
                                          rsvd_scsi_disk_pr_state *out);

/* ------------------------------------------------------------------------ */
/* Disk sets: the context of the backend functions                           */
/* ------------------------------------------------------------------------ */

/** Opaque set of named disks: resolves an open's file name to a disk. */
typedef struct rsvd_scsi_disk_set rsvd_scsi_disk_set;

/** Creates an empty set. @return RSVD_OK or RSVD_E_NOMEM. */
RSVD_API int rsvd_scsi_disk_set_create(const rsvd_mem *mem, rsvd_scsi_disk_set **out);

/**
 * Adds @p disk under @p name. Names match as Windows compares file names:
 * '\\' and '/' are the same separator, a leading separator is ignored, and
 * ASCII letters compare without case. A NULL name makes @p disk the disk of
 * every name no other entry matches. The set does not own the disks.
 * @return RSVD_OK; RSVD_E_INVAL; RSVD_E_STATE (the name, or the default,
 * is taken); RSVD_E_NOMEM.
 */
RSVD_API int rsvd_scsi_disk_set_add(rsvd_scsi_disk_set *set, const char *name,
                                    rsvd_scsi_disk *disk);

/** Frees the set (not its disks). NULL is accepted. */
RSVD_API void rsvd_scsi_disk_set_destroy(rsvd_scsi_disk_set *set);

/**
 * The virtual-SCSI-disk functions; pass an rsvd_scsi_disk_set as context.
 *
 *  - open: resolves args->file_name in the set (STATUS_OBJECT_NAME_NOT_FOUND
 *    when nothing matches) and opens the disk for args->initiator_id.
 *  - close: releases the handle, and deletes the files it extracted with
 *    DELETE_ON_CLOSE. With delete_file and no such file, a disk over a
 *    block source cannot delete its storage: STATUS_NOT_SUPPORTED.
 *  - read/write: SMB2 READ/WRITE at a byte offset; offset and length must
 *    be multiples of the logical sector size (else CHECK CONDITION, ILLEGAL
 *    REQUEST, INVALID FIELD IN CDB), the range must lie on the disk (else
 *    LOGICAL BLOCK ADDRESS OUT OF RANGE), and reservations apply exactly as
 *    to READ(16)/WRITE(16).
 *  - execute: a SCSI command (docs/backends.md lists them).
 *  - get_info: sector sizes, virtual size, VHD_TYPE_FIXED, block size 0,
 *    no linkage, mounted, 4 KiB aligned, the backing file's size, disk id.
 *  - validate: valid when the block source answers its info query.
 *  - query_info: FileStandardInformation, FileEndOfFileInformation and
 *    FileNetworkOpenInformation of the backing storage (sizes from the
 *    block source; the time fields are 0, a block source has none).
 *  - set_info: rename STATUS_NOT_SUPPORTED, link STATUS_INVALID_PARAMETER,
 *    anything else STATUS_NOT_SUPPORTED.
 *  - create_snapshot, abort_snapshot: copy-on-write snapshots taken at
 *    SwitchObjectStore; delete_snapshot hands the snapshot's chunks to the
 *    next older one; apply_snapshot returns the disk to a snapshot's size
 *    and content; query_vhdset lists and describes them; open_snapshot opens
 *    one read-only.
 *  - change_tracking_start, _stop, _get_parameters, query_changes: the
 *    ranges written between two snapshots with change tracking, or from
 *    one to now, exactly, from the change log.
 *  - resize: through the block source's resize (none:
 *    STATUS_INVALID_DEVICE_REQUEST); READ CAPACITY, MODE SENSE and get_info
 *    report the new size, every initiator gets CAPACITY DATA HAS CHANGED.
 *  - query_safe_size: the end of what the block source has allocated.
 *  - extract: a snapshot as a standalone VHDX file under storage_dir;
 *    convert_to_vhdset: creates the .vhds file and answers to its name;
 *    optimize: compacts the change log.
 *  Without storage_dir every version-2 function but resize and
 *  query_safe_size completes with STATUS_INVALID_DEVICE_REQUEST.
 */
RSVD_API const rsvd_scsi_disk_ops *rsvd_scsi_disk_backend_ops(void);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_SCSI_DISK_H */
