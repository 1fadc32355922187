#!/usr/bin/env python3
"""rsvd-target with its shared virtual disk on a real storage peer: an
iSCSI LUN of tgtd (--disk iscsi://...) or a VHDX that qemu-nbd serves
(--disk nbd://...), driven by impacket as in test_impacket_rsvd.py. The
daemons are started here on 127.0.0.1 and stopped by their PID in every
exit path; what the first node wrote is read back from the storage itself.

    test_disk_peers.py RSVD_TARGET tgtd|nbd
"""

import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import target  # noqa: E402

target.debian_python_for_impacket()
import test_impacket_rsvd as scenario  # noqa: E402

IQN = "iqn.2024-01.org.example:rsvd-target.lun1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(*cmd, check=True):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise target.TestFailure(f"{' '.join(cmd)}: {p.stderr.strip()}")
    return p


class Tgtd:
    """tgtd on a free port with a private control socket (TOOLING)."""

    def __init__(self, work, size):
        self.tgtd = target.need_program("tgtd", "tgt")
        self.tgtadm = target.need_program("tgtadm", "tgt")
        self.image = os.path.join(work, "lun1.img")
        with open(self.image, "wb") as f:
            f.truncate(size)
        self.port = free_port()
        self.control = str(40 + os.getpid() % 200)
        self.proc = subprocess.Popen([self.tgtd, "-f", "-C", self.control, "--iscsi",
                                      f"portal=127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def adm(self, *args, check=True):
        return run(self.tgtadm, "-C", self.control, "--lld", "iscsi", *args, check=check)

    def start(self):
        for _ in range(50):
            if self.adm("--mode", "system", "--op", "show", check=False).returncode == 0:
                break
            time.sleep(0.1)
        self.adm("--mode", "target", "--op", "new", "--tid", "1", "--targetname", IQN)
        self.adm("--mode", "logicalunit", "--op", "new", "--tid", "1", "--lun", "1",
                 "--backing-store", self.image)
        self.adm("--mode", "target", "--op", "bind", "--tid", "1", "--initiator-address", "ALL")
        return f"iscsi://127.0.0.1:{self.port}/{IQN}/1"

    def stop(self):
        # tgtd ignores SIGTERM while targets exist.
        self.adm("--mode", "target", "--op", "delete", "--force", "--tid", "1", check=False)
        run(self.tgtadm, "-C", self.control, "--mode", "system", "--op", "delete", check=False)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def first_block(self):
        with open(self.image, "rb") as f:
            return f.read(4096)


class QemuNbd:
    """qemu-nbd serving a dynamic VHDX (TOOLING)."""

    def __init__(self, work, size):
        self.qemu_img = target.need_program("qemu-img", "qemu-utils")
        self.qemu_nbd = target.need_program("qemu-nbd", "qemu-utils")
        self.qemu_io = target.need_program("qemu-io", "qemu-utils")
        self.image = os.path.join(work, "d.vhdx")
        self.pidfile = os.path.join(work, "qemu-nbd.pid")
        self.port = free_port()
        self.size = size
        self.pid = None

    def start(self):
        run(self.qemu_img, "create", "-f", "vhdx", "-o", "subformat=dynamic", self.image,
            str(self.size))
        run(self.qemu_nbd, "--fork", f"--pid-file={self.pidfile}", "-f", "vhdx", "-b",
            "127.0.0.1", "-p", str(self.port), "-x", "vdisk", "--persistent", "--shared=4",
            self.image)
        with open(self.pidfile) as f:
            self.pid = int(f.read())
        return f"nbd://127.0.0.1:{self.port}/vdisk"

    def stop(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            for _ in range(50):
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            self.pid = None

    def first_block(self):
        p = run(self.qemu_io, "-f", "vhdx", "-r", "-c", "read -P 0x5a 0 4096", self.image,
                check=False)
        out = p.stdout + p.stderr
        if p.returncode == 0 and "Pattern verification failed" not in out:
            return b"\x5a" * 4096
        return ("qemu-io: " + out.strip()).encode()


def test():
    kind = sys.argv[2]
    srv = target.Server(sys.argv[1])
    peer = Tgtd(srv.tmp, scenario.DISK_SIZE) if kind == "tgtd" else QemuNbd(srv.tmp,
                                                                            scenario.DISK_SIZE)
    vm = srv.share_dir("vm")
    users = srv.path("users")
    with open(users, "w") as f:
        f.write("TESTDOM:alice:Passw0rd\nTESTDOM:bob:Secret1\n")
    try:
        uri = peer.start()
        try:
            srv.start("--share", f"vm={vm}", "--users", users, "--disk", uri)
        except target.TestFailure:
            if "was built without" in srv.log() or "built without its" in srv.log():
                target.skip(f"librsvd was built without the backend of --disk {uri}")
            raise
        try:
            a = scenario.Node(srv.port, "alice", scenario.INIT_A, 1, "nodeA")
            b = scenario.Node(srv.port, "bob", scenario.INIT_B, 2, "nodeB")
            for node in (a, b):
                scenario.svhdx_open_echoes_the_context(node)
            scenario.initial_info_describes_the_disk(a)
            scenario.inquiry_reports_a_disk(a)
            scenario.read_capacity_reports_the_size(b)
            scenario.persistent_reservations(a, b)
            scenario.writes_meet_the_reservation(a, b)
            r = a.scsi(scenario.t.pr_out(a.next_id(), 0x03, scenario.KEY_A, 0))
            target.expect_equal((r.status, r.scsi_status), (0, 0), "PR OUT CLEAR")
            for node in (a, b):
                target.expect_equal(scenario.t.close(node.c, node.tree, node.fid), 0, "CLOSE")
                node.c.logoff()
        finally:
            srv.stop()
    finally:
        peer.stop()
    # The storage itself, read once its daemon is gone.
    target.expect_equal(peer.first_block(), b"\x5a" * 4096, f"A's write on the {kind} storage")


if __name__ == "__main__":
    target.main(test)
