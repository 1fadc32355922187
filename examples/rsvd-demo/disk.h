/*
 * rsvd-demo: the virtual SCSI disk behind the shared virtual disk.
 *
 *  - default: the built-in SCSI disk (rsvd/scsi_disk.h) over a 64 MiB
 *    temporary file (rsvd_file_block_open()), removed at exit;
 *  - iscsi://HOST:PORT/IQN/LUN: a logical unit of an iSCSI target through
 *    libiscsi (rsvd/iscsi_disk.h): each RSVD initiator logs in as its own
 *    iSCSI initiator and the target's persistent reservations decide;
 *  - nbd://HOST:PORT/EXPORT: the built-in SCSI disk over an NBD export
 *    (rsvd/nbd_block.h), e.g. a VHDX that qemu-nbd serves.
 * The last two exist when librsvd was built with its iscsi / nbd feature.
 */
#ifndef RSVD_DEMO_DISK_H
#define RSVD_DEMO_DISK_H

#include <rsvd/block.h>
#include <rsvd/file_store.h>
#include <rsvd/rsvd.h>

/** The name the shared disk is opened by. */
#define DEMO_DISK_NAME "cluster.vhdx"

typedef struct demo_disk_impl demo_disk_impl;

typedef struct demo_disk {
    /** The virtual SCSI disk functions for rsvd_server_config.scsi_disk. */
    const rsvd_scsi_disk_ops *ops;
    /** Their context. */
    void *ctx;
    /** One line saying what the disk is. */
    char description[320];
    demo_disk_impl *impl;
} demo_disk;

/**
 * Opens the disk @p spec names (NULL: the default). On failure @p err says
 * why. @return RSVD_OK, RSVD_E_INVAL (a spec that is not understood),
 * RSVD_E_NOTSUP (the backend is not built), RSVD_E_IO or RSVD_E_NOMEM.
 */
int demo_disk_open(demo_disk *d, const char *spec, char *err, size_t errcap);

/** @return why the disk's last open failed, when its backend says (the
 * iSCSI disk connects at the first open), or NULL. */
const char *demo_disk_why(const demo_disk *d);

/** Closes the disk (and removes the temporary file). */
void demo_disk_close(demo_disk *d);

#endif /* RSVD_DEMO_DISK_H */
