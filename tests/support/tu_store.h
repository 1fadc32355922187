/*
 * The test-local state store (rsvd/store.h) of the open-preservation tests
 * and fuzz harnesses: records in memory, or one file per record in a
 * directory (so that a new process finds them after the old one was
 * killed), with injected failures of put, remove and traverse.
 *
 * Needs no test framework (the fuzz harnesses link it too).
 */
#ifndef RSVD_TEST_TU_STORE_H
#define RSVD_TEST_TU_STORE_H

#include <rsvd/store.h>

#define TU_STORE_MAX 4096 /* records in memory */

typedef struct tu_store {
    /** Hand these to the library (ctx is the tu_store). */
    rsvd_store_ops ops;
    /** NULL: records in memory; otherwise the directory that holds them. */
    const char *dir;
    /** Calls made (failed ones included). */
    size_t puts, removes, traverses;
    /** The put (counted in puts) that fails; 0: none. */
    size_t fail_put_at;
    /** The remove (counted in removes) that fails; 0: none. */
    size_t fail_remove_at;
    /** Every put and remove fails while set. */
    bool fail_all;
    /** traverse fails while set. */
    bool fail_traverse;
    /** Calls that failed because a failure was injected. */
    size_t failed;
    /** Records in memory. */
    size_t n;
    struct tu_store_rec {
        size_t key_len, value_len;
        unsigned char key[64];
        unsigned char *value;
    } recs[TU_STORE_MAX];
} tu_store;

/** An empty store in memory. */
void tu_store_init(tu_store *st);
/** A store whose records are files in @p dir (kept, not copied; created if
 * missing). */
void tu_store_init_dir(tu_store *st, const char *dir);
/** Frees the records in memory (a directory's files stay). */
void tu_store_fini(tu_store *st);
/** Records the store holds now. */
size_t tu_store_count(tu_store *st);
/** The value of @p key (NULL if none); *len its length. The pointer is
 * valid until the next call on the store. */
const unsigned char *tu_store_get(tu_store *st, const void *key, size_t key_len, size_t *len);
/** Overwrites the value of @p key with @p len bytes (corrupting it on
 * purpose). */
void tu_store_set(tu_store *st, const void *key, size_t key_len, const void *value, size_t len);

#endif /* RSVD_TEST_TU_STORE_H */
