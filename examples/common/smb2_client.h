/*
 * Integrator template: the client side - what a host of a guest cluster
 * (a Hyper-V node, say) sends to the file server that holds its shared
 * virtual disk.
 *
 * One smb2_client is one host: its SMB2 client's
 * session with the file server and the opens it holds. Every request is
 * built as SMB2 bytes with librsvd's wire encoders (CREATE with the
 * SVHDX_OPEN_DEVICE_CONTEXT, READ, WRITE, the RSVD tunnel IOCTLs,
 * FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT, CLOSE) or by the resilient
 * client (rsvd_res_client: FSCTL_LMR_REQUEST_RESILIENCY, LOCK with its
 * LockSequence, the reconnect CREATE with the durable reconnect context),
 * and every response is decoded from the bytes that came back.
 *
 * The resilient client owns the connection's MessageIds and credits: the
 * host takes MessageIds for its own requests from it and reports the
 * credits their responses grant; responses to the library's own requests
 * go to rsvd_res_client_on_response(), which adds their credits itself.
 *
 * The host owns the connection: it connects, runs NEGOTIATE, SESSION_SETUP
 * and TREE_CONNECT, and then hands the connection over with
 * smb2_client_attach() and an smb2_transport. One request is in flight at a
 * time (each call waits for its answer); a client that pipelines matches
 * responses by MessageId instead.
 */
#ifndef EXAMPLES_SMB2_CLIENT_H
#define EXAMPLES_SMB2_CLIENT_H

#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>
#include <rsvd/wire_rsvd.h>

typedef struct smb2_client smb2_client;

/** How a client reaches the server: one connection at a time. */
typedef struct smb2_transport {
    /** Sends one SMB2 message. @return RSVD_OK, or an error when the
     * connection is down. */
    int (*send)(void *ctx, const uint8_t *msg, size_t len);
    /** Receives the next SMB2 message. @return RSVD_OK, or RSVD_E_AGAIN
     * when none will come (the connection is gone, or - in-process - none
     * has been sent). */
    int (*recv)(void *ctx, uint8_t *buf, size_t cap, size_t *len);
    /** The host's clock (ms). */
    uint64_t (*now_ms)(void *ctx);
    /** Passed to the three functions. */
    void *ctx;
} smb2_transport;

/** An open as the client keeps it. The caller owns it; it is the
 * open_user_data of the resilient client's open. */
typedef struct smb2_open {
    uint64_t res;             /**< the resilient client's handle (0: none) */
    rsvd_smb2_fileid file_id; /**< Open.FileId */
    bool shared_disk;         /**< opened as "<name>:SharedVirtualDisk" */
    bool lost;                /**< the resilient client gave it up */
    rsvd_res_lost_reason lost_reason;
    char name[64];            /**< the name opened */
    bool persistent;          /**< a persistent handle was granted (DH2Q response) */
    bool durable;             /**< a durable v2 handle was granted (persistent or not) */
    uint32_t durable_timeout_ms; /**< Open.DurableTimeout the server granted */
    rsvd_guid create_guid;    /**< Open.CreateGuid of its DH2Q */
} smb2_open;

/** What happened to a client without a request of its own. */
typedef struct smb2_client_event {
    /** An open the resilient client gave up (open_lost). */
    smb2_open *lost;
    /** Why. */
    rsvd_res_lost_reason reason;
    /** A request that will not be answered (request_failed). */
    bool request_failed;
} smb2_client_event;

/** Creates a host's client. @p name labels it ("A"); @p event (may be
 * NULL) is told about lost opens and failed requests. */
int smb2_client_new(const char *name, uint16_t dialect,
                    void (*event)(void *ctx, smb2_client *c, const smb2_client_event *ev),
                    void *event_ctx, smb2_client **out);
void smb2_client_free(smb2_client *c);
const char *smb2_client_name(const smb2_client *c);

/**
 * The host connected over @p t and did NEGOTIATE, SESSION_SETUP and
 * TREE_CONNECT itself, using MessageIds below @p next_message_id and
 * holding @p credits credits after them: the connection, session and tree
 * connect are registered with the resilient client.
 */
int smb2_client_attach(smb2_client *c, const smb2_transport *t, uint64_t next_message_id,
                       uint32_t credits, uint64_t session_id, uint32_t tree_id);

/** The connection is gone ([MS-SMB2] 3.2.7.1): durable and resilient opens
 * are kept, others lost. */
void smb2_client_detached(smb2_client *c);

/** Gives up resilient opens whose ResilientTimeout since the disconnect is
 * over. @return how many. */
size_t smb2_client_expire(smb2_client *c);

/** @return when smb2_client_expire() has work (UINT64_MAX: none). */
uint64_t smb2_client_next_expiry(const smb2_client *c);

/* ---- requests; each returns the SMB2 status of the response, or
 * STATUS_CONNECTION_DISCONNECTED when no response came. -------------------- */

/** MessageId of the last request sent. */
uint64_t smb2_client_last_message_id(const smb2_client *c);

/** The SVHDX context this client sends ([MS-RSVD] 2.2.4.12). */
typedef struct smb2_disk_open_args {
    /** NULL: HasInitiatorId FALSE. */
    const rsvd_guid *initiator_id;
    /** InitiatorHostName (ASCII, sent as UTF-16LE). */
    const char *host_name;
    /** NULL: no durable handle asked for. Otherwise the CreateGuid of a
     * DH2Q with SMB2_DHANDLE_FLAG_PERSISTENT, as a client asks on a
     * continuously available share ([MS-SMB2] 3.2.4.3.5). */
    const rsvd_guid *persistent_create_guid;
} smb2_disk_open_args;

/** CREATE "<name>:SharedVirtualDisk" with SVHDX_OPEN_DEVICE_CONTEXT (version
 * 1, SVHDX_ORIGINATOR_PVHDPARSER), as [MS-RSVD] 3.1.4.2 describes. On
 * success *echo is the decoded SVHDX_OPEN_DEVICE_CONTEXT_RESPONSE. */
uint32_t smb2_client_open_disk(smb2_client *c, const char *name, const smb2_disk_open_args *a,
                               smb2_open *o, rsvd_svhdx_open_device_context *echo);

/** As smb2_client_open_disk() with SVHDX_OPEN_DEVICE_CONTEXT_V2 (version 2,
 * [MS-RSVD] 2.2.4.32): *echo is the decoded V2 response, which carries the
 * disk's sizes and the server's version (2.2.4.33). */
uint32_t smb2_client_open_disk_v2(smb2_client *c, const char *name,
                                  const smb2_disk_open_args *a, smb2_open *o,
                                  rsvd_svhdx_open_device_context *echo);

/** CREATE "<name>:SharedVirtualDisk" of a VHD set at one snapshot: the
 * target specifier (namespace SnapshotId, @p snapshot_type, @p snapshot_id)
 * as the one EA of an SMB2_CREATE_EA_BUFFER, as [MS-RSVD] 3.1.4.24
 * describes. The open reads the snapshot's content. */
uint32_t smb2_client_open_snapshot(smb2_client *c, const char *name, uint32_t snapshot_type,
                                   const rsvd_guid *snapshot_id, smb2_open *o);

/** CREATE of a plain file (FILE_OPEN_IF). */
uint32_t smb2_client_open_file(smb2_client *c, const char *name, smb2_open *o);

/** CREATE of a plain file (FILE_OPEN_IF) with a durable v2 request
 * ([MS-SMB2] 3.2.4.3.5: DH2Q, Timeout 0, @p create_guid) and a batch oplock,
 * which the server's grant needs (3.3.5.9.10). o->durable says whether it
 * was granted; smb2_client_reconnect() reclaims it with DH2C. */
uint32_t smb2_client_open_file_durable(smb2_client *c, const char *name,
                                       const rsvd_guid *create_guid, smb2_open *o);

uint32_t smb2_client_write(smb2_client *c, smb2_open *o, uint64_t offset, const uint8_t *data,
                           uint32_t len, uint32_t *count);
uint32_t smb2_client_read(smb2_client *c, smb2_open *o, uint64_t offset, uint8_t *buf,
                          uint32_t len, uint32_t *got);

/** What an RSVD tunnel operation answered. */
typedef struct smb2_tunnel_result {
    /** The response's tunnel header (when the IOCTL succeeded). */
    rsvd_tunnel_hdr hdr;
    /** The RequestId this client sent. */
    uint64_t request_id;
    /** The body after the header, copied. */
    uint8_t body[1024];
    size_t body_len;
} smb2_tunnel_result;

/** FSCTL_SVHDX_SYNC_TUNNEL_REQUEST with operation @p opcode and @p body
 * ([MS-RSVD] 3.1.4.x). A response whose RequestId or OperationCode is not
 * the request's gives STATUS_INVALID_NETWORK_RESPONSE. */
uint32_t smb2_client_tunnel(smb2_client *c, smb2_open *o, uint32_t opcode, const uint8_t *body,
                            size_t body_len, uint32_t max_output, smb2_tunnel_result *res);

/** As smb2_client_tunnel() on FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, the FSCTL of
 * META_OPERATION_START ([MS-RSVD] 3.1.4.12 - 3.1.4.17): the server's interim
 * response (STATUS_PENDING, [MS-SMB2] 3.2.5.1.5) is waited through. */
uint32_t smb2_client_tunnel_async(smb2_client *c, smb2_open *o, uint32_t opcode,
                                  const uint8_t *body, size_t body_len, uint32_t max_output,
                                  smb2_tunnel_result *res);

/** A tunnelled SCSI command ([MS-RSVD] 3.1.4.9). */
typedef struct smb2_scsi_cmd {
    const uint8_t *cdb;        /**< the CDB */
    uint8_t cdb_len;           /**< its length */
    rsvd_scsi_direction dir;   /**< data out, data in or none */
    const uint8_t *data_out;   /**< data out */
    uint32_t data_out_len;     /**< its length */
    uint32_t data_in_len;      /**< data in expected */
} smb2_scsi_cmd;

/** What a tunnelled SCSI command answered. */
typedef struct smb2_scsi_result {
    smb2_tunnel_result t;               /**< the tunnel response */
    rsvd_svhdx_tunnel_scsi_response r;  /**< decoded when t.hdr.status is 0 (views into t.body) */
} smb2_scsi_result;

uint32_t smb2_client_scsi(smb2_client *c, smb2_open *o, const smb2_scsi_cmd *cmd,
                          smb2_scsi_result *res);

/** FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT ([MS-RSVD] 3.1.4.3). */
uint32_t smb2_client_query_support(smb2_client *c, smb2_open *o,
                                   rsvd_svhdx_shared_virtual_disk_support_response *out);

/** The application requests resiliency ([MS-SMB2] 3.2.4.20.8). */
uint32_t smb2_client_request_resiliency(smb2_client *c, smb2_open *o, uint32_t timeout_ms);

/** LOCK ([MS-SMB2] 3.2.4.19): with @p await false the request is sent and
 * its answer not waited for (RSVD_STATUS_PENDING is returned).
 * *lock_sequence receives the LockSequence sent. */
uint32_t smb2_client_lock(smb2_client *c, smb2_open *o, const rsvd_smb2_lock_element *e,
                          uint16_t n, bool await, uint32_t *lock_sequence);

/** Re-establishes a kept open on the current connection ([MS-SMB2]
 * 3.2.4.4: CREATE with SMB2_CREATE_DURABLE_HANDLE_RECONNECT, or _V2 for a
 * durable v2 open on 3.x - the resilient client chooses). */
uint32_t smb2_client_reconnect(smb2_client *c, smb2_open *o);

/** Reclaims a persistent open on the current connection ([MS-SMB2] 3.2.4.4
 * on 3.x: CREATE with SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2 - its FileId,
 * CreateGuid and PERSISTENT - and, for a shared virtual disk, no SVHDX
 * context: [MS-RSVD] 3.2.5.1's reconnect path). */
uint32_t smb2_client_reclaim_persistent(smb2_client *c, smb2_open *o);

/** Sends again the next LOCK that was in flight when the connection was
 * lost, with its LockSequence. @return its status, or
 * SMB2_CLIENT_NOTHING_TO_RESEND when nothing is left to re-send. */
uint32_t smb2_client_resend_lock(smb2_client *c, smb2_open *o, uint32_t *lock_sequence);

/** Nothing left to re-send (smb2_client_resend_lock()). */
#define SMB2_CLIENT_NOTHING_TO_RESEND 0xFFFFFFFFu

/** CLOSE; the resilient client forgets the open. */
uint32_t smb2_client_close(smb2_client *c, smb2_open *o);

/** The open's current state in the resilient client (false: unknown). */
bool smb2_client_open_info(const smb2_client *c, const smb2_open *o,
                           rsvd_res_client_open_info *out);

#endif /* EXAMPLES_SMB2_CLIENT_H */
