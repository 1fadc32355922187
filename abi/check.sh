#!/usr/bin/env bash
# CI's ABI check (docs/abi.md): builds librsvd as abi/build.sh does and
# compares it with the baseline of its SONAME, abi/<SONAME>.abi. Fails on a
# change that breaks compatibility; new functions and members appended to a
# struct that begins with struct_size are compatible.
#
#   abi/check.sh [BUILD_DIR]     (default build-abi)
set -euo pipefail
cd "$(dirname "$0")/.."
lib=$(abi/build.sh "${1:-build-abi}")
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
baseline=abi/$soname.abi
if [ ! -f "$baseline" ]; then
    echo "no baseline $baseline for SONAME $soname: a deliberate break bumps the SONAME" \
         "and the baseline in the same commit (abi/update-baseline.sh)"
    exit 1
fi
python3 abi/policy.py suppressions "$baseline" --check abi/suppressions.abignore
python3 abi/policy.py compare "$baseline" "$lib" include/rsvd abi/suppressions.abignore
