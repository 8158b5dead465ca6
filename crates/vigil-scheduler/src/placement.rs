//! Placement: turning constraints, stickiness and failures into node
//! scores, then choosing a node for every resource.
//!
//! Each resource has a table of allowed nodes with scores. A node absent
//! from the table is not allowed at all (asymmetric clusters start empty).
//! Resources are assigned one by one; a resource first has the resources
//! it must be colocated with assigned, so their choices can shape its own,
//! and folds in the (scaled) preferences of resources that depend on it.

use std::collections::BTreeMap;

use vigil_cib::Score;
use vigil_cib::score::INFINITY;

use crate::cluster::*;
use crate::ledger::{self, Change, Source};

/// A table of allowed nodes and their scores.
pub type NodeScores = BTreeMap<NodeId, Score>;

/// Add `score` for `r` (and all its descendants) on one node or every
/// node; `source` tells the score ledger why.
pub(crate) fn add_location_from(
    cluster: &mut Cluster,
    r: RscId,
    node: Option<NodeId>,
    score: Score,
    source: &dyn Fn() -> Source,
) {
    match node {
        Some(n) => add_node_score(cluster, r, n, score, source),
        None => {
            for n in 0..cluster.nodes.len() {
                add_node_score(cluster, r, n, score, source);
            }
        }
    }
}

fn add_node_score(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    score: Score,
    source: &dyn Fn() -> Source,
) {
    for c in cluster.resources[r].children.clone() {
        add_node_score(cluster, c, n, score, source);
    }
    ledger::record(cluster, r, n, Change::Add(score), source);
    let entry = cluster.resources[r].allowed.entry(n).or_insert(Score::ZERO);
    *entry += score;
}

/// The default of a symmetric cluster: every node allowed with score 0.
pub(crate) fn symmetric_default(cluster: &mut Cluster) {
    if !cluster.options.symmetric {
        return;
    }
    for r in cluster.top.clone() {
        add_location_from(cluster, r, None, Score::ZERO, &|| Source::SymmetricDefault);
    }
}

// ------------------------------------------------------------ node criteria

/// Apply location constraints, stickiness, failure thresholds and
/// exclusive discovery to the allowed-node tables.
pub(crate) fn apply_node_criteria(cluster: &mut Cluster) {
    crate::shutdown_lock::apply_shutdown_locks(cluster);
    for i in 0..cluster.locations.len() {
        let loc = cluster.locations[i].clone();
        apply_location(cluster, loc.rsc, &loc);
    }
    for r in cluster.top.clone() {
        apply_stickiness(cluster, r);
    }
    for n in 0..cluster.nodes.len() {
        for r in cluster.top.clone() {
            check_failure_threshold(cluster, r, n);
            apply_exclusive_discovery(cluster, r, n);
        }
    }
}

fn apply_location(cluster: &mut Cluster, r: RscId, loc: &LocationRule) {
    match cluster.resources[r].variant {
        Variant::Primitive => apply_location_to(cluster, r, loc),
        Variant::Group => {
            apply_location_to(cluster, r, loc);
            // Only the first member carries the scores; the others just get
            // the nodes, so the group's total is not multiplied.
            let zeroed = LocationRule {
                nodes: loc.nodes.iter().map(|&(n, _)| (n, Score::ZERO)).collect(),
                ..loc.clone()
            };
            for (i, c) in cluster.resources[r]
                .children
                .clone()
                .into_iter()
                .enumerate()
            {
                apply_location(cluster, c, if i == 0 { loc } else { &zeroed });
            }
        }
        Variant::Clone => {
            apply_location_to(cluster, r, loc);
            for c in cluster.resources[r].children.clone() {
                apply_location(cluster, c, loc);
            }
        }
        Variant::Bundle => {
            apply_location_to(cluster, r, loc);
            for c in crate::bundle::location_targets(cluster, r, loc.role.is_some()) {
                apply_location(cluster, c, loc);
            }
        }
    }
}

fn apply_location_to(cluster: &mut Cluster, r: RscId, loc: &LocationRule) {
    if let Some(role) = loc.role
        && role != cluster.resources[r].next_role
    {
        return;
    }
    for &(n, score) in &loc.nodes {
        ledger::record(cluster, r, n, Change::Add(score), || loc.source.clone());
        let rsc = &mut cluster.resources[r];
        let entry = rsc.allowed.entry(n).or_insert(Score::ZERO);
        *entry += score;
        match loc.discovery {
            Discovery::Exclusive => {
                rsc.exclusive_discover = true;
                rsc.discovery_exclusive.insert(n);
            }
            Discovery::Never => {
                if !rsc.discovery_exclusive.contains(&n) {
                    rsc.discovery_never.insert(n);
                }
            }
            Discovery::Always => {}
        }
    }
}

fn apply_stickiness(cluster: &mut Cluster, r: RscId) {
    if !cluster.resources[r].children.is_empty() {
        for c in cluster.resources[r].children.clone() {
            apply_stickiness(cluster, c);
        }
        return;
    }
    let rsc = &cluster.resources[r];
    if !rsc.managed || rsc.stickiness.value() < 1 || rsc.running_on.len() != 1 {
        return;
    }
    let n = rsc.running_on[0];
    if !cluster.options.symmetric && !rsc.allowed.contains_key(&n) {
        return;
    }
    let s = rsc.stickiness;
    add_location_from(cluster, r, Some(n), s, &|| Source::Stickiness { value: s });
}

fn check_failure_threshold(cluster: &mut Cluster, r: RscId, n: NodeId) {
    if !cluster.resources[r].children.is_empty() {
        for c in cluster.resources[r].children.clone() {
            check_failure_threshold(cluster, c, n);
        }
        return;
    }
    let rsc = &cluster.resources[r];
    if rsc.failure_ignored || rsc.migration_threshold == 0 {
        return;
    }
    let fails = crate::failures::fail_count_with_fillers(cluster, r, n);
    if fails.value() <= 0 {
        return;
    }
    // Failures under a definition that has changed since are cleared and
    // ban nothing.
    if crate::digest::failures_predate_definition(cluster, r, n) {
        return;
    }
    let remaining = rsc.migration_threshold.saturating_sub(fails.value());
    if remaining <= 0 {
        let target = if crate::history::is_anonymous_instance(cluster, r) {
            cluster.top_of(r)
        } else {
            r
        };
        let threshold = rsc.migration_threshold;
        add_location_from(cluster, target, Some(n), Score::NEG_INFINITY, &|| {
            Source::FailureBan {
                fail_count: fails,
                threshold,
            }
        });
    }
}

fn apply_exclusive_discovery(cluster: &mut Cluster, r: RscId, n: NodeId) {
    let rsc = &cluster.resources[r];
    if rsc.exclusive_discover || cluster.resources[cluster.top_of(r)].exclusive_discover {
        let top = cluster.top_of(r);
        let allowed_exclusively = rsc.discovery_exclusive.contains(&n)
            || cluster.resources[top].discovery_exclusive.contains(&n);
        if !allowed_exclusively && cluster.resources[r].allowed.contains_key(&n) {
            let set = Change::Set(Score::NEG_INFINITY);
            ledger::record(cluster, r, n, set, || Source::ExclusiveDiscovery);
            cluster.resources[r].allowed.insert(n, Score::NEG_INFINITY);
        }
    }
    for c in cluster.resources[r].children.clone() {
        apply_exclusive_discovery(cluster, c, n);
    }
}

// --------------------------------------------------------------- assignment

/// Assign every resource to a node (or none).
pub(crate) fn assign_all(cluster: &mut Cluster) {
    let mut order = cluster.top.clone();
    // Higher priority first; the configuration order otherwise.
    order.sort_by(|&a, &b| {
        cluster.resources[b]
            .priority
            .cmp(&cluster.resources[a].priority)
    });
    if cluster.options.placement_strategy != PlacementStrategy::Default {
        order = crate::utilization::sort_for_utilization(cluster, order);
    }
    cluster.top = order.clone();
    // Remote connections first, preferring a partial migration's target.
    for &r in &order {
        if cluster.resources[r].remote_node.is_some() {
            let prefer = cluster.resources[r].partial_migration_target;
            assign(cluster, r, prefer);
            crate::remote::connection_assigned(cluster, r);
        }
    }
    for &r in &order {
        if cluster.resources[r].remote_node.is_none() {
            assign(cluster, r, None);
        }
    }
}

/// Assign one resource (dispatching on its kind); returns the node.
pub(crate) fn assign(cluster: &mut Cluster, r: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
    match cluster.resources[r].variant {
        Variant::Primitive => assign_primitive(cluster, r, prefer),
        Variant::Group => assign_group(cluster, r, prefer),
        Variant::Clone => crate::clone::assign_clone(cluster, r, prefer),
        Variant::Bundle => crate::bundle::assign_bundle(cluster, r, prefer),
    }
}

fn node_available(cluster: &Cluster, n: NodeId) -> bool {
    cluster.nodes[n].can_run
}

/// Whether any node in the table can run a resource with a non-negative score.
pub(crate) fn any_available(cluster: &Cluster, scores: &NodeScores) -> bool {
    scores
        .iter()
        .any(|(&n, &s)| s.value() >= 0 && node_available(cluster, n))
}

fn assign_primitive(cluster: &mut Cluster, r: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
    if let Some(p) = cluster.resources[r].parent
        && !cluster.resources[p].assigning
        && cluster.resources[p].variant != Variant::Group
    {
        // Children are never assigned on their own.
        assign(cluster, p, prefer);
    }
    if let Some(p) = cluster.resources[r].parent
        && cluster.resources[p].variant == Variant::Group
        && !cluster.resources[p].assigning
        && cluster.resources[p].provisional
    {
        assign(cluster, p, prefer);
    }
    if !cluster.resources[r].provisional {
        return cluster.resources[r].assigned;
    }
    if cluster.resources[r].assigning {
        return None;
    }
    cluster.resources[r].assigning = true;

    // Colocations where this resource depends on another: that one first.
    for ci in cluster.resources[r].coloc_as_dependent.clone() {
        let c = cluster.colocations[ci].clone();
        let archive = (c.dependent_role >= Role::Promoted
            || (c.score.value() < 0 && !c.score.is_neg_infinity()))
        .then(|| cluster.resources[r].allowed.clone());
        let mark = ledger::mark(cluster);
        assign(cluster, c.primary, None);
        apply_colocation(cluster, r, c.primary, &c);
        if let Some(archive) = archive
            && !any_available(cluster, &cluster.resources[r].allowed)
        {
            cluster.resources[r].allowed = archive;
            ledger::rollback(cluster, r, mark);
        }
    }
    // Resources that depend on this one pull it toward their preferences.
    for ci in cluster.resources[r].coloc_as_primary.clone() {
        let c = cluster.colocations[ci].clone();
        if !has_influence(cluster, &c) {
            continue;
        }
        let factor = c.score.value() as f64 / INFINITY as f64;
        let nodes = cluster.resources[r].allowed.clone();
        let id = cluster.resources[r].id.clone();
        let merged = merge_weights(
            cluster,
            c.dependent,
            &id,
            Some(nodes),
            &c.node_attribute,
            factor,
            MergeFlags::ROLLBACK,
        );
        cluster.resources[r].allowed = merged;
        ledger::credit(cluster, r, |cl| ledger::dependents(cl, &c));
    }

    if cluster.resources[r].next_role == Role::Stopped {
        let target_role = ledger::stopped_by_target_role(cluster, r);
        add_location_from(cluster, r, None, Score::NEG_INFINITY, &|| {
            Source::Stopping { target_role }
        });
    } else if cluster.resources[r].next_role > cluster.resources[r].role
        && !cluster.have_quorum
        && cluster.options.no_quorum_policy == NoQuorumPolicy::Freeze
    {
        cluster.resources[r].next_role = cluster.resources[r].role;
    }

    log_scores(cluster, r, "pcmk__primitive_assign");

    if cluster.options.stonith_enabled && !cluster.has_stonith_resource {
        cluster.resources[r].managed = false;
    }
    if !cluster.resources[r].managed {
        let rsc = &mut cluster.resources[r];
        rsc.next_role = rsc.role;
        let current = rsc.current_node();
        assign_to(cluster, r, current, true);
    } else if cluster.options.stop_all_resources {
        assign_to(cluster, r, None, true);
    } else if cluster.resources[r].provisional {
        choose_node(cluster, r, prefer);
    }
    cluster.resources[r].assigning = false;
    cluster.resources[r].assigned
}

/// Whether a colocation lets the dependent influence the primary's placement.
pub(crate) fn has_influence(cluster: &Cluster, c: &Colocation) -> bool {
    if crate::bundle::connection_defers_to_container(cluster, c) {
        return false;
    }
    // Without influence, a dependent still matters while its primary is
    // not active.
    c.influence || cluster.resources[c.primary].running_on.is_empty()
}

fn assign_group(cluster: &mut Cluster, r: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
    if !cluster.resources[r].provisional {
        return cluster.resources[r].assigned;
    }
    if cluster.resources[r].assigning {
        return None;
    }
    let children = cluster.resources[r].children.clone();
    let Some(&first) = children.first() else {
        cluster.resources[r].provisional = false;
        return None;
    };
    let last = *children.last().unwrap_or(&first);
    cluster.resources[r].assigning = true;
    cluster.resources[r].role = cluster.resources[first].role;
    // The group's own colocations are carried by its first and last members.
    // (Merged into the members' lists in processing order.)
    let group_cons = std::mem::take(&mut cluster.resources[r].coloc_as_dependent);
    for &ci in &group_cons {
        crate::constraints::insert_sorted(cluster, first, ci, true);
    }
    // Once a member is unmanaged (and stays where it is), the internal
    // colocations no longer carry the group's mandatory colocations to
    // later members, so they get them directly.
    let mut any_unmanaged = !cluster.resources[first].managed;
    for &m in &children[1..] {
        if any_unmanaged {
            for &ci in &group_cons {
                if cluster.colocations[ci].score.is_pos_infinity() {
                    crate::constraints::insert_sorted(cluster, m, ci, true);
                }
            }
        }
        any_unmanaged |= !cluster.resources[m].managed;
    }
    for ci in std::mem::take(&mut cluster.resources[r].coloc_as_primary) {
        crate::constraints::insert_sorted(cluster, last, ci, false);
    }
    log_scores_within(cluster, r, "pcmk__group_assign");

    let mut group_node = None;
    for (i, &c) in children.iter().enumerate() {
        let node = assign(cluster, c, prefer);
        if i == 0 {
            group_node = node;
        }
    }
    cluster.resources[r].next_role = cluster.resources[first].next_role;
    cluster.resources[r].assigning = false;
    cluster.resources[r].provisional = false;
    cluster.resources[r].assigned = group_node;
    group_node
}

/// Pick the best node for a primitive and assign it.
fn choose_node(cluster: &mut Cluster, r: RscId, prefer: Option<NodeId>) -> bool {
    let roomiest = crate::utilization::limit_by_capacity(cluster, r);
    let prefer = prefer.or(roomiest);
    if !cluster.resources[r].provisional {
        return cluster.resources[r].assigned.is_some();
    }
    let current = cluster.resources[r].current_node();
    let nodes = sorted_nodes(cluster, &cluster.resources[r].allowed, current);
    let best = nodes.first().copied();
    let mut chosen = None;
    if let (Some(p), Some(best)) = (prefer, best)
        && let Some(&score) = cluster.resources[r].allowed.get(&p)
    {
        let best_score = cluster.resources[r].allowed[&best];
        if score >= best_score && node_available(cluster, p) {
            chosen = Some(p);
        }
    }
    if chosen.is_none()
        && let Some(best) = best
    {
        chosen = Some(best);
        let parent_unique_clone = cluster.resources[r].parent.is_some_and(|p| {
            cluster.resources[p].variant == Variant::Clone
                && cluster.resources[p]
                    .clone
                    .as_ref()
                    .is_some_and(|c| c.unique)
        });
        let best_score = cluster.resources[r].allowed[&best];
        if !parent_unique_clone
            && best_score.value() > 0
            && node_available(cluster, best)
            && let Some(running) = current
            && node_available(cluster, running)
        {
            for &n in &nodes[1..] {
                if cluster.resources[r].allowed[&n] != best_score {
                    break;
                }
                if n == running {
                    chosen = Some(n);
                }
            }
        }
    }
    assign_to(cluster, r, chosen, false)
}

/// Sort candidate nodes: highest score first (unavailable nodes count as
/// -INFINITY); then, unless the strategy is "minimal", the most free
/// capacity (balanced) and the fewest assigned resources; then the
/// resource's current node; then by name.
pub(crate) fn sorted_nodes(
    cluster: &Cluster,
    scores: &NodeScores,
    current: Option<NodeId>,
) -> Vec<NodeId> {
    let mut nodes: Vec<NodeId> = scores.keys().copied().collect();
    let eff = |n: NodeId| {
        if node_available(cluster, n) {
            scores[&n]
        } else {
            Score::NEG_INFINITY
        }
    };
    nodes.sort_by(|&a, &b| {
        eff(b).cmp(&eff(a)).then_with(|| {
            let strategy = cluster.options.placement_strategy;
            if strategy == PlacementStrategy::Minimal {
                return cluster.nodes[a].name.cmp(&cluster.nodes[b].name);
            }
            let mut ord = std::cmp::Ordering::Equal;
            if strategy == PlacementStrategy::Balanced {
                ord = crate::utilization::compare_capacity(cluster, a, b);
            }
            ord.then(
                cluster.nodes[a]
                    .assigned_count
                    .cmp(&cluster.nodes[b].assigned_count),
            )
            .then_with(|| match current {
                Some(c) if c == a && c != b => std::cmp::Ordering::Less,
                Some(c) if c == b && c != a => std::cmp::Ordering::Greater,
                _ => std::cmp::Ordering::Equal,
            })
            .then_with(|| cluster.nodes[a].name.cmp(&cluster.nodes[b].name))
        })
    });
    nodes
}

/// Record an assignment (or that the resource will not run). Unless
/// forced, a node with a negative score or that cannot run resources is
/// refused.
pub(crate) fn assign_to(
    cluster: &mut Cluster,
    r: RscId,
    chosen: Option<NodeId>,
    force: bool,
) -> bool {
    let mut chosen = chosen;
    if !force && let Some(n) = chosen {
        let score = cluster.resources[r]
            .allowed
            .get(&n)
            .copied()
            .unwrap_or(Score::NEG_INFINITY);
        // The transition may assume a guest node's connection comes up.
        let available = node_available(cluster, n) || cluster.nodes[n].kind == NodeKind::Guest;
        if score.value() < 0 || !available {
            cluster.resources[r].next_role = Role::Stopped;
            chosen = None;
        }
    }
    ledger::checkpoint(cluster, r, |cl| ledger::Moment::Decision {
        chosen,
        forced: force,
        assigned_counts: cl.resources[r]
            .allowed
            .keys()
            .map(|&n| (n, cl.nodes[n].assigned_count))
            .collect(),
    });
    let rsc = &mut cluster.resources[r];
    rsc.provisional = false;
    rsc.assigned = chosen;
    match chosen {
        None => {
            rsc.next_role = Role::Stopped;
            // Recurring monitors already scheduled (from history) cannot
            // run once the resource has nowhere to be.
            for a in rsc.actions.clone() {
                let act = &mut cluster.actions[a];
                if act.task == Task::Monitor
                    && act.interval_ms > 0
                    && act.meta.get("target_rc").map(String::as_str) != Some("7")
                {
                    act.flags.clear(ActionFlags::RUNNABLE);
                }
            }
            false
        }
        Some(n) => {
            // An unmanaged resource left where it is takes the node as it
            // is, without a score of its own there.
            rsc.assigned_weight = if force && !rsc.managed && rsc.running_on.contains(&n) {
                Some(Score::ZERO)
            } else {
                rsc.allowed.get(&n).copied()
            };
            cluster.nodes[n].assigned_count += 1;
            crate::utilization::consume(cluster, n, r);
            true
        }
    }
}

// --------------------------------------------------------------- colocation

/// Apply a colocation to the dependent's scores now that the primary is placed.
pub(crate) fn apply_colocation(
    cluster: &mut Cluster,
    dependent: RscId,
    primary: RscId,
    c: &Colocation,
) {
    match cluster.resources[primary].variant {
        Variant::Clone => crate::clone::apply_colocation_with_clone(cluster, dependent, primary, c),
        Variant::Bundle => {
            crate::bundle::apply_colocation_with_bundle(cluster, dependent, primary, c)
        }
        Variant::Group if !cluster.resources[primary].children.is_empty() => {
            if cluster.resources[primary].provisional {
                return;
            }
            // Being placed with a group means being placed with all of it
            // for a mandatory colocation (where its last member runs),
            // and with any of it otherwise (where its first member runs).
            let members = &cluster.resources[primary].children;
            let member = if c.score.is_pos_infinity() {
                members[members.len() - 1]
            } else {
                members[0]
            };
            apply_colocation(cluster, dependent, member, c);
        }
        _ => apply_colocation_simple(cluster, dependent, primary, c),
    }
    ledger::credit(cluster, dependent, |cl| ledger::colocation(cl, primary, c));
}

/// What a colocation does at this point of assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColocEffect {
    Nothing,
    Location,
    Priority,
}

pub(crate) fn colocation_effect(
    cluster: &Cluster,
    dependent: RscId,
    primary: RscId,
    c: &Colocation,
    preview: bool,
) -> ColocEffect {
    let dep = &cluster.resources[dependent];
    let pri = &cluster.resources[primary];
    if !preview && pri.provisional {
        return ColocEffect::Nothing;
    }
    if c.dependent_role >= Role::Unpromoted
        && dep
            .parent
            .is_some_and(|p| cluster.resources[p].is_promotable())
        && !dep.provisional
    {
        return ColocEffect::Priority;
    }
    if !preview && !dep.provisional {
        return ColocEffect::Nothing;
    }
    let positive = c.score.value() > 0;
    let negative = c.score.value() < 0;
    if positive && c.dependent_role != Role::Unknown && c.dependent_role != dep.next_role {
        return ColocEffect::Nothing;
    }
    if positive && c.primary_role != Role::Unknown && c.primary_role != pri.next_role {
        return ColocEffect::Nothing;
    }
    if negative && c.dependent_role != Role::Unknown && c.dependent_role == dep.next_role {
        return ColocEffect::Nothing;
    }
    if negative && c.primary_role != Role::Unknown && c.primary_role == pri.next_role {
        return ColocEffect::Nothing;
    }
    ColocEffect::Location
}

fn apply_colocation_simple(
    cluster: &mut Cluster,
    dependent: RscId,
    primary: RscId,
    c: &Colocation,
) {
    match colocation_effect(cluster, dependent, primary, c, false) {
        ColocEffect::Priority => apply_coloc_to_priority(cluster, dependent, primary, c),
        ColocEffect::Location => apply_coloc_to_scores(cluster, dependent, primary, c),
        ColocEffect::Nothing => {}
    }
}

/// Node attribute value used to decide whether two nodes are "the same
/// place" for a colocation.
fn attr_of<'a>(cluster: &'a Cluster, n: NodeId, attr: &str) -> Option<&'a str> {
    cluster.nodes[n].attrs.get(attr).map(String::as_str)
}

pub(crate) fn apply_coloc_to_scores(
    cluster: &mut Cluster,
    dependent: RscId,
    primary: RscId,
    c: &Colocation,
) {
    let attr = c.node_attribute.as_str();
    let primary_node = cluster.resources[primary].assigned;
    let value = primary_node
        .and_then(|n| attr_of(cluster, n, attr))
        .map(str::to_string);
    if primary_node.is_none() && c.score.value() < 0 {
        return;
    }
    let mut work = cluster.resources[dependent].allowed.clone();
    for (&n, score) in work.iter_mut() {
        if primary_node.is_none() {
            *score = Score::new(-c.score.value()) + *score;
        } else if attr_of(cluster, n, attr).map(|v| v.to_ascii_lowercase())
            == value.as_ref().map(|v| v.to_ascii_lowercase())
        {
            if !c.score.is_pos_infinity() {
                *score = c.score + *score;
            }
        } else if c.score.is_pos_infinity() {
            *score = Score::new(-c.score.value()) + *score;
        }
    }
    if c.score.is_neg_infinity() || c.score.is_pos_infinity() || any_available(cluster, &work) {
        cluster.resources[dependent].allowed = work;
    }
}

pub(crate) fn apply_coloc_to_priority(
    cluster: &mut Cluster,
    dependent: RscId,
    primary: RscId,
    c: &Colocation,
) {
    let (Some(pn), Some(dn)) = (
        cluster.resources[primary].assigned,
        cluster.resources[dependent].assigned,
    ) else {
        return;
    };
    let attr = c.node_attribute.as_str();
    let dv = attr_of(cluster, dn, attr).map(str::to_ascii_lowercase);
    let pv = attr_of(cluster, pn, attr).map(str::to_ascii_lowercase);
    if dv != pv {
        if c.score.is_pos_infinity() && c.dependent_role == Role::Promoted {
            cluster.resources[dependent].priority = -INFINITY;
        }
        return;
    }
    if c.primary_role != Role::Unknown && c.primary_role != cluster.resources[primary].next_role {
        return;
    }
    let mult = if c.dependent_role == Role::Unpromoted {
        -1
    } else {
        1
    };
    let p = Score::new(cluster.resources[dependent].priority) + Score::new(mult * c.score.value());
    cluster.resources[dependent].priority = p.value();
}

/// Flags for merging another resource's preferences into a node table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct MergeFlags {
    /// Start from the resource's own table instead of the given one.
    pub init: bool,
    /// Follow the resource's "with" colocations (forward) instead of "with it".
    pub forward: bool,
    /// Undo the merge if it leaves no node available.
    pub rollback: bool,
    /// Only let scores rise (used for promotion).
    pub positive: bool,
}

impl MergeFlags {
    pub const ROLLBACK: MergeFlags = MergeFlags {
        init: false,
        forward: false,
        rollback: true,
        positive: false,
    };
}

/// A marker score for "unusable" nodes during positive-only merges.
const UNUSABLE: Score = Score::NEG_INFINITY;

/// Fold `r`'s node preferences (scaled by `factor`) into `nodes`, then
/// recursively those of resources colocated with it. A group contributes
/// through its first member plus the resources colocated with the group.
pub(crate) fn merge_weights(
    cluster: &mut Cluster,
    r: RscId,
    source: &str,
    nodes: Option<NodeScores>,
    attr: &str,
    factor: f64,
    flags: MergeFlags,
) -> NodeScores {
    let first_member = cluster.resources[r].children.first().copied();
    if cluster.resources[r].variant == Variant::Group
        && let Some(first) = first_member
    {
        if cluster.merging.contains(&r) {
            return nodes.unwrap_or_default();
        }
        cluster.merging.push(r);
        let mut work = merge_weights(cluster, first, source, nodes, attr, factor, flags);
        // As for a primitive, a repulsion passes on with its sign.
        let mult = if factor < 0.0 { -1 } else { 1 };
        for ci in cluster.resources[r].coloc_as_primary.clone() {
            let c = cluster.colocations[ci].clone();
            if c.score == Score::ZERO {
                continue;
            }
            let f = (mult * c.score.value()) as f64 / INFINITY as f64;
            work = native_merge_weights(
                cluster,
                c.dependent,
                source,
                Some(work),
                &c.node_attribute,
                f,
                flags,
            );
        }
        cluster.merging.retain(|&x| x != r);
        return work;
    }
    native_merge_weights(cluster, r, source, nodes, attr, factor, flags)
}

/// The general form of [`merge_weights`] (a group is represented by its
/// last member here, as when resources are sorted for placement).
pub(crate) fn native_merge_weights(
    cluster: &mut Cluster,
    r: RscId,
    source: &str,
    nodes: Option<NodeScores>,
    attr: &str,
    factor: f64,
    flags: MergeFlags,
) -> NodeScores {
    if cluster.merging.contains(&r) {
        return nodes.unwrap_or_default();
    }
    cluster.merging.push(r);
    let is_group =
        cluster.resources[r].variant == Variant::Group && !cluster.resources[r].children.is_empty();
    let last_member = cluster.resources[r].children.last().copied();
    let mut flags = flags;
    let mut unusable: Vec<NodeId> = Vec::new();
    let mut work = if flags.init {
        flags.init = false;
        if is_group {
            let last = last_member.unwrap_or(r);
            native_merge_weights(
                cluster,
                last,
                source,
                None,
                attr,
                factor,
                MergeFlags {
                    init: true,
                    ..flags
                },
            )
        } else {
            cluster.resources[r].allowed.clone()
        }
    } else if is_group {
        let last = last_member.unwrap_or(r);
        native_merge_weights(cluster, last, source, nodes.clone(), attr, factor, flags)
    } else {
        let mut w = nodes.clone().unwrap_or_default();
        add_scores_matching_attr(
            cluster,
            &mut w,
            r,
            attr,
            factor,
            flags.positive,
            &mut unusable,
        );
        w
    };

    if any_available(cluster, &work) {
        let mult = if factor < 0.0 { -1 } else { 1 };
        let list: Vec<usize> = if flags.forward {
            cluster.resources[r].coloc_as_dependent.clone()
        } else if is_group {
            last_member
                .map(|l| cluster.resources[l].coloc_as_primary.clone())
                .unwrap_or_default()
        } else {
            cluster.resources[r].coloc_as_primary.clone()
        };
        for ci in list {
            let c = cluster.colocations[ci].clone();
            let other = if flags.forward {
                c.primary
            } else {
                if !has_influence(cluster, &c) {
                    continue;
                }
                c.dependent
            };
            let f = (mult * c.score.value()) as f64 / INFINITY as f64;
            work = merge_weights(
                cluster,
                other,
                source,
                Some(work),
                &c.node_attribute,
                f,
                MergeFlags {
                    rollback: true,
                    ..flags
                },
            );
        }
    } else if flags.rollback {
        cluster.merging.retain(|&x| x != r);
        return nodes.unwrap_or_default();
    }
    if flags.positive {
        for n in unusable {
            work.insert(n, Score::new(1));
        }
    }
    cluster.merging.retain(|&x| x != r);
    work
}

/// Add `factor` × (the resource's best score among nodes sharing the
/// attribute value) to each node of `nodes`.
fn add_scores_matching_attr(
    cluster: &Cluster,
    nodes: &mut NodeScores,
    r: RscId,
    attr: &str,
    factor: f64,
    only_positive: bool,
    unusable: &mut Vec<NodeId>,
) {
    let keys: Vec<NodeId> = nodes.keys().copied().collect();
    for n in keys {
        let value = attr_of(cluster, n, attr).map(str::to_ascii_lowercase);
        let score = best_score_matching_attr(cluster, r, attr, value.as_deref());
        if factor < 0.0 && score.value() < 0 {
            continue;
        }
        if unusable.contains(&n) {
            continue;
        }
        let weight_f = factor * score.value() as f64;
        let mut weight = if weight_f < 0.0 {
            (weight_f - 0.5) as i64
        } else {
            (weight_f + 0.5) as i64
        };
        if weight == 0 && score.value() != 0 {
            if factor > 0.0 {
                weight = 1;
            } else if factor < 0.0 {
                weight = -1;
            }
        }
        let current = nodes[&n];
        let new_score = Score::new(weight) + current;
        if only_positive && new_score.value() < 0 && current.value() > 0 {
            unusable.push(n);
            nodes.insert(n, UNUSABLE);
            continue;
        }
        if only_positive && new_score.value() < 0 && current.value() == 0 {
            continue;
        }
        nodes.insert(n, new_score);
    }
}

fn best_score_matching_attr(cluster: &Cluster, r: RscId, attr: &str, value: Option<&str>) -> Score {
    let mut best = Score::NEG_INFINITY;
    for (&n, &s) in &cluster.resources[r].allowed {
        if s > best
            && node_available(cluster, n)
            && attr_of(cluster, n, attr)
                .map(str::to_ascii_lowercase)
                .as_deref()
                == value
        {
            best = s;
        }
    }
    best
}

/// Record the allocation scores of a resource for `--show-scores`.
pub(crate) fn log_scores(cluster: &mut Cluster, r: RscId, function: &'static str) {
    ledger::checkpoint(cluster, r, |_| ledger::Moment::Logged(function));
    log_score_lines(cluster, r, function);
}

/// As [`log_scores`], then the scores of everything inside the resource
/// (a group's members, a clone's instances and theirs) as they stand when
/// the collective is assigned, as crm_simulate shows them.
pub(crate) fn log_scores_within(cluster: &mut Cluster, r: RscId, function: &'static str) {
    log_scores(cluster, r, function);
    let mut inner = cluster.resources[r].children.clone();
    while let Some(c) = inner.pop() {
        log_score_lines(cluster, c, function);
        inner.extend(cluster.resources[c].children.iter().copied());
    }
}

fn log_score_lines(cluster: &mut Cluster, r: RscId, function: &'static str) {
    if cluster.resources[r].orphan {
        // Left over from history only: nothing to choose, nothing shown.
        return;
    }
    let logged = cluster.resources[r]
        .allowed
        .iter()
        .map(|(&node, &score)| LoggedScore {
            function,
            rsc: r,
            node,
            score,
        });
    cluster.score_log.extend(logged);
}
