//! The simulated cluster: processors, a faulty network and the event loop,
//! all in virtual time (microseconds) and driven by one seed.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::rc::Rc;
use std::time::Duration;

use vigil_totem::{
    ConfigurationChange, Destination, Guarantee, Input, NodeId, Output, Rng, State, Totem,
};

use crate::check::{Checker, Fx};
use crate::quorum::{QuorumFactory, QuorumLayer};
use crate::scenario::Scenario;
use crate::workload::{MsgKey, Payload};

/// Messages an application lets wait in Totem's queue before it holds back.
const APP_QUEUE_LIMIT: usize = 64;

/// One simulated machine.
struct Machine {
    id: NodeId,
    totem: Option<Totem>,
    /// The ring sequence number on "disk" (survives crashes).
    persisted: u64,
    incarnation: u32,
    counter: u64,
    /// Local clock = offset + t * (1e6 + ppm) / 1e6.
    ppm: i64,
    offset_us: u64,
    /// Global time of the next Totem deadline.
    timer_at: Option<u64>,
    quorum: Option<Box<dyn QuorumLayer>>,
}

impl Machine {
    fn local(&self, t: u64) -> Duration {
        let l = i128::from(self.offset_us)
            + i128::from(t) * i128::from(1_000_000 + self.ppm) / 1_000_000;
        Duration::from_micros(l as u64)
    }

    fn global(&self, d: Duration) -> u64 {
        let l = d.as_micros() as i128 - i128::from(self.offset_us);
        let rate = i128::from(1_000_000 + self.ppm);
        ((l * 1_000_000 + rate - 1) / rate).max(0) as u64
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Packet {
        to: usize,
        from: usize,
        bytes: Rc<Vec<u8>>,
    },
    Send(usize),
    Fault,
}

/// Counters of one run.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub events: u64,
    pub packets: u64,
    pub sent_messages: u64,
    pub deliveries: u64,
    pub config_changes: u64,
    pub crashes: u64,
    pub partitions: u64,
    pub virtual_us: u64,
    /// Liveness phase: virtual microseconds from healing to one ring of all
    /// processors, and to the probes' delivery everywhere.
    pub converged_after_us: Option<u64>,
    pub probes_after_us: Option<u64>,
}

pub struct Cluster<'a> {
    quorum: Option<&'a QuorumFactory>,
    sc: Scenario,
    rng: Rng,
    now: u64,
    order: u64,
    machines: Vec<Machine>,
    ids: Vec<NodeId>,
    events: BinaryHeap<Reverse<(u64, u64, Event)>>,
    /// blocked[from][to]
    blocked: Vec<Vec<bool>>,
    faults_on: bool,
    drop: f64,
    duplicate: f64,
    sent: HashSet<MsgKey, Fx>,
    pub checker: Checker,
    pub stats: Stats,
    /// Print every event to stderr (`vigil sim totem --trace`).
    pub trace: bool,
}

impl<'a> Cluster<'a> {
    pub fn new(sc: Scenario, quorum: Option<&'a QuorumFactory>) -> Self {
        let mut rng = Rng::new(sc.seed);
        let ids: Vec<NodeId> = (1..=sc.nodes as NodeId).collect();
        let machines = ids
            .iter()
            .map(|&id| Machine {
                id,
                totem: None,
                persisted: 0,
                incarnation: 0,
                counter: 0,
                ppm: if sc.drift_ppm == 0 {
                    0
                } else {
                    rng.range(0, 2 * sc.drift_ppm as u64) as i64 - sc.drift_ppm
                },
                offset_us: rng.below(1_000_000_000),
                timer_at: None,
                quorum: None,
            })
            .collect();
        let n = sc.nodes;
        let mut c = Cluster {
            quorum,
            rng,
            now: 0,
            order: 0,
            machines,
            ids,
            events: BinaryHeap::new(),
            blocked: vec![vec![false; n]; n],
            faults_on: true,
            drop: sc.drop,
            duplicate: sc.duplicate,
            sent: HashSet::default(),
            checker: Checker::default(),
            stats: Stats::default(),
            trace: false,
            sc,
        };
        for i in 0..n {
            // Processors boot at slightly different times.
            let at = c.rng.below(50_000);
            c.schedule(at, Event::Send(i));
            c.start(i, at);
        }
        if c.sc.fault_interval_us > 0 {
            let at = c.rng.below(2 * c.sc.fault_interval_us);
            c.schedule(at, Event::Fault);
        }
        c
    }

    fn schedule(&mut self, at: u64, e: Event) {
        self.order += 1;
        self.events.push(Reverse((at, self.order, e)));
    }

    fn start(&mut self, i: usize, at: u64) {
        let seed = self.rng.next_u64();
        let m = &mut self.machines[i];
        m.incarnation += 1;
        m.quorum = self.quorum.map(|f| f(m.id, &self.ids));
        let now = m.local(at.max(self.now));
        m.totem = Some(Totem::new(
            m.id,
            &self.ids,
            self.sc.config.clone(),
            now,
            m.persisted,
            seed,
        ));
        self.checker.reset(m.id);
        self.drain(i);
    }

    /// Performs a processor's outputs and refreshes its timer.
    fn drain(&mut self, i: usize) {
        let now = self.now;
        let id = self.machines[i].id;
        while let Some(out) = self.machines[i].totem.as_mut().and_then(Totem::poll_output) {
            match out {
                Output::Transmit { to, packet } => {
                    let bytes = Rc::new(packet);
                    match to {
                        Destination::Node(n) => {
                            if let Some(j) = self.ids.iter().position(|&x| x == n) {
                                self.transmit(i, j, &bytes);
                            }
                        }
                        Destination::All => {
                            for j in 0..self.ids.len() {
                                if j != i {
                                    self.transmit(i, j, &bytes);
                                }
                            }
                        }
                    }
                }
                Output::Deliver(d) => self.checker.delivery(now, id, &d, &self.sent),
                Output::ConfigurationChange(c) => {
                    if self.trace {
                        eprintln!("{now} config at {id}: {c:?}");
                    }
                    self.configuration(i, &c)
                }
                Output::PersistRingSeq(s) => self.machines[i].persisted = s,
            }
        }
        let m = &mut self.machines[i];
        m.timer_at = m
            .totem
            .as_ref()
            .and_then(Totem::poll_timeout)
            .map(|d| m.global(d).max(now));
    }

    fn configuration(&mut self, i: usize, c: &ConfigurationChange) {
        let id = self.machines[i].id;
        self.checker.configuration(self.now, id, c);
        let now = self.machines[i].local(self.now);
        if let Some(q) = self.machines[i].quorum.as_mut() {
            q.configuration_changed(now, c);
            self.check_quorum();
        }
    }

    /// Never two quorate partitions with disjoint memberships.
    fn check_quorum(&mut self) {
        let quorate: Vec<(NodeId, Vec<NodeId>)> = self
            .machines
            .iter()
            .filter(|m| m.quorum.as_ref().is_some_and(|q| q.quorate()))
            .filter_map(|m| m.totem.as_ref().map(|t| (m.id, t.members().to_vec())))
            .collect();
        for (a, ma) in &quorate {
            for (b, mb) in &quorate {
                if a < b && !ma.iter().any(|x| mb.contains(x)) {
                    let what = format!(
                        "quorum: nodes {a} {ma:?} and {b} {mb:?} are quorate in disjoint partitions"
                    );
                    self.checker.violations.push(crate::check::Violation {
                        at_us: self.now,
                        what,
                    });
                }
            }
        }
    }

    fn transmit(&mut self, from: usize, to: usize, bytes: &Rc<Vec<u8>>) {
        self.stats.packets += 1;
        if self.blocked[from][to] || (self.drop > 0.0 && self.rng.chance(self.drop)) {
            return;
        }
        let copies = if self.duplicate > 0.0 && self.rng.chance(self.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let delay = self.rng.range(self.sc.delay_min_us, self.sc.delay_max_us);
            self.schedule(
                self.now + delay,
                Event::Packet {
                    to,
                    from,
                    bytes: bytes.clone(),
                },
            );
        }
    }

    /// Runs one event (a packet, a workload tick, a fault, or the earliest
    /// timer); false when there is nothing left before `until`.
    fn step(&mut self, until: u64) -> bool {
        let next_event = self.events.peek().map(|Reverse((t, _, _))| *t);
        let next_timer = self
            .machines
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.timer_at.map(|t| (t, i)))
            .min();
        let timer_first = match (next_event, next_timer) {
            (Some(e), Some((t, _))) => t < e,
            (None, Some(_)) => true,
            (_, None) => false,
        };
        let at = if timer_first {
            next_timer.map(|x| x.0)
        } else {
            next_event
        };
        let Some(at) = at.filter(|&at| at <= until) else {
            return false;
        };
        self.now = self.now.max(at);
        self.stats.events += 1;
        if timer_first {
            let i = next_timer.map_or(0, |x| x.1);
            let now = self.machines[i].local(self.now);
            if self.trace {
                let state = self.machines[i].totem.as_ref().map(Totem::state);
                eprintln!(
                    "{} timer at {} {state:?} {:?}",
                    self.now,
                    self.machines[i].id,
                    self.machines[i].totem.as_ref().map(|t| format!("{t:?}")
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>()
                        .split("timers:")
                        .nth(1)
                        .map(|s| s[..s.len().min(200)].to_string()))
                );
            }
            if let Some(t) = self.machines[i].totem.as_mut() {
                t.handle(now, Input::Timeout).ok();
            }
            self.drain(i);
            return true;
        }
        let Some(Reverse((_, _, e))) = self.events.pop() else {
            return false;
        };
        match e {
            Event::Packet { to, from, bytes } => {
                let now = self.machines[to].local(self.now);
                let from_id = self.machines[from].id;
                if self.trace {
                    let msg = vigil_totem::wire::decode(&bytes);
                    let state = self.machines[to].totem.as_ref().map(Totem::state);
                    eprintln!(
                        "{} {from_id}->{} {state:?} {msg:?}",
                        self.now, self.machines[to].id
                    );
                }
                if let Some(t) = self.machines[to].totem.as_mut() {
                    let input = Input::Packet {
                        from: from_id,
                        bytes: &bytes,
                    };
                    let r = t.handle(now, input);
                    if self.trace {
                        eprintln!("    -> {:?} next timer {:?}", t.state(), t.poll_timeout());
                    }
                    if let Err(e) = r {
                        let what = format!(
                            "node {} refused a packet from {from_id}: {e}",
                            self.machines[to].id
                        );
                        self.checker.violations.push(crate::check::Violation {
                            at_us: self.now,
                            what,
                        });
                    }
                    self.drain(to);
                }
            }
            Event::Send(i) => {
                self.app_send(i, None);
                let gap = self.rng.range(1, 2 * self.sc.send_interval_us);
                if self.faults_on {
                    self.schedule(self.now + gap, Event::Send(i));
                }
            }
            Event::Fault => {
                if self.faults_on {
                    self.fault();
                    let gap = self.rng.range(1, 2 * self.sc.fault_interval_us);
                    self.schedule(self.now + gap, Event::Fault);
                }
            }
        }
        true
    }

    /// The key the next message of processor `i` will carry.
    fn next_key(&self, i: usize) -> Option<MsgKey> {
        let m = &self.machines[i];
        m.totem.as_ref()?;
        Some(MsgKey {
            sender: m.id,
            incarnation: m.incarnation,
            counter: m.counter,
        })
    }

    /// The application on processor `i` broadcasts a message (a probe of
    /// `len` bytes if given, sent whatever the backlog); returns its key.
    fn app_send(&mut self, i: usize, len: Option<usize>) -> Option<MsgKey> {
        let probe = len.is_some();
        let frag = self.sc.config.fragment_size();
        let len = len.unwrap_or_else(|| {
            if self.sc.large > 0.0 && self.rng.chance(self.sc.large) {
                self.rng.range(frag as u64 + 1, 4 * frag as u64) as usize
            } else {
                self.rng.range(20, 200) as usize
            }
        });
        let guarantee = if self.rng.chance(0.3) {
            Guarantee::Safe
        } else {
            Guarantee::Agreed
        };
        let m = &mut self.machines[i];
        if m.totem.as_ref()?.queued() >= APP_QUEUE_LIMIT && !probe {
            // The application waits, as a cpg client told TRY_AGAIN.
            return None;
        }
        let now = m.local(self.now);
        let key = MsgKey {
            sender: m.id,
            incarnation: m.incarnation,
            counter: m.counter,
        };
        m.counter += 1;
        let t = m.totem.as_mut()?;
        if t.broadcast(now, Payload::build(key, len), guarantee)
            .is_err()
        {
            return None;
        }
        self.sent.insert(key);
        self.stats.sent_messages += 1;
        self.drain(i);
        Some(key)
    }

    fn fault(&mut self) {
        let n = self.machines.len();
        let live: Vec<usize> = (0..n)
            .filter(|&i| self.machines[i].totem.is_some())
            .collect();
        let dead: Vec<usize> = (0..n)
            .filter(|&i| self.machines[i].totem.is_none())
            .collect();
        // Heal a quarter of the time; otherwise one of the seed's fault kinds.
        let mut kinds = Vec::with_capacity(4);
        if self.sc.partitions {
            kinds.push(0);
        }
        if self.sc.asymmetric {
            kinds.push(1);
        }
        if self.sc.crashes && live.len() > 1 {
            kinds.push(2);
        }
        if !dead.is_empty() {
            kinds.push(3);
        }
        if kinds.is_empty() || self.rng.chance(0.25) {
            return self.heal();
        }
        match kinds[self.rng.below(kinds.len() as u64) as usize] {
            0 => {
                // A symmetric partition into two or three groups.
                self.stats.partitions += 1;
                let groups = 2 + self.rng.below(2);
                let side: Vec<u64> = (0..n).map(|_| self.rng.below(groups)).collect();
                for a in 0..n {
                    for b in 0..n {
                        self.blocked[a][b] = side[a] != side[b];
                    }
                }
            }
            1 => {
                // Some one-way links fail.
                self.stats.partitions += 1;
                for _ in 0..1 + self.rng.below(n as u64) {
                    let a = self.rng.below(n as u64) as usize;
                    let b = self.rng.below(n as u64) as usize;
                    self.blocked[a][b] = true;
                }
            }
            2 => {
                let i = live[self.rng.below(live.len() as u64) as usize];
                self.crash(i);
            }
            _ => {
                let i = dead[self.rng.below(dead.len() as u64) as usize];
                self.start(i, self.now);
            }
        }
    }

    fn crash(&mut self, i: usize) {
        if self.trace {
            eprintln!("{} crash {}", self.now, self.machines[i].id);
        }
        self.stats.crashes += 1;
        let m = &mut self.machines[i];
        m.totem = None;
        m.timer_at = None;
        m.quorum = None;
        self.checker.reset(m.id);
    }

    fn heal(&mut self) {
        for row in &mut self.blocked {
            row.iter_mut().for_each(|b| *b = false);
        }
    }

    fn all_in_one_ring(&self) -> bool {
        let first = self.machines[0].totem.as_ref().and_then(Totem::ring_id);
        first.is_some()
            && self.machines.iter().all(|m| {
                m.totem.as_ref().is_some_and(|t| {
                    t.state() == State::Operational
                        && t.ring_id() == first
                        && t.members() == self.ids.as_slice()
                })
            })
    }

    /// The whole run: a safety phase with faults, then a liveness phase in
    /// which every fault is healed and the processors must form one ring
    /// and deliver again within a bound.
    pub fn run(&mut self) {
        let safety_end = self.sc.safety_us;
        while self.step(safety_end) {}
        self.now = safety_end;

        // Liveness: heal everything, restart the crashed.
        self.faults_on = false;
        self.drop = 0.0;
        self.duplicate = 0.0;
        self.heal();
        for i in 0..self.machines.len() {
            if self.machines[i].totem.is_none() {
                self.start(i, self.now);
            }
        }
        let n = self.ids.len();
        let token = self.sc.config.token_timeout(n).as_micros() as u64;
        let consensus = self.sc.config.consensus_timeout(n).as_micros() as u64;
        // Bound: a lost token is noticed, gathering (possibly twice: once
        // to give up on the unreachable, once to merge), merge detection,
        // recovery of the backlog.
        let bound = 4 * (token + consensus) + 2_000_000;
        let healed = self.now;
        let deadline = healed + bound;
        while !self.all_in_one_ring() {
            if !self.step(deadline) {
                let states: Vec<String> = self
                    .machines
                    .iter()
                    .map(|m| match &m.totem {
                        Some(t) => {
                            format!("{}:{:?}{:?}{:?}", m.id, t.state(), t.ring_id(), t.members())
                        }
                        None => format!("{}:down", m.id),
                    })
                    .collect();
                let what = format!(
                    "liveness: no single ring of all {n} processors {} ms after healing: {}",
                    bound / 1000,
                    states.join(" ")
                );
                self.checker.violations.push(crate::check::Violation {
                    at_us: self.now,
                    what,
                });
                self.finish();
                return;
            }
        }
        self.stats.converged_after_us = Some(self.now - healed);

        // Every processor sends a probe; everyone must deliver all of them.
        let probes: Vec<MsgKey> = (0..n)
            .filter_map(|i| {
                let key = self.next_key(i)?;
                self.checker.probes.insert(key);
                self.app_send(i, Some(64))
            })
            .collect();
        if probes.len() != n {
            let what = format!(
                "liveness: only {} of {n} processors could send a probe",
                probes.len()
            );
            self.checker.violations.push(crate::check::Violation {
                at_us: self.now,
                what,
            });
        }
        // Bound: the backlog ahead of the probes drains at the flow-control
        // rate, one rotation taking at most n hops of the slowest delay;
        // then two rotations for safe delivery, and slack for one lost
        // token.
        let backlog: u64 = self
            .machines
            .iter()
            .filter_map(|m| m.totem.as_ref())
            .map(|t| t.queued() as u64)
            .sum();
        let per_rotation = u64::from(self.sc.config.window_size)
            .min(n as u64 * u64::from(self.sc.config.max_messages))
            .max(1);
        let rotation_us = n as u64 * self.sc.delay_max_us;
        let start = self.now;
        let deadline = start
            + (backlog.div_ceil(per_rotation) + 4) * rotation_us
            + 2 * (token + consensus)
            + 1_000_000;
        let all_delivered = |c: &Cluster| {
            probes
                .iter()
                .all(|p| c.ids.iter().all(|&id| c.checker.has_delivered(id, p)))
        };
        while !all_delivered(self) {
            if !self.step(deadline) {
                let what = format!(
                    "liveness: probes not delivered everywhere {} ms after one ring formed",
                    (deadline - start) / 1000
                );
                self.checker.violations.push(crate::check::Violation {
                    at_us: self.now,
                    what,
                });
                break;
            }
        }
        if all_delivered(self) {
            self.stats.probes_after_us = Some(self.now - start);
        }
        self.finish();
    }

    fn finish(&mut self) {
        self.stats.virtual_us = self.now;
        self.stats.deliveries = self.checker.deliveries;
        self.stats.config_changes = self.checker.config_changes;
    }
}
