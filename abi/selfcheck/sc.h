/*
 * The ABI self-check's library (abi/self-check.sh): built once as the
 * baseline and once per variant, each SC_* macro one kind of change.
 */
#ifndef RSVD_SC_H
#define RSVD_SC_H

#include <stddef.h>
#include <stdint.h>

#define SC_API __attribute__((visibility("default")))

/* Growable, as the public config structs are: struct_size comes first. */
typedef struct rsvd_sc_config {
    size_t struct_size;
    uint32_t flags;
#ifdef SC_INSERT_MIDDLE
    uint32_t inserted;
#endif
#ifdef SC_CHANGE_MEMBER_TYPE
    uint64_t limit;
#else
    uint32_t limit;
#endif
    void *user_data;
#if defined(SC_APPEND_GROWABLE) || defined(SC_CHANGE_MEMBER_TYPE)
    uint32_t appended;
#endif
} rsvd_sc_config;

/* No struct_size: its layout is frozen. */
typedef struct rsvd_sc_range {
    uint64_t offset;
    uint64_t length;
#ifdef SC_APPEND_FIXED
    uint32_t appended;
#endif
} rsvd_sc_range;

/* Growable, but held by value in rsvd_sc_outer; 32 bits of tail padding. */
typedef struct rsvd_sc_inner {
    size_t struct_size;
    uint32_t depth;
#ifdef SC_GROW_EMBEDDED
    uint64_t appended;
#endif
#ifdef SC_APPEND_INTO_PADDING
    uint32_t appended;
#endif
} rsvd_sc_inner;

typedef struct rsvd_sc_outer {
    size_t struct_size;
    rsvd_sc_inner inner;
    int (*run)(void *user_data);
} rsvd_sc_outer;

SC_API int rsvd_sc_open(const rsvd_sc_config *cfg);
SC_API int rsvd_sc_range_check(const rsvd_sc_range *range);
SC_API int rsvd_sc_outer_run(const rsvd_sc_outer *outer);
#ifndef SC_REMOVE_FUNCTION
SC_API int rsvd_sc_close(int handle);
#endif
#ifdef SC_CHANGE_PARAMETER
SC_API int rsvd_sc_read(int handle, uint64_t length);
#else
SC_API int rsvd_sc_read(int handle, uint32_t length);
#endif
#ifdef SC_NEW_FUNCTION
SC_API int rsvd_sc_flush(int handle);
#endif

#endif
