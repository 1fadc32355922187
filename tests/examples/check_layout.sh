#!/bin/sh
# The examples' layout (examples/common/README.md):
#  - every example builds from its own folder and examples/common/ only:
#    no meson.build names a file of another folder, and every quoted
#    #include names a header of the example's folder or of common/;
#  - no example header has the name of a public header (include/rsvd/),
#    which it would shadow in a reader's mind and in an include path, nor
#    of a header of the template (examples/common/).
#
#   check_layout.sh SOURCE_ROOT
root=$1
status=0
fail() {
    echo "FAIL: $*"
    status=1
}

public=$(cd "$root/include/rsvd" && ls -- *.h)
for dir in "$root"/examples/*/; do
    ex=$(basename "$dir")
    if grep -n "'\.\./" "$dir/meson.build" >/dev/null 2>&1; then
        fail "examples/$ex/meson.build names a file outside its folder:" \
             "$(grep -n "'\.\./" "$dir/meson.build")"
    fi
    for src in "$dir"*.c "$dir"*.h; do
        [ -e "$src" ] || continue
        for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$src"); do
            case "$inc" in
                */*) fail "examples/$ex/$(basename "$src") includes \"$inc\" (a path)"; continue ;;
            esac
            [ -e "$dir$inc" ] || [ -e "$root/examples/common/$inc" ] ||
                fail "examples/$ex/$(basename "$src") includes \"$inc\", which is neither in" \
                     "examples/$ex/ nor in examples/common/"
        done
    done
    for h in "$dir"*.h; do
        [ -e "$h" ] || continue
        for p in $public; do
            [ "$(basename "$h")" = "$p" ] &&
                fail "examples/$ex/$p has the name of the public header <rsvd/$p>"
        done
        # A header of the template that an example also has would be found
        # first by one file and second by another.
        [ "$ex" != common ] && [ -e "$root/examples/common/$(basename "$h")" ] &&
            fail "examples/$ex/$(basename "$h") has the name of the template's examples/common/$(basename "$h")"
    done
done
[ "$status" -eq 0 ] && echo "PASS: every example builds from its folder and examples/common/; no header shadows <rsvd/*.h> or the template"
exit "$status"
