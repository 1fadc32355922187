/*
 * rsvd-demo: the client side - what a host of a guest cluster sends.
 *
 * One demo_client is one host (a Hyper-V node, say): its SMB2 client's
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
 */
#ifndef RSVD_DEMO_CLIENT_H
#define RSVD_DEMO_CLIENT_H

#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>
#include <rsvd/wire_rsvd.h>

typedef struct demo_client demo_client;

/** How a client reaches the server: one connection at a time. */
typedef struct demo_transport {
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
} demo_transport;

/** An open as the client keeps it. The caller owns it; it is the
 * open_user_data of the resilient client's open. */
typedef struct demo_copen {
    uint64_t res;             /**< the resilient client's handle (0: none) */
    rsvd_smb2_fileid file_id; /**< Open.FileId */
    bool shared_disk;         /**< opened as "<name>:SharedVirtualDisk" */
    bool lost;                /**< the resilient client gave it up */
    rsvd_res_lost_reason lost_reason;
    char name[64];            /**< the name opened */
} demo_copen;

/** What happened to a client without a request of its own. */
typedef struct demo_client_event {
    /** An open the resilient client gave up (open_lost). */
    demo_copen *lost;
    /** Why. */
    rsvd_res_lost_reason reason;
    /** A request that will not be answered (request_failed). */
    bool request_failed;
} demo_client_event;

/** Creates a host's client. @p name labels it ("A"); @p event (may be
 * NULL) is told about lost opens and failed requests. */
int demo_client_new(const char *name, uint16_t dialect,
                    void (*event)(void *ctx, demo_client *c, const demo_client_event *ev),
                    void *event_ctx, demo_client **out);
void demo_client_free(demo_client *c);
const char *demo_client_name(const demo_client *c);

/**
 * The host connected over @p t and did NEGOTIATE, SESSION_SETUP and
 * TREE_CONNECT itself, using MessageIds below @p next_message_id and
 * holding @p credits credits after them: the connection, session and tree
 * connect are registered with the resilient client.
 */
int demo_client_attach(demo_client *c, const demo_transport *t, uint64_t next_message_id,
                       uint32_t credits, uint64_t session_id, uint32_t tree_id);

/** The connection is gone ([MS-SMB2] 3.2.7.1): durable and resilient opens
 * are kept, others lost. */
void demo_client_detached(demo_client *c);

/** Gives up resilient opens whose ResilientTimeout since the disconnect is
 * over. @return how many. */
size_t demo_client_expire(demo_client *c);

/** @return when demo_client_expire() has work (UINT64_MAX: none). */
uint64_t demo_client_next_expiry(const demo_client *c);

/* ---- requests; each returns the SMB2 status of the response, or
 * STATUS_CONNECTION_DISCONNECTED when no response came. -------------------- */

/** MessageId of the last request sent. */
uint64_t demo_client_last_message_id(const demo_client *c);

/** The SVHDX context this client sends ([MS-RSVD] 2.2.4.12). */
typedef struct demo_disk_open_args {
    /** NULL: HasInitiatorId FALSE. */
    const rsvd_guid *initiator_id;
    /** InitiatorHostName (ASCII, sent as UTF-16LE). */
    const char *host_name;
} demo_disk_open_args;

/** CREATE "<name>:SharedVirtualDisk" with SVHDX_OPEN_DEVICE_CONTEXT (version
 * 1, SVHDX_ORIGINATOR_PVHDPARSER), as [MS-RSVD] 3.1.4.2 describes. On
 * success *echo is the decoded SVHDX_OPEN_DEVICE_CONTEXT_RESPONSE. */
uint32_t demo_client_open_disk(demo_client *c, const char *name, const demo_disk_open_args *a,
                               demo_copen *o, rsvd_svhdx_open_device_context *echo);

/** CREATE of a plain file (FILE_OPEN_IF). */
uint32_t demo_client_open_file(demo_client *c, const char *name, demo_copen *o);

uint32_t demo_client_write(demo_client *c, demo_copen *o, uint64_t offset, const uint8_t *data,
                           uint32_t len, uint32_t *count);
uint32_t demo_client_read(demo_client *c, demo_copen *o, uint64_t offset, uint8_t *buf,
                          uint32_t len, uint32_t *got);

/** What an RSVD tunnel operation answered. */
typedef struct demo_tunnel_result {
    /** The response's tunnel header (when the IOCTL succeeded). */
    rsvd_tunnel_hdr hdr;
    /** The RequestId this client sent. */
    uint64_t request_id;
    /** The body after the header, copied. */
    uint8_t body[1024];
    size_t body_len;
} demo_tunnel_result;

/** FSCTL_SVHDX_SYNC_TUNNEL_REQUEST with operation @p opcode and @p body
 * ([MS-RSVD] 3.1.4.x). A response whose RequestId or OperationCode is not
 * the request's gives STATUS_INVALID_NETWORK_RESPONSE. */
uint32_t demo_client_tunnel(demo_client *c, demo_copen *o, uint32_t opcode, const uint8_t *body,
                            size_t body_len, uint32_t max_output, demo_tunnel_result *res);

/** A tunnelled SCSI command ([MS-RSVD] 3.1.4.9). */
typedef struct demo_scsi {
    const uint8_t *cdb;        /**< the CDB */
    uint8_t cdb_len;           /**< its length */
    rsvd_scsi_direction dir;   /**< data out, data in or none */
    const uint8_t *data_out;   /**< data out */
    uint32_t data_out_len;     /**< its length */
    uint32_t data_in_len;      /**< data in expected */
} demo_scsi;

/** What a tunnelled SCSI command answered. */
typedef struct demo_scsi_result {
    demo_tunnel_result t;               /**< the tunnel response */
    rsvd_svhdx_tunnel_scsi_response r;  /**< decoded when t.hdr.status is 0 (views into t.body) */
} demo_scsi_result;

uint32_t demo_client_scsi(demo_client *c, demo_copen *o, const demo_scsi *cmd,
                          demo_scsi_result *res);

/** FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT ([MS-RSVD] 3.1.4.3). */
uint32_t demo_client_query_support(demo_client *c, demo_copen *o,
                                   rsvd_svhdx_shared_virtual_disk_support_response *out);

/** The application requests resiliency ([MS-SMB2] 3.2.4.20.8). */
uint32_t demo_client_request_resiliency(demo_client *c, demo_copen *o, uint32_t timeout_ms);

/** LOCK ([MS-SMB2] 3.2.4.19): with @p await false the request is sent and
 * its answer not waited for (RSVD_STATUS_PENDING is returned).
 * *lock_sequence receives the LockSequence sent. */
uint32_t demo_client_lock(demo_client *c, demo_copen *o, const rsvd_smb2_lock_element *e,
                          uint16_t n, bool await, uint32_t *lock_sequence);

/** Re-establishes a kept open on the current connection ([MS-SMB2]
 * 3.2.4.4: CREATE with SMB2_CREATE_DURABLE_HANDLE_RECONNECT). */
uint32_t demo_client_reconnect(demo_client *c, demo_copen *o);

/** Sends again the next LOCK that was in flight when the connection was
 * lost, with its LockSequence. @return its status, or
 * DEMO_NOTHING_TO_RESEND when nothing is left to re-send. */
uint32_t demo_client_resend_lock(demo_client *c, demo_copen *o, uint32_t *lock_sequence);

/** Nothing left to re-send (demo_client_resend_lock()). */
#define DEMO_NOTHING_TO_RESEND 0xFFFFFFFFu

/** CLOSE; the resilient client forgets the open. */
uint32_t demo_client_close(demo_client *c, demo_copen *o);

/** The open's current state in the resilient client (false: unknown). */
bool demo_client_open_info(const demo_client *c, const demo_copen *o,
                           rsvd_res_client_open_info *out);

#endif /* RSVD_DEMO_CLIENT_H */
