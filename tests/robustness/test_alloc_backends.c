/*
 * Allocation failure injection, backends and utilities: the file object
 * store (create, open with and without a bounce buffer), the file block
 * source, the virtual SCSI disk and its disk sets, the iSCSI disk and the
 * NBD block source (when built), the handle table and the deadline heap.
 * Each operation runs with its 1st, 2nd, ... Nth allocation failing until a
 * run meets no failure: a failing run ends with RSVD_E_NOMEM or
 * STATUS_INSUFFICIENT_RESOURCES, leaks nothing, and the object still works.
 *
 * Memory the third-party libraries (libiscsi, libnbd) allocate for
 * themselves does not go through rsvd_mem; everything librsvd allocates does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rsvd/block.h>
#include <rsvd/file_store.h>
#include <rsvd/fscc.h>
#include <rsvd/rsvd.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>
#ifdef ROBUST_HAVE_ISCSI
#include <rsvd/iscsi_disk.h>
#endif
#ifdef ROBUST_HAVE_NBD
#include <rsvd/nbd_block.h>
#endif

#include "fail_alloc.h"
#include "testutil.h"
#include "tu_memblock.h"
#include "util/handle_table.h"
#include "util/heap.h"

#define MAX_RUNS 64

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A fresh directory under the build tree with a 64 KiB file "d.vhdx". */
static void make_root(char *out, size_t cap)
{
    snprintf(out, cap, "%s/rsvd-alloc-XXXXXX", TU_SCRATCH_DIR);
    if (!mkdtemp(out))
        fail_msg("mkdtemp: %s", strerror(errno));
    char path[1024];
    snprintf(path, sizeof path, "%s/d.vhdx", out);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    static uint8_t zero[65536];
    assert_int_equal(fwrite(zero, 1, sizeof zero, f), sizeof zero);
    fclose(f);
}

static void remove_root(const char *root)
{
    nftw(root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- the file object store ------------------------------------------------------------------ */

static void file_store_create_fails_with_nomem(void **state)
{
    (void)state;
    char root[512];
    make_root(root, sizeof root);
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_file_store_config cfg = {
            .struct_size = sizeof(rsvd_file_store_config),
             .root = root, .mem = &a.mem};
        rsvd_file_store *fs = NULL;
        fa_fail_nth(&a, n);
        int rc = rsvd_file_store_create(&cfg, &fs);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            assert_int_equal(a.live, 0);
            assert_int_equal(rsvd_file_store_create(&cfg, &fs), RSVD_OK);
        }
        assert_int_equal(rsvd_file_store_destroy(fs), RSVD_OK);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0);
    remove_root(root);
}

static rsvd_io_result store_open(rsvd_file_store *fs, const char *name, uint32_t options)
{
    rsvd_backend_open_args args;
    memset(&args, 0, sizeof args);
    args.file_name = name;
    args.create_options = options;
    tu_capture cap;
    rsvd_file_store_ops()->open(fs, &args, tu_capture_begin(&cap));
    return tu_capture_end(&cap);
}

static void store_close(rsvd_file_store *fs, void *h)
{
    tu_capture cap;
    rsvd_file_store_ops()->close(fs, h, false, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
}

/* An open allocates its handle, its path and, unbuffered, its bounce
 * buffer: each failure completes the open with
 * STATUS_INSUFFICIENT_RESOURCES and nothing stays open. */
static void file_store_open_fails_insufficient_resources(void **state)
{
    (void)state;
    char root[512];
    make_root(root, sizeof root);
    static const uint32_t options[] = {0, RSVD_FILE_NO_INTERMEDIATE_BUFFERING};
    for (size_t k = 0; k < 2; k++) {
        size_t hits = 0;
        for (size_t n = 1;; n++) {
            assert_true(n < MAX_RUNS);
            fa_alloc a;
            fa_init(&a);
            rsvd_file_store_config cfg = {
                .struct_size = sizeof(rsvd_file_store_config),
                 .root = root, .mem = &a.mem};
            rsvd_file_store *fs;
            assert_int_equal(rsvd_file_store_create(&cfg, &fs), RSVD_OK);
            fa_fail_nth(&a, n);
            rsvd_io_result r = store_open(fs, "d.vhdx", options[k]);
            bool hit = a.failed > 0;
            hits += hit;
            fa_heal(&a);
            if (hit) {
                assert_int_equal(r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
                assert_null(r.handle);
                assert_int_equal(rsvd_file_store_last_error(fs)->status,
                                 RSVD_STATUS_INSUFFICIENT_RESOURCES);
                r = store_open(fs, "d.vhdx", options[k]);
            }
            assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
            /* Follow-up: the open reads. */
            static uint8_t buf[4096];
            tu_capture cap;
            rsvd_file_store_ops()->read(fs, r.handle, 0, buf, sizeof buf, tu_capture_begin(&cap));
            assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
            store_close(fs, r.handle);
            assert_int_equal(rsvd_file_store_destroy(fs), RSVD_OK);
            assert_int_equal(a.live, 0);
            if (!hit)
                break;
        }
        assert_true(hits > 0);
    }
    remove_root(root);
}

/* ---- the file block source ------------------------------------------------------------------ */

static void file_block_open_fails_with_nomem(void **state)
{
    (void)state;
    char root[512], path[1024];
    make_root(root, sizeof root);
    snprintf(path, sizeof path, "%s/d.vhdx", root);
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_file_block_config cfg = {
            .struct_size = sizeof(rsvd_file_block_config),
             .path = path, .mem = &a.mem};
        rsvd_file_block *fb = NULL;
        rsvd_backend_diag diag;
        fa_fail_nth(&a, n);
        int rc = rsvd_file_block_open(&cfg, &fb, &diag);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            assert_int_equal(a.live, 0);
            assert_int_equal(rsvd_file_block_open(&cfg, &fb, &diag), RSVD_OK);
        } else {
            assert_int_equal(rc, RSVD_OK);
        }
        rsvd_block_source src = rsvd_file_block_source(fb);
        static uint8_t buf[4096];
        assert_int_equal(src.ops->read(src.ctx, 0, buf, sizeof buf), RSVD_STATUS_SUCCESS);
        rsvd_file_block_close(fb);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0);
    remove_root(root);
}

/* ---- the virtual SCSI disk ------------------------------------------------------------------- */

static void scsi_disk_create_fails_with_nomem(void **state)
{
    (void)state;
    tu_memblock mb;
    assert_int_equal(tu_memblock_init(&mb, 1u << 20, 512, 4096), 0);
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_scsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_scsi_disk_config);
        cfg.block = tu_memblock_source(&mb);
        cfg.mem = &a.mem;
        rsvd_scsi_disk *d = NULL;
        fa_fail_nth(&a, n);
        int rc = rsvd_scsi_disk_create(&cfg, &d);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            assert_int_equal(a.live, 0);
            assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_OK);
        }
        assert_int_equal(rsvd_scsi_disk_destroy(d), RSVD_OK);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0);
    tu_memblock_fini(&mb);
}

static rsvd_io_result disk_open(rsvd_scsi_disk_set *set, uint8_t initiator)
{
    rsvd_backend_open_args args;
    memset(&args, 0, sizeof args);
    args.file_name = "disk.vhdx";
    args.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    args.initiator_id.b[0] = initiator;
    args.has_initiator = initiator != 0;
    tu_capture cap;
    rsvd_scsi_disk_backend_ops()->open(set, &args, tu_capture_begin(&cap));
    return tu_capture_end(&cap);
}

/* A set, its entries and an open for an initiator each allocate: every
 * failure is clean, and the disk then opens and executes. */
static void scsi_disk_set_and_open_fail_cleanly(void **state)
{
    (void)state;
    tu_memblock mb;
    assert_int_equal(tu_memblock_init(&mb, 1u << 20, 512, 4096), 0);
    for (int stage = 0; stage < 3; stage++) {
        size_t hits = 0;
        for (size_t n = 1;; n++) {
            assert_true(n < MAX_RUNS);
            fa_alloc a;
            fa_init(&a);
            rsvd_scsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_scsi_disk_config);
            cfg.block = tu_memblock_source(&mb);
            cfg.mem = &a.mem;
            rsvd_scsi_disk *d;
            assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_OK);
            rsvd_scsi_disk_set *set = NULL;
            int rc = RSVD_OK;
            bool hit = false;
            if (stage == 0) {
                fa_fail_nth(&a, n);
                rc = rsvd_scsi_disk_set_create(&a.mem, &set);
                hit = a.failed > 0;
                fa_heal(&a);
                if (hit) {
                    assert_int_equal(rc, RSVD_E_NOMEM);
                    assert_null(set);
                    rc = rsvd_scsi_disk_set_create(&a.mem, &set);
                }
                assert_int_equal(rc, RSVD_OK);
                assert_int_equal(rsvd_scsi_disk_set_add(set, "disk.vhdx", d), RSVD_OK);
            } else if (stage == 1) {
                assert_int_equal(rsvd_scsi_disk_set_create(&a.mem, &set), RSVD_OK);
                fa_fail_nth(&a, n);
                rc = rsvd_scsi_disk_set_add(set, "disk.vhdx", d);
                hit = a.failed > 0;
                fa_heal(&a);
                if (hit) {
                    assert_int_equal(rc, RSVD_E_NOMEM);
                    assert_int_equal(disk_open(set, 1).status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
                    rc = rsvd_scsi_disk_set_add(set, "disk.vhdx", d);
                }
                assert_int_equal(rc, RSVD_OK);
            } else {
                assert_int_equal(rsvd_scsi_disk_set_create(&a.mem, &set), RSVD_OK);
                assert_int_equal(rsvd_scsi_disk_set_add(set, "disk.vhdx", d), RSVD_OK);
            }
            rsvd_io_result r;
            if (stage == 2) {
                fa_fail_nth(&a, n);
                r = disk_open(set, 1);
                hit = a.failed > 0;
                fa_heal(&a);
                if (hit) {
                    assert_int_equal(r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
                    assert_null(r.handle);
                    r = disk_open(set, 1);
                }
            } else {
                r = disk_open(set, 1);
            }
            hits += hit;
            assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
            /* Follow-up: TEST UNIT READY is GOOD. */
            rsvd_scsi_cmd cmd;
            memset(&cmd, 0, sizeof cmd);
            cmd.cdb_len = 6;
            cmd.direction = RSVD_SCSI_NO_DATA;
            tu_capture cap;
            rsvd_scsi_disk_backend_ops()->execute(set, r.handle, &cmd, tu_capture_begin(&cap));
            rsvd_io_result x = tu_capture_end(&cap);
            assert_int_equal(x.status, RSVD_STATUS_SUCCESS);
            assert_int_equal(x.scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
            rsvd_scsi_disk_backend_ops()->close(set, r.handle, false, tu_capture_begin(&cap));
            assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
            rsvd_scsi_disk_set_destroy(set);
            assert_int_equal(rsvd_scsi_disk_destroy(d), RSVD_OK);
            assert_int_equal(a.live, 0);
            if (!hit)
                break;
        }
        assert_true(hits > 0);
    }
    tu_memblock_fini(&mb);
}

/* ---- the virtual SCSI disk's version-2 storage --------------------------------------------- */

typedef struct v2fx {
    char root[512];
    tu_memblock mb;
    fa_alloc a;
    rsvd_scsi_disk_config cfg;
    rsvd_scsi_disk *d;
    rsvd_scsi_disk_set *set;
    void *h;
} v2fx;

static rsvd_guid v2_guid(uint8_t n)
{
    rsvd_guid g;
    memset(g.b, n, sizeof g.b);
    return g;
}

static void v2_up(v2fx *f)
{
    assert_int_equal(rsvd_scsi_disk_create(&f->cfg, &f->d), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(&f->a.mem, &f->set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(f->set, "disk.vhdx", f->d), RSVD_OK);
    rsvd_io_result r = disk_open(f->set, 1);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    f->h = r.handle;
}

static void v2_down(v2fx *f)
{
    tu_capture cap;
    rsvd_scsi_disk_backend_ops()->close(f->set, f->h, false, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    rsvd_scsi_disk_set_destroy(f->set);
    assert_int_equal(rsvd_scsi_disk_destroy(f->d), RSVD_OK);
}

static void v2_init(v2fx *f)
{
    memset(f, 0, sizeof *f);
    make_root(f->root, sizeof f->root);
    assert_int_equal(tu_memblock_init(&f->mb, 1u << 20, 512, 4096), 0);
    fa_init(&f->a);
    f->cfg.struct_size = sizeof f->cfg;
    f->cfg.block = tu_memblock_source(&f->mb);
    f->cfg.mem = &f->a.mem;
    f->cfg.storage_dir = f->root;
    f->cfg.storage_name = "disk";
    f->cfg.chunk_size = 4096;
    v2_up(f);
}

static void v2_fini(v2fx *f)
{
    v2_down(f);
    assert_int_equal(f->a.live, 0);
    tu_memblock_fini(&f->mb);
    remove_root(f->root);
}

static uint32_t v2_snapshot(v2fx *f, uint8_t id, uint32_t flags)
{
    const rsvd_scsi_disk_ops *o = rsvd_scsi_disk_backend_ops();
    rsvd_disk_snapshot_args a;
    memset(&a, 0, sizeof a);
    a.transaction_id = v2_guid((uint8_t)(0x80 | id));
    a.snapshot_id = v2_guid(id);
    a.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
    a.flags = flags;
    a.stages[0] = RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE;
    a.stages[1] = RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE;
    a.stages[2] = RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE;
    rsvd_disk_meta_result out;
    tu_capture cap;
    o->create_snapshot(f->set, f->h, &a, &out, tu_capture_begin(&cap));
    return tu_capture_end(&cap).status;
}

static rsvd_io_result v2_write(v2fx *f, uint64_t off, uint8_t byte)
{
    static uint8_t b[8192];
    memset(b, byte, sizeof b);
    tu_capture cap;
    rsvd_scsi_disk_backend_ops()->write(f->set, f->h, off, b, sizeof b, tu_capture_begin(&cap));
    return tu_capture_end(&cap);
}

/* A disk with storage that holds snapshots and a change log: each of its
 * allocations failing in turn fails the creation with RSVD_E_NOMEM and
 * leaks nothing; the disk then opens with everything it had. */
static void scsi_disk_storage_create_fails_with_nomem(void **state)
{
    (void)state;
    v2fx f;
    v2_init(&f);
    assert_int_equal(v2_write(&f, 0, 1).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(v2_snapshot(&f, 1, RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(v2_write(&f, 0, 2).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(v2_snapshot(&f, 2, 0), RSVD_STATUS_SUCCESS);
    v2_down(&f);
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_fail_nth(&f.a, n);
        rsvd_scsi_disk *d = NULL;
        int rc = rsvd_scsi_disk_create(&f.cfg, &d);
        bool hit = f.a.failed > 0;
        fa_heal(&f.a);
        if (!hit) {
            assert_int_equal(rc, RSVD_OK);
            assert_int_equal(rsvd_scsi_disk_destroy(d), RSVD_OK);
            break;
        }
        hits++;
        assert_int_equal(rc, RSVD_E_NOMEM);
        assert_null(d);
        assert_int_equal(f.a.live, 0);
    }
    assert_true(hits >= 5); /* the disk, its tables, the store, two bitmaps, ... */
    v2_up(&f);
    rsvd_disk_snapshot_target t = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                   .snapshot_id = v2_guid(1)};
    rsvd_backend_open_args oa;
    memset(&oa, 0, sizeof oa);
    oa.file_name = "disk.vhdx";
    tu_capture cap;
    rsvd_scsi_disk_backend_ops()->open_snapshot(f.set, &oa, &t, tu_capture_begin(&cap));
    rsvd_io_result r = tu_capture_end(&cap);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    uint8_t b[512];
    rsvd_scsi_disk_backend_ops()->read(f.set, r.handle, 0, b, sizeof b, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
    assert_int_equal(b[0], 1);
    rsvd_scsi_disk_backend_ops()->close(f.set, r.handle, false, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    v2_fini(&f);
}

enum v2_op {
    OP_SNAPSHOT, OP_APPLY, OP_EXTRACT, OP_CHANGES, OP_OPTIMIZE_NEEDED, OP_OPTIMIZE,
    OP_OPEN_SNAPSHOT, OP_COUNT
};

/* Runs @p op once. @return its status. */
static uint32_t v2_run(v2fx *f, enum v2_op op)
{
    const rsvd_scsi_disk_ops *o = rsvd_scsi_disk_backend_ops();
    tu_capture cap;
    rsvd_disk_meta_result out;
    switch (op) {
    case OP_SNAPSHOT:
        return v2_snapshot(f, 7, 0);
    case OP_APPLY: {
        rsvd_disk_apply_args a = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                  .snapshot_id = v2_guid(1)};
        o->apply_snapshot(f->set, f->h, &a, &out, tu_capture_begin(&cap));
        break;
    }
    case OP_EXTRACT: {
        rsvd_disk_extract_args a = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                    .flags = RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE,
                                    .source_snapshot_id = v2_guid(1),
                                    .destination_file_name = "x.vhdx"};
        o->extract(f->set, f->h, &a, &out, tu_capture_begin(&cap));
        break;
    }
    case OP_CHANGES: {
        rsvd_disk_changed_range r[8];
        rsvd_disk_changes ch = {.ranges = r, .ranges_cap = 8};
        rsvd_disk_query_changes_args a = {.limit_snapshot_id = v2_guid(1),
                                          .snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                          .byte_length = 1u << 20};
        o->query_changes(f->set, f->h, &a, &ch, tu_capture_begin(&cap));
        break;
    }
    case OP_OPTIMIZE_NEEDED: {
        rsvd_disk_vhdset_query q = {
            .information_type = RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED};
        rsvd_disk_vhdset_info info;
        memset(&info, 0, sizeof info);
        o->query_vhdset(f->set, f->h, &q, &info, tu_capture_begin(&cap));
        break;
    }
    case OP_OPTIMIZE: {
        rsvd_guid tx = v2_guid(0x42);
        o->optimize(f->set, f->h, &tx, &out, tu_capture_begin(&cap));
        break;
    }
    default: {
        rsvd_disk_snapshot_target t = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                       .snapshot_id = v2_guid(1)};
        rsvd_backend_open_args oa;
        memset(&oa, 0, sizeof oa);
        oa.file_name = "disk.vhdx";
        o->open_snapshot(f->set, &oa, &t, tu_capture_begin(&cap));
        rsvd_io_result r = tu_capture_end(&cap);
        if (r.status == RSVD_STATUS_SUCCESS) {
            o->close(f->set, r.handle, false, tu_capture_begin(&cap));
            assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
        }
        return r.status;
    }
    }
    return tu_capture_end(&cap).status;
}

/* Undoes what a successful @p op left, so that the next run starts alike. */
static void v2_undo(v2fx *f, enum v2_op op)
{
    tu_capture cap;
    if (op == OP_SNAPSHOT) {
        rsvd_disk_delete_snapshot_args a = {.snapshot_id = v2_guid(7),
                                            .snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM};
        rsvd_scsi_disk_backend_ops()->delete_snapshot(f->set, f->h, &a, tu_capture_begin(&cap));
        assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    } else if (op == OP_EXTRACT) { /* DELETE_ON_CLOSE: the handle takes it */
        rsvd_scsi_disk_backend_ops()->close(f->set, f->h, false, tu_capture_begin(&cap));
        assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
        rsvd_io_result r = disk_open(f->set, 1);
        assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
        f->h = r.handle;
    }
}

/* Each version-2 operation that allocates, with each of its allocations
 * failing in turn: STATUS_INSUFFICIENT_RESOURCES, nothing leaked, nothing
 * changed (no snapshot, no file, the same log); then it succeeds. */
static void version_2_operations_fail_cleanly(void **state)
{
    (void)state;
    v2fx f;
    v2_init(&f);
    assert_int_equal(v2_write(&f, 0, 1).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(v2_snapshot(&f, 1, RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING),
                     RSVD_STATUS_SUCCESS);
    for (int i = 0; i < 40; i++) /* changes to compact, ranges to merge */
        assert_int_equal(v2_write(&f, (uint64_t)(i % 7) * 12288, (uint8_t)i).status,
                         RSVD_STATUS_SUCCESS);
    for (int op = 0; op < OP_COUNT; op++) {
        size_t hits = 0;
        for (size_t n = 1;; n++) {
            assert_true(n < MAX_RUNS);
            size_t live = f.a.live;
            fa_fail_nth(&f.a, n);
            uint32_t st = v2_run(&f, (enum v2_op)op);
            bool hit = f.a.failed > 0;
            fa_heal(&f.a);
            if (!hit) {
                assert_int_equal(st, RSVD_STATUS_SUCCESS);
                v2_undo(&f, (enum v2_op)op);
                break;
            }
            hits++;
            if (st != RSVD_STATUS_INSUFFICIENT_RESOURCES)
                fail_msg("operation %d, allocation %zu: 0x%08X", op, n, st);
            assert_int_equal(f.a.live, live);
            char p[700];
            snprintf(p, sizeof p, "%s/x.vhdx", f.root);
            assert_int_equal(access(p, F_OK), -1); /* no extract left */
        }
        if (hits == 0)
            fail_msg("operation %d allocates nothing", op);
    }
    v2_fini(&f);
}

/* The guest's writes with copy-on-write and change tracking, reads of a
 * snapshot, resize, delete (which merges), change tracking start and stop,
 * parameters and convert allocate nothing: they work with every allocation
 * failing. */
static void version_2_write_path_allocates_nothing(void **state)
{
    (void)state;
    v2fx f;
    v2_init(&f);
    const rsvd_scsi_disk_ops *o = rsvd_scsi_disk_backend_ops();
    assert_int_equal(v2_snapshot(&f, 1, RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(v2_snapshot(&f, 2, 0), RSVD_STATUS_SUCCESS);
    rsvd_disk_snapshot_target t = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                   .snapshot_id = v2_guid(2)};
    rsvd_backend_open_args oa;
    memset(&oa, 0, sizeof oa);
    oa.file_name = "disk.vhdx";
    tu_capture cap;
    o->open_snapshot(f.set, &oa, &t, tu_capture_begin(&cap));
    void *view = tu_capture_end(&cap).handle;
    fa_fail_all(&f.a);
    for (int i = 0; i < 8; i++) {
        rsvd_io_result r = v2_write(&f, (uint64_t)i * 8192, (uint8_t)(0x30 + i));
        assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(r.scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
    }
    uint8_t b[8192];
    o->read(f.set, view, 0, b, sizeof b, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
    assert_int_equal(b[0], 0); /* as it was */
    o->close(f.set, view, false, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    rsvd_disk_resize_args ra = {.new_size = 2u << 20};
    rsvd_disk_meta_result out;
    o->resize(f.set, f.h, &ra, &out, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    rsvd_disk_delete_snapshot_args da = {.snapshot_id = v2_guid(2),
                                         .snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM};
    o->delete_snapshot(f.set, f.h, &da, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    rsvd_disk_change_tracking_start_args cs = {.log_file_id = v2_guid(9)};
    o->change_tracking_start(f.set, f.h, &cs, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    rsvd_disk_change_tracking_parameters p;
    o->change_tracking_get_parameters(f.set, f.h, &p, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    uint32_t ct;
    o->change_tracking_stop(f.set, f.h, &ct, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    rsvd_disk_convert_args ca = {.destination_vhdset_name = "set.vhds"};
    o->convert_to_vhdset(f.set, f.h, &ca, &out, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(f.a.failed, 0);
    fa_heal(&f.a);
    v2_fini(&f);
}

/* ---- the real-storage backends ----------------------------------------------------------------- */

#ifdef ROBUST_HAVE_ISCSI
static void iscsi_disk_create_fails_with_nomem(void **state)
{
    (void)state;
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_iscsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_iscsi_disk_config);
        cfg.portal = "127.0.0.1:1";
        cfg.target = "iqn.2024-01.org.example:none";
        cfg.chap_user = "user";
        cfg.chap_password = "secret";
        cfg.synchronous = true;
        cfg.timeout_s = 1;
        cfg.mem = &a.mem;
        rsvd_iscsi_disk *d = NULL;
        fa_fail_nth(&a, n);
        int rc = rsvd_iscsi_disk_create(&cfg, &d);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            assert_int_equal(a.live, 0);
            assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_OK);
        }
        assert_int_equal(rsvd_iscsi_disk_destroy(d), RSVD_OK);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0);
}
#endif

#ifdef ROBUST_HAVE_NBD
/* Only the source's own block is librsvd's: its failure is RSVD_E_NOMEM;
 * the connection to a port where nothing listens then fails cleanly. */
static void nbd_block_open_fails_with_nomem(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_nbd_block_config cfg = {.struct_size = sizeof(rsvd_nbd_block_config),
                                 .uri = "nbd://127.0.0.1:1/none",
                                 .mem = &a.mem};
    rsvd_nbd_block *nb = NULL;
    rsvd_backend_diag diag;
    fa_fail_nth(&a, 1);
    assert_int_equal(rsvd_nbd_block_open(&cfg, &nb, &diag), RSVD_E_NOMEM);
    assert_int_equal(a.failed, 1);
    fa_heal(&a);
    assert_int_equal(a.live, 0);
    assert_int_equal(rsvd_nbd_block_open(&cfg, &nb, &diag), RSVD_E_IO);
    assert_int_equal(diag.status, RSVD_STATUS_DEVICE_NOT_READY);
    assert_int_equal(a.live, 0);
}
#endif

/* ---- utilities ---------------------------------------------------------------------------------- */

/* A handle table that cannot grow refuses the add and keeps every handle
 * it has; healthy again, it grows. */
static void handle_table_growth_failure_keeps_the_table(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_handle_table t;
    rsvd_handle_table_init(&t, &a.mem, 1000);
    static int objs[40];
    uint64_t h[40];
    for (int i = 0; i < 16; i++)
        assert_int_equal(rsvd_handle_table_add(&t, &objs[i], &h[i]), RSVD_OK);
    fa_fail_nth(&a, 1);
    assert_int_equal(rsvd_handle_table_add(&t, &objs[16], &h[16]), RSVD_E_NOMEM);
    assert_int_equal(a.failed, 1);
    fa_heal(&a);
    assert_int_equal(t.count, 16);
    for (int i = 0; i < 16; i++)
        assert_ptr_equal(rsvd_handle_table_get(&t, h[i]), &objs[i]);
    for (int i = 16; i < 40; i++)
        assert_int_equal(rsvd_handle_table_add(&t, &objs[i], &h[i]), RSVD_OK);
    for (int i = 0; i < 40; i++)
        assert_ptr_equal(rsvd_handle_table_remove(&t, h[i]), &objs[i]);
    rsvd_handle_table_fini(&t);
    assert_int_equal(a.live, 0);
}

/* A heap that cannot grow refuses the push and keeps its order. */
static void heap_growth_failure_keeps_the_heap(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_heap hp;
    rsvd_heap_init(&hp, &a.mem);
    static rsvd_heap_node nodes[40];
    memset(nodes, 0, sizeof nodes);
    for (int i = 0; i < 16; i++)
        assert_int_equal(rsvd_heap_push(&hp, &nodes[i], (uint64_t)(100 - i)), RSVD_OK);
    fa_fail_nth(&a, 1);
    assert_int_equal(rsvd_heap_push(&hp, &nodes[16], 1), RSVD_E_NOMEM);
    assert_int_equal(a.failed, 1);
    fa_heal(&a);
    assert_false(rsvd_heap_node_queued(&nodes[16]));
    assert_int_equal(hp.len, 16);
    assert_ptr_equal(rsvd_heap_peek(&hp), &nodes[15]);
    for (int i = 16; i < 40; i++)
        assert_int_equal(rsvd_heap_push(&hp, &nodes[i], (uint64_t)(100 - i)), RSVD_OK);
    uint64_t last = 0;
    for (int i = 0; i < 40; i++) {
        rsvd_heap_node *top = rsvd_heap_peek(&hp);
        assert_true(top->key >= last);
        last = top->key;
        rsvd_heap_remove(&hp, top);
    }
    rsvd_heap_fini(&hp);
    assert_int_equal(a.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_store_create_fails_with_nomem),
        cmocka_unit_test(file_store_open_fails_insufficient_resources),
        cmocka_unit_test(file_block_open_fails_with_nomem),
        cmocka_unit_test(scsi_disk_create_fails_with_nomem),
        cmocka_unit_test(scsi_disk_set_and_open_fail_cleanly),
        cmocka_unit_test(scsi_disk_storage_create_fails_with_nomem),
        cmocka_unit_test(version_2_operations_fail_cleanly),
        cmocka_unit_test(version_2_write_path_allocates_nothing),
#ifdef ROBUST_HAVE_ISCSI
        cmocka_unit_test(iscsi_disk_create_fails_with_nomem),
#endif
#ifdef ROBUST_HAVE_NBD
        cmocka_unit_test(nbd_block_open_fails_with_nomem),
#endif
        cmocka_unit_test(handle_table_growth_failure_keeps_the_table),
        cmocka_unit_test(heap_growth_failure_keeps_the_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
