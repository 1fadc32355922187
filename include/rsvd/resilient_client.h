/*
 * librsvd - MS-SMB2 resilient handles, client role.
 *
 * Included by rsvd/resilient.h; include that header (or rsvd/rsvd.h).
 */
#ifndef RSVD_RESILIENT_CLIENT_H
#define RSVD_RESILIENT_CLIENT_H

#include <rsvd/common.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief The client's state machine of preserved opens - durable (v1 and
 * v2), persistent and resilient ([MS-SMB2] 3.2.4.1, 3.2.4.1.3, 3.2.4.1.7,
 * 3.2.4.3.5, 3.2.5.7, 3.2.5.7.1, 3.2.5.7.6, 3.2.4.20.8, 3.2.5.14,
 * 3.2.5.14.9, 3.2.4.19, 3.2.4.21, 3.2.5.13, 3.2.7.1, 3.2.4.4, 3.2.5.8).
 *
 * What the host does and what the library does:
 *  - The host owns sockets, NEGOTIATE, SESSION_SETUP (with
 *    PreviousSessionId on a reconnect), TREE_CONNECT, signing and the
 *    application's own opens. It registers each connection, session, tree
 *    connect and open with the library, sends the bytes the library builds
 *    on the connection it names, and hands the library the responses to
 *    those requests.
 *  - The library owns each connection's MessageId sequence window and
 *    credits (the host takes MessageIds for its own requests from it too,
 *    rsvd_res_client_conn_take_message_ids(), and reports the credits their
 *    responses grant), picks the channel, builds the resiliency, LOCK and
 *    reconnect CREATE requests, matches and validates their responses,
 *    keeps the 64 lock-sequence buckets of every open, keeps durable and
 *    resilient opens across a disconnect, gives up a resilient open
 *    ResilientTimeout after the disconnect (a durable v2 or persistent one
 *    DurableTimeout after it), and re-sends unfinished LOCK requests with
 *    their original LockSequence after a reconnect.
 *  - Durable opens: the library builds the CREATE that asks for a durable
 *    handle (rsvd_res_client_create(): DH2Q with a CreateGuid on 3.x,
 *    PERSISTENT on a continuously available share; DHnQ on 2.0.2 and 2.1),
 *    reads the durable contexts of its response, replays it when the
 *    server or a lost channel asks for it, and reclaims the open after a
 *    disconnect with the context its grant requires (DH2C for a durable v2
 *    or persistent open on 3.x, DHnC otherwise). A host that builds its own
 *    CREATE registers the grant with rsvd_res_client_open_add().
 *  - Replays: the library's own requests are replayed with
 *    SMB2_FLAGS_REPLAY_OPERATION and the current ChannelSequence
 *    (rsvd_res_client_resend_next()); the host's own requests through
 *    rsvd_res_client_replay_request(), and rsvd_res_client_channel_sequence()
 *    gives the ChannelSequence of every request it builds (3.2.4.1).
 *
 * Handles: connections, sessions, tree connects and opens are named by
 * 64-bit handles; a stale handle never names a later object.
 *
 * Requests the library builds come back in an rsvd_res_client_msg: the
 * connection to send them on and their MessageId. The header's Flags are 0
 * and the Signature zero: a host that signs sets SMB2_FLAGS_SIGNED and the
 * signature itself.
 *
 * Time: `now_ms` is a monotonic millisecond clock of the host's choosing.
 *
 * Threads: an instance is not thread-safe; the host serialises every call.
 * Callbacks run inside the call that caused them; while one runs, every
 * function of the instance that changes state returns RSVD_E_BUSY.
 */

/** A resilient-handle client instance (opaque). */
typedef struct rsvd_res_client rsvd_res_client;

/** @name Defaults of rsvd_res_client_config (a 0 field takes these)
 * @{ */
#define RSVD_RES_CLIENT_DEFAULT_MAX_CONNECTIONS 256u /**< connections at once */
#define RSVD_RES_CLIENT_DEFAULT_MAX_SESSIONS 1024u   /**< sessions at once */
#define RSVD_RES_CLIENT_DEFAULT_MAX_TREES 4096u      /**< tree connects at once */
#define RSVD_RES_CLIENT_DEFAULT_MAX_OPENS 65536u     /**< opens at once */
/** Requests of the library in flight on one connection. */
#define RSVD_RES_CLIENT_DEFAULT_MAX_OUTSTANDING 4096u
/** Elements of one LOCK request. */
#define RSVD_RES_CLIENT_DEFAULT_MAX_LOCK_ELEMENTS 256u
/** Channels of one 3.x session. */
#define RSVD_RES_CLIENT_DEFAULT_MAX_CHANNELS 32u
/** Credits the client asks the server to keep it at ([MS-SMB2] 3.2.4.1.2). */
#define RSVD_RES_CLIENT_DEFAULT_CREDIT_TARGET 64u
/** Longest file name of an open, in bytes (NameLength is 16 bits). */
#define RSVD_RES_CLIENT_NAME_MAX 65534u
/** @} */

/** Client configuration. Zero-initialise it and set what you need. */
typedef struct rsvd_res_client_config {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_client_config): the size the caller was built with. */
    size_t struct_size;
    /** Connections at once. This and the limits below: 0 takes the
     * RSVD_RES_CLIENT_DEFAULT_* value; going over one is RSVD_E_LIMIT (or
     * RSVD_E_INVAL for a LOCK's elements). */
    uint32_t max_connections;
    /** Sessions at once. */
    uint32_t max_sessions;
    /** Tree connects at once. */
    uint32_t max_trees;
    /** Opens at once. */
    uint32_t max_opens;
    /** Requests of the library in flight on one connection. */
    uint32_t max_outstanding;
    /** Elements of one LOCK request. */
    uint32_t max_lock_elements;
    /** Channels of one 3.x session. */
    uint32_t max_channels;
    /** CreditRequest asks for what the request consumes plus what the
     * connection lacks to hold this many credits. */
    uint16_t credit_target;
    /** OutputOffset of the resiliency request:
     * RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_WINDOWS (0, the default: 128 as
     * Windows sends it, <173>) or RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_ZERO. */
    uint32_t resiliency_options;
    /** Allocator; NULL for the C library's (last: the struct ends
     * without padding, docs/abi.md). */
    const rsvd_mem *mem;
} rsvd_res_client_config;

/** Which request of the library a completion is about. */
typedef enum rsvd_res_req_kind {
    /** FSCTL_LMR_REQUEST_RESILIENCY ([MS-SMB2] 3.2.4.20.8). */
    RSVD_RES_REQ_RESILIENCY = 1,
    /** LOCK or unlock ([MS-SMB2] 3.2.4.19, 3.2.4.21). */
    RSVD_RES_REQ_LOCK = 2,
    /** The CREATE that re-establishes a durable/resilient open (3.2.4.4). */
    RSVD_RES_REQ_RECONNECT = 3,
    /** The CREATE of a new open built by rsvd_res_client_create()
     * ([MS-SMB2] 3.2.4.3, 3.2.4.3.5). */
    RSVD_RES_REQ_CREATE = 4
} rsvd_res_req_kind;

/** The outcome of one of the library's requests. */
typedef struct rsvd_res_client_done {
    /** Which request. */
    rsvd_res_req_kind kind;
    /** The open it was about. */
    uint64_t open;
    /** The host's pointer for that open. */
    void *open_user_data;
    /** The pointer the application gave with the request. */
    void *req_user_data;
    /** The connection it was sent on; 0 for a LOCK kept for re-sending
     * after its connection was lost. */
    uint64_t conn;
    /** The MessageId it was (last) sent with. MessageIds are per
     * connection, so two kept LOCKs may carry the same one: tell requests
     * apart by req_user_data. */
    uint64_t message_id;
    /**
     * The status for the application: the response's Status ([MS-SMB2]
     * 3.2.5.14.9, 3.2.5.13: "returned to the application");
     * STATUS_INVALID_NETWORK_RESPONSE for a malformed response (3.2.5.1);
     * STATUS_CONNECTION_DISCONNECTED for a request that will not be
     * answered (its connection was lost, its open given up).
     */
    uint32_t status;
    /** false while the request is not over: an interim STATUS_PENDING
     * response (a final response follows), or a status the library
     * replays the request for (STATUS_SERVER_UNAVAILABLE for a CREATE,
     * STATUS_FILE_NOT_AVAILABLE for an IOCTL: [MS-SMB2] 3.2.5.7, 3.2.5.14):
     * call rsvd_res_client_resend_next() for the open. */
    bool final;
} rsvd_res_client_done;

/** Why the library gave up an open. */
typedef enum rsvd_res_lost_reason {
    /** Not durable when its connection was lost ([MS-SMB2] 3.2.7.1). */
    RSVD_RES_LOST_NOT_DURABLE = 1,
    /** Not re-established within ResilientTimeout after the disconnect
     * ([MS-SMB2] 3.2.7.1). */
    RSVD_RES_LOST_TIMEOUT = 2,
    /** A durable v2 or persistent open not re-established within
     * Open.DurableTimeout after the disconnect ([MS-SMB2] 3.2.7.1). */
    RSVD_RES_LOST_DURABLE_TIMEOUT = 3
} rsvd_res_lost_reason;

/** @return "NOT_DURABLE", "TIMEOUT", "DURABLE_TIMEOUT" or "?" (the
 * rsvd_res_lost_reason names, as rsvd_res_close_reason_name() gives the
 * server's). */
RSVD_API const char *rsvd_res_lost_reason_name(int reason);

/** Callbacks, set once at creation. request_failed and open_lost are
 * required. */
typedef struct rsvd_res_client_callbacks {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_client_callbacks): the size the caller was built with. */
    size_t struct_size;
    /** A request the library sent (or kept for re-sending) ends without a
     * response: done->status is STATUS_CONNECTION_DISCONNECTED. */
    void (*request_failed)(rsvd_res_client *cli, const rsvd_res_client_done *done,
                           void *user_data);
    /** The library freed an open and invalidated its handle: Durable and
     * ResilientHandle are FALSE. */
    void (*open_lost)(rsvd_res_client *cli, uint64_t open, void *open_user_data,
                      rsvd_res_lost_reason reason, void *user_data);
    /** Optional: fills @p buf with @p len random bytes, from which the
     * library makes the CreateGuid of a durable v2 request ([MS-SMB2]
     * 3.2.4.3.5: "a newly generated GUID"). @return 0, or non-zero when no
     * randomness is available. Without it the host passes every CreateGuid
     * (RSVD_RES_CLIENT_CREATE_GUID_GIVEN). */
    int (*random)(void *buf, size_t len, void *user_data);
} rsvd_res_client_callbacks;

/** Creates a client. @return RSVD_OK, RSVD_E_INVAL (a callback missing, bad
 * option) or RSVD_E_NOMEM. */
RSVD_API int rsvd_res_client_new(const rsvd_res_client_config *cfg,
                                 const rsvd_res_client_callbacks *cb, void *user_data,
                                 rsvd_res_client **out);

/** Frees the client and everything in it, without callbacks. NULL: no-op. */
RSVD_API void rsvd_res_client_free(rsvd_res_client *cli);

/* ---- registration ---------------------------------------------------------- */

/** A connection after NEGOTIATE ([MS-SMB2] 3.2.1.2). */
typedef struct rsvd_res_client_conn_params {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_client_conn_params): the size the caller was built with. */
    size_t struct_size;
    /** Connection.Dialect: RSVD_SMB2_DIALECT_202 ... _311. */
    uint16_t dialect;
    /** Connection.SupportsMultiCredit (SMB2_GLOBAL_CAP_LARGE_MTU). */
    bool supports_multi_credit;
    /** Connection.SupportsMultiChannel (3.x, SMB2_GLOBAL_CAP_MULTI_CHANNEL). */
    bool supports_multi_channel;
    /** Connection.SupportsPersistentHandles (3.x). */
    bool supports_persistent_handles;
    /** Size of the window handed over (see next_message_id). */
    uint32_t credits;
    /** The sequence window handed over ([MS-SMB2] 3.2.4.1.6): MessageIds
     * [next_message_id, next_message_id + credits) are available. A new
     * connection: 0 and 1 (the window {0}); credits 0 counts as 1, more
     * than 65535 as 65535. */
    uint64_t next_message_id;
} rsvd_res_client_conn_params;

/** Registers a connection. @return RSVD_OK, RSVD_E_INVAL, RSVD_E_LIMIT,
 * RSVD_E_NOMEM or RSVD_E_BUSY. */
RSVD_API int rsvd_res_client_conn_add(rsvd_res_client *cli, const rsvd_res_client_conn_params *p,
                                      uint64_t *conn);

/**
 * Takes @p count consecutive MessageIds for a request the host sends itself
 * ([MS-SMB2] 3.2.4.1.3: the lowest available, never reused; @p count is its
 * CreditCharge, at least 1).
 * @return RSVD_OK (*first set), RSVD_E_LIMIT (not enough credits: the
 * request must wait for a response granting more), RSVD_E_NOENT,
 * RSVD_E_INVAL or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_client_conn_take_message_ids(rsvd_res_client *cli, uint64_t conn,
                                                   uint16_t count, uint64_t *first);

/** Adds the CreditResponse of a response to a host request to the window
 * ([MS-SMB2] 3.2.5.1.4). @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY. */
RSVD_API int rsvd_res_client_conn_grant_credits(rsvd_res_client *cli, uint64_t conn,
                                                uint16_t credits);

/** A connection's window and load. */
typedef struct rsvd_res_client_conn_info {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_client_conn_info): the size the caller was built with. */
    size_t struct_size;
    /** Connection.Dialect. */
    uint16_t dialect;
    /** Requests of the library in flight. */
    uint32_t outstanding;
    /** Lowest MessageId available; the window is [next, next + available). */
    uint64_t next_message_id;
    /** MessageIds available (credits not yet used). */
    uint64_t available;
} rsvd_res_client_conn_info;

/** A connection's window and load. @return RSVD_OK, RSVD_E_INVAL or
 * RSVD_E_NOENT. */
RSVD_API int rsvd_res_client_conn_info_get(const rsvd_res_client *cli, uint64_t conn,
                                           rsvd_res_client_conn_info *out);

/** Registers a session set up on @p conn with SessionId @p session_id.
 * @return RSVD_OK, RSVD_E_NOENT, RSVD_E_LIMIT, RSVD_E_NOMEM or RSVD_E_BUSY. */
RSVD_API int rsvd_res_client_session_add(rsvd_res_client *cli, uint64_t conn,
                                         uint64_t session_id, uint64_t *session);

/** Adds a channel: the 3.x session was bound to another 3.x connection.
 * @return RSVD_OK, RSVD_E_NOENT, RSVD_E_NOTSUP, RSVD_E_STATE (already
 * bound), RSVD_E_LIMIT, RSVD_E_NOMEM or RSVD_E_BUSY. */
RSVD_API int rsvd_res_client_session_bind(rsvd_res_client *cli, uint64_t session, uint64_t conn);

/** Forgets a session after its LOGOFF. @return RSVD_OK, RSVD_E_NOENT,
 * RSVD_E_STATE (tree connects remain) or RSVD_E_BUSY. */
RSVD_API int rsvd_res_client_session_remove(rsvd_res_client *cli, uint64_t session);

/** A tree connect as the TREE_CONNECT response left it ([MS-SMB2] 3.2.1.4). */
typedef struct rsvd_res_client_tree_params {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_client_tree_params): the size the caller was built with. */
    size_t struct_size;
    /** TreeConnect.TreeConnectId. */
    uint32_t tree_id;
    union {
        /** The name of this member in the first release (zero). */
        uint32_t reserved;
        /** The Capabilities of the TREE_CONNECT response ([MS-SMB2]
         * 2.2.10, 3.2.5.5): RSVD_SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY on a
         * 3.x session makes TreeConnect.IsCAShare TRUE (durable requests
         * then ask for a persistent handle); other bits are kept and not
         * used. 0: not continuously available. */
        uint32_t share_capabilities;
    };
} rsvd_res_client_tree_params;

/** Registers a tree connect of @p session. @return RSVD_OK, RSVD_E_NOENT,
 * RSVD_E_INVAL (@p p NULL or not initialised with RSVD_STRUCT_INIT),
 * RSVD_E_NOTSUP, RSVD_E_LIMIT, RSVD_E_NOMEM or RSVD_E_BUSY. */
RSVD_API int rsvd_res_client_tree_add(rsvd_res_client *cli, uint64_t session,
                                      const rsvd_res_client_tree_params *p, uint64_t *tree);

/** Forgets a tree connect after its TREE_DISCONNECT. @return RSVD_OK,
 * RSVD_E_NOENT, RSVD_E_STATE (opens remain on it, or a reconnect aims at
 * it) or RSVD_E_BUSY. */
RSVD_API int rsvd_res_client_tree_remove(rsvd_res_client *cli, uint64_t tree);

/** What 3.2.4.4 needs to rebuild the CREATE of an open (3.2.5.7 copies
 * these from the original request). */
typedef struct rsvd_res_client_open_params {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_client_open_params): the size the caller was built with. */
    size_t struct_size;
    /** Open.FileId from the CREATE response. */
    rsvd_smb2_fileid file_id;
    /** The name sent in the CREATE (UTF-16LE, relative to the share), copied. */
    const uint8_t *name;
    /** Its length in bytes (even, at most RSVD_RES_CLIENT_NAME_MAX). */
    size_t name_len;
    /** Open.DesiredAccess. */
    uint32_t desired_access;
    /** Open.FileAttributes. */
    uint32_t file_attributes;
    /** Open.ShareMode. */
    uint32_t share_access;
    /** Open.CreateDisposition. */
    uint32_t create_disposition;
    /** Open.CreateOptions. */
    uint32_t create_options;
    /** Open.OplockLevel: the level granted. */
    uint8_t oplock_level;
    /** Open.Durable: the server granted a durable handle (DHnQ). */
    bool durable;
    /** The host's pointer, handed back in callbacks. */
    void *user_data;
    /** Open.CreateGuid: the CreateGuid of the CREATE's DH2Q context (with
     * RSVD_RES_CLIENT_DURABLE_V2). */
    rsvd_guid create_guid;
    /** Open.DurableTimeout: the Timeout of the DH2Q response (with
     * RSVD_RES_CLIENT_DURABLE_V2), in milliseconds. */
    uint32_t durable_timeout_ms;
    /** RSVD_RES_CLIENT_DURABLE_* bits; 0: no durable v2 handle. */
    uint32_t durable_flags;
} rsvd_res_client_open_params;

/** @name Durable v2 grant (rsvd_res_client_open_params, _open_info)
 * @{ */
/** The CREATE carried DH2Q and its response a DH2Q response ([MS-SMB2]
 * 3.2.5.7.6): Open.Durable TRUE, with CreateGuid and DurableTimeout. A
 * reconnect on 3.x uses DH2C with that CreateGuid. Only on a 3.x tree. */
#define RSVD_RES_CLIENT_DURABLE_V2 0x00000001u
/** Open.IsPersistent: the DH2Q response had SMB2_DHANDLE_FLAG_PERSISTENT
 * (with RSVD_RES_CLIENT_DURABLE_V2). */
#define RSVD_RES_CLIENT_DURABLE_PERSISTENT 0x00000002u
/** @} */

/**
 * Registers an open the host has just created on @p tree ([MS-SMB2] 3.2.5.7:
 * ResilientHandle FALSE, LastDisconnectTime 0, every bucket Free with
 * SequenceNumber 0; 3.2.5.7.1 and 3.2.5.7.6: Durable, and with
 * RSVD_RES_CLIENT_DURABLE_V2 CreateGuid, DurableTimeout and IsPersistent as
 * the host read them from the CREATE and its response).
 * @return RSVD_OK, RSVD_E_NOENT, RSVD_E_INVAL (name; durable_flags with
 * unknown bits, PERSISTENT without V2, or V2 on a tree of a 2.x session),
 * RSVD_E_LIMIT, RSVD_E_NOMEM or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_client_open_add(rsvd_res_client *cli, uint64_t tree,
                                      const rsvd_res_client_open_params *p, uint64_t *open);

/** The application closed the open (its CLOSE went out): the library
 * forgets it; requests still in flight are dropped without callbacks (an
 * open whose CREATE is unanswered too: that response is then not the
 * library's). @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY. */
RSVD_API int rsvd_res_client_open_close(rsvd_res_client *cli, uint64_t open);

/* ---- requests --------------------------------------------------------------- */

/** A message the library built. */
typedef struct rsvd_res_client_msg {
    /** Send it on this connection. */
    uint64_t conn;
    /** Its MessageId: the response to it comes back with the same one. */
    uint64_t message_id;
    /** Its length in the caller's buffer. */
    size_t len;
} rsvd_res_client_msg;

/**
 * The application requests resiliency on an open ([MS-SMB2] 3.2.4.20.8):
 * selects a connection (3.2.4.1.7), sets Open.ResilientTimeout and builds
 * the complete IOCTL request (CtlCode FSCTL_LMR_REQUEST_RESILIENCY, FileId,
 * the 8-byte NETWORK_RESILIENCY_REQUEST at InputOffset 0x78, OutputOffset
 * per the configuration, MaxInputResponse and MaxOutputResponse 0, Flags
 * SMB2_0_IOCTL_IS_FSCTL; header Command IOCTL, the next MessageId,
 * SessionId, TreeId; CreditCharge 1 with multi-credit, else 0).
 * @return
 *  - RSVD_OK: *out says where to send the message;
 *  - RSVD_E_NOENT: no open has this handle;
 *  - RSVD_E_AGAIN: no connection (the open is being re-established, or its
 *    session has no channel): the request fails;
 *  - RSVD_E_STATE: the open's CREATE is not answered yet;
 *  - RSVD_E_NOTSUP: Open.Connection.Dialect is 2.0.2: the application gets
 *    STATUS_NOT_SUPPORTED and nothing is sent;
 *  - RSVD_E_LIMIT: no MessageId available (credits) or too many requests
 *    in flight: retry once a response has granted credits;
 *  - RSVD_E_NOSPC: @p cap below RSVD_SMB2_RESILIENCY_REQ_SIZE;
 *  - RSVD_E_NOMEM, RSVD_E_BUSY.
 * On any error nothing changed and no MessageId was used.
 */
RSVD_API int rsvd_res_client_request_resiliency(rsvd_res_client *cli, uint64_t open,
                                                uint32_t timeout_ms, void *req_user_data,
                                                uint8_t *buf, size_t cap,
                                                rsvd_res_client_msg *out);

/** An extra create context for a CREATE the library builds (e.g. the
 * lease context 3.2.4.4 step 4 asks for, built by the host that owns the
 * lease state). */
typedef struct rsvd_res_client_cc {
    const void *name;     /**< the context's name (e.g. "RqLs") */
    size_t name_len;      /**< its length (at least 4) */
    const uint8_t *data;  /**< the context's data */
    size_t data_len;      /**< its length */
} rsvd_res_client_cc;

/** What the application opens ([MS-SMB2] 3.2.4.3) when the library builds
 * the CREATE (rsvd_res_client_create()). */
typedef struct rsvd_res_client_create_params {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_client_create_params): the size the caller was built with. */
    size_t struct_size;
    /** The name (UTF-16LE, relative to the share), copied. */
    const uint8_t *name;
    /** Its length in bytes (even, at most RSVD_RES_CLIENT_NAME_MAX). */
    size_t name_len;
    /** DesiredAccess. */
    uint32_t desired_access;
    /** FileAttributes. */
    uint32_t file_attributes;
    /** ShareAccess. */
    uint32_t share_access;
    /** CreateDisposition. */
    uint32_t create_disposition;
    /** CreateOptions. */
    uint32_t create_options;
    /** ImpersonationLevel (an RSVD_SMB2_IMPERSONATION_* value). */
    uint32_t impersonation_level;
    /** RSVD_RES_CLIENT_CREATE_* bits. */
    uint32_t flags;
    /** With RSVD_RES_CLIENT_CREATE_DURABLE on 3.x: the DH2Q Timeout in
     * milliseconds; 0 lets the server choose (as Windows 8 and later send,
     * <152>). */
    uint32_t durable_timeout_ms;
    /** With RSVD_RES_CLIENT_CREATE_GUID_GIVEN: the CreateGuid to send
     * (otherwise the library makes one with the random callback). */
    rsvd_guid create_guid;
    /** RequestedOplockLevel (RSVD_SMB2_OPLOCK_LEVEL_*; LEASE with an RqLs
     * context in @p extra). A durable request that is not persistent and
     * not LEASE asks for BATCH ([MS-SMB2] 3.2.4.3.5). */
    uint8_t requested_oplock_level;
    /** Further create contexts (lease, SVHDX, application instance ...),
     * appended after the durable one. */
    const rsvd_res_client_cc *extra;
    /** Their number. */
    size_t n_extra;
    /** The host's pointer for the open, handed back in callbacks. */
    void *user_data;
} rsvd_res_client_create_params;

/** @name rsvd_res_client_create_params flags
 * @{ */
/** The application asks for a durable open ([MS-SMB2] 3.2.4.3.5). */
#define RSVD_RES_CLIENT_CREATE_DURABLE 0x00000001u
/** create_guid holds the CreateGuid to send. */
#define RSVD_RES_CLIENT_CREATE_GUID_GIVEN 0x00000002u
/** @} */

/**
 * Builds the CREATE of a new open on @p tree ([MS-SMB2] 3.2.4.3) and keeps
 * it (Request.Message) until it is answered. With
 * RSVD_RES_CLIENT_CREATE_DURABLE (3.2.4.3.5): on a 3.x tree the
 * SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2 context - Timeout as given,
 * SMB2_DHANDLE_FLAG_PERSISTENT if TreeConnect.IsCAShare, Reserved 0,
 * CreateGuid new (or given) - otherwise SMB2_CREATE_DURABLE_HANDLE_REQUEST
 * with 16 zero bytes; a durable request that is not persistent asks for a
 * BATCH oplock unless it asks for a lease. Then the @p extra contexts.
 * Header: Command CREATE, the next MessageId on the channel chosen
 * (3.2.4.1.7), SessionId, TreeId, ChannelSequence (3.2.4.1).
 *
 * The open exists at once, in state RSVD_RES_CLIENT_OPEN_CREATING, as
 * *@p open. Its response (rsvd_res_client_on_response(), kind
 * RSVD_RES_REQ_CREATE): success makes it CONNECTED with the response's
 * FileId and OplockLevel, Durable TRUE if a DHnQ or DH2Q response context
 * came (3.2.5.7.1, 3.2.5.7.6: IsPersistent from its Flags, DurableTimeout
 * from its Timeout, CreateGuid kept from the request); an error frees it
 * (no open_lost: done reports the status); STATUS_SERVER_UNAVAILABLE on a
 * 3.x connection whose server has persistent handles or multi-channel is
 * replayed (3.2.5.7 <193>, at most three times): done.final is false and
 * rsvd_res_client_resend_next() builds the replay. The host reads the
 * other response contexts (lease, SVHDX) from the bytes itself.
 * @return RSVD_OK, RSVD_E_NOENT (no such tree), RSVD_E_INVAL (name,
 * flags, contexts; GUID_GIVEN with a zero GUID), RSVD_E_STATE (a durable
 * 3.x request needs a CreateGuid: none given and no random callback),
 * RSVD_E_IO (the random callback failed), RSVD_E_AGAIN (no channel),
 * RSVD_E_LIMIT, RSVD_E_NOSPC, RSVD_E_NOMEM or RSVD_E_BUSY. On any error
 * nothing changed and no MessageId was used.
 */
RSVD_API int rsvd_res_client_create(rsvd_res_client *cli, uint64_t tree,
                                    const rsvd_res_client_create_params *p, void *req_user_data,
                                    uint8_t *buf, size_t cap, rsvd_res_client_msg *out,
                                    uint64_t *open);

/**
 * The application locks or unlocks byte ranges ([MS-SMB2] 3.2.4.19,
 * 3.2.4.21). Elements are all locks (SHARED or EXCLUSIVE, optionally
 * FAIL_IMMEDIATELY) or all unlocks (UNLOCK alone); with more than one lock
 * element FAIL_IMMEDIATELY is set on each, as the client MUST. If
 * Open.ResilientHandle, Open.IsPersistent, or the connection supports
 * multi-channel, a Free bucket (lowest index first) is taken: LockSequence
 * = (index << 4) | SequenceNumber; otherwise LockSequence is 0.
 * @return RSVD_OK, RSVD_E_NOENT, RSVD_E_INVAL (elements), RSVD_E_AGAIN (no
 * connection, or no Free bucket: nothing is sent), RSVD_E_STATE (the
 * open's CREATE is not answered yet), RSVD_E_LIMIT, RSVD_E_NOSPC,
 * RSVD_E_NOMEM or RSVD_E_BUSY. On any error nothing changed.
 */
RSVD_API int rsvd_res_client_lock(rsvd_res_client *cli, uint64_t open,
                                  const rsvd_smb2_lock_element *elems, uint16_t count,
                                  void *req_user_data, uint8_t *buf, size_t cap,
                                  rsvd_res_client_msg *out);

/**
 * A response arrived on @p conn. Finds the request by MessageId, adds the
 * granted credits to the window, validates the response and applies it:
 *  - resiliency (3.2.5.14.9): success -> Open.ResilientHandle and
 *    Open.Durable TRUE; an error leaves the open as it was;
 *    STATUS_FILE_NOT_AVAILABLE on a 3.x connection whose server has
 *    persistent handles or multi-channel is replayed instead (3.2.5.14
 *    <195>, at most three times: done.final false);
 *  - CREATE of rsvd_res_client_create() (3.2.5.7): see there;
 *  - LOCK (3.2.5.13): a final response frees the request's bucket and
 *    advances its SequenceNumber (modulo 16), whatever the status;
 *  - reconnect CREATE (3.2.5.8): success rebinds the open to the new tree
 *    connect with the new FileId; then call rsvd_res_client_resend_next()
 *    until it returns RSVD_E_NOENT. A failure leaves the open waiting for
 *    another attempt, or gives it up when its time is over (ResilientTimeout,
 *    or DurableTimeout for a durable v2 or persistent open).
 * A malformed response never crashes: the request ends with
 * STATUS_INVALID_NETWORK_RESPONSE.
 * @return RSVD_OK (*done filled), RSVD_E_NOENT (no request of the library
 * has this MessageId on this connection: not the library's response),
 * RSVD_E_WIRE_* (no readable SMB2 header: discarded), RSVD_E_INVAL or
 * RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_client_on_response(rsvd_res_client *cli, uint64_t conn, const uint8_t *msg,
                                         size_t len, uint64_t now_ms, rsvd_res_client_done *done);

/**
 * The connection is gone ([MS-SMB2] 3.2.7.1). For each session on it: a 3.x
 * session with other channels loses this channel (ChannelSequence + 1);
 * otherwise each open is kept if Open.Durable (detached, waiting for
 * re-establishment; a resilient or persistent one records
 * LastDisconnectTime = now; a resilient one is given up ResilientTimeout
 * later, a durable v2 or persistent one DurableTimeout later) or freed
 * (open_lost, NOT_DURABLE), an open whose CREATE is unanswered is freed
 * without open_lost, then the tree connects and the session are freed.
 * Requests in flight on the connection: an unfinished LOCK of a kept open
 * is kept for re-sending with its LockSequence (its bucket stays taken); a
 * CREATE carrying DH2Q whose session keeps another channel is kept for a
 * replay on it (3.2.7.1, rsvd_res_client_resend_next()); every other one
 * fails (request_failed). Then the connection is freed.
 * @return RSVD_OK, RSVD_E_NOENT or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_client_on_disconnect(rsvd_res_client *cli, uint64_t conn, uint64_t now_ms);

/**
 * Builds the CREATE that re-establishes a detached durable or resilient
 * open on @p tree ([MS-SMB2] 3.2.4.4): the original name, DesiredAccess,
 * FileAttributes, ShareAccess, CreateDisposition, CreateOptions and
 * RequestedOplockLevel = Open.OplockLevel, ImpersonationLevel 0, and the
 * reconnect context the grant requires: on a 3.x connection, for an open
 * granted a durable v2 handle (RSVD_RES_CLIENT_DURABLE_V2),
 * SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2 with Open.FileId, Open.CreateGuid
 * and SMB2_DHANDLE_FLAG_PERSISTENT if Open.IsPersistent; otherwise (2.0.2,
 * 2.1, a DHnQ or resilient-only open, which has no CreateGuid)
 * SMB2_CREATE_DURABLE_HANDLE_RECONNECT with Open.FileId; then @p extra.
 * @return RSVD_OK, RSVD_E_NOENT (no such open - or it was just given up:
 * its time since the disconnect is over), RSVD_E_STATE (not
 * detached, or an attempt is in flight), RSVD_E_AGAIN (no connection on the
 * tree's session), RSVD_E_LIMIT, RSVD_E_NOSPC, RSVD_E_INVAL, RSVD_E_NOMEM or
 * RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_client_reconnect_create(rsvd_res_client *cli, uint64_t open, uint64_t tree,
                                              uint64_t now_ms, const rsvd_res_client_cc *extra,
                                              size_t n_extra, uint8_t *buf, size_t cap,
                                              rsvd_res_client_msg *out);

/**
 * Builds the next request of an open that must be sent again, oldest
 * first, with a new MessageId on the channel chosen (3.2.4.1.7) and the
 * current ChannelSequence:
 *  - a LOCK that was in flight when its connection was lost (a
 *    re-established or still attached open), with its original
 *    LockSequence and elements and the open's current FileId (G1: the
 *    server then recognises a replay);
 *  - a CREATE or resiliency IOCTL the library replays (3.2.5.7, 3.2.5.14,
 *    3.2.7.1: done.final was false, or its channel was lost);
 * on 3.x each carries SMB2_FLAGS_REPLAY_OPERATION (the replay of 3.2.5.8
 * and 4.1 of the reference: the original request, flag set).
 * @return RSVD_OK, RSVD_E_NOENT (nothing left to re-send, or no such open),
 * RSVD_E_STATE (the open is detached), RSVD_E_AGAIN, RSVD_E_LIMIT,
 * RSVD_E_NOSPC or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_client_resend_next(rsvd_res_client *cli, uint64_t open, uint8_t *buf,
                                         size_t cap, rsvd_res_client_msg *out);

/* ---- the host's own requests ------------------------------------------------ */

/**
 * The ChannelSequence field of a request the host builds on @p session
 * ([MS-SMB2] 3.2.4.1): Session.ChannelSequence on a 3.x session whose
 * server supports multi-channel or persistent handles (it grows by one at
 * each lost channel, 3.2.7.1), 0 otherwise (the Status of 2.x requests).
 * @return RSVD_OK, RSVD_E_INVAL or RSVD_E_NOENT.
 */
RSVD_API int rsvd_res_client_channel_sequence(const rsvd_res_client *cli, uint64_t session,
                                              uint16_t *channel_sequence);

/**
 * The host's own request on @p session (its Request.Message, @p msg) got
 * @p status, or (STATUS_CONNECTION_DISCONNECTED) its channel was lost
 * while the session keeps another: should it be replayed ([MS-SMB2]
 * 3.2.5.7 <193>, 3.2.5.12 <194>, 3.2.5.14 <195>, 3.2.5.18 <201>, 3.2.7.1)?
 * Yes on a 3.x session whose server has persistent handles or
 * multi-channel, for fewer than three earlier replays (@p replays), when:
 * a CREATE got STATUS_SERVER_UNAVAILABLE; a WRITE, IOCTL or SET_INFO got
 * STATUS_FILE_NOT_AVAILABLE; a CREATE carrying DH2Q lost its channel. Then
 * the header is rewritten in place for the replay: SMB2_FLAGS_REPLAY_OPERATION
 * set (SMB2_FLAGS_SIGNED and the Signature cleared: sign it for the
 * channel), ChannelSequence = Session.ChannelSequence, a new MessageId
 * (CreditCharge of them) from the window of the channel chosen
 * (3.2.4.1.7).
 * @return RSVD_OK (send @p msg on out->conn), RSVD_E_NOTSUP (not
 * replayed: the status goes to the application; @p msg unchanged),
 * RSVD_E_INVAL (not a request of this session), RSVD_E_NOENT,
 * RSVD_E_AGAIN (no channel), RSVD_E_LIMIT (no MessageId: retry when
 * credits come) or RSVD_E_BUSY.
 */
RSVD_API int rsvd_res_client_replay_request(rsvd_res_client *cli, uint64_t session,
                                            uint32_t status, uint32_t replays, uint8_t *msg,
                                            size_t len, rsvd_res_client_msg *out);

/* ---- time ------------------------------------------------------------------ */

/** @return when rsvd_res_client_handle_expiry() has something to do (a
 * detached resilient open's LastDisconnectTime + ResilientTimeout + 1 ms,
 * a durable v2 or persistent one's disconnect + DurableTimeout + 1 ms),
 * or UINT64_MAX. */
RSVD_API uint64_t rsvd_res_client_next_expiry(const rsvd_res_client *cli);

/** Gives up every detached resilient open whose ResilientTimeout since the
 * disconnect is over, and every durable v2 or persistent one whose
 * DurableTimeout is, that has no attempt in flight (3.2.7.1): its
 * unfinished requests fail, then open_lost (TIMEOUT, DURABLE_TIMEOUT).
 * @return RSVD_OK or RSVD_E_BUSY; the number given up in *lost (may be NULL). */
RSVD_API int rsvd_res_client_handle_expiry(rsvd_res_client *cli, uint64_t now_ms, size_t *lost);

/* ---- inspection ------------------------------------------------------------ */

/** State of an open. */
typedef enum rsvd_res_client_open_state {
    /** On a tree connect: requests can be sent. */
    RSVD_RES_CLIENT_OPEN_CONNECTED = 1,
    /** Its connection was lost; waiting to be re-established. */
    RSVD_RES_CLIENT_OPEN_DETACHED = 2,
    /** Its CREATE (rsvd_res_client_create()) is not answered yet. */
    RSVD_RES_CLIENT_OPEN_CREATING = 3
} rsvd_res_client_open_state;

/** A snapshot of an open ([MS-SMB2] 3.2.1.6). */
typedef struct rsvd_res_client_open_info {
    /** Set by RSVD_STRUCT_INIT(rsvd_res_client_open_info): the size the caller was built with. */
    size_t struct_size;
    /** Connected, detached or creating. */
    rsvd_res_client_open_state state;
    /** Open.FileId. */
    rsvd_smb2_fileid file_id;
    /** Open.ResilientHandle. */
    bool resilient_handle;
    /** Open.Durable. */
    bool durable;
    /** Open.ResilientTimeout (ms). */
    uint32_t resilient_timeout_ms;
    /** Open.LastDisconnectTime (host clock; 0 before any disconnect). */
    uint64_t last_disconnect_ms;
    /** Its tree connect (0 while detached). */
    uint64_t tree;
    /** A reconnect CREATE is in flight. */
    bool reconnecting;
    /** Requests waiting to be re-sent (rsvd_res_client_resend_next()). */
    uint32_t resend_pending;
    /** The host's pointer for the open. */
    void *user_data;
    /** Open.CreateGuid (zero: none). */
    rsvd_guid create_guid;
    /** Open.DurableTimeout (ms; with RSVD_RES_CLIENT_DURABLE_V2). */
    uint32_t durable_timeout_ms;
    /** RSVD_RES_CLIENT_DURABLE_* bits. */
    uint32_t durable_flags;
} rsvd_res_client_open_info;

/** A snapshot of an open. @return RSVD_OK, RSVD_E_INVAL or RSVD_E_NOENT. */
RSVD_API int rsvd_res_client_open_info_get(const rsvd_res_client *cli, uint64_t open,
                                           rsvd_res_client_open_info *out);

/** Open.OperationBuckets[@p index] (1..64). @return RSVD_OK, RSVD_E_INVAL
 * or RSVD_E_NOENT. */
RSVD_API int rsvd_res_client_bucket(const rsvd_res_client *cli, uint64_t open, uint32_t index,
                                    bool *free_, uint8_t *sequence_number);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_RESILIENT_CLIENT_H */
