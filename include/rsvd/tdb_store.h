/*
 * librsvd - the TDB state store: an rsvd_store_ops (rsvd/store.h) over a
 * TDB file (Samba's Trivial Database, libtdb), so that persistent handles
 * survive a restart of the process that serves them.
 *
 * Built and installed only when librsvd is configured with the tdb
 * feature (meson -Dtdb=enabled, or auto with libtdb found; Debian
 * libtdb-dev); the header is installed only then.
 *
 * Every put, remove and apply is one TDB transaction: TDB writes the old
 * contents of what it changes to a recovery area first, so a process
 * killed at any point leaves each record either as it was or as written,
 * and the next open of the file finishes or undoes the interrupted commit
 * by itself. The sync mode says how durable a change is when the call
 * returns:
 *  - RSVD_TDB_SYNC_FULL (default): the commit is flushed to the disk
 *    (fsync/msync, four times), so the change survives a crash of the
 *    machine or a power loss, at the cost of four disk flushes per call;
 *  - RSVD_TDB_SYNC_NONE: the commit is left in the kernel's page cache: it
 *    survives the process being killed (SIGKILL included), not the machine.
 * docs/stores.md gives the measured costs.
 *
 * A failure is RSVD_E_IO (RSVD_E_NOMEM when libtdb ran out of memory) and
 * rsvd_tdb_store_last_error() says why. The record is then as it was, with
 * one exception: when the last flush of a commit fails (or the repacking
 * TDB does after it), the new record was written but its durability is
 * unknown. A remove of a key without a record writes nothing.
 *
 * Processes. Several processes may open the same file at once (TDB's
 * fcntl() byte-range locks serialise their transactions); a process that
 * dies, even by SIGKILL, holding a lock loses it with its descriptors, so
 * the next process opens and writes the file at once. A put blocks while
 * another live process commits. One process opens a file once: a second
 * open of the same file in the same process fails (libtdb's rule, EBUSY).
 * A child of fork() must open the file again rather than use the parent's
 * store.
 *
 * Memory: the store itself is one allocation through the configured
 * rsvd_mem; libtdb allocates its transaction buffers with malloc on every
 * write (a copy of the hash heads, 4 bytes per chain, and the pages the
 * transaction changes). No threads are created; calls must come from one
 * thread at a time.
 */
#ifndef RSVD_TDB_STORE_H
#define RSVD_TDB_STORE_H

#include <rsvd/backend.h>
#include <rsvd/common.h>
#include <rsvd/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief The TDB state store (libtdb): records that outlive the process.
 */

/** Opaque TDB store: one open TDB file. */
typedef struct rsvd_tdb_store rsvd_tdb_store;

/** How durable a change is when put, remove or apply returns. */
typedef enum rsvd_tdb_sync {
    /** Flushed to the disk: survives a machine crash and a power loss. */
    RSVD_TDB_SYNC_FULL = 0,
    /** In the page cache: survives the process being killed, not the
     * machine. */
    RSVD_TDB_SYNC_NONE = 1
} rsvd_tdb_sync;

/** Hash chains of a new file when the configuration says 0. */
#define RSVD_TDB_DEFAULT_HASH_SIZE 10007u
/** Most hash chains a new file may have. */
#define RSVD_TDB_MAX_HASH_SIZE (1u << 24)

/** Configuration of a TDB store. */
typedef struct rsvd_tdb_store_config {
    /** Set by RSVD_STRUCT_INIT(rsvd_tdb_store_config): the size the caller was built with. */
    size_t struct_size;
    /** The TDB file (required). */
    const char *path;
    /** Hash chains of a new file (0: RSVD_TDB_DEFAULT_HASH_SIZE; at most
     * RSVD_TDB_MAX_HASH_SIZE). An existing file keeps its own. About one
     * chain per expected record keeps every write short. */
    uint32_t hash_size;
    /** Permissions of a new file (0: 0600); only the 0777 bits. */
    uint32_t create_mode;
    /** Durability of each change (default RSVD_TDB_SYNC_FULL). */
    rsvd_tdb_sync sync;
    /** Create the file when it does not exist (O_CREAT); otherwise a
     * missing file fails the open. */
    bool create;
    /** Allocator of the store itself (NULL: the C library's). */
    const rsvd_mem *mem;
} rsvd_tdb_store_config;

/**
 * Opens (with @p cfg->create, creates) the TDB file; an interrupted commit
 * left by a process that died is finished or undone here. On failure
 * @p diag (may be NULL) says why: its status is the NTSTATUS of the errno
 * (rsvd_status_from_errno()), its reason names the file, the system error
 * and what libtdb reported ("... is not a tdb file").
 * @return RSVD_OK; RSVD_E_INVAL (no path, a bad hash size, mode or sync
 * mode, a config not set with RSVD_STRUCT_INIT, an unusable allocator);
 * RSVD_E_NOTSUP (a config from newer headers that sets what this library
 * does not know); RSVD_E_IO (the file cannot be opened as a TDB: missing
 * without create, not a TDB, no permission, already open in this process);
 * RSVD_E_NOMEM.
 */
RSVD_API int rsvd_tdb_store_open(const rsvd_tdb_store_config *cfg, rsvd_tdb_store **out,
                                 rsvd_backend_diag *diag);

/** Closes the file and frees @p ts (NULL accepted). Not from inside a
 * traversal of @p ts. */
RSVD_API void rsvd_tdb_store_close(rsvd_tdb_store *ts);

/**
 * @return the store's functions (put, remove, traverse, apply); pass the
 * rsvd_tdb_store as their context. put and apply replace existing records
 * (TDB_REPLACE); traverse reads under TDB's read locks
 * (tdb_traverse_read), so other processes may read meanwhile but their
 * writes wait. put, remove and apply called from a traversal's visitor
 * fail with RSVD_E_BUSY; a NULL context, or a NULL key or value with a
 * non-zero length, with RSVD_E_INVAL. A record larger than a TDB file can
 * hold (4 GiB with its key) fails with RSVD_E_IO.
 */
RSVD_API const rsvd_store_ops *rsvd_tdb_store_ops(void);

/** @return the last failure of @p ts: its NTSTATUS and one line of English
 * ("put of 24+120 bytes: commit: IO Error: No space left on device");
 * STATUS_SUCCESS and an empty reason when nothing failed. */
RSVD_API const rsvd_backend_diag *rsvd_tdb_store_last_error(const rsvd_tdb_store *ts);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_TDB_STORE_H */
