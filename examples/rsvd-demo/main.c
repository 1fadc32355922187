/*
 * rsvd-demo: a guest cluster's shared virtual disk at work, on the wire.
 *
 * One process runs a file server (librsvd's RSVD server and resilient-
 * handle server behind the SMB2 dispatch of examples/common/smb2_dispatch.c)
 * and three hosts (librsvd's wire encoders and resilient client,
 * examples/common/smb2_client.c), linked by an in-memory network
 * (network.c). Every request and response travels as SMB2 bytes and is
 * written to a pcap that Wireshark dissects as SMB2/RSVD. See scenario.c
 * for the story and README.md for how to read the output.
 */
#include <stdio.h>
#include <string.h>

#include <rsvd/rsvd.h>

#include "scenario.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rsvd-demo [--pcap FILE] [--disk URL] [--quiet]\n"
            "\n"
            "Two hosts of a guest cluster share one virtual disk over SMB 3 (MS-RSVD):\n"
            "SCSI persistent reservations, a stored sense error fetched back, a\n"
            "resilient handle (MS-SMB2) surviving a dropped connection, and a persistent\n"
            "handle on the shared disk reclaimed with its reservation. Every message\n"
            "is written to a capture that Wireshark and tshark decode as SMB2/RSVD.\n"
            "\n"
            "  --pcap FILE  write the capture to FILE (default: rsvd-demo.pcap)\n"
            "  --disk URL   the storage behind the shared disk (default: the built-in\n"
            "               SCSI disk over a temporary file):\n"
            "                 iscsi://HOST:PORT/IQN/LUN   a LUN of an iSCSI target%s\n"
            "                 nbd://HOST:PORT/EXPORT      an NBD export, e.g. qemu-nbd%s\n"
            "  --quiet      print only failures and the result\n"
            "  --help       this text\n"
            "\n"
            "Exit status: 0 when every answer was the one the specs require, 1 when\n"
            "one was not (the step is named), 2 when the demo could not run.\n",
#if EXAMPLES_HAVE_ISCSI
            "",
#else
            " (not built)",
#endif
#if EXAMPLES_HAVE_NBD
            ""
#else
            " (not built)"
#endif
    );
}

int main(int argc, char **argv)
{
    demo_options opt = {"rsvd-demo.pcap", NULL, false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            opt.quiet = true;
        } else if ((strcmp(a, "--pcap") == 0 || strcmp(a, "--disk") == 0) && i + 1 < argc) {
            if (a[2] == 'p')
                opt.pcap = argv[++i];
            else
                opt.disk = argv[++i];
        } else if (strncmp(a, "--pcap=", 7) == 0) {
            opt.pcap = a + 7;
        } else if (strncmp(a, "--disk=", 7) == 0) {
            opt.disk = a + 7;
        } else {
            fprintf(stderr, "rsvd-demo: unknown or incomplete option '%s'\n\n", a);
            usage(stderr);
            return 2;
        }
    }
    return demo_scenario_run(&opt);
}
