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
    delivered: HashSet<MsgKey>,
    /// Last sequence number delivered, per ring.
    last_seq: HashMap<RingId, u64>,
}

#[derive(Default)]
pub struct Checker {
    views: HashMap<NodeId, ProcessorView>,
    /// Total order: the message at each (ring, seq), and the label of each
    /// message.
    at_seq: HashMap<(RingId, u64), MsgKey>,
    label: HashMap<MsgKey, (RingId, u64)>,
    /// Membership agreement.
    members: HashMap<RingId, Vec<NodeId>>,
    /// Extended virtual synchrony: what was delivered in configuration C1
    /// by a processor that then installed C2.
    evs: HashMap<(RingId, RingId), (u64, u64, NodeId)>,
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

    /// Delivery checks: the payload is one that was sent, intact; no
    /// duplicate; one message per (ring, seq) and one label per message;
    /// increasing sequence numbers within a ring.
    pub fn delivery(&mut self, at_us: u64, node: NodeId, d: &Delivery, sent: &HashSet<MsgKey>) {
        self.deliveries += 1;
        let key = match Payload::parse(&d.payload) {
            Some(k) => k,
            None => {
                return self.fail(
                    at_us,
                    format!(
                        "node {node} delivered a corrupt payload ({} bytes) from {}",
                        d.payload.len(),
                        d.sender
                    ),
                );
            }
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
        if let Some(prev) = self.at_seq.insert(label, key)
            && prev != key
        {
            self.fail(
                at_us,
                format!(
                    "total order: ring {} seq {} is {prev:?} elsewhere but {key:?} at node {node}",
                    d.ring_id, d.seq
                ),
            );
        }
        if let Some(prev) = self.label.insert(key, label)
            && prev != label
        {
            self.fail(
                at_us,
                format!(
                    "total order: {key:?} delivered as {}:{} elsewhere but {}:{} at node {node}",
                    prev.0, prev.1, d.ring_id, d.seq
                ),
            );
        }
        let v = self.views.entry(node).or_default();
        let dup = !v.delivered.insert(key);
        let last = v.last_seq.insert(d.ring_id, d.seq);
        v.since_install = (mix(v.since_install.0, key), v.since_install.1 + 1);
        if dup {
            self.fail(at_us, format!("node {node} delivered {key:?} twice"));
        }
        if let Some(last) = last
            && last >= d.seq
        {
            self.fail(
                at_us,
                format!(
                    "node {node} delivered ring {} seq {} after seq {last}",
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
            .is_some_and(|v| v.delivered.contains(key))
    }
}
