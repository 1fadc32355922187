/*
 * The iSCSI virtual SCSI disk (rsvd/iscsi_disk.h): rsvd_scsi_disk_ops over
 * one logical unit of an iSCSI target through libiscsi's asynchronous API.
 * This file: the disk's configuration (create, destroy, diagnostics,
 * initiator names) and the backend operations. Sessions are in
 * iscsi_session.c, command slots in iscsi_slots.c; the shared layout and
 * the structure are described in iscsi_disk_int.h.
 */
#include "backends/iscsi_disk_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "util/mem.h"
#include "util/versioned.h"
#include "wire/fscc_info.h"

#define IS_HANDLE_MAGIC 0x52534953u /* "RSIS" */
#define IS_MAX_QUEUE_DEPTH 1024u

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------ */

static char *str_dup(const rsvd_mem *mem, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *p = rsvd_mem_alloc(mem, n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

void isd_diag_set(rsvd_iscsi_disk *d, uint32_t status, const char *fmt, ...)
{
    d->last.status = status;
    d->last.sys_errno = 0;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(d->last.reason, sizeof d->last.reason, fmt, ap); /* truncation is fine */
    va_end(ap);
    for (char *p = d->last.reason; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' '; /* libiscsi's messages may end in a newline: one line */
}

/* ------------------------------------------------------------------------ */
/* Initiator names                                                           */
/* ------------------------------------------------------------------------ */

/* RFC 7143 6.1 / RFC 3722: after stringprep an iSCSI name holds lower-case
 * letters, digits, '-', '.' and ':'. The prefix must be of the iqn. type,
 * the only one that allows a ':' suffix. */
static bool prefix_valid(const char *p)
{
    if (strncmp(p, "iqn.", 4) != 0)
        return false;
    size_t n = strlen(p);
    if (n < 5 || n + 1 + 36 > RSVD_ISCSI_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
              ch == ':'))
            return false;
    }
    return true;
}

int rsvd_iscsi_initiator_name(const char *prefix, const rsvd_guid *id, bool has_initiator,
                              char *buf, size_t cap)
{
    if (!prefix)
        prefix = RSVD_ISCSI_DEFAULT_INITIATOR_PREFIX;
    if (!prefix_valid(prefix) || !buf || (has_initiator && !id))
        return RSVD_E_INVAL;
    int n;
    if (!has_initiator) {
        n = snprintf(buf, cap, "%s:no-initiator", prefix);
    } else {
        /* The GUID as Windows writes it: Data1-3 little-endian on the wire. */
        const uint8_t *b = id->b;
        n = snprintf(buf, cap,
                     "%s:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                     prefix, b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10],
                     b[11], b[12], b[13], b[14], b[15]);
    }
    if (n < 0 || (size_t)n >= cap) {
        if (cap)
            buf[0] = '\0';
        return RSVD_E_NOSPC;
    }
    return RSVD_OK;
}

/* ------------------------------------------------------------------------ */
/* The disk                                                                  */
/* ------------------------------------------------------------------------ */

int rsvd_iscsi_disk_create(const rsvd_iscsi_disk_config *config, rsvd_iscsi_disk **out)
{
    if (!out)
        return RSVD_E_INVAL;
    *out = NULL;
    rsvd_iscsi_disk_config c;
    int rc = rsvd_struct_import(&c, sizeof c, config, RSVD_V0_ISCSI_DISK_CONFIG);
    if (rc != RSVD_OK)
        return rc;
    const rsvd_iscsi_disk_config *cfg = &c;
    if (!cfg->portal || !*cfg->portal || !cfg->target || !*cfg->target)
        return RSVD_E_INVAL;
    const char *prefix = cfg->initiator_prefix ? cfg->initiator_prefix
                                               : RSVD_ISCSI_DEFAULT_INITIATOR_PREFIX;
    if (!prefix_valid(prefix) || cfg->queue_depth > IS_MAX_QUEUE_DEPTH ||
        cfg->max_sessions > (1u << 16) || cfg->lun > 0xFFFFu ||
        (cfg->chap_password && !cfg->chap_user))
        return RSVD_E_INVAL;
    const rsvd_mem *mem = rsvd_mem_resolve(cfg->mem);
    if (!mem)
        return RSVD_E_INVAL;
    rsvd_iscsi_disk *d = rsvd_mem_calloc(mem, 1, sizeof *d);
    if (!d)
        return RSVD_E_NOMEM;
    d->mem = mem;
    d->lun = cfg->lun;
    d->timeout_s = cfg->timeout_s ? cfg->timeout_s : RSVD_ISCSI_DEFAULT_TIMEOUT;
    d->max_sessions = cfg->max_sessions ? cfg->max_sessions : RSVD_ISCSI_DEFAULT_MAX_SESSIONS;
    d->queue_depth = cfg->queue_depth ? cfg->queue_depth : RSVD_ISCSI_DEFAULT_QUEUE_DEPTH;
    d->synchronous = cfg->synchronous;
    d->disk_id = cfg->disk_id;
    d->portal = str_dup(mem, cfg->portal);
    d->target = str_dup(mem, cfg->target);
    d->prefix = str_dup(mem, prefix);
    d->chap_user = str_dup(mem, cfg->chap_user);
    d->chap_password = str_dup(mem, cfg->chap_password);
    /* An array of session pointers: sizeof of a pointer to a struct is meant
     * (clang-tidy 14 has no option to accept this idiom). */
    /* NOLINTNEXTLINE(bugprone-sizeof-expression) */
    d->sessions = rsvd_mem_calloc(mem, d->max_sessions, sizeof *d->sessions);
    d->pfds = rsvd_mem_calloc(mem, d->max_sessions, sizeof *d->pfds);
    if (!d->portal || !d->target || !d->prefix || (cfg->chap_user && !d->chap_user) ||
        (cfg->chap_password && !d->chap_password) || !d->sessions || !d->pfds) {
        d->open_handles = 0;
        rsvd_iscsi_disk_destroy(d);
        return RSVD_E_NOMEM;
    }
    *out = d;
    return RSVD_OK;
}

int rsvd_iscsi_disk_destroy(rsvd_iscsi_disk *d)
{
    if (!d)
        return RSVD_OK;
    if (d->open_handles)
        return RSVD_E_BUSY;
    for (uint32_t i = 0; d->sessions && i < d->max_sessions; i++) {
        is_session *s = d->sessions[i];
        if (!s)
            continue;
        s->busy++;
        s->registered = false;
        if (s->state == IS_READY) {
            bool sync = d->synchronous;
            d->synchronous = true; /* wait for the logout here */
            isd_sess_end(s);
            d->synchronous = sync;
        } else if (s->state == IS_LOGGING_OUT) {
            isd_sess_wait(s, &s->logout_flag);
        }
        isd_sess_kill(s);
        isd_sess_process(s);
        s->busy--;
        isd_sess_maybe_free(s);
    }
    if (d->chap_password)
        memset(d->chap_password, 0, strlen(d->chap_password));
    rsvd_mem_free(d->mem, d->portal);
    rsvd_mem_free(d->mem, d->target);
    rsvd_mem_free(d->mem, d->prefix);
    rsvd_mem_free(d->mem, d->chap_user);
    rsvd_mem_free(d->mem, d->chap_password);
    rsvd_mem_free(d->mem, d->sessions);
    rsvd_mem_free(d->mem, d->pfds);
    rsvd_mem_free(d->mem, d);
    return RSVD_OK;
}

const rsvd_backend_diag *rsvd_iscsi_disk_last_error(const rsvd_iscsi_disk *d)
{
    return &d->last;
}

/* ------------------------------------------------------------------------ */
/* Backend functions                                                         */
/* ------------------------------------------------------------------------ */

static is_handle *handle_get(void *handle)
{
    is_handle *h = handle;
    return (h && h->magic == IS_HANDLE_MAGIC && !h->opening) ? h : NULL;
}

static void is_open(void *ctx, const rsvd_backend_open_args *args, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    if (!d || !args) {
        isd_finish_status(d, c, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    rsvd_backend_open_args a = *args;
    if (a.has_initiator && rsvd_guid_is_zero(&a.initiator_id))
        a.has_initiator = false; /* a zero InitiatorId is no initiator ([MS-RSVD] 3.2.5.1) */
    is_session *s = isd_sess_find(d, &a);
    if (!s)
        s = isd_sess_create(d, &a);
    if (!s) {
        isd_finish_status(d, c, d->last.status);
        return;
    }
    is_handle *h = rsvd_mem_calloc(d->mem, 1, sizeof *h);
    if (!h) {
        isd_diag_set(d, RSVD_STATUS_INSUFFICIENT_RESOURCES, "out of memory");
        if (s->handles == 0 && !s->registered)
            isd_sess_kill(s); /* a session nobody joined */
        isd_sess_maybe_free(s);
        isd_finish_status(d, c, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    h->magic = IS_HANDLE_MAGIC;
    h->s = s;
    s->handles++;
    d->open_handles++;
    if (s->state == IS_READY) {
        rsvd_io_result r;
        memset(&r, 0, sizeof r);
        r.status = RSVD_STATUS_SUCCESS;
        r.handle = h;
        isd_finish(d, c, &r);
        return;
    }
    bool done = false;
    h->opening = true;
    h->open_c = c;
    h->open_done = d->synchronous ? &done : NULL;
    h->next_opening = s->opening;
    s->opening = h;
    s->busy++;
    isd_sess_process(s); /* the login may have failed already */
    if (d->synchronous)
        isd_sess_wait(s, &done);
    s->busy--;
    isd_sess_maybe_free(s);
}

static void is_close(void *ctx, void *handle, bool delete_file, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    is_handle *h = handle_get(handle);
    if (!d || !h) {
        isd_finish_status(d, c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    is_session *s = h->s;
    h->magic = 0;
    rsvd_mem_free(d->mem, h);
    s->handles--;
    d->open_handles--;
    s->busy++;
    if (s->handles == 0 && !(s->registered && s->state == IS_READY) && !s->in_service)
        isd_sess_end(s);
    /* A session kept for its registration stays logged in: the target
     * knows the registrant by its session (docs/backends.md). */
    s->busy--;
    isd_sess_maybe_free(s);
    isd_finish_status(d, c, delete_file ? RSVD_STATUS_NOT_SUPPORTED : RSVD_STATUS_SUCCESS);
}

/* Completes a call with CHECK CONDITION: sense key @p key, ASC/ASCQ @p ascq. */
static void local_check(rsvd_iscsi_disk *d, rsvd_completion c, uint8_t key, uint16_t ascq)
{
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = RSVD_STATUS_SUCCESS;
    rsvd_scsi_result_check_condition(&r.scsi, key, (uint8_t)(ascq >> 8), (uint8_t)ascq);
    isd_finish(d, c, &r);
}

static void is_execute(void *ctx, void *handle, const rsvd_scsi_cmd *cmd, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    is_handle *h = handle_get(handle);
    if (!d || !h || !cmd) {
        isd_finish_status(d, c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    is_session *s = h->s;
    if (cmd->cdb_len == 0 || cmd->cdb_len > RSVD_SCSI_CDB_MAX) {
        local_check(d, c, RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    uint8_t op = cmd->cdb[0];
    if (op == RSVD_SCSI_OP_PERSISTENT_RESERVE_OUT && !s->has_initiator) {
        /* An open without an initiator never registers (as the built-in disk). */
        isd_local_scsi(d, c, RSVD_STATUS_SUCCESS, RSVD_SCSI_STATUS_RESERVATION_CONFLICT, NULL, 0);
        return;
    }
    if (s->state != IS_DEAD &&
        isd_ua_report(s, cmd->cdb, cmd->cdb_len, cmd->data_in, cmd->data_in_cap, c))
        return;
    is_slot *sl = isd_slot_for(h, c, true);
    if (!sl)
        return;
    sl->kind = K_EXEC;
    memcpy(sl->cdb, cmd->cdb, cmd->cdb_len);
    sl->cdb_len = cmd->cdb_len;
    sl->xfer = SCSI_XFER_NONE;
    if (cmd->direction == RSVD_SCSI_DATA_IN && cmd->data_in && cmd->data_in_cap) {
        sl->xfer = SCSI_XFER_READ;
        sl->in = cmd->data_in;
        sl->in_cap = cmd->data_in_cap;
    } else if (cmd->direction == RSVD_SCSI_DATA_OUT && cmd->data_out && cmd->data_out_len) {
        sl->xfer = SCSI_XFER_WRITE;
        sl->out = cmd->data_out;
        sl->out_len = cmd->data_out_len;
    }
    if (op == RSVD_SCSI_OP_PERSISTENT_RESERVE_OUT && cmd->cdb_len >= 2) {
        uint8_t sa = cmd->cdb[1] & 0x1F;
        rsvd_scsi_prout_params p;
        if ((sa == RSVD_SCSI_PROUT_REGISTER ||
             sa == RSVD_SCSI_PROUT_REGISTER_AND_IGNORE_EXISTING_KEY) &&
            sl->xfer == SCSI_XFER_WRITE &&
            rsvd_scsi_prout_params_decode(sl->out, sl->out_len, &p) == RSVD_OK)
            sl->prout_reg = p.sa_reservation_key != 0 ? 1 : 0;
    }
    isd_start(h, sl, c);
}

/* SMB2 READ/WRITE on the disk: READ(16)/WRITE(16) of whole blocks. */
static void is_rw(rsvd_iscsi_disk *d, void *handle, bool write, uint64_t offset, uint8_t *in,
                  const uint8_t *out, uint32_t len, rsvd_completion c)
{
    is_handle *h = handle_get(handle);
    if (!d || !h) {
        isd_finish_status(d, c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    is_session *s = h->s;
    if (s->state != IS_DEAD && isd_ua_report(s, NULL, 0, NULL, 0, c))
        return;
    uint32_t lbs = s->lbs ? s->lbs : 512u;
    if (offset % lbs || len % lbs || len / lbs == 0) {
        if (len == 0) {
            /* Nothing to move: no command either. */
            isd_local_scsi(d, c, RSVD_STATUS_SUCCESS, RSVD_SCSI_STATUS_GOOD, NULL, 0);
            return;
        }
        local_check(d, c, RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    is_slot *sl = isd_slot_for(h, c, true);
    if (!sl)
        return;
    sl->kind = write ? K_WRITE : K_READ;
    int n = write ? rsvd_scsi_cdb_write16(sl->cdb, sizeof sl->cdb, offset / lbs, len / lbs, 0)
                  : rsvd_scsi_cdb_read16(sl->cdb, sizeof sl->cdb, offset / lbs, len / lbs, 0);
    sl->cdb_len = (uint8_t)n;
    if (write) {
        sl->xfer = SCSI_XFER_WRITE;
        sl->out = out;
        sl->out_len = len;
    } else {
        sl->xfer = SCSI_XFER_READ;
        sl->in = in;
        sl->in_cap = len;
    }
    isd_start(h, sl, c);
}

static void is_read(void *ctx, void *handle, uint64_t offset, uint8_t *buf, uint32_t len,
                    rsvd_completion c)
{
    is_rw(ctx, handle, false, offset, buf, NULL, len, c);
}

static void is_write(void *ctx, void *handle, uint64_t offset, const uint8_t *data, uint32_t len,
                     rsvd_completion c)
{
    is_rw(ctx, handle, true, offset, NULL, data, len, c);
}

/* [MS-RSVD] 3.2.5.5.4, 2.2.4.6 */
static void is_get_info(void *ctx, void *handle, rsvd_disk_info *out, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    is_handle *h = handle_get(handle);
    if (!d || !h || !out) {
        isd_finish_status(d, c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    is_slot *sl = isd_slot_for(h, c, false);
    if (!sl)
        return;
    sl->kind = K_INFO;
    sl->info = out;
    isd_start(h, sl, c);
}

/* [MS-RSVD] 3.2.5.5.6 */
static void is_validate(void *ctx, void *handle, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    is_handle *h = handle_get(handle);
    if (!d || !h) {
        isd_finish_status(d, c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    if (h->s->state == IS_DEAD || !h->s->ctx) {
        rsvd_io_result r;
        memset(&r, 0, sizeof r);
        r.status = RSVD_STATUS_DEVICE_NOT_READY;
        r.valid = false;
        isd_finish(d, c, &r);
        return;
    }
    is_slot *sl = isd_slot_for(h, c, false);
    if (!sl)
        return;
    sl->kind = K_VALIDATE;
    isd_start(h, sl, c);
}

/* [MS-RSVD] 3.2.5.8 on a virtual-SCSI open: the sizes of the last READ
 * CAPACITY (no command: it would take the guest's unit attentions). */
static void is_query_info(void *ctx, void *handle, uint32_t info_class, uint8_t *out,
                          uint32_t cap, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    is_handle *h = handle_get(handle);
    if (!d || !h) {
        isd_finish_status(d, c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    size_t need = rsvd_fscc_file_info_size(info_class);
    if (need == 0) {
        isd_finish_status(d, c, RSVD_STATUS_NOT_SUPPORTED);
        return;
    }
    if (cap < need || !out) {
        isd_finish_status(d, c, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    /* A plain file of the LUN's size; the four times are not known. */
    rsvd_fscc_file_info fi;
    memset(&fi, 0, sizeof fi);
    fi.allocation_size = h->s->blocks * h->s->lbs;
    fi.end_of_file = fi.allocation_size;
    fi.number_of_links = 1;
    fi.file_attributes = FSCC_FILE_ATTRIBUTE_ARCHIVE;
    size_t n = 0;
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = rsvd_fscc_file_info_encode(info_class, &fi, out, cap, &n) == RSVD_OK
                   ? RSVD_STATUS_SUCCESS
                   : RSVD_STATUS_BUFFER_TOO_SMALL;
    r.bytes = (uint32_t)n;
    isd_finish(d, c, &r);
}

/* [MS-RSVD] 3.2.5.9 */
static void is_set_info(void *ctx, void *handle, uint32_t info_class, const uint8_t *in,
                        uint32_t len, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    (void)in;
    (void)len;
    if (!d || !handle_get(handle)) {
        isd_finish_status(d, c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    isd_finish_status(d, c,
                      info_class == RSVD_FILE_LINK_INFORMATION ? RSVD_STATUS_INVALID_PARAMETER
                                                               : RSVD_STATUS_NOT_SUPPORTED);
}

static const rsvd_scsi_disk_ops iscsi_disk_ops = {
    .struct_size = sizeof(rsvd_scsi_disk_ops),
    .open = is_open,
    .close = is_close,
    .read = is_read,
    .write = is_write,
    .execute = is_execute,
    .get_info = is_get_info,
    .validate = is_validate,
    .query_info = is_query_info,
    .set_info = is_set_info,
};

const rsvd_scsi_disk_ops *rsvd_iscsi_disk_backend_ops(void)
{
    return &iscsi_disk_ops;
}
