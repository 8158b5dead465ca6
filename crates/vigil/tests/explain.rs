//! `vigil explain` on small CIBs (tests/explain/*.xml): the explanation
//! names the constraint, rule, stickiness, failure or state that put each
//! resource where it is, and its numbers add up.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn cib(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "explain", name]
        .iter()
        .collect();
    path.to_string_lossy().into_owned()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn vigil(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .output()
        .expect("vigil runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `vigil explain RSC -x FILE [extra...]` in plain words (must succeed).
fn explain(file: &str, rsc: &str, extra: &[&str]) -> String {
    let path = cib(file);
    let mut args = vec!["explain", rsc, "-x", &path];
    args.extend_from_slice(extra);
    let run = vigil(&args);
    assert_eq!(run.code, 0, "vigil explain {rsc} failed: {}", run.stderr);
    run.stdout
}

fn explain_json(file: &str, rsc: &str) -> Value {
    let text = explain(file, rsc, &["--output-as", "json"]);
    serde_json::from_str(&text).expect("explain prints JSON")
}

/// The lines of the block for `node` (its verdict line, which may name
/// several nodes, and its contributions).
fn node_block(text: &str, node: &str) -> String {
    let names_node = |l: &str| {
        l.trim_start()
            .split_once(": ")
            .is_some_and(|(names, _)| names.split(", ").any(|n| n == node))
    };
    let mut lines = text.lines().skip_while(|l| !names_node(l));
    let Some(first) = lines.next() else {
        panic!("no line for {node} in:\n{text}");
    };
    let indent = first.len() - first.trim_start().len();
    let mut block = vec![first];
    // Contributions are indented further than the node line.
    for l in lines {
        if l.len() - l.trim_start().len() <= indent {
            break;
        }
        block.push(l);
    }
    block.join("\n")
}

fn assert_has(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
}

fn assert_lacks(text: &str, needle: &str) {
    assert!(
        !text.contains(needle),
        "did not expect {needle:?} in:\n{text}"
    );
}

#[test]
fn location_rule_wins_and_standby_node_is_ruled_out() {
    let text = explain("location-rule.xml", "web-ip", &[]);
    assert_has(
        &text,
        "Resource web-ip (ocf:heartbeat:IPaddr2) will start on node2.",
    );
    assert_has(&text, "Now: stopped.");
    assert_has(&text, "Transition: Start web-ip ( node2 )");
    let node2 = node_block(&text, "node2");
    assert_has(&node2, "node2: score 100 -> chosen");
    assert_has(
        &node2,
        "+100  location constraint loc-ip-east, rule loc-ip-east-rule",
    );
    // node1 matches the rule too, but it is in standby.
    let node1 = node_block(&text, "node1");
    assert_has(
        &node1,
        "node1: score 100 -> not allowed: the node is in standby",
    );
    assert_has(&node1, "rule loc-ip-east-rule");
    // node3 is in the west: the rule gives it nothing.
    let node3 = node_block(&text, "node3");
    assert_has(&node3, "node3: score 0 -> lower than node2 (100)");
    assert_has(
        &node3,
        "default: every node starts at 0 (symmetric cluster)",
    );
    assert_lacks(&node3, "loc-ip-east");
}

#[test]
fn stickiness_holds_a_resource_against_a_preference() {
    let text = explain("stickiness.xml", "db", &[]);
    assert_has(
        &text,
        "Resource db (ocf:heartbeat:pgsql) will stay on node1.",
    );
    assert_has(&text, "Now: active on node1.");
    assert_has(&text, "Transition: nothing to do for it.");
    let node1 = node_block(&text, "node1");
    assert_has(&node1, "node1: score 200 -> chosen");
    assert_has(
        &node1,
        "+200  resource-stickiness=200: it is active on this node",
    );
    let node2 = node_block(&text, "node2");
    assert_has(&node2, "node2: score 100 -> lower than node1 (200)");
    assert_has(&node2, "+100  location constraint db-prefers-node2");
}

#[test]
fn failures_reaching_migration_threshold_ban_the_node() {
    let text = explain("failure-ban.xml", "app", &[]);
    assert_has(&text, "will move from node1 to node2.");
    assert_has(
        &text,
        "Now: active on node1, failed; fail count 3 on node1 (migration-threshold 3).",
    );
    assert_has(&text, "Transition: Recover app ( node1 -> node2 )");
    assert_has(
        &text,
        "Why: it failed too often: the fail count reached migration-threshold=3 on node1.",
    );
    let node1 = node_block(&text, "node1");
    assert_has(
        &node1,
        "node1: score -INFINITY -> not allowed: negative score",
    );
    // What it would have had, and what overrides it.
    assert_has(&node1, "+500  location constraint app-prefers-node1");
    assert_has(&node1, "+50  resource-stickiness=50");
    assert_has(
        &node1,
        "-INFINITY  failed here: fail count 3 reached migration-threshold=3",
    );
    assert_has(&node_block(&text, "node2"), "node2: score 0 -> chosen");
}

#[test]
fn colocations_follow_place_and_block() {
    let app = explain("colocation.xml", "app", &[]);
    assert_has(&app, "will start on node2.");
    assert_has(
        &node_block(&app, "node1"),
        "-INFINITY  colocation app-with-db: with db (on node2), score INFINITY",
    );

    let cache = explain("colocation.xml", "cache", &[]);
    assert_has(&cache, "will start on node1.");
    assert_has(
        &node_block(&cache, "node2"),
        "-200  colocation cache-avoids-db: with db (on node2), score -200",
    );

    // Colocated with a disabled resource: it cannot run anywhere.
    let report = explain("colocation.xml", "report", &[]);
    assert_has(
        &report,
        "Resource report (ocf:pacemaker:Dummy) will stay stopped.",
    );
    assert_has(
        &report,
        "Why: every node that could run it is ruled out: colocation report-with-archive: \
         with archive (not running), score INFINITY.",
    );

    let archive = explain("colocation.xml", "archive", &[]);
    assert_has(&archive, "will stay stopped.");
    assert_has(&archive, "Why: target-role is Stopped: it is disabled.");
    assert_has(
        &node_block(&archive, "node1"),
        "-INFINITY  target-role is Stopped",
    );
}

#[test]
fn group_members_follow_the_first() {
    let text = explain("group.xml", "web", &[]);
    assert_has(&text, "Group web (2 members) will start on node2.");
    assert_has(&text, "Transition: Start web-ip ( node2 )");
    assert_has(&text, "Transition: Start web-server ( node2 )");
    assert_has(
        &text,
        "Resource web-ip (ocf:heartbeat:IPaddr2), member of group web, will start on node2.",
    );
    assert_has(&text, "+50  location constraint web-prefers-node2");
    // The first member carries the later members' preferences.
    assert_has(
        &text,
        "-INFINITY  preferences of web-server, the group member after it",
    );

    let member = explain("group.xml", "web-server", &[]);
    assert_has(&member, "member of group web, will start on node2.");
    let node1 = node_block(&member, "node1");
    assert_has(
        &node1,
        "node1: score -INFINITY -> not allowed: negative score",
    );
    assert_has(
        &node1,
        "-INFINITY  group: must be with the member before it, web-ip (on node2)",
    );
    assert_has(
        &node_block(&member, "node3"),
        "node3: score -INFINITY -> not allowed: the node is offline",
    );
}

#[test]
fn clone_instances_spread_and_the_extra_one_stops() {
    let text = explain("clone.xml", "ping-clone", &[]);
    assert_has(
        &text,
        "Clone ping-clone (clone-max 3, clone-node-max 1) will run on node1, node2.",
    );
    assert_has(&text, "Transition: Start ping:1 ( node2 )");
    assert_has(&text, "instance of ping-clone, will stay on node1.");
    assert_has(
        &text,
        "+1  resource-stickiness=1: it is active on this node",
    );

    // The configured id of the cloned primitive means the clone.
    assert_eq!(explain("clone.xml", "ping", &[]), text);

    let extra = explain("clone.xml", "ping:2", &[]);
    assert_has(
        &extra,
        "Resource ping:2 (ocf:pacemaker:ping), instance of ping-clone, will stay stopped.",
    );
    assert_has(
        &extra,
        "Why: every node that could run it is ruled out: clone instance: \
         clone-node-max=1 instances already here.",
    );
    // Nodes that fare alike share one entry.
    assert_has(
        &extra,
        "node1, node2: score -INFINITY -> not allowed: negative score",
    );
    assert_has(
        &node_block(&extra, "node3"),
        "node3: score -INFINITY -> not allowed: the node is offline",
    );
}

#[test]
fn blocked_starts_capacity_and_unmanaged_resources() {
    let front = explain("blocked.xml", "front", &[]);
    assert_has(&front, "is placed on node1, but cannot start there.");
    assert_has(
        &front,
        "Why: the start of front on node1 cannot run: \
         it must wait for start of back, which cannot run.",
    );
    // legacy (unmanaged) already counts on node2 when front is placed.
    assert_has(
        &node_block(&front, "node2"),
        "which won the tie-break: node1 had fewer resources placed on it at that point (0 vs 1)",
    );

    // The scores used to choose include the capacity check (made after
    // the scores shown by simulate -s).
    let big = explain("blocked.xml", "big", &[]);
    assert_has(&big, "will stay stopped.");
    assert_has(
        &node_block(&big, "node1"),
        "-INFINITY  not enough free capacity: cpu needs 6, 4 free",
    );

    let legacy = explain("blocked.xml", "legacy", &[]);
    assert_has(
        &legacy,
        "is left as it is, on node2: the cluster does not manage it.",
    );
    assert_has(&legacy, "Why: it is not managed (is-managed=false)");
    let node2 = node_block(&legacy, "node2");
    assert_has(&node2, "node2: score INFINITY -> kept");
    assert_has(&node2, "+INFINITY  unmanaged: it stays where it is active");
}

#[test]
fn set_datetime_decides_date_rules() {
    let in_2024 = explain("date-rule.xml", "batch", &["-t", "2024-06-01"]);
    assert_has(&in_2024, "will start on node2.");
    assert_has(
        &node_block(&in_2024, "node2"),
        "+300  location constraint batch-2024, rule batch-2024-rule",
    );

    let in_2025 = explain("date-rule.xml", "batch", &["-t", "2025-06-01"]);
    assert_has(&in_2025, "will start on node1.");
    assert_lacks(&in_2025, "batch-2024-rule");
    assert_has(
        &node_block(&in_2025, "node2"),
        "same score as node1, which won the tie-break: node names decide last (node1 first)",
    );
}

#[test]
fn bad_input_gives_clear_errors() {
    let path = cib("colocation.xml");
    let unknown = vigil(&["explain", "nosuch", "-x", &path]);
    assert_eq!(unknown.code, 105);
    assert_has(&unknown.stderr, "colocation.xml: no resource \"nosuch\"");
    assert_has(
        &unknown.stderr,
        "configured resources: db, app, cache, archive, report",
    );

    let missing = vigil(&["explain", "db", "-x", "/nonexistent/cib.xml"]);
    assert_eq!(missing.code, 66);
    assert_has(&missing.stderr, "/nonexistent/cib.xml");

    let bad_date = vigil(&["explain", "db", "-x", &path, "-t", "yesterday"]);
    assert_eq!(bad_date.code, 64);
    assert_has(&bad_date.stderr, "invalid --set-datetime \"yesterday\"");

    for run in [unknown, missing, bad_date] {
        assert!(run.stdout.is_empty(), "no output on error: {}", run.stdout);
        assert_lacks(&run.stderr, "panicked");
    }
}

/// A score as JSON prints it ("INFINITY", "-INFINITY", "42").
fn score_of(v: &Value) -> Option<i64> {
    match v.as_str()? {
        "INFINITY" => Some(1_000_000),
        "-INFINITY" => Some(-1_000_000),
        s => s.parse().ok(),
    }
}

/// Score addition: -INFINITY wins, then +INFINITY; sums saturate.
fn add(a: i64, b: i64) -> i64 {
    const INF: i64 = 1_000_000;
    if a <= -INF || b <= -INF {
        -INF
    } else if a >= INF || b >= INF {
        INF
    } else {
        (a + b).clamp(-INF, INF)
    }
}

/// Check every node of an explanation (and its parts): the contributions
/// add up to the score shown; returns how many nodes were checked.
fn check_sums(e: &Value) -> usize {
    let mut checked = 0;
    for node in e["nodes"].as_array().into_iter().flatten() {
        let mut sum: Option<i64> = None;
        for c in node["contributions"].as_array().into_iter().flatten() {
            sum = match c["op"].as_str() {
                Some("add") => Some(add(sum.unwrap_or(0), score_of(&c["score"]).unwrap())),
                Some("set") => score_of(&c["score"]),
                Some("remove") => None,
                other => panic!("unknown op {other:?}"),
            };
            assert_ne!(c["source"]["type"], "unattributed", "{node}");
            assert!(c["text"].as_str().is_some_and(|t| !t.is_empty()));
        }
        assert_eq!(
            sum,
            score_of(&node["score"]),
            "{} in {}",
            node,
            e["resource"]
        );
        checked += 1;
    }
    checked
        + e["parts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(check_sums)
            .sum::<usize>()
}

#[test]
fn json_contributions_add_up_to_each_score() {
    let cases = [
        ("location-rule.xml", "web-ip"),
        ("stickiness.xml", "db"),
        ("failure-ban.xml", "app"),
        ("colocation.xml", "app"),
        ("colocation.xml", "cache"),
        ("colocation.xml", "report"),
        ("group.xml", "web"),
        ("clone.xml", "ping-clone"),
        ("date-rule.xml", "batch"),
        ("blocked.xml", "front"),
        ("blocked.xml", "big"),
        ("blocked.xml", "legacy"),
    ];
    let mut checked = 0;
    for (file, rsc) in cases {
        checked += check_sums(&explain_json(file, rsc));
    }
    assert!(checked >= 30, "only {checked} nodes checked");
}

#[test]
fn json_describes_the_decision() {
    let e = explain_json("failure-ban.xml", "app");
    assert_eq!(e["resource"], "app");
    assert_eq!(e["kind"]["type"], "primitive");
    assert_eq!(e["kind"]["agent"], "ocf:pacemaker:Dummy");
    assert_eq!(e["current"]["nodes"][0], "node1");
    assert_eq!(e["current"]["failed"], true);
    assert_eq!(e["current"]["fail_counts"]["node1"], "3");
    assert_eq!(e["outcome"]["state"], "runs");
    assert_eq!(e["outcome"]["node"], "node2");
    assert_eq!(e["transition"][0], "Recover app ( node1 -> node2 )");
    let node1 = e["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["node"] == "node1")
        .expect("node1 is listed");
    assert_eq!(node1["score"], "-INFINITY");
    assert_eq!(node1["chosen"], false);
    let ban = node1["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["source"]["type"] == "migration-threshold")
        .expect("the ban is itemised");
    assert_eq!(ban["score"], "-INFINITY");
    assert_eq!(ban["source"]["fail_count"], "3");
    assert_eq!(ban["source"]["threshold"], 3);
}
