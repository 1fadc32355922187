/*
 * The benchmark of what a user of the library feels (docs/performance.md).
 *
 *   bench_hot_paths [--count] [--quick] [--ops N] [--runs N] [--tmpdir DIR] [ROW...]
 *
 * Without --count it runs the time pass natively: wall-clock ratios of the
 * library next to direct calls of the same backend, memory per open,
 * messages per second. With --count it runs the instruction sections for
 * callgrind (run_bench.py starts it so). Each figure is a line
 * "FIGURE <row> <key> <value> <unit>". ROW names run only those rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_backend.h"
#include "bench_rows.h"

static const struct {
    const char *name;
    void (*run)(void);
} bench_rows[] = {
    {"io_null", bench_row_io_null},
    {"tunnel_null", bench_row_tunnel_null},
    {"resilient_lock", bench_row_resilient_lock},
    {"opentable", bench_row_opentable_count},
    {"decoders", bench_row_decoders},
    {"scavenger", bench_row_scavenger},
    {"io_mem", bench_row_io_mem},
    {"io_builtin", bench_row_io_builtin},
    {"tunnel_odirect", bench_row_tunnel_odirect},
    {"opentable_wall", bench_row_opentable_wall},
    {"memory_rsvd", bench_row_memory_rsvd},
    {"memory_resilient", bench_row_memory_resilient},
    {"memory_preserved", bench_row_memory_preserved},
};

#define NROWS (sizeof bench_rows / sizeof bench_rows[0])

static void usage(void)
{
    fputs("usage: bench_hot_paths [--count] [--quick] [--ops N] [--runs N] [--tmpdir DIR] "
          "[ROW...]\nrows:",
          stderr);
    for (size_t i = 0; i < NROWS; i++)
        fprintf(stderr, " %s", bench_rows[i].name);
    fputc('\n', stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    bool want[NROWS];
    bool any = false;
    memset(want, 0, sizeof want);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count")) {
            bench.count = true;
        } else if (!strcmp(argv[i], "--quick")) {
            bench.quick = true;
            bench.runs = 5;
        } else if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
            bench.ops = strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            bench.runs = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--tmpdir") && i + 1 < argc) {
            bench.tmpdir = argv[++i];
        } else {
            size_t k = 0;
            while (k < NROWS && strcmp(argv[i], bench_rows[k].name))
                k++;
            if (k == NROWS)
                usage();
            want[k] = any = true;
        }
    }
    if (!bench.ops || !bench.runs)
        usage();
    for (size_t k = 0; k < NROWS; k++) {
        if (any && !want[k])
            continue;
        printf("-- %s\n", bench_rows[k].name);
        fflush(stdout);
        bench_rows[k].run();
    }
    printf("direct completions: %lu bytes\n", bench_direct_bytes());
    return 0;
}
