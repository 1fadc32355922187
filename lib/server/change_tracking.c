/*
 * Change tracking: [MS-RSVD] 3.2.5.5.11 (Get Parameter), 3.2.5.5.12
 * (Start), 3.2.5.5.13 (Stop), 3.2.5.5.14 (Query Virtual Disk Changes), and
 * what the server remembers of started tracking for 3.2.5.1 ("If change
 * tracking was previously started on the server, the server MUST issue a
 * start tracking request ... after the successful open").
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "util/mem.h"

/* ---- files whose tracking a client started ([MS-RSVD] 3.2.5.1) --------------------- */

/** Most files the server remembers started tracking for; a START beyond it
 * fails with STATUS_INSUFFICIENT_RESOURCES. */
#define RSVD_SRV_MAX_TRACKED 1024u

typedef struct rsvd_tracked {
    struct rsvd_tracked *next;
    /** The START that began it, repeated with AppendData after an open. */
    rsvd_disk_change_tracking_start_args args;
    uint32_t name_len;
    char name[];
} rsvd_tracked;

static rsvd_tracked **tracked_find(rsvd_server *srv, const rsvd_open *o)
{
    rsvd_name name = {o->name, o->name_len};
    for (rsvd_tracked **p = &srv->tracked; *p; p = &(*p)->next)
        if (rsvd_name_equal(srv, (rsvd_name){(*p)->name, (*p)->name_len}, name))
            return p;
    return NULL;
}

bool rsvd_ct_restart_args(const rsvd_server *srv, const rsvd_open *o,
                          rsvd_disk_change_tracking_start_args *args)
{
    rsvd_name name = {o->name, o->name_len};
    const rsvd_tracked *t = srv->tracked;
    while (t && !rsvd_name_equal(srv, (rsvd_name){t->name, t->name_len}, name))
        t = t->next;
    if (!t)
        return false;
    *args = t->args;
    /* The same tracking goes on: its log is resumed, not begun again. */
    args->append_data = true;
    return true;
}

void rsvd_ct_fini(rsvd_server *srv)
{
    while (srv->tracked) {
        rsvd_tracked *t = srv->tracked;
        srv->tracked = t->next;
        rsvd_mem_free(srv->mem, t);
    }
    srv->ntracked = 0;
}

static void tracked_forget(rsvd_server *srv, const rsvd_open *o)
{
    rsvd_tracked **p = tracked_find(srv, o);
    if (!p)
        return;
    rsvd_tracked *t = *p;
    *p = t->next;
    rsvd_mem_free(srv->mem, t);
    srv->ntracked--;
}

/* ---- 3.2.5.5.11 Receiving a Change Tracking Get Parameter Request ------------------- */

static rsvd_step get_parameters_completed(rsvd_server *srv, rsvd_req *q,
                                          const rsvd_io_result *r, rsvd_server_reply *reply)
{
    rsvd_disk_change_tracking_parameters *p = q->u.state;
    /* "If the virtual SCSI disk indicates an error, the server MUST return the
     * SVHDX_TUNNEL_OPERATION_HEADER ... Status ... the error". */
    if (r->status != RSVD_STATUS_SUCCESS) {
        rsvd_tunnel_state_free(srv, q);
        return rsvd_tunnel_reply_q(q, reply, r->status, 0);
    }
    /* "Otherwise ... Status STATUS_SUCCESS", and the
     * SVHDX_CHANGE_TRACKING_GET_PARAMETERS_RESPONSE (2.2.4.25; the section
     * names SVHDX_TUNNEL_DISK_INFO_RESPONSE by mistake): "ChangeTrackingStatus
     * as the status returned by the virtual SCSI disk. LogFileSize returned
     * by the virtual SCSI disk." */
    rsvd_svhdx_change_tracking_get_parameters_response resp = {
        .change_tracking_status = p->change_tracking_status,
        .reserved = 0,
        .log_file_size = p->log_file_size,
    };
    size_t n = 0;
    (void)rsvd_svhdx_change_tracking_get_parameters_response_encode(
        &resp, q->out + RSVD_TUNNEL_HEADER_SIZE, q->out_cap - RSVD_TUNNEL_HEADER_SIZE, &n);
    rsvd_tunnel_state_free(srv, q);
    return rsvd_tunnel_reply_q(q, reply, RSVD_STATUS_SUCCESS, n);
}

void rsvd_ct_get_parameters(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    /* The answer's room (docs/decisions.md). */
    if (t->req->max_output <
        RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_CHANGE_TRACKING_GET_PARAMETERS_RESPONSE_SIZE)) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    if (!t->open->is_virtual_scsi_disk || !srv->cfg.scsi_disk->change_tracking_get_parameters) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    rsvd_req *q = rsvd_tunnel_req(srv, t, sizeof(rsvd_disk_change_tracking_parameters));
    if (!q)
        return;
    /* "The server MUST issue a get tracking Parameter request to the virtual
     * SCSI disk". */
    srv->cfg.scsi_disk->change_tracking_get_parameters(
        srv->cfg.scsi_disk_ctx, q->open->backend_handle, q->u.state,
        rsvd_srv_req_issue(q, get_parameters_completed));
}

/* ---- 3.2.5.5.12 Receiving a Change Tracking Start Request ----------------------------- */

typedef struct start_state {
    rsvd_disk_change_tracking_start_args args;
    /* The record 3.2.5.1 needs, allocated before the disk is asked. */
    rsvd_tracked *record;
} start_state;

static rsvd_step start_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                 rsvd_server_reply *reply)
{
    start_state *st = q->u.state;
    /* Tracking started: remembered for the next opens of the file (3.2.5.1),
     * in place of an earlier start. */
    if (r->status == RSVD_STATUS_SUCCESS) {
        tracked_forget(srv, q->open);
        st->record->args = st->args;
        st->record->next = srv->tracked;
        srv->tracked = st->record;
        srv->ntracked++;
        st->record = NULL;
    }
    rsvd_mem_free(srv->mem, st->record);
    rsvd_tunnel_state_free(srv, q);
    /* "The Status field MUST be set to the value received from the virtual
     * SCSI disk." */
    return rsvd_tunnel_reply_q(q, reply, r->status, 0);
}

void rsvd_ct_start(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    if (t->req->max_output < RSVD_TUNNEL_HEADER_SIZE) { /* the answer's room */
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* The request's fixed part (docs/decisions.md); any other decode failure
     * comes from a nonzero LogFileNameLength (rsvd/wire_rsvd.h). */
    rsvd_svhdx_change_tracking_start_request sr;
    int rc = rsvd_svhdx_change_tracking_start_request_decode(t->body, t->body_len, &sr);
    if (rc == RSVD_E_WIRE_SHORT) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* "If LogFileNameLength is not 0, the server MUST fail the request with
     * STATUS_INVALID_PARAMETER" - Windows accepts a name; this server keeps
     * the spec's rule (docs/decisions.md). */
    if (rc != RSVD_OK || sr.log_file_name_length != 0) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    if (!t->open->is_virtual_scsi_disk || !srv->cfg.scsi_disk->change_tracking_start) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    /* Room to remember it, reserved before the disk is asked. */
    rsvd_open *o = t->open;
    rsvd_tracked *rec = NULL;
    if (srv->ntracked < RSVD_SRV_MAX_TRACKED || tracked_find(srv, o))
        rec = rsvd_mem_calloc(srv->mem, 1, sizeof *rec + o->name_len + 1u);
    if (!rec) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    memcpy(rec->name, o->name, o->name_len + 1u);
    rec->name_len = o->name_len;
    rsvd_req *q = rsvd_tunnel_req(srv, t, sizeof(start_state));
    if (!q) {
        rsvd_mem_free(srv->mem, rec);
        return;
    }
    start_state *st = q->u.state;
    st->record = rec;
    st->args.transaction_id = sr.transaction_id;
    st->args.log_file_id = sr.log_file_id;
    st->args.max_log_file_size = sr.max_log_file_size;
    st->args.append_data = sr.append_data != 0;
    /* "The server MUST issue a start tracking request to the virtual SCSI
     * disk". The snapshots created after a start without AppendData form
     * the active list: the disk keeps the lists (rsvd/backend.h). */
    srv->cfg.scsi_disk->change_tracking_start(srv->cfg.scsi_disk_ctx, o->backend_handle,
                                              &st->args, rsvd_srv_req_issue(q, start_completed));
}

/* ---- 3.2.5.5.13 Receiving a Change Tracking Stop Request ------------------------------ */

static size_t stop_body(uint8_t *out, uint32_t cap, uint32_t change_tracking_status)
{
    rsvd_svhdx_change_tracking_stop_response resp = {change_tracking_status};
    size_t n = 0;
    (void)rsvd_svhdx_change_tracking_stop_response_encode(&resp, out + RSVD_TUNNEL_HEADER_SIZE,
                                                          cap - RSVD_TUNNEL_HEADER_SIZE, &n);
    return n;
}

static rsvd_step stop_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                rsvd_server_reply *reply)
{
    uint32_t *ct_status = q->u.state;
    /* Stopped: the next opens start nothing again (3.2.5.1). The active
     * snapshots become inactive on the disk. */
    if (r->status == RSVD_STATUS_SUCCESS)
        tracked_forget(srv, q->open);
    /* "The Status field MUST be set to the value received from the virtual
     * SCSI disk ... Regardless of the Status field's value, the
     * ChangeTrackingStatus field MUST be set to ... this value is received
     * from the virtual SCSI disk". */
    size_t n = stop_body(q->out, q->out_cap, *ct_status);
    rsvd_tunnel_state_free(srv, q);
    return rsvd_tunnel_reply_q(q, reply, r->status, n);
}

void rsvd_ct_stop(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    /* The answer's room (docs/decisions.md). */
    if (t->req->max_output <
        RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_CHANGE_TRACKING_STOP_RESPONSE_SIZE)) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    if (!t->open->is_virtual_scsi_disk || !srv->cfg.scsi_disk->change_tracking_stop) {
        size_t n = stop_body(t->req->output, t->req->max_output,
                             RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED);
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, n);
        return;
    }
    rsvd_req *q = rsvd_tunnel_req(srv, t, sizeof(uint32_t));
    if (!q)
        return;
    /* A disk that says nothing reports tracking not running. */
    *(uint32_t *)q->u.state = RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED;
    /* "The server MUST issue a stop tracking request to the virtual SCSI
     * disk". */
    srv->cfg.scsi_disk->change_tracking_stop(srv->cfg.scsi_disk_ctx, q->open->backend_handle,
                                             q->u.state, rsvd_srv_req_issue(q, stop_completed));
}

/* ---- 3.2.5.5.14 Receiving a Query Virtual Disk changes request ------------------------- */

typedef struct changes_state {
    rsvd_disk_query_changes_args args;
    rsvd_disk_changes changes;
    /* The reply's ranges, as the wire codec takes them. */
    rsvd_svhdx_virtual_disk_changed_range *wire;
    /* The disk's ranges: as many as the answer has room for. */
    rsvd_disk_changed_range ranges[];
} changes_state;

static rsvd_step changes_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                   rsvd_server_reply *reply)
{
    changes_state *c = q->u.state;
    /* "Status ... returned by virtual SCSI disk. If the Status is not zero,
     * the server MUST return SVHDX_TUNNEL_OPERATION_HEADER to the client, and
     * no further processing is done." */
    if (r->status != RSVD_STATUS_SUCCESS) {
        rsvd_tunnel_state_free(srv, q);
        return rsvd_tunnel_reply_q(q, reply, r->status, 0);
    }
    /* "Otherwise ... SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REPLY:
     * ProcessedByteLength ... ByteLength ... or a smaller value, if the
     * provided buffer was not large enough; RangeCount ... the number of
     * entries in the Ranges field; Reserved zero; Ranges ... ByteOffset,
     * ByteLength, Reserved zero." */
    uint32_t count = c->changes.range_count < c->changes.ranges_cap ? c->changes.range_count
                                                                     : c->changes.ranges_cap;
    for (uint32_t i = 0; i < count; i++) {
        c->wire[i].byte_offset = c->ranges[i].byte_offset;
        c->wire[i].byte_length = c->ranges[i].byte_length;
    }
    uint64_t processed = c->changes.processed_byte_length < c->args.byte_length
                             ? c->changes.processed_byte_length
                             : c->args.byte_length;
    size_t n = 0;
    (void)rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_build(
        processed, c->wire, count, q->out + RSVD_TUNNEL_HEADER_SIZE,
        q->out_cap - RSVD_TUNNEL_HEADER_SIZE, &n);
    rsvd_tunnel_state_free(srv, q);
    return rsvd_tunnel_reply_q(q, reply, RSVD_STATUS_SUCCESS, n);
}

void rsvd_ct_query_changes(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    const uint32_t fixed =
        RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REPLY_FIXED_SIZE);
    if (t->req->max_output < fixed) { /* the answer's room (docs/decisions.md) */
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* "If the input buffer is less than (size of SVHDX_TUNNEL_OPERATION_HEADER
     * + size of SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REQUEST), the server
     * MUST fail the request with STATUS_BUFFER_TOO_SMALL." */
    rsvd_svhdx_tunnel_query_virtual_disk_changes_request cr;
    if (rsvd_svhdx_tunnel_query_virtual_disk_changes_request_decode(t->body, t->body_len, &cr) !=
        RSVD_OK) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* "If SnapshotType is not SvhdxSnapshotTypeVM, the server MUST fail the
     * request with STATUS_INVALID_PARAMETER." */
    if (cr.snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_VM) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    /* "The server MUST search for a snapshot in Open.SnapshotList where
     * Snapshot.SnapshotId is equal to TargetSnapshotId. If no matching entry
     * is found, the server MUST fail the request and return an error in an
     * implementation-specific manner" - the same for LimitSnapshotId; "If
     * Snapshot.ChangeTracking, identified using TargetSnapshotId, or
     * Snapshot.ChangeTracking, identified using LimitSnapshotId, is FALSE,
     * the server MUST fail the request": STATUS_INVALID_PARAMETER
     * (docs/decisions.md). */
    const rsvd_snapshot *target = rsvd_snapshot_find(t->open, &cr.target_snapshot_id);
    const rsvd_snapshot *limit = target ? rsvd_snapshot_find(t->open, &cr.limit_snapshot_id)
                                        : NULL;
    if (!target || !limit || !target->change_tracking || !limit->change_tracking) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    if (!t->open->is_virtual_scsi_disk || !srv->cfg.scsi_disk->query_changes) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    /* Ranges are cut to the output buffer: the disk gets room for as many as
     * fit it, and ProcessedByteLength says how far they go. */
    const size_t cap = (t->req->max_output - fixed) / RSVD_SVHDX_VIRTUAL_DISK_CHANGED_RANGE_SIZE;
    rsvd_req *q = rsvd_tunnel_req(
        srv, t,
        sizeof(changes_state) +
            cap * (sizeof(rsvd_disk_changed_range) + sizeof(rsvd_svhdx_virtual_disk_changed_range)));
    if (!q)
        return;
    changes_state *c = q->u.state;
    c->wire = (rsvd_svhdx_virtual_disk_changed_range *)(void *)&c->ranges[cap];
    c->args.target_snapshot_id = cr.target_snapshot_id;
    c->args.limit_snapshot_id = cr.limit_snapshot_id;
    c->args.snapshot_type = cr.snapshot_type;
    c->args.byte_offset = cr.byte_offset;
    c->args.byte_length = cr.byte_length;
    c->changes.ranges = cap ? c->ranges : NULL;
    c->changes.ranges_cap = (uint32_t)cap;
    /* "The server MUST issue a get virtual disk changes request to the
     * virtual SCSI disk". */
    srv->cfg.scsi_disk->query_changes(srv->cfg.scsi_disk_ctx, q->open->backend_handle, &c->args,
                                      &c->changes, rsvd_srv_req_issue(q, changes_completed));
}
