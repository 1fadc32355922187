"""impacket helpers for the rsvd-target tests: raw CREATE with any create
context (impacket's own create() throws the response contexts away), IOCTL
and other requests that return the status instead of raising, an abrupt
TCP drop, and the MS-RSVD structures impacket does not know.

Every layout below is written from the specs ([MS-SMB2] 2.2, [MS-RSVD]
2.2.4, SPC-3), not from the server's code.
"""

import socket
import struct

from impacket import smb3, smb3structs as s3
from impacket.smb3structs import SMB2Packet

STATUS_SUCCESS = 0x00000000
STATUS_PENDING = 0x00000103


def connect(port, user="", password="", domain=""):
    """An SMB 3.0.2 connection (impacket's SMB3 directly: SMBConnection
    refuses 3.0.2), logged in."""
    c = smb3.SMB3("127.0.0.1", "127.0.0.1", sess_port=port, preferredDialect=0x0302, timeout=30)
    c.login(user, password, domain)
    return c


def drop(conn):
    """Loses the connection abruptly: a TCP RST, no LOGOFF, no CLOSE."""
    sock = conn._NetBIOSSession.get_socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _send(conn, command, tree, data):
    p = conn.SMB_PACKET()
    p["Command"] = command
    p["TreeID"] = tree
    p["Data"] = data
    mid = conn.sendSMB(p)
    return conn.recvSMB(mid)


# ---- create contexts ([MS-SMB2] 2.2.13.2) ------------------------------------------------

def context_chain(contexts):
    """[(name bytes, data bytes), ...] as a create-context chain: each at
    a multiple of 8, the name at 16, the data at the next multiple of 8."""
    out = b""
    for i, (name, data) in enumerate(contexts):
        data_off = (16 + len(name) + 7) // 8 * 8 if data else 0
        body = name + b"\0" * ((data_off - 16 - len(name)) if data else 0) + data
        length = 16 + len(body)
        pad = (-length) % 8 if i + 1 < len(contexts) else 0
        nxt = length + pad if i + 1 < len(contexts) else 0
        out += struct.pack("<IHHHHI", nxt, 16, len(name), 0, data_off, len(data)) + body + b"\0" * pad
    return out


def parse_contexts(buf):
    """The response's create contexts as {name: data}."""
    found = {}
    off = 0
    while buf and off + 16 <= len(buf):
        nxt, name_off, name_len, _res, data_off, data_len = struct.unpack_from("<IHHHHI", buf, off)
        name = buf[off + name_off: off + name_off + name_len]
        data = buf[off + data_off: off + data_off + data_len] if data_len else b""
        found[bytes(name)] = bytes(data)
        if nxt == 0:
            break
        off += nxt
    return found


class CreateResult:
    def __init__(self, status, file_id=None, contexts=None, response=None):
        self.status = status
        self.file_id = file_id
        self.contexts = contexts or {}
        self.response = response


def create(conn, tree, name, contexts=(), access=0x0012019F, share=0x7, options=0,
           disposition=1, oplock=0, attributes=0x80):
    """CREATE with the given contexts; the open joins impacket's table so
    its read(), write(), ioctl(), lock() and close() work on it."""
    req = s3.SMB2Create()
    req["SecurityFlags"] = 0
    req["RequestedOplockLevel"] = oplock
    req["ImpersonationLevel"] = s3.SMB2_IL_IMPERSONATION
    req["DesiredAccess"] = access
    req["FileAttributes"] = attributes
    req["ShareAccess"] = share
    req["CreateDisposition"] = disposition
    req["CreateOptions"] = options
    name16 = name.encode("utf-16le")
    req["NameLength"] = len(name16)
    buf = name16 if name16 else b"\0"
    chain = context_chain(list(contexts))
    if chain:
        off = 64 + s3.SMB2Create.SIZE + len(buf)
        pad = (-off) % 8
        buf += b"\0" * pad
        req["CreateContextsOffset"] = off + pad
        req["CreateContextsLength"] = len(chain)
        buf += chain
    else:
        req["CreateContextsOffset"] = 0
        req["CreateContextsLength"] = 0
    req["Buffer"] = buf
    ans = _send(conn, s3.SMB2_CREATE, tree, req)
    if ans["Status"] != STATUS_SUCCESS:
        return CreateResult(ans["Status"])
    rsp = s3.SMB2Create_Response(ans["Data"])
    fid = rsp["FileID"].getData()
    entry = {"FileID": rsp["FileID"], "TreeConnect": tree, "Oplocklevel": rsp["OplockLevel"],
             "Durable": False, "ResilientHandle": False, "LastDisconnectTime": 0,
             "FileName": name}
    conn._Session["OpenTable"][fid] = entry
    return CreateResult(STATUS_SUCCESS, fid, parse_contexts(rsp["Buffer"]), rsp)


def file_id_parts(fid):
    return struct.unpack("<QQ", fid)


# ---- requests that return their status ------------------------------------------------------

def ioctl(conn, tree, fid, code, data=b"", max_out=65536):
    """IOCTL (FSCTL): (status, output)."""
    req = s3.SMB2Ioctl()
    req["FileID"] = fid if fid is not None else b"\xff" * 16
    req["CtlCode"] = code
    req["MaxInputResponse"] = 0
    req["MaxOutputResponse"] = max_out
    req["InputCount"] = len(data)
    if data:
        req["Buffer"] = data
    else:
        req["InputOffset"] = 0
        req["Buffer"] = b"\0"
    req["OutputOffset"] = 0
    req["Flags"] = s3.SMB2_0_IOCTL_IS_FSCTL
    ans = _send(conn, s3.SMB2_IOCTL, tree, req)
    if ans["Status"] != STATUS_SUCCESS:
        return ans["Status"], b""
    rsp = s3.SMB2Ioctl_Response(ans["Data"])
    return STATUS_SUCCESS, bytes(rsp["Buffer"])


def write(conn, tree, fid, offset, data):
    """WRITE: (status, count)."""
    req = s3.SMB2Write()
    req["FileID"] = fid
    req["Offset"] = offset
    req["Length"] = len(data)
    req["Buffer"] = data
    p = conn.SMB_PACKET()
    p["Command"] = s3.SMB2_WRITE
    p["TreeID"] = tree
    p["CreditCharge"] = max(1, (len(data) + 65535) // 65536)
    p["Data"] = req
    ans = conn.recvSMB(conn.sendSMB(p))
    if ans["Status"] != STATUS_SUCCESS:
        return ans["Status"], 0
    return STATUS_SUCCESS, s3.SMB2Write_Response(ans["Data"])["Count"]


def read(conn, tree, fid, offset, length):
    """READ: (status, data)."""
    req = s3.SMB2Read()
    req["FileID"] = fid
    req["Offset"] = offset
    req["Length"] = length
    req["MinimumCount"] = 0
    req["Buffer"] = b"\0"
    p = conn.SMB_PACKET()
    p["Command"] = s3.SMB2_READ
    p["TreeID"] = tree
    p["CreditCharge"] = max(1, (length + 65535) // 65536)
    p["Data"] = req
    ans = conn.recvSMB(conn.sendSMB(p))
    if ans["Status"] != STATUS_SUCCESS:
        return ans["Status"], b""
    return STATUS_SUCCESS, bytes(s3.SMB2Read_Response(ans["Data"])["Buffer"])


LOCK_SHARED, LOCK_EXCLUSIVE, LOCK_UNLOCK, LOCK_FAIL_IMMEDIATELY = 1, 2, 4, 0x10


def lock(conn, tree, fid, elements, sequence=0):
    """LOCK with [(offset, length, flags), ...]: the status."""
    req = s3.SMB2Lock()
    req["FileID"] = fid
    req["LockCount"] = len(elements)
    req["LockSequence"] = sequence
    req["Locks"] = b"".join(struct.pack("<QQII", o, n, f, 0) for o, n, f in elements)
    return _send(conn, s3.SMB2_LOCK, tree, req)["Status"]


def close(conn, tree, fid):
    req = s3.SMB2Close()
    req["FileID"] = fid
    return _send(conn, s3.SMB2_CLOSE, tree, req)["Status"]


# ---- [MS-SMB2] resiliency and durable contexts ------------------------------------------------

FSCTL_LMR_REQUEST_RESILIENCY = 0x001401D4


def request_resiliency(conn, tree, fid, timeout_ms):
    """[MS-SMB2] 2.2.31.3 NETWORK_RESILIENCY_REQUEST: Timeout, Reserved."""
    status, _ = ioctl(conn, tree, fid, FSCTL_LMR_REQUEST_RESILIENCY,
                      struct.pack("<II", timeout_ms, 0), max_out=0)
    return status


def dhnc(fid):
    """[MS-SMB2] 2.2.13.2.4 SMB2_CREATE_DURABLE_HANDLE_RECONNECT."""
    return (b"DHnC", fid)


def dhnq():
    """[MS-SMB2] 2.2.13.2.3 SMB2_CREATE_DURABLE_HANDLE_REQUEST: 16 zero bytes."""
    return (b"DHnQ", b"\0" * 16)


def dh2q(create_guid, timeout=0, flags=0):
    """[MS-SMB2] 2.2.13.2.11: Timeout, Flags, Reserved (8), CreateGuid."""
    return (b"DH2Q", struct.pack("<II8s16s", timeout, flags, b"\0" * 8, create_guid))


def dh2c(fid, create_guid, flags=0):
    """[MS-SMB2] 2.2.13.2.12: FileId, CreateGuid, Flags."""
    return (b"DH2C", fid + create_guid + struct.pack("<I", flags))


# ---- [MS-RSVD] 2.2.4 -------------------------------------------------------------------------

SVHDX_CONTEXT_NAME = bytes.fromhex("9CCBCF9E04C1E643980E158DA1F6EC83")
FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT = 0x00090300
FSCTL_SVHDX_SYNC_TUNNEL_REQUEST = 0x00090304
FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST = 0x00090364
RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION = 0x02001001
RSVD_TUNNEL_SCSI_OPERATION = 0x02001002
RSVD_TUNNEL_SRB_STATUS_OPERATION = 0x02001004
SVHDX_ORIGINATOR_PVHDPARSER = 0x00000001
FILE_NO_INTERMEDIATE_BUFFERING = 0x00000008


def svhdx_open_context(initiator_id=None, open_request_id=1, host="node",
                       originator=SVHDX_ORIGINATOR_PVHDPARSER):
    """[MS-RSVD] 2.2.4.12 SVHDX_OPEN_DEVICE_CONTEXT, 168 bytes."""
    name = host.encode("utf-16le")
    return (SVHDX_CONTEXT_NAME,
            struct.pack("<IB3s16sIIQH", 1, 1 if initiator_id else 0, b"\0" * 3,
                        initiator_id or b"\0" * 16, 0, originator, open_request_id, len(name))
            + name.ljust(126, b"\0"))


def tunnel_header(opcode, request_id):
    """[MS-RSVD] 2.2.4.11: OperationCode, Status, RequestId."""
    return struct.pack("<IIQ", opcode, 0, request_id)


def parse_tunnel_header(buf):
    opcode, status, request_id = struct.unpack_from("<IIQ", buf, 0)
    return opcode, status, request_id


DATA_OUT, DATA_IN, NO_DATA = 0x00, 0x01, 0x02  # Disposition, as Windows sends it
SRB_FLAGS_DATA_IN, SRB_FLAGS_DATA_OUT = 0x40, 0x80


def scsi_request(request_id, cdb, disposition, data=b"", transfer=None):
    """[MS-RSVD] 2.2.4.7 SVHDX_TUNNEL_SCSI_REQUEST after its header: Length
    36, CDBLength, SenseInfoExLength 20, Disposition, SrbFlags,
    DataTransferLength, the CDB in 16 bytes, then the data."""
    srb_flags = {DATA_IN: SRB_FLAGS_DATA_IN, DATA_OUT: SRB_FLAGS_DATA_OUT, NO_DATA: 0}[disposition]
    if transfer is None:
        transfer = len(data)
    if disposition == DATA_IN and not data:
        data = b"\0" * transfer  # Windows sends a zeroed buffer of the size
    body = struct.pack("<HHBBBBII16sI", 36, 0, len(cdb), 20, disposition, 0, srb_flags,
                       transfer, cdb.ljust(16, b"\0"), 0) + data
    return tunnel_header(RSVD_TUNNEL_SCSI_OPERATION, request_id) + body


class ScsiResponse:
    """[MS-RSVD] 2.2.4.8 after the tunnel header."""

    def __init__(self, buf):
        self.opcode, self.status, self.request_id = parse_tunnel_header(buf)
        body = buf[16:]
        self.length, srb, self.scsi_status, self.cdb_length, self.sense_len, self.disposition, \
            _r, self.srb_flags, self.transfer = struct.unpack_from("<HBBBBBBII", body, 0)
        self.sense_auto = bool(srb & 0x80)
        self.srb_status = srb & 0x7F
        self.sense = body[16:16 + self.sense_len]
        self.data = body[16 + self.sense_len:16 + self.sense_len + self.transfer]


def pr_out(request_id, service_action, key, sa_key, pr_type=0):
    """SPC-3 6.12 PERSISTENT RESERVE OUT with its 24-byte parameter list."""
    cdb = struct.pack(">BBBIHB", 0x5F, service_action, pr_type, 0, 24, 0)[:10]
    params = struct.pack(">QQI4x", key, sa_key, 0)
    return scsi_request(request_id, cdb, DATA_OUT, params)


def pr_in(request_id, service_action, alloc=64):
    """SPC-3 6.11 PERSISTENT RESERVE IN."""
    cdb = struct.pack(">BB5xHB", 0x5E, service_action, alloc, 0)
    return scsi_request(request_id, cdb, DATA_IN, transfer=alloc)


# ---- a raw SMB2 client: every byte chosen by the test ------------------------------------------

class Raw:
    """An SMB2 connection whose messages the test writes itself ([MS-SMB2]
    2.2): NEGOTIATE, SESSION_SETUP (NTLMSSP from impacket's helpers,
    wrapped in SPNEGO), signing ([MS-SMB2] 3.1.4.1, impacket's AES_CMAC and
    KDF), compounds; replies come back as they arrive."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.mid = 0
        self.session_id = 0
        self.tree_id = 0
        self.signing_key = None
        self.dialect = 0

    @staticmethod
    def header(command, mid, session_id=0, tree_id=0, credit_charge=1, credits=64, flags=0,
               next_command=0, async_id=None):
        if async_id is not None:
            flags |= 0x2
            tail = struct.pack("<Q", async_id)
        else:
            tail = struct.pack("<II", 0xFEFF, tree_id)
        return (b"\xfeSMB" + struct.pack("<HHIHHIIQ", 64, credit_charge, 0, command, credits,
                                         flags, next_command, mid)
                + tail + struct.pack("<Q", session_id) + b"\0" * 16)

    def sign(self, msg):
        from impacket import crypto
        msg = bytearray(msg)
        struct.pack_into("<I", msg, 16, struct.unpack_from("<I", msg, 16)[0] | 0x8)
        msg[48:64] = b"\0" * 16
        msg[48:64] = crypto.AES_CMAC(self.signing_key, bytes(msg), len(msg))
        return bytes(msg)

    def send_frame(self, payload):
        self.s.sendall(struct.pack(">I", len(payload)) + payload)

    def request(self, command, body, credit_charge=1, sign=False, flags=0, tree=True):
        """One request of this session: returns its MessageId."""
        mid = self.mid
        self.mid += max(1, credit_charge)
        msg = self.header(command, mid, self.session_id, self.tree_id if tree else 0,
                          credit_charge, flags=flags) + body
        if sign:
            msg = self.sign(msg)
        self.send_frame(msg)
        return mid

    def recv(self, timeout=20):
        """The next frame, split into its messages (compounds)."""
        self.s.settimeout(timeout)
        head = self._read(4)
        if head is None:
            return None
        data = self._read(struct.unpack(">I", head)[0] & 0xFFFFFF)
        msgs, off = [], 0
        while True:
            nxt = struct.unpack_from("<I", data, off + 20)[0]
            msgs.append(data[off:off + nxt] if nxt else data[off:])
            if not nxt:
                return msgs
            off += nxt

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            try:
                chunk = self.s.recv(n - len(buf))
            except (ConnectionResetError, socket.timeout):
                return None
            if not chunk:
                return None
            buf += chunk
        return buf

    def reply(self, timeout=20):
        msgs = self.recv(timeout)
        return msgs[0] if msgs else None

    def negotiate(self, dialects=(0x0302,), security_mode=1):
        body = struct.pack("<HHHHI16sQ", 36, len(dialects), security_mode, 0, 0x7F,
                           b"\x5a" * 16, 0) + b"".join(struct.pack("<H", d) for d in dialects)
        self.request(0, body, tree=False)
        rsp = self.reply()
        if rsp is not None and status(rsp) == 0:
            self.dialect = struct.unpack_from("<H", rsp, 68)[0]
        return rsp

    def session_setup(self, user="", password="", domain="", security_mode=1,
                      previous=0, bind=None):
        """NTLMSSP in SPNEGO; the 3.x signing key when a named user logs in.
        With @bind, (SessionId, SigningKey) of a session to bind this
        connection to ([MS-SMB2] 3.2.4.2.3.1: Flags BINDING, signed)."""
        from impacket import ntlm, crypto
        from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech

        if bind:
            self.session_id, self.signing_key = bind

        def setup(blob):
            body = struct.pack("<HBBIIHHQ", 25, 1 if bind else 0, security_mode, 0, 0, 88,
                               len(blob), previous) + blob
            self.request(1, body, tree=False, sign=bool(bind))
            return self.reply()

        t1 = ntlm.getNTLMSSPType1("", domain, False)
        init = SPNEGO_NegTokenInit()
        init["MechTypes"] = [TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]]
        init["MechToken"] = t1.getData()
        rsp = setup(init.getData())
        if status(rsp) != 0xC0000016:
            return rsp
        self.session_id = struct.unpack_from("<Q", rsp, 40)[0]
        off, n = struct.unpack_from("<HH", rsp, 68)
        challenge = SPNEGO_NegTokenResp(rsp[off:off + n])["ResponseToken"]
        t3, key = ntlm.getNTLMSSPType3(t1, challenge, user, password, domain)
        resp = SPNEGO_NegTokenResp()
        resp["ResponseToken"] = t3.getData()
        rsp = setup(resp.getData())
        if status(rsp) == 0 and user and key and not bind:
            self.signing_key = crypto.KDF_CounterMode(key, b"SMB2AESCMAC\x00", b"SmbSign\x00", 128)
        return rsp

    def tree_connect(self, share, sign=False):
        path = ("\\\\127.0.0.1\\" + share).encode("utf-16le")
        self.request(3, struct.pack("<HHHH", 9, 0, 72, len(path)) + path, sign=sign, tree=False)
        rsp = self.reply()
        if status(rsp) == 0:
            self.tree_id = struct.unpack_from("<I", rsp, 36)[0]
        return rsp

    def close(self):
        self.s.close()


def status(msg):
    return struct.unpack_from("<I", msg, 8)[0] if msg else None


def create_body(name, access=0x0012019F, share=7, disposition=1, options=0, oplock=0):
    """[MS-SMB2] 2.2.13 with the name at 0x78."""
    n16 = name.encode("utf-16le")
    return struct.pack("<HBBIQQIIIIIHHII", 57, 0, oplock, 2, 0, 0, access, 0x80, share,
                       disposition, options, 120, len(n16), 0, 0) + (n16 or b"\0")


def file_id_of_create(rsp):
    """FileId of a CREATE response ([MS-SMB2] 2.2.14, offset 64 + 64)."""
    return rsp[128:144]


def close_body(fid):
    return struct.pack("<HHI", 24, 0, 0) + fid


def lock_body(fid, elements, sequence=0):
    return struct.pack("<HHI", 48, len(elements), sequence) + fid + b"".join(
        struct.pack("<QQII", o, n, f, 0) for o, n, f in elements)


def query_info_body(fid, info_type, cls, out_len=4096):
    return struct.pack("<HBBIHHIII", 41, info_type, cls, out_len, 0, 0, 0, 0, 0) + fid


def echo_body():
    return struct.pack("<HH", 4, 0)
