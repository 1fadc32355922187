#!/usr/bin/env bash
# The public headers' layers (docs/architecture.md, "Public headers"):
#  - every header compiles on its own;
#  - a core header includes only core headers (no codec, SCSI, pcap or
#    built-in backend header comes with <rsvd/rsvd.h>);
#  - the codec headers know nothing of storage (no backend header).
#
#   check_header_layers.sh SOURCE_ROOT CC
set -euo pipefail
root=${1:?usage: check_header_layers.sh SOURCE_ROOT CC}
cc=${2:-cc}
core="rsvd common status store fscc smb2 svhdx backend server resilient resilient_server resilient_client"
toolkit="wire wire_smb2 wire_rsvd scsi pcap"
backends="block file_store scsi_disk iscsi_disk nbd_block memory_store tdb_store"
storage="backend $backends"
in_list() { local x=$1; shift; for y in "$@"; do [ "$x" = "$y" ] && return 0; done; return 1; }
# The rsvd/ headers that @p header pulls in, itself excluded.
deps() {
    "$cc" -std=c11 -M -I"$root/include" -x c "$root/include/rsvd/$1.h" -o - 2>/dev/null |
        tr ' \\' '\n\n' | sed -n 's|^.*include/rsvd/\([a-z_0-9]*\)\.h$|\1|p' | sort -u |
        grep -vx "$1" || true
}
fail=0
for h in $core $toolkit $backends; do
    [ -f "$root/include/rsvd/$h.h" ] || { echo "missing include/rsvd/$h.h"; fail=1; continue; }
    if ! printf '#include <rsvd/%s.h>\n' "$h" |
            "$cc" -std=c11 -fsyntax-only -Wall -Wextra -Werror -I"$root/include" -x c - 2>/dev/null; then
        echo "rsvd/$h.h does not compile on its own"; fail=1
    fi
done
for h in $(cd "$root/include/rsvd" && ls *.h | sed 's/\.h$//'); do
    in_list "$h" $core $toolkit $backends || { echo "rsvd/$h.h belongs to no layer"; fail=1; }
done
for h in $core; do
    for d in $(deps "$h"); do
        in_list "$d" $core || { echo "core header rsvd/$h.h includes rsvd/$d.h"; fail=1; }
    done
done
for h in wire wire_smb2 wire_rsvd; do
    for d in $(deps "$h"); do
        in_list "$d" $storage && { echo "codec header rsvd/$h.h includes rsvd/$d.h"; fail=1; }
    done
done
[ $fail -eq 0 ] && echo "public headers: core $(echo $core | wc -w), toolkit $(echo $toolkit | wc -w), built-in backends $(echo $backends | wc -w); layers respected"
exit $fail
