/*
 * The counting, failing allocator (fail_alloc.h). Each block carries its
 * size in a header, so that live bytes are exact.
 */
#include "fail_alloc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef union fa_hdr {
    size_t size;
    max_align_t align;
} fa_hdr;

static bool fa_fails(fa_alloc *a)
{
    a->calls++;
    if ((a->fail_at && a->calls == a->fail_at) || (a->fail_from && a->calls >= a->fail_from)) {
        a->failed++;
        return true;
    }
    return false;
}

static void fa_account(fa_alloc *a, size_t add, size_t sub)
{
    a->live_bytes = a->live_bytes - sub + add;
    if (a->live_bytes > a->peak_bytes)
        a->peak_bytes = a->live_bytes;
}

static void *fa_malloc(size_t n, void *ud)
{
    fa_alloc *a = ud;
    if (fa_fails(a) || n > SIZE_MAX - sizeof(fa_hdr))
        return NULL;
    fa_hdr *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    h->size = n;
    a->allocs++;
    a->live++;
    fa_account(a, n, 0);
    return h + 1;
}

static void *fa_calloc(size_t k, size_t n, void *ud)
{
    fa_alloc *a = ud;
    if (n && k > SIZE_MAX / n) {
        a->calls++;
        return NULL;
    }
    void *p = fa_malloc(k * n, ud);
    if (p)
        memset(p, 0, k * n);
    return p;
}

static void *fa_realloc(void *p, size_t n, void *ud)
{
    fa_alloc *a = ud;
    if (!p)
        return fa_malloc(n, ud);
    if (fa_fails(a) || n > SIZE_MAX - sizeof(fa_hdr))
        return NULL;
    fa_hdr *h = (fa_hdr *)p - 1;
    size_t old = h->size;
    fa_hdr *nh = realloc(h, sizeof *nh + n);
    if (!nh)
        return NULL;
    nh->size = n;
    a->allocs++;
    fa_account(a, n, old);
    return nh + 1;
}

static void fa_free(void *p, void *ud)
{
    fa_alloc *a = ud;
    if (!p)
        return;
    fa_hdr *h = (fa_hdr *)p - 1;
    a->live--;
    fa_account(a, 0, h->size);
    free(h);
}

void fa_init(fa_alloc *a)
{
    memset(a, 0, sizeof *a);
    a->mem = (rsvd_mem){.struct_size = sizeof(rsvd_mem), .malloc_fn = fa_malloc,
                        .calloc_fn = fa_calloc,
                        .realloc_fn = fa_realloc,
                        .free_fn = fa_free,
                        .user_data = a};
}

void fa_fail_nth(fa_alloc *a, size_t n)
{
    a->fail_at = n ? a->calls + n : 0;
    a->fail_from = 0;
    a->failed = 0;
}

void fa_fail_after(fa_alloc *a, size_t n)
{
    a->fail_at = 0;
    a->fail_from = a->calls + n + 1;
    a->failed = 0;
}

void fa_fail_all(fa_alloc *a)
{
    fa_fail_after(a, 0);
}

void fa_heal(fa_alloc *a)
{
    a->fail_at = 0;
    a->fail_from = 0;
    a->failed = 0;
}
