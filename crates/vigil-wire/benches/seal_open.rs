//! Throughput of sealing and opening packets: `cargo bench -p vigil-wire`.
//!
//! For 64 B, 1 KiB and 16 KiB payloads, prints packets per second and
//! payload megabytes (10^6 bytes) per second for `seal`, for `open`, and
//! for both in turn (one sender to one receiver, as a two-node ring does).
//! Each figure is the best of five rounds of about 0.2 s.

use std::hint::black_box;
use std::time::{Duration, Instant};

use vigil_wire::{ClusterKey, Incarnation, NodeId, Opener, Sealer};

const ROUNDS: usize = 5;
const ROUND: Duration = Duration::from_millis(200);

fn key() -> ClusterKey {
    ClusterKey::from_bytes((0..=255).collect()).expect("valid key")
}

/// Runs `batch` (which handles `per_batch` packets) repeatedly for about
/// `ROUND`; returns packets per second, the best of `ROUNDS`.
fn rate(per_batch: usize, mut batch: impl FnMut()) -> f64 {
    let mut best = 0f64;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let mut packets = 0usize;
        while start.elapsed() < ROUND {
            batch();
            packets += per_batch;
        }
        best = best.max(packets as f64 / start.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    println!(
        "{:>8}  {:>16} {:>10}  {:>16} {:>10}  {:>16} {:>10}",
        "payload", "seal pkt/s", "MB/s", "open pkt/s", "MB/s", "seal+open pkt/s", "MB/s"
    );
    for size in [64usize, 1024, 16 * 1024] {
        let payload = vec![0xa5u8; size];
        let key = key();
        let mut sealer = Sealer::new(&key, "bench", NodeId(1), Incarnation(1));
        let mut buf = Vec::new();
        let seal = rate(1, || {
            sealer
                .seal_into(black_box(&payload), &mut buf)
                .expect("sequence numbers left");
            black_box(&buf);
        });

        // Opening needs fresh packets (replays are refused): seal a batch
        // first, open it under the clock, and use a new opener per batch.
        let batch = 256;
        let mut sealer = Sealer::new(&key, "bench", NodeId(1), Incarnation(1));
        let packets: Vec<Vec<u8>> = (0..batch)
            .map(|_| sealer.seal(&payload).expect("sequence numbers left"))
            .collect();
        let open = {
            let mut best = 0f64;
            for _ in 0..ROUNDS {
                let (mut opened, mut spent) = (0usize, Duration::ZERO);
                while spent < ROUND {
                    let mut opener = Opener::new(&key, "bench");
                    let start = Instant::now();
                    for packet in &packets {
                        black_box(opener.open(black_box(packet)).expect("opens"));
                    }
                    spent += start.elapsed();
                    opened += batch;
                }
                best = best.max(opened as f64 / spent.as_secs_f64());
            }
            best
        };

        let mut sealer = Sealer::new(&key, "bench", NodeId(1), Incarnation(1));
        let mut opener = Opener::new(&key, "bench");
        let both = rate(1, || {
            sealer
                .seal_into(black_box(&payload), &mut buf)
                .expect("sequence numbers left");
            black_box(opener.open(&buf).expect("opens"));
        });

        let mb = |pps: f64| pps * size as f64 / 1e6;
        println!(
            "{:>8}  {:>16.0} {:>10.1}  {:>16.0} {:>10.1}  {:>16.0} {:>10.1}",
            format!("{size} B"),
            seal,
            mb(seal),
            open,
            mb(open),
            both,
            mb(both)
        );
    }
}
