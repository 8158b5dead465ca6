//! The scheduler scoreboard as a test: Pacemaker's scheduler regression
//! corpus, run through `vigil simulate` by the corpus's own harness
//! (`check.py`), must keep at least the pass count we have reached, and every
//! feature group the scheduler is required to get right must stay at 85% or
//! better, and the status after the simulated transition ("Revised Cluster
//! Status") must match in at least as many cases as it did. A regression
//! fails the test; new passes only raise the figures.
//!
//! The corpus lives beside the project (`../shared/conformance/scheduler`, or
//! `VIGIL_SCHEDULER_CORPUS`); the test skips when it or python3 is absent.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

/// Cases passed when this floor was last raised (of 559; 558 then, less a
/// small margin for cases scheduled at the real current time).
const PASS_FLOOR: usize = 556;

/// Cases whose revised status matched when this floor was last raised.
const REVISED_FLOOR: usize = 542;

/// Feature groups that must pass at least 85% of their cases.
const REQUIRED_GROUPS: &[u32] = &[0, 1, 2, 5, 10, 11, 12, 13, 15, 16, 17, 20, 23, 25, 26];

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("VIGIL_SCHEDULER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/scheduler")
        });
    dir.join("check.py").is_file().then_some(dir)
}

#[test]
fn scheduler_corpus_scoreboard() {
    let Some(dir) = corpus() else {
        eprintln!("skipping: scheduler corpus not found (set VIGIL_SCHEDULER_CORPUS)");
        return;
    };
    let vigil = env!("CARGO_BIN_EXE_vigil");
    let output = match Command::new("python3")
        .arg(dir.join("check.py"))
        .arg("--cmd")
        .arg(format!("{vigil} simulate -S -x {{xml}}"))
        .arg("--timeout")
        .arg("30")
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("skipping: cannot run python3: {e}");
            return;
        }
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let mut groups: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    let mut passed = None;
    let mut revised = None;
    for line in text.lines() {
        if let Some(r) = line.strip_prefix("revised status matches: ") {
            revised = r
                .split('/')
                .next()
                .and_then(|n| n.trim().parse::<usize>().ok());
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [group, _first, ratio] = words[..]
            && let (Ok(g), Some((p, t))) = (group.parse::<u32>(), ratio.split_once('/'))
            && let (Ok(p), Ok(t)) = (p.parse(), t.parse())
        {
            groups.insert(g, (p, t));
        }
        if let Some(n) = line
            .strip_suffix(" failed")
            .and_then(|l| l.split(" passed").next())
        {
            passed = n.trim().parse::<usize>().ok();
        }
    }
    let passed = passed.unwrap_or_else(|| panic!("no result line from check.py:\n{text}"));
    println!("{}", text.lines().last().unwrap_or_default());
    let mut problems = Vec::new();
    if passed < PASS_FLOOR {
        problems.push(format!(
            "{passed} cases pass, fewer than the floor {PASS_FLOOR}"
        ));
    }
    let revised = revised.unwrap_or(0);
    if revised < REVISED_FLOOR {
        problems.push(format!(
            "{revised} revised statuses match, fewer than the floor {REVISED_FLOOR}"
        ));
    }
    for g in REQUIRED_GROUPS {
        let Some(&(p, t)) = groups.get(g) else {
            problems.push(format!("group {g} missing from the scoreboard"));
            continue;
        };
        if p * 100 < t * 85 {
            problems.push(format!("group {g}: {p}/{t} is below 85%"));
        }
    }
    let failures: Vec<&str> = text.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(
        problems.is_empty(),
        "{}\nfailing cases:\n{}",
        problems.join("\n"),
        failures.join("\n")
    );
}
