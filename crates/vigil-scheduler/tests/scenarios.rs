//! Small hand-written CIBs, each pinning down one scheduling rule. Next to
//! every `NAME.xml` in `tests/scenarios/` is `NAME.summary`: the Transition
//! Summary that Pacemaker's crm_simulate 2.1.5 printed for it, which ours
//! must equal byte for byte.

use std::path::PathBuf;

use vigil_cib::Cib;
use vigil_cib::time::DateTime;

#[test]
fn scenarios_match_crm_simulate() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenario directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no scenarios in {}", dir.display());
    let now = DateTime::parse("2026-01-01T00:00:00Z").expect("date");
    let mut failures = Vec::new();
    for xml in &cases {
        let cib =
            Cib::load(&xml.to_string_lossy()).unwrap_or_else(|e| panic!("{}: {e}", xml.display()));
        let got: Vec<String> = vigil_scheduler::schedule(&cib, &now)
            .summary
            .iter()
            .map(|l| l.text.clone())
            .collect();
        let want_text = std::fs::read_to_string(xml.with_extension("summary"))
            .unwrap_or_else(|e| panic!("{}: {e}", xml.with_extension("summary").display()));
        let want: Vec<&str> = want_text.lines().collect();
        if got != want {
            failures.push(format!(
                "{}:\n  want:\n    {}\n  got:\n    {}",
                xml.file_name().unwrap_or_default().to_string_lossy(),
                want.join("\n    "),
                got.join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
