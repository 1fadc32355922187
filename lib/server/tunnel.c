/*
 * Tunnel operations: [MS-RSVD] 3.2.5.5 (Receiving a tunnel operation, on
 * FSCTL_SVHDX_SYNC_TUNNEL_REQUEST and FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST) and
 * every version-1 operation, 3.2.5.5.1 - 3.2.5.5.6; the version-2 operations
 * are in meta_op.c, snapshot.c, vhdset.c and change_tracking.c.
 *
 * Two failure channels (docs/architecture.md): "fail the request with X" is
 * an SMB2 status X without output (rsvd_srv_fail); "construct the header
 * with Status X" is SMB2 success with a 16-byte tunnel header whose Status
 * is X, and a body where the rule builds one (rsvd_tunnel_fill).
 *
 * Responses are built in the host's output buffer, whose size is
 * MaxOutputResponse; every size check below comes before anything is
 * written, so no response is ever larger than MaxOutputResponse. The SCSI
 * operation hands the disk the request's data and the output buffer
 * directly: nothing is copied or allocated.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "util/guid.h"
#include "util/mem.h"
#include "wire/status_int.h"

void rsvd_tunnel_fill(rsvd_server_reply *reply, uint8_t *out, uint32_t op_code,
                      uint64_t request_id, uint32_t status, size_t body_len)
{
    rsvd_tunnel_hdr h = {op_code, status, request_id};
    (void)rsvd_tunnel_hdr_encode(&h, out, RSVD_TUNNEL_HEADER_SIZE);
    reply->status = RSVD_STATUS_SUCCESS;
    reply->output = out;
    reply->output_len = (uint32_t)(RSVD_TUNNEL_HEADER_SIZE + body_len);
}

rsvd_step rsvd_tunnel_reply_q(rsvd_req *q, rsvd_server_reply *reply, uint32_t status,
                              size_t body_len)
{
    rsvd_tunnel_fill(reply, q->out, q->op_code, q->request_id, status, body_len);
    return RSVD_STEP_REPLY;
}

void rsvd_tunnel_fail(rsvd_server *srv, const rsvd_tunnel_call *t, uint32_t status)
{
    rsvd_srv_fail(srv, RSVD_SMB2_IOCTL, t->req->ctl_code, status, t->cookie);
}

void rsvd_tunnel_answer(rsvd_server *srv, const rsvd_tunnel_call *t, uint32_t status,
                        size_t body_len)
{
    rsvd_server_reply reply;
    memset(&reply, 0, sizeof reply);
    reply.cookie = t->cookie;
    reply.command = RSVD_SMB2_IOCTL;
    reply.ctl_code = t->req->ctl_code;
    rsvd_tunnel_fill(&reply, t->req->output, t->hdr.operation_code, t->hdr.request_id, status,
                     body_len);
    rsvd_srv_deliver(srv, &reply);
}

rsvd_req *rsvd_tunnel_req(rsvd_server *srv, const rsvd_tunnel_call *t, size_t state_size)
{
    void *state = NULL;
    if (state_size && !(state = rsvd_mem_calloc(srv->mem, 1, state_size))) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return NULL;
    }
    rsvd_req *q = rsvd_srv_req_get(srv, t->open, RSVD_SMB2_IOCTL, t->cookie);
    if (!q) {
        rsvd_mem_free(srv->mem, state);
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return NULL;
    }
    q->ctl_code = t->req->ctl_code;
    q->op_code = t->hdr.operation_code;
    q->request_id = t->hdr.request_id;
    q->out = t->req->output;
    q->out_cap = t->req->max_output;
    if (state)
        q->u.state = state;
    /* [MS-SMB2] 3.3.4.2: a request the client sent asynchronously whose
     * answer waits for the disk gets its interim response now, before the
     * disk is asked (docs/decisions.md). */
    if (t->req->ctl_code == RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST && srv->cfg.interim)
        srv->cfg.interim(srv->cfg.reply_ctx, t->cookie);
    return q;
}

void rsvd_tunnel_state_free(rsvd_server *srv, rsvd_req *q)
{
    rsvd_mem_free(srv->mem, q->u.state);
    q->u.state = NULL;
}

/* The operations' completion handlers, each after the rules that issue it. */
static rsvd_step initial_info_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                        rsvd_server_reply *reply);
static rsvd_step disk_info_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                     rsvd_server_reply *reply);
static rsvd_step validate_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                    rsvd_server_reply *reply);
static rsvd_step scsi_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                rsvd_server_reply *reply);

/* ---- 3.2.5.5.1 RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION ------------------------- */
/* ---- 3.2.5.5.4 RSVD_TUNNEL_GET_DISK_INFO_OPERATION ---------------------------- */
/* ---- 3.2.5.5.6 RSVD_TUNNEL_VALIDATE_DISK_OPERATION ---------------------------- */

/* The three operations that only ask the virtual disk something. */
static void disk_query(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    const rsvd_server_ioctl_req *req = t->req;
    rsvd_open *o = t->open;
    uint32_t need;
    rsvd_req_finish_fn finish;
    switch (t->hdr.operation_code) {
    case RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION:
        /* 3.2.5.5.1: "If MaxOutputResponse is less than the size of
         * SVHDX_TUNNEL_OPERATION_HEADER + SVHDX_TUNNEL_INITIAL_INFO_RESPONSE,
         * the server MUST fail the request with STATUS_BUFFER_TOO_SMALL." */
        need = RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_INITIAL_INFO_RESPONSE_SIZE);
        finish = initial_info_completed;
        break;
    case RSVD_TUNNEL_GET_DISK_INFO_OPERATION:
        /* 3.2.5.5.4: "... SVHDX_TUNNEL_DISK_INFO_RESPONSE ... STATUS_BUFFER_TOO_SMALL" */
        need = RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_DISK_INFO_RESPONSE_SIZE);
        finish = disk_info_completed;
        break;
    case RSVD_TUNNEL_VALIDATE_DISK_OPERATION:
    default:
        /* 3.2.5.5.6: "... SVHDX_TUNNEL_VALIDATE_DISK_RESPONSE ... STATUS_BUFFER_TOO_SMALL" */
        need = RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_VALIDATE_DISK_RESPONSE_SIZE);
        finish = validate_completed;
        break;
    }
    if (req->max_output < need) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* An open in the object store has no virtual disk to ask
     * (docs/decisions.md). */
    if (!o->is_virtual_scsi_disk) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    rsvd_req *q = rsvd_tunnel_req(srv, t, 0);
    if (!q)
        return;
    rsvd_completion c = rsvd_srv_req_issue(q, finish);
    const rsvd_scsi_disk_ops *d = srv->cfg.scsi_disk;
    if (finish == validate_completed)
        d->validate(srv->cfg.scsi_disk_ctx, o->backend_handle, c);
    else
        d->get_info(srv->cfg.scsi_disk_ctx, o->backend_handle, &q->u.info, c);
}

static rsvd_step initial_info_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                        rsvd_server_reply *reply)
{
    /* 3.2.5.5.1: "If the virtual disk returns an error, the server MUST
     * construct the header with Status set to the error and return it." */
    if (r->status != RSVD_STATUS_SUCCESS) {
        return rsvd_tunnel_reply_q(q, reply, r->status, 0);
    }
    /* "Otherwise ... Status STATUS_SUCCESS ... SVHDX_TUNNEL_INITIAL_INFO_RESPONSE:
     * ServerVersion = ServerServiceVersion; SectorSize, PhysicalSectorSize and
     * VirtualSize from the virtual disk." */
    rsvd_svhdx_tunnel_initial_info_response resp = {
        .server_version = srv->cfg.service_version,
        .sector_size = q->u.info.sector_size,
        .physical_sector_size = q->u.info.physical_sector_size,
        .virtual_size = q->u.info.virtual_size,
    };
    size_t n = 0;
    (void)rsvd_svhdx_tunnel_initial_info_response_encode(
        &resp, q->out + RSVD_TUNNEL_HEADER_SIZE, q->out_cap - RSVD_TUNNEL_HEADER_SIZE, &n);
    return rsvd_tunnel_reply_q(q, reply, RSVD_STATUS_SUCCESS, n);
}

static rsvd_step disk_info_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                     rsvd_server_reply *reply)
{
    /* 3.2.5.5.4: a disk error is returned in the header, without a body. */
    if (r->status != RSVD_STATUS_SUCCESS) {
        return rsvd_tunnel_reply_q(q, reply, r->status, 0);
    }
    const rsvd_disk_info *i = &q->u.info;
    rsvd_svhdx_tunnel_disk_info_response resp = {
        .disk_type = i->disk_type,
        /* "DiskFormat: VIRTUAL_STORAGE_TYPE_DEVICE_VHDSET if the server
         * implements version 2 and Open.IsVHDSet is TRUE, else
         * VIRTUAL_STORAGE_TYPE_DEVICE_VHDX." */
        .disk_format = srv->cfg.service_version == RSVD_PROTOCOL_VERSION_2 && q->open->is_vhd_set
                           ? RSVD_VIRTUAL_STORAGE_TYPE_DEVICE_VHDSET
                           : RSVD_VIRTUAL_STORAGE_TYPE_DEVICE_VHDX,
        .block_size = i->block_size,   /* <17>: 0 for a fixed disk (the disk's value) */
        .linkage_id = i->linkage_id,   /* <18>: zero when there is none */
        .is_mounted = i->is_mounted ? 1u : 0u,
        .is_4k_aligned = i->is_4k_aligned ? 1u : 0u,
        .file_size = i->file_size,
        .virtual_disk_id = i->virtual_disk_id,
    };
    size_t n = 0;
    (void)rsvd_svhdx_tunnel_disk_info_response_encode(&resp, q->out + RSVD_TUNNEL_HEADER_SIZE,
                                                      q->out_cap - RSVD_TUNNEL_HEADER_SIZE, &n);
    return rsvd_tunnel_reply_q(q, reply, RSVD_STATUS_SUCCESS, n);
}

static rsvd_step validate_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                    rsvd_server_reply *reply)
{
    (void)srv;
    /* 3.2.5.5.6: "Status: STATUS_SUCCESS if the virtual disk reports success,
     * else the error; IsValidDisk: TRUE if the disk is valid" - the body in
     * both cases. */
    rsvd_svhdx_tunnel_validate_disk_response resp = {
        .is_valid_disk = (r->status == RSVD_STATUS_SUCCESS && r->valid) ? 1u : 0u,
    };
    size_t n = 0;
    (void)rsvd_svhdx_tunnel_validate_disk_response_encode(
        &resp, q->out + RSVD_TUNNEL_HEADER_SIZE, q->out_cap - RSVD_TUNNEL_HEADER_SIZE, &n);
    return rsvd_tunnel_reply_q(q, reply, r->status, n);
}

/* ---- 3.2.5.5.2 RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION ------------------- */

static void check_connection(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    /* "If MaxOutputResponse is less than the size of
     * SVHDX_TUNNEL_OPERATION_HEADER + SVHDX_TUNNEL_CHECK_CONNECTION_RESPONSE,
     * the server MUST fail the request with STATUS_BUFFER_OVERFLOW." */
    if (t->req->max_output <
        RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_CHECK_CONNECTION_RESPONSE_SIZE)) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_OVERFLOW);
        return;
    }
    /* "... construct the response header with Status STATUS_SUCCESS." */
    rsvd_tunnel_answer(srv, t, RSVD_STATUS_SUCCESS, 0);
}

/* ---- 3.2.5.5.3 RSVD_TUNNEL_SRB_STATUS_OPERATION -------------------------------- */

static void srb_status(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    const rsvd_server_ioctl_req *req = t->req;
    /* "If MaxOutputResponse is less than the size of
     * SVHDX_TUNNEL_OPERATION_HEADER + SVHDX_TUNNEL_SRB_STATUS_RESPONSE, the
     * server MUST fail the request with STATUS_INVALID_PARAMETER." */
    if (req->max_output <
        RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_SRB_STATUS_RESPONSE_SIZE)) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    /* "If SenseInfoExLength field of the request is not equal to the size of
     * the SenseDataEx ... STATUS_INVALID_PARAMETER": the request has no such
     * field; a request shorter than SVHDX_TUNNEL_SRB_STATUS_REQUEST fails
     * with that status (docs/decisions.md). */
    rsvd_svhdx_tunnel_srb_status_request sreq;
    if (rsvd_svhdx_tunnel_srb_status_request_decode(t->body, t->body_len, &sreq) != RSVD_OK) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    /* "The server MUST search Open.SenseErrorDataList for a SenseError where
     * SenseError.StatusKey matches the StatusKey in the request. If no
     * SenseError is found, the server MUST return
     * STATUS_SVHDX_ERROR_NOT_AVAILABLE" - in the header (docs/decisions.md). */
    const rsvd_sense_slot *s = rsvd_sense_lookup(t->open, sreq.status_key);
    if (!s) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE, 0);
        return;
    }
    /* "... STATUS_SUCCESS and SVHDX_TUNNEL_SRB_STATUS_RESPONSE: StatusKey from
     * the request; SenseInfoAutoGenerated from the virtual SCSI disk;
     * SrbStatus, ScsiStatus from the SenseError; SenseInfoExLength the length
     * of SenseError.SenseData (20); SenseDataEx SenseError.SenseData." */
    rsvd_svhdx_tunnel_srb_status_response resp = {
        .status_key = sreq.status_key,
        .sense_info_auto_generated = (s->flags & RSVD_SENSE_SLOT_AUTO_GENERATED) != 0,
        .srb_status = s->srb_status,
        .scsi_status = s->scsi_status,
        .sense_info_ex_length = RSVD_SCSI_SENSE_BUFFER_SIZE,
        .sense_data_ex = s->sense,
    };
    size_t n = 0;
    (void)rsvd_svhdx_tunnel_srb_status_response_encode(
        &resp, req->output + RSVD_TUNNEL_HEADER_SIZE, req->max_output - RSVD_TUNNEL_HEADER_SIZE,
        &n);
    rsvd_tunnel_answer(srv, t, RSVD_STATUS_SUCCESS, n);
}

/* ---- 3.2.5.5.5 RSVD_TUNNEL_SCSI_OPERATION -------------------------------------- */

_Static_assert(RSVD_SERVER_SCSI_DATA_OFFSET ==
                   RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_SIZE),
               "the DataBuffer follows the header and SVHDX_TUNNEL_SCSI_RESPONSE");

static void scsi(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    const rsvd_server_ioctl_req *req = t->req;
    rsvd_open *o = t->open;
    const uint8_t *body = t->body;
    const size_t body_len = t->body_len;
    /* "If MaxOutputResponse is less than the size of
     * SVHDX_TUNNEL_OPERATION_HEADER + SVHDX_TUNNEL_SCSI_RESPONSE, the server
     * MUST fail the request with STATUS_INVALID_PARAMETER." */
    const uint32_t resp_size = RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_SIZE);
    if (req->max_output < resp_size) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    /* "The server MUST generate an error response if any of the following
     * conditions is true": */
    rsvd_svhdx_tunnel_scsi_request s;
    const bool no_initiator = rsvd_guid_zero_inline(&o->initiator_id);
    bool bad = rsvd_svhdx_tunnel_scsi_request_decode(body, body_len, &s) != RSVD_OK;
    if (!bad) {
        bad = s.length != RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE ||         /* Length != 36 */
              s.sense_info_ex_length > RSVD_SCSI_SENSE_BUFFER_SIZE ||   /* > CDBBuffer + 4 */
              s.cdb_length > RSVD_CDB_GENERIC_LENGTH ||                 /* > CDBBuffer */
              (s.disposition == RSVD_SCSI_DATA_IN &&                    /* DataIn and */
               s.data_transfer_length < s.data_buffer_len) ||           /* DTL < DataBuffer */
              /* Beyond the list (docs/decisions.md): a Disposition that is
               * none of the three, and data out naming bytes not sent. */
              s.disposition > RSVD_SCSI_NO_DATA ||
              (s.disposition == RSVD_SCSI_DATA_OUT &&
               s.data_transfer_length > s.data_buffer_len);
    }
    if (bad || no_initiator) {
        /* "... Status STATUS_INVALID_HANDLE if Open.InitiatorId is zero,
         * otherwise STATUS_INVALID_PARAMETER; the SVHDX_TUNNEL_SCSI_RESPONSE
         * MUST be set to the data received in SVHDX_TUNNEL_SCSI_REQUEST", and
         * nothing appended (<19>; docs/decisions.md). */
        size_t n = 0;
        (void)rsvd_svhdx_tunnel_scsi_response_echo_request(
            body, body_len, req->output + RSVD_TUNNEL_HEADER_SIZE,
            req->max_output - RSVD_TUNNEL_HEADER_SIZE, &n);
        rsvd_tunnel_answer(srv, t,
                           no_initiator ? RSVD_STATUS_INVALID_HANDLE
                                        : RSVD_STATUS_INVALID_PARAMETER,
                           n);
        return;
    }
    /* An open in the object store has no virtual SCSI disk (docs/decisions.md). */
    if (!o->is_virtual_scsi_disk) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    rsvd_req *q = rsvd_tunnel_req(srv, t, 0);
    if (!q)
        return;
    /* "Otherwise, the server MUST issue the SCSI command to the virtual SCSI
     * disk": the CDB, and the data straight from the request (data out) or
     * straight into the response's DataBuffer (data in), at most
     * DataTransferLength bytes and what MaxOutputResponse leaves room for
     * (docs/decisions.md). The DataBuffer is at RSVD_SERVER_SCSI_DATA_OFFSET
     * of the host's output, which a host lays out so that it is aligned for
     * a disk that reads with direct I/O (rsvd/server.h). */
    rsvd_scsi_cmd *cmd = &q->u.scsi;
    memcpy(cmd->cdb, s.cdb, sizeof cmd->cdb);
    cmd->cdb_len = s.cdb_length;
    cmd->direction = (rsvd_scsi_direction)s.disposition;
    cmd->srb_flags = s.srb_flags;
    q->len = s.data_transfer_length;
    if (s.disposition == RSVD_SCSI_DATA_OUT) {
        cmd->data_out = s.data_buffer;
        cmd->data_out_len = s.data_transfer_length;
    } else if (s.disposition == RSVD_SCSI_DATA_IN) {
        uint32_t room = req->max_output - resp_size;
        cmd->data_in = req->output + RSVD_SERVER_SCSI_DATA_OFFSET;
        cmd->data_in_cap = s.data_transfer_length < room ? s.data_transfer_length : room;
    }
    srv->cfg.scsi_disk->execute(srv->cfg.scsi_disk_ctx, o->backend_handle, cmd,
                                rsvd_srv_req_issue(q, scsi_completed));
}

static rsvd_step scsi_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                rsvd_server_reply *reply)
{
    const rsvd_scsi_cmd *cmd = &q->u.scsi;
    /* "If Disposition is 0 and the data returned by the virtual SCSI disk is
     * greater than DataTransferLength, the server MUST fail the request with
     * STATUS_INVALID_PARAMETER." */
    if (cmd->direction == RSVD_SCSI_DATA_OUT && r->bytes > q->len) {
        reply->status = RSVD_STATUS_INVALID_PARAMETER;
        return RSVD_STEP_REPLY;
    }
    /* "If the virtual SCSI disk reports a failure processing the command, the
     * server MUST construct the header with Status set to one of the error
     * codes specified in section 2.2.3": the disk's code when it is one;
     * any other failure is stored as a sense error and reported as
     * STATUS_SVHDX_ERROR_STORED | StatusKey (docs/decisions.md). */
    if (r->status != RSVD_STATUS_SUCCESS) {
        uint32_t status = r->status;
        if (!rsvd_status_rsvd_error_inline(status) || rsvd_status_stored_inline(status))
            status = rsvd_sense_store_disk_error(srv, q->open, r);
        return rsvd_tunnel_reply_q(q, reply, status, 0);
    }
    /* "Otherwise ... Status 0 and SVHDX_TUNNEL_SCSI_RESPONSE": the SCSI
     * outcome as the disk gave it - GOOD, CHECK CONDITION with its sense data,
     * RESERVATION CONFLICT (0x18) - in a successful tunnel response. */
    uint32_t data_len = 0;
    if (cmd->direction == RSVD_SCSI_DATA_IN)
        data_len = r->bytes < cmd->data_in_cap ? r->bytes : cmd->data_in_cap;
    uint8_t sense[RSVD_SCSI_SENSE_BUFFER_SIZE];
    memset(sense, 0, sizeof sense);
    memcpy(sense, r->scsi.sense,
           r->scsi.sense_len < sizeof sense ? r->scsi.sense_len : sizeof sense);
    uint8_t srb = r->scsi.srb_status & RSVD_SRB_STATUS_MASK;
    if (srb == RSVD_SRB_STATUS_PENDING) /* a completed command is not pending */
        srb = r->scsi.scsi_status == RSVD_SCSI_STATUS_GOOD ? RSVD_SRB_STATUS_SUCCESS
                                                           : RSVD_SRB_STATUS_ERROR;
    rsvd_svhdx_tunnel_scsi_response resp = {
        .length = RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_SIZE,  /* <20>: 36 */
        .sense_info_auto_generated = r->scsi.sense_auto_generated,
        .srb_status = srb,
        .scsi_status = r->scsi.scsi_status,
        .cdb_length = cmd->cdb_len,                       /* echoed */
        .sense_info_ex_length = RSVD_SCSI_SENSE_BUFFER_SIZE,
        .disposition = (uint8_t)cmd->direction,            /* echoed */
        .srb_flags = cmd->srb_flags,                       /* echoed */
        .data_transfer_length = data_len,                  /* data returned, 0 if none */
        .sense_data_ex = sense,
        .data_buffer = cmd->data_in,                       /* already in place */
    };
    size_t n = 0;
    (void)rsvd_svhdx_tunnel_scsi_response_encode(&resp, q->out + RSVD_TUNNEL_HEADER_SIZE,
                                                 q->out_cap - RSVD_TUNNEL_HEADER_SIZE, &n);
    return rsvd_tunnel_reply_q(q, reply, RSVD_STATUS_SUCCESS, n);
}

/* ---- 3.2.5.5 the common prologue and the dispatch ------------------------------- */

void rsvd_tunnel_dispatch(rsvd_server *srv, const rsvd_server_ioctl_req *req, void *cookie)
{
    const uint16_t cmd = RSVD_SMB2_IOCTL;
    /* "The server MUST locate the Open in the OpenTable ... If no Open is
     * found, the server MUST fail the request with STATUS_INVALID_PARAMETER." */
    rsvd_open *o = rsvd_srv_find_open(srv, req->local_open);
    if (!o) {
        rsvd_srv_fail(srv, cmd, req->ctl_code, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    /* "If the size of the input buffer is less than the size of
     * SVHDX_TUNNEL_OPERATION_HEADER, the server MUST fail the request with
     * STATUS_BUFFER_TOO_SMALL." */
    rsvd_rd in;
    rsvd_rd_init(&in, req->input, req->input_len);
    rsvd_tunnel_hdr h;
    if (rsvd_tunnel_hdr_decode(req->input, req->input_len, &h) != RSVD_OK) {
        rsvd_srv_fail(srv, cmd, req->ctl_code, RSVD_STATUS_BUFFER_TOO_SMALL, cookie);
        return;
    }
    rsvd_rd_skip(&in, RSVD_TUNNEL_HEADER_SIZE);
    const size_t body_len = rsvd_rd_left(&in);
    const uint8_t *body = rsvd_rd_take(&in, body_len);
    /* "If (OperationCode & 0xFF000000) is not 0x02000000, the server MUST fail
     * the request with STATUS_INVALID_DEVICE_REQUEST." */
    if ((h.operation_code & RSVD_TUNNEL_OPCODE_PROTOCOL_MASK) !=
        RSVD_TUNNEL_OPCODE_PROTOCOL_RSVD) {
        rsvd_srv_fail(srv, cmd, req->ctl_code, RSVD_STATUS_INVALID_DEVICE_REQUEST, cookie);
        return;
    }
    /* "The server MUST construct the response header with OperationCode and
     * RequestId from the request and Status set to:
     *  - STATUS_SVHDX_VERSION_MISMATCH if ServerServiceVersion is 1 and
     *    (OperationCode & 0x00FFF000) is not 0x00001000;
     *  - STATUS_SVHDX_VERSION_MISMATCH if ServerServiceVersion is 2 and
     *    (OperationCode & 0x00FFF000) is neither 0x00001000 nor 0x00002000;
     *  - STATUS_INVALID_PARAMETER if OperationCode is none of 2.2.2
     * and return the header." */
    const uint32_t vclass = h.operation_code & RSVD_TUNNEL_OPCODE_VERSION_MASK;
    const bool v1_mismatch = srv->cfg.service_version == RSVD_PROTOCOL_VERSION_1 &&
                             vclass != RSVD_TUNNEL_OPCODE_VERSION_1;
    const bool v2_mismatch = srv->cfg.service_version == RSVD_PROTOCOL_VERSION_2 &&
                             vclass != RSVD_TUNNEL_OPCODE_VERSION_1 &&
                             vclass != RSVD_TUNNEL_OPCODE_VERSION_2;
    uint32_t status = RSVD_STATUS_SUCCESS;
    if (v1_mismatch || v2_mismatch)
        status = RSVD_STATUS_SVHDX_VERSION_MISMATCH;
    else if (!rsvd_tunnel_opcode_name(h.operation_code))
        status = RSVD_STATUS_INVALID_PARAMETER;
    rsvd_tunnel_call t = {o, req, h, body, body_len, cookie};
    if (status != RSVD_STATUS_SUCCESS) {
        /* The header needs 16 bytes of MaxOutputResponse (docs/decisions.md). */
        if (req->max_output < RSVD_TUNNEL_HEADER_SIZE)
            rsvd_tunnel_fail(srv, &t, RSVD_STATUS_BUFFER_TOO_SMALL);
        else
            rsvd_tunnel_answer(srv, &t, status, 0);
        return;
    }
    switch (h.operation_code) {
    case RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION: /* 3.2.5.5.1 */
    case RSVD_TUNNEL_GET_DISK_INFO_OPERATION:    /* 3.2.5.5.4 */
    case RSVD_TUNNEL_VALIDATE_DISK_OPERATION:    /* 3.2.5.5.6 */
        disk_query(srv, &t);
        break;
    case RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION: /* 3.2.5.5.2 */
        check_connection(srv, &t);
        break;
    case RSVD_TUNNEL_SRB_STATUS_OPERATION: /* 3.2.5.5.3 */
        srb_status(srv, &t);
        break;
    case RSVD_TUNNEL_SCSI_OPERATION: /* 3.2.5.5.5 */
        scsi(srv, &t);
        break;
    case RSVD_TUNNEL_META_OPERATION_START: /* 3.2.5.5.7 */
        rsvd_meta_op_start(srv, &t);
        break;
    case RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS: /* 3.2.5.5.8 */
        rsvd_meta_op_query_progress(srv, &t);
        break;
    case RSVD_TUNNEL_VHDSET_QUERY_INFORMATION: /* 3.2.5.5.9 */
        rsvd_vhdset_query(srv, &t);
        break;
    case RSVD_TUNNEL_DELETE_SNAPSHOT: /* 3.2.5.5.10 */
        rsvd_snapshot_delete(srv, &t);
        break;
    case RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS: /* 3.2.5.5.11 */
        rsvd_ct_get_parameters(srv, &t);
        break;
    case RSVD_TUNNEL_CHANGE_TRACKING_START: /* 3.2.5.5.12 */
        rsvd_ct_start(srv, &t);
        break;
    case RSVD_TUNNEL_CHANGE_TRACKING_STOP: /* 3.2.5.5.13 */
        rsvd_ct_stop(srv, &t);
        break;
    case RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES: /* 3.2.5.5.14 */
        rsvd_ct_query_changes(srv, &t);
        break;
    case RSVD_TUNNEL_QUERY_SAFE_SIZE: /* 3.2.5.5.15 */
    default: /* every code of 2.2.2 has a case */
        rsvd_vhdset_safe_size(srv, &t);
        break;
    }
}
