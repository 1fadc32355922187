/*
 * The RSVD server instance: configuration, the request pool, completions and
 * reply delivery, and the queue of backend closes ([MS-RSVD] 3.2.3, 3.2.5.2).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "server/server_internal.h"
#include "util/mem.h"
#include "util/versioned.h"
#include "wire/status_int.h"

/* ---- completions ------------------------------------------------------------ */

static bool store_ops_ok(const rsvd_object_store_ops *s)
{
    return s->open && s->close && s->read && s->write && s->flush && s->query_info &&
           s->set_info && s->fsctl;
}

static bool disk_ops_ok(const rsvd_scsi_disk_ops *d)
{
    return d->open && d->close && d->read && d->write && d->execute && d->get_info &&
           d->validate;
}

/* The configuration as this library reads it: the caller's struct and the
 * backend tables it points to, each copied as far as both sides know it. */
static int config_import(rsvd_server *srv, const rsvd_server_config *cfg)
{
    int rc = rsvd_struct_import(&srv->cfg, sizeof srv->cfg, cfg, RSVD_V0_SERVER_CONFIG);
    if (rc != RSVD_OK)
        return rc;
    if (srv->cfg.object_store) {
        rc = rsvd_struct_import(&srv->store_ops, sizeof srv->store_ops, srv->cfg.object_store,
                                RSVD_V0_OBJECT_STORE_OPS);
        if (rc != RSVD_OK)
            return rc;
        srv->cfg.object_store = &srv->store_ops;
    }
    if (srv->cfg.scsi_disk) {
        rc = rsvd_struct_import(&srv->disk_ops, sizeof srv->disk_ops, srv->cfg.scsi_disk,
                                RSVD_V0_SCSI_DISK_OPS);
        if (rc != RSVD_OK)
            return rc;
        srv->cfg.scsi_disk = &srv->disk_ops;
    }
    return RSVD_OK;
}

/* [MS-RSVD] 3.2.3: IsSVHDXSupported and ServerServiceVersion come from the
 * configuration; the OpenTable starts empty. */
int rsvd_server_new(const rsvd_server_config *cfg, rsvd_server **out)
{
    if (!cfg || !out)
        return RSVD_E_INVAL;
    const rsvd_mem *mem =
        cfg->struct_size >= RSVD_V0_SERVER_CONFIG ? rsvd_mem_resolve(cfg->mem) : NULL;
    if (!mem)
        return RSVD_E_INVAL;
    rsvd_server *srv = rsvd_mem_calloc(mem, 1, sizeof *srv);
    if (!srv)
        return RSVD_E_NOMEM;
    int rc = config_import(srv, cfg);
    if (rc == RSVD_OK && (!srv->cfg.reply ||
                          (srv->cfg.service_version != RSVD_PROTOCOL_VERSION_1 &&
                           srv->cfg.service_version != RSVD_PROTOCOL_VERSION_2) ||
                          (srv->cfg.object_store && !store_ops_ok(srv->cfg.object_store)) ||
                          (srv->cfg.scsi_disk && !disk_ops_ok(srv->cfg.scsi_disk))))
        rc = RSVD_E_INVAL;
    if (rc != RSVD_OK) {
        rsvd_mem_free(mem, srv);
        return rc;
    }
    srv->mem = mem;
    if (!srv->cfg.max_opens)
        srv->cfg.max_opens = RSVD_SERVER_DEFAULT_MAX_OPENS;
    if (!srv->cfg.max_requests)
        srv->cfg.max_requests = RSVD_SERVER_DEFAULT_MAX_REQUESTS;
    if (!srv->cfg.cdp_timeout_ms)
        srv->cfg.cdp_timeout_ms = RSVD_SERVER_DEFAULT_CDP_TIMEOUT_MS;
    if (!srv->cfg.max_transactions)
        srv->cfg.max_transactions = RSVD_SERVER_DEFAULT_MAX_TRANSACTIONS;
    rsvd_open_table_init(srv);
    srv->pool = rsvd_mem_calloc(mem, srv->cfg.max_requests, sizeof *srv->pool);
    if (!srv->pool) {
        rsvd_mem_free(mem, srv);
        return RSVD_E_NOMEM;
    }
    for (uint32_t i = srv->cfg.max_requests; i-- > 0;) {
        rsvd_req *q = &srv->pool[i];
        q->sink.complete = rsvd_srv_req_complete;
        q->srv = srv;
        q->gen = 1;
        q->next_free = srv->free_reqs;
        srv->free_reqs = q;
    }
    *out = srv;
    return RSVD_OK;
}

int rsvd_server_free(rsvd_server *srv)
{
    if (!srv)
        return RSVD_OK;
    if (srv->depth || srv->open_count || srv->in_flight)
        return RSVD_E_BUSY;
    rsvd_names_fini(srv);
    rsvd_ct_fini(srv);
    rsvd_open_table_fini(srv);
    rsvd_mem_free(srv->mem, srv->pool);
    rsvd_mem_free(srv->mem, srv);
    return RSVD_OK;
}

size_t rsvd_server_open_count(const rsvd_server *srv)
{
    return srv ? srv->open_count : 0;
}

size_t rsvd_server_requests_in_flight(const rsvd_server *srv)
{
    return srv ? srv->in_flight : 0;
}

/* ---- replies ------------------------------------------------------------------ */

void rsvd_srv_fail(rsvd_server *srv, uint16_t command, uint32_t ctl_code, uint32_t status,
                   void *cookie)
{
    rsvd_server_reply reply;
    memset(&reply, 0, sizeof reply);
    reply.cookie = cookie;
    reply.command = command;
    reply.ctl_code = ctl_code;
    reply.status = status;
    rsvd_srv_deliver(srv, &reply);
}

/* ---- the request pool ------------------------------------------------------------ */

rsvd_req *rsvd_srv_req_get(rsvd_server *srv, rsvd_open *open, uint16_t command, void *cookie)
{
    rsvd_req *q = rsvd_srv_req_take(srv, open, (uint32_t)open->local_open - 1u, command, cookie);
    if (!q)
        return NULL;
    q->request_id = 0;
    q->out = NULL;
    q->out_cap = 0;
    q->len = 0;
    q->op_code = 0;
    q->scsi = false;
    q->sink.complete = rsvd_srv_req_complete;
    memset(&q->u, 0, sizeof q->u);
    return q;
}

static void close_enqueue(rsvd_server *srv, rsvd_open *o)
{
    o->close_started = true;
    o->close_next = NULL;
    if (srv->close_tail)
        srv->close_tail->close_next = o;
    else
        srv->close_head = o;
    srv->close_tail = o;
}

void rsvd_srv_close_last(rsvd_server *srv, rsvd_open *o)
{
    if (!o->close_started)
        close_enqueue(srv, o);
}

void rsvd_srv_kick_queues(rsvd_server *srv)
{
    rsvd_aborts_kick(srv);
    while (srv->close_head && srv->free_reqs) {
        rsvd_open *o = srv->close_head;
        srv->close_head = o->close_next;
        if (!srv->close_head)
            srv->close_tail = NULL;
        o->close_next = NULL;
        rsvd_req *q = rsvd_srv_req_get(srv, o, RSVD_SMB2_CLOSE, o->close_cookie);
        rsvd_close_issue(srv, o, q); /* may complete, reply and free o */
    }
}

void rsvd_srv_close_when_idle(rsvd_server *srv, rsvd_open *o)
{
    if (rsvd_open_slot_of(srv, o)->in_flight == 0 && !o->close_started)
        close_enqueue(srv, o);
}

int rsvd_srv_req_complete(rsvd_completion_sink *sink, uint64_t tag, const rsvd_io_result *r)
{
    rsvd_req *q = (rsvd_req *)(void *)sink;
    if (!q->busy || tag != q->gen)
        return RSVD_E_STATE; /* repeated, stale or forged: nothing changes */
    rsvd_server *srv = q->srv;
    q->gen++; /* from here on, the same completion is refused */
    srv->depth++;
    /* A status no backend may hand on (docs/decisions.md): a StatusKey only
     * the server issues, and STATUS_PENDING from a call that has completed.
     * A success is handed on as it came. */
    rsvd_io_result res;
    if (r->status != RSVD_STATUS_SUCCESS &&
        (rsvd_status_stored_inline(r->status) || r->status == RSVD_STATUS_PENDING)) {
        res = *r;
        res.status = RSVD_STATUS_UNSUCCESSFUL;
        r = &res;
    }

    rsvd_server_reply reply;
    memset(&reply, 0, sizeof reply);
    reply.cookie = q->cookie;
    reply.command = q->command;
    reply.ctl_code = q->ctl_code;

    /* The handler the request was issued with (its own file's). */
    const rsvd_step step = q->finish(srv, q, r, &reply);
    if (step == RSVD_STEP_REPLY) {
        rsvd_srv_req_put(srv, q);
        if (rsvd_srv_reply_is_error(&reply)) {
            reply.output = NULL;
            reply.output_len = 0;
            reply.count = 0;
            reply.create_context = NULL;
            reply.create_context_len = 0;
        }
        rsvd_srv_deliver(srv, &reply);
    }
    rsvd_srv_kick(srv);
    srv->depth--;
    return RSVD_OK;
}

bool rsvd_server_reply_is_error(const rsvd_server_reply *reply)
{
    return !reply || rsvd_srv_reply_is_error(reply);
}

rsvd_open *rsvd_srv_find_open(rsvd_server *srv, uint64_t local_open)
{
    rsvd_open_slot *s = rsvd_open_slot_find(srv, local_open);
    return s && s->state == RSVD_OPEN_OPEN ? s->open : NULL;
}
