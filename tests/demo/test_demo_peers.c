/*
 * rsvd-demo against real storage (suite 'integration'):
 *
 *   test_demo_peers tgtd PYTHON3 CHECKER RSVD_DEMO
 *     starts tgtd with a 64 MiB LUN, runs the demo with
 *     --disk iscsi://127.0.0.1:PORT/IQN/1 through the tshark checker, and
 *     reads the LUN's backing file: A's 4 KiB are there, B's refused
 *     WRITE(10) is not;
 *
 *   test_demo_peers nbd PYTHON3 CHECKER RSVD_DEMO
 *     creates a dynamic VHDX with qemu-img, serves it with qemu-nbd, runs the
 *     demo with --disk nbd://127.0.0.1:PORT/vdisk through the checker, and
 *     reads the VHDX back with qemu-io.
 *
 * The daemons are the test's children, stopped by PID on every exit path
 * (tu_daemon.h). A missing daemon, backend feature or tshark is a SKIP
 * (exit 77), and a failure where RSVD_INTEGRATION_REQUIRED=1 (CI).
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peers.h"

#define DISK_MIB 64u

static const char *py, *checker, *demo;

/* The helpers exist where a backend that uses them is built: a build
 * without libiscsi and libnbd has none (and -Werror refuses unused ones). */
#if TU_HAVE_ISCSI || TU_HAVE_NBD
/* Runs the checker (which runs the demo) with --disk @p url. */
static int run_demo(const char *url)
{
    const char *log = tu_path("demo.log");
    const char *argv[] = {py, checker, demo, tu_path("work"), "--disk", url, NULL};
    int rc = tu_run(argv, log);
    tu_dump_file(log); /* the checker's summary, or what failed */
    if (rc == TU_EXIT_SKIP)
        tu_skip("the checker skipped (tshark is not installed)");
    return rc;
}
#endif

#if TU_HAVE_ISCSI
static bool file_has(const char *path, long off, size_t len, uint8_t byte)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool ok = fseek(f, off, SEEK_SET) == 0;
    for (size_t i = 0; ok && i < len; i++)
        ok = fgetc(f) == byte;
    fclose(f);
    return ok;
}
#endif

static int with_tgtd(void)
{
#if TU_HAVE_ISCSI
    it_tgtd t;
    it_tgtd_start(&t, DISK_MIB);
    char url[384];
    snprintf(url, sizeof url, "iscsi://%s/%s/1", t.portal, t.target);
    int rc = run_demo(url);
    /* A's SMB2 WRITE (0xA5 at 0) reached the LUN; B's WRITE(10) of 0xB5 at
     * LBA 8, refused by A's reservation, did not. (Read while tgtd runs:
     * stopping it removes the LUN's file.) */
    bool stored = file_has(t.lun_path, 0, 4096, 0xA5) && file_has(t.lun_path, 8 * 512, 512, 0x00);
    int stopped = it_tgtd_stop(&t);
    if (rc != 0) {
        fprintf(stderr, "FAIL: rsvd-demo against tgtd (%s): status %d\n", url, rc);
        tu_dump_file(t.log);
        return 1;
    }
    if (!stored) {
        fprintf(stderr, "FAIL: the LUN does not hold what the demo wrote\n");
        return 1;
    }
    printf("PASS: rsvd-demo over tgtd (%s); tgtd stopped %s\n", url,
           stopped == 0 ? "cleanly" : "by SIGKILL");
    return 0;
#else
    tu_skip("librsvd was built without the iscsi feature (libiscsi-dev)");
#endif
}

#if TU_HAVE_NBD
static int qemu_io_read(const char *qemu_io, const char *image, unsigned pattern, long off,
                        long len)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "read -P 0x%02x %ld %ld", pattern, off, len);
    const char *argv[] = {qemu_io, "-r", "-f", "vhdx", "-c", cmd, image, NULL};
    return tu_run(argv, tu_path("qemu-io.log"));
}
#endif

static int with_qemu_nbd(void)
{
#if TU_HAVE_NBD
    char qemu_img[256], qemu_io[256], size[16], image[512];
    it_need_program("qemu-img", qemu_img, sizeof qemu_img);
    it_need_program("qemu-io", qemu_io, sizeof qemu_io);
    /* A copy: tu_path()'s buffers are reused after a few calls. */
    snprintf(image, sizeof image, "%s", tu_path("cluster.vhdx"));
    snprintf(size, sizeof size, "%uM", DISK_MIB);
    const char *mk[] = {qemu_img, "create", "-q", "-f", "vhdx", "-o", "subformat=dynamic",
                        image, size, NULL};
    if (tu_run(mk, tu_path("qemu-img.log")) != 0) {
        tu_dump_file(tu_path("qemu-img.log"));
        return 1;
    }
    it_qemu_nbd q;
    it_qemu_nbd_start(&q, image, "vhdx", false);
    int rc = run_demo(q.uri);
    int stopped = it_qemu_nbd_stop(&q); /* qemu-nbd flushes the VHDX */
    if (rc != 0) {
        fprintf(stderr, "FAIL: rsvd-demo over qemu-nbd (%s): status %d\n", q.uri, rc);
        tu_dump_file(q.log);
        return 1;
    }
    /* The checks can fail: A's bytes are there (also the ones it wrote
     * between the version-2 step's snapshots: the image holds the disk's
     * present content), B's refused ones are not. */
    if (qemu_io_read(qemu_io, image, 0xA5, 0, 4096) != 0 ||
        qemu_io_read(qemu_io, image, 0xA5, 64 * 1024, 4096) != 0 ||
        qemu_io_read(qemu_io, image, 0xA5, 1024 * 1024, 4096) != 0 ||
        qemu_io_read(qemu_io, image, 0x00, 8 * 512, 512) != 0 ||
        qemu_io_read(qemu_io, image, 0xB5, 8 * 512, 512) == 0) {
        fprintf(stderr, "FAIL: qemu-io does not read back what the demo wrote\n");
        tu_dump_file(tu_path("qemu-io.log"));
        return 1;
    }
    printf("PASS: rsvd-demo over a qemu-nbd VHDX (%s); qemu-nbd stopped %s\n", q.uri,
           stopped == 0 ? "cleanly" : "by SIGKILL");
    return 0;
#else
    tu_skip("librsvd was built without the nbd feature (libnbd-dev)");
#endif
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s tgtd|nbd PYTHON3 CHECKER RSVD_DEMO\n", argv[0]);
        return 2;
    }
    py = argv[2];
    checker = argv[3];
    demo = argv[4];
    bool tgtd = strcmp(argv[1], "tgtd") == 0;
    tu_tmpdir(tgtd ? "demo-tgtd" : "demo-nbd");
    return tgtd ? with_tgtd() : with_qemu_nbd();
}
