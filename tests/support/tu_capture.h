/*
 * A completion sink for tests: issue a backend call with the completion
 * tu_capture_begin() returns, then read what the backend reported.
 *
 * Needs no test framework, so that scenarios built on it (pr_scenario.h) run
 * anywhere; tu_capture_end() in testutil.h adds the cmocka assertions.
 */
#ifndef RSVD_TU_CAPTURE_H
#define RSVD_TU_CAPTURE_H

#include <rsvd/backend.h>

#include "util/completion.h"

typedef struct tu_capture {
    rsvd_completion_sink sink; /* first: the completion's opaque points here */
    uint64_t tag;              /* the tag of the completion handed out */
    unsigned completions;      /* how many times it was completed */
    rsvd_io_result result;     /* the last result received */
} tu_capture;

/** Resets @p cap and returns a fresh completion that delivers into it. */
rsvd_completion tu_capture_begin(tu_capture *cap);

#endif /* RSVD_TU_CAPTURE_H */
