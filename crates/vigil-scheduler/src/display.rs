//! Cluster status as crm_mon and crm_simulate print it.
//!
//! [`status_text`] renders the node list and the full resource list that
//! follow "Current cluster status:"; [`header_text`] renders the notices
//! crm_simulate prints before that heading (maintenance mode, disabled and
//! blocked resource counts).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::cluster::*;

/// The notices printed before "Current cluster status:".
pub fn header_text(cluster: &Cluster) -> String {
    let mut out = String::new();
    if cluster.options.maintenance_mode {
        out.push_str("\n              *** Resource management is DISABLED ***\n");
        out.push_str("  The cluster will not attempt to start, stop or recover services\n\n");
    }
    let counts = instance_counts(cluster);
    if counts.disabled > 0 || counts.blocked > 0 {
        let _ = writeln!(
            out,
            "{} of {} resource instances DISABLED and {} BLOCKED from further action due to failure\n",
            counts.disabled, counts.total, counts.blocked
        );
    }
    out
}

/// The node list and full resource list, indented as under
/// "Current cluster status:".
pub fn status_text(cluster: &Cluster) -> String {
    let mut out = String::new();
    out.push_str("  * Node List:\n");
    node_list(cluster, &mut out);
    out.push('\n');
    out.push_str("  * Full List of Resources:\n");
    let mut any = false;
    // Resources are listed by priority, highest first (stable).
    let mut top = cluster.top.clone();
    top.sort_by_key(|&r| std::cmp::Reverse(priority(cluster, r)));
    for &r in &top {
        if !shown(cluster, r) {
            continue;
        }
        any = true;
        render(cluster, r, 2, &mut out);
    }
    if !any {
        out.push_str("    * No resources\n");
    }
    out
}

// ------------------------------------------------------------------ counts

struct Counts {
    total: usize,
    disabled: usize,
    blocked: usize,
}

fn instance_counts(cluster: &Cluster) -> Counts {
    let mut c = Counts {
        total: 0,
        disabled: 0,
        blocked: 0,
    };
    let mut count = |p: RscId| {
        let rsc = &cluster.resources[p];
        if rsc.orphan && rsc.role == Role::Stopped {
            return;
        }
        c.total += 1;
        if is_disabled(cluster, p) {
            c.disabled += 1;
        }
        if is_blocked(cluster, p) {
            c.blocked += 1;
        }
    };
    for &top in &cluster.top {
        if cluster.resources[top].variant == Variant::Bundle {
            // Each replica's IP, container, connection and instance.
            for rep in cluster.bundle_replicas.get(&top).into_iter().flatten() {
                rep.ip.into_iter().for_each(&mut count);
                count(rep.container);
                rep.remote.into_iter().for_each(&mut count);
                rep.child.into_iter().for_each(&mut count);
            }
            continue;
        }
        for p in cluster.primitives_under(top) {
            count(p);
        }
    }
    c
}

// ------------------------------------------------------------------- nodes

fn sorted_nodes(cluster: &Cluster, nodes: impl IntoIterator<Item = NodeId>) -> Vec<NodeId> {
    let mut v: Vec<NodeId> = nodes.into_iter().collect();
    v.sort_by(|&a, &b| natural_cmp(&cluster.nodes[a].name, &cluster.nodes[b].name));
    v.dedup();
    v
}

/// The state word(s) of a node, as in "Node X: <state>".
fn node_state(cluster: &Cluster, n: NodeId) -> String {
    let node = &cluster.nodes[n];
    if node.unclean {
        if node.online {
            "UNCLEAN (online)".into()
        } else if node.pending {
            "UNCLEAN (pending)".into()
        } else {
            "UNCLEAN (offline)".into()
        }
    } else if node.pending {
        "pending".into()
    } else if node.standby_onfail && node.online {
        "standby (on-fail)".into()
    } else if node.standby {
        if !node.online {
            "OFFLINE (standby)".into()
        } else if node_has_resources(cluster, n) {
            "standby (with active resources)".into()
        } else {
            "standby".into()
        }
    } else if node.maintenance {
        if node.online {
            "maintenance".into()
        } else {
            "OFFLINE (maintenance)".into()
        }
    } else if node.online {
        match node_health(cluster, n) {
            Some(h) => format!("online (health is {h})"),
            None => "online".into(),
        }
    } else {
        "OFFLINE".into()
    }
}

fn node_has_resources(cluster: &Cluster, n: NodeId) -> bool {
    cluster
        .resources
        .iter()
        .any(|r| r.is_primitive() && r.running_on.contains(&n))
}

/// "RED" or "YELLOW" when node health tracking is on and the node is not green.
fn node_health(cluster: &Cluster, n: NodeId) -> Option<&'static str> {
    if cluster.options.node_health_strategy == "none" {
        return None;
    }
    let mut worst = None;
    for (k, v) in &cluster.nodes[n].attrs {
        if !k.starts_with("#health") {
            continue;
        }
        match v.trim().to_ascii_lowercase().as_str() {
            "red" => worst = Some("RED"),
            "yellow" if worst.is_none() => worst = Some("YELLOW"),
            _ => {}
        }
    }
    worst
}

fn node_list(cluster: &Cluster, out: &mut String) {
    let mut online = Vec::new();
    let mut offline = Vec::new();
    let mut remote_online = Vec::new();
    let mut remote_offline = Vec::new();
    let mut guest_online = Vec::new();
    let mut guest_offline = Vec::new();
    let all = sorted_nodes(cluster, 0..cluster.nodes.len());
    for n in all {
        let node = &cluster.nodes[n];
        if node.kind == NodeKind::Guest && !node.online {
            // Guests whose container is not running are not listed.
            continue;
        }
        let state = node_state(cluster, n);
        let name = node.name.clone();
        match (state.as_str(), node.kind) {
            ("online", NodeKind::Member) => online.push(name),
            ("online", NodeKind::Remote) => remote_online.push(name),
            ("online", NodeKind::Guest) => guest_online.push(name),
            ("OFFLINE", NodeKind::Member) => offline.push(name),
            ("OFFLINE", NodeKind::Remote) => remote_offline.push(name),
            ("OFFLINE", NodeKind::Guest) => guest_offline.push(name),
            _ => {
                let prefix = match node.kind {
                    NodeKind::Member => "Node",
                    NodeKind::Remote => "RemoteNode",
                    NodeKind::Guest => "GuestNode",
                };
                let _ = writeln!(out, "    * {prefix} {name}: {state}");
            }
        }
    }
    for (label, list) in [
        ("Online", online),
        ("OFFLINE", offline),
        ("RemoteOnline", remote_online),
        ("RemoteOFFLINE", remote_offline),
        ("GuestOnline", guest_online),
        ("GuestOFFLINE", guest_offline),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "    * {label}: [ {} ]", list.join(" "));
        }
    }
}

// --------------------------------------------------------------- resources

/// The `priority` meta-attribute, read as Pacemaker reads integers
/// (leading digits only, so "2.0" is 2).
fn priority(cluster: &Cluster, r: RscId) -> i64 {
    let Some(text) = cluster.resources[r].meta.get("priority") else {
        return 0;
    };
    let t = text.trim();
    if let Some(score) = vigil_cib::Score::parse(t) {
        return score.value();
    }
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse::<i64>().map(|v| sign * v).unwrap_or(0)
}

/// Whether a top-level resource appears in the list at all.
fn shown(cluster: &Cluster, r: RscId) -> bool {
    let rsc = &cluster.resources[r];
    if rsc.meta.contains_key("internal_rsc") {
        return false;
    }
    let active = partially_active(cluster, r);
    if rsc.orphan && !active {
        return false;
    }
    // A collective active only through unmanaged instances on nodes that
    // are offline is not counted as running anywhere, and is not listed.
    !(active && running_nodes(cluster, r).is_empty())
}

/// Whether a primitive is blocked: by its failure policy, or because it
/// is active on several nodes with `multiple-active=block`.
fn is_blocked(cluster: &Cluster, p: RscId) -> bool {
    let multiply_blocked = |x: RscId| {
        let rsc = &cluster.resources[x];
        rsc.running_on.len() > 1 && rsc.multiple_active == MultipleActive::Block
    };
    if cluster.resources[p].blocked || multiply_blocked(p) {
        return true;
    }
    // A group set to block when multiply active blocks all its members
    // when one of them is.
    match cluster.resources[p].parent {
        Some(g)
            if cluster.resources[g].variant == Variant::Group
                && cluster.resources[g].multiple_active == MultipleActive::Block =>
        {
            cluster.resources[g]
                .children
                .iter()
                .any(|&c| multiply_blocked(c))
        }
        _ => false,
    }
}

/// Whether the cluster manages a primitive: not unmanaged by
/// configuration, not blocked, and not active on a node in maintenance.
fn is_managed(cluster: &Cluster, p: RscId) -> bool {
    let rsc = &cluster.resources[p];
    rsc.managed
        && !is_blocked(cluster, p)
        && !rsc.running_on.iter().any(|&n| cluster.nodes[n].maintenance)
}

/// The nodes a resource counts as running on. A collective counts the
/// nodes of its members, except where an unmanaged member sits on a
/// node that is offline.
fn running_nodes(cluster: &Cluster, r: RscId) -> BTreeSet<NodeId> {
    let mut out = BTreeSet::new();
    let is_prim = cluster.resources[r].is_primitive();
    for p in cluster.primitives_under(r) {
        let managed = is_managed(cluster, p);
        for &n in &cluster.resources[p].running_on {
            if is_prim || managed || cluster.nodes[n].online {
                out.insert(n);
            }
        }
    }
    out
}

fn render(cluster: &Cluster, r: RscId, depth: usize, out: &mut String) {
    match cluster.resources[r].variant {
        Variant::Primitive => {
            let indent = "  ".repeat(depth);
            let _ = writeln!(out, "{indent}* {}", primitive_text(cluster, r));
        }
        Variant::Group => group(cluster, r, depth, out),
        Variant::Clone => clone(cluster, r, depth, out),
        Variant::Bundle => bundle(cluster, r, depth, out),
    }
}

/// Whether a clone's instances are distinct. Clones of resources whose
/// class cannot have unique instances (lsb, systemd, ...) are anonymous
/// whatever `globally-unique` says.
fn is_unique_clone(cluster: &Cluster, c: RscId) -> bool {
    cluster.resources[c]
        .clone
        .as_ref()
        .is_some_and(|s| s.unique)
        && cluster.primitives_under(c).iter().all(|&p| {
            cluster.resources[p]
                .agent
                .as_ref()
                .is_none_or(|a| a.class == "ocf" || a.class == "stonith")
        })
}

/// The name a primitive is shown under: anonymous clone instances lose
/// their instance number.
fn display_name(cluster: &Cluster, r: RscId) -> &str {
    let rsc = &cluster.resources[r];
    match crate::history::clone_ancestor(cluster, r) {
        Some(c) if !is_unique_clone(cluster, c) => &rsc.base_id,
        _ => &rsc.id,
    }
}

fn in_promotable(cluster: &Cluster, r: RscId) -> bool {
    let top = cluster.top_of(r);
    cluster.resources[top].is_promotable()
}

/// The role shown for a resource: instances of promotable clones that
/// are merely started show as unpromoted.
fn displayable_role(cluster: &Cluster, r: RscId) -> Role {
    let role = cluster.resources[r].role;
    if role == Role::Started && in_promotable(cluster, r) {
        Role::Unpromoted
    } else {
        role
    }
}

/// Whether target-role keeps the resource from running (fully or promoted).
fn is_disabled(cluster: &Cluster, r: RscId) -> bool {
    match cluster.resources[r]
        .meta
        .get("target-role")
        .and_then(|v| Role::parse(v))
    {
        Some(Role::Stopped) => true,
        Some(Role::Unpromoted) => in_promotable(cluster, r),
        _ => false,
    }
}

/// "Starting", "Stopping", ... for a pending action that changes state.
fn pending_state(task: &str) -> Option<&'static str> {
    match task {
        "start" => Some("Starting"),
        "stop" => Some("Stopping"),
        "migrate_to" | "migrate_from" => Some("Migrating"),
        "promote" => Some("Promoting"),
        "demote" => Some("Demoting"),
        _ => None,
    }
}

/// A pending action that does not change state, shown as a flag.
fn pending_action(task: &str) -> Option<&'static str> {
    match task {
        "monitor" => Some("Monitoring"),
        "notify" => Some("Notifying"),
        "reload" | "reload-agent" => Some("Reloading"),
        _ => None,
    }
}

/// The text of an OCF exit code, as crm_mon prints it.
fn exit_text(rc: i32) -> &'static str {
    match rc {
        0 => "ok",
        1 => "error",
        2 => "invalid parameter",
        3 => "unimplemented feature",
        4 => "insufficient privileges",
        5 => "not installed",
        6 => "not configured",
        7 => "not running",
        8 => "promoted",
        9 => "promoted (failed)",
        190 => "OCF_DEGRADED",
        191 => "OCF_DEGRADED_PROMOTED",
        _ => "unknown",
    }
}

/// A failed probe recorded for the resource on `node` (any node when
/// `None`): its exit code.
fn failed_probe(cluster: &Cluster, r: RscId, node: Option<NodeId>) -> Option<i32> {
    let rsc = &cluster.resources[r];
    let mut keys = vec![rsc.id.as_str()];
    if rsc.base_id != rsc.id {
        keys.push(rsc.base_id.as_str());
    }
    for key in keys {
        for (n, op) in cluster.history_index.ops(key) {
            if node.is_some_and(|x| x != n) {
                continue;
            }
            if op.operation() == "monitor"
                && op.interval_ms == 0
                && !matches!(op.op_status, -1 | 1)
                && !matches!(op.rc_code, 0 | 7 | 8 | 190 | 191)
                && !crate::failures::op_failure_expired(cluster, r, n, op, op.rc_code, 7)
            {
                return Some(op.rc_code);
            }
        }
    }
    None
}

fn primitive_text(cluster: &Cluster, r: RscId) -> String {
    let rsc = &cluster.resources[r];
    primitive_text_as(cluster, r, display_name(cluster, r), &rsc.running_on)
}

/// A primitive's line, under `name`, as running on `nodes`.
fn primitive_text_as(cluster: &Cluster, r: RscId, name: &str, nodes: &[NodeId]) -> String {
    let rsc = &cluster.resources[r];
    let agent = rsc.agent.as_ref().map(|a| a.spec()).unwrap_or_default();
    let mut s = format!("{name}\t({agent}):\t");
    if rsc.orphan {
        s.push_str(" ORPHANED");
    }
    if rsc.failed {
        s.push_str(" FAILED");
        if rsc.role > Role::Unpromoted {
            s.push(' ');
            s.push_str(rsc.role.name());
        }
    } else {
        let state = rsc
            .pending_task
            .as_deref()
            .and_then(pending_state)
            .unwrap_or_else(|| displayable_role(cluster, r).name());
        s.push(' ');
        s.push_str(state);
    }
    // A stopped resource locked to a node (shutdown-lock) shows that node.
    let shown_node = match nodes {
        [n] => Some(*n),
        [] => rsc.lock_node,
        _ => None,
    };
    if let Some(n) = shown_node {
        s.push(' ');
        s.push_str(&cluster.nodes[n].name);
    }
    if nodes.is_empty()
        && !rsc.failed
        && let Some(rc) = failed_probe(cluster, r, None)
    {
        let _ = write!(s, " ({}) ", exit_text(rc));
    }

    let mut flags: Vec<String> = Vec::new();
    if nodes.len() == 1 && {
        let node = &cluster.nodes[nodes[0]];
        node.unclean && !node.online
    } {
        flags.push("UNCLEAN".into());
    }
    if shown_node.is_some() && shown_node == rsc.lock_node {
        flags.push("LOCKED".into());
    }
    if let Some(a) = rsc.pending_task.as_deref().and_then(pending_action) {
        flags.push(a.into());
    }
    if let Some(tr) = rsc.meta.get("target-role") {
        match Role::parse(tr) {
            Some(Role::Stopped) => flags.push("disabled".into()),
            Some(Role::Unpromoted) if in_promotable(cluster, r) => {
                flags.push(format!("target-role:{tr}"))
            }
            _ => {}
        }
    }
    if is_blocked(cluster, r) {
        flags.push("blocked".into());
    } else if !is_managed(cluster, r) {
        flags.push("unmanaged".into());
    }
    if rsc.failure_ignored {
        flags.push("failure ignored".into());
    }
    if !flags.is_empty() {
        let _ = write!(s, " ({})", flags.join(", "));
    }
    if nodes.len() > 1 {
        let names: Vec<&str> = nodes
            .iter()
            .map(|&n| cluster.nodes[n].name.as_str())
            .collect();
        let _ = write!(s, " [ {} ]", names.join(" "));
    }
    s
}

fn group(cluster: &Cluster, r: RscId, depth: usize, out: &mut String) {
    let rsc = &cluster.resources[r];
    let indent = "  ".repeat(depth);
    let mut flags = Vec::new();
    if !rsc.managed {
        flags.push("unmanaged");
    }
    if is_disabled(cluster, r) {
        flags.push("disabled");
    }
    let decor = if flags.is_empty() {
        String::new()
    } else {
        format!(" ({})", flags.join(", "))
    };
    let _ = writeln!(out, "{indent}* Resource Group: {}{decor}:", rsc.id);
    for &c in &rsc.children {
        render(cluster, c, depth + 1, out);
    }
}

/// Whether a primitive counts as active: running on a node that is
/// unclean or online; a managed resource on a node that is cleanly
/// offline is not.
fn primitive_active(cluster: &Cluster, p: RscId) -> bool {
    let managed = is_managed(cluster, p);
    cluster.resources[p].running_on.iter().any(|&n| {
        let node = &cluster.nodes[n];
        node.unclean || node.online || !managed
    })
}

/// Active on at least one node (any member, for groups).
fn partially_active(cluster: &Cluster, r: RscId) -> bool {
    cluster
        .primitives_under(r)
        .iter()
        .any(|&p| primitive_active(cluster, p))
}

/// Every member active.
fn fully_active(cluster: &Cluster, r: RscId) -> bool {
    cluster
        .primitives_under(r)
        .iter()
        .all(|&p| primitive_active(cluster, p))
}

/// The single node an instance is active on, if there is one.
fn instance_location(cluster: &Cluster, r: RscId) -> Option<NodeId> {
    let mut loc = None;
    for p in cluster.primitives_under(r) {
        let on = &cluster.resources[p].running_on;
        if on.len() != 1 {
            return None;
        }
        match loc {
            None => loc = Some(on[0]),
            Some(n) if n != on[0] => return None,
            _ => {}
        }
    }
    loc
}

fn instance_role(cluster: &Cluster, r: RscId) -> Role {
    cluster
        .primitives_under(r)
        .iter()
        .map(|&p| cluster.resources[p].role)
        .max()
        .unwrap_or(Role::Stopped)
}

fn clone(cluster: &Cluster, r: RscId, depth: usize, out: &mut String) {
    let rsc = &cluster.resources[r];
    let indent = "  ".repeat(depth);
    let mut settings = rsc.clone.clone().unwrap_or_default();
    settings.unique = is_unique_clone(cluster, r);
    let child_name = rsc
        .children
        .first()
        .map(|&c| cluster.resources[c].base_id.clone())
        .unwrap_or_default();
    let mut flags = Vec::new();
    if settings.promotable {
        flags.push("promotable");
    }
    if settings.unique {
        flags.push("unique");
    }
    if !rsc.managed {
        flags.push("unmanaged");
    }
    if is_disabled(cluster, r) {
        flags.push("disabled");
    }
    let decor = if flags.is_empty() {
        String::new()
    } else {
        format!(" ({})", flags.join(", "))
    };
    let _ = writeln!(
        out,
        "{indent}* Clone Set: {} [{child_name}]{decor}:",
        rsc.id
    );

    let mut promoted = Vec::new();
    let mut unpromoted = Vec::new();
    let mut started = Vec::new();
    let mut active_instances = 0usize;
    for &c in &rsc.children {
        let child = &cluster.resources[c];
        let active = partially_active(cluster, c);
        if settings.unique {
            if child.orphan && !active {
                continue;
            }
            render(cluster, c, depth + 1, out);
            continue;
        }
        if !active {
            continue;
        }
        let prims = cluster.primitives_under(c);
        let full = prims.iter().any(|&p| {
            let pr = &cluster.resources[p];
            pr.orphan || !is_managed(cluster, p) || pr.failed || pr.pending_task.is_some()
        });
        // A healthy instance on one node that is not lost joins the list
        // for its role; anything else is shown in full.
        let location = if full || !fully_active(cluster, c) {
            None
        } else {
            instance_location(cluster, c)
                .filter(|&n| !cluster.nodes[n].unclean || cluster.nodes[n].online)
        };
        match location {
            Some(n) => {
                // Only listed instances count towards the clone's quota
                // when deciding whether to show where it is stopped.
                active_instances += 1;
                match instance_role(cluster, c) {
                    Role::Promoted => promoted.push(n),
                    Role::Unpromoted => unpromoted.push(n),
                    _ if settings.promotable => unpromoted.push(n),
                    _ => started.push(n),
                }
            }
            None => render(cluster, c, depth + 1, out),
        }
    }
    let names = |v: &[NodeId]| -> String {
        sorted_nodes(cluster, v.iter().copied())
            .iter()
            .map(|&n| cluster.nodes[n].name.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    if !promoted.is_empty() {
        let _ = writeln!(out, "{indent}  * Promoted: [ {} ]", names(&promoted));
    }
    // The clone's target-role, or else its first instance's.
    let configured_role = rsc
        .meta
        .get("target-role")
        .or_else(|| {
            rsc.children
                .first()
                .and_then(|&c| cluster.resources[c].meta.get("target-role"))
        })
        .and_then(|v| Role::parse(v));
    if !unpromoted.is_empty() {
        let label = if configured_role == Some(Role::Unpromoted) {
            "Unpromoted (target-role)"
        } else {
            "Unpromoted"
        };
        let _ = writeln!(out, "{indent}  * {label}: [ {} ]", names(&unpromoted));
    }
    if !started.is_empty() {
        let _ = writeln!(out, "{indent}  * Started: [ {} ]", names(&started));
    }
    if !settings.unique && settings.max > active_instances {
        // Nodes where no instance runs.
        let running = running_nodes(cluster, r);
        let candidates: Vec<NodeId> = if !rsc.allowed.is_empty() {
            rsc.allowed.keys().copied().collect()
        } else {
            cluster
                .primitives_under(r)
                .iter()
                .flat_map(|&p| cluster.resources[p].known_on.iter().copied())
                .collect()
        };
        let disabled = configured_role == Some(Role::Stopped);
        let mut groups: Vec<(String, Vec<NodeId>)> = Vec::new();
        for n in sorted_nodes(cluster, candidates) {
            if running.contains(&n) {
                continue;
            }
            let state = match rsc
                .children
                .first()
                .and_then(|&c| first_failed_probe(cluster, c, n))
            {
                Some(rc) => format!("Stopped ({})", exit_text(rc)),
                None if disabled => "Stopped (disabled)".into(),
                None => "Stopped".into(),
            };
            match groups.iter_mut().find(|(s, _)| *s == state) {
                Some((_, v)) => v.push(n),
                None => groups.push((state, vec![n])),
            }
        }
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        for (state, nodes) in groups {
            let _ = writeln!(out, "{indent}  * {state}: [ {} ]", names(&nodes));
        }
    }
}

fn first_failed_probe(cluster: &Cluster, r: RscId, n: NodeId) -> Option<i32> {
    cluster
        .primitives_under(r)
        .into_iter()
        .find_map(|p| failed_probe(cluster, p, Some(n)))
}

fn bundle(cluster: &Cluster, r: RscId, depth: usize, out: &mut String) {
    let rsc = &cluster.resources[r];
    let indent = "  ".repeat(depth);
    let replicas = cluster.bundle_replicas.get(&r).cloned().unwrap_or_default();
    let image = rsc.params.get("image").cloned().unwrap_or_default();
    let setting = |name: &str| -> Option<usize> {
        rsc.params
            .get(name)
            .or_else(|| rsc.meta.get(name))
            .and_then(|v| v.trim().parse().ok())
    };
    let configured = setting("replicas")
        .or_else(|| setting("promoted-max").or_else(|| setting("masters")))
        .unwrap_or(1)
        .max(1);
    let mut flags = Vec::new();
    if setting("replicas-per-host").unwrap_or(1) > 1 {
        flags.push("unique");
    }
    if !rsc.managed {
        flags.push("unmanaged");
    }
    let decor = if flags.is_empty() {
        String::new()
    } else {
        format!(" ({})", flags.join(", "))
    };
    let kind = if replicas.len().max(configured) > 1 {
        "Container bundle set"
    } else {
        "Container bundle"
    };
    let _ = writeln!(out, "{indent}* {kind}: {} [{image}]{decor}:", rsc.id);
    for rep in &replicas {
        // A replica shows its inner resource (or its container), named
        // after the replica, on the node hosting the container.
        let shown = rep.child.unwrap_or(rep.container);
        let mut name = match rep.remote {
            Some(remote) => cluster.resources[remote].id.clone(),
            None => cluster.resources[rep.container].id.clone(),
        };
        if let Some(ip) = rep.ip
            && let Some(addr) = cluster.resources[ip].params.get("ip")
        {
            let _ = write!(name, " ({addr})");
        }
        let nodes = cluster.resources[rep.container].running_on.clone();
        let _ = writeln!(
            out,
            "{indent}  * {}",
            primitive_text_as(cluster, shown, &name, &nodes)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_cib::Cib;
    use vigil_cib::time::DateTime;

    /// A CIB with stonith disabled, the given nodes, resources, status and
    /// extra cluster options.
    fn cib(nodes: &[&str], resources: &str, status: &str, options: &str) -> String {
        let nodes: String = nodes
            .iter()
            .map(|n| format!(r#"<node id="{n}" uname="{n}"/>"#))
            .collect();
        format!(
            r#"<cib admin_epoch="0" epoch="1" num_updates="1" validate-with="pacemaker-3.7" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opt-stonith" name="stonith-enabled" value="false"/>{options}
    </cluster_property_set></crm_config>
    <nodes>{nodes}</nodes>
    <resources>{resources}</resources>
    <constraints/>
  </configuration>
  <status>{status}</status>
</cib>"#
        )
    }

    fn online(node: &str, lrm: &str) -> String {
        format!(
            r#"<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="{node}"><lrm_resources>{lrm}</lrm_resources></lrm></node_state>"#
        )
    }

    fn offline(node: &str) -> String {
        format!(
            r#"<node_state id="{node}" uname="{node}" in_ccm="false" crmd="offline" join="down" expected="down"/>"#
        )
    }

    fn dummy(id: &str) -> String {
        format!(r#"<primitive id="{id}" class="ocf" provider="pacemaker" type="Dummy"/>"#)
    }

    /// History of a resource on a node: `(task, rc, interval_ms)` in call order.
    fn history(rsc: &str, kind: &str, ops: &[(&str, i32, u64)]) -> String {
        let ops: String = ops
            .iter()
            .enumerate()
            .map(|(i, (task, rc, interval))| {
                format!(
                    r#"<lrm_rsc_op id="{rsc}_{task}_{i}" operation_key="{rsc}_{task}_{interval}" operation="{task}" transition-key="1:1:0:x" transition-magic="0:{rc};1:1:0:x" call-id="{}" rc-code="{rc}" op-status="0" interval="{interval}" last-rc-change="1000"/>"#,
                    i + 2
                )
            })
            .collect();
        format!(
            r#"<lrm_resource id="{rsc}" class="ocf" provider="pacemaker" type="{kind}">{ops}</lrm_resource>"#
        )
    }

    fn cluster(xml: &str) -> Cluster {
        let cib = Cib::parse(xml, "test.xml").expect("test CIB parses");
        let now = DateTime::parse("2024-01-01 00:00:00Z").expect("valid date");
        crate::current_state(&cib, &now).0
    }

    fn render_all(xml: &str) -> String {
        let c = cluster(xml);
        header_text(&c) + &status_text(&c)
    }

    #[test]
    fn names_sort_naturally_and_case_insensitively() {
        let mut v = vec!["node10", "node9", "Node2", "alpha", "b_2", "b10", "b-1"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            ["alpha", "b-1", "b10", "b_2", "Node2", "node9", "node10"]
        );
    }

    #[test]
    fn primitives_and_node_states() {
        let resources = [dummy("rsc1"), dummy("rsc2"), dummy("rsc3")].concat();
        let status = [
            online("node2", &history("rsc1", "Dummy", &[("start", 0, 0)])),
            online(
                "node1",
                &history("rsc2", "Dummy", &[("start", 0, 0), ("monitor", 1, 10000)]),
            ),
            offline("node3"),
        ]
        .concat();
        let xml = cib(&["node3", "node2", "node1"], &resources, &status, "");
        assert_eq!(
            render_all(&xml),
            "  * Node List:\n    * Online: [ node1 node2 ]\n    * OFFLINE: [ node3 ]\n\n\
             \x20 * Full List of Resources:\n\
             \x20   * rsc1\t(ocf:pacemaker:Dummy):\t Started node2\n\
             \x20   * rsc2\t(ocf:pacemaker:Dummy):\t FAILED node1\n\
             \x20   * rsc3\t(ocf:pacemaker:Dummy):\t Stopped\n"
        );
    }

    #[test]
    fn standby_nodes_say_whether_they_still_run_resources() {
        let standby = |n: &str, lrm: &str| {
            format!(
                r#"<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" expected="member"><transient_attributes id="{n}"><instance_attributes id="{n}-ta"><nvpair id="{n}-sb" name="standby" value="on"/></instance_attributes></transient_attributes><lrm id="{n}"><lrm_resources>{lrm}</lrm_resources></lrm></node_state>"#
            )
        };
        let status = [
            standby("node1", &history("rsc1", "Dummy", &[("start", 0, 0)])),
            standby("node2", ""),
            online("node3", ""),
        ]
        .concat();
        let text = status_text(&cluster(&cib(
            &["node1", "node2", "node3"],
            &dummy("rsc1"),
            &status,
            "",
        )));
        assert!(text.starts_with(
            "  * Node List:\n    * Node node1: standby (with active resources)\n    \
             * Node node2: standby\n    * Online: [ node3 ]\n"
        ));
    }

    #[test]
    fn anonymous_clones_collapse_into_node_lists() {
        let resources = r#"<clone id="ping-clone"><primitive id="ping" class="ocf" provider="pacemaker" type="ping"/></clone>
            <clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/></meta_attributes>
              <primitive id="db" class="ocf" provider="pacemaker" type="Stateful"/></clone>"#;
        let status = [
            online(
                "node1",
                &[
                    history("ping", "ping", &[("start", 0, 0)]),
                    history("db", "Stateful", &[("start", 0, 0), ("promote", 0, 0)]),
                ]
                .concat(),
            ),
            online(
                "node2",
                &[
                    history("ping", "ping", &[("start", 0, 0), ("monitor", 1, 10000)]),
                    history("db", "Stateful", &[("start", 0, 0)]),
                ]
                .concat(),
            ),
            online("node3", ""),
        ]
        .concat();
        let text = status_text(&cluster(&cib(
            &["node1", "node2", "node3"],
            resources,
            &status,
            "",
        )));
        assert!(text.ends_with(
            "  * Full List of Resources:\n\
             \x20   * Clone Set: ping-clone [ping]:\n\
             \x20     * ping\t(ocf:pacemaker:ping):\t FAILED node2\n\
             \x20     * Started: [ node1 ]\n\
             \x20     * Stopped: [ node3 ]\n\
             \x20   * Clone Set: ms [db] (promotable):\n\
             \x20     * Promoted: [ node1 ]\n\
             \x20     * Unpromoted: [ node2 ]\n\
             \x20     * Stopped: [ node3 ]\n"
        ));
    }

    #[test]
    fn unique_clones_and_groups_list_every_instance() {
        let resources = r#"<clone id="c"><meta_attributes id="c-m">
              <nvpair id="c-u" name="globally-unique" value="true"/>
              <nvpair id="c-max" name="clone-max" value="2"/></meta_attributes>
              <group id="g"><primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
                <primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/></group></clone>"#;
        let status = online(
            "node1",
            &[
                history("a:0", "Dummy", &[("start", 0, 0)]),
                history("b:0", "Dummy", &[("start", 0, 0)]),
            ]
            .concat(),
        );
        let text = status_text(&cluster(&cib(&["node1"], resources, &status, "")));
        assert!(text.ends_with(
            "    * Clone Set: c [g] (unique):\n\
             \x20     * Resource Group: g:0:\n\
             \x20       * a:0\t(ocf:pacemaker:Dummy):\t Started node1\n\
             \x20       * b:0\t(ocf:pacemaker:Dummy):\t Started node1\n\
             \x20     * Resource Group: g:1:\n\
             \x20       * a:1\t(ocf:pacemaker:Dummy):\t Stopped\n\
             \x20       * b:1\t(ocf:pacemaker:Dummy):\t Stopped\n"
        ));
    }

    #[test]
    fn disabled_and_unmanaged_resources_are_flagged_and_counted() {
        let resources = r#"<primitive id="off" class="ocf" provider="pacemaker" type="Dummy">
              <meta_attributes id="off-m"><nvpair id="off-r" name="target-role" value="Stopped"/></meta_attributes></primitive>
            <group id="g"><meta_attributes id="g-m"><nvpair id="g-r" name="target-role" value="Stopped"/>
                <nvpair id="g-u" name="is-managed" value="false"/></meta_attributes>
              <primitive id="g1" class="ocf" provider="pacemaker" type="Dummy"/></group>
            <clone id="c"><meta_attributes id="c-m"><nvpair id="c-r" name="target-role" value="Stopped"/></meta_attributes>
              <primitive id="cp" class="ocf" provider="pacemaker" type="Dummy"/></clone>"#;
        let status = [
            online("node1", &history("g1", "Dummy", &[("start", 0, 0)])),
            online("node2", ""),
        ]
        .concat();
        let text = render_all(&cib(&["node1", "node2"], resources, &status, ""));
        assert_eq!(
            text,
            "4 of 4 resource instances DISABLED and 0 BLOCKED from further action due to failure\n\n\
             \x20 * Node List:\n    * Online: [ node1 node2 ]\n\n\
             \x20 * Full List of Resources:\n\
             \x20   * off\t(ocf:pacemaker:Dummy):\t Stopped (disabled)\n\
             \x20   * Resource Group: g (unmanaged, disabled):\n\
             \x20     * g1\t(ocf:pacemaker:Dummy):\t Started node1 (disabled, unmanaged)\n\
             \x20   * Clone Set: c [cp] (disabled):\n\
             \x20     * Stopped (disabled): [ node1 node2 ]\n"
        );
    }

    #[test]
    fn maintenance_mode_is_announced() {
        let status = online("node1", &history("rsc1", "Dummy", &[("start", 0, 0)]));
        let opt = r#"<nvpair id="opt-mm" name="maintenance-mode" value="true"/>"#;
        let text = render_all(&cib(&["node1"], &dummy("rsc1"), &status, opt));
        assert!(text.starts_with(
            "\n              *** Resource management is DISABLED ***\n  \
             The cluster will not attempt to start, stop or recover services\n\n"
        ));
        assert!(text.ends_with("    * rsc1\t(ocf:pacemaker:Dummy):\t Started node1 (unmanaged)\n"));
    }

    #[test]
    fn failed_probes_of_stopped_resources_show_the_result() {
        let status = [
            online("node1", &history("rsc1", "Dummy", &[("monitor", 5, 0)])),
            online("node2", &history("rsc1", "Dummy", &[("monitor", 7, 0)])),
        ]
        .concat();
        let text = status_text(&cluster(&cib(
            &["node1", "node2"],
            &dummy("rsc1"),
            &status,
            "",
        )));
        assert!(text.ends_with("    * rsc1\t(ocf:pacemaker:Dummy):\t Stopped (not installed) \n"));
    }

    #[test]
    fn orphans_show_only_while_active() {
        let status = online(
            "node1",
            &[
                history("gone", "Dummy", &[("start", 0, 0)]),
                history("gone2", "Dummy", &[("start", 0, 0), ("stop", 0, 0)]),
            ]
            .concat(),
        );
        let text = status_text(&cluster(&cib(&["node1"], &dummy("rsc1"), &status, "")));
        assert!(text.ends_with(
            "    * rsc1\t(ocf:pacemaker:Dummy):\t Stopped\n\
             \x20   * gone\t(ocf:pacemaker:Dummy):\t ORPHANED Started node1\n"
        ));
    }

    #[test]
    fn remote_and_guest_nodes_have_their_own_lists() {
        let resources = r#"<primitive id="rem1" class="ocf" provider="pacemaker" type="remote"/>
            <primitive id="rem2" class="ocf" provider="pacemaker" type="remote"/>
            <primitive id="vm1" class="ocf" provider="pacemaker" type="Dummy">
              <meta_attributes id="vm1-m"><nvpair id="vm1-g" name="remote-node" value="guest1"/></meta_attributes></primitive>"#;
        let status = [
            online(
                "node1",
                &[
                    history("rem1", "remote", &[("start", 0, 0)]),
                    history("vm1", "Dummy", &[("start", 0, 0)]),
                    history("guest1", "remote", &[("start", 0, 0)]),
                ]
                .concat(),
            ),
            r#"<node_state id="rem1" uname="rem1" remote_node="true" in_ccm="true"/>"#.to_string(),
            r#"<node_state id="rem2" uname="rem2" remote_node="true"/>"#.to_string(),
            r#"<node_state id="guest1" uname="guest1" remote_node="true" in_ccm="true"/>"#
                .to_string(),
        ]
        .concat();
        let text = status_text(&cluster(&cib(&["node1"], resources, &status, "")));
        assert!(text.starts_with(
            "  * Node List:\n    * Online: [ node1 ]\n    * RemoteOnline: [ rem1 ]\n    \
             * RemoteOFFLINE: [ rem2 ]\n    * GuestOnline: [ guest1 ]\n\n"
        ));
    }

    #[test]
    fn bundle_replicas_show_their_inner_resource_on_the_container_host() {
        // The working set's model of a one-replica bundle: an IP, a
        // container, a remote connection and the inner resource.
        let resources = r#"<primitive id="web-bundle-ip-192.168.1.10" class="ocf" provider="heartbeat" type="IPaddr2">
              <instance_attributes id="ip-i"><nvpair id="ip-a" name="ip" value="192.168.1.10"/></instance_attributes></primitive>
            <primitive id="web-bundle-docker-0" class="ocf" provider="heartbeat" type="docker"/>
            <primitive id="web-bundle-0" class="ocf" provider="pacemaker" type="remote"/>
            <primitive id="web" class="ocf" provider="heartbeat" type="apache"/>
            <bundle id="web-bundle"><docker image="pcmk:http" replicas="1"/>
              <network ip-range-start="192.168.1.10"/></bundle>"#;
        let status = online(
            "node1",
            &[
                history("web-bundle-docker-0", "docker", &[("start", 0, 0)]),
                history("web", "apache", &[("start", 0, 0)]),
            ]
            .concat(),
        );
        let mut c = cluster(&cib(&["node1"], resources, &status, ""));
        let id = |c: &Cluster, name: &str| c.find_rsc(name).expect("resource exists");
        let bundle = id(&c, "web-bundle");
        let replica = crate::bundle::Replica {
            index: 0,
            ip: Some(id(&c, "web-bundle-ip-192.168.1.10")),
            container: id(&c, "web-bundle-docker-0"),
            remote: Some(id(&c, "web-bundle-0")),
            child: Some(id(&c, "web")),
        };
        c.bundle_replicas.insert(bundle, vec![replica]);
        c.top = vec![bundle];
        assert!(status_text(&c).ends_with(
            "    * Container bundle: web-bundle [pcmk:http]:\n\
             \x20     * web-bundle-0 (192.168.1.10)\t(ocf:heartbeat:apache):\t Started node1\n"
        ));
    }
}
