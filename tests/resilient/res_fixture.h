/*
 * Fixtures of the resilient-handle tests: a server with one connection,
 * session and tree connect on a fake clock, a record of every close it
 * decides, and builders of the request messages a client sends.
 */
#ifndef RSVD_TEST_RES_FIXTURE_H
#define RSVD_TEST_RES_FIXTURE_H

#include <rsvd/resilient.h>
#include <rsvd/smb2.h>

#include "testutil.h"

/* Tree-connect parameters of TreeId @p id (a compound literal of the
 * enclosing block). */
#define RES_TREE(id)                                                                        \
    (&(rsvd_res_tree_params){.struct_size = sizeof(rsvd_res_tree_params), .tree_id = (id)})
#define CLI_TREE(id)                                                                        \
    (&(rsvd_res_client_tree_params){.struct_size = sizeof(rsvd_res_client_tree_params),    \
                                    .tree_id = (id)})

/* Users as SID-like byte strings. */
extern const uint8_t fx_alice[12];
extern const uint8_t fx_bob[12];

#define FX_SESSION_ID 0x11ull
#define FX_TREE_ID 5u
#define FX_MAX_CLOSED 64

typedef struct fx_closed {
    rsvd_res_closed_open c;
    uint64_t at; /* the fake clock when it was closed */
} fx_closed;

/* A session as a client reaches it: the handles (ctx) and the ids its
 * messages carry. */
typedef struct fx_sess {
    rsvd_res_server_ctx ctx;
    uint64_t session_id;
    uint32_t tree_id;
} fx_sess;

typedef struct srv_fx {
    rsvd_res_server *srv;
    uint64_t now;
    fx_sess main; /* Alice's first session */
    uint64_t next_mid;
    fx_closed closed[FX_MAX_CLOSED];
    size_t n_closed;
    size_t n_closed_total;
    /* When set, the close callback calls this server mutating function and
     * stores its result (re-entrancy check). */
    bool reenter;
    int reenter_rc;
} srv_fx;

/* A server (cfg may be NULL) with one connection of @p dialect, Alice's
 * session FX_SESSION_ID and tree FX_TREE_ID; the clock at 1000000 ms. */
void fx_init(srv_fx *fx, const rsvd_res_server_config *cfg, uint16_t dialect);
void fx_fini(srv_fx *fx);

/* A new open on the fixture's tree (or ss's). */
rsvd_smb2_fileid fx_open(srv_fx *fx);
rsvd_smb2_fileid fx_open_on(srv_fx *fx, const fx_sess *ss, uint32_t flags);

/* Another connection (same dialect as given), session of @p user and tree:
 * what a reconnecting client sets up. */
fx_sess fx_new_session(srv_fx *fx, uint16_t dialect, const uint8_t *user, size_t user_len,
                       uint64_t session_id, uint32_t tree_id);

/* The resiliency request of 3.2.4.20.8 for @p fid on the ctx's ids. */
size_t fx_resiliency_req(uint64_t session_id, uint32_t tree_id, uint64_t mid,
                         const rsvd_smb2_fileid *fid, uint32_t timeout_ms, uint8_t *buf,
                         size_t cap);

/* Sends a resiliency request through ctx; returns the response status. */
uint32_t fx_request_resiliency(srv_fx *fx, const fx_sess *ss, const rsvd_smb2_fileid *fid,
                               uint32_t timeout_ms);

/* Grants resiliency on the fixture's own session (asserts success). */
void fx_make_resilient(srv_fx *fx, const rsvd_smb2_fileid *fid, uint32_t timeout_ms);

/* A LOCK request of one EXCLUSIVE|FAIL_IMMEDIATELY element. */
size_t fx_lock_req(uint64_t session_id, uint32_t tree_id, uint64_t mid,
                   const rsvd_smb2_fileid *fid, uint32_t lock_sequence, uint8_t *buf,
                   size_t cap);

/* Reconnect contexts of fx_create_req(). */
#define FX_CC_DHNC 0x01u
#define FX_CC_DH2C 0x02u
#define FX_CC_DHNQ 0x04u
#define FX_CC_DH2Q 0x08u
#define FX_CC_RQLS 0x10u
#define FX_CC_DH2C_PERSISTENT 0x20u /* with FX_CC_DH2C: the PERSISTENT flag */
#define FX_CC_DH2C_GUID 0x40u       /* with FX_CC_DH2C: a non-zero CreateGuid */

/* A CREATE request for "d.vhdx" carrying the contexts in @p which. */
size_t fx_create_req(uint64_t session_id, uint32_t tree_id, uint64_t mid,
                     const rsvd_smb2_fileid *fid, uint32_t which, uint8_t *buf, size_t cap);

/* Reconnects through ctx with the given contexts; returns the result. */
rsvd_res_reconnect_result fx_reconnect(srv_fx *fx, const fx_sess *ss,
                                       const rsvd_smb2_fileid *fid, uint32_t which);

/* lock_begin of a one-element LOCK through ss; asserts RSVD_OK. */
rsvd_res_lock_op fx_lock_begin(srv_fx *fx, const fx_sess *ss, const rsvd_smb2_fileid *fid,
                               uint32_t lock_sequence);

/* Fails the test unless the server's invariants hold. */
void fx_check(const srv_fx *fx);

/* The state of an open. */
rsvd_res_open_info fx_info(const srv_fx *fx, const rsvd_smb2_fileid *fid);

/* Whether the open with this persistent id still exists. */
bool fx_exists(const srv_fx *fx, const rsvd_smb2_fileid *fid);

/* ---- client ------------------------------------------------------------ */

#define CX_MAX_EVENTS 256
#define CX_PERSISTENT 0x2A1ull
#define CX_VOLATILE 0x100000005ull

typedef struct cli_fx {
    rsvd_res_client *cli;
    uint64_t now;
    uint64_t conn, sess, tree, open;
    rsvd_smb2_fileid fid;
    rsvd_res_client_done failed[CX_MAX_EVENTS];
    size_t n_failed;
    struct {
        uint64_t open;
        void *user_data;
        rsvd_res_lost_reason reason;
    } lost[CX_MAX_EVENTS];
    size_t n_lost;
    bool reenter;
    int reenter_rc;
} cli_fx;

/* The name of the fixture's open ("d.vhdx" in UTF-16LE). */
extern const uint8_t cx_name[12];

/* A client with one connection (cp, or 2.1 with the window {0} and 64
 * credits granted), session 0x11, tree 5 and an open {0x2A1, 0x100000005}
 * of "d.vhdx" (durable as given). cfg may be NULL. */
void cx_init(cli_fx *cx, const rsvd_res_client_config *cfg,
             const rsvd_res_client_conn_params *cp, bool durable);
void cx_fini(cli_fx *cx);

/* A connection params struct: dialect, 64 credits from MessageId 0. */
rsvd_res_client_conn_params cx_conn_params(uint16_t dialect);

/* Responses a server would send to the request @p req (built with the wire
 * layer): the resiliency success response, an error response, a LOCK
 * response, a CREATE response with @p fid. @p credits is CreditResponse. */
size_t cx_rsp_resiliency(const uint8_t *req, size_t n, uint16_t credits, uint8_t *buf, size_t cap);
size_t cx_rsp_error(const uint8_t *req, size_t n, uint32_t status, uint16_t credits, uint8_t *buf,
                    size_t cap);
size_t cx_rsp_lock(const uint8_t *req, size_t n, uint16_t credits, uint8_t *buf, size_t cap);
size_t cx_rsp_create(const uint8_t *req, size_t n, const rsvd_smb2_fileid *fid, uint16_t credits,
                     uint8_t *buf, size_t cap);

/* A CREATE response to @p req with FileId @p fid, OplockLevel @p oplock
 * and the @p n contexts @p cc. */
size_t cx_rsp_create_cc(const uint8_t *req, size_t n, const rsvd_smb2_fileid *fid, uint8_t oplock,
                        const rsvd_res_client_cc *cc, size_t ncc, uint8_t *buf, size_t cap);

/* A client (cfg may be NULL) whose callbacks include a random source (bytes 0x10, 0x11, ...
 * counting on), with one connection of @p dialect (the server's
 * persistent-handle and multi-channel capabilities as given, multi-credit,
 * 64 credits from MessageId 0), session 0x11 and tree 5 with
 * @p share_caps; no open. */
void cx_init_durable(cli_fx *cx, const rsvd_res_client_config *cfg, uint16_t dialect,
                     bool persistent_handles, bool multi_channel, uint32_t share_caps);

/* The random source of cx_init_durable() fails while this is set. */
extern bool cx_random_fails;

/* rsvd_res_client_create() of "d.vhdx" (the access and options of
 * cx_init's open) with @p flags; asserts RSVD_OK. */
uint64_t cx_create(cli_fx *cx, uint32_t flags, uint8_t oplock, uint8_t *req, size_t cap,
                   rsvd_res_client_msg *m);

/* Requests resiliency and answers it with success; asserts the outcome. */
void cx_make_resilient(cli_fx *cx, uint32_t timeout_ms);

/* One EXCLUSIVE lock element at @p offset. */
rsvd_smb2_lock_element cx_element(uint64_t offset);

/* The open's state. */
rsvd_res_client_open_info cx_info(const cli_fx *cx, uint64_t open);

#endif /* RSVD_TEST_RES_FIXTURE_H */
