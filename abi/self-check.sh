#!/usr/bin/env bash
# Proves the ABI check (abi/policy.py, docs/abi.md) on a small library,
# abi/selfcheck/sc.h: built once as the baseline and once per variant, each
# variant compared with the baseline exactly as abi/check.sh compares
# librsvd. Fails unless every break is caught and every allowed change
# accepted.
#
#   abi/self-check.sh        (CC=... to use another compiler than gcc)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-gcc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build() {  # build NAME [MACRO]: $work/NAME/librsvd_sc.so and its header
    mkdir -p "$work/$1/include"
    cp "$here/selfcheck/sc.h" "$work/$1/include/"
    "$cc" -std=c11 -g -O0 -fPIC -shared -fvisibility=hidden ${2:+-D"$2"} \
        -I"$work/$1/include" -o "$work/$1/librsvd_sc.so" "$here/selfcheck/sc.c"
}

build baseline
python3 "$here/policy.py" abidw "$work/baseline/librsvd_sc.so" "$work/baseline/include" \
    "$work/baseline.abi"
python3 "$here/policy.py" suppressions "$work/baseline.abi" -o "$work/suppressions.abignore"

# The suppressions name exactly the structs that begin with struct_size.
suppressed=$(sed -n 's/^  name = //p' "$work/suppressions.abignore" | sort | tr '\n' ' ')
if [ "$suppressed" != "rsvd_sc_config rsvd_sc_inner rsvd_sc_outer " ]; then
    echo "FAIL: the suppressions name '$suppressed', not the three struct_size structs"
    exit 1
fi

failed=0
expect() {  # expect caught|accepted VARIANT MACRO WHAT
    local want=$1 name=$2 macro=$3 what=$4 got
    build "$name" "$macro"
    if python3 "$here/policy.py" compare "$work/baseline.abi" "$work/$name/librsvd_sc.so" \
            "$work/$name/include" "$work/suppressions.abignore" >"$work/$name.log" 2>&1; then
        got=accepted
    else
        got=caught
    fi
    if [ "$got" = "$want" ]; then
        printf 'ok    %-8s %s\n' "$got" "$what"
        [ "$got" = accepted ] || printf '               by %s\n' "$(tail -n 1 "$work/$name.log" | cut -d: -f1)"
    else
        printf 'FAIL  %-8s %s (should be %s)\n' "$got" "$what" "$want"
        sed 's/^/      /' "$work/$name.log"
        failed=1
    fi
}

expect accepted same "" "the baseline itself"
expect caught remove_function SC_REMOVE_FUNCTION "(a) an exported function removed"
expect caught change_parameter SC_CHANGE_PARAMETER "(b) a parameter's type changed (uint32_t to uint64_t)"
expect caught insert_middle SC_INSERT_MIDDLE "(c) a member inserted in the middle of a struct_size struct"
expect accepted append_growable SC_APPEND_GROWABLE "(d) a member appended to a struct_size struct"
expect accepted new_function SC_NEW_FUNCTION "(e) a new function"
expect caught append_fixed SC_APPEND_FIXED "a member appended to a struct without struct_size"
expect caught change_member_type SC_CHANGE_MEMBER_TYPE \
    "a member's type changed in a struct_size struct that also grew at its end"
expect caught grow_embedded SC_GROW_EMBEDDED \
    "a struct_size struct grown while another holds it by value"
expect caught append_into_padding SC_APPEND_INTO_PADDING \
    "a member appended into a struct_size struct's tail padding (its size unchanged)"

[ $failed -eq 0 ] && echo "ABI self-check passed"
exit $failed
