//! Simulated execution of a transition graph, as `crm_simulate -S` does it:
//! every action succeeds at once, and its result is written into the status
//! section of a CIB document, so the cluster's state after the transition
//! can be unpacked and shown.
//!
//! The executor works in passes over the synapse list: in each pass it
//! fires, in list order, every synapse whose inputs have all completed —
//! including those completed earlier in the same pass, since simulated
//! actions complete as soon as they fire. Passes repeat until nothing more
//! can fire. The order of the printed lines follows.

use vigil_xml::{Element, Node};

use crate::graph::{ActionKind, GraphAction, TransitionGraph};

/// What a simulated run did.
#[derive(Debug, Clone, Default)]
pub struct Execution {
    /// One line per action, in execution order, as crm_simulate prints
    /// them under "Executing Cluster Transition:" (probe-again requests,
    /// which it does not print, have none).
    pub lines: Vec<String>,
    /// Synapse indices in the order they fired.
    pub fired: Vec<usize>,
    /// Synapses that never became ready (their inputs never completed).
    pub stuck: Vec<usize>,
}

/// Run `graph` against the CIB document `cib` (its `status` section is
/// updated as each action completes). `now` (seconds since the epoch) is
/// recorded as the time of each result.
pub fn execute(graph: &TransitionGraph, cib: &mut Element, now: i64) -> Execution {
    let n = graph.synapses.len();
    let mut done = vec![false; n];
    let mut out = Execution::default();
    loop {
        let mut progress = false;
        for (i, s) in graph.synapses.iter().enumerate() {
            if done[i] || !s.inputs.iter().all(|&x| done[x]) {
                continue;
            }
            if let Some(line) = describe(&s.action) {
                out.lines.push(line);
            }
            apply(&s.action, cib, now);
            done[i] = true;
            out.fired.push(i);
            progress = true;
        }
        if !progress {
            break;
        }
    }
    out.stuck = (0..n).filter(|&i| !done[i]).collect();
    out
}

/// The line crm_simulate prints when it executes an action.
pub fn describe(a: &GraphAction) -> Option<String> {
    let node = a.node.as_ref().map(|n| n.name.as_str()).unwrap_or("");
    match a.kind {
        ActionKind::Pseudo => Some(if a.task == "stonith" && a.node.is_some() {
            format!("  * Pseudo action:   {} on {node}", a.key)
        } else {
            format!("  * Pseudo action:   {}", a.key)
        }),
        ActionKind::Cluster if a.task == "stonith" => Some(format!(
            "  * Fencing {node} ({})",
            a.meta
                .get("stonith_action")
                .map(String::as_str)
                .unwrap_or("reboot")
        )),
        ActionKind::Cluster => Some(match &a.rsc {
            Some(r) => format!("  * Cluster action:  {} for {} on {node}", a.task, r.id),
            None => format!("  * Cluster action:  {} on {node}", a.task),
        }),
        ActionKind::Resource => {
            let r = a.rsc.as_ref()?;
            let task = if a.interval_ms > 0 {
                format!("{}={}", a.task, a.interval_ms)
            } else {
                a.task.clone()
            };
            Some(format!(
                "  * Resource action: {:<15} {task} on {node}",
                r.history_id
            ))
        }
    }
}

// ------------------------------------------------------------ CIB updates

fn apply(a: &GraphAction, cib: &mut Element, now: i64) {
    match a.kind {
        ActionKind::Pseudo => {}
        ActionKind::Cluster => {
            if a.task == "stonith" {
                let how = a.meta.get("stonith_action").map(String::as_str);
                if how != Some("on") {
                    fence_node(a, cib);
                }
            }
        }
        ActionKind::Resource => {
            if a.rsc.is_some() && a.task != "delete" {
                record_result(a, cib, now);
            }
        }
    }
}

/// The child element matching `pred`, created with `make` when missing.
fn child_or_create(
    parent: &mut Element,
    pred: impl Fn(&Element) -> bool,
    make: impl FnOnce() -> Element,
) -> &mut Element {
    let pos = parent
        .children
        .iter()
        .position(|c| matches!(c, Node::Element(e) if pred(e)));
    let pos = match pos {
        Some(p) => p,
        None => {
            parent.children.push(Node::Element(make()));
            parent.children.len() - 1
        }
    };
    match &mut parent.children[pos] {
        Node::Element(e) => e,
        _ => unreachable!("the position holds an element"),
    }
}

/// The `node_state` of the action's node, created when missing.
fn node_state<'a>(cib: &'a mut Element, a: &GraphAction) -> Option<&'a mut Element> {
    let node = a.node.as_ref()?;
    let status = cib.child_or_insert("status");
    let by_name = status
        .elements()
        .any(|e| e.name == "node_state" && e.attr("uname") == Some(node.name.as_str()));
    let ns = child_or_create(
        status,
        |e| {
            e.name == "node_state"
                && if by_name {
                    e.attr("uname") == Some(node.name.as_str())
                } else {
                    e.id() == node.uuid
                }
        },
        || {
            let mut ns = Element::new("node_state")
                .with_attr("id", node.uuid.clone())
                .with_attr("uname", node.name.clone());
            if node.remote {
                ns.set_attr("remote_node", "true");
            }
            ns.set_attr("crm-debug-origin", "crm_simulate");
            ns
        },
    );
    Some(ns)
}

/// A fenced node is down and has lost its resource history and transient
/// attributes.
fn fence_node(a: &GraphAction, cib: &mut Element) {
    let Some(ns) = node_state(cib, a) else { return };
    ns.set_attr("in_ccm", "false");
    ns.set_attr("crmd", "offline");
    ns.set_attr("crm-debug-origin", "simulate_fencing_action");
    ns.set_attr("join", "down");
    ns.set_attr("expected", "down");
    ns.children.clear();
}

/// Record a successful result of a resource action in the node's history.
fn record_result(a: &GraphAction, cib: &mut Element, now: i64) {
    let Some(r) = a.rsc.clone() else { return };
    let Some(ns) = node_state(cib, a) else { return };
    let lrm_id = ns.id().to_string();
    let lrm = ns.child_or_insert("lrm");
    if lrm.attr("id").is_none() {
        lrm.set_attr("id", lrm_id);
    }
    let resources = lrm.child_or_insert("lrm_resources");
    // The result goes to the history the action's name refers to, or else
    // to one kept under the primitive's configured id.
    let known = resources
        .elements()
        .any(|e| e.name == "lrm_resource" && e.id() == r.history_id);
    let lrm_id = if known { &r.history_id } else { &r.id };
    let history = child_or_create(
        resources,
        |e| e.name == "lrm_resource" && e.id() == lrm_id,
        || {
            let mut e = Element::new("lrm_resource")
                .with_attr("id", lrm_id.clone())
                .with_attr("class", r.class.clone());
            if let Some(p) = &r.provider {
                e.set_attr("provider", p.clone());
            }
            e.set_attr("type", r.agent.clone());
            e
        },
    );

    let call_id = history
        .elements_named("lrm_rsc_op")
        .filter_map(|op| op.attr("call-id").and_then(|c| c.parse::<i64>().ok()))
        .max()
        .unwrap_or(0)
        .max(0)
        + 1;
    let (op_id, operation, key) = history_names(a, &r.id);
    let rc = a.target_rc;
    let transition_key = format!("{call_id}:-1:{rc}:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
    let mut attrs: Vec<(&str, String)> = vec![
        ("operation_key", key),
        ("operation", operation),
        ("crm-debug-origin", "crm_simulate".into()),
        ("crm_feature_set", "3.16.1".into()),
        ("transition-key", transition_key.clone()),
        ("transition-magic", format!("0:{rc};{transition_key}")),
        ("exit-reason", String::new()),
        ("call-id", call_id.to_string()),
        ("rc-code", rc.to_string()),
        ("op-status", "0".into()),
        ("interval", a.interval_ms.to_string()),
        ("last-rc-change", now.to_string()),
        ("exec-time", "0".into()),
        ("queue-time", "0".into()),
    ];
    for k in ["migrate_source", "migrate_target"] {
        if let Some(v) = a.meta.get(k) {
            attrs.push((k, v.clone()));
        }
    }
    if let Some(d) = &a.op_digest {
        attrs.push(("op-digest", d.clone()));
    }
    let existing = history
        .elements_mut()
        .find(|e| e.name == "lrm_rsc_op" && e.id() == op_id);
    match existing {
        Some(op) => {
            for (k, v) in attrs {
                op.set_attr(k, v);
            }
        }
        None => {
            let mut op = Element::new("lrm_rsc_op").with_attr("id", op_id);
            for (k, v) in attrs {
                op.set_attr(k, v);
            }
            history.push(op);
        }
    }
}

/// The history entry id, recorded operation and operation key of a result.
fn history_names(a: &GraphAction, rsc: &str) -> (String, String, String) {
    let interval = a.interval_ms;
    match a.task.as_str() {
        "notify" => {
            let kind = a
                .meta
                .get("notify_type")
                .map(String::as_str)
                .unwrap_or("post");
            let op = a
                .meta
                .get("notify_operation")
                .map(String::as_str)
                .unwrap_or("start");
            (
                format!("{rsc}_{kind}_notify_{op}_0"),
                "notify".into(),
                format!("{rsc}_notify_0"),
            )
        }
        // A reload is recorded as the start it stands for.
        "reload-agent" | "reload" => (
            format!("{rsc}_last_0"),
            "start".into(),
            format!("{rsc}_start_0"),
        ),
        "migrate_to" | "migrate_from" => {
            let key = format!("{rsc}_{}_{interval}", a.task);
            (key.clone(), a.task.clone(), key)
        }
        task if interval > 0 => {
            let key = format!("{rsc}_{task}_{interval}");
            (key.clone(), task.to_string(), key)
        }
        task => (
            format!("{rsc}_last_0"),
            task.to_string(),
            format!("{rsc}_{task}_0"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use vigil_cib::Cib;
    use vigil_cib::time::DateTime;

    use super::*;
    use crate::graph::{GraphNode, GraphResource, Synapse};

    const NOW: i64 = 1_700_000_000;

    fn node(name: &str) -> Option<GraphNode> {
        Some(GraphNode {
            name: name.into(),
            uuid: name.into(),
            remote: false,
        })
    }

    fn rsc_action(id: usize, task: &str, interval_ms: u64, on: &str) -> GraphAction {
        GraphAction {
            id,
            kind: ActionKind::Resource,
            task: task.into(),
            key: format!("rsc1_{task}_{interval_ms}"),
            internal_key: None,
            node: node(on),
            rsc: Some(GraphResource {
                id: "rsc1".into(),
                long_id: None,
                class: "ocf".into(),
                provider: Some("heartbeat".into()),
                agent: "Dummy".into(),
                history_id: "rsc1".into(),
            }),
            interval_ms,
            target_rc: 0,
            op_digest: None,
            meta: BTreeMap::new(),
        }
    }

    fn graph(actions: Vec<(GraphAction, Vec<usize>)>) -> TransitionGraph {
        TransitionGraph {
            synapses: actions
                .into_iter()
                .enumerate()
                .map(|(id, (action, inputs))| Synapse {
                    id,
                    priority: 0,
                    action,
                    inputs,
                })
                .collect(),
        }
    }

    #[test]
    fn ready_synapses_fire_in_list_order_within_a_pass() {
        // 0 waits for 1, which waits for 2: each pass fires one of them, as
        // a synapse is only ready once those before it in the list are.
        let g = graph(vec![
            (rsc_action(3, "monitor", 10_000, "node1"), vec![1]),
            (rsc_action(2, "start", 0, "node1"), vec![2]),
            (rsc_action(1, "stop", 0, "node2"), vec![]),
        ]);
        let mut cib = vigil_xml::Element::new("cib");
        let run = execute(&g, &mut cib, NOW);
        assert_eq!(run.fired, [2, 1, 0]);
        assert_eq!(
            run.lines,
            [
                "  * Resource action: rsc1            stop on node2",
                "  * Resource action: rsc1            start on node1",
                "  * Resource action: rsc1            monitor=10000 on node1",
            ]
        );
        assert!(run.stuck.is_empty());

        // Within one pass, an action completed earlier in the pass counts.
        let g = graph(vec![
            (rsc_action(1, "stop", 0, "node2"), vec![]),
            (rsc_action(2, "start", 0, "node1"), vec![0]),
        ]);
        let run = execute(&g, &mut vigil_xml::Element::new("cib"), NOW);
        assert_eq!(run.fired, [0, 1]);
    }

    #[test]
    fn actions_print_as_crm_simulate_does() {
        let mut fence = rsc_action(1, "stonith", 0, "node2");
        fence.kind = ActionKind::Cluster;
        fence.rsc = None;
        fence.meta.insert("stonith_action".into(), "reboot".into());
        assert_eq!(
            describe(&fence).as_deref(),
            Some("  * Fencing node2 (reboot)")
        );

        let mut down = rsc_action(2, "do_shutdown", 0, "node1");
        down.kind = ActionKind::Cluster;
        down.rsc = None;
        assert_eq!(
            describe(&down).as_deref(),
            Some("  * Cluster action:  do_shutdown on node1")
        );

        let mut clear = rsc_action(3, "clear_failcount", 0, "node1");
        clear.kind = ActionKind::Cluster;
        assert_eq!(
            describe(&clear).as_deref(),
            Some("  * Cluster action:  clear_failcount for rsc1 on node1")
        );

        let mut pseudo = rsc_action(4, "start", 0, "node1");
        pseudo.kind = ActionKind::Pseudo;
        pseudo.key = "grp_start_0".into();
        pseudo.node = None;
        assert_eq!(
            describe(&pseudo).as_deref(),
            Some("  * Pseudo action:   grp_start_0")
        );

        let cancel = rsc_action(5, "cancel", 10_000, "node1");
        assert_eq!(
            describe(&cancel).as_deref(),
            Some("  * Resource action: rsc1            cancel=10000 on node1")
        );
    }

    /// Schedule, execute and re-read a CIB; returns the executed lines and
    /// the state afterwards.
    fn run(xml: &str) -> (Vec<String>, crate::Cluster) {
        let cib = Cib::parse(xml, "test.xml").expect("test CIB parses");
        let now = DateTime::from_epoch(NOW);
        let t = crate::schedule(&cib, &now);
        let mut doc = cib.doc.clone();
        let run = execute(&t.graph, &mut doc, NOW);
        assert!(run.stuck.is_empty());
        let after = crate::current_state(&Cib::from_document(doc), &now).0;
        (run.lines, after)
    }

    #[test]
    fn results_are_recorded_in_the_status() {
        let (lines, after) = run(crate::graph::tests::ONE_PRIMITIVE);
        assert_eq!(
            lines,
            [
                "  * Resource action: rsc1            monitor on node2",
                "  * Resource action: rsc1            start on node1",
                "  * Resource action: rsc1            monitor=10000 on node1",
            ]
        );
        let r = after.find_rsc("rsc1").expect("rsc1 exists");
        let node1 = after.node_by_name("node1");
        assert_eq!(
            after.resources[r].running_on,
            node1.into_iter().collect::<Vec<_>>()
        );
        // The probe on node2 is now known there: nothing more to do.
        let node2 = after.node_by_name("node2").expect("node2 exists");
        assert!(after.resources[r].known_on.contains(&node2));
    }

    #[test]
    fn recorded_operations_follow_the_history_conventions() {
        let cib = Cib::parse(crate::graph::tests::ONE_PRIMITIVE, "t.xml").expect("parses");
        let t = crate::graph::tests::transition(crate::graph::tests::ONE_PRIMITIVE);
        let mut doc = cib.doc.clone();
        execute(&t.graph, &mut doc, NOW);
        let ops: Vec<&vigil_xml::Element> = doc
            .descendants()
            .into_iter()
            .filter(|e| e.name == "lrm_rsc_op")
            .collect();
        let get = |id: &str, node_ops: &[&vigil_xml::Element]| {
            node_ops.iter().find(|e| e.id() == id).map(|e| {
                (
                    e.attr("operation_key").unwrap_or("").to_string(),
                    e.attr("call-id").unwrap_or("").to_string(),
                    e.attr("rc-code").unwrap_or("").to_string(),
                )
            })
        };
        // node1: the probe's "last" entry was replaced by the start.
        assert_eq!(
            get("rsc1_last_0", &ops[..2]),
            Some(("rsc1_start_0".into(), "2".into(), "0".into()))
        );
        assert_eq!(
            get("rsc1_monitor_10000", &ops[..2]),
            Some(("rsc1_monitor_10000".into(), "3".into(), "0".into()))
        );
        // node2: a new history with the probe's "not running".
        assert_eq!(
            get("rsc1_last_0", &ops[2..]),
            Some(("rsc1_monitor_0".into(), "1".into(), "7".into()))
        );
    }

    #[test]
    fn fenced_nodes_go_down_and_lose_their_history() {
        let xml = r#"<cib have-quorum="1" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opts-stonith" name="stonith-enabled" value="true"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>
      <primitive id="fence" class="stonith" type="fence_dummy"/>
      <primitive id="rsc1" class="ocf" provider="heartbeat" type="Dummy"/>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources>
        <lrm_resource id="fence" class="stonith" type="fence_dummy">
          <lrm_rsc_op id="fence_last_0" operation_key="fence_start_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/>
        </lrm_resource>
        <lrm_resource id="rsc1" class="ocf" provider="heartbeat" type="Dummy">
          <lrm_rsc_op id="rsc1_last_0" operation_key="rsc1_monitor_0" operation="monitor" call-id="2" rc-code="7" op-status="0" interval="0" transition-key="2:1:7:x" transition-magic="0:7;2:1:7:x"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="false" crmd="offline" join="down" expected="member">
      <lrm id="2"><lrm_resources>
        <lrm_resource id="rsc1" class="ocf" provider="heartbeat" type="Dummy">
          <lrm_rsc_op id="rsc1_last_0" operation_key="rsc1_start_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
  </status>
</cib>"#;
        let (lines, after) = run(xml);
        assert!(
            lines.contains(&"  * Fencing node2 (reboot)".to_string()),
            "{lines:?}"
        );
        assert!(lines.contains(&"  * Pseudo action:   rsc1_stop_0".to_string()));
        assert!(lines.contains(&"  * Resource action: rsc1            start on node1".to_string()));
        let fenced = lines.iter().position(|l| l.contains("Fencing"));
        let start = lines.iter().position(|l| l.contains("start on node1"));
        assert!(fenced < start, "recovery waits for fencing: {lines:?}");
        let node2 = after.node_by_name("node2").expect("node2 exists");
        assert!(!after.nodes[node2].online && !after.nodes[node2].unclean);
        let r = after.find_rsc("rsc1").expect("rsc1 exists");
        assert_eq!(after.resources[r].running_on.len(), 1);
        assert_ne!(after.resources[r].running_on[0], node2);
    }
}
