#!/usr/bin/env bash
# vigild's measurements on this machine, printed (nothing is asserted):
# ordered-delivery throughput and latency of a three-node ring over
# loopback UDP (64 B, 1 KiB, 16 KiB, one sender), failover time after
# kill -9 of one of three nodes, and each idle vigild's RSS and CPU.
#
#   bench/vigild.sh              # everything (about 3 minutes)
#   bench/vigild.sh failover     # one part: throughput | failover | footprint
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p vigild
bench=target/release/vigil-bench
part=${1:-all}

if [ "$part" = all ] || [ "$part" = throughput ]; then
    "$bench" throughput --messages 30000
    echo
    # Datagrams as large as loopback carries: large messages go unfragmented.
    "$bench" throughput --messages 30000 --netmtu 65000
    echo
fi
if [ "$part" = all ] || [ "$part" = failover ]; then
    # As configured: corosync adds token_coefficient (650 ms) per node
    # beyond two to the token timeout, and consensus is 1.2 x that.
    "$bench" failover --token 1000 --runs 3
    echo
    "$bench" failover --token 200 --runs 3
    echo
    # Without the per-node coefficient, as for a two-node ring.
    "$bench" failover --token 1000 --token-coefficient 0 --runs 3
    echo
    "$bench" failover --token 200 --token-coefficient 0 --runs 3
    echo
fi
if [ "$part" = all ] || [ "$part" = footprint ]; then
    "$bench" footprint --seconds 60
fi
