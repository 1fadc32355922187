/*
 * RSVD_PREFETCH(p): asks the CPU to fetch what @p p points at. A hint for
 * loops that walk many objects in an order that is no order in memory (the
 * scavenger): it changes nothing of what the program does.
 */
#ifndef RSVD_UTIL_PREFETCH_H
#define RSVD_UTIL_PREFETCH_H

#if defined(__GNUC__)
#define RSVD_PREFETCH(p) __builtin_prefetch(p)
#else
#define RSVD_PREFETCH(p) ((void)(p))
#endif

#endif /* RSVD_UTIL_PREFETCH_H */
