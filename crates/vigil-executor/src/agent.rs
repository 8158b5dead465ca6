//! Naming an agent: `standard[:provider]:type`, as in a primitive's
//! `class`/`provider`/`type` attributes and pcs's agent names.

use std::fmt;
use std::str::FromStr;

/// The agent standards (Pacemaker's resource "classes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standard {
    /// Open Cluster Framework resource agents.
    Ocf,
    /// LSB init scripts in `/etc/init.d`.
    Lsb,
    /// systemd units, through `systemctl`.
    Systemd,
    /// A system service: systemd when it knows the unit, else LSB.
    Service,
    /// Fence agents (`fence_*`).
    Stonith,
}

impl Standard {
    pub const ALL: [Standard; 5] = [
        Standard::Ocf,
        Standard::Lsb,
        Standard::Service,
        Standard::Systemd,
        Standard::Stonith,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Standard::Ocf => "ocf",
            Standard::Lsb => "lsb",
            Standard::Systemd => "systemd",
            Standard::Service => "service",
            Standard::Stonith => "stonith",
        }
    }

    /// Read a standard's name (case-insensitive, as Pacemaker accepts it).
    pub fn parse(text: &str) -> Option<Standard> {
        Standard::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for Standard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fully named agent.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgentSpec {
    pub standard: Standard,
    /// Only OCF agents have a provider.
    pub provider: Option<String>,
    /// The agent's type: script name, unit name or fence agent name.
    pub name: String,
}

/// Why an agent name cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentSpecError {
    #[error("agent name {0:?} is empty")]
    Empty(String),
    #[error(
        "agent {spec:?}: unknown standard {standard:?} (expected one of ocf, lsb, service, systemd, stonith)"
    )]
    UnknownStandard { spec: String, standard: String },
    #[error(
        "agent {0:?}: an OCF agent needs a provider (ocf:PROVIDER:TYPE, e.g. ocf:heartbeat:IPaddr2)"
    )]
    MissingProvider(String),
    #[error("agent {spec:?}: only OCF agents have a provider; write {standard}:TYPE")]
    UnexpectedProvider { spec: String, standard: Standard },
    #[error("agent {spec:?}: {part} {value:?} may not contain '/' or be '.' or '..'")]
    BadComponent {
        spec: String,
        part: &'static str,
        value: String,
    },
}

impl AgentSpec {
    pub fn new(standard: Standard, provider: Option<&str>, name: &str) -> AgentSpec {
        AgentSpec {
            standard,
            provider: provider.map(str::to_string),
            name: name.to_string(),
        }
    }

    /// An OCF agent.
    pub fn ocf(provider: &str, name: &str) -> AgentSpec {
        AgentSpec::new(Standard::Ocf, Some(provider), name)
    }
}

fn check_component(spec: &str, part: &'static str, value: &str) -> Result<(), AgentSpecError> {
    if value.is_empty() {
        return Err(AgentSpecError::Empty(spec.to_string()));
    }
    if value.contains('/') || value == "." || value == ".." || value.contains('\0') {
        return Err(AgentSpecError::BadComponent {
            spec: spec.to_string(),
            part,
            value: value.to_string(),
        });
    }
    Ok(())
}

impl FromStr for AgentSpec {
    type Err = AgentSpecError;

    /// `ocf:heartbeat:IPaddr2`, `lsb:exim`, `systemd:haproxy`,
    /// `service:nginx`, `stonith:fence_ipmilan`, or a bare `fence_*` name
    /// (a fence agent, as `pcs stonith create` takes it).
    fn from_str(spec: &str) -> Result<AgentSpec, AgentSpecError> {
        let parts: Vec<&str> = spec.split(':').collect();
        let (standard, provider, name) = match parts.as_slice() {
            [name] if name.starts_with("fence_") => (Standard::Stonith, None, *name),
            [""] => return Err(AgentSpecError::Empty(spec.to_string())),
            [_] => {
                return Err(AgentSpecError::UnknownStandard {
                    spec: spec.to_string(),
                    standard: String::new(),
                });
            }
            [standard, name] => (parse_standard(spec, standard)?, None, *name),
            [standard, provider, name] => (parse_standard(spec, standard)?, Some(*provider), *name),
            _ => {
                return Err(AgentSpecError::BadComponent {
                    spec: spec.to_string(),
                    part: "agent name",
                    value: spec.to_string(),
                });
            }
        };
        match (standard, provider) {
            (Standard::Ocf, None) => return Err(AgentSpecError::MissingProvider(spec.to_string())),
            (Standard::Ocf, Some(p)) => check_component(spec, "provider", p)?,
            (other, Some(_)) => {
                return Err(AgentSpecError::UnexpectedProvider {
                    spec: spec.to_string(),
                    standard: other,
                });
            }
            _ => {}
        }
        check_component(spec, "type", name)?;
        Ok(AgentSpec::new(standard, provider, name))
    }
}

fn parse_standard(spec: &str, text: &str) -> Result<Standard, AgentSpecError> {
    Standard::parse(text).ok_or_else(|| AgentSpecError::UnknownStandard {
        spec: spec.to_string(),
        standard: text.to_string(),
    })
}

impl fmt::Display for AgentSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.provider {
            Some(p) => write!(f, "{}:{}:{}", self.standard, p, self.name),
            None => write!(f, "{}:{}", self.standard, self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_form() {
        let a: AgentSpec = "ocf:heartbeat:IPaddr2".parse().unwrap();
        assert_eq!(a, AgentSpec::ocf("heartbeat", "IPaddr2"));
        assert_eq!(a.to_string(), "ocf:heartbeat:IPaddr2");
        let f: AgentSpec = "fence_dummy".parse().unwrap();
        assert_eq!(f.standard, Standard::Stonith);
        assert_eq!(f.to_string(), "stonith:fence_dummy");
        let l: AgentSpec = "LSB:exim".parse().unwrap();
        assert_eq!((l.standard, l.name.as_str()), (Standard::Lsb, "exim"));
    }

    #[test]
    fn bad_names_say_what_is_wrong() {
        let err = |s: &str| s.parse::<AgentSpec>().unwrap_err().to_string();
        assert!(err("ocf:Dummy").contains("needs a provider"));
        assert!(err("lsb:x:y").contains("only OCF agents have a provider"));
        assert!(err("upstart:x").contains("unknown standard \"upstart\""));
        assert!(err("ocf:heartbeat:../../bin/sh").contains("may not contain '/'"));
        assert!(err("ocf:..:x").contains("provider \"..\""));
        assert!(err("").contains("empty"));
        assert!(err("Dummy").contains("unknown standard"));
    }
}
