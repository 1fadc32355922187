#!/usr/bin/env bash
# A clustered store behind the same interface (docs/scale-out.md): two
# ctdbd nodes on loopback share a persistent (replicated) TDB database.
# Through the ctdb tool, which speaks to each node's daemon as a clustered
# store would:
#  - a batch of records written in one transaction on node 0 (ptrans, what
#    rsvd_store_ops.apply would do) is read on node 1 (pfetch);
#  - a replacement on node 1 and a removal on node 0 are seen on the other;
#  - each node's local copy is a TDB file whose values carry CTDB's 24-byte
#    record header (tdbdump): a clustered store talks to ctdbd, it cannot
#    open CTDB's files with the TDB store;
#  - node 0 is killed (SIGKILL): node 1 still returns the record node 0
#    wrote, once the cluster has recovered, and goes on writing.
# The nodes listen on two addresses of 127.0.0.0/8 picked at random (so that
# another cluster on this machine does not collide), run from a private
# directory in test mode, and are stopped by their PID on every exit path.
#
# SKIP (exit 77) with the reason when ctdbd is missing or the cluster does
# not become healthy; a failure instead where RSVD_INTEGRATION_REQUIRED=1.
set -euo pipefail

skip() {
    if [ "${RSVD_INTEGRATION_REQUIRED:-}" = 1 ]; then
        echo "FAIL: $* (RSVD_INTEGRATION_REQUIRED=1: this test must run here)"
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}
fail() {
    echo "FAIL: $*"
    for n in 0 1; do
        [ -f "$dir/node.$n/stdout" ] && { echo "--- node $n"; tail -n 20 "$dir/node.$n/stdout"; }
    done
    exit 1
}

ctdbd=$(command -v ctdbd || ls /usr/sbin/ctdbd 2>/dev/null || true)
ctdb=$(command -v ctdb || true)
tdbdump=$(command -v tdbdump || true)
[ -n "$ctdbd" ] && [ -n "$ctdb" ] || skip "ctdbd or ctdb not found (Debian package ctdb)"
[ -n "$tdbdump" ] || skip "tdbdump not found (Debian package tdb-tools)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/rsvd-ctdb-XXXXXX")
pids=()
cleanup() {
    for n in "${!pids[@]}"; do
        pid=${pids[$n]}
        kill -0 "$pid" 2>/dev/null || continue
        CTDB_TEST_MODE=yes CTDB_BASE="$dir/node.$n" timeout 5 "$ctdb" shutdown >/dev/null 2>&1 || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap cleanup EXIT

net="127.$((100 + RANDOM % 100)).$((RANDOM % 250))"
for n in 0 1; do
    d="$dir/node.$n"
    mkdir -p "$d/volatile" "$d/persistent" "$d/state" "$d/run" "$d/events/legacy"
    cat >"$d/ctdb.conf" <<EOF
[logging]
    location = file:$d/log.ctdbd
    log level = NOTICE
[cluster]
    node address = $net.$((n + 1))
    cluster lock = $dir/cluster.lock
[database]
    volatile database directory = $d/volatile
    persistent database directory = $d/persistent
    state database directory = $d/state
[failover]
    disabled = true
EOF
    printf '%s.1\n%s.2\n' "$net" "$net" >"$d/nodes"
    : >"$d/public_addresses"
done

export CTDB_TEST_MODE=yes
on() { # on NODE ctdb-arguments...
    local n=$1
    shift
    CTDB_BASE="$dir/node.$n" timeout 60 "$ctdb" "$@"
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

start=$(date +%s%N)
for n in 0 1; do
    CTDB_BASE="$dir/node.$n" "$ctdbd" --interactive >"$dir/node.$n/stdout" 2>&1 &
    pids[$n]=$!
done
healthy=0
for _ in $(seq 1 120); do
    if on 0 nodestatus all >/dev/null 2>&1 && on 1 nodestatus all >/dev/null 2>&1; then
        healthy=1
        break
    fi
    for n in 0 1; do kill -0 "${pids[$n]}" 2>/dev/null || skip "ctdbd node $n exited: $(tail -n 3 "$dir/node.$n/stdout" | tr '\n' ' ')"; done
    sleep 0.5
done
[ $healthy = 1 ] || skip "the two ctdbd nodes on $net.1 and $net.2 did not become healthy within 60 s"
echo "# two nodes ($net.1, $net.2) healthy after $(ms_since "$start") ms"

db=rsvd_store.tdb
on 0 attach $db persistent >/dev/null
on 1 attach $db persistent >/dev/null

# A batch in one transaction on node 0, read on node 1.
t=$(date +%s%N)
printf '"fileid-0001" "granted"\n"fileid-0002" "detached until 1700000000"\n' | on 0 ptrans $db
echo "# a two-record transaction on node 0: $(ms_since "$t") ms"
[ "$(on 1 pfetch $db fileid-0001)" = granted ] || fail "node 1 does not read fileid-0001"
[ "$(on 1 pfetch $db fileid-0002)" = "detached until 1700000000" ] || fail "node 1 does not read fileid-0002"

# A replacement on node 1, a removal on node 0.
on 1 pstore $db fileid-0001 reclaimed
[ "$(on 0 pfetch $db fileid-0001)" = reclaimed ] || fail "node 0 does not see node 1's replacement"
on 0 pdelete $db fileid-0002
[ -z "$(on 1 pfetch $db fileid-0002)" ] || fail "node 1 still reads the record node 0 removed"

# The local copy of node 1: a TDB whose values start with CTDB's 24-byte
# record header (9 bytes of "reclaimed" are stored as 33).
copy=$(ls "$dir/node.1/persistent/$db".*)
"$tdbdump" "$copy" >"$dir/dump" || fail "tdbdump cannot read $copy"
grep -A1 'key(11) = "fileid-0001"' "$dir/dump" | grep -q 'data(33) = .*reclaimed' ||
    { cat "$dir/dump"; fail "node 1's copy does not hold fileid-0001 as header + value"; }

# Node 0 dies: node 1 keeps the record and writes on.
kill -9 "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
t=$(date +%s%N)
[ "$(on 1 pfetch $db fileid-0001)" = reclaimed ] || fail "node 1 lost fileid-0001 with node 0"
echo "# after node 0 was killed, node 1 returned the record in $(ms_since "$t") ms"
t=$(date +%s%N)
on 1 pstore $db fileid-0003 "written after the failure"
echo "# and wrote alone in $(ms_since "$t") ms"
[ "$(on 1 pfetch $db fileid-0003)" = "written after the failure" ] || fail "node 1 cannot write alone"
echo "two ctdbd nodes shared the store's records; node 1 kept them when node 0 died"
