/*
 * QUERY_INFO and SET_INFO on an RSVD open: [MS-RSVD] 3.2.5.8 (Handling a
 * Query Information Request) and 3.2.5.9 (Handling a Set Information
 * Request).
 */
#include "server/server_internal.h"

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "wire/fscc_info.h"

static rsvd_step query_info_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                      rsvd_server_reply *reply);
static rsvd_step set_info_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                    rsvd_server_reply *reply);

static void query_info(rsvd_server *srv, const rsvd_server_query_info_req *req, void *cookie)
{
    const uint16_t cmd = RSVD_SMB2_QUERY_INFO;
    if (!srv->cfg.svhdx_supported) { /* [MS-RSVD] 3.2.5 */
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INVALID_DEVICE_REQUEST, cookie);
        return;
    }
    if (req->info_type == RSVD_SMB2_0_INFO_FILE) {
        /* 3.2.5.8: "If FileInfoClass is FileStandardInformation and
         * OutputBufferLength is less than the size of
         * FILE_STANDARD_INFORMATION ... FileNetworkOpenInformation ...
         * FILE_NETWORK_OPEN_INFORMATION ... FileEndOfFileInformation ...
         * FILE_END_OF_FILE_INFORMATION, the server MUST fail the request with
         * STATUS_BUFFER_TOO_SMALL." */
        uint32_t need = 0;
        if (req->info_class == RSVD_FILE_STANDARD_INFORMATION)
            need = FSCC_FILE_STANDARD_INFORMATION_SIZE;
        else if (req->info_class == RSVD_FILE_NETWORK_OPEN_INFORMATION)
            need = FSCC_FILE_NETWORK_OPEN_INFORMATION_SIZE;
        else if (req->info_class == RSVD_FILE_END_OF_FILE_INFORMATION)
            need = FSCC_FILE_END_OF_FILE_INFORMATION_SIZE;
        if (req->output_len < need) {
            rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_BUFFER_TOO_SMALL, cookie);
            return;
        }
    }
    /* The Open; 3.2.5.8 names no status for one that is not there
     * (docs/decisions.md). */
    rsvd_open *o = rsvd_srv_find_open(srv, req->local_open);
    if (!o) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    /* The backends know file information classes only (docs/decisions.md). */
    const rsvd_scsi_disk_ops *d = srv->cfg.scsi_disk;
    if (req->info_type != RSVD_SMB2_0_INFO_FILE || (o->is_virtual_scsi_disk && !d->query_info)) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_NOT_SUPPORTED, cookie);
        return;
    }
    rsvd_req *q = rsvd_srv_req_get(srv, o, cmd, cookie);
    if (!q) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INSUFFICIENT_RESOURCES, cookie);
        return;
    }
    q->out = req->output;
    q->out_cap = req->output_len;
    /* "If Open.IsVirtualSCSIDisk is FALSE, the server MUST query the
     * information from the object store; otherwise from the virtual disk.
     * The server MUST return the result." */
    rsvd_completion c = rsvd_srv_req_issue(q, query_info_completed);
    if (o->is_virtual_scsi_disk)
        d->query_info(srv->cfg.scsi_disk_ctx, o->backend_handle, req->info_class, req->output,
                      req->output_len, c);
    else
        srv->cfg.object_store->query_info(srv->cfg.object_store_ctx, o->backend_handle,
                                          req->info_class, req->output, req->output_len, c);
}

static void set_info(rsvd_server *srv, const rsvd_server_set_info_req *req, void *cookie)
{
    const uint16_t cmd = RSVD_SMB2_SET_INFO;
    if (!srv->cfg.svhdx_supported) { /* [MS-RSVD] 3.2.5 */
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INVALID_DEVICE_REQUEST, cookie);
        return;
    }
    if (req->info_type == RSVD_SMB2_0_INFO_FILE) {
        /* 3.2.5.9: "If FileInfoClass is FileRenameInformation, the server MUST
         * fail the request with STATUS_NOT_SUPPORTED." */
        if (req->info_class == RSVD_FILE_RENAME_INFORMATION) {
            rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_NOT_SUPPORTED, cookie);
            return;
        }
        /* "If FileInfoClass is FileLinkInformation, the server MUST fail the
         * request with STATUS_INVALID_PARAMETER." */
        if (req->info_class == RSVD_FILE_LINK_INFORMATION) {
            rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INVALID_PARAMETER, cookie);
            return;
        }
    }
    rsvd_open *o = rsvd_srv_find_open(srv, req->local_open);
    if (!o) { /* docs/decisions.md */
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    const rsvd_scsi_disk_ops *d = srv->cfg.scsi_disk;
    if (req->info_type != RSVD_SMB2_0_INFO_FILE || (o->is_virtual_scsi_disk && !d->set_info)) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_NOT_SUPPORTED, cookie);
        return;
    }
    rsvd_req *q = rsvd_srv_req_get(srv, o, cmd, cookie);
    if (!q) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INSUFFICIENT_RESOURCES, cookie);
        return;
    }
    /* "Otherwise, the server MUST apply the information to the virtual disk
     * and return the status": through the virtual disk of a virtual-SCSI
     * open, through the object store of any other (docs/decisions.md). */
    rsvd_completion c = rsvd_srv_req_issue(q, set_info_completed);
    if (o->is_virtual_scsi_disk)
        d->set_info(srv->cfg.scsi_disk_ctx, o->backend_handle, req->info_class, req->input,
                    req->input_len, c);
    else
        srv->cfg.object_store->set_info(srv->cfg.object_store_ctx, o->backend_handle,
                                        req->info_class, req->input, req->input_len, c);
}

/* 3.2.5.8: "The server MUST return the result": the status, and the
 * information (never more than OutputBufferLength). */
static rsvd_step query_info_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                      rsvd_server_reply *reply)
{
    (void)srv;
    reply->status = r->status;
    reply->output = q->out;
    reply->output_len = r->bytes < q->out_cap ? r->bytes : q->out_cap;
    return RSVD_STEP_REPLY;
}

/* 3.2.5.9: "... and return the status". */
static rsvd_step set_info_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                    rsvd_server_reply *reply)
{
    (void)srv;
    (void)q;
    reply->status = r->status;
    return RSVD_STEP_REPLY;
}

int rsvd_server_query_info(rsvd_server *srv, const rsvd_server_query_info_req *req,
                           void *cookie)
{
    if (!srv || !req || (!req->output && req->output_len))
        return RSVD_E_INVAL;
    srv->depth++;
    query_info(srv, req, cookie);
    srv->depth--;
    return RSVD_OK;
}

int rsvd_server_set_info(rsvd_server *srv, const rsvd_server_set_info_req *req, void *cookie)
{
    if (!srv || !req || (!req->input && req->input_len))
        return RSVD_E_INVAL;
    srv->depth++;
    set_info(srv, req, cookie);
    srv->depth--;
    return RSVD_OK;
}
