/*
 * Intrusive doubly linked list: a node lives inside the object it links, so
 * linking and unlinking never allocate.
 */
#ifndef RSVD_UTIL_LIST_H
#define RSVD_UTIL_LIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rsvd_list {
    struct rsvd_list *next, *prev;
} rsvd_list;

/** Makes @p l an empty list head (or an unlinked node). */
static inline void rsvd_list_init(rsvd_list *l)
{
    l->next = l->prev = l;
}

static inline bool rsvd_list_empty(const rsvd_list *l)
{
    return l->next == l;
}

/** Links @p n at the tail of @p head. */
static inline void rsvd_list_append(rsvd_list *head, rsvd_list *n)
{
    n->prev = head->prev;
    n->next = head;
    head->prev->next = n;
    head->prev = n;
}

/** Unlinks @p n (a no-op for an unlinked node) and leaves it unlinked. */
static inline void rsvd_list_remove(rsvd_list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    rsvd_list_init(n);
}

/** @return the object that contains list node @p ptr as member @p member. */
#define RSVD_CONTAINER_OF(ptr, type, member) \
    ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/** Iterates over @p head; @p it and @p tmp are rsvd_list pointers (removal-safe). */
#define RSVD_LIST_FOREACH_SAFE(it, tmp, head) \
    for ((it) = (head)->next, (tmp) = (it)->next; (it) != (head); (it) = (tmp), (tmp) = (it)->next)

#endif /* RSVD_UTIL_LIST_H */
