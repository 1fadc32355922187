/*
 * The storage peers of the integration tests (peers.h).
 */
#define _GNU_SOURCE
#include "peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *it_need_program(const char *name, char *buf, size_t cap)
{
    const char *p = tu_which(name, buf, cap);
    if (!p)
        tu_skip("%s is not installed (Debian package %s; .ci/packages lists it)", name,
                strncmp(name, "tgt", 3) == 0 ? "tgt" : "qemu-utils");
    return p;
}

static void tgtd_stop_hook(void *ctx)
{
    it_tgtd *t = ctx;
    const char *del_target[] = {t->tgtadm, "--lld", "iscsi", "--mode", "target", "--op",
                                "delete", "--force", "--tid", "1", NULL};
    const char *del_system[] = {t->tgtadm, "--mode", "system", "--op", "delete", NULL};
    tu_run(del_target, t->log);
    tu_run(del_system, t->log);
}

/* tgtd is up when tgtadm reaches it through its control socket. */
static bool tgtd_answers(void *ctx)
{
    it_tgtd *t = ctx;
    const char *show[] = {t->tgtadm, "--mode", "system", "--op", "show", NULL};
    return tu_run(show, NULL) == 0;
}

_Noreturn static void tgtd_fail(it_tgtd *t, const char *what)
{
    fprintf(stderr, "tgtd: %s\n", what);
    tu_dump_file(t->log);
    if (t->pid > 0)
        tu_daemon_stop(t->pid, 1000);
    exit(1);
}

void it_tgtd_start(it_tgtd *t, unsigned mib)
{
    memset(t, 0, sizeof *t);
    char tgtd[256];
    it_need_program("tgtd", tgtd, sizeof tgtd);
    it_need_program("tgtadm", t->tgtadm, sizeof t->tgtadm);
    static unsigned runs; /* a fresh set of files for every tgtd the test starts */
    char name[64];
    runs++;
    snprintf(t->target, sizeof t->target, "%s", IT_TGTD_TARGET);
    snprintf(name, sizeof name, "lun1-%u.img", runs);
    snprintf(t->lun_path, sizeof t->lun_path, "%s", tu_path(name));
    snprintf(name, sizeof name, "tgtd-%u.log", runs);
    snprintf(t->log, sizeof t->log, "%s", tu_path(name));
    /* tgtd and tgtadm find the control socket through TGT_IPC_SOCKET; both
     * the socket and its lock file then live in the temporary directory. */
    snprintf(name, sizeof name, "tgtd-%u.ipc", runs);
    setenv("TGT_IPC_SOCKET", tu_path(name), 1);

    FILE *f = fopen(t->lun_path, "w");
    if (!f || ftruncate(fileno(f), (off_t)mib << 20) != 0)
        tgtd_fail(t, "cannot create the LUN file");
    fclose(f);

    t->port = tu_free_port();
    snprintf(t->portal, sizeof t->portal, "127.0.0.1:%d", t->port);
    char portal_opt[96];
    snprintf(portal_opt, sizeof portal_opt, "portal=%s", t->portal);
    const char *argv[] = {tgtd, "-f", "--iscsi", portal_opt, NULL};
    t->pid = tu_daemon_start(argv, t->log, tgtd_stop_hook, t);
    if (t->pid < 0)
        tgtd_fail(t, "cannot start");

    switch (tu_daemon_wait(t->pid, tgtd_answers, t, 5000)) {
    case TU_WAIT_READY:
        break;
    case TU_WAIT_EXITED:
        tgtd_fail(t, "exited at start");
        break;
    case TU_WAIT_TIMEOUT:
        tgtd_fail(t, "control socket never answered");
        break;
    }
    const char *new_target[] = {t->tgtadm, "--lld", "iscsi", "--mode", "target", "--op", "new",
                                "--tid", "1", "--targetname", t->target, NULL};
    const char *new_lun[] = {t->tgtadm, "--lld", "iscsi", "--mode", "logicalunit", "--op",
                             "new", "--tid", "1", "--lun", "1", "--backing-store", t->lun_path,
                             NULL};
    const char *bind[] = {t->tgtadm, "--lld", "iscsi", "--mode", "target", "--op", "bind",
                          "--tid", "1", "--initiator-address", "ALL", NULL};
    if (tu_run(new_target, t->log) != 0 || tu_run(new_lun, t->log) != 0 ||
        tu_run(bind, t->log) != 0)
        tgtd_fail(t, "tgtadm could not set up the target");
    if (!tu_wait_port(t->port, 5000))
        tgtd_fail(t, "the portal never accepted a connection");
}

int it_tgtd_stop(it_tgtd *t)
{
    if (t->pid <= 0)
        return 0;
    int rc = tu_daemon_stop(t->pid, 3000);
    t->pid = 0;
    unlink(t->lun_path);
    return rc;
}

static long read_pid(const char *path)
{
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid;
}

/* qemu-nbd is up once it has written its PID file. */
static bool qemu_nbd_wrote_its_pid(void *ctx)
{
    return read_pid(((it_qemu_nbd *)ctx)->pid_file) > 0;
}

void it_qemu_nbd_start(it_qemu_nbd *q, const char *image, const char *format, bool read_only)
{
    memset(q, 0, sizeof *q);
    char qemu_nbd[256];
    it_need_program("qemu-nbd", qemu_nbd, sizeof qemu_nbd);
    static unsigned runs;
    char name[64];
    runs++;
    snprintf(name, sizeof name, "qemu-nbd-%u.pid", runs);
    snprintf(q->pid_file, sizeof q->pid_file, "%s", tu_path(name));
    snprintf(name, sizeof name, "qemu-nbd-%u.log", runs);
    snprintf(q->log, sizeof q->log, "%s", tu_path(name));
    unlink(q->pid_file);
    q->port = tu_free_port();
    snprintf(q->uri, sizeof q->uri, "nbd://127.0.0.1:%d/%s", q->port, IT_NBD_EXPORT);
    char port[16];
    snprintf(port, sizeof port, "%d", q->port);
    char pidopt[600];
    snprintf(pidopt, sizeof pidopt, "--pid-file=%s", q->pid_file);
    const char *argv[16];
    int n = 0;
    argv[n++] = qemu_nbd;
    argv[n++] = pidopt;
    argv[n++] = "-f";
    argv[n++] = format;
    argv[n++] = "-b";
    argv[n++] = "127.0.0.1";
    argv[n++] = "-p";
    argv[n++] = port;
    argv[n++] = "-x";
    argv[n++] = IT_NBD_EXPORT;
    argv[n++] = "--persistent";
    argv[n++] = "--shared=4";
    if (read_only)
        argv[n++] = "--read-only";
    argv[n++] = image;
    argv[n] = NULL;
    q->pid = tu_daemon_start(argv, q->log, NULL, NULL);
    bool up = q->pid > 0 &&
              tu_daemon_wait(q->pid, qemu_nbd_wrote_its_pid, q, 5000) == TU_WAIT_READY;
    /* The PID qemu-nbd wrote is the child's: the PID it is stopped by. */
    if (up && read_pid(q->pid_file) != (long)q->pid)
        up = false;
    if (!up || !tu_wait_port(q->port, 5000)) {
        fprintf(stderr, "qemu-nbd did not start\n");
        tu_dump_file(q->log);
        if (q->pid > 0)
            tu_daemon_stop(q->pid, 0);
        exit(1);
    }
}

int it_qemu_nbd_stop(it_qemu_nbd *q)
{
    if (q->pid <= 0)
        return 0;
    int rc = tu_daemon_stop(q->pid, 0);
    q->pid = 0;
    return rc;
}
