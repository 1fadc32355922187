#!/usr/bin/env python3
"""impacket against rsvd-target: durable v1, durable v2 and persistent
handles, all decided by librsvd. A durable v2 open with a batch oplock
survives an abrupt TCP drop and is reclaimed with DH2C; a persistent open on
the continuously available share is reclaimed with DH2C, after a TCP drop
and, with --state, after rsvd-target was killed (SIGKILL) and started again
on the same state file; another user's reconnect and one through another
share are refused; a durable request without the batch oplock the rules
need gets no durable context. Every expected value is the spec's, cited.

    test_impacket_durable.py RSVD_TARGET
"""

import os
import signal
import struct
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import target  # noqa: E402

target.debian_python_for_impacket()
import smbtools as t  # noqa: E402

STATUS_OBJECT_NAME_NOT_FOUND = 0xC0000034
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_FILE_NOT_AVAILABLE = 0xC0000467
GENERIC_ALL_FILE = 0x001F01FF
OPLOCK_BATCH = 0x09
DHANDLE_FLAG_PERSISTENT = 0x00000002
FILE_OVERWRITE_IF = 5
# [MS-SMB2] 3.3.5.9.10 <344>: a DH2Q with Timeout 0 on a share whose
# CATimeout is 0 is granted 60 s (the library's default, as Windows 2012).
DEFAULT_DH2Q_TIMEOUT_MS = 60000


def alice(port):
    return t.connect(port, "alice", "Passw0rd", "TESTDOM")


def bob(port):
    return t.connect(port, "bob", "Secret1", "TESTDOM")


def dh2q_response(o, what):
    """[MS-SMB2] 2.2.14.2.12 SMB2_CREATE_DURABLE_HANDLE_RESPONSE_V2:
    Timeout, Flags."""
    target.check(b"DH2Q" in o.contexts, f"{what}: a DH2Q response context")
    data = o.contexts[b"DH2Q"]
    target.expect_equal(len(data), 8, f"{what}: DH2Q response DataLength")
    return struct.unpack("<II", data)


def durable_requests_need_a_batch_oplock(port):
    # [MS-SMB2] 3.3.5.9.6 step 6, 3.3.5.9.10: DHnQ, and DH2Q without
    # PERSISTENT, make an open durable only with a batch oplock (or a
    # handle-caching lease: none offered here). Without, no durable context.
    c = alice(port)
    tree = c.connectTree("data")
    for ctx, tag in ((t.dhnq(), b"DHnQ"), (t.dh2q(uuid.uuid4().bytes), b"DH2Q")):
        o = t.create(c, tree, "nobatch.cfg", [ctx], access=GENERIC_ALL_FILE,
                     disposition=FILE_OVERWRITE_IF, oplock=0)
        target.expect_equal(o.status, 0, f"CREATE with {tag.decode()}, no oplock")
        target.check(tag not in o.contexts, f"no {tag.decode()} response without a batch oplock")
        t.close(c, tree, o.file_id)
    # With the batch oplock granted, DHnQ is: [MS-SMB2] 2.2.14.2.3, 8
    # reserved bytes.
    o = t.create(c, tree, "batch.cfg", [t.dhnq()], access=GENERIC_ALL_FILE,
                 disposition=FILE_OVERWRITE_IF, oplock=OPLOCK_BATCH)
    target.expect_equal(o.status, 0, "CREATE with DHnQ and a batch oplock")
    target.expect_equal(o.response["OplockLevel"], OPLOCK_BATCH, "the batch oplock granted")
    target.expect_equal(o.contexts.get(b"DHnQ"), b"\0" * 8, "DHnQ response context")
    t.close(c, tree, o.file_id)
    c.logoff()


def durable_v2_open_is_reclaimed_with_dh2c(port):
    c = alice(port)
    tree = c.connectTree("data")
    guid = uuid.uuid4().bytes
    o = t.create(c, tree, "durable.cfg", [t.dh2q(guid)], access=GENERIC_ALL_FILE,
                 disposition=FILE_OVERWRITE_IF, oplock=OPLOCK_BATCH)
    target.expect_equal(o.status, 0, "CREATE with DH2Q")
    timeout, flags = dh2q_response(o, "durable v2 open")
    target.expect_equal(timeout, DEFAULT_DH2Q_TIMEOUT_MS, "DH2Q response Timeout")
    target.expect_equal(flags, 0, "DH2Q response Flags (not persistent on a share that is not CA)")
    fid = o.file_id
    target.expect_equal(t.write(c, tree, fid, 0, b"durable"), (0, 7), "WRITE")
    t.drop(c)  # [MS-SMB2] 3.3.7.1: durable with its batch oplock: kept, detached
    time.sleep(0.3)

    # [MS-SMB2] 3.3.5.9.12 step 4: another user than Open.DurableOwner.
    other = bob(port)
    otree = other.connectTree("data")
    r = t.create(other, otree, "durable.cfg", [t.dh2c(fid, guid)], access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, STATUS_ACCESS_DENIED, "bob's DH2C of alice's open")
    other.logoff()

    c2 = alice(port)
    # Through a tree connect of another share the open is not found
    # (docs/decisions.md D11; docs/conformance.md: STATUS_OBJECT_NAME_NOT_FOUND).
    vtree = c2.connectTree("vm")
    r = t.create(c2, vtree, "durable.cfg", [t.dh2c(fid, guid)], access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, STATUS_OBJECT_NAME_NOT_FOUND, "DH2C through another share")
    tree2 = c2.connectTree("data")
    # [MS-SMB2] 3.3.5.9.12 step 2: Open.CreateGuid must be the request's.
    r = t.create(c2, tree2, "durable.cfg", [t.dh2c(fid, uuid.uuid4().bytes)],
                 access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, STATUS_OBJECT_NAME_NOT_FOUND, "DH2C with another CreateGuid")
    # The owner reclaims it: FileId.Persistent stays, FileId.Volatile changes.
    r = t.create(c2, tree2, "durable.cfg", [t.dh2c(fid, guid)], access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, 0, "alice's DH2C")
    target.expect_equal(t.file_id_parts(r.file_id)[0], t.file_id_parts(fid)[0],
                        "FileId.Persistent after DH2C")
    target.check(t.file_id_parts(r.file_id)[1] != t.file_id_parts(fid)[1],
                 "FileId.Volatile changes on a reconnect")
    target.expect_equal(t.read(c2, tree2, r.file_id, 0, 7), (0, b"durable"), "READ after it")
    target.expect_equal(t.close(c2, tree2, r.file_id), 0, "CLOSE")
    # Closed: a second reclaim finds nothing (3.3.5.9.12 step 1).
    r = t.create(c2, tree2, "durable.cfg", [t.dh2c(fid, guid)], access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, STATUS_OBJECT_NAME_NOT_FOUND, "DH2C of a closed open")
    c2.logoff()


def open_persistent(port, name, data):
    c = alice(port)
    tree = c.connectTree("vm")
    guid = uuid.uuid4().bytes
    # [MS-SMB2] 3.3.5.9.10: PERSISTENT on a continuously available share of
    # a connection that negotiated SMB2_GLOBAL_CAP_PERSISTENT_HANDLES: a
    # persistent open, whatever its oplock.
    o = t.create(c, tree, name, [t.dh2q(guid, 0, DHANDLE_FLAG_PERSISTENT)],
                 access=GENERIC_ALL_FILE, disposition=FILE_OVERWRITE_IF, oplock=0)
    target.expect_equal(o.status, 0, "CREATE with DH2Q PERSISTENT")
    _timeout, flags = dh2q_response(o, "persistent open")
    target.expect_equal(flags, DHANDLE_FLAG_PERSISTENT, "DH2Q response Flags")
    target.expect_equal(t.write(c, tree, o.file_id, 0, data), (0, len(data)), "WRITE")
    return c, o.file_id, guid


def reclaim_persistent(port, name, fid, guid, data, what):
    c = alice(port)
    tree = c.connectTree("vm")
    r = t.create(c, tree, name, [t.dh2c(fid, guid, DHANDLE_FLAG_PERSISTENT)],
                 access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, 0, f"DH2C of the persistent open {what}")
    target.expect_equal(t.file_id_parts(r.file_id)[0], t.file_id_parts(fid)[0],
                        f"FileId.Persistent {what}")
    target.expect_equal(t.read(c, tree, r.file_id, 0, len(data)), (0, data), f"READ {what}")
    target.expect_equal(t.close(c, tree, r.file_id), 0, f"CLOSE {what}")
    c.logoff()


def persistent_open_is_reclaimed_with_dh2c(port):
    c, fid, guid = open_persistent(port, "vm.vhdx.cfg", b"persistent")
    t.drop(c)
    time.sleep(0.3)
    # [MS-SMB2] 3.3.5.9: while it is detached, another CREATE of the file
    # fails (SHOULD <301>: STATUS_FILE_NOT_AVAILABLE).
    o = alice(port)
    otree = o.connectTree("vm")
    r = t.create(o, otree, "vm.vhdx.cfg", access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, STATUS_FILE_NOT_AVAILABLE,
                        "CREATE of a file with a detached persistent open")
    # Another user's DH2C: [MS-SMB2] 3.3.5.9.12 step 4.
    b = bob(port)
    btree = b.connectTree("vm")
    r = t.create(b, btree, "vm.vhdx.cfg", [t.dh2c(fid, guid, DHANDLE_FLAG_PERSISTENT)],
                 access=GENERIC_ALL_FILE)
    target.expect_equal(r.status, STATUS_ACCESS_DENIED, "bob's DH2C of alice's persistent open")
    b.logoff()
    o.logoff()
    reclaim_persistent(port, "vm.vhdx.cfg", fid, guid, b"persistent", "after a TCP drop")


def persistent_open_survives_a_restart(binary):
    srv = target.Server(binary)
    vm = srv.share_dir("vm")
    data = srv.share_dir("data")
    users = write_users(srv)
    state = srv.path("state.tdb")
    args = ("--share", f"vm={vm},ca", "--share", f"data={data}", "--users", users,
            "--state", state)
    srv.start(*args)
    try:
        _c, fid, guid = open_persistent(srv.port, "restart.cfg", b"before the crash")
        # The process dies with the connection open: nothing is cleaned up.
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        srv.stopped = True
    finally:
        if not srv.stopped:
            srv.stop()
    again = target.Server(binary, workdir=srv.tmp)
    again.start(*args)
    try:
        # The state store brought the open back, detached: the CREATE of
        # its file still collides with it ([MS-SMB2] 3.3.5.9 <301>).
        c = alice(again.port)
        tree = c.connectTree("vm")
        r = t.create(c, tree, "restart.cfg", access=GENERIC_ALL_FILE)
        target.expect_equal(r.status, STATUS_FILE_NOT_AVAILABLE,
                            "CREATE of the restored persistent open's file")
        c.logoff()
        reclaim_persistent(again.port, "restart.cfg", fid, guid, b"before the crash",
                           "after a restart")
        target.check(again.alive(), "the restarted server is still running")
    finally:
        again.stop()


def write_users(srv):
    users = srv.path("users")
    with open(users, "w") as f:
        f.write("TESTDOM:alice:Passw0rd\nTESTDOM:bob:Secret1\n")
    return users


def test():
    srv = target.Server(sys.argv[1])
    vm = srv.share_dir("vm")
    data = srv.share_dir("data")
    users = write_users(srv)
    srv.start("--share", f"vm={vm},ca", "--share", f"data={data}", "--users", users)
    try:
        durable_requests_need_a_batch_oplock(srv.port)
        durable_v2_open_is_reclaimed_with_dh2c(srv.port)
        persistent_open_is_reclaimed_with_dh2c(srv.port)
        target.check(srv.alive(), "the server is still running")
    finally:
        srv.stop()
    persistent_open_survives_a_restart(sys.argv[1])


if __name__ == "__main__":
    target.main(test)
