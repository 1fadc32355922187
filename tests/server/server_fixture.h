/*
 * Shared fixture of the RSVD server tests: a server over the fake backend
 * (tests/support/fake_backend.h) that records every reply.
 */
#ifndef RSVD_TEST_SERVER_FIXTURE_H
#define RSVD_TEST_SERVER_FIXTURE_H

#include <rsvd/rsvd.h>
#include <rsvd/wire_rsvd.h>

#include "fake_backend.h"
#include "testutil.h"

/** One recorded reply; its pointers point at the copies kept here. */
typedef struct fx_reply {
    rsvd_server_reply r;
    uint8_t *out;
    uint8_t ctx[RSVD_SERVER_CREATE_CONTEXT_MAX];
} fx_reply;

typedef struct fx fx;

struct fx {
    fake_backend fb;
    rsvd_server *srv;
    rsvd_server_config cfg;
    fx_reply *replies;
    size_t nreplies, cap;
    /** Called after a reply is recorded (re-entrancy tests). */
    void (*hook)(fx *f, const rsvd_server_reply *r);
    void *hook_arg;
    /** LocalOpens handed out by successful CREATEs (closed by fx_free). */
    uint64_t *opens;
    size_t nopens, opens_cap;
    /** Output room for the helpers' requests. */
    uint8_t out[65536];
    uint8_t ctx_room[RSVD_SERVER_CREATE_CONTEXT_MAX];
    /** Interim signals (rsvd_server_config.interim): each cookie, and the
     * number of replies recorded before it came. */
    uintptr_t *interim;
    size_t *interim_at;
    size_t ninterim, interim_cap;
    /** What the fixture's wall clock says (rsvd_server_config.wall_clock). */
    uint64_t wall_ms;
};

/** A server of ServerServiceVersion @p version with IsSVHDXSupported TRUE
 * and both backends. */
fx *fx_new(uint32_t version);
/** A server configured as @p cfg (its backends and reply callback
 * replaced): the fake object store if @p store, the fake disk if @p disk.
 * @return NULL if rsvd_server_new() refused the configuration. */
fx *fx_new_cfg(const rsvd_server_config *cfg, bool store, bool disk);
/** As fx_new_cfg(), with @p edit (if not NULL) changing the fake backends'
 * function tables before the server copies them. */
fx *fx_new_edit(const rsvd_server_config *cfg, bool store, bool disk,
                void (*edit)(fake_backend *));
/** A server of ServerServiceVersion @p version over a real virtual SCSI
 * disk (@p ops, @p ctx: the built-in disk), without an object store. */
fx *fx_new_disk(uint32_t version, const rsvd_scsi_disk_ops *ops, void *ctx);
/** fx_new(@p version) whose fake disk has neither query_info nor set_info
 * (both optional). */
fx *fx_new_disk_without_info(uint32_t version);
/** Completes what is pending, closes every open, frees the server and checks
 * that nothing leaked or broke the backend contract. */
void fx_free(fx *f);

/** @return the last reply (fails the test if there is none). */
fx_reply *fx_last(fx *f);
/** @return the reply with cookie @p cookie (fails the test if none). */
fx_reply *fx_reply_for(fx *f, uintptr_t cookie);
/** @return the number of replies with cookie @p cookie. */
size_t fx_replies_for(const fx *f, uintptr_t cookie);

/** Writes @p ascii as UTF-16LE. @return the byte length. */
size_t fx_utf16(const char *ascii, uint8_t *out, size_t cap);

/** The InitiatorId the helpers use. */
extern const rsvd_guid fx_initiator;

/**
 * Encodes an open context (V1 168 bytes, V2 192 bytes) with HasInitiatorId
 * 1 and fx_initiator when @p initiator, OriginatorFlags @p originator,
 * OpenRequestId 0x3028E5B600000000 and host name "client01".
 * @return its length.
 */
size_t fx_ctx(uint8_t *buf, uint32_t version, uint32_t originator, bool initiator);

/** Issues a CREATE of "@p name:SharedVirtualDisk" with context (@p ctx,
 * @p ctx_len) and CreateOptions @p create_options; @return the reply
 * (the call must be answered at once). */
fx_reply *fx_create(fx *f, const char *name, const uint8_t *ctx, size_t ctx_len,
                    uint32_t create_options);

/** Opens @p name as a virtual SCSI disk (PVHDPARSER, V1 context,
 * FILE_NO_INTERMEDIATE_BUFFERING) with or without an initiator; the open
 * must succeed. @return its LocalOpen. */
uint64_t fx_open_scsi(fx *f, const char *name, bool initiator);
/** As fx_open_scsi() with OriginatorFlags VHDMP (an object-store open). */
uint64_t fx_open_store(fx *f, const char *name);

/** Issues a WRITE of @p len bytes (a fixed buffer whose first 8 bytes are
 * @p tag) with cookie @p cookie. */
void fx_write(fx *f, uint64_t lo, uint64_t off, uint32_t len, uint64_t tag, uintptr_t cookie);
/** Issues a READ into @p buf. */
void fx_read(fx *f, uint64_t lo, uint64_t off, uint8_t *buf, uint32_t len, uintptr_t cookie);

/**
 * Issues FSCTL_SVHDX_SYNC_TUNNEL_REQUEST with a header (@p op, Status
 * 0xFFFFFFFF - which the server must ignore - @p request_id) and @p body;
 * output into @p out (f->out when NULL) of @p max_output bytes.
 */
void fx_tunnel(fx *f, uint64_t lo, uint32_t op, uint64_t request_id, const uint8_t *body,
               size_t body_len, uint32_t max_output, uint8_t *out, uintptr_t cookie);

/** As fx_tunnel() on the FSCTL @p ctl (SYNC or ASYNC). */
void fx_tunnel_ctl(fx *f, uint64_t lo, uint32_t ctl, uint32_t op, uint64_t request_id,
                   const uint8_t *body, size_t body_len, uint32_t max_output, uint8_t *out,
                   uintptr_t cookie);

/** Decodes the tunnel header of a reply's output (fails the test if the
 * reply is not SMB2 success with at least 16 bytes). */
rsvd_tunnel_hdr fx_hdr(const fx_reply *r);

/* ---- version 2 ---------------------------------------------------------------------- */

/** A GUID whose 16 bytes are all @p n. */
rsvd_guid fx_guid(uint8_t n);
/** Opens @p name with the V2 context as a virtual SCSI disk with the
 * fixture's initiator (FILE_NO_INTERMEDIATE_BUFFERING); must succeed.
 * A name ending in ".vhds" is a VHD set. @return its LocalOpen. */
uint64_t fx_open_v2(fx *f, const char *name);
/** Issues a version-2 tunnel operation on the SYNC FSCTL (the ASYNC one for
 * META_OPERATION_START) with MaxOutputResponse @p max_output, answered at
 * once. @return the reply. */
fx_reply *fx_v2(fx *f, uint64_t lo, uint32_t op, const uint8_t *body, size_t body_len,
                uint32_t max_output);
/** SVHDX_META_OPERATION_START_REQUEST: TransactionId all @p txn, type
 * @p type, then @p data. @return its length. */
size_t fx_meta_start(uint8_t *buf, uint8_t txn, uint32_t type, const uint8_t *data,
                     size_t data_len);
/** A create-snapshot START: TransactionId all @p txn, SnapshotId all @p id,
 * @p type, @p flags, the stages in @p stages (up to 6, the rest Invalid),
 * ParametersPayloadSize 0, and the 24-byte CDP parameters (LogFileId all
 * 0x4C) when @p cdp_params. @return its length. */
size_t fx_create_snapshot(uint8_t *buf, uint8_t txn, uint8_t id, uint32_t type, uint32_t flags,
                          const uint32_t *stages, size_t nstages, bool cdp_params);
/** Sends a create-snapshot START built by fx_create_snapshot(). */
fx_reply *fx_snapshot(fx *f, uint64_t lo, uint8_t txn, uint8_t id, uint32_t type,
                      uint32_t flags, const uint32_t *stages, size_t nstages);
/** A VM snapshot as Windows takes one (example 4.3): Initialize with
 * ENABLE_CHANGE_TRACKING when @p tracked, then BlockIO, SwitchObjectStore,
 * UnblockIO, Finalize; both must answer success. */
void fx_vm_snapshot(fx *f, uint64_t lo, uint8_t txn, uint8_t id, bool tracked);
/** The interim signals with cookie @p cookie. */
size_t fx_interims_for(const fx *f, uintptr_t cookie);

/** Fails the test if the fake backend saw a contract breach. */
void fx_assert_no_violation(const fx *f);

#endif /* RSVD_TEST_SERVER_FIXTURE_H */
