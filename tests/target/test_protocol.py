#!/usr/bin/env python3
"""The SMB2 rules rsvd-target implements around the library, checked with
messages the test writes byte by byte (smbtools.Raw): NEGOTIATE, credits,
compounds, signing, VALIDATE_NEGOTIATE_INFO, asynchronous LOCKs and CANCEL,
oplock breaks, sharing, delete-on-close, QUERY_DIRECTORY, LOGOFF. Every
expected value is the spec's, cited beside its check.

    test_protocol.py RSVD_TARGET
"""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import target  # noqa: E402

target.debian_python_for_impacket()
import smbtools as t  # noqa: E402
from smbtools import Raw, status  # noqa: E402

SUCCESS = 0
PENDING = 0x00000103
CANCELLED = 0xC0000120
INVALID_PARAMETER = 0xC000000D
NOT_SUPPORTED = 0xC00000BB
ACCESS_DENIED = 0xC0000022
SHARING_VIOLATION = 0xC0000043
NAME_NOT_FOUND = 0xC0000034
NO_SUCH_FILE = 0xC000000F
NO_MORE_FILES = 0x80000006
USER_SESSION_DELETED = 0xC0000203
OBJECT_NAME_INVALID = 0xC0000033
CREATE, CLOSE, READ, LOCK, IOCTL, CANCEL, ECHO, QUERY_DIRECTORY, QUERY_INFO, OPLOCK_BREAK = \
    5, 6, 8, 10, 11, 12, 13, 14, 16, 18
FLAGS_SERVER_TO_REDIR, FLAGS_ASYNC, FLAGS_RELATED, FLAGS_SIGNED = 1, 2, 4, 8


def flags(msg):
    return struct.unpack_from("<I", msg, 16)[0]


def credits(msg):
    return struct.unpack_from("<H", msg, 14)[0]


def guest(port, share="data", dialects=(0x0302,)):
    c = Raw(port)
    target.expect_equal(status(c.negotiate(dialects)), SUCCESS, "NEGOTIATE")
    target.expect_equal(status(c.session_setup("guest", "")), SUCCESS, "guest SESSION_SETUP")
    target.expect_equal(status(c.tree_connect(share)), SUCCESS, "TREE_CONNECT")
    return c


def open_file(c, name, **kw):
    c.request(CREATE, t.create_body(name, **kw))
    rsp = c.reply()
    target.expect_equal(status(rsp), SUCCESS, f"CREATE {name}")
    return t.file_id_of_create(rsp), rsp[66]


def negotiate_picks_the_highest_common_dialect(port):
    # [MS-SMB2] 3.3.5.4: the greatest revision both sides know.
    for offered, want in (((0x0202, 0x0210, 0x0300), 0x0300), ((0x0210,), 0x0210),
                          ((0x0202, 0x0302, 0x0311), 0x0302)):
        c = Raw(port)
        rsp = c.negotiate(offered)
        target.expect_equal((status(rsp), c.dialect), (SUCCESS, want), f"NEGOTIATE {offered}")
        # [MS-SMB2] 3.3.1.2: at least one credit for NEGOTIATE.
        target.check(credits(rsp) >= 1, "the NEGOTIATE response grants credits")
        # [MS-SMB2] 2.2.4: SIGNING_ENABLED, not required; no encryption.
        target.expect_equal(struct.unpack_from("<H", rsp, 66)[0], 1, "SecurityMode")
        target.expect_equal(struct.unpack_from("<I", rsp, 88)[0] & 0x40, 0, "no ENCRYPTION")
        c.close()
    # No dialect in common: STATUS_NOT_SUPPORTED; none at all: INVALID_PARAMETER.
    c = Raw(port)
    target.expect_equal(status(c.negotiate((0x0311,))), NOT_SUPPORTED, "only 3.1.1 offered")
    c.close()
    c = Raw(port)
    target.expect_equal(status(c.negotiate(())), INVALID_PARAMETER, "DialectCount 0")
    c.close()
    # [MS-SMB2] 3.3.5.3: a second NEGOTIATE on a negotiated connection
    # ends it.
    c = Raw(port)
    c.negotiate()
    c.request(0, struct.pack("<HHHHI16sQH", 36, 1, 1, 0, 0, b"\0" * 16, 0, 0x0302))
    target.check(c.reply(timeout=10) is None, "a second NEGOTIATE disconnects")


def smb1_negotiate_gets_an_smb2_answer(port):
    def smb1(dialects):
        body = b"".join(b"\x02" + d + b"\0" for d in dialects)
        hdr = b"\xffSMB\x72" + b"\0" * 4 + b"\x18\x53\xc8" + b"\0" * 17 + b"\xff\xfe\0\0\0\0\0\0"
        return hdr[:32] + b"\0" + struct.pack("<H", len(body)) + body
    # [MS-SMB2] 3.3.5.3.1: "SMB 2.???" offered: DialectRevision 0x02FF, then
    # the SMB2 NEGOTIATE (MessageId 1) picks the dialect.
    c = Raw(port)
    c.send_frame(smb1([b"NT LM 0.12", b"SMB 2.002", b"SMB 2.???"]))
    rsp = c.reply()
    target.expect_equal(rsp[:4], b"\xfeSMB", "the answer is an SMB2 message")
    target.expect_equal(struct.unpack_from("<H", rsp, 68)[0], 0x02FF, "DialectRevision")
    c.mid = 1
    target.expect_equal(status(c.negotiate((0x0202, 0x0302))), SUCCESS, "the SMB2 NEGOTIATE")
    target.expect_equal(c.dialect, 0x0302, "its dialect")
    c.close()
    # Only "SMB 2.002": answered 0x0202 at once.
    c = Raw(port)
    c.send_frame(smb1([b"NT LM 0.12", b"SMB 2.002"]))
    target.expect_equal(struct.unpack_from("<H", c.reply(), 68)[0], 0x0202, "2.0.2 at once")
    c.close()


def guest_and_anonymous_sessions(port, guests_allowed):
    # [MS-SMB2] 3.3.5.5.3, 2.2.6: a user the user file does not know logs in
    # as guest (SMB2_SESSION_FLAG_IS_GUEST), an anonymous NTLMSSP
    # AUTHENTICATE ([MS-NLMP] 3.2.5.1.2) as a null session (IS_NULL); their
    # final responses are not signed. Without --guest both are refused.
    for user, flag in (("nobody", 0x0001), ("", 0x0002)):
        c = Raw(port)
        c.negotiate()
        rsp = c.session_setup(user, "", "")
        if not guests_allowed:
            target.expect_equal(status(rsp), 0xC000006D, f"login of {user or 'anonymous'}")
            c.close()
            continue
        target.expect_equal(status(rsp), SUCCESS, f"login of {user or 'anonymous'}")
        target.expect_equal(struct.unpack_from("<H", rsp, 66)[0], flag, "SessionFlags")
        target.expect_equal(flags(rsp) & FLAGS_SIGNED, 0, "not signed")
        target.expect_equal(status(c.tree_connect("data")), SUCCESS, "TREE_CONNECT")
        c.close()


def credits_and_credit_charge(port):
    c = guest(port)
    fid, _ = open_file(c, "big.bin", access=0x0012019F, disposition=5)
    # [MS-SMB2] 3.3.1.2: credits up to what was asked (64 here).
    c.request(ECHO, t.echo_body())
    target.expect_equal(credits(c.reply()), 64, "CreditResponse to a request for 64")
    # [MS-SMB2] 3.3.5.2.5: a 128 KiB READ needs CreditCharge 2; 1 is refused.
    body = struct.pack("<HBBIQ16sIIIHH", 49, 0x50, 0, 131072, 0, fid, 0, 0, 0, 0, 0) + b"\0"
    c.request(READ, body, credit_charge=1)
    target.expect_equal(status(c.reply()), INVALID_PARAMETER, "READ with too small a charge")
    c.request(READ, body, credit_charge=2)
    target.expect_equal(status(c.reply()), 0xC0000011, "READ with its charge (end of file)")
    c.close()


def compounds_are_answered_compounded(port):
    c = guest(port)
    # [MS-SMB2] 3.3.5.2.7.2: CREATE, then QUERY_INFO and CLOSE related to it
    # with the FileId 0xFF..FF; [MS-SMB2] 3.3.4.1.3: one frame back, each
    # response 8-byte aligned, RELATED where the request was.
    def chain(name, disposition):
        ff = b"\xff" * 16
        parts = [(CREATE, t.create_body(name, disposition=disposition), 0),
                 (QUERY_INFO, t.query_info_body(ff, 1, 5) + b"\0", FLAGS_RELATED),
                 (CLOSE, t.close_body(ff), FLAGS_RELATED)]
        msgs = []
        for i, (cmd, body, fl) in enumerate(parts):
            m = c.header(cmd, c.mid, c.session_id, c.tree_id, flags=fl) + body
            c.mid += 1
            if i + 1 < len(parts):
                m += b"\0" * ((-len(m)) % 8)
                m = m[:20] + struct.pack("<I", len(m)) + m[24:]
            msgs.append(m)
        c.send_frame(b"".join(msgs))
        return c.recv()
    rsp = chain("chained.txt", 5)
    target.expect_equal(len(rsp), 3, "three responses in one frame")
    target.expect_equal([status(m) for m in rsp], [SUCCESS] * 3, "their statuses")
    target.expect_equal([bool(flags(m) & FLAGS_RELATED) for m in rsp], [False, True, True],
                        "RELATED on the related responses")
    target.check(all(len(m) % 8 == 0 for m in rsp[:-1]), "each but the last padded to 8")
    # FileStandardInformation of the file just created: EndOfFile 0.
    target.expect_equal(struct.unpack_from("<Q", rsp[1], 72 + 8)[0], 0, "EndOfFile")
    # The CREATE fails: the related requests fail with its status.
    rsp = chain("missing.txt", 1)
    target.expect_equal([status(m) for m in rsp], [NAME_NOT_FOUND] * 3,
                        "a failed CREATE's status on the related requests")
    c.close()


def blocking_lock_waits_and_is_cancelled(port):
    a = guest(port)
    b = guest(port)
    fa, _ = open_file(a, "lock.bin", disposition=5)
    fb, _ = open_file(b, "lock.bin", disposition=1)
    a.request(LOCK, t.lock_body(fa, [(0, 10, t.LOCK_EXCLUSIVE)]))
    target.expect_equal(status(a.reply()), SUCCESS, "A's LOCK")
    # [MS-SMB2] 3.3.5.14.2, 3.3.4.2: B's blocking LOCK waits: an interim
    # STATUS_PENDING with the ASYNC flag and an AsyncId.
    mid = b.request(LOCK, t.lock_body(fb, [(0, 10, t.LOCK_EXCLUSIVE)]))
    interim = b.reply()
    target.expect_equal(status(interim), PENDING, "B's interim response")
    target.check(flags(interim) & FLAGS_ASYNC, "the interim is ASYNC")
    async_id = struct.unpack_from("<Q", interim, 32)[0]
    # A unlocks: B's LOCK is granted, in an async final response.
    a.request(LOCK, t.lock_body(fa, [(0, 10, t.LOCK_UNLOCK)]))
    target.expect_equal(status(a.reply()), SUCCESS, "A's UNLOCK")
    final = b.reply()
    target.expect_equal((status(final), struct.unpack_from("<Q", final, 24)[0]), (SUCCESS, mid),
                        "B's LOCK granted")
    target.expect_equal(struct.unpack_from("<Q", final, 32)[0], async_id, "its AsyncId")
    # Now A waits for B, and cancels ([MS-SMB2] 3.3.5.16): STATUS_CANCELLED.
    a.request(LOCK, t.lock_body(fa, [(5, 1, t.LOCK_SHARED)]))
    interim = a.reply()
    target.expect_equal(status(interim), PENDING, "A's interim")
    aid = struct.unpack_from("<Q", interim, 32)[0]
    a.send_frame(a.header(CANCEL, 0, a.session_id, async_id=aid) + struct.pack("<HH", 4, 0))
    target.expect_equal(status(a.reply()), CANCELLED, "A's cancelled LOCK")
    a.close()
    b.close()


def signing_of_a_named_session(port):
    c = Raw(port)
    c.negotiate()
    rsp = c.session_setup("alice", "Passw0rd", "TESTDOM")
    target.expect_equal(status(rsp), SUCCESS, "alice's SESSION_SETUP")
    # [MS-SMB2] 3.3.5.5.3: the final response of a 3.x named session is
    # signed with the signing key of the KDF.
    target.check(flags(rsp) & FLAGS_SIGNED, "the final SESSION_SETUP response is signed")
    target.expect_equal(c.sign(rsp), rsp, "its signature is the one the key gives")
    # A signed request gets a signed response ([MS-SMB2] 3.3.4.1.1).
    rsp = c.tree_connect("data", sign=True)
    target.expect_equal(status(rsp), SUCCESS, "signed TREE_CONNECT")
    target.expect_equal(c.sign(rsp), rsp, "the TREE_CONNECT response is signed with the key")
    # [MS-SMB2] 3.3.5.2.4: a wrong signature is STATUS_ACCESS_DENIED.
    m = c.sign(c.header(ECHO, c.mid, c.session_id) + t.echo_body())
    c.mid += 1
    m = m[:60] + bytes([m[60] ^ 1]) + m[61:]
    c.send_frame(m)
    target.expect_equal(status(c.reply()), ACCESS_DENIED, "a request with a bad signature")
    # FSCTL_VALIDATE_NEGOTIATE_INFO ([MS-SMB2] 3.3.5.15.12), signed: the
    # server's Capabilities, Guid, SecurityMode and the dialect.
    vin = struct.pack("<I16sHHH", 0x7F, b"\x5a" * 16, 1, 1, 0x0302)
    body = struct.pack("<HHI16sIIIIIIII", 57, 0, 0x00140204, b"\xff" * 16, 120, len(vin), 0,
                       0, 0, 24, 1, 0) + vin
    c.request(IOCTL, body, sign=True)
    rsp = c.reply()
    target.expect_equal(status(rsp), SUCCESS, "VALIDATE_NEGOTIATE_INFO")
    target.expect_equal(c.sign(rsp), rsp, "its response is signed")
    out_off, out_len = struct.unpack_from("<II", rsp, 64 + 32)
    caps, _guid, mode, dialect = struct.unpack_from("<I16sHH", rsp, out_off)
    target.expect_equal((mode, dialect), (1, 0x0302), "SecurityMode and Dialect")
    # A mismatch (other Capabilities) ends the connection.
    vin = struct.pack("<I16sHHH", 0x7E, b"\x5a" * 16, 1, 1, 0x0302)
    c.request(IOCTL, body[:56] + vin, sign=True)
    target.check(c.reply(timeout=10) is None, "a VALIDATE_NEGOTIATE_INFO mismatch disconnects")
    # A session whose client requires signing refuses an unsigned request.
    c = Raw(port)
    c.negotiate(security_mode=2)
    target.expect_equal(status(c.session_setup("alice", "Passw0rd", "TESTDOM", security_mode=2)),
                        SUCCESS, "SESSION_SETUP with SIGNING_REQUIRED")
    c.request(ECHO, t.echo_body())
    target.expect_equal(status(c.reply()), ACCESS_DENIED, "an unsigned request")
    c.request(ECHO, t.echo_body(), sign=True)
    target.expect_equal(status(c.reply()), SUCCESS, "a signed one")
    c.close()


def batch_oplock_is_broken_for_another_open(port):
    a = guest(port)
    b = guest(port)
    fa, level = open_file(a, "oplock.bin", disposition=5, oplock=0x09)
    target.expect_equal(level, 0x09, "a batch oplock for the only open")
    # B opens the file: A gets an OPLOCK_BREAK notification to NONE
    # ([MS-SMB2] 2.2.23.1, MessageId 0xFFFFFFFFFFFFFFFF); B's CREATE waits.
    b.request(CREATE, t.create_body("oplock.bin", disposition=1, oplock=0x09))
    interim = b.reply()
    target.expect_equal(status(interim), PENDING, "B's CREATE waits for the break")
    note = a.reply()
    target.expect_equal((struct.unpack_from("<HQ", note, 12)[0],
                         struct.unpack_from("<Q", note, 24)[0]), (OPLOCK_BREAK, 2 ** 64 - 1),
                        "the notification's Command and MessageId")
    target.expect_equal((note[66], note[72:88]), (0, fa), "broken to NONE, A's FileId")
    # A acknowledges ([MS-SMB2] 3.3.5.22.1): answered, and B's CREATE goes on.
    a.request(OPLOCK_BREAK, struct.pack("<HBBI", 24, 0, 0, 0) + fa)
    ack = a.reply()
    target.expect_equal((status(ack), ack[66]), (SUCCESS, 0), "the acknowledgment's response")
    final = b.reply()
    target.expect_equal(status(final), SUCCESS, "B's CREATE")
    target.expect_equal(final[66], 0, "no oplock for the second open")
    a.close()
    b.close()


def sharing_and_delete_on_close(port):
    a = guest(port)
    b = guest(port)
    # [MS-FSA] 2.1.5.1.2.1: a reader that shares nothing keeps others out.
    fa, _ = open_file(a, "excl.bin", disposition=5, access=0x00120089, share=0)
    b.request(CREATE, t.create_body("excl.bin", access=0x00120089))
    target.expect_equal(status(b.reply()), SHARING_VIOLATION, "a second reader")
    a.request(CLOSE, t.close_body(fa))
    a.reply()
    # [MS-FSA] 2.1.5.1: FILE_DELETE_ON_CLOSE needs DELETE access; the file
    # goes with its last open.
    a.request(CREATE, t.create_body("doomed.bin", disposition=5, options=0x1000,
                                    access=0x00120089))
    target.expect_equal(status(a.reply()), ACCESS_DENIED, "delete-on-close without DELETE")
    fa, _ = open_file(a, "doomed.bin", disposition=5, options=0x1000, access=0x001F01FF)
    a.request(CLOSE, t.close_body(fa))
    a.reply()
    b.request(CREATE, t.create_body("doomed.bin", disposition=1))
    target.expect_equal(status(b.reply()), NAME_NOT_FOUND, "the file after its close")
    a.close()
    b.close()


def query_directory_ends(port):
    c = guest(port)
    root, _ = open_file(c, "", access=0x00120089)

    def query(pattern, flags=0):
        p16 = pattern.encode("utf-16le")
        c.request(QUERY_DIRECTORY, struct.pack("<HBBI16sHHI", 33, 0x25, flags, 0, root, 96,
                                               len(p16), 65536) + p16, credit_charge=1)
        return c.reply()
    # [MS-SMB2] 3.3.5.18: nothing matches on the first query:
    # STATUS_NO_SUCH_FILE; entries, then STATUS_NO_MORE_FILES.
    target.expect_equal(status(query("nomatch*")), NO_SUCH_FILE, "a pattern without a match")
    rsp = query("*", flags=0x01)  # RESTART_SCANS
    target.expect_equal(status(rsp), SUCCESS, "'*'")
    target.check(b"l\0o\0c\0k\0.\0b\0i\0n\0" in rsp, "lock.bin is listed")
    target.expect_equal(status(query("*")), NO_MORE_FILES, "the next query")
    # Many wildcards against a long name of the letter they precede: a
    # matcher that tried every split of the name would not answer within
    # the client's timeout. A pattern longer than the server compares is an
    # invalid name.
    long_name = "l" * 200
    fl, _ = open_file(c, long_name, disposition=5, options=0x1000, access=0x001F01FF)
    target.expect_equal(status(query("*l" * 100 + "z", flags=0x01)), NO_SUCH_FILE,
                        "a pattern of 100 wildcards without a match")
    rsp = query("*l" * 100, flags=0x01)
    target.expect_equal(status(rsp), SUCCESS, "a pattern of 100 wildcards that matches")
    target.check(long_name.encode("utf-16le") in rsp, "the long name is listed")
    c.request(CLOSE, t.close_body(fl))
    target.expect_equal(status(c.reply()), SUCCESS, "CLOSE of the long name")
    target.expect_equal(status(query("*" * 1025, flags=0x01)), OBJECT_NAME_INVALID,
                        "a pattern of 1025 characters")
    c.close()


def logoff_ends_the_session(port):
    c = guest(port)
    c.request(2, struct.pack("<HH", 4, 0), tree=False)
    target.expect_equal(status(c.reply()), SUCCESS, "LOGOFF")
    # [MS-SMB2] 3.3.5.2.9: the session is gone.
    c.request(ECHO, t.echo_body())
    target.expect_equal(status(c.reply()), USER_SESSION_DELETED, "a request after LOGOFF")
    c.close()


def multichannel_binds_a_second_connection(port):
    # [MS-SMB2] 3.3.5.4: SMB2_GLOBAL_CAP_MULTI_CHANNEL on 3.x with
    # --multichannel.
    a = Raw(port)
    rsp = a.negotiate()
    target.expect_equal(struct.unpack_from("<I", rsp, 88)[0] & 0x8, 0x8, "MULTI_CHANNEL")
    target.expect_equal(status(a.session_setup("alice", "Passw0rd", "TESTDOM")), SUCCESS,
                        "alice's SESSION_SETUP")
    target.expect_equal(status(a.tree_connect("data", sign=True)), SUCCESS, "TREE_CONNECT")
    fid, _ = open_file(a, "shared.bin", disposition=5)
    # [MS-SMB2] 3.3.5.5.2: a second connection binds the session: signed
    # with the session's key, authenticated again, the final response
    # signed.
    b = Raw(port)
    b.negotiate()
    rsp = b.session_setup("alice", "Passw0rd", "TESTDOM", bind=(a.session_id, a.signing_key))
    target.expect_equal(status(rsp), SUCCESS, "the binding SESSION_SETUP")
    target.expect_equal(b.sign(rsp), rsp, "its final response, signed with the session's key")
    # The session's open is reachable through the new channel; the first
    # connection goes and the session stays ([MS-SMB2] 3.3.7.1).
    b.tree_id = a.tree_id
    a.close()
    time.sleep(0.3)
    b.request(CLOSE, t.close_body(fid), sign=True)
    target.expect_equal(status(b.reply()), SUCCESS, "CLOSE through the second channel")
    # FSCTL_QUERY_NETWORK_INTERFACE_INFO ([MS-SMB2] 3.3.5.15.11): one
    # NETWORK_INTERFACE_INFO of 152 bytes, the IPv4 address clients reach.
    body = struct.pack("<HHI16sIIIIIIII", 57, 0, 0x001401FC, b"\xff" * 16, 120, 0, 0, 0, 0,
                       4096, 1, 0) + b"\0"
    b.request(IOCTL, body, sign=True)
    rsp = b.reply()
    target.expect_equal(status(rsp), SUCCESS, "QUERY_NETWORK_INTERFACE_INFO")
    out_off, out_len = struct.unpack_from("<II", rsp, 64 + 32)
    target.expect_equal(out_len, 152, "one interface")
    target.expect_equal(rsp[out_off + 24:out_off + 26], b"\x02\x00", "an IPv4 address")
    target.expect_equal(rsp[out_off + 28:out_off + 32], bytes([127, 0, 0, 1]), "127.0.0.1")
    b.close()


def test():
    srv = target.Server(sys.argv[1])
    data = srv.share_dir("data")
    users = srv.path("users")
    with open(users, "w") as f:
        f.write("TESTDOM:alice:Passw0rd\n")
    srv.start("--share", f"data={data}", "--users", users, "--guest",
              "--oplock-break-timeout", "20000")
    try:
        negotiate_picks_the_highest_common_dialect(srv.port)
        guest_and_anonymous_sessions(srv.port, True)
        smb1_negotiate_gets_an_smb2_answer(srv.port)
        credits_and_credit_charge(srv.port)
        compounds_are_answered_compounded(srv.port)
        blocking_lock_waits_and_is_cancelled(srv.port)
        signing_of_a_named_session(srv.port)
        batch_oplock_is_broken_for_another_open(srv.port)
        sharing_and_delete_on_close(srv.port)
        query_directory_ends(srv.port)
        logoff_ends_the_session(srv.port)
        time.sleep(0.2)
        target.check(srv.alive(), "the server is still running")
    finally:
        srv.stop()
    mc = target.Server(sys.argv[1])
    data = mc.share_dir("data")
    users = mc.path("users")
    with open(users, "w") as f:
        f.write("TESTDOM:alice:Passw0rd\n")
    mc.start("--share", f"data={data}", "--users", users, "--multichannel")
    try:
        multichannel_binds_a_second_connection(mc.port)
        guest_and_anonymous_sessions(mc.port, False)
    finally:
        mc.stop()


if __name__ == "__main__":
    target.main(test)
