/*
 * The lifecycle of the preserved opens of rsvd_res_server - resilient,
 * durable and persistent (lib/resilient/server_open.c, server_events.c,
 * server_reconnect.c, server_create.c, server_ioctl.c), checked with spin.
 * docs/model.md maps every inline below to the C function it stands for;
 * tests/model/check.sh runs the checks.
 *
 * What is modelled, as the C code does it:
 *  - N opens (2, or 3) and 2 sessions. Each open slot is used once: created
 *    attached on a session as a plain, durable (holding a BATCH oplock or
 *    a HANDLE_CACHING lease) or persistent open, maybe granted resiliency,
 *    its oplock maybe broken while attached, detached when its session
 *    ends - connection loss (3.3.7.1: resilient, persistent, durable still
 *    holding its oplock) or LOGOFF (3.3.5.6: resilient or durable) -,
 *    reclaimed by its owner in two steps (create_begin binds it, RECLAIMED;
 *    create_end keeps it, or undoes the reclaim when the host or the store
 *    failed), closed by the host, by the end of its session or tree, by a
 *    durability event (a break that cannot reach a detached durable open;
 *    never a persistent one, D5), or expired.
 *  - The deadline of a detached open is Open.ResilientOpenTimeout =
 *    now + Open.ResiliencyTimeout, kept in the deadline heap: queued[] and
 *    rot[] are the heap node's membership and key. next_expiry() is the
 *    smallest key + 1; handle_expiry(now) closes the top of the heap while
 *    its key is earlier than now, whatever the open is (as the C code does:
 *    it trusts the heap to hold only detached opens, and the model checks
 *    that trust).
 *  - A reconnect (DHnC/DH2C) looks the open up by its persistent id: a
 *    closed open is not found (the handle table never returns a freed
 *    object); a detached open past its deadline is closed there (EXPIRED);
 *    an attached one is refused; otherwise it is re-attached, which can
 *    fail (session open limit, no memory) and then leaves it detached.
 *  - Detaching can fail too: over max_detached, or when the heap cannot
 *    grow, the open is closed (RESOURCES).
 *  - The clock `clk` (now_ms; `now` is taken by spin) is discrete, one tick
 *    per ms, and stops at MAXT. The host may call handle_expiry at any
 *    time, and calls it before its clock passes next_expiry(): the clock
 *    advances only while clk < next_expiry() (the contract of
 *    rsvd_res_server_next_expiry).
 *  - Each API call is one atomic step: the library has no threads and the
 *    host serialises the calls on one instance.
 *
 * Left out (unit-tested instead): the wire formats, the owner, share,
 * ClientGuid, CreateGuid and lease checks (a refused reclaim changes
 * nothing), replays, application instances, lock and channel sequences,
 * multi-channel sessions (losing one channel of several changes no open),
 * quotas per client and per user (one client here: the global limit's
 * eviction then closes the detaching open), the store's records, deadline
 * saturation near UINT64_MAX, the re-entrancy guard of the close callback,
 * the order of opens within a session (the model walks them by slot).
 *
 * Properties: named LTL claims, plus assertions of the structural
 * invariants of res_server_check_invariants after every step.
 *  a_closed_once      no open is closed twice
 *  b_no_stale_close   no open is closed as expired while attached or
 *                     reclaimed: a reclaimed open is never closed by a
 *                     stale deadline
 *  c_not_kept         no detached open is kept past its deadline plus one
 *                     scavenger pass, and none is re-attached after it
 *  d_not_early        no open is closed as expired before its deadline
 *  e_persistent_kept  no persistent open is closed by a durability event
 *  f_no_broken_reclaim no durable open whose oplock was broken is reclaimed
 *
 * Variants (spin -D...), each expected to violate one claim (checked with
 * -DNO_INVARIANTS, so that the claim, not an invariant, reports it):
 *  SPEC_P2_SCAVENGER  the scavenger of [MS-SMB2] 3.3.6.4 as written (v84):
 *                     it scans GlobalOpenTable for IsResilient opens whose
 *                     ResilientOpenTimeout is earlier than now, without
 *                     checking that they are detached, and reconnect
 *                     (3.3.5.9.7) leaves ResilientOpenTimeout set
 *                     -> violates b_no_stale_close (pitfall P2)
 *  BUG_CLOSE_KEEPS_DEADLINE  res_open_close of a detached open leaves its
 *                     heap node queued -> violates a_closed_once
 *  BUG_LATE_EXPIRY    next_expiry() returns the deadline + 2
 *                     -> violates c_not_kept
 *  BUG_EARLY_EXPIRY   handle_expiry closes a deadline equal to now
 *                     -> violates d_not_early
 *  SPEC_D5_BREAK      3.3.4.7 as written: a break without HANDLE_CACHING
 *                     closes every IsDurable open, persistent ones included
 *                     -> violates e_persistent_kept (decision D5)
 *  BUG_NO_CACHING_CHECK  a reclaim does not check that a durable open
 *                     still holds its oplock (3.3.5.9.7 step 6)
 *                     -> violates f_no_broken_reclaim
 */

#ifndef N
#define N 2          /* opens (3: hours and gigabytes with every kind) */
#endif
#ifndef MAXT
#define MAXT 5       /* the clock stops here */
#endif
#ifndef MAXDET
#define MAXDET 2     /* rsvd_res_server_config.max_detached */
#endif
#define NEVER 255    /* next_expiry() of an empty heap: UINT64_MAX */

/* res_open_state, plus NONE for a slot whose open is not created yet */
mtype = { NONE, ATTACHED, DETACHED, RECLAIMED, CLOSED };
/* rsvd_res_close_reason, the ones the model produces */
mtype = { R_NONE, EXPIRED, DISCONNECT, LOGOFF, RESOURCES, SESSION_CLOSED, SHUTDOWN,
          DURABILITY_LOST };

/* struct res_open */
mtype state[N] = NONE;
bit   resilient[N];          /* Open.IsResilient */
bit   durable[N];            /* Open.IsDurable */
bit   persistent[N];         /* Open.IsPersistent */
bit   held[N];               /* a BATCH oplock or HANDLE_CACHING lease held */
bit   ever_broken[N];        /* ghost: its oplock was broken once */
byte  rto[N];                /* ResiliencyTimeout, or DurableOpenTimeout (ticks) */
byte  rot[N];                /* Open.ResilientOpenTimeout: deadline.key */
bit   queued[N];             /* the deadline node is in s->deadlines */
byte  sess[N];               /* Open.Session while attached */
/* struct rsvd_res_server */
byte  n_detached;            /* s->n_detached */
byte  clk;                   /* the host's clock, now_ms */

/* Ghost state for the claims. */
byte  closes[N];             /* res_open_close calls per open */
mtype last_reason[N] = R_NONE;
bit   expired_attached;      /* an EXPIRED close hit an attached open */
bit   expired_early;         /* an EXPIRED close came at or before the deadline */
bit   late_reattach;         /* re-attached after its deadline */
bit   persistent_lost;       /* a persistent open closed by a durability event */
bit   broken_reclaimed;      /* a durable open reclaimed after its oplock broke */

#define OVERDUE(x) (state[x] == DETACHED && rot[x] + 1 < clk)
#if N == 2
#define ANY_OVERDUE (OVERDUE(0) || OVERDUE(1))
#define ALL_CLOSED_ONCE (closes[0] <= 1 && closes[1] <= 1)
#elif N == 3
#define ANY_OVERDUE (OVERDUE(0) || OVERDUE(1) || OVERDUE(2))
#define ALL_CLOSED_ONCE (closes[0] <= 1 && closes[1] <= 1 && closes[2] <= 1)
#else
#error "N is 2 or 3"
#endif

ltl a_closed_once    { [] ALL_CLOSED_ONCE }
ltl b_no_stale_close { [] !expired_attached }
ltl c_not_kept       { [] !(ANY_OVERDUE || late_reattach) }
ltl d_not_early      { [] !expired_early }
ltl e_persistent_kept { [] !persistent_lost }
ltl f_no_broken_reclaim { [] !broken_reclaimed }

/* ---- the deadline heap (lib/util/heap.c) ------------------------------------ */

/* rsvd_heap_peek: the queued open with the smallest key (ties: the lowest
 * slot), or N when the heap is empty. */
inline heap_peek()
{
    m_top = N;
    m_k = 0;
    do
    :: m_k < N ->
        if
        :: queued[m_k] && (m_top == N || rot[m_k] < rot[m_top]) -> m_top = m_k
        :: else -> skip
        fi;
        m_k++
    :: else -> break
    od
}

/* rsvd_res_server_next_expiry -> m_t */
inline next_expiry()
{
    heap_peek();
    if
    :: m_top == N -> m_t = NEVER
#ifdef BUG_LATE_EXPIRY
    :: else -> m_t = rot[m_top] + 2
#else
    :: else -> m_t = rot[m_top] + 1
#endif
    fi
}

/* ---- the transitions of an open (server.c) ---------------------------------- */

/* res_open_close: ATTACHED or DETACHED -> CLOSED (then freed). */
inline res_open_close(x, reason)
{
    if
    :: reason == EXPIRED && (state[x] == ATTACHED || state[x] == RECLAIMED) ->
        expired_attached = 1
    :: reason == EXPIRED && state[x] == DETACHED && rot[x] >= clk -> expired_early = 1
    :: else -> skip
    fi;
    if
    :: reason == DURABILITY_LOST && persistent[x] -> persistent_lost = 1
    :: else -> skip
    fi;
    if
    :: state[x] == ATTACHED || state[x] == RECLAIMED ->
        sess[x] = 0                                   /* open_unlink_attached */
    :: state[x] == DETACHED ->
#ifndef BUG_CLOSE_KEEPS_DEADLINE
        queued[x] = 0;                                 /* rsvd_heap_remove */
#endif
        n_detached--
    :: else -> queued[x] = 0   /* freed already: a double close (undefined in C; the
                                  * model drops the node so that the step ends) */
    fi;
    state[x] = CLOSED;
    closes[x]++;
    last_reason[x] = reason
}

/* res_open_attach_new + create_end's grant: (new) -> ATTACHED on session
 * sv; plain, durable holding its oplock (timeout 1 or 2), or persistent
 * (timeout 2). */
inline open_attach_new(x)
{
    state[x] = ATTACHED;
    sess[x] = m_sv;
    if
    :: skip                                           /* plain */
    :: durable[x] = 1; held[x] = 1; rto[x] = 1
    :: durable[x] = 1; held[x] = 1; rto[x] = 2
    :: durable[x] = 1; persistent[x] = 1; rto[x] = 2
    fi
}

/* res_open_preserved (loss: 3.3.7.1; logoff: 3.3.5.6) -> m_p */
inline preserved(x, logoff)
{
    if
    :: resilient[x] || persistent[x] -> m_p = 1
    :: durable[x] && (logoff || held[x]) -> m_p = 1
    :: else -> m_p = 0
    fi
}

/* res_open_detach: ATTACHED -> DETACHED, or closed when it is not kept. */
inline open_detach(x, reason, logoff)
{
    preserved(x, logoff);
    if
    :: !m_p -> res_open_close(x, reason)
    :: m_p && n_detached >= MAXDET -> res_open_close(x, RESOURCES)
    :: m_p && n_detached < MAXDET ->
        if
        :: true ->                                    /* rsvd_heap_push succeeds */
            rot[x] = clk + rto[x];
            queued[x] = 1;
            sess[x] = 0;                              /* open_unlink_attached */
            state[x] = DETACHED;
            n_detached++
        :: true -> res_open_close(x, RESOURCES)       /* rsvd_heap_push: no memory */
        fi
    fi
}

/* res_open_reclaim (its success path): DETACHED -> RECLAIMED on session
 * sv; the deadline leaves the heap and is kept aside for an undo. */
inline res_open_reclaim(x)
{
    if
    :: rot[x] < clk -> late_reattach = 1
    :: else -> skip
    fi;
    if
    :: durable[x] && !persistent[x] && ever_broken[x] && !held[x] -> broken_reclaimed = 1
    :: else -> skip
    fi;
    sess[x] = m_sv;                                   /* open_link_attached */
    queued[x] = 0;                                    /* rsvd_heap_remove */
    n_detached--;
    state[x] = RECLAIMED
}

/* res_open_reclaim_commit: RECLAIMED -> ATTACHED (create_end succeeded,
 * the store written). */
inline res_open_reclaim_commit(x)
{
#ifndef SPEC_P2_SCAVENGER
    rot[x] = 0;                                       /* o->deadline.key = 0 */
#endif
    state[x] = ATTACHED
}

/* res_open_reclaim_undo: RECLAIMED -> DETACHED with its old deadline (the
 * host failed the CREATE, or the store write failed) - expired instead when
 * that deadline passed meanwhile, closed for resources when the limit
 * leaves no room (one client: the detaching open yields); the heap kept its
 * room, so the push succeeds. */
inline res_open_reclaim_undo(x)
{
    if
    :: rot[x] < clk ->                                /* res_open_close(EXPIRED) of a */
        sess[x] = 0;                                  /* reclaim that failed: not a */
        state[x] = CLOSED;                            /* stale deadline of a kept one */
        closes[x]++;
        last_reason[x] = EXPIRED
    :: rot[x] >= clk && n_detached >= MAXDET -> res_open_close(x, RESOURCES)
    :: rot[x] >= clk && n_detached < MAXDET ->
        sess[x] = 0;
        queued[x] = 1;
        n_detached++;
        state[x] = DETACHED
    fi
}

/* session_end: each open of session sv (attached or reclaimed) is
 * detached (preserve; logoff: 3.3.5.6's rule) or closed with reason. */
inline session_end(reason, preserve, logoff)
{
    m_j = 0;
    do
    :: m_j < N ->
        if
        :: (state[m_j] == ATTACHED || state[m_j] == RECLAIMED) && sess[m_j] == m_sv ->
            if
            :: preserve -> open_detach(m_j, reason, logoff) /* a reclaimed open too */
            :: else -> res_open_close(m_j, reason)
            fi
        :: else -> skip
        fi;
        m_j++
    :: else -> break
    od
}

/* rsvd_res_server_handle_expiry(clk) */
inline handle_expiry()
{
#ifdef SPEC_P2_SCAVENGER
    /* [MS-SMB2] 3.3.6.4 (v84): every open of GlobalOpenTable with
     * IsResilient TRUE and ResilientOpenTimeout earlier than now. An open
     * never detached has ResilientOpenTimeout 0 and is skipped, so the
     * violation found needs a reconnect. */
    m_j = 0;
    do
    :: m_j < N ->
        if
        :: (state[m_j] == ATTACHED || state[m_j] == DETACHED) && resilient[m_j] &&
           rot[m_j] != 0 && rot[m_j] < clk -> res_open_close(m_j, EXPIRED)
        :: else -> skip
        fi;
        m_j++
    :: else -> break
    od
#else
    do
    :: heap_peek();
       if
#ifdef BUG_EARLY_EXPIRY
       :: m_top < N && rot[m_top] <= clk -> res_open_close(m_top, EXPIRED)
#else
       :: m_top < N && rot[m_top] < clk -> res_open_close(m_top, EXPIRED)
#endif
       :: else -> break
       fi
    od
#endif
}

/* create_begin of a DHnC/DH2C for open x by its owner on session sv:
 * lookup_for_reconnect, the reconnect checks, rebind. */
inline reconnect(x)
{
    if
    :: state[x] == NONE || state[x] == CLOSED -> skip    /* not found */
    :: state[x] == DETACHED && rot[x] < clk ->           /* res_open_expired */
        res_open_close(x, EXPIRED)
    :: state[x] == ATTACHED || state[x] == RECLAIMED -> skip /* Open.Session != NULL */
#ifndef BUG_NO_CACHING_CHECK
    :: state[x] == DETACHED && rot[x] >= clk && durable[x] && !persistent[x] &&
       !resilient[x] && !held[x] -> skip                 /* caching_lost: not found */
    :: state[x] == DETACHED && rot[x] >= clk && !(durable[x] && !persistent[x] &&
       !resilient[x] && !held[x]) ->
#else
    :: state[x] == DETACHED && rot[x] >= clk ->
#endif
        if
        :: res_open_reclaim(x)                           /* RECLAIM */
        :: skip                                          /* limit or no memory: still detached */
        fi
    fi
}

/* create_end of a reclaim: kept (success, the store written) or undone
 * (the host failed, or the store write failed). */
inline create_end(x)
{
    if
    :: state[x] == RECLAIMED ->
        if
        :: res_open_reclaim_commit(x)
        :: res_open_reclaim_undo(x)
        fi
    :: else -> skip
    fi
}

/* rsvd_res_server_durability_event: a break that cannot reach a detached
 * open, or a conflicting open: a detached durable open that is neither
 * persistent nor resilient is closed (3.3.4.6, 3.3.4.7; D5). */
inline durability_event(x)
{
    if
    :: state[x] == DETACHED && durable[x] && !resilient[x] &&
#ifdef SPEC_D5_BREAK
       true ->
#else
       !persistent[x] ->
#endif
        res_open_close(x, DURABILITY_LOST)
    :: else -> skip
    fi
}

/* res_server_check_invariants: detached <=> queued, detached => resilient,
 * n_detached counts them, within max_detached. */
inline check_invariants()
{
#ifndef NO_INVARIANTS
    m_cnt = 0;
    m_j = 0;
    do
    :: m_j < N ->
        assert(queued[m_j] == (state[m_j] == DETACHED));
        assert(state[m_j] != DETACHED || resilient[m_j] || durable[m_j] || persistent[m_j]);
        assert(!persistent[m_j] || durable[m_j] || resilient[m_j]);
        if
        :: state[m_j] == DETACHED -> m_cnt++
        :: else -> skip
        fi;
        m_j++
    :: else -> break
    od;
    assert(m_cnt == n_detached && n_detached <= MAXDET)
#else
    skip
#endif
}

/* The open (m_i) and the session (m_sv) a call names. */
inline pick_open()
{
    if
    :: m_i = 0
    :: m_i = 1
#if N == 3
    :: m_i = 2
#endif
    fi
}

inline pick_session()
{
    if
    :: m_sv = 0
    :: m_sv = 1
    fi
}

/* After every call: the invariants hold; the scratch is cleared. */
inline end_step()
{
    d_step {
        check_invariants();
        m_i = 0; m_sv = 0; m_k = 0; m_j = 0; m_top = 0; m_t = 0; m_cnt = 0; m_p = 0
    }
}

/* The host: any call, in any order, one at a time. */
active proctype host()
{
    /* Scratch of one step, cleared at its end (so that it does not tell
     * states apart). Not `hidden`: pan must restore it on backtracking. */
    byte m_i, m_sv, m_k, m_j, m_top, m_t, m_cnt;
    bit m_p;
    do
    /* rsvd_res_server_open_add */
    :: atomic {
        pick_open(); pick_session();
        if
        :: state[m_i] == NONE -> open_attach_new(m_i)
        :: else -> skip
        fi;
        end_step()
       }
    /* rsvd_res_server_ioctl: FSCTL_LMR_REQUEST_RESILIENCY granted
     * (3.3.5.15.9: IsDurable FALSE, IsResilient TRUE) with a Timeout of 1
     * or 2 ticks */
    :: atomic {
        pick_open();
        if
        :: state[m_i] == ATTACHED ->
            resilient[m_i] = 1;
            durable[m_i] = 0;
            if
            :: rto[m_i] = 1
            :: rto[m_i] = 2
            fi
        :: else -> skip
        fi;
        end_step()
       }
    /* rsvd_res_server_durability_event(BREAK) on an attached durable open,
     * or open_caching with a level without BATCH or HANDLE_CACHING */
    :: atomic {
        pick_open();
        if
        :: state[m_i] == ATTACHED && durable[m_i] -> held[m_i] = 0; ever_broken[m_i] = 1
        :: else -> skip
        fi;
        end_step()
       }
    /* rsvd_res_server_durability_event on a detached open */
    :: atomic { pick_open(); durability_event(m_i); end_step() }
    /* rsvd_res_server_conn_lost, _previous_session (3.3.7.1) */
    :: atomic { pick_session(); session_end(DISCONNECT, 1, 0); end_step() }
    /* rsvd_res_server_logoff (3.3.5.6) */
    :: atomic { pick_session(); session_end(LOGOFF, 1, 1); end_step() }
    /* rsvd_res_server_session_close, _tree_disconnect */
    :: atomic { pick_session(); session_end(SESSION_CLOSED, 0, 0); end_step() }
    /* create_begin of a reconnect by the owner, on session m_sv */
    :: atomic { pick_open(); pick_session(); reconnect(m_i); end_step() }
    /* create_end of it */
    :: atomic { pick_open(); create_end(m_i); end_step() }
    /* rsvd_res_server_open_close: the host closed the open */
    :: atomic {
        pick_open();
        if
        :: state[m_i] == ATTACHED || state[m_i] == DETACHED || state[m_i] == RECLAIMED ->
            res_open_close(m_i, SHUTDOWN)
        :: else -> skip
        fi;
        end_step()
       }
    /* rsvd_res_server_handle_expiry(clk): the host may call it at any time */
    :: atomic { d_step { handle_expiry() }; end_step() }
    /* the clock: the host calls handle_expiry before passing next_expiry() */
    :: atomic {
        d_step { next_expiry() };
        if
        :: clk < MAXT && clk < m_t -> clk++
        :: else -> skip
        fi;
        end_step()
       }
    od
}
