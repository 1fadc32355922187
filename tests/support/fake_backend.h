/*
 * A scriptable fake of both backend interfaces (rsvd/backend.h): an object
 * store and a virtual SCSI disk, for tests and fuzz harnesses.
 *
 * Every call is logged (fb_call) and finishes with a scripted outcome: the
 * next one pushed for its kind (fb_push), else the kind's default
 * (fb_set_default). An outcome completes the call before the backend
 * function returns (a synchronous backend), or, when `pending` is set,
 * leaves it in flight until the test completes it with fb_complete() in
 * whatever order it likes.
 *
 * The fake also checks the library's side of the contract and counts every
 * breach in `violations` (with the last one described in `violation`): a
 * call on a handle that is not open, a close while calls on the handle are
 * in flight, a completion the library refused.
 *
 * Needs libc and librsvd only (no cmocka), so that fuzz harnesses link it.
 */
#ifndef RSVD_TEST_FAKE_BACKEND_H
#define RSVD_TEST_FAKE_BACKEND_H

#include <rsvd/backend.h>

/** Kinds of backend calls. */
typedef enum fb_op {
    FB_OPEN,
    FB_CLOSE,
    FB_READ,
    FB_WRITE,
    FB_FLUSH,
    FB_QUERY_INFO,
    FB_SET_INFO,
    FB_FSCTL,
    FB_EXECUTE,
    FB_GET_INFO,
    FB_VALIDATE,
    /* the virtual SCSI disk's version-2 functions */
    FB_CREATE_SNAPSHOT,
    FB_ABORT_SNAPSHOT,
    FB_OPTIMIZE,
    FB_EXTRACT,
    FB_CONVERT,
    FB_RESIZE,
    FB_APPLY,
    FB_QUERY_VHDSET,
    FB_DELETE_SNAPSHOT,
    FB_CT_GET_PARAMETERS,
    FB_CT_START,
    FB_CT_STOP,
    FB_QUERY_CHANGES,
    FB_QUERY_SAFE_SIZE,
    FB_OPEN_SNAPSHOT,
    FB_OP_COUNT
} fb_op;

/** Which interface a call came through. */
typedef enum fb_side { FB_STORE = 0, FB_DISK = 1, FB_SIDE_COUNT } fb_side;

/** How a call finishes. */
typedef struct fb_outcome {
    /** Leave the call in flight until fb_complete(). */
    bool pending;
    /** What the call completes with. An open that succeeds with a NULL
     * handle gets a fresh one from the fake. */
    rsvd_io_result result;
    /** Calls with an output buffer (read, data-in execute, fsctl,
     * query_info): bytes copied into it (at most its capacity), and
     * result.bytes set to the number copied. */
    const uint8_t *data;
    uint32_t data_len;
    /** As data, but the buffer is filled with the pattern
     * fb_pattern_byte(offset + i) up to its capacity. */
    bool fill_pattern;
    /** get_info: copied into the caller's struct. */
    rsvd_disk_info info;
    /* Version-2 functions: what the call fills in (on success; the stop's
     * ChangeTrackingStatus and the safe size whatever the status). */
    /** Meta-operations (create_snapshot ... apply_snapshot): progress and
     * ChangeTrackingErrorStatus. */
    rsvd_disk_meta_result meta;
    /** query_vhdset: every field but the caller's ids buffer; @p ids
     * (@p nids of them, number_of_snapshots) copied into it as far as it
     * has room. */
    rsvd_disk_vhdset_info vhdset;
    const rsvd_guid *ids;
    uint32_t nids;
    /** change_tracking_get_parameters; change_tracking_stop takes
     * ct.change_tracking_status. */
    rsvd_disk_change_tracking_parameters ct;
    /** query_changes: @p nranges ranges copied as far as there is room;
     * ProcessedByteLength the query's ByteLength when all fit, else where
     * the first that did not fit begins. */
    const rsvd_disk_changed_range *ranges;
    uint32_t nranges;
    /** query_safe_size. */
    uint64_t safe_size;
} fb_outcome;

/** The byte the pattern puts at position @p pos. */
static inline uint8_t fb_pattern_byte(uint64_t pos)
{
    return (uint8_t)(pos * 7u + 3u);
}

/** One logged call. Pointers are the library's and valid only while the
 * call is in flight. */
typedef struct fb_call {
    fb_side side;
    fb_op op;
    void *handle;
    uint64_t offset;
    /** read/write length, set_info/fsctl input length. */
    uint32_t len;
    /** Output capacity (read length, fsctl/query_info cap, data-in cap). */
    uint32_t cap;
    uint32_t info_class;
    uint32_t ctl_code;
    bool delete_file;
    /* open */
    char file_name[64];
    uint32_t create_options;
    rsvd_guid initiator_id;
    bool has_initiator;
    size_t host_name_len;
    /* execute: the command as received */
    rsvd_scsi_cmd cmd;
    /* Version-2 calls: the arguments as received (names copied). */
    rsvd_guid transaction_id;            /**< abort_snapshot, optimize */
    rsvd_disk_snapshot_args snap;        /**< create_snapshot */
    rsvd_disk_extract_args extract;      /**< its name pointer is cleared */
    rsvd_disk_resize_args resize;
    rsvd_disk_apply_args apply;
    rsvd_disk_vhdset_query vhdset_query;
    uint32_t ids_cap;                    /**< query_vhdset: room for ids */
    rsvd_disk_delete_snapshot_args del;
    rsvd_disk_change_tracking_start_args ct_start;
    rsvd_disk_query_changes_args changes;
    uint32_t ranges_cap;                 /**< query_changes: room for ranges */
    rsvd_disk_snapshot_target target;    /**< open_snapshot */
    char name[64];                       /**< extract, convert: the destination */
    /* Where their results go (valid while in flight). */
    rsvd_disk_meta_result *meta_out;
    rsvd_disk_vhdset_info *vhdset_out;
    rsvd_disk_change_tracking_parameters *ct_out;
    uint32_t *ct_status_out;
    rsvd_disk_changes *changes_out;
    uint64_t *safe_out;
    /** First bytes of the data written (write, data-out execute, set_info). */
    uint8_t data_head[16];
    uint32_t data_head_len;
    /* completion */
    rsvd_completion c;
    uint8_t *out;
    rsvd_disk_info *info_out;
    fb_outcome outcome;
    bool pending;   /**< still in flight */
    int complete_rc; /**< what rsvd_complete() returned */
} fb_call;

#define FB_QUEUE_MAX 64

typedef struct fake_backend {
    rsvd_object_store_ops store_ops;
    rsvd_scsi_disk_ops disk_ops;
    fb_outcome deflt[FB_SIDE_COUNT][FB_OP_COUNT];
    fb_outcome queue[FB_SIDE_COUNT][FB_OP_COUNT][FB_QUEUE_MAX];
    unsigned qhead[FB_SIDE_COUNT][FB_OP_COUNT];
    unsigned qlen[FB_SIDE_COUNT][FB_OP_COUNT];
    fb_call *calls;
    size_t ncalls, cap;
    /** Handles 1..nhandles issued: handles[h - 1]. */
    struct fb_handle {
        bool live;          /**< open */
        uint32_t in_flight; /**< calls on it in flight, its close excluded */
    } *handles;
    size_t nhandles, handles_cap;
    size_t open_handles;
    /** Calls in flight. */
    size_t in_flight;
    /** Contract breaches seen. */
    unsigned violations;
    char violation[160];
} fake_backend;

/** Sets up a fake whose every call succeeds at once: reads and data-in
 * commands return the pattern, get_info a 1 GiB disk with 512/4096-byte
 * sectors, validate "valid", SCSI commands GOOD with SRB_STATUS_SUCCESS;
 * the version-2 functions succeed with nothing to report (progress 0 of
 * 0, empty lists, no ranges, safe size 0). */
void fb_init(fake_backend *fb);
void fb_fini(fake_backend *fb);

void fb_set_default(fake_backend *fb, fb_side side, fb_op op, const fb_outcome *o);
/** Queues a one-shot outcome for the next call of this kind. */
void fb_push(fake_backend *fb, fb_side side, fb_op op, const fb_outcome *o);

/** @name Outcome builders
 * @{ */
/** Success, completed at once. */
fb_outcome fb_ok(void);
/** Fails with NTSTATUS @p status. */
fb_outcome fb_fail(uint32_t status);
/** Virtual SCSI disk: STATUS_SUCCESS with this SCSI outcome. */
fb_outcome fb_scsi(uint8_t srb_status, uint8_t scsi_status, bool auto_generated,
                   const uint8_t *sense, uint8_t sense_len);
/** @p o, left pending. */
fb_outcome fb_pend(fb_outcome o);
/** @} */

/** @return the number of calls logged of this kind. */
size_t fb_count(const fake_backend *fb, fb_side side, fb_op op);
/** @return the index of the last call of this kind, or (size_t)-1. */
size_t fb_last(const fake_backend *fb, fb_side side, fb_op op);
/** @return the index of the @p n-th (0-based) call still in flight, or (size_t)-1. */
size_t fb_nth_pending(const fake_backend *fb, size_t n);

/** Completes pending call @p i with its scripted outcome. @return what
 * rsvd_complete() returned (RSVD_E_STATE if @p i is not pending). */
int fb_complete(fake_backend *fb, size_t i);
/** Completes pending call @p i with outcome @p o instead. */
int fb_complete_with(fake_backend *fb, size_t i, const fb_outcome *o);
/** Completes every pending call, oldest first, until none is left. */
void fb_complete_all(fake_backend *fb);

/** Delivers the completion of call @p i again (already completed): the
 * library must refuse it. @return rsvd_complete()'s result. */
int fb_complete_again(fake_backend *fb, size_t i);

#endif /* RSVD_TEST_FAKE_BACKEND_H */
