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
