/*
 * rsvd-target: an SMB 3.0.2 file server over TCP whose shared virtual
 * disks (MS-RSVD) and resilient handles are librsvd's. See rsvd-target(1)
 * and README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "target.h"
#include "transport.h"
#include "shared_disk.h"

int main(int argc, char **argv)
{
    static tgt_config cfg;
    static tgt_server srv;
    char err[512];
    int rc = tgt_config_from_args(argc, argv, &cfg, err, sizeof err);
    if (rc == 1)
        return 0;
    if (rc != 0) {
        fprintf(stderr, "rsvd-target: %s\n", err);
        tgt_config_usage(argv[0], stderr);
        return 2;
    }
    if (tgt_server_init(&srv, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "rsvd-target: %s\n", err);
        tgt_server_shutdown(&srv);
        return 1;
    }
    int lfd = tgt_listen(&srv, stdout, err, sizeof err);
    if (lfd < 0) {
        fprintf(stderr, "rsvd-target: cannot listen: %s\n", err);
        tgt_server_shutdown(&srv);
        return 1;
    }
    for (size_t i = 0; i < srv.nshares; i++)
        tgt_log(&srv, "share %s: %s%s", srv.shares[i].name, srv.shares[i].dir,
                srv.shares[i].ca ? " (continuously available)" : "");
    rc = tgt_run(&srv, lfd);
    close(lfd);
    tgt_server_shutdown(&srv);
    if (cfg.verbose)
        fprintf(stderr, "rsvd-target: stopped (%llu frames in, %llu out)\n",
                (unsigned long long)srv.frames_in, (unsigned long long)srv.frames_out);
    return rc == 0 ? 0 : 1;
}
