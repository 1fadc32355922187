/*
 * Kill and restart: a persistent open is granted through a state store
 * that outlives the process, its LOCK recorded; the process is killed with
 * SIGKILL between two requests; a new process restores the store, the
 * client reclaims the open with DH2C, and the LOCK it replays is
 * recognised ([MS-SMB2] 3.3.5.9.12, 3.3.5.14; rsvd/store.h).
 *
 * The store is a parameter: each entry of `stores` opens one kind of store
 * on a directory. The test-local store (one file per record) is always
 * there; a store built into the library over TDB joins the table when it
 * is built.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rsvd/status.h>

#include "pv_fixture.h"
#include "tu_store.h"

/* One kind of store that outlives the process. */
typedef struct store_kind {
    const char *name;
    /* Opens the store kept in @p dir; *ops and *ctx are what the server is
     * given. */
    void (*open)(const char *dir, const rsvd_store_ops **ops, void **ctx);
    void (*close)(void *ctx);
} store_kind;

static void dir_open(const char *dir, const rsvd_store_ops **ops, void **ctx)
{
    tu_store *st = calloc(1, sizeof *st);
    assert_non_null(st);
    tu_store_init_dir(st, dir);
    *ops = &st->ops;
    *ctx = st;
}

static void dir_close(void *ctx)
{
    tu_store_fini(ctx);
    free(ctx);
}

static const store_kind stores[] = {
    {"one file per record", dir_open, dir_close},
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
static void first_process(const store_kind *k, const char *dir, int ready)
{
    const rsvd_store_ops *ops;
    void *ctx;
    k->open(dir, &ops, &ctx);
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
        const char *base = getenv("TMPDIR");
        char path[256];
        snprintf(path, sizeof path, "%s/rsvd-restart-XXXXXX", base && *base ? base : "/tmp");
        assert_non_null(mkdtemp(path));
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
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
        assert_int_equal(system(cmd), 0);
        print_message("restart over %s: restored, reclaimed, LOCK replay recognised\n",
                      k->name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(persistent_open_survives_sigkill_with_its_lock_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
