/*
 * rsvd-target: byte-range locks (see brl.h for the rules).
 */
#include "brl.h"

#include <stdlib.h>

void tgt_brl_init(tgt_brl *b)
{
    b->locks = NULL;
    b->count = b->cap = 0;
}

void tgt_brl_free(tgt_brl *b)
{
    free(b->locks);
    tgt_brl_init(b);
}

bool tgt_brl_range_valid(uint64_t offset, uint64_t length)
{
    return length == 0 || length - 1 <= UINT64_MAX - offset;
}

/* Both ranges have at least one byte and share one. */
static bool overlap(uint64_t o1, uint64_t l1, uint64_t o2, uint64_t l2)
{
    if (l1 == 0 || l2 == 0)
        return false;
    uint64_t e1 = o1 + (l1 - 1), e2 = o2 + (l2 - 1);
    return o1 <= e2 && o2 <= e1;
}

bool tgt_brl_lock_conflicts(const tgt_brl *b, const void *owner, uint64_t offset,
                            uint64_t length, bool exclusive)
{
    for (size_t i = 0; i < b->count; i++) {
        const tgt_brl_lock *l = &b->locks[i];
        if (!overlap(l->offset, l->length, offset, length))
            continue;
        if (exclusive || (l->exclusive && l->owner != owner))
            return true;
    }
    return false;
}

int tgt_brl_add(tgt_brl *b, const void *owner, uint64_t offset, uint64_t length, bool exclusive)
{
    if (b->count == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 8;
        tgt_brl_lock *n = realloc(b->locks, cap * sizeof *n);
        if (!n)
            return -1;
        b->locks = n;
        b->cap = cap;
    }
    b->locks[b->count++] = (tgt_brl_lock){owner, offset, length, exclusive};
    return 0;
}

int tgt_brl_remove(tgt_brl *b, const void *owner, uint64_t offset, uint64_t length)
{
    for (size_t i = 0; i < b->count; i++) {
        tgt_brl_lock *l = &b->locks[i];
        if (l->owner == owner && l->offset == offset && l->length == length) {
            /* Keep the order: an owner's older lock of the same range is
             * the one the next unlock finds. */
            for (size_t j = i + 1; j < b->count; j++)
                b->locks[j - 1] = b->locks[j];
            b->count--;
            return 0;
        }
    }
    return -1;
}

size_t tgt_brl_remove_owner(tgt_brl *b, const void *owner)
{
    size_t kept = 0, removed = 0;
    for (size_t i = 0; i < b->count; i++) {
        if (b->locks[i].owner == owner)
            removed++;
        else
            b->locks[kept++] = b->locks[i];
    }
    b->count = kept;
    return removed;
}

size_t tgt_brl_owner_count(const tgt_brl *b, const void *owner)
{
    size_t n = 0;
    for (size_t i = 0; i < b->count; i++)
        n += b->locks[i].owner == owner;
    return n;
}

bool tgt_brl_io_conflicts(const tgt_brl *b, const void *owner, uint64_t offset, uint64_t length,
                          bool write)
{
    for (size_t i = 0; i < b->count; i++) {
        const tgt_brl_lock *l = &b->locks[i];
        if (!overlap(l->offset, l->length, offset, length))
            continue;
        if (l->owner == owner) {
            if (write && !l->exclusive)
                return true;
        } else if (l->exclusive || write) {
            return true;
        }
    }
    return false;
}
