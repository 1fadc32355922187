#!/usr/bin/env bash
# Builds every fuzz harness the OSS-Fuzz way (docs/robustness.md):
#
#   CC, CFLAGS          compiler and flags (sanitizers, -fsanitize=fuzzer-no-link)
#   LIB_FUZZING_ENGINE  what links the engine's main (-fsanitize=fuzzer, or a
#                       driver library such as libFuzzingEngine.a)
#   OUT                 where the harnesses, their seed corpora and
#                       dictionaries go
#   SRC                 (optional) the directory that holds the checkout
#
# For each fuzz/fuzz_<name>.c it writes
#   $OUT/fuzz_<name>                  the harness, with the library built in
#   $OUT/fuzz_<name>_seed_corpus.zip  fuzz/corpus/<name> and the golden
#                                     vectors of family <name>
#   $OUT/fuzz_<name>.dict             fuzz/dict/<name>.dict, if there is one
#
# Local use:
#   CC=clang CFLAGS="-fsanitize=address,fuzzer-no-link" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out fuzz/oss-fuzz-build.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
: "${CC:?set CC}"
: "${OUT:?set OUT}"
: "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}"
CFLAGS=${CFLAGS:-}
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck disable=SC2206
cflags=($CFLAGS -std=c11 -D_FILE_OFFSET_BITS=64 -I"$here/include" -I"$here/lib"
        -I"$here/tests/support" -I"$here/examples/common")
# shellcheck disable=SC2206
engine=($LIB_FUZZING_ENGINE)

# The library: every source but the optional backends over libiscsi and
# libnbd and the TDB store over libtdb, which no harness needs.
objs=()
for src in "$here"/lib/*/*.c; do
    case "$src" in
        */iscsi_*.c | */nbd_block.c | */tdb_store.c) continue ;;
    esac
    obj="$work/lib_$(basename "$(dirname "$src")")_$(basename "$src" .c).o"
    "$CC" "${cflags[@]}" -c "$src" -o "$obj"
    objs+=("$obj")
done
# Test support the stateful harnesses use (the scriptable fake backend, the
# counting, failing allocator, the failing state store).
for support in fake_backend fail_alloc faulty_store; do
    "$CC" "${cflags[@]}" -c "$here/tests/support/$support.c" -o "$work/$support.o"
    objs+=("$work/$support.o")
done
# The integrator template's codecs that fuzz_smb2_setup feeds.
for codec in smb2_setup_negotiate smb2_setup_session smb2_setup_tree; do
    "$CC" "${cflags[@]}" -c "$here/examples/common/$codec.c" -o "$work/$codec.o"
    objs+=("$work/$codec.o")
done
# rsvd-target's codecs, which its harnesses (fuzz_target_*) reach.
cflags+=(-I"$here/examples/rsvd-target")
for src in fscc_info framing ntlmssp_msg smb2_negotiate smb2_query_directory smb2_session \
           smb2_simple smb2_tree spnego timeutil utf16 vfs; do
    "$CC" "${cflags[@]}" -D_GNU_SOURCE -c "$here/examples/rsvd-target/$src.c" -o "$work/target_$src.o"
    objs+=("$work/target_$src.o")
done

# The seed corpora: the committed corpus, plus the golden vectors that
# seed_corpus writes per family.
"$CC" "${cflags[@]}" "$here/fuzz/seed_corpus.c" "$here/tests/support/golden.c" \
    -o "$work/seed_corpus"
"$work/seed_corpus" "$work/golden"

zip_dir() { # zip_dir OUT.zip DIR...: every file, flat
    local zipfile=$1
    shift
    rm -f "$zipfile"
    local files=()
    local d
    for d in "$@"; do
        [ -d "$d" ] || continue
        while IFS= read -r -d '' f; do files+=("$f"); done \
            < <(find "$d" -maxdepth 1 -type f -print0 | sort -z)
    done
    [ ${#files[@]} -gt 0 ] || return 0
    if command -v zip >/dev/null; then
        zip -q -j "$zipfile" "${files[@]}"
    else
        python3 - "$zipfile" "${files[@]}" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for i, f in enumerate(sys.argv[2:]):
        # names from two directories may clash: keep both
        z.write(f, "%s_%d" % (os.path.basename(f), i))
PY
    fi
}

built=0
for src in "$here"/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    family=${name#fuzz_}
    extra=()
    case "$family" in target_*) extra=(-D_GNU_SOURCE) ;; esac
    "$CC" "${cflags[@]}" "${extra[@]}" -c "$src" -o "$work/$name.o"
    "$CC" "${cflags[@]}" "$work/$name.o" "${objs[@]}" "${engine[@]}" -o "$OUT/$name"
    zip_dir "$OUT/${name}_seed_corpus.zip" "$here/fuzz/corpus/$family" "$work/golden/$family"
    if [ -f "$here/fuzz/dict/$family.dict" ]; then
        cp "$here/fuzz/dict/$family.dict" "$OUT/$name.dict"
    fi
    built=$((built + 1))
done
echo "built $built harnesses into $OUT"
