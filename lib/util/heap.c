#include "util/heap.h"

#include <string.h>

#include "util/mem.h"

/* Children of i: 4i + 1 .. 4i + 4. Four keeps a sift's comparisons within
 * one cache line and halves the levels of a binary heap: a pop among a
 * million deadlines moves ten entries, not twenty. */
#define HEAP_D ((size_t)4)
#define HEAP_LINE ((size_t)64)

void rsvd_heap_init(rsvd_heap *h, const rsvd_mem *mem)
{
    h->mem = rsvd_mem_or_default(mem);
    h->block = NULL;
    h->v = NULL;
    h->pos = NULL;
    h->node = NULL;
    h->len = h->cap = 0;
    h->ids = h->free_id = 0;
    h->next_order = 0;
}

void rsvd_heap_fini(rsvd_heap *h)
{
    for (size_t i = 0; i < h->len; i++)
        h->node[h->v[i].id - 1u]->id = 0;
    rsvd_mem_free(h->mem, h->block);
    rsvd_heap_init(h, h->mem);
}

static inline bool before(const rsvd_heap_entry *a, const rsvd_heap_entry *b)
{
    /* Orders compare modulo 2^32 (serial-number arithmetic). However two
     * equal keys compare, keys alone decide the order of unequal ones, so
     * the heap pops deadlines in order whatever. */
    return a->key < b->key || (a->key == b->key && (int32_t)(a->order - b->order) < 0);
}

static inline void place(rsvd_heap *h, size_t i, const rsvd_heap_entry *e)
{
    h->v[i] = *e;
    h->pos[e->id - 1u] = (uint32_t)i;
}

/* Moves @p e up from hole @p i to its place. */
static void sift_up(rsvd_heap *h, size_t i, const rsvd_heap_entry *e)
{
    while (i > 0) {
        size_t parent = (i - 1) / HEAP_D;
        if (!before(e, &h->v[parent]))
            break;
        place(h, i, &h->v[parent]);
        i = parent;
    }
    place(h, i, e);
}

/* Moves @p e down from hole @p i to its place. */
static void sift_down(rsvd_heap *h, size_t i, const rsvd_heap_entry *e)
{
    const size_t len = h->len;
    for (;;) {
        size_t first = HEAP_D * i + 1;
        if (first >= len)
            break;
        size_t end = first + HEAP_D < len ? first + HEAP_D : len;
        size_t m = first;
        for (size_t c = first + 1; c < end; c++)
            if (before(&h->v[c], &h->v[m]))
                m = c;
        if (!before(&h->v[m], e))
            break;
        place(h, i, &h->v[m]);
        i = m;
    }
    place(h, i, e);
}

int rsvd_heap_reserve(rsvd_heap *h, size_t extra)
{
    if (extra <= h->cap - h->len)
        return RSVD_OK;
    size_t ncap = h->cap ? h->cap : 16;
    while (ncap - h->len < extra) {
        if (ncap > UINT32_MAX / 2) /* ids and positions are 32-bit */
            return RSVD_E_NOMEM;
        ncap *= 2;
    }
    /* One block: the entries, then the nodes and the positions by id (one
     * allocation per growth, as many as a heap of pointers needed). The
     * entries start 16 bytes before a 64-byte boundary, so that the
     * children 4i + 1 .. 4i + 4 of every entry share a cache line. */
    /* h->node is an array of pointers: sizeof of a pointer to a struct is
     * meant (clang-tidy 14 has no option to accept this idiom). */
    const size_t per =
        sizeof *h->v + sizeof *h->node + sizeof *h->pos; /* NOLINT(bugprone-sizeof-expression) */
    if (ncap > (SIZE_MAX - HEAP_LINE) / per)
        return RSVD_E_NOMEM;
    void *block = rsvd_mem_alloc(h->mem, ncap * per + HEAP_LINE);
    if (!block)
        return RSVD_E_NOMEM;
    uintptr_t first =
        ((uintptr_t)block + sizeof *h->v + HEAP_LINE - 1u) & ~(uintptr_t)(HEAP_LINE - 1u);
    rsvd_heap_entry *nv = (rsvd_heap_entry *)((unsigned char *)block +
                                              (first - sizeof *h->v - (uintptr_t)block));
    rsvd_heap_node **nnode = (rsvd_heap_node **)(void *)(nv + ncap);
    uint32_t *npos = (uint32_t *)(void *)(nnode + ncap);
    if (h->cap) {
        memcpy(nv, h->v, h->len * sizeof *nv);
        memcpy(nnode, h->node, h->ids * sizeof *nnode); /* NOLINT(bugprone-sizeof-expression) */
        memcpy(npos, h->pos, h->ids * sizeof *npos);
    }
    rsvd_mem_free(h->mem, h->block);
    h->block = block;
    h->v = nv;
    h->node = nnode;
    h->pos = npos;
    h->cap = ncap;
    return RSVD_OK;
}

/* Gives back the id of a node leaving the heap. */
static inline void id_free(rsvd_heap *h, rsvd_heap_node *n)
{
    h->pos[n->id - 1u] = h->free_id;
    h->free_id = n->id;
    n->id = 0;
}

int rsvd_heap_push(rsvd_heap *h, rsvd_heap_node *n, uint64_t key)
{
    if (n->id)
        rsvd_heap_remove(h, n);
    int rc = rsvd_heap_reserve(h, 1);
    if (rc != RSVD_OK)
        return rc;
    /* Ids in use are the entries, so one is free below cap. */
    uint32_t id = h->free_id;
    if (id)
        h->free_id = h->pos[id - 1u];
    else
        id = ++h->ids;
    h->node[id - 1u] = n;
    n->id = id;
    n->key = key;
    const rsvd_heap_entry e = {key, h->next_order++, id};
    sift_up(h, h->len++, &e);
    return RSVD_OK;
}

void rsvd_heap_remove(rsvd_heap *h, rsvd_heap_node *n)
{
    if (!n->id)
        return;
    size_t i = h->pos[n->id - 1u];
    id_free(h, n);
    h->len--;
    if (i == h->len)
        return;
    const rsvd_heap_entry last = h->v[h->len];
    if (i > 0 && before(&last, &h->v[(i - 1) / HEAP_D]))
        sift_up(h, i, &last);
    else
        sift_down(h, i, &last);
}

/* The smallest of the four entries from @p f (a whole group). */
static inline size_t min_of_four(const rsvd_heap_entry *v, size_t f)
{
    size_t a = before(&v[f + 1], &v[f]) ? f + 1 : f;
    size_t b = before(&v[f + 3], &v[f + 2]) ? f + 3 : f + 2;
    return before(&v[b], &v[a]) ? b : a;
}

rsvd_heap_node *rsvd_heap_pop(rsvd_heap *h)
{
    rsvd_heap_node *n = h->node[h->v[0].id - 1u];
    id_free(h, n);
    const size_t len = --h->len;
    if (!len)
        return n;
    const rsvd_heap_entry last = h->v[len];
    /* Floyd's pop: the hole at the root goes down to a leaf along the
     * smallest children, then the last entry - which belongs near the
     * leaves - rises from there. Each level costs three comparisons, not
     * four, and the next level's lines are asked for before this one is
     * compared (among a million entries the deep levels are not in the
     * caches: the fetches overlap instead of queueing). */
    size_t i = 0;
    for (;;) {
        size_t first = HEAP_D * i + 1;
        if (first >= len)
            break;
        size_t m;
        if (first + HEAP_D <= len) {
            /* The grandchildren: four adjacent lines (16 entries). */
            if (HEAP_D * first + HEAP_D * HEAP_D < len) {
                const rsvd_heap_entry *g = &h->v[HEAP_D * first + 1];
                RSVD_PREFETCH(g);
                RSVD_PREFETCH(g + HEAP_D);
                RSVD_PREFETCH(g + 2 * HEAP_D);
                RSVD_PREFETCH(g + 3 * HEAP_D);
            }
            m = min_of_four(h->v, first);
        } else {
            m = first;
            for (size_t c = first + 1; c < len; c++)
                if (before(&h->v[c], &h->v[m]))
                    m = c;
        }
        place(h, i, &h->v[m]);
        i = m;
    }
    sift_up(h, i, &last);
    return n;
}

/* ---- taking every entry below a deadline at once ----------------------------- */

/* Byte @p b of the sort key of @p e: bytes 0-3 its push order (made
 * relative to the next push by the caller: increasing with the push,
 * whatever the wrap of the counter), bytes 4-11 its deadline. */
static inline unsigned sort_byte(const rsvd_heap_entry *e, unsigned b)
{
    return b < 4 ? (e->order >> (8u * b)) & 0xFFu : (unsigned)(e->key >> (8u * (b - 4u))) & 0xFFu;
}

/* Sorts @p n entries by (deadline, relative push order) into @p src or
 * @p tmp (the one returned): a radix sort, least significant byte first,
 * after one pass that counts every byte, so that bytes every entry shares
 * are skipped (deadlines of a few hours in milliseconds differ in three
 * or four bytes, a million pushes in three). Linear whatever the ties - a
 * million opens of one client lost at once share their deadline. */
static rsvd_heap_entry *sort_due(rsvd_heap_entry *src, rsvd_heap_entry *tmp, size_t n)
{
    enum { BYTES = 12 };
    size_t count[BYTES][256];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) {
        const uint32_t o = src[i].order;
        const uint64_t k = src[i].key;
        for (unsigned b = 0; b < 4; b++)
            count[b][(o >> (8u * b)) & 0xFFu]++;
        for (unsigned b = 0; b < 8; b++)
            count[4 + b][(k >> (8u * b)) & 0xFFu]++;
    }
    for (unsigned b = 0; b < BYTES; b++) {
        if (count[b][sort_byte(&src[0], b)] == n)
            continue; /* one value: the order stands */
        size_t at = 0;
        for (size_t d = 0; d < 256; d++) {
            size_t c = count[b][d];
            count[b][d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[b][sort_byte(&src[i], b)]++] = src[i];
        rsvd_heap_entry *t = src;
        src = tmp;
        tmp = t;
    }
    return src;
}

size_t rsvd_heap_take_before(rsvd_heap *h, uint64_t now, rsvd_heap_node ***out)
{
    *out = NULL;
    const size_t len = h->len;
    size_t m = 0;
    for (size_t i = 0; i < len; i++)
        m += h->v[i].key < now;
    if (!m)
        return 0;
    if (m > SIZE_MAX / 2 / sizeof *h->v)
        return SIZE_MAX;
    rsvd_heap_entry *a = rsvd_mem_alloc(h->mem, 2 * m * sizeof *a);
    if (!a)
        return SIZE_MAX;
    rsvd_heap_entry *b = a + m;
    /* The taken entries out; the others packed at the front. */
    size_t k = 0, keep = 0;
    for (size_t i = 0; i < len; i++) {
        if (h->v[i].key < now) {
            a[k] = h->v[i];
            a[k++].order -= h->next_order; /* relative: what the sort orders by */
        } else {
            h->v[keep++] = h->v[i];
        }
    }
    h->len = keep;
    /* The rest made a heap again, bottom-up (O(n)); every position set. */
    for (size_t i = 0; i < keep; i++)
        h->pos[h->v[i].id - 1u] = (uint32_t)i;
    for (size_t i = keep / HEAP_D + 1; i-- > 0;) {
        if (i >= keep)
            continue;
        const rsvd_heap_entry e = h->v[i];
        sift_down(h, i, &e);
    }
    /* The taken ones in (deadline, push order): the order popping gives. */
    rsvd_heap_entry *src = sort_due(a, b, m);
    rsvd_heap_entry *dst = src == a ? b : a;
    /* The nodes, in that order, into the other half (free now), then to
     * the start of the block (the halves do not overlap). */
    rsvd_heap_node **nodes = (rsvd_heap_node **)(void *)dst;
    for (size_t i = 0; i < m; i++) {
        rsvd_heap_node *n = h->node[src[i].id - 1u];
        id_free(h, n);
        nodes[i] = n;
    }
    if ((void *)nodes != (void *)a)
        memcpy((void *)a, nodes, m * sizeof *nodes); /* NOLINT(bugprone-sizeof-expression) */
    *out = (rsvd_heap_node **)(void *)a;
    return m;
}
