/*
 * librsvd - MS-SMB2 resilient handles, server role.
 *
 * Included by rsvd/resilient.h; include that header (or rsvd/rsvd.h).
 */
#ifndef RSVD_RESILIENT_SERVER_H
#define RSVD_RESILIENT_SERVER_H

#include <rsvd/common.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief The server's resilient-open state machine ([MS-SMB2] 3.3.5.15.9,
 * 3.3.7.1, 3.3.5.6, 3.3.5.5.3, 3.3.5.8, 3.3.6.4, 3.3.5.9.7, 3.3.5.9.12,
 * 3.3.5.14).
 *
 * What the host does and what the library does:
 *  - The host owns sockets, framing, signing, authentication and the
 *    object store. It registers with the library every connection (with its
 *    negotiated dialect), every session (with the identity of its user),
 *    every tree connect and every open it creates, and tells it about
 *    connection loss, LOGOFF, TREE_DISCONNECT, PreviousSessionId takeovers
 *    and CLOSE.
 *  - The library assigns the open's SMB2_FILEID (both halves), keeps the
 *    resiliency state of every open, answers FSCTL_LMR_REQUEST_RESILIENCY
 *    from the request bytes (writing the response bytes), decides LOCK
 *    replays, keeps resilient opens alive while detached, expires them, and
 *    rebinds them on a durable reconnect. Every close the library decides
 *    goes to the host through one callback (close_open), with its reason.
 *
 * Objects are named by 64-bit handles. An open is named by its persistent
 * FileId (Open.DurableFileId); its volatile FileId (Open.FileId) changes on
 * every reconnect. A stale handle or FileId never names a later object.
 *
 * Time: every call that needs the time takes `now_ms`, a monotonic
 * millisecond clock of the host's choosing. rsvd_res_server_next_expiry()
 * says when rsvd_res_server_handle_expiry() must be called next.
 *
 * Threads: an instance is not thread-safe; the host serialises every call
 * on one instance. Different instances are independent. The close_open
 * callback runs inside the call that decided the close; while it runs,
 * every function of this instance that changes state returns RSVD_E_BUSY
 * (the read-only ones - open_lookup, open_info, stats, next_expiry - work).
 */

/** A resilient-handle server instance (opaque). */
typedef struct rsvd_res_server rsvd_res_server;

/** Largest user identity a session carries, in bytes: room for any SID
 * ([MS-DTYP] 2.4.2: 8 + 15 * 4 = 68 bytes). */
#define RSVD_RES_USER_MAX 68u

/** @name Defaults of rsvd_res_server_config (a 0 field takes these)
 * @{ */
/** MaxResiliencyTimeout ([MS-SMB2] 3.3.3 <226>: Windows uses 300000 ms). */
#define RSVD_RES_DEFAULT_MAX_TIMEOUT_MS 300000u
/** ResiliencyTimeout granted for a request with Timeout 0 ([MS-SMB2]
 * 3.3.5.15.9 <389>/<401>: Windows 8 and later use 120 s). */
#define RSVD_RES_DEFAULT_TIMEOUT_ZERO_GRANT_MS 120000u
#define RSVD_RES_DEFAULT_MAX_CONNECTIONS 4096u     /**< connections registered at once */
#define RSVD_RES_DEFAULT_MAX_SESSIONS 16384u       /**< sessions registered at once */
#define RSVD_RES_DEFAULT_MAX_TREES 65536u          /**< tree connects registered at once */
#define RSVD_RES_DEFAULT_MAX_OPENS 262144u         /**< opens, attached and detached */
#define RSVD_RES_DEFAULT_MAX_OPENS_PER_SESSION 16384u /**< attached opens of one session */
#define RSVD_RES_DEFAULT_MAX_DETACHED 131072u      /**< detached resilient opens */
/** Channels one session may have ([MS-SMB2] 3.3.5.5.2 binding). */
#define RSVD_RES_DEFAULT_MAX_CHANNELS 32u
/** @} */

/** Server configuration. Zero-initialise it and set what you need. */
typedef struct rsvd_res_server_config {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_server_config): the size the caller was built with. */
    size_t struct_size;
    /** Allocator; NULL for the C library's. */
    const rsvd_mem *mem;
    /** MaxResiliencyTimeout in milliseconds; a request above it fails with
     * STATUS_INVALID_PARAMETER (compared in milliseconds, never clamped).
     * 0: RSVD_RES_DEFAULT_MAX_TIMEOUT_MS. */
    uint32_t max_resiliency_timeout_ms;
    /** ResiliencyTimeout granted to a request with Timeout 0.
     * 0: RSVD_RES_DEFAULT_TIMEOUT_ZERO_GRANT_MS. */
    uint32_t timeout_zero_grant_ms;
    /** Fail the request on dialect 2.0.2 with STATUS_INVALID_DEVICE_REQUEST
     * (the MAY of 3.3.5.15.9). Default false: processed, as Windows does
     * (<400>). */
    bool refuse_dialect_202;
    /** Answer every FSCTL_LMR_REQUEST_RESILIENCY with STATUS_NOT_SUPPORTED
     * (3.3.5.15.9: "if the server does not support this FSCTL"). */
    bool resiliency_unsupported;
    /** The server advertises SMB2_GLOBAL_CAP_MULTI_CHANNEL on 3.x
     * connections: LOCK sequence checks then apply to every open of a 3.x
     * connection, not only resilient ones ([MS-SMB2] 3.3.5.14). */
    bool multi_channel_capable;
    /** Connections at once. This and the limits below: 0 takes the
     * RSVD_RES_DEFAULT_* value; going over one is a clear error
     * (RSVD_E_LIMIT, or the status the section gives), never unbounded
     * growth. */
    uint32_t max_connections;
    /** Sessions at once. */
    uint32_t max_sessions;
    /** Tree connects at once. */
    uint32_t max_trees;
    /** Opens in the whole server (attached and detached). */
    uint32_t max_opens;
    /** Attached opens of one session (Session.OpenTable). */
    uint32_t max_opens_per_session;
    /** Detached resilient opens kept at once. An open that would exceed it
     * when its connection is lost is closed instead (resource pressure,
     * [MS-SMB2] 3.3.2.4), with reason RSVD_RES_CLOSE_RESOURCES. */
    uint32_t max_detached;
    /** Channels (connections) one 3.x session may be bound to. */
    uint32_t max_channels;
} rsvd_res_server_config;

/** Why the library closed an open. */
typedef enum rsvd_res_close_reason {
    /** The Resilient Open Scavenger Timer: detached past its deadline
     * ([MS-SMB2] 3.3.6.4). */
    RSVD_RES_CLOSE_EXPIRED = 1,
    /** Not preserved when its connection was lost ([MS-SMB2] 3.3.7.1). */
    RSVD_RES_CLOSE_DISCONNECT = 2,
    /** Not preserved at LOGOFF ([MS-SMB2] 3.3.5.6). */
    RSVD_RES_CLOSE_LOGOFF = 3,
    /** Not preserved when a new session took over its session through
     * PreviousSessionId ([MS-SMB2] 3.3.5.5.3, as 3.3.7.1). */
    RSVD_RES_CLOSE_PREVIOUS_SESSION = 4,
    /** Its tree connect was disconnected: no exception for resilient opens
     * ([MS-SMB2] 3.3.5.8). */
    RSVD_RES_CLOSE_TREE_DISCONNECT = 5,
    /** The host closed its session ([MS-SMB2] 3.3.4.12). */
    RSVD_RES_CLOSE_SESSION_CLOSED = 6,
    /** It could not be kept detached: max_detached reached or no memory
     * for its deadline (resource pressure, [MS-SMB2] 3.3.2.4). */
    RSVD_RES_CLOSE_RESOURCES = 7,
    /** rsvd_res_server_free() with the open still there. */
    RSVD_RES_CLOSE_SHUTDOWN = 8
} rsvd_res_close_reason;

/** @return "EXPIRED", "DISCONNECT", ... or "?" */
RSVD_API const char *rsvd_res_close_reason_name(int reason);

/** What the close_open callback is told. */
typedef struct rsvd_res_closed_open {
    /** The open's FileId; volatile_id is 0 when it was detached. */
    rsvd_smb2_fileid file_id;
    /** The host's pointer given to rsvd_res_server_open_add(). */
    void *open_user_data;
    /** Why the library closed it. */
    rsvd_res_close_reason reason;
} rsvd_res_closed_open;

/** Callbacks, set once at creation. */
typedef struct rsvd_res_server_callbacks {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_server_callbacks): the size the caller was built with. */
    size_t struct_size;
    /**
     * The library has closed an open ([MS-SMB2] 3.3.4.17): it is already
     * unreachable (its FileIds name nothing). The host closes
     * Open.LocalOpen, which releases its byte-range locks; for a shared
     * virtual disk open this goes through the RSVD server's close path.
     * Called exactly once per open the library closes, never for an open
     * the host closed with rsvd_res_server_open_close(). Required.
     */
    void (*close_open)(rsvd_res_server *srv, const rsvd_res_closed_open *closed, void *user_data);
} rsvd_res_server_callbacks;

/**
 * Creates a server.
 * @param cfg configuration (NULL: every default).
 * @param cb callbacks (copied); close_open is required.
 * @param user_data passed to every callback.
 * @param out the new server.
 * @return RSVD_OK, RSVD_E_INVAL (no callback, a struct_size not set by
 * RSVD_STRUCT_INIT, an unusable allocator), RSVD_E_NOTSUP (a struct from
 * newer headers sets a member this library does not know) or RSVD_E_NOMEM.
 */
RSVD_API int rsvd_res_server_new(const rsvd_res_server_config *cfg,
                                 const rsvd_res_server_callbacks *cb, void *user_data,
                                 rsvd_res_server **out);

/** Frees the server. Every open still there is closed through close_open
 * with RSVD_RES_CLOSE_SHUTDOWN first. NULL is a no-op. */
RSVD_API void rsvd_res_server_free(rsvd_res_server *srv);

/* ---- registration -------------------------------------------------------- */

/** A connection as NEGOTIATE left it ([MS-SMB2] 3.3.1.7). */
typedef struct rsvd_res_conn_params {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_conn_params): the size the caller was built with. */
    size_t struct_size;
    /** Connection.Dialect: RSVD_SMB2_DIALECT_202 ... _311. */
    uint16_t dialect;
    /** Connection.SupportsMultiCredit (the IOCTL CreditCharge check,
     * 3.3.5.2.5). */
    bool supports_multi_credit;
    /** Connection.MaxTransactSize; 0: not checked (3.3.5.15 <376>). */
    uint32_t max_transact_size;
} rsvd_res_conn_params;

/** Registers a connection. @return RSVD_OK, RSVD_E_INVAL (unknown dialect),
 * RSVD_E_LIMIT, RSVD_E_NOMEM or RSVD_E_BUSY. */
RSVD_API int rsvd_res_server_conn_add(rsvd_res_server *srv, const rsvd_res_conn_params *p,
                                      uint64_t *conn);

/**
 * Registers an authenticated session.
 * @param srv the server.
 * @param conn the connection it was set up on.
 * @param session_id the SessionId the host gave it (compared with the
 *        SessionId of every request header the host hands over).
 * @param user the identity of Session.SecurityContext's user (e.g. the SID),
 *        1..RSVD_RES_USER_MAX bytes, copied. Two sessions have the same user
 *        exactly when these bytes are equal. It becomes Open.DurableOwner
 *        when a resiliency request succeeds.
 * @param user_len its length.
 * @param session the new session's handle.
 * @return RSVD_OK, RSVD_E_NOENT (conn), RSVD_E_INVAL, RSVD_E_LIMIT,
 * RSVD_E_NOMEM or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_session_add(rsvd_res_server *srv, uint64_t conn, uint64_t session_id,
                                         const void *user, size_t user_len, uint64_t *session);

/** Binds a 3.x session to another connection of the same dialect family
 * (a channel, [MS-SMB2] 3.3.5.5.2). @return RSVD_OK, RSVD_E_NOENT,
 * RSVD_E_NOTSUP (not a 3.x connection), RSVD_E_STATE (already bound),
 * RSVD_E_LIMIT, RSVD_E_NOMEM or RSVD_E_BUSY. */
RSVD_API int rsvd_res_server_session_bind(rsvd_res_server *srv, uint64_t session, uint64_t conn);

/** A tree connect as TREE_CONNECT left it ([MS-SMB2] 3.3.1.9). */
typedef struct rsvd_res_tree_params {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_tree_params): the size the caller was built with. */
    size_t struct_size;
    /** TreeConnect.TreeId, as the host gave it. */
    uint32_t tree_id;
    /** Zero. */
    uint32_t reserved;
} rsvd_res_tree_params;

/** Registers a tree connect of @p session.
 * @return RSVD_OK, RSVD_E_NOENT, RSVD_E_INVAL (@p p NULL, not initialised
 * with RSVD_STRUCT_INIT, or reserved not zero), RSVD_E_NOTSUP (from newer
 * headers, with a member this library does not know set), RSVD_E_LIMIT,
 * RSVD_E_NOMEM or RSVD_E_BUSY. */
RSVD_API int rsvd_res_server_tree_add(rsvd_res_server *srv, uint64_t session,
                                      const rsvd_res_tree_params *p, uint64_t *tree);

/**
 * Where a request arrived: the host has located its session (3.3.5.2.9) and
 * tree connect (3.3.5.2.11), and passes their handles.
 */
typedef struct rsvd_res_server_ctx {
    /** The connection the request arrived on. */
    uint64_t conn;
    /** Its session: must be bound to conn. */
    uint64_t session;
    /** Its tree connect: must belong to session. */
    uint64_t tree;
    /** CreditResponse of the response the library builds. */
    uint16_t credits;
    /** For a related compounded request (SMB2_FLAGS_RELATED_OPERATIONS)
     * whose FileId is all 0xFF: the FileId of the previous operation
     * ([MS-SMB2] 3.3.5.2.7.2); NULL otherwise. */
    const rsvd_smb2_fileid *related_file_id;
} rsvd_res_server_ctx;

/** Flags of rsvd_res_server_open_add(). */
#define RSVD_RES_OPEN_LEASED 0x1u /**< the host granted the open a lease */

/**
 * Registers an open the host has just created in @p ctx's tree ("Successful
 * Open Initialization" of [MS-SMB2] 3.3.5.9: IsResilient FALSE, every
 * LockSequenceArray entry invalid). The library assigns its FileId: the host
 * puts it in the CREATE response.
 * @param srv the server.
 * @param ctx where the CREATE arrived.
 * @param flags RSVD_RES_OPEN_LEASED or 0.
 * @param open_user_data the host's object, handed back in callbacks.
 * @param file_id the FileId assigned (FileId.Persistent names the open).
 * @return RSVD_OK, RSVD_E_NOENT / RSVD_E_INVAL (ctx), RSVD_E_LIMIT
 * (max_opens or max_opens_per_session), RSVD_E_NOMEM or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_open_add(rsvd_res_server *srv, const rsvd_res_server_ctx *ctx,
                                      uint32_t flags, void *open_user_data,
                                      rsvd_smb2_fileid *file_id);

/* ---- requests ------------------------------------------------------------ */

/**
 * Finds the open a request names ([MS-SMB2] 3.3.5.15, 3.3.5.14, ...: look up
 * Session.OpenTable by FileId.Volatile, compare FileId.Persistent). An open
 * is reachable only through the session and tree connect that own it; a
 * detached open through none.
 * @return STATUS_SUCCESS (*open_user_data set, if not NULL) or
 * STATUS_FILE_CLOSED (also for ctx handles that name nothing or do not
 * belong together).
 */
RSVD_API uint32_t rsvd_res_server_open_lookup(const rsvd_res_server *srv,
                                              const rsvd_res_server_ctx *ctx,
                                              const rsvd_smb2_fileid *file_id,
                                              void **open_user_data);

/**
 * Handles an IOCTL request carrying FSCTL_LMR_REQUEST_RESILIENCY: the
 * generic IOCTL checks of [MS-SMB2] 3.3.5.15 that concern it, then
 * 3.3.5.15.9, and writes the whole response message into @p rsp: the
 * 112-byte success response, or the 3.3.4.4 error response (unsigned; the
 * host signs).
 * @param srv the server.
 * @param ctx where the request arrived (ctx->credits goes in the response).
 * @param req the complete request message, from its SMB2 header.
 * @param len its length.
 * @param rsp where the response is written.
 * @param cap room at @p rsp.
 * @param rsp_len the response's length.
 * @param status the NTSTATUS of the response.
 * @return
 *  - RSVD_OK: a response of *rsp_len bytes is in @p rsp;
 *  - RSVD_E_WIRE_COMMAND: not an IOCTL, or another CtlCode (not the
 *    library's: the host handles it);
 *  - another RSVD_E_WIRE_* code: the SMB2 header itself is unreadable;
 *  - RSVD_E_NOENT / RSVD_E_INVAL: ctx names no live connection, session or
 *    tree, they do not belong together, or the header's SessionId / TreeId
 *    differs from theirs (a host error);
 *  - RSVD_E_NOSPC: @p cap is below RSVD_SMB2_RESILIENCY_RSP_SIZE (112),
 *    the room any answer needs (nothing changed);
 *  - RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_ioctl(rsvd_res_server *srv, const rsvd_res_server_ctx *ctx,
                                   const uint8_t *req, size_t len, uint8_t *rsp, size_t cap,
                                   size_t *rsp_len, uint32_t *status);

/** What rsvd_res_server_lock_begin() decided. */
typedef enum rsvd_res_lock_action {
    /** Lock or unlock through Open.LocalOpen as 3.3.5.14.1/.2 say, then
     * call rsvd_res_server_lock_end() with the final status. */
    RSVD_RES_LOCK_PROCESS = 1,
    /** A replay of a request already applied: answer STATUS_SUCCESS without
     * touching any lock ([MS-SMB2] 3.3.5.14). */
    RSVD_RES_LOCK_REPLAY = 2,
    /** Answer with op->status (STATUS_FILE_CLOSED, STATUS_INVALID_PARAMETER). */
    RSVD_RES_LOCK_FAIL = 3
} rsvd_res_lock_action;

/** One LOCK request between rsvd_res_server_lock_begin() and _end(). */
typedef struct rsvd_res_lock_op {
    /** What the host does with the request. */
    rsvd_res_lock_action action;
    /** REPLAY: STATUS_SUCCESS; FAIL: the status to answer; PROCESS: 0. */
    uint32_t status;
    /** The decoded request (views into the caller's bytes); with FAIL on a
     * malformed body only the header is meaningful. */
    rsvd_smb2_lock_req req;
    /** PROCESS, REPLAY: the host's object of the open. */
    void *open_user_data;
    /** Private to the library: the open. */
    uint64_t priv_persistent_id;
    /** Private to the library: LockSequenceIndex. */
    uint32_t priv_index;
    /** Private to the library: LockSequenceNumber. */
    uint8_t priv_number;
    /** Private to the library: the index is one that is tracked. */
    bool priv_check;
} rsvd_res_lock_op;

/**
 * First half of an SMB2 LOCK request ([MS-SMB2] 3.3.5.14): locates the open
 * (STATUS_FILE_CLOSED), then the lock sequence check - for an index in
 * 1..64 whose entry is valid, on a resilient open (or any open of a 3.x
 * connection when multi_channel_capable), an equal LockSequenceNumber is a
 * replay, a different one invalidates the entry and the request is
 * processed. Dialect 2.0.2 ignores LockSequence.
 * @return RSVD_OK (op filled), a RSVD_E_WIRE_* code (the header is
 * unreadable or not a LOCK), RSVD_E_NOENT / RSVD_E_INVAL (ctx, as for
 * rsvd_res_server_ioctl()) or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_lock_begin(rsvd_res_server *srv, const rsvd_res_server_ctx *ctx,
                                        const uint8_t *req, size_t len, rsvd_res_lock_op *op);

/**
 * Second half: the host processed the request (action PROCESS) and it ended
 * with @p status. Only when the whole request succeeded, and the rules of
 * 3.3.5.14.1/.2 call for it, LockSequenceArray[index] = {number, valid}.
 * Any other action, or an open closed meanwhile, is a no-op. The open may
 * have been detached meanwhile: the entry is still recorded, so that the
 * client's replay after its reconnect is recognised.
 * @return RSVD_OK, RSVD_E_NOENT (the open is gone), RSVD_E_INVAL (@p op
 * was not filled by rsvd_res_server_lock_begin(): its private fields name no
 * LockSequenceArray entry; nothing is recorded) or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_lock_end(rsvd_res_server *srv, const rsvd_res_lock_op *op,
                                      uint32_t status);

/** What rsvd_res_server_reconnect() decided. */
typedef struct rsvd_res_reconnect_result {
    /** STATUS_SUCCESS or the status the CREATE fails with. */
    uint32_t status;
    /** Success: the open's FileId (same persistent id, new volatile id) for
     * the CREATE response the host builds. */
    rsvd_smb2_fileid file_id;
    /** Success: the host's object of the open. */
    void *open_user_data;
    /** The context that was handled: RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT
     * or _V2 (NULL when the request was malformed). */
    const char *context;
} rsvd_res_reconnect_result;

/**
 * Handles a CREATE carrying SMB2_CREATE_DURABLE_HANDLE_RECONNECT (DHnC,
 * [MS-SMB2] 3.3.5.9.7, any dialect) or, on a 3.x connection,
 * SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2 (DH2C, 3.3.5.9.12). An open that
 * is unknown, expired (detached past its deadline: it is closed now, reason
 * EXPIRED) or still attached gives STATUS_OBJECT_NAME_NOT_FOUND; another
 * user than Open.DurableOwner STATUS_ACCESS_DENIED; on success the open is
 * rebound to ctx with a new volatile FileId, keeping IsResilient,
 * ResiliencyTimeout and LockSequenceArray. The host builds the CREATE
 * response (it owns the file's times, sizes and attributes).
 *
 * Leases: the library tracks none. It applies the rules that need only
 * "has a lease" (an open registered RSVD_RES_OPEN_LEASED needs an RqLs
 * context, an open without needs none); the host checks ClientGuid,
 * LeaseKey, lease version and file name (3.3.5.9.7 steps 4, 5, 7) before
 * calling, finding the open with rsvd_res_server_open_info().
 * @param srv the server.
 * @param ctx where the CREATE arrived (the new connection, session, tree).
 * @param req the complete CREATE request message.
 * @param len its length.
 * @param now_ms the host's clock.
 * @param out the outcome.
 * @return RSVD_OK (*out filled), RSVD_E_NOENT: neither context is present
 * (not a reconnect: the host handles the CREATE), RSVD_E_WIRE_* (the header
 * is unreadable or not a CREATE), RSVD_E_INVAL (ctx, as for
 * rsvd_res_server_ioctl()) or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_reconnect(rsvd_res_server *srv, const rsvd_res_server_ctx *ctx,
                                       const uint8_t *req, size_t len, uint64_t now_ms,
                                       rsvd_res_reconnect_result *out);

/* ---- events --------------------------------------------------------------- */

/**
 * The transport connection is gone ([MS-SMB2] 3.3.7.1). For each session on
 * it: a 3.x session with other channels only loses this channel; otherwise
 * its resilient opens are detached (deadline now + ResiliencyTimeout), the
 * others closed (reason DISCONNECT), its tree connects and the session
 * freed. Then the connection is freed.
 * @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_conn_lost(rsvd_res_server *srv, uint64_t conn, uint64_t now_ms);

/** LOGOFF ([MS-SMB2] 3.3.5.6): resilient opens are detached, the others
 * closed (reason LOGOFF), tree connects and the session freed.
 * @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY. */
RSVD_API int rsvd_res_server_logoff(rsvd_res_server *srv, uint64_t session, uint64_t now_ms);

/**
 * SESSION_SETUP of @p new_session named @p prev_session in PreviousSessionId
 * ([MS-SMB2] 3.3.5.5.3). The same session, or one of another user, is left
 * alone (*removed false); one of the same user is removed as 3.3.7.1 says
 * (resilient opens detached, others closed with reason PREVIOUS_SESSION).
 * @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_previous_session(rsvd_res_server *srv, uint64_t new_session,
                                              uint64_t prev_session, uint64_t now_ms,
                                              bool *removed);

/** TREE_DISCONNECT ([MS-SMB2] 3.3.5.8): every open of the tree is closed
 * (reason TREE_DISCONNECT, resilient or not), then the tree freed.
 * @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY. */
RSVD_API int rsvd_res_server_tree_disconnect(rsvd_res_server *srv, uint64_t tree);

/** The host closes a session and all its opens ([MS-SMB2] 3.3.4.12; reason
 * SESSION_CLOSED), e.g. when it expires it. @return RSVD_OK, RSVD_E_NOENT or
 * RSVD_E_BUSY. */
RSVD_API int rsvd_res_server_session_close(rsvd_res_server *srv, uint64_t session);

/** The host closes an open (an SMB2 CLOSE it accepted, or an administrative
 * close), attached or detached. No callback. @return RSVD_OK, RSVD_E_NOENT
 * or RSVD_E_BUSY. */
RSVD_API int rsvd_res_server_open_close(rsvd_res_server *srv, uint64_t persistent_id);

/* ---- time ------------------------------------------------------------------ */

/** @return the earliest time at which rsvd_res_server_handle_expiry() has
 * something to do (a detached open's deadline + 1 ms: an open lives through
 * its deadline, [MS-SMB2] 3.3.6.4 "earlier than the current time"), or
 * UINT64_MAX if nothing is pending. */
RSVD_API uint64_t rsvd_res_server_next_expiry(const rsvd_res_server *srv);

/** The Resilient Open Scavenger Timer ([MS-SMB2] 3.3.6.4): closes (reason
 * EXPIRED) every open still detached whose deadline is earlier than
 * @p now_ms, earliest first, in O(log n) each. A reconnected open has no
 * deadline any more and is never closed by an old one.
 * @return RSVD_OK or RSVD_E_BUSY; the number closed in *closed (may be NULL). */
RSVD_API int rsvd_res_server_handle_expiry(rsvd_res_server *srv, uint64_t now_ms,
                                           size_t *closed);

/* ---- inspection ------------------------------------------------------------ */

/** State of an open. */
typedef enum rsvd_res_open_state {
    /** On a session and tree connect. */
    RSVD_RES_OPEN_ATTACHED = 1,
    /** Preserved without session or connection, waiting for a reconnect
     * until its deadline. */
    RSVD_RES_OPEN_DETACHED = 2
} rsvd_res_open_state;

/** A snapshot of an open's state ([MS-SMB2] 3.3.1.10). */
typedef struct rsvd_res_open_info {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_open_info): the size the caller was built with. */
    size_t struct_size;
    /** Attached or detached. */
    rsvd_res_open_state state;
    /** volatile_id 0 while detached. */
    rsvd_smb2_fileid file_id;
    /** Open.IsResilient. */
    bool is_resilient;
    /** Registered with RSVD_RES_OPEN_LEASED. */
    bool leased;
    /** Open.ResiliencyTimeout (ms). */
    uint32_t resiliency_timeout_ms;
    /** Open.ResilientOpenTimeout while detached (ms, host clock); 0 while
     * attached. */
    uint64_t deadline_ms;
    /** Handle of its session; 0 while detached. */
    uint64_t session;
    /** Handle of its tree connect; 0 while detached. */
    uint64_t tree;
    /** The host's object of the open. */
    void *open_user_data;
} rsvd_res_open_info;

/** Fills @p out, initialised with RSVD_STRUCT_INIT. @return RSVD_OK,
 * RSVD_E_NOENT (no open has this persistent id) or RSVD_E_INVAL (@p out NULL
 * or its struct_size not set). */
RSVD_API int rsvd_res_server_open_info(const rsvd_res_server *srv, uint64_t persistent_id,
                                       rsvd_res_open_info *out);

/** LockSequenceArray entry @p index (1..64) of an open: @return RSVD_OK
 * (*valid, *number), RSVD_E_INVAL (index) or RSVD_E_NOENT. */
RSVD_API int rsvd_res_server_lock_seq(const rsvd_res_server *srv, uint64_t persistent_id,
                                      uint32_t index, bool *valid, uint8_t *number);

/** Counts of live objects. */
typedef struct rsvd_res_server_stats {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_server_stats): the size the caller was built with. */
    size_t struct_size;
    uint32_t connections; /**< registered connections */
    uint32_t sessions;    /**< registered sessions */
    uint32_t trees;       /**< registered tree connects */
    uint32_t opens;       /**< opens, attached and detached */
    uint32_t attached;    /**< opens on a session */
    uint32_t detached;    /**< opens waiting for a reconnect */
} rsvd_res_server_stats;

/** Fills @p out (initialised with RSVD_STRUCT_INIT) with the counts of live
 * objects (zeros for a NULL server). @return RSVD_OK or RSVD_E_INVAL (@p out
 * NULL or its struct_size not set). */
RSVD_API int rsvd_res_server_get_stats(const rsvd_res_server *srv, rsvd_res_server_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_RESILIENT_SERVER_H */
