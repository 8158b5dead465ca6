//! Vigil's shared vocabulary and its node-to-node packet framing.
//!
//! Every datagram one `vigild` sends another is a *sealed packet*: an
//! opaque payload (Totem's message bytes, for instance) inside a versioned
//! header, encrypted and authenticated with a key derived from the cluster's
//! key file and its name. This crate does no network I/O, reads no clock and
//! starts no thread; the only I/O is reading and writing the key file
//! ([`ClusterKey::load`], [`ClusterKey::write_new`]).
//!
//! # Shared vocabulary
//! - [`NodeId`]: a node's id as in corosync.conf's `nodelist { node { nodeid } }`
//!   (never 0 on the wire).
//! - [`Incarnation`]: which boot of a node sent a packet; must grow from one
//!   start of a node to the next (see below).
//!
//! # The key
//! [`ClusterKey`] is the shared secret every node holds, written by
//! `vigil keygen` like `corosync-keygen` writes `/etc/corosync/authkey`:
//! [`KEY_DEFAULT_BYTES`] random bytes (at least [`KEY_MIN_BYTES`]) in a file
//! of mode 0400, by default [`DEFAULT_KEY_PATH`]. The packet key is derived
//! from it with HKDF-SHA256, salted with the cluster name, so two clusters
//! sharing a key file still cannot read each other's traffic.
//!
//! # Packets
//! A [`Sealer`] belongs to one sender (node id and incarnation) and frames
//! payloads; an [`Opener`] receives from every node of the cluster:
//!
//! ```
//! use vigil_wire::{ClusterKey, Incarnation, NodeId, Opener, Sealer};
//!
//! let key = ClusterKey::from_bytes(vec![7; 256]).unwrap();
//! let mut sealer = Sealer::new(&key, "mycluster", NodeId(1), Incarnation(1));
//! let mut opener = Opener::new(&key, "mycluster");
//!
//! let packet = sealer.seal(b"hello").unwrap();
//! let opened = opener.open(&packet).unwrap();
//! assert_eq!((opened.sender, &opened.payload[..]), (NodeId(1), &b"hello"[..]));
//! // The same packet again is a replay.
//! assert!(opener.open(&packet).is_err());
//! assert_eq!(opener.counts().duplicate, 1);
//! ```
//!
//! Layout of version 1 (integers big-endian), [`HEADER_LEN`] bytes of
//! header, then the payload encrypted with XChaCha20-Poly1305 and its
//! [`TAG_LEN`]-byte tag; the whole header is authenticated as associated
//! data:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | version ([`VERSION`]) |
//! | 1 | 8 | cluster tag: the first 8 bytes of SHA-256 over the cluster name |
//! | 9 | 4 | sender node id |
//! | 13 | 8 | sender incarnation |
//! | 21 | 8 | sequence number, 1 for the first packet of an incarnation |
//! | 29 | n | ciphertext of the payload |
//! | 29+n | 16 | Poly1305 tag |
//!
//! The 24-byte nonce is incarnation ‖ sender ‖ sequence ‖ four zero bytes:
//! unique per packet as long as a node never reuses an incarnation, which is
//! why a restarted node must pick a larger one.
//!
//! # Rejections
//! [`Opener::open`] never panics. It rejects (and counts, see
//! [`RejectionCounts`]) a packet that is too short, has an unknown version,
//! belongs to another cluster, has a zero sender or sequence, fails
//! authentication, or is a replay: a sequence number already accepted, one
//! older than the [`REPLAY_WINDOW`] packets behind the newest accepted, or
//! one from an incarnation older than the newest seen from that sender.
//! Packets within the window may arrive in any order. A packet from a
//! *newer* incarnation (the sender restarted) resets that sender's window,
//! but only once it has passed authentication.
//!
//! # Incarnations
//! A restarted node's sequence numbers start again at 1, so receivers must
//! tell the new boot from a replay of the old one. Each start of a node
//! uses an [`Incarnation`] larger than any before: `vigild` takes the wall
//! clock in nanoseconds since the Unix epoch at startup (the same device
//! WireGuard uses for its handshake timestamps); the simulator can count.
//! Should a node's clock step backwards across a reboot, its peers reject
//! its packets as [`Rejection::StaleIncarnation`] until they
//! [`Opener::forget`] it (for example when it is removed from the cluster)
//! or restart.

mod key;
mod packet;
mod replay;

pub use key::{
    ClusterKey, DEFAULT_KEY_PATH, KEY_DEFAULT_BYTES, KEY_MAX_BYTES, KEY_MIN_BYTES, KeyError,
};
pub use packet::{
    HEADER_LEN, Opened, Opener, Rejection, RejectionCounts, Sealer, SequenceExhausted, TAG_LEN,
    VERSION, cluster_tag,
};
pub use replay::REPLAY_WINDOW;

use std::fmt;

/// A node's id, as `nodeid` in corosync.conf's nodelist. Valid ids are
/// 1..=u32::MAX; 0 means "no node" and is rejected on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which start ("boot") of a node sent a packet. Every start of a node must
/// use a larger value than the one before (see the crate docs): receivers
/// drop packets from older incarnations as replays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Incarnation(pub u64);

impl fmt::Display for Incarnation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
