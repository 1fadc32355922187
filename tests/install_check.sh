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
# Every public header is installed (the optional backends' only when built).
src=$(cd "$(dirname "$0")/.." && pwd)
for h in "$src"/include/rsvd/*.h; do
    name=${h##*/}
    case "$name" in iscsi_disk.h|nbd_block.h|tdb_store.h) continue ;; esac
    [ -f "$root/include/rsvd/$name" ] || { echo "rsvd/$name not installed"; exit 1; }
done

cat > "$dest/use.c" <<'C'
#include <rsvd/rsvd.h>
#include <stdio.h>
static void on_reply(void *ctx, const rsvd_server_reply *reply)
{
    (void)ctx;
    (void)reply;
}
int main(void)
{
    char buf[64];
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.service_version = RSVD_PROTOCOL_VERSION_1;
    cfg.reply = on_reply;
    rsvd_server *srv = NULL;
    if (rsvd_server_new(&cfg, &srv) != RSVD_OK || rsvd_server_free(srv) != RSVD_OK)
        return 1;
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

# The real-storage backends' headers are installed only when their backend
# was built (meson features iscsi, nbd); when they are, they must be usable.
libdir="$(dirname "$(find "$root" -name 'librsvd.so' | head -n 1)")"
if [ -f "$root/include/rsvd/iscsi_disk.h" ]; then
    cat > "$dest/use_iscsi.c" <<'C'
#include <rsvd/iscsi_disk.h>
#include <stdio.h>
int main(void)
{
    char name[RSVD_ISCSI_NAME_MAX + 1];
    return rsvd_iscsi_initiator_name(NULL, NULL, false, name, sizeof name) == RSVD_OK
               && printf("%s\n", name) > 0 ? 0 : 1;
}
C
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Werror -o "$dest/use_iscsi" "$dest/use_iscsi.c" $(pkg-config --cflags --libs rsvd)
    LD_LIBRARY_PATH="$libdir" "$dest/use_iscsi"
fi
if [ -f "$root/include/rsvd/nbd_block.h" ]; then
    cat > "$dest/use_nbd.c" <<'C'
#include <rsvd/nbd_block.h>
#include <stdio.h>
int main(void)
{
    rsvd_nbd_block *nb;
    rsvd_backend_diag why;
    rsvd_nbd_block_config cfg = RSVD_STRUCT_INIT(rsvd_nbd_block_config);
    return rsvd_nbd_block_open(&cfg, &nb, &why) == RSVD_E_INVAL && printf("%s\n", why.reason) > 0
               ? 0 : 1;
}
C
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Werror -o "$dest/use_nbd" "$dest/use_nbd.c" $(pkg-config --cflags --libs rsvd)
    LD_LIBRARY_PATH="$libdir" "$dest/use_nbd"
fi
if [ -f "$root/include/rsvd/tdb_store.h" ]; then
    cat > "$dest/use_tdb.c" <<'C'
#include <rsvd/tdb_store.h>
#include <stdio.h>
int main(void)
{
    rsvd_tdb_store *ts;
    rsvd_backend_diag why;
    rsvd_tdb_store_config cfg = RSVD_STRUCT_INIT(rsvd_tdb_store_config);
    return rsvd_tdb_store_open(&cfg, &ts, &why) == RSVD_E_INVAL && printf("%s\n", why.reason) > 0
               ? 0 : 1;
}
C
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Werror -o "$dest/use_tdb" "$dest/use_tdb.c" $(pkg-config --cflags --libs rsvd)
    LD_LIBRARY_PATH="$libdir" "$dest/use_tdb"
fi
# rsvd-demo is installed (when the examples are built) and runs from there.
if meson introspect "$build" --buildoptions \
    | python3 -c 'import json,sys; sys.exit(0 if [o["value"] for o in json.load(sys.stdin) if o["name"]=="examples"][0] else 1)'; then
    demo=$(find "$root" -path '*/bin/rsvd-demo' | head -n 1)
    [ -n "$demo" ] || { echo "rsvd-demo not installed"; exit 1; }
    LD_LIBRARY_PATH="$libdir" "$demo" --quiet --pcap "$dest/rsvd-demo.pcap"
    [ -s "$dest/rsvd-demo.pcap" ] || { echo "the installed rsvd-demo wrote no capture"; exit 1; }
fi
echo "install check passed"
