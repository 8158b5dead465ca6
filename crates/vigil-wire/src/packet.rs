//! Sealing and opening packets: the version 1 header, XChaCha20-Poly1305,
//! and replay protection per sender.

use std::collections::BTreeMap;

use chacha20poly1305::aead::AeadInPlace;
use chacha20poly1305::{KeyInit, Tag, XChaCha20Poly1305, XNonce};
use sha2::Digest;

use crate::replay::{ReplayWindow, Verdict};
use crate::{ClusterKey, Incarnation, NodeId};

/// The header version this crate writes and the only one it reads.
pub const VERSION: u8 = 1;
/// Bytes of header before the ciphertext.
pub const HEADER_LEN: usize = 29;
/// Bytes of authentication tag after the ciphertext.
pub const TAG_LEN: usize = 16;

/// HKDF `info` for the packet key of header version 1.
const PACKET_KEY_PURPOSE: &[u8] = b"vigil-wire v1 packet xchacha20poly1305";

const CLUSTER_AT: usize = 1;
const SENDER_AT: usize = 9;
const INCARNATION_AT: usize = 13;
const SEQ_AT: usize = 21;

/// The 8-byte tag naming a cluster in every header: the first 8 bytes of
/// SHA-256 over `"vigil cluster name\0"` and the name. It lets a receiver
/// tell another cluster's traffic (same network, other name) from forged
/// or damaged packets; it is not secret.
pub fn cluster_tag(cluster_name: &str) -> [u8; 8] {
    let digest = sha2::Sha256::new()
        .chain_update(b"vigil cluster name\0")
        .chain_update(cluster_name.as_bytes())
        .finalize();
    let mut tag = [0; 8];
    tag.copy_from_slice(&digest[..8]);
    tag
}

fn packet_cipher(key: &ClusterKey, cluster_name: &str) -> XChaCha20Poly1305 {
    let subkey = key.derive(cluster_name, PACKET_KEY_PURPOSE);
    XChaCha20Poly1305::new(subkey.as_ref().into())
}

fn nonce(header: &[u8; HEADER_LEN]) -> XNonce {
    let mut nonce = [0u8; 24];
    nonce[..8].copy_from_slice(&header[INCARNATION_AT..SEQ_AT]);
    nonce[8..12].copy_from_slice(&header[SENDER_AT..INCARNATION_AT]);
    nonce[12..20].copy_from_slice(&header[SEQ_AT..HEADER_LEN]);
    nonce.into()
}

fn be_u32(bytes: &[u8]) -> u32 {
    let mut buf = [0; 4];
    buf.copy_from_slice(bytes);
    u32::from_be_bytes(buf)
}

fn be_u64(bytes: &[u8]) -> u64 {
    let mut buf = [0; 8];
    buf.copy_from_slice(bytes);
    u64::from_be_bytes(buf)
}

/// Frames the payloads of one sender: one per node and boot.
pub struct Sealer {
    cipher: XChaCha20Poly1305,
    /// The header with everything but the sequence number filled in.
    header: [u8; HEADER_LEN],
    sender: NodeId,
    incarnation: Incarnation,
    next_seq: u64,
}

/// A sealer has used every sequence number (2^64 - 1 packets): it must not
/// seal again, since that would reuse a nonce. Start a new incarnation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("every sequence number of this incarnation is used; start a new incarnation")]
pub struct SequenceExhausted;

impl Sealer {
    /// A sealer for packets from `sender` in its boot `incarnation`, which
    /// must be larger than that of any earlier boot of the node. The first
    /// packet gets sequence number 1.
    pub fn new(
        key: &ClusterKey,
        cluster_name: &str,
        sender: NodeId,
        incarnation: Incarnation,
    ) -> Sealer {
        let mut header = [0u8; HEADER_LEN];
        header[0] = VERSION;
        header[CLUSTER_AT..SENDER_AT].copy_from_slice(&cluster_tag(cluster_name));
        header[SENDER_AT..INCARNATION_AT].copy_from_slice(&sender.0.to_be_bytes());
        header[INCARNATION_AT..SEQ_AT].copy_from_slice(&incarnation.0.to_be_bytes());
        Sealer {
            cipher: packet_cipher(key, cluster_name),
            header,
            sender,
            incarnation,
            next_seq: 1,
        }
    }

    /// Seals `payload` into a new packet.
    pub fn seal(&mut self, payload: &[u8]) -> Result<Vec<u8>, SequenceExhausted> {
        let mut packet = Vec::with_capacity(HEADER_LEN + payload.len() + TAG_LEN);
        self.seal_into(payload, &mut packet)?;
        Ok(packet)
    }

    /// Seals `payload` into `packet`, replacing what it held (so one buffer
    /// can serve every send).
    pub fn seal_into(
        &mut self,
        payload: &[u8],
        packet: &mut Vec<u8>,
    ) -> Result<(), SequenceExhausted> {
        let seq = self.next_seq;
        if seq == u64::MAX {
            return Err(SequenceExhausted);
        }
        self.next_seq += 1;
        let mut header = self.header;
        header[SEQ_AT..].copy_from_slice(&seq.to_be_bytes());
        packet.clear();
        packet.reserve(HEADER_LEN + payload.len() + TAG_LEN);
        packet.extend_from_slice(&header);
        packet.extend_from_slice(payload);
        let tag = self
            .cipher
            .encrypt_in_place_detached(&nonce(&header), &header, &mut packet[HEADER_LEN..])
            // Only fails for payloads beyond XChaCha20's 256 GiB limit.
            .unwrap_or_else(|_| panic!("payload of {} bytes is too long to seal", payload.len()));
        packet.extend_from_slice(&tag);
        Ok(())
    }

    /// The node this sealer speaks for.
    pub fn sender(&self) -> NodeId {
        self.sender
    }

    /// The boot this sealer belongs to.
    pub fn incarnation(&self) -> Incarnation {
        self.incarnation
    }

    /// The sequence number the next packet will carry.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }
}

/// An accepted packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    pub sender: NodeId,
    pub incarnation: Incarnation,
    pub seq: u64,
    pub payload: Vec<u8>,
}

/// Why [`Opener::open`] dropped a packet. Each reason has a counter in
/// [`RejectionCounts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Shorter than a header and a tag: not a Vigil packet.
    #[error("packet of {len} bytes is shorter than the smallest packet ({} bytes)", HEADER_LEN + TAG_LEN)]
    Truncated { len: usize },
    /// A header version this build does not know.
    #[error("unknown packet version {version} (this node speaks version {VERSION})")]
    UnknownVersion { version: u8 },
    /// The cluster tag names another cluster.
    #[error("packet from another cluster (cluster tag {tag:02x?})")]
    OtherCluster { tag: [u8; 8] },
    /// Sender 0 or sequence number 0, which no sealer writes.
    #[error("invalid header (sender {sender}, sequence {seq})")]
    InvalidHeader { sender: u32, seq: u64 },
    /// Authentication failed: damaged, forged, or sealed with another key.
    #[error("authentication failed (damaged packet, or another cluster key) from node {sender}")]
    BadTag { sender: NodeId },
    /// A sequence number already accepted from this sender's incarnation.
    #[error("replayed packet: node {sender} sequence {seq} was already received")]
    Duplicate { sender: NodeId, seq: u64 },
    /// A sequence number older than the replay window.
    #[error("packet too old: node {sender} sequence {seq} is behind the replay window")]
    TooOld { sender: NodeId, seq: u64 },
    /// From an incarnation older than the newest seen from this sender.
    #[error("packet from an earlier boot of node {sender} (incarnation {incarnation} < {newest})")]
    StaleIncarnation {
        sender: NodeId,
        incarnation: Incarnation,
        newest: Incarnation,
    },
}

impl Rejection {
    /// A short stable name for logs and metrics (`bad_tag`, `duplicate`, ...),
    /// the same as the counter's field name.
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::Truncated { .. } => "truncated",
            Rejection::UnknownVersion { .. } => "unknown_version",
            Rejection::OtherCluster { .. } => "other_cluster",
            Rejection::InvalidHeader { .. } => "invalid_header",
            Rejection::BadTag { .. } => "bad_tag",
            Rejection::Duplicate { .. } => "duplicate",
            Rejection::TooOld { .. } => "too_old",
            Rejection::StaleIncarnation { .. } => "stale_incarnation",
        }
    }
}

/// How many packets an [`Opener`] accepted, and how many it rejected for
/// each reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RejectionCounts {
    pub accepted: u64,
    pub truncated: u64,
    pub unknown_version: u64,
    pub other_cluster: u64,
    pub invalid_header: u64,
    pub bad_tag: u64,
    pub duplicate: u64,
    pub too_old: u64,
    pub stale_incarnation: u64,
}

impl RejectionCounts {
    /// Every rejection counter with its reason name, in a fixed order.
    pub fn rejections(&self) -> [(&'static str, u64); 8] {
        [
            ("truncated", self.truncated),
            ("unknown_version", self.unknown_version),
            ("other_cluster", self.other_cluster),
            ("invalid_header", self.invalid_header),
            ("bad_tag", self.bad_tag),
            ("duplicate", self.duplicate),
            ("too_old", self.too_old),
            ("stale_incarnation", self.stale_incarnation),
        ]
    }

    /// All rejected packets.
    pub fn rejected(&self) -> u64 {
        self.rejections().iter().map(|(_, n)| n).sum()
    }

    fn count(&mut self, rejection: &Rejection) {
        let counter = match rejection {
            Rejection::Truncated { .. } => &mut self.truncated,
            Rejection::UnknownVersion { .. } => &mut self.unknown_version,
            Rejection::OtherCluster { .. } => &mut self.other_cluster,
            Rejection::InvalidHeader { .. } => &mut self.invalid_header,
            Rejection::BadTag { .. } => &mut self.bad_tag,
            Rejection::Duplicate { .. } => &mut self.duplicate,
            Rejection::TooOld { .. } => &mut self.too_old,
            Rejection::StaleIncarnation { .. } => &mut self.stale_incarnation,
        };
        *counter += 1;
    }
}

/// What an opener remembers of one sender: its newest incarnation and the
/// window of sequence numbers accepted from it.
struct SenderState {
    incarnation: Incarnation,
    window: ReplayWindow,
}

/// Opens the packets of one cluster, from any sender, keeping a replay
/// window per sender and counting what it rejects.
pub struct Opener {
    cipher: XChaCha20Poly1305,
    cluster: [u8; 8],
    senders: BTreeMap<NodeId, SenderState>,
    counts: RejectionCounts,
}

/// A header that passed the checks that need no key.
struct Header {
    bytes: [u8; HEADER_LEN],
    sender: NodeId,
    incarnation: Incarnation,
    seq: u64,
}

impl Opener {
    /// An opener for the cluster called `cluster_name` under `key`.
    pub fn new(key: &ClusterKey, cluster_name: &str) -> Opener {
        Opener {
            cipher: packet_cipher(key, cluster_name),
            cluster: cluster_tag(cluster_name),
            senders: BTreeMap::new(),
            counts: RejectionCounts::default(),
        }
    }

    /// Checks, decrypts and authenticates one packet. Nothing is
    /// remembered from a packet that fails authentication, so forged
    /// packets cannot move a replay window.
    pub fn open(&mut self, packet: &[u8]) -> Result<Opened, Rejection> {
        let opened = self.try_open(packet);
        match &opened {
            Ok(_) => self.counts.accepted += 1,
            Err(rejection) => self.counts.count(rejection),
        }
        opened
    }

    /// The counters so far.
    pub fn counts(&self) -> &RejectionCounts {
        &self.counts
    }

    /// Forgets what was seen from `sender`: its next packet, of any
    /// incarnation, starts a new window. For a node removed from the
    /// cluster, or one whose clock stepped back across a reboot.
    pub fn forget(&mut self, sender: NodeId) {
        self.senders.remove(&sender);
    }

    /// The newest incarnation accepted from `sender`, if any.
    pub fn incarnation_of(&self, sender: NodeId) -> Option<Incarnation> {
        self.senders.get(&sender).map(|state| state.incarnation)
    }

    fn try_open(&mut self, packet: &[u8]) -> Result<Opened, Rejection> {
        let header = self.read_header(packet)?;
        self.check_replay(&header)?;
        let body = &packet[HEADER_LEN..];
        let (ciphertext, tag) = body.split_at(body.len() - TAG_LEN);
        let mut payload = ciphertext.to_vec();
        self.cipher
            .decrypt_in_place_detached(
                &nonce(&header.bytes),
                &header.bytes,
                &mut payload,
                Tag::from_slice(tag),
            )
            .map_err(|_| Rejection::BadTag {
                sender: header.sender,
            })?;
        let state = self
            .senders
            .entry(header.sender)
            .or_insert_with(|| SenderState {
                incarnation: header.incarnation,
                window: ReplayWindow::new(),
            });
        if header.incarnation > state.incarnation {
            // The sender restarted: its numbering starts again.
            state.incarnation = header.incarnation;
            state.window = ReplayWindow::new();
        }
        state.window.accept(header.seq);
        Ok(Opened {
            sender: header.sender,
            incarnation: header.incarnation,
            seq: header.seq,
            payload,
        })
    }

    /// The checks that need no key: length, version, cluster, ids.
    fn read_header(&self, packet: &[u8]) -> Result<Header, Rejection> {
        if packet.len() < HEADER_LEN + TAG_LEN {
            // A packet of another version may be shorter: say so if we can.
            if let Some(&version) = packet.first()
                && version != VERSION
            {
                return Err(Rejection::UnknownVersion { version });
            }
            return Err(Rejection::Truncated { len: packet.len() });
        }
        let mut bytes = [0u8; HEADER_LEN];
        bytes.copy_from_slice(&packet[..HEADER_LEN]);
        if bytes[0] != VERSION {
            return Err(Rejection::UnknownVersion { version: bytes[0] });
        }
        if bytes[CLUSTER_AT..SENDER_AT] != self.cluster {
            let mut tag = [0; 8];
            tag.copy_from_slice(&bytes[CLUSTER_AT..SENDER_AT]);
            return Err(Rejection::OtherCluster { tag });
        }
        let sender = be_u32(&bytes[SENDER_AT..INCARNATION_AT]);
        let seq = be_u64(&bytes[SEQ_AT..]);
        if sender == 0 || seq == 0 {
            return Err(Rejection::InvalidHeader { sender, seq });
        }
        Ok(Header {
            sender: NodeId(sender),
            incarnation: Incarnation(be_u64(&bytes[INCARNATION_AT..SEQ_AT])),
            seq,
            bytes,
        })
    }

    /// Rejects what this sender's window already rules out, before spending
    /// the work of decryption on it.
    fn check_replay(&self, header: &Header) -> Result<(), Rejection> {
        let Some(state) = self.senders.get(&header.sender) else {
            return Ok(());
        };
        let (sender, seq) = (header.sender, header.seq);
        if header.incarnation < state.incarnation {
            return Err(Rejection::StaleIncarnation {
                sender,
                incarnation: header.incarnation,
                newest: state.incarnation,
            });
        }
        if header.incarnation > state.incarnation {
            return Ok(());
        }
        match state.window.check(seq) {
            Verdict::Fresh => Ok(()),
            Verdict::Duplicate => Err(Rejection::Duplicate { sender, seq }),
            Verdict::TooOld => Err(Rejection::TooOld { sender, seq }),
        }
    }
}
