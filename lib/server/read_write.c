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

#include "util/guid.h"
#include "wire/status_int.h"

/* The outcome of a backend call as [MS-RSVD] 3.2.5.3/3.2.5.4 sort it. */
typedef enum rsvd_io_outcome {
    RSVD_IO_SUCCESS,
    RSVD_IO_RESERVATION_CONFLICT, /* SCSI status 0x18 */
    RSVD_IO_RSVD_ERROR,           /* status is a 2.2.3 code */
    RSVD_IO_DISK_ERROR,           /* any other virtual-SCSI-disk error */
    RSVD_IO_STORE_ERROR           /* any other object-store error */
} rsvd_io_outcome;

/* How [MS-RSVD] 3.2.5.3/3.2.5.4 sort what the object store (@p scsi false)
 * or the virtual SCSI disk reported (rsvd/backend.h says how a disk reports
 * each case). */
static inline rsvd_io_outcome io_classify(bool scsi, const rsvd_io_result *r)
{
    if (r->status == RSVD_STATUS_SUCCESS) {
        if (!scsi || r->scsi.scsi_status == RSVD_SCSI_STATUS_GOOD)
            return RSVD_IO_SUCCESS;
        if (r->scsi.scsi_status == RSVD_SCSI_STATUS_RESERVATION_CONFLICT)
            return RSVD_IO_RESERVATION_CONFLICT;
        return RSVD_IO_DISK_ERROR;
    }
    /* A backend cannot hand out a StatusKey: only the server stores sense
     * data, so STATUS_SVHDX_ERROR_STORED from a backend is "any other error"
     * (docs/decisions.md). */
    if (rsvd_status_rsvd_error_inline(r->status) && !rsvd_status_stored_inline(r->status))
        return RSVD_IO_RSVD_ERROR;
    return scsi ? RSVD_IO_DISK_ERROR : RSVD_IO_STORE_ERROR;
}

static rsvd_step read_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                rsvd_server_reply *reply);
static rsvd_step write_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                 rsvd_server_reply *reply);

/* Replies with @p status at once. The reply callback may call into the
 * server: it is one of the server's callbacks (srv->depth). */
static void io_fail(rsvd_server *srv, uint16_t cmd, uint32_t status, void *cookie)
{
    srv->depth++;
    rsvd_srv_fail(srv, cmd, 0, status, cookie);
    srv->depth--;
}

/* The checks of 3.2.5.3/3.2.5.4 that look at the Open, in the sections'
 * order, for an open whose slot says one of them fails. */
static void io_refuse(rsvd_server *srv, rsvd_open *o, uint16_t cmd, void *cookie)
{
    srv->depth++;
    /* "If the Open is found, Open.IsVirtualSCSIDisk is true, and
     * Open.InitiatorId is zero": advance the sequence, store a SenseError
     * (<12>/<14> values) and "return the error (STATUS_SVHDX_ERROR_STORED |
     * SenseError.StatusKey)". */
    if (o->is_virtual_scsi_disk && rsvd_guid_zero_inline(&o->initiator_id))
        rsvd_srv_fail(srv, cmd, 0, rsvd_sense_store_no_initiator(srv, o), cookie);
    /* "If the Open is found and the FILE_NO_INTERMEDIATE_BUFFERING bit is not
     * set in Open.CreateOptions, the server MUST fail the request with the
     * STATUS_NOT_SUPPORTED code." */
    else
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_NOT_SUPPORTED, cookie);
    srv->depth--;
}

static int io_complete(rsvd_completion_sink *sink, uint64_t tag, const rsvd_io_result *r);

/* Inlined into rsvd_server_read() and rsvd_server_write(), so that each is
 * one function from the host's call to the backend's. The backend call is
 * the last thing it does: nothing of the server is touched after it, so it
 * needs no srv->depth (the request in flight keeps rsvd_server_free()
 * away while the backend has it). */
__attribute__((always_inline)) static inline void
io_start(rsvd_server *srv, bool write, uint64_t local_open, uint64_t offset, uint32_t length,
         uint8_t *rbuf, const uint8_t *wdata, void *cookie)
{
    const uint16_t cmd = write ? RSVD_SMB2_WRITE : RSVD_SMB2_READ;

    /* [MS-RSVD] 3.2.5: IsSVHDXSupported FALSE. */
    if (!srv->cfg.svhdx_supported) {
        io_fail(srv, cmd, RSVD_STATUS_INVALID_DEVICE_REQUEST, cookie);
        return;
    }
    /* 3.2.5.3 / 3.2.5.4: "the server MUST locate the Open in the OpenTable
     * where Open.LocalOpen matches ... If no Open is found, the server MUST
     * fail the request with the STATUS_INVALID_PARAMETER error code." Only
     * the open's slot is read from here on: it says whether the checks on
     * the Open pass (rsvd_open_table_publish()). */
    rsvd_open_slot *s = rsvd_open_slot_find(srv, local_open);
    if (!s || s->state != RSVD_OPEN_OPEN) {
        io_fail(srv, cmd, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    if (!(s->flags & RSVD_SLOT_IO_READY)) {
        io_refuse(srv, s->open, cmd, cookie);
        return;
    }
    rsvd_req *q = rsvd_srv_req_take(srv, s->open, (uint32_t)local_open - 1u, cmd, cookie);
    if (!q) {
        io_fail(srv, cmd, RSVD_STATUS_INSUFFICIENT_RESOURCES, cookie);
        return;
    }
    const bool scsi = (s->flags & RSVD_SLOT_SCSI) != 0;
    void *handle = s->backend_handle;
    q->out = rbuf;
    q->out_cap = write ? 0 : length;
    q->len = length;
    q->scsi = scsi;
    /* Its own completion: a success is answered there; anything else goes
     * to the server's, which calls the handler below. */
    q->sink.complete = io_complete;
    /* "If Open.IsVirtualSCSIDisk is FALSE, the server MUST issue a read/write
     * to the underlying object store; otherwise the server MUST pass the
     * request to the virtual SCSI disk." From here on q and the open belong
     * to the backend call. */
    rsvd_completion c = rsvd_srv_req_issue(q, write ? write_completed : read_completed);
    if (scsi) {
        const rsvd_scsi_disk_ops *d = srv->cfg.scsi_disk;
        if (write)
            d->write(srv->cfg.scsi_disk_ctx, handle, offset, wdata, length, c);
        else
            d->read(srv->cfg.scsi_disk_ctx, handle, offset, rbuf, length, c);
    } else {
        const rsvd_object_store_ops *st = srv->cfg.object_store;
        if (write)
            st->write(srv->cfg.object_store_ctx, handle, offset, wdata, length, c);
        else
            st->read(srv->cfg.object_store_ctx, handle, offset, rbuf, length, c);
    }
}

/* The outcome of a READ or a WRITE: the two sections sort it alike. */
static inline rsvd_step io_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                     rsvd_server_reply *reply, bool write)
{
    rsvd_open *o = q->open; /* read only when something is stored */
    switch (io_classify(q->scsi, r)) {
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

/* The completion of a READ or a WRITE. A success (io_classify()'s
 * RSVD_IO_SUCCESS, tested first) is answered here with the reply
 * io_completed() would build; anything else goes the way of every other
 * request (rsvd_srv_req_complete(): a backend's status checked, the handler
 * below, a failure's reply without output). */
static int io_complete(rsvd_completion_sink *sink, uint64_t tag, const rsvd_io_result *r)
{
    rsvd_req *q = (rsvd_req *)(void *)sink;
    if (r->status != RSVD_STATUS_SUCCESS ||
        (q->scsi && r->scsi.scsi_status != RSVD_SCSI_STATUS_GOOD) || !q->busy || tag != q->gen)
        return rsvd_srv_req_complete(sink, tag, r); /* refuses a stale completion */
    rsvd_server *srv = q->srv;
    q->gen++; /* from here on, the same completion is refused */
    srv->depth++;
    /* "If the underlying object store or virtual SCSI disk indicates that
     * the read/write was successful, the server MUST return success" (and
     * the data read). */
    rsvd_server_reply reply = {.cookie = q->cookie, .command = q->command};
    if (q->command == RSVD_SMB2_WRITE) {
        reply.count = r->bytes < q->len ? r->bytes : q->len;
    } else {
        reply.output = q->out;
        reply.output_len = r->bytes < q->out_cap ? r->bytes : q->out_cap;
    }
    rsvd_srv_req_put(srv, q);
    rsvd_srv_deliver(srv, &reply);
    rsvd_srv_kick(srv);
    srv->depth--;
    return RSVD_OK;
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
    io_start(srv, false, req->local_open, req->offset, req->length, req->buf, NULL, cookie);
    return RSVD_OK;
}

int rsvd_server_write(rsvd_server *srv, const rsvd_server_write_req *req, void *cookie)
{
    if (!srv || !req || (!req->data && req->length))
        return RSVD_E_INVAL;
    io_start(srv, true, req->local_open, req->offset, req->length, NULL, req->data, cookie);
    return RSVD_OK;
}
