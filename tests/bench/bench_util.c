/*
 * The benchmark's tools (bench.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef BENCH_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(label) ((void)(label))
#endif

bench_options bench = {.ops = 20000, .runs = 31, .tmpdir = "/dev/shm"};

void bench_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void bench_figure(const char *row, const char *key, double value, const char *unit)
{
    printf("FIGURE %s %s %.6g %s\n", row, key, value, unit);
    fflush(stdout);
}

void bench_section_begin(void)
{
    CALLGRIND_START_INSTRUMENTATION;
}

void bench_section_zero(void)
{
    CALLGRIND_ZERO_STATS;
}

void bench_section_end(const char *row, const char *part, unsigned long ops)
{
    char label[160];
    (void)snprintf(label, sizeof label, "%s %s %lu", row, part, ops);
    CALLGRIND_DUMP_STATS_AT(label);
    CALLGRIND_STOP_INSTRUMENTATION;
}

double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double bench_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double run_once(bench_loop_fn fn, void *arg, unsigned long n)
{
    double t0 = bench_now_ns();
    fn(arg, n);
    return (bench_now_ns() - t0) / (double)n;
}

#define BENCH_MAX_RUNS 401u

double bench_time(bench_loop_fn fn, void *arg, unsigned long n)
{
    double t[BENCH_MAX_RUNS];
    unsigned runs = bench.runs < BENCH_MAX_RUNS ? bench.runs : BENCH_MAX_RUNS;
    (void)run_once(fn, arg, n); /* warm-up */
    for (unsigned i = 0; i < runs; i++)
        t[i] = run_once(fn, arg, n);
    return median(t, runs);
}

double bench_ratio(const char *row, const char *base_name, bench_loop_fn base, void *base_arg,
                   const char *lib_name, bench_loop_fn lib, void *lib_arg, unsigned long n)
{
    double tb[BENCH_MAX_RUNS], tl[BENCH_MAX_RUNS], r[BENCH_MAX_RUNS];
    unsigned runs = bench.runs < BENCH_MAX_RUNS ? bench.runs : BENCH_MAX_RUNS;
    (void)run_once(base, base_arg, n); /* warm-up */
    (void)run_once(lib, lib_arg, n);
    /* Alternated, so that whatever else the machine does falls on both; the
     * ratio is the median of each pair's, the two runs of a pair being next
     * to each other in time. */
    for (unsigned i = 0; i < runs; i++) {
        tb[i] = run_once(base, base_arg, n);
        tl[i] = run_once(lib, lib_arg, n);
        r[i] = tl[i] / tb[i];
    }
    double mb = median(tb, runs), ml = median(tl, runs), mr = median(r, runs);
    char key[96];
    (void)snprintf(key, sizeof key, "%s_ns", base_name);
    bench_figure(row, key, mb, "ns/op");
    (void)snprintf(key, sizeof key, "%s_ns", lib_name);
    bench_figure(row, key, ml, "ns/op");
    bench_figure(row, "ratio", mr, "x");
    return mr;
}
