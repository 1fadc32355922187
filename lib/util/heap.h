/*
 * Indexed binary min-heap of deadlines. Each entry lives inside the object it
 * times (rsvd_heap_node) and knows its own position, so an entry can be
 * removed or re-keyed in O(log n) — e.g. when a detached open is reclaimed
 * before its deadline. Growth goes through the instance allocator.
 */
#ifndef RSVD_UTIL_HEAP_H
#define RSVD_UTIL_HEAP_H

#include <rsvd/common.h>

typedef struct rsvd_heap_node {
    uint64_t key;   /* the deadline */
    uint64_t order; /* insertion order: equal keys pop first-in first-out */
    size_t pos;     /* index in the heap + 1; 0 when not in a heap */
} rsvd_heap_node;

typedef struct rsvd_heap {
    const rsvd_mem *mem;
    rsvd_heap_node **v;
    size_t len, cap;
    uint64_t next_order;
} rsvd_heap;

void rsvd_heap_init(rsvd_heap *h, const rsvd_mem *mem);
void rsvd_heap_fini(rsvd_heap *h);

static inline bool rsvd_heap_node_queued(const rsvd_heap_node *n)
{
    return n->pos != 0;
}

/** Queues @p n with deadline @p key. @return RSVD_OK or RSVD_E_NOMEM. */
int rsvd_heap_push(rsvd_heap *h, rsvd_heap_node *n, uint64_t key);

/** @return the node with the earliest deadline, or NULL if empty. */
static inline rsvd_heap_node *rsvd_heap_peek(const rsvd_heap *h)
{
    return h->len ? h->v[0] : NULL;
}

/** Removes @p n if it is queued (no-op otherwise). */
void rsvd_heap_remove(rsvd_heap *h, rsvd_heap_node *n);

/** Ensures room for @p extra more entries, so pushes cannot fail. */
int rsvd_heap_reserve(rsvd_heap *h, size_t extra);

#endif /* RSVD_UTIL_HEAP_H */
