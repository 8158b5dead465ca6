//! The daemon loop: one thread owns the Totem and quorum cores and feeds
//! them packets, timer expiries and API requests; it performs what they
//! ask (send, deliver, persist) and answers the API from their state. The
//! only decisions made here are the driver's own: link liveness (knet-style
//! heartbeats) and which client hears what.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use vigil_quorum::{Member as QuorumMember, Quorum, QuorumEvent};
use vigil_totem::{
    ConfigurationChange, Destination, Guarantee, Input as TotemInput, Output, RingId, Totem,
    TotemConfig,
};
use vigil_wire::{ClusterKey, Incarnation, NodeId, Opener, Sealer};

use crate::api::{self, Event, LinkState, LinkStatus, PeerLink, Request, Response, Stats};
use crate::config::{ClusterConfig, NodeEntry};
use crate::log;
use crate::server::{self, ApiInput};
use crate::state::StateDir;
use crate::transport::{Datagram, Transport};

/// What the loop is told, by the receiving threads.
pub enum Input {
    Datagram(Datagram),
    Api(ApiInput),
}

impl From<Datagram> for Input {
    fn from(d: Datagram) -> Input {
        Input::Datagram(d)
    }
}

impl From<ApiInput> for Input {
    fn from(a: ApiInput) -> Input {
        Input::Api(a)
    }
}

/// The first byte of every sealed payload: what follows.
const KIND_TOTEM: u8 = 0;
const KIND_HEARTBEAT: u8 = 1;

/// How often refused packets are reported in the log, at most.
const REJECTION_REPORT: Duration = Duration::from_secs(10);

/// Inputs handled back to back before timers are looked at again.
const MAX_BURST: usize = 256;

/// Everything `run` needs.
pub struct Setup {
    pub config: ClusterConfig,
    pub local: NodeEntry,
    pub key: ClusterKey,
    pub socket: PathBuf,
    pub state: StateDir,
    pub totem: TotemConfig,
    pub quorum: vigil_quorum::QuorumConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("cannot bind UDP {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("API socket {0}")]
    Listen(#[from] server::ListenError),
    #[error("{0}")]
    State(#[from] crate::state::StateError),
    #[error("quorum: {0}")]
    Quorum(#[from] vigil_quorum::ConfigError),
    #[error("cannot read random bytes for the protocol's seed: {0}")]
    Seed(std::io::Error),
}

/// A `Send` whose messages do not all fit in Totem's queue yet.
struct PendingSend {
    payloads: VecDeque<Vec<u8>>,
    count: usize,
    reply: Sender<Response>,
}

struct Daemon {
    local: NodeEntry,
    config: ClusterConfig,
    totem: Totem,
    quorum: Quorum,
    transport: Transport,
    sealer: Sealer,
    opener: Opener,
    state: StateDir,
    start: Instant,
    ring_id: RingId,
    members: Vec<u32>,
    quorate: bool,
    stats: Stats,
    subscribers: Vec<SyncSender<Event>>,
    pending: VecDeque<PendingSend>,
    ping_interval: Duration,
    ping_timeout: Duration,
    next_ping: Instant,
    /// Peers last reported down (for the `link … is down/up` log lines).
    link_up: BTreeMap<u32, bool>,
    rejections_unreported: u64,
    last_rejection_report: Option<Instant>,
}

fn random_seed() -> std::io::Result<u64> {
    let mut bytes = [0u8; 8];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
    Ok(u64::from_le_bytes(bytes))
}

/// Runs the node until the process is killed.
pub fn run(setup: Setup) -> Result<(), DaemonError> {
    let Setup {
        config,
        local,
        key,
        socket,
        state,
        totem: totem_config,
        quorum: quorum_config,
    } = setup;
    let (tx, rx) = mpsc::channel::<Input>();
    let peers: BTreeMap<u32, std::net::SocketAddr> = config
        .nodes
        .iter()
        .filter(|n| n.nodeid != local.nodeid)
        .map(|n| (n.nodeid, n.addr))
        .collect();
    let transport =
        Transport::bind(local.addr, peers, tx.clone()).map_err(|source| DaemonError::Bind {
            addr: local.addr,
            source,
        })?;
    server::listen(&socket, tx)?;

    let start = Instant::now();
    let nodelist: Vec<u32> = config.nodes.iter().map(|n| n.nodeid).collect();
    let seed = random_seed().map_err(DaemonError::Seed)?;
    let ring_seq = state.ring_seq()?;
    let totem = Totem::new(
        local.nodeid,
        &nodelist,
        totem_config.clone(),
        start.elapsed(),
        ring_seq,
        seed,
    );
    let quorum = Quorum::new(quorum_config)?;
    // Each start must use a larger incarnation than the last: the wall
    // clock in nanoseconds, as vigil-wire's documentation asks.
    let incarnation = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let cluster = config.cluster_name.clone();
    let token = u64::from(totem_config.token);
    let ping_interval = Duration::from_millis(config.ping_interval.unwrap_or(token / 4).max(1));
    let ping_timeout = Duration::from_millis(config.ping_timeout.unwrap_or(token / 2).max(1));
    log!(
        Notice,
        "MAIN",
        "vigild {} starting: node {} ({}) of cluster {}, {} on UDP {}, API on {}",
        env!("CARGO_PKG_VERSION"),
        local.nodeid,
        local.name,
        cluster,
        config.transport,
        local.addr,
        socket.display()
    );
    if !config.totem_unused.is_empty() {
        log!(
            Notice,
            "TOTEM",
            "accepted but not used by Vigil's Totem: {}",
            config.totem_unused.join(", ")
        );
    }
    let mut daemon = Daemon {
        sealer: Sealer::new(
            &key,
            &cluster,
            NodeId(local.nodeid),
            Incarnation(incarnation),
        ),
        opener: Opener::new(&key, &cluster),
        local,
        config,
        totem,
        quorum,
        transport,
        state,
        start,
        ring_id: RingId::default(),
        members: Vec::new(),
        quorate: false,
        stats: Stats::default(),
        subscribers: Vec::new(),
        pending: VecDeque::new(),
        ping_interval,
        ping_timeout,
        next_ping: start,
        link_up: BTreeMap::new(),
        rejections_unreported: 0,
        last_rejection_report: None,
    };
    daemon.run(rx)
}

impl Daemon {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn run(&mut self, rx: Receiver<Input>) -> Result<(), DaemonError> {
        loop {
            self.drain()?;
            let now = Instant::now();
            if now >= self.next_ping {
                self.heartbeat(now);
            }
            let mut deadline = self.next_ping;
            let since_start = |d: Duration| self.start + d;
            if let Some(t) = self.totem.poll_timeout() {
                deadline = deadline.min(since_start(t));
            }
            if let Some(t) = self.quorum.poll_timeout() {
                deadline = deadline.min(since_start(t));
            }
            let wait = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(input) => {
                    self.handle(input);
                    self.drain()?;
                    // Take what else is already waiting before the timers,
                    // so a burst is handled as one (bounded, so timers are
                    // never starved).
                    for _ in 0..MAX_BURST {
                        let Ok(input) = rx.try_recv() else { break };
                        self.handle(input);
                        self.drain()?;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
            let now = self.now();
            if self.totem.poll_timeout().is_some_and(|t| t <= now) {
                self.totem_input(TotemInput::Timeout);
            }
            if self.quorum.poll_timeout().is_some_and(|t| t <= now) {
                self.quorum.handle_timeout(now);
            }
        }
    }

    fn totem_input(&mut self, input: TotemInput<'_>) {
        let now = self.now();
        if let Err(e) = self.totem.handle(now, input) {
            log!(Debug, "TOTEM", "input refused: {e}");
        }
    }

    fn handle(&mut self, input: Input) {
        match input {
            Input::Datagram(datagram) => self.datagram(datagram),
            Input::Api(ApiInput::Request { request, reply }) => self.request(request, reply),
            Input::Api(ApiInput::Subscribe { events }) => {
                // A new subscriber first learns the current membership.
                let _ = events.try_send(self.membership_event(&[], &[]));
                let _ = events.try_send(Event::Quorum {
                    quorate: self.quorate,
                });
                self.subscribers.push(events);
            }
        }
    }

    fn datagram(&mut self, datagram: Datagram) {
        let opened = match self.opener.open(&datagram.bytes) {
            Ok(opened) => opened,
            Err(e) => {
                self.rejected(datagram.from, &e);
                return;
            }
        };
        let sender = opened.sender.0;
        if sender == self.local.nodeid || self.config.node(sender).is_none() {
            log!(Debug, "KNET", "dropped a packet from unknown node {sender}");
            return;
        }
        self.transport.heard_from(sender, Instant::now());
        self.note_link(sender, true);
        match opened.payload.split_first() {
            Some((&KIND_TOTEM, bytes)) => self.totem_input(TotemInput::Packet {
                from: sender,
                bytes,
            }),
            Some((&KIND_HEARTBEAT, _)) => {}
            _ => log!(
                Debug,
                "KNET",
                "dropped a packet of unknown kind from {sender}"
            ),
        }
    }

    /// Counts a packet vigil-wire refused; says so at most every
    /// `REJECTION_REPORT` (a wrong key or a foreign cluster otherwise looks
    /// like silence).
    fn rejected(&mut self, from: std::net::SocketAddr, why: &vigil_wire::Rejection) {
        self.rejections_unreported += 1;
        let now = Instant::now();
        if self
            .last_rejection_report
            .is_some_and(|at| now.duration_since(at) < REJECTION_REPORT)
        {
            log!(Debug, "KNET", "dropped a packet from {from}: {why}");
            return;
        }
        let hint = match why {
            vigil_wire::Rejection::BadTag { .. } => {
                " (is the cluster key the same file on every node?)"
            }
            vigil_wire::Rejection::OtherCluster { .. } => {
                " (is totem.cluster_name the same on every node?)"
            }
            _ => "",
        };
        log!(
            Warning,
            "KNET",
            "dropped {} packet(s) that failed checks; latest from {from}: {why}{hint}",
            self.rejections_unreported
        );
        self.rejections_unreported = 0;
        self.last_rejection_report = Some(now);
    }

    fn seal(&mut self, kind: u8, body: &[u8]) -> Option<Vec<u8>> {
        let mut payload = Vec::with_capacity(body.len() + 1);
        payload.push(kind);
        payload.extend_from_slice(body);
        match self.sealer.seal(&payload) {
            Ok(packet) => Some(packet),
            Err(_) => {
                log!(
                    Error,
                    "KNET",
                    "packet sequence numbers exhausted; restart vigild"
                );
                None
            }
        }
    }

    fn heartbeat(&mut self, now: Instant) {
        let quiet = self
            .transport
            .quiet_since(now.checked_sub(self.ping_interval).unwrap_or(now));
        if !quiet.is_empty()
            && let Some(packet) = self.seal(KIND_HEARTBEAT, &[])
        {
            for peer in quiet {
                self.transport.send_to(peer, &packet);
            }
        }
        let peers: Vec<u32> = self.transport.peer_ids().collect();
        for peer in peers {
            let up = self.transport.is_connected(peer, now, self.ping_timeout);
            self.note_link(peer, up);
        }
        self.next_ping = now + self.ping_interval;
    }

    fn note_link(&mut self, peer: u32, up: bool) {
        let was = self.link_up.insert(peer, up);
        if was != Some(up) && (was.is_some() || up) {
            let word = if up { "up" } else { "down" };
            log!(Info, "KNET", "link: host: {peer} link: 0 is {word}");
        }
    }

    /// Performs every output of the cores, in order.
    fn drain(&mut self) -> Result<(), DaemonError> {
        self.feed_pending();
        while let Some(output) = self.totem.poll_output() {
            match output {
                Output::Transmit { to, packet } => {
                    let Some(sealed) = self.seal(KIND_TOTEM, &packet) else {
                        continue;
                    };
                    match to {
                        Destination::Node(node) => self.transport.send_to(node, &sealed),
                        Destination::All => self.transport.send_all(&sealed),
                    }
                }
                Output::Deliver(delivery) => {
                    self.stats.delivered_messages += 1;
                    self.stats.delivered_bytes += delivery.payload.len() as u64;
                    if !self.subscribers.is_empty() {
                        let head = &delivery.payload[..delivery.payload.len().min(api::HEAD_BYTES)];
                        self.publish(Event::Delivered {
                            sender: delivery.sender,
                            len: delivery.payload.len(),
                            head: api::to_hex(head),
                        });
                    }
                }
                Output::ConfigurationChange(change) => self.configuration_change(change),
                Output::PersistRingSeq(seq) => self.state.store_ring_seq(seq)?,
            }
            self.feed_pending();
        }
        while let Some(event) = self.quorum.poll_event() {
            if let QuorumEvent::QuorateChanged { quorate } = event {
                self.quorate = quorate;
                if quorate {
                    log!(
                        Notice,
                        "QUORUM",
                        "This node is within the primary component and will provide service."
                    );
                } else {
                    log!(
                        Notice,
                        "QUORUM",
                        "This node is within the non-primary component and will NOT provide any services."
                    );
                }
                self.publish(Event::Quorum { quorate });
            }
        }
        Ok(())
    }

    fn configuration_change(&mut self, change: ConfigurationChange) {
        let list = |ids: &[u32]| ids.iter().map(u32::to_string).collect::<Vec<_>>().join(" ");
        let mut text = format!("A new membership ({}) was formed.", change.ring_id);
        if !change.joined.is_empty() {
            text += &format!(" Members joined: {}", list(&change.joined));
        }
        if !change.left.is_empty() {
            text += &format!(" Members left: {}", list(&change.left));
        }
        log!(Notice, "TOTEM", "{text}");
        self.ring_id = change.ring_id;
        self.members = change.members.clone();
        self.stats.memberships += 1;
        log!(
            Notice,
            "QUORUM",
            "Members[{}]: {}",
            change.members.len(),
            list(&change.members)
        );
        let now = self.now();
        let members: Vec<QuorumMember> = change
            .members
            .iter()
            .map(|id| self.quorum.config().member(NodeId(*id)))
            .collect();
        self.quorum.membership_changed(now, &members);
        let event = self.membership_event(&change.joined, &change.left);
        self.publish(event);
    }

    fn membership_event(&self, joined: &[u32], left: &[u32]) -> Event {
        Event::Membership {
            ring_id: self.ring_id.to_string(),
            members: self.members.clone(),
            joined: joined.to_vec(),
            left: left.to_vec(),
        }
    }

    /// Sends `event` to every subscriber; one that cannot keep up is
    /// dropped (its connection closes) rather than holding memory.
    fn publish(&mut self, event: Event) {
        self.subscribers
            .retain(|s| match s.try_send(event.clone()) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    log!(Warning, "API", "dropped a subscriber that fell behind");
                    false
                }
                Err(TrySendError::Disconnected(_)) => false,
            });
    }

    /// Moves waiting `Send` messages into Totem's queue while it has room.
    fn feed_pending(&mut self) {
        while let Some(send) = self.pending.front_mut() {
            while !send.payloads.is_empty() {
                // Retried after the next token visit frees room.
                if self.totem.queued() >= vigil_totem::MAX_QUEUED {
                    return;
                }
                let payload = send.payloads.pop_front().expect("not empty");
                let input = TotemInput::Broadcast {
                    payload,
                    guarantee: Guarantee::Agreed,
                };
                match self.totem.handle(self.start.elapsed(), input) {
                    Ok(()) => self.stats.sent_messages += 1,
                    Err(e) => {
                        let _ = send.reply.send(Response::Error {
                            message: e.to_string(),
                        });
                        self.pending.pop_front();
                        return;
                    }
                }
            }
            let done = self.pending.pop_front().expect("front exists");
            let _ = done.reply.send(Response::Sent { count: done.count });
        }
    }

    fn request(&mut self, request: Request, reply: Sender<Response>) {
        let response = match request {
            Request::QuorumStatus => Response::QuorumStatus(self.quorum_status()),
            Request::Links => Response::Links(self.link_status()),
            Request::Stats => Response::Stats(self.stats),
            Request::Send { payloads } => {
                if payloads.len() > api::MAX_SEND_BATCH {
                    Response::Error {
                        message: format!(
                            "a Send carries at most {} messages, this one {}",
                            api::MAX_SEND_BATCH,
                            payloads.len()
                        ),
                    }
                } else {
                    match payloads
                        .iter()
                        .map(|p| api::from_hex(p))
                        .collect::<Result<VecDeque<_>, _>>()
                    {
                        Err(e) => Response::Error { message: e },
                        // Checked before any is queued: all or nothing.
                        Ok(payloads)
                            if payloads.iter().any(|p| p.len() > vigil_totem::MAX_MESSAGE) =>
                        {
                            Response::Error {
                                message: format!(
                                    "a message is at most {} bytes",
                                    vigil_totem::MAX_MESSAGE
                                ),
                            }
                        }
                        Ok(payloads) => {
                            self.pending.push_back(PendingSend {
                                count: payloads.len(),
                                payloads,
                                reply,
                            });
                            self.feed_pending();
                            return;
                        }
                    }
                }
            }
            Request::Subscribe => Response::Error {
                message: "Subscribe is handled by the connection".into(),
            },
        };
        let _ = reply.send(response);
    }

    fn quorum_status(&self) -> api::QuorumStatus {
        let status = self.quorum.status();
        api::QuorumStatus {
            provider: vigil_quorum::PROVIDER.to_string(),
            node_id: self.local.nodeid,
            ring_id: self.ring_id.to_string(),
            ring_rep: self.ring_id.rep,
            ring_seq: self.ring_id.seq,
            quorate: status.quorate,
            expected_votes: status.expected_votes,
            highest_expected: status.highest_expected,
            total_votes: status.total_votes,
            quorum: status.quorum,
            flags: api::QuorumFlags {
                two_node: status.flags.two_node,
                quorate: status.flags.quorate,
                wait_for_all: status.flags.wait_for_all,
                last_man_standing: status.flags.last_man_standing,
                auto_tie_breaker: status.flags.auto_tie_breaker,
            },
            members: status
                .members
                .iter()
                .map(|m| api::Member {
                    nodeid: m.node.0,
                    votes: m.votes,
                    name: self
                        .config
                        .node(m.node.0)
                        .map_or_else(|| m.node.0.to_string(), |n| n.name.clone()),
                })
                .collect(),
        }
    }

    fn link_status(&self) -> LinkStatus {
        let now = Instant::now();
        LinkStatus {
            node_id: self.local.nodeid,
            transport: self.config.transport.clone(),
            addr: self.local.addr.ip().to_string(),
            peers: self
                .config
                .nodes
                .iter()
                .map(|n| PeerLink {
                    nodeid: n.nodeid,
                    state: if n.nodeid == self.local.nodeid {
                        LinkState::Localhost
                    } else if self
                        .transport
                        .is_connected(n.nodeid, now, self.ping_timeout)
                    {
                        LinkState::Connected
                    } else {
                        LinkState::Disconnected
                    },
                })
                .collect(),
        }
    }
}
