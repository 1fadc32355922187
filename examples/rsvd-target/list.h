/*
 * rsvd-target: an intrusive doubly linked list, for the server's objects
 * (each object holds a tgt_link per list it is on).
 */
#ifndef RSVD_TARGET_LIST_H
#define RSVD_TARGET_LIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tgt_link {
    struct tgt_link *prev, *next;
} tgt_link;

/** A list head: an empty list points at itself. */
typedef struct tgt_list {
    tgt_link head;
} tgt_list;

static inline void tgt_list_init(tgt_list *l)
{
    l->head.prev = l->head.next = &l->head;
}

static inline bool tgt_list_empty(const tgt_list *l)
{
    return l->head.next == &l->head;
}

/** A link that is on no list (after tgt_link_init or tgt_list_remove). */
static inline void tgt_link_init(tgt_link *k)
{
    k->prev = k->next = k;
}

static inline bool tgt_link_linked(const tgt_link *k)
{
    return k->next != k;
}

static inline void tgt_list_append(tgt_list *l, tgt_link *k)
{
    k->prev = l->head.prev;
    k->next = &l->head;
    l->head.prev->next = k;
    l->head.prev = k;
}

static inline void tgt_list_remove(tgt_link *k)
{
    k->prev->next = k->next;
    k->next->prev = k->prev;
    k->prev = k->next = k;
}

/** The object that holds link @p k as its member @p member. */
#define TGT_CONTAINER(k, type, member) ((type *)(void *)((char *)(k) - offsetof(type, member)))

/** Iterates over a list; the current element may be removed from it. */
#define TGT_LIST_FOREACH_SAFE(l, k, nk)                                                      \
    for ((k) = (l)->head.next, (nk) = (k)->next; (k) != &(l)->head; (k) = (nk), (nk) = (k)->next)

#endif /* RSVD_TARGET_LIST_H */
