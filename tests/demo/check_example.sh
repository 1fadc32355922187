#!/bin/sh
# Runs a host-integration example and checks that it exits 0 and that its
# output has every line the given extended regular expressions describe.
#
#   check_example.sh PROGRAM REGEX...
prog=$1
shift
out=$("$prog" 2>&1)
status=$?
printf '%s\n' "$out"
if [ "$status" -ne 0 ]; then
    echo "FAIL: $prog exited with status $status"
    exit 1
fi
for re in "$@"; do
    if ! printf '%s\n' "$out" | grep -Eq -- "$re"; then
        echo "FAIL: no line matches: $re"
        exit 1
    fi
done
echo "PASS: exit status 0 and $# expected lines"
