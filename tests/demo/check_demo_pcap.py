#!/usr/bin/env python3
"""Runs rsvd-demo and checks its capture with tshark, message by message.

Usage: check_demo_pcap.py RSVD_DEMO WORKDIR [DEMO_ARGS...]

Runs `RSVD_DEMO --quiet --pcap WORKDIR/rsvd-demo.pcap DEMO_ARGS...`, which
must exit 0, then reads the capture with tshark and walks it against the
scenario below: every SMB2 message in order, who sent it, its command and
status, the FSCTL and RSVD operation codes, the SCSI command tunnelled and
its SCSI status, the resiliency time-outs, the FileIds (each request must
name the open the scenario says, as the CREATE responses assigned them),
the RequestIds and MessageIds every response echoes, and the TCP flows
(A's first two connections and B's end with an RST; A reconnects from a
new port each time). The expected values are the ones MS-RSVD and MS-SMB2 require, written
here independently of the demo's code. The version-2 step (M makes the disk
a VHD set, takes snapshots with change tracking around A's writes and asks
for the changed ranges) is checked the same way: every META_OPERATION_START
goes asynchronous (an interim STATUS_PENDING response, then the final one
with the same AsyncId), and the changed ranges and the snapshot list are
read from the IOCTL output bytes, which Wireshark 4.0 does not decode. Over
an iSCSI disk (a DEMO_ARGS naming iscsi://) the demo skips that step: the
disk keeps no snapshots. No frame may be malformed except the known
Wireshark 4.0 fault on every RSVD SRB_STATUS response.

Exit status: 0 pass, 1 fail, 77 skipped (tshark is not installed; a failure
instead when RSVD_INTEGRATION_REQUIRED=1, as in CI).
"""
import os
import shutil
import subprocess
import sys

A, B, M = "192.168.10.11", "192.168.10.12", "192.168.10.13"
SERVER = "192.168.10.1"

CREATE, CLOSE, READ, WRITE, LOCK, IOCTL = 0x05, 0x06, 0x08, 0x09, 0x0A, 0x0B
FSCTL_SVHDX_SYNC_TUNNEL_REQUEST = 0x00090304
FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST = 0x00090364
FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT = 0x00090300
FSCTL_LMR_REQUEST_RESILIENCY = 0x001401D4
RSVD_INITIAL_INFO, RSVD_SCSI, RSVD_SRB_STATUS = 0x02001001, 0x02001002, 0x02001004
RSVD_META_START, RSVD_QUERY_PROGRESS = 0x02002101, 0x02002002
RSVD_VHDSET_QUERY, RSVD_DELETE_SNAPSHOT = 0x02002005, 0x02002006
RSVD_TRACKING_START, RSVD_TRACKING_STOP, RSVD_QUERY_CHANGES = 0x02002009, 0x0200200A, 0x0200200C
META_CREATE_SNAPSHOT, META_CONVERT_TO_VHDSET = 1, 4
SNAPSHOT_VM = 1
STAGE_INITIALIZE, STAGE_BLOCK_IO, STAGE_SWITCH_OBJECT_STORE = 1, 2, 3
STAGE_UNBLOCK_IO, STAGE_FINALIZE = 4, 5
VHDSET_SNAPSHOT_LIST = 2
SVHDX_CONTEXT = "9ecfcb9c-c104-43e6-980e-158da1f6ec83"  # its create-context name as a GUID

STATUS_SUCCESS = 0x00000000
STATUS_PENDING = 0x00000103
STATUS_LOCK_NOT_GRANTED = 0xC0000055
STATUS_SVHDX_ERROR_STORED_1 = 0xC05C0001
STATUS_SVHDX_RESERVATION_CONFLICT = 0xC05CFF07
SCSI_GOOD, SCSI_RESERVATION_CONFLICT = 0x00, 0x18
SRB_STATUS_ERROR = 0x04
PR_OUT, PR_IN, WRITE10 = 0x5F, 0x5E, 0x2A
PR_REGISTER, PR_RESERVE, PR_CLEAR = 0, 1, 3
PR_WRITE_EXCLUSIVE = 1

FIELDS = [
    "frame.number", "_ws.malformed", "_ws.expert.message",
    "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport",
    "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset",
    "smb2.cmd", "smb2.flags.response", "smb2.msg_id", "smb2.nt_status", "smb2.sesid", "smb2.fid",
    "smb2.filename", "smb2.tag", "smb2.reserved",
    "smb2.svhdx_open_device_context.version",
    "smb2.svhdx_open_device_context.initiator_has_id",
    "smb2.svhdx_open_device_context.originator_flags",
    "smb2.ioctl.function", "smb2.ioctl.is_fsctl", "smb2.ioctl.resiliency.timeout",
    "smb2.ioctl.shared_virtual_disk.support", "smb2.ioctl.shared_virtual_disk.handle_state",
    "smb2.write_length", "smb2.read_length", "smb2.file_offset",
    "smb2.lock_count", "smb2.lock_length", "smb2.lock_flags",
    "rsvd.svhdx_operation_code", "rsvd.svhdx_status", "rsvd.svhdx_request_id",
    "rsvd.svhdx_scsi_status", "rsvd.svhdx_srb_status", "rsvd.svhdx_srb_status_key",
    "rsvd.svhdx_file_info_server_version", "rsvd.svhdx_file_info_sector_size",
    "rsvd.svhdx_file_info_virtual_size",
    "smb2.flags.async", "smb2.aid",
    "smb2.svhdx_open_device_context.server_service_version",
    "smb2.svhdx_open_device_context.virtual_disk_properties_initialized",
    "smb2.svhdx_open_device_context.virtual_sector_size",
    "smb2.svhdx_open_device_context.virtual_size",
    "rsvd.svhdx_meta_operation.transaction_id", "rsvd.svhdx_meta_operation.type",
    "rsvd.svhdx_meta_operation.dst_vhdset_name", "rsvd.svhdx_snapshot_type",
    "rsvd.svhdx_snapshot_id", "rsvd.svhdx_meta_operation.create_snapshot_flags",
    "rsvd.svhdx_meta_operation.create_snapshot_stage1",
    "rsvd.svhdx_meta_operation.create_snapshot_stage2",
    "rsvd.svhdx_meta_operation.create_snapshot_stage3",
    "rsvd.svhdx_meta_operation.create_snapshot_stage4",
    "rsvd.svhdx_meta_operation.create_snapshot_stage5",
    "rsvd.svhdx_query_progress.current_progress", "rsvd.svhdx_query_progress.complete_value",
    "rsvd.svhdx_vhdset_information_type", "smb2.ea.name", "smb2.ea.flags", "smb2.ea.data",
    "tcp.payload",
    "scsi_sbc.opcode", "scsi.persresvout.svcaction", "scsi.persresv.type",
    "scsi.persresv.reskey", "scsi.persresv.sareskey", "scsi_sbc.rdwr10.lba",
]


def req(host, cmd, **want):
    return {"kind": "req", "host": host, "cmd": cmd, **want}


def rsp(host, cmd, status=STATUS_SUCCESS, **want):
    return {"kind": "rsp", "host": host, "cmd": cmd, "status": status, **want}


def tunnel(host, op, **want):
    return req(host, IOCTL, fsctl=FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, op=op, **want)


def tunnel_rsp(host, op, **want):
    return rsp(host, IOCTL, fsctl=FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, op=op, rsvd_status=0, **want)


def disk_create(host, has_id):
    return req(host, CREATE, filename="cluster.vhdx:SharedVirtualDisk", tag=SVHDX_CONTEXT,
               svhdx_version=1, has_id=has_id, originator=1)


def guid(n):
    """The demo's GUIDs: every byte n but the first, 0xD0 (Data1 0x..D0)."""
    return "%02x%02x%02xd0-%02x%02x-%02x%02x-%02x%02x-%s" % ((n,) * 9 + ("%02x" % n * 6,))


def guid_bytes(n):
    return bytes([0xD0] + [n] * 15)


# The snapshots, transactions and change log of the version-2 step, and
# where A writes between the two snapshots (4 KiB each).
SNAP_1, SNAP_2, TXN_1, TXN_2, TXN_CONVERT = 0x51, 0x52, 0x61, 0x62, 0x63
CHANGE_1, CHANGE_2 = 64 * 1024, 1024 * 1024
DISK_SIZE = 64 << 20


def meta_start(host, txn, meta_type, **want):
    """META_OPERATION_START on the async FSCTL ([MS-RSVD] 3.1.4.12), its
    interim response ([MS-SMB2] 3.3.4.2) and its final response."""
    return [
        req(host, IOCTL, fsctl=FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, op=RSVD_META_START, open="M.set"
            if meta_type == META_CREATE_SNAPSHOT else "M.disk", txn=guid(txn), meta_type=meta_type,
            async_flag=0, **want),
        rsp(host, IOCTL, status=STATUS_PENDING, async_flag=1, interim=True),
        rsp(host, IOCTL, fsctl=FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, op=RSVD_META_START,
            rsvd_status=0, async_flag=1, final=True),
    ]


def vm_snapshot(host, txn, snap):
    """A VM snapshot as Windows takes it: Initialize (with change tracking),
    then BlockIO .. Finalize in one request (example 4.3)."""
    return (meta_start(host, txn, META_CREATE_SNAPSHOT, snapshot_type=SNAPSHOT_VM,
                       snapshot_id=guid(snap), snapshot_flags=1, stage1=STAGE_INITIALIZE, stage2=0) +
            meta_start(host, txn, META_CREATE_SNAPSHOT, snapshot_type=SNAPSHOT_VM,
                       snapshot_id=guid(snap), snapshot_flags=0, stage1=STAGE_BLOCK_IO,
                       stage2=STAGE_SWITCH_OBJECT_STORE, stage3=STAGE_UNBLOCK_IO,
                       stage4=STAGE_FINALIZE, stage5=0))


def v2_tunnel(host, op, **want):
    return tunnel(host, op, open="M.set", **want)


# 8. M backs the disk up through version 2 ([MS-RSVD] 3.1.4.12 - 3.1.4.27).
BACKUP = (
    meta_start(M, TXN_CONVERT, META_CONVERT_TO_VHDSET, vhdset_name="cluster.vhds") + [
        req(M, CREATE, filename="cluster.vhds:SharedVirtualDisk", tag=SVHDX_CONTEXT,
            svhdx_version=2, has_id=0, originator=1),
        # [MS-RSVD] 3.2.5.1: the V2 response carries the disk's geometry.
        rsp(M, CREATE, tag=SVHDX_CONTEXT, svhdx_version=2, service_version=2, initialized=1,
            virtual_sector_size=512, virtual_size=DISK_SIZE, opens="M.set"),
        v2_tunnel(M, RSVD_TRACKING_START), tunnel_rsp(M, RSVD_TRACKING_START),
    ] + vm_snapshot(M, TXN_1, SNAP_1) + [
        disk_create(A, 1), rsp(A, CREATE, tag=SVHDX_CONTEXT, has_id=1, opens="A.disk2"),
        req(A, WRITE, open="A.disk2", write_length=4096, offset=CHANGE_1), rsp(A, WRITE),
        req(A, WRITE, open="A.disk2", write_length=4096, offset=CHANGE_2), rsp(A, WRITE),
    ] + vm_snapshot(M, TXN_2, SNAP_2) + [
        v2_tunnel(M, RSVD_QUERY_PROGRESS),
        tunnel_rsp(M, RSVD_QUERY_PROGRESS, progress=4, progress_complete=4),
        v2_tunnel(M, RSVD_QUERY_CHANGES),
        # Exactly A's two writes, the whole disk processed (3.2.5.5.14).
        tunnel_rsp(M, RSVD_QUERY_CHANGES,
                   changes=(DISK_SIZE, [(CHANGE_1, 4096), (CHANGE_2, 4096)])),
        # The first snapshot opened by a target specifier (3.1.4.24, 3.2.5.7):
        # one FILE_NEED_EA entry, namespace SnapshotId, type VM, the id; it
        # reads as it was before A's write.
        req(M, CREATE, filename="cluster.vhds:SharedVirtualDisk", tag="ExtA",
            ea_name="RSVD_TARGET_SPECIFIER_EA", ea_flags=0x80,
            ea_data=(bytes(4) + (1).to_bytes(4, "little") + guid_bytes(SNAP_1)).hex()),
        rsp(M, CREATE, opens="M.snap"),
        req(M, READ, open="M.snap", read_length=4096, offset=CHANGE_1),
        rsp(M, READ, read_zeros=4096),
        req(M, CLOSE, open="M.snap"), rsp(M, CLOSE),
        v2_tunnel(M, RSVD_VHDSET_QUERY, vhdset_info=VHDSET_SNAPSHOT_LIST, snapshot_type=SNAPSHOT_VM),
        # Both snapshots, oldest first, the list complete (3.2.5.5.9).
        tunnel_rsp(M, RSVD_VHDSET_QUERY, vhdset_info=VHDSET_SNAPSHOT_LIST,
                   snapshot_list=[SNAP_1, SNAP_2]),
        v2_tunnel(M, RSVD_DELETE_SNAPSHOT, snapshot_type=SNAPSHOT_VM, snapshot_id=guid(SNAP_1)),
        tunnel_rsp(M, RSVD_DELETE_SNAPSHOT),
        v2_tunnel(M, RSVD_TRACKING_STOP), tunnel_rsp(M, RSVD_TRACKING_STOP),
        req(M, CLOSE, open="M.set"), rsp(M, CLOSE),
    ])

# Over a disk that keeps no snapshots the demo only reopens A's disk there.
NO_BACKUP = [disk_create(A, 1), rsp(A, CREATE, tag=SVHDX_CONTEXT, has_id=1, opens="A.disk2")]


# The scenario as the specs answer it: every SMB2 message in capture order,
# and the TCP connections that end.
def script(backup):
    return SCRIPT_1_TO_6 + PERSISTENT + (BACKUP if backup else NO_BACKUP) + SCRIPT_9


SCRIPT_1_TO_6 = [
    # 1. A and B open the shared disk with their InitiatorId, M without.
    disk_create(A, 1), rsp(A, CREATE, tag=SVHDX_CONTEXT, has_id=1, opens="A.disk"),
    disk_create(B, 1), rsp(B, CREATE, tag=SVHDX_CONTEXT, has_id=1, opens="B.disk"),
    disk_create(M, 0), rsp(M, CREATE, tag=SVHDX_CONTEXT, has_id=0, opens="M.disk"),
    tunnel(A, RSVD_INITIAL_INFO, open="A.disk"),
    tunnel_rsp(A, RSVD_INITIAL_INFO, server_version=2, sector_size=512),
    req(A, IOCTL, fsctl=FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT, open="A.disk"),
    rsp(A, IOCTL, fsctl=FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT, support=7, handle_state=3),
    # 2. REGISTER, REGISTER, RESERVE (Write Exclusive), READ RESERVATION.
    tunnel(A, RSVD_SCSI, open="A.disk", sbc=PR_OUT, pr_sa=PR_REGISTER, sareskey=0xA1),
    tunnel_rsp(A, RSVD_SCSI, scsi_status=SCSI_GOOD),
    tunnel(B, RSVD_SCSI, open="B.disk", sbc=PR_OUT, pr_sa=PR_REGISTER, sareskey=0xB2),
    tunnel_rsp(B, RSVD_SCSI, scsi_status=SCSI_GOOD),
    tunnel(A, RSVD_SCSI, open="A.disk", sbc=PR_OUT, pr_sa=PR_RESERVE, pr_type=PR_WRITE_EXCLUSIVE,
           reskey=0xA1),
    tunnel_rsp(A, RSVD_SCSI, scsi_status=SCSI_GOOD),
    tunnel(B, RSVD_SCSI, open="B.disk", sbc=PR_IN),
    tunnel_rsp(B, RSVD_SCSI, scsi_status=SCSI_GOOD),
    # 3. Writes under the reservation, a read.
    req(A, WRITE, open="A.disk", write_length=4096, offset=0), rsp(A, WRITE),
    req(B, WRITE, open="B.disk", write_length=4096, offset=0),
    rsp(B, WRITE, status=STATUS_SVHDX_RESERVATION_CONFLICT),
    tunnel(B, RSVD_SCSI, open="B.disk", sbc=WRITE10, lba=8),
    tunnel_rsp(B, RSVD_SCSI, scsi_status=SCSI_RESERVATION_CONFLICT, srb_status=SRB_STATUS_ERROR),
    req(B, READ, open="B.disk", read_length=4096, offset=0), rsp(B, READ),
    # 4. The write without an initiator is stored; SRB_STATUS fetches it.
    req(M, WRITE, open="M.disk", write_length=4096), rsp(M, WRITE, status=STATUS_SVHDX_ERROR_STORED_1),
    tunnel(M, RSVD_SRB_STATUS, open="M.disk", key=1),
    tunnel_rsp(M, RSVD_SRB_STATUS, key=1, known_fault=True),
    # 5. The resilient handle survives the lost connection.
    req(A, CREATE, filename="vm-a.vmcx"), rsp(A, CREATE, opens="A.cfg"),
    req(A, LOCK, open="A.cfg", lock_count=1, lock_length=4096, offset=0), rsp(A, LOCK),
    req(A, IOCTL, fsctl=FSCTL_LMR_REQUEST_RESILIENCY, open="A.cfg", timeout=60000),
    rsp(A, IOCTL, fsctl=FSCTL_LMR_REQUEST_RESILIENCY),
    req(A, LOCK, open="A.disk", lock_count=1), rsp(A, LOCK, status=STATUS_LOCK_NOT_GRANTED),
    req(A, LOCK, open="A.cfg", lock_count=1, lock_length=4096, offset=4096, lost=True),
    {"kind": "rst", "host": A},
    req(A, CREATE, filename="vm-a.vmcx", tag="DHnC", reconnect="A.cfg"),
    rsp(A, CREATE, reopens="A.cfg"),
    req(A, LOCK, open="A.cfg", lock_count=1, lock_length=4096, offset=4096, replay=True),
    rsp(A, LOCK),
    # 6. B's resilient handle expires.
    req(B, CREATE, filename="vm-b.vmcx"), rsp(B, CREATE, opens="B.cfg"),
    req(B, IOCTL, fsctl=FSCTL_LMR_REQUEST_RESILIENCY, open="B.cfg", timeout=5000),
    rsp(B, IOCTL, fsctl=FSCTL_LMR_REQUEST_RESILIENCY),
    {"kind": "rst", "host": B},
]

PERSISTENT = [
    # 7. A's persistent shared-disk open (DH2Q PERSISTENT on a continuously
    # available share) survives a lost connection: DH2C without the SVHDX
    # context reclaims it (MS-SMB2 3.3.5.9.12, MS-RSVD 3.2.5.1), and A's
    # reservation holds.
    {**disk_create(A, 1), "tags": [SVHDX_CONTEXT, "DH2Q"]},
    rsp(A, CREATE, tags=[SVHDX_CONTEXT, "DH2Q"], has_id=1, opens="A.pdisk"),
    {"kind": "rst", "host": A},
    req(A, CREATE, filename="vm-a.vmcx", tag="DHnC", reconnect="A.cfg"),
    rsp(A, CREATE, reopens="A.cfg"),
    req(A, CREATE, filename="cluster.vhdx:SharedVirtualDisk", tag="DH2C", no_tag=SVHDX_CONTEXT,
        reconnect="A.pdisk"),
    rsp(A, CREATE, no_tag=SVHDX_CONTEXT, reopens="A.pdisk"),
    tunnel(A, RSVD_SCSI, open="A.pdisk", sbc=PR_IN),
    tunnel_rsp(A, RSVD_SCSI, scsi_status=SCSI_GOOD),
    req(A, WRITE, open="A.pdisk", write_length=4096, offset=8192), rsp(A, WRITE),
]

SCRIPT_9 = [
    # 9. A clears the reservations; everything is closed.
    tunnel(A, RSVD_SCSI, open="A.disk2", sbc=PR_OUT, pr_sa=PR_CLEAR, reskey=0xA1),
    tunnel_rsp(A, RSVD_SCSI, scsi_status=SCSI_GOOD),
    req(A, CLOSE, open="A.disk2"), rsp(A, CLOSE),
    req(A, CLOSE, open="A.pdisk"), rsp(A, CLOSE),
    req(A, CLOSE, open="A.cfg"), rsp(A, CLOSE),
    req(M, CLOSE, open="M.disk"), rsp(M, CLOSE),
    {"kind": "fin", "host": A},
    {"kind": "fin", "host": M},
]


def parse_int(s):
    s = s.strip()
    return int(s, 16) if s[:2].lower() == "0x" else int(s)


def flag(row, field):
    return row.get(field, "") in ("1", "True")


def values(row, field):
    v = row.get(field, "")
    return [x for x in v.split(",") if x != ""] if v else []


def first_int(row, field):
    vs = values(row, field)
    return parse_int(vs[0]) if vs else None


def fid_halves(guid):
    """smb2.fid is the 16 bytes Persistent||Volatile shown as a GUID."""
    d1, d2, d3, d4, d5 = guid.split("-")
    le = bytes.fromhex(d1)[::-1] + bytes.fromhex(d2)[::-1] + bytes.fromhex(d3)[::-1]
    raw = le + bytes.fromhex(d4 + d5)
    return int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")


class Checker:
    def __init__(self, frames):
        self.frames = frames
        self.failures = []
        self.fields_checked = 0
        self.opens = {}        # scenario name -> smb2.fid of its CREATE response
        self.pending = {}      # (client port, msg_id) -> request row
        self.known_fault = set()
        self.lost_lock = None
        self.async_ids = {}    # (client port, msg_id) -> AsyncId of its interim response

    def fail(self, what):
        self.failures.append(what)

    def eq(self, where, field, got, want):
        self.fields_checked += 1
        if got != want:
            shown = f"0x{got:X}" if isinstance(got, int) else repr(got)
            wanted = f"0x{want:X}" if isinstance(want, int) else repr(want)
            self.fail(f"{where}: {field} = {shown}, want {wanted}")

    def check_message(self, exp, row):
        n = row["frame.number"]
        host = exp["host"]
        request = exp["kind"] == "req"
        where = f"frame {n} ({'request' if request else 'response'} of {host})"
        src, dst = (host, SERVER) if request else (SERVER, host)
        self.eq(where, "ip.src/ip.dst", (row["ip.src"], row["ip.dst"]), (src, dst))
        self.eq(where, "smb2.cmd", first_int(row, "smb2.cmd"), exp["cmd"])
        self.eq(where, "smb2.flags.response", row["smb2.flags.response"] in ("1", "True"),
                not request)
        port = row["tcp.srcport"] if request else row["tcp.dstport"]
        mid = first_int(row, "smb2.msg_id")
        fid = values(row, "smb2.fid")
        if request:
            if exp.get("lost"):
                self.lost_lock = row
            else:
                self.pending[(port, mid)] = row
        elif exp.get("interim"):
            # [MS-SMB2] 3.3.4.2: the interim response of a request that goes
            # on asynchronously; the request stays pending.
            q = self.pending.get((port, mid))
            if q is None or first_int(q, "smb2.ioctl.function") != FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST:
                self.fail(f"{where}: the interim response answers no pending async tunnel request")
            self.eq(where, "smb2.nt_status", first_int(row, "smb2.nt_status"), exp["status"])
            aid = first_int(row, "smb2.aid")
            self.fields_checked += 1
            if not aid:
                self.fail(f"{where}: the interim response has no AsyncId")
            self.async_ids[(port, mid)] = aid
        else:
            # The response echoes the request's MessageId on the same flow.
            q = self.pending.pop((port, mid), None)
            if q is None:
                self.fail(f"{where}: MessageId {mid} answers no request of this connection")
            elif first_int(q, "smb2.cmd") != exp["cmd"]:
                self.fail(f"{where}: answers a request of another command")
            self.eq(where, "smb2.nt_status", first_int(row, "smb2.nt_status"), exp["status"])
            if exp.get("final"):
                # The final response carries the AsyncId of the interim one.
                self.eq(where, "smb2.aid (the interim response's)", first_int(row, "smb2.aid"),
                        self.async_ids.pop((port, mid), None))
            # RSVD: OperationCode and RequestId echoed.
            if q is not None and values(q, "rsvd.svhdx_request_id"):
                self.eq(where, "rsvd.svhdx_request_id (echoed)",
                        first_int(row, "rsvd.svhdx_request_id"),
                        first_int(q, "rsvd.svhdx_request_id"))
                self.eq(where, "rsvd.svhdx_operation_code (echoed)",
                        first_int(row, "rsvd.svhdx_operation_code"),
                        first_int(q, "rsvd.svhdx_operation_code"))
        if exp.get("known_fault"):
            self.known_fault.add(n)

        checks = {
            "filename": ("smb2.filename", lambda r: values(r, "smb2.filename")[:1], lambda w: [w]),
            "svhdx_version": ("smb2.svhdx_open_device_context.version", None, None),
            "has_id": ("smb2.svhdx_open_device_context.initiator_has_id", None, None),
            "originator": ("smb2.svhdx_open_device_context.originator_flags", None, None),
            "fsctl": ("smb2.ioctl.function", None, None),
            "op": ("rsvd.svhdx_operation_code", None, None),
            "rsvd_status": ("rsvd.svhdx_status", None, None),
            "scsi_status": ("rsvd.svhdx_scsi_status", None, None),
            "srb_status": ("rsvd.svhdx_srb_status", None, None),
            "key": ("rsvd.svhdx_srb_status_key", None, None),
            "server_version": ("rsvd.svhdx_file_info_server_version", None, None),
            "sector_size": ("rsvd.svhdx_file_info_sector_size", None, None),
            "support": ("smb2.ioctl.shared_virtual_disk.support", None, None),
            "handle_state": ("smb2.ioctl.shared_virtual_disk.handle_state", None, None),
            "timeout": ("smb2.ioctl.resiliency.timeout", None, None),
            "write_length": ("smb2.write_length", None, None),
            "read_length": ("smb2.read_length", None, None),
            "offset": ("smb2.file_offset", None, None),
            "lock_count": ("smb2.lock_count", None, None),
            "lock_length": ("smb2.lock_length", None, None),
            "sbc": ("scsi_sbc.opcode", None, None),
            "pr_sa": ("scsi.persresvout.svcaction", None, None),
            "pr_type": ("scsi.persresv.type", None, None),
            "lba": ("scsi_sbc.rdwr10.lba", None, None),
            "async_flag": ("smb2.flags.async", lambda r: int(flag(r, "smb2.flags.async")), None),
            "service_version": ("smb2.svhdx_open_device_context.server_service_version", None,
                                None),
            "initialized": ("smb2.svhdx_open_device_context.virtual_disk_properties_initialized",
                            lambda r: int(flag(r, "smb2.svhdx_open_device_context."
                                                  "virtual_disk_properties_initialized")), None),
            "virtual_sector_size": ("smb2.svhdx_open_device_context.virtual_sector_size", None,
                                    None),
            "virtual_size": ("smb2.svhdx_open_device_context.virtual_size", None, None),
            "txn": ("rsvd.svhdx_meta_operation.transaction_id",
                    lambda r: values(r, "rsvd.svhdx_meta_operation.transaction_id")[:1],
                    lambda w: [w]),
            "meta_type": ("rsvd.svhdx_meta_operation.type", None, None),
            "vhdset_name": ("rsvd.svhdx_meta_operation.dst_vhdset_name",
                            lambda r: values(r, "rsvd.svhdx_meta_operation.dst_vhdset_name")[:1],
                            lambda w: [w]),
            "snapshot_type": ("rsvd.svhdx_snapshot_type", None, None),
            "snapshot_id": ("rsvd.svhdx_snapshot_id",
                            lambda r: values(r, "rsvd.svhdx_snapshot_id")[:1], lambda w: [w]),
            "snapshot_flags": ("rsvd.svhdx_meta_operation.create_snapshot_flags", None, None),
            "progress": ("rsvd.svhdx_query_progress.current_progress", None, None),
            "progress_complete": ("rsvd.svhdx_query_progress.complete_value", None, None),
            "vhdset_info": ("rsvd.svhdx_vhdset_information_type", None, None),
            "ea_name": ("smb2.ea.name", lambda r: values(r, "smb2.ea.name"), lambda w: [w]),
            "ea_flags": ("smb2.ea.flags", None, None),
            "ea_data": ("smb2.ea.data", lambda r: [v.replace(":", "") for v in
                                                   values(r, "smb2.ea.data")], lambda w: [w]),
        }
        for i in range(1, 6):
            checks[f"stage{i}"] = (f"rsvd.svhdx_meta_operation.create_snapshot_stage{i}", None,
                                   None)
        for key, (field, get, conv) in checks.items():
            if key not in exp:
                continue
            got = get(row) if get else first_int(row, field)
            self.eq(where, field, got, conv(exp[key]) if conv else exp[key])
        for tag in ([exp["tag"]] if "tag" in exp else []) + exp.get("tags", []):
            self.fields_checked += 1
            if tag not in values(row, "smb2.tag"):
                self.fail(f"{where}: no {tag} create context (smb2.tag = "
                          f"{row.get('smb2.tag')!r})")
        if "no_tag" in exp:
            self.fields_checked += 1
            if exp["no_tag"] in values(row, "smb2.tag"):
                self.fail(f"{where}: a {exp['no_tag']} create context it must not carry")
        for key, field in (("reskey", "scsi.persresv.reskey"), ("sareskey", "scsi.persresv.sareskey")):
            if key in exp:
                got = values(row, field)
                self.eq(where, field, int(got[0], 16) if got else None, exp[key])
        if "rsvd_status" in exp or "op" in exp:
            self.fields_checked += 1
            if not values(row, "rsvd.svhdx_request_id"):
                self.fail(f"{where}: no RSVD RequestId decoded")

        if "read_zeros" in exp:
            self.check_read_zeros(where, row, exp["read_zeros"])
        if "changes" in exp:
            self.check_changes(where, row, *exp["changes"])
        if "snapshot_list" in exp:
            self.check_snapshot_list(where, row, exp["snapshot_list"])

        # The FileIds: every request names the open the scenario says.
        if "open" in exp:
            want = self.opens.get(exp["open"])
            self.eq(where, f"smb2.fid ({exp['open']})", fid[0] if fid else None, want)
        if "opens" in exp:
            if not fid:
                self.fail(f"{where}: the CREATE response has no FileId")
            else:
                self.opens[exp["opens"]] = fid[0]
        if "reconnect" in exp:
            # The DHnC context carries the FileId the open had.
            self.eq(where, "smb2.fid (DHnC)", fid[-1] if fid else None, self.opens.get(exp["reconnect"]))
        if "reopens" in exp and fid:
            old = self.opens.get(exp["reopens"])
            if old:
                (p0, v0), (p1, v1) = fid_halves(old), fid_halves(fid[0])
                self.eq(where, "FileId.Persistent (reconnected)", p1, p0)
                self.fields_checked += 1
                if v1 == v0:
                    self.fail(f"{where}: the reconnected open kept its FileId.Volatile")
            self.opens[exp["reopens"]] = fid[0]
        if exp.get("replay"):
            # Re-sent with the LockSequence (the LOCK's Reserved field in
            # Wireshark 4.0) and elements of the LOCK whose answer was lost.
            lost = self.lost_lock
            if lost is None:
                self.fail(f"{where}: no lost LOCK to compare with")
            else:
                self.eq(where, "LockSequence (smb2.reserved)", values(row, "smb2.reserved")[-1:],
                        values(lost, "smb2.reserved")[-1:])
                self.eq(where, "smb2.file_offset", first_int(row, "smb2.file_offset"),
                        first_int(lost, "smb2.file_offset"))
                self.fields_checked += 1
                if values(row, "smb2.reserved")[-1:] == ["00:00:00:00"]:
                    self.fail(f"{where}: the re-sent LOCK has LockSequence 0")

    def check_read_zeros(self, where, row, length):
        """A READ response ([MS-SMB2] 2.2.20) of @p length zero bytes: its
        DataOffset (a byte at 2) and DataLength (at 4), from the TCP payload."""
        smb2 = bytes.fromhex(row.get("tcp.payload", "").replace(":", ""))[4:]
        if len(smb2) < 64 + 16:
            self.fail(f"{where}: no READ response in the TCP payload")
            return
        off, count = smb2[64 + 2], int.from_bytes(smb2[64 + 4:64 + 8], "little")
        data = smb2[off:off + count]
        self.eq(where, "READ DataLength", count, length)
        self.eq(where, "non-zero bytes read", sum(1 for b in data if b) + length - len(data), 0)

    def rsvd_output(self, where, row):
        """The RSVD body of an IOCTL response (after its 16-byte tunnel
        header), read from the TCP payload: NBSS header, SMB2 header, the
        IOCTL response's OutputOffset and OutputCount ([MS-SMB2] 2.2.32)."""
        raw = bytes.fromhex(row.get("tcp.payload", "").replace(":", ""))
        smb2 = raw[4:]
        if len(smb2) < 64 + 48:
            self.fail(f"{where}: no IOCTL response in the TCP payload")
            return None
        off = int.from_bytes(smb2[64 + 32:64 + 36], "little")
        count = int.from_bytes(smb2[64 + 36:64 + 40], "little")
        out = smb2[off:off + count]
        if count < 16 or len(out) != count:
            self.fail(f"{where}: IOCTL output of {count} bytes at {off} is not in the frame")
            return None
        return out[16:]

    def check_changes(self, where, row, processed, ranges):
        """SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REPLY ([MS-RSVD] 2.2.4.38):
        ProcessedByteLength, RangeCount, Reserved, then 24-byte ranges."""
        body = self.rsvd_output(where, row)
        if body is None:
            return
        u64 = lambda o: int.from_bytes(body[o:o + 8], "little")
        count = int.from_bytes(body[8:12], "little")
        self.eq(where, "ProcessedByteLength", u64(0), processed)
        self.eq(where, "RangeCount", count, len(ranges))
        got = [(u64(16 + 24 * i), u64(24 + 24 * i)) for i in range(count)
               if len(body) >= 16 + 24 * (i + 1)]
        self.eq(where, "changed ranges (ByteOffset, ByteLength)", got, ranges)

    def check_snapshot_list(self, where, row, ids):
        """SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_LIST_RESPONSE
        ([MS-RSVD] 2.2.4.20): ResponseComplete at 8, NumberOfSnapshots at 12,
        the SnapshotIds from 16."""
        body = self.rsvd_output(where, row)
        if body is None:
            return
        n = int.from_bytes(body[12:16], "little")
        self.eq(where, "ResponseComplete", body[8] if len(body) > 8 else None, 1)
        self.eq(where, "NumberOfSnapshots", n, len(ids))
        self.eq(where, "SnapshotIds", [body[16 + 16 * i:32 + 16 * i] for i in range(n)],
                [guid_bytes(i) for i in ids])

    def check_flows(self, syns, ends):
        """A, B and M connect once each; A again from a new port after each RST."""
        hosts = [ip for ip, _ in syns]
        self.eq("TCP", "connections (client addresses, in order)", hosts, [A, B, M, A, A])
        if len(syns) == 5:
            self.fields_checked += 1
            if len({syns[0][1], syns[3][1], syns[4][1]}) != 3:
                self.fail("TCP: A's reconnect reuses the port of a connection that was lost")
            want_ends = [("rst", A, syns[0][1]), ("rst", B, syns[1][1]), ("rst", A, syns[3][1]),
                         ("fin", A, syns[4][1]), ("fin", M, syns[2][1])]
            self.eq("TCP", "connection ends (kind, client, port)", ends, want_ends)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    demo, work = sys.argv[1], sys.argv[2]
    extra = sys.argv[3:]
    tshark = shutil.which("tshark")
    if not tshark:
        print("SKIP: tshark is not installed (Debian package 'tshark')")
        return 1 if os.environ.get("RSVD_INTEGRATION_REQUIRED") == "1" else 77
    os.makedirs(work, exist_ok=True)
    pcap = os.path.join(work, "rsvd-demo.pcap")
    if os.path.exists(pcap):
        os.remove(pcap)
    run = subprocess.run([demo, "--quiet", "--pcap", pcap] + extra, capture_output=True, text=True)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    if run.returncode != 0:
        print(f"FAIL: rsvd-demo exited with status {run.returncode}")
        return 1

    out = subprocess.run(
        [tshark, "-r", pcap, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
         "-E", "aggregator=,"] + sum((["-e", f] for f in FIELDS), []),
        check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        rows.append(dict(zip(FIELDS, cols)))

    chk = Checker(rows)
    events, syns, ends = [], [], []
    for row in rows:
        flags = {f: row[f"tcp.flags.{f}"] in ("1", "True") for f in ("syn", "ack", "fin", "reset")}
        from_client = row["tcp.dstport"] == "445"
        client_port = row["tcp.srcport"] if from_client else row["tcp.dstport"]
        client_ip = row["ip.src"] if from_client else row["ip.dst"]
        if row["smb2.cmd"]:
            if len(values(row, "smb2.cmd")) != 1:
                chk.fail(f"frame {row['frame.number']}: {len(values(row, 'smb2.cmd'))} SMB2 "
                         "messages in one frame")
            events.append(("smb2", row))
        elif flags["syn"] and not flags["ack"]:
            syns.append((client_ip, client_port))
        elif flags["reset"] and from_client:
            ends.append(("rst", client_ip, client_port))
            events.append(("rst", row))
        elif flags["fin"] and from_client:
            ends.append(("fin", client_ip, client_port))
            events.append(("fin", row))

    # Over iSCSI the demo has no version-2 step (its disk keeps no snapshots).
    SCRIPT = script(backup=not any(a.startswith("iscsi://") for a in extra))
    if len(events) != len(SCRIPT):
        chk.fail(f"{len(events)} SMB2 messages and connection ends in the capture, "
                 f"the scenario has {len(SCRIPT)}")
    for exp, (kind, row) in zip(SCRIPT, events):
        n = row["frame.number"]
        if kind != ("smb2" if exp["kind"] in ("req", "rsp") else exp["kind"]):
            chk.fail(f"frame {n}: a {kind} where the scenario has a {exp['kind']} of "
                     f"{exp['host']}; the rest is not compared")
            break
        if kind == "smb2":
            chk.check_message(exp, row)
        else:
            chk.eq(f"frame {n}", f"{kind} from", row["ip.src"], exp["host"])
    chk.check_flows(syns, ends)
    if chk.pending:
        chk.fail(f"requests never answered: {sorted(chk.pending)}")

    for row in rows:
        n = row["frame.number"]
        if row["_ws.malformed"] and n not in chk.known_fault:
            chk.fail(f"frame {n} is malformed: {row['_ws.expert.message']}")

    print(f"{len(rows)} frames, {len(events)} SMB2 messages and connection ends, "
          f"{chk.fields_checked} fields compared with tshark, "
          f"{len(chk.known_fault)} known-fault frame(s) (SRB_STATUS responses)")
    for f in chk.failures:
        print("FAIL:", f)
    return 1 if chk.failures else 0


if __name__ == "__main__":
    sys.exit(main())
