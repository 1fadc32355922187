/*
 * The storage peers of the integration tests, started on 127.0.0.1 with a
 * private port, control socket and files in the test's temporary directory
 * (tu_daemon.h), and stopped by PID:
 *  - tgtd (tgt's user-space iSCSI target) with one target and LUN 1;
 *  - qemu-nbd serving an image.
 * A missing program makes the test SKIP with the reason (tu_skip()).
 */
#ifndef RSVD_IT_PEERS_H
#define RSVD_IT_PEERS_H

#include <stdbool.h>
#include <sys/types.h>

#include "tu_daemon.h"

typedef struct it_tgtd {
    pid_t pid;
    int port;
    char portal[64];
    char target[128];
    char tgtadm[256];
    char lun_path[512];
    char log[512];
} it_tgtd;

/** The target name every test target gets. */
#define IT_TGTD_TARGET "iqn.2024-01.invalid.librsvd:it.lun1"

/**
 * Starts tgtd (foreground, control socket in the temporary directory via
 * TGT_IPC_SOCKET, portal 127.0.0.1:<free port>), creates target tid 1 with
 * LUN 1 backed by a zeroed file of @p mib MiB, binds it to every initiator
 * address, and waits until the portal accepts connections.
 * tu_skip()s when tgtd or tgtadm is missing; exits 1 if tgtd will not start.
 */
void it_tgtd_start(it_tgtd *t, unsigned mib);

/** Deletes the target and the system (tgtd ignores SIGTERM while targets
 * exist), then stops tgtd by its PID. @return tu_daemon_stop()'s answer. */
int it_tgtd_stop(it_tgtd *t);

typedef struct it_qemu_nbd {
    pid_t pid;
    int port;
    char uri[128];
    char pid_file[512];
    char log[512];
} it_qemu_nbd;

/** The export name. */
#define IT_NBD_EXPORT "vdisk"

/**
 * Serves @p image (format @p format) with qemu-nbd on 127.0.0.1:<free
 * port>, export "vdisk", --persistent --shared=4 --pid-file, as the test's
 * child (not --fork: a forked qemu-nbd leaves the test's process group and
 * would survive a test killed on timeout), and waits until it listens.
 * tu_skip()s when qemu-nbd is missing.
 */
void it_qemu_nbd_start(it_qemu_nbd *q, const char *image, const char *format, bool read_only);

/** Stops qemu-nbd by its PID (SIGTERM: it flushes and exits).
 * @return tu_daemon_stop()'s answer. */
int it_qemu_nbd_stop(it_qemu_nbd *q);

/** @return the path of program @p name, or tu_skip()s naming it. */
const char *it_need_program(const char *name, char *buf, size_t cap);

#endif /* RSVD_IT_PEERS_H */
