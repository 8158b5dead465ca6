//! The transition graph: the actions of a transition that will really be
//! executed, and the orderings between them an executor must respect.
//!
//! The working set holds every action the scheduler considered, optional
//! and unrunnable ones included, and every ordering it created. The graph
//! keeps only what an executor needs: required, runnable actions, and the
//! orderings between two such actions that still constrain something. It is
//! what Pacemaker's scheduler hands to its controller (and what
//! `crm_simulate -G` writes), and the synapse order is the same as
//! Pacemaker's, because an executor that fires every ready synapse in list
//! order (as crm_simulate's does) runs actions in that order.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::cluster::*;

/// How an action is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// A resource agent operation on a node (`rsc_op`).
    Resource,
    /// A marker for ordering that needs nothing done (`pseudo_event`).
    Pseudo,
    /// Done by the cluster itself: fencing, shutdown, history clean-up
    /// (`crm_event`).
    Cluster,
}

/// The resource an action operates on, as the executor knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphResource {
    /// The primitive's id (the configured id for anonymous clone instances).
    pub id: String,
    /// The instance's own name, when it differs from `id`.
    pub long_id: Option<String>,
    pub class: String,
    pub provider: Option<String>,
    pub agent: String,
    /// The name the executor knows the resource by (and prints): `id` when
    /// some resource is known by that name, else `long_id`. Results go to
    /// the history kept under this name, or else under `id`.
    pub history_id: String,
}

/// The node an action runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphNode {
    pub name: String,
    /// The `node_state` id.
    pub uuid: String,
    /// A Pacemaker Remote or guest node.
    pub remote: bool,
}

/// One action of the graph.
#[derive(Debug, Clone)]
pub struct GraphAction {
    /// The action's id in the working set (unique within the graph).
    pub id: usize,
    pub kind: ActionKind,
    /// The operation (`start`, `monitor`, `stonith`, `do_shutdown`, ...).
    pub task: String,
    /// The operation key (`rsc_monitor_10000`, `stonith-node1-reboot`, ...).
    pub key: String,
    /// For clone instances whose history uses another name: the key with
    /// the instance's own id.
    pub internal_key: Option<String>,
    pub node: Option<GraphNode>,
    pub rsc: Option<GraphResource>,
    pub interval_ms: u64,
    /// The result that means success (7 for probes of inactive resources,
    /// 8 for monitors of promoted ones, 0 otherwise).
    pub target_rc: i32,
    /// The digest of the parameters a resource operation runs with (the
    /// history records it, to notice later definition changes).
    pub op_digest: Option<String>,
    /// Further settings: `stonith_action`, `migrate_source`,
    /// `migrate_target`, `notify_type`, `notify_operation`.
    pub meta: BTreeMap<String, String>,
}

/// An action with the actions it must wait for.
#[derive(Debug, Clone)]
pub struct Synapse {
    pub id: usize,
    pub priority: i64,
    pub action: GraphAction,
    /// Indices (into [`TransitionGraph::synapses`]) of the synapses whose
    /// actions must complete first.
    pub inputs: Vec<usize>,
}

/// The executable form of a transition.
#[derive(Debug, Clone, Default)]
pub struct TransitionGraph {
    pub synapses: Vec<Synapse>,
}

impl TransitionGraph {
    /// Build the graph of a scheduled working set. Creates the per-instance
    /// notify operations of clones with `notify=true` first: they exist
    /// only once every other action is final.
    pub fn build(cluster: &mut Cluster) -> TransitionGraph {
        crate::notify_actions::create_notify_actions(cluster);
        crate::probe_orderings::add_restart_orderings(cluster);
        crate::probe_orderings::add_migration_orderings(cluster);
        let n = cluster.actions.len();
        let included: Vec<bool> = (0..n).map(|a| should_include(cluster, a)).collect();

        let mut order = Vec::new();
        let mut placed = vec![false; n];
        for r in cluster.top.clone() {
            add_resource_actions(cluster, r, &included, &mut placed, &mut order);
        }
        for a in (0..n).rev() {
            if included[a] && !placed[a] {
                placed[a] = true;
                order.push(a);
            }
        }

        let mut synapse_of = vec![usize::MAX; n];
        for (i, &a) in order.iter().enumerate() {
            synapse_of[a] = i;
        }
        let inputs = kept_inputs(cluster, &order, &included);
        let synapses = order
            .iter()
            .enumerate()
            .map(|(i, &a)| {
                let mut ins: Vec<usize> = inputs[i].iter().map(|&f| synapse_of[f]).collect();
                ins.sort_unstable();
                ins.dedup();
                Synapse {
                    id: i,
                    priority: synapse_priority(cluster, a),
                    action: graph_action(cluster, a),
                    inputs: ins,
                }
            })
            .collect();
        TransitionGraph { synapses }
    }

    /// The graph in Pacemaker's transition graph XML (as `crm_simulate -G`
    /// writes it, without the resource parameters).
    pub fn to_xml(&self) -> String {
        let mut out = String::from(
            "<transition_graph cluster-delay=\"60s\" stonith-timeout=\"60s\" \
             failed-stop-offset=\"INFINITY\" failed-start-offset=\"INFINITY\" \
             batch-limit=\"0\" transition_id=\"0\">\n",
        );
        for s in &self.synapses {
            if s.priority != 0 {
                let _ = writeln!(
                    out,
                    "  <synapse id=\"{}\" priority=\"{}\">",
                    s.id, s.priority
                );
            } else {
                let _ = writeln!(out, "  <synapse id=\"{}\">", s.id);
            }
            out.push_str("    <action_set>\n");
            write_action(&mut out, &s.action, 6, true);
            out.push_str("    </action_set>\n");
            if s.inputs.is_empty() {
                out.push_str("    <inputs/>\n");
            } else {
                out.push_str("    <inputs>\n");
                for &i in &s.inputs {
                    out.push_str("      <trigger>\n");
                    write_action(&mut out, &self.synapses[i].action, 8, false);
                    out.push_str("      </trigger>\n");
                }
                out.push_str("    </inputs>\n");
            }
            out.push_str("  </synapse>\n");
        }
        out.push_str("</transition_graph>\n");
        out
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn write_action(out: &mut String, a: &GraphAction, indent: usize, full: bool) {
    let pad = " ".repeat(indent);
    let tag = match a.kind {
        ActionKind::Resource => "rsc_op",
        ActionKind::Pseudo => "pseudo_event",
        ActionKind::Cluster => "crm_event",
    };
    let _ = write!(
        out,
        "{pad}<{tag} id=\"{}\" operation=\"{}\" operation_key=\"{}\"",
        a.id,
        escape(&a.task),
        escape(&a.key)
    );
    if let Some(k) = &a.internal_key {
        let _ = write!(out, " internal_operation_key=\"{}\"", escape(k));
    }
    if let Some(n) = &a.node {
        let _ = write!(
            out,
            " on_node=\"{}\" on_node_uuid=\"{}\"",
            escape(&n.name),
            escape(&n.uuid)
        );
    }
    if !full {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    if let Some(r) = &a.rsc {
        let _ = write!(out, "{pad}  <primitive id=\"{}\"", escape(&r.id));
        if let Some(l) = &r.long_id {
            let _ = write!(out, " long-id=\"{}\"", escape(l));
        }
        let _ = write!(out, " class=\"{}\"", escape(&r.class));
        if let Some(p) = &r.provider {
            let _ = write!(out, " provider=\"{}\"", escape(p));
        }
        let _ = writeln!(out, " type=\"{}\"/>", escape(&r.agent));
    }
    let mut attrs: BTreeMap<String, String> = BTreeMap::new();
    if a.interval_ms > 0 {
        attrs.insert("CRM_meta_interval".into(), a.interval_ms.to_string());
    }
    if a.target_rc != 0 {
        attrs.insert("CRM_meta_op_target_rc".into(), a.target_rc.to_string());
    }
    if let Some(n) = &a.node {
        attrs.insert("CRM_meta_on_node".into(), n.name.clone());
        attrs.insert("CRM_meta_on_node_uuid".into(), n.uuid.clone());
    }
    for (k, v) in &a.meta {
        attrs.insert(format!("CRM_meta_{k}"), v.clone());
    }
    let _ = write!(out, "{pad}  <attributes");
    for (k, v) in &attrs {
        let _ = write!(out, " {k}=\"{}\"", escape(v));
    }
    out.push_str("/>\n");
    let _ = writeln!(out, "{pad}</{tag}>");
}

// ------------------------------------------------------------ inclusion

/// Whether an action belongs in the graph: it must be required and able
/// to run, and be something an executor can do (or a pseudo-action that
/// others wait for).
fn should_include(cluster: &Cluster, a: ActionId) -> bool {
    let act = &cluster.actions[a];
    if !act.runnable() {
        return false;
    }
    // "One or more of these first" happens when one of them does.
    if act.pseudo() && act.flags.has(ActionFlags::REQUIRES_ANY) {
        return act.before.iter().any(|e| {
            let f = &cluster.actions[e.action];
            e.flags.has(OrderFlags::ONE_OR_MORE) && !f.optional() && f.runnable()
        });
    }
    if act.optional() {
        return false;
    }
    act.pseudo() || act.node.is_some()
}

// -------------------------------------------------------------- ordering

/// Synapse order: each top-level resource's actions (newest first; a
/// group's own before its members', a clone's members' before its own),
/// then every remaining action, newest first.
fn add_resource_actions(
    cluster: &Cluster,
    r: RscId,
    included: &[bool],
    placed: &mut [bool],
    order: &mut Vec<ActionId>,
) {
    let rsc = &cluster.resources[r];
    let own = |placed: &mut [bool], order: &mut Vec<ActionId>| {
        for &a in rsc.actions.iter().rev() {
            if included[a] && !placed[a] {
                placed[a] = true;
                order.push(a);
            }
        }
    };
    match rsc.variant {
        Variant::Primitive => own(placed, order),
        Variant::Group => {
            own(placed, order);
            for &c in &rsc.children {
                add_resource_actions(cluster, c, included, placed, order);
            }
        }
        Variant::Clone | Variant::Bundle => {
            // Instances in number order, however placement sorted them.
            let mut children = rsc.children.clone();
            children.sort_by_key(|&c| instance_number(&cluster.resources[c].id));
            for c in children {
                add_resource_actions(cluster, c, included, placed, order);
            }
            own(placed, order);
        }
    }
}

/// The `N` of a clone instance id `rsc:N`.
fn instance_number(id: &str) -> u64 {
    id.rsplit_once(':')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(u64::MAX)
}

fn same_node(cluster: &Cluster, first: ActionId, then: ActionId) -> bool {
    let (f, t) = (&cluster.actions[first], &cluster.actions[then]);
    match (f.node, t.node) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Whether the ordering `edge` (first → `then`) constrains the graph.
fn input_applies(cluster: &Cluster, then: ActionId, edge: &Edge, included: &[bool]) -> bool {
    let first = edge.action;
    let flags = edge.flags;
    if flags.is_none() || first == then || !included[first] {
        return false;
    }
    // A merely sequencing ordering after the stop of a migrating resource:
    // that stop comes after the migration, and means nothing for others.
    let first_act = &cluster.actions[first];
    if flags == OrderFlags::OPTIONAL
        && first_act.task == Task::Stop
        && first_act.flags.has(ActionFlags::MIGRATE_RUNNABLE)
    {
        return false;
    }
    if flags.has(OrderFlags::SAME_NODE) && !same_node(cluster, first, then) {
        return false;
    }
    if flags.has(OrderFlags::LOAD) {
        // A migration loads its target, not the node it runs on.
        let then_act = &cluster.actions[then];
        let then_node = match (then_act.task, then_act.rsc) {
            (Task::MigrateTo, Some(r)) => cluster.resources[r].assigned,
            _ => then_act.node,
        };
        let first_node = cluster.actions[first].node;
        if then_node.is_none() || first_node != then_node {
            return false;
        }
    }
    true
}

/// The inputs of every synapse, dropping orderings that would close a loop.
fn kept_inputs(cluster: &Cluster, order: &[ActionId], included: &[bool]) -> Vec<Vec<ActionId>> {
    let mut kept: BTreeMap<ActionId, Vec<ActionId>> = BTreeMap::new();
    for &a in order {
        let mut ins: Vec<ActionId> = Vec::new();
        for e in &cluster.actions[a].before {
            if !input_applies(cluster, a, e, included) || ins.contains(&e.action) {
                continue;
            }
            if reaches(cluster, e.action, a, included) {
                continue;
            }
            ins.push(e.action);
        }
        kept.insert(a, ins);
    }
    order
        .iter()
        .map(|a| kept.remove(a).unwrap_or_default())
        .collect()
}

/// Whether `target` is (transitively) an input of `from`.
fn reaches(cluster: &Cluster, from: ActionId, target: ActionId, included: &[bool]) -> bool {
    let mut seen = vec![false; cluster.actions.len()];
    let mut stack = vec![from];
    while let Some(x) = stack.pop() {
        if x == target {
            return true;
        }
        if seen[x] {
            continue;
        }
        seen[x] = true;
        for e in &cluster.actions[x].before {
            if input_applies(cluster, x, e, included) && !seen[e.action] {
                stack.push(e.action);
            }
        }
    }
    false
}

/// Completion events and post-notifications go first among ready
/// synapses in a real controller (the simulated executor ignores this).
fn synapse_priority(cluster: &Cluster, a: ActionId) -> i64 {
    let act = &cluster.actions[a];
    let completion = act.pseudo()
        && act.rsc.is_some()
        && matches!(
            act.task,
            Task::Running | Task::Stopped | Task::Promoted | Task::Demoted
        );
    let post_notify = act
        .notify_type
        .as_ref()
        .is_some_and(|(kind, _)| kind.ends_with("post"));
    if completion || post_notify {
        1_000_000
    } else {
        0
    }
}

// ----------------------------------------------------------- description

/// The name a resource's actions are keyed with.
fn key_name(rsc: &Resource) -> &str {
    rsc.history_name.as_deref().unwrap_or(&rsc.id)
}

fn graph_resource(cluster: &Cluster, r: RscId) -> Option<GraphResource> {
    let rsc = &cluster.resources[r];
    let agent = rsc.agent.as_ref()?;
    let anonymous = crate::history::is_anonymous_instance(cluster, r);
    let (id, long_id) = if anonymous {
        let own = key_name(rsc).to_string();
        let long = (own != rsc.base_id).then_some(own);
        (rsc.base_id.clone(), long)
    } else {
        (key_name(rsc).to_string(), None)
    };
    // The executor records history under the primitive's id when a
    // resource is known by that name, else under the instance's name.
    let history_id = match &long_id {
        Some(l)
            if !cluster
                .resources
                .iter()
                .any(|x| x.id == id || x.history_name.as_deref() == Some(id.as_str())) =>
        {
            l.clone()
        }
        _ => id.clone(),
    };
    Some(GraphResource {
        id,
        long_id,
        class: agent.class.clone(),
        provider: agent.provider.clone(),
        agent: agent.kind.clone(),
        history_id,
    })
}

fn graph_node(cluster: &Cluster, n: NodeId) -> GraphNode {
    let node = &cluster.nodes[n];
    GraphNode {
        name: node.name.clone(),
        uuid: node.id.clone(),
        remote: node.is_remote(),
    }
}

/// The operation name of an action as the executor sees it.
fn operation(act: &Action) -> String {
    match act.task {
        Task::Lrm => "probe_again".into(),
        Task::LoadStopped | Task::AllStopped => act.key.clone().unwrap_or_default(),
        Task::Running if act.rsc.is_none() => act
            .task_name
            .clone()
            .or_else(|| act.key.clone())
            .unwrap_or_default(),
        t => t.name().into(),
    }
}

fn action_key(cluster: &Cluster, act: &Action, name: &str) -> String {
    if act.rsc.is_none() {
        return match act.task {
            Task::Lrm => match act.node {
                Some(n) => format!("probe_again-{}", cluster.nodes[n].name),
                None => "probe_again".into(),
            },
            _ => act.key.clone().unwrap_or_default(),
        };
    }
    if let Some(k) = &act.key {
        return format!("{name}_{k}_0");
    }
    let task = match act.task {
        Task::Cancel => act.task_name.as_deref().unwrap_or("monitor"),
        t => t.name(),
    };
    format!("{name}_{task}_{}", act.interval_ms)
}

fn graph_action(cluster: &Cluster, a: ActionId) -> GraphAction {
    let act = &cluster.actions[a];
    let kind = if act.pseudo() {
        ActionKind::Pseudo
    } else if act.rsc.is_none()
        || matches!(act.task, Task::ClearFailcount | Task::LrmDelete)
        || act.task_name.as_deref() == Some("lrm_delete")
    {
        if act.task == Task::Lrm {
            ActionKind::Resource
        } else {
            ActionKind::Cluster
        }
    } else {
        ActionKind::Resource
    };
    let rsc = act.rsc.and_then(|r| match kind {
        ActionKind::Pseudo => None,
        _ => graph_resource(cluster, r),
    });
    let (key, internal_key) = match act.rsc {
        Some(r) => {
            let res = &cluster.resources[r];
            let key = action_key(cluster, act, key_name(res));
            let internal = action_key(cluster, act, &res.id);
            let internal = (internal != key).then_some(internal);
            (key, internal)
        }
        None => (action_key(cluster, act, ""), None),
    };
    let mut meta = BTreeMap::new();
    if act.task == Task::Fence {
        let how = act
            .meta
            .get("stonith_action")
            .cloned()
            .unwrap_or_else(|| cluster.options.stonith_action.clone());
        meta.insert("stonith_action".to_string(), how);
    }
    if let Some(s) = act.migrate_source {
        meta.insert("migrate_source".into(), cluster.nodes[s].name.clone());
    }
    if let Some(t) = act.migrate_target {
        meta.insert("migrate_target".into(), cluster.nodes[t].name.clone());
    }
    if let Some((kind, op)) = &act.notify_type {
        meta.insert("notify_type".into(), kind.clone());
        meta.insert("notify_operation".into(), op.name().into());
    }
    for k in ["notify_type", "notify_operation", "notify_key_type"] {
        if let Some(v) = act.meta.get(k) {
            meta.insert(k.to_string(), v.clone());
        }
    }
    let target_rc = act
        .meta
        .get("target_rc")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // Pseudo-actions have no node, except the fencing of guest nodes.
    let node = match kind {
        ActionKind::Pseudo if act.task != Task::Fence => None,
        _ => act.node.map(|n| graph_node(cluster, n)),
    };
    let op_digest = match (kind, act.rsc, act.node) {
        (ActionKind::Resource, Some(r), Some(n)) if cluster.resources[r].is_primitive() => Some(
            crate::digest::op_digest(cluster, r, n, act.task.name(), act.interval_ms),
        ),
        _ => None,
    };
    GraphAction {
        id: a,
        kind,
        op_digest,
        task: operation(act),
        key,
        internal_key,
        node,
        rsc,
        interval_ms: act.interval_ms,
        target_rc,
        meta,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use vigil_cib::Cib;
    use vigil_cib::time::DateTime;

    use super::*;

    /// A two-node cluster with one stopped primitive (with a 10s monitor)
    /// whose history on node1 is a probe that found it stopped.
    pub(crate) const ONE_PRIMITIVE: &str = r#"<cib have-quorum="1" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opts-stonith" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>
      <primitive id="rsc1" class="ocf" provider="heartbeat" type="Dummy">
        <operations><op id="rsc1-mon" name="monitor" interval="10s"/></operations>
      </primitive>
    </resources>
    <constraints>
      <rsc_location id="prefer" rsc="rsc1" node="node1" score="100"/>
    </constraints>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources>
        <lrm_resource id="rsc1" class="ocf" provider="heartbeat" type="Dummy">
          <lrm_rsc_op id="rsc1_last_0" operation_key="rsc1_monitor_0" operation="monitor" call-id="1" rc-code="7" op-status="0" interval="0" transition-magic="0:7;1:1:7:x"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>"#;

    pub(crate) fn transition(xml: &str) -> crate::Transition {
        let cib = Cib::parse(xml, "test.xml").expect("test CIB parses");
        crate::schedule(&cib, &DateTime::from_epoch(1_700_000_000))
    }

    fn keys(g: &TransitionGraph) -> Vec<String> {
        g.synapses
            .iter()
            .map(|s| match &s.action.node {
                Some(n) => format!("{}@{}", s.action.key, n.name),
                None => s.action.key.clone(),
            })
            .collect()
    }

    fn inputs_of(g: &TransitionGraph, key: &str) -> Vec<String> {
        let all = keys(g);
        let i = all.iter().position(|k| k == key).expect("action in graph");
        g.synapses[i]
            .inputs
            .iter()
            .map(|&x| all[x].clone())
            .collect()
    }

    #[test]
    fn start_needs_probe_and_monitor_needs_start() {
        let t = transition(ONE_PRIMITIVE);
        let g = &t.graph;
        // Newest first within the resource: monitor, start, then the probe.
        assert_eq!(
            keys(g),
            [
                "rsc1_monitor_10000@node1",
                "rsc1_start_0@node1",
                "rsc1_monitor_0@node2"
            ]
        );
        assert_eq!(inputs_of(g, "rsc1_start_0@node1"), ["rsc1_monitor_0@node2"]);
        assert_eq!(
            inputs_of(g, "rsc1_monitor_10000@node1"),
            ["rsc1_start_0@node1"]
        );
        let probe = &g.synapses[2].action;
        assert_eq!(probe.kind, ActionKind::Resource);
        assert_eq!(probe.target_rc, 7);
        let mon = &g.synapses[0].action;
        assert_eq!(mon.interval_ms, 10_000);
        assert_eq!(
            mon.rsc.as_ref().map(|r| r.history_id.as_str()),
            Some("rsc1")
        );
    }

    #[test]
    fn a_finished_transition_leaves_nothing_to_do() {
        // Execute the transition, then schedule again: every action is now
        // optional (the resource runs where it should, with its monitor),
        // so the graph is empty.
        let cib = Cib::parse(ONE_PRIMITIVE, "test.xml").expect("test CIB parses");
        let t = transition(ONE_PRIMITIVE);
        let mut doc = cib.doc.clone();
        let run = crate::simulate::execute(&t.graph, &mut doc, 1_700_000_000);
        assert_eq!(run.fired.len(), 3);
        let again = crate::schedule(
            &Cib::from_document(doc),
            &DateTime::from_epoch(1_700_000_100),
        );
        assert!(keys(&again.graph).is_empty(), "{:?}", keys(&again.graph));
    }

    #[test]
    fn graph_xml_names_actions_and_triggers() {
        let t = transition(ONE_PRIMITIVE);
        let xml = t.graph.to_xml();
        let doc = vigil_xml::parse(&xml).expect("graph XML parses");
        assert_eq!(doc.name, "transition_graph");
        assert_eq!(doc.elements_named("synapse").count(), 3);
        assert!(xml.contains(r#"operation_key="rsc1_start_0" on_node="node1""#));
        assert!(
            xml.contains(r#"<primitive id="rsc1" class="ocf" provider="heartbeat" type="Dummy"/>"#)
        );
        assert!(xml.contains(r#"CRM_meta_op_target_rc="7""#));
    }

    #[test]
    fn clone_instances_in_number_order() {
        assert!(instance_number("rsc:2") < instance_number("rsc:10"));
        assert_eq!(instance_number("rsc"), u64::MAX);
    }

    #[test]
    fn notifications_bracket_clone_actions() {
        let xml = r#"<cib have-quorum="1" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opts-stonith" name="stonith-enabled" value="false"/>
      <nvpair id="opts-probes" name="enable-startup-probes" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>
      <clone id="c">
        <meta_attributes id="c-meta"><nvpair id="c-notify" name="notify" value="true"/></meta_attributes>
        <primitive id="r" class="ocf" provider="pacemaker" type="Stateful"/>
      </clone>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources>
        <lrm_resource id="r" class="ocf" provider="pacemaker" type="Stateful">
          <lrm_rsc_op id="r_last_0" operation_key="r_start_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x" op-digest="DIGEST"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>"#;
        // The instance runs with its current (empty) parameters.
        let digest = vigil_xml::Element::new("parameters").digest();
        let t = transition(&xml.replace("DIGEST", &digest));
        let g = &t.graph;
        let all = keys(g);
        // The running instance (keyed by its history's name, "r") hears
        // about the other one starting; the starting one only afterwards.
        assert!(
            all.contains(&"r_pre_notify_start_0@node1".to_string()),
            "{all:?}"
        );
        assert!(all.contains(&"r_post_notify_start_0@node1".to_string()));
        assert!(all.contains(&"r:1_post_notify_start_0@node2".to_string()));
        assert!(!all.contains(&"r:1_pre_notify_start_0@node2".to_string()));
        assert_eq!(
            inputs_of(g, "r_pre_notify_start_0@node1"),
            ["c_pre_notify_start_0"]
        );
        let confirmed = inputs_of(g, "c_confirmed-pre_notify_start_0");
        assert!(confirmed.contains(&"r_pre_notify_start_0@node1".to_string()));
        let internal = g
            .synapses
            .iter()
            .find(|s| s.action.key == "r_pre_notify_start_0")
            .and_then(|s| s.action.internal_key.clone());
        assert_eq!(internal.as_deref(), Some("r:0_pre_notify_start_0"));
    }
}
