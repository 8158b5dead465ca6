#!/usr/bin/env python3
"""Compare vigil's "Executing Cluster Transition:" section with the corpus.

For every case, the executed actions are compared both as a sequence (the
order crm_simulate's simulated executor runs them in) and as a multiset.
Usage: scripts/exec_compare.py [--corpus DIR] [--vigil BIN] [-v] [CASE...]
"""
import argparse
import collections
import concurrent.futures
import csv
import difflib
import os
import pathlib
import shlex
import subprocess

root = pathlib.Path(__file__).resolve().parent.parent


def section(text, header):
    """Normalized lines of a section up to the first blank line."""
    lines = text.splitlines()
    try:
        start = lines.index(header)
    except ValueError:
        return None
    out = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        if line.startswith("Using the original execution date"):
            continue
        out.append(" ".join(line.split()))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_corpus = next(
        (d for d in (up / "shared" / "conformance" / "scheduler" for up in root.parents)
         if (d / "tests.tsv").is_file()),
        root.parent / "shared" / "conformance" / "scheduler")
    p.add_argument("--corpus", default=os.environ.get("VIGIL_SCHEDULER_CORPUS", str(default_corpus)))
    p.add_argument("--vigil", default=str(root / "target" / "release" / "vigil"))
    p.add_argument("-v", "--verbose", action="store_true", help="show differences")
    p.add_argument("cases", nargs="*")
    args = p.parse_args()
    corpus = pathlib.Path(args.corpus)
    with open(corpus / "tests.tsv", newline="") as f:
        cases = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if args.cases:
        cases = [c for c in cases if c["name"] in args.cases]

    def run(case):
        cmd = [args.vigil, "simulate", "-S", "-x", str(corpus / "xml" / (case["name"] + ".xml"))]
        cmd += shlex.split(case["extra_args"])
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout
        want = (corpus / "summary" / (case["name"] + ".summary")).read_text()
        header = "Executing Cluster Transition:"
        return case["name"], section(out, header), section(want, header)

    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        results = list(pool.map(run, cases))
    sequence = multiset = 0
    for name, got, want in results:
        same_seq = got == want
        same_set = got is not None and collections.Counter(got) == collections.Counter(want)
        sequence += same_seq
        multiset += same_set
        if not same_seq:
            print(f"{'ORDER' if same_set else 'DIFF '} {name}")
            if args.verbose:
                for line in difflib.unified_diff(want or [], got or [], "crm_simulate", "vigil",
                                                 lineterm="", n=1):
                    print("   " + line)
    total = len(results)
    print(f"executing section: sequence {sequence}/{total}, multiset {multiset}/{total}")


if __name__ == "__main__":
    main()
