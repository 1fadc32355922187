/*
 * Open preservation, server role: the events that detach or close opens -
 * loss of a connection (3.3.7.1), LOGOFF (3.3.5.6), PreviousSessionId
 * (3.3.5.5.3), TREE_DISCONNECT (3.3.5.8), the server closing a session
 * (3.3.4.12) or an open (CLOSE) - and what the host reports about an
 * open's oplock or lease and about its file (3.3.4.6, 3.3.4.7).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "resilient/server_int.h"
#include "util/mem.h"

#define RES_GUARD(s)                                                                        \
    do {                                                                                    \
        if ((s)->in_callback)                                                               \
            return RSVD_E_BUSY;                                                             \
    } while (0)

static void tree_free(rsvd_res_server *s, res_tree *t)
{
    rsvd_list_remove(&t->sess_node);
    (void)rsvd_handle_table_remove(&s->trees, t->handle);
    res_share_put(s, t->share);
    rsvd_mem_free(s->mem, t);
}

static void channel_free(rsvd_res_server *s, res_channel *ch)
{
    rsvd_list_remove(&ch->conn_node);
    rsvd_list_remove(&ch->sess_node);
    ch->sess->n_channels--;
    rsvd_mem_free(s->mem, ch);
}

/* How a session ends. */
typedef enum session_end_kind {
    END_LOSS,   /* 3.3.7.1 (and PreviousSessionId): preserved opens detached */
    END_LOGOFF, /* 3.3.5.6: resilient and durable opens detached */
    END_CLOSE   /* 3.3.4.12: every open closed */
} session_end_kind;

/*
 * Ends a session ([MS-SMB2] 3.3.7.1 B, 3.3.5.6, 3.3.4.12): each open of
 * Session.OpenTable is detached or closed with @p reason; then its tree
 * connects, channels and the session are freed.
 */
static void session_end(rsvd_res_server *s, res_session *ss, uint64_t now_ms,
                        rsvd_res_close_reason reason, session_end_kind kind)
{
    rsvd_list *it, *tmp;
    bool batch = kind != END_CLOSE && !s->batching; /* one write for the event */
    if (batch)
        res_store_batch_begin(s);
    RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->opens)
    {
        res_open *o = RSVD_CONTAINER_OF(it, res_open, sess_node);
        if (kind == END_CLOSE)
            res_open_close(s, o, reason, true);
        else
            res_open_detach(s, o, now_ms, reason, kind == END_LOGOFF);
    }
    if (batch)
        res_store_batch_end(s);
    RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->trees)
    {
        tree_free(s, RSVD_CONTAINER_OF(it, res_tree, sess_node));
    }
    RSVD_LIST_FOREACH_SAFE(it, tmp, &ss->channels)
    {
        channel_free(s, RSVD_CONTAINER_OF(it, res_channel, sess_node));
    }
    (void)rsvd_handle_table_remove(&s->sessions, ss->handle);
    res_counter_put(s, false, ss->user_q);
    rsvd_mem_free(s->mem, ss);
}

/* [MS-SMB2] 3.3.7.1 Handling Loss of a Connection */
int rsvd_res_server_conn_lost(rsvd_res_server *s, uint64_t conn, uint64_t now_ms)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_conn *c = rsvd_handle_table_get(&s->conns, conn);
    if (!c)
        return RSVD_E_NOENT;
    rsvd_list *it, *tmp;
    res_store_batch_begin(s); /* every session of the connection: one write */
    RSVD_LIST_FOREACH_SAFE(it, tmp, &c->channels)
    {
        res_channel *ch = RSVD_CONTAINER_OF(it, res_channel, conn_node);
        res_session *ss = ch->sess;
        if (res_dialect_is_3x(c->dialect) && ss->n_channels > 1) {
            /* A: only this channel goes; opens are untouched. */
            channel_free(s, ch);
            continue;
        }
        /* B: preserve or close each open, free trees and the session. A
         * session has one channel per connection, so `tmp` survives. */
        session_end(s, ss, now_ms, RSVD_RES_CLOSE_DISCONNECT, END_LOSS);
    }
    res_store_batch_end(s);
    (void)rsvd_handle_table_remove(&s->conns, c->handle);
    res_counter_put(s, true, c->client_q);
    rsvd_mem_free(s->mem, c);
    return RSVD_OK;
}

/* [MS-SMB2] 3.3.5.6 Receiving an SMB2 LOGOFF Request */
int rsvd_res_server_logoff(rsvd_res_server *s, uint64_t session, uint64_t now_ms)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_session *ss = rsvd_handle_table_get(&s->sessions, session);
    if (!ss)
        return RSVD_E_NOENT;
    /* IsResilient: ResilientOpenTimeout = now + ResiliencyTimeout;
     * IsDurable: DurableOpenScavengerTimeout = now + DurableOpenTimeout,
     * whatever the oplock (durable reference §3.7); "Otherwise" (neither,
     * pitfall P9): closed. */
    session_end(s, ss, now_ms, RSVD_RES_CLOSE_LOGOFF, END_LOGOFF);
    return RSVD_OK;
}

/* [MS-SMB2] 3.3.5.5.3 Handling a Reauthentication / PreviousSessionId */
int rsvd_res_server_previous_session(rsvd_res_server *s, uint64_t new_session,
                                     uint64_t prev_session, uint64_t now_ms, bool *removed)
{
    if (!s || !removed)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    *removed = false;
    res_session *ns = rsvd_handle_table_get(&s->sessions, new_session);
    res_session *ps = rsvd_handle_table_get(&s->sessions, prev_session);
    if (!ns || !ps)
        return RSVD_E_NOENT;
    if (ns == ps)
        return RSVD_OK; /* SHOULD<294> ignore */
    if (!res_user_equal(ns->user, ns->user_len, ps->user, ps->user_len))
        return RSVD_OK; /* another user: ignored */
    /* Same user: remove the old session "as specified in 3.3.7.1". */
    session_end(s, ps, now_ms, RSVD_RES_CLOSE_PREVIOUS_SESSION, END_LOSS);
    *removed = true;
    return RSVD_OK;
}

/* [MS-SMB2] 3.3.5.8 Receiving an SMB2 TREE_DISCONNECT Request */
int rsvd_res_server_tree_disconnect(rsvd_res_server *s, uint64_t tree)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_tree *t = rsvd_handle_table_get(&s->trees, tree);
    if (!t)
        return RSVD_E_NOENT;
    /* Every open of the tree connect is closed, durable and persistent ones
     * too (pitfall B10 of the durable reference). */
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &t->opens)
    {
        res_open_close(s, RSVD_CONTAINER_OF(it, res_open, tree_node),
                       RSVD_RES_CLOSE_TREE_DISCONNECT, true);
    }
    tree_free(s, t);
    return RSVD_OK;
}

/* [MS-SMB2] 3.3.4.12 Server Application Requests Closing a Session */
int rsvd_res_server_session_close(rsvd_res_server *s, uint64_t session)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_session *ss = rsvd_handle_table_get(&s->sessions, session);
    if (!ss)
        return RSVD_E_NOENT;
    session_end(s, ss, 0, RSVD_RES_CLOSE_SESSION_CLOSED, END_CLOSE);
    return RSVD_OK;
}

int rsvd_res_server_open_close(rsvd_res_server *s, uint64_t persistent_id)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_open *o = res_open_by_persistent(s, persistent_id);
    if (!o)
        return RSVD_E_NOENT;
    /* A persistent open's record goes first: if it stayed, a restarted
     * server would bring back an open its client closed. */
    if (o->stored && res_store_remove(s, o) != RSVD_OK)
        return RSVD_E_IO;
    res_open_close(s, o, RSVD_RES_CLOSE_SHUTDOWN, false);
    return RSVD_OK;
}

/* ---- the host's reports ---------------------------------------------------------- */

int rsvd_res_server_open_caching(rsvd_res_server *s, uint64_t persistent_id,
                                 uint8_t oplock_level, uint32_t lease_state, bool breaking)
{
    if (!s)
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_open *o = res_open_by_persistent(s, persistent_id);
    if (!o)
        return RSVD_E_NOENT;
    /* Open.OplockLevel, OplockState and Lease.LeaseState: what 3.3.7.1
     * and 3.3.5.9.7 step 6 test. The lease itself stays the host's. */
    o->oplock_level = oplock_level;
    o->lease_state = lease_state;
    o->breaking = breaking;
    return RSVD_OK;
}

/* Does @p ev end a detached open of this kind? */
static bool event_ends(const res_open *o, rsvd_res_durability_event ev)
{
    if (ev == RSVD_RES_EVENT_FILE_DELETED)
        return true; /* nothing left to reclaim */
    /* 3.3.4.6: "If Open.IsDurable ... could not be sent ... close the
     * Open"; 3.3.4.7: every open of a lease losing HANDLE_CACHING when
     * IsDurable. Decision D5: not a persistent open; resilient opens
     * survive breaks while detached (resiliency reference §3.13). A
     * conflicting open purges as a break would (durable reference §3.3). */
    return o->is_durable && !o->is_persistent && !o->is_resilient;
}

int rsvd_res_server_durability_event(rsvd_res_server *s, uint64_t persistent_id,
                                     rsvd_res_durability_event ev, bool *closed)
{
    if (closed)
        *closed = false;
    if (!s || (ev != RSVD_RES_EVENT_BREAK && ev != RSVD_RES_EVENT_CONFLICTING_OPEN &&
               ev != RSVD_RES_EVENT_FILE_DELETED))
        return RSVD_E_INVAL;
    RES_GUARD(s);
    res_open *o = res_open_by_persistent(s, persistent_id);
    if (!o)
        return RSVD_E_NOENT;
    if (o->state == RES_OPEN_DETACHED) {
        if (event_ends(o, ev)) {
            res_open_close(s, o, RSVD_RES_CLOSE_DURABILITY_LOST, true);
            if (closed)
                *closed = true;
        }
        return RSVD_OK;
    }
    /* Attached: a break leaves it without BATCH or HANDLE_CACHING (3.3.6.1
     * acknowledges it to NONE) until the host reports otherwise. */
    if (ev == RSVD_RES_EVENT_BREAK) {
        if (o->oplock_level != RSVD_SMB2_OPLOCK_LEVEL_LEASE)
            o->oplock_level = RSVD_SMB2_OPLOCK_LEVEL_NONE;
        o->lease_state = 0;
        o->breaking = false;
    }
    return RSVD_OK;
}
