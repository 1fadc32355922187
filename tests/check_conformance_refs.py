#!/usr/bin/env python3
"""Every test that docs/conformance.md (and docs/stores.md) names exists.

Reads the last column of every table row of those documents, takes each
name that looks like a test (a snake_case identifier, or a file name), and
checks that a function of that name is defined (or called) in tests/, fuzz/
or examples/, and that
the file exists. A rule listed with a test that is not there is a defect.

Usage: check_conformance_refs.py SOURCE_ROOT
"""
import os
import re
import sys


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    sources = {}
    for top in ("tests", "fuzz", "examples"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith((".c", ".py", ".sh", ".pml")):
                    path = os.path.join(dirpath, f)
                    with open(path, encoding="utf-8", errors="replace") as fh:
                        sources[path] = fh.read()
    names = {os.path.basename(p) for p in sources}
    everything = "\n".join(sources.values())
    missing, checked, rows = [], 0, 0
    lines = []
    for name in ("conformance.md", "stores.md"):
        with open(os.path.join(root, "docs", name), encoding="utf-8") as fh:
            lines += fh.readlines()
    for line in lines:
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[-1] in ("Test", "Tests", "Checked by"):
            continue
        rows += 1
        col = cells[-1]
        for fname in re.findall(r"\b([a-z0-9_\-]+\.(?:c|py|sh|pml))\b", col):
            checked += 1
            if fname not in names:
                missing.append(f"file {fname} (row: {cells[0][:60]})")
        for name in re.findall(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+){2,})\b", col):
            if name.startswith(("test_", "fuzz_")) or name in ("rsvd_demo",):
                continue  # file stems and program names, checked above
            checked += 1
            if not re.search(r"\b" + re.escape(name) + r"\s*\(", everything):
                missing.append(f"test {name} (row: {cells[0][:60]})")
    print(f"{rows} rows, {checked} test references checked")
    for m in missing:
        print("MISSING:", m)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
