//! The per-instance `notify` operations of clones with `notify=true`.
//!
//! Scheduling creates, for each clone action, the pseudo-actions that
//! bracket it (`pre_notify_start`, `confirmed-pre_notify_start`,
//! `post_notify_running`, ...). Which instances are told, and where, is
//! settled only when the transition graph is built, once every action is
//! final:
//!
//! - stop and demote: every instance active on a node hears the
//!   pre-notification there, and the post-notification too unless it stops
//!   there (an instance whose stop is implied by fencing its node hears
//!   neither);
//! - start and promote: every instance that will be active hears the
//!   post-notification on its node, and the pre-notification too (for a
//!   start, unless it is the one starting: it is not active yet).
//!
//! Each operation runs after its pre/post pseudo-action and before the
//! matching confirmation; an instance's recurring monitors start only once
//! its post-notifications are confirmed.

use crate::actions::new_action;
use crate::cluster::*;
use crate::ordering::order_actions;

/// Create the notify operations of every clone notification set.
pub(crate) fn create_notify_actions(cluster: &mut Cluster) {
    let sets = cluster.notifications.clone();
    for (clone, task, ops) in sets {
        // A clone action that ended up required is notified about.
        if !cluster.actions[ops.action].optional() {
            for a in [ops.pre, ops.pre_done, ops.post, ops.post_done] {
                cluster.actions[a].flags.clear(ActionFlags::OPTIONAL);
            }
        }
        let instances: Vec<RscId> = cluster.primitives_under(clone);
        for p in instances {
            notify_instance(cluster, p, task, &ops);
        }
    }
}

/// The required action of `r` with this task (on `node` when given).
fn required(cluster: &Cluster, r: RscId, task: Task, node: Option<NodeId>) -> Option<ActionId> {
    cluster.resources[r]
        .actions
        .iter()
        .rev()
        .copied()
        .find(|&a| {
            let act = &cluster.actions[a];
            act.task == task
                && act.interval_ms == 0
                && !act.optional()
                && (node.is_none() || act.node == node)
        })
}

fn notify_instance(cluster: &mut Cluster, r: RscId, task: Task, ops: &crate::notify::NotifyOps) {
    let rsc = &cluster.resources[r];
    match task {
        Task::Stop | Task::Demote => {
            for n in rsc.running_on.clone() {
                let stop = required(cluster, r, Task::Stop, Some(n));
                let node = &cluster.nodes[n];
                if let Some(s) = stop
                    && cluster.actions[s].pseudo()
                    && (node.unclean || node.remote_requires_reset)
                {
                    continue;
                }
                notify_op(cluster, r, n, "pre", task, ops.pre, ops.pre_done);
                if task == Task::Demote || stop.is_none() {
                    post_notify(cluster, r, n, task, ops);
                }
            }
        }
        Task::Start | Task::Promote => {
            if rsc.next_role == Role::Stopped {
                return;
            }
            let Some(n) = rsc.assigned else { return };
            if task == Task::Promote || required(cluster, r, Task::Start, None).is_none() {
                notify_op(cluster, r, n, "pre", task, ops.pre, ops.pre_done);
            }
            post_notify(cluster, r, n, task, ops);
        }
        _ => {}
    }
}

/// A post-notification of `r` on `n`; the instance's recurring operations
/// wait for the notifications to be confirmed.
fn post_notify(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    task: Task,
    ops: &crate::notify::NotifyOps,
) {
    notify_op(cluster, r, n, "post", task, ops.post, ops.post_done);
    let recurring: Vec<ActionId> = cluster.resources[r]
        .actions
        .iter()
        .rev()
        .copied()
        .filter(|&a| {
            let act = &cluster.actions[a];
            act.interval_ms > 0 && act.task != Task::Cancel
        })
        .collect();
    for mon in recurring {
        order_actions(cluster, ops.post_done, mon, OrderFlags::OPTIONAL);
    }
}

/// One notify operation of `r` on `n`, between `op` and its confirmation.
fn notify_op(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    kind: &str,
    task: Task,
    op: ActionId,
    done: ActionId,
) {
    let pseudo = &cluster.actions[op];
    if !pseudo.runnable() || !cluster.nodes[n].online {
        return;
    }
    let optional = pseudo.optional();
    let a = new_action(cluster, Some(r), Task::Notify, 0, Some(n), optional);
    let act = &mut cluster.actions[a];
    act.key = Some(format!("{kind}_notify_{}", task.name()));
    act.notify_type = Some((kind.to_string(), task));
    order_actions(cluster, op, a, OrderFlags::OPTIONAL);
    order_actions(cluster, a, done, OrderFlags::OPTIONAL);
}
