/*
 * Snapshots: [MS-RSVD] 3.2.5.5.7.1 (Receiving a Create Snapshot Request),
 * 3.2.5.5.10 (Receiving a Delete Snapshot Request), Open.SnapshotList
 * (3.2.1.2, 3.2.1.4), the CDP snapshot timer (3.2.2) and the aborts it and
 * a CLOSE (3.2.5.2) ask of the disk.
 *
 * The timer runs on the host's clock (rsvd_server_next_expiry(),
 * rsvd_server_handle_expiry()): it is started when BlockIO of a CDP
 * snapshot completes, inside a completion that knows no time, so it waits
 * ARMED for the next rsvd_server_handle_expiry() to give it its deadline
 * (rsvd_server_next_expiry() says 0, "now", meanwhile).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "util/mem.h"

/* ---- Open.SnapshotList --------------------------------------------------------------- */

rsvd_snapshot *rsvd_snapshot_find(const rsvd_open *o, const rsvd_guid *id)
{
    if (!o->v2)
        return NULL;
    for (uint32_t i = 0; i < o->v2->nsnaps; i++)
        if (rsvd_guid_equal(&o->v2->snaps[i].id, id))
            return &o->v2->snaps[i];
    return NULL;
}

/* Room for the Snapshot @p id, before the disk is asked, so that the insert
 * after its success cannot fail. @return STATUS_SUCCESS or
 * STATUS_INSUFFICIENT_RESOURCES. */
static uint32_t snapshot_reserve(rsvd_server *srv, rsvd_open *o, const rsvd_guid *id)
{
    rsvd_open_v2 *v = rsvd_open_v2_get(srv, o);
    if (!v)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    if (rsvd_snapshot_find(o, id) || v->nsnaps < v->snaps_cap)
        return RSVD_STATUS_SUCCESS;
    if (v->nsnaps >= RSVD_SRV_MAX_SNAPSHOTS)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    uint32_t cap = v->snaps_cap ? 2u * v->snaps_cap : 8u;
    if (cap > RSVD_SRV_MAX_SNAPSHOTS)
        cap = RSVD_SRV_MAX_SNAPSHOTS;
    rsvd_snapshot *n = rsvd_mem_realloc(srv->mem, v->snaps, (size_t)cap * sizeof *n);
    if (!n)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    v->snaps = n;
    v->snaps_cap = cap;
    return RSVD_STATUS_SUCCESS;
}

/* 3.2.5.5.7.1: "the server MUST initialize a Snapshot object ... and MUST
 * insert the Snapshot object into Open.SnapshotList": one entry per
 * SnapshotId; ChangeTracking comes from the request that asks for it (the
 * Initialize one, the only one allowed to carry the flag) and is not undone
 * by the later stages' requests (docs/decisions.md). */
static void snapshot_insert(rsvd_open *o, const rsvd_guid *id, bool change_tracking)
{
    rsvd_snapshot *s = rsvd_snapshot_find(o, id);
    if (!s) {
        s = &o->v2->snaps[o->v2->nsnaps++]; /* reserved */
        s->id = *id;
        s->change_tracking = false;
    }
    if (change_tracking)
        s->change_tracking = true;
}

static void snapshot_remove(rsvd_open *o, const rsvd_guid *id)
{
    rsvd_snapshot *s = rsvd_snapshot_find(o, id);
    if (s)
        *s = o->v2->snaps[--o->v2->nsnaps];
}

/* ---- the CDP timer ([MS-RSVD] 3.2.2) -------------------------------------------------- */

static void timer_link(rsvd_server *srv, rsvd_txn *x)
{
    x->timer = RSVD_TIMER_ARMED;
    x->timer_prev = NULL;
    x->timer_next = srv->timers;
    if (srv->timers)
        srv->timers->timer_prev = x;
    srv->timers = x;
}

static void timer_unlink(rsvd_server *srv, rsvd_txn *x)
{
    if (x->timer == RSVD_TIMER_OFF)
        return;
    if (x->timer_prev)
        x->timer_prev->timer_next = x->timer_next;
    else
        srv->timers = x->timer_next;
    if (x->timer_next)
        x->timer_next->timer_prev = x->timer_prev;
    x->timer_prev = x->timer_next = NULL;
    x->timer = RSVD_TIMER_OFF;
}

void rsvd_timers_stop_open(rsvd_server *srv, rsvd_open *o)
{
    if (!o->v2)
        return;
    for (uint32_t i = 0; i < srv->cfg.max_transactions; i++)
        timer_unlink(srv, &o->v2->txns[i]);
}

uint64_t rsvd_server_next_expiry(const rsvd_server *srv)
{
    if (!srv)
        return UINT64_MAX;
    uint64_t next = UINT64_MAX;
    for (const rsvd_txn *x = srv->timers; x; x = x->timer_next) {
        if (x->timer == RSVD_TIMER_ARMED)
            return 0; /* its deadline is given by the next handle_expiry */
        /* The client may still ask at the deadline itself. */
        uint64_t at = x->deadline == UINT64_MAX ? UINT64_MAX : x->deadline + 1u;
        if (at < next)
            next = at;
    }
    return next;
}

/* ---- aborts ([MS-RSVD] 3.2.2, 3.2.5.2) ------------------------------------------------- */

static bool disk_aborts(const rsvd_server *srv, const rsvd_open *o)
{
    return o->is_virtual_scsi_disk && srv->cfg.scsi_disk &&
           srv->cfg.scsi_disk->abort_snapshot != NULL;
}

void rsvd_abort_issue(rsvd_server *srv, rsvd_req *q, rsvd_txn *x, rsvd_req_finish_fn finish)
{
    /* From here on the creation is abandoned: nothing more to abort. */
    x->abort_due = false;
    x->cdp_open = false;
    srv->cfg.scsi_disk->abort_snapshot(srv->cfg.scsi_disk_ctx, q->open->backend_handle, &x->id,
                                       rsvd_srv_req_issue(q, finish));
}

rsvd_txn *rsvd_abort_next_for_close(const rsvd_server *srv, rsvd_open *o)
{
    if (!o->v2 || !disk_aborts(srv, o))
        return NULL;
    for (uint32_t i = 0; i < srv->cfg.max_transactions; i++) {
        rsvd_txn *x = &o->v2->txns[i];
        if (x->used && (x->cdp_open || x->abort_due))
            return x;
    }
    return NULL;
}

static rsvd_txn *abort_due_of(const rsvd_server *srv, rsvd_open_v2 *v)
{
    for (uint32_t i = 0; i < srv->cfg.max_transactions; i++)
        if (v->txns[i].used && v->txns[i].abort_due)
            return &v->txns[i];
    return NULL;
}

/* @p o has version-2 state: only its transactions' timers fire. */
static void abort_enqueue(rsvd_server *srv, rsvd_open *o)
{
    if (o->v2->abort_queued)
        return;
    o->v2->abort_queued = true;
    o->v2->abort_next = srv->abort_head;
    srv->abort_head = o;
}

void rsvd_aborts_forget(rsvd_server *srv, rsvd_open *o)
{
    if (!o->v2 || !o->v2->abort_queued)
        return;
    for (rsvd_open **p = &srv->abort_head; *p; p = &(*p)->v2->abort_next) {
        if (*p == o) {
            *p = o->v2->abort_next;
            break;
        }
    }
    o->v2->abort_next = NULL;
    o->v2->abort_queued = false;
}

/* A timer's abort: no reply, the request goes back to the pool. */
static rsvd_step timer_abort_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                       rsvd_server_reply *reply)
{
    (void)r;
    (void)reply;
    rsvd_srv_req_put(srv, q);
    return RSVD_STEP_DONE;
}

void rsvd_aborts_kick(rsvd_server *srv)
{
    while (srv->abort_head && srv->free_reqs) {
        rsvd_open *o = srv->abort_head;
        rsvd_open_v2 *v = o->v2; /* every open in the queue has it */
        rsvd_txn *x = abort_due_of(srv, v);
        if (!x) {
            srv->abort_head = v->abort_next;
            v->abort_next = NULL;
            v->abort_queued = false;
            continue;
        }
        rsvd_req *q = rsvd_srv_req_get(srv, o, RSVD_SMB2_IOCTL, NULL);
        rsvd_abort_issue(srv, q, x, timer_abort_completed);
    }
}

int rsvd_server_handle_expiry(rsvd_server *srv, uint64_t now_ms, size_t *fired)
{
    if (!srv)
        return RSVD_E_INVAL;
    srv->depth++;
    size_t n = 0;
    for (rsvd_txn *x = srv->timers, *next; x; x = next) {
        next = x->timer_next;
        if (x->timer == RSVD_TIMER_ARMED) {
            x->deadline = now_ms > UINT64_MAX - srv->cfg.cdp_timeout_ms
                              ? UINT64_MAX
                              : now_ms + srv->cfg.cdp_timeout_ms;
            x->timer = RSVD_TIMER_SET;
            continue;
        }
        if (x->deadline >= now_ms)
            continue;
        /* 3.2.2: "if the client takes longer than the server-defined timeout
         * to issue SvhdxSnapshotStageUnblockIO, the server MUST fail the
         * snapshot creation": the disk abandons it, and 3.2.5.5.7.1 fails
         * the creation's later stages with STATUS_IO_TIMEOUT. */
        timer_unlink(srv, x);
        x->timed_out = true;
        if (disk_aborts(srv, x->open)) {
            x->abort_due = true;
            abort_enqueue(srv, x->open);
        } else {
            x->cdp_open = false;
        }
        n++;
    }
    rsvd_srv_kick(srv);
    srv->depth--;
    if (fired)
        *fired = n;
    return RSVD_OK;
}

/* ---- 3.2.5.5.7.1 Receiving a Create Snapshot Request ---------------------------------- */

typedef struct create_state {
    rsvd_txn *txn;
    rsvd_disk_snapshot_args args;
    /* The stages of this request, as bits 1 << stage. */
    uint32_t stages;
    /* The disk's status, kept while an abort runs before the reply. */
    uint32_t status;
} create_state;

#define STAGE_BIT(s) (1u << (s))

/* The answer of 3.2.5.5.7.1: "Status ... the status returned by the virtual
 * SCSI disk. If the SnapshotType is SvhdxSnapshotTypeCDP, the server MUST
 * append an SVHDX_META_OPERATION_REPLY ... ChangeTrackingErrorStatus ...
 * received from the virtual SCSI disk" (only then, docs/decisions.md). */
static size_t create_reply_body(uint8_t *out, uint32_t cap, uint32_t snapshot_type,
                                uint32_t change_tracking_status)
{
    if (snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_CDP)
        return 0;
    rsvd_svhdx_meta_operation_reply mr = {change_tracking_status};
    size_t n = 0;
    (void)rsvd_svhdx_meta_operation_reply_encode(&mr, out + RSVD_TUNNEL_HEADER_SIZE,
                                                 cap - RSVD_TUNNEL_HEADER_SIZE, &n);
    return n;
}

static rsvd_step create_reply(rsvd_server *srv, rsvd_req *q, rsvd_server_reply *reply,
                              uint32_t status)
{
    create_state *c = q->u.state;
    rsvd_txn *x = c->txn;
    size_t n = create_reply_body(q->out, q->out_cap, c->args.snapshot_type,
                                 x->progress.change_tracking_status);
    x->calls--;
    rsvd_tunnel_state_free(srv, q);
    return rsvd_tunnel_reply_q(q, reply, status, n);
}

static rsvd_step create_abort_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                        rsvd_server_reply *reply)
{
    (void)r;
    create_state *c = q->u.state;
    return create_reply(srv, q, reply, c->status);
}

static rsvd_step create_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                  rsvd_server_reply *reply)
{
    create_state *c = q->u.state;
    rsvd_txn *x = c->txn;
    rsvd_open *o = q->open;
    const bool cdp = c->args.snapshot_type == RSVD_SVHDX_SNAPSHOT_TYPE_CDP;
    if (r->status == RSVD_STATUS_SUCCESS) {
        /* "If the virtual SCSI disk returned STATUS_SUCCESS, the server MUST
         * initialize a Snapshot object ... Snapshot.SnapshotId ... and
         * Snapshot.ChangeTracking to TRUE if the
         * SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING bit is set in the
         * Flags field ... and insert [it] into Open.SnapshotList." */
        snapshot_insert(o, &c->args.snapshot_id,
                        (c->args.flags & RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING) !=
                            0);
        for (uint32_t s = RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE; s > 0; s--)
            if (c->stages & STAGE_BIT(s)) {
                if (s > x->last_stage)
                    x->last_stage = s;
                break;
            }
        if (cdp) {
            /* A CDP creation this handle started, open until Finalize
             * (3.2.5.2). */
            x->cdp_open = !(c->stages & STAGE_BIT(RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE));
            /* 3.2.2: BlockIO completed and UnblockIO not asked for yet: the
             * timer starts. */
            if ((c->stages & STAGE_BIT(RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO)) &&
                !(c->stages & STAGE_BIT(RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO)) &&
                x->timer == RSVD_TIMER_OFF &&
                rsvd_open_state_of(srv, o) == RSVD_OPEN_OPEN)
                timer_link(srv, x);
        }
        return create_reply(srv, q, reply, r->status);
    }
    /* "If the snapshot creation of type SvhdxSnapshotTypeCDP fails after
     * completion of stage SvhdxSnapshotStageUnblockIO, the server MUST set
     * Snapshot.ChangeTracking to FALSE and MUST fail the change tracking
     * with error STATUS_FILE_FORCED_CLOSED": the disk's abort_snapshot of the
     * creation does the latter (rsvd/backend.h). */
    if (cdp && x->last_stage >= RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO) {
        rsvd_snapshot *s = rsvd_snapshot_find(o, &c->args.snapshot_id);
        if (s)
            s->change_tracking = false;
        if (disk_aborts(srv, o) && (x->cdp_open || x->abort_due)) {
            c->status = r->status;
            rsvd_abort_issue(srv, q, x, create_abort_completed);
            return RSVD_STEP_CONTINUED;
        }
    }
    return create_reply(srv, q, reply, r->status);
}

/* The rules of 3.2.5.5.7.1 up to "Open.IsVHDSet", in the spec's order.
 * @return STATUS_SUCCESS or the status to fail the request with. */
static uint32_t create_check(const rsvd_tunnel_call *t,
                             const rsvd_svhdx_meta_operation_start_request *start,
                             rsvd_svhdx_meta_operation_create_snapshot *cs,
                             rsvd_svhdx_meta_operation_create_cdp_parameter *cdp)
{
    /* "If the input buffer is less than 92 ... + ParametersPayloadSize bytes,
     * the server MUST fail the request with STATUS_BUFFER_TOO_SMALL." */
    if (rsvd_svhdx_meta_operation_create_snapshot_decode(start->data, start->data_len, cs) !=
            RSVD_OK ||
        (uint64_t)start->data_len <
            (uint64_t)RSVD_SVHDX_META_OPERATION_CREATE_SNAPSHOT_FIXED_SIZE +
                cs->parameters_payload_size)
        return RSVD_STATUS_BUFFER_TOO_SMALL;
    /* "If the SnapshotType is not SvhdxSnapshotTypeVM or SvhdxSnapshotTypeCDP
     * or SvhdxSnapshotTypeWriteable, the operation is failed with
     * STATUS_INVALID_PARAMETER_1." */
    if (cs->snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_VM &&
        cs->snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_CDP &&
        cs->snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE)
        return RSVD_STATUS_INVALID_PARAMETER_1;
    /* "If Stage1 is SvhdxSnapshotStageInvalid, the operation is failed with
     * STATUS_INVALID_PARAMETER_2." */
    if (cs->stage[0] == RSVD_SVHDX_SNAPSHOT_STAGE_INVALID)
        return RSVD_STATUS_INVALID_PARAMETER_2;
    /* "... STATUS_INVALID_PARAMETER_5: the Flags field is nonzero and
     * SnapshotType is not SvhdxSnapshotTypeVM; the Flags field is set to
     * SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING and Stage1 is not
     * SvhdxSnapshotStageInitialize; SnapshotType is SvhdxSnapshotTypeVM and
     * the Flags field is a value other than 0 or
     * SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING." */
    if ((cs->flags != 0 && cs->snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_VM) ||
        (cs->flags == RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING &&
         cs->stage[0] != RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE) ||
        (cs->snapshot_type == RSVD_SVHDX_SNAPSHOT_TYPE_VM && cs->flags != 0 &&
         cs->flags != RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING))
        return RSVD_STATUS_INVALID_PARAMETER_5;
    /* "Each Stage2 through Stage6 is processed as follows: if the current
     * stage value is not SvhdxSnapshotStageInvalid and is less than or equal
     * to the previous stage value, ... STATUS_INVALID_PARAMETER_4; if the
     * current state value is not SvhdxSnapshotStageInvalid and if the
     * previous stage value is equal to SvhdxSnapshotStageInvalid, ...
     * STATUS_INVALID_PARAMETER_3." */
    for (unsigned i = 1; i < RSVD_SVHDX_SNAPSHOT_STAGE_COUNT; i++) {
        const uint32_t cur = cs->stage[i], prev = cs->stage[i - 1u];
        if (cur == RSVD_SVHDX_SNAPSHOT_STAGE_INVALID)
            continue;
        if (cur <= prev)
            return RSVD_STATUS_INVALID_PARAMETER_4;
        if (prev == RSVD_SVHDX_SNAPSHOT_STAGE_INVALID)
            return RSVD_STATUS_INVALID_PARAMETER_3;
    }
    /* A stage above Finalize is none of 2.2.4.17.1's values: Stage1's status,
     * or the later stages' (docs/decisions.md). */
    for (unsigned i = 0; i < RSVD_SVHDX_SNAPSHOT_STAGE_COUNT; i++)
        if (cs->stage[i] > RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE)
            return i == 0 ? RSVD_STATUS_INVALID_PARAMETER_2 : RSVD_STATUS_INVALID_PARAMETER_4;
    /* "If the LogFileNameLength field is nonzero, the server MUST fail the
     * request with STATUS_INVALID_PARAMETER_6": of the CDP parameters, when
     * the request carries them (docs/decisions.md). */
    memset(cdp, 0, sizeof *cdp);
    if (cs->cdp_parameters_len >= RSVD_SVHDX_META_OPERATION_CREATE_CDP_PARAMETER_FIXED_SIZE &&
        (rsvd_svhdx_meta_operation_create_cdp_parameter_decode(
             cs->cdp_parameters, cs->cdp_parameters_len, cdp) != RSVD_OK ||
         cdp->log_file_name_length != 0))
        return RSVD_STATUS_INVALID_PARAMETER_6;
    /* "If Open.IsVHDSet is FALSE, the server MUST fail the request with
     * STATUS_INVALID_DEVICE_REQUEST." */
    if (!t->open->is_vhd_set)
        return RSVD_STATUS_INVALID_DEVICE_REQUEST;
    return RSVD_STATUS_SUCCESS;
}

void rsvd_snapshot_create(rsvd_server *srv, const rsvd_tunnel_call *t,
                          const rsvd_svhdx_meta_operation_start_request *start)
{
    rsvd_svhdx_meta_operation_create_snapshot cs;
    rsvd_svhdx_meta_operation_create_cdp_parameter cdp;
    uint32_t status = create_check(t, start, &cs, &cdp);
    if (status != RSVD_STATUS_SUCCESS) {
        rsvd_tunnel_fail(srv, t, status);
        return;
    }
    rsvd_open *o = t->open;
    /* "If the snapshot creation operation of type SvhdxSnapshotTypeCDP is
     * aborted after completion of stage SvhdxSnapshotStageBlockIO, due to a
     * server-defined time-out, the server MUST fail any optional, subsequent
     * stages of the snapshot creation with STATUS_IO_TIMEOUT." */
    const rsvd_txn *known = rsvd_txn_find(srv, o, &start->transaction_id);
    if (known && known->timed_out) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_IO_TIMEOUT);
        return;
    }
    /* The answer's room: the header, and the reply of a CDP snapshot. */
    const bool cdp_type = cs.snapshot_type == RSVD_SVHDX_SNAPSHOT_TYPE_CDP;
    if (t->req->max_output <
        RSVD_TUNNEL_HEADER_SIZE + (cdp_type ? RSVD_SVHDX_META_OPERATION_REPLY_SIZE : 0u)) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* No disk to create it on (docs/decisions.md). */
    if (!o->is_virtual_scsi_disk || !srv->cfg.scsi_disk->create_snapshot) {
        size_t n = create_reply_body(t->req->output, t->req->max_output, cs.snapshot_type,
                                     RSVD_STATUS_SUCCESS);
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, n);
        return;
    }
    rsvd_txn *x = rsvd_txn_for_start(srv, o, &start->transaction_id);
    if (!x || snapshot_reserve(srv, o, &cs.snapshot_id) != RSVD_STATUS_SUCCESS) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    rsvd_req *q = rsvd_tunnel_req(srv, t, sizeof(create_state));
    if (!q)
        return;
    create_state *c = q->u.state;
    c->txn = x;
    x->op_type = RSVD_SVHDX_META_OPERATION_TYPE_CREATE_SNAPSHOT;
    x->snapshot_type = cs.snapshot_type;
    x->snapshot_id = cs.snapshot_id;
    x->calls++;
    c->args.transaction_id = start->transaction_id;
    c->args.snapshot_id = cs.snapshot_id;
    c->args.snapshot_type = cs.snapshot_type;
    c->args.flags = cs.flags;
    for (unsigned i = 0; i < RSVD_SVHDX_SNAPSHOT_STAGE_COUNT; i++) {
        c->args.stages[i] = cs.stage[i];
        if (cs.stage[i] != RSVD_SVHDX_SNAPSHOT_STAGE_INVALID)
            c->stages |= STAGE_BIT(cs.stage[i]);
    }
    c->args.log_file_id = cdp.log_file_id;
    c->args.now_ms = srv->cfg.wall_clock ? srv->cfg.wall_clock(srv->cfg.reply_ctx) : 0;
    /* UnblockIO asked for in time: the timer stops. */
    if (c->stages & STAGE_BIT(RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO))
        timer_unlink(srv, x);
    /* "The server MUST issue a Create Snapshot request to the virtual SCSI
     * disk". */
    srv->cfg.scsi_disk->create_snapshot(srv->cfg.scsi_disk_ctx, o->backend_handle, &c->args,
                                        &x->progress, rsvd_srv_req_issue(q, create_completed));
}

/* ---- 3.2.5.5.10 Receiving a Delete Snapshot Request ---------------------------------- */

/* How many active CDP snapshot ids fit the state of a delete before it
 * needs a larger list. */
#define DELETE_INLINE_IDS 16u

typedef struct delete_state {
    rsvd_disk_delete_snapshot_args args;
    rsvd_disk_vhdset_query query;
    rsvd_disk_vhdset_info list;
    /* The active list: inline_ids, or an allocation for a longer one. */
    rsvd_guid *ids;
    bool requeried;
    rsvd_guid inline_ids[DELETE_INLINE_IDS];
} delete_state;

static void delete_state_free(rsvd_server *srv, rsvd_req *q)
{
    delete_state *d = q->u.state;
    if (d->ids != d->inline_ids)
        rsvd_mem_free(srv->mem, d->ids);
    rsvd_tunnel_state_free(srv, q);
}

static rsvd_step delete_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                  rsvd_server_reply *reply)
{
    delete_state *d = q->u.state;
    /* The Snapshot leaves Open.SnapshotList with its data (docs/decisions.md). */
    if (r->status == RSVD_STATUS_SUCCESS)
        snapshot_remove(q->open, &d->args.snapshot_id);
    delete_state_free(srv, q);
    /* "If the virtual SCSI disk indicates command success, the Status MUST be
     * set to STATUS_SUCCESS; otherwise, it MUST be set to the error code
     * provided by the virtual SCSI disk." */
    return rsvd_tunnel_reply_q(q, reply, r->status, 0);
}

static void delete_issue(rsvd_server *srv, rsvd_req *q)
{
    delete_state *d = q->u.state;
    /* "The server MUST issue a delete snapshot request to the virtual SCSI
     * disk". */
    srv->cfg.scsi_disk->delete_snapshot(srv->cfg.scsi_disk_ctx, q->open->backend_handle,
                                        &d->args, rsvd_srv_req_issue(q, delete_completed));
}

static rsvd_step delete_list_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                       rsvd_server_reply *reply);

static void delete_query_active(rsvd_server *srv, rsvd_req *q, uint32_t cap)
{
    delete_state *d = q->u.state;
    d->query.information_type = RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ACTIVE_LIST;
    d->query.snapshot_type = 0;
    memset(&d->list, 0, sizeof d->list);
    d->list.snapshot_ids = d->ids;
    d->list.snapshot_ids_cap = cap;
    srv->cfg.scsi_disk->query_vhdset(srv->cfg.scsi_disk_ctx, q->open->backend_handle, &d->query,
                                     &d->list, rsvd_srv_req_issue(q, delete_list_completed));
}

/* "If SnapshotType is equal to SvhdxSnapshotTypeCDP, and if the snapshot is
 * an inactive snapshot or is the first active snapshot, the server MUST allow
 * deletion of the snapshot; otherwise, the server MUST fail the request with
 * STATUS_SHARING_VIOLATION": the disk's active list says which
 * (docs/decisions.md). */
static rsvd_step delete_list_completed(rsvd_server *srv, rsvd_req *q, const rsvd_io_result *r,
                                       rsvd_server_reply *reply)
{
    delete_state *d = q->u.state;
    if (r->status == RSVD_STATUS_SUCCESS) {
        uint32_t have = d->list.number_of_snapshots < d->list.snapshot_ids_cap
                            ? d->list.number_of_snapshots
                            : d->list.snapshot_ids_cap;
        for (uint32_t i = 0; i < have; i++) {
            if (!rsvd_guid_equal(&d->ids[i], &d->args.snapshot_id))
                continue;
            if (i == 0)
                break; /* the first active snapshot */
            delete_state_free(srv, q);
            reply->status = RSVD_STATUS_SHARING_VIOLATION;
            return RSVD_STEP_REPLY;
        }
        /* A list longer than the room: read it whole once. */
        if (have < d->list.number_of_snapshots && !d->requeried &&
            d->list.number_of_snapshots <= RSVD_SRV_MAX_SNAPSHOTS) {
            rsvd_guid *ids =
                rsvd_mem_calloc(srv->mem, d->list.number_of_snapshots, sizeof *ids);
            if (ids) {
                d->requeried = true;
                d->ids = ids;
                delete_query_active(srv, q, d->list.number_of_snapshots);
                return RSVD_STEP_CONTINUED;
            }
        }
    }
    /* Not active, or the disk could not say: the disk decides. */
    delete_issue(srv, q);
    return RSVD_STEP_CONTINUED;
}

void rsvd_snapshot_delete(rsvd_server *srv, const rsvd_tunnel_call *t)
{
    /* The answer's room, the request's size (docs/decisions.md). */
    if (t->req->max_output < RSVD_TUNNEL_HEADER_SIZE) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    rsvd_svhdx_tunnel_delete_snapshot_request dr;
    if (rsvd_svhdx_tunnel_delete_snapshot_request_decode(t->body, t->body_len, &dr) !=
        RSVD_OK) {
        rsvd_tunnel_fail(srv, t, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* "If PersistReference is not equal to zero and SnapshotType is not equal
     * to SvhdxSnapshotTypeVM, the server MUST return an implementation-
     * specific error": STATUS_INVALID_PARAMETER in the header
     * (docs/decisions.md). */
    if (dr.persist_reference != 0 && dr.snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_VM) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_PARAMETER, 0);
        return;
    }
    if (!t->open->is_virtual_scsi_disk || !srv->cfg.scsi_disk->delete_snapshot) {
        rsvd_tunnel_answer(srv, t, RSVD_STATUS_INVALID_DEVICE_REQUEST, 0);
        return;
    }
    rsvd_req *q = rsvd_tunnel_req(srv, t, sizeof(delete_state));
    if (!q)
        return;
    delete_state *d = q->u.state;
    d->args.snapshot_id = dr.snapshot_id;
    d->args.snapshot_type = dr.snapshot_type;
    d->args.persist_reference = dr.persist_reference != 0;
    d->ids = d->inline_ids;
    if (dr.snapshot_type == RSVD_SVHDX_SNAPSHOT_TYPE_CDP && srv->cfg.scsi_disk->query_vhdset) {
        delete_query_active(srv, q, DELETE_INLINE_IDS);
        return;
    }
    delete_issue(srv, q);
}
