/*
 * The TDB state store (rsvd/tdb_store.h, lib/stores/tdb_store.c): the
 * store contract over a real TDB file, records kept across close and open
 * in both sync modes, configuration and open errors with their
 * diagnostics (a file that is not a TDB is never overwritten), libtdb
 * failures injected at every step of a write (nothing half-done), a real
 * write failure (RLIMIT_FSIZE), records too large for TDB, and the file
 * read by TDB's own tools.
 *
 * The process tests (SIGKILL in a series of puts, a process killed inside
 * a transaction, two processes on one file) are in test_tdb_store_kill.c.
 */
#define _GNU_SOURCE
#include "tu_daemon.h"

#if TU_HAVE_TDB

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rsvd/status.h>
#include <rsvd/tdb_store.h>

#include "fail_alloc.h"
#include "store_contract.h"
#include "stores/tdb_store_int.h"

/* A new file name in the test's directory. */
static const char *fresh_path(void)
{
    static unsigned n;
    char name[32];
    snprintf(name, sizeof name, "store-%u.tdb", n++);
    return tu_path(name);
}

static rsvd_tdb_store *open_store(const char *path, rsvd_tdb_sync sync, bool create)
{
    rsvd_tdb_store_config cfg = RSVD_STRUCT_INIT(rsvd_tdb_store_config);
    cfg.path = path;
    cfg.sync = sync;
    cfg.create = create;
    rsvd_tdb_store *ts = NULL;
    rsvd_backend_diag why;
    int rc = rsvd_tdb_store_open(&cfg, &ts, &why);
    if (rc != RSVD_OK)
        fail_msg("open %s: %s (%s)", path, rsvd_error_name(rc), why.reason);
    return ts;
}

static sc_store as_store(rsvd_tdb_store *ts)
{
    sc_store s = {rsvd_tdb_store_ops(), ts};
    return s;
}

/* The contract runs without a flush per write (the same code path; the
 * flush only costs time, docs/stores.md). */
static char contract_path[512];

static void tdb_open_kind(sc_store *s)
{
    snprintf(contract_path, sizeof contract_path, "%s", fresh_path());
    *s = as_store(open_store(contract_path, RSVD_TDB_SYNC_NONE, true));
}

static void tdb_close_kind(sc_store *s)
{
    rsvd_tdb_store *ts = s->ctx;
    assert_int_equal(tdb_check(rsvd_tdb_store_handle(ts), NULL, NULL), 0);
    rsvd_tdb_store_close(ts);
    unlink(contract_path);
}

static const sc_kind tdb_kind = {"tdb", tdb_open_kind, tdb_close_kind};

static void records_survive_close_and_open_in_both_sync_modes(void **state)
{
    (void)state;
    const rsvd_tdb_sync modes[2] = {RSVD_TDB_SYNC_FULL, RSVD_TDB_SYNC_NONE};
    for (int m = 0; m < 2; m++) {
        const char *path = fresh_path();
        rsvd_tdb_store *ts = open_store(path, modes[m], true);
        sc_store s = as_store(ts);
        uint8_t v[300];
        for (unsigned i = 0; i < 40; i++) {
            char key[16];
            snprintf(key, sizeof key, "fileid-%u", i);
            sc_fill(v, 10 + i * 7, i);
            assert_int_equal(s.ops->put(ts, key, strlen(key), v, 10 + i * 7), RSVD_OK);
        }
        assert_int_equal(s.ops->remove(ts, "fileid-3", 8), RSVD_OK);
        rsvd_store_change c[2] = {{"fileid-4", 8, "replaced", 8, RSVD_STORE_PUT, 0},
                                  {"fileid-5", 8, NULL, 0, RSVD_STORE_REMOVE, 0}};
        assert_int_equal(s.ops->apply(ts, c, 2), RSVD_OK);
        sc_snapshot before, after;
        sc_snapshot_take(&s, &before);
        assert_int_equal(before.n, 38);
        rsvd_tdb_store_close(ts);
        ts = open_store(path, modes[m], false);
        s = as_store(ts);
        sc_snapshot_take(&s, &after);
        sc_snapshot_assert_equal(&before, &after);
        sc_assert_record(&s, "fileid-4", "replaced", 8);
        sc_snapshot_free(&before);
        sc_snapshot_free(&after);
        rsvd_tdb_store_close(ts);
    }
}

static void expect_open_fails(const rsvd_tdb_store_config *cfg, int want_rc, uint32_t status,
                              int sys_errno, const char *in_reason)
{
    rsvd_tdb_store *ts = (rsvd_tdb_store *)(uintptr_t)1;
    rsvd_backend_diag why;
    assert_int_equal(rsvd_tdb_store_open(cfg, &ts, &why), want_rc);
    assert_null(ts);
    assert_int_equal(why.status, status);
    assert_int_equal(why.sys_errno, sys_errno);
    if (!strstr(why.reason, in_reason))
        fail_msg("reason '%s' does not say '%s'", why.reason, in_reason);
}

static void open_refuses_a_bad_configuration(void **state)
{
    (void)state;
    rsvd_tdb_store_config cfg = RSVD_STRUCT_INIT(rsvd_tdb_store_config);
    cfg.create = true;
    assert_int_equal(rsvd_tdb_store_open(&cfg, NULL, NULL), RSVD_E_INVAL);
    expect_open_fails(&cfg, RSVD_E_INVAL, RSVD_STATUS_INVALID_PARAMETER, 0, "no TDB file");
    cfg.path = "";
    expect_open_fails(&cfg, RSVD_E_INVAL, RSVD_STATUS_INVALID_PARAMETER, 0, "no TDB file");
    cfg.path = fresh_path();
    cfg.hash_size = RSVD_TDB_MAX_HASH_SIZE + 1;
    expect_open_fails(&cfg, RSVD_E_INVAL, RSVD_STATUS_INVALID_PARAMETER, 0, "hash size");
    cfg.hash_size = 0;
    cfg.create_mode = 01777;
    expect_open_fails(&cfg, RSVD_E_INVAL, RSVD_STATUS_INVALID_PARAMETER, 0, "mode 01777");
    cfg.create_mode = 0;
    cfg.sync = (rsvd_tdb_sync)2;
    expect_open_fails(&cfg, RSVD_E_INVAL, RSVD_STATUS_INVALID_PARAMETER, 0, "sync mode 2");
    cfg.sync = RSVD_TDB_SYNC_NONE;
    rsvd_mem broken = RSVD_STRUCT_INIT(rsvd_mem);
    cfg.mem = &broken;
    expect_open_fails(&cfg, RSVD_E_INVAL, RSVD_STATUS_INVALID_PARAMETER, 0, "allocator");
    fa_alloc a;
    fa_init(&a);
    fa_fail_all(&a);
    cfg.mem = &a.mem;
    expect_open_fails(&cfg, RSVD_E_NOMEM, RSVD_STATUS_INSUFFICIENT_RESOURCES, ENOMEM, "memory");
    rsvd_tdb_store_config zero;
    memset(&zero, 0, sizeof zero);
    expect_open_fails(&zero, RSVD_E_INVAL, RSVD_STATUS_INVALID_PARAMETER, 0, "RSVD_STRUCT_INIT");
    struct {
        rsvd_tdb_store_config c;
        uint64_t newer;
    } big;
    memset(&big, 0, sizeof big);
    big.c.struct_size = sizeof big;
    big.c.path = fresh_path();
    big.newer = 1;
    expect_open_fails(&big.c, RSVD_E_NOTSUP, RSVD_STATUS_INVALID_PARAMETER, 0, "newer headers");
    assert_int_equal(access(cfg.path, F_OK), -1); /* nothing was created */
}

static void open_says_why_a_file_cannot_be_used(void **state)
{
    (void)state;
    rsvd_tdb_store_config cfg = RSVD_STRUCT_INIT(rsvd_tdb_store_config);
    cfg.path = fresh_path();
    expect_open_fails(&cfg, RSVD_E_IO, RSVD_STATUS_OBJECT_NAME_NOT_FOUND, ENOENT,
                      "create not set");
    expect_open_fails(&cfg, RSVD_E_IO, RSVD_STATUS_OBJECT_NAME_NOT_FOUND, ENOENT, cfg.path);
    cfg.create = true;
    cfg.path = tu_path("no-such-directory/store.tdb");
    expect_open_fails(&cfg, RSVD_E_IO, RSVD_STATUS_OBJECT_NAME_NOT_FOUND, ENOENT,
                      "No such file or directory");
    cfg.path = tu_path("a-directory");
    assert_int_equal(mkdir(cfg.path, 0700), 0);
    expect_open_fails(&cfg, RSVD_E_IO, RSVD_STATUS_ACCESS_DENIED, EISDIR, "Is a directory");
    /* Already open in this process (libtdb's rule). */
    cfg.path = fresh_path();
    rsvd_tdb_store *ts = open_store(cfg.path, RSVD_TDB_SYNC_NONE, true);
    expect_open_fails(&cfg, RSVD_E_IO, RSVD_STATUS_SHARING_VIOLATION, EBUSY,
                      "already open in this process");
    rsvd_tdb_store_close(ts);
}

/* libtdb, asked to create a file that exists but is not a TDB, rewrites it
 * as an empty TDB. The store never asks that: the file stays as it was. */
static void a_file_that_is_not_a_tdb_is_refused_and_left_untouched(void **state)
{
    (void)state;
    const char *path = fresh_path();
    uint8_t junk[8192];
    sc_fill(junk, sizeof junk, 42);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
    assert_int_equal(fclose(f), 0);
    rsvd_tdb_store_config cfg = RSVD_STRUCT_INIT(rsvd_tdb_store_config);
    cfg.path = path;
    cfg.create = true;
    expect_open_fails(&cfg, RSVD_E_IO, RSVD_STATUS_IO_DEVICE_ERROR, EIO, "not a TDB file");
    uint8_t back[sizeof junk + 1];
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(back, 1, sizeof back, f), sizeof junk);
    fclose(f);
    assert_memory_equal(back, junk, sizeof junk);
    /* An empty file holds nothing to lose: create makes it a TDB. */
    const char *empty = fresh_path();
    f = fopen(empty, "wb");
    assert_non_null(f);
    fclose(f);
    cfg.path = empty;
    cfg.create = false;
    expect_open_fails(&cfg, RSVD_E_IO, RSVD_STATUS_IO_DEVICE_ERROR, EIO, "not a TDB file");
    rsvd_tdb_store *ts = open_store(empty, RSVD_TDB_SYNC_NONE, true);
    sc_store s = as_store(ts);
    assert_int_equal(s.ops->put(ts, "k", 1, "v", 1), RSVD_OK);
    rsvd_tdb_store_close(ts);
}

static void a_new_file_has_the_configured_hash_size_and_mode(void **state)
{
    (void)state;
    mode_t old_umask = umask(0);
    rsvd_tdb_store_config cfg = RSVD_STRUCT_INIT(rsvd_tdb_store_config);
    cfg.path = fresh_path();
    cfg.create = true;
    cfg.sync = RSVD_TDB_SYNC_NONE;
    rsvd_tdb_store *ts = NULL;
    assert_int_equal(rsvd_tdb_store_open(&cfg, &ts, NULL), RSVD_OK);
    assert_int_equal(tdb_hash_size(rsvd_tdb_store_handle(ts)), RSVD_TDB_DEFAULT_HASH_SIZE);
    struct stat st;
    assert_int_equal(stat(cfg.path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    rsvd_tdb_store_close(ts);
    cfg.path = fresh_path();
    cfg.hash_size = 131;
    cfg.create_mode = 0640;
    assert_int_equal(rsvd_tdb_store_open(&cfg, &ts, NULL), RSVD_OK);
    assert_int_equal(tdb_hash_size(rsvd_tdb_store_handle(ts)), 131);
    assert_int_equal(stat(cfg.path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    rsvd_tdb_store_close(ts);
    /* An existing file keeps its own. */
    cfg.hash_size = 4099;
    assert_int_equal(rsvd_tdb_store_open(&cfg, &ts, NULL), RSVD_OK);
    assert_int_equal(tdb_hash_size(rsvd_tdb_store_handle(ts)), 131);
    rsvd_tdb_store_close(ts);
    umask(old_umask);
}

/* ---- libtdb failures, injected ------------------------------------------------------ */

typedef struct fake_tdb {
    const rsvd_tdb_calls *real;
    int fail_start, fail_store_at, fail_remove, fail_traverse;
    int commit_failure; /* 1: libtdb cancelled it; 2: left open (its last flush failed) */
    enum TDB_ERROR ecode;
    int stores, cancels;
} fake_tdb;

static fake_tdb fake;

static int fake_start(struct tdb_context *tdb)
{
    if (fake.fail_start) {
        errno = EAGAIN;
        return -1;
    }
    return fake.real->transaction_start(tdb);
}

static int fake_store(struct tdb_context *tdb, TDB_DATA key, TDB_DATA dbuf, int flag)
{
    if (++fake.stores == fake.fail_store_at) {
        errno = ENOSPC;
        return -1;
    }
    return fake.real->store(tdb, key, dbuf, flag);
}

static int fake_remove(struct tdb_context *tdb, TDB_DATA key)
{
    if (fake.fail_remove) {
        errno = EIO;
        return -1;
    }
    return fake.real->remove(tdb, key);
}

static int fake_commit(struct tdb_context *tdb)
{
    if (fake.commit_failure == 1) {
        fake.real->transaction_cancel(tdb);
        errno = EIO;
        return -1;
    }
    if (fake.commit_failure == 2) {
        errno = EIO;
        return -1;
    }
    return fake.real->transaction_commit(tdb);
}

static int fake_cancel(struct tdb_context *tdb)
{
    fake.cancels++;
    return fake.real->transaction_cancel(tdb);
}

static int fake_traverse(struct tdb_context *tdb, tdb_traverse_func fn, void *p)
{
    if (fake.fail_traverse) {
        errno = EIO;
        return -1;
    }
    return fake.real->traverse_read(tdb, fn, p);
}

static enum TDB_ERROR fake_error(struct tdb_context *tdb)
{
    return fake.ecode != TDB_SUCCESS ? fake.ecode : fake.real->error(tdb);
}

static const char *fake_errorstr(struct tdb_context *tdb)
{
    return fake.ecode == TDB_ERR_OOM ? "Out of memory" : fake.real->errorstr(tdb);
}

static const rsvd_tdb_calls fake_calls = {
    .transaction_start = fake_start,
    .store = fake_store,
    .remove = fake_remove,
    .transaction_commit = fake_commit,
    .transaction_cancel = fake_cancel,
    .traverse_read = fake_traverse,
    .error = fake_error,
    .errorstr = fake_errorstr,
};

typedef struct injected {
    rsvd_tdb_store *ts;
    sc_store s;
    sc_snapshot before;
} injected;

static void injected_begin(injected *in)
{
    in->ts = open_store(fresh_path(), RSVD_TDB_SYNC_NONE, true);
    in->s = as_store(in->ts);
    assert_int_equal(in->s.ops->put(in->ts, "kept", 4, "as it was", 9), RSVD_OK);
    assert_int_equal(in->s.ops->put(in->ts, "other", 5, "also kept", 9), RSVD_OK);
    sc_snapshot_take(&in->s, &in->before);
    memset(&fake, 0, sizeof fake);
    fake.real = rsvd_tdb_calls_default();
    rsvd_tdb_store_set_calls(in->ts, &fake_calls);
    const rsvd_backend_diag *d = rsvd_tdb_store_last_error(in->ts);
    assert_int_equal(d->status, RSVD_STATUS_SUCCESS);
    assert_string_equal(d->reason, "");
}

/* The write failed with @p rc and a diagnostic naming @p step; nothing
 * changed, no transaction is left open, and the next write works. */
static void injected_check(injected *in, int rc, int want_rc, uint32_t status, const char *step)
{
    assert_int_equal(rc, want_rc);
    const rsvd_backend_diag *d = rsvd_tdb_store_last_error(in->ts);
    assert_int_equal(d->status, status);
    if (!strstr(d->reason, step))
        fail_msg("reason '%s' does not name '%s'", d->reason, step);
    assert_false(tdb_transaction_active(rsvd_tdb_store_handle(in->ts)));
    rsvd_tdb_store_set_calls(in->ts, NULL);
    sc_snapshot after;
    sc_snapshot_take(&in->s, &after);
    sc_snapshot_assert_equal(&in->before, &after);
    sc_snapshot_free(&after);
    assert_int_equal(in->s.ops->put(in->ts, "next", 4, "works", 5), RSVD_OK);
    sc_assert_record(&in->s, "next", "works", 5);
    sc_snapshot_free(&in->before);
    rsvd_tdb_store_close(in->ts);
}

static int put_kept(injected *in)
{
    return in->s.ops->put(in->ts, "kept", 4, "changed", 7);
}

static void a_transaction_that_cannot_start_changes_nothing(void **state)
{
    (void)state;
    injected in;
    injected_begin(&in);
    fake.fail_start = 1;
    injected_check(&in, put_kept(&in), RSVD_E_IO, RSVD_STATUS_SHARING_VIOLATION,
                   "transaction start");
}

static void a_failed_store_is_cancelled_and_changes_nothing(void **state)
{
    (void)state;
    injected in;
    injected_begin(&in);
    fake.fail_store_at = 1;
    int rc = put_kept(&in);
    assert_int_equal(fake.cancels, 1);
    injected_check(&in, rc, RSVD_E_IO, RSVD_STATUS_DISK_FULL, "put of 4+7 bytes: store");
}

static void a_failed_delete_is_cancelled_and_changes_nothing(void **state)
{
    (void)state;
    injected in;
    injected_begin(&in);
    fake.fail_remove = 1;
    fake.ecode = TDB_ERR_IO;
    int rc = in.s.ops->remove(in.ts, "kept", 4);
    assert_int_equal(fake.cancels, 1);
    injected_check(&in, rc, RSVD_E_IO, RSVD_STATUS_IO_DEVICE_ERROR,
                   "remove of a 4-byte key: delete");
}

static void a_failed_commit_changes_nothing(void **state)
{
    (void)state;
    for (int how = 1; how <= 2; how++) {
        injected in;
        injected_begin(&in);
        fake.commit_failure = how;
        int rc = put_kept(&in);
        /* Cancelled by libtdb (1), or by the store, which finds it open (2). */
        assert_int_equal(fake.cancels, how == 1 ? 0 : 1);
        injected_check(&in, rc, RSVD_E_IO, RSVD_STATUS_IO_DEVICE_ERROR, "commit");
    }
}

static void a_batch_whose_third_store_fails_makes_none_of_its_changes(void **state)
{
    (void)state;
    injected in;
    injected_begin(&in);
    fake.fail_store_at = 3;
    const rsvd_store_change c[] = {
        {"kept", 4, "changed", 7, RSVD_STORE_PUT, 0},
        {"other", 5, NULL, 0, RSVD_STORE_REMOVE, 0},
        {"new", 3, "first", 5, RSVD_STORE_PUT, 0},
        {"new2", 4, "second", 6, RSVD_STORE_PUT, 0},
    };
    int rc = in.s.ops->apply(in.ts, c, 4);
    assert_int_equal(fake.stores, 3); /* two made, the third failed, the fourth never tried */
    injected_check(&in, rc, RSVD_E_IO, RSVD_STATUS_DISK_FULL, "apply of 4 changes: store");
}

static void libtdb_out_of_memory_is_nomem(void **state)
{
    (void)state;
    injected in;
    injected_begin(&in);
    fake.fail_store_at = 1;
    fake.ecode = TDB_ERR_OOM;
    injected_check(&in, put_kept(&in), RSVD_E_NOMEM, RSVD_STATUS_INSUFFICIENT_RESOURCES,
                   "Out of memory");
}

static int count_visit(void *arg, const void *key, size_t key_len, const void *value,
                       size_t value_len)
{
    (void)key, (void)key_len, (void)value, (void)value_len;
    (*(size_t *)arg)++;
    return 0;
}

static void a_failed_traversal_is_an_io_error(void **state)
{
    (void)state;
    injected in;
    injected_begin(&in);
    fake.fail_traverse = 1;
    size_t n = 0;
    int rc = in.s.ops->traverse(in.ts, count_visit, &n);
    assert_int_equal(n, 0);
    injected_check(&in, rc, RSVD_E_IO, RSVD_STATUS_IO_DEVICE_ERROR, "tdb_traverse_read");
}

static void a_record_larger_than_tdb_can_hold_is_refused(void **state)
{
    (void)state;
    injected in;
    injected_begin(&in);
    rsvd_tdb_store_set_calls(in.ts, NULL);
    /* Refused on its length alone: nothing is read from these pointers. */
    const size_t huge = (size_t)5 << 30;
    assert_int_equal(in.s.ops->put(in.ts, "k", 1, "v", huge), RSVD_E_IO);
    const rsvd_backend_diag *d = rsvd_tdb_store_last_error(in.ts);
    assert_int_equal(d->status, RSVD_STATUS_DISK_FULL);
    assert_non_null(strstr(d->reason, "larger than a TDB record"));
    assert_int_equal(in.s.ops->remove(in.ts, "k", huge), RSVD_E_IO);
    rsvd_store_change c[2] = {{"a", 1, "b", 1, RSVD_STORE_PUT, 0},
                              {"k", huge, NULL, 0, RSVD_STORE_REMOVE, 0}};
    assert_int_equal(in.s.ops->apply(in.ts, c, 2), RSVD_E_IO);
    assert_non_null(strstr(d->reason, "apply of 5368709120+0 bytes"));
    injected_check(&in, RSVD_E_IO, RSVD_E_IO, RSVD_STATUS_DISK_FULL, "larger than");
}

/* ---- a real write failure ----------------------------------------------------------- */

/* In a child (the limit and the signal stay there): the file may not grow,
 * so a put that needs more room fails inside libtdb's commit. Exit status:
 * 0, or the number of the check that failed. */
static int child_under_a_file_size_limit(const char *path)
{
    rsvd_tdb_store_config cfg = RSVD_STRUCT_INIT(rsvd_tdb_store_config);
    cfg.path = path;
    cfg.sync = RSVD_TDB_SYNC_NONE;
    rsvd_tdb_store *ts = NULL;
    if (rsvd_tdb_store_open(&cfg, &ts, NULL) != RSVD_OK)
        return 1;
    const rsvd_store_ops *o = rsvd_tdb_store_ops();
    struct stat st;
    if (stat(path, &st) != 0)
        return 2;
    signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG instead */
    struct rlimit lim = {(rlim_t)st.st_size, RLIM_INFINITY};
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
        return 3;
    static uint8_t big[1 << 20];
    sc_fill(big, sizeof big, 9);
    if (o->put(ts, "big", 3, big, sizeof big) != RSVD_E_IO)
        return 4;
    const rsvd_backend_diag *d = rsvd_tdb_store_last_error(ts);
    fprintf(stderr, "the failed put: %s\n", d->reason);
    if (d->status != RSVD_STATUS_DISK_FULL || d->sys_errno != EFBIG)
        return 5;
    rsvd_store_change c[2] = {{"r0", 2, "replaced", 8, RSVD_STORE_PUT, 0},
                              {"big", 3, big, sizeof big, RSVD_STORE_PUT, 0}};
    if (o->apply(ts, c, 2) != RSVD_E_IO)
        return 6;
    rsvd_tdb_store_close(ts);
    return 0;
}

static void a_write_the_file_system_refuses_changes_nothing(void **state)
{
    (void)state;
    const char *path = fresh_path();
    rsvd_tdb_store *ts = open_store(path, RSVD_TDB_SYNC_NONE, true);
    sc_store s = as_store(ts);
    for (int i = 0; i < 10; i++) {
        char key[4] = {'r', (char)('0' + i), 0, 0};
        assert_int_equal(s.ops->put(ts, key, 2, "small", 5), RSVD_OK);
    }
    sc_snapshot before, after;
    sc_snapshot_take(&s, &before);
    rsvd_tdb_store_close(ts);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_under_a_file_size_limit(path));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    ts = open_store(path, RSVD_TDB_SYNC_NONE, false);
    s = as_store(ts);
    sc_snapshot_take(&s, &after);
    sc_snapshot_assert_equal(&before, &after);
    assert_int_equal(tdb_check(rsvd_tdb_store_handle(ts), NULL, NULL), 0);
    sc_snapshot_free(&before);
    sc_snapshot_free(&after);
    rsvd_tdb_store_close(ts);
}

/* ---- TDB's own tools read the file ---------------------------------------------------- */

static bool file_contains(const char *path, const char *text)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

static void tdbtool_and_tdbdump_read_the_file(void **state)
{
    (void)state;
    char tdbtool[256], tdbdump[256];
    if (!tu_which("tdbtool", tdbtool, sizeof tdbtool) ||
        !tu_which("tdbdump", tdbdump, sizeof tdbdump)) {
        const char *req = getenv("RSVD_INTEGRATION_REQUIRED");
        if (req && strcmp(req, "1") == 0)
            fail_msg("tdbtool or tdbdump not found (Debian tdb-tools)");
        printf("SKIP: tdbtool or tdbdump not found (Debian tdb-tools)\n");
        skip();
    }
    const char *path = fresh_path();
    rsvd_tdb_store *ts = open_store(path, RSVD_TDB_SYNC_FULL, true);
    sc_store s = as_store(ts);
    assert_int_equal(s.ops->put(ts, "fileid-0001", 11, "granted", 7), RSVD_OK);
    assert_int_equal(s.ops->put(ts, "fileid-0002", 11, "detached", 8), RSVD_OK);
    rsvd_tdb_store_close(ts);
    const char *log = tu_path("tdbtool.log");
    const char *check[] = {tdbtool, path, "check", NULL};
    assert_int_equal(tu_run(check, log), 0);
    if (!file_contains(log, "integrity is OK and has 2 records")) {
        tu_dump_file(log);
        fail_msg("tdbtool check did not find the two records");
    }
    const char *dump_log = tu_path("tdbdump.log");
    const char *dump[] = {tdbdump, path, NULL};
    assert_int_equal(tu_run(dump, dump_log), 0);
    assert_true(file_contains(dump_log, "key(11) = \"fileid-0001\""));
    assert_true(file_contains(dump_log, "data(8) = \"detached\""));
}

int main(void)
{
    tu_tmpdir("tdb_store");
    const struct CMUnitTest tests[] = {
        SC_CONTRACT_TESTS(&tdb_kind),
        cmocka_unit_test(records_survive_close_and_open_in_both_sync_modes),
        cmocka_unit_test(open_refuses_a_bad_configuration),
        cmocka_unit_test(open_says_why_a_file_cannot_be_used),
        cmocka_unit_test(a_file_that_is_not_a_tdb_is_refused_and_left_untouched),
        cmocka_unit_test(a_new_file_has_the_configured_hash_size_and_mode),
        cmocka_unit_test(a_transaction_that_cannot_start_changes_nothing),
        cmocka_unit_test(a_failed_store_is_cancelled_and_changes_nothing),
        cmocka_unit_test(a_failed_delete_is_cancelled_and_changes_nothing),
        cmocka_unit_test(a_failed_commit_changes_nothing),
        cmocka_unit_test(a_batch_whose_third_store_fails_makes_none_of_its_changes),
        cmocka_unit_test(libtdb_out_of_memory_is_nomem),
        cmocka_unit_test(a_failed_traversal_is_an_io_error),
        cmocka_unit_test(a_record_larger_than_tdb_can_hold_is_refused),
        cmocka_unit_test(a_write_the_file_system_refuses_changes_nothing),
        cmocka_unit_test(tdbtool_and_tdbdump_read_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* !TU_HAVE_TDB */

int main(void)
{
    tu_skip("librsvd was built without the TDB store "
            "(meson feature tdb disabled, or libtdb-dev missing)");
}

#endif
