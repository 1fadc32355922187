/*
 * librsvd - the in-memory state store: an rsvd_store_ops (rsvd/store.h)
 * whose records live in the process's memory.
 *
 * The default store of preserved opens: it keeps durable and resilient
 * opens across lost connections, not across a restart of the process (the
 * TDB store, rsvd/tdb_store.h, does that). It outlives any server that
 * uses it, so a host (or a test) can free a server, keep the store, and
 * create a new server that restores from it.
 *
 * A chained hash table keyed by SipHash-2-4 of the key under a 128-bit
 * secret (a random one unless the configuration sets it), so that keys a
 * client can influence (a CreateGuid) cannot be chosen to collide. Each
 * record is one allocation of its key and value; the buckets double when
 * there are more records than buckets (a failed growth keeps the old
 * buckets: still correct, only longer chains).
 *
 * Contract (rsvd/store.h): every function completes before it returns. A
 * put allocates the new record before it touches the old one, so a put or
 * apply that fails (RSVD_E_NOMEM) leaves the store as it was. put, remove
 * and apply called from a traversal's visitor fail with RSVD_E_BUSY; a
 * NULL context, or a NULL key or value with a non-zero length, with
 * RSVD_E_INVAL. No threads: calls must come from one thread at a time.
 *
 * Memory: every allocation goes through the configured rsvd_mem, whose
 * limits bound the store (a firmware hands in a pool). A record costs its
 * key and value, a 32-byte header and 8 to 16 bytes of bucket array.
 */
#ifndef RSVD_MEMORY_STORE_H
#define RSVD_MEMORY_STORE_H

#include <rsvd/common.h>
#include <rsvd/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief The in-memory state store of preserved opens.
 */

/** Opaque in-memory store. */
typedef struct rsvd_memory_store rsvd_memory_store;

/** Configuration of an in-memory store. */
typedef struct rsvd_memory_store_config {
    /** Set by RSVD_STRUCT_INIT(rsvd_memory_store_config): the size the caller was built with. */
    size_t struct_size;
    /** Allocator (NULL: the C library's). */
    const rsvd_mem *mem;
    /** SipHash key of the hash table; {0, 0}: a random key from the
     * kernel (getrandom), so that no one can predict collisions. Set it
     * only to make runs repeatable (tests, fuzzing). */
    uint64_t hash_key[2];
} rsvd_memory_store_config;

/**
 * Creates an empty store. @p cfg NULL takes every default.
 * @return RSVD_OK; RSVD_E_INVAL (@p out NULL, a config not set with
 * RSVD_STRUCT_INIT, an unusable allocator); RSVD_E_NOTSUP (a config from
 * newer headers that sets what this library does not know); RSVD_E_NOMEM.
 */
RSVD_API int rsvd_memory_store_create(const rsvd_memory_store_config *cfg,
                                      rsvd_memory_store **out);

/** Frees every record and @p ms (NULL accepted). Not from inside a
 * traversal of @p ms. */
RSVD_API void rsvd_memory_store_destroy(rsvd_memory_store *ms);

/** @return the store's functions (put, remove, traverse, apply); pass the
 * rsvd_memory_store as their context. */
RSVD_API const rsvd_store_ops *rsvd_memory_store_ops(void);

/** @return the number of records in @p ms. */
RSVD_API size_t rsvd_memory_store_count(const rsvd_memory_store *ms);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_MEMORY_STORE_H */
