//! The score ledger accounts for every score the scheduler uses, across
//! Pacemaker's scheduler regression corpus.
//!
//! For every case, scheduled with the ledger on:
//! - at every checkpoint (a table logged for `--show-scores`, or used to
//!   choose a node), the resource's entries so far add up, with score
//!   arithmetic, to exactly that table;
//! - no change was left unattributed (every hook that changes a score
//!   says why);
//! - where our allocation scores match Pacemaker's (the case's `.scores`
//!   file), the ledger's sums equal Pacemaker's logged scores too.
//!
//! The corpus lives outside the repository (`VIGIL_SCHEDULER_CORPUS`, by
//! default `/work/shared/conformance/scheduler`); the test skips when it
//! is absent.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use vigil_cib::Cib;
use vigil_cib::time::DateTime;
use vigil_scheduler::ledger::{Moment, Source};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("VIGIL_SCHEDULER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // The corpus lives beside the checkout: ../shared.
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/scheduler")
        });
    dir.join("tests.tsv").is_file().then_some(dir)
}

/// The value of `-t DATE` in a case's extra arguments.
fn date_arg(extra: &str) -> Option<String> {
    let rest = extra.trim().strip_prefix("-t")?.trim();
    Some(rest.trim_matches(|c| c == '\'' || c == '"').to_string())
}

/// Allocation score lines ("FUNCTION: RSC allocation score on NODE: SCORE")
/// as (function, resource, node) -> score text.
fn allocation_scores<'a>(
    lines: impl Iterator<Item = &'a str>,
) -> BTreeMap<(String, String, String), String> {
    let mut out = BTreeMap::new();
    for line in lines {
        let Some((function, rest)) = line.split_once(": ") else {
            continue;
        };
        let Some((rsc, rest)) = rest.split_once(" allocation score on ") else {
            continue;
        };
        let Some((node, score)) = rest.rsplit_once(": ") else {
            continue;
        };
        out.insert(
            (function.to_string(), rsc.to_string(), node.to_string()),
            score.trim().to_string(),
        );
    }
    out
}

struct Outcome {
    /// Checkpoints whose table differs from the entries' sum.
    mismatches: Vec<String>,
    unattributed: Vec<String>,
    /// Logged scores compared with Pacemaker's (case's scores all matched).
    compared_with_pacemaker: usize,
    differ_from_pacemaker: Vec<String>,
}

fn check_case(dir: &std::path::Path, name: &str, extra: &str) -> Result<Outcome, String> {
    let xml = dir.join("xml").join(format!("{name}.xml"));
    let cib = Cib::load(&xml.to_string_lossy()).map_err(|e| e.to_string())?;
    let now = match date_arg(extra) {
        Some(t) => DateTime::parse(&t).map_err(|e| e.to_string())?,
        None => match cib
            .attr("execution-date")
            .and_then(|v| v.trim().parse::<i64>().ok())
        {
            Some(epoch) => DateTime::from_epoch(epoch),
            None => DateTime::now(),
        },
    };
    let t = vigil_scheduler::schedule_with(&cib, &now, true);
    let cluster = &t.cluster;
    let ledger = cluster.ledger.as_deref().ok_or("no ledger was kept")?;
    let mut outcome = Outcome {
        mismatches: Vec::new(),
        unattributed: Vec::new(),
        compared_with_pacemaker: 0,
        differ_from_pacemaker: Vec::new(),
    };
    for cp in &ledger.checkpoints {
        let sum = ledger.fold(cp.rsc, cp.at);
        if sum != cp.table {
            outcome.mismatches.push(format!(
                "{name}: {} at {:?}: entries add up to {sum:?}, table is {:?}",
                cluster.resources[cp.rsc].id, cp.moment, cp.table
            ));
        }
    }
    for e in &ledger.entries {
        if e.source == Source::Unattributed {
            outcome.unattributed.push(format!(
                "{name}: {} on {}: {:?}",
                cluster.resources[e.rsc].id, cluster.nodes[e.node].name, e.change
            ));
        }
    }

    // Compare with Pacemaker's logged scores where ours all match them.
    let expected_text = std::fs::read_to_string(dir.join("scores").join(format!("{name}.scores")))
        .unwrap_or_default();
    let expected = allocation_scores(expected_text.lines());
    let lines: Vec<String> = cluster.score_lines().collect();
    let ours = allocation_scores(lines.iter().map(String::as_str));
    if expected.is_empty() || expected != ours {
        return Ok(outcome);
    }
    // The last logged table of each (function, resource) is what was printed
    // last for it; Pacemaker's file keeps one line per key as well.
    let mut last: BTreeMap<(&str, usize), &vigil_scheduler::ledger::Checkpoint> = BTreeMap::new();
    for cp in &ledger.checkpoints {
        if let Moment::Logged(function) = cp.moment {
            last.insert((function, cp.rsc), cp);
        }
    }
    for ((function, r), cp) in last {
        let sum = ledger.fold(r, cp.at);
        let rsc = &cluster.resources[r].id;
        for (&n, score) in &sum {
            let key = (
                function.to_string(),
                rsc.clone(),
                cluster.nodes[n].name.clone(),
            );
            let Some(want) = expected.get(&key) else {
                continue;
            };
            outcome.compared_with_pacemaker += 1;
            if *want != score.to_string() {
                outcome.differ_from_pacemaker.push(format!(
                    "{name}: {function} {rsc} on {}: ledger {score}, Pacemaker {want}",
                    cluster.nodes[n].name
                ));
            }
        }
    }
    Ok(outcome)
}

#[test]
fn ledger_sums_equal_the_scores_used() {
    let Some(dir) = corpus() else {
        eprintln!("scheduler corpus not found; skipping");
        return;
    };
    let Ok(table) = std::fs::read_to_string(dir.join("tests.tsv")) else {
        eprintln!("tests.tsv unreadable; skipping");
        return;
    };
    let mut mismatches = Vec::new();
    let mut unattributed = Vec::new();
    let mut differ = Vec::new();
    let mut errors = Vec::new();
    let mut compared = 0;
    let mut cases_compared = BTreeSet::new();
    let mut total = 0;
    for row in table.lines().skip(1) {
        let fields: Vec<&str> = row.split('\t').collect();
        let (Some(name), extra) = (fields.first(), fields.get(3).copied().unwrap_or("")) else {
            continue;
        };
        total += 1;
        match check_case(&dir, name, extra) {
            Ok(o) => {
                if o.compared_with_pacemaker > 0 {
                    cases_compared.insert(name.to_string());
                }
                compared += o.compared_with_pacemaker;
                mismatches.extend(o.mismatches);
                unattributed.extend(o.unattributed);
                differ.extend(o.differ_from_pacemaker);
            }
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    eprintln!(
        "score ledger: {total} cases; {compared} logged scores in {} cases compared with Pacemaker's",
        cases_compared.len()
    );
    let show = |v: &[String]| v.iter().take(20).cloned().collect::<Vec<_>>().join("\n");
    assert!(
        errors.is_empty(),
        "cases failed to load:\n{}",
        show(&errors)
    );
    assert!(
        mismatches.is_empty(),
        "{} checkpoints where the ledger's sum is not the table used:\n{}",
        mismatches.len(),
        show(&mismatches)
    );
    assert!(
        differ.is_empty(),
        "{} ledger sums differ from Pacemaker's logged scores:\n{}",
        differ.len(),
        show(&differ)
    );
    assert!(
        unattributed.is_empty(),
        "{} score changes no hook attributed:\n{}",
        unattributed.len(),
        show(&unattributed)
    );
    // The comparison must not be vacuous.
    assert!(
        cases_compared.len() > 100,
        "only {} cases' scores were compared with Pacemaker's",
        cases_compared.len()
    );
}

/// Every node's contributions in an explanation (and its parts') add up
/// to the score shown, with nothing unattributed.
fn check_explanation(
    case: &str,
    e: &vigil_scheduler::explain::Explanation,
    problems: &mut Vec<String>,
) {
    for v in &e.nodes {
        let mut sum = None;
        for c in &v.contributions {
            sum = c.change.apply(sum);
            if c.source == Source::Unattributed {
                problems.push(format!("{case}: {} on {}: unattributed", e.id, v.node));
            }
        }
        if sum != v.score {
            problems.push(format!(
                "{case}: {} on {}: contributions add up to {sum:?}, score {:?}",
                e.id, v.node, v.score
            ));
        }
    }
    for p in &e.parts {
        check_explanation(case, p, problems);
    }
}

#[test]
fn explanations_add_up_for_every_resource() {
    let Some(dir) = corpus() else {
        eprintln!("scheduler corpus not found; skipping");
        return;
    };
    let Ok(table) = std::fs::read_to_string(dir.join("tests.tsv")) else {
        eprintln!("tests.tsv unreadable; skipping");
        return;
    };
    let mut problems = Vec::new();
    let mut explained = 0;
    for row in table.lines().skip(1) {
        let fields: Vec<&str> = row.split('\t').collect();
        let (Some(name), extra) = (fields.first(), fields.get(3).copied().unwrap_or("")) else {
            continue;
        };
        let xml = dir.join("xml").join(format!("{name}.xml"));
        let Ok(cib) = Cib::load(&xml.to_string_lossy()) else {
            continue;
        };
        let now = match date_arg(extra) {
            Some(t) => DateTime::parse(&t).unwrap_or_else(|_| DateTime::from_epoch(0)),
            None => cib
                .attr("execution-date")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .map(DateTime::from_epoch)
                .unwrap_or_else(DateTime::now),
        };
        let t = vigil_scheduler::schedule_with(&cib, &now, true);
        for r in &t.cluster.resources {
            match vigil_scheduler::explain::explain(&t, &r.id) {
                Ok(e) => {
                    explained += 1;
                    check_explanation(name, &e, &mut problems);
                }
                Err(err) => problems.push(format!("{name}: {}: {err}", r.id)),
            }
        }
    }
    eprintln!("explained {explained} resources");
    assert!(explained > 1000, "only {explained} resources explained");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
