#!/usr/bin/env bash
# Installs a configured build into a temporary DESTDIR and checks that the
# result is usable: headers under include/rsvd/, the shared and static
# libraries, and an rsvd.pc with which a program including <rsvd/rsvd.h>
# compiles, links and runs.
set -euo pipefail
build=${1:?usage: install_check.sh BUILD_DIR}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

DESTDIR="$dest" meson install -C "$build" --quiet
prefix=$(meson introspect "$build" --buildoptions \
    | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
root="$dest$prefix"

pc=$(find "$root" -name rsvd.pc | head -n 1)
[ -n "$pc" ] || { echo "rsvd.pc not installed"; exit 1; }
[ -f "$root/include/rsvd/rsvd.h" ] || { echo "rsvd/rsvd.h not installed"; exit 1; }
find "$root" -name 'librsvd.so.0' | grep -q . || { echo "librsvd.so.0 not installed"; exit 1; }
find "$root" -name 'librsvd.a' | grep -q . || { echo "librsvd.a not installed"; exit 1; }

cat > "$dest/use.c" <<'C'
#include <rsvd/rsvd.h>
#include <stdio.h>
int main(void)
{
    char buf[64];
    printf("librsvd %s: %s\n", rsvd_version(),
           rsvd_status_format(RSVD_STATUS_SVHDX_ERROR_STORED | 1u, buf, sizeof buf));
    return 0;
}
C
export PKG_CONFIG_PATH="$(dirname "$pc")"
export PKG_CONFIG_SYSROOT_DIR="$dest"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -o "$dest/use" "$dest/use.c" $(pkg-config --cflags --libs rsvd)
LD_LIBRARY_PATH="$(dirname "$(find "$root" -name 'librsvd.so' | head -n 1)")" "$dest/use"
echo "install check passed"
