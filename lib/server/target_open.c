/*
 * An open with a target specifier: [MS-RSVD] 3.2.5.7 (Receiving an Open
 * Request with a Target Specifier), reached through an
 * SMB2_CREATE_EA_BUFFER create context whose FILE_FULL_EA_INFORMATION is
 * named "RSVD_TARGET_SPECIFIER_EA" ([MS-SMB2] 3.3.5.9.1): an open of one
 * snapshot of a VHD set.
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "util/mem.h"
#include "util/versioned.h"

typedef struct target_state {
    rsvd_backend_open_args args;
    rsvd_disk_snapshot_target target;
} target_state;

typedef struct target_search {
    const rsvd_server *srv;
    const rsvd_guid *id;
    rsvd_open *found;
} target_search;

/* "look up an Open in OpenTable where Open.VHDSSnapshotId is equal to
 * EaValue.TargetInformationSnapshot.SnapshotID": among the opens of the same
 * file (docs/decisions.md). */
static bool target_visit(rsvd_open *o, void *arg)
{
    target_search *s = arg;
    if (rsvd_open_state_of(s->srv, o) != RSVD_OPEN_OPEN || !o->v2 || !o->v2->is_target ||
        !rsvd_guid_equal(&o->v2->vhds_snapshot_id, s->id))
        return true;
    s->found = o;
    return false;
}

static rsvd_step target_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                  rsvd_server_reply *reply)
{
    rsvd_open *o = q->open;
    /* "The server MUST return the status returned by the virtual SCSI disk":
     * a failure leaves no open behind. */
    if (r->status != RSVD_STATUS_SUCCESS) {
        uint32_t status = r->status;
        void *cookie = q->cookie;
        rsvd_tunnel_state_free(srv, q);
        rsvd_srv_req_put(srv, q);
        rsvd_open_undo(srv, o);
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, status, cookie);
        return RSVD_STEP_DONE;
    }
    /* "Open.LocalOpen is set to the Open of the object in the local resource
     * received as part of the local create operation": our handle maps to
     * the disk's. */
    o->backend_handle = r->handle;
    rsvd_open_table_publish(srv, o);
    rsvd_tunnel_state_free(srv, q);
    reply->status = RSVD_STATUS_SUCCESS;
    reply->local_open = o->local_open;
    return RSVD_STEP_REPLY;
}

/* The answer of 3.2.5.7 for an open already in the OpenTable: "the server
 * MUST return STATUS_SUCCESS, and no further processing is specified" - its
 * LocalOpen, shared (rsvd/server.h). */
static void target_share(rsvd_server *srv, rsvd_open *o, void *cookie)
{
    o->v2->extra_refs++;
    rsvd_server_reply reply;
    memset(&reply, 0, sizeof reply);
    reply.cookie = cookie;
    reply.command = RSVD_SMB2_CREATE;
    reply.status = RSVD_STATUS_SUCCESS;
    reply.local_open = o->local_open;
    rsvd_srv_deliver(srv, &reply);
}

static void target_open(rsvd_server *srv, const rsvd_server_target_create_req *req,
                        void *cookie)
{
    /* "The received buffer MUST be interpreted as the FILE_FULL_EA_INFORMATION
     * structure ... If EaValueLength is greater than or equal to 24, and
     * EaName is equal to "RSVD_TARGET_SPECIFIER_EA", the server MUST process
     * as follows": a buffer without such an EA, or that is no EA chain, is
     * STATUS_INVALID_PARAMETER (docs/decisions.md). */
    rsvd_block_device_target_specifier ts;
    if (rsvd_target_specifier_ea_find(req->ea_buffer, req->ea_buffer_len, &ts) != RSVD_OK) {
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    /* "If EaValue.RsvdBlockDeviceTargetNamespace is not SnapshotId, the server
     * MUST return STATUS_INVALID_PARAMETER." */
    if (ts.rsvd_block_device_target_namespace != RSVD_BLOCK_DEVICE_TARGET_NAMESPACE_SNAPSHOT_ID) {
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    /* "If EaValue.TargetInformationSnapshot.SnapshotType is not
     * SvhdxSnapshotTypeVM or SvhdxSnapshotTypeWriteable, then the server MUST
     * return STATUS_INVALID_PARAMETER." */
    const rsvd_block_device_target_specifier_snapshot *snap = &ts.target_information_snapshot;
    if (snap->snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_VM &&
        snap->snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE) {
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    rsvd_open *o = NULL;
    uint32_t status = rsvd_open_alloc(srv, req->file_name, req->file_name_len, &o);
    if (status != RSVD_STATUS_SUCCESS) {
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, status, cookie);
        return;
    }
    /* "Otherwise, the server MUST look up an Open in OpenTable where
     * Open.VHDSSnapshotId is equal to ...SnapshotID. If an entry is found, the
     * server MUST return STATUS_SUCCESS". */
    target_search s = {srv, &snap->snapshot_id, NULL};
    rsvd_names_each(srv, (rsvd_name){o->name, o->name_len}, o->name_hash, target_visit, &s);
    if (s.found) {
        rsvd_open_undo(srv, o);
        target_share(srv, s.found, cookie);
        return;
    }
    /* "If an entry is not found, the server MUST issue an Open on the VHD set
     * file to the virtual SCSI disk": a disk the configuration lacks is
     * STATUS_NOT_SUPPORTED as for any CREATE (rsvd/server.h), one that cannot
     * open snapshots STATUS_INVALID_DEVICE_REQUEST (rsvd/backend.h). */
    if (!srv->cfg.scsi_disk)
        status = RSVD_STATUS_NOT_SUPPORTED;
    else if (!srv->cfg.scsi_disk->open_snapshot)
        status = RSVD_STATUS_INVALID_DEVICE_REQUEST;
    else if (!rsvd_open_v2_get(srv, o) || rsvd_names_reserve(srv) != RSVD_OK ||
             rsvd_open_table_add(srv, o) != RSVD_OK)
        status = RSVD_STATUS_INSUFFICIENT_RESOURCES;
    if (status != RSVD_STATUS_SUCCESS) {
        rsvd_open_undo(srv, o);
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, status, cookie);
        return;
    }
    target_state *st = rsvd_mem_calloc(srv->mem, 1, sizeof *st);
    rsvd_req *q = st ? rsvd_srv_req_get(srv, o, RSVD_SMB2_CREATE, cookie) : NULL;
    if (!q) {
        rsvd_mem_free(srv->mem, st);
        rsvd_open_undo(srv, o);
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, RSVD_STATUS_INSUFFICIENT_RESOURCES, cookie);
        return;
    }
    rsvd_names_insert(srv, o);
    q->u.state = st;
    /* "If the virtual SCSI disk indicates success, the server MUST initialize
     * an Open object with the following": Open.FileName (done);
     * SenseErrorDataList empty and SenseErrorSequence 0x00 (zeroed);
     * "Open.CreateOptions MUST be set to the CreateOptions received";
     * "Open.IsVHDSet MUST be set to TRUE"; "Open.PendingDelete MUST be set to
     * FALSE" (zeroed); "Open.VHDSSnapshotId MUST be set to
     * EaValue.TargetInformationSnapshot.SnapshotID". Set before the disk is
     * asked, they only take effect with its success. The section leaves
     * Open.IsVirtualSCSIDisk and Open.InitiatorId unset: the open is one of
     * the virtual SCSI disk, and its initiator is the snapshot itself, so
     * that 3.2.5.3 and 3.2.5.5.5 let it read (docs/decisions.md). */
    o->create_options = req->create_options;
    o->is_vhd_set = true;
    o->is_virtual_scsi_disk = true;
    o->initiator_id = snap->snapshot_id;
    o->v2->is_target = true;
    o->v2->vhds_snapshot_id = snap->snapshot_id;
    st->args.file_name = o->name;
    st->args.create_options = req->create_options;
    st->target.snapshot_type = snap->snapshot_type;
    st->target.snapshot_id = snap->snapshot_id;
    srv->cfg.scsi_disk->open_snapshot(srv->cfg.scsi_disk_ctx, &st->args, &st->target,
                                      rsvd_srv_req_issue(q, target_completed));
}

int rsvd_server_create_target(rsvd_server *srv, const rsvd_server_target_create_req *req,
                              void *cookie)
{
    if (!srv || !req)
        return RSVD_E_INVAL;
    rsvd_server_target_create_req r;
    int rc = rsvd_struct_import(&r, sizeof r, req, RSVD_V0_SERVER_TARGET_CREATE_REQ);
    if (rc != RSVD_OK)
        return rc;
    if ((!r.file_name && r.file_name_len) || (!r.ea_buffer && r.ea_buffer_len))
        return RSVD_E_INVAL;
    srv->depth++;
    if (!srv->cfg.svhdx_supported) {
        /* [MS-RSVD] 3.2.5 */
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, RSVD_STATUS_INVALID_DEVICE_REQUEST, cookie);
    } else if (srv->cfg.service_version != RSVD_PROTOCOL_VERSION_2) {
        /* A version-2 request to a version-1 server (docs/decisions.md). */
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, RSVD_STATUS_SVHDX_VERSION_MISMATCH, cookie);
    } else {
        target_open(srv, &r, cookie);
    }
    srv->depth--;
    return RSVD_OK;
}
