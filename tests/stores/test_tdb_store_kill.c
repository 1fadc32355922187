/*
 * The TDB store across processes (rsvd/tdb_store.h, "Processes"):
 *  - a child writes a series of puts and removes, reporting each one that
 *    returned through a pipe before it starts the next; the parent kills it
 *    with SIGKILL at a random point, reopens the file and finds exactly the
 *    changes that returned (and the one in flight either whole or not at
 *    all), the file consistent (tdb_check); several rounds, both sync modes;
 *  - a process killed while it holds TDB's transaction lock, before and
 *    after TDB armed its recovery area, blocks no one: the next process
 *    opens the file at once and finds the old records;
 *  - two live processes write one file at the same time.
 *
 * The kill points are random: RSVD_TEST_SEED=<n> repeats a run (the seed
 * is printed).
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rsvd/memory_store.h>
#include <rsvd/tdb_store.h>

#include "store_contract.h"
#include "stores/tdb_store_int.h"

static uint64_t seed, first_seed;

static uint32_t next_random(void)
{
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(seed >> 33);
}

static rsvd_tdb_store *open_store(const char *path, rsvd_tdb_sync sync)
{
    rsvd_tdb_store_config cfg = RSVD_STRUCT_INIT(rsvd_tdb_store_config);
    cfg.path = path;
    cfg.sync = sync;
    cfg.create = true;
    rsvd_tdb_store *ts = NULL;
    return rsvd_tdb_store_open(&cfg, &ts, NULL) == RSVD_OK ? ts : NULL;
}

/* ---- the series of changes ------------------------------------------------------------ */

/* Change i of the series: 24 keys, every fifth change a remove, the rest
 * puts of values whose length and bytes depend on i (up to 3000 bytes, so
 * that records move and the file grows while the series runs). */
static void series_change(uint32_t i, rsvd_store_change *c, char key[16], uint8_t value[3000])
{
    snprintf(key, 16, "open-%02u", i % 24u);
    c->key = key;
    c->key_len = strlen(key);
    c->reserved = 0;
    if (i % 5u == 4u) {
        c->kind = RSVD_STORE_REMOVE;
        c->value = NULL;
        c->value_len = 0;
        return;
    }
    c->kind = RSVD_STORE_PUT;
    c->value_len = 1u + (i * 37u) % 3000u;
    sc_fill(value, c->value_len, i);
    memcpy(value, &i, c->value_len < 4 ? c->value_len : 4);
    c->value = value;
}

static int series_make(const rsvd_store_ops *o, void *ctx, uint32_t i)
{
    rsvd_store_change c;
    char key[16];
    uint8_t value[3000];
    series_change(i, &c, key, value);
    return c.kind == RSVD_STORE_PUT ? o->put(ctx, c.key, c.key_len, c.value, c.value_len)
                                    : o->remove(ctx, c.key, c.key_len);
}

/* The child: every change that returned is reported before the next. */
static _Noreturn void series_child(const char *path, rsvd_tdb_sync sync, int report)
{
    alarm(120); /* should the parent never kill it */
    rsvd_tdb_store *ts = open_store(path, sync);
    if (!ts)
        _exit(2);
    for (uint32_t i = 0; i < 1000000u; i++) {
        if (series_make(rsvd_tdb_store_ops(), ts, i) != RSVD_OK)
            _exit(3);
        if (write(report, &i, sizeof i) != (ssize_t)sizeof i)
            _exit(4);
    }
    _exit(0);
}

/* The records after changes 0..@p last (none when last is -1). */
static void series_model(int64_t last, sc_snapshot *snap)
{
    rsvd_memory_store *ms = NULL;
    assert_int_equal(rsvd_memory_store_create(NULL, &ms), RSVD_OK);
    for (int64_t i = 0; i <= last; i++)
        assert_int_equal(series_make(rsvd_memory_store_ops(), ms, (uint32_t)i), RSVD_OK);
    sc_store s = {rsvd_memory_store_ops(), ms};
    sc_snapshot_take(&s, snap);
    rsvd_memory_store_destroy(ms);
}

static bool snapshots_equal(const sc_snapshot *a, const sc_snapshot *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->r[i].key_len != b->r[i].key_len || a->r[i].value_len != b->r[i].value_len ||
            memcmp(a->r[i].key, b->r[i].key, a->r[i].key_len) != 0 ||
            memcmp(a->r[i].value, b->r[i].value, a->r[i].value_len) != 0)
            return false;
    return true;
}

/* One round: kill the child after @p reports changes were reported (and
 * whatever it did while the signal was on its way). @return whether the
 * change in flight had reached the file. */
static bool kill_round(const char *path, rsvd_tdb_sync sync, uint32_t reports)
{
    unlink(path);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        series_child(path, sync, fds[1]);
    }
    close(fds[1]);
    int64_t last = -1;
    uint32_t i;
    while ((uint32_t)(last + 1) < reports && read(fds[0], &i, sizeof i) == (ssize_t)sizeof i) {
        assert_int_equal(i, (uint32_t)(last + 1));
        last = i;
    }
    /* The kill lands anywhere in the next changes: in a store, in the
     * commit, between a commit and its report. */
    usleep(next_random() % 400u);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("the child ended otherwise than by SIGKILL (status 0x%x)", status);
    /* Reports written before the signal landed. */
    while (read(fds[0], &i, sizeof i) == (ssize_t)sizeof i) {
        assert_int_equal(i, (uint32_t)(last + 1));
        last = i;
    }
    close(fds[0]);
    assert_true(last >= (int64_t)reports - 1);

    rsvd_tdb_store *ts = open_store(path, sync);
    assert_non_null(ts);
    assert_int_equal(tdb_check(rsvd_tdb_store_handle(ts), NULL, NULL), 0);
    sc_store s = {rsvd_tdb_store_ops(), ts};
    sc_snapshot got, done, in_flight;
    sc_snapshot_take(&s, &got);
    series_model(last, &done);
    series_model(last + 1, &in_flight);
    bool reached = !snapshots_equal(&got, &done);
    if (reached && !snapshots_equal(&got, &in_flight))
        fail_msg("after %lld reported changes the file holds %zu records: neither the "
                 "reported changes nor those and the next one (seed %llu)",
                 (long long)last + 1, got.n, (unsigned long long)first_seed);
    /* The store goes on from there. */
    assert_int_equal(s.ops->put(ts, "after", 5, "restart", 7), RSVD_OK);
    sc_snapshot_free(&got);
    sc_snapshot_free(&done);
    sc_snapshot_free(&in_flight);
    rsvd_tdb_store_close(ts);
    return reached;
}

static void a_series_killed_by_sigkill_keeps_exactly_the_changes_that_returned(void **state)
{
    (void)state;
    const char *path = tu_path("series.tdb");
    unsigned reached = 0, rounds = 0;
    for (int r = 0; r < 12; r++, rounds++)
        reached += kill_round(path, RSVD_TDB_SYNC_NONE, 1 + next_random() % 600u);
    /* With a flush per change a round is slower: fewer, shorter ones. */
    for (int r = 0; r < 3; r++, rounds++)
        reached += kill_round(path, RSVD_TDB_SYNC_FULL, 1 + next_random() % 40u);
    printf("# %u rounds, the change in flight had reached the file in %u\n", rounds, reached);
}

/* ---- killed inside a transaction ------------------------------------------------------ */

/* The child writes through libtdb directly and stops where the test wants
 * it: inside an open transaction (stage 1) or after the transaction's
 * prepare, which has written the old contents to the recovery area and
 * marked it valid (stage 2). */
static _Noreturn void transaction_child(const char *path, int stage, int ready)
{
    alarm(120); /* should the parent never kill it */
    struct tdb_context *tdb = tdb_open(path, 0, TDB_DEFAULT, O_RDWR, 0);
    if (!tdb || tdb_transaction_start(tdb) != 0)
        _exit(2);
    static uint8_t big[200000]; /* the file must grow: pages move */
    sc_fill(big, sizeof big, 77);
    TDB_DATA k1 = {(unsigned char *)(uintptr_t) "kept", 4};
    TDB_DATA v1 = {big, sizeof big};
    TDB_DATA k2 = {(unsigned char *)(uintptr_t) "uncommitted", 11};
    TDB_DATA v2 = {(unsigned char *)(uintptr_t) "never", 5};
    if (tdb_store(tdb, k1, v1, TDB_REPLACE) != 0 || tdb_store(tdb, k2, v2, TDB_REPLACE) != 0)
        _exit(3);
    if (stage == 2 && tdb_transaction_prepare_commit(tdb) != 0)
        _exit(4);
    if (write(ready, "x", 1) != 1)
        _exit(5);
    for (;;)
        pause();
}

static void a_process_killed_holding_the_transaction_lock_blocks_no_one(void **state)
{
    (void)state;
    for (int stage = 1; stage <= 2; stage++) {
        const char *path = tu_path("locked.tdb");
        unlink(path);
        rsvd_tdb_store *ts = open_store(path, RSVD_TDB_SYNC_FULL);
        assert_non_null(ts);
        sc_store s = {rsvd_tdb_store_ops(), ts};
        assert_int_equal(s.ops->put(ts, "kept", 4, "as it was", 9), RSVD_OK);
        rsvd_tdb_store_close(ts);
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            transaction_child(path, stage, fds[1]);
        }
        close(fds[1]);
        char c;
        assert_int_equal(read(fds[0], &c, 1), 1); /* the child holds the lock */
        close(fds[0]);
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        /* A lock kept by the dead would hang the open or the put: a
         * watchdog fails the test instead. */
        alarm(30);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ts = open_store(path, RSVD_TDB_SYNC_FULL);
        assert_non_null(ts);
        s.ctx = ts;
        assert_int_equal(s.ops->put(ts, "next", 4, "process", 7), RSVD_OK);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        alarm(0);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        printf("# stage %d: opened and wrote %.1f ms after the kill\n", stage, ms);
        assert_int_equal(tdb_check(rsvd_tdb_store_handle(ts), NULL, NULL), 0);
        assert_int_equal(sc_count(&s), 2);
        sc_assert_record(&s, "kept", "as it was", 9);
        sc_assert_record(&s, "next", "process", 7);
        rsvd_tdb_store_close(ts);
    }
}

/* ---- two processes on one file --------------------------------------------------------- */

static int put_series(const char *path, char who, int n)
{
    rsvd_tdb_store *ts = open_store(path, RSVD_TDB_SYNC_NONE);
    if (!ts)
        return 2;
    for (int i = 0; i < n; i++) {
        char key[16], value[32];
        snprintf(key, sizeof key, "%c-%04d", who, i);
        snprintf(value, sizeof value, "written by %c", who);
        if (rsvd_tdb_store_ops()->put(ts, key, strlen(key), value, strlen(value)) != RSVD_OK)
            return 3;
    }
    rsvd_tdb_store_close(ts);
    return 0;
}

static void two_live_processes_write_one_file(void **state)
{
    (void)state;
    const char *path = tu_path("shared.tdb");
    unlink(path);
    rsvd_tdb_store *ts = open_store(path, RSVD_TDB_SYNC_NONE);
    assert_non_null(ts);
    rsvd_tdb_store_close(ts);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(put_series(path, 'c', 300));
    assert_int_equal(put_series(path, 'p', 300), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    ts = open_store(path, RSVD_TDB_SYNC_NONE);
    assert_non_null(ts);
    sc_store s = {rsvd_tdb_store_ops(), ts};
    assert_int_equal(sc_count(&s), 600);
    sc_assert_record(&s, "c-0299", "written by c", 12);
    sc_assert_record(&s, "p-0299", "written by p", 12);
    assert_int_equal(tdb_check(rsvd_tdb_store_handle(ts), NULL, NULL), 0);
    rsvd_tdb_store_close(ts);
}

int main(void)
{
    tu_tmpdir("tdb_store_kill");
    const char *env = getenv("RSVD_TEST_SEED");
    seed = env ? (uint64_t)strtoull(env, NULL, 10) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
    first_seed = seed;
    printf("# RSVD_TEST_SEED=%llu\n", (unsigned long long)seed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_series_killed_by_sigkill_keeps_exactly_the_changes_that_returned),
        cmocka_unit_test(a_process_killed_holding_the_transaction_lock_blocks_no_one),
        cmocka_unit_test(two_live_processes_write_one_file),
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
