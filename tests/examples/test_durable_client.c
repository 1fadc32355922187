/*
 * smb-durable-client against real servers (suite 'integration'):
 *
 *   test_durable_client samba SMB_DURABLE_CLIENT
 *
 * starts smbd on 127.0.0.1 with a free port, its configuration and every
 * directory in the test's temporary directory, a share anyone reaches as
 * guest ("map to guest = Bad User", "guest ok = yes") with durable handles
 * on; runs the client, which obtains a durable v2 open, loses its
 * connection, reclaims the open with DH2C on a new connection and reads its
 * data, and hands Samba's answer to its resiliency request
 * (STATUS_INVALID_DEVICE_REQUEST) to the application with the open still
 * usable; checks the client's exit status, the lines that show each of
 * those answers, and the file on the share. smbd is the test's child,
 * stopped by its PID on every exit path (tu_daemon.h); it runs as the
 * user the test runs as. No smbd or no GSSAPI NTLMSSP mechanism: SKIP, or
 * a failure where RSVD_INTEGRATION_REQUIRED=1 (CI).
 *
 *   test_durable_client target SMB_DURABLE_CLIENT RSVD_TARGET
 *
 * does the same with the example server rsvd-target (a guest share), whose
 * open preservation is the library's: the durable v2 open is granted (with
 * the batch oplock rsvd-target grants), resiliency is granted too, and the
 * open is reclaimed with DH2C.
 */
#define _GNU_SOURCE
#include <pwd.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tu_daemon.h"

#define FILE_NAME "durable-client.dat"
#define PATTERN_LEN 4096u

/* What the client's output must show, one extended regular expression a
 * line. */
static const char *const expected_samba[] = {
    "SMB2 NEGOTIATE .* -> STATUS_SUCCESS  dialect 0x0302",
    "SMB2 SESSION_SETUP .* -> STATUS_SUCCESS  SessionId 0x[0-9a-f]+, guest$",
    "SMB2 CREATE \\+ DH2Q +-> STATUS_SUCCESS  DH2Q sent; durable v2 granted",
    ("FSCTL_LMR_REQUEST_RESILIENCY 60000 ms +-> STATUS_INVALID_DEVICE_REQUEST  returned to the "
     "application; ResilientHandle FALSE, Durable TRUE"),
    "SMB2 READ 4 KiB @0 \\(the open still works\\) +-> STATUS_SUCCESS  the data written",
    "connection 1 lost +-> open kept, detached",
    "SMB2 SESSION_SETUP .* guest, PreviousSessionId given",
    "SMB2 CREATE \\+ DH2C +-> STATUS_SUCCESS  DH2C; FileId.Persistent kept",
    "SMB2 READ 4 KiB @0 +-> STATUS_SUCCESS  the data written before the loss",
    "^every answer was the expected one$",
    NULL,
};

static const char *const expected_target[] = {
    "SMB2 NEGOTIATE .* -> STATUS_SUCCESS  dialect 0x0302",
    /* [MS-SMB2] 3.3.5.9.10 <344>: Timeout 0 on a share without CATimeout. */
    "SMB2 CREATE \\+ DH2Q +-> STATUS_SUCCESS  DH2Q sent; durable v2 granted, DurableTimeout "
    "60000 ms$",
    "FSCTL_LMR_REQUEST_RESILIENCY 60000 ms +-> STATUS_SUCCESS  ResilientHandle TRUE",
    "connection 1 lost +-> open kept, detached",
    "SMB2 SESSION_SETUP .* guest, PreviousSessionId given",
    "SMB2 CREATE \\+ DH2C +-> STATUS_SUCCESS  DH2C; FileId.Persistent kept",
    "SMB2 READ 4 KiB @0 +-> STATUS_SUCCESS  the data written before the loss",
    "^every answer was the expected one$",
    NULL,
};

/* The share's files belong to the user the test runs as: as root, smbd
 * maps the guest to nobody and forces the share to root; otherwise smbd runs
 * as that user, who is also its guest. */
static bool write_conf(const char *path, const char *dir, int port, const char *user, bool root)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f,
            "[global]\n"
            "  smb ports = %d\n"
            "  interfaces = lo\n"
            "  bind interfaces only = yes\n"
            "  disable netbios = yes\n"
            "  server role = standalone server\n"
            "  map to guest = Bad User\n"
            "  guest account = %s\n"
            "  passdb backend = tdbsam:%s/private/passdb.tdb\n"
            "  private dir = %s/private\n"
            "  lock directory = %s/lock\n"
            "  state directory = %s/state\n"
            "  cache directory = %s/cache\n"
            "  pid directory = %s/pid\n"
            "  ncalrpc dir = %s/ncalrpc\n"
            "  log file = %s/log.smbd\n"
            "  log level = 1\n"
            "  load printers = no\n"
            "  printcap name = /dev/null\n"
            "  disable spoolss = yes\n"
            "  server min protocol = SMB2_02\n"
            "  server max protocol = SMB3\n"
            /* What Samba needs to grant durable handles. */
            "  durable handles = yes\n"
            "  kernel oplocks = no\n"
            "  kernel share modes = no\n"
            "  posix locking = no\n"
            "[share]\n"
            "  path = %s/share\n"
            "  guest ok = yes\n"
            "  read only = no\n"
            "%s%s%s",
            port, root ? "nobody" : user, dir, dir, dir, dir, dir, dir, dir, dir, dir,
            root ? "  force user = " : "", root ? user : "", root ? "\n" : "");
    return fclose(f) == 0;
}

static bool log_has(const char *log, const char *re_text)
{
    regex_t re;
    if (regcomp(&re, re_text, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0)
        return false;
    FILE *f = fopen(log, "r");
    bool found = false;
    char line[1024];
    while (f && !found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        found = regexec(&re, line, 0, NULL, 0) == 0;
    }
    if (f)
        fclose(f);
    regfree(&re);
    return found;
}

/* The file on the share holds the client's pattern. */
static bool share_file_ok(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < PATTERN_LEN; i++)
        ok = fgetc(f) == (int)(uint8_t)(i * 7u + 3u);
    fclose(f);
    return ok;
}

static bool listens(void *ctx)
{
    return tu_wait_port(*(const int *)ctx, 0);
}

/* smbd with its configuration in the test's directory. @return its PID. */
static pid_t start_smbd(const char *dir, int port, const char **server_log)
{
    char smbd[256];
    if (!tu_which("smbd", smbd, sizeof smbd))
        tu_skip("smbd is not installed (Debian package samba)");
    static const char *const sub[] = {"private", "lock", "state", "cache", "pid", "ncalrpc"};
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
        if (mkdir(tu_path(sub[i]), 0755) != 0) {
            perror(tu_path(sub[i]));
            exit(1);
        }
    const struct passwd *pw = getpwuid(geteuid());
    const char *conf = tu_path("smb.conf");
    if (!pw || !write_conf(conf, dir, port, pw->pw_name, geteuid() == 0)) {
        fprintf(stderr, "cannot write %s\n", conf);
        exit(1);
    }
    *server_log = tu_path("log.smbd");
    /* In its own process group: at its end smbd signals its group, which
     * must not be the test's. It dies with the test all the same
     * (PR_SET_PDEATHSIG), and its children with it. */
    const char *sargv[] = {smbd, "--foreground", "--debug-stdout", "-s", conf, NULL};
    return tu_daemon_start(sargv, tu_path("smbd.out"), NULL, NULL);
}

/* rsvd-target with a guest share "share" over the test's directory. */
static pid_t start_target(const char *target, int port, const char **server_log)
{
    char listen[64], share[600];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(share, sizeof share, "share=%s", tu_path("share"));
    *server_log = tu_path("target.out");
    const char *targv[] = {target, "--listen", listen, "--share", share, "--guest", NULL};
    return tu_daemon_start(targv, *server_log, NULL, NULL);
}

int main(int argc, char **argv)
{
    bool samba = argc == 3 && strcmp(argv[1], "samba") == 0;
    bool target = argc == 4 && strcmp(argv[1], "target") == 0;
    if (!samba && !target) {
        fprintf(stderr, "usage: %s samba SMB_DURABLE_CLIENT\n"
                        "       %s target SMB_DURABLE_CLIENT RSVD_TARGET\n", argv[0], argv[0]);
        return 2;
    }
    const char *client = argv[2];
    const char *dir = tu_tmpdir(samba ? "durable-samba" : "durable-target");
    if (strcmp(client, "none") == 0)
        tu_skip("smb-durable-client was not built (it needs krb5-gssapi: libkrb5-dev)");
    if (target && strcmp(argv[3], "none") == 0)
        tu_skip("rsvd-target was not built (it needs krb5-gssapi and nettle-dev)");
    if (mkdir(tu_path("share"), 0755) != 0) {
        perror(tu_path("share"));
        return 1;
    }
    int port = tu_free_port();
    const char *server_log = NULL;
    pid_t pid = samba ? start_smbd(dir, port, &server_log) : start_target(argv[3], port, &server_log);
    if (pid < 0 || tu_daemon_wait(pid, listens, &port, 20000) != TU_WAIT_READY) {
        fprintf(stderr, "FAIL: the server did not start\n");
        tu_dump_file(samba ? tu_path("smbd.out") : server_log);
        return 1;
    }

    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", port);
    const char *log = tu_path("client.log");
    const char *cargv[] = {client,          "--server",   "127.0.0.1", "--port",
                           port_s,          "--share",    "share",     "--user",
                           "nobody-at-all", "--password", "x",         "--file",
                           FILE_NAME,       samba ? NULL : "--resiliency-granted",
                           NULL};
    int rc = tu_run(cargv, log);
    tu_dump_file(log);
    bool stored = share_file_ok(tu_path("share/" FILE_NAME));
    int stopped = tu_daemon_stop(pid, 5000);
    if (rc == TU_EXIT_SKIP)
        tu_skip("GSSAPI has no NTLMSSP mechanism (Debian package gss-ntlmssp)");
    int failed = 0;
    if (rc != 0) {
        fprintf(stderr, "FAIL: smb-durable-client exited with status %d\n", rc);
        failed++;
    }
    const char *const *expected = samba ? expected_samba : expected_target;
    for (size_t i = 0; expected[i]; i++)
        if (!log_has(log, expected[i])) {
            fprintf(stderr, "FAIL: no line matches: %s\n", expected[i]);
            failed++;
        }
    if (!stored) {
        fprintf(stderr, "FAIL: %s on the share does not hold the data written\n", FILE_NAME);
        failed++;
    }
    if (failed) {
        tu_dump_file(server_log);
        return 1;
    }
    if (samba)
        printf("PASS: durable v2 open reclaimed with DH2C from Samba, resiliency refused and "
               "handed to the application; smbd stopped %s\n",
               stopped == 0 ? "cleanly" : "by SIGKILL");
    else
        printf("PASS: durable v2 open, resilient too, reclaimed with DH2C from rsvd-target; "
               "rsvd-target stopped %s\n",
               stopped == 0 ? "cleanly" : "by SIGKILL");
    return 0;
}
