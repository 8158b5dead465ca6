//! `vigil explain RSC -x FILE`: why a resource is where it is (or
//! stopped), in plain words or as JSON.

use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::{Value, json};
use vigil_cib::Score;
use vigil_scheduler::cluster::Role;
use vigil_scheduler::explain::{
    Contribution, Explanation, Kind, NodeState, NodeView, Outcome, Reason, TieBreak, Verdict,
};
use vigil_scheduler::ledger::{Change, InstanceLimit, Source};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// The resource: a primitive, group, clone, or clone instance (db:0).
    rsc: String,
    /// The CIB to read.
    #[arg(short = 'x', long = "xml-file", value_name = "FILE")]
    xml_file: String,
    /// Schedule as if the time were DATE (ISO 8601).
    #[arg(short = 't', long = "set-datetime", value_name = "DATE")]
    set_datetime: Option<String>,
    /// Output format.
    #[arg(long = "output-as", value_enum, default_value = "text")]
    output_as: Format,
}

pub fn run(args: Args) -> ExitCode {
    let input = match crate::input::load_at("explain", &args.xml_file, args.set_datetime.as_deref())
    {
        Ok(i) => i,
        Err(code) => return code,
    };
    let t = vigil_scheduler::schedule_with(&input.cib, &input.now, true);
    let e = match vigil_scheduler::explain::explain(&t, &args.rsc) {
        Ok(e) => e,
        Err(err) => {
            eprintln!("vigil explain: {}: {err}", args.xml_file);
            // Pacemaker's "no such object".
            return ExitCode::from(105);
        }
    };
    match args.output_as {
        Format::Text => {
            if input.replayed {
                println!("(Scheduled at the CIB's execution date: {})", input.now);
            }
            print!("{}", text(&e));
        }
        Format::Json => {
            let mut v = json(&e);
            v["scheduled_at"] = json!(input.now.to_string());
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
    }
    ExitCode::SUCCESS
}

// ---------------------------------------------------------------- words

/// The whole explanation in plain words.
pub fn text(e: &Explanation) -> String {
    let mut out = String::new();
    write_explanation(&mut out, e, 0, true);
    out
}

fn write_explanation(out: &mut String, e: &Explanation, indent: usize, detailed: bool) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{} {}.", subject(e), headline(e));
    let _ = writeln!(out, "{pad}  Now: {}.", now_words(e));
    for line in &e.planned {
        let _ = writeln!(out, "{pad}  Transition: {line}");
    }
    if e.planned.is_empty() && !matches!(e.kind, Kind::Group { .. }) {
        let _ = writeln!(out, "{pad}  Transition: nothing to do for it.");
    }
    if let Some(p) = e.promotion_score {
        let _ = writeln!(out, "{pad}  Promotion score: {p}.");
    }
    for r in &e.reasons {
        let _ = writeln!(out, "{pad}  Why: {}", reason_words(r));
    }
    match &e.kind {
        Kind::Group { .. } => {
            let _ = writeln!(
                out,
                "{pad}  Members are placed in order, each with the one before it:"
            );
            for p in &e.parts {
                let _ = writeln!(out);
                write_explanation(out, p, indent + 4, detailed);
            }
        }
        Kind::Clone { .. } | Kind::Bundle => {
            if !e.nodes.is_empty() {
                let _ = writeln!(
                    out,
                    "{pad}  The clone's node scores (instances go to the best nodes first):"
                );
                write_nodes(out, &e.nodes, indent + 4, true);
            }
            let _ = writeln!(
                out,
                "{pad}  Instances (explain one by its id, e.g. {}, for its scores):",
                e.parts.first().map(|p| p.id.as_str()).unwrap_or("rsc:0")
            );
            for p in &e.parts {
                write_explanation(out, p, indent + 4, false);
            }
        }
        Kind::Primitive { .. } => {
            let _ = writeln!(
                out,
                "{pad}  Node scores when its node was chosen (the highest usable score wins):"
            );
            write_nodes(out, &e.nodes, indent + 4, detailed);
        }
    }
}

fn write_nodes(out: &mut String, nodes: &[NodeView], indent: usize, detailed: bool) {
    let pad = " ".repeat(indent);
    // Nodes with the same score, contributions and verdict share one entry.
    let mut groups: Vec<(Vec<&str>, &NodeView)> = Vec::new();
    for v in nodes {
        let same = |g: &&mut (Vec<&str>, &NodeView)| {
            g.1.score == v.score && g.1.contributions == v.contributions && g.1.verdict == v.verdict
        };
        match groups.iter_mut().find(same) {
            Some(g) => g.0.push(&v.node),
            None => groups.push((vec![&v.node], v)),
        }
    }
    for (names, v) in groups {
        // Compact: the chosen node's sum, one line for the others.
        let show_parts = detailed || matches!(v.verdict, Verdict::Chosen | Verdict::Kept);
        let score = v
            .score
            .map(|s| format!("score {s}"))
            .unwrap_or_else(|| "no score".into());
        let _ = writeln!(
            out,
            "{pad}{}: {score} -> {}",
            names.join(", "),
            verdict_words(&v.verdict, names.len() > 1)
        );
        if show_parts {
            for c in &v.contributions {
                let _ = writeln!(
                    out,
                    "{pad}    {:>10}  {}",
                    change_words(c.change),
                    source_words(&c.source)
                );
            }
        }
    }
}

fn subject(e: &Explanation) -> String {
    let mut s = match &e.kind {
        Kind::Primitive { agent } if agent.is_empty() => format!("Resource {}", e.id),
        Kind::Primitive { agent } => format!("Resource {} ({agent})", e.id),
        Kind::Group { members } => format!(
            "Group {} ({members} member{})",
            e.id,
            if *members == 1 { "" } else { "s" }
        ),
        Kind::Clone {
            promotable,
            max,
            node_max,
        } => format!(
            "{} {} (clone-max {max}, clone-node-max {node_max})",
            if *promotable {
                "Promotable clone"
            } else {
                "Clone"
            },
            e.id
        ),
        Kind::Bundle => format!("Bundle {}", e.id),
    };
    if let Some(g) = &e.group {
        let _ = write!(s, ", member of group {g},");
    }
    if let Some(c) = &e.clone_of
        && e.group.is_none()
    {
        let _ = write!(s, ", instance of {c},");
    }
    s
}

fn role_suffix(role: Role) -> &'static str {
    match role {
        Role::Promoted => " as Promoted",
        Role::Unpromoted => " as Unpromoted",
        _ => "",
    }
}

fn headline(e: &Explanation) -> String {
    let now = &e.current.nodes;
    match &e.outcome {
        Outcome::Runs { node, role } => {
            let role = role_suffix(*role);
            let blocked = e.reasons.iter().any(|r| {
                matches!(r, Reason::ActionBlocked { action, .. } if action.starts_with("start "))
            });
            if e.reasons.contains(&Reason::Blocked) {
                format!("is blocked on {node}: a failure keeps the cluster from touching it")
            } else if blocked {
                format!("is placed on {node}{role}, but cannot start there")
            } else if now.len() == 1 && now[0] == *node {
                format!("will stay on {node}{role}")
            } else if now.is_empty() {
                format!("will start on {node}{role}")
            } else {
                format!("will move from {} to {node}{role}", now.join(", "))
            }
        }
        Outcome::RunsOn { nodes } => format!("will run on {}", nodes.join(", ")),
        Outcome::Stopped if now.is_empty() => "will stay stopped".into(),
        Outcome::Stopped => format!("will stop (it is active on {})", now.join(", ")),
        Outcome::LeftAlone { node: Some(n) } if e.reasons.contains(&Reason::Blocked) => {
            format!("is blocked on {n}: a failure keeps the cluster from touching it")
        }
        Outcome::LeftAlone { node: Some(n) } => {
            format!("is left as it is, on {n}: the cluster does not manage it")
        }
        Outcome::LeftAlone { node: None } => {
            "is left as it is, stopped: the cluster does not manage it".into()
        }
    }
}

fn now_words(e: &Explanation) -> String {
    let c = &e.current;
    let mut s = if c.nodes.is_empty() {
        "stopped".to_string()
    } else {
        let role = match c.role {
            Role::Promoted => "Promoted",
            Role::Unpromoted => "Unpromoted",
            _ => "active",
        };
        format!("{role} on {}", c.nodes.join(", "))
    };
    if c.failed {
        s.push_str(", failed");
    }
    for (node, count) in &c.fail_counts {
        let _ = write!(s, "; fail count {count} on {node}");
        if c.migration_threshold > 0 {
            let _ = write!(s, " (migration-threshold {})", c.migration_threshold);
        }
    }
    s
}

fn reason_words(r: &Reason) -> String {
    match r {
        Reason::TargetRoleStopped => "target-role is Stopped: it is disabled.".into(),
        Reason::StopAllResources => "the cluster option stop-all-resources is set.".into(),
        Reason::Unmanaged { maintenance: true } => {
            "it is in maintenance mode: the cluster does not start, stop or move it.".into()
        }
        Reason::Unmanaged { maintenance: false } => {
            "it is not managed (is-managed=false): the cluster does not start, stop or move it."
                .into()
        }
        Reason::NoFencingDevice => "fencing is enabled (stonith-enabled) but no fencing device \
             is configured, so the cluster manages no resource."
            .into(),
        Reason::Blocked => {
            "a failure blocks it (on-fail=block, or a stop failed and cannot be fenced).".into()
        }
        Reason::ThresholdReached { nodes, threshold } => format!(
            "it failed too often: the fail count reached migration-threshold={threshold} on {}.",
            nodes.join(", ")
        ),
        Reason::NoNodeAvailable => {
            "no node can run it: every node is unavailable, not allowed, or has a negative score."
                .into()
        }
        Reason::BannedEverywhere { sources } => format!(
            "every node that could run it is ruled out: {}.",
            sources
                .iter()
                .map(source_words)
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Reason::Imposed => {
            "it was not placed by score: it must follow a resource that is not placed.".into()
        }
        Reason::ActionBlocked { action, cause } => format!("the {action} cannot run: {cause}."),
        Reason::CloneMaxReached { max } => {
            format!("clone-max={max} instances are already placed.")
        }
        Reason::PromotedMaxReached { max } => format!(
            "not promoted: promoted-max={max} instances with higher promotion scores are promoted."
        ),
        Reason::PromotedNodeMaxReached { max } => format!(
            "not promoted: its node already has promoted-node-max={max} promoted instance(s)."
        ),
        Reason::NoPromotionScore => {
            "not promoted: it has no usable promotion score on its node.".into()
        }
        Reason::NotPromoted => "not promoted: other instances were preferred for promotion.".into(),
    }
}

/// A node's verdict (`many`: said of several nodes at once).
fn verdict_words(v: &Verdict, many: bool) -> String {
    match v {
        Verdict::Chosen => "chosen".into(),
        Verdict::Kept => "kept: it stays here without being chosen".into(),
        Verdict::Unavailable(state) => {
            let state = match state {
                NodeState::Unclean => "unclean (it must be fenced)",
                NodeState::Offline => "offline",
                NodeState::Pending => "pending (joining the cluster)",
                NodeState::Standby { on_fail: false } => "in standby",
                NodeState::Standby { on_fail: true } => {
                    "in standby (a failure with on-fail=standby)"
                }
                NodeState::Maintenance => "in maintenance",
                NodeState::ShuttingDown => "shutting down",
            };
            let node = if many { "each node" } else { "the node" };
            format!("not allowed: {node} is {state}")
        }
        Verdict::NotAllowed { symmetric: false } => "not allowed: the cluster is opt-in \
             (symmetric-cluster=false) and no location constraint enables this node"
            .into(),
        Verdict::NotAllowed { symmetric: true } => "not allowed on this node".into(),
        Verdict::Banned => "not allowed: negative score".into(),
        Verdict::LowerScore {
            winner,
            winner_score,
        } => format!("lower than {winner} ({winner_score})"),
        Verdict::TieBreak { winner, why } => {
            let why = match why {
                TieBreak::FewerResources {
                    winner: w,
                    loser: l,
                } => {
                    format!("{winner} had fewer resources placed on it at that point ({w} vs {l})")
                }
                TieBreak::CurrentNode => format!("it is active on {winner}"),
                TieBreak::MoreCapacity => format!("{winner} had more free capacity"),
                TieBreak::NameOrder => format!("node names decide last ({winner} first)"),
            };
            format!("same score as {winner}, which won the tie-break: {why}")
        }
        Verdict::NotChosen => "not chosen".into(),
    }
}

fn change_words(c: Change) -> String {
    match c {
        Change::Add(s) if s.value() > 0 => format!("+{s}"),
        Change::Add(s) => s.to_string(),
        Change::Set(s) => format!("= {s}"),
        Change::Remove => "removed".into(),
    }
}

fn role_words(role: Option<Role>) -> String {
    role.map(|r| format!(" [{}]", r.name())).unwrap_or_default()
}

/// What a ledger source means, in words.
pub fn source_words(s: &Source) -> String {
    match s {
        Source::SymmetricDefault => "default: every node starts at 0 (symmetric cluster)".into(),
        Source::Location {
            id,
            rule,
            score_attribute,
            role,
        } => {
            let mut w = format!("location constraint {id}");
            if let Some(r) = rule {
                let _ = write!(w, ", rule {r}");
            }
            if let Some(a) = score_attribute {
                let _ = write!(w, " (score from node attribute {a})");
            }
            if let Some(r) = role {
                let _ = write!(w, " (for role {})", r.name());
            }
            w
        }
        Source::NodeHealth { strategy } => {
            format!("node health (node-health-strategy={strategy})")
        }
        Source::Stickiness { value } => {
            format!("resource-stickiness={value}: it is active on this node")
        }
        Source::FailureBan {
            fail_count,
            threshold,
        } => {
            format!("failed here: fail count {fail_count} reached migration-threshold={threshold}")
        }
        Source::FailureHistory { what } => match what.as_str() {
            "__stop_fail__" => "a stop failed here".into(),
            "hard-error" => "a hard error here (the agent cannot run it on this node)".into(),
            "fatal-error" => "a fatal error (it may run nowhere)".into(),
            other => format!("a failure ({other})"),
        },
        Source::ExclusiveDiscovery => {
            "resource-discovery=exclusive: this node is not among the exclusive ones".into()
        }
        Source::Unmanaged => "unmanaged: it stays where it is active".into(),
        Source::ShutdownLock => {
            "shutdown lock: locked to the node that shut down while it ran there".into()
        }
        Source::MultipleActive => {
            "active on several nodes with multiple-active=stop_only: stopped everywhere".into()
        }
        Source::Ticket { constraint, ticket } => {
            format!("ticket {ticket} is not granted (rsc_ticket {constraint})")
        }
        Source::Stopping { target_role: true } => "target-role is Stopped".into(),
        Source::Stopping { target_role: false } => {
            "it is to be stopped (a failure's on-fail policy)".into()
        }
        Source::Colocation {
            id,
            with,
            score,
            with_node,
            role,
            with_role,
        } => {
            let place = match with_node {
                Some(n) => format!("on {n}"),
                None => "not running".into(),
            };
            if id == "group:internal_colocation" {
                format!("group: must be with the member before it, {with} ({place})")
            } else {
                format!(
                    "colocation {id}{}: with {with}{} ({place}), score {score}",
                    role_words(*role),
                    role_words(*with_role)
                )
            }
        }
        Source::Dependents {
            id,
            dependent,
            score,
        } => {
            if id == "group:internal_colocation" {
                format!("preferences of {dependent}, the group member after it")
            } else if score.value() < 0 {
                format!(
                    "pushed away from where {dependent} prefers to be \
                     ({id}: {dependent} apart from it, score {score})"
                )
            } else {
                format!(
                    "pulled toward where {dependent} prefers to be \
                     ({id}: {dependent} with it, score {score})"
                )
            }
        }
        Source::Utilization { needed, free } => {
            let short: Vec<String> = needed
                .iter()
                .filter(|&(k, v)| free.get(k).copied().unwrap_or(0) < *v)
                .map(|(k, v)| format!("{k} needs {v}, {} free", free.get(k).copied().unwrap_or(0)))
                .collect();
            format!("not enough free capacity: {}", short.join(", "))
        }
        Source::CloneLimit(limit) => match limit {
            InstanceLimit::NodeUnavailable => {
                "clone instance: the node cannot run resources".into()
            }
            InstanceLimit::Orphan => "clone instance: orphaned (no longer configured)".into(),
            InstanceLimit::CloneNotAllowed => {
                "clone instance: the clone is not allowed on this node".into()
            }
            InstanceLimit::CloneScoreNegative => {
                "clone instance: the clone's score on this node is negative".into()
            }
            InstanceLimit::NodeFull { node_max } => {
                format!("clone instance: clone-node-max={node_max} instances already here")
            }
            InstanceLimit::CloneMaxReached { max } => {
                format!("clone instance: clone-max={max} instances already placed")
            }
        },
        Source::PromotionScore => "promotion score set by the resource agent".into(),
        Source::PromotionPriority => "promotion priorities of the clone's instances".into(),
        Source::RemoteNode => {
            "connections and fence devices never run on remote or guest nodes".into()
        }
        Source::Container { container } => format!("runs only where container {container} is"),
        Source::Bundle { bundle, what } => format!("bundle {bundle}: {what}"),
        Source::Unattributed => "other adjustment (not itemised)".into(),
    }
}

// ----------------------------------------------------------------- JSON

fn score_json(s: Score) -> Value {
    json!(s.to_string())
}

fn role_json(r: Role) -> Value {
    json!(r.name())
}

/// The explanation as JSON (scores as strings: "INFINITY", "-5").
pub fn json(e: &Explanation) -> Value {
    let kind = match &e.kind {
        Kind::Primitive { agent } => json!({"type": "primitive", "agent": agent}),
        Kind::Group { members } => json!({"type": "group", "members": members}),
        Kind::Clone {
            promotable,
            max,
            node_max,
        } => json!({
            "type": "clone", "promotable": promotable,
            "clone_max": max, "clone_node_max": node_max,
        }),
        Kind::Bundle => json!({"type": "bundle"}),
    };
    let outcome = match &e.outcome {
        Outcome::Runs { node, role } => {
            json!({"state": "runs", "node": node, "role": role_json(*role)})
        }
        Outcome::RunsOn { nodes } => json!({"state": "runs", "nodes": nodes}),
        Outcome::Stopped => json!({"state": "stopped"}),
        Outcome::LeftAlone { node } => json!({"state": "unmanaged", "node": node}),
    };
    let fail_counts: serde_json::Map<String, Value> = e
        .current
        .fail_counts
        .iter()
        .map(|(n, c)| (n.clone(), score_json(*c)))
        .collect();
    json!({
        "resource": e.id,
        "kind": kind,
        "clone": e.clone_of,
        "group": e.group,
        "current": {
            "nodes": e.current.nodes,
            "role": role_json(e.current.role),
            "failed": e.current.failed,
            "fail_counts": fail_counts,
            "migration_threshold": e.current.migration_threshold,
        },
        "outcome": outcome,
        "next_role": role_json(e.next_role),
        "reasons": e.reasons.iter().map(|r| json!({"text": reason_words(r)})).collect::<Vec<_>>(),
        "transition": e.planned,
        "promotion_score": e.promotion_score.map(score_json),
        "nodes": e.nodes.iter().map(node_json).collect::<Vec<_>>(),
        "parts": e.parts.iter().map(json).collect::<Vec<_>>(),
    })
}

fn node_json(v: &NodeView) -> Value {
    json!({
        "node": v.node,
        "score": v.score.map(score_json),
        "verdict": verdict_words(&v.verdict, false),
        "chosen": v.verdict == Verdict::Chosen,
        "contributions": v.contributions.iter().map(contribution_json).collect::<Vec<_>>(),
    })
}

fn contribution_json(c: &Contribution) -> Value {
    let (op, score) = match c.change {
        Change::Add(s) => ("add", Some(s)),
        Change::Set(s) => ("set", Some(s)),
        Change::Remove => ("remove", None),
    };
    json!({
        "op": op,
        "score": score.map(score_json),
        "source": source_json(&c.source),
        "text": source_words(&c.source),
    })
}

fn source_json(s: &Source) -> Value {
    match s {
        Source::SymmetricDefault => json!({"type": "symmetric-default"}),
        Source::Location {
            id,
            rule,
            score_attribute,
            role,
        } => json!({
            "type": "location", "id": id, "rule": rule,
            "score_attribute": score_attribute, "role": role.map(role_json),
        }),
        Source::NodeHealth { strategy } => json!({"type": "node-health", "strategy": strategy}),
        Source::Stickiness { value } => json!({"type": "stickiness", "value": score_json(*value)}),
        Source::FailureBan {
            fail_count,
            threshold,
        } => json!({
            "type": "migration-threshold", "fail_count": score_json(*fail_count),
            "threshold": threshold,
        }),
        Source::FailureHistory { what } => json!({"type": "failure", "what": what}),
        Source::ExclusiveDiscovery => json!({"type": "exclusive-discovery"}),
        Source::Unmanaged => json!({"type": "unmanaged"}),
        Source::ShutdownLock => json!({"type": "shutdown-lock"}),
        Source::MultipleActive => json!({"type": "multiple-active"}),
        Source::Ticket { constraint, ticket } => {
            json!({"type": "ticket", "constraint": constraint, "ticket": ticket})
        }
        Source::Stopping { target_role } => {
            json!({"type": "stopping", "target_role": target_role})
        }
        Source::Colocation {
            id,
            with,
            score,
            with_node,
            role,
            with_role,
        } => json!({
            "type": "colocation", "id": id, "with": with, "score": score_json(*score),
            "with_node": with_node, "role": role.map(role_json),
            "with_role": with_role.map(role_json),
        }),
        Source::Dependents {
            id,
            dependent,
            score,
        } => json!({
            "type": "dependents", "id": id, "dependent": dependent,
            "score": score_json(*score),
        }),
        Source::Utilization { needed, free } => {
            json!({"type": "utilization", "needed": needed, "free": free})
        }
        Source::CloneLimit(l) => json!({"type": "clone-limit", "limit": format!("{l:?}")}),
        Source::PromotionScore => json!({"type": "promotion-score"}),
        Source::PromotionPriority => json!({"type": "promotion-priority"}),
        Source::RemoteNode => json!({"type": "remote-node"}),
        Source::Container { container } => json!({"type": "container", "container": container}),
        Source::Bundle { bundle, what } => {
            json!({"type": "bundle", "bundle": bundle, "what": what})
        }
        Source::Unattributed => json!({"type": "unattributed"}),
    }
}
