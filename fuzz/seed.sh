#!/usr/bin/env bash
# Seed the fuzz corpora from Pacemaker's scheduler regression CIBs.
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
