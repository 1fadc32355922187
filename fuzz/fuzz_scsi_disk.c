/*
 * Fuzz harness: the built-in virtual SCSI disk (rsvd/scsi_disk.h) driven by
 * a sequence of commands from four opens (one without an initiator, three
 * initiators), over a 64 KiB disk in memory with room for 2 registrants.
 *
 * Input: records, read until one is cut short.
 *   op:u8          bits 1-0: 0 = the open without initiator, 1-3 = A, B, C
 *                  bits 3-2: kind
 *   kind 0 EXECUTE  cdb_len:u8, cdb:min(cdb_len, 16) bytes,
 *                   out_len:u16le, out:out_len bytes, in_cap:u16le
 *   kind 1 READ     offset:u32le, len:u16le          (SMB2 READ on the disk)
 *   kind 2 WRITE    offset:u32le, len:u16le, data    (SMB2 WRITE on the disk)
 *   kind 3 CONTROL  what:u8: 0 capacity changed, 1 reopen this initiator,
 *                   2 fail:u8 - the block source fails from now on: fail%6 =
 *                   0 never, 1 reads (I/O error), 2 writes (I/O error),
 *                   3 writes (disk full), 4 flushes, 5 its info query;
 *                   the version-2 operations (the disk has a storage
 *                   directory; snapshot ids 1-4):
 *                   3 id:u8 flags:u8 - take snapshot id (flags bit 0:
 *                     with change tracking)
 *                   4 id:u8 persist:u8 - delete it
 *                   5 id:u8 - apply it
 *                   6 sectors:u8 - resize to (1 + sectors) * 512 bytes
 *                   7 id:u8 - read snapshot id through an open of it
 *                   8 - start change tracking, or stop it when started
 *                   9 - close every handle and the disk, create it again
 *                     from its files, open the handles again
 *                   10 - optimize
 *                   11 id:u8 - the changes from snapshot id to now
 *
 * Checked after every call: completed exactly once; the outcome is one the
 * disk documents (a failing block source included: CHECK CONDITION with
 * MEDIUM ERROR or DATA PROTECT sense) (status SUCCESS with GOOD, CHECK CONDITION and valid sense,
 * or RESERVATION CONFLICT; or a unit attention status with UNIT ATTENTION
 * sense); no more data than the buffer; the reservation state in bounds.
 * While the block source has not been made to fail, a model of the data
 * is kept (SMB2 and SCSI writes, snapshots, applies, resizes): every read
 * of the disk and of a snapshot returns the model's bytes, and the changes
 * from a tracked snapshot to now are exactly the model's changed sectors
 * (writes, what a resize adds or cuts, the chunks an apply changes).
 */
#define _GNU_SOURCE
#include "backends/scsi_disk_int.h"

#include <rsvd/block.h>
#include <rsvd/file_store.h>
#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "fuzz_common.h"
#include "fuzz_scratch.h"
#include "util/completion.h"

#define DISK_BYTES 65536u
#define DISK_MAX (2u * DISK_BYTES) /* what resizes can reach */
#define MAX_REGISTRANTS 2u
#define CHUNK 4096u
#define SNAPS 4

/* ---- memory block source ---- */

static uint8_t disk_data[DISK_MAX];
static uint64_t disk_size = DISK_BYTES;
/* The largest size of this input: what the next one clears (static
 * storage starts zero: nothing to clear before the first). */
static uint64_t disk_reached;
/* What the block source fails (CONTROL 2). */
enum { FAIL_NONE, FAIL_READ, FAIL_WRITE, FAIL_WRITE_FULL, FAIL_FLUSH, FAIL_INFO, FAIL_KINDS };
static int block_fail;

static uint32_t mem_read(void *ctx, uint64_t off, uint8_t *buf, size_t len)
{
    (void)ctx;
    FUZZ_CHECK(off <= disk_size && len <= disk_size - off);
    if (block_fail == FAIL_READ)
        return RSVD_STATUS_IO_DEVICE_ERROR;
    memcpy(buf, disk_data + off, len);
    return 0;
}

static uint32_t mem_write(void *ctx, uint64_t off, const uint8_t *data, size_t len)
{
    (void)ctx;
    FUZZ_CHECK(off <= disk_size && len <= disk_size - off);
    if (block_fail == FAIL_WRITE)
        return RSVD_STATUS_IO_DEVICE_ERROR;
    if (block_fail == FAIL_WRITE_FULL)
        return RSVD_STATUS_DISK_FULL;
    memcpy(disk_data + off, data, len);
    return 0;
}

static uint32_t mem_flush(void *ctx)
{
    (void)ctx;
    return block_fail == FAIL_FLUSH ? RSVD_STATUS_IO_DEVICE_ERROR : 0;
}

static uint32_t mem_info(void *ctx, rsvd_block_info *out)
{
    (void)ctx;
    if (block_fail == FAIL_INFO)
        return RSVD_STATUS_DEVICE_NOT_READY;
    out->size = disk_size;
    out->logical_sector_size = 512;
    out->physical_sector_size = 4096;
    out->file_size = disk_size;
    out->write_cache = true;
    return 0;
}

static uint32_t mem_resize(void *ctx, uint64_t size)
{
    (void)ctx;
    FUZZ_CHECK(size % 512 == 0);
    if (block_fail == FAIL_WRITE || block_fail == FAIL_WRITE_FULL)
        return RSVD_STATUS_DISK_FULL;
    if (size > DISK_MAX)
        return RSVD_STATUS_DISK_FULL;
    if (size > disk_size)
        memset(disk_data + disk_size, 0, (size_t)(size - disk_size));
    disk_size = size;
    if (size > disk_reached)
        disk_reached = size;
    return 0;
}

static const rsvd_block_ops mem_ops = {.struct_size = sizeof(rsvd_block_ops),
                                       .read = mem_read,
                                       .write = mem_write,
                                       .flush = mem_flush,
                                       .info = mem_info,
                                       .resize = mem_resize};

/* ---- the model of the data (while the block source works) ---- */

typedef struct msnap {
    bool exists, data, tracked;
    uint64_t size;
    uint8_t bytes[DISK_MAX];
    uint8_t changed[DISK_MAX / 512]; /* sectors changed since it was taken */
} msnap;

static bool model_on;
static uint8_t live[DISK_MAX];
static uint64_t live_size;
static msnap snaps[SNAPS + 1];
/* What this input used of the model, cleared before the next one (a run
 * clears what it touched, not the whole model). */
static uint64_t live_reached;
static bool snap_used[SNAPS + 1];

/* A change of [off, off + len): every tracked snapshot sees it. */
static void model_changed(uint64_t off, uint64_t len)
{
    for (int i = 1; i <= SNAPS; i++)
        if (snaps[i].exists && snaps[i].tracked)
            for (uint64_t s = off / 512; s < (off + len) / 512 && s < DISK_MAX / 512; s++)
                snaps[i].changed[s] = 1;
}

static void model_write(uint64_t off, const uint8_t *data, uint64_t len)
{
    memcpy(live + off, data, (size_t)len);
    model_changed(off, len);
}

static void model_resize(uint64_t size)
{
    if (size > live_size)
        memset(live + live_size, 0, (size_t)(size - live_size));
    if (size != live_size)
        model_changed(size < live_size ? size : live_size,
                      size < live_size ? live_size - size : size - live_size);
    live_size = size;
    if (size > live_reached)
        live_reached = size;
}

static void model_check_read(uint64_t off, const uint8_t *buf, uint64_t len)
{
    if (model_on)
        FUZZ_CHECK(off + len <= live_size && memcmp(live + off, buf, (size_t)len) == 0);
}

/* ---- completion capture ---- */

typedef struct capture {
    rsvd_completion_sink sink;
    uint64_t tag;
    unsigned count;
    rsvd_io_result r;
} capture;

static int capture_complete(rsvd_completion_sink *self, uint64_t tag, const rsvd_io_result *r)
{
    capture *c = (capture *)self;
    if (tag != c->tag)
        return RSVD_E_STATE;
    c->count++;
    c->r = *r;
    return RSVD_OK;
}

static rsvd_completion begin(capture *c)
{
    c->tag++;
    c->count = 0;
    c->sink.complete = capture_complete;
    return rsvd_completion_make(&c->sink, c->tag);
}

static uint32_t end(const capture *c)
{
    FUZZ_CHECK(c->count == 1);
    return c->r.status;
}

/* ---- checks ---- */

static void check_outcome(const capture *c, uint32_t data_cap)
{
    FUZZ_CHECK(c->count == 1);
    const rsvd_io_result *r = &c->r;
    FUZZ_CHECK(r->scsi.sense_len <= sizeof r->scsi.sense);
    rsvd_scsi_sense s;
    if (r->status == RSVD_STATUS_SUCCESS) {
        switch (r->scsi.scsi_status) {
        case RSVD_SCSI_STATUS_GOOD:
            FUZZ_CHECK(r->scsi.srb_status == RSVD_SRB_STATUS_SUCCESS);
            FUZZ_CHECK(r->bytes <= data_cap);
            break;
        case RSVD_SCSI_STATUS_CHECK_CONDITION:
            FUZZ_CHECK(r->scsi.srb_status == RSVD_SRB_STATUS_ERROR);
            FUZZ_CHECK(r->scsi.sense_auto_generated);
            FUZZ_CHECK(rsvd_scsi_sense_decode(r->scsi.sense, r->scsi.sense_len, &s) == RSVD_OK);
            FUZZ_CHECK(s.key != RSVD_SCSI_SENSE_UNIT_ATTENTION);
            FUZZ_CHECK(r->bytes == 0);
            break;
        case RSVD_SCSI_STATUS_RESERVATION_CONFLICT:
            FUZZ_CHECK(r->scsi.sense_len == 0);
            FUZZ_CHECK(r->bytes == 0);
            break;
        default:
            fprintf(stderr, "unexpected SCSI status 0x%02X\n", r->scsi.scsi_status);
            abort();
        }
        return;
    }
    FUZZ_CHECK(r->status >= RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE &&
               r->status <= RSVD_STATUS_SVHDX_UNIT_ATTENTION_OPERATING_DEFINITION_CHANGED);
    FUZZ_CHECK(rsvd_scsi_sense_decode(r->scsi.sense, r->scsi.sense_len, &s) == RSVD_OK);
    FUZZ_CHECK(s.key == RSVD_SCSI_SENSE_UNIT_ATTENTION);
    FUZZ_CHECK(rsvd_scsi_ua_status(s.asc, s.ascq) == r->status);
}

static bool good(const capture *c)
{
    return c->r.status == RSVD_STATUS_SUCCESS && c->r.scsi.scsi_status == RSVD_SCSI_STATUS_GOOD;
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* READ/WRITE(10) and (16) that succeeded: the model reads or changes. */
static void model_scsi(const rsvd_scsi_cmd *cmd, const capture *c)
{
    if (!model_on || !good(c) || cmd->cdb_len < 10)
        return;
    uint8_t op = cmd->cdb[0];
    uint64_t lba, n;
    if (op == RSVD_SCSI_OP_READ10 || op == RSVD_SCSI_OP_WRITE10) {
        lba = be(cmd->cdb + 2, 4);
        n = be(cmd->cdb + 7, 2);
    } else if ((op == RSVD_SCSI_OP_READ16 || op == RSVD_SCSI_OP_WRITE16) && cmd->cdb_len >= 16) {
        lba = be(cmd->cdb + 2, 8);
        n = be(cmd->cdb + 10, 4);
    } else {
        return;
    }
    if (op == RSVD_SCSI_OP_WRITE10 || op == RSVD_SCSI_OP_WRITE16) {
        if (n)
            model_write(lba * 512, cmd->data_out, n * 512);
    } else {
        model_check_read(lba * 512, cmd->data_in, n * 512);
    }
}

/* ---- the disk ---- */

typedef struct fz {
    rsvd_scsi_disk_config cfg;
    rsvd_scsi_disk *disk;
    rsvd_scsi_disk_set *set;
    const rsvd_scsi_disk_ops *ops;
    void *h[4];
    capture c;
    bool ct_started;
} fz;

static void *open_handle(fz *f, int who)
{
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "fuzz.vhdx";
    a.has_initiator = who != 0;
    a.initiator_id.b[0] = (uint8_t)who;
    f->ops->open(f->set, &a, begin(&f->c));
    FUZZ_CHECK(end(&f->c) == RSVD_STATUS_SUCCESS && f->c.r.handle);
    return f->c.r.handle;
}

/* The storage's files without fdatasync: durability is not what is fuzzed,
 * and a flush per metadata write would slow every input down. */
static int no_sync(int fd)
{
    (void)fd;
    return 0;
}

static const rsvd_posix_sys *fast_sys(void)
{
    static rsvd_posix_sys s;
    s = *rsvd_posix_sys_default();
    s.fdatasync = no_sync;
    return &s;
}

static void disk_up(fz *f)
{
    FUZZ_CHECK(rsvd_scsi_disk_create_sys(&f->cfg, fast_sys(), &f->disk) == RSVD_OK);
    FUZZ_CHECK(rsvd_scsi_disk_set_create(NULL, &f->set) == RSVD_OK);
    FUZZ_CHECK(rsvd_scsi_disk_set_add(f->set, NULL, f->disk) == RSVD_OK);
    f->ops = rsvd_scsi_disk_backend_ops();
    for (int i = 0; i < 4; i++)
        f->h[i] = open_handle(f, i);
}

static void disk_down(fz *f)
{
    for (int i = 0; i < 4; i++) {
        f->ops->close(f->set, f->h[i], false, begin(&f->c));
        FUZZ_CHECK(end(&f->c) == RSVD_STATUS_SUCCESS);
    }
    rsvd_scsi_disk_set_destroy(f->set);
    FUZZ_CHECK(rsvd_scsi_disk_destroy(f->disk) == RSVD_OK);
}

static rsvd_guid guid(uint8_t n)
{
    rsvd_guid g;
    memset(g.b, n, sizeof g.b);
    return g;
}

/* CONTROL 3: the two calls a VM snapshot takes. */
static void v2_snapshot(fz *f, void *h, uint8_t id, bool tracked)
{
    rsvd_disk_snapshot_args a;
    memset(&a, 0, sizeof a);
    a.transaction_id = guid((uint8_t)(0x80 | id));
    a.snapshot_id = guid(id);
    a.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
    a.flags = tracked ? RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING : 0;
    a.stages[0] = RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE;
    rsvd_disk_meta_result out;
    f->ops->create_snapshot(f->set, h, &a, &out, begin(&f->c));
    uint32_t st = end(&f->c);
    if (st != RSVD_STATUS_SUCCESS) {
        FUZZ_CHECK(!model_on || snaps[id].exists); /* only a taken id is refused */
        return;
    }
    a.flags = 0;
    a.stages[0] = RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO;
    a.stages[1] = RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE;
    a.stages[2] = RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO;
    a.stages[3] = RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE;
    f->ops->create_snapshot(f->set, h, &a, &out, begin(&f->c));
    FUZZ_CHECK(end(&f->c) == RSVD_STATUS_SUCCESS);
    msnap *m = &snaps[id];
    snap_used[id] = true;
    m->exists = m->data = true;
    m->tracked = tracked;
    m->size = live_size;
    memcpy(m->bytes, live, (size_t)live_size);
    memset(m->changed, 0, sizeof m->changed);
}

static void v2_delete(fz *f, void *h, uint8_t id, bool persist)
{
    rsvd_disk_delete_snapshot_args a = {.snapshot_id = guid(id),
                                        .snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                        .persist_reference = persist};
    f->ops->delete_snapshot(f->set, h, &a, begin(&f->c));
    uint32_t st = end(&f->c);
    if (model_on)
        FUZZ_CHECK((st == RSVD_STATUS_SUCCESS) == snaps[id].exists);
    if (st != RSVD_STATUS_SUCCESS)
        return;
    if (persist)
        snaps[id].data = false;
    else
        memset(&snaps[id], 0, sizeof snaps[id]);
}

/* CONTROL 5: the disk takes the snapshot's size and content; the chunks
 * whose content changes are changes. */
static void v2_apply(fz *f, void *h, uint8_t id)
{
    rsvd_disk_apply_args a = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                              .snapshot_id = guid(id)};
    rsvd_disk_meta_result out;
    f->ops->apply_snapshot(f->set, h, &a, &out, begin(&f->c));
    uint32_t st = end(&f->c);
    if (!model_on)
        return;
    msnap *m = &snaps[id];
    FUZZ_CHECK((st == RSVD_STATUS_SUCCESS) == (m->exists && m->data));
    if (st != RSVD_STATUS_SUCCESS)
        return;
    FUZZ_CHECK(out.progress_current == out.progress_complete);
    model_resize(m->size);
    for (uint64_t off = 0; off < m->size; off += CHUNK) {
        uint64_t n = m->size - off < CHUNK ? m->size - off : CHUNK;
        if (memcmp(live + off, m->bytes + off, (size_t)n) != 0)
            model_write(off, m->bytes + off, n);
    }
}

static void v2_resize(fz *f, void *h, uint8_t sectors)
{
    rsvd_disk_resize_args a = {.new_size = (1u + sectors) * 512u,
                               .allow_unsafe_virtual_size = true};
    rsvd_disk_meta_result out;
    f->ops->resize(f->set, h, &a, &out, begin(&f->c));
    uint32_t st = end(&f->c);
    if (st == RSVD_STATUS_SUCCESS)
        model_resize(a.new_size);
    else
        FUZZ_CHECK(!model_on);
}

/* CONTROL 7: an open of the snapshot reads what the model kept. */
static void v2_check_snapshot(fz *f, uint8_t id)
{
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "fuzz.vhdx";
    rsvd_disk_snapshot_target t = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                   .snapshot_id = guid(id)};
    f->ops->open_snapshot(f->set, &a, &t, begin(&f->c));
    uint32_t st = end(&f->c);
    if (model_on)
        FUZZ_CHECK((st == RSVD_STATUS_SUCCESS) == (snaps[id].exists && snaps[id].data));
    if (st != RSVD_STATUS_SUCCESS)
        return;
    void *v = f->c.r.handle;
    static uint8_t buf[DISK_MAX];
    for (uint64_t off = 0; model_on && off < snaps[id].size; off += 8192) {
        uint64_t n = snaps[id].size - off < 8192 ? snaps[id].size - off : 8192;
        f->ops->read(f->set, v, off, buf, (uint32_t)n, begin(&f->c));
        FUZZ_CHECK(end(&f->c) == RSVD_STATUS_SUCCESS && good(&f->c));
        FUZZ_CHECK(memcmp(buf, snaps[id].bytes + off, (size_t)n) == 0);
    }
    f->ops->close(f->set, v, false, begin(&f->c));
    FUZZ_CHECK(end(&f->c) == RSVD_STATUS_SUCCESS);
}

/* CONTROL 11: the changes from snapshot id to now are the model's. */
static void v2_changes(fz *f, void *h, uint8_t id)
{
    static rsvd_disk_changed_range r[DISK_MAX / 512];
    rsvd_disk_changes out = {.ranges = r, .ranges_cap = DISK_MAX / 512};
    rsvd_disk_query_changes_args a = {.limit_snapshot_id = guid(id),
                                      .snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                      .byte_length = DISK_MAX};
    f->ops->query_changes(f->set, h, &a, &out, begin(&f->c));
    uint32_t st = end(&f->c);
    if (!model_on)
        return;
    msnap *m = &snaps[id];
    FUZZ_CHECK((st == RSVD_STATUS_SUCCESS) == (m->exists && m->tracked));
    if (st != RSVD_STATUS_SUCCESS)
        return;
    FUZZ_CHECK(out.processed_byte_length == DISK_MAX);
    uint32_t k = 0;
    for (uint64_t s = 0; s < DISK_MAX / 512;) {
        if (!m->changed[s]) {
            s++;
            continue;
        }
        uint64_t e = s;
        while (e < DISK_MAX / 512 && m->changed[e])
            e++;
        FUZZ_CHECK(k < out.range_count && r[k].byte_offset == s * 512 &&
                   r[k].byte_length == (e - s) * 512);
        k++;
        s = e;
    }
    FUZZ_CHECK(k == out.range_count);
}

static void v2_control(fz *f, int who, uint8_t what, rsvd_rd *rd)
{
    void *h = f->h[who];
    uint8_t a = what == 8 || what == 9 || what == 10 ? 0 : rsvd_rd_u8(rd);
    uint8_t b = what == 3 || what == 4 ? rsvd_rd_u8(rd) : 0;
    if (!rsvd_rd_ok(rd))
        return;
    uint8_t id = (uint8_t)(1 + a % SNAPS);
    switch (what) {
    case 3:
        v2_snapshot(f, h, id, b & 1);
        break;
    case 4:
        v2_delete(f, h, id, b & 1);
        break;
    case 5:
        v2_apply(f, h, id);
        break;
    case 6:
        v2_resize(f, h, a);
        break;
    case 7:
        v2_check_snapshot(f, id);
        break;
    case 8: {
        uint32_t st, ct;
        if (f->ct_started) {
            f->ops->change_tracking_stop(f->set, h, &ct, begin(&f->c));
            st = end(&f->c);
        } else {
            rsvd_disk_change_tracking_start_args s = {.log_file_id = guid(0x55)};
            f->ops->change_tracking_start(f->set, h, &s, begin(&f->c));
            st = end(&f->c);
        }
        FUZZ_CHECK(st == RSVD_STATUS_SUCCESS);
        f->ct_started = !f->ct_started;
        break;
    }
    case 9:
        disk_down(f);
        disk_up(f);
        break;
    case 10: {
        rsvd_guid tx = guid(0x10);
        rsvd_disk_meta_result out;
        f->ops->optimize(f->set, h, &tx, &out, begin(&f->c));
        FUZZ_CHECK(end(&f->c) == RSVD_STATUS_SUCCESS);
        break;
    }
    default:
        v2_changes(f, h, id);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t in_buf[65536];
    memset(disk_data, 0, (size_t)disk_reached);
    disk_size = disk_reached = DISK_BYTES;
    block_fail = FAIL_NONE;
    model_on = true;
    memset(live, 0, (size_t)live_reached);
    live_size = live_reached = DISK_BYTES;
    for (int i = 0; i <= SNAPS; i++)
        if (snap_used[i]) {
            memset(&snaps[i], 0, sizeof snaps[i]);
            snap_used[i] = false;
        }
    const char *dir = fuzz_scratch_fresh("rsvd-fuzz-disk");

    static fz f;
    memset(&f, 0, sizeof f);
    f.cfg.struct_size = sizeof f.cfg;
    f.cfg.block.ops = &mem_ops;
    f.cfg.max_registrants = MAX_REGISTRANTS;
    f.cfg.max_initiators = 3;
    f.cfg.storage_dir = dir;
    f.cfg.storage_name = "fuzz";
    f.cfg.chunk_size = CHUNK;
    disk_up(&f);

    rsvd_rd rd;
    rsvd_rd_init(&rd, data, size);
    for (int guard = 0; guard < 4096; guard++) {
        uint8_t op = rsvd_rd_u8(&rd);
        if (!rsvd_rd_ok(&rd))
            break;
        int who = op & 3;
        int kind = (op >> 2) & 3;
        if (kind == 0) {
            rsvd_scsi_cmd cmd;
            memset(&cmd, 0, sizeof cmd);
            uint8_t cdb_len = rsvd_rd_u8(&rd);
            rsvd_rd_copy(&rd, cmd.cdb, cdb_len < 16 ? cdb_len : 16);
            uint16_t out_len = rsvd_rd_u16(&rd);
            cmd.data_out = rsvd_rd_take(&rd, out_len);
            uint16_t in_cap = rsvd_rd_u16(&rd);
            if (!rsvd_rd_ok(&rd))
                break;
            cmd.cdb_len = cdb_len;
            cmd.data_out_len = out_len;
            cmd.data_in = in_buf;
            cmd.data_in_cap = in_cap;
            f.ops->execute(f.set, f.h[who], &cmd, begin(&f.c));
            check_outcome(&f.c, in_cap);
            model_scsi(&cmd, &f.c);
        } else if (kind == 1 || kind == 2) {
            uint32_t off = rsvd_rd_u32(&rd);
            uint16_t len = rsvd_rd_u16(&rd);
            const uint8_t *wdata = kind == 2 ? rsvd_rd_take(&rd, len) : NULL;
            if (!rsvd_rd_ok(&rd))
                break;
            if (kind == 1)
                f.ops->read(f.set, f.h[who], off, in_buf, len, begin(&f.c));
            else
                f.ops->write(f.set, f.h[who], off, wdata ? wdata : in_buf, len, begin(&f.c));
            check_outcome(&f.c, len);
            if (good(&f.c) && len && kind == 1)
                model_check_read(off, in_buf, len);
            else if (good(&f.c) && len && model_on)
                model_write(off, wdata, len);
        } else {
            uint8_t what = rsvd_rd_u8(&rd);
            if (!rsvd_rd_ok(&rd))
                break;
            if (what == 0) {
                int rc = rsvd_scsi_disk_capacity_changed(f.disk);
                FUZZ_CHECK(rc == (block_fail == FAIL_INFO ? RSVD_E_IO : RSVD_OK));
            } else if (what == 2) {
                block_fail = rsvd_rd_u8(&rd) % FAIL_KINDS;
                if (block_fail != FAIL_NONE)
                    model_on = false; /* partial failures are not modelled */
            } else if (what == 1) {
                f.ops->close(f.set, f.h[who], false, begin(&f.c));
                FUZZ_CHECK(end(&f.c) == RSVD_STATUS_SUCCESS);
                f.h[who] = open_handle(&f, who);
            } else if (what <= 11 && !(what == 9 && block_fail == FAIL_INFO)) {
                v2_control(&f, who, what, &rd);
            }
        }
        rsvd_scsi_disk_pr_state st;
        rsvd_scsi_disk_pr_state_get(f.disk, &st);
        FUZZ_CHECK(st.registrants <= MAX_REGISTRANTS);
        FUZZ_CHECK(!st.reserved || rsvd_scsi_pr_type_valid(st.type));
        FUZZ_CHECK(!st.reserved || st.registrants > 0);
    }
    disk_down(&f);
    return 0;
}
