/*
 * A fault-injecting state store for the tests and the stateful fuzz
 * harnesses: it wraps any rsvd_store_ops (rsvd/store.h) and passes every
 * call through, except the calls it is told to fail, which return
 * RSVD_E_IO (or RSVD_E_NOMEM). It counts the calls of each function, so a
 * test can fail "the 3rd put", "every remove from now on", or "the 5th
 * write of any kind" and check that the code under test refused what
 * needed the write and left its own state as it was.
 *
 * Two ways to fail, as real stores do:
 *  - before the write (the default): the inner store is not called, it is
 *    as it was (a transaction that could not start or commit);
 *  - after the write (fail_after_write): the inner store makes the change
 *    and the call still fails (a TDB commit whose last flush failed: the
 *    record is there but its durability unknown).
 * A failing traversal visits traverse_visits_before_failure records (0:
 * none) and then fails (a traversal that meets a damaged record).
 *
 * Needs no test framework (the fuzz harnesses link it too). The wrapper's
 * functions are in `ops`; its apply is NULL when the inner store has none.
 */
#ifndef RSVD_TEST_FAULTY_STORE_H
#define RSVD_TEST_FAULTY_STORE_H

#include <rsvd/store.h>

/** The functions a faulty store counts and fails; FAULTY_WRITE is any of
 * put, remove and apply (the Nth write whatever its kind). */
typedef enum faulty_store_fn {
    FAULTY_PUT = 0,
    FAULTY_REMOVE = 1,
    FAULTY_TRAVERSE = 2,
    FAULTY_APPLY = 3,
    FAULTY_WRITE = 4,
    FAULTY_FNS = 5
} faulty_store_fn;

typedef struct faulty_store {
    /** Hand these to the code under test, with the faulty_store as their
     * context. */
    rsvd_store_ops ops;
    /** The wrapped store. */
    const rsvd_store_ops *inner;
    void *inner_ctx;
    /** Calls made of each function (failed ones included). */
    size_t calls[FAULTY_FNS];
    /** Calls that the wrapper failed. */
    size_t failed[FAULTY_FNS];
    /** The call number (counted in calls) that fails; 0: none. */
    size_t fail_at[FAULTY_FNS];
    /** Every call from this number on fails; 0: none. */
    size_t fail_from[FAULTY_FNS];
    /** What a failed call returns: RSVD_E_IO (the default) or RSVD_E_NOMEM. */
    int error;
    /** A failing write first makes its change in the inner store. */
    bool fail_after_write;
    /** A failing traversal first visits this many records. */
    size_t traverse_visits_before_failure;
} faulty_store;

/** Wraps @p inner (with its context @p inner_ctx): nothing fails yet. */
void faulty_store_init(faulty_store *f, const rsvd_store_ops *inner, void *inner_ctx);

/** The @p n-th call of @p fn from now (n >= 1) fails; the others pass. */
void faulty_store_fail_nth(faulty_store *f, faulty_store_fn fn, size_t n);

/** The next @p n calls of @p fn pass; every one after them fails. */
void faulty_store_fail_after(faulty_store *f, faulty_store_fn fn, size_t n);

/** Nothing fails any more (the counts are kept). */
void faulty_store_heal(faulty_store *f);

#endif /* RSVD_TEST_FAULTY_STORE_H */
