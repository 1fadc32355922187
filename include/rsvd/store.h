/*
 * librsvd - the state store of preserved opens.
 *
 * Everything a later reconnect of a preserved open depends on (its grant,
 * its disconnection with its deadline, its reclaim, its close, each
 * LockSequence entry) is written to a store before the reply that depends
 * on it goes out, so that a server restarted on the same store can restore
 * its persistent opens, and so that several server nodes can share one
 * store (docs/scale-out.md).
 *
 * The store is a map from keys to values, both byte strings; the library
 * chooses them and encodes every value through its own wire layer (a
 * value's layout is the library's business, versioned inside the value).
 * A host may supply any store with these functions; the library has two
 * built in: an in-memory store (rsvd/memory_store.h) and a TDB
 * store over libtdb (rsvd/tdb_store.h, when built).
 *
 * Contract, the same for every function:
 *  - Synchronous: when put or remove returns RSVD_OK, the change is as
 *    durable as the store promises (the TDB store: written to its file);
 *    the library sends the reply that depends on it only afterwards.
 *  - A failure is RSVD_E_IO (or RSVD_E_NOMEM); the library then refuses the
 *    grant or the reclaim that needed the write, with a clear status, and
 *    leaves its own state as it was.
 *  - Calls come from the thread that drives the instance using the store,
 *    never concurrently on one instance.
 */
#ifndef RSVD_STORE_H
#define RSVD_STORE_H

#include <rsvd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief The state-store interface of preserved opens (key/value, written
 * before the reply that depends on it).
 */

/**
 * Called by rsvd_store_ops.traverse for each record. The key and value are
 * valid only during the call.
 * @return 0 to go on, anything else to stop the traversal.
 */
typedef int (*rsvd_store_visit_fn)(void *arg, const void *key, size_t key_len,
                                   const void *value, size_t value_len);

/** What one change of a batch does (rsvd_store_change). */
typedef enum rsvd_store_change_kind {
    /** Writes the record of the key, replacing any earlier one (as put). */
    RSVD_STORE_PUT = 0,
    /** Removes the record of the key; a key without a record is not an
     * error (as remove). */
    RSVD_STORE_REMOVE = 1
} rsvd_store_change_kind;

/** One change of a batch (rsvd_store_ops.apply). An array element: it
 * does not grow and has no struct_size. */
typedef struct rsvd_store_change {
    /** The record's key. */
    const void *key;
    /** Its length in bytes (0 is a valid, empty key). */
    size_t key_len;
    /** The record's value (RSVD_STORE_PUT; not read by a remove). */
    const void *value;
    /** Its length in bytes. */
    size_t value_len;
    /** Put or remove. */
    rsvd_store_change_kind kind;
    /** Zero. */
    uint32_t reserved;
} rsvd_store_change;

/** A state store: its functions and the context they receive. */
typedef struct rsvd_store_ops {
    /** Set by RSVD_STRUCT_INIT(rsvd_store_ops): the size the caller was built with. */
    size_t struct_size;
    /** Writes the record of @p key, replacing any earlier one.
     * @return RSVD_OK, RSVD_E_IO or RSVD_E_NOMEM. */
    int (*put)(void *ctx, const void *key, size_t key_len, const void *value,
               size_t value_len);
    /** Removes the record of @p key; a key without a record is not an
     * error. @return RSVD_OK, RSVD_E_IO or RSVD_E_NOMEM. */
    int (*remove)(void *ctx, const void *key, size_t key_len);
    /** Calls @p fn for every record, in no particular order, until it
     * returns non-zero. The store is not changed during a traversal (the
     * built-in stores refuse a put, remove or apply made from @p fn with
     * RSVD_E_BUSY).
     * @return RSVD_OK (also when @p fn stopped it) or RSVD_E_IO. */
    int (*traverse)(void *ctx, rsvd_store_visit_fn fn, void *arg);
    /** Optional (NULL: the store has no batches, and the changes are made
     * one by one with put and remove). Makes the @p n changes, in order,
     * as one: when it returns RSVD_OK every change is as durable as a
     * put's; when it fails, none was made. A later change of a key
     * overrides an earlier one of the batch. What it is for: one durable
     * write for many changes, such as the disconnection of every open of
     * a lost connection (docs/stores.md gives the costs).
     * @return RSVD_OK, RSVD_E_IO or RSVD_E_NOMEM. */
    int (*apply)(void *ctx, const rsvd_store_change *changes, size_t n);
} rsvd_store_ops;

#ifdef __cplusplus
}
#endif

#endif /* RSVD_STORE_H */
