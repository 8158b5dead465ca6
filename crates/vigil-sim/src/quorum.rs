//! Where a quorum layer plugs in. Each simulated processor may carry one
//! (built by a [`QuorumFactory`]); it is fed every configuration change its
//! processor delivers, and after each change the simulator checks that no
//! two quorate processors sit in partitions with disjoint memberships.
//! vigil-quorum's votequorum will be plugged in here; the simulator itself
//! ships no quorum policy.

use vigil_totem::{ConfigurationChange, NodeId};

/// A per-processor quorum layer over Totem's configuration changes.
pub trait QuorumLayer {
    fn configuration_changed(&mut self, change: &ConfigurationChange);
    fn quorate(&self) -> bool;
}

/// Builds the quorum layer of processor `id` of the nodelist.
pub type QuorumFactory = dyn Fn(NodeId, &[NodeId]) -> Box<dyn QuorumLayer>;
