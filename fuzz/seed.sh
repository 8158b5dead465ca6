#!/usr/bin/env bash
# Seed the fuzz corpora from Pacemaker's scheduler regression CIBs (and a
# few dates, durations and scores for the value parsers).
# The corpus is not committed: it is copied here from
# $VIGIL_SCHEDULER_CORPUS/xml (default: ../shared/conformance/scheduler
# beside the checkout, else /work/shared/conformance/scheduler).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
corpus="${VIGIL_SCHEDULER_CORPUS:-}"
if [ -z "$corpus" ]; then
    for c in "$here/../../shared/conformance/scheduler" /work/shared/conformance/scheduler; do
        if [ -d "$c/xml" ]; then corpus="$c"; break; fi
    done
fi
if [ -z "$corpus" ] || [ ! -d "$corpus/xml" ]; then
    echo "seed.sh: scheduler corpus not found; set VIGIL_SCHEDULER_CORPUS" >&2
    exit 1
fi
for target in cib_load cib_schedule cib_verify; do
    mkdir -p "$here/corpus/$target"
    cp "$corpus"/xml/*.xml "$here/corpus/$target/"
done
echo "seeded $(ls "$corpus"/xml/*.xml | wc -l) CIBs into $here/corpus/{cib_load,cib_schedule,cib_verify}"

# Each line of standard input (with \xNN escapes) becomes one seed file
# of corpus/$1; prints how many.
seed_lines() {
    mkdir -p "$here/corpus/$1"
    local i=0 line
    while IFS= read -r line; do
        printf '%b' "$line" > "$here/corpus/$1/seed-$i"
        i=$((i + 1))
    done
    echo "$i"
}

# The value parsers: a date (or score, interval, version) and a duration.
i=$(seed_lines values <<'SEEDS'
2024-01-31T12:00:00Z\nP1Y2M3DT4H5M6S
2005-020 10:00:00+05:30\nPT90M
2005-W03-4\nP-1D
now\nP1W
1970-01-01\nPT0S
INFINITY\n-INFINITY
+100\n-42
30s\n1h
10min\n500ms
1-5,7\n2.10.3
1.2.3\n1.10
SEEDS
)
echo "seeded $i value pairs into $here/corpus/values"

# The packet decoder: small operation scripts (see fuzz_targets/wire_open.rs:
# 0xff separates operations; the low nibble of each first byte chooses it).
i=$(seed_lines wire_open <<'SEEDS'
\x04hello
\x07abc\xff\x17def\xff\x09\x01\xff\x0a\x00
\x05x\xff\x0b\x00
\x0e\x02\xff\x04y\xff\x14z
\x0c\x00\x05\x03\xff\x04p\xff\x0d\x00\x01\x20
\x01\x01\x00\x00
SEEDS
)
echo "seeded $i operation scripts into $here/corpus/wire_open"
