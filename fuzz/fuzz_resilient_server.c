/*
 * Stateful fuzz harness: the resilient-handle server ([MS-SMB2] 3.3.5.15.9,
 * 3.3.7.1, 3.3.5.6, 3.3.5.5.3, 3.3.5.8, 3.3.6.4, 3.3.5.9.7, 3.3.5.9.12,
 * 3.3.5.14) driven by a byte-coded sequence of operations, with a model of
 * what the host registered and every invariant checked after every step.
 *
 * Input: a sequence of records, each an op byte (taken modulo OP_COUNT)
 * followed by its fixed arguments (missing bytes read as 0):
 *
 *   00 ADD_CONN d          dialect d&3 of {2.0.2, 2.1, 3.0, 3.1.1}, d&4 multi-credit
 *   01 ADD_SESSION c u     on conn slot c, user u%3
 *   02 BIND s c            session slot s to conn slot c
 *   03 ADD_TREE s          on session slot s
 *   04 ADD_OPEN t f        on tree slot t, f&1 leased
 *   05 GRANT o t hi lo     resiliency for open slot o through tree slot t
 *                          (0xFF: the open's own), Timeout (hi<<8|lo)*8 ms
 *   06 IOCTL_MUT o t p v q w L   the same request, bytes p and q set to v
 *                          and w, cut to L bytes when L is not 0
 *   07 LOCK_BEGIN o t s0 s1 s2 s3   LockSequence s3s2s1s0, kept in slot
 *   08 LOCK_END k f        pending lock k ends with success (f&1 == 0)
 *   09 CONN_LOST c         0A LOGOFF s      0B TREE_DISCONNECT t
 *   0C PREV_SESSION n p    session n names session p as PreviousSessionId
 *   0D RECONNECT o t f     CREATE with contexts f (bits: DHnC, DH2C, DHnQ,
 *                          DH2Q, RqLs, PERSISTENT flag, CreateGuid, bogus id)
 *   0E ADVANCE hi lo       clock += (hi<<8|lo)*16 ms
 *   0F EXPIRY              handle_expiry(now)
 *   10 CLOSE o             11 SESSION_CLOSE s
 *   12 RECONNECT_MUT o t f p v     as RECONNECT with byte p set to v
 *   13 TICK x              clock += x ms
 *   14 FAIL_ALLOC n        the (n+1)-th allocation from now fails
 *
 * Invariants (FUZZ_CHECK aborts):
 *  - the server's structural invariants (res_server_check_invariants: no
 *    open both attached and detached, every detached open has a queued
 *    deadline and no attached one has, counts match, limits hold);
 *  - every close is reported once, for a live open, with a reason the
 *    operation allows; an EXPIRED close only for an open still detached and
 *    past the deadline it got at its last detach (never a reconnected one);
 *  - no open disappears without a close; a detached open's deadline is
 *    now + ResiliencyTimeout of the step that detached it; opens change
 *    state only in the operations that may do so;
 *  - an attached FileId is reachable through its own session and tree
 *    connect only, a detached one through none;
 *  - the counts of connections, sessions, tree connects and opens match
 *    the model, and every registration result is the one the model expects
 *    (RSVD_E_NOMEM only when an allocation was made to fail, with nothing
 *    changed);
 *  - memory is bounded by what is registered: every live allocation is one
 *    of the server's tables or a live connection, channel, session, tree
 *    connect or open; at the end nothing is left.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/resilient.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "fail_alloc.h"
#include "fuzz_common.h"
#include "resilient/server_int.h"

/* Build with -DFUZZ_TRACE to print what each operation did. */
#ifdef FUZZ_TRACE
#define TRACE(...) fprintf(stderr, __VA_ARGS__)
#else
#define TRACE(...) ((void)0)
#endif

enum {
    OP_ADD_CONN, OP_ADD_SESSION, OP_BIND, OP_ADD_TREE, OP_ADD_OPEN, OP_GRANT, OP_IOCTL_MUT,
    OP_LOCK_BEGIN, OP_LOCK_END, OP_CONN_LOST, OP_LOGOFF, OP_TREE_DISC, OP_PREV_SESSION,
    OP_RECONNECT, OP_ADVANCE, OP_EXPIRY, OP_CLOSE, OP_SESSION_CLOSE, OP_RECONNECT_MUT, OP_TICK,
    OP_FAIL_ALLOC, OP_COUNT
};

#define MAX_CONNS 8
#define MAX_SESS 12
#define MAX_TREES 24
#define MAX_OPENS 48
#define MAX_CHANNELS 3
#define MAX_PENDING 8

typedef struct m_conn {
    bool live;
    uint64_t h;
    uint16_t dialect;
} m_conn;

typedef struct m_sess {
    bool live;
    uint64_t h;
    uint64_t sid;
    int user;
    uint16_t dialect;
    int chans[MAX_CHANNELS];
    int nch;
} m_sess;

typedef struct m_tree {
    bool live;
    uint64_t h;
    int sess;
    uint32_t tid;
} m_tree;

typedef struct m_open {
    bool live;
    uint64_t persistent;
    rsvd_res_open_info info; /* as of the end of the last step */
    uint64_t deadline;       /* set when it detached */
    int owner;               /* the user who was granted resiliency, -1: none */
} m_open;

typedef struct harness {
    rsvd_res_server *srv;
    uint64_t now;
    int op;
    m_conn conns[MAX_CONNS];
    m_sess sess[MAX_SESS];
    m_tree trees[MAX_TREES];
    m_open opens[MAX_OPENS];
    rsvd_res_lock_op pending[MAX_PENDING];
    bool pending_used[MAX_PENDING];
    uint8_t lock_msgs[MAX_PENDING][128];
    uint64_t next_sid;
    uint32_t next_tid;
    uint64_t next_mid;
    bool shutting_down;
    fa_alloc alloc; /* the instance's allocator */
    size_t failed_before; /* alloc.failed when the step began */
} harness;

static const uint8_t users[3][8] = {{'a', 'l', 'i', 'c', 'e'}, {'b', 'o', 'b'}, {'c', 'a', 'r', 'o', 'l'}};
static const uint16_t dialects[4] = {RSVD_SMB2_DIALECT_202, RSVD_SMB2_DIALECT_210,
                                     RSVD_SMB2_DIALECT_300, RSVD_SMB2_DIALECT_311};

typedef struct input {
    const uint8_t *p;
    size_t n, pos;
} input;

static uint8_t in_u8(input *in)
{
    return in->pos < in->n ? in->p[in->pos++] : 0;
}

static m_open *open_by_persistent(harness *h, uint64_t persistent)
{
    for (int i = 0; i < MAX_OPENS; i++)
        if (h->opens[i].live && h->opens[i].persistent == persistent)
            return &h->opens[i];
    return NULL;
}

/* ---- the close callback: every close the library decides ------------------ */

static void on_close(rsvd_res_server *srv, const rsvd_res_closed_open *c, void *ud)
{
    harness *h = ud;
    FUZZ_CHECK(srv == h->srv);
    m_open *o = open_by_persistent(h, c->file_id.persistent_id);
    FUZZ_CHECK(o != NULL); /* a live open, closed once */
    rsvd_res_open_info gone = RSVD_STRUCT_INIT(rsvd_res_open_info);
    FUZZ_CHECK(rsvd_res_server_open_info(srv, c->file_id.persistent_id, &gone) == RSVD_E_NOENT);
    switch (c->reason) {
    case RSVD_RES_CLOSE_EXPIRED:
        FUZZ_CHECK(h->op == OP_EXPIRY || h->op == OP_RECONNECT || h->op == OP_RECONNECT_MUT);
        FUZZ_CHECK(o->info.state == RSVD_RES_OPEN_DETACHED); /* never a reconnected open */
        FUZZ_CHECK(o->deadline < h->now);
        FUZZ_CHECK(c->file_id.volatile_id == 0);
        break;
    case RSVD_RES_CLOSE_DISCONNECT:
        FUZZ_CHECK(h->op == OP_CONN_LOST && !o->info.is_resilient);
        break;
    case RSVD_RES_CLOSE_LOGOFF:
        FUZZ_CHECK(h->op == OP_LOGOFF && !o->info.is_resilient);
        break;
    case RSVD_RES_CLOSE_PREVIOUS_SESSION:
        FUZZ_CHECK(h->op == OP_PREV_SESSION && !o->info.is_resilient);
        break;
    case RSVD_RES_CLOSE_TREE_DISCONNECT:
        FUZZ_CHECK(h->op == OP_TREE_DISC && o->info.state == RSVD_RES_OPEN_ATTACHED);
        break;
    case RSVD_RES_CLOSE_SESSION_CLOSED:
        FUZZ_CHECK(h->op == OP_SESSION_CLOSE && o->info.state == RSVD_RES_OPEN_ATTACHED);
        break;
    case RSVD_RES_CLOSE_RESOURCES:
        FUZZ_CHECK((h->op == OP_CONN_LOST || h->op == OP_LOGOFF || h->op == OP_PREV_SESSION) &&
                   o->info.is_resilient);
        break;
    case RSVD_RES_CLOSE_SHUTDOWN:
        FUZZ_CHECK(h->shutting_down);
        break;
    default:
        FUZZ_CHECK(c->reason == RSVD_RES_CLOSE_EXPIRED); /* unknown reason */
    }
    TRACE("  close %llx reason %s\n", (unsigned long long)c->file_id.persistent_id,
          rsvd_res_close_reason_name((int)c->reason));
    /* Mutating calls are refused while the callback runs. */
    FUZZ_CHECK(rsvd_res_server_handle_expiry(srv, h->now, NULL) == RSVD_E_BUSY);
    o->live = false;
}

/* ---- the model ---------------------------------------------------------------- */

static int find_free(const void *arr, size_t elem, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!*(const bool *)(const void *)((const char *)arr + i * elem))
            return (int)i;
    return -1;
}

static int count_live(const void *arr, size_t elem, size_t count)
{
    int n = 0;
    for (size_t i = 0; i < count; i++)
        n += *(const bool *)(const void *)((const char *)arr + i * elem) ? 1 : 0;
    return n;
}

static void channel_remove(m_sess *s, int c)
{
    for (int i = 0; i < s->nch; i++)
        if (s->chans[i] == c) {
            s->chans[i] = s->chans[--s->nch];
            return;
        }
}

static void session_dies(harness *h, int si)
{
    h->sess[si].live = false;
    for (int t = 0; t < MAX_TREES; t++)
        if (h->trees[t].live && h->trees[t].sess == si)
            h->trees[t].live = false;
}

/* A context through tree slot @p t: its session and one of its channels. */
static bool ctx_of_tree(harness *h, int t, uint32_t pick, rsvd_res_server_ctx *ctx,
                        uint64_t *sid, uint32_t *tid)
{
    const m_tree *tr = &h->trees[t];
    /* Dead slots still give (stale) handles: they must be refused. */
    const m_sess *s = &h->sess[tr->sess];
    memset(ctx, 0, sizeof *ctx);
    ctx->tree = tr->h;
    ctx->session = s->h;
    ctx->conn = s->nch ? h->conns[s->chans[pick % (uint32_t)s->nch]].h : 0;
    ctx->credits = 1;
    *sid = s->sid;
    *tid = tr->tid;
    return tr->live && s->live && s->nch > 0;
}

static int tree_slot_by_handle(const harness *h, uint64_t th)
{
    for (int t = 0; t < MAX_TREES; t++)
        if (h->trees[t].live && h->trees[t].h == th)
            return t;
    return -1;
}

/* The tree slot of an open op: t, or the open's own (0xFF). */
static int op_tree_slot(const harness *h, const m_open *o, uint8_t t)
{
    if (t == 0xFF && o->live && o->info.state == RSVD_RES_OPEN_ATTACHED) {
        int own = tree_slot_by_handle(h, o->info.tree);
        FUZZ_CHECK(own >= 0);
        return own;
    }
    return t % MAX_TREES;
}

static bool op_ctx(harness *h, const m_open *o, uint8_t t, uint32_t pick,
                   rsvd_res_server_ctx *ctx, uint64_t *sid, uint32_t *tid)
{
    return ctx_of_tree(h, op_tree_slot(h, o, t), pick, ctx, sid, tid);
}

static rsvd_smb2_fileid open_fid(const m_open *o)
{
    rsvd_smb2_fileid f = o->info.file_id;
    if (!o->live || o->info.state != RSVD_RES_OPEN_ATTACHED)
        f.persistent_id = o->persistent;
    return f;
}

/* ---- checks after every step ---------------------------------------------------- */

static void check_step(harness *h)
{
    const char *broken = res_server_check_invariants(h->srv);
    if (broken) {
        fprintf(stderr, "server invariant: %s\n", broken);
        FUZZ_CHECK(broken == NULL);
    }
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(h->srv, &st);
    FUZZ_CHECK((int)st.connections == count_live(h->conns, sizeof h->conns[0], MAX_CONNS));
    FUZZ_CHECK((int)st.sessions == count_live(h->sess, sizeof h->sess[0], MAX_SESS));
    FUZZ_CHECK((int)st.trees == count_live(h->trees, sizeof h->trees[0], MAX_TREES));
    FUZZ_CHECK((int)st.opens == count_live(h->opens, sizeof h->opens[0], MAX_OPENS));

    for (int i = 0; i < MAX_OPENS; i++) {
        m_open *o = &h->opens[i];
        if (!o->live)
            continue;
        rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
        FUZZ_CHECK(rsvd_res_server_open_info(h->srv, o->persistent, &info) == RSVD_OK);
        if (info.state != o->info.state) {
            if (info.state == RSVD_RES_OPEN_DETACHED) {
                FUZZ_CHECK(h->op == OP_CONN_LOST || h->op == OP_LOGOFF ||
                           h->op == OP_PREV_SESSION);
                FUZZ_CHECK(info.is_resilient);
                uint64_t want = h->now + info.resiliency_timeout_ms;
                FUZZ_CHECK(info.deadline_ms == want);
                o->deadline = want;
            } else {
                FUZZ_CHECK(h->op == OP_RECONNECT || h->op == OP_RECONNECT_MUT);
                FUZZ_CHECK(info.deadline_ms == 0);
            }
        } else if (info.state == RSVD_RES_OPEN_DETACHED) {
            FUZZ_CHECK(info.deadline_ms == o->deadline); /* a detached open keeps it */
        }
        if (info.state == RSVD_RES_OPEN_ATTACHED) {
            /* Reachable through its own session and tree connect only. */
            for (int t = 0; t < MAX_TREES; t++) {
                rsvd_res_server_ctx ctx;
                uint64_t sid;
                uint32_t tid;
                if (!ctx_of_tree(h, t, (uint32_t)i, &ctx, &sid, &tid))
                    continue;
                void *ud = NULL;
                uint32_t s = rsvd_res_server_open_lookup(h->srv, &ctx, &info.file_id, &ud);
                bool own = ctx.session == info.session && ctx.tree == info.tree;
                FUZZ_CHECK(s == (own ? RSVD_STATUS_SUCCESS : RSVD_STATUS_FILE_CLOSED));
            }
        } else {
            for (int t = 0; t < MAX_TREES; t++) {
                rsvd_res_server_ctx ctx;
                uint64_t sid;
                uint32_t tid;
                if (!ctx_of_tree(h, t, (uint32_t)i, &ctx, &sid, &tid))
                    continue;
                rsvd_smb2_fileid f = {o->persistent, o->info.file_id.volatile_id};
                FUZZ_CHECK(rsvd_res_server_open_lookup(h->srv, &ctx, &f, NULL) ==
                           RSVD_STATUS_FILE_CLOSED);
            }
        }
        o->info = info;
    }
    uint64_t next = rsvd_res_server_next_expiry(h->srv);
    FUZZ_CHECK(next == UINT64_MAX || next > 0);
    /* Memory is bounded by what is registered: the server, its five handle
     * tables and its deadline heap, and one block per connection, channel,
     * session, tree connect and open. */
    size_t objects = st.connections + st.sessions + st.trees + st.opens;
    for (int i = 0; i < MAX_SESS; i++)
        objects += h->sess[i].live ? (size_t)h->sess[i].nch : 0u;
    FUZZ_CHECK(h->alloc.live <= 7u + objects);
}

/* ---- message builders ---------------------------------------------------------- */

static size_t build_ioctl(uint64_t sid, uint32_t tid, uint64_t mid, const rsvd_smb2_fileid *f,
                          uint32_t timeout, uint8_t *buf, size_t cap)
{
    rsvd_smb2_resiliency_req_args a;
    memset(&a, 0, sizeof a);
    a.credit_charge = 1;
    a.message_id = mid;
    a.session_id = sid;
    a.tree_id = tid;
    a.file_id = *f;
    a.timeout_ms = timeout;
    size_t n = 0;
    FUZZ_CHECK(rsvd_smb2_resiliency_req_build(&a, buf, cap, &n) == RSVD_OK);
    return n;
}

static size_t build_lock(uint64_t sid, uint32_t tid, uint64_t mid, const rsvd_smb2_fileid *f,
                         uint32_t ls, uint8_t *buf, size_t cap)
{
    uint8_t el[RSVD_SMB2_LOCK_ELEMENT_SIZE];
    const rsvd_smb2_lock_element e = {0, 16, RSVD_SMB2_LOCKFLAG_SHARED_LOCK};
    FUZZ_CHECK(rsvd_smb2_lock_element_encode(&e, el, sizeof el) == RSVD_OK);
    rsvd_smb2_lock_req m;
    memset(&m, 0, sizeof m);
    m.hdr.message_id = mid;
    m.hdr.session_id = sid;
    m.hdr.tree_id = tid;
    m.lock_count = 1;
    m.lock_sequence = ls;
    m.file_id = *f;
    m.locks = el;
    size_t n = 0;
    FUZZ_CHECK(rsvd_smb2_lock_req_encode(&m, buf, cap, &n) == RSVD_OK);
    return n;
}

static size_t build_create(uint64_t sid, uint32_t tid, uint64_t mid, const rsvd_smb2_fileid *f,
                           uint8_t which, uint8_t *buf, size_t cap)
{
    uint8_t chain[256], data[64];
    size_t dn = 0, cn = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    rsvd_smb2_fileid id = *f;
    if (which & 0x80)
        id.persistent_id ^= 0x100000000ull; /* another generation: stale */
    if (which & 0x04) {
        FUZZ_CHECK(rsvd_smb2_dhnq_req_encode(data, sizeof data, &dn) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "DHnQ", 4, data, dn) == RSVD_OK);
    }
    if (which & 0x01) {
        FUZZ_CHECK(rsvd_smb2_dhnc_encode(&id, data, sizeof data, &dn) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "DHnC", 4, data, dn) == RSVD_OK);
    }
    if (which & 0x08) {
        rsvd_smb2_dh2q_req q;
        memset(&q, 0, sizeof q);
        FUZZ_CHECK(rsvd_smb2_dh2q_req_encode(&q, data, sizeof data, &dn) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "DH2Q", 4, data, dn) == RSVD_OK);
    }
    if (which & 0x02) {
        rsvd_smb2_dh2c d;
        memset(&d, 0, sizeof d);
        d.file_id = id;
        d.flags = (which & 0x20) ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0;
        d.create_guid.b[0] = (which & 0x40) ? 1 : 0;
        FUZZ_CHECK(rsvd_smb2_dh2c_encode(&d, data, sizeof data, &dn) == RSVD_OK);
        FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "DH2C", 4, data, dn) == RSVD_OK);
    }
    if (which & 0x10) {
        uint8_t lease[32] = {0};
        FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "RqLs", 4, lease, sizeof lease) == RSVD_OK);
    }
    FUZZ_CHECK(rsvd_smb2_cc_builder_finish(&b, &cn) == RSVD_OK);
    static const uint8_t name[4] = {'d', 0, 'x', 0};
    rsvd_smb2_create_req m;
    memset(&m, 0, sizeof m);
    m.hdr.message_id = mid;
    m.hdr.session_id = sid;
    m.hdr.tree_id = tid;
    m.desired_access = 0x12019F;
    m.create_disposition = RSVD_FILE_OPEN;
    m.name_length = sizeof name;
    m.name = name;
    m.create_contexts_length = (uint32_t)cn;
    m.create_contexts = cn ? chain : NULL;
    size_t n = 0;
    FUZZ_CHECK(rsvd_smb2_create_req_encode(&m, buf, cap, &n) == RSVD_OK);
    return n;
}

/* ---- the operations ------------------------------------------------------------- */

static void op_add_conn(harness *h, input *in)
{
    uint8_t d = in_u8(in);
    int slot = find_free(h->conns, sizeof h->conns[0], MAX_CONNS);
    const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                    .dialect = dialects[d & 3],
                                    .supports_multi_credit = (d & 4) != 0,
                                    .max_transact_size = (d & 8) ? 64u : 0u};
    uint64_t hd;
    int rc = rsvd_res_server_conn_add(h->srv, &p, &hd);
    if (rc == RSVD_E_NOMEM) { /* an injected failure: nothing registered */
        FUZZ_CHECK(h->alloc.failed > h->failed_before);
        return;
    }
    if (slot < 0) {
        FUZZ_CHECK(rc == RSVD_E_LIMIT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    h->conns[slot] = (m_conn){true, hd, p.dialect};
}

static void op_add_session(harness *h, input *in)
{
    int c = in_u8(in) % MAX_CONNS;
    int u = in_u8(in) % 3;
    uint64_t hd;
    uint64_t sid = ++h->next_sid;
    int rc = rsvd_res_server_session_add(h->srv, h->conns[c].h, sid, users[u],
                                         strlen((const char *)users[u]), &hd);
    if (!h->conns[c].live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (rc == RSVD_E_NOMEM) { /* an injected failure: nothing registered */
        FUZZ_CHECK(h->alloc.failed > h->failed_before);
        return;
    }
    int slot = find_free(h->sess, sizeof h->sess[0], MAX_SESS);
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
    s->user = u;
    s->dialect = h->conns[c].dialect;
    s->chans[0] = c;
    s->nch = 1;
}

static void op_bind(harness *h, input *in)
{
    int si = in_u8(in) % MAX_SESS, c = in_u8(in) % MAX_CONNS;
    m_sess *s = &h->sess[si];
    int rc = rsvd_res_server_session_bind(h->srv, s->h, h->conns[c].h);
    if (!s->live || !h->conns[c].live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (!res_dialect_is_3x(s->dialect) || !res_dialect_is_3x(h->conns[c].dialect)) {
        FUZZ_CHECK(rc == RSVD_E_NOTSUP);
        return;
    }
    for (int i = 0; i < s->nch; i++)
        if (s->chans[i] == c) {
            FUZZ_CHECK(rc == RSVD_E_STATE);
            return;
        }
    if (s->nch >= MAX_CHANNELS) {
        FUZZ_CHECK(rc == RSVD_E_LIMIT);
        return;
    }
    if (rc == RSVD_E_NOMEM) { /* an injected failure: nothing registered */
        FUZZ_CHECK(h->alloc.failed > h->failed_before);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    s->chans[s->nch++] = c;
}

static void op_add_tree(harness *h, input *in)
{
    int si = in_u8(in) % MAX_SESS;
    uint64_t hd;
    uint32_t tid = ++h->next_tid;
    rsvd_res_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_tree_params);
    tp.tree_id = tid;
    int rc = rsvd_res_server_tree_add(h->srv, h->sess[si].h, &tp, &hd);
    if (!h->sess[si].live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    if (rc == RSVD_E_NOMEM) { /* an injected failure: nothing registered */
        FUZZ_CHECK(h->alloc.failed > h->failed_before);
        return;
    }
    int slot = find_free(h->trees, sizeof h->trees[0], MAX_TREES);
    if (slot < 0) {
        FUZZ_CHECK(rc == RSVD_E_LIMIT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    h->trees[slot] = (m_tree){true, hd, si, tid};
}

static void op_add_open(harness *h, input *in)
{
    int t = in_u8(in) % MAX_TREES;
    uint8_t f = in_u8(in);
    rsvd_res_server_ctx ctx;
    uint64_t sid;
    uint32_t tid;
    bool ok = ctx_of_tree(h, t, f, &ctx, &sid, &tid);
    rsvd_smb2_fileid fid;
    int rc = rsvd_res_server_open_add(h->srv, &ctx, f & 1, NULL, &fid);
    if (!ok) {
        FUZZ_CHECK(rc != RSVD_OK);
        return;
    }
    int slot = find_free(h->opens, sizeof h->opens[0], MAX_OPENS);
    if (rc == RSVD_E_LIMIT)
        return; /* max_opens or max_opens_per_session */
    if (rc == RSVD_E_NOMEM) { /* an injected failure: nothing registered */
        FUZZ_CHECK(h->alloc.failed > h->failed_before);
        return;
    }

    FUZZ_CHECK(slot >= 0 && rc == RSVD_OK);
    m_open *o = &h->opens[slot];
    memset(o, 0, sizeof *o);
    o->live = true;
    o->persistent = fid.persistent_id;
    o->owner = -1;
    o->info = (rsvd_res_open_info)RSVD_STRUCT_INIT(rsvd_res_open_info);
    FUZZ_CHECK(rsvd_res_server_open_info(h->srv, fid.persistent_id, &o->info) == RSVD_OK);
    FUZZ_CHECK(o->info.state == RSVD_RES_OPEN_ATTACHED && !o->info.is_resilient);
}

static void run_ioctl(harness *h, const rsvd_res_server_ctx *ctx, bool ctx_ok, int user,
                      const uint8_t *req, size_t n, m_open *o, uint32_t timeout, bool pristine)
{
    uint8_t rsp[256];
    size_t rn = 0;
    uint32_t st = 0;
    bool was_resilient = o->live && o->info.is_resilient;
    int rc = rsvd_res_server_ioctl(h->srv, ctx, req, n, rsp, sizeof rsp, &rn, &st);
    TRACE("  ioctl rc %d status %08x\n", rc, st);
    if (rc != RSVD_OK) {
        FUZZ_CHECK(rn == 0);
        if (pristine)
            FUZZ_CHECK(!ctx_ok); /* a well-formed request on a good ctx is answered */
        return;
    }
    rsvd_smb2_hdr hd;
    FUZZ_CHECK(rsvd_smb2_hdr_decode(rsp, rn, &hd) == RSVD_OK);
    FUZZ_CHECK(hd.status == st && (hd.flags & RSVD_SMB2_FLAGS_SERVER_TO_REDIR));
    if (st == RSVD_STATUS_SUCCESS) {
        rsvd_smb2_ioctl_rsp r;
        FUZZ_CHECK(rsvd_smb2_ioctl_rsp_decode(rsp, rn, &r) == RSVD_OK);
        FUZZ_CHECK(rn == RSVD_SMB2_RESILIENCY_RSP_SIZE && r.output_count == 0 &&
                   r.output_offset == 112 && r.flags == 0);
        m_open *granted = open_by_persistent(h, r.file_id.persistent_id);
        FUZZ_CHECK(granted != NULL);
        rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
        FUZZ_CHECK(rsvd_res_server_open_info(h->srv, granted->persistent, &info) == RSVD_OK);
        FUZZ_CHECK(info.is_resilient && info.state == RSVD_RES_OPEN_ATTACHED);
        FUZZ_CHECK(info.session == ctx->session && info.tree == ctx->tree);
        FUZZ_CHECK(info.resiliency_timeout_ms <= RSVD_RES_DEFAULT_MAX_TIMEOUT_MS);
        if (pristine)
            FUZZ_CHECK(info.resiliency_timeout_ms ==
                       (timeout ? timeout : RSVD_RES_DEFAULT_TIMEOUT_ZERO_GRANT_MS));
        granted->owner = user; /* DurableOwner */
    } else {
        FUZZ_CHECK(rn == 64 + 9);
        if (pristine && o->live) {
            /* Refused: nothing changed. */
            rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
            FUZZ_CHECK(rsvd_res_server_open_info(h->srv, o->persistent, &info) == RSVD_OK);
            FUZZ_CHECK(info.is_resilient == was_resilient);
            if (timeout > RSVD_RES_DEFAULT_MAX_TIMEOUT_MS)
                FUZZ_CHECK(st == RSVD_STATUS_INVALID_PARAMETER ||
                           st == RSVD_STATUS_FILE_CLOSED);
        }
    }
}

static void op_grant(harness *h, input *in, bool mutate)
{
    m_open *o = &h->opens[in_u8(in) % MAX_OPENS];
    uint8_t t = in_u8(in);
    uint32_t timeout = (uint32_t)((in_u8(in) << 8) | in_u8(in)) * 8u;
    rsvd_res_server_ctx ctx;
    uint64_t sid;
    uint32_t tid;
    bool ok = op_ctx(h, o, t, timeout, &ctx, &sid, &tid);
    rsvd_smb2_fileid f = open_fid(o);
    uint8_t req[256];
    size_t n = build_ioctl(sid, tid, ++h->next_mid, &f, timeout, req, sizeof req);
    if (mutate) {
        uint8_t p = in_u8(in), v = in_u8(in), q = in_u8(in), w = in_u8(in), L = in_u8(in);
        req[p % n] = v;
        req[q % n] = w;
        if (L)
            n = L % (n + 1);
    }
    run_ioctl(h, &ctx, ok, h->sess[h->trees[op_tree_slot(h, o, t)].sess].user, req, n, o, timeout,
              !mutate);
}

static void op_lock_begin(harness *h, input *in)
{
    m_open *o = &h->opens[in_u8(in) % MAX_OPENS];
    uint8_t t = in_u8(in);
    uint32_t ls = (uint32_t)in_u8(in) | ((uint32_t)in_u8(in) << 8) | ((uint32_t)in_u8(in) << 16) |
                  ((uint32_t)in_u8(in) << 24);
    int k = find_free(h->pending_used, sizeof h->pending_used[0], MAX_PENDING);
    if (k < 0)
        return;
    rsvd_res_server_ctx ctx;
    uint64_t sid;
    uint32_t tid;
    bool ok = op_ctx(h, o, t, ls, &ctx, &sid, &tid);
    rsvd_smb2_fileid f = open_fid(o);
    size_t n = build_lock(sid, tid, ++h->next_mid, &f, ls, h->lock_msgs[k], sizeof h->lock_msgs[k]);
    rsvd_res_lock_op op;
    int rc = rsvd_res_server_lock_begin(h->srv, &ctx, h->lock_msgs[k], n, &op);
    TRACE("  lock_begin rc %d action %d status %08x\n", rc, (int)op.action, op.status);
    if (rc != RSVD_OK) {
        FUZZ_CHECK(!ok);
        return;
    }
    if (op.action == RSVD_RES_LOCK_REPLAY) {
        /* Only an open that tracks sequences, with that entry recorded. */
        bool valid;
        uint8_t number;
        uint32_t idx = rsvd_smb2_lock_seq_index(ls);
        FUZZ_CHECK(idx >= 1 && idx <= 64);
        FUZZ_CHECK(rsvd_res_server_lock_seq(h->srv, op.priv_persistent_id, idx, &valid,
                                            &number) == RSVD_OK);
        FUZZ_CHECK(valid && number == rsvd_smb2_lock_seq_number(ls));
    }
    if (op.action == RSVD_RES_LOCK_PROCESS) {
        h->pending[k] = op;
        h->pending_used[k] = true;
    }
}

static void op_lock_end(harness *h, input *in)
{
    int k = in_u8(in) % MAX_PENDING;
    uint8_t f = in_u8(in);
    if (!h->pending_used[k])
        return;
    const rsvd_res_lock_op *op = &h->pending[k];
    uint32_t status = (f & 1) ? RSVD_STATUS_LOCK_NOT_GRANTED : RSVD_STATUS_SUCCESS;
    m_open *o = open_by_persistent(h, op->priv_persistent_id);
    uint32_t idx = op->priv_index;
    bool tracked = o && idx >= 1 && idx <= 64;
    bool v0 = false, v1 = false;
    uint8_t n0 = 0, n1 = 0;
    if (tracked)
        FUZZ_CHECK(rsvd_res_server_lock_seq(h->srv, o->persistent, idx, &v0, &n0) == RSVD_OK);
    int rc = rsvd_res_server_lock_end(h->srv, op, status);
    FUZZ_CHECK(rc == (o ? RSVD_OK : RSVD_E_NOENT));
    if (tracked) {
        FUZZ_CHECK(rsvd_res_server_lock_seq(h->srv, o->persistent, idx, &v1, &n1) == RSVD_OK);
        bool unchanged = v0 == v1 && n0 == n1;
        if (status != RSVD_STATUS_SUCCESS)
            FUZZ_CHECK(unchanged); /* recorded only after the whole request succeeded */
        else
            FUZZ_CHECK(unchanged || (v1 && n1 == op->priv_number));
    }
    h->pending_used[k] = false;
}

static void op_conn_lost(harness *h, input *in)
{
    int c = in_u8(in) % MAX_CONNS;
    int rc = rsvd_res_server_conn_lost(h->srv, h->conns[c].h, h->now);
    if (!h->conns[c].live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    for (int si = 0; si < MAX_SESS; si++) {
        m_sess *s = &h->sess[si];
        if (!s->live)
            continue;
        bool on = false;
        for (int i = 0; i < s->nch; i++)
            on = on || s->chans[i] == c;
        if (!on)
            continue;
        if (res_dialect_is_3x(h->conns[c].dialect) && s->nch > 1)
            channel_remove(s, c);
        else
            session_dies(h, si);
    }
    h->conns[c].live = false;
}

static void op_logoff(harness *h, input *in, bool close)
{
    int si = in_u8(in) % MAX_SESS;
    int rc = close ? rsvd_res_server_session_close(h->srv, h->sess[si].h)
                   : rsvd_res_server_logoff(h->srv, h->sess[si].h, h->now);
    FUZZ_CHECK(rc == (h->sess[si].live ? RSVD_OK : RSVD_E_NOENT));
    if (h->sess[si].live)
        session_dies(h, si);
}

static void op_tree_disc(harness *h, input *in)
{
    int t = in_u8(in) % MAX_TREES;
    int rc = rsvd_res_server_tree_disconnect(h->srv, h->trees[t].h);
    FUZZ_CHECK(rc == (h->trees[t].live ? RSVD_OK : RSVD_E_NOENT));
    h->trees[t].live = false;
}

static void op_prev_session(harness *h, input *in)
{
    int n = in_u8(in) % MAX_SESS, p = in_u8(in) % MAX_SESS;
    bool removed = false;
    int rc = rsvd_res_server_previous_session(h->srv, h->sess[n].h, h->sess[p].h, h->now, &removed);
    if (!h->sess[n].live || !h->sess[p].live) {
        FUZZ_CHECK(rc == RSVD_E_NOENT);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK);
    bool want = n != p && h->sess[n].user == h->sess[p].user;
    FUZZ_CHECK(removed == want);
    if (want)
        session_dies(h, p);
}

static void op_reconnect(harness *h, input *in, bool mutate)
{
    m_open *o = &h->opens[in_u8(in) % MAX_OPENS];
    int t = in_u8(in) % MAX_TREES;
    uint8_t which = in_u8(in);
    rsvd_res_server_ctx ctx;
    uint64_t sid;
    uint32_t tid;
    bool ok = ctx_of_tree(h, t, which, &ctx, &sid, &tid);
    rsvd_smb2_fileid f = open_fid(o);
    uint8_t req[512];
    size_t n = build_create(sid, tid, ++h->next_mid, &f, which, req, sizeof req);
    if (mutate) {
        uint8_t p = in_u8(in), v = in_u8(in);
        req[64u + p % (n - 64u)] = v; /* the body only: the ids stay valid */
    }
    bool was_detached = o->live && o->info.state == RSVD_RES_OPEN_DETACHED;
    rsvd_res_reconnect_result r;
    int rc = rsvd_res_server_reconnect(h->srv, &ctx, req, n, h->now, &r);
    TRACE("  reconnect rc %d status %08x\n", rc, r.status);
    if (rc != RSVD_OK) {
        FUZZ_CHECK(rc == RSVD_E_NOENT || !ok);
        return;
    }
    if (r.status == RSVD_STATUS_SUCCESS) {
        m_open *got = open_by_persistent(h, r.file_id.persistent_id);
        FUZZ_CHECK(got != NULL && got->info.state == RSVD_RES_OPEN_DETACHED);
        FUZZ_CHECK(got->deadline >= h->now);                       /* not expired */
        FUZZ_CHECK(got->owner == h->sess[h->trees[t].sess].user); /* DurableOwner */
        rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
        FUZZ_CHECK(rsvd_res_server_open_info(h->srv, got->persistent, &info) == RSVD_OK);
        FUZZ_CHECK(info.state == RSVD_RES_OPEN_ATTACHED && info.session == ctx.session &&
                   info.tree == ctx.tree);
        FUZZ_CHECK(rsvd_smb2_fileid_equal(&info.file_id, &r.file_id));
        if (!mutate)
            FUZZ_CHECK(got == o && was_detached && (which & 0x80) == 0);
    } else if (!mutate && ok && was_detached && (which & 0x83) == 0x01 &&
               o->deadline >= h->now && !o->info.leased && !(which & 0x10)) {
        /* A plain DHnC for a live detached open without lease: refused only
         * for another user, a 3.x DH2Q next to it, or a full session. */
        bool dh2q_3x = (which & 0x08) && res_dialect_is_3x(h->sess[h->trees[t].sess].dialect);
        if (dh2q_3x)
            FUZZ_CHECK(r.status == RSVD_STATUS_INVALID_PARAMETER);
        else if (o->owner != h->sess[h->trees[t].sess].user)
            FUZZ_CHECK(r.status == RSVD_STATUS_ACCESS_DENIED);
        else
            FUZZ_CHECK(r.status == RSVD_STATUS_INSUFFICIENT_RESOURCES);
    }
}

static void op_close(harness *h, input *in)
{
    m_open *o = &h->opens[in_u8(in) % MAX_OPENS];
    int rc = rsvd_res_server_open_close(h->srv, o->persistent);
    FUZZ_CHECK(rc == (o->live ? RSVD_OK : RSVD_E_NOENT));
    o->live = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static harness h;
    memset(&h, 0, sizeof h);
    h.now = 1000;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_connections = MAX_CONNS;
    cfg.max_sessions = MAX_SESS;
    cfg.max_trees = MAX_TREES;
    cfg.max_opens = MAX_OPENS;
    cfg.max_opens_per_session = 12;
    cfg.max_detached = 16;
    cfg.max_channels = MAX_CHANNELS;
    fa_init(&h.alloc);
    cfg.mem = &h.alloc.mem;
    const rsvd_res_server_callbacks cb = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                          .close_open = on_close};
    FUZZ_CHECK(rsvd_res_server_new(&cfg, &cb, &h, &h.srv) == RSVD_OK);
    input in = {data, size, 0};
    size_t steps = 0;
    while (in.pos < in.n && steps++ < 512) {
        h.op = in_u8(&in) % OP_COUNT;
        h.failed_before = h.alloc.failed;
        TRACE("op %02x at %llu\n", h.op, (unsigned long long)h.now);
        switch (h.op) {
        case OP_ADD_CONN: op_add_conn(&h, &in); break;
        case OP_ADD_SESSION: op_add_session(&h, &in); break;
        case OP_BIND: op_bind(&h, &in); break;
        case OP_ADD_TREE: op_add_tree(&h, &in); break;
        case OP_ADD_OPEN: op_add_open(&h, &in); break;
        case OP_GRANT: op_grant(&h, &in, false); break;
        case OP_IOCTL_MUT: op_grant(&h, &in, true); break;
        case OP_LOCK_BEGIN: op_lock_begin(&h, &in); break;
        case OP_LOCK_END: op_lock_end(&h, &in); break;
        case OP_CONN_LOST: op_conn_lost(&h, &in); break;
        case OP_LOGOFF: op_logoff(&h, &in, false); break;
        case OP_TREE_DISC: op_tree_disc(&h, &in); break;
        case OP_PREV_SESSION: op_prev_session(&h, &in); break;
        case OP_RECONNECT: op_reconnect(&h, &in, false); break;
        case OP_ADVANCE: h.now += (uint64_t)((in_u8(&in) << 8) | in_u8(&in)) * 16u; break;
        case OP_EXPIRY: {
            size_t closed = 0;
            uint64_t next = rsvd_res_server_next_expiry(h.srv);
            FUZZ_CHECK(rsvd_res_server_handle_expiry(h.srv, h.now, &closed) == RSVD_OK);
            FUZZ_CHECK((closed > 0) == (next <= h.now));
            FUZZ_CHECK(rsvd_res_server_next_expiry(h.srv) > h.now);
            break;
        }
        case OP_CLOSE: op_close(&h, &in); break;
        case OP_SESSION_CLOSE: op_logoff(&h, &in, true); break;
        case OP_RECONNECT_MUT: op_reconnect(&h, &in, true); break;
        case OP_TICK: h.now += in_u8(&in); break;
        case OP_FAIL_ALLOC: h.alloc.fail_at = h.alloc.calls + 1u + in_u8(&in); break;
        default: break;
        }
        check_step(&h);
    }
    h.shutting_down = true;
    rsvd_res_server_free(h.srv);
    for (int i = 0; i < MAX_OPENS; i++)
        FUZZ_CHECK(!h.opens[i].live); /* every remaining open closed once at shutdown */
    FUZZ_CHECK(h.alloc.live == 0);       /* nothing leaked */
    return 0;
}
