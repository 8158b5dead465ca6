//! Seeded random CIBs for differential testing of the scheduler against
//! Pacemaker's `crm_simulate`.
//!
//! [`generate`] is a pure function of a seed and [`Options`]: the same
//! inputs give the same document on every machine, so a seed printed by a
//! failing test is a complete bug report. Every document is meant to be a
//! valid Pacemaker 2.1 CIB (schema `pacemaker-3.9`): a small cluster of
//! 2–5 nodes in assorted membership states, primitives, groups, anonymous
//! and promotable clones, location / colocation / order constraints with
//! mixed scores, and a status section whose operation history describes
//! resources that run, were stopped, failed, or sit on nodes that are gone.
//!
//! The shapes of the status entries follow what a Pacemaker 2.1 DC
//! records: `<lrm_rsc_op>` elements named `<rsc>_last_0`,
//! `<rsc>_last_failure_0` and `<rsc>_monitor_<ms>`, with transition keys
//! that carry the expected result, and operation digests computed the way
//! the executor computes them (so a resource whose definition did not
//! change is not restarted).

mod cib;
pub mod rng;

pub use rng::Rng;

/// Which features a generated CIB may use. [`Options::default`] turns on
/// everything the scheduler is expected to handle exactly like Pacemaker;
/// features known to expose unfixed differences are off by default and
/// named after what they exercise, so a bug hunt can switch them on.
#[derive(Debug, Clone)]
pub struct Options {
    /// Fewest and most cluster nodes.
    pub nodes: (usize, usize),
    /// Most top-level resources (primitives, groups, clones).
    pub max_resources: usize,
    /// Groups of 2–3 primitives.
    pub groups: bool,
    /// Anonymous clones.
    pub clones: bool,
    /// Promotable clones of `ocf:pacemaker:Stateful`.
    pub promotable: bool,
    /// Clones whose child is a group.
    pub cloned_groups: bool,
    /// Nodes that are offline, lost (unclean) or have no status at all.
    pub node_failures: bool,
    /// Nodes in standby.
    pub standby: bool,
    /// Failed monitors, starts and probes in the history.
    pub failures: bool,
    /// Failed stops (the node must be fenced, or the resource blocks).
    pub failed_stops: bool,
    /// Record some failed results with `op-status="4"` (execution error)
    /// instead of `op-status="0"`, as older executors did.
    pub error_op_status: bool,
    /// Histories whose digest does not match the configuration (the
    /// resource definition changed since it started).
    pub stale_digests: bool,
    /// Location constraints with rules on node attributes.
    pub rules: bool,
    /// `failure-timeout`, with failures both older and newer than it.
    pub failure_timeout: bool,
    /// `allow-migrate=true` on some primitives.
    pub migration: bool,
    /// `is-managed=false` on some resources.
    pub unmanaged: bool,
    /// Clones with `clone-max` below the number of nodes (so history may
    /// show more active instances than are allowed).
    pub clone_max: bool,
    /// Partitions without quorum (`have-quorum="0"`).
    pub quorum_loss: bool,
    /// `rsc-role` / `with-rsc-role` on colocations with promotable clones.
    pub colocation_roles: bool,
    /// Colocations may form cycles (otherwise a dependent always comes
    /// later in the configuration than the resource it is placed with).
    pub colocation_cycles: bool,
    /// A fence device when fencing is enabled.
    pub fence_device: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            nodes: (2, 5),
            max_resources: 6,
            groups: true,
            clones: true,
            promotable: true,
            cloned_groups: true,
            node_failures: true,
            standby: true,
            failures: true,
            failed_stops: true,
            error_op_status: false,
            stale_digests: true,
            rules: true,
            failure_timeout: true,
            migration: true,
            unmanaged: true,
            colocation_cycles: false,
            fence_device: true,
            clone_max: true,
            quorum_loss: true,
            colocation_roles: true,
        }
    }
}

impl Options {
    /// The names [`Options::set`] accepts (the boolean features).
    pub const FEATURES: &'static [&'static str] = &[
        "groups",
        "clones",
        "promotable",
        "cloned_groups",
        "node_failures",
        "standby",
        "failures",
        "failed_stops",
        "error_op_status",
        "stale_digests",
        "rules",
        "failure_timeout",
        "migration",
        "unmanaged",
        "colocation_cycles",
        "fence_device",
        "clone_max",
        "quorum_loss",
        "colocation_roles",
    ];

    /// Turn one boolean feature on or off by name.
    pub fn set(&mut self, name: &str, on: bool) -> Result<(), String> {
        let flag = match name {
            "groups" => &mut self.groups,
            "clones" => &mut self.clones,
            "promotable" => &mut self.promotable,
            "cloned_groups" => &mut self.cloned_groups,
            "node_failures" => &mut self.node_failures,
            "standby" => &mut self.standby,
            "failures" => &mut self.failures,
            "failed_stops" => &mut self.failed_stops,
            "error_op_status" => &mut self.error_op_status,
            "stale_digests" => &mut self.stale_digests,
            "rules" => &mut self.rules,
            "failure_timeout" => &mut self.failure_timeout,
            "migration" => &mut self.migration,
            "unmanaged" => &mut self.unmanaged,
            "colocation_cycles" => &mut self.colocation_cycles,
            "fence_device" => &mut self.fence_device,
            "clone_max" => &mut self.clone_max,
            "quorum_loss" => &mut self.quorum_loss,
            "colocation_roles" => &mut self.colocation_roles,
            _ => {
                return Err(format!(
                    "unknown generator feature {name:?} (known: {})",
                    Options::FEATURES.join(", ")
                ));
            }
        };
        *flag = on;
        Ok(())
    }

    /// Apply a comma-separated list such as `error_op_status,-groups`
    /// (a leading `-` turns a feature off), or `nodes=2..3`,
    /// `max_resources=4`.
    pub fn apply(&mut self, list: &str) -> Result<(), String> {
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if let Some(v) = item.strip_prefix("nodes=") {
                let (lo, hi) = v.split_once("..").unwrap_or((v, v));
                let lo: usize = lo.parse().map_err(|_| format!("bad nodes= {v:?}"))?;
                let hi: usize = hi.parse().map_err(|_| format!("bad nodes= {v:?}"))?;
                if lo < 1 || hi < lo || hi > 9 {
                    return Err(format!("nodes= must be within 1..9, got {v:?}"));
                }
                self.nodes = (lo, hi);
            } else if let Some(v) = item.strip_prefix("max_resources=") {
                self.max_resources = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("bad max_resources= {v:?}"))?;
            } else if let Some(name) = item.strip_prefix('-') {
                self.set(name, false)?;
            } else {
                self.set(item.strip_prefix('+').unwrap_or(item), true)?;
            }
        }
        Ok(())
    }
}

/// The time every generated CIB is scheduled at (its `execution-date`):
/// 2023-11-14T22:13:20Z.
pub const EXECUTION_DATE: i64 = 1_700_000_000;

/// Generate the CIB for `seed`.
pub fn generate(seed: u64, options: &Options) -> String {
    cib::Generator::new(seed, options).cib()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_cib() {
        let o = Options::default();
        assert_eq!(generate(42, &o), generate(42, &o));
        assert_ne!(generate(42, &o), generate(43, &o));
    }

    #[test]
    fn options_parse() {
        let mut o = Options::default();
        o.apply("error_op_status,-groups,nodes=3..4").unwrap();
        assert!(o.error_op_status && !o.groups);
        assert_eq!(o.nodes, (3, 4));
        assert!(o.apply("no_such_thing").is_err());
    }

    #[test]
    fn every_feature_can_be_switched() {
        for name in Options::FEATURES {
            let mut o = Options::default();
            o.set(name, false).unwrap();
            o.set(name, true).unwrap();
        }
    }

    #[test]
    fn switching_a_feature_off_changes_the_documents() {
        for name in Options::FEATURES {
            let mut on = Options::default();
            on.set(name, true).unwrap();
            let mut off = on.clone();
            off.set(name, false).unwrap();
            let differs = (0..200).any(|seed| generate(seed, &on) != generate(seed, &off));
            assert!(differs, "feature {name} has no effect");
        }
    }

    #[test]
    fn documents_are_well_formed_with_unique_ids() {
        let o = Options::default();
        for seed in 0..300 {
            let x = generate(seed, &o);
            let doc = vigil_xml::parse(&x).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert_eq!(doc.name, "cib");
            // Configuration ids must be unique (the schema says so);
            // status ids repeat per node by design.
            let conf = doc.child("configuration").expect("configuration");
            let mut ids: Vec<&str> = conf
                .descendants()
                .into_iter()
                .filter_map(|e| e.attr("id"))
                .collect();
            let n = ids.len();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), n, "seed {seed}: duplicate ids");
        }
    }
}
