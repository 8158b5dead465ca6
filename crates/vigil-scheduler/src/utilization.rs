//! Utilization-based placement (`placement-strategy` utilization,
//! minimal, balanced): nodes have capacities, resources consume them, and
//! a resource only goes where what it (and everything that must be
//! colocated with it) needs still fits.

use std::collections::BTreeMap;

use vigil_cib::Score;

use crate::cluster::*;

fn strategy_on(cluster: &Cluster) -> bool {
    cluster.options.placement_strategy != PlacementStrategy::Default
}

/// Remaining capacity of a node for one utilization attribute.
fn remaining(cluster: &Cluster, n: NodeId, key: &str) -> i64 {
    cluster
        .remaining_capacity
        .get(&n)
        .and_then(|m| m.get(key))
        .copied()
        .unwrap_or(0)
}

/// Start every node's remaining capacity at its configured capacity.
pub(crate) fn init_capacity(cluster: &mut Cluster) {
    cluster.remaining_capacity = cluster
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (i, n.utilization.clone()))
        .collect();
}

/// Record that resource `r` now uses capacity on node `n`.
pub(crate) fn consume(cluster: &mut Cluster, n: NodeId, r: RscId) {
    let util = cluster.resources[r].utilization.clone();
    let entry = cluster.remaining_capacity.entry(n).or_default();
    for (k, v) in util {
        *entry.entry(k).or_insert(0) -= v;
    }
}

/// Undo [`consume`].
pub(crate) fn release(cluster: &mut Cluster, n: NodeId, r: RscId) {
    let util = cluster.resources[r].utilization.clone();
    let entry = cluster.remaining_capacity.entry(n).or_default();
    for (k, v) in util {
        *entry.entry(k).or_insert(0) += v;
    }
}

/// Compare free capacity: Less when `a` has more room than `b` on more attributes.
pub(crate) fn compare_capacity(cluster: &Cluster, a: NodeId, b: NodeId) -> std::cmp::Ordering {
    let empty = BTreeMap::new();
    let ua = cluster.remaining_capacity.get(&a).unwrap_or(&empty);
    let ub = cluster.remaining_capacity.get(&b).unwrap_or(&empty);
    let mut result = 0i64;
    for (k, &va) in ua {
        let vb = ub.get(k).copied().unwrap_or(0);
        if va > vb {
            result -= 1;
        } else if va < vb {
            result += 1;
        }
    }
    for (k, &vb) in ub {
        if ua.contains_key(k) {
            continue;
        }
        if 0 > vb {
            result -= 1;
        } else if 0 < vb {
            result += 1;
        }
    }
    result.cmp(&0)
}

fn have_enough(cluster: &Cluster, n: NodeId, needed: &BTreeMap<String, i64>) -> bool {
    needed.iter().all(|(k, &v)| remaining(cluster, n, k) >= v)
}

/// Resources that must run where `r` runs: the chain of mandatory
/// colocations that decide location, either way. A clone's non-clone
/// dependents are not in it (they may follow any of its instances).
fn colocated_unplaced(cluster: &Cluster, r: RscId) -> Vec<RscId> {
    let is_clone = |x: RscId| cluster.resources[x].variant == Variant::Clone;
    let decides_location =
        |c: &Colocation| c.score.is_pos_infinity() && c.dependent_role < Role::Unpromoted;
    let mut out = vec![r];
    let mut i = 0;
    while i < out.len() {
        let x = out[i];
        i += 1;
        let rsc = &cluster.resources[x];
        let primaries = rsc
            .coloc_as_dependent
            .iter()
            .map(|&ci| &cluster.colocations[ci])
            .filter(|c| decides_location(c))
            .map(|c| c.primary);
        let dependents = rsc
            .coloc_as_primary
            .iter()
            .map(|&ci| &cluster.colocations[ci])
            .filter(|c| decides_location(c))
            .map(|c| c.dependent)
            .filter(|&d| !is_clone(x) || is_clone(d));
        let next: Vec<RscId> = primaries.chain(dependents).collect();
        for other in next {
            if !out.contains(&other) {
                out.push(other);
            }
        }
    }
    out
}

/// What the unplaced members of a colocated set need in all. A clone in
/// the set counts once, as one of its unplaced instances (an instance goes
/// to each node, not the whole clone).
fn summed_unplaced_utilization(cluster: &Cluster, rscs: &[RscId]) -> BTreeMap<String, i64> {
    let mut counted: Vec<RscId> = Vec::new();
    let mut sum: BTreeMap<String, i64> = BTreeMap::new();
    let unplaced = |p: RscId| cluster.resources[p].provisional;
    for &r in rscs {
        let primitives = if cluster.resources[r].variant == Variant::Clone {
            cluster.resources[r]
                .children
                .iter()
                .map(|&c| cluster.primitives_under(c))
                .find(|ps| ps.iter().copied().any(unplaced))
                .unwrap_or_default()
        } else {
            cluster.primitives_under(r)
        };
        for p in primitives {
            if !unplaced(p) || counted.contains(&p) {
                continue;
            }
            counted.push(p);
            for (k, v) in &cluster.resources[p].utilization {
                *sum.entry(k.clone()).or_insert(0) += v;
            }
        }
    }
    sum
}

/// Before choosing a node: ban nodes without room for the resource and
/// what must come with it (or, if no node has that much, for it alone, and
/// then prefer the node with the most free capacity, returned).
pub(crate) fn limit_by_capacity(cluster: &mut Cluster, r: RscId) -> Option<NodeId> {
    if !strategy_on(cluster) {
        return None;
    }
    let group = colocated_unplaced(cluster, r);
    let needed = summed_unplaced_utilization(cluster, &group);
    let nodes: Vec<NodeId> = cluster.resources[r]
        .allowed
        .keys()
        .copied()
        .filter(|&n| cluster.nodes[n].can_run)
        .collect();
    // Only nodes the resource may run on count as able to hold the lot.
    let any_capable = nodes.iter().any(|&n| {
        cluster.resources[r].allowed[&n].value() >= 0 && have_enough(cluster, n, &needed)
    });
    let own = cluster.resources[r].utilization.clone();
    let most_capable = nodes
        .iter()
        .copied()
        .filter(|n| cluster.resources[r].allowed[n].value() >= 0)
        .min_by(|&a, &b| {
            compare_capacity(cluster, a, b)
                .then_with(|| cluster.nodes[a].name.cmp(&cluster.nodes[b].name))
        });
    for n in nodes {
        let fits = if any_capable {
            have_enough(cluster, n, &needed)
        } else {
            have_enough(cluster, n, &own)
        };
        if !fits {
            let wanted = if any_capable { &needed } else { &own };
            let free = (cluster.ledger.is_some())
                .then(|| cluster.remaining_capacity.get(&n).cloned())
                .flatten()
                .unwrap_or_default();
            let source = || crate::ledger::Source::Utilization {
                needed: wanted.clone(),
                free: free.clone(),
            };
            crate::placement::add_location_from(cluster, r, Some(n), Score::NEG_INFINITY, &source);
        }
    }
    if any_capable { None } else { most_capable }
}

/// With a utilization strategy, resources are placed in order of
/// priority, then of their score on their current node, then of their
/// best score.
pub(crate) fn sort_for_utilization(cluster: &mut Cluster, order: Vec<RscId>) -> Vec<RscId> {
    let scores: BTreeMap<RscId, crate::placement::NodeScores> = order
        .iter()
        .map(|&r| {
            let id = cluster.resources[r].id.clone();
            let flags = crate::placement::MergeFlags {
                init: true,
                forward: true,
                ..Default::default()
            };
            (
                r,
                crate::placement::native_merge_weights(cluster, r, &id, None, "#uname", 1.0, flags),
            )
        })
        .collect();
    let all_nodes: crate::placement::NodeScores =
        (0..cluster.nodes.len()).map(|n| (n, Score::ZERO)).collect();
    let node_order = crate::placement::sorted_nodes(cluster, &all_nodes, None);
    let score_on = |r: RscId, n: Option<NodeId>| -> Score {
        n.and_then(|n| scores[&r].get(&n).copied())
            .unwrap_or(Score::NEG_INFINITY)
    };
    let mut out = order;
    out.sort_by(|&a, &b| {
        let (ra, rb) = (&cluster.resources[a], &cluster.resources[b]);
        rb.priority
            .cmp(&ra.priority)
            .then_with(|| {
                let ca = crate::actions::current_node(cluster, a);
                let cb = crate::actions::current_node(cluster, b);
                score_on(b, cb).cmp(&score_on(a, ca))
            })
            .then_with(|| {
                for &n in &node_order {
                    let o = score_on(b, Some(n)).cmp(&score_on(a, Some(n)));
                    if o != std::cmp::Ordering::Equal {
                        return o;
                    }
                }
                std::cmp::Ordering::Equal
            })
    });
    out
}

/// With utilization, stops on a node come before starts there (to free
/// capacity first), through a per-node `load_stopped` pseudo-action.
pub(crate) fn utilization_constraints(cluster: &mut Cluster, r: RscId) {
    if !strategy_on(cluster) || cluster.resources[r].utilization.is_empty() {
        return;
    }
    for n in cluster.resources[r].running_on.clone() {
        let ls = load_stopped(cluster, n);
        crate::ordering::order_rsc_then_action(cluster, r, Task::Stop, ls, OrderFlags::LOAD);
    }
    let allowed: Vec<NodeId> = cluster
        .nodes_by_name()
        .into_iter()
        .filter(|n| cluster.resources[r].allowed.contains_key(n))
        .collect();
    for n in allowed {
        let ls = load_stopped(cluster, n);
        crate::ordering::order_action_then_rsc(cluster, ls, r, Task::Start, OrderFlags::LOAD);
        crate::ordering::order_action_then_rsc(cluster, ls, r, Task::MigrateTo, OrderFlags::LOAD);
    }
}

fn load_stopped(cluster: &mut Cluster, n: NodeId) -> ActionId {
    let key = format!("load_stopped_{}", cluster.nodes[n].name);
    let existed = cluster
        .actions
        .iter()
        .any(|a| a.rsc.is_none() && a.key.as_deref() == Some(key.as_str()));
    let a = crate::actions::singleton_action(cluster, &key, Task::LoadStopped, None, true);
    cluster.actions[a].flags.set(ActionFlags::PSEUDO);
    cluster.actions[a].flags.set(ActionFlags::RUNNABLE);
    cluster.actions[a].task_name = Some(key);
    if !existed || cluster.actions[a].node.is_none() {
        cluster.actions[a].node = Some(n);
        cluster.actions[a].flags.clear(ActionFlags::OPTIONAL);
    }
    a
}
