#include "util/heap.h"

#include "util/mem.h"

void rsvd_heap_init(rsvd_heap *h, const rsvd_mem *mem)
{
    h->mem = rsvd_mem_or_default(mem);
    h->v = NULL;
    h->len = h->cap = 0;
    h->next_order = 0;
}

void rsvd_heap_fini(rsvd_heap *h)
{
    for (size_t i = 0; i < h->len; i++)
        h->v[i]->pos = 0;
    rsvd_mem_free(h->mem, h->v);
    h->v = NULL;
    h->len = h->cap = 0;
}

static bool before(const rsvd_heap_node *a, const rsvd_heap_node *b)
{
    return a->key < b->key || (a->key == b->key && a->order < b->order);
}

static void place(rsvd_heap *h, size_t i, rsvd_heap_node *n)
{
    h->v[i] = n;
    n->pos = i + 1;
}

static void sift_up(rsvd_heap *h, size_t i)
{
    rsvd_heap_node *n = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(n, h->v[parent]))
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, n);
}

static void sift_down(rsvd_heap *h, size_t i)
{
    rsvd_heap_node *n = h->v[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const rsvd_heap_node *best = n;
        if (l < h->len && before(h->v[l], best)) {
            m = l;
            best = h->v[l];
        }
        if (r < h->len && before(h->v[r], best))
            m = r;
        if (m == i)
            break;
        place(h, i, h->v[m]);
        i = m;
    }
    place(h, i, n);
}

int rsvd_heap_reserve(rsvd_heap *h, size_t extra)
{
    if (h->len + extra <= h->cap)
        return RSVD_OK;
    size_t ncap = h->cap ? h->cap : 16;
    while (ncap < h->len + extra) {
        /* h->v is an array of pointers: sizeof of a pointer to a struct is
         * meant (clang-tidy 14 has no option to accept this idiom). */
        if (ncap > SIZE_MAX / 2 / sizeof *h->v) /* NOLINT(bugprone-sizeof-expression) */
            return RSVD_E_NOMEM;
        ncap *= 2;
    }
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, as above */
    rsvd_heap_node **nv = rsvd_mem_realloc(h->mem, h->v, ncap * sizeof *nv);
    if (!nv)
        return RSVD_E_NOMEM;
    h->v = nv;
    h->cap = ncap;
    return RSVD_OK;
}

int rsvd_heap_push(rsvd_heap *h, rsvd_heap_node *n, uint64_t key)
{
    if (n->pos)
        rsvd_heap_remove(h, n);
    int rc = rsvd_heap_reserve(h, 1);
    if (rc != RSVD_OK)
        return rc;
    n->key = key;
    n->order = h->next_order++;
    place(h, h->len++, n);
    sift_up(h, h->len - 1);
    return RSVD_OK;
}

void rsvd_heap_remove(rsvd_heap *h, rsvd_heap_node *n)
{
    if (!n->pos)
        return;
    size_t i = n->pos - 1;
    n->pos = 0;
    h->len--;
    if (i == h->len)
        return;
    place(h, i, h->v[h->len]);
    if (i > 0 && before(h->v[i], h->v[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}
