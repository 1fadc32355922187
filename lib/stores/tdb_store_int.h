/*
 * Internal: the libtdb calls the TDB store makes, in a replaceable table so
 * that tests can make any of them fail (a transaction that cannot start, a
 * store, delete or commit that fails, a commit whose last flush fails and
 * leaves the transaction open, a traversal that breaks off).
 */
#ifndef RSVD_STORES_TDB_STORE_INT_H
#define RSVD_STORES_TDB_STORE_INT_H

#include <tdb.h>

#include <rsvd/tdb_store.h>

/** The libtdb functions of the store's writes and traversals. */
typedef struct rsvd_tdb_calls {
    int (*transaction_start)(struct tdb_context *tdb);
    int (*store)(struct tdb_context *tdb, TDB_DATA key, TDB_DATA dbuf, int flag);
    int (*remove)(struct tdb_context *tdb, TDB_DATA key);
    int (*transaction_commit)(struct tdb_context *tdb);
    int (*transaction_cancel)(struct tdb_context *tdb);
    int (*traverse_read)(struct tdb_context *tdb, tdb_traverse_func fn, void *private_data);
    /** tdb_error(): a replacement reports the TDB error of its failure. */
    enum TDB_ERROR (*error)(struct tdb_context *tdb);
    /** tdb_errorstr(), to match. */
    const char *(*errorstr)(struct tdb_context *tdb);
} rsvd_tdb_calls;

/** @return the table that calls libtdb. */
const rsvd_tdb_calls *rsvd_tdb_calls_default(void);

/** Makes @p ts call @p calls (NULL: libtdb's own) from now on. */
void rsvd_tdb_store_set_calls(rsvd_tdb_store *ts, const rsvd_tdb_calls *calls);

/** @return the libtdb handle of @p ts. */
struct tdb_context *rsvd_tdb_store_handle(rsvd_tdb_store *ts);

#endif /* RSVD_STORES_TDB_STORE_INT_H */
