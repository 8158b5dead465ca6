//! votequorum (`vigil_quorum::Quorum`) driven by arbitrary configurations
//! and arbitrary sequences of memberships, time, and administrator
//! commands. Nothing may panic, and after every step the state must agree
//! with the rules it reports:
//! - total votes are the (saturating) sum of the members' votes, and
//!   expected votes are never below them;
//! - quorum is 1 under two_node, else expected / 2 + 1;
//! - quorate exactly when not waiting for all and the total reaches quorum
//!   or auto_tie_breaker's exact half holds the tie-breaker node;
//! - the QuorateChanged events, replayed, give the current state;
//! - a pending last_man_standing deadline only while quorate.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use vigil_quorum::{Member, NodeId, Quorum, QuorumConfig, QuorumEvent, TieBreaker};

/// Reads the fuzzer's bytes one at a time (zeros once they run out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }

    fn votes(&mut self) -> u32 {
        match self.byte() {
            255 => u32::MAX,
            254 => u32::MAX - 1,
            b => u32::from(b % 4),
        }
    }

    fn node(&mut self) -> NodeId {
        NodeId(u32::from(self.byte() % 9))
    }
}

fn config(b: &mut Bytes) -> QuorumConfig {
    let mut config = QuorumConfig::default();
    for node in 1..=u32::from(b.byte() % 7) {
        config.add_node(NodeId(node), b.votes());
    }
    let flags = b.byte();
    if flags & 1 != 0 || config.nodes.is_empty() {
        config.expected_votes = Some(u32::from(b.byte()).max(1));
    }
    config.two_node = flags & 2 != 0;
    config.wait_for_all = [None, Some(false), Some(true)][usize::from(flags >> 2) % 3];
    config.last_man_standing = flags & 16 != 0;
    config.last_man_standing_window = Duration::from_millis(u64::from(b.byte()) * 100);
    config.auto_tie_breaker = flags & 32 != 0;
    config.auto_tie_breaker_node = match b.byte() % 3 {
        0 => TieBreaker::Lowest,
        1 => TieBreaker::Highest,
        _ => TieBreaker::List((0..b.byte() % 4).map(|_| b.node()).collect()),
    };
    config
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let Ok(mut q) = Quorum::new(config(&mut b)) else {
        return;
    };
    let mut now = Duration::ZERO;
    let mut quorate_by_events = false;
    while !b.0.is_empty() {
        now += Duration::from_millis(u64::from(b.byte()) * 50);
        match b.byte() % 8 {
            0..=2 => {
                let members: Vec<Member> = (0..b.byte() % 8)
                    .map(|_| Member {
                        node: b.node(),
                        votes: b.votes(),
                    })
                    .collect();
                q.membership_changed(now, &members);
            }
            3 => {
                let nodes: Vec<NodeId> = (0..b.byte() % 8).map(|_| b.node()).collect();
                q.membership_changed_ids(now, &nodes);
            }
            4 => {
                if let Some(deadline) = q.poll_timeout() {
                    now = now.max(deadline);
                }
                q.handle_timeout(now);
            }
            5 => {
                let expected = u32::from(b.byte());
                assert_eq!(q.set_expected_votes(now, expected).is_err(), expected == 0);
            }
            6 => {
                let (node, votes) = (b.node(), b.votes());
                q.set_votes(now, node, votes);
            }
            _ => match b.byte() % 3 {
                0 => q.cancel_wait_for_all(now),
                1 => q.reload(now, config(&mut b)),
                _ => q.handle_timeout(now),
            },
        }

        let s = q.status();
        let total = s
            .members
            .iter()
            .fold(0u32, |t, m| t.saturating_add(m.votes));
        assert_eq!(s.total_votes, total);
        assert!(s.expected_votes >= s.total_votes);
        assert_eq!(
            s.quorum,
            if s.flags.two_node {
                1
            } else {
                s.expected_votes / 2 + 1
            }
        );
        let tie = s.flags.auto_tie_breaker
            && u64::from(s.total_votes) * 2 == u64::from(s.expected_votes)
            && q.tie_breaker()
                .is_some_and(|tb| s.members.iter().any(|m| m.node == tb));
        assert_eq!(
            s.quorate,
            !s.waiting_for_all && (s.total_votes >= s.quorum || tie)
        );
        assert_eq!(s.quorate, q.is_quorate());
        assert!(s.members.windows(2).all(|w| w[0].node < w[1].node));
        while let Some(event) = q.poll_event() {
            if let QuorumEvent::QuorateChanged { quorate } = event {
                assert_ne!(
                    quorate, quorate_by_events,
                    "a change event that changes nothing"
                );
                quorate_by_events = quorate;
            }
        }
        assert_eq!(quorate_by_events, s.quorate);
        assert!(s.last_man_standing_deadline.is_none() || s.quorate);
        let _ = s.flags.names();
    }
});
