/*
 * rsvd-demo: the scenario - a guest cluster's shared disk at work, step by
 * step, with the answer the specs require for every request.
 */
#ifndef RSVD_DEMO_SCENARIO_H
#define RSVD_DEMO_SCENARIO_H

#include <stdbool.h>

typedef struct demo_options {
    /** The capture to write (NULL: none). */
    const char *pcap;
    /** The disk (NULL: the built-in SCSI disk over a temporary file). */
    const char *disk;
    /** Print only failures and the last line. */
    bool quiet;
} demo_options;

/** Runs the scenario. @return the process exit status: 0 when every answer
 * was the one the specs require, 1 when one was not (the step is named),
 * 2 when the demo could not start (its reason is printed). */
int demo_scenario_run(const demo_options *opt);

#endif /* RSVD_DEMO_SCENARIO_H */
