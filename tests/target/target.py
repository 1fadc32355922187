"""Shared pieces of the rsvd-target tests (suite 'target').

Every test starts its own rsvd-target on 127.0.0.1 with a free port
(--listen 127.0.0.1:0), in a temporary directory, and stops it by its PID
in every exit path: the server must then exit 0 with no sanitizer report
(in an ASan/UBSan build, a leak makes it exit non-zero).

A missing peer (smbclient, smbtorture, impacket, tshark) is a SKIP (exit
77) with the reason, except when RSVD_INTEGRATION_REQUIRED=1 (CI), where it
is a failure.
"""

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


class TestFailure(Exception):
    """A check failed: the message says what was expected and what came."""


def skip(reason):
    """Ends the test as SKIP, or as a failure where peers are required."""
    if os.environ.get("RSVD_INTEGRATION_REQUIRED") == "1":
        print(f"FAIL: {reason} (RSVD_INTEGRATION_REQUIRED=1: this test must run here)")
        sys.exit(1)
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def need_program(name, package):
    path = shutil.which(name)
    if not path:
        skip(f"{name} is not installed (Debian package {package}; .ci/packages lists it)")
    return path


def debian_python_for_impacket():
    """impacket is Debian's python3-impacket: run this script with Debian's
    own /usr/bin/python3 when another python3 comes first on PATH."""
    try:
        import impacket  # noqa: F401
        return
    except ImportError:
        pass
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != \
            os.path.realpath("/usr/bin/python3") and not os.environ.get("RSVD_TARGET_REEXEC"):
        os.environ["RSVD_TARGET_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    skip("impacket is not installed (Debian package python3-impacket; .ci/packages lists it)")


def check(cond, what):
    if not cond:
        raise TestFailure(what)


def expect_equal(got, want, what):
    if got != want:
        raise TestFailure(f"{what}: expected {want!r}, got {got!r}")


SANITIZER_REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:")


class Server:
    """An rsvd-target process: started by start(), stopped by stop() (also
    at exit, whatever happens)."""

    def __init__(self, binary, workdir=None):
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix="rsvd-target-test-") if workdir is None else workdir
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.tmp, "server.log")
        self.stopped = False
        atexit.register(self._kill)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def share_dir(self, name):
        d = self.path("shares", name)
        os.makedirs(d, exist_ok=True)
        return d

    def start(self, *args, timeout=20):
        log = open(self.log_path, "w")
        env = dict(os.environ)
        # Under ASan: the leaks of the GSSAPI plugin's libraries are theirs
        # (lsan.supp says which and why); every other leak fails the test.
        supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsan.supp")
        env["LSAN_OPTIONS"] = ":".join(filter(None, [env.get("LSAN_OPTIONS"),
                                                      f"suppressions={supp}",
                                                      "print_suppressions=0"]))
        self.proc = subprocess.Popen([self.binary, "--listen", "127.0.0.1:0", *args],
                                     stdout=subprocess.PIPE, stderr=log, text=True, env=env)
        deadline = time.time() + timeout
        line = ""
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if line or self.proc.poll() is not None:
                break
        m = re.match(r"listening on 127\.0\.0\.1:(\d+)$", line.strip())
        if not m:
            self._kill()
            raise TestFailure(f"rsvd-target did not start: first line {line!r}; log:\n"
                              + self.log())
        self.port = int(m.group(1))
        return self.port

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30):
        """SIGTERM, then the exit status must be 0 and the log free of any
        sanitizer report."""
        if self.stopped or self.proc is None:
            return
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise TestFailure("rsvd-target did not stop within %d s of SIGTERM" % timeout)
        log = self.log()
        if SANITIZER_REPORT.search(log):
            raise TestFailure("rsvd-target reported a sanitizer error:\n" + log[-8000:])
        if rc != 0:
            raise TestFailure(f"rsvd-target exited with status {rc}:\n" + log[-8000:])

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not os.environ.get("RSVD_TARGET_KEEP"):
            shutil.rmtree(self.tmp, ignore_errors=True)


def main(test):
    """Runs test() and turns its outcome into an exit status."""
    try:
        test()
    except TestFailure as e:
        print(f"FAIL: {e}")
        sys.exit(1)
    print("PASS")
    sys.exit(0)
