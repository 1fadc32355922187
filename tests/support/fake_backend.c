/*
 * The scriptable fake backend (fake_backend.h).
 */
#include "fake_backend.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void violation(fake_backend *fb, const char *what, size_t i)
{
    fb->violations++;
    snprintf(fb->violation, sizeof fb->violation, "%s (call %zu)", what, i);
}

/* ---- outcomes ----------------------------------------------------------------- */

fb_outcome fb_ok(void)
{
    fb_outcome o;
    memset(&o, 0, sizeof o);
    o.result.status = 0;
    o.result.scsi.srb_status = RSVD_SRB_STATUS_SUCCESS;
    o.result.scsi.scsi_status = RSVD_SCSI_STATUS_GOOD;
    return o;
}

fb_outcome fb_fail(uint32_t status)
{
    fb_outcome o = fb_ok();
    o.result.status = status;
    o.result.scsi.srb_status = 0;
    return o;
}

fb_outcome fb_scsi(uint8_t srb_status, uint8_t scsi_status, bool auto_generated,
                   const uint8_t *sense, uint8_t sense_len)
{
    fb_outcome o = fb_ok();
    o.result.scsi.srb_status = srb_status;
    o.result.scsi.scsi_status = scsi_status;
    o.result.scsi.sense_auto_generated = auto_generated;
    if (sense_len > sizeof o.result.scsi.sense)
        sense_len = sizeof o.result.scsi.sense;
    o.result.scsi.sense_len = sense_len;
    if (sense && sense_len)
        memcpy(o.result.scsi.sense, sense, sense_len);
    return o;
}

fb_outcome fb_pend(fb_outcome o)
{
    o.pending = true;
    return o;
}

/* ---- bookkeeping ------------------------------------------------------------------ */

static struct fb_handle *handle_of(const fake_backend *fb, void *h)
{
    uintptr_t id = (uintptr_t)h;
    return id >= 1 && id <= fb->nhandles ? &fb->handles[id - 1] : NULL;
}

static bool handle_live(const fake_backend *fb, void *h)
{
    struct fb_handle *x = handle_of(fb, h);
    return x && x->live;
}

static void *handle_new(fake_backend *fb)
{
    if (fb->nhandles == fb->handles_cap) {
        size_t ncap = fb->handles_cap ? fb->handles_cap * 2 : 64;
        struct fb_handle *n = realloc(fb->handles, ncap * sizeof *n);
        if (!n)
            abort();
        fb->handles = n;
        fb->handles_cap = ncap;
    }
    fb->handles[fb->nhandles].live = true;
    fb->handles[fb->nhandles].in_flight = 0;
    fb->nhandles++;
    fb->open_handles++;
    return (void *)(uintptr_t)fb->nhandles;
}

static size_t log_call(fake_backend *fb, fb_side side, fb_op op, void *handle, rsvd_completion c)
{
    if (fb->ncalls == fb->cap) {
        size_t ncap = fb->cap ? fb->cap * 2 : 64;
        fb_call *n = realloc(fb->calls, ncap * sizeof *n);
        if (!n)
            abort();
        fb->calls = n;
        fb->cap = ncap;
    }
    size_t i = fb->ncalls++;
    fb_call *k = &fb->calls[i];
    memset(k, 0, sizeof *k);
    k->side = side;
    k->op = op;
    k->handle = handle;
    k->c = c;
    unsigned *qlen = &fb->qlen[side][op];
    if (*qlen) {
        unsigned *qhead = &fb->qhead[side][op];
        k->outcome = fb->queue[side][op][*qhead];
        *qhead = (*qhead + 1u) % FB_QUEUE_MAX;
        (*qlen)--;
    } else {
        k->outcome = fb->deflt[side][op];
    }
    if (op != FB_OPEN && op != FB_OPEN_SNAPSHOT && !handle_live(fb, handle))
        violation(fb, "call on a handle that is not open", i);
    return i;
}

static void keep_head(fb_call *k, const uint8_t *data, uint32_t len)
{
    k->data_head_len = len < sizeof k->data_head ? len : (uint32_t)sizeof k->data_head;
    if (data && k->data_head_len)
        memcpy(k->data_head, data, k->data_head_len);
}

/* What a version-2 call fills in. */
static void finish_v2(fb_call *k, const fb_outcome *o, uint32_t status)
{
    if (k->meta_out && status == 0)
        *k->meta_out = o->meta;
    if (k->vhdset_out && status == 0) {
        rsvd_disk_vhdset_info *v = k->vhdset_out;
        rsvd_guid *ids = v->snapshot_ids;
        uint32_t cap = v->snapshot_ids_cap;
        *v = o->vhdset;
        v->snapshot_ids = ids;
        v->snapshot_ids_cap = cap;
        v->number_of_snapshots = o->nids;
        for (uint32_t j = 0; j < o->nids && j < cap; j++)
            ids[j] = o->ids[j];
    }
    if (k->ct_out && status == 0)
        *k->ct_out = o->ct;
    if (k->ct_status_out)
        *k->ct_status_out = o->ct.change_tracking_status;
    if (k->changes_out && status == 0) {
        rsvd_disk_changes *c = k->changes_out;
        uint32_t n = o->nranges < c->ranges_cap ? o->nranges : c->ranges_cap;
        for (uint32_t j = 0; j < n; j++)
            c->ranges[j] = o->ranges[j];
        c->range_count = n;
        c->processed_byte_length = n < o->nranges
                                       ? o->ranges[n].byte_offset - k->changes.byte_offset
                                       : k->changes.byte_length;
    }
    if (k->safe_out)
        *k->safe_out = o->safe_size;
}

static int finish(fake_backend *fb, size_t i, const fb_outcome *o)
{
    fb_call *k = &fb->calls[i];
    rsvd_io_result r = o->result;
    if (k->out && k->cap && (o->data || o->fill_pattern)) {
        uint32_t n = k->cap;
        if (o->data) {
            n = o->data_len < k->cap ? o->data_len : k->cap;
            memcpy(k->out, o->data, n);
        } else {
            for (uint32_t j = 0; j < n; j++)
                k->out[j] = fb_pattern_byte(k->offset + j);
        }
        r.bytes = n;
    }
    if (k->op == FB_GET_INFO && k->info_out && r.status == 0)
        *k->info_out = o->info;
    finish_v2(k, o, r.status);
    if ((k->op == FB_OPEN || k->op == FB_OPEN_SNAPSHOT) && r.status == 0 && !r.handle)
        r.handle = handle_new(fb);
    struct fb_handle *hd = handle_of(fb, k->handle);
    if (k->op == FB_CLOSE && hd && hd->live) {
        hd->live = false;
        fb->open_handles--;
    } else if (k->op != FB_OPEN && k->op != FB_OPEN_SNAPSHOT && k->op != FB_CLOSE && hd) {
        hd->in_flight--;
    }
    k->pending = false;
    fb->in_flight--;
    rsvd_completion c = k->c;
    /* rsvd_complete may re-enter the fake and grow the log: no k after it. */
    int rc = rsvd_complete(c, &r);
    fb->calls[i].complete_rc = rc;
    if (rc != RSVD_OK)
        violation(fb, "completion refused", i);
    return rc;
}

static void start(fake_backend *fb, size_t i)
{
    struct fb_handle *hd = handle_of(fb, fb->calls[i].handle);
    if (hd && fb->calls[i].op != FB_OPEN && fb->calls[i].op != FB_OPEN_SNAPSHOT &&
        fb->calls[i].op != FB_CLOSE)
        hd->in_flight++;
    fb->in_flight++;
    fb->calls[i].pending = true;
    if (!fb->calls[i].outcome.pending) {
        fb_outcome o = fb->calls[i].outcome;
        finish(fb, i, &o);
    }
}

/* ---- the two interfaces -------------------------------------------------------------- */

static void do_open(fake_backend *fb, fb_side side, const rsvd_backend_open_args *a,
                    rsvd_completion c)
{
    size_t i = log_call(fb, side, FB_OPEN, NULL, c);
    fb_call *k = &fb->calls[i];
    snprintf(k->file_name, sizeof k->file_name, "%s", a->file_name ? a->file_name : "");
    k->create_options = a->create_options;
    k->initiator_id = a->initiator_id;
    k->has_initiator = a->has_initiator;
    k->host_name_len = a->initiator_host_name_len;
    start(fb, i);
}

static void do_close(fake_backend *fb, fb_side side, void *h, bool del, rsvd_completion c)
{
    size_t i = log_call(fb, side, FB_CLOSE, h, c);
    fb->calls[i].delete_file = del;
    struct fb_handle *hd = handle_of(fb, h);
    if (hd && hd->in_flight)
        violation(fb, "close while calls on the handle are in flight", i);
    start(fb, i);
}

static void do_read(fake_backend *fb, fb_side side, void *h, uint64_t off, uint8_t *buf,
                    uint32_t len, rsvd_completion c)
{
    size_t i = log_call(fb, side, FB_READ, h, c);
    fb->calls[i].offset = off;
    fb->calls[i].len = len;
    fb->calls[i].cap = len;
    fb->calls[i].out = buf;
    start(fb, i);
}

static void do_write(fake_backend *fb, fb_side side, void *h, uint64_t off, const uint8_t *data,
                     uint32_t len, rsvd_completion c)
{
    size_t i = log_call(fb, side, FB_WRITE, h, c);
    fb->calls[i].offset = off;
    fb->calls[i].len = len;
    keep_head(&fb->calls[i], data, len);
    if (fb->calls[i].outcome.result.status == 0 && fb->calls[i].outcome.result.bytes == 0)
        fb->calls[i].outcome.result.bytes = len;
    start(fb, i);
}

static void do_query_info(fake_backend *fb, fb_side side, void *h, uint32_t cls, uint8_t *out,
                          uint32_t cap, rsvd_completion c)
{
    size_t i = log_call(fb, side, FB_QUERY_INFO, h, c);
    fb->calls[i].info_class = cls;
    fb->calls[i].out = out;
    fb->calls[i].cap = cap;
    start(fb, i);
}

static void do_set_info(fake_backend *fb, fb_side side, void *h, uint32_t cls,
                        const uint8_t *in, uint32_t len, rsvd_completion c)
{
    size_t i = log_call(fb, side, FB_SET_INFO, h, c);
    fb->calls[i].info_class = cls;
    fb->calls[i].len = len;
    keep_head(&fb->calls[i], in, len);
    start(fb, i);
}

static void st_open(void *ctx, const rsvd_backend_open_args *a, rsvd_completion c)
{
    do_open(ctx, FB_STORE, a, c);
}
static void st_close(void *ctx, void *h, bool del, rsvd_completion c)
{
    do_close(ctx, FB_STORE, h, del, c);
}
static void st_read(void *ctx, void *h, uint64_t off, uint8_t *buf, uint32_t len,
                    rsvd_completion c)
{
    do_read(ctx, FB_STORE, h, off, buf, len, c);
}
static void st_write(void *ctx, void *h, uint64_t off, const uint8_t *d, uint32_t len,
                     rsvd_completion c)
{
    do_write(ctx, FB_STORE, h, off, d, len, c);
}
static void st_flush(void *ctx, void *h, rsvd_completion c)
{
    fake_backend *fb = ctx;
    start(fb, log_call(fb, FB_STORE, FB_FLUSH, h, c));
}
static void st_query_info(void *ctx, void *h, uint32_t cls, uint8_t *out, uint32_t cap,
                          rsvd_completion c)
{
    do_query_info(ctx, FB_STORE, h, cls, out, cap, c);
}
static void st_set_info(void *ctx, void *h, uint32_t cls, const uint8_t *in, uint32_t len,
                        rsvd_completion c)
{
    do_set_info(ctx, FB_STORE, h, cls, in, len, c);
}
static void st_fsctl(void *ctx, void *h, uint32_t code, const uint8_t *in, uint32_t in_len,
                     uint8_t *out, uint32_t out_cap, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_STORE, FB_FSCTL, h, c);
    fb->calls[i].ctl_code = code;
    fb->calls[i].len = in_len;
    keep_head(&fb->calls[i], in, in_len);
    fb->calls[i].out = out;
    fb->calls[i].cap = out_cap;
    start(fb, i);
}

static void dk_open(void *ctx, const rsvd_backend_open_args *a, rsvd_completion c)
{
    do_open(ctx, FB_DISK, a, c);
}
static void dk_close(void *ctx, void *h, bool del, rsvd_completion c)
{
    do_close(ctx, FB_DISK, h, del, c);
}
static void dk_read(void *ctx, void *h, uint64_t off, uint8_t *buf, uint32_t len,
                    rsvd_completion c)
{
    do_read(ctx, FB_DISK, h, off, buf, len, c);
}
static void dk_write(void *ctx, void *h, uint64_t off, const uint8_t *d, uint32_t len,
                     rsvd_completion c)
{
    do_write(ctx, FB_DISK, h, off, d, len, c);
}
static void dk_execute(void *ctx, void *h, const rsvd_scsi_cmd *cmd, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_EXECUTE, h, c);
    fb_call *k = &fb->calls[i];
    k->cmd = *cmd;
    if (cmd->direction == RSVD_SCSI_DATA_OUT)
        keep_head(k, cmd->data_out, cmd->data_out_len);
    if (cmd->direction == RSVD_SCSI_DATA_IN) {
        k->out = cmd->data_in;
        k->cap = cmd->data_in_cap;
    } else {
        k->outcome.fill_pattern = false;
    }
    start(fb, i);
}
static void dk_get_info(void *ctx, void *h, rsvd_disk_info *out, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_GET_INFO, h, c);
    fb->calls[i].info_out = out;
    start(fb, i);
}
static void dk_validate(void *ctx, void *h, rsvd_completion c)
{
    fake_backend *fb = ctx;
    start(fb, log_call(fb, FB_DISK, FB_VALIDATE, h, c));
}
static void dk_query_info(void *ctx, void *h, uint32_t cls, uint8_t *out, uint32_t cap,
                          rsvd_completion c)
{
    do_query_info(ctx, FB_DISK, h, cls, out, cap, c);
}
static void dk_set_info(void *ctx, void *h, uint32_t cls, const uint8_t *in, uint32_t len,
                        rsvd_completion c)
{
    do_set_info(ctx, FB_DISK, h, cls, in, len, c);
}

/* ---- the disk's version-2 functions ----------------------------------------------------- */

static void dk_create_snapshot(void *ctx, void *h, const rsvd_disk_snapshot_args *a,
                               rsvd_disk_meta_result *out, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_CREATE_SNAPSHOT, h, c);
    fb->calls[i].snap = *a;
    fb->calls[i].transaction_id = a->transaction_id;
    fb->calls[i].meta_out = out;
    start(fb, i);
}
static void dk_abort_snapshot(void *ctx, void *h, const rsvd_guid *txn, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_ABORT_SNAPSHOT, h, c);
    fb->calls[i].transaction_id = *txn;
    start(fb, i);
}
static void dk_optimize(void *ctx, void *h, const rsvd_guid *txn, rsvd_disk_meta_result *out,
                        rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_OPTIMIZE, h, c);
    fb->calls[i].transaction_id = *txn;
    fb->calls[i].meta_out = out;
    start(fb, i);
}
static void dk_extract(void *ctx, void *h, const rsvd_disk_extract_args *a,
                       rsvd_disk_meta_result *out, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_EXTRACT, h, c);
    fb_call *k = &fb->calls[i];
    k->extract = *a;
    k->extract.destination_file_name = NULL;
    snprintf(k->name, sizeof k->name, "%s", a->destination_file_name);
    k->transaction_id = a->transaction_id;
    k->meta_out = out;
    start(fb, i);
}
static void dk_convert(void *ctx, void *h, const rsvd_disk_convert_args *a,
                       rsvd_disk_meta_result *out, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_CONVERT, h, c);
    snprintf(fb->calls[i].name, sizeof fb->calls[i].name, "%s", a->destination_vhdset_name);
    fb->calls[i].transaction_id = a->transaction_id;
    fb->calls[i].meta_out = out;
    start(fb, i);
}
static void dk_resize(void *ctx, void *h, const rsvd_disk_resize_args *a,
                      rsvd_disk_meta_result *out, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_RESIZE, h, c);
    fb->calls[i].resize = *a;
    fb->calls[i].transaction_id = a->transaction_id;
    fb->calls[i].meta_out = out;
    start(fb, i);
}
static void dk_apply(void *ctx, void *h, const rsvd_disk_apply_args *a,
                     rsvd_disk_meta_result *out, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_APPLY, h, c);
    fb->calls[i].apply = *a;
    fb->calls[i].transaction_id = a->transaction_id;
    fb->calls[i].meta_out = out;
    start(fb, i);
}
static void dk_query_vhdset(void *ctx, void *h, const rsvd_disk_vhdset_query *q,
                            rsvd_disk_vhdset_info *out, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_QUERY_VHDSET, h, c);
    fb->calls[i].vhdset_query = *q;
    fb->calls[i].ids_cap = out->snapshot_ids_cap;
    fb->calls[i].vhdset_out = out;
    start(fb, i);
}
static void dk_delete_snapshot(void *ctx, void *h, const rsvd_disk_delete_snapshot_args *a,
                               rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_DELETE_SNAPSHOT, h, c);
    fb->calls[i].del = *a;
    start(fb, i);
}
static void dk_ct_get_parameters(void *ctx, void *h, rsvd_disk_change_tracking_parameters *out,
                                 rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_CT_GET_PARAMETERS, h, c);
    fb->calls[i].ct_out = out;
    start(fb, i);
}
static void dk_ct_start(void *ctx, void *h, const rsvd_disk_change_tracking_start_args *a,
                        rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_CT_START, h, c);
    fb->calls[i].ct_start = *a;
    fb->calls[i].transaction_id = a->transaction_id;
    start(fb, i);
}
static void dk_ct_stop(void *ctx, void *h, uint32_t *ct_status, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_CT_STOP, h, c);
    fb->calls[i].ct_status_out = ct_status;
    start(fb, i);
}
static void dk_query_changes(void *ctx, void *h, const rsvd_disk_query_changes_args *a,
                             rsvd_disk_changes *out, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_QUERY_CHANGES, h, c);
    fb->calls[i].changes = *a;
    fb->calls[i].ranges_cap = out->ranges_cap;
    fb->calls[i].changes_out = out;
    start(fb, i);
}
static void dk_query_safe_size(void *ctx, void *h, uint64_t *safe, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_QUERY_SAFE_SIZE, h, c);
    fb->calls[i].safe_out = safe;
    start(fb, i);
}
static void dk_open_snapshot(void *ctx, const rsvd_backend_open_args *a,
                             const rsvd_disk_snapshot_target *t, rsvd_completion c)
{
    fake_backend *fb = ctx;
    size_t i = log_call(fb, FB_DISK, FB_OPEN_SNAPSHOT, NULL, c);
    fb_call *k = &fb->calls[i];
    snprintf(k->file_name, sizeof k->file_name, "%s", a->file_name ? a->file_name : "");
    k->create_options = a->create_options;
    k->has_initiator = a->has_initiator;
    k->target = *t;
    start(fb, i);
}

/* ---- public ----------------------------------------------------------------------------- */

void fb_init(fake_backend *fb)
{
    /* Everything but the queues of one-shot outcomes (a megabyte): an
     * entry is read only after fb_push() wrote it (qlen), and the fuzz
     * harness sets a fake up for every input. */
    _Static_assert(offsetof(fake_backend, qhead) ==
                       offsetof(fake_backend, queue) + sizeof fb->queue,
                   "the queues come just before qhead");
    memset(fb, 0, offsetof(fake_backend, queue));
    memset(&fb->qhead, 0, sizeof *fb - offsetof(fake_backend, qhead));
    fb->store_ops = (rsvd_object_store_ops){.struct_size = sizeof(rsvd_object_store_ops),
                                            .open = st_open,
                                            .close = st_close,
                                            .read = st_read,
                                            .write = st_write,
                                            .flush = st_flush,
                                            .query_info = st_query_info,
                                            .set_info = st_set_info,
                                            .fsctl = st_fsctl};
    fb->disk_ops = (rsvd_scsi_disk_ops){.struct_size = sizeof(rsvd_scsi_disk_ops),
                                        .open = dk_open,
                                        .close = dk_close,
                                        .read = dk_read,
                                        .write = dk_write,
                                        .execute = dk_execute,
                                        .get_info = dk_get_info,
                                        .validate = dk_validate,
                                        .query_info = dk_query_info,
                                        .set_info = dk_set_info,
                                        .create_snapshot = dk_create_snapshot,
                                        .abort_snapshot = dk_abort_snapshot,
                                        .optimize = dk_optimize,
                                        .extract = dk_extract,
                                        .convert_to_vhdset = dk_convert,
                                        .resize = dk_resize,
                                        .apply_snapshot = dk_apply,
                                        .query_vhdset = dk_query_vhdset,
                                        .delete_snapshot = dk_delete_snapshot,
                                        .change_tracking_get_parameters = dk_ct_get_parameters,
                                        .change_tracking_start = dk_ct_start,
                                        .change_tracking_stop = dk_ct_stop,
                                        .query_changes = dk_query_changes,
                                        .query_safe_size = dk_query_safe_size,
                                        .open_snapshot = dk_open_snapshot};
    for (int s = 0; s < FB_SIDE_COUNT; s++)
        for (int op = 0; op < FB_OP_COUNT; op++)
            fb->deflt[s][op] = fb_ok();
    for (int s = 0; s < FB_SIDE_COUNT; s++) {
        fb->deflt[s][FB_READ].fill_pattern = true;
        fb->deflt[s][FB_QUERY_INFO].fill_pattern = true;
        fb->deflt[s][FB_FSCTL].fill_pattern = true;
    }
    fb->deflt[FB_DISK][FB_EXECUTE].fill_pattern = true;
    fb->deflt[FB_DISK][FB_VALIDATE].result.valid = true;
    rsvd_disk_info *di = &fb->deflt[FB_DISK][FB_GET_INFO].info;
    di->sector_size = 512;
    di->physical_sector_size = 4096;
    di->virtual_size = 1ull << 30;
    di->disk_type = RSVD_VHD_TYPE_DYNAMIC;
    di->block_size = 32u << 20;
    di->is_mounted = true;
    di->is_4k_aligned = true;
    di->file_size = 0x04400000;
    for (int i = 0; i < 16; i++)
        di->virtual_disk_id.b[i] = (uint8_t)(0xA0 + i);
}

void fb_fini(fake_backend *fb)
{
    free(fb->calls);
    free(fb->handles);
    fb->calls = NULL;
    fb->handles = NULL;
}

void fb_set_default(fake_backend *fb, fb_side side, fb_op op, const fb_outcome *o)
{
    fb->deflt[side][op] = *o;
}

void fb_push(fake_backend *fb, fb_side side, fb_op op, const fb_outcome *o)
{
    unsigned *qlen = &fb->qlen[side][op];
    if (*qlen == FB_QUEUE_MAX)
        abort();
    fb->queue[side][op][(fb->qhead[side][op] + *qlen) % FB_QUEUE_MAX] = *o;
    (*qlen)++;
}

size_t fb_count(const fake_backend *fb, fb_side side, fb_op op)
{
    size_t n = 0;
    for (size_t i = 0; i < fb->ncalls; i++)
        if (fb->calls[i].side == side && fb->calls[i].op == op)
            n++;
    return n;
}

size_t fb_last(const fake_backend *fb, fb_side side, fb_op op)
{
    for (size_t i = fb->ncalls; i-- > 0;)
        if (fb->calls[i].side == side && fb->calls[i].op == op)
            return i;
    return (size_t)-1;
}

size_t fb_nth_pending(const fake_backend *fb, size_t n)
{
    for (size_t i = 0; i < fb->ncalls; i++)
        if (fb->calls[i].pending && n-- == 0)
            return i;
    return (size_t)-1;
}

int fb_complete(fake_backend *fb, size_t i)
{
    if (i >= fb->ncalls || !fb->calls[i].pending)
        return RSVD_E_STATE;
    fb_outcome o = fb->calls[i].outcome;
    return finish(fb, i, &o);
}

int fb_complete_with(fake_backend *fb, size_t i, const fb_outcome *o)
{
    if (i >= fb->ncalls || !fb->calls[i].pending)
        return RSVD_E_STATE;
    fb_outcome copy = *o;
    return finish(fb, i, &copy);
}

void fb_complete_all(fake_backend *fb)
{
    size_t i;
    while ((i = fb_nth_pending(fb, 0)) != (size_t)-1)
        fb_complete(fb, i);
}

int fb_complete_again(fake_backend *fb, size_t i)
{
    if (i >= fb->ncalls || fb->calls[i].pending)
        return RSVD_E_STATE;
    rsvd_io_result r = fb->calls[i].outcome.result;
    return rsvd_complete(fb->calls[i].c, &r);
}
