//! Restart orderings for probes.
//!
//! A probe may find its resource active where nobody expected it; the
//! resources that start after it (and everything their starts imply) might
//! then have to restart. So a probe ordered before another primitive's
//! start is also ordered before that primitive's stops, and a probe ordered
//! before a promote before the matching demotes. The rule follows the
//! orderings that make later actions required (`IMPLIES_THEN`), and from a
//! group's or clone's action down to its members' (for an interleaved
//! clone, only to the instance on the probe's node).
//!
//! These orderings are optional: they only sequence actions, so they are
//! added when the transition graph is built.

use crate::cluster::*;
use crate::ordering::order_actions;

pub(crate) fn add_restart_orderings(cluster: &mut Cluster) {
    let probes: Vec<ActionId> = (0..cluster.actions.len())
        .filter(|&a| {
            let act = &cluster.actions[a];
            act.task == Task::Monitor
                && act.interval_ms == 0
                && act.rsc.is_some_and(|r| cluster.resources[r].is_primitive())
        })
        .collect();
    for probe in probes {
        let thens: Vec<ActionId> = cluster.actions[probe]
            .after
            .iter()
            .map(|e| e.action)
            .collect();
        for then in thens {
            let mut visited = vec![false; cluster.actions.len()];
            visit(cluster, probe, then, &mut visited);
        }
    }
}

fn visit(cluster: &mut Cluster, probe: ActionId, after: ActionId, visited: &mut Vec<bool>) {
    if after >= visited.len() {
        visited.resize(after + 1, false);
    }
    if visited[after] {
        return;
    }
    visited[after] = true;
    let Some(p) = cluster.actions[probe].rsc else {
        return;
    };
    let after_rsc = cluster.actions[after].rsc;
    if let Some(ar) = after_rsc
        && cluster.resources[ar].is_primitive()
        && ar != p
    {
        let restart_task = match cluster.actions[after].task {
            Task::Start => Some(Task::Stop),
            Task::Promote => Some(Task::Demote),
            _ => None,
        };
        if let Some(t) = restart_task {
            let targets: Vec<ActionId> = cluster.resources[ar]
                .actions
                .iter()
                .rev()
                .copied()
                .filter(|&x| {
                    let a = &cluster.actions[x];
                    a.task == t && a.interval_ms == 0 && !a.pseudo()
                })
                .collect();
            for x in targets {
                order_actions(cluster, probe, x, OrderFlags::OPTIONAL);
            }
        }
    }

    // Only the instance on the probe's node, for an interleaved clone.
    let interleaved_instance = after_rsc.and_then(|ar| {
        let rsc = &cluster.resources[ar];
        let interleave =
            rsc.variant == Variant::Clone && rsc.clone.as_ref().is_some_and(|c| c.interleave);
        interleave
            .then(|| crate::clone::find_compatible_child(cluster, p, ar, Role::Unknown, false))
    });

    let next: Vec<Edge> = cluster.actions[after].after.clone();
    for e in next {
        if !e.flags.has(OrderFlags::IMPLIES_THEN) {
            // Otherwise only down from a collective to its members.
            let Some(ar) = after_rsc else { continue };
            let Some(br) = cluster.actions[e.action].rsc else {
                continue;
            };
            let collective = !cluster.resources[ar].is_primitive();
            let member_kind = matches!(
                cluster.resources[br].variant,
                Variant::Primitive | Variant::Group
            );
            if !collective
                || cluster.resources[p].parent == Some(ar)
                || !member_kind
                || cluster.resources[br].parent != Some(ar)
            {
                continue;
            }
            if let Some(instance) = interleaved_instance
                && instance != Some(br)
            {
                continue;
            }
        }
        visit(cluster, probe, e.action, visited);
    }
}

/// A migrating resource neither stops nor starts as such: its migrate_to
/// stands for the stop and its migrate_from for the start. Orderings that
/// put another resource's actions before its start (or another resource's
/// stop before its stop) also put them before its migrate_to; when that
/// other resource migrates too, its migrate_from stands for its start.
pub(crate) fn add_migration_orderings(cluster: &mut Cluster) {
    let required = |cluster: &Cluster, r: RscId, task: Task| -> Option<ActionId> {
        cluster.resources[r]
            .actions
            .iter()
            .rev()
            .copied()
            .find(|&a| {
                let act = &cluster.actions[a];
                act.task == task && act.interval_ms == 0 && !act.optional() && act.runnable()
            })
    };
    let related = |cluster: &Cluster, a: RscId, b: RscId| {
        a == b || cluster.resources[a].parent == Some(b) || cluster.resources[b].parent == Some(a)
    };
    for t in 0..cluster.resources.len() {
        if !cluster.resources[t].is_primitive() {
            continue;
        }
        let Some(migrate_to) = required(cluster, t, Task::MigrateTo) else {
            continue;
        };
        let mut firsts = Vec::new();
        for &a in &cluster.resources[t].actions {
            let act = &cluster.actions[a];
            if !matches!(act.task, Task::Start | Task::Stop) || act.interval_ms != 0 {
                continue;
            }
            for e in &act.before {
                let f = &cluster.actions[e.action];
                let Some(fr) = f.rsc else { continue };
                if e.flags.is_none()
                    || related(cluster, fr, t)
                    || matches!(f.task, Task::Monitor | Task::Cancel)
                {
                    continue;
                }
                let first = match (act.task, f.task) {
                    (Task::Start, Task::Start) => {
                        required(cluster, fr, Task::MigrateFrom).unwrap_or(e.action)
                    }
                    (Task::Start, _) => e.action,
                    // A migrating first resource stops only after its own
                    // migration, which this one's may have to precede.
                    (Task::Stop, Task::Stop)
                        if required(cluster, fr, Task::MigrateTo).is_none() =>
                    {
                        e.action
                    }
                    _ => continue,
                };
                firsts.push(first);
            }
        }
        for first in firsts {
            order_actions(cluster, first, migrate_to, OrderFlags::OPTIONAL);
        }
    }
}
