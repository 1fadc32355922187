/*
 * Internals of the resilient-handle server (include/rsvd/resilient_server.h).
 *
 * Objects and ownership: the server owns every connection, channel, session,
 * tree connect and open; each is one allocation, freed by the one function
 * that ends it. Links are intrusive lists (lib/util/list.h); ids are handle
 * tables (lib/util/handle_table.h), so a stale id never finds a later object.
 *
 *   conn 1--n channel n--1 session 1--n tree 1--n open (attached)
 *                          session 1--n open (attached: Session.OpenTable)
 *   detached opens: in no list, queued in the deadline heap.
 *
 * Open FileIds: FileId.Persistent is the open's handle in `persistent`
 * (Open.DurableFileId, unique in GlobalOpenTable); FileId.Volatile its handle
 * in `volatile_ids` while attached (Open.FileId: unique in the server, hence
 * in the session). Both lookups are O(1).
 */
#ifndef RSVD_LIB_RESILIENT_SERVER_INT_H
#define RSVD_LIB_RESILIENT_SERVER_INT_H

#include <rsvd/resilient_server.h>
#include <rsvd/smb2.h>
#include <rsvd/wire_smb2.h> /* res_req_begin() decodes the header */

#include "util/handle_table.h"
#include "util/heap.h"
#include "util/list.h"

typedef struct res_conn res_conn;
typedef struct res_channel res_channel;
typedef struct res_session res_session;
typedef struct res_tree res_tree;
typedef struct res_open res_open;

struct res_conn {
    uint64_t handle;
    uint16_t dialect;           /* Connection.Dialect */
    bool multi_credit;          /* Connection.SupportsMultiCredit */
    uint32_t max_transact_size; /* Connection.MaxTransactSize, 0: unchecked */
    rsvd_list channels;         /* res_channel.conn_node: Connection.SessionTable */
};

/* A session bound to a connection (Session.ChannelList entry). */
struct res_channel {
    res_conn *conn;
    res_session *sess;
    rsvd_list conn_node, sess_node;
};

struct res_session {
    uint64_t handle;
    uint64_t session_id;
    uint8_t user[RSVD_RES_USER_MAX]; /* the user of Session.SecurityContext */
    size_t user_len;
    uint16_t dialect; /* of the connection it was set up on */
    rsvd_list channels; /* res_channel.sess_node */
    uint32_t n_channels;
    rsvd_list trees;    /* res_tree.sess_node */
    rsvd_list opens;    /* res_open.sess_node: Session.OpenTable */
    uint32_t n_opens;
};

struct res_tree {
    uint64_t handle;
    uint32_t tree_id;
    res_session *sess;
    rsvd_list sess_node;
    rsvd_list opens; /* res_open.tree_node */
};

typedef enum res_open_state {
    RES_OPEN_ATTACHED = RSVD_RES_OPEN_ATTACHED,
    RES_OPEN_DETACHED = RSVD_RES_OPEN_DETACHED,
    RES_OPEN_CLOSED = 3 /* unreachable, about to be freed */
} res_open_state;

/* LockSequenceArray entry: bit 4 Valid, bits 0-3 SequenceNumber. */
#define RES_LOCK_SEQ_VALID 0x10u

struct res_open {
    res_open_state state;
    uint64_t persistent_id; /* Open.DurableFileId */
    uint64_t volatile_id;   /* Open.FileId; 0 while detached */
    uint16_t dialect;       /* Open.Connection.Dialect */
    res_session *sess;      /* Open.Session, NULL while detached */
    res_tree *tree;         /* Open.TreeConnect, NULL while detached */
    rsvd_list sess_node, tree_node;
    bool is_resilient;               /* Open.IsResilient */
    bool leased;                     /* Open.Lease != NULL (the host's lease) */
    uint32_t resiliency_timeout_ms;  /* Open.ResiliencyTimeout */
    rsvd_heap_node deadline;         /* Open.ResilientOpenTimeout: queued iff detached */
    uint8_t owner[RSVD_RES_USER_MAX]; /* Open.DurableOwner */
    size_t owner_len;                 /* 0: no DurableOwner */
    uint8_t lock_seq[RSVD_SMB2_LOCK_SEQUENCE_INDEX_MAX]; /* index i at [i - 1] */
    void *user_data;
};

struct rsvd_res_server {
    const rsvd_mem *mem;
    rsvd_res_server_config cfg; /* defaults filled in */
    rsvd_res_server_callbacks cb;
    void *user_data;
    rsvd_handle_table conns, sessions, trees;
    rsvd_handle_table persistent;   /* GlobalOpenTable by DurableFileId */
    rsvd_handle_table volatile_ids; /* attached opens by FileId */
    rsvd_heap deadlines;            /* detached opens by ResilientOpenTimeout */
    uint32_t n_detached;
    unsigned in_callback; /* > 0 while close_open runs */
    /* Counters for tests and benchmarks (not part of the API). */
    uint64_t heap_ops; /* pushes + removals on `deadlines` */
};

/* ---- server.c: objects and their transitions ----------------------------- */

/* Resolves and checks a request context; see rsvd_res_server_ioctl(). */
int res_ctx_resolve(const rsvd_res_server *s, const rsvd_res_server_ctx *ctx, res_conn **conn,
                    res_session **sess, res_tree **tree);

/* A request message an entry point takes, as res_req_begin() accepted it. */
typedef struct res_req {
    rsvd_smb2_hdr hdr;
    res_conn *conn;
    res_session *sess;
    res_tree *tree;
} res_req;

/*
 * The opening of every entry point that takes a request message
 * (rsvd_res_server_ioctl, _lock_begin, _reconnect), in this order: refused
 * while close_open runs (RSVD_E_BUSY); the header decoded (its error); a
 * message of another command, or one the entry point leaves to the host
 * (leave_to_host: another CtlCode), RSVD_E_WIRE_COMMAND; then ctx resolved
 * (res_ctx_resolve()) and the header's SessionId and TreeId checked against
 * it (RSVD_E_INVAL), unless it is a related compounded request, whose ids
 * are inherited. Inline: the LOCK path is hot (docs/performance.md).
 */
static inline int res_req_begin(const rsvd_res_server *s, const rsvd_res_server_ctx *ctx,
                                const uint8_t *msg, size_t len, uint16_t command,
                                bool leave_to_host, res_req *out)
{
    if (s->in_callback)
        return RSVD_E_BUSY;
    int rc = rsvd_smb2_hdr_decode(msg, len, &out->hdr);
    if (rc != RSVD_OK)
        return rc;
    if (out->hdr.command != command || leave_to_host)
        return RSVD_E_WIRE_COMMAND;
    rc = res_ctx_resolve(s, ctx, &out->conn, &out->sess, &out->tree);
    if (rc != RSVD_OK)
        return rc;
    const rsvd_smb2_hdr *h = &out->hdr;
    if (h->flags & RSVD_SMB2_FLAGS_RELATED_OPERATIONS)
        return RSVD_OK; /* ids inherited from the previous operation */
    if (h->session_id != out->sess->session_id)
        return RSVD_E_INVAL;
    if (!(h->flags & RSVD_SMB2_FLAGS_ASYNC_COMMAND) && h->tree_id != out->tree->tree_id)
        return RSVD_E_INVAL;
    return RSVD_OK;
}

/* The FileId a request names, with the related-compound substitution. */
rsvd_smb2_fileid res_ctx_file_id(const rsvd_res_server_ctx *ctx, const rsvd_smb2_hdr *h,
                                 const rsvd_smb2_fileid *in_msg);

/* Session.OpenTable lookup by FileId ([MS-SMB2] 3.3.5.15, 3.3.5.14): the
 * attached open of sess and tree with this FileId, or NULL. */
res_open *res_open_find(const rsvd_res_server *s, const res_session *sess, const res_tree *tree,
                        const rsvd_smb2_fileid *fid);

/* The open with this DurableFileId (GlobalOpenTable), attached or detached. */
res_open *res_open_by_persistent(const rsvd_res_server *s, uint64_t persistent_id);

/* DETACHED -> ATTACHED on (sess, tree): new volatile FileId, deadline
 * dropped. Returns RSVD_OK, RSVD_E_LIMIT or RSVD_E_NOMEM (unchanged then). */
int res_open_reattach(rsvd_res_server *s, res_open *o, res_session *sess, res_tree *tree);

/* Any state -> CLOSED, then freed; notify: call close_open with reason. */
void res_open_close(rsvd_res_server *s, res_open *o, rsvd_res_close_reason reason, bool notify);

/* True while the open's deadline has passed ([MS-SMB2] 3.3.6.4: "earlier
 * than the current time"). */
bool res_open_expired(const res_open *o, uint64_t now_ms);

/* Users compare as byte strings. */
bool res_user_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/* Builds the 3.3.4.4 error response for request header h. */
int res_error_response(const rsvd_smb2_hdr *h, uint32_t status, uint16_t credits, uint8_t *rsp,
                       size_t cap, size_t *rsp_len);

/* Checks every structural invariant (tests, fuzzing): returns NULL if they
 * hold, otherwise a description of the first one broken. */
const char *res_server_check_invariants(const rsvd_res_server *s);

/* The server's counter of deadline-heap operations. */
uint64_t res_server_heap_ops(const rsvd_res_server *s);

static inline bool res_dialect_is_3x(uint16_t d)
{
    return d >= RSVD_SMB2_DIALECT_300;
}

#endif /* RSVD_LIB_RESILIENT_SERVER_INT_H */
