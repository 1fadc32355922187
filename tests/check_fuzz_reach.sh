#!/usr/bin/env bash
# Every decoder the public headers declare, and every decoder of rsvd-target
# (examples/rsvd-target/*.h), is called by some fuzz harness.
# The harnesses are preprocessed first, so calls made through macros count.
#
#   check_fuzz_reach.sh SOURCE_ROOT CC
set -euo pipefail
root=${1:?usage: check_fuzz_reach.sh SOURCE_ROOT CC}
cc=${2:-cc}
pre=$(mktemp)
trap 'rm -f "$pre"' EXIT
for f in "$root"/fuzz/fuzz_*.c; do
    "$cc" -E -P -D_GNU_SOURCE -I"$root/include" -I"$root/lib" -I"$root/fuzz" -I"$root/tests/support" \
        -I"$root/examples/rsvd-target" -I"$root/examples/common" "$f" \
        | grep -v '^\s*$' >> "$pre"
done
# Strip the declarations the headers contribute (RSVD_API expands to the
# visibility attribute; rsvd-target's start in the first column with their
# return type); what is left of a decoder's name is a call.
calls=$(grep -v 'visibility("default")' "$pre" |
        grep -vE '^(const )?[a-z_0-9]+ +\*?tgt_[a-z0-9_]+ *\(' || true)
missing=0
# The library's public decoders, and rsvd-target's (examples/rsvd-target).
for fn in $( (grep -hoE '\brsvd_[a-z0-9_]+_(decode|parse)\b *\(' "$root"/include/rsvd/*.h;
              grep -hoE '\btgt_[a-z0-9_]+_(decode|parse)\b *\(' "$root"/examples/rsvd-target/*.h) \
            | sed 's/ *($//; s/ *(//' | sort -u); do
    if ! grep -qE "\b$fn\b *\(" <<<"$calls"; then
        echo "no fuzz harness calls $fn"
        missing=1
    fi
done
[ $missing -eq 0 ] && echo "every public decoder, and every decoder of rsvd-target, is reached by a fuzz harness"
exit $missing
