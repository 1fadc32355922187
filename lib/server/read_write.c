/*
 * READ and WRITE on a shared virtual disk: [MS-RSVD] 3.2.5.3 (Receiving a
 * Read Request) and 3.2.5.4 (Receiving a Write Request).
 *
 * The two sections have the same rules in the same order, except that only
 * 3.2.5.4 names a persistent-reservation conflict. Nothing here allocates
 * except the sense store, on an open's first stored error.
 */
#include "server/server_internal.h"

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>

/* How [MS-RSVD] 3.2.5.3/3.2.5.4 sort what the object store or the virtual
 * SCSI disk reported (rsvd/backend.h says how a disk reports each case). */
rsvd_io_outcome rsvd_io_classify(const rsvd_open *o, const rsvd_io_result *r)
{
    /* A backend cannot hand out a StatusKey: only the server stores sense
     * data, so STATUS_SVHDX_ERROR_STORED from a backend is "any other error"
     * (docs/decisions.md). */
    const bool rsvd_code =
        rsvd_status_is_rsvd_error(r->status) && !rsvd_status_is_error_stored(r->status);
    if (!o->is_virtual_scsi_disk) {
        if (r->status == RSVD_STATUS_SUCCESS)
            return RSVD_IO_SUCCESS;
        return rsvd_code ? RSVD_IO_RSVD_ERROR : RSVD_IO_STORE_ERROR;
    }
    if (r->status == RSVD_STATUS_SUCCESS) {
        if (r->scsi.scsi_status == RSVD_SCSI_STATUS_GOOD)
            return RSVD_IO_SUCCESS;
        if (r->scsi.scsi_status == RSVD_SCSI_STATUS_RESERVATION_CONFLICT)
            return RSVD_IO_RESERVATION_CONFLICT;
        return RSVD_IO_DISK_ERROR;
    }
    return rsvd_code ? RSVD_IO_RSVD_ERROR : RSVD_IO_DISK_ERROR;
}

static rsvd_step read_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                rsvd_server_reply *reply);
static rsvd_step write_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                 rsvd_server_reply *reply);

static void io_start(rsvd_server *srv, bool write, uint64_t local_open, uint64_t offset,
                     uint32_t length, uint8_t *rbuf, const uint8_t *wdata, void *cookie)
{
    const uint16_t cmd = write ? RSVD_SMB2_WRITE : RSVD_SMB2_READ;

    /* [MS-RSVD] 3.2.5: IsSVHDXSupported FALSE. */
    if (!srv->cfg.svhdx_supported) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INVALID_DEVICE_REQUEST, cookie);
        return;
    }
    /* 3.2.5.3 / 3.2.5.4: "the server MUST locate the Open in the OpenTable
     * where Open.LocalOpen matches ... If no Open is found, the server MUST
     * fail the request with the STATUS_INVALID_PARAMETER error code." */
    rsvd_open *o = rsvd_srv_find_open(srv, local_open);
    if (!o) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    /* "If the Open is found, Open.IsVirtualSCSIDisk is true, and
     * Open.InitiatorId is zero": advance the sequence, store a SenseError
     * (<12>/<14> values) and "return the error (STATUS_SVHDX_ERROR_STORED |
     * SenseError.StatusKey)". */
    if (o->is_virtual_scsi_disk && rsvd_guid_is_zero(&o->initiator_id)) {
        rsvd_srv_fail(srv, cmd, 0, rsvd_sense_store_no_initiator(srv, o), cookie);
        return;
    }
    /* "If the Open is found and the FILE_NO_INTERMEDIATE_BUFFERING bit is not
     * set in Open.CreateOptions, the server MUST fail the request with the
     * STATUS_NOT_SUPPORTED code." */
    if (!(o->create_options & RSVD_FILE_NO_INTERMEDIATE_BUFFERING)) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_NOT_SUPPORTED, cookie);
        return;
    }
    rsvd_req *q = rsvd_srv_req_get(srv, o, cmd, cookie);
    if (!q) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INSUFFICIENT_RESOURCES, cookie);
        return;
    }
    q->out = rbuf;
    q->out_cap = write ? 0 : length;
    q->len = length;
    /* "If Open.IsVirtualSCSIDisk is FALSE, the server MUST issue a read/write
     * to the underlying object store; otherwise the server MUST pass the
     * request to the virtual SCSI disk." From here on q and o belong to the
     * backend call. */
    rsvd_completion c = rsvd_srv_req_issue(q, write ? write_completed : read_completed);
    if (o->is_virtual_scsi_disk) {
        const rsvd_scsi_disk_ops *d = srv->cfg.scsi_disk;
        if (write)
            d->write(srv->cfg.scsi_disk_ctx, o->backend_handle, offset, wdata, length, c);
        else
            d->read(srv->cfg.scsi_disk_ctx, o->backend_handle, offset, rbuf, length, c);
    } else {
        const rsvd_object_store_ops *s = srv->cfg.object_store;
        if (write)
            s->write(srv->cfg.object_store_ctx, o->backend_handle, offset, wdata, length, c);
        else
            s->read(srv->cfg.object_store_ctx, o->backend_handle, offset, rbuf, length, c);
    }
}

/* The outcome of a READ or a WRITE: the two sections sort it alike. */
static inline rsvd_step io_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                     rsvd_server_reply *reply, bool write)
{
    rsvd_open *o = q->open;
    switch (rsvd_io_classify(o, r)) {
    case RSVD_IO_SUCCESS:
        /* "If the underlying object store or virtual SCSI disk indicates that
         * the read/write was successful, the server MUST return success" (and
         * the data read). */
        reply->status = RSVD_STATUS_SUCCESS;
        if (write) {
            reply->count = r->bytes < q->len ? r->bytes : q->len;
        } else {
            reply->output = q->out;
            reply->output_len = r->bytes < q->out_cap ? r->bytes : q->out_cap;
        }
        break;
    case RSVD_IO_RESERVATION_CONFLICT:
        if (write) {
            /* 3.2.5.4: "If the ... virtual SCSI disk indicates the write was
             * denied due to a persistent reservation conflict, as described in
             * [SPC-3] section 5.6, the server MUST fail the request with error
             * STATUS_SVHDX_RESERVATION_CONFLICT." */
            reply->status = RSVD_STATUS_SVHDX_RESERVATION_CONFLICT;
        } else {
            /* 3.2.5.3 has no such rule: a conflict on a read is a disk error
             * not listed in 2.2.3 and is stored (docs/decisions.md). */
            reply->status = rsvd_sense_store_disk_error(srv, o, r);
        }
        break;
    case RSVD_IO_RSVD_ERROR:
        /* "Otherwise, if the received error code is specified in the section
         * 2.2.3, the server MUST return the error code." */
        reply->status = r->status;
        break;
    case RSVD_IO_DISK_ERROR:
        /* "If the underlying object store is the virtual SCSI disk and the
         * error code is not specified in section 2.2.3, the server MUST store
         * the received sense data": SenseErrorSequence advanced, SrbStatus,
         * ScsiStatus and SenseData from the disk, and "return the error
         * (STATUS_SVHDX_ERROR_STORED | SenseError.StatusKey)". */
        reply->status = rsvd_sense_store_disk_error(srv, o, r);
        break;
    case RSVD_IO_STORE_ERROR:
    default:
        /* An object-store failure with another code: the sections say
         * nothing; the code is returned as it is (docs/decisions.md). */
        reply->status = r->status;
        break;
    }
    return RSVD_STEP_REPLY;
}

static rsvd_step read_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                rsvd_server_reply *reply)
{
    return io_completed(srv, q, r, reply, false);
}

static rsvd_step write_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                 rsvd_server_reply *reply)
{
    return io_completed(srv, q, r, reply, true);
}

int rsvd_server_read(rsvd_server *srv, const rsvd_server_read_req *req, void *cookie)
{
    if (!srv || !req || (!req->buf && req->length))
        return RSVD_E_INVAL;
    srv->depth++;
    io_start(srv, false, req->local_open, req->offset, req->length, req->buf, NULL, cookie);
    srv->depth--;
    return RSVD_OK;
}

int rsvd_server_write(rsvd_server *srv, const rsvd_server_write_req *req, void *cookie)
{
    if (!srv || !req || (!req->data && req->length))
        return RSVD_E_INVAL;
    srv->depth++;
    io_start(srv, true, req->local_open, req->offset, req->length, NULL, req->data, cookie);
    srv->depth--;
    return RSVD_OK;
}
