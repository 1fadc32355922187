#!/usr/bin/env python3
"""smbclient (Samba 4.17) against rsvd-target: log in as guest and as a
named user, list, put and get a file, over SMB3.

    test_smbclient.py RSVD_TARGET guest|user
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import target  # noqa: E402

MODE = sys.argv[2] if len(sys.argv) > 2 else "guest"


def smbclient(port, share, creds, commands, cwd):
    cmd = [target.need_program("smbclient", "smbclient"), f"//127.0.0.1/{share}", "-p", str(port),
           "-U", creds, "-m", "SMB3", "--option=clientmaxprotocol=SMB3_02",
           "--option=clientusekerberos=off", "-c", commands]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=cwd)
    return p.returncode, p.stdout + p.stderr


def test():
    target.need_program("smbclient", "smbclient")
    srv = target.Server(sys.argv[1])
    data = srv.share_dir("data")
    with open(os.path.join(data, "hello.txt"), "w") as f:
        f.write("hello from the share\n")
    local = srv.path("local")
    os.makedirs(local)
    payload = os.urandom(300000)  # several READs and WRITEs
    with open(os.path.join(local, "up.bin"), "wb") as f:
        f.write(payload)

    if MODE == "guest":
        srv.start("--share", f"data={data}", "--guest")
        creds = "guest%"
    else:
        users = srv.path("users")
        with open(users, "w") as f:
            f.write("TESTDOM:alice:Passw0rd\n")
        srv.start("--share", f"data={data}", "--users", users)
        creds = "TESTDOM/alice%Passw0rd"
    try:
        rc, out = smbclient(srv.port, "data", creds,
                            "ls; get hello.txt got.txt; put up.bin; ls; get up.bin back.bin",
                            local)
        print(out)
        target.expect_equal(rc, 0, "smbclient's exit status")
        target.check("hello.txt" in out, "'ls' lists hello.txt")
        with open(os.path.join(local, "got.txt")) as f:
            target.expect_equal(f.read(), "hello from the share\n", "the file smbclient got")
        with open(os.path.join(data, "up.bin"), "rb") as f:
            target.check(f.read() == payload, "the file smbclient put is in the share, byte for byte")
        with open(os.path.join(local, "back.bin"), "rb") as f:
            target.check(f.read() == payload, "the file read back is the one put")
        target.check(out.count("up.bin") >= 2, "the second 'ls' lists up.bin")
        if MODE == "user":
            # A wrong password is refused (gss-ntlmssp verifies it).
            rc, out = smbclient(srv.port, "data", "TESTDOM/alice%wrong", "ls", local)
            print(out)
            target.check(rc != 0 and "NT_STATUS_LOGON_FAILURE" in out,
                         "a wrong password gets NT_STATUS_LOGON_FAILURE")
            # Without --guest, an unknown user is refused too.
            rc, out = smbclient(srv.port, "data", "nobody%x", "ls", local)
            print(out)
            target.check(rc != 0 and "NT_STATUS_LOGON_FAILURE" in out,
                         "an unknown user gets NT_STATUS_LOGON_FAILURE without --guest")
        else:
            # A share that does not exist.
            rc, out = smbclient(srv.port, "nosuchshare", creds, "ls", local)
            target.check(rc != 0 and "NT_STATUS_BAD_NETWORK_NAME" in out,
                         "an unknown share gets NT_STATUS_BAD_NETWORK_NAME")
    finally:
        srv.stop()


if __name__ == "__main__":
    target.main(test)
