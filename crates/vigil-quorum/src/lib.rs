//! votequorum without I/O: who has quorum, decided from memberships and time.
//!
//! This crate is a deterministic state machine. It reads no clock, opens no
//! socket and starts no thread: the driver (`vigild`, or the simulator)
//! hands it each new membership and the current time, asks when it next
//! needs to be woken, and reads back the state and the events.
//!
//! ```
//! use std::time::Duration;
//! use vigil_quorum::{Quorum, QuorumConfig, QuorumEvent};
//! use vigil_wire::NodeId;
//!
//! // quorum { provider: corosync_votequorum  two_node: 1 } and two nodes.
//! let mut config = QuorumConfig::from_section([
//!     ("provider", "corosync_votequorum"),
//!     ("two_node", "1"),
//! ]).unwrap();
//! config.add_node(NodeId(1), 1).add_node(NodeId(2), 1);
//! let mut quorum = Quorum::new(config).unwrap();
//!
//! let t = Duration::from_secs(1);
//! quorum.membership_changed_ids(t, &[NodeId(1)]);
//! assert!(!quorum.is_quorate()); // wait_for_all: both must be seen first
//! quorum.membership_changed_ids(t, &[NodeId(1), NodeId(2)]);
//! assert_eq!(quorum.poll_event(), Some(QuorumEvent::QuorateChanged { quorate: true }));
//! quorum.membership_changed_ids(t, &[NodeId(1)]);
//! assert!(quorum.is_quorate()); // two_node: 1 of 2 keeps quorum
//! assert_eq!(quorum.status().flags.names(), ["2Node", "Quorate", "WaitForAll"]);
//! ```
//!
//! # The API, by role (quinn-proto's naming)
//! - inputs: [`Quorum::membership_changed`] (or `_ids`, votes looked up in
//!   the configuration) for every configuration change Totem delivers,
//!   [`Quorum::handle_timeout`] when [`Quorum::poll_timeout`]'s deadline
//!   passes;
//! - commands (what `corosync-quorumtool -e`/`-v`, `pcs quorum unblock`
//!   and a configuration reload do): [`Quorum::set_expected_votes`],
//!   [`Quorum::set_votes`], [`Quorum::cancel_wait_for_all`],
//!   [`Quorum::reload`];
//! - outputs: [`Quorum::poll_event`], [`Quorum::poll_timeout`];
//! - getters: [`Quorum::is_quorate`], [`Quorum::status`].
//!
//! Time is a [`Duration`] since any origin the driver likes (boot, the start
//! of a simulation); it must not go backwards between calls.
//!
//! # Semantics (votequorum(5))
//! - **Votes.** Each member brings its votes (nodelist `quorum_votes`,
//!   default 1). *Total votes* is their sum.
//! - **Expected votes** start at `expected_votes`, else the nodelist's sum.
//!   When the total exceeds them, they rise to the total and stay there:
//!   expected votes are never lowered automatically except by
//!   last_man_standing.
//! - **Quorum** is `expected / 2 + 1` (more than half); the partition is
//!   quorate while its total reaches it.
//! - **two_node**: quorum is 1, so either node alone is quorate (fencing
//!   decides a split). It switches itself off once more than two nodes are
//!   known. It implies wait_for_all unless `wait_for_all: 0`.
//! - **wait_for_all**: after starting, the node is not quorate until all
//!   expected votes have been present at once; from then on the usual rule
//!   applies. [`Quorum::cancel_wait_for_all`] lifts the wait.
//! - **last_man_standing**: when members leave a quorate partition, a
//!   timer of `last_man_standing_window` starts (restarting at every
//!   change); if it expires while the partition is still quorate with fewer
//!   votes than expected, expected votes drop to the total. Down to 2
//!   nodes; from 2 to 1 only together with auto_tie_breaker.
//! - **auto_tie_breaker**: a partition holding exactly half the expected
//!   votes is quorate if it contains the tie-breaker node: the lowest (or
//!   highest) node id known, or the first known node of a list. *Known*
//!   means in the nodelist or ever seen as a member; with a nodelist that
//!   names every node (as `vigil cluster setup` writes), all nodes agree on
//!   it, so the two halves of a split cannot both win.
//!
//! Two partitions both quorate at once is possible only by design: with
//! two_node (both halves of a split), after `set_expected_votes`, or with
//! last_man_standing when a partition's expected votes were lowered and a
//! later split and merge bring nodes with different expected votes
//! together (corosync settles this by exchanging expected votes between
//! nodes; this crate sees each node's view alone), and with expected votes
//! configured below the votes that exist. A simulator checking "never two
//! disjoint quorate partitions" should leave out the nodes for which
//! [`Quorum::split_quorum_possible`] is true.

mod config;
mod quorumtool;

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

pub use config::{ConfigError, DEFAULT_LMS_WINDOW, KEYS, PROVIDER, QuorumConfig, TieBreaker};
pub use quorumtool::{QuorumToolView, quorumtool_status};
pub use vigil_wire::NodeId;

/// A node of the current membership and the votes it brings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Member {
    pub node: NodeId,
    pub votes: u32,
}

/// The flags `corosync-quorumtool -s` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// two_node is configured and in effect (at most two nodes known).
    pub two_node: bool,
    /// The partition has quorum.
    pub quorate: bool,
    /// wait_for_all is configured (whether or not still waiting).
    pub wait_for_all: bool,
    /// last_man_standing is configured.
    pub last_man_standing: bool,
    /// auto_tie_breaker is configured.
    pub auto_tie_breaker: bool,
}

impl Flags {
    /// The flags that are set, as corosync-quorumtool names them, in its
    /// order.
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.two_node, "2Node"),
            (self.quorate, "Quorate"),
            (self.wait_for_all, "WaitForAll"),
            (self.last_man_standing, "LastManStanding"),
            (self.auto_tie_breaker, "AutoTieBreaker"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect()
    }
}

/// A snapshot of the quorum state, everything `corosync-quorumtool -s`
/// shows about votes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumStatus {
    pub quorate: bool,
    /// The current members, by node id.
    pub members: Vec<Member>,
    pub total_votes: u32,
    pub expected_votes: u32,
    /// The highest expected votes among the members ("Highest expected");
    /// every member computes the same here, so it equals `expected_votes`.
    pub highest_expected: u32,
    /// Votes needed for quorum.
    pub quorum: u32,
    pub flags: Flags,
    /// wait_for_all is still holding quorum back.
    pub waiting_for_all: bool,
    /// When last_man_standing will next lower expected votes, if pending.
    pub last_man_standing_deadline: Option<Duration>,
}

/// Something the driver should know about (read with [`Quorum::poll_event`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuorumEvent {
    /// The partition gained (`true`) or lost quorum.
    QuorateChanged { quorate: bool },
    /// Expected votes changed: raised by a larger membership, lowered by
    /// last_man_standing, or set by the administrator.
    ExpectedVotesChanged { from: u32, to: u32 },
}

/// A command the state machine refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuorumError {
    #[error("expected votes must be at least 1")]
    ZeroExpectedVotes,
}

/// votequorum for one node: its view of the partition it is in.
#[derive(Clone, Debug)]
pub struct Quorum {
    config: QuorumConfig,
    /// Expected votes and votes were changed by a command.
    overridden: bool,
    members: Vec<Member>,
    total_votes: u32,
    expected_votes: u32,
    /// Every node in the nodelist or ever seen as a member.
    known: BTreeSet<NodeId>,
    waiting_for_all: bool,
    quorate: bool,
    lms_deadline: Option<Duration>,
    events: VecDeque<QuorumEvent>,
}

impl Quorum {
    /// A node that has seen no membership yet (not quorate). Fails when
    /// the configuration gives no expected votes (votequorum is then off).
    pub fn new(config: QuorumConfig) -> Result<Quorum, ConfigError> {
        let expected_votes = config.initial_expected_votes()?;
        Ok(Quorum {
            known: config.nodes.keys().copied().collect(),
            waiting_for_all: config.wait_for_all(),
            config,
            overridden: false,
            members: Vec::new(),
            total_votes: 0,
            expected_votes,
            quorate: false,
            lms_deadline: None,
            events: VecDeque::new(),
        })
    }

    /// Input: Totem delivered a new configuration with these members (a
    /// node listed twice counts once, with its last votes).
    pub fn membership_changed(&mut self, now: Duration, members: &[Member]) {
        let mut members = members.to_vec();
        members.reverse();
        members.sort_by_key(|m| m.node);
        members.dedup_by_key(|m| m.node);
        let shrank = sum_votes(&members) < self.total_votes
            || self
                .members
                .iter()
                .any(|old| members.binary_search_by_key(&old.node, |m| m.node).is_err());
        self.known.extend(members.iter().map(|m| m.node));
        self.members = members;
        self.recalculate();
        self.lms_deadline = if self.config.last_man_standing
            && self.quorate
            && self.total_votes < self.expected_votes
            && (shrank || self.lms_deadline.is_some())
        {
            Some(now.saturating_add(self.config.last_man_standing_window))
        } else {
            None
        };
    }

    /// Input: like [`Quorum::membership_changed`], each node with the votes
    /// the configuration gives it. The simulator's entry point.
    pub fn membership_changed_ids(&mut self, now: Duration, nodes: &[NodeId]) {
        let members: Vec<Member> = nodes.iter().map(|&node| self.config.member(node)).collect();
        self.membership_changed(now, &members);
    }

    /// Input: time passed. Call when [`Quorum::poll_timeout`]'s deadline
    /// is reached (calling early or again does nothing).
    pub fn handle_timeout(&mut self, now: Duration) {
        let Some(deadline) = self.lms_deadline else {
            return;
        };
        if now < deadline {
            return;
        }
        self.lms_deadline = None;
        if self.quorate && self.total_votes < self.expected_votes {
            self.set_expected(self.total_votes.max(1));
            self.recalculate();
        }
    }

    /// Output: when [`Quorum::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.lms_deadline
    }

    /// Output: the next event, oldest first.
    pub fn poll_event(&mut self) -> Option<QuorumEvent> {
        self.events.pop_front()
    }

    /// Command: set expected votes (`corosync-quorumtool -e`,
    /// `pcs quorum expected-votes`). They cannot stay below the votes
    /// present: a smaller value is raised to the total at once.
    pub fn set_expected_votes(&mut self, _now: Duration, expected: u32) -> Result<(), QuorumError> {
        if expected == 0 {
            return Err(QuorumError::ZeroExpectedVotes);
        }
        self.overridden = true;
        self.set_expected(expected);
        self.recalculate();
        Ok(())
    }

    /// Command: give `node` a number of votes (`corosync-quorumtool -v`),
    /// now and in later memberships. When expected votes come from the
    /// nodelist, they rise to its new sum (never fall).
    pub fn set_votes(&mut self, _now: Duration, node: NodeId, votes: u32) {
        self.overridden = true;
        self.config.nodes.insert(node, votes);
        self.known.insert(node);
        if let Some(member) = self.members.iter_mut().find(|m| m.node == node) {
            member.votes = votes;
        }
        if self.config.expected_votes.is_none() {
            self.raise_to_nodelist();
        }
        self.recalculate();
    }

    /// Command: stop waiting for all nodes (`pcs quorum unblock`).
    pub fn cancel_wait_for_all(&mut self, _now: Duration) {
        self.waiting_for_all = false;
        self.recalculate();
    }

    /// Command: the configuration file was reloaded. As votequorum(5)
    /// says, only votes (the nodelist's and `votes`), `expected_votes` and
    /// `two_node` change at runtime; the other options keep the values the
    /// node started with. A changed `expected_votes` applies like
    /// [`Quorum::set_expected_votes`]; without one, expected votes rise to
    /// the nodelist's new sum if it is larger. Members take their votes
    /// from the new nodelist.
    pub fn reload(&mut self, _now: Duration, new: QuorumConfig) {
        let expected_changed = new.expected_votes != self.config.expected_votes;
        self.config.two_node = new.two_node;
        self.config.default_votes = new.default_votes;
        self.config.nodes = new.nodes;
        self.config.expected_votes = new.expected_votes;
        self.known.extend(self.config.nodes.keys().copied());
        for member in &mut self.members {
            if let Some(&votes) = self.config.nodes.get(&member.node) {
                member.votes = votes;
            }
        }
        match self.config.expected_votes {
            Some(expected) if expected_changed => self.set_expected(expected),
            Some(_) => {}
            None => self.raise_to_nodelist(),
        }
        self.recalculate();
    }

    /// Whether this node's partition has quorum.
    pub fn is_quorate(&self) -> bool {
        self.quorate
    }

    /// The configuration in force (with runtime vote changes).
    pub fn config(&self) -> &QuorumConfig {
        &self.config
    }

    /// A snapshot of the state.
    pub fn status(&self) -> QuorumStatus {
        QuorumStatus {
            quorate: self.quorate,
            members: self.members.clone(),
            total_votes: self.total_votes,
            expected_votes: self.expected_votes,
            highest_expected: self.expected_votes,
            quorum: self.quorum(),
            flags: Flags {
                two_node: self.two_node_active(),
                quorate: self.quorate,
                wait_for_all: self.config.wait_for_all(),
                last_man_standing: self.config.last_man_standing,
                auto_tie_breaker: self.config.auto_tie_breaker,
            },
            waiting_for_all: self.waiting_for_all,
            last_man_standing_deadline: self.lms_deadline,
        }
    }

    /// The node that wins an even split under auto_tie_breaker.
    pub fn tie_breaker(&self) -> Option<NodeId> {
        match &self.config.auto_tie_breaker_node {
            TieBreaker::Lowest => self.known.first().copied(),
            TieBreaker::Highest => self.known.last().copied(),
            TieBreaker::List(nodes) => nodes.iter().copied().find(|n| self.known.contains(n)),
        }
    }

    /// Whether two disjoint partitions may both be quorate by design, as
    /// far as this node can tell: two_node is in effect, last_man_standing
    /// is on, a command changed expected votes or votes, expected votes are
    /// configured below the nodelist's sum (or without a nodelist), or a
    /// node outside the nodelist was seen. When false for every node, a
    /// simulator can demand that no two disjoint partitions are quorate.
    pub fn split_quorum_possible(&self) -> bool {
        let nodelist_votes = self.config.nodelist_votes();
        self.two_node_active()
            || self.config.last_man_standing
            || self.overridden
            || self.config.nodes.is_empty()
            || self
                .config
                .expected_votes
                .is_some_and(|e| e < nodelist_votes)
            || self
                .known
                .iter()
                .any(|node| !self.config.nodes.contains_key(node))
    }

    fn two_node_active(&self) -> bool {
        self.config.two_node && self.known.len() <= 2
    }

    fn quorum(&self) -> u32 {
        if self.two_node_active() {
            1
        } else {
            self.expected_votes / 2 + 1
        }
    }

    /// Expected votes from the nodelist: they rise to its sum, never fall.
    fn raise_to_nodelist(&mut self) {
        let nodelist = self.config.initial_expected_votes().unwrap_or(1);
        if nodelist > self.expected_votes {
            self.set_expected(nodelist);
        }
    }

    fn set_expected(&mut self, expected: u32) {
        if expected != self.expected_votes {
            self.events.push_back(QuorumEvent::ExpectedVotesChanged {
                from: self.expected_votes,
                to: expected,
            });
            self.expected_votes = expected;
        }
    }

    /// Recomputes totals, expected votes and quorum after any input.
    fn recalculate(&mut self) {
        self.total_votes = sum_votes(&self.members);
        if self.total_votes > self.expected_votes {
            self.set_expected(self.total_votes);
        }
        if self.waiting_for_all && self.total_votes >= self.expected_votes {
            self.waiting_for_all = false;
        }
        let quorate =
            !self.waiting_for_all && (self.total_votes >= self.quorum() || self.wins_tie());
        if quorate != self.quorate {
            self.quorate = quorate;
            self.events
                .push_back(QuorumEvent::QuorateChanged { quorate });
        }
        if !quorate {
            self.lms_deadline = None;
        }
    }

    /// auto_tie_breaker: exactly half the expected votes, with the
    /// tie-breaker node among the members.
    fn wins_tie(&self) -> bool {
        self.config.auto_tie_breaker
            && u64::from(self.total_votes) * 2 == u64::from(self.expected_votes)
            && self
                .tie_breaker()
                .is_some_and(|tb| self.members.iter().any(|m| m.node == tb))
    }
}

/// The votes of `members` (saturating: votes come from outside).
fn sum_votes(members: &[Member]) -> u32 {
    members
        .iter()
        .fold(0u32, |sum, m| sum.saturating_add(m.votes))
}

#[cfg(test)]
mod tests;
