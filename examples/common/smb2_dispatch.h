/*
 * Integrator template: an SMB2 server's dispatch with librsvd in it.
 *
 * This is the part of an SMB2 server that an integrator of librsvd writes.
 * It receives one SMB2 request message at a time (the transport has already
 * taken it out of its NBSS frame), decodes it with the wire layer, and
 * routes it:
 *
 *  - every open, shared-disk or plain, is registered with the resilient
 *    server (rsvd_res_server), which assigns its FileId and is the SMB2
 *    layer's open table: every request's FileId is looked up there;
 *  - every CREATE goes to the resilient server first and last
 *    (rsvd_res_server_create_begin / _end: reconnects, replays, durable and
 *    persistent grants, [MS-SMB2] 3.3.5.9); FSCTL_LMR_REQUEST_RESILIENCY
 *    and LOCK sequence checks go to it first (3.3.5.15.9, 3.3.5.14), and
 *    every request on an open has its channel sequence verified
 *    (3.3.5.2.10);
 *  - a persistent shared-disk open reconnected with DH2C goes to the RSVD
 *    server's reconnect path with its LocalOpen ([MS-RSVD] 3.2.5.1);
 *  - a shared-disk open (CREATE of "<name>:SharedVirtualDisk" with an
 *    SVHDX_OPEN_DEVICE_CONTEXT, [MS-SMB2] 3.3.5.9.14, or with an
 *    SMB2_CREATE_EA_BUFFER holding a target specifier, 3.3.5.9.1) goes to
 *    the RSVD server (rsvd_server) for CREATE, READ, WRITE, IOCTL, LOCK,
 *    QUERY_INFO, SET_INFO and CLOSE; a tunnel request the client sent
 *    asynchronously gets its interim response when the RSVD server says so
 *    ([MS-SMB2] 3.3.4.2) and its final response with the same AsyncId;
 *  - a plain open goes to the file table of file_table.h;
 *  - an open the resilient server closes by itself (connection lost,
 *    LOGOFF, TREE_DISCONNECT, resiliency timeout expired) comes back through
 *    its close_open callback and is closed where it lives:
 *    rsvd_server_close() for a shared disk ([MS-SMB2] 3.3.4.17), the file
 *    table otherwise.
 *
 * Answers leave through the send callback as complete SMB2 messages,
 * unsigned: a host that signs does it there. A backend may complete later
 * (an asynchronous backend): the request then stays in the dispatch's
 * request pool and its answer is sent from the completion.
 *
 * The host's own commands stay the host's: NEGOTIATE, SESSION_SETUP,
 * LOGOFF, TREE_CONNECT, TREE_DISCONNECT, ECHO, ... are answered by the host,
 * which tells the dispatch their outcome (smb2_dispatch_conn_new(),
 * smb2_dispatch_session_add(), smb2_dispatch_tree_add(),
 * smb2_dispatch_logoff(), ...) and hands it only the commands
 * smb2_dispatch_handles() names.
 *
 * Not thread-safe: one thread drives an smb2_dispatch (requests, backend
 * completions, the clock), as it drives the librsvd instances inside it.
 */
#ifndef EXAMPLES_SMB2_DISPATCH_H
#define EXAMPLES_SMB2_DISPATCH_H

#include <rsvd/rsvd.h>

#include "file_table.h"

typedef struct smb2_dispatch smb2_dispatch;
typedef struct smb2_dispatch_conn smb2_dispatch_conn;

/** Connection.MaxTransactSize, MaxReadSize and MaxWriteSize of the
 * dispatch: what the host's NEGOTIATE response announces ([MS-SMB2]
 * 3.3.5.4). Larger requests are refused with STATUS_INVALID_PARAMETER. */
#define SMB2_DISPATCH_MAX_TRANSACT 65536u

/** Sessions per connection, tree connects per session. */
#define SMB2_DISPATCH_SESSIONS_MAX 8u
#define SMB2_DISPATCH_TREES_MAX 8u

/** Something the dispatch did on its own (not an answer to a request). */
typedef enum smb2_dispatch_event_kind {
    /** The resilient server closed an open (closed.reason says why); it was
     * closed in its backend with @p status. */
    SMB2_DISPATCH_EV_CLOSED = 1,
    /** A connection was lost: @p kept resilient opens wait for a reconnect. */
    SMB2_DISPATCH_EV_CONN_LOST = 2
} smb2_dispatch_event_kind;

/** An event, for the host's log. */
typedef struct smb2_dispatch_event {
    smb2_dispatch_event_kind kind;
    /** SMB2_DISPATCH_EV_CLOSED: why. */
    rsvd_res_close_reason reason;
    /** SMB2_DISPATCH_EV_CLOSED: the open was a shared-disk open (closed
     * through the RSVD close path). */
    bool shared_disk;
    /** SMB2_DISPATCH_EV_CLOSED: the open's name (ASCII). */
    const char *name;
    /** SMB2_DISPATCH_EV_CLOSED: status of the close in the backend. */
    uint32_t status;
    /** The host context of the connection the open was last used on
     * (SMB2_DISPATCH_EV_CLOSED) or of the connection lost. */
    void *conn_ctx;
    /** SMB2_DISPATCH_EV_CONN_LOST: opens kept (detached); closed ones are
     * reported as SMB2_DISPATCH_EV_CLOSED events first. */
    uint32_t kept;
} smb2_dispatch_event;

typedef struct smb2_dispatch_config {
    /** The virtual SCSI disk behind every shared-disk open (NULL: shared
     * disks cannot be opened; RSVD_E_INVAL from the RSVD server). */
    const rsvd_scsi_disk_ops *disk_ops;
    /** Its context. */
    void *disk_ctx;
    /** The plain files. */
    file_table *files;
    /** Sends a complete SMB2 response on the connection whose host context is
     * @p conn_ctx. */
    void (*send)(void *ctx, void *conn_ctx, const uint8_t *msg, size_t len);
    /** Passed to send, event and now_ms. */
    void *ctx;
    /** Optional: told about closes and lost connections. */
    void (*event)(void *ctx, const smb2_dispatch_event *ev);
    /** The clock in milliseconds since 1970 (the times in CREATE and CLOSE
     * responses, the snapshots' creation times; resiliency deadlines and the
     * CDP snapshot timer need only that it never goes back), read when a
     * request or an event needs the time. */
    uint64_t (*now_ms)(void *ctx);
    /** The identity of the one share this server serves (NULL: "share"). */
    const char *share_name;
    /** The share is continuously available: its 3.x connections are offered
     * persistent handles (SMB2_GLOBAL_CAP_PERSISTENT_HANDLES) and a DH2Q
     * with PERSISTENT makes a persistent open ([MS-SMB2] 3.3.5.9.10). */
    bool continuously_available;
    /** ServerServiceVersion of the RSVD server: RSVD_PROTOCOL_VERSION_2
     * (snapshots, change tracking, resize, VHD sets, target-specifier
     * opens), or 0 / RSVD_PROTOCOL_VERSION_1. */
    uint32_t rsvd_version;
} smb2_dispatch_config;

/** Creates the dispatch with its RSVD server and its resilient server.
 * @return RSVD_OK or an rsvd_error. */
int smb2_dispatch_new(const smb2_dispatch_config *cfg, smb2_dispatch **out);

/** Closes every open left: the resilient server is freed, which closes
 * each through its close_open callback (reason SHUTDOWN). With an
 * asynchronous backend, run its event loop until smb2_dispatch_get_stats()
 * shows no RSVD open and nothing pending before smb2_dispatch_free(). Every
 * connection must have been lost first; no request may follow. */
void smb2_dispatch_shutdown(smb2_dispatch *d);

/** Shuts down (if not done) and frees. Every backend call must have
 * completed. */
void smb2_dispatch_free(smb2_dispatch *d);

/* ---- what the host did: connections, sessions, tree connects ------------ */

/**
 * A client connected and the host completed NEGOTIATE with @p dialect
 * ([MS-SMB2] 3.3.5.4). @p conn_ctx is handed back to the send callback.
 * @return RSVD_OK or an rsvd_error.
 */
int smb2_dispatch_conn_new(smb2_dispatch *d, uint16_t dialect, void *conn_ctx,
                           smb2_dispatch_conn **out);

/**
 * The host completed SESSION_SETUP on @p c: @p session_id is the SessionId
 * it gave, @p user identifies the user (e.g. the SID; equal bytes, same
 * user: it becomes Open.DurableOwner of a resilient open).
 * @return RSVD_OK, RSVD_E_LIMIT (SMB2_DISPATCH_SESSIONS_MAX), RSVD_E_STATE
 * (the SessionId is in use on @p c) or an rsvd_error of the resilient server.
 */
int smb2_dispatch_session_add(smb2_dispatch *d, smb2_dispatch_conn *c, uint64_t session_id,
                              const void *user, size_t user_len);

/**
 * The SESSION_SETUP of @p session_id named @p previous_session_id in
 * PreviousSessionId ([MS-SMB2] 3.3.5.5.3): a session of the same user, on
 * any connection, is removed as on a connection loss (*removed true).
 * @return RSVD_OK (*removed false when no such session is known or it is
 * another user's), RSVD_E_NOENT (@p session_id is not a session of @p c) or
 * RSVD_E_BUSY (called from a callback of the resilient server).
 */
int smb2_dispatch_previous_session(smb2_dispatch *d, smb2_dispatch_conn *c,
                                   uint64_t session_id, uint64_t previous_session_id,
                                   bool *removed);

/** The host completed TREE_CONNECT with @p tree_id in session
 * @p session_id of @p c. @return RSVD_OK, RSVD_E_NOENT (no such session),
 * RSVD_E_LIMIT (SMB2_DISPATCH_TREES_MAX), RSVD_E_STATE (in use) or an rsvd_error. */
int smb2_dispatch_tree_add(smb2_dispatch *d, smb2_dispatch_conn *c, uint64_t session_id,
                           uint32_t tree_id);

/** TREE_DISCONNECT ([MS-SMB2] 3.3.5.8): every open of the tree is closed.
 * @return RSVD_OK, RSVD_E_NOENT, or RSVD_E_BUSY (called from a callback of
 * the resilient server: nothing was done). */
int smb2_dispatch_tree_disconnect(smb2_dispatch *d, smb2_dispatch_conn *c, uint64_t session_id,
                                  uint32_t tree_id);

/** LOGOFF ([MS-SMB2] 3.3.5.6): resilient opens are kept (detached), the
 * others closed; the session and its tree connects are gone.
 * @return RSVD_OK, RSVD_E_NOENT, or RSVD_E_BUSY (called from a callback of
 * the resilient server: nothing was done). */
int smb2_dispatch_logoff(smb2_dispatch *d, smb2_dispatch_conn *c, uint64_t session_id);

/**
 * Shorthand for a host whose connection has one session and one tree
 * connect: smb2_dispatch_conn_new(), smb2_dispatch_session_add() and
 * smb2_dispatch_tree_add(). @return RSVD_OK or an rsvd_error (nothing is
 * left registered then).
 */
int smb2_dispatch_connect(smb2_dispatch *d, uint16_t dialect, uint64_t session_id,
                          const void *user, size_t user_len, uint32_t tree_id, void *conn_ctx,
                          smb2_dispatch_conn **out);

/** The transport connection is gone ([MS-SMB2] 3.3.7.1). @p c must not be
 * used afterwards; answers still pending for it are dropped. */
void smb2_dispatch_conn_lost(smb2_dispatch *d, smb2_dispatch_conn *c);

/* ---- requests and time ---------------------------------------------------- */

/** @return true for the commands smb2_dispatch_receive() handles: CREATE,
 * CLOSE, READ, WRITE, LOCK, IOCTL, QUERY_INFO, SET_INFO. */
bool smb2_dispatch_handles(uint16_t command);

/** One SMB2 request message arrived on @p c (@p msg is copied). A command
 * smb2_dispatch_handles() does not name is answered STATUS_NOT_SUPPORTED. */
void smb2_dispatch_receive(smb2_dispatch *d, smb2_dispatch_conn *c, const uint8_t *msg,
                           size_t len);

/** @return when smb2_dispatch_handle_expiry() has work (UINT64_MAX: none;
 * 0 or a time already past: at once): the earlier of the resilient-open
 * scavenger's and the RSVD server's CDP snapshot timer's. Read it again
 * after every call into the dispatch and every backend completion. */
uint64_t smb2_dispatch_next_expiry(const smb2_dispatch *d);

/** Runs the resilient-open scavenger and the CDP snapshot timers.
 * @return the opens the scavenger closed. */
size_t smb2_dispatch_handle_expiry(smb2_dispatch *d);

/** Counts for a summary. */
typedef struct smb2_dispatch_stats {
    uint32_t requests;          /**< SMB2 requests received */
    uint32_t responses;         /**< responses sent (dropped ones included) */
    uint32_t pending;           /**< requests waiting for a backend */
    uint32_t interims;          /**< interim responses sent ([MS-SMB2] 3.3.4.2) */
    size_t rsvd_opens;          /**< opens in the RSVD server */
    rsvd_res_server_stats res;  /**< the resilient server's counts */
    size_t file_opens;          /**< opens in the file table */
} smb2_dispatch_stats;

void smb2_dispatch_get_stats(const smb2_dispatch *d, smb2_dispatch_stats *out);

/** @return the byte-range locks held through the open with this persistent
 * FileId (0 if it is unknown or not a plain open). */
size_t smb2_dispatch_locks_held(const smb2_dispatch *d, uint64_t persistent_id);

#endif /* EXAMPLES_SMB2_DISPATCH_H */
