/*
 * Opening and closing a shared virtual disk: [MS-RSVD] 3.2.5.1 (Receiving
 * an Open Request) and 3.2.5.2 (Receiving a Close Request).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "util/mem.h"

/* What a CREATE needs until its reply: allocated by the CREATE (not a hot
 * path), freed when it replies. */
typedef struct rsvd_create_state {
    /** The request's context, decoded; its host name points at host_name. */
    rsvd_svhdx_open_device_context ctx;
    uint8_t host_name[RSVD_SVHDX_INITIATOR_HOST_NAME_SIZE];
    rsvd_backend_open_args args;
    /** The host's room for the response context (at least 192 bytes). */
    uint8_t *resp;
    /** The response is the V2 one (ServerServiceVersion 2, Version 2). */
    bool v2_response;
    /** info holds the disk's sizes. */
    bool have_info;
    rsvd_disk_info info;
    /** Change tracking to start again after the open (3.2.5.1). */
    rsvd_disk_change_tracking_start_args ct;
} rsvd_create_state;

void rsvd_open_destroy(rsvd_server *srv, rsvd_open *o)
{
    rsvd_open_table_release(srv, o);
    rsvd_sense_free(srv, o);
    rsvd_open_v2_free(srv, o);
    rsvd_mem_free(srv->mem, o);
    srv->open_count--;
}

static void create_state_free(rsvd_server *srv, rsvd_create_state *cs)
{
    rsvd_mem_free(srv->mem, cs);
}

void rsvd_open_undo(rsvd_server *srv, rsvd_open *o)
{
    if (o->local_open) /* handle 0 is never issued */
        rsvd_names_remove(srv, o); /* no-op if it had not joined */
    rsvd_open_destroy(srv, o);
}

/* The one cleanup of a CREATE that fails, whatever it had set up: its open
 * leaves the indexes it joined and is freed, with its state. */
static void create_undo(rsvd_server *srv, rsvd_open *o, rsvd_create_state *cs)
{
    if (cs)
        create_state_free(srv, cs);
    rsvd_open_undo(srv, o);
}

/* ".vhds", without regard to ASCII case whatever the name rule. */
static bool ends_with_vhds(const char *s, size_t n)
{
    static const char ext[] = ".vhds";
    if (n < sizeof ext - 1u)
        return false;
    for (size_t i = 0; i < sizeof ext - 1u; i++) {
        char c = s[n - (sizeof ext - 1u) + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != ext[i])
            return false;
    }
    return true;
}

static bool any_open(rsvd_open *o, void *arg)
{
    (void)o;
    *(bool *)arg = true;
    return false; /* one is enough */
}

static rsvd_step open_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                rsvd_server_reply *reply);

/* The context rules of 3.2.5.1, in the spec's order: the context decoded
 * into @p ctx, its Version in @p version. @return STATUS_SUCCESS, or the
 * status to fail the CREATE with. */
static uint32_t create_check_context(const rsvd_server *srv, const rsvd_server_create_req *req,
                                     rsvd_svhdx_open_device_context *ctx, uint32_t *version)
{
    /* [MS-RSVD] 3.2.5.1: "The server MUST fail the request with
     * STATUS_BUFFER_TOO_SMALL if the size of the create context data is less
     * than sizeof(SVHDX_OPEN_DEVICE_CONTEXT)" */
    if (req->context_len < RSVD_SVHDX_OPEN_DEVICE_CONTEXT_SIZE ||
        rsvd_svhdx_open_device_context_version(req->context, req->context_len, version) !=
            RSVD_OK)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    /* "... or if ServerServiceVersion is 2 and the Version field of the create
     * context is 2 and the size is less than sizeof(SVHDX_OPEN_DEVICE_CONTEXT_V2)" */
    if (srv->cfg.service_version == RSVD_PROTOCOL_VERSION_2 &&
        *version == RSVD_ECP_CONTEXT_VERSION_2 &&
        req->context_len < RSVD_SVHDX_OPEN_DEVICE_CONTEXT_V2_SIZE)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    /* "If ServerServiceVersion is 1 and the Version field is not
     * RSVD_ECP_CONTEXT_VERSION_1, the server SHOULD fail the request with
     * STATUS_INVALID_PARAMETER" (<8>: an old build answered status 0). */
    if (srv->cfg.service_version == RSVD_PROTOCOL_VERSION_1 &&
        *version != RSVD_ECP_CONTEXT_VERSION_1)
        return RSVD_STATUS_INVALID_PARAMETER;
    /* "If ServerServiceVersion is 2 and the Version field is neither 1 nor 2,
     * the server MUST fail the request with STATUS_INVALID_PARAMETER." */
    if (srv->cfg.service_version == RSVD_PROTOCOL_VERSION_2 &&
        *version != RSVD_ECP_CONTEXT_VERSION_1 && *version != RSVD_ECP_CONTEXT_VERSION_2)
        return RSVD_STATUS_INVALID_PARAMETER;
    int rc = *version == RSVD_ECP_CONTEXT_VERSION_2
                 ? rsvd_svhdx_open_device_context_v2_decode(req->context, req->context_len, ctx)
                 : rsvd_svhdx_open_device_context_v1_decode(req->context, req->context_len, ctx);
    /* [MS-RSVD] 2.2.4.12: "InitiatorHostNameLength ... MUST NOT exceed
     * RSVD_MAXIMUM_NAME_LENGTH", and the name is UTF-16: the decoders refuse
     * a longer or odd length, which fails as the context's other malformed
     * fields do; the response could not copy it (docs/decisions.md). */
    if (rc == RSVD_E_WIRE_NAME)
        return RSVD_STATUS_INVALID_PARAMETER;
    if (rc != RSVD_OK) /* cannot happen after the size checks above */
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    /* "If HasInitiatorId is neither 0x00 nor 0x01, the server MUST fail the
     * request with STATUS_INVALID_PARAMETER." */
    if (ctx->has_initiator_id > 1u)
        return RSVD_STATUS_INVALID_PARAMETER;
    return RSVD_STATUS_SUCCESS;
}

/* A new OPENING open holding Open.FileName (docs/decisions.md: a name that
 * is not UTF-16 fails with STATUS_OBJECT_NAME_INVALID), counted among the
 * server's opens from here on. */
uint32_t rsvd_open_alloc(rsvd_server *srv, const uint8_t *name16, size_t name16_len,
                         rsvd_open **out)
{
    size_t name_len = 0;
    if (rsvd_name_from_utf16(name16, name16_len, NULL, 0, &name_len) != RSVD_OK ||
        name_len > UINT32_MAX - 1u)
        return RSVD_STATUS_OBJECT_NAME_INVALID;
    rsvd_open *o = rsvd_mem_alloc(srv->mem, sizeof *o + name_len + 1u);
    if (!o)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    memset(o, 0, sizeof *o);
    size_t got = 0;
    (void)rsvd_name_from_utf16(name16, name16_len, o->name, name_len, &got);
    o->name[name_len] = '\0';
    o->name_len = (uint32_t)name_len;
    o->name_hash = rsvd_name_hash(srv, (rsvd_name){o->name, name_len});
    srv->open_count++;
    *out = o;
    return RSVD_STATUS_SUCCESS;
}

/* The rules that decide where the open goes, before anything is reserved
 * for it. */
static uint32_t create_check_open(rsvd_server *srv, const rsvd_open *o, bool vhdmp)
{
    /* "If OriginatorFlags is SVHDX_ORIGINATOR_VHDMP, the server MUST search the
     * OpenTable for an Open whose FileName matches the file name. If an Open
     * is found, the server MUST fail the request with STATUS_VHD_SHARED."
     * A CREATE still in progress counts (docs/decisions.md). */
    if (vhdmp) {
        bool found = false;
        rsvd_names_each(srv, (rsvd_name){o->name, o->name_len}, o->name_hash, any_open,
                        &found);
        if (found)
            return RSVD_STATUS_VHD_SHARED;
    }
    /* A backend the configuration does not have: STATUS_NOT_SUPPORTED
     * (rsvd/server.h). */
    if ((vhdmp && !srv->cfg.object_store) || (!vhdmp && !srv->cfg.scsi_disk))
        return RSVD_STATUS_NOT_SUPPORTED;
    return RSVD_STATUS_SUCCESS;
}

/* What the open needs before its backend call: its state, room in the name
 * index, its LocalOpen and a request. Each is handed out as soon as it is
 * taken, so that create_undo() releases exactly what was. */
static uint32_t create_reserve(rsvd_server *srv, rsvd_open *o, void *cookie,
                               rsvd_create_state **cs, rsvd_req **q)
{
    *cs = rsvd_mem_calloc(srv->mem, 1, sizeof **cs);
    if (!*cs || rsvd_names_reserve(srv) != RSVD_OK)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    if (rsvd_open_table_add(srv, o) != RSVD_OK)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES; /* max_opens reached, or no memory */
    *q = rsvd_srv_req_get(srv, o, RSVD_SMB2_CREATE, cookie);
    if (!*q)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES; /* the request pool is empty */
    return RSVD_STATUS_SUCCESS;
}

/* The new Open joins the name index, gets the fields that do not depend on
 * the backend, and is handed to the backend. */
static void create_start(rsvd_server *srv, const rsvd_server_create_req *req, rsvd_open *o,
                         rsvd_create_state *cs, rsvd_req *q,
                         const rsvd_svhdx_open_device_context *ctx, uint32_t version)
{
    const bool vhdmp = ctx->originator_flags == RSVD_SVHDX_ORIGINATOR_VHDMP;
    rsvd_names_insert(srv, o);

    /* Keep what the response echoes: the context, with its host-name field. */
    cs->ctx = *ctx;
    memcpy(cs->host_name, ctx->initiator_host_name, sizeof cs->host_name);
    cs->ctx.initiator_host_name = cs->host_name;
    cs->resp = req->response_context;
    cs->v2_response = srv->cfg.service_version == RSVD_PROTOCOL_VERSION_2 &&
                      version == RSVD_ECP_CONTEXT_VERSION_2;
    q->u.state = cs;

    /* The fields of the new Open that do not depend on the backend
     * ("On success, the server MUST initialize the Open"): */
    /* Open.InitiatorId: 0 if HasInitiatorId is 0x00, else the context's. */
    if (ctx->has_initiator_id)
        o->initiator_id = ctx->initiator_id;
    /* Open.SenseErrorDataList empty, Open.SenseErrorSequence 0x00 (memset). */
    /* Open.IsVirtualSCSIDisk: SHOULD be TRUE when OriginatorFlags is not
     * SVHDX_ORIGINATOR_VHDMP (so also for <10>'s 0x00000008), else FALSE. */
    o->is_virtual_scsi_disk = !vhdmp;
    /* Open.CreateOptions. */
    o->create_options = req->create_options;
    /* Open.IsVHDSet: the file name has the ".vhds" extension. */
    o->is_vhd_set = ends_with_vhds(o->name, o->name_len);
    /* Open.PendingDelete FALSE (memset). */

    cs->args.file_name = o->name;
    cs->args.create_options = req->create_options;
    cs->args.initiator_id = o->initiator_id;
    cs->args.has_initiator = !rsvd_guid_is_zero(&o->initiator_id);
    /* The decoder has checked its length (create_check_context). */
    (void)rsvd_svhdx_open_device_context_host_name(&cs->ctx, &cs->args.initiator_host_name,
                                                   &cs->args.initiator_host_name_len);

    /* "If OriginatorFlags is SVHDX_ORIGINATOR_VHDMP ... the server MUST open
     * the file in the underlying object store with read and write access.
     * Otherwise, the server SHOULD pass the open request to the virtual SCSI
     * disk." From here on q and o belong to the backend call. */
    rsvd_completion c = rsvd_srv_req_issue(q, open_completed);
    if (vhdmp)
        srv->cfg.object_store->open(srv->cfg.object_store_ctx, &cs->args, c);
    else
        srv->cfg.scsi_disk->open(srv->cfg.scsi_disk_ctx, &cs->args, c);
}

/* [MS-RSVD] 3.2.5.1 for a new open: each step returns the status to fail
 * with, and a failure after the open exists is undone in one place. */
static void create_new(rsvd_server *srv, const rsvd_server_create_req *req, void *cookie)
{
    rsvd_svhdx_open_device_context ctx;
    memset(&ctx, 0, sizeof ctx);
    uint32_t version = 0;
    rsvd_open *o = NULL;
    rsvd_create_state *cs = NULL;
    rsvd_req *q = NULL;

    uint32_t status = create_check_context(srv, req, &ctx, &version);
    if (status == RSVD_STATUS_SUCCESS)
        status = rsvd_open_alloc(srv, req->file_name, req->file_name_len, &o);
    if (status == RSVD_STATUS_SUCCESS)
        status = create_check_open(srv, o,
                                   ctx.originator_flags == RSVD_SVHDX_ORIGINATOR_VHDMP);
    if (status == RSVD_STATUS_SUCCESS)
        status = create_reserve(srv, o, cookie, &cs, &q);
    if (status != RSVD_STATUS_SUCCESS) {
        if (o)
            create_undo(srv, o, cs);
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, status, cookie);
        return;
    }
    create_start(srv, req, o, cs, q, &ctx, version);
}

/* The CREATE's reply once its open is in the backend: the open joins the
 * OpenTable and the response context is built. */
static rsvd_step open_reply(rsvd_server *srv, rsvd_req *q, rsvd_server_reply *reply)
{
    rsvd_open *o = q->open;
    rsvd_create_state *cs = q->u.state;
    /* The open is in the OpenTable from now on. */
    rsvd_open_table_publish(srv, o);
    size_t len = 0;
    rsvd_svhdx_open_device_context resp = cs->ctx;
    int rc;
    if (cs->v2_response) {
        /* "If ServerServiceVersion is 2 and Version is 2, the server MUST
         * return SVHDX_OPEN_DEVICE_CONTEXT_V2_RESPONSE": the first fields
         * copied from the request; VirtualDiskPropertiesInitialized TRUE and
         * the sizes from the disk when it supplied them, else FALSE and 0;
         * ServerServiceVersion 2 either way. */
        resp.server_service_version = srv->cfg.service_version;
        resp.virtual_disk_properties_initialized = cs->have_info ? 1u : 0u;
        resp.virtual_sector_size = cs->have_info ? cs->info.sector_size : 0;
        resp.physical_sector_size = cs->have_info ? cs->info.physical_sector_size : 0;
        resp.virtual_size = cs->have_info ? cs->info.virtual_size : 0;
        rc = rsvd_svhdx_open_device_context_v2_encode(&resp, cs->resp,
                                                      RSVD_SERVER_CREATE_CONTEXT_MAX, &len);
    } else {
        /* Version 1 (on either server): SVHDX_OPEN_DEVICE_CONTEXT_RESPONSE
         * with every field copied from the request, with STATUS_SUCCESS. */
        rc = rsvd_svhdx_open_device_context_v1_encode(&resp, cs->resp,
                                                      RSVD_SERVER_CREATE_CONTEXT_MAX, &len);
    }
    reply->status = RSVD_STATUS_SUCCESS;
    reply->local_open = o->local_open;
    if (rc == RSVD_OK) {
        reply->create_context = cs->resp;
        reply->create_context_len = (uint32_t)len;
    }
    create_state_free(srv, cs);
    q->u.state = NULL;
    return RSVD_STEP_REPLY;
}

/* [MS-RSVD] 3.2.5.1: "If change tracking was previously started on the
 * server, the server MUST issue a start tracking request to the virtual
 * SCSI disk ... after the successful open and before processing any write
 * request": before the CREATE's reply, so before any write on the open. Its
 * outcome is the disk's to report (CHANGE_TRACKING_GET_PARAMETERS); the open
 * stands either way (docs/decisions.md). */
static rsvd_step open_ct_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                   rsvd_server_reply *reply)
{
    (void)r;
    return open_reply(srv, q, reply);
}

static rsvd_step open_ct_restart(rsvd_server *srv, rsvd_req *q, rsvd_server_reply *reply)
{
    rsvd_open *o = q->open;
    rsvd_create_state *cs = q->u.state;
    if (srv->cfg.service_version == RSVD_PROTOCOL_VERSION_2 && o->is_virtual_scsi_disk &&
        srv->cfg.scsi_disk->change_tracking_start && rsvd_ct_restart_args(srv, o, &cs->ct)) {
        srv->cfg.scsi_disk->change_tracking_start(srv->cfg.scsi_disk_ctx, o->backend_handle,
                                                  &cs->ct,
                                                  rsvd_srv_req_issue(q, open_ct_completed));
        return RSVD_STEP_CONTINUED;
    }
    return open_reply(srv, q, reply);
}

/* The disk's sizes for the V2 response, or none if it could not say. */
static rsvd_step open_info_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                     rsvd_server_reply *reply)
{
    rsvd_create_state *cs = q->u.state;
    if (r->status == RSVD_STATUS_SUCCESS)
        cs->have_info = true;
    return open_ct_restart(srv, q, reply);
}

static rsvd_step open_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                rsvd_server_reply *reply)
{
    rsvd_open *o = q->open;
    rsvd_create_state *cs = q->u.state;
    /* "If the open of the file in the object store or the virtual SCSI disk
     * fails, the server MUST return the error code received." */
    if (r->status != RSVD_STATUS_SUCCESS) {
        uint32_t status = r->status;
        void *cookie = q->cookie;
        rsvd_srv_req_put(srv, q);
        create_undo(srv, o, cs);
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, status, cookie);
        return RSVD_STEP_DONE;
    }
    /* Open.LocalOpen is the open obtained (our handle maps to it). */
    o->backend_handle = r->handle;
    /* The V2 response carries the disk's sizes: ask a virtual SCSI disk. */
    if (cs->v2_response && o->is_virtual_scsi_disk) {
        srv->cfg.scsi_disk->get_info(srv->cfg.scsi_disk_ctx, o->backend_handle, &cs->info,
                                     rsvd_srv_req_issue(q, open_info_completed));
        return RSVD_STEP_CONTINUED;
    }
    return open_ct_restart(srv, q, reply);
}

int rsvd_server_create(rsvd_server *srv, const rsvd_server_create_req *req, void *cookie)
{
    if (!srv || !req || (!req->file_name && req->file_name_len) ||
        (!req->context && req->context_len))
        return RSVD_E_INVAL;
    if (!req->local_open &&
        (!req->response_context || req->response_context_cap < RSVD_SERVER_CREATE_CONTEXT_MAX))
        return RSVD_E_INVAL;
    srv->depth++;
    if (!srv->cfg.svhdx_supported) {
        /* [MS-RSVD] 3.2.5: "If IsSVHDXSupported is FALSE, the server MUST fail
         * the request with STATUS_INVALID_DEVICE_REQUEST." */
        rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, RSVD_STATUS_INVALID_DEVICE_REQUEST, cookie);
    } else if (req->local_open) {
        /* [MS-RSVD] 3.2.5.1: "If Open.LocalOpen is not NULL, the server MUST
         * look up the OpenTable ... If an Open is found, the server MUST stop
         * further processing of the request. Otherwise, the server MUST fail
         * the request with STATUS_INVALID_HANDLE." */
        rsvd_open *o = rsvd_srv_find_open(srv, req->local_open);
        if (!o) {
            rsvd_srv_fail(srv, RSVD_SMB2_CREATE, 0, RSVD_STATUS_INVALID_HANDLE, cookie);
        } else {
            rsvd_server_reply reply;
            memset(&reply, 0, sizeof reply);
            reply.cookie = cookie;
            reply.command = RSVD_SMB2_CREATE;
            reply.status = RSVD_STATUS_SUCCESS;
            reply.local_open = o->local_open;
            rsvd_srv_deliver(srv, &reply);
        }
    } else {
        create_new(srv, req, cookie);
    }
    srv->depth--;
    return RSVD_OK;
}

/* ---- [MS-RSVD] 3.2.5.2 Receiving a Close Request ------------------------------- */

static rsvd_step close_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                 rsvd_server_reply *reply);

static rsvd_step close_abort_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                       rsvd_server_reply *reply)
{
    (void)r;
    (void)reply;
    rsvd_close_issue(srv, q->open, q);
    return RSVD_STEP_CONTINUED;
}

void rsvd_close_issue(rsvd_server *srv, rsvd_open *o, rsvd_req *q)
{
    /* [MS-RSVD] 3.2.5.2: "If the handle of this Open was used to send a create
     * snapshot request and if a snapshot creation of type
     * SvhdxSnapshotTypeCDP is incomplete, the server MUST abort the snapshot
     * creation. If the snapshot creation is aborted after completion of stage
     * SvhdxSnapshotStageUnblockIO, the server MUST set
     * Snapshot.ChangeTracking to FALSE and MUST fail the change tracking
     * with error STATUS_FILE_FORCED_CLOSED": the disk's abort_snapshot does
     * the latter (rsvd/backend.h). One abort per such creation, then the
     * close. */
    rsvd_txn *x = rsvd_abort_next_for_close(srv, o);
    if (x) {
        if (x->last_stage >= RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO) {
            rsvd_snapshot *s = rsvd_snapshot_find(o, &x->snapshot_id);
            if (s)
                s->change_tracking = false;
        }
        rsvd_abort_issue(srv, q, x, close_abort_completed);
        return;
    }
    /* "The server MUST close the underlying object store open": with
     * PendingDelete, "request the object store to delete the file". */
    rsvd_completion c = rsvd_srv_req_issue(q, close_completed);
    if (o->is_virtual_scsi_disk)
        srv->cfg.scsi_disk->close(srv->cfg.scsi_disk_ctx, o->backend_handle, o->pending_delete, c);
    else
        srv->cfg.object_store->close(srv->cfg.object_store_ctx, o->backend_handle,
                                     o->pending_delete, c);
}

static rsvd_step close_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                 rsvd_server_reply *reply)
{
    rsvd_open *o = q->open;
    /* "If the object store indicates success, the server MUST remove the Open
     * from the OpenTable, free it and return STATUS_SUCCESS; otherwise return
     * the error." The Open left the OpenTable when the CLOSE arrived and is
     * freed either way (docs/decisions.md). */
    reply->status = r->status;
    rsvd_srv_req_put(srv, q);
    rsvd_open_destroy(srv, o);
    rsvd_srv_deliver(srv, reply);
    return RSVD_STEP_DONE;
}

int rsvd_server_close(rsvd_server *srv, uint64_t local_open, void *cookie)
{
    if (!srv)
        return RSVD_E_INVAL;
    srv->depth++;
    rsvd_open *o;
    if (!srv->cfg.svhdx_supported) {
        /* [MS-RSVD] 3.2.5 */
        rsvd_srv_fail(srv, RSVD_SMB2_CLOSE, 0, RSVD_STATUS_INVALID_DEVICE_REQUEST, cookie);
    } else if (!(o = rsvd_srv_find_open(srv, local_open))) {
        /* "locate the Open in the OpenTable": 3.2.5.2 names no status for an
         * Open that is not there; STATUS_INVALID_PARAMETER as the other
         * sections (docs/decisions.md). */
        rsvd_srv_fail(srv, RSVD_SMB2_CLOSE, 0, RSVD_STATUS_INVALID_PARAMETER, cookie);
    } else if (o->v2 && o->v2->extra_refs) {
        /* An open with a target specifier that another SMB2 open shares
         * (3.2.5.7): this CLOSE ends one of them (docs/decisions.md). */
        o->v2->extra_refs--;
        rsvd_server_reply reply;
        memset(&reply, 0, sizeof reply);
        reply.cookie = cookie;
        reply.command = RSVD_SMB2_CLOSE;
        reply.status = RSVD_STATUS_SUCCESS;
        rsvd_srv_deliver(srv, &reply);
    } else {
        rsvd_open_begin_close(srv, o, cookie);
    }
    srv->depth--;
    return RSVD_OK;
}

void rsvd_open_begin_close(rsvd_server *srv, rsvd_open *o, void *cookie)
{
    /* The Open leaves the OpenTable now: later requests naming it get their
     * not-found status. Its CDP timers stop: the close aborts what they
     * watch (rsvd_close_issue). */
    rsvd_open_table_unpublish(srv, o);
    rsvd_names_remove(srv, o);
    rsvd_timers_stop_open(srv, o);
    rsvd_aborts_forget(srv, o);
    o->close_cookie = cookie;
    rsvd_srv_close_when_idle(srv, o);
    rsvd_srv_kick(srv); /* may complete, reply and free o */
}
