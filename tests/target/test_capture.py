#!/usr/bin/env python3
"""A whole impacket session with rsvd-target, captured twice: on loopback
by dumpcap, and by the server itself (--pcap, librsvd's pcap writer). tshark
must decode both without a malformed frame, but for the known Wireshark 4.0
fault on every RSVD SRB_STATUS response (TOOLING: "Dissector bug ...
rsvd.svhdx_srb_status_srb_status"); both must hold the same SMB2 messages;
the asynchronous tunnel request must show its STATUS_PENDING interim
response ([MS-SMB2] 3.3.4.2) and the named user's session its signed
responses ([MS-SMB2] 3.3.5.5.3).

    test_capture.py RSVD_TARGET
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import target  # noqa: E402

target.debian_python_for_impacket()
import test_impacket_rsvd as scenario  # noqa: E402

RSVD_TUNNEL_SRB_STATUS_OPERATION = "0x02001004"


def fields(tshark, pcap, port, display, *names):
    args = [tshark, "-r", pcap, "-d", f"tcp.port=={port},nbss", "-Y", display, "-T", "fields",
            "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
    for n in names:
        args += ["-e", n]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise target.TestFailure(f"tshark failed on {pcap}: {p.stderr}")
    return [line.split("|") for line in p.stdout.splitlines() if line]


def check_capture(tshark, pcap, port, what):
    """@return the SMB2 messages of the capture as (cmd, msg_id, response)."""
    malformed = fields(tshark, pcap, port, "_ws.malformed", "frame.number",
                       "rsvd.svhdx_operation_code", "smb2.flags.response")
    for frame, opcodes, responses in malformed:
        srb_response = (RSVD_TUNNEL_SRB_STATUS_OPERATION in opcodes.split(",")
                        and "1" in responses.split(","))
        target.check(srb_response, f"{what}: frame {frame} is malformed and is not an SRB_STATUS response "
                     f"(operation {opcodes}, response {responses})")
    rows = fields(tshark, pcap, port, "smb2", "smb2.cmd", "smb2.msg_id", "smb2.flags.response",
                  "smb2.nt_status", "smb2.flags.async", "smb2.flags.signature")
    messages = []
    for cmds, mids, resps, statuses, asyncs, signs in rows:
        for i, cmd in enumerate(cmds.split(",")):
            messages.append((cmd, mids.split(",")[i], resps.split(",")[i],
                             statuses.split(",")[i] if statuses else "",
                             asyncs.split(",")[i], signs.split(",")[i]))
    target.check(len(messages) > 40, f"{what}: a whole session ({len(messages)} SMB2 messages)")
    return messages


def test():
    tshark = target.need_program("tshark", "tshark")
    dumpcap = target.need_program("dumpcap", "tshark")
    srv = target.Server(sys.argv[1])
    vm = srv.share_dir("vm")
    with open(os.path.join(vm, "disk.vhdx"), "wb") as f:
        f.truncate(scenario.DISK_SIZE)
    users = srv.path("users")
    with open(users, "w") as f:
        f.write("TESTDOM:alice:Passw0rd\nTESTDOM:bob:Secret1\n")
    own = srv.path("server.pcap")
    wire = srv.path("loopback.pcapng")
    srv.start("--share", f"vm={vm},ca", "--users", users, "--pcap", own)
    cap = subprocess.Popen([dumpcap, "-q", "-i", "lo", "-f", f"tcp port {srv.port}", "-w", wire],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # dumpcap says nothing when it is ready: wait for its file.
        for _ in range(100):
            if os.path.exists(wire) and os.path.getsize(wire) > 0:
                break
            if cap.poll() is not None:
                target.skip("dumpcap cannot capture on lo here: " + cap.stderr.read().strip())
            time.sleep(0.1)
        time.sleep(0.5)
        a = scenario.Node(srv.port, "alice", scenario.INIT_A, 1, "nodeA")
        b = scenario.Node(srv.port, "bob", scenario.INIT_B, 2, "nodeB")
        m = scenario.Node(srv.port, "alice", None, 3, "mgmt")
        scenario.initial_info_describes_the_disk(a)
        scenario.async_tunnel_is_answered(a)
        scenario.inquiry_reports_a_disk(a)
        scenario.persistent_reservations(a, b)
        scenario.writes_meet_the_reservation(a, b)
        scenario.sense_error_is_stored_and_fetched(m)
        for node in (a, b, m):
            scenario.t.close(node.c, node.tree, node.fid)
            node.c.logoff()
        time.sleep(1.0)  # the last frames reach dumpcap
    finally:
        if cap.poll() is None:
            cap.terminate()
            cap.wait(timeout=30)
        srv.stop()
    on_wire = check_capture(tshark, wire, srv.port, "the loopback capture")
    written = check_capture(tshark, own, 445, "the server's --pcap capture")
    strip = [m[:4] for m in on_wire]
    target.expect_equal(sorted(m[:4] for m in written), sorted(strip),
                        "the SMB2 messages of both captures")
    pending = [m for m in on_wire if m[0] == "11" and m[2] == "1" and m[3] == "0x00000103"
               and m[4] == "1"]
    target.check(pending, "an IOCTL interim response: STATUS_PENDING with the ASYNC flag")
    signed = [m for m in on_wire if m[0] == "1" and m[2] == "1" and m[3] == "0x00000000"
              and m[5] == "1"]
    target.expect_equal(len(signed), 3, "signed final SESSION_SETUP responses (three logins)")


if __name__ == "__main__":
    target.main(test)
