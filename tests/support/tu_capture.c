#include "tu_capture.h"

#include <string.h>

static int capture_complete(rsvd_completion_sink *self, uint64_t tag, const rsvd_io_result *r)
{
    tu_capture *cap = (tu_capture *)self;
    if (tag != cap->tag || cap->completions)
        return RSVD_E_STATE; /* a second completion, or a stale one */
    cap->completions++;
    cap->result = *r;
    return RSVD_OK;
}

rsvd_completion tu_capture_begin(tu_capture *cap)
{
    static uint64_t next_tag; /* test support only: a fresh tag per call */
    memset(cap, 0, sizeof *cap);
    cap->sink.complete = capture_complete;
    cap->tag = ++next_tag;
    return rsvd_completion_make(&cap->sink, cap->tag);
}
