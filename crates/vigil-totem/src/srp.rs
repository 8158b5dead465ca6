//! The Totem SRP state machine: membership (Gather, Commit, Recovery,
//! Operational), token rotation, ordering, retransmission and delivery.
//!
//! Each `on_*` handler corresponds to one of the protocol's message
//! handlers, each timer to one of its timer functions (the names in the
//! comments are the published protocol's and corosync's `totemsrp`'s).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use crate::wire::{
    self, CommitToken, Fragment, Join, McastBody, MemberEntry, MergeDetect, Message, Token,
};
use crate::{
    ConfigurationChange, Delivery, Destination, Error, Guarantee, Input, MAX_MESSAGE, MAX_QUEUED,
    NodeId, Output, RingId, Rng, State, TotemConfig, wire::Mcast,
};

/// Ring sequence numbers of successive rings differ by at least this (as in
/// the paper, where a new ring's number is the highest known plus four).
const RING_SEQ_STEP: u64 = 4;

/// The messages of one ring this processor holds, and how far it got.
#[derive(Debug)]
struct RingLog {
    ring: RingId,
    members: Vec<NodeId>,
    msgs: BTreeMap<u64, Mcast>,
    /// All messages up to here have been received (`my_aru`).
    my_aru: u64,
    /// Highest sequence number received.
    high_seq: u64,
    /// Highest sequence number delivered (or skipped, for recovery
    /// carriers).
    delivered: u64,
    /// Every member has received everything up to here (safe delivery).
    safe: u64,
    /// Messages up to here are discarded.
    gc: u64,
}

impl RingLog {
    fn new(ring: RingId, members: Vec<NodeId>) -> Self {
        Self {
            ring,
            members,
            msgs: BTreeMap::new(),
            my_aru: 0,
            high_seq: 0,
            delivered: 0,
            safe: 0,
            gc: 0,
        }
    }

    /// Stores a message; false if it was already there (or discarded).
    fn insert(&mut self, m: Mcast) -> bool {
        let seq = m.seq;
        if seq <= self.gc || self.msgs.contains_key(&seq) {
            return false;
        }
        self.msgs.insert(seq, m);
        self.high_seq = self.high_seq.max(seq);
        while self.msgs.contains_key(&(self.my_aru + 1)) {
            self.my_aru += 1;
        }
        true
    }

    fn discard_up_to(&mut self, upto: u64) {
        if upto > self.gc {
            self.msgs = self.msgs.split_off(&(upto + 1));
            self.gc = upto;
        }
    }

    fn next_of(&self, id: NodeId) -> NodeId {
        let i = self.members.iter().position(|&m| m == id).unwrap_or(0);
        self.members[(i + 1) % self.members.len()]
    }
}

/// What this processor remembers of the token of the ring it works in.
#[derive(Debug, Default)]
struct TokenState {
    last_token_seq: Option<u64>,
    visits: u64,
    /// The token's `aru` as it arrived on the previous and on this visit.
    prev_aru: u64,
    cur_aru: u64,
    /// Messages this processor sent on its last visit (flow control).
    my_fcc: u32,
    my_backlog: u32,
    /// Whether this processor counted itself in `rec_pending`.
    rec_counted: bool,
    last_seq: u64,
    /// Visits on which the ring's `seq` did not move.
    seq_unchanged: u32,
    /// Visits on which this processor was missing messages and received
    /// none of them.
    fail_recv: u32,
    last_my_aru: u64,
}

/// The ring being formed (Commit and Recovery).
#[derive(Debug)]
struct NewRing {
    log: RingLog,
    commit: CommitToken,
    /// The representative has started the new ring's token.
    originated: bool,
    /// Old-ring messages still to be retransmitted in the new ring.
    retrans: VecDeque<Mcast>,
    /// Highest old-ring sequence number held by a member from our old ring.
    high_ring: u64,
    /// Once known: every old-ring message of every member was sent in the
    /// new ring at or below this sequence number.
    target: Option<u64>,
    transitional: Vec<NodeId>,
}

#[derive(Debug)]
struct Pending {
    payload: Vec<u8>,
    guarantee: Guarantee,
    msg_no: u64,
}

#[derive(Debug)]
struct Assembly {
    msg_no: u64,
    next_index: u16,
    data: Vec<u8>,
}

/// Timers (`poll_timeout` returns the earliest).
#[derive(Debug, Default)]
struct Timers {
    /// `timer_function_orf_token_timeout`: token loss.
    token_loss: Option<Duration>,
    /// `timer_function_token_retransmit_timeout`.
    token_retransmit: Option<Duration>,
    /// `timer_function_token_hold_retransmit_timeout`: release a held token.
    hold: Option<Duration>,
    /// `timer_function_memb_state_gather_timeout`: send join again.
    join: Option<Duration>,
    /// `timer_function_memb_state_consensus_timeout`.
    consensus: Option<Duration>,
    /// `timer_function_merge_detect_timeout`.
    merge: Option<Duration>,
}

fn due(t: &mut Option<Duration>, now: Duration) -> bool {
    if t.is_some_and(|d| d <= now) {
        *t = None;
        true
    } else {
        false
    }
}

/// One processor's Totem protocol instance. See the crate documentation
/// for how to drive it.
#[derive(Debug)]
pub struct Totem {
    id: NodeId,
    nodes: Vec<NodeId>,
    config: TotemConfig,
    token_timeout: Duration,
    retransmit_timeout: Duration,
    hold_timeout: Duration,
    consensus_timeout: Duration,
    rng: Rng,
    state: State,
    /// The installed ring (during a membership change: the old ring).
    ring: RingLog,
    installed: bool,
    next: Option<NewRing>,
    tok: TokenState,
    proc_set: BTreeSet<NodeId>,
    fail_set: BTreeSet<NodeId>,
    consensus: BTreeSet<NodeId>,
    ring_seq_known: u64,
    queue: VecDeque<Pending>,
    next_msg_no: u64,
    /// Fragments of the front of `queue` already sent in this ring.
    frags_sent: u16,
    assembly: BTreeMap<NodeId, Assembly>,
    out: VecDeque<Output>,
    timers: Timers,
    /// The token last passed on: next processor, bytes, its `seq`.
    last_token: Option<(NodeId, Vec<u8>, u64)>,
    held: Option<Token>,
    /// A hold cancel arrived while the token was elsewhere: do not hold it
    /// on its next visit.
    hold_cancelled: bool,
}

impl Totem {
    /// A processor `id` of `nodes` (the nodelist; `id` is added if missing)
    /// starting at `now`. `ring_seq` is the last value persisted through
    /// [`Output::PersistRingSeq`] (0 on first start); `seed` feeds the
    /// random `send_join` delay. The new processor is in Gather and
    /// announces itself at once (its first outputs are join messages).
    pub fn new(
        id: NodeId,
        nodes: &[NodeId],
        config: TotemConfig,
        now: Duration,
        ring_seq: u64,
        seed: u64,
    ) -> Self {
        let mut list: Vec<NodeId> = nodes.to_vec();
        list.push(id);
        list.sort_unstable();
        list.dedup();
        let n = list.len();
        let mut t = Totem {
            id,
            token_timeout: config.token_timeout(n),
            retransmit_timeout: config.token_retransmit_timeout(n),
            hold_timeout: config.hold_timeout(n),
            consensus_timeout: config.consensus_timeout(n),
            nodes: list,
            config,
            rng: Rng::new(seed),
            state: State::Gather,
            // A ring id no ring ever had: rings this processor formed were
            // persisted with a sequence number at most `ring_seq`.
            ring: RingLog::new(
                RingId {
                    rep: id,
                    seq: ring_seq + 1,
                },
                vec![id],
            ),
            installed: false,
            next: None,
            tok: TokenState::default(),
            proc_set: BTreeSet::from([id]),
            fail_set: BTreeSet::new(),
            consensus: BTreeSet::new(),
            ring_seq_known: ring_seq + 1,
            queue: VecDeque::new(),
            next_msg_no: 0,
            frags_sent: 0,
            assembly: BTreeMap::new(),
            out: VecDeque::new(),
            timers: Timers::default(),
            last_token: None,
            held: None,
            hold_cancelled: false,
        };
        t.enter_gather(now, None);
        t
    }

    /// This processor's id.
    pub fn node_id(&self) -> NodeId {
        self.id
    }

    /// The nodelist, sorted (what [`Destination::All`] addresses, minus
    /// this processor).
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    pub fn config(&self) -> &TotemConfig {
        &self.config
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// The installed ring (the last configuration delivered), if any.
    pub fn ring_id(&self) -> Option<RingId> {
        self.installed.then_some(self.ring.ring)
    }

    /// Members of the installed ring (empty before the first one).
    pub fn members(&self) -> &[NodeId] {
        if self.installed {
            &self.ring.members
        } else {
            &[]
        }
    }

    /// Application messages waiting to be sent.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// The next output to perform, in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// The earliest deadline at which [`Input::Timeout`] must be handled.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let t = &self.timers;
        [
            t.token_loss,
            t.token_retransmit,
            t.hold,
            t.join,
            t.consensus,
            t.merge,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Feeds one input. On error nothing changed.
    pub fn handle(&mut self, now: Duration, input: Input<'_>) -> Result<(), Error> {
        match input {
            Input::Packet { from, bytes } => {
                if from == self.id || self.nodes.binary_search(&from).is_err() {
                    return Err(Error::UnknownNode(from));
                }
                let msg = wire::decode(bytes)?;
                let claimed = match &msg {
                    Message::Join(j) => Some(j.sender),
                    Message::MergeDetect(m) | Message::HoldCancel(m) => Some(m.sender),
                    _ => None,
                };
                if let Some(claimed) = claimed.filter(|&c| c != from) {
                    return Err(Error::SenderMismatch { from, claimed });
                }
                self.on_message(now, msg);
                Ok(())
            }
            Input::Timeout => {
                self.on_timeout(now);
                Ok(())
            }
            Input::Broadcast { payload, guarantee } => self.broadcast(now, payload, guarantee),
        }
    }

    /// Queues an application message for delivery to every member.
    pub fn broadcast(
        &mut self,
        now: Duration,
        payload: Vec<u8>,
        guarantee: Guarantee,
    ) -> Result<(), Error> {
        if payload.len() > MAX_MESSAGE {
            return Err(Error::TooLarge {
                size: payload.len(),
            });
        }
        if self.queue.len() >= MAX_QUEUED {
            return Err(Error::QueueFull(self.queue.len()));
        }
        self.queue.push_back(Pending {
            payload,
            guarantee,
            msg_no: self.next_msg_no,
        });
        self.next_msg_no += 1;
        if self.state == State::Operational {
            if self.ring.members.len() == 1 {
                self.solo_send();
            } else if let Some(t) = self.held.take() {
                self.timers.hold = None;
                self.process_token(now, t);
            } else if self.ring.ring.rep != self.id
                && self.queue.len() == 1
                && self.tok.seq_unchanged >= self.config.seqno_unchanged_const
            {
                // The representative may be holding the token.
                let m = Message::HoldCancel(MergeDetect {
                    sender: self.id,
                    ring_id: self.ring.ring,
                });
                self.send(Destination::Node(self.ring.ring.rep), &m);
            }
        }
        Ok(())
    }

    fn send(&mut self, to: Destination, msg: &Message) {
        if self.nodes.len() > 1 {
            self.out.push_back(Output::Transmit {
                to,
                packet: wire::encode(msg),
            });
        }
    }

    fn on_message(&mut self, now: Duration, msg: Message) {
        match msg {
            Message::Mcast(m) => self.on_mcast(now, m),
            Message::Token(t) => self.on_token(now, t),
            Message::Join(j) => self.on_join(now, j),
            Message::Commit(c) => self.on_commit(now, c),
            Message::MergeDetect(m) => self.on_merge_detect(now, m),
            Message::HoldCancel(m) => {
                if self.state == State::Operational && m.ring_id == self.ring.ring {
                    match self.held.take() {
                        Some(t) => {
                            self.timers.hold = None;
                            self.process_token(now, t);
                        }
                        None => self.hold_cancelled = true,
                    }
                }
            }
        }
    }

    fn on_timeout(&mut self, now: Duration) {
        if due(&mut self.timers.token_loss, now) {
            // The token (or the commit token) is lost: form a new ring.
            self.enter_gather(now, None);
        }
        if due(&mut self.timers.token_retransmit, now)
            && let Some((to, bytes, _)) = &self.last_token
        {
            self.out.push_back(Output::Transmit {
                to: Destination::Node(*to),
                packet: bytes.clone(),
            });
            self.timers.token_retransmit = Some(now + self.retransmit_timeout);
        }
        if due(&mut self.timers.hold, now)
            && let Some(t) = self.held.take()
        {
            self.process_token(now, t);
        }
        if due(&mut self.timers.join, now) && self.state == State::Gather {
            self.send_join();
            self.timers.join = Some(now + Duration::from_millis(u64::from(self.config.join)));
        }
        if due(&mut self.timers.consensus, now) && self.state == State::Gather {
            self.consensus_expired(now);
        }
        if due(&mut self.timers.merge, now) && self.state == State::Operational {
            let m = Message::MergeDetect(MergeDetect {
                sender: self.id,
                ring_id: self.ring.ring,
            });
            self.send(Destination::All, &m);
            self.timers.merge = Some(now + Duration::from_millis(u64::from(self.config.merge)));
        }
    }

    // ----- Operational: messages and token -------------------------------

    /// `message_handler_mcast`.
    fn on_mcast(&mut self, now: Duration, m: Mcast) {
        match self.state {
            State::Operational => {
                if m.ring_id == self.ring.ring {
                    let seq = m.seq;
                    if self.ring.insert(m) {
                        if self.last_token.as_ref().is_some_and(|l| seq > l.2) {
                            // A later token holder is at work: the token we
                            // passed on arrived.
                            self.timers.token_retransmit = None;
                        }
                        self.deliver();
                    }
                } else if !self.ring.members.contains(&m.sender)
                    && self.nodes.binary_search(&m.sender).is_ok()
                {
                    // A processor of another ring: merge.
                    self.enter_gather(now, Some(m.sender));
                }
            }
            State::Gather | State::Commit => {
                // Old-ring messages still in flight are kept for Recovery.
                if m.ring_id == self.ring.ring && matches!(m.body, McastBody::Regular(_)) {
                    self.ring.insert(m);
                }
            }
            State::Recovery => {
                let Some(nr) = self.next.as_mut() else { return };
                if m.ring_id != nr.log.ring {
                    return;
                }
                let old = match &m.body {
                    McastBody::Recovered(inner) if inner.ring_id == self.ring.ring => {
                        Some((**inner).clone())
                    }
                    _ => None,
                };
                let seq = m.seq;
                if nr.log.insert(m) {
                    if let Some(old) = old
                        && old.seq > self.ring.delivered
                    {
                        self.ring.insert(old);
                    }
                    if self.last_token.as_ref().is_some_and(|l| seq > l.2) {
                        self.timers.token_retransmit = None;
                    }
                    self.check_install(now);
                }
            }
        }
    }

    /// `message_handler_orf_token`.
    fn on_token(&mut self, now: Duration, t: Token) {
        let ring = match self.state {
            State::Operational => self.ring.ring,
            State::Recovery => match &self.next {
                Some(nr) => nr.log.ring,
                None => return,
            },
            _ => return,
        };
        if t.ring_id != ring || self.tok.last_token_seq.is_some_and(|l| t.token_seq <= l) {
            return; // another ring's, or a retransmitted copy
        }
        self.tok.last_token_seq = Some(t.token_seq);
        self.timers.token_loss = Some(now + self.token_timeout);
        self.timers.token_retransmit = None;
        self.last_token = None;
        if self.state == State::Operational
            && self.ring.ring.rep == self.id
            && self.queue.is_empty()
            && t.rtr.is_empty()
            && t.aru == t.seq
            && t.backlog == 0
            && self.tok.seq_unchanged >= self.config.seqno_unchanged_const
            && !std::mem::take(&mut self.hold_cancelled)
        {
            // An idle ring: the representative holds the token (`hold`).
            self.held = Some(t);
            self.timers.hold = Some(now + self.hold_timeout);
            return;
        }
        self.process_token(now, t);
    }

    fn log_mut(&mut self) -> &mut RingLog {
        match (self.state, self.next.as_mut()) {
            (State::Recovery, Some(nr)) => &mut nr.log,
            _ => &mut self.ring,
        }
    }

    /// The next fragment of the application queue, as a message body.
    fn next_fragment(&mut self) -> Option<McastBody> {
        let size = self.config.fragment_size();
        let p = self.queue.front()?;
        let count = p.payload.len().div_ceil(size).max(1);
        let index = usize::from(self.frags_sent);
        let end = ((index + 1) * size).min(p.payload.len());
        let frag = Fragment {
            guarantee: p.guarantee,
            msg_no: p.msg_no,
            index: self.frags_sent,
            count: count as u16,
            data: p.payload[(index * size).min(end)..end].to_vec(),
        };
        self.frags_sent += 1;
        if usize::from(self.frags_sent) == count {
            self.frags_sent = 0;
            self.queue.pop_front();
        }
        Some(McastBody::Regular(frag))
    }

    /// Everything a processor does with the token: retransmit what others
    /// asked for, send new messages within the flow-control window, update
    /// `aru`/`aru_id`/`rtr`, deliver, discard, pass it on.
    fn process_token(&mut self, now: Duration, mut t: Token) {
        let recovering = self.state == State::Recovery;
        self.tok.visits += 1;
        self.tok.prev_aru = self.tok.cur_aru;
        self.tok.cur_aru = t.aru;

        // Retransmit requested messages we hold.
        let mut rtr = Vec::new();
        let mut resend = Vec::new();
        {
            let log = self.log_mut();
            for s in std::mem::take(&mut t.rtr) {
                match log.msgs.get(&s) {
                    Some(m) => resend.push(Message::Mcast(m.clone())),
                    None if s > log.gc => rtr.push(s),
                    None => {}
                }
            }
        }
        for m in &resend {
            self.send(Destination::All, m);
        }

        // New messages, within max_messages and window_size.
        let fcc_others = t.fcc.saturating_sub(self.tok.my_fcc);
        let window = u64::from(self.config.window_size);
        let outstanding = t.seq - t.aru;
        let allowed = u64::from(self.config.max_messages)
            .min(window.saturating_sub(u64::from(fcc_others)))
            .min((window * 4).saturating_sub(outstanding));
        let ring_id = t.ring_id;
        let mut sent = 0u64;
        while sent < allowed {
            let body = if recovering {
                match self.next.as_mut().and_then(|nr| nr.retrans.pop_front()) {
                    Some(m) => McastBody::Recovered(Box::new(m)),
                    None => break,
                }
            } else {
                match self.next_fragment() {
                    Some(b) => b,
                    None => break,
                }
            };
            t.seq += 1;
            let m = Mcast {
                ring_id,
                seq: t.seq,
                sender: self.id,
                body,
            };
            self.send(Destination::All, &Message::Mcast(m.clone()));
            self.log_mut().insert(m);
            sent += 1;
        }
        t.fcc = fcc_others + sent as u32;
        self.tok.my_fcc = sent as u32;
        let backlog = if recovering {
            self.next.as_ref().map_or(0, |nr| nr.retrans.len())
        } else {
            self.queue.len()
        } as u32;
        t.backlog = t.backlog.saturating_sub(self.tok.my_backlog) + backlog;
        self.tok.my_backlog = backlog;

        // aru and aru_id; ask for what we miss.
        let id = self.id;
        let (my_aru, missing) = {
            let log = self.log_mut();
            if log.my_aru < t.aru || t.aru_id == Some(id) || t.aru_id.is_none() {
                t.aru = log.my_aru.min(t.seq);
                t.aru_id = if t.aru == t.seq { None } else { Some(id) };
            }
            let mut missing = Vec::new();
            let mut s = log.my_aru + 1;
            while s <= t.seq && rtr.len() + missing.len() < wire::MAX_RTR {
                if !log.msgs.contains_key(&s) && !rtr.contains(&s) {
                    missing.push(s);
                }
                s += 1;
            }
            (log.my_aru, missing)
        };
        rtr.extend(missing);
        t.rtr = rtr;

        if recovering {
            let pending = self.next.as_ref().is_some_and(|nr| !nr.retrans.is_empty());
            t.rec_pending = t
                .rec_pending
                .saturating_sub(u32::from(self.tok.rec_counted))
                + u32::from(pending);
            self.tok.rec_counted = pending;
        }

        if my_aru < t.seq && my_aru == self.tok.last_my_aru {
            self.tok.fail_recv += 1;
        } else {
            self.tok.fail_recv = 0;
        }
        self.tok.last_my_aru = my_aru;
        if t.seq == self.tok.last_seq {
            self.tok.seq_unchanged = self.tok.seq_unchanged.saturating_add(1);
        } else {
            self.tok.seq_unchanged = 0;
        }
        self.tok.last_seq = t.seq;

        // Everything at or below the aru seen on two consecutive rotations
        // has been received by every member.
        let safe = self.tok.prev_aru.min(self.tok.cur_aru);
        {
            let log = self.log_mut();
            log.safe = log.safe.max(safe.min(log.my_aru));
        }
        if !recovering {
            self.deliver();
            let upto = self.ring.safe.min(self.ring.delivered);
            self.ring.discard_up_to(upto);
        }
        if recovering
            && self.tok.visits >= 2
            && t.rec_pending == 0
            && let Some(nr) = self.next.as_mut()
            && nr.target.is_none()
        {
            nr.target = Some(t.seq);
        }

        if self.tok.fail_recv >= self.config.fail_recv_const {
            // We keep failing to receive: form a new configuration.
            self.enter_gather(now, None);
            return;
        }

        // Pass the token on.
        t.token_seq += 1;
        let to = self.log_mut().next_of(id);
        let seq = t.seq;
        let bytes = wire::encode(&Message::Token(t));
        self.out.push_back(Output::Transmit {
            to: Destination::Node(to),
            packet: bytes.clone(),
        });
        self.last_token = Some((to, bytes, seq));
        self.timers.token_retransmit = Some(now + self.retransmit_timeout);
        if recovering {
            self.check_install(now);
        }
    }

    /// A singleton ring needs no token: sequence and deliver at once.
    fn solo_send(&mut self) {
        while let Some(body) = self.next_fragment() {
            let m = Mcast {
                ring_id: self.ring.ring,
                seq: self.ring.high_seq + 1,
                sender: self.id,
                body,
            };
            self.ring.insert(m);
        }
        self.ring.safe = self.ring.my_aru;
        self.deliver();
        let upto = self.ring.delivered;
        self.ring.discard_up_to(upto);
    }

    /// Delivers the installed ring's messages in order: agreed ones once
    /// all before them are, safe ones once every member has them.
    fn deliver(&mut self) {
        loop {
            let next = self.ring.delivered + 1;
            let Some(m) = self.ring.msgs.get(&next) else {
                break;
            };
            if let McastBody::Regular(f) = &m.body {
                if f.guarantee == Guarantee::Safe && next > self.ring.safe {
                    break;
                }
                let (sender, ring_id, f) = (m.sender, m.ring_id, f.clone());
                self.ring.delivered = next;
                self.deliver_fragment(sender, ring_id, next, f);
            } else {
                self.ring.delivered = next;
            }
        }
    }

    fn deliver_fragment(&mut self, sender: NodeId, ring_id: RingId, seq: u64, f: Fragment) {
        if f.index == 0 {
            self.assembly.insert(
                sender,
                Assembly {
                    msg_no: f.msg_no,
                    next_index: 0,
                    data: Vec::new(),
                },
            );
        }
        let Some(a) = self.assembly.get_mut(&sender) else {
            return;
        };
        if a.msg_no != f.msg_no || a.next_index != f.index {
            // A fragment lost with a departed sender: drop the message.
            self.assembly.remove(&sender);
            return;
        }
        a.data.extend_from_slice(&f.data);
        a.next_index += 1;
        if a.next_index == f.count
            && let Some(a) = self.assembly.remove(&sender)
        {
            self.out.push_back(Output::Deliver(Delivery {
                sender,
                ring_id,
                seq,
                guarantee: f.guarantee,
                payload: a.data,
            }));
        }
    }

    /// `message_handler_memb_merge_detect`.
    fn on_merge_detect(&mut self, now: Duration, m: MergeDetect) {
        if self.state == State::Operational
            && m.ring_id != self.ring.ring
            && (!self.ring.members.contains(&m.sender) || m.ring_id.seq > self.ring.ring.seq)
        {
            self.enter_gather(now, Some(m.sender));
        }
    }

    // ----- Gather ----------------------------------------------------------

    /// `memb_state_gather_enter`.
    fn enter_gather(&mut self, now: Duration, extra: Option<NodeId>) {
        match self.state {
            State::Operational => {
                self.proc_set = self.ring.members.iter().copied().collect();
                self.proc_set.insert(self.id);
                self.fail_set.clear();
            }
            State::Commit | State::Recovery => {
                // The attempt failed: a new round of failure detection
                // (fail sets from the round that formed it are stale once
                // the network changed again, and kept, they made healed
                // partitions ignore each other's joins: sim seed 6804).
                self.next = None;
                self.fail_set.clear();
            }
            State::Gather => {}
        }
        if let Some(x) = extra
            && !self.fail_set.contains(&x)
        {
            self.proc_set.insert(x);
        }
        self.state = State::Gather;
        self.consensus = BTreeSet::from([self.id]);
        self.held = None;
        self.last_token = None;
        self.frags_sent = 0; // a partly sent message is sent whole again
        self.timers = Timers::default();
        self.timers.consensus = Some(now + self.consensus_timeout);
        let delay = self.rng.below(u64::from(self.config.send_join) + 1);
        if delay == 0 {
            self.send_join();
            self.timers.join = Some(now + Duration::from_millis(u64::from(self.config.join)));
        } else {
            self.timers.join = Some(now + Duration::from_millis(delay));
        }
        self.check_consensus(now);
    }

    fn send_join(&mut self) {
        let j = Message::Join(Join {
            sender: self.id,
            ring_seq: self.ring_seq_known.max(self.ring.ring.seq),
            proc_set: self.proc_set.iter().copied().collect(),
            fail_set: self.fail_set.iter().copied().collect(),
        });
        self.send(Destination::All, &j);
    }

    /// `message_handler_memb_join`.
    fn on_join(&mut self, now: Duration, j: Join) {
        if j.sender == self.id {
            return;
        }
        if self.state != State::Gather && j.fail_set.contains(&self.id) {
            // It has given up on us and will form a ring without us; merge
            // detection brings us together again once it has.
            return;
        }
        match self.state {
            State::Operational => {
                if self.ring.members.contains(&j.sender) && j.ring_seq < self.ring.ring.seq {
                    return; // from the gathering that formed this ring
                }
                self.enter_gather(now, Some(j.sender));
            }
            State::Commit | State::Recovery => {
                let Some(nr) = &self.next else { return };
                if nr.log.members.contains(&j.sender) && j.ring_seq < nr.log.ring.seq {
                    return; // from the gathering that formed the new ring
                }
                self.enter_gather(now, Some(j.sender));
            }
            State::Gather => {}
        }
        // Gathering rounds are ordered by the highest ring sequence number
        // their processors know. A newer round starts afresh from the
        // sender's view (fail sets from an older round, formed under
        // partitions since healed, would otherwise keep spreading); an older
        // one only tells us who is there.
        let round = self.ring_seq_known.max(self.ring.ring.seq);
        let mut newer = false;
        if j.ring_seq > round {
            self.ring_seq_known = j.ring_seq;
            self.fail_set.clear();
            self.consensus = BTreeSet::from([self.id]);
            newer = true;
        } else if j.ring_seq < round {
            let known = |id: &NodeId| self.nodes.binary_search(id).is_ok();
            let mut grew = false;
            for p in j.proc_set.iter().chain([&j.sender]).filter(|p| known(p)) {
                if !self.fail_set.contains(p) && self.proc_set.insert(*p) {
                    grew = true;
                }
            }
            if grew {
                self.consensus = BTreeSet::from([self.id]);
                self.send_join();
                self.timers.consensus = Some(now + self.consensus_timeout);
            }
            return;
        }
        if self.fail_set.contains(&j.sender) {
            if newer {
                self.send_join();
            }
            return;
        }
        if j.fail_set.contains(&self.id) {
            // It cannot hear us; we cannot be in one ring.
            self.fail_set.insert(j.sender);
            self.consensus = BTreeSet::from([self.id]);
            self.send_join();
            self.check_consensus(now);
            return;
        }
        let known = |id: &NodeId| self.nodes.binary_search(id).is_ok();
        let mut proc_grew = false;
        let mut changed = false;
        for p in j.proc_set.iter().filter(|p| known(p)) {
            if !self.fail_set.contains(p) && self.proc_set.insert(*p) {
                proc_grew = true;
            }
        }
        for f in j.fail_set.iter().filter(|f| known(f)) {
            if *f != self.id && self.fail_set.insert(*f) {
                changed = true;
            }
        }
        if proc_grew || changed || newer {
            self.consensus = BTreeSet::from([self.id]);
            self.send_join();
            if proc_grew {
                self.timers.consensus = Some(now + self.consensus_timeout);
            } else {
                // Give the others two join intervals to answer the change
                // before the silent are declared failed (several processors
                // often reach their timeout at the same moment).
                let answer = now + 2 * Duration::from_millis(u64::from(self.config.join));
                self.timers.consensus = self.timers.consensus.map(|t| t.max(answer));
            }
        }
        if j.proc_set.iter().copied().eq(self.proc_set.iter().copied())
            && j.fail_set.iter().copied().eq(self.fail_set.iter().copied())
        {
            self.consensus.insert(j.sender);
        }
        self.check_consensus(now);
    }

    fn live(&self) -> Vec<NodeId> {
        self.proc_set.difference(&self.fail_set).copied().collect()
    }

    /// `memb_state_consensus_timeout_expired`: whoever has not agreed is
    /// declared failed.
    fn consensus_expired(&mut self, now: Duration) {
        for q in self.live() {
            if !self.consensus.contains(&q) {
                self.fail_set.insert(q);
            }
        }
        self.consensus = BTreeSet::from([self.id]);
        self.send_join();
        self.timers.consensus = None;
        self.check_consensus(now);
        if self.state == State::Gather {
            self.timers.consensus = Some(now + self.consensus_timeout);
        }
    }

    /// When every live processor agrees, the representative (the lowest
    /// id) forms the new ring with a commit token.
    fn check_consensus(&mut self, now: Duration) {
        if self.state != State::Gather {
            return;
        }
        let live = self.live();
        if live.len() == 1 && self.timers.consensus.is_some_and(|t| t > now) {
            // Alone: wait for the consensus timeout before forming a
            // singleton ring, so that others have time to answer.
            return;
        }
        if live.first() != Some(&self.id) || !live.iter().all(|q| self.consensus.contains(q)) {
            return;
        }
        let seq = self.ring_seq_known.max(self.ring.ring.seq) + RING_SEQ_STEP;
        self.ring_seq_known = seq;
        let mut c = CommitToken {
            ring_id: RingId { rep: self.id, seq },
            entries: vec![None; live.len()],
            members: live,
        };
        c.entries[0] = Some(self.my_entry());
        self.enter_commit(now, c.clone());
        if c.members.len() == 1 {
            self.enter_recovery(now, c);
            if let Some(nr) = self.next.as_mut() {
                nr.target = Some(0);
            }
            self.check_install(now);
        } else {
            let to = c.members[1];
            self.send(Destination::Node(to), &Message::Commit(c));
        }
    }

    fn my_entry(&self) -> MemberEntry {
        MemberEntry {
            old_ring: self.ring.ring,
            my_aru: self.ring.my_aru,
            high_delivered: self.ring.delivered,
            high_seq: self.ring.high_seq,
        }
    }

    // ----- Commit and Recovery --------------------------------------------

    /// `message_handler_memb_commit_token`.
    fn on_commit(&mut self, now: Duration, mut c: CommitToken) {
        let Some(me) = c.members.iter().position(|&m| m == self.id) else {
            return;
        };
        if c.entries.len() != c.members.len() || c.members.first() != Some(&c.ring_id.rep) {
            return;
        }
        let filled = c.entries.iter().all(Option::is_some);
        match self.state {
            State::Gather => {
                if c.entries[me].is_some()
                    || c.members != self.live()
                    || c.ring_id.seq <= self.ring.ring.seq
                {
                    return;
                }
                self.ring_seq_known = self.ring_seq_known.max(c.ring_id.seq);
                c.entries[me] = Some(self.my_entry());
                self.enter_commit(now, c.clone());
                let to = c.members[(me + 1) % c.members.len()];
                self.send(Destination::Node(to), &Message::Commit(c));
            }
            State::Commit => {
                let pending = self.next.as_ref().map(|nr| nr.commit.ring_id);
                let ours = pending == Some(c.ring_id);
                if !ours
                    && pending.is_some_and(|p| c.ring_id.seq > p.seq)
                    && c.entries[me].is_none()
                    && c.members == self.live()
                {
                    // A newer attempt for the same membership: ours was lost
                    // (nothing of it was installed), join this one.
                    self.ring_seq_known = self.ring_seq_known.max(c.ring_id.seq);
                    c.entries[me] = Some(self.my_entry());
                    self.enter_commit(now, c.clone());
                    let to = c.members[(me + 1) % c.members.len()];
                    self.send(Destination::Node(to), &Message::Commit(c));
                } else if ours && filled {
                    self.enter_recovery(now, c.clone());
                    let to = c.members[(me + 1) % c.members.len()];
                    self.send(Destination::Node(to), &Message::Commit(c));
                }
            }
            State::Recovery => {
                if me == 0
                    && filled
                    && let Some(nr) = self.next.as_mut()
                    && nr.commit.ring_id == c.ring_id
                    && !nr.originated
                {
                    // The commit token went round twice: start the token.
                    nr.originated = true;
                    self.tok.last_token_seq = Some(0);
                    self.timers.token_loss = Some(now + self.token_timeout);
                    let t = Token {
                        ring_id: c.ring_id,
                        token_seq: 0,
                        seq: 0,
                        aru: 0,
                        aru_id: None,
                        fcc: 0,
                        backlog: 0,
                        rec_pending: 0,
                        rtr: Vec::new(),
                    };
                    self.process_token(now, t);
                }
            }
            State::Operational => {}
        }
    }

    /// `memb_state_commit_enter`.
    fn enter_commit(&mut self, now: Duration, c: CommitToken) {
        self.out.push_back(Output::PersistRingSeq(c.ring_id.seq));
        self.state = State::Commit;
        self.timers = Timers::default();
        self.timers.token_loss = Some(now + self.token_timeout);
        self.next = Some(NewRing {
            log: RingLog::new(c.ring_id, c.members.clone()),
            commit: c,
            originated: false,
            retrans: VecDeque::new(),
            high_ring: 0,
            target: None,
            transitional: Vec::new(),
        });
    }

    /// `memb_state_recovery_enter`: work out which old-ring messages the
    /// members from our old ring may lack, and queue ours for retransmission.
    fn enter_recovery(&mut self, now: Duration, c: CommitToken) {
        let old = self.ring.ring;
        let mut low = u64::MAX;
        let mut high = 0;
        let mut transitional = Vec::new();
        for (m, e) in c.members.iter().zip(&c.entries) {
            if let Some(e) = e
                && e.old_ring == old
            {
                transitional.push(*m);
                low = low.min(e.my_aru);
                high = high.max(e.high_seq);
            }
        }
        let retrans = if low < high {
            self.ring
                .msgs
                .range(low + 1..=high)
                .map(|(_, m)| m.clone())
                .collect()
        } else {
            VecDeque::new()
        };
        self.state = State::Recovery;
        self.tok = TokenState::default();
        self.timers = Timers::default();
        self.timers.token_loss = Some(now + self.token_timeout);
        if let Some(nr) = self.next.as_mut() {
            nr.commit = c;
            nr.retrans = retrans;
            nr.high_ring = high;
            nr.transitional = transitional;
        }
    }

    /// Installs the new ring once we hold every old-ring message any member
    /// from our old ring held.
    fn check_install(&mut self, now: Duration) {
        let ready = self.state == State::Recovery
            && self
                .next
                .as_ref()
                .is_some_and(|nr| nr.target.is_some_and(|t| nr.log.my_aru >= t));
        if !ready {
            return;
        }
        let Some(nr) = self.next.take() else { return };
        // Deliver the old ring's remaining messages (the transitional
        // configuration's), skipping those no survivor holds.
        let old_msgs: Vec<(u64, Mcast)> = if nr.high_ring > self.ring.delivered {
            self.ring
                .msgs
                .range(self.ring.delivered + 1..=nr.high_ring)
                .map(|(s, m)| (*s, m.clone()))
                .collect()
        } else {
            Vec::new()
        };
        for (seq, m) in old_msgs {
            if let McastBody::Regular(f) = m.body {
                self.deliver_fragment(m.sender, m.ring_id, seq, f);
            }
        }
        self.assembly.clear();
        let old_members: Vec<NodeId> = if self.installed {
            self.ring.members.clone()
        } else {
            Vec::new()
        };
        let members = nr.log.members.clone();
        let joined = members
            .iter()
            .filter(|m| !old_members.contains(m))
            .copied()
            .collect();
        let left = old_members
            .iter()
            .filter(|m| !members.contains(m))
            .copied()
            .collect();
        self.out
            .push_back(Output::ConfigurationChange(ConfigurationChange {
                ring_id: nr.log.ring,
                members: members.clone(),
                joined,
                left,
                transitional: nr.transitional,
            }));
        self.ring = nr.log;
        self.installed = true;
        self.state = State::Operational;
        self.proc_set = members.iter().copied().collect();
        self.fail_set.clear();
        self.consensus.clear();
        if self.ring.ring.rep == self.id {
            self.timers.merge = Some(now + Duration::from_millis(u64::from(self.config.merge)));
        }
        if members.len() == 1 {
            self.timers.token_loss = None;
            self.timers.token_retransmit = None;
            self.solo_send();
        } else {
            self.deliver();
        }
    }
}
