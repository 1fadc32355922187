/*
 * Fixtures of the open-preservation tests (durable, persistent, replay,
 * application instance, channel sequence, store): sessions of a client
 * (ClientGuid, capabilities) on a share (identity, CA), a CREATE built from
 * a description, and the two halves of a CREATE with the host's grant.
 */
#ifndef RSVD_TEST_PV_FIXTURE_H
#define RSVD_TEST_PV_FIXTURE_H

#include <rsvd/resilient.h>
#include <rsvd/smb2.h>

#include "res_fixture.h"

/* A client's connection, session and tree connect. */
typedef struct pv_where {
    uint16_t dialect;
    uint8_t client;      /* ClientGuid: 16 bytes of this value */
    uint32_t caps;       /* Connection.ServerCapabilities */
    const uint8_t *user; /* the session's user */
    size_t user_len;
    uint64_t session_id;
    uint32_t tree_id;
    const char *share;   /* the share's identity ("" or NULL: none) */
    uint32_t tree_flags; /* RSVD_RES_TREE_* */
    uint32_t share_type;
    uint32_t ca_timeout_ms;
} pv_where;

/* Alice on 3.0.2, client 0xA1, PERSISTENT_HANDLES, session 0x21, tree 3 of
 * share "vms" (CA). */
pv_where pv_alice(void);

/* Registers a connection, session and tree as @p w says. */
fx_sess pv_session(srv_fx *fx, const pv_where *w);

/* A CREATE request, as a client would send it. */
typedef struct pv_create {
    const char *name;  /* ASCII; NULL: "vm1.vhdx" */
    uint8_t oplock;    /* RequestedOplockLevel */
    uint32_t hdr_flags; /* e.g. RSVD_SMB2_FLAGS_REPLAY_OPERATION */
    uint16_t channel_sequence;
    uint32_t desired_access, share_access, create_options; /* 0: defaults */
    bool dhnq;
    bool dh2q;
    uint32_t dh2q_timeout, dh2q_flags;
    rsvd_guid create_guid; /* DH2Q and DH2C */
    bool dhnc, dh2c;
    rsvd_smb2_fileid reconnect; /* DHnC / DH2C FileId */
    uint32_t dh2c_flags;
    bool rqls;
    uint8_t lease_version; /* 1 or 2 */
    rsvd_guid lease_key;
    uint32_t lease_state;
    bool app_id, app_version;
    rsvd_guid app_instance_id;
    uint64_t app_high, app_low;
} pv_create;

/* What the host granted. */
typedef struct pv_grant {
    uint32_t status; /* 0: STATUS_SUCCESS */
    uint8_t oplock;
    uint32_t lease_state;
    uint32_t flags;          /* RSVD_RES_GRANT_* */
    uint32_t access;         /* 0: 0x0012019F */
    uint32_t create_action;  /* 0: RSVD_FILE_OPENED */
    const char *file_key;    /* NULL: none */
    void *user_data;
} pv_grant;

/* A GUID of 16 bytes of @p v. */
rsvd_guid pv_guid(uint8_t v);

/* Builds the CREATE of @p c on @p ss's ids. */
size_t pv_create_req(const fx_sess *ss, uint64_t mid, const pv_create *c, uint8_t *buf,
                     size_t cap);

/* create_begin of @p c through @p ss (asserts RSVD_OK); the request is kept
 * for pv_end(). */
rsvd_res_create_op pv_begin(srv_fx *fx, const fx_sess *ss, const pv_create *c,
                            const rsvd_res_create_params *p);

/* create_end of the request of the last pv_begin() with @p g (NULL: a plain
 * success); returns what create_end returned. */
int pv_end(srv_fx *fx, const fx_sess *ss, rsvd_res_create_op *op, const pv_grant *g);

/* A whole CREATE: begin, and end with @p g when begin says EXECUTE or
 * RECLAIM. Returns the op; asserts the invariants. */
rsvd_res_create_op pv_open(srv_fx *fx, const fx_sess *ss, const pv_create *c, const pv_grant *g);

/* A durable v2 open (DH2Q of @p guid, BATCH granted) through ss; asserts
 * success and a DH2Q response. */
rsvd_smb2_fileid pv_durable_v2(srv_fx *fx, const fx_sess *ss, uint8_t guid);

/* A persistent open (DH2Q PERSISTENT of @p guid, no oplock) through ss;
 * asserts success and a persistent grant. */
rsvd_smb2_fileid pv_persistent(srv_fx *fx, const fx_sess *ss, uint8_t guid);

/* Reconnects @p fid through ss with DHnC (dh2c false) or DH2C of @p guid
 * (and PERSISTENT when persistent), ends the CREATE with success, and
 * returns the final status. */
uint32_t pv_reconnect(srv_fx *fx, const fx_sess *ss, const rsvd_smb2_fileid *fid, bool dh2c,
                      uint8_t guid, bool persistent);

/* ---- a server with a state store ------------------------------------------ */

/* The wall clock the pv servers read (ms since 1970). */
extern uint64_t pv_wall;
/* What restore_open answers (0: accept), the opens it was asked about, and
 * the last one's name (ASCII). */
extern int pv_restore_answer;
extern size_t pv_restored_calls;
extern char pv_restored_name[64];

/* fx_init() with @p cfg (NULL: defaults) and the wall clock and restore
 * callbacks; with @p store, the store of the configuration. */
void pv_init(srv_fx *fx, const rsvd_res_server_config *cfg, const rsvd_store_ops *store,
             void *store_ctx, const rsvd_guid *instance);

/* The last close the server decided, or 0. */
rsvd_res_close_reason pv_last_close(const srv_fx *fx);

#endif /* RSVD_TEST_PV_FIXTURE_H */
