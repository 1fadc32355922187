/*
 * rsvd-target: the shared virtual disks of a share ([MS-SMB2] 3.3.5.9.14,
 * 3.3.5.2.12, 3.3.5.15.15, 3.3.5.15.16): each share has its own librsvd
 * RSVD server (rsvd/server.h), so that the OpenTable of [MS-RSVD] 3.2.1.1
 * is the share's. Every RSVD decision is that server's; this file turns
 * SMB2 requests into its calls and its replies into SMB2 responses.
 *
 * The disks behind it: by default the library's built-in SCSI disk
 * (rsvd/scsi_disk.h) over the file the CREATE names - "disk.vhdx" for
 * "disk.vhdx:SharedVirtualDisk" - taken as a raw image of the disk's
 * blocks (no VHDX parsing); with --disk iscsi://HOST:PORT/IQN/LUN a LUN of
 * an iSCSI target, each RSVD initiator logging in as its own iSCSI
 * initiator; with --disk nbd://HOST:PORT/EXPORT the built-in SCSI disk
 * over an NBD export (e.g. qemu-nbd serving a VHDX). With --disk every name
 * of every share is that one disk, opened by the integrator template
 * (examples/common/vdisk.h).
 */
#ifndef RSVD_TARGET_SHARED_DISK_H
#define RSVD_TARGET_SHARED_DISK_H

#include "fscc_info.h"
#include "target.h"
#include <rsvd/wire_smb2.h>

typedef struct tgt_vdisk_backend tgt_vdisk_backend;

/** Opens the disk a --disk URI names (once for the whole server).
 * @return 0, or -1 with the reason in @p err. */
int tgt_vdisk_backend_open(const char *uri, tgt_vdisk_backend **out, char *err, size_t errcap);
void tgt_vdisk_backend_close(tgt_vdisk_backend *b);
/** One line saying what the disks are. */
const char *tgt_vdisk_backend_describe(const tgt_vdisk_backend *b);

/** The RSVD server of @p share (over @p backend, or built-in disks when it
 * is NULL). @return 0 or -1. */
int tgt_vdisk_new(tgt_share *share, tgt_vdisk_backend *backend, tgt_vdisk **out);
/** Frees it; every RSVD open must have been closed. */
void tgt_vdisk_free(tgt_vdisk *v);
/** @return the RSVD opens of the share (in the OpenTable, being created or
 * closed). */
size_t tgt_vdisk_open_count(const tgt_vdisk *v);

/** [MS-SMB2] 3.3.5.9.14: a CREATE of "<name>:SharedVirtualDisk" with an
 * SVHDX_OPEN_DEVICE_CONTEXT(_V2) @p context; @p o is the open to become
 * the RSVD open. The CREATE is answered by tgt_create_svhdx_done(). */
void tgt_vdisk_create(tgt_vdisk *v, tgt_req *r, tgt_open *o, const rsvd_smb2_create_req *q,
                      const rsvd_smb2_cc *context);
/** A DHnC, DH2C or replayed CREATE found persistent RSVD open @p o (the
 * library's RECLAIM in r->cop): [MS-RSVD] 3.2.5.1's reconnect path by its
 * LocalOpen, with the SVHDX context if the request has one; answered by
 * tgt_create_svhdx_done(). */
void tgt_vdisk_reclaim(tgt_vdisk *v, tgt_req *r, tgt_open *o, const rsvd_smb2_create_req *q);
/** The CREATE of an RSVD open finished (vdisk.c calls it; cmd_create.c
 * registers the open and answers). */
void tgt_create_svhdx_done(tgt_req *r, tgt_open *o, const rsvd_server_reply *rep);

/** [MS-RSVD] 3.2.5.3, 3.2.5.4: READ and WRITE of an RSVD open. */
void tgt_vdisk_read(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_read_req *q);
void tgt_vdisk_write(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_write_req *q);
/** [MS-RSVD] 3.2.4, 3.2.5.5: an FSCTL on an RSVD open (tunnel, offload,
 * pass-through). */
void tgt_vdisk_ioctl(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_ioctl_req *q);
/** [MS-SMB2] 3.3.5.15.16, [MS-RSVD] 3.2.5.6: query support on any open. */
void tgt_vdisk_query_support(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_ioctl_req *q);
/** [MS-RSVD] 3.2.5.8, 3.2.5.9 */
void tgt_vdisk_query_info(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_query_info_req *q);
void tgt_vdisk_set_info(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_set_info_req *q);
/** [MS-RSVD] 3.2.4: LOCK on an RSVD open (answered through
 * tgt_lock_finish()). */
void tgt_vdisk_lock(tgt_vdisk *v, tgt_req *r);
/** [MS-RSVD] 3.2.5.2: CLOSE of the request's open. */
void tgt_vdisk_close_req(tgt_vdisk *v, tgt_req *r);
/** [MS-SMB2] 3.3.4.17: an open closed by the server (no SMB2 answer);
 * @p o is freed when the RSVD server has closed it. */
void tgt_vdisk_close_open(tgt_vdisk *v, tgt_open *o);

/* cmd_lock.c: the one place where a LOCK ends. */
void tgt_lock_finish(tgt_req *r, uint32_t status);
/* cmd_create.c: the CLOSE response. */
void tgt_close_answer(tgt_req *r, uint32_t status, const tgt_file_info *fi);

#endif /* RSVD_TARGET_SHARED_DISK_H */
