/*
 * The reusable persistent-reservation scenario (tests/support/pr_scenario.h)
 * against the built-in virtual SCSI disk, over memory and over a file.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rsvd/file_store.h>
#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>

#include "pr_scenario.h"
#include "tu_scsi.h"

static void run_on(tu_disk *t)
{
    tu_pr_disk_driver dd;
    memset(&dd, 0, sizeof dd);
    dd.ops = t->ops;
    dd.ops_ctx = t->set;
    dd.file_name = "disk.vhdx";
    tu_pr_driver drv;
    assert_int_equal(tu_pr_disk_driver_open(&dd, &drv), 0);
    char why[256];
    int failed = tu_pr_run(&drv, tu_pr_scenario, tu_pr_scenario_len, why, sizeof why);
    tu_pr_disk_driver_close(&dd);
    if (failed >= 0)
        fail_msg("%s", why);
}

static void scenario_holds_on_the_disk_over_memory(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init_default(&t);
    run_on(&t);
    rsvd_scsi_disk_pr_state st;
    rsvd_scsi_disk_pr_state_get(t.disk, &st);
    assert_int_equal(st.registrants, 0);
    assert_false(st.reserved);
    assert_true(st.pr_generation > 0);
    tu_disk_fini(&t);
}

static void scenario_holds_on_the_disk_over_a_file(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/rsvd-scenario-XXXXXX", TU_SCRATCH_DIR);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    rsvd_file_block_config fcfg = {.struct_size = sizeof(rsvd_file_block_config),
                                   .path = path,
                                   .create_size = 1u << 20,
                                   .logical_sector_size = 4096};
    rsvd_file_block *fb;
    assert_int_equal(rsvd_file_block_open(&fcfg, &fb, NULL), RSVD_OK);
    tu_disk t;
    memset(&t, 0, sizeof t);
    rsvd_scsi_disk_config cfg = {.struct_size = sizeof(rsvd_scsi_disk_config),
                                 .block = rsvd_file_block_source(fb)};
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &t.disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &t.set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, "disk.vhdx", t.disk), RSVD_OK);
    t.ops = rsvd_scsi_disk_backend_ops();
    run_on(&t);
    rsvd_scsi_disk_set_destroy(t.set);
    assert_int_equal(rsvd_scsi_disk_destroy(t.disk), RSVD_OK);
    rsvd_file_block_close(fb);
    unlink(path);
}

/* The runner reports the first step whose outcome differs. */
static void runner_reports_a_step_that_does_not_hold(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init_default(&t);
    tu_pr_step steps[] = {
        {TU_PR_REGISTER, TU_PR_A, 0, 0, 0x1, {RSVD_STATUS_SUCCESS, 0, -1}, "A registers"},
        {TU_PR_RESERVE, TU_PR_A, RSVD_SCSI_PR_WRITE_EXCLUSIVE, 0x1, 0,
         {RSVD_STATUS_SUCCESS, 0, -1}, "A reserves"},
        /* wrong on purpose: B's write conflicts under Write Exclusive */
        {TU_PR_WRITE16, TU_PR_B, 0, 0, 0, {RSVD_STATUS_SUCCESS, 0, -1}, "B writes"},
    };
    tu_pr_disk_driver dd;
    memset(&dd, 0, sizeof dd);
    dd.ops = t.ops;
    dd.ops_ctx = t.set;
    dd.file_name = "disk.vhdx";
    tu_pr_driver drv;
    assert_int_equal(tu_pr_disk_driver_open(&dd, &drv), 0);
    char why[256];
    assert_int_equal(tu_pr_run(&drv, steps, 3, why, sizeof why), 2);
    assert_non_null(strstr(why, "B writes"));
    assert_non_null(strstr(why, "0x18"));
    tu_pr_disk_driver_close(&dd);
    tu_disk_fini(&t);
}

/* Departures are looked up by description: each must name one step. */
static void every_step_description_is_unique(void **state)
{
    (void)state;
    for (size_t i = 0; i < tu_pr_scenario_len; i++)
        for (size_t j = i + 1; j < tu_pr_scenario_len; j++)
            if (strcmp(tu_pr_scenario[i].what, tu_pr_scenario[j].what) == 0)
                fail_msg("steps %zu and %zu are both \"%s\"", i, j, tu_pr_scenario[i].what);
}

#define SUCCESS_GOOD {RSVD_STATUS_SUCCESS, RSVD_SCSI_STATUS_GOOD, -1}
#define SUCCESS_CONFLICT {RSVD_STATUS_SUCCESS, RSVD_SCSI_STATUS_RESERVATION_CONFLICT, -1}
#define NO_EXTRA {TU_PR_TUR, 0, 0, 0, 0, SUCCESS_GOOD, NULL}

/* Three steps; the third's table answer is GOOD, which the disk does not
 * give (B writes under A's Write Exclusive): a target "departing" there. */
static const tu_pr_step departing_steps[] = {
    {TU_PR_REGISTER, TU_PR_A, 0, 0, 0x1, SUCCESS_GOOD, "A registers"},
    {TU_PR_RESERVE, TU_PR_A, RSVD_SCSI_PR_WRITE_EXCLUSIVE, 0x1, 0, SUCCESS_GOOD, "A reserves"},
    {TU_PR_WRITE16, TU_PR_B, 0, 0, 0, SUCCESS_GOOD, "B writes"},
};

static int run_departing(tu_disk *t, const tu_pr_departure *deps, size_t n, tu_pr_answer *ans,
                         char *notes, size_t notes_cap, char *why, size_t why_cap)
{
    tu_pr_disk_driver dd;
    memset(&dd, 0, sizeof dd);
    dd.ops = t->ops;
    dd.ops_ctx = t->set;
    dd.file_name = "disk.vhdx";
    tu_pr_driver drv;
    assert_int_equal(tu_pr_disk_driver_open(&dd, &drv), 0);
    FILE *f = tmpfile();
    assert_non_null(f);
    tu_pr_opts o = {.target = "the test target", .departures = deps, .n_departures = n,
                    .answers = ans, .notes = f};
    int rc = tu_pr_run_opts(&drv, departing_steps, 3, &o, why, why_cap);
    rewind(f);
    size_t got = fread(notes, 1, notes_cap - 1, f);
    notes[got] = '\0';
    fclose(f);
    tu_pr_disk_driver_close(&dd);
    return rc;
}

static void a_documented_departure_holds_and_is_noted(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init_default(&t);
    const tu_pr_departure deps[] = {
        {"B writes", "the test's reason", false, SUCCESS_CONFLICT, NO_EXTRA},
        {"A reserves", "an extra step", true, SUCCESS_GOOD,
         {TU_PR_READ_RESERVATION, TU_PR_C, 0, 0, 0,
          {RSVD_STATUS_SUCCESS, RSVD_SCSI_STATUS_GOOD, RSVD_SCSI_PR_WRITE_EXCLUSIVE},
          "C sees the reservation"}},
    };
    tu_pr_answer ans[3];
    char notes[2048], why[512];
    assert_int_equal(run_departing(&t, deps, 2, ans, notes, sizeof notes, why, sizeof why), -1);
    assert_non_null(strstr(notes, "NOTE: step 2 (B writes): the test target departs from SPC-3: "
                                  "the test's reason"));
    assert_non_null(strstr(notes, "NOTE: step 1 (A reserves)"));
    assert_non_null(strstr(notes, "C sees the reservation"));
    assert_true(ans[2].ran);
    assert_int_equal(ans[2].scsi_status, RSVD_SCSI_STATUS_RESERVATION_CONFLICT);
    tu_disk_fini(&t);
}

static void a_departure_that_does_not_happen_fails_the_run(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init_default(&t);
    /* The disk gives the table's answer for "A reserves": the departure is stale. */
    const tu_pr_departure deps[] = {
        {"A reserves", "stale", false, SUCCESS_CONFLICT, NO_EXTRA},
        {"B writes", "the test's reason", false, SUCCESS_CONFLICT, NO_EXTRA},
    };
    tu_pr_answer ans[3];
    char notes[2048], why[512];
    assert_int_equal(run_departing(&t, deps, 2, ans, notes, sizeof notes, why, sizeof why), 1);
    assert_non_null(strstr(why, "no longer happens"));
    tu_disk_fini(&t);
}

static void a_departure_must_name_one_step(void **state)
{
    (void)state;
    tu_disk t;
    tu_disk_init_default(&t);
    const tu_pr_departure deps[] = {
        {"nobody writes", "names nothing", false, SUCCESS_CONFLICT, NO_EXTRA},
    };
    tu_pr_answer ans[3];
    char notes[2048], why[512];
    assert_int_equal(run_departing(&t, deps, 1, ans, notes, sizeof notes, why, sizeof why), -2);
    assert_non_null(strstr(why, "nobody writes"));
    tu_disk_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_holds_on_the_disk_over_memory),
        cmocka_unit_test(scenario_holds_on_the_disk_over_a_file),
        cmocka_unit_test(runner_reports_a_step_that_does_not_hold),
        cmocka_unit_test(every_step_description_is_unique),
        cmocka_unit_test(a_documented_departure_holds_and_is_noted),
        cmocka_unit_test(a_departure_that_does_not_happen_fails_the_run),
        cmocka_unit_test(a_departure_must_name_one_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
