/*
 * librsvd - the core API, in one include.
 *
 * librsvd implements the server role of MS-RSVD (Remote Shared Virtual Disk)
 * and both roles of MS-SMB2 open preservation as I/O-less state machines
 * that an SMB server or client links in.
 *
 * This header includes the core: what a host needs to drive the state
 * machines and plug in its storage. The rest is opt-in, included by name:
 *  - the built-in backends: rsvd/file_store.h (file object store and file
 *    block source), rsvd/block.h, rsvd/scsi_disk.h (virtual SCSI disk with
 *    persistent reservations), rsvd/iscsi_disk.h and rsvd/nbd_block.h (when
 *    built);
 *  - the toolkit: rsvd/wire.h (bounds-checked reader and writer, UTF-16
 *    helpers), rsvd/wire_smb2.h and rsvd/wire_rsvd.h (message codecs),
 *    rsvd/scsi.h (CDB building and sense decoding), rsvd/pcap.h (capture
 *    writer). No core header includes a toolkit header.
 */
#ifndef RSVD_RSVD_H
#define RSVD_RSVD_H

#include <rsvd/backend.h>
#include <rsvd/common.h>
#include <rsvd/fscc.h>
#include <rsvd/resilient.h>
#include <rsvd/server.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/store.h>
#include <rsvd/svhdx.h>

#endif /* RSVD_RSVD_H */
