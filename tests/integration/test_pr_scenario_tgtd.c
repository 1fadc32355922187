/*
 * One scenario, two disks: the persistent-reservation scenario
 * (tests/support/pr_scenario.h, written to SPC-3) against the built-in
 * virtual SCSI disk and against tgtd through the iSCSI backend. Both must
 * give the same RSVD-level answers (NTSTATUS, SCSI status, READ KEYS /
 * READ RESERVATION values), step by step, except where tgtd departs from
 * SPC-3: those steps are listed below with the reason, the run prints a
 * NOTE for each, and the built-in disk is still held to SPC-3's answer
 * there. A departure that stops happening fails the test (the table must
 * not go stale). docs/backends.md has the same table.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_disk.h"
#include "peers.h"
#include "pr_scenario.h"
#include "tu_scsi.h"

#if TU_HAVE_ISCSI

#include <rsvd/iscsi_disk.h>
#include <rsvd/status.h>

#define CC RSVD_SCSI_STATUS_CHECK_CONDITION
#define GOOD_ {RSVD_STATUS_SUCCESS, RSVD_SCSI_STATUS_GOOD, -1}
#define UA_RELEASED_ {RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED, CC, -1}
#define UA_RES_PREEMPTED_ {RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED, CC, -1}
#define NO_EXTRA {TU_PR_TUR, 0, 0, 0, 0, GOOD_, NULL}

#define WHY_RELEASE_WE_EA                                                                       \
    "on RELEASE of a Write Exclusive or Exclusive Access reservation SPC-3 (5.6.10.2) "         \
    "establishes no unit attention; tgtd's spc_pr_release() establishes RESERVATIONS "         \
    "RELEASED on every I_T nexus but the other registrants' (the releasing initiator and "     \
    "the unregistered ones)"
#define WHY_RELEASE_RO_AR                                                                       \
    "SPC-3 (5.6.10.2) tells every other registrant RESERVATIONS RELEASED when a Registrants "  \
    "Only or All Registrants reservation is released; tgtd returns before establishing it"
#define WHY_RESERVE_KEY                                                                         \
    "SPC-3 (6.12.3) answers RESERVATION CONFLICT to a RESERVE whose RESERVATION KEY "   \
    "is not the initiator's; tgtd's spc_pr_reserve() never compares the key, and under All "   \
    "Registrants every registrant is a holder, so it answers GOOD"
#define WHY_PREEMPT_UA                                                                          \
    "SPC-3 (5.6.10.4.3) tells an initiator whose registration a PREEMPT removed REGISTRATIONS " \
    "PREEMPTED (2A/05); tgtd sends RESERVATIONS PREEMPTED (2A/03)"

/* tgtd 1.0.85's departures from SPC-3 on the scenario's steps. */
static const tu_pr_departure tgtd_departures[] = {
    {"WE: A releases", WHY_RELEASE_WE_EA, true, GOOD_,
     {TU_PR_TUR, TU_PR_A, 0, 0, 0, UA_RELEASED_,
      "the releasing initiator A is told RESERVATIONS RELEASED"}},
    {"WE: unregistered C is not told", WHY_RELEASE_WE_EA, false, UA_RELEASED_, NO_EXTRA},
    {"EA: A releases", WHY_RELEASE_WE_EA, true, GOOD_,
     {TU_PR_TUR, TU_PR_A, 0, 0, 0, UA_RELEASED_,
      "the releasing initiator A is told RESERVATIONS RELEASED"}},
    {"EA: unregistered C is not told", WHY_RELEASE_WE_EA, false, UA_RELEASED_, NO_EXTRA},
    {"WE_RO: B learns of the release only if it shared the access", WHY_RELEASE_RO_AR, false,
     GOOD_, NO_EXTRA},
    {"EA_RO: B learns of the release only if it shared the access", WHY_RELEASE_RO_AR, false,
     GOOD_, NO_EXTRA},
    {"WE_AR: B learns of the release only if it shared the access", WHY_RELEASE_RO_AR, false,
     GOOD_, NO_EXTRA},
    {"EA_AR: B learns of the release only if it shared the access", WHY_RELEASE_RO_AR, false,
     GOOD_, NO_EXTRA},
    {"WE_AR: RESERVE with a wrong key conflicts", WHY_RESERVE_KEY, false, GOOD_, NO_EXTRA},
    {"EA_AR: RESERVE with a wrong key conflicts", WHY_RESERVE_KEY, false, GOOD_, NO_EXTRA},
    {"A learns its registration was preempted", WHY_PREEMPT_UA, false, UA_RES_PREEMPTED_,
     NO_EXTRA},
};
#define N_DEPARTURES (sizeof tgtd_departures / sizeof tgtd_departures[0])

static const tu_pr_departure *departure_for(const char *what)
{
    for (size_t k = 0; k < N_DEPARTURES; k++)
        if (!tgtd_departures[k].extra_step && strcmp(tgtd_departures[k].step, what) == 0)
            return &tgtd_departures[k];
    return NULL;
}

static tu_pr_answer builtin_answers[256];
static tu_pr_answer tgtd_answers[256];

static int run_on(const rsvd_scsi_disk_ops *ops, void *ctx, const tu_pr_opts *o, char *why,
                  size_t cap)
{
    tu_pr_disk_driver dd;
    memset(&dd, 0, sizeof dd);
    dd.ops = ops;
    dd.ops_ctx = ctx;
    dd.file_name = "disk.vhdx";
    tu_pr_driver drv;
    if (tu_pr_disk_driver_open(&dd, &drv) != 0) {
        snprintf(why, cap, "the three initiators could not open the disk");
        tu_pr_disk_driver_close(&dd);
        return 0;
    }
    int failed = tu_pr_run_opts(&drv, tu_pr_scenario, tu_pr_scenario_len, o, why, cap);
    tu_pr_disk_driver_close(&dd);
    return failed;
}

static void the_built_in_disk_gives_spc3s_answers(void **state)
{
    (void)state;
    assert_true(tu_pr_scenario_len <= 256);
    tu_disk t;
    tu_disk_init_default(&t);
    tu_pr_opts o = {.target = "the built-in disk", .answers = builtin_answers};
    char why[640];
    int failed = run_on(t.ops, t.set, &o, why, sizeof why);
    tu_disk_fini(&t);
    if (failed != -1)
        fail_msg("%s", why);
}

static void tgtd_gives_spc3s_answers_but_for_its_documented_departures(void **state)
{
    (void)state;
    it_tgtd tgtd;
    it_tgtd_start(&tgtd, 16);
    rsvd_iscsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_iscsi_disk_config);
    cfg.portal = tgtd.portal;
    cfg.target = tgtd.target;
    cfg.lun = 1;
    cfg.synchronous = true;
    rsvd_iscsi_disk *d;
    assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_OK);
    tu_pr_opts o = {.target = "tgtd",
                    .departures = tgtd_departures,
                    .n_departures = N_DEPARTURES,
                    .answers = tgtd_answers,
                    .keep_going = true};
    char why[640];
    int failed = run_on(rsvd_iscsi_disk_backend_ops(), d, &o, why, sizeof why);
    assert_int_equal(rsvd_iscsi_disk_destroy(d), RSVD_OK);
    pid_t pid = tgtd.pid;
    assert_int_equal(it_tgtd_stop(&tgtd), 0);
    assert_false(tu_daemon_alive(pid));
    if (failed != -1)
        fail_msg("%s", why);
}

/* Step by step: the same answer from both, except where tgtd's departure
 * is documented; there the built-in disk gives SPC-3's answer and tgtd
 * the documented one. */
static void both_disks_give_the_same_rsvd_answers(void **state)
{
    (void)state;
    size_t compared = 0, departed = 0;
    for (size_t i = 0; i < tu_pr_scenario_len; i++) {
        const tu_pr_step *s = &tu_pr_scenario[i];
        const tu_pr_answer *b = &builtin_answers[i], *g = &tgtd_answers[i];
        if (!b->ran || !g->ran)
            fail_msg("step %zu (%s) did not run on both disks", i, s->what);
        const tu_pr_departure *dep = departure_for(s->what);
        char x[128], y[128];
        tu_pr_expect bx = {b->status, b->scsi_status, b->value};
        tu_pr_expect gx = {g->status, g->scsi_status, g->value};
        if (!dep) {
            if (b->status != g->status || b->scsi_status != g->scsi_status ||
                b->value != g->value)
                fail_msg("step %zu (%s): the built-in disk answers %s, tgtd %s", i, s->what,
                         tu_pr_expect_text(&bx, x, sizeof x), tu_pr_expect_text(&gx, y, sizeof y));
            compared++;
            continue;
        }
        assert_int_equal(b->status, s->expect.status);
        if (s->expect.status == RSVD_STATUS_SUCCESS)
            assert_int_equal(b->scsi_status, s->expect.scsi_status);
        assert_int_equal(g->status, dep->answer.status);
        if (dep->answer.status == RSVD_STATUS_SUCCESS)
            assert_int_equal(g->scsi_status, dep->answer.scsi_status);
        print_message("NOTE: step %zu (%s): tgtd differs: %s / built-in disk (SPC-3) %s\n", i,
                      s->what, tu_pr_expect_text(&gx, y, sizeof y),
                      tu_pr_expect_text(&bx, x, sizeof x));
        departed++;
    }
    print_message("%zu steps answered alike, %zu differ as documented\n", compared, departed);
    assert_int_equal(departed, 9); /* the answer departures in tgtd_departures */
}

int main(void)
{
    tu_tmpdir("pr-scenario-tgtd");
    char path[256];
    it_need_program("tgtd", path, sizeof path);
    it_need_program("tgtadm", path, sizeof path);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_built_in_disk_gives_spc3s_answers),
        cmocka_unit_test(tgtd_gives_spc3s_answers_but_for_its_documented_departures),
        cmocka_unit_test(both_disks_give_the_same_rsvd_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* !TU_HAVE_ISCSI */

int main(void)
{
    tu_skip("librsvd was built without the iscsi feature (-Discsi=disabled, or libiscsi "
            "was not found at configure time)");
}

#endif
