//! Throughput of the Totem core alone: messages per second through a ring
//! of processors in one thread, packets handed over at once (no network,
//! no loss, no encryption), every message delivered at every processor.
//! Prints figures; asserts nothing about time.
//!
//!     cargo bench -p vigil-sim --bench throughput

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use vigil_totem::{Destination, Guarantee, Input, NodeId, Output, State, Totem, TotemConfig};

struct Ring {
    nodes: Vec<Totem>,
    queue: VecDeque<(usize, NodeId, Vec<u8>)>,
    now: Duration,
    delivered: Vec<u64>,
    packets: u64,
}

impl Ring {
    fn new(n: usize, config: TotemConfig) -> Self {
        let ids: Vec<NodeId> = (1..=n as NodeId).collect();
        let nodes = ids
            .iter()
            .map(|&id| Totem::new(id, &ids, config.clone(), Duration::ZERO, 0, id.into()))
            .collect();
        let mut r = Ring {
            nodes,
            queue: VecDeque::new(),
            now: Duration::ZERO,
            delivered: vec![0; n],
            packets: 0,
        };
        for i in 0..n {
            r.drain(i);
        }
        r
    }

    fn drain(&mut self, i: usize) {
        let from = self.nodes[i].node_id();
        while let Some(out) = self.nodes[i].poll_output() {
            match out {
                Output::Transmit { to, packet } => match to {
                    Destination::Node(n) => self.queue.push_back((n as usize - 1, from, packet)),
                    Destination::All => {
                        for j in 0..self.nodes.len() {
                            if j != i {
                                self.queue.push_back((j, from, packet.clone()));
                            }
                        }
                    }
                },
                Output::Deliver(_) => self.delivered[i] += 1,
                _ => {}
            }
        }
    }

    /// Hands over packets; when none are in flight, advances time to the
    /// next deadline.
    fn step(&mut self) {
        if let Some((to, from, bytes)) = self.queue.pop_front() {
            self.packets += 1;
            let input = Input::Packet {
                from,
                bytes: &bytes,
            };
            self.nodes[to]
                .handle(self.now, input)
                .expect("valid packet");
            self.drain(to);
            return;
        }
        let next = self.nodes.iter().filter_map(Totem::poll_timeout).min();
        if let Some(t) = next {
            self.now = self.now.max(t);
            for i in 0..self.nodes.len() {
                if self.nodes[i].poll_timeout().is_some_and(|d| d <= self.now) {
                    self.nodes[i].handle(self.now, Input::Timeout).ok();
                    self.drain(i);
                }
            }
        }
    }
}

fn run(n: usize, per_node: u64, size: usize, guarantee: Guarantee) {
    let mut ring = Ring::new(n, TotemConfig::default());
    while !ring
        .nodes
        .iter()
        .all(|t| t.state() == State::Operational && t.members().len() == n)
    {
        ring.step();
    }
    let base: Vec<u64> = ring.delivered.clone();
    let total = per_node * n as u64;
    let started = Instant::now();
    let packets_before = ring.packets;
    let mut queued = 0;
    // Keep each processor's queue topped up, as a busy application would.
    while ring.delivered.iter().zip(&base).any(|(d, b)| d - b < total) {
        if queued < per_node {
            for i in 0..n {
                let now = ring.now;
                while ring.nodes[i].queued() < 256 && queued < per_node {
                    ring.nodes[i]
                        .broadcast(now, vec![i as u8; size], guarantee)
                        .expect("queue has room");
                    if i == n - 1 {
                        queued += 1;
                    }
                }
                ring.drain(i);
            }
        }
        ring.step();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{n} processors, {size:>5}-byte {guarantee:?} messages: {total} messages in {secs:.3} s = {:>9.0} msg/s ({:.2} us per message, {} packets)",
        total as f64 / secs,
        secs * 1e6 / total as f64,
        ring.packets - packets_before,
    );
}

fn main() {
    run(3, 100_000, 100, Guarantee::Agreed);
    run(3, 100_000, 100, Guarantee::Safe);
    run(3, 20_000, 4000, Guarantee::Agreed);
    run(8, 20_000, 100, Guarantee::Agreed);
}
