//! # vigil-totem: the Totem single-ring protocol, sans IO
//!
//! This crate is a fully deterministic implementation of the Totem
//! single-ring ordering and membership protocol (Amir, Moser, Melliar-Smith,
//! Agarwal, Ciarfella, 1995). It contains no networking code, reads no
//! clock, starts no thread and draws no randomness of its own: time comes in
//! as `now`, packets come in as bytes, randomness comes from the seed given
//! to [`Totem::new`]. The daemon (`vigild`) drives it over UDP; the
//! simulator (`vigil-sim`) drives it in virtual time.
//!
//! ## Driving a [`Totem`]
//!
//! ```text
//! let mut totem = Totem::new(my_id, &nodelist, TotemConfig::default(), now, persisted_ring_seq, seed);
//! loop {
//!     while let Some(out) = totem.poll_output() {
//!         match out {
//!             Output::Transmit { to: Destination::Node(n), packet } => send packet to n,
//!             Output::Transmit { to: Destination::All, packet } => send packet to every
//!                 node of the nodelist except this one (unicast UDP, like udpu/knet),
//!             Output::Deliver(d) => hand d.payload to the application (total order),
//!             Output::ConfigurationChange(c) => new membership (quorum, controller),
//!             Output::PersistRingSeq(seq) => store seq durably (fsync) before going on,
//!         }
//!     }
//!     wait until totem.poll_timeout() (a deadline on the same clock as `now`),
//!         a packet arrives, or the application has something to send;
//!     totem.handle(now, Input::Timeout | Input::Packet { from, bytes } | Input::Broadcast { .. })?;
//! }
//! ```
//!
//! * `now` is a monotonic [`std::time::Duration`] since any epoch the driver likes
//!   (`Instant::elapsed` of the daemon's start); it must never go back.
//! * `handle` may be called with [`Input::Timeout`] at any time; it acts on
//!   every deadline that has passed and ignores the rest.
//! * Packets are this crate's own encoding ([`wire::encode`]); the daemon
//!   seals them with vigil-wire's authenticated encryption and passes the
//!   opened bytes and the authenticated sender to `Input::Packet`. A packet
//!   that does not decode is rejected with an [`Error`] and changes nothing.
//! * Outputs must be performed in order: `PersistRingSeq` comes before the
//!   packets that announce that ring.
//!
//! ## What the protocol guarantees (the simulator checks each, every step)
//!
//! * **Total order**: every message is delivered with its ring id and
//!   sequence number; all processors deliver a ring's messages in sequence
//!   order and agree on the message at each sequence number. No message is
//!   delivered twice.
//! * **Membership agreement**: every processor that installs a ring reports
//!   the same members for it.
//! * **Extended virtual synchrony**: processors that move together from one
//!   configuration to the next deliver the same messages in the same order
//!   before the [`ConfigurationChange`] (old-ring messages are exchanged in
//!   Recovery and delivered before the change; `transitional` names the
//!   members that came from this processor's old ring).
//! * **Agreed and safe delivery**: [`Guarantee::Agreed`] messages are
//!   delivered once all earlier ones are; [`Guarantee::Safe`] ones also wait
//!   until the token's `aru` shows, on two consecutive rotations, that every
//!   member has received them. Both share one total order.
//!
//! ## The protocol, where it lives
//!
//! * [`config`]: the corosync.conf `totem` options and their defaults
//!   (`token` 3000 ms + `token_coefficient` 650 per node above two,
//!   `token_retransmits_before_loss_const` 4, `consensus` 1.2 x token,
//!   `join` 50, `merge` 200, `fail_recv_const` 2500,
//!   `seqno_unchanged_const` 30, `max_messages` 17, `window_size` 50,
//!   `send_join` 0, `hold`).
//! * [`wire`]: the messages (mcast, token, join, commit token, merge
//!   detect, hold cancel) and their byte codec.
//! * `srp.rs`: the state machine. Operational: token rotation, only the
//!   token holder multicasts, `seq`/`aru`/`aru_id`/`rtr` on the token,
//!   flow control, delivery, token retransmission and loss. Gather (join
//!   messages with proc and fail sets, consensus), Commit (the commit token
//!   circulates twice around the new ring), Recovery (old-ring messages
//!   retransmitted inside new-ring messages until every survivor holds the
//!   same set, then the configuration change), merge detection.
//!
//! Processor ids are `u32` below `u32::MAX`; the nodelist is fixed for the
//! life of a [`Totem`].

pub mod config;
mod rng;
mod srp;
pub mod wire;

pub use config::TotemConfig;
pub use rng::Rng;
pub use srp::Totem;
pub use wire::DecodeError;

/// A processor (cluster node) id, as `nodeid` in corosync.conf's nodelist.
pub type NodeId = u32;

/// Bytes of each datagram left for the transport's framing, authentication
/// and encryption and for the Totem message header: a fragment of an
/// application message carries at most `netmtu - FRAME_RESERVE` bytes.
pub const FRAME_RESERVE: usize = 160;

/// Largest application message (corosync's limit is 1 MB).
pub const MAX_MESSAGE: usize = 1 << 20;

/// Messages the send queue holds before [`Error::QueueFull`].
pub const MAX_QUEUED: usize = 16 * 1024;

/// A ring's identity: its representative and a sequence number that only
/// grows (persisted through [`Output::PersistRingSeq`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RingId {
    pub rep: NodeId,
    pub seq: u64,
}

impl std::fmt::Display for RingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // corosync prints "rep.seq" in hex, e.g. "(1.15)".
        write!(f, "{:x}.{:x}", self.rep, self.seq)
    }
}

/// Delivery guarantee of an application message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Guarantee {
    /// Delivered once every earlier message of the total order is.
    Agreed,
    /// Delivered once every member is known to have received it.
    Safe,
}

/// The membership state (corosync's `memb_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Operational,
    Gather,
    Commit,
    Recovery,
}

/// Something that happened to the protocol.
#[derive(Debug)]
pub enum Input<'a> {
    /// A datagram from processor `from` (authenticated by the transport).
    Packet { from: NodeId, bytes: &'a [u8] },
    /// A deadline given by [`Totem::poll_timeout`] has passed.
    Timeout,
    /// The application wants `payload` delivered to every member.
    Broadcast {
        payload: Vec<u8>,
        guarantee: Guarantee,
    },
}

/// Where a packet goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    /// One processor.
    Node(NodeId),
    /// Every processor of the nodelist except this one ("multicast").
    All,
}

/// What the protocol asks of its driver, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    Transmit {
        to: Destination,
        packet: Vec<u8>,
    },
    Deliver(Delivery),
    ConfigurationChange(ConfigurationChange),
    /// Store this ring sequence number durably and pass it back to
    /// [`Totem::new`] after a restart (corosync's `ringid` file).
    PersistRingSeq(u64),
}

/// An application message, in total order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub sender: NodeId,
    /// The ring the message was sent in (an old ring for messages delivered
    /// just before a configuration change).
    pub ring_id: RingId,
    /// Its sequence number in that ring (of its last fragment).
    pub seq: u64,
    pub guarantee: Guarantee,
    pub payload: Vec<u8>,
}

/// A new regular configuration, after all of the old one's messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigurationChange {
    pub ring_id: RingId,
    /// Sorted.
    pub members: Vec<NodeId>,
    /// Members not in the previous configuration (sorted).
    pub joined: Vec<NodeId>,
    /// Previous members not in this one (sorted).
    pub left: Vec<NodeId>,
    /// Members that come from this processor's previous ring: the
    /// transitional configuration (sorted).
    pub transitional: Vec<NodeId>,
}

/// Why an input was refused (nothing changed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("packet from node {0}, which is not in the nodelist")]
    UnknownNode(NodeId),
    #[error("packet from node {from} claims to come from node {claimed}")]
    SenderMismatch { from: NodeId, claimed: NodeId },
    #[error("malformed Totem packet: {0}")]
    Decode(#[from] DecodeError),
    #[error("message of {size} bytes exceeds the limit of {MAX_MESSAGE} bytes")]
    TooLarge { size: usize },
    #[error("send queue full ({0} messages waiting)")]
    QueueFull(usize),
}
