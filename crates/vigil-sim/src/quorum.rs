//! Where a quorum layer plugs in. Each simulated processor may carry one
//! (built by a [`QuorumFactory`]); it is fed every configuration change its
//! processor delivers, and after each change the simulator checks that no
//! two quorate processors sit in partitions with disjoint memberships.
//! [`Votequorum`] plugs in vigil-quorum's votequorum with corosync's
//! defaults (one vote per node, expected votes = the nodelist's sum).

use std::time::Duration;

use vigil_quorum::{Quorum, QuorumConfig};
use vigil_totem::{ConfigurationChange, NodeId};
use vigil_wire::NodeId as WireId;

/// A per-processor quorum layer over Totem's configuration changes.
pub trait QuorumLayer {
    /// `now` is the processor's own clock.
    fn configuration_changed(&mut self, now: Duration, change: &ConfigurationChange);
    fn quorate(&self) -> bool;
}

/// Builds the quorum layer of processor `id` of the nodelist.
pub type QuorumFactory = dyn Fn(NodeId, &[NodeId]) -> Box<dyn QuorumLayer> + Sync;

/// vigil-quorum's votequorum, `quorum { provider: corosync_votequorum }`.
pub struct Votequorum(Quorum);

impl Votequorum {
    /// For a nodelist of more than two nodes (two nodes need `two_node`,
    /// under which both halves of a split are quorate by design).
    pub fn new(_id: NodeId, nodes: &[NodeId]) -> Option<Self> {
        let mut config = QuorumConfig::from_section([("provider", "corosync_votequorum")]).ok()?;
        for &n in nodes {
            config.add_node(WireId(n), 1);
        }
        Quorum::new(config).ok().map(Votequorum)
    }
}

impl QuorumLayer for Votequorum {
    fn configuration_changed(&mut self, now: Duration, change: &ConfigurationChange) {
        let members: Vec<WireId> = change.members.iter().map(|&m| WireId(m)).collect();
        self.0.membership_changed_ids(now, &members);
    }

    fn quorate(&self) -> bool {
        self.0.is_quorate()
    }
}

/// The factory for [`Votequorum`] on every processor.
pub fn votequorum(id: NodeId, nodes: &[NodeId]) -> Box<dyn QuorumLayer> {
    match Votequorum::new(id, nodes) {
        Some(q) => Box::new(q),
        None => Box::new(NeverQuorate),
    }
}

/// A layer that never grants quorum (used if votequorum refuses the
/// configuration, so the check stays sound).
struct NeverQuorate;

impl QuorumLayer for NeverQuorate {
    fn configuration_changed(&mut self, _: Duration, _: &ConfigurationChange) {}
    fn quorate(&self) -> bool {
        false
    }
}
