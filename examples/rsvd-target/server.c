/*
 * rsvd-target: the server as a whole - its shares, the libraries' objects
 * it holds, its timers, the end of a session, and the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preserve.h"
#include "smb2_session.h"
#include "target.h"
#include "trace.h"
#include "utf16.h"
#include "shared_disk.h"
#include <rsvd/smb2.h>
#include <rsvd/status.h>

const uint16_t tgt_dialects[TGT_DIALECT_COUNT] = {RSVD_SMB2_DIALECT_302, RSVD_SMB2_DIALECT_300,
                                                  RSVD_SMB2_DIALECT_210, RSVD_SMB2_DIALECT_202};

static tgt_vdisk_backend *disk_backend;

void tgt_log(const tgt_server *srv, const char *fmt, ...)
{
    if (!srv->cfg->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void tgt_warn(const char *fmt, ...)
{
    va_list ap;
    fputs("rsvd-target: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const char *tgt_command_name(uint16_t command)
{
    static const char *const names[] = {
        "NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT", "CREATE",
        "CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL", "CANCEL", "ECHO", "QUERY_DIRECTORY",
        "CHANGE_NOTIFY", "QUERY_INFO", "SET_INFO", "OPLOCK_BREAK"};
    return command < sizeof names / sizeof names[0] ? names[command] : "(unknown command)";
}

const char *tgt_status_name(uint32_t status)
{
    static const struct {
        uint32_t status;
        const char *name;
    } names[] = {
        {TGT_STATUS_NO_MORE_FILES, "STATUS_NO_MORE_FILES"},
        {TGT_STATUS_NOTIFY_ENUM_DIR, "STATUS_NOTIFY_ENUM_DIR"},
        {TGT_STATUS_INVALID_INFO_CLASS, "STATUS_INVALID_INFO_CLASS"},
        {TGT_STATUS_INFO_LENGTH_MISMATCH, "STATUS_INFO_LENGTH_MISMATCH"},
        {TGT_STATUS_NO_SUCH_FILE, "STATUS_NO_SUCH_FILE"},
        {TGT_STATUS_MORE_PROCESSING_REQUIRED, "STATUS_MORE_PROCESSING_REQUIRED"},
        {TGT_STATUS_OBJECT_PATH_INVALID, "STATUS_OBJECT_PATH_INVALID"},
        {TGT_STATUS_OBJECT_PATH_SYNTAX_BAD, "STATUS_OBJECT_PATH_SYNTAX_BAD"},
        {TGT_STATUS_LOGON_FAILURE, "STATUS_LOGON_FAILURE"},
        {TGT_STATUS_FILE_IS_A_DIRECTORY, "STATUS_FILE_IS_A_DIRECTORY"},
        {TGT_STATUS_BAD_NETWORK_NAME, "STATUS_BAD_NETWORK_NAME"},
        {TGT_STATUS_REQUEST_NOT_ACCEPTED, "STATUS_REQUEST_NOT_ACCEPTED"},
        {TGT_STATUS_DIRECTORY_NOT_EMPTY, "STATUS_DIRECTORY_NOT_EMPTY"},
        {TGT_STATUS_NOT_A_DIRECTORY, "STATUS_NOT_A_DIRECTORY"},
        {TGT_STATUS_CANNOT_DELETE, "STATUS_CANNOT_DELETE"},
        {TGT_STATUS_INVALID_LOCK_RANGE, "STATUS_INVALID_LOCK_RANGE"},
        {TGT_STATUS_NOT_SAME_DEVICE, "STATUS_NOT_SAME_DEVICE"},
        {TGT_STATUS_NETWORK_ACCESS_DENIED, "STATUS_NETWORK_ACCESS_DENIED"},
        {TGT_STATUS_INVALID_OPLOCK_PROTOCOL, "STATUS_INVALID_OPLOCK_PROTOCOL"},
        {TGT_STATUS_FS_DRIVER_REQUIRED, "STATUS_FS_DRIVER_REQUIRED"},
        {TGT_STATUS_NO_EAS_ON_FILE, "STATUS_NO_EAS_ON_FILE"},
        {TGT_STATUS_EAS_NOT_SUPPORTED, "STATUS_EAS_NOT_SUPPORTED"},
    };
    const char *n = rsvd_status_name(status);
    if (n)
        return n;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].status == status)
            return names[i].name;
    return "(an NTSTATUS)";
}

tgt_share *tgt_share_find(tgt_server *srv, const char *name)
{
    for (size_t i = 0; i < srv->nshares; i++)
        if (tgt_name_equal_nocase(srv->shares[i].name, name))
            return &srv->shares[i];
    return NULL;
}

int tgt_server_init(tgt_server *srv, const tgt_config *cfg, char *err, size_t errcap)
{
    memset(srv, 0, sizeof *srv);
    srv->cfg = cfg;
    tgt_list_init(&srv->conns);
    tgt_list_init(&srv->sessions);
    tgt_list_init(&srv->opens);
    tgt_list_init(&srv->files);
    srv->now = tgt_now_ms();
    srv->start_time = tgt_filetime_now();
    uint64_t seed = 0;
    int rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (rnd < 0 || read(rnd, srv->guid.b, sizeof srv->guid.b) != (ssize_t)sizeof srv->guid.b ||
        read(rnd, &seed, sizeof seed) != (ssize_t)sizeof seed) {
        snprintf(err, errcap, "/dev/urandom: %s", strerror(errno));
        if (rnd >= 0)
            close(rnd);
        return -1;
    }
    close(rnd);
    /* SessionIds nobody can guess from another session's. */
    srv->next_session_id = (seed | 1u) & 0x0000FFFFFFFFFFFFull;

    tgt_auth_config ac = {cfg->users_file, cfg->guest};
    if (tgt_auth_new(&ac, &srv->auth, err, errcap) != 0)
        return -1;
    if (tgt_preserve_new(srv, &srv->pres, err, errcap) != 0)
        return -1;
    if (cfg->disk_uri && tgt_vdisk_backend_open(cfg->disk_uri, &disk_backend, err, errcap) != 0)
        return -1;
    srv->shares = calloc(cfg->nshares, sizeof *srv->shares);
    if (!srv->shares) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < cfg->nshares; i++) {
        tgt_share *sh = &srv->shares[i];
        sh->srv = srv;
        snprintf(sh->name, sizeof sh->name, "%s", cfg->shares[i].name);
        snprintf(sh->dir, sizeof sh->dir, "%s", cfg->shares[i].dir);
        sh->ca = cfg->shares[i].ca;
        sh->root_fd = open(sh->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        srv->nshares++;
        if (sh->root_fd < 0) {
            snprintf(err, errcap, "share %s: %s: %s", sh->name, sh->dir, strerror(errno));
            return -1;
        }
        if (tgt_vdisk_new(sh, disk_backend, &sh->vdisk) != 0) {
            snprintf(err, errcap, "share %s: cannot create its RSVD server", sh->name);
            return -1;
        }
    }
    /* The persistent opens of the state store come back before the first
     * connection, waiting for their DH2C. */
    if (tgt_preserve_restore(srv->pres, err, errcap) != 0)
        return -1;
    if (cfg->pcap_path && tgt_trace_open(srv, cfg->pcap_path) != 0) {
        snprintf(err, errcap, "%s: %s", cfg->pcap_path, strerror(errno));
        return -1;
    }
    return 0;
}

void tgt_server_shutdown(tgt_server *srv)
{
    /* Every connection has ended (tgt_run()); the library closes the opens
     * it still keeps (reason SHUTDOWN), through the RSVD server
     * for shared virtual disks. */
    tgt_preserve_free(srv->pres);
    srv->pres = NULL;
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&srv->opens, k, nk) { /* none is left unless a bug */
        tgt_open *o = TGT_CONTAINER(k, tgt_open, all_link);
        tgt_warn("an open outlived the resilient server: %s", o->name);
        tgt_open_close(o);
    }
    for (size_t i = 0; i < srv->nshares; i++) {
        tgt_share *sh = &srv->shares[i];
        tgt_vdisk_free(sh->vdisk);
        if (sh->root_fd >= 0)
            close(sh->root_fd);
    }
    free(srv->shares);
    srv->shares = NULL;
    tgt_vdisk_backend_close(disk_backend);
    disk_backend = NULL;
    tgt_auth_free(srv->auth);
    srv->auth = NULL;
    tgt_trace_close(srv);
}

uint64_t tgt_server_next_deadline(tgt_server *srv)
{
    uint64_t next = srv->pres ? tgt_preserve_next_expiry(srv->pres) : UINT64_MAX;
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&srv->files, k, nk) {
        const tgt_file *f = TGT_CONTAINER(k, tgt_file, link);
        if (f->breaking && f->break_deadline < next)
            next = f->break_deadline;
    }
    return next;
}

void tgt_server_run_timers(tgt_server *srv)
{
    tgt_preserve_flush(srv->pres);
    if (srv->pres && tgt_preserve_next_expiry(srv->pres) <= srv->now)
        tgt_preserve_expire(srv->pres, srv->now);
    tgt_oplock_check_timeouts(srv);
}

/* The end of a session, whatever ended it: the library has already
 * closed the opens it does not keep (through tgt_open_close()); the ones
 * it keeps (resilient, durable, persistent) are detached from the session
 * here. */
void tgt_session_destroy(tgt_session *s, int why)
{
    tgt_server *srv = s->srv;
    tgt_log(srv, "session 0x%llx ends (%s)", (unsigned long long)s->id,
            why == TGT_END_LOGOFF             ? "LOGOFF"
            : why == TGT_END_PREVIOUS_SESSION ? "PreviousSessionId"
            : why == TGT_END_CONN_LOST        ? "connection lost"
                                              : "shutdown");
    if (why != TGT_END_LOGOFF && why != TGT_END_PREVIOUS_SESSION)
        tgt_preserve_session_end(srv->pres, s);
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&s->opens, k, nk) {
        tgt_open *o = TGT_CONTAINER(k, tgt_open, session_link);
        if (s->res_session == 0 && srv->pres)
            tgt_open_detach(o); /* kept by the library */
        else
            tgt_open_close(o);
    }
    TGT_LIST_FOREACH_SAFE(&s->trees, k, nk) {
        tgt_tree *t = TGT_CONTAINER(k, tgt_tree, link);
        tgt_list_remove(&t->link);
        free(t);
    }
    TGT_LIST_FOREACH_SAFE(&s->channels, k, nk) {
        tgt_channel *ch = TGT_CONTAINER(k, tgt_channel, session_link);
        /* A compound being answered on the channel forgets the session. */
        if (ch->conn->chain && ch->conn->chain->session == s) {
            ch->conn->chain->session = NULL;
            ch->conn->chain->tree = NULL;
        }
        tgt_list_remove(&ch->conn_link);
        tgt_list_remove(&ch->session_link);
        free(ch);
    }
    tgt_auth_exchange_free(s->auth);
    tgt_list_remove(&s->link);
    srv->nsessions--;
    free(s);
}
