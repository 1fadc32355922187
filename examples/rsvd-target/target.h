/*
 * rsvd-target: the server's objects and the functions its files share.
 *
 * One thread drives everything from a poll() loop (transport.c): bytes come
 * in on a connection, conn.c takes each SMB2 message of a frame through the
 * checks every request gets ([MS-SMB2] 3.3.5.2) and hands it to the
 * command's handler (cmd_*.c), which answers at once, or later: a
 * backend's reply (RSVD), a lock that waits, a CREATE waiting for an
 * oplock break. Open preservation is preserve.c's (the library's resilient
 * server), shared virtual disks vdisk.c's (the library's RSVD server), the
 * files of a share vfs.c's.
 *
 * Ownership: the server owns connections, sessions and files; a session
 * owns its tree connects; an open belongs to its session, or to nobody
 * while it is detached (a resilient, durable or persistent open that
 * outlived its connection: preserve.c keeps it reachable). A request lives until its answer is sent
 * (or its connection is gone and nothing refers to it any more).
 */
#ifndef RSVD_TARGET_TARGET_H
#define RSVD_TARGET_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rsvd/pcap.h>
#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>
#include <rsvd/wire_smb2.h>

#include "auth.h"
#include "brl.h"
#include "config.h"
#include "list.h"
#include "signing.h"
#include "target_status.h"
#include "timeutil.h"

typedef struct tgt_server tgt_server;
typedef struct tgt_conn tgt_conn;
typedef struct tgt_session tgt_session;
typedef struct tgt_channel tgt_channel;
typedef struct tgt_tree tgt_tree;
typedef struct tgt_open tgt_open;
typedef struct tgt_file tgt_file;
typedef struct tgt_req tgt_req;
typedef struct tgt_share tgt_share;
typedef struct tgt_preserve tgt_preserve;
typedef struct tgt_vdisk tgt_vdisk;
typedef struct tgt_trace tgt_trace;

/* SessionFlags of a session that never signs. */
#define TGT_SESSION_FLAG_GUEST_OR_NULL 0x0003u

/* What a pointer handed to the library as a cookie or user data is: every
 * such object starts with its kind. */
typedef enum tgt_kind {
    TGT_KIND_REQ = 0x52455121,  /* a tgt_req */
    TGT_KIND_OPEN = 0x4F50454E  /* a tgt_open */
} tgt_kind;

/* The dialects rsvd-target speaks, highest first ([MS-SMB2] 3.3.5.4). */
#define TGT_DIALECT_COUNT 4u
extern const uint16_t tgt_dialects[TGT_DIALECT_COUNT];

/* ---- shares -------------------------------------------------------------------- */

struct tgt_share {
    tgt_server *srv;
    char name[TGT_SHARE_NAME_MAX];
    char dir[TGT_PATH_MAX];
    int root_fd;   /* the share's directory, O_PATH */
    bool ca;       /* continuously available ([MS-SMB2] 2.2.10) */
    tgt_vdisk *vdisk;
};

/* ---- connections ----------------------------------------------------------------- */

/* The responses of one frame's compounded requests, sent as one frame
 * ([MS-SMB2] 3.3.4.1.3), each signed on its own when the frame is sent. */
typedef struct tgt_chain_entry {
    size_t offset; /* of the response in the chain buffer */
    size_t len;
    bool sign;
    tgt_sign_algo algo;
    uint8_t key[TGT_KEY_SIZE];
} tgt_chain_entry;

#define TGT_CHAIN_MAX 32u

typedef struct tgt_chain {
    uint8_t *buf;
    size_t len, cap;
    tgt_chain_entry entries[TGT_CHAIN_MAX];
    size_t count;
    /* [MS-SMB2] 3.3.5.2.7.2: what a related request takes from the one
     * before it. */
    tgt_session *session;
    tgt_tree *tree;
    rsvd_smb2_fileid file_id;
    bool have_file_id;
    uint32_t prev_status;
} tgt_chain;

struct tgt_conn {
    tgt_link link;         /* in srv->conns */
    tgt_server *srv;
    int fd;
    char peer[64];         /* "ADDR:PORT", for the log */
    uint8_t peer_ip[4];    /* the capture's flow */
    uint16_t peer_port;
    /* transport */
    uint8_t *in;
    size_t in_len, in_cap;
    uint8_t *out;
    size_t out_len, out_off, out_cap;
    bool closing; /* send what is queued, then close */
    bool dead;    /* closed: waits for its last request to go */
    uint32_t refs; /* requests that still point here */
    /* NEGOTIATE ([MS-SMB2] 3.3.1.7) */
    bool negotiated;
    bool smb1_wildcard;    /* answered 0x02FF: an SMB2 NEGOTIATE must follow */
    uint16_t dialect;
    uint16_t client_security_mode;
    uint32_t client_capabilities;
    rsvd_guid client_guid;
    uint32_t server_capabilities;
    uint16_t server_security_mode;
    bool supports_multi_credit;
    /* Connection.CommandSequenceWindow ([MS-SMB2] 3.3.1.1) */
    uint64_t seq_low;      /* lowest id not yet used */
    uint64_t seq_high;     /* one past the highest id granted */
    uint8_t *seq_used;     /* bit per id in [seq_low, seq_low + window) */
    uint32_t seq_window;   /* bits in seq_used */
    uint32_t credits;      /* ids granted and not yet used */
    tgt_list channels;     /* tgt_channel: the sessions bound here */
    tgt_list pending;      /* tgt_req gone async */
    uint32_t npending;
    tgt_chain *chain;      /* while a frame's requests are processed */
    uint64_t res_conn;     /* the connection in the resilient server */
    rsvd_pcap_flow flow;
};

/* ---- sessions ----------------------------------------------------------------------- */

typedef enum tgt_session_state {
    TGT_SESSION_IN_PROGRESS = 1,
    TGT_SESSION_VALID = 2
} tgt_session_state;

/* A session's presence on a connection ([MS-SMB2] 3.3.1.14 Channel). */
struct tgt_channel {
    tgt_link conn_link;    /* in conn->channels */
    tgt_link session_link; /* in session->channels */
    tgt_conn *conn;
    tgt_session *session;
};

struct tgt_session {
    tgt_link link;         /* in srv->sessions */
    tgt_server *srv;
    uint64_t id;
    tgt_session_state state;
    uint16_t dialect;
    tgt_list channels;
    tgt_auth_exchange *auth;
    tgt_login login;
    uint16_t flags;        /* SessionFlags: IS_GUEST, IS_NULL */
    bool signing_required; /* Session.SigningRequired */
    bool has_key;
    tgt_sign_algo algo;
    uint8_t signing_key[TGT_KEY_SIZE];
    char identity[RSVD_RES_USER_MAX + 1]; /* the user, for the resilient server */
    uint64_t res_session;  /* 0 until VALID */
    tgt_list trees;
    uint32_t next_tree_id;
    tgt_list opens;        /* tgt_open.session_link */
    uint32_t nopens;
};

struct tgt_tree {
    tgt_link link;         /* in session->trees */
    tgt_session *session;
    uint32_t id;
    tgt_share *share;
    uint64_t res_tree;
};

/* ---- files and opens ------------------------------------------------------------------ */

struct tgt_file {
    tgt_link link;         /* in srv->files */
    tgt_share *share;
    dev_t dev;
    ino_t ino;
    bool is_dir;
    char path[TGT_PATH_MAX]; /* relative to the share root, "" for the root */
    tgt_list opens;        /* tgt_open.file_link */
    tgt_brl locks;
    bool delete_pending;
    /* The oplock granted on the file ([MS-SMB2] 3.3.5.9, 3.3.4.6): one
     * exclusive or batch oplock at most. */
    tgt_open *oplock_open;
    uint8_t oplock_level;
    bool breaking;         /* a break sent, its acknowledgment awaited */
    uint64_t break_deadline;
    tgt_list waiters;      /* tgt_req (CREATE) waiting for the break */
    tgt_list lock_waiters; /* tgt_req (LOCK) waiting for a range */
};

/* One directory entry of an enumeration. */
typedef struct tgt_dirent {
    char *name;
} tgt_dirent;

struct tgt_open {
    tgt_kind kind;         /* TGT_KIND_OPEN */
    tgt_server *srv;
    tgt_link session_link; /* in session->opens */
    tgt_link all_link;     /* in srv->opens */
    tgt_link file_link;    /* in file->opens */
    tgt_session *session;  /* NULL while detached */
    tgt_tree *tree;        /* NULL while detached */
    tgt_share *share;
    rsvd_smb2_fileid fid;  /* from the resilient server */
    /* a file or directory of the share */
    tgt_file *file;
    int fd;
    uint32_t access;       /* GrantedAccess */
    uint32_t share_access;
    uint32_t create_options;
    uint8_t oplock;
    uint64_t position;     /* FilePositionInformation */
    /* a directory's enumeration ([MS-SMB2] 3.3.5.18) */
    tgt_dirent *entries;
    size_t nentries, enum_pos;
    bool enum_started;
    char *pattern;
    /* a shared virtual disk ([MS-SMB2] 3.3.5.9.14) */
    bool svhdx;
    uint64_t local_open;
    /* Open.FileName as the CREATE sent it (UTF-16LE), and in UTF-8 */
    uint8_t *name16;
    size_t name16_len;
    char name[TGT_PATH_MAX];
    rsvd_res_close_reason closed_reason;
    bool closing;
};

/* ---- requests ------------------------------------------------------------------------- */

typedef void (*tgt_req_fn)(tgt_req *r);

struct tgt_req {
    tgt_kind kind;         /* TGT_KIND_REQ */
    tgt_link link;         /* conn->pending, or a file's waiters */
    tgt_link wait_link;    /* a file's waiters (CREATE, LOCK) */
    tgt_server *srv;
    tgt_conn *conn;
    rsvd_smb2_hdr hdr;
    uint8_t *msg;          /* the request, from its header (owned copy) */
    size_t len;
    tgt_session *session;
    tgt_tree *tree;
    tgt_open *open;
    bool related;
    bool signed_req;
    uint16_t credits;      /* CreditResponse of the answer */
    bool force_sign;       /* a final SESSION_SETUP response ([MS-SMB2] 3.3.5.5.3) */
    bool backend;          /* waiting for the RSVD server's reply */
    bool async;            /* an interim response was sent */
    uint64_t async_id;
    bool cancelled;
    tgt_req_fn on_cancel;  /* answers the request as cancelled */
    tgt_req_fn on_retry;   /* a waited-for resource is free: try again */
    tgt_chain *chain;      /* the frame being answered, while sync */
    uint8_t *rsp;          /* the answer being built */
    size_t rsp_cap;
    uint8_t *out;          /* READ data, IOCTL and QUERY output */
    size_t out_cap;
    /* the open it names: counted by the library until the answer
     * ([MS-SMB2] 3.3.5.2.10), and why none was found */
    rsvd_res_request rq;
    bool counted;
    uint32_t open_status;
    /* per command */
    rsvd_res_create_op cop;
    rsvd_res_lock_op lock;
    rsvd_smb2_fileid file_id;
    uint32_t ctl_code;
    uint16_t close_flags;
    uint32_t info_class;
    uint8_t info_type;
};

/* ---- the server -------------------------------------------------------------------------- */

struct tgt_server {
    const tgt_config *cfg;
    tgt_share *shares;
    size_t nshares;
    tgt_auth *auth;
    tgt_preserve *pres;
    tgt_trace *trace;
    tgt_list conns;
    uint32_t nconns;
    tgt_list sessions;
    uint32_t nsessions;
    uint64_t next_session_id;
    tgt_list opens;        /* every open, attached or detached */
    uint32_t nopens;
    tgt_list files;
    rsvd_guid guid;        /* ServerGuid */
    uint64_t start_time;   /* FILETIME */
    uint64_t next_async_id;
    uint64_t now;          /* monotonic ms, read once per loop turn */
    bool stopping;
    /* counts for the log at exit */
    uint64_t frames_in, frames_out;
};

/* ---- functions shared between the files -------------------------------------------------- */


/* log: one line, when verbose (tgt_log) or always (tgt_warn) */
void tgt_log(const tgt_server *srv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tgt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* server.c */
int tgt_server_init(tgt_server *srv, const tgt_config *cfg, char *err, size_t errcap);
void tgt_server_shutdown(tgt_server *srv);
uint64_t tgt_server_next_deadline(tgt_server *srv);
void tgt_server_run_timers(tgt_server *srv);
tgt_share *tgt_share_find(tgt_server *srv, const char *name);

/* transport.c */
int tgt_conn_send_frame(tgt_conn *c, const uint8_t *payload, size_t len);
int tgt_conn_send_raw(tgt_conn *c, const uint8_t *bytes, size_t n);
void tgt_conn_close(tgt_conn *c, const char *why);
void tgt_conn_put(tgt_conn *c);

/* conn.c: a frame arrived; a connection ends */
void tgt_conn_frame(tgt_conn *c, const uint8_t *frame, size_t len);
int tgt_conn_init(tgt_conn *c);
void tgt_conn_lost(tgt_conn *c);

/* conn.c: answering a request */
rsvd_smb2_hdr tgt_rsp_hdr(const tgt_req *r, uint32_t status);
int tgt_req_reserve(tgt_req *r, size_t rsp_cap, size_t out_cap);
void tgt_req_send(tgt_req *r, size_t len);
void tgt_req_fail(tgt_req *r, uint32_t status);
/* Sends what an encoder built: @p rc its result, *len the length it stored
 * (read only after the encoder ran, hence the pointer). */
void tgt_req_encoded(tgt_req *r, int rc, const size_t *len);
void tgt_req_go_async(tgt_req *r);
void tgt_req_free(tgt_req *r);
bool tgt_req_charge_ok(const tgt_req *r, uint64_t send, uint64_t recv);
tgt_open *tgt_req_open(tgt_req *r, const rsvd_smb2_fileid *fid);
void tgt_session_destroy(tgt_session *s, int why);
const char *tgt_command_name(uint16_t command);
/* The name of an NTSTATUS, this server's included. */
const char *tgt_status_name(uint32_t status);
/* conn.c: the SMB1 NEGOTIATE took MessageId 0; @return the credits granted. */
uint16_t tgt_conn_smb1_credits(tgt_conn *c);
tgt_session *tgt_session_find(tgt_server *srv, uint64_t id);

/* Which event ends a session (tgt_session_destroy). */
#define TGT_END_CONN_LOST 1
#define TGT_END_LOGOFF 2
#define TGT_END_PREVIOUS_SESSION 3
#define TGT_END_SHUTDOWN 4

/* cmd_negotiate.c: FSCTL_VALIDATE_NEGOTIATE_INFO ([MS-SMB2] 3.3.5.15.12) */
void tgt_validate_negotiate(tgt_req *r, const rsvd_smb2_ioctl_req *q);

/* the command handlers (cmd_*.c) */
void tgt_cmd_negotiate(tgt_req *r);
void tgt_cmd_smb1_negotiate(tgt_conn *c, const uint8_t *msg, size_t len);
void tgt_cmd_session_setup(tgt_req *r);
void tgt_cmd_logoff(tgt_req *r);
void tgt_cmd_tree_connect(tgt_req *r);
void tgt_cmd_tree_disconnect(tgt_req *r);
void tgt_cmd_create(tgt_req *r);
void tgt_cmd_close(tgt_req *r);
void tgt_cmd_flush(tgt_req *r);
void tgt_cmd_read(tgt_req *r);
void tgt_cmd_write(tgt_req *r);
void tgt_cmd_lock(tgt_req *r);
void tgt_cmd_ioctl(tgt_req *r);
void tgt_cmd_echo(tgt_req *r);
void tgt_cmd_query_directory(tgt_req *r);
void tgt_cmd_query_info(tgt_req *r);
void tgt_cmd_set_info(tgt_req *r);
void tgt_cmd_oplock_break(tgt_req *r);

/* cmd_create.c: closing an open, for CLOSE, TREE_DISCONNECT, LOGOFF and
 * the closes the resilient server decides */
void tgt_open_close(tgt_open *o);
void tgt_open_free(tgt_open *o);
void tgt_open_detach(tgt_open *o);
/* cmd_create.c: a persistent open the state store kept, opened again
 * detached; NULL with the reason in *status */
tgt_open *tgt_open_restore(tgt_share *sh, const rsvd_res_restored_open *ro, uint32_t *status);
/* cmd_create.c: a CREATE waiting for an oplock break can go on */
void tgt_oplock_break_done(tgt_file *f);
void tgt_oplock_check_timeouts(tgt_server *srv);
/* cmd_lock.c: a range was unlocked or an open closed: waiting locks retry */
void tgt_lock_wake(tgt_file *f);
void tgt_lock_cancel_open(tgt_open *o);

#endif /* RSVD_TARGET_TARGET_H */
