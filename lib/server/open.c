/*
 * Opening and closing a shared virtual disk: [MS-RSVD] 3.2.5.1 (Receiving
 * an Open Request) and 3.2.5.2 (Receiving a Close Request).
 */
#include <string.h>

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
} rsvd_create_state;

void rsvd_open_destroy(rsvd_server *srv, rsvd_open *o)
{
    rsvd_sense_free(srv, o);
    rsvd_mem_free(srv->mem, o);
    srv->open_count--;
}

static void create_state_free(rsvd_server *srv, rsvd_create_state *cs)
{
    rsvd_mem_free(srv->mem, cs);
}

/* A CREATE that failed after its open was set up: the open leaves both
 * indexes and is freed. */
static void create_abort(rsvd_server *srv, rsvd_open *o, rsvd_create_state *cs)
{
    rsvd_handle_table_remove(&srv->opens, o->local_open);
    rsvd_names_remove(srv, o);
    create_state_free(srv, cs);
    rsvd_open_destroy(srv, o);
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

static void create_new(rsvd_server *srv, const rsvd_server_create_req *req, void *cookie)
{
    const uint16_t cmd = RSVD_SMB2_CREATE;

    /* [MS-RSVD] 3.2.5.1: "The server MUST fail the request with
     * STATUS_BUFFER_TOO_SMALL if the size of the create context data is less
     * than sizeof(SVHDX_OPEN_DEVICE_CONTEXT)" */
    uint32_t version = 0;
    if (req->context_len < RSVD_SVHDX_OPEN_DEVICE_CONTEXT_SIZE ||
        rsvd_svhdx_open_device_context_version(req->context, req->context_len, &version) !=
            RSVD_OK) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_BUFFER_TOO_SMALL, cookie);
        return;
    }
    /* "... or if ServerServiceVersion is 2 and the Version field of the create
     * context is 2 and the size is less than sizeof(SVHDX_OPEN_DEVICE_CONTEXT_V2)" */
    if (srv->cfg.service_version == RSVD_PROTOCOL_VERSION_2 &&
        version == RSVD_ECP_CONTEXT_VERSION_2 &&
        req->context_len < RSVD_SVHDX_OPEN_DEVICE_CONTEXT_V2_SIZE) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_BUFFER_TOO_SMALL, cookie);
        return;
    }
    /* "If ServerServiceVersion is 1 and the Version field is not
     * RSVD_ECP_CONTEXT_VERSION_1, the server SHOULD fail the request with
     * STATUS_INVALID_PARAMETER" (<8>: an old build answered status 0). */
    if (srv->cfg.service_version == RSVD_PROTOCOL_VERSION_1 &&
        version != RSVD_ECP_CONTEXT_VERSION_1) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    /* "If ServerServiceVersion is 2 and the Version field is neither 1 nor 2,
     * the server MUST fail the request with STATUS_INVALID_PARAMETER." */
    if (srv->cfg.service_version == RSVD_PROTOCOL_VERSION_2 &&
        version != RSVD_ECP_CONTEXT_VERSION_1 && version != RSVD_ECP_CONTEXT_VERSION_2) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    rsvd_svhdx_open_device_context ctx;
    int rc = version == RSVD_ECP_CONTEXT_VERSION_2
                 ? rsvd_svhdx_open_device_context_v2_decode(req->context, req->context_len, &ctx)
                 : rsvd_svhdx_open_device_context_v1_decode(req->context, req->context_len, &ctx);
    if (rc != RSVD_OK) { /* cannot happen after the size checks above */
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_BUFFER_TOO_SMALL, cookie);
        return;
    }
    /* "If HasInitiatorId is neither 0x00 nor 0x01, the server MUST fail the
     * request with STATUS_INVALID_PARAMETER." */
    if (ctx.has_initiator_id > 1u) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INVALID_PARAMETER, cookie);
        return;
    }
    /* Open.FileName (docs/decisions.md: a name that is not UTF-16 fails with
     * STATUS_OBJECT_NAME_INVALID). */
    size_t name_len = 0;
    if (rsvd_name_from_utf16(req->file_name, req->file_name_len, NULL, 0, &name_len) !=
            RSVD_OK ||
        name_len > UINT32_MAX - 1u) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_OBJECT_NAME_INVALID, cookie);
        return;
    }
    const bool vhdmp = ctx.originator_flags == RSVD_SVHDX_ORIGINATOR_VHDMP;

    rsvd_open *o = rsvd_mem_alloc(srv->mem, sizeof *o + name_len + 1u);
    if (!o) {
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INSUFFICIENT_RESOURCES, cookie);
        return;
    }
    memset(o, 0, sizeof *o);
    size_t got = 0;
    (void)rsvd_name_from_utf16(req->file_name, req->file_name_len, o->name, name_len, &got);
    o->name[name_len] = '\0';
    o->name_len = (uint32_t)name_len;
    rsvd_name name = {o->name, name_len};
    o->name_hash = rsvd_name_hash(srv, name);

    /* "If OriginatorFlags is SVHDX_ORIGINATOR_VHDMP, the server MUST search the
     * OpenTable for an Open whose FileName matches the file name. If an Open
     * is found, the server MUST fail the request with STATUS_VHD_SHARED."
     * A CREATE still in progress counts (docs/decisions.md). */
    if (vhdmp) {
        bool found = false;
        rsvd_names_each(srv, name, o->name_hash, any_open, &found);
        if (found) {
            rsvd_mem_free(srv->mem, o);
            rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_VHD_SHARED, cookie);
            return;
        }
    }
    /* A backend the configuration does not have: STATUS_NOT_SUPPORTED
     * (rsvd/server.h). */
    if ((vhdmp && !srv->cfg.object_store) || (!vhdmp && !srv->cfg.scsi_disk)) {
        rsvd_mem_free(srv->mem, o);
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_NOT_SUPPORTED, cookie);
        return;
    }

    rsvd_create_state *cs = rsvd_mem_calloc(srv->mem, 1, sizeof *cs);
    if (!cs || rsvd_names_reserve(srv) != RSVD_OK) {
        rsvd_mem_free(srv->mem, cs);
        rsvd_mem_free(srv->mem, o);
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INSUFFICIENT_RESOURCES, cookie);
        return;
    }
    rc = rsvd_handle_table_add(&srv->opens, o, &o->local_open);
    if (rc != RSVD_OK) { /* max_opens reached, or no memory */
        rsvd_mem_free(srv->mem, cs);
        rsvd_mem_free(srv->mem, o);
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INSUFFICIENT_RESOURCES, cookie);
        return;
    }
    o->state = RSVD_OPEN_OPENING;
    srv->open_count++;
    rsvd_req *q = rsvd_srv_req_get(srv, o, cmd, cookie);
    if (!q) { /* the request pool is empty */
        rsvd_handle_table_remove(&srv->opens, o->local_open);
        create_state_free(srv, cs);
        rsvd_open_destroy(srv, o);
        rsvd_srv_fail(srv, cmd, 0, RSVD_STATUS_INSUFFICIENT_RESOURCES, cookie);
        return;
    }
    rsvd_names_insert(srv, o);

    /* Keep what the response echoes: the context, with its host-name field. */
    cs->ctx = ctx;
    memcpy(cs->host_name, ctx.initiator_host_name, sizeof cs->host_name);
    cs->ctx.initiator_host_name = cs->host_name;
    cs->resp = req->response_context;
    cs->v2_response = srv->cfg.service_version == RSVD_PROTOCOL_VERSION_2 &&
                      version == RSVD_ECP_CONTEXT_VERSION_2;
    q->u.state = cs;

    /* The fields of the new Open that do not depend on the backend
     * ("On success, the server MUST initialize the Open"): */
    /* Open.InitiatorId: 0 if HasInitiatorId is 0x00, else the context's. */
    if (ctx.has_initiator_id)
        o->initiator_id = ctx.initiator_id;
    /* Open.SenseErrorDataList empty, Open.SenseErrorSequence 0x00 (calloc). */
    /* Open.IsVirtualSCSIDisk: SHOULD be TRUE when OriginatorFlags is not
     * SVHDX_ORIGINATOR_VHDMP (so also for <10>'s 0x00000008), else FALSE. */
    o->is_virtual_scsi_disk = !vhdmp;
    /* Open.CreateOptions. */
    o->create_options = req->create_options;
    /* Open.IsVHDSet: the file name has the ".vhds" extension. */
    o->is_vhd_set = ends_with_vhds(o->name, name_len);
    /* Open.PendingDelete FALSE (calloc). */

    cs->args.file_name = o->name;
    cs->args.create_options = req->create_options;
    cs->args.initiator_id = o->initiator_id;
    cs->args.has_initiator = !rsvd_guid_is_zero(&o->initiator_id);
    const uint8_t *host_name = NULL;
    size_t host_name_len = 0;
    if (rsvd_svhdx_open_device_context_host_name(&cs->ctx, &host_name, &host_name_len) ==
        RSVD_OK) {
        cs->args.initiator_host_name = host_name;
        cs->args.initiator_host_name_len = host_name_len;
    }

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

/* The CREATE's reply once its open is in the backend: the open joins the
 * OpenTable and the response context is built. */
static rsvd_step open_reply(rsvd_server *srv, rsvd_req *q, rsvd_server_reply *reply)
{
    rsvd_open *o = q->open;
    rsvd_create_state *cs = q->u.state;
    /* The open is in the OpenTable from now on. */
    o->state = RSVD_OPEN_OPEN;
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

/* The disk's sizes for the V2 response, or none if it could not say. */
static rsvd_step open_info_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                     rsvd_server_reply *reply)
{
    rsvd_create_state *cs = q->u.state;
    if (r->status == RSVD_STATUS_SUCCESS)
        cs->have_info = true;
    return open_reply(srv, q, reply);
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
        create_abort(srv, o, cs);
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
    return open_reply(srv, q, reply);
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

void rsvd_close_issue(rsvd_server *srv, rsvd_open *o, rsvd_req *q)
{
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
    } else {
        /* The first rule (abort an incomplete CDP snapshot) concerns version-2
         * snapshots, which a version-1 open never starts. The Open leaves the
         * OpenTable now: later requests naming it get their not-found status. */
        rsvd_handle_table_remove(&srv->opens, o->local_open);
        rsvd_names_remove(srv, o);
        o->state = RSVD_OPEN_CLOSING;
        o->close_cookie = cookie;
        rsvd_srv_close_when_idle(srv, o);
        rsvd_srv_kick(srv); /* may complete, reply and free o */
    }
    srv->depth--;
    return RSVD_OK;
}
