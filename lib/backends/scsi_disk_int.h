/*
 * Internal layout of the built-in virtual SCSI disk (rsvd/scsi_disk.h),
 * shared by its three files:
 *   scsi_disk.c       the disk, its handles, the disk set, the backend table,
 *                     command dispatch, unit attentions;
 *   scsi_disk_cmds.c  SPC-3/SBC-3 commands other than reservations;
 *   scsi_disk_pr.c    persistent reservations ([SPC-3] 5.6, 6.11, 6.12).
 */
#ifndef RSVD_BACKENDS_SCSI_DISK_INT_H
#define RSVD_BACKENDS_SCSI_DISK_INT_H

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
};

/* One open of the disk. */
typedef struct sd_handle {
    uint32_t magic;
    rsvd_scsi_disk *disk;
    sd_nexus *nx; /* NULL: an open without an initiator */
} sd_handle;

/* Access a command needs, for the reservation conflict rules. */
typedef enum sd_access {
    SD_ACCESS_ANY,   /* allowed under every reservation */
    SD_ACCESS_READ,  /* conflicts under the exclusive-access types */
    SD_ACCESS_WRITE, /* conflicts under every type */
    SD_ACCESS_PROUT  /* PERSISTENT RESERVE OUT: its own rules */
} sd_access;

/* One command being executed. */
typedef struct sd_cmd {
    rsvd_scsi_disk *d;
    sd_nexus *nx;
    const rsvd_scsi_cmd *cmd;
    rsvd_rd cdb; /* over cmd->cdb, cdb_len bytes */
    rsvd_io_result *r;
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

#endif /* RSVD_BACKENDS_SCSI_DISK_INT_H */
