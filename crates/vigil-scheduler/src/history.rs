//! Reading the status section: which nodes are up, and — from each node's
//! operation history — which resources are active where, in which role,
//! and what has failed.

use vigil_cib::nvset::evaluate_sets;
use vigil_cib::rule::RuleContext;
use vigil_cib::status::{LrmOp, LrmResource, NodeState};
use vigil_cib::{Cib, Score, is_true};

use crate::cluster::*;

// Executor status codes (`op-status`).
const EXEC_PENDING: i32 = -1;
const EXEC_DONE: i32 = 0;
const EXEC_CANCELLED: i32 = 1;
const EXEC_TIMEOUT: i32 = 2;
const EXEC_NOT_SUPPORTED: i32 = 3;
const EXEC_ERROR: i32 = 4;
const EXEC_ERROR_HARD: i32 = 5;
const EXEC_ERROR_FATAL: i32 = 6;
const EXEC_NOT_INSTALLED: i32 = 7;
const EXEC_NOT_CONNECTED: i32 = 8;
const EXEC_INVALID: i32 = 9;

// OCF exit codes.
const OCF_OK: i32 = 0;
const OCF_NOT_INSTALLED: i32 = 5;
const OCF_NOT_CONFIGURED: i32 = 6;
const OCF_NOT_RUNNING: i32 = 7;
const OCF_RUNNING_PROMOTED: i32 = 8;
const OCF_FAILED_PROMOTED: i32 = 9;
const OCF_DEGRADED: i32 = 190;
const OCF_DEGRADED_PROMOTED: i32 = 191;

/// A failed operation as shown under "Failed Resource Actions".
#[derive(Debug, Clone)]
pub struct FailedOp {
    pub rsc: RscId,
    pub node: NodeId,
    pub op: LrmOp,
}

/// The parts of the working set that come from the status section.
pub(crate) fn unpack_status(cluster: &mut Cluster, cib: &Cib, failed_ops: &mut Vec<FailedOp>) {
    for t in &cib.status.tickets {
        let get = |k: &str| t.attrs.get(k).map(String::as_str);
        cluster.tickets.insert(
            t.id.clone(),
            Ticket {
                id: t.id.clone(),
                granted: is_true(get("granted")),
                standby: is_true(get("standby")),
                last_granted: get("last-granted").and_then(|v| v.parse().ok()),
            },
        );
    }
    for ns in &cib.status.nodes {
        if let Some(n) = find_node_for_state(cluster, ns) {
            for lrm in &ns.resources {
                cluster.history_index.add(n, lrm);
            }
        }
    }

    let dc_uuid = cib.attr("dc-uuid").map(str::to_string);
    for (i, node) in cluster.nodes.iter_mut().enumerate() {
        node.is_dc = dc_uuid.as_deref() == Some(node.id.as_str());
        if node.is_dc {
            cluster.dc_node = Some(i);
        }
    }
    // Until its status is seen, a cluster node is assumed to be in an
    // unknown (unclean) state when startup fencing applies.
    let startup_unclean = cluster.options.stonith_enabled && cluster.options.startup_fencing;
    for node in cluster.nodes.iter_mut() {
        node.unseen = true;
        if node.kind == NodeKind::Member || node.connection.is_some() {
            node.unclean = startup_unclean && node.kind != NodeKind::Guest;
        }
    }
    for n in 0..cluster.nodes.len() {
        apply_node_attributes(cluster, n);
    }

    // First pass: membership of cluster nodes.
    let mut state_of: Vec<(NodeId, &NodeState)> = Vec::new();
    for ns in &cib.status.nodes {
        if ns.uname.is_none() {
            continue;
        }
        let Some(n) = find_node_for_state(cluster, ns) else {
            continue;
        };
        if state_of.iter().any(|(x, _)| *x == n) {
            continue;
        }
        state_of.push((n, ns));
        if cluster.nodes[n].is_remote() {
            cluster.nodes[n].remote_was_fenced =
                ns.attrs.get("node_fenced").is_some_and(|v| v != "0");
            if cluster.nodes[n].kind == NodeKind::Remote {
                cluster.nodes[n].unclean = false;
            }
            continue;
        }
        add_transient_attributes(cluster, n, ns);
        let node = &mut cluster.nodes[n];
        node.unclean = false;
        node.unseen = false;
        determine_member_state(cluster, n, ns);
        if !cluster.have_quorum
            && cluster.nodes[n].online
            && cluster.options.no_quorum_policy == NoQuorumPolicy::Fence
        {
            fence_node(cluster, n, "cluster does not have quorum", false);
        }
    }

    // Operation histories; remote nodes only once their connections are
    // known to be up, then whatever is left when fencing is enabled.
    let mut unpacked = vec![false; cluster.nodes.len()];
    loop {
        // Nodes found while reading history (orphaned remote connections)
        // have their states read too.
        if unpacked.len() < cluster.nodes.len() {
            unpacked.resize(cluster.nodes.len(), false);
            for ns in &cib.status.nodes {
                let Some(n) = find_node_for_state(cluster, ns) else {
                    continue;
                };
                if state_of.iter().any(|(x, _)| *x == n) {
                    continue;
                }
                state_of.push((n, ns));
                cluster.nodes[n].remote_was_fenced =
                    ns.attrs.get("node_fenced").is_some_and(|v| v != "0");
                for lrm in &ns.resources {
                    cluster.history_index.add(n, lrm);
                }
            }
        }
        let mut progressed = false;
        for &(n, ns) in &state_of {
            if unpacked[n] || !history_ready(cluster, n) {
                continue;
            }
            unpack_node_history(cluster, n, ns, failed_ops);
            unpacked[n] = true;
            progressed = true;
        }
        if !progressed {
            break;
        }
    }
    if cluster.options.stonith_enabled {
        for &(n, ns) in &state_of {
            if !unpacked[n] {
                unpack_node_history(cluster, n, ns, failed_ops);
                unpacked[n] = true;
            }
        }
    }
    for (n, &done) in unpacked.iter().enumerate() {
        if !cluster.nodes[n].is_remote() {
            continue;
        }
        if cluster.nodes[n].shutdown
            && let Some(conn) = cluster.nodes[n].connection
        {
            cluster.resources[conn].next_role = Role::Stopped;
        }
        if !done {
            crate::remote::determine_remote_online(cluster, n);
        }
    }
}

/// Whether a node's history can be read yet (see [`unpack_status`]).
fn history_ready(cluster: &Cluster, n: NodeId) -> bool {
    let node = &cluster.nodes[n];
    match node.kind {
        NodeKind::Guest => node.connection.is_some_and(|c| {
            let conn = &cluster.resources[c];
            conn.role == Role::Started
                && conn
                    .container
                    .is_some_and(|k| cluster.resources[k].role == Role::Started)
        }),
        NodeKind::Remote => node.connection.is_some_and(|c| {
            cluster.options.shutdown_lock || cluster.resources[c].role == Role::Started
        }),
        NodeKind::Member => {
            cluster.options.stonith_enabled || cluster.options.shutdown_lock || node.online
        }
    }
}

fn unpack_node_history(
    cluster: &mut Cluster,
    n: NodeId,
    ns: &NodeState,
    failed_ops: &mut Vec<FailedOp>,
) {
    if cluster.nodes[n].is_remote() {
        crate::remote::determine_remote_online(cluster, n);
        crate::remote::handle_remote_attrs(cluster, n, ns);
    }
    for lrm in &ns.resources {
        unpack_lrm_resource(cluster, n, lrm, failed_ops);
    }
    map_orphaned_fillers(cluster, ns);
}

fn add_transient_attributes(cluster: &mut Cluster, n: NodeId, ns: &NodeState) {
    let ctx = RuleContext {
        now: Some(&cluster.now),
        ..Default::default()
    };
    let transient = evaluate_sets(&ns.transient, &ctx, None);
    let node = &mut cluster.nodes[n];
    for (k, v) in transient {
        node.attrs.insert(k, v);
    }
    if is_true(node.attrs.get("standby").map(String::as_str)) {
        node.standby = true;
    }
    if is_true(node.attrs.get("maintenance").map(String::as_str)) {
        node.maintenance = true;
    }
    let site_missing = !node.attrs.contains_key("#site-name");
    if site_missing && let Some(site) = node.attrs.get("site-name").cloned() {
        node.attrs.insert("#site-name".into(), site);
    }
}

fn find_node_for_state(cluster: &Cluster, ns: &NodeState) -> Option<NodeId> {
    cluster
        .nodes
        .iter()
        .position(|n| n.id == ns.id)
        .or_else(|| ns.uname.as_deref().and_then(|u| cluster.node_by_name(u)))
}

/// Mark a node for fencing with a reason (the first reason sticks).
///
/// A guest node is "fenced" by recovering its container resource; remote
/// and cluster nodes become unclean and get a (not yet required) fencing
/// action carrying the reason.
pub(crate) fn fence_node(cluster: &mut Cluster, n: NodeId, reason: &str, _priority_delay: bool) {
    match cluster.nodes[n].kind {
        NodeKind::Guest => {
            let container = cluster.nodes[n]
                .connection
                .and_then(|c| cluster.resources[c].container);
            if let Some(k) = container
                && !cluster.resources[k].failed
                && cluster.resources[k].managed
            {
                cluster.nodes[n].remote_requires_reset = true;
                cluster.resources[k].failed = true;
                cluster.resources[k].stop_needed = true;
            }
        }
        NodeKind::Remote => {
            let managed = cluster.nodes[n]
                .connection
                .is_none_or(|c| cluster.resources[c].managed);
            if managed {
                cluster.nodes[n].remote_requires_reset = true;
            }
            cluster.nodes[n].unclean = true;
            cluster.nodes[n].can_run = false;
            crate::fencing::note_fence_request(cluster, n, reason);
        }
        NodeKind::Member => {
            if !cluster.nodes[n].unclean {
                cluster.nodes[n].unclean = true;
                cluster.nodes[n].can_run = false;
                crate::fencing::note_fence_request(cluster, n, reason);
            }
        }
    }
}

/// Decide whether a cluster node is online, offline, pending or unclean
/// from its membership attributes.
fn determine_member_state(cluster: &mut Cluster, n: NodeId, ns: &NodeState) {
    let get = |k: &str| ns.attrs.get(k).map(String::as_str);
    let in_ccm_raw = get("in_ccm");
    let in_cluster = in_ccm_raw.map(|v| is_true(Some(v)) || v.parse::<i64>().is_ok_and(|t| t > 0));
    let crmd = get("crmd");
    let crmd_online = crmd.is_some_and(|v| v == "online" || v.parse::<i64>().is_ok_and(|t| t > 0));
    let join = get("join").unwrap_or("down");
    let shutdown_requested = {
        let s = cluster.nodes[n].attrs.get("shutdown").map(String::as_str);
        s.is_some_and(|v| v != "0" && !v.is_empty())
    };
    let terminate = cluster.nodes[n]
        .attrs
        .get("terminate")
        .map(String::as_str)
        .is_some_and(|v| is_true(Some(v)) || v.parse::<i64>().is_ok_and(|t| t > 0));
    let mut expected = get("expected").unwrap_or(join);
    if shutdown_requested {
        expected = "down";
    }
    cluster.nodes[n].expected_up = get("expected") == Some("member");
    cluster.nodes[n].shutdown = shutdown_requested;

    if !cluster.options.stonith_enabled {
        // Without fencing, a node that is not clearly up is simply down.
        let node = &mut cluster.nodes[n];
        if in_cluster != Some(true) {
            node.online = false;
        } else if crmd_online {
            if join == "member" {
                node.online = true;
            } else {
                node.pending = true;
                node.online = false;
            }
        } else if !node.expected_up || expected == "down" {
            node.online = false;
        } else {
            node.online = false;
            fence_node(cluster, n, "peer is unexpectedly down", false);
        }
        return;
    }

    // A node asked to shut down, or a member expected to go down, is
    // shutting down: up only while its controller is connected.
    let shutting_down =
        !terminate && (shutdown_requested || (expected == "down" && join == "member"));
    if shutting_down {
        cluster.nodes[n].shutdown = true;
        cluster.nodes[n].online = crmd_online;
    } else if join == "member" && in_cluster == Some(true) && crmd_online {
        cluster.nodes[n].online = true;
        if terminate {
            fence_node(cluster, n, "termination was requested", false);
        }
    } else if in_cluster.is_none() {
        fence_node(cluster, n, "peer has not been seen by the cluster", false);
    } else if join == "nack" || join == "banned" {
        cluster.nodes[n].online = in_cluster == Some(true);
        fence_node(
            cluster,
            n,
            "peer failed Pacemaker membership criteria",
            false,
        );
    } else if !terminate && expected == "down" {
        if in_cluster == Some(true) || crmd_online {
            // Up but not ready to run resources: probes still run there.
            cluster.nodes[n].pending = true;
            cluster.nodes[n].standby = true;
            cluster.nodes[n].online = in_cluster == Some(true) && crmd_online;
        }
    } else if terminate && join == "down" && in_cluster != Some(true) && !crmd_online {
        // Just fenced.
    } else if in_cluster != Some(true) {
        fence_node(cluster, n, "peer is no longer part of the cluster", true);
    } else if !crmd_online {
        cluster.nodes[n].online = true;
        fence_node(cluster, n, "peer process is no longer available", false);
    } else if terminate {
        cluster.nodes[n].online = true;
        fence_node(cluster, n, "termination was requested", false);
    } else if join == "member" {
        cluster.nodes[n].online = true;
    } else if join == "pending" || join == "down" {
        cluster.nodes[n].pending = true;
        cluster.nodes[n].standby = true;
    } else {
        cluster.nodes[n].online = true;
        fence_node(cluster, n, "peer was in an unknown state", false);
    }
    if cluster.nodes[n].unclean {
        // An unclean node is "online" in displays only while still a member.
        cluster.nodes[n].online = in_cluster == Some(true);
    }
}

/// The built-in `#` attributes every node has, plus configured standby
/// and maintenance.
pub(crate) fn apply_node_attributes(cluster: &mut Cluster, n: NodeId) {
    let cluster_name = cluster.options.cluster_name.clone();
    let node = &mut cluster.nodes[n];
    if is_true(node.attrs.get("standby").map(String::as_str)) {
        node.standby = true;
    }
    if is_true(node.attrs.get("maintenance").map(String::as_str)) {
        node.maintenance = true;
    }
    let kind = match node.kind {
        NodeKind::Member => "cluster",
        NodeKind::Remote => "remote",
        NodeKind::Guest => "container",
    };
    node.attrs.insert("#uname".into(), node.name.clone());
    node.attrs.insert("#id".into(), node.id.clone());
    node.attrs.insert("#kind".into(), kind.into());
    node.attrs.insert(
        "#is_dc".into(),
        if node.is_dc { "true" } else { "false" }.into(),
    );
    if let Some(cn) = &cluster_name {
        node.attrs.insert("#cluster-name".into(), cn.clone());
    }
    let site = node.attrs.get("site-name").cloned().or(cluster_name);
    if let Some(site) = site {
        node.attrs.insert("#site-name".into(), site);
    }
}

/// Find (or create, for orphans) the resource an `lrm_resource` entry
/// describes. History of anonymous clones is matched to instances by
/// node: an instance already active there, else the first inactive one.
fn locate_resource(cluster: &mut Cluster, n: NodeId, lrm: &LrmResource) -> Option<RscId> {
    let id = lrm.id();
    let exact = cluster.resources.iter().position(|r| r.id == id);
    let mut rsc = match exact {
        Some(r) if !cluster.resources[r].is_primitive() => return None,
        Some(r) => Some(r),
        None => {
            // Anonymous clone history without an instance number.
            let zero = format!("{}:0", strip_instance(id));
            cluster
                .resources
                .iter()
                .position(|r| r.id == zero)
                .filter(|&r| is_anonymous_instance(cluster, r))
        }
    };
    if let Some(r) = rsc
        && let Some(parent) = clone_ancestor(cluster, r)
        && is_anonymous_instance(cluster, r)
    {
        let base = strip_instance(id).to_string();
        rsc = Some(find_anonymous_clone(cluster, n, parent, &base, lrm));
    }
    if let Some(r) = rsc
        && cluster.resources[r].id != id
    {
        cluster.resources[r].history_name = Some(id.to_string());
    }
    rsc
}

/// "rsc:3" → "rsc".
fn strip_instance(id: &str) -> &str {
    match id.rfind(':') {
        Some(i) if id[i + 1..].bytes().all(|b| b.is_ascii_digit()) && i + 1 < id.len() => &id[..i],
        _ => id,
    }
}

/// The closest clone ancestor.
pub(crate) fn clone_ancestor(cluster: &Cluster, r: RscId) -> Option<RscId> {
    let mut cur = cluster.resources[r].parent;
    while let Some(p) = cur {
        if cluster.resources[p].variant == Variant::Clone {
            return Some(p);
        }
        cur = cluster.resources[p].parent;
    }
    None
}

/// The primitive configured as `base` inside one instance of a clone.
fn member_named(cluster: &Cluster, inst: RscId, base: &str) -> Option<RscId> {
    cluster
        .primitives_under(inst)
        .into_iter()
        .find(|&p| cluster.resources[p].base_id == base)
}

fn find_anonymous_clone(
    cluster: &mut Cluster,
    n: NodeId,
    clone: RscId,
    base: &str,
    lrm: &LrmResource,
) -> RscId {
    if let Some(r) = crate::bundle::instance_on_replica_node(cluster, clone, n, base) {
        return r;
    }
    let mut found: Option<RscId> = None;
    let mut inactive: Option<RscId> = None;
    let mut skip_inactive = false;
    for inst in cluster.resources[clone].children.clone() {
        if found.is_some() {
            break;
        }
        let mut locations = Vec::new();
        crate::clone::collect_locations(cluster, inst, true, &mut locations);
        if !locations.is_empty() {
            if locations[0] == n
                && let Some(p) = member_named(cluster, inst, base)
            {
                if !cluster.resources[p].running_on.is_empty() {
                    // A second history for one node: the rest are orphans.
                    skip_inactive = true;
                } else {
                    found = Some(p);
                }
            }
        } else if !skip_inactive && inactive.is_none() && !cluster.resources[inst].blocked {
            inactive = member_named(cluster, inst, base);
        }
    }
    if found.is_none() && !skip_inactive {
        found = inactive;
    }
    if let Some(r) = found {
        let universal = cluster.resources[clone]
            .clone
            .as_ref()
            .is_some_and(|s| s.max >= cluster.nodes.len());
        let node = &cluster.nodes[n];
        if cluster.resources[r].requires < Requires::Fencing
            && (!node.online || node.unclean)
            && node.kind != NodeKind::Guest
            && !universal
        {
            found = None;
        }
    }
    match found {
        Some(r) => r,
        None => create_orphan_instance(cluster, clone, base, lrm),
    }
}

fn create_orphan(cluster: &mut Cluster, lrm: &LrmResource) -> RscId {
    if lrm.class() == "stonith" {
        // A fence device known only from history still counts as one
        // (resources are not left unmanaged for want of a device).
        cluster.has_stonith_resource = true;
    }
    let mut rsc = crate::unpack::orphan_resource(cluster, lrm.id(), lrm.id());
    rsc.agent = Some(Agent {
        class: lrm.class().to_string(),
        provider: lrm.provider().map(str::to_string),
        kind: lrm.agent().to_string(),
    });
    let id = cluster.resources.len();
    let is_connection = rsc.is_remote_connection();
    cluster.resources.push(rsc);
    cluster.top.push(id);
    if is_connection {
        // An orphaned remote connection still has its node, which is
        // shutting down with it.
        let kind = if lrm.container().is_some() {
            NodeKind::Guest
        } else {
            NodeKind::Remote
        };
        let n = match cluster.node_by_name(lrm.id()) {
            Some(n) => n,
            None => {
                cluster
                    .nodes
                    .push(crate::unpack::new_node(lrm.id(), lrm.id(), kind));
                cluster.nodes.len() - 1
            }
        };
        cluster.nodes[n].connection = Some(id);
        cluster.nodes[n].shutdown = true;
        cluster.resources[id].remote_node = Some(n);
    }
    id
}

/// Orphans recorded as running inside a container are mapped to it once
/// a node's whole history is read (the container may be an orphan too).
fn map_orphaned_fillers(cluster: &mut Cluster, ns: &NodeState) {
    for lrm in &ns.resources {
        let Some(container_id) = lrm.container() else {
            continue;
        };
        let Some(r) = cluster.find_rsc(lrm.id()) else {
            continue;
        };
        if !cluster.resources[r].orphan || cluster.resources[r].container.is_some() {
            continue;
        }
        let Some(c) = cluster.find_rsc(container_id) else {
            continue;
        };
        cluster.resources[r].container = Some(c);
        if !cluster.resources[c].fillers.contains(&r) {
            cluster.resources[c].fillers.push(r);
        }
    }
}

fn create_orphan_instance(cluster: &mut Cluster, c: RscId, base: &str, lrm: &LrmResource) -> RscId {
    let n = cluster.resources[c].children.len();
    let template = cluster.resources[c].children.first().copied();
    if let Some(t) = template
        && cluster.resources[t].variant == Variant::Group
        && let Some(member) = create_orphan_group_instance(cluster, c, t, n, base)
    {
        return member;
    }
    let inst_id = format!("{base}:{n}");
    let mut rsc = crate::unpack::orphan_resource(cluster, &inst_id, base);
    rsc.agent = Some(Agent {
        class: lrm.class().to_string(),
        provider: lrm.provider().map(str::to_string),
        kind: lrm.agent().to_string(),
    });
    rsc.parent = Some(c);
    if let Some(t) = template {
        rsc.meta = cluster.resources[t].meta.clone();
        rsc.ops = cluster.resources[t].ops.clone();
        // An extra instance is managed as configured (not as an instance
        // that a failure has since left unmanaged).
        rsc.managed = crate::unpack::managed_by_meta(cluster, &rsc.meta);
        copy_failure_handling(&mut rsc, &cluster.resources[t]);
    }
    let id = cluster.resources.len();
    cluster.resources.push(rsc);
    cluster.resources[c].children.push(id);
    orphan_symmetric_default(cluster, id);
    id
}

/// An extra instance handles failures as the configured instances do
/// (its failures expire after the clone's failure-timeout).
fn copy_failure_handling(rsc: &mut Resource, model: &Resource) {
    rsc.failure_timeout_s = model.failure_timeout_s;
    rsc.migration_threshold = model.migration_threshold;
}

/// An extra instance found in history starts, like the configured ones,
/// with every node allowed in a symmetric cluster (so its current node
/// counts as usable when instances are ordered for assignment).
fn orphan_symmetric_default(cluster: &mut Cluster, r: RscId) {
    if cluster.options.symmetric {
        crate::placement::add_location_from(cluster, r, None, vigil_cib::Score::ZERO, &|| {
            crate::ledger::Source::SymmetricDefault
        });
    }
}

/// An extra instance of a cloned group, shaped like `template` (every
/// member, as orphans): returns the member the history names.
fn create_orphan_group_instance(
    cluster: &mut Cluster,
    c: RscId,
    template: RscId,
    n: usize,
    base: &str,
) -> Option<RscId> {
    let members = cluster.resources[template].children.clone();
    if !members
        .iter()
        .any(|&m| cluster.resources[m].base_id == base)
    {
        return None;
    }
    let group_base = cluster.resources[template].base_id.clone();
    let mut group =
        crate::unpack::orphan_resource(cluster, &format!("{group_base}:{n}"), &group_base);
    group.variant = Variant::Group;
    group.parent = Some(c);
    group.meta = cluster.resources[template].meta.clone();
    group.managed = crate::unpack::managed_by_meta(cluster, &group.meta);
    let g = cluster.resources.len();
    cluster.resources.push(group);
    cluster.resources[c].children.push(g);
    let symmetric_default_later = g;
    let mut named = None;
    for m in members {
        let member_base = cluster.resources[m].base_id.clone();
        let mut rsc =
            crate::unpack::orphan_resource(cluster, &format!("{member_base}:{n}"), &member_base);
        let model = &cluster.resources[m];
        rsc.agent = model.agent.clone();
        rsc.meta = model.meta.clone();
        rsc.ops = model.ops.clone();
        rsc.params = model.params.clone();
        rsc.managed = crate::unpack::managed_by_meta(cluster, &rsc.meta);
        copy_failure_handling(&mut rsc, model);
        rsc.parent = Some(g);
        let id = cluster.resources.len();
        cluster.resources.push(rsc);
        cluster.resources[g].children.push(id);
        if member_base == base {
            named = Some(id);
        }
    }
    orphan_symmetric_default(cluster, symmetric_default_later);
    named
}

/// Per-(resource, node) state accumulated while replaying history.
struct Replay {
    role: Role,
    on_fail: OnFail,
    last_failure: Option<usize>,
    migrate_op: Option<usize>,
}

/// Severity order of `on-fail` responses: a later failure only escalates.
fn on_fail_rank(f: OnFail) -> u8 {
    match f {
        OnFail::Ignore => 0,
        OnFail::Demote => 1,
        OnFail::Restart => 2,
        OnFail::RestartContainer => 3,
        OnFail::Reset => 3,
        OnFail::Block => 5,
        OnFail::Stop => 6,
        OnFail::Standby => 7,
        OnFail::Fence => 8,
    }
}

fn unpack_lrm_resource(
    cluster: &mut Cluster,
    n: NodeId,
    lrm: &LrmResource,
    failed_ops: &mut Vec<FailedOp>,
) {
    if lrm.ops.is_empty() {
        // Nothing is known about it there.
        return;
    }
    let r = match locate_resource(cluster, n, lrm) {
        Some(r) => r,
        None => create_orphan(cluster, lrm),
    };
    cluster.node_histories.push(NodeHistory {
        node: n,
        rsc: r,
        lrm: lrm.clone(),
    });
    // stop-orphan-resources is about resources gone from the
    // configuration, not extra instances of a configured clone.
    if cluster.resources[r].orphan
        && cluster.resources[r].parent.is_none()
        && !cluster.options.stop_orphan_resources
    {
        cluster.resources[r].managed = false;
    }
    if cluster.options.shutdown_lock
        && let Some(since) = lrm.shutdown_lock.filter(|&t| t != 0)
    {
        crate::shutdown_lock::read_lock(cluster, r, n, since);
    }
    let mut ops: Vec<&LrmOp> = lrm.ops.iter().collect();
    ops.sort_by_key(|a| op_sort_key(a));

    let saved_role = cluster.resources[r].role;
    let mut replay = Replay {
        role: Role::Unknown,
        on_fail: OnFail::Ignore,
        last_failure: None,
        migrate_op: None,
    };
    for (i, op) in ops.iter().enumerate() {
        unpack_op(cluster, r, n, op, i, &ops, &mut replay, failed_ops);
    }
    crate::failures::note_recurring(cluster, r, n, &ops);
    process_rsc_state(cluster, r, n, &replay, &ops);

    let rsc = &mut cluster.resources[r];
    if replay.role > rsc.role || rsc.role == Role::Unknown {
        rsc.role = replay.role;
    }
    if saved_role > rsc.role {
        rsc.role = saved_role;
    }
    if let Some(target) = rsc.target_role
        && (rsc.next_role == Role::Unknown || target < rsc.next_role)
    {
        rsc.next_role = target;
    }
}

/// Record that a resource is active on a node (and, for its ancestors,
/// that they are). An unmanaged resource stays where it is (INFINITY
/// there); a resource found active on several nodes gets its
/// `multiple-active` treatment.
pub(crate) fn add_running(cluster: &mut Cluster, r: RscId, n: NodeId) {
    if cluster.resources[r].running_on.contains(&n) {
        return;
    }
    cluster.resources[r].running_on.push(n);
    let primitive = cluster.resources[r].is_primitive();
    if primitive {
        if !cluster.nodes[n].running.contains(&r) {
            cluster.nodes[n].running.push(r);
        }
        if cluster.nodes[n].maintenance {
            cluster.resources[r].managed = false;
            cluster.resources[r].maintenance = true;
        }
    }
    if !cluster.resources[r].managed {
        use crate::ledger::Source;
        let stay = vigil_cib::Score::INFINITY;
        crate::placement::add_location_from(cluster, r, Some(n), stay, &|| Source::Unmanaged);
        let mut p = cluster.resources[r].parent;
        while let Some(x) = p {
            if !cluster.nodes[n].online {
                break;
            }
            cluster.resources[x].running_on.push(n);
            p = cluster.resources[x].parent;
        }
        return;
    }
    if primitive && multiply_active(cluster, r) {
        match cluster.resources[r].multiple_active {
            MultipleActive::StopOnly => {
                let all: Vec<NodeId> = (0..cluster.nodes.len()).collect();
                cluster.resources[r].allowed = all
                    .into_iter()
                    .map(|x| (x, vigil_cib::Score::NEG_INFINITY))
                    .collect();
                crate::ledger::credit(cluster, r, |_| crate::ledger::Source::MultipleActive);
            }
            MultipleActive::Block => {
                cluster.resources[r].managed = false;
                cluster.resources[r].blocked = true;
                if let Some(p) = cluster.resources[r].parent
                    && matches!(
                        cluster.resources[p].variant,
                        Variant::Group | Variant::Bundle
                    )
                    && cluster.resources[p].multiple_active == MultipleActive::Block
                {
                    for c in cluster.resources[p].children.clone() {
                        cluster.resources[c].managed = false;
                        cluster.resources[c].blocked = true;
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(p) = cluster.resources[r].parent {
        add_running(cluster, p, n);
    }
}

/// Active on more than one node (counting unclean nodes only for
/// resources that need fencing).
fn multiply_active(cluster: &Cluster, r: RscId) -> bool {
    let (_, all, clean) = crate::actions::find_active_on(cluster, r);
    if cluster.resources[r].requires >= Requires::Fencing {
        all > 1
    } else {
        clean > 1
    }
}

/// History is replayed in call order; pending operations (call id -1) last.
fn op_sort_key(op: &LrmOp) -> (i64, i64) {
    let call = if op.call_id < 0 { i64::MAX } else { op.call_id };
    (call, op.last_rc_change.unwrap_or(0))
}

/// Set a resource "active" in the role appropriate to its kind.
fn active_role(cluster: &Cluster, r: RscId) -> Role {
    let top = cluster.top_of(r);
    if cluster.resources[top].is_promotable() {
        Role::Unpromoted
    } else {
        Role::Started
    }
}

#[allow(clippy::too_many_arguments)]
fn unpack_op(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    op: &LrmOp,
    index: usize,
    ops: &[&LrmOp],
    replay: &mut Replay,
    failed_ops: &mut Vec<FailedOp>,
) {
    let task = op.operation();
    if task == "notify" || task == "meta-data" {
        return;
    }
    let is_probe = task == "monitor" && op.interval_ms == 0;
    let mut rc = op.rc_code;
    let mut status = op.op_status;
    let target_rc = op.target_rc;

    // Degraded results count as their healthy equivalents.
    if rc == OCF_DEGRADED {
        rc = OCF_OK;
    } else if rc == OCF_DEGRADED_PROMOTED {
        rc = OCF_RUNNING_PROMOTED;
    }

    let expired = status != EXEC_NOT_INSTALLED
        && crate::failures::op_failure_expired(cluster, r, n, op, rc, target_rc);

    if status == EXEC_DONE || status == EXEC_ERROR {
        status = remap_result(
            cluster,
            r,
            n,
            task,
            op.interval_ms,
            is_probe,
            target_rc,
            rc,
            replay,
        );
    } else if status == EXEC_PENDING {
        // Pending results keep their status.
    }

    if status != EXEC_NOT_INSTALLED {
        crate::failures::clear_expired_failcount(cluster, r, n, op);
    }
    if expired && rc != target_rc {
        if op.interval_ms == 0 {
            return;
        }
        let node = &cluster.nodes[n];
        if node.online && !node.unclean {
            // The failure expired: the monitor will be rescheduled.
            crate::failures::reschedule_expired_monitor(cluster, r, n, op);
            return;
        }
    }

    match status {
        EXEC_CANCELLED => {}
        EXEC_PENDING => {
            match task {
                "start" => {
                    cluster.resources[r].start_pending = true;
                    replay.role = active_role(cluster, r);
                }
                "promote" => replay.role = Role::Promoted,
                "migrate_to" if cluster.nodes[n].unclean => {
                    if let Some(t) = op
                        .attr("migrate_target")
                        .and_then(|t| cluster.node_by_name(t))
                    {
                        crate::failures::force_stop_on(cluster, r, t);
                    }
                }
                _ => {}
            }
            let rsc = &mut cluster.resources[r];
            if rsc.pending_task.is_none() && (op.interval_ms != 0 || task != "monitor") {
                rsc.pending_task = Some(task.to_string());
            }
        }
        EXEC_DONE => {
            update_state_on_success(cluster, r, n, op, task, rc, replay, index, ops);
        }
        _ => {
            let on_fail = crate::failures::op_on_fail(
                cluster,
                r,
                task,
                op.interval_ms,
                op.attr("operation_key"),
            );
            if status == EXEC_NOT_INSTALLED {
                if on_fail == OnFail::Ignore {
                    replay.on_fail = replay.on_fail.max_by_rank(OnFail::Restart);
                }
                let parent = ban_target(cluster, r);
                crate::failures::ban(cluster, parent, Some(n), "hard-error");
                record_failure(
                    cluster, r, n, op, task, rc, is_probe, index, replay, failed_ops,
                );
                return;
            }
            if status == EXEC_NOT_CONNECTED
                && let Some(conn) = cluster.nodes[n].connection
                && cluster.resources[conn].managed
            {
                cluster.resources[conn].failed = true;
            }
            let ignore = on_fail == OnFail::Ignore
                || (on_fail == OnFail::RestartContainer && task == "stop");
            if ignore {
                update_state_on_success(cluster, r, n, op, task, target_rc, replay, index, ops);
                crate::failures::mark_failure_ignored(cluster, r);
                failed_ops.push(FailedOp {
                    rsc: r,
                    node: n,
                    op: op.clone(),
                });
                if on_fail == OnFail::RestartContainer
                    && on_fail_rank(replay.on_fail) <= on_fail_rank(OnFail::Restart)
                {
                    replay.on_fail = on_fail;
                }
            } else {
                record_failure(
                    cluster, r, n, op, task, rc, is_probe, index, replay, failed_ops,
                );
                if status == EXEC_ERROR_HARD {
                    let parent = ban_target(cluster, r);
                    crate::failures::ban(cluster, parent, Some(n), "hard-error");
                } else if status == EXEC_ERROR_FATAL {
                    let parent = ban_target(cluster, r);
                    crate::failures::ban(cluster, parent, None, "fatal-error");
                }
            }
            let _ = (EXEC_TIMEOUT, EXEC_NOT_SUPPORTED, EXEC_ERROR, EXEC_INVALID);
        }
    }
}

trait RankMax {
    fn max_by_rank(self, other: OnFail) -> OnFail;
}

impl RankMax for OnFail {
    fn max_by_rank(self, other: OnFail) -> OnFail {
        if on_fail_rank(other) > on_fail_rank(self) {
            other
        } else {
            self
        }
    }
}

/// The resource that a hard failure bans: anonymous clone instances ban
/// the whole clone.
fn ban_target(cluster: &Cluster, r: RscId) -> RscId {
    let unique = !is_anonymous_instance(cluster, r);
    if unique { r } else { cluster.top_of(r) }
}

pub(crate) fn is_anonymous_instance(cluster: &Cluster, r: RscId) -> bool {
    clone_ancestor(cluster, r).is_some_and(|c| {
        !cluster.resources[c]
            .clone
            .as_ref()
            .is_some_and(|s| s.unique)
    })
}

/// Turn an agent exit code into an executor status, given what was
/// expected; updates the role for codes that tell it. Only results the
/// executor reported as done or as an error are reinterpreted.
#[allow(clippy::too_many_arguments)]
fn remap_result(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    task: &str,
    interval_ms: u64,
    is_probe: bool,
    target_rc: i32,
    rc: i32,
    replay: &mut Replay,
) -> i32 {
    let managed = cluster.resources[r].managed;
    // Success unless the result differs from what was expected.
    let mut status = if target_rc < 0 || target_rc != rc {
        EXEC_ERROR
    } else {
        EXEC_DONE
    };
    match rc {
        OCF_OK => {
            if is_probe && target_rc == OCF_NOT_RUNNING {
                status = EXEC_DONE;
            }
        }
        OCF_NOT_RUNNING => {
            if is_probe || target_rc == rc || !managed {
                status = EXEC_DONE;
                replay.role = Role::Stopped;
                replay.on_fail = OnFail::Ignore;
                // Not running here says nothing about a failure elsewhere
                // that keeps the resource down.
                if !cluster.resources[r].failed {
                    cluster.resources[r].next_role = Role::Unknown;
                }
            }
        }
        OCF_RUNNING_PROMOTED => {
            if is_probe && rc != target_rc {
                status = EXEC_DONE;
            }
            replay.role = Role::Promoted;
        }
        OCF_DEGRADED_PROMOTED | OCF_FAILED_PROMOTED => {
            replay.role = Role::Promoted;
            status = EXEC_ERROR;
        }
        OCF_NOT_CONFIGURED => status = EXEC_ERROR_FATAL,
        3 => {
            status = if interval_ms == 0 {
                EXEC_ERROR_HARD
            } else {
                EXEC_NOT_SUPPORTED
            }
        }
        OCF_NOT_INSTALLED | 2 | 4 => {
            if task == "stop" && !crate::fencing::can_fence(cluster, n) {
                let rsc = &mut cluster.resources[r];
                rsc.managed = false;
                rsc.blocked = true;
            }
            status = EXEC_ERROR_HARD;
        }
        _ => {
            if status == EXEC_DONE {
                status = EXEC_ERROR;
            }
        }
    }
    status
}

#[allow(clippy::too_many_arguments)]
fn update_state_on_success(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    op: &LrmOp,
    task: &str,
    rc: i32,
    replay: &mut Replay,
    index: usize,
    ops: &[&LrmOp],
) {
    let mut clear_past_failure = false;
    if rc == OCF_NOT_RUNNING {
        clear_past_failure = true;
    } else if rc == OCF_NOT_INSTALLED {
        replay.role = Role::Stopped;
    } else if task == "monitor" {
        if let Some(lf) = replay.last_failure
            && ops[lf].operation_key() == op.operation_key()
        {
            clear_past_failure = true;
        }
        if replay.role < Role::Started {
            replay.role = active_role(cluster, r);
        }
    } else if task == "start" {
        replay.role = Role::Started;
        clear_past_failure = true;
    } else if task == "stop" {
        replay.role = Role::Stopped;
        clear_past_failure = true;
    } else if task == "promote" {
        replay.role = Role::Promoted;
        clear_past_failure = true;
    } else if task == "demote" {
        if replay.on_fail == OnFail::Demote {
            clear_past_failure = true;
        }
        replay.role = Role::Unpromoted;
    } else if task == "migrate_from" {
        replay.role = Role::Started;
        clear_past_failure = true;
    } else if task == "migrate_to" {
        replay.migrate_op = Some(index);
        crate::migration::unpack_migrate_to_success(cluster, r, n, op, ops, &mut replay.role);
    } else if replay.role < Role::Started {
        replay.role = active_role(cluster, r);
    }

    if clear_past_failure {
        match replay.on_fail {
            // Nothing failed here: a failure elsewhere stays in force.
            OnFail::Ignore => {}
            OnFail::Stop | OnFail::Fence | OnFail::Standby => {}
            OnFail::Block | OnFail::Demote | OnFail::Restart | OnFail::RestartContainer => {
                replay.on_fail = OnFail::Ignore;
                cluster.resources[r].next_role = Role::Unknown;
            }
            OnFail::Reset => {
                replay.on_fail = OnFail::Ignore;
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn record_failure(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    op: &LrmOp,
    task: &str,
    rc: i32,
    is_probe: bool,
    index: usize,
    replay: &mut Replay,
    failed_ops: &mut Vec<FailedOp>,
) {
    replay.last_failure = Some(index);
    failed_ops.push(FailedOp {
        rsc: r,
        node: n,
        op: op.clone(),
    });
    let on_fail =
        crate::failures::op_on_fail(cluster, r, task, op.interval_ms, Some(op.operation_key()));
    if on_fail_rank(on_fail) > on_fail_rank(replay.on_fail)
        || (replay.on_fail == OnFail::Ignore && on_fail != OnFail::Ignore)
    {
        replay.on_fail = on_fail;
    }
    match task {
        "stop" => crate::failures::ban(cluster, r, Some(n), "__stop_fail__"),
        "migrate_to" => crate::migration::unpack_migrate_to_failure(cluster, r, n, op),
        "migrate_from" => crate::migration::unpack_migrate_from_failure(cluster, r, n, op),
        "promote" => replay.role = Role::Promoted,
        "demote" => {
            if on_fail == OnFail::Block {
                replay.role = Role::Promoted;
                cluster.resources[r].next_role = Role::Stopped;
            } else if rc == OCF_NOT_RUNNING {
                replay.role = Role::Stopped;
            } else {
                replay.role = Role::Unpromoted;
            }
        }
        _ => {}
    }
    if is_probe && rc == OCF_NOT_INSTALLED {
        replay.role = Role::Stopped;
    } else if replay.role < Role::Started {
        replay.role = active_role(cluster, r);
    }
    if on_fail == OnFail::Stop {
        let rsc = &mut cluster.resources[r];
        if rsc.next_role == Role::Unknown || rsc.next_role > Role::Stopped {
            rsc.next_role = Role::Stopped;
        }
        // An anonymous clone instance failing with on-fail=stop stops the clone.
        let fail_rsc = if is_anonymous_instance(cluster, r) {
            cluster.top_of(r)
        } else {
            r
        };
        crate::failures::ban_everywhere_reset(cluster, fail_rsc);
    }
}

/// After replaying a node's history for a resource: note where it is
/// known, fence nodes that lost active resources, apply `on-fail`.
fn process_rsc_state(cluster: &mut Cluster, r: RscId, n: NodeId, replay: &Replay, ops: &[&LrmOp]) {
    let role = replay.role;
    if role != Role::Unknown {
        let mut cur = Some(r);
        while let Some(x) = cur {
            cluster.resources[x].known_on.insert(n);
            if !is_anonymous_instance(cluster, x)
                && cluster.resources[x].variant == Variant::Primitive
                && clone_ancestor(cluster, x).is_some()
            {
                break;
            }
            if clone_ancestor(cluster, x).is_none()
                && cluster.resources[x].variant == Variant::Primitive
            {
                break;
            }
            cur = cluster.resources[x].parent;
        }
    }

    let managed = cluster.resources[r].managed;
    let node_online = cluster.nodes[n].online;
    let node_maint = cluster.nodes[n].maintenance;
    if role > Role::Stopped && !node_online && !node_maint && managed {
        let mut reason = None;
        let mut should_fence = false;
        if cluster.nodes[n].kind == NodeKind::Guest {
            cluster.resources[r].failed = true;
            cluster.resources[r].stop_needed = true;
            should_fence = true;
        } else if cluster.options.stonith_enabled {
            if cluster.nodes[n].kind == NodeKind::Remote
                && let Some(conn) = cluster.nodes[n].connection
                && !cluster.resources[conn].failed
            {
                cluster.nodes[n].unseen = true;
                reason = Some(format!(
                    "{} is active there (fencing will be revoked if remote connection can be re-established elsewhere)",
                    cluster.resources[r].id
                ));
            }
            should_fence = true;
        }
        if should_fence {
            let reason = reason.unwrap_or_else(|| {
                format!("{} is thought to be active there", cluster.resources[r].id)
            });
            fence_node(cluster, n, &reason, false);
        }
    }

    let saved_on_fail = replay.on_fail;
    let on_fail = if cluster.nodes[n].unclean {
        OnFail::Ignore
    } else {
        replay.on_fail
    };
    match on_fail {
        OnFail::Ignore => {}
        OnFail::Demote => {
            cluster.resources[r].failed = true;
            crate::failures::force_demote_on(cluster, r, n);
        }
        OnFail::Fence => {
            let reason = format!("{} failed there", cluster.resources[r].id);
            fence_node(cluster, n, &reason, false);
        }
        OnFail::Standby => {
            cluster.nodes[n].standby = true;
            cluster.nodes[n].standby_onfail = true;
        }
        OnFail::Block => {
            cluster.resources[r].managed = false;
            cluster.resources[r].blocked = true;
        }
        OnFail::Stop => {
            let rsc = &mut cluster.resources[r];
            rsc.next_role = Role::Stopped;
        }
        OnFail::Restart => {
            if role != Role::Stopped && role != Role::Unknown {
                cluster.resources[r].failed = true;
                cluster.resources[r].stop_needed = true;
                crate::failures::force_stop_on(cluster, r, n);
            }
        }
        OnFail::RestartContainer => {
            cluster.resources[r].failed = true;
            cluster.resources[r].stop_needed = true;
            if let Some(c) = cluster.resources[r].container {
                crate::failures::force_stop_on(cluster, c, n);
            } else if role != Role::Stopped && role != Role::Unknown {
                crate::failures::force_stop_on(cluster, r, n);
            }
        }
        OnFail::Reset => {
            cluster.resources[r].failed = true;
            // A connection that reconnects after an interval stays down
            // until its failure expires.
            if crate::remote::reconnect_interval_ms(&cluster.resources[r]) > 0 {
                cluster.resources[r].next_role = Role::Stopped;
            }
            if cluster.options.stonith_enabled
                && let Some(rn) = cluster.resources[r].remote_node
            {
                let reason = "remote connection is unrecoverable".to_string();
                cluster.nodes[rn].connection_failed = true;
                fence_node(cluster, rn, &reason, false);
            }
        }
    }

    if role != Role::Stopped && role != Role::Unknown {
        let _ = saved_on_fail;
        add_running(cluster, r, n);
        match on_fail {
            OnFail::Ignore => {}
            OnFail::Demote | OnFail::Block => cluster.resources[r].failed = true,
            _ => {
                cluster.resources[r].failed = true;
                cluster.resources[r].stop_needed = true;
            }
        }
    } else if cluster.resources[r]
        .history_name
        .as_deref()
        .is_some_and(|h| h.contains(':'))
    {
        // Old status sections numbered anonymous instances; a stopped
        // instance forgets the number it was seen under.
        cluster.resources[r].history_name = None;
    } else {
        crate::failures::make_stop_optional(cluster, r, n);
    }

    // A successful stop after migrate_to on the source does not stop the
    // partially migrated resource on the target.
    let rsc = &mut cluster.resources[r];
    if role == Role::Stopped
        && rsc.partial_migration_source == Some(n)
        && rsc.partial_migration_target.is_some()
        && !rsc.running_on.is_empty()
    {
        rsc.role = Role::Started;
    }
    let _ = (ops, Score::ZERO);
}
