#!/usr/bin/env python3
"""Hostile and careless peers against rsvd-target: garbage, oversized,
truncated and malformed frames, a wrong MessageId, unknown commands, and
more connections, sessions and opens than its limits allow. Each peer is
answered with the spec's status or disconnected, and a well-behaved client
(impacket, connected first) is served on after every one of them.

    test_hostile_peers.py RSVD_TARGET
"""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import target  # noqa: E402

target.debian_python_for_impacket()
import smbtools as t  # noqa: E402

MAX_MESSAGE = 65536 + 4096
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_NOT_SUPPORTED = 0xC00000BB
STATUS_INSUFFICIENT_RESOURCES = 0xC000009A
STATUS_MORE_PROCESSING_REQUIRED = 0xC0000016
STATUS_USER_SESSION_DELETED = 0xC0000203


def frame(payload):
    """[MS-SMB2] 2.1 Direct TCP: a zero byte and a 24-bit length."""
    return struct.pack(">I", len(payload)) + payload


def smb2_header(command, message_id, credit_charge=1, credits=31, session_id=0, tree_id=0):
    """[MS-SMB2] 2.2.1.2 SYNC header."""
    return (b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, credit_charge, 0, command, credits, 0, 0,
                                     message_id, 0xFEFF, tree_id, session_id) + b"\0" * 16)


def negotiate(message_id=0):
    """[MS-SMB2] 2.2.3: dialects 2.0.2 and 3.0.2."""
    body = struct.pack("<HHHHI16sQ", 36, 2, 1, 0, 0, b"\x42" * 16, 0) + struct.pack("<HH",
                                                                                     0x202, 0x302)
    return smb2_header(0, message_id) + body


def recv_frame(s, timeout=10):
    s.settimeout(timeout)
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    n = struct.unpack(">I", head)[0] & 0xFFFFFF
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def status_of(msg):
    return struct.unpack_from("<I", msg, 8)[0]


def closed_by_server(s, timeout=10):
    """True if the server closes the connection (EOF or reset)."""
    s.settimeout(timeout)
    try:
        while True:
            if not s.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


class Peer:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)

    def send(self, data):
        self.s.sendall(data)

    def close(self):
        self.s.close()


def still_served(good, what):
    c, tree, fid = good
    target.expect_equal(t.read(c, tree, fid, 0, 5), (0, b"hello"),
                        f"the well-behaved client's READ after {what}")


def test():
    srv = target.Server(sys.argv[1])
    data = srv.share_dir("data")
    with open(os.path.join(data, "f.txt"), "w") as f:
        f.write("hello")
    users = srv.path("users")
    with open(users, "w") as f:
        f.write("TESTDOM:alice:Passw0rd\n")
    srv.start("--share", f"data={data}", "--users", users, "--guest", "--max-io", "65536",
              "--max-message", str(MAX_MESSAGE), "--max-connections", "8", "--max-sessions", "6",
              "--max-opens", "5")
    try:
        c = t.connect(srv.port, "alice", "Passw0rd", "TESTDOM")
        tree = c.connectTree("data")
        o = t.create(c, tree, "f.txt")
        target.expect_equal(o.status, 0, "the well-behaved client's CREATE")
        good = (c, tree, o.file_id)

        # A frame that is not an NBSS session message: disconnected.
        p = Peer(srv.port)
        p.send(b"\x42garbage that is not SMB at all")
        target.check(closed_by_server(p.s), "a garbage frame type is disconnected")
        still_served(good, "a garbage frame")

        # A session message that is not SMB2: disconnected ([MS-SMB2] 3.3.5.2).
        p = Peer(srv.port)
        p.send(frame(b"\x00\x01\x02\x03not smb2" * 4))
        target.check(closed_by_server(p.s), "a frame without the SMB2 ProtocolId is disconnected")
        still_served(good, "a non-SMB2 frame")

        # A frame longer than --max-message: disconnected before it is read.
        p = Peer(srv.port)
        p.send(struct.pack(">I", MAX_MESSAGE + 1) + b"\xfeSMB")
        target.check(closed_by_server(p.s), "an oversized frame is disconnected")
        still_served(good, "an oversized frame")

        # A truncated SMB2 header: disconnected.
        p = Peer(srv.port)
        p.send(frame(b"\xfeSMB" + b"\0" * 20))
        target.check(closed_by_server(p.s), "a truncated SMB2 header is disconnected")
        still_served(good, "a truncated header")

        # Half a frame, then the peer goes: nothing to answer, nothing left.
        p = Peer(srv.port)
        p.send(struct.pack(">I", 200) + b"\xfeSMB")
        p.close()
        still_served(good, "half a frame")

        # A request before NEGOTIATE: disconnected ([MS-SMB2] 3.3.5.2).
        p = Peer(srv.port)
        p.send(frame(smb2_header(5, 0) + b"\0" * 57))
        target.check(closed_by_server(p.s), "a CREATE before NEGOTIATE is disconnected")

        # NEGOTIATE, then a MessageId outside the window: disconnected
        # ([MS-SMB2] 3.3.5.2.3).
        p = Peer(srv.port)
        p.send(frame(negotiate()))
        rsp = recv_frame(p.s)
        target.check(rsp is not None and status_of(rsp) == 0, "NEGOTIATE answered")
        p.send(frame(smb2_header(13, 5000) + struct.pack("<HH", 4, 0)))  # ECHO
        target.check(closed_by_server(p.s), "a MessageId outside the window is disconnected")
        still_served(good, "a wrong MessageId")

        # A malformed body is answered, not disconnected: an ECHO with a
        # wrong StructureSize is STATUS_INVALID_PARAMETER; an unknown
        # command STATUS_NOT_SUPPORTED; a request on an unknown session
        # STATUS_USER_SESSION_DELETED ([MS-SMB2] 3.3.5.2.9).
        p = Peer(srv.port)
        p.send(frame(negotiate()))
        recv_frame(p.s)
        p.send(frame(smb2_header(13, 1) + struct.pack("<HH", 9, 0)))
        rsp = recv_frame(p.s)
        target.check(rsp is not None, "the malformed ECHO is answered")
        target.expect_equal(status_of(rsp), STATUS_INVALID_PARAMETER, "malformed ECHO")
        p.send(frame(smb2_header(0x0F, 2, session_id=0x1234) + b"\0" * 32))
        rsp = recv_frame(p.s)
        target.expect_equal(status_of(rsp), STATUS_USER_SESSION_DELETED,
                            "a request on an unknown session")
        p.send(frame(smb2_header(0x42, 3) + b"\0" * 8))
        rsp = recv_frame(p.s)
        target.expect_equal(status_of(rsp), STATUS_NOT_SUPPORTED, "an unknown command")
        p.send(frame(smb2_header(13, 4) + struct.pack("<HH", 4, 0)))
        rsp = recv_frame(p.s)
        target.expect_equal(status_of(rsp), 0, "a good ECHO after them")
        p.close()
        still_served(good, "malformed requests")

        # --max-connections 8: the well-behaved client holds one; the ninth
        # connection is refused at once; closing some makes room again.
        peers = [Peer(srv.port) for _ in range(7)]
        time.sleep(0.3)
        extra = Peer(srv.port)
        target.check(closed_by_server(extra.s), "the connection over --max-connections is refused")
        for q in peers:
            q.close()
        time.sleep(0.3)
        still_served(good, "a flood of connections")

        # --max-sessions 6: the well-behaved client holds one; the seventh
        # SESSION_SETUP fails with STATUS_INSUFFICIENT_RESOURCES.
        conns = [t.connect(srv.port, "guest", "", "") for _ in range(5)]
        try:
            t.connect(srv.port, "guest", "", "")
            raise target.TestFailure("a seventh session was accepted over --max-sessions 6")
        except target.TestFailure:
            raise
        except Exception as e:
            target.check(getattr(e, "get_error_code", lambda: 0)() == STATUS_INSUFFICIENT_RESOURCES,
                         f"the session over the limit fails with STATUS_INSUFFICIENT_RESOURCES "
                         f"({e})")
        for x in conns:
            x.logoff()

        # --max-opens 5: the client holds one; the sixth CREATE fails.
        opens = [t.create(c, tree, f"o{i}.txt", disposition=5) for i in range(4)]
        target.check(all(x.status == 0 for x in opens), "four more opens")
        extra_open = t.create(c, tree, "o9.txt", disposition=5)
        target.expect_equal(extra_open.status, STATUS_INSUFFICIENT_RESOURCES,
                            "the CREATE over --max-opens")
        for x in opens:
            t.close(c, tree, x.file_id)
        still_served(good, "the limits")
        t.close(c, tree, o.file_id)
        c.logoff()
        target.check(srv.alive(), "the server is still running")
    finally:
        srv.stop()


if __name__ == "__main__":
    target.main(test)
