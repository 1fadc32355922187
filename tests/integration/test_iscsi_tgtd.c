/*
 * The iSCSI backend (rsvd/iscsi_disk.h) against tgtd, started on 127.0.0.1
 * by the test: every RSVD initiator is its own iSCSI initiator, and tgtd's
 * own persistent reservations decide each conflict ([SPC-3] 5.6).
 *
 * Every test gets a fresh tgtd (a private port, control socket and LUN file
 * in the test's temporary directory), stopped by its PID in the teardown;
 * tu_daemon.h stops it on every other exit path. Without tgtd, tgtadm or
 * the iscsi feature the program reports SKIP with the reason.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_disk.h"
#include "peers.h"
#include "util/completion.h"

#if TU_HAVE_ISCSI

#include <rsvd/fscc.h>
#include <rsvd/iscsi_disk.h>
#include <rsvd/scsi.h>
#include <rsvd/status.h>

#define KA 0xA1ull
#define KB 0xB2ull
#define WE RSVD_SCSI_PR_WRITE_EXCLUSIVE
#define LUN_MIB 64u
#define BS 512u

typedef struct fx {
    it_tgtd tgtd;
    rsvd_iscsi_disk *disk;
    it_dev dev;
} fx;

static void pump(void *ctx)
{
    rsvd_iscsi_disk_run(ctx, 100);
}

static rsvd_iscsi_disk *disk_new(fx *f, bool synchronous, uint32_t queue_depth)
{
    rsvd_iscsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_iscsi_disk_config);
    cfg.portal = f->tgtd.portal;
    cfg.target = f->tgtd.target;
    cfg.lun = 1;
    cfg.synchronous = synchronous;
    cfg.queue_depth = queue_depth;
    cfg.timeout_s = 10;
    memset(cfg.disk_id.b, 0x3D, sizeof cfg.disk_id.b);
    rsvd_iscsi_disk *d = NULL;
    assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_OK);
    return d;
}

static void dev_init(fx *f, rsvd_iscsi_disk *d, bool synchronous)
{
    memset(&f->dev, 0, sizeof f->dev);
    f->dev.ops = rsvd_iscsi_disk_backend_ops();
    f->dev.ctx = d;
    if (!synchronous) {
        f->dev.pump = pump;
        f->dev.pump_ctx = d;
    }
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    it_tgtd_start(&f->tgtd, LUN_MIB);
    f->disk = disk_new(f, true, 0);
    dev_init(f, f->disk, true);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    int rc = 0;
    it_close_all(&f->dev); /* what a failed test left open */
    if (rsvd_iscsi_disk_destroy(f->disk) != RSVD_OK) {
        fprintf(stderr, "handles were left open\n");
        rc = -1;
    }
    pid_t pid = f->tgtd.pid;
    if (it_tgtd_stop(&f->tgtd) != 0) {
        fprintf(stderr, "tgtd had to be killed\n");
        rc = -1;
    }
    if (pid > 0 && tu_daemon_alive(pid)) {
        fprintf(stderr, "tgtd %d outlived its stop\n", (int)pid);
        rc = -1;
    }
    free(f);
    return rc;
}

static void fill(uint8_t *buf, size_t n, uint8_t v)
{
    memset(buf, v, n);
}

/* The case: two initiators register, A reserves Write Exclusive;
 * B's SMB2 WRITE and its tunnelled WRITE(16) meet tgtd's RESERVATION
 * CONFLICT (the RSVD server turns the first into
 * STATUS_SVHDX_RESERVATION_CONFLICT, [MS-RSVD] 3.2.5.4 step 6, and returns
 * ScsiStatus 0x18 in the tunnel response); B still reads. */
static void write_exclusive_conflicts_the_other_initiators_writes(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    void *b = it_open(&f->dev, 2);
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KB));
    assert_int_equal(it_read_keys(&f->dev, b), 2);
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_RESERVE, WE, KA, 0));
    rsvd_scsi_prin_reservation res = it_read_reservation(&f->dev, b);
    assert_true(res.reserved);
    assert_int_equal(res.type, WE);
    assert_int_equal(res.reservation_key, KA);

    uint8_t data[4 * BS], back[4 * BS];
    fill(data, sizeof data, 0xA1);
    it_assert_good(it_smb_write(&f->dev, a, 64 * BS, data, sizeof data));

    fill(data, sizeof data, 0xB2);
    rsvd_io_result r = it_smb_write(&f->dev, b, 64 * BS, data, sizeof data);
    it_assert_conflict(r);
    assert_int_equal(r.bytes, 0);
    it_assert_conflict(it_write16(&f->dev, b, 64, 4, data, sizeof data, 0));

    /* Write Exclusive leaves reads to everyone: B sees A's data, not its own. */
    memset(back, 0, sizeof back);
    r = it_smb_read(&f->dev, b, 64 * BS, back, sizeof back);
    it_assert_good(r);
    assert_int_equal(r.bytes, sizeof back);
    fill(data, sizeof data, 0xA1);
    assert_memory_equal(back, data, sizeof back);
    memset(back, 0, sizeof back);
    r = it_read16(&f->dev, b, 64, 4, back, sizeof back);
    it_assert_good(r);
    assert_int_equal(r.bytes, sizeof back);
    assert_memory_equal(back, data, sizeof back);

    it_assert_good(it_write16(&f->dev, a, 64, 4, data, sizeof data, 0));
    it_close(&f->dev, a);
    it_close(&f->dev, b);
}

/* [SPC-3] 5.6.10.4: B preempts A; A's next command reports the attention
 * instead of executing, once; then A is an unregistered initiator. */
static void preempt_moves_the_reservation_and_the_preempted_initiator_is_told_once(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    void *b = it_open(&f->dev, 2);
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KB));
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_RESERVE, WE, KA, 0));
    uint8_t data[BS], back[BS];
    fill(data, sizeof data, 0x11);
    it_assert_good(it_smb_write(&f->dev, a, 8 * BS, data, sizeof data));

    it_assert_conflict(it_prout(&f->dev, b, RSVD_SCSI_PROUT_PREEMPT, WE, KA + 1, KA));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_PREEMPT, WE, KB, KA));

    /* SPC-3 says REGISTRATIONS PREEMPTED (2A/05); tgtd sends RESERVATIONS
     * PREEMPTED (2A/03) to a preempted registrant (docs/backends.md). */
    fill(data, sizeof data, 0x22);
    rsvd_io_result r = it_smb_write(&f->dev, a, 8 * BS, data, sizeof data);
    print_message("NOTE: tgtd departs from SPC-3: a preempted registrant gets 2A/03, not 2A/05\n");
    it_assert_ua(r, RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED, 0x2A03);
    assert_int_equal(r.bytes, 0);
    /* The attention was reported instead of the write: the data is A's old. */
    it_assert_good(it_read16(&f->dev, b, 8, 1, back, sizeof back));
    fill(data, sizeof data, 0x11);
    assert_memory_equal(back, data, sizeof back);

    /* Seen once: the retry executes, and meets B's reservation. */
    fill(data, sizeof data, 0x22);
    it_assert_conflict(it_smb_write(&f->dev, a, 8 * BS, data, sizeof data));
    it_assert_good(it_tur(&f->dev, a));
    assert_int_equal(it_read_keys(&f->dev, a), 1);
    rsvd_scsi_prin_reservation res = it_read_reservation(&f->dev, a);
    assert_true(res.reserved);
    assert_int_equal(res.reservation_key, KB);
    it_assert_good(it_smb_write(&f->dev, b, 8 * BS, data, sizeof data));
    /* A's key is gone. */
    it_assert_conflict(it_prout(&f->dev, a, RSVD_SCSI_PROUT_RESERVE, WE, KA, 0));
    it_close(&f->dev, a);
    it_close(&f->dev, b);
}

/* [SPC-3] 5.6.10.6: CLEAR removes every registration and the reservation;
 * the other registrants are told RESERVATIONS PREEMPTED, once. */
static void clear_removes_everything_and_the_others_are_told_once(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    void *b = it_open(&f->dev, 2);
    void *c = it_open(&f->dev, 3);
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KB));
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_RESERVE, WE, KA, 0));
    it_assert_conflict(it_prout(&f->dev, c, RSVD_SCSI_PROUT_CLEAR, 0, 0, 0));
    it_assert_conflict(it_prout(&f->dev, b, RSVD_SCSI_PROUT_CLEAR, 0, KA, 0));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_CLEAR, 0, KB, 0));

    it_assert_ua(it_tur(&f->dev, a), RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED,
                 0x2A03);
    it_assert_good(it_tur(&f->dev, a));
    it_assert_good(it_tur(&f->dev, b)); /* the clearing initiator is not told */
    it_assert_good(it_tur(&f->dev, c)); /* nor the unregistered one */
    assert_int_equal(it_read_keys(&f->dev, c), 0);
    assert_false(it_read_reservation(&f->dev, c).reserved);
    uint8_t data[BS];
    fill(data, sizeof data, 0x33);
    it_assert_good(it_smb_write(&f->dev, c, 0, data, sizeof data));
    it_close(&f->dev, a);
    it_close(&f->dev, b);
    it_close(&f->dev, c);
}

/* Opens that carry one InitiatorId are one iSCSI initiator (one session,
 * one I_T nexus): the second open writes under the first's reservation. */
static void opens_with_one_initiator_id_share_its_registration(void **state)
{
    fx *f = *state;
    void *a1 = it_open(&f->dev, 1);
    void *a2 = it_open(&f->dev, 1);
    void *b = it_open(&f->dev, 2);
    it_assert_good(it_prout(&f->dev, a1, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_good(it_prout(&f->dev, a2, RSVD_SCSI_PROUT_RESERVE, WE, KA, 0));
    uint8_t data[BS];
    fill(data, sizeof data, 0x44);
    it_assert_good(it_smb_write(&f->dev, a2, 0, data, sizeof data));
    it_assert_good(it_smb_write(&f->dev, a1, 0, data, sizeof data));
    it_assert_conflict(it_smb_write(&f->dev, b, 0, data, sizeof data));
    assert_int_equal(it_read_keys(&f->dev, b), 1);
    it_close(&f->dev, a1);
    it_assert_good(it_smb_write(&f->dev, a2, 0, data, sizeof data));
    it_close(&f->dev, a2);
    it_close(&f->dev, b);
}

/* [SPC-3] 5.6.1: a registration outlives the initiator's opens. tgtd binds
 * it to the session, so the backend keeps a registered initiator's session
 * logged in after its last close; the next open is the same I_T nexus. */
static void a_registration_outlives_the_initiators_opens(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    void *b = it_open(&f->dev, 2);
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_RESERVE, WE, KA, 0));
    it_close(&f->dev, a);
    uint8_t data[BS];
    fill(data, sizeof data, 0x55);
    it_assert_conflict(it_smb_write(&f->dev, b, 0, data, sizeof data));
    a = it_open(&f->dev, 1);
    it_assert_good(it_smb_write(&f->dev, a, 0, data, sizeof data));
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_RELEASE, WE, KA, 0));
    /* Unregistered again: the session may end with the last open. */
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_REGISTER, 0, KA, 0));
    it_close(&f->dev, a);
    it_assert_good(it_smb_write(&f->dev, b, 0, data, sizeof data));
    assert_int_equal(it_read_keys(&f->dev, b), 0);
    it_close(&f->dev, b);
}

/* An open without an initiator never registers (as on the built-in disk):
 * its PR OUT is RESERVATION CONFLICT, and tgtd never sees it. */
static void an_open_without_initiator_cannot_register(void **state)
{
    fx *f = *state;
    void *n = it_open(&f->dev, 0);
    void *b = it_open(&f->dev, 2);
    it_assert_conflict(it_prout(&f->dev, n, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_conflict(it_prout(&f->dev, n, RSVD_SCSI_PROUT_REGISTER_AND_IGNORE_EXISTING_KEY, 0,
                                0, KA));
    assert_int_equal(it_read_keys(&f->dev, b), 0);
    it_assert_good(it_tur(&f->dev, n));
    rsvd_disk_info info;
    f->dev.ops->get_info(f->dev.ctx, n, &info, tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(info.virtual_size, (uint64_t)LUN_MIB << 20);
    it_close(&f->dev, n);
    it_close(&f->dev, b);
}

/* [MS-RSVD] 3.2.5.5.4, 3.2.5.5.6, 3.2.5.8: the LUN's geometry. */
static void get_info_validate_and_query_info_describe_the_lun(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    rsvd_disk_info info;
    memset(&info, 0xEE, sizeof info);
    f->dev.ops->get_info(f->dev.ctx, a, &info, tu_capture_begin(&f->dev.cap));
    rsvd_io_result r = it_wait(&f->dev);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(info.sector_size, BS);
    /* tgtd reports 8 logical blocks per physical block for a file LUN. */
    assert_int_equal(info.physical_sector_size, 4096);
    assert_int_equal(info.virtual_size, (uint64_t)LUN_MIB << 20);
    assert_int_equal(info.disk_type, RSVD_VHD_TYPE_FIXED);
    assert_int_equal(info.block_size, 0);
    assert_true(info.is_mounted);
    assert_true(info.is_4k_aligned);
    assert_int_equal(info.file_size, (uint64_t)LUN_MIB << 20);
    rsvd_guid id;
    memset(id.b, 0x3D, sizeof id.b);
    assert_memory_equal(info.virtual_disk_id.b, id.b, 16);
    rsvd_guid zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(info.linkage_id.b, zero.b, 16);

    f->dev.ops->validate(f->dev.ctx, a, tu_capture_begin(&f->dev.cap));
    r = it_wait(&f->dev);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_true(r.valid);

    uint8_t out[56];
    f->dev.ops->query_info(f->dev.ctx, a, RSVD_FILE_END_OF_FILE_INFORMATION, out, 8,
                           tu_capture_begin(&f->dev.cap));
    r = it_wait(&f->dev);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r.bytes, 8);
    uint64_t eof = 0;
    for (int i = 7; i >= 0; i--)
        eof = eof << 8 | out[i];
    assert_int_equal(eof, (uint64_t)LUN_MIB << 20);
    f->dev.ops->query_info(f->dev.ctx, a, RSVD_FILE_NETWORK_OPEN_INFORMATION, out, 55,
                           tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_BUFFER_TOO_SMALL);
    f->dev.ops->set_info(f->dev.ctx, a, RSVD_FILE_LINK_INFORMATION, out, 8,
                         tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_INVALID_PARAMETER);
    it_close(&f->dev, a);
}

/* get_info's own READ CAPACITY(16) meets the attention meant for the guest:
 * the backend keeps it and reports it on the guest's next command, once. */
static void the_backends_own_commands_keep_the_guests_unit_attention(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    void *b = it_open(&f->dev, 2);
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KB));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_CLEAR, 0, KB, 0));
    rsvd_disk_info info;
    f->dev.ops->get_info(f->dev.ctx, a, &info, tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(info.virtual_size, (uint64_t)LUN_MIB << 20);
    f->dev.ops->validate(f->dev.ctx, a, tu_capture_begin(&f->dev.cap));
    assert_true(it_wait(&f->dev).valid);
    /* INQUIRY passes a pending attention ([SAM-4]). */
    uint8_t cdb[16], inq[96];
    int n = rsvd_scsi_cdb_inquiry(cdb, sizeof cdb, false, 0, sizeof inq);
    it_assert_good(it_exec(&f->dev, a, cdb, n, NULL, 0, inq, sizeof inq));
    it_assert_ua(it_tur(&f->dev, a), RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED,
                 0x2A03);
    it_assert_good(it_tur(&f->dev, a));
    it_close(&f->dev, a);
    it_close(&f->dev, b);
}

/* REQUEST SENSE returns a kept attention as its data ([SPC-3] 6.27). */
static void request_sense_returns_a_kept_unit_attention(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    void *b = it_open(&f->dev, 2);
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KB));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_CLEAR, 0, KB, 0));
    f->dev.ops->validate(f->dev.ctx, a, tu_capture_begin(&f->dev.cap));
    assert_true(it_wait(&f->dev).valid); /* its TUR met the attention */
    uint8_t cdb[16], sense[32];
    int n = rsvd_scsi_cdb_request_sense(cdb, sizeof cdb, false, sizeof sense);
    rsvd_io_result r = it_exec(&f->dev, a, cdb, n, NULL, 0, sense, sizeof sense);
    it_assert_good(r);
    rsvd_scsi_sense s;
    assert_int_equal(rsvd_scsi_sense_decode(sense, r.bytes, &s), RSVD_OK);
    assert_int_equal(s.key, RSVD_SCSI_SENSE_UNIT_ATTENTION);
    assert_int_equal(s.asc, 0x2A);
    assert_int_equal(s.ascq, 0x03);
    it_assert_good(it_tur(&f->dev, a));
    it_close(&f->dev, a);
    it_close(&f->dev, b);
}

/* [SAM-4], [SPC-3] 6.27: REQUEST SENSE returns a pending unit attention as
 * its data and clears it. tgtd answers CHECK CONDITION and keeps it; the
 * backend answers as SAM-4 says (docs/backends.md). */
static void request_sense_takes_a_unit_attention_pending_at_tgtd(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    void *b = it_open(&f->dev, 2);
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KB));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_CLEAR, 0, KB, 0));
    uint8_t cdb[16], sense[32];
    memset(sense, 0, sizeof sense);
    int n = rsvd_scsi_cdb_request_sense(cdb, sizeof cdb, false, sizeof sense);
    rsvd_io_result r = it_exec(&f->dev, a, cdb, n, NULL, 0, sense, sizeof sense);
    print_message("NOTE: tgtd departs from SAM-4: REQUEST SENSE with a pending unit attention "
                  "answers CHECK CONDITION and keeps it; the backend returns it as data and "
                  "clears it\n");
    it_assert_good(r);
    rsvd_scsi_sense s;
    assert_int_equal(rsvd_scsi_sense_decode(sense, r.bytes, &s), RSVD_OK);
    assert_int_equal(s.key, RSVD_SCSI_SENSE_UNIT_ATTENTION);
    assert_int_equal(s.asc, 0x2A);
    assert_int_equal(s.ascq, 0x03);
    it_assert_good(it_tur(&f->dev, a)); /* cleared */
    /* Without an attention REQUEST SENSE is tgtd's own: NO SENSE. */
    r = it_exec(&f->dev, a, cdb, n, NULL, 0, sense, sizeof sense);
    it_assert_good(r);
    assert_int_equal(rsvd_scsi_sense_decode(sense, r.bytes, &s), RSVD_OK);
    assert_int_equal(s.key, RSVD_SCSI_SENSE_NO_SENSE);
    it_close(&f->dev, a);
    it_close(&f->dev, b);
}

/* Where tgtd answers other than the built-in disk outside the scenario
 * (docs/backends.md): the commands pass through, so the guest gets tgtd's
 * answer. Checked here so that the documentation stays true. */
static void tgtd_answers_other_pr_features_as_documented(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    void *b = it_open(&f->dev, 2);
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KB));
    /* PREEMPT AND ABORT: not implemented by tgtd (the built-in disk treats
     * it as PREEMPT). */
    it_assert_check(it_prout(&f->dev, b, RSVD_SCSI_PROUT_PREEMPT_AND_ABORT, WE, KB, KA),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    /* ALL_TG_PT and APTPL: INVALID FIELD IN CDB (the built-in disk accepts
     * ALL_TG_PT and answers APTPL with INVALID FIELD IN PARAMETER LIST). */
    uint8_t cdb[16], param[RSVD_SCSI_PROUT_PARAM_LEN], data[256];
    int n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, RSVD_SCSI_PROUT_REGISTER, 0, 0, sizeof param);
    rsvd_scsi_prout_params p = {.reservation_key = KB, .sa_reservation_key = KB, .all_tg_pt = true};
    assert_int_equal(rsvd_scsi_prout_params_encode(&p, param, sizeof param), RSVD_OK);
    it_assert_check(it_exec(&f->dev, b, cdb, n, param, sizeof param, NULL, 0),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    p.all_tg_pt = false;
    p.aptpl = true;
    assert_int_equal(rsvd_scsi_prout_params_encode(&p, param, sizeof param), RSVD_OK);
    it_assert_check(it_exec(&f->dev, b, cdb, n, param, sizeof param, NULL, 0),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    /* READ FULL STATUS: refused by both. */
    n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_FULL_STATUS, sizeof data);
    it_assert_check(it_exec(&f->dev, b, cdb, n, NULL, 0, data, sizeof data),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    /* REPORT CAPABILITIES: the six types, no ATP_C, PTPL_C or SIP_C. */
    n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_REPORT_CAPABILITIES, sizeof data);
    rsvd_io_result r = it_exec(&f->dev, b, cdb, n, NULL, 0, data, sizeof data);
    it_assert_good(r);
    rsvd_scsi_prin_capabilities caps;
    assert_int_equal(rsvd_scsi_prin_capabilities_decode(data, r.bytes, &caps), RSVD_OK);
    assert_true(caps.tmv);
    assert_false(caps.atp_c);
    assert_false(caps.ptpl_c);
    assert_false(caps.sip_c);
    assert_int_equal(caps.type_mask,
                     RSVD_SCSI_PR_TYPE_MASK_WR_EX_AR | RSVD_SCSI_PR_TYPE_MASK_EX_AC_RO |
                         RSVD_SCSI_PR_TYPE_MASK_WR_EX_RO | RSVD_SCSI_PR_TYPE_MASK_EX_AC |
                         RSVD_SCSI_PR_TYPE_MASK_WR_EX | RSVD_SCSI_PR_TYPE_MASK_EX_AC_AR);
    /* RESERVE does not compare the RESERVATION KEY ([SPC-3] 6.12.3 wants
     * RESERVATION CONFLICT for a key that is not the initiator's). */
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_RESERVE, WE, KA + 0x100, 0));
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_RELEASE, WE, KA, 0));
    /* tgtd tells the releaser RESERVATIONS RELEASED (the scenario's departure) */
    it_assert_ua(it_tur(&f->dev, a), RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED,
                 0x2A04);
    /* As SPC-3 and the built-in disk: MODE SENSE and SYNCHRONIZE CACHE
     * conflict under Write Exclusive for an initiator that does not hold it. */
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_RESERVE, WE, KA, 0));
    n = rsvd_scsi_cdb_mode_sense10(cdb, sizeof cdb, false, false, 0, 0x3F, 0, 255);
    it_assert_conflict(it_exec(&f->dev, b, cdb, n, NULL, 0, data, 255));
    n = rsvd_scsi_cdb_synchronize_cache16(cdb, sizeof cdb, 0, 0, false);
    it_assert_conflict(it_exec(&f->dev, b, cdb, n, NULL, 0, NULL, 0));
    print_message("NOTE: tgtd refuses PREEMPT AND ABORT, ALL_TG_PT and APTPL with INVALID FIELD "
                  "IN CDB\n");
    it_close(&f->dev, a);
    it_close(&f->dev, b);
}

/* A data-in command returns what the target sent: the residual is taken off. */
static void data_in_reports_the_bytes_the_target_returned(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    uint8_t cdb[16], inq[255];
    memset(inq, 0xEE, sizeof inq);
    int n = rsvd_scsi_cdb_inquiry(cdb, sizeof cdb, false, 0, sizeof inq);
    rsvd_io_result r = it_exec(&f->dev, a, cdb, n, NULL, 0, inq, sizeof inq);
    it_assert_good(r);
    /* standard INQUIRY data: ADDITIONAL LENGTH + 5 bytes ([SPC-3] 6.4.2) */
    assert_true(r.bytes >= 36 && r.bytes < sizeof inq);
    assert_int_equal(r.bytes, (uint32_t)inq[4] + 5u);
    assert_int_equal(inq[0] & 0x1F, 0); /* direct-access block device */
    /* An unsupported command: tgtd's sense, passed through. */
    uint8_t bad[16] = {0xFF};
    it_assert_check(it_exec(&f->dev, a, bad, 6, NULL, 0, NULL, 0),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_COMMAND_OPERATION_CODE);
    /* Out of range: LOGICAL BLOCK ADDRESS OUT OF RANGE from tgtd. */
    uint8_t blk[BS];
    it_assert_check(it_read16(&f->dev, a, ((uint64_t)LUN_MIB << 20) / BS, 1, blk, sizeof blk),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
    it_close(&f->dev, a);
}

/* SMB2 READ/WRITE must be whole logical blocks; refused before the target. */
static void misaligned_smb2_io_is_refused_locally(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    uint8_t buf[2 * BS];
    it_assert_check(it_smb_write(&f->dev, a, 100, buf, BS), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    it_assert_check(it_smb_read(&f->dev, a, 0, buf, BS + 1), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    it_close(&f->dev, a);
}

/* The target decides who may log in: an unknown target name or LUN fails
 * the open with a clear status and a reason. */
static void open_fails_clearly_for_an_unknown_target_or_lun(void **state)
{
    fx *f = *state;
    rsvd_iscsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_iscsi_disk_config);
    cfg.portal = f->tgtd.portal;
    cfg.target = "iqn.2024-01.invalid.librsvd:no-such-target";
    cfg.lun = 1;
    cfg.synchronous = true;
    rsvd_iscsi_disk *d;
    assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_OK);
    it_dev dev;
    memset(&dev, 0, sizeof dev);
    dev.ops = rsvd_iscsi_disk_backend_ops();
    dev.ctx = d;
    rsvd_io_result r = it_open_r(&dev, 1);
    assert_int_equal(r.status, RSVD_STATUS_DEVICE_NOT_READY);
    assert_null(r.handle);
    const rsvd_backend_diag *why = rsvd_iscsi_disk_last_error(d);
    assert_int_equal(why->status, RSVD_STATUS_DEVICE_NOT_READY);
    assert_non_null(strstr(why->reason, "no-such-target"));
    assert_non_null(strstr(why->reason, f->tgtd.portal));
    print_message("unknown target: %s\n", why->reason);
    assert_int_equal(rsvd_iscsi_disk_destroy(d), RSVD_OK);

    cfg.target = f->tgtd.target;
    cfg.lun = 7;
    assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_OK);
    dev.ctx = d;
    r = it_open_r(&dev, 1);
    assert_int_equal(r.status, RSVD_STATUS_NO_SUCH_DEVICE); /* LOGICAL UNIT NOT SUPPORTED */
    assert_null(r.handle);
    print_message("missing LUN: %s\n", rsvd_iscsi_disk_last_error(d)->reason);
    assert_int_equal(rsvd_iscsi_disk_destroy(d), RSVD_OK);
}

/* Connection loss: the session dies, the calls on it fail with
 * STATUS_DEVICE_NOT_READY, validate says the disk is not valid. */
static void a_lost_connection_fails_calls_with_device_not_ready(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    it_assert_good(it_tur(&f->dev, a));
    /* tgtd goes away (its stop hook deletes the target with --force, which
     * drops the session). */
    assert_int_equal(it_tgtd_stop(&f->tgtd), 0);
    rsvd_io_result r = it_tur(&f->dev, a);
    if (r.status != RSVD_STATUS_DEVICE_NOT_READY)
        r = it_tur(&f->dev, a); /* the first may have been sent before the close was seen */
    assert_int_equal(r.status, RSVD_STATUS_DEVICE_NOT_READY);
    f->dev.ops->validate(f->dev.ctx, a, tu_capture_begin(&f->dev.cap));
    r = it_wait(&f->dev);
    assert_false(r.valid);
    assert_int_equal(r.status, RSVD_STATUS_DEVICE_NOT_READY);
    assert_int_not_equal(rsvd_iscsi_disk_last_error(f->disk)->reason[0], '\0');
    print_message("lost: %s\n", rsvd_iscsi_disk_last_error(f->disk)->reason);
    it_close(&f->dev, a);
}

/* A completion may call the backend again: each completed write issues the
 * next, and the last closes the handle (backend.h: rsvd_complete() may run
 * the host's reply callback, which may issue calls or close). */
typedef struct chain {
    rsvd_completion_sink sink; /* first: the completion's opaque */
    const rsvd_scsi_disk_ops *ops;
    rsvd_iscsi_disk *disk;
    void *h;
    uint64_t tag;
    unsigned done, bad;
    bool closed;
    uint8_t data[BS];
} chain;

static int chain_complete(rsvd_completion_sink *self, uint64_t tag, const rsvd_io_result *r)
{
    chain *ch = (chain *)self;
    if (tag != ch->tag)
        return RSVD_E_STATE;
    if (ch->closed)
        return RSVD_OK; /* the close's own completion */
    if (r->status != RSVD_STATUS_SUCCESS || r->scsi.scsi_status != RSVD_SCSI_STATUS_GOOD)
        ch->bad++;
    ch->done++;
    ch->tag++;
    if (ch->done < 20) {
        memset(ch->data, (int)ch->done, sizeof ch->data);
        ch->ops->write(ch->disk, ch->h, (uint64_t)ch->done * BS, ch->data, BS,
                       rsvd_completion_make(&ch->sink, ch->tag));
    } else {
        ch->closed = true;
        ch->ops->close(ch->disk, ch->h, false, rsvd_completion_make(&ch->sink, ch->tag));
    }
    return RSVD_OK;
}

static void completions_may_call_the_backend_again(void **state)
{
    fx *f = *state;
    for (int synchronous = 1; synchronous >= 0; synchronous--) {
        rsvd_iscsi_disk *d = synchronous ? f->disk : disk_new(f, false, 0);
        it_dev dev;
        memset(&dev, 0, sizeof dev);
        dev.ops = rsvd_iscsi_disk_backend_ops();
        dev.ctx = d;
        if (!synchronous) {
            dev.pump = pump;
            dev.pump_ctx = d;
        }
        static chain ch;
        memset(&ch, 0, sizeof ch);
        ch.sink.complete = chain_complete;
        ch.ops = dev.ops;
        ch.disk = d;
        ch.h = it_open(&dev, 4);
        dev.open[0] = NULL; /* the chain closes it */
        ch.tag = 1;
        memset(ch.data, 0, sizeof ch.data);
        dev.ops->write(d, ch.h, 0, ch.data, BS, rsvd_completion_make(&ch.sink, ch.tag));
        for (int i = 0; i < 1000 && !ch.closed; i++)
            rsvd_iscsi_disk_run(d, 100);
        assert_true(ch.closed);
        assert_int_equal(ch.done, 20);
        assert_int_equal(ch.bad, 0);
        assert_int_equal(rsvd_iscsi_disk_pending(d), 0);
        /* What the chain wrote is there. */
        void *b = it_open(&dev, 5);
        uint8_t back[20 * BS];
        it_assert_good(it_read16(&dev, b, 0, 20, back, sizeof back));
        for (unsigned i = 0; i < 20; i++)
            assert_int_equal(back[i * BS], i);
        it_close(&dev, b);
        if (!synchronous)
            assert_int_equal(rsvd_iscsi_disk_destroy(d), RSVD_OK);
    }
}

/* Asynchronous mode: calls complete from the host's event loop
 * (rsvd_iscsi_disk_pollfds() + poll() + rsvd_iscsi_disk_service()); several
 * commands may be in flight on one handle. */
static void asynchronous_mode_completes_from_the_event_loop(void **state)
{
    fx *f = *state;
    rsvd_iscsi_disk *d = disk_new(f, false, 4);
    it_dev dev;
    memset(&dev, 0, sizeof dev);
    dev.ops = rsvd_iscsi_disk_backend_ops();
    dev.ctx = d;

    rsvd_backend_open_args args;
    memset(&args, 0, sizeof args);
    args.has_initiator = true;
    args.initiator_id = it_initiator(9);
    dev.ops->open(d, &args, tu_capture_begin(&dev.cap));
    assert_int_equal(dev.cap.completions, 0); /* the login is under way */
    assert_int_equal(rsvd_iscsi_disk_pending(d), 1);
    struct pollfd pfd[4];
    assert_int_equal(rsvd_iscsi_disk_pollfds(d, pfd, 4), 1);
    for (int i = 0; i < 1000 && dev.cap.completions == 0; i++) {
        size_t n = rsvd_iscsi_disk_pollfds(d, pfd, 4);
        assert_true(poll(pfd, (nfds_t)n, 100) >= 0);
        rsvd_iscsi_disk_service(d, pfd, n);
    }
    rsvd_io_result r = tu_capture_end(&dev.cap);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    void *h = r.handle;
    assert_int_equal(rsvd_iscsi_disk_pending(d), 0);

    /* Two writes and a read in flight at once. */
    uint8_t w1[BS], w2[BS], back[2 * BS];
    fill(w1, sizeof w1, 0x71);
    fill(w2, sizeof w2, 0x72);
    tu_capture c1, c2, c3;
    dev.ops->write(d, h, 100 * BS, w1, BS, tu_capture_begin(&c1));
    dev.ops->write(d, h, 101 * BS, w2, BS, tu_capture_begin(&c2));
    assert_int_equal(c1.completions + c2.completions, 0);
    assert_int_equal(rsvd_iscsi_disk_pending(d), 2);
    while (c1.completions == 0 || c2.completions == 0)
        rsvd_iscsi_disk_run(d, 100);
    it_assert_good(tu_capture_end(&c1));
    it_assert_good(tu_capture_end(&c2));
    dev.ops->read(d, h, 100 * BS, back, sizeof back, tu_capture_begin(&c3));
    while (c3.completions == 0)
        rsvd_iscsi_disk_run(d, 100);
    r = tu_capture_end(&c3);
    it_assert_good(r);
    assert_memory_equal(back, w1, BS);
    assert_memory_equal(back + BS, w2, BS);

    /* The reservation rules hold the same way. */
    dev.pump = pump;
    dev.pump_ctx = d;
    void *b = it_open(&dev, 10);
    it_assert_good(it_prout(&dev, h, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_good(it_prout(&dev, h, RSVD_SCSI_PROUT_RESERVE, WE, KA, 0));
    it_assert_conflict(it_smb_write(&dev, b, 0, w1, BS));
    it_assert_good(it_prout(&dev, h, RSVD_SCSI_PROUT_REGISTER, 0, KA, 0));

    /* A full queue answers TASK SET FULL without reaching the target. */
    tu_capture q[5];
    for (int i = 0; i < 5; i++)
        dev.ops->read(d, b, (uint64_t)i * BS, back, BS, tu_capture_begin(&q[i]));
    assert_int_equal(q[4].completions, 1);
    assert_int_equal(q[4].result.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(q[4].result.scsi.scsi_status, 0x28);
    assert_int_equal(q[4].result.scsi.srb_status, RSVD_SRB_STATUS_ERROR);
    while (q[0].completions + q[1].completions + q[2].completions + q[3].completions < 4)
        rsvd_iscsi_disk_run(d, 100);
    for (int i = 0; i < 4; i++)
        it_assert_good(tu_capture_end(&q[i]));

    it_close(&dev, h);
    it_close(&dev, b);
    /* The sessions log out through the event loop; destroy finishes it. */
    assert_int_equal(rsvd_iscsi_disk_destroy(d), RSVD_OK);
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* [MS-RSVD] 3.2.5.8: a virtual-SCSI open answers FileStandardInformation
 * ([MS-FSCC] 2.4.41) and FileNetworkOpenInformation (2.4.29) as a plain
 * file of the LUN's size; any other class is not supported. */
static void query_info_lays_out_standard_and_network_open_information(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    const uint64_t size = (uint64_t)LUN_MIB << 20;
    uint8_t out[64];
    memset(out, 0xEE, sizeof out);
    f->dev.ops->query_info(f->dev.ctx, a, RSVD_FILE_STANDARD_INFORMATION, out, sizeof out,
                           tu_capture_begin(&f->dev.cap));
    rsvd_io_result r = it_wait(&f->dev);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r.bytes, 24);
    assert_true(le64(out + 0) == size);  /* AllocationSize */
    assert_true(le64(out + 8) == size);  /* EndOfFile */
    assert_int_equal(le32(out + 16), 1); /* NumberOfLinks */
    assert_int_equal(out[20], 0);        /* DeletePending */
    assert_int_equal(out[21], 0);        /* Directory */
    assert_int_equal(out[22] | out[23], 0);
    assert_int_equal(out[24], 0xEE); /* nothing written past it */

    memset(out, 0xEE, sizeof out);
    f->dev.ops->query_info(f->dev.ctx, a, RSVD_FILE_NETWORK_OPEN_INFORMATION, out, 56,
                           tu_capture_begin(&f->dev.cap));
    r = it_wait(&f->dev);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r.bytes, 56);
    for (int i = 0; i < 32; i++)
        assert_int_equal(out[i], 0); /* the four times are not known */
    assert_true(le64(out + 32) == size);    /* AllocationSize */
    assert_true(le64(out + 40) == size);    /* EndOfFile */
    assert_int_equal(le32(out + 48), 0x20); /* FILE_ATTRIBUTE_ARCHIVE */
    assert_int_equal(le32(out + 52), 0);

    f->dev.ops->query_info(f->dev.ctx, a, RSVD_FILE_STANDARD_INFORMATION, NULL, 24,
                           tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_BUFFER_TOO_SMALL);
    f->dev.ops->query_info(f->dev.ctx, a, 4 /* FileBasicInformation */, out, sizeof out,
                           tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_NOT_SUPPORTED);
    f->dev.ops->set_info(f->dev.ctx, a, RSVD_FILE_END_OF_FILE_INFORMATION, out, 8,
                         tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_NOT_SUPPORTED);
    it_close(&f->dev, a);
}

/* Calls that need no command: a zero-length SMB2 READ or WRITE succeeds at
 * once, a CDB of no byte or of more than 16 is an ILLEGAL REQUEST, and a
 * close that asks to delete the LUN closes but answers NOT_SUPPORTED. */
static void io_that_needs_no_command_is_answered_locally(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    uint8_t buf[BS];
    rsvd_io_result r = it_smb_read(&f->dev, a, 0, buf, 0);
    it_assert_good(r);
    assert_int_equal(r.bytes, 0);
    it_assert_good(it_smb_write(&f->dev, a, 0, buf, 0));
    rsvd_scsi_cmd cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.direction = RSVD_SCSI_NO_DATA;
    cmd.cdb_len = 0;
    f->dev.ops->execute(f->dev.ctx, a, &cmd, tu_capture_begin(&f->dev.cap));
    it_assert_check(it_wait(&f->dev), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    cmd.cdb_len = RSVD_SCSI_CDB_MAX + 1;
    f->dev.ops->execute(f->dev.ctx, a, &cmd, tu_capture_begin(&f->dev.cap));
    it_assert_check(it_wait(&f->dev), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    f->dev.ops->execute(f->dev.ctx, a, NULL, tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_INVALID_PARAMETER);
    f->dev.ops->execute(f->dev.ctx, NULL, &cmd, tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_INVALID_HANDLE);
    rsvd_disk_info info;
    f->dev.ops->get_info(f->dev.ctx, a, NULL, tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_INVALID_PARAMETER);
    f->dev.ops->get_info(f->dev.ctx, NULL, &info, tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_INVALID_HANDLE);
    for (size_t i = 0; i < sizeof f->dev.open / sizeof f->dev.open[0]; i++)
        if (f->dev.open[i] == a)
            f->dev.open[i] = NULL;
    f->dev.ops->close(f->dev.ctx, a, true, tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_NOT_SUPPORTED);
    /* The handle is closed all the same: the disk can be destroyed (the
     * teardown checks that no handle is left open). */
}

/* [SPC-3] 6.27: REQUEST SENSE returns at most ALLOCATION LENGTH bytes of a
 * unit attention the backend kept. */
static void request_sense_of_a_kept_attention_honours_the_allocation_length(void **state)
{
    fx *f = *state;
    void *a = it_open(&f->dev, 1);
    void *b = it_open(&f->dev, 2);
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_REGISTER, 0, 0, KA));
    it_assert_good(it_prout(&f->dev, b, RSVD_SCSI_PROUT_REGISTER, 0, 0, KB));
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_RESERVE, WE, KA, 0));
    /* A preempts B: B's next command would see the attention; the
     * backend's own READ CAPACITY takes it first and keeps it. */
    it_assert_good(it_prout(&f->dev, a, RSVD_SCSI_PROUT_PREEMPT, WE, KA, KB));
    rsvd_disk_info info;
    f->dev.ops->get_info(f->dev.ctx, b, &info, tu_capture_begin(&f->dev.cap));
    assert_int_equal(it_wait(&f->dev).status, RSVD_STATUS_SUCCESS);
    uint8_t cdb[6] = {RSVD_SCSI_OP_REQUEST_SENSE, 0, 0, 0, 8, 0};
    uint8_t sense[64];
    memset(sense, 0xEE, sizeof sense);
    rsvd_io_result r = it_exec(&f->dev, b, cdb, 6, NULL, 0, sense, sizeof sense);
    it_assert_good(r);
    assert_int_equal(r.bytes, 8); /* the allocation length, not the 18 bytes of sense */
    assert_int_equal(sense[0] & 0x7F, 0x70);
    assert_int_equal(sense[2] & 0x0F, RSVD_SCSI_SENSE_UNIT_ATTENTION);
    assert_int_equal(sense[8], 0xEE);
    it_close(&f->dev, a);
    it_close(&f->dev, b);
}

/* CHAP ([RFC 7143] 12.1.3): a target that requires it lets in the
 * initiator with the right secret only. */
static void chap_logs_in_with_the_right_secret_only(void **state)
{
    fx *f = *state;
    const char *account[] = {f->tgtd.tgtadm, "--lld", "iscsi", "--mode", "account", "--op",
                             "new", "--user", "rsvd-user", "--password", "secret-1234567",
                             NULL};
    const char *bind[] = {f->tgtd.tgtadm, "--lld", "iscsi", "--mode", "account", "--op", "bind",
                          "--tid", "1", "--user", "rsvd-user", NULL};
    assert_int_equal(tu_run(account, f->tgtd.log), 0);
    assert_int_equal(tu_run(bind, f->tgtd.log), 0);
    const char *passwords[] = {NULL, "wrong-secret-99", "secret-1234567"};
    for (int i = 0; i < 3; i++) {
        rsvd_iscsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_iscsi_disk_config);
        cfg.portal = f->tgtd.portal;
        cfg.target = f->tgtd.target;
        cfg.lun = 1;
        cfg.synchronous = true;
        cfg.timeout_s = 10;
        if (passwords[i]) {
            cfg.chap_user = "rsvd-user";
            cfg.chap_password = passwords[i];
        }
        rsvd_iscsi_disk *d = NULL;
        assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_OK);
        it_dev dev;
        memset(&dev, 0, sizeof dev);
        dev.ops = rsvd_iscsi_disk_backend_ops();
        dev.ctx = d;
        rsvd_io_result r = it_open_r(&dev, 1);
        if (i < 2) {
            assert_int_equal(r.status, RSVD_STATUS_DEVICE_NOT_READY);
            assert_null(r.handle);
            print_message("%s: %s\n", i ? "wrong secret" : "no CHAP",
                          rsvd_iscsi_disk_last_error(d)->reason);
        } else {
            assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
            it_assert_good(it_tur(&dev, r.handle));
            it_close(&dev, r.handle);
        }
        assert_int_equal(rsvd_iscsi_disk_destroy(d), RSVD_OK);
    }
}

int main(void)
{
    tu_tmpdir("iscsi-tgtd");
    char path[256];
    it_need_program("tgtd", path, sizeof path);
    it_need_program("tgtadm", path, sizeof path);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(write_exclusive_conflicts_the_other_initiators_writes),
        T(preempt_moves_the_reservation_and_the_preempted_initiator_is_told_once),
        T(clear_removes_everything_and_the_others_are_told_once),
        T(opens_with_one_initiator_id_share_its_registration),
        T(a_registration_outlives_the_initiators_opens),
        T(an_open_without_initiator_cannot_register),
        T(get_info_validate_and_query_info_describe_the_lun),
        T(the_backends_own_commands_keep_the_guests_unit_attention),
        T(request_sense_returns_a_kept_unit_attention),
        T(request_sense_takes_a_unit_attention_pending_at_tgtd),
        T(tgtd_answers_other_pr_features_as_documented),
        T(data_in_reports_the_bytes_the_target_returned),
        T(misaligned_smb2_io_is_refused_locally),
        T(open_fails_clearly_for_an_unknown_target_or_lun),
        T(a_lost_connection_fails_calls_with_device_not_ready),
        T(asynchronous_mode_completes_from_the_event_loop),
        T(completions_may_call_the_backend_again),
        T(query_info_lays_out_standard_and_network_open_information),
        T(io_that_needs_no_command_is_answered_locally),
        T(request_sense_of_a_kept_attention_honours_the_allocation_length),
        T(chap_logs_in_with_the_right_secret_only),
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
