/*
 * Open preservation, server role: the state machine of one open, for every
 * kind (resilient, durable v1, durable v2, persistent). An open is in
 * exactly one state, and each transition is one function:
 *
 *   (new) --res_open_attach_new--> ATTACHED
 *   ATTACHED --res_open_detach--> DETACHED (preserved) or CLOSED
 *   DETACHED --res_open_reclaim--> RECLAIMED --res_open_reclaim_commit--> ATTACHED
 *   ATTACHED --res_open_replay_claim--> RECLAIMED (a replay on its session)
 *   RECLAIMED --res_open_reclaim_undo--> DETACHED or ATTACHED, as it was
 *   any --res_open_close--> CLOSED (freed)
 *
 * One deadline heap holds every detached open, whatever its kind; the
 * scavenger (3.3.6.2, 3.3.6.4) pops it. Quotas of detached opens per
 * client and per user are kept here too.
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "resilient/server_int.h"
#include "util/mem.h"

/* ---- links ---------------------------------------------------------------- */

/* Unlinks an open on a session from Session.OpenTable and its tree connect. */
static void open_unlink_attached(rsvd_res_server *s, res_open *o)
{
    rsvd_list_remove(&o->sess_node);
    rsvd_list_remove(&o->tree_node);
    o->sess->n_opens--;
    (void)rsvd_handle_table_remove(&s->volatile_ids, o->volatile_id);
    o->sess = NULL;
    o->tree = NULL;
    o->volatile_id = 0;
}

/* Links an open into (sess, tree) with a new volatile FileId. */
static int open_link_attached(rsvd_res_server *s, res_open *o, res_session *sess, res_tree *tree)
{
    if (sess->n_opens >= s->cfg.max_opens_per_session)
        return RSVD_E_LIMIT;
    uint64_t vid;
    int rc = rsvd_handle_table_add(&s->volatile_ids, o, &vid);
    if (rc != RSVD_OK)
        return rc;
    /* [MS-SMB2] 3.3.5.9.7 step 9: Open.FileId = a new value unique in
     * Session.OpenTable; insert it there; TreeConnect.OpenCount += 1. */
    o->volatile_id = vid;
    o->sess = sess;
    o->tree = tree;
    o->dialect = sess->dialect;
    o->epoch++;
    rsvd_list_append(&sess->opens, &o->sess_node);
    rsvd_list_append(&tree->opens, &o->tree_node);
    sess->n_opens++;
    return RSVD_OK;
}

/* ---- quotas ------------------------------------------------------------------ */

/* Counts a detaching open against its client and its user. */
static void quota_count(res_open *o)
{
    o->counted = true;
    o->client_q->detached++;
    o->user_q->detached++;
    rsvd_list_append(&o->client_q->opens, &o->client_node);
}

/* Stops counting an open that is no longer detached. */
static void quota_uncount(res_open *o)
{
    if (!o->counted)
        return;
    rsvd_list_remove(&o->client_node);
    o->client_q->detached--;
    o->user_q->detached--;
    o->counted = false;
}

void res_open_set_owner(res_open *o, const res_session *sess)
{
    res_counter *old = o->user_q;
    o->user_q = res_counter_ref(sess->user_q);
    if (old)
        old->refs--; /* the session holds it too: never the last reference */
}

/* ---- the transitions -------------------------------------------------------- */

int res_open_attach_new(rsvd_res_server *s, res_session *sess, res_tree *tree, void *user_data,
                        res_open **out)
{
    if (sess->n_opens >= s->cfg.max_opens_per_session)
        return RSVD_E_LIMIT;
    res_open *o = rsvd_mem_calloc(s->mem, 1, sizeof *o);
    if (!o)
        return RSVD_E_NOMEM;
    rsvd_list_init(&o->sess_node);
    rsvd_list_init(&o->tree_node);
    rsvd_list_init(&o->client_node);
    int rc = rsvd_handle_table_add(&s->persistent, o, &o->persistent_id);
    if (rc != RSVD_OK) {
        rsvd_mem_free(s->mem, o);
        return rc;
    }
    rc = open_link_attached(s, o, sess, tree);
    if (rc != RSVD_OK) {
        (void)rsvd_handle_table_remove(&s->persistent, o->persistent_id);
        rsvd_mem_free(s->mem, o);
        return rc;
    }
    /* [MS-SMB2] 3.3.5.9 "Successful Open Initialization": IsResilient,
     * IsDurable, IsPersistent and IsReplayEligible FALSE (the last is never
     * initialized by the spec, gap), ResilientOpenTimeout and
     * DurableOpenTimeout 0, every LockSequenceArray entry invalid,
     * DurableOwner and CreateGuid NULL, OplockLevel NONE, the outstanding
     * counts 0 (calloc). */
    o->share = tree->share;
    o->share->refs++;
    /* Open.ClientGuid's counter: the connection's, held by it already. */
    res_channel *ch = RSVD_CONTAINER_OF(sess->channels.next, res_channel, sess_node);
    o->client_q = res_counter_ref(ch->conn->client_q);
    o->share_ca = (tree->flags & RSVD_RES_TREE_CA) != 0;
    o->state = RES_OPEN_ATTACHED;
    o->user_data = user_data;
    *out = o;
    return RSVD_OK;
}

bool res_open_expired(const res_open *o, uint64_t now_ms)
{
    return o->state == RES_OPEN_DETACHED && o->deadline.key < now_ms;
}

bool res_open_holds_handle_caching(const res_open *o)
{
    if (o->oplock_level == RSVD_SMB2_OPLOCK_LEVEL_BATCH)
        return true;
    return o->oplock_level == RSVD_SMB2_OPLOCK_LEVEL_LEASE &&
           (o->lease_state & RSVD_SMB2_LEASE_HANDLE_CACHING) != 0;
}

bool res_open_preserved(const res_open *o, bool logoff)
{
    /* [MS-SMB2] 3.3.5.6: IsResilient or IsDurable ("Otherwise" closes:
     * neither, pitfall P9); a durable open is kept whatever its oplock. */
    if (logoff)
        return o->is_resilient || o->is_durable || o->is_persistent;
    /* 3.3.7.1: IsResilient; BATCH (or a lease with HANDLE_CACHING) held
     * and IsDurable; IsPersistent. "Held" excludes a break in progress. */
    if (o->is_resilient || o->is_persistent)
        return true;
    return o->is_durable && !o->breaking && res_open_holds_handle_caching(o);
}

void res_open_set_durable(rsvd_res_server *s, res_open *o, bool durable, bool persistent)
{
    s->n_durable -= o->is_durable;
    s->n_durable += durable;
    o->is_durable = durable;
    if (persistent != o->is_persistent) {
        if (persistent)
            res_index_file(s, o);
        else
            rsvd_hash_remove(&s->by_file, &o->file_node);
        s->n_persistent -= o->is_persistent;
        s->n_persistent += persistent;
        o->is_persistent = persistent;
    }
}

/* res_open_close() but for the open's own block, which the caller frees
 * (the scavenger frees a million in address order). */
static void open_close_keep_block(rsvd_res_server *s, res_open *o, rsvd_res_close_reason reason,
                                  bool notify)
{
    /* [MS-SMB2] 3.3.4.17: remove it from GlobalOpenTable and, if attached,
     * from Session.OpenTable; TreeConnect.OpenCount -= 1; every index entry
     * goes in this one place (pitfall P2 of the durable reference). */
    rsvd_res_closed_open c;
    c.file_id.persistent_id = o->persistent_id;
    c.file_id.volatile_id = o->volatile_id;
    c.open_user_data = o->user_data;
    c.reason = reason;
    if (o->state == RES_OPEN_ATTACHED || o->state == RES_OPEN_RECLAIMED) {
        if (o->state == RES_OPEN_RECLAIMED)
            s->n_reclaimed--;
        open_unlink_attached(s, o);
    } else if (o->state == RES_OPEN_DETACHED) {
        rsvd_heap_remove(&s->deadlines, &o->deadline);
        s->heap_ops++;
        s->n_detached--;
        quota_uncount(o);
    }
    res_store_unqueue(o);
    if (o->stored && !s->shutting_down)
        (void)res_store_remove(s, o); /* a failure is counted; the record expires */
    res_index_remove_all(s, o);
    res_open_set_durable(s, o, false, false);
    (void)rsvd_handle_table_remove(&s->persistent, o->persistent_id);
    o->state = RES_OPEN_CLOSED;
    if (notify)
        res_notify_close(s, &c); /* the host closes Open.LocalOpen */
    res_share_put(s, o->share);
    res_counter_put(s, true, o->client_q);
    res_counter_put(s, false, o->user_q);
    rsvd_mem_free(s->mem, o->name);
    rsvd_mem_free(s->mem, o->file_key);
}

void res_open_close(rsvd_res_server *s, res_open *o, rsvd_res_close_reason reason, bool notify)
{
    open_close_keep_block(s, o, reason, notify);
    rsvd_mem_free(s->mem, o);
}

/*
 * Makes room for one more detached open of @p cq's client when the server
 * is at max_detached (resource pressure, [MS-SMB2] 3.3.2.4): the oldest
 * detached open of the client that holds the most is closed, unless that is
 * the detaching open's own client (or one that holds no more than it):
 * then the caller closes the detaching open. No client can thus make an
 * open of a client that holds fewer be closed. @return true if room was
 * made.
 */
static bool make_room(rsvd_res_server *s, const res_counter *cq)
{
    res_counter *heavy = res_counter_heaviest(s);
    if (!heavy || heavy == cq || heavy->detached <= cq->detached)
        return false;
    res_open *victim = RSVD_CONTAINER_OF(heavy->opens.next, res_open, client_node);
    res_open_close(s, victim, RSVD_RES_CLOSE_RESOURCES, true);
    return true;
}

/* Is there room for one more detached open of @p o's client and user?
 * Quotas, then resource pressure: the exceptions to keeping an open
 * (3.3.2.2, 3.3.2.4). The counters exist since the open was made and its
 * owner set: counting allocates nothing. */
static bool room_for(rsvd_res_server *s, const res_open *o)
{
    const res_counter *cq = o->client_q, *uq = o->user_q;
    bool keep = uq && cq->detached < s->cfg.max_detached_per_client &&
                uq->detached < s->cfg.max_detached_per_user;
    if (keep && s->n_detached >= s->cfg.max_detached)
        keep = make_room(s, cq);
    return keep;
}

void res_open_detach(rsvd_res_server *s, res_open *o, uint64_t now_ms,
                     rsvd_res_close_reason reason, bool logoff)
{
    if (!res_open_preserved(o, logoff)) {
        res_open_close(s, o, reason, true);
        return;
    }
    bool keep = room_for(s, o);
    /* Open.ResilientOpenTimeout = now + Open.ResiliencyTimeout, or
     * Open.DurableOpenScavengerTimeout = now + Open.DurableOpenTimeout: one
     * heap of deadlines for every kind (pitfall P3 of the resiliency
     * reference: equivalent to the timers with their reset rules).
     * Saturated so that deadline + 1 fits. */
    uint32_t timeout = o->is_resilient ? o->resiliency_timeout_ms : o->durable_timeout_ms;
    uint64_t deadline = now_ms + timeout;
    if (deadline < now_ms || deadline == UINT64_MAX)
        deadline = UINT64_MAX - 1;
    if (keep && rsvd_heap_push(&s->deadlines, &o->deadline, deadline) != RSVD_OK)
        keep = false;
    if (!keep) {
        res_open_close(s, o, RSVD_RES_CLOSE_RESOURCES, true);
        return;
    }
    s->heap_ops++;
    if (o->state == RES_OPEN_RECLAIMED)
        s->n_reclaimed--;
    /* Open.Connection = Open.Session = Open.TreeConnect = NULL. Decision D9:
     * the requests outstanding on the lost connection get no response, so
     * their counts are dropped. */
    open_unlink_attached(s, o);
    o->outstanding = 0;
    o->outstanding_pre = 0;
    o->state = RES_OPEN_DETACHED;
    s->n_detached++;
    quota_count(o);
    o->deadline_wall = o->is_persistent ? res_wall_deadline(s, timeout) : 0;
    /* What a reconnect after a restart depends on: the deadline. No reply
     * depends on this write; a failure is counted, and a record left
     * "attached" is restored with a whole timeout. */
    res_store_detached(s, o);
}

int res_open_reclaim(rsvd_res_server *s, res_open *o, res_session *sess, res_tree *tree,
                     uint16_t channel_sequence)
{
    int rc = open_link_attached(s, o, sess, tree);
    if (rc != RSVD_OK)
        return rc;
    /* Decision D6 (pitfall P2): the deadline goes with the detached state,
     * so a reclaimed open is never closed by it; its key is kept for an
     * undo. */
    rsvd_heap_remove(&s->deadlines, &o->deadline);
    s->heap_ops++;
    s->n_detached--;
    quota_uncount(o);
    o->state = RES_OPEN_RECLAIMED;
    o->reclaim_from = RES_FROM_DETACHED;
    s->n_reclaimed++;
    /* Decision D9: Open.ChannelSequence is the reconnect CREATE's, the
     * counts start again. */
    o->channel_sequence = channel_sequence;
    o->outstanding = 0;
    o->outstanding_pre = 0;
    return RSVD_OK;
}

void res_open_replay_claim(rsvd_res_server *s, res_open *o)
{
    o->state = RES_OPEN_RECLAIMED;
    o->reclaim_from = RES_FROM_ATTACHED;
    s->n_reclaimed++;
}

void res_open_reclaim_commit(rsvd_res_server *s, res_open *o)
{
    o->state = RES_OPEN_ATTACHED;
    o->deadline.key = 0;
    o->deadline_wall = 0;
    s->n_reclaimed--;
}

void res_open_reclaim_undo(rsvd_res_server *s, res_open *o, uint64_t now_ms)
{
    if (o->reclaim_from == RES_FROM_ATTACHED) {
        s->n_reclaimed--;
        o->state = RES_OPEN_ATTACHED;
        return;
    }
    /* Back to DETACHED with its old deadline - unless that has passed
     * while the host worked (then it expires now, D6), or the limits of
     * detached opens were reached meanwhile (then it is closed for
     * resources, with the same fairness as a detach), rather than left
     * half-way. The heap keeps the room it had for it (it never shrinks),
     * so the push does not fail. */
    if (o->deadline.key < now_ms) {
        res_open_close(s, o, RSVD_RES_CLOSE_EXPIRED, true);
        return;
    }
    if (!room_for(s, o) ||
        rsvd_heap_push(&s->deadlines, &o->deadline, o->deadline.key) != RSVD_OK) {
        res_open_close(s, o, RSVD_RES_CLOSE_RESOURCES, true);
        return;
    }
    s->n_reclaimed--;
    s->heap_ops++;
    open_unlink_attached(s, o);
    o->state = RES_OPEN_DETACHED;
    s->n_detached++;
    quota_count(o);
}

/* ---- the scavenger (3.3.6.2, 3.3.6.4) ------------------------------------------ */

/* Every line of @p o a close reads (res_open_close). */
static void prefetch_open(const res_open *o)
{
    for (size_t off = 0; off < sizeof *o; off += 64)
        RSVD_PREFETCH((const unsigned char *)o + off);
}

/* Sorts @p n addresses by their bits above the lowest byte (what matters
 * to an allocator's neighbours), with @p tmp room for n: a radix sort,
 * least significant byte first, after one pass that counts every byte
 * (bytes every address shares are skipped). */
static void sort_addresses(uintptr_t *v, uintptr_t *tmp, size_t n)
{
    size_t count[sizeof(uintptr_t)][256];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++)
        for (unsigned b = 1; b < sizeof(uintptr_t); b++)
            count[b][(v[i] >> (8u * b)) & 0xFFu]++;
    for (unsigned b = 1; b < sizeof(uintptr_t); b++) {
        if (count[b][(v[0] >> (8u * b)) & 0xFFu] == n)
            continue;
        size_t at = 0;
        for (size_t d = 0; d < 256; d++) {
            size_t c = count[b][d];
            count[b][d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[b][(v[i] >> (8u * b)) & 0xFFu]++] = v[i];
        memcpy(v, tmp, n * sizeof *v);
    }
}

/* Closes the @p m opens of @p due (taken from the heap in deadline order),
 * then frees the array. @return m. */
static size_t expire_all(rsvd_res_server *s, rsvd_heap_node **due, size_t m)
{
    enum { AHEAD = 8 };
    for (size_t i = 0; i < m && i < AHEAD; i++)
        prefetch_open(RSVD_CONTAINER_OF(due[i], res_open, deadline));
    for (size_t i = 0; i < m; i++) {
        if (i + AHEAD < m)
            prefetch_open(RSVD_CONTAINER_OF(due[i + AHEAD], res_open, deadline));
        if (i + AHEAD / 2 < m) /* fetched AHEAD / 2 iterations ago: its id is known */
            rsvd_handle_table_prefetch(
                &s->persistent,
                RSVD_CONTAINER_OF(due[i + AHEAD / 2], res_open, deadline)->persistent_id);
        res_open *o = RSVD_CONTAINER_OF(due[i], res_open, deadline);
        open_close_keep_block(s, o, RSVD_RES_CLOSE_EXPIRED, true); /* counts the heap op */
        due[i] = (rsvd_heap_node *)(void *)o; /* its block, freed below */
    }
    /* The blocks go back in address order: an allocator that merges a
     * freed block with its neighbours then finds them in its caches, where
     * deadline order made every free a walk to random memory. Closed
     * opens are unreachable already; nothing reads them. */
    uintptr_t *addr = (uintptr_t *)(void *)due;
    uintptr_t *tmp = m > 1 ? rsvd_mem_alloc(s->mem, m * sizeof *tmp) : NULL;
    for (size_t i = 0; i < m; i++)
        addr[i] = (uintptr_t)(void *)due[i];
    if (tmp)
        sort_addresses(addr, tmp, m);
    rsvd_mem_free(s->mem, tmp);
    for (size_t i = 0; i < m; i++)
        rsvd_mem_free(s->mem, (void *)addr[i]);
    rsvd_mem_free(s->mem, due);
    return m;
}

uint64_t rsvd_res_server_next_expiry(const rsvd_res_server *s)
{
    if (!s)
        return UINT64_MAX;
    const rsvd_heap_node *top = rsvd_heap_peek(&s->deadlines);
    return top ? top->key + 1 : UINT64_MAX; /* keys stay below UINT64_MAX */
}

int rsvd_res_server_handle_expiry(rsvd_res_server *s, uint64_t now_ms, size_t *closed)
{
    if (closed)
        *closed = 0;
    if (!s)
        return RSVD_E_INVAL;
    if (s->in_callback)
        return RSVD_E_BUSY;
    size_t n = 0, popped = 0;
    /* Decision (pitfall P2, D6): only opens still detached are queued, so
     * only they can be closed here, whatever their kind; each is O(log n),
     * its comparisons within the heap's array. A persistent open's record
     * goes with it. */
    while (rsvd_heap_top_before(&s->deadlines, now_ms)) {
        /* Many due at once (a long pause, a million clients gone): once a
         * 64th of the heap (and at least eight) has been popped, the rest
         * that is due is taken in one O(n) pass instead of a descent each,
         * and closed in the same order with its opens fetched a few
         * ahead. */
        if (popped >= 8 && popped >= s->deadlines.len / 64) {
            rsvd_heap_node **due;
            size_t m = rsvd_heap_take_before(&s->deadlines, now_ms, &due);
            if (m != SIZE_MAX) {
                n += expire_all(s, due, m);
                break;
            }
        }
        res_open *o = RSVD_CONTAINER_OF(rsvd_heap_pop(&s->deadlines), res_open, deadline);
        popped++;
        /* The next open to close is fetched while this one closes: opens
         * expire in deadline order, which is no order in memory. */
        if (s->deadlines.len)
            prefetch_open(RSVD_CONTAINER_OF(rsvd_heap_peek(&s->deadlines), res_open, deadline));
        res_open_close(s, o, RSVD_RES_CLOSE_EXPIRED, true); /* counts the heap op */
        n++;
    }
    if (closed)
        *closed = n;
    return RSVD_OK;
}
