//! Why a resource is where it is: its node scores taken apart, from a
//! transition scheduled with the score ledger on.
//!
//! [`explain`] builds an [`Explanation`] for one resource (a primitive, a
//! group, a clone or one clone instance such as `db:0`): the score each
//! node had when the resource's node was chosen, the ledger entries that
//! add up to it, what rules each node out (its state, a negative score, a
//! lower score, a lost tie-break), where the resource is now and what the
//! transition will do with it. Renderers (the CLI's plain words and JSON)
//! only format it.

use std::collections::BTreeMap;
use std::fmt;

use vigil_cib::Score;

use crate::Transition;
use crate::cluster::*;
use crate::ledger::{Change, Checkpoint, Ledger, Moment, Source};
use crate::placement::NodeScores;

/// Why a resource cannot be explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExplainError {
    /// No resource has that id (the configured ids are listed).
    UnknownResource { id: String, known: Vec<String> },
    /// The transition was scheduled without the score ledger.
    NoLedger,
}

impl fmt::Display for ExplainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExplainError::UnknownResource { id, known } if known.is_empty() => {
                write!(f, "no resource {id:?}: the configuration has no resources")
            }
            ExplainError::UnknownResource { id, known } => {
                const SHOWN: usize = 20;
                write!(f, "no resource {id:?}; configured resources: ")?;
                f.write_str(&known[..known.len().min(SHOWN)].join(", "))?;
                if known.len() > SHOWN {
                    write!(f, " (and {} more)", known.len() - SHOWN)?;
                }
                Ok(())
            }
            ExplainError::NoLedger => {
                f.write_str("the transition was scheduled without the score ledger")
            }
        }
    }
}

impl std::error::Error for ExplainError {}

/// What kind of resource is explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Primitive {
        agent: String,
    },
    Group {
        members: usize,
    },
    Clone {
        promotable: bool,
        max: usize,
        node_max: usize,
    },
    Bundle,
}

/// Where a resource is now (from the status section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub nodes: Vec<String>,
    pub role: Role,
    pub failed: bool,
    /// Fail counts per node (only nodes with failures).
    pub fail_counts: Vec<(String, Score)>,
    pub migration_threshold: i64,
}

/// What the scheduler decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It will be active on this node, in this role.
    Runs { node: String, role: Role },
    /// A clone: instances will be active on these nodes.
    RunsOn { nodes: Vec<String> },
    /// It will not be active anywhere.
    Stopped,
    /// Not managed: left as it is (active on `node`, if anywhere).
    LeftAlone { node: Option<String> },
}

/// Resource-level reasons for the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// `target-role=Stopped` on it or an enclosing resource.
    TargetRoleStopped,
    /// The cluster option `stop-all-resources` is set.
    StopAllResources,
    /// `is-managed=false` (or maintenance): the cluster leaves it alone.
    Unmanaged { maintenance: bool },
    /// Fencing is enabled but there is no fencing device: nothing is managed.
    NoFencingDevice,
    /// Failures block it (`on-fail=block` or a failed stop without fencing).
    Blocked,
    /// It failed; the fail counts reached `migration-threshold` on these nodes.
    ThresholdReached { nodes: Vec<String>, threshold: i64 },
    /// No node had a usable score (each node's verdict says why).
    NoNodeAvailable,
    /// These ban it from every node it could have had (-INFINITY).
    BannedEverywhere { sources: Vec<Source> },
    /// Placed without choosing by score (e.g. it must follow an instance
    /// of an interleaved clone that is not there).
    Imposed,
    /// The start (or promotion) cannot run: `cause` says what it waits for.
    ActionBlocked { action: String, cause: String },
    /// It is part of a clone: `clone-max` instances already run.
    CloneMaxReached { max: usize },
    /// A promotable clone's instance stays Unpromoted: `promoted-max`
    /// instances with higher promotion scores are promoted.
    PromotedMaxReached { max: usize },
    /// ... because its node already has `promoted-node-max` promoted instances.
    PromotedNodeMaxReached { max: usize },
    /// A promotable clone's instance stays Unpromoted: no usable promotion score.
    NoPromotionScore,
    /// A promotable clone's instance stays Unpromoted for another reason
    /// (a colocation or constraint on the Promoted role, an unrunnable promote).
    NotPromoted,
}

/// Why a node was or was not chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Chosen,
    /// Not chosen but imposed: an unmanaged resource stays where it is.
    Kept,
    /// The node cannot run resources (offline, standby, ...).
    Unavailable(NodeState),
    /// The node is not in the resource's table (opt-in cluster, or removed).
    NotAllowed {
        symmetric: bool,
    },
    /// A negative score: never chosen.
    Banned,
    /// A usable node with a lower score than the chosen one.
    LowerScore {
        winner: String,
        winner_score: Score,
    },
    /// As good as the chosen node; the tie-break preferred the winner.
    TieBreak {
        winner: String,
        why: TieBreak,
    },
    /// Usable, but the resource was not placed by score (see the reasons).
    NotChosen,
}

/// A node's state that keeps resources off it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    Unclean,
    Offline,
    Pending,
    Standby { on_fail: bool },
    Maintenance,
    ShuttingDown,
}

/// How ties between equally scored nodes are broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TieBreak {
    /// The winner had fewer resources assigned at that point.
    FewerResources { winner: usize, loser: usize },
    /// The winner is where the resource is active.
    CurrentNode,
    /// With `placement-strategy=balanced`, the winner had more free capacity.
    MoreCapacity,
    /// The node names decide last.
    NameOrder,
}

/// One ledger entry shown under a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub change: Change,
    pub source: Source,
}

/// A node's score and how it came about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeView {
    pub node: String,
    /// `None`: the node is not in the table at all.
    pub score: Option<Score>,
    pub contributions: Vec<Contribution>,
    pub verdict: Verdict,
}

/// Everything said about one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub id: String,
    pub kind: Kind,
    /// The clone this resource is an instance of (or is inside).
    pub clone_of: Option<String>,
    /// The group this resource is a member of.
    pub group: Option<String>,
    pub current: Current,
    pub outcome: Outcome,
    /// The role it will have after the transition.
    pub next_role: Role,
    pub reasons: Vec<Reason>,
    /// The Transition Summary lines about it (and its members/instances).
    pub planned: Vec<String>,
    /// Each node's score when its node was chosen (for a group: none, see
    /// `parts`; for a clone: the scores that order nodes for instances).
    pub nodes: Vec<NodeView>,
    /// For promotable clone instances: the promotion score used.
    pub promotion_score: Option<Score>,
    /// Group members, or clone instances.
    pub parts: Vec<Explanation>,
}

/// Explain resource `id` in a transition scheduled with the ledger on
/// ([`crate::schedule_with`]).
pub fn explain(transition: &Transition, id: &str) -> Result<Explanation, ExplainError> {
    let cluster = &transition.cluster;
    let ledger = cluster.ledger.as_deref().ok_or(ExplainError::NoLedger)?;
    let r = find(cluster, id).ok_or_else(|| ExplainError::UnknownResource {
        id: id.to_string(),
        known: cluster
            .top
            .iter()
            .map(|&r| cluster.resources[r].id.clone())
            .collect(),
    })?;
    let ctx = Context {
        cluster,
        ledger,
        summary: &transition.summary,
    };
    Ok(ctx.resource(r))
}

/// A resource by id; a configured id of an anonymous clone's primitive
/// (`db` for instances `db:0`, `db:1`) means its clone.
fn find(cluster: &Cluster, id: &str) -> Option<RscId> {
    if let Some(r) = cluster.find_rsc(id) {
        return Some(r);
    }
    let r = cluster.resources.iter().position(|x| x.base_id == id)?;
    let mut cur = r;
    while let Some(p) = cluster.resources[cur].parent {
        if cluster.resources[p].variant == Variant::Clone {
            return Some(p);
        }
        cur = p;
    }
    Some(r)
}

/// See [`Context::decision`].
struct Decision {
    table: NodeScores,
    cut: usize,
    chosen: Option<NodeId>,
    forced: bool,
    counts: BTreeMap<NodeId, usize>,
}

struct Context<'a> {
    cluster: &'a Cluster,
    ledger: &'a Ledger,
    summary: &'a [crate::SummaryLine],
}

impl Context<'_> {
    fn rsc(&self, r: RscId) -> &Resource {
        &self.cluster.resources[r]
    }

    fn name(&self, n: NodeId) -> String {
        self.cluster.nodes[n].name.clone()
    }

    fn resource(&self, r: RscId) -> Explanation {
        let rsc = self.rsc(r);
        let mut e = Explanation {
            id: rsc.id.clone(),
            kind: self.kind(r),
            clone_of: self.enclosing(r, Variant::Clone),
            group: rsc
                .parent
                .filter(|&p| self.rsc(p).variant == Variant::Group)
                .map(|p| self.rsc(p).id.clone()),
            current: self.current(r),
            outcome: Outcome::Stopped,
            next_role: rsc.next_role,
            reasons: Vec::new(),
            planned: self.planned(r),
            nodes: Vec::new(),
            promotion_score: None,
            parts: Vec::new(),
        };
        match rsc.variant {
            Variant::Primitive => self.primitive(r, &mut e),
            Variant::Group => {
                e.parts = rsc.children.iter().map(|&c| self.resource(c)).collect();
                e.outcome = e
                    .parts
                    .first()
                    .map(|p| p.outcome.clone())
                    .unwrap_or(Outcome::Stopped);
                if let Some(first) = e.parts.first() {
                    e.reasons = first.reasons.clone();
                }
            }
            Variant::Clone | Variant::Bundle => self.clone(r, &mut e),
        }
        if self.in_promotable(r) && rsc.children.is_empty() {
            e.promotion_score = Some(rsc.sort_index);
        }
        e
    }

    fn kind(&self, r: RscId) -> Kind {
        let rsc = self.rsc(r);
        match rsc.variant {
            Variant::Primitive => Kind::Primitive {
                agent: rsc.agent.as_ref().map(Agent::spec).unwrap_or_default(),
            },
            Variant::Group => Kind::Group {
                members: rsc.children.len(),
            },
            Variant::Clone => {
                let s = rsc.clone.clone().unwrap_or_default();
                Kind::Clone {
                    promotable: s.promotable,
                    max: s.max,
                    node_max: s.node_max,
                }
            }
            Variant::Bundle => Kind::Bundle,
        }
    }

    fn enclosing(&self, r: RscId, variant: Variant) -> Option<String> {
        let mut cur = self.rsc(r).parent;
        while let Some(p) = cur {
            if self.rsc(p).variant == variant {
                return Some(self.rsc(p).id.clone());
            }
            cur = self.rsc(p).parent;
        }
        None
    }

    fn in_promotable(&self, r: RscId) -> bool {
        let top = self.cluster.top_of(r);
        top != r && self.rsc(top).is_promotable()
    }

    fn current(&self, r: RscId) -> Current {
        let rsc = self.rsc(r);
        let mut nodes = Vec::new();
        crate::clone::collect_locations(self.cluster, r, true, &mut nodes);
        let mut fail_counts = Vec::new();
        let prims = self.cluster.primitives_under(r);
        for n in 0..self.cluster.nodes.len() {
            let total = prims.iter().fold(Score::ZERO, |acc, &p| {
                acc + crate::failures::fail_count(self.cluster, p, n, true, None).0
            });
            if total.value() > 0 {
                fail_counts.push((self.name(n), total));
            }
        }
        Current {
            nodes: nodes.into_iter().map(|n| self.name(n)).collect(),
            role: crate::clone::state(self.cluster, r, true),
            failed: prims.iter().any(|&p| self.rsc(p).failed),
            fail_counts,
            migration_threshold: rsc.migration_threshold,
        }
    }

    /// Transition Summary lines about `r` or anything inside it.
    fn planned(&self, r: RscId) -> Vec<String> {
        let mut ids = vec![self.rsc(r).id.clone()];
        let mut stack = self.rsc(r).children.clone();
        while let Some(x) = stack.pop() {
            ids.push(self.rsc(x).id.clone());
            stack.extend(self.rsc(x).children.iter().copied());
        }
        self.summary
            .iter()
            .filter(|l| ids.contains(&l.subject))
            .map(|l| {
                l.text
                    .split_whitespace()
                    .skip(1)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// How a resource's node was chosen: the table, the ledger entries up
    /// to then, the node, whether it was imposed, and the resources each
    /// node had by then. Without a decision (never assigned), the final
    /// table and the assignment as it stands, taken as imposed.
    fn decision(&self, r: RscId) -> Decision {
        let decided = self
            .ledger
            .last_checkpoint(r, |m| matches!(m, Moment::Decision { .. }));
        match decided {
            Some(Checkpoint {
                table,
                at,
                moment:
                    Moment::Decision {
                        chosen,
                        forced,
                        assigned_counts,
                    },
                ..
            }) => Decision {
                table: table.clone(),
                cut: *at,
                chosen: *chosen,
                forced: *forced,
                counts: assigned_counts.clone(),
            },
            _ => Decision {
                table: self.rsc(r).allowed.clone(),
                cut: self.ledger.entries.len(),
                chosen: self.rsc(r).assigned,
                forced: true,
                counts: BTreeMap::new(),
            },
        }
    }

    /// The node views of a table, with each node's ledger entries up to
    /// `cut` (and, should the entries not add up, the difference).
    fn views(&self, r: RscId, table: &NodeScores, cut: usize) -> Vec<NodeView> {
        let mut by_node: BTreeMap<NodeId, Vec<Contribution>> = BTreeMap::new();
        for e in self.ledger.entries_of(r, cut) {
            by_node.entry(e.node).or_default().push(Contribution {
                change: e.change,
                source: e.source.clone(),
            });
        }
        let sums = self.ledger.fold(r, cut);
        (0..self.cluster.nodes.len())
            .map(|n| {
                let mut contributions = by_node.remove(&n).unwrap_or_default();
                let score = table.get(&n).copied();
                if let Some(change) = Change::between(sums.get(&n).copied(), score) {
                    contributions.push(Contribution {
                        change,
                        source: Source::Unattributed,
                    });
                }
                NodeView {
                    node: self.name(n),
                    score,
                    contributions,
                    verdict: Verdict::NotChosen,
                }
            })
            .collect()
    }

    fn node_state(&self, n: NodeId) -> Option<NodeState> {
        let node = &self.cluster.nodes[n];
        if node.can_run {
            None
        } else if node.unclean {
            Some(NodeState::Unclean)
        } else if node.pending {
            Some(NodeState::Pending)
        } else if !node.online {
            Some(NodeState::Offline)
        } else if node.standby {
            Some(NodeState::Standby {
                on_fail: node.standby_onfail,
            })
        } else if node.maintenance {
            Some(NodeState::Maintenance)
        } else {
            Some(NodeState::ShuttingDown)
        }
    }

    fn primitive(&self, r: RscId, e: &mut Explanation) {
        let rsc = self.rsc(r);
        let Decision {
            table,
            cut,
            chosen,
            forced,
            counts,
        } = self.decision(r);
        let mut views = self.views(r, &table, cut);
        let current = rsc.current_node();
        for (n, v) in views.iter_mut().enumerate() {
            v.verdict = self.verdict(n, v.score, chosen, &table, &counts, current);
            if v.verdict == Verdict::Chosen && forced {
                v.verdict = Verdict::Kept;
            }
        }
        // The chosen node first, then the best scores, then by name.
        views.sort_by(|a, b| {
            let rank = |v: &NodeView| !matches!(v.verdict, Verdict::Chosen | Verdict::Kept);
            rank(a)
                .cmp(&rank(b))
                .then(b.score.cmp(&a.score))
                .then_with(|| a.node.cmp(&b.node))
        });
        e.nodes = views;
        e.outcome = match chosen {
            _ if !rsc.managed => Outcome::LeftAlone {
                node: rsc.current_node().map(|n| self.name(n)),
            },
            Some(n) => Outcome::Runs {
                node: self.name(n),
                role: rsc.next_role,
            },
            None => Outcome::Stopped,
        };
        e.reasons = self.reasons(r, chosen, forced, e);
    }

    fn verdict(
        &self,
        n: NodeId,
        score: Option<Score>,
        chosen: Option<NodeId>,
        table: &NodeScores,
        counts: &BTreeMap<NodeId, usize>,
        current: Option<NodeId>,
    ) -> Verdict {
        if chosen == Some(n) {
            return Verdict::Chosen;
        }
        if let Some(state) = self.node_state(n) {
            return Verdict::Unavailable(state);
        }
        let Some(score) = score else {
            return Verdict::NotAllowed {
                symmetric: self.cluster.options.symmetric,
            };
        };
        if score.value() < 0 {
            return Verdict::Banned;
        }
        let Some(w) = chosen else {
            return Verdict::NotChosen;
        };
        let winner_score = table.get(&w).copied().unwrap_or(Score::NEG_INFINITY);
        if score < winner_score {
            return Verdict::LowerScore {
                winner: self.name(w),
                winner_score,
            };
        }
        if score > winner_score {
            return Verdict::NotChosen;
        }
        let strategy = self.cluster.options.placement_strategy;
        let (cw, cn) = (
            counts.get(&w).copied().unwrap_or(0),
            counts.get(&n).copied().unwrap_or(0),
        );
        let why = if strategy == PlacementStrategy::Minimal {
            TieBreak::NameOrder
        } else if strategy == PlacementStrategy::Balanced
            && crate::utilization::compare_capacity(self.cluster, w, n) != std::cmp::Ordering::Equal
        {
            TieBreak::MoreCapacity
        } else if cw != cn {
            TieBreak::FewerResources {
                winner: cw,
                loser: cn,
            }
        } else if current == Some(w) {
            TieBreak::CurrentNode
        } else {
            TieBreak::NameOrder
        };
        Verdict::TieBreak {
            winner: self.name(w),
            why,
        }
    }

    fn reasons(
        &self,
        r: RscId,
        chosen: Option<NodeId>,
        forced: bool,
        e: &Explanation,
    ) -> Vec<Reason> {
        let cluster = self.cluster;
        let rsc = self.rsc(r);
        let mut out = Vec::new();
        if cluster.options.stonith_enabled && !cluster.has_stonith_resource {
            out.push(Reason::NoFencingDevice);
        } else if !rsc.managed && !rsc.blocked {
            out.push(Reason::Unmanaged {
                maintenance: rsc.maintenance || cluster.options.maintenance_mode,
            });
        }
        if rsc.blocked {
            out.push(Reason::Blocked);
        }
        if crate::ledger::stopped_by_target_role(cluster, r) {
            out.push(Reason::TargetRoleStopped);
        }
        if cluster.options.stop_all_resources {
            out.push(Reason::StopAllResources);
        }
        let threshold_nodes: Vec<String> = e
            .current
            .fail_counts
            .iter()
            .filter(|(_, c)| rsc.migration_threshold > 0 && c.value() >= rsc.migration_threshold)
            .map(|(n, _)| n.clone())
            .collect();
        if !threshold_nodes.is_empty() {
            out.push(Reason::ThresholdReached {
                nodes: threshold_nodes,
                threshold: rsc.migration_threshold,
            });
        }
        let limit = e.nodes.iter().find_map(|v| {
            v.contributions.iter().find_map(|c| match c.source {
                Source::CloneLimit(crate::ledger::InstanceLimit::CloneMaxReached { max }) => {
                    Some(max)
                }
                _ => None,
            })
        });
        if let Some(max) = limit
            && chosen.is_none()
        {
            out.push(Reason::CloneMaxReached { max });
        }
        if chosen.is_none() && rsc.managed {
            let sources: Vec<Source> = banned_everywhere(&e.nodes)
                .into_iter()
                .filter(|s| !matches!(s, Source::Stopping { target_role: true }))
                .collect();
            if !sources.is_empty() {
                out.push(Reason::BannedEverywhere { sources });
            }
        }
        if chosen.is_none() && rsc.managed && out.is_empty() {
            if forced {
                out.push(Reason::Imposed);
            } else {
                out.push(Reason::NoNodeAvailable);
            }
        }
        if let Some(n) = chosen
            && rsc.managed
        {
            let starts = !rsc.running_on.contains(&n) || rsc.failed || rsc.restarting;
            let promotes = rsc.next_role == Role::Promoted && rsc.role < Role::Promoted;
            let tasks: &[Task] = match (starts, promotes) {
                (true, true) => &[Task::Start, Task::Promote],
                (true, false) => &[Task::Start],
                (false, true) => &[Task::Promote],
                (false, false) => &[],
            };
            for &task in tasks {
                if let Some(reason) = self.blocked_action(r, task, n) {
                    out.push(reason);
                    break;
                }
            }
        }
        out
    }

    /// Why `r`'s `task` on `n` cannot run, if it is needed and cannot.
    fn blocked_action(&self, r: RscId, task: Task, n: NodeId) -> Option<Reason> {
        let cluster = self.cluster;
        let a = crate::actions::find_actions_exact(cluster, r, task, 0, Some(n))
            .into_iter()
            .next()?;
        if cluster.actions[a].runnable() {
            return None;
        }
        let action = format!("{} of {} on {}", task.name(), self.rsc(r).id, self.name(n));
        let blocker = cluster.actions[a].before.iter().find(|edge| {
            edge.flags.has(OrderFlags::RUNNABLE_LEFT) && !cluster.actions[edge.action].runnable()
        });
        let cause = match blocker {
            Some(edge) => format!(
                "it must wait for {}, which cannot run",
                self.describe_action(edge.action)
            ),
            None if !cluster.have_quorum
                && cluster.options.no_quorum_policy != NoQuorumPolicy::Ignore =>
            {
                let policy = cluster.options.all.get("no-quorum-policy");
                format!(
                    "the partition has no quorum (no-quorum-policy={})",
                    policy.map_or("stop", String::as_str)
                )
            }
            None => cluster.actions[a]
                .reason
                .clone()
                .unwrap_or_else(|| "it is not runnable".into()),
        };
        Some(Reason::ActionBlocked { action, cause })
    }

    /// An action in words: "start of db on node1" (the resource's id, the
    /// collective's for pseudo-actions).
    fn describe_action(&self, a: ActionId) -> String {
        let act = &self.cluster.actions[a];
        let what = match act.rsc {
            Some(r) => format!("{} of {}", act.task.name(), self.rsc(r).id),
            None => act.key.clone().unwrap_or_else(|| act.task.name().into()),
        };
        match act.node {
            Some(n) if !act.pseudo() => format!("{what} on {}", self.name(n)),
            _ => what,
        }
    }

    fn clone(&self, r: RscId, e: &mut Explanation) {
        let rsc = self.rsc(r);
        // The clone's scores order the nodes its instances are spread on.
        let logged = self
            .ledger
            .last_checkpoint(r, |m| matches!(m, Moment::Logged(_)));
        let (table, cut) = match logged {
            Some(cp) => (cp.table.clone(), cp.at),
            None => (rsc.allowed.clone(), self.ledger.entries.len()),
        };
        let mut views = self.views(r, &table, cut);
        let mut placed = Vec::new();
        // (A bundle is where its replicas' containers are.)
        for x in crate::bundle::containers_or_children(self.cluster, r) {
            crate::clone::collect_locations(self.cluster, x, false, &mut placed);
        }
        for (n, v) in views.iter_mut().enumerate() {
            v.verdict = if placed.contains(&n) {
                Verdict::Chosen
            } else if let Some(state) = self.node_state(n) {
                Verdict::Unavailable(state)
            } else {
                match v.score {
                    None => Verdict::NotAllowed {
                        symmetric: self.cluster.options.symmetric,
                    },
                    Some(s) if s.value() < 0 => Verdict::Banned,
                    Some(_) => Verdict::NotChosen,
                }
            };
        }
        views.sort_by(|a, b| {
            let rank = |v: &NodeView| v.verdict != Verdict::Chosen;
            rank(a)
                .cmp(&rank(b))
                .then(b.score.cmp(&a.score))
                .then_with(|| a.node.cmp(&b.node))
        });
        e.nodes = views;
        e.parts = rsc.children.iter().map(|&c| self.resource(c)).collect();
        if rsc.is_promotable() {
            let settings = rsc.clone.clone().unwrap_or_default();
            let promoted_on = |p: &Explanation| match &p.outcome {
                Outcome::Runs {
                    node,
                    role: Role::Promoted,
                } => Some(node.clone()),
                _ => None,
            };
            let promoted: Vec<String> = e.parts.iter().filter_map(promoted_on).collect();
            for p in &mut e.parts {
                let Outcome::Runs {
                    node,
                    role: Role::Unpromoted,
                } = &p.outcome
                else {
                    continue;
                };
                let here = promoted.iter().filter(|n| *n == node).count();
                p.reasons.push(match p.promotion_score {
                    Some(s) if s.value() < 0 => Reason::NoPromotionScore,
                    _ if promoted.len() >= settings.promoted_max => Reason::PromotedMaxReached {
                        max: settings.promoted_max,
                    },
                    _ if here >= settings.promoted_node_max => Reason::PromotedNodeMaxReached {
                        max: settings.promoted_node_max,
                    },
                    _ => Reason::NotPromoted,
                });
            }
        }
        e.outcome = if placed.is_empty() {
            Outcome::Stopped
        } else {
            Outcome::RunsOn {
                nodes: placed.iter().map(|&n| self.name(n)).collect(),
            }
        };
        e.next_role = crate::clone::state(self.cluster, r, false);
        if crate::ledger::stopped_by_target_role(self.cluster, r) {
            e.reasons.push(Reason::TargetRoleStopped);
        }
        if !rsc.managed {
            e.reasons.push(Reason::Unmanaged {
                maintenance: rsc.maintenance || self.cluster.options.maintenance_mode,
            });
        }
    }
}

/// The sources that put -INFINITY on every node in a table that could
/// otherwise run resources.
fn banned_everywhere(nodes: &[NodeView]) -> Vec<Source> {
    let bans = |v: &NodeView| -> Vec<Source> {
        v.contributions
            .iter()
            .filter(|c| matches!(c.change, Change::Add(s) | Change::Set(s) if s.is_neg_infinity()))
            .map(|c| c.source.clone())
            .collect()
    };
    let mut scored = nodes
        .iter()
        .filter(|v| v.score.is_some() && !matches!(v.verdict, Verdict::Unavailable(_)));
    let Some(first) = scored.next() else {
        return Vec::new();
    };
    let mut common = bans(first);
    for v in scored {
        let here = bans(v);
        common.retain(|s| here.contains(s));
    }
    common.dedup();
    common
}
