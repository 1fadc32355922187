/*
 * The benchmark's backends: a null virtual SCSI disk (every call completes
 * at once with success: what is measured is the library alone) and an
 * in-memory disk that copies the data (what a backend costs at least), and
 * the completion sink of the direct calls.
 */
#ifndef RSVD_BENCH_BACKEND_H
#define RSVD_BENCH_BACKEND_H

#include <rsvd/backend.h>

/** The null virtual SCSI disk; every open gets the same handle. */
extern const rsvd_scsi_disk_ops bench_null_disk;
/** Its handle, for direct calls. */
void *bench_null_handle(void);

/** An in-memory virtual SCSI disk: READ and WRITE copy to and from a
 * buffer (offsets wrap at its size); every open gets the disk as handle. */
typedef struct bench_mem_disk {
    uint8_t *data;
    size_t size;
} bench_mem_disk;

extern const rsvd_scsi_disk_ops bench_mem_disk_ops;

/** Allocates @p size bytes (touched, so that no page fault is timed). */
void bench_mem_disk_init(bench_mem_disk *d, size_t size);
void bench_mem_disk_fini(bench_mem_disk *d);

/** A completion for a direct backend call: it only adds the bytes. */
rsvd_completion bench_direct_completion(uint64_t tag);
/** Bytes the direct completions have seen. */
unsigned long bench_direct_bytes(void);

#endif /* RSVD_BENCH_BACKEND_H */
