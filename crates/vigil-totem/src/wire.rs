//! The byte codec for Totem's protocol messages.
//!
//! `encode` never fails; `decode` rejects anything malformed (bad magic,
//! unknown version or type, truncation, trailing bytes, impossible counts)
//! with a [`DecodeError`] and never panics. All integers are little endian.
//! The daemon authenticates and encrypts these bytes (vigil-wire); this
//! codec only frames them.

use crate::{Guarantee, NodeId, RingId};

/// First two bytes of every Totem packet.
pub const MAGIC: [u8; 2] = *b"VT";
/// Codec version; a peer speaking another version is rejected.
pub const VERSION: u8 = 1;
/// Upper bound on processors named in one message (corosync's
/// `PROCESSOR_COUNT_MAX` is 384).
pub const MAX_PROCESSORS: usize = 384;
/// Upper bound on the retransmit request list carried by a token.
pub const MAX_RTR: usize = 256;

/// One Totem protocol message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A message multicast by the token holder (`message_handler_mcast`).
    Mcast(Mcast),
    /// The regular (ORF) token (`message_handler_orf_token`).
    Token(Token),
    /// A join message of the Gather state (`message_handler_memb_join`).
    Join(Join),
    /// The commit token of the Commit state
    /// (`message_handler_memb_commit_token`).
    Commit(CommitToken),
    /// A representative's probe for other rings
    /// (`message_handler_memb_merge_detect`).
    MergeDetect(MergeDetect),
    /// Asks the representative to release a held token
    /// (`message_handler_token_hold_cancel`).
    HoldCancel(MergeDetect),
}

/// A sequenced message of one ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mcast {
    pub ring_id: RingId,
    pub seq: u64,
    pub sender: NodeId,
    pub body: McastBody,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum McastBody {
    /// A fragment of an application message.
    Regular(Fragment),
    /// An old ring's message retransmitted during Recovery; the inner
    /// message's body is always `Regular`.
    Recovered(Box<Mcast>),
}

/// A piece of an application message: message `msg_no` of its sender,
/// fragment `index` of `count`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment {
    pub guarantee: Guarantee,
    pub msg_no: u64,
    pub index: u16,
    pub count: u16,
    pub data: Vec<u8>,
}

/// The regular token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub ring_id: RingId,
    /// Raised at every hop, so a retransmitted token is recognised.
    pub token_seq: u64,
    /// Highest sequence number assigned on this ring.
    pub seq: u64,
    /// All-received-up-to of the ring, as far as known.
    pub aru: u64,
    /// The processor that last lowered `aru`.
    pub aru_id: Option<NodeId>,
    /// Messages sent during the last rotation (flow control).
    pub fcc: u32,
    /// Messages waiting to be sent, summed over processors.
    pub backlog: u32,
    /// Processors that still had old-ring messages to retransmit at their
    /// last visit (Recovery).
    pub rec_pending: u32,
    /// Retransmit request list.
    pub rtr: Vec<u64>,
}

/// A join message: the sender's view of who is there and who failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Join {
    pub sender: NodeId,
    /// Highest ring sequence number the sender knows.
    pub ring_seq: u64,
    /// Sorted, without duplicates.
    pub proc_set: Vec<NodeId>,
    /// Sorted, without duplicates.
    pub fail_set: Vec<NodeId>,
}

/// The commit token that circulates twice around a new ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitToken {
    pub ring_id: RingId,
    /// Sorted; the first is the representative.
    pub members: Vec<NodeId>,
    /// One per member, filled on the first rotation.
    pub entries: Vec<Option<MemberEntry>>,
}

/// What a member of a new ring brings from its old ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberEntry {
    pub old_ring: RingId,
    pub my_aru: u64,
    pub high_delivered: u64,
    pub high_seq: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeDetect {
    pub sender: NodeId,
    pub ring_id: RingId,
}

/// Why bytes are not a Totem message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("packet truncated: needed {needed} more bytes at offset {at}")]
    Truncated { at: usize, needed: usize },
    #[error("not a Totem packet (bad magic)")]
    BadMagic,
    #[error("Totem codec version {0} is not supported (this node speaks {VERSION})")]
    Version(u8),
    #[error("unknown message type {0}")]
    UnknownType(u8),
    #[error("{0} trailing bytes after the message")]
    Trailing(usize),
    #[error("invalid field: {0}")]
    Invalid(&'static str),
}

const T_MCAST: u8 = 1;
const T_TOKEN: u8 = 2;
const T_JOIN: u8 = 3;
const T_COMMIT: u8 = 4;
const T_MERGE: u8 = 5;
const T_HOLD_CANCEL: u8 = 6;
const B_REGULAR: u8 = 0;
const B_RECOVERED: u8 = 1;

/// Encodes a message.
pub fn encode(msg: &Message) -> Vec<u8> {
    let mut w = Vec::with_capacity(64);
    w.extend_from_slice(&MAGIC);
    w.push(VERSION);
    match msg {
        Message::Mcast(m) => {
            w.push(T_MCAST);
            put_mcast(&mut w, m);
        }
        Message::Token(t) => {
            w.push(T_TOKEN);
            put_ring(&mut w, t.ring_id);
            put_u64(&mut w, t.token_seq);
            put_u64(&mut w, t.seq);
            put_u64(&mut w, t.aru);
            put_u32(
                &mut w,
                t.aru_id.map_or(0, |id| id.checked_add(1).unwrap_or(0)),
            );
            put_u32(&mut w, t.fcc);
            put_u32(&mut w, t.backlog);
            put_u32(&mut w, t.rec_pending);
            put_u32(&mut w, t.rtr.len() as u32);
            for s in &t.rtr {
                put_u64(&mut w, *s);
            }
        }
        Message::Join(j) => {
            w.push(T_JOIN);
            put_u32(&mut w, j.sender);
            put_u64(&mut w, j.ring_seq);
            put_ids(&mut w, &j.proc_set);
            put_ids(&mut w, &j.fail_set);
        }
        Message::Commit(c) => {
            w.push(T_COMMIT);
            put_ring(&mut w, c.ring_id);
            put_ids(&mut w, &c.members);
            for e in &c.entries {
                match e {
                    None => w.push(0),
                    Some(e) => {
                        w.push(1);
                        put_ring(&mut w, e.old_ring);
                        put_u64(&mut w, e.my_aru);
                        put_u64(&mut w, e.high_delivered);
                        put_u64(&mut w, e.high_seq);
                    }
                }
            }
        }
        Message::MergeDetect(m) | Message::HoldCancel(m) => {
            w.push(if matches!(msg, Message::MergeDetect(_)) {
                T_MERGE
            } else {
                T_HOLD_CANCEL
            });
            put_u32(&mut w, m.sender);
            put_ring(&mut w, m.ring_id);
        }
    }
    w
}

/// Decodes a message; every malformed input is an error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
    let mut r = Reader { b: bytes, at: 0 };
    if r.take(2)? != MAGIC {
        return Err(DecodeError::BadMagic);
    }
    let version = r.u8()?;
    if version != VERSION {
        return Err(DecodeError::Version(version));
    }
    let msg = match r.u8()? {
        T_MCAST => Message::Mcast(r.mcast(true)?),
        T_TOKEN => {
            let ring_id = r.ring()?;
            let token_seq = r.u64()?;
            let seq = r.u64()?;
            let aru = r.u64()?;
            let aru_id = r.u32()?.checked_sub(1);
            let fcc = r.u32()?;
            let backlog = r.u32()?;
            let rec_pending = r.u32()?;
            let n = r.count(MAX_RTR, 8)?;
            let mut rtr = Vec::with_capacity(n);
            for _ in 0..n {
                rtr.push(r.u64()?);
            }
            if aru > seq {
                return Err(DecodeError::Invalid("token aru above seq"));
            }
            Message::Token(Token {
                ring_id,
                token_seq,
                seq,
                aru,
                aru_id,
                fcc,
                backlog,
                rec_pending,
                rtr,
            })
        }
        T_JOIN => Message::Join(Join {
            sender: r.u32()?,
            ring_seq: r.u64()?,
            proc_set: r.ids()?,
            fail_set: r.ids()?,
        }),
        T_COMMIT => {
            let ring_id = r.ring()?;
            let members = r.ids()?;
            if members.is_empty() {
                return Err(DecodeError::Invalid("commit token without members"));
            }
            if members[0] != ring_id.rep {
                return Err(DecodeError::Invalid(
                    "commit token's first member is not its representative",
                ));
            }
            let mut entries = Vec::with_capacity(members.len());
            for _ in 0..members.len() {
                entries.push(match r.u8()? {
                    0 => None,
                    1 => Some(MemberEntry {
                        old_ring: r.ring()?,
                        my_aru: r.u64()?,
                        high_delivered: r.u64()?,
                        high_seq: r.u64()?,
                    }),
                    _ => return Err(DecodeError::Invalid("commit entry flag")),
                });
            }
            Message::Commit(CommitToken {
                ring_id,
                members,
                entries,
            })
        }
        T_MERGE => Message::MergeDetect(MergeDetect {
            sender: r.u32()?,
            ring_id: r.ring()?,
        }),
        T_HOLD_CANCEL => Message::HoldCancel(MergeDetect {
            sender: r.u32()?,
            ring_id: r.ring()?,
        }),
        t => return Err(DecodeError::UnknownType(t)),
    };
    if r.at != bytes.len() {
        return Err(DecodeError::Trailing(bytes.len() - r.at));
    }
    Ok(msg)
}

fn put_u16(w: &mut Vec<u8>, v: u16) {
    w.extend_from_slice(&v.to_le_bytes());
}
fn put_u32(w: &mut Vec<u8>, v: u32) {
    w.extend_from_slice(&v.to_le_bytes());
}
fn put_u64(w: &mut Vec<u8>, v: u64) {
    w.extend_from_slice(&v.to_le_bytes());
}
fn put_ring(w: &mut Vec<u8>, r: RingId) {
    put_u32(w, r.rep);
    put_u64(w, r.seq);
}
fn put_ids(w: &mut Vec<u8>, ids: &[NodeId]) {
    put_u16(w, ids.len() as u16);
    for id in ids {
        put_u32(w, *id);
    }
}
fn put_mcast(w: &mut Vec<u8>, m: &Mcast) {
    put_ring(w, m.ring_id);
    put_u64(w, m.seq);
    put_u32(w, m.sender);
    match &m.body {
        McastBody::Regular(f) => {
            w.push(B_REGULAR);
            w.push(match f.guarantee {
                Guarantee::Agreed => 0,
                Guarantee::Safe => 1,
            });
            put_u64(w, f.msg_no);
            put_u16(w, f.index);
            put_u16(w, f.count);
            put_u32(w, f.data.len() as u32);
            w.extend_from_slice(&f.data);
        }
        McastBody::Recovered(inner) => {
            w.push(B_RECOVERED);
            put_mcast(w, inner);
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let rest = self.b.len() - self.at;
        if rest < n {
            return Err(DecodeError::Truncated {
                at: self.at,
                needed: n - rest,
            });
        }
        let s = &self.b[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        let mut a = [0; 2];
        a.copy_from_slice(self.take(2)?);
        Ok(u16::from_le_bytes(a))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let mut a = [0; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(a))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        let mut a = [0; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    fn ring(&mut self) -> Result<RingId, DecodeError> {
        Ok(RingId {
            rep: self.u32()?,
            seq: self.u64()?,
        })
    }
    /// A count of items of `size` bytes each, bounded by `max` and by what
    /// is left in the packet (so garbage cannot ask for a huge allocation).
    fn count(&mut self, max: usize, size: usize) -> Result<usize, DecodeError> {
        // Token retransmit lists carry a 32-bit count, processor lists 16.
        let n = if size == 8 {
            self.u32()? as usize
        } else {
            self.u16()? as usize
        };
        if n > max {
            return Err(DecodeError::Invalid("count too large"));
        }
        if n * size > self.b.len() - self.at {
            return Err(DecodeError::Truncated {
                at: self.at,
                needed: n * size - (self.b.len() - self.at),
            });
        }
        Ok(n)
    }
    /// A sorted list of distinct processor ids.
    fn ids(&mut self) -> Result<Vec<NodeId>, DecodeError> {
        let n = self.count(MAX_PROCESSORS, 4)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let id = self.u32()?;
            if v.last().is_some_and(|&last| last >= id) {
                return Err(DecodeError::Invalid("processor list not sorted"));
            }
            v.push(id);
        }
        Ok(v)
    }
    fn mcast(&mut self, outer: bool) -> Result<Mcast, DecodeError> {
        let ring_id = self.ring()?;
        let seq = self.u64()?;
        let sender = self.u32()?;
        let body = match self.u8()? {
            B_REGULAR => {
                let guarantee = match self.u8()? {
                    0 => Guarantee::Agreed,
                    1 => Guarantee::Safe,
                    _ => return Err(DecodeError::Invalid("guarantee")),
                };
                let msg_no = self.u64()?;
                let index = self.u16()?;
                let count = self.u16()?;
                if count == 0 || index >= count {
                    return Err(DecodeError::Invalid("fragment index"));
                }
                let len = self.u32()? as usize;
                let data = self.take(len)?.to_vec();
                McastBody::Regular(Fragment {
                    guarantee,
                    msg_no,
                    index,
                    count,
                    data,
                })
            }
            B_RECOVERED if outer => McastBody::Recovered(Box::new(self.mcast(false)?)),
            B_RECOVERED => return Err(DecodeError::Invalid("nested recovered message")),
            _ => return Err(DecodeError::Invalid("message body kind")),
        };
        if seq == 0 {
            return Err(DecodeError::Invalid("sequence number 0"));
        }
        Ok(Mcast {
            ring_id,
            seq,
            sender,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(rep: NodeId, seq: u64) -> RingId {
        RingId { rep, seq }
    }

    fn samples() -> Vec<Message> {
        let frag = Fragment {
            guarantee: Guarantee::Safe,
            msg_no: 7,
            index: 1,
            count: 3,
            data: b"hello".to_vec(),
        };
        let inner = Mcast {
            ring_id: ring(1, 4),
            seq: 9,
            sender: 2,
            body: McastBody::Regular(frag.clone()),
        };
        vec![
            Message::Mcast(inner.clone()),
            Message::Mcast(Mcast {
                ring_id: ring(1, 8),
                seq: 1,
                sender: 3,
                body: McastBody::Recovered(Box::new(inner)),
            }),
            Message::Token(Token {
                ring_id: ring(1, 8),
                token_seq: 99,
                seq: 12,
                aru: 10,
                aru_id: Some(0),
                fcc: 3,
                backlog: 4,
                rec_pending: 1,
                rtr: vec![11, 12],
            }),
            Message::Join(Join {
                sender: 3,
                ring_seq: 8,
                proc_set: vec![1, 2, 3],
                fail_set: vec![2],
            }),
            Message::Commit(CommitToken {
                ring_id: ring(1, 12),
                members: vec![1, 3],
                entries: vec![
                    Some(MemberEntry {
                        old_ring: ring(1, 8),
                        my_aru: 3,
                        high_delivered: 2,
                        high_seq: 5,
                    }),
                    None,
                ],
            }),
            Message::MergeDetect(MergeDetect {
                sender: 1,
                ring_id: ring(1, 8),
            }),
            Message::HoldCancel(MergeDetect {
                sender: 2,
                ring_id: ring(1, 8),
            }),
        ]
    }

    #[test]
    fn round_trip() {
        for m in samples() {
            assert_eq!(decode(&encode(&m)).as_ref(), Ok(&m));
        }
    }

    #[test]
    fn every_truncation_and_corruption_is_an_error_not_a_panic() {
        for m in samples() {
            let bytes = encode(&m);
            for cut in 0..bytes.len() {
                assert!(decode(&bytes[..cut]).is_err(), "{m:?} cut at {cut}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert_eq!(decode(&longer), Err(DecodeError::Trailing(1)));
            // Flip every byte in turn: decoding may succeed (a different
            // valid message) but must not panic.
            for i in 0..bytes.len() {
                let mut b = bytes.clone();
                b[i] ^= 0xa5;
                let _ = decode(&b);
            }
        }
        assert_eq!(decode(b"XX\x01\x01"), Err(DecodeError::BadMagic));
        assert_eq!(decode(b"VT\x09\x01"), Err(DecodeError::Version(9)));
        assert_eq!(decode(b"VT\x01\x63"), Err(DecodeError::UnknownType(0x63)));
    }
}
