#!/usr/bin/env bash
# Model check of the preserved-open lifecycle (tests/model/resilient_open.pml,
# docs/model.md) with spin: an exhaustive search of the model of the library
# for assertion violations and for each LTL claim, which must find nothing;
# then the variants with a known bug, each of which must violate its claim.
# Fails on any unexpected result. Needs spin and a C compiler.
#
#   tests/model/check.sh            # N=2 opens of every kind (the CI run)
#   SPIN_DEFS='-DN=3' tests/model/check.sh   # hours and gigabytes
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
model=$here/resilient_open.pml
cc=${CC:-cc}
command -v spin >/dev/null || { echo "spin not found (apt-get install spin)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
read -r -a defs <<<"${SPIN_DEFS:-}"
claims=(a_closed_once b_no_stale_close c_not_kept d_not_early e_persistent_kept
        f_no_broken_reclaim)
# The DFS stack: deeper than any path of the model (a few thousand steps).
depth=1000000

# Builds pan for the model with extra spin -D options in $dir.
build() {
    local dir=$1; shift
    mkdir -p "$dir"
    cp "$model" "$dir/"
    (cd "$dir" && spin "${defs[@]}" "$@" -a resilient_open.pml >/dev/null \
        && "$cc" -O1 -w -o pan pan.c \
        && "$cc" -O1 -w -DSAFETY -DNOCLAIM -o pan_safety pan.c)
}

# Runs pan with the given options, prints a one-line summary and sets
# $errors to the number of errors it found. Fails if the search was cut
# short without finding an error.
errors=
run() {
    local dir=$1 label=$2; shift 2
    local out="$dir/$label.out"
    (cd "$dir" && ./"$@" >"$out" 2>&1) || true
    errors=$(grep -o -E 'errors: [0-9]+' "$out" | grep -o -E '[0-9]+$' || echo '?')
    if grep -q -E 'max search depth too small|out of memory' "$out" ||
        { [ "$errors" = 0 ] && grep -q 'Search not completed' "$out"; }; then
        cat "$out"
        echo "model check: the search of $label was cut short" >&2
        exit 1
    fi
    local states secs
    states=$(grep -E 'states, stored' "$out" | awk '{print $1}' | head -n 1)
    secs=$(grep -E 'pan: elapsed time' "$out" | awk '{print $4}')
    printf '  %-42s errors %-3s states %-9s %ss\n' "$label" "$errors" "${states:-?}" "${secs:-0}"
}

fail=0
start=$SECONDS
echo "spin model check of $model ${defs[*]}"
build "$work/model"
run "$work/model" safety pan_safety -m$depth
[ "$errors" = 0 ] || { fail=1; cat "$work/model/safety.out"; }
for c in "${claims[@]}"; do
    run "$work/model" "$c" pan -a -N "$c" -m$depth
    [ "$errors" = 0 ] || { fail=1; cat "$work/model/$c.out"; }
done

echo "variants with a known bug (each must violate its claim):"
# variant:claim it must violate
variants=(
    SPEC_P2_SCAVENGER:b_no_stale_close
    BUG_CLOSE_KEEPS_DEADLINE:a_closed_once
    BUG_LATE_EXPIRY:c_not_kept
    BUG_EARLY_EXPIRY:d_not_early
    SPEC_D5_BREAK:e_persistent_kept
    BUG_NO_CACHING_CHECK:f_no_broken_reclaim
)
for v in "${variants[@]}"; do
    name=${v%%:*} claim=${v##*:}
    build "$work/$name" "-D$name" -DNO_INVARIANTS
    run "$work/$name" "${name}:$claim" pan -a -N "$claim" -m$depth
    if [ "$errors" = 0 ] || ! grep -q "assertion violated" "$work/$name/${name}:$claim.out"; then
        echo "model check: variant $name did not violate $claim" >&2
        fail=1
    fi
done

echo "model check: $((SECONDS - start))s"
if [ "$fail" -ne 0 ]; then
    echo "model check: FAILED" >&2
    exit 1
fi
echo "model check: passed"
