/*
 * Unit attentions: established per initiator, reported once as the
 * MS-RSVD 2.2.3 status ([MS-RSVD] 3.2.5.5.5 step 5), not consumed by
 * INQUIRY and REPORT LUNS, returned as data by REQUEST SENSE ([SAM-4] unit
 * attention conditions).
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>

#include "tu_scsi.h"

#define KEY_A 0x1ull
#define KEY_B 0x2ull

typedef struct fx {
    tu_disk t;
    void *a, *b;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_disk_init_default(&f->t);
    f->a = tu_open(&f->t, 1);
    f->b = tu_open(&f->t, 2);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KEY_A));
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KEY_B));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->a)
        tu_close(&f->t, f->a);
    if (f->b)
        tu_close(&f->t, f->b);
    tu_disk_fini(&f->t);
    free(f);
    return 0;
}

/* B's registration preempted by A: B has 2A/05 pending. */
static void preempt_b(fx *f)
{
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_PREEMPT, RSVD_SCSI_PR_WRITE_EXCLUSIVE,
                            KEY_A, KEY_B));
}

static void unit_attention_is_reported_once_then_cleared(void **state)
{
    fx *f = *state;
    preempt_b(f);
    rsvd_io_result r = tu_tur(&f->t, f->b);
    tu_assert_ua(r, RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    assert_int_equal(r.bytes, 0);
    tu_assert_good(tu_tur(&f->t, f->b));
    tu_assert_good(tu_tur(&f->t, f->b));
}

/* The attention replaces the command: a WRITE that reports it wrote nothing. */
static void command_that_reports_the_attention_is_not_executed(void **state)
{
    fx *f = *state;
    preempt_b(f);
    uint8_t buf[512];
    memset(buf, 0x99, sizeof buf);
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RELEASE, RSVD_SCSI_PR_WRITE_EXCLUSIVE,
                            KEY_A, 0));
    rsvd_io_result r = tu_write16(&f->t, f->b, 3, 1, buf, sizeof buf);
    tu_assert_ua(r, RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    assert_int_equal(f->t.mb.data[3 * 512], 0);
}

/* SMB2 READ and WRITE on the disk report the attention the same way. */
static void smb2_read_and_write_report_the_attention(void **state)
{
    fx *f = *state;
    preempt_b(f);
    uint8_t buf[512] = {0};
    tu_assert_ua(tu_smb_read(&f->t, f->b, 0, buf, sizeof buf),
                 RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    tu_assert_good(tu_smb_read(&f->t, f->b, 0, buf, sizeof buf));
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_CLEAR, 0, KEY_A, 0));
    tu_assert_good(tu_prout(&f->t, f->b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KEY_B));
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KEY_A));
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_CLEAR, 0, KEY_A, 0));
    tu_assert_ua(tu_smb_write(&f->t, f->b, 0, buf, sizeof buf),
                 RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_RESERVATIONS_PREEMPTED);
    tu_assert_good(tu_smb_write(&f->t, f->b, 0, buf, sizeof buf));
}

/* INQUIRY and REPORT LUNS execute and leave the attention pending. */
static void inquiry_and_report_luns_do_not_consume_it(void **state)
{
    fx *f = *state;
    preempt_b(f);
    uint8_t cdb[16], data[64];
    int n = rsvd_scsi_cdb_inquiry(cdb, sizeof cdb, false, 0, sizeof data);
    rsvd_io_result r = tu_exec(&f->t, f->b, cdb, n, NULL, 0, data, sizeof data);
    tu_assert_good(r);
    assert_int_equal(r.bytes, 36);
    n = rsvd_scsi_cdb_report_luns(cdb, sizeof cdb, 0, sizeof data);
    tu_assert_good(tu_exec(&f->t, f->b, cdb, n, NULL, 0, data, sizeof data));
    tu_assert_ua(tu_tur(&f->t, f->b), RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
}

/* REQUEST SENSE returns the attention as its data, with GOOD, and clears it. */
static void request_sense_returns_the_attention_and_clears_it(void **state)
{
    fx *f = *state;
    preempt_b(f);
    uint8_t cdb[16], data[32];
    int n = rsvd_scsi_cdb_request_sense(cdb, sizeof cdb, false, sizeof data);
    rsvd_io_result r = tu_exec(&f->t, f->b, cdb, n, NULL, 0, data, sizeof data);
    tu_assert_good(r);
    assert_int_equal(r.bytes, RSVD_SCSI_FIXED_SENSE_LEN);
    rsvd_scsi_sense s;
    assert_int_equal(rsvd_scsi_sense_decode(data, r.bytes, &s), RSVD_OK);
    assert_int_equal(s.key, RSVD_SCSI_SENSE_UNIT_ATTENTION);
    assert_int_equal(s.asc, 0x2A);
    assert_int_equal(s.ascq, 0x05);
    tu_assert_good(tu_tur(&f->t, f->b));
    r = tu_exec(&f->t, f->b, cdb, n, NULL, 0, data, sizeof data);
    tu_assert_good(r);
    assert_int_equal(rsvd_scsi_sense_decode(data, r.bytes, &s), RSVD_OK);
    assert_int_equal(s.key, RSVD_SCSI_SENSE_NO_SENSE);
}

/* The attention belongs to the initiator: whichever of its opens speaks
 * first sees it, and only once. */
static void attention_is_per_initiator_not_per_open(void **state)
{
    fx *f = *state;
    void *b2 = tu_open(&f->t, 2);
    preempt_b(f);
    tu_assert_ua(tu_tur(&f->t, b2), RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    tu_assert_good(tu_tur(&f->t, f->b));
    tu_assert_good(tu_tur(&f->t, b2));
    tu_close(&f->t, b2);
}

/* An initiator preempted while it has no open sees the attention when it
 * comes back. */
static void attention_waits_for_an_initiator_without_opens(void **state)
{
    fx *f = *state;
    tu_close(&f->t, f->b);
    f->b = NULL;
    preempt_b(f);
    f->b = tu_open(&f->t, 2);
    tu_assert_ua(tu_tur(&f->t, f->b), RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    tu_assert_good(tu_tur(&f->t, f->b));
}

/* [SBC-3]: after the capacity changes every initiator sees 2A/09, which
 * MS-RSVD reports as CAPACITY_DATA_CHANGED; READ CAPACITY then reports the
 * new size. */
static void capacity_change_is_reported_to_every_initiator(void **state)
{
    fx *f = *state;
    void *c = tu_open(&f->t, 3); /* never registered */
    f->t.mb.size = 1024 * 512;   /* the block source shrank */
    assert_int_equal(rsvd_scsi_disk_capacity_changed(f->t.disk), RSVD_OK);
    void *handles[] = {f->a, f->b, c};
    for (size_t i = 0; i < 3; i++) {
        tu_assert_ua(tu_tur(&f->t, handles[i]),
                     RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED,
                     RSVD_SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED);
        tu_assert_good(tu_tur(&f->t, handles[i]));
    }
    uint8_t cdb[16], data[8];
    int n = rsvd_scsi_cdb_read_capacity10(cdb, sizeof cdb);
    tu_assert_good(tu_exec(&f->t, c, cdb, n, NULL, 0, data, sizeof data));
    rsvd_scsi_capacity cap;
    assert_int_equal(rsvd_scsi_read_capacity10_decode(data, sizeof data, &cap), RSVD_OK);
    assert_true(cap.last_lba == 1023);
    tu_close(&f->t, c);
}

/* Several attentions are reported one per command, oldest first. */
static void pending_attentions_are_reported_in_order(void **state)
{
    fx *f = *state;
    preempt_b(f);
    assert_int_equal(rsvd_scsi_disk_capacity_changed(f->t.disk), RSVD_OK);
    tu_assert_ua(tu_tur(&f->t, f->b), RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    tu_assert_ua(tu_tur(&f->t, f->b), RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED,
                 RSVD_SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED);
    tu_assert_good(tu_tur(&f->t, f->b));
}

/* The same attention established twice is reported once. */
static void the_same_attention_is_not_queued_twice(void **state)
{
    fx *f = *state;
    assert_int_equal(rsvd_scsi_disk_capacity_changed(f->t.disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_capacity_changed(f->t.disk), RSVD_OK);
    tu_assert_ua(tu_tur(&f->t, f->a), RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED,
                 RSVD_SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED);
    tu_assert_good(tu_tur(&f->t, f->a));
}

/* The attention comes before everything else: before a reservation
 * conflict, before an unsupported operation code. */
static void attention_comes_before_conflicts_and_invalid_opcodes(void **state)
{
    fx *f = *state;
    tu_assert_good(tu_prout(&f->t, f->a, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_EXCLUSIVE_ACCESS,
                            KEY_A, 0));
    preempt_b(f); /* B's registration removed; A keeps Exclusive Access */
    assert_int_equal(rsvd_scsi_disk_capacity_changed(f->t.disk), RSVD_OK);
    uint8_t buf[512] = {0};
    tu_assert_ua(tu_write16(&f->t, f->b, 0, 1, buf, sizeof buf),
                 RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
                 RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    const uint8_t format_unit[6] = {0x04, 0, 0, 0, 0, 0};
    tu_assert_ua(tu_exec0(&f->t, f->b, format_unit, 6),
                 RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED,
                 RSVD_SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED);
    tu_assert_conflict(tu_write16(&f->t, f->b, 0, 1, buf, sizeof buf));
}

/* An open without an InitiatorId has no I_T nexus to hold attentions. */
static void open_without_an_initiator_sees_no_attention(void **state)
{
    fx *f = *state;
    void *n0 = tu_open(&f->t, 0);
    assert_int_equal(rsvd_scsi_disk_capacity_changed(f->t.disk), RSVD_OK);
    tu_assert_good(tu_tur(&f->t, n0));
    tu_close(&f->t, n0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(unit_attention_is_reported_once_then_cleared),
        T(command_that_reports_the_attention_is_not_executed),
        T(smb2_read_and_write_report_the_attention),
        T(inquiry_and_report_luns_do_not_consume_it),
        T(request_sense_returns_the_attention_and_clears_it),
        T(attention_is_per_initiator_not_per_open),
        T(attention_waits_for_an_initiator_without_opens),
        T(capacity_change_is_reported_to_every_initiator),
        T(pending_attentions_are_reported_in_order),
        T(the_same_attention_is_not_queued_twice),
        T(attention_comes_before_conflicts_and_invalid_opcodes),
        T(open_without_an_initiator_sees_no_attention),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
