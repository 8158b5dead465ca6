//! A lossless in-memory network of a few processors, fixed latency: the
//! smallest harness that shows the protocol forming a ring and ordering
//! messages. The fault-injecting simulator lives in `vigil-sim`.

use std::collections::BTreeMap;
use std::time::Duration;

use vigil_totem::{
    ConfigurationChange, Delivery, Destination, Guarantee, Input, NodeId, Output, State, Totem,
    TotemConfig,
};

const LATENCY: Duration = Duration::from_micros(200);

struct Net {
    nodes: BTreeMap<NodeId, Totem>,
    now: Duration,
    /// (arrival, order, to, from, bytes)
    flight: Vec<(Duration, u64, NodeId, NodeId, Vec<u8>)>,
    order: u64,
    delivered: BTreeMap<NodeId, Vec<Delivery>>,
    changes: BTreeMap<NodeId, Vec<(Duration, ConfigurationChange)>>,
    down: Vec<NodeId>,
}

impl Net {
    fn new(ids: &[NodeId], config: TotemConfig) -> Self {
        let nodes = ids
            .iter()
            .map(|&id| {
                (
                    id,
                    Totem::new(id, ids, config.clone(), Duration::ZERO, 0, id.into()),
                )
            })
            .collect();
        let mut net = Net {
            nodes,
            now: Duration::ZERO,
            flight: Vec::new(),
            order: 0,
            delivered: BTreeMap::new(),
            changes: BTreeMap::new(),
            down: Vec::new(),
        };
        net.collect();
        net
    }

    fn collect(&mut self) {
        let ids: Vec<NodeId> = self.nodes.keys().copied().collect();
        for &id in &ids {
            while let Some(out) = self.nodes.get_mut(&id).unwrap().poll_output() {
                match out {
                    Output::Transmit { to, packet } => {
                        let dests: Vec<NodeId> = match to {
                            Destination::Node(n) => vec![n],
                            Destination::All => ids.iter().copied().filter(|&n| n != id).collect(),
                        };
                        for d in dests {
                            self.order += 1;
                            self.flight.push((
                                self.now + LATENCY,
                                self.order,
                                d,
                                id,
                                packet.clone(),
                            ));
                        }
                    }
                    Output::Deliver(d) => self.delivered.entry(id).or_default().push(d),
                    Output::ConfigurationChange(c) => {
                        self.changes.entry(id).or_default().push((self.now, c))
                    }
                    Output::PersistRingSeq(_) => {}
                }
            }
        }
    }

    fn step(&mut self) {
        let next_packet = self.flight.iter().map(|f| (f.0, f.1)).min();
        let next_timer = self
            .nodes
            .iter()
            .filter(|(id, _)| !self.down.contains(id))
            .filter_map(|(id, n)| n.poll_timeout().map(|t| (t, *id)))
            .min();
        match (next_packet, next_timer) {
            (Some(p), t) if t.is_none_or(|t| p.0 <= t.0) => {
                let i = self.flight.iter().position(|f| (f.0, f.1) == p).unwrap();
                let (at, _, to, from, bytes) = self.flight.swap_remove(i);
                self.now = at;
                if !self.down.contains(&to) && !self.down.contains(&from) {
                    let input = Input::Packet {
                        from,
                        bytes: &bytes,
                    };
                    if std::env::var("TRACE").is_ok() {
                        eprintln!(
                            "{at:?} {from}->{to} {:?}",
                            vigil_totem::wire::decode(&bytes).unwrap()
                        );
                    }
                    self.nodes.get_mut(&to).unwrap().handle(at, input).unwrap();
                }
            }
            (_, Some((t, id))) => {
                self.now = self.now.max(t);
                let now = self.now;
                self.nodes
                    .get_mut(&id)
                    .unwrap()
                    .handle(now, Input::Timeout)
                    .unwrap();
            }
            _ => return,
        }
        self.collect();
    }

    fn run_until(&mut self, t: Duration) {
        while self.now < t {
            self.step();
        }
    }

    fn broadcast(&mut self, id: NodeId, payload: Vec<u8>, guarantee: Guarantee) {
        let now = self.now;
        self.nodes
            .get_mut(&id)
            .unwrap()
            .broadcast(now, payload, guarantee)
            .unwrap();
        self.collect();
    }
}

fn fast() -> TotemConfig {
    TotemConfig {
        token: 200,
        ..TotemConfig::default()
    }
}

#[test]
fn three_processors_form_one_ring_and_agree_on_order() {
    let mut net = Net::new(&[1, 2, 3], fast());
    net.run_until(Duration::from_secs(1));
    for n in net.nodes.values() {
        assert_eq!(n.state(), State::Operational);
        assert_eq!(n.members(), &[1, 2, 3]);
    }
    let ring = net.nodes[&1].ring_id();
    assert!(ring.is_some());
    assert!(net.nodes.values().all(|n| n.ring_id() == ring));

    // Larger than a datagram: fragmented and reassembled.
    let big: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
    for round in 0..20u8 {
        net.broadcast(1 + u32::from(round % 3), vec![round; 10], Guarantee::Agreed);
        if round % 7 == 0 {
            net.broadcast(2, big.clone(), Guarantee::Safe);
        }
    }
    net.run_until(Duration::from_secs(2));
    let orders: Vec<Vec<(u32, Vec<u8>)>> = net
        .delivered
        .values()
        .map(|ds| ds.iter().map(|d| (d.sender, d.payload.clone())).collect())
        .collect();
    assert_eq!(orders.len(), 3);
    assert_eq!(orders[0].len(), 23);
    assert!(orders.iter().all(|o| *o == orders[0]));
    assert!(orders[0].iter().any(|(_, p)| *p == big));
}

/// Kills the highest node of a settled ring and returns how long (virtual
/// time) until every survivor delivered the new configuration.
fn reform_after_kill(ids: &[NodeId], config: TotemConfig) -> Duration {
    let mut net = Net::new(ids, config);
    net.run_until(Duration::from_secs(10));
    let victim = *ids.last().unwrap();
    let survivors: Vec<NodeId> = ids.iter().copied().filter(|&i| i != victim).collect();
    for n in net.nodes.values() {
        assert_eq!(n.members(), ids, "ring not settled before the kill");
    }
    let killed_at = net.now;
    net.down.push(victim);
    net.run_until(killed_at + Duration::from_secs(20));
    survivors
        .iter()
        .map(|id| {
            let (at, last) = net.changes[id].last().unwrap();
            assert_eq!(last.members, survivors);
            assert_eq!(last.left, vec![victim]);
            *at - killed_at
        })
        .max()
        .unwrap()
}

/// The targets, in virtual time on a 200 us network: survivors
/// report the new membership within token + consensus + 100 ms for
/// `token: 1000`, and within 600 ms for `token: 200`.
#[test]
fn survivors_reform_within_token_plus_consensus() {
    let cases = [
        (vec![1, 2], 1000, 650),
        (vec![1, 2], 200, 650),
        (vec![1, 2, 3], 1000, 0),
        (vec![1, 2, 3], 200, 0),
        (vec![1, 2, 3, 4, 5], 200, 0),
        (vec![1, 2, 3], 200, 650),
    ];
    for (ids, token, token_coefficient) in cases {
        let config = TotemConfig {
            token,
            token_coefficient,
            ..TotemConfig::default()
        };
        let bound = config.token_timeout(ids.len())
            + config.consensus_timeout(ids.len())
            + Duration::from_millis(100);
        let took = reform_after_kill(&ids, config);
        eprintln!(
            "{} nodes, token {token}, token_coefficient {token_coefficient}: new membership after {took:?} (bound {bound:?})",
            ids.len()
        );
        assert!(took <= bound, "{ids:?} token {token}: {took:?} > {bound:?}");
        if token == 200 && (ids.len() == 2 || token_coefficient == 0) {
            assert!(took <= Duration::from_millis(600), "{took:?}");
        }
    }
}
