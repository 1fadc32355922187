/*
 * The persistent-reservation scenario (pr_scenario.h): the table of steps
 * with the outcomes SPC-3 prescribes, the runner, and a driver over
 * rsvd_scsi_disk_ops.
 */
#include "pr_scenario.h"

#include <stdio.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/scsi.h>
#include <rsvd/status.h>

/* ------------------------------------------------------------------------ */
/* The table                                                                 */
/* ------------------------------------------------------------------------ */

#define A TU_PR_A
#define B TU_PR_B
#define C TU_PR_C
#define KA TU_PR_KEY_A
#define KB TU_PR_KEY_B
#define KWRONG 0x00000000000000EEull

#define GOOD {RSVD_STATUS_SUCCESS, RSVD_SCSI_STATUS_GOOD, -1}
#define CONFLICT {RSVD_STATUS_SUCCESS, RSVD_SCSI_STATUS_RESERVATION_CONFLICT, -1}
#define ALLOWED(ok) {RSVD_STATUS_SUCCESS, (ok) ? RSVD_SCSI_STATUS_GOOD : \
                     RSVD_SCSI_STATUS_RESERVATION_CONFLICT, -1}
#define UA(st) {st, RSVD_SCSI_STATUS_CHECK_CONDITION, -1}
#define VALUE(v) {RSVD_STATUS_SUCCESS, RSVD_SCSI_STATUS_GOOD, v}
/* B's next command after A's release: the attention if B shared the access. */
#define AFTER_RELEASE(shared) {(shared) ? UA_RELEASED : RSVD_STATUS_SUCCESS,                      \
                               (shared) ? RSVD_SCSI_STATUS_CHECK_CONDITION : RSVD_SCSI_STATUS_GOOD, \
                               -1}

#define WE RSVD_SCSI_PR_WRITE_EXCLUSIVE
#define EA RSVD_SCSI_PR_EXCLUSIVE_ACCESS
#define WE_RO RSVD_SCSI_PR_WRITE_EXCLUSIVE_REGISTRANTS_ONLY
#define EA_RO RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY
#define WE_AR RSVD_SCSI_PR_WRITE_EXCLUSIVE_ALL_REGISTRANTS
#define EA_AR RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS

#define UA_RELEASED RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED
#define UA_REG_PREEMPTED RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED
#define UA_RES_PREEMPTED RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED

/*
 * One reservation type in turn ([SPC-3] 5.6.1 and the [SBC-3] table):
 *  - A (registered) reserves; B (registered) tries with a wrong key, then
 *    with its own key (a conflict unless All Registrants made B a holder);
 *  - B and C (unregistered) write and read, by SCSI and by SMB2, with the
 *    access the type gives each (bw, br for B; cw, cr for C);
 *  - A releases; B, the other registrant, sees RESERVATIONS RELEASED once
 *    when the type shared access with registrants (shared), C never does.
 */
#define TYPE_STEPS(T, bw, br, cw, cr, ar, shared)                                              \
    {TU_PR_RESERVE, A, T, KA, 0, GOOD, #T ": A reserves"},                                     \
    {TU_PR_RESERVE, B, T, KWRONG, 0, CONFLICT, #T ": RESERVE with a wrong key conflicts"},     \
    {TU_PR_RESERVE, B, T, KB, 0, ALLOWED(ar),                                                  \
     #T ": B reserves what A holds (a holder too only under All Registrants)"},                \
    {TU_PR_READ_RESERVATION, C, 0, 0, 0, VALUE(T), #T ": READ RESERVATION shows the type"},    \
    {TU_PR_WRITE16, A, 0, 0, 0, GOOD, #T ": the holder writes"},                               \
    {TU_PR_READ16, A, 0, 0, 0, GOOD, #T ": the holder reads"},                                 \
    {TU_PR_WRITE16, B, 0, 0, 0, ALLOWED(bw), #T ": WRITE(16) by registered B"},                \
    {TU_PR_READ16, B, 0, 0, 0, ALLOWED(br), #T ": READ(16) by registered B"},                  \
    {TU_PR_WRITE16, C, 0, 0, 0, ALLOWED(cw), #T ": WRITE(16) by unregistered C"},              \
    {TU_PR_READ16, C, 0, 0, 0, ALLOWED(cr), #T ": READ(16) by unregistered C"},                \
    {TU_PR_SMB_WRITE, B, 0, 0, 0, ALLOWED(bw), #T ": SMB2 WRITE by registered B"},             \
    {TU_PR_SMB_READ, B, 0, 0, 0, ALLOWED(br), #T ": SMB2 READ by registered B"},               \
    {TU_PR_SMB_WRITE, C, 0, 0, 0, ALLOWED(cw), #T ": SMB2 WRITE by unregistered C"},           \
    {TU_PR_SMB_READ, C, 0, 0, 0, ALLOWED(cr), #T ": SMB2 READ by unregistered C"},             \
    {TU_PR_RELEASE, A, T, KA, 0, GOOD, #T ": A releases"},                                     \
    {TU_PR_TUR, B, 0, 0, 0, AFTER_RELEASE(shared),                                             \
     #T ": B learns of the release only if it shared the access"},                             \
    {TU_PR_TUR, B, 0, 0, 0, GOOD, #T ": the attention is reported once"},                      \
    {TU_PR_TUR, C, 0, 0, 0, GOOD, #T ": unregistered C is not told"},                          \
    {TU_PR_WRITE16, C, 0, 0, 0, GOOD, #T ": released: C writes again"}

const tu_pr_step tu_pr_scenario[] = {
    {TU_PR_SETTLE, A, 0, 0, 0, GOOD, "A is ready"},
    {TU_PR_SETTLE, B, 0, 0, 0, GOOD, "B is ready"},
    {TU_PR_SETTLE, C, 0, 0, 0, GOOD, "C is ready"},
    {TU_PR_READ_KEYS, A, 0, 0, 0, VALUE(0), "no registrations at the start"},
    {TU_PR_REGISTER, A, 0, 0, KA, GOOD, "A registers"},
    {TU_PR_REGISTER, B, 0, 0, KB, GOOD, "B registers"},
    {TU_PR_REGISTER, C, 0, KA, KWRONG, CONFLICT,
     "REGISTER from an unregistered initiator with a nonzero key conflicts"},
    {TU_PR_READ_KEYS, C, 0, 0, 0, VALUE(2), "READ KEYS shows A and B"},

    /*          type   B writes B reads C writes C reads all-regs shared */
    TYPE_STEPS(WE,    false,   true,   false,   true,   false,   false),
    TYPE_STEPS(EA,    false,   false,  false,   false,  false,   false),
    TYPE_STEPS(WE_RO, true,    true,   false,   true,   false,   true),
    TYPE_STEPS(EA_RO, true,    true,   false,   false,  false,   true),
    TYPE_STEPS(WE_AR, true,    true,   false,   true,   true,    true),
    TYPE_STEPS(EA_AR, true,    true,   false,   false,  true,    true),

    /* PREEMPT ([SPC-3] 5.6.10.4): B takes A's reservation and registration. */
    {TU_PR_RESERVE, A, WE, KA, 0, GOOD, "A reserves Write Exclusive"},
    {TU_PR_PREEMPT, C, EA, 0, KA, CONFLICT, "PREEMPT from an unregistered initiator conflicts"},
    {TU_PR_PREEMPT, B, EA, KB, KA, GOOD, "B preempts A into Exclusive Access"},
    {TU_PR_TUR, A, 0, 0, 0, UA(UA_REG_PREEMPTED), "A learns its registration was preempted"},
    {TU_PR_TUR, A, 0, 0, 0, GOOD, "the preemption is reported once"},
    {TU_PR_READ16, A, 0, 0, 0, CONFLICT, "A, now unregistered, may not read under EA"},
    {TU_PR_READ16, B, 0, 0, 0, GOOD, "the new holder reads"},
    {TU_PR_READ_KEYS, C, 0, 0, 0, VALUE(1), "only B is registered"},
    {TU_PR_READ_RESERVATION, C, 0, 0, 0, VALUE(EA), "B holds Exclusive Access"},
    {TU_PR_RESERVE, A, EA, KA, 0, CONFLICT, "A's old key is gone"},

    /* CLEAR ([SPC-3] 5.6.10.6): everything goes, the others are told. */
    {TU_PR_REGISTER, A, 0, 0, KA, GOOD, "A registers again"},
    {TU_PR_CLEAR, C, 0, 0, 0, CONFLICT, "CLEAR from an unregistered initiator conflicts"},
    {TU_PR_CLEAR, B, 0, KWRONG, 0, CONFLICT, "CLEAR with a wrong key conflicts"},
    {TU_PR_CLEAR, B, 0, KB, 0, GOOD, "B clears"},
    {TU_PR_TUR, A, 0, 0, 0, UA(UA_RES_PREEMPTED), "A learns of the clear"},
    {TU_PR_TUR, A, 0, 0, 0, GOOD, "the clear is reported once"},
    {TU_PR_TUR, B, 0, 0, 0, GOOD, "the clearing initiator is not told"},
    {TU_PR_TUR, C, 0, 0, 0, GOOD, "unregistered C is not told"},
    {TU_PR_READ_KEYS, C, 0, 0, 0, VALUE(0), "no registrations left"},
    {TU_PR_READ_RESERVATION, C, 0, 0, 0, VALUE(0), "no reservation left"},
    {TU_PR_WRITE16, C, 0, 0, 0, GOOD, "C writes freely"},
};

const size_t tu_pr_scenario_len = sizeof tu_pr_scenario / sizeof tu_pr_scenario[0];

/* ------------------------------------------------------------------------ */
/* The runner                                                                */
/* ------------------------------------------------------------------------ */

#define SCENARIO_LBA 16u
#define MAX_BLOCK 4096u

typedef struct run {
    const tu_pr_driver *drv;
    uint32_t block;
    uint8_t data[MAX_BLOCK];
    uint8_t param[RSVD_SCSI_PROUT_PARAM_LEN];
} run;

static void cmd_init(rsvd_scsi_cmd *cmd, const uint8_t *cdb, int n)
{
    memset(cmd, 0, sizeof *cmd);
    memcpy(cmd->cdb, cdb, (size_t)n);
    cmd->cdb_len = (uint8_t)n;
    cmd->direction = RSVD_SCSI_NO_DATA;
}

static int exec_in(run *ru, int ini, const uint8_t *cdb, int n, uint32_t cap, rsvd_io_result *r)
{
    rsvd_scsi_cmd cmd;
    cmd_init(&cmd, cdb, n);
    cmd.direction = RSVD_SCSI_DATA_IN;
    cmd.data_in = ru->data;
    cmd.data_in_cap = cap;
    return ru->drv->execute(ru->drv->ctx, ini, &cmd, r);
}

static int exec_out(run *ru, int ini, const uint8_t *cdb, int n, const uint8_t *out,
                    uint32_t len, rsvd_io_result *r)
{
    rsvd_scsi_cmd cmd;
    cmd_init(&cmd, cdb, n);
    cmd.direction = RSVD_SCSI_DATA_OUT;
    cmd.data_out = out;
    cmd.data_out_len = len;
    return ru->drv->execute(ru->drv->ctx, ini, &cmd, r);
}

static int tur(run *ru, int ini, rsvd_io_result *r)
{
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_test_unit_ready(cdb, sizeof cdb);
    rsvd_scsi_cmd cmd;
    cmd_init(&cmd, cdb, n);
    return ru->drv->execute(ru->drv->ctx, ini, &cmd, r);
}

static int prout(run *ru, const tu_pr_step *s, enum rsvd_scsi_prout_action sa, uint8_t type,
                 rsvd_io_result *r)
{
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, sa, RSVD_SCSI_PR_SCOPE_LU, type,
                                RSVD_SCSI_PROUT_PARAM_LEN);
    rsvd_scsi_prout_params p = {.reservation_key = s->key, .sa_reservation_key = s->sa_key};
    rsvd_scsi_prout_params_encode(&p, ru->param, sizeof ru->param);
    return exec_out(ru, s->initiator, cdb, n, ru->param, sizeof ru->param, r);
}

/* Runs one step; @p value receives READ KEYS / READ RESERVATION's answer.
 * @return 1 when the step does not apply to this driver, 0, or -1. */
static int step_run(run *ru, const tu_pr_step *s, rsvd_io_result *r, int *value)
{
    uint8_t cdb[16];
    int n;
    *value = -1;
    switch (s->action) {
    case TU_PR_SETTLE:
        for (int i = 0; i < 4; i++) {
            if (tur(ru, s->initiator, r) != 0)
                return -1;
            if (r->status == RSVD_STATUS_SUCCESS && r->scsi.scsi_status == RSVD_SCSI_STATUS_GOOD)
                return 0;
        }
        return 0;
    case TU_PR_TUR:
        return tur(ru, s->initiator, r);
    case TU_PR_REGISTER:
        return prout(ru, s, RSVD_SCSI_PROUT_REGISTER, 0, r);
    case TU_PR_REGISTER_IGNORE:
        return prout(ru, s, RSVD_SCSI_PROUT_REGISTER_AND_IGNORE_EXISTING_KEY, 0, r);
    case TU_PR_RESERVE:
        return prout(ru, s, RSVD_SCSI_PROUT_RESERVE, s->type, r);
    case TU_PR_RELEASE:
        return prout(ru, s, RSVD_SCSI_PROUT_RELEASE, s->type, r);
    case TU_PR_CLEAR:
        return prout(ru, s, RSVD_SCSI_PROUT_CLEAR, 0, r);
    case TU_PR_PREEMPT:
        return prout(ru, s, RSVD_SCSI_PROUT_PREEMPT, s->type, r);
    case TU_PR_READ16:
        n = rsvd_scsi_cdb_read16(cdb, sizeof cdb, SCENARIO_LBA, 1, 0);
        return exec_in(ru, s->initiator, cdb, n, ru->block, r);
    case TU_PR_WRITE16:
        memset(ru->data, 0x50 + s->initiator, ru->block);
        n = rsvd_scsi_cdb_write16(cdb, sizeof cdb, SCENARIO_LBA, 1, 0);
        return exec_out(ru, s->initiator, cdb, n, ru->data, ru->block, r);
    case TU_PR_SMB_READ:
        if (!ru->drv->read)
            return 1;
        return ru->drv->read(ru->drv->ctx, s->initiator, (uint64_t)SCENARIO_LBA * ru->block,
                             ru->data, ru->block, r);
    case TU_PR_SMB_WRITE:
        if (!ru->drv->write)
            return 1;
        memset(ru->data, 0x60 + s->initiator, ru->block);
        return ru->drv->write(ru->drv->ctx, s->initiator, (uint64_t)SCENARIO_LBA * ru->block,
                              ru->data, ru->block, r);
    case TU_PR_READ_KEYS: {
        n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_KEYS, MAX_BLOCK);
        if (exec_in(ru, s->initiator, cdb, n, MAX_BLOCK, r) != 0)
            return -1;
        rsvd_scsi_prin_keys k;
        if (r->scsi.scsi_status == RSVD_SCSI_STATUS_GOOD &&
            rsvd_scsi_prin_keys_decode(ru->data, r->bytes, &k) == RSVD_OK)
            *value = (int)k.num_keys;
        return 0;
    }
    case TU_PR_READ_RESERVATION: {
        n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_RESERVATION, 64);
        if (exec_in(ru, s->initiator, cdb, n, 64, r) != 0)
            return -1;
        rsvd_scsi_prin_reservation res;
        if (r->scsi.scsi_status == RSVD_SCSI_STATUS_GOOD &&
            rsvd_scsi_prin_reservation_decode(ru->data, r->bytes, &res) == RSVD_OK)
            *value = res.reserved ? res.type : 0;
        return 0;
    }
    }
    return -1;
}

static const char *status_text(uint32_t st, char *buf, size_t cap)
{
    return rsvd_status_format(st, buf, cap);
}

const char *tu_pr_expect_text(const tu_pr_expect *e, char *buf, size_t cap)
{
    char st[64];
    status_text(e->status, st, sizeof st);
    int n = snprintf(buf, cap, "%s / SCSI 0x%02X", st, e->scsi_status);
    if (e->value >= 0 && n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, " / value %d", e->value);
    return buf;
}

/* Does the outcome (@p r, @p value) give the answer @p e? */
static bool answer_is(const tu_pr_step *s, const tu_pr_expect *e, const rsvd_io_result *r,
                      int value)
{
    if (r->status != e->status)
        return false;
    if (e->status == RSVD_STATUS_SUCCESS && s->action != TU_PR_SETTLE &&
        r->scsi.scsi_status != e->scsi_status)
        return false;
    return e->value < 0 || value == e->value;
}

/* Describes why (@p r, @p value) is not @p e. */
static void mismatch(char *why, size_t why_cap, size_t i, const tu_pr_step *s,
                     const tu_pr_expect *e, const rsvd_io_result *r, int value)
{
    char a[48], b[48];
    if (r->status != e->status)
        snprintf(why, why_cap, "step %zu (%s): status %s, expected %s", i, s->what,
                 status_text(r->status, a, sizeof a), status_text(e->status, b, sizeof b));
    else if (e->value < 0 || value == e->value)
        snprintf(why, why_cap, "step %zu (%s): SCSI status 0x%02X, expected 0x%02X", i, s->what,
                 r->scsi.scsi_status, e->scsi_status);
    else
        snprintf(why, why_cap, "step %zu (%s): got %d, expected %d", i, s->what, value, e->value);
}

int tu_pr_run(const tu_pr_driver *drv, const tu_pr_step *steps, size_t n, char *why,
              size_t why_cap)
{
    return tu_pr_run_opts(drv, steps, n, NULL, why, why_cap);
}

static const tu_pr_departure *departure_of(const tu_pr_opts *o, const tu_pr_step *s, bool extra)
{
    for (size_t k = 0; o && k < o->n_departures; k++)
        if (o->departures[k].extra_step == extra && strcmp(o->departures[k].step, s->what) == 0)
            return &o->departures[k];
    return NULL;
}

/* Runs one step and checks it against its expectation or its answer
 * departure; @p msg receives what did not hold (empty if it held). */
static void step_check(run *ru, const tu_pr_opts *o, size_t i, const tu_pr_step *s,
                       const tu_pr_departure *dep, tu_pr_answer *ans, char *msg, size_t cap,
                       bool *skipped)
{
    const char *target = o && o->target ? o->target : "the target";
    FILE *notes = o && o->notes ? o->notes : stdout;
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    int value = -1;
    msg[0] = '\0';
    *skipped = false;
    int rc = step_run(ru, s, &r, &value);
    if (rc == 1) {
        *skipped = true; /* this path has no such command */
        return;
    }
    if (rc != 0) {
        snprintf(msg, cap, "step %zu (%s): the command could not be issued", i, s->what);
        return;
    }
    if (ans) {
        ans->ran = true;
        ans->status = r.status;
        ans->scsi_status = r.scsi.scsi_status;
        ans->value = value;
    }
    char a[128], b[128];
    if (!dep) {
        if (!answer_is(s, &s->expect, &r, value))
            mismatch(msg, cap, i, s, &s->expect, &r, value);
        return;
    }
    if (dep->extra_step) { /* s is the extra step itself */
        if (answer_is(s, &s->expect, &r, value))
            fprintf(notes, "NOTE: step %zu (%s): %s departs from SPC-3: %s [extra step on %s: %s "
                           "answers %s]\n",
                    i, dep->step, target, dep->why, target, s->what,
                    tu_pr_expect_text(&s->expect, a, sizeof a));
        else {
            mismatch(msg, cap, i, s, &s->expect, &r, value);
            size_t len = strlen(msg);
            snprintf(msg + len, cap - len, " (extra step for %s's documented departure)", target);
        }
        return;
    }
    if (answer_is(s, &dep->answer, &r, value)) {
        fprintf(notes, "NOTE: step %zu (%s): %s departs from SPC-3: %s [SPC-3: %s; %s: %s]\n", i,
                s->what, target, dep->why, tu_pr_expect_text(&s->expect, a, sizeof a), target,
                tu_pr_expect_text(&dep->answer, b, sizeof b));
    } else if (answer_is(s, &s->expect, &r, value)) {
        snprintf(msg, cap,
                 "step %zu (%s): %s now gives SPC-3's answer (%s): the documented departure (%s) "
                 "no longer happens; update the departure table",
                 i, s->what, target, tu_pr_expect_text(&s->expect, a, sizeof a), dep->why);
    } else {
        mismatch(msg, cap, i, s, &dep->answer, &r, value);
        size_t len = strlen(msg);
        snprintf(msg + len, cap - len, " (%s's documented departure)", target);
    }
}

int tu_pr_run_opts(const tu_pr_driver *drv, const tu_pr_step *steps, size_t n,
                   const tu_pr_opts *o, char *why, size_t why_cap)
{
    static run ru; /* test support: one run at a time */
    memset(&ru, 0, sizeof ru);
    ru.drv = drv;
    if (why_cap)
        why[0] = '\0';
    FILE *notes = o && o->notes ? o->notes : stdout;
    if (o && o->answers)
        memset(o->answers, 0, n * sizeof o->answers[0]);

    /* Each departure names exactly one step; a step has one answer at most. */
    for (size_t k = 0; o && k < o->n_departures; k++) {
        size_t hits = 0, twins = 0;
        for (size_t i = 0; i < n; i++)
            hits += strcmp(o->departures[k].step, steps[i].what) == 0;
        for (size_t j = 0; j < o->n_departures; j++)
            twins += !o->departures[k].extra_step && !o->departures[j].extra_step &&
                     strcmp(o->departures[k].step, o->departures[j].step) == 0;
        if (hits != 1 || (!o->departures[k].extra_step && twins != 1)) {
            snprintf(why, why_cap, "departure \"%s\" names %zu steps (and %zu answers), not one",
                     o->departures[k].step, hits, twins);
            return -2;
        }
    }

    /* The block size, from READ CAPACITY(16) as A (past its attentions). */
    uint8_t cdb[16];
    int cn = rsvd_scsi_cdb_read_capacity16(cdb, sizeof cdb, RSVD_SCSI_READ_CAPACITY16_LEN);
    rsvd_io_result r;
    rsvd_scsi_capacity cap;
    memset(&cap, 0, sizeof cap);
    for (int i = 0; i < 4; i++) {
        memset(&r, 0, sizeof r);
        if (exec_in(&ru, TU_PR_A, cdb, cn, RSVD_SCSI_READ_CAPACITY16_LEN, &r) != 0)
            break;
        if (r.status == RSVD_STATUS_SUCCESS && r.scsi.scsi_status == RSVD_SCSI_STATUS_GOOD &&
            rsvd_scsi_read_capacity16_decode(ru.data, r.bytes, &cap) == RSVD_OK)
            break;
    }
    if (cap.block_length < 512 || cap.block_length > MAX_BLOCK || cap.last_lba < SCENARIO_LBA) {
        snprintf(why, why_cap, "READ CAPACITY(16) before the scenario failed");
        return 0;
    }
    ru.block = cap.block_length;

    int first = -1;
    char msg[640];
    for (size_t i = 0; i < n; i++) {
        const tu_pr_step *s = &steps[i];
        bool skipped;
        step_check(&ru, o, i, s, departure_of(o, s, false),
                   o && o->answers ? &o->answers[i] : NULL, msg, sizeof msg, &skipped);
        const tu_pr_departure *extra = departure_of(o, s, true);
        if (!msg[0] && !skipped && extra)
            step_check(&ru, o, i, &extra->extra, extra, NULL, msg, sizeof msg, &skipped);
        if (msg[0]) {
            if (first < 0) {
                first = (int)i;
                snprintf(why, why_cap, "%s", msg);
            }
            if (!(o && o->keep_going))
                return first;
            fprintf(notes, "FAILED: %s\n", msg);
        }
    }
    return first;
}

/* ------------------------------------------------------------------------ */
/* Driver over rsvd_scsi_disk_ops                                            */
/* ------------------------------------------------------------------------ */

rsvd_guid tu_pr_initiator_id(int i)
{
    rsvd_guid g;
    memset(g.b, 0, sizeof g.b);
    g.b[0] = 0x50; /* 'P' */
    g.b[1] = 0x52; /* 'R' */
    g.b[15] = (uint8_t)(i + 1);
    return g;
}

/* Waits for the completion of the call issued with d->cap. */
static int dd_wait(tu_pr_disk_driver *d, rsvd_io_result *r)
{
    for (int spins = 0; d->cap.completions == 0 && d->pump && spins < 100000; spins++)
        d->pump(d->pump_ctx);
    if (d->cap.completions != 1)
        return -1;
    *r = d->cap.result;
    return 0;
}

static int dd_execute(void *ctx, int ini, const rsvd_scsi_cmd *cmd, rsvd_io_result *r)
{
    tu_pr_disk_driver *d = ctx;
    d->ops->execute(d->ops_ctx, d->handles[ini], cmd, tu_capture_begin(&d->cap));
    return dd_wait(d, r);
}

static int dd_read(void *ctx, int ini, uint64_t off, uint8_t *buf, uint32_t len,
                   rsvd_io_result *r)
{
    tu_pr_disk_driver *d = ctx;
    d->ops->read(d->ops_ctx, d->handles[ini], off, buf, len, tu_capture_begin(&d->cap));
    return dd_wait(d, r);
}

static int dd_write(void *ctx, int ini, uint64_t off, const uint8_t *buf, uint32_t len,
                    rsvd_io_result *r)
{
    tu_pr_disk_driver *d = ctx;
    d->ops->write(d->ops_ctx, d->handles[ini], off, buf, len, tu_capture_begin(&d->cap));
    return dd_wait(d, r);
}

int tu_pr_disk_driver_open(tu_pr_disk_driver *d, tu_pr_driver *out)
{
    for (int i = 0; i < TU_PR_INITIATORS; i++) {
        rsvd_backend_open_args a;
        memset(&a, 0, sizeof a);
        a.file_name = d->file_name;
        a.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
        a.has_initiator = true;
        a.initiator_id = tu_pr_initiator_id(i);
        d->ops->open(d->ops_ctx, &a, tu_capture_begin(&d->cap));
        rsvd_io_result r;
        if (dd_wait(d, &r) != 0 || r.status != RSVD_STATUS_SUCCESS || !r.handle)
            return -1;
        d->handles[i] = r.handle;
    }
    out->ctx = d;
    out->execute = dd_execute;
    out->read = dd_read;
    out->write = dd_write;
    return 0;
}

void tu_pr_disk_driver_close(tu_pr_disk_driver *d)
{
    for (int i = 0; i < TU_PR_INITIATORS; i++) {
        if (!d->handles[i])
            continue;
        d->ops->close(d->ops_ctx, d->handles[i], false, tu_capture_begin(&d->cap));
        rsvd_io_result r;
        dd_wait(d, &r);
        d->handles[i] = NULL;
    }
}
