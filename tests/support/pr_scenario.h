/*
 * A persistent-reservation scenario that any path to a virtual SCSI disk
 * can run: the built-in disk (through rsvd_scsi_disk_ops), an iSCSI target
 * such as tgtd (through the iSCSI backend), or the RSVD server (through
 * SMB2 READ/WRITE and the SCSI tunnel).
 *
 * The scenario is a table of steps. Each step is one command from one of
 * three initiators (A and B register, C never does) and the outcome SPC-3
 * prescribes, as an RSVD server reports it: the NTSTATUS (STATUS_SUCCESS, or
 * a STATUS_SVHDX_UNIT_ATTENTION_* code) and, with STATUS_SUCCESS, the SCSI
 * status. A path reaches the disk through a tu_pr_driver; tu_pr_run() runs
 * the steps and says which one did not hold.
 *
 * No test framework is needed: integration programs can run it too.
 */
#ifndef RSVD_PR_SCENARIO_H
#define RSVD_PR_SCENARIO_H

#include <rsvd/backend.h>
#include <rsvd/scsi.h>

#include <stdio.h>

#include "tu_capture.h"

/** The scenario's initiators. */
enum { TU_PR_A = 0, TU_PR_B = 1, TU_PR_C = 2, TU_PR_INITIATORS = 3 };

typedef enum tu_pr_action {
    /** TEST UNIT READY until GOOD, at most 4 times: drains the attentions a
     * target may hold for a new initiator (tgtd's POWER ON). */
    TU_PR_SETTLE,
    TU_PR_TUR,
    TU_PR_REGISTER,        /**< key, sa_key */
    TU_PR_REGISTER_IGNORE, /**< REGISTER AND IGNORE EXISTING KEY: sa_key */
    TU_PR_RESERVE,         /**< type, key */
    TU_PR_RELEASE,         /**< type, key */
    TU_PR_CLEAR,           /**< key */
    TU_PR_PREEMPT,         /**< type, key, sa_key */
    TU_PR_READ16,          /**< one block at the scenario's LBA */
    TU_PR_WRITE16,
    TU_PR_SMB_READ,        /**< SMB2 READ of that block (skipped without driver read) */
    TU_PR_SMB_WRITE,
    TU_PR_READ_KEYS,       /**< expect.value: the number of keys */
    TU_PR_READ_RESERVATION /**< expect.value: the type held, 0 for none */
} tu_pr_action;

/** What a step must report. */
typedef struct tu_pr_expect {
    /** STATUS_SUCCESS, or the STATUS_SVHDX_UNIT_ATTENTION_* code. */
    uint32_t status;
    /** With STATUS_SUCCESS: GOOD, RESERVATION CONFLICT or CHECK CONDITION. */
    uint8_t scsi_status;
    /** READ KEYS / READ RESERVATION: see tu_pr_action; -1: not checked. */
    int value;
} tu_pr_expect;

typedef struct tu_pr_step {
    tu_pr_action action;
    uint8_t initiator; /**< TU_PR_A, TU_PR_B or TU_PR_C */
    uint8_t type;      /**< reservation type */
    uint64_t key;      /**< RESERVATION KEY */
    uint64_t sa_key;   /**< SERVICE ACTION RESERVATION KEY */
    tu_pr_expect expect;
    const char *what;  /**< the rule being checked, for failure reports */
} tu_pr_step;

/** How the scenario reaches a disk. Each function returns 0, or -1 when
 * the command could not be issued at all (a harness failure). */
typedef struct tu_pr_driver {
    void *ctx;
    int (*execute)(void *ctx, int initiator, const rsvd_scsi_cmd *cmd, rsvd_io_result *r);
    /** SMB2 READ/WRITE at a byte offset; NULL where the path has none. */
    int (*read)(void *ctx, int initiator, uint64_t offset, uint8_t *buf, uint32_t len,
                rsvd_io_result *r);
    int (*write)(void *ctx, int initiator, uint64_t offset, const uint8_t *buf, uint32_t len,
                 rsvd_io_result *r);
} tu_pr_driver;

/** The standard scenario: register, each of the six types reserved in turn
 * with the reads and writes of a registered and an unregistered initiator,
 * release, preempt, clear, and each unit attention seen once. */
extern const tu_pr_step tu_pr_scenario[];
extern const size_t tu_pr_scenario_len;

/** The keys the standard scenario uses. */
#define TU_PR_KEY_A 0x00000000000000A1ull
#define TU_PR_KEY_B 0x00000000000000B2ull

/**
 * Runs @p steps through @p drv. First reads the block size with READ
 * CAPACITY(16) as initiator A (after settling it).
 * @return -1 when every step held; else the index of the first step that
 * did not, with a description in @p why.
 */
int tu_pr_run(const tu_pr_driver *drv, const tu_pr_step *steps, size_t n, char *why,
              size_t why_cap);

/**
 * A documented departure of one target from what SPC-3 prescribes for one
 * step of the scenario (tgtd's, for instance). The table keeps SPC-3's
 * answer; a departure says what this target does instead, and why:
 *  - an answer departure (extra_step false): the step answers `answer`;
 *  - an extra step (extra_step true): the step answers as SPC-3 says, but
 *    leaves the target in a state SPC-3 does not (an attention SPC-3 does
 *    not establish, say); `extra` runs right after it on this target only,
 *    so that the following steps start from the state SPC-3 describes.
 */
typedef struct tu_pr_departure {
    /** The step's `what`, exactly (step descriptions are unique). */
    const char *step;
    /** Why, for the test's output. */
    const char *why;
    bool extra_step;
    /** Answer departure: what the target answers. */
    tu_pr_expect answer;
    /** Extra step: the step run after `step`, with its expected answer. */
    tu_pr_step extra;
} tu_pr_departure;

/** What one step answered. */
typedef struct tu_pr_answer {
    /** The step ran (false: not reached, or the path has no such command). */
    bool ran;
    uint32_t status;
    uint8_t scsi_status;
    /** READ KEYS / READ RESERVATION value, -1 otherwise. */
    int value;
} tu_pr_answer;

/** How tu_pr_run_opts() runs. */
typedef struct tu_pr_opts {
    /** The target's name in the notes ("tgtd"); NULL: "the target". */
    const char *target;
    /** The target's documented departures (each must name one step). */
    const tu_pr_departure *departures;
    size_t n_departures;
    /** Receives every step's answer (n entries), or NULL. */
    tu_pr_answer *answers;
    /** Run every step even after one did not hold (the first is reported). */
    bool keep_going;
    /** Where the notes on departures go (NULL: stdout). */
    FILE *notes;
} tu_pr_opts;

/**
 * Runs @p steps as tu_pr_run() does, with departures: a step with an
 * answer departure must give the departure's answer (not SPC-3's: a
 * departure that no longer happens is reported as a failure, so the table
 * cannot go stale); an extra step runs after its step and must give its
 * answer. Each prints a line "NOTE: step <i> (<what>): <target> departs
 * from SPC-3: <why> [SPC-3: ...; <target>: ...]". Every other step must
 * give the table's answer.
 * @return -1 when every step held; -2 (with @p why) when a departure names
 * no step or several, or a step has two answer departures; else the index
 * of the first step that did not hold (an extra step counts as its step).
 */
int tu_pr_run_opts(const tu_pr_driver *drv, const tu_pr_step *steps, size_t n,
                   const tu_pr_opts *opts, char *why, size_t why_cap);

/** Formats an expectation or answer as "STATUS_X / SCSI 0xNN / value V". */
const char *tu_pr_expect_text(const tu_pr_expect *e, char *buf, size_t cap);

/** The InitiatorId the scenario gives initiator @p i. */
rsvd_guid tu_pr_initiator_id(int i);

/** A driver over an rsvd_scsi_disk_ops backend: one open per initiator. */
typedef struct tu_pr_disk_driver {
    const rsvd_scsi_disk_ops *ops;
    void *ops_ctx;
    const char *file_name;
    /** Called while a call is not yet completed (an asynchronous backend's
     * event loop); NULL for a backend that completes before returning. */
    void (*pump)(void *pump_ctx);
    void *pump_ctx;
    void *handles[TU_PR_INITIATORS];
    tu_capture cap;
} tu_pr_disk_driver;

/** Opens the three initiators' handles and fills @p out. @return 0 or -1. */
int tu_pr_disk_driver_open(tu_pr_disk_driver *d, tu_pr_driver *out);

/** Closes the handles. */
void tu_pr_disk_driver_close(tu_pr_disk_driver *d);

#endif /* RSVD_PR_SCENARIO_H */
