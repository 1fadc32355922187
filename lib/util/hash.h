/*
 * Intrusive chained hash table of 64-bit hash values. A node lives inside
 * the object it indexes, so inserting never allocates: the bucket array
 * grows opportunistically, and when it cannot, chains just get longer
 * (the table starts with a small inline bucket array). Lookups walk the
 * chain of a hash value; the caller compares its own keys.
 */
#ifndef RSVD_UTIL_HASH_H
#define RSVD_UTIL_HASH_H

#include <rsvd/common.h>

typedef struct rsvd_hash_node {
    struct rsvd_hash_node *next;
    uint64_t hash;
} rsvd_hash_node;

#define RSVD_HASH_INLINE_BUCKETS 16u

typedef struct rsvd_hash {
    const rsvd_mem *mem;
    rsvd_hash_node **buckets; /* inline_buckets or an allocated array */
    size_t nbuckets;          /* a power of two */
    size_t count;
    rsvd_hash_node *inline_buckets[RSVD_HASH_INLINE_BUCKETS];
} rsvd_hash;

void rsvd_hash_init(rsvd_hash *h, const rsvd_mem *mem);
/** Frees the bucket array (not the objects). */
void rsvd_hash_fini(rsvd_hash *h);

/** Links @p n under @p hash; never fails. */
void rsvd_hash_insert(rsvd_hash *h, rsvd_hash_node *n, uint64_t hash);

/** Unlinks @p n (which must be linked). */
void rsvd_hash_remove(rsvd_hash *h, rsvd_hash_node *n);

/** @return the first node of @p hash's chain whose hash is @p hash, or NULL. */
rsvd_hash_node *rsvd_hash_first(const rsvd_hash *h, uint64_t hash);

/** @return the next node after @p n with the same hash, or NULL. */
rsvd_hash_node *rsvd_hash_next(const rsvd_hash_node *n);

#endif /* RSVD_UTIL_HASH_H */
