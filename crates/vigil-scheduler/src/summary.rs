//! The transition summary: one line per fenced node and per resource
//! whose state changes, in crm_simulate's "Transition Summary" format.

use crate::actions::find_actions;
use crate::cluster::*;

/// A summary line, structured (for JSON) and rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryLine {
    /// Start, Stop, Move, Recover, Restart, Promote, Demote, Migrate,
    /// Reload, Re-promote, or "Fence (reboot)" and similar.
    pub change: String,
    /// Resource id, or node name for node actions.
    pub subject: String,
    pub details: String,
    pub reason: Option<String>,
    pub blocked: bool,
    /// Whether the line is about a resource (rather than a node).
    pub resource: bool,
    pub text: String,
}

/// Column widths: crm_simulate aligns every resource line of a summary to
/// the widest resource id (plus two) and the widest details text.
struct Widths {
    rsc: usize,
    detail: usize,
}

impl Widths {
    const MIN: usize = 5;

    fn of(lines: &[SummaryLine]) -> Widths {
        let mut w = Widths {
            rsc: Self::MIN,
            detail: Self::MIN,
        };
        for l in lines.iter().filter(|l| l.resource) {
            if l.subject.len() > w.rsc {
                w.rsc = l.subject.len() + 2;
            }
            w.detail = w.detail.max(l.details.len());
        }
        w
    }
}

pub(crate) fn summarize(cluster: &mut Cluster) -> Vec<SummaryLine> {
    let mut out = Vec::new();
    // Node actions, newest first (as Pacemaker's action list is ordered).
    for a in (0..cluster.actions.len()).rev() {
        let act = &cluster.actions[a];
        if act.rsc.is_some() || act.optional() {
            continue;
        }
        let Some(n) = act.node else { continue };
        let task = match act.task {
            Task::Fence => format!(
                "Fence ({})",
                act.meta
                    .get("stonith_action")
                    .map(String::as_str)
                    .unwrap_or("reboot")
            ),
            _ => continue,
        };
        let node = &cluster.nodes[n];
        let node_name = if node.kind == NodeKind::Guest {
            let container = node.connection.and_then(|c| cluster.resources[c].container);
            match container {
                Some(k) => format!("{} (resource: {})", node.name, cluster.resources[k].id),
                None => node.name.clone(),
            }
        } else {
            node.name.clone()
        };
        let reason = act.reason.clone().unwrap_or_default();
        let text = format!("  * {task} {node_name} '{reason}'");
        out.push(SummaryLine {
            change: task,
            subject: node_name,
            details: String::new(),
            reason: act.reason.clone(),
            blocked: false,
            resource: false,
            text,
        });
    }
    for r in cluster.top.clone() {
        log_actions(cluster, r, &mut out);
    }
    let widths = Widths::of(&out);
    for l in out.iter_mut().filter(|l| l.resource) {
        l.text = l.render(&widths);
    }
    out
}

impl SummaryLine {
    fn render(&self, w: &Widths) -> String {
        let reason = match (&self.reason, self.blocked) {
            (Some(r), true) => format!("  due to {r} (blocked)"),
            (Some(r), false) => format!("  due to {r}"),
            (None, true) => "  blocked".to_string(),
            (None, false) => String::new(),
        };
        format!(
            "  * {:<8}   {:<rw$}   ( {:>dw$} ){reason}",
            self.change,
            self.subject,
            self.details,
            rw = w.rsc,
            dw = w.detail
        )
    }
}

fn log_actions(cluster: &mut Cluster, r: RscId, out: &mut Vec<SummaryLine>) {
    if cluster.resources[r].variant == Variant::Bundle {
        for x in crate::bundle::log_order(cluster, r) {
            log_actions(cluster, x, out);
        }
        return;
    }
    if !cluster.resources[r].children.is_empty() {
        // Instances in the working list's order: placement and promotion
        // sort it by preference, probing puts it back in instance order
        // (see `actions::create_probe`), as in Pacemaker.
        for c in cluster.resources[r].children.clone() {
            log_actions(cluster, c, out);
        }
        return;
    }
    let next = cluster.resources[r].assigned;
    let mut current = None;
    if !cluster.resources[r].running_on.is_empty() {
        current = crate::actions::current_node(cluster, r);
        if cluster.resources[r].role == Role::Stopped {
            cluster.resources[r].role = Role::Started;
        }
    }
    if current.is_none() && cluster.resources[r].orphan {
        return;
    }
    rsc_action(cluster, r, current, next, out);
}

fn first_of(cluster: &mut Cluster, r: RscId, task: Task, node: Option<NodeId>) -> Option<ActionId> {
    find_actions(cluster, r, task, 0, node).first().copied()
}

fn rsc_action(
    cluster: &mut Cluster,
    r: RscId,
    current: Option<NodeId>,
    next: Option<NodeId>,
    out: &mut Vec<SummaryLine>,
) {
    if !cluster.resources[r].managed || (current.is_none() && next.is_none()) {
        return;
    }
    let moving = current.is_some() && next.is_some() && current != next;
    let start = first_of(cluster, r, Task::Start, next);
    let start_node = match start {
        Some(s) if cluster.actions[s].runnable() => current,
        _ => None,
    };
    // Of several stops (a resource active on more than one node), the one
    // created first is the one reported on (and whose runnability shows).
    let mut stop = find_actions(cluster, r, Task::Stop, 0, start_node)
        .last()
        .copied();
    if stop.is_none() && cluster.resources[r].stop_unexpected {
        stop = first_of(cluster, r, Task::Stop, None);
    }
    let promote = first_of(cluster, r, Task::Promote, next);
    let demote = first_of(cluster, r, Task::Demote, next);
    let rsc = &cluster.resources[r];
    let (role, next_role) = (rsc.role, rsc.next_role);
    let failed = rsc.failed;
    let optional =
        |cluster: &Cluster, a: Option<ActionId>| a.is_none_or(|a| cluster.actions[a].optional());
    let runnable = |cluster: &Cluster, a: ActionId| cluster.actions[a].runnable();

    if role == next_role {
        let migrate = first_of(cluster, r, Task::MigrateFrom, next);
        if let Some(m) = migrate
            && current.is_some()
            && runnable(cluster, m)
        {
            item(
                cluster,
                "Migrate",
                r,
                current,
                next,
                start.or(Some(m)),
                None,
                out,
            );
        } else if cluster.resources[r].reload {
            item(cluster, "Reload", r, current, next, start, None, out);
        } else if optional(cluster, start) {
            if let (Some(d), Some(p)) = (demote, promote)
                && !cluster.actions[d].optional()
                && !cluster.actions[p].optional()
            {
                item(
                    cluster,
                    "Re-promote",
                    r,
                    current,
                    next,
                    Some(p),
                    Some(d),
                    out,
                );
            }
        } else if let Some(s) = start
            && !runnable(cluster, s)
        {
            let source = match stop {
                Some(st) if cluster.actions[st].reason.is_some() => Some(st),
                _ => Some(s),
            };
            item(
                cluster,
                "Stop",
                r,
                current,
                None,
                stop.or(Some(s)),
                source,
                out,
            );
        } else if moving && current.is_some() {
            item(
                cluster,
                if failed { "Recover" } else { "Move" },
                r,
                current,
                next,
                stop.or(start),
                None,
                out,
            );
        } else if failed {
            item(
                cluster,
                "Recover",
                r,
                current,
                None,
                stop.or(start),
                None,
                out,
            );
        } else {
            item(cluster, "Restart", r, current, next, start, None, out);
        }
        return;
    }

    let start_unrunnable = start.is_some_and(|s| !runnable(cluster, s));
    if stop.is_some() && (next_role == Role::Stopped || start_unrunnable) {
        for n in cluster.resources[r].running_on.clone() {
            let stop_op = first_of(cluster, r, Task::Stop, Some(n));
            let source = match stop_op {
                Some(st) if cluster.actions[st].reason.is_some() => Some(st),
                _ => start,
            };
            if let Some(a) = stop_op.or(start) {
                item(cluster, "Stop", r, Some(n), None, Some(a), source, out);
            }
        }
    } else if stop.is_some() && failed && cluster.resources[r].stop_needed {
        item(cluster, "Recover", r, current, next, stop, start, out);
    } else if moving {
        item(cluster, "Move", r, current, next, stop, None, out);
    } else if cluster.resources[r].reload {
        item(cluster, "Reload", r, current, next, start, None, out);
    } else if stop.is_some_and(|s| !cluster.actions[s].optional()) {
        item(cluster, "Restart", r, current, next, start, None, out);
    } else if role == Role::Promoted {
        item(cluster, "Demote", r, current, next, demote, None, out);
    } else if next_role == Role::Promoted {
        item(cluster, "Promote", r, current, next, promote, None, out);
    } else if role == Role::Stopped && next_role > Role::Stopped {
        item(cluster, "Start", r, current, next, start, None, out);
    }
}

#[allow(clippy::too_many_arguments)]
fn item(
    cluster: &Cluster,
    change: &str,
    r: RscId,
    origin: Option<NodeId>,
    destination: Option<NodeId>,
    action: Option<ActionId>,
    source: Option<ActionId>,
    out: &mut Vec<SummaryLine>,
) {
    let Some(action) = action else { return };
    let rsc = &cluster.resources[r];
    let source = source.unwrap_or(action);
    let id = rsc.id.clone();
    let need_role = rsc.role > Role::Started || rsc.next_role > Role::Unpromoted;
    let same_host = origin.is_some() && origin == destination;
    let same_role = rsc.role == rsc.next_role;
    let name = |n: Option<NodeId>| n.map(|n| cluster.nodes[n].name.clone()).unwrap_or_default();
    let (role, next_role) = (rsc.role.name(), rsc.next_role.name());
    let details = if need_role && origin.is_none() {
        format!("{role} -> {next_role} {}", name(destination))
    } else if origin.is_none() {
        name(destination)
    } else if need_role && destination.is_none() {
        format!("{role} {}", name(origin))
    } else if destination.is_none() {
        name(origin)
    } else if need_role && same_role && same_host {
        format!("{role} {}", name(origin))
    } else if same_role && same_host {
        name(origin)
    } else if need_role && same_role {
        format!("{} -> {} {role}", name(origin), name(destination))
    } else if same_role {
        format!("{} -> {}", name(origin), name(destination))
    } else if same_host {
        format!("{role} -> {next_role} {}", name(origin))
    } else {
        format!(
            "{role} {} -> {next_role} {}",
            name(origin),
            name(destination)
        )
    };
    let runnable = cluster.actions[action].runnable();
    out.push(SummaryLine {
        change: change.to_string(),
        subject: id,
        details,
        reason: cluster.actions[source].reason.clone(),
        blocked: !runnable,
        resource: true,
        text: String::new(),
    });
}
