//! # vigil-sim: the deterministic cluster simulator
//!
//! N Totem processors (`vigil_totem::Totem`, the same core the daemon
//! runs) in one process, in virtual time, driven by one seed: the network
//! drops, delays, duplicates and reorders packets and partitions the
//! cluster (symmetrically and asymmetrically); processors crash and restart
//! (keeping only their persisted ring sequence number); clocks drift. Each
//! seed draws its own mix of faults ([`Scenario::from_seed`], swarm
//! testing). A run is a **safety phase** (faults and a workload of agreed
//! and safe messages, some larger than a datagram) followed by a
//! **liveness phase** (every fault healed, crashed processors restarted:
//! one ring of every processor must form, and messages sent then must be
//! delivered everywhere, within a virtual-time bound).
//!
//! Invariants, checked on every output as it happens (`check.rs`): a
//! delivered payload is intact and was sent by its sender; no processor
//! delivers a message twice; one message per (ring, sequence number) and
//! one (ring, sequence number) per message; increasing sequence numbers
//! within a ring at each processor (total order); every processor that
//! installs a ring reports the same members (membership agreement);
//! processors that move together from one configuration to the next
//! delivered the same messages in the same order before the change
//! (extended virtual synchrony); with a [`QuorumLayer`] plugged in
//! (vigil-quorum's votequorum by default), never two quorate partitions
//! with disjoint memberships.
//!
//! Same seed, same run: nothing here reads a clock or the OS's randomness,
//! and no iteration order depends on a hash seed where it reaches a
//! decision.

mod check;
mod cluster;
pub mod quorum;
mod scenario;
mod workload;

pub use check::Violation;
pub use cluster::{Cluster, Stats};
pub use quorum::{QuorumFactory, QuorumLayer, Votequorum, votequorum};
pub use scenario::Scenario;

/// The result of one seed.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub seed: u64,
    pub nodes: usize,
    pub violations: Vec<Violation>,
    pub stats: Stats,
}

/// Runs seed `seed` (with `nodes` processors, or as many as the seed
/// draws), with vigil-quorum's votequorum on every processor.
pub fn run_seed(seed: u64, nodes: Option<usize>) -> Outcome {
    run_scenario(Scenario::from_seed(seed, nodes), Some(&quorum::votequorum))
}

/// Runs a scenario, optionally with a quorum layer on every processor.
pub fn run_scenario(sc: Scenario, quorum: Option<&QuorumFactory>) -> Outcome {
    run_traced(sc, quorum, false)
}

/// As [`run_scenario`], printing every event to stderr when `trace`.
pub fn run_traced(sc: Scenario, quorum: Option<&QuorumFactory>, trace: bool) -> Outcome {
    let (seed, nodes) = (sc.seed, sc.nodes);
    let mut c = Cluster::new(sc, quorum);
    c.trace = trace;
    c.run();
    Outcome {
        seed,
        nodes,
        violations: std::mem::take(&mut c.checker.violations),
        stats: c.stats.clone(),
    }
}
