/*
 * librsvd - the MS-RSVD server role ([MS-RSVD] 3.2).
 *
 * An rsvd_server keeps the OpenTable of one RSVD server and applies the
 * rules of [MS-RSVD] 3.2.4 and 3.2.5 to the SMB2 requests an SMB2 server
 * hands it for shared-virtual-disk opens ([MS-SMB2] 3.3.5.2.12, 3.3.5.9.14,
 * 3.3.4.17, 3.3.5.15.15, 3.3.5.15.16). Storage is reached through the
 * backends of rsvd/backend.h.
 *
 * Calling convention, the same for every request function below:
 *  - The host passes one decoded SMB2 request and a `cookie` of its own.
 *  - The function returns RSVD_OK when it accepted the request: the reply
 *    callback then runs exactly once for it, with that cookie, either before
 *    the function returns or later (when a backend completes). A negative
 *    rsvd_error means the call itself was wrong (a NULL pointer, a buffer
 *    that cannot hold what the call promises to write): no reply follows.
 *  - Every buffer a request names (the data of a WRITE, the room for a
 *    READ, an IOCTL's input and its MaxOutputResponse bytes of output, the
 *    room for a CREATE response context) is the host's and must stay valid
 *    until the reply for that request has been delivered. The server writes
 *    its answers into those buffers and allocates nothing per request; the
 *    reply points into them.
 *  - Protocol outcomes are NTSTATUS values in the reply, never rsvd_error
 *    values.
 *
 * Two failure channels ([MS-RSVD] 3.2.5.5; docs/architecture.md):
 *  - "fail the request with X": rsvd_server_reply.status is X and there is
 *    no output;
 *  - "set the tunnel header's Status to X": rsvd_server_reply.status is
 *    STATUS_SUCCESS and the output is a tunnel header (rsvd/wire_rsvd.h)
 *    whose Status is X, followed by a body where the rule builds one.
 *
 * Threads: an rsvd_server is not thread-safe. One thread at a time drives it
 * (the request functions, rsvd_complete() for the calls it made to a
 * backend, rsvd_server_free()); several servers may live in one process and
 * be driven by different threads, since the library has no global state.
 *
 * Re-entrancy: the reply callback may call any request function of the same
 * server (issue the next request, close the open); a backend may complete a
 * call before returning from it. rsvd_server_free() is refused inside a
 * callback.
 */
#ifndef RSVD_SERVER_H
#define RSVD_SERVER_H

#include <rsvd/backend.h>
#include <rsvd/common.h>
#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/svhdx.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief The MS-RSVD server: configuration, the SMB2 requests it serves,
 * and the reply callback.
 */

/** An RSVD server instance (opaque). */
typedef struct rsvd_server rsvd_server;


/** Room a new open's CREATE must provide for the response context: the
 * larger of SVHDX_OPEN_DEVICE_CONTEXT_RESPONSE (168) and
 * SVHDX_OPEN_DEVICE_CONTEXT_V2_RESPONSE (192). */
#define RSVD_SERVER_CREATE_CONTEXT_MAX 192u

/** Default rsvd_server_config.max_opens. */
#define RSVD_SERVER_DEFAULT_MAX_OPENS (1u << 20)
/** Default rsvd_server_config.max_requests. */
#define RSVD_SERVER_DEFAULT_MAX_REQUESTS 1024u
/** Default rsvd_server_config.cdp_timeout_ms: the time a client has to send
 * SvhdxSnapshotStageUnblockIO after SvhdxSnapshotStageBlockIO of a CDP
 * snapshot completed ([MS-RSVD] 3.2.2; Windows' value, <6>). */
#define RSVD_SERVER_DEFAULT_CDP_TIMEOUT_MS 700u
/** Default rsvd_server_config.max_transactions. */
#define RSVD_SERVER_DEFAULT_MAX_TRANSACTIONS 16u

/**
 * The answer to one request.
 *
 * status is the SMB2 status of the response. When
 * rsvd_server_reply_is_error() says it is an error the request failed
 * ("fail the request with X"): the host sends an SMB2 ERROR response, and
 * output_len, count and create_context_len are 0. Any other status
 * (STATUS_SUCCESS, or STATUS_BUFFER_OVERFLOW on a QUERY_INFO, see
 * rsvd_server_reply_is_error()) is answered with the command's own
 * response carrying output.
 */
typedef struct rsvd_server_reply {
    /** The cookie the host passed with the request. */
    void *cookie;
    /** RSVD_SMB2_CREATE, _CLOSE, _READ, _WRITE, _LOCK, _IOCTL, _QUERY_INFO or
     * _SET_INFO (rsvd/wire_smb2.h values). Query-support replies are
     * RSVD_SMB2_IOCTL. */
    uint16_t command;
    /** IOCTL: the CtlCode of the request; 0 otherwise. */
    uint32_t ctl_code;
    /** The SMB2 status (an NTSTATUS). */
    uint32_t status;
    /** READ: the data read; IOCTL: the output (a tunnel header and body, the
     * query-support response, or a pass-through FSCTL's output); QUERY_INFO:
     * the information. Points into the request's buffer. */
    const uint8_t *output;
    /** Bytes at output; never more than the request allowed (READ Length,
     * MaxOutputResponse, OutputBufferLength). */
    uint32_t output_len;
    /** WRITE: the number of bytes written. */
    uint32_t count;
    /** CREATE: the LocalOpen of the open (new or reconnected) on success;
     * the host passes it with every later request on that open. */
    uint64_t local_open;
    /** CREATE: the data of the SVHDX_OPEN_DEVICE_CONTEXT_RESPONSE or
     * _V2_RESPONSE create context to return (name
     * RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT), inside the request's
     * response_context buffer; NULL and 0 when there is none (a reconnect). */
    const uint8_t *create_context;
    /** Bytes at create_context: 168 (V1 response), 192 (V2 response) or 0. */
    uint32_t create_context_len;
} rsvd_server_reply;

/**
 * Whether @p reply is an error, to be sent as an SMB2 ERROR response
 * ([MS-SMB2] 3.3.4.4): any status but STATUS_SUCCESS, except
 * STATUS_BUFFER_OVERFLOW on a QUERY_INFO, or on an IOCTL whose CtlCode is
 * FSCTL_PIPE_TRANSCEIVE, FSCTL_PIPE_PEEK or FSCTL_DFS_GET_REFERRALS. Those
 * carry the partial output the backend returned in the command's own
 * response. (3.3.4.4's other exceptions are for commands this library does
 * not answer.)
 */
RSVD_API bool rsvd_server_reply_is_error(const rsvd_server_reply *reply);

/** Receives every reply; @p reply and what it points to are valid only
 * during the call. */
typedef void (*rsvd_server_reply_fn)(void *ctx, const rsvd_server_reply *reply);

/**
 * "Send the interim response now" ([MS-SMB2] 3.3.4.2): called with the
 * cookie of a request on FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST (a
 * META_OPERATION_START, or any tunnel operation a client sends that way)
 * when the server hands it to the virtual disk and its answer will follow
 * when the disk's work ends. The host sends the SMB2 interim response
 * (STATUS_PENDING, SMB2_FLAGS_ASYNC_COMMAND and an AsyncId) at once; the
 * reply callback later delivers the final response for the same cookie,
 * which the host sends with that AsyncId. Called at most once per request,
 * always before its reply (which may come before the call that accepted the
 * request returns). @p ctx is rsvd_server_config.reply_ctx.
 */
typedef void (*rsvd_server_interim_fn)(void *ctx, void *cookie);

/** The host's wall clock: milliseconds since 1970-01-01 UTC. @p ctx is
 * rsvd_server_config.reply_ctx. */
typedef uint64_t (*rsvd_server_clock_fn)(void *ctx);

/**
 * Server configuration, copied by rsvd_server_new() (with the backend
 * tables it points to). Initialise it with RSVD_STRUCT_INIT().
 *
 * Either backend may be absent (NULL ops). A CREATE that needs the missing
 * one (OriginatorFlags SVHDX_ORIGINATOR_VHDMP needs the object store, any
 * other value the virtual SCSI disk) fails with STATUS_NOT_SUPPORTED, so
 * no open ever exists on a missing backend.
 */
typedef struct rsvd_server_config {
    /** Set by RSVD_STRUCT_INIT(rsvd_server_config): the size the caller was built with. */
    size_t struct_size;
    /** IsSVHDXSupported ([MS-RSVD] 3.2.1.1). When false every request fails
     * with STATUS_INVALID_DEVICE_REQUEST ([MS-RSVD] 3.2.5). */
    bool svhdx_supported;
    /** ServerServiceVersion: RSVD_PROTOCOL_VERSION_1 or _2. */
    uint32_t service_version;
    /** Allocator; NULL for the C library's. */
    const rsvd_mem *mem;
    /** Object store (every function set), or NULL. */
    const rsvd_object_store_ops *object_store;
    /** Passed to every object-store function. */
    void *object_store_ctx;
    /** Virtual SCSI disk (every function but query_info/set_info set), or NULL. */
    const rsvd_scsi_disk_ops *scsi_disk;
    /** Passed to every virtual-SCSI-disk function. */
    void *scsi_disk_ctx;
    /** Reply callback (required). */
    rsvd_server_reply_fn reply;
    /** Passed to the reply callback. */
    void *reply_ctx;
    /** Most opens in the OpenTable at once, creates in progress included
     * (an open being closed no longer counts); 0 for
     * RSVD_SERVER_DEFAULT_MAX_OPENS. A CREATE beyond it fails with
     * STATUS_INSUFFICIENT_RESOURCES. */
    uint32_t max_opens;
    /** Most backend calls in flight at once; 0 for
     * RSVD_SERVER_DEFAULT_MAX_REQUESTS. The request pool is allocated by
     * rsvd_server_new(): when it is empty, a request that needs a backend
     * call fails with STATUS_INSUFFICIENT_RESOURCES; a CLOSE never fails
     * that way, it waits for the next free entry. */
    uint32_t max_requests;
    /** File names compare exactly (code point for code point) instead of
     * without regard to ASCII case (docs/decisions.md). */
    bool case_sensitive_names;
    /** Key of the file-name hash; a host that serves untrusted clients
     * should pass a random value. */
    uint64_t name_hash_key[2];
    /* ---- appended for version 2 ([MS-RSVD] 3.2.5.5.7 - 3.2.5.5.15) ---- */
    /** "Send the interim response now" for a request on
     * FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST (rsvd_server_interim_fn); NULL: the
     * host learns nothing and answers such a request when its reply comes. */
    rsvd_server_interim_fn interim;
    /** The host's wall clock, read once per snapshot creation for its
     * SnapshotCreationTime (rsvd_disk_snapshot_args.now_ms); NULL: 0. */
    rsvd_server_clock_fn wall_clock;
    /** The CDP snapshot timer of [MS-RSVD] 3.2.2, in milliseconds of the
     * clock the host passes to rsvd_server_handle_expiry(); 0 for
     * RSVD_SERVER_DEFAULT_CDP_TIMEOUT_MS. */
    uint32_t cdp_timeout_ms;
    /** Meta-operations (META_OPERATION_START transactions) each open keeps
     * for META_OPERATION_QUERY_PROGRESS, in flight or finished; 0 for
     * RSVD_SERVER_DEFAULT_MAX_TRANSACTIONS. A new one replaces the oldest
     * finished one; when every one is still in use a START fails with
     * STATUS_INSUFFICIENT_RESOURCES. */
    uint32_t max_transactions;
} rsvd_server_config;

/**
 * Creates a server with an empty OpenTable and its request pool.
 * @return RSVD_OK (*out set), RSVD_E_INVAL (NULL argument, a struct_size
 * not set by RSVD_STRUCT_INIT, no reply callback, a service version other
 * than 1 or 2, a backend table with a required function missing, or an
 * unusable allocator), RSVD_E_NOTSUP (the config or a backend table comes
 * from newer headers and sets a member this library does not know) or
 * RSVD_E_NOMEM.
 */
RSVD_API int rsvd_server_new(const rsvd_server_config *cfg, rsvd_server **out);

/**
 * Frees a server. Every open must have been closed (its CLOSE replied) and
 * every backend call completed first.
 * @return RSVD_OK (NULL is accepted), or RSVD_E_BUSY (opens remain, calls
 * are in flight, or the call comes from inside a callback of this server):
 * nothing is freed then.
 */
RSVD_API int rsvd_server_free(rsvd_server *srv);

/** @return the number of opens: in the OpenTable, being created, or being
 * closed. */
RSVD_API size_t rsvd_server_open_count(const rsvd_server *srv);

/** @return the number of backend calls in flight. */
RSVD_API size_t rsvd_server_requests_in_flight(const rsvd_server *srv);

/** A CREATE on an RSVD open ([MS-RSVD] 3.2.5.1; [MS-SMB2] 3.3.5.9.14,
 * 3.3.5.9.12). */
typedef struct rsvd_server_create_req {
    /** 0 for a new open; the LocalOpen of the open for a durable or
     * persistent reconnect ([MS-SMB2] 3.3.5.9.12). */
    uint64_t local_open;
    /** The file name of the CREATE, UTF-16LE as on the wire, with or
     * without the ":SharedVirtualDisk" suffix. */
    const uint8_t *file_name;
    /** Bytes at file_name. */
    size_t file_name_len;
    /** CreateOptions of the CREATE. */
    uint32_t create_options;
    /** The data of the SVHDX_OPEN_DEVICE_CONTEXT(_V2) create context; may be
     * NULL/0 on a reconnect. */
    const uint8_t *context;
    /** Bytes at context (the create context's DataLength). */
    size_t context_len;
    /** New opens: room for the response context, at least
     * RSVD_SERVER_CREATE_CONTEXT_MAX bytes. */
    uint8_t *response_context;
    /** Bytes of room at response_context. */
    size_t response_context_cap;
} rsvd_server_create_req;

/** [MS-RSVD] 3.2.5.1. @return RSVD_OK or RSVD_E_INVAL. */
RSVD_API int rsvd_server_create(rsvd_server *srv, const rsvd_server_create_req *req,
                                void *cookie);

/**
 * A CREATE whose name ends with ":SharedVirtualDisk" and that carries an
 * SMB2_CREATE_EA_BUFFER create context instead of the SVHDX context: an open
 * with a target specifier ([MS-RSVD] 3.2.5.7; [MS-SMB2] 3.3.5.9.1), which
 * opens a snapshot of a VHD set. Initialise it with RSVD_STRUCT_INIT().
 */
typedef struct rsvd_server_target_create_req {
    /** Set by RSVD_STRUCT_INIT(rsvd_server_target_create_req): the size the caller was built with. */
    size_t struct_size;
    /** The file name of the CREATE, UTF-16LE as on the wire, with or
     * without the ":SharedVirtualDisk" suffix. */
    const uint8_t *file_name;
    /** Bytes at file_name. */
    size_t file_name_len;
    /** CreateOptions of the CREATE. */
    uint32_t create_options;
    /** The data of the SMB2_CREATE_EA_BUFFER create context: a chain of
     * FILE_FULL_EA_INFORMATION entries ([MS-FSCC] 2.4.16). */
    const uint8_t *ea_buffer;
    /** Bytes at ea_buffer. */
    size_t ea_buffer_len;
} rsvd_server_target_create_req;

/**
 * [MS-RSVD] 3.2.5.7. The reply (command RSVD_SMB2_CREATE) carries the
 * LocalOpen of the snapshot's open and no response context. An open of the
 * same snapshot of the same file that is already in the OpenTable is
 * answered with its own LocalOpen and shared: the host passes that
 * LocalOpen with both SMB2 opens, and each of them closes it once (the last
 * CLOSE closes the open). A version-1 server answers
 * STATUS_SVHDX_VERSION_MISMATCH (docs/decisions.md).
 * @return RSVD_OK, RSVD_E_INVAL (a NULL pointer, a struct_size not set by
 * RSVD_STRUCT_INIT) or RSVD_E_NOTSUP (a request from newer headers that
 * sets a member this library does not know).
 */
RSVD_API int rsvd_server_create_target(rsvd_server *srv,
                                       const rsvd_server_target_create_req *req, void *cookie);

/** [MS-RSVD] 3.2.5.2: CLOSE of the open @p local_open. The open leaves the
 * OpenTable at once; the backend close is issued when the last request in
 * flight on it has completed; every request in flight gets its own reply
 * before the CLOSE reply. @return RSVD_OK or RSVD_E_INVAL. */
RSVD_API int rsvd_server_close(rsvd_server *srv, uint64_t local_open, void *cookie);

/** A READ ([MS-RSVD] 3.2.5.3). */
typedef struct rsvd_server_read_req {
    /** The open's LocalOpen. */
    uint64_t local_open;
    /** Offset of the READ, bytes. */
    uint64_t offset;
    /** Length of the READ, bytes. */
    uint32_t length;
    /** Room for @p length bytes. */
    uint8_t *buf;
} rsvd_server_read_req;

/** @return RSVD_OK or RSVD_E_INVAL. */
RSVD_API int rsvd_server_read(rsvd_server *srv, const rsvd_server_read_req *req, void *cookie);

/** A WRITE ([MS-RSVD] 3.2.5.4). */
typedef struct rsvd_server_write_req {
    /** The open's LocalOpen. */
    uint64_t local_open;
    /** Offset of the WRITE, bytes. */
    uint64_t offset;
    /** Bytes to write. */
    uint32_t length;
    /** The data, @p length bytes. */
    const uint8_t *data;
} rsvd_server_write_req;

/** @return RSVD_OK or RSVD_E_INVAL. */
RSVD_API int rsvd_server_write(rsvd_server *srv, const rsvd_server_write_req *req,
                               void *cookie);

/**
 * Where the data of a tunnelled SCSI command that reads (Disposition
 * RSVD_SCSI_DATA_IN, [MS-RSVD] 3.2.5.5.5) lands in
 * rsvd_server_ioctl_req.output: after the 16-byte tunnel header and the
 * 36-byte SVHDX_TUNNEL_SCSI_RESPONSE ([MS-RSVD] 2.2.4.8), where the
 * response carries it. The virtual SCSI disk reads straight there
 * (rsvd_scsi_cmd.data_in): nothing is copied by the library. A host whose
 * disk does direct I/O lays its output out so that output +
 * RSVD_SERVER_SCSI_DATA_OFFSET is aligned as the disk needs - 4096 bytes
 * covers the built-in disk over O_DIRECT (rsvd/file_store.h) for every
 * sector size up to 4 KiB - and the data goes from the disk into it with
 * no copy; otherwise the built-in disk reads through its bounce buffer and
 * copies. An SMB2 server that builds its IOCTL response in one buffer
 * (header, response, output) starts the message so that this address
 * falls on a page (docs/performance.md).
 */
#define RSVD_SERVER_SCSI_DATA_OFFSET 52u

/** An IOCTL ([MS-RSVD] 3.2.4, 3.2.5.5, 3.2.5.6). */
typedef struct rsvd_server_ioctl_req {
    /** The open's LocalOpen. */
    uint64_t local_open;
    /** CtlCode of the IOCTL. */
    uint32_t ctl_code;
    /** The IOCTL's input buffer (for a tunnel operation: the tunnel header
     * and the operation's body). */
    const uint8_t *input;
    /** Bytes at input (InputCount). */
    uint32_t input_len;
    /** MaxOutputResponse; @p output has room for that many bytes. */
    uint32_t max_output;
    /** Room for the output, max_output bytes. The data a tunnelled SCSI
     * command reads lands at output + RSVD_SERVER_SCSI_DATA_OFFSET. */
    uint8_t *output;
} rsvd_server_ioctl_req;

/** @return RSVD_OK or RSVD_E_INVAL. */
RSVD_API int rsvd_server_ioctl(rsvd_server *srv, const rsvd_server_ioctl_req *req,
                               void *cookie);

/**
 * FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT as [MS-SMB2] 3.3.5.15.16 hands it
 * over: on any open of the share, RSVD open or not ([MS-RSVD] 3.2.5.6).
 */
typedef struct rsvd_server_query_support_req {
    /** The LocalOpen this server issued for the open, or 0 for an open that
     * is not an RSVD open. */
    uint64_t local_open;
    /** Open.FileName, UTF-16LE, with or without ":SharedVirtualDisk". */
    const uint8_t *file_name;
    /** Bytes at file_name. */
    size_t file_name_len;
    /** MaxOutputResponse; @p output has room for that many bytes. */
    uint32_t max_output;
    /** Room for the output, max_output bytes. */
    uint8_t *output;
} rsvd_server_query_support_req;

/** @return RSVD_OK or RSVD_E_INVAL. */
RSVD_API int rsvd_server_query_support(rsvd_server *srv,
                                       const rsvd_server_query_support_req *req, void *cookie);

/** A QUERY_INFO ([MS-RSVD] 3.2.5.8). */
typedef struct rsvd_server_query_info_req {
    /** The open's LocalOpen. */
    uint64_t local_open;
    /** InfoType; only RSVD_SMB2_0_INFO_FILE reaches a backend. */
    uint8_t info_type;
    /** FileInfoClass ([MS-FSCC] 2.4). */
    uint32_t info_class;
    /** OutputBufferLength; @p output has room for that many bytes. */
    uint32_t output_len;
    /** Room for the information, output_len bytes. */
    uint8_t *output;
} rsvd_server_query_info_req;

/** @return RSVD_OK or RSVD_E_INVAL. */
RSVD_API int rsvd_server_query_info(rsvd_server *srv, const rsvd_server_query_info_req *req,
                                    void *cookie);

/** A SET_INFO ([MS-RSVD] 3.2.5.9). */
typedef struct rsvd_server_set_info_req {
    /** The open's LocalOpen. */
    uint64_t local_open;
    /** InfoType; only RSVD_SMB2_0_INFO_FILE reaches a backend. */
    uint8_t info_type;
    /** FileInfoClass ([MS-FSCC] 2.4). */
    uint32_t info_class;
    /** The information to apply. */
    const uint8_t *input;
    /** Bytes at input (BufferLength). */
    uint32_t input_len;
} rsvd_server_set_info_req;

/** @return RSVD_OK or RSVD_E_INVAL. */
RSVD_API int rsvd_server_set_info(rsvd_server *srv, const rsvd_server_set_info_req *req,
                                  void *cookie);

/** A LOCK on an RSVD open: always STATUS_LOCK_NOT_GRANTED ([MS-RSVD] 3.2.4).
 * @return RSVD_OK or RSVD_E_INVAL. */
RSVD_API int rsvd_server_lock(rsvd_server *srv, uint64_t local_open, void *cookie);

/**
 * Time ([MS-RSVD] 3.2.2): the server's one timer is the CDP snapshot timer.
 * After SvhdxSnapshotStageBlockIO of a CDP snapshot completes, the client
 * has rsvd_server_config.cdp_timeout_ms to ask for
 * SvhdxSnapshotStageUnblockIO; when it fires the server abandons the
 * creation (the disk's abort_snapshot) and fails the creation's later
 * stages with STATUS_IO_TIMEOUT. The library reads no clock: the host calls
 * rsvd_server_next_expiry() after every call into the server (and after
 * every completion), and rsvd_server_handle_expiry() when that time has
 * come, on a monotonic clock of its choosing.
 *
 * @return the time at which rsvd_server_handle_expiry() has something to do
 * (a timer's deadline + 1 ms: the client may still ask at the deadline
 * itself), 0 when a timer was started since the last call and must be
 * given its deadline now (call rsvd_server_handle_expiry() at once), or
 * UINT64_MAX when no timer runs.
 */
RSVD_API uint64_t rsvd_server_next_expiry(const rsvd_server *srv);

/**
 * Gives the timers started since the last call their deadline (@p now_ms +
 * the timeout), and fires every timer whose deadline is earlier than
 * @p now_ms. Firing needs a backend call (the disk's abort_snapshot); when
 * the request pool is empty it is issued as soon as a request is free.
 * May be called from the reply callback, as the request functions may.
 * @return RSVD_OK (the number fired in *fired, which may be NULL) or
 * RSVD_E_INVAL (NULL server).
 */
RSVD_API int rsvd_server_handle_expiry(rsvd_server *srv, uint64_t now_ms, size_t *fired);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_SERVER_H */
