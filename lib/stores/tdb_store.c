/*
 * The TDB state store (rsvd/tdb_store.h): each write is one libtdb
 * transaction; traversals read under TDB's read locks.
 *
 * Why a transaction even without a flush: tdb_store() alone replaces a
 * record by unlinking the old one and then writing the new one, so a
 * process killed in between would lose the record. A transaction writes
 * the old contents to TDB's recovery area first, and the next open undoes
 * or finishes an interrupted commit (docs/stores.md, docs/decisions.md).
 */
#define _GNU_SOURCE /* backends/posix_file.h: the diagnostics helper */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <rsvd/file_store.h>
#include <rsvd/status.h>
#include <rsvd/tdb_store.h>

#include "backends/posix_file.h"
#include "stores/tdb_store_int.h"
#include "util/mem.h"
#include "util/versioned.h"

/* A TDB record (24-byte header, key, value, 4-byte tailer) and its file
 * offsets are 32-bit: refuse what cannot fit before libtdb sees it. */
#define TS_MAX_RECORD (UINT32_MAX - 4096u)

struct rsvd_tdb_store {
    const rsvd_mem *mem;
    struct tdb_context *tdb;
    const rsvd_tdb_calls *calls;
    unsigned traversals; /* in progress: writes are refused meanwhile */
    rsvd_backend_diag last;
    char tdb_log[120]; /* the last error libtdb logged, for the diagnostics */
};

static enum TDB_ERROR real_error(struct tdb_context *tdb)
{
    return tdb_error(tdb);
}

static const char *real_errorstr(struct tdb_context *tdb)
{
    return tdb_errorstr(tdb);
}

static const rsvd_tdb_calls libtdb_calls = {
    .transaction_start = tdb_transaction_start,
    .store = tdb_store,
    .remove = tdb_delete,
    .transaction_commit = tdb_transaction_commit,
    .transaction_cancel = tdb_transaction_cancel,
    .traverse_read = tdb_traverse_read,
    .error = real_error,
    .errorstr = real_errorstr,
};

const rsvd_tdb_calls *rsvd_tdb_calls_default(void)
{
    return &libtdb_calls;
}

void rsvd_tdb_store_set_calls(rsvd_tdb_store *ts, const rsvd_tdb_calls *calls)
{
    ts->calls = calls ? calls : &libtdb_calls;
}

struct tdb_context *rsvd_tdb_store_handle(rsvd_tdb_store *ts)
{
    return ts->tdb;
}

/* ---- diagnostics ---------------------------------------------------------------- */

/* libtdb's log: keep its last error (without the newline) so that the
 * diagnostics can say what libtdb saw ("... is not a tdb file"). */
static void ts_log(struct tdb_context *tdb, enum tdb_debug_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ts_log(struct tdb_context *tdb, enum tdb_debug_level level, const char *fmt, ...)
{
    rsvd_tdb_store *ts = tdb_get_logging_private(tdb);
    if (!ts || level > TDB_DEBUG_ERROR)
        return;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(ts->tdb_log, sizeof ts->tdb_log, fmt, ap);
    va_end(ap);
    ts->tdb_log[strcspn(ts->tdb_log, "\n")] = '\0';
}

/* Records the failure of @p step of @p what (errno as the failing call
 * left it) and says what the caller returns: NOMEM when libtdb ran out of
 * memory, IO otherwise. */
static int ts_fail(rsvd_tdb_store *ts, const char *what, const char *step, int err)
{
    bool oom = ts->calls->error(ts->tdb) == TDB_ERR_OOM;
    uint32_t st = oom ? RSVD_STATUS_INSUFFICIENT_RESOURCES
                      : err ? rsvd_status_from_errno(err) : RSVD_STATUS_IO_DEVICE_ERROR;
    rsvd_diag_set(&ts->last, st, err, "%s: %s: %s%s%s%s%s", what, step,
                  ts->calls->errorstr(ts->tdb), err ? ": " : "", err ? strerror(err) : "",
                  ts->tdb_log[0] ? "; libtdb: " : "", ts->tdb_log);
    ts->tdb_log[0] = '\0';
    return oom ? RSVD_E_NOMEM : RSVD_E_IO;
}

/* ---- writes --------------------------------------------------------------------- */

/* libtdb is given a valid pointer even for an empty key or value. */
static TDB_DATA ts_data(const void *p, size_t len)
{
    static unsigned char empty;
    TDB_DATA d = {len ? (unsigned char *)(uintptr_t)p : &empty, len};
    return d;
}

/* What every write checks first: arguments, then no traversal running. */
static int ts_write_check(const rsvd_tdb_store *ts)
{
    if (!ts)
        return RSVD_E_INVAL;
    if (ts->traversals)
        return RSVD_E_BUSY; /* rsvd/store.h: not changed during a traversal */
    return RSVD_OK;
}

static bool ts_fits(rsvd_tdb_store *ts, const char *what, size_t key_len, size_t value_len)
{
    if (key_len <= TS_MAX_RECORD && value_len <= TS_MAX_RECORD - key_len)
        return true;
    rsvd_diag_set(&ts->last, RSVD_STATUS_DISK_FULL, EFBIG,
                  "%s of %zu+%zu bytes: larger than a TDB record can be", what, key_len,
                  value_len);
    return false;
}

/* The changes as one transaction. A remove of a missing key changes
 * nothing; a transaction that changed nothing is cancelled, not committed
 * (no flush). */
static int ts_write(rsvd_tdb_store *ts, const rsvd_store_change *changes, size_t n,
                    const char *what)
{
    const rsvd_tdb_calls *calls = ts->calls;
    ts->tdb_log[0] = '\0';
    errno = 0;
    if (calls->transaction_start(ts->tdb) != 0)
        return ts_fail(ts, what, "transaction start", errno);
    size_t changed = 0;
    for (size_t i = 0; i < n; i++) {
        const rsvd_store_change *c = &changes[i];
        TDB_DATA key = ts_data(c->key, c->key_len);
        errno = 0;
        if (c->kind == RSVD_STORE_PUT) {
            if (calls->store(ts->tdb, key, ts_data(c->value, c->value_len), TDB_REPLACE) != 0) {
                int rc = ts_fail(ts, what, "store", errno);
                calls->transaction_cancel(ts->tdb);
                return rc;
            }
        } else if (calls->remove(ts->tdb, key) != 0) {
            if (calls->error(ts->tdb) != TDB_ERR_NOEXIST) {
                int rc = ts_fail(ts, what, "delete", errno);
                calls->transaction_cancel(ts->tdb);
                return rc;
            }
            continue; /* no record: nothing to remove */
        }
        changed++;
    }
    if (!changed) {
        calls->transaction_cancel(ts->tdb);
        return RSVD_OK;
    }
    errno = 0;
    if (calls->transaction_commit(ts->tdb) != 0) {
        int rc = ts_fail(ts, what, "commit", errno);
        /* libtdb cancels a commit that failed before its last flush; one
         * whose last flush failed is still open (its data written). */
        if (tdb_transaction_active(ts->tdb))
            calls->transaction_cancel(ts->tdb);
        return rc;
    }
    return RSVD_OK;
}

static int ts_put(void *ctx, const void *key, size_t key_len, const void *value,
                  size_t value_len)
{
    rsvd_tdb_store *ts = ctx;
    if ((!key && key_len) || (!value && value_len))
        return RSVD_E_INVAL;
    int rc = ts_write_check(ts);
    if (rc != RSVD_OK)
        return rc;
    if (!ts_fits(ts, "put", key_len, value_len))
        return RSVD_E_IO;
    char what[64];
    (void)snprintf(what, sizeof what, "put of %zu+%zu bytes", key_len, value_len);
    rsvd_store_change c = {key, key_len, value, value_len, RSVD_STORE_PUT, 0};
    return ts_write(ts, &c, 1, what);
}

static int ts_remove(void *ctx, const void *key, size_t key_len)
{
    rsvd_tdb_store *ts = ctx;
    if (!key && key_len)
        return RSVD_E_INVAL;
    int rc = ts_write_check(ts);
    if (rc != RSVD_OK)
        return rc;
    if (!ts_fits(ts, "remove", key_len, 0))
        return RSVD_E_IO;
    char what[64];
    (void)snprintf(what, sizeof what, "remove of a %zu-byte key", key_len);
    rsvd_store_change c = {key, key_len, NULL, 0, RSVD_STORE_REMOVE, 0};
    return ts_write(ts, &c, 1, what);
}

static int ts_apply(void *ctx, const rsvd_store_change *changes, size_t n)
{
    rsvd_tdb_store *ts = ctx;
    if (!ts || (!changes && n))
        return RSVD_E_INVAL;
    for (size_t i = 0; i < n; i++) {
        const rsvd_store_change *c = &changes[i];
        if ((!c->key && c->key_len) ||
            (c->kind != RSVD_STORE_PUT && c->kind != RSVD_STORE_REMOVE) ||
            (c->kind == RSVD_STORE_PUT && !c->value && c->value_len))
            return RSVD_E_INVAL;
    }
    int rc = ts_write_check(ts);
    if (rc != RSVD_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (!ts_fits(ts, "apply", changes[i].key_len,
                     changes[i].kind == RSVD_STORE_PUT ? changes[i].value_len : 0))
            return RSVD_E_IO;
    if (!n)
        return RSVD_OK;
    char what[64];
    (void)snprintf(what, sizeof what, "apply of %zu changes", n);
    return ts_write(ts, changes, n, what);
}

/* ---- traversal ------------------------------------------------------------------ */

typedef struct ts_visit {
    rsvd_store_visit_fn fn;
    void *arg;
} ts_visit;

static int ts_visit_record(struct tdb_context *tdb, TDB_DATA key, TDB_DATA value, void *p)
{
    (void)tdb;
    const ts_visit *v = p;
    TDB_DATA k = ts_data(key.dptr, key.dsize), d = ts_data(value.dptr, value.dsize);
    return v->fn(v->arg, k.dptr, k.dsize, d.dptr, d.dsize) != 0;
}

static int ts_traverse(void *ctx, rsvd_store_visit_fn fn, void *arg)
{
    rsvd_tdb_store *ts = ctx;
    if (!ts || !fn)
        return RSVD_E_INVAL;
    ts_visit v = {fn, arg};
    ts->tdb_log[0] = '\0';
    ts->traversals++;
    errno = 0;
    int n = ts->calls->traverse_read(ts->tdb, ts_visit_record, &v);
    int err = errno;
    ts->traversals--;
    if (n < 0)
        return ts_fail(ts, "traverse", "tdb_traverse_read", err);
    return RSVD_OK;
}

static const rsvd_store_ops tdb_store_ops = {
    .struct_size = sizeof(rsvd_store_ops),
    .put = ts_put,
    .remove = ts_remove,
    .traverse = ts_traverse,
    .apply = ts_apply,
};

const rsvd_store_ops *rsvd_tdb_store_ops(void)
{
    return &tdb_store_ops;
}

/* ---- open and close ------------------------------------------------------------- */

static struct tdb_context *ts_tdb_open(rsvd_tdb_store *ts, const char *path, int hash_size,
                                       int tdb_flags, int open_flags, mode_t mode, int *err)
{
    const struct tdb_logging_context log = {ts_log, ts};
    errno = 0;
    struct tdb_context *tdb = tdb_open_ex(path, hash_size, tdb_flags,
                                          open_flags | O_RDWR | O_CLOEXEC, mode, &log, NULL);
    *err = tdb ? 0 : errno ? errno : EIO;
    return tdb;
}

/* Opens the file; with create, makes a missing (or empty) one a new TDB.
 * Never with O_CREAT on a file that exists: libtdb would then rewrite a
 * file that is not a TDB as an empty TDB, and a wrong path would destroy
 * whatever the file held. @return 0 or the errno of the failure. */
static int ts_open_file(rsvd_tdb_store *ts, const rsvd_tdb_store_config *c, int hash_size,
                        int tdb_flags, mode_t mode)
{
    int err;
    ts->tdb = ts_tdb_open(ts, c->path, hash_size, tdb_flags, 0, mode, &err);
    if (ts->tdb || !c->create)
        return err;
    struct stat st;
    if (err == ENOENT) {
        ts->tdb = ts_tdb_open(ts, c->path, hash_size, tdb_flags, O_CREAT | O_EXCL, mode, &err);
        if (!ts->tdb && err == EEXIST) /* another process created it meanwhile */
            ts->tdb = ts_tdb_open(ts, c->path, hash_size, tdb_flags, 0, mode, &err);
    } else if (err == EIO && stat(c->path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
        ts->tdb_log[0] = '\0'; /* an empty file: nothing to lose */
        ts->tdb = ts_tdb_open(ts, c->path, hash_size, tdb_flags, O_CREAT, mode, &err);
    }
    return err;
}

int rsvd_tdb_store_open(const rsvd_tdb_store_config *config, rsvd_tdb_store **out,
                        rsvd_backend_diag *diag)
{
    if (diag)
        memset(diag, 0, sizeof *diag);
    if (!out)
        return RSVD_E_INVAL;
    *out = NULL;
    rsvd_tdb_store_config c;
    int rc = rsvd_struct_import(&c, sizeof c, config, RSVD_V0_TDB_STORE_CONFIG);
    if (rc != RSVD_OK) {
        rsvd_diag_set(diag, RSVD_STATUS_INVALID_PARAMETER, 0,
                      "configuration not set with RSVD_STRUCT_INIT, or from newer headers");
        return rc;
    }
    if (!c.path || !*c.path) {
        rsvd_diag_set(diag, RSVD_STATUS_INVALID_PARAMETER, 0, "no TDB file named");
        return RSVD_E_INVAL;
    }
    uint32_t hash_size = c.hash_size ? c.hash_size : RSVD_TDB_DEFAULT_HASH_SIZE;
    uint32_t mode = c.create_mode ? c.create_mode : 0600u;
    if (hash_size > RSVD_TDB_MAX_HASH_SIZE || (mode & ~0777u) ||
        (c.sync != RSVD_TDB_SYNC_FULL && c.sync != RSVD_TDB_SYNC_NONE)) {
        rsvd_diag_set(diag, RSVD_STATUS_INVALID_PARAMETER, 0,
                      "%s: hash size %u (at most %u), mode 0%o (0777 bits only), sync mode %d",
                      c.path, hash_size, RSVD_TDB_MAX_HASH_SIZE, mode, (int)c.sync);
        return RSVD_E_INVAL;
    }
    const rsvd_mem *mem = rsvd_mem_resolve(c.mem);
    if (!mem) {
        rsvd_diag_set(diag, RSVD_STATUS_INVALID_PARAMETER, 0, "unusable allocator");
        return RSVD_E_INVAL;
    }
    rsvd_tdb_store *ts = rsvd_mem_calloc(mem, 1, sizeof *ts);
    if (!ts) {
        rsvd_diag_set(diag, RSVD_STATUS_INSUFFICIENT_RESOURCES, ENOMEM, "%s: no memory", c.path);
        return RSVD_E_NOMEM;
    }
    ts->mem = mem;
    ts->calls = &libtdb_calls;
    /* Jenkins' hash (TDB_INCOMPATIBLE_HASH) spreads keys better than TDB's
     * original one; every libtdb since 1.2.6 reads the choice from the
     * file. No nested transactions: each write is exactly one. */
    int tdb_flags = TDB_INCOMPATIBLE_HASH | TDB_DISALLOW_NESTING;
    if (c.sync == RSVD_TDB_SYNC_NONE)
        tdb_flags |= TDB_NOSYNC;
    int err = ts_open_file(ts, &c, (int)hash_size, tdb_flags, (mode_t)mode);
    if (!ts->tdb) {
        const char *why = strerror(err);
        if (err == EIO && !ts->tdb_log[0])
            why = "not a TDB file (left as it is)";
        /* libtdb's message names the file: the reason then need not. */
        bool named = ts->tdb_log[0] && strstr(ts->tdb_log, c.path);
        rsvd_diag_set(diag, rsvd_status_from_errno(err), err, "open%s%s: %s%s%s%s",
                      named ? "" : " ", named ? "" : c.path, why,
                      err == ENOENT && !c.create ? " (create not set)" : "",
                      ts->tdb_log[0] ? "; libtdb: " : "", ts->tdb_log);
        rsvd_mem_free(mem, ts);
        return err == ENOMEM ? RSVD_E_NOMEM : RSVD_E_IO;
    }
    ts->tdb_log[0] = '\0';
    *out = ts;
    return RSVD_OK;
}

void rsvd_tdb_store_close(rsvd_tdb_store *ts)
{
    if (!ts)
        return;
    tdb_close(ts->tdb);
    rsvd_mem_free(ts->mem, ts);
}

const rsvd_backend_diag *rsvd_tdb_store_last_error(const rsvd_tdb_store *ts)
{
    return &ts->last;
}
