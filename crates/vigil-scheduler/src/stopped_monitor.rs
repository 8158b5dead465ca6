//! Monitors with `role="Stopped"`: they run on nodes where the resource
//! should *not* be running, to detect it starting there unexpectedly.

use vigil_cib::config::OpDef;

use crate::actions::{custom_action, find_actions_exact, new_action};
use crate::cluster::*;

pub(crate) fn create(cluster: &mut Cluster, r: RscId, def: &OpDef, chosen: Option<NodeId>) {
    let Some(task) = Task::parse(&def.name) else {
        return;
    };
    let interval = def.interval_ms;
    // A Stopped-role monitor already running where the resource will run
    // is cancelled.
    if let Some(n) = chosen
        && !find_actions_exact(cluster, r, task, interval, Some(n)).is_empty()
    {
        let cancel = new_action(cluster, Some(r), Task::Cancel, interval, Some(n), false);
        cluster.actions[cancel].task_name = Some(def.name.clone());
        crate::ordering::order_action_then_rsc(
            cluster,
            cancel,
            r,
            Task::Start,
            OrderFlags::RUNNABLE_LEFT,
        );
    }
    for n in 0..cluster.nodes.len() {
        if Some(n) == chosen && cluster.resources[r].next_role != Role::Stopped {
            continue;
        }
        let node = &cluster.nodes[n];
        if !node.online || node.unclean {
            continue;
        }
        if cluster.resources[r].running_on.contains(&n)
            && cluster.resources[r].next_role != Role::Stopped
            && Some(n) == chosen
        {
            continue;
        }
        let is_optional = !find_actions_exact(cluster, r, task, interval, Some(n)).is_empty();
        let mon = custom_action(cluster, r, task, interval, Some(n), is_optional);
        cluster.actions[mon]
            .meta
            .insert("target_rc".into(), "7".into());
        if !cluster.resources[r].managed {
            cluster.actions[mon].flags.clear(ActionFlags::RUNNABLE);
            continue;
        }
        // After any stop on this node.
        for stop in find_actions_exact(cluster, r, Task::Stop, 0, Some(n)) {
            crate::ordering::order_action_then_action(
                cluster,
                stop,
                mon,
                OrderFlags::RUNNABLE_LEFT,
            );
        }
    }
}
