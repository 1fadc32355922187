/*
 * rsvd-target: open preservation - every decision about keeping an open
 * across a lost connection, and about getting it back, is made here, by
 * talking to the library's resilient server (rsvd/resilient_server.h). The
 * rest of the server only reports events (a connection, a session, a tree
 * connect, an open appeared or went) and asks.
 *
 * What the library owns today: the open table itself (it assigns every
 * FileId and finds the open a FileId names), FSCTL_LMR_REQUEST_RESILIENCY
 * ([MS-SMB2] 3.3.5.15.9), LOCK replay detection (3.3.5.14), keeping
 * resilient opens across a lost connection, LOGOFF or a PreviousSessionId
 * takeover (3.3.7.1, 3.3.5.6, 3.3.5.5.3), their scavenger (3.3.6.4), and
 * their reconnect with DHnC or DH2C (3.3.5.9.7, 3.3.5.9.12).
 *
 * Durable and persistent handles are not the library's yet, and their
 * grant rules ([MS-SMB2] 3.3.5.9.6, 3.3.5.9.10) must be: until it offers
 * them, a DHnQ or DH2Q request is answered without a durable response
 * context (the server MAY decline, 3.3.5.9.6/3.3.5.9.10), and only
 * resilient opens reconnect. When the library takes durable and persistent
 * opens over, this file is what changes.
 */
#ifndef RSVD_TARGET_PRESERVE_H
#define RSVD_TARGET_PRESERVE_H

#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>

#include "target.h"

/** Creates the resilient server (multichannel as configured). */
int tgt_preserve_new(tgt_server *srv, tgt_preserve **out);
/** Frees it: every open still there is closed (tgt_open_close()). */
void tgt_preserve_free(tgt_preserve *p);

/** A connection finished NEGOTIATE. @return 0 or -1. */
int tgt_preserve_conn_add(tgt_preserve *p, tgt_conn *c);
/** [MS-SMB2] 3.3.7.1: the connection is gone (its sessions are
 * tgt_session_destroy()ed by the caller afterwards). */
void tgt_preserve_conn_lost(tgt_preserve *p, tgt_conn *c);
/** A session was authenticated on @p c. @return 0 or -1. */
int tgt_preserve_session_add(tgt_preserve *p, tgt_session *s, tgt_conn *c);
/** A 3.x session got another channel. @return 0 or -1. */
int tgt_preserve_session_bind(tgt_preserve *p, tgt_session *s, tgt_conn *c);
/** [MS-SMB2] 3.3.5.5.3: @p s named @p previous_id in PreviousSessionId.
 * A previous session of the same user is ended (its resilient opens
 * kept); @return true if one was. */
bool tgt_preserve_previous_session(tgt_preserve *p, tgt_session *s, uint64_t previous_id);
/** [MS-SMB2] 3.3.5.6 LOGOFF (the caller then destroys the session). */
void tgt_preserve_logoff(tgt_preserve *p, tgt_session *s);
/** The session ends for another reason: the library forgets it. */
void tgt_preserve_session_end(tgt_preserve *p, tgt_session *s);
/** A tree connect. @return 0 or -1. */
int tgt_preserve_tree_add(tgt_preserve *p, tgt_tree *t);
/** [MS-SMB2] 3.3.5.8: every open of the tree is closed. */
void tgt_preserve_tree_disconnect(tgt_preserve *p, tgt_tree *t);

/** Registers a new open of @p r's tree: o->fid is assigned.
 * @return 0, or -1 (a limit: STATUS_INSUFFICIENT_RESOURCES). */
int tgt_preserve_open_add(tgt_preserve *p, tgt_req *r, tgt_open *o);
/** The host closes an open (CLOSE): the library forgets it. */
void tgt_preserve_open_forget(tgt_preserve *p, tgt_open *o);
/** The open a request's FileId names in its session and tree, or NULL
 * (STATUS_FILE_CLOSED). */
tgt_open *tgt_preserve_lookup(tgt_preserve *p, tgt_req *r, const rsvd_smb2_fileid *fid);

/** What a CREATE's preservation contexts ask. */
typedef enum tgt_reconnect_result {
    TGT_RECONNECT_NONE = 0,  /* no DHnC/DH2C: an ordinary CREATE */
    TGT_RECONNECT_DONE = 1,  /* reconnected: *open is the open */
    TGT_RECONNECT_FAILED = 2 /* answer *status */
} tgt_reconnect_result;

/** [MS-SMB2] 3.3.5.9.7, 3.3.5.9.12: a CREATE with DHnC or DH2C. */
tgt_reconnect_result tgt_preserve_reconnect(tgt_preserve *p, tgt_req *r, tgt_open **open,
                                            uint32_t *status);

/** [MS-SMB2] 3.3.5.9.6, 3.3.5.9.10: a CREATE asks for a durable (or
 * persistent) handle; today none is granted (see the top of this file).
 * @return true if a response context is to be added (never, today). */
bool tgt_preserve_durable_granted(tgt_preserve *p, tgt_req *r, tgt_open *o);

/** FSCTL_LMR_REQUEST_RESILIENCY: answers the request.
 * @return true if it was that FSCTL (and is answered). */
bool tgt_preserve_ioctl(tgt_preserve *p, tgt_req *r);

/** [MS-SMB2] 3.3.5.14 first half: the open and the lock sequence.
 * @return 0 (r->lock filled) or -1 (answer STATUS_INVALID_PARAMETER). */
int tgt_preserve_lock_begin(tgt_preserve *p, tgt_req *r);
/** Second half: the LOCK ended with @p status. */
void tgt_preserve_lock_end(tgt_preserve *p, tgt_req *r, uint32_t status);

/** The scavenger ([MS-SMB2] 3.3.6.4). */
uint64_t tgt_preserve_next_expiry(const tgt_preserve *p);
void tgt_preserve_expire(tgt_preserve *p, uint64_t now_ms);

/** Counts, for the log. */
void tgt_preserve_stats(const tgt_preserve *p, rsvd_res_server_stats *out);

#endif /* RSVD_TARGET_PRESERVE_H */
