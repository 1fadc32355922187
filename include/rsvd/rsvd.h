/*
 * librsvd - umbrella header.
 *
 * librsvd implements the server role of MS-RSVD (Remote Shared Virtual Disk)
 * and both roles of MS-SMB2 resilient handles as I/O-less state machines that
 * an SMB server or client links in. Include this header to get every public
 * declaration.
 */
#ifndef RSVD_RSVD_H
#define RSVD_RSVD_H

#include <rsvd/backend.h>
#include <rsvd/block.h>
#include <rsvd/common.h>
#include <rsvd/pcap.h>
#include <rsvd/resilient.h>
#include <rsvd/file_store.h>
#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/server.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>

#endif /* RSVD_RSVD_H */
