//! The packet decoder (`vigil_wire::Opener::open`) against arbitrary bytes
//! and against a model of what must open.
//!
//! The input is a script of operations separated by 0xff bytes; the first
//! byte of each chooses the operation, the rest is its data:
//! - open the data as a raw packet (whatever it is, no panic);
//! - seal the data as one of three senders and open it at once: it must
//!   open, with the same sender and payload;
//! - seal and keep it for later; open a kept packet (reordered): if it
//!   opens, it must be the first time;
//! - replay a packet that opened: it must be rejected;
//! - damage a kept or opened packet at a chosen byte: it must be rejected;
//! - restart a sender (a larger incarnation, sequence back to 1).
//!
//! Every call is counted exactly once in the opener's counters.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use vigil_wire::{ClusterKey, Incarnation, NodeId, Opener, Sealer};

const CLUSTER: &str = "fuzz";

fuzz_target!(|data: &[u8]| {
    let key = ClusterKey::from_bytes((0..128).collect()).expect("valid key");
    let mut opener = Opener::new(&key, CLUSTER);
    let mut incarnations = [1u64; 3];
    let mut sealers: Vec<Sealer> = (0..3)
        .map(|i| Sealer::new(&key, CLUSTER, NodeId(i + 1), Incarnation(1)))
        .collect();
    // Packets sealed and not yet opened, and packets that opened.
    let mut kept: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut opened: Vec<Vec<u8>> = Vec::new();
    let mut seen: HashSet<(NodeId, Incarnation, u64)> = HashSet::new();
    let mut calls = 0u64;

    let mut open = |opener: &mut Opener, packet: &[u8]| {
        calls += 1;
        opener.open(packet)
    };

    for chunk in data.split(|&b| b == 0xff) {
        let Some((&op, rest)) = chunk.split_first() else {
            continue;
        };
        let who = usize::from(op >> 4) % 3;
        match op & 0x0f {
            0..=3 => {
                if let Ok(o) = open(&mut opener, rest) {
                    assert!(
                        seen.insert((o.sender, o.incarnation, o.seq)),
                        "opened twice"
                    );
                }
            }
            4..=6 => {
                let packet = sealers[who].seal(rest).expect("sequence numbers left");
                let o = open(&mut opener, &packet).expect("a fresh packet opens");
                assert_eq!((o.sender, &o.payload[..]), (NodeId(who as u32 + 1), rest));
                assert!(seen.insert((o.sender, o.incarnation, o.seq)));
                opened.push(packet);
            }
            7 | 8 => {
                let packet = sealers[who].seal(rest).expect("sequence numbers left");
                kept.push((packet, rest.to_vec()));
            }
            9 | 10 if !kept.is_empty() => {
                let at = usize::from(rest.first().copied().unwrap_or(0)) % kept.len();
                let (packet, payload) = kept.swap_remove(at);
                if let Ok(o) = open(&mut opener, &packet) {
                    assert_eq!(o.payload, payload);
                    assert!(
                        seen.insert((o.sender, o.incarnation, o.seq)),
                        "opened twice"
                    );
                    opened.push(packet);
                }
            }
            11 if !opened.is_empty() => {
                let at = usize::from(rest.first().copied().unwrap_or(0)) % opened.len();
                let packet = opened[at].clone();
                assert!(open(&mut opener, &packet).is_err(), "a replay opened");
            }
            12 | 13 if rest.len() >= 2 => {
                let i = usize::from(rest[0]);
                let source = if op & 1 == 1 && !kept.is_empty() {
                    &kept[i % kept.len()].0
                } else if !opened.is_empty() {
                    &opened[i % opened.len()]
                } else {
                    continue;
                };
                let mut packet = source.clone();
                let byte = usize::from(rest.get(2).copied().unwrap_or(0)) % packet.len();
                packet[byte] ^= rest[1].max(1);
                assert!(
                    open(&mut opener, &packet).is_err(),
                    "a damaged packet opened"
                );
            }
            14 => {
                incarnations[who] += 1 + u64::from(rest.first().copied().unwrap_or(0));
                sealers[who] = Sealer::new(
                    &key,
                    CLUSTER,
                    NodeId(who as u32 + 1),
                    Incarnation(incarnations[who]),
                );
            }
            _ => {
                let _ = open(&mut opener, chunk);
            }
        }
    }
    let counts = opener.counts();
    assert_eq!(counts.accepted + counts.rejected(), calls);
});
