/*
 * rsvd_complete(): hands a backend's result to whatever issued the call.
 */
#include "util/completion.h"

int rsvd_complete(rsvd_completion c, const rsvd_io_result *r)
{
    rsvd_completion_sink *sink = c.opaque;
    if (!sink || !r)
        return RSVD_E_STATE;
    return sink->complete(sink, c.tag, r);
}
