//! Fencing devices: stonith resources of the CIB and the special instance
//! attributes that say which nodes each can fence and how
//! (Pacemaker Explained, "Fencing", Special Instance Attributes).

use std::collections::BTreeMap;
use std::time::Duration;

use vigil_cib::config::ResourceKind;
use vigil_cib::nvset::evaluate_sets;
use vigil_cib::rule::RuleContext;
use vigil_cib::{Cib, time::parse_interval_ms};
use vigil_executor::AgentSpec;

/// How a device decides whether it can fence a node (`pcmk_host_check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostCheck {
    /// The nodes in `pcmk_host_list` / `pcmk_host_map`.
    StaticList,
    /// The device's `list` action names the nodes (ports) it controls.
    DynamicList,
    /// Ask the device's `status` action about the node.
    Status,
    /// Every node.
    None,
}

impl HostCheck {
    pub fn parse(text: &str) -> Option<HostCheck> {
        Some(match text {
            "static-list" => HostCheck::StaticList,
            "dynamic-list" => HostCheck::DynamicList,
            "status" => HostCheck::Status,
            "none" => HostCheck::None,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HostCheck::StaticList => "static-list",
            HostCheck::DynamicList => "dynamic-list",
            HostCheck::Status => "status",
            HostCheck::None => "none",
        }
    }
}

/// A fencing device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The stonith resource's id.
    pub id: String,
    pub agent: AgentSpec,
    /// Instance attributes for the agent (the `pcmk_*` ones stripped).
    pub params: BTreeMap<String, String>,
    /// Nodes named by `pcmk_host_list`.
    pub host_list: Vec<String>,
    /// Node → port (`pcmk_host_map`).
    pub host_map: BTreeMap<String, String>,
    pub host_check: HostCheck,
    /// Whether `pcmk_host_check` was given (a defaulted dynamic-list falls
    /// back to asking `status` when the agent cannot list).
    pub host_check_explicit: bool,
    /// The agent parameter that carries the port (`pcmk_host_argument`);
    /// `None` for `none`.
    pub host_argument: Option<String>,
    /// Fixed delay before fencing actions (`pcmk_delay_base`).
    pub delay_base: Duration,
    /// Upper bound of a random extra delay (`pcmk_delay_max`).
    pub delay_max: Duration,
    /// Device priority: lower first among devices that can fence a node.
    pub priority: i64,
    /// Every `pcmk_*` attribute as given (for per-action remaps, timeouts
    /// and retries).
    pub special: BTreeMap<String, String>,
}

/// A problem with a device definition; the device is left out or the bad
/// value ignored, and the caller is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error("fencing device {id} (line {line}): pcmk_host_map entry {entry:?} is not NODE:PORT")]
    HostMap {
        id: String,
        line: u32,
        entry: String,
    },
    #[error(
        "fencing device {id} (line {line}): pcmk_host_check {value:?} is not one of static-list, dynamic-list, status, none"
    )]
    HostCheck {
        id: String,
        line: u32,
        value: String,
    },
    #[error("fencing device {id} (line {line}): {name} {value:?} is not a duration")]
    Duration {
        id: String,
        line: u32,
        name: String,
        value: String,
    },
    #[error("fencing device {id} (line {line}): agent {agent:?} is not a fence agent name")]
    Agent {
        id: String,
        line: u32,
        agent: String,
    },
}

/// `node1:1;node2:2,3` (also `node=port`, and spaces between entries).
pub fn parse_host_map(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for entry in text.split([';', ' ', '\t', '\n']).filter(|e| !e.is_empty()) {
        let Some((node, port)) = entry.split_once([':', '=']) else {
            return Err(entry.to_string());
        };
        if node.is_empty() || port.is_empty() {
            return Err(entry.to_string());
        }
        map.insert(node.to_string(), port.to_string());
    }
    Ok(map)
}

fn duration_of(
    special: &BTreeMap<String, String>,
    name: &str,
    id: &str,
    line: u32,
    problems: &mut Vec<DeviceError>,
) -> Duration {
    match special.get(name) {
        None => Duration::ZERO,
        Some(v) => match parse_interval_ms(v) {
            Some(ms) => Duration::from_millis(ms),
            None => {
                problems.push(DeviceError::Duration {
                    id: id.to_string(),
                    line,
                    name: name.to_string(),
                    value: v.clone(),
                });
                Duration::ZERO
            }
        },
    }
}

impl Device {
    /// A device from a stonith resource's instance attributes.
    pub fn new(
        id: &str,
        agent: AgentSpec,
        attrs: BTreeMap<String, String>,
        line: u32,
        problems: &mut Vec<DeviceError>,
    ) -> Device {
        let (special, params): (BTreeMap<_, _>, BTreeMap<_, _>) = attrs
            .into_iter()
            .partition(|(k, _)| vigil_executor::standard::stonith::is_fencer_attribute(k));
        let host_list: Vec<String> = special
            .get("pcmk_host_list")
            .map(|l| {
                l.split([' ', ',', ';', '\t', '\n'])
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let host_map = match special.get("pcmk_host_map").map(|m| parse_host_map(m)) {
            None => BTreeMap::new(),
            Some(Ok(m)) => m,
            Some(Err(entry)) => {
                problems.push(DeviceError::HostMap {
                    id: id.to_string(),
                    line,
                    entry,
                });
                BTreeMap::new()
            }
        };
        let listed = !host_list.is_empty() || !host_map.is_empty();
        let default_check = if listed {
            HostCheck::StaticList
        } else {
            HostCheck::DynamicList
        };
        let host_check = match special.get("pcmk_host_check") {
            None => default_check,
            Some(v) => HostCheck::parse(v).unwrap_or_else(|| {
                problems.push(DeviceError::HostCheck {
                    id: id.to_string(),
                    line,
                    value: v.clone(),
                });
                default_check
            }),
        };
        let host_argument = match special.get("pcmk_host_argument").map(String::as_str) {
            Some("none") => None,
            Some(a) => Some(a.to_string()),
            None => Some("port".to_string()),
        };
        Device {
            id: id.to_string(),
            agent,
            params,
            host_list,
            host_map,
            host_check,
            host_check_explicit: special.contains_key("pcmk_host_check"),
            host_argument,
            delay_base: duration_of(&special, "pcmk_delay_base", id, line, problems),
            delay_max: duration_of(&special, "pcmk_delay_max", id, line, problems),
            priority: special
                .get("priority")
                .and_then(|p| p.parse().ok())
                .unwrap_or(0),
            special,
        }
    }

    /// Whether the static configuration names `node`.
    pub fn lists(&self, node: &str) -> bool {
        self.host_list.iter().any(|n| n == node) || self.host_map.contains_key(node)
    }

    /// The port to fence `node` with: its `pcmk_host_map` entry, else the
    /// node's name.
    pub fn port_for(&self, node: &str) -> String {
        self.host_map
            .get(node)
            .cloned()
            .unwrap_or_else(|| node.to_string())
    }

    /// The agent action for a fencing action (`pcmk_<action>_action`).
    pub fn agent_action<'a>(&'a self, action: &'a str) -> &'a str {
        self.special
            .get(&format!("pcmk_{action}_action"))
            .map(String::as_str)
            .unwrap_or(action)
    }

    /// `pcmk_<action>_timeout`, if set.
    pub fn action_timeout(&self, action: &str) -> Option<Duration> {
        self.special
            .get(&format!("pcmk_{action}_timeout"))
            .and_then(|v| parse_interval_ms(v))
            .map(Duration::from_millis)
    }

    /// `pcmk_<action>_retries` (default 2).
    pub fn action_retries(&self, action: &str) -> u32 {
        self.special
            .get(&format!("pcmk_{action}_retries"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(2)
    }
}

/// Every fencing device in a CIB (stonith primitives, in document order;
/// disabled ones, `target-role=Stopped`, left out), with the problems met.
pub fn devices_from_cib(cib: &Cib) -> (Vec<Device>, Vec<DeviceError>) {
    let mut devices = Vec::new();
    let mut problems = Vec::new();
    let ctx = RuleContext::default();
    for rsc in cib.config.all_resources() {
        let ResourceKind::Primitive(p) = &rsc.kind else {
            continue;
        };
        if p.class != "stonith" {
            continue;
        }
        let meta = evaluate_sets(&rsc.meta, &ctx, None);
        if meta
            .get("target-role")
            .is_some_and(|r| r.eq_ignore_ascii_case("stopped"))
        {
            continue;
        }
        let agent = match format!("stonith:{}", p.agent).parse::<AgentSpec>() {
            Ok(a) => a,
            Err(_) => {
                problems.push(DeviceError::Agent {
                    id: rsc.id.clone(),
                    line: rsc.line,
                    agent: p.agent.clone(),
                });
                continue;
            }
        };
        let attrs = evaluate_sets(&rsc.instance, &ctx, None);
        devices.push(Device::new(&rsc.id, agent, attrs, rsc.line, &mut problems));
    }
    (devices, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn host_map_reads_pacemakers_forms() {
        let m = parse_host_map("node1:1;node2:2,3 node3=4").unwrap();
        assert_eq!(m["node1"], "1");
        assert_eq!(m["node2"], "2,3");
        assert_eq!(m["node3"], "4");
        assert_eq!(parse_host_map("node1:1;bogus").unwrap_err(), "bogus");
    }

    #[test]
    fn special_attributes_shape_the_device() {
        let mut problems = Vec::new();
        let d = Device::new(
            "f1",
            "fence_ipmilan".parse().unwrap(),
            attrs(&[
                ("ip", "10.0.0.1"),
                ("pcmk_host_list", "node1, node2"),
                ("pcmk_host_map", "node3:7"),
                ("pcmk_reboot_action", "off"),
                ("pcmk_off_timeout", "90s"),
                ("pcmk_delay_base", "2s"),
                ("pcmk_host_argument", "plug"),
            ]),
            1,
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(d.params, attrs(&[("ip", "10.0.0.1")]));
        assert_eq!(d.host_check, HostCheck::StaticList);
        assert!(d.lists("node2") && d.lists("node3") && !d.lists("node4"));
        assert_eq!(
            (d.port_for("node3"), d.port_for("node1")),
            ("7".into(), "node1".into())
        );
        assert_eq!(d.agent_action("reboot"), "off");
        assert_eq!(d.action_timeout("off"), Some(Duration::from_secs(90)));
        assert_eq!(d.delay_base, Duration::from_secs(2));
        assert_eq!(d.host_argument.as_deref(), Some("plug"));
        assert_eq!(d.action_retries("off"), 2);
    }

    #[test]
    fn bad_values_are_reported_with_the_device() {
        let mut problems = Vec::new();
        let d = Device::new(
            "f1",
            "fence_x".parse().unwrap(),
            attrs(&[("pcmk_host_check", "sometimes"), ("pcmk_delay_max", "soon")]),
            12,
            &mut problems,
        );
        assert_eq!(d.host_check, HostCheck::DynamicList);
        assert_eq!(
            problems[0].to_string(),
            "fencing device f1 (line 12): pcmk_host_check \"sometimes\" is not one of static-list, dynamic-list, status, none"
        );
        assert_eq!(
            problems[1].to_string(),
            "fencing device f1 (line 12): pcmk_delay_max \"soon\" is not a duration"
        );
    }
}
