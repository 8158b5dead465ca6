#!/usr/bin/env python3
"""Regenerate verify-corpus.tsv: `vigil verify` against Pacemaker's `crm_verify`.

    python3 verify-corpus.py VIGIL_BINARY [CORPUS_XML_DIR] > verify-corpus.tsv

Runs `crm_verify -VV -x CASE` (Pacemaker 2.1.5) and `vigil verify -x CASE` on
every case of the scheduler conformance corpus (default
/work/shared/conformance/scheduler/xml) and writes one row per case:

    name  crm_verify  vigil  agreement  crm_reasons  vigil_reasons

crm_verify and vigil are `valid` (exit 0) or `invalid` (exit 78).
`crm_reasons` names why crm_verify fails, from its messages (see RULES);
`vigil_reasons` names the errors vigil reports (see OUR_RULES). A disagreement is
`deliberate` when every reason is one Vigil reports differently on purpose:

- cluster-state: crm_verify 2.1.5 fails a CIB because of what its status
  section says is happening (nodes to be fenced, unclean nodes, active
  orphans, failures). That is the cluster's state, not its configuration;
  Vigil's verify checks the configuration (`vigil simulate` shows state).
- deprecated, anonymous-only-clone, requires-without-fencing,
  serialize-symmetrical: settings Pacemaker still accepts but ignores or
  rewrites. crm_verify 2.1.5 exits 78 on these warnings ("config may not be
  valid"); Vigil reports them as warnings (-V) and exits 0.
"""
import json
import os
import re
import subprocess
import sys

# (crm_verify message pattern, reason); a case's reasons are those matched.
RULES = [
    (r"is duplicate of .*do not use same name and interval", "duplicate-recurring-op"),
    (r"because 'stop' is not allowed for stop", "on-fail-stop-for-stop"),
    (r"because 'fence' is not valid when fencing is disabled", "on-fail-fence-without-fencing"),
    (r"Resetting 'kind' for constraint", "invalid-order-kind"),
    (r"has invalid value for influence", "invalid-influence"),
    (r"only makes sense for promotable clones", "role-needs-promotable"),
    (r"is not a valid resource or tag", "constraint-reference"),
    (r"two templates or tags cannot be colocated", "colocated-templates"),
    (r"no STONITH resources have been defined", "no-fence-device"),
    (r"Support for (require-all|the 'ordered' group|restart-type|stonith-action of 'poweroff')", "deprecated"),
    (r"can be used only as anonymous clones", "anonymous-only-clone"),
    (r"requires fencing but fencing is disabled|Resetting \"requires\"", "requires-without-fencing"),
    (r"Ignoring symmetrical for .* Serialize", "serialize-symmetrical"),
    (r"Scheduling node .* for fencing|is unclean|will be fenced|Detected active orphan"
     r"|must be stopped manually|Ignoring recorded node state|malformed node_state"
     r"|Ignoring failure timeout|No further recovery can be attempted", "cluster-state"),
]
# (vigil error message pattern, reason)
OUR_RULES = [
    (r"duplicates .* on line", "duplicate-recurring-op"),
    (r"on-fail=stop is not allowed", "on-fail-stop-for-stop"),
    (r"on-fail=fence, but fencing is disabled", "on-fail-fence-without-fencing"),
    (r"invalid kind", "invalid-order-kind"),
    (r"invalid influence", "invalid-influence"),
    (r"target-role=.* which is not promotable", "role-needs-promotable"),
    (r"names the .* inside|names a resource that does not exist", "constraint-reference"),
    (r"two tags or templates", "colocated-templates"),
    (r"no fence device", "no-fence-device"),
    (r"invalid timeout", "invalid-timeout"),
]
DELIBERATE = {"cluster-state", "deprecated", "anonymous-only-clone",
              "requires-without-fencing", "serialize-symmetrical"}


def verdict(code):
    return {0: "valid", 78: "invalid"}.get(code, f"exit-{code}")


def main():
    vigil = sys.argv[1]
    corpus = sys.argv[2] if len(sys.argv) > 2 else "/work/shared/conformance/scheduler/xml"
    print("name\tcrm_verify\tvigil\tagreement\tcrm_reasons\tvigil_reasons")
    for f in sorted(os.listdir(corpus)):
        if not f.endswith(".xml"):
            continue
        path = os.path.join(corpus, f)
        crm = subprocess.run(["crm_verify", "-VV", "-x", path], capture_output=True, text=True)
        ours = subprocess.run([vigil, "verify", "--output-as", "json", "-x", path],
                              capture_output=True, text=True)
        errors = [d["message"] for d in json.loads(ours.stdout)["diagnostics"]
                  if d["severity"] == "error"]
        ours_why = sorted({r for pat, r in OUR_RULES if any(re.search(pat, m) for m in errors)})
        if errors and len(ours_why) == 0:
            ours_why = ["other"]
        text = crm.stdout + crm.stderr
        reasons = sorted({r for pat, r in RULES if re.search(pat, text)})
        c, v = verdict(crm.returncode), verdict(ours.returncode)
        if c == v:
            agreement = "agree"
        elif c == "invalid" and reasons and set(reasons) <= DELIBERATE:
            agreement = "deliberate"
        else:
            agreement = "UNEXPLAINED"
        print(f"{f[:-4]}\t{c}\t{v}\t{agreement}\t{','.join(reasons) or '-'}"
              f"\t{','.join(ours_why) or '-'}")


if __name__ == "__main__":
    main()
