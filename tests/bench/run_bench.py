#!/usr/bin/env python3
"""Runs the hot-path benchmark under callgrind and checks instruction budgets.

Usage: run_bench.py BENCH_EXE [OPS] [OPENS]

Prints, for each hot path, the instructions per operation (callgrind Ir,
inclusive), the direct backend call it wraps, the library's overhead and the
ratio; then checks the budgets below. Instruction counts do not depend on
the machine's load, so the budgets are stable; wall-clock figures come from
running BENCH_EXE natively and are informational only.

Exit status: 0 within budget, 1 over budget, 77 skipped (no valgrind).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Budgets: most instructions the library may add to one operation, over the
# direct backend call (a null backend that completes at once). Measured on
# Debian 12 x86_64 gcc -O2 (debugoptimized): write/read ~355, tunnelled SCSI
# ~835, resilient LOCK ~830; the budgets leave about 25% headroom.
OVERHEAD_BUDGET = {
    "server WRITE 4 KiB": ("phase_server_write", "phase_direct_write", 450),
    "server READ 4 KiB": ("phase_server_read", "phase_direct_read", 450),
    "server tunnelled SCSI READ(10)": ("phase_server_tunnel_scsi", "phase_direct_execute", 1050),
    "resilient LOCK begin+end": ("phase_resilient_lock", None, 1050),
}
# O(1) OpenTable: a WRITE on a random open among OPENS costs at most this
# many instructions more than a WRITE on the only open (the random choice
# itself is ~10).
MANY_OPENS_EXTRA = 40


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    exe = sys.argv[1]
    ops = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    opens = int(sys.argv[3]) if len(sys.argv) > 3 else 1000000
    valgrind, annotate = shutil.which("valgrind"), shutil.which("callgrind_annotate")
    if not valgrind or not annotate:
        print("SKIP: valgrind (callgrind) is not installed")
        return 1 if os.environ.get("RSVD_INTEGRATION_REQUIRED") == "1" else 77

    native = subprocess.run([exe, str(ops), str(min(opens, 100000))], capture_output=True,
                            text=True)
    print(native.stdout, end="")
    if native.returncode != 0:
        print("FAIL: the benchmark failed natively:", native.stderr)
        return 1

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        run = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=" + out, exe,
                              str(ops), str(opens)], capture_output=True, text=True)
        if run.returncode != 0:
            print("FAIL: the benchmark failed under callgrind:", run.stderr[-2000:])
            return 1
        text = subprocess.run([annotate, "--inclusive=yes", "--threshold=100", out],
                              capture_output=True, text=True, check=True).stdout
    ir = {}
    for line in text.splitlines():
        m = re.match(r"^\s*([\d,]+) .*:(phase_\w+) \[", line)
        if m:
            ir[m.group(2)] = int(m.group(1).replace(",", "")) / ops

    failures = []
    print(f"\ninstructions per operation (callgrind, {ops} operations; {opens} opens):")
    print(f"  {'path':32} {'library':>9} {'direct':>8} {'overhead':>9} {'ratio':>7} {'budget':>7}")
    for label, (phase, direct, budget) in OVERHEAD_BUDGET.items():
        if phase not in ir or (direct and direct not in ir):
            failures.append(f"{label}: phase missing from the profile")
            continue
        base = ir[direct] if direct else 0.0
        over = ir[phase] - base
        ratio = f"{ir[phase] / base:6.1f}x" if base else "      -"
        print(f"  {label:32} {ir[phase]:9.0f} {base:8.0f} {over:9.0f} {ratio} {budget:7}")
        if over > budget:
            failures.append(f"{label}: {over:.0f} instructions over the direct call, budget {budget}")
    many, one = ir.get("phase_server_write_many_opens"), ir.get("phase_server_write")
    if many is None or one is None:
        failures.append("WRITE over many opens: phase missing from the profile")
    else:
        print(f"  {'server WRITE, random of ' + str(opens) + ' opens':32} {many:9.0f} "
              f"{'':8} {many - one:+9.0f} {'':7} {'+' + str(MANY_OPENS_EXTRA):>7} (vs one open)")
        if many - one > MANY_OPENS_EXTRA:
            failures.append(f"WRITE over {opens} opens costs {many - one:.0f} more than over one "
                            f"open (budget {MANY_OPENS_EXTRA}): the OpenTable lookup is not O(1)")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
