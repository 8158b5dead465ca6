//! `vigil simulate --output-as json`: the transition for machines — what
//! changes (the summary), every action of the graph and what each waits for.

use serde_json::{Value, json};
use vigil_scheduler::Transition;
use vigil_scheduler::graph::{ActionKind, Synapse};

/// The whole document: summary, actions with their ordering inputs, and
/// (when given) the allocation scores and the simulated execution.
pub fn document(
    t: &Transition,
    now: &str,
    scores: Option<&[String]>,
    executed: Option<&[String]>,
) -> Value {
    let summary: Vec<Value> = t
        .summary
        .iter()
        .map(|l| {
            json!({
                "change": l.change,
                "subject": l.subject,
                "is_resource": l.resource,
                "details": l.details,
                "reason": l.reason,
                "blocked": l.blocked,
            })
        })
        .collect();
    let actions: Vec<Value> = t.graph.synapses.iter().map(|s| action(t, s)).collect();
    let mut doc = json!({
        "scheduled_at": now,
        "summary": summary,
        "actions": actions,
    });
    if let Some(scores) = scores {
        doc["scores"] = json!(scores);
    }
    if let Some(lines) = executed {
        doc["executed"] = json!(lines);
    }
    doc
}

fn action(t: &Transition, s: &Synapse) -> Value {
    let a = &s.action;
    let kind = match a.kind {
        ActionKind::Resource => "resource",
        ActionKind::Pseudo => "pseudo",
        ActionKind::Cluster => "cluster",
    };
    // Inputs by key, so a reader needs no knowledge of synapse numbering.
    let after: Vec<&str> = s
        .inputs
        .iter()
        .map(|&i| t.graph.synapses[i].action.key.as_str())
        .collect();
    json!({
        "id": s.id,
        "key": a.key,
        "kind": kind,
        "task": a.task,
        "resource": a.rsc.as_ref().map(|r| r.history_id.as_str()),
        "node": a.node.as_ref().map(|n| n.name.as_str()),
        "interval_ms": a.interval_ms,
        "target_rc": a.target_rc,
        "priority": s.priority,
        "after": after,
        "after_ids": s.inputs,
        "meta": a.meta,
    })
}
