//! The policy engine: a pure function from a CIB (configuration and
//! current status) to a transition — the actions, and the orderings
//! between them, that bring the cluster to its ideal state — with
//! Pacemaker's semantics.
//!
//! [`schedule`] never touches the network, disk or clock: the time is an
//! argument, and the same inputs give the same transition, byte for byte.

mod actions;
mod bundle;
mod clone;
pub mod cluster;
mod constraints;
mod digest;
pub mod display;
pub mod explain;
mod failures;
mod fencing;
pub mod graph;
mod health;
mod history;
pub mod ledger;
mod migration;
mod notify;
mod notify_actions;
mod ordering;
mod placement;
mod probe_orderings;
mod promotable;
mod remote;
mod schedule;
mod shutdown_lock;
pub mod simulate;
mod stopped_monitor;
pub mod summary;
mod tickets;
mod unpack;
mod utilization;

use vigil_cib::Cib;
use vigil_cib::time::DateTime;

pub use cluster::Cluster;
pub use graph::TransitionGraph;
pub use history::FailedOp;
pub use summary::SummaryLine;

/// The result of scheduling: the working set with every decision made.
#[derive(Debug, Clone)]
pub struct Transition {
    pub cluster: Cluster,
    pub summary: Vec<SummaryLine>,
    /// The actions that will run and the orderings between them.
    pub graph: TransitionGraph,
}

/// The current state of a cluster as a CIB describes it (no decisions).
pub fn current_state(cib: &Cib, now: &DateTime) -> (Cluster, Vec<FailedOp>) {
    schedule::unpack(cib, now, false)
}

/// Compute the transition for a CIB at time `now`.
pub fn schedule(cib: &Cib, now: &DateTime) -> Transition {
    schedule_with(cib, now, false)
}

/// Compute the transition, recording in `cluster.ledger` what made every
/// node score when `record_scores` is set (for [`explain`]).
pub fn schedule_with(cib: &Cib, now: &DateTime, record_scores: bool) -> Transition {
    let (mut cluster, _failed) = schedule::unpack(cib, now, record_scores);
    schedule::schedule_cluster(&mut cluster, cib);
    let summary = summary::summarize(&mut cluster);
    let graph = TransitionGraph::build(&mut cluster);
    Transition {
        cluster,
        summary,
        graph,
    }
}

/// A listing of every action with its flags and orderings (for debugging).
pub fn debug_actions(cluster: &Cluster) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (i, a) in cluster.actions.iter().enumerate() {
        let rsc = a
            .rsc
            .map(|r| cluster.resources[r].id.clone())
            .unwrap_or_else(|| a.key.clone().unwrap_or_default());
        let node = a
            .node
            .map(|n| cluster.nodes[n].name.clone())
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "#{i} {rsc} {}{} on {node} opt={} run={} pseudo={} reason={:?}",
            a.task.name(),
            if a.interval_ms > 0 {
                format!("={}", a.interval_ms)
            } else {
                String::new()
            },
            a.optional(),
            a.runnable(),
            a.pseudo(),
            a.reason
        );
        for e in &a.before {
            let _ = writeln!(out, "    after #{} flags={:#x}", e.action, e.flags.0);
        }
    }
    out
}

/// A listing of every colocation (for debugging).
pub fn debug_colocations(cluster: &Cluster) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (i, c) in cluster.colocations.iter().enumerate() {
        let _ = writeln!(
            out,
            "c{i} {}: {} with {} score={} roles={:?}/{:?}",
            c.id,
            cluster.resources[c.dependent].id,
            cluster.resources[c.primary].id,
            c.score,
            c.dependent_role,
            c.primary_role
        );
    }
    for r in &cluster.resources {
        let _ = writeln!(
            out,
            "{}: dep={:?} pri={:?} role={:?} next={:?} assigned={:?} running={:?} failed={} stop={} managed={} prov={}",
            r.id,
            r.coloc_as_dependent,
            r.coloc_as_primary,
            r.role,
            r.next_role,
            r.assigned,
            r.running_on,
            r.failed,
            r.stop_needed,
            r.managed,
            r.provisional
        );
    }
    out
}
