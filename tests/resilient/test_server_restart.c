/*
 * Kill and restart: a persistent open is granted through a state store
 * that outlives the process, its LOCK recorded; the process is killed with
 * SIGKILL between two requests; a new process restores the store, the
 * client reclaims the open with DH2C, and the LOCK it replays is
 * recognised ([MS-SMB2] 3.3.5.9.12, 3.3.5.14; rsvd/store.h).
 *
 * The store is a parameter: each entry of `stores` opens one kind of store
 * that outlives a process in a file of the test's directory - the TDB
 * store, its commits flushed and not. Without the TDB store (meson feature
 * tdb) the test reports SKIP, a failure where RSVD_INTEGRATION_REQUIRED=1.
 */
#define _POSIX_C_SOURCE 200809L

#include "tu_daemon.h"

#if TU_HAVE_TDB

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rsvd/status.h>
#include <rsvd/tdb_store.h>

#include "pv_fixture.h"

/* One kind of store that outlives the process. */
typedef struct store_kind {
    const char *name;
    /* Opens the store kept in file @p path; *ops and *ctx are what the
     * server is given. */
    void (*open)(const char *path, const rsvd_store_ops **ops, void **ctx);
    void (*close)(void *ctx);
} store_kind;

static void tdb_open(const char *path, rsvd_tdb_sync sync, const rsvd_store_ops **ops,
                     void **ctx)
{
    rsvd_tdb_store_config c = RSVD_STRUCT_INIT(rsvd_tdb_store_config);
    c.path = path;
    c.create = true;
    c.sync = sync;
    rsvd_tdb_store *ts = NULL;
    assert_int_equal(rsvd_tdb_store_open(&c, &ts, NULL), RSVD_OK);
    *ops = rsvd_tdb_store_ops();
    *ctx = ts;
}

static void tdb_open_flushed(const char *path, const rsvd_store_ops **ops, void **ctx)
{
    tdb_open(path, RSVD_TDB_SYNC_FULL, ops, ctx);
}

static void tdb_open_unflushed(const char *path, const rsvd_store_ops **ops, void **ctx)
{
    tdb_open(path, RSVD_TDB_SYNC_NONE, ops, ctx);
}

static void tdb_close(void *ctx)
{
    rsvd_tdb_store_close(ctx);
}

static const store_kind stores[] = {
    {"the TDB store, commits flushed", tdb_open_flushed, tdb_close},
    {"the TDB store, commits not flushed", tdb_open_unflushed, tdb_close},
};

static const rsvd_guid node_a = {{0xA0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}};

static uint64_t wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The first process: grants the persistent open, records LOCK (3, 5), says
 * so on @p ready, and waits to be killed before its next request. */
static void first_process(const store_kind *k, const char *path, int ready)
{
    const rsvd_store_ops *ops;
    void *ctx;
    k->open(path, &ops, &ctx);
    srv_fx fx;
    pv_wall = wall_now();
    pv_init(&fx, NULL, ops, ctx, &node_a);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid f = pv_persistent(&fx, &s, 0x5E);
    rsvd_res_lock_op op = fx_lock_begin(&fx, &s, &f, rsvd_smb2_lock_seq_encode(3, 5));
    assert_int_equal(op.action, RSVD_RES_LOCK_PROCESS);
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);
    /* The LOCK response would go out now; then the process dies. */
    assert_int_equal(write(ready, &f, sizeof f), (ssize_t)sizeof f);
    for (;;)
        pause();
}

static void persistent_open_survives_sigkill_with_its_lock_sequence(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof stores / sizeof stores[0]; i++) {
        const store_kind *k = &stores[i];
        char name[32];
        snprintf(name, sizeof name, "opens-%zu.tdb", i);
        const char *path = tu_path(name);
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            first_process(k, path, p[1]);
            _exit(2);
        }
        close(p[1]);
        rsvd_smb2_fileid f;
        assert_int_equal(read(p[0], &f, sizeof f), (ssize_t)sizeof f);
        close(p[0]);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        /* A new process (this one) on the same store. */
        const rsvd_store_ops *ops;
        void *ctx;
        k->open(path, &ops, &ctx);
        srv_fx fx;
        pv_wall = wall_now();
        pv_init(&fx, NULL, ops, ctx, &node_a);
        size_t restored = 0;
        assert_int_equal(rsvd_res_server_restore(fx.srv, fx.now, &restored), RSVD_OK);
        assert_int_equal(restored, 1);
        rsvd_res_open_info info = fx_info(&fx, &f);
        assert_int_equal(info.state, RSVD_RES_OPEN_DETACHED);
        assert_true(info.is_persistent);
        /* The client reconnects (new connection, session, tree) with DH2C. */
        pv_where w = pv_alice();
        w.session_id = 0x77;
        fx_sess s = pv_session(&fx, &w);
        assert_int_equal(pv_reconnect(&fx, &s, &f, true, 0x5E, true), RSVD_STATUS_SUCCESS);
        rsvd_smb2_fileid now = fx_info(&fx, &f).file_id;
        /* The LOCK whose response was lost with the process is replayed. */
        rsvd_res_lock_op op = fx_lock_begin(&fx, &s, &now, rsvd_smb2_lock_seq_encode(3, 5));
        assert_int_equal(op.action, RSVD_RES_LOCK_REPLAY);
        op = fx_lock_begin(&fx, &s, &now, rsvd_smb2_lock_seq_encode(3, 6));
        assert_int_equal(op.action, RSVD_RES_LOCK_PROCESS);
        assert_int_equal(rsvd_res_server_open_close(fx.srv, f.persistent_id), RSVD_OK);
        fx_fini(&fx);
        k->close(ctx);
        print_message("restart over %s: restored, reclaimed, LOCK replay recognised\n",
                      k->name);
    }
}

int main(void)
{
    (void)tu_tmpdir("server-restart");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(persistent_open_survives_sigkill_with_its_lock_sequence),
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
