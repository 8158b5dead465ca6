//! `vigild --check` and startup refusals: a bad corosync.conf, key or node
//! choice is reported with where and what, and nothing starts.

use std::fs;
use std::process::Command;

use vigild::testbed::{Scratch, corosync_conf};

fn vigild(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vigild"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn addrs() -> Vec<String> {
    (1..=3).map(|i| format!("127.76.0.{i}")).collect()
}

#[test]
fn a_good_configuration_checks_out() {
    let dir = Scratch::new("check-ok").unwrap();
    let conf = dir.0.join("corosync.conf");
    fs::write(&conf, corosync_conf("chk", &addrs(), &["token: 1000"])).unwrap();
    let key = dir.0.join("authkey");
    fs::write(&key, [7u8; 256]).unwrap();
    let (code, out, err) = vigild(&[
        "--check",
        "-c",
        conf.to_str().unwrap(),
        "-k",
        key.to_str().unwrap(),
        "--nodeid",
        "2",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("cluster chk, 3 nodes, this node 2 (node2) at 127.76.0.2:5405")
            && out.ends_with(": OK\n"),
        "{out}"
    );
}

#[test]
fn every_problem_is_located_and_nothing_starts() {
    let dir = Scratch::new("check-bad").unwrap();
    let conf = dir.0.join("corosync.conf");
    let text = corosync_conf(
        "chk",
        &addrs(),
        &["token: 1000", "consensus: 1100", "windw_size: 20"],
    )
    .replace("nodeid: 3", "nodeid: 2");
    fs::write(&conf, text).unwrap();
    let (code, _, err) = vigild(&["-c", conf.to_str().unwrap(), "--nodeid", "1"]);
    assert_eq!(code, Some(78), "{err}");
    let path = conf.display().to_string();
    assert!(
        err.contains(&format!(
            "{path}:6: `totem.consensus: 1100` must be at least 1.2 × token (1200 ms)"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{path}:7: unknown option `windw_size` in `totem` (did you mean `window_size`?)"
        )),
        "{err}"
    );
    assert!(
        err.contains("node id 2 is already used by the node at line"),
        "{err}"
    );
    assert!(
        err.contains("problem(s) in") && err.contains("nothing started"),
        "{err}"
    );
}

#[test]
fn a_missing_key_or_unknown_node_is_refused() {
    let dir = Scratch::new("check-key").unwrap();
    let conf = dir.0.join("corosync.conf");
    fs::write(&conf, corosync_conf("chk", &addrs(), &[])).unwrap();
    let missing = dir.0.join("nokey");
    let (code, _, err) = vigild(&[
        "-c",
        conf.to_str().unwrap(),
        "-k",
        missing.to_str().unwrap(),
        "--nodeid",
        "1",
    ]);
    assert_eq!(code, Some(78), "{err}");
    assert!(
        err.contains("nokey") && err.contains("vigil keygen"),
        "{err}"
    );
    let (code, _, err) = vigild(&["-c", conf.to_str().unwrap(), "--nodeid", "9"]);
    assert_eq!(code, Some(64), "{err}");
    assert!(
        err.contains("--nodeid 9: no such node") && err.contains("1 (node1), 2 (node2), 3 (node3)"),
        "{err}"
    );
    let (code, _, err) = vigild(&["-c", conf.to_str().unwrap()]);
    assert_eq!(code, Some(64), "{err}");
    assert!(
        err.contains("several nodelist addresses are local"),
        "{err}"
    );
}
