/*
 * rsvd-target: byte-range locks with Windows semantics, the object store's
 * part of SMB2 LOCK, READ and WRITE ([MS-SMB2] 3.3.5.14.1, 3.3.5.14.2,
 * 3.3.5.12, 3.3.5.13 hand them to the object store; [MS-FSA] 2.1.5.7 and
 * 2.1.4.10 say how it decides):
 *  - locks belong to an open (owner), not to a process, and every byte of
 *    a range is counted: [Offset, Offset + Length - 1];
 *  - an exclusive lock conflicts with every overlapping lock, the owner's
 *    own included; a shared lock conflicts only with another owner's
 *    overlapping exclusive lock (it may stack on its own);
 *  - a zero-length range overlaps nothing;
 *  - unlocking needs a lock of exactly that offset and length held by the
 *    owner;
 *  - I/O through an owner conflicts with another owner's overlapping
 *    exclusive lock, and a write also with any other overlapping lock but
 *    the owner's own exclusive ones.
 * One table per file. Pure bookkeeping: no I/O, no waiting.
 */
#ifndef RSVD_TARGET_BRL_H
#define RSVD_TARGET_BRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tgt_brl_lock {
    const void *owner;
    uint64_t offset;
    uint64_t length;
    bool exclusive;
} tgt_brl_lock;

typedef struct tgt_brl {
    tgt_brl_lock *locks;
    size_t count;
    size_t cap;
} tgt_brl;

void tgt_brl_init(tgt_brl *b);
void tgt_brl_free(tgt_brl *b);

/** @return true if [offset, offset + length - 1] does not run past 2^64 - 1
 * ([MS-FSA] 2.1.5.7: else STATUS_INVALID_LOCK_RANGE). */
bool tgt_brl_range_valid(uint64_t offset, uint64_t length);

/** @return true if a new lock of @p owner conflicts with the table. */
bool tgt_brl_lock_conflicts(const tgt_brl *b, const void *owner, uint64_t offset,
                            uint64_t length, bool exclusive);

/** Adds a lock (the caller checked it). @return 0 or -1 (no memory). */
int tgt_brl_add(tgt_brl *b, const void *owner, uint64_t offset, uint64_t length,
                bool exclusive);

/** Removes one lock of @p owner with exactly this range. @return 0, or -1
 * if there is none (STATUS_RANGE_NOT_LOCKED). */
int tgt_brl_remove(tgt_brl *b, const void *owner, uint64_t offset, uint64_t length);

/** Removes every lock of @p owner (its open closes). @return how many. */
size_t tgt_brl_remove_owner(tgt_brl *b, const void *owner);

/** @return the locks @p owner holds. */
size_t tgt_brl_owner_count(const tgt_brl *b, const void *owner);

/** @return true if reading (or, with @p write, writing) the range through
 * @p owner conflicts with a lock (STATUS_FILE_LOCK_CONFLICT). */
bool tgt_brl_io_conflicts(const tgt_brl *b, const void *owner, uint64_t offset, uint64_t length,
                          bool write);

#endif /* RSVD_TARGET_BRL_H */
