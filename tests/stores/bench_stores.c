/*
 * What a state-store write costs (docs/stores.md): the mean latency of a
 * put of a new record (a 16-byte key, a 128-byte value), of a put that
 * replaces one (256 records replaced in turn), and of an apply of 100
 * replacements, in the in-memory store and in the TDB store with and
 * without a flush.
 *
 *   bench_stores [DIRECTORY [PUTS]]
 *
 * The TDB file goes in DIRECTORY (default: TMPDIR, else /tmp): the figures
 * are those of its file system and disk. Run by the suite 'bench' with few
 * puts (the figures are printed, not checked).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rsvd/memory_store.h>
#if TU_HAVE_TDB
#include <rsvd/tdb_store.h>
#endif

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Every value written differs from the one before it: libtdb skips
 * writing a value a record already holds. */
static unsigned stamp;

static void key_of(char key[17], unsigned i)
{
    snprintf(key, 17, "fileid-%09u", i);
}

/* Puts keys first, first + 1, ... (modulo @p modulo when not 0).
 * @return microseconds per put, or -1 on a failure. */
static double time_puts(const rsvd_store_ops *o, void *ctx, unsigned first, unsigned n,
                        unsigned modulo)
{
    unsigned char value[128];
    memset(value, 0x5a, sizeof value);
    char key[17];
    double t0 = now_s();
    for (unsigned i = 0; i < n; i++) {
        key_of(key, modulo ? (first + i) % modulo : first + i);
        stamp++;
        memcpy(value, &stamp, sizeof stamp);
        if (o->put(ctx, key, 16, value, sizeof value) != RSVD_OK)
            return -1;
    }
    return (now_s() - t0) / n * 1e6;
}

/* @return microseconds per apply of 100 changes, or -1 on a failure. */
static double time_applies(const rsvd_store_ops *o, void *ctx, unsigned n)
{
    unsigned char value[128];
    memset(value, 0xa5, sizeof value);
    static char keys[100][17];
    rsvd_store_change c[100];
    for (unsigned i = 0; i < 100; i++) {
        key_of(keys[i], i);
        c[i] = (rsvd_store_change){keys[i], 16, value, sizeof value, RSVD_STORE_PUT, 0};
    }
    double t0 = now_s();
    for (unsigned i = 0; i < n; i++) {
        stamp++;
        memcpy(value, &stamp, sizeof stamp);
        if (o->apply(ctx, c, 100) != RSVD_OK)
            return -1;
    }
    return (now_s() - t0) / n * 1e6;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    unsigned puts = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2000u;
    if (!puts)
        puts = 1;
    rsvd_memory_store *ms = NULL;
    if (rsvd_memory_store_create(NULL, &ms) != RSVD_OK)
        return 1;
    const rsvd_store_ops *mo = rsvd_memory_store_ops();
    double mem_new = time_puts(mo, ms, 1000u, puts * 100u, 0);
    (void)time_puts(mo, ms, 0, 256, 0); /* the records replaced below, unmeasured */
    double mem_put = time_puts(mo, ms, 0, puts * 100u, 256u);
    double mem_apply = time_applies(mo, ms, puts);
    rsvd_memory_store_destroy(ms);
    printf("%-44s %10.2f us\n", "memory: put of a new record", mem_new);
    printf("%-44s %10.2f us\n", "memory: put replacing a record", mem_put);
    printf("%-44s %10.2f us\n", "memory: apply of 100 replacements", mem_apply);
    if (mem_new < 0 || mem_put < 0 || mem_apply < 0)
        return 1;
#if TU_HAVE_TDB
    char path[4096];
    snprintf(path, sizeof path, "%s/bench-stores-%ld.tdb", dir, (long)getpid());
    const struct {
        rsvd_tdb_sync sync;
        unsigned puts;
        const char *name;
    } modes[2] = {{RSVD_TDB_SYNC_NONE, puts, "tdb, no flush"},
                  {RSVD_TDB_SYNC_FULL, puts / 10u + 1u, "tdb, flushed (default)"}};
    for (int m = 0; m < 2; m++) {
        unlink(path);
        rsvd_tdb_store_config cfg = RSVD_STRUCT_INIT(rsvd_tdb_store_config);
        cfg.path = path;
        cfg.create = true;
        cfg.sync = modes[m].sync;
        rsvd_tdb_store *ts = NULL;
        rsvd_backend_diag why;
        if (rsvd_tdb_store_open(&cfg, &ts, &why) != RSVD_OK) {
            fprintf(stderr, "%s\n", why.reason);
            return 1;
        }
        const rsvd_store_ops *to = rsvd_tdb_store_ops();
        double fresh = time_puts(to, ts, 1000u, modes[m].puts, 0);
        (void)time_puts(to, ts, 0, 256, 0); /* the records replaced below, unmeasured */
        double put = time_puts(to, ts, 0, modes[m].puts, 256u);
        double apply = time_applies(to, ts, modes[m].puts / 10u + 1u);
        rsvd_tdb_store_close(ts);
        unlink(path);
        char label[64];
        snprintf(label, sizeof label, "%s: put of a new record", modes[m].name);
        printf("%-44s %10.2f us\n", label, fresh);
        snprintf(label, sizeof label, "%s: put replacing a record", modes[m].name);
        printf("%-44s %10.2f us\n", label, put);
        snprintf(label, sizeof label, "%s: apply of 100 replacements", modes[m].name);
        printf("%-44s %10.2f us\n", label, apply);
        if (fresh < 0 || put < 0 || apply < 0)
            return 1;
    }
#else
    (void)dir;
    printf("tdb: not built (meson feature tdb)\n");
#endif
    return 0;
}
