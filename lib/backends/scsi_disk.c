/*
 * The built-in virtual SCSI disk (rsvd/scsi_disk.h): the disk and its
 * initiators, handles, the disk set, the backend table, command dispatch and
 * unit attentions. Commands live in scsi_disk_cmds.c and scsi_disk_pr.c,
 * the version-2 operations in scsi_disk_store.c and the files it lists.
 */
#include "backends/scsi_disk_int.h"

#include <string.h>

#include <rsvd/block.h>
#include <rsvd/fscc.h>
#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>

#include "util/mem.h"
#include "util/versioned.h"
#include "wire/fscc_info.h"

#define SD_HANDLE_MAGIC 0x52534453u /* "RSDS" */

/* ------------------------------------------------------------------------ */
/* Outcomes                                                                  */
/* ------------------------------------------------------------------------ */

void sd_good(sd_cmd *x, uint32_t bytes)
{
    x->r->status = RSVD_STATUS_SUCCESS;
    x->r->bytes = bytes;
    rsvd_scsi_result_set(&x->r->scsi, RSVD_SCSI_STATUS_GOOD, NULL, 0);
}

void sd_check(sd_cmd *x, uint8_t key, uint16_t ascq)
{
    x->r->status = RSVD_STATUS_SUCCESS;
    x->r->bytes = 0;
    rsvd_scsi_result_check_condition(&x->r->scsi, key, (uint8_t)(ascq >> 8), (uint8_t)ascq);
}

void sd_illegal(sd_cmd *x, uint16_t ascq)
{
    sd_check(x, RSVD_SCSI_SENSE_ILLEGAL_REQUEST, ascq);
}

/* [SPC-3] 5.6.1: RESERVATION CONFLICT status, no sense data. */
void sd_conflict(sd_cmd *x)
{
    x->r->status = RSVD_STATUS_SUCCESS;
    x->r->bytes = 0;
    rsvd_scsi_result_set(&x->r->scsi, RSVD_SCSI_STATUS_RESERVATION_CONFLICT, NULL, 0);
}

void sd_data_in(sd_cmd *x, size_t len, uint32_t alloc_len)
{
    size_t n = len;
    if (n > alloc_len)
        n = alloc_len; /* [SPC-3] 4.3.4.6: the allocation length cuts the data */
    if (!x->cmd->data_in || n > x->cmd->data_in_cap)
        n = x->cmd->data_in ? x->cmd->data_in_cap : 0;
    if (n)
        memcpy(x->cmd->data_in, x->d->scratch, n);
    sd_good(x, (uint32_t)n);
}

/* ------------------------------------------------------------------------ */
/* Unit attentions ([SAM-4] unit attention conditions)                       */
/* ------------------------------------------------------------------------ */

void sd_ua_add(sd_nexus *nx, uint16_t ascq)
{
    if (!nx || !nx->in_use)
        return;
    for (uint8_t i = 0; i < nx->ua_count; i++)
        if (nx->ua[i] == ascq)
            return; /* already pending: reported once */
    if (nx->ua_count < SD_UA_MAX)
        nx->ua[nx->ua_count++] = ascq;
}

bool sd_ua_pop(sd_nexus *nx, uint16_t *ascq)
{
    if (!nx || nx->ua_count == 0)
        return false;
    *ascq = nx->ua[0];
    nx->ua_count--;
    memmove(nx->ua, nx->ua + 1, nx->ua_count * sizeof nx->ua[0]);
    return true;
}

/* Reports the oldest pending unit attention instead of executing, with the
 * MS-RSVD 2.2.3 status for it ([MS-RSVD] 3.2.5.5.5 step 5). */
static bool sd_report_ua(sd_cmd *x)
{
    uint16_t ascq;
    if (!sd_ua_pop(x->nx, &ascq))
        return false;
    sd_check(x, RSVD_SCSI_SENSE_UNIT_ATTENTION, ascq);
    x->r->status = rsvd_scsi_ua_status((uint8_t)(ascq >> 8), (uint8_t)ascq);
    return true;
}

/* ------------------------------------------------------------------------ */
/* Initiators                                                                */
/* ------------------------------------------------------------------------ */

/* Forgets an initiator nothing refers to any more. */
static void sd_nexus_maybe_free(sd_nexus *nx)
{
    if (nx && nx->opens == 0 && !nx->registered && nx->ua_count == 0)
        memset(nx, 0, sizeof *nx);
}

static sd_nexus *sd_nexus_get(rsvd_scsi_disk *d, const rsvd_guid *id)
{
    sd_nexus *free_slot = NULL, *idle = NULL;
    for (uint32_t i = 0; i < d->max_nexus; i++) {
        sd_nexus *nx = &d->nexus[i];
        if (!nx->in_use) {
            if (!free_slot)
                free_slot = nx;
            continue;
        }
        if (rsvd_guid_equal(&nx->id, id))
            return nx;
        if (!idle && nx->opens == 0 && !nx->registered)
            idle = nx; /* only pending unit attentions keep it */
    }
    sd_nexus *nx = free_slot ? free_slot : idle;
    if (!nx)
        return NULL;
    memset(nx, 0, sizeof *nx); /* a reclaimed initiator's attentions are dropped */
    nx->in_use = true;
    nx->id = *id;
    return nx;
}

/* ------------------------------------------------------------------------ */
/* The disk                                                                  */
/* ------------------------------------------------------------------------ */

static bool pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

static void copy_ascii(char *dst, size_t cap, const char *src, const char *dflt)
{
    const char *s = src ? src : dflt;
    size_t n = strlen(s);
    if (n > cap - 1)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Checks and applies the block source's geometry. */
static int sd_apply_geometry(rsvd_scsi_disk *d, const rsvd_block_info *bi)
{
    if (!pow2(bi->logical_sector_size) || bi->logical_sector_size < 512 ||
        bi->logical_sector_size > 65536 || !pow2(bi->physical_sector_size) ||
        bi->physical_sector_size < bi->logical_sector_size ||
        bi->physical_sector_size / bi->logical_sector_size > (1u << 15) ||
        bi->size < bi->logical_sector_size)
        return RSVD_E_INVAL;
    d->lbs = bi->logical_sector_size;
    d->pbs = bi->physical_sector_size;
    d->blocks = bi->size / bi->logical_sector_size;
    d->write_cache = bi->write_cache;
    return RSVD_OK;
}

int rsvd_scsi_disk_create_sys(const rsvd_scsi_disk_config *config, const rsvd_posix_sys *sys,
                              rsvd_scsi_disk **out)
{
    if (!out)
        return RSVD_E_INVAL;
    *out = NULL;
    rsvd_scsi_disk_config c;
    rsvd_block_ops ops;
    int rc = rsvd_struct_import(&c, sizeof c, config, RSVD_V0_SCSI_DISK_CONFIG);
    if (rc == RSVD_OK)
        rc = rsvd_struct_import(&ops, sizeof ops, c.block.ops, RSVD_V0_BLOCK_OPS);
    if (rc != RSVD_OK)
        return rc;
    const rsvd_scsi_disk_config *cfg = &c;
    const rsvd_block_ops *bo = &ops;
    if (!bo->read || !bo->write || !bo->flush || !bo->info)
        return RSVD_E_INVAL;
    rsvd_block_info bi;
    memset(&bi, 0, sizeof bi);
    if (bo->info(cfg->block.ctx, &bi) != RSVD_STATUS_SUCCESS)
        return RSVD_E_IO;

    uint32_t max_reg = cfg->max_registrants ? cfg->max_registrants
                                            : RSVD_SCSI_DISK_DEFAULT_MAX_REGISTRANTS;
    uint32_t max_nexus = cfg->max_initiators ? cfg->max_initiators
                                             : RSVD_SCSI_DISK_DEFAULT_MAX_INITIATORS;
    if (max_nexus < max_reg)
        max_nexus = max_reg;
    if (max_reg > (1u << 20) || max_nexus > (1u << 20))
        return RSVD_E_INVAL;

    const rsvd_mem *mem = rsvd_mem_resolve(cfg->mem);
    if (!mem)
        return RSVD_E_INVAL;
    rsvd_scsi_disk *d = rsvd_mem_calloc(mem, 1, sizeof *d);
    if (!d)
        return RSVD_E_NOMEM;
    d->mem = mem;
    d->block_ops = ops;
    d->block.ops = &d->block_ops;
    d->block.ctx = cfg->block.ctx;
    d->disk_id = cfg->disk_id;
    rc = sd_apply_geometry(d, &bi);
    if (rc != RSVD_OK) {
        rsvd_mem_free(mem, d);
        return rc;
    }
    copy_ascii(d->vendor, sizeof d->vendor, cfg->vendor, "LIBRSVD");
    copy_ascii(d->product, sizeof d->product, cfg->product, "VIRTUAL DISK");
    copy_ascii(d->revision, sizeof d->revision, cfg->revision, "0001");
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < 16; i++) {
        d->serial[2 * i] = hex[d->disk_id.b[i] >> 4];
        d->serial[2 * i + 1] = hex[d->disk_id.b[i] & 0xF];
    }
    d->max_registrants = max_reg;
    d->max_nexus = max_nexus;
    /* READ KEYS is the largest parameter data: 8 + 8 per registrant. */
    d->scratch_size = 8u + 8u * (size_t)max_reg;
    if (d->scratch_size < 512)
        d->scratch_size = 512;
    d->nexus = rsvd_mem_calloc(mem, max_nexus, sizeof *d->nexus);
    d->scratch = rsvd_mem_alloc(mem, d->scratch_size);
    rc = (d->nexus && d->scratch) ? RSVD_OK : RSVD_E_NOMEM;
    if (rc == RSVD_OK && cfg->storage_dir)
        rc = sd_store_open(d, cfg, sys);
    else if (rc == RSVD_OK && (cfg->storage_name || cfg->chunk_size || cfg->max_snapshots))
        rc = RSVD_E_INVAL; /* storage settings without storage */
    if (rc != RSVD_OK) {
        rsvd_mem_free(mem, d->nexus);
        rsvd_mem_free(mem, d->scratch);
        rsvd_mem_free(mem, d);
        return rc;
    }
    *out = d;
    return RSVD_OK;
}

int rsvd_scsi_disk_create(const rsvd_scsi_disk_config *cfg, rsvd_scsi_disk **out)
{
    return rsvd_scsi_disk_create_sys(cfg, rsvd_posix_sys_default(), out);
}

int rsvd_scsi_disk_destroy(rsvd_scsi_disk *d)
{
    if (!d)
        return RSVD_OK;
    if (d->open_handles)
        return RSVD_E_BUSY;
    sd_store_close(d);
    rsvd_mem_free(d->mem, d->nexus);
    rsvd_mem_free(d->mem, d->scratch);
    rsvd_mem_free(d->mem, d);
    return RSVD_OK;
}

int rsvd_scsi_disk_capacity_changed(rsvd_scsi_disk *d)
{
    return sd_capacity_update(d);
}

int sd_capacity_update(rsvd_scsi_disk *d)
{
    rsvd_block_info bi;
    memset(&bi, 0, sizeof bi);
    if (d->block.ops->info(d->block.ctx, &bi) != RSVD_STATUS_SUCCESS)
        return RSVD_E_IO;
    if (bi.logical_sector_size != d->lbs || bi.size < d->lbs)
        return RSVD_E_INVAL; /* the block size of a logical unit does not change */
    sd_capacity_set(d, bi.size / d->lbs);
    return RSVD_OK;
}

void sd_capacity_set(rsvd_scsi_disk *d, uint64_t blocks)
{
    d->blocks = blocks;
    /* [SBC-3]: CAPACITY DATA HAS CHANGED for every I_T nexus */
    for (uint32_t i = 0; i < d->max_nexus; i++)
        sd_ua_add(&d->nexus[i], RSVD_SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED);
}

void rsvd_scsi_disk_pr_state_get(const rsvd_scsi_disk *d, rsvd_scsi_disk_pr_state *out)
{
    out->pr_generation = d->pr_generation;
    out->registrants = d->registrants;
    out->reserved = d->res_present;
    out->type = d->res_present ? d->res_type : 0;
}

/* ------------------------------------------------------------------------ */
/* Command dispatch                                                          */
/* ------------------------------------------------------------------------ */

/* Largest member first: the table packs without padding. */
typedef struct sd_op {
    void (*fn)(sd_cmd *x);
    sd_access access;
    uint8_t opcode;
    uint8_t cdb_len;
    /* [SAM-4]: INQUIRY, REPORT LUNS and REQUEST SENSE do not report a
     * pending unit attention with CHECK CONDITION. */
    bool ua_exempt;
} sd_op;

/*
 * The commands the disk implements, with the access each needs under a
 * persistent reservation ([SPC-3] 5.6.1 table of SPC commands, the
 * corresponding [SBC-3] table): READ conflicts only under the Exclusive
 * Access types; WRITE, SYNCHRONIZE CACHE and MODE SENSE under every type;
 * the rest never.
 */
#define SD_OP(op, len, acc, ua, f)                                                        \
    { .opcode = (op), .cdb_len = (len), .access = (acc), .ua_exempt = (ua), .fn = (f) }
static const sd_op sd_ops[] = {
    SD_OP(RSVD_SCSI_OP_TEST_UNIT_READY, 6, SD_ACCESS_ANY, false, sd_cmd_test_unit_ready),
    SD_OP(RSVD_SCSI_OP_REQUEST_SENSE, 6, SD_ACCESS_ANY, true, sd_cmd_request_sense),
    SD_OP(RSVD_SCSI_OP_INQUIRY, 6, SD_ACCESS_ANY, true, sd_cmd_inquiry),
    SD_OP(RSVD_SCSI_OP_MODE_SENSE6, 6, SD_ACCESS_WRITE, false, sd_cmd_mode_sense6),
    SD_OP(RSVD_SCSI_OP_READ_CAPACITY10, 10, SD_ACCESS_ANY, false, sd_cmd_read_capacity10),
    SD_OP(RSVD_SCSI_OP_READ10, 10, SD_ACCESS_READ, false, sd_cmd_read10),
    SD_OP(RSVD_SCSI_OP_WRITE10, 10, SD_ACCESS_WRITE, false, sd_cmd_write10),
    SD_OP(RSVD_SCSI_OP_SYNCHRONIZE_CACHE10, 10, SD_ACCESS_WRITE, false, sd_cmd_sync_cache10),
    SD_OP(RSVD_SCSI_OP_MODE_SENSE10, 10, SD_ACCESS_WRITE, false, sd_cmd_mode_sense10),
    SD_OP(RSVD_SCSI_OP_PERSISTENT_RESERVE_IN, 10, SD_ACCESS_ANY, false, sd_pr_in),
    SD_OP(RSVD_SCSI_OP_PERSISTENT_RESERVE_OUT, 10, SD_ACCESS_PROUT, false, sd_pr_out),
    SD_OP(RSVD_SCSI_OP_READ16, 16, SD_ACCESS_READ, false, sd_cmd_read16),
    SD_OP(RSVD_SCSI_OP_WRITE16, 16, SD_ACCESS_WRITE, false, sd_cmd_write16),
    SD_OP(RSVD_SCSI_OP_SYNCHRONIZE_CACHE16, 16, SD_ACCESS_WRITE, false, sd_cmd_sync_cache16),
    SD_OP(RSVD_SCSI_OP_SERVICE_ACTION_IN16, 16, SD_ACCESS_ANY, false, sd_cmd_service_action_in16),
    SD_OP(RSVD_SCSI_OP_REPORT_LUNS, 12, SD_ACCESS_ANY, true, sd_cmd_report_luns),
};
#undef SD_OP

static const sd_op *sd_op_find(uint8_t opcode)
{
    for (size_t i = 0; i < sizeof sd_ops / sizeof sd_ops[0]; i++)
        if (sd_ops[i].opcode == opcode)
            return &sd_ops[i];
    return NULL;
}

/*
 * Order of the checks: a pending unit attention ([SAM-4]), the operation
 * code, the CDB's length and CONTROL byte, a reservation conflict
 * ([SPC-3] 5.6.1), then the command's own field checks and execution.
 */
static void sd_dispatch(sd_cmd *x)
{
    const rsvd_scsi_cmd *cmd = x->cmd;
    if (cmd->cdb_len == 0 || cmd->cdb_len > RSVD_SCSI_CDB_MAX) {
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    const sd_op *op = sd_op_find(cmd->cdb[0]);
    if (!(op && op->ua_exempt) && sd_report_ua(x))
        return;
    if (!op) {
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_COMMAND_OPERATION_CODE);
        return;
    }
    if (cmd->cdb_len < op->cdb_len) {
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    rsvd_rd_init(&x->cdb, cmd->cdb, op->cdb_len);
    rsvd_rd_seek(&x->cdb, op->cdb_len - 1u);
    uint8_t control = rsvd_rd_u8(&x->cdb); /* last byte: CONTROL ([SAM-4]) */
    rsvd_rd_seek(&x->cdb, 0);
    if (control & 0x04) { /* NACA: not supported ([SPC-3] NormACA = 0) */
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    /* A snapshot is not the logical unit the reservations guard. */
    if (!x->view && op->access != SD_ACCESS_PROUT && sd_pr_conflict(x->d, x->nx, op->access)) {
        sd_conflict(x);
        return;
    }
    op->fn(x);
}

/* ------------------------------------------------------------------------ */
/* Backend functions                                                         */
/* ------------------------------------------------------------------------ */

sd_handle *sd_handle_get(void *handle)
{
    sd_handle *h = handle;
    return (h && h->magic == SD_HANDLE_MAGIC) ? h : NULL;
}

static void sd_finish(rsvd_completion c, rsvd_io_result *r)
{
    rsvd_complete(c, r); /* last: the host may close the handle from here */
}

void sd_fail(rsvd_completion c, uint32_t status)
{
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = status;
    sd_finish(c, &r);
}

struct rsvd_scsi_disk_set {
    const rsvd_mem *mem;
    struct sd_set_entry {
        char *name;
        rsvd_scsi_disk *disk;
    } *entries;
    size_t count;
    rsvd_scsi_disk *fallback;
};

static char name_fold(char ch)
{
    if (ch == '\\')
        return '/';
    if (ch >= 'A' && ch <= 'Z')
        return (char)(ch - 'A' + 'a');
    return ch;
}

static const char *name_skip_root(const char *s)
{
    while (*s == '/' || *s == '\\')
        s++;
    return s;
}

static bool name_equal(const char *a, const char *b)
{
    a = name_skip_root(a);
    b = name_skip_root(b);
    while (*a && *b && name_fold(*a) == name_fold(*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

bool sd_name_equal(const char *a, const char *b)
{
    return name_equal(a, b);
}

/* A name the host added, then the VHD-set name a disk was converted to
 * ([MS-RSVD] 3.2.5.5.7.4), then the default disk. */
static rsvd_scsi_disk *sd_set_lookup(const rsvd_scsi_disk_set *s, const char *name)
{
    if (name) {
        for (size_t i = 0; i < s->count; i++)
            if (name_equal(s->entries[i].name, name))
                return s->entries[i].disk;
        for (size_t i = 0; i < s->count; i++)
            if (sd_vhdset_name_matches(s->entries[i].disk, name))
                return s->entries[i].disk;
        if (s->fallback && sd_vhdset_name_matches(s->fallback, name))
            return s->fallback;
    }
    return s->fallback;
}

static void sd_open_common(void *ctx, const rsvd_backend_open_args *args,
                           const rsvd_disk_snapshot_target *target, rsvd_completion c)
{
    rsvd_scsi_disk_set *set = ctx;
    rsvd_scsi_disk *d = (set && args) ? sd_set_lookup(set, args->file_name) : NULL;
    if (!d) {
        sd_fail(c, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
        return;
    }
    uint64_t view_seq = 0;
    if (target) {
        /* A snapshot is a read-only unit of its own: no initiator state. */
        uint32_t st = sd_snap_open_view(d, target, &view_seq);
        if (st != RSVD_STATUS_SUCCESS) {
            sd_fail(c, st);
            return;
        }
        sd_handle *h = rsvd_mem_calloc(d->mem, 1, sizeof *h);
        if (!h) {
            sd_fail(c, RSVD_STATUS_INSUFFICIENT_RESOURCES);
            return;
        }
        h->magic = SD_HANDLE_MAGIC;
        h->disk = d;
        h->view_seq = view_seq;
        sd_snap_by_seq(d->store, view_seq)->opens++;
        d->open_handles++;
        rsvd_io_result r;
        memset(&r, 0, sizeof r);
        r.handle = h;
        sd_finish(c, &r);
        return;
    }
    sd_nexus *nx = NULL;
    if (args->has_initiator && !rsvd_guid_is_zero(&args->initiator_id)) {
        nx = sd_nexus_get(d, &args->initiator_id);
        if (!nx) {
            sd_fail(c, RSVD_STATUS_INSUFFICIENT_RESOURCES);
            return;
        }
    }
    sd_handle *h = rsvd_mem_calloc(d->mem, 1, sizeof *h);
    if (!h) {
        sd_nexus_maybe_free(nx);
        sd_fail(c, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    h->magic = SD_HANDLE_MAGIC;
    h->disk = d;
    h->nx = nx;
    if (nx)
        nx->opens++;
    d->open_handles++;
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = RSVD_STATUS_SUCCESS;
    r.handle = h;
    sd_finish(c, &r);
}

static void sd_open(void *ctx, const rsvd_backend_open_args *args, rsvd_completion c)
{
    sd_open_common(ctx, args, NULL, c);
}

/* [MS-RSVD] 3.2.5.7: an open of the VHD set at a snapshot. */
static void sd_open_snapshot(void *ctx, const rsvd_backend_open_args *args,
                             const rsvd_disk_snapshot_target *target, rsvd_completion c)
{
    if (!target) {
        sd_fail(c, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    sd_open_common(ctx, args, target, c);
}

/*
 * With delete_file: the files this handle extracted with DELETE_ON_CLOSE
 * are what PendingDelete deletes ([MS-RSVD] 3.2.5.5.7.3); a disk cannot
 * delete its own block source, so without such files it is
 * STATUS_NOT_SUPPORTED. Those files go with the handle in any case.
 */
static void sd_close(void *ctx, void *handle, bool delete_file, rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h) {
        sd_fail(c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    rsvd_scsi_disk *d = h->disk;
    if (h->nx) {
        h->nx->opens--;
        sd_nexus_maybe_free(h->nx); /* a registration outlives the opens */
    }
    if (h->view_seq)
        sd_snap_by_seq(d->store, h->view_seq)->opens--;
    bool deleted = sd_doomed_delete(d, h);
    h->magic = 0;
    rsvd_mem_free(d->mem, h);
    d->open_handles--;
    sd_fail(c, delete_file && !deleted ? RSVD_STATUS_NOT_SUPPORTED : RSVD_STATUS_SUCCESS);
}

/* The unit a command on @p h sees: the disk, or the snapshot it opened. */
static void sd_cmd_view(sd_cmd *x, const sd_handle *h)
{
    x->view = h->view_seq ? sd_snap_by_seq(h->disk->store, h->view_seq) : NULL;
    x->blocks = x->view ? x->view->size / x->d->lbs : x->d->blocks;
}

static void sd_execute(void *ctx, void *handle, const rsvd_scsi_cmd *cmd, rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h || !cmd) {
        sd_fail(c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    sd_cmd x = {.d = h->disk, .nx = h->nx, .cmd = cmd, .r = &r};
    sd_cmd_view(&x, h);
    sd_dispatch(&x);
    sd_finish(c, &r);
}

/* SMB2 READ/WRITE on the disk: whole sectors, reservations as READ(16) and
 * WRITE(16). */
static void sd_rw(void *handle, bool write, uint64_t offset, uint8_t *in_buf,
                  const uint8_t *out_buf, uint32_t len, rsvd_completion c)
{
    sd_handle *h = sd_handle_get(handle);
    if (!h) {
        sd_fail(c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    static const rsvd_scsi_cmd none; /* no CDB: the SMB2 request carries the range */
    sd_cmd x = {.d = h->disk, .nx = h->nx, .cmd = &none, .r = &r};
    sd_cmd_view(&x, h);
    uint32_t lbs = x.d->lbs;
    if (sd_report_ua(&x)) {
        /* reported instead of the I/O */
    } else if (offset % lbs || len % lbs) {
        sd_illegal(&x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    } else if (!x.view &&
               sd_pr_conflict(x.d, x.nx, write ? SD_ACCESS_WRITE : SD_ACCESS_READ)) {
        sd_conflict(&x);
    } else {
        sd_io(&x, write, offset / lbs, len / lbs, in_buf, out_buf, len, false);
        if (write && r.scsi.scsi_status == RSVD_SCSI_STATUS_GOOD)
            r.bytes = len;
    }
    sd_finish(c, &r);
}

static void sd_read(void *ctx, void *handle, uint64_t offset, uint8_t *buf, uint32_t len,
                    rsvd_completion c)
{
    (void)ctx;
    sd_rw(handle, false, offset, buf, NULL, len, c);
}

static void sd_write(void *ctx, void *handle, uint64_t offset, const uint8_t *data, uint32_t len,
                     rsvd_completion c)
{
    (void)ctx;
    sd_rw(handle, true, offset, NULL, data, len, c);
}

/* [MS-RSVD] 3.2.5.5.4, 2.2.4.6 */
static void sd_get_info(void *ctx, void *handle, rsvd_disk_info *out, rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h || !out) {
        sd_fail(c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    rsvd_scsi_disk *d = h->disk;
    rsvd_block_info bi;
    memset(&bi, 0, sizeof bi);
    uint32_t st = d->block.ops->info(d->block.ctx, &bi);
    if (st != RSVD_STATUS_SUCCESS) {
        sd_fail(c, st);
        return;
    }
    const sd_snap *view = h->view_seq ? sd_snap_by_seq(d->store, h->view_seq) : NULL;
    memset(out, 0, sizeof *out);
    out->sector_size = d->lbs;
    out->physical_sector_size = d->pbs;
    out->virtual_size = view ? view->size : d->blocks * d->lbs;
    out->disk_type = RSVD_VHD_TYPE_FIXED;
    out->block_size = 0; /* <17>: 0 for a fixed disk */
    out->is_mounted = true;
    out->is_4k_aligned = true; /* the data starts at offset 0 of the block source */
    out->file_size = bi.file_size;
    out->virtual_disk_id = d->disk_id;
    sd_fail(c, RSVD_STATUS_SUCCESS);
}

/* [MS-RSVD] 3.2.5.5.6 */
static void sd_validate(void *ctx, void *handle, rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h) {
        sd_fail(c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    rsvd_block_info bi;
    memset(&bi, 0, sizeof bi);
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = h->disk->block.ops->info(h->disk->block.ctx, &bi);
    r.valid = r.status == RSVD_STATUS_SUCCESS;
    if (h->view_seq) /* a snapshot is valid while its content can be read */
        r.valid = r.valid && sd_snap_by_seq(h->disk->store, h->view_seq)->readable;
    sd_finish(c, &r);
}

/* [MS-RSVD] 3.2.5.8 on a virtual-SCSI open: the backing storage's sizes. */
static void sd_query_info(void *ctx, void *handle, uint32_t info_class, uint8_t *out,
                          uint32_t cap, rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h) {
        sd_fail(c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    size_t need = rsvd_fscc_file_info_size(info_class);
    if (need == 0) {
        sd_fail(c, RSVD_STATUS_NOT_SUPPORTED);
        return;
    }
    if (cap < need || !out) {
        sd_fail(c, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    rsvd_block_info bi;
    memset(&bi, 0, sizeof bi);
    uint32_t st = h->disk->block.ops->info(h->disk->block.ctx, &bi);
    if (st != RSVD_STATUS_SUCCESS) {
        sd_fail(c, st);
        return;
    }
    /* A plain file of the block source's size; a block source has no times. */
    rsvd_fscc_file_info fi;
    memset(&fi, 0, sizeof fi);
    fi.allocation_size = bi.file_size;
    fi.end_of_file = bi.file_size;
    fi.number_of_links = 1;
    fi.file_attributes = FSCC_FILE_ATTRIBUTE_ARCHIVE;
    size_t n = 0;
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = rsvd_fscc_file_info_encode(info_class, &fi, out, cap, &n) == RSVD_OK
                   ? RSVD_STATUS_SUCCESS
                   : RSVD_STATUS_BUFFER_TOO_SMALL;
    r.bytes = (uint32_t)n;
    sd_finish(c, &r);
}

/* [MS-RSVD] 3.2.5.9 */
static void sd_set_info(void *ctx, void *handle, uint32_t info_class, const uint8_t *in,
                        uint32_t len, rsvd_completion c)
{
    (void)ctx;
    (void)in;
    (void)len;
    if (!sd_handle_get(handle)) {
        sd_fail(c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    sd_fail(c, info_class == RSVD_FILE_LINK_INFORMATION ? RSVD_STATUS_INVALID_PARAMETER
                                                        : RSVD_STATUS_NOT_SUPPORTED);
}

static const rsvd_scsi_disk_ops scsi_disk_ops = {
    .struct_size = sizeof(rsvd_scsi_disk_ops),
    .open = sd_open,
    .close = sd_close,
    .read = sd_read,
    .write = sd_write,
    .execute = sd_execute,
    .get_info = sd_get_info,
    .validate = sd_validate,
    .query_info = sd_query_info,
    .set_info = sd_set_info,
    .create_snapshot = sd_create_snapshot,
    .abort_snapshot = sd_abort_snapshot,
    .optimize = sd_optimize,
    .extract = sd_extract,
    .convert_to_vhdset = sd_convert_to_vhdset,
    .resize = sd_resize,
    .apply_snapshot = sd_apply_snapshot,
    .query_vhdset = sd_query_vhdset,
    .delete_snapshot = sd_delete_snapshot,
    .change_tracking_get_parameters = sd_change_tracking_get_parameters,
    .change_tracking_start = sd_change_tracking_start,
    .change_tracking_stop = sd_change_tracking_stop,
    .query_changes = sd_query_changes,
    .query_safe_size = sd_query_safe_size,
    .open_snapshot = sd_open_snapshot,
};

const rsvd_scsi_disk_ops *rsvd_scsi_disk_backend_ops(void)
{
    return &scsi_disk_ops;
}

/* ------------------------------------------------------------------------ */
/* Disk sets                                                                 */
/* ------------------------------------------------------------------------ */

int rsvd_scsi_disk_set_create(const rsvd_mem *mem, rsvd_scsi_disk_set **out)
{
    if (!out)
        return RSVD_E_INVAL;
    mem = rsvd_mem_or_default(mem);
    rsvd_scsi_disk_set *s = rsvd_mem_calloc(mem, 1, sizeof *s);
    if (!s)
        return RSVD_E_NOMEM;
    s->mem = mem;
    *out = s;
    return RSVD_OK;
}

int rsvd_scsi_disk_set_add(rsvd_scsi_disk_set *s, const char *name, rsvd_scsi_disk *disk)
{
    if (!s || !disk)
        return RSVD_E_INVAL;
    if (!name) {
        if (s->fallback)
            return RSVD_E_STATE;
        s->fallback = disk;
        return RSVD_OK;
    }
    if (!*name_skip_root(name))
        return RSVD_E_INVAL;
    for (size_t i = 0; i < s->count; i++)
        if (name_equal(s->entries[i].name, name))
            return RSVD_E_STATE;
    size_t n = strlen(name);
    char *copy = rsvd_mem_alloc(s->mem, n + 1);
    if (!copy)
        return RSVD_E_NOMEM;
    memcpy(copy, name, n + 1);
    struct sd_set_entry *e =
        rsvd_mem_realloc(s->mem, s->entries, (s->count + 1) * sizeof *s->entries);
    if (!e) {
        rsvd_mem_free(s->mem, copy);
        return RSVD_E_NOMEM;
    }
    s->entries = e;
    s->entries[s->count].name = copy;
    s->entries[s->count].disk = disk;
    s->count++;
    return RSVD_OK;
}

void rsvd_scsi_disk_set_destroy(rsvd_scsi_disk_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        rsvd_mem_free(s->mem, s->entries[i].name);
    rsvd_mem_free(s->mem, s->entries);
    rsvd_mem_free(s->mem, s);
}
