/*
 * rsvd-target: open preservation - every decision about keeping an open
 * across a lost connection, and about getting it back, is made here, by
 * talking to the library's open-preservation engine
 * (rsvd/resilient_server.h). The rest of the server only reports events (a
 * connection, a session, a tree connect, a CREATE, a request on an open,
 * an oplock granted or broken, a conflicting open) and asks.
 *
 * What the library owns: the open table (it assigns every FileId and finds
 * the open a FileId names), the channel sequence of every request on an
 * open ([MS-SMB2] 3.3.5.2.10), FSCTL_LMR_REQUEST_RESILIENCY (3.3.5.15.9),
 * LOCK replay detection (3.3.5.14), the durable v1, durable v2 and
 * persistent grants (3.3.5.9.6, 3.3.5.9.10) from the oplock rsvd-target
 * granted, their reconnects with DHnC or DH2C (3.3.5.9.7, 3.3.5.9.12),
 * CREATE replay (3.3.5.9), application instances (3.3.5.9.13), keeping
 * preserved opens across a lost connection, LOGOFF or a PreviousSessionId
 * takeover (3.3.7.1, 3.3.5.6, 3.3.5.5.3), their scavenger (3.3.6.2,
 * 3.3.6.4), and the records of persistent opens in a state store (the TDB
 * store with --state FILE, so that they survive a restart; an in-memory
 * store otherwise).
 */
#ifndef RSVD_TARGET_PRESERVE_H
#define RSVD_TARGET_PRESERVE_H

#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>
#include <rsvd/wire_smb2.h>

#include "target.h"

/** Creates the engine (multichannel as configured) and its state store.
 * @return 0, or -1 with the reason in @p err. */
int tgt_preserve_new(tgt_server *srv, tgt_preserve **out, char *err, size_t errcap);
/** Once the shares exist, before any connection: the persistent opens
 * the state store kept come back, detached, waiting for their DH2C.
 * @return 0, or -1 with the reason in @p err. */
int tgt_preserve_restore(tgt_preserve *p, char *err, size_t errcap);
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
 * A previous session of the same user is ended (its preserved opens
 * kept); @return true if one was. */
bool tgt_preserve_previous_session(tgt_preserve *p, tgt_session *s, uint64_t previous_id);
/** [MS-SMB2] 3.3.5.6 LOGOFF (the caller then destroys the session). */
void tgt_preserve_logoff(tgt_preserve *p, tgt_session *s);
/** The session ends for another reason: the library forgets it. */
void tgt_preserve_session_end(tgt_preserve *p, tgt_session *s);
/** A tree connect: its share's identity, and whether it is continuously
 * available. @return 0 or -1. */
int tgt_preserve_tree_add(tgt_preserve *p, tgt_tree *t);
/** [MS-SMB2] 3.3.5.8: every open of the tree is closed. */
void tgt_preserve_tree_disconnect(tgt_preserve *p, tgt_tree *t);

/** The identity of a file for the library (a persistent open's name
 * collision, an application instance): its device and inode. */
typedef struct tgt_file_key {
    uint64_t dev;
    uint64_t ino;
} tgt_file_key;

/** [MS-SMB2] 3.3.5.9, first half, before anything is opened: fills
 * r->cop (EXECUTE, RECLAIM or FAIL). @p key: the file the name resolves
 * to, NULL if none. @return 0, or -1 (answer STATUS_INVALID_PARAMETER). */
int tgt_preserve_create_begin(tgt_preserve *p, tgt_req *r, const tgt_file_key *key);

/** Flags of tgt_preserve_create_end(). */
#define TGT_GRANT_DIRECTORY 0x1u /* the open is a directory's */
#define TGT_GRANT_SVHDX 0x2u     /* the open is a shared virtual disk's */

/** Second half of an EXECUTE: @p o was opened (its oplock in o->oplock);
 * the library registers it (o->fid), decides whether it is durable or
 * persistent and leaves the response context in r->cop.
 * @return STATUS_SUCCESS, or the status to fail the CREATE with (the
 * caller closes @p o: the library kept nothing). */
uint32_t tgt_preserve_create_end(tgt_preserve *p, tgt_req *r, tgt_open *o, uint32_t flags,
                                 uint32_t create_action);

/** Second half of a RECLAIM (a DHnC, DH2C or replayed CREATE found
 * r->cop.open_user_data): @p status is the outcome of building the
 * response. With STATUS_SUCCESS the open joins the request's session and
 * tree with its new FileId. @return the status to answer with. */
uint32_t tgt_preserve_reclaim_end(tgt_preserve *p, tgt_req *r, uint32_t status);

/** Adds the durable response context the library chose (r->cop), if any.
 * @return 0 or -1 (no room). */
int tgt_preserve_rsp_context(const tgt_req *r, rsvd_smb2_cc_builder *b);

/** The host closes an open (CLOSE): the library forgets it. */
void tgt_preserve_open_forget(tgt_preserve *p, tgt_open *o);

/** [MS-SMB2] 3.3.5.2.10 and the lookup of every command that names an
 * open: the open @p fid names in the request's session and tree, counted
 * until the request's answer (tgt_preserve_request_end()), or NULL with
 * the status to fail with in *status (STATUS_FILE_CLOSED, or
 * STATUS_FILE_NOT_AVAILABLE for a stale ChannelSequence). */
tgt_open *tgt_preserve_request_begin(tgt_preserve *p, tgt_req *r, const rsvd_smb2_fileid *fid,
                                     uint32_t *status);
/** The answer of a request tgt_preserve_request_begin() counted is sent
 * (or the request dropped). */
void tgt_preserve_request_end(tgt_preserve *p, tgt_req *r);

/** The oplock of @p o changed: @p level held now, @p breaking while a
 * break waits for its acknowledgment ([MS-SMB2] 3.3.7.1: a durable open
 * is kept at a lost connection only with its BATCH oplock and no break). */
void tgt_preserve_caching(tgt_preserve *p, tgt_open *o, uint8_t level, bool breaking);

/** A new open needs what detached open @p o holds: its oplock broken
 * (@p event RSVD_RES_EVENT_BREAK: the break cannot reach a client) or its
 * share modes (RSVD_RES_EVENT_CONFLICTING_OPEN). @return true if the
 * library closed @p o (a durable open that is neither persistent nor
 * resilient, [MS-SMB2] 3.3.4.6): the caller starts again. */
bool tgt_preserve_durability_lost(tgt_preserve *p, tgt_open *o, rsvd_res_durability_event event);

/** FSCTL_LMR_REQUEST_RESILIENCY: answers the request.
 * @return true if it was that FSCTL (and is answered). */
bool tgt_preserve_ioctl(tgt_preserve *p, tgt_req *r);

/** [MS-SMB2] 3.3.5.14 first half: the open and the lock sequence.
 * @return 0 (r->lock filled) or -1 (answer STATUS_INVALID_PARAMETER). */
int tgt_preserve_lock_begin(tgt_preserve *p, tgt_req *r);
/** Second half: the LOCK ended with @p status. */
void tgt_preserve_lock_end(tgt_preserve *p, tgt_req *r, uint32_t status);

/** The scavenger ([MS-SMB2] 3.3.6.2, 3.3.6.4), and the request ends that
 * had to wait for a callback to return. */
uint64_t tgt_preserve_next_expiry(const tgt_preserve *p);
void tgt_preserve_expire(tgt_preserve *p, uint64_t now_ms);
void tgt_preserve_flush(tgt_preserve *p);

/** Counts, for the log. */
void tgt_preserve_stats(const tgt_preserve *p, rsvd_res_server_stats *out);

#endif /* RSVD_TARGET_PRESERVE_H */
