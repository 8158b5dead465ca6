//! The working set: nodes, resources, constraints and actions as the
//! scheduler sees them while it computes one transition.
//!
//! Everything lives in arenas (`Vec`s indexed by [`NodeId`], [`RscId`],
//! [`ActionId`]); relations are indices. Iteration order is always the
//! configuration's order, never a hash order, so results are deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use vigil_cib::Score;
use vigil_cib::config::OpDef;
use vigil_cib::status::{LrmOp, LrmResource};
use vigil_cib::time::DateTime;

pub type NodeId = usize;
pub type RscId = usize;
pub type ActionId = usize;

/// A resource role. The order matters: roles compare as Pacemaker's do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Unknown,
    Stopped,
    Started,
    Unpromoted,
    Promoted,
}

impl Role {
    /// Parse a role name, accepting the legacy Master/Slave spellings.
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "stopped" => Some(Role::Stopped),
            "started" => Some(Role::Started),
            "unpromoted" | "slave" => Some(Role::Unpromoted),
            "promoted" | "master" => Some(Role::Promoted),
            "unknown" => Some(Role::Unknown),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Unknown => "Unknown",
            Role::Stopped => "Stopped",
            Role::Started => "Started",
            Role::Unpromoted => "Unpromoted",
            Role::Promoted => "Promoted",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Member,
    Remote,
    Guest,
}

/// A cluster node as the scheduler sees it.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub kind: NodeKind,
    pub online: bool,
    pub unclean: bool,
    pub pending: bool,
    pub standby: bool,
    pub standby_onfail: bool,
    pub maintenance: bool,
    pub shutdown: bool,
    /// No `node_state` was found for this node.
    pub unseen: bool,
    /// The node is expected to be a cluster member (`expected="member"`).
    pub expected_up: bool,
    pub is_dc: bool,
    /// The connection resource of a remote or guest node.
    pub connection: Option<RscId>,
    /// Remote node whose connection is being (re)established or lost.
    pub remote_requires_reset: bool,
    /// Remote node whose connection failed where it ran (on-fail=reset):
    /// it is fenced even if the connection is recovered.
    pub connection_failed: bool,
    pub remote_was_fenced: bool,
    pub attrs: BTreeMap<String, String>,
    pub utilization: BTreeMap<String, i64>,
    /// Resources assigned to the node so far in this run (for balancing).
    pub assigned_count: usize,
    /// Primitives found active on the node.
    pub running: Vec<RscId>,
    /// Whether resources may be placed here at all (online, clean, not standby...).
    pub can_run: bool,
    pub health_score: Score,
}

impl Node {
    pub fn is_remote(&self) -> bool {
        self.kind != NodeKind::Member
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Primitive,
    Group,
    Clone,
    Bundle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultipleActive {
    StopStart,
    StopOnly,
    Block,
    StopUnexpected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Requires {
    Nothing,
    Quorum,
    Fencing,
    Unfencing,
}

/// What to do when an operation fails (`on-fail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OnFail {
    Ignore,
    Demote,
    Restart,
    Reset,
    RestartContainer,
    Block,
    Stop,
    Standby,
    Fence,
}

/// Clone and promotable settings.
#[derive(Debug, Clone, Default)]
pub struct CloneSettings {
    pub max: usize,
    pub node_max: usize,
    pub min: usize,
    pub promoted_max: usize,
    pub promoted_node_max: usize,
    pub notify: bool,
    pub unique: bool,
    pub interleave: bool,
    pub ordered: bool,
    pub promotable: bool,
}

/// The resource agent of a primitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub class: String,
    pub provider: Option<String>,
    pub kind: String,
}

impl Agent {
    pub fn spec(&self) -> String {
        match &self.provider {
            Some(p) => format!("{}:{}:{}", self.class, p, self.kind),
            None => format!("{}:{}", self.class, self.kind),
        }
    }
}

/// A resource (primitive, group, clone, bundle, or a clone instance).
#[derive(Debug, Clone)]
pub struct Resource {
    /// Instance id: `rsc`, or `rsc:N` for clone instances.
    pub id: String,
    /// Id as configured (without the `:N` suffix).
    pub base_id: String,
    /// The id the status section knows this resource by, when different
    /// (anonymous clone instances).
    pub history_name: Option<String>,
    pub variant: Variant,
    pub parent: Option<RscId>,
    pub children: Vec<RscId>,
    pub agent: Option<Agent>,
    /// The operations configured (shared with the configuration and
    /// between clone instances).
    pub ops: Arc<[OpDef]>,
    pub meta: BTreeMap<String, String>,
    pub params: BTreeMap<String, String>,
    /// The instance attribute blocks (parameters may depend on the node).
    pub instance_sets: Vec<vigil_cib::nvset::NvSet>,
    pub utilization: BTreeMap<String, i64>,

    pub priority: i64,
    pub stickiness: Score,
    pub migration_threshold: i64,
    pub failure_timeout_s: i64,
    pub managed: bool,
    pub maintenance: bool,
    pub target_role: Option<Role>,
    pub multiple_active: MultipleActive,
    pub requires: Requires,
    pub allow_migrate: bool,
    pub critical: bool,
    pub clone: Option<CloneSettings>,
    pub orphan: bool,
    /// A remote connection resource (ocf:pacemaker:remote) or guest's container.
    pub remote_node: Option<NodeId>,
    /// For primitives inside a guest/bundle: the container resource.
    pub container: Option<RscId>,
    /// Resources that run inside this container resource.
    pub fillers: Vec<RscId>,

    // Current state (from the status section).
    pub role: Role,
    pub running_on: Vec<NodeId>,
    pub failed: bool,
    /// Recovery of the failure needs a stop (not just a demotion).
    pub stop_needed: bool,
    pub blocked: bool,
    /// A start is already in progress (pending in history).
    pub start_pending: bool,
    pub pending_task: Option<String>,
    /// Nodes whose history shows this resource was probed or ran.
    pub known_on: BTreeSet<NodeId>,
    pub partial_migration_source: Option<NodeId>,
    pub partial_migration_target: Option<NodeId>,
    pub dangling_migration_sources: Vec<NodeId>,
    pub stop_unexpected: bool,
    /// Nodes where the resource must not be probed / discovered.
    pub discovery_never: BTreeSet<NodeId>,
    /// `resource-discovery=exclusive` nodes (empty when not exclusive).
    pub discovery_exclusive: BTreeSet<NodeId>,
    pub exclusive_discover: bool,
    pub on_fail_stop: bool,
    pub on_fail_demote: bool,
    /// A failure was ignored (`on-fail=ignore`).
    pub failure_ignored: bool,
    /// The node this resource is locked to because that node shut down
    /// cleanly while it ran there (`shutdown-lock`), and since when.
    pub lock_node: Option<NodeId>,
    pub lock_time: i64,

    // Placement.
    pub next_role: Role,
    pub allowed: BTreeMap<NodeId, Score>,
    pub assigned: Option<NodeId>,
    pub provisional: bool,
    pub assigning: bool,
    /// Colocations where this resource is the dependent ("this with X").
    pub coloc_as_dependent: Vec<usize>,
    /// Colocations where this resource is the primary ("X with this").
    pub coloc_as_primary: Vec<usize>,
    pub tickets: Vec<usize>,

    // Actions.
    pub actions: Vec<ActionId>,
    pub reload: bool,
    pub restarting: bool,
    pub promotion_priority: Score,
    pub sort_index: Score,
    /// The node's score when the resource was assigned there.
    pub assigned_weight: Option<Score>,
}

impl Resource {
    pub fn is_primitive(&self) -> bool {
        self.variant == Variant::Primitive
    }

    pub fn current_node(&self) -> Option<NodeId> {
        self.running_on.first().copied()
    }

    pub fn is_promotable(&self) -> bool {
        self.clone.as_ref().is_some_and(|c| c.promotable)
    }
}

/// A location preference of one resource for nodes.
#[derive(Debug, Clone)]
pub struct LocationRule {
    pub id: String,
    pub rsc: RscId,
    pub role: Option<Role>,
    /// Scores per node (only the nodes the constraint names or whose rules pass).
    pub nodes: Vec<(NodeId, Score)>,
    pub discovery: Discovery,
    /// What the score ledger calls this (the constraint and rule, or node health).
    pub source: crate::ledger::Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discovery {
    Always,
    Never,
    Exclusive,
}

/// "dependent with primary": keep `dependent` where `primary` is (or away, when negative).
#[derive(Debug, Clone)]
pub struct Colocation {
    pub id: String,
    pub dependent: RscId,
    pub primary: RscId,
    pub dependent_role: Role,
    pub primary_role: Role,
    pub score: Score,
    pub node_attribute: String,
    pub influence: bool,
}

/// Flags of an ordering between two actions (a bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct OrderFlags(pub u32);

impl OrderFlags {
    pub const NONE: OrderFlags = OrderFlags(0);
    /// Only affects sequencing, never whether actions happen.
    pub const OPTIONAL: OrderFlags = OrderFlags(1 << 0);
    /// If `first` is required, `then` is required too.
    pub const IMPLIES_THEN: OrderFlags = OrderFlags(1 << 1);
    /// If `then` is required, `first` is required too.
    pub const IMPLIES_FIRST: OrderFlags = OrderFlags(1 << 2);
    /// Promoted `then` implies `first` (demote before stop).
    pub const PROMOTED_IMPLIES_FIRST: OrderFlags = OrderFlags(1 << 3);
    pub const IMPLIES_THEN_ON_NODE: OrderFlags = OrderFlags(1 << 4);
    /// Unfencing and probe-related: only when both are on the same node.
    pub const SAME_NODE: OrderFlags = OrderFlags(1 << 5);
    /// `then` can run only if `first` can.
    pub const RUNNABLE_LEFT: OrderFlags = OrderFlags(1 << 6);
    pub const PSEUDO_LEFT: OrderFlags = OrderFlags(1 << 7);
    pub const IMPLIES_FIRST_MIGRATABLE: OrderFlags = OrderFlags(1 << 8);
    /// A stop-then-start of one resource.
    pub const RESTART: OrderFlags = OrderFlags(1 << 9);
    pub const SERIALIZE_ONLY: OrderFlags = OrderFlags(1 << 10);
    pub const IMPLIES_FIRST_PRINTED: OrderFlags = OrderFlags(1 << 11);
    pub const IMPLIES_THEN_PRINTED: OrderFlags = OrderFlags(1 << 12);
    pub const ASYMMETRICAL: OrderFlags = OrderFlags(1 << 13);
    /// `then` needs enough of its `first`s runnable (clone "one or more").
    pub const ONE_OR_MORE: OrderFlags = OrderFlags(1 << 14);
    pub const PROBE: OrderFlags = OrderFlags(1 << 15);
    pub const THEN_CANCELS_FIRST: OrderFlags = OrderFlags(1 << 16);
    pub const ANTI_COLOCATION: OrderFlags = OrderFlags(1 << 17);
    /// Generated by the scheduler itself (immune to some checks).
    pub const PRESERVE: OrderFlags = OrderFlags(1 << 18);
    /// Utilization: stops on a node before starts there.
    pub const LOAD: OrderFlags = OrderFlags(1 << 19);

    pub const fn has(self, f: OrderFlags) -> bool {
        self.0 & f.0 == f.0 && f.0 != 0
    }

    pub const fn any(self, f: OrderFlags) -> bool {
        self.0 & f.0 != 0
    }

    pub const fn with(self, f: OrderFlags) -> OrderFlags {
        OrderFlags(self.0 | f.0)
    }

    pub const fn without(self, f: OrderFlags) -> OrderFlags {
        OrderFlags(self.0 & !f.0)
    }

    pub const fn is_none(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for OrderFlags {
    type Output = OrderFlags;
    fn bitor(self, o: OrderFlags) -> OrderFlags {
        OrderFlags(self.0 | o.0)
    }
}

/// Flags of an action (a bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ActionFlags(pub u32);

impl ActionFlags {
    pub const OPTIONAL: ActionFlags = ActionFlags(1 << 0);
    pub const RUNNABLE: ActionFlags = ActionFlags(1 << 1);
    pub const PSEUDO: ActionFlags = ActionFlags(1 << 2);
    pub const PRINT_ALWAYS: ActionFlags = ActionFlags(1 << 3);
    pub const MIGRATE_RUNNABLE: ActionFlags = ActionFlags(1 << 4);
    pub const DANGLE: ActionFlags = ActionFlags(1 << 5);
    pub const REQUIRES_ANY: ActionFlags = ActionFlags(1 << 6);
    /// May run on the DC regardless of its target node's state.
    pub const DC: ActionFlags = ActionFlags(1 << 7);
    pub const IMPLIED_BY_STONITH: ActionFlags = ActionFlags(1 << 8);
    pub const RESCHEDULE: ActionFlags = ActionFlags(1 << 9);
    pub const DEDUP: ActionFlags = ActionFlags(1 << 10);

    pub const fn has(self, f: ActionFlags) -> bool {
        self.0 & f.0 == f.0
    }

    pub fn set(&mut self, f: ActionFlags) {
        self.0 |= f.0;
    }

    pub fn clear(&mut self, f: ActionFlags) {
        self.0 &= !f.0;
    }
}

impl std::ops::BitOr for ActionFlags {
    type Output = ActionFlags;
    fn bitor(self, o: ActionFlags) -> ActionFlags {
        ActionFlags(self.0 | o.0)
    }
}

/// One end of an ordering, as stored on an action.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub action: ActionId,
    pub flags: OrderFlags,
}

/// The kind of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Task {
    Start,
    Stop,
    Monitor,
    Promote,
    Demote,
    Notify,
    MigrateTo,
    MigrateFrom,
    Reload,
    Cancel,
    // Pseudo-events of collective resources.
    Running,
    Stopped,
    Promoted,
    Demoted,
    Notified,
    // Node-level actions.
    Fence,
    Shutdown,
    /// Clear a failure record (`clear_failcount`).
    ClearFailcount,
    /// Remove a resource's history from a node.
    Delete,
    /// The controller forgets a resource's history on a node (no agent
    /// runs; the node need not be up): `lrm_delete`.
    LrmDelete,
    /// A marker: every probe on a node is complete.
    ProbeComplete,
    /// A node-wide marker for "all stops done" in some fencing orders.
    AllStopped,
    Lrm,
    /// Per-node marker for utilization: everything stopping there has stopped.
    LoadStopped,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Start => "start",
            Task::Stop => "stop",
            Task::Monitor => "monitor",
            Task::Promote => "promote",
            Task::Demote => "demote",
            Task::Notify => "notify",
            Task::MigrateTo => "migrate_to",
            Task::MigrateFrom => "migrate_from",
            Task::Reload => "reload-agent",
            Task::Cancel => "cancel",
            Task::Running => "running",
            Task::Stopped => "stopped",
            Task::Promoted => "promoted",
            Task::Demoted => "demoted",
            Task::Notified => "notified",
            Task::Fence => "stonith",
            Task::Shutdown => "do_shutdown",
            Task::ClearFailcount => "clear_failcount",
            Task::Delete => "delete",
            Task::LrmDelete => "lrm_delete",
            Task::ProbeComplete => "probe_complete",
            Task::AllStopped => "all_stopped",
            Task::Lrm => "probe_complete",
            Task::LoadStopped => "load_stopped",
        }
    }

    pub fn parse(name: &str) -> Option<Task> {
        Some(match name {
            "start" => Task::Start,
            "stop" => Task::Stop,
            "monitor" => Task::Monitor,
            "promote" => Task::Promote,
            "demote" => Task::Demote,
            "notify" => Task::Notify,
            "migrate_to" => Task::MigrateTo,
            "migrate_from" => Task::MigrateFrom,
            "reload" | "reload-agent" => Task::Reload,
            "running" => Task::Running,
            "stopped" => Task::Stopped,
            "promoted" => Task::Promoted,
            "demoted" => Task::Demoted,
            "notified" => Task::Notified,
            "stonith" => Task::Fence,
            _ => return None,
        })
    }

    /// The pseudo-event that marks completion of a collective action.
    pub fn completion(self) -> Task {
        match self {
            Task::Start => Task::Running,
            Task::Stop => Task::Stopped,
            Task::Promote => Task::Promoted,
            Task::Demote => Task::Demoted,
            Task::Notify => Task::Notified,
            other => other,
        }
    }

    /// The action a completion event completes.
    pub fn started_by(self) -> Task {
        match self {
            Task::Running => Task::Start,
            Task::Stopped => Task::Stop,
            Task::Promoted => Task::Promote,
            Task::Demoted => Task::Demote,
            Task::Notified => Task::Notify,
            other => other,
        }
    }
}

/// What an action needs before it may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    Quorum,
    Fencing,
}

/// One action of the transition.
#[derive(Debug, Clone)]
pub struct Action {
    pub rsc: Option<RscId>,
    pub task: Task,
    pub interval_ms: u64,
    pub node: Option<NodeId>,
    pub flags: ActionFlags,
    pub needs: Needs,
    /// For one-or-more orderings: how many `first`s are runnable / needed.
    pub runnable_before: usize,
    pub required_runnable_before: usize,
    pub reason: Option<String>,
    /// Extra settings (fence action, notification details, target rc, ...).
    pub meta: std::collections::BTreeMap<String, String>,
    /// Orderings where this action is `then` (newest first).
    pub before: Vec<Edge>,
    /// Orderings where this action is `first` (newest first).
    pub after: Vec<Edge>,
    /// Key for actions not bound to a resource (fencing, shutdown, ...).
    pub key: Option<String>,
    /// The task as spelled in the action key (for notifications).
    pub task_name: Option<String>,
    /// For notification pseudo-actions: ("pre"/"post"/..., the clone task).
    pub notify_type: Option<(String, Task)>,
    pub migrate_source: Option<NodeId>,
    pub migrate_target: Option<NodeId>,
}

impl Action {
    pub fn optional(&self) -> bool {
        self.flags.has(ActionFlags::OPTIONAL)
    }
    pub fn runnable(&self) -> bool {
        self.flags.has(ActionFlags::RUNNABLE)
    }
    pub fn pseudo(&self) -> bool {
        self.flags.has(ActionFlags::PSEUDO)
    }
    /// The task this action stands for: a clone notification stands for
    /// the action it notifies about.
    pub fn notified_task(&self) -> Task {
        match &self.notify_type {
            Some((_, op)) => *op,
            None => self.task,
        }
    }
}

/// Global settings from `crm_config`.
#[derive(Debug, Clone)]
pub struct Options {
    pub stonith_enabled: bool,
    pub symmetric: bool,
    pub no_quorum_policy: NoQuorumPolicy,
    pub stop_orphan_resources: bool,
    pub stop_orphan_actions: bool,
    pub start_failure_is_fatal: bool,
    pub maintenance_mode: bool,
    pub stop_all_resources: bool,
    pub placement_strategy: PlacementStrategy,
    pub node_health_strategy: String,
    pub health_red: Score,
    pub health_yellow: Score,
    pub health_green: Score,
    pub health_base: Score,
    pub stonith_action: String,
    pub startup_fencing: bool,
    pub concurrent_fencing: bool,
    pub shutdown_lock: bool,
    pub shutdown_lock_limit_s: i64,
    pub enable_startup_probes: bool,
    pub cluster_name: Option<String>,
    pub priority_fencing_delay_ms: u64,
    pub have_watchdog: bool,
    pub stonith_watchdog_timeout: Option<String>,
    pub default_stickiness: Option<Score>,
    pub default_managed: Option<bool>,
    pub migration_limit: i64,
    pub remove_after_stop: bool,
    pub all: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoQuorumPolicy {
    Ignore,
    Freeze,
    Stop,
    Demote,
    Fence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementStrategy {
    Default,
    Utilization,
    Minimal,
    Balanced,
}

/// A ticket's state, from the status section.
#[derive(Debug, Clone, Default)]
pub struct Ticket {
    pub id: String,
    pub granted: bool,
    pub standby: bool,
    pub last_granted: Option<i64>,
}

/// An `rsc_ticket` binding.
#[derive(Debug, Clone)]
pub struct TicketBinding {
    pub id: String,
    pub ticket: String,
    pub rsc: RscId,
    pub role: Role,
    pub loss_policy: String,
}

/// The working set.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub now: DateTime,
    pub options: Options,
    pub have_quorum: bool,
    pub dc_node: Option<NodeId>,
    pub nodes: Vec<Node>,
    pub resources: Vec<Resource>,
    /// Top-level resources in configuration order.
    pub top: Vec<RscId>,
    pub locations: Vec<LocationRule>,
    pub colocations: Vec<Colocation>,
    pub tickets: BTreeMap<String, Ticket>,
    pub ticket_bindings: Vec<TicketBinding>,
    pub actions: Vec<Action>,
    /// Deferred resource orderings (by action key) resolved after actions exist.
    pub rsc_orderings: Vec<RscOrdering>,
    pub has_stonith_resource: bool,
    /// A fence device provides unfencing.
    pub unfencing_enabled: bool,
    pub warnings: Vec<String>,
    /// The allocation scores for `--show-scores`, as logged
    /// ([`Cluster::score_lines`] renders them).
    pub score_log: Vec<LoggedScore>,
    pub promotion_log: Vec<String>,
    pub fencing_levels: Vec<vigil_cib::config::FencingLevel>,
    pub recheck_by: Option<i64>,
    pub op_defaults: Vec<vigil_cib::nvset::NvSet>,
    /// Every history entry by `lrm_resource` id, for cross-node lookups.
    pub history_index: HistoryIndex,
    /// Recurring monitors whose failures expired: (rsc, node, task, interval).
    pub expired_monitors: Vec<(RscId, NodeId, String, u64)>,

    /// Resources whose preferences are being merged (loop guard).
    pub merging: Vec<RscId>,
    /// Instances placed per (clone, node) during clone assignment.
    pub clone_counts: BTreeMap<(RscId, NodeId), usize>,
    pub promotion_scores_added: Vec<RscId>,
    pub promotion_ordered: Vec<RscId>,
    /// Notification pseudo-actions per (clone, task).
    pub(crate) notifications: Vec<(RscId, Task, crate::notify::NotifyOps)>,
    /// Remaining utilization capacity per node.
    pub remaining_capacity: BTreeMap<NodeId, BTreeMap<String, i64>>,
    /// Inputs may have private parameters masked (as crm_simulate assumes):
    /// changes to them alone do not count as definition changes.
    pub sanitized: bool,
    /// Each node's history per resource, in status order.
    pub node_histories: Vec<NodeHistory>,
    /// Bundle replicas per bundle resource.
    pub bundle_replicas: BTreeMap<RscId, Vec<crate::bundle::Replica>>,
    /// What changed each node score and why (only when asked for).
    pub ledger: Option<Box<crate::ledger::Ledger>>,
}

/// One resource's history on one node, as the status section records it.
#[derive(Debug, Clone)]
pub struct NodeHistory {
    pub node: NodeId,
    pub rsc: RscId,
    pub lrm: vigil_cib::status::LrmResource,
}

/// Every node's operation history of each `lrm_resource` id (shared with
/// the status section, not copied).
#[derive(Debug, Clone, Default)]
pub struct HistoryIndex(BTreeMap<String, Vec<NodeOps>>);

/// The operations one node has recorded for a resource.
type NodeOps = (NodeId, Arc<[LrmOp]>);

impl HistoryIndex {
    /// Add what node `n` knows about a resource (nothing, if it has no
    /// operations).
    pub fn add(&mut self, n: NodeId, lrm: &LrmResource) {
        if !lrm.ops.is_empty() {
            let entries = self.0.entry(lrm.id().to_string()).or_default();
            entries.push((n, lrm.ops.clone()));
        }
    }

    /// Whether any node has an operation recorded for `id`.
    pub fn contains(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }

    /// Every operation recorded for `id`, with its node, in status order.
    pub fn ops(&self, id: &str) -> impl Iterator<Item = (NodeId, &LrmOp)> {
        self.0
            .get(id)
            .into_iter()
            .flatten()
            .flat_map(|(n, ops)| ops.iter().map(move |op| (*n, op)))
    }
}

/// A resource's allocation score on a node, as `function` logged it.
#[derive(Debug, Clone, Copy)]
pub struct LoggedScore {
    pub function: &'static str,
    pub rsc: RscId,
    pub node: NodeId,
    pub score: Score,
}

/// An ordering between actions of resources, by task, resolved once
/// actions are created (so it applies to whatever actions exist).
#[derive(Debug, Clone)]
pub struct RscOrdering {
    pub id: String,
    pub first_rsc: Option<RscId>,
    pub first_task: Task,
    pub first_action: Option<ActionId>,
    pub then_rsc: Option<RscId>,
    pub then_task: Task,
    pub then_action: Option<ActionId>,
    pub flags: OrderFlags,
}

impl Cluster {
    /// The logged allocation scores as crm_simulate prints them
    /// (`FUNCTION: RSC allocation score on NODE: SCORE`), in logging order.
    pub fn score_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.score_log.iter().map(|l| {
            format!(
                "{}: {} allocation score on {}: {}",
                l.function, self.resources[l.rsc].id, self.nodes[l.node].name, l.score
            )
        })
    }

    /// What `-s` shows: the allocation and promotion scores, sorted as
    /// crm_simulate prints them.
    pub fn shown_scores(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.score_lines().collect();
        lines.extend(self.promotion_log.iter().cloned());
        lines.sort();
        lines
    }

    pub fn node_name(&self, n: NodeId) -> &str {
        &self.nodes[n].name
    }

    pub fn rsc(&self, r: RscId) -> &Resource {
        &self.resources[r]
    }

    pub fn find_rsc(&self, id: &str) -> Option<RscId> {
        self.resources.iter().position(|r| r.id == id)
    }

    /// The topmost ancestor, short of a bundle: what a bundle contains
    /// (its replicas' resources, its implicit clone) counts as top-level.
    pub fn top_of(&self, mut r: RscId) -> RscId {
        while let Some(p) = self.resources[r].parent {
            if self.resources[p].variant == Variant::Bundle {
                break;
            }
            r = p;
        }
        r
    }

    /// Every primitive at or below `r`.
    pub fn primitives_under(&self, r: RscId) -> Vec<RscId> {
        let mut out = Vec::new();
        let mut stack = vec![r];
        while let Some(x) = stack.pop() {
            if self.resources[x].is_primitive() {
                out.push(x);
            }
            stack.extend(self.resources[x].children.iter().rev());
        }
        out.sort();
        out
    }

    /// Every node, in Pacemaker's node-list order: by name, ignoring case
    /// and comparing digit runs as numbers.
    pub fn nodes_by_name(&self) -> Vec<NodeId> {
        let mut order: Vec<NodeId> = (0..self.nodes.len()).collect();
        order.sort_by(|&a, &b| natural_cmp(&self.nodes[a].name, &self.nodes[b].name));
        order
    }

    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Whether the node may host resources.
    pub fn node_available(&self, n: NodeId) -> bool {
        self.nodes[n].can_run
    }
}

/// Compare names ignoring case, with runs of digits compared by value
/// (`node2` < `node10`).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let si = i;
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            let sj = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let na = std::str::from_utf8(&a[si..i])
                .unwrap_or("0")
                .trim_start_matches('0');
            let nb = std::str::from_utf8(&b[sj..j])
                .unwrap_or("0")
                .trim_start_matches('0');
            let ord = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
            if ord != Ordering::Equal {
                return ord;
            }
            continue;
        }
        let ord = a[i].to_ascii_lowercase().cmp(&b[j].to_ascii_lowercase());
        if ord != Ordering::Equal {
            return ord;
        }
        i += 1;
        j += 1;
    }
    (a.len() - i).cmp(&(b.len() - j))
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::*;

    use super::natural_cmp;

    #[test]
    fn names_compare_with_numbers_by_value() {
        assert_eq!(natural_cmp("node2", "node10"), Less);
        assert_eq!(natural_cmp("Node1", "node1"), Equal);
        assert_eq!(natural_cmp("c001n08", "c001n1"), Greater);
        assert_eq!(natural_cmp("node", "node1"), Less);
        assert_eq!(natural_cmp("sby1", "act3"), Greater);
    }
}
