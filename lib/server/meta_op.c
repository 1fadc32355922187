/*
 * Meta-operations: [MS-RSVD] 3.2.5.5.7 (Receiving a Start Meta-Operation
 * Request: optimize 3.2.5.5.7.2, extract 3.2.5.5.7.3, convert to VHD set
 * 3.2.5.5.7.4, resize 3.2.5.5.7.5, apply snapshot 3.2.5.5.7.6; create
 * snapshot, 3.2.5.5.7.1, is in snapshot.c) and 3.2.5.5.8 (Receiving a Query
 * Meta-Operation Progress Request), with the open's table of transactions
 * they both use, and the open's version-2 state.
 *
 * Channels (docs/decisions.md): "fail the request" and "the operation is
 * failed with X" answer SMB2 status X without output; "set the Status field
 * of the header to X" answers SMB2 success with a header. Each operation
 * checks the room for its answer first (16 bytes, the header), then the
 * rules of its section in their order. A version-2 request is not a hot
 * path: its state is allocated per request.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "util/mem.h"

/* ---- the open's version-2 state and its transactions ------------------------------- */

rsvd_open_v2 *rsvd_open_v2_get(rsvd_server *srv, rsvd_open *o)
{
    if (o->v2)
        return o->v2;
    rsvd_open_v2 *v = rsvd_mem_calloc(srv->mem, 1, sizeof *v);
    if (!v)
        return NULL;
    v->txns = rsvd_mem_calloc(srv->mem, srv->cfg.max_transactions, sizeof *v->txns);
    if (!v->txns) {
        rsvd_mem_free(srv->mem, v);
        return NULL;
    }
    o->v2 = v;
    return v;
}

void rsvd_open_v2_free(rsvd_server *srv, rsvd_open *o)
{
    if (!o->v2)
        return;
    rsvd_mem_free(srv->mem, o->v2->snaps);
    rsvd_mem_free(srv->mem, o->v2->txns);
    rsvd_mem_free(srv->mem, o->v2);
    o->v2 = NULL;
}

/* A transaction still needed: a call writes its progress, its timer runs,
 * or a CLOSE would have to abort its creation. */
static bool txn_busy(const rsvd_txn *x)
{
    return x->calls || x->timer != RSVD_TIMER_OFF || x->cdp_open || x->abort_due;
}

rsvd_txn *rsvd_txn_find(const rsvd_server *srv, const rsvd_open *o, const rsvd_guid *id)
{
    if (!o->v2)
        return NULL;
    for (uint32_t i = 0; i < srv->cfg.max_transactions; i++) {
        rsvd_txn *x = &o->v2->txns[i];
        if (x->used && rsvd_guid_equal(&x->id, id))
            return x;
    }
    return NULL;
}

rsvd_txn *rsvd_txn_for_start(rsvd_server *srv, rsvd_open *o, const rsvd_guid *id)
{
    rsvd_open_v2 *v = rsvd_open_v2_get(srv, o);
    if (!v)
        return NULL;
    rsvd_txn *x = rsvd_txn_find(srv, o, id);
    if (!x) {
        /* A free entry, else the one finished longest ago. */
        for (uint32_t i = 0; i < srv->cfg.max_transactions; i++) {
            rsvd_txn *c = &v->txns[i];
            if (!c->used) {
                x = c;
                break;
            }
            if (!txn_busy(c) && (!x || c->last_use < x->last_use))
                x = c;
        }
        if (!x)
            return NULL;
        memset(x, 0, sizeof *x);
        x->used = true;
        x->id = *id;
        x->open = o;
    }
    x->last_use = ++v->starts;
    return x;
}

/* ---- 3.2.5.5.8 Receiving a Query Meta-Operation Progress Request ---------------------- */

void rsvd_meta_op_query_progress(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    /* 3.2.5.5.8 names no size: the answer needs its room, the request its
     * TransactionId, as the other operations' size rules say
     * (docs/decisions.md). */
    if (t->req->max_output <
        RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_META_OPERATION_QUERY_PROGRESS_RESPONSE_SIZE)) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    rsvd_svhdx_meta_operation_query_progress_request pr;
    if (rsvd_svhdx_meta_operation_query_progress_request_decode(t->body, t->body_len, &pr) !=
        RSVD_OK) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* "The server MUST issue a Query Meta-operation request to the virtual
     * SCSI disk": the disk reports a transaction's progress in the result
     * structure of its calls, kept with the transaction (rsvd/backend.h,
     * rsvd_disk_meta_result). "If the virtual SCSI disk indicates an error,
     * ... Status ... the error": a transaction this open never started is
     * STATUS_INVALID_PARAMETER (docs/decisions.md). */
    const rsvd_txn *x = rsvd_txn_find(srv, t->open, &pr.transaction_id);
    if (!x) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_PARAMETER, 0);
        return;
    }
    /* "Otherwise ... STATUS_SUCCESS; CurrentProgressValue and CompleteValue
     * from the virtual SCSI disk." */
    rsvd_svhdx_meta_operation_query_progress_response resp = {
        .current_progress_value = x->progress.progress_current,
        .complete_value = x->progress.progress_complete,
    };
    size_t n = 0;
    (void)rsvd_svhdx_meta_operation_query_progress_response_encode(
        &resp, t->req->output + RSVD_TUNNEL_HEADER_SIZE,
        t->req->max_output - RSVD_TUNNEL_HEADER_SIZE, &n);
    rsvd_tunnel_answer(srv, t, RSVD_STATUS_SUCCESS, n);
}

/* ---- the meta-operations other than create snapshot ------------------------------------ */

/* What a meta-operation keeps until its reply. */
typedef struct meta_state {
    rsvd_txn *txn;
    uint32_t type;
    union {
        rsvd_disk_extract_args extract;
        rsvd_disk_convert_args convert;
        rsvd_disk_resize_args resize;
        rsvd_disk_apply_args apply;
    } a;
    /* Extract: the snapshot entry asked for, and which of the two ids. */
    rsvd_disk_vhdset_query query;
    rsvd_disk_vhdset_info entry;
    bool checking_limit;
    /* Resize: the current virtual size. */
    rsvd_disk_info info;
    /* Extract, convert: the destination name, UTF-8. */
    char name[];
} meta_state;

static rsvd_step meta_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                rsvd_server_reply *reply);

/* The end of every meta-operation of this file: the transaction is done with
 * the request's state. */
static rsvd_step meta_reply(rsvd_server *srv, rsvd_req *q, rsvd_server_reply *reply,
                            uint32_t status, bool header)
{
    meta_state *m = q->u.state;
    m->txn->calls--;
    rsvd_tunnel_state_free(srv, q);
    if (!header) {
        reply->status = status; /* "fail the request" */
        return RSVD_STEP_REPLY;
    }
    return rsvd_tunnel_reply_q(q, reply, status, 0);
}

/* Hands the operation of @p q to the disk (its arguments are in the state). */
static void meta_issue(rsvd_server *srv, rsvd_req *q)
{
    meta_state *m = q->u.state;
    const rsvd_scsi_disk_ops *d = srv->cfg.scsi_disk;
    void *ctx = srv->cfg.scsi_disk_ctx;
    void *h = q->open->backend_handle;
    rsvd_disk_meta_result *out = &m->txn->progress;
    rsvd_completion c = rsvd_srv_req_issue(q, meta_completed);
    switch (m->type) {
    case RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE:
        d->optimize(ctx, h, &m->txn->id, out, c);
        break;
    case RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS:
        d->extract(ctx, h, &m->a.extract, out, c);
        break;
    case RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET:
        d->convert_to_vhdset(ctx, h, &m->a.convert, out, c);
        break;
    case RSVD_SVHDX_META_OPERATION_TYPE_RESIZE:
        d->resize(ctx, h, &m->a.resize, out, c);
        break;
    case RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT:
    default:
        d->apply_snapshot(ctx, h, &m->a.apply, out, c);
        break;
    }
}

static rsvd_step meta_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                rsvd_server_reply *reply)
{
    meta_state *m = q->u.state;
    switch (m->type) {
    case RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE:
        /* 3.2.5.5.7.2: "The server MUST set the Status field of the
         * SVHDX_TUNNEL_OPERATION_HEADER as STATUS_SUCCESS". */
        return meta_reply(srv, q, reply, RSVD_STATUS_SUCCESS, true);
    case RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS:
        /* 3.2.5.5.7.3: "If SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE is set
         * in the Flags field, the server MUST set Open.PendingDelete to TRUE":
         * when the file was extracted (docs/decisions.md). */
        if (r->status == RSVD_STATUS_SUCCESS &&
            (m->a.extract.flags & RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE))
            q->open->pending_delete = true;
        break;
    default:
        break;
    }
    /* "The server MUST set the Status field ... to the error returned by the
     * virtual SCSI disk" (3.2.5.5.7.3 - 3.2.5.5.7.6). */
    return meta_reply(srv, q, reply, r->status, true);
}

/* A meta-operation of @p type whose rules passed before any disk call: its
 * transaction, its request and its state. @return the request, or NULL when
 * the request was answered. */
static rsvd_req *meta_begin(rsvd_server *srv, const rsvd_tunnel_call *t,
                            const rsvd_svhdx_meta_operation_start_request *start, uint32_t type,
                            size_t name_len)
{
    rsvd_txn *x = rsvd_txn_for_start(srv, t->open, &start->transaction_id);
    if (!x) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return NULL;
    }
    rsvd_req *q = rsvd_tunnel_req(srv, t, sizeof(meta_state) + name_len + 1u);
    if (!q)
        return NULL;
    meta_state *m = q->u.state;
    m->txn = x;
    m->type = type;
    x->op_type = type;
    x->calls++;
    return q;
}

/* Whether the disk can do @p type: an object-store open has no disk, and a
 * disk without the function cannot (rsvd/backend.h; docs/decisions.md). */
static bool disk_can(const rsvd_server *srv, const rsvd_open *o, uint32_t type)
{
    const rsvd_scsi_disk_ops *d = srv->cfg.scsi_disk;
    if (!o->is_virtual_scsi_disk)
        return false;
    switch (type) {
    case RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE:
        return d->optimize != NULL;
    case RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS:
        return d->extract != NULL;
    case RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET:
        return d->convert_to_vhdset != NULL;
    case RSVD_SVHDX_META_OPERATION_TYPE_RESIZE:
        return d->resize != NULL;
    case RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT:
    default:
        return d->apply_snapshot != NULL;
    }
}

/* ---- 3.2.5.5.7.2 Optimize --------------------------------------------------------------- */

static void optimize(rsvd_server *srv, const rsvd_tunnel_call *t,
                     const rsvd_svhdx_meta_operation_start_request *start)
{
    if (!disk_can(srv, t->open, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE)) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    /* "The server MUST issue a VHD set optimize request to the virtual SCSI
     * disk". */
    rsvd_req *q = meta_begin(srv, t, start, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, 0);
    if (q)
        meta_issue(srv, q);
}

/* ---- 3.2.5.5.7.3 Extract ---------------------------------------------------------------- */

/* [MS-FSCC] 2.1.5: a character a path name may not hold (the separator
 * '\' may). */
static bool name_char_illegal(uint16_t c)
{
    return c < 0x20 || c == '"' || c == '*' || c == '/' || c == ':' || c == '<' || c == '>' ||
           c == '?' || c == '|';
}

/* A NUL-terminated UTF-16LE name whose length counts the NUL (3.2.5.5.7.3,
 * 3.2.5.5.7.4, <22>, <23>): @return its UTF-8 length without the NUL, or
 * (size_t)-1 when it is no such string. */
static size_t name_utf8_len(const uint8_t *name, size_t len)
{
    size_t n = 0;
    if (rsvd_utf16z_check(name, len) != RSVD_OK ||
        rsvd_utf16le_to_utf8(name, len - 2u, NULL, 0, &n) != RSVD_OK)
        return (size_t)-1;
    return n;
}

/* "If any of the following conditions is TRUE, the server MUST fail the
 * operation with STATUS_INVALID_PARAMETER_2: the Flags field is nonzero and
 * SnapshotType is not SvhdxSnapshotTypeVM; SnapshotType is
 * SvhdxSnapshotTypeVM and the Flags field is a value other than 0 or
 * SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE." */
static bool extract_flags_bad(uint32_t snapshot_type, uint32_t flags)
{
    return (flags != 0 && snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_VM) ||
           (snapshot_type == RSVD_SVHDX_SNAPSHOT_TYPE_VM && flags != 0 &&
            flags != RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE);
}

static rsvd_step extract_entry_completed(rsvd_server *srv, rsvd_req *q,
                                         const rsvd_io_result *r, rsvd_server_reply *reply);

/* "The SourceSnapshotId is not a valid snapshot ID; the SourceLimitSnapshotId
 * is nonzero and is not a valid snapshot ID": asked of the disk as a
 * SnapshotEntry of the request's SnapshotType (docs/decisions.md). */
static void extract_check_id(rsvd_server *srv, rsvd_req *q, const rsvd_guid *id)
{
    meta_state *m = q->u.state;
    memset(&m->entry, 0, sizeof m->entry);
    m->query.information_type = RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY;
    m->query.snapshot_type = m->a.extract.snapshot_type;
    m->query.snapshot_id = *id;
    srv->cfg.scsi_disk->query_vhdset(srv->cfg.scsi_disk_ctx, q->open->backend_handle,
                                     &m->query, &m->entry,
                                     rsvd_srv_req_issue(q, extract_entry_completed));
}

static rsvd_step extract_entry_completed(rsvd_server *srv, rsvd_req *q,
                                         const rsvd_io_result *r, rsvd_server_reply *reply)
{
    meta_state *m = q->u.state;
    const rsvd_disk_extract_args *a = &m->a.extract;
    if (r->status != RSVD_STATUS_SUCCESS)
        return meta_reply(srv, q, reply, RSVD_STATUS_INVALID_PARAMETER, false);
    if (!m->checking_limit && !rsvd_guid_is_zero(&a->source_limit_snapshot_id)) {
        m->checking_limit = true;
        extract_check_id(srv, q, &a->source_limit_snapshot_id);
        return RSVD_STEP_CONTINUED;
    }
    if (extract_flags_bad(a->snapshot_type, a->flags))
        return meta_reply(srv, q, reply, RSVD_STATUS_INVALID_PARAMETER_2, false);
    /* "The server MUST issue an extract VHD request to the virtual SCSI
     * disk". */
    meta_issue(srv, q);
    return RSVD_STEP_CONTINUED;
}

static void extract(rsvd_server *srv, const rsvd_tunnel_call *t,
                    const rsvd_svhdx_meta_operation_start_request *start)
{
    /* "If the input buffer is less than 88 ... + DestinationFileNameLength
     * bytes, the server MUST fail the request with STATUS_BUFFER_TOO_SMALL."
     * (The decoder compares without overflow.) */
    rsvd_svhdx_meta_operation_extract e;
    if (rsvd_svhdx_meta_operation_extract_decode(start->data, start->data_len, &e) != RSVD_OK) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* "If any of the following conditions is TRUE, the server MUST fail the
     * request with STATUS_INVALID_PARAMETER: DestinationFileNameLength is 0;
     * the UNICODE string in DestinationFileName contains any character that
     * is not allowed for a file name ([MS-FSCC] 2.1.5);
     * DestinationFileNameLength is not the BYTE-size of the Unicode UTF-16
     * string or DestinationFileName does not contain the NULL terminating
     * char (<22>); the SourceSnapshotId is not a valid snapshot ID; the
     * SourceLimitSnapshotId is nonzero and is not a valid snapshot ID." */
    size_t name_len = name_utf8_len(e.destination_file_name, e.destination_file_name_length);
    bool bad = e.destination_file_name_length == 0 || name_len == (size_t)-1;
    for (size_t i = 0; !bad && i + 2u < e.destination_file_name_length; i += 2u)
        bad = name_char_illegal((uint16_t)(e.destination_file_name[i] |
                                           e.destination_file_name[i + 1u] << 8));
    if (bad || rsvd_guid_is_zero(&e.source_snapshot_id)) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    /* Without a disk that lists snapshots the ids cannot be asked about: the
     * flag rules come next, and the disk decides about the ids
     * (docs/decisions.md). */
    const bool can = disk_can(srv, t->open, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS);
    const bool ask = can && srv->cfg.scsi_disk->query_vhdset;
    if (!ask && extract_flags_bad(e.snapshot_type, e.flags)) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER_2);
        return;
    }
    if (!can) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    rsvd_req *q = meta_begin(srv, t, start, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS,
                             name_len);
    if (!q)
        return;
    meta_state *m = q->u.state;
    (void)rsvd_utf16le_to_utf8(e.destination_file_name, e.destination_file_name_length - 2u,
                               m->name, name_len, &name_len);
    m->name[name_len] = '\0';
    m->a.extract = (rsvd_disk_extract_args){
        .transaction_id = start->transaction_id,
        .snapshot_type = e.snapshot_type,
        .flags = e.flags,
        .source_snapshot_id = e.source_snapshot_id,
        .source_limit_snapshot_id = e.source_limit_snapshot_id,
        .destination_file_name = m->name,
    };
    if (ask)
        extract_check_id(srv, q, &e.source_snapshot_id);
    else
        meta_issue(srv, q);
}

/* ---- 3.2.5.5.7.4 Convert to VHD set ---------------------------------------------------- */

static void convert(rsvd_server *srv, const rsvd_tunnel_call *t,
                    const rsvd_svhdx_meta_operation_start_request *start)
{
    /* "If the input buffer is less than 44 ... + DestinationVhdSetNameLength
     * bytes, the server MUST fail the request with STATUS_BUFFER_TOO_SMALL." */
    rsvd_svhdx_meta_operation_convert_to_vhdset c;
    if (rsvd_svhdx_meta_operation_convert_to_vhdset_decode(start->data, start->data_len, &c) !=
        RSVD_OK) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* "If the DestinationFileNameLength is not the BYTE-size of the Unicode
     * UTF-16 string or the DestinationFileName does not contain the NULL
     * terminating character the server MUST fail the request with
     * STATUS_INVALID_PARAMETER" (<23>; the fields are the
     * DestinationVhdSetName ones). */
    size_t name_len = name_utf8_len(c.destination_vhd_set_name,
                                    c.destination_vhd_set_name_length);
    if (name_len == (size_t)-1) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    /* "If the DestinationVhdSetName field doesn't contain the .vhds
     * extension, the server MUST fail the request with
     * STATUS_INVALID_PARAMETER." */
    if (!rsvd_utf16le_ends_with_ascii(c.destination_vhd_set_name,
                                      c.destination_vhd_set_name_length - 2u, ".vhds")) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    if (!disk_can(srv, t->open, RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET)) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    rsvd_req *q = meta_begin(srv, t, start, RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET,
                             name_len);
    if (!q)
        return;
    meta_state *m = q->u.state;
    (void)rsvd_utf16le_to_utf8(c.destination_vhd_set_name,
                               c.destination_vhd_set_name_length - 2u, m->name, name_len,
                               &name_len);
    m->name[name_len] = '\0';
    m->a.convert.transaction_id = start->transaction_id;
    m->a.convert.destination_vhdset_name = m->name;
    /* "The server MUST issue a convert to VHD set request to the virtual
     * SCSI disk". */
    meta_issue(srv, q);
}

/* ---- 3.2.5.5.7.5 Resize ------------------------------------------------------------------ */

static rsvd_step resize_size_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                       rsvd_server_reply *reply)
{
    meta_state *m = q->u.state;
    /* Without the current size the disk's error is the answer. */
    if (r->status != RSVD_STATUS_SUCCESS)
        return meta_reply(srv, q, reply, r->status, true);
    /* "If ExpandOnly is TRUE and NewSize is less than current virtual disk
     * size, the server MUST fail the request with STATUS_INVALID_PARAMETER." */
    if (m->a.resize.new_size < m->info.virtual_size)
        return meta_reply(srv, q, reply, RSVD_STATUS_INVALID_PARAMETER, false);
    meta_issue(srv, q);
    return RSVD_STEP_CONTINUED;
}

static void resize(rsvd_server *srv, const rsvd_tunnel_call *t,
                   const rsvd_svhdx_meta_operation_start_request *start)
{
    /* "If the input buffer is less than 52 ... bytes, the server MUST fail
     * the request with STATUS_BUFFER_TOO_SMALL." */
    rsvd_svhdx_meta_operation_resize_virtual_disk rz;
    if (rsvd_svhdx_meta_operation_resize_virtual_disk_decode(start->data, start->data_len,
                                                              &rz) != RSVD_OK) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* "If ShrinkToMinimumSafeSize is TRUE and any of the following conditions
     * is satisfied, the server MUST fail the request with
     * STATUS_INVALID_PARAMETER_1: NewSize is not zero; ExpandOnly is TRUE;
     * AllowUnsafeVirtualSize is TRUE." */
    if (rz.shrink_to_minimum_safe_size &&
        (rz.new_size != 0 || rz.expand_only || rz.allow_unsafe_virtual_size)) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER_1);
        return;
    }
    if (!disk_can(srv, t->open, RSVD_SVHDX_META_OPERATION_TYPE_RESIZE)) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    rsvd_req *q = meta_begin(srv, t, start, RSVD_SVHDX_META_OPERATION_TYPE_RESIZE, 0);
    if (!q)
        return;
    meta_state *m = q->u.state;
    m->a.resize = (rsvd_disk_resize_args){
        .transaction_id = start->transaction_id,
        .new_size = rz.new_size,
        .expand_only = rz.expand_only != 0,
        .allow_unsafe_virtual_size = rz.allow_unsafe_virtual_size != 0,
        .shrink_to_minimum_safe_size = rz.shrink_to_minimum_safe_size != 0,
    };
    /* ExpandOnly compares NewSize with the current virtual size: the disk's. */
    if (m->a.resize.expand_only) {
        srv->cfg.scsi_disk->get_info(srv->cfg.scsi_disk_ctx, q->open->backend_handle, &m->info,
                                     rsvd_srv_req_issue(q, resize_size_completed));
        return;
    }
    /* "The server MUST issue a resize VHD set request to the virtual SCSI
     * disk". */
    meta_issue(srv, q);
}

/* ---- 3.2.5.5.7.6 Apply snapshot ----------------------------------------------------------- */

static void apply(rsvd_server *srv, const rsvd_tunnel_call *t,
                  const rsvd_svhdx_meta_operation_start_request *start)
{
    /* "If the input buffer is less than 60 bytes ..., the server MUST fail
     * the request with STATUS_BUFFER_TOO_SMALL." */
    rsvd_svhdx_apply_snapshot_params ap;
    if (rsvd_svhdx_apply_snapshot_params_decode(start->data, start->data_len, &ap) != RSVD_OK) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* "If SnapshotType is neither SvhdxSnapshotTypeVM nor
     * SvhdxSnapshotTypeWriteable, then the server MUST fail the request with
     * STATUS_INVALID_PARAMETER_1." */
    if (ap.snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_VM &&
        ap.snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER_1);
        return;
    }
    if (!disk_can(srv, t->open, RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT)) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    rsvd_req *q = meta_begin(srv, t, start, RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT, 0);
    if (!q)
        return;
    meta_state *m = q->u.state;
    m->a.apply.transaction_id = start->transaction_id;
    m->a.apply.snapshot_type = ap.snapshot_type;
    m->a.apply.snapshot_id = ap.snapshot_id;
    /* "Otherwise, the server MUST issue the VHD set apply snapshot request to
     * the virtual SCSI disk". */
    meta_issue(srv, q);
}

/* ---- 3.2.5.5.7 Receiving a Start Meta-Operation Request ------------------------------------ */

void rsvd_meta_op_start(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    /* The answer is at least the header (docs/decisions.md). */
    if (t->req->max_output < RSVD_TUNNEL_HEADER_SIZE) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* OperationType is in the fixed part of the request: a body without it
     * fails as the types' own size rules do (docs/decisions.md). */
    rsvd_svhdx_meta_operation_start_request start;
    if (rsvd_svhdx_meta_operation_start_request_decode(t->body, t->body_len, &start) !=
        RSVD_OK) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* "If the OperationType is not one of SvhdxMetaOperationTypeCreateSnapshot,
     * ...Optimize, ...ExtractSnapshots, ...ConvertToVHDSet, ...Resize, or
     * ...ApplySnapshot, the operation is failed with the
     * STATUS_INVALID_PARAMETER." */
    switch (start.operation_type) {
    case RSVD_SVHDX_META_OPERATION_TYPE_CREATE_SNAPSHOT: /* 3.2.5.5.7.1 */
        rsvd_snapshot_create(srv, t, &start);
        break;
    case RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE: /* 3.2.5.5.7.2 */
        optimize(srv, t, &start);
        break;
    case RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS: /* 3.2.5.5.7.3 */
        extract(srv, t, &start);
        break;
    case RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET: /* 3.2.5.5.7.4 */
        convert(srv, t, &start);
        break;
    case RSVD_SVHDX_META_OPERATION_TYPE_RESIZE: /* 3.2.5.5.7.5 */
        resize(srv, t, &start);
        break;
    case RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT: /* 3.2.5.5.7.6 */
        apply(srv, t, &start);
        break;
    default:
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INVALID_PARAMETER);
        break;
    }
}
