#!/usr/bin/env python3
"""impacket against rsvd-target: two nodes of a guest cluster share
disk.vhdx:SharedVirtualDisk, each with its own InitiatorId, and a
management host opens it without one. Every expected value is the spec's
(cited beside the check); none is read from the server's code.

    test_impacket_rsvd.py RSVD_TARGET
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import target  # noqa: E402

target.debian_python_for_impacket()
import smbtools as t  # noqa: E402

DISK_SIZE = 16 << 20
SECTOR = 512
KEY_A, KEY_B = 0xA1A1A1A1A1A1A1A1, 0xB2B2B2B2B2B2B2B2
INIT_A = bytes(range(0x10, 0x20))
INIT_B = bytes(range(0x20, 0x30))
STATUS_SVHDX_RESERVATION_CONFLICT = 0xC05CFF07
STATUS_SVHDX_ERROR_STORED = 0xC05C0000
STATUS_LOCK_NOT_GRANTED = 0xC0000055
STATUS_INVALID_DEVICE_REQUEST = 0xC0000010
STATUS_PENDING = 0x00000103


class Node:
    """One connection with its open of the shared disk."""

    def __init__(self, port, user, initiator, request_id, host):
        self.c = t.connect(port, user, "Passw0rd" if user == "alice" else "Secret1", "TESTDOM")
        self.tree = self.c.connectTree("vm")
        self.initiator = initiator
        self.context = t.svhdx_open_context(initiator, request_id, host)
        self.open = t.create(self.c, self.tree, "disk.vhdx:SharedVirtualDisk", [self.context],
                             options=t.FILE_NO_INTERMEDIATE_BUFFERING)
        self.fid = self.open.file_id
        self.rid = 100

    def tunnel(self, request, max_out=4096, async_=False):
        code = t.FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST if async_ else t.FSCTL_SVHDX_SYNC_TUNNEL_REQUEST
        return t.ioctl(self.c, self.tree, self.fid, code, request, max_out)

    def scsi(self, request):
        status, out = self.tunnel(request)
        target.expect_equal(status, 0, "SMB2 status of a tunnelled SCSI request")
        return t.ScsiResponse(out)

    def next_id(self):
        self.rid += 1
        return self.rid


def svhdx_open_echoes_the_context(a):
    # [MS-SMB2] 3.3.5.9.14, [MS-RSVD] 3.2.5.1 step i: STATUS_SUCCESS and a
    # V1 response context with every field copied from the request.
    target.expect_equal(a.open.status, 0, "CREATE of disk.vhdx:SharedVirtualDisk")
    rsp = a.open.contexts.get(t.SVHDX_CONTEXT_NAME)
    target.check(rsp is not None, "the CREATE response carries SVHDX_OPEN_DEVICE_CONTEXT_RESPONSE")
    target.expect_equal(len(rsp), 168, "its size ([MS-RSVD] 2.2.4.31)")
    target.expect_equal(rsp, a.context[1], "the response context: the request echoed")


def query_support_reports_a_shared_handle(a):
    # [MS-RSVD] 3.2.5.6: SharedVirtualDisksSupported (1) at version 1, and
    # HandleStateShared (3) on the RSVD open itself.
    status, out = t.ioctl(a.c, a.tree, a.fid, t.FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT, b"", 8)
    target.expect_equal(status, 0, "FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT")
    target.expect_equal(struct.unpack("<II", out), (1, 3), "support and handle state")


def initial_info_describes_the_disk(a):
    # [MS-RSVD] 3.2.5.5.1: ServerVersion = ServerServiceVersion (1), the
    # logical sector size and the virtual size of the disk (the 16 MiB file).
    rid = a.next_id()
    status, out = a.tunnel(t.tunnel_header(t.RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, rid), 64)
    target.expect_equal(status, 0, "GET_INITIAL_INFO SMB2 status")
    op, st, got_rid = t.parse_tunnel_header(out)
    target.expect_equal((op, st, got_rid), (t.RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 0, rid),
                        "tunnel header: OperationCode and RequestId echoed, Status 0")
    version, sector, _phys, _res, size = struct.unpack_from("<IIIIQ", out, 16)
    target.expect_equal((version, sector, size), (1, SECTOR, DISK_SIZE),
                        "ServerVersion, SectorSize, VirtualSize")


def async_tunnel_is_answered(a):
    # FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST carries the same operations ([MS-RSVD]
    # 3.2.4); impacket waits through the STATUS_PENDING interim ([MS-SMB2]
    # 3.3.4.2) that the capture test counts.
    rid = a.next_id()
    status, out = a.tunnel(t.tunnel_header(t.RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, rid), 64,
                           async_=True)
    target.expect_equal(status, 0, "the async tunnel's final status")
    target.expect_equal(t.parse_tunnel_header(out)[2], rid, "its RequestId")


def inquiry_reports_a_disk(a):
    # SPC-3 6.4.2: standard INQUIRY data, peripheral device type 0 (direct
    # access block device); SrbStatus SUCCESS (1), ScsiStatus GOOD (0).
    r = a.scsi(t.scsi_request(a.next_id(), bytes([0x12, 0, 0, 0, 96, 0]), t.DATA_IN, transfer=96))
    target.expect_equal((r.status, r.srb_status, r.scsi_status), (0, 1, 0), "INQUIRY outcome")
    target.check(len(r.data) >= 36, "INQUIRY returns at least 36 bytes of standard data")
    target.expect_equal(r.data[0] & 0x1F, 0, "peripheral device type")


def read_capacity_reports_the_size(a):
    # SBC-3 5.10: RETURNED LOGICAL BLOCK ADDRESS (the last LBA) and the block
    # length.
    r = a.scsi(t.scsi_request(a.next_id(), bytes([0x25] + [0] * 9), t.DATA_IN, transfer=8))
    target.expect_equal((r.status, r.srb_status, r.scsi_status), (0, 1, 0), "READ CAPACITY outcome")
    target.expect_equal(struct.unpack(">II", r.data), (DISK_SIZE // SECTOR - 1, SECTOR),
                        "last LBA and block length")


def persistent_reservations(a, b):
    # SPC-3 6.12.2 REGISTER (both nodes), 6.12.3 RESERVE Write Exclusive
    # (type 1) by A; SPC-3 6.11 READ KEYS and READ RESERVATION show them.
    for node, key in ((a, KEY_A), (b, KEY_B)):
        r = node.scsi(t.pr_out(node.next_id(), 0x00, 0, key))
        target.expect_equal((r.status, r.scsi_status), (0, 0), "PR OUT REGISTER")
    r = a.scsi(t.pr_out(a.next_id(), 0x01, KEY_A, 0, pr_type=1))
    target.expect_equal((r.status, r.scsi_status), (0, 0), "PR OUT RESERVE by A")
    r = b.scsi(t.pr_in(b.next_id(), 0x00))
    target.expect_equal(r.scsi_status, 0, "PR IN READ KEYS")
    _gen, length = struct.unpack_from(">II", r.data, 0)
    keys = sorted(struct.unpack_from(">%dQ" % (length // 8), r.data, 8))
    target.expect_equal(keys, sorted([KEY_A, KEY_B]), "the registered keys")
    r = b.scsi(t.pr_in(b.next_id(), 0x01))
    target.expect_equal(r.scsi_status, 0, "PR IN READ RESERVATION")
    _gen, length = struct.unpack_from(">II", r.data, 0)
    target.expect_equal(length, 16, "one reservation described")
    key, = struct.unpack_from(">Q", r.data, 8)
    target.expect_equal((key, r.data[21] & 0x0F), (KEY_A, 1), "A's key holds a Write Exclusive")


def writes_meet_the_reservation(a, b):
    block = b"\x5a" * 4096
    # A holds the reservation: its SMB2 WRITE succeeds.
    target.expect_equal(t.write(a.c, a.tree, a.fid, 0, block), (0, 4096), "A's WRITE")
    # [MS-RSVD] 3.2.5.4 step 6: B's write is denied by the reservation.
    status, _ = t.write(b.c, b.tree, b.fid, 0, b"\x11" * 4096)
    target.expect_equal(status, STATUS_SVHDX_RESERVATION_CONFLICT, "B's SMB2 WRITE")
    # [MS-RSVD] 3.2.5.5.5 step 6, SPC-3 5.6: B's tunnelled WRITE(10) gets
    # the SCSI status RESERVATION CONFLICT (0x18) in a successful tunnel
    # response.
    cdb = struct.pack(">BBIBHB", 0x2A, 0, 8, 0, 1, 0)
    r = b.scsi(t.scsi_request(b.next_id(), cdb, t.DATA_OUT, b"\x22" * SECTOR))
    target.expect_equal((r.status, r.scsi_status), (0, 0x18), "B's WRITE(10)")
    # Write Exclusive lets B read ([MS-RSVD] 3.2.5.3): A's data.
    target.expect_equal(t.read(b.c, b.tree, b.fid, 0, 4096), (0, block), "B's READ")


def sense_error_is_stored_and_fetched(m):
    # [MS-RSVD] 3.2.5.4 step 2 with <14>: a write through an open without an
    # InitiatorId stores SrbStatus 0x02, ScsiStatus 0x02 and the sense
    # F0 00 .. 0A .., and fails with STATUS_SVHDX_ERROR_STORED | StatusKey,
    # the first key being 0x01 (docs/decisions.md).
    status, _ = t.write(m.c, m.tree, m.fid, 0, b"\x33" * 4096)
    target.expect_equal(status, STATUS_SVHDX_ERROR_STORED | 0x01, "M's WRITE")
    # [MS-RSVD] 3.2.5.5.3: RSVD_TUNNEL_SRB_STATUS_OPERATION with that key.
    rid = m.next_id()
    req = t.tunnel_header(t.RSVD_TUNNEL_SRB_STATUS_OPERATION, rid) + bytes([0x01]) + b"\0" * 27
    status, out = m.tunnel(req, 64)
    target.expect_equal(status, 0, "SRB_STATUS SMB2 status")
    op, st, got = t.parse_tunnel_header(out)
    target.expect_equal((op, st, got), (t.RSVD_TUNNEL_SRB_STATUS_OPERATION, 0, rid), "its header")
    key, srb, scsi, sense_len = struct.unpack_from("<BBBB", out, 16)
    target.expect_equal((key, srb & 0x7F, scsi), (0x01, 0x02, 0x02),
                        "StatusKey, SrbStatus, ScsiStatus")
    sense = out[20:20 + sense_len]
    target.expect_equal(sense, bytes.fromhex("F00000000000000A") + b"\0" * 12, "the stored sense")


def lock_on_the_shared_disk_is_not_granted(a):
    # [MS-RSVD] 3.2.4: LOCK on an RSVD open fails with STATUS_LOCK_NOT_GRANTED.
    status = t.lock(a.c, a.tree, a.fid, [(0, 512, t.LOCK_EXCLUSIVE | t.LOCK_FAIL_IMMEDIATELY)])
    target.expect_equal(status, STATUS_LOCK_NOT_GRANTED, "LOCK on the shared disk")


def tunnel_on_a_plain_file_is_refused(a):
    # [MS-SMB2] 3.3.5.15.15: the tunnel FSCTL on an open that is not a
    # shared virtual disk fails with STATUS_INVALID_DEVICE_REQUEST.
    plain = t.create(a.c, a.tree, "notes.txt", disposition=5)
    target.expect_equal(plain.status, 0, "CREATE notes.txt")
    status, _ = t.ioctl(a.c, a.tree, plain.file_id, t.FSCTL_SVHDX_SYNC_TUNNEL_REQUEST,
                        t.tunnel_header(t.RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 1), 64)
    target.expect_equal(status, STATUS_INVALID_DEVICE_REQUEST, "tunnel on a plain file")
    # [MS-RSVD] 3.2.5.6: query support on it: supported, HandleStateNone.
    status, out = t.ioctl(a.c, a.tree, plain.file_id, t.FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT,
                          b"", 8)
    target.expect_equal((status, struct.unpack("<II", out)), (0, (1, 0)),
                        "query support on a plain open")
    target.expect_equal(t.close(a.c, a.tree, plain.file_id), 0, "CLOSE notes.txt")


def test():
    srv = target.Server(sys.argv[1])
    vm = srv.share_dir("vm")
    with open(os.path.join(vm, "disk.vhdx"), "wb") as f:
        f.truncate(DISK_SIZE)
    users = srv.path("users")
    with open(users, "w") as f:
        f.write("TESTDOM:alice:Passw0rd\nTESTDOM:bob:Secret1\n")
    srv.start("--share", f"vm={vm},ca", "--users", users, "--pcap", srv.path("rsvd.pcap"))
    try:
        a = Node(srv.port, "alice", INIT_A, 1, "nodeA")
        b = Node(srv.port, "bob", INIT_B, 2, "nodeB")
        m = Node(srv.port, "alice", None, 3, "mgmt")
        for node in (a, b, m):
            svhdx_open_echoes_the_context(node)
        query_support_reports_a_shared_handle(a)
        initial_info_describes_the_disk(a)
        async_tunnel_is_answered(a)
        inquiry_reports_a_disk(a)
        read_capacity_reports_the_size(b)
        persistent_reservations(a, b)
        writes_meet_the_reservation(a, b)
        sense_error_is_stored_and_fetched(m)
        lock_on_the_shared_disk_is_not_granted(a)
        tunnel_on_a_plain_file_is_refused(a)
        # SPC-3 6.12.5 CLEAR by A releases everything.
        r = a.scsi(t.pr_out(a.next_id(), 0x03, KEY_A, 0))
        target.expect_equal((r.status, r.scsi_status), (0, 0), "PR OUT CLEAR")
        for node in (a, b, m):
            target.expect_equal(t.close(node.c, node.tree, node.fid), 0, "CLOSE of the disk")
            node.c.logoff()
    finally:
        srv.stop()
    # The data A wrote is in the file behind the disk.
    with open(os.path.join(vm, "disk.vhdx"), "rb") as f:
        target.expect_equal(f.read(4096), b"\x5a" * 4096, "the disk file's first 4 KiB")


if __name__ == "__main__":
    target.main(test)
