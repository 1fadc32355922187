/*
 * The in-memory state store (rsvd/memory_store.h): a chained hash table of
 * records, each one allocation holding its key and value.
 *
 * Every write first allocates what it needs and only then changes the
 * table, so a write that fails leaves the store as it was (rsvd/store.h:
 * nothing is half-done).
 */
#include <string.h>
#include <sys/random.h>

#include <rsvd/memory_store.h>

#include "util/mem.h"
#include "util/siphash.h"
#include "util/versioned.h"

/* Buckets at the first put; the table doubles up to the last. */
#define MS_FIRST_BUCKETS 16u
#define MS_MAX_BUCKETS ((size_t)1 << 30)

typedef struct ms_record {
    struct ms_record *next; /* the bucket's chain */
    uint64_t hash;
    size_t key_len;
    size_t value_len;
    unsigned char bytes[]; /* the key, then the value */
} ms_record;

struct rsvd_memory_store {
    const rsvd_mem *mem;
    uint64_t k0, k1; /* the SipHash key */
    ms_record **buckets;
    size_t nbuckets; /* 0 (nothing stored yet) or a power of two */
    size_t count;
    unsigned traversals; /* in progress: writes are refused meanwhile */
};

static uint64_t ms_hash(const rsvd_memory_store *ms, const void *key, size_t key_len)
{
    return rsvd_siphash24(ms->k0, ms->k1, key, key_len, false);
}

/* @return the link that points to the record of the key (NULL if none). */
static ms_record **ms_find(rsvd_memory_store *ms, const void *key, size_t key_len,
                           uint64_t hash)
{
    if (!ms->nbuckets)
        return NULL;
    for (ms_record **link = &ms->buckets[hash & (ms->nbuckets - 1u)]; *link;
         link = &(*link)->next) {
        const ms_record *r = *link;
        if (r->hash == hash && r->key_len == key_len &&
            (key_len == 0 || memcmp(r->bytes, key, key_len) == 0))
            return link;
    }
    return NULL;
}

static ms_record *ms_record_new(rsvd_memory_store *ms, const void *key, size_t key_len,
                                const void *value, size_t value_len)
{
    if (key_len > SIZE_MAX - sizeof(ms_record) ||
        value_len > SIZE_MAX - sizeof(ms_record) - key_len)
        return NULL; /* no allocator could give that much */
    ms_record *r = rsvd_mem_alloc(ms->mem, sizeof(ms_record) + key_len + value_len);
    if (!r)
        return NULL;
    r->next = NULL;
    r->hash = ms_hash(ms, key, key_len);
    r->key_len = key_len;
    r->value_len = value_len;
    if (key_len)
        memcpy(r->bytes, key, key_len);
    if (value_len)
        memcpy(r->bytes + key_len, value, value_len);
    return r;
}

/* The first put allocates the buckets. */
static int ms_ensure_buckets(rsvd_memory_store *ms)
{
    if (ms->nbuckets)
        return RSVD_OK;
    /* An array of chain heads: sizeof of a pointer to a struct is meant. */
    /* NOLINTNEXTLINE(bugprone-sizeof-expression) */
    ms->buckets = rsvd_mem_calloc(ms->mem, MS_FIRST_BUCKETS, sizeof *ms->buckets);
    if (!ms->buckets)
        return RSVD_E_NOMEM;
    ms->nbuckets = MS_FIRST_BUCKETS;
    return RSVD_OK;
}

/* Doubles the buckets when there are more records than buckets. A failed
 * growth keeps the old ones: still correct, only longer chains. */
static void ms_grow(rsvd_memory_store *ms)
{
    if (ms->count <= ms->nbuckets || ms->nbuckets >= MS_MAX_BUCKETS)
        return;
    size_t n = ms->nbuckets * 2u;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression) */
    ms_record **nb = rsvd_mem_calloc(ms->mem, n, sizeof *nb);
    if (!nb)
        return;
    for (size_t i = 0; i < ms->nbuckets; i++) {
        ms_record *r = ms->buckets[i];
        while (r) {
            ms_record *next = r->next;
            ms_record **head = &nb[r->hash & (n - 1u)];
            r->next = *head;
            *head = r;
            r = next;
        }
    }
    rsvd_mem_free(ms->mem, ms->buckets);
    ms->buckets = nb;
    ms->nbuckets = n;
}

/* Puts @p r in the table in place of the record of its key, if any. */
static void ms_link(rsvd_memory_store *ms, ms_record *r)
{
    ms_record **link = ms_find(ms, r->bytes, r->key_len, r->hash);
    if (link) {
        ms_record *old = *link;
        r->next = old->next;
        *link = r;
        rsvd_mem_free(ms->mem, old);
        return;
    }
    ms_record **head = &ms->buckets[r->hash & (ms->nbuckets - 1u)];
    r->next = *head;
    *head = r;
    ms->count++;
}

static void ms_unlink(rsvd_memory_store *ms, const void *key, size_t key_len)
{
    ms_record **link = ms_find(ms, key, key_len, ms_hash(ms, key, key_len));
    if (!link)
        return;
    ms_record *old = *link;
    *link = old->next;
    rsvd_mem_free(ms->mem, old);
    ms->count--;
}

/* What every write checks first: arguments, then no traversal running. */
static int ms_write_check(const rsvd_memory_store *ms, const void *key, size_t key_len)
{
    if (!ms || (!key && key_len))
        return RSVD_E_INVAL;
    if (ms->traversals)
        return RSVD_E_BUSY; /* rsvd/store.h: not changed during a traversal */
    return RSVD_OK;
}

static int ms_put(void *ctx, const void *key, size_t key_len, const void *value,
                  size_t value_len)
{
    rsvd_memory_store *ms = ctx;
    int rc = ms_write_check(ms, key, key_len);
    if (rc != RSVD_OK)
        return rc;
    if (!value && value_len)
        return RSVD_E_INVAL;
    ms_record *r = ms_record_new(ms, key, key_len, value, value_len);
    if (!r)
        return RSVD_E_NOMEM;
    if (ms_ensure_buckets(ms) != RSVD_OK) {
        rsvd_mem_free(ms->mem, r);
        return RSVD_E_NOMEM;
    }
    ms_link(ms, r);
    ms_grow(ms);
    return RSVD_OK;
}

static int ms_remove(void *ctx, const void *key, size_t key_len)
{
    rsvd_memory_store *ms = ctx;
    int rc = ms_write_check(ms, key, key_len);
    if (rc != RSVD_OK)
        return rc;
    ms_unlink(ms, key, key_len);
    return RSVD_OK;
}

static void ms_free_chain(rsvd_memory_store *ms, ms_record *r)
{
    while (r) {
        ms_record *next = r->next;
        rsvd_mem_free(ms->mem, r);
        r = next;
    }
}

/* The batch: every change is checked and every new record allocated (kept
 * in order on a private chain), and the table, before the first change is
 * made, so that a failure changes nothing; the changes cannot fail. */
static int ms_apply(void *ctx, const rsvd_store_change *changes, size_t n)
{
    rsvd_memory_store *ms = ctx;
    if (!ms || (!changes && n))
        return RSVD_E_INVAL;
    for (size_t i = 0; i < n; i++) {
        const rsvd_store_change *c = &changes[i];
        if ((!c->key && c->key_len) ||
            (c->kind != RSVD_STORE_PUT && c->kind != RSVD_STORE_REMOVE) ||
            (c->kind == RSVD_STORE_PUT && !c->value && c->value_len))
            return RSVD_E_INVAL;
    }
    if (ms->traversals)
        return RSVD_E_BUSY;
    ms_record *fresh = NULL, **tail = &fresh;
    for (size_t i = 0; i < n; i++) {
        const rsvd_store_change *c = &changes[i];
        if (c->kind != RSVD_STORE_PUT)
            continue;
        ms_record *r = ms_record_new(ms, c->key, c->key_len, c->value, c->value_len);
        if (!r) {
            ms_free_chain(ms, fresh);
            return RSVD_E_NOMEM;
        }
        *tail = r;
        tail = &r->next;
    }
    if (fresh && ms_ensure_buckets(ms) != RSVD_OK) {
        ms_free_chain(ms, fresh);
        return RSVD_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const rsvd_store_change *c = &changes[i];
        if (c->kind == RSVD_STORE_PUT) {
            ms_record *r = fresh;
            fresh = r->next;
            r->next = NULL;
            ms_link(ms, r);
        } else {
            ms_unlink(ms, c->key, c->key_len);
        }
    }
    ms_grow(ms);
    return RSVD_OK;
}

static int ms_traverse(void *ctx, rsvd_store_visit_fn fn, void *arg)
{
    rsvd_memory_store *ms = ctx;
    if (!ms || !fn)
        return RSVD_E_INVAL;
    ms->traversals++;
    for (size_t i = 0; i < ms->nbuckets; i++)
        for (const ms_record *r = ms->buckets[i]; r; r = r->next)
            if (fn(arg, r->bytes, r->key_len, r->bytes + r->key_len, r->value_len) != 0)
                goto stop;
stop:
    ms->traversals--;
    return RSVD_OK;
}

static const rsvd_store_ops memory_store_ops = {
    .struct_size = sizeof(rsvd_store_ops),
    .put = ms_put,
    .remove = ms_remove,
    .traverse = ms_traverse,
    .apply = ms_apply,
};

const rsvd_store_ops *rsvd_memory_store_ops(void)
{
    return &memory_store_ops;
}

/* A key no one can predict. Without the kernel's randomness (a kernel
 * older than 3.17, a seccomp filter) the store's address stands in, which
 * ASLR makes hard to guess, though not secret. */
static void ms_random_key(rsvd_memory_store *ms)
{
    uint64_t k[2];
    if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
        k[0] = (uint64_t)(uintptr_t)ms * 0x9e3779b97f4a7c15ull;
        k[1] = ~k[0];
    }
    ms->k0 = k[0];
    ms->k1 = k[1];
}

int rsvd_memory_store_create(const rsvd_memory_store_config *config, rsvd_memory_store **out)
{
    if (!out)
        return RSVD_E_INVAL;
    *out = NULL;
    rsvd_memory_store_config c = RSVD_STRUCT_INIT(rsvd_memory_store_config);
    if (config) {
        int rc = rsvd_struct_import(&c, sizeof c, config, RSVD_V0_MEMORY_STORE_CONFIG);
        if (rc != RSVD_OK)
            return rc;
    }
    const rsvd_mem *mem = rsvd_mem_resolve(c.mem);
    if (!mem)
        return RSVD_E_INVAL;
    rsvd_memory_store *ms = rsvd_mem_calloc(mem, 1, sizeof *ms);
    if (!ms)
        return RSVD_E_NOMEM;
    ms->mem = mem;
    if (c.hash_key[0] || c.hash_key[1]) {
        ms->k0 = c.hash_key[0];
        ms->k1 = c.hash_key[1];
    } else {
        ms_random_key(ms);
    }
    *out = ms;
    return RSVD_OK;
}

void rsvd_memory_store_destroy(rsvd_memory_store *ms)
{
    if (!ms)
        return;
    for (size_t i = 0; i < ms->nbuckets; i++)
        ms_free_chain(ms, ms->buckets[i]);
    rsvd_mem_free(ms->mem, ms->buckets);
    rsvd_mem_free(ms->mem, ms);
}

size_t rsvd_memory_store_count(const rsvd_memory_store *ms)
{
    return ms ? ms->count : 0;
}
