#!/usr/bin/env python3
"""impacket against rsvd-target: a resilient open survives an abrupt TCP
drop and is reclaimed with DHnC (and another with DH2C); a LOCK re-sent
after the reconnect is a replay; another user's reconnect and one through
another share are refused; an open whose resiliency timeout passed is gone.
Durable and persistent handles: test_impacket_durable.py. Every expected
value is the spec's, cited.

    test_impacket_resilient.py RSVD_TARGET
"""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import target  # noqa: E402

target.debian_python_for_impacket()
import smbtools as t  # noqa: E402

STATUS_OBJECT_NAME_NOT_FOUND = 0xC0000034
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_LOCK_NOT_GRANTED = 0xC0000055
STATUS_FILE_CLOSED = 0xC0000128
EXCLUSIVE_NOW = t.LOCK_EXCLUSIVE | t.LOCK_FAIL_IMMEDIATELY
GENERIC_ALL_FILE = 0x001F01FF


def alice(port):
    return t.connect(port, "alice", "Passw0rd", "TESTDOM")


def bob(port):
    return t.connect(port, "bob", "Secret1", "TESTDOM")


def open_resilient(c, tree, name, timeout_ms):
    o = t.create(c, tree, name, access=GENERIC_ALL_FILE, disposition=5)  # FILE_OVERWRITE_IF
    target.expect_equal(o.status, 0, f"CREATE {name}")
    # [MS-SMB2] 3.3.5.15.9: a timeout within MaxResiliencyTimeout is granted.
    target.expect_equal(t.request_resiliency(c, tree, o.file_id, timeout_ms), 0,
                        "FSCTL_LMR_REQUEST_RESILIENCY")
    return o.file_id


def resilient_open_is_reclaimed_with_dhnc(port):
    c = alice(port)
    tree = c.connectTree("vm")
    fid = open_resilient(c, tree, "vm.vmcx", 60000)
    target.expect_equal(t.write(c, tree, fid, 0, b"config"), (0, 6), "WRITE")
    # A LOCK with LockSequence index 1, number 1 ([MS-SMB2] 2.2.26).
    seq = (1 << 4) | 1
    target.expect_equal(t.lock(c, tree, fid, [(4096, 4096, EXCLUSIVE_NOW)], seq), 0, "LOCK")
    t.drop(c)  # [MS-SMB2] 3.3.7.1: the open is kept, detached
    time.sleep(0.3)

    # Another user's reconnect: [MS-SMB2] 3.3.5.9.7, Open.DurableOwner.
    other = bob(port)
    otree = other.connectTree("vm")
    r = t.create(other, otree, "vm.vmcx", [t.dhnc(fid)], access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, STATUS_ACCESS_DENIED, "bob's DHnC of alice's open")
    # The open still holds its lock against everybody else.
    o2 = t.create(other, otree, "vm.vmcx", access=GENERIC_ALL_FILE)
    target.expect_equal(o2.status, 0, "bob opens vm.vmcx")
    target.expect_equal(t.lock(other, otree, o2.file_id, [(4096, 1, EXCLUSIVE_NOW)]),
                        STATUS_LOCK_NOT_GRANTED, "bob's LOCK on the detached open's range")
    t.close(other, otree, o2.file_id)

    # Through a tree connect of another share the open is not found.
    c2 = alice(port)
    dtree = c2.connectTree("data")
    r = t.create(c2, dtree, "vm.vmcx", [t.dhnc(fid)], access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, STATUS_OBJECT_NAME_NOT_FOUND, "DHnC through another share")

    # [MS-SMB2] 3.3.5.9.7: the owner reconnects; FileId.Persistent stays,
    # FileId.Volatile changes.
    tree2 = c2.connectTree("vm")
    r = t.create(c2, tree2, "vm.vmcx", [t.dhnc(fid)], access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, 0, "alice's DHnC")
    old_p, old_v = t.file_id_parts(fid)
    new_p, new_v = t.file_id_parts(r.file_id)
    target.expect_equal(new_p, old_p, "FileId.Persistent after the reconnect")
    target.check(new_v != old_v, "FileId.Volatile changes on a reconnect")
    target.expect_equal(t.read(c2, tree2, r.file_id, 0, 6), (0, b"config"), "READ after it")
    # [MS-SMB2] 3.3.5.14: the LOCK re-sent with the same LockSequence is a
    # replay: success without locking again.
    target.expect_equal(t.lock(c2, tree2, r.file_id, [(4096, 4096, EXCLUSIVE_NOW)], seq), 0,
                        "the re-sent LOCK (a replay)")
    # The range is locked once: one unlock releases it, a second finds
    # nothing ([MS-SMB2] 3.3.5.14.1: STATUS_RANGE_NOT_LOCKED).
    target.expect_equal(t.lock(c2, tree2, r.file_id, [(4096, 4096, t.LOCK_UNLOCK)]), 0, "UNLOCK")
    target.expect_equal(t.lock(c2, tree2, r.file_id, [(4096, 4096, t.LOCK_UNLOCK)]),
                        0xC000007E, "a second UNLOCK")
    # The old FileId names nothing any more on the new session.
    target.expect_equal(t.close(c2, tree2, fid), STATUS_FILE_CLOSED, "CLOSE with the old FileId")
    target.expect_equal(t.close(c2, tree2, r.file_id), 0, "CLOSE")
    c2.logoff()
    other.logoff()


def resilient_open_is_reclaimed_with_dh2c(port):
    # DH2C reconnects a resilient open too; its CreateGuid was never set and
    # compares as zero (docs/decisions.md, [MS-SMB2] 3.3.5.9.12).
    c = alice(port)
    tree = c.connectTree("vm")
    fid = open_resilient(c, tree, "disk2.cfg", 60000)
    t.drop(c)
    time.sleep(0.3)
    c2 = alice(port)
    tree2 = c2.connectTree("vm")
    r = t.create(c2, tree2, "disk2.cfg", [t.dh2c(fid, b"\0" * 16)], access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, 0, "DH2C of a resilient open")
    target.expect_equal(t.file_id_parts(r.file_id)[0], t.file_id_parts(fid)[0],
                        "FileId.Persistent after DH2C")
    target.expect_equal(t.close(c2, tree2, r.file_id), 0, "CLOSE")
    c2.logoff()


def expired_open_is_gone(port):
    # [MS-SMB2] 3.3.6.4: past ResiliencyTimeout the scavenger closes the
    # open; its locks go with it and a reconnect finds nothing.
    c = alice(port)
    tree = c.connectTree("vm")
    fid = open_resilient(c, tree, "short.cfg", 500)
    target.expect_equal(t.lock(c, tree, fid, [(0, 10, EXCLUSIVE_NOW)]), 0, "LOCK")
    t.drop(c)
    time.sleep(1.5)
    c2 = alice(port)
    tree2 = c2.connectTree("vm")
    r = t.create(c2, tree2, "short.cfg", [t.dhnc(fid)], access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, STATUS_OBJECT_NAME_NOT_FOUND, "DHnC after the timeout")
    o = t.create(c2, tree2, "short.cfg", access=GENERIC_ALL_FILE)
    target.expect_equal(o.status, 0, "a new open")
    target.expect_equal(t.lock(c2, tree2, o.file_id, [(0, 10, EXCLUSIVE_NOW)]), 0,
                        "the expired open's range is free")
    t.close(c2, tree2, o.file_id)
    c2.logoff()


def non_resilient_open_is_closed_at_disconnect(port):
    # [MS-SMB2] 3.3.7.1: an open that is neither resilient nor durable is
    # closed with its connection.
    c = alice(port)
    tree = c.connectTree("vm")
    o = t.create(c, tree, "plain.cfg", access=GENERIC_ALL_FILE, disposition=5)
    target.expect_equal(t.lock(c, tree, o.file_id, [(0, 10, EXCLUSIVE_NOW)]), 0, "LOCK")
    t.drop(c)
    time.sleep(0.3)
    c2 = alice(port)
    tree2 = c2.connectTree("vm")
    r = t.create(c2, tree2, "plain.cfg", [t.dhnc(o.file_id)], access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, STATUS_OBJECT_NAME_NOT_FOUND, "DHnC of a closed open")
    c2.logoff()


def resiliency_over_the_maximum_is_refused(port):
    # [MS-SMB2] 3.3.5.15.9: a Timeout above MaxResiliencyTimeout fails with
    # STATUS_INVALID_PARAMETER (never clamped, docs/decisions.md).
    c = alice(port)
    tree = c.connectTree("vm")
    o = t.create(c, tree, "max.cfg", access=GENERIC_ALL_FILE, disposition=5)
    status = t.request_resiliency(c, tree, o.file_id, 300001)
    target.expect_equal(status, 0xC000000D, "Timeout 300001 ms")
    t.close(c, tree, o.file_id)
    c.logoff()


def test():
    srv = target.Server(sys.argv[1])
    vm = srv.share_dir("vm")
    data = srv.share_dir("data")
    users = srv.path("users")
    with open(users, "w") as f:
        f.write("TESTDOM:alice:Passw0rd\nTESTDOM:bob:Secret1\n")
    srv.start("--share", f"vm={vm},ca", "--share", f"data={data}", "--users", users,
              "--pcap", srv.path("resilient.pcap"))
    try:
        resilient_open_is_reclaimed_with_dhnc(srv.port)
        resilient_open_is_reclaimed_with_dh2c(srv.port)
        expired_open_is_gone(srv.port)
        non_resilient_open_is_closed_at_disconnect(srv.port)
        resiliency_over_the_maximum_is_refused(srv.port)
        target.check(srv.alive(), "the server is still running")
    finally:
        srv.stop()


if __name__ == "__main__":
    target.main(test)
