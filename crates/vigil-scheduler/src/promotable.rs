//! Promotable clones: promotion scores (node attributes `master-<rsc>`,
//! role-specific locations and colocations), choosing which instances are
//! promoted, and the promote/demote pseudo-actions and orderings.

use vigil_cib::Score;
use vigil_cib::score::INFINITY;

use crate::clone::{find_compatible_child, location, rsc_pseudo_action, state};
use crate::cluster::*;
use crate::notify::NotifyOps;
use crate::ordering::{order_actions, order_rsc_tasks};
use crate::placement::{self, MergeFlags};

/// The promotion score an agent recorded for an instance on a node.
fn lookup_promotion_score(cluster: &Cluster, n: NodeId, name: &str) -> Option<String> {
    let key = format!("master-{name}");
    cluster.nodes[n].attrs.get(&key).cloned()
}

/// For an anonymous instance: whether it is the one that gets the node's
/// promotion score (the instance active there, or else one known there).
fn anonymous_instance_gets_score(cluster: &Cluster, r: RscId, n: NodeId) -> bool {
    let base = cluster.resources[r].base_id.clone();
    let top = cluster.top_of(r);
    let find = |inst: RscId| -> Option<RscId> {
        cluster
            .primitives_under(inst)
            .into_iter()
            .find(|&p| cluster.resources[p].base_id == base)
    };
    for &inst in &cluster.resources[top].children {
        if let Some(p) = find(inst)
            && cluster.resources[p].running_on.contains(&n)
        {
            return p == r;
        }
    }
    for &inst in &cluster.resources[top].children {
        if let Some(p) = find(inst)
            && cluster.resources[p].known_on.contains(&n)
        {
            return true;
        }
    }
    false
}

/// An instance's promotion score on a node (`not_set` when none applies).
fn promotion_score(cluster: &Cluster, r: RscId, n: NodeId, not_set: i64) -> i64 {
    let rsc = &cluster.resources[r];
    if !rsc.children.is_empty() {
        let mut score = not_set;
        for &c in &rsc.children {
            let cs = promotion_score(cluster, c, n, not_set);
            score = if score == not_set { cs } else { score + cs };
        }
        return score;
    }
    let anonymous = crate::history::is_anonymous_instance(cluster, r);
    if anonymous && anonymous_instance_gets_score(cluster, r, n) {
        // Allowed.
    } else if (!rsc.running_on.is_empty() || !rsc.known_on.is_empty())
        && !rsc.running_on.contains(&n)
        && !rsc.known_on.contains(&n)
    {
        return not_set;
    }
    match rsc.allowed.get(&n) {
        None => return not_set,
        Some(s) if s.value() < 0 => return not_set,
        _ => {}
    }
    let name = rsc.history_name.as_deref().unwrap_or(&rsc.id);
    // (A bundled resource may keep its attributes on the container's host.)
    let at = crate::bundle::attribute_node(cluster, r, n);
    let mut value = at.and_then(|at| lookup_promotion_score(cluster, at, name));
    if value.is_none() && anonymous && rsc.base_id != rsc.id {
        value = at.and_then(|at| lookup_promotion_score(cluster, at, &rsc.base_id));
    }
    match value {
        Some(v) => Score::parse(&v).map(|s| s.value()).unwrap_or(0),
        None => not_set,
    }
}

/// Add agents' promotion scores to the instances' node scores (once).
pub(crate) fn add_promotion_scores(cluster: &mut Cluster, r: RscId) {
    if cluster.promotion_scores_added.contains(&r) {
        return;
    }
    cluster.promotion_scores_added.push(r);
    for child in cluster.resources[r].children.clone() {
        let nodes: Vec<NodeId> = cluster.resources[child].allowed.keys().copied().collect();
        for n in nodes {
            if !cluster.nodes[n].can_run {
                continue;
            }
            let score = promotion_score(cluster, child, n, 0);
            if score > 0 {
                let cur = cluster.resources[child].allowed[&n];
                let new = cur + Score::new(score);
                if new != cur {
                    set_child_score(cluster, child, n, new);
                }
                // The best promotion score also orders instances for placement.
                if score > cluster.resources[child].priority {
                    cluster.resources[child].priority = score;
                }
            }
        }
        crate::ledger::credit(cluster, child, |_| crate::ledger::Source::PromotionScore);
    }
}

fn set_child_score(cluster: &mut Cluster, r: RscId, n: NodeId, s: Score) {
    cluster.resources[r].allowed.insert(n, s);
}

fn set_role_unpromoted(cluster: &mut Cluster, r: RscId, current: bool) {
    if current {
        if cluster.resources[r].role == Role::Started {
            cluster.resources[r].role = Role::Unpromoted;
        }
    } else {
        let mut nodes = Vec::new();
        crate::clone::collect_locations(cluster, r, false, &mut nodes);
        cluster.resources[r].next_role = if nodes.is_empty() {
            Role::Stopped
        } else {
            Role::Unpromoted
        };
    }
    for c in cluster.resources[r].children.clone() {
        set_role_unpromoted(cluster, c, current);
    }
}

fn set_role_promoted(cluster: &mut Cluster, r: RscId) {
    if cluster.resources[r].next_role == Role::Unknown {
        cluster.resources[r].next_role = Role::Promoted;
    }
    for c in cluster.resources[r].children.clone() {
        set_role_promoted(cluster, c);
    }
}

/// Role-specific (Promoted) location constraints add to the promotion priority.
fn apply_promoted_locations(cluster: &mut Cluster, child: RscId, rsc: RscId, chosen: NodeId) {
    let locs: Vec<LocationRule> = cluster
        .locations
        .iter()
        .filter(|l| l.rsc == rsc && l.role == Some(Role::Promoted))
        .cloned()
        .collect();
    for l in locs {
        if let Some(&(_, s)) = l.nodes.iter().find(|(n, _)| *n == chosen) {
            let p = Score::new(cluster.resources[child].priority) + s;
            cluster.resources[child].priority = p.value();
        }
    }
}

/// Location constraints that name a resource directly (or through its
/// configured id, for clone instances).
fn location_owner_ids(cluster: &Cluster, child: RscId) -> Vec<RscId> {
    let mut out = vec![child];
    let mut cur = cluster.resources[child].parent;
    while let Some(p) = cur {
        if cluster.resources[p].variant != Variant::Clone {
            out.push(p);
        }
        cur = cluster.resources[p].parent;
    }
    out
}

/// Choose which instances are promoted.
pub(crate) fn set_instance_roles(cluster: &mut Cluster, r: RscId) {
    let settings = cluster.resources[r].clone.clone().unwrap_or_default();
    let mut promoted_count: std::collections::BTreeMap<NodeId, usize> = Default::default();
    for child in cluster.resources[r].children.clone() {
        if state(cluster, child, true) == Role::Started {
            set_role_unpromoted(cluster, child, true);
        }
        let mut nodes = Vec::new();
        crate::clone::collect_locations(cluster, child, false, &mut nodes);
        let chosen = if nodes.len() == 1 {
            Some(nodes[0])
        } else {
            None
        };
        let Some(chosen) = chosen else { continue };
        let next = state(cluster, child, false);
        match next {
            Role::Started | Role::Unknown => {
                cluster.resources[child].priority = promotion_score(cluster, child, chosen, -1);
            }
            Role::Unpromoted | Role::Stopped => cluster.resources[child].priority = -INFINITY,
            Role::Promoted => {}
        }
        for owner in location_owner_ids(cluster, child) {
            apply_promoted_locations(cluster, child, owner, chosen);
        }
        apply_promoted_locations(cluster, child, r, chosen);
        for ci in cluster.resources[child].coloc_as_dependent.clone() {
            let c = cluster.colocations[ci].clone();
            placement::apply_colocation(cluster, child, c.primary, &c);
        }
        cluster.resources[child].sort_index = Score::new(cluster.resources[child].priority);
        if next == Role::Promoted {
            cluster.resources[child].sort_index = Score::INFINITY;
        }
    }
    promotion_order(cluster, r);

    let mut promoted = 0;
    for child in cluster.resources[r].children.clone() {
        let mut chosen = None;
        if cluster.resources[child].sort_index.value() >= 0
            && (promoted < settings.promoted_max || !cluster.resources[r].managed)
        {
            chosen = node_to_be_promoted_on(
                cluster,
                child,
                r,
                &promoted_count,
                settings.promoted_node_max,
            );
        }
        let sort_index = cluster.resources[child].sort_index;
        // Scores are shown against where the instance will run.
        let loc_name = cluster.resources[child]
            .assigned
            .map(|n| cluster.nodes[n].name.clone())
            .unwrap_or_else(|| "none".to_string());
        let line = format!(
            "{} promotion score on {}: {}",
            cluster.resources[child].id, loc_name, sort_index
        );
        cluster.promotion_log.push(line);
        let Some(n) = chosen else {
            set_role_unpromoted(cluster, child, false);
            continue;
        };
        if cluster.resources[child].role < Role::Promoted
            && !cluster.have_quorum
            && cluster.options.no_quorum_policy == NoQuorumPolicy::Freeze
        {
            set_role_unpromoted(cluster, child, false);
            continue;
        }
        *promoted_count.entry(n).or_insert(0) += 1;
        set_role_promoted(cluster, child);
        promoted += 1;
    }
}

fn node_to_be_promoted_on(
    cluster: &Cluster,
    r: RscId,
    clone: RscId,
    counts: &std::collections::BTreeMap<NodeId, usize>,
    node_max: usize,
) -> Option<NodeId> {
    for &c in &cluster.resources[r].children {
        node_to_be_promoted_on(cluster, c, clone, counts, node_max)?;
    }
    let node = location(cluster, r, false)?;
    let rsc = &cluster.resources[r];
    if !rsc.managed {
        if state(cluster, r, true) != Role::Promoted {
            return None;
        }
    } else if rsc.priority < 0 || !cluster.nodes[node].can_run {
        return None;
    } else if cluster.nodes[node].kind == NodeKind::Guest {
        let container = cluster.nodes[node]
            .connection
            .and_then(|c| cluster.resources[c].container);
        if container.is_none_or(|k| location(cluster, k, false).is_none()) {
            return None;
        }
    }
    if !cluster.resources[clone].allowed.contains_key(&node) {
        return None;
    }
    if counts.get(&node).copied().unwrap_or(0) < node_max || !rsc.managed {
        Some(node)
    } else {
        None
    }
}

/// Merge instances' promotion priorities with the clone's node scores and
/// role-specific colocations, write them back, and sort instances.
fn promotion_order(cluster: &mut Cluster, r: RscId) {
    if cluster.promotion_ordered.contains(&r) {
        return;
    }
    cluster.promotion_ordered.push(r);
    cluster.merging.push(r);
    for child in cluster.resources[r].children.clone() {
        let chosen = location(cluster, child, false);
        let si = cluster.resources[child].sort_index;
        let Some(n) = chosen else { continue };
        if si.value() < 0 {
            continue;
        }
        let entry = cluster.resources[r].allowed.entry(n).or_insert(Score::ZERO);
        *entry += si;
    }
    crate::ledger::credit(cluster, r, |_| crate::ledger::Source::PromotionPriority);
    for ci in cluster.resources[r].coloc_as_dependent.clone() {
        let c = cluster.colocations[ci].clone();
        if c.dependent_role == Role::Promoted {
            let flags = if c.score.is_pos_infinity() {
                MergeFlags::default()
            } else {
                MergeFlags::ROLLBACK
            };
            let nodes = cluster.resources[r].allowed.clone();
            let id = cluster.resources[r].id.clone();
            let f = c.score.value() as f64 / INFINITY as f64;
            cluster.merging.retain(|&x| x != r);
            let merged = placement::merge_weights(
                cluster,
                c.primary,
                &id,
                Some(nodes),
                &c.node_attribute,
                f,
                flags,
            );
            cluster.merging.push(r);
            cluster.resources[r].allowed = merged;
            crate::ledger::credit(cluster, r, |cl| {
                crate::ledger::colocation(cl, c.primary, &c)
            });
        }
    }
    for ci in cluster.resources[r].coloc_as_primary.clone() {
        let c = cluster.colocations[ci].clone();
        if !placement::has_influence(cluster, &c) {
            continue;
        }
        if c.primary_role == Role::Promoted {
            let nodes = cluster.resources[r].allowed.clone();
            let id = cluster.resources[r].id.clone();
            let f = c.score.value() as f64 / INFINITY as f64;
            let flags = MergeFlags {
                rollback: true,
                positive: true,
                ..Default::default()
            };
            cluster.merging.retain(|&x| x != r);
            let merged = placement::merge_weights(
                cluster,
                c.dependent,
                &id,
                Some(nodes),
                &c.node_attribute,
                f,
                flags,
            );
            cluster.merging.push(r);
            cluster.resources[r].allowed = merged;
            crate::ledger::credit(cluster, r, |cl| crate::ledger::dependents(cl, &c));
        }
    }
    for &ti in &cluster.resources[r].tickets.clone() {
        let b = cluster.ticket_bindings[ti].clone();
        if b.role == Role::Promoted {
            let t = cluster.tickets.get(&b.ticket).cloned().unwrap_or_default();
            if !t.granted || t.standby {
                let source = || crate::ledger::Source::Ticket {
                    constraint: b.id.clone(),
                    ticket: b.ticket.clone(),
                };
                placement::add_location_from(cluster, r, None, Score::NEG_INFINITY, &source);
            }
        }
    }
    for child in cluster.resources[r].children.clone() {
        let chosen = location(cluster, child, false);
        let rsc = &cluster.resources[child];
        if !rsc.managed && rsc.next_role == Role::Promoted {
            cluster.resources[child].sort_index = Score::INFINITY;
        } else if let Some(n) = chosen
            && rsc.sort_index.value() >= 0
        {
            let w = cluster.resources[r]
                .allowed
                .get(&n)
                .copied()
                .unwrap_or(Score::ZERO);
            cluster.resources[child].sort_index = w;
        }
    }
    let mut children = cluster.resources[r].children.clone();
    children.sort_by(|&a, &b| {
        let (sa, sb) = (
            cluster.resources[a].sort_index,
            cluster.resources[b].sort_index,
        );
        sb.cmp(&sa)
            .then_with(|| state(cluster, b, true).cmp(&state(cluster, a, true)))
            .then_with(|| crate::clone::compare_instances(cluster, a, b))
    });
    cluster.resources[r].children = children;
    cluster.merging.retain(|&x| x != r);
}

/// "dependent with clone in role X", placing the dependent.
pub(crate) fn update_dependent_with_promotable(
    cluster: &mut Cluster,
    primary: RscId,
    dependent: RscId,
    c: &Colocation,
) {
    let mut affected: Vec<(NodeId, Score)> = Vec::new();
    for inst in cluster.resources[primary].children.clone() {
        let Some(n) = location(cluster, inst, false) else {
            continue;
        };
        if state(cluster, inst, false) == c.primary_role {
            if !c.score.is_pos_infinity() {
                let attr = c.node_attribute.clone();
                let pv = cluster.nodes[n]
                    .attrs
                    .get(&attr)
                    .map(|v| v.to_ascii_lowercase());
                let keys: Vec<NodeId> = cluster.resources[dependent]
                    .allowed
                    .keys()
                    .copied()
                    .collect();
                for k in keys {
                    if cluster.nodes[k]
                        .attrs
                        .get(&attr)
                        .map(|v| v.to_ascii_lowercase())
                        == pv
                    {
                        let cur = cluster.resources[dependent].allowed[&k];
                        cluster.resources[dependent]
                            .allowed
                            .insert(k, cur + c.score);
                    }
                }
            }
            let w = assigned_weight(cluster, inst);
            affected.push((n, w));
        }
    }
    if c.score.is_pos_infinity()
        && (c.dependent_role != Role::Promoted || c.primary_role != Role::Promoted)
    {
        let keys: Vec<NodeId> = cluster.resources[dependent]
            .allowed
            .keys()
            .copied()
            .collect();
        for k in keys {
            match affected.iter().find(|(n, _)| *n == k) {
                None => {
                    cluster.resources[dependent]
                        .allowed
                        .insert(k, Score::NEG_INFINITY);
                }
                Some(&(_, w)) => {
                    let cur = cluster.resources[dependent].allowed[&k];
                    cluster.resources[dependent].allowed.insert(k, cur + w);
                }
            }
        }
        for (n, _) in affected {
            cluster.resources[dependent]
                .allowed
                .entry(n)
                .or_insert(Score::NEG_INFINITY);
        }
    }
}

/// The score an instance had on its node when it was assigned there.
fn assigned_weight(cluster: &Cluster, r: RscId) -> Score {
    let rsc = &cluster.resources[r];
    if let Some(w) = rsc.assigned_weight {
        return w;
    }
    rsc.children
        .first()
        .map(|&c| assigned_weight(cluster, c))
        .unwrap_or(Score::ZERO)
}

/// "dependent in Promoted role with clone in role X": adjust the
/// dependent's promotion priority.
pub(crate) fn update_promotable_dependent_priority(
    cluster: &mut Cluster,
    primary: RscId,
    dependent: RscId,
    c: &Colocation,
) {
    match find_compatible_child(cluster, dependent, primary, c.primary_role, false) {
        Some(_) => {
            let p = Score::new(cluster.resources[dependent].priority) + c.score;
            cluster.resources[dependent].priority = p.value();
        }
        None if c.score.is_pos_infinity() => cluster.resources[dependent].priority = -INFINITY,
        None => {}
    }
}

fn check_promotable_actions(
    cluster: &Cluster,
    r: RscId,
    demoting: &mut bool,
    promoting: &mut bool,
) {
    let rsc = &cluster.resources[r];
    if !rsc.children.is_empty() {
        for &c in &rsc.children {
            check_promotable_actions(cluster, c, demoting, promoting);
        }
        return;
    }
    for &a in &rsc.actions {
        if *promoting && *demoting {
            return;
        }
        let act = &cluster.actions[a];
        if act.optional() {
            continue;
        }
        match act.task {
            Task::Demote => *demoting = true,
            Task::Promote => *promoting = true,
            _ => {}
        }
    }
}

/// The clone-level promote/demote pseudo-actions (and notifications).
pub(crate) fn create_promotable_actions(
    cluster: &mut Cluster,
    r: RscId,
    start_notify: Option<NotifyOps>,
    stop_notify: Option<NotifyOps>,
) {
    let mut any_promoting = false;
    let mut any_demoting = false;
    for c in cluster.resources[r].children.clone() {
        let (mut d, mut p) = (false, false);
        check_promotable_actions(cluster, c, &mut d, &mut p);
        any_demoting |= d;
        any_promoting |= p;
    }
    let promote = rsc_pseudo_action(cluster, r, Task::Promote, !any_promoting, true);
    let promoted = rsc_pseudo_action(cluster, r, Task::Promoted, !any_promoting, true);
    let promote_notify =
        crate::notify::clone_notifications(cluster, r, Task::Promote, promote, promoted);
    let demote = rsc_pseudo_action(cluster, r, Task::Demote, !any_demoting, true);
    let demoted = rsc_pseudo_action(cluster, r, Task::Demoted, !any_demoting, true);
    let demote_notify =
        crate::notify::clone_notifications(cluster, r, Task::Demote, demote, demoted);
    if let (Some(dn), Some(pn)) = (&demote_notify, &promote_notify) {
        if let Some(sn) = &stop_notify {
            order_actions(cluster, sn.post_done, pn.pre, OrderFlags::OPTIONAL);
        }
        if let Some(st) = &start_notify {
            order_actions(cluster, st.post_done, pn.pre, OrderFlags::OPTIONAL);
        }
        order_actions(cluster, dn.post_done, pn.pre, OrderFlags::OPTIONAL);
        if let Some(st) = &start_notify {
            order_actions(cluster, dn.post_done, st.pre, OrderFlags::OPTIONAL);
        }
        if let Some(sn) = &stop_notify {
            order_actions(cluster, dn.post_done, sn.pre, OrderFlags::OPTIONAL);
        }
    }
    let priority = cluster.resources[r].priority;
    for c in cluster.resources[r].children.clone() {
        cluster.resources[c].priority = priority;
    }
}

/// A promotable collective starts and promotes once every instance has
/// stopped and demoted, promotes once all have started, and stops once
/// all have demoted.
pub(crate) fn restart_ordering(cluster: &mut Cluster, r: RscId) {
    let o = OrderFlags::OPTIONAL;
    order_rsc_tasks(cluster, r, Task::Stopped, r, Task::Start, o);
    order_rsc_tasks(cluster, r, Task::Stopped, r, Task::Promote, o);
    order_rsc_tasks(cluster, r, Task::Demoted, r, Task::Stop, o);
    order_rsc_tasks(cluster, r, Task::Demoted, r, Task::Start, o);
    order_rsc_tasks(cluster, r, Task::Demoted, r, Task::Promote, o);
    order_rsc_tasks(cluster, r, Task::Running, r, Task::Promote, o);
    order_rsc_tasks(cluster, r, Task::Demote, r, Task::Demoted, o);
}

/// Orderings among a promotable clone's pseudo-actions and instances.
pub(crate) fn promotable_constraints(cluster: &mut Cluster, r: RscId) {
    let o = OrderFlags::OPTIONAL;
    restart_ordering(cluster, r);
    let ordered = cluster.resources[r]
        .clone
        .as_ref()
        .is_some_and(|s| s.ordered);
    let mut last: Option<RscId> = None;
    for c in cluster.resources[r].children.clone() {
        order_rsc_tasks(cluster, c, Task::Demote, c, Task::Promote, o);
        order_rsc_tasks(cluster, r, Task::Promote, c, Task::Promote, o);
        order_rsc_tasks(cluster, c, Task::Promote, r, Task::Promoted, o);
        if ordered && let Some(l) = last {
            order_rsc_tasks(cluster, l, Task::Promote, c, Task::Promote, o);
        }
        order_rsc_tasks(
            cluster,
            r,
            Task::Demote,
            c,
            Task::Demote,
            OrderFlags::IMPLIES_FIRST_PRINTED,
        );
        order_rsc_tasks(
            cluster,
            c,
            Task::Demote,
            r,
            Task::Demoted,
            OrderFlags::IMPLIES_THEN_PRINTED,
        );
        if ordered && let Some(l) = last {
            order_rsc_tasks(cluster, c, Task::Demote, l, Task::Demote, o);
        }
        last = Some(c);
    }
}
