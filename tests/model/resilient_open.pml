/*
 * The lifecycle of the resilient opens of rsvd_res_server
 * (lib/resilient/server.c, server_reconnect.c, server_ioctl.c), checked
 * with spin. docs/model.md maps every inline below to the C function it
 * stands for; tests/model/check.sh runs the checks.
 *
 * What is modelled, as the C code does it:
 *  - N opens (2 or 3) and 2 sessions. Each open slot is used once: created
 *    attached on a session, maybe granted resiliency, detached when its
 *    session ends (connection loss, LOGOFF, PreviousSessionId), reconnected
 *    by its owner, closed by the host, by the end of its session or tree,
 *    or expired.
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
 * Left out (unit-tested instead): the wire formats, the owner check (a
 * reconnect by another user is refused before anything changes), lock
 * sequences, multi-channel sessions (losing one channel of several changes
 * no open), deadline saturation near UINT64_MAX, the re-entrancy guard of
 * the close callback, the order of opens within a session (the model walks
 * them by slot).
 *
 * Properties: named LTL claims, plus assertions of the structural
 * invariants of res_server_check_invariants after every step.
 *  a_closed_once      no open is closed twice
 *  b_no_stale_close   no open is closed as expired while attached: a
 *                     reconnected open is never closed by a stale deadline
 *  c_not_kept         no detached open is kept past its deadline plus one
 *                     scavenger pass, and none is re-attached after it
 *  d_not_early        no open is closed as expired before its deadline
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
 */

#ifndef N
#define N 3          /* opens */
#endif
#ifndef MAXT
#define MAXT 5       /* the clock stops here */
#endif
#ifndef MAXDET
#define MAXDET 2     /* rsvd_res_server_config.max_detached */
#endif
#define NEVER 255    /* next_expiry() of an empty heap: UINT64_MAX */

/* res_open_state, plus NONE for a slot whose open is not created yet */
mtype = { NONE, ATTACHED, DETACHED, CLOSED };
/* rsvd_res_close_reason, the ones the model produces */
mtype = { R_NONE, EXPIRED, DISCONNECT, RESOURCES, SESSION_CLOSED, SHUTDOWN };

/* struct res_open */
mtype state[N] = NONE;
bit   resilient[N];          /* Open.IsResilient */
byte  rto[N];            /* Open.ResiliencyTimeout (ticks) */
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
    :: reason == EXPIRED && state[x] == ATTACHED -> expired_attached = 1
    :: reason == EXPIRED && state[x] == DETACHED && rot[x] >= clk -> expired_early = 1
    :: else -> skip
    fi;
    if
    :: state[x] == ATTACHED -> sess[x] = 0            /* open_unlink_attached */
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

/* open_attach_new: (new) -> ATTACHED on session sv; not resilient. */
inline open_attach_new(x)
{
    state[x] = ATTACHED;
    sess[x] = m_sv
}

/* open_detach: ATTACHED -> DETACHED, or closed when it is not kept. */
inline open_detach(x, reason)
{
    if
    :: !resilient[x] -> res_open_close(x, reason)
    :: resilient[x] && n_detached >= MAXDET -> res_open_close(x, RESOURCES)
    :: resilient[x] && n_detached < MAXDET ->
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

/* res_open_reattach (its success path): DETACHED -> ATTACHED on session sv. */
inline res_open_reattach(x)
{
    if
    :: rot[x] < clk -> late_reattach = 1
    :: else -> skip
    fi;
    sess[x] = m_sv;                                     /* open_link_attached */
    queued[x] = 0;                                    /* rsvd_heap_remove */
#ifndef SPEC_P2_SCAVENGER
    rot[x] = 0;                                       /* o->deadline.key = 0 */
#endif
    n_detached--;
    state[x] = ATTACHED
}

/* session_end: each attached open of session sv is detached (preserve) or
 * closed with reason. */
inline session_end(reason, preserve)
{
    m_j = 0;
    do
    :: m_j < N ->
        if
        :: state[m_j] == ATTACHED && sess[m_j] == m_sv ->
            if
            :: preserve -> open_detach(m_j, reason)
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

/* rsvd_res_server_reconnect of open x by its owner on session sv:
 * lookup_for_reconnect, not_reconnectable, rebind. */
inline reconnect(x)
{
    if
    :: state[x] == NONE || state[x] == CLOSED -> skip    /* not found */
    :: state[x] == DETACHED && rot[x] < clk ->           /* res_open_expired */
        res_open_close(x, EXPIRED)
    :: state[x] == ATTACHED -> skip                      /* refused: Open.Session != NULL */
    :: state[x] == DETACHED && rot[x] >= clk ->
        if
        :: res_open_reattach(x)                          /* STATUS_SUCCESS */
        :: skip                                          /* limit or no memory: still detached */
        fi
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
        assert(state[m_j] != DETACHED || resilient[m_j]);
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
        m_i = 0; m_sv = 0; m_k = 0; m_j = 0; m_top = 0; m_t = 0; m_cnt = 0
    }
}

/* The host: any call, in any order, one at a time. */
active proctype host()
{
    /* Scratch of one step, cleared at its end (so that it does not tell
     * states apart). Not `hidden`: pan must restore it on backtracking. */
    byte m_i, m_sv, m_k, m_j, m_top, m_t, m_cnt;
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
     * (3.3.5.15.9) with a Timeout of 1 or 2 ticks */
    :: atomic {
        pick_open();
        if
        :: state[m_i] == ATTACHED ->
            resilient[m_i] = 1;
            if
            :: rto[m_i] = 1
            :: rto[m_i] = 2
            fi
        :: else -> skip
        fi;
        end_step()
       }
    /* rsvd_res_server_conn_lost, _logoff, _previous_session */
    :: atomic { pick_session(); session_end(DISCONNECT, 1); end_step() }
    /* rsvd_res_server_session_close, _tree_disconnect */
    :: atomic { pick_session(); session_end(SESSION_CLOSED, 0); end_step() }
    /* rsvd_res_server_reconnect by the owner, on session m_sv */
    :: atomic { pick_open(); pick_session(); reconnect(m_i); end_step() }
    /* rsvd_res_server_open_close: the host closed the open */
    :: atomic {
        pick_open();
        if
        :: state[m_i] == ATTACHED || state[m_i] == DETACHED -> res_open_close(m_i, SHUTDOWN)
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
