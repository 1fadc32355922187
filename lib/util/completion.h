/*
 * Internal side of rsvd_completion (rsvd/backend.h).
 *
 * A completion's opaque pointer names an object that starts with an
 * rsvd_completion_sink; its tag is a value that object chose when it issued
 * the completion (a generation counter, so that a completion used twice, or
 * kept after its slot was reused, is recognised and refused).
 */
#ifndef RSVD_UTIL_COMPLETION_H
#define RSVD_UTIL_COMPLETION_H

#include <rsvd/backend.h>

typedef struct rsvd_completion_sink rsvd_completion_sink;

struct rsvd_completion_sink {
    /**
     * Receives the result. @return RSVD_OK, or RSVD_E_STATE if @p tag is not
     * the one outstanding (then nothing may change).
     */
    int (*complete)(rsvd_completion_sink *self, uint64_t tag, const rsvd_io_result *r);
};

/** @return a completion that delivers to @p sink with @p tag. */
static inline rsvd_completion rsvd_completion_make(rsvd_completion_sink *sink, uint64_t tag)
{
    rsvd_completion c;
    c.opaque = sink;
    c.tag = tag;
    return c;
}

#endif /* RSVD_UTIL_COMPLETION_H */
