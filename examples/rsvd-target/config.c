/*
 * rsvd-target: the command line (see config.h and rsvd-target.1).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/rsvd.h>

void tgt_config_usage(const char *prog, void *stream)
{
    fprintf((FILE *)stream,
            "usage: %s --listen ADDR:PORT --share NAME=DIR[,ca] ... [options]\n"
            "\n"
            "An SMB 3.0.2 file server whose shared virtual disks (MS-RSVD) and\n"
            "preserved opens (resilient, durable, persistent) are librsvd's.\n"
            "\n"
            "  --listen ADDR:PORT     address and TCP port (port 0: any free port)\n"
            "  --share NAME=DIR[,ca]  a share of the files under DIR; ',ca' makes it\n"
            "                         continuously available (repeat for more shares)\n"
            "  --users FILE           named users, one DOMAIN:USER:PASSWORD per line\n"
            "                         (verified by GSSAPI with gss-ntlmssp)\n"
            "  --guest                allow guest and anonymous logins\n"
            "  --disk URI             the shared virtual disks: iscsi://HOST:PORT/IQN/LUN\n"
            "                         or nbd://HOST:PORT/EXPORT (default: the built-in\n"
            "                         SCSI disk over the file NAME.vhdx in the share)\n"
            "  --pcap FILE            write every message received and sent to FILE\n"
            "  --state FILE           keep persistent handles in the TDB file FILE, so\n"
            "                         that they survive a restart (default: in memory)\n"
            "  --multichannel         advertise SMB2_GLOBAL_CAP_MULTI_CHANNEL\n"
            "  --max-connections N    (default %u)\n"
            "  --max-sessions N       (default %u)\n"
            "  --max-opens N          (default %u)\n"
            "  --max-io BYTES         MaxRead/Write/TransactSize (default %u)\n"
            "  --max-message BYTES    largest frame accepted (default max-io + %u)\n"
            "  --max-credits N        credits a connection may hold (default %u)\n"
            "  --max-pending N        requests waiting per connection (default %u)\n"
            "  --oplock-break-timeout MS  (default %u)\n"
            "  --resiliency-max MS    MaxResiliencyTimeout (default the library's)\n"
            "  --verbose              log every request\n"
            "  --help, --version\n"
            "\n"
            "It prints 'listening on ADDR:PORT' when it accepts connections, and\n"
            "stops cleanly on SIGINT or SIGTERM.\n",
            prog, TGT_DEFAULT_MAX_CONNECTIONS, TGT_DEFAULT_MAX_SESSIONS, TGT_DEFAULT_MAX_OPENS,
            TGT_DEFAULT_MAX_IO, TGT_MESSAGE_OVERHEAD, TGT_DEFAULT_MAX_CREDITS,
            TGT_DEFAULT_MAX_PENDING, TGT_DEFAULT_OPLOCK_BREAK_TIMEOUT_MS);
}

static int number(const char *opt, const char *s, uint32_t min, uint32_t max, uint32_t *out,
                  char *err, size_t errcap)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || v < min || v > max) {
        snprintf(err, errcap, "%s: expected a number from %u to %u, got '%s'", opt, min, max, s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_listen(tgt_config *cfg, const char *s, char *err, size_t errcap)
{
    const char *colon = strrchr(s, ':');
    uint32_t port = 0;
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof cfg->listen_host) {
        snprintf(err, errcap, "--listen: expected ADDR:PORT, got '%s'", s);
        return -1;
    }
    if (number("--listen", colon + 1, 0, 65535, &port, err, errcap) != 0)
        return -1;
    memcpy(cfg->listen_host, s, (size_t)(colon - s));
    cfg->listen_host[colon - s] = 0;
    cfg->listen_port = (uint16_t)port;
    return 0;
}

static int parse_share(tgt_config *cfg, const char *s, char *err, size_t errcap)
{
    if (cfg->nshares == TGT_MAX_SHARES) {
        snprintf(err, errcap, "--share: at most %u shares", TGT_MAX_SHARES);
        return -1;
    }
    tgt_share_config *sh = &cfg->shares[cfg->nshares];
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || (size_t)(eq - s) >= sizeof sh->name) {
        snprintf(err, errcap, "--share: expected NAME=DIR[,ca] with a name of 1 to %u "
                 "characters, got '%s'", TGT_SHARE_NAME_MAX - 1, s);
        return -1;
    }
    for (const char *p = s; p < eq; p++) {
        /* [MS-SMB2] 2.2.9 names a share in a path; keep to what is safe
         * there and in the man page's examples. */
        if (*p == '\\' || *p == '/' || *p == ':' || (unsigned char)*p < 0x20) {
            snprintf(err, errcap, "--share: '%.*s' is not a share name", (int)(eq - s), s);
            return -1;
        }
    }
    memcpy(sh->name, s, (size_t)(eq - s));
    sh->name[eq - s] = 0;
    const char *dir = eq + 1;
    size_t dlen = strlen(dir);
    sh->ca = false;
    if (dlen > 3 && strcmp(dir + dlen - 3, ",ca") == 0) {
        sh->ca = true;
        dlen -= 3;
    }
    if (dlen == 0 || dlen >= sizeof sh->dir) {
        snprintf(err, errcap, "--share %s: no directory", sh->name);
        return -1;
    }
    memcpy(sh->dir, dir, dlen);
    sh->dir[dlen] = 0;
    for (size_t i = 0; i < cfg->nshares; i++) {
        const char *a = cfg->shares[i].name, *b = sh->name;
        while (*a && *b && (*a | 0x20) == (*b | 0x20))
            a++, b++;
        if (!*a && !*b) {
            snprintf(err, errcap, "--share %s: given twice", sh->name);
            return -1;
        }
    }
    cfg->nshares++;
    return 0;
}

enum {
    OPT_LISTEN = 256, OPT_SHARE, OPT_USERS, OPT_GUEST, OPT_DISK, OPT_PCAP, OPT_STATE, OPT_MULTICHANNEL,
    OPT_MAX_CONNECTIONS, OPT_MAX_SESSIONS, OPT_MAX_OPENS, OPT_MAX_IO, OPT_MAX_MESSAGE,
    OPT_MAX_CREDITS, OPT_MAX_PENDING, OPT_OPLOCK_TIMEOUT, OPT_RESILIENCY_MAX, OPT_VERBOSE,
    OPT_HELP, OPT_VERSION
};

int tgt_config_from_args(int argc, char **argv, tgt_config *cfg, char *err, size_t errcap)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"share", required_argument, NULL, OPT_SHARE},
        {"users", required_argument, NULL, OPT_USERS},
        {"guest", no_argument, NULL, OPT_GUEST},
        {"disk", required_argument, NULL, OPT_DISK},
        {"pcap", required_argument, NULL, OPT_PCAP},
        {"state", required_argument, NULL, OPT_STATE},
        {"multichannel", no_argument, NULL, OPT_MULTICHANNEL},
        {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
        {"max-sessions", required_argument, NULL, OPT_MAX_SESSIONS},
        {"max-opens", required_argument, NULL, OPT_MAX_OPENS},
        {"max-io", required_argument, NULL, OPT_MAX_IO},
        {"max-message", required_argument, NULL, OPT_MAX_MESSAGE},
        {"max-credits", required_argument, NULL, OPT_MAX_CREDITS},
        {"max-pending", required_argument, NULL, OPT_MAX_PENDING},
        {"oplock-break-timeout", required_argument, NULL, OPT_OPLOCK_TIMEOUT},
        {"resiliency-max", required_argument, NULL, OPT_RESILIENCY_MAX},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    memset(cfg, 0, sizeof *cfg);
    cfg->limits.max_connections = TGT_DEFAULT_MAX_CONNECTIONS;
    cfg->limits.max_sessions = TGT_DEFAULT_MAX_SESSIONS;
    cfg->limits.max_opens = TGT_DEFAULT_MAX_OPENS;
    cfg->limits.max_io = TGT_DEFAULT_MAX_IO;
    cfg->limits.max_credits = TGT_DEFAULT_MAX_CREDITS;
    cfg->limits.max_pending = TGT_DEFAULT_MAX_PENDING;
    cfg->oplock_break_timeout_ms = TGT_DEFAULT_OPLOCK_BREAK_TIMEOUT_MS;
    bool have_listen = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case OPT_LISTEN:
            rc = parse_listen(cfg, optarg, err, errcap);
            have_listen = true;
            break;
        case OPT_SHARE:
            rc = parse_share(cfg, optarg, err, errcap);
            break;
        case OPT_USERS:
            cfg->users_file = optarg;
            break;
        case OPT_GUEST:
            cfg->guest = true;
            break;
        case OPT_DISK:
            cfg->disk_uri = optarg;
            break;
        case OPT_PCAP:
            cfg->pcap_path = optarg;
            break;
        case OPT_STATE:
            cfg->state_path = optarg;
            break;
        case OPT_MULTICHANNEL:
            cfg->multichannel = true;
            break;
        case OPT_MAX_CONNECTIONS:
            rc = number("--max-connections", optarg, 1, 65536, &cfg->limits.max_connections,
                        err, errcap);
            break;
        case OPT_MAX_SESSIONS:
            rc = number("--max-sessions", optarg, 1, 1u << 20, &cfg->limits.max_sessions, err,
                        errcap);
            break;
        case OPT_MAX_OPENS:
            rc = number("--max-opens", optarg, 1, 1u << 20, &cfg->limits.max_opens, err,
                        errcap);
            break;
        case OPT_MAX_IO:
            /* [MS-SMB2] 3.3.5.4: at least 64 KiB; 8 MiB is Windows' largest. */
            rc = number("--max-io", optarg, 65536, 8u << 20, &cfg->limits.max_io, err, errcap);
            break;
        case OPT_MAX_MESSAGE:
            rc = number("--max-message", optarg, 1024, 16u << 20, &cfg->limits.max_message,
                        err, errcap);
            break;
        case OPT_MAX_CREDITS:
            rc = number("--max-credits", optarg, 16, 8192, &cfg->limits.max_credits, err,
                        errcap);
            break;
        case OPT_MAX_PENDING:
            rc = number("--max-pending", optarg, 1, 65536, &cfg->limits.max_pending, err,
                        errcap);
            break;
        case OPT_OPLOCK_TIMEOUT:
            rc = number("--oplock-break-timeout", optarg, 1, 3600000,
                        &cfg->oplock_break_timeout_ms, err, errcap);
            break;
        case OPT_RESILIENCY_MAX:
            rc = number("--resiliency-max", optarg, 1, UINT32_MAX, &cfg->resiliency_max_ms, err,
                        errcap);
            break;
        case OPT_VERBOSE:
            cfg->verbose = true;
            break;
        case OPT_HELP:
            tgt_config_usage(argv[0], stdout);
            return 1;
        case OPT_VERSION:
            printf("rsvd-target (librsvd %s)\n", rsvd_version());
            return 1;
        default:
            snprintf(err, errcap, "unknown option or missing argument: %s",
                     optind > 0 && optind <= argc ? argv[optind - 1] : "?");
            return -1;
        }
        if (rc != 0)
            return -1;
    }
    if (optind < argc) {
        snprintf(err, errcap, "unexpected argument: %s", argv[optind]);
        return -1;
    }
    if (!have_listen) {
        snprintf(err, errcap, "--listen ADDR:PORT is required");
        return -1;
    }
    if (cfg->nshares == 0) {
        snprintf(err, errcap, "at least one --share NAME=DIR is required");
        return -1;
    }
    if (!cfg->users_file && !cfg->guest) {
        snprintf(err, errcap, "nobody could log in: give --users FILE, --guest, or both");
        return -1;
    }
    if (cfg->limits.max_message == 0)
        cfg->limits.max_message = cfg->limits.max_io + TGT_MESSAGE_OVERHEAD;
    if (cfg->limits.max_message < cfg->limits.max_io + 256u) {
        snprintf(err, errcap, "--max-message must be at least --max-io + 256 (%u)",
                 cfg->limits.max_io + 256u);
        return -1;
    }
    return 0;
}
