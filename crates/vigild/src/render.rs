//! Text renderings of API answers, as the corosync tools print them.

use std::collections::BTreeMap;
use std::fmt::Write;

use vigil_quorum::{Flags, Member, QuorumToolView, quorumtool_status};
use vigil_wire::NodeId;

use crate::api::{LinkState, LinkStatus, QuorumStatus};

/// `corosync-quorumtool -s`, as of `date` (already formatted).
pub fn quorum_status(status: &QuorumStatus, date: &str) -> String {
    let flags = Flags {
        two_node: status.flags.two_node,
        quorate: status.flags.quorate,
        wait_for_all: status.flags.wait_for_all,
        last_man_standing: status.flags.last_man_standing,
        auto_tie_breaker: status.flags.auto_tie_breaker,
    };
    let quorum = vigil_quorum::QuorumStatus {
        quorate: status.quorate,
        members: status
            .members
            .iter()
            .map(|m| Member {
                node: NodeId(m.nodeid),
                votes: m.votes,
            })
            .collect(),
        total_votes: status.total_votes,
        expected_votes: status.expected_votes,
        highest_expected: status.highest_expected,
        quorum: status.quorum,
        flags,
        waiting_for_all: false,
        last_man_standing_deadline: None,
    };
    let names: BTreeMap<NodeId, String> = status
        .members
        .iter()
        .map(|m| (NodeId(m.nodeid), m.name.clone()))
        .collect();
    let view = QuorumToolView {
        date,
        local_node: NodeId(status.node_id),
        ring_id: (NodeId(status.ring_rep), status.ring_seq),
        names: &names,
    };
    quorumtool_status(&quorum, &view)
}

/// `corosync-cfgtool -s`: the local node, then link 0's state towards
/// every configured node.
pub fn links(status: &LinkStatus) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Local node ID {}, transport {}",
        status.node_id, status.transport
    );
    let _ = writeln!(out, "LINK ID 0 udp");
    let _ = writeln!(out, "\taddr\t= {}", status.addr);
    let _ = writeln!(out, "\tstatus:");
    for peer in &status.peers {
        let state = match peer.state {
            LinkState::Localhost => "localhost",
            LinkState::Connected => "connected",
            LinkState::Disconnected => "disconnected",
        };
        let _ = writeln!(out, "\t\tnodeid: {:>10}:\t{state}", peer.nodeid);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PeerLink;

    #[test]
    fn quorumtool_layout() {
        let status = QuorumStatus {
            provider: "corosync_votequorum".into(),
            node_id: 2,
            ring_id: "1.1c".into(),
            ring_rep: 1,
            ring_seq: 28,
            quorate: true,
            expected_votes: 3,
            highest_expected: 3,
            total_votes: 2,
            quorum: 2,
            flags: crate::api::QuorumFlags {
                quorate: true,
                ..Default::default()
            },
            members: vec![
                crate::api::Member {
                    nodeid: 1,
                    votes: 1,
                    name: "node1".into(),
                },
                crate::api::Member {
                    nodeid: 2,
                    votes: 1,
                    name: "node2".into(),
                },
            ],
        };
        let text = quorum_status(&status, "Sun Nov 22 02:49:48 2026");
        assert_eq!(
            text,
            "Quorum information\n------------------\n\
             Date:             Sun Nov 22 02:49:48 2026\n\
             Quorum provider:  corosync_votequorum\n\
             Nodes:            2\n\
             Node ID:          2\n\
             Ring ID:          1.1c\n\
             Quorate:          Yes\n\n\
             Votequorum information\n----------------------\n\
             Expected votes:   3\n\
             Highest expected: 3\n\
             Total votes:      2\n\
             Quorum:           2\n\
             Flags:            Quorate\n\n\
             Membership information\n----------------------\n\
             \x20   Nodeid      Votes Name\n\
             \x20        1          1 node1\n\
             \x20        2          1 node2 (local)\n"
        );
    }

    #[test]
    fn cfgtool_layout() {
        let status = LinkStatus {
            node_id: 1,
            transport: "knet".into(),
            addr: "127.0.0.1".into(),
            peers: vec![
                PeerLink {
                    nodeid: 1,
                    state: LinkState::Localhost,
                },
                PeerLink {
                    nodeid: 2,
                    state: LinkState::Connected,
                },
                PeerLink {
                    nodeid: 3,
                    state: LinkState::Disconnected,
                },
            ],
        };
        assert_eq!(
            links(&status),
            "Local node ID 1, transport knet\nLINK ID 0 udp\n\taddr\t= 127.0.0.1\n\tstatus:\n\
             \t\tnodeid:          1:\tlocalhost\n\
             \t\tnodeid:          2:\tconnected\n\
             \t\tnodeid:          3:\tdisconnected\n"
        );
    }
}
