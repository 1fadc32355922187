/*
 * Change tracking of the built-in disk ([MS-RSVD] 3.2.5.5.11 - 3.2.5.5.14):
 * the ranges written between two change-tracking points, or from a point to
 * now, exactly, across a close and reopen; cut to what fits with
 * ProcessedByteLength; start, stop and parameters; the log's limits and
 * damage; and optimize, which keeps every answer.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tu_disk_v2.h"
#include "tu_scsi.h"

#define MIB (1024u * 1024u)
#define SECTORS (2 * MIB / 512)
#define VM RSVD_SVHDX_SNAPSHOT_TYPE_VM
#define CT RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING

/* The sectors written in one span between points: the expected answer. */
typedef struct span {
    uint8_t w[SECTORS];
} span;

/* Writes, and marks the sectors written in each of the @p n spans the
 * write belongs to. */
static void write_in(tu_v2 *t, span *const *s, int n, uint64_t lba, uint32_t cnt, uint8_t b)
{
    tu_v2_fill(t, lba * 512, cnt * 512, b);
    for (int i = 0; i < n; i++)
        memset(s[i]->w + lba, 1, cnt);
}

/* Compares the answer with the runs of written sectors of the union of
 * @p n spans inside [off, off + len). */
static void expect_ranges(const rsvd_disk_changes *got, span *const *spans, int n, uint64_t off,
                          uint64_t len)
{
    rsvd_disk_changed_range want[SECTORS];
    uint32_t nw = 0;
    uint64_t lo = off / 512, hi = (off + len) / 512;
    for (uint64_t s = lo; s < hi;) {
        bool hit = false;
        for (int i = 0; i < n; i++)
            hit = hit || spans[i]->w[s];
        if (!hit) {
            s++;
            continue;
        }
        uint64_t e = s;
        for (;;) {
            bool more = false;
            for (int i = 0; e < hi && i < n; i++)
                more = more || spans[i]->w[e];
            if (!more)
                break;
            e++;
        }
        want[nw].byte_offset = s * 512;
        want[nw].byte_length = (e - s) * 512;
        nw++;
        s = e;
    }
    if (got->range_count != nw)
        fail_msg("%u ranges, want %u", got->range_count, nw);
    for (uint32_t i = 0; i < nw; i++)
        if (got->ranges[i].byte_offset != want[i].byte_offset ||
            got->ranges[i].byte_length != want[i].byte_length)
            fail_msg("range %u: %llu+%llu, want %llu+%llu", i,
                     (unsigned long long)got->ranges[i].byte_offset,
                     (unsigned long long)got->ranges[i].byte_length,
                     (unsigned long long)want[i].byte_offset,
                     (unsigned long long)want[i].byte_length);
    assert_true(got->processed_byte_length == len);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static void random_writes(tu_v2 *t, span *const *s, int n, uint64_t *seed, int count)
{
    for (int i = 0; i < count; i++) {
        uint64_t lba = lcg(seed) % SECTORS;
        uint32_t cnt = 1 + (uint32_t)(lcg(seed) % 40);
        if (lba + cnt > SECTORS)
            cnt = (uint32_t)(SECTORS - lba);
        write_in(t, s, n, lba, cnt, (uint8_t)lcg(seed));
    }
}

static void query_all(tu_v2 *t, uint8_t target, uint8_t limit, uint64_t off, uint64_t len,
                      rsvd_disk_changes *out, rsvd_disk_changed_range *r)
{
    assert_int_equal(tu_v2_changes(t, target, limit, off, len, r, SECTORS, out),
                     RSVD_STATUS_SUCCESS);
}

/* Points A and B: the changes from A to B, from B to now and from A to now
 * are exactly the ranges written in those spans, adjacent and overlapping
 * writes merged; writes before A are not among them. Then again after the
 * disk is closed and created again, over memory and over a file. */
static void changes_are_exactly_the_ranges_written(void **state)
{
    (void)state;
    for (int file = 0; file < 2; file++) {
        tu_v2 t;
        tu_v2_init(&t, file, 2 * MIB, 0);
        static span ab, bnow, before;
        memset(&ab, 0, sizeof ab);
        memset(&bnow, 0, sizeof bnow);
        memset(&before, 0, sizeof before);
        span *s_ab[] = {&ab}, *s_bnow[] = {&bnow}, *s_anow[] = {&ab, &bnow},
             *s_before[] = {&before};
        write_in(&t, s_before, 1, 100, 10, 1); /* before any point: never reported */
        assert_int_equal(tu_v2_snapshot(&t, 1, VM, CT), RSVD_STATUS_SUCCESS);
        write_in(&t, s_ab, 1, 0, 1, 2);      /* one sector */
        write_in(&t, s_ab, 1, 1, 1, 3);      /* adjacent: merged */
        write_in(&t, s_ab, 1, 10, 8, 4);
        write_in(&t, s_ab, 1, 14, 8, 5);     /* overlapping: merged */
        write_in(&t, s_ab, 1, 1000, 128, 6); /* across chunks */
        write_in(&t, s_ab, 1, SECTORS - 1, 1, 7);
        assert_int_equal(tu_v2_snapshot(&t, 2, VM, CT), RSVD_STATUS_SUCCESS);
        uint64_t seed = 3;
        random_writes(&t, s_bnow, 1, &seed, 60);
        rsvd_disk_changed_range r[SECTORS];
        rsvd_disk_changes out;
        for (int pass = 0; pass < 2; pass++) {
            query_all(&t, 2, 1, 0, 2 * MIB, &out, r);
            expect_ranges(&out, s_ab, 1, 0, 2 * MIB);
            query_all(&t, 0, 2, 0, 2 * MIB, &out, r);
            expect_ranges(&out, s_bnow, 1, 0, 2 * MIB);
            query_all(&t, 0, 1, 0, 2 * MIB, &out, r);
            expect_ranges(&out, s_anow, 2, 0, 2 * MIB);
            query_all(&t, 2, 2, 0, 2 * MIB, &out, r); /* a point to itself: nothing */
            assert_int_equal(out.range_count, 0);
            tu_v2_reopen(&t);
        }
        /* Writes of the new life join the span to now. */
        random_writes(&t, s_bnow, 1, &seed, 20);
        query_all(&t, 0, 2, 0, 2 * MIB, &out, r);
        expect_ranges(&out, s_bnow, 1, 0, 2 * MIB);
        tu_v2_fini(&t);
    }
}

/* The region asked for clips the ranges; the ranges that do not fit are
 * left out and ProcessedByteLength stops where the first of them begins. */
static void changes_are_cut_to_the_region_and_to_what_fits(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, 2 * MIB, 0);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, CT), RSVD_STATUS_SUCCESS);
    tu_v2_fill(&t, 4096, 8192, 1);       /* [4096, 12288) */
    tu_v2_fill(&t, 65536, 512, 2);       /* [65536, 66048) */
    tu_v2_fill(&t, 131072, 4096, 3);     /* [131072, 135168) */
    rsvd_disk_changed_range r[4];
    rsvd_disk_changes out;
    /* A window that cuts the first and the last range. */
    assert_int_equal(tu_v2_changes(&t, 0, 1, 8192, 126976, r, 4, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.range_count, 3);
    assert_true(r[0].byte_offset == 8192 && r[0].byte_length == 4096);
    assert_true(r[1].byte_offset == 65536 && r[1].byte_length == 512);
    assert_true(r[2].byte_offset == 131072 && r[2].byte_length == 4096);
    assert_true(out.processed_byte_length == 126976);
    /* Room for one: the rest starts at 65536. */
    assert_int_equal(tu_v2_changes(&t, 0, 1, 0, 2 * MIB, r, 1, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.range_count, 1);
    assert_true(r[0].byte_offset == 4096);
    assert_true(out.processed_byte_length == 65536);
    /* Room for none. */
    assert_int_equal(tu_v2_changes(&t, 0, 1, 0, 2 * MIB, NULL, 0, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.range_count, 0);
    assert_true(out.processed_byte_length == 4096);
    /* A window with no change: all of it processed. */
    assert_int_equal(tu_v2_changes(&t, 0, 1, MIB, MIB, r, 4, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.range_count, 0);
    assert_true(out.processed_byte_length == MIB);
    tu_v2_fini(&t);
}

/* [MS-RSVD] 3.2.5.5.14: the points must be change-tracking points of the
 * disk, the target not older than the limit, the snapshots VM ones. */
static void changes_need_two_tracked_points_in_order(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, CT), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_snapshot(&t, 2, VM, 0), RSVD_STATUS_SUCCESS); /* not tracked */
    assert_int_equal(tu_v2_snapshot(&t, 3, VM, CT), RSVD_STATUS_SUCCESS);
    rsvd_disk_changed_range r[4];
    rsvd_disk_changes out;
    assert_int_equal(tu_v2_changes(&t, 0, 2, 0, MIB, r, 4, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_changes(&t, 2, 1, 0, MIB, r, 4, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_changes(&t, 0, 9, 0, MIB, r, 4, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_changes(&t, 1, 3, 0, MIB, r, 4, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_changes(&t, 3, 1, UINT64_MAX, 2, r, 4, &out),
                     RSVD_STATUS_INVALID_PARAMETER);
    rsvd_disk_query_changes_args a;
    memset(&a, 0, sizeof a);
    a.limit_snapshot_id = tu_guid(1);
    a.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_CDP;
    a.byte_length = MIB;
    out.ranges = r;
    out.ranges_cap = 4;
    tu_capture c;
    t.ops->query_changes(t.set, t.h, &a, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_PARAMETER);
    t.ops->query_changes(t.set, t.h, &a, NULL, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_changes(&t, 3, 1, 0, MIB, r, 4, &out), RSVD_STATUS_SUCCESS);
    /* A deleted point is no point. */
    assert_int_equal(tu_v2_delete(&t, 1, VM, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_changes(&t, 3, 1, 0, MIB, r, 4, &out), RSVD_STATUS_INVALID_PARAMETER);
    tu_v2_fini(&t);
}

/* A snapshot taken under the id of a deleted one is a point of its own:
 * the changes from it are those written since it was taken, not since the
 * deleted one was (the log still holds the old point). Also as the target,
 * and after optimize. */
static void a_point_taken_again_under_a_deleted_id_is_its_own(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    static span old, mid, fresh;
    memset(&old, 0, sizeof old);
    memset(&mid, 0, sizeof mid);
    memset(&fresh, 0, sizeof fresh);
    span *s_old[] = {&old}, *s_mid[] = {&mid}, *s_fresh[] = {&fresh};
    span *s_since1[] = {&mid, &fresh};
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, CT), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_snapshot(&t, 2, VM, CT), RSVD_STATUS_SUCCESS);
    write_in(&t, s_old, 1, 8, 64, 1); /* after the first points 1 and 2 */
    assert_int_equal(tu_v2_delete(&t, 1, VM, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_delete(&t, 2, VM, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, CT), RSVD_STATUS_SUCCESS);
    write_in(&t, s_mid, 1, 200, 16, 2);
    assert_int_equal(tu_v2_snapshot(&t, 2, VM, CT), RSVD_STATUS_SUCCESS);
    write_in(&t, s_fresh, 1, 400, 8, 3);
    rsvd_disk_changed_range r[SECTORS];
    rsvd_disk_changes out;
    for (int pass = 0; pass < 2; pass++) {
        query_all(&t, 0, 1, 0, MIB, &out, r); /* from the new 1 to now */
        expect_ranges(&out, s_since1, 2, 0, MIB);
        query_all(&t, 2, 1, 0, MIB, &out, r); /* from the new 1 to the new 2 */
        expect_ranges(&out, s_mid, 1, 0, MIB);
        query_all(&t, 0, 2, 0, MIB, &out, r); /* from the new 2 to now */
        expect_ranges(&out, s_fresh, 1, 0, MIB);
        assert_int_equal(tu_v2_optimize(&t), RSVD_STATUS_SUCCESS);
    }
    tu_v2_fini(&t);
}

/* [MS-RSVD] 3.2.5.5.11 - 3.2.5.5.13: the status and log size, start, the
 * same start again, append, stop and stop again. */
static void start_stop_and_parameters(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    rsvd_disk_change_tracking_parameters p;
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status, RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED);
    assert_true(p.log_file_size == 0);
    uint32_t ct = 0;
    assert_int_equal(tu_v2_ct_stop(&t, &ct), RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED);
    assert_int_equal(ct, RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED);
    assert_int_equal(tu_v2_ct_start(&t, 7, 0, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status, RSVD_STATUS_SUCCESS);
    assert_true(p.log_file_size == 64 + 40); /* the header and the start */
    assert_true(tu_v2_file_size(&t, "disk.rsvdlog") == 64 + 40);
    tu_v2_fill(&t, 0, 4096, 1);
    tu_v2_fill(&t, 8192, 512, 2);
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_true(p.log_file_size == 64 + 3 * 40); /* one record per write */
    /* The same start again (after every open, 3.2.5.1) changes nothing. */
    assert_int_equal(tu_v2_ct_start(&t, 7, 0, true), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_true(p.log_file_size == 64 + 3 * 40);
    tu_v2_reopen(&t);
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status, RSVD_STATUS_SUCCESS); /* still started */
    assert_int_equal(tu_v2_ct_stop(&t, &ct), RSVD_STATUS_SUCCESS);
    assert_int_equal(ct, RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status, RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED);
    tu_v2_fill(&t, 0, 512, 3); /* not recorded: nothing needs it */
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_true(p.log_file_size == 64 + 4 * 40); /* ... and the stop */
    /* AppendData resumes the log of the same LogFileId, not another one. */
    assert_int_equal(tu_v2_ct_start(&t, 8, 0, true),
                     RSVD_STATUS_CHANGE_TRACKING_INVALID_TRACKING_STATE);
    assert_int_equal(tu_v2_ct_start(&t, 7, 0, true), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_true(p.log_file_size == 64 + 5 * 40);
    /* A new start without AppendData and without points: a new log. */
    assert_int_equal(tu_v2_ct_stop(&t, &ct), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_ct_start(&t, 8, 0, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_true(p.log_file_size == 64 + 40);
    tu_v2_fini(&t);
}

/* MaxLogFileSize: when the log would pass it, tracking breaks with
 * LOGSIZE_EXCEEDED_MAXSIZE; the guest's writes go on; changes to now are
 * refused, those between points made before the break are still known; a
 * new start begins again. The state outlives a reopen. */
static void a_full_log_breaks_tracking_not_the_writes(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, true, MIB, 0);
    /* Room for five records: START, MARK, WRITE, WRITE, MARK. */
    assert_int_equal(tu_v2_ct_start(&t, 1, 64 + 5 * 40, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, CT), RSVD_STATUS_SUCCESS);
    tu_v2_fill(&t, 0, 512, 1);
    tu_v2_fill(&t, 4096, 512, 2);
    assert_int_equal(tu_v2_snapshot(&t, 2, VM, CT), RSVD_STATUS_SUCCESS);
    tu_v2_fill(&t, 8192, 512, 3); /* does not fit: tracking breaks */
    rsvd_disk_change_tracking_parameters p;
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status,
                     RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE);
    uint8_t b[512];
    tu_v2_read(&t, t.h, 8192, b, sizeof b);
    assert_int_equal(b[0], 3); /* the write happened */
    rsvd_disk_changed_range r[4];
    rsvd_disk_changes out;
    assert_int_equal(tu_v2_changes(&t, 0, 1, 0, MIB, r, 4, &out),
                     RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE);
    assert_int_equal(tu_v2_changes(&t, 2, 1, 0, MIB, r, 4, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.range_count, 2);
    /* A point made while broken is not a point; the reply says why. */
    rsvd_disk_snapshot_args a;
    memset(&a, 0, sizeof a);
    a.transaction_id = tu_guid(0x93);
    a.snapshot_id = tu_guid(3);
    a.snapshot_type = VM;
    a.flags = CT;
    a.stages[0] = RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE;
    a.stages[1] = RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE;
    a.stages[2] = RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE;
    rsvd_disk_meta_result mo;
    tu_capture c;
    t.ops->create_snapshot(t.set, t.h, &a, &mo, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(mo.change_tracking_status,
                     RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE);
    assert_int_equal(tu_v2_changes(&t, 0, 3, 0, MIB, r, 4, &out), RSVD_STATUS_INVALID_PARAMETER);
    tu_v2_reopen(&t);
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status,
                     RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE);
    assert_int_equal(tu_v2_ct_start(&t, 1, 0, true),
                     RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE);
    uint32_t ct;
    assert_int_equal(tu_v2_ct_stop(&t, &ct), RSVD_STATUS_SUCCESS);
    assert_int_equal(ct, RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE);
    /* A new start: the broken log's points are points no more. */
    assert_int_equal(tu_v2_ct_start(&t, 2, 0, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status, RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_changes(&t, 2, 1, 0, MIB, r, 4, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_snapshot(&t, 4, VM, CT), RSVD_STATUS_SUCCESS);
    tu_v2_fill(&t, 512, 512, 4);
    assert_int_equal(tu_v2_changes(&t, 0, 4, 0, MIB, r, 4, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.range_count, 1);
    assert_true(r[0].byte_offset == 512 && r[0].byte_length == 512);
    tu_v2_fini(&t);
}

static void poke(const tu_v2 *t, const char *name, long off, uint8_t x)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", t->dir, name);
    int fd = open(p, O_RDWR);
    assert_true(fd >= 0);
    uint8_t b;
    assert_int_equal(pread(fd, &b, 1, off), 1);
    b ^= x;
    assert_int_equal(pwrite(fd, &b, 1, off), 1);
    close(fd);
}

/* A log damaged while the disk was closed: a record that does not decode
 * breaks tracking with INCONSISTENT_TRACKING_FILE when a query meets it; a
 * header that does not decode, when the disk opens. */
static void a_damaged_log_is_inconsistent(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, CT), RSVD_STATUS_SUCCESS);
    tu_v2_fill(&t, 0, 512, 1);
    tu_v2_fill(&t, 4096, 512, 1);
    tu_v2_close(&t, t.h);
    t.h = NULL;
    poke(&t, "disk.rsvdlog", 64 + 40 + 10, 0x01); /* the first write's offset */
    tu_v2_reopen(&t);
    rsvd_disk_changed_range r[4];
    rsvd_disk_changes out;
    assert_int_equal(tu_v2_changes(&t, 0, 1, 0, MIB, r, 4, &out),
                     RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE);
    rsvd_disk_change_tracking_parameters p;
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status,
                     RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE);
    /* A torn last record (a crash while it was written) is not damage. */
    assert_int_equal(tu_v2_ct_start(&t, 5, 0, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_snapshot(&t, 2, VM, CT), RSVD_STATUS_SUCCESS);
    tu_v2_fill(&t, 512, 512, 2);
    tu_v2_close(&t, t.h);
    t.h = NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s/disk.rsvdlog", t.dir);
    long long sz = tu_v2_file_size(&t, "disk.rsvdlog");
    assert_int_equal(truncate(path, sz + 17 - 40), 0); /* the last record cut short */
    tu_v2_reopen(&t);
    assert_int_equal(tu_v2_changes(&t, 0, 2, 0, MIB, r, 4, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.range_count, 0); /* the torn write is not in the log */
    tu_v2_fill(&t, 1024, 512, 3);
    assert_int_equal(tu_v2_changes(&t, 0, 2, 0, MIB, r, 4, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.range_count, 1);
    assert_true(r[0].byte_offset == 1024);
    /* A header that does not decode. */
    tu_v2_close(&t, t.h);
    t.h = NULL;
    poke(&t, "disk.rsvdlog", 3, 0xFF);
    tu_v2_reopen(&t);
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status,
                     RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE);
    tu_v2_fini(&t);
}

/* Optimize drops what no point needs and merges each span: the log
 * shrinks, OptimizeNeeded says so before and not after, and every read and
 * every query answers as before. */
static void optimize_keeps_every_answer(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, 2 * MIB, 0);
    uint64_t seed = 11;
    static span s1, s2, s3;
    memset(&s1, 0, sizeof s1);
    memset(&s2, 0, sizeof s2);
    memset(&s3, 0, sizeof s3);
    static span junk;
    span *s_junk[] = {&junk};
    assert_int_equal(tu_v2_ct_start(&t, 1, 0, false), RSVD_STATUS_SUCCESS);
    random_writes(&t, s_junk, 1, &seed, 50); /* before any point */
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, CT), RSVD_STATUS_SUCCESS);
    /* s1: from point 1 to 2; s2: from 2 to 4 (3 between them is deleted
     * below); s3: from 4 to now. */
    span *a[] = {&s1, &s2, &s3};
    random_writes(&t, a, 1, &seed, 80);
    assert_int_equal(tu_v2_snapshot(&t, 2, VM, CT), RSVD_STATUS_SUCCESS);
    random_writes(&t, a + 1, 1, &seed, 40);
    assert_int_equal(tu_v2_snapshot(&t, 3, VM, CT), RSVD_STATUS_SUCCESS);
    random_writes(&t, a + 1, 1, &seed, 40);
    assert_int_equal(tu_v2_snapshot(&t, 4, VM, CT), RSVD_STATUS_SUCCESS);
    random_writes(&t, a + 2, 1, &seed, 80);
    assert_int_equal(tu_v2_delete(&t, 3, VM, false), RSVD_STATUS_SUCCESS);
    rsvd_disk_vhdset_info vi;
    memset(&vi, 0, sizeof vi);
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED, 0, 0,
                                 &vi),
                     RSVD_STATUS_SUCCESS);
    assert_true(vi.optimize_needed);
    {
        rsvd_disk_changed_range r[SECTORS];
        rsvd_disk_changes out;
        span *s12[] = {&s1}, *s24[] = {&s2}, *s4n[] = {&s3};
        query_all(&t, 2, 1, 0, 2 * MIB, &out, r);
        expect_ranges(&out, s12, 1, 0, 2 * MIB);
        query_all(&t, 4, 2, 0, 2 * MIB, &out, r);
        expect_ranges(&out, s24, 1, 0, 2 * MIB);
        query_all(&t, 0, 4, 0, 2 * MIB, &out, r);
        expect_ranges(&out, s4n, 1, 0, 2 * MIB);
    }
    uint8_t *before = malloc(2 * MIB);
    assert_non_null(before);
    tu_v2_read_snapshot(&t, 2, before, 2 * MIB);
    rsvd_disk_change_tracking_parameters p0, p1;
    assert_int_equal(tu_v2_ct_params(&t, &p0), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_optimize(&t), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_ct_params(&t, &p1), RSVD_STATUS_SUCCESS);
    assert_true(p1.log_file_size < p0.log_file_size);
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED, 0, 0,
                                 &vi),
                     RSVD_STATUS_SUCCESS);
    assert_false(vi.optimize_needed);
    for (int pass = 0; pass < 2; pass++) {
        rsvd_disk_changed_range r[SECTORS];
        rsvd_disk_changes out;
        span *s12[] = {&s1}, *s24[] = {&s2}, *s4n[] = {&s3}, *s1n[] = {&s1, &s2, &s3};
        query_all(&t, 2, 1, 0, 2 * MIB, &out, r);
        expect_ranges(&out, s12, 1, 0, 2 * MIB);
        query_all(&t, 4, 2, 0, 2 * MIB, &out, r);
        expect_ranges(&out, s24, 1, 0, 2 * MIB);
        query_all(&t, 0, 4, 0, 2 * MIB, &out, r);
        expect_ranges(&out, s4n, 1, 0, 2 * MIB);
        query_all(&t, 0, 1, 0, 2 * MIB, &out, r);
        expect_ranges(&out, s1n, 3, 0, 2 * MIB);
        uint8_t *after = malloc(2 * MIB);
        assert_non_null(after);
        tu_v2_read_snapshot(&t, 2, after, 2 * MIB);
        assert_memory_equal(before, after, 2 * MIB);
        free(after);
        /* Still tracking after it, and after a reopen. */
        random_writes(&t, a + 2, 1, &seed, 5);
        tu_v2_reopen(&t);
    }
    free(before);
    tu_v2_fini(&t);
}

/* Resizes and applies change content: they are among the changes. */
static void resize_and_apply_are_changes(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    tu_v2_fill(&t, 0, 4096, 9);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, CT), RSVD_STATUS_SUCCESS);
    rsvd_disk_resize_args ra = {.new_size = 2 * MIB};
    assert_int_equal(tu_v2_resize(&t, &ra), RSVD_STATUS_SUCCESS);
    rsvd_disk_changed_range r[4];
    rsvd_disk_changes out;
    assert_int_equal(tu_v2_changes(&t, 0, 1, 0, 4 * MIB, r, 4, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.range_count, 1);
    assert_true(r[0].byte_offset == MIB && r[0].byte_length == MIB);
    assert_int_equal(tu_v2_snapshot(&t, 2, VM, CT), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_apply(&t, 1, VM), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_changes(&t, 0, 2, 0, 4 * MIB, r, 4, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.range_count, 1); /* the cut; the content was the same */
    assert_true(r[0].byte_offset == MIB && r[0].byte_length == MIB);
    tu_disk td = {.disk = t.disk, .set = t.set, .ops = t.ops};
    tu_assert_ua(tu_tur(&td, t.h), RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED,
                 RSVD_SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED);
    tu_v2_fill(&t, 0, 4096, 10);
    assert_int_equal(tu_v2_snapshot(&t, 3, VM, CT), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_apply(&t, 2, VM), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_changes(&t, 0, 3, 0, 4 * MIB, r, 4, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.range_count, 2);
    assert_true(r[0].byte_offset == 0); /* the chunk that went back to 9s */
    assert_true(r[1].byte_offset == MIB && r[1].byte_length == MIB);
    tu_v2_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(changes_are_exactly_the_ranges_written),
        cmocka_unit_test(changes_are_cut_to_the_region_and_to_what_fits),
        cmocka_unit_test(changes_need_two_tracked_points_in_order),
        cmocka_unit_test(a_point_taken_again_under_a_deleted_id_is_its_own),
        cmocka_unit_test(start_stop_and_parameters),
        cmocka_unit_test(a_full_log_breaks_tracking_not_the_writes),
        cmocka_unit_test(a_damaged_log_is_inconsistent),
        cmocka_unit_test(optimize_keeps_every_answer),
        cmocka_unit_test(resize_and_apply_are_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
