#!/usr/bin/env python3
"""Byte-exact comparison of vigil's Transition Summary with the corpus.

check.py normalizes whitespace; this script does not, so it catches column
alignment and spacing differences. Usage: scripts/exact_summary.py [VIGIL]
"""
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
corpus = root.parent / "shared" / "conformance" / "scheduler"
vigil = sys.argv[1] if len(sys.argv) > 1 else str(root / "target" / "release" / "vigil")


def section(text, header):
    lines = text.splitlines()
    try:
        start = lines.index(header)
    except ValueError:
        return None
    out = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        out.append(line)
    return out


same = differ = 0
for summary in sorted((corpus / "summary").glob("*.summary")):
    xml = corpus / "xml" / (summary.stem + ".xml")
    want = section(summary.read_text(), "Transition Summary:")
    run = subprocess.run([vigil, "simulate", "-S", "-x", str(xml)],
                         capture_output=True, text=True, timeout=30)
    got = section(run.stdout, "Transition Summary:")
    norm = lambda ls: [" ".join(l.split()) for l in ls or []]
    if norm(want) != norm(got):
        continue  # a scheduling difference, check.py's business
    if want == got:
        same += 1
    else:
        differ += 1
        print(f"{summary.stem}:")
        for w, g in zip(want, got):
            if w != g:
                print(f"  want: {w!r}\n  got:  {g!r}")
print(f"exact: {same}, whitespace-only differences: {differ}")
