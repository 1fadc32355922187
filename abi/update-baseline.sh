#!/usr/bin/env bash
# Records the ABI of the library as it is now as the baseline that CI
# compares with (docs/abi.md), and regenerates what derives from it and from
# lib/librsvd.map: abi/suppressions.abignore and debian/librsvd0.symbols.
# Commit the three with the change that made them necessary.
#
#   abi/update-baseline.sh [BUILD_DIR]     (default build-abi)
set -euo pipefail
cd "$(dirname "$0")/.."
lib=$(abi/build.sh "${1:-build-abi}")
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
# Only the current SONAME has a baseline.
find abi -maxdepth 1 -name '*.abi' ! -name "$soname.abi" -delete
python3 abi/policy.py abidw "$lib" include/rsvd "abi/$soname.abi"
python3 abi/policy.py suppressions "abi/$soname.abi" -o abi/suppressions.abignore
python3 abi/exports.py debian-symbols .
echo "abi/$soname.abi: $(grep -c '<elf-symbol ' "abi/$soname.abi") functions;" \
     "$(grep -c '^\[suppress_type\]' abi/suppressions.abignore) struct_size structs may grow"
