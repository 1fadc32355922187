/*
 * IOCTL and LOCK on an RSVD open: the dispatch table of [MS-RSVD] 3.2.4,
 * FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT ([MS-RSVD] 3.2.5.6), and the
 * FSCTLs passed to the object store.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "util/mem.h"

/* ---- 3.2.5.6 Query Shared Virtual Disk Support ------------------------------------ */

typedef struct handle_state_search {
    const rsvd_server *srv;
    uint64_t local_open;
    uint32_t state;
} handle_state_search;

static bool handle_state_visit(rsvd_open *o, void *arg)
{
    handle_state_search *s = arg;
    if (rsvd_open_state_of(s->srv, o) != RSVD_OPEN_OPEN)
        return true; /* a CREATE in progress is not in the OpenTable yet */
    if (o->local_open == s->local_open) {
        s->state = RSVD_HANDLE_STATE_SHARED;
        return false;
    }
    s->state = RSVD_HANDLE_STATE_FILE_SHARED;
    return true; /* this handle's own Open may still follow */
}

void rsvd_query_support_answer(rsvd_server *srv, uint64_t local_open, rsvd_name name,
                               uint32_t max_output, uint8_t *output, void *cookie)
{
    const uint32_t ctl = RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT;
    /* "If MaxOutputResponse is less than the size of
     * SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE, the server MUST fail the
     * request with STATUS_BUFFER_TOO_SMALL." */
    if (max_output < RSVD_SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE_SIZE) {
        rsvd_srv_fail(srv, RSVD_SMB2_IOCTL, ctl, RSVD_STATUS_BUFFER_TOO_SMALL, cookie);
        return;
    }
    rsvd_svhdx_shared_virtual_disk_support_response resp;
    /* "SharedVirtualDiskSupport: SharedVirtualDisksSupported if
     * ServerServiceVersion is 1, SharedVirtualDiskSnapshotsSupported if 2." */
    resp.shared_virtual_disk_support = srv->cfg.service_version == RSVD_PROTOCOL_VERSION_2
                                           ? RSVD_SHARED_VIRTUAL_DISK_SNAPSHOTS_SUPPORTED
                                           : RSVD_SHARED_VIRTUAL_DISKS_SUPPORTED;
    /* "The server MUST search the OpenTable for an Open where Open.FileName
     * matches the file name": none - HandleStateNone; one whose LocalOpen is
     * this handle - HandleStateShared; otherwise HandleStateFileShared. */
    handle_state_search s = {srv, local_open, RSVD_HANDLE_STATE_NONE};
    if (name.s) /* NULL: a name no Open can have */
        rsvd_names_each(srv, name, rsvd_name_hash(srv, name), handle_state_visit, &s);
    resp.shared_virtual_disk_handle_state = s.state;
    size_t n = 0;
    (void)rsvd_svhdx_shared_virtual_disk_support_response_encode(&resp, output, max_output, &n);
    rsvd_server_reply reply;
    memset(&reply, 0, sizeof reply);
    reply.cookie = cookie;
    reply.command = RSVD_SMB2_IOCTL;
    reply.ctl_code = ctl;
    reply.status = RSVD_STATUS_SUCCESS;
    reply.output = output;
    reply.output_len = (uint32_t)n;
    rsvd_srv_deliver(srv, &reply);
}

int rsvd_server_query_support(rsvd_server *srv, const rsvd_server_query_support_req *req,
                              void *cookie)
{
    if (!srv || !req || (!req->file_name && req->file_name_len) ||
        (!req->output && req->max_output))
        return RSVD_E_INVAL;
    srv->depth++;
    const uint32_t ctl = RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT;
    size_t len = 0;
    if (!srv->cfg.svhdx_supported) {
        /* [MS-RSVD] 3.2.5 */
        rsvd_srv_fail(srv, RSVD_SMB2_IOCTL, ctl, RSVD_STATUS_INVALID_DEVICE_REQUEST, cookie);
    } else if (rsvd_name_from_utf16(req->file_name, req->file_name_len, NULL, 0, &len) !=
               RSVD_OK) {
        /* No Open can have a name that is not UTF-16 (docs/decisions.md). */
        rsvd_query_support_answer(srv, req->local_open, (rsvd_name){NULL, 0}, req->max_output,
                                  req->output, cookie);
    } else {
        /* Not a hot path: the name is converted in a small stack buffer, or in
         * an allocation for a long one. */
        char small[256];
        char *buf = len <= sizeof small ? small : rsvd_mem_alloc(srv->mem, len);
        if (!buf) {
            rsvd_srv_fail(srv, RSVD_SMB2_IOCTL, ctl, RSVD_STATUS_INSUFFICIENT_RESOURCES,
                          cookie);
        } else {
            (void)rsvd_name_from_utf16(req->file_name, req->file_name_len, buf, len, &len);
            rsvd_query_support_answer(srv, req->local_open, (rsvd_name){buf, len},
                                      req->max_output, req->output, cookie);
            if (buf != small)
                rsvd_mem_free(srv->mem, buf);
        }
    }
    srv->depth--;
    return RSVD_OK;
}

/* ---- FSCTLs passed to the object store ---------------------------------------------- */

static rsvd_step fsctl_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                 rsvd_server_reply *reply);

static void fsctl_pass(rsvd_server *srv, const rsvd_server_ioctl_req *req, void *cookie)
{
    const uint16_t cmd = RSVD_SMB2_IOCTL;
    rsvd_open *o = rsvd_srv_find_open(srv, req->local_open);
    if (!o) { /* docs/decisions.md */
        rsvd_srv_fail(srv, cmd, req->ctl_code, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    /* A virtual-SCSI open has no object-store open to pass it to
     * (docs/decisions.md). */
    if (o->is_virtual_scsi_disk) {
        rsvd_srv_fail(srv, cmd, req->ctl_code, RSVD_STATUS_INVALID_DEVICE_REQUEST, cookie);
        return;
    }
    rsvd_req *q = rsvd_srv_req_get(srv, o, cmd, cookie);
    if (!q) {
        rsvd_srv_fail(srv, cmd, req->ctl_code, RSVD_STATUS_INSUFFICIENT_RESOURCES, cookie);
        return;
    }
    q->ctl_code = req->ctl_code;
    q->out = req->output;
    q->out_cap = req->max_output;
    srv->cfg.object_store->fsctl(srv->cfg.object_store_ctx, o->backend_handle, req->ctl_code,
                                 req->input, req->input_len, req->output, req->max_output,
                                 rsvd_srv_req_issue(q, fsctl_completed));
}

static rsvd_step fsctl_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                 rsvd_server_reply *reply)
{
    (void)srv;
    /* [MS-RSVD] 3.2.4: "... and return the result": the store's status, and
     * its output (never more than MaxOutputResponse). An error carries none
     * ([MS-SMB2] 3.3.4.4, rsvd_server_reply_is_error()). */
    reply->status = r->status;
    reply->output = q->out;
    reply->output_len = r->bytes < q->out_cap ? r->bytes : q->out_cap;
    return RSVD_STEP_REPLY;
}

/* ---- [MS-RSVD] 3.2.4: the IOCTL row of the dispatch table ------------------------- */

int rsvd_server_ioctl(rsvd_server *srv, const rsvd_server_ioctl_req *req, void *cookie)
{
    if (!srv || !req || (!req->input && req->input_len) || (!req->output && req->max_output))
        return RSVD_E_INVAL;
    srv->depth++;
    const uint16_t cmd = RSVD_SMB2_IOCTL;
    if (!srv->cfg.svhdx_supported) {
        /* [MS-RSVD] 3.2.5 */
        rsvd_srv_fail(srv, cmd, req->ctl_code, RSVD_STATUS_INVALID_DEVICE_REQUEST, cookie);
        srv->depth--;
        return RSVD_OK;
    }
    switch (req->ctl_code) {
    case RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST:
    case RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST:
        /* "process as specified in section 3.2.5.5" */
        rsvd_tunnel_dispatch(srv, req, cookie);
        break;
    case RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT: {
        /* "process as specified in section 3.2.5.6", with this open's name. */
        rsvd_open *o = rsvd_srv_find_open(srv, req->local_open);
        if (!o) /* docs/decisions.md: the name is unknown */
            rsvd_srv_fail(srv, cmd, req->ctl_code, RSVD_STATUS_INVALID_PARAMETER, cookie);
        else
            rsvd_query_support_answer(srv, o->local_open, (rsvd_name){o->name, o->name_len},
                                      req->max_output, req->output, cookie);
        break;
    }
    case RSVD_FSCTL_OFFLOAD_READ:
        /* "fail the request with STATUS_OFFLOAD_READ_FILE_NOT_SUPPORTED" */
        rsvd_srv_fail(srv, cmd, req->ctl_code, RSVD_STATUS_OFFLOAD_READ_FILE_NOT_SUPPORTED,
                      cookie);
        break;
    case RSVD_FSCTL_OFFLOAD_WRITE:
        /* "fail the request with STATUS_OFFLOAD_WRITE_FILE_NOT_SUPPORTED" */
        rsvd_srv_fail(srv, cmd, req->ctl_code, RSVD_STATUS_OFFLOAD_WRITE_FILE_NOT_SUPPORTED,
                      cookie);
        break;
    default:
        /* "Any other FSCTL: pass the request to the underlying object store
         * and return the result." */
        fsctl_pass(srv, req, cookie);
        break;
    }
    srv->depth--;
    return RSVD_OK;
}

/* ---- [MS-RSVD] 3.2.4: the LOCK row -------------------------------------------------- */

int rsvd_server_lock(rsvd_server *srv, uint64_t local_open, void *cookie)
{
    (void)local_open;
    if (!srv)
        return RSVD_E_INVAL;
    srv->depth++;
    /* [MS-RSVD] 3.2.5 first, then "LOCK: fail the request with
     * STATUS_LOCK_NOT_GRANTED" (whatever the open). */
    rsvd_srv_fail(srv, RSVD_SMB2_LOCK, 0,
                  srv->cfg.svhdx_supported ? RSVD_STATUS_LOCK_NOT_GRANTED
                                           : RSVD_STATUS_INVALID_DEVICE_REQUEST,
                  cookie);
    srv->depth--;
    return RSVD_OK;
}
