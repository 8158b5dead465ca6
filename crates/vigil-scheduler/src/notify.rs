//! Clone notifications (`notify=true`): pseudo-actions around each clone
//! action (pre/post notifications and their confirmations), and the
//! per-instance notify actions that run the agent's `notify` with the
//! `OCF_RESKEY_CRM_meta_notify_*` variables.

use crate::cluster::*;
use crate::ordering::order_actions;

/// The pseudo-actions that bracket one clone action.
#[derive(Debug, Clone, Copy)]
// The per-instance notification actions (in progress) read every field.
#[allow(dead_code)]
pub(crate) struct NotifyOps {
    pub pre: ActionId,
    pub pre_done: ActionId,
    pub post: ActionId,
    pub post_done: ActionId,
    /// The clone action and its completion.
    pub action: ActionId,
    pub complete: ActionId,
}

/// A notification pseudo-action of `r`, identified by its key
/// (`pre_notify_start`, `confirmed-post_notify_running`, ...).
fn keyed_pseudo(
    cluster: &mut Cluster,
    r: RscId,
    task: Task,
    key: &str,
    optional: bool,
) -> ActionId {
    if let Some(&a) = cluster.resources[r]
        .actions
        .iter()
        .rev()
        .find(|&&a| cluster.actions[a].key.as_deref() == Some(key))
    {
        if !optional {
            cluster.actions[a].flags.clear(ActionFlags::OPTIONAL);
        }
        return a;
    }
    let a = crate::actions::new_action(cluster, Some(r), task, 0, None, optional);
    cluster.actions[a].key = Some(key.to_string());
    cluster.actions[a].flags.set(ActionFlags::PSEUDO);
    cluster.actions[a].flags.clear(ActionFlags::RUNNABLE);
    cluster.actions[a].flags.set(ActionFlags::RUNNABLE);
    a
}

fn notify_key(kind: &str, task: Task) -> String {
    format!("{kind}_notify_{}", task.name())
}

/// Create the notification pseudo-actions for a clone action (when the
/// clone has `notify=true`), ordered around it.
pub(crate) fn clone_notifications(
    cluster: &mut Cluster,
    r: RscId,
    task: Task,
    action: ActionId,
    complete: ActionId,
) -> Option<NotifyOps> {
    if !cluster.resources[r]
        .clone
        .as_ref()
        .is_some_and(|c| c.notify)
    {
        return None;
    }
    let a_opt = cluster.actions[action].optional();
    let c_opt = cluster.actions[complete].optional();
    let pre = keyed_pseudo(cluster, r, Task::Notify, &notify_key("pre", task), a_opt);
    let pre_done = keyed_pseudo(
        cluster,
        r,
        Task::Notified,
        &notify_key("confirmed-pre", task),
        a_opt,
    );
    order_actions(cluster, pre, pre_done, OrderFlags::OPTIONAL);
    order_actions(cluster, pre_done, action, OrderFlags::OPTIONAL);
    let done_task = task.completion();
    let post = keyed_pseudo(
        cluster,
        r,
        Task::Notify,
        &notify_key("post", done_task),
        c_opt,
    );
    let post_done = keyed_pseudo(
        cluster,
        r,
        Task::Notified,
        &notify_key("confirmed-post", done_task),
        c_opt,
    );
    for (a, kind, op) in [
        (pre, "pre", task),
        (pre_done, "confirmed-pre", task),
        (post, "post", done_task),
        (post_done, "confirmed-post", done_task),
    ] {
        cluster.actions[a].notify_type = Some((kind.to_string(), op));
    }
    order_actions(cluster, complete, post, OrderFlags::IMPLIES_THEN);
    order_actions(cluster, post, post_done, OrderFlags::IMPLIES_THEN);
    order_actions(cluster, pre_done, post, OrderFlags::OPTIONAL);
    let ops = NotifyOps {
        pre,
        pre_done,
        post,
        post_done,
        action,
        complete,
    };
    cluster.notifications.push((r, task, ops));
    Some(ops)
}

/// The confirmation of a clone's post-notification for `task`, which
/// orderings on the clone's action really wait for.
pub(crate) fn confirmed_post_notify(cluster: &Cluster, r: RscId, task: Task) -> Option<ActionId> {
    cluster
        .notifications
        .iter()
        .find(|(x, t, _)| *x == r && *t == task)
        .map(|(_, _, ops)| ops.post_done)
}
