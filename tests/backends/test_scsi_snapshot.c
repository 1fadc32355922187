/*
 * Snapshots of the built-in disk ([MS-RSVD] 3.2.5.5.7.1 create,
 * 3.2.5.5.10 delete, 3.2.5.5.7.6 apply, 3.2.5.5.9 VHD-set queries, 3.2.5.7
 * opens of a snapshot): a snapshot read after later writes returns the data
 * as it was, over memory and over a file, across a close and reopen, after
 * deletes of its neighbours and applies of other snapshots. Every check
 * compares with a model of what each snapshot must hold.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tu_disk_v2.h"
#include "tu_scsi.h"
#include "util/versioned.h"

#define MIB (1024u * 1024u)
#define VM RSVD_SVHDX_SNAPSHOT_TYPE_VM
#define CDP RSVD_SVHDX_SNAPSHOT_TYPE_CDP

/* ---- a model of the disk and its snapshots ---- */

#define MODEL_SNAPS 8

typedef struct model {
    uint64_t size;
    uint8_t *live;
    uint8_t *snap[MODEL_SNAPS + 1]; /* by id, 1..MODEL_SNAPS */
    uint64_t snap_size[MODEL_SNAPS + 1];
} model;

static void model_init(model *m, uint64_t size)
{
    memset(m, 0, sizeof *m);
    m->size = size;
    m->live = calloc(1, size);
    assert_non_null(m->live);
}

static void model_fini(model *m)
{
    free(m->live);
    for (int i = 0; i <= MODEL_SNAPS; i++)
        free(m->snap[i]);
}

static void model_fill(model *m, tu_v2 *t, uint64_t off, uint32_t len, uint8_t b)
{
    tu_v2_fill(t, off, len, b);
    memset(m->live + off, b, len);
}

static void model_snapshot(model *m, tu_v2 *t, uint8_t id)
{
    assert_int_equal(tu_v2_snapshot(t, id, VM, 0), RSVD_STATUS_SUCCESS);
    free(m->snap[id]);
    m->snap[id] = malloc(m->size);
    assert_non_null(m->snap[id]);
    memcpy(m->snap[id], m->live, m->size);
    m->snap_size[id] = m->size;
}

static void check_snapshot(model *m, tu_v2 *t, uint8_t id)
{
    uint8_t *got = malloc(m->snap_size[id]);
    assert_non_null(got);
    tu_v2_read_snapshot(t, id, got, m->snap_size[id]);
    if (memcmp(got, m->snap[id], m->snap_size[id]) != 0) {
        for (uint64_t i = 0; i < m->snap_size[id]; i++)
            if (got[i] != m->snap[id][i])
                fail_msg("snapshot %u differs first at byte %llu: 0x%02X, want 0x%02X", id,
                         (unsigned long long)i, got[i], m->snap[id][i]);
    }
    free(got);
}

static void check_live(model *m, tu_v2 *t)
{
    uint8_t *got = malloc(m->size);
    assert_non_null(got);
    for (uint64_t off = 0; off < m->size; off += 65536)
        tu_v2_read(t, t->h, off, got + off,
                   m->size - off < 65536 ? (uint32_t)(m->size - off) : 65536u);
    assert_memory_equal(got, m->live, m->size);
    free(got);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* Random writes of 1 to 24 sectors anywhere on the disk. */
static void random_writes(model *m, tu_v2 *t, uint64_t *seed, int n)
{
    for (int i = 0; i < n; i++) {
        uint64_t sectors = m->size / 512;
        uint64_t lba = lcg(seed) % sectors;
        uint32_t cnt = 1 + (uint32_t)(lcg(seed) % 24);
        if (lba + cnt > sectors)
            cnt = (uint32_t)(sectors - lba);
        model_fill(m, t, lba * 512, cnt * 512, (uint8_t)(1 + lcg(seed) % 255));
    }
}

/* ---- tests ---- */

/* The rule the issue names: a snapshot read after later writes returns the
 * data as it was, whole chunks, parts of chunks and single sectors. */
static void snapshot_reads_the_data_as_it_was_after_later_writes(void **state)
{
    (void)state;
    for (int file = 0; file < 2; file++) {
        tu_v2 t;
        model m;
        tu_v2_init(&t, file, MIB, 0);
        model_init(&m, MIB);
        model_fill(&m, &t, 0, MIB, 0x11);
        model_snapshot(&m, &t, 1);
        model_fill(&m, &t, 0, 512, 0x22);                 /* one sector */
        model_fill(&m, &t, 65536 - 512, 1024, 0x33);      /* across two chunks */
        model_fill(&m, &t, 3 * 65536, 65536, 0x44);       /* a whole chunk */
        model_fill(&m, &t, 0, 512, 0x55);                 /* the same sector again */
        check_snapshot(&m, &t, 1);
        check_live(&m, &t);
        tu_v2_fini(&t);
        model_fini(&m);
    }
}

/* Snapshots taken between random writes each keep their own content, with
 * a small copy-on-write unit and with the default one. */
static void several_snapshots_each_keep_their_own_content(void **state)
{
    (void)state;
    const uint32_t chunks[] = {4096, 0};
    for (size_t c = 0; c < 2; c++) {
        for (int file = 0; file < 2; file++) {
            tu_v2 t;
            model m;
            uint64_t seed = 42 + c;
            tu_v2_init(&t, file, 2 * MIB, chunks[c]);
            model_init(&m, 2 * MIB);
            random_writes(&m, &t, &seed, 50);
            for (uint8_t id = 1; id <= 5; id++) {
                model_snapshot(&m, &t, id);
                random_writes(&m, &t, &seed, 40);
            }
            for (uint8_t id = 1; id <= 5; id++)
                check_snapshot(&m, &t, id);
            check_live(&m, &t);
            tu_v2_fini(&t);
            model_fini(&m);
        }
    }
}

/* The snapshots, their content and their details outlive the disk: a disk
 * created again over the same files has them all. */
static void snapshots_survive_close_and_reopen(void **state)
{
    (void)state;
    for (int file = 0; file < 2; file++) {
        tu_v2 t;
        model m;
        uint64_t seed = 7;
        tu_v2_init(&t, file, MIB, 8192);
        model_init(&m, MIB);
        random_writes(&m, &t, &seed, 30);
        model_snapshot(&m, &t, 1);
        random_writes(&m, &t, &seed, 30);
        model_snapshot(&m, &t, 2);
        random_writes(&m, &t, &seed, 30);
        tu_v2_reopen(&t);
        check_snapshot(&m, &t, 1);
        check_snapshot(&m, &t, 2);
        check_live(&m, &t);
        rsvd_disk_vhdset_info info;
        memset(&info, 0, sizeof info);
        assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY, VM, 2,
                                     &info),
                         RSVD_STATUS_SUCCESS);
        assert_true(info.snapshot_creation_time == 1700000000002ull);
        assert_int_equal(info.is_valid_snapshot, 1);
        /* Writes after the reopen are preserved for the snapshots too. */
        random_writes(&m, &t, &seed, 30);
        model_snapshot(&m, &t, 3);
        random_writes(&m, &t, &seed, 30);
        for (uint8_t id = 1; id <= 3; id++)
            check_snapshot(&m, &t, id);
        tu_v2_fini(&t);
        model_fini(&m);
    }
}

/* Deleting a snapshot hands the chunks it held to the older one; the others
 * read as before, and its file is gone. */
static void deleting_a_snapshot_keeps_the_others(void **state)
{
    (void)state;
    tu_v2 t;
    model m;
    uint64_t seed = 99;
    tu_v2_init(&t, true, MIB, 4096);
    model_init(&m, MIB);
    for (uint8_t id = 1; id <= 4; id++) {
        random_writes(&m, &t, &seed, 40);
        model_snapshot(&m, &t, id);
    }
    random_writes(&m, &t, &seed, 40);
    char name[128];
    snprintf(name, sizeof name, "disk.%s.rsvdsnap", "03030303030303030303030303030303");
    assert_true(tu_v2_file_size(&t, name) > 0);
    assert_int_equal(tu_v2_delete(&t, 3, VM, false), RSVD_STATUS_SUCCESS); /* a middle one */
    assert_int_equal(tu_v2_file_size(&t, name), -1);
    check_snapshot(&m, &t, 1);
    check_snapshot(&m, &t, 2);
    check_snapshot(&m, &t, 4);
    assert_int_equal(tu_v2_delete(&t, 4, VM, false), RSVD_STATUS_SUCCESS); /* the newest */
    random_writes(&m, &t, &seed, 40);
    check_snapshot(&m, &t, 2);
    assert_int_equal(tu_v2_delete(&t, 1, VM, false), RSVD_STATUS_SUCCESS); /* the oldest */
    check_snapshot(&m, &t, 2);
    tu_v2_reopen(&t);
    check_snapshot(&m, &t, 2);
    check_live(&m, &t);
    /* Gone is gone. */
    assert_int_equal(tu_v2_delete(&t, 3, VM, false), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_open_snapshot_result(&t, 1, VM).status,
                     RSVD_STATUS_INVALID_PARAMETER);
    tu_v2_fini(&t);
    model_fini(&m);
}

/* PersistReference (2.2.4.26): the entry stays, as a snapshot that is no
 * longer valid; its data is gone, the older snapshots keep theirs. */
static void persist_reference_keeps_the_entry_without_its_data(void **state)
{
    (void)state;
    tu_v2 t;
    model m;
    uint64_t seed = 5;
    tu_v2_init(&t, false, MIB, 4096);
    model_init(&m, MIB);
    random_writes(&m, &t, &seed, 40);
    model_snapshot(&m, &t, 1);
    random_writes(&m, &t, &seed, 40);
    model_snapshot(&m, &t, 2);
    random_writes(&m, &t, &seed, 40);
    assert_int_equal(tu_v2_delete(&t, 2, CDP, true), RSVD_STATUS_INVALID_PARAMETER); /* type */
    assert_int_equal(tu_v2_delete(&t, 2, VM, true), RSVD_STATUS_SUCCESS);
    check_snapshot(&m, &t, 1);
    rsvd_disk_vhdset_info info;
    memset(&info, 0, sizeof info);
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY, VM, 2,
                                 &info),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(info.is_valid_snapshot, 0);
    assert_int_equal(tu_v2_open_snapshot_result(&t, 2, VM).status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_apply(&t, 2, VM), RSVD_STATUS_INVALID_PARAMETER);
    random_writes(&m, &t, &seed, 40);
    tu_v2_reopen(&t);
    check_snapshot(&m, &t, 1);
    memset(&info, 0, sizeof info);
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY, VM, 2,
                                 &info),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(info.is_valid_snapshot, 0);
    /* The reference can then be deleted for good. */
    assert_int_equal(tu_v2_delete(&t, 2, VM, false), RSVD_STATUS_SUCCESS);
    tu_v2_fini(&t);
    model_fini(&m);
}

/* Apply: later reads return the snapshot's content; the snapshots older and
 * newer than it keep theirs, and the disk can go back and forth. */
static void apply_returns_the_disk_to_the_snapshot(void **state)
{
    (void)state;
    for (int file = 0; file < 2; file++) {
        tu_v2 t;
        model m;
        uint64_t seed = 1234;
        tu_v2_init(&t, file, MIB, 8192);
        model_init(&m, MIB);
        for (uint8_t id = 1; id <= 3; id++) {
            random_writes(&m, &t, &seed, 40);
            model_snapshot(&m, &t, id);
        }
        random_writes(&m, &t, &seed, 40);
        assert_int_equal(tu_v2_apply(&t, 2, VM), RSVD_STATUS_SUCCESS);
        memcpy(m.live, m.snap[2], m.size);
        check_live(&m, &t);
        for (uint8_t id = 1; id <= 3; id++)
            check_snapshot(&m, &t, id);
        random_writes(&m, &t, &seed, 40);
        assert_int_equal(tu_v2_apply(&t, 3, VM), RSVD_STATUS_SUCCESS);
        memcpy(m.live, m.snap[3], m.size);
        check_live(&m, &t);
        assert_int_equal(tu_v2_apply(&t, 1, VM), RSVD_STATUS_SUCCESS);
        memcpy(m.live, m.snap[1], m.size);
        check_live(&m, &t);
        tu_v2_reopen(&t);
        check_live(&m, &t);
        for (uint8_t id = 1; id <= 3; id++)
            check_snapshot(&m, &t, id);
        assert_int_equal(tu_v2_apply(&t, 9, VM), RSVD_STATUS_INVALID_PARAMETER);
        assert_int_equal(tu_v2_apply(&t, 1, CDP), RSVD_STATUS_INVALID_PARAMETER);
        tu_v2_fini(&t);
        model_fini(&m);
    }
}

static uint32_t create_call(tu_v2 *t, uint8_t tx, uint8_t id, uint32_t type, uint32_t flags,
                            const uint32_t *stages, int n, rsvd_disk_meta_result *out)
{
    rsvd_disk_snapshot_args a;
    memset(&a, 0, sizeof a);
    a.transaction_id = tu_guid(tx);
    a.snapshot_id = tu_guid(id);
    a.snapshot_type = type;
    a.flags = flags;
    for (int i = 0; i < n; i++)
        a.stages[i] = stages[i];
    memset(out, 0, sizeof *out);
    tu_capture cap;
    t->ops->create_snapshot(t->set, t->h, &a, out, tu_capture_begin(&cap));
    return tu_capture_end(&cap).status;
}

static uint32_t abort_call(tu_v2 *t, uint8_t tx)
{
    rsvd_guid g = tu_guid(tx);
    tu_capture cap;
    t->ops->abort_snapshot(t->set, t->h, &g, tu_capture_begin(&cap));
    return tu_capture_end(&cap).status;
}

/* The stages of one creation come in increasing order, across calls of one
 * transaction; the snapshot exists from SwitchObjectStore on. */
static void stages_run_in_order_within_their_transaction(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    rsvd_disk_meta_result out;
    const uint32_t init[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE};
    const uint32_t rest[] = {RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO,
                             RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE,
                             RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO,
                             RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE};
    const uint32_t fin[] = {RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE};
    const uint32_t sw[] = {RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE};
    /* No Initialize: a later stage of an unknown transaction. */
    assert_int_equal(create_call(&t, 1, 1, VM, 0, rest, 4, &out), RSVD_STATUS_INVALID_PARAMETER);
    /* Finalize before SwitchObjectStore. */
    assert_int_equal(create_call(&t, 1, 1, VM, 0, init, 1, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(create_call(&t, 1, 1, VM, 0, fin, 1, &out), RSVD_STATUS_INVALID_PARAMETER);
    /* The failed call ended nothing: the creation continues in order. */
    assert_int_equal(create_call(&t, 1, 1, VM, 0, sw, 1, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(create_call(&t, 1, 1, VM, 0, sw, 1, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(create_call(&t, 1, 2, VM, 0, fin, 1, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(create_call(&t, 1, 1, VM, 0, fin, 1, &out), RSVD_STATUS_SUCCESS);
    assert_true(out.progress_current == 1 && out.progress_complete == 1);
    /* The id is taken, by a snapshot or by a creation under way. */
    assert_int_equal(create_call(&t, 2, 1, VM, 0, init, 1, &out),
                     RSVD_STATUS_DUPLICATE_OBJECTID);
    assert_int_equal(create_call(&t, 3, 3, VM, 0, init, 1, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(create_call(&t, 4, 3, VM, 0, init, 1, &out),
                     RSVD_STATUS_DUPLICATE_OBJECTID);
    assert_int_equal(create_call(&t, 3, 3, VM, 0, init, 1, &out), RSVD_STATUS_INVALID_PARAMETER);
    /* Aborted before SwitchObjectStore: nothing was taken. */
    assert_int_equal(abort_call(&t, 3), RSVD_STATUS_SUCCESS);
    assert_int_equal(abort_call(&t, 3), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_open_snapshot_result(&t, 3, VM).status,
                     RSVD_STATUS_INVALID_PARAMETER);
    /* Aborted after it: the snapshot stays. */
    assert_int_equal(create_call(&t, 5, 5, VM, 0, init, 1, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(create_call(&t, 5, 5, VM, 0, sw, 1, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(abort_call(&t, 5), RSVD_STATUS_SUCCESS);
    tu_v2_close(&t, tu_v2_open_snapshot(&t, 5));
    /* Malformed requests. */
    const uint32_t none[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INVALID};
    const uint32_t bogus[] = {9};
    assert_int_equal(create_call(&t, 6, 6, VM, 0, none, 1, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(create_call(&t, 6, 6, 2, 0, init, 1, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(create_call(&t, 6, 6, VM, 2, init, 1, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(create_call(&t, 6, 0, VM, 0, init, 1, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(create_call(&t, 6, 6, VM, 0, init, 1, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(create_call(&t, 6, 6, VM, 0, bogus, 1, &out), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(create_call(&t, 6, 6, CDP, 0, sw, 1, &out), RSVD_STATUS_INVALID_PARAMETER);
    tu_v2_fini(&t);
}

/* [MS-RSVD] 3.2.2, 3.2.5.2, 3.2.5.5.7.1: a CDP creation abandoned after
 * UnblockIO keeps its snapshot and fails change tracking with
 * STATUS_FILE_FORCED_CLOSED; one abandoned before keeps tracking as it was. */
static void an_abandoned_cdp_creation_fails_change_tracking(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    assert_int_equal(tu_v2_ct_start(&t, 9, 0, false), RSVD_STATUS_SUCCESS);
    rsvd_disk_meta_result out;
    const uint32_t upto_block[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE,
                                   RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO};
    assert_int_equal(create_call(&t, 1, 1, CDP, 0, upto_block, 2, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(out.change_tracking_status, RSVD_STATUS_SUCCESS);
    assert_int_equal(abort_call(&t, 1), RSVD_STATUS_SUCCESS); /* the 700 ms time-out */
    rsvd_disk_change_tracking_parameters p;
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status, RSVD_STATUS_SUCCESS);
    const uint32_t upto_unblock[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE,
                                     RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO,
                                     RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE,
                                     RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO};
    assert_int_equal(create_call(&t, 2, 2, CDP, 0, upto_unblock, 4, &out), RSVD_STATUS_SUCCESS);
    assert_true(out.progress_current == 4 && out.progress_complete == 4);
    assert_int_equal(abort_call(&t, 2), RSVD_STATUS_SUCCESS); /* the handle closed */
    assert_int_equal(tu_v2_ct_params(&t, &p), RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status, RSVD_STATUS_FILE_FORCED_CLOSED);
    rsvd_disk_vhdset_info info;
    memset(&info, 0, sizeof info);
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY, CDP, 2,
                                 &info),
                     RSVD_STATUS_SUCCESS); /* taken: it stays */
    tu_v2_fini(&t);
}

/* max_snapshots bounds the snapshots and the creations under way. */
static void snapshots_beyond_the_bound_are_refused(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    tu_v2_fini(&t);
    memset(&t, 0, sizeof t);
    tu_v2_init(&t, false, MIB, 0);
    /* Recreate with a bound of 2. */
    t.cfg.max_snapshots = 2;
    tu_v2_reopen(&t);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, 0), RSVD_STATUS_SUCCESS);
    rsvd_disk_meta_result out;
    const uint32_t init[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE};
    assert_int_equal(create_call(&t, 2, 2, VM, 0, init, 1, &out), RSVD_STATUS_SUCCESS);
    assert_int_equal(create_call(&t, 3, 3, VM, 0, init, 1, &out),
                     RSVD_STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(abort_call(&t, 2), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_snapshot(&t, 3, VM, 0), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_snapshot(&t, 4, VM, 0), RSVD_STATUS_INSUFFICIENT_RESOURCES);
    /* A store that lists more than the bound does not open. */
    t.cfg.max_snapshots = 1;
    tu_v2_close(&t, t.h);
    t.h = NULL;
    rsvd_scsi_disk_set_destroy(t.set);
    assert_int_equal(rsvd_scsi_disk_destroy(t.disk), RSVD_OK);
    rsvd_scsi_disk *d = NULL;
    assert_int_equal(rsvd_scsi_disk_create(&t.cfg, &d), RSVD_E_LIMIT);
    t.cfg.max_snapshots = 2;
    assert_int_equal(rsvd_scsi_disk_create(&t.cfg, &t.disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &t.set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, "disk.vhdx", t.disk), RSVD_OK);
    tu_v2_fini(&t);
}

/* An open of a snapshot is a read-only unit with the snapshot's capacity;
 * the snapshot cannot be deleted under it. */
static void an_open_of_a_snapshot_is_read_only(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    tu_v2_fill(&t, 0, 4096, 0x5A);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, 0), RSVD_STATUS_SUCCESS);
    rsvd_disk_resize_args ra = {.new_size = 2 * MIB};
    assert_int_equal(tu_v2_resize(&t, &ra), RSVD_STATUS_SUCCESS);
    void *v = tu_v2_open_snapshot(&t, 1);
    tu_disk td = {.disk = t.disk, .set = t.set, .ops = t.ops};
    uint8_t buf[4096];
    memset(buf, 0x77, sizeof buf);
    tu_assert_check(tu_smb_write(&td, v, 0, buf, 512), RSVD_SCSI_SENSE_DATA_PROTECT, 0x2700);
    tu_assert_check(tu_write16(&td, v, 0, 1, buf, 512), RSVD_SCSI_SENSE_DATA_PROTECT, 0x2700);
    /* READ CAPACITY and get_info: the snapshot's size, not the disk's. */
    uint8_t cdb[16], d[32];
    int n = rsvd_scsi_cdb_read_capacity16(cdb, sizeof cdb, 32);
    tu_assert_good(tu_exec(&td, v, cdb, n, NULL, 0, d, sizeof d));
    rsvd_scsi_capacity cap;
    assert_int_equal(rsvd_scsi_read_capacity16_decode(d, 32, &cap), RSVD_OK);
    assert_true(cap.last_lba == MIB / 512 - 1);
    rsvd_disk_info info;
    tu_capture c;
    t.ops->get_info(t.set, v, &info, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_SUCCESS);
    assert_true(info.virtual_size == MIB);
    t.ops->validate(t.set, v, tu_capture_begin(&c));
    assert_true(tu_capture_end(&c).valid);
    /* READ(16) through the snapshot, and past its end. */
    tu_assert_good(tu_read16(&td, v, 0, 8, buf, sizeof buf));
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0x5A);
    tu_assert_check(tu_read16(&td, v, MIB / 512, 1, buf, 512), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
    assert_int_equal(tu_v2_delete(&t, 1, VM, false), RSVD_STATUS_SHARING_VIOLATION);
    tu_v2_close(&t, v);
    assert_int_equal(tu_v2_delete(&t, 1, VM, false), RSVD_STATUS_SUCCESS);
    /* 3.2.5.7: VM or writeable snapshots only. */
    assert_int_equal(tu_v2_open_snapshot_result(&t, 1, CDP).status,
                     RSVD_STATUS_INVALID_PARAMETER);
    tu_capture c2;
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "disk.vhdx";
    t.ops->open_snapshot(t.set, &a, NULL, tu_capture_begin(&c2));
    assert_int_equal(tu_capture_end(&c2).status, RSVD_STATUS_INVALID_PARAMETER);
    tu_v2_fini(&t);
}

/* [MS-RSVD] 3.2.5.5.9: the snapshot list (VM snapshots), an entry, the CDP
 * root and the active and inactive CDP lists. */
static void vhdset_information(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    rsvd_guid ids[4];
    rsvd_disk_vhdset_info info;
    memset(&info, 0, sizeof info);
    info.snapshot_ids = ids;
    info.snapshot_ids_cap = 4;
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST, VM, 0,
                                 &info),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(info.number_of_snapshots, 0);
    assert_int_equal(tu_v2_snapshot(&t, 1, VM, 0), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_snapshot(&t, 2, CDP, 0), RSVD_STATUS_SUCCESS);   /* inactive */
    assert_int_equal(tu_v2_ct_start(&t, 9, 0, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_snapshot(&t, 3, CDP, 0), RSVD_STATUS_SUCCESS);   /* active */
    assert_int_equal(tu_v2_snapshot(&t, 4, VM, 0), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_snapshot(&t, 5, CDP, 0), RSVD_STATUS_SUCCESS);   /* active */
    info.snapshot_ids_cap = 1; /* room for one: the count is still whole */
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST, VM, 0,
                                 &info),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(info.number_of_snapshots, 2);
    assert_memory_equal(&ids[0], tu_guid(1).b, 16);
    info.snapshot_ids_cap = 4;
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ACTIVE_LIST,
                                 0, 0, &info),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(info.number_of_snapshots, 2);
    assert_memory_equal(&ids[0], tu_guid(3).b, 16);
    assert_memory_equal(&ids[1], tu_guid(5).b, 16);
    assert_int_equal(
        tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_INACTIVE_LIST, 0, 0,
                    &info),
        RSVD_STATUS_SUCCESS);
    assert_int_equal(info.number_of_snapshots, 1);
    assert_memory_equal(&ids[0], tu_guid(2).b, 16);
    /* The root: the oldest CDP snapshot; a CDP snapshot's parent is the
     * previous CDP snapshot and its log the tracking's. */
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ROOT, 0, 0,
                                 &info),
                     RSVD_STATUS_SUCCESS);
    assert_memory_equal(info.snapshot_id.b, tu_guid(2).b, 16);
    assert_int_equal(info.snapshot_type, CDP);
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY, CDP, 5,
                                 &info),
                     RSVD_STATUS_SUCCESS);
    assert_memory_equal(info.parent_snapshot_id.b, tu_guid(3).b, 16);
    assert_memory_equal(info.log_file_id.b, tu_guid(9).b, 16);
    assert_true(info.snapshot_creation_time == 1700000000005ull);
    /* A VM snapshot's parent is the previous VM snapshot; the first has none. */
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY, VM, 4,
                                 &info),
                     RSVD_STATUS_SUCCESS);
    assert_memory_equal(info.parent_snapshot_id.b, tu_guid(1).b, 16);
    assert_true(rsvd_guid_is_zero(&info.log_file_id));
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY, VM, 1,
                                 &info),
                     RSVD_STATUS_SUCCESS);
    assert_true(rsvd_guid_is_zero(&info.parent_snapshot_id));
    /* 3.2.5.5.10: of the active ones only the first may be deleted. */
    assert_int_equal(tu_v2_delete(&t, 5, CDP, false), RSVD_STATUS_SHARING_VIOLATION);
    assert_int_equal(tu_v2_delete(&t, 2, CDP, false), RSVD_STATUS_SUCCESS); /* inactive */
    assert_int_equal(tu_v2_delete(&t, 3, CDP, false), RSVD_STATUS_SUCCESS); /* first active */
    /* 3.2.5.5.13: a stop makes the active ones inactive. */
    uint32_t ct;
    assert_int_equal(tu_v2_ct_stop(&t, &ct), RSVD_STATUS_SUCCESS);
    assert_int_equal(
        tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_INACTIVE_LIST, 0, 0,
                    &info),
        RSVD_STATUS_SUCCESS);
    assert_int_equal(info.number_of_snapshots, 1);
    assert_memory_equal(&ids[0], tu_guid(5).b, 16);
    /* Errors. */
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST, CDP, 0,
                                 &info),
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY, VM, 5,
                                 &info),
                     RSVD_STATUS_INVALID_PARAMETER); /* a CDP snapshot asked as VM */
    assert_int_equal(tu_v2_query(&t, 7, 0, 0, &info), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_delete(&t, 5, CDP, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ROOT, 0, 0,
                                 &info),
                     RSVD_STATUS_INVALID_PARAMETER); /* none left */
    tu_v2_fini(&t);
}

/* A disk created without storage has none of the version-2 functions but
 * resize and safe size: each answers STATUS_INVALID_DEVICE_REQUEST, the
 * status of a disk that is not a VHD set. */
static void a_disk_without_storage_is_not_a_vhd_set(void **state)
{
    (void)state;
    tu_disk td;
    tu_disk_init_default(&td);
    void *h = tu_open(&td, 1);
    const rsvd_scsi_disk_ops *o = td.ops;
    tu_capture c;
    rsvd_disk_meta_result out;
    rsvd_guid g = tu_guid(1);
    rsvd_disk_snapshot_args sa;
    memset(&sa, 0, sizeof sa);
    sa.snapshot_type = VM;
    sa.stages[0] = 1;
    o->create_snapshot(td.set, h, &sa, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    o->abort_snapshot(td.set, h, &g, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    o->optimize(td.set, h, &g, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    rsvd_disk_extract_args ea = {.destination_file_name = "x.vhdx"};
    o->extract(td.set, h, &ea, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    rsvd_disk_convert_args ca = {.destination_vhdset_name = "x.vhds"};
    o->convert_to_vhdset(td.set, h, &ca, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    rsvd_disk_apply_args aa = {.snapshot_type = VM};
    o->apply_snapshot(td.set, h, &aa, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    rsvd_disk_vhdset_query q = {.information_type = 2, .snapshot_type = VM};
    rsvd_disk_vhdset_info vi;
    memset(&vi, 0, sizeof vi);
    o->query_vhdset(td.set, h, &q, &vi, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    rsvd_disk_delete_snapshot_args da = {.snapshot_type = VM};
    o->delete_snapshot(td.set, h, &da, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    rsvd_disk_change_tracking_parameters p;
    o->change_tracking_get_parameters(td.set, h, &p, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    rsvd_disk_change_tracking_start_args cs;
    memset(&cs, 0, sizeof cs);
    o->change_tracking_start(td.set, h, &cs, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    uint32_t cts;
    o->change_tracking_stop(td.set, h, &cts, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    rsvd_disk_query_changes_args qa;
    memset(&qa, 0, sizeof qa);
    rsvd_disk_changes ch;
    memset(&ch, 0, sizeof ch);
    o->query_changes(td.set, h, &qa, &ch, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    rsvd_backend_open_args oa;
    memset(&oa, 0, sizeof oa);
    oa.file_name = "disk.vhdx";
    rsvd_disk_snapshot_target tg = {.snapshot_type = VM, .snapshot_id = g};
    o->open_snapshot(td.set, &oa, &tg, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    /* Resize and safe size need no storage. */
    uint64_t safe = 0;
    o->query_safe_size(td.set, h, &safe, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_SUCCESS);
    /* Every function checks its handle and its arguments. */
    o->create_snapshot(td.set, NULL, &sa, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_HANDLE);
    o->create_snapshot(td.set, h, NULL, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_PARAMETER);
    o->query_safe_size(td.set, h, NULL, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_PARAMETER);
    o->resize(td.set, NULL, NULL, &out, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_HANDLE);
    tu_close(&td, h);
    tu_disk_fini(&td);
}

/* Every version-2 function refuses a handle that is not the disk's
 * (STATUS_INVALID_HANDLE) and a missing argument (STATUS_INVALID_PARAMETER),
 * and completes once either way. */
static void every_function_checks_its_handle_and_arguments(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    const rsvd_scsi_disk_ops *o = t.ops;
    int junk = 0;
    void *bad = &junk;
    tu_capture c;
    rsvd_disk_meta_result out;
    rsvd_guid g = tu_guid(1);
    rsvd_disk_snapshot_args sa;
    memset(&sa, 0, sizeof sa);
    rsvd_disk_extract_args ea;
    memset(&ea, 0, sizeof ea);
    rsvd_disk_convert_args ca;
    memset(&ca, 0, sizeof ca);
    rsvd_disk_resize_args ra;
    memset(&ra, 0, sizeof ra);
    rsvd_disk_apply_args aa;
    memset(&aa, 0, sizeof aa);
    rsvd_disk_vhdset_query q;
    memset(&q, 0, sizeof q);
    rsvd_disk_vhdset_info vi;
    memset(&vi, 0, sizeof vi);
    rsvd_disk_delete_snapshot_args da;
    memset(&da, 0, sizeof da);
    rsvd_disk_change_tracking_parameters p;
    rsvd_disk_change_tracking_start_args cs;
    memset(&cs, 0, sizeof cs);
    uint32_t ct;
    rsvd_disk_query_changes_args qa;
    memset(&qa, 0, sizeof qa);
    rsvd_disk_changes ch;
    memset(&ch, 0, sizeof ch);
    uint64_t safe;
    for (int pass = 0; pass < 2; pass++) {
        void *h = pass ? t.h : bad;
        uint32_t want = pass ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE;
        o->create_snapshot(t.set, h, pass ? NULL : &sa, &out, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->abort_snapshot(t.set, h, pass ? NULL : &g, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->optimize(t.set, h, pass ? NULL : &g, &out, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->extract(t.set, h, pass ? NULL : &ea, &out, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->convert_to_vhdset(t.set, h, pass ? NULL : &ca, &out, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->resize(t.set, h, pass ? NULL : &ra, &out, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->apply_snapshot(t.set, h, pass ? NULL : &aa, &out, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->query_vhdset(t.set, h, pass ? NULL : &q, &vi, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->delete_snapshot(t.set, h, pass ? NULL : &da, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->change_tracking_get_parameters(t.set, h, pass ? NULL : &p, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->change_tracking_start(t.set, h, pass ? NULL : &cs, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->change_tracking_stop(t.set, h, pass ? NULL : &ct, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->query_changes(t.set, h, pass ? NULL : &qa, &ch, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
        o->query_safe_size(t.set, h, pass ? NULL : &safe, tu_capture_begin(&c));
        assert_int_equal(tu_capture_end(&c).status, want);
    }
    /* A name of another disk set, and a convert without a name. */
    rsvd_backend_open_args oa;
    memset(&oa, 0, sizeof oa);
    oa.file_name = "other.vhdx";
    rsvd_disk_snapshot_target tg = {.snapshot_type = VM, .snapshot_id = g};
    o->open_snapshot(t.set, &oa, &tg, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(tu_v2_convert(&t, NULL), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_convert(&t, ".vhds"), RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(tu_v2_convert(&t, "a/../b.vhds"), RSVD_STATUS_OBJECT_NAME_INVALID);
    tu_v2_fini(&t);
}

/* A program built before the storage settings existed passes a shorter
 * config: whatever lies past its struct_size is not read, and its disk has
 * no storage (docs/abi.md: zero is the old behaviour). */
static void a_config_of_the_first_release_has_no_storage(void **state)
{
    (void)state;
    tu_memblock mb;
    assert_int_equal(tu_memblock_init(&mb, MIB, 512, 4096), 0);
    rsvd_scsi_disk_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.struct_size = RSVD_V0_SCSI_DISK_CONFIG;
    cfg.block = tu_memblock_source(&mb);
    cfg.storage_dir = "/nonexistent"; /* beyond the first release: ignored */
    cfg.storage_name = "x";
    rsvd_scsi_disk *d = NULL;
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_OK);
    rsvd_scsi_disk_set *set = NULL;
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(set, NULL, d), RSVD_OK);
    tu_disk td = {.disk = d, .set = set, .ops = rsvd_scsi_disk_backend_ops()};
    void *h = tu_open(&td, 1);
    rsvd_disk_change_tracking_parameters p;
    tu_capture c;
    td.ops->change_tracking_get_parameters(set, h, &p, tu_capture_begin(&c));
    assert_int_equal(tu_capture_end(&c).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    tu_close(&td, h);
    rsvd_scsi_disk_set_destroy(set);
    assert_int_equal(rsvd_scsi_disk_destroy(d), RSVD_OK);
    tu_memblock_fini(&mb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(snapshot_reads_the_data_as_it_was_after_later_writes),
        cmocka_unit_test(several_snapshots_each_keep_their_own_content),
        cmocka_unit_test(snapshots_survive_close_and_reopen),
        cmocka_unit_test(deleting_a_snapshot_keeps_the_others),
        cmocka_unit_test(persist_reference_keeps_the_entry_without_its_data),
        cmocka_unit_test(apply_returns_the_disk_to_the_snapshot),
        cmocka_unit_test(stages_run_in_order_within_their_transaction),
        cmocka_unit_test(an_abandoned_cdp_creation_fails_change_tracking),
        cmocka_unit_test(snapshots_beyond_the_bound_are_refused),
        cmocka_unit_test(an_open_of_a_snapshot_is_read_only),
        cmocka_unit_test(vhdset_information),
        cmocka_unit_test(a_disk_without_storage_is_not_a_vhd_set),
        cmocka_unit_test(every_function_checks_its_handle_and_arguments),
        cmocka_unit_test(a_config_of_the_first_release_has_no_storage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
