/*
 * Stateful fuzz harness: the resilient-handle client ([MS-SMB2] 3.2.4.1.3,
 * 3.2.4.1.7, 3.2.4.20.8, 3.2.5.14.9, 3.2.4.19, 3.2.5.13, 3.2.7.1, 3.2.4.4,
 * 3.2.5.8) driven by a byte-coded sequence of operations, against a model of
 * what the host registered and what the library has in flight, with every
 * invariant checked after every step.
 *
 * Input: two configuration bytes, then records, each an op byte (taken
 * modulo OP_COUNT) followed by its fixed arguments (missing bytes read as 0):
 *
 *   byte 0   bits 0-2: max_outstanding - 1 (bit 3 set: 96, enough to take
 *            all 64 buckets); bit 4: OutputOffset 0 in resiliency requests
 *   byte 1   allocation number to fail (0: none)
 *
 *   00 ADD_CONN d c        dialect d&3 of {2.0.2, 2.1, 3.0, 3.1.1}, d&4
 *                          multi-credit, d&8 multi-channel, d&0x30 first
 *                          MessageId; window of c credits (0 counts as 1)
 *   01 ADD_SESSION c       02 BIND s c      03 ADD_TREE s
 *   04 ADD_OPEN t f        on tree slot t, f&1 durable (DHnQ granted)
 *   05 RESILIENCY o hi lo  request resiliency, Timeout (hi<<8|lo)*8 ms
 *   06 LOCK o f a          f&3+1 elements, f&4 unlock, f&8 invalid flags
 *   07 RESPOND k m c ...   answer in-flight request k with response kind
 *                          m (valid success / error / interim / mutated /
 *                          cut / wrong command / error without body / sync
 *                          PENDING / other FileId), CreditResponse c
 *   08 RESPOND_RAW c n ... n raw bytes as a response on conn slot c
 *   09 DISCONNECT c        0A RECONNECT o t   (reconnect CREATE)
 *   0B RESEND o            0C ADVANCE hi lo   (clock += (hi<<8|lo)*16 ms)
 *   0D EXPIRY              0E GRANT c n       0F TAKE_IDS c n
 *   10 OPEN_CLOSE o        11 TREE_REMOVE t   12 SESSION_REMOVE s
 *   13 TICK x              (clock += x ms)
 *
 * Invariants (FUZZ_CHECK aborts):
 *  - MessageIds: every request the library builds takes the lowest id
 *    available on its connection and ids are never reused; the window only
 *    grows by the credits responses grant; the library's requests in flight
 *    on a connection match the model and never exceed max_outstanding;
 *  - every request ends exactly once: a final response, request_failed
 *    (STATUS_CONNECTION_DISCONNECTED), or dropped with its open at
 *    OPEN_CLOSE; an interim response leaves it in flight; bytes answered
 *    once are not matched again;
 *  - buckets: bucket i of an open is taken exactly while one of its LOCKs
 *    with LockSequenceIndex i is in flight or kept for re-sending, and its
 *    SequenceNumber advances (mod 16) once per final LOCK response;
 *  - an open is given up (open_lost TIMEOUT) only when it is resilient,
 *    detached and its ResilientTimeout since LastDisconnectTime is over, and
 *    it is given up by the next EXPIRY once that is so (unless an attempt is
 *    in flight); NOT_DURABLE only at a disconnect, for an open neither
 *    durable nor resilient; a request of a given-up open fails before;
 *  - ResilientHandle only after a successful resiliency response, a
 *    reconnect keeps FileId.Persistent, and well-formed responses get the
 *    statuses their sections give;
 *  - callbacks cannot re-enter; at the end every allocation is freed.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/resilient.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "fail_alloc.h"
#include "fuzz_common.h"

/* Build with -DFUZZ_TRACE to print what each operation did. */
#ifdef FUZZ_TRACE
#define TRACE(...) fprintf(stderr, __VA_ARGS__)
#else
#define TRACE(...) ((void)0)
#endif

enum {
    OP_ADD_CONN, OP_ADD_SESSION, OP_BIND, OP_ADD_TREE, OP_ADD_OPEN, OP_RESILIENCY, OP_LOCK,
    OP_RESPOND, OP_RESPOND_RAW, OP_DISCONNECT, OP_RECONNECT, OP_RESEND, OP_ADVANCE, OP_EXPIRY,
    OP_GRANT, OP_TAKE_IDS, OP_OPEN_CLOSE, OP_TREE_REMOVE, OP_SESSION_REMOVE, OP_TICK, OP_COUNT
};

#define MAX_CONNS 4
#define MAX_SESS 6
#define MAX_TREES 8
#define MAX_OPENS 8
#define MAX_CHANNELS 3
#define MAX_REQS 128
#define MSG_MAX 320
#define MAX_STEPS 1024

/* ---- the model ---------------------------------------------------------------------- */

typedef struct m_conn {
    bool live;
    uint64_t h;
    uint16_t dialect;
    bool multi_credit, multi_channel;
    uint64_t next; /* lowest MessageId never issued */
    uint64_t end;  /* the window is [next, end) */
} m_conn;

typedef struct m_sess {
    bool live;
    uint64_t h;
    uint16_t dialect;
    int chans[MAX_CHANNELS];
    int nch;
} m_sess;

typedef struct m_tree {
    bool live;
    uint64_t h;
    int sess;
    uint32_t tid;
    int targets; /* reconnect attempts in flight aiming at it */
} m_tree;

typedef struct m_open {
    bool live;
    uint64_t h;
    int tree; /* -1: detached */
    rsvd_smb2_fileid fid;
    bool durable, resilient;
    uint32_t timeout;
    uint64_t last_disc;
    bool queued;      /* its deadline is in the client's heap */
    int attempt;      /* request slot of the reconnect in flight, or -1 */
    uint8_t seq[64];  /* expected SequenceNumber of each bucket */
} m_open;

typedef struct m_req {
    bool live;
    rsvd_res_req_kind kind;
    int open;
    int conn; /* -1: a LOCK kept for re-sending */
    uint64_t mid;
    uint32_t bucket;
    int target; /* RECONNECT: tree slot */
    uint64_t order; /* creation order (the open's list of requests) */
    uint8_t msg[MSG_MAX];
    size_t len;
} m_req;

typedef struct harness {
    const uint8_t *p;
    size_t n, pos;
    rsvd_res_client *cli;
    fa_alloc alloc; /* the instance's allocator */
    uint32_t max_outstanding;
    uint64_t now;
    int op;
    m_conn conns[MAX_CONNS];
    m_sess sess[MAX_SESS];
    m_tree trees[MAX_TREES];
    m_open opens[MAX_OPENS];
    m_req reqs[MAX_REQS];
    uint64_t next_sid;
    uint32_t next_tid;
    uint64_t next_vid;
    uint64_t next_order;
    bool nomem; /* an allocation failed during this step */
} harness;

static const uint16_t dialects[4] = {RSVD_SMB2_DIALECT_202, RSVD_SMB2_DIALECT_210,
                                     RSVD_SMB2_DIALECT_300, RSVD_SMB2_DIALECT_311};
static const uint8_t fname[12] = {'d', 0, '.', 0, 'v', 0, 'h', 0, 'd', 0, 'x', 0};

static uint8_t in_u8(harness *h)
{
    return h->pos < h->n ? h->p[h->pos++] : 0;
}

static bool is_3x(uint16_t d)
{
    return d >= RSVD_SMB2_DIALECT_300;
}

static int conn_slot(const harness *h, uint64_t hd)
{
    for (int i = 0; i < MAX_CONNS; i++)
        if (h->conns[i].live && h->conns[i].h == hd)
            return i;
    return -1;
}

static int open_slot(const harness *h, uint64_t hd)
{
    for (int i = 0; i < MAX_OPENS; i++)
        if (h->opens[i].live && h->opens[i].h == hd)
            return i;
    return -1;
}

static int req_free_slot(const harness *h)
{
    for (int i = 0; i < MAX_REQS; i++)
        if (!h->reqs[i].live)
            return i;
    return -1;
}

/* The model request a completion names. The MessageId alone is ambiguous
 * (each connection has its own ids, and a LOCK kept for re-sending keeps
 * the id of the connection it was lost with): requests carry their model
 * slot + 1 as req_user_data; a reconnect is its open's attempt. */
static int req_of_done(const harness *h, const rsvd_res_client_done *d)
{
    int ri;
    if (d->kind == RSVD_RES_REQ_RECONNECT) {
        int oi = open_slot(h, d->open);
        FUZZ_CHECK(oi >= 0 && d->req_user_data == NULL);
        ri = h->opens[oi].attempt;
    } else {
        ri = (int)(uintptr_t)d->req_user_data - 1;
    }
    FUZZ_CHECK(ri >= 0 && ri < MAX_REQS);
    const m_req *r = &h->reqs[ri];
    FUZZ_CHECK(r->live && r->kind == d->kind && r->mid == d->message_id);
    FUZZ_CHECK(r->open >= 0 && h->opens[r->open].h == d->open);
    FUZZ_CHECK(d->conn == 0 ? r->conn == -1 : (r->conn >= 0 && h->conns[r->conn].h == d->conn));
    return ri;
}

static void req_end(harness *h, int ri)
{
    m_req *r = &h->reqs[ri];
    if (r->kind == RSVD_RES_REQ_RECONNECT) {
        m_open *o = &h->opens[r->open];
        if (o->attempt == ri)
            o->attempt = -1;
        if (r->target >= 0 && h->trees[r->target].live)
            h->trees[r->target].targets--;
    }
    r->live = false;
}

/* The open is gone: its model requests go with it (no callbacks). */
static void open_forget(harness *h, int oi)
{
    for (int i = 0; i < MAX_REQS; i++)
        if (h->reqs[i].live && h->reqs[i].open == oi)
            req_end(h, i);
    h->opens[oi].live = false;
}

/* ---- callbacks -------------------------------------------------------------------------- */

static void on_failed(rsvd_res_client *cli, const rsvd_res_client_done *d, void *ud)
{
    harness *h = ud;
    FUZZ_CHECK(cli == h->cli);
    FUZZ_CHECK(d->final && d->status == RSVD_STATUS_CONNECTION_DISCONNECTED);
    FUZZ_CHECK(h->op == OP_DISCONNECT || h->op == OP_EXPIRY || h->op == OP_RECONNECT ||
               h->op == OP_RESPOND || h->op == OP_RESPOND_RAW);
    int ri = req_of_done(h, d);
    FUZZ_CHECK(ri >= 0); /* a request in flight or kept, failed once */
    TRACE("  failed req %d kind %d mid %llu\n", ri, (int)d->kind,
          (unsigned long long)d->message_id);
    req_end(h, ri);
    /* No re-entry while a callback runs. */
    FUZZ_CHECK(rsvd_res_client_handle_expiry(cli, h->now, NULL) == RSVD_E_BUSY);
}

static void on_lost(rsvd_res_client *cli, uint64_t open, void *oud, rsvd_res_lost_reason reason,
                    void *ud)
{
    harness *h = ud;
    (void)oud;
    FUZZ_CHECK(cli == h->cli);
    int oi = open_slot(h, open);
    FUZZ_CHECK(oi >= 0); /* a live open, lost once */
    m_open *o = &h->opens[oi];
    TRACE("  lost open %d reason %d\n", oi, (int)reason);
    if (reason == RSVD_RES_LOST_TIMEOUT) {
        /* Only after ResilientTimeout since LastDisconnectTime (3.2.7.1). */
        FUZZ_CHECK(h->op == OP_EXPIRY || h->op == OP_RECONNECT || h->op == OP_RESPOND ||
                   h->op == OP_RESPOND_RAW || h->op == OP_DISCONNECT);
        FUZZ_CHECK(o->resilient && o->tree < 0);
        FUZZ_CHECK(h->now > o->last_disc + o->timeout);
    } else {
        FUZZ_CHECK(reason == RSVD_RES_LOST_NOT_DURABLE);
        FUZZ_CHECK(h->op == OP_DISCONNECT && !o->durable && !o->resilient && o->tree >= 0);
    }
    /* Its requests failed before (the reconnect attempt is ended by the
     * response being handled). */
    for (int i = 0; i < MAX_REQS; i++)
        FUZZ_CHECK(!h->reqs[i].live || h->reqs[i].open != oi || i == o->attempt);
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    FUZZ_CHECK(rsvd_res_client_open_info_get(cli, open, &info) == RSVD_E_NOENT);
    open_forget(h, oi);
    FUZZ_CHECK(rsvd_res_client_open_close(cli, open) == RSVD_E_BUSY);
}

/* ---- issuing requests --------------------------------------------------------------------- */

/* A request the library built: it took the lowest MessageId available. */
static void issued(harness *h, int ri, const rsvd_res_client_msg *m, const uint8_t *buf,
                   rsvd_res_req_kind kind, int oi)
{
    int ci = conn_slot(h, m->conn);
    FUZZ_CHECK(ci >= 0);
    m_conn *c = &h->conns[ci];
    rsvd_smb2_hdr hd;
    FUZZ_CHECK(rsvd_smb2_hdr_decode(buf, m->len, &hd) == RSVD_OK);
    FUZZ_CHECK(hd.message_id == m->message_id);
    FUZZ_CHECK(m->message_id == c->next); /* the lowest available, never reused */
    uint64_t consumed = hd.credit_charge ? hd.credit_charge : 1u;
    FUZZ_CHECK(c->end - c->next >= consumed);
    FUZZ_CHECK(hd.credit_charge == 0 || c->multi_credit);
    c->next += consumed;
    FUZZ_CHECK(m->len <= MSG_MAX);
    m_req *r = &h->reqs[ri];
    if (!r->live) {
        memset(r, 0, sizeof *r);
        r->live = true;
        r->kind = kind;
        r->open = oi;
        r->target = -1;
        r->order = ++h->next_order;
    }
    r->conn = ci;
    r->mid = m->message_id;
    memcpy(r->msg, buf, m->len);
    r->len = m->len;
}

/* The LockCount of the LOCK request @p r was built as. */
static uint16_t lock_count_of(const m_req *r)
{
    rsvd_smb2_lock_req q;
    FUZZ_CHECK(rsvd_smb2_lock_req_decode(r->msg, r->len, &q) == RSVD_OK);
    return q.lock_count;
}

static int count_in_flight(const harness *h, int ci)
{
    int n = 0;
    for (int i = 0; i < MAX_REQS; i++)
        n += h->reqs[i].live && h->reqs[i].conn == ci;
    return n;
}

/* ---- registration ops --------------------------------------------------------------------- */

static int find_free_conn(const harness *h)
{
    for (int i = 0; i < MAX_CONNS; i++)
        if (!h->conns[i].live)
            return i;
    return -1;
}

static void op_add_conn(harness *h)
{
    uint8_t d = in_u8(h), cr = in_u8(h);
    rsvd_res_client_conn_params p = RSVD_STRUCT_INIT(rsvd_res_client_conn_params);
    p.dialect = dialects[d & 3];
    p.supports_multi_credit = (d & 4) != 0;
    p.supports_multi_channel = (d & 8) != 0;
    p.next_message_id = (uint64_t)((d >> 4) & 3) * 1000u;
    p.credits = cr;
    uint64_t hd;
    int rc = rsvd_res_client_conn_add(h->cli, &p, &hd);
    int slot = find_free_conn(h);
    if (rc == RSVD_E_NOMEM)
        return;
    if (slot < 0) {
        FUZZ_CHECK(rc == RSVD_E_LIMIT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    m_conn *c = &h->conns[slot];
    c->live = true;
    c->h = hd;
    c->dialect = p.dialect;
    c->multi_credit = p.supports_multi_credit && p.dialect != RSVD_SMB2_DIALECT_202;
    c->multi_channel = p.supports_multi_channel && is_3x(p.dialect);
    c->next = p.next_message_id;
    c->end = c->next + (cr ? cr : 1u);
}

static void op_add_session(harness *h)
{
    int ci = in_u8(h) % MAX_CONNS;
    uint64_t hd;
    int rc = rsvd_res_client_session_add(h->cli, h->conns[ci].h, ++h->next_sid, &hd);
    if (!h->conns[ci].live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (rc == RSVD_E_NOMEM)
        return;
    int slot = -1;
    for (int i = 0; i < MAX_SESS && slot < 0; i++)
        if (!h->sess[i].live)
            slot = i;
    if (slot < 0) {
        FUZZ_CHECK(rc == RSVD_E_LIMIT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    m_sess *s = &h->sess[slot];
    memset(s, 0, sizeof *s);
    s->live = true;
    s->h = hd;
    s->dialect = h->conns[ci].dialect;
    s->chans[0] = ci;
    s->nch = 1;
}

static void op_bind(harness *h)
{
    int si = in_u8(h) % MAX_SESS, ci = in_u8(h) % MAX_CONNS;
    m_sess *s = &h->sess[si];
    int rc = rsvd_res_client_session_bind(h->cli, s->h, h->conns[ci].h);
    if (!s->live || !h->conns[ci].live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (!is_3x(s->dialect) || !is_3x(h->conns[ci].dialect)) {
        FUZZ_CHECK(rc == RSVD_E_NOTSUP);
        return;
    }
    for (int i = 0; i < s->nch; i++)
        if (s->chans[i] == ci) {
            FUZZ_CHECK(rc == RSVD_E_STATE);
            return;
        }
    if (rc == RSVD_E_NOMEM)
        return;
    if (s->nch >= MAX_CHANNELS) {
        FUZZ_CHECK(rc == RSVD_E_LIMIT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    s->chans[s->nch++] = ci;
}

static void op_add_tree(harness *h)
{
    int si = in_u8(h) % MAX_SESS;
    uint64_t hd;
    uint32_t tid = ++h->next_tid;
    rsvd_res_client_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_client_tree_params);
    tp.tree_id = tid;
    int rc = rsvd_res_client_tree_add(h->cli, h->sess[si].h, &tp, &hd);
    if (!h->sess[si].live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (rc == RSVD_E_NOMEM)
        return;
    int slot = -1;
    for (int i = 0; i < MAX_TREES && slot < 0; i++)
        if (!h->trees[i].live)
            slot = i;
    if (slot < 0) {
        FUZZ_CHECK(rc == RSVD_E_LIMIT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    h->trees[slot] = (m_tree){true, hd, si, tid, 0};
}

static void op_add_open(harness *h)
{
    int ti = in_u8(h) % MAX_TREES;
    uint8_t f = in_u8(h);
    rsvd_res_client_open_params p = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
    p.file_id.persistent_id = 0x1000u + (uint64_t)h->next_vid;
    p.file_id.volatile_id = 0x100000000ull + h->next_vid++;
    p.name = fname;
    p.name_len = sizeof fname;
    p.desired_access = 0x12019F;
    p.create_disposition = RSVD_FILE_OPEN;
    p.durable = (f & 1) != 0;
    uint64_t hd;
    int rc = rsvd_res_client_open_add(h->cli, h->trees[ti].h, &p, &hd);
    if (!h->trees[ti].live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (rc == RSVD_E_NOMEM)
        return;
    int slot = -1;
    for (int i = 0; i < MAX_OPENS && slot < 0; i++)
        if (!h->opens[i].live)
            slot = i;
    if (slot < 0) {
        FUZZ_CHECK(rc == RSVD_E_LIMIT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    m_open *o = &h->opens[slot];
    memset(o, 0, sizeof *o);
    o->live = true;
    o->h = hd;
    o->tree = ti;
    o->fid = p.file_id;
    o->durable = p.durable;
    o->attempt = -1;
}

/* ---- requests --------------------------------------------------------------------------------- */

/* Is there a channel the request could go on, and which error otherwise? */
static bool open_has_channel(const harness *h, const m_open *o)
{
    return o->tree >= 0 && h->sess[h->trees[o->tree].sess].nch > 0;
}

/* A rejected request changed nothing: no MessageId taken. */
static void check_nothing_sent(const harness *h)
{
    for (int i = 0; i < MAX_CONNS; i++) {
        if (!h->conns[i].live)
            continue;
        rsvd_res_client_conn_info ci = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
        FUZZ_CHECK(rsvd_res_client_conn_info_get(h->cli, h->conns[i].h, &ci) == RSVD_OK);
        FUZZ_CHECK(ci.next_message_id == h->conns[i].next);
    }
}

static void op_resiliency(harness *h)
{
    int oi = in_u8(h) % MAX_OPENS;
    uint32_t timeout = (uint32_t)((in_u8(h) << 8) | in_u8(h)) * 8u;
    m_open *o = &h->opens[oi];
    int ri = req_free_slot(h);
    if (ri < 0)
        return;
    uint8_t buf[MSG_MAX];
    rsvd_res_client_msg m;
    int rc = rsvd_res_client_request_resiliency(h->cli, o->h, timeout,
                                                (void *)(uintptr_t)(ri + 1), buf, sizeof buf, &m);
    TRACE("  resiliency open %d rc %d\n", oi, rc);
    if (!o->live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (rc != RSVD_OK) {
        FUZZ_CHECK(rc == RSVD_E_AGAIN || rc == RSVD_E_NOTSUP || rc == RSVD_E_LIMIT ||
                   rc == RSVD_E_NOMEM);
        if (rc == RSVD_E_AGAIN)
            FUZZ_CHECK(!open_has_channel(h, o));
        check_nothing_sent(h);
        return;
    }
    FUZZ_CHECK(open_has_channel(h, o));
    issued(h, ri, &m, buf, RSVD_RES_REQ_RESILIENCY, oi);
    FUZZ_CHECK(h->conns[h->reqs[ri].conn].dialect != RSVD_SMB2_DIALECT_202);
    o->timeout = timeout; /* set before the request is sent (gap G3) */
}

static void op_lock(harness *h)
{
    int oi = in_u8(h) % MAX_OPENS;
    uint8_t f = in_u8(h), a = in_u8(h);
    m_open *o = &h->opens[oi];
    int ri = req_free_slot(h);
    if (ri < 0)
        return;
    rsvd_smb2_lock_element e[4];
    uint16_t count = (uint16_t)((f & 3) + 1);
    for (uint16_t i = 0; i < count; i++) {
        e[i].offset = (uint64_t)a * 4096u + i * 512u;
        e[i].length = 512;
        e[i].flags = (f & 4) ? RSVD_SMB2_LOCKFLAG_UNLOCK
                             : ((a & 1) ? RSVD_SMB2_LOCKFLAG_SHARED_LOCK
                                        : RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK);
    }
    if (f & 8)
        e[count - 1].flags = RSVD_SMB2_LOCKFLAG_UNLOCK | RSVD_SMB2_LOCKFLAG_SHARED_LOCK;
    uint8_t buf[MSG_MAX];
    rsvd_res_client_msg m;
    int rc = rsvd_res_client_lock(h->cli, o->h, e, count, (void *)(uintptr_t)(ri + 1), buf,
                                  sizeof buf, &m);
    TRACE("  lock open %d rc %d\n", oi, rc);
    if (f & 8) {
        FUZZ_CHECK(rc == RSVD_E_INVAL);
        return;
    }
    if (!o->live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (rc != RSVD_OK) {
        FUZZ_CHECK(rc == RSVD_E_AGAIN || rc == RSVD_E_LIMIT || rc == RSVD_E_NOMEM);
        check_nothing_sent(h);
        return;
    }
    issued(h, ri, &m, buf, RSVD_RES_REQ_LOCK, oi);
    rsvd_smb2_lock_req q;
    FUZZ_CHECK(rsvd_smb2_lock_req_decode(buf, m.len, &q) == RSVD_OK);
    FUZZ_CHECK(rsvd_smb2_fileid_equal(&q.file_id, &o->fid));
    FUZZ_CHECK(q.lock_count == count);
    uint32_t idx = rsvd_smb2_lock_seq_index(q.lock_sequence);
    const m_conn *c = &h->conns[h->reqs[ri].conn];
    if (o->resilient || c->multi_channel) {
        /* The lowest Free bucket, with its SequenceNumber. */
        FUZZ_CHECK(idx >= 1 && idx <= 64);
        uint64_t taken = 0;
        for (int i = 0; i < MAX_REQS; i++)
            if (i != ri && h->reqs[i].live && h->reqs[i].open == oi &&
                h->reqs[i].kind == RSVD_RES_REQ_LOCK && h->reqs[i].bucket)
                taken |= 1ull << (h->reqs[i].bucket - 1);
        FUZZ_CHECK(!((taken >> (idx - 1)) & 1u));                   /* Free */
        FUZZ_CHECK(idx == 1 || (taken & ((1ull << (idx - 1)) - 1)) == ((1ull << (idx - 1)) - 1));
        FUZZ_CHECK(rsvd_smb2_lock_seq_number(q.lock_sequence) == o->seq[idx - 1]);
        h->reqs[ri].bucket = idx;
    } else {
        FUZZ_CHECK(q.lock_sequence == 0);
    }
}

/* ---- responses --------------------------------------------------------------------------------- */

static const uint32_t errors[] = {
    RSVD_STATUS_INVALID_PARAMETER,    RSVD_STATUS_FILE_CLOSED,
    RSVD_STATUS_NOT_SUPPORTED,        RSVD_STATUS_LOCK_NOT_GRANTED,
    RSVD_STATUS_OBJECT_NAME_NOT_FOUND, RSVD_STATUS_ACCESS_DENIED,
    RSVD_STATUS_INSUFFICIENT_RESOURCES, RSVD_STATUS_INVALID_DEVICE_REQUEST,
};

enum { R_SUCCESS, R_ERROR, R_INTERIM, R_MUTATED, R_CUT, R_WRONG_CMD, R_ERROR_NO_BODY,
       R_SYNC_PENDING, R_OTHER_FILEID, R_KINDS };

/* Builds the response kind @p kind to request @p r. @return its length. */
static size_t build_response(harness *h, const m_req *r, int kind, uint16_t credits,
                             uint8_t *buf, size_t cap)
{
    rsvd_smb2_hdr q;
    FUZZ_CHECK(rsvd_smb2_hdr_decode(r->msg, r->len, &q) == RSVD_OK);
    size_t len = 0;
    if (kind == R_ERROR || kind == R_INTERIM || kind == R_SYNC_PENDING) {
        rsvd_smb2_hdr e = q;
        uint32_t st = kind == R_ERROR ? errors[in_u8(h) % (sizeof errors / sizeof errors[0])]
                                      : RSVD_STATUS_PENDING;
        if (kind == R_INTERIM) {
            e.flags |= RSVD_SMB2_FLAGS_ASYNC_COMMAND;
            e.async_id = 0x77;
        }
        FUZZ_CHECK(rsvd_smb2_error_response_build(&e, st, credits, buf, cap, &len) == RSVD_OK);
        return len;
    }
    switch (r->kind) {
    case RSVD_RES_REQ_RESILIENCY: {
        rsvd_smb2_resiliency_req rq;
        FUZZ_CHECK(rsvd_smb2_resiliency_req_decode(r->msg, r->len, &rq) == RSVD_OK);
        if (kind == R_OTHER_FILEID)
            rq.ioctl.file_id.volatile_id ^= 1u;
        FUZZ_CHECK(rsvd_smb2_resiliency_rsp_build(&rq.ioctl, credits, buf, cap, &len) == RSVD_OK);
        break;
    }
    case RSVD_RES_REQ_LOCK: {
        rsvd_smb2_lock_rsp m;
        memset(&m, 0, sizeof m);
        m.hdr = q;
        m.hdr.flags |= RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
        m.hdr.credit = credits;
        m.hdr.status = RSVD_STATUS_SUCCESS;
        FUZZ_CHECK(rsvd_smb2_lock_rsp_encode(&m, buf, cap, &len) == RSVD_OK);
        break;
    }
    default: {
        const m_open *o = &h->opens[r->open];
        rsvd_smb2_create_rsp m;
        memset(&m, 0, sizeof m);
        m.hdr = q;
        m.hdr.flags |= RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
        m.hdr.credit = credits;
        m.hdr.status = RSVD_STATUS_SUCCESS;
        m.create_action = RSVD_FILE_OPENED;
        m.file_attributes = 0x80;
        m.file_id.persistent_id = o->fid.persistent_id ^ (kind == R_OTHER_FILEID ? 1u : 0u);
        m.file_id.volatile_id = 0x200000000ull + h->next_vid++;
        FUZZ_CHECK(rsvd_smb2_create_rsp_encode(&m, buf, cap, &len) == RSVD_OK);
        break;
    }
    }
    if (kind == R_MUTATED) {
        for (unsigned k = in_u8(h) % 4u + 1u; k > 0; k--) {
            size_t at = in_u8(h) % len;
            buf[at] = in_u8(h);
        }
    } else if (kind == R_CUT) {
        len = in_u8(h) % len;
    } else if (kind == R_WRONG_CMD) {
        buf[12] ^= 0x01; /* Command */
    } else if (kind == R_ERROR_NO_BODY) {
        buf[8] = 0x01; /* Status: an error over a success body */
        buf[11] = 0xC0;
    }
    return len;
}

/* Applies a response the library matched to request @p ri. */
static void apply_done(harness *h, int ri, const rsvd_res_client_done *d)
{
    m_req *r = &h->reqs[ri];
    FUZZ_CHECK(d->kind == r->kind && d->message_id == r->mid);
    FUZZ_CHECK(d->req_user_data ==
               (r->kind == RSVD_RES_REQ_RECONNECT ? NULL : (void *)(uintptr_t)(ri + 1)));
    if (!d->final) {
        FUZZ_CHECK(d->status == RSVD_STATUS_PENDING);
        FUZZ_CHECK(r->live);
        return;
    }
    FUZZ_CHECK(d->status != RSVD_STATUS_PENDING);
    int oi = r->open;
    m_open *o = &h->opens[oi];
    bool alive = r->live && o->live; /* not given up during the call */
    switch (r->kind) {
    case RSVD_RES_REQ_LOCK:
        if (r->bucket && alive) /* 3.2.5.13: whatever the status */
            o->seq[r->bucket - 1] = (uint8_t)((o->seq[r->bucket - 1] + 1u) & 0xFu);
        break;
    case RSVD_RES_REQ_RESILIENCY:
        if (d->status == RSVD_STATUS_SUCCESS && alive)
            o->resilient = o->durable = true;
        break;
    default:
        if (d->status == RSVD_STATUS_SUCCESS) {
            FUZZ_CHECK(alive);
            rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
            FUZZ_CHECK(rsvd_res_client_open_info_get(h->cli, o->h, &info) == RSVD_OK);
            FUZZ_CHECK(info.file_id.persistent_id == o->fid.persistent_id);
            o->fid = info.file_id;
            o->tree = r->target;
            o->queued = false;
        }
        break;
    }
    if (r->live)
        req_end(h, ri);
}

/* The request of the library that a response with this header matches on
 * connection slot @p ci (Connection.OutstandingRequests by MessageId), or -1. */
static int req_matching(const harness *h, int ci, const uint8_t *msg, size_t len)
{
    rsvd_smb2_hdr hd;
    if (rsvd_smb2_hdr_decode(msg, len, &hd) != RSVD_OK)
        return -1;
    for (int i = 0; i < MAX_REQS; i++)
        if (h->reqs[i].live && h->reqs[i].conn == ci && h->reqs[i].mid == hd.message_id)
            return i;
    return -1;
}

/* Hands (@p msg, @p len) to the client on connection slot @p ci. @p want is
 * the request it answers and @p kind how it was built (-1: raw bytes). */
static void respond(harness *h, int ci, const uint8_t *msg, size_t len, int want, int kind)
{
    m_conn *c = &h->conns[ci];
    int ri = req_matching(h, ci, msg, len);
    rsvd_res_client_conn_info before = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    FUZZ_CHECK(rsvd_res_client_conn_info_get(h->cli, c->h, &before) == RSVD_OK);
    rsvd_res_client_done d;
    int rc = rsvd_res_client_on_response(h->cli, c->h, msg, len, h->now, &d);
    TRACE("  response req %d kind %d rc %d final %d status %08x\n", ri, kind, rc, (int)d.final,
          d.status);
    if (ri < 0) {
        /* Nothing of the library's has this MessageId here, or the header
         * is unreadable: discarded, nothing changed. */
        FUZZ_CHECK(rc != RSVD_OK);
        FUZZ_CHECK(kind == R_MUTATED || kind == R_CUT || kind < 0);
        rsvd_res_client_conn_info after = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
        FUZZ_CHECK(rsvd_res_client_conn_info_get(h->cli, c->h, &after) == RSVD_OK);
        FUZZ_CHECK(after.available == before.available &&
                   after.outstanding == before.outstanding &&
                   after.next_message_id == before.next_message_id);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    bool pristine = kind >= 0 && kind != R_MUTATED && kind != R_CUT;
    if (pristine)
        FUZZ_CHECK(ri == want);
    const m_req *r = &h->reqs[ri];
    rsvd_smb2_hdr hd;
    FUZZ_CHECK(rsvd_smb2_hdr_decode(msg, len, &hd) == RSVD_OK);
    uint64_t room = UINT64_MAX - c->end;
    c->end += hd.credit < room ? hd.credit : room; /* 3.2.5.1.4 */
    bool final = d.final;
    if (pristine) {
        switch (kind) {
        case R_SUCCESS:
            if (r->kind == RSVD_RES_REQ_RECONNECT && !h->trees[r->target].live)
                FUZZ_CHECK(d.status == RSVD_STATUS_NETWORK_NAME_DELETED);
            else
                FUZZ_CHECK(d.status == RSVD_STATUS_SUCCESS);
            break;
        case R_ERROR:
            FUZZ_CHECK(d.status == hd.status);
            break;
        case R_INTERIM:
            FUZZ_CHECK(!final && d.status == RSVD_STATUS_PENDING);
            break;
        case R_OTHER_FILEID:
            /* A LOCK response names no FileId. */
            FUZZ_CHECK(d.status == (r->kind == RSVD_RES_REQ_LOCK
                                        ? RSVD_STATUS_SUCCESS
                                        : RSVD_STATUS_INVALID_NETWORK_RESPONSE));
            break;
        default: /* wrong command, error without its body, sync PENDING */
            FUZZ_CHECK(d.status == RSVD_STATUS_INVALID_NETWORK_RESPONSE);
            break;
        }
    }
    apply_done(h, ri, &d);
    rsvd_res_client_done d2;
    int rc2 = rsvd_res_client_on_response(h->cli, c->h, msg, len, h->now, &d2);
    if (final) {
        FUZZ_CHECK(rc2 == RSVD_E_NOENT); /* answered once */
    } else {
        FUZZ_CHECK(rc2 == RSVD_OK && !d2.final); /* the interim again */
        room = UINT64_MAX - c->end;
        c->end += hd.credit < room ? hd.credit : room;
    }
}

static void op_respond(harness *h)
{
    uint8_t k = in_u8(h), mode = in_u8(h), cr = in_u8(h);
    int live[MAX_REQS], nl = 0;
    for (int i = 0; i < MAX_REQS; i++)
        if (h->reqs[i].live && h->reqs[i].conn >= 0)
            live[nl++] = i;
    if (!nl)
        return;
    int ri = live[k % nl];
    int kind = mode % R_KINDS;
    uint8_t buf[MSG_MAX];
    size_t len = build_response(h, &h->reqs[ri], kind, cr, buf, sizeof buf);
    respond(h, h->reqs[ri].conn, buf, len, ri, kind);
}

static void op_respond_raw(harness *h)
{
    int ci = in_u8(h) % MAX_CONNS;
    size_t n = in_u8(h);
    uint8_t buf[256];
    for (size_t i = 0; i < n; i++)
        buf[i] = in_u8(h);
    if (h->conns[ci].live) {
        respond(h, ci, buf, n, -1, -1);
        return;
    }
    rsvd_res_client_done d;
    FUZZ_CHECK(rsvd_res_client_on_response(h->cli, h->conns[ci].h, buf, n, h->now, &d) ==
               RSVD_E_NOENT);
}

/* ---- events ------------------------------------------------------------------------------------- */

static void session_dies(harness *h, int si)
{
    h->sess[si].live = false;
    for (int t = 0; t < MAX_TREES; t++) {
        if (!h->trees[t].live || h->trees[t].sess != si)
            continue;
        for (int o = 0; o < MAX_OPENS; o++) {
            m_open *op = &h->opens[o];
            if (!op->live || op->tree != t)
                continue;
            /* Not durable: given up (the callback did it). */
            FUZZ_CHECK(op->durable || op->resilient);
            op->tree = -1;
            if (op->resilient) {
                op->last_disc = h->now;
                op->queued = true;
            }
        }
        h->trees[t].live = false;
    }
}

static void op_disconnect(harness *h)
{
    int ci = in_u8(h) % MAX_CONNS;
    m_conn *c = &h->conns[ci];
    /* Which opens the library must give up: the attached ones of the
     * sessions that die, neither durable nor resilient. */
    bool dies[MAX_SESS] = {false};
    for (int si = 0; si < MAX_SESS && c->live; si++) {
        m_sess *s = &h->sess[si];
        bool on = false;
        for (int i = 0; i < s->nch; i++)
            on = on || s->chans[i] == ci;
        if (s->live && on)
            dies[si] = !(is_3x(c->dialect) && s->nch > 1);
    }
    bool lose[MAX_OPENS] = {false}, was_live[MAX_OPENS];
    for (int oi = 0; oi < MAX_OPENS; oi++) {
        const m_open *o = &h->opens[oi];
        was_live[oi] = o->live;
        lose[oi] = o->live && o->tree >= 0 && dies[h->trees[o->tree].sess] && !o->durable &&
                   !o->resilient;
    }
    int rc = rsvd_res_client_on_disconnect(h->cli, c->h, h->now);
    if (!c->live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    for (int oi = 0; oi < MAX_OPENS; oi++) {
        const m_open *o = &h->opens[oi];
        if (lose[oi])
            FUZZ_CHECK(!o->live);
        else if (was_live[oi] && !o->live) /* its reconnect failed past the deadline */
            FUZZ_CHECK(o->resilient && o->tree < 0);
    }
    for (int si = 0; si < MAX_SESS; si++) {
        m_sess *s = &h->sess[si];
        if (!s->live)
            continue;
        for (int i = 0; i < s->nch; i++)
            if (s->chans[i] == ci) {
                if (dies[si]) {
                    session_dies(h, si);
                } else {
                    s->chans[i] = s->chans[--s->nch];
                }
                break;
            }
    }
    /* Requests in flight on it: a LOCK of a kept open is kept for
     * re-sending; every other one failed (callbacks). */
    for (int i = 0; i < MAX_REQS; i++) {
        m_req *r = &h->reqs[i];
        if (!r->live || r->conn != ci)
            continue;
        FUZZ_CHECK(r->kind == RSVD_RES_REQ_LOCK && h->opens[r->open].live);
        r->conn = -1;
    }
    c->live = false;
}

static void op_reconnect(harness *h)
{
    int oi = in_u8(h) % MAX_OPENS, ti = in_u8(h) % MAX_TREES;
    m_open *o = &h->opens[oi];
    int ri = req_free_slot(h);
    if (ri < 0)
        return;
    bool was_live = o->live;
    bool busy = o->tree >= 0 || o->attempt >= 0;
    /* ResilientTimeout since the disconnect is over: given up now. */
    bool due = was_live && !busy && o->resilient && h->now > o->last_disc + o->timeout;
    uint8_t buf[MSG_MAX];
    rsvd_res_client_msg m;
    int rc = rsvd_res_client_reconnect_create(h->cli, o->h, h->trees[ti].h, h->now, NULL, 0, buf,
                                              sizeof buf, &m);
    TRACE("  reconnect open %d tree %d rc %d\n", oi, ti, rc);
    if (!was_live || due) {
        FUZZ_CHECK(rc == RSVD_E_NOENT && !o->live);
        return;
    }
    if (busy) {
        FUZZ_CHECK(rc == RSVD_E_STATE);
        return;
    }
    FUZZ_CHECK(o->live);
    if (rc != RSVD_OK) {
        FUZZ_CHECK(rc == RSVD_E_NOENT || rc == RSVD_E_AGAIN || rc == RSVD_E_LIMIT ||
                   rc == RSVD_E_NOMEM);
        if (rc == RSVD_E_NOENT)
            FUZZ_CHECK(!h->trees[ti].live);
        if (rc == RSVD_E_AGAIN)
            FUZZ_CHECK(h->sess[h->trees[ti].sess].nch == 0);
        check_nothing_sent(h);
        return;
    }
    FUZZ_CHECK(h->trees[ti].live);
    issued(h, ri, &m, buf, RSVD_RES_REQ_RECONNECT, oi);
    /* Sent on a channel of the target tree's session. */
    const m_sess *s = &h->sess[h->trees[ti].sess];
    bool on = false;
    for (int i = 0; i < s->nch; i++)
        on = on || s->chans[i] == h->reqs[ri].conn;
    FUZZ_CHECK(on);
    h->reqs[ri].target = ti;
    h->trees[ti].targets++;
    o->attempt = ri;
    /* The original name, and the DHnC context naming Open.FileId. */
    rsvd_smb2_create_req q;
    FUZZ_CHECK(rsvd_smb2_create_req_decode(buf, m.len, &q) == RSVD_OK);
    FUZZ_CHECK(q.name_length == sizeof fname && memcmp(q.name, fname, sizeof fname) == 0);
    rsvd_smb2_cc_iter it;
    rsvd_smb2_cc cc;
    rsvd_smb2_cc_iter_init(&it, q.create_contexts, q.create_contexts_length);
    FUZZ_CHECK(rsvd_smb2_cc_iter_next(&it, &cc) == RSVD_OK);
    FUZZ_CHECK(cc.name_length == 4 && memcmp(cc.name, "DHnC", 4) == 0);
    rsvd_smb2_fileid named;
    FUZZ_CHECK(rsvd_smb2_dhnc_decode(cc.data, cc.data_length, &named) == RSVD_OK);
    FUZZ_CHECK(rsvd_smb2_fileid_equal(&named, &o->fid));
}

static void op_resend(harness *h)
{
    int oi = in_u8(h) % MAX_OPENS;
    m_open *o = &h->opens[oi];
    uint8_t buf[MSG_MAX];
    rsvd_res_client_msg m;
    int rc = rsvd_res_client_resend_next(h->cli, o->h, buf, sizeof buf, &m);
    int kept = 0;
    for (int i = 0; i < MAX_REQS; i++)
        kept += h->reqs[i].live && h->reqs[i].open == oi && h->reqs[i].conn < 0;
    if (!o->live || !kept) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (o->tree < 0) {
        FUZZ_CHECK(rc == RSVD_E_STATE);
        return;
    }
    if (rc != RSVD_OK) {
        FUZZ_CHECK(rc == RSVD_E_AGAIN || rc == RSVD_E_LIMIT);
        check_nothing_sent(h);
        return;
    }
    /* The kept LOCK with the LockSequence it was first sent with. */
    rsvd_smb2_lock_req q;
    FUZZ_CHECK(rsvd_smb2_lock_req_decode(buf, m.len, &q) == RSVD_OK);
    FUZZ_CHECK(rsvd_smb2_fileid_equal(&q.file_id, &o->fid));
    uint32_t idx = rsvd_smb2_lock_seq_index(q.lock_sequence);
    /* The first kept LOCK of the open, in the order they were made. */
    int ri = -1;
    for (int i = 0; i < MAX_REQS; i++)
        if (h->reqs[i].live && h->reqs[i].open == oi && h->reqs[i].conn < 0 &&
            (ri < 0 || h->reqs[i].order < h->reqs[ri].order))
            ri = i;
    FUZZ_CHECK(ri >= 0 && h->reqs[ri].bucket == idx);
    FUZZ_CHECK(q.lock_count == lock_count_of(&h->reqs[ri]));
    if (idx)
        FUZZ_CHECK(rsvd_smb2_lock_seq_number(q.lock_sequence) == o->seq[idx - 1]);
    issued(h, ri, &m, buf, RSVD_RES_REQ_LOCK, oi);
}

static void op_expiry(harness *h)
{
    size_t lost = 0;
    FUZZ_CHECK(rsvd_res_client_handle_expiry(h->cli, h->now, &lost) == RSVD_OK);
    for (int oi = 0; oi < MAX_OPENS; oi++) {
        m_open *o = &h->opens[oi];
        if (!o->live || !o->queued || o->last_disc + o->timeout >= h->now)
            continue;
        /* Due: popped from the heap; given up unless an attempt is in
         * flight (then the attempt decides). */
        FUZZ_CHECK(o->attempt >= 0);
        o->queued = false;
    }
    FUZZ_CHECK(rsvd_res_client_next_expiry(h->cli) > h->now);
}

static void op_grant(harness *h)
{
    int ci = in_u8(h) % MAX_CONNS;
    uint16_t n = (uint16_t)(in_u8(h) * 3u);
    int rc = rsvd_res_client_conn_grant_credits(h->cli, h->conns[ci].h, n);
    FUZZ_CHECK(rc == (h->conns[ci].live ? RSVD_OK : RSVD_E_NOENT));
    if (rc == RSVD_OK)
        h->conns[ci].end += n;
}

static void op_take_ids(harness *h)
{
    int ci = in_u8(h) % MAX_CONNS;
    uint16_t n = (uint16_t)(in_u8(h) % 8u);
    uint64_t first = 0;
    int rc = rsvd_res_client_conn_take_message_ids(h->cli, h->conns[ci].h, n, &first);
    m_conn *c = &h->conns[ci];
    if (n == 0) {
        FUZZ_CHECK(rc == RSVD_E_INVAL);
        return;
    }
    if (!c->live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (c->end - c->next < n) {
        FUZZ_CHECK(rc == RSVD_E_LIMIT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK && first == c->next); /* never reused */
    c->next += n;
}

static void op_open_close(harness *h)
{
    int oi = in_u8(h) % MAX_OPENS;
    m_open *o = &h->opens[oi];
    int rc = rsvd_res_client_open_close(h->cli, o->h);
    FUZZ_CHECK(rc == (o->live ? RSVD_OK : RSVD_E_NOENT));
    if (o->live)
        open_forget(h, oi);
}

static void op_tree_remove(harness *h)
{
    int ti = in_u8(h) % MAX_TREES;
    m_tree *t = &h->trees[ti];
    int rc = rsvd_res_client_tree_remove(h->cli, t->h);
    if (!t->live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    bool busy = t->targets > 0;
    for (int oi = 0; oi < MAX_OPENS; oi++)
        busy = busy || (h->opens[oi].live && h->opens[oi].tree == ti);
    FUZZ_CHECK(rc == (busy ? RSVD_E_STATE : RSVD_OK));
    if (!busy)
        t->live = false;
}

static void op_session_remove(harness *h)
{
    int si = in_u8(h) % MAX_SESS;
    m_sess *s = &h->sess[si];
    int rc = rsvd_res_client_session_remove(h->cli, s->h);
    if (!s->live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    bool busy = false;
    for (int t = 0; t < MAX_TREES; t++)
        busy = busy || (h->trees[t].live && h->trees[t].sess == si);
    FUZZ_CHECK(rc == (busy ? RSVD_E_STATE : RSVD_OK));
    if (!busy)
        s->live = false;
}

/* ---- checks after every step ------------------------------------------------------------------ */

static void check_step(harness *h)
{
    for (int ci = 0; ci < MAX_CONNS; ci++) {
        m_conn *c = &h->conns[ci];
        rsvd_res_client_conn_info info = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
        int rc = rsvd_res_client_conn_info_get(h->cli, c->h, &info);
        if (!c->live) {
            FUZZ_CHECK(c->h == 0 || rc == RSVD_E_NOENT);
            continue;
        }
        FUZZ_CHECK(rc == RSVD_OK);
        FUZZ_CHECK(info.next_message_id == c->next);
        FUZZ_CHECK(info.available == c->end - c->next);
        FUZZ_CHECK((int)info.outstanding == count_in_flight(h, ci));
        FUZZ_CHECK(info.outstanding <= h->max_outstanding);
    }
    uint64_t taken[MAX_OPENS] = {0};
    uint32_t kept[MAX_OPENS] = {0};
    for (int i = 0; i < MAX_REQS; i++) {
        const m_req *r = &h->reqs[i];
        if (!r->live)
            continue;
        FUZZ_CHECK(h->opens[r->open].live);
        if (r->conn < 0)
            kept[r->open]++;
        if (r->kind == RSVD_RES_REQ_LOCK && r->bucket) {
            FUZZ_CHECK(!((taken[r->open] >> (r->bucket - 1)) & 1u)); /* one LOCK per bucket */
            taken[r->open] |= 1ull << (r->bucket - 1);
        }
    }
    uint64_t next = UINT64_MAX;
    for (int oi = 0; oi < MAX_OPENS; oi++) {
        m_open *o = &h->opens[oi];
        rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
        int rc = rsvd_res_client_open_info_get(h->cli, o->h, &info);
        if (!o->live) {
            FUZZ_CHECK(o->h == 0 || rc == RSVD_E_NOENT);
            continue;
        }
        FUZZ_CHECK(rc == RSVD_OK);
        FUZZ_CHECK(info.state == (o->tree >= 0 ? RSVD_RES_CLIENT_OPEN_CONNECTED
                                               : RSVD_RES_CLIENT_OPEN_DETACHED));
        FUZZ_CHECK(info.tree == (o->tree >= 0 ? h->trees[o->tree].h : 0));
        FUZZ_CHECK(rsvd_smb2_fileid_equal(&info.file_id, &o->fid));
        FUZZ_CHECK(info.resilient_handle == o->resilient && info.durable == o->durable);
        FUZZ_CHECK(info.resilient_timeout_ms == o->timeout);
        if (o->resilient && o->tree < 0)
            FUZZ_CHECK(info.last_disconnect_ms == o->last_disc);
        FUZZ_CHECK(info.reconnecting == (o->attempt >= 0));
        FUZZ_CHECK(info.resend_pending == kept[oi]);
        for (uint32_t b = 1; b <= 64; b++) {
            bool free_;
            uint8_t seq;
            FUZZ_CHECK(rsvd_res_client_bucket(h->cli, o->h, b, &free_, &seq) == RSVD_OK);
            FUZZ_CHECK(free_ == !((taken[oi] >> (b - 1)) & 1u));
            FUZZ_CHECK(seq == o->seq[b - 1]);
        }
        if (o->queued) {
            uint64_t d = o->last_disc + o->timeout + 1u;
            if (d < next)
                next = d;
        }
    }
    FUZZ_CHECK(rsvd_res_client_next_expiry(h->cli) == next);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static harness hs;
    harness *h = &hs;
    memset(h, 0, sizeof *h);
    h->p = data;
    h->n = size;
    h->now = 1000;
    uint8_t cfgb = in_u8(h);
    fa_init(&h->alloc);
    h->alloc.fail_at = in_u8(h);
    rsvd_res_client_config cfg = RSVD_STRUCT_INIT(rsvd_res_client_config);
    cfg.mem = &h->alloc.mem;
    cfg.max_connections = MAX_CONNS;
    cfg.max_sessions = MAX_SESS;
    cfg.max_trees = MAX_TREES;
    cfg.max_opens = MAX_OPENS;
    cfg.max_channels = MAX_CHANNELS;
    cfg.max_lock_elements = 4;
    h->max_outstanding = (cfgb & 8) ? 96u : (cfgb & 7u) + 1u;
    cfg.max_outstanding = h->max_outstanding;
    cfg.resiliency_options = (cfgb & 0x10) ? RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_ZERO : 0;
    const rsvd_res_client_callbacks cb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                          .request_failed = on_failed,
                                          .open_lost = on_lost};
    int rc = rsvd_res_client_new(&cfg, &cb, h, &h->cli);
    if (rc != RSVD_OK) {
        FUZZ_CHECK(rc == RSVD_E_NOMEM && h->alloc.live == 0);
        return 0;
    }
    for (int step = 0; step < MAX_STEPS && h->pos < h->n; step++) {
        h->op = in_u8(h) % OP_COUNT;
        TRACE("op %02x at %llu\n", h->op, (unsigned long long)h->now);
        switch (h->op) {
        case OP_ADD_CONN: op_add_conn(h); break;
        case OP_ADD_SESSION: op_add_session(h); break;
        case OP_BIND: op_bind(h); break;
        case OP_ADD_TREE: op_add_tree(h); break;
        case OP_ADD_OPEN: op_add_open(h); break;
        case OP_RESILIENCY: op_resiliency(h); break;
        case OP_LOCK: op_lock(h); break;
        case OP_RESPOND: op_respond(h); break;
        case OP_RESPOND_RAW: op_respond_raw(h); break;
        case OP_DISCONNECT: op_disconnect(h); break;
        case OP_RECONNECT: op_reconnect(h); break;
        case OP_RESEND: op_resend(h); break;
        case OP_ADVANCE: h->now += (uint64_t)((in_u8(h) << 8) | in_u8(h)) * 16u; break;
        case OP_EXPIRY: op_expiry(h); break;
        case OP_GRANT: op_grant(h); break;
        case OP_TAKE_IDS: op_take_ids(h); break;
        case OP_OPEN_CLOSE: op_open_close(h); break;
        case OP_TREE_REMOVE: op_tree_remove(h); break;
        case OP_SESSION_REMOVE: op_session_remove(h); break;
        default: h->now += in_u8(h); break;
        }
        check_step(h);
    }
    rsvd_res_client_free(h->cli);
    FUZZ_CHECK(h->alloc.live == 0);
    return 0;
}
