//! Orderings between actions, and how they propagate: a required action
//! can make the actions after (or before) it required, an unrunnable one
//! can make the actions after it unrunnable. Propagation runs to a fixed
//! point; the reason that first changed an action is kept for the summary
//! ("due to unrunnable X start").

use vigil_cib::Cib;
use vigil_cib::config::Order;

use crate::actions::{custom_action, find_actions, find_first};
use crate::cluster::*;

// --------------------------------------------------------------- creation

/// Add an ordering edge; returns false if it adds nothing new.
pub(crate) fn order_actions(
    cluster: &mut Cluster,
    first: ActionId,
    then: ActionId,
    flags: OrderFlags,
) -> bool {
    if flags.is_none() || first == then {
        return false;
    }
    if cluster.actions[first]
        .after
        .iter()
        .any(|e| e.action == then && e.flags.any(flags))
    {
        return false;
    }
    cluster.actions[first].after.push(Edge {
        action: then,
        flags,
    });
    cluster.actions[then].before.push(Edge {
        action: first,
        flags,
    });
    true
}

#[allow(clippy::too_many_arguments)]
fn push_order(
    cluster: &mut Cluster,
    first_rsc: Option<RscId>,
    first_task: Task,
    first_action: Option<ActionId>,
    then_rsc: Option<RscId>,
    then_task: Task,
    then_action: Option<ActionId>,
    flags: OrderFlags,
) {
    cluster.rsc_orderings.push(RscOrdering {
        id: String::new(),
        first_rsc,
        first_task,
        first_action,
        then_rsc,
        then_task,
        then_action,
        flags,
    });
}

/// "`first`'s task then `then`'s task" between resources.
pub(crate) fn order_rsc_tasks(
    cluster: &mut Cluster,
    first: RscId,
    first_task: Task,
    then: RscId,
    then_task: Task,
    flags: OrderFlags,
) {
    push_order(
        cluster,
        Some(first),
        first_task,
        None,
        Some(then),
        then_task,
        None,
        flags,
    );
}

/// A specific action, then a resource's task.
pub(crate) fn order_action_then_rsc(
    cluster: &mut Cluster,
    first: ActionId,
    then: RscId,
    then_task: Task,
    flags: OrderFlags,
) {
    let first_rsc = cluster.actions[first].rsc;
    let first_task = cluster.actions[first].task;
    push_order(
        cluster,
        first_rsc,
        first_task,
        Some(first),
        Some(then),
        then_task,
        None,
        flags,
    );
}

/// A resource's task, then a specific action.
pub(crate) fn order_rsc_then_action(
    cluster: &mut Cluster,
    first: RscId,
    first_task: Task,
    then: ActionId,
    flags: OrderFlags,
) {
    let then_rsc = cluster.actions[then].rsc;
    let then_task = cluster.actions[then].task;
    push_order(
        cluster,
        Some(first),
        first_task,
        None,
        then_rsc,
        then_task,
        Some(then),
        flags,
    );
}

/// Two specific actions (resolved with the others, in creation order).
pub(crate) fn order_action_then_action(
    cluster: &mut Cluster,
    first: ActionId,
    then: ActionId,
    flags: OrderFlags,
) {
    let (fr, ft) = (cluster.actions[first].rsc, cluster.actions[first].task);
    let (tr, tt) = (cluster.actions[then].rsc, cluster.actions[then].task);
    push_order(cluster, fr, ft, Some(first), tr, tt, Some(then), flags);
}

// ---------------------------------------------------- internal orderings

/// Orderings every resource has by its nature (restart = stop then
/// start, group members in sequence, clone instances within the clone).
pub(crate) fn create_internal_constraints(cluster: &mut Cluster) {
    for r in cluster.top.clone() {
        internal_constraints(cluster, r);
    }
}

fn internal_constraints(cluster: &mut Cluster, r: RscId) {
    match cluster.resources[r].variant {
        Variant::Primitive => primitive_internal(cluster, r),
        Variant::Group => group_internal(cluster, r),
        Variant::Clone => crate::clone::clone_internal(cluster, r),
        Variant::Bundle => crate::bundle::bundle_internal(cluster, r),
    }
}

pub(crate) fn internal_constraints_of(cluster: &mut Cluster, r: RscId) {
    internal_constraints(cluster, r);
}

fn primitive_internal(cluster: &mut Cluster, r: RscId) {
    if !cluster.resources[r].managed {
        return;
    }
    let top = cluster.top_of(r);
    order_rsc_tasks(
        cluster,
        r,
        Task::Stop,
        r,
        Task::Start,
        OrderFlags::OPTIONAL | OrderFlags::IMPLIES_THEN | OrderFlags::RESTART,
    );
    if cluster.resources[top].is_promotable() || cluster.resources[r].role > Role::Unpromoted {
        order_rsc_tasks(
            cluster,
            r,
            Task::Demote,
            r,
            Task::Stop,
            OrderFlags::PROMOTED_IMPLIES_FIRST,
        );
        order_rsc_tasks(
            cluster,
            r,
            Task::Start,
            r,
            Task::Promote,
            OrderFlags::RUNNABLE_LEFT,
        );
    }
    crate::fencing::unfencing_constraints(cluster, r);
    crate::utilization::utilization_constraints(cluster, r);
    crate::remote::container_constraints(cluster, r);
    if cluster.resources[r].remote_node.is_some()
        || cluster.resources[r]
            .agent
            .as_ref()
            .is_some_and(|a| a.class == "stonith")
    {
        crate::remote::avoid_remote_nodes(cluster, r);
    }
}

fn group_internal(cluster: &mut Cluster, r: RscId) {
    let top = cluster.top_of(r);
    let promotable = cluster.resources[top].is_promotable();
    let ordered = vigil_cib::is_true(Some(
        cluster.resources[r]
            .meta
            .get("ordered")
            .map(String::as_str)
            .unwrap_or("true"),
    ));
    let colocated = vigil_cib::is_true(Some(
        cluster.resources[r]
            .meta
            .get("collocated")
            .map(String::as_str)
            .unwrap_or("true"),
    ));
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

    let children = cluster.resources[r].children.clone();
    let mut last: Option<RscId> = None;
    let mut last_active: Option<RscId> = None;
    for &child in &children {
        let mut stop = OrderFlags::NONE;
        let mut stopped = OrderFlags::IMPLIES_THEN_PRINTED;
        let start = OrderFlags::IMPLIES_THEN | OrderFlags::RUNNABLE_LEFT;
        let started =
            OrderFlags::RUNNABLE_LEFT | OrderFlags::IMPLIES_THEN | OrderFlags::IMPLIES_THEN_PRINTED;

        internal_constraints(cluster, child);

        if last.is_none() {
            if ordered {
                stop = stop | OrderFlags::OPTIONAL;
                stopped = OrderFlags::IMPLIES_THEN;
            }
        } else if colocated {
            let critical = cluster.resources[child].critical;
            crate::constraints::add_colocation(
                cluster,
                "group:internal_colocation",
                None,
                vigil_cib::Score::INFINITY,
                child,
                last.unwrap_or(child),
                None,
                None,
                critical,
            );
        }

        if promotable {
            order_rsc_tasks(
                cluster,
                r,
                Task::Demote,
                child,
                Task::Demote,
                stop | OrderFlags::IMPLIES_FIRST_PRINTED,
            );
            order_rsc_tasks(cluster, child, Task::Demote, r, Task::Demoted, stopped);
            order_rsc_tasks(cluster, child, Task::Promote, r, Task::Promoted, started);
            order_rsc_tasks(
                cluster,
                r,
                Task::Promote,
                child,
                Task::Promote,
                OrderFlags::IMPLIES_FIRST_PRINTED,
            );
        }

        order_rsc_tasks(
            cluster,
            r,
            Task::Start,
            child,
            Task::Start,
            OrderFlags::IMPLIES_FIRST_PRINTED,
        );
        order_rsc_tasks(
            cluster,
            r,
            Task::Stop,
            child,
            Task::Stop,
            stop | OrderFlags::IMPLIES_FIRST_PRINTED,
        );
        order_rsc_tasks(cluster, child, Task::Stop, r, Task::Stopped, stopped);
        order_rsc_tasks(cluster, child, Task::Start, r, Task::Running, started);

        if !ordered {
            order_rsc_tasks(
                cluster,
                r,
                Task::Start,
                child,
                Task::Start,
                start | OrderFlags::IMPLIES_FIRST_PRINTED,
            );
            if promotable {
                order_rsc_tasks(
                    cluster,
                    r,
                    Task::Promote,
                    child,
                    Task::Promote,
                    start | OrderFlags::IMPLIES_FIRST_PRINTED,
                );
            }
        } else if let Some(l) = last {
            order_rsc_tasks(cluster, l, Task::Start, child, Task::Start, start);
            order_rsc_tasks(
                cluster,
                child,
                Task::Stop,
                l,
                Task::Stop,
                OrderFlags::OPTIONAL | OrderFlags::RESTART,
            );
            if promotable {
                order_rsc_tasks(cluster, l, Task::Promote, child, Task::Promote, start);
                order_rsc_tasks(
                    cluster,
                    child,
                    Task::Demote,
                    l,
                    Task::Demote,
                    OrderFlags::OPTIONAL,
                );
            }
        } else {
            order_rsc_tasks(
                cluster,
                r,
                Task::Start,
                child,
                Task::Start,
                OrderFlags::NONE,
            );
            if promotable {
                order_rsc_tasks(
                    cluster,
                    r,
                    Task::Promote,
                    child,
                    Task::Promote,
                    OrderFlags::NONE,
                );
            }
        }

        // Partially active groups must still stop in sequence.
        if !cluster.resources[child].running_on.is_empty() {
            if ordered
                && let Some(l) = last
                && cluster.resources[l].running_on.is_empty()
                && let Some(la) = last_active
                && !cluster.resources[la].running_on.is_empty()
            {
                order_rsc_tasks(
                    cluster,
                    child,
                    Task::Stop,
                    la,
                    Task::Stop,
                    OrderFlags::OPTIONAL,
                );
            }
            last_active = Some(child);
        }
        last = Some(child);
    }
    if ordered && let Some(l) = last {
        order_rsc_tasks(
            cluster,
            r,
            Task::Stop,
            l,
            Task::Stop,
            OrderFlags::IMPLIES_THEN,
        );
        order_rsc_tasks(
            cluster,
            l,
            Task::Stop,
            r,
            Task::Stopped,
            OrderFlags::OPTIONAL,
        );
        if promotable {
            order_rsc_tasks(
                cluster,
                r,
                Task::Demote,
                l,
                Task::Demote,
                OrderFlags::IMPLIES_THEN,
            );
            order_rsc_tasks(
                cluster,
                l,
                Task::Demote,
                r,
                Task::Demoted,
                OrderFlags::OPTIONAL,
            );
        }
    }
}

// ------------------------------------------------------------ user sets

/// A pseudo-action that becomes runnable once `required` of the actions
/// ordered before it are (clone-min, require-all=false).
fn relaxed_pseudo(cluster: &mut Cluster, key: &str, required: usize) -> ActionId {
    let existed = cluster
        .actions
        .iter()
        .any(|a| a.rsc.is_none() && a.key.as_deref() == Some(key));
    let a = crate::actions::singleton_action(cluster, key, Task::Running, None, true);
    if !existed {
        cluster.actions[a].flags.set(ActionFlags::PSEUDO);
        cluster.actions[a].flags.set(ActionFlags::RUNNABLE);
        cluster.actions[a].task_name = Some(key.to_string());
    }
    cluster.actions[a].flags.set(ActionFlags::REQUIRES_ANY);
    if required > 0 {
        cluster.actions[a].required_runnable_before = required;
    }
    a
}

/// `then` may proceed once `min` instances of clone `first` can do their action.
#[allow(clippy::too_many_arguments)]
pub(crate) fn clone_min_order(
    cluster: &mut Cluster,
    id: &str,
    first: RscId,
    first_task: Task,
    then: RscId,
    then_task: Task,
    flags: OrderFlags,
    min: usize,
) {
    let met = relaxed_pseudo(cluster, &format!("clone-one-or-more:{id}"), min);
    for c in cluster.resources[first].children.clone() {
        order_rsc_then_action(
            cluster,
            c,
            first_task,
            met,
            OrderFlags::ONE_OR_MORE | OrderFlags::IMPLIES_THEN_PRINTED,
        );
    }
    order_action_then_rsc(
        cluster,
        met,
        then,
        then_task,
        flags | OrderFlags::RUNNABLE_LEFT,
    );
}

/// Symmetry of an ordering: explicit `symmetrical`, else symmetric
/// unless the kind is Serialize.
fn is_true_attr(v: Option<&str>) -> Option<bool> {
    v.and_then(vigil_cib::parse_bool)
}

/// Ordered resource sets: within each set in sequence (or serialized),
/// then each set before the next.
pub(crate) fn unpack_order_sets(
    cluster: &mut Cluster,
    cib: &Cib,
    o: &Order,
    optional: bool,
    serialize: bool,
    symmetrical: bool,
) {
    use crate::constraints::{invert_task, members_of, set_order_flags, set_task};
    let parent_symmetrical = o.symmetrical.as_deref();
    let mut last: Option<&vigil_cib::config::ResourceSet> = None;
    for set in &o.sets {
        let members = members_of(cluster, cib, set);
        let task = set_task(set, Task::Start);
        let (s_optional, s_serialize) =
            match set.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("optional") => (true, false),
                Some("serialize") => (false, true),
                Some("mandatory") => (false, false),
                _ => (optional, serialize),
            };
        let sequential = is_true_attr(set.sequential.as_deref()).unwrap_or(true);
        let set_symmetrical = match is_true_attr(set.symmetrical.as_deref().or(parent_symmetrical))
        {
            Some(true) => !s_serialize,
            Some(false) => false,
            None => !s_serialize,
        };
        if members.len() > 1 {
            let flags = set_order_flags(s_optional, s_serialize, task, false, set_symmetrical);
            if s_serialize {
                for (i, &a) in members.iter().enumerate() {
                    for &b in &members[i + 1..] {
                        order_rsc_tasks(cluster, a, task, b, task, flags);
                    }
                }
            } else if sequential {
                for w in members.windows(2) {
                    order_rsc_tasks(cluster, w[0], task, w[1], task, flags);
                }
            }
            if set_symmetrical && let Some(inv) = invert_task(task) {
                let flags = set_order_flags(s_optional, s_serialize, inv, true, set_symmetrical);
                if sequential {
                    for w in members.windows(2) {
                        order_rsc_tasks(cluster, w[1], inv, w[0], inv, flags);
                    }
                }
            }
        }
        if let Some(prev) = last {
            order_sets(cluster, cib, o, prev, set, optional, serialize, false);
            if symmetrical {
                order_sets(cluster, cib, o, set, prev, optional, serialize, true);
            }
        }
        last = Some(set);
    }
}

/// Order one set before another (or, `inverse`, the undoing actions the
/// other way round).
#[allow(clippy::too_many_arguments)]
fn order_sets(
    cluster: &mut Cluster,
    cib: &Cib,
    o: &Order,
    set1: &vigil_cib::config::ResourceSet,
    set2: &vigil_cib::config::ResourceSet,
    optional: bool,
    serialize: bool,
    inverse: bool,
) {
    use crate::constraints::{invert_task, members_of, set_order_flags, set_task};
    let mut t1 = set_task(set1, Task::Start);
    let mut t2 = set_task(set2, Task::Start);
    if inverse {
        let (Some(a), Some(b)) = (invert_task(t1), invert_task(t2)) else {
            return;
        };
        t1 = a;
        t2 = b;
    }
    let mut require_all = is_true_attr(set1.require_all.as_deref()).unwrap_or(true);
    if matches!(t1, Task::Stop | Task::Demote) {
        require_all = true;
    }
    let flags = set_order_flags(optional, serialize, t2, inverse, !inverse);
    let m1 = members_of(cluster, cib, set1);
    let m2 = members_of(cluster, cib, set2);
    if !require_all {
        let any = relaxed_pseudo(cluster, &format!("one-or-more:{}", set1.id), 0);
        for &f in &m1 {
            order_rsc_then_action(
                cluster,
                f,
                t1,
                any,
                OrderFlags::ONE_OR_MORE | OrderFlags::IMPLIES_THEN_PRINTED,
            );
        }
        for &t in &m2 {
            order_action_then_rsc(cluster, any, t, t2, flags | OrderFlags::RUNNABLE_LEFT);
        }
        return;
    }
    // Only an explicitly sequential set is represented by one end member.
    let seq1 = is_true_attr(set1.sequential.as_deref()) == Some(true);
    let seq2 = is_true_attr(set2.sequential.as_deref()) == Some(true);
    let r1 = if seq1 {
        if inverse {
            m1.first().copied()
        } else {
            m1.last().copied()
        }
    } else {
        None
    };
    let r2 = if seq2 {
        if inverse {
            m2.last().copied()
        } else {
            m2.first().copied()
        }
    } else {
        None
    };
    let firsts: Vec<RscId> = r1.map(|x| vec![x]).unwrap_or(m1);
    let thens: Vec<RscId> = r2.map(|x| vec![x]).unwrap_or(m2);
    for &f in &firsts {
        for &t in &thens {
            order_rsc_tasks(cluster, f, t1, t, t2, flags);
        }
    }
    let _ = o;
}

// ------------------------------------------------------------- resolution

/// Resolve every recorded resource ordering to action edges, then
/// propagate flags along all edges.
pub(crate) fn apply_orderings(cluster: &mut Cluster) {
    let orderings = cluster.rsc_orderings.clone();
    for o in &orderings {
        if let Some(fr) = o.first_rsc.filter(|_| o.first_action.is_none()) {
            order_first(cluster, fr, o);
            continue;
        }
        if let Some(fa) = o.first_action {
            match (o.then_action, o.then_rsc) {
                (Some(ta), _) => {
                    order_actions(cluster, fa, ta, o.flags);
                }
                (None, Some(tr)) => order_then(cluster, Some(fa), tr, o),
                (None, None) => {}
            }
        }
    }
    // Starts that can never run block what must be colocated with them.
    for a in 0..cluster.actions.len() {
        crate::clone::block_colocated_starts(cluster, a);
    }
    order_probes(cluster, &orderings);
    for a in (0..cluster.actions.len()).rev() {
        update_action(cluster, a);
    }
}

/// The actions of `r` for a task (newest first), as orderings find them.
fn actions_by_task(cluster: &mut Cluster, r: RscId, task: Task) -> Vec<ActionId> {
    find_actions(cluster, r, task, 0, None)
}

fn order_first(cluster: &mut Cluster, first: RscId, o: &RscOrdering) {
    let mut firsts = actions_by_task(cluster, first, o.first_task);
    if firsts.is_empty() && Some(first) != o.then_rsc {
        let state = crate::clone::state(cluster, first, true);
        if state == Role::Stopped && o.first_task == Task::Stop {
            return;
        }
        if state == Role::Unpromoted && o.first_task == Task::Demote {
            return;
        }
        let a = custom_action(cluster, first, o.first_task, 0, None, true);
        firsts = vec![a];
    }
    for fa in firsts {
        match (o.then_rsc, o.then_action) {
            (Some(tr), _) => order_then(cluster, Some(fa), tr, o),
            (None, Some(ta)) => {
                order_actions(cluster, fa, ta, o.flags);
            }
            (None, None) => {}
        }
    }
}

fn order_then(cluster: &mut Cluster, first: Option<ActionId>, then: RscId, o: &RscOrdering) {
    let thens = match o.then_action {
        Some(a) => vec![a],
        None => actions_by_task(cluster, then, o.then_task),
    };
    if thens.is_empty() {
        return;
    }
    let mut flags = o.flags;
    if let Some(fa) = first
        && cluster.actions[fa].rsc == Some(then)
        && cluster.actions[fa].flags.has(ActionFlags::DANGLE)
    {
        flags = flags.without(OrderFlags::IMPLIES_THEN);
    }
    for ta in thens {
        match first {
            Some(fa) => {
                order_actions(cluster, fa, ta, flags);
            }
            None if flags.has(OrderFlags::IMPLIES_THEN) => {
                cluster.actions[ta].flags.clear(ActionFlags::RUNNABLE);
            }
            None => {}
        }
    }
}

/// A resource's probe stands in for its stop: order it before whatever
/// the stop is ordered before.
fn order_probes(cluster: &mut Cluster, orderings: &[RscOrdering]) {
    for o in orderings {
        let Some(fr) = o.first_rsc else { continue };
        if o.then_rsc == Some(fr) {
            continue;
        }
        let first_is_stop = match o.first_action {
            Some(a) => cluster.actions[a].task == Task::Stop,
            None => o.first_task == Task::Stop,
        };
        if !first_is_stop {
            continue;
        }
        if let Some(tr) = o.then_rsc
            && cluster.resources[tr].parent == Some(fr)
        {
            continue;
        }
        let thens = match (o.then_action, o.then_rsc) {
            (Some(a), _) => vec![a],
            (None, Some(tr)) => actions_by_task(cluster, tr, o.then_task),
            _ => Vec::new(),
        };
        if thens.is_empty() {
            continue;
        }
        // The probe only sequences: a required probe does not make the
        // "then" action required (a running resource ordered after the
        // stop of one that is being probed is not restarted).
        let mut flags = OrderFlags::OPTIONAL;
        let child_to_parent = o
            .then_rsc
            .is_some_and(|tr| cluster.resources[fr].parent == Some(tr));
        if o.flags.has(OrderFlags::RUNNABLE_LEFT) && !child_to_parent {
            flags = flags | OrderFlags::RUNNABLE_LEFT;
        }
        let probes = find_actions(cluster, fr, Task::Monitor, 0, None);
        for p in probes {
            for &t in &thens {
                order_actions(cluster, p, t, flags);
            }
        }
    }
}

// ------------------------------------------------------------ propagation

/// An action's flags as seen by orderings: collective actions summarize
/// their children's.
pub(crate) fn action_flags(
    cluster: &mut Cluster,
    a: ActionId,
    node: Option<NodeId>,
) -> ActionFlags {
    let Some(r) = cluster.actions[a].rsc else {
        return cluster.actions[a].flags;
    };
    match cluster.resources[r].variant {
        Variant::Primitive => cluster.actions[a].flags,
        Variant::Group => group_action_flags(cluster, a, node),
        Variant::Clone | Variant::Bundle => crate::clone::summary_action_flags(cluster, a, node),
    }
}

fn group_action_flags(cluster: &mut Cluster, a: ActionId, node: Option<NodeId>) -> ActionFlags {
    let r = cluster.actions[a].rsc.unwrap_or(0);
    let mut flags = ActionFlags::OPTIONAL | ActionFlags::RUNNABLE | ActionFlags::PSEUDO;
    let task = cluster.actions[a].task;
    for child in cluster.resources[r].children.clone() {
        let child_task = if cluster.resources[child].is_primitive() {
            task.started_by()
        } else {
            task
        };
        match find_first(cluster, child, child_task, node) {
            Some(ca) => {
                let cf = action_flags(cluster, ca, node);
                if flags.has(ActionFlags::OPTIONAL) && !cf.has(ActionFlags::OPTIONAL) {
                    flags.clear(ActionFlags::OPTIONAL);
                    cluster.actions[a].flags.clear(ActionFlags::OPTIONAL);
                }
                if child_task != task
                    && flags.has(ActionFlags::RUNNABLE)
                    && !cf.has(ActionFlags::RUNNABLE)
                {
                    flags.clear(ActionFlags::RUNNABLE);
                    cluster.actions[a].flags.clear(ActionFlags::RUNNABLE);
                }
            }
            None => {
                if !matches!(child_task, Task::Stop | Task::Demote) {
                    flags.clear(ActionFlags::RUNNABLE);
                }
            }
        }
    }
    flags
}

/// The flags `get_action_flags` reports: for clones, runnable anywhere
/// counts even when asking about one node.
fn get_action_flags(cluster: &mut Cluster, a: ActionId, node: Option<NodeId>) -> ActionFlags {
    let mut flags = cluster.actions[a].flags;
    if let Some(r) = cluster.actions[a].rsc {
        flags = action_flags(cluster, a, None);
        if cluster.resources[r].variant == Variant::Clone && node.is_some() {
            let mut clone_flags = action_flags(cluster, a, node);
            if !clone_flags.has(ActionFlags::RUNNABLE) && flags.has(ActionFlags::RUNNABLE) {
                clone_flags.set(ActionFlags::RUNNABLE);
            }
            flags = clone_flags;
        }
    }
    flags
}

/// Whether `ancestor` is a (strict) ancestor of `r`.
fn is_parent(cluster: &Cluster, r: Option<RscId>, ancestor: Option<RscId>) -> bool {
    let (Some(mut x), Some(anc)) = (r, ancestor) else {
        return false;
    };
    while let Some(p) = cluster.resources[x].parent {
        if p == anc {
            return true;
        }
        x = p;
    }
    false
}

/// For an action of a collective resource, the completion pseudo-action
/// that orderings on it really mean (`start` → `running`, or the
/// confirmation of its post-notification).
fn expand_action(cluster: &mut Cluster, a: ActionId) -> ActionId {
    let Some(r) = cluster.actions[a].rsc else {
        return a;
    };
    if cluster.resources[r].variant == Variant::Primitive {
        return a;
    }
    let task = cluster.actions[a].task;
    let notify = cluster.resources[r].parent.is_none()
        && cluster.resources[r]
            .clone
            .as_ref()
            .is_some_and(|c| c.notify);
    let completion = task.completion();
    if completion == task || task == Task::Notify {
        return a;
    }
    if notify && let Some(n) = crate::notify::confirmed_post_notify(cluster, r, task) {
        return n;
    }
    find_first(cluster, r, completion, None).unwrap_or(a)
}

/// Graph-level change report.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Changed {
    pub first: bool,
    pub then: bool,
    pub disable: bool,
}

impl std::ops::BitOrAssign for Changed {
    fn bitor_assign(&mut self, o: Changed) {
        self.first |= o.first;
        self.then |= o.then;
        self.disable |= o.disable;
    }
}

/// The node an action effectively runs on (a group start: the group's node).
fn effective_node(cluster: &Cluster, a: ActionId) -> Option<NodeId> {
    let act = &cluster.actions[a];
    if let Some(r) = act.rsc
        && cluster.resources[r].variant == Variant::Group
        && act.task == Task::Start
        && let Some(n) = cluster.resources[r].assigned
    {
        return Some(n);
    }
    act.node
}

/// Propagate flags into `then` from everything ordered before it.
pub(crate) fn update_action(cluster: &mut Cluster, then: ActionId) {
    let last_flags = cluster.actions[then].flags;
    let mut changed = Changed::default();
    if cluster.actions[then].flags.has(ActionFlags::REQUIRES_ANY) {
        cluster.actions[then].runnable_before = 0;
        if cluster.actions[then].required_runnable_before == 0 {
            cluster.actions[then].required_runnable_before = 1;
        }
        cluster.actions[then].flags.clear(ActionFlags::RUNNABLE);
    }
    let mut i = 0;
    loop {
        // Edges are examined newest first.
        let len = cluster.actions[then].before.len();
        if i >= len {
            break;
        }
        let idx = len - 1 - i;
        i += 1;
        let edge = cluster.actions[then].before[idx];
        let mut first = edge.action;
        let then_node = effective_node(cluster, then);
        let first_node = effective_node(cluster, first);
        if edge.flags.has(OrderFlags::SAME_NODE)
            && let (Some(fnode), Some(tnode)) = (first_node, then_node)
            && fnode != tnode
        {
            disable_edge(cluster, first, then, idx);
            continue;
        }
        changed.first = false;

        if cluster.actions[first].rsc.is_some()
            && edge.flags.has(OrderFlags::THEN_CANCELS_FIRST)
            && !cluster.actions[then].optional()
        {
            cluster.actions[first].flags.set(ActionFlags::OPTIONAL);
            if cluster.actions[first].task == Task::Reload
                && let Some(fr) = cluster.actions[first].rsc
            {
                cluster.resources[fr].reload = false;
            }
        }

        let first_rsc = cluster.actions[first].rsc;
        let then_rsc = cluster.actions[then].rsc;
        if first_rsc.is_some() && first_rsc != then_rsc && !is_parent(cluster, then_rsc, first_rsc)
        {
            first = expand_action(cluster, first);
        }
        let first_flags = get_action_flags(cluster, first, then_node);
        let then_flags = get_action_flags(cluster, then, first_node);

        if first == edge.action {
            let node = cluster.actions[then].node;
            changed |= update_ordered(
                cluster,
                first,
                then,
                node,
                first_flags,
                then_flags,
                edge.flags,
                idx,
            );
        } else if order_actions(cluster, first, then, edge.flags) {
            changed.then = true;
            changed.disable = true;
            // A new edge was added at the end; keep examining older ones.
            i += 1;
        }

        if changed.disable {
            changed.disable = false;
            // The edge index may have shifted if a new edge was pushed.
            let pos = cluster.actions[then]
                .before
                .iter()
                .position(|e| e.action == edge.action && e.flags == edge.flags);
            if let Some(p) = pos {
                cluster.actions[then].before[p].flags = OrderFlags::NONE;
                if let Some(q) = cluster.actions[edge.action]
                    .after
                    .iter()
                    .position(|e| e.action == then && e.flags == edge.flags)
                {
                    cluster.actions[edge.action].after[q].flags = OrderFlags::NONE;
                }
            }
        }

        if changed.first {
            let afters: Vec<ActionId> = cluster.actions[first]
                .after
                .iter()
                .rev()
                .map(|e| e.action)
                .collect();
            for a in afters {
                update_action(cluster, a);
            }
            update_action(cluster, first);
        }
    }

    if cluster.actions[then].flags.has(ActionFlags::REQUIRES_ANY) {
        changed.then = last_flags != cluster.actions[then].flags;
    }
    if changed.then {
        if last_flags.has(ActionFlags::RUNNABLE) && !cluster.actions[then].runnable() {
            crate::clone::block_colocated_starts(cluster, then);
        }
        update_action(cluster, then);
        let afters: Vec<ActionId> = cluster.actions[then]
            .after
            .iter()
            .rev()
            .map(|e| e.action)
            .collect();
        for a in afters {
            update_action(cluster, a);
        }
    }
}

fn disable_edge(cluster: &mut Cluster, first: ActionId, then: ActionId, idx: usize) {
    let flags = cluster.actions[then].before[idx].flags;
    cluster.actions[then].before[idx].flags = OrderFlags::NONE;
    if let Some(q) = cluster.actions[first]
        .after
        .iter()
        .position(|e| e.action == then && e.flags == flags)
    {
        cluster.actions[first].after[q].flags = OrderFlags::NONE;
    }
}

/// Apply one ordering's implications between `first` and `then`.
#[allow(clippy::too_many_arguments)]
fn update_ordered(
    cluster: &mut Cluster,
    first: ActionId,
    then: ActionId,
    node: Option<NodeId>,
    first_flags: ActionFlags,
    then_flags: ActionFlags,
    order: OrderFlags,
    edge_idx: usize,
) -> Changed {
    let mut changed = Changed::default();
    let mut kind = order;
    let mut node = node;
    if kind.has(OrderFlags::IMPLIES_THEN_ON_NODE) {
        kind = kind
            .without(OrderFlags::IMPLIES_THEN_ON_NODE)
            .with(OrderFlags::IMPLIES_THEN);
        node = cluster.actions[first].node;
    }
    let then_rsc = cluster.actions[then].rsc;
    let first_rsc = cluster.actions[first].rsc;
    let opt_only = ActionFlags(first_flags.0 & ActionFlags::OPTIONAL.0);

    if kind.has(OrderFlags::IMPLIES_THEN) {
        if then_rsc.is_some() {
            changed |= update_rsc_actions(
                cluster,
                first,
                then,
                node,
                opt_only,
                ActionFlags::OPTIONAL,
                OrderFlags::IMPLIES_THEN,
            );
        } else if !first_flags.has(ActionFlags::OPTIONAL) && cluster.actions[then].optional() {
            cluster.actions[then].flags.clear(ActionFlags::OPTIONAL);
            changed.then = true;
        }
    }
    if kind.has(OrderFlags::RESTART) && then_rsc.is_some() {
        changed |= update_rsc_actions(
            cluster,
            first,
            then,
            node,
            first_flags,
            ActionFlags::OPTIONAL | ActionFlags::RUNNABLE,
            OrderFlags::RESTART,
        );
    }
    if kind.has(OrderFlags::IMPLIES_FIRST) {
        if first_rsc.is_some() {
            changed |= update_rsc_actions(
                cluster,
                first,
                then,
                node,
                first_flags,
                ActionFlags::OPTIONAL,
                OrderFlags::IMPLIES_FIRST,
            );
        } else if !first_flags.has(ActionFlags::OPTIONAL) && cluster.actions[first].runnable() {
            cluster.actions[first].flags.clear(ActionFlags::RUNNABLE);
            changed.first = true;
        }
    }
    if kind.has(OrderFlags::PROMOTED_IMPLIES_FIRST) && then_rsc.is_some() {
        changed |= update_rsc_actions(
            cluster,
            first,
            then,
            node,
            opt_only,
            ActionFlags::OPTIONAL,
            OrderFlags::PROMOTED_IMPLIES_FIRST,
        );
    }
    if kind.has(OrderFlags::ONE_OR_MORE) {
        if then_rsc.is_some() {
            changed |= update_rsc_actions(
                cluster,
                first,
                then,
                node,
                first_flags,
                ActionFlags::RUNNABLE,
                OrderFlags::ONE_OR_MORE,
            );
        } else if first_flags.has(ActionFlags::RUNNABLE) {
            cluster.actions[then].runnable_before += 1;
            let act = &cluster.actions[then];
            if act.runnable_before >= act.required_runnable_before && !act.runnable() {
                cluster.actions[then].flags.set(ActionFlags::RUNNABLE);
                changed.then = true;
            }
        }
    }
    if then_rsc.is_some() && kind.has(OrderFlags::PROBE) {
        let first_running = first_rsc.is_some_and(|r| !cluster.resources[r].running_on.is_empty());
        if !first_flags.has(ActionFlags::RUNNABLE) && first_running {
            kind = OrderFlags::NONE;
            cluster.actions[then].before[edge_idx].flags = OrderFlags::NONE;
        } else {
            changed |= update_rsc_actions(
                cluster,
                first,
                then,
                node,
                first_flags,
                ActionFlags::RUNNABLE,
                OrderFlags::RUNNABLE_LEFT,
            );
        }
    }
    if kind.has(OrderFlags::RUNNABLE_LEFT) {
        if then_rsc.is_some() {
            changed |= update_rsc_actions(
                cluster,
                first,
                then,
                node,
                first_flags,
                ActionFlags::RUNNABLE,
                OrderFlags::RUNNABLE_LEFT,
            );
        } else if !first_flags.has(ActionFlags::RUNNABLE) && cluster.actions[then].runnable() {
            cluster.actions[then].flags.clear(ActionFlags::RUNNABLE);
            changed.then = true;
        }
    }
    if kind.has(OrderFlags::IMPLIES_FIRST_MIGRATABLE) && then_rsc.is_some() {
        changed |= update_rsc_actions(
            cluster,
            first,
            then,
            node,
            first_flags,
            ActionFlags::OPTIONAL,
            OrderFlags::IMPLIES_FIRST_MIGRATABLE,
        );
    }
    if kind.has(OrderFlags::PSEUDO_LEFT) && then_rsc.is_some() {
        changed |= update_rsc_actions(
            cluster,
            first,
            then,
            node,
            first_flags,
            ActionFlags::OPTIONAL,
            OrderFlags::PSEUDO_LEFT,
        );
    }
    if kind.has(OrderFlags::OPTIONAL) && then_rsc.is_some() {
        changed |= update_rsc_actions(
            cluster,
            first,
            then,
            node,
            first_flags,
            ActionFlags::RUNNABLE,
            OrderFlags::OPTIONAL,
        );
    }
    if kind.has(OrderFlags::ASYMMETRICAL) && then_rsc.is_some() {
        changed |= update_rsc_actions(
            cluster,
            first,
            then,
            node,
            first_flags,
            ActionFlags::RUNNABLE,
            OrderFlags::ASYMMETRICAL,
        );
    }
    if cluster.actions[first].runnable()
        && kind.has(OrderFlags::IMPLIES_THEN_PRINTED)
        && !first_flags.has(ActionFlags::OPTIONAL)
    {
        cluster.actions[then].flags.set(ActionFlags::PRINT_ALWAYS);
    }
    if kind.has(OrderFlags::IMPLIES_FIRST_PRINTED) && !then_flags.has(ActionFlags::OPTIONAL) {
        cluster.actions[first].flags.set(ActionFlags::PRINT_ALWAYS);
    }
    if (kind.has(OrderFlags::IMPLIES_THEN)
        || kind.has(OrderFlags::IMPLIES_FIRST)
        || kind.has(OrderFlags::RESTART))
        && let Some(fr) = first_rsc
        && cluster.actions[first].task == Task::Stop
        && !cluster.resources[fr].managed
        && cluster.resources[fr].blocked
        && !cluster.actions[first].runnable()
        && cluster.actions[then].runnable()
    {
        cluster.actions[then].flags.clear(ActionFlags::RUNNABLE);
        changed.then = true;
    }
    changed
}

/// Dispatch `update_actions` on the `then` (or `first`) resource's kind.
#[allow(clippy::too_many_arguments)]
fn update_rsc_actions(
    cluster: &mut Cluster,
    first: ActionId,
    then: ActionId,
    node: Option<NodeId>,
    flags: ActionFlags,
    filter: ActionFlags,
    kind: OrderFlags,
) -> Changed {
    // implies_first dispatches on the first resource; everything else on then.
    let owner = if kind == OrderFlags::IMPLIES_FIRST {
        cluster.actions[first].rsc
    } else {
        cluster.actions[then].rsc
    };
    let Some(r) = owner else {
        return Changed::default();
    };
    match cluster.resources[r].variant {
        Variant::Primitive => {
            primitive_update_actions(cluster, first, then, node, flags, filter, kind)
        }
        Variant::Group => {
            let mut changed =
                primitive_update_actions(cluster, first, then, node, flags, filter, kind);
            let then_task = cluster.actions[then].task;
            if let Some(tr) = cluster.actions[then].rsc {
                for child in cluster.resources[tr].children.clone() {
                    if let Some(ca) = find_first(cluster, child, then_task, node) {
                        changed |=
                            update_rsc_actions(cluster, first, ca, node, flags, filter, kind);
                    }
                }
            }
            changed
        }
        Variant::Clone | Variant::Bundle => {
            crate::clone::clone_update_actions(cluster, first, then, node, flags, filter, kind)
        }
    }
}

/// Clear `flag` on `action` because of `reason`, recording why.
pub(crate) fn action_implies(
    cluster: &mut Cluster,
    action: ActionId,
    reason: ActionId,
    flag: ActionFlags,
) {
    let change = if flag == ActionFlags::RUNNABLE || flag == ActionFlags::MIGRATE_RUNNABLE {
        "unrunnable"
    } else {
        "required"
    };
    let overwrite = flag == ActionFlags::MIGRATE_RUNNABLE;
    let had = cluster.actions[action].flags.has(flag);
    if had {
        cluster.actions[action].flags.clear(flag);
    }
    if had {
        let r = &cluster.actions[reason];
        let text = match r.rsc {
            None => format!(
                "{change} {}",
                r.task_name
                    .clone()
                    .unwrap_or_else(|| r.task.name().to_string())
            ),
            Some(rr) => format!(
                "{change} {} {}",
                cluster.resources[rr].id,
                task_name_for_reason(r)
            ),
        };
        if cluster.actions[action].rsc != cluster.actions[reason].rsc {
            crate::actions::set_reason(cluster, action, &text, overwrite);
        }
    }
}

fn task_name_for_reason(a: &Action) -> String {
    a.task_name
        .clone()
        .unwrap_or_else(|| a.task.name().to_string())
}

/// How an ordering changes a primitive's (or any resource's own) action.
#[allow(clippy::too_many_arguments)]
pub(crate) fn primitive_update_actions(
    cluster: &mut Cluster,
    first: ActionId,
    then: ActionId,
    _node: Option<NodeId>,
    flags: ActionFlags,
    filter: ActionFlags,
    kind: OrderFlags,
) -> Changed {
    let mut changed = Changed::default();
    let then_before = cluster.actions[then].flags;
    let first_before = cluster.actions[first].flags;

    if kind.has(OrderFlags::ASYMMETRICAL)
        && let Some(tr) = cluster.actions[then].rsc
    {
        let then_state = crate::clone::state(cluster, tr, true);
        let then_task = cluster.actions[then].task;
        let single_running_here = cluster.resources[tr].running_on.len() == 1
            && cluster.actions[then].node == cluster.resources[tr].running_on.first().copied();
        // A stop of something already stopped, or an optional start of
        // something already running on that one node, is unaffected.
        let stopping_stopped = then_state == Role::Stopped && then_task == Task::Stop;
        let starting_running = then_state >= Role::Started
            && then_task == Task::Start
            && cluster.actions[then].optional()
            && cluster.actions[then].node.is_some()
            && single_running_here;
        if !stopping_stopped && !starting_running && !cluster.actions[first].runnable() {
            action_implies(cluster, then, first, ActionFlags::OPTIONAL);
            action_implies(cluster, then, first, ActionFlags::RUNNABLE);
        }
    }

    if kind.has(OrderFlags::IMPLIES_FIRST) {
        if filter.has(ActionFlags::OPTIONAL) && !flags.has(ActionFlags::OPTIONAL) {
            action_implies(cluster, first, then, ActionFlags::OPTIONAL);
        }
        if flags.has(ActionFlags::MIGRATE_RUNNABLE)
            && !cluster.actions[then]
                .flags
                .has(ActionFlags::MIGRATE_RUNNABLE)
            && !cluster.actions[then].optional()
        {
            action_implies(cluster, first, then, ActionFlags::MIGRATE_RUNNABLE);
        }
    }

    if kind.has(OrderFlags::PROMOTED_IMPLIES_FIRST)
        && filter.has(ActionFlags::OPTIONAL)
        && !cluster.actions[then].optional()
        && cluster.actions[then]
            .rsc
            .is_some_and(|r| cluster.resources[r].role == Role::Promoted)
    {
        action_implies(cluster, first, then, ActionFlags::OPTIONAL);
        if cluster.actions[first]
            .flags
            .has(ActionFlags::MIGRATE_RUNNABLE)
            && !cluster.actions[then]
                .flags
                .has(ActionFlags::MIGRATE_RUNNABLE)
        {
            action_implies(cluster, first, then, ActionFlags::MIGRATE_RUNNABLE);
        }
    }

    if kind.has(OrderFlags::IMPLIES_FIRST_MIGRATABLE) && filter.has(ActionFlags::OPTIONAL) {
        let tf = cluster.actions[then].flags;
        if !tf.has(ActionFlags::MIGRATE_RUNNABLE) || !tf.has(ActionFlags::RUNNABLE) {
            action_implies(cluster, first, then, ActionFlags::RUNNABLE);
        }
        if !cluster.actions[then].optional() {
            action_implies(cluster, first, then, ActionFlags::OPTIONAL);
        }
    }

    if kind.has(OrderFlags::PSEUDO_LEFT)
        && filter.has(ActionFlags::OPTIONAL)
        && !cluster.actions[first].runnable()
    {
        action_implies(cluster, then, first, ActionFlags::MIGRATE_RUNNABLE);
        cluster.actions[then].flags.clear(ActionFlags::PSEUDO);
    }

    if kind.has(OrderFlags::RUNNABLE_LEFT)
        && filter.has(ActionFlags::RUNNABLE)
        && cluster.actions[then].runnable()
        && !flags.has(ActionFlags::RUNNABLE)
    {
        action_implies(cluster, then, first, ActionFlags::RUNNABLE);
        action_implies(cluster, then, first, ActionFlags::MIGRATE_RUNNABLE);
    }

    if kind.has(OrderFlags::IMPLIES_THEN)
        && filter.has(ActionFlags::OPTIONAL)
        && cluster.actions[then].optional()
        && !flags.has(ActionFlags::OPTIONAL)
        && !cluster.actions[first]
            .flags
            .has(ActionFlags::MIGRATE_RUNNABLE)
    {
        action_implies(cluster, then, first, ActionFlags::OPTIONAL);
    }

    if kind.has(OrderFlags::RESTART) {
        handle_restart(cluster, first, then, filter);
    }

    if then_before != cluster.actions[then].flags {
        changed.then = true;
        if cluster.actions[then]
            .rsc
            .is_some_and(|r| cluster.resources[r].parent.is_some())
        {
            update_action(cluster, then);
        }
    }
    if first_before != cluster.actions[first].flags {
        changed.first = true;
    }
    changed
}

/// Restart orderings (stop then start of one resource): a required start
/// needs the stop; a start that cannot happen still lets the stop happen.
fn handle_restart(cluster: &mut Cluster, first: ActionId, then: ActionId, filter: ActionFlags) {
    let then_required = filter.has(ActionFlags::OPTIONAL) && !cluster.actions[then].optional();
    let then_rsc_managed = cluster.actions[then]
        .rsc
        .is_some_and(|r| cluster.resources[r].managed);
    let stop_reason = filter.has(ActionFlags::RUNNABLE)
        && !cluster.actions[then].runnable()
        && then_rsc_managed
        && cluster.actions[first].rsc == cluster.actions[then].rsc;
    if !then_required && !stop_reason {
        return;
    }
    if cluster.actions[first].runnable() {
        action_implies(cluster, first, then, ActionFlags::OPTIONAL);
    }
    if !cluster.actions[then].optional() {
        action_implies(cluster, first, then, ActionFlags::OPTIONAL);
    }
    if !cluster.actions[then]
        .flags
        .has(ActionFlags::MIGRATE_RUNNABLE)
    {
        action_implies(cluster, first, then, ActionFlags::MIGRATE_RUNNABLE);
    }
    if !cluster.actions[first].optional() && !cluster.actions[first].runnable() {
        action_implies(cluster, then, first, ActionFlags::RUNNABLE);
    }
}
