//! Reading constraints into the working set: locations become node scores
//! per resource, colocations and orderings become relations between
//! resources (orderings are resolved to actions later).

use vigil_cib::config::{self, Constraint, ResourceSet};
use vigil_cib::rule::{Rule, RuleContext};
use vigil_cib::{Cib, Score, parse_bool};

use crate::cluster::*;
use crate::ledger::Source;

/// Resolve a constraint's resource reference. A reference to something
/// inside a clone means the clone; tags expand to their members and
/// templates to the primitives made from them (in configuration order). As
/// in Pacemaker, a tag's members are resources only: a tag inside a tag is
/// not expanded (so tags that contain each other cannot loop).
pub(crate) fn resolve(cluster: &Cluster, cib: &Cib, id: &str) -> Vec<RscId> {
    if let Some(members) = cib.config.tags.get(id) {
        return members
            .iter()
            .filter_map(|m| resolve_one(cluster, m))
            .collect();
    }
    if let Some(r) = resolve_one(cluster, id) {
        return vec![r];
    }
    cib.config
        .all_resources()
        .into_iter()
        .filter(|r| {
            r.primitive()
                .is_some_and(|p| p.template.as_deref() == Some(id))
        })
        .filter_map(|r| resolve_one(cluster, &r.id))
        .collect()
}

pub(crate) fn resolve_one(cluster: &Cluster, id: &str) -> Option<RscId> {
    if let Some(r) = cluster
        .resources
        .iter()
        .position(|r| r.id == id && !r.orphan)
    {
        // A configured resource; instances of anonymous clones map to the clone.
        let inside_clone = {
            let mut cur = cluster.resources[r].parent;
            let mut found = false;
            while let Some(p) = cur {
                if cluster.resources[p].variant == Variant::Clone {
                    found = true;
                }
                cur = cluster.resources[p].parent;
            }
            found
        };
        return Some(if inside_clone { cluster.top_of(r) } else { r });
    }
    let r = cluster
        .resources
        .iter()
        .position(|r| r.base_id == id && r.parent.is_some() && !r.orphan)?;
    Some(cluster.top_of(r))
}

fn parse_role(text: Option<&str>) -> Option<Role> {
    text.and_then(Role::parse)
}

/// The role a location constraint is limited to. Every instance of a
/// promotable clone passes through Unpromoted, so a location for the Started
/// or Unpromoted role applies to every role.
fn location_role(text: Option<&str>) -> Option<Role> {
    parse_role(text).filter(|&r| r == Role::Promoted)
}

pub(crate) fn unpack(cluster: &mut Cluster, cib: &Cib) {
    let constraints = cib.config.constraints.clone();
    for c in &constraints {
        match c {
            Constraint::Location(l) => unpack_location(cluster, cib, l),
            Constraint::Colocation(c) => unpack_colocation(cluster, cib, c),
            Constraint::Order(o) => unpack_order(cluster, cib, o),
            Constraint::Ticket(t) => unpack_ticket(cluster, cib, t),
        }
    }
}

// ---------------------------------------------------------------- location

fn unpack_location(cluster: &mut Cluster, cib: &Cib, l: &config::Location) {
    let discovery = match l.resource_discovery.as_deref() {
        Some("never") => Discovery::Never,
        Some("exclusive") => Discovery::Exclusive,
        _ => Discovery::Always,
    };
    let mut targets: Vec<(RscId, Vec<String>)> = Vec::new();
    if let Some(id) = &l.rsc {
        for r in resolve(cluster, cib, id) {
            targets.push((r, Vec::new()));
        }
    } else if let Some(pattern) = &l.rsc_pattern {
        let (negate, pattern) = match pattern.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pattern.as_str()),
        };
        let Ok(re) = regex::Regex::new(pattern) else {
            cluster.warnings.push(format!(
                "location {}: invalid rsc-pattern {pattern:?}",
                l.id
            ));
            return;
        };
        for &r in &cluster.top.clone() {
            let id = &cluster.resources[r].id;
            match re.captures(id) {
                Some(caps) if !negate => {
                    let subs = caps
                        .iter()
                        .map(|m| m.map(|m| m.as_str().to_string()).unwrap_or_default())
                        .collect();
                    targets.push((r, subs));
                }
                None if negate => targets.push((r, Vec::new())),
                _ => {}
            }
        }
    }
    for set in &l.sets {
        for id in &set.resources {
            for r in resolve(cluster, cib, id) {
                targets.push((r, Vec::new()));
            }
        }
    }
    for (r, submatches) in targets {
        add_location_for(cluster, l, r, discovery, &submatches);
    }
}

fn add_location_for(
    cluster: &mut Cluster,
    l: &config::Location,
    r: RscId,
    discovery: Discovery,
    submatches: &[String],
) {
    let role = location_role(l.role.as_deref());
    if let Some(node_name) = &l.node {
        let Some(score) = l.score.as_deref().and_then(|s| score_value(cluster, s)) else {
            cluster
                .warnings
                .push(format!("location {} has no valid score", l.id));
            return;
        };
        let Some(n) = cluster.node_by_name(node_name) else {
            return;
        };
        cluster.locations.push(LocationRule {
            id: l.id.clone(),
            rsc: r,
            role,
            nodes: vec![(n, score)],
            discovery,
            source: Source::Location {
                id: l.id.clone(),
                rule: None,
                score_attribute: None,
                role,
            },
        });
        return;
    }
    for rule in &l.rules {
        let rule = substitute_submatches(rule, submatches);
        let mut nodes = Vec::new();
        let by_resource = rule.uses_resource_values();
        for n in 0..cluster.nodes.len() {
            let attrs = cluster.nodes[n].attrs.clone();
            // The resource's parameters as they are on this node (they may
            // have rules of their own), and its meta-attributes.
            let (params, meta) = if by_resource {
                let rsc = &cluster.resources[r];
                let node_ctx = RuleContext {
                    now: Some(&cluster.now),
                    node_attrs: Some(&attrs),
                    ..Default::default()
                };
                let params = vigil_cib::nvset::evaluate_sets(&rsc.instance_sets, &node_ctx, None);
                (params, rsc.meta.clone())
            } else {
                Default::default()
            };
            let ctx = RuleContext {
                now: Some(&cluster.now),
                node_attrs: Some(&attrs),
                rsc_params: by_resource.then_some(&params),
                rsc_meta: by_resource.then_some(&meta),
                ..Default::default()
            };
            if !rule.evaluate(&ctx) {
                continue;
            }
            let score = if let Some(attr) = &rule.score_attribute {
                match attrs.get(attr) {
                    Some(v) => score_value(cluster, v).unwrap_or(Score::ZERO),
                    None => Score::NEG_INFINITY,
                }
            } else {
                rule.score.unwrap_or(Score::ZERO)
            };
            nodes.push((n, score));
        }
        let rule_role = match rule.role.as_deref() {
            Some(r) => location_role(Some(r)),
            None => role,
        };
        cluster.locations.push(LocationRule {
            id: l.id.clone(),
            rsc: r,
            role: rule_role,
            nodes,
            discovery,
            source: Source::Location {
                id: l.id.clone(),
                rule: Some(rule.id.clone()),
                score_attribute: rule.score_attribute.clone(),
                role: rule_role,
            },
        });
    }
}

/// Replace `%1`-style references to rsc-pattern submatches in rule values.
fn substitute_submatches(rule: &Rule, subs: &[String]) -> Rule {
    if subs.is_empty() {
        return rule.clone();
    }
    let mut out = rule.clone();
    fn subst(text: &str, subs: &[String]) -> String {
        let mut s = text.to_string();
        for (i, v) in subs.iter().enumerate().rev() {
            s = s.replace(&format!("%{i}"), v);
        }
        s
    }
    fn walk(r: &mut Rule, subs: &[String]) {
        for e in &mut r.expressions {
            match e {
                vigil_cib::rule::Expression::Attribute(a) => {
                    if let Some(v) = &a.value {
                        a.value = Some(subst(v, subs));
                    }
                    a.attribute = subst(&a.attribute, subs);
                }
                vigil_cib::rule::Expression::Rule(inner) => walk(inner, subs),
                _ => {}
            }
        }
    }
    walk(&mut out, subs);
    out
}

/// Parse a score, including the node-health colour names.
pub(crate) fn score_value(cluster: &Cluster, text: &str) -> Option<Score> {
    match text.trim() {
        "red" => Some(cluster.options.health_red),
        "yellow" => Some(cluster.options.health_yellow),
        "green" => Some(cluster.options.health_green),
        t => Score::parse(t),
    }
}

// -------------------------------------------------------------- colocation

fn influence_of(cluster: &Cluster, dependent: RscId, attr: Option<&str>) -> bool {
    match attr.and_then(parse_bool) {
        Some(v) => v,
        None => cluster.resources[dependent].critical,
    }
}

/// Register a colocation "dependent with primary".
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_colocation(
    cluster: &mut Cluster,
    id: &str,
    node_attribute: Option<&str>,
    score: Score,
    dependent: RscId,
    primary: RscId,
    dependent_role: Option<Role>,
    primary_role: Option<Role>,
    influence: bool,
) {
    if score == Score::ZERO {
        return;
    }
    let coloc = Colocation {
        id: id.to_string(),
        dependent,
        primary,
        // "Started" in a colocation means any active role.
        dependent_role: match dependent_role {
            None | Some(Role::Started) => Role::Unknown,
            Some(r) => r,
        },
        primary_role: match primary_role {
            None | Some(Role::Started) => Role::Unknown,
            Some(r) => r,
        },
        score,
        node_attribute: node_attribute.unwrap_or("#uname").to_string(),
        influence,
    };
    let idx = cluster.colocations.len();
    cluster.colocations.push(coloc);
    insert_sorted(cluster, dependent, idx, true);
    insert_sorted(cluster, primary, idx, false);
    if score.is_neg_infinity() {
        let (dr, pr) = (
            cluster.colocations[idx].dependent_role,
            cluster.colocations[idx].primary_role,
        );
        anti_colocation_order(cluster, dependent, dr, primary, pr);
        anti_colocation_order(cluster, primary, pr, dependent, dr);
    }
}

fn variant_rank(v: Variant) -> u8 {
    match v {
        Variant::Primitive => 0,
        Variant::Group => 1,
        Variant::Clone => 2,
        Variant::Bundle => 3,
    }
}

/// Colocation lists are kept in processing order: the other resource's
/// priority (high first), collectives before primitives, then id.
fn coloc_cmp(cluster: &Cluster, a: RscId, b: RscId) -> std::cmp::Ordering {
    let (ra, rb) = (&cluster.resources[a], &cluster.resources[b]);
    rb.priority
        .cmp(&ra.priority)
        .then(variant_rank(rb.variant).cmp(&variant_rank(ra.variant)))
        .then_with(|| {
            if ra.variant == Variant::Clone && rb.variant == Variant::Clone {
                rb.is_promotable().cmp(&ra.is_promotable())
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .then_with(|| ra.id.cmp(&rb.id))
}

pub(crate) fn insert_sorted(cluster: &mut Cluster, r: RscId, idx: usize, as_dependent: bool) {
    let other_of = |c: &Colocation| if as_dependent { c.primary } else { c.dependent };
    let other = other_of(&cluster.colocations[idx]);
    let list = if as_dependent {
        &cluster.resources[r].coloc_as_dependent
    } else {
        &cluster.resources[r].coloc_as_primary
    };
    // Like a sorted insertion into a GLib list: before the first entry
    // that does not sort before the new one, so of colocations with the
    // same other resource the one configured last comes first.
    let pos = list
        .iter()
        .position(|&i| {
            coloc_cmp(cluster, other, other_of(&cluster.colocations[i]))
                != std::cmp::Ordering::Greater
        })
        .unwrap_or(list.len());
    let list = if as_dependent {
        &mut cluster.resources[r].coloc_as_dependent
    } else {
        &mut cluster.resources[r].coloc_as_primary
    };
    list.insert(pos, idx);
}

/// With -INFINITY colocations, order the loser's role loss before the
/// other's role gain.
fn anti_colocation_order(
    cluster: &mut Cluster,
    first: RscId,
    first_role: Role,
    then: RscId,
    then_role: Role,
) {
    let first_tasks: Vec<Task> = if first_role == Role::Promoted {
        vec![Task::Demote]
    } else if first_role == Role::Unpromoted {
        vec![Task::Stop, Task::Promote]
    } else {
        vec![Task::Stop]
    };
    let then_tasks: Vec<Task> = if then_role == Role::Promoted {
        vec![Task::Promote]
    } else if then_role == Role::Unpromoted {
        vec![Task::Start, Task::Demote]
    } else {
        vec![Task::Start]
    };
    for &ft in &first_tasks {
        for &tt in &then_tasks {
            order_rsc(
                cluster,
                "anti-colocation",
                first,
                ft,
                then,
                tt,
                OrderFlags::ANTI_COLOCATION,
            );
        }
    }
}

fn unpack_colocation(cluster: &mut Cluster, cib: &Cib, c: &config::Colocation) {
    let score = c
        .score
        .as_deref()
        .and_then(|s| score_value(cluster, s))
        .unwrap_or(Score::ZERO);
    if !c.sets.is_empty() {
        unpack_colocation_sets(cluster, cib, c, score);
        return;
    }
    let (Some(rsc), Some(with)) = (&c.rsc, &c.with_rsc) else {
        return;
    };
    let is_collection = |id: &str| {
        resolve_one(cluster, id).is_none()
            && (cib.config.tags.contains_key(id)
                || cib.config.all_resources().iter().any(|r| {
                    r.primitive()
                        .is_some_and(|p| p.template.as_deref() == Some(id))
                }))
    };
    if is_collection(rsc) && is_collection(with) {
        // Two tags or templates cannot be colocated: which pairs would be
        // meant is undefined.
        cluster.warnings.push(format!(
            "colocation {} ignored: {rsc} and {with} are both tags or templates",
            c.id
        ));
        return;
    }
    let dependents = resolve(cluster, cib, rsc);
    let primaries = resolve(cluster, cib, with);
    for &d in &dependents {
        for &p in &primaries {
            let d = instance_ref(cluster, d, c.rsc_instance.as_deref());
            let p = instance_ref(cluster, p, c.with_rsc_instance.as_deref());
            let influence = influence_of(cluster, d, c.influence.as_deref());
            add_colocation(
                cluster,
                &c.id,
                c.node_attribute.as_deref(),
                score,
                d,
                p,
                parse_role(c.rsc_role.as_deref()),
                parse_role(c.with_rsc_role.as_deref()),
                influence,
            );
        }
    }
}

/// `rsc-instance` picks one instance of a unique clone.
fn instance_ref(cluster: &Cluster, r: RscId, instance: Option<&str>) -> RscId {
    let Some(i) = instance else { return r };
    cluster.resources[r]
        .children
        .iter()
        .copied()
        .find(|&c| cluster.resources[c].id.rsplit(':').next() == Some(i))
        .unwrap_or(r)
}

fn set_members(cluster: &Cluster, cib: &Cib, set: &ResourceSet) -> Vec<RscId> {
    set.resources
        .iter()
        .flat_map(|id| resolve(cluster, cib, id))
        .collect()
}

fn set_sequential(set: &ResourceSet) -> bool {
    set.sequential
        .as_deref()
        .and_then(parse_bool)
        .unwrap_or(true)
}

fn unpack_colocation_sets(cluster: &mut Cluster, cib: &Cib, c: &config::Colocation, score: Score) {
    let mut last: Option<&ResourceSet> = None;
    for set in &c.sets {
        let set_score = set
            .score
            .as_deref()
            .and_then(|s| score_value(cluster, s))
            .unwrap_or(score);
        let role = parse_role(set.role.as_deref());
        let members = set_members(cluster, cib, set);
        let listed = set
            .ordering
            .as_deref()
            .is_some_and(|o| o.eq_ignore_ascii_case("listed"));
        if set_score == Score::ZERO || !set_sequential(set) {
            // No colocations within the set.
        } else if set_score.value() > 0 && !listed {
            // Each member with the one before it.
            for w in members.windows(2) {
                let influence = influence_of(cluster, w[1], c.influence.as_deref());
                add_colocation(
                    cluster, &set.id, None, set_score, w[1], w[0], role, role, influence,
                );
            }
        } else if set_score.value() > 0 {
            // ordering="listed": each member with the one after it.
            for w in members.windows(2) {
                let influence = influence_of(cluster, w[0], c.influence.as_deref());
                add_colocation(
                    cluster, &set.id, None, set_score, w[0], w[1], role, role, influence,
                );
            }
        } else {
            // Each member against every member before it.
            for (i, &a) in members.iter().enumerate() {
                let influence = influence_of(cluster, a, c.influence.as_deref());
                for &b in &members[..i] {
                    add_colocation(
                        cluster, &set.id, None, set_score, a, b, role, role, influence,
                    );
                }
            }
        }
        if let Some(prev) = last {
            colocate_sets(cluster, cib, c, prev, set, score);
        }
        last = Some(set);
    }
}

/// Colocate one set with the next: the earlier set's first member (or all
/// members) with the later set's last member (or all members).
fn colocate_sets(
    cluster: &mut Cluster,
    cib: &Cib,
    c: &config::Colocation,
    set1: &ResourceSet,
    set2: &ResourceSet,
    score: Score,
) {
    if score == Score::ZERO {
        return;
    }
    let m1 = set_members(cluster, cib, set1);
    let m2 = set_members(cluster, cib, set2);
    let role1 = parse_role(set1.role.as_deref());
    let role2 = parse_role(set2.role.as_deref());
    let r1 = if set_sequential(set1) {
        m1.first().copied()
    } else {
        None
    };
    let r2 = if set_sequential(set2) {
        m2.last().copied()
    } else {
        None
    };
    let firsts: Vec<RscId> = match r1 {
        Some(a) => vec![a],
        None => m1,
    };
    let lasts: Vec<RscId> = match r2 {
        Some(b) => vec![b],
        None => m2,
    };
    for &a in &firsts {
        let inf = influence_of(cluster, a, c.influence.as_deref());
        for &b in &lasts {
            add_colocation(cluster, &c.id, None, score, a, b, role1, role2, inf);
        }
    }
}

// ---------------------------------------------------------------- ordering

#[derive(Clone, Copy, PartialEq, Eq)]
enum OrderKind {
    Optional,
    Mandatory,
    Serialize,
}

fn order_kind(kind: Option<&str>, score: Option<&str>) -> OrderKind {
    match kind.map(str::to_ascii_lowercase).as_deref() {
        Some("optional") => OrderKind::Optional,
        Some("serialize") => OrderKind::Serialize,
        Some("mandatory") => OrderKind::Mandatory,
        _ => match score.and_then(Score::parse) {
            Some(s) if s == Score::ZERO => OrderKind::Optional,
            _ => OrderKind::Mandatory,
        },
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Symmetry {
    Asymmetric,
    Symmetric,
    Inverse,
}

fn flags_for_kind(kind: OrderKind, first_task: Task, symmetry: Symmetry) -> OrderFlags {
    let mut f = OrderFlags::OPTIONAL;
    match kind {
        OrderKind::Optional => {}
        OrderKind::Serialize => f = f | OrderFlags::SERIALIZE_ONLY,
        OrderKind::Mandatory => match symmetry {
            Symmetry::Asymmetric => f = f | OrderFlags::ASYMMETRICAL,
            Symmetry::Symmetric => {
                f = f | OrderFlags::IMPLIES_THEN;
                if matches!(first_task, Task::Start | Task::Promote) {
                    f = f | OrderFlags::RUNNABLE_LEFT;
                }
            }
            Symmetry::Inverse => f = f | OrderFlags::IMPLIES_FIRST,
        },
    }
    f
}

/// The action that undoes `task` (start↔stop, promote↔demote).
fn invert(task: Task) -> Option<Task> {
    Some(match task {
        Task::Start => Task::Stop,
        Task::Stop => Task::Start,
        Task::Promote => Task::Demote,
        Task::Demote => Task::Promote,
        Task::Running => Task::Stopped,
        Task::Stopped => Task::Running,
        Task::Promoted => Task::Demoted,
        Task::Demoted => Task::Promoted,
        _ => return None,
    })
}

fn task_of(name: Option<&str>, default: Task) -> Task {
    name.and_then(Task::parse).unwrap_or(default)
}

/// Record an ordering between two resources' actions, resolved later.
pub(crate) fn order_rsc(
    cluster: &mut Cluster,
    id: &str,
    first: RscId,
    first_task: Task,
    then: RscId,
    then_task: Task,
    flags: OrderFlags,
) {
    cluster.rsc_orderings.push(RscOrdering {
        id: id.to_string(),
        first_rsc: Some(first),
        first_task,
        first_action: None,
        then_rsc: Some(then),
        then_task,
        then_action: None,
        flags,
    });
}

fn unpack_order(cluster: &mut Cluster, cib: &Cib, o: &config::Order) {
    if !o.sets.is_empty() {
        unpack_order_sets(cluster, cib, o);
        return;
    }
    let (Some(first), Some(then)) = (&o.first, &o.then) else {
        return;
    };
    let firsts = resolve(cluster, cib, first);
    let thens = resolve(cluster, cib, then);
    let kind = order_kind(o.kind.as_deref(), o.score.as_deref());
    let first_task = task_of(o.first_action.as_deref(), Task::Start);
    let then_task = task_of(o.then_action.as_deref(), first_task);
    let symmetrical = match o.symmetrical.as_deref().and_then(parse_bool) {
        Some(s) => s,
        None => kind != OrderKind::Serialize,
    };
    let require_all = o
        .require_all
        .as_deref()
        .and_then(parse_bool)
        .unwrap_or(true);
    for &f in &firsts {
        for &t in &thens {
            let f = instance_ref(cluster, f, o.first_instance.as_deref());
            let t = instance_ref(cluster, t, o.then_instance.as_deref());
            let symmetry = if symmetrical {
                Symmetry::Symmetric
            } else {
                Symmetry::Asymmetric
            };
            let mut flags = flags_for_kind(kind, first_task, symmetry);
            // Deprecated restart-type=restart: "then" restarts with "first".
            let restart_type = restart_type_restart(cluster, t);
            if restart_type {
                flags = flags | OrderFlags::IMPLIES_THEN;
            }
            // With require-all=false (or clone-min), "then" needs only some
            // instances of a clone "first".
            let mut min_required = 0;
            if cluster.resources[f].variant == Variant::Clone {
                if !require_all {
                    min_required = 1;
                } else if let Some(m) = cluster.resources[f]
                    .meta
                    .get("clone-min")
                    .and_then(|v| v.trim().parse::<usize>().ok())
                {
                    min_required = m;
                }
            }
            if min_required > 0 {
                crate::ordering::clone_min_order(
                    cluster,
                    &o.id,
                    f,
                    first_task,
                    t,
                    then_task,
                    flags,
                    min_required,
                );
            } else {
                order_rsc(cluster, &o.id, f, first_task, t, then_task, flags);
            }
            if symmetrical && let (Some(fi), Some(ti)) = (invert(first_task), invert(then_task)) {
                let mut flags = flags_for_kind(kind, ti, Symmetry::Inverse);
                if restart_type {
                    flags = flags | OrderFlags::IMPLIES_FIRST;
                }
                order_rsc(cluster, &o.id, t, ti, f, fi, flags);
            }
        }
    }
}

/// The deprecated `restart-type=restart` meta-attribute.
fn restart_type_restart(cluster: &Cluster, r: RscId) -> bool {
    cluster.resources[r]
        .meta
        .get("restart-type")
        .is_some_and(|v| v == "restart")
}

fn unpack_order_sets(cluster: &mut Cluster, cib: &Cib, o: &config::Order) {
    let kind = order_kind(o.kind.as_deref(), o.score.as_deref());
    let symmetrical = match o.symmetrical.as_deref().and_then(parse_bool) {
        Some(s) => s,
        None => kind != OrderKind::Serialize,
    };
    crate::ordering::unpack_order_sets(
        cluster,
        cib,
        o,
        kind == OrderKind::Optional,
        kind == OrderKind::Serialize,
        symmetrical,
    );
}

/// Flags for a set ordering (shared with [`crate::ordering`]).
pub(crate) fn set_order_flags(
    optional: bool,
    serialize: bool,
    first_task: Task,
    inverse: bool,
    symmetrical: bool,
) -> OrderFlags {
    let kind = if serialize {
        OrderKind::Serialize
    } else if optional {
        OrderKind::Optional
    } else {
        OrderKind::Mandatory
    };
    let symmetry = if inverse {
        Symmetry::Inverse
    } else if symmetrical {
        Symmetry::Symmetric
    } else {
        Symmetry::Asymmetric
    };
    flags_for_kind(kind, first_task, symmetry)
}

pub(crate) fn invert_task(task: Task) -> Option<Task> {
    invert(task)
}

pub(crate) fn set_task(set: &ResourceSet, default: Task) -> Task {
    task_of(set.action.as_deref(), default)
}

pub(crate) fn members_of(cluster: &Cluster, cib: &Cib, set: &ResourceSet) -> Vec<RscId> {
    set_members(cluster, cib, set)
}

// ----------------------------------------------------------------- tickets

fn unpack_ticket(cluster: &mut Cluster, cib: &Cib, t: &config::TicketConstraint) {
    let bind = |cluster: &mut Cluster, r: RscId, role: Option<Role>| {
        let loss_policy = t.loss_policy.clone().unwrap_or_else(|| "stop".into());
        let idx = cluster.ticket_bindings.len();
        cluster.ticket_bindings.push(TicketBinding {
            id: t.id.clone(),
            ticket: t.ticket.clone(),
            rsc: r,
            role: role.unwrap_or(Role::Unknown),
            loss_policy,
        });
        cluster.resources[r].tickets.push(idx);
        cluster
            .tickets
            .entry(t.ticket.clone())
            .or_insert_with(|| Ticket {
                id: t.ticket.clone(),
                ..Default::default()
            });
    };
    if let Some(rsc) = &t.rsc {
        for r in resolve(cluster, cib, rsc) {
            bind(cluster, r, parse_role(t.rsc_role.as_deref()));
        }
    }
    for set in &t.sets {
        for r in set_members(cluster, cib, set) {
            bind(cluster, r, parse_role(set.role.as_deref()));
        }
    }
}
