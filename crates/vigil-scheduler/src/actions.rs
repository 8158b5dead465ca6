//! Creating actions: the start/stop/promote/demote steps that take each
//! resource from its current role to its next one, recurring monitors,
//! probes, and the pseudo-actions that mark collective progress.
//!
//! Actions are kept in creation order in `Cluster::actions` and each
//! resource's `actions`. Lookups that Pacemaker performs on its
//! newest-first lists are done here by searching from the newest.

use vigil_cib::Score;

use crate::cluster::*;

// ------------------------------------------------------------------ lookup

/// Actions of `r` with this task and interval on `node` (newest first).
/// With `node` None, every such action matches; an action without a node
/// matches any node — and takes it, as the node becomes known.
pub(crate) fn find_actions(
    cluster: &mut Cluster,
    r: RscId,
    task: Task,
    interval_ms: u64,
    node: Option<NodeId>,
) -> Vec<ActionId> {
    let mut out = Vec::new();
    for &a in cluster.resources[r].actions.iter().rev() {
        let act = &cluster.actions[a];
        if act.task != task || act.interval_ms != interval_ms {
            continue;
        }
        match (node, act.node) {
            (None, _) => out.push(a),
            (Some(n), None) => {
                cluster.actions[a].node = Some(n);
                out.push(a);
            }
            (Some(n), Some(m)) if n == m => out.push(a),
            _ => {}
        }
    }
    out
}

/// Actions of `r` with this task on exactly `node` (newest first).
pub(crate) fn find_actions_exact(
    cluster: &Cluster,
    r: RscId,
    task: Task,
    interval_ms: u64,
    node: Option<NodeId>,
) -> Vec<ActionId> {
    let Some(n) = node else { return Vec::new() };
    cluster.resources[r]
        .actions
        .iter()
        .rev()
        .copied()
        .filter(|&a| {
            let act = &cluster.actions[a];
            act.task == task && act.interval_ms == interval_ms && act.node == Some(n)
        })
        .collect()
}

/// The newest action of `r` with this task (on `node` when given).
pub(crate) fn find_first(
    cluster: &Cluster,
    r: RscId,
    task: Task,
    node: Option<NodeId>,
) -> Option<ActionId> {
    cluster.resources[r]
        .actions
        .iter()
        .rev()
        .copied()
        .find(|&a| {
            let act = &cluster.actions[a];
            act.task == task
                && (node.is_none() || act.node == node)
                && (task != Task::Monitor || act.interval_ms == 0)
        })
}

// ---------------------------------------------------------------- creation

/// Find or create a resource action, then update its flags as Pacemaker's
/// `custom_action` does: a request for a required action makes it required
/// (never the other way), and runnability is recomputed.
pub(crate) fn custom_action(
    cluster: &mut Cluster,
    r: RscId,
    task: Task,
    interval_ms: u64,
    node: Option<NodeId>,
    optional: bool,
) -> ActionId {
    let existing = find_actions(cluster, r, task, interval_ms, node)
        .first()
        .copied();
    let a = match existing {
        Some(a) => a,
        None => new_action(cluster, Some(r), task, interval_ms, node, optional),
    };
    update_optional(cluster, a, optional);
    if cluster.actions[a].node.is_some() {
        // (node attributes for the action would be evaluated here)
    }
    update_runnable(cluster, a);
    a
}

/// Create an action that belongs to no resource (fencing, shutdown, ...),
/// or find the existing one with the same key.
pub(crate) fn singleton_action(
    cluster: &mut Cluster,
    key: &str,
    task: Task,
    node: Option<NodeId>,
    optional: bool,
) -> ActionId {
    if let Some(a) = cluster
        .actions
        .iter()
        .position(|x| x.rsc.is_none() && x.key.as_deref() == Some(key))
    {
        if !optional {
            cluster.actions[a].flags.clear(ActionFlags::OPTIONAL);
        }
        return a;
    }
    let a = new_action(cluster, None, task, 0, node, optional);
    cluster.actions[a].key = Some(key.to_string());
    a
}

pub(crate) fn new_action(
    cluster: &mut Cluster,
    rsc: Option<RscId>,
    task: Task,
    interval_ms: u64,
    node: Option<NodeId>,
    optional: bool,
) -> ActionId {
    let mut flags = ActionFlags::RUNNABLE;
    if optional {
        flags.set(ActionFlags::OPTIONAL);
    }
    let needs = match rsc {
        Some(r) if matches!(task, Task::Start | Task::Promote) => {
            match cluster.resources[r].requires {
                Requires::Nothing => Needs::Nothing,
                Requires::Quorum => Needs::Quorum,
                Requires::Fencing | Requires::Unfencing => Needs::Fencing,
            }
        }
        _ => Needs::Nothing,
    };
    let id = cluster.actions.len();
    cluster.actions.push(Action {
        rsc,
        task,
        interval_ms,
        node,
        flags,
        needs,
        runnable_before: 0,
        required_runnable_before: 0,
        reason: None,
        meta: Default::default(),
        before: Vec::new(),
        after: Vec::new(),
        key: None,
        task_name: None,
        notify_type: None,
        migrate_source: None,
        migrate_target: None,
    });
    if let Some(r) = rsc {
        cluster.resources[r].actions.push(id);
    }
    id
}

/// A non-recurring action of an unmanaged resource is always optional;
/// otherwise a request for a required action makes it required.
fn update_optional(cluster: &mut Cluster, a: ActionId, optional: bool) {
    let act = &cluster.actions[a];
    let unmanaged = act.rsc.is_some_and(|r| !cluster.resources[r].managed);
    if act.rsc.is_some() && act.node.is_some() && !act.pseudo() && unmanaged && act.interval_ms == 0
    {
        cluster.actions[a].flags.set(ActionFlags::OPTIONAL);
    } else if !optional {
        cluster.actions[a].flags.clear(ActionFlags::OPTIONAL);
    }
}

/// Whether a resource is active on a usable node.
pub(crate) fn rsc_active(cluster: &Cluster, r: RscId) -> bool {
    let rsc = &cluster.resources[r];
    if !rsc.children.is_empty() {
        return rsc.children.iter().all(|&c| rsc_active(cluster, c));
    }
    rsc.running_on.iter().any(|&n| {
        let node = &cluster.nodes[n];
        node.unclean || node.online || !rsc.managed
    })
}

/// Recompute whether a resource action can run (node state, quorum).
pub(crate) fn update_runnable(cluster: &mut Cluster, a: ActionId) {
    let act = &cluster.actions[a];
    if act.pseudo() {
        return;
    }
    let Some(r) = act.rsc else { return };
    let Some(n) = act.node else {
        cluster.actions[a].flags.clear(ActionFlags::RUNNABLE);
        return;
    };
    let node = &cluster.nodes[n];
    let is_dc_action = act.flags.has(ActionFlags::DC);
    let (task, needs) = (act.task, act.needs);
    if !is_dc_action && !node.online && (node.kind != NodeKind::Guest || node.remote_requires_reset)
    {
        let stop_of_managed = cluster.resources[r].managed && task == Task::Stop && !node.unclean;
        cluster.actions[a].flags.clear(ActionFlags::RUNNABLE);
        if stop_of_managed {
            crate::history::fence_node(cluster, n, "stop is unrunnable", false);
        }
        return;
    }
    if !is_dc_action && node.pending {
        cluster.actions[a].flags.clear(ActionFlags::RUNNABLE);
        return;
    }
    if needs == Needs::Nothing {
        if cluster.actions[a].reason.is_some() {
            cluster.actions[a].reason = None;
        }
        if node.kind == NodeKind::Guest && !crate::fencing::can_fence(cluster, n) {
            cluster.actions[a].flags.clear(ActionFlags::RUNNABLE);
        } else {
            cluster.actions[a].flags.set(ActionFlags::RUNNABLE);
        }
        return;
    }
    match effective_quorum_policy(cluster, r) {
        NoQuorumPolicy::Stop => {
            cluster.actions[a].flags.clear(ActionFlags::RUNNABLE);
            set_reason(cluster, a, "no quorum", true);
        }
        NoQuorumPolicy::Freeze => {
            let rsc = &cluster.resources[r];
            if !rsc_active(cluster, r) || rsc.next_role > rsc.role {
                cluster.actions[a].flags.clear(ActionFlags::RUNNABLE);
                set_reason(cluster, a, "quorum freeze", true);
            }
        }
        _ => cluster.actions[a].flags.set(ActionFlags::RUNNABLE),
    }
}

fn effective_quorum_policy(cluster: &mut Cluster, r: RscId) -> NoQuorumPolicy {
    if cluster.have_quorum {
        return NoQuorumPolicy::Ignore;
    }
    let policy = cluster.options.no_quorum_policy;
    if policy == NoQuorumPolicy::Demote {
        let rsc = &mut cluster.resources[r];
        return match rsc.role {
            Role::Promoted | Role::Unpromoted => {
                if rsc.next_role > Role::Unpromoted {
                    rsc.next_role = Role::Unpromoted;
                }
                NoQuorumPolicy::Ignore
            }
            _ => NoQuorumPolicy::Stop,
        };
    }
    if policy == NoQuorumPolicy::Fence {
        // Every node of the partition is fenced; actions are as without quorum.
        return NoQuorumPolicy::Stop;
    }
    policy
}

/// Set an action's reason; without `overwrite`, an existing reason stays.
pub(crate) fn set_reason(cluster: &mut Cluster, a: ActionId, reason: &str, overwrite: bool) {
    let act = &mut cluster.actions[a];
    if act.reason.is_none() || overwrite {
        act.reason = Some(reason.to_string());
    }
}

pub(crate) fn start_action(
    cluster: &mut Cluster,
    r: RscId,
    node: Option<NodeId>,
    optional: bool,
) -> ActionId {
    custom_action(cluster, r, Task::Start, 0, node, optional)
}

pub(crate) fn stop_action(
    cluster: &mut Cluster,
    r: RscId,
    node: Option<NodeId>,
    optional: bool,
) -> ActionId {
    custom_action(cluster, r, Task::Stop, 0, node, optional)
}

// ------------------------------------------------------ primitive actions

/// The node a resource is considered active on (the migration source, or
/// for resources that need no fencing the first clean node), and counts of
/// all and of clean active nodes.
pub(crate) fn find_active_on(cluster: &Cluster, r: RscId) -> (Option<NodeId>, usize, usize) {
    let rsc = &cluster.resources[r];
    let mut active: Option<NodeId> = None;
    let mut all = 0;
    let mut clean = 0;
    let needs_fencing = rsc.requires >= Requires::Fencing;
    for &n in &rsc.running_on {
        let happy = cluster.nodes[n].online && !cluster.nodes[n].unclean;
        all += 1;
        if happy {
            clean += 1;
        }
        if let Some(src) = rsc.partial_migration_source {
            if n == src {
                active = Some(n);
            }
        } else if !needs_fencing
            && happy
            && active.is_none_or(|a| !cluster.nodes[a].online || cluster.nodes[a].unclean)
        {
            active = Some(n);
        }
        if active.is_none() {
            active = Some(n);
        }
    }
    (active, all, clean)
}

pub(crate) fn current_node(cluster: &Cluster, r: RscId) -> Option<NodeId> {
    find_active_on(cluster, r).0
}

/// The next role on the way from `from` to `to`.
fn next_step(from: Role, to: Role) -> Role {
    use Role::*;
    match (from, to) {
        (Unknown, Unknown) => Unknown,
        (Unknown, _) => Stopped,
        (Stopped, Unknown) | (Stopped, Stopped) => Stopped,
        (Stopped, Started) => Started,
        (Stopped, _) => Unpromoted,
        (Started, Unknown) | (Started, Stopped) => Stopped,
        (Started, Started) => Started,
        (Started, Unpromoted) => Unpromoted,
        (Started, Promoted) => Promoted,
        (Unpromoted, Promoted) => Promoted,
        (Unpromoted, Unpromoted) => Unpromoted,
        (Unpromoted, _) => Stopped,
        (Promoted, Promoted) => Promoted,
        (Promoted, Unknown) => Stopped,
        (Promoted, _) => Unpromoted,
    }
}

/// Run the transition action for one role step; false means "cannot".
fn role_step(
    cluster: &mut Cluster,
    r: RscId,
    from: Role,
    to: Role,
    node: Option<NodeId>,
    optional: bool,
) -> bool {
    use Role::*;
    match (from, to) {
        (Unknown, Stopped) | (Started, Stopped) | (Unpromoted, Stopped) | (Unpromoted, Started) => {
            stop_rsc(cluster, r, optional);
            true
        }
        (Stopped, Stopped)
        | (Started, Started)
        | (Started, Unpromoted)
        | (Unpromoted, Unpromoted)
        | (Promoted, Promoted) => true,
        (Stopped, Started) | (Stopped, Unpromoted) => {
            start_rsc(cluster, r, node, optional);
            true
        }
        (Started, Promoted) | (Unpromoted, Promoted) => {
            promote_rsc(cluster, r, node, optional);
            true
        }
        (Promoted, Stopped) | (Promoted, Started) | (Promoted, Unpromoted) => {
            demote_rsc(cluster, r, optional);
            true
        }
        _ => false,
    }
}

fn stop_rsc(cluster: &mut Cluster, r: RscId, optional: bool) {
    for n in cluster.resources[r].running_on.clone() {
        let mut optional = optional;
        let rsc = &cluster.resources[r];
        if let Some(target) = rsc.partial_migration_target {
            if target == n && rsc.assigned == Some(n) {
                // Continuing the migration: no stop on the target.
                continue;
            }
            optional = false;
        }
        if rsc.stop_unexpected && rsc.assigned == Some(n) {
            // Multiply active with stop_unexpected: keep the expected instance.
            continue;
        }
        let stop = stop_action(cluster, r, Some(n), optional);
        if cluster.resources[r].assigned.is_none() {
            set_reason(cluster, stop, "node availability", true);
        } else if cluster.resources[r].restarting && cluster.resources[r].stop_unexpected {
            set_reason(cluster, stop, "being multiply active", false);
        }
        if !cluster.resources[r].managed {
            cluster.actions[stop].flags.clear(ActionFlags::RUNNABLE);
        }
        if cluster.resources[r].requires == Requires::Unfencing {
            crate::fencing::order_stop_vs_unfence(cluster, r, n, stop);
        }
    }
}

fn start_rsc(cluster: &mut Cluster, r: RscId, node: Option<NodeId>, optional: bool) {
    let start = start_action(cluster, r, node, true);
    crate::fencing::order_start_vs_unfence(cluster, r, node, start, OrderFlags::IMPLIES_THEN);
    if cluster.actions[start].runnable() && !optional {
        cluster.actions[start].flags.clear(ActionFlags::OPTIONAL);
    }
}

fn promote_rsc(cluster: &mut Cluster, r: RscId, node: Option<NodeId>, optional: bool) {
    let Some(n) = node else { return };
    let starts = find_actions_exact(cluster, r, Task::Start, 0, Some(n));
    let runnable = starts.iter().all(|&s| cluster.actions[s].runnable());
    if runnable {
        custom_action(cluster, r, Task::Promote, 0, Some(n), optional);
        return;
    }
    for p in find_actions_exact(cluster, r, Task::Promote, 0, Some(n)) {
        cluster.actions[p].flags.clear(ActionFlags::RUNNABLE);
    }
}

fn demote_rsc(cluster: &mut Cluster, r: RscId, optional: bool) {
    for n in cluster.resources[r].running_on.clone() {
        custom_action(cluster, r, Task::Demote, 0, Some(n), optional);
    }
}

/// Create the actions that take a primitive from its current role to its next.
pub(crate) fn create_primitive_actions(cluster: &mut Cluster, r: RscId) {
    let chosen = cluster.resources[r].assigned;
    let mut allow_migrate = cluster.resources[r].allow_migrate;
    if cluster.resources[r].next_role == Role::Unknown {
        cluster.resources[r].next_role = if chosen.is_none() {
            Role::Stopped
        } else {
            Role::Started
        };
    }
    let (current, num_all, num_clean) = find_active_on(cluster, r);

    for src in cluster.resources[r].dangling_migration_sources.clone() {
        let stop = stop_action(cluster, r, Some(src), false);
        cluster.actions[stop].flags.set(ActionFlags::DANGLE);
    }

    let rsc = &cluster.resources[r];
    let mut multiply_active;
    let continuing_migration = num_all == 2
        && num_clean == 2
        && chosen.is_some()
        && rsc.partial_migration_source.is_some()
        && rsc.partial_migration_target.is_some()
        && current == rsc.partial_migration_source
        && chosen == rsc.partial_migration_target;
    if continuing_migration {
        multiply_active = false;
    } else if rsc.requires < Requires::Fencing {
        multiply_active = num_clean > 1;
    } else {
        multiply_active = num_all > 1;
    }
    let mut need_stop = false;
    let mut need_promote = false;
    if multiply_active {
        if rsc.partial_migration_target.is_some() && rsc.partial_migration_source.is_some() {
            multiply_active = false;
        }
        match cluster.resources[r].multiple_active {
            MultipleActive::StopStart => need_stop = true,
            MultipleActive::StopUnexpected => {
                need_stop = true;
                cluster.resources[r].stop_unexpected = true;
            }
            _ => {}
        }
        let rsc = &mut cluster.resources[r];
        rsc.partial_migration_source = None;
        rsc.partial_migration_target = None;
        allow_migrate = false;
    }
    if !multiply_active {
        cluster.resources[r].stop_unexpected = false;
    }

    if cluster.resources[r].start_pending {
        let start = start_action(cluster, r, chosen, true);
        cluster.actions[start].flags.set(ActionFlags::PRINT_ALWAYS);
    }

    let mut is_moving = false;
    let rsc = &cluster.resources[r];
    if current.is_some() && chosen.is_some() && current != chosen {
        is_moving = true;
        need_stop = true;
    } else if rsc.failed {
        if rsc.stop_needed {
            need_stop = true;
        } else if rsc.next_role == Role::Promoted {
            need_promote = true;
        }
    } else if rsc.blocked {
        need_stop = true;
    } else if rsc.role > Role::Started && current.is_some() && chosen.is_some() {
        let start = start_action(cluster, r, chosen, true);
        if !cluster.actions[start].optional() {
            need_stop = true;
        }
    }

    // Down to Stopped (as far as needed), back up to the current role, then
    // on to the next role.
    let mut role = cluster.resources[r].role;
    while role != Role::Stopped {
        let next = next_step(role, Role::Stopped);
        if !role_step(cluster, r, role, next, current, !need_stop) {
            break;
        }
        role = next;
    }
    let current_role = cluster.resources[r].role;
    while current_role <= cluster.resources[r].next_role
        && role != current_role
        && !cluster.resources[r].blocked
    {
        let next = next_step(role, current_role);
        if !role_step(cluster, r, role, next, chosen, !need_stop) {
            break;
        }
        role = next;
    }
    role = cluster.resources[r].role;
    while role != cluster.resources[r].next_role {
        let target = cluster.resources[r].next_role;
        let next = next_step(role, target);
        if !role_step(cluster, r, role, next, chosen, false) {
            break;
        }
        role = next;
    }
    // A promoted instance that failed with on-fail=demote and stays the
    // promoted one is demoted and promoted again ("Re-promote").
    if need_promote && role == Role::Promoted && cluster.resources[r].role == Role::Promoted {
        promote_rsc(cluster, r, chosen, false);
    }

    if cluster.resources[r].blocked {
        // No recurring monitors for blocked resources.
    } else if cluster.resources[r].next_role != Role::Stopped || !cluster.resources[r].managed {
        let start = start_action(cluster, r, chosen, true);
        recurring(cluster, r, Some(start), chosen);
        recurring_stopped(cluster, r, Some(start), chosen);
    } else {
        recurring_stopped(cluster, r, None, None);
    }

    let rsc = &cluster.resources[r];
    let partial_elsewhere = rsc.partial_migration_target.is_some()
        && (chosen.is_none() || rsc.partial_migration_target != chosen);
    if partial_elsewhere
        || !is_moving
        || !rsc.managed
        || rsc.failed
        || rsc.start_pending
        || current.is_some_and(|c| cluster.nodes[c].unclean)
        || rsc.next_role < Role::Started
    {
        allow_migrate = false;
    }
    if allow_migrate && let (Some(cur), Some(ch)) = (current, chosen) {
        crate::migration::create_migration_actions(cluster, r, cur, ch);
    }
}

// -------------------------------------------------------------- monitors

fn op_role(def: &vigil_cib::config::OpDef) -> Option<Role> {
    def.role.as_deref().and_then(Role::parse)
}

/// Create the recurring monitors a resource should run in its next role.
fn recurring(cluster: &mut Cluster, r: RscId, start: Option<ActionId>, node: Option<NodeId>) {
    if cluster.resources[r].maintenance || node.is_some_and(|n| cluster.nodes[n].maintenance) {
        return;
    }
    let defs = cluster.resources[r].ops.clone();
    for def in defs.iter() {
        if def.interval_ms == 0 || op_role(def) == Some(Role::Stopped) {
            continue;
        }
        // Operations sharing a name and interval are all ignored.
        let same =
            |d: &&vigil_cib::config::OpDef| d.name == def.name && d.interval_ms == def.interval_ms;
        if defs.iter().filter(same).count() > 1 {
            continue;
        }
        if matches!(def.name.as_str(), "start" | "stop" | "promote" | "demote") {
            continue;
        }
        if !crate::failures::op_enabled(def) {
            continue;
        }
        recurring_op(cluster, r, start, node, def);
    }
}

fn recurring_op(
    cluster: &mut Cluster,
    r: RscId,
    start: Option<ActionId>,
    node: Option<NodeId>,
    def: &vigil_cib::config::OpDef,
) {
    let Some(task) = Task::parse(&def.name) else {
        return;
    };
    let interval = def.interval_ms;
    let role = op_role(def);
    let mut is_optional = match start {
        Some(s) => crate::ordering::action_flags(cluster, s, None).has(ActionFlags::OPTIONAL),
        None => true,
    };
    let existing = find_actions_exact(cluster, r, task, interval, node);
    if existing.is_empty()
        || existing
            .iter()
            .any(|&a| cluster.actions[a].flags.has(ActionFlags::RESCHEDULE))
    {
        is_optional = false;
    }
    let next_role = cluster.resources[r].next_role;
    let wrong_role = match role {
        None => next_role == Role::Promoted,
        Some(role) => role != next_role,
    };
    if wrong_role {
        if is_optional && let Some(n) = node {
            // It is running in the wrong role: cancel it.
            let cancel = new_action(cluster, Some(r), Task::Cancel, interval, Some(n), false);
            cluster.actions[cancel].task_name = Some(def.name.clone());
            let after = match cluster.resources[r].role {
                Role::Unpromoted | Role::Started => match next_role {
                    Role::Promoted => Some(Task::Promote),
                    Role::Stopped => Some(Task::Stop),
                    _ => None,
                },
                Role::Promoted => Some(Task::Demote),
                _ => None,
            };
            if let Some(t) = after {
                crate::ordering::order_action_then_rsc(
                    cluster,
                    cancel,
                    r,
                    t,
                    OrderFlags::RUNNABLE_LEFT,
                );
            }
        }
        return;
    }
    let mon = custom_action(cluster, r, task, interval, node, is_optional);
    let start_runnable = start.is_some_and(|s| cluster.actions[s].runnable());
    if !start_runnable || node.is_none_or(|n| !cluster.nodes[n].online || cluster.nodes[n].unclean)
    {
        cluster.actions[mon].flags.clear(ActionFlags::RUNNABLE);
    }
    if next_role == Role::Promoted {
        cluster.actions[mon]
            .meta
            .insert("target_rc".into(), "8".into());
    }
    if node.is_none() || cluster.resources[r].managed {
        let flags = OrderFlags::IMPLIES_THEN | OrderFlags::RUNNABLE_LEFT;
        crate::ordering::order_rsc_then_action(cluster, r, Task::Start, mon, flags);
        crate::ordering::order_rsc_then_action(cluster, r, Task::Reload, mon, flags);
        if next_role == Role::Promoted {
            crate::ordering::order_rsc_then_action(
                cluster,
                r,
                Task::Promote,
                mon,
                OrderFlags::OPTIONAL | OrderFlags::RUNNABLE_LEFT,
            );
        } else if cluster.resources[r].role == Role::Promoted {
            crate::ordering::order_rsc_then_action(
                cluster,
                r,
                Task::Demote,
                mon,
                OrderFlags::OPTIONAL | OrderFlags::RUNNABLE_LEFT,
            );
        }
    }
}

/// Monitors with `role="Stopped"` run where the resource is not active.
fn recurring_stopped(
    cluster: &mut Cluster,
    r: RscId,
    start: Option<ActionId>,
    node: Option<NodeId>,
) {
    let _ = (start, node);
    if cluster.resources[r].maintenance {
        return;
    }
    let defs: Vec<_> = cluster.resources[r]
        .ops
        .iter()
        .filter(|d| op_role(d) == Some(Role::Stopped) && d.interval_ms > 0)
        .cloned()
        .collect();
    for def in defs {
        if !crate::failures::op_enabled(&def) {
            continue;
        }
        crate::stopped_monitor::create(cluster, r, &def, node);
    }
}

// ------------------------------------------------------------------ probes

/// Probe every resource on every node where its state is unknown.
pub(crate) fn schedule_probes(cluster: &mut Cluster) {
    for n in cluster.nodes_by_name() {
        let node = &cluster.nodes[n];
        if !node.online {
            if crate::remote::is_failed_remote_node(cluster, n) {
                crate::history::fence_node(cluster, n, "the connection is unrecoverable", false);
            }
            continue;
        }
        if node.unclean || node.attrs.contains_key("#discovery-disabled") {
            continue;
        }
        if let Some(probed) = node.attrs.get("probe_complete")
            && !vigil_cib::is_true(Some(probed))
        {
            let key = format!("probe_complete-{}", node.name);
            let a = singleton_action(cluster, &key, Task::Lrm, Some(n), false);
            cluster.actions[a]
                .meta
                .insert("op_no_wait".into(), "true".into());
            continue;
        }
        for r in cluster.top.clone() {
            create_probe(cluster, r, n);
        }
    }
}

/// Instances of an anonymous clone are interchangeable: a node where any
/// of them is known needs no probe, and elsewhere one instance (the one
/// placed there, else the first) is probed.
fn probe_anonymous_clone(cluster: &mut Cluster, r: RscId, n: NodeId) -> bool {
    let known = cluster
        .primitives_under(r)
        .into_iter()
        .any(|p| cluster.resources[p].known_on.contains(&n));
    if known {
        return false;
    }
    let children = &cluster.resources[r].children;
    let child = children
        .iter()
        .copied()
        .find(|&c| cluster.resources[c].assigned == Some(n))
        .or_else(|| children.first().copied());
    child.is_some_and(|c| create_probe(cluster, c, n))
}

/// The `N` of a clone instance id `rsc:N`.
fn instance_number(id: &str) -> Option<u32> {
    id.rsplit_once(':').and_then(|(_, n)| n.parse().ok())
}

pub(crate) fn create_probe(cluster: &mut Cluster, r: RscId, n: NodeId) -> bool {
    if !cluster.options.enable_startup_probes {
        return false;
    }
    if cluster.resources[r].variant == Variant::Bundle {
        return crate::bundle::create_bundle_probes(cluster, r, n);
    }
    let node_kind = cluster.nodes[n].kind;
    if node_kind != NodeKind::Member {
        let rsc = &cluster.resources[r];
        if rsc.agent.as_ref().is_some_and(|a| a.class == "stonith") {
            return false;
        }
        if node_kind == NodeKind::Guest && crate::remote::contains_guest_node(cluster, r) {
            return false;
        }
        if rsc.remote_node.is_some() {
            return false;
        }
    }
    let anonymous_clone = cluster.resources[r].variant == Variant::Clone
        && cluster.resources[r]
            .clone
            .as_ref()
            .is_some_and(|s| !s.unique);
    if cluster.resources[r].variant == Variant::Clone {
        // Pacemaker puts a clone's instances back in instance-number
        // order whenever it considers probing the clone, undoing the
        // assignment sort; later passes (the transition summary) walk
        // them in that order.
        let mut children = cluster.resources[r].children.clone();
        children.sort_by_key(|&c| instance_number(&cluster.resources[c].id));
        cluster.resources[r].children = children;
    }
    if anonymous_clone {
        return probe_anonymous_clone(cluster, r, n);
    }
    if !cluster.resources[r].children.is_empty() {
        let mut any = false;
        for c in cluster.resources[r].children.clone() {
            any = create_probe(cluster, c, n) || any;
        }
        return any;
    }
    let rsc = &cluster.resources[r];
    if rsc.container.is_some() && rsc.remote_node.is_none() {
        return false;
    }
    if rsc.orphan {
        return false;
    }
    if rsc.known_on.contains(&n) {
        return false;
    }
    if crate::bundle::discovery_disabled(cluster, r, n) {
        return false;
    }
    let top = cluster.top_of(r);
    let allowed = rsc.allowed.get(&n).copied();
    let exclusive = rsc.exclusive_discover || cluster.resources[top].exclusive_discover;
    if exclusive {
        if allowed.is_none() {
            return false;
        }
        let excl = rsc.discovery_exclusive.contains(&n)
            || cluster.resources[top].discovery_exclusive.contains(&n);
        if !excl {
            return false;
        }
    }
    if allowed.is_some()
        && (rsc.discovery_never.contains(&n) || cluster.resources[top].discovery_never.contains(&n))
    {
        return false;
    }
    if cluster.nodes[n].kind == NodeKind::Guest
        && !crate::remote::guest_allows_probe(cluster, r, n, top)
    {
        return false;
    }

    let probe = custom_action(cluster, r, Task::Monitor, 0, Some(n), false);
    cluster.actions[probe].flags.clear(ActionFlags::OPTIONAL);
    crate::fencing::order_probe_vs_unfence(cluster, r, n, probe);
    let running_here = cluster.resources[r].running_on.contains(&n);
    if !running_here {
        cluster.actions[probe]
            .meta
            .insert("target_rc".into(), "7".into());
    } else if cluster.resources[r].role == Role::Promoted {
        cluster.actions[probe]
            .meta
            .insert("target_rc".into(), "8".into());
    }
    let top_is_clone = cluster.resources[top].variant == Variant::Clone;
    let order_target = if crate::fencing::is_unfence_device(cluster, r) || !top_is_clone {
        r
    } else {
        top
    };
    let mut flags = OrderFlags::OPTIONAL;
    if !cluster.actions[probe].runnable() && cluster.resources[r].running_on.is_empty() {
        flags = flags | OrderFlags::RUNNABLE_LEFT;
    }
    crate::ordering::order_action_then_rsc(cluster, probe, order_target, Task::Start, flags);
    crate::ordering::order_action_then_rsc(
        cluster,
        probe,
        order_target,
        Task::Reload,
        OrderFlags::OPTIONAL,
    );
    let _ = Score::ZERO;
    true
}
