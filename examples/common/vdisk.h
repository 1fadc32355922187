/*
 * Integrator template: the virtual SCSI disk behind a shared virtual disk,
 * set up from a URI.
 *
 *  - no URI: the built-in SCSI disk (rsvd/scsi_disk.h) over a temporary
 *    file (rsvd_file_block_open()), removed when the disk is closed; its
 *    storage directory (snapshots, change log, VHD sets: the version-2
 *    operations) is the same temporary directory;
 *  - iscsi://HOST:PORT/IQN/LUN: a logical unit of an iSCSI target through
 *    libiscsi (rsvd/iscsi_disk.h): each RSVD initiator logs in as its own
 *    iSCSI initiator and the target's persistent reservations decide;
 *  - nbd://HOST:PORT/EXPORT (or nbd+unix://): the built-in SCSI disk over
 *    an NBD export (rsvd/nbd_block.h), e.g. a VHDX that qemu-nbd serves,
 *    with a temporary storage directory.
 * The last two exist when librsvd was built with its iscsi / nbd feature
 * (EXAMPLES_HAVE_ISCSI, EXAMPLES_HAVE_NBD).
 *
 * The result is a backend table and its context for
 * rsvd_server_config.scsi_disk (smb2_dispatch_config.disk_ops).
 *
 * Adapt: a host with its own storage passes its own rsvd_scsi_disk_ops
 * (or an object store) instead; a host with several shared disks adds each
 * name to one rsvd_scsi_disk_set.
 */
#ifndef EXAMPLES_VDISK_H
#define EXAMPLES_VDISK_H

#include <rsvd/rsvd.h>
#include <rsvd/scsi_disk.h>

typedef struct vdisk_impl vdisk_impl;

/** What to open. */
typedef struct vdisk_config {
    /** The URI (NULL: the built-in disk over a temporary file). */
    const char *uri;
    /** The file name clients open the disk by, e.g. "cluster.vhdx" (the
     * built-in disk answers to this name only; its temporary file is named
     * after it); NULL: the disk answers to every name. */
    const char *name;
    /** Names the program in messages and in the temporary directory. */
    const char *program;
    /** The built-in disk's size over a temporary file (0: 64 MiB). */
    uint64_t size;
} vdisk_config;

typedef struct vdisk {
    /** The virtual SCSI disk functions for rsvd_server_config.scsi_disk. */
    const rsvd_scsi_disk_ops *ops;
    /** Their context. */
    void *ctx;
    /** One line saying what the disk is. */
    char description[320];
    /** The disk keeps snapshots and a change log: the version-2 operations
     * work (the built-in disk with its storage directory; not the iSCSI
     * disk, which answers them STATUS_INVALID_DEVICE_REQUEST). */
    bool version2;
    vdisk_impl *impl;
} vdisk;

/**
 * Opens the disk @p cfg describes. On failure @p err says why.
 * @return RSVD_OK, RSVD_E_INVAL (a URI that is not understood),
 * RSVD_E_NOTSUP (the backend is not built), RSVD_E_IO or RSVD_E_NOMEM.
 */
int vdisk_open(vdisk *d, const vdisk_config *cfg, char *err, size_t errcap);

/** @return why the disk's last open failed, when its backend says (the
 * iSCSI disk connects at the first open), or NULL. */
const char *vdisk_why(const vdisk *d);

/** @return the built-in SCSI disk behind @p d (no URI, or nbd://), for a
 * host that puts it in a disk set of its own; NULL for an iSCSI disk. */
rsvd_scsi_disk *vdisk_builtin_disk(const vdisk *d);

/** Closes the disk (and removes the temporary file and directory). */
void vdisk_close(vdisk *d);

#endif /* EXAMPLES_VDISK_H */
