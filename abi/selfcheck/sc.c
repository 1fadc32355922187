/* The ABI self-check's library: each function touches its argument's type
 * so that the debug information describes it. */
#include "sc.h"

int rsvd_sc_open(const rsvd_sc_config *cfg)
{
    return (int)cfg->flags;
}

int rsvd_sc_range_check(const rsvd_sc_range *range)
{
    return range->length > 0;
}

int rsvd_sc_outer_run(const rsvd_sc_outer *outer)
{
    return outer->run((void *)(uintptr_t)outer->inner.depth);
}

#ifndef SC_REMOVE_FUNCTION
int rsvd_sc_close(int handle)
{
    return handle;
}
#endif

#ifdef SC_CHANGE_PARAMETER
int rsvd_sc_read(int handle, uint64_t length)
#else
int rsvd_sc_read(int handle, uint32_t length)
#endif
{
    return handle + (int)length;
}

#ifdef SC_NEW_FUNCTION
int rsvd_sc_flush(int handle)
{
    return handle;
}
#endif
