//! The example shipped in the repository (`examples/web-cluster.xml`, the
//! README's first command) gives exactly what Pacemaker's crm_simulate 2.1.5
//! printed for it (`examples/web-cluster.simulate.txt`).

use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

#[test]
fn web_cluster_simulation_matches_crm_simulate() {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["simulate", "-S", "-x"])
        .arg(example("web-cluster.xml"))
        .output()
        .expect("run vigil");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = String::from_utf8(out.stdout).expect("utf-8 output");
    let want =
        std::fs::read_to_string(example("web-cluster.simulate.txt")).expect("expected output");
    let want_sections = want.split("\n\n").count();
    let got_sections = got.split("\n\n").count();
    // Every section we print must be crm_simulate's, byte for byte, in order.
    assert!(got_sections >= 3, "too few sections:\n{got}");
    let n = got_sections.min(want_sections);
    let prefix = |s: &str| {
        s.split("\n\n")
            .take(n)
            .collect::<Vec<_>>()
            .join("\n\n")
            .trim_end()
            .to_string()
    };
    assert_eq!(prefix(&got), prefix(&want));
}
