/*
 * librsvd - MS-SMB2 open preservation, server role: the engine that keeps
 * resilient, durable (v1 and v2) and persistent opens.
 *
 * Included by rsvd/resilient.h; include that header (or rsvd/rsvd.h).
 */
#ifndef RSVD_RESILIENT_SERVER_H
#define RSVD_RESILIENT_SERVER_H

#include <rsvd/common.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief The server's open-preservation engine: one state machine for
 * every preserved open - resilient ([MS-SMB2] 3.3.5.15.9), durable v1
 * (3.3.5.9.6, 3.3.5.9.7), durable v2 and persistent (3.3.5.9.10,
 * 3.3.5.9.12) - with CREATE replay (3.3.5.9), application instances
 * (3.3.5.9.13), the channel sequence (3.3.5.2.10), loss of connection
 * (3.3.7.1), LOGOFF (3.3.5.6), PreviousSessionId (3.3.5.5.3),
 * TREE_DISCONNECT (3.3.5.8), one scavenger for every kind (3.3.6.2,
 * 3.3.6.4), LOCK replay detection (3.3.5.14) and a state store that
 * outlives the process (rsvd/store.h).
 *
 * The names keep the prefix `rsvd_res_server_` of the resilient server
 * this engine grew from; everything that server did works unchanged.
 *
 * What the host does and what the library does:
 *  - The host owns sockets, framing, signing, authentication, the object
 *    store, oplocks, leases and byte-range locks. It registers with the
 *    library every connection (dialect, ClientGuid, negotiated
 *    capabilities), every session (with the identity of its user), every
 *    tree connect (with the identity of its share, its type and whether it
 *    is continuously available) and every open it creates, reports what it
 *    granted each open (oplock level, lease state) and what ended its
 *    durability (a break, a conflicting open, the file deleted), and tells
 *    it about connection loss, LOGOFF, TREE_DISCONNECT, PreviousSessionId
 *    takeovers and CLOSE.
 *  - The library assigns the open's SMB2_FILEID (both halves), decides
 *    which opens are durable or persistent and answers their contexts,
 *    finds the open a reconnect (DHnC, DH2C) or a replayed CREATE names
 *    and applies every check (owner, ClientGuid, CreateGuid, lease key,
 *    file name, share), closes the open an application instance replaces,
 *    keeps the resiliency state of every open, answers
 *    FSCTL_LMR_REQUEST_RESILIENCY from the request bytes, verifies channel
 *    sequences, decides LOCK replays, keeps preserved opens while detached
 *    within per-client, per-user and global limits, expires them, and
 *    writes what a later reconnect depends on to the state store before
 *    the reply that depends on it. Every close the library decides goes to
 *    the host through one callback (close_open), with its reason.
 *
 * A CREATE goes through two calls: rsvd_res_server_create_begin() before
 * the host opens anything (it says whether to execute the open, answer a
 * reconnect or a replay from an existing open, or fail), and
 * rsvd_res_server_create_end() after (it registers the open, decides its
 * durability from what the host granted, and gives the response context).
 * docs/integration.md walks through a whole sequence.
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
/** DurableOpenTimeout of a DHnQ open ([MS-SMB2] 3.3.5.9.6 <335>: Windows 8
 * and later, 2 minutes). */
#define RSVD_RES_DEFAULT_DURABLE_V1_TIMEOUT_MS 120000u
/** The Timeout granted to a DH2Q with Timeout 0 on a share whose CATimeout
 * is 0 (3.3.5.9.10 <344>: Windows 2012, Samba: 60 s). */
#define RSVD_RES_DEFAULT_DURABLE_V2_TIMEOUT_MS 60000u
/** The largest Timeout granted to a DH2Q (3.3.5.9.10 <343>: 300 s). */
#define RSVD_RES_DEFAULT_DURABLE_V2_MAX_TIMEOUT_MS 300000u
/** @} */

/** Largest share identity a tree connect carries, in bytes (an 80-character
 * share name in UTF-16 is 160). */
#define RSVD_RES_SHARE_MAX 512u
/** Largest file identity (rsvd_res_create_params.file_key), in bytes. */
#define RSVD_RES_FILE_KEY_MAX 1024u

/** Flags of rsvd_res_server_config.flags. */
/** The object store grants no durability ([MS-SMB2] 3.3.5.9.6 step 1,
 * 3.3.5.9.10): DHnQ and DH2Q are ignored (no open becomes durable or
 * persistent; a DH2Q's CreateGuid is still recorded). */
#define RSVD_RES_SERVER_NO_DURABLE 0x1u

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
    /** Detached opens (of every kind) kept at once. When an open is
     * detached at this limit (resource pressure, [MS-SMB2] 3.3.2.4), the
     * oldest detached open of the client (ClientGuid) that holds the most
     * is closed if that client holds more than the detaching open's own;
     * otherwise the detaching open is closed. Either close has reason
     * RSVD_RES_CLOSE_RESOURCES. */
    uint32_t max_detached;
    /** Channels (connections) one 3.x session may be bound to. */
    uint32_t max_channels;
    /** Open.DurableOpenTimeout of a DHnQ open ([MS-SMB2] 3.3.5.9.6).
     * 0: RSVD_RES_DEFAULT_DURABLE_V1_TIMEOUT_MS. */
    uint32_t durable_v1_timeout_ms;
    /** The Timeout a DH2Q with Timeout 0 is granted on a share whose
     * CATimeout is 0 (3.3.5.9.10 <344>). 0:
     * RSVD_RES_DEFAULT_DURABLE_V2_TIMEOUT_MS. */
    uint32_t durable_v2_timeout_ms;
    /** The largest Timeout a DH2Q is granted: a larger request gets this
     * (3.3.5.9.10 <343>). 0: RSVD_RES_DEFAULT_DURABLE_V2_MAX_TIMEOUT_MS. */
    uint32_t durable_v2_max_timeout_ms;
    /** Detached opens of one ClientGuid kept at once: an open of that
     * client that would go over it at disconnect is closed
     * (RSVD_RES_CLOSE_RESOURCES), and no other client's open is touched.
     * 0: no limit of its own (max_detached still applies). */
    uint32_t max_detached_per_client;
    /** Detached opens of one user (Open.DurableOwner) kept at once, as
     * max_detached_per_client. 0: no limit of its own. */
    uint32_t max_detached_per_user;
    /** RSVD_RES_SERVER_* flags; 0 for none. */
    uint32_t flags;
    /** The state store where persistent opens are written before the reply
     * that depends on them (rsvd/store.h), and restored from by
     * rsvd_res_server_restore(). NULL: nothing is written; persistent opens
     * then live as long as this instance. With a store,
     * rsvd_res_server_callbacks.wall_clock_ms is required. */
    const rsvd_store_ops *store;
    /** Passed to every store function. */
    void *store_ctx;
    /** This server instance's identity in the store: records are keyed by
     * it and by FileId.Persistent, so that several instances (the nodes of
     * a cluster) can share one store (docs/scale-out.md). A restarted
     * server passes the same value to find its records again. */
    rsvd_guid instance_id;
    /** Key of the hash of the identifiers a client chooses (CreateGuid,
     * ClientGuid, AppInstanceId, user and file identities); a host that
     * serves untrusted clients passes a random value. */
    uint64_t hash_key[2];
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
    RSVD_RES_CLOSE_SHUTDOWN = 8,
    /** A CREATE of the same application instance on another client
     * replaced it ([MS-SMB2] 3.3.5.9.13). */
    RSVD_RES_CLOSE_APP_INSTANCE = 9,
    /** A detached durable open lost what made it reclaimable: its oplock or
     * lease was broken, another open conflicted with it, or its file was
     * deleted ([MS-SMB2] 3.3.4.6, 3.3.4.7; rsvd_res_server_durability_event()). */
    RSVD_RES_CLOSE_DURABILITY_LOST = 10
} rsvd_res_close_reason;

/** @return "EXPIRED", "DISCONNECT", ... or "?" */
RSVD_API const char *rsvd_res_close_reason_name(int reason);

/** What rsvd_res_server_restore() hands the host for each persistent open
 * it restores, so that the host opens Open.LocalOpen again. Views are valid
 * during the callback only. */
typedef struct rsvd_res_restored_open {
    /** The open's FileId; volatile_id 0 (it is detached). */
    rsvd_smb2_fileid file_id;
    /** The CREATE's file name (UTF-16LE as the client sent it). */
    const uint8_t *name;
    /** Bytes at name. */
    size_t name_len;
    /** The file identity the host gave at create_end (NULL/0 if none). */
    const uint8_t *file_key;
    /** Bytes at file_key. */
    size_t file_key_len;
    /** The identity of the share it was opened on. */
    const uint8_t *share;
    /** Bytes at share. */
    size_t share_len;
    /** Open.IsSharedVHDX. */
    bool shared_vhdx;
    /** Open.GrantedAccess. */
    uint32_t granted_access;
    /** Open.ShareAccess (of the CREATE). */
    uint32_t share_access;
    /** Open.CreateOptions. */
    uint32_t create_options;
} rsvd_res_restored_open;

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
    /**
     * The wall clock, in milliseconds since 1970-01-01 UTC: read where a
     * store record is written (a detached open's deadline is stored as
     * wall-clock time, so that another process or node can read it) and by
     * rsvd_res_server_restore(). Required when the configuration has a
     * store; unused otherwise.
     */
    uint64_t (*wall_clock_ms)(rsvd_res_server *srv, void *user_data);
    /**
     * rsvd_res_server_restore() found persistent open @p r in the store:
     * the host opens its file again (Open.LocalOpen, with its share modes;
     * a shared virtual disk through the RSVD server) and returns its object
     * in *open_user_data. A non-zero return refuses the open: its record
     * is removed and nothing is restored. Required for
     * rsvd_res_server_restore().
     */
    int (*restore_open)(rsvd_res_server *srv, const rsvd_res_restored_open *r,
                        void **open_user_data, void *user_data);
} rsvd_res_server_callbacks;

/**
 * Creates a server.
 * @param cfg configuration (NULL: every default).
 * @param cb callbacks (copied); close_open is required.
 * @param user_data passed to every callback.
 * @param out the new server.
 * @return RSVD_OK, RSVD_E_INVAL (no callback, a store without
 * wall_clock_ms or without one of its functions, a struct_size not set by
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
    /** Connection.ClientGuid (2.1 and 3.x; zero for 2.0.2): it becomes
     * Open.ClientGuid, is checked on the reconnect of a leased open and on
     * CREATE replays, and names the client whose detached opens
     * max_detached_per_client counts. */
    rsvd_guid client_guid;
    /** Connection.ServerCapabilities (3.x): the RSVD_SMB2_GLOBAL_CAP_* bits
     * the NEGOTIATE response carried. PERSISTENT_HANDLES allows persistent
     * opens on a continuously available share (3.3.5.9.10); MULTI_CHANNEL
     * turns on the LOCK sequence check of every 3.x open (3.3.5.14). */
    uint32_t server_capabilities;
    /** Zero. */
    uint32_t reserved;
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

/** Flags of rsvd_res_tree_params.flags. */
/** Share.IsCA: the share is continuously available
 * (SHI1005_FLAGS_ENABLE_CA; the TREE_CONNECT response carries
 * SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY, [MS-SMB2] 3.3.5.7). */
#define RSVD_RES_TREE_CA 0x1u

/** @name Share.Type ([MS-SRVS] 2.2.2.4), for rsvd_res_tree_params.share_type
 * @{ */
/** STYPE_DISKTREE: a disk share (0, the default). */
#define RSVD_RES_STYPE_DISKTREE 0x00000000u
/** STYPE_PRINTQ. */
#define RSVD_RES_STYPE_PRINTQ 0x00000001u
/** STYPE_DEVICE. */
#define RSVD_RES_STYPE_DEVICE 0x00000002u
/** STYPE_IPC. */
#define RSVD_RES_STYPE_IPC 0x00000003u
/** STYPE_CLUSTER_FS (a modifier of STYPE_DISKTREE). */
#define RSVD_RES_STYPE_CLUSTER_FS 0x02000000u
/** STYPE_CLUSTER_SOFS (a modifier of STYPE_DISKTREE). */
#define RSVD_RES_STYPE_CLUSTER_SOFS 0x04000000u
/** STYPE_CLUSTER_DFS (a modifier of STYPE_DISKTREE). */
#define RSVD_RES_STYPE_CLUSTER_DFS 0x08000000u
/** @} */

/** A tree connect as TREE_CONNECT left it ([MS-SMB2] 3.3.1.9), with the
 * share it connects to (3.3.1.6). */
typedef struct rsvd_res_tree_params {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_tree_params): the size the caller was built with. */
    size_t struct_size;
    /** TreeConnect.TreeId, as the host gave it. */
    uint32_t tree_id;
    union {
        /** The name of this member in the first release (zero). */
        uint32_t reserved;
        /** RSVD_RES_TREE_* flags; 0: a share that is not continuously
         * available. */
        uint32_t flags;
    };
    /** TreeConnect.Share: the identity of the share, bytes the host chooses
     * (e.g. its name, case-folded), at most RSVD_RES_SHARE_MAX, copied.
     * An open remembers its share; a reconnect, a replay or an application
     * instance on a tree of another share does not find it. NULL/0: the
     * share without a name (all such trees are one share). */
    const void *share;
    /** Bytes at share. */
    size_t share_len;
    /** Share.Type: RSVD_RES_STYPE_DISKTREE (0) or another STYPE_* value
     * (CREATE replay needs STYPE_DISKTREE, [MS-SMB2] 3.3.5.9). */
    uint32_t share_type;
    /** Share.CATimeout in milliseconds: the Timeout a DH2Q with Timeout 0
     * is granted on this share (3.3.5.9.10 <344>); 0: the configured
     * durable_v2_timeout_ms. */
    uint32_t ca_timeout_ms;
} rsvd_res_tree_params;

/** Registers a tree connect of @p session.
 * @return RSVD_OK, RSVD_E_NOENT, RSVD_E_INVAL (@p p NULL, not initialised
 * with RSVD_STRUCT_INIT, an unknown flag, or a share identity longer than
 * RSVD_RES_SHARE_MAX or NULL with a length), RSVD_E_NOTSUP (from newer
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
 * Open Initialization" of [MS-SMB2] 3.3.5.9: IsResilient and IsDurable
 * FALSE, every LockSequenceArray entry invalid). The library assigns its
 * FileId: the host puts it in the CREATE response. A host that wants the
 * library to decide durable and persistent handles registers its opens
 * through rsvd_res_server_create_begin() and _create_end() instead; this
 * call is the short form for an open that asked for neither.
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

/* ---- CREATE: durable and persistent opens, reconnects, replays ------------ */

/** What rsvd_res_server_create_begin() decided. */
typedef enum rsvd_res_create_action {
    /** An ordinary CREATE, possibly asking for a durable or persistent
     * handle: the host runs "Open Execution" and "Oplock Acquisition"
     * ([MS-SMB2] 3.3.5.9), then calls rsvd_res_server_create_end() with the
     * outcome - also when the open failed. */
    RSVD_RES_CREATE_EXECUTE = 1,
    /** A reconnect (DHnC, DH2C) or a replayed CREATE found its open and
     * bound it to ctx (state RSVD_RES_OPEN_RECLAIMED): the host opens
     * nothing. It builds the CREATE response from the op (file_id,
     * open_user_data, create_action, oplock_level, lease_state; a
     * persistent shared-virtual-disk open, shared_vhdx, first goes through
     * rsvd_server_create() with its LocalOpen, [MS-RSVD] 3.2.5.1), then
     * calls create_end() with the outcome: success keeps the open on ctx,
     * failure puts it back as it was. */
    RSVD_RES_CREATE_RECLAIM = 2,
    /** Fail the CREATE with op->status. Nothing changed; create_end() is not
     * needed (it is a no-op). */
    RSVD_RES_CREATE_FAIL = 3
} rsvd_res_create_action;

/** What the host knows before it opens anything, for
 * rsvd_res_server_create_begin() (NULL: nothing). */
typedef struct rsvd_res_create_params {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_create_params): the size the caller was built with. */
    size_t struct_size;
    /** The identity of the object the CREATE's name resolves to, if it
     * exists (device and inode, a normalized path, at most
     * RSVD_RES_FILE_KEY_MAX bytes): a persistent open's name collision
     * ([MS-SMB2] 3.3.5.9) and an application instance (3.3.5.9.13) compare
     * objects by it (docs/decisions.md, D14). NULL/0: the object does not
     * exist or the host cannot tell; the CREATE's name is compared instead,
     * without regard to ASCII case, on the same share. */
    const void *file_key;
    /** Bytes at file_key. */
    size_t file_key_len;
    /** The maximal access of the requesting user on that object
     * (3.3.5.9.13 step 6): an open of the same application instance on
     * another client is closed only when it includes every bit of
     * FILE_GENERIC_READ. */
    uint32_t maximal_access;
    /** Zero. */
    uint32_t reserved;
} rsvd_res_create_params;

/** Flags of rsvd_res_create_grant.flags. */
/** The object opened is a directory: no durable handle (3.3.5.9.6 step 5,
 * 3.3.5.9.10), and no replay unless persistent. */
#define RSVD_RES_GRANT_DIRECTORY 0x1u
/** The object store does not grant durability to this open (3.3.5.9.6
 * step 6, 3.3.5.9.10 step 4). */
#define RSVD_RES_GRANT_NO_DURABLE 0x2u
/** Open.IsSharedVHDX: the open of a shared virtual disk (3.3.5.9.14); a
 * persistent one is reclaimed through [MS-RSVD] 3.2.5.1. */
#define RSVD_RES_GRANT_SHARED_VHDX 0x4u

/** What the host did with a CREATE, for rsvd_res_server_create_end(). */
typedef struct rsvd_res_create_grant {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_create_grant): the size the caller was built with. */
    size_t struct_size;
    /** EXECUTE: the outcome of Open Execution (STATUS_SUCCESS: the host
     * holds an open). RECLAIM: the outcome of building the response (for
     * a shared virtual disk, rsvd_server_create()'s status). */
    uint32_t status;
    /** EXECUTE: RSVD_RES_GRANT_* flags. */
    uint32_t flags;
    /** EXECUTE: the host's object of the new open, handed back in
     * callbacks. */
    void *open_user_data;
    /** EXECUTE: the oplock level granted ("Oplock Acquisition",
     * RSVD_SMB2_OPLOCK_LEVEL_*; LEASE when a lease was granted).
     * Durability is decided on this, not on the level requested
     * (docs/decisions.md, D4). */
    uint8_t oplock_level;
    /** Zero. */
    uint8_t reserved[3];
    /** EXECUTE with oplock_level LEASE: the lease state granted
     * (RSVD_SMB2_LEASE_* bits). */
    uint32_t lease_state;
    /** EXECUTE: Open.GrantedAccess. */
    uint32_t granted_access;
    /** EXECUTE: the CreateAction of the response (RSVD_FILE_OPENED,
     * RSVD_FILE_CREATED, ...), returned again to a replay of this CREATE. */
    uint32_t create_action;
    /** EXECUTE: the identity of the object opened (as
     * rsvd_res_create_params.file_key); NULL/0: the CREATE's name. */
    const void *file_key;
    /** Bytes at file_key. */
    size_t file_key_len;
} rsvd_res_create_grant;

/** One CREATE between rsvd_res_server_create_begin() and _create_end(). */
typedef struct rsvd_res_create_op {
    /** What the host does with the request. */
    rsvd_res_create_action action;
    /** FAIL: the status to answer. After create_end(): the CREATE's status -
     * STATUS_SUCCESS, or why the library could not keep the open (a limit,
     * a store write that failed: STATUS_INSUFFICIENT_RESOURCES); the host
     * then undoes its open (EXECUTE) and fails the CREATE with it. */
    uint32_t status;
    /** RECLAIM: a replayed CREATE (SMB2_FLAGS_REPLAY_OPERATION, [MS-SMB2]
     * 3.3.5.9) rather than a reconnect. */
    bool replay;
    /** RECLAIM: a persistent open of a shared virtual disk: the host
     * passes its LocalOpen to rsvd_server_create() ([MS-RSVD] 3.2.5.1, the
     * reconnect path), with or without an SVHDX context. */
    bool shared_vhdx;
    /** RECLAIM: Open.OplockLevel for the response. */
    uint8_t oplock_level;
    /** RECLAIM: the lease state the host last reported. */
    uint32_t lease_state;
    /** RECLAIM: the CreateAction for the response: the original one for a
     * replay (docs/decisions.md, D2), RSVD_FILE_OPENED for a reconnect. */
    uint32_t create_action;
    /** RECLAIM: the open's FileId (same persistent id; a new volatile id
     * when it was rebound). EXECUTE: set by a successful create_end(). */
    rsvd_smb2_fileid file_id;
    /** RECLAIM: the host's object of the open. */
    void *open_user_data;
    /** RECLAIM: the reconnect context handled
     * (RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT or _V2), NULL for a replay. */
    const char *context;
    /** After a successful create_end(): the name of the response context
     * the host adds to the CREATE response
     * (RSVD_SMB2_CC_DURABLE_HANDLE_RESPONSE or _RESPONSE_V2, 4 bytes), or
     * NULL when there is none. */
    const char *rsp_context;
    /** Its data, laid out by the wire layer. */
    uint8_t rsp_context_data[8];
    /** Bytes of rsp_context_data (8, or 0). */
    uint32_t rsp_context_len;
    /** Private to the library: the open (RECLAIM). */
    uint64_t priv_persistent_id;
    /** Private to the library: what begin decided. */
    uint32_t priv_flags;
} rsvd_res_create_op;

/**
 * First half of a CREATE ([MS-SMB2] 3.3.5.9), before the host opens
 * anything, in the spec's order: the create contexts validated (sizes,
 * combinations of DHnQ, DHnC, DH2Q and DH2C, §3.9.2 of the reference); a
 * persistent open of the same file that is detached
 * (STATUS_FILE_NOT_AVAILABLE); a reconnect (DHnC 3.3.5.9.7, DH2C
 * 3.3.5.9.12) with every check - owner, ClientGuid, CreateGuid, lease key
 * and version, file name, share, deadline; a replayed CREATE
 * (SMB2_FLAGS_REPLAY_OPERATION with a DH2Q whose CreateGuid names an open);
 * the application instance (3.3.5.9.13: an open of the same instance on
 * another client is closed now, reason APP_INSTANCE); a DH2Q whose
 * CreateGuid is in use (STATUS_DUPLICATE_OBJECTID).
 * @param srv the server.
 * @param ctx where the CREATE arrived.
 * @param req the complete CREATE request message.
 * @param len its length.
 * @param params what the host knows of the object named (NULL: nothing).
 * @param now_ms the host's clock.
 * @param op the decision; the host keeps it until create_end().
 * @return RSVD_OK (op filled; a malformed CREATE is action FAIL with
 * STATUS_INVALID_PARAMETER), RSVD_E_WIRE_* (the header is unreadable or
 * not a CREATE), RSVD_E_NOENT / RSVD_E_INVAL (ctx, as for
 * rsvd_res_server_ioctl(); params not initialised with RSVD_STRUCT_INIT),
 * RSVD_E_NOTSUP (params from newer headers) or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_create_begin(rsvd_res_server *srv, const rsvd_res_server_ctx *ctx,
                                          const uint8_t *req, size_t len,
                                          const rsvd_res_create_params *params, uint64_t now_ms,
                                          rsvd_res_create_op *op);

/**
 * Second half of a CREATE.
 *
 * EXECUTE: with grant->status STATUS_SUCCESS the open is registered
 * ("Successful Open Initialization": its FileId goes in op->file_id,
 * Open.ChannelSequence is the request's, CreateGuid and AppInstanceId are
 * recorded), and its durability is decided on what was granted: DHnQ
 * (3.3.5.9.6) and a DH2Q without PERSISTENT (3.3.5.9.10) need a BATCH
 * oplock or a lease with HANDLE_CACHING and no directory; a DH2Q with
 * PERSISTENT is persistent on a continuously available share of a
 * connection that negotiated PERSISTENT_HANDLES. A durable open gets its
 * response context in op->rsp_context; a persistent one is written to the
 * store before this returns. With another grant->status nothing is
 * registered.
 *
 * RECLAIM: with grant->status STATUS_SUCCESS the open stays on ctx
 * (ATTACHED; a persistent one is written to the store first); otherwise
 * it goes back to where it was (detached with its deadline, or attached
 * to its session), and op->status is grant->status - a detached open whose
 * deadline passed meanwhile (@p now_ms, the host's clock) is closed
 * instead (EXPIRED), as is one the limits of detached opens no longer
 * leave room for (RESOURCES).
 *
 * If op->status is not STATUS_SUCCESS afterwards, nothing is half-done:
 * the library keeps nothing of a new open (the host closes what it
 * opened) and a reclaim is undone.
 * @return RSVD_OK (op->status set), RSVD_E_INVAL (@p op was not filled by
 * create_begin(), or @p grant is NULL or not initialised with
 * RSVD_STRUCT_INIT), RSVD_E_NOTSUP (@p grant from newer headers with a
 * member this library does not know set), RSVD_E_NOENT (ctx or the open
 * is gone - the connection was lost meanwhile: the host undoes its open)
 * or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_create_end(rsvd_res_server *srv, const rsvd_res_server_ctx *ctx,
                                        const uint8_t *req, size_t len,
                                        const rsvd_res_create_grant *grant, uint64_t now_ms,
                                        rsvd_res_create_op *op);

/* ---- every request that names an open: the channel sequence -------------- */

/** One request on an open between rsvd_res_server_request_begin() and
 * _request_end(). */
typedef struct rsvd_res_request {
    /** STATUS_SUCCESS: go on with the command. Otherwise fail the request
     * with it: STATUS_FILE_CLOSED (no such open on this session and tree)
     * or STATUS_FILE_NOT_AVAILABLE (a stale channel sequence on a WRITE,
     * SET_INFO or IOCTL, [MS-SMB2] 3.3.5.2.10). */
    uint32_t status;
    /** STATUS_SUCCESS: the host's object of the open. */
    void *open_user_data;
    /** Private to the library: the open. */
    uint64_t priv_persistent_id;
    /** Private to the library: the open's attachment the count belongs to. */
    uint32_t priv_epoch;
    /** Private to the library: the request's ChannelSequence. */
    uint16_t priv_channel_sequence;
    /** Private to the library: which counter the request was counted in. */
    uint8_t priv_counted;
} rsvd_res_request;

/**
 * Before a command that names an open runs (FLUSH, READ, WRITE, LOCK,
 * IOCTL, QUERY_DIRECTORY, CHANGE_NOTIFY, QUERY_INFO, SET_INFO, CLOSE,
 * OPLOCK_BREAK acknowledgments): finds the open in Session.OpenTable
 * (STATUS_FILE_CLOSED), clears Open.IsReplayEligible for the commands that
 * do ([MS-SMB2] 3.3.5.11 ... 3.3.5.22), then, on a 3.x connection,
 * verifies the ChannelSequence of @p hdr (3.3.5.2.10) and counts the
 * request in Open.OutstandingRequestCount or OutstandingPreRequestCount.
 * Every request that returned RSVD_OK goes to rsvd_res_server_request_end()
 * once, when its response is sent (3.3.4.1).
 * @param srv the server.
 * @param ctx where the request arrived.
 * @param hdr its decoded SMB2 header.
 * @param file_id the FileId the request names (all 0xFF in a related
 *        compounded request: ctx->related_file_id).
 * @param rq the outcome.
 * @return RSVD_OK (rq->status set), RSVD_E_INVAL (a NULL argument),
 * RSVD_E_NOENT / RSVD_E_INVAL (ctx, as for rsvd_res_server_ioctl()) or
 * RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_request_begin(rsvd_res_server *srv, const rsvd_res_server_ctx *ctx,
                                           const rsvd_smb2_hdr *hdr,
                                           const rsvd_smb2_fileid *file_id,
                                           rsvd_res_request *rq);

/**
 * The response of a request rsvd_res_server_request_begin() counted is
 * going out ([MS-SMB2] 3.3.4.1): the counter it was counted in goes down.
 * A request the open's detach or reconnect outlived counts nowhere any more
 * (docs/decisions.md, D9). @return RSVD_OK, RSVD_E_NOENT (the open is gone:
 * nothing to do), RSVD_E_INVAL or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_request_end(rsvd_res_server *srv, const rsvd_res_request *rq);

/* ---- what the host granted, and what ended durability ---------------------- */

/**
 * The oplock or lease of an open changed in the host (a break started, was
 * acknowledged, a lease was upgraded): @p oplock_level is
 * Open.OplockLevel, @p lease_state the lease's state (LEASE), @p breaking
 * OplockState Breaking. A durable open is preserved at a lost connection
 * only while it holds a BATCH oplock or a lease with HANDLE_CACHING and no
 * break is in progress ([MS-SMB2] 3.3.7.1), and reclaimable only while it
 * holds one (3.3.5.9.7 step 6).
 * @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_open_caching(rsvd_res_server *srv, uint64_t persistent_id,
                                          uint8_t oplock_level, uint32_t lease_state,
                                          bool breaking);

/** What rsvd_res_server_durability_event() reports. */
typedef enum rsvd_res_durability_event {
    /** The object store broke the open's oplock or lease, and the break
     * cannot reach its client or was not acknowledged in time ([MS-SMB2]
     * 3.3.4.6, 3.3.4.7, 3.3.6.1). */
    RSVD_RES_EVENT_BREAK = 1,
    /** Another open conflicts with this one (share access, or a break the
     * new open needs, docs/decisions.md). */
    RSVD_RES_EVENT_CONFLICTING_OPEN = 2,
    /** The file of the open was deleted: nothing is left to reclaim. */
    RSVD_RES_EVENT_FILE_DELETED = 3
} rsvd_res_durability_event;

/**
 * Something happened to an open's file that ends a detached durable open:
 * a BREAK or a CONFLICTING_OPEN closes a detached durable open that is
 * neither persistent nor resilient (3.3.4.6: "If Open.IsDurable ... close
 * the Open"; persistent opens are kept, D5; resilient opens survive
 * breaks, 3.3.4.7); FILE_DELETED closes any detached open. Each close goes
 * through close_open with RSVD_RES_CLOSE_DURABILITY_LOST. On an attached
 * open a BREAK means it holds no BATCH or HANDLE_CACHING until
 * rsvd_res_server_open_caching() says otherwise; the other events change
 * nothing.
 * @return RSVD_OK (*closed, if not NULL, says whether the open was
 * closed), RSVD_E_NOENT, RSVD_E_INVAL (an unknown event) or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_durability_event(rsvd_res_server *srv, uint64_t persistent_id,
                                              rsvd_res_durability_event ev, bool *closed);

/* ---- the state store: restoring persistent opens ---------------------------- */

/**
 * Restores the persistent opens this instance (config instance_id) wrote
 * to its store, on a server that has no open yet - a restarted process,
 * or the node that takes a failed node's place. Each record is decoded
 * (its version checked); one whose deadline (wall clock) has passed is
 * removed; every other one goes to the restore_open callback and, if the
 * host accepts it, becomes a detached persistent open with its FileId,
 * CreateGuid, owner, share, LockSequenceArray and a deadline of what was
 * left of its timeout (an open attached when the old process died gets
 * its whole DurableOpenTimeout), waiting for its DH2C.
 * @param srv the server.
 * @param now_ms the host's monotonic clock.
 * @param restored the number of opens restored (may be NULL).
 * @return RSVD_OK, RSVD_E_STATE (opens exist already), RSVD_E_INVAL (no
 * store or no restore_open callback), RSVD_E_IO (the store's traverse
 * failed), RSVD_E_NOMEM or RSVD_E_BUSY. A record that cannot be decoded is
 * skipped and counted in the stats (store_errors).
 */
RSVD_API int rsvd_res_server_restore(rsvd_res_server *srv, uint64_t now_ms, size_t *restored);

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
 * (STATUS_FILE_CLOSED), clears Open.IsReplayEligible on 3.x, then the lock
 * sequence check - for an index in 1..64 whose entry is valid, on a
 * resilient, durable or persistent open (or any open of a 3.x connection
 * that negotiated MULTI_CHANNEL, or of a server configured
 * multi_channel_capable), an equal LockSequenceNumber is a replay, a
 * different one invalidates the entry and the request is processed.
 * Dialect 2.0.2 ignores LockSequence.
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
 * client's replay after its reconnect is recognised. A persistent open's
 * entry is written to the store before this returns.
 * @return RSVD_OK, RSVD_E_NOENT (the open is gone), RSVD_E_INVAL (@p op
 * was not filled by rsvd_res_server_lock_begin(): its private fields name no
 * LockSequenceArray entry; nothing is recorded), RSVD_E_IO (the store write
 * failed: the entry is not recorded; the lock itself was applied and is
 * answered as it ended) or RSVD_E_BUSY.
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
 * SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2 (DH2C, 3.3.5.9.12): the reconnect
 * half of rsvd_res_server_create_begin() followed at once by a successful
 * rsvd_res_server_create_end(), for a host that builds its CREATE response
 * without a further step. An open that is unknown, expired (detached past
 * its deadline: it is closed now, reason EXPIRED), still attached, opened
 * on another share, or whose lease, oplock or CreateGuid does not match
 * gives STATUS_OBJECT_NAME_NOT_FOUND; another user than Open.DurableOwner
 * STATUS_ACCESS_DENIED; on success the open is rebound to ctx with a new
 * volatile FileId, keeping IsResilient, ResiliencyTimeout and
 * LockSequenceArray. The host builds the CREATE response (it owns the
 * file's times, sizes and attributes).
 *
 * Leases: the library checks the lease key, version and file name of an
 * open registered through create_end() with a lease; of an open registered
 * RSVD_RES_OPEN_LEASED through rsvd_res_server_open_add() it knows only
 * "has a lease" (an RqLs context is then required, and refused on an open
 * without), and the host checks the rest.
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
 * every open that is preserved - resilient, persistent, or durable with a
 * BATCH oplock or a HANDLE_CACHING lease held and no break in progress - is
 * detached (deadline now + ResiliencyTimeout or DurableOpenTimeout; a
 * persistent one is written to the store), unless its client, its user or
 * the server is at its limit of detached opens (then it is closed, reason
 * RESOURCES), the others closed (reason DISCONNECT), its tree connects and
 * the session freed. Then the connection is freed.
 * @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_conn_lost(rsvd_res_server *srv, uint64_t conn, uint64_t now_ms);

/** LOGOFF ([MS-SMB2] 3.3.5.6): resilient and durable (persistent
 * included) opens are detached whatever their oplock, the others closed
 * (reason LOGOFF), tree connects and the session freed.
 * @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY. */
RSVD_API int rsvd_res_server_logoff(rsvd_res_server *srv, uint64_t session, uint64_t now_ms);

/**
 * SESSION_SETUP of @p new_session named @p prev_session in PreviousSessionId
 * ([MS-SMB2] 3.3.5.5.3). The same session, or one of another user, is left
 * alone (*removed false); one of the same user is removed as 3.3.7.1 says
 * (preserved opens detached, others closed with reason PREVIOUS_SESSION).
 * @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_server_previous_session(rsvd_res_server *srv, uint64_t new_session,
                                              uint64_t prev_session, uint64_t now_ms,
                                              bool *removed);

/** TREE_DISCONNECT ([MS-SMB2] 3.3.5.8): every open of the tree is closed
 * (reason TREE_DISCONNECT, resilient, durable and persistent ones too),
 * then the tree freed.
 * @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY. */
RSVD_API int rsvd_res_server_tree_disconnect(rsvd_res_server *srv, uint64_t tree);

/** The host closes a session and all its opens ([MS-SMB2] 3.3.4.12; reason
 * SESSION_CLOSED), e.g. when it expires it. @return RSVD_OK, RSVD_E_NOENT or
 * RSVD_E_BUSY. */
RSVD_API int rsvd_res_server_session_close(rsvd_res_server *srv, uint64_t session);

/** The host closes an open (an SMB2 CLOSE it accepted, or an administrative
 * close), attached or detached. No callback. The record of a persistent
 * open is removed from the store first; if that fails the open stays as it
 * was. @return RSVD_OK, RSVD_E_NOENT, RSVD_E_IO (the store) or
 * RSVD_E_BUSY. */
RSVD_API int rsvd_res_server_open_close(rsvd_res_server *srv, uint64_t persistent_id);

/* ---- time ------------------------------------------------------------------ */

/** @return the earliest time at which rsvd_res_server_handle_expiry() has
 * something to do (a detached open's deadline + 1 ms: an open lives through
 * its deadline, [MS-SMB2] 3.3.6.4 "earlier than the current time"), or
 * UINT64_MAX if nothing is pending. */
RSVD_API uint64_t rsvd_res_server_next_expiry(const rsvd_res_server *srv);

/** The Resilient and Durable Open Scavenger Timers ([MS-SMB2] 3.3.6.4,
 * 3.3.6.2), one deadline heap for every kind: closes (reason EXPIRED)
 * every open still detached whose deadline is earlier than @p now_ms,
 * earliest first, in O(log n) each. A reclaimed open has no deadline any
 * more and is never closed by an old one.
 * @return RSVD_OK or RSVD_E_BUSY; the number closed in *closed (may be NULL). */
RSVD_API int rsvd_res_server_handle_expiry(rsvd_res_server *srv, uint64_t now_ms,
                                           size_t *closed);

/* ---- inspection ------------------------------------------------------------ */

/** State of an open ([MS-SMB2] durable reference §7.1; closed or expired
 * opens are gone). */
typedef enum rsvd_res_open_state {
    /** On a session and tree connect. */
    RSVD_RES_OPEN_ATTACHED = 1,
    /** Disconnected: preserved without session or connection, waiting for
     * a reconnect until its deadline. */
    RSVD_RES_OPEN_DETACHED = 2,
    /** Reclaimed by a reconnect or a replay and bound to its new session,
     * until the host's rsvd_res_server_create_end() keeps it there
     * (ATTACHED) or puts it back. No other reconnect finds it, and no
     * deadline closes it. */
    RSVD_RES_OPEN_RECLAIMED = 3
} rsvd_res_open_state;

/** A snapshot of an open's state ([MS-SMB2] 3.3.1.10). */
typedef struct rsvd_res_open_info {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_open_info): the size the caller was built with. */
    size_t struct_size;
    /** Attached, detached or reclaimed. */
    rsvd_res_open_state state;
    /** volatile_id 0 while detached. */
    rsvd_smb2_fileid file_id;
    /** Open.IsResilient. */
    bool is_resilient;
    /** Registered with RSVD_RES_OPEN_LEASED. */
    bool leased;
    /** Open.ResiliencyTimeout (ms). */
    uint32_t resiliency_timeout_ms;
    /** Open.ResilientOpenTimeout or DurableOpenScavengerTimeout while
     * detached (ms, host clock); 0 otherwise. */
    uint64_t deadline_ms;
    /** Handle of its session; 0 while detached. */
    uint64_t session;
    /** Handle of its tree connect; 0 while detached. */
    uint64_t tree;
    /** The host's object of the open. */
    void *open_user_data;
    /** Open.IsDurable (durable v1 or v2; a persistent open is durable). */
    bool is_durable;
    /** Open.IsPersistent. */
    bool is_persistent;
    /** Open.IsReplayEligible. */
    bool is_replay_eligible;
    /** Open.IsSharedVHDX. */
    bool shared_vhdx;
    /** Open.DurableOpenTimeout (ms). */
    uint32_t durable_timeout_ms;
    /** Open.CreateGuid (zero when it has none). */
    rsvd_guid create_guid;
    /** Open.ClientGuid. */
    rsvd_guid client_guid;
    /** Open.AppInstanceId (has_app_instance_id says whether it has one). */
    rsvd_guid app_instance_id;
    /** Open.AppInstanceId is set. */
    bool has_app_instance_id;
    /** Open.OplockLevel, as the host last reported it. */
    uint8_t oplock_level;
    /** Open.ChannelSequence. */
    uint16_t channel_sequence;
    /** The lease state the host last reported. */
    uint32_t lease_state;
    /** Open.OutstandingRequestCount. */
    uint32_t outstanding_requests;
    /** Open.OutstandingPreRequestCount. */
    uint32_t outstanding_pre_requests;
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
    uint32_t durable;     /**< durable opens (persistent ones included) */
    uint32_t persistent;  /**< persistent opens */
    uint32_t reclaimed;   /**< opens between a reclaim and its create_end() */
    uint32_t store_errors; /**< store writes or records that failed, since creation */
} rsvd_res_server_stats;

/** Fills @p out (initialised with RSVD_STRUCT_INIT) with the counts of live
 * objects (zeros for a NULL server). @return RSVD_OK or RSVD_E_INVAL (@p out
 * NULL or its struct_size not set). */
RSVD_API int rsvd_res_server_get_stats(const rsvd_res_server *srv, rsvd_res_server_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_RESILIENT_SERVER_H */
