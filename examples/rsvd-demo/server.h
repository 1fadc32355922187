/*
 * rsvd-demo: the server side - an SMB2 server's dispatch with librsvd in it.
 *
 * This is the part of an SMB2 server that an integrator of librsvd writes.
 * It receives one SMB2 request message at a time (the transport has already
 * taken it out of its NBSS frame), decodes it with the wire layer, and
 * routes it:
 *
 *  - every open, shared-disk or plain, is registered with the resilient
 *    server (rsvd_res_server), which assigns its FileId and is the SMB2
 *    layer's open table: every request's FileId is looked up there;
 *  - FSCTL_LMR_REQUEST_RESILIENCY, LOCK sequence checks and durable
 *    reconnects go to the resilient server first ([MS-SMB2] 3.3.5.15.9,
 *    3.3.5.14, 3.3.5.9.7);
 *  - a shared-disk open (CREATE of "<name>:SharedVirtualDisk" with an
 *    SVHDX_OPEN_DEVICE_CONTEXT, [MS-SMB2] 3.3.5.9.14) goes to the RSVD server
 *    (rsvd_server) for CREATE, READ, WRITE, IOCTL, LOCK and CLOSE;
 *  - a plain open goes to the file table of files.h;
 *  - an open the resilient server closes by itself (connection lost,
 *    resiliency timeout expired) comes back through its close_open callback
 *    and is closed where it lives: rsvd_server_close() for a shared disk
 *    ([MS-SMB2] 3.3.4.17), the file table otherwise.
 *
 * Answers leave through the send callback as complete SMB2 messages. A
 * backend may complete later (an asynchronous backend): the request then
 * stays in the dispatch's request pool and its answer is sent from the
 * completion. Sessions are established by the host before any request here
 * (NEGOTIATE, SESSION_SETUP and TREE_CONNECT are not librsvd's and not
 * shown): demo_server_connect() stands for their outcome.
 *
 * Not thread-safe: one thread drives a demo_server (requests, backend
 * completions, the clock), as it drives the librsvd instances inside it.
 */
#ifndef RSVD_DEMO_SERVER_H
#define RSVD_DEMO_SERVER_H

#include <rsvd/rsvd.h>

#include "files.h"

typedef struct demo_server demo_server;
typedef struct demo_server_conn demo_server_conn;

/** Something the server did on its own (not an answer to a request). */
typedef enum demo_server_event_kind {
    /** The resilient server closed an open (closed.reason says why); it was
     * closed in its backend with @p status. */
    DEMO_EV_CLOSED = 1,
    /** A connection was lost: @p kept resilient opens wait for a reconnect. */
    DEMO_EV_CONN_LOST = 2
} demo_server_event_kind;

/** A server event, for the host's log. */
typedef struct demo_server_event {
    demo_server_event_kind kind;
    /** DEMO_EV_CLOSED: why. */
    rsvd_res_close_reason reason;
    /** DEMO_EV_CLOSED: the open was a shared-disk open (closed through the
     * RSVD close path). */
    bool shared_disk;
    /** DEMO_EV_CLOSED: the open's name (ASCII). */
    const char *name;
    /** DEMO_EV_CLOSED: status of the close in the backend. */
    uint32_t status;
    /** The connection's host context (demo_server_connect()). */
    void *conn_ctx;
    /** DEMO_EV_CONN_LOST: opens kept (detached); closed ones are reported as
     * DEMO_EV_CLOSED events first. */
    uint32_t kept;
} demo_server_event;

typedef struct demo_server_config {
    /** The virtual SCSI disk behind every shared-disk open. */
    const rsvd_scsi_disk_ops *disk_ops;
    /** Its context. */
    void *disk_ctx;
    /** The plain files. */
    demo_files *files;
    /** Sends a complete SMB2 response on the connection whose host context is
     * @p conn_ctx. */
    void (*send)(void *ctx, void *conn_ctx, const uint8_t *msg, size_t len);
    /** Passed to send and event. */
    void *ctx;
    /** Optional: told about closes and lost connections. */
    void (*event)(void *ctx, const demo_server_event *ev);
    /** The clock, read when a request needs the time (a reconnect). */
    uint64_t (*now_ms)(void *ctx);
} demo_server_config;

/** Creates the server with its RSVD server (version 1) and its resilient
 * server. @return RSVD_OK or an rsvd_error. */
int demo_server_new(const demo_server_config *cfg, demo_server **out);

/** Closes every open left: the resilient server is freed, which closes
 * each through its close_open callback (reason SHUTDOWN). With an
 * asynchronous backend, run its event loop until demo_server_get_stats()
 * shows no RSVD open and nothing pending before demo_server_free(). Every
 * connection must have been lost first; no request may follow. */
void demo_server_shutdown(demo_server *srv);

/** Shuts down (if not done) and frees. Every backend call must have
 * completed. */
void demo_server_free(demo_server *srv);

/**
 * A client connected and the host completed NEGOTIATE (@p dialect),
 * SESSION_SETUP (@p session_id, its user @p user) and TREE_CONNECT
 * (@p tree_id). @p conn_ctx is handed back to the send callback.
 * @return RSVD_OK or an rsvd_error.
 */
int demo_server_connect(demo_server *srv, uint16_t dialect, uint64_t session_id,
                        const void *user, size_t user_len, uint32_t tree_id, void *conn_ctx,
                        demo_server_conn **out);

/** One SMB2 request message arrived on @p conn (@p msg is copied). */
void demo_server_receive(demo_server *srv, demo_server_conn *conn, const uint8_t *msg,
                         size_t len);

/** The transport connection is gone ([MS-SMB2] 3.3.7.1). @p conn must not
 * be used afterwards; answers still pending for it are dropped. */
void demo_server_conn_lost(demo_server *srv, demo_server_conn *conn);

/** @return when demo_server_handle_expiry() has work (UINT64_MAX: none). */
uint64_t demo_server_next_expiry(const demo_server *srv);

/** Runs the resilient-open scavenger. @return the opens it closed. */
size_t demo_server_handle_expiry(demo_server *srv);

/** Counts for the summary. */
typedef struct demo_server_stats {
    uint32_t requests;          /**< SMB2 requests received */
    uint32_t responses;         /**< responses sent (dropped ones included) */
    uint32_t pending;           /**< requests waiting for a backend */
    size_t rsvd_opens;          /**< opens in the RSVD server */
    rsvd_res_server_stats res;  /**< the resilient server's counts */
    size_t file_opens;          /**< opens in the file table */
} demo_server_stats;

void demo_server_get_stats(const demo_server *srv, demo_server_stats *out);

/** @return the byte-range locks held through the open with this persistent
 * FileId (0 if it is unknown or not a plain open). */
size_t demo_server_locks_held(const demo_server *srv, uint64_t persistent_id);

#endif /* RSVD_DEMO_SERVER_H */
