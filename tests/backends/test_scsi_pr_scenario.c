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
    rsvd_file_block_config fcfg = {.path = path, .create_size = 1u << 20,
                                   .logical_sector_size = 4096};
    rsvd_file_block *fb;
    assert_int_equal(rsvd_file_block_open(&fcfg, &fb, NULL), RSVD_OK);
    tu_disk t;
    memset(&t, 0, sizeof t);
    rsvd_scsi_disk_config cfg = {.block = rsvd_file_block_source(fb)};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_holds_on_the_disk_over_memory),
        cmocka_unit_test(scenario_holds_on_the_disk_over_a_file),
        cmocka_unit_test(runner_reports_a_step_that_does_not_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
