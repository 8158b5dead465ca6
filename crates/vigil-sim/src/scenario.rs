//! What one seed simulates: the cluster size, Totem timings, the network's
//! faults and the workload, all drawn from the seed ("swarm" testing: each
//! seed gets its own mix of faults, so rare combinations get exercised).

use vigil_totem::{Rng, TotemConfig};

/// The parameters of one simulated run.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub seed: u64,
    pub nodes: usize,
    pub config: TotemConfig,
    /// One-way packet delay, microseconds.
    pub delay_min_us: u64,
    pub delay_max_us: u64,
    /// Probability that a packet is lost / duplicated.
    pub drop: f64,
    pub duplicate: f64,
    /// Mean microseconds between faults (partitions, heals, crashes,
    /// restarts) during the safety phase; 0 for none.
    pub fault_interval_us: u64,
    /// Which fault kinds this seed uses.
    pub partitions: bool,
    pub asymmetric: bool,
    pub crashes: bool,
    /// Clock rate error bound, parts per million (each node draws its own).
    pub drift_ppm: i64,
    /// Mean microseconds between application messages per node.
    pub send_interval_us: u64,
    /// Share of messages larger than a datagram (fragmented).
    pub large: f64,
    pub safety_us: u64,
}

impl Scenario {
    /// The scenario of `seed`; `nodes` overrides the drawn cluster size.
    pub fn from_seed(seed: u64, nodes: Option<usize>) -> Self {
        let mut r = Rng::new(seed ^ 0x5eed_5eed_5eed_5eed);
        let nodes = nodes.unwrap_or_else(|| match r.below(20) {
            0..=12 => 3 + r.below(3) as usize,  // 3-5
            13..=18 => 2 + r.below(8) as usize, // 2-9
            _ => 10 + r.below(7) as usize,      // 10-16
        });
        let token = [200, 300, 500, 1000][r.below(4) as usize];
        let mut config = TotemConfig {
            token,
            ..TotemConfig::default()
        };
        if r.chance(if nodes >= 8 { 0.8 } else { 0.5 }) {
            // Faster failure detection on bigger rings: more churn per
            // simulated second.
            config.token_coefficient = r.below(100) as u32;
        }
        if r.chance(0.3) {
            config.max_messages = 1 + r.below(8) as u32;
            config.window_size = config.max_messages + r.below(20) as u32;
        }
        if r.chance(0.2) {
            config.seqno_unchanged_const = 1 + r.below(5) as u32;
        }
        if r.chance(0.2) {
            config.send_join = r.below(30) as u32;
        }
        if r.chance(0.2) {
            config.netmtu = 300 + r.below(700) as u32;
        }
        let delay_min_us = 50 + r.below(500);
        let delay_max_us = delay_min_us + [100, 1000, 5000, 20_000][r.below(4) as usize];
        let lossy = r.chance(0.6);
        let drop = if lossy {
            [0.001, 0.01, 0.05, 0.2][r.below(4) as usize]
        } else {
            0.0
        };
        let duplicate = if r.chance(0.4) {
            [0.01, 0.05, 0.2][r.below(3) as usize]
        } else {
            0.0
        };
        let faulty = r.chance(0.85);
        let (partitions, asymmetric, crashes) = (r.chance(0.7), r.chance(0.3), r.chance(0.6));
        // Fault pace and phase length follow the effective token timeout.
        let token_us = config.token_timeout(nodes).as_micros() as u64;
        let fault_interval_us = token_us * (1 + r.below(6)) / 4;
        Scenario {
            seed,
            nodes,
            fault_interval_us: if faulty {
                token_us * (1 + r.below(6))
            } else {
                0
            },
            partitions: partitions || !(asymmetric || crashes),
            asymmetric,
            crashes,
            drift_ppm: [0, 100, 1000, 20_000][r.below(4) as usize],
            send_interval_us: [2_000, 10_000, 50_000, 200_000][r.below(4) as usize],
            large: if r.chance(0.5) { 0.05 } else { 0.0 },
            safety_us: (token_us * (3 + r.below(4)) + fault_interval_us * (2 + r.below(10)))
                .min(20_000_000),
            config,
            delay_min_us,
            delay_max_us,
            drop,
            duplicate,
        }
    }
}
