/*
 * Handle table: maps 64-bit handles to objects in O(1), with no hashing.
 *
 * A handle is (generation << 32) | (slot + 1). A slot's generation advances
 * each time it is freed, so a stale handle (its object removed, the slot
 * perhaps reused) never finds the new occupant. Handle 0 is never issued.
 * Growth doubles the slot array through the instance allocator; lookup and
 * removal never allocate.
 */
#ifndef RSVD_UTIL_HANDLE_TABLE_H
#define RSVD_UTIL_HANDLE_TABLE_H

#include <rsvd/common.h>

#include "util/prefetch.h"

typedef struct rsvd_handle_slot {
    void *obj;         /* NULL when free */
    uint32_t gen;      /* generation of the handle issued from this slot */
    uint32_t next_free;/* free-list link (slot index + 1, 0 = end) */
} rsvd_handle_slot;

typedef struct rsvd_handle_table {
    const rsvd_mem *mem;
    rsvd_handle_slot *slots;
    uint32_t cap;       /* slots allocated */
    uint32_t used;      /* slots ever handed out (high-water mark) */
    uint32_t count;     /* live objects */
    uint32_t free_head; /* slot index + 1, 0 = none */
    uint32_t limit;     /* maximum live objects */
} rsvd_handle_table;

/** Initialises an empty table that holds at most @p limit objects. */
void rsvd_handle_table_init(rsvd_handle_table *t, const rsvd_mem *mem, uint32_t limit);

/** Frees the slot array (not the objects). */
void rsvd_handle_table_fini(rsvd_handle_table *t);

/**
 * Stores @p obj (not NULL) and returns its new handle in *out.
 * @return RSVD_OK, RSVD_E_LIMIT (limit reached) or RSVD_E_NOMEM.
 */
int rsvd_handle_table_add(rsvd_handle_table *t, void *obj, uint64_t *out);

/**
 * Stores @p obj under the handle @p h itself (an object restored from a
 * record keeps its handle). The slots below it that were never used join
 * the free list.
 * @return RSVD_OK, RSVD_E_INVAL (a handle the table never issues: slot or
 * generation 0), RSVD_E_STATE (its slot holds an object), RSVD_E_LIMIT or
 * RSVD_E_NOMEM (nothing changed then).
 */
int rsvd_handle_table_add_at(rsvd_handle_table *t, void *obj, uint64_t h);

/** @return the object of @p h, or NULL if @p h is unknown or stale. */
void *rsvd_handle_table_get(const rsvd_handle_table *t, uint64_t h);

/** Asks the CPU to fetch the slot of @p h (a hint, for a caller that will
 * remove or look up many handles in an order that is no order in memory). */
static inline void rsvd_handle_table_prefetch(const rsvd_handle_table *t, uint64_t h)
{
    const uint32_t idx1 = (uint32_t)h;
    if (idx1 - 1u < t->used)
        RSVD_PREFETCH(&t->slots[idx1 - 1u]);
}

/** Removes @p h. @return its object, or NULL if @p h is unknown or stale. */
void *rsvd_handle_table_remove(rsvd_handle_table *t, uint64_t h);

#endif /* RSVD_UTIL_HANDLE_TABLE_H */
