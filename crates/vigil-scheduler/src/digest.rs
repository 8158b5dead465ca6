//! Operation digests: detecting that a resource's definition changed since
//! an operation ran, so it is restarted (or reloaded, or its monitor
//! rescheduled).
//!
//! Each history entry records `op-digest`: the MD5 of the parameters the
//! operation ran with, as an XML element `<parameters name="value" .../>`
//! with attributes sorted by name (recurring operations also carry
//! `CRM_meta_timeout`), serialized like the CIB digest (a leading space
//! and a trailing newline). `op-restart-digest` covers only the parameters
//! listed in `op-force-restart` (those that need a restart rather than a
//! reload).

use std::collections::BTreeMap;

use vigil_cib::nvset::evaluate_sets;
use vigil_cib::rule::RuleContext;
use vigil_cib::status::LrmOp;
use vigil_cib::time::parse_msec;
use vigil_xml::Element;

use crate::actions::{custom_action, set_reason, stop_action};
use crate::cluster::*;

/// The outcome of comparing a recorded digest with the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DigestResult {
    Match,
    /// Parameters that need a restart changed.
    Restart,
    /// Some parameters changed (a reload may do).
    All,
    /// No digest was recorded.
    Unknown,
}

/// A resource's parameters as evaluated for a node.
pub(crate) fn params_on(cluster: &Cluster, r: RscId, n: NodeId) -> BTreeMap<String, String> {
    let rsc = &cluster.resources[r];
    let ctx = RuleContext {
        now: Some(&cluster.now),
        node_attrs: Some(&cluster.nodes[n].attrs),
        ..Default::default()
    };
    let mut params = evaluate_sets(&rsc.instance_sets, &ctx, None);
    if rsc.instance_sets.is_empty() {
        params = rsc.params.clone();
    }
    crate::bundle::resolve_connection_address(cluster, r, &mut params);
    params
}

fn md5_of_parameters(params: &BTreeMap<String, String>) -> String {
    let mut e = Element::new("parameters");
    e.attrs = params.iter().collect();
    e.digest()
}

/// The configured timeout of an operation, in milliseconds.
pub(crate) fn op_timeout_ms(cluster: &Cluster, r: RscId, task: &str, interval_ms: u64) -> u64 {
    let settings = crate::failures::op_settings(cluster, r, task, interval_ms);
    settings
        .get("timeout")
        .and_then(|t| parse_msec(t))
        .unwrap_or(20_000)
}

struct Digests {
    all: String,
    restart: Option<String>,
    secure: String,
    has_extras: bool,
}

/// Parameters Pacemaker adds for fence devices (not part of agents' own
/// parameters; older DCs left them out of secure digests).
fn is_fence_param(name: &str) -> bool {
    if matches!(name, "provides" | "stonith-timeout") {
        return true;
    }
    let Some(rest) = name.strip_prefix("pcmk_") else {
        return false;
    };
    if matches!(
        name,
        "pcmk_action_limit"
            | "pcmk_delay_base"
            | "pcmk_delay_max"
            | "pcmk_host_argument"
            | "pcmk_host_check"
            | "pcmk_host_list"
            | "pcmk_host_map"
    ) {
        return true;
    }
    match rest.find('_') {
        Some(i) => matches!(&rest[i..], "_action" | "_timeout" | "_retries"),
        None => false,
    }
}

fn compute(
    cluster: &Cluster,
    r: RscId,
    n: NodeId,
    task: &str,
    interval_ms: u64,
    op: &LrmOp,
) -> Digests {
    let mut params = params_on(cluster, r, n);
    let mut has_extras = false;
    if let Some(def) = crate::failures::find_op_def(&cluster.resources[r], task, interval_ms) {
        let ctx = RuleContext {
            now: Some(&cluster.now),
            node_attrs: Some(&cluster.nodes[n].attrs),
            ..Default::default()
        };
        let extras = evaluate_sets(&def.instance, &ctx, None);
        has_extras = !extras.is_empty();
        for (k, v) in extras {
            params.insert(k, v);
        }
    }
    if interval_ms > 0 {
        params.insert(
            "CRM_meta_timeout".into(),
            op_timeout_ms(cluster, r, task, interval_ms).to_string(),
        );
    }
    params.retain(|k, _| {
        !matches!(
            k.as_str(),
            "id" | "crm_feature_set" | "op-digest" | "pcmk_external_ip"
        )
    });
    let all = md5_of_parameters(&params);
    let restart = op.attr("op-restart-digest").map(|_| {
        let mut restart_params = params.clone();
        if let Some(list) = op.attr("op-force-restart") {
            let names: Vec<&str> = list.split_whitespace().collect();
            restart_params.retain(|k, _| names.contains(&k.as_str()));
        }
        md5_of_parameters(&restart_params)
    });
    // The "secure" digest leaves out private parameters (passwords), so
    // that a CIB with masked passwords does not look changed.
    let old_version =
        vigil_cib::rule::compare_versions(op.attr("crm_feature_set").unwrap_or("0"), "3.16.0")
            == std::cmp::Ordering::Less;
    let secure_list: Vec<&str> = op
        .attr("op-secure-params")
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_default();
    let is_fence = cluster.resources[r]
        .agent
        .as_ref()
        .is_some_and(|a| a.class == "stonith");
    let mut secure_params = params.clone();
    secure_params.retain(|k, _| {
        let secret = secure_list.contains(&k.as_str());
        let old_fence_param = old_version && is_fence && is_fence_param(k);
        let old_timeout = old_version && k == "CRM_meta_timeout";
        !(secret || old_fence_param || old_timeout)
    });
    let secure = md5_of_parameters(&secure_params);
    Digests {
        all,
        restart,
        secure,
        has_extras,
    }
}

fn compare(
    cluster: &Cluster,
    r: RscId,
    n: NodeId,
    task: &str,
    interval_ms: u64,
    op: &LrmOp,
) -> DigestResult {
    let d = compute(cluster, r, n, task, interval_ms, op);
    let result = compare_digests(&d, interval_ms, op);
    // With sanitized inputs (masked passwords), a change only in private
    // parameters is not a change.
    if result != DigestResult::Match
        && cluster.sanitized
        && op.attr("op-secure-digest").is_some_and(|s| s == d.secure)
    {
        return DigestResult::Match;
    }
    result
}

fn compare_digests(d: &Digests, interval_ms: u64, op: &LrmOp) -> DigestResult {
    if let (Some(recorded), Some(calc)) = (op.attr("op-restart-digest"), &d.restart)
        && recorded != calc
    {
        return DigestResult::Restart;
    }
    match op.attr("op-digest") {
        None => DigestResult::Unknown,
        Some(recorded) if recorded != d.all => {
            if interval_ms == 0 && d.has_extras {
                DigestResult::Restart
            } else {
                DigestResult::All
            }
        }
        Some(_) => DigestResult::Match,
    }
}

/// Compare every active resource's history with its current definition
/// and schedule what a change requires.
pub(crate) fn check_config_changes(cluster: &mut Cluster) {
    for n in 0..cluster.nodes.len() {
        let node = &cluster.nodes[n];
        if !(node.maintenance || node.can_run) {
            continue;
        }
        let histories: Vec<NodeHistory> = cluster
            .node_histories
            .iter()
            .filter(|h| h.node == n)
            .cloned()
            .collect();
        for h in histories {
            check_history(cluster, h.rsc, n, &h.lrm);
        }
    }
}

fn check_history(cluster: &mut Cluster, r: RscId, n: NodeId, lrm: &vigil_cib::status::LrmResource) {
    if !cluster.resources[r].is_primitive() {
        return;
    }
    let active = cluster.resources[r].running_on.contains(&n);
    if cluster.resources[r].orphan {
        // The history of a stopped resource that no longer exists goes
        // (not that of surplus instances of a configured resource).
        let base = cluster.resources[r]
            .id
            .split(':')
            .next()
            .unwrap_or_default();
        let configured = cluster
            .resources
            .iter()
            .any(|x| !x.orphan && x.base_id == base);
        if !active
            && !configured
            && cluster.resources[r].parent.is_none()
            && cluster.options.stop_orphan_resources
        {
            delete_history(cluster, r, n);
        }
        return;
    }
    if !active {
        // History of another agent is of another resource.
        if recorded_agent_differs(cluster, r, lrm) {
            delete_history(cluster, r, n);
        }
        return;
    }
    if agent_changed(cluster, r, n, lrm) {
        delete_history(cluster, r, n);
    }
    let mut ops: Vec<&LrmOp> = lrm.ops.iter().collect();
    ops.sort_by_key(|o| if o.call_id < 0 { i64::MAX } else { o.call_id });
    let (start_index, stop_index) = crate::failures::active_range(&ops);
    for (i, op) in ops.iter().enumerate() {
        let i = i as i64;
        if start_index < stop_index || i < start_index {
            continue;
        }
        let task = op.operation();
        let interval = op.interval_ms;
        let maintenance = cluster.resources[r].maintenance || cluster.nodes[n].maintenance;
        if interval > 0 && maintenance {
            cancel_op(cluster, r, n, op);
            continue;
        }
        if interval > 0 || matches!(task, "monitor" | "start" | "promote" | "migrate_from") {
            check_action_definition(cluster, r, n, op);
        }
    }
}

/// A recurring operation that should no longer run is cancelled.
fn cancel_op(cluster: &mut Cluster, r: RscId, n: NodeId, op: &LrmOp) {
    let a = crate::actions::new_action(
        cluster,
        Some(r),
        Task::Cancel,
        op.interval_ms,
        Some(n),
        false,
    );
    cluster.actions[a].task_name = Some(op.operation().to_string());
}

/// Whether the operations of active resource `r` on `n` ran under a
/// definition that has since changed (a recorded digest differs; a missing
/// one proves nothing), so that its failures there will be cleared
/// ("action definition changed") and count for nothing now.
pub(crate) fn failures_predate_definition(cluster: &Cluster, r: RscId, n: NodeId) -> bool {
    if !cluster.resources[r].is_primitive()
        || cluster.resources[r].orphan
        || cluster.resources[r].remote_node.is_some()
        || !cluster.resources[r].running_on.contains(&n)
    {
        return false;
    }
    cluster
        .node_histories
        .iter()
        .filter(|h| h.node == n && h.rsc == r)
        .any(|h| {
            let mut ops: Vec<&LrmOp> = h.lrm.ops.iter().collect();
            ops.sort_by_key(|o| if o.call_id < 0 { i64::MAX } else { o.call_id });
            let (start_index, stop_index) = crate::failures::active_range(&ops);
            ops.iter().enumerate().any(|(i, op)| {
                let i = i as i64;
                if start_index < stop_index || i < start_index {
                    return false;
                }
                let interval = op.interval_ms;
                let task = match op.operation() {
                    "monitor" | "migrate_from" | "promote" if interval == 0 => "start",
                    "start" => "start",
                    t if interval > 0 => t,
                    _ => return false,
                };
                let defined = interval == 0
                    || cluster.resources[r]
                        .ops
                        .iter()
                        .any(|o| o.name == op.operation() && o.interval_ms == interval);
                defined
                    && !matches!(
                        compare(cluster, r, n, task, interval, op),
                        DigestResult::Match | DigestResult::Unknown
                    )
            })
        })
}

fn check_action_definition(cluster: &mut Cluster, r: RscId, n: NodeId, op: &LrmOp) {
    let mut task = op.operation().to_string();
    let interval = op.interval_ms;
    if interval > 0 {
        let defined = cluster.resources[r]
            .ops
            .iter()
            .any(|o| o.name == task && o.interval_ms == interval);
        if !defined {
            if cluster.options.stop_orphan_actions {
                cancel_op(cluster, r, n, op);
            }
            return;
        }
    }
    if interval == 0 && matches!(task.as_str(), "monitor" | "migrate_from" | "promote") {
        task = "start".to_string();
    }
    let Some(t) = Task::parse(&task) else { return };
    let result = compare(cluster, r, n, &task, interval, op);
    react_to_change(cluster, r, n, t, interval, op, result);
    // Failures under the old definition no longer count.
    if result != DigestResult::Match
        && cluster.resources[r].remote_node.is_none()
        && crate::failures::fail_count(cluster, r, n, true, None)
            .0
            .value()
            > 0
    {
        crate::failures::clear_failcount(cluster, r, n, "action definition changed");
    }
}

/// Schedule what a definition change requires: a restart, a reload, or
/// rescheduling a recurring operation.
fn react_to_change(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    t: Task,
    interval: u64,
    op: &LrmOp,
    result: DigestResult,
) {
    match result {
        DigestResult::Match => {}
        DigestResult::Restart => {
            let a = custom_action(cluster, r, t, interval, None, false);
            set_reason(cluster, a, "resource definition change", true);
            crate::fencing::device_changed_unfencing(cluster, r, n, "Device parameters changed");
        }
        DigestResult::All | DigestResult::Unknown => {
            crate::fencing::device_changed_unfencing(
                cluster,
                r,
                n,
                "Device parameters changed (reload)",
            );
            if interval > 0 {
                let a = custom_action(cluster, r, t, interval, Some(n), true);
                cluster.actions[a].flags.set(ActionFlags::RESCHEDULE);
            } else if op.attr("op-restart-digest").is_some() {
                reload(cluster, r, n);
            } else {
                let a = custom_action(cluster, r, t, interval, None, false);
                set_reason(cluster, a, "resource definition change", true);
            }
        }
    }
}

/// Reload the agent instead of restarting (parameters changed that the
/// agent can take without a restart).
fn reload(cluster: &mut Cluster, r: RscId, n: NodeId) {
    let rsc = &cluster.resources[r];
    if !rsc.managed || rsc.failed {
        return;
    }
    if rsc.start_pending {
        stop_action(cluster, r, Some(n), false);
        return;
    }
    cluster.resources[r].reload = true;
    let a = custom_action(cluster, r, Task::Reload, 0, Some(n), false);
    set_reason(cluster, a, "resource definition change", false);
    let flags = OrderFlags::OPTIONAL | OrderFlags::THEN_CANCELS_FIRST;
    crate::ordering::order_action_then_rsc(cluster, a, r, Task::Stop, flags);
    crate::ordering::order_action_then_rsc(cluster, a, r, Task::Demote, flags);
}

/// Whether the history was recorded for another agent than configured.
fn recorded_agent_differs(
    cluster: &Cluster,
    r: RscId,
    lrm: &vigil_cib::status::LrmResource,
) -> bool {
    cluster.resources[r].agent.as_ref().is_some_and(|a| {
        a.class != lrm.class() || a.provider.as_deref() != lrm.provider() || a.kind != lrm.agent()
    })
}

/// Remove a resource's history from a node (after any stop, before any
/// start), unless it failed or the node cannot act.
pub(crate) fn delete_history(cluster: &mut Cluster, r: RscId, n: NodeId) {
    let node = &cluster.nodes[n];
    if cluster.resources[r].failed || !node.online || node.unclean {
        return;
    }
    custom_action(cluster, r, Task::Delete, 0, Some(n), false);
    crate::ordering::order_rsc_tasks(
        cluster,
        r,
        Task::Stop,
        r,
        Task::Delete,
        OrderFlags::OPTIONAL,
    );
    crate::ordering::order_rsc_tasks(
        cluster,
        r,
        Task::Delete,
        r,
        Task::Start,
        OrderFlags::OPTIONAL,
    );
}

/// The agent (class, provider, type) changed: restart the resource.
fn agent_changed(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    lrm: &vigil_cib::status::LrmResource,
) -> bool {
    let Some(agent) = cluster.resources[r].agent.clone() else {
        return false;
    };
    let changed = agent.class != lrm.class()
        || agent.provider.as_deref() != lrm.provider()
        || agent.kind != lrm.agent();
    if changed {
        crate::fencing::device_changed_unfencing(cluster, r, n, "Device definition changed");
        stop_action(cluster, r, Some(n), false);
        cluster.resources[r].start_pending = true;
    }
    changed
}

/// The `op-digest` a run of this operation on `n` records in the history.
pub(crate) fn op_digest(
    cluster: &Cluster,
    r: RscId,
    n: NodeId,
    task: &str,
    interval_ms: u64,
) -> String {
    let blank = LrmOp {
        interval_ms,
        ..Default::default()
    };
    compute(cluster, r, n, task, interval_ms, &blank).all
}
