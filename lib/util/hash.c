/*
 * Intrusive chained hash table (util/hash.h).
 */
#include "util/hash.h"

#include "util/mem.h"

void rsvd_hash_init(rsvd_hash *h, const rsvd_mem *mem)
{
    h->mem = rsvd_mem_or_default(mem);
    for (size_t i = 0; i < RSVD_HASH_INLINE_BUCKETS; i++)
        h->inline_buckets[i] = NULL;
    h->buckets = h->inline_buckets;
    h->nbuckets = RSVD_HASH_INLINE_BUCKETS;
    h->count = 0;
}

void rsvd_hash_fini(rsvd_hash *h)
{
    if (h->buckets != h->inline_buckets)
        rsvd_mem_free(h->mem, h->buckets);
    rsvd_hash_init(h, h->mem);
}

/* Doubles the bucket array; on no memory the table stays as it is (still
 * correct, with longer chains). */
static void grow(rsvd_hash *h)
{
    size_t n = h->nbuckets * 2u;
    if (n < h->nbuckets || n > ((size_t)1 << 30))
        return;
    /* An array of bucket heads: sizeof of a pointer to a struct is meant. */
    /* NOLINTNEXTLINE(bugprone-sizeof-expression) */
    rsvd_hash_node **nb = rsvd_mem_calloc(h->mem, n, sizeof *nb);
    if (!nb)
        return;
    for (size_t i = 0; i < h->nbuckets; i++) {
        rsvd_hash_node *e = h->buckets[i];
        while (e) {
            rsvd_hash_node *next = e->next;
            size_t b = (size_t)e->hash & (n - 1u);
            e->next = nb[b];
            nb[b] = e;
            e = next;
        }
    }
    if (h->buckets != h->inline_buckets)
        rsvd_mem_free(h->mem, h->buckets);
    h->buckets = nb;
    h->nbuckets = n;
}

void rsvd_hash_insert(rsvd_hash *h, rsvd_hash_node *n, uint64_t hash)
{
    if (h->count >= h->nbuckets)
        grow(h);
    size_t b = (size_t)hash & (h->nbuckets - 1u);
    n->hash = hash;
    n->next = h->buckets[b];
    h->buckets[b] = n;
    h->count++;
}

void rsvd_hash_remove(rsvd_hash *h, rsvd_hash_node *n)
{
    rsvd_hash_node **pp = &h->buckets[(size_t)n->hash & (h->nbuckets - 1u)];
    for (; *pp; pp = &(*pp)->next) {
        if (*pp == n) {
            *pp = n->next;
            n->next = NULL;
            h->count--;
            return;
        }
    }
}

rsvd_hash_node *rsvd_hash_first(const rsvd_hash *h, uint64_t hash)
{
    rsvd_hash_node *e = h->buckets[(size_t)hash & (h->nbuckets - 1u)];
    while (e && e->hash != hash)
        e = e->next;
    return e;
}

rsvd_hash_node *rsvd_hash_next(const rsvd_hash_node *n)
{
    rsvd_hash_node *e = n->next;
    while (e && e->hash != n->hash)
        e = e->next;
    return e;
}
