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

typedef struct rsvd_open rsvd_open;

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
        /** State the issuing file allocated and its handler frees (CREATE). */
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

/** Issues the queued backend closes for which a request is free. */
void rsvd_srv_kick(rsvd_server *srv);

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

/** Issues the backend close of CLOSING open @p o on request @p q. */
void rsvd_close_issue(rsvd_server *srv, rsvd_open *o, rsvd_req *q);
void rsvd_open_destroy(rsvd_server *srv, rsvd_open *o);

/* ---- tunnel.c, ioctl.c ---------------------------------------------------------- */

/** [MS-RSVD] 3.2.5.5: the tunnel operations (both FSCTLs). */
void rsvd_tunnel_dispatch(rsvd_server *srv, const rsvd_server_ioctl_req *req, void *cookie);

/** [MS-RSVD] 3.2.5.6, once the name to look for is known. */
void rsvd_query_support_answer(rsvd_server *srv, uint64_t local_open, rsvd_name name,
                               uint32_t max_output, uint8_t *output, void *cookie);

/* ---- read_write.c, sense.c ---------------------------------------------------- */

/** Stores the sense data of a virtual-SCSI-disk error (RSVD_IO_DISK_ERROR). */
uint32_t rsvd_sense_store_disk_error(rsvd_server *srv, rsvd_open *o, const rsvd_io_result *r);

#endif /* RSVD_LIB_SERVER_INTERNAL_H */
