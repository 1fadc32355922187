/*
 * Internals of the open-preservation server (include/rsvd/resilient_server.h).
 *
 * Objects and ownership: the server owns every connection, channel, session,
 * tree connect, share, open and quota counter; each is one allocation, freed
 * by the one function that ends it. Links are intrusive lists
 * (lib/util/list.h); ids are handle tables (lib/util/handle_table.h), so a
 * stale id never finds a later object; the indexes of identifiers a client
 * chooses are keyed hash tables (lib/util/hash.h, SipHash).
 *
 *   conn 1--n channel n--1 session 1--n tree 1--n open (attached)
 *                          session 1--n open (attached: Session.OpenTable)
 *   share 1--n tree, share 1--n open (an open keeps its share while detached)
 *   detached opens: in no session list, queued in the deadline heap, counted
 *   by their client's and their user's quota counter.
 *
 * Open FileIds: FileId.Persistent is the open's handle in `persistent`
 * (Open.DurableFileId, unique in GlobalOpenTable); FileId.Volatile its handle
 * in `volatile_ids` while on a session (Open.FileId: unique in the server,
 * hence in the session). Both lookups are O(1).
 *
 * Files: server.c (instance, registration, lookups, inspection, invariants),
 * server_open.c (the state machine of an open: one function per transition,
 * the preservation predicates, quotas, the scavenger), server_events.c
 * (connection loss, LOGOFF, PreviousSessionId, TREE_DISCONNECT, session
 * close, CLOSE, the host's oplock/lease reports and durability events),
 * server_create.c (CREATE: contexts, collision, replay, application
 * instance, grant), server_reconnect.c (DHnC, DH2C), server_channel.c
 * (the channel sequence), server_ioctl.c (resiliency), server_lock.c (LOCK
 * sequence), server_store.c (records, restore), server_index.c (the keyed
 * indexes and quota counters).
 */
#ifndef RSVD_LIB_RESILIENT_SERVER_INT_H
#define RSVD_LIB_RESILIENT_SERVER_INT_H

#include <string.h>

#include <rsvd/resilient_server.h>
#include <rsvd/smb2.h>
#include <rsvd/wire_smb2.h> /* res_req_begin() decodes the header */

#include "util/handle_table.h"
#include "util/hash.h"
#include "util/heap.h"
#include "util/list.h"

typedef struct res_conn res_conn;
typedef struct res_channel res_channel;
typedef struct res_session res_session;
typedef struct res_share res_share;
typedef struct res_tree res_tree;
typedef struct res_open res_open;
typedef struct res_counter res_counter;

struct res_conn {
    uint64_t handle;
    uint16_t dialect;           /* Connection.Dialect */
    bool multi_credit;          /* Connection.SupportsMultiCredit */
    uint32_t max_transact_size; /* Connection.MaxTransactSize, 0: unchecked */
    rsvd_guid client_guid;      /* Connection.ClientGuid */
    uint32_t server_caps;       /* Connection.ServerCapabilities */
    res_counter *client_q;      /* its ClientGuid's quota counter */
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
    res_counter *user_q; /* its user's quota counter */
    rsvd_list channels; /* res_channel.sess_node */
    uint32_t n_channels;
    rsvd_list trees;    /* res_tree.sess_node */
    rsvd_list opens;    /* res_open.sess_node: Session.OpenTable */
    uint32_t n_opens;
};

/* A share's identity as the host named it (TreeConnect.Share), shared by
 * its tree connects and opens. */
struct res_share {
    rsvd_hash_node node; /* in s->shares */
    uint32_t refs;       /* trees and opens that name it */
    size_t len;
    uint8_t id[];        /* len bytes */
};

struct res_tree {
    uint64_t handle;
    uint32_t tree_id;
    uint32_t flags;         /* RSVD_RES_TREE_*: Share.IsCA */
    uint32_t share_type;    /* Share.Type */
    uint32_t ca_timeout_ms; /* Share.CATimeout */
    res_share *share;       /* TreeConnect.Share */
    res_session *sess;
    rsvd_list sess_node;
    rsvd_list opens; /* res_open.tree_node */
};

/* A quota counter: the detached opens of one client (ClientGuid) or one user
 * (DurableOwner). Held by the connections (clients) or sessions (users)
 * and the opens that name it, from their registration on, so that a
 * disconnection only counts and never allocates. */
struct res_counter {
    rsvd_hash_node node; /* in s->clients or s->users */
    rsvd_list all_node;  /* s->client_list (clients only: eviction) */
    rsvd_list opens;     /* res_open.client_node, oldest first (clients only) */
    uint32_t refs;       /* connections, sessions and opens holding it */
    uint32_t detached;
    size_t len;
    uint8_t key[RSVD_RES_USER_MAX];
};

typedef enum res_open_state {
    RES_OPEN_ATTACHED = RSVD_RES_OPEN_ATTACHED,
    RES_OPEN_DETACHED = RSVD_RES_OPEN_DETACHED,
    RES_OPEN_RECLAIMED = RSVD_RES_OPEN_RECLAIMED,
    RES_OPEN_CLOSED = 4 /* unreachable, about to be freed */
} res_open_state;

/* LockSequenceArray entry: bit 4 Valid, bits 0-3 SequenceNumber. */
#define RES_LOCK_SEQ_VALID 0x10u

/* Open.Lease as far as the library knows it. */
typedef enum res_lease_kind {
    RES_LEASE_NONE = 0,    /* Open.Lease == NULL */
    RES_LEASE_UNKNOWN = 1, /* a lease the host keeps (open_add RSVD_RES_OPEN_LEASED): no key */
    RES_LEASE_V1 = 2,      /* granted for an RqLs v1: key known */
    RES_LEASE_V2 = 3       /* granted for an RqLs v2: key known */
} res_lease_kind;

/* Where a reclaimed open came from, to put it back if the host fails it. */
typedef enum res_reclaim_from {
    RES_FROM_DETACHED = 1, /* rebound from DETACHED: its deadline kept in deadline.key */
    RES_FROM_ATTACHED = 2  /* a replay answered on its own session: nothing to undo */
} res_reclaim_from;

/* Packed without holes, what a close reads first (the scavenger closes a
 * million of them in an order that is no order in memory): 400 bytes. */
struct res_open {
    res_open_state state;
    uint32_t server_caps;   /* Open.Connection.ServerCapabilities */
    uint64_t persistent_id; /* Open.DurableFileId */
    uint64_t volatile_id;   /* Open.FileId; 0 while detached */
    res_session *sess;      /* Open.Session, NULL while detached */
    res_tree *tree;         /* Open.TreeConnect, NULL while detached */
    res_share *share;       /* TreeConnect.Share of the open, kept while detached */
    res_counter *client_q;  /* Open.ClientGuid's counter (a reference): its key is
                             * Open.ClientGuid (res_open_client_guid) */
    res_counter *user_q;    /* Open.DurableOwner's counter (a reference), or NULL:
                             * its key is Open.DurableOwner (res_open_owned_by) */
    void *user_data;
    rsvd_heap_node deadline;        /* Open.ResilientOpenTimeout / DurableOpenScavengerTimeout:
                                     * queued iff detached */
    uint64_t deadline_wall;         /* the same deadline on the wall clock (a store's records) */
    rsvd_list sess_node, tree_node;
    rsvd_list client_node;     /* its client counter's opens, while counted */
    rsvd_list batch_node;      /* s->batch, while in_batch */
    /* Indexes. */
    rsvd_hash_node guid_node;  /* s->by_create_guid, while create_guid is set */
    rsvd_hash_node app_node;   /* s->by_app_id, while has_app_id */
    rsvd_hash_node file_node;  /* s->by_file, while is_persistent (res_open_set_durable) */
    /* Open.FileName (the CREATE's name, UTF-16LE) and the host's file
     * identity: one allocation each, NULL when unknown. */
    uint8_t *name;
    uint8_t *file_key;
    uint32_t name_len, file_key_len;
    uint16_t dialect;          /* Open.Connection.Dialect */
    uint16_t channel_sequence; /* Open.ChannelSequence */
    /* What the open is. */
    bool is_resilient;      /* Open.IsResilient */
    bool is_durable;        /* Open.IsDurable */
    bool is_persistent;     /* Open.IsPersistent */
    bool is_replay_eligible; /* Open.IsReplayEligible */
    bool shared_vhdx;       /* Open.IsSharedVHDX */
    bool is_directory;      /* the object is a directory */
    bool share_ca;          /* Open.TreeConnect.Share.IsCA when opened */
    bool has_app_id;        /* Open.AppInstanceId set */
    bool has_app_version;   /* Open.ApplicationInstanceVersion set ("not empty") */
    bool breaking;          /* OplockState Breaking */
    bool stored;            /* a record of it may be in the store */
    bool in_batch;          /* its detach record waits in s->batch */
    bool counted;           /* counted as detached by its quota counters */
    uint8_t oplock_level;   /* Open.OplockLevel (the host's report) */
    uint8_t lease_kind;     /* res_lease_kind */
    uint8_t reclaim_from;   /* res_reclaim_from while RECLAIMED */
    uint32_t lease_state;   /* Lease.LeaseState (the host's report) */
    rsvd_guid lease_key;    /* Lease.LeaseKey (RES_LEASE_V1, _V2) */
    uint32_t resiliency_timeout_ms; /* Open.ResiliencyTimeout */
    uint32_t durable_timeout_ms;    /* Open.DurableOpenTimeout */
    rsvd_guid create_guid;            /* Open.CreateGuid; zero: NULL */
    rsvd_guid app_id;                 /* Open.AppInstanceId */
    uint64_t app_version_high, app_version_low;
    uint32_t granted_access, desired_access, share_access, create_options;
    uint32_t create_action;           /* of the CREATE that made it (replays) */
    uint32_t outstanding;             /* Open.OutstandingRequestCount */
    uint32_t outstanding_pre;         /* Open.OutstandingPreRequestCount */
    uint32_t epoch;                   /* attachments so far: counts of older ones are void */
    /* LockSequenceArray, packed (res_lock_seq_get/_set): entry i's Valid
     * is bit i - 1 of lock_valid, its SequenceNumber the nibble i - 1 of
     * lock_num - 40 bytes instead of 64. */
    uint64_t lock_valid;
    uint8_t lock_num[RSVD_SMB2_LOCK_SEQUENCE_INDEX_MAX / 2];
};

struct rsvd_res_server {
    const rsvd_mem *mem;
    rsvd_res_server_config cfg; /* defaults filled in */
    rsvd_res_server_callbacks cb;
    void *user_data;
    rsvd_handle_table conns, sessions, trees;
    rsvd_handle_table persistent;   /* GlobalOpenTable by DurableFileId */
    rsvd_handle_table volatile_ids; /* attached opens by FileId */
    rsvd_heap deadlines;            /* detached opens of every kind by deadline */
    rsvd_hash shares;               /* res_share by identity */
    rsvd_hash by_create_guid;       /* opens by Open.CreateGuid */
    rsvd_hash by_app_id;            /* opens by Open.AppInstanceId */
    rsvd_hash by_file;              /* persistent opens by file identity */
    rsvd_hash clients, users;       /* quota counters */
    rsvd_list client_list;          /* every client counter (eviction) */
    uint32_t n_detached;
    uint32_t n_durable, n_persistent, n_reclaimed;
    uint32_t store_errors;
    unsigned in_callback; /* > 0 while close_open or restore_open runs */
    bool shutting_down;   /* rsvd_res_server_free(): records stay in the store */
    bool batching;        /* detach records wait in `batch` (res_store_batch_begin) */
    rsvd_list batch;      /* res_open.batch_node */
    /* Counters for tests and benchmarks (not part of the API). */
    uint64_t heap_ops; /* pushes + removals on `deadlines` */
};

/* ---- server.c: objects, lookups ------------------------------------------- */

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
 * (rsvd_res_server_ioctl, _lock_begin, _reconnect, _create_begin), in this
 * order: refused while a callback runs (RSVD_E_BUSY); the header decoded
 * (its error); a message of another command, or one the entry point leaves
 * to the host (leave_to_host: another CtlCode), RSVD_E_WIRE_COMMAND; then
 * ctx resolved (res_ctx_resolve()) and the header's SessionId and TreeId
 * checked against it (RSVD_E_INVAL), unless it is a related compounded
 * request, whose ids are inherited. Inline: the LOCK path is hot
 * (docs/performance.md).
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

/* The open with this DurableFileId (GlobalOpenTable), in any state. */
res_open *res_open_by_persistent(const rsvd_res_server *s, uint64_t persistent_id);

/* Users compare as byte strings. */
bool res_user_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/* LockSequenceArray[index] (1..64) as one byte: RES_LOCK_SEQ_VALID and the
 * SequenceNumber. */
static inline uint8_t res_lock_seq_get(const res_open *o, uint32_t index)
{
    const uint32_t i = index - 1u;
    const uint8_t num = (uint8_t)((o->lock_num[i / 2u] >> (4u * (i % 2u))) & 0xFu);
    return (uint8_t)(((o->lock_valid >> i) & 1u) ? RES_LOCK_SEQ_VALID | num : num);
}

static inline void res_lock_seq_set(res_open *o, uint32_t index, uint8_t entry)
{
    const uint32_t i = index - 1u, shift = 4u * (i % 2u);
    o->lock_num[i / 2u] =
        (uint8_t)((o->lock_num[i / 2u] & ~(0xFu << shift)) | ((entry & 0xFu) << shift));
    if (entry & RES_LOCK_SEQ_VALID)
        o->lock_valid |= 1ull << i;
    else
        o->lock_valid &= ~(1ull << i);
}

/* Whether Open.DurableOwner is set and is @p user. An open keeps its owner
 * and its ClientGuid once, as the keys of its quota counters (which exist
 * from the moment each is set): not a copy in every open. */
static inline bool res_open_owned_by(const res_open *o, const uint8_t *user, size_t len)
{
    return o->user_q && res_user_equal(o->user_q->key, o->user_q->len, user, len);
}

/* Whether Open.ClientGuid is @p g. */
static inline bool res_open_client_is(const res_open *o, const rsvd_guid *g)
{
    return memcmp(o->client_q->key, g->b, sizeof g->b) == 0;
}

/* Open.ClientGuid. */
static inline rsvd_guid res_open_client_guid(const res_open *o)
{
    rsvd_guid g;
    memcpy(g.b, o->client_q->key, sizeof g.b);
    return g;
}

/* The ClientGuid of the connection a session was last reached on (its first
 * channel): "Open.Session.Connection.ClientGuid". */
const rsvd_guid *res_session_client_guid(const res_session *ss);

/* Builds the 3.3.4.4 error response for request header h. */
int res_error_response(const rsvd_smb2_hdr *h, uint32_t status, uint16_t credits, uint8_t *rsp,
                       size_t cap, size_t *rsp_len);

/* Checks every structural invariant (tests, fuzzing): returns NULL if they
 * hold, otherwise a description of the first one broken. */
const char *res_server_check_invariants(const rsvd_res_server *s);

/* The server's counter of deadline-heap operations. */
uint64_t res_server_heap_ops(const rsvd_res_server *s);

/* Runs the close_open callback (the host closes Open.LocalOpen). */
void res_notify_close(rsvd_res_server *s, const rsvd_res_closed_open *c);

static inline bool res_dialect_is_3x(uint16_t d)
{
    return d >= RSVD_SMB2_DIALECT_300;
}

/* Share.Type is STYPE_DISKTREE (its cluster modifiers aside). */
static inline bool res_stype_disktree(uint32_t share_type)
{
    return (share_type & 0xFFu) == RSVD_RES_STYPE_DISKTREE;
}

/* ---- server_open.c: the state machine of an open ---------------------------- */

/*
 * (new) --res_open_attach_new--> ATTACHED --res_open_detach--> DETACHED
 * DETACHED --res_open_reclaim--> RECLAIMED --res_open_reclaim_commit--> ATTACHED
 * ATTACHED --res_open_replay_claim--> RECLAIMED (a replay on its own session)
 * RECLAIMED --res_open_reclaim_undo--> where it came from
 * any --res_open_close--> CLOSED (freed)
 */

/* (new) -> ATTACHED on (sess, tree): "Successful Open Initialization".
 * Returns RSVD_OK, RSVD_E_LIMIT or RSVD_E_NOMEM (nothing created then). */
int res_open_attach_new(rsvd_res_server *s, res_session *sess, res_tree *tree, void *user_data,
                        res_open **out);

/* ATTACHED (or RECLAIMED) -> DETACHED if the open is preserved (loss:
 * 3.3.7.1; logoff: 3.3.5.6), within its quotas; otherwise CLOSED with
 * @p reason (or RESOURCES). */
void res_open_detach(rsvd_res_server *s, res_open *o, uint64_t now_ms,
                     rsvd_res_close_reason reason, bool logoff);

/* DETACHED -> RECLAIMED on (sess, tree): new volatile FileId, the deadline
 * kept aside for an undo. Returns RSVD_OK, RSVD_E_LIMIT or RSVD_E_NOMEM
 * (unchanged then). */
int res_open_reclaim(rsvd_res_server *s, res_open *o, res_session *sess, res_tree *tree,
                     uint16_t channel_sequence);

/* ATTACHED -> RECLAIMED for a replay answered on the open's own session. */
void res_open_replay_claim(rsvd_res_server *s, res_open *o);

/* RECLAIMED -> ATTACHED. */
void res_open_reclaim_commit(rsvd_res_server *s, res_open *o);

/* RECLAIMED -> DETACHED (its old deadline) or ATTACHED, as it was; closed
 * (EXPIRED) when that deadline passed meanwhile, or (RESOURCES) when the
 * limits of detached opens leave no room. */
void res_open_reclaim_undo(rsvd_res_server *s, res_open *o, uint64_t now_ms);

/* Any state -> CLOSED, then freed; notify: call close_open with reason.
 * The record of a persistent open is removed from the store (not at
 * shutdown: a restarted server restores it). */
void res_open_close(rsvd_res_server *s, res_open *o, rsvd_res_close_reason reason, bool notify);

/* True while the open is detached and its deadline has passed ([MS-SMB2]
 * 3.3.6.4, 3.3.6.2: "earlier than the current time"). */
bool res_open_expired(const res_open *o, uint64_t now_ms);

/* Holds what a durable open needs to be preserved and reclaimed: a BATCH
 * oplock or a lease with HANDLE_CACHING (3.3.7.1, 3.3.5.9.7 step 6). */
bool res_open_holds_handle_caching(const res_open *o);

/* Preserved at a loss of connection (3.3.7.1) - the one predicate every
 * path uses (pitfall B11); at LOGOFF (3.3.5.6) durability alone counts. */
bool res_open_preserved(const res_open *o, bool logoff);

/* Sets Open.IsDurable and Open.IsPersistent (the counts and the index of
 * persistent opens by file follow). */
void res_open_set_durable(rsvd_res_server *s, res_open *o, bool durable, bool persistent);

/* ---- server_index.c: keyed indexes and quota counters ----------------------- */

uint64_t res_hash_bytes(const rsvd_res_server *s, const void *p, size_t n, bool fold);

/* Shares: interned identities (a reference each). NULL on no memory. */
res_share *res_share_get(rsvd_res_server *s, const void *id, size_t len);
void res_share_put(rsvd_res_server *s, res_share *sh);

/* Open.CreateGuid, Open.AppInstanceId and file-identity indexes. */
void res_index_create_guid(rsvd_res_server *s, res_open *o, const rsvd_guid *g);
void res_index_app_id(rsvd_res_server *s, res_open *o, const rsvd_guid *id);
void res_index_file(rsvd_res_server *s, res_open *o);
void res_index_remove_all(rsvd_res_server *s, res_open *o);
res_open *res_index_first_create_guid(const rsvd_res_server *s, const rsvd_guid *g);
res_open *res_index_next_create_guid(const res_open *o);
res_open *res_index_first_app_id(const rsvd_res_server *s, const rsvd_guid *id);
res_open *res_index_next_app_id(const res_open *o);
/* The file identity an open is indexed and compared by: its file key, or
 * its name (ASCII case folded) when it has none. */
uint64_t res_file_hash(const rsvd_res_server *s, const uint8_t *key, size_t key_len,
                       const uint8_t *name, size_t name_len);
bool res_file_equal(const res_open *o, const res_share *share, const uint8_t *key,
                    size_t key_len, const uint8_t *name, size_t name_len);
res_open *res_index_first_file(const rsvd_res_server *s, uint64_t hash);
res_open *res_index_next_file(const res_open *o);

/* Quota counters of detached opens: a new reference (the counter made if
 * there is none; NULL on no memory), a reference taken on a counter held
 * already, and one given back (the counter freed with its last). */
res_counter *res_counter_get(rsvd_res_server *s, bool client, const void *key, size_t len);
res_counter *res_counter_ref(res_counter *c);
void res_counter_put(rsvd_res_server *s, bool client, res_counter *c);
/* Makes @p sess's user the open's DurableOwner (and its counter the
 * open's). */
void res_open_set_owner(res_open *o, const res_session *sess);
/* The client counter with the most detached opens, or NULL. */
res_counter *res_counter_heaviest(const rsvd_res_server *s);

/* Compares UTF-16LE names without regard to ASCII case. */
bool res_name_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/* ---- server_store.c: records of persistent opens ---------------------------- */

/* The wall-clock time of a deadline @p timeout_ms from now (0 without a
 * store). */
uint64_t res_wall_deadline(rsvd_res_server *s, uint32_t timeout_ms);
/* Writes the open's record (a persistent open; a no-op for others or
 * without a store). RSVD_OK or RSVD_E_IO / RSVD_E_NOMEM (counted). */
int res_store_put(rsvd_res_server *s, res_open *o);
/* Removes the open's record (and drops it from a pending batch). RSVD_OK or
 * RSVD_E_IO / RSVD_E_NOMEM (counted). */
int res_store_remove(rsvd_res_server *s, res_open *o);
/* The records of the opens one event detaches (a lost connection, LOGOFF,
 * PreviousSessionId) are written together: between _begin and _end,
 * res_store_detached() queues them, and _end writes them in one batch
 * (rsvd_store_ops.apply) when the store has batches. */
void res_store_batch_begin(rsvd_res_server *s);
void res_store_detached(rsvd_res_server *s, res_open *o);
void res_store_batch_end(rsvd_res_server *s);
/* Takes @p o out of a pending batch (it is being closed). */
void res_store_unqueue(res_open *o);

/* ---- server_reconnect.c: DHnC and DH2C ---------------------------------------- */

/* The create contexts of a CREATE that matter to this engine. */
typedef struct res_create_ctx {
    bool dhnq, dhnc, dh2q, dh2c, rqls, app_id, app_version;
    rsvd_smb2_fileid dhnc_file_id;
    rsvd_smb2_dh2q_req dh2q_req;
    rsvd_smb2_dh2c dh2c_req;
    rsvd_smb2_lease_req lease;
    rsvd_guid app_instance_id;
    rsvd_smb2_app_instance_version app_instance_version;
} res_create_ctx;

/* Finds and validates (3.3.5.9 "Create Context Validation") the contexts of
 * @p q on a connection of @p dialect: the 3.x contexts are ignored below
 * 3.0, RqLs on 2.0.2. Returns STATUS_SUCCESS or STATUS_INVALID_PARAMETER. */
uint32_t res_create_contexts(const rsvd_smb2_create_req *q, uint16_t dialect, res_create_ctx *x);

/* 3.3.5.9.7 / 3.3.5.9.12: the status, and on success the open (RECLAIMED). */
uint32_t res_reconnect(rsvd_res_server *s, const res_req *rq, const rsvd_smb2_create_req *q,
                       const res_create_ctx *x, uint64_t now_ms, res_open **out);

#endif /* RSVD_LIB_RESILIENT_SERVER_INT_H */
