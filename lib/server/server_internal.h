/*
 * The RSVD server's private state (internal).
 *
 * Objects and who owns them:
 *  - rsvd_server: the configuration, the OpenTable (an array of slots
 *    indexed by LocalOpen, plus a hash index by file name), the request
 *    pool, and the queue of opens waiting for a request to close with.
 *  - rsvd_open: one Open of [MS-RSVD] 3.2.1.2, allocated by CREATE (with its
 *    file name in the same block), freed when its backend close completes
 *    (or when its backend open fails). Its OpenTable slot lives exactly as
 *    long and holds its state, its requests in flight and what READ and
 *    WRITE need; its sense store grows with the keys it uses.
 *  - rsvd_req: one backend call in flight, taken from the pool preallocated
 *    by rsvd_server_new(). It is the completion sink of that call: it lives
 *    as long as the server, so a stale or repeated completion always finds
 *    it and is refused by its generation tag.
 *
 * Lifetime rules that make re-entrancy safe:
 *  - srv->depth counts the server's functions on the stack; rsvd_server_free
 *    is refused while it is nonzero, so the server outlives every callback
 *    it makes.
 *  - After handing a request to a backend, the code that issued it never
 *    touches the request or its open again: the backend may already have
 *    completed it, replied, and the reply callback may have closed the open.
 *  - An open is freed only by the completion of its backend close (or of a
 *    failed backend open); that close is issued only once nothing else is in
 *    flight on the open.
 */
#ifndef RSVD_LIB_SERVER_INTERNAL_H
#define RSVD_LIB_SERVER_INTERNAL_H

#include <rsvd/server.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "util/completion.h"

/* ---- sense-error store ([MS-RSVD] 3.2.1.2 SenseErrorDataList, 3.2.1.3) ---- */

/** Flags of a sense-store slot. */
#define RSVD_SENSE_SLOT_VALID 0x01u
#define RSVD_SENSE_SLOT_AUTO_GENERATED 0x02u

/** One SenseError: 24 bytes. StatusKey is the slot's index. */
typedef struct rsvd_sense_slot {
    uint8_t flags;
    uint8_t srb_status;  /* 7-bit SrbStatus */
    uint8_t scsi_status;
    uint8_t reserved;
    uint8_t sense[RSVD_SCSI_SENSE_BUFFER_SIZE]; /* exactly 20 bytes, zero-filled */
} rsvd_sense_slot;

/** Open.SenseErrorDataList: slots indexed by StatusKey, as many as the keys
 * used so far (grown by doubling up to 256; keys are issued in order). */
typedef struct rsvd_sense_store {
    /** Slots allocated: StatusKeys 0 .. cap - 1. */
    uint32_t cap;
    uint32_t reserved;
    rsvd_sense_slot slot[];
} rsvd_sense_store;

/* ---- version 2: what an open keeps ([MS-RSVD] 3.2.1.2, 3.2.1.4) ------------ */

/** A Snapshot of Open.SnapshotList ([MS-RSVD] 3.2.1.4). */
typedef struct rsvd_snapshot {
    /** Snapshot.SnapshotId. */
    rsvd_guid id;
    /** Snapshot.ChangeTracking. */
    bool change_tracking;
} rsvd_snapshot;

/** Most entries of one Open.SnapshotList (the built-in disk's largest
 * max_snapshots): a creation that would add one more fails with
 * STATUS_INSUFFICIENT_RESOURCES. */
#define RSVD_SRV_MAX_SNAPSHOTS 4096u

/** The CDP timer of a transaction ([MS-RSVD] 3.2.2). */
typedef enum rsvd_timer_state {
    RSVD_TIMER_OFF = 0,
    /** BlockIO completed; the next rsvd_server_handle_expiry() gives the
     * deadline (the library reads no clock). */
    RSVD_TIMER_ARMED,
    /** Running until deadline. */
    RSVD_TIMER_SET
} rsvd_timer_state;

typedef struct rsvd_open rsvd_open;
typedef struct rsvd_txn rsvd_txn;

/**
 * A meta-operation an open started (META_OPERATION_START, [MS-RSVD]
 * 3.2.5.5.7), by TransactionId: its progress for QUERY_PROGRESS (3.2.5.5.8),
 * and for a snapshot creation its stages, the CDP timer (3.2.2) and what a
 * CLOSE must abort (3.2.5.2). Kept in the open's table of
 * max_transactions entries, never moved while the open lives.
 */
struct rsvd_txn {
    /** Written by the backend while a call of the transaction runs. */
    rsvd_disk_meta_result progress;
    /** TransactionId. */
    rsvd_guid id;
    /** Create snapshot: SnapshotId. */
    rsvd_guid snapshot_id;
    rsvd_open *open;
    /** The server's list of running CDP timers. */
    rsvd_txn *timer_prev, *timer_next;
    /** RSVD_TIMER_SET: fires when the host's clock passes it. */
    uint64_t deadline;
    /** When it was last used, in the open's count of STARTs (the oldest
     * finished one is replaced first). */
    uint64_t last_use;
    /** OperationType of its last START. */
    uint32_t op_type;
    /** Create snapshot: SnapshotType. */
    uint32_t snapshot_type;
    /** Create snapshot: the highest stage the disk completed. */
    uint32_t last_stage;
    /** Backend calls in flight that write progress. */
    uint32_t calls;
    /** rsvd_timer_state. */
    uint8_t timer;
    bool used;
    /** A CDP creation this open started and that has not reached Finalize
     * (3.2.5.2: a CLOSE aborts it). */
    bool cdp_open;
    /** The CDP timer fired: later stages fail with STATUS_IO_TIMEOUT. */
    bool timed_out;
    /** The disk must still be told to abandon the creation. */
    bool abort_due;
};

/** What an open keeps for version 2, allocated by its first version-2
 * operation (an idle open stays small). */
typedef struct rsvd_open_v2 {
    /** Open.SnapshotList. */
    rsvd_snapshot *snaps;
    uint32_t nsnaps, snaps_cap;
    /** The transactions (max_transactions entries, allocated with them). */
    rsvd_txn *txns;
    /** STARTs so far (rsvd_txn.last_use). */
    uint64_t starts;
    /** Open.VHDSSnapshotId: set on an open with a target specifier. */
    rsvd_guid vhds_snapshot_id;
    /** An open with a target specifier ([MS-RSVD] 3.2.5.7). */
    bool is_target;
    /** In the server's abort queue. */
    bool abort_queued;
    /** SMB2 opens sharing this open beyond the first (3.2.5.7 answers a
     * second open of the same snapshot with the first's LocalOpen). */
    uint32_t extra_refs;
    /** Next open in the queue of opens waiting for a request to tell the
     * disk to abandon a snapshot creation (a CDP timer fired): only opens
     * with transactions join it, so the link lives here, not in every open. */
    rsvd_open *abort_next;
} rsvd_open_v2;

/* ---- opens ---------------------------------------------------------------- */

typedef enum rsvd_open_state {
    /** A free OpenTable slot. */
    RSVD_OPEN_FREE = 0,
    /** CREATE in progress: holds its LocalOpen and its name, but requests
     * naming it find nothing. */
    RSVD_OPEN_OPENING,
    /** In the OpenTable. */
    RSVD_OPEN_OPEN,
    /** CLOSE received: out of the OpenTable, waiting for the requests in
     * flight and then for its backend close. */
    RSVD_OPEN_CLOSING
} rsvd_open_state;

/** Flags of an OpenTable slot of an OPEN open. */
/** Open.IsVirtualSCSIDisk. */
#define RSVD_SLOT_SCSI 0x01u
/** READ and WRITE pass the checks of [MS-RSVD] 3.2.5.3/3.2.5.4 that look
 * at the Open (an initiator if it is a virtual SCSI disk, and
 * FILE_NO_INTERMEDIATE_BUFFERING in its CreateOptions). */
#define RSVD_SLOT_IO_READY 0x02u

/**
 * One entry of the OpenTable: 32 bytes on a 32-byte boundary, so within one
 * cache line. It holds what READ and WRITE need (the open's state, its
 * backend handle, whether the checks of 3.2.5.3/3.2.5.4 pass, its requests
 * in flight), so that they look at nothing else of the open. A slot stays
 * with its open from CREATE until the open is freed; its generation
 * advances when it is freed, so a LocalOpen of a freed open never finds the
 * next one.
 */
typedef struct rsvd_open_slot {
    /** The open; NULL when the slot is free. */
    rsvd_open *open;
    /** The open's backend handle (set when it becomes OPEN). */
    void *backend_handle;
    /** Generation of the LocalOpen issued from this slot. */
    uint32_t gen;
    /** Requests in flight on the open (its backend handle in use). */
    uint32_t in_flight;
    /** Free slots: the next one (index + 1, 0 = none). */
    uint32_t next_free;
    /** rsvd_open_state. */
    uint8_t state;
    /** RSVD_SLOT_* (OPEN opens). */
    uint8_t flags;
    uint16_t reserved;
} rsvd_open_slot;

/** The OpenTable by LocalOpen: a LocalOpen is (generation << 32) | (slot
 * index + 1), so finding an open is an index and a compare. */
typedef struct rsvd_open_table {
    /** cap slots, aligned to 64 bytes inside slots_alloc. */
    rsvd_open_slot *slots;
    void *slots_alloc;
    uint32_t cap;
    /** Slots ever handed out (high-water mark). */
    uint32_t used;
    /** First free slot (index + 1, 0 = none). */
    uint32_t free_head;
    /** OPENING and OPEN opens: what max_opens limits. */
    uint32_t count;
} rsvd_open_table;

struct rsvd_open {
    /** Open.LocalOpen: the handle-table handle. */
    uint64_t local_open;
    /** The backend's handle (object store or virtual SCSI disk). */
    void *backend_handle;
    /** Open.InitiatorId (zero when HasInitiatorId was 0). */
    rsvd_guid initiator_id;
    /** Open.SenseErrorDataList; NULL until the first stored error. */
    rsvd_sense_store *sense;
    /** CLOSE: its cookie, kept until the CLOSE reply. */
    void *close_cookie;
    /** Next open in the same name-hash bucket. */
    rsvd_open *name_next;
    /** Next open in the queue of opens waiting for a request to close with. */
    rsvd_open *close_next;
    /** Version-2 state; NULL until the first version-2 operation. */
    rsvd_open_v2 *v2;
    /** Open.CreateOptions. */
    uint32_t create_options;
    /** Hash of the name (rsvd_name_hash). */
    uint32_t name_hash;
    /** Bytes of name, the NUL not counted. */
    uint32_t name_len;
    /** Open.SenseErrorSequence. */
    uint8_t sense_seq;
    /** Open.IsVirtualSCSIDisk. */
    bool is_virtual_scsi_disk;
    /** Open.IsVHDSet. */
    bool is_vhd_set;
    /** Open.PendingDelete (set by version-2 operations; read by CLOSE). */
    bool pending_delete;
    /** The backend close is queued or issued. */
    bool close_started;
    /** Open.FileName: UTF-8, ":SharedVirtualDisk" removed, NUL-terminated. */
    char name[];
};

/* ---- requests ------------------------------------------------------------- */

typedef struct rsvd_req rsvd_req;

/** What a completion handler tells rsvd_srv_req_complete() to do next. */
typedef enum rsvd_step {
    /** The reply is filled: put the request back and deliver it. */
    RSVD_STEP_REPLY,
    /** The request was handed to the backend again: touch nothing. */
    RSVD_STEP_CONTINUED,
    /** The handler already released the request and delivered the reply. */
    RSVD_STEP_DONE
} rsvd_step;

/**
 * Finishes a request whose backend call completed, with the backend's
 * result @p r (its status already sanitised). @p reply comes with the
 * request's cookie, command and CtlCode set and everything else zero. The
 * file that issues a request owns the handler it issues it with
 * (rsvd_srv_req_issue()), so a new kind of request is one file's change.
 */
typedef rsvd_step (*rsvd_req_finish_fn)(struct rsvd_server *srv, rsvd_req *q,
                                        const rsvd_io_result *r, rsvd_server_reply *reply);

struct rsvd_req {
    /** Must stay first: the completion handle points here. */
    rsvd_completion_sink sink;
    struct rsvd_server *srv;
    /** Finishes the backend call outstanding (set by each issue). */
    rsvd_req_finish_fn finish;
    /** Tag of the completion outstanding; advanced by every issue and every
     * completion, so a repeated or stale completion never matches. */
    uint64_t gen;
    void *cookie;
    /** The open the call runs on (NULL never while busy). */
    rsvd_open *open;
    /** Output: READ data, IOCTL output, QUERY_INFO output. */
    uint8_t *out;
    /** Capacity of out (READ Length, MaxOutputResponse, OutputBufferLength). */
    uint32_t out_cap;
    /** WRITE: Length. */
    uint32_t len;
    /** Free-list link. */
    rsvd_req *next_free;
    /** The open's OpenTable slot (index). */
    uint32_t slot;
    /** IOCTL: CtlCode; tunnel: OperationCode is op_code. */
    uint32_t ctl_code;
    uint16_t command;
    bool busy;
    /** READ, WRITE: Open.IsVirtualSCSIDisk. */
    bool scsi;
    uint32_t op_code;
    /** IOCTL tunnel: the request's RequestId. */
    uint64_t request_id;
    union {
        /** RSVD_TUNNEL_SCSI_OPERATION: the command handed to the disk. */
        rsvd_scsi_cmd scsi;
        /** GET_INITIAL_INFO, GET_DISK_INFO: filled by the disk. */
        rsvd_disk_info info;
        /** State the issuing file allocated and its handler frees (CREATE,
         * the version-2 operations). */
        void *state;
    } u;
};

/* ---- the server ----------------------------------------------------------- */

struct rsvd_server {
    /** The configuration; its backend pointers point at the copies below. */
    rsvd_server_config cfg;
    rsvd_object_store_ops store_ops;
    rsvd_scsi_disk_ops disk_ops;
    const rsvd_mem *mem;
    /** OpenTable by LocalOpen: a slot for every open, OPEN or not. */
    rsvd_open_table opens;
    /** OpenTable by file name: buckets of OPENING and OPEN opens. */
    rsvd_open **name_buckets;
    uint32_t name_bucket_count; /* a power of two */
    uint32_t name_count;
    /** Opens in any state (OPENING, OPEN, CLOSING). */
    size_t open_count;
    /** The request pool. */
    rsvd_req *pool;
    rsvd_req *free_reqs;
    size_t in_flight;
    /** Opens waiting for a free request to issue their backend close. */
    rsvd_open *close_head;
    rsvd_open *close_tail;
    /** Opens waiting for a free request to abort a timed-out creation. */
    rsvd_open *abort_head;
    /** Running CDP timers ([MS-RSVD] 3.2.2), armed ones included. */
    rsvd_txn *timers;
    /** Files whose change tracking a client started ([MS-RSVD] 3.2.5.1:
     * restarted after each new open of them). */
    struct rsvd_tracked *tracked;
    uint32_t ntracked;
    /** Server functions on the stack (rsvd_server_free refuses while > 0). */
    unsigned depth;
};

/* ---- server.c --------------------------------------------------------------- */

/** Delivers a reply to the host. */
static inline void rsvd_srv_deliver(rsvd_server *srv, const rsvd_server_reply *reply)
{
    srv->cfg.reply(srv->cfg.reply_ctx, reply);
}

/** Replies to a request at once with SMB2 status @p status and no output. */
void rsvd_srv_fail(rsvd_server *srv, uint16_t command, uint32_t ctl_code, uint32_t status,
                   void *cookie);

/**
 * Takes a request from the pool for a call on @p open, whose OpenTable slot
 * is @p slot (counted in flight on it). Sets what every request needs and
 * nothing else: READ and WRITE set the rest themselves. @return the
 * request, or NULL when the pool is empty.
 */
static inline rsvd_req *rsvd_srv_req_take(rsvd_server *srv, rsvd_open *open, uint32_t slot,
                                          uint16_t command, void *cookie)
{
    rsvd_req *q = srv->free_reqs;
    if (!q)
        return NULL;
    srv->free_reqs = q->next_free;
    q->next_free = NULL;
    q->open = open;
    q->slot = slot;
    q->cookie = cookie;
    q->command = command;
    q->ctl_code = 0;
    q->busy = true;
    srv->in_flight++;
    srv->opens.slots[slot].in_flight++;
    return q;
}

/** Takes a request from the pool for a call on @p open (counted in flight on
 * it), its members zero but those named here. @return the request, or NULL
 * when the pool is empty. */
rsvd_req *rsvd_srv_req_get(rsvd_server *srv, rsvd_open *open, uint16_t command, void *cookie);

/**
 * The completion of every request (rsvd_complete() lands here): refuses a
 * stale, repeated or forged one (RSVD_E_STATE), replaces a status no
 * backend may hand on, has the handler the request was issued with fill the
 * reply, puts the request back and delivers the reply (without output when
 * it is an error).
 */
int rsvd_srv_req_complete(rsvd_completion_sink *sink, uint64_t tag, const rsvd_io_result *r);

/** Arms @p q for its next backend call, which @p finish will finish.
 * @return the completion handle to hand the backend. */
static inline rsvd_completion rsvd_srv_req_issue(rsvd_req *q, rsvd_req_finish_fn finish)
{
    q->finish = finish;
    q->gen++;
    return rsvd_completion_make(&q->sink, q->gen);
}

/** Queues the backend close of CLOSING open @p o, whose last request in
 * flight has just been put back (unless its close is queued already). */
void rsvd_srv_close_last(rsvd_server *srv, rsvd_open *o);

/** Puts @p q back in the pool (not counted in flight on its open any more).
 * If that was the last request in flight on a CLOSING open, queues its
 * backend close. */
static inline void rsvd_srv_req_put(rsvd_server *srv, rsvd_req *q)
{
    rsvd_open_slot *s = &srv->opens.slots[q->slot];
    q->busy = false;
    q->next_free = srv->free_reqs;
    srv->free_reqs = q;
    srv->in_flight--;
    /* [MS-RSVD] 3.2.5.2 with requests in flight: the backend close waits for
     * the last of them. */
    if (--s->in_flight == 0 && s->state == RSVD_OPEN_CLOSING)
        rsvd_srv_close_last(srv, s->open);
}

/** Queues the backend close of CLOSING open @p o if nothing is in flight
 * on it. */
void rsvd_srv_close_when_idle(rsvd_server *srv, rsvd_open *o);

/** Issues the queued aborts and backend closes for which a request is free. */
void rsvd_srv_kick_queues(rsvd_server *srv);

/** After a request is freed: the queues, when anything waits (inline: every
 * READ and WRITE passes here, and almost never finds anything). */
static inline void rsvd_srv_kick(rsvd_server *srv)
{
    if (srv->abort_head || srv->close_head)
        rsvd_srv_kick_queues(srv);
}

/** @return the OPEN open of @p local_open, or NULL. */
rsvd_open *rsvd_srv_find_open(rsvd_server *srv, uint64_t local_open);

/* [MS-SMB2] 3.3.4.4: the statuses that are not a failure, of the commands
 * this server answers (rsvd_server_reply_is_error() is this). */
static inline bool rsvd_srv_reply_is_error(const rsvd_server_reply *reply)
{
    if (reply->status == RSVD_STATUS_SUCCESS)
        return false;
    if (reply->status != RSVD_STATUS_BUFFER_OVERFLOW)
        return true;
    if (reply->command == RSVD_SMB2_QUERY_INFO)
        return false;
    if (reply->command == RSVD_SMB2_IOCTL)
        return reply->ctl_code != RSVD_FSCTL_PIPE_TRANSCEIVE &&
               reply->ctl_code != RSVD_FSCTL_PIPE_PEEK &&
               reply->ctl_code != RSVD_FSCTL_DFS_GET_REFERRALS;
    return true;
}

/* ---- the OpenTable by LocalOpen (open_table.c) ----------------------------------- */

void rsvd_open_table_init(rsvd_server *srv);
void rsvd_open_table_fini(rsvd_server *srv);

/**
 * Gives OPENING open @p o a slot and its LocalOpen (o->local_open).
 * @return RSVD_OK, RSVD_E_LIMIT (max_opens OPENING and OPEN opens) or
 * RSVD_E_NOMEM.
 */
int rsvd_open_table_add(rsvd_server *srv, rsvd_open *o);

/** @p o enters the OpenTable (OPEN): requests naming it find it. Its
 * backend handle, CreateOptions, InitiatorId and kind are final. */
void rsvd_open_table_publish(rsvd_server *srv, rsvd_open *o);

/** @p o leaves the OpenTable (CLOSING): requests naming it find nothing;
 * it keeps its slot for the requests still in flight. */
void rsvd_open_table_unpublish(rsvd_server *srv, rsvd_open *o);

/** Frees the slot of @p o (no-op if it has none), when the open is freed. */
void rsvd_open_table_release(rsvd_server *srv, rsvd_open *o);

/** @return the slot of the LocalOpen @p local_open, whatever its state, or
 * NULL if @p local_open names no slot of a live open. */
static inline rsvd_open_slot *rsvd_open_slot_find(const rsvd_server *srv, uint64_t local_open)
{
    const uint32_t idx1 = (uint32_t)local_open;
    if (idx1 - 1u >= srv->opens.used) /* 0 wraps above used */
        return NULL;
    rsvd_open_slot *s = &srv->opens.slots[idx1 - 1u];
    return s->gen == (uint32_t)(local_open >> 32) && s->open ? s : NULL;
}

/** @return the slot of @p o, which has one. */
static inline rsvd_open_slot *rsvd_open_slot_of(const rsvd_server *srv, const rsvd_open *o)
{
    return &srv->opens.slots[(uint32_t)o->local_open - 1u];
}

static inline rsvd_open_state rsvd_open_state_of(const rsvd_server *srv, const rsvd_open *o)
{
    return (rsvd_open_state)rsvd_open_slot_of(srv, o)->state;
}

/* ---- open_table.c ------------------------------------------------------------ */

/** A file name as the server compares it: UTF-8, suffix removed. */
typedef struct rsvd_name {
    const char *s;
    size_t len;
} rsvd_name;

/**
 * Converts a UTF-16LE file name to UTF-8 with ":SharedVirtualDisk" removed.
 * With @p dst NULL only measures. @return RSVD_OK (bytes in *out_len, no NUL
 * written or counted) or RSVD_E_WIRE_NAME (odd length, unpaired surrogate,
 * or a NUL code unit).
 */
int rsvd_name_from_utf16(const uint8_t *src, size_t src_len, char *dst, size_t cap,
                         size_t *out_len);

/** @return the hash of @p name under the server's key and case rule. */
uint32_t rsvd_name_hash(const rsvd_server *srv, rsvd_name name);

/** @return true if the two names are equal under the server's case rule. */
bool rsvd_name_equal(const rsvd_server *srv, rsvd_name a, rsvd_name b);

/** Makes sure the name index has a bucket array, so that an insert cannot
 * fail. @return RSVD_OK or RSVD_E_NOMEM. */
int rsvd_names_reserve(rsvd_server *srv);

/** Adds @p o (its name and name_hash set) to the name index (reserved). */
void rsvd_names_insert(rsvd_server *srv, rsvd_open *o);

/** Removes @p o from the name index (no-op if absent). */
void rsvd_names_remove(rsvd_server *srv, rsvd_open *o);

/** Visits the opens of the name index with this name; stops when @p fn
 * returns false. */
void rsvd_names_each(rsvd_server *srv, rsvd_name name, uint32_t hash,
                     bool (*fn)(rsvd_open *o, void *arg), void *arg);

void rsvd_names_fini(rsvd_server *srv);

/* ---- sense.c ------------------------------------------------------------------ */

/**
 * Stores a SenseError ([MS-RSVD] 3.2.5.3, 3.2.5.4): advances
 * SenseErrorSequence (0xFF wraps to 0x00), fills the slot of that key.
 * @p sense (@p sense_len bytes, at most 20 used) is zero-filled to 20 bytes.
 * @return the NTSTATUS to return: STATUS_SVHDX_ERROR_STORED | StatusKey, or
 * STATUS_INSUFFICIENT_RESOURCES if the store could not be allocated (the
 * sequence is then left as it was).
 */
uint32_t rsvd_sense_store_error(rsvd_server *srv, rsvd_open *o, uint8_t srb_status,
                                uint8_t scsi_status, bool auto_generated,
                                const uint8_t *sense, size_t sense_len);

/** Stores the error [MS-RSVD] 3.2.5.3/3.2.5.4 prescribe for I/O on a
 * virtual-SCSI open without an initiator (<12>, <14>). */
uint32_t rsvd_sense_store_no_initiator(rsvd_server *srv, rsvd_open *o);

/** @return the slot of @p key, or NULL if no error was stored under it. */
const rsvd_sense_slot *rsvd_sense_lookup(const rsvd_open *o, uint8_t key);

void rsvd_sense_free(rsvd_server *srv, rsvd_open *o);

/* ---- open.c ------------------------------------------------------------------- */

/** Issues the backend close of CLOSING open @p o on request @p q (after
 * the aborts [MS-RSVD] 3.2.5.2 asks for). */
void rsvd_close_issue(rsvd_server *srv, rsvd_open *o, rsvd_req *q);
void rsvd_open_destroy(rsvd_server *srv, rsvd_open *o);

/** The OPENING open of a new CREATE: the name converted, counted among the
 * server's opens. @return STATUS_SUCCESS or the status to fail with. */
uint32_t rsvd_open_alloc(rsvd_server *srv, const uint8_t *name16, size_t name16_len,
                         rsvd_open **out);
/** Undoes a CREATE that failed: the open leaves the indexes it joined and is
 * freed. */
void rsvd_open_undo(rsvd_server *srv, rsvd_open *o);
/** Hands a CLOSE to the open: out of the OpenTable, its timers stopped, its
 * backend close issued when it is idle. */
void rsvd_open_begin_close(rsvd_server *srv, rsvd_open *o, void *cookie);

/* ---- tunnel.c, ioctl.c ---------------------------------------------------------- */

/** [MS-RSVD] 3.2.5.5: the tunnel operations (both FSCTLs). */
void rsvd_tunnel_dispatch(rsvd_server *srv, const rsvd_server_ioctl_req *req, void *cookie);

/** A tunnel operation past the common prologue of [MS-RSVD] 3.2.5.5. */
typedef struct rsvd_tunnel_call {
    rsvd_open *open;
    const rsvd_server_ioctl_req *req;
    /** The request's header (OperationCode and RequestId echoed). */
    rsvd_tunnel_hdr hdr;
    /** The operation's body: the input after the header. */
    const uint8_t *body;
    size_t body_len;
    void *cookie;
} rsvd_tunnel_call;

/** Writes the response header (OperationCode and RequestId echoed, Status)
 * at the start of @p out and makes @p reply the SMB2-success reply carrying
 * it and @p body_len body bytes already written after it. */
void rsvd_tunnel_fill(rsvd_server_reply *reply, uint8_t *out, uint32_t op_code,
                      uint64_t request_id, uint32_t status, size_t body_len);
/** As rsvd_tunnel_fill() for the request of @p q. @return RSVD_STEP_REPLY. */
rsvd_step rsvd_tunnel_reply_q(rsvd_req *q, rsvd_server_reply *reply, uint32_t status,
                              size_t body_len);
/** "Fail the request with @p status": SMB2 status, no output. */
void rsvd_tunnel_fail(rsvd_server *srv, const rsvd_tunnel_call *t, uint32_t status);
/** A tunnel answer now: the header with Status @p status and @p body_len
 * body bytes already written after it (the caller checked the room). */
void rsvd_tunnel_answer(rsvd_server *srv, const rsvd_tunnel_call *t, uint32_t status,
                        size_t body_len);
/**
 * Takes a request for the virtual-disk call of @p t, with @p state_size
 * zeroed bytes of state in q->u.state when nonzero (freed by
 * rsvd_tunnel_state_free()), and signals the interim response of a request
 * on FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST (rsvd_server_interim_fn).
 * @return the request, or NULL when the pool is empty or the state could
 * not be allocated: the request then failed with
 * STATUS_INSUFFICIENT_RESOURCES.
 */
rsvd_req *rsvd_tunnel_req(rsvd_server *srv, const rsvd_tunnel_call *t, size_t state_size);
/** Frees the state rsvd_tunnel_req() allocated (NULL-safe). */
void rsvd_tunnel_state_free(rsvd_server *srv, rsvd_req *q);

/* ---- version 2: meta_op.c, snapshot.c, vhdset.c, change_tracking.c ------------ */

/** The open's version-2 state, allocated on first use. @return it, or NULL
 * when memory runs out. */
rsvd_open_v2 *rsvd_open_v2_get(rsvd_server *srv, rsvd_open *o);
/** Frees the open's version-2 state (its timers are stopped already). */
void rsvd_open_v2_free(rsvd_server *srv, rsvd_open *o);

/** [MS-RSVD] 3.2.5.5.7: META_OPERATION_START. */
void rsvd_meta_op_start(rsvd_server *srv, const rsvd_tunnel_call *t);
/** [MS-RSVD] 3.2.5.5.8: META_OPERATION_QUERY_PROGRESS. */
void rsvd_meta_op_query_progress(rsvd_server *srv, const rsvd_tunnel_call *t);
/** The transaction @p id of @p o, or NULL. */
rsvd_txn *rsvd_txn_find(const rsvd_server *srv, const rsvd_open *o, const rsvd_guid *id);
/** The transaction @p id of @p o for a new START: found, or a free or the
 * oldest finished entry taken over. @return it, or NULL (no memory, or
 * every entry in use). */
rsvd_txn *rsvd_txn_for_start(rsvd_server *srv, rsvd_open *o, const rsvd_guid *id);

/** [MS-RSVD] 3.2.5.5.7.1: a create-snapshot START (@p start decoded). */
void rsvd_snapshot_create(rsvd_server *srv, const rsvd_tunnel_call *t,
                          const rsvd_svhdx_meta_operation_start_request *start);
/** [MS-RSVD] 3.2.5.5.10: DELETE_SNAPSHOT. */
void rsvd_snapshot_delete(rsvd_server *srv, const rsvd_tunnel_call *t);
/** The entry of Open.SnapshotList with @p id, or NULL. */
rsvd_snapshot *rsvd_snapshot_find(const rsvd_open *o, const rsvd_guid *id);
/** Stops the CDP timers of @p o (it is closing). */
void rsvd_timers_stop_open(rsvd_server *srv, rsvd_open *o);
/** The next transaction of @p o whose creation the disk must be told to
 * abandon before its close ([MS-RSVD] 3.2.5.2), or NULL. */
rsvd_txn *rsvd_abort_next_for_close(const rsvd_server *srv, rsvd_open *o);
/** Issues the disk's abort_snapshot of @p x on request @p q, finished by
 * @p finish. */
void rsvd_abort_issue(rsvd_server *srv, rsvd_req *q, rsvd_txn *x, rsvd_req_finish_fn finish);
/** Issues the queued aborts for which a request is free. */
void rsvd_aborts_kick(rsvd_server *srv);
/** Takes @p o out of the abort queue (it is closing). */
void rsvd_aborts_forget(rsvd_server *srv, rsvd_open *o);

/** [MS-RSVD] 3.2.5.5.9: VHDSET_QUERY_INFORMATION. */
void rsvd_vhdset_query(rsvd_server *srv, const rsvd_tunnel_call *t);
/** [MS-RSVD] 3.2.5.5.15: QUERY_SAFE_SIZE. */
void rsvd_vhdset_safe_size(rsvd_server *srv, const rsvd_tunnel_call *t);

/** [MS-RSVD] 3.2.5.5.11 - 3.2.5.5.14. */
void rsvd_ct_get_parameters(rsvd_server *srv, const rsvd_tunnel_call *t);
void rsvd_ct_start(rsvd_server *srv, const rsvd_tunnel_call *t);
void rsvd_ct_stop(rsvd_server *srv, const rsvd_tunnel_call *t);
void rsvd_ct_query_changes(rsvd_server *srv, const rsvd_tunnel_call *t);
/** [MS-RSVD] 3.2.5.1: whether change tracking was started for the file of
 * @p o on this server; if so its start arguments, to repeat after the
 * open, in @p args. */
bool rsvd_ct_restart_args(const rsvd_server *srv, const rsvd_open *o,
                          rsvd_disk_change_tracking_start_args *args);
/** Frees what the server remembers of started change tracking. */
void rsvd_ct_fini(rsvd_server *srv);

/** [MS-RSVD] 3.2.5.6, once the name to look for is known. */
void rsvd_query_support_answer(rsvd_server *srv, uint64_t local_open, rsvd_name name,
                               uint32_t max_output, uint8_t *output, void *cookie);

/* ---- read_write.c, sense.c ---------------------------------------------------- */

/** Stores the sense data of a virtual-SCSI-disk error (RSVD_IO_DISK_ERROR). */
uint32_t rsvd_sense_store_disk_error(rsvd_server *srv, rsvd_open *o, const rsvd_io_result *r);

#endif /* RSVD_LIB_SERVER_INTERNAL_H */
