#!/usr/bin/env bash
# A local three-node Vigil cluster on 127.0.0.1-3: starts three vigild,
# waits until they form a quorate ring, shows `vigil quorum status` and
# `vigil cluster links`, kills node 3 with SIGKILL and shows the survivors'
# view. Everything runs from a scratch directory that is removed at exit.
#
#   scripts/demo-cluster.sh            # build (release) and run
#   KEEP=1 scripts/demo-cluster.sh     # leave the cluster running until Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -q -p vigil -p vigild
bin=target/release
dir=$(mktemp -d /tmp/vigil-demo.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

cat >"$dir/corosync.conf" <<CONF
totem {
    version: 2
    cluster_name: demo
    transport: knet
    token: 1000
}

nodelist {
    node {
        ring0_addr: 127.0.0.1
        name: node1
        nodeid: 1
    }
    node {
        ring0_addr: 127.0.0.2
        name: node2
        nodeid: 2
    }
    node {
        ring0_addr: 127.0.0.3
        name: node3
        nodeid: 3
    }
}

quorum {
    provider: corosync_votequorum
}

logging {
    to_stderr: yes
    timestamp: on
}
CONF
# A cluster key is random bytes, as corosync-keygen writes them.
head -c 256 /dev/urandom >"$dir/authkey"
chmod 400 "$dir/authkey"

start() {
    "$bin/vigild" --config "$dir/corosync.conf" --key "$dir/authkey" --nodeid "$1" \
        --socket "$dir/n$1.sock" --state-dir "$dir/state$1" 2>>"$dir/n$1.log" &
    pids+=($!)
}
for id in 1 2 3; do start "$id"; done
echo "started vigild on 127.0.0.1, 127.0.0.2, 127.0.0.3 (logs in $dir)"

# wait_for ID NODES: until node ID reports NODES members and quorum.
wait_for() {
    for _ in $(seq 1 300); do
        if out=$("$bin/vigil" quorum status --socket "$dir/n$1.sock" 2>/dev/null) &&
            grep -q "^Nodes: *$2\$" <<<"$out" && grep -q '^Quorate: *Yes' <<<"$out"; then
            return 0
        fi
        sleep 0.1
    done
    echo "node $1 never reported $2 quorate members; its log:" >&2
    cat "$dir/n$1.log" >&2
    return 1
}

wait_for 1 3
echo
echo "\$ vigil quorum status        # on node1"
"$bin/vigil" quorum status --socket "$dir/n1.sock"
echo
echo "\$ vigil cluster links        # on node1"
"$bin/vigil" cluster links --socket "$dir/n1.sock"

echo
echo "\$ kill -9 <vigild of node3>"
{ kill -9 "${pids[2]}" && wait "${pids[2]}"; } 2>/dev/null || true
wait_for 1 2
echo
echo "\$ vigil quorum status        # on node1"
"$bin/vigil" quorum status --socket "$dir/n1.sock"
echo
echo "\$ vigil cluster links        # on node1"
"$bin/vigil" cluster links --socket "$dir/n1.sock"

if [ "${KEEP:-}" = 1 ]; then
    echo
    echo "cluster of two left running (sockets $dir/n1.sock, $dir/n2.sock); Ctrl-C ends it"
    wait
fi
