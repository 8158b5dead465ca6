//! Failure handling: `on-fail` policies, fail counts, failure expiry,
//! bans caused by failures, and multiply-active resources.

use vigil_cib::nvset::evaluate_sets;
use vigil_cib::rule::RuleContext;
use vigil_cib::status::LrmOp;
use vigil_cib::{Score, parse_bool};

use crate::cluster::*;

/// The settings of one operation of a resource: the `<op>` definition (if
/// any) merged with `op_defaults`.
pub(crate) fn op_settings(
    cluster: &Cluster,
    r: RscId,
    task: &str,
    interval_ms: u64,
) -> std::collections::BTreeMap<String, String> {
    let rsc = &cluster.resources[r];
    let mut out = std::collections::BTreeMap::new();
    if let Some(def) = find_op_def(rsc, task, interval_ms) {
        for (k, v) in &def.attrs {
            out.insert(k.clone(), v.clone());
        }
        let ctx = RuleContext {
            now: Some(&cluster.now),
            ..Default::default()
        };
        for (k, v) in evaluate_sets(&def.meta, &ctx, None) {
            out.entry(k).or_insert(v);
        }
    }
    let agent = rsc.agent.as_ref();
    let ctx = RuleContext {
        now: Some(&cluster.now),
        rsc_agent: agent.map(|a| (a.class.as_str(), a.provider.as_deref(), a.kind.as_str())),
        op: Some((task, interval_ms)),
        ..Default::default()
    };
    for (k, v) in evaluate_sets(&cluster.op_defaults, &ctx, None) {
        out.entry(k).or_insert(v);
    }
    out
}

/// The `<op>` definition for a task and interval (monitors also match by role-less definitions).
pub(crate) fn find_op_def<'a>(
    rsc: &'a Resource,
    task: &str,
    interval_ms: u64,
) -> Option<&'a vigil_cib::config::OpDef> {
    let task = if task == "reload-agent" {
        "reload"
    } else {
        task
    };
    rsc.ops
        .iter()
        .find(|o| o.name == task && o.interval_ms == interval_ms)
}

/// Whether an `<op>` is enabled (`enabled=false` disables recurring monitors).
pub(crate) fn op_enabled(def: &vigil_cib::config::OpDef) -> bool {
    def.attrs
        .get("enabled")
        .and_then(|v| parse_bool(v))
        .unwrap_or(true)
}

/// The `on-fail` response configured (or defaulted) for an operation.
pub(crate) fn op_on_fail(
    cluster: &Cluster,
    r: RscId,
    task: &str,
    interval_ms: u64,
    _key: Option<&str>,
) -> OnFail {
    let settings = op_settings(cluster, r, task, interval_ms);
    let value = settings.get("on-fail").map(|s| s.to_ascii_lowercase());
    let rsc = &cluster.resources[r];
    let parsed = match value.as_deref() {
        Some("block") => Some(OnFail::Block),
        Some("fence") => {
            if cluster.options.stonith_enabled {
                Some(OnFail::Fence)
            } else {
                Some(OnFail::Stop)
            }
        }
        Some("standby") => Some(OnFail::Standby),
        Some("ignore") | Some("nothing") => Some(OnFail::Ignore),
        Some("migrate") => Some(OnFail::Restart),
        Some("stop") => Some(OnFail::Stop),
        Some("restart") => Some(OnFail::Restart),
        Some("restart-container") => {
            if rsc.container.is_some() {
                Some(OnFail::RestartContainer)
            } else {
                Some(OnFail::Restart)
            }
        }
        Some("demote") => Some(OnFail::Demote),
        _ => None,
    };
    if let Some(f) = parsed {
        // "demote" only makes sense for promote-related actions.
        if f == OnFail::Demote
            && !(task == "promote" || (task == "monitor" && is_promoted_monitor(rsc, interval_ms)))
        {
            return OnFail::Restart;
        }
        return f;
    }
    if rsc.is_remote_connection() && task == "monitor" && interval_ms > 0 {
        return OnFail::Reset;
    }
    // Whatever fails inside a container is dealt with by restarting the
    // container, even a stop.
    if rsc.container.is_some() && !rsc.is_remote_connection() {
        return OnFail::RestartContainer;
    }
    if task == "stop" {
        return if cluster.options.stonith_enabled {
            OnFail::Fence
        } else {
            OnFail::Block
        };
    }
    OnFail::Restart
}

fn is_promoted_monitor(rsc: &Resource, interval_ms: u64) -> bool {
    rsc.ops.iter().any(|o| {
        o.name == "monitor"
            && o.interval_ms == interval_ms
            && o.role.as_deref().and_then(Role::parse) == Some(Role::Promoted)
    })
}

impl Resource {
    /// An `ocf:pacemaker:remote` connection resource.
    pub fn is_remote_connection(&self) -> bool {
        self.agent.as_ref().is_some_and(|a| {
            a.class == "ocf" && a.provider.as_deref() == Some("pacemaker") && a.kind == "remote"
        })
    }
}

/// The id fail counts are recorded under: anonymous clone instances use
/// the configured id (older versions appended an instance number, which
/// any instance then matches), everything else its own id.
fn failcount_id(cluster: &Cluster, r: RscId) -> (String, bool) {
    let rsc = &cluster.resources[r];
    if crate::history::is_anonymous_instance(cluster, r) {
        (rsc.base_id.clone(), true)
    } else {
        (rsc.id.clone(), false)
    }
}

/// Whether a transient attribute name is `PREFIX-ID[:N][#OP]` for this
/// resource, and if so what follows the `#` (if anything).
fn failure_attr_suffix<'k>(
    name: &'k str,
    prefix: &str,
    id: &str,
    any_instance: bool,
) -> Option<Option<&'k str>> {
    let mut rest = name
        .strip_prefix(prefix)?
        .strip_prefix('-')?
        .strip_prefix(id)?;
    if any_instance && let Some(after) = rest.strip_prefix(':') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &after[digits..];
    }
    if rest.is_empty() {
        Some(None)
    } else {
        rest.strip_prefix('#').map(Some)
    }
}

/// The fail count of a resource on a node, and the time of its last failure.
///
/// `effective` applies `failure-timeout`; `only_op` restricts the count to
/// one operation (`task`, interval).
pub(crate) fn fail_count(
    cluster: &Cluster,
    r: RscId,
    n: NodeId,
    effective: bool,
    only_op: Option<(&str, u64)>,
) -> (Score, i64) {
    let (id, any_instance) = failcount_id(cluster, r);
    let op_suffix = only_op.map(|(t, i)| format!("{t}_{i}"));
    let wanted = |suffix: Option<&str>| match (&op_suffix, suffix) {
        (None, _) => true,
        (Some(want), Some(op)) => want == op,
        (Some(_), None) => false,
    };
    let mut count = Score::ZERO;
    let mut last = 0i64;
    for (k, v) in &cluster.nodes[n].attrs {
        if let Some(suffix) = failure_attr_suffix(k, "fail-count", &id, any_instance)
            && wanted(suffix)
            && let Some(s) = Score::parse(v)
        {
            count += s;
        }
        if let Some(suffix) = failure_attr_suffix(k, "last-failure", &id, any_instance)
            && wanted(suffix)
            && let Ok(t) = v.trim().parse::<i64>()
        {
            last = last.max(t);
        }
    }
    let rsc = &cluster.resources[r];
    if effective && count.value() > 0 && last > 0 && rsc.failure_timeout_s > 0 {
        let now = cluster.now.epoch();
        if now > last + rsc.failure_timeout_s {
            count = Score::ZERO;
        }
    }
    (count, last)
}

/// The fail count including failures of resources running inside this
/// one (a container's fillers).
pub(crate) fn fail_count_with_fillers(cluster: &Cluster, r: RscId, n: NodeId) -> Score {
    let mut total = fail_count(cluster, r, n, true, None).0;
    for &f in &cluster.resources[r].fillers {
        total += fail_count(cluster, f, n, true, None).0;
    }
    total
}

/// Whether a failed op's history entry is too old to count (failure-timeout).
/// A failed monitor of a remote connection that will reconnect is kept
/// until the remote node has been fenced, whatever its failure-timeout.
fn remote_monitor_failure_awaits_fencing(cluster: &Cluster, r: RscId, op: &LrmOp) -> bool {
    let rsc = &cluster.resources[r];
    let reconnect = rsc.params.contains_key("reconnect_interval")
        || rsc.meta.contains_key("reconnect_interval");
    if !reconnect
        || !cluster.options.stonith_enabled
        || op.interval_ms == 0
        || op.operation() != "monitor"
    {
        return false;
    }
    rsc.remote_node
        .is_some_and(|n| !cluster.nodes[n].remote_was_fenced)
}

pub(crate) fn op_failure_expired(
    cluster: &Cluster,
    r: RscId,
    n: NodeId,
    op: &LrmOp,
    rc: i32,
    _target_rc: i32,
) -> bool {
    let rsc = &cluster.resources[r];
    if rsc.failure_timeout_s <= 0 {
        return false;
    }
    let Some(last_run) = op.last_rc_change else {
        return false;
    };
    // A failure of an operation configured to block (`on-fail="block"`),
    // recorded as a last failure or a recurring operation's result, waits
    // for an administrator however old it is. A stop that blocks only
    // because fencing is disabled, or a failure kept only as the
    // resource's last result (`_last_0`), expires like any other failure.
    if !op.id().ends_with("_last_0")
        && op_settings(cluster, r, op.operation(), op.interval_ms)
            .get("on-fail")
            .is_some_and(|v| v.eq_ignore_ascii_case("block"))
    {
        return false;
    }
    let now = cluster.now.epoch();
    let mut expired = now >= last_run + rsc.failure_timeout_s;
    if expired && rsc.is_remote_connection() && op.id().ends_with("_last_failure_0") {
        // Remote connections with reconnect intervals keep their failures.
        let reconnect = rsc.params.contains_key("reconnect_interval")
            || rsc.meta.contains_key("reconnect_interval");
        if reconnect && op.operation() == "start" {
            expired = false;
        }
    }
    if expired && remote_monitor_failure_awaits_fencing(cluster, r, op) {
        expired = false;
    }
    let unexpired = fail_count(cluster, r, n, true, Some((op.operation(), op.interval_ms))).0;
    if expired {
        let any = fail_count(cluster, r, n, false, Some((op.operation(), op.interval_ms))).0;
        if any.value() > 0 && unexpired.value() > 0 {
            expired = false;
        }
    }
    if expired
        && op.interval_ms == 0
        && op.operation() == "monitor"
        && matches!(rc, 0 | 7 | 8 | 190 | 191)
    {
        expired = false;
    }
    expired
}

/// A recurring monitor whose failure expired is restarted (it will be
/// scheduled again because its digest no longer matches).
pub(crate) fn reschedule_expired_monitor(cluster: &mut Cluster, r: RscId, n: NodeId, op: &LrmOp) {
    let key = (n, op.operation().to_string(), op.interval_ms);
    let rsc = &mut cluster.resources[r];
    let _ = rsc;
    cluster.expired_monitors.push((r, key.0, key.1, key.2));
}

/// Schedule clearing a resource's fail count on a node (its failures
/// expired, or the definition they happened under changed).
pub(crate) fn clear_failcount(cluster: &mut Cluster, r: RscId, n: NodeId, reason: &str) {
    let a = crate::actions::custom_action(cluster, r, Task::ClearFailcount, 0, Some(n), false);
    cluster.actions[a]
        .meta
        .insert("op_no_wait".into(), "true".into());
    crate::actions::set_reason(cluster, a, reason, false);
}

/// History older than `failure-timeout` while the resource's fail count
/// on the node has expired (but is still recorded): clear it.
pub(crate) fn clear_expired_failcount(cluster: &mut Cluster, r: RscId, n: NodeId, op: &LrmOp) {
    let timeout = cluster.resources[r].failure_timeout_s;
    let Some(changed) = op.last_rc_change else {
        return;
    };
    if timeout <= 0 || cluster.now.epoch() < changed + timeout {
        return;
    }
    // Failures of operations with on-fail=block never expire.
    let failed_blocking = |d: &vigil_cib::config::OpDef| {
        d.attrs.get("on-fail").is_some_and(|v| v == "block")
            && cluster
                .node_histories
                .iter()
                .filter(|h| h.node == n && h.rsc == r)
                .flat_map(|h| h.lrm.ops.iter())
                .any(|o| {
                    o.operation() == d.name
                        && o.interval_ms == d.interval_ms
                        && o.target_rc >= 0
                        && o.rc_code != o.target_rc
                })
    };
    if cluster.resources[r].ops.iter().any(failed_blocking) {
        return;
    }
    let recorded = fail_count(cluster, r, n, false, None).0.value() > 0;
    let effective = fail_count(cluster, r, n, true, None).0.value() > 0;
    if recorded && !effective {
        clear_failcount(cluster, r, n, "it expired");
    }
}

/// A failure means the resource must be stopped on the node: the stop
/// action is created now, while reading history (as Pacemaker does).
pub(crate) fn force_stop_on(cluster: &mut Cluster, r: RscId, n: NodeId) {
    crate::actions::stop_action(cluster, r, Some(n), false);
}

/// A demotion implied by `on-fail=demote`.
pub(crate) fn force_demote_on(cluster: &mut Cluster, r: RscId, n: NodeId) {
    crate::actions::custom_action(cluster, r, Task::Demote, 0, Some(n), false);
}

/// A later success showed the resource is not active there after all:
/// any stop already implied there becomes optional.
pub(crate) fn make_stop_optional(cluster: &mut Cluster, r: RscId, n: NodeId) {
    for a in crate::actions::find_actions(cluster, r, Task::Stop, 0, Some(n)) {
        cluster.actions[a].flags.set(ActionFlags::OPTIONAL);
    }
}

pub(crate) fn mark_failure_ignored(cluster: &mut Cluster, r: RscId) {
    cluster.resources[r].failure_ignored = true;
}

/// Add a score for a resource on one node (or every node) — used for bans.
pub(crate) fn ban(cluster: &mut Cluster, r: RscId, n: Option<NodeId>, tag: &str) {
    let source = || crate::ledger::Source::FailureHistory { what: tag.into() };
    crate::placement::add_location_from(cluster, r, n, Score::NEG_INFINITY, &source);
}

/// Ban a resource from every node (on-fail=stop on a clone instance).
pub(crate) fn ban_everywhere_reset(cluster: &mut Cluster, r: RscId) {
    let source = || crate::ledger::Source::FailureHistory {
        what: "on-fail=stop".into(),
    };
    crate::placement::add_location_from(cluster, r, None, Score::NEG_INFINITY, &source);
}

/// Recurring operations active since the resource last started on the
/// node are recorded as (optional) actions, so that later stages know the
/// monitor is already running there.
pub(crate) fn note_recurring(cluster: &mut Cluster, r: RscId, n: NodeId, ops: &[&LrmOp]) {
    let (start_index, stop_index) = active_range(ops);
    for (i, op) in ops.iter().enumerate() {
        let i = i as i64;
        if !cluster.nodes[n].online {
            break;
        }
        if start_index < stop_index && i <= stop_index {
            continue;
        }
        if i < start_index {
            continue;
        }
        if op.interval_ms == 0 || op.op_status == -1 {
            continue;
        }
        let Some(task) = Task::parse(op.operation()) else {
            continue;
        };
        crate::actions::custom_action(cluster, r, task, op.interval_ms, Some(n), true);
    }
}

/// Indexes of the last start and last stop in a node's sorted history.
pub(crate) fn active_range(ops: &[&LrmOp]) -> (i64, i64) {
    let mut start = -1i64;
    let mut stop = -1i64;
    let mut implied_monitor_start = -1i64;
    let mut implied_clone_start = -1i64;
    for (i, op) in ops.iter().enumerate() {
        let i = i as i64;
        match op.operation() {
            "stop" if op.op_status == 0 => stop = i,
            "start" | "migrate_from" => start = i,
            "monitor" if implied_monitor_start <= stop && (op.rc_code == 0 || op.rc_code == 8) => {
                implied_monitor_start = i;
            }
            "promote" | "demote" => implied_clone_start = i,
            _ => {}
        }
    }
    if start == -1 {
        if implied_clone_start != -1 {
            start = implied_clone_start;
        } else if implied_monitor_start != -1 {
            start = implied_monitor_start;
        }
    }
    (start, stop)
}

#[cfg(test)]
mod tests {
    use super::failure_attr_suffix;

    #[test]
    fn failure_attributes_match_resource_and_operation() {
        let f = |name, any| failure_attr_suffix(name, "fail-count", "db", any);
        assert_eq!(f("fail-count-db", false), Some(None));
        assert_eq!(
            f("fail-count-db#monitor_10000", false),
            Some(Some("monitor_10000"))
        );
        assert_eq!(f("fail-count-dbx", false), None);
        assert_eq!(f("last-failure-db", false), None);
        // Instance-numbered names count for every instance of an anonymous clone.
        assert_eq!(f("fail-count-db:2", true), Some(None));
        assert_eq!(f("fail-count-db:2#start_0", true), Some(Some("start_0")));
        assert_eq!(f("fail-count-db:2", false), None);
        assert_eq!(f("fail-count-db:", true), None);
    }
}
