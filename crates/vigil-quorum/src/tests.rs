//! Every option and the combinations votequorum(5) describes, each test
//! driving one node's [`Quorum`] through memberships and time.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::*;

const S: Duration = Duration::from_secs(1);

fn ids(nodes: &[u32]) -> Vec<NodeId> {
    nodes.iter().map(|&n| NodeId(n)).collect()
}

/// A cluster of nodes `1..=n`, one vote each, plus `quorum { }` options.
fn cluster(n: u32, options: &[(&str, &str)]) -> Quorum {
    let mut config = QuorumConfig::from_section(options.iter().copied()).unwrap();
    for node in 1..=n {
        config.add_node(NodeId(node), 1);
    }
    Quorum::new(config).unwrap()
}

/// Feeds a membership at time `at` seconds.
fn members(q: &mut Quorum, at: u64, nodes: &[u32]) -> QuorumStatus {
    q.membership_changed_ids(Duration::from_secs(at), &ids(nodes));
    q.status()
}

fn events(q: &mut Quorum) -> Vec<QuorumEvent> {
    std::iter::from_fn(|| q.poll_event()).collect()
}

/// (quorate, total, expected, quorum) in one comparable tuple.
fn votes(s: &QuorumStatus) -> (bool, u32, u32, u32) {
    (s.quorate, s.total_votes, s.expected_votes, s.quorum)
}

#[test]
fn a_strict_majority_of_expected_votes_is_needed() {
    let mut q = cluster(3, &[]);
    assert!(!q.is_quorate());
    assert_eq!(votes(&members(&mut q, 0, &[1])), (false, 1, 3, 2));
    assert_eq!(votes(&members(&mut q, 0, &[1, 2])), (true, 2, 3, 2));
    assert_eq!(votes(&members(&mut q, 0, &[1, 2, 3])), (true, 3, 3, 2));
    assert_eq!(votes(&members(&mut q, 0, &[3])), (false, 1, 3, 2));
    assert_eq!(
        events(&mut q),
        [
            QuorumEvent::QuorateChanged { quorate: true },
            QuorumEvent::QuorateChanged { quorate: false }
        ]
    );
    // Even cluster: half is not enough.
    let mut q = cluster(4, &[]);
    assert_eq!(votes(&members(&mut q, 0, &[1, 2])), (false, 2, 4, 3));
    assert_eq!(votes(&members(&mut q, 0, &[1, 2, 4])), (true, 3, 4, 3));
}

#[test]
fn votes_per_node_count() {
    let mut config = QuorumConfig::default();
    config
        .add_node(NodeId(1), 3)
        .add_node(NodeId(2), 1)
        .add_node(NodeId(3), 1);
    let mut q = Quorum::new(config).unwrap();
    // Expected 5, quorum 3: node 1 alone has it, nodes 2 and 3 together do not.
    assert_eq!(votes(&members(&mut q, 0, &[1])), (true, 3, 5, 3));
    assert_eq!(votes(&members(&mut q, 0, &[2, 3])), (false, 2, 5, 3));
    // Explicit votes in the membership override the configuration.
    q.membership_changed(
        S,
        &[Member {
            node: NodeId(2),
            votes: 4,
        }],
    );
    assert_eq!(votes(&q.status()), (true, 4, 5, 3));
    assert_eq!(
        q.status().members,
        [Member {
            node: NodeId(2),
            votes: 4
        }]
    );
}

#[test]
fn expected_votes_option_overrides_the_nodelist_and_rises_with_the_total() {
    let mut q = cluster(3, &[("expected_votes", "5")]);
    assert_eq!(votes(&members(&mut q, 0, &[1, 2])), (false, 2, 5, 3));
    assert_eq!(votes(&members(&mut q, 0, &[1, 2, 3])), (true, 3, 5, 3));
    // Without a nodelist, nodes come and go by id with one vote each.
    let mut q =
        Quorum::new(QuorumConfig::from_section([("expected_votes", "2")]).unwrap()).unwrap();
    assert_eq!(votes(&members(&mut q, 0, &[1, 2])), (true, 2, 2, 2));
    // Four nodes join: expected votes rise to 4 (quorum 3) and stay there.
    assert_eq!(votes(&members(&mut q, 0, &[1, 2, 3, 4])), (true, 4, 4, 3));
    assert_eq!(votes(&members(&mut q, 0, &[1, 2])), (false, 2, 4, 3));
    assert_eq!(
        events(&mut q),
        [
            QuorumEvent::QuorateChanged { quorate: true },
            QuorumEvent::ExpectedVotesChanged { from: 2, to: 4 },
            QuorumEvent::QuorateChanged { quorate: false },
        ]
    );
}

#[test]
fn no_expected_votes_and_no_nodelist_is_a_configuration_error() {
    let config = QuorumConfig::from_section([("provider", "corosync_votequorum")]).unwrap();
    assert_eq!(
        Quorum::new(config).unwrap_err(),
        ConfigError::NoExpectedVotes
    );
}

#[test]
fn huge_votes_saturate_instead_of_overflowing() {
    let mut q = cluster(3, &[]);
    let big = |node| Member {
        node: NodeId(node),
        votes: u32::MAX - 1,
    };
    q.membership_changed(S, &[big(1), big(2)]);
    assert_eq!(
        votes(&q.status()),
        (true, u32::MAX, u32::MAX, u32::MAX / 2 + 1)
    );
    q.membership_changed(S, &[big(1), big(2), big(3)]);
    q.membership_changed(S, &[big(3)]);
    assert!(q.is_quorate());
}

#[test]
fn duplicate_members_count_once() {
    let mut q = cluster(3, &[]);
    let one = |votes| Member {
        node: NodeId(1),
        votes,
    };
    q.membership_changed(S, &[one(1), one(1), one(2)]);
    assert_eq!(votes(&q.status()), (true, 2, 3, 2));
}

#[test]
fn two_node_keeps_quorum_with_one_of_two_after_both_were_seen() {
    let mut q = cluster(2, &[("two_node", "1")]);
    let s = members(&mut q, 0, &[1]);
    // wait_for_all (implied): not quorate before both nodes were seen.
    assert_eq!(votes(&s), (false, 1, 2, 1));
    assert!(s.waiting_for_all);
    assert_eq!(s.flags.names(), ["2Node", "WaitForAll"]);
    let s = members(&mut q, 1, &[1, 2]);
    assert_eq!(votes(&s), (true, 2, 2, 1));
    assert!(!s.waiting_for_all);
    // The peer fails: quorum is 1, this node carries on (fencing decides).
    let s = members(&mut q, 2, &[1]);
    assert_eq!(votes(&s), (true, 1, 2, 1));
    assert_eq!(s.flags.names(), ["2Node", "Quorate", "WaitForAll"]);
    // The other half of the split is quorate too: by design of two_node.
    let mut peer = cluster(2, &[("two_node", "1")]);
    members(&mut peer, 1, &[1, 2]);
    assert!(members(&mut peer, 2, &[2]).quorate);
}

#[test]
fn two_node_without_wait_for_all_is_quorate_alone_at_once() {
    let mut q = cluster(2, &[("two_node", "1"), ("wait_for_all", "0")]);
    let s = members(&mut q, 0, &[2]);
    assert_eq!(votes(&s), (true, 1, 2, 1));
    assert_eq!(s.flags.names(), ["2Node", "Quorate"]);
}

#[test]
fn two_node_switches_off_when_a_third_node_joins() {
    let mut q = cluster(2, &[("two_node", "1")]);
    members(&mut q, 0, &[1, 2]);
    let s = members(&mut q, 1, &[1, 2, 3]);
    assert_eq!(votes(&s), (true, 3, 3, 2));
    assert!(!s.flags.two_node);
    // One of three is no longer enough.
    assert_eq!(votes(&members(&mut q, 2, &[1])), (false, 1, 3, 2));
    // With no nodelist: expected_votes 2 and two_node, the same rule.
    let config = QuorumConfig::from_section([("expected_votes", "2"), ("two_node", "1")]).unwrap();
    let mut q = Quorum::new(config).unwrap();
    assert!(members(&mut q, 0, &[1, 2]).flags.two_node);
    assert!(!members(&mut q, 0, &[1, 2, 3]).flags.two_node);
}

#[test]
fn wait_for_all_holds_quorum_until_every_node_was_seen_at_once() {
    let mut q = cluster(8, &[("wait_for_all", "1")]);
    // Five of eight would be a majority, but not all have been seen.
    let s = members(&mut q, 0, &[1, 2, 3, 4, 5]);
    assert_eq!(votes(&s), (false, 5, 8, 5));
    assert!(s.waiting_for_all && s.flags.wait_for_all);
    // Seeing every node at some time (not at once) is not enough.
    assert!(!members(&mut q, 1, &[4, 5, 6, 7, 8]).quorate);
    assert!(members(&mut q, 2, &[1, 2, 3, 4, 5, 6, 7, 8]).quorate);
    // From then on the usual majority rule.
    let s = members(&mut q, 3, &[1, 2, 3, 4, 5]);
    assert_eq!(votes(&s), (true, 5, 8, 5));
    assert!(!s.waiting_for_all && s.flags.wait_for_all);
    assert!(!members(&mut q, 4, &[1, 2, 3, 4]).quorate);
}

#[test]
fn cancelling_wait_for_all_applies_the_majority_rule_at_once() {
    let mut q = cluster(3, &[("wait_for_all", "1")]);
    assert!(!members(&mut q, 0, &[1, 2]).quorate);
    q.cancel_wait_for_all(S);
    assert!(q.is_quorate());
    assert!(!q.status().waiting_for_all);
    // Cancelling does not make a minority quorate.
    let mut q = cluster(3, &[("wait_for_all", "1")]);
    members(&mut q, 0, &[1]);
    q.cancel_wait_for_all(S);
    assert!(!q.is_quorate());
}

/// The chain of events in votequorum(5)'s last_man_standing section.
#[test]
fn last_man_standing_lowers_expected_votes_after_the_window() {
    let mut q = cluster(8, &[("last_man_standing", "1")]);
    let all: Vec<u32> = (1..=8).collect();
    // 1) fully operational: expected 8, quorum 5.
    assert_eq!(votes(&members(&mut q, 0, &all)), (true, 8, 8, 5));
    assert_eq!(q.poll_timeout(), None);
    // 2) three nodes die; quorate with 5; the 10 s window starts.
    assert_eq!(
        votes(&members(&mut q, 100, &[1, 2, 3, 4, 5])),
        (true, 5, 8, 5)
    );
    assert_eq!(q.poll_timeout(), Some(Duration::from_secs(110)));
    q.handle_timeout(Duration::from_secs(109));
    assert_eq!(q.status().expected_votes, 8);
    // 3) the window expires: expected 5, quorum 3.
    q.handle_timeout(Duration::from_secs(110));
    assert_eq!(votes(&q.status()), (true, 5, 5, 3));
    assert_eq!(q.poll_timeout(), None);
    // 4) two more die; still quorate with 3.  5) expected 3, quorum 2.
    assert_eq!(votes(&members(&mut q, 200, &[1, 2, 3])), (true, 3, 5, 3));
    q.handle_timeout(Duration::from_secs(210));
    assert_eq!(votes(&q.status()), (true, 3, 3, 2));
    // 6) one more dies; quorate with 2.  7) expected 2, quorum 2.
    assert_eq!(votes(&members(&mut q, 300, &[1, 2])), (true, 2, 3, 2));
    q.handle_timeout(Duration::from_secs(310));
    assert_eq!(votes(&q.status()), (true, 2, 2, 2));
    // Without auto_tie_breaker the last node alone is not quorate.
    assert_eq!(votes(&members(&mut q, 400, &[1])), (false, 1, 2, 2));
    assert_eq!(q.poll_timeout(), None);
    let lowered: Vec<_> = events(&mut q)
        .into_iter()
        .filter_map(|e| match e {
            QuorumEvent::ExpectedVotesChanged { to, .. } => Some(to),
            _ => None,
        })
        .collect();
    assert_eq!(lowered, [5, 3, 2]);
    assert!(q.status().flags.last_man_standing);
}

#[test]
fn last_man_standing_with_auto_tie_breaker_goes_down_to_one_node() {
    let mut q = cluster(4, &[("last_man_standing", "1"), ("auto_tie_breaker", "1")]);
    members(&mut q, 0, &[1, 2, 3, 4]);
    assert!(members(&mut q, 10, &[1, 2]).quorate); // tie won by node 1
    q.handle_timeout(Duration::from_secs(20));
    assert_eq!(votes(&q.status()), (true, 2, 2, 2));
    // 1 of 2 is half; node 1 is the tie-breaker.
    assert_eq!(votes(&members(&mut q, 30, &[1])), (true, 1, 2, 2));
    q.handle_timeout(Duration::from_secs(40));
    assert_eq!(votes(&q.status()), (true, 1, 1, 1));
    assert_eq!(
        q.status().flags.names(),
        ["Quorate", "LastManStanding", "AutoTieBreaker"]
    );
}

#[test]
fn last_man_standing_window_is_configurable_and_restarts_on_each_change() {
    let mut q = cluster(
        5,
        &[
            ("last_man_standing", "1"),
            ("last_man_standing_window", "20000"),
        ],
    );
    members(&mut q, 0, &[1, 2, 3, 4, 5]);
    members(&mut q, 100, &[1, 2, 3, 4]);
    assert_eq!(q.poll_timeout(), Some(Duration::from_secs(120)));
    // Another change within the window starts it again.
    members(&mut q, 110, &[1, 2, 3]);
    assert_eq!(q.poll_timeout(), Some(Duration::from_secs(130)));
    q.handle_timeout(Duration::from_secs(120));
    assert_eq!(q.status().expected_votes, 5);
    q.handle_timeout(Duration::from_secs(130));
    assert_eq!(votes(&q.status()), (true, 3, 3, 2));
}

#[test]
fn last_man_standing_never_rescues_a_partition_without_quorum() {
    let mut q = cluster(5, &[("last_man_standing", "1")]);
    members(&mut q, 0, &[1, 2, 3, 4, 5]);
    members(&mut q, 100, &[1, 2, 3]);
    assert!(q.poll_timeout().is_some());
    // Quorum is lost inside the window: the timer is cancelled.
    assert!(!members(&mut q, 105, &[1, 2]).quorate);
    assert_eq!(q.poll_timeout(), None);
    q.handle_timeout(Duration::from_secs(200));
    assert_eq!(votes(&q.status()), (false, 2, 5, 3));
    // A minority that never had quorum does not start the timer either.
    let mut q = cluster(5, &[("last_man_standing", "1")]);
    members(&mut q, 0, &[1, 2]);
    members(&mut q, 1, &[1]);
    assert_eq!(q.poll_timeout(), None);
}

#[test]
fn last_man_standing_expected_votes_rise_again_when_nodes_return() {
    let mut q = cluster(5, &[("last_man_standing", "1")]);
    members(&mut q, 0, &[1, 2, 3, 4, 5]);
    members(&mut q, 10, &[1, 2, 3]);
    q.handle_timeout(Duration::from_secs(20));
    assert_eq!(q.status().expected_votes, 3);
    assert_eq!(votes(&members(&mut q, 30, &[1, 2, 3, 4])), (true, 4, 4, 3));
    assert_eq!(q.poll_timeout(), None);
}

#[test]
fn last_man_standing_with_wait_for_all_waits_first() {
    let mut q = cluster(4, &[("last_man_standing", "1"), ("wait_for_all", "1")]);
    assert!(!members(&mut q, 0, &[1, 2, 3]).quorate);
    members(&mut q, 1, &[1, 2]);
    assert_eq!(q.poll_timeout(), None);
    assert!(members(&mut q, 2, &[1, 2, 3, 4]).quorate);
    members(&mut q, 3, &[1, 2, 3]);
    q.handle_timeout(Duration::from_secs(13));
    assert_eq!(votes(&q.status()), (true, 3, 3, 2));
    assert_eq!(
        q.status().flags.names(),
        ["Quorate", "WaitForAll", "LastManStanding"]
    );
}

/// Runs both halves of an even split of nodes 1..=n on separate nodes'
/// views and says which half stays quorate.
fn split(n: u32, options: &[(&str, &str)], half: &[u32]) -> (bool, bool) {
    let all: Vec<u32> = (1..=n).collect();
    let other: Vec<u32> = all.iter().copied().filter(|x| !half.contains(x)).collect();
    let mut a = cluster(n, options);
    let mut b = cluster(n, options);
    members(&mut a, 0, &all);
    members(&mut b, 0, &all);
    (
        members(&mut a, 1, half).quorate,
        members(&mut b, 1, &other).quorate,
    )
}

#[test]
fn auto_tie_breaker_lowest_is_the_default() {
    let atb = [("auto_tie_breaker", "1")];
    assert_eq!(split(4, &atb, &[1, 3]), (true, false));
    assert_eq!(split(4, &atb, &[2, 4]), (false, true));
    assert_eq!(
        split(
            6,
            &[
                ("auto_tie_breaker", "1"),
                ("auto_tie_breaker_node", "lowest")
            ],
            &[4, 5, 6]
        ),
        (false, true)
    );
    // Without auto_tie_breaker neither half of an even split is quorate.
    assert_eq!(split(4, &[], &[1, 2]), (false, false));
    // Fewer than half: no tie to break.
    let mut q = cluster(4, &atb);
    members(&mut q, 0, &[1, 2, 3, 4]);
    assert!(!members(&mut q, 1, &[1]).quorate);
    assert_eq!(q.tie_breaker(), Some(NodeId(1)));
    assert_eq!(q.status().flags.names(), ["AutoTieBreaker"]);
}

#[test]
fn auto_tie_breaker_highest() {
    let atb = [
        ("auto_tie_breaker", "1"),
        ("auto_tie_breaker_node", "highest"),
    ];
    assert_eq!(split(4, &atb, &[1, 2]), (false, true));
    assert_eq!(split(4, &atb, &[3, 4]), (true, false));
}

#[test]
fn auto_tie_breaker_list_takes_the_first_known_node() {
    let atb = [("auto_tie_breaker", "1"), ("auto_tie_breaker_node", "3 1")];
    assert_eq!(split(4, &atb, &[1, 2]), (false, true));
    assert_eq!(split(4, &atb, &[3, 4]), (true, false));
    // Node 9 was never part of the cluster: node 2 decides.
    let atb = [("auto_tie_breaker", "1"), ("auto_tie_breaker_node", "9 2")];
    assert_eq!(split(4, &atb, &[1, 2]), (true, false));
    assert_eq!(split(4, &atb, &[3, 4]), (false, true));
}

#[test]
fn auto_tie_breaker_node_counts_even_when_it_is_down() {
    // Node 1, the lowest, died before the split of the other four into
    // two pairs: neither pair holds it, so neither wins, and no half can
    // disagree with the other about which node decides.
    let atb = [("auto_tie_breaker", "1")];
    let mut a = cluster(6, &atb);
    members(&mut a, 0, &[1, 2, 3, 4, 5, 6]);
    assert!(members(&mut a, 1, &[2, 3, 4, 5, 6]).quorate);
    assert!(!members(&mut a, 2, &[2, 3, 4]).quorate);
    assert!(!members(&mut a, 2, &[1, 2]).quorate);
    assert!(members(&mut a, 2, &[1, 2, 3]).quorate);
}

#[test]
fn auto_tie_breaker_without_a_nodelist_uses_the_nodes_seen() {
    let config =
        QuorumConfig::from_section([("expected_votes", "4"), ("auto_tie_breaker", "1")]).unwrap();
    let mut q = Quorum::new(config).unwrap();
    assert_eq!(q.tie_breaker(), None);
    members(&mut q, 0, &[2, 3, 4, 5]);
    assert_eq!(q.tie_breaker(), Some(NodeId(2)));
    assert!(members(&mut q, 1, &[2, 5]).quorate);
    assert!(!members(&mut q, 1, &[3, 4]).quorate);
}

#[test]
fn auto_tie_breaker_with_two_node_keeps_two_node_quorum() {
    let mut q = cluster(2, &[("two_node", "1"), ("auto_tie_breaker", "1")]);
    members(&mut q, 0, &[1, 2]);
    let s = members(&mut q, 1, &[2]);
    assert_eq!(votes(&s), (true, 1, 2, 1));
    assert_eq!(
        s.flags.names(),
        ["2Node", "Quorate", "WaitForAll", "AutoTieBreaker"]
    );
}

#[test]
fn administrator_sets_expected_votes() {
    let mut q = cluster(5, &[]);
    members(&mut q, 0, &[1, 2]);
    assert!(!q.is_quorate());
    // corosync-quorumtool -e 3: the two survivors regain quorum.
    q.set_expected_votes(S, 3).unwrap();
    assert_eq!(votes(&q.status()), (true, 2, 3, 2));
    // Never below the votes present.
    q.set_expected_votes(S, 1).unwrap();
    assert_eq!(q.status().expected_votes, 2);
    assert_eq!(
        q.set_expected_votes(S, 0),
        Err(QuorumError::ZeroExpectedVotes)
    );
    q.set_expected_votes(S, 9).unwrap();
    assert_eq!(votes(&q.status()), (false, 2, 9, 5));
    assert_eq!(
        events(&mut q),
        [
            QuorumEvent::ExpectedVotesChanged { from: 5, to: 3 },
            QuorumEvent::QuorateChanged { quorate: true },
            QuorumEvent::ExpectedVotesChanged { from: 3, to: 1 },
            QuorumEvent::ExpectedVotesChanged { from: 1, to: 2 },
            QuorumEvent::ExpectedVotesChanged { from: 2, to: 9 },
            QuorumEvent::QuorateChanged { quorate: false },
        ]
    );
}

#[test]
fn administrator_sets_votes() {
    let mut q = cluster(3, &[]);
    members(&mut q, 0, &[1]);
    // corosync-quorumtool -v 3 -n 1: node 1's 3 votes raise expected to 5.
    q.set_votes(S, NodeId(1), 3);
    assert_eq!(votes(&q.status()), (true, 3, 5, 3));
    assert_eq!(q.config().votes_of(NodeId(1)), 3);
    assert_eq!(votes(&members(&mut q, 1, &[2, 3])), (false, 2, 5, 3));
}

#[test]
fn reload_changes_only_what_votequorum_changes_at_runtime() {
    let mut q = cluster(3, &[("wait_for_all", "1")]);
    members(&mut q, 0, &[1, 2, 3]);
    members(&mut q, 1, &[1, 2]);
    // A fourth node is added to the nodelist, node 1 gets 2 votes, and
    // options that need a restart are changed too (and ignored).
    let mut new =
        QuorumConfig::from_section([("last_man_standing", "1"), ("wait_for_all", "0")]).unwrap();
    for node in 1..=4 {
        new.add_node(NodeId(node), if node == 1 { 2 } else { 1 });
    }
    q.reload(S, new);
    let s = q.status();
    assert_eq!(votes(&s), (true, 3, 5, 3));
    assert!(s.flags.wait_for_all && !s.flags.last_man_standing);
    assert_eq!(
        s.members[0],
        Member {
            node: NodeId(1),
            votes: 2
        }
    );
    // expected_votes set in the file: applied at once, like -e.
    let mut new = q.config().clone();
    new.expected_votes = Some(7);
    q.reload(S, new.clone());
    assert_eq!(votes(&q.status()), (false, 3, 7, 4));
    // Reloading the same file again changes nothing.
    q.reload(S, new);
    assert_eq!(q.status().expected_votes, 7);
    // two_node can be turned on (with two nodes known) and off.
    let mut q = cluster(2, &[]);
    members(&mut q, 0, &[1, 2]);
    assert!(!members(&mut q, 1, &[1]).quorate);
    let mut new = q.config().clone();
    new.two_node = true;
    q.reload(S, new.clone());
    assert!(q.is_quorate() && q.status().flags.two_node);
    new.two_node = false;
    q.reload(S, new);
    assert!(!q.is_quorate());
}

/// The safety property the simulator checks, on random clusters and
/// random sequences of splits and merges: each node keeps its own view,
/// and at no time are two disjoint partitions both quorate, whatever the
/// votes, wait_for_all and auto_tie_breaker settings, as long as expected
/// votes come from the nodelist and two_node and last_man_standing (which
/// allow it by design) are off.
#[test]
fn never_two_disjoint_quorate_partitions() {
    let mut rng = vigil_testgen::Rng::new(2026);
    for _case in 0..300 {
        let n = rng.range(1, 7) as u32;
        let mut config = QuorumConfig::default();
        for node in 1..=n {
            config.add_node(NodeId(node), rng.below(3) as u32);
        }
        if config.nodes.values().all(|&v| v == 0) {
            config.add_node(NodeId(1), 1);
        }
        config.wait_for_all = Some(rng.percent(50));
        config.auto_tie_breaker = rng.percent(70);
        config.auto_tie_breaker_node = match rng.below(3) {
            0 => TieBreaker::Lowest,
            1 => TieBreaker::Highest,
            _ => TieBreaker::List((0..3).map(|_| NodeId(rng.range(1, 9) as u32)).collect()),
        };
        let mut views: Vec<Quorum> = (0..n)
            .map(|_| Quorum::new(config.clone()).unwrap())
            .collect();
        for step in 0..40u64 {
            // Partition the nodes at random (some may be down: group 0).
            let groups = rng.range(1, 4);
            let group_of: Vec<usize> = (0..n).map(|_| rng.below(groups + 1)).collect();
            let now = Duration::from_secs(step);
            // Some nodes that are down restart, forgetting everything.
            for i in 0..n as usize {
                if group_of[i] == 0 && rng.percent(50) {
                    views[i] = Quorum::new(config.clone()).unwrap();
                }
            }
            for g in 1..=groups {
                let part: Vec<NodeId> = (0..n)
                    .filter(|&i| group_of[i as usize] == g)
                    .map(|i| NodeId(i + 1))
                    .collect();
                for node in &part {
                    views[(node.0 - 1) as usize].membership_changed_ids(now, &part);
                }
            }
            assert!(
                views.iter().all(|v| !v.split_quorum_possible()),
                "{config:?}"
            );
            let quorate: BTreeSet<usize> = (0..n as usize)
                .filter(|&i| group_of[i] != 0 && views[i].is_quorate())
                .map(|i| group_of[i])
                .collect();
            assert!(
                quorate.len() <= 1,
                "{config:?} step {step}: groups {group_of:?}"
            );
        }
    }
}

#[test]
fn split_quorum_possible_names_each_exception_to_the_invariant() {
    let fresh = |n, options: &[(&str, &str)]| cluster(n, options).split_quorum_possible();
    assert!(!fresh(3, &[]));
    assert!(!fresh(
        4,
        &[("auto_tie_breaker", "1"), ("wait_for_all", "1")]
    ));
    assert!(!fresh(3, &[("expected_votes", "3")]));
    assert!(!fresh(3, &[("two_node", "1")])); // three nodes: two_node is off
    assert!(fresh(2, &[("two_node", "1")]));
    assert!(fresh(3, &[("last_man_standing", "1")]));
    assert!(fresh(3, &[("expected_votes", "2")]));
    let no_nodelist = QuorumConfig::from_section([("expected_votes", "3")]).unwrap();
    assert!(Quorum::new(no_nodelist).unwrap().split_quorum_possible());
    let mut q = cluster(3, &[]);
    members(&mut q, 0, &[1, 4]);
    assert!(q.split_quorum_possible()); // node 4 is not in the nodelist
    let mut q = cluster(3, &[]);
    q.set_expected_votes(S, 3).unwrap();
    assert!(q.split_quorum_possible());
    let mut q = cluster(3, &[]);
    q.set_votes(S, NodeId(2), 1);
    assert!(q.split_quorum_possible());
}

#[test]
fn quorumtool_status_of_a_single_node_matches_corosync() {
    let mut q = cluster(1, &[]);
    members(&mut q, 0, &[1]);
    let names = BTreeMap::from([(NodeId(1), "node1".to_owned())]);
    let view = QuorumToolView {
        date: "Sun Nov 22 02:49:48 2026",
        local_node: NodeId(1),
        ring_id: (NodeId(1), 5),
        names: &names,
    };
    // As captured from corosync-quorumtool -s (research/features.md §2.3).
    let expected = "\
Quorum information
------------------
Date:             Sun Nov 22 02:49:48 2026
Quorum provider:  corosync_votequorum
Nodes:            1
Node ID:          1
Ring ID:          1.5
Quorate:          Yes

Votequorum information
----------------------
Expected votes:   1
Highest expected: 1
Total votes:      1
Quorum:           1
Flags:            Quorate

Membership information
----------------------
    Nodeid      Votes Name
         1          1 node1 (local)
";
    assert_eq!(quorumtool_status(&q.status(), &view), expected);
}

#[test]
fn quorumtool_status_of_a_two_node_cluster_and_of_a_lost_partition() {
    let mut q = cluster(2, &[("two_node", "1")]);
    members(&mut q, 0, &[1, 2]);
    let names = BTreeMap::from([
        (NodeId(1), "alpha".to_owned()),
        (NodeId(2), "beta".to_owned()),
    ]);
    let view = QuorumToolView {
        date: "Mon Jan  5 09:00:00 2026",
        local_node: NodeId(2),
        ring_id: (NodeId(1), 0x1c),
        names: &names,
    };
    let text = quorumtool_status(&q.status(), &view);
    for line in [
        "Nodes:            2\n",
        "Node ID:          2\n",
        "Ring ID:          1.1c\n",
        "Expected votes:   2\n",
        "Quorum:           1\n",
        "Flags:            2Node Quorate WaitForAll\n",
        "         1          1 alpha\n         2          1 beta (local)\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let mut q = cluster(3, &[]);
    q.set_votes(S, NodeId(3), 12);
    members(&mut q, 0, &[3, 1]);
    members(&mut q, 1, &[1]);
    let view = QuorumToolView {
        local_node: NodeId(1),
        ..view
    };
    let text = quorumtool_status(&q.status(), &view);
    for line in [
        "Quorate:          No\n",
        "Expected votes:   14\n",
        "Total votes:      1\n",
        "Quorum:           8 Activity blocked\n",
        "Flags:            \n",
        "         1          1 alpha (local)\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    // A node without a name shows its id.
    members(&mut q, 2, &[1, 3]);
    assert!(quorumtool_status(&q.status(), &view).ends_with("         3         12 3\n"));
}
