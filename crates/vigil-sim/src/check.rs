//! The invariants, checked on every output of every processor as the run
//! goes (one function per property).

use std::collections::{HashMap, HashSet};

use vigil_totem::{ConfigurationChange, Delivery, NodeId, RingId};

use crate::workload::{MsgKey, Payload};

/// One broken invariant, with the virtual time it was seen at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub at_us: u64,
    pub what: String,
}

/// What one processor (in its current incarnation) has done so far.
#[derive(Default)]
struct ProcessorView {
    /// The last configuration installed in this incarnation.
    config: Option<RingId>,
    /// Hash and count of what was delivered since that installation.
    since_install: (u64, u64),
    /// The last (ring, seq) delivered, and the rings delivered from before.
    last: Option<(RingId, u64)>,
    earlier_rings: Vec<RingId>,
    /// Liveness probes delivered.
    probes: HashSet<MsgKey, Fx>,
}

/// A fast, fixed hasher (FxHash's multiply-rotate) for the checker's maps:
/// their iteration order never reaches a decision, only lookups do.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type Fx = std::hash::BuildHasherDefault<FxHasher>;

#[derive(Default)]
pub struct Checker {
    views: HashMap<NodeId, ProcessorView, Fx>,
    /// Total order: the message at each (ring, seq), and the label of each
    /// message.
    at_seq: HashMap<(RingId, u64), MsgKey, Fx>,
    label: HashMap<MsgKey, (RingId, u64), Fx>,
    /// Membership agreement.
    members: HashMap<RingId, Vec<NodeId>, Fx>,
    /// Extended virtual synchrony: what was delivered in configuration C1
    /// by a processor that then installed C2.
    evs: HashMap<(RingId, RingId), (u64, u64, NodeId), Fx>,
    /// Messages whose delivery the liveness phase waits for.
    pub probes: HashSet<MsgKey, Fx>,
    pub violations: Vec<Violation>,
    pub deliveries: u64,
    pub config_changes: u64,
}

fn mix(h: u64, k: MsgKey) -> u64 {
    let mut x = h ^ (u64::from(k.sender) << 40 ^ u64::from(k.incarnation) << 32 ^ k.counter);
    x = x.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^ (x >> 29)
}

impl Checker {
    fn fail(&mut self, at_us: u64, what: String) {
        if self.violations.len() < 20 {
            self.violations.push(Violation { at_us, what });
        }
    }

    /// A processor crashed or restarted: its history starts afresh.
    pub fn reset(&mut self, node: NodeId) {
        self.views.remove(&node);
    }

    /// Delivery checks: the payload is one that was sent, intact; one
    /// message per (ring, seq) and one label per message; strictly
    /// increasing sequence numbers within a ring and no return to an earlier
    /// ring at each processor (so, with one label per message, no message
    /// is delivered twice).
    pub fn delivery(&mut self, at_us: u64, node: NodeId, d: &Delivery, sent: &HashSet<MsgKey, Fx>) {
        self.deliveries += 1;
        let Some(key) = Payload::parse(&d.payload) else {
            return self.fail(
                at_us,
                format!(
                    "node {node} delivered a corrupt payload ({} bytes) from {}",
                    d.payload.len(),
                    d.sender
                ),
            );
        };
        if !sent.contains(&key) || key.sender != d.sender {
            self.fail(
                at_us,
                format!(
                    "node {node} delivered {key:?}, which {} never sent",
                    d.sender
                ),
            );
        }
        let label = (d.ring_id, d.seq);
        match self.label.get(&key) {
            Some(&prev) if prev != label => self.fail(
                at_us,
                format!(
                    "total order: {key:?} delivered as {}:{} elsewhere but {}:{} at node {node}",
                    prev.0, prev.1, d.ring_id, d.seq
                ),
            ),
            Some(_) => {}
            None => {
                self.label.insert(key, label);
                if let Some(prev) = self.at_seq.insert(label, key) {
                    self.fail(
                        at_us,
                        format!(
                            "total order: ring {} seq {} is {prev:?} elsewhere but {key:?} at node {node}",
                            d.ring_id, d.seq
                        ),
                    );
                }
            }
        }
        let v = self.views.entry(node).or_default();
        v.since_install = (mix(v.since_install.0, key), v.since_install.1 + 1);
        if self.probes.contains(&key) {
            v.probes.insert(key);
        }
        let bad = match v.last {
            Some((ring, last)) if ring == d.ring_id => (last >= d.seq).then_some(last),
            Some((ring, last)) => {
                v.earlier_rings.push(ring);
                v.earlier_rings.contains(&d.ring_id).then_some(last)
            }
            None => None,
        };
        v.last = Some(label);
        if let Some(last) = bad {
            self.fail(
                at_us,
                format!(
                    "node {node} delivered ring {} seq {} ({key:?}) twice or out of order (after seq {last})",
                    d.ring_id, d.seq
                ),
            );
        }
    }

    /// Membership agreement and extended virtual synchrony.
    pub fn configuration(&mut self, at_us: u64, node: NodeId, c: &ConfigurationChange) {
        self.config_changes += 1;
        if !c.members.contains(&node) || !c.transitional.contains(&node) {
            self.fail(
                at_us,
                format!(
                    "node {node} installed ring {} without being in it: {:?}",
                    c.ring_id, c
                ),
            );
        }
        if !c.transitional.iter().all(|t| c.members.contains(t)) {
            self.fail(
                at_us,
                format!(
                    "ring {}: transitional members outside the ring at node {node}",
                    c.ring_id
                ),
            );
        }
        match self.members.get(&c.ring_id) {
            Some(m) if *m != c.members => {
                let m = m.clone();
                self.fail(
                    at_us,
                    format!(
                        "membership: ring {} is {m:?} elsewhere but {:?} at node {node}",
                        c.ring_id, c.members
                    ),
                );
            }
            Some(_) => {}
            None => {
                self.members.insert(c.ring_id, c.members.clone());
            }
        }
        let v = self.views.entry(node).or_default();
        let before = v.config.replace(c.ring_id);
        let delivered = std::mem::take(&mut v.since_install);
        if let Some(before) = before {
            match self.evs.get(&(before, c.ring_id)) {
                Some(&(h, n, other)) if (h, n) != delivered => self.fail(
                    at_us,
                    format!(
                        "virtual synchrony: nodes {other} and {node} moved from ring {before} to ring {} \
                         but delivered different messages in {before} ({n} and {} messages)",
                        c.ring_id, delivered.1
                    ),
                ),
                Some(_) => {}
                None => {
                    self.evs.insert((before, c.ring_id), (delivered.0, delivered.1, node));
                }
            }
        }
    }

    /// The configuration a processor has installed (for liveness checks).
    pub fn installed(&self, node: NodeId) -> Option<RingId> {
        self.views.get(&node).and_then(|v| v.config)
    }

    pub fn has_delivered(&self, node: NodeId, key: &MsgKey) -> bool {
        self.views
            .get(&node)
            .is_some_and(|v| v.probes.contains(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_totem::Guarantee;

    fn ring(seq: u64) -> RingId {
        RingId { rep: 1, seq }
    }

    fn key(sender: u32, counter: u64) -> MsgKey {
        MsgKey {
            sender,
            incarnation: 1,
            counter,
        }
    }

    fn deliver(
        c: &mut Checker,
        sent: &HashSet<MsgKey, Fx>,
        node: NodeId,
        r: RingId,
        seq: u64,
        k: MsgKey,
    ) {
        let d = Delivery {
            sender: k.sender,
            ring_id: r,
            seq,
            guarantee: Guarantee::Agreed,
            payload: Payload::build(k, 40),
        };
        c.delivery(0, node, &d, sent);
    }

    fn change(r: RingId, members: &[NodeId]) -> ConfigurationChange {
        ConfigurationChange {
            ring_id: r,
            members: members.to_vec(),
            joined: Vec::new(),
            left: Vec::new(),
            transitional: members.to_vec(),
        }
    }

    #[test]
    fn consistent_histories_pass() {
        let sent: HashSet<MsgKey, Fx> = [key(1, 0), key(2, 0)].into_iter().collect();
        let mut c = Checker::default();
        for node in [1, 2] {
            c.configuration(0, node, &change(ring(4), &[1, 2]));
            deliver(&mut c, &sent, node, ring(4), 1, key(1, 0));
            deliver(&mut c, &sent, node, ring(4), 2, key(2, 0));
            c.configuration(0, node, &change(ring(8), &[1, 2]));
        }
        assert_eq!(c.violations, vec![]);
    }

    #[test]
    fn each_broken_invariant_is_reported() {
        let sent: HashSet<MsgKey, Fx> = [key(1, 0), key(2, 0)].into_iter().collect();
        type Case<'a> = (&'a str, Box<dyn Fn(&mut Checker) + 'a>);
        let cases: Vec<Case> = vec![
            (
                "total order",
                Box::new(|c| {
                    deliver(c, &sent, 1, ring(4), 1, key(1, 0));
                    deliver(c, &sent, 2, ring(4), 1, key(2, 0));
                }),
            ),
            (
                "twice",
                Box::new(|c| {
                    deliver(c, &sent, 1, ring(4), 1, key(1, 0));
                    deliver(c, &sent, 1, ring(4), 1, key(1, 0));
                }),
            ),
            (
                "never sent",
                Box::new(|c| deliver(c, &sent, 1, ring(4), 1, key(3, 0))),
            ),
            (
                "after seq",
                Box::new(|c| {
                    deliver(c, &sent, 1, ring(4), 2, key(1, 0));
                    deliver(c, &sent, 1, ring(4), 1, key(2, 0));
                }),
            ),
            (
                "membership",
                Box::new(|c| {
                    c.configuration(0, 1, &change(ring(4), &[1, 2]));
                    c.configuration(0, 2, &change(ring(4), &[2]));
                }),
            ),
            (
                "virtual synchrony",
                Box::new(|c| {
                    for node in [1, 2] {
                        c.configuration(0, node, &change(ring(4), &[1, 2]));
                    }
                    deliver(c, &sent, 1, ring(4), 1, key(1, 0));
                    for node in [1, 2] {
                        c.configuration(0, node, &change(ring(8), &[1, 2]));
                    }
                }),
            ),
        ];
        for (what, case) in cases {
            let mut c = Checker::default();
            case(&mut c);
            assert!(
                c.violations.iter().any(|v| v.what.contains(what)),
                "{what}: {:?}",
                c.violations
            );
        }
        let mut c = Checker::default();
        let mut d = Delivery {
            sender: 1,
            ring_id: ring(4),
            seq: 1,
            guarantee: Guarantee::Safe,
            payload: Payload::build(key(1, 0), 40),
        };
        d.payload[30] ^= 1;
        c.delivery(0, 1, &d, &sent);
        assert!(c.violations[0].what.contains("corrupt"));
    }
}
