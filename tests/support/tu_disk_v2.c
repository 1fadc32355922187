#define _GNU_SOURCE
#include "tu_disk_v2.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tu_daemon.h"
#include "tu_scsi.h"

#define TU_V2_MIB (1024u * 1024u)

#ifndef TU_SCRATCH_DIR
#define TU_SCRATCH_DIR "."
#endif

static void *open_disk(tu_v2 *t)
{
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "disk.vhdx";
    a.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    a.has_initiator = true;
    a.initiator_id = tu_initiator(1);
    tu_capture cap;
    t->ops->open(t->set, &a, tu_capture_begin(&cap));
    rsvd_io_result r = tu_capture_end(&cap);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    return r.handle;
}

static void create(tu_v2 *t)
{
    if (t->file) {
        rsvd_file_block_config fc = RSVD_STRUCT_INIT(rsvd_file_block_config);
        fc.path = t->img;
        fc.create_size = t->size;
        fc.physical_sector_size = 4096;
        fc.direct_io = RSVD_DIRECT_IO_NEVER;
        rsvd_backend_diag why;
        assert_int_equal(rsvd_file_block_open(&fc, &t->fb, &why), RSVD_OK);
        t->cfg.block = rsvd_file_block_source(t->fb);
    } else {
        t->cfg.block = tu_memblock_source(&t->mb);
    }
    assert_int_equal(rsvd_scsi_disk_create(&t->cfg, &t->disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &t->set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(t->set, "disk.vhdx", t->disk), RSVD_OK);
    t->ops = rsvd_scsi_disk_backend_ops();
    t->h = open_disk(t);
}

void tu_v2_init(tu_v2 *t, bool file, uint64_t size, uint32_t chunk)
{
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "%s/rsvd-v2-XXXXXX", TU_SCRATCH_DIR);
    if (!mkdtemp(t->dir))
        fail_msg("mkdtemp: %s", strerror(errno));
    snprintf(t->img, sizeof t->img, "%s/disk.img", t->dir);
    t->file = file;
    t->size = size;
    if (!file)
        assert_int_equal(tu_memblock_init(&t->mb, size, 512, 4096), 0);
    t->cfg.struct_size = sizeof t->cfg;
    t->cfg.disk_id = tu_disk_id;
    t->cfg.storage_dir = t->dir;
    t->cfg.storage_name = "disk";
    t->cfg.chunk_size = chunk;
    create(t);
}

static void destroy(tu_v2 *t)
{
    if (t->h)
        tu_v2_close(t, t->h);
    t->h = NULL;
    rsvd_scsi_disk_set_destroy(t->set);
    t->set = NULL;
    assert_int_equal(rsvd_scsi_disk_destroy(t->disk), RSVD_OK);
    t->disk = NULL;
    rsvd_file_block_close(t->fb);
    t->fb = NULL;
}

void tu_v2_reopen(tu_v2 *t)
{
    destroy(t);
    create(t);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tu_v2_fini(tu_v2 *t)
{
    destroy(t);
    if (!t->file)
        tu_memblock_fini(&t->mb);
    nftw(t->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

rsvd_guid tu_guid(uint8_t n)
{
    rsvd_guid g;
    memset(g.b, n, sizeof g.b);
    return g;
}

void tu_v2_fill(tu_v2 *t, uint64_t off, uint32_t len, uint8_t byte)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    memset(b, byte, len);
    tu_disk td = {.disk = t->disk, .set = t->set, .ops = t->ops};
    tu_assert_good(tu_smb_write(&td, t->h, off, b, len));
    free(b);
}

void tu_v2_read(tu_v2 *t, void *h, uint64_t off, uint8_t *buf, uint32_t len)
{
    tu_disk td = {.disk = t->disk, .set = t->set, .ops = t->ops};
    tu_assert_good(tu_smb_read(&td, h, off, buf, len));
}

static uint32_t finish(tu_capture *cap)
{
    return tu_capture_end(cap).status;
}

uint32_t tu_v2_snapshot(tu_v2 *t, uint8_t id, uint32_t type, uint32_t flags)
{
    rsvd_disk_snapshot_args a;
    memset(&a, 0, sizeof a);
    a.transaction_id = tu_guid((uint8_t)(id ^ 0x80));
    a.snapshot_id = tu_guid(id);
    a.snapshot_type = type;
    a.flags = flags;
    a.stages[0] = RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE;
    a.now_ms = 1700000000000ull + id;
    rsvd_disk_meta_result out;
    memset(&out, 0, sizeof out);
    tu_capture cap;
    t->ops->create_snapshot(t->set, t->h, &a, &out, tu_capture_begin(&cap));
    uint32_t st = finish(&cap);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    a.flags = 0;
    a.stages[0] = RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO;
    a.stages[1] = RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE;
    a.stages[2] = RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO;
    a.stages[3] = RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE;
    t->ops->create_snapshot(t->set, t->h, &a, &out, tu_capture_begin(&cap));
    st = finish(&cap);
    if (st == RSVD_STATUS_SUCCESS)
        assert_true(out.progress_current == 4 && out.progress_complete == 4);
    return st;
}

rsvd_io_result tu_v2_open_snapshot_result(tu_v2 *t, uint8_t id, uint32_t type)
{
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "disk.vhdx";
    a.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    rsvd_disk_snapshot_target tg = {.snapshot_type = type, .snapshot_id = tu_guid(id)};
    tu_capture cap;
    t->ops->open_snapshot(t->set, &a, &tg, tu_capture_begin(&cap));
    return tu_capture_end(&cap);
}

void *tu_v2_open_snapshot(tu_v2 *t, uint8_t id)
{
    rsvd_io_result r = tu_v2_open_snapshot_result(t, id, RSVD_SVHDX_SNAPSHOT_TYPE_VM);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_non_null(r.handle);
    return r.handle;
}

void tu_v2_close(tu_v2 *t, void *h)
{
    tu_capture cap;
    t->ops->close(t->set, h, false, tu_capture_begin(&cap));
    assert_int_equal(finish(&cap), RSVD_STATUS_SUCCESS);
}

void tu_v2_read_snapshot(tu_v2 *t, uint8_t id, uint8_t *buf, uint64_t len)
{
    void *h = tu_v2_open_snapshot(t, id);
    for (uint64_t off = 0; off < len; off += 65536) {
        uint32_t n = len - off < 65536 ? (uint32_t)(len - off) : 65536u;
        tu_v2_read(t, h, off, buf + off, n);
    }
    tu_v2_close(t, h);
}

uint32_t tu_v2_delete(tu_v2 *t, uint8_t id, uint32_t type, bool persist)
{
    rsvd_disk_delete_snapshot_args a = {.snapshot_id = tu_guid(id), .snapshot_type = type,
                                        .persist_reference = persist};
    tu_capture cap;
    t->ops->delete_snapshot(t->set, t->h, &a, tu_capture_begin(&cap));
    return finish(&cap);
}

uint32_t tu_v2_apply(tu_v2 *t, uint8_t id, uint32_t type)
{
    rsvd_disk_apply_args a = {.transaction_id = tu_guid(0x77), .snapshot_type = type,
                              .snapshot_id = tu_guid(id)};
    rsvd_disk_meta_result out;
    memset(&out, 0, sizeof out);
    tu_capture cap;
    t->ops->apply_snapshot(t->set, t->h, &a, &out, tu_capture_begin(&cap));
    uint32_t st = finish(&cap);
    if (st == RSVD_STATUS_SUCCESS)
        assert_true(out.progress_current == out.progress_complete);
    return st;
}

uint32_t tu_v2_resize(tu_v2 *t, const rsvd_disk_resize_args *a)
{
    rsvd_disk_meta_result out;
    memset(&out, 0, sizeof out);
    tu_capture cap;
    t->ops->resize(t->set, t->h, a, &out, tu_capture_begin(&cap));
    uint32_t st = finish(&cap);
    if (st == RSVD_STATUS_SUCCESS)
        assert_true(out.progress_current == out.progress_complete);
    return st;
}

uint32_t tu_v2_safe_size(tu_v2 *t, uint64_t *safe)
{
    tu_capture cap;
    t->ops->query_safe_size(t->set, t->h, safe, tu_capture_begin(&cap));
    return finish(&cap);
}

uint32_t tu_v2_ct_start(tu_v2 *t, uint8_t log_id, uint64_t max, bool append)
{
    rsvd_disk_change_tracking_start_args a = {.transaction_id = tu_guid(0x55),
                                              .log_file_id = tu_guid(log_id),
                                              .max_log_file_size = max,
                                              .append_data = append};
    tu_capture cap;
    t->ops->change_tracking_start(t->set, t->h, &a, tu_capture_begin(&cap));
    return finish(&cap);
}

uint32_t tu_v2_ct_stop(tu_v2 *t, uint32_t *ct_status)
{
    tu_capture cap;
    t->ops->change_tracking_stop(t->set, t->h, ct_status, tu_capture_begin(&cap));
    return finish(&cap);
}

uint32_t tu_v2_ct_params(tu_v2 *t, rsvd_disk_change_tracking_parameters *p)
{
    tu_capture cap;
    t->ops->change_tracking_get_parameters(t->set, t->h, p, tu_capture_begin(&cap));
    return finish(&cap);
}

uint32_t tu_v2_changes(tu_v2 *t, uint8_t target, uint8_t limit, uint64_t off, uint64_t len,
                       rsvd_disk_changed_range *ranges, uint32_t cap_ranges,
                       rsvd_disk_changes *out)
{
    rsvd_disk_query_changes_args a;
    memset(&a, 0, sizeof a);
    if (target)
        a.target_snapshot_id = tu_guid(target);
    a.limit_snapshot_id = tu_guid(limit);
    a.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
    a.byte_offset = off;
    a.byte_length = len;
    memset(out, 0, sizeof *out);
    out->ranges = ranges;
    out->ranges_cap = cap_ranges;
    tu_capture cap;
    t->ops->query_changes(t->set, t->h, &a, out, tu_capture_begin(&cap));
    return finish(&cap);
}

uint32_t tu_v2_query(tu_v2 *t, uint32_t info_type, uint32_t snap_type, uint8_t id,
                     rsvd_disk_vhdset_info *out)
{
    rsvd_disk_vhdset_query q = {.information_type = info_type, .snapshot_type = snap_type,
                                .snapshot_id = tu_guid(id)};
    tu_capture cap;
    t->ops->query_vhdset(t->set, t->h, &q, out, tu_capture_begin(&cap));
    return finish(&cap);
}

uint32_t tu_v2_extract(tu_v2 *t, uint8_t id, const char *name, uint32_t flags)
{
    rsvd_disk_extract_args a;
    memset(&a, 0, sizeof a);
    a.transaction_id = tu_guid(0x66);
    a.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
    a.flags = flags;
    a.source_snapshot_id = tu_guid(id);
    a.destination_file_name = name;
    rsvd_disk_meta_result out;
    memset(&out, 0, sizeof out);
    tu_capture cap;
    t->ops->extract(t->set, t->h, &a, &out, tu_capture_begin(&cap));
    uint32_t st = finish(&cap);
    if (st == RSVD_STATUS_SUCCESS)
        assert_true(out.progress_current == out.progress_complete && out.progress_complete > 0);
    return st;
}

uint32_t tu_v2_convert(tu_v2 *t, const char *name)
{
    rsvd_disk_convert_args a = {.transaction_id = tu_guid(0x44), .destination_vhdset_name = name};
    rsvd_disk_meta_result out;
    memset(&out, 0, sizeof out);
    tu_capture cap;
    t->ops->convert_to_vhdset(t->set, t->h, &a, &out, tu_capture_begin(&cap));
    return finish(&cap);
}

uint32_t tu_v2_optimize(tu_v2 *t)
{
    rsvd_guid tx = tu_guid(0x33);
    rsvd_disk_meta_result out;
    memset(&out, 0, sizeof out);
    tu_capture cap;
    t->ops->optimize(t->set, t->h, &tx, &out, tu_capture_begin(&cap));
    return finish(&cap);
}

long long tu_v2_file_size(const tu_v2 *t, const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", t->dir, name);
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* ---- an extracted VHDX checked by qemu-img, or read back by the format ---- */

static void write_raw(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Runs qemu-img; its output goes to dir/qemu-img.log, shown on failure. */
static int run_qemu_img(const tu_v2 *t, const char *const *argv, int ok)
{
    char log[1024];
    snprintf(log, sizeof log, "%s/qemu-img.log", t->dir);
    (void)remove(log);
    int st = tu_run(argv, log);
    if (st != ok)
        tu_dump_file(log);
    return st;
}

int tu_v2_qemu_compare(const tu_v2 *t, const char *qemu_img, const char *vhdx,
                       const uint8_t *want, size_t n, int expect)
{
    char img[1024], raw[1024];
    snprintf(img, sizeof img, "%s/%s", t->dir, vhdx);
    snprintf(raw, sizeof raw, "%s/want.raw", t->dir);
    write_raw(raw, want, n);
    const char *check[] = {qemu_img, "check", "-f", "vhdx", img, NULL};
    if (run_qemu_img(t, check, 0) != 0)
        fail_msg("qemu-img check %s failed", img);
    const char *cmp[] = {qemu_img, "compare", "-f", "raw", "-F", "vhdx", raw, img, NULL};
    return run_qemu_img(t, cmp, expect);
}

static uint32_t crc32c_sw(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return ~c;
}

/* A checksummed structure: CRC-32C with its Checksum field (at @p at) zero. */
static void expect_checksum(const uint8_t *p, size_t n, size_t at)
{
    uint8_t *copy = malloc(n);
    assert_non_null(copy);
    memcpy(copy, p, n);
    uint32_t want = (uint32_t)copy[at] | (uint32_t)copy[at + 1] << 8 |
                    (uint32_t)copy[at + 2] << 16 | (uint32_t)copy[at + 3] << 24;
    memset(copy + at, 0, 4);
    assert_int_equal(crc32c_sw(copy, n), want);
    free(copy);
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void tu_v2_vhdx_read_back(const tu_v2 *t, const char *name, uint32_t lbs, const uint8_t *want,
                          uint64_t size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", t->dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    long long fsize = tu_v2_file_size(t, name);
    uint8_t *img = malloc((size_t)fsize);
    assert_non_null(img);
    assert_int_equal(fread(img, 1, (size_t)fsize, f), (size_t)fsize);
    fclose(f);
    assert_memory_equal(img, "vhdxfile", 8);
    for (int h = 1; h <= 2; h++) {
        const uint8_t *hd = img + h * 65536;
        assert_memory_equal(hd, "head", 4);
        expect_checksum(hd, 4096, 4);
        assert_true(le(hd + 8, 8) == (uint64_t)h);   /* SequenceNumber */
        assert_true(le(hd + 66, 2) == 1);            /* Version */
        assert_true(le(hd + 68, 4) == TU_V2_MIB && le(hd + 72, 8) == TU_V2_MIB); /* the log */
    }
    const uint8_t *rt = img + 3 * 65536;
    assert_memory_equal(rt, "regi", 4);
    expect_checksum(rt, 65536, 4);
    assert_memory_equal(rt, img + 4 * 65536, 65536); /* both tables alike */
    assert_true(le(rt + 8, 4) == 2);
    uint64_t bat_off = le(rt + 16 + 16, 8), meta_off = le(rt + 48 + 16, 8);
    uint8_t *md = img + meta_off;
    assert_memory_equal(md, "metadata", 8);
    assert_true(le(md + 10, 2) == 5);
    uint32_t block = 0;
    uint64_t vsize = 0;
    for (int i = 0; i < 5; i++) {
        const uint8_t *e = md + 32 + 32 * i;
        const uint8_t *item = md + le(e + 16, 4);
        uint32_t id = (uint32_t)le(e, 4);
        if (id == 0xCAA16737u) {
            block = (uint32_t)le(item, 4);
            assert_true(le(item + 4, 4) == 0); /* no parent, dynamic */
        } else if (id == 0x2FA54224u) {
            vsize = le(item, 8);
        } else if (id == 0xBECA12ABu) {
            assert_memory_equal(item, tu_disk_id.b, 16);
        } else if (id == 0x8141BF1Du) {
            assert_true(le(item, 4) == lbs);
        } else {
            assert_true(id == 0xCDA348C7u && le(item, 4) == 4096);
        }
    }
    assert_true(block == TU_V2_MIB && vsize == size);
    uint64_t ratio = ((uint64_t)1 << 23) * lbs / block;
    uint8_t *got = calloc(1, size);
    assert_non_null(got);
    for (uint64_t b = 0; b * block < size; b++) {
        uint64_t e = le(img + bat_off + (b + b / ratio) * 8, 8);
        uint64_t n = size - b * block < block ? size - b * block : block;
        if ((e & 7) == 6)
            memcpy(got + b * block, img + (e >> 20) * TU_V2_MIB, n);
        else
            assert_true(e == 2); /* PAYLOAD_BLOCK_ZERO, offset field zero */
    }
    assert_memory_equal(got, want, size);
    free(got);
    free(img);
}
