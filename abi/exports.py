#!/usr/bin/env python3
"""librsvd's exported symbols, in the three places that name them.

- the RSVD_API declarations of include/rsvd/*.h;
- the version script lib/librsvd.map (every symbol by name, in a version node);
- the dynamic symbol table of the built librsvd.so (nm -D --defined-only).

  exports.py check SOURCE_ROOT LIBRARY [--nm NM] [--unbuilt HEADER ...]
      Fails unless the three agree: the map lists exactly the declared
      functions, each once; the library defines exactly the functions of the
      headers that were built (a header given with --unbuilt belongs to an
      optional backend that was not: its functions are in the map but not in
      the library), each at the version node the map gives it, and nothing
      else.

  exports.py debian-symbols SOURCE_ROOT [--check]
      Writes debian/librsvd0.symbols from the map (--check: fails if the
      committed file differs from what would be written).
"""
import argparse
import os
import re
import subprocess
import sys

# The package version that introduced each version node. A node named
# LIBRSVD_<major>.<minor> came with <major>.<minor>.0; the first node of a
# SONAME came with the first release of that SONAME.
FIRST_RELEASE = {"LIBRSVD_0": "0.1.0"}

SONAME = "librsvd.so.0"
PACKAGE = "librsvd0"
DEV_PACKAGE = "librsvd-dev"


def strip_c_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def header_declarations(include_dir):
    """{header file name: set of function names declared RSVD_API}."""
    decls = {}
    for name in sorted(os.listdir(include_dir)):
        if not name.endswith(".h"):
            continue
        with open(os.path.join(include_dir, name), encoding="utf-8") as fh:
            text = strip_c_comments(fh.read())
        # Preprocessor lines hold RSVD_API's own definition, not declarations.
        text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
        # RSVD_API <return type> <name>(: the identifier before the first '('.
        decls[name] = set(re.findall(r"\bRSVD_API\b[^;(]*?\b(\w+)\s*\(", text))
    return decls


def parse_map(path):
    """[(node, [symbols in file order], has 'local: *')] of a version script."""
    with open(path, encoding="utf-8") as fh:
        text = re.sub(r"#[^\n]*", " ", strip_c_comments(fh.read()))
    nodes = []
    for node, body in re.findall(r"([A-Za-z_][\w.]*)\s*\{(.*?)\}\s*[\w.]*\s*;", text, flags=re.S):
        symbols, local_all, section = [], False, None
        for token in re.findall(r"global\s*:|local\s*:|[^\s;]+", body):
            if re.fullmatch(r"global\s*:", token):
                section = "global"
            elif re.fullmatch(r"local\s*:", token):
                section = "local"
            elif section == "global":
                symbols.append(token)
            elif section == "local" and token == "*":
                local_all = True
            else:
                raise SystemExit(f"{path}: unexpected '{token}' in node {node}")
        nodes.append((node, symbols, local_all))
    if not nodes:
        raise SystemExit(f"{path}: no version node")
    return nodes


def map_versions(path, problems):
    """{symbol: version node} of the map; what is wrong with it goes to problems."""
    versions = {}
    nodes = parse_map(path)
    for i, (node, symbols, local_all) in enumerate(nodes):
        if not node.startswith("LIBRSVD_"):
            problems.append(f"version node {node} is not named LIBRSVD_*")
        if local_all != (i == 0):
            problems.append(f"node {node}: 'local: *;' belongs to the first node, and only there")
        if symbols != sorted(symbols):
            problems.append(f"node {node}: symbols are not in sorted order")
        for sym in symbols:
            if any(c in sym for c in "*?["):
                problems.append(f"node {node}: '{sym}' is a pattern; list each symbol by name")
            if sym in versions:
                problems.append(f"{sym} is listed twice ({versions[sym]} and {node})")
            versions.setdefault(sym, node)
    return versions


def library_symbols(nm, library):
    """({symbol: version}, {symbol: nm type}, set of version definitions)."""
    out = subprocess.run([nm, "-D", "--defined-only", "--with-symbol-versions", library],
                         check=True, capture_output=True, text=True).stdout
    versions, kinds, definitions = {}, {}, set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) != 3:
            continue
        kind, name = fields[1], fields[2]
        if kind == "A" and "@" not in name:
            definitions.add(name)  # a version node's own symbol
            continue
        sym, _, version = name.partition("@@")
        if not version:
            sym, _, version = name.partition("@")
        versions[sym] = version
        kinds[sym] = kind
    return versions, kinds, definitions


def check(args):
    root = args.source_root
    problems = []
    decls = header_declarations(os.path.join(root, "include", "rsvd"))
    unknown = set(args.unbuilt) - set(decls)
    if unknown:
        raise SystemExit(f"--unbuilt names no header of include/rsvd: {sorted(unknown)}")
    declared = set().union(*decls.values())
    built = set().union(*(s for h, s in decls.items() if h not in args.unbuilt))
    for sym in sorted(s for s in declared if not s.startswith("rsvd_")):
        problems.append(f"{sym} is declared RSVD_API without the rsvd_ prefix")

    map_path = os.path.join(root, "lib", "librsvd.map")
    in_map = map_versions(map_path, problems)
    for sym in sorted(declared - set(in_map)):
        problems.append(f"{sym} is declared RSVD_API but not listed in lib/librsvd.map")
    for sym in sorted(set(in_map) - declared):
        problems.append(f"{sym} is listed in lib/librsvd.map but no header declares it RSVD_API")

    exported, kinds, definitions = library_symbols(args.nm, args.library)
    for sym in sorted(built - set(exported)):
        problems.append(f"{sym} is declared RSVD_API but {os.path.basename(args.library)} does not export it")
    for sym in sorted(set(exported) - built):
        where = "an optional backend's header that was not built" if sym in declared else "no public header"
        problems.append(f"{os.path.basename(args.library)} exports {sym}, declared by {where}")
    for sym in sorted(set(exported) & set(in_map)):
        if exported[sym] != in_map[sym]:
            problems.append(f"{sym} has version '{exported[sym]}' in the library, {in_map[sym]} in the map")
        if kinds[sym] != "T":
            problems.append(f"{sym} is exported as nm type {kinds[sym]}, not a function (T)")
    nodes = {node for node, _, _ in parse_map(map_path)}
    if definitions != nodes:
        problems.append(f"the library defines versions {sorted(definitions)}, the map {sorted(nodes)}")

    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"{len(in_map)} symbols: the map and the headers agree; the library exports the "
          f"{len(built)} of the built headers, each at its version")
    return 0


def debian_symbols_text(root):
    problems = []
    versions = map_versions(os.path.join(root, "lib", "librsvd.map"), problems)
    if problems:
        raise SystemExit("\n".join(problems))
    nodes = [node for node, _, _ in parse_map(os.path.join(root, "lib", "librsvd.map"))]

    def release(node):
        if node in FIRST_RELEASE:
            return FIRST_RELEASE[node]
        m = re.fullmatch(r"LIBRSVD_(\d+)\.(\d+)", node)
        if not m:
            raise SystemExit(f"version node {node}: no release known (abi/exports.py FIRST_RELEASE)")
        return f"{m.group(1)}.{m.group(2)}.0"

    lines = [
        "# Generated from lib/librsvd.map by abi/exports.py debian-symbols; do not edit.",
        f"{SONAME} {PACKAGE} #MINVER#",
        f"* Build-Depends-Package: {DEV_PACKAGE}",
    ]
    entries = [(f"{node}@{node}", release(node)) for node in nodes]
    entries += [(f"{sym}@{node}", release(node)) for sym, node in versions.items()]
    lines += [f" {name} {ver}" for name, ver in sorted(entries)]
    return "\n".join(lines) + "\n"


def debian_symbols(args):
    path = os.path.join(args.source_root, "debian", f"{PACKAGE}.symbols")
    text = debian_symbols_text(args.source_root)
    if args.check:
        try:
            with open(path, encoding="utf-8") as fh:
                current = fh.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print(f"debian/{PACKAGE}.symbols is not what lib/librsvd.map gives: "
                  "run abi/exports.py debian-symbols .")
            return 1
        print(f"debian/{PACKAGE}.symbols is current")
        return 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check")
    c.add_argument("source_root")
    c.add_argument("library")
    c.add_argument("--nm", default="nm")
    c.add_argument("--unbuilt", action="append", default=[], metavar="HEADER")
    d = sub.add_parser("debian-symbols")
    d.add_argument("source_root")
    d.add_argument("--check", action="store_true")
    args = parser.parse_args()
    return check(args) if args.command == "check" else debian_symbols(args)


if __name__ == "__main__":
    sys.exit(main())
