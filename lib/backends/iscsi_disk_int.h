/*
 * Internal layout of the iSCSI virtual SCSI disk (rsvd/iscsi_disk.h),
 * shared by its three files:
 *   iscsi_disk.c     configuration (the disk, initiator names) and the
 *                    backend operations (rsvd_scsi_disk_ops);
 *   iscsi_session.c  a session per initiator: connect, login (with the READ
 *                    CAPACITY(16) probe), logout, the event processing, the
 *                    polling functions of the public API;
 *   iscsi_slots.c    command slots: sending, libiscsi's completion, the
 *                    outcome and the completion of the call, the unit
 *                    attentions kept for the guest, the REQUEST SENSE
 *                    workaround for tgtd.
 *
 * Structure:
 *  - a session per initiator (InitiatorId, or "no initiator"): one libiscsi
 *    context, its state (CONNECTING -> PROBING -> READY -> LOGGING_OUT ->
 *    DEAD; CONNECTING -> LOGGING_IN -> PROBING while it logs in), and a
 *    fixed pool of command slots;
 *  - a handle per open, pointing at its session;
 *  - libiscsi's callbacks only record what happened (a slot's outcome, a
 *    connection or logout event). Everything else -- retries, the next
 *    step, completions -- runs in isd_sess_process() after iscsi_service()
 *    has returned, so that a completion may re-enter the backend (issue a
 *    command, close the handle) without re-entering libiscsi.
 */
#ifndef RSVD_BACKENDS_ISCSI_DISK_INT_H
#define RSVD_BACKENDS_ISCSI_DISK_INT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <time.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include <rsvd/iscsi_disk.h>
#include <rsvd/scsi.h>
#include <rsvd/status.h>

/* Sense bytes kept per command: the RSVD sense area is 20 bytes; fixed
 * sense needs 14 to reach the ASCQ. */
#define IS_SENSE_MAX 32u
/* Unit attentions the backend's own commands met, kept for the guest. */
#define IS_UA_MAX 4u
/* Times the backend's own command is repeated past unit attentions. */
#define IS_OWN_TRIES 5u

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

/* ---- the disk (iscsi_disk.c) ---- */
/* Records the NTSTATUS and a one-line reason of the last failure
 * (rsvd_iscsi_disk_last_error()). */
void isd_diag_set(rsvd_iscsi_disk *d, uint32_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- sessions (iscsi_session.c) ---- */
/* The session of the open's initiator, if one is logged in or logging in. */
is_session *isd_sess_find(rsvd_iscsi_disk *d, const rsvd_backend_open_args *a);
/* Creates a session and starts its login. @return NULL with d->last set. */
is_session *isd_sess_create(rsvd_iscsi_disk *d, const rsvd_backend_open_args *a);
/* Runs what libiscsi's callbacks recorded; completions may re-enter. */
void isd_sess_process(is_session *s);
/* Synchronous mode: services @p s until *flag is set. */
void isd_sess_wait(is_session *s, const bool *flag);
/* Logs the session out (it has no handles and holds no registration). */
void isd_sess_end(is_session *s);
/* Ends the session at once: no context; commands in flight cancelled. */
void isd_sess_kill(is_session *s);
/* Frees a dead session nobody uses any more. */
void isd_sess_maybe_free(is_session *s);
/* The login's READ CAPACITY(16) finished. */
void isd_probe_done(is_slot *sl);

/* ---- slots (iscsi_slots.c) ---- */
/* Completes a call; counts it for rsvd_iscsi_disk_service(). */
void isd_finish(rsvd_iscsi_disk *d, rsvd_completion c, const rsvd_io_result *r);
void isd_finish_status(rsvd_iscsi_disk *d, rsvd_completion c, uint32_t status);
/* Completes a call with a locally built SCSI outcome. */
void isd_local_scsi(rsvd_iscsi_disk *d, rsvd_completion c, uint32_t status, uint8_t scsi,
                    const uint8_t *sense, size_t sense_len);
/* A free slot of @p s, cleared, or NULL. */
is_slot *isd_slot_get(is_session *s);
/* A slot for a call on @p h, or NULL when the call was completed instead. */
is_slot *isd_slot_for(is_handle *h, rsvd_completion c, bool scsi);
/* Starts a guest command in a slot; completes the call if it cannot. */
void isd_start(is_handle *h, is_slot *sl, rsvd_completion c);
/* A backend-issued READ CAPACITY(16). @return 0, or -1 (nothing sent). */
int isd_slot_submit_rcap16(is_slot *sl);
/* A slot that finished: the next step, or the completion of its call. */
void isd_slot_done(is_slot *sl);
/* The slot ended in CHECK CONDITION with UNIT ATTENTION sense (in *sd). */
bool isd_slot_is_ua(const is_slot *sl, rsvd_scsi_sense *sd);
/* Keeps a unit attention the backend's own command met, for the guest. */
void isd_ua_keep(is_session *s, const is_slot *sl);
/* Reports a kept unit attention instead of the guest's command.
 * @return true if the call was completed. */
bool isd_ua_report(is_session *s, const uint8_t *cdb, uint8_t cdb_len, uint8_t *in, uint32_t in_cap,
                   rsvd_completion c);

#endif /* RSVD_BACKENDS_ISCSI_DISK_INT_H */
