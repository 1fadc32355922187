/*
 * Stateful fuzz harness: the client of preserved opens - durable v1 and
 * v2, persistent, resilient ([MS-SMB2] 3.2.4.1, 3.2.4.1.3, 3.2.4.1.7,
 * 3.2.4.3.5, 3.2.5.7, 3.2.4.20.8, 3.2.5.14, 3.2.5.14.9, 3.2.4.19, 3.2.5.13,
 * 3.2.7.1, 3.2.4.4, 3.2.5.8) driven by a byte-coded sequence of operations,
 * against a model of what the host registered and what the library has in
 * flight, with every invariant checked after every step.
 *
 * Input: two configuration bytes, then records, each an op byte (taken
 * modulo OP_COUNT) followed by its fixed arguments (missing bytes read as 0):
 *
 *   byte 0   bits 0-2: max_outstanding - 1 (bit 3 set: 96, enough to take
 *            all 64 buckets); bit 4: OutputOffset 0 in resiliency requests;
 *            bit 5: no random callback (CreateGuids must be given)
 *   byte 1   allocation number to fail (0: none)
 *
 *   00 ADD_CONN d c        dialect d&3 of {2.0.2, 2.1, 3.0, 3.1.1}, d&4
 *                          multi-credit, d&8 multi-channel, d&0x30 first
 *                          MessageId, d&0x40 persistent handles; window of
 *                          c credits (0 counts as 1)
 *   01 ADD_SESSION c       02 BIND s c
 *   03 ADD_TREE s          session slot s&0x7F, s&0x80 continuously available
 *   04 ADD_OPEN t f        on tree slot t, f&1 durable (DHnQ granted), f&2
 *                          durable v2 (DH2Q granted, DurableTimeout
 *                          (f>>3)*1000 ms), f&4 persistent
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
 *   14 CREATE t f x        rsvd_res_client_create on tree slot t: f&1
 *                          durable, f&2 CreateGuid given, f&4 a lease
 *                          (RqLs), f&8 oplock II; DH2Q Timeout x*100 ms
 *   15 HOST_REPLAY s c x r the host's request (c: WRITE, READ, IOCTL,
 *                          SET_INFO, CREATE, CREATE with DH2Q; c&0x30
 *                          CreditCharge; c&0x40 another SessionId) on
 *                          session slot s got status x (FILE_NOT_AVAILABLE,
 *                          SERVER_UNAVAILABLE, a lost channel, another) after
 *                          r%5 replays
 *
 * A CREATE response (07 with kind 0) carries, by its next byte, no durable
 * context, a DHnQ response, a DH2Q response (Timeout from a byte, PERSISTENT
 * by a bit), or both.
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
 *  - an open is given up only past its deadline: TIMEOUT when it is
 *    resilient, detached and its ResilientTimeout since LastDisconnectTime
 *    is over, DURABLE_TIMEOUT when it is durable v2 or persistent (not
 *    resilient) and its DurableTimeout since the disconnect is; it is given
 *    up by the next EXPIRY once that is so (unless an attempt is in
 *    flight), never twice; NOT_DURABLE only at a disconnect, for an open
 *    neither durable nor resilient; an open whose CREATE is unanswered when
 *    its session goes is freed without open_lost; a request of a given-up
 *    open fails before;
 *  - every request the library builds carries the SessionId and TreeId of
 *    its open's (or target's) tree connect and goes on a channel of that
 *    session, with that session's ChannelSequence (no request reaches a
 *    foreign session);
 *  - a durable CREATE carries DH2Q on 3.x (PERSISTENT exactly on a CA
 *    share, the CreateGuid given or a new version-4 one) and DHnQ on 2.x,
 *    asks for BATCH unless persistent or leased; its grant is what the
 *    response's durable contexts say; a reconnect uses DH2C with the
 *    open's CreateGuid (PERSISTENT when persistent) for a durable v2 open
 *    on 3.x, DHnC otherwise;
 *  - a CREATE answered STATUS_SERVER_UNAVAILABLE, a resiliency request
 *    answered STATUS_FILE_NOT_AVAILABLE (3.x, the server has persistent
 *    handles or multi-channel) and a DH2Q CREATE whose channel is lost are
 *    kept and replayed with SMB2_FLAGS_REPLAY_OPERATION, at most three
 *    times, the CREATE byte for byte after the header; the host's
 *    requests are replayed exactly where the sections say, with the next
 *    MessageId of the channel chosen;
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
#include "resilient/client_int.h"

/* Build with -DFUZZ_TRACE to print what each operation did. */
#ifdef FUZZ_TRACE
#define TRACE(...) fprintf(stderr, __VA_ARGS__)
#else
#define TRACE(...) ((void)0)
#endif

enum {
    OP_ADD_CONN, OP_ADD_SESSION, OP_BIND, OP_ADD_TREE, OP_ADD_OPEN, OP_RESILIENCY, OP_LOCK,
    OP_RESPOND, OP_RESPOND_RAW, OP_DISCONNECT, OP_RECONNECT, OP_RESEND, OP_ADVANCE, OP_EXPIRY,
    OP_GRANT, OP_TAKE_IDS, OP_OPEN_CLOSE, OP_TREE_REMOVE, OP_SESSION_REMOVE, OP_TICK, OP_CREATE,
    OP_HOST_REPLAY, OP_COUNT
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
    bool multi_credit, multi_channel, persistent_handles;
    uint64_t next; /* lowest MessageId never issued */
    uint64_t end;  /* the window is [next, end) */
} m_conn;

typedef struct m_sess {
    bool live;
    uint64_t h;
    uint64_t sid; /* its SessionId */
    uint16_t dialect;
    uint16_t chseq; /* Session.ChannelSequence */
    int chans[MAX_CHANNELS]; /* in the order they were added */
    int nch;
} m_sess;

typedef struct m_tree {
    bool live;
    uint64_t h;
    int sess;
    uint32_t tid;
    int targets; /* reconnect attempts in flight aiming at it */
    bool ca;     /* TreeConnect.IsCAShare */
} m_tree;

typedef struct m_open {
    bool live;
    uint64_t h;
    int tree; /* -1: detached */
    rsvd_smb2_fileid fid;
    bool durable, resilient;
    bool creating;    /* its CREATE (rsvd_res_client_create) unanswered */
    bool v2, persistent;
    uint32_t dtimeout; /* Open.DurableTimeout */
    rsvd_guid guid;    /* Open.CreateGuid */
    uint32_t timeout;
    uint64_t last_disc;
    bool queued;      /* its deadline is in the client's heap */
    bool timed;       /* detached with a deadline */
    uint64_t deadline; /* the disconnect + ResilientTimeout or DurableTimeout */
    rsvd_res_lost_reason reason; /* what passing it gives the open up for */
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
    bool dhnq, dh2q; /* CREATE: its durable context */
    uint32_t replays; /* CREATE, RESILIENCY: replays sent */
    uint32_t timeout_ms; /* RESILIENCY: the application's time-out */
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
    uint32_t steps; /* the step running */
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
    bool no_random; /* no random callback */
    uint64_t random_next;
    /* What the CREATE response being handed over grants (build_response). */
    bool grant_dhnq, grant_dh2q, grant_persistent;
    uint32_t grant_timeout;
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
    if (reason == RSVD_RES_LOST_TIMEOUT || reason == RSVD_RES_LOST_DURABLE_TIMEOUT) {
        /* Only after ResilientTimeout since LastDisconnectTime, or
         * DurableTimeout since the disconnect (3.2.7.1). */
        FUZZ_CHECK(h->op == OP_EXPIRY || h->op == OP_RECONNECT || h->op == OP_RESPOND ||
                   h->op == OP_RESPOND_RAW || h->op == OP_DISCONNECT);
        FUZZ_CHECK(o->timed && o->tree < 0 && reason == o->reason);
        FUZZ_CHECK(reason == RSVD_RES_LOST_TIMEOUT ? o->resilient : (o->v2 && !o->resilient));
        FUZZ_CHECK(h->now > o->deadline);
    } else {
        FUZZ_CHECK(reason == RSVD_RES_LOST_NOT_DURABLE);
        FUZZ_CHECK(h->op == OP_DISCONNECT && !o->durable && !o->resilient && o->tree >= 0 &&
                   !o->creating);
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

static int count_in_flight(const harness *h, int ci)
{
    int n = 0;
    for (int i = 0; i < MAX_REQS; i++)
        n += h->reqs[i].live && h->reqs[i].conn == ci;
    return n;
}

/* The channel of session @p si the library picks (3.2.4.1.7 <122>: the
 * fewest of its requests in flight, the first added on a tie), or -1. */
static int chosen_conn(const harness *h, int si)
{
    const m_sess *s = &h->sess[si];
    int best = -1, bn = 0;
    for (int i = 0; i < s->nch; i++) {
        int n = count_in_flight(h, s->chans[i]);
        if (best < 0 || n < bn) {
            best = s->chans[i];
            bn = n;
        }
    }
    return best;
}

/* The ChannelSequence of a request of session @p si on connection @p ci
 * (3.2.4.1). */
static uint16_t channel_sequence(const harness *h, int ci, int si)
{
    const m_conn *c = &h->conns[ci];
    return is_3x(c->dialect) && (c->multi_channel || c->persistent_handles) ? h->sess[si].chseq
                                                                              : 0;
}

static bool is_channel(const harness *h, int si, int ci)
{
    for (int i = 0; i < h->sess[si].nch; i++)
        if (h->sess[si].chans[i] == ci)
            return true;
    return false;
}

/* A request the library built for tree slot @p ti: it took the lowest
 * MessageId available on a channel of the tree's session and names that
 * session and tree connect. */
static void issued(harness *h, int ri, const rsvd_res_client_msg *m, const uint8_t *buf,
                   rsvd_res_req_kind kind, int oi, int ti)
{
    int ci = conn_slot(h, m->conn);
    FUZZ_CHECK(ci >= 0);
    m_conn *c = &h->conns[ci];
    rsvd_smb2_hdr hd;
    FUZZ_CHECK(rsvd_smb2_hdr_decode(buf, m->len, &hd) == RSVD_OK);
    FUZZ_CHECK(hd.message_id == m->message_id);
    FUZZ_CHECK(ti >= 0 && h->trees[ti].live);
    int si = h->trees[ti].sess;
    FUZZ_CHECK(is_channel(h, si, ci) && ci == chosen_conn(h, si));
    FUZZ_CHECK(hd.session_id == h->sess[si].sid && hd.tree_id == h->trees[ti].tid);
    FUZZ_CHECK(hd.status == channel_sequence(h, ci, si));
    FUZZ_CHECK(!(hd.flags & RSVD_SMB2_FLAGS_REPLAY_OPERATION) || is_3x(c->dialect));
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
    p.supports_persistent_handles = (d & 0x40) != 0;
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
    c->persistent_handles = p.supports_persistent_handles && is_3x(p.dialect);
    c->next = p.next_message_id;
    c->end = c->next + (cr ? cr : 1u);
}

static void op_add_session(harness *h)
{
    int ci = in_u8(h) % MAX_CONNS;
    uint64_t hd;
    uint64_t sid = ++h->next_sid;
    int rc = rsvd_res_client_session_add(h->cli, h->conns[ci].h, sid, &hd);
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
    s->sid = sid;
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
    uint8_t b = in_u8(h);
    int si = (b & 0x7F) % MAX_SESS;
    uint64_t hd;
    uint32_t tid = ++h->next_tid;
    rsvd_res_client_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_client_tree_params);
    tp.tree_id = tid;
    tp.share_capabilities = (b & 0x80) ? RSVD_SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY : 0u;
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
    /* IsCAShare: the CA bit, a 3.x bit. */
    h->trees[slot] = (m_tree){true, hd, si, tid, 0, (b & 0x80) && is_3x(h->sess[si].dialect)};
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
    p.durable_flags = ((f & 2) ? RSVD_RES_CLIENT_DURABLE_V2 : 0u) |
                      ((f & 4) ? RSVD_RES_CLIENT_DURABLE_PERSISTENT : 0u);
    p.durable_timeout_ms = (uint32_t)(f >> 3) * 1000u;
    p.create_guid.b[0] = (uint8_t)h->next_vid;
    p.create_guid.b[15] = 0xC1;
    uint64_t hd;
    int rc = rsvd_res_client_open_add(h->cli, h->trees[ti].h, &p, &hd);
    if ((f & 4) && !(f & 2)) {
        FUZZ_CHECK(rc == RSVD_E_INVAL); /* PERSISTENT without V2 */
        return;
    }
    if (!h->trees[ti].live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if ((f & 2) && !is_3x(h->sess[h->trees[ti].sess].dialect)) {
        FUZZ_CHECK(rc == RSVD_E_INVAL); /* DH2Q is a 3.x context */
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
    o->durable = p.durable || (f & 2);
    o->v2 = (f & 2) != 0;
    o->persistent = (f & 4) != 0;
    if (o->v2) {
        o->dtimeout = p.durable_timeout_ms;
        o->guid = p.create_guid;
    }
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
    if (o->creating) {
        FUZZ_CHECK(rc == RSVD_E_STATE);
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
    issued(h, ri, &m, buf, RSVD_RES_REQ_RESILIENCY, oi, o->tree);
    FUZZ_CHECK(h->conns[h->reqs[ri].conn].dialect != RSVD_SMB2_DIALECT_202);
    h->reqs[ri].timeout_ms = timeout;
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
    if (o->creating) {
        FUZZ_CHECK(rc == RSVD_E_STATE);
        return;
    }
    if (rc != RSVD_OK) {
        FUZZ_CHECK(rc == RSVD_E_AGAIN || rc == RSVD_E_LIMIT || rc == RSVD_E_NOMEM);
        check_nothing_sent(h);
        return;
    }
    issued(h, ri, &m, buf, RSVD_RES_REQ_LOCK, oi, o->tree);
    rsvd_smb2_lock_req q;
    FUZZ_CHECK(rsvd_smb2_lock_req_decode(buf, m.len, &q) == RSVD_OK);
    FUZZ_CHECK(rsvd_smb2_fileid_equal(&q.file_id, &o->fid));
    FUZZ_CHECK(q.lock_count == count);
    uint32_t idx = rsvd_smb2_lock_seq_index(q.lock_sequence);
    const m_conn *c = &h->conns[h->reqs[ri].conn];
    if (o->resilient || o->persistent || c->multi_channel) {
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
    RSVD_STATUS_SERVER_UNAVAILABLE,   RSVD_STATUS_FILE_NOT_AVAILABLE,
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
        m.oplock_level = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
        uint8_t chain[96];
        h->grant_dhnq = h->grant_dh2q = h->grant_persistent = false;
        h->grant_timeout = 0;
        if (r->kind == RSVD_RES_REQ_CREATE) {
            /* A new open: its FileId is the server's; the durable contexts
             * of the grant by the next byte. */
            m.file_id.persistent_id = 0x3000u + (uint64_t)h->next_vid;
            uint8_t g = in_u8(h);
            rsvd_smb2_cc_builder b;
            rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
            uint8_t data[8];
            size_t dn = 0;
            if (g & 1) {
                FUZZ_CHECK(rsvd_smb2_dhnq_rsp_encode(data, sizeof data, &dn) == RSVD_OK);
                FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "DHnQ", 4, data, dn) == RSVD_OK);
                h->grant_dhnq = true;
            }
            if (g & 2) {
                const rsvd_smb2_dh2q_rsp d2 = {(uint32_t)in_u8(h) * 100u,
                                               (g & 4) ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0u};
                FUZZ_CHECK(rsvd_smb2_dh2q_rsp_encode(&d2, data, sizeof data, &dn) == RSVD_OK);
                FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "DH2Q", 4, data, dn) == RSVD_OK);
                h->grant_dh2q = true;
                h->grant_persistent = (g & 4) != 0;
                h->grant_timeout = d2.timeout;
            }
            size_t cn = 0;
            FUZZ_CHECK(rsvd_smb2_cc_builder_finish(&b, &cn) == RSVD_OK);
            m.create_contexts_length = (uint32_t)cn;
            m.create_contexts = cn ? chain : NULL;
        } else {
            m.file_id.persistent_id = o->fid.persistent_id ^ (kind == R_OTHER_FILEID ? 1u : 0u);
        }
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

/* Does the CREATE grant of the response just built refuse request @p r
 * (a durable context it did not ask for)? */
static bool grant_unasked(const harness *h, const m_req *r)
{
    return (h->grant_dhnq && !(r->dhnq || r->dh2q)) || (h->grant_dh2q && !r->dh2q);
}

/* Applies a response the library matched to request @p ri; @p pristine:
 * built as a well-formed response (its grant is h->grant_*). */
static void apply_done(harness *h, int ri, const rsvd_res_client_done *d, bool pristine)
{
    m_req *r = &h->reqs[ri];
    FUZZ_CHECK(d->kind == r->kind && d->message_id == r->mid);
    FUZZ_CHECK(d->req_user_data ==
               (r->kind == RSVD_RES_REQ_RECONNECT ? NULL : (void *)(uintptr_t)(ri + 1)));
    if (!d->final) {
        FUZZ_CHECK(r->live);
        if (d->status == RSVD_STATUS_PENDING)
            return;
        /* Kept for a replay (3.2.5.7, 3.2.5.14): the status and request the
         * sections name, 3.x with the capabilities, fewer than 3 replays. */
        const m_conn *c = &h->conns[r->conn];
        FUZZ_CHECK(is_3x(c->dialect) && (c->persistent_handles || c->multi_channel));
        FUZZ_CHECK(r->replays < 3);
        FUZZ_CHECK((r->kind == RSVD_RES_REQ_CREATE && d->status == RSVD_STATUS_SERVER_UNAVAILABLE) ||
                   (r->kind == RSVD_RES_REQ_RESILIENCY &&
                    d->status == RSVD_STATUS_FILE_NOT_AVAILABLE));
        r->conn = -1;
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
    case RSVD_RES_REQ_CREATE: {
        rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
        int rc = rsvd_res_client_open_info_get(h->cli, o->h, &info);
        if (d->status != RSVD_STATUS_SUCCESS) {
            /* No open came of it: freed, without open_lost. */
            FUZZ_CHECK(rc == RSVD_E_NOENT);
            req_end(h, ri);
            open_forget(h, oi);
            return;
        }
        FUZZ_CHECK(rc == RSVD_OK && info.state == RSVD_RES_CLIENT_OPEN_CONNECTED);
        o->creating = false;
        o->fid = info.file_id;
        if (pristine) {
            /* 3.2.5.7.1, 3.2.5.7.6: what the response's contexts granted. */
            o->durable = h->grant_dhnq || h->grant_dh2q;
            o->v2 = h->grant_dh2q;
            o->persistent = h->grant_persistent;
            o->dtimeout = h->grant_timeout;
        } else {
            /* A mutated response that still decoded: whatever it said, a
             * DH2Q grant only for a DH2Q request. */
            o->durable = info.durable;
            o->v2 = (info.durable_flags & RSVD_RES_CLIENT_DURABLE_V2) != 0;
            o->persistent = (info.durable_flags & RSVD_RES_CLIENT_DURABLE_PERSISTENT) != 0;
            o->dtimeout = info.durable_timeout_ms;
            FUZZ_CHECK(!o->v2 || r->dh2q);
            FUZZ_CHECK(!o->durable || r->dh2q || r->dhnq);
        }
        break;
    }
    default:
        if (d->status == RSVD_STATUS_SUCCESS) {
            FUZZ_CHECK(alive);
            rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
            FUZZ_CHECK(rsvd_res_client_open_info_get(h->cli, o->h, &info) == RSVD_OK);
            FUZZ_CHECK(info.file_id.persistent_id == o->fid.persistent_id);
            o->fid = info.file_id;
            o->tree = r->target;
            o->queued = false;
            o->timed = false;
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
            else if (r->kind == RSVD_RES_REQ_CREATE && grant_unasked(h, r))
                FUZZ_CHECK(d.status == RSVD_STATUS_INVALID_NETWORK_RESPONSE);
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
            /* A LOCK response names no FileId; a new open's is the server's. */
            if (r->kind == RSVD_RES_REQ_CREATE)
                FUZZ_CHECK(d.status == (grant_unasked(h, r) ? RSVD_STATUS_INVALID_NETWORK_RESPONSE
                                                            : RSVD_STATUS_SUCCESS));
            else
                FUZZ_CHECK(d.status == (r->kind == RSVD_RES_REQ_LOCK
                                            ? RSVD_STATUS_SUCCESS
                                            : RSVD_STATUS_INVALID_NETWORK_RESPONSE));
            break;
        default: /* wrong command, error without its body, sync PENDING */
            FUZZ_CHECK(d.status == RSVD_STATUS_INVALID_NETWORK_RESPONSE);
            break;
        }
    }
    apply_done(h, ri, &d, pristine);
    rsvd_res_client_done d2;
    int rc2 = rsvd_res_client_on_response(h->cli, c->h, msg, len, h->now, &d2);
    if (final || d.status != RSVD_STATUS_PENDING) {
        FUZZ_CHECK(rc2 == RSVD_E_NOENT); /* answered once (or kept for its replay) */
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
            /* Not durable: given up (the callback did it); creating:
             * abandoned (op_disconnect forgot it). */
            FUZZ_CHECK((op->durable || op->resilient) && !op->creating);
            op->tree = -1;
            /* 3.2.7.1 step 4: ResilientHandle or IsPersistent. */
            if (op->resilient || op->persistent)
                op->last_disc = h->now;
            /* The time it waits: ResilientTimeout, else DurableTimeout of a
             * durable v2 or persistent open, else none. */
            op->timed = op->resilient || op->v2;
            if (op->timed) {
                op->reason = op->resilient ? RSVD_RES_LOST_TIMEOUT : RSVD_RES_LOST_DURABLE_TIMEOUT;
                op->deadline = h->now + (op->resilient ? op->timeout : op->dtimeout);
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
    bool lose[MAX_OPENS] = {false}, abandon[MAX_OPENS] = {false}, was_live[MAX_OPENS];
    for (int oi = 0; oi < MAX_OPENS; oi++) {
        const m_open *o = &h->opens[oi];
        was_live[oi] = o->live;
        bool session_goes = o->live && o->tree >= 0 && dies[h->trees[o->tree].sess];
        lose[oi] = session_goes && !o->durable && !o->resilient && !o->creating;
        abandon[oi] = session_goes && o->creating;
    }
    /* A CREATE in flight here whose session stays: kept for a replay on
     * another channel if it carries DH2Q (3.2.7.1), else its open goes. */
    for (int i = 0; i < MAX_REQS && c->live; i++) {
        const m_req *r = &h->reqs[i];
        if (r->live && r->conn == ci && r->kind == RSVD_RES_REQ_CREATE &&
            !(r->dh2q && r->replays < 3))
            abandon[r->open] = true;
    }
    int rc = rsvd_res_client_on_disconnect(h->cli, c->h, h->now);
    if (!c->live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    for (int oi = 0; oi < MAX_OPENS; oi++) {
        m_open *o = &h->opens[oi];
        if (lose[oi]) {
            FUZZ_CHECK(!o->live);
        } else if (abandon[oi]) {
            /* Freed without open_lost, its CREATE failed (request_failed). */
            FUZZ_CHECK(o->live);
            rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
            FUZZ_CHECK(rsvd_res_client_open_info_get(h->cli, o->h, &info) == RSVD_E_NOENT);
            for (int i = 0; i < MAX_REQS; i++)
                FUZZ_CHECK(!h->reqs[i].live || h->reqs[i].open != oi);
            o->live = false;
        } else if (was_live[oi] && !o->live) { /* its reconnect failed past the deadline */
            FUZZ_CHECK(o->timed && o->tree < 0);
        }
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
                    /* A: the channel goes, ChannelSequence + 1. */
                    memmove(&s->chans[i], &s->chans[i + 1],
                            (size_t)(s->nch - i - 1) * sizeof s->chans[0]);
                    s->nch--;
                    s->chseq++;
                }
                break;
            }
    }
    /* Requests in flight on it: a LOCK of a kept open is kept for
     * re-sending, a DH2Q CREATE for its replay; every other one failed
     * (callbacks). */
    for (int i = 0; i < MAX_REQS; i++) {
        m_req *r = &h->reqs[i];
        if (!r->live || r->conn != ci)
            continue;
        FUZZ_CHECK(h->opens[r->open].live);
        FUZZ_CHECK(r->kind == RSVD_RES_REQ_LOCK ||
                   (r->kind == RSVD_RES_REQ_CREATE && r->dh2q && r->replays < 3));
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
    /* Its time since the disconnect is over: given up now. */
    bool due = was_live && !busy && o->timed && h->now > o->deadline;
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
    issued(h, ri, &m, buf, RSVD_RES_REQ_RECONNECT, oi, ti);
    h->reqs[ri].target = ti;
    h->trees[ti].targets++;
    o->attempt = ri;
    /* The original name, and the reconnect context the grant requires:
     * DH2C {Open.FileId, Open.CreateGuid, PERSISTENT} for a durable v2 open
     * on 3.x, DHnC {Open.FileId} otherwise. */
    rsvd_smb2_create_req q;
    FUZZ_CHECK(rsvd_smb2_create_req_decode(buf, m.len, &q) == RSVD_OK);
    FUZZ_CHECK(q.name_length == sizeof fname && memcmp(q.name, fname, sizeof fname) == 0);
    rsvd_smb2_cc_iter it;
    rsvd_smb2_cc cc;
    rsvd_smb2_cc_iter_init(&it, q.create_contexts, q.create_contexts_length);
    FUZZ_CHECK(rsvd_smb2_cc_iter_next(&it, &cc) == RSVD_OK);
    FUZZ_CHECK(cc.name_length == 4);
    if (o->v2 && is_3x(h->conns[h->reqs[ri].conn].dialect)) {
        FUZZ_CHECK(memcmp(cc.name, "DH2C", 4) == 0);
        rsvd_smb2_dh2c d;
        FUZZ_CHECK(rsvd_smb2_dh2c_decode(cc.data, cc.data_length, &d) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_fileid_equal(&d.file_id, &o->fid));
        FUZZ_CHECK(rsvd_guid_equal(&d.create_guid, &o->guid));
        FUZZ_CHECK(d.flags == (o->persistent ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0u));
    } else {
        FUZZ_CHECK(memcmp(cc.name, "DHnC", 4) == 0);
        rsvd_smb2_fileid named;
        FUZZ_CHECK(rsvd_smb2_dhnc_decode(cc.data, cc.data_length, &named) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_fileid_equal(&named, &o->fid));
    }
    FUZZ_CHECK(rsvd_smb2_cc_iter_next(&it, &cc) == RSVD_E_NOENT);
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
    /* The first kept request of the open, in the order they were made. */
    int ri = -1;
    for (int i = 0; i < MAX_REQS; i++)
        if (h->reqs[i].live && h->reqs[i].open == oi && h->reqs[i].conn < 0 &&
            (ri < 0 || h->reqs[i].order < h->reqs[ri].order))
            ri = i;
    FUZZ_CHECK(ri >= 0);
    m_req *r = &h->reqs[ri];
    rsvd_smb2_hdr hd;
    FUZZ_CHECK(rsvd_smb2_hdr_decode(buf, m.len, &hd) == RSVD_OK);
    const m_conn *c = &h->conns[conn_slot(h, m.conn) >= 0 ? conn_slot(h, m.conn) : 0];
    /* A replay on 3.x carries SMB2_FLAGS_REPLAY_OPERATION (a 3.x flag). */
    FUZZ_CHECK((hd.flags & RSVD_SMB2_FLAGS_REPLAY_OPERATION) ==
               (is_3x(c->dialect) ? RSVD_SMB2_FLAGS_REPLAY_OPERATION : 0u));
    switch (r->kind) {
    case RSVD_RES_REQ_LOCK: {
        /* The kept LOCK with the LockSequence it was first sent with. */
        rsvd_smb2_lock_req q;
        FUZZ_CHECK(rsvd_smb2_lock_req_decode(buf, m.len, &q) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_fileid_equal(&q.file_id, &o->fid));
        uint32_t idx = rsvd_smb2_lock_seq_index(q.lock_sequence);
        FUZZ_CHECK(r->bucket == idx);
        FUZZ_CHECK(q.lock_count == lock_count_of(r));
        if (idx)
            FUZZ_CHECK(rsvd_smb2_lock_seq_number(q.lock_sequence) == o->seq[idx - 1]);
        break;
    }
    case RSVD_RES_REQ_CREATE:
        /* Request.Message again: the same bytes after the header. */
        FUZZ_CHECK(m.len == r->len && memcmp(buf + 64, r->msg + 64, r->len - 64) == 0);
        FUZZ_CHECK(r->replays < 3);
        r->replays++;
        break;
    default: { /* RESILIENCY */
        rsvd_smb2_resiliency_req q;
        FUZZ_CHECK(rsvd_smb2_resiliency_req_decode(buf, m.len, &q) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_fileid_equal(&q.ioctl.file_id, &o->fid));
        FUZZ_CHECK(q.timeout == r->timeout_ms);
        FUZZ_CHECK(r->replays < 3);
        r->replays++;
        break;
    }
    }
    issued(h, ri, &m, buf, r->kind, oi, o->tree);
}

static void op_expiry(harness *h)
{
    size_t lost = 0;
    FUZZ_CHECK(rsvd_res_client_handle_expiry(h->cli, h->now, &lost) == RSVD_OK);
    for (int oi = 0; oi < MAX_OPENS; oi++) {
        m_open *o = &h->opens[oi];
        if (!o->live || !o->queued || o->deadline >= h->now)
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

/* ---- durable CREATEs and the host's replays ---------------------------------------------- */

/* A counter in the first bytes: every GUID it makes is new. */
static int random_cb(void *buf, size_t len, void *ud)
{
    harness *h = ud;
    uint8_t *b = buf;
    uint64_t v = ++h->random_next;
    for (size_t i = 0; i < len; i++)
        b[i] = i < 7 ? (uint8_t)(v >> (8 * i)) : 0x5A;
    return 0;
}

static void op_create(harness *h)
{
    int ti = in_u8(h) % MAX_TREES;
    uint8_t f = in_u8(h), x = in_u8(h);
    int ri = req_free_slot(h);
    if (ri < 0)
        return;
    uint8_t lease[52] = {0x11};
    const rsvd_res_client_cc rqls = {"RqLs", 4, lease, sizeof lease};
    rsvd_res_client_create_params p = RSVD_STRUCT_INIT(rsvd_res_client_create_params);
    p.name = fname;
    p.name_len = sizeof fname;
    p.desired_access = 0x12019F;
    p.create_disposition = RSVD_FILE_OPEN_IF;
    p.flags = ((f & 1) ? RSVD_RES_CLIENT_CREATE_DURABLE : 0u) |
              ((f & 2) ? RSVD_RES_CLIENT_CREATE_GUID_GIVEN : 0u);
    p.durable_timeout_ms = (uint32_t)x * 100u;
    p.create_guid.b[3] = (uint8_t)(0x80u | h->next_vid);
    p.requested_oplock_level = (f & 4)   ? RSVD_SMB2_OPLOCK_LEVEL_LEASE
                               : (f & 8) ? RSVD_SMB2_OPLOCK_LEVEL_II
                                         : RSVD_SMB2_OPLOCK_LEVEL_NONE;
    if (f & 4) {
        p.extra = &rqls;
        p.n_extra = 1;
    }
    uint8_t buf[MSG_MAX];
    rsvd_res_client_msg m;
    uint64_t hd = 0;
    int rc = rsvd_res_client_create(h->cli, h->trees[ti].h, &p, (void *)(uintptr_t)(ri + 1), buf,
                                    sizeof buf, &m, &hd);
    TRACE("  create tree %d flags %x rc %d\n", ti, f, rc);
    m_tree *t = &h->trees[ti];
    if (!t->live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    int si = t->sess;
    if (h->sess[si].nch == 0) {
        FUZZ_CHECK(rc == RSVD_E_AGAIN);
        return;
    }
    int ci = chosen_conn(h, si);
    bool v2 = (f & 1) && is_3x(h->conns[ci].dialect);
    if (rc != RSVD_OK) {
        FUZZ_CHECK(hd == 0);
        if (rc == RSVD_E_STATE)
            FUZZ_CHECK(v2 && !(f & 2) && h->no_random);
        else
            FUZZ_CHECK(rc == RSVD_E_LIMIT || rc == RSVD_E_NOMEM);
        check_nothing_sent(h);
        return;
    }
    FUZZ_CHECK(!(v2 && !(f & 2) && h->no_random));
    int oi = -1;
    for (int i = 0; i < MAX_OPENS && oi < 0; i++)
        if (!h->opens[i].live)
            oi = i;
    FUZZ_CHECK(oi >= 0); /* beyond max_opens it is RSVD_E_LIMIT */
    m_open *o = &h->opens[oi];
    memset(o, 0, sizeof *o);
    o->live = true;
    o->h = hd;
    o->tree = ti;
    o->creating = true;
    o->attempt = -1;
    issued(h, ri, &m, buf, RSVD_RES_REQ_CREATE, oi, ti);
    /* 3.2.4.3.5: DH2Q on 3.x (PERSISTENT iff IsCAShare), DHnQ on 2.x; BATCH
     * unless persistent or leased. */
    rsvd_smb2_create_req q;
    FUZZ_CHECK(rsvd_smb2_create_req_decode(buf, m.len, &q) == RSVD_OK);
    rsvd_smb2_cc cc;
    bool has_dh2q = rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length, "DH2Q", 4,
                                      &cc) == RSVD_OK;
    FUZZ_CHECK(has_dh2q == v2);
    bool persistent = false;
    if (has_dh2q) {
        rsvd_smb2_dh2q_req d;
        FUZZ_CHECK(rsvd_smb2_dh2q_req_decode(cc.data, cc.data_length, &d) == RSVD_OK);
        persistent = t->ca;
        FUZZ_CHECK(d.flags == (persistent ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0u));
        FUZZ_CHECK(d.timeout == p.durable_timeout_ms);
        if (f & 2) {
            FUZZ_CHECK(rsvd_guid_equal(&d.create_guid, &p.create_guid));
        } else {
            FUZZ_CHECK((d.create_guid.b[7] & 0xF0) == 0x40 && (d.create_guid.b[8] & 0xC0) == 0x80);
        }
        for (int i = 0; i < MAX_OPENS; i++) /* a new GUID is new */
            FUZZ_CHECK((f & 2) || i == oi || !h->opens[i].live ||
                       !rsvd_guid_equal(&h->opens[i].guid, &d.create_guid));
        o->guid = d.create_guid;
    }
    bool has_dhnq = rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length, "DHnQ", 4,
                                      &cc) == RSVD_OK;
    FUZZ_CHECK(has_dhnq == ((f & 1) && !v2));
    uint8_t want = p.requested_oplock_level;
    if ((f & 1) && !persistent && want != RSVD_SMB2_OPLOCK_LEVEL_LEASE)
        want = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    FUZZ_CHECK(q.requested_oplock_level == want);
    FUZZ_CHECK(q.hdr.command == RSVD_SMB2_CREATE && q.hdr.flags == 0);
    h->reqs[ri].dh2q = has_dh2q;
    h->reqs[ri].dhnq = has_dhnq;
}

static const uint32_t host_statuses[4] = {
    RSVD_STATUS_FILE_NOT_AVAILABLE, RSVD_STATUS_SERVER_UNAVAILABLE,
    RSVD_STATUS_CONNECTION_DISCONNECTED, RSVD_STATUS_ACCESS_DENIED};
static const uint16_t host_cmds[6] = {RSVD_SMB2_WRITE,    RSVD_SMB2_READ,   RSVD_SMB2_IOCTL,
                                      RSVD_SMB2_SET_INFO, RSVD_SMB2_CREATE, RSVD_SMB2_CREATE};

static void op_host_replay(harness *h)
{
    int si = in_u8(h) % MAX_SESS;
    uint8_t cb = in_u8(h), xb = in_u8(h);
    uint32_t replays = in_u8(h) % 5u;
    int which = (cb & 0x0F) % 6;
    uint16_t charge = (uint16_t)((cb >> 4) & 3u);
    uint32_t status = host_statuses[xb & 3];
    m_sess *s = &h->sess[si];
    /* The host's request: a header alone, or a CREATE (with DH2Q for 5). */
    uint8_t msg[MSG_MAX], orig[MSG_MAX];
    size_t n = 0;
    rsvd_smb2_hdr hq;
    memset(&hq, 0, sizeof hq);
    hq.command = host_cmds[which];
    hq.credit_charge = charge;
    hq.credit = 3;
    hq.message_id = 7;
    hq.session_id = (cb & 0x40) ? s->sid + 100u : s->sid;
    hq.tree_id = 1;
    hq.flags = RSVD_SMB2_FLAGS_SIGNED;
    memset(hq.signature, 0xA5, sizeof hq.signature);
    if (hq.command == RSVD_SMB2_CREATE) {
        uint8_t chain[96], data[32];
        size_t cn = 0, dn = 0;
        rsvd_smb2_cc_builder b;
        rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
        if (which == 5) {
            rsvd_smb2_dh2q_req d;
            memset(&d, 0, sizeof d);
            d.create_guid.b[0] = 1;
            FUZZ_CHECK(rsvd_smb2_dh2q_req_encode(&d, data, sizeof data, &dn) == RSVD_OK);
            FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "DH2Q", 4, data, dn) == RSVD_OK);
        }
        FUZZ_CHECK(rsvd_smb2_cc_builder_finish(&b, &cn) == RSVD_OK);
        rsvd_smb2_create_req q;
        memset(&q, 0, sizeof q);
        q.hdr = hq;
        q.name = fname;
        q.name_length = sizeof fname;
        q.create_contexts = cn ? chain : NULL;
        q.create_contexts_length = (uint32_t)cn;
        FUZZ_CHECK(rsvd_smb2_create_req_encode(&q, msg, sizeof msg, &n) == RSVD_OK);
    } else {
        FUZZ_CHECK(rsvd_smb2_hdr_encode(&hq, msg, sizeof msg) == RSVD_OK);
        memset(msg + 64, 0x3C, 16);
        n = 80;
    }
    memcpy(orig, msg, n);
    rsvd_res_client_msg out;
    int rc = rsvd_res_client_replay_request(h->cli, s->h, status, replays, msg, n, &out);
    TRACE("  host replay sess %d cmd %d status %08x rc %d\n", si, which, status, rc);
    if (!s->live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (cb & 0x40) {
        FUZZ_CHECK(rc == RSVD_E_INVAL && memcmp(msg, orig, n) == 0);
        return;
    }
    if (s->nch == 0) {
        FUZZ_CHECK(rc == RSVD_E_AGAIN);
        return;
    }
    int ci = chosen_conn(h, si);
    m_conn *c = &h->conns[ci];
    bool rule;
    switch (hq.command) {
    case RSVD_SMB2_CREATE:
        rule = status == RSVD_STATUS_SERVER_UNAVAILABLE ||
               (status == RSVD_STATUS_CONNECTION_DISCONNECTED && which == 5);
        break;
    case RSVD_SMB2_READ:
        rule = false;
        break;
    default:
        rule = status == RSVD_STATUS_FILE_NOT_AVAILABLE;
        break;
    }
    rule = rule && is_3x(c->dialect) && (c->persistent_handles || c->multi_channel) &&
           replays < 3;
    uint64_t need = charge ? charge : 1u;
    if (!rule) {
        FUZZ_CHECK(rc == RSVD_E_NOTSUP && memcmp(msg, orig, n) == 0);
        return;
    }
    if (c->end - c->next < need) {
        FUZZ_CHECK(rc == RSVD_E_LIMIT && memcmp(msg, orig, n) == 0);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK && out.conn == c->h && out.message_id == c->next && out.len == n);
    rsvd_smb2_hdr hr;
    FUZZ_CHECK(rsvd_smb2_hdr_decode(msg, n, &hr) == RSVD_OK);
    FUZZ_CHECK(hr.message_id == c->next);
    FUZZ_CHECK(hr.flags == RSVD_SMB2_FLAGS_REPLAY_OPERATION);
    FUZZ_CHECK(hr.status == channel_sequence(h, ci, si));
    FUZZ_CHECK(hr.credit == hq.credit && hr.credit_charge == charge);
    FUZZ_CHECK(memcmp(msg + 64, orig + 64, n - 64) == 0);
    c->next += need;
}

/* ---- checks after every step ------------------------------------------------------------------ */

static void check_step(harness *h)
{
    int in_flight[MAX_CONNS] = {0}; /* the model's requests in flight per connection */
    for (int i = 0; i < MAX_REQS; i++)
        if (h->reqs[i].live && h->reqs[i].conn >= 0 && h->reqs[i].conn < MAX_CONNS)
            in_flight[h->reqs[i].conn]++;
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
        FUZZ_CHECK((int)info.outstanding == in_flight[ci]);
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
        FUZZ_CHECK(info.state == (o->creating    ? RSVD_RES_CLIENT_OPEN_CREATING
                                  : o->tree >= 0 ? RSVD_RES_CLIENT_OPEN_CONNECTED
                                                 : RSVD_RES_CLIENT_OPEN_DETACHED));
        FUZZ_CHECK(info.durable_flags == ((o->v2 ? RSVD_RES_CLIENT_DURABLE_V2 : 0u) |
                                          (o->persistent ? RSVD_RES_CLIENT_DURABLE_PERSISTENT
                                                         : 0u)));
        FUZZ_CHECK(info.durable_timeout_ms == o->dtimeout);
        FUZZ_CHECK(rsvd_guid_equal(&info.create_guid, &o->guid));
        FUZZ_CHECK(info.tree == (o->tree >= 0 ? h->trees[o->tree].h : 0));
        FUZZ_CHECK(rsvd_smb2_fileid_equal(&info.file_id, &o->fid));
        FUZZ_CHECK(info.resilient_handle == o->resilient && info.durable == o->durable);
        FUZZ_CHECK(info.resilient_timeout_ms == o->timeout);
        if ((o->resilient || o->persistent) && o->tree < 0)
            FUZZ_CHECK(info.last_disconnect_ms == o->last_disc);
        FUZZ_CHECK(info.reconnecting == (o->attempt >= 0));
        FUZZ_CHECK(info.resend_pending == kept[oi]);
        /* Every bucket, read where the library keeps them (one lookup per
         * open, not one per bucket: the walk is what a step cost), and
         * one of them each step through rsvd_res_client_bucket(). */
        const cli_open *co = rsvd_handle_table_get(&h->cli->opens, o->h);
        FUZZ_CHECK(co != NULL);
        for (uint32_t b = 1; b <= CLI_BUCKETS; b++) {
            const uint8_t e = co->buckets[b - 1];
            FUZZ_CHECK(((e & CLI_BUCKET_TAKEN) == 0) == !((taken[oi] >> (b - 1)) & 1u));
            FUZZ_CHECK((e & 0xFu) == o->seq[b - 1]);
        }
        const uint32_t b = (uint32_t)(h->steps + (uint32_t)oi) % CLI_BUCKETS + 1u;
        bool free_;
        uint8_t seq;
        FUZZ_CHECK(rsvd_res_client_bucket(h->cli, o->h, b, &free_, &seq) == RSVD_OK);
        FUZZ_CHECK(free_ == !((taken[oi] >> (b - 1)) & 1u));
        FUZZ_CHECK(seq == o->seq[b - 1]);
        if (o->queued) {
            uint64_t d = o->deadline + 1u;
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
    h->no_random = (cfgb & 0x20) != 0;
    const rsvd_res_client_callbacks cb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                          .request_failed = on_failed,
                                          .open_lost = on_lost,
                                          .random = h->no_random ? NULL : random_cb};
    int rc = rsvd_res_client_new(&cfg, &cb, h, &h->cli);
    if (rc != RSVD_OK) {
        FUZZ_CHECK(rc == RSVD_E_NOMEM && h->alloc.live == 0);
        return 0;
    }
    for (int step = 0; step < MAX_STEPS && h->pos < h->n; step++) {
        h->steps = (uint32_t)step;
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
        case OP_CREATE: op_create(h); break;
        case OP_HOST_REPLAY: op_host_replay(h); break;
        default: h->now += in_u8(h); break;
        }
        check_step(h);
    }
    rsvd_res_client_free(h->cli);
    FUZZ_CHECK(h->alloc.live == 0);
    return 0;
}
