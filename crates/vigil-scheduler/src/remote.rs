//! Pacemaker Remote and guest nodes: nodes whose presence depends on a
//! connection resource (and, for guests, on the VM or container resource
//! that hosts them).

use std::collections::BTreeMap;

use vigil_cib::is_true;
use vigil_cib::status::NodeState;

use crate::cluster::*;

/// Create the implicit connection resources of guest nodes and link every
/// remote and guest node to its connection.
pub(crate) fn link_remote_nodes(cluster: &mut Cluster) {
    // Guest nodes: a resource with meta remote-node=NAME hosts guest NAME.
    let hosts: Vec<(RscId, String)> = (0..cluster.resources.len())
        .filter(|&r| cluster.resources[r].is_primitive())
        .filter_map(|r| {
            cluster.resources[r]
                .meta
                .get("remote-node")
                .map(|g| (r, g.clone()))
        })
        .collect();
    for (container, guest) in hosts {
        if cluster.find_rsc(&guest).is_some() {
            continue;
        }
        let meta = cluster.resources[container].meta.clone();
        let mut conn = crate::unpack::orphan_resource(cluster, &guest, &guest);
        conn.orphan = false;
        conn.agent = Some(Agent {
            class: "ocf".into(),
            provider: Some("pacemaker".into()),
            kind: "remote".into(),
        });
        conn.container = Some(container);
        // Only what is configured: the agent itself defaults the address
        // to the node name.
        let mut params = BTreeMap::new();
        if let Some(addr) = meta.get("remote-addr") {
            params.insert("server".to_string(), addr.clone());
        }
        if let Some(port) = meta.get("remote-port") {
            params.insert("port".into(), port.clone());
        }
        conn.params = params;
        conn.meta
            .insert("container".into(), cluster.resources[container].id.clone());
        conn.meta.insert("internal_rsc".into(), "true".into());
        conn.managed = cluster.resources[container].managed;
        // The connection migrates when its container does.
        conn.allow_migrate = meta
            .get("allow-migrate")
            .and_then(|v| vigil_cib::parse_bool(v))
            .unwrap_or(false);
        conn.requires = Requires::Nothing;
        conn.ops = vec![vigil_cib::config::OpDef {
            id: format!("{guest}-monitor-interval-30s"),
            name: "monitor".into(),
            interval_ms: 30_000,
            role: None,
            attrs: BTreeMap::new(),
            meta: Vec::new(),
            instance: Vec::new(),
            line: 0,
        }]
        .into();
        let id = cluster.resources.len();
        cluster.resources.push(conn);
        cluster.top.push(id);
        cluster.resources[container].fillers.push(id);
    }
    // Resources that declare a container run inside it.
    for r in 0..cluster.resources.len() {
        if cluster.resources[r].container.is_some() {
            continue;
        }
        if let Some(c) = cluster.resources[r].meta.get("container").cloned()
            && let Some(cr) = cluster.find_rsc(&c)
            && cr != r
        {
            cluster.resources[r].container = Some(cr);
            if !cluster.resources[cr].fillers.contains(&r) {
                cluster.resources[cr].fillers.push(r);
            }
        }
    }
    for n in 0..cluster.nodes.len() {
        if !cluster.nodes[n].is_remote() {
            continue;
        }
        let name = cluster.nodes[n].name.clone();
        let conn = (0..cluster.resources.len()).find(|&r| {
            cluster.resources[r].id == name && cluster.resources[r].is_remote_connection()
        });
        if let Some(c) = conn {
            cluster.nodes[n].connection = Some(c);
            cluster.resources[c].remote_node = Some(n);
        }
    }
}

/// A remote node is up while its connection resource is; a guest also
/// needs its container.
pub(crate) fn determine_remote_online(cluster: &mut Cluster, n: NodeId) {
    let Some(conn) = cluster.nodes[n].connection else {
        cluster.nodes[n].online = false;
        return;
    };
    let rsc = &cluster.resources[conn];
    let container = rsc.container;
    let host = if container.is_some() && rsc.running_on.len() == 1 {
        rsc.running_on.first().copied()
    } else {
        None
    };
    let role = rsc.role;
    let next_role = rsc.next_role;
    let failed = rsc.failed;
    let node = &mut cluster.nodes[n];
    if role == Role::Started {
        node.online = true;
    }
    if role == Role::Started && next_role == Role::Stopped {
        node.shutdown = true;
    }
    let container_failed = container.is_some_and(|c| cluster.resources[c].failed);
    let container_stopped = container.is_some_and(|c| cluster.resources[c].role == Role::Stopped);
    let host_unclean = host.is_some_and(|h| !cluster.nodes[h].online && cluster.nodes[h].unclean);
    let node = &mut cluster.nodes[n];
    if container_failed {
        node.online = false;
        node.remote_requires_reset = true;
    } else if failed {
        node.online = false;
    } else if role == Role::Stopped || container_stopped {
        node.online = false;
        node.remote_requires_reset = false;
    } else if host_unclean {
        node.online = false;
        node.remote_requires_reset = true;
    }
}

/// Once its connection is placed, a remote or guest node will be up (even
/// one that is down now, or whose guest is being recovered) unless the
/// connection is stopping, in which case the node is shutting down.
pub(crate) fn connection_assigned(cluster: &mut Cluster, conn: RscId) {
    let Some(n) = cluster.resources[conn].remote_node else {
        return;
    };
    let rsc = &cluster.resources[conn];
    let up = rsc.assigned.is_some() && rsc.next_role != Role::Stopped;
    let node = &mut cluster.nodes[n];
    if up {
        node.online = true;
        // It will be connected to, rather than fenced, unless it is a
        // remote node whose connection failed (that one is fenced first).
        if node.unseen && !node.connection_failed {
            node.unclean = false;
        }
    } else {
        node.shutdown = true;
    }
    node.can_run =
        node.online && !node.shutdown && !node.unclean && !node.standby && !node.maintenance;
}

/// Attributes and flags of a remote node from its status entry.
pub(crate) fn handle_remote_attrs(cluster: &mut Cluster, n: NodeId, ns: &NodeState) {
    let ctx = vigil_cib::rule::RuleContext {
        now: Some(&cluster.now),
        ..Default::default()
    };
    let transient = vigil_cib::nvset::evaluate_sets(&ns.transient, &ctx, None);
    let managed = cluster.nodes[n]
        .connection
        .map(|c| cluster.resources[c].managed)
        .unwrap_or(true);
    let stonith = cluster.options.stonith_enabled;
    let node = &mut cluster.nodes[n];
    if !node.remote_requires_reset {
        node.unclean = false;
        node.unseen = false;
    }
    for (k, v) in transient {
        node.attrs.insert(k, v);
    }
    if node
        .attrs
        .get("shutdown")
        .is_some_and(|v| v != "0" && !v.is_empty())
    {
        node.shutdown = true;
    }
    if is_true(node.attrs.get("standby").map(String::as_str)) {
        node.standby = true;
    }
    if is_true(node.attrs.get("maintenance").map(String::as_str)) || !managed {
        node.maintenance = true;
    }
    if ns
        .attrs
        .get("node_in_maintenance")
        .is_some_and(|v| v != "0")
    {
        node.maintenance = true;
    }
    let discovery = node.attrs.get("resource-discovery-enabled").cloned();
    if let Some(d) = discovery
        && !is_true(Some(&d))
        && (node.kind == NodeKind::Guest || stonith)
    {
        node.attrs
            .insert("#discovery-disabled".into(), "true".into());
    }
}

/// How long a remote connection waits before reconnecting after a
/// failure (0: at once).
pub(crate) fn reconnect_interval_ms(rsc: &Resource) -> u64 {
    if !rsc.is_remote_connection() {
        return 0;
    }
    rsc.params
        .get("reconnect_interval")
        .and_then(|v| vigil_cib::time::parse_interval_ms(v))
        .unwrap_or(0)
}

/// A remote node whose connection failed and cannot be recovered.
pub(crate) fn is_failed_remote_node(cluster: &Cluster, n: NodeId) -> bool {
    let node = &cluster.nodes[n];
    node.kind == NodeKind::Remote
        && node.connection.is_some_and(|c| {
            let rsc = &cluster.resources[c];
            rsc.failed && rsc.next_role == Role::Stopped && rsc.managed
        })
}

/// Whether a resource (or one inside it) hosts a guest node.
pub(crate) fn contains_guest_node(cluster: &Cluster, r: RscId) -> bool {
    cluster
        .primitives_under(r)
        .iter()
        .any(|&p| cluster.resources[p].meta.contains_key("remote-node"))
        || cluster.nodes.iter().any(|n| {
            n.kind == NodeKind::Guest
                && n.connection.and_then(|c| cluster.resources[c].container) == Some(r)
        })
}

/// Probing on a guest node needs its container running (and staying).
pub(crate) fn guest_allows_probe(cluster: &mut Cluster, r: RscId, n: NodeId, top: RscId) -> bool {
    let Some(container) = cluster.nodes[n]
        .connection
        .and_then(|c| cluster.resources[c].container)
    else {
        return true;
    };
    let crsc = &cluster.resources[container];
    if crsc.role == Role::Stopped {
        if let Some(a) = crsc.assigned
            && !crsc.known_on.contains(&a)
        {
            crate::ordering::order_rsc_tasks(
                cluster,
                container,
                Task::Monitor,
                top,
                Task::Start,
                OrderFlags::OPTIONAL,
            );
        }
        return false;
    }
    let node = &cluster.nodes[n];
    let moving = crsc.assigned.is_some_and(|a| !crsc.running_on.contains(&a));
    if node.remote_requires_reset
        || node.unclean
        || crsc.failed
        || crsc.next_role == Role::Stopped
        || moving
    {
        crate::ordering::order_rsc_tasks(
            cluster,
            container,
            Task::Stop,
            top,
            Task::Start,
            OrderFlags::OPTIONAL,
        );
        return false;
    }
    let _ = r;
    true
}

/// Resources running inside a container resource (and guest connections)
/// start after it, stop before it, and stay with it.
pub(crate) fn container_constraints(cluster: &mut Cluster, r: RscId) {
    let Some(container) = cluster.resources[r].container else {
        return;
    };
    // Bundles may run on remote nodes; other guests may not.
    let nested_allowed = crate::bundle::is_bundled(cluster, r);
    if cluster.resources[r].remote_node.is_some() {
        // A guest's connection.
        if !nested_allowed {
            avoid_remote_nodes(cluster, container);
        }
        crate::ordering::order_rsc_tasks(
            cluster,
            container,
            Task::Monitor,
            r,
            Task::Stop,
            OrderFlags::OPTIONAL,
        );
    }
    // `container` naming a remote connection, or a resource hosting a
    // guest node, means "run on that node" rather than "run beside it".
    let remote_rsc = if cluster.resources[r].remote_node.is_some() {
        None
    } else if cluster.resources[container].remote_node.is_some() {
        Some(container)
    } else {
        cluster.nodes.iter().find_map(|n| {
            (n.kind == NodeKind::Guest)
                .then_some(n.connection)
                .flatten()
                .filter(|&c| cluster.resources[c].container == Some(container))
        })
    };
    if let Some(remote_rsc) = remote_rsc {
        let allowed: Vec<NodeId> = cluster.resources[r].allowed.keys().copied().collect();
        for n in allowed {
            if cluster.nodes[n].connection != Some(remote_rsc) {
                cluster.resources[r]
                    .allowed
                    .insert(n, vigil_cib::Score::NEG_INFINITY);
            }
        }
        crate::ledger::credit(cluster, r, |cl| crate::ledger::Source::Container {
            container: cl.resources[container].id.clone(),
        });
        return;
    }
    crate::ordering::order_rsc_tasks(
        cluster,
        container,
        Task::Start,
        r,
        Task::Start,
        OrderFlags::IMPLIES_THEN | OrderFlags::RUNNABLE_LEFT,
    );
    crate::ordering::order_rsc_tasks(
        cluster,
        r,
        Task::Stop,
        container,
        Task::Stop,
        OrderFlags::IMPLIES_FIRST,
    );
    // (A bundle's connection strongly prefers its container's host.)
    let score = if nested_allowed {
        vigil_cib::Score::new(10_000)
    } else {
        vigil_cib::Score::INFINITY
    };
    crate::constraints::add_colocation(
        cluster,
        "resource-with-container",
        None,
        score,
        r,
        container,
        None,
        None,
        true,
    );
}

/// Remote connections and fence devices never run on remote/guest nodes.
pub(crate) fn avoid_remote_nodes(cluster: &mut Cluster, r: RscId) {
    for n in 0..cluster.nodes.len() {
        if cluster.nodes[n].is_remote() {
            let source = || crate::ledger::Source::RemoteNode;
            let ban = vigil_cib::Score::NEG_INFINITY;
            crate::placement::add_location_from(cluster, r, Some(n), ban, &source);
        }
    }
}

/// "Fence" a guest node: its connection and container are recovered, and
/// a pseudo fencing action marks the point after which its resources are
/// known to be stopped.
pub(crate) fn fence_guest(cluster: &mut Cluster, n: NodeId) {
    let Some(conn) = cluster.nodes[n].connection else {
        return;
    };
    let Some(container) = cluster.resources[conn].container else {
        return;
    };
    let action = if cluster.resources[container].next_role == Role::Stopped {
        "off"
    } else {
        "reboot"
    };
    let fence = crate::fencing::fence_op(cluster, n, Some(action), false, Some("guest is unclean"));
    cluster.actions[fence].flags.set(ActionFlags::PSEUDO);
    cluster.actions[fence].flags.set(ActionFlags::RUNNABLE);
    if let Some(stop) = crate::actions::find_first(cluster, container, Task::Stop, None) {
        crate::ordering::order_actions(cluster, stop, fence, OrderFlags::IMPLIES_THEN);
    } else if let Some(stop) = crate::actions::find_first(cluster, conn, Task::Stop, None) {
        crate::ordering::order_actions(cluster, stop, fence, OrderFlags::IMPLIES_THEN);
    }
    crate::fencing::order_vs_fence(cluster, fence);
}

// ------------------------------------------ actions across a connection

/// What will become of a remote node's connection in this transition, as
/// far as actions on the node are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConnectionState {
    /// Up now and staying up.
    Alive,
    /// Down now (or migrating), coming back up.
    Resting,
    /// Not running anywhere now; will be started.
    Unknown,
    /// Going away cleanly.
    Stopped,
    /// Going away and cannot be recovered.
    Failed,
}

fn connection_state(cluster: &Cluster, conn: RscId) -> ConnectionState {
    let rsc = &cluster.resources[conn];
    let host = rsc.current_node();
    if rsc.next_role == Role::Stopped || rsc.assigned.is_none() {
        let host_unclean = host.is_some_and(|h| cluster.nodes[h].unclean);
        if host_unclean || rsc.failed {
            ConnectionState::Failed
        } else {
            ConnectionState::Stopped
        }
    } else if let Some(h) = host {
        let migrating = rsc.running_on.len() > 1
            && rsc.partial_migration_source.is_some()
            && rsc.partial_migration_target.is_some();
        if cluster.nodes[h].unclean || !cluster.nodes[h].online || migrating {
            ConnectionState::Resting
        } else {
            ConnectionState::Alive
        }
    } else {
        ConnectionState::Unknown
    }
}

/// Actions on a remote or guest node can only happen while its connection
/// is up: order each after the connection starts or before it stops, and
/// fence a remote node whose resources can no longer be reached.
pub(crate) fn order_connection_actions(cluster: &mut Cluster) {
    for a in 0..cluster.actions.len() {
        let act = &cluster.actions[a];
        let Some(r) = act.rsc else { continue };
        if act.task == Task::ClearFailcount && cluster.resources[r].remote_node.is_some() {
            // Clear a connection's failures before starting it again.
            crate::ordering::order_action_then_rsc(
                cluster,
                a,
                r,
                Task::Start,
                OrderFlags::OPTIONAL,
            );
            continue;
        }
        let Some(n) = act.node else { continue };
        if act.pseudo() || !cluster.nodes[n].is_remote() {
            continue;
        }
        let Some(conn) = cluster.nodes[n].connection else {
            continue;
        };
        if act.task == Task::Start {
            // A resource moving onto the remote node stays where it is
            // until the connection is up.
            for other in cluster.resources[r].actions.clone() {
                let o = &cluster.actions[other];
                if o.task == Task::Stop && o.node != Some(n) {
                    crate::ordering::order_rsc_then_action(
                        cluster,
                        conn,
                        Task::Start,
                        other,
                        OrderFlags::OPTIONAL,
                    );
                }
            }
        }
        match cluster.resources[conn].container {
            Some(container) => order_across_guest(cluster, a, conn, container),
            None => order_across_remote(cluster, a, n, conn),
        }
    }
}

/// After the connection (and `extra` flags) starts, `a` may run.
fn after_connection_start(cluster: &mut Cluster, conn: RscId, a: ActionId, extra: OrderFlags) {
    let flags = OrderFlags::PRESERVE | OrderFlags::RUNNABLE_LEFT | extra;
    crate::ordering::order_rsc_then_action(cluster, conn, Task::Start, a, flags);
}

/// `a` must be done before the connection stops.
fn before_connection_stop(cluster: &mut Cluster, a: ActionId, conn: RscId, extra: OrderFlags) {
    let flags = OrderFlags::PRESERVE | extra;
    crate::ordering::order_action_then_rsc(cluster, a, conn, Task::Stop, flags);
}

fn is_recurring(cluster: &Cluster, a: ActionId) -> bool {
    let act = &cluster.actions[a];
    act.task == Task::Monitor && act.interval_ms > 0
}

fn order_across_guest(cluster: &mut Cluster, a: ActionId, conn: RscId, container: RscId) {
    match cluster.actions[a].task {
        Task::Start | Task::Promote => {
            // Recovering the container recovers what runs inside it.
            after_connection_start(cluster, container, a, OrderFlags::IMPLIES_THEN);
            after_connection_start(cluster, conn, a, OrderFlags::NONE);
        }
        Task::Stop | Task::Demote => {
            // A failed container's stop implies these, like fencing.
            if !cluster.resources[container].failed {
                before_connection_stop(cluster, a, conn, OrderFlags::NONE);
            }
        }
        // Cancelling a monitor needs nothing from the connection.
        Task::Cancel => {}
        _ => {
            let extra = if is_recurring(cluster, a) {
                OrderFlags::IMPLIES_THEN
            } else {
                OrderFlags::NONE
            };
            after_connection_start(cluster, conn, a, extra);
        }
    }
}

fn order_across_remote(cluster: &mut Cluster, a: ActionId, n: NodeId, conn: RscId) {
    let state = connection_state(cluster, conn);
    let mut task = cluster.actions[a].task;
    if matches!(task, Task::MigrateTo | Task::MigrateFrom) {
        task = Task::Stop;
    }
    match task {
        Task::Start | Task::Promote => after_connection_start(cluster, conn, a, OrderFlags::NONE),
        Task::Stop => match state {
            ConnectionState::Alive => {
                before_connection_stop(cluster, a, conn, OrderFlags::IMPLIES_FIRST)
            }
            ConnectionState::Failed => {
                // Only fencing can stop what runs there now; the stop is
                // implied by it.
                crate::history::fence_node(
                    cluster,
                    n,
                    "resources are active but connection is unrecoverable",
                    false,
                );
            }
            _ if cluster.resources[conn].next_role == Role::Stopped => {
                before_connection_stop(cluster, a, conn, OrderFlags::IMPLIES_FIRST)
            }
            _ => after_connection_start(cluster, conn, a, OrderFlags::NONE),
        },
        Task::Demote => {
            if matches!(state, ConnectionState::Resting | ConnectionState::Unknown) {
                after_connection_start(cluster, conn, a, OrderFlags::NONE);
            }
        }
        _ if is_recurring(cluster, a) => {
            after_connection_start(cluster, conn, a, OrderFlags::IMPLIES_THEN)
        }
        _ => {
            if task == Task::Monitor && state == ConnectionState::Failed {
                // Nothing can tell what runs there: fence it.
                crate::history::fence_node(
                    cluster,
                    n,
                    "resources are in unknown state and connection is unrecoverable",
                    false,
                );
            }
            let host = cluster.resources[conn].current_node();
            if host.is_some() && state == ConnectionState::Stopped {
                // Check things really stopped before closing the connection.
                before_connection_stop(cluster, a, conn, OrderFlags::RUNNABLE_LEFT);
            } else {
                after_connection_start(cluster, conn, a, OrderFlags::NONE);
            }
        }
    }
}
