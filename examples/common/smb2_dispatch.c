/*
 * Integrator template: an SMB2 server's dispatch with librsvd in it (see
 * smb2_dispatch.h for the routing rules).
 *
 * Reading guide: smb2_dispatch_receive() decodes the SMB2 header, finds the
 * request's session and tree connect, and calls one on_<command>() function
 * per command; each either answers at once
 * (answer(), fail()) or hands the request to the RSVD server, whose reply
 * callback (rsvd_reply()) finishes it. The request, with a copy of its
 * bytes and the buffers the RSVD server writes into, lives in a pool entry
 * (srv_req) until its answer is sent, so any backend may complete later.
 */
#include "smb2_dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>
#include <rsvd/wire_smb2.h>

/* Connection.MaxTransactSize / MaxReadSize / MaxWriteSize of this server. */
#define MAX_TRANSACT SMB2_DISPATCH_MAX_TRANSACT
/* The longest message: a header, a fixed part and MAX_TRANSACT bytes. */
#define MSG_MAX (MAX_TRANSACT + 256u)
/* Requests in progress at once (waiting for a backend included). */
#define REQ_POOL 16u
/* The longest file name kept, in UTF-16 code units. */
#define NAME_MAX_UNITS 128u
/* Credits granted per response at most ([MS-SMB2] 3.3.1.2). */
#define CREDITS_MAX 64u

/* What a cookie handed to the RSVD server points to. */
typedef enum cookie_kind {
    COOKIE_REQ = 1, /* an srv_req: a request from a client */
    COOKIE_OPEN = 2 /* an srv_open: a close the resilient server decided */
} cookie_kind;

/* The host's object of one SMB2 Open (open_user_data in the resilient
 * server). Which one is it? shared_disk says. */
typedef struct srv_open {
    cookie_kind kind; /* COOKIE_OPEN */
    smb2_dispatch *srv;
    bool shared_disk;
    uint64_t local_open;    /* shared disk: the RSVD server's LocalOpen */
    file_handle *file;      /* plain file: Open.LocalOpen in the file table */
    uint64_t persistent_id; /* FileId.Persistent (names the open in rsvd_res_server) */
    uint8_t name[2 * NAME_MAX_UNITS]; /* Open.FileName, UTF-16LE as sent */
    size_t name_len;
    char ascii[NAME_MAX_UNITS + 1]; /* the same, for logs and the file table */
    uint8_t oplock;                 /* the oplock granted ([MS-SMB2] 3.3.5.9) */
    rsvd_res_close_reason reason;   /* a close the resilient server decided */
    void *conn_ctx;                 /* ... on this connection (for the log) */
} srv_open;

/* A tree connect the host set up ([MS-SMB2] 3.3.5.7). */
typedef struct conn_tree {
    bool used;
    uint32_t tree_id; /* TreeId the host gave it */
    uint64_t handle;  /* the tree connect in rsvd_res_server */
} conn_tree;

/* A session the host set up ([MS-SMB2] 3.3.5.5), with its tree connects. */
typedef struct conn_session {
    bool used;
    uint64_t session_id; /* SessionId the host gave it */
    uint64_t handle;     /* the session in rsvd_res_server */
    conn_tree trees[SMB2_DISPATCH_TREES_MAX];
} conn_session;

struct smb2_dispatch_conn {
    smb2_dispatch *srv;
    smb2_dispatch_conn *prev, *next; /* the dispatch's live connections */
    uint64_t handle;                 /* the connection in rsvd_res_server */
    conn_session sessions[SMB2_DISPATCH_SESSIONS_MAX];
    void *conn_ctx;
    bool alive;
    uint32_t pending; /* pool entries that still name this connection */
};

/* One request in progress. */
typedef struct srv_req {
    cookie_kind kind; /* COOKIE_REQ */
    bool in_use;
    smb2_dispatch *srv;
    smb2_dispatch_conn *conn;
    rsvd_res_server_ctx ctx;  /* its connection, session and tree in rsvd_res_server */
    rsvd_smb2_hdr hdr;        /* the request's header */
    uint16_t credits;         /* CreditResponse of the answer */
    uint16_t close_flags;     /* CLOSE: the request's Flags */
    srv_open *open;           /* the open it works on */
    rsvd_smb2_fileid file_id; /* the request's FileId (IOCTL responses echo it) */
    uint32_t ctl_code;        /* IOCTL */
    bool async;               /* its interim response went out ([MS-SMB2] 3.3.4.2) */
    uint64_t async_id;        /* ... with this AsyncId */
    rsvd_res_lock_op lock;    /* LOCK: between lock_begin and lock_end */
    rsvd_res_create_op cop;   /* CREATE: between create_begin and create_end */
    rsvd_res_request rq;      /* a request on an open: its channel sequence count */
    bool counted;             /* rq is to be ended when the answer goes out */
    uint32_t lookup_status;   /* why lookup() found no open */
    size_t len;
    uint8_t msg[MSG_MAX];     /* the request (WRITE data and IOCTL input are views into it) */
    uint8_t out[MAX_TRANSACT]; /* READ data, IOCTL output */
    uint8_t cc[RSVD_SERVER_CREATE_CONTEXT_MAX]; /* the SVHDX response context */
    uint8_t rsp[MSG_MAX];     /* the response being built */
} srv_req;

struct smb2_dispatch {
    smb2_dispatch_config cfg;
    rsvd_server *rsvd;    /* MS-RSVD: the shared-disk opens */
    rsvd_res_server *res; /* MS-SMB2: every open's FileId, resiliency */
    srv_req *pool;
    smb2_dispatch_conn *conns; /* live connections (for PreviousSessionId) */
    uint64_t next_async_id;
    smb2_dispatch_stats stats;
};

static uint64_t now_ms(const smb2_dispatch *srv)
{
    return srv->cfg.now_ms(srv->cfg.ctx);
}

/* FILETIME (100 ns since 1601) of the host's clock, which counts from 1970. */
static uint64_t filetime(const smb2_dispatch *srv)
{
    return (now_ms(srv) + 11644473600000ull) * 10000u;
}

/* ---- the request pool ----------------------------------------------------- */

static srv_req *req_get(smb2_dispatch *srv, smb2_dispatch_conn *conn)
{
    for (size_t i = 0; i < REQ_POOL; i++) {
        srv_req *r = &srv->pool[i];
        if (!r->in_use) {
            r->in_use = true;
            r->kind = COOKIE_REQ;
            r->srv = srv;
            r->conn = conn;
            r->open = NULL;
            r->counted = false;
            r->async = false;
            conn->pending++;
            srv->stats.pending++;
            return r;
        }
    }
    return NULL;
}

static void req_put(srv_req *r)
{
    smb2_dispatch_conn *conn = r->conn;
    r->in_use = false;
    r->srv->stats.pending--;
    if (--conn->pending == 0 && !conn->alive)
        free(conn); /* lost while this request waited for its backend */
}

/* ---- answers -------------------------------------------------------------- */

/* The header of an answer ([MS-SMB2] 3.3.4.1): the request's, with
 * SMB2_FLAGS_SERVER_TO_REDIR, the status and the credits granted, unsigned
 * (a host that signs does it in its send callback). */
static rsvd_smb2_hdr answer_hdr(const srv_req *r, uint32_t status)
{
    rsvd_smb2_hdr h = r->hdr;
    h.flags = RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    h.status = status;
    h.credit = r->credits;
    if (r->async) { /* [MS-SMB2] 3.3.4.2: the interim granted the credits */
        h.flags |= RSVD_SMB2_FLAGS_ASYNC_COMMAND;
        h.async_id = r->async_id;
        h.credit = 0;
    }
    h.next_command = 0;
    memset(h.signature, 0, sizeof h.signature);
    return h;
}

/* Sends the @p len bytes built in r->rsp and ends the request. */
static void answer(srv_req *r, size_t len)
{
    smb2_dispatch *srv = r->srv;
    if (r->counted) { /* [MS-SMB2] 3.3.4.1: the response takes its count back */
        (void)rsvd_res_server_request_end(srv->res, &r->rq);
        r->counted = false;
    }
    srv->stats.responses++;
    if (r->conn->alive) /* an answer for a lost connection goes nowhere */
        srv->cfg.send(srv->cfg.ctx, r->conn->conn_ctx, r->rsp, len);
    req_put(r);
}

/* Fails the request with @p status: an SMB2 ERROR response ([MS-SMB2] 3.3.4.4). */
static void fail(srv_req *r, uint32_t status)
{
    rsvd_smb2_hdr h = r->hdr;
    if (r->async) { /* the final response of an interim one: its AsyncId */
        h.flags |= RSVD_SMB2_FLAGS_ASYNC_COMMAND;
        h.async_id = r->async_id;
    }
    size_t len = 0;
    if (rsvd_smb2_error_response_build(&h, status, r->credits, r->rsp, sizeof r->rsp, &len) !=
        RSVD_OK)
        abort(); /* 64 + 9 bytes always fit */
    answer(r, len);
}

/* [MS-SMB2] 3.3.4.2: the RSVD server handed an asynchronous tunnel request
 * to its disk: the interim response goes now - STATUS_PENDING, the ASYNC
 * header with a new AsyncId, the credits granted - and the final response
 * later carries the same AsyncId. */
static void rsvd_interim(void *ctx, void *cookie)
{
    smb2_dispatch *srv = ctx;
    srv_req *r = cookie;
    if (r->kind != COOKIE_REQ || r->async)
        return;
    r->async = true;
    r->async_id = ++srv->next_async_id;
    rsvd_smb2_hdr h = r->hdr;
    h.flags |= RSVD_SMB2_FLAGS_ASYNC_COMMAND;
    h.async_id = r->async_id;
    uint8_t rsp[RSVD_SMB2_HEADER_SIZE + RSVD_SMB2_ERROR_STRUCTURE_SIZE];
    size_t len = 0;
    if (rsvd_smb2_error_response_build(&h, RSVD_STATUS_PENDING, 0, rsp, sizeof rsp, &len) !=
        RSVD_OK)
        abort();
    /* The builder gives an async response 0 credits; the interim grants
     * them (CreditResponse is at offset 14). */
    rsvd_wr w;
    rsvd_wr_init(&w, rsp, len);
    (void)rsvd_wr_take(&w, 14);
    rsvd_wr_u16(&w, r->credits);
    srv->stats.interims++;
    if (r->conn->alive)
        srv->cfg.send(srv->cfg.ctx, r->conn->conn_ctx, rsp, len);
}

static uint64_t rsvd_wall_clock(void *ctx)
{
    return now_ms(ctx);
}

/* Sends what an encoder built: @p rc its result, *len the length it
 * stored (read only after the encoder ran). A failure is a bug here. */
static void answer_encoded(srv_req *r, int rc, const size_t *len)
{
    if (rc != RSVD_OK) {
        fprintf(stderr, "server: cannot encode a response: %s\n", rsvd_strerror(rc));
        abort();
    }
    answer(r, *len);
}

/* After handing a request to the RSVD server: RSVD_OK means that exactly one
 * reply comes for it (it may already have come: @p r must not be touched
 * then); anything else is a bug of this host (a NULL, a buffer too small)
 * and no reply follows. */
static void handed(srv_req *r, int rc)
{
    if (rc == RSVD_OK)
        return;
    fprintf(stderr, "server: the RSVD server refused a call: %s\n", rsvd_error_name(rc));
    fail(r, RSVD_STATUS_INVALID_PARAMETER);
}

/* ---- opens ------------------------------------------------------------------ */

static srv_open *open_new(smb2_dispatch *srv, bool shared_disk, const uint8_t *name, size_t len)
{
    if (len > sizeof((srv_open *)0)->name)
        return NULL;
    srv_open *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->kind = COOKIE_OPEN;
    o->srv = srv;
    o->shared_disk = shared_disk;
    memcpy(o->name, name, len);
    o->name_len = len;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned c = (unsigned)name[2 * i] | (unsigned)name[2 * i + 1] << 8;
        o->ascii[i] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
    }
    return o;
}

/* Finds the open a request names: [MS-SMB2] 3.3.5.x "look up the Open in
 * Session.OpenTable by FileId.Volatile and compare FileId.Persistent" - the
 * resilient server is that table -, then verifies the channel sequence
 * (3.3.5.2.10) and counts the request until its answer (answer()). NULL:
 * fail with r->lookup_status (STATUS_FILE_CLOSED, STATUS_FILE_NOT_AVAILABLE). */
static srv_open *lookup(srv_req *r, const rsvd_smb2_fileid *fid)
{
    if (rsvd_res_server_request_begin(r->srv->res, &r->ctx, &r->hdr, fid, &r->rq) != RSVD_OK) {
        r->lookup_status = RSVD_STATUS_FILE_CLOSED;
        return NULL;
    }
    r->counted = true;
    r->lookup_status = r->rq.status;
    if (r->rq.status != RSVD_STATUS_SUCCESS)
        return NULL;
    r->file_id = *fid;
    return r->rq.open_user_data;
}

/* ---- CREATE ----------------------------------------------------------------- */

/* The CREATE response ([MS-SMB2] 2.2.14), with the SVHDX response context
 * when the RSVD server built one and the durable one when the resilient
 * server granted durability (r->cop.rsp_context). */
static void create_answer(srv_req *r, srv_open *o, rsvd_smb2_fileid fid, uint32_t action,
                          const uint8_t *ctx, uint32_t ctx_len)
{
    smb2_dispatch *srv = r->srv;
    uint8_t chain[RSVD_SERVER_CREATE_CONTEXT_MAX + 64];
    size_t chain_len = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    if (ctx_len && rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT,
                                            RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT_LEN, ctx,
                                            ctx_len) != RSVD_OK)
        abort();
    if (r->cop.rsp_context &&
        rsvd_smb2_cc_builder_add(&b, r->cop.rsp_context, RSVD_SMB2_CC_TAG_LEN,
                                 r->cop.rsp_context_data, r->cop.rsp_context_len) != RSVD_OK)
        abort();
    if (rsvd_smb2_cc_builder_finish(&b, &chain_len) != RSVD_OK)
        abort();
    rsvd_smb2_create_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = answer_hdr(r, RSVD_STATUS_SUCCESS);
    m.oplock_level = o->oplock;
    m.create_action = action;
    m.creation_time = m.last_access_time = m.last_write_time = m.change_time = filetime(srv);
    if (!o->shared_disk)
        m.end_of_file = m.allocation_size = file_handle_size(o->file);
    m.file_attributes = 0x20; /* FILE_ATTRIBUTE_ARCHIVE */
    m.file_id = fid;
    m.create_contexts = chain_len ? chain : NULL;
    m.create_contexts_length = (uint32_t)chain_len;
    size_t len = 0;
    answer_encoded(r, rsvd_smb2_create_rsp_encode(&m, r->rsp, sizeof r->rsp, &len), &len);
}

/* "Successful Open Initialization" ([MS-SMB2] 3.3.5.9): the open joins the
 * SMB2 open table, which gives it its FileId and decides whether it is
 * durable or persistent from what was granted (create_end): a DHnQ, or a
 * DH2Q without PERSISTENT, with the batch oplock this server grants
 * (3.3.5.9.6, 3.3.5.9.10); a DH2Q with PERSISTENT on its continuously
 * available share. */
static bool open_register(srv_req *r, srv_open *o, rsvd_smb2_fileid *fid)
{
    if (!r->conn->alive)
        return false;
    rsvd_res_create_grant g = RSVD_STRUCT_INIT(rsvd_res_create_grant);
    g.status = RSVD_STATUS_SUCCESS;
    g.flags = o->shared_disk ? RSVD_RES_GRANT_SHARED_VHDX : 0;
    g.open_user_data = o;
    g.oplock_level = o->oplock;
    g.granted_access = 0x0012019Fu;
    g.create_action = RSVD_FILE_OPENED;
    if (rsvd_res_server_create_end(r->srv->res, &r->ctx, r->msg, r->len, &g, now_ms(r->srv),
                                   &r->cop) != RSVD_OK ||
        r->cop.status != RSVD_STATUS_SUCCESS)
        return false;
    *fid = r->cop.file_id;
    o->persistent_id = fid->persistent_id;
    o->conn_ctx = r->conn->conn_ctx;
    return true;
}

/* A reconnect or a replay the resilient server bound to this session ends:
 * kept when @p status is STATUS_SUCCESS, put back otherwise. */
static void reclaim_answer(srv_req *r, uint32_t status)
{
    rsvd_res_create_grant g = RSVD_STRUCT_INIT(rsvd_res_create_grant);
    g.status = status;
    if (rsvd_res_server_create_end(r->srv->res, &r->ctx, r->msg, r->len, &g, now_ms(r->srv),
                                   &r->cop) != RSVD_OK) {
        fail(r, RSVD_STATUS_OBJECT_NAME_NOT_FOUND); /* lost meanwhile */
        return;
    }
    if (r->cop.status != RSVD_STATUS_SUCCESS) {
        fail(r, r->cop.status);
        return;
    }
    srv_open *o = r->cop.open_user_data;
    o->conn_ctx = r->conn->conn_ctx;
    create_answer(r, o, r->cop.file_id, r->cop.create_action, NULL, 0);
}

/* A new open meets @p holder's batch oplock: if the holder is detached, the
 * break cannot reach it, and the library closes it when it is a durable
 * open that is neither resilient nor persistent. @return true if it was
 * closed. */
static bool batch_holder_gone(smb2_dispatch *srv, const srv_open *holder)
{
    rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
    bool closed = false;
    return rsvd_res_server_open_info(srv->res, holder->persistent_id, &info) == RSVD_OK &&
           info.state == RSVD_RES_OPEN_DETACHED &&
           rsvd_res_server_durability_event(srv->res, holder->persistent_id,
                                            RSVD_RES_EVENT_BREAK, &closed) == RSVD_OK &&
           closed;
}

static void on_create(srv_req *r)
{
    smb2_dispatch *srv = r->srv;
    rsvd_smb2_create_req q;
    if (rsvd_smb2_create_req_decode(r->msg, r->len, &q) != RSVD_OK) {
        fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }

    /* 1. The resilient server's half of the CREATE ([MS-SMB2] 3.3.5.9): the
     * contexts, a reconnect (DHnC, DH2C: 3.3.5.9.7, 3.3.5.9.12) or a replay
     * finds its open and binds it to this session; a collision with a
     * detached persistent open, a CreateGuid in use, a malformed context
     * fail the CREATE. */
    int rc = rsvd_res_server_create_begin(srv->res, &r->ctx, r->msg, r->len, NULL, now_ms(srv),
                                          &r->cop);
    if (rc != RSVD_OK) {
        fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    if (r->cop.action == RSVD_RES_CREATE_FAIL) {
        fail(r, r->cop.status);
        return;
    }
    if (r->cop.action == RSVD_RES_CREATE_RECLAIM) {
        srv_open *o = r->cop.open_user_data;
        if (r->cop.shared_vhdx) {
            /* A persistent shared-disk open: its RSVD Open kept its
             * InitiatorId, sense errors and the backend handle that holds
             * its reservation; [MS-RSVD] 3.2.5.1's reconnect path finds it
             * by LocalOpen, with or without an SVHDX context. */
            r->open = o;
            rsvd_server_create_req cr = {.local_open = o->local_open,
                                         .file_name = q.name,
                                         .file_name_len = q.name_length,
                                         .create_options = q.create_options};
            handed(r, rsvd_server_create(srv->rsvd, &cr, r)); /* create_rsvd_done() */
            return;
        }
        /* The open kept its Open.LocalOpen while it was detached: nothing
         * else to do. */
        reclaim_answer(r, RSVD_STATUS_SUCCESS);
        return;
    }

    /* 2. [MS-SMB2] 3.3.5.9.14: an SVHDX_OPEN_DEVICE_CONTEXT on a name that
     * ends with ":SharedVirtualDisk" is an open of a shared virtual disk: it
     * goes to MS-RSVD 3.2.5.1 with the name, CreateOptions and the context. */
    rsvd_smb2_cc cc, ea;
    bool svhdx = rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length,
                                   RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT,
                                   RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT_LEN, &cc) == RSVD_OK;
    bool suffix = rsvd_utf16le_ends_with_ascii(q.name, q.name_length,
                                               RSVD_SHARED_VIRTUAL_DISK_SUFFIX);
    /* [MS-SMB2] 3.3.5.9.1: an SMB2_CREATE_EA_BUFFER on such a name is an
     * open with a target specifier (MS-RSVD 3.2.5.7): one snapshot. */
    bool target = !svhdx && suffix &&
                  rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length,
                                    RSVD_SMB2_CC_EA_BUFFER, RSVD_SMB2_CC_TAG_LEN, &ea) == RSVD_OK;
    srv_open *o = open_new(srv, (svhdx || target) && suffix, q.name, q.name_length);
    if (!o) {
        fail(r, RSVD_STATUS_OBJECT_NAME_INVALID);
        return;
    }
    r->open = o;
    if (target) {
        rsvd_server_target_create_req tr = RSVD_STRUCT_INIT(rsvd_server_target_create_req);
        tr.file_name = q.name;
        tr.file_name_len = q.name_length;
        tr.create_options = q.create_options;
        tr.ea_buffer = ea.data;
        tr.ea_buffer_len = ea.data_length;
        rc = rsvd_server_create_target(srv->rsvd, &tr, r); /* finished in create_rsvd_done() */
        if (rc != RSVD_OK)
            free(o);
        handed(r, rc);
        return;
    }
    if (svhdx && suffix) {
        rsvd_server_create_req cr = {.file_name = q.name,
                                     .file_name_len = q.name_length,
                                     .create_options = q.create_options,
                                     .context = cc.data,
                                     .context_len = cc.data_length,
                                     .response_context = r->cc,
                                     .response_context_cap = sizeof r->cc};
        rc = rsvd_server_create(srv->rsvd, &cr, r); /* finished in create_rsvd_done() */
        if (rc != RSVD_OK)
            free(o);
        handed(r, rc);
        return;
    }
    rsvd_svhdx_open_device_context c;
    if (svhdx && rsvd_svhdx_open_device_context_v1_decode(cc.data, cc.data_length, &c) == RSVD_OK &&
        c.originator_flags == RSVD_SVHDX_ORIGINATOR_VHDMP) {
        free(o); /* 3.3.5.9.14: VHDMP without the suffix */
        fail(r, RSVD_STATUS_VHD_SHARED);
        return;
    }

    /* 3. A plain file: the file table is Open.LocalOpen. It breaks no
     * oplock (a server that does sends the break and waits for it,
     * examples/rsvd-target/cmd_create.c): a batch oplock that is held keeps
     * other opens out, unless its holder is a detached durable open, which
     * a break that cannot reach it ends ([MS-SMB2] 3.3.4.6). */
    srv_open *holder = file_table_batch_owner(srv->cfg.files, o->ascii);
    if (holder && !batch_holder_gone(srv, holder)) {
        free(o);
        fail(r, RSVD_STATUS_SHARING_VIOLATION);
        return;
    }
    uint32_t st = file_table_open(srv->cfg.files, o->ascii, q.create_disposition, &o->file);
    /* "Oplock Acquisition": a batch oplock to the only open of a file that
     * asks (what makes a DHnQ or DH2Q durable). */
    if (st == RSVD_STATUS_SUCCESS && q.requested_oplock_level == RSVD_SMB2_OPLOCK_LEVEL_BATCH &&
        file_table_grant_batch(o->file, o))
        o->oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    rsvd_smb2_fileid fid;
    if (st == RSVD_STATUS_SUCCESS && !open_register(r, o, &fid)) {
        file_table_close(o->file);
        st = RSVD_STATUS_INSUFFICIENT_RESOURCES;
    }
    if (st != RSVD_STATUS_SUCCESS) {
        free(o);
        fail(r, st);
        return;
    }
    create_answer(r, o, fid, RSVD_FILE_OPENED, NULL, 0);
}

static void create_rsvd_done(srv_req *r, const rsvd_server_reply *rep)
{
    srv_open *o = r->open;
    if (r->cop.action == RSVD_RES_CREATE_RECLAIM) {
        /* [MS-RSVD] 3.2.5.1 found the Open (or STATUS_INVALID_HANDLE): the
         * reclaim is kept or put back. */
        reclaim_answer(r, rep->status);
        return;
    }
    if (rep->status != RSVD_STATUS_SUCCESS) {
        free(o);
        fail(r, rep->status);
        return;
    }
    o->local_open = rep->local_open;
    rsvd_smb2_fileid fid;
    if (!open_register(r, o, &fid)) {
        /* The SMB2 layer cannot take the open (its connection was lost while
         * the backend opened, a limit, a store that failed): undo it in the
         * RSVD server. */
        (void)rsvd_server_close(r->srv->rsvd, o->local_open, o);
        fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    create_answer(r, o, fid, RSVD_FILE_OPENED, rep->create_context, rep->create_context_len);
}

/* ---- READ and WRITE ----------------------------------------------------------- */

static void read_answer(srv_req *r, uint32_t status, const uint8_t *data, uint32_t n)
{
    if (status != RSVD_STATUS_SUCCESS) {
        fail(r, status);
        return;
    }
    rsvd_smb2_read_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = answer_hdr(r, status);
    m.data_offset = RSVD_SMB2_READ_RSP_BUFFER_OFFSET;
    m.data_length = n;
    m.data = n ? data : NULL;
    size_t len = 0;
    answer_encoded(r, rsvd_smb2_read_rsp_encode(&m, r->rsp, sizeof r->rsp, &len), &len);
}

static void on_read(srv_req *r)
{
    rsvd_smb2_read_req q;
    if (rsvd_smb2_read_req_decode(r->msg, r->len, &q) != RSVD_OK || q.length > MAX_TRANSACT) {
        fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    srv_open *o = r->open = lookup(r, &q.file_id);
    if (!o) {
        fail(r, r->lookup_status);
        return;
    }
    if (o->shared_disk) {
        rsvd_server_read_req rq = {o->local_open, q.offset, q.length, r->out};
        handed(r, rsvd_server_read(r->srv->rsvd, &rq, r));
        return;
    }
    uint32_t got = 0;
    uint32_t st = file_table_read(o->file, q.offset, r->out, q.length, &got);
    read_answer(r, st, r->out, got);
}

static void write_answer(srv_req *r, uint32_t status, uint32_t count)
{
    if (status != RSVD_STATUS_SUCCESS) {
        fail(r, status);
        return;
    }
    rsvd_smb2_write_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = answer_hdr(r, status);
    m.count = count;
    size_t len = 0;
    answer_encoded(r, rsvd_smb2_write_rsp_encode(&m, r->rsp, sizeof r->rsp, &len), &len);
}

static void on_write(srv_req *r)
{
    rsvd_smb2_write_req q;
    if (rsvd_smb2_write_req_decode(r->msg, r->len, &q) != RSVD_OK) {
        fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    srv_open *o = r->open = lookup(r, &q.file_id);
    if (!o) {
        fail(r, r->lookup_status);
        return;
    }
    if (o->shared_disk) {
        /* The data stays in r->msg until the reply: no copy. */
        rsvd_server_write_req wq = {o->local_open, q.offset, q.length, q.data};
        handed(r, rsvd_server_write(r->srv->rsvd, &wq, r));
        return;
    }
    uint32_t st = file_table_write(o->file, q.offset, q.data, q.length);
    write_answer(r, st, st == RSVD_STATUS_SUCCESS ? q.length : 0);
}

/* ---- IOCTL -------------------------------------------------------------------- */

static void ioctl_answer(srv_req *r, const rsvd_server_reply *rep)
{
    /* [MS-SMB2] 3.3.4.4: an error gets an ERROR response; anything else
     * (success, or a partial STATUS_BUFFER_OVERFLOW) the IOCTL response. */
    if (rsvd_server_reply_is_error(rep)) {
        fail(r, rep->status);
        return;
    }
    const uint32_t n = rep->output_len;
    const uint8_t *out = rep->output;
    rsvd_smb2_ioctl_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = answer_hdr(r, rep->status);
    m.ctl_code = r->ctl_code;
    m.file_id = r->file_id;
    /* [MS-SMB2] 3.3.5.15: InputOffset at Buffer, no input echoed, the output
     * at InputOffset + InputCount rounded up to 8. */
    m.input_offset = RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET;
    m.output_offset = RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET;
    m.output_count = n;
    m.output = n ? out : NULL;
    size_t len = 0;
    answer_encoded(r, rsvd_smb2_ioctl_rsp_encode(&m, r->rsp, sizeof r->rsp, &len), &len);
}

static void on_ioctl(srv_req *r)
{
    smb2_dispatch *srv = r->srv;

    /* FSCTL_LMR_REQUEST_RESILIENCY belongs to the SMB2 layer ([MS-SMB2]
     * 3.3.5.15.9): the resilient server checks it and writes the whole
     * answer, success or error. Any other code comes back as
     * RSVD_E_WIRE_COMMAND and is ours. */
    size_t n = 0;
    uint32_t st = 0;
    int rc = rsvd_res_server_ioctl(srv->res, &r->ctx, r->msg, r->len, r->rsp,
                                   sizeof r->rsp, &n, &st);
    if (rc == RSVD_OK) {
        answer(r, n);
        return;
    }
    rsvd_smb2_ioctl_req q;
    if (rc != RSVD_E_WIRE_COMMAND || rsvd_smb2_ioctl_req_decode(r->msg, r->len, &q) != RSVD_OK) {
        fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    r->ctl_code = q.ctl_code;
    /* [MS-SMB2] 3.3.5.15, in its order. */
    if (q.flags != RSVD_SMB2_0_IOCTL_IS_FSCTL) {
        fail(r, RSVD_STATUS_NOT_SUPPORTED);
        return;
    }
    srv_open *o = r->open = lookup(r, &q.file_id);
    if (!o) {
        fail(r, r->lookup_status);
        return;
    }
    if (q.input_count > MAX_TRANSACT || q.max_input_response > MAX_TRANSACT ||
        q.max_output_response > MAX_TRANSACT) {
        fail(r, RSVD_STATUS_INVALID_PARAMETER); /* over Connection.MaxTransactSize */
        return;
    }
    switch (q.ctl_code) {
    case RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT: {
        /* [MS-SMB2] 3.3.5.15.16: on any open, with Open.LocalOpen (0: not
         * an RSVD open) and Open.FileName. */
        rsvd_server_query_support_req qs = {o->shared_disk ? o->local_open : 0, o->name,
                                            o->name_len, q.max_output_response, r->out};
        handed(r, rsvd_server_query_support(srv->rsvd, &qs, r));
        return;
    }
    case RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST:
    case RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST:
        if (!o->shared_disk) { /* [MS-SMB2] 3.3.5.15.15: Open.IsSharedVHDX FALSE */
            fail(r, RSVD_STATUS_INVALID_DEVICE_REQUEST);
            return;
        }
        break;
    default:
        if (!o->shared_disk) { /* the file table knows no FSCTL */
            fail(r, RSVD_STATUS_INVALID_DEVICE_REQUEST);
            return;
        }
        break;
    }
    /* [MS-SMB2] 3.3.5.2.12: on a shared-disk open the RSVD server answers
     * (tunnel operations, OFFLOAD_READ/WRITE, pass-through FSCTLs). */
    rsvd_server_ioctl_req iq = {o->local_open, q.ctl_code, q.input, q.input_count,
                                q.max_output_response, r->out};
    handed(r, rsvd_server_ioctl(srv->rsvd, &iq, r));
}

/* ---- LOCK --------------------------------------------------------------------- */

/* The one place where a LOCK ends: the lock sequence is recorded here, and
 * only here, with the final status ([MS-SMB2] 3.3.5.14.1/.2: only after the
 * whole request succeeded - rsvd_res_server_lock_end() decides). */
static void lock_finish(srv_req *r, uint32_t status)
{
    (void)rsvd_res_server_lock_end(r->srv->res, &r->lock, status);
    if (status != RSVD_STATUS_SUCCESS) {
        fail(r, status);
        return;
    }
    rsvd_smb2_lock_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = answer_hdr(r, status);
    size_t len = 0;
    answer_encoded(r, rsvd_smb2_lock_rsp_encode(&m, r->rsp, sizeof r->rsp, &len), &len);
}

static void on_lock(srv_req *r)
{
    /* [MS-SMB2] 3.3.5.14: the open and the lock sequence check first. */
    int rc = rsvd_res_server_lock_begin(r->srv->res, &r->ctx, r->msg, r->len, &r->lock);
    if (rc != RSVD_OK) {
        fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    switch (r->lock.action) {
    case RSVD_RES_LOCK_REPLAY: /* applied before: success, lock nothing */
        lock_finish(r, RSVD_STATUS_SUCCESS);
        return;
    case RSVD_RES_LOCK_FAIL:
        fail(r, r->lock.status);
        return;
    case RSVD_RES_LOCK_PROCESS:
        break;
    }
    srv_open *o = r->open = r->lock.open_user_data;
    if (o->shared_disk) {
        /* MS-RSVD 3.2.4: STATUS_LOCK_NOT_GRANTED, from the reply. */
        handed(r, rsvd_server_lock(r->srv->rsvd, o->local_open, r));
        return;
    }
    lock_finish(r, file_table_lock(o->file, &r->lock.req));
}

/* ---- CLOSE -------------------------------------------------------------------- */

static void close_answer(srv_req *r, uint32_t status, uint64_t size)
{
    if (status != RSVD_STATUS_SUCCESS) {
        fail(r, status);
        return;
    }
    rsvd_smb2_close_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = answer_hdr(r, status);
    if (r->close_flags & RSVD_SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB) {
        m.flags = RSVD_SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB;
        m.creation_time = m.last_access_time = m.last_write_time = m.change_time =
            filetime(r->srv);
        m.allocation_size = m.end_of_file = size;
        m.file_attributes = 0x20;
    }
    size_t len = 0;
    answer_encoded(r, rsvd_smb2_close_rsp_encode(&m, r->rsp, sizeof r->rsp, &len), &len);
}

static void on_close(srv_req *r)
{
    rsvd_smb2_close_req q;
    if (rsvd_smb2_close_req_decode(r->msg, r->len, &q) != RSVD_OK) {
        fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    srv_open *o = lookup(r, &q.file_id);
    if (!o) {
        fail(r, r->lookup_status);
        return;
    }
    r->close_flags = q.flags;
    /* The SMB2 open table forgets the open (no close_open callback for a
     * close the host asked for), then the open is closed where it lives. */
    (void)rsvd_res_server_open_close(r->srv->res, o->persistent_id);
    if (o->shared_disk) {
        r->open = o;
        handed(r, rsvd_server_close(r->srv->rsvd, o->local_open, r)); /* MS-RSVD 3.2.5.2 */
        return;
    }
    uint64_t size = file_handle_size(o->file);
    file_table_close(o->file);
    free(o);
    close_answer(r, RSVD_STATUS_SUCCESS, size);
}

/* ---- QUERY_INFO and SET_INFO ---------------------------------------------------- */

static void on_query_info(srv_req *r)
{
    rsvd_smb2_query_info_req q;
    if (rsvd_smb2_query_info_req_decode(r->msg, r->len, &q) != RSVD_OK ||
        q.output_buffer_length > MAX_TRANSACT) {
        fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    srv_open *o = r->open = lookup(r, &q.file_id);
    if (!o) {
        fail(r, r->lookup_status);
        return;
    }
    if (!o->shared_disk) {
        fail(r, RSVD_STATUS_NOT_SUPPORTED);
        return;
    }
    rsvd_server_query_info_req iq = {o->local_open, q.info_type, q.file_info_class,
                                     q.output_buffer_length, r->out};
    handed(r, rsvd_server_query_info(r->srv->rsvd, &iq, r)); /* MS-RSVD 3.2.5.8 */
}

static void on_set_info(srv_req *r)
{
    rsvd_smb2_set_info_req q;
    if (rsvd_smb2_set_info_req_decode(r->msg, r->len, &q) != RSVD_OK) {
        fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    srv_open *o = r->open = lookup(r, &q.file_id);
    if (!o) {
        fail(r, r->lookup_status);
        return;
    }
    if (!o->shared_disk) {
        fail(r, RSVD_STATUS_NOT_SUPPORTED);
        return;
    }
    rsvd_server_set_info_req sq = {o->local_open, q.info_type, q.file_info_class, q.buffer,
                                   q.buffer_length};
    handed(r, rsvd_server_set_info(r->srv->rsvd, &sq, r)); /* MS-RSVD 3.2.5.9 */
}

/* ---- the RSVD server's replies ---------------------------------------------------- */

static void emit_closed(smb2_dispatch *srv, srv_open *o, uint32_t status)
{
    if (!srv->cfg.event)
        return;
    smb2_dispatch_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SMB2_DISPATCH_EV_CLOSED;
    ev.reason = o->reason;
    ev.shared_disk = o->shared_disk;
    ev.name = o->ascii;
    ev.status = status;
    ev.conn_ctx = o->conn_ctx;
    srv->cfg.event(srv->cfg.ctx, &ev);
}

static void rsvd_reply(void *ctx, const rsvd_server_reply *rep)
{
    smb2_dispatch *srv = ctx;
    /* Both kinds of cookie start with their cookie_kind. */
    if (*(const cookie_kind *)rep->cookie == COOKIE_OPEN) {
        /* A close the resilient server decided, or the undoing of a CREATE
         * the SMB2 layer could not register: no SMB2 answer. */
        srv_open *o = rep->cookie;
        if (o->reason)
            emit_closed(srv, o, rep->status);
        free(o);
        return;
    }
    srv_req *r = rep->cookie;
    switch (rep->command) {
    case RSVD_SMB2_CREATE:
        create_rsvd_done(r, rep);
        break;
    case RSVD_SMB2_READ:
        read_answer(r, rep->status, rep->output, rep->output_len);
        break;
    case RSVD_SMB2_WRITE:
        write_answer(r, rep->status, rep->count);
        break;
    case RSVD_SMB2_IOCTL:
        ioctl_answer(r, rep);
        break;
    case RSVD_SMB2_LOCK:
        lock_finish(r, rep->status);
        break;
    case RSVD_SMB2_CLOSE:
        free(r->open); /* MS-RSVD 3.2.5.2 freed its Open whatever the status */
        close_answer(r, rep->status, 0);
        break;
    case RSVD_SMB2_QUERY_INFO: {
        if (rsvd_server_reply_is_error(rep)) { /* [MS-SMB2] 3.3.4.4 */
            fail(r, rep->status);
            break;
        }
        rsvd_smb2_query_info_rsp m;
        memset(&m, 0, sizeof m);
        m.hdr = answer_hdr(r, rep->status);
        m.output_buffer_offset = RSVD_SMB2_QUERY_INFO_RSP_BUFFER_OFFSET;
        m.output_buffer_length = rep->output_len;
        m.output = rep->output_len ? rep->output : NULL;
        size_t len = 0;
        answer_encoded(r, rsvd_smb2_query_info_rsp_encode(&m, r->rsp, sizeof r->rsp, &len), &len);
        break;
    }
    case RSVD_SMB2_SET_INFO: {
        if (rep->status != RSVD_STATUS_SUCCESS) {
            fail(r, rep->status);
            break;
        }
        rsvd_smb2_set_info_rsp m = {answer_hdr(r, rep->status)};
        size_t len = 0;
        answer_encoded(r, rsvd_smb2_set_info_rsp_encode(&m, r->rsp, sizeof r->rsp, &len), &len);
        break;
    }
    default:
        fail(r, rep->status);
        break;
    }
}

/* ---- the resilient server's closes ------------------------------------------------ */

/* [MS-SMB2] 3.3.4.17 "Server Application Requests Closing an Open": the
 * library has already made the open unreachable; close Open.LocalOpen - for
 * a shared virtual disk through MS-RSVD 3.2.5.2. */
static void res_close_open(rsvd_res_server *res, const rsvd_res_closed_open *c, void *ud)
{
    (void)res;
    smb2_dispatch *srv = ud;
    srv_open *o = c->open_user_data;
    o->reason = c->reason;
    if (o->shared_disk) {
        (void)rsvd_server_close(srv->rsvd, o->local_open, o); /* reply: rsvd_reply() */
        return;
    }
    file_table_close(o->file);
    emit_closed(srv, o, RSVD_STATUS_SUCCESS);
    free(o);
}

/* ---- the entry points ----------------------------------------------------------- */

int smb2_dispatch_new(const smb2_dispatch_config *cfg, smb2_dispatch **out)
{
    smb2_dispatch *srv = calloc(1, sizeof *srv);
    if (!srv)
        return RSVD_E_NOMEM;
    srv->cfg = *cfg;
    srv->pool = calloc(REQ_POOL, sizeof *srv->pool);

    rsvd_server_config rc = RSVD_STRUCT_INIT(rsvd_server_config);
    rc.svhdx_supported = true; /* IsSVHDXSupported */
    rc.service_version = cfg->rsvd_version == RSVD_PROTOCOL_VERSION_2
                             ? RSVD_PROTOCOL_VERSION_2
                             : RSVD_PROTOCOL_VERSION_1; /* ServerServiceVersion */
    rc.scsi_disk = cfg->disk_ops;                       /* PVHDPARSER opens */
    rc.scsi_disk_ctx = cfg->disk_ctx;
    rc.reply = rsvd_reply;
    rc.reply_ctx = srv;
    rc.interim = rsvd_interim;        /* version 2: the async tunnel's interim response */
    rc.wall_clock = rsvd_wall_clock;  /* version 2: when a snapshot is created */
    /* A server facing untrusted clients passes a random name_hash_key. */

    rsvd_res_server_callbacks cb = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                    .close_open = res_close_open};
    int err = RSVD_E_NOMEM;
    if (!srv->pool || (err = rsvd_server_new(&rc, &srv->rsvd)) != RSVD_OK ||
        (err = rsvd_res_server_new(NULL, &cb, srv, &srv->res)) != RSVD_OK) {
        (void)rsvd_server_free(srv->rsvd);
        free(srv->pool);
        free(srv);
        return err;
    }
    *out = srv;
    return RSVD_OK;
}

void smb2_dispatch_shutdown(smb2_dispatch *srv)
{
    rsvd_res_server_free(srv->res); /* closes what is left: reason SHUTDOWN */
    srv->res = NULL;
}

void smb2_dispatch_free(smb2_dispatch *srv)
{
    if (!srv)
        return;
    smb2_dispatch_shutdown(srv);
    if (rsvd_server_free(srv->rsvd) != RSVD_OK)
        fprintf(stderr, "server: RSVD server still busy at exit\n");
    free(srv->pool);
    free(srv);
}

/* ---- connections, sessions, tree connects --------------------------------------- */

static conn_session *session_find(smb2_dispatch_conn *c, uint64_t session_id)
{
    for (size_t i = 0; i < SMB2_DISPATCH_SESSIONS_MAX; i++)
        if (c->sessions[i].used && c->sessions[i].session_id == session_id)
            return &c->sessions[i];
    return NULL;
}

static conn_tree *tree_find(conn_session *s, uint32_t tree_id)
{
    for (size_t i = 0; i < SMB2_DISPATCH_TREES_MAX; i++)
        if (s->trees[i].used && s->trees[i].tree_id == tree_id)
            return &s->trees[i];
    return NULL;
}

/* The connection ends: its sessions' opens are detached or closed, and it
 * is freed once no request names it. @return the opens kept. */
static uint32_t conn_end(smb2_dispatch *srv, smb2_dispatch_conn *conn)
{
    rsvd_res_server_stats before = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_stats after = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(srv->res, &before);
    conn->alive = false;
    if (conn->prev)
        conn->prev->next = conn->next;
    else
        srv->conns = conn->next;
    if (conn->next)
        conn->next->prev = conn->prev;
    /* [MS-SMB2] 3.3.7.1: resilient opens are detached (their deadline
     * starts now), the others closed through res_close_open(). */
    (void)rsvd_res_server_conn_lost(srv->res, conn->handle, now_ms(srv));
    rsvd_res_server_get_stats(srv->res, &after);
    if (conn->pending == 0)
        free(conn);
    return after.detached - before.detached;
}

int smb2_dispatch_conn_new(smb2_dispatch *srv, uint16_t dialect, void *conn_ctx,
                           smb2_dispatch_conn **out)
{
    smb2_dispatch_conn *c = calloc(1, sizeof *c);
    if (!c)
        return RSVD_E_NOMEM;
    c->srv = srv;
    c->conn_ctx = conn_ctx;
    c->alive = true;
    rsvd_res_conn_params p = RSVD_STRUCT_INIT(rsvd_res_conn_params);
    p.dialect = dialect;
    p.supports_multi_credit = dialect != RSVD_SMB2_DIALECT_202;
    p.max_transact_size = MAX_TRANSACT;
    /* What this server's NEGOTIATE response announced ([MS-SMB2] 3.3.5.4). */
    if (srv->cfg.continuously_available && dialect >= RSVD_SMB2_DIALECT_300)
        p.server_capabilities = RSVD_SMB2_GLOBAL_CAP_PERSISTENT_HANDLES;
    int rc = rsvd_res_server_conn_add(srv->res, &p, &c->handle);
    if (rc != RSVD_OK) {
        free(c);
        return rc;
    }
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    *out = c;
    return RSVD_OK;
}

int smb2_dispatch_session_add(smb2_dispatch *srv, smb2_dispatch_conn *c, uint64_t session_id,
                              const void *user, size_t user_len)
{
    if (session_find(c, session_id))
        return RSVD_E_STATE;
    for (size_t i = 0; i < SMB2_DISPATCH_SESSIONS_MAX; i++) {
        conn_session *s = &c->sessions[i];
        if (s->used)
            continue;
        int rc = rsvd_res_server_session_add(srv->res, c->handle, session_id, user, user_len,
                                             &s->handle);
        if (rc != RSVD_OK)
            return rc;
        memset(s->trees, 0, sizeof s->trees);
        s->session_id = session_id;
        s->used = true;
        return RSVD_OK;
    }
    return RSVD_E_LIMIT;
}

int smb2_dispatch_previous_session(smb2_dispatch *srv, smb2_dispatch_conn *c,
                                   uint64_t session_id, uint64_t previous_session_id,
                                   bool *removed)
{
    *removed = false;
    conn_session *s = session_find(c, session_id);
    if (!s)
        return RSVD_E_NOENT;
    /* Sessions live in their connection's table: look in every live one. */
    for (smb2_dispatch_conn *pc = srv->conns; pc; pc = pc->next) {
        conn_session *prev = session_find(pc, previous_session_id);
        if (!prev || prev == s)
            continue;
        int rc = rsvd_res_server_previous_session(srv->res, s->handle, prev->handle,
                                                  now_ms(srv), removed);
        if (rc == RSVD_OK && *removed)
            prev->used = false; /* the library freed it and its tree connects */
        return rc;
    }
    return RSVD_OK;
}

int smb2_dispatch_tree_add(smb2_dispatch *srv, smb2_dispatch_conn *c, uint64_t session_id,
                           uint32_t tree_id)
{
    conn_session *s = session_find(c, session_id);
    if (!s)
        return RSVD_E_NOENT;
    if (tree_find(s, tree_id))
        return RSVD_E_STATE;
    for (size_t i = 0; i < SMB2_DISPATCH_TREES_MAX; i++) {
        conn_tree *t = &s->trees[i];
        if (t->used)
            continue;
        rsvd_res_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_tree_params);
        tp.tree_id = tree_id;
        /* The share's identity (a reconnect through another share finds
         * nothing) and Share.IsCA ([MS-SMB2] 3.3.5.7). */
        tp.share = srv->cfg.share_name ? srv->cfg.share_name : "share";
        tp.share_len = strlen(tp.share);
        tp.flags = srv->cfg.continuously_available ? RSVD_RES_TREE_CA : 0;
        int rc = rsvd_res_server_tree_add(srv->res, s->handle, &tp, &t->handle);
        if (rc != RSVD_OK)
            return rc;
        t->tree_id = tree_id;
        t->used = true;
        return RSVD_OK;
    }
    return RSVD_E_LIMIT;
}

int smb2_dispatch_tree_disconnect(smb2_dispatch *srv, smb2_dispatch_conn *c, uint64_t session_id,
                                  uint32_t tree_id)
{
    conn_session *s = session_find(c, session_id);
    conn_tree *t = s ? tree_find(s, tree_id) : NULL;
    if (!t)
        return RSVD_E_NOENT;
    /* [MS-SMB2] 3.3.5.8: every open of the tree is closed (res_close_open()). */
    int rc = rsvd_res_server_tree_disconnect(srv->res, t->handle);
    if (rc == RSVD_OK)
        t->used = false;
    return rc;
}

int smb2_dispatch_logoff(smb2_dispatch *srv, smb2_dispatch_conn *c, uint64_t session_id)
{
    conn_session *s = session_find(c, session_id);
    if (!s)
        return RSVD_E_NOENT;
    /* [MS-SMB2] 3.3.5.6: resilient opens are detached, the others closed
     * (res_close_open()); the library frees the session's tree connects. */
    int rc = rsvd_res_server_logoff(srv->res, s->handle, now_ms(srv));
    if (rc == RSVD_OK)
        s->used = false;
    return rc;
}

int smb2_dispatch_connect(smb2_dispatch *srv, uint16_t dialect, uint64_t session_id,
                          const void *user, size_t user_len, uint32_t tree_id, void *conn_ctx,
                          smb2_dispatch_conn **out)
{
    smb2_dispatch_conn *c = NULL;
    int rc = smb2_dispatch_conn_new(srv, dialect, conn_ctx, &c);
    if (rc != RSVD_OK)
        return rc;
    rc = smb2_dispatch_session_add(srv, c, session_id, user, user_len);
    if (rc == RSVD_OK)
        rc = smb2_dispatch_tree_add(srv, c, session_id, tree_id);
    if (rc != RSVD_OK) {
        (void)conn_end(srv, c);
        return rc;
    }
    *out = c;
    return RSVD_OK;
}

bool smb2_dispatch_handles(uint16_t command)
{
    switch (command) {
    case RSVD_SMB2_CREATE:
    case RSVD_SMB2_CLOSE:
    case RSVD_SMB2_READ:
    case RSVD_SMB2_WRITE:
    case RSVD_SMB2_LOCK:
    case RSVD_SMB2_IOCTL:
    case RSVD_SMB2_QUERY_INFO:
    case RSVD_SMB2_SET_INFO:
        return true;
    default:
        return false;
    }
}

void smb2_dispatch_receive(smb2_dispatch *srv, smb2_dispatch_conn *conn, const uint8_t *msg,
                           size_t len)
{
    srv->stats.requests++;
    rsvd_smb2_hdr h;
    if (rsvd_smb2_hdr_decode(msg, len, &h) != RSVD_OK || rsvd_smb2_hdr_is_response(&h))
        return; /* not an SMB2 request: a real server disconnects */
    /* Grant what the client asks for, at least 1 and at most CREDITS_MAX. */
    uint16_t credits = h.credit == 0 ? 1 : h.credit > CREDITS_MAX ? CREDITS_MAX : h.credit;
    srv_req *r = len <= MSG_MAX ? req_get(srv, conn) : NULL;
    if (!r) {
        uint8_t rsp[128];
        size_t n = 0;
        srv->stats.responses++;
        if (rsvd_smb2_error_response_build(&h, len <= MSG_MAX
                                                   ? RSVD_STATUS_INSUFFICIENT_RESOURCES
                                                   : RSVD_STATUS_INVALID_PARAMETER,
                                           credits, rsp, sizeof rsp, &n) == RSVD_OK)
            srv->cfg.send(srv->cfg.ctx, conn->conn_ctx, rsp, n);
        return;
    }
    memcpy(r->msg, msg, len);
    r->len = len;
    r->hdr = h;
    r->credits = credits;
    memset(&r->ctx, 0, sizeof r->ctx);
    r->ctx.conn = conn->handle;
    r->ctx.credits = credits; /* the resilient server's answers carry them too */
    r->ctx.related_file_id = NULL; /* one request at a time: no compounds */

    /* [MS-SMB2] 3.3.5.2.9 and 3.3.5.2.11: the session and the tree connect.
     * (The library checks that ctx and the header agree; the host answers.) */
    if (rsvd_smb2_hdr_is_async(&h)) {
        fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    conn_session *s = session_find(conn, h.session_id);
    if (!s) {
        fail(r, RSVD_STATUS_USER_SESSION_DELETED);
        return;
    }
    conn_tree *t = tree_find(s, h.tree_id);
    if (!t) {
        fail(r, RSVD_STATUS_NETWORK_NAME_DELETED);
        return;
    }
    r->ctx.session = s->handle;
    r->ctx.tree = t->handle;
    switch (h.command) {
    case RSVD_SMB2_CREATE:
        on_create(r);
        break;
    case RSVD_SMB2_READ:
        on_read(r);
        break;
    case RSVD_SMB2_WRITE:
        on_write(r);
        break;
    case RSVD_SMB2_IOCTL:
        on_ioctl(r);
        break;
    case RSVD_SMB2_LOCK:
        on_lock(r);
        break;
    case RSVD_SMB2_CLOSE:
        on_close(r);
        break;
    case RSVD_SMB2_QUERY_INFO:
        on_query_info(r);
        break;
    case RSVD_SMB2_SET_INFO:
        on_set_info(r);
        break;
    default:
        fail(r, RSVD_STATUS_NOT_SUPPORTED);
        break;
    }
}

void smb2_dispatch_conn_lost(smb2_dispatch *srv, smb2_dispatch_conn *conn)
{
    void *conn_ctx = conn->conn_ctx;
    uint32_t kept = conn_end(srv, conn);
    if (srv->cfg.event) {
        smb2_dispatch_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = SMB2_DISPATCH_EV_CONN_LOST;
        ev.conn_ctx = conn_ctx;
        ev.kept = kept;
        srv->cfg.event(srv->cfg.ctx, &ev);
    }
}

uint64_t smb2_dispatch_next_expiry(const smb2_dispatch *srv)
{
    uint64_t res = srv->res ? rsvd_res_server_next_expiry(srv->res) : UINT64_MAX;
    uint64_t rsvd = rsvd_server_next_expiry(srv->rsvd); /* the CDP snapshot timer */
    return res < rsvd ? res : rsvd;
}

size_t smb2_dispatch_handle_expiry(smb2_dispatch *srv)
{
    size_t closed = 0;
    uint64_t now = now_ms(srv);
    if (srv->res)
        (void)rsvd_res_server_handle_expiry(srv->res, now, &closed);
    (void)rsvd_server_handle_expiry(srv->rsvd, now, NULL);
    return closed;
}

void smb2_dispatch_get_stats(const smb2_dispatch *srv, smb2_dispatch_stats *out)
{
    *out = srv->stats;
    out->rsvd_opens = rsvd_server_open_count(srv->rsvd);
    out->res = (rsvd_res_server_stats)RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(srv->res, &out->res);
    out->file_opens = file_table_open_count(srv->cfg.files);
}

size_t smb2_dispatch_locks_held(const smb2_dispatch *srv, uint64_t persistent_id)
{
    rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
    if (!srv->res || rsvd_res_server_open_info(srv->res, persistent_id, &info) != RSVD_OK)
        return 0;
    const srv_open *o = info.open_user_data;
    return o->shared_disk ? 0 : file_handle_lock_count(o->file);
}
