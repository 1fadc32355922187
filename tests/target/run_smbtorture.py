#!/usr/bin/env python3
"""smbtorture (Samba 4.17) against rsvd-target, as an outside test suite.

The list of tests, with what each is expected to do and why, is the table
between the "smbtorture list" markers of examples/rsvd-target/README.md: the
README is the one place it is kept. Rows that need the same server options
share one rsvd-target. A test expected to pass must report "success"; a
known failure must not (if it passes, the README is out of date and this
fails, asking for the one-line change).

    run_smbtorture.py RSVD_TARGET README
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import target  # noqa: E402

PASS, KNOWN_FAILURE = "pass", "known failure"


def read_list(readme):
    rows, inside = [], False
    for line in open(readme, encoding="utf-8"):
        if "smbtorture list: begin" in line:
            inside = True
            continue
        if "smbtorture list: end" in line:
            break
        if not inside or not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "smbtorture test":
            continue
        name, options, login, expected, why = cells
        if expected not in (PASS, KNOWN_FAILURE):
            raise target.TestFailure(f"README row for {name}: expected is {expected!r}, "
                                     f"not 'pass' or 'known failure'")
        if login not in ("guest", "user"):
            raise target.TestFailure(f"README row for {name}: login is {login!r}")
        rows.append((name, options.split(), login, expected, why))
    if not rows:
        raise target.TestFailure(f"no smbtorture list in {readme}")
    return rows


def run_one(smbtorture, port, name, login, cwd):
    creds = "guest%x" if login == "guest" else "TESTDOM/alice%Passw0rd"
    cmd = [smbtorture, "//127.0.0.1/data", "-p", str(port), "-U", creds, "--use-kerberos=off",
           "--option=clientmaxprotocol=SMB3_02", name]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=cwd)
    except subprocess.TimeoutExpired:
        return "timeout", ""
    out = p.stdout + p.stderr
    base = re.escape(name.rsplit(".", 1)[-1])
    if re.search(rf"^success: {base}$", out, re.M) and \
            not re.search(r"^(failure|error): ", out, re.M):
        return "success", out
    for word in ("failure", "error", "skip"):
        if re.search(rf"^{word}: ", out, re.M):
            return word, out
    return "error", out


def test():
    smbtorture = target.need_program("smbtorture", "samba-testsuite")
    rows = read_list(sys.argv[2])
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row[1]), []).append(row)
    problems = []
    for options, group in groups.items():
        srv = target.Server(sys.argv[1])
        data = srv.share_dir("data")
        users = srv.path("users")
        with open(users, "w") as f:
            f.write("TESTDOM:alice:Passw0rd\n")
        srv.start("--share", f"data={data}", "--users", users, "--guest",
                  "--oplock-break-timeout", "5000", *options)
        try:
            for name, _opts, login, expected, why in group:
                result, out = run_one(smbtorture, srv.port, name, login, srv.tmp)
                label = f"{name} ({login}{', ' + ' '.join(options) if options else ''})"
                if expected == PASS and result != "success":
                    problems.append(f"{label}: expected to pass, got {result}")
                    print(out[-3000:])
                elif expected == KNOWN_FAILURE and result == "success":
                    problems.append(f"{label}: a known failure passes - change its row in the "
                                    f"README to 'pass'")
                print(f"{label}: {result} (expected: {expected}{'; ' + why if why else ''})")
                if not srv.alive():
                    problems.append(f"rsvd-target died during {label}:\n{srv.log()[-4000:]}")
                    break
        finally:
            srv.stop()
    if problems:
        raise target.TestFailure("\n".join(problems))


if __name__ == "__main__":
    target.main(test)
