#!/usr/bin/env bash
# Builds librsvd the one way its ABI is recorded and checked (docs/abi.md):
# gcc, debug information without optimisation, the shared library only,
# both optional backends. Prints the path of the built librsvd.so.
#
#   abi/build.sh [BUILD_DIR]     (default build-abi, wiped first)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-abi}
rm -rf "$build"
CC=gcc meson setup "$build" --buildtype=debug -Ddefault_library=shared \
    -Dtests=disabled -Dexamples=false -Ddocs=disabled -Dfuzzing=false \
    -Discsi=enabled -Dnbd=enabled >"$build.log" 2>&1 || { cat "$build.log"; exit 1; }
ninja -C "$build" >>"$build.log" 2>&1 || { cat "$build.log"; exit 1; }
rm -f "$build.log"
echo "$build/lib/librsvd.so"
