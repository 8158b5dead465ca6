//! Live migration: reading partial and dangling migrations from history.
//!
//! A complete migration is `migrate_to` on the source, `migrate_from` on
//! the target, then `stop` on the source. History may show any prefix of
//! that (a partial migration, which may be continued), a completed
//! migration without the final stop (dangling), or failures.

use vigil_cib::status::LrmOp;

use crate::cluster::*;

/// The newest history entry for a resource's task on a node (optionally
/// only entries naming `source` as migration source).
fn find_op(
    cluster: &Cluster,
    rsc_id: &str,
    task: &str,
    node: NodeId,
    source: Option<&str>,
) -> Option<LrmOp> {
    cluster
        .history_index
        .ops(rsc_id)
        .filter(|(n, op)| {
            *n == node
                && op.operation() == task
                && source.is_none_or(|s| op.attr("migrate_source") == Some(s))
        })
        .map(|(_, op)| op)
        .max_by_key(|op| op.call_id)
        .cloned()
}

/// Whether the resource has history on `node` newer than `than` (by call id),
/// ignoring the migration operations themselves.
fn newer_state_on(
    cluster: &Cluster,
    rsc_id: &str,
    node: NodeId,
    than: i64,
    except: &[&str],
) -> bool {
    cluster
        .history_index
        .ops(rsc_id)
        .any(|(n, op)| n == node && op.call_id > than && !except.contains(&op.operation()))
}

/// Whether `a`, recorded on one node, is newer than `b`, recorded on
/// another: by change time when both have one, else by call id.
fn newer_across_nodes(a: &LrmOp, b: &LrmOp) -> bool {
    match (a.last_rc_change, b.last_rc_change) {
        (Some(x), Some(y)) if x != y => x > y,
        _ => a.call_id > b.call_id,
    }
}

pub(crate) fn unpack_migrate_to_success(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    op: &LrmOp,
    _ops: &[&LrmOp],
    role: &mut Role,
) {
    let (Some(source), Some(target)) = (op.attr("migrate_source"), op.attr("migrate_target"))
    else {
        return;
    };
    let source_node = cluster.node_by_name(source);
    let target_node = cluster.node_by_name(target);
    let rsc_id = cluster.resources[r].id.clone();
    let lrm_id = cluster.resources[r].base_id.clone();
    let id = if cluster.history_index.contains(&rsc_id) {
        rsc_id
    } else {
        lrm_id
    };

    let stop = find_op(cluster, &id, "stop", n, None);
    let source_newer_op = stop.as_ref().is_some_and(|s| s.call_id > op.call_id)
        || newer_state_on(
            cluster,
            &id,
            n,
            op.call_id,
            &["stop", "migrate_to", "monitor"],
        );
    let migrate_from =
        target_node.and_then(|t| find_op(cluster, &id, "migrate_from", t, Some(source)));
    let target_newer_state = target_node.is_some_and(|t| {
        let after = migrate_from.as_ref().map(|m| m.call_id).unwrap_or(-1);
        cluster.history_index.ops(&id).any(|(nn, o)| {
            nn == t
                && o.call_id > after
                && o.operation() != "migrate_from"
                && !(migrate_from.is_none() && o.call_id < 0)
                && (migrate_from.is_some() || newer_across_nodes(o, op))
        })
    });
    if target_newer_state && source_newer_op {
        return;
    }

    let target_online = target_node.is_some_and(|t| cluster.nodes[t].online);
    match &migrate_from {
        Some(from) if from.rc_code == 0 && from.op_status == 0 => {
            // Complete but not yet stopped on the source: a dangling migration.
            if !source_newer_op {
                *role = Role::Stopped;
                cluster.resources[r].dangling_migration_sources.push(n);
            }
        }
        Some(from) if from.op_status != -1 => {
            if !target_newer_state && target_online {
                add_running(cluster, r, target_node.unwrap_or(n));
            } else if !source_newer_op {
                cluster.resources[r].failed = true;
                cluster.resources[r].allow_migrate = false;
            }
        }
        _ => {
            if !target_newer_state && let Some(t) = target_node.filter(|&t| cluster.nodes[t].online)
            {
                add_running(cluster, r, t);
                if let Some(s) = source_node.filter(|&s| cluster.nodes[s].online) {
                    cluster.resources[r].partial_migration_target = Some(t);
                    cluster.resources[r].partial_migration_source = Some(s);
                }
            } else if !source_newer_op {
                cluster.resources[r].failed = true;
                cluster.resources[r].allow_migrate = false;
            }
        }
    }
}

fn add_running(cluster: &mut Cluster, r: RscId, n: NodeId) {
    crate::history::add_running(cluster, r, n);
    if cluster.resources[r].role < Role::Started {
        cluster.resources[r].role = Role::Started;
    }
}

/// A failed `migrate_to`: the target may have started the resource, so it
/// counts as active there, unless the target's state is unknown (it will
/// be probed) or the target has newer history than the migration. Failing
/// that, the source keeps it as a dangling migration unless something other
/// than a monitor ran there since.
pub(crate) fn unpack_migrate_to_failure(cluster: &mut Cluster, r: RscId, n: NodeId, op: &LrmOp) {
    let (Some(source), Some(target)) = (op.attr("migrate_source"), op.attr("migrate_target"))
    else {
        return;
    };
    let Some(t) = cluster.node_by_name(target) else {
        return;
    };
    let id = if cluster.history_index.contains(&cluster.resources[r].id) {
        cluster.resources[r].id.clone()
    } else {
        cluster.resources[r].base_id.clone()
    };
    let on_target: Vec<LrmOp> = cluster
        .history_index
        .ops(&id)
        .filter(|(nn, o)| *nn == t && o.call_id >= 0)
        .map(|(_, o)| o.clone())
        .collect();
    let unknown_on_target = on_target.is_empty();
    let migrate_from = find_op(cluster, &id, "migrate_from", t, Some(source));
    let newest_on_target = on_target.iter().max_by_key(|o| o.call_id);
    let newer_on_target = newest_on_target.is_some_and(|last| match &migrate_from {
        // Same node: call ids order them.
        Some(mf) => last.call_id > mf.call_id,
        // Different nodes: only change times can.
        None => newer_across_nodes(last, op),
    });
    if !unknown_on_target && !newer_on_target {
        // Active there, in whatever role the history leaves it.
        if cluster.nodes[t].online {
            crate::history::add_running(cluster, r, t);
        }
    } else if !newer_state_on(cluster, &id, n, op.call_id, &["monitor"]) {
        cluster.resources[r].dangling_migration_sources.push(n);
    }
}

pub(crate) fn unpack_migrate_from_failure(cluster: &mut Cluster, r: RscId, n: NodeId, op: &LrmOp) {
    let (Some(source), Some(_target)) = (op.attr("migrate_source"), op.attr("migrate_target"))
    else {
        return;
    };
    let Some(s) = cluster.node_by_name(source) else {
        return;
    };
    let id = cluster.resources[r].base_id.clone();
    let id = if cluster.history_index.contains(&cluster.resources[r].id) {
        cluster.resources[r].id.clone()
    } else {
        id
    };
    // If the source has no newer history than the migrate_to, the
    // resource is still active there.
    let migrate_to = find_op(cluster, &id, "migrate_to", s, None);
    if let Some(mt) = migrate_to {
        let newer = newer_state_on(cluster, &id, s, mt.call_id, &["migrate_to"]);
        if !newer && cluster.nodes[s].online {
            add_running(cluster, r, s);
        }
    }
    let _ = n;
}

/// Live migration instead of stop/start: `migrate_to` on the source,
/// `migrate_from` on the target, then the stop on the source; the start on
/// the target becomes a pseudo-action.
pub(crate) fn create_migration_actions(
    cluster: &mut Cluster,
    r: RscId,
    current: NodeId,
    chosen: NodeId,
) {
    use crate::actions::{custom_action, start_action, stop_action};
    use crate::ordering::order_rsc_tasks;
    let partial = cluster.resources[r].partial_migration_target.is_some();
    let start = start_action(cluster, r, Some(chosen), true);
    let stop = stop_action(cluster, r, Some(current), true);
    let migrate_to = if partial {
        None
    } else {
        Some(custom_action(
            cluster,
            r,
            Task::MigrateTo,
            0,
            Some(current),
            true,
        ))
    };
    let migrate_from = custom_action(cluster, r, Task::MigrateFrom, 0, Some(chosen), true);
    cluster.actions[start]
        .flags
        .set(ActionFlags::MIGRATE_RUNNABLE);
    cluster.actions[stop]
        .flags
        .set(ActionFlags::MIGRATE_RUNNABLE);
    cluster.actions[start].flags.set(ActionFlags::PSEUDO);
    let needs = cluster.actions[start].needs;
    let o = OrderFlags::OPTIONAL;
    let ifm = OrderFlags::IMPLIES_FIRST_MIGRATABLE;
    cluster.actions[migrate_from]
        .flags
        .set(ActionFlags::MIGRATE_RUNNABLE);
    match migrate_to {
        None => {
            cluster.actions[migrate_from].needs = needs;
            order_rsc_tasks(cluster, r, Task::Monitor, r, Task::MigrateFrom, o);
        }
        Some(mt) => {
            cluster.actions[mt].flags.set(ActionFlags::MIGRATE_RUNNABLE);
            cluster.actions[mt].needs = needs;
            order_rsc_tasks(cluster, r, Task::Monitor, r, Task::MigrateTo, o);
            order_rsc_tasks(cluster, r, Task::MigrateTo, r, Task::MigrateFrom, o | ifm);
        }
    }
    order_rsc_tasks(cluster, r, Task::MigrateFrom, r, Task::Stop, o | ifm);
    order_rsc_tasks(
        cluster,
        r,
        Task::MigrateFrom,
        r,
        Task::Start,
        o | ifm | OrderFlags::PSEUDO_LEFT,
    );
    for a in migrate_to.into_iter().chain(std::iter::once(migrate_from)) {
        cluster.actions[a].migrate_source = Some(current);
        cluster.actions[a].migrate_target = Some(chosen);
    }
}
