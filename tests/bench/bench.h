/*
 * The benchmark's tools (docs/performance.md): rows, instruction sections
 * that callgrind counts, alternated wall-clock timing with medians, and the
 * lines run_bench.py reads.
 *
 * A row is one function of bench_rows[] (bench_main.c). It runs in one of
 * two passes:
 *  - the count pass (--count, under callgrind started with
 *    --instr-atstart=no): only the instruction sections run; each is dumped
 *    under its own label, so that run_bench.py reads the instructions and
 *    simulated cache misses of exactly the measured loop;
 *  - the time pass (native): wall-clock figures, memory per object through
 *    the allocator hook, messages per second.
 * Adding a row is a function, a line in bench_rows[] and, for a checked
 * figure, a budget in run_bench.py.
 */
#ifndef RSVD_BENCH_H
#define RSVD_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline))
#else /* gcc: no identical-code folding either, so each loop stays itself */
#define BENCH_NOINLINE __attribute__((noinline, noipa))
#endif

/** Bytes of one READ or WRITE. */
#define BENCH_IO_SIZE 4096u

/** How the binary was started. */
typedef struct bench_options {
    /** The count pass (under callgrind). */
    bool count;
    /** Fewer operations and runs: checks that every row works. */
    bool quick;
    /** Operations of an instruction section. */
    unsigned long ops;
    /** Alternated runs of a wall-clock ratio (odd: the median is a run). */
    unsigned runs;
    /** A directory on tmpfs for the built-in disk's file. */
    const char *tmpdir;
} bench_options;

extern bench_options bench;

/** Prints the message and exits with status 1 (a row that cannot run is a
 * failure of the benchmark, never a skipped figure). */
void bench_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/** Prints one figure as "FIGURE <row> <key> <value> <unit>"; run_bench.py
 * reads these lines, a reader reads the text around them. */
void bench_figure(const char *row, const char *key, double value, const char *unit);

/* ---- instruction sections (the count pass) ------------------------------- */

/** Instrumentation on: what follows (a warm-up) runs through the cache
 * simulator but is not counted. */
void bench_section_begin(void);

/** Counting starts here. */
void bench_section_zero(void);

/** Dumps the counts since bench_section_zero() as "<row> <part> <ops>" and
 * turns instrumentation off. */
void bench_section_end(const char *row, const char *part, unsigned long ops);

/* ---- wall clock (the time pass) -------------------------------------------- */

double bench_now_ns(void);
/** CPU time of the process (user and system), in ns: what a run costs
 * whatever else the machine runs. */
double bench_cpu_ns(void);

/** A loop of @p n operations. */
typedef void (*bench_loop_fn)(void *arg, unsigned long n);

/**
 * Runs @p base and @p lib alternately, bench.runs times each, @p n
 * operations a run, after one warm-up run of each; prints the median
 * nanoseconds per operation of both ("<base_name>_ns", "<lib_name>_ns")
 * and the median of the ratios lib / base of the runs side by side
 * ("ratio"). @return that ratio.
 */
double bench_ratio(const char *row, const char *base_name, bench_loop_fn base, void *base_arg,
                   const char *lib_name, bench_loop_fn lib, void *lib_arg, unsigned long n);

/** The median nanoseconds per operation of bench.runs runs of @p fn. */
double bench_time(bench_loop_fn fn, void *arg, unsigned long n);

/** xorshift64: the benchmark's reproducible random numbers. */
static inline uint64_t bench_rand(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

#endif /* RSVD_BENCH_H */
