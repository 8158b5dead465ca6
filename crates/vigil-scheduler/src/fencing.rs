//! Fencing: deciding which nodes are fenced, the fencing actions, the
//! orderings that make recovery wait for fencing, unfencing, and clean
//! node shutdowns.

use crate::actions::{find_actions, singleton_action};
use crate::cluster::*;
use crate::ordering::order_actions;

/// Whether a node can be fenced now.
pub(crate) fn can_fence(cluster: &Cluster, n: NodeId) -> bool {
    let node = &cluster.nodes[n];
    if node.kind == NodeKind::Guest {
        // A guest is fenced by stopping its container, possible when the
        // container's host is up or can itself be fenced.
        let container = node.connection.and_then(|c| cluster.resources[c].container);
        return container.is_none_or(|k| {
            cluster.resources[k]
                .running_on
                .iter()
                .all(|&h| cluster.nodes[h].online || can_fence(cluster, h))
        });
    }
    if !cluster.options.stonith_enabled || !cluster.has_stonith_resource {
        return false;
    }
    if cluster.have_quorum || cluster.options.no_quorum_policy == NoQuorumPolicy::Ignore {
        return true;
    }
    node.online
}

fn fence_key(cluster: &Cluster, n: NodeId, action: &str) -> String {
    format!("stonith-{}-{}", cluster.nodes[n].name, action)
}

/// Find or create the fencing action for a node (`action` None means the
/// configured fencing action). Required only when asked and possible.
pub(crate) fn fence_op(
    cluster: &mut Cluster,
    n: NodeId,
    action: Option<&str>,
    optional: bool,
    reason: Option<&str>,
) -> ActionId {
    let action = action
        .map(str::to_string)
        .unwrap_or_else(|| cluster.options.stonith_action.clone());
    let key = fence_key(cluster, n, &action);
    let existed = cluster
        .actions
        .iter()
        .any(|a| a.rsc.is_none() && a.key.as_deref() == Some(key.as_str()));
    let a = singleton_action(cluster, &key, Task::Fence, Some(n), true);
    if !existed {
        cluster.actions[a]
            .meta
            .insert("stonith_action".into(), action.clone());
        cluster.actions[a].task_name = Some("stonith".into());
    }
    if !optional && can_fence(cluster, n) {
        cluster.actions[a].flags.clear(ActionFlags::OPTIONAL);
        if let Some(r) = reason {
            crate::actions::set_reason(cluster, a, r, false);
        }
    } else if let Some(r) = reason
        && cluster.actions[a].reason.is_none()
    {
        cluster.actions[a].reason = Some(r.to_string());
    }
    a
}

/// A node must be fenced for `reason`: record the (optional) fencing action.
pub(crate) fn note_fence_request(cluster: &mut Cluster, n: NodeId, reason: &str) {
    fence_op(cluster, n, None, true, Some(reason));
}

fn any_managed_resources(cluster: &Cluster) -> bool {
    cluster.top.iter().any(|&r| {
        let mut stack = vec![r];
        while let Some(x) = stack.pop() {
            if cluster.resources[x].managed {
                return true;
            }
            stack.extend(cluster.resources[x].children.iter().copied());
        }
        false
    })
}

/// Fence unclean nodes and shut down nodes that asked to leave.
pub(crate) fn schedule_fencing_and_shutdowns(cluster: &mut Cluster) {
    let have_managed = any_managed_resources(cluster);
    let mut dc_down: Option<ActionId> = None;
    let mut fencing_ops: Vec<ActionId> = Vec::new();
    let mut shutdown_ops: Vec<ActionId> = Vec::new();
    for n in cluster.nodes_by_name() {
        if cluster.nodes[n].kind == NodeKind::Guest {
            if cluster.nodes[n].remote_requires_reset && have_managed && can_fence(cluster, n) {
                crate::remote::fence_guest(cluster, n);
            }
            continue;
        }
        let mut fencing = None;
        if have_managed && cluster.nodes[n].unclean && can_fence(cluster, n) {
            let f = fence_op(cluster, n, None, false, Some("node is unclean"));
            order_vs_fence(cluster, f);
            fencing = Some(f);
            if cluster.nodes[n].is_dc {
                dc_down = Some(f);
            } else {
                if !cluster.options.concurrent_fencing
                    && let Some(&last) = fencing_ops.last()
                {
                    order_actions(cluster, last, f, OrderFlags::OPTIONAL);
                }
                fencing_ops.push(f);
            }
        } else if cluster.nodes[n].kind == NodeKind::Member
            && cluster.nodes[n].online
            && cluster.nodes[n].shutdown
        {
            let down = shutdown_action(cluster, n);
            if cluster.nodes[n].is_dc {
                dc_down = Some(down);
            } else {
                shutdown_ops.push(down);
            }
        }
        let _ = fencing;
    }
    if let Some(dc) = dc_down {
        if cluster.actions[dc].task == Task::Shutdown {
            for &s in &shutdown_ops {
                order_actions(cluster, s, dc, OrderFlags::OPTIONAL);
            }
        }
        if cluster.options.concurrent_fencing {
            for &f in &fencing_ops {
                order_actions(cluster, f, dc, OrderFlags::OPTIONAL);
            }
        } else if let Some(&last) = fencing_ops.last() {
            order_actions(cluster, last, dc, OrderFlags::OPTIONAL);
        }
    }
}

/// A clean shutdown of a node, after everything there has stopped.
fn shutdown_action(cluster: &mut Cluster, n: NodeId) -> ActionId {
    let key = format!("do_shutdown-{}", cluster.nodes[n].name);
    let a = singleton_action(cluster, &key, Task::Shutdown, Some(n), false);
    cluster.actions[a].task_name = Some("do_shutdown".into());
    // Order every stop on the node before the shutdown.
    let stops: Vec<ActionId> = (0..cluster.actions.len())
        .filter(|&x| {
            let act = &cluster.actions[x];
            act.node == Some(n) && act.rsc.is_some() && act.task == Task::Stop
        })
        .collect();
    for s in stops {
        let r = cluster.actions[s].rsc;
        let managed = r.is_some_and(|r| cluster.resources[r].managed);
        let flags = if managed {
            OrderFlags::OPTIONAL | OrderFlags::RUNNABLE_LEFT
        } else {
            OrderFlags::OPTIONAL
        };
        order_actions(cluster, s, a, flags);
    }
    a
}

/// Order recovery of every resource relative to a fencing action.
pub(crate) fn order_vs_fence(cluster: &mut Cluster, fence: ActionId) {
    for r in cluster.top.clone() {
        stonith_ordering(cluster, r, fence);
    }
}

fn stonith_ordering(cluster: &mut Cluster, r: RscId, fence: ActionId) {
    if !cluster.resources[r].children.is_empty() {
        for c in cluster.resources[r].children.clone() {
            stonith_ordering(cluster, c, fence);
        }
        return;
    }
    if !cluster.resources[r].managed {
        return;
    }
    start_constraints(cluster, r, fence);
    stop_constraints(cluster, r, fence);
}

/// Starts that need fencing wait for it; with quorum only, starts wait
/// when the resource's state on the fenced node is unknown.
fn start_constraints(cluster: &mut Cluster, r: RscId, fence: ActionId) {
    let Some(target) = cluster.actions[fence].node else {
        return;
    };
    for a in cluster.resources[r].actions.clone().into_iter().rev() {
        match cluster.actions[a].needs {
            Needs::Nothing => {}
            Needs::Fencing => {
                order_actions(cluster, fence, a, OrderFlags::OPTIONAL);
            }
            Needs::Quorum => {
                let rsc = &cluster.resources[r];
                if cluster.actions[a].task == Task::Start
                    && rsc.allowed.contains_key(&target)
                    && !rsc.known_on.contains(&target)
                {
                    order_actions(
                        cluster,
                        fence,
                        a,
                        OrderFlags::OPTIONAL | OrderFlags::RUNNABLE_LEFT,
                    );
                }
            }
        }
    }
}

/// Stops (and demotes) on a fenced node are implied by the fencing: they
/// become pseudo-actions ordered after it.
fn stop_constraints(cluster: &mut Cluster, r: RscId, fence: ActionId) {
    let Some(target) = cluster.actions[fence].node else {
        return;
    };
    let top = cluster.top_of(r);
    let stops = find_actions(cluster, r, Task::Stop, 0, Some(target));
    let order_implicit = cluster.resources[r].requires >= Requires::Fencing
        || cluster.nodes[target].kind == NodeKind::Guest;
    let parent_stop = if !stops.is_empty() && order_implicit {
        crate::actions::find_first(cluster, top, Task::Stop, None)
    } else {
        None
    };
    let bundled = crate::bundle::is_bundled(cluster, r);
    for a in stops {
        cluster.actions[a].flags.set(ActionFlags::PSEUDO);
        cluster.actions[a].flags.set(ActionFlags::RUNNABLE);
        if order_implicit {
            cluster.actions[a]
                .flags
                .set(ActionFlags::IMPLIED_BY_STONITH);
            if !bundled {
                order_actions(cluster, fence, a, OrderFlags::PRESERVE);
            }
            if let Some(ps) = parent_stop {
                order_actions(cluster, fence, ps, OrderFlags::PRESERVE);
            }
        }
    }
    let demotes = find_actions(cluster, r, Task::Demote, 0, Some(target));
    for a in demotes {
        let node = &cluster.nodes[target];
        if !node.online || node.unclean || cluster.resources[r].failed {
            cluster.actions[a].flags.set(ActionFlags::PSEUDO);
            cluster.actions[a].flags.set(ActionFlags::RUNNABLE);
            if bundled {
            } else if order_implicit {
                order_actions(
                    cluster,
                    fence,
                    a,
                    OrderFlags::PRESERVE | OrderFlags::OPTIONAL,
                );
            }
        }
    }
}

// ---------------------------------------------------------------- unfencing

/// Whether any fence device provides unfencing.
pub(crate) fn unfencing_enabled(cluster: &Cluster) -> bool {
    cluster.unfencing_enabled
}

pub(crate) fn is_unfence_device(cluster: &Cluster, r: RscId) -> bool {
    let rsc = &cluster.resources[r];
    rsc.agent.as_ref().is_some_and(|a| a.class == "stonith") && unfencing_enabled(cluster)
}

fn needs_unfencing(cluster: &Cluster, r: RscId) -> bool {
    cluster.resources[r].requires == Requires::Unfencing
}

fn node_unfenced(cluster: &Cluster, n: NodeId) -> bool {
    cluster.nodes[n]
        .attrs
        .get("#node-unfenced")
        .is_some_and(|v| v != "0")
}

/// Unfence a node (for a fence device `rsc`, on all its allowed nodes).
fn trigger_unfencing(
    cluster: &mut Cluster,
    rsc: Option<RscId>,
    node: Option<NodeId>,
    reason: &str,
    dependency: Option<ActionId>,
) {
    if !unfencing_enabled(cluster) {
        return;
    }
    if let Some(r) = rsc
        && cluster.resources[r]
            .agent
            .as_ref()
            .is_none_or(|a| a.class != "stonith")
    {
        return;
    }
    if let Some(n) = node
        && cluster.nodes[n].online
        && !cluster.nodes[n].unclean
        && !cluster.nodes[n].shutdown
    {
        let unfence = fence_op(cluster, n, Some("on"), false, Some(reason));
        if let Some(d) = dependency {
            order_actions(cluster, unfence, d, OrderFlags::OPTIONAL);
        }
    } else if let Some(r) = rsc {
        let nodes: Vec<NodeId> = cluster.resources[r].allowed.keys().copied().collect();
        for n in nodes {
            let node = &cluster.nodes[n];
            if node.online && !node.unclean && !node.shutdown {
                trigger_unfencing(cluster, rsc, Some(n), reason, dependency);
            }
        }
    }
}

/// Order an action of a resource that needs unfencing after the node's unfencing.
fn order_vs_unfence(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    action: ActionId,
    order: OrderFlags,
) {
    let fence_device = cluster.resources[r]
        .agent
        .as_ref()
        .is_some_and(|a| a.class == "stonith");
    if (fence_device && unfencing_enabled(cluster)) || needs_unfencing(cluster, r) {
        let unfence = fence_op(cluster, n, Some("on"), true, None);
        order_actions(cluster, unfence, action, order);
        if !node_unfenced(cluster, n) {
            let task = cluster.actions[action].task.name();
            let reason = format!("required by {} {}", cluster.resources[r].id, task);
            trigger_unfencing(cluster, None, Some(n), &reason, None);
        }
    }
}

pub(crate) fn order_probe_vs_unfence(cluster: &mut Cluster, r: RscId, n: NodeId, probe: ActionId) {
    order_vs_unfence(cluster, r, n, probe, OrderFlags::OPTIONAL);
}

pub(crate) fn order_start_vs_unfence(
    cluster: &mut Cluster,
    r: RscId,
    node: Option<NodeId>,
    start: ActionId,
    order: OrderFlags,
) {
    if let Some(n) = node {
        order_vs_unfence(cluster, r, n, start, order);
    }
}

pub(crate) fn order_stop_vs_unfence(cluster: &mut Cluster, r: RscId, n: NodeId, stop: ActionId) {
    if !unfencing_enabled(cluster) {
        return;
    }
    let unfence = fence_op(cluster, n, Some("on"), true, None);
    order_actions(cluster, stop, unfence, OrderFlags::IMPLIES_FIRST);
    let _ = r;
}

/// Resources that need unfencing: stops before, starts after, each
/// allowed node's unfencing.
pub(crate) fn unfencing_constraints(cluster: &mut Cluster, r: RscId) {
    let fence_device = cluster.resources[r]
        .agent
        .as_ref()
        .is_some_and(|a| a.class == "stonith");
    if fence_device || !unfencing_enabled(cluster) || !needs_unfencing(cluster, r) {
        return;
    }
    let nodes: Vec<NodeId> = cluster.resources[r].allowed.keys().copied().collect();
    for n in nodes {
        let unfence = fence_op(cluster, n, Some("on"), true, None);
        crate::ordering::order_rsc_then_action(
            cluster,
            r,
            Task::Stop,
            unfence,
            OrderFlags::OPTIONAL | OrderFlags::SAME_NODE,
        );
        crate::ordering::order_action_then_rsc(
            cluster,
            unfence,
            r,
            Task::Start,
            OrderFlags::IMPLIES_THEN_ON_NODE | OrderFlags::SAME_NODE,
        );
    }
}

/// Fence devices whose definition changed unfence again where they ran.
pub(crate) fn device_changed_unfencing(cluster: &mut Cluster, r: RscId, n: NodeId, reason: &str) {
    trigger_unfencing(cluster, Some(r), Some(n), reason, None);
}
