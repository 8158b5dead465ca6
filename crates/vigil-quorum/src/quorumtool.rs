//! `corosync-quorumtool -s` output, rendered from a [`QuorumStatus`].

use std::collections::BTreeMap;
use std::fmt::Write;

use vigil_wire::NodeId;

use crate::{PROVIDER, QuorumStatus};

/// What `corosync-quorumtool -s` shows beyond the quorum state: the node it
/// runs on, the ring, the time and the node names.
#[derive(Clone, Debug)]
pub struct QuorumToolView<'a> {
    /// The "Date:" line, already formatted (corosync-quorumtool prints the
    /// local time as `ctime` does, e.g. `Sun Nov 22 02:49:48 2026`).
    pub date: &'a str,
    /// The node the tool runs on ("Node ID:", and "(local)" in the list).
    pub local_node: NodeId,
    /// The ring id: the representative's node id and the ring sequence,
    /// printed in hexadecimal as `1.5`.
    pub ring_id: (NodeId, u64),
    /// Node names for the "Name" column; a node without one shows its id.
    pub names: &'a BTreeMap<NodeId, String>,
}

/// The text `corosync-quorumtool -s` prints, line for line (a partition
/// without quorum reads `Quorum:           2 Activity blocked`):
///
/// ```text
/// Quorum information
/// ------------------
/// Date:             Sun Nov 22 02:49:48 2026
/// Quorum provider:  corosync_votequorum
/// Nodes:            1
/// Node ID:          1
/// Ring ID:          1.5
/// Quorate:          Yes
///
/// Votequorum information
/// ----------------------
/// Expected votes:   1
/// Highest expected: 1
/// Total votes:      1
/// Quorum:           1
/// Flags:            Quorate
///
/// Membership information
/// ----------------------
///     Nodeid      Votes Name
///          1          1 node1 (local)
/// ```
pub fn quorumtool_status(status: &QuorumStatus, view: &QuorumToolView<'_>) -> String {
    let mut out = String::new();
    let field = |out: &mut String, label: &str, value: &dyn std::fmt::Display| {
        let _ = writeln!(out, "{:<18}{value}", format!("{label}:"));
    };
    out.push_str("Quorum information\n------------------\n");
    field(&mut out, "Date", &view.date);
    field(&mut out, "Quorum provider", &PROVIDER);
    field(&mut out, "Nodes", &status.members.len());
    field(&mut out, "Node ID", &view.local_node);
    field(
        &mut out,
        "Ring ID",
        &format_args!("{:x}.{:x}", view.ring_id.0.0, view.ring_id.1),
    );
    field(
        &mut out,
        "Quorate",
        &if status.quorate { "Yes" } else { "No" },
    );
    out.push_str("\nVotequorum information\n----------------------\n");
    field(&mut out, "Expected votes", &status.expected_votes);
    field(&mut out, "Highest expected", &status.highest_expected);
    field(&mut out, "Total votes", &status.total_votes);
    // corosync-quorumtool adds "Activity blocked" when the partition has no
    // quorum (as captured, e.g., "Quorum: 2 Activity blocked").
    let blocked = if status.quorate {
        ""
    } else {
        " Activity blocked"
    };
    field(
        &mut out,
        "Quorum",
        &format_args!("{}{blocked}", status.quorum),
    );
    field(&mut out, "Flags", &status.flags.names().join(" "));
    out.push_str("\nMembership information\n----------------------\n");
    let _ = writeln!(out, "{:>10} {:>10} Name", "Nodeid", "Votes");
    for member in &status.members {
        let name = view
            .names
            .get(&member.node)
            .cloned()
            .unwrap_or_else(|| member.node.to_string());
        let local = if member.node == view.local_node {
            " (local)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{:>10} {:>10} {name}{local}",
            member.node, member.votes
        );
    }
    out
}
