#!/usr/bin/env bash
# Builds librsvd the one way its ABI is recorded and checked (docs/abi.md):
# gcc, debug information without optimisation, no tests or examples,
# both optional backends. Prints the path of the built librsvd.so.
#
#   abi/build.sh [BUILD_DIR]     (default build-abi, wiped first)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-abi}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rm -rf "$build"
CC=gcc meson setup "$build" --buildtype=debug \
    -Dtests=disabled -Dexamples=false -Ddocs=disabled -Dfuzzing=false \
    -Discsi=enabled -Dnbd=enabled -Dtdb=enabled >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
ninja -C "$build" >>"$log" 2>&1 || { cat "$log" >&2; exit 1; }
echo "$build/lib/librsvd.so"
