//! Clones and promotable clones: spreading instances over nodes, the
//! clone-level pseudo-actions, interleaved orderings between clones, and
//! choosing which instances are promoted.

use vigil_cib::Score;
use vigil_cib::score::INFINITY;

use crate::actions::{custom_action, find_first};
use crate::cluster::*;
use crate::ledger::{InstanceLimit, Source};
use crate::ordering::{Changed, order_actions, order_rsc_tasks};
use crate::placement::{self, MergeFlags};

// ------------------------------------------------------------- locations

/// The single node a resource is (current) or will be (next) on, if exactly one.
pub(crate) fn location(cluster: &Cluster, r: RscId, current: bool) -> Option<NodeId> {
    let mut nodes = Vec::new();
    collect_locations(cluster, r, current, &mut nodes);
    if nodes.len() == 1 {
        Some(nodes[0])
    } else {
        None
    }
}

pub(crate) fn collect_locations(cluster: &Cluster, r: RscId, current: bool, out: &mut Vec<NodeId>) {
    let rsc = &cluster.resources[r];
    if !rsc.children.is_empty() {
        for &c in &rsc.children {
            collect_locations(cluster, c, current, out);
        }
        return;
    }
    let list: Vec<NodeId> = if current {
        rsc.running_on.clone()
    } else {
        rsc.assigned.into_iter().collect()
    };
    for n in list {
        if !out.contains(&n) {
            out.push(n);
        }
    }
}

/// The role of a resource now (`current`) or after the transition.
pub(crate) fn state(cluster: &Cluster, r: RscId, current: bool) -> Role {
    let rsc = &cluster.resources[r];
    if rsc.children.is_empty() {
        return if current { rsc.role } else { rsc.next_role };
    }
    rsc.children
        .iter()
        .map(|&c| state(cluster, c, current))
        .max()
        .unwrap_or(Role::Unknown)
}

fn any_blocked(cluster: &Cluster, r: RscId) -> bool {
    let rsc = &cluster.resources[r];
    rsc.blocked || rsc.children.iter().any(|&c| any_blocked(cluster, c))
}

fn settings(cluster: &Cluster, r: RscId) -> CloneSettings {
    cluster.resources[r].clone.clone().unwrap_or_default()
}

// ------------------------------------------------------------ assignment

/// Per-clone counters kept on the clone's own node table entries.
fn reset_counts(cluster: &mut Cluster, r: RscId) {
    cluster.clone_counts.retain(|(c, _), _| *c != r);
}

fn count(cluster: &Cluster, r: RscId, n: NodeId) -> usize {
    cluster.clone_counts.get(&(r, n)).copied().unwrap_or(0)
}

fn bump(cluster: &mut Cluster, r: RscId, n: NodeId) {
    *cluster.clone_counts.entry((r, n)).or_insert(0) += 1;
}

/// Assign every instance of a clone.
pub(crate) fn assign_clone(
    cluster: &mut Cluster,
    r: RscId,
    prefer: Option<NodeId>,
) -> Option<NodeId> {
    if !cluster.resources[r].provisional || cluster.resources[r].assigning {
        return None;
    }
    let promotable = cluster.resources[r].is_promotable();
    if promotable {
        crate::promotable::add_promotion_scores(cluster, r);
    }
    cluster.resources[r].assigning = true;
    for ci in cluster.resources[r].coloc_as_dependent.clone() {
        let primary = cluster.colocations[ci].primary;
        placement::assign(cluster, primary, prefer);
    }
    for ci in cluster.resources[r].coloc_as_primary.clone() {
        let c = cluster.colocations[ci].clone();
        if placement::has_influence(cluster, &c) {
            let factor = c.score.value() as f64 / INFINITY as f64;
            let nodes = cluster.resources[r].allowed.clone();
            let id = cluster.resources[r].id.clone();
            let flags = MergeFlags {
                rollback: true,
                positive: true,
                ..Default::default()
            };
            let merged = placement::merge_weights(
                cluster,
                c.dependent,
                &id,
                Some(nodes),
                &c.node_attribute,
                factor,
                flags,
            );
            cluster.resources[r].allowed = merged;
            crate::ledger::credit(cluster, r, |cl| crate::ledger::dependents(cl, &c));
        }
    }
    placement::log_scores_within(cluster, r, "pcmk__clone_allocate");

    let nodes = placement::sorted_nodes(cluster, &cluster.resources[r].allowed, None);
    let mut children = cluster.resources[r].children.clone();
    sort_instances(cluster, r, &mut children);
    cluster.resources[r].children = children.clone();
    let s = settings(cluster, r);
    distribute(cluster, r, &children, &nodes, s.max, s.node_max);
    if promotable {
        crate::promotable::set_instance_roles(cluster, r);
    }
    cluster.resources[r].provisional = false;
    cluster.resources[r].assigning = false;
    None
}

pub(crate) fn distribute(
    cluster: &mut Cluster,
    r: RscId,
    children: &[RscId],
    nodes: &[NodeId],
    max: usize,
    per_host_max: usize,
) {
    reset_counts(cluster, r);
    let available = nodes.iter().filter(|&&n| cluster.nodes[n].can_run).count();
    let all_coloc = max < available;
    let loop_max = max.checked_div(available).unwrap_or(1).max(1);
    let mut allocated = 0;
    // Keep active instances where they are, as far as possible.
    for &child in children {
        if allocated >= max {
            break;
        }
        let c = &cluster.resources[child];
        if c.running_on.is_empty() || !c.provisional || c.failed {
            continue;
        }
        let Some(node) = crate::actions::current_node(cluster, child) else {
            continue;
        };
        let parent_ok = cluster.resources[r]
            .allowed
            .get(&node)
            .is_some_and(|s| s.value() >= 0)
            && cluster.nodes[node].can_run;
        if !parent_ok {
            continue;
        }
        if count(cluster, r, node) >= loop_max {
            continue;
        }
        if assign_instance(cluster, child, Some(node), all_coloc, per_host_max) {
            allocated += 1;
        }
    }
    for &child in children {
        if !cluster.resources[child].provisional {
            continue;
        }
        if allocated >= max {
            let limit = InstanceLimit::CloneMaxReached { max };
            let source = || Source::CloneLimit(limit);
            placement::add_location_from(cluster, child, None, Score::NEG_INFINITY, &source);
            // The limit is reached: this instance stays stopped.
            force_unassigned(cluster, child);
        } else if assign_instance(cluster, child, None, all_coloc, per_host_max) {
            allocated += 1;
        }
    }
}

/// Mark an instance (and its members) as not placed.
fn force_unassigned(cluster: &mut Cluster, r: RscId) {
    for c in cluster.resources[r].children.clone() {
        force_unassigned(cluster, c);
    }
    let rsc = &mut cluster.resources[r];
    if rsc.provisional {
        rsc.provisional = false;
        rsc.assigned = None;
        rsc.next_role = Role::Stopped;
    }
}

fn assign_instance(
    cluster: &mut Cluster,
    child: RscId,
    prefer: Option<NodeId>,
    all_coloc: bool,
    limit: usize,
) -> bool {
    if !cluster.resources[child].provisional {
        return location(cluster, child, false).is_some();
    }
    if cluster.resources[child].assigning {
        return false;
    }
    let parent = cluster.resources[child].parent.unwrap_or(child);
    append_parent_colocations(cluster, parent, child, all_coloc);
    if let Some(p) = prefer {
        let ok = cluster.resources[child]
            .allowed
            .get(&p)
            .is_some_and(|s| s.value() >= 0);
        if !ok {
            return false;
        }
    }
    limit_instance(cluster, child, parent, limit);
    let backup = snapshot(cluster, child);
    let chosen = placement::assign(cluster, child, prefer);
    let mut chosen = chosen;
    if let (Some(c), Some(p)) = (chosen, prefer)
        && c != p
    {
        restore(cluster, child, backup);
        chosen = None;
    }
    if let Some(c) = chosen {
        bump(cluster, parent, c);
    }
    chosen.is_some()
}

/// What assigning an instance may change, to undo a rejected pre-assignment.
struct Snapshot {
    entries: Vec<(RscId, placement::NodeScores, Option<NodeId>, bool, Role)>,
    ledger: crate::ledger::Mark,
}

fn snapshot(cluster: &Cluster, r: RscId) -> Snapshot {
    let mut entries = Vec::new();
    let mut stack = vec![r];
    while let Some(x) = stack.pop() {
        let rsc = &cluster.resources[x];
        entries.push((
            x,
            rsc.allowed.clone(),
            rsc.assigned,
            rsc.provisional,
            rsc.next_role,
        ));
        stack.extend(rsc.children.iter().copied());
    }
    Snapshot {
        entries,
        ledger: crate::ledger::mark(cluster),
    }
}

fn restore(cluster: &mut Cluster, r: RscId, snap: Snapshot) {
    for (x, allowed, assigned, provisional, next_role) in snap.entries {
        let now_assigned = cluster.resources[x].assigned;
        if let Some(n) = now_assigned
            && cluster.resources[x].is_primitive()
        {
            cluster.nodes[n].assigned_count = cluster.nodes[n].assigned_count.saturating_sub(1);
            crate::utilization::release(cluster, n, x);
        }
        let rsc = &mut cluster.resources[x];
        rsc.allowed = allowed;
        rsc.assigned = assigned;
        rsc.provisional = provisional;
        rsc.next_role = next_role;
    }
    crate::ledger::rollback(cluster, r, snap.ledger);
    // The instance stays unassigned (and provisional) for the next round.
    let rsc = &mut cluster.resources[r];
    rsc.assigned = None;
    rsc.provisional = true;
}

/// Instances inherit the clone's colocations: mandatory and negative ones
/// always, optional ones only when not every node gets an instance.
fn append_parent_colocations(cluster: &mut Cluster, parent: RscId, child: RscId, all: bool) {
    for ci in cluster.resources[parent].coloc_as_dependent.clone() {
        let c = &cluster.colocations[ci];
        if (all || c.score.value() < 0 || c.score.is_pos_infinity())
            && !cluster.resources[child].coloc_as_dependent.contains(&ci)
        {
            crate::constraints::insert_sorted(cluster, child, ci, true);
        }
    }
    for ci in cluster.resources[parent].coloc_as_primary.clone() {
        let c = cluster.colocations[ci].clone();
        if !placement::has_influence(cluster, &c) {
            continue;
        }
        if (all || c.score.value() < 0) && !cluster.resources[child].coloc_as_primary.contains(&ci)
        {
            cluster.resources[child].coloc_as_primary.insert(0, ci);
        }
    }
}

/// Ban an instance from nodes the clone cannot use or that are full.
fn limit_instance(cluster: &mut Cluster, child: RscId, parent: RscId, limit: usize) {
    let nodes: Vec<NodeId> = cluster.resources[child].allowed.keys().copied().collect();
    for n in nodes {
        use InstanceLimit::*;
        let score = if !cluster.nodes[n].can_run {
            Some((Score::NEG_INFINITY, NodeUnavailable))
        } else if cluster.resources[child].orphan {
            Some((Score::NEG_INFINITY, Orphan))
        } else {
            match cluster.resources[parent].allowed.get(&n) {
                None => Some((Score::NEG_INFINITY, CloneNotAllowed)),
                Some(&s) if s.value() < 0 => Some((s, CloneScoreNegative)),
                Some(_) if count(cluster, parent, n) < limit => None,
                Some(_) => Some((Score::NEG_INFINITY, NodeFull { node_max: limit })),
            }
        };
        if let Some((s, why)) = score {
            set_score(cluster, child, n, s);
            crate::ledger::credit(cluster, child, |_| Source::CloneLimit(why));
        }
    }
}

fn set_score(cluster: &mut Cluster, r: RscId, n: NodeId, s: Score) {
    for c in cluster.resources[r].children.clone() {
        set_score(cluster, c, n, s);
    }
    if let Some(x) = cluster.resources[r].allowed.get_mut(&n) {
        *x = s;
    }
}

/// Order instances for assignment: active ones (on fewer nodes first),
/// those whose current node is usable, by priority, then by how well
/// their node suits them, failed ones later, then by how much the
/// resources colocated with the clone favour their current nodes, then by
/// id.
fn sort_instances(cluster: &mut Cluster, clone: RscId, children: &mut [RscId]) {
    let preference = node_preference(cluster, clone);
    let cluster: &Cluster = cluster;
    children.sort_by(|&a, &b| compare_instances_by(cluster, a, b, Some(&preference)));
}

/// How much the resources colocated with the clone want each node, when
/// its instances are ordered: the scores of the resources it is colocated
/// with and of those colocated with it, folded into a table of zeros (the
/// clone's own location scores do not count here; a node its primaries
/// cannot use is a poor place to keep an instance).
fn node_preference(cluster: &mut Cluster, clone: RscId) -> placement::NodeScores {
    let mut scores: placement::NodeScores = cluster.resources[clone]
        .allowed
        .keys()
        .map(|&n| (n, Score::ZERO))
        .collect();
    let id = cluster.resources[clone].id.clone();
    for ci in cluster.resources[clone].coloc_as_primary.clone() {
        let c = cluster.colocations[ci].clone();
        if !placement::has_influence(cluster, &c) {
            continue;
        }
        let factor = c.score.value() as f64 / INFINITY as f64;
        let flags = MergeFlags {
            rollback: true,
            positive: true,
            ..Default::default()
        };
        scores = placement::merge_weights(
            cluster,
            c.dependent,
            &id,
            Some(scores),
            &c.node_attribute,
            factor,
            flags,
        );
    }
    for ci in cluster.resources[clone].coloc_as_dependent.clone() {
        let c = cluster.colocations[ci].clone();
        if c.score == Score::ZERO {
            continue;
        }
        let factor = c.score.value() as f64 / INFINITY as f64;
        scores = placement::merge_weights(
            cluster,
            c.primary,
            &id,
            Some(scores),
            &c.node_attribute,
            factor,
            MergeFlags::default(),
        );
    }
    scores
}

pub(crate) fn compare_instances(cluster: &Cluster, a: RscId, b: RscId) -> std::cmp::Ordering {
    compare_instances_by(cluster, a, b, None)
}

fn compare_instances_by(
    cluster: &Cluster,
    a: RscId,
    b: RscId,
    preference: Option<&placement::NodeScores>,
) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    let (cur_a, n_a, _) = crate::actions::find_active_on(cluster, a);
    let (cur_b, n_b, _) = crate::actions::find_active_on(cluster, b);
    if n_a > 0 && n_b > 0 && n_a != n_b {
        return n_a.cmp(&n_b);
    }
    let usable = |r: RscId, cur: Option<NodeId>| -> (Option<NodeId>, bool) {
        match cur {
            Some(n) => match cluster.resources[r].allowed.get(&n) {
                Some(s) if s.value() >= 0 => (Some(n), true),
                _ => (None, false),
            },
            None => (None, true),
        }
    };
    let (node_a, can_a) = usable(a, cur_a);
    let (node_b, can_b) = usable(b, cur_b);
    if can_a != can_b {
        return if can_a { Less } else { Greater };
    }
    let (pa, pb) = (cluster.resources[a].priority, cluster.resources[b].priority);
    if pa != pb {
        return pb.cmp(&pa);
    }
    let (node_a, node_b) = match (node_a, node_b) {
        (None, None) => return Equal,
        (None, Some(_)) => return Greater,
        (Some(_), None) => return Less,
        (Some(x), Some(y)) => (x, y),
    };
    let (ra, rb) = (cluster.nodes[node_a].can_run, cluster.nodes[node_b].can_run);
    if ra != rb {
        return if ra { Less } else { Greater };
    }
    let parent = cluster.resources[a].parent;
    let in_parent =
        |n: NodeId| parent.is_some_and(|p| cluster.resources[p].allowed.contains_key(&n));
    match (in_parent(node_a), in_parent(node_b)) {
        (false, false) => return Equal,
        (false, true) => return Greater,
        (true, false) => return Less,
        _ => {}
    }
    if let Some(p) = parent {
        let (ca, cb) = (count(cluster, p, node_a), count(cluster, p, node_b));
        if ca != cb {
            return ca.cmp(&cb);
        }
    }
    let (fa, fb) = (did_fail(cluster, a), did_fail(cluster, b));
    if fa != fb {
        return if fa { Greater } else { Less };
    }
    // Then the clone's preference for their current nodes (when both can
    // run resources).
    if let Some(p) = parent
        && ra
    {
        let table = preference.unwrap_or(&cluster.resources[p].allowed);
        let score = |n: NodeId| table.get(&n).copied();
        let (sa, sb) = (score(node_a), score(node_b));
        if sa != sb {
            return sb.cmp(&sa);
        }
    }
    cluster.resources[a].id.cmp(&cluster.resources[b].id)
}

fn did_fail(cluster: &Cluster, r: RscId) -> bool {
    let rsc = &cluster.resources[r];
    rsc.failed || rsc.children.iter().any(|&c| did_fail(cluster, c))
}

// ---------------------------------------------------------- colocations

/// Apply "dependent with clone" once the clone's instances are placed.
pub(crate) fn apply_colocation_with_clone(
    cluster: &mut Cluster,
    dependent: RscId,
    primary: RscId,
    c: &Colocation,
) {
    if cluster.resources[primary].is_promotable() {
        if cluster.resources[primary].provisional {
            return;
        }
        if c.primary_role != Role::Unknown {
            if cluster.resources[dependent].provisional {
                crate::promotable::update_dependent_with_promotable(cluster, primary, dependent, c);
                return;
            }
            if c.dependent_role == Role::Promoted {
                crate::promotable::update_promotable_dependent_priority(
                    cluster, primary, dependent, c,
                );
                return;
            }
        }
    }
    let dep_top = c.dependent;
    let interleave = cluster.resources[dep_top].variant == Variant::Clone
        && cluster.resources[dep_top]
            .clone
            .as_ref()
            .is_some_and(|s| s.interleave)
        && copies_per_node(cluster, dep_top) == copies_per_node(cluster, c.primary);
    if cluster.resources[primary].provisional {
        return;
    }
    if interleave {
        match find_compatible_child(cluster, dependent, primary, Role::Unknown, false) {
            Some(inst) => placement::apply_colocation(cluster, dependent, inst, c),
            None if c.score.is_pos_infinity() => {
                placement::assign_to(cluster, dependent, None, true);
            }
            None => {}
        }
        return;
    }
    if c.score.is_pos_infinity() {
        let mut affected = Vec::new();
        for child in cluster.resources[primary].children.clone() {
            if let Some(n) = location(cluster, child, false)
                && !any_blocked(cluster, child)
            {
                affected.push(n);
            }
        }
        keep_only_on(cluster, dependent, &affected);
        return;
    }
    for child in cluster.resources[primary].children.clone() {
        placement::apply_colocation(cluster, dependent, child, c);
    }
}

/// A mandatory colocation with a collective: the dependent may only be
/// where one of its instances is (`hosts`).
pub(crate) fn keep_only_on(cluster: &mut Cluster, dependent: RscId, hosts: &[NodeId]) {
    let nodes: Vec<NodeId> = cluster.resources[dependent]
        .allowed
        .keys()
        .copied()
        .collect();
    for n in nodes {
        if !hosts.contains(&n) {
            cluster.resources[dependent]
                .allowed
                .insert(n, Score::NEG_INFINITY);
        }
    }
    for &n in hosts {
        cluster.resources[dependent]
            .allowed
            .entry(n)
            .or_insert(Score::NEG_INFINITY);
    }
}

fn copies_per_node(cluster: &Cluster, r: RscId) -> usize {
    match cluster.resources[r].variant {
        Variant::Clone => cluster.resources[r]
            .clone
            .as_ref()
            .map(|s| s.node_max)
            .unwrap_or(1),
        Variant::Bundle => crate::bundle::replicas_per_host(cluster, r),
        _ => 1,
    }
}

/// An instance of `clone` on the node where `local` is (or will be).
pub(crate) fn find_compatible_child(
    cluster: &Cluster,
    local: RscId,
    clone: RscId,
    filter: Role,
    current: bool,
) -> Option<RscId> {
    if let Some(n) = location(cluster, local, current) {
        return find_compatible_child_by_node(cluster, n, clone, filter, current);
    }
    let nodes = placement::sorted_nodes(cluster, &cluster.resources[local].allowed, None);
    nodes
        .into_iter()
        .find_map(|n| find_compatible_child_by_node(cluster, n, clone, filter, current))
}

fn find_compatible_child_by_node(
    cluster: &Cluster,
    node: NodeId,
    clone: RscId,
    filter: Role,
    current: bool,
) -> Option<RscId> {
    let children = crate::bundle::containers_or_children(cluster, clone);
    children.into_iter().find(|&child| {
        let next = state(cluster, child, current);
        if filter != Role::Unknown && next != filter {
            return false;
        }
        let loc = if any_blocked(cluster, child) {
            None
        } else {
            location(cluster, child, current)
        };
        loc == Some(node)
    })
}

// --------------------------------------------------------------- actions

/// Create the instances' actions and the clone's pseudo-actions.
pub(crate) fn create_clone_actions(cluster: &mut Cluster, r: RscId) {
    let children = cluster.resources[r].children.clone();
    let mut any_starting = false;
    let mut any_stopping = false;
    let mut any_active = false;
    let mut allow_dependent_migrations = true;
    for &c in &children {
        crate::schedule::create_actions(cluster, c);
        let (stopping, starting) = pseudo_status(cluster, c, &mut any_active);
        if stopping && starting {
            allow_dependent_migrations = false;
        }
        any_starting |= starting;
        any_stopping |= stopping;
    }
    let start = rsc_pseudo_action(cluster, r, Task::Start, !any_starting, true);
    let started = rsc_pseudo_action(cluster, r, Task::Running, !any_starting, false);
    if any_active || any_starting {
        cluster.actions[started].flags.set(ActionFlags::RUNNABLE);
    }
    let start_notify = crate::notify::clone_notifications(cluster, r, Task::Start, start, started);
    let stop = rsc_pseudo_action(cluster, r, Task::Stop, !any_stopping, true);
    let stopped = rsc_pseudo_action(cluster, r, Task::Stopped, !any_stopping, true);
    if allow_dependent_migrations {
        cluster.actions[stop]
            .flags
            .set(ActionFlags::MIGRATE_RUNNABLE);
    }
    let stop_notify = crate::notify::clone_notifications(cluster, r, Task::Stop, stop, stopped);
    if let (Some(sn), Some(st)) = (&stop_notify, &start_notify) {
        order_actions(cluster, sn.post_done, st.pre, OrderFlags::OPTIONAL);
    }
    child_ordering_constraints(cluster, r);
    if cluster.resources[r].is_promotable() {
        crate::promotable::create_promotable_actions(cluster, r, start_notify, stop_notify);
    }
}

/// A collective pseudo-action (runnable only when asked).
pub(crate) fn rsc_pseudo_action(
    cluster: &mut Cluster,
    r: RscId,
    task: Task,
    optional: bool,
    runnable: bool,
) -> ActionId {
    let a = custom_action(cluster, r, task, 0, None, optional);
    cluster.actions[a].flags.set(ActionFlags::PSEUDO);
    if runnable {
        cluster.actions[a].flags.set(ActionFlags::RUNNABLE);
    }
    a
}

/// Whether an instance is stopping/starting (and whether any is active).
pub(crate) fn pseudo_status(cluster: &Cluster, r: RscId, active: &mut bool) -> (bool, bool) {
    let rsc = &cluster.resources[r];
    if !rsc.children.is_empty() {
        let mut stopping = false;
        let mut starting = false;
        for &c in &rsc.children {
            let (s, t) = pseudo_status(cluster, c, active);
            stopping |= s;
            starting |= t;
        }
        return (stopping, starting);
    }
    if !rsc.running_on.is_empty() {
        *active = true;
    }
    let mut stopping = false;
    let mut starting = false;
    for &a in &rsc.actions {
        if stopping && starting {
            break;
        }
        let act = &cluster.actions[a];
        if act.optional() {
            continue;
        }
        if !act.pseudo() && !act.runnable() {
            continue;
        }
        if act.task == Task::Stop {
            stopping = true;
        } else if act.task == Task::Start && act.runnable() {
            starting = true;
        }
    }
    (stopping, starting)
}

fn child_ordering_constraints(cluster: &mut Cluster, r: RscId) {
    if !cluster.resources[r]
        .clone
        .as_ref()
        .is_some_and(|s| s.ordered)
    {
        return;
    }
    let mut children = cluster.resources[r].children.clone();
    children.sort_by(|&a, &b| cluster.resources[a].id.cmp(&cluster.resources[b].id));
    let mut last_stop: Option<ActionId> = None;
    let mut last_start: Option<ActionId> = None;
    for c in children {
        if let Some(stop) = find_first(cluster, c, Task::Stop, None) {
            if let Some(ls) = last_stop {
                order_actions(cluster, stop, ls, OrderFlags::OPTIONAL);
            }
            last_stop = Some(stop);
        }
        if let Some(start) = find_first(cluster, c, Task::Start, None) {
            if let Some(ls) = last_start {
                order_actions(cluster, ls, start, OrderFlags::OPTIONAL);
            }
            last_start = Some(start);
        }
    }
}

/// Orderings a clone has by its nature.
pub(crate) fn clone_internal(cluster: &mut Cluster, r: RscId) {
    order_rsc_tasks(
        cluster,
        r,
        Task::Stopped,
        r,
        Task::Start,
        OrderFlags::OPTIONAL,
    );
    order_rsc_tasks(
        cluster,
        r,
        Task::Start,
        r,
        Task::Running,
        OrderFlags::RUNNABLE_LEFT,
    );
    order_rsc_tasks(
        cluster,
        r,
        Task::Stop,
        r,
        Task::Stopped,
        OrderFlags::RUNNABLE_LEFT,
    );
    let promotable = cluster.resources[r].is_promotable();
    if promotable {
        order_rsc_tasks(
            cluster,
            r,
            Task::Demoted,
            r,
            Task::Stop,
            OrderFlags::OPTIONAL,
        );
        order_rsc_tasks(
            cluster,
            r,
            Task::Running,
            r,
            Task::Promote,
            OrderFlags::RUNNABLE_LEFT,
        );
    }
    let ordered = cluster.resources[r]
        .clone
        .as_ref()
        .is_some_and(|s| s.ordered);
    let mut children = cluster.resources[r].children.clone();
    if ordered {
        children.sort_by(|&a, &b| cluster.resources[a].id.cmp(&cluster.resources[b].id));
        cluster.resources[r].children = children.clone();
    }
    let mut last: Option<RscId> = None;
    for &c in &children {
        crate::ordering::internal_constraints_of(cluster, c);
        order_rsc_tasks(
            cluster,
            r,
            Task::Start,
            c,
            Task::Start,
            OrderFlags::RUNNABLE_LEFT | OrderFlags::IMPLIES_FIRST_PRINTED,
        );
        order_rsc_tasks(
            cluster,
            c,
            Task::Start,
            r,
            Task::Running,
            OrderFlags::IMPLIES_THEN_PRINTED,
        );
        if ordered && let Some(l) = last {
            order_rsc_tasks(
                cluster,
                l,
                Task::Start,
                c,
                Task::Start,
                OrderFlags::OPTIONAL,
            );
        }
        order_rsc_tasks(
            cluster,
            r,
            Task::Stop,
            c,
            Task::Stop,
            OrderFlags::IMPLIES_FIRST_PRINTED,
        );
        order_rsc_tasks(
            cluster,
            c,
            Task::Stop,
            r,
            Task::Stopped,
            OrderFlags::IMPLIES_THEN_PRINTED,
        );
        if ordered && let Some(l) = last {
            order_rsc_tasks(cluster, c, Task::Stop, l, Task::Stop, OrderFlags::OPTIONAL);
        }
        last = Some(c);
    }
    if promotable {
        crate::promotable::promotable_constraints(cluster, r);
    }
}

// --------------------------------------------------------- action flags

/// A collective action's flags summarize its instances': required if any
/// instance's is, runnable only if some instance's is.
pub(crate) fn summary_action_flags(
    cluster: &mut Cluster,
    a: ActionId,
    node: Option<NodeId>,
) -> ActionFlags {
    let r = cluster.actions[a].rsc.unwrap_or(0);
    // A notification summarizes the action it notifies about.
    let asked = cluster.actions[a].notified_task();
    let task = asked.started_by();
    let mut flags = ActionFlags::OPTIONAL | ActionFlags::RUNNABLE | ActionFlags::PSEUDO;
    let mut any_runnable = false;
    let children = crate::bundle::summary_children(cluster, r, task);
    for child in children {
        let collective = !cluster.resources[child].children.is_empty();
        let search_node = if collective { None } else { node };
        // A completion event (running, stopped, ...) summarizes the
        // instances' own completion events when they have them (cloned
        // groups): a group instance that starts only some of its members
        // has a runnable start but an unrunnable "running", and so leaves
        // the clone's "running" unrunnable. Primitive instances have only
        // the action itself.
        let child_task = if collective && asked != Task::Notified {
            asked
        } else {
            task
        };
        let Some(ca) = find_first(cluster, child, child_task, search_node) else {
            continue;
        };
        let cf = crate::ordering::action_flags(cluster, ca, node);
        if flags.has(ActionFlags::OPTIONAL) && !cf.has(ActionFlags::OPTIONAL) {
            flags.clear(ActionFlags::OPTIONAL);
            cluster.actions[a].flags.clear(ActionFlags::OPTIONAL);
        }
        if cf.has(ActionFlags::RUNNABLE) {
            any_runnable = true;
        }
    }
    if !any_runnable {
        flags.clear(ActionFlags::RUNNABLE);
        if node.is_none() {
            cluster.actions[a].flags.clear(ActionFlags::RUNNABLE);
        }
    }
    flags
}

fn can_interleave(cluster: &Cluster, first: ActionId, then: ActionId) -> bool {
    let (Some(fr), Some(tr)) = (cluster.actions[first].rsc, cluster.actions[then].rsc) else {
        return false;
    };
    if fr == tr {
        return false;
    }
    let collective = |r: RscId| {
        matches!(
            cluster.resources[r].variant,
            Variant::Clone | Variant::Bundle
        )
    };
    if !collective(fr) || !collective(tr) {
        return false;
    }
    let then_task = cluster.actions[then].task;
    let rsc = if matches!(then_task, Task::Stop | Task::Demote) {
        fr
    } else {
        tr
    };
    vigil_cib::is_true(
        cluster.resources[rsc]
            .meta
            .get("interleave")
            .map(String::as_str),
    )
}

/// How an ordering changes a clone's (or bundle's) action and its instances'.
#[allow(clippy::too_many_arguments)]
pub(crate) fn clone_update_actions(
    cluster: &mut Cluster,
    first: ActionId,
    then: ActionId,
    node: Option<NodeId>,
    flags: ActionFlags,
    filter: ActionFlags,
    kind: OrderFlags,
) -> Changed {
    if can_interleave(cluster, first, then) {
        return interleave_update(cluster, first, then, node, filter, kind);
    }
    let mut changed = Changed::default();
    let Some(tr) = cluster.actions[then].rsc else {
        return changed;
    };
    changed |=
        crate::ordering::primitive_update_actions(cluster, first, then, node, flags, filter, kind);
    let then_task = cluster.actions[then].task;
    for child in crate::bundle::containers_or_children(cluster, tr) {
        let Some(ca) = find_first(cluster, child, then_task, node) else {
            continue;
        };
        let cf = crate::ordering::action_flags(cluster, ca, node);
        if cf.has(ActionFlags::RUNNABLE) {
            let child_changed = dispatch_update(cluster, first, ca, node, flags, filter, kind);
            changed |= child_changed;
            if child_changed.then {
                let afters: Vec<ActionId> = cluster.actions[ca]
                    .after
                    .iter()
                    .rev()
                    .map(|e| e.action)
                    .collect();
                for x in afters {
                    crate::ordering::update_action(cluster, x);
                }
            }
        }
    }
    changed
}

#[allow(clippy::too_many_arguments)]
fn dispatch_update(
    cluster: &mut Cluster,
    first: ActionId,
    then: ActionId,
    node: Option<NodeId>,
    flags: ActionFlags,
    filter: ActionFlags,
    kind: OrderFlags,
) -> Changed {
    let Some(r) = cluster.actions[then].rsc else {
        return Changed::default();
    };
    match cluster.resources[r].variant {
        Variant::Primitive => crate::ordering::primitive_update_actions(
            cluster, first, then, node, flags, filter, kind,
        ),
        Variant::Group => {
            let mut changed = crate::ordering::primitive_update_actions(
                cluster, first, then, node, flags, filter, kind,
            );
            let task = cluster.actions[then].task;
            for child in cluster.resources[r].children.clone() {
                if let Some(ca) = find_first(cluster, child, task, node) {
                    changed |= dispatch_update(cluster, first, ca, node, flags, filter, kind);
                }
            }
            changed
        }
        _ => clone_update_actions(cluster, first, then, node, flags, filter, kind),
    }
}

/// Interleaved clones: each `then` instance is ordered after the `first`
/// instance on the same node only.
fn interleave_update(
    cluster: &mut Cluster,
    first: ActionId,
    then: ActionId,
    node: Option<NodeId>,
    filter: ActionFlags,
    kind: OrderFlags,
) -> Changed {
    let mut changed = Changed::default();
    let first_task = cluster.actions[first].notified_task();
    let current = matches!(first_task, Task::Stopped | Task::Demoted);
    let (Some(fr), Some(tr)) = (cluster.actions[first].rsc, cluster.actions[then].rsc) else {
        return changed;
    };
    let then_task = cluster.actions[then].task;
    for then_child in crate::bundle::containers_or_children(cluster, tr) {
        let first_child = find_compatible_child(cluster, then_child, fr, Role::Unknown, current);
        match first_child {
            None if current => {}
            None => {
                if kind.any(OrderFlags::RUNNABLE_LEFT | OrderFlags::IMPLIES_THEN)
                    && inhibit_instance(cluster, then_child)
                {
                    changed.then = true;
                }
            }
            Some(fc) => {
                let child_task = first_task.started_by();
                let Some(fa) = find_first(cluster, fc, child_task, node) else {
                    continue;
                };
                let Some(ta) = find_first(cluster, then_child, then_task, node) else {
                    continue;
                };
                if order_actions(cluster, fa, ta, kind) {
                    changed.first = true;
                    changed.then = true;
                }
                let ff = crate::ordering::action_flags(cluster, fa, node);
                changed |= dispatch_update(cluster, fa, ta, node, ff, filter, kind);
            }
        }
    }
    changed
}

/// Stop an instance from becoming active (nothing it depends on will be on
/// its node). Its actions are already scheduled, so they are updated as for
/// any resource that could not be placed: the stop becomes mandatory, the
/// start and the recurring monitors unrunnable.
fn inhibit_instance(cluster: &mut Cluster, r: RscId) -> bool {
    let was = cluster.resources[r].assigned;
    for p in cluster.primitives_under(r) {
        placement::assign_to(cluster, p, None, true);
        for a in cluster.resources[p].actions.clone() {
            let act = &mut cluster.actions[a];
            match act.task {
                Task::Stop => act.flags.clear(ActionFlags::OPTIONAL),
                Task::Start => act.flags.clear(ActionFlags::RUNNABLE),
                _ if act.interval_ms > 0
                    && act.meta.get("target_rc").map(String::as_str) != Some("7") =>
                {
                    act.flags.clear(ActionFlags::RUNNABLE)
                }
                _ => {}
            }
        }
    }
    cluster.resources[r].assigned = None;
    was.is_some()
}

// ------------------------------------------------------ blocked starts

/// When a resource cannot start anywhere, resources that must be
/// colocated with it cannot start either (or, when they must be promoted
/// where it runs, cannot be promoted).
pub(crate) fn block_colocated_starts(cluster: &mut Cluster, action: ActionId) {
    let act = &cluster.actions[action];
    if act.runnable() || act.task != Task::Start {
        return;
    }
    let Some(ar) = act.rsc else { return };
    let mut rsc = cluster.top_of(ar);
    if let Some(p) = cluster.resources[rsc].parent {
        rsc = p;
    }
    if cluster.resources[rsc].coloc_as_primary.is_empty() {
        return;
    }
    for child in cluster.resources[rsc].children.clone() {
        match find_first(cluster, child, Task::Start, None) {
            Some(s) if !cluster.actions[s].runnable() => {}
            _ => return,
        }
    }
    for ci in cluster.resources[rsc].coloc_as_primary.clone() {
        let c = cluster.colocations[ci].clone();
        if c.score == Score::INFINITY {
            let task = if c.dependent_role == Role::Promoted {
                Task::Promote
            } else {
                Task::Start
            };
            mark_blocked(cluster, c.dependent, task, ar);
        }
    }
}

fn mark_blocked(cluster: &mut Cluster, r: RscId, task: Task, reason: RscId) {
    let text = format!("colocation with {}", cluster.resources[reason].id);
    for a in cluster.resources[r].actions.clone().into_iter().rev() {
        if cluster.actions[a].task != task || !cluster.actions[a].runnable() {
            continue;
        }
        cluster.actions[a].flags.clear(ActionFlags::RUNNABLE);
        crate::actions::set_reason(cluster, a, &text, false);
        block_colocated_starts(cluster, a);
        crate::ordering::update_action(cluster, a);
    }
    for c in cluster.resources[r].children.clone() {
        mark_blocked(cluster, c, task, reason);
    }
}
