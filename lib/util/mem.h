/*
 * Internal allocator helpers: every allocation of the library goes through
 * the instance's rsvd_mem.
 */
#ifndef RSVD_UTIL_MEM_H
#define RSVD_UTIL_MEM_H

#include <rsvd/common.h>

static inline void *rsvd_mem_alloc(const rsvd_mem *m, size_t size)
{
    return m->malloc_fn(size, m->user_data);
}

static inline void *rsvd_mem_calloc(const rsvd_mem *m, size_t nmemb, size_t size)
{
    return m->calloc_fn(nmemb, size, m->user_data);
}

static inline void *rsvd_mem_realloc(const rsvd_mem *m, void *ptr, size_t size)
{
    return m->realloc_fn(ptr, size, m->user_data);
}

static inline void rsvd_mem_free(const rsvd_mem *m, void *ptr)
{
    m->free_fn(ptr, m->user_data);
}

/** @return @p m, or the C library allocator when @p m is NULL (for an
 * allocator already checked by rsvd_mem_resolve()). */
static inline const rsvd_mem *rsvd_mem_or_default(const rsvd_mem *m)
{
    return m ? m : rsvd_mem_default();
}

/**
 * The allocator a new instance uses: @p m, or the C library's when NULL.
 * @return the allocator, or NULL when @p m is not one this library can use
 * (struct_size below the first release, or a function missing).
 */
const rsvd_mem *rsvd_mem_resolve(const rsvd_mem *m);

#endif /* RSVD_UTIL_MEM_H */
