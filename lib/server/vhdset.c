/*
 * Questions about the VHD set: [MS-RSVD] 3.2.5.5.9 (Receiving a Query VHD
 * Set Information Request) and 3.2.5.5.15 (Receiving a Safe Size Request).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "util/mem.h"

/* ---- 3.2.5.5.9 Receiving a Query VHD Set Information Request ------------------------ */

typedef struct vhdset_state {
    rsvd_disk_vhdset_query query;
    rsvd_disk_vhdset_info info;
    /* The lists' ids, as many as the answer has room for. */
    rsvd_guid ids[];
} vhdset_state;

static bool is_list(uint32_t type)
{
    return type == RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST ||
           type == RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ACTIVE_LIST ||
           type == RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_INACTIVE_LIST;
}

static bool is_entry(uint32_t type)
{
    return type == RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY ||
           type == RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ROOT;
}

/* The fixed part of the answer of each type, after the header. */
static uint32_t answer_size(uint32_t type)
{
    if (is_list(type))
        return RSVD_SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_LIST_RESPONSE_FIXED_SIZE;
    if (is_entry(type))
        return RSVD_SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_ENTRY_RESPONSE_SIZE;
    return RSVD_SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_OPTIMIZE_RESPONSE_SIZE;
}

static rsvd_step vhdset_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                  rsvd_server_reply *reply)
{
    vhdset_state *v = q->u.state;
    const rsvd_disk_vhdset_info *i = &v->info;
    const uint32_t type = v->query.information_type;
    uint8_t *body = q->out + RSVD_TUNNEL_HEADER_SIZE;
    const size_t room = q->out_cap - RSVD_TUNNEL_HEADER_SIZE;
    size_t n = 0;
    /* "If the virtual SCSI disk indicates an error, the server MUST return the
     * SVHDX_TUNNEL_OPERATION_HEADER ... Status ... the error". */
    if (r->status != RSVD_STATUS_SUCCESS) {
        rsvd_tunnel_state_free(srv, q);
        return rsvd_tunnel_reply_q(q, reply, r->status, 0);
    }
    if (is_list(type)) {
        /* SnapshotList, CdpSnapshotActiveList, CdpSnapshotInactiveList:
         * "VHDSetInformationType MUST be set to
         * SvhdxVHDSetInformationTypeSnapshotList. ResponseComplete MUST be
         * set to 0x01 if the sum of the size of the snapshot IDs received
         * from the virtual SCSI disk, the size of
         * SVHDX_TUNNEL_OPERATION_HEADER, and the size of the fixed part of
         * SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_LIST_RESPONSE is less
         * than or equal to MaxOutputResponse. NumberOfSnapshots MUST be set
         * to the number of snapshot IDs received ... If ResponseComplete is
         * set to 0x01, SnapshotIds MUST be set to the value received ...
         * Otherwise, the SnapshotIds field is not present." The ids the disk
         * gave fit the room exactly when all of them did. */
        const bool complete = i->number_of_snapshots <= i->snapshot_ids_cap;
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response resp = {
            .vhdset_information_type = RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST,
            .reserved1 = 0,
            .response_complete = complete ? 1u : 0u,
            .number_of_snapshots = i->number_of_snapshots,
            .snapshot_ids = complete ? (const uint8_t *)v->ids : NULL,
        };
        (void)rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_encode(
            &resp, body, room, &n);
    } else if (is_entry(type)) {
        /* SnapshotEntry: "SnapshotType and IsValidSnapshot ... received from
         * the virtual SCSI disk; SnapshotId ... provided in the request;
         * ParentSnapshotId MUST be set to zero; LogFileId MUST be set to
         * zero". CdpSnapshotRoot: the same with its own type, and
         * "ParentSnapshotId ... LogFileId ... received from the virtual SCSI
         * disk". SnapshotCreationTime is the disk's either way. */
        const bool root = type == RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ROOT;
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response resp;
        memset(&resp, 0, sizeof resp);
        resp.vhdset_information_type = type;
        resp.snapshot_creation_time = i->snapshot_creation_time;
        resp.snapshot_type = i->snapshot_type;
        resp.is_valid_snapshot = i->is_valid_snapshot;
        resp.snapshot_id = v->query.snapshot_id;
        if (root) {
            resp.parent_snapshot_id = i->parent_snapshot_id;
            resp.log_file_id = i->log_file_id;
        }
        (void)rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response_encode(
            &resp, body, room, &n);
    } else {
        /* OptimizeNeeded: SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_OPTIMIZE_RESPONSE
         * with the disk's answer. */
        rsvd_svhdx_tunnel_vhdset_query_information_optimize_response resp = {
            .vhdset_information_type = RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED,
            .reserved = 0,
            .optimize_needed = i->optimize_needed ? 1u : 0u,
        };
        (void)rsvd_svhdx_tunnel_vhdset_query_information_optimize_response_encode(&resp, body,
                                                                                  room, &n);
    }
    rsvd_tunnel_state_free(srv, q);
    return rsvd_tunnel_reply_q(q, reply, RSVD_STATUS_SUCCESS, n);
}

/* The rules of 3.2.5.5.9 before the disk is asked, in the spec's order.
 * @return STATUS_SUCCESS or the status to fail the request with. */
static uint32_t vhdset_check(const rsvd_tunnel_call *t,
                             rsvd_svhdx_tunnel_vhdset_query_information_request *qr)
{
    /* "If the provided input buffer is not equal to the size of the
     * SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_REQUEST structure, then the
     * server MUST fail the request with STATUS_BUFFER_TOO_SMALL": the body
     * after the header (docs/decisions.md). */
    if (t->body_len != RSVD_SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_REQUEST_SIZE ||
        rsvd_svhdx_tunnel_vhdset_query_information_request_decode(t->body, t->body_len, qr) !=
            RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    /* "If the Open.IsVHDSet is FALSE, the server MUST fail the request with
     * STATUS_INVALID_DEVICE_REQUEST." */
    if (!t->open->is_vhd_set)
        return RSVD_STATUS_INVALID_DEVICE_REQUEST;
    const uint32_t type = qr->vhdset_information_type, st = qr->snapshot_type;
    /* "If VHDSetInformationType is not one of the valid information types
     * specified in section 2.2.4.19, ... STATUS_INVALID_PARAMETER_1." */
    if (!is_list(type) && !is_entry(type) &&
        type != RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED)
        return RSVD_STATUS_INVALID_PARAMETER_1;
    /* "If VHDSetInformationType is SvhdxVHDSetInformationTypeSnapshotEntry and
     * the supplied SnapshotType is not SvhdxSnapshotTypeVM or
     * SvhdxSnapshotTypeCDP or SvhdxSnapshotTypeWriteable, ...
     * STATUS_INVALID_PARAMETER_1." */
    if (type == RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY &&
        st != RSVD_SVHDX_SNAPSHOT_TYPE_VM && st != RSVD_SVHDX_SNAPSHOT_TYPE_CDP &&
        st != RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE)
        return RSVD_STATUS_INVALID_PARAMETER_1;
    /* "If VHDSetInformationType is SvhdxVHDSetInformationTypeSnapshotList and
     * the supplied SnapshotType is not SvhdxSnapshotTypeVM, ...
     * STATUS_INVALID_PARAMETER_1." */
    if (type == RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST &&
        st != RSVD_SVHDX_SNAPSHOT_TYPE_VM)
        return RSVD_STATUS_INVALID_PARAMETER_1;
    /* "If VHDSetInformationType is neither ...SnapshotEntry nor
     * ...SnapshotList and SnapshotType is nonzero, the server MUST fail the
     * request with STATUS_INVALID_PARAMETER." */
    if (type != RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY &&
        type != RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST && st != 0)
        return RSVD_STATUS_INVALID_PARAMETER;
    /* The answer's fixed part must fit MaxOutputResponse (docs/decisions.md). */
    if (t->req->max_output < RSVD_TUNNEL_MESSAGE_SIZE(answer_size(type)))
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    return RSVD_STATUS_SUCCESS;
}

void rsvd_vhdset_query(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    rsvd_svhdx_tunnel_vhdset_query_information_request qr;
    uint32_t status = vhdset_check(t, &qr);
    if (status != RSVD_STATUS_SUCCESS) {
        rsvd_tunnel_fail(srv, t, status);
        return;
    }
    if (!t->open->is_virtual_scsi_disk || !srv->cfg.scsi_disk->query_vhdset) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    /* A list's ids go into the room the answer has for them. */
    size_t cap = 0;
    if (is_list(qr.vhdset_information_type))
        cap = (t->req->max_output - RSVD_TUNNEL_MESSAGE_SIZE(answer_size(
                                        qr.vhdset_information_type))) /
              sizeof(rsvd_guid);
    rsvd_req *q = rsvd_tunnel_req(srv, t, sizeof(vhdset_state) + cap * sizeof(rsvd_guid));
    if (!q)
        return;
    vhdset_state *v = q->u.state;
    v->query.information_type = qr.vhdset_information_type;
    v->query.snapshot_type = qr.snapshot_type;
    v->query.snapshot_id = qr.snapshot_id;
    v->info.snapshot_ids = cap ? v->ids : NULL;
    v->info.snapshot_ids_cap = (uint32_t)cap;
    /* "The server MUST issue a query VHD set information request to the
     * virtual SCSI disk". */
    srv->cfg.scsi_disk->query_vhdset(srv->cfg.scsi_disk_ctx, q->open->backend_handle, &v->query,
                                     &v->info, rsvd_srv_req_issue(q, vhdset_completed));
}

/* ---- 3.2.5.5.15 Receiving a Safe Size Request ------------------------------------------ */

static size_t safe_size_body(uint8_t *out, uint32_t cap, uint64_t size)
{
    rsvd_svhdx_tunnel_query_safe_size_response resp = {size};
    size_t n = 0;
    (void)rsvd_svhdx_tunnel_query_safe_size_response_encode(&resp, out + RSVD_TUNNEL_HEADER_SIZE,
                                                            cap - RSVD_TUNNEL_HEADER_SIZE, &n);
    return n;
}

static rsvd_step safe_size_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                     rsvd_server_reply *reply)
{
    uint64_t *size = q->u.state;
    /* "SafeVirtualSize MUST be set to the value returned by virtual SCSI
     * disk. ... If the virtual SCSI disk indicates error, the Status field
     * MUST be set to the error code ... Otherwise, set to STATUS_SUCCESS":
     * the body in both cases. */
    size_t n = safe_size_body(q->out, q->out_cap, *size);
    rsvd_tunnel_state_free(srv, q);
    return rsvd_tunnel_reply_q(q, reply, r->status, n);
}

void rsvd_vhdset_safe_size(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    /* "If MaxOutputResponse is less than 24 (size of
     * SVHDX_TUNNEL_OPERATION_HEADER + size of
     * SVHDX_TUNNEL_QUERY_SAFE_SIZE_RESPONSE), the server MUST fail the
     * request with STATUS_BUFFER_TOO_SMALL." */
    if (t->req->max_output <
        RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_QUERY_SAFE_SIZE_RESPONSE_SIZE)) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    if (!t->open->is_virtual_scsi_disk || !srv->cfg.scsi_disk->query_safe_size) {
        size_t n = safe_size_body(t->req->output, t->req->max_output, 0);
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, n);
        return;
    }
    rsvd_req *q = rsvd_tunnel_req(srv, t, sizeof(uint64_t));
    if (!q)
        return;
    /* "The server MUST query the smallest size from the virtual SCSI disk". */
    srv->cfg.scsi_disk->query_safe_size(srv->cfg.scsi_disk_ctx, q->open->backend_handle,
                                        q->u.state, rsvd_srv_req_issue(q, safe_size_completed));
}
