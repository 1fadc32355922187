/*
 * Indexed 4-ary min-heap of deadlines, for a million timed objects.
 *
 * The array holds each entry's deadline, insertion order and id, so a
 * comparison reads the array and nothing else: a sift looks at four
 * children in adjacent entries, never at the scattered objects being
 * timed. An object's node (inside it) holds its deadline and its id; the
 * heap keeps, by id, the entry's position (4 bytes: what a sift writes
 * when it moves an entry) and the node (read when the entry is popped).
 * So an entry is removed or re-keyed in O(log n) - e.g. when a detached
 * open is reclaimed before its deadline - and a sift touches only the
 * heap's own arrays. Growth goes through the instance allocator.
 * docs/performance.md gives the choice and its costs.
 */
#ifndef RSVD_UTIL_HEAP_H
#define RSVD_UTIL_HEAP_H

#include <rsvd/common.h>

#include "util/prefetch.h"

typedef struct rsvd_heap_node {
    uint64_t key; /* the deadline (what the owner reads; the heap sorts on its copy) */
    uint32_t id;  /* the heap's id of its entry; 0 when not in a heap */
} rsvd_heap_node;

/* One entry of the array: 16 bytes, so the four children of an entry are
 * one cache line (the array is laid out so that each group of four starts
 * a line). */
typedef struct rsvd_heap_entry {
    uint64_t key;
    uint32_t order; /* insertion order, modulo 2^32: equal keys pop first-in
                       first-out (among entries pushed within 2^31 pushes of
                       each other; past that only their order among
                       themselves may differ) */
    uint32_t id;
} rsvd_heap_entry;

typedef struct rsvd_heap {
    const rsvd_mem *mem;
    void *block;           /* the one allocation that holds v, node and pos */
    rsvd_heap_entry *v;    /* len entries */
    rsvd_heap_node **node; /* by id - 1 */
    uint32_t *pos;         /* by id - 1: the entry's index in v; a free id's next free id */
    size_t len, cap;       /* cap: of v, node and pos */
    uint32_t ids;          /* ids ever handed out (at most cap) */
    uint32_t free_id;      /* first free id, 0: none */
    uint32_t next_order;
} rsvd_heap;

void rsvd_heap_init(rsvd_heap *h, const rsvd_mem *mem);
void rsvd_heap_fini(rsvd_heap *h);

static inline bool rsvd_heap_node_queued(const rsvd_heap_node *n)
{
    return n->id != 0;
}

/** Queues @p n with deadline @p key. @return RSVD_OK or RSVD_E_NOMEM. */
int rsvd_heap_push(rsvd_heap *h, rsvd_heap_node *n, uint64_t key);

/** @return the node with the earliest deadline, or NULL if empty. */
static inline rsvd_heap_node *rsvd_heap_peek(const rsvd_heap *h)
{
    return h->len ? h->node[h->v[0].id - 1u] : NULL;
}

/** @return whether the earliest deadline is below @p now (read from the
 * array: no node is touched). */
static inline bool rsvd_heap_top_before(const rsvd_heap *h, uint64_t now)
{
    return h->len && h->v[0].key < now;
}

/** Removes @p n if it is queued (no-op otherwise). */
void rsvd_heap_remove(rsvd_heap *h, rsvd_heap_node *n);

/** Removes the node with the earliest deadline (the heap is not empty) and
 * @return it. */
rsvd_heap_node *rsvd_heap_pop(rsvd_heap *h);

/**
 * Removes every node whose deadline is below @p now and hands them back in
 * the order rsvd_heap_pop() would give them (deadline, then push order), in
 * an array allocated with the heap's allocator (*out; free it with
 * rsvd_mem_free). O(n) in the nodes queued: for when much of a large heap
 * is due at once (a scavenger after a long pause, a server whose clients
 * all left), where popping each costs a descent of the heap.
 * @return how many (0: none due, *out NULL), or SIZE_MAX when the scratch
 * space could not be allocated (nothing removed: pop them one at a time).
 */
size_t rsvd_heap_take_before(rsvd_heap *h, uint64_t now, rsvd_heap_node ***out);

/** Ensures room for @p extra more entries, so pushes cannot fail. */
int rsvd_heap_reserve(rsvd_heap *h, size_t extra);

#endif /* RSVD_UTIL_HEAP_H */
