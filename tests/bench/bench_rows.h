/*
 * The benchmark's rows (bench_main.c lists them; docs/performance.md
 * describes each). Each runs its count-pass part or its time-pass part
 * according to bench.count.
 */
#ifndef RSVD_BENCH_ROWS_H
#define RSVD_BENCH_ROWS_H

/* bench_server.c */
void bench_row_io_null(void);
void bench_row_tunnel_null(void);
void bench_row_opentable_count(void);
void bench_row_io_mem(void);
void bench_row_io_builtin(void);
void bench_row_tunnel_odirect(void);
void bench_row_opentable_wall(void);
void bench_row_memory_rsvd(void);

/* bench_resilient.c */
void bench_row_resilient_lock(void);
void bench_row_memory_resilient(void);
void bench_row_memory_preserved(void);
void bench_row_scavenger(void);

/* bench_decoders.c */
void bench_row_decoders(void);

#endif /* RSVD_BENCH_ROWS_H */
