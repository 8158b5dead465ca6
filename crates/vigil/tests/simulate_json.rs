//! `vigil simulate --output-as json` on the shipped example: the summary
//! matches the text output, and the actions form a well-formed ordering
//! graph (every input exists, no cycles) with the expected dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/web-cluster.xml")
}

fn vigil(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .arg(example())
        .output()
        .expect("run vigil");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn json_transition_is_a_consistent_graph() {
    let v: Value = serde_json::from_str(&vigil(&["simulate", "--output-as", "json", "-x"]))
        .expect("valid JSON");

    // The summary says what the text summary says.
    let text = vigil(&["simulate", "-x"]);
    let text_lines: Vec<&str> = text
        .split("Transition Summary:\n")
        .nth(1)
        .expect("text summary")
        .lines()
        .take_while(|l| !l.is_empty())
        .collect();
    let summary = v["summary"].as_array().expect("summary array");
    assert_eq!(summary.len(), text_lines.len());
    for (s, line) in summary.iter().zip(&text_lines) {
        let change = s["change"].as_str().expect("change");
        let subject = s["subject"].as_str().expect("subject");
        assert!(
            line.contains(change) && line.contains(subject),
            "{s} vs {line}"
        );
    }

    // Every input names an action of the graph; ids and keys agree.
    let actions = v["actions"].as_array().expect("actions array");
    let keys: BTreeMap<u64, &str> = actions
        .iter()
        .map(|a| {
            (
                a["id"].as_u64().expect("id"),
                a["key"].as_str().expect("key"),
            )
        })
        .collect();
    let mut inputs: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for a in actions {
        let id = a["id"].as_u64().expect("id");
        let ids: Vec<u64> = a["after_ids"]
            .as_array()
            .expect("after_ids")
            .iter()
            .map(|x| x.as_u64().expect("input id"))
            .collect();
        let names: Vec<&str> = a["after"]
            .as_array()
            .expect("after")
            .iter()
            .map(|x| x.as_str().expect("input key"))
            .collect();
        for (i, name) in ids.iter().zip(&names) {
            assert_eq!(keys.get(i), Some(name), "input {i} of {}", keys[&id]);
        }
        inputs.insert(id, ids);
    }

    // No cycles: repeatedly remove actions whose inputs are all done.
    let mut done: BTreeSet<u64> = BTreeSet::new();
    loop {
        let ready: Vec<u64> = inputs
            .iter()
            .filter(|(id, ins)| !done.contains(id) && ins.iter().all(|i| done.contains(i)))
            .map(|(id, _)| *id)
            .collect();
        if ready.is_empty() {
            break;
        }
        done.extend(ready);
    }
    assert_eq!(done.len(), inputs.len(), "the ordering graph has a cycle");

    // The virtual IP starts on node1 only after node2 is fenced and the
    // database is promoted there.
    let start = actions
        .iter()
        .find(|a| a["key"] == "vip_start_0" && a["node"] == "node1")
        .expect("vip start on node1");
    let after: Vec<&str> = start["after"]
        .as_array()
        .expect("after")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(after.contains(&"stonith-node2-reboot"), "{after:?}");
    assert!(after.contains(&"db-clone_promoted_0"), "{after:?}");
}

#[test]
fn json_with_simulate_lists_executed_actions() {
    let v: Value = serde_json::from_str(&vigil(&["simulate", "-S", "--output-as", "json", "-x"]))
        .expect("valid JSON");
    let executed = v["executed"].as_array().expect("executed");
    assert!(
        executed
            .iter()
            .any(|l| l.as_str().is_some_and(|s| s.contains("Fencing node2"))),
        "{executed:?}"
    );
}
