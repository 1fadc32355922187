/*
 * Internals of the resilient-handle client (include/rsvd/resilient_client.h).
 *
 * Ownership: the client owns every connection, channel, session, tree
 * connect, open and request; each is one allocation freed by the one
 * function that ends it.
 *
 *   conn 1--n channel n--1 session 1--n tree 1--n open (connected)
 *   conn 1--n request (in flight: Connection.OutstandingRequests)
 *   open 1--n request (LOCK / resiliency: in flight, or LOCKs kept for
 *                      re-sending while conn is NULL)
 *   open 0--1 request (the reconnect CREATE in flight: open->attempt)
 *   open 0--1 request (its own CREATE while CREATING, in open->requests)
 *   detached opens: on no tree; resilient, durable v2 and persistent ones
 *   queued in the deadline heap.
 *
 * A request kept for re-sending (a LOCK whose connection was lost, a
 * CREATE or IOCTL waiting for its replay) has conn NULL and stays in its
 * open's list; open->resend_pending counts them.
 *
 * The sequence window of a connection is always one range of MessageIds,
 * [next_id, end_id): ids are taken from the bottom (the lowest available,
 * 3.2.4.1.6) and granted credits add ids at the top (3.2.5.1.4), so the
 * available set never has holes.
 */
#ifndef RSVD_LIB_RESILIENT_CLIENT_INT_H
#define RSVD_LIB_RESILIENT_CLIENT_INT_H

#include <rsvd/resilient_client.h>
#include <rsvd/smb2.h>

#include "util/handle_table.h"
#include "util/heap.h"
#include "util/list.h"

typedef struct cli_conn cli_conn;
typedef struct cli_channel cli_channel;
typedef struct cli_session cli_session;
typedef struct cli_tree cli_tree;
typedef struct cli_open cli_open;
typedef struct cli_req cli_req;

struct cli_conn {
    uint64_t handle;
    uint16_t dialect;
    bool multi_credit, multi_channel, persistent_handles;
    uint64_t next_id, end_id; /* Connection.SequenceWindow = [next_id, end_id) */
    uint32_t outstanding;     /* requests of the library in flight */
    uint64_t charged;         /* MessageIds (credits) those requests consumed */
    rsvd_list requests;       /* cli_req.conn_node */
    rsvd_list channels;       /* cli_channel.conn_node */
};

struct cli_channel {
    cli_conn *conn;
    cli_session *sess;
    rsvd_list conn_node, sess_node;
};

struct cli_session {
    uint64_t handle;
    uint64_t session_id;
    uint16_t dialect;
    uint16_t channel_sequence; /* Session.ChannelSequence (3.x) */
    rsvd_list channels;        /* Session.ChannelList */
    uint32_t n_channels;
    rsvd_list trees;           /* cli_tree.sess_node */
};

struct cli_tree {
    uint64_t handle;
    uint32_t tree_id;
    bool is_ca;           /* TreeConnect.IsCAShare (3.x, SHARE_CAP_CONTINUOUS_AVAILABILITY) */
    cli_session *sess;
    rsvd_list sess_node;
    rsvd_list opens;      /* cli_open.tree_node */
    uint32_t n_targets;   /* reconnect attempts in flight aiming here */
};

/* Open.OperationBuckets entry: bit 4 set = taken (Free FALSE), bits 0-3
 * SequenceNumber. All zero = Free, SequenceNumber 0 (3.2.5.7). */
#define CLI_BUCKET_TAKEN 0x10u
#define CLI_BUCKETS 64u

typedef enum cli_open_state {
    CLI_OPEN_CONNECTED = RSVD_RES_CLIENT_OPEN_CONNECTED,
    CLI_OPEN_DETACHED = RSVD_RES_CLIENT_OPEN_DETACHED,
    CLI_OPEN_CREATING = RSVD_RES_CLIENT_OPEN_CREATING
} cli_open_state;

/* Replays of one request at most ([MS-SMB2] <193>, <194>, <195>, <201>:
 * Windows replays up to 3 times). */
#define CLI_MAX_REPLAYS 3u

struct cli_open {
    uint64_t handle;
    rsvd_smb2_fileid file_id; /* Open.FileId */
    cli_tree *tree;           /* Open.TreeConnect; NULL while detached (the
                                 target tree while CREATING) */
    rsvd_list tree_node;
    /* What 3.2.4.4 rebuilds the CREATE from. */
    uint8_t *name;
    size_t name_len;
    uint32_t desired_access, file_attributes, share_access, create_disposition, create_options;
    cli_open_state state;
    uint32_t resilient_timeout_ms; /* Open.ResilientTimeout */
    uint32_t durable_timeout_ms;   /* Open.DurableTimeout */
    rsvd_res_lost_reason timed_reason; /* what passing the deadline gives the open up for */
    uint32_t resend_pending;       /* LOCK requests waiting to be re-sent */
    /* The small members together: no padding between them (an open's size
     * is in the benchmark's budget). */
    uint8_t oplock_level;
    bool durable;                  /* Open.Durable */
    bool resilient_handle;         /* Open.ResilientHandle */
    bool durable_v2;               /* granted through DH2Q: reconnects with DH2C */
    bool persistent;               /* Open.IsPersistent */
    bool timed;                    /* detached with a deadline */
    uint64_t last_disconnect_ms;   /* Open.LastDisconnectTime */
    rsvd_guid create_guid;         /* Open.CreateGuid (zero: none) */
    uint64_t deadline_ms;          /* disconnect + ResilientTimeout or DurableTimeout */
    rsvd_heap_node deadline;       /* queued while detached, timed, not yet due */
    cli_req *attempt;              /* reconnect CREATE in flight */
    uint8_t buckets[CLI_BUCKETS];  /* index i at [i - 1] */
    rsvd_list requests;            /* cli_req.open_node */
    void *user_data;
};

struct cli_req {
    rsvd_res_req_kind kind;
    cli_conn *conn;   /* NULL while kept for re-sending */
    cli_open *open;
    uint64_t message_id;
    uint16_t consumed; /* MessageIds (credits) it took */
    void *user_data;
    rsvd_list conn_node, open_node;
    /* LOCK */
    uint32_t lock_sequence;
    uint32_t bucket; /* 1..64, or 0: no bucket */
    uint16_t lock_count;
    uint8_t *locks;  /* lock_count encoded SMB2_LOCK_ELEMENTs */
    /* RECONNECT */
    uint64_t target_tree;
    /* CREATE: Request.Message, for its replays; its durable context */
    uint8_t *msg;
    size_t msg_len;
    bool dhnq, dh2q;
    /* RESILIENCY: the application's time-out, for its replays */
    uint32_t timeout_ms;
    /* Replays sent (CREATE, RESILIENCY; CLI_MAX_REPLAYS at most) */
    uint32_t replays;
};

struct rsvd_res_client {
    const rsvd_mem *mem;
    rsvd_res_client_config cfg;
    rsvd_res_client_callbacks cb;
    void *user_data;
    rsvd_handle_table conns, sessions, trees, opens;
    rsvd_heap deadlines;
    unsigned in_callback;
};

/* ---- client.c ---------------------------------------------------------- */

static inline bool cli_dialect_is_3x(uint16_t d)
{
    return d >= RSVD_SMB2_DIALECT_300;
}

/* 3.2.4.1.7: the connection to send an open's request on, or NULL. */
cli_conn *cli_select_conn(const cli_session *ss);

/* CreditCharge of a request with the given payload sizes (3.2.4.1.5,
 * 3.1.5.2): with multi-credit the formula, else 0. */
uint16_t cli_credit_charge(const cli_conn *c, uint64_t send_size, uint64_t recv_size);

/* MessageIds a request with this CreditCharge consumes (at least one). */
static inline uint16_t cli_consumed(uint16_t charge)
{
    return charge ? charge : 1;
}

/* Can @p n MessageIds be taken (and the request be in flight)? */
int cli_window_check(const rsvd_res_client *cli, const cli_conn *c, uint16_t n);

/* CreditRequest for a request consuming @p n ids (3.2.4.1.2). */
uint16_t cli_credit_request(const rsvd_res_client *cli, const cli_conn *c, uint16_t n);

/* Takes @p n ids (checked before) and puts @p r in flight on @p c. */
void cli_req_send(cli_conn *c, cli_req *r, uint16_t n);

/* Takes @p r out of flight (its ids stay used). */
void cli_req_unsend(cli_req *r);

/* Takes @p r out of flight and keeps it in its open's list for re-sending
 * (rsvd_res_client_resend_next). */
void cli_req_keep(cli_req *r);

/* Allocates a request of @p kind for @p o (not linked anywhere). */
cli_req *cli_req_new(rsvd_res_client *cli, rsvd_res_req_kind kind, cli_open *o,
                     void *user_data);

/* Unlinks and frees a request. */
void cli_req_free(rsvd_res_client *cli, cli_req *r);

/* request_failed with STATUS_CONNECTION_DISCONNECTED, then frees it. */
void cli_req_fail(rsvd_res_client *cli, cli_req *r);

/* Fills the parts of a completion every kind shares. */
void cli_done_init(const cli_req *r, rsvd_res_client_done *done);

/* Adds CreditResponse to the window (3.2.5.1.4). */
void cli_window_grant(cli_conn *c, uint16_t credits);

/* DETACHED -> CONNECTED on @p t with a new FileId (3.2.5.8). */
void cli_open_reattach(rsvd_res_client *cli, cli_open *o, cli_tree *t,
                       const rsvd_smb2_fileid *fid);

/* The reconnect attempt of a detached open ended without success. */
void cli_attempt_failed(rsvd_res_client *cli, cli_open *o, uint64_t now_ms);

/* A CREATING open whose CREATE ended without an open: its other requests
 * fail, it is freed without open_lost. */
void cli_open_abandon(rsvd_res_client *cli, cli_open *o);

/* Does the open use the lock-sequence buckets on @p c (3.2.4.19)? */
bool cli_uses_buckets(const cli_open *o, const cli_conn *c);

/* May a request on @p c that has been replayed @p replays times be
 * replayed for a status the server answered (3.2.5.7, 3.2.5.14: 3.x and
 * the server has persistent handles or multi-channel; CLI_MAX_REPLAYS)? */
bool cli_replay_allowed(const cli_conn *c, uint32_t replays);

/* Rewrites the header of the @p len bytes at @p msg for sending on @p c in
 * session @p ss: MessageId @p message_id, CreditCharge, CreditRequest,
 * ChannelSequence (3.2.4.1); with @p replay SMB2_FLAGS_REPLAY_OPERATION,
 * SIGNED and the Signature cleared. @return RSVD_OK or a wire error. */
int cli_hdr_restamp(uint8_t *msg, size_t len, const cli_conn *c, const cli_session *ss,
                    uint64_t message_id, uint16_t charge, uint16_t credit_request, bool replay);

/* The ChannelSequence of a request of session @p ss on @p c (3.2.4.1). */
uint16_t cli_channel_sequence(const cli_conn *c, const cli_session *ss);

/* Releases the bucket of a finished LOCK (3.2.5.13). */
void cli_bucket_release(cli_open *o, uint32_t index);

/* Header of a request of the library on connection @p c for tree @p t. */
void cli_hdr_init(rsvd_smb2_hdr *h, const cli_conn *c, const cli_tree *t, uint16_t charge,
                  uint16_t credit_request, uint64_t message_id);

/* The body of a message after its 64-byte header (a view, or NULL/0). */
void cli_body(const uint8_t *msg, size_t len, const uint8_t **body, size_t *body_len);

/* ---- client_lock.c ------------------------------------------------------- */

/* Builds a LOCK request for r (its elements, sequence, the open's FileId);
 * with @p replay SMB2_FLAGS_REPLAY_OPERATION. */
int cli_lock_build(rsvd_res_client *cli, cli_req *r, cli_conn *c, uint64_t message_id,
                   uint16_t charge, uint16_t credit_request, bool replay, uint8_t *buf,
                   size_t cap, size_t *len);

/* Applies a LOCK response to its request (3.2.5.13). */
uint32_t cli_lock_response(rsvd_res_client *cli, cli_req *r, const rsvd_smb2_hdr *h,
                           const uint8_t *msg, size_t len);

/* ---- client_create.c ------------------------------------------------------ */

/* Applies the response to a CREATE of rsvd_res_client_create() (3.2.5.7,
 * 3.2.5.7.1, 3.2.5.7.6). *keep: the request is kept for a replay. */
uint32_t cli_create_response(rsvd_res_client *cli, cli_req *r, const rsvd_smb2_hdr *h,
                             const uint8_t *msg, size_t len, bool *keep);

/* Builds the replay of a kept CREATE into @p buf. */
int cli_create_build_replay(const cli_req *r, const cli_conn *c, const cli_session *ss,
                            uint64_t message_id, uint16_t charge, uint16_t credit_request,
                            uint8_t *buf, size_t cap, size_t *len);

/* ---- client_reconnect.c -------------------------------------------------- */

/* Applies the response to a reconnect CREATE (3.2.5.8). */
uint32_t cli_reconnect_response(rsvd_res_client *cli, cli_req *r, const rsvd_smb2_hdr *h,
                                const uint8_t *msg, size_t len, uint64_t now_ms);

/* ---- client_request.c --------------------------------------------------- */

/* An error response's body must be an SMB2 ERROR response. */
bool cli_error_body_ok(const uint8_t *msg, size_t len);

/* Builds the IOCTL of 3.2.4.20.8 for request @p r (its open's FileId and
 * tree, r->timeout_ms); with @p replay SMB2_FLAGS_REPLAY_OPERATION. */
int cli_resiliency_build(const rsvd_res_client *cli, const cli_req *r, const cli_conn *c,
                         uint64_t message_id, uint16_t charge, uint16_t credit_request,
                         bool replay, uint8_t *buf, size_t cap, size_t *len);

#endif /* RSVD_LIB_RESILIENT_CLIENT_INT_H */
