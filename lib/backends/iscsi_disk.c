/*
 * The iSCSI virtual SCSI disk (rsvd/iscsi_disk.h): rsvd_scsi_disk_ops over
 * one logical unit of an iSCSI target through libiscsi's asynchronous API.
 *
 * Structure:
 *  - a session per initiator (InitiatorId, or "no initiator"): one libiscsi
 *    context, its state (CONNECTING -> PROBING -> READY -> LOGGING_OUT ->
 *    DEAD; CONNECTING -> LOGGING_IN -> PROBING while it logs in), and a
 *    fixed pool of command slots;
 *  - a handle per open, pointing at its session;
 *  - libiscsi's callbacks only record what happened (a slot's outcome, a
 *    connection or logout event). Everything else -- retries, the next
 *    step, completions -- runs in sess_process() after iscsi_service() has
 *    returned, so that a completion may re-enter the backend (issue a
 *    command, close the handle) without re-entering libiscsi.
 */
#define _GNU_SOURCE
#include <rsvd/iscsi_disk.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "scsi/be.h"
#include "util/mem.h"
#include "wire/fscc_info.h"

#define IS_HANDLE_MAGIC 0x52534953u /* "RSIS" */
/* Sense bytes kept per command: the RSVD sense area is 20 bytes; fixed
 * sense needs 14 to reach the ASCQ. */
#define IS_SENSE_MAX 32u
/* Unit attentions the backend's own commands met, kept for the guest. */
#define IS_UA_MAX 4u
/* Times the backend's own command is repeated past unit attentions. */
#define IS_OWN_TRIES 5u
#define IS_MAX_QUEUE_DEPTH 1024u
/* SCSI status TASK SET FULL ([SAM-4] 5.3). */
#define IS_SCSI_STATUS_TASK_SET_FULL 0x28u

typedef enum is_state {
    IS_CONNECTING, /* TCP connect in progress */
    IS_LOGGING_IN, /* iSCSI login in progress */
    IS_PROBING,    /* logged in; READ CAPACITY(16) for the geometry */
    IS_READY,
    IS_LOGGING_OUT,
    IS_DEAD /* no context: login failed, connection lost, or logged out */
} is_state;

typedef enum is_kind {
    K_EXEC,     /* a guest's tunnelled CDB */
    K_READ,     /* SMB2 READ as READ(16) */
    K_WRITE,    /* SMB2 WRITE as WRITE(16) */
    K_INFO,     /* get_info: READ CAPACITY(16) */
    K_VALIDATE, /* validate: TEST UNIT READY */
    K_PROBE     /* login: READ CAPACITY(16) */
} is_kind;

typedef enum is_slot_state { SLOT_FREE, SLOT_BUSY, SLOT_DONE } is_slot_state;

typedef struct is_session is_session;

typedef struct is_slot {
    is_session *s;
    is_slot_state state;
    is_kind kind;
    rsvd_completion c;
    bool *done_flag; /* synchronous mode: set when completed */
    /* The command, copied: the caller's rsvd_scsi_cmd need not outlive the call. */
    uint8_t cdb[RSVD_SCSI_CDB_MAX];
    uint8_t cdb_len;
    int xfer; /* SCSI_XFER_NONE, _READ, _WRITE */
    uint8_t *in;
    uint32_t in_cap;
    const uint8_t *out;
    uint32_t out_len;
    rsvd_disk_info *info;
    uint8_t own[RSVD_SCSI_READ_CAPACITY16_LEN]; /* data-in of the backend's own commands */
    unsigned tries;
    int prout_reg; /* PR OUT register action: -1 none, 0 key zero, 1 a key */
    /* REQUEST SENSE met CHECK CONDITION with a unit attention (tgtd): its
     * sense, the guest's buffer, and the TEST UNIT READY that clears it. */
    bool rs_clearing;
    uint8_t rs_sense[IS_SENSE_MAX];
    uint8_t rs_len;
    uint8_t rs_alloc;
    uint8_t *rs_in;
    uint32_t rs_cap;
    /* In flight: libiscsi's task. Done: the outcome its callback recorded. */
    struct scsi_task *task;
    struct scsi_iovec iov;
    int status; /* SCSI status, or SCSI_STATUS_ERROR/_CANCELLED/_TIMEOUT */
    uint32_t bytes;
    uint8_t sense[IS_SENSE_MAX];
    uint8_t sense_len;
} is_slot;

typedef struct is_handle {
    uint32_t magic;
    is_session *s;
    /* Open not yet completed (the session is logging in). */
    bool opening;
    rsvd_completion open_c;
    bool *open_done;
    struct is_handle *next_opening;
} is_handle;

struct is_session {
    rsvd_iscsi_disk *d;
    struct iscsi_context *ctx;
    is_state state;
    bool has_initiator;
    rsvd_guid id;
    char name[RSVD_ISCSI_NAME_MAX + 1];
    uint32_t handles;     /* handles of this session, opening ones included */
    is_handle *opening;   /* opens waiting for the login */
    uint32_t open_fail;   /* NTSTATUS for the waiting opens when it failed */
    bool registered;      /* see the file comment of iscsi_disk.h */
    bool in_service;      /* inside iscsi_service() */
    unsigned busy;        /* nesting of the backend's own code: no free */
    bool logout_flag;     /* synchronous logout: set when done */
    /* Events recorded by libiscsi callbacks. */
    bool connect_event;
    int connect_status;
    bool login_event;
    int login_status;
    bool logout_event;
    struct timespec deadline; /* login and logout */
    /* Unit attentions met by the backend's own commands, oldest first. */
    uint8_t ua[IS_UA_MAX][IS_SENSE_MAX];
    uint8_t ua_len[IS_UA_MAX];
    uint8_t ua_count;
    /* Geometry from the last READ CAPACITY(16). */
    uint32_t lbs;
    uint32_t pbs;
    uint64_t blocks;
    /* Command slots. */
    is_slot *slots;
    uint32_t nslots;
    uint32_t inflight; /* BUSY slots */
    uint32_t pending;  /* BUSY and DONE slots of calls not yet completed */
};

struct rsvd_iscsi_disk {
    const rsvd_mem *mem;
    char *portal;
    char *target;
    char *prefix;
    char *chap_user;
    char *chap_password;
    uint32_t lun;
    uint32_t timeout_s;
    uint32_t max_sessions;
    uint32_t queue_depth;
    bool synchronous;
    rsvd_guid disk_id;
    is_session **sessions;
    struct pollfd *pfds; /* rsvd_iscsi_disk_run */
    size_t open_handles;
    size_t completed; /* completions issued: the service functions' count */
    rsvd_backend_diag last;
};

static void sess_process(is_session *s);
static void sess_maybe_free(is_session *s);

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

static void diag_set(rsvd_iscsi_disk *d, uint32_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void diag_set(rsvd_iscsi_disk *d, uint32_t status, const char *fmt, ...)
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

static void now_plus(struct timespec *t, uint32_t seconds)
{
    clock_gettime(CLOCK_MONOTONIC, t);
    t->tv_sec += (time_t)seconds;
}

static bool past(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void finish(rsvd_iscsi_disk *d, rsvd_completion c, const rsvd_io_result *r)
{
    if (d)
        d->completed++;
    rsvd_complete(c, r); /* may re-enter the backend */
}

static void finish_status(rsvd_iscsi_disk *d, rsvd_completion c, uint32_t status)
{
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = status;
    finish(d, c, &r);
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

/* The ISID's 24-bit random field and 16-bit qualifier: FNV-1a of the
 * InitiatorId, so that an initiator always logs in as the same port. */
static void isid_of(const is_session *s, uint32_t *rnd, uint32_t *qualifier)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < sizeof s->id.b; i++) {
        h ^= s->has_initiator ? s->id.b[i] : 0u;
        h *= 0x100000001b3ull;
    }
    *rnd = (uint32_t)(h & 0xFFFFFFu);
    *qualifier = (uint32_t)((h >> 24) & 0xFFFFu);
}

/* ------------------------------------------------------------------------ */
/* Commands                                                                  */
/* ------------------------------------------------------------------------ */

static is_slot *slot_get(is_session *s)
{
    for (uint32_t i = 0; i < s->nslots; i++)
        if (s->slots[i].state == SLOT_FREE) {
            is_slot *sl = &s->slots[i];
            memset(sl, 0, sizeof *sl);
            sl->s = s;
            sl->prout_reg = -1;
            return sl;
        }
    return NULL;
}

/* libiscsi's completion of a command: record the outcome, nothing else. */
static void cmd_cb(struct iscsi_context *iscsi, int status, void *command_data, void *priv)
{
    (void)iscsi;
    (void)command_data; /* NULL when cancelled; the slot has the task */
    is_slot *sl = priv;
    struct scsi_task *t = sl->task;
    sl->status = status;
    sl->bytes = 0;
    sl->sense_len = 0;
    if (t && status == SCSI_STATUS_GOOD && sl->xfer == SCSI_XFER_READ) {
        uint32_t want = sl->in_cap;
        if (t->datain.data && t->datain.size > 0) {
            /* Data that did not go into the iovector. */
            uint32_t n = (uint32_t)t->datain.size < want ? (uint32_t)t->datain.size : want;
            memcpy(sl->iov.iov_base, t->datain.data, n);
            sl->bytes = n;
        } else if (t->residual_status == SCSI_RESIDUAL_UNDERFLOW) {
            sl->bytes = t->residual < want ? want - (uint32_t)t->residual : 0;
        } else {
            sl->bytes = want;
        }
    } else if (t && status == SCSI_STATUS_GOOD && sl->xfer == SCSI_XFER_WRITE) {
        sl->bytes = sl->out_len;
    } else if (t && status == SCSI_STATUS_CHECK_CONDITION && t->datain.data) {
        /* The SCSI Response's data segment: SenseLength (2 bytes,
         * big-endian) and the sense data (RFC 7143 11.4.7.2). */
        rsvd_rd rd;
        rsvd_rd_init(&rd, t->datain.data, t->datain.size > 0 ? (size_t)t->datain.size : 0);
        size_t n = rsvd_rd_be16(&rd);
        if (n > rsvd_rd_left(&rd))
            n = rsvd_rd_left(&rd);
        if (n > sizeof sl->sense)
            n = sizeof sl->sense;
        rsvd_rd_copy(&rd, sl->sense, n);
        sl->sense_len = rsvd_rd_ok(&rd) ? (uint8_t)n : 0;
    }
    if (t)
        scsi_free_scsi_task(t);
    sl->task = NULL;
    if (sl->state == SLOT_BUSY) {
        sl->state = SLOT_DONE;
        sl->s->inflight--;
    }
}

/* Sends the slot's CDB. @return 0, or -1 (nothing sent). */
static int slot_submit(is_slot *sl)
{
    is_session *s = sl->s;
    if (!s->ctx)
        return -1;
    uint32_t len = sl->xfer == SCSI_XFER_READ ? sl->in_cap
                   : sl->xfer == SCSI_XFER_WRITE ? sl->out_len
                                                 : 0;
    struct scsi_task *t = scsi_create_task(sl->cdb_len, sl->cdb, sl->xfer, (int)len);
    if (!t)
        return -1;
    struct iscsi_data data = {0, NULL};
    if (sl->xfer == SCSI_XFER_READ) {
        sl->iov.iov_base = sl->in;
        sl->iov.iov_len = sl->in_cap;
        scsi_task_set_iov_in(t, &sl->iov, 1);
    } else if (sl->xfer == SCSI_XFER_WRITE) {
        data.size = sl->out_len;
        data.data = (unsigned char *)(uintptr_t)sl->out; /* libiscsi only reads it */
    }
    sl->task = t;
    sl->state = SLOT_BUSY;
    s->inflight++;
    if (iscsi_scsi_command_async(s->ctx, (int)s->d->lun, t, cmd_cb,
                                 sl->xfer == SCSI_XFER_WRITE ? &data : NULL, sl) != 0) {
        sl->task = NULL;
        sl->state = SLOT_FREE;
        s->inflight--;
        scsi_free_scsi_task(t);
        return -1;
    }
    return 0;
}

/* A backend-issued READ CAPACITY(16) into the slot's own buffer. */
static int slot_submit_rcap16(is_slot *sl)
{
    int n = rsvd_scsi_cdb_read_capacity16(sl->cdb, sizeof sl->cdb, RSVD_SCSI_READ_CAPACITY16_LEN);
    sl->cdb_len = (uint8_t)n;
    sl->xfer = SCSI_XFER_READ;
    sl->in = sl->own;
    sl->in_cap = sizeof sl->own;
    return slot_submit(sl);
}

static int slot_submit_tur(is_slot *sl)
{
    int n = rsvd_scsi_cdb_test_unit_ready(sl->cdb, sizeof sl->cdb);
    sl->cdb_len = (uint8_t)n;
    sl->xfer = SCSI_XFER_NONE;
    return slot_submit(sl);
}

/* The outcome as rsvd_io_result, with the unit-attention status mapping. */
static void slot_result(const is_slot *sl, rsvd_io_result *r)
{
    memset(r, 0, sizeof *r);
    switch (sl->status) {
    case SCSI_STATUS_TIMEOUT:
        r->status = RSVD_STATUS_IO_TIMEOUT;
        return;
    case SCSI_STATUS_CANCELLED:
        r->status = RSVD_STATUS_DEVICE_NOT_READY;
        return;
    case SCSI_STATUS_ERROR:
        r->status = sl->s->state == IS_DEAD ? RSVD_STATUS_DEVICE_NOT_READY
                                             : RSVD_STATUS_IO_DEVICE_ERROR;
        return;
    default:
        break;
    }
    if (sl->status < 0 || sl->status > 0xFF) {
        r->status = RSVD_STATUS_IO_DEVICE_ERROR;
        return;
    }
    r->status = RSVD_STATUS_SUCCESS;
    rsvd_scsi_result_set(&r->scsi, (uint8_t)sl->status, sl->sense, sl->sense_len);
    if (sl->status == SCSI_STATUS_GOOD) {
        r->bytes = sl->bytes;
        return;
    }
    rsvd_scsi_sense sd;
    if (sl->status == SCSI_STATUS_CHECK_CONDITION &&
        rsvd_scsi_sense_decode(sl->sense, sl->sense_len, &sd) == RSVD_OK)
        r->status = rsvd_scsi_sense_ua_status(&sd); /* [MS-RSVD] 3.2.5.5.5 step 5 */
}

static bool slot_is_ua(const is_slot *sl, rsvd_scsi_sense *sd)
{
    return sl->status == SCSI_STATUS_CHECK_CONDITION &&
           rsvd_scsi_sense_decode(sl->sense, sl->sense_len, sd) == RSVD_OK &&
           sd->key == RSVD_SCSI_SENSE_UNIT_ATTENTION;
}

/* Keeps a unit attention the backend's own command met, for the guest. */
static void ua_keep(is_session *s, const is_slot *sl)
{
    if (s->ua_count >= IS_UA_MAX)
        return;
    memset(s->ua[s->ua_count], 0, IS_SENSE_MAX);
    memcpy(s->ua[s->ua_count], sl->sense, sl->sense_len);
    s->ua_len[s->ua_count] = sl->sense_len;
    s->ua_count++;
}

static void ua_pop(is_session *s, uint8_t *sense, uint8_t *len)
{
    memcpy(sense, s->ua[0], IS_SENSE_MAX);
    *len = s->ua_len[0];
    s->ua_count--;
    memmove(s->ua[0], s->ua[1], (size_t)s->ua_count * IS_SENSE_MAX);
    memmove(s->ua_len, s->ua_len + 1, s->ua_count);
}

/* ------------------------------------------------------------------------ */
/* Sessions                                                                  */
/* ------------------------------------------------------------------------ */

static void connect_cb(struct iscsi_context *iscsi, int status, void *command_data, void *priv)
{
    (void)iscsi;
    (void)command_data;
    is_session *s = priv;
    s->connect_event = true;
    s->connect_status = status;
}

static void login_cb(struct iscsi_context *iscsi, int status, void *command_data, void *priv)
{
    (void)iscsi;
    (void)command_data;
    is_session *s = priv;
    s->login_event = true;
    s->login_status = status;
}

static void logout_cb(struct iscsi_context *iscsi, int status, void *command_data, void *priv)
{
    (void)iscsi;
    (void)status;
    (void)command_data;
    is_session *s = priv;
    s->logout_event = true;
}

/* Ends the session: no context any more. Commands still in flight are
 * finished as cancelled; sess_process() completes them and the opens that
 * were waiting. Never called from inside iscsi_service(). */
static void sess_kill(is_session *s)
{
    s->state = IS_DEAD;
    if (s->ctx) {
        struct iscsi_context *ctx = s->ctx;
        s->ctx = NULL;
        iscsi_destroy_context(ctx); /* may call cmd_cb with CANCELLED */
    }
    for (uint32_t i = 0; i < s->nslots; i++) {
        is_slot *sl = &s->slots[i];
        if (sl->state != SLOT_BUSY)
            continue;
        /* libiscsi did not call back (it skips callbacks when the session
         * was not logged in any more): the task is ours to free. */
        if (sl->task)
            scsi_free_scsi_task(sl->task);
        sl->task = NULL;
        sl->status = SCSI_STATUS_CANCELLED;
        sl->state = SLOT_DONE;
        s->inflight--;
    }
}

static void sess_fail(is_session *s, uint32_t status, const char *what)
{
    if (s->state == IS_DEAD)
        return;
    const char *why = s->ctx ? iscsi_get_error(s->ctx) : NULL;
    diag_set(s->d, status, "%s %s at %s: %s [initiator %s]", what, s->d->target, s->d->portal,
             why && *why ? why : "failed", s->name);
    if (s->open_fail == RSVD_STATUS_SUCCESS)
        s->open_fail = status;
    sess_kill(s);
}

static void sess_end(is_session *s);

/* Completes the opens that waited for the login. */
static void sess_finish_opens(is_session *s)
{
    rsvd_iscsi_disk *d = s->d;
    while (s->opening) {
        is_handle *h = s->opening;
        s->opening = h->next_opening;
        h->opening = false;
        h->next_opening = NULL;
        rsvd_io_result r;
        memset(&r, 0, sizeof r);
        if (s->state == IS_READY) {
            r.status = RSVD_STATUS_SUCCESS;
            r.handle = h;
        } else {
            r.status = s->open_fail ? s->open_fail : RSVD_STATUS_DEVICE_NOT_READY;
            h->magic = 0;
            s->handles--;
            d->open_handles--;
        }
        bool *flag = h->open_done;
        rsvd_completion c = h->open_c;
        if (s->state != IS_READY)
            rsvd_mem_free(d->mem, h);
        if (flag)
            *flag = true;
        finish(d, c, &r);
    }
}

/* The login's READ CAPACITY(16) finished. */
static void probe_done(is_slot *sl)
{
    is_session *s = sl->s;
    rsvd_scsi_sense sd;
    if (sl->status == SCSI_STATUS_GOOD) {
        rsvd_scsi_capacity cap;
        if (rsvd_scsi_read_capacity16_decode(sl->own, sl->bytes, &cap) == RSVD_OK &&
            cap.block_length >= 512 && !(cap.block_length & (cap.block_length - 1)) &&
            cap.lbppb_exponent <= 15 && cap.last_lba < UINT64_MAX) {
            s->lbs = cap.block_length;
            s->pbs = cap.block_length << cap.lbppb_exponent;
            s->blocks = cap.last_lba + 1;
            s->state = IS_READY;
            sl->state = SLOT_FREE;
            return;
        }
        sl->state = SLOT_FREE;
        sess_fail(s, RSVD_STATUS_IO_DEVICE_ERROR, "READ CAPACITY(16) data unusable from");
        return;
    }
    if (slot_is_ua(sl, &sd) && sl->tries < IS_OWN_TRIES) {
        /* POWER ON, RESET, I_T NEXUS LOSS (29/xx) belong to the new nexus
         * and are consumed; any other attention is kept for the guest. */
        if (sd.asc != 0x29)
            ua_keep(s, sl);
        sl->tries++;
        if (slot_submit_rcap16(sl) != 0)
            sess_fail(s, RSVD_STATUS_DEVICE_NOT_READY, "READ CAPACITY(16) not sent to");
        return;
    }
    sl->state = SLOT_FREE;
    if (sl->status == SCSI_STATUS_CHECK_CONDITION &&
        rsvd_scsi_sense_decode(sl->sense, sl->sense_len, &sd) == RSVD_OK && sd.asc == 0x25) {
        s->open_fail = RSVD_STATUS_NO_SUCH_DEVICE; /* LOGICAL UNIT NOT SUPPORTED */
        sess_fail(s, RSVD_STATUS_NO_SUCH_DEVICE, "no such LUN on");
        return;
    }
    sess_fail(s, sl->status == SCSI_STATUS_TIMEOUT ? RSVD_STATUS_IO_TIMEOUT
                                                   : RSVD_STATUS_DEVICE_NOT_READY,
              "READ CAPACITY(16) failed on");
}

/* A slot that finished: the next step, or the completion of its call. */
static void slot_done(is_slot *sl)
{
    is_session *s = sl->s;
    rsvd_iscsi_disk *d = s->d;
    rsvd_scsi_sense sd;
    if (sl->kind == K_PROBE) {
        probe_done(sl);
        return;
    }
    if ((sl->kind == K_INFO || sl->kind == K_VALIDATE) && slot_is_ua(sl, &sd) &&
        sl->tries < IS_OWN_TRIES) {
        /* The attention is the guest's: keep it, and ask again. */
        ua_keep(s, sl);
        sl->tries++;
        int rc = sl->kind == K_INFO ? slot_submit_rcap16(sl) : slot_submit_tur(sl);
        if (rc == 0)
            return;
        sl->status = SCSI_STATUS_ERROR;
    }
    if (sl->kind == K_EXEC && !sl->rs_clearing && sl->cdb_len >= 6 &&
        sl->cdb[0] == RSVD_SCSI_OP_REQUEST_SENSE && slot_is_ua(sl, &sd)) {
        /* [SAM-4] unit attention conditions, [SPC-3] 6.27: REQUEST SENSE
         * returns a pending unit attention as its parameter data and clears
         * it. tgtd answers CHECK CONDITION instead and keeps the attention:
         * answer as SAM-4 says, and clear it with a TEST UNIT READY. */
        sl->rs_clearing = true;
        memcpy(sl->rs_sense, sl->sense, sizeof sl->rs_sense);
        sl->rs_len = sl->sense_len;
        sl->rs_alloc = sl->cdb[4];
        sl->rs_in = sl->in;
        sl->rs_cap = sl->in_cap;
        if (slot_submit_tur(sl) == 0)
            return;
        sl->status = SCSI_STATUS_GOOD; /* not cleared: answer all the same */
    }
    rsvd_io_result r;
    if (sl->rs_clearing) {
        rsvd_scsi_sense cleared;
        /* The TEST UNIT READY took the attention REQUEST SENSE reported; if
         * it met another one (a target that had cleared it), keep that. */
        if (slot_is_ua(sl, &sd) &&
            !(rsvd_scsi_sense_decode(sl->rs_sense, sl->rs_len, &cleared) == RSVD_OK &&
              cleared.asc == sd.asc && cleared.ascq == sd.ascq))
            ua_keep(s, sl);
        uint32_t n = sl->rs_len;
        if (n > sl->rs_alloc)
            n = sl->rs_alloc;
        if (n > sl->rs_cap || !sl->rs_in)
            n = sl->rs_in ? sl->rs_cap : 0;
        if (n)
            memcpy(sl->rs_in, sl->rs_sense, n);
        memset(&r, 0, sizeof r);
        r.status = RSVD_STATUS_SUCCESS;
        r.bytes = n;
        rsvd_scsi_result_set(&r.scsi, RSVD_SCSI_STATUS_GOOD, NULL, 0);
    } else {
        slot_result(sl, &r);
    }
    if (sl->kind == K_INFO && r.status == RSVD_STATUS_SUCCESS) {
        rsvd_scsi_capacity cap;
        if (r.scsi.scsi_status != RSVD_SCSI_STATUS_GOOD ||
            rsvd_scsi_read_capacity16_decode(sl->own, sl->bytes, &cap) != RSVD_OK ||
            cap.block_length < 512 || cap.lbppb_exponent > 15 || cap.last_lba == UINT64_MAX) {
            r.status = RSVD_STATUS_IO_DEVICE_ERROR;
        } else {
            s->lbs = cap.block_length;
            s->pbs = cap.block_length << cap.lbppb_exponent;
            s->blocks = cap.last_lba + 1;
            rsvd_disk_info *o = sl->info;
            memset(o, 0, sizeof *o);
            o->sector_size = s->lbs;
            o->physical_sector_size = s->pbs;
            o->virtual_size = s->blocks * s->lbs;
            o->disk_type = RSVD_VHD_TYPE_FIXED;
            o->block_size = 0;       /* [MS-RSVD] <17>: 0 for a fixed disk */
            o->is_mounted = true;
            o->is_4k_aligned = true; /* the data starts at LBA 0 */
            o->file_size = o->virtual_size;
            o->virtual_disk_id = d->disk_id;
        }
        memset(&r.scsi, 0, sizeof r.scsi);
        r.bytes = 0;
    } else if (sl->kind == K_VALIDATE) {
        r.valid = r.status == RSVD_STATUS_SUCCESS && r.scsi.scsi_status == RSVD_SCSI_STATUS_GOOD;
        if (r.status != RSVD_STATUS_SUCCESS && r.status != RSVD_STATUS_IO_TIMEOUT &&
            r.status != RSVD_STATUS_DEVICE_NOT_READY && r.status != RSVD_STATUS_IO_DEVICE_ERROR)
            r.status = RSVD_STATUS_SUCCESS; /* a unit attention left after the tries */
        memset(&r.scsi, 0, sizeof r.scsi);
        r.bytes = 0;
    } else if (sl->kind == K_EXEC && sl->prout_reg >= 0 && r.status == RSVD_STATUS_SUCCESS &&
               r.scsi.scsi_status == RSVD_SCSI_STATUS_GOOD) {
        s->registered = sl->prout_reg == 1;
    }
    bool *flag = sl->done_flag;
    rsvd_completion c = sl->c;
    sl->state = SLOT_FREE;
    s->pending--;
    if (flag)
        *flag = true;
    finish(d, c, &r);
}

/*
 * Runs everything libiscsi's callbacks recorded: connection and logout
 * events, finished slots (their next step or completion), the opens that
 * waited for the login. Re-entrant: a completion may call the backend again.
 */
static void sess_process(is_session *s)
{
    s->busy++;
    for (;;) {
        if (s->connect_event) {
            /* libiscsi calls back once when the TCP connection is up (or
             * failed), and again if an established connection fails. */
            s->connect_event = false;
            if (s->state == IS_CONNECTING) {
                if (s->connect_status != SCSI_STATUS_GOOD)
                    sess_fail(s, RSVD_STATUS_DEVICE_NOT_READY, "cannot connect to");
                else if (iscsi_login_async(s->ctx, login_cb, s) != 0)
                    sess_fail(s, RSVD_STATUS_DEVICE_NOT_READY, "cannot log in to");
                else
                    s->state = IS_LOGGING_IN;
            } else if (s->connect_status != SCSI_STATUS_GOOD && s->state != IS_DEAD &&
                       s->state != IS_LOGGING_OUT) {
                sess_fail(s, RSVD_STATUS_DEVICE_NOT_READY, "connection lost to");
            }
            continue;
        }
        if (s->login_event) {
            s->login_event = false;
            if (s->state == IS_LOGGING_IN) {
                is_slot *sl = NULL;
                if (s->login_status == SCSI_STATUS_GOOD) {
                    s->state = IS_PROBING;
                    sl = slot_get(s); /* all free: nothing was sent yet */
                }
                if (sl)
                    sl->kind = K_PROBE;
                if (s->login_status != SCSI_STATUS_GOOD)
                    sess_fail(s, RSVD_STATUS_DEVICE_NOT_READY, "login refused by");
                else if (!sl || slot_submit_rcap16(sl) != 0)
                    sess_fail(s, RSVD_STATUS_DEVICE_NOT_READY, "READ CAPACITY(16) not sent to");
            }
            continue;
        }
        if (s->logout_event) {
            s->logout_event = false;
            sess_kill(s);
            s->logout_flag = true;
            continue;
        }
        is_slot *done = NULL;
        for (uint32_t i = 0; i < s->nslots && !done; i++)
            if (s->slots[i].state == SLOT_DONE)
                done = &s->slots[i];
        if (done) {
            slot_done(done);
            continue;
        }
        if (s->opening && (s->state == IS_READY || s->state == IS_DEAD)) {
            sess_finish_opens(s);
            continue;
        }
        if (s->state == IS_READY && s->handles == 0 && !s->registered) {
            sess_end(s); /* every open failed or closed meanwhile */
            continue;
        }
        break;
    }
    s->busy--;
}

/* Services one session: what its connection is ready for, timeouts, then
 * what finished. */
static void sess_service(is_session *s, int revents)
{
    if (s->ctx) {
        s->in_service = true;
        int rc = iscsi_service(s->ctx, revents);
        s->in_service = false;
        if (rc < 0 && s->state != IS_LOGGING_OUT)
            sess_fail(s, RSVD_STATUS_DEVICE_NOT_READY,
                      s->state == IS_CONNECTING   ? "cannot connect to"
                      : s->state == IS_LOGGING_IN ? "login refused by"
                                                  : "connection lost to");
        else if (rc < 0)
            sess_kill(s); /* the target closed first: logged out all the same */
    }
    if ((s->state == IS_CONNECTING || s->state == IS_LOGGING_IN || s->state == IS_PROBING) &&
        past(&s->deadline))
        sess_fail(s, RSVD_STATUS_IO_TIMEOUT, "login timed out at");
    if (s->state == IS_LOGGING_OUT && past(&s->deadline))
        sess_kill(s);
    sess_process(s);
}

/* Synchronous mode: services @p s until *flag is set. */
static void sess_wait(is_session *s, const bool *flag)
{
    s->busy++;
    struct timespec limit;
    now_plus(&limit, s->d->timeout_s + 5u);
    while (!*flag) {
        if (!s->ctx) {
            sess_process(s);
            if (!*flag)
                break; /* nothing left that could set it */
            continue;
        }
        struct pollfd p = {iscsi_get_fd(s->ctx), (short)iscsi_which_events(s->ctx), 0};
        int n = poll(&p, 1, 100);
        sess_service(s, n > 0 ? p.revents : 0);
        if (!*flag && past(&limit)) {
            sess_fail(s, RSVD_STATUS_IO_TIMEOUT, "no answer from");
            sess_process(s);
        }
    }
    s->busy--;
}

/* Logs the session out (it has no handles and holds no registration). */
static void sess_end(is_session *s)
{
    if (s->state != IS_READY || !s->ctx) {
        sess_kill(s);
        return;
    }
    s->state = IS_LOGGING_OUT;
    now_plus(&s->deadline, s->d->timeout_s);
    s->logout_flag = false;
    if (iscsi_logout_async(s->ctx, logout_cb, s) != 0) {
        sess_kill(s);
        s->logout_flag = true;
        return;
    }
    if (s->d->synchronous && !s->in_service)
        sess_wait(s, &s->logout_flag);
}

static void sess_maybe_free(is_session *s)
{
    if (s->busy || s->in_service || s->state != IS_DEAD || s->handles || s->inflight ||
        s->pending)
        return;
    rsvd_iscsi_disk *d = s->d;
    for (uint32_t i = 0; i < d->max_sessions; i++)
        if (d->sessions[i] == s)
            d->sessions[i] = NULL;
    rsvd_mem_free(d->mem, s->slots);
    rsvd_mem_free(d->mem, s);
}

static is_session *sess_find(rsvd_iscsi_disk *d, const rsvd_backend_open_args *a)
{
    for (uint32_t i = 0; i < d->max_sessions; i++) {
        is_session *s = d->sessions[i];
        if (!s || s->state == IS_DEAD || s->state == IS_LOGGING_OUT)
            continue;
        if (s->has_initiator != a->has_initiator)
            continue;
        if (!a->has_initiator || rsvd_guid_equal(&s->id, &a->initiator_id))
            return s;
    }
    return NULL;
}

/* Creates a session and starts its login. @return NULL with d->last set. */
static is_session *sess_create(rsvd_iscsi_disk *d, const rsvd_backend_open_args *a)
{
    uint32_t idx = d->max_sessions;
    for (uint32_t i = 0; i < d->max_sessions; i++)
        if (!d->sessions[i]) {
            idx = i;
            break;
        }
    if (idx == d->max_sessions) {
        diag_set(d, RSVD_STATUS_INSUFFICIENT_RESOURCES, "%u sessions already open to %s",
                 d->max_sessions, d->target);
        return NULL;
    }
    is_session *s = rsvd_mem_calloc(d->mem, 1, sizeof *s);
    is_slot *slots = s ? rsvd_mem_calloc(d->mem, d->queue_depth, sizeof *slots) : NULL;
    if (!slots) {
        rsvd_mem_free(d->mem, s);
        diag_set(d, RSVD_STATUS_INSUFFICIENT_RESOURCES, "out of memory");
        return NULL;
    }
    s->d = d;
    s->slots = slots;
    s->nslots = d->queue_depth;
    s->has_initiator = a->has_initiator;
    if (a->has_initiator)
        s->id = a->initiator_id;
    rsvd_iscsi_initiator_name(d->prefix, &s->id, s->has_initiator, s->name, sizeof s->name);
    s->state = IS_CONNECTING;
    now_plus(&s->deadline, d->timeout_s);
    d->sessions[idx] = s;

    s->ctx = iscsi_create_context(s->name);
    if (!s->ctx) {
        diag_set(d, RSVD_STATUS_INSUFFICIENT_RESOURCES, "iscsi_create_context failed");
        s->state = IS_DEAD;
        sess_maybe_free(s);
        return NULL;
    }
    uint32_t rnd, qual;
    isid_of(s, &rnd, &qual);
    iscsi_set_isid_random(s->ctx, rnd, qual);
    iscsi_set_session_type(s->ctx, ISCSI_SESSION_NORMAL);
    iscsi_set_header_digest(s->ctx, ISCSI_HEADER_DIGEST_NONE_CRC32C);
    iscsi_set_noautoreconnect(s->ctx, 1);
    iscsi_set_timeout(s->ctx, (int)d->timeout_s);
    int rc = iscsi_set_targetname(s->ctx, d->target);
    if (rc == 0 && d->chap_user)
        rc = iscsi_set_initiator_username_pwd(s->ctx, d->chap_user,
                                              d->chap_password ? d->chap_password : "");
    if (rc == 0)
        rc = iscsi_connect_async(s->ctx, d->portal, connect_cb, s);
    if (rc != 0) {
        sess_fail(s, RSVD_STATUS_DEVICE_NOT_READY, "cannot start the login to");
        sess_maybe_free(s);
        return NULL;
    }
    return s;
}

/* ------------------------------------------------------------------------ */
/* The disk                                                                  */
/* ------------------------------------------------------------------------ */

int rsvd_iscsi_disk_create(const rsvd_iscsi_disk_config *cfg, rsvd_iscsi_disk **out)
{
    if (!out)
        return RSVD_E_INVAL;
    *out = NULL;
    if (!cfg || !cfg->portal || !*cfg->portal || !cfg->target || !*cfg->target)
        return RSVD_E_INVAL;
    const char *prefix = cfg->initiator_prefix ? cfg->initiator_prefix
                                               : RSVD_ISCSI_DEFAULT_INITIATOR_PREFIX;
    if (!prefix_valid(prefix) || cfg->queue_depth > IS_MAX_QUEUE_DEPTH ||
        cfg->max_sessions > (1u << 16) || cfg->lun > 0xFFFFu ||
        (cfg->chap_password && !cfg->chap_user))
        return RSVD_E_INVAL;
    const rsvd_mem *mem = rsvd_mem_or_default(cfg->mem);
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
            sess_end(s);
            d->synchronous = sync;
        } else if (s->state == IS_LOGGING_OUT) {
            sess_wait(s, &s->logout_flag);
        }
        sess_kill(s);
        sess_process(s);
        s->busy--;
        sess_maybe_free(s);
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

size_t rsvd_iscsi_disk_pending(const rsvd_iscsi_disk *d)
{
    size_t n = 0;
    for (uint32_t i = 0; i < d->max_sessions; i++) {
        const is_session *s = d->sessions[i];
        if (!s)
            continue;
        n += s->pending;
        for (const is_handle *h = s->opening; h; h = h->next_opening)
            n++;
    }
    return n;
}

size_t rsvd_iscsi_disk_pollfds(const rsvd_iscsi_disk *d, struct pollfd *fds, size_t cap)
{
    size_t n = 0;
    for (uint32_t i = 0; i < d->max_sessions; i++) {
        const is_session *s = d->sessions[i];
        if (!s || !s->ctx)
            continue;
        if (n < cap && fds) {
            fds[n].fd = iscsi_get_fd(s->ctx);
            fds[n].events = (short)iscsi_which_events(s->ctx);
            fds[n].revents = 0;
        }
        n++;
    }
    return n;
}

size_t rsvd_iscsi_disk_service(rsvd_iscsi_disk *d, const struct pollfd *fds, size_t n)
{
    size_t before = d->completed;
    for (uint32_t i = 0; i < d->max_sessions; i++) {
        is_session *s = d->sessions[i];
        if (!s)
            continue;
        short revents = 0;
        if (s->ctx && fds) {
            int fd = iscsi_get_fd(s->ctx);
            for (size_t k = 0; k < n; k++)
                if (fds[k].fd == fd)
                    revents = fds[k].revents;
        }
        s->busy++;
        sess_service(s, revents);
        s->busy--;
        sess_maybe_free(s);
    }
    return d->completed - before;
}

int rsvd_iscsi_disk_run(rsvd_iscsi_disk *d, int timeout_ms)
{
    size_t n = rsvd_iscsi_disk_pollfds(d, d->pfds, d->max_sessions);
    if (n > d->max_sessions)
        n = d->max_sessions;
    if (poll(d->pfds, (nfds_t)n, timeout_ms) < 0 && errno != EINTR)
        return RSVD_E_IO;
    size_t done = rsvd_iscsi_disk_service(d, d->pfds, n);
    return done > (size_t)INT32_MAX ? INT32_MAX : (int)done;
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
        finish_status(d, c, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    rsvd_backend_open_args a = *args;
    if (a.has_initiator && rsvd_guid_is_zero(&a.initiator_id))
        a.has_initiator = false; /* a zero InitiatorId is no initiator ([MS-RSVD] 3.2.5.1) */
    is_session *s = sess_find(d, &a);
    if (!s)
        s = sess_create(d, &a);
    if (!s) {
        finish_status(d, c, d->last.status);
        return;
    }
    is_handle *h = rsvd_mem_calloc(d->mem, 1, sizeof *h);
    if (!h) {
        diag_set(d, RSVD_STATUS_INSUFFICIENT_RESOURCES, "out of memory");
        if (s->handles == 0 && !s->registered)
            sess_kill(s); /* a session nobody joined */
        sess_maybe_free(s);
        finish_status(d, c, RSVD_STATUS_INSUFFICIENT_RESOURCES);
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
        finish(d, c, &r);
        return;
    }
    bool done = false;
    h->opening = true;
    h->open_c = c;
    h->open_done = d->synchronous ? &done : NULL;
    h->next_opening = s->opening;
    s->opening = h;
    s->busy++;
    sess_process(s); /* the login may have failed already */
    if (d->synchronous)
        sess_wait(s, &done);
    s->busy--;
    sess_maybe_free(s);
}

static void is_close(void *ctx, void *handle, bool delete_file, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    is_handle *h = handle_get(handle);
    if (!d || !h) {
        finish_status(d, c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    is_session *s = h->s;
    h->magic = 0;
    rsvd_mem_free(d->mem, h);
    s->handles--;
    d->open_handles--;
    s->busy++;
    if (s->handles == 0 && !(s->registered && s->state == IS_READY) && !s->in_service)
        sess_end(s);
    /* A session kept for its registration stays logged in: the target
     * knows the registrant by its session (docs/backends.md). */
    s->busy--;
    sess_maybe_free(s);
    finish_status(d, c, delete_file ? RSVD_STATUS_NOT_SUPPORTED : RSVD_STATUS_SUCCESS);
}

/* Completes a call with a locally built SCSI outcome. */
static void local_scsi(rsvd_iscsi_disk *d, rsvd_completion c, uint32_t status, uint8_t scsi,
                       const uint8_t *sense, size_t sense_len)
{
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = status;
    rsvd_scsi_result_set(&r.scsi, scsi, sense, sense_len);
    finish(d, c, &r);
}

static void local_check(rsvd_iscsi_disk *d, rsvd_completion c, uint8_t key, uint16_t ascq)
{
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = RSVD_STATUS_SUCCESS;
    rsvd_scsi_result_check_condition(&r.scsi, key, (uint8_t)(ascq >> 8), (uint8_t)ascq);
    finish(d, c, &r);
}

/*
 * Reports a unit attention kept from the backend's own commands instead of
 * the guest's command, as the target would have ([SAM-4] unit attention
 * conditions). INQUIRY and REPORT LUNS pass; REQUEST SENSE returns it as
 * its data. @return true if the call was completed.
 */
static bool ua_report(is_session *s, const uint8_t *cdb, uint8_t cdb_len, uint8_t *in,
                      uint32_t in_cap, rsvd_completion c)
{
    if (s->ua_count == 0)
        return false;
    uint8_t op = (cdb && cdb_len) ? cdb[0] : 0xFF;
    if (op == RSVD_SCSI_OP_INQUIRY || op == RSVD_SCSI_OP_REPORT_LUNS)
        return false;
    uint8_t sense[IS_SENSE_MAX];
    uint8_t len;
    ua_pop(s, sense, &len);
    if (cdb && op == RSVD_SCSI_OP_REQUEST_SENSE && cdb_len >= 6) {
        uint32_t n = len;
        if (n > cdb[4])
            n = cdb[4]; /* ALLOCATION LENGTH ([SPC-3] 6.27) */
        if (n > in_cap)
            n = in_cap;
        if (n && in)
            memcpy(in, sense, n);
        rsvd_io_result r;
        memset(&r, 0, sizeof r);
        r.status = RSVD_STATUS_SUCCESS;
        r.bytes = n;
        rsvd_scsi_result_set(&r.scsi, RSVD_SCSI_STATUS_GOOD, NULL, 0);
        finish(s->d, c, &r);
        return true;
    }
    rsvd_scsi_sense sd;
    uint32_t st = RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE;
    if (rsvd_scsi_sense_decode(sense, len, &sd) == RSVD_OK)
        st = rsvd_scsi_sense_ua_status(&sd);
    local_scsi(s->d, c, st, RSVD_SCSI_STATUS_CHECK_CONDITION, sense, len);
    return true;
}

/* Starts a guest command in a slot; completes the call if it cannot. */
static void start(is_handle *h, is_slot *sl, rsvd_completion c)
{
    is_session *s = h->s;
    rsvd_iscsi_disk *d = s->d;
    bool done = false;
    sl->c = c;
    sl->done_flag = d->synchronous ? &done : NULL;
    int rc = -1;
    if (sl->kind == K_INFO)
        rc = slot_submit_rcap16(sl);
    else if (sl->kind == K_VALIDATE)
        rc = slot_submit_tur(sl);
    else
        rc = slot_submit(sl);
    if (rc != 0) {
        sl->state = SLOT_FREE;
        const char *why = s->ctx ? iscsi_get_error(s->ctx) : "no session";
        diag_set(d, RSVD_STATUS_IO_DEVICE_ERROR, "command not sent to %s as %s: %s", d->target,
                 s->name, why);
        finish_status(d, c, RSVD_STATUS_IO_DEVICE_ERROR);
        return;
    }
    s->pending++;
    if (d->synchronous && !s->in_service) {
        s->busy++;
        sess_wait(s, &done);
        /* Completed in every path (a dead session finishes its slots); never
         * leave a pointer to this frame behind all the same. */
        for (uint32_t i = 0; !done && i < s->nslots; i++)
            if (s->slots[i].done_flag == &done)
                s->slots[i].done_flag = NULL;
        s->busy--;
        sess_maybe_free(s);
    }
}

/*
 * A slot for a call on @p h, or NULL when the call was completed instead:
 * STATUS_DEVICE_NOT_READY without a session; with every slot taken, TASK
 * SET FULL for a SCSI command ([SAM-4] 5.3), else
 * STATUS_INSUFFICIENT_RESOURCES.
 */
static is_slot *slot_for(is_handle *h, rsvd_completion c, bool scsi)
{
    is_session *s = h->s;
    if (s->state == IS_DEAD || !s->ctx) {
        finish_status(s->d, c, RSVD_STATUS_DEVICE_NOT_READY);
        return NULL;
    }
    is_slot *sl = slot_get(s);
    if (!sl) {
        if (scsi)
            local_scsi(s->d, c, RSVD_STATUS_SUCCESS, IS_SCSI_STATUS_TASK_SET_FULL, NULL, 0);
        else
            finish_status(s->d, c, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    }
    return sl;
}

static void is_execute(void *ctx, void *handle, const rsvd_scsi_cmd *cmd, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    is_handle *h = handle_get(handle);
    if (!d || !h || !cmd) {
        finish_status(d, c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
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
        local_scsi(d, c, RSVD_STATUS_SUCCESS, RSVD_SCSI_STATUS_RESERVATION_CONFLICT, NULL, 0);
        return;
    }
    if (s->state != IS_DEAD &&
        ua_report(s, cmd->cdb, cmd->cdb_len, cmd->data_in, cmd->data_in_cap, c))
        return;
    is_slot *sl = slot_for(h, c, true);
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
    start(h, sl, c);
}

/* SMB2 READ/WRITE on the disk: READ(16)/WRITE(16) of whole blocks. */
static void is_rw(rsvd_iscsi_disk *d, void *handle, bool write, uint64_t offset, uint8_t *in,
                  const uint8_t *out, uint32_t len, rsvd_completion c)
{
    is_handle *h = handle_get(handle);
    if (!d || !h) {
        finish_status(d, c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    is_session *s = h->s;
    if (s->state != IS_DEAD && ua_report(s, NULL, 0, NULL, 0, c))
        return;
    uint32_t lbs = s->lbs ? s->lbs : 512u;
    if (offset % lbs || len % lbs || len / lbs == 0) {
        if (len == 0) {
            /* Nothing to move: no command either. */
            local_scsi(d, c, RSVD_STATUS_SUCCESS, RSVD_SCSI_STATUS_GOOD, NULL, 0);
            return;
        }
        local_check(d, c, RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    is_slot *sl = slot_for(h, c, true);
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
    start(h, sl, c);
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
        finish_status(d, c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    is_slot *sl = slot_for(h, c, false);
    if (!sl)
        return;
    sl->kind = K_INFO;
    sl->info = out;
    start(h, sl, c);
}

/* [MS-RSVD] 3.2.5.5.6 */
static void is_validate(void *ctx, void *handle, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    is_handle *h = handle_get(handle);
    if (!d || !h) {
        finish_status(d, c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    if (h->s->state == IS_DEAD || !h->s->ctx) {
        rsvd_io_result r;
        memset(&r, 0, sizeof r);
        r.status = RSVD_STATUS_DEVICE_NOT_READY;
        r.valid = false;
        finish(d, c, &r);
        return;
    }
    is_slot *sl = slot_for(h, c, false);
    if (!sl)
        return;
    sl->kind = K_VALIDATE;
    start(h, sl, c);
}

/* [MS-RSVD] 3.2.5.8 on a virtual-SCSI open: the sizes of the last READ
 * CAPACITY (no command: it would take the guest's unit attentions). */
static void is_query_info(void *ctx, void *handle, uint32_t info_class, uint8_t *out,
                          uint32_t cap, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    is_handle *h = handle_get(handle);
    if (!d || !h) {
        finish_status(d, c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    size_t need = rsvd_fscc_file_info_size(info_class);
    if (need == 0) {
        finish_status(d, c, RSVD_STATUS_NOT_SUPPORTED);
        return;
    }
    if (cap < need || !out) {
        finish_status(d, c, RSVD_STATUS_BUFFER_TOO_SMALL);
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
    finish(d, c, &r);
}

/* [MS-RSVD] 3.2.5.9 */
static void is_set_info(void *ctx, void *handle, uint32_t info_class, const uint8_t *in,
                        uint32_t len, rsvd_completion c)
{
    rsvd_iscsi_disk *d = ctx;
    (void)in;
    (void)len;
    if (!d || !handle_get(handle)) {
        finish_status(d, c, RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    finish_status(d, c, info_class == RSVD_FILE_LINK_INFORMATION ? RSVD_STATUS_INVALID_PARAMETER
                                                                 : RSVD_STATUS_NOT_SUPPORTED);
}

static const rsvd_scsi_disk_ops iscsi_disk_ops = {
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
