//! `vigil verify` on Pacemaker's scheduler regression corpus, against the
//! verdicts in `data/verify-corpus.tsv` (which also records what
//! `crm_verify` 2.1.5 says and why the two differ; `data/verify-corpus.py`
//! regenerates it).
//!
//! The corpus is read at run time from `$VIGIL_CONFORMANCE_DIR/xml`
//! (default `/work/shared/conformance/scheduler/xml`); without it the test
//! is skipped with a message.

use std::path::PathBuf;

use vigil_cib::{Cib, Severity};

const TABLE: &str = include_str!("data/verify-corpus.tsv");

fn corpus_dir() -> PathBuf {
    let base = std::env::var_os("VIGIL_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // The corpus lives beside the checkout: ../shared.
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/scheduler")
        });
    base.join("xml")
}

struct Row<'a> {
    name: &'a str,
    crm_verify: &'a str,
    vigil: &'a str,
    agreement: &'a str,
}

fn rows() -> Vec<Row<'static>> {
    TABLE
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 4, "malformed table row {l:?}");
            Row {
                name: f[0],
                crm_verify: f[1],
                vigil: f[2],
                agreement: f[3],
            }
        })
        .collect()
}

#[test]
fn every_disagreement_with_crm_verify_is_deliberate() {
    for r in rows() {
        match r.agreement {
            "agree" => assert_eq!(r.crm_verify, r.vigil, "{}", r.name),
            "deliberate" => assert_ne!(r.crm_verify, r.vigil, "{}", r.name),
            other => panic!("{}: agreement {other:?} (regenerate and explain)", r.name),
        }
    }
}

#[test]
fn corpus_verdicts_match_the_table() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!(
            "skipping: the conformance corpus is not at {} (set VIGIL_CONFORMANCE_DIR)",
            dir.display()
        );
        return;
    }
    let mut checked = 0;
    let mut wrong = Vec::new();
    for r in rows() {
        let path = dir.join(format!("{}.xml", r.name));
        let Some(path) = path.to_str() else { continue };
        if !std::path::Path::new(path).exists() {
            eprintln!("note: {path} is in the table but not in the corpus");
            continue;
        }
        let cib = match Cib::load(path) {
            Ok(c) => c,
            Err(e) => panic!("{path}: {e}"),
        };
        let diags = vigil_cib::verify::verify(&cib);
        for d in &diags.items {
            assert!(d.line > 0, "{path}: diagnostic without a line: {d:?}");
            if d.severity == Severity::Error {
                assert!(!d.hint.is_empty(), "{path}: error without a hint: {d:?}");
            }
        }
        let verdict = if diags.has_errors() {
            "invalid"
        } else {
            "valid"
        };
        if verdict != r.vigil {
            let errors: Vec<String> = diags
                .items
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.render(path))
                .collect();
            wrong.push(format!(
                "{}: {verdict}, table says {}\n  {}",
                r.name,
                r.vigil,
                errors.join("\n  ")
            ));
        }
        checked += 1;
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} verdicts differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    eprintln!("checked {checked} corpus CIBs");
}
