//! Shutdown locks (`shutdown-lock`): a resource active on a node that shuts
//! down cleanly stays locked to that node — it may not run anywhere else —
//! until the node comes back (or `shutdown-lock-limit` has passed since the
//! shutdown began). Fence devices, remote connections and clone instances
//! are never locked.

use vigil_cib::Score;

use crate::cluster::*;

/// A lock recorded in a node's history (the resource stopped there because
/// the node shut down at `since`). An expired lock is dropped, with the
/// history entry that held it.
pub(crate) fn read_lock(cluster: &mut Cluster, r: RscId, n: NodeId, since: i64) {
    let limit = cluster.options.shutdown_lock_limit_s;
    if limit > 0 && cluster.now.epoch() > since + limit {
        forget_history(cluster, r, n);
        return;
    }
    cluster.resources[r].lock_node = Some(n);
    cluster.resources[r].lock_time = since;
}

/// Lock resources to nodes now shutting down, and keep every locked
/// resource off all other nodes.
pub(crate) fn apply_shutdown_locks(cluster: &mut Cluster) {
    if !cluster.options.shutdown_lock {
        return;
    }
    for r in 0..cluster.resources.len() {
        if lockable(cluster, r) {
            lock(cluster, r);
        }
    }
}

fn lockable(cluster: &Cluster, r: RscId) -> bool {
    let rsc = &cluster.resources[r];
    let fence_device = rsc.agent.as_ref().is_none_or(|a| a.class == "stonith");
    rsc.is_primitive()
        && !fence_device
        && !rsc.is_remote_connection()
        && crate::history::clone_ancestor(cluster, r).is_none()
        && !crate::bundle::is_bundled(cluster, r)
}

fn lock(cluster: &mut Cluster, r: RscId) {
    if cluster.resources[r].lock_node.is_some() {
        if !cluster.resources[r].running_on.is_empty() {
            // Already running again somewhere: the lock no longer matters.
            if let Some(n) = cluster.resources[r].lock_node.take() {
                forget_history(cluster, r, n);
            }
            cluster.resources[r].lock_time = 0;
        }
    } else if let [n] = cluster.resources[r].running_on[..] {
        let node = &cluster.nodes[n];
        if node.shutdown && !node.unclean {
            let since = node
                .attrs
                .get("shutdown")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            cluster.resources[r].lock_node = Some(n);
            cluster.resources[r].lock_time = since;
        }
    }
    let Some(lock_node) = cluster.resources[r].lock_node else {
        return;
    };
    for n in 0..cluster.nodes.len() {
        if n != lock_node {
            crate::placement::add_location_from(cluster, r, Some(n), Score::NEG_INFINITY, &|| {
                crate::ledger::Source::ShutdownLock
            });
        }
    }
}

/// Have the controller drop the history entry that holds the lock (it does
/// so itself, so the node may be down).
fn forget_history(cluster: &mut Cluster, r: RscId, n: NodeId) {
    let a = crate::actions::custom_action(cluster, r, Task::LrmDelete, 0, Some(n), false);
    cluster.actions[a].flags.set(ActionFlags::DC);
    cluster.actions[a].flags.set(ActionFlags::RUNNABLE);
}
