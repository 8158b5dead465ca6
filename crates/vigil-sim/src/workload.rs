//! Application messages: each payload names its sender, the sender's
//! incarnation and a counter, followed by filler derived from them, so a
//! delivered payload can be checked byte for byte.

/// Identifies one application message of the whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MsgKey {
    pub sender: u32,
    pub incarnation: u32,
    pub counter: u64,
}

pub struct Payload;

const HEADER: usize = 20;

fn filler(k: &MsgKey, i: usize) -> u8 {
    (k.counter as usize ^ (k.sender as usize * 31) ^ i.wrapping_mul(7)) as u8
}

impl Payload {
    pub fn build(k: MsgKey, len: usize) -> Vec<u8> {
        let len = len.max(HEADER);
        let mut v = Vec::with_capacity(len);
        v.extend_from_slice(&k.sender.to_le_bytes());
        v.extend_from_slice(&k.incarnation.to_le_bytes());
        v.extend_from_slice(&k.counter.to_le_bytes());
        v.extend_from_slice(&(len as u32).to_le_bytes());
        for i in HEADER..len {
            v.push(filler(&k, i));
        }
        v
    }

    /// The key of an intact payload, `None` if anything is off.
    pub fn parse(b: &[u8]) -> Option<MsgKey> {
        if b.len() < HEADER {
            return None;
        }
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut c = [0u8; 8];
        c.copy_from_slice(&b[8..16]);
        let k = MsgKey {
            sender: u32_at(0),
            incarnation: u32_at(4),
            counter: u64::from_le_bytes(c),
        };
        let intact = u32_at(16) as usize == b.len()
            && b[HEADER..]
                .iter()
                .enumerate()
                .all(|(i, &x)| x == filler(&k, i + HEADER));
        intact.then_some(k)
    }
}
