/*
 * Stateful fuzz harness: the open-preservation server - resilient
 * ([MS-SMB2] 3.3.5.15.9), durable v1 and v2, persistent (3.3.5.9.6,
 * 3.3.5.9.10), their reconnects (3.3.5.9.7, 3.3.5.9.12), CREATE replay,
 * application instances (3.3.5.9.13), the channel sequence (3.3.5.2.10),
 * 3.3.7.1, 3.3.5.6, 3.3.5.5.3, 3.3.5.8, the scavenger (3.3.6.2, 3.3.6.4),
 * 3.3.5.14, and its state store with restarts - driven by a byte-coded
 * sequence of operations, with a model of what the host registered and
 * every invariant checked after every step.
 *
 * Input: a sequence of records, each an op byte (taken modulo OP_COUNT)
 * followed by its fixed arguments (missing bytes read as 0):
 *
 *   00 ADD_CONN d          dialect d&3 of {2.0.2, 2.1, 3.0, 3.1.1}, d&4 multi-credit,
 *                          ClientGuid (d>>4)%3, d&8 PERSISTENT_HANDLES|MULTI_CHANNEL
 *   01 ADD_SESSION c u     on conn slot c, user u%3
 *   02 BIND s c            session slot s to conn slot c
 *   03 ADD_TREE s x        on session slot s, share x&1, x&2 continuously available
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
 *   15 CREATE t k g o      create_begin/_end through tree slot t: k bits DHnQ,
 *                          DH2Q, PERSISTENT, RqLs, APP_INSTANCE_ID, REPLAY,
 *                          APP_INSTANCE_VERSION, kept pending; g: CreateGuid
 *                          g&3, file (g>>2)&3, app id (g>>4)&1; o: oplock
 *                          granted o&3 of {NONE, II, BATCH, LEASE}, o&4 H in
 *                          the lease, o&8 a directory, o&16 the open fails
 *   16 CREATE_END k f      pending create k ends, f&1: the host failed it
 *   17 RECLAIM o t k       create_begin/_end of DHnC (k&1) or DH2C (CreateGuid
 *                          (k>>1)&3, k&8 PERSISTENT), k&16 RqLs, k&32 the host
 *                          fails it, k&64 kept pending
 *   18 CACHING o l         open_caching: oplock l&3 as above, l&4 H, l&8 breaking
 *   19 EVENT o e           durability_event (e%3)+1
 *   1A REQUEST o t q c f   request_begin: ChannelSequence q, command c%18,
 *                          f&1 REPLAY, f&2 kept pending (ended otherwise)
 *   1B REQUEST_END k       a pending request ends
 *   1C STORE_FAIL n        the (n&7)+1-th put from now fails (n&8: remove,
 *                          n&16: batch)
 *   1D RESTART             the server is freed and a new one restores its store
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
 *    connect or open; at the end nothing is left;
 *  - no open is reachable from a foreign session, client or share: a
 *    reclaim or replay succeeds only through a tree of the open's share, for
 *    its owner, and for a leased open from its ClientGuid;
 *  - none is closed twice; none is kept past its deadline plus one
 *    scavenger pass (after EXPIRY no detached open has a past deadline);
 *  - a store write that fails leaves nothing half-done: a refused grant
 *    leaves no open, a refused reclaim leaves the open detached with its
 *    deadline; after a restart only persistent opens come back, each one
 *    whose record could still exist.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/memory_store.h>
#include <rsvd/resilient.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "fail_alloc.h"
#include "fuzz_common.h"
#include "resilient/server_int.h"
#include "faulty_store.h"

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
    OP_FAIL_ALLOC, OP_CREATE, OP_CREATE_END, OP_RECLAIM, OP_CACHING, OP_EVENT, OP_REQUEST,
    OP_REQUEST_END, OP_STORE_FAIL, OP_RESTART, OP_COUNT
};

#define MAX_CONNS 8
#define MAX_SESS 12
#define MAX_TREES 24
#define MAX_OPENS 48
#define MAX_CHANNELS 3
#define MAX_PENDING 8
#define MAX_CREATES 4
#define MAX_REQUESTS 8
#define WALL_OFFSET 1000000000000ull /* wall clock = monotonic + this */

typedef struct m_conn {
    bool live;
    uint64_t h;
    uint16_t dialect;
    int client; /* ClientGuid index */
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
    int share; /* the share's index */
} m_tree;

typedef struct m_open {
    bool live;
    uint64_t persistent;
    rsvd_res_open_info info; /* as of the end of the last step */
    uint64_t deadline;       /* set when it detached */
    int owner;               /* the user who was granted resiliency, -1: none */
    int share;               /* the share it was opened on */
    int client;              /* Open.ClientGuid's index */
    int lease;               /* 0: no lease; else its key's index + 1 */
} m_open;

/* Every open that was ever persistent, for what a restart may bring back. */
#define MAX_KNOWN 1024
typedef struct m_known {
    uint64_t persistent;
    int share, owner, client, lease;
    uint64_t deadline;       /* at its last detach */
    bool maybe_stored;       /* a record of it may be in the store */
} m_known;

/* A CREATE between create_begin and create_end. */
typedef struct m_create {
    bool used;
    rsvd_res_create_op op;
    int tree;                /* its tree slot */
    uint8_t msg[512];
    size_t len;
    uint8_t oplock;          /* what the host grants */
    uint32_t lease_state;
    uint32_t flags;
} m_create;

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
    m_create creates[MAX_CREATES];
    rsvd_res_request requests[MAX_REQUESTS];
    bool request_used[MAX_REQUESTS];
    rsvd_memory_store *records; /* the store that outlives the server */
    faulty_store store;         /* the server writes through it */
    size_t store_failed_before; /* store_failed() when the step began */
    bool restoring;
    size_t restored;
    m_known known[MAX_KNOWN];
    int n_known;
} harness;

/* Store calls the wrapper failed so far. */
static size_t store_failed(const harness *h)
{
    const size_t *f = h->store.failed;
    return f[FAULTY_PUT] + f[FAULTY_REMOVE] + f[FAULTY_TRAVERSE] + f[FAULTY_APPLY];
}

static const uint8_t users[3][8] = {
    {'a', 'l', 'i', 'c', 'e'}, {'b', 'o', 'b'}, {'c', 'a', 'r', 'o', 'l'}};
static const char *const shares[2] = {"vms", "home"};
static const rsvd_guid instance = {{0x1D, 0x1D}};
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

static m_known *known_find(harness *h, uint64_t persistent)
{
    for (int i = 0; i < h->n_known; i++)
        if (h->known[i].persistent == persistent)
            return &h->known[i];
    return NULL;
}

/* Remembers a persistent open (its record is written from now on). */
static void known_add(harness *h, const m_open *o)
{
    m_known *k = known_find(h, o->persistent);
    if (!k && h->n_known < MAX_KNOWN)
        k = &h->known[h->n_known++];
    FUZZ_CHECK(k != NULL);
    *k = (m_known){o->persistent, o->share, o->owner, o->client, o->lease, o->deadline, true};
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
    bool on_session = o->info.state == RSVD_RES_OPEN_ATTACHED ||
                      o->info.state == RSVD_RES_OPEN_RECLAIMED;
    bool kept_at_loss = o->info.is_resilient || o->info.is_persistent;
    bool kept_at_logoff = kept_at_loss || o->info.is_durable;
    switch (c->reason) {
    case RSVD_RES_CLOSE_EXPIRED:
        FUZZ_CHECK(h->op == OP_EXPIRY || h->op == OP_RECONNECT || h->op == OP_RECONNECT_MUT ||
                   h->op == OP_RECLAIM);
        FUZZ_CHECK(o->info.state == RSVD_RES_OPEN_DETACHED); /* never a reclaimed open */
        FUZZ_CHECK(o->deadline < h->now);
        FUZZ_CHECK(c->file_id.volatile_id == 0);
        break;
    case RSVD_RES_CLOSE_DISCONNECT:
        FUZZ_CHECK(h->op == OP_CONN_LOST && !kept_at_loss);
        break;
    case RSVD_RES_CLOSE_LOGOFF:
        FUZZ_CHECK(h->op == OP_LOGOFF && !kept_at_logoff);
        break;
    case RSVD_RES_CLOSE_PREVIOUS_SESSION:
        FUZZ_CHECK(h->op == OP_PREV_SESSION && !kept_at_loss);
        break;
    case RSVD_RES_CLOSE_TREE_DISCONNECT:
        FUZZ_CHECK(h->op == OP_TREE_DISC && on_session);
        break;
    case RSVD_RES_CLOSE_SESSION_CLOSED:
        FUZZ_CHECK(h->op == OP_SESSION_CLOSE && on_session);
        break;
    case RSVD_RES_CLOSE_RESOURCES:
        FUZZ_CHECK(((h->op == OP_CONN_LOST || h->op == OP_LOGOFF || h->op == OP_PREV_SESSION) &&
                    kept_at_logoff) ||
                   h->op == OP_CREATE_END || h->op == OP_RECLAIM || h->op == OP_RESTART);
        if (h->op == OP_RESTART)
            h->restored--; /* accepted by the host, then not kept */
        break;
    case RSVD_RES_CLOSE_SHUTDOWN:
        FUZZ_CHECK(h->shutting_down);
        break;
    case RSVD_RES_CLOSE_APP_INSTANCE:
        FUZZ_CHECK(h->op == OP_CREATE && o->info.has_app_instance_id);
        break;
    case RSVD_RES_CLOSE_DURABILITY_LOST:
        FUZZ_CHECK(h->op == OP_EVENT && o->info.state == RSVD_RES_OPEN_DETACHED);
        break;
    default:
        FUZZ_CHECK(c->reason == RSVD_RES_CLOSE_EXPIRED); /* unknown reason */
    }
    TRACE("  close %llx reason %s\n", (unsigned long long)c->file_id.persistent_id,
          rsvd_res_close_reason_name((int)c->reason));
    /* Mutating calls are refused while the callback runs. */
    FUZZ_CHECK(rsvd_res_server_handle_expiry(srv, h->now, NULL) == RSVD_E_BUSY);
    o->live = false;
    /* Its record is gone, unless the store failed in this step (or the
     * server shuts down, which keeps records). */
    m_known *k = known_find(h, o->persistent);
    if (k)
        k->maybe_stored = k->maybe_stored &&
                          (h->shutting_down || store_failed(h) > h->store_failed_before);
}

static uint64_t wall_clock(rsvd_res_server *srv, void *ud)
{
    (void)srv;
    const harness *h = ud;
    return h->now + WALL_OFFSET;
}

/* rsvd_res_server_restore(): a record of a persistent open that may still
 * be in the store comes back into the model's slot. */
static int on_restore(rsvd_res_server *srv, const rsvd_res_restored_open *r, void **ud,
                      void *user_data)
{
    (void)srv;
    harness *h = user_data;
    FUZZ_CHECK(h->restoring);
    m_known *k = known_find(h, r->file_id.persistent_id);
    FUZZ_CHECK(k != NULL && k->maybe_stored); /* only what a record may still hold */
    FUZZ_CHECK(r->share_len == strlen(shares[k->share]) &&
               memcmp(r->share, shares[k->share], r->share_len) == 0);
    m_open *o = NULL;
    for (int i = 0; i < MAX_OPENS && !o; i++)
        if (!h->opens[i].live)
            o = &h->opens[i];
    if (!o) {
        k->maybe_stored = false; /* refused: its record is removed */
        return -1;
    }
    memset(o, 0, sizeof *o);
    o->live = true;
    o->persistent = k->persistent;
    o->share = k->share;
    o->owner = k->owner;
    o->client = k->client;
    o->lease = k->lease;
    o->deadline = k->deadline;
    o->info = (rsvd_res_open_info)RSVD_STRUCT_INIT(rsvd_res_open_info);
    o->info.state = RSVD_RES_OPEN_DETACHED;
    h->restored++;
    *ud = NULL;
    return 0;
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
    /* Called for every open and tree connect after every step: assigned,
     * not cleared and filled. */
    *ctx = (rsvd_res_server_ctx){.conn = s->nch ? h->conns[s->chans[pick % (uint32_t)s->nch]].h : 0,
                                 .session = s->h,
                                 .tree = tr->h,
                                 .credits = 1};
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
        FUZZ_CHECK(info.is_resilient || info.is_durable || info.is_persistent ||
                   info.state != RSVD_RES_OPEN_DETACHED);
        if (h->op == OP_RESTART) {
            /* Restored: detached, with what was left of its deadline (the
             * wall clock moves with the monotonic one) or a whole timeout. */
            FUZZ_CHECK(info.state == RSVD_RES_OPEN_DETACHED && info.is_persistent);
            uint32_t t = info.is_resilient ? info.resiliency_timeout_ms : info.durable_timeout_ms;
            FUZZ_CHECK(info.deadline_ms == o->deadline || info.deadline_ms == h->now + t);
            o->deadline = info.deadline_ms;
            /* What the next restart restores it with: the same deadline,
             * which its record now holds. */
            m_known *k = known_find(h, o->persistent);
            if (k)
                k->deadline = info.deadline_ms;
        } else if (info.state != o->info.state) {
            bool session_ends = h->op == OP_CONN_LOST || h->op == OP_LOGOFF ||
                                h->op == OP_PREV_SESSION;
            if (info.state == RSVD_RES_OPEN_DETACHED &&
                o->info.state == RSVD_RES_OPEN_RECLAIMED && !session_ends) {
                /* A reclaim undone: its old deadline. */
                FUZZ_CHECK(h->op == OP_CREATE_END || h->op == OP_RECLAIM ||
                           h->op == OP_CREATE);
                FUZZ_CHECK(info.deadline_ms == o->deadline);
            } else if (info.state == RSVD_RES_OPEN_DETACHED) {
                FUZZ_CHECK(h->op == OP_CONN_LOST || h->op == OP_LOGOFF ||
                           h->op == OP_PREV_SESSION);
                uint64_t want = h->now + (info.is_resilient ? info.resiliency_timeout_ms
                                                            : info.durable_timeout_ms);
                FUZZ_CHECK(info.deadline_ms == want);
                o->deadline = want;
                m_known *k = known_find(h, o->persistent);
                if (k)
                    k->deadline = want;
            } else if (info.state == RSVD_RES_OPEN_RECLAIMED) {
                FUZZ_CHECK(h->op == OP_RECLAIM || h->op == OP_CREATE);
            } else {
                FUZZ_CHECK(h->op == OP_RECONNECT || h->op == OP_RECONNECT_MUT ||
                           h->op == OP_RECLAIM || h->op == OP_CREATE ||
                           h->op == OP_CREATE_END);
                FUZZ_CHECK(info.deadline_ms == 0);
            }
        } else if (info.state == RSVD_RES_OPEN_DETACHED) {
            FUZZ_CHECK(info.deadline_ms == o->deadline); /* a detached open keeps it */
            /* None is kept past its deadline plus one scavenger pass. */
            if (h->op == OP_EXPIRY)
                FUZZ_CHECK(info.deadline_ms >= h->now);
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
     * tables, its deadline heap and its six indexes' bucket arrays, and per
     * connection, channel, session, tree connect and open one block, a
     * share identity and a quota counter at most, and an open's name and
     * file key. */
    size_t objects = st.connections + st.sessions + st.trees + st.opens;
    for (int i = 0; i < MAX_SESS; i++)
        objects += h->sess[i].live ? (size_t)h->sess[i].nch : 0u;
    FUZZ_CHECK(h->alloc.live <= 13u + 3u * objects + 2u * st.opens);
}

static void check_reclaim_allowed(harness *h, const m_open *o, int t,
                                  const rsvd_res_server_ctx *ctx);

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
    rsvd_res_conn_params p = RSVD_STRUCT_INIT(rsvd_res_conn_params);
    p.dialect = dialects[d & 3];
    p.supports_multi_credit = (d & 4) != 0;
    p.max_transact_size = (d & 0x80) ? 64u : 0u;
    int client = (d >> 4) % 3;
    memset(p.client_guid.b, client + 1, sizeof p.client_guid.b);
    p.server_capabilities =
        (d & 8) ? RSVD_SMB2_GLOBAL_CAP_PERSISTENT_HANDLES | RSVD_SMB2_GLOBAL_CAP_MULTI_CHANNEL : 0;
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
    h->conns[slot] = (m_conn){true, hd, p.dialect, client};
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
    uint8_t x = in_u8(in);
    uint64_t hd;
    uint32_t tid = ++h->next_tid;
    rsvd_res_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_tree_params);
    tp.tree_id = tid;
    tp.share = shares[x & 1];
    tp.share_len = strlen(shares[x & 1]);
    tp.flags = (x & 2) ? RSVD_RES_TREE_CA : 0;
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
    h->trees[slot] = (m_tree){true, hd, si, tid, x & 1};
}

/* A new open in model slot @p slot, opened through tree slot @p t. */
static m_open *model_new_open(harness *h, int slot, rsvd_smb2_fileid fid, int t)
{
    m_open *o = &h->opens[slot];
    memset(o, 0, sizeof *o);
    o->live = true;
    o->persistent = fid.persistent_id;
    o->owner = -1;
    o->share = h->trees[t].share;
    o->info = (rsvd_res_open_info)RSVD_STRUCT_INIT(rsvd_res_open_info);
    FUZZ_CHECK(rsvd_res_server_open_info(h->srv, fid.persistent_id, &o->info) == RSVD_OK);
    o->client = o->info.client_guid.b[0] - 1;
    FUZZ_CHECK(o->info.session == h->sess[h->trees[t].sess].h);
    if (o->info.is_durable || o->info.is_persistent)
        o->owner = h->sess[h->trees[t].sess].user; /* DurableOwner */
    return o;
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
    m_open *o = model_new_open(h, slot, fid, t);
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
        if (info.is_persistent)
            known_add(h, granted);
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
        check_reclaim_allowed(h, got, t, &ctx);                    /* owner, share, client */
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
         * for a 3.x DH2Q next to it, another share, a durable open that lost
         * its oplock, another user, a full session or a store that failed. */
        bool dh2q_3x = (which & 0x08) && res_dialect_is_3x(h->sess[h->trees[t].sess].dialect);
        bool holds = o->info.oplock_level == RSVD_SMB2_OPLOCK_LEVEL_BATCH ||
                     (o->info.oplock_level == RSVD_SMB2_OPLOCK_LEVEL_LEASE &&
                      (o->info.lease_state & RSVD_SMB2_LEASE_HANDLE_CACHING));
        bool caching_lost = o->info.is_durable && !o->info.is_persistent && !holds;
        if (dh2q_3x)
            FUZZ_CHECK(r.status == RSVD_STATUS_INVALID_PARAMETER);
        else if (h->trees[t].share != o->share || caching_lost)
            FUZZ_CHECK(r.status == RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
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
    if (rc == RSVD_E_IO) {
        /* The persistent open's record could not be removed: it stays. */
        FUZZ_CHECK(o->live && o->info.is_persistent && store_failed(h) > h->store_failed_before);
        return;
    }
    FUZZ_CHECK(rc == (o->live ? RSVD_OK : RSVD_E_NOENT));
    if (o->live) {
        m_known *k = known_find(h, o->persistent);
        if (k)
            k->maybe_stored = false; /* removed before the open went */
    }
    o->live = false;
}

/* ---- durable, persistent, replay, application instance ------------------------ */

static const uint8_t oplocks[4] = {RSVD_SMB2_OPLOCK_LEVEL_NONE, RSVD_SMB2_OPLOCK_LEVEL_II,
                                   RSVD_SMB2_OPLOCK_LEVEL_BATCH, RSVD_SMB2_OPLOCK_LEVEL_LEASE};

static rsvd_guid guid_of(uint8_t tag, int i)
{
    rsvd_guid g;
    memset(g.b, 0, sizeof g.b);
    g.b[0] = tag;
    g.b[1] = (uint8_t)i;
    return g;
}

/* A CREATE with the contexts of @p k (OP_CREATE's bits) or of a reconnect
 * (@p reconnect: DHnC or DH2C of @p fid). */
static size_t build_create2(uint64_t sid, uint32_t tid, uint64_t mid, uint8_t k, uint8_t g,
                            bool reconnect, const rsvd_smb2_fileid *fid, uint8_t *buf,
                            size_t cap)
{
    static const char *const names[4] = {"a.vhdx", "b.vhdx", "c.txt", "D.VHDX"};
    uint8_t chain[512], data[64];
    size_t dn = 0, cn = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    rsvd_smb2_create_req m;
    memset(&m, 0, sizeof m);
    if (reconnect) {
        if (k & 1) {
            FUZZ_CHECK(rsvd_smb2_dhnc_encode(fid, data, sizeof data, &dn) == RSVD_OK);
            FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "DHnC", 4, data, dn) == RSVD_OK);
        } else {
            rsvd_smb2_dh2c d = {.file_id = *fid,
                                .create_guid = guid_of(0xC6, (k >> 1) & 3),
                                .flags = (k & 8) ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0};
            FUZZ_CHECK(rsvd_smb2_dh2c_encode(&d, data, sizeof data, &dn) == RSVD_OK);
            FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "DH2C", 4, data, dn) == RSVD_OK);
        }
        if (k & 16) {
            rsvd_smb2_lease_req l = {.version = 1, .lease_key = guid_of(0x1E, 0),
                                     .lease_state = 7};
            FUZZ_CHECK(rsvd_smb2_lease_req_encode(&l, data, sizeof data, &dn) == RSVD_OK);
            FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "RqLs", 4, data, dn) == RSVD_OK);
        }
    } else {
        if (k & 0x01) {
            FUZZ_CHECK(rsvd_smb2_dhnq_req_encode(data, sizeof data, &dn) == RSVD_OK);
            FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "DHnQ", 4, data, dn) == RSVD_OK);
        }
        if (k & 0x02) {
            rsvd_smb2_dh2q_req q = {.timeout = (uint32_t)(g & 0xC0) * 100u,
                                    .flags = (k & 4) ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0,
                                    .create_guid = guid_of(0xC6, g & 3)};
            FUZZ_CHECK(rsvd_smb2_dh2q_req_encode(&q, data, sizeof data, &dn) == RSVD_OK);
            FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "DH2Q", 4, data, dn) == RSVD_OK);
        }
        if (k & 0x08) {
            rsvd_smb2_lease_req l = {.version = (uint8_t)((g & 0x20) ? 2 : 1),
                                     .lease_key = guid_of(0x1E, 0),
                                     .lease_state = 7};
            FUZZ_CHECK(rsvd_smb2_lease_req_encode(&l, data, sizeof data, &dn) == RSVD_OK);
            FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, "RqLs", 4, data, dn) == RSVD_OK);
        }
        if (k & 0x10) {
            rsvd_guid id = guid_of(0xA9, (g >> 4) & 1);
            FUZZ_CHECK(rsvd_smb2_app_instance_id_encode(&id, data, sizeof data, &dn) == RSVD_OK);
            FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_APP_INSTANCE_ID,
                                                RSVD_SMB2_CC_APP_INSTANCE_LEN, data,
                                                dn) == RSVD_OK);
        }
        if (k & 0x40) {
            rsvd_smb2_app_instance_version v = {.high = g & 1, .low = (g >> 1) & 1};
            FUZZ_CHECK(rsvd_smb2_app_instance_version_encode(&v, data, sizeof data, &dn) ==
                       RSVD_OK);
            FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_APP_INSTANCE_VERSION,
                                                RSVD_SMB2_CC_APP_INSTANCE_LEN, data,
                                                dn) == RSVD_OK);
        }
        m.hdr.flags = (k & 0x20) ? RSVD_SMB2_FLAGS_REPLAY_OPERATION : 0;
    }
    FUZZ_CHECK(rsvd_smb2_cc_builder_finish(&b, &cn) == RSVD_OK);
    const char *ascii = names[(g >> 2) & 3];
    uint8_t name[16];
    size_t nl = strlen(ascii);
    for (size_t i = 0; i < nl; i++) {
        name[2 * i] = (uint8_t)ascii[i];
        name[2 * i + 1] = 0;
    }
    m.hdr.message_id = mid;
    m.hdr.session_id = sid;
    m.hdr.tree_id = tid;
    m.hdr.status = g; /* ChannelSequence on 3.x */
    m.requested_oplock_level = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    m.desired_access = 0x12019F;
    m.create_disposition = RSVD_FILE_OPEN_IF;
    m.name_length = (uint16_t)(2 * nl);
    m.name = name;
    m.create_contexts_length = (uint32_t)cn;
    m.create_contexts = cn ? chain : NULL;
    size_t n = 0;
    FUZZ_CHECK(rsvd_smb2_create_req_encode(&m, buf, cap, &n) == RSVD_OK);
    return n;
}

/* The end of a CREATE (pending slot @p c), with @p failed the host's
 * failure; checks what "nothing half-done" promises. */
static void create_finish(harness *h, m_create *c, bool failed)
{
    rsvd_res_server_ctx ctx;
    uint64_t sid;
    uint32_t tid;
    bool ok = ctx_of_tree(h, c->tree, 0, &ctx, &sid, &tid);
    rsvd_res_create_grant g = RSVD_STRUCT_INIT(rsvd_res_create_grant);
    g.status = failed ? RSVD_STATUS_SHARING_VIOLATION : RSVD_STATUS_SUCCESS;
    g.oplock_level = c->oplock;
    g.lease_state = c->lease_state;
    g.flags = c->flags;
    g.granted_access = 0x12019F;
    g.create_action = RSVD_FILE_CREATED;
    rsvd_res_create_op *op = &c->op;
    rsvd_res_create_action action = op->action;
    rsvd_res_server_stats before = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(h->srv, &before);
    int rc = rsvd_res_server_create_end(h->srv, &ctx, c->msg, c->len, &g, h->now, op);
    TRACE("  create_end rc %d status %08x\n", rc, op->status);
    c->used = false;
    if (action == RSVD_RES_CREATE_FAIL) {
        FUZZ_CHECK(rc == RSVD_OK);
        return;
    }
    if (action == RSVD_RES_CREATE_EXECUTE) {
        rsvd_res_server_stats after = RSVD_STRUCT_INIT(rsvd_res_server_stats);
        rsvd_res_server_get_stats(h->srv, &after);
        if (rc != RSVD_OK || op->status != RSVD_STATUS_SUCCESS) {
            /* Nothing kept of a new open that failed or was refused. */
            FUZZ_CHECK(after.opens == before.opens);
            FUZZ_CHECK(rc == RSVD_OK || (!ok && rc == RSVD_E_NOENT) || rc == RSVD_E_INVAL);
            if (rc == RSVD_OK && !failed)
                FUZZ_CHECK(op->status == RSVD_STATUS_INSUFFICIENT_RESOURCES);
            return;
        }
        FUZZ_CHECK(ok && !failed);
        int slot = find_free(h->opens, sizeof h->opens[0], MAX_OPENS);
        FUZZ_CHECK(slot >= 0);
        m_open *o = model_new_open(h, slot, op->file_id, c->tree);
        /* The durable response goes exactly with IsDurable (D1). */
        FUZZ_CHECK((op->rsp_context != NULL) == o->info.is_durable);
        if (o->info.is_persistent)
            known_add(h, o);
        return;
    }
    /* RECLAIM: kept on ctx, or back where it was. */
    m_open *o = open_by_persistent(h, op->priv_persistent_id);
    if (rc == RSVD_E_NOENT) {
        /* The connection, or the open, went while the host worked. */
        rsvd_res_open_info gone = RSVD_STRUCT_INIT(rsvd_res_open_info);
        FUZZ_CHECK(!o || rsvd_res_server_open_info(h->srv, o->persistent, &gone) != RSVD_OK ||
                   gone.state != RSVD_RES_OPEN_RECLAIMED);
        return;
    }
    FUZZ_CHECK(rc == RSVD_OK && o != NULL);
    rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
    FUZZ_CHECK(rsvd_res_server_open_info(h->srv, o->persistent, &info) == RSVD_OK);
    if (op->status == RSVD_STATUS_SUCCESS) {
        FUZZ_CHECK(!failed && info.state == RSVD_RES_OPEN_ATTACHED);
        FUZZ_CHECK(info.session == ctx.session && info.tree == ctx.tree);
    } else {
        FUZZ_CHECK(info.state != RSVD_RES_OPEN_RECLAIMED);
        FUZZ_CHECK(failed || op->status == RSVD_STATUS_INSUFFICIENT_RESOURCES);
    }
}

/* What a successful reclaim (reconnect or replay) must respect: the open's
 * share, its owner, and for a leased open its ClientGuid. */
static void check_reclaim_allowed(harness *h, const m_open *o, int t,
                                  const rsvd_res_server_ctx *ctx)
{
    FUZZ_CHECK(h->trees[t].share == o->share);
    FUZZ_CHECK(o->owner == h->sess[h->trees[t].sess].user);
    if (o->info.leased) {
        int client = -1;
        for (int c = 0; c < MAX_CONNS; c++)
            if (h->conns[c].live && h->conns[c].h == ctx->conn)
                client = h->conns[c].client;
        FUZZ_CHECK(client == o->client);
    }
}

static void op_create(harness *h, input *in)
{
    int t = in_u8(in) % MAX_TREES;
    uint8_t k = in_u8(in), g = in_u8(in), o8 = in_u8(in);
    int ci = find_free(h->creates, sizeof h->creates[0], MAX_CREATES);
    if (ci < 0)
        return;
    m_create *c = &h->creates[ci];
    rsvd_res_server_ctx ctx;
    uint64_t sid;
    uint32_t tid;
    bool ok = ctx_of_tree(h, t, 0, &ctx, &sid, &tid);
    c->len = build_create2(sid, tid, ++h->next_mid, k, g, false, NULL, c->msg, sizeof c->msg);
    c->tree = t;
    c->oplock = oplocks[o8 & 3];
    c->lease_state = (o8 & 4) ? 3u : 1u;
    c->flags = (o8 & 8) ? RSVD_RES_GRANT_DIRECTORY : 0;
    rsvd_res_create_params p = RSVD_STRUCT_INIT(rsvd_res_create_params);
    p.maximal_access = (o8 & 32) ? 0x1F01FFu : 0;
    int rc = rsvd_res_server_create_begin(h->srv, &ctx, c->msg, c->len, &p, h->now, &c->op);
    TRACE("  create_begin rc %d action %d status %08x\n", rc, (int)c->op.action, c->op.status);
    if (rc != RSVD_OK) {
        FUZZ_CHECK(!ok);
        return;
    }
    FUZZ_CHECK(ok);
    if (c->op.action == RSVD_RES_CREATE_RECLAIM) {
        /* A replay: only of an open of this share, owner and client. */
        FUZZ_CHECK(c->op.replay);
        m_open *o = open_by_persistent(h, c->op.priv_persistent_id);
        FUZZ_CHECK(o != NULL);
        check_reclaim_allowed(h, o, t, &ctx);
    }
    c->used = true;
    if (!(k & 0x80))
        create_finish(h, c, (o8 & 16) != 0);
}

static void op_create_end(harness *h, input *in)
{
    int ci = in_u8(in) % MAX_CREATES;
    uint8_t f = in_u8(in);
    if (h->creates[ci].used)
        create_finish(h, &h->creates[ci], (f & 1) != 0);
}

static void op_reclaim(harness *h, input *in)
{
    m_open *o = &h->opens[in_u8(in) % MAX_OPENS];
    int t = in_u8(in) % MAX_TREES;
    uint8_t k = in_u8(in);
    int ci = find_free(h->creates, sizeof h->creates[0], MAX_CREATES);
    if (ci < 0)
        return;
    m_create *c = &h->creates[ci];
    rsvd_res_server_ctx ctx;
    uint64_t sid;
    uint32_t tid;
    bool ok = ctx_of_tree(h, t, k, &ctx, &sid, &tid);
    rsvd_smb2_fileid f = open_fid(o);
    c->len = build_create2(sid, tid, ++h->next_mid, k, 0, true, &f, c->msg, sizeof c->msg);
    c->tree = t;
    int rc = rsvd_res_server_create_begin(h->srv, &ctx, c->msg, c->len, NULL, h->now, &c->op);
    TRACE("  reclaim begin rc %d action %d status %08x\n", rc, (int)c->op.action, c->op.status);
    if (rc != RSVD_OK) {
        FUZZ_CHECK(!ok);
        return;
    }
    if (c->op.action == RSVD_RES_CREATE_RECLAIM) {
        m_open *got = open_by_persistent(h, c->op.priv_persistent_id);
        FUZZ_CHECK(got != NULL && got->info.state == RSVD_RES_OPEN_DETACHED);
        FUZZ_CHECK(got->deadline >= h->now); /* D6: checked at reclaim time */
        check_reclaim_allowed(h, got, t, &ctx);
    }
    c->used = true;
    if (!(k & 64))
        create_finish(h, c, (k & 32) != 0);
}

static void op_caching(harness *h, input *in)
{
    m_open *o = &h->opens[in_u8(in) % MAX_OPENS];
    uint8_t l = in_u8(in);
    int rc = rsvd_res_server_open_caching(h->srv, o->persistent, oplocks[l & 3],
                                          (l & 4) ? 3u : 1u, (l & 8) != 0);
    FUZZ_CHECK(rc == (o->live ? RSVD_OK : RSVD_E_NOENT));
}

static void op_event(harness *h, input *in)
{
    m_open *o = &h->opens[in_u8(in) % MAX_OPENS];
    rsvd_res_durability_event ev = (rsvd_res_durability_event)(in_u8(in) % 3 + 1);
    bool closed = false;
    bool was_live = o->live;
    bool detached = o->live && o->info.state == RSVD_RES_OPEN_DETACHED;
    int rc = rsvd_res_server_durability_event(h->srv, o->persistent, ev, &closed);
    FUZZ_CHECK(rc == (was_live ? RSVD_OK : RSVD_E_NOENT));
    FUZZ_CHECK(!closed || detached);
    /* D5: a persistent or resilient open survives a break or a conflict. */
    if (detached && ev != RSVD_RES_EVENT_FILE_DELETED &&
        (o->info.is_persistent || o->info.is_resilient))
        FUZZ_CHECK(!closed);
    if (detached && ev == RSVD_RES_EVENT_FILE_DELETED)
        FUZZ_CHECK(closed);
}

static void op_request(harness *h, input *in)
{
    m_open *o = &h->opens[in_u8(in) % MAX_OPENS];
    uint8_t t = in_u8(in);
    uint16_t q = in_u8(in);
    uint8_t cmd = in_u8(in) % 18, f = in_u8(in);
    rsvd_res_server_ctx ctx;
    uint64_t sid;
    uint32_t tid;
    bool ok = op_ctx(h, o, t, f, &ctx, &sid, &tid);
    rsvd_smb2_hdr hd;
    memset(&hd, 0, sizeof hd);
    hd.command = cmd;
    hd.status = (uint32_t)(q * 0x0101u);
    hd.flags = (f & 1) ? RSVD_SMB2_FLAGS_REPLAY_OPERATION : 0;
    hd.session_id = sid;
    hd.tree_id = tid;
    rsvd_smb2_fileid fid = open_fid(o);
    rsvd_res_request rq;
    int rc = rsvd_res_server_request_begin(h->srv, &ctx, &hd, &fid, &rq);
    if (rc != RSVD_OK) {
        FUZZ_CHECK(!ok);
        return;
    }
    FUZZ_CHECK(rq.status == RSVD_STATUS_SUCCESS || rq.status == RSVD_STATUS_FILE_CLOSED ||
               (rq.status == RSVD_STATUS_FILE_NOT_AVAILABLE &&
                (cmd == RSVD_SMB2_WRITE || cmd == RSVD_SMB2_SET_INFO || cmd == RSVD_SMB2_IOCTL)));
    int k = find_free(h->request_used, sizeof h->request_used[0], MAX_REQUESTS);
    if ((f & 2) && k >= 0) {
        h->requests[k] = rq;
        h->request_used[k] = true;
        return;
    }
    rc = rsvd_res_server_request_end(h->srv, &rq);
    FUZZ_CHECK(rc == RSVD_OK || rc == RSVD_E_NOENT);
}

static void op_request_end(harness *h, input *in)
{
    int k = in_u8(in) % MAX_REQUESTS;
    if (!h->request_used[k])
        return;
    int rc = rsvd_res_server_request_end(h->srv, &h->requests[k]);
    FUZZ_CHECK(rc == RSVD_OK || rc == RSVD_E_NOENT);
    h->request_used[k] = false;
}

static void op_store_fail(harness *h, input *in)
{
    uint8_t n = in_u8(in);
    faulty_store_fn fn = (n & 8) ? FAULTY_REMOVE : (n & 16) ? FAULTY_APPLY : FAULTY_PUT;
    faulty_store_fail_nth(&h->store, fn, 1u + (n & 7u));
}

static rsvd_res_server *server_new(harness *h);

/* The process dies (its server is freed: the records stay) and a new one
 * restores its store. */
static void op_restart(harness *h)
{
    h->shutting_down = true;
    rsvd_res_server_free(h->srv);
    h->shutting_down = false;
    for (int i = 0; i < MAX_OPENS; i++)
        FUZZ_CHECK(!h->opens[i].live);
    memset(h->conns, 0, sizeof h->conns);
    memset(h->sess, 0, sizeof h->sess);
    memset(h->trees, 0, sizeof h->trees);
    memset(h->pending_used, 0, sizeof h->pending_used);
    memset(h->creates, 0, sizeof h->creates);
    memset(h->request_used, 0, sizeof h->request_used);
    FUZZ_CHECK(h->alloc.live == 0);
    h->alloc.fail_at = 0; /* the new process starts; its restore may still fail */
    h->srv = server_new(h);
    h->restoring = true;
    h->restored = 0;
    size_t n = 0;
    int rc = rsvd_res_server_restore(h->srv, h->now, &n);
    h->restoring = false;
    FUZZ_CHECK(rc == RSVD_OK || rc == RSVD_E_NOMEM);
    if (rc == RSVD_OK)
        FUZZ_CHECK(n == h->restored);
}

static rsvd_res_server *server_new(harness *h)
{
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_connections = MAX_CONNS;
    cfg.max_sessions = MAX_SESS;
    cfg.max_trees = MAX_TREES;
    cfg.max_opens = MAX_OPENS;
    cfg.max_opens_per_session = 12;
    cfg.max_detached = 16;
    cfg.max_detached_per_client = 10;
    cfg.max_detached_per_user = 12;
    cfg.max_channels = MAX_CHANNELS;
    cfg.mem = &h->alloc.mem;
    cfg.store = &h->store.ops;
    cfg.store_ctx = &h->store;
    cfg.instance_id = instance;
    const rsvd_res_server_callbacks cb = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                          .close_open = on_close,
                                          .wall_clock_ms = wall_clock,
                                          .restore_open = on_restore};
    rsvd_res_server *srv = NULL;
    FUZZ_CHECK(rsvd_res_server_new(&cfg, &cb, h, &srv) == RSVD_OK);
    return srv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static harness h;
    memset(&h, 0, sizeof h);
    h.now = 1000;
    fa_init(&h.alloc);
    /* The store has the C library's allocator: the harness's counts are
     * the server's alone. */
    rsvd_memory_store_config mc = RSVD_STRUCT_INIT(rsvd_memory_store_config);
    mc.hash_key[0] = 1;
    mc.hash_key[1] = 2;
    FUZZ_CHECK(rsvd_memory_store_create(&mc, &h.records) == RSVD_OK);
    faulty_store_init(&h.store, rsvd_memory_store_ops(), h.records);
    h.srv = server_new(&h);
    input in = {data, size, 0};
    size_t steps = 0;
    while (in.pos < in.n && steps++ < 512) {
        h.op = in_u8(&in) % OP_COUNT;
        h.failed_before = h.alloc.failed;
        h.store_failed_before = store_failed(&h);
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
        case OP_CREATE: op_create(&h, &in); break;
        case OP_CREATE_END: op_create_end(&h, &in); break;
        case OP_RECLAIM: op_reclaim(&h, &in); break;
        case OP_CACHING: op_caching(&h, &in); break;
        case OP_EVENT: op_event(&h, &in); break;
        case OP_REQUEST: op_request(&h, &in); break;
        case OP_REQUEST_END: op_request_end(&h, &in); break;
        case OP_STORE_FAIL: op_store_fail(&h, &in); break;
        case OP_RESTART: op_restart(&h); break;
        default: break;
        }
        check_step(&h);
    }
    h.shutting_down = true;
    rsvd_res_server_free(h.srv);
    for (int i = 0; i < MAX_OPENS; i++)
        FUZZ_CHECK(!h.opens[i].live); /* every remaining open closed once at shutdown */
    FUZZ_CHECK(h.alloc.live == 0);       /* nothing leaked */
    rsvd_memory_store_destroy(h.records);
    return 0;
}
