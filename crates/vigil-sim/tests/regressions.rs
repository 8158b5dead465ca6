//! Every seed that ever failed (`regressions.txt`) passes now, and a small
//! sweep of fresh seeds passes too (CI's share of the 100 000-seed sweep:
//! 1000 seeds in release, about 15 s of CPU).

use std::thread;

fn regressions() -> Vec<(u64, Option<usize>, String)> {
    include_str!("../regressions.txt")
        .lines()
        .filter_map(|l| {
            let (spec, why) = l.split_once('#').unwrap_or((l, ""));
            let mut words = spec.split_whitespace();
            let seed = words.next()?.parse().ok()?;
            let nodes = words.next().and_then(|n| n.parse().ok());
            Some((seed, nodes, why.trim().to_string()))
        })
        .collect()
}

fn report(o: &vigil_sim::Outcome) -> String {
    let mut s = format!("seed {} ({} nodes):\n", o.seed, o.nodes);
    for v in &o.violations {
        s.push_str(&format!("  at {} us: {}\n", v.at_us, v.what));
    }
    s
}

#[test]
fn regression_seeds_replay_clean() {
    let list = regressions();
    assert!(list.len() >= 5, "regressions.txt lost its seeds");
    for (seed, nodes, why) in list {
        let o = vigil_sim::run_seed(seed, nodes);
        assert!(o.violations.is_empty(), "{}(once: {why})", report(&o));
    }
}

#[test]
fn same_seed_same_run() {
    let a = vigil_sim::run_seed(7, None);
    let b = vigil_sim::run_seed(7, None);
    assert_eq!(format!("{:?}", a.stats), format!("{:?}", b.stats));
    assert!(a.stats.deliveries > 0 && a.stats.config_changes > 0);
}

/// Seeds per CI run; `VIGIL_SIM_SEEDS` raises it.
fn sweep_size() -> u64 {
    std::env::var("VIGIL_SIM_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { 16 } else { 1000 })
}

#[test]
fn sweep() {
    let n = sweep_size();
    let threads = 2u64;
    let failures: Vec<String> = thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    (0..n)
                        .filter(|i| i % threads == t)
                        .map(|i| vigil_sim::run_seed(1_000_000 + i, None))
                        .filter(|o| !o.violations.is_empty())
                        .map(|o| report(&o))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join(""));
}

/// The quorum check can fail: a layer that claims quorum everywhere is
/// caught as soon as a partition splits the cluster.
#[test]
fn quorum_check_catches_a_split_brain() {
    struct AlwaysQuorate;
    impl vigil_sim::QuorumLayer for AlwaysQuorate {
        fn configuration_changed(
            &mut self,
            _: std::time::Duration,
            _: &vigil_totem::ConfigurationChange,
        ) {
        }
        fn quorate(&self) -> bool {
            true
        }
    }
    let factory =
        |_: u32, _: &[u32]| -> Box<dyn vigil_sim::QuorumLayer> { Box::new(AlwaysQuorate) };
    let caught = (0..40).any(|seed| {
        let mut sc = vigil_sim::Scenario::from_seed(seed, Some(4));
        sc.partitions = true;
        sc.fault_interval_us = sc.fault_interval_us.max(500_000);
        let o = vigil_sim::run_scenario(sc, Some(&factory));
        o.violations.iter().any(|v| v.what.starts_with("quorum:"))
    });
    assert!(caught);
}
