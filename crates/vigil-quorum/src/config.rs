//! The `quorum { }` section of corosync.conf, and the votes of the nodelist.

use std::collections::BTreeMap;
use std::time::Duration;

use vigil_wire::NodeId;

use crate::Member;

/// The only quorum provider: `provider: corosync_votequorum`.
pub const PROVIDER: &str = "corosync_votequorum";
/// `last_man_standing_window`'s default: 10 seconds.
pub const DEFAULT_LMS_WINDOW: Duration = Duration::from_millis(10_000);

/// Which node decides an even split under `auto_tie_breaker`
/// (`auto_tie_breaker_node`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TieBreaker {
    /// The half with the lowest node id known to the cluster (the default).
    #[default]
    Lowest,
    /// The half with the highest node id known to the cluster.
    Highest,
    /// The half with the first of these nodes that is known to the cluster
    /// (in the nodelist, or seen as a member); a listed node never known is
    /// skipped in favour of the next.
    List(Vec<NodeId>),
}

/// votequorum's configuration: the options of corosync.conf's `quorum { }`
/// section (same names, same defaults) and each node's votes from the
/// `nodelist { }` (`quorum_votes`, default 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumConfig {
    /// `expected_votes`. When absent, the sum of the nodelist's votes.
    pub expected_votes: Option<u32>,
    /// The nodelist: every configured node with its votes.
    pub nodes: BTreeMap<NodeId, u32>,
    /// `votes` (deprecated in corosync): the votes of a node missing from
    /// the nodelist. Default 1.
    pub default_votes: u32,
    /// `two_node`: quorum is 1 while the cluster has at most two nodes.
    pub two_node: bool,
    /// `wait_for_all`; when absent, on exactly when `two_node` is.
    pub wait_for_all: Option<bool>,
    /// `last_man_standing`.
    pub last_man_standing: bool,
    /// `last_man_standing_window` (configured in milliseconds).
    pub last_man_standing_window: Duration,
    /// `auto_tie_breaker`.
    pub auto_tie_breaker: bool,
    /// `auto_tie_breaker_node`.
    pub auto_tie_breaker_node: TieBreaker,
}

impl Default for QuorumConfig {
    fn default() -> QuorumConfig {
        QuorumConfig {
            expected_votes: None,
            nodes: BTreeMap::new(),
            default_votes: 1,
            two_node: false,
            wait_for_all: None,
            last_man_standing: false,
            last_man_standing_window: DEFAULT_LMS_WINDOW,
            auto_tie_breaker: false,
            auto_tie_breaker_node: TieBreaker::Lowest,
        }
    }
}

/// A `quorum { }` option that Vigil cannot accept, with what would be valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("quorum.{key}: unknown option; valid options: {}", KEYS.join(", "))]
    UnknownKey { key: String },
    #[error("quorum.{key}: invalid value '{value}'; expected {expected}")]
    BadValue {
        key: String,
        value: String,
        expected: &'static str,
    },
    #[error("quorum.{key}: '{value}' is not supported by Vigil ({why})")]
    Unsupported {
        key: String,
        value: String,
        why: &'static str,
    },
    #[error(
        "votequorum needs expected votes: give quorum.expected_votes or list the nodes in nodelist {{ }}"
    )]
    NoExpectedVotes,
}

/// The option names of `quorum { }` this crate reads.
pub const KEYS: &[&str] = &[
    "provider",
    "expected_votes",
    "votes",
    "two_node",
    "wait_for_all",
    "last_man_standing",
    "last_man_standing_window",
    "auto_tie_breaker",
    "auto_tie_breaker_node",
    "allow_downscale",
    "expected_votes_tracking",
];

impl QuorumConfig {
    /// A configuration from the `(key, value)` pairs of a `quorum { }`
    /// section, in order (a later value for a key replaces an earlier one).
    /// Nodes are added separately ([`QuorumConfig::add_node`]).
    pub fn from_section<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<QuorumConfig, ConfigError> {
        let mut config = QuorumConfig::default();
        for (key, value) in pairs {
            config.set(key, value)?;
        }
        Ok(config)
    }

    /// Sets one option by its corosync.conf name.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let value = value.trim();
        let bad = |expected| ConfigError::BadValue {
            key: key.to_owned(),
            value: value.to_owned(),
            expected,
        };
        match key {
            "provider" if value == PROVIDER => {}
            "provider" => return Err(bad("corosync_votequorum (the only provider)")),
            "expected_votes" => {
                self.expected_votes =
                    Some(positive(value).ok_or_else(|| bad("a number of votes, at least 1"))?)
            }
            "votes" => self.default_votes = value.parse().map_err(|_| bad("a number of votes"))?,
            "two_node" => self.two_node = flag(value).ok_or_else(|| bad("0 or 1"))?,
            "wait_for_all" => self.wait_for_all = Some(flag(value).ok_or_else(|| bad("0 or 1"))?),
            "last_man_standing" => {
                self.last_man_standing = flag(value).ok_or_else(|| bad("0 or 1"))?
            }
            "last_man_standing_window" => {
                let ms: u64 = value.parse().map_err(|_| bad("a time in milliseconds"))?;
                self.last_man_standing_window = Duration::from_millis(ms);
            }
            "auto_tie_breaker" => {
                self.auto_tie_breaker = flag(value).ok_or_else(|| bad("0 or 1"))?
            }
            "auto_tie_breaker_node" => {
                self.auto_tie_breaker_node = tie_breaker(value)
                    .ok_or_else(|| bad("lowest, highest, or a space-separated list of node ids"))?
            }
            "allow_downscale" | "expected_votes_tracking" => match flag(value) {
                Some(false) => {}
                Some(true) => {
                    return Err(ConfigError::Unsupported {
                        key: key.to_owned(),
                        value: value.to_owned(),
                        why: "expected votes are never lowered on a clean leave nor tracked on disk",
                    });
                }
                None => return Err(bad("0 or 1")),
            },
            _ => {
                return Err(ConfigError::UnknownKey {
                    key: key.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Adds a nodelist entry (`nodeid`, `quorum_votes`).
    pub fn add_node(&mut self, node: NodeId, votes: u32) -> &mut QuorumConfig {
        self.nodes.insert(node, votes);
        self
    }

    /// The votes of `node`: its nodelist entry, else `votes` (default 1).
    pub fn votes_of(&self, node: NodeId) -> u32 {
        self.nodes.get(&node).copied().unwrap_or(self.default_votes)
    }

    /// `node` as a member, with its configured votes.
    pub fn member(&self, node: NodeId) -> Member {
        Member {
            node,
            votes: self.votes_of(node),
        }
    }

    /// Whether wait_for_all is in effect: as configured, else as two_node.
    pub fn wait_for_all(&self) -> bool {
        self.wait_for_all.unwrap_or(self.two_node)
    }

    /// The expected votes to start with: `expected_votes`, else the sum of
    /// the nodelist's votes.
    pub fn initial_expected_votes(&self) -> Result<u32, ConfigError> {
        match self.expected_votes {
            Some(expected) => Ok(expected),
            None if self.nodes.is_empty() => Err(ConfigError::NoExpectedVotes),
            None => Ok(self.nodelist_votes().max(1)),
        }
    }

    /// The sum of the nodelist's votes.
    pub fn nodelist_votes(&self) -> u32 {
        self.nodes
            .values()
            .fold(0u32, |sum, &v| sum.saturating_add(v))
    }
}

fn positive(value: &str) -> Option<u32> {
    value.parse().ok().filter(|&n| n > 0)
}

/// corosync.conf's booleans: 0/1, and the usual words.
fn flag(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "yes" | "on" | "true" => Some(true),
        "0" | "no" | "off" | "false" => Some(false),
        _ => None,
    }
}

fn tie_breaker(value: &str) -> Option<TieBreaker> {
    match value {
        "lowest" => Some(TieBreaker::Lowest),
        "highest" => Some(TieBreaker::Highest),
        list => {
            let ids: Option<Vec<NodeId>> = list
                .split_whitespace()
                .map(|id| positive(id).map(NodeId))
                .collect();
            ids.filter(|ids| !ids.is_empty()).map(TieBreaker::List)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_corosyncs() {
        let config = QuorumConfig::from_section([("provider", "corosync_votequorum")]).unwrap();
        assert_eq!(config, QuorumConfig::default());
        assert_eq!(config.last_man_standing_window, Duration::from_secs(10));
        assert!(!config.wait_for_all());
        assert_eq!(
            config.initial_expected_votes(),
            Err(ConfigError::NoExpectedVotes)
        );
    }

    #[test]
    fn every_option_is_read() {
        let config = QuorumConfig::from_section([
            ("provider", "corosync_votequorum"),
            ("expected_votes", "8"),
            ("votes", "2"),
            ("two_node", "1"),
            ("wait_for_all", "0"),
            ("last_man_standing", "1"),
            ("last_man_standing_window", "20000"),
            ("auto_tie_breaker", "yes"),
            ("auto_tie_breaker_node", "1 3 5"),
            ("allow_downscale", "0"),
        ])
        .unwrap();
        assert_eq!(config.expected_votes, Some(8));
        assert_eq!(config.votes_of(NodeId(4)), 2);
        assert!(config.two_node && !config.wait_for_all() && config.last_man_standing);
        assert_eq!(config.last_man_standing_window, Duration::from_secs(20));
        assert!(config.auto_tie_breaker);
        assert_eq!(
            config.auto_tie_breaker_node,
            TieBreaker::List(vec![NodeId(1), NodeId(3), NodeId(5)])
        );
        assert_eq!(
            QuorumConfig::from_section([("auto_tie_breaker_node", "highest")])
                .unwrap()
                .auto_tie_breaker_node,
            TieBreaker::Highest
        );
    }

    #[test]
    fn two_node_implies_wait_for_all_unless_turned_off() {
        let on = QuorumConfig::from_section([("two_node", "1")]).unwrap();
        assert!(on.wait_for_all());
        let off = QuorumConfig::from_section([("two_node", "1"), ("wait_for_all", "0")]).unwrap();
        assert!(!off.wait_for_all());
    }

    #[test]
    fn expected_votes_come_from_the_nodelist_unless_given() {
        let mut config = QuorumConfig::default();
        config
            .add_node(NodeId(1), 1)
            .add_node(NodeId(2), 3)
            .add_node(NodeId(3), 1);
        assert_eq!(config.initial_expected_votes(), Ok(5));
        config.set("expected_votes", "7").unwrap();
        assert_eq!(config.initial_expected_votes(), Ok(7));
        assert_eq!(
            config.member(NodeId(2)),
            Member {
                node: NodeId(2),
                votes: 3
            }
        );
        assert_eq!(config.votes_of(NodeId(9)), 1);
    }

    #[test]
    fn bad_options_say_what_is_valid() {
        let cases = [
            ("provider", "corosync_quorum", "corosync_votequorum"),
            ("expected_votes", "0", "at least 1"),
            ("two_node", "2", "0 or 1"),
            ("last_man_standing_window", "10s", "milliseconds"),
            ("auto_tie_breaker_node", "lowest 1", "list of node ids"),
            ("auto_tie_breaker_node", "", "list of node ids"),
            ("allow_downscale", "1", "not supported"),
            (
                "expected_vote",
                "3",
                "valid options: provider, expected_votes",
            ),
        ];
        for (key, value, says) in cases {
            let err = QuorumConfig::from_section([(key, value)])
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{key}={value}: {err}");
            assert!(err.starts_with(&format!("quorum.{key}")), "{err}");
        }
    }
}
