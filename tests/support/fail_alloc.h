/*
 * The one counting, failing rsvd_mem of the tests and the stateful fuzz
 * harnesses: it fails the Nth allocation call (or every one from some point
 * on), and counts the calls, the blocks and bytes alive, so that a test can
 * check that a failed operation leaked nothing, that a path allocated
 * nothing, and that memory stays bounded under a flood.
 *
 * Needs no test framework (the fuzz harnesses link it too). Each instance
 * is its own: pass &a->mem wherever a `const rsvd_mem *` is taken.
 */
#ifndef RSVD_TEST_FAIL_ALLOC_H
#define RSVD_TEST_FAIL_ALLOC_H

#include <rsvd/common.h>

typedef struct fa_alloc {
    /** Hand this to the library (its user_data is the fa_alloc). */
    rsvd_mem mem;
    /** Allocation calls made (malloc, calloc, realloc), failed ones included. */
    size_t calls;
    /** Allocation calls that succeeded (a realloc that grows or shrinks a
     * block included). */
    size_t allocs;
    /** The call number (counted in calls) that fails; 0: none. */
    size_t fail_at;
    /** Every call from this number on fails; 0: none. */
    size_t fail_from;
    /** Calls that failed. */
    size_t failed;
    /** Blocks and bytes alive, and the most bytes alive at once. */
    size_t live, live_bytes, peak_bytes;
} fa_alloc;

/** A healthy allocator with nothing alive. */
void fa_init(fa_alloc *a);

/** The @p n-th allocation call from now (n >= 1) fails; the others work. */
void fa_fail_nth(fa_alloc *a, size_t n);

/** The next @p n allocation calls work; every one after them fails. */
void fa_fail_after(fa_alloc *a, size_t n);

/** Every allocation call from now on fails (fa_fail_after(a, 0)). */
void fa_fail_all(fa_alloc *a);

/** Allocations work again; the count of failed calls is reset. */
void fa_heal(fa_alloc *a);

#endif /* RSVD_TEST_FAIL_ALLOC_H */
