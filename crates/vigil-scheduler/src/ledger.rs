//! The score ledger: an opt-in record of every change made to each
//! resource's node scores, and what made it.
//!
//! Scheduling normally runs without a ledger (`Cluster::ledger` is `None`)
//! and every hook below returns at once. With one, each change to a
//! resource's table of allowed nodes becomes an [`Entry`]: the node, the
//! change (add a score, set it, or drop the node) and its [`Source`].
//! Folding a resource's entries in order, with score arithmetic, gives
//! the table the scheduler used; [`Checkpoint`]s record that table at the
//! moments it was logged (`--show-scores`) and used to choose a node, so
//! the invariant can be checked and explanations cut at the decision.
//!
//! Two kinds of hook keep the scheduler's diff small:
//! - [`record`] itemises one known change before it is made (location
//!   constraints, stickiness, bans: the central `add_location_from`);
//! - [`credit`] attributes whatever changed in a resource's tables (its
//!   own and its descendants') since the ledger last saw them to one
//!   source, after code that rewrites whole tables (colocations, merged
//!   preferences, clone limits).
//!
//! A change no hook saw is still accounted for: the next hook on that
//! table records it as [`Source::Unattributed`] first, so the sums stay
//! exact and the gap is visible.

use std::collections::BTreeMap;

use vigil_cib::Score;

use crate::cluster::{Cluster, Colocation, NodeId, Role, RscId};
use crate::placement::NodeScores;

/// How an entry changed a node's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Add a score (creating the node's entry at 0 if absent).
    Add(Score),
    /// Replace the score.
    Set(Score),
    /// Drop the node from the table (not allowed at all).
    Remove,
}

impl Change {
    /// Apply the change to a node's score (`None`: not in the table).
    pub fn apply(self, before: Option<Score>) -> Option<Score> {
        match self {
            Change::Add(s) => Some(before.unwrap_or(Score::ZERO) + s),
            Change::Set(s) => Some(s),
            Change::Remove => None,
        }
    }

    /// The change that turns `before` into `after` (`None`: no change),
    /// as an addition when one gives exactly `after`.
    pub fn between(before: Option<Score>, after: Option<Score>) -> Option<Change> {
        match (before, after) {
            _ if before == after => None,
            (_, None) => Some(Change::Remove),
            (None, Some(a)) => Some(Change::Add(a)),
            (Some(b), Some(a)) => {
                let delta = Score::new(a.value() - b.value());
                Some(if b + delta == a {
                    Change::Add(delta)
                } else {
                    Change::Set(a)
                })
            }
        }
    }
}

/// Why a clone instance may not use a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceLimit {
    /// The node cannot run resources.
    NodeUnavailable,
    /// The instance is an orphan (no longer configured).
    Orphan,
    /// The clone itself is not allowed on the node.
    CloneNotAllowed,
    /// The clone's own score on the node is negative.
    CloneScoreNegative,
    /// The node already has `clone-node-max` instances.
    NodeFull { node_max: usize },
    /// `clone-max` instances are already placed.
    CloneMaxReached { max: usize },
}

/// What changed a score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Every node starts at 0 in a symmetric (opt-out) cluster.
    SymmetricDefault,
    /// A location constraint, directly or through one of its rules.
    Location {
        id: String,
        rule: Option<String>,
        /// The rule takes its score from this node attribute.
        score_attribute: Option<String>,
        /// The constraint applies only to this role.
        role: Option<Role>,
    },
    /// The node's `#health*` attributes under `node-health-strategy`.
    NodeHealth {
        strategy: String,
    },
    /// `resource-stickiness` toward the node the resource is active on.
    Stickiness {
        value: Score,
    },
    /// The fail count on the node reached `migration-threshold`.
    FailureBan {
        fail_count: Score,
        threshold: i64,
    },
    /// A failure in the resource's history bans it ("stop failed", a hard
    /// or fatal error, on-fail=stop).
    FailureHistory {
        what: String,
    },
    /// Another location constraint has `resource-discovery=exclusive`
    /// and does not list this node.
    ExclusiveDiscovery,
    /// An unmanaged resource stays where it is.
    Unmanaged,
    /// Locked to the node that shut down while it ran there (`shutdown-lock`).
    ShutdownLock,
    /// Active on several nodes with `multiple-active=stop_only`.
    MultipleActive,
    /// An `rsc_ticket` whose ticket is not granted (or is in standby).
    Ticket {
        constraint: String,
        ticket: String,
    },
    /// The resource's next role is Stopped (target-role or a failure policy).
    Stopping {
        target_role: bool,
    },
    /// "this resource with `with`": a colocation applied once `with` was placed.
    Colocation {
        id: String,
        with: String,
        score: Score,
        /// Where `with` will run (nodes joined by ", "; `None`: nowhere).
        with_node: Option<String>,
        role: Option<Role>,
        with_role: Option<Role>,
    },
    /// The (scaled) preferences of a resource colocated with this one.
    Dependents {
        id: String,
        dependent: String,
        score: Score,
    },
    /// Not enough free capacity (`placement-strategy`): what the resource
    /// (with what must come along) needs, and what the node had left.
    Utilization {
        needed: BTreeMap<String, i64>,
        free: BTreeMap<String, i64>,
    },
    /// A limit on where clone instances may go.
    CloneLimit(InstanceLimit),
    /// The promotion score a promotable clone's agent set (`master-<rsc>`).
    PromotionScore,
    /// A promotable clone's instances' promotion priorities.
    PromotionPriority,
    /// Remote connections and fence devices never run on remote nodes;
    /// resources in a container run only where it is.
    RemoteNode,
    Container {
        container: String,
    },
    /// How a bundle lays out its replicas (guest nodes, replica instances).
    Bundle {
        bundle: String,
        what: String,
    },
    /// A change no hook itemised (see the module documentation).
    Unattributed,
}

/// One change to a resource's node score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub rsc: RscId,
    pub node: NodeId,
    pub change: Change,
    pub source: Source,
}

/// When a table was captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moment {
    /// Logged for `--show-scores` by this (Pacemaker) function name.
    Logged(&'static str),
    /// Used to decide the resource's node.
    Decision {
        chosen: Option<NodeId>,
        /// The node was imposed (unmanaged, stop-all-resources, ...), not chosen.
        forced: bool,
        /// Resources already assigned to each node at that point (tie-breaks).
        assigned_counts: BTreeMap<NodeId, usize>,
    },
}

/// A resource's table as it was at one moment, and how many entries
/// (of all resources) had been made by then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub rsc: RscId,
    pub at: usize,
    pub moment: Moment,
    pub table: NodeScores,
}

/// Every entry and checkpoint of one scheduling run.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub entries: Vec<Entry>,
    pub checkpoints: Vec<Checkpoint>,
    /// Each resource's table as its entries so far make it.
    known: BTreeMap<RscId, NodeScores>,
}

impl Ledger {
    fn push(&mut self, rsc: RscId, node: NodeId, change: Change, source: Source) {
        let table = self.known.entry(rsc).or_default();
        match change.apply(table.get(&node).copied()) {
            Some(s) => table.insert(node, s),
            None => table.remove(&node),
        };
        self.entries.push(Entry {
            rsc,
            node,
            change,
            source,
        });
    }

    /// A resource's entries among the first `upto`.
    pub fn entries_of(&self, rsc: RscId, upto: usize) -> impl Iterator<Item = &Entry> {
        self.entries[..upto.min(self.entries.len())]
            .iter()
            .filter(move |e| e.rsc == rsc)
    }

    /// The table a resource's first entries (of the first `upto`) add up to.
    pub fn fold(&self, rsc: RscId, upto: usize) -> NodeScores {
        let mut table = NodeScores::new();
        for e in self.entries_of(rsc, upto) {
            match e.change.apply(table.get(&e.node).copied()) {
                Some(s) => table.insert(e.node, s),
                None => table.remove(&e.node),
            };
        }
        table
    }

    /// The last checkpoint of a resource matching `pick`.
    pub fn last_checkpoint(
        &self,
        rsc: RscId,
        pick: impl Fn(&Moment) -> bool,
    ) -> Option<&Checkpoint> {
        self.checkpoints
            .iter()
            .rev()
            .find(|c| c.rsc == rsc && pick(&c.moment))
    }
}

/// Start recording (before anything adds a score).
pub(crate) fn enable(cluster: &mut Cluster) {
    cluster.ledger = Some(Box::default());
}

/// Record a change of `r`'s score on `n`, just before it is made.
pub(crate) fn record(
    cluster: &mut Cluster,
    r: RscId,
    n: NodeId,
    change: Change,
    source: impl FnOnce() -> Source,
) {
    let Some(ledger) = cluster.ledger.as_deref_mut() else {
        return;
    };
    let actual = cluster.resources[r].allowed.get(&n).copied();
    let known = ledger.known.get(&r).and_then(|t| t.get(&n).copied());
    if let Some(missed) = Change::between(known, actual) {
        ledger.push(r, n, missed, Source::Unattributed);
    }
    ledger.push(r, n, change, source());
}

/// Attribute every change to the tables of `r` and its descendants since
/// the ledger last saw them to `source`.
pub(crate) fn credit(cluster: &mut Cluster, r: RscId, source: impl FnOnce(&Cluster) -> Source) {
    if cluster.ledger.is_none() {
        return;
    }
    let source = source(cluster);
    let Some(ledger) = cluster.ledger.as_deref_mut() else {
        return;
    };
    let empty = NodeScores::new();
    let mut stack = vec![r];
    while let Some(x) = stack.pop() {
        stack.extend(cluster.resources[x].children.iter().copied());
        let actual = &cluster.resources[x].allowed;
        let known = ledger.known.get(&x).unwrap_or(&empty);
        let nodes: std::collections::BTreeSet<NodeId> =
            actual.keys().chain(known.keys()).copied().collect();
        let changes: Vec<(NodeId, Change)> = nodes
            .into_iter()
            .filter_map(|n| {
                Change::between(known.get(&n).copied(), actual.get(&n).copied()).map(|c| (n, c))
            })
            .collect();
        for (n, c) in changes {
            ledger.push(x, n, c, source.clone());
        }
    }
}

/// Capture `r`'s table at a moment (as it is: no reconciliation, so a
/// change no hook saw shows as a difference from the entries' sum).
pub(crate) fn checkpoint(cluster: &mut Cluster, r: RscId, moment: impl FnOnce(&Cluster) -> Moment) {
    if cluster.ledger.is_none() {
        return;
    }
    let moment = moment(cluster);
    let Some(ledger) = cluster.ledger.as_deref_mut() else {
        return;
    };
    ledger.checkpoints.push(Checkpoint {
        rsc: r,
        at: ledger.entries.len(),
        moment,
        table: cluster.resources[r].allowed.clone(),
    });
}

/// A position to [`rollback`] to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    entries: usize,
    checkpoints: usize,
}

pub(crate) fn mark(cluster: &Cluster) -> Mark {
    let (entries, checkpoints) = cluster
        .ledger
        .as_ref()
        .map_or((0, 0), |l| (l.entries.len(), l.checkpoints.len()));
    Mark {
        entries,
        checkpoints,
    }
}

/// Forget what was recorded for `r` and its descendants since `mark`
/// (their tables were restored to what they were then).
pub(crate) fn rollback(cluster: &mut Cluster, r: RscId, mark: Mark) {
    let Some(ledger) = cluster.ledger.as_deref_mut() else {
        return;
    };
    let mut subtree = Vec::new();
    let mut stack = vec![r];
    while let Some(x) = stack.pop() {
        stack.extend(cluster.resources[x].children.iter().copied());
        subtree.push(x);
    }
    // Entries kept before each old position, to renumber checkpoints.
    let mut kept_before = Vec::with_capacity(ledger.entries.len() + 1);
    let mut kept = 0;
    let mut index = 0;
    ledger.entries.retain(|e| {
        kept_before.push(kept);
        let keep = index < mark.entries || !subtree.contains(&e.rsc);
        index += 1;
        kept += usize::from(keep);
        keep
    });
    kept_before.push(kept);
    let mut index = 0;
    ledger.checkpoints.retain(|c| {
        let keep = index < mark.checkpoints || !subtree.contains(&c.rsc);
        index += 1;
        keep
    });
    for c in &mut ledger.checkpoints {
        c.at = kept_before[c.at.min(kept_before.len() - 1)];
    }
    let len = ledger.entries.len();
    for x in subtree {
        let table = ledger.fold(x, len);
        ledger.known.insert(x, table);
    }
}

/// The source for a colocation of `dependent` with `primary` (an instance
/// of the configured primary, possibly), as it stands now.
pub(crate) fn colocation(cluster: &Cluster, primary: RscId, c: &Colocation) -> Source {
    // Where the primary will be (in the role the colocation names).
    let mut nodes = Vec::new();
    for p in cluster.primitives_under(primary) {
        let rsc = &cluster.resources[p];
        let role_ok = c.primary_role == Role::Unknown || rsc.next_role == c.primary_role;
        if let Some(n) = rsc.assigned
            && role_ok
            && !nodes.contains(&n)
        {
            nodes.push(n);
        }
    }
    let with_node = match nodes.as_slice() {
        [] => None,
        [n] => Some(cluster.nodes[*n].name.clone()),
        many => Some(
            many.iter()
                .map(|&n| cluster.nodes[n].name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    let role = |r: Role| (r != Role::Unknown).then_some(r);
    Source::Colocation {
        id: c.id.clone(),
        with: cluster.resources[primary].id.clone(),
        score: c.score,
        with_node,
        role: role(c.dependent_role),
        with_role: role(c.primary_role),
    }
}

/// The source for the preferences of `c.dependent` merged into its primary's.
pub(crate) fn dependents(cluster: &Cluster, c: &Colocation) -> Source {
    Source::Dependents {
        id: c.id.clone(),
        dependent: cluster.resources[c.dependent].id.clone(),
        score: c.score,
    }
}

/// Whether `r` (or an ancestor) is stopped by its `target-role`.
pub(crate) fn stopped_by_target_role(cluster: &Cluster, r: RscId) -> bool {
    let mut cur = Some(r);
    while let Some(x) = cur {
        if cluster.resources[x].target_role == Some(Role::Stopped) {
            return true;
        }
        cur = cluster.resources[x].parent;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: Score = Score::INFINITY;
    const NEG: Score = Score::NEG_INFINITY;

    #[test]
    fn changes_between_scores_reproduce_the_later_one() {
        let s = Score::new;
        let cases = [
            (None, Some(s(5))),
            (Some(s(5)), Some(s(-20))),
            (Some(s(5)), Some(NEG)),
            (Some(s(5)), Some(INF)),
            (Some(NEG), Some(s(0))),
            (Some(INF), Some(s(3))),
            (Some(s(-999_999)), Some(s(999_999))),
            (Some(s(7)), None),
        ];
        for (before, after) in cases {
            let change = Change::between(before, after).expect("they differ");
            assert_eq!(change.apply(before), after, "{before:?} -> {after:?}");
        }
        assert_eq!(Change::between(Some(NEG), Some(NEG)), None);
        assert_eq!(
            Change::between(Some(s(5)), Some(s(-20))),
            Some(Change::Add(s(-25)))
        );
        // Nothing added to -INFINITY brings it back: the score is replaced.
        assert_eq!(
            Change::between(Some(NEG), Some(s(0))),
            Some(Change::Set(s(0)))
        );
        assert_eq!(Change::between(Some(s(1)), None), Some(Change::Remove));
    }

    fn two_resources() -> Cluster {
        let xml = r#"<cib><configuration><crm_config/>
            <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
            <resources>
              <primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
              <primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>
            </resources><constraints/></configuration><status/></cib>"#;
        let cib = vigil_cib::Cib::parse(xml, "test.xml").expect("valid CIB");
        let now = vigil_cib::time::DateTime::from_epoch(0);
        crate::schedule::unpack(&cib, &now, true).0
    }

    #[test]
    fn unattributed_changes_are_recorded_before_the_next_entry() {
        let mut c = two_resources();
        let a = c.find_rsc("a").expect("a");
        c.resources[a].allowed.insert(0, Score::new(40));
        record(&mut c, a, 0, Change::Add(Score::new(2)), || {
            Source::Stickiness {
                value: Score::new(2),
            }
        });
        c.resources[a].allowed.insert(0, Score::new(42));
        let ledger = c.ledger.as_deref().expect("enabled");
        let last: Vec<&Source> = ledger
            .entries_of(a, usize::MAX)
            .map(|e| &e.source)
            .collect();
        assert_eq!(last[last.len() - 2], &Source::Unattributed);
        assert_eq!(ledger.fold(a, ledger.entries.len()), c.resources[a].allowed);
    }

    #[test]
    fn rollback_forgets_one_subtree_and_renumbers_checkpoints() {
        let mut c = two_resources();
        let (a, b) = (c.find_rsc("a").expect("a"), c.find_rsc("b").expect("b"));
        let before = c.resources[a].allowed.clone();
        let m = mark(&c);
        let ban = || Source::RemoteNode;
        crate::placement::add_location_from(&mut c, a, Some(0), NEG, &ban);
        crate::placement::add_location_from(&mut c, b, Some(1), Score::new(7), &ban);
        checkpoint(&mut c, a, |_| Moment::Logged("a"));
        crate::placement::add_location_from(&mut c, a, Some(1), NEG, &ban);
        checkpoint(&mut c, b, |_| Moment::Logged("b"));
        // The table of `a` is restored; the ledger follows.
        c.resources[a].allowed = before.clone();
        rollback(&mut c, a, m);
        let ledger = c.ledger.as_deref().expect("enabled");
        let len = ledger.entries.len();
        assert_eq!(ledger.fold(a, len), before);
        assert_eq!(ledger.fold(b, len), c.resources[b].allowed);
        // a's checkpoint went; b's points past b's entry, at the end.
        assert_eq!(ledger.checkpoints.len(), 1);
        assert_eq!(ledger.checkpoints[0].rsc, b);
        assert_eq!(ledger.checkpoints[0].at, len);
        // What is recorded next for a starts from the restored table.
        credit(&mut c, a, |_| Source::RemoteNode);
        let ledger = c.ledger.as_deref().expect("enabled");
        assert_eq!(ledger.entries.len(), len);
    }
}
