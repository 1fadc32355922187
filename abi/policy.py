#!/usr/bin/env python3
"""librsvd's ABI policy (docs/abi.md), applied with libabigail.

A public struct whose first member is `size_t struct_size` (the config
structs and callback tables) may grow by members appended at its end; every
other change to a type, and every removed or changed function, is a break.
New functions are compatible.

  policy.py suppressions BASELINE.abi [-o FILE] [--check FILE]
      The libabigail suppression file of that rule: one [suppress_type] with
      has_data_member_inserted_at = end for each struct of the baseline whose
      first member is struct_size, and nothing else. Written to stdout or
      FILE; --check fails if FILE is not what would be written.

  policy.py abidw LIBRARY HEADERS_DIR OUT.abi
      The ABI of LIBRARY as the baseline records it: the types of the
      headers in HEADERS_DIR only, and no path of the machine it ran on.

  policy.py compare BASELINE.abi LIBRARY HEADERS_DIR SUPPRESSIONS
      Fails on a change the policy does not allow, in two passes:
      1. abidiff with the suppression file (added functions are not
         changes);
      2. abidiff without it, after removing from the library's ABI the
         members appended at the end of each struct_size struct, where the
         baseline's members are an exact prefix (names and offsets) of the
         new ones. libabigail 2.2 lets a suppression with
         has_data_member_inserted_at = end also hide other changes to the
         same struct (a member whose type changed, a member of a struct
         embedded by value that grew); this pass shows them. A member
         appended into the old tail padding is not removed, and so is
         reported: an older caller's struct_size would cover it.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

GROWABLE_FIRST_MEMBER = "struct_size"

# abidw's options for the baseline and for the library it is compared with:
# the types of the public headers only, and no path of the machine it ran on.
ABIDW_OPTIONS = ["--drop-private-types", "--no-show-locs", "--no-comp-dir-path",
                 "--no-corpus-path"]
ABIDIFF_OPTIONS = ["--no-default-suppression"]


def abidw(library, headers_dir, out):
    subprocess.run(["abidw", "--headers-dir", headers_dir, *ABIDW_OPTIONS,
                    "--out-file", out, library], check=True)


def struct_defs(root):
    """Every defined struct of an abixml tree (all its translation units)."""
    for decl in root.iter("class-decl"):
        if decl.get("is-struct") == "yes" and decl.get("is-declaration-only") != "yes" \
                and decl.get("name"):
            yield decl


def members(decl):
    """[(name, offset in bits, data-member element)] in layout order."""
    out = []
    for dm in decl.findall("data-member"):
        if dm.get("static") == "yes":
            continue
        var = dm.find("var-decl")
        out.append((var.get("name"), int(dm.get("layout-offset-in-bits", "0")), dm))
    return sorted(out, key=lambda m: m[1])


def type_names(root):
    """{type id: name} for the named types (typedefs, base types) of a tree."""
    return {e.get("id"): e.get("name") for e in root.iter()
            if e.get("id") and e.get("name") and e.tag in ("typedef-decl", "type-decl")}


def growable_structs(root):
    """{struct name: ([(member name, offset)], size in bits)} of the structs
    whose first member is `size_t struct_size`."""
    names = type_names(root)
    out = {}
    for decl in struct_defs(root):
        mem = members(decl)
        if not mem or mem[0][0] != GROWABLE_FIRST_MEMBER or mem[0][1] != 0:
            continue
        if names.get(mem[0][2].find("var-decl").get("type-id")) != "size_t":
            continue
        out[decl.get("name")] = ([(n, o) for n, o, _ in mem], decl.get("size-in-bits"))
    return out


def suppressions_text(baseline):
    growable = growable_structs(ET.parse(baseline).getroot())
    lines = [
        f"# Generated from abi/{os.path.basename(baseline)} by abi/policy.py suppressions;",
        "# do not edit. docs/abi.md: a struct whose first member is size_t struct_size",
        "# may grow by members appended at its end; nothing else is suppressed.",
    ]
    if not growable:
        lines.append("# (No struct of the baseline begins with struct_size.)")
    for name in sorted(growable):
        lines += ["", "[suppress_type]", "  type_kind = struct", f"  name = {name}",
                  "  has_data_member_inserted_at = end"]
    return "\n".join(lines) + "\n"


def cmd_suppressions(args):
    text = suppressions_text(args.baseline)
    if args.check:
        with open(args.check, encoding="utf-8") as fh:
            if fh.read() != text:
                print(f"{args.check} is not what {args.baseline} gives: run abi/update-baseline.sh")
                return 1
        print(f"{args.check} is current")
        return 0
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


def strip_appended(baseline_root, new_root):
    """Removes from new_root the members appended at the end of each growable
    struct of the baseline; returns the names of the structs it shrank."""
    growable = growable_structs(baseline_root)
    shrunk = set()
    for decl in struct_defs(new_root):
        name = decl.get("name")
        if name not in growable:
            continue
        old, old_size = growable[name]
        new = members(decl)
        if [(n, o) for n, o, _ in new[:len(old)]] != old or len(new) == len(old):
            continue  # not an append: left for abidiff to report
        # A member in the old tail padding is inside the struct_size an
        # older caller passes: the library could not tell it was not set.
        if new[len(old)][1] < int(old_size):
            continue
        for _, _, dm in new[len(old):]:
            decl.remove(dm)
        decl.set("size-in-bits", old_size)
        shrunk.add(name)
    return shrunk


def abidiff(old, new, extra, added_are_changes=False):
    added = [] if added_are_changes else ["--no-added-syms"]
    run = subprocess.run(["abidiff", *ABIDIFF_OPTIONS, *added, *extra, old, new],
                         capture_output=True, text=True)
    return run.returncode, run.stdout + run.stderr


def cmd_compare(args):
    with tempfile.TemporaryDirectory() as tmp:
        # Both sides as abidw records them: the public headers' types, no
        # locations (a type without one would count as private to abidiff's
        # --headers-dir, and its changes would be filtered out).
        new_abi = os.path.join(tmp, "new.abi")
        abidw(args.library, args.headers_dir, new_abi)
        rc, report = abidiff(args.baseline, new_abi, ["--suppressions", args.suppressions])
        if rc != 0:
            print(report)
            print(f"pass 1 (abidiff, {os.path.basename(args.suppressions)}): "
                  f"a change the ABI policy does not allow (abidiff status {rc})")
            return 1
        # What was added, for the record (compatible, not a failure).
        added_rc, added = abidiff(args.baseline, new_abi,
                                  ["--suppressions", args.suppressions], added_are_changes=True)
        stripped_abi = os.path.join(tmp, "stripped.abi")
        tree = ET.parse(new_abi)
        shrunk = strip_appended(ET.parse(args.baseline).getroot(), tree.getroot())
        tree.write(stripped_abi)
        rc, report = abidiff(args.baseline, stripped_abi, [])
        if rc != 0:
            print(report)
            print("pass 2 (abidiff, appended struct_size members removed): "
                  f"a change the ABI policy does not allow (abidiff status {rc})")
            return 1
    if added_rc != 0:
        print(added)
    grown = f"; grown at the end: {', '.join(sorted(shrunk))}" if shrunk else ""
    print(f"the ABI of {os.path.basename(args.library)} is compatible with "
          f"{os.path.basename(args.baseline)}{grown}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("suppressions")
    s.add_argument("baseline")
    s.add_argument("-o", "--output")
    s.add_argument("--check", metavar="FILE")
    w = sub.add_parser("abidw")
    w.add_argument("library")
    w.add_argument("headers_dir")
    w.add_argument("output")
    c = sub.add_parser("compare")
    c.add_argument("baseline")
    c.add_argument("library")
    c.add_argument("headers_dir")
    c.add_argument("suppressions")
    args = parser.parse_args()
    if args.command == "abidw":
        abidw(args.library, args.headers_dir, args.output)
        return 0
    return cmd_suppressions(args) if args.command == "suppressions" else cmd_compare(args)


if __name__ == "__main__":
    sys.exit(main())
