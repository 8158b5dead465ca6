#!/bin/bash
# Time and peak memory of `vigil simulate` against Pacemaker's `crm_simulate`
# on the standard benchmark CIBs (../shared/bench/make_bench_set.sh), and
# whether their Transition Summaries are identical.
#
#   bench/simulate_vs_crm_simulate.sh [--sizes small,medium,large]
#                                     [--crm-mode S|R|both] [--keep DIR]
#
# --sizes     which CIBs to run (default: all three; crm_simulate -S takes
#             about two minutes on large).
# --crm-mode  S: crm_simulate -S (plan, then simulated execution and revised
#             status); R: crm_simulate -R (plan only, what a DC computes);
#             both (default): one row per mode. vigil always runs
#             `vigil simulate -S -x FILE`.
# --keep DIR  write the CIBs and every tool's output to DIR (default: a
#             temporary directory, removed at the end).
#
# The benchmark set is found at ../shared/bench beside the checkout (or
# ../../shared/bench for a worktree under wt/); VIGIL_BENCH_SET overrides
# the path to make_bench_set.sh. Times are wall-clock seconds and memory is
# peak resident set size, both from /usr/bin/time; run on an idle machine.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sizes=small,medium,large
crm_mode=both
keep=
while [ $# -gt 0 ]; do
    case $1 in
        --sizes) sizes=$2; shift 2 ;;
        --crm-mode) crm_mode=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 64 ;;
    esac
done
case $crm_mode in S) modes=S ;; R) modes=R ;; both) modes="S R" ;;
    *) echo "--crm-mode must be S, R or both" >&2; exit 64 ;;
esac

make_set=${VIGIL_BENCH_SET:-}
if [ -z "$make_set" ]; then
    for d in "$root/../shared/bench" "$root/../../shared/bench"; do
        if [ -x "$d/make_bench_set.sh" ] || [ -f "$d/make_bench_set.sh" ]; then
            make_set="$d/make_bench_set.sh"
            break
        fi
    done
fi
if [ -z "$make_set" ] || [ ! -f "$make_set" ]; then
    echo "cannot find make_bench_set.sh (looked in ../shared/bench; set VIGIL_BENCH_SET)" >&2
    exit 66
fi
for tool in crm_simulate /usr/bin/time python3 cargo; do
    if ! command -v "$tool" > /dev/null; then
        echo "$tool is required (crm_simulate: apt-get install pacemaker-cli-utils;" \
             "/usr/bin/time: apt-get install time)" >&2
        exit 69
    fi
done

if [ -n "$keep" ]; then
    work=$keep
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

echo "building vigil (release)..." >&2
(cd "$root" && cargo build --release -q -p vigil)
vigil="$root/target/release/vigil"

echo "making the benchmark CIBs in $work..." >&2
bash "$make_set" "$work" > /dev/null

# The "Transition Summary:" lines of a crm_simulate-style output.
summary() {
    sed -n '/^Transition Summary:/,/^$/p' "$1" | sed '/^$/d'
}

# run NAME OUT CMD...: runs CMD with stdout to OUT; sets secs and mb.
run() {
    local name=$1 out=$2
    shift 2
    if ! LC_ALL=C /usr/bin/time -f '%e %M' -o "$work/$name.time" "$@" > "$out" 2> "$work/$name.err"; then
        echo "$name failed (exit status nonzero); see $work/$name.err" >&2
    fi
    read -r secs kb < <(tail -n 1 "$work/$name.time")
    mb=$(awk -v kb="$kb" 'BEGIN { printf "%.1f", kb / 1024 }')
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }

printf '%-7s %-5s %9s %9s %8s %9s %9s %8s  %s\n' \
    size crm vigil_s crm_s speedup vigil_MB crm_MB mem_x summary
IFS=, read -r -a size_list <<< "$sizes"
for size in "${size_list[@]}"; do
    xml="$work/$size.xml"
    if [ ! -f "$xml" ]; then
        echo "no $size.xml in the benchmark set" >&2
        exit 66
    fi
    run "vigil-$size" "$work/vigil-$size.out" "$vigil" simulate -S -x "$xml"
    v_secs=$secs v_mb=$mb
    for mode in $modes; do
        run "crm-$mode-$size" "$work/crm-$mode-$size.out" crm_simulate "-$mode" -x "$xml"
        if [ "$(summary "$work/vigil-$size.out")" = "$(summary "$work/crm-$mode-$size.out")" ]; then
            same=identical
        else
            same=DIFFERENT
        fi
        lines=$(summary "$work/crm-$mode-$size.out" | tail -n +2 | wc -l)
        printf '%-7s %-5s %9s %9s %7sx %9s %9s %7sx  %s (%s lines)\n' \
            "$size" "-$mode" "$v_secs" "$secs" "$(ratio "$secs" "$v_secs")" \
            "$v_mb" "$mb" "$(ratio "$mb" "$v_mb")" "$same" "$lines"
    done
done
echo "(speedup = crm_s / vigil_s; mem_x = crm_MB / vigil_MB; vigil runs simulate -S -x)" >&2
