/*
 * smb-durable-client: an SMB 3.0.2 client over TCP that keeps its open
 * across a lost connection with librsvd's client of preserved opens
 * (rsvd/resilient_client.h), against a real server (Samba's smbd, or any
 * SMB server - the address, port, share and credentials are arguments).
 *
 * The client (this file, connection.c, auth.c and the integrator
 * template's codecs in examples/common) owns the socket, NEGOTIATE,
 * SESSION_SETUP (SPNEGO/NTLMSSP through GSSAPI), TREE_CONNECT, WRITE,
 * READ, CLOSE and LOGOFF; librsvd decides everything about the open's
 * preservation: it builds the CREATE with the durable v2 request (DH2Q
 * with a CreateGuid; PERSISTENT on a continuously available share), reads
 * the grant, keeps the open when the connection dies, builds the reclaim
 * (DH2C with the FileId and CreateGuid), the resiliency request, and the
 * MessageIds and ChannelSequence of every request.
 *
 *  1. connection 1: NEGOTIATE, SESSION_SETUP, TREE_CONNECT;
 *  2. CREATE with a durable v2 request: granted (DH2Q response);
 *  3. WRITE a pattern;
 *  4. FSCTL_LMR_REQUEST_RESILIENCY ([MS-SMB2] 3.2.4.20.8): its answer goes
 *     to the application as 3.2.5.14.9 says - Samba answers
 *     STATUS_INVALID_DEVICE_REQUEST and the open stays as it was - and a
 *     READ shows the open still works;
 *  5. the connection is closed abruptly (a TCP RST);
 *  6. connection 2: NEGOTIATE with the same ClientGuid, SESSION_SETUP with
 *     PreviousSessionId, TREE_CONNECT;
 *  7. the CREATE with DH2C reclaims the open (retried while the server has
 *     not yet let the old connection go, [MS-SMB2] 3.2.7.1) - with DHnC on
 *     a server that declined the durable handle but granted resiliency;
 *  8. READ finds the pattern; CLOSE; LOGOFF.
 *
 * Exit status: 0 when every answer was the expected one, 1 otherwise, 77
 * when GSSAPI has no NTLMSSP mechanism (the test reports SKIP).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <rsvd/fscc.h>
#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "connection.h"

#define EXIT_SKIP 77
#define PATTERN_LEN 4096u
/* Attempts at the reclaim while the server still holds the old session. */
#define RECLAIM_TRIES 50
#define RECLAIM_PAUSE_MS 100

/* DesiredAccess: FILE_GENERIC_READ | FILE_GENERIC_WRITE. */
#define ACCESS_READ_WRITE 0x0012019Fu

typedef struct options {
    client_target target;
    const char *file;
    bool expect_resiliency_granted; /* the server grants resiliency */
    bool expect_durable_declined;   /* the server grants no durable handle */
    bool quiet;
} options;

static int failures;
static bool quiet;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

/* One request's line: what it was, its answer, and whether it was the one
 * expected. */
static void check(bool ok, const char *what, uint32_t status, const char *detail)
{
    char sb[64];
    say("  %-46s -> %s  %s%s\n", what, rsvd_status_format(status, sb, sizeof sb),
        detail ? detail : "", ok ? "" : "   <-- UNEXPECTED");
    if (!ok)
        failures++;
}

/* A line for what is not a request: what happened. */
static void note(bool ok, const char *what, const char *detail)
{
    say("  %-46s -> %s%s\n", what, detail, ok ? "" : "   <-- UNEXPECTED");
    if (!ok)
        failures++;
}

static int random_bytes(void *buf, size_t len, void *ud)
{
    (void)ud;
    return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--server HOST] [--port PORT] [--share SHARE] [--user USER]\n"
            "          [--password PASSWORD] [--domain DOMAIN] [--file NAME]\n"
            "          [--resiliency-granted] [--durable-declined] [--quiet]\n"
            "A user the server does not know is its guest where it maps bad users\n"
            "to guest (Samba: map to guest = Bad User). By default the server is\n"
            "expected to grant a durable v2 handle and refuse resiliency (Samba);\n"
            "--resiliency-granted and --durable-declined expect the other answers\n"
            "(then the open survives as a resilient one and is reclaimed with DHnC).\n",
            prog);
}

static bool parse(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},   {"port", required_argument, NULL, 'p'},
        {"share", required_argument, NULL, 'S'},    {"user", required_argument, NULL, 'u'},
        {"password", required_argument, NULL, 'P'}, {"domain", required_argument, NULL, 'd'},
        {"file", required_argument, NULL, 'f'},     {"resiliency-granted", no_argument, NULL, 'r'},
        {"durable-declined", no_argument, NULL, 'D'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->target.server = "127.0.0.1";
    o->target.port = 445;
    o->target.share = "share";
    o->target.user = "guest";
    o->target.password = "guest";
    o->target.domain = "";
    o->file = "durable-client.dat";
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o->target.server = optarg; break;
        case 'p': o->target.port = atoi(optarg); break;
        case 'S': o->target.share = optarg; break;
        case 'u': o->target.user = optarg; break;
        case 'P': o->target.password = optarg; break;
        case 'd': o->target.domain = optarg; break;
        case 'f': o->file = optarg; break;
        case 'r': o->expect_resiliency_granted = true; break;
        case 'D': o->expect_durable_declined = true; break;
        case 'q': o->quiet = true; break;
        default: usage(argv[0]); return false;
        }
    }
    return o->target.port > 0 && o->target.port < 65536;
}

/* The connection's steps, reported. @return false when it could not be
 * set up (the rest cannot run). */
static bool connect_reported(client *c, uint64_t previous_session_id)
{
    char err[512];
    int rc = client_connect(c, previous_session_id, err, sizeof err);
    if (rc == CLIENT_NO_NTLMSSP) {
        fprintf(stderr, "SKIP: %s\n", err);
        exit(EXIT_SKIP);
    }
    if (rc != 0) {
        say("  connection: %s   <-- UNEXPECTED\n", err);
        failures++;
        return false;
    }
    char line[160];
    snprintf(line, sizeof line, "dialect 0x%04x, capabilities 0x%x", c->dialect,
             c->server_capabilities);
    check(c->dialect == RSVD_SMB2_DIALECT_302, "SMB2 NEGOTIATE (2.0.2 .. 3.0.2)", 0, line);
    snprintf(line, sizeof line, "SessionId 0x%llx%s%s", (unsigned long long)c->session_id,
             c->guest ? ", guest" : "",
             previous_session_id ? ", PreviousSessionId given" : "");
    check(true, "SMB2 SESSION_SETUP (SPNEGO, NTLMSSP via GSSAPI)", 0, line);
    snprintf(line, sizeof line, "TreeId %u, share capabilities 0x%x", c->tree_id,
             c->share_capabilities);
    check(true, "SMB2 TREE_CONNECT", 0, line);
    return true;
}

int main(int argc, char **argv)
{
    options o;
    if (!parse(argc, argv, &o))
        return 2;
    quiet = o.quiet;
    client cl;
    if (client_init(&cl, &o.target, random_bytes) != 0) {
        fprintf(stderr, "cannot create the client\n");
        return 1;
    }
    client *c = &cl;
    uint8_t pattern[PATTERN_LEN], back[PATTERN_LEN];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 7u + 3u);
    char line[200];

    say("Step 1  connection 1 to //%s/%s, port %d\n", o.target.server, o.target.share,
        o.target.port);
    if (!connect_reported(c, 0))
        goto out;

    say("Step 2  CREATE %s with a durable v2 request\n", o.file);
    uint32_t st = client_create_durable(c, o.file, ACCESS_READ_WRITE, RSVD_FILE_OVERWRITE_IF);
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    bool have = st == RSVD_STATUS_SUCCESS && client_open_info(c, &info);
    bool v2 = have && (info.durable_flags & RSVD_RES_CLIENT_DURABLE_V2);
    snprintf(line, sizeof line, "DH2Q sent; %s, DurableTimeout %u ms%s",
             v2 ? "durable v2 granted" : "not durable", info.durable_timeout_ms,
             info.durable_flags & RSVD_RES_CLIENT_DURABLE_PERSISTENT ? ", persistent" : "");
    check(have && v2 == !o.expect_durable_declined, "SMB2 CREATE + DH2Q", st, line);
    if (!have)
        goto out;
    rsvd_smb2_fileid first_fid = info.file_id;

    say("Step 3  WRITE %u bytes\n", PATTERN_LEN);
    uint32_t count = 0;
    st = client_write(c, 0, pattern, sizeof pattern, &count);
    snprintf(line, sizeof line, "%u bytes written", count);
    check(st == RSVD_STATUS_SUCCESS && count == sizeof pattern, "SMB2 WRITE 4 KiB @0", st, line);

    say("Step 4  the application requests resiliency ([MS-SMB2] 3.2.4.20.8)\n");
    st = client_request_resiliency(c, 60000);
    (void)client_open_info(c, &info);
    if (o.expect_resiliency_granted) {
        check(st == RSVD_STATUS_SUCCESS && info.resilient_handle,
              "FSCTL_LMR_REQUEST_RESILIENCY 60000 ms", st, "ResilientHandle TRUE");
    } else {
        /* 3.2.5.14.9: an error goes to the application, the open as it was. */
        snprintf(line, sizeof line, "returned to the application; ResilientHandle %s, Durable %s",
                 info.resilient_handle ? "TRUE" : "FALSE", info.durable ? "TRUE" : "FALSE");
        check(st == RSVD_STATUS_INVALID_DEVICE_REQUEST && !info.resilient_handle && info.durable,
              "FSCTL_LMR_REQUEST_RESILIENCY 60000 ms", st, line);
    }
    uint32_t got = 0;
    st = client_read(c, 0, back, sizeof back, &got);
    bool same = got == sizeof back && memcmp(back, pattern, sizeof back) == 0;
    check(st == RSVD_STATUS_SUCCESS && same, "SMB2 READ 4 KiB @0 (the open still works)", st,
          same ? "the data written" : "OTHER DATA");

    say("Step 5  the connection is lost (closed with a TCP RST)\n");
    uint64_t old_session = c->session_id;
    client_drop(c);
    (void)client_open_info(c, &info);
    snprintf(line, sizeof line, "open %s; given up %llu ms from now unless reclaimed",
             info.state == RSVD_RES_CLIENT_OPEN_DETACHED ? "kept, detached" : "LOST",
             (unsigned long long)(rsvd_res_client_next_expiry(c->cli) - client_now_ms()));
    note(info.state == RSVD_RES_CLIENT_OPEN_DETACHED, "connection 1 lost", line);

    say("Step 6  connection 2, with PreviousSessionId 0x%llx\n", (unsigned long long)old_session);
    if (!connect_reported(c, old_session))
        goto out;

    say("Step 7  CREATE with %s reclaims the open\n", v2 ? "DH2C" : "DHnC");
    int tries = 0;
    do {
        if (tries)
            usleep(RECLAIM_PAUSE_MS * 1000);
        st = client_reclaim(c);
        tries++;
    } while (st != RSVD_STATUS_SUCCESS && st != CLIENT_GIVEN_UP && tries < RECLAIM_TRIES);
    have = st == RSVD_STATUS_SUCCESS && client_open_info(c, &info);
    /* The context the grant requires: DH2C for the durable v2 open, DHnC
     * for one that is only resilient. */
    const char *want = v2 ? "DH2C" : "DHnC";
    snprintf(line, sizeof line, "%.7s; FileId.Persistent %s, attempt %d",
             c->reclaim_context, have && info.file_id.persistent_id == first_fid.persistent_id
                                     ? "kept"
                                     : "CHANGED",
             tries);
    char what[64];
    snprintf(what, sizeof what, "SMB2 CREATE + %s", want);
    check(have && info.file_id.persistent_id == first_fid.persistent_id &&
              strcmp(c->reclaim_context, want) == 0,
          what, st, line);
    if (!have)
        goto out;

    say("Step 8  the data is there\n");
    memset(back, 0, sizeof back);
    st = client_read(c, 0, back, sizeof back, &got);
    same = got == sizeof back && memcmp(back, pattern, sizeof back) == 0;
    check(st == RSVD_STATUS_SUCCESS && same, "SMB2 READ 4 KiB @0", st,
          same ? "the data written before the loss" : "OTHER DATA");
    st = client_close(c);
    check(st == RSVD_STATUS_SUCCESS, "SMB2 CLOSE", st, NULL);
    st = client_logoff(c);
    check(st == RSVD_STATUS_SUCCESS, "SMB2 LOGOFF", st, NULL);

out:
    client_fini(c);
    say("%s\n", failures ? "FAILED" : "every answer was the expected one");
    return failures ? 1 : 0;
}
