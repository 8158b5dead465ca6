//! What Pacemaker accepts: option names and the values each may take.
//!
//! The tables follow Pacemaker's documentation (Pacemaker Explained:
//! cluster options, resource meta-attributes, operation properties), the
//! daemons' `metadata` output and the RelaxNG schema that ships with it,
//! plus the Pacemaker 3 spellings Vigil also accepts (`fencing-enabled`,
//! `no-quorum-policy=fence`, ...).

use crate::score::Score;
use crate::time::{DateTime, parse_interval_ms, parse_msec};

/// The kind of value an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `true`/`false` and Pacemaker's other spellings (`yes`, `on`, `1`, ...).
    Bool,
    /// An integer or `INFINITY` / `-INFINITY`.
    Score,
    /// A whole number no smaller than `min`.
    Int { min: i64 },
    /// A time such as `30s`, `5min` or `500ms` (plain numbers are seconds).
    Time,
    /// A time, or an ISO 8601 duration such as `PT30S`.
    Interval,
    /// A percentage such as `80%`.
    Percent,
    /// One of a fixed list of words.
    Choice(&'static [&'static str]),
    /// A role a resource should be in (`target-role`), any case.
    TargetRole,
    /// An ISO 8601 date/time.
    Date,
    /// The watchdog timeout: a time, or a negative number for "automatic".
    WatchdogTimeout,
    /// Free text.
    Text,
}

impl Kind {
    /// Check `value`; `Err` carries what would be valid.
    pub(super) fn check(self, value: &str) -> Result<(), String> {
        let v = value.trim();
        let ok = match self {
            Kind::Bool => crate::parse_bool(v).is_some(),
            Kind::Score => Score::parse_strict(v).is_some(),
            Kind::Int { min } => v.parse::<i64>().is_ok_and(|n| n >= min),
            Kind::Time => is_time(v),
            Kind::Interval => is_interval(v),
            Kind::Percent => {
                let digits = v.strip_suffix('%').unwrap_or(v);
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            }
            Kind::Choice(words) => words.contains(&v),
            Kind::TargetRole => TARGET_ROLES.iter().any(|r| r.eq_ignore_ascii_case(v)),
            Kind::Date => DateTime::parse(v).is_ok(),
            Kind::WatchdogTimeout => is_time(v) || v.parse::<i64>().is_ok_and(|n| n < 0),
            Kind::Text => true,
        };
        if ok { Ok(()) } else { Err(self.expected()) }
    }

    /// For numeric kinds, the number Pacemaker reads from a value that is
    /// not a plain number but starts with one (`1.0`, `100abc`): it takes
    /// the leading digits.
    pub(super) fn lenient_number(self, value: &str) -> Option<i64> {
        if !matches!(self, Kind::Score | Kind::Int { .. }) {
            return None;
        }
        let v = value.trim();
        let sign = usize::from(v.starts_with(['-', '+']));
        let digits = v[sign..].bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: i64 = v[..sign + digits].parse().ok()?;
        match self {
            Kind::Int { min } if n < min => None,
            _ => Some(n),
        }
    }

    /// What a valid value looks like, for hints.
    pub(super) fn expected(self) -> String {
        match self {
            Kind::Bool => "use true or false".into(),
            Kind::Score => "use an integer, INFINITY or -INFINITY".into(),
            Kind::Int { min: 0 } => "use a whole number, 0 or more".into(),
            Kind::Int { min: 1 } => "use a whole number, 1 or more".into(),
            Kind::Int { .. } => "use a whole number".into(),
            Kind::Time => "use a time such as 30s, 5min, 2h or 500ms".into(),
            Kind::Interval => {
                "use a time such as 10s, 5min or 500ms, or an ISO 8601 duration such as PT10S"
                    .into()
            }
            Kind::Percent => "use a percentage such as 80%".into(),
            Kind::Choice(words) => format!("use one of: {}", words.join(", ")),
            Kind::TargetRole => format!("use one of: {}", TARGET_ROLES[..4].join(", ")),
            Kind::Date => "use an ISO 8601 date/time such as 2024-01-31 or 2024-01-31T12:00:00".into(),
            Kind::WatchdogTimeout => {
                "use a time such as 10s (0 disables watchdog fencing; a negative number derives it from SBD)"
                    .into()
            }
            Kind::Text => String::new(),
        }
    }
}

/// A time as Pacemaker reads operation timeouts (`parse_msec`), but only
/// with a unit it documents (or that unit written out): Pacemaker looks at
/// the first letters only, so `5months` would quietly mean five minutes.
pub(super) fn is_time(v: &str) -> bool {
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let mut rest = &v[digits..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = &fraction[n..];
    }
    let unit = rest.trim_start().to_ascii_lowercase();
    let unit = unit
        .strip_suffix('s')
        .filter(|u| u.len() > 1)
        .unwrap_or(&unit);
    let known = matches!(
        unit,
        "" | "ms"
            | "msec"
            | "millisecond"
            | "us"
            | "usec"
            | "microsecond"
            | "s"
            | "sec"
            | "second"
            | "m"
            | "min"
            | "minute"
            | "h"
            | "hr"
            | "hour"
    );
    known && parse_msec(v).is_some()
}

/// An operation interval: a time, or an ISO 8601 duration (`P...`).
pub(super) fn is_interval(v: &str) -> bool {
    if v.starts_with('P') {
        parse_interval_ms(v).is_some()
    } else {
        is_time(v)
    }
}

/// Roles as `target-role` accepts them (any case; the last two are the
/// deprecated names of the middle two).
pub(super) const TARGET_ROLES: [&str; 6] = [
    "Stopped",
    "Started",
    "Unpromoted",
    "Promoted",
    "Slave",
    "Master",
];

/// Roles in constraints, operations and rules, spelled as the schema requires.
pub(super) const ROLES: [&str; 6] = [
    "Stopped",
    "Started",
    "Promoted",
    "Unpromoted",
    "Master",
    "Slave",
];

/// Actions an ordering constraint or resource set may name.
pub(super) const ORDER_ACTIONS: [&str; 4] = ["start", "promote", "demote", "stop"];

pub(super) const ORDER_KINDS: [&str; 3] = ["Optional", "Mandatory", "Serialize"];

pub(super) const LOSS_POLICIES: [&str; 4] = ["stop", "demote", "fence", "freeze"];

pub(super) const DISCOVERY: [&str; 3] = ["always", "never", "exclusive"];

pub(super) const ON_FAIL: [&str; 8] = [
    "ignore",
    "block",
    "demote",
    "stop",
    "restart",
    "standby",
    "fence",
    "restart-container",
];

/// Resource classes Pacemaker knows.
pub(super) const CLASSES: [&str; 8] = [
    "ocf",
    "lsb",
    "systemd",
    "service",
    "stonith",
    "heartbeat",
    "upstart",
    "nagios",
];

/// Classes that still work but are deprecated.
pub(super) const DEPRECATED_CLASSES: [&str; 3] = ["heartbeat", "upstart", "nagios"];

/// Operation names Pacemaker itself runs or that agents commonly implement.
pub(super) const OP_NAMES: [&str; 12] = [
    "start",
    "stop",
    "monitor",
    "promote",
    "demote",
    "notify",
    "reload",
    "reload-agent",
    "migrate_to",
    "migrate_from",
    "meta-data",
    "validate-all",
];

/// Expression operations in rules.
pub(super) const EXPR_OPS: [&str; 8] = [
    "lt",
    "gt",
    "lte",
    "gte",
    "eq",
    "ne",
    "defined",
    "not_defined",
];

pub(super) const EXPR_TYPES: [&str; 4] = ["string", "integer", "number", "version"];

pub(super) const VALUE_SOURCES: [&str; 3] = ["literal", "param", "meta"];

pub(super) const DATE_OPS: [&str; 4] = ["in_range", "gt", "lt", "date_spec"];

/// Fields of `<duration>`.
pub(super) const DURATION_FIELDS: [&str; 7] = [
    "years", "months", "weeks", "days", "hours", "minutes", "seconds",
];

/// Where an option stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    Current,
    /// Still honoured, but the named option (or advice) replaces it.
    Deprecated(&'static str),
    /// No longer read by Pacemaker (its schema rejects it since 3.0);
    /// the text says what to use instead.
    Removed(&'static str),
    /// Maintained by the cluster itself; users should not set it.
    Internal,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct OptionSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub standing: Standing,
}

const fn opt(name: &'static str, kind: Kind) -> OptionSpec {
    OptionSpec {
        name,
        kind,
        standing: Standing::Current,
    }
}

const fn deprecated(name: &'static str, kind: Kind, instead: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        kind,
        standing: Standing::Deprecated(instead),
    }
}

const fn removed(name: &'static str, instead: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        kind: Kind::Text,
        standing: Standing::Removed(instead),
    }
}

const fn internal(name: &'static str, kind: Kind) -> OptionSpec {
    OptionSpec {
        name,
        kind,
        standing: Standing::Internal,
    }
}

const NO_QUORUM_POLICIES: &[&str] = &["stop", "freeze", "ignore", "demote", "fence", "suicide"];
const FENCING_ACTIONS: &[&str] = &["reboot", "off", "poweroff"];
const FENCING_REACTIONS: &[&str] = &["stop", "panic"];
const HEALTH_STRATEGIES: &[&str] = &[
    "none",
    "migrate-on-red",
    "only-green",
    "progressive",
    "custom",
];
const PLACEMENT_STRATEGIES: &[&str] = &["default", "utilization", "minimal", "balanced"];

/// Cluster options (`<crm_config>`), Pacemaker 2.1 names and the
/// Pacemaker 3 renames.
pub(super) const CLUSTER_OPTIONS: &[OptionSpec] = &[
    // Scheduler
    opt("no-quorum-policy", Kind::Choice(NO_QUORUM_POLICIES)),
    opt("symmetric-cluster", Kind::Bool),
    opt("maintenance-mode", Kind::Bool),
    opt("start-failure-is-fatal", Kind::Bool),
    opt("enable-startup-probes", Kind::Bool),
    opt("shutdown-lock", Kind::Bool),
    opt("shutdown-lock-limit", Kind::Time),
    opt("stonith-enabled", Kind::Bool),
    opt("fencing-enabled", Kind::Bool),
    opt("stonith-action", Kind::Choice(FENCING_ACTIONS)),
    opt("fencing-action", Kind::Choice(FENCING_ACTIONS)),
    opt("stonith-timeout", Kind::Time),
    opt("fencing-timeout", Kind::Time),
    internal("have-watchdog", Kind::Bool),
    opt("concurrent-fencing", Kind::Bool),
    opt("startup-fencing", Kind::Bool),
    opt("priority-fencing-delay", Kind::Time),
    opt("node-pending-timeout", Kind::Time),
    opt("cluster-delay", Kind::Time),
    opt("batch-limit", Kind::Int { min: 0 }),
    opt("migration-limit", Kind::Int { min: -1 }),
    opt("stop-all-resources", Kind::Bool),
    opt("stop-orphan-resources", Kind::Bool),
    opt("stop-orphan-actions", Kind::Bool),
    deprecated(
        "remove-after-stop",
        Kind::Bool,
        "it will be removed; leave it unset",
    ),
    opt("pe-error-series-max", Kind::Int { min: -1 }),
    opt("pe-warn-series-max", Kind::Int { min: -1 }),
    opt("pe-input-series-max", Kind::Int { min: -1 }),
    opt("node-health-strategy", Kind::Choice(HEALTH_STRATEGIES)),
    opt("node-health-base", Kind::Score),
    opt("node-health-green", Kind::Score),
    opt("node-health-yellow", Kind::Score),
    opt("node-health-red", Kind::Score),
    opt("placement-strategy", Kind::Choice(PLACEMENT_STRATEGIES)),
    // Controller
    internal("dc-version", Kind::Text),
    internal("cluster-infrastructure", Kind::Text),
    internal("last-lrm-refresh", Kind::Text),
    opt("cluster-name", Kind::Text),
    opt("dc-deadtime", Kind::Time),
    opt("cluster-recheck-interval", Kind::Time),
    opt("load-threshold", Kind::Percent),
    opt("node-action-limit", Kind::Int { min: 0 }),
    opt("fence-reaction", Kind::Choice(FENCING_REACTIONS)),
    opt("fencing-reaction", Kind::Choice(FENCING_REACTIONS)),
    opt("election-timeout", Kind::Time),
    opt("shutdown-escalation", Kind::Time),
    opt("join-integration-timeout", Kind::Time),
    opt("join-finalization-timeout", Kind::Time),
    opt("transition-delay", Kind::Time),
    opt("stonith-watchdog-timeout", Kind::WatchdogTimeout),
    opt("fencing-watchdog-timeout", Kind::WatchdogTimeout),
    opt("stonith-max-attempts", Kind::Int { min: 1 }),
    opt("fencing-max-attempts", Kind::Int { min: 1 }),
    // CIB manager
    opt("enable-acl", Kind::Bool),
    opt("cluster-ipc-limit", Kind::Int { min: 0 }),
    // Older names Pacemaker 2 still reads.
    deprecated("crmd-transition-delay", Kind::Time, "use transition-delay"),
    deprecated(
        "crmd-integration-timeout",
        Kind::Time,
        "use join-integration-timeout",
    ),
    deprecated(
        "crmd-finalization-timeout",
        Kind::Time,
        "use join-finalization-timeout",
    ),
    // Names Pacemaker's schema has rejected since 3.0.
    removed("cluster_recheck_interval", "use cluster-recheck-interval"),
    removed("dc_deadtime", "use dc-deadtime"),
    removed("default-action-timeout", "set timeout in <op_defaults>"),
    removed("default_action_timeout", "set timeout in <op_defaults>"),
    removed(
        "default-migration-threshold",
        "set migration-threshold in <rsc_defaults>",
    ),
    removed(
        "default_migration_threshold",
        "set migration-threshold in <rsc_defaults>",
    ),
    removed(
        "default-resource-failure-stickiness",
        "set migration-threshold in <rsc_defaults>",
    ),
    removed(
        "default_resource_failure_stickiness",
        "set migration-threshold in <rsc_defaults>",
    ),
    removed(
        "default-resource-stickiness",
        "set resource-stickiness in <rsc_defaults>",
    ),
    removed(
        "default_resource_stickiness",
        "set resource-stickiness in <rsc_defaults>",
    ),
    removed("election_timeout", "use election-timeout"),
    removed(
        "expected-quorum-votes",
        "expected votes come from the membership layer (corosync.conf quorum { expected_votes })",
    ),
    removed("is-managed-default", "set is-managed in <rsc_defaults>"),
    removed("is_managed_default", "set is-managed in <rsc_defaults>"),
    removed("no_quorum_policy", "use no-quorum-policy"),
    removed("notification-agent", "configure an <alerts> section"),
    removed("notification-recipient", "configure an <alerts> section"),
    removed("remove_after_stop", "use remove-after-stop"),
    removed("shutdown_escalation", "use shutdown-escalation"),
    removed("startup_fencing", "use startup-fencing"),
    removed("stonith_action", "use stonith-action"),
    removed("stonith_enabled", "use stonith-enabled"),
    removed("stop_orphan_actions", "use stop-orphan-actions"),
    removed("stop_orphan_resources", "use stop-orphan-resources"),
    removed("symmetric_cluster", "use symmetric-cluster"),
    removed(
        "transition_idle_timeout",
        "leave it unset; Pacemaker no longer reads it",
    ),
];

const REQUIRES: &[&str] = &["nothing", "quorum", "fencing", "unfencing"];
const MULTIPLE_ACTIVE: &[&str] = &["block", "stop_only", "stop_start", "stop_unexpected"];

/// Resource meta-attributes (primitives, groups, clones, bundles and
/// `<rsc_defaults>`).
pub(super) const RESOURCE_META: &[OptionSpec] = &[
    opt("target-role", Kind::TargetRole),
    opt("is-managed", Kind::Bool),
    opt("maintenance", Kind::Bool),
    opt("priority", Kind::Score),
    opt("resource-stickiness", Kind::Score),
    opt("requires", Kind::Choice(REQUIRES)),
    opt("migration-threshold", Kind::Score),
    opt("failure-timeout", Kind::Interval),
    opt("multiple-active", Kind::Choice(MULTIPLE_ACTIVE)),
    opt("allow-migrate", Kind::Bool),
    opt("allow-unhealthy-nodes", Kind::Bool),
    opt("container-attribute-target", Kind::Text),
    opt("remote-node", Kind::Text),
    opt("remote-addr", Kind::Text),
    opt("remote-port", Kind::Int { min: 1 }),
    opt("remote-connect-timeout", Kind::Time),
    opt("remote-allow-migrate", Kind::Bool),
    opt("critical", Kind::Bool),
    opt("description", Kind::Text),
    opt("container", Kind::Text),
    // Clone options
    opt("clone-max", Kind::Int { min: 0 }),
    opt("clone-node-max", Kind::Int { min: 0 }),
    opt("clone-min", Kind::Int { min: 0 }),
    opt("notify", Kind::Bool),
    opt("globally-unique", Kind::Bool),
    opt("ordered", Kind::Bool),
    opt("interleave", Kind::Bool),
    opt("promotable", Kind::Bool),
    opt("promoted-max", Kind::Int { min: 0 }),
    opt("promoted-node-max", Kind::Int { min: 0 }),
    deprecated("master-max", Kind::Int { min: 0 }, "use promoted-max"),
    deprecated(
        "master-node-max",
        Kind::Int { min: 0 },
        "use promoted-node-max",
    ),
    // Group options
    deprecated(
        "collocated",
        Kind::Bool,
        "use a colocation constraint with a resource set instead",
    ),
    deprecated(
        "restart-type",
        Kind::Text,
        "it has no replacement; leave it unset",
    ),
    removed("resource-failure-stickiness", "use migration-threshold"),
    removed("isolation", "use a bundle"),
    removed("isolation-host", "use a bundle"),
    removed("isolation-instance", "use a bundle"),
    removed("isolation-wrapper", "use a bundle"),
];

/// Operation properties: `<op>` attributes, op meta-attributes and
/// `<op_defaults>`.
pub(super) const OP_PROPERTIES: &[OptionSpec] = &[
    opt("name", Kind::Text),
    opt("interval", Kind::Interval),
    opt("timeout", Kind::Time),
    opt("on-fail", Kind::Choice(&ON_FAIL)),
    opt("enabled", Kind::Bool),
    opt("record-pending", Kind::Bool),
    opt("start-delay", Kind::Time),
    opt("interval-origin", Kind::Date),
    opt("description", Kind::Text),
    opt("role", Kind::Choice(&ROLES)),
];

/// Look a name up in a table.
pub(super) fn find(table: &'static [OptionSpec], name: &str) -> Option<&'static OptionSpec> {
    table.iter().find(|o| o.name == name)
}

/// The candidate closest to `word`, if it is close enough to be a typo:
/// the same apart from case, `_` for `-`, or a small edit distance.
pub(super) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let w = norm(word);
    let limit = match w.chars().count() {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    let len = w.chars().count();
    candidates
        .into_iter()
        .filter(|c| *c != word && c.chars().count().abs_diff(len) <= limit)
        .map(|c| (distance(&w, &norm(c), limit), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance (with adjacent transpositions counting once), or
/// `limit + 1` when it is over `limit`. Only the band of cells within
/// `limit` of the diagonal is computed (no cell outside it can be within
/// the limit), so comparing long ids with many others stays cheap.
fn distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // A common prefix and suffix change nothing: leave them out.
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    let over = limit + 1;
    if a.len().abs_diff(b.len()) > limit {
        return over;
    }
    let width = 2 * limit + 1;
    // Row i keeps the cells j = i + k - limit, for k in 0..width.
    let column = |i: usize, k: usize| (i + k).checked_sub(limit).filter(|&j| j <= b.len());
    let mut prev2 = vec![over; width];
    let mut prev: Vec<usize> = (0..width)
        .map(|k| column(0, k).map_or(over, |j| j.min(over)))
        .collect();
    for i in 1..=a.len() {
        let mut cur = vec![over; width];
        for k in 0..width {
            let Some(j) = column(i, k) else { continue };
            if j == 0 {
                cur[k] = i.min(over);
                continue;
            }
            let above = prev.get(k + 1).copied().unwrap_or(over);
            let left = if k > 0 { cur[k - 1] } else { over };
            let diagonal = prev[k] + usize::from(a[i - 1] != b[j - 1]);
            let mut v = (above + 1).min(left + 1).min(diagonal);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[k] + 1);
            }
            cur[k] = v.min(over);
        }
        // No later row can be smaller than the least of the last two.
        if cur.iter().all(|&v| v >= over) && prev.iter().all(|&v| v >= over) {
            return over;
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len() + limit - a.len()]
}

/// `did you mean "x"?`, or the fallback when nothing is close.
pub(super) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    fallback: impl FnOnce() -> String,
) -> String {
    match did_you_mean(word, candidates) {
        Some(c) => format!("did you mean {c:?}?"),
        None => fallback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_suggestions() {
        let names = CLUSTER_OPTIONS.iter().map(|o| o.name);
        assert_eq!(
            did_you_mean("stonith-enabeld", names.clone()),
            Some("stonith-enabled")
        );
        assert_eq!(
            did_you_mean("no_quorum-policy", names.clone()),
            Some("no-quorum-policy")
        );
        assert_eq!(did_you_mean("OVN_REPL_INFO", names), None);
        assert_eq!(distance("ab", "ba", 3), 1);
        assert_eq!(distance("kitten", "sitting", 3), 3);
        assert_eq!(distance("kitten", "sitting", 2), 3);
        assert_eq!(distance("", "abc", 3), 3);
        assert_eq!(distance("abcd", "", 3), 4);
        let long = "x".repeat(300);
        assert_eq!(distance(&format!("a{long}b"), &format!("c{long}d"), 3), 2);
        assert_eq!(distance(&"a".repeat(300), &"b".repeat(300), 3), 4);
        assert_eq!(distance("xaby", "xbay", 3), 1);
        assert_eq!(distance("same", "same", 3), 0);
    }

    #[test]
    fn value_kinds() {
        assert!(Kind::Time.check("30s").is_ok());
        assert!(Kind::Time.check("15min").is_ok());
        assert!(Kind::Time.check("120").is_ok());
        assert!(Kind::Time.check("soon").is_err());
        assert!(Kind::Time.check("5 minutes").is_ok());
        assert!(Kind::Time.check("5months").is_err());
        assert!(Kind::Time.check("1.5s").is_ok());
        assert!(Kind::Interval.check("PT10S").is_ok());
        assert!(Kind::Interval.check("P1D").is_ok());
        assert!(Kind::Bool.check("yes").is_ok());
        assert!(Kind::Bool.check("maybe").is_err());
        assert!(Kind::TargetRole.check("started").is_ok());
        assert!(Kind::TargetRole.check("Running").is_err());
        assert!(Kind::Int { min: 0 }.check("-1").is_err());
        assert!(Kind::Percent.check("80%").is_ok());
        assert!(Kind::WatchdogTimeout.check("-1").is_ok());
    }
}
