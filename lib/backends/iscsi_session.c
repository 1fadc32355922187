/*
 * Sessions of the iSCSI disk (iscsi_disk_int.h): one per initiator, one
 * libiscsi context each. Connect, login and its READ CAPACITY(16) probe,
 * logout, the processing of what libiscsi's callbacks recorded, and the
 * polling functions of rsvd/iscsi_disk.h.
 */
#include "backends/iscsi_disk_int.h"

#include <errno.h>
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "util/mem.h"

/* ------------------------------------------------------------------------ */
/* Deadlines and the ISID                                                    */
/* ------------------------------------------------------------------------ */

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
/* Connect, login, logout; the events libiscsi recorded                      */
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
 * finished as cancelled; isd_sess_process() completes them and the opens
 * that were waiting. Never called from inside iscsi_service(). */
void isd_sess_kill(is_session *s)
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
    isd_diag_set(s->d, status, "%s %s at %s: %s [initiator %s]", what, s->d->target, s->d->portal,
                 why && *why ? why : "failed", s->name);
    if (s->open_fail == RSVD_STATUS_SUCCESS)
        s->open_fail = status;
    isd_sess_kill(s);
}

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
        isd_finish(d, c, &r);
    }
}

/* The login's READ CAPACITY(16) finished. */
void isd_probe_done(is_slot *sl)
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
    if (isd_slot_is_ua(sl, &sd) && sl->tries < IS_OWN_TRIES) {
        /* POWER ON, RESET, I_T NEXUS LOSS (29/xx) belong to the new nexus
         * and are consumed; any other attention is kept for the guest. */
        if (sd.asc != 0x29)
            isd_ua_keep(s, sl);
        sl->tries++;
        if (isd_slot_submit_rcap16(sl) != 0)
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

/*
 * Runs everything libiscsi's callbacks recorded: connection and logout
 * events, finished slots (their next step or completion), the opens that
 * waited for the login. Re-entrant: a completion may call the backend again.
 */
void isd_sess_process(is_session *s)
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
                    sl = isd_slot_get(s); /* all free: nothing was sent yet */
                }
                if (sl)
                    sl->kind = K_PROBE;
                if (s->login_status != SCSI_STATUS_GOOD)
                    sess_fail(s, RSVD_STATUS_DEVICE_NOT_READY, "login refused by");
                else if (!sl || isd_slot_submit_rcap16(sl) != 0)
                    sess_fail(s, RSVD_STATUS_DEVICE_NOT_READY, "READ CAPACITY(16) not sent to");
            }
            continue;
        }
        if (s->logout_event) {
            s->logout_event = false;
            isd_sess_kill(s);
            s->logout_flag = true;
            continue;
        }
        is_slot *done = NULL;
        for (uint32_t i = 0; i < s->nslots && !done; i++)
            if (s->slots[i].state == SLOT_DONE)
                done = &s->slots[i];
        if (done) {
            isd_slot_done(done);
            continue;
        }
        if (s->opening && (s->state == IS_READY || s->state == IS_DEAD)) {
            sess_finish_opens(s);
            continue;
        }
        if (s->state == IS_READY && s->handles == 0 && !s->registered) {
            isd_sess_end(s); /* every open failed or closed meanwhile */
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
            isd_sess_kill(s); /* the target closed first: logged out all the same */
    }
    if ((s->state == IS_CONNECTING || s->state == IS_LOGGING_IN || s->state == IS_PROBING) &&
        past(&s->deadline))
        sess_fail(s, RSVD_STATUS_IO_TIMEOUT, "login timed out at");
    if (s->state == IS_LOGGING_OUT && past(&s->deadline))
        isd_sess_kill(s);
    isd_sess_process(s);
}

/* Synchronous mode: services @p s until *flag is set. */
void isd_sess_wait(is_session *s, const bool *flag)
{
    s->busy++;
    struct timespec limit;
    now_plus(&limit, s->d->timeout_s + 5u);
    while (!*flag) {
        if (!s->ctx) {
            isd_sess_process(s);
            if (!*flag)
                break; /* nothing left that could set it */
            continue;
        }
        struct pollfd p = {iscsi_get_fd(s->ctx), (short)iscsi_which_events(s->ctx), 0};
        int n = poll(&p, 1, 100);
        sess_service(s, n > 0 ? p.revents : 0);
        if (!*flag && past(&limit)) {
            sess_fail(s, RSVD_STATUS_IO_TIMEOUT, "no answer from");
            isd_sess_process(s);
        }
    }
    s->busy--;
}

/* Logs the session out (it has no handles and holds no registration). */
void isd_sess_end(is_session *s)
{
    if (s->state != IS_READY || !s->ctx) {
        isd_sess_kill(s);
        return;
    }
    s->state = IS_LOGGING_OUT;
    now_plus(&s->deadline, s->d->timeout_s);
    s->logout_flag = false;
    if (iscsi_logout_async(s->ctx, logout_cb, s) != 0) {
        isd_sess_kill(s);
        s->logout_flag = true;
        return;
    }
    if (s->d->synchronous && !s->in_service)
        isd_sess_wait(s, &s->logout_flag);
}

void isd_sess_maybe_free(is_session *s)
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

is_session *isd_sess_find(rsvd_iscsi_disk *d, const rsvd_backend_open_args *a)
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
is_session *isd_sess_create(rsvd_iscsi_disk *d, const rsvd_backend_open_args *a)
{
    uint32_t idx = d->max_sessions;
    for (uint32_t i = 0; i < d->max_sessions; i++)
        if (!d->sessions[i]) {
            idx = i;
            break;
        }
    if (idx == d->max_sessions) {
        isd_diag_set(d, RSVD_STATUS_INSUFFICIENT_RESOURCES, "%u sessions already open to %s",
                     d->max_sessions, d->target);
        return NULL;
    }
    is_session *s = rsvd_mem_calloc(d->mem, 1, sizeof *s);
    is_slot *slots = s ? rsvd_mem_calloc(d->mem, d->queue_depth, sizeof *slots) : NULL;
    if (!slots) {
        rsvd_mem_free(d->mem, s);
        isd_diag_set(d, RSVD_STATUS_INSUFFICIENT_RESOURCES, "out of memory");
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
        isd_diag_set(d, RSVD_STATUS_INSUFFICIENT_RESOURCES, "iscsi_create_context failed");
        s->state = IS_DEAD;
        isd_sess_maybe_free(s);
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
        isd_sess_maybe_free(s);
        return NULL;
    }
    return s;
}

/* ------------------------------------------------------------------------ */
/* Polling                                                                   */
/* ------------------------------------------------------------------------ */

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
        isd_sess_maybe_free(s);
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
