//! What this machine has: standards, OCF providers and agents (read from
//! the file system, as `crm_resource --list-*` does).

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::agent::{AgentSpec, Standard};
use crate::standard::{Paths, systemd};

/// Why an agent cannot be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    #[error("{0}")]
    BadName(crate::agent::AgentSpecError),
    #[error("unable to find agent {0:?}: no OCF, LSB or systemd agent of that name is installed")]
    NotFound(String),
    #[error("multiple agents match {name:?}, please give the full name: {}", candidates.join(", "))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
    #[error("no OCF provider {provider:?} in {root} (providers here: {})", known.join(", "))]
    UnknownProvider {
        provider: String,
        root: String,
        known: Vec<String>,
    },
}

/// Whether systemd is this machine's init (sd_booted(): the directory
/// `/run/systemd/system` exists only then).
pub fn systemd_running() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

fn is_executable_file(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Executable files in `dir` (sorted names), skipping hidden ones.
fn executables(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| is_executable_file(&e.path()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.') && keep(n))
        .collect();
    names.sort();
    names
}

/// The standards this machine supports, in Pacemaker's order.
pub fn standards(paths: &Paths) -> Vec<Standard> {
    let ocf = paths.ocf_root.join("resource.d").is_dir();
    let lsb = paths.init_dir.is_dir();
    let sd = systemd_running();
    let fence = !stonith_agents(paths).is_empty();
    Standard::ALL
        .into_iter()
        .filter(|s| match s {
            Standard::Ocf => ocf,
            Standard::Lsb => lsb,
            Standard::Service => lsb || sd,
            Standard::Systemd => sd,
            Standard::Stonith => fence,
        })
        .collect()
}

/// OCF providers (directories under `$OCF_ROOT/resource.d`).
pub fn providers(paths: &Paths) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(paths.ocf_root.join("resource.d")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// OCF agents of one provider.
pub fn ocf_agents(paths: &Paths, provider: &str) -> Result<Vec<String>, DiscoveryError> {
    let dir = paths.ocf_root.join("resource.d").join(provider);
    if provider.contains('/') || !dir.is_dir() {
        return Err(DiscoveryError::UnknownProvider {
            provider: provider.to_string(),
            root: paths.ocf_root.join("resource.d").display().to_string(),
            known: providers(paths),
        });
    }
    Ok(executables(&dir, |_| true))
}

pub fn lsb_agents(paths: &Paths) -> Vec<String> {
    executables(&paths.init_dir, |_| true)
}

pub fn stonith_agents(paths: &Paths) -> Vec<String> {
    executables(&paths.fence_dir, |n| n.starts_with("fence_"))
}

/// systemd services from the unit files on disk (templates, which need an
/// instance name, are left out). Works whether or not systemd runs.
pub fn systemd_agents(paths: &Paths) -> Vec<String> {
    let mut names = BTreeSet::new();
    for dir in &paths.unit_dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            if let Ok(n) = e.file_name().into_string()
                && let Some(stem) = n.strip_suffix(".service")
                && !stem.ends_with('@')
            {
                names.insert(stem.to_string());
            }
        }
    }
    names.into_iter().collect()
}

/// Agents of a standard (`provider` only for OCF; without one, every
/// provider's agents, provider after provider).
pub fn agents(
    paths: &Paths,
    standard: Standard,
    provider: Option<&str>,
) -> Result<Vec<String>, DiscoveryError> {
    Ok(match standard {
        Standard::Ocf => match provider {
            Some(p) => ocf_agents(paths, p)?,
            // Each provider's list in turn, as crm_resource prints them.
            None => {
                let mut all = Vec::new();
                for p in providers(paths) {
                    all.extend(ocf_agents(paths, &p)?);
                }
                all
            }
        },
        Standard::Lsb => lsb_agents(paths),
        Standard::Systemd => systemd_agents(paths),
        Standard::Service => {
            // Units count only where systemd can run them.
            let mut all: BTreeSet<String> = lsb_agents(paths).into_iter().collect();
            if systemd_running() {
                all.extend(systemd_agents(paths));
            }
            all.into_iter().collect()
        }
        Standard::Stonith => stonith_agents(paths),
    })
}

/// Whether `unit`'s file exists in the unit directories.
pub fn unit_exists(paths: &Paths, name: &str) -> bool {
    let unit = systemd::unit_name(name);
    paths.unit_dirs.iter().any(|d| d.join(&unit).is_file())
}

/// The concrete standard of a `service:` agent: systemd when it runs and
/// has the unit, else LSB.
pub fn resolve_service(paths: &Paths, name: &str) -> Standard {
    if systemd_running() && unit_exists(paths, name) {
        Standard::Systemd
    } else {
        Standard::Lsb
    }
}

/// Make an agent concrete for running: `service:` becomes LSB or systemd.
pub fn concrete(paths: &Paths, agent: &AgentSpec) -> AgentSpec {
    match agent.standard {
        Standard::Service => AgentSpec::new(resolve_service(paths, &agent.name), None, &agent.name),
        _ => agent.clone(),
    }
}

/// Whether the agent is installed here.
pub fn installed(paths: &Paths, agent: &AgentSpec) -> bool {
    match agent.standard {
        Standard::Ocf => is_executable_file(
            &paths
                .ocf_root
                .join("resource.d")
                .join(agent.provider.as_deref().unwrap_or(""))
                .join(&agent.name),
        ),
        Standard::Lsb => is_executable_file(&paths.init_dir.join(&agent.name)),
        Standard::Systemd => unit_exists(paths, &agent.name),
        Standard::Service => {
            is_executable_file(&paths.init_dir.join(&agent.name)) || unit_exists(paths, &agent.name)
        }
        Standard::Stonith => is_executable_file(&paths.fence_dir.join(&agent.name)),
    }
}

/// Find the agent meant by a name without a standard (`IPaddr2`,
/// `heartbeat:IPaddr2`), as pcs does: OCF providers first, then LSB and
/// systemd. More than one match is an error that lists them.
pub fn resolve_name(paths: &Paths, name: &str) -> Result<AgentSpec, DiscoveryError> {
    match name.parse::<AgentSpec>() {
        Ok(spec) => return Ok(spec),
        // It names a standard, so it is not a bare type: say what is wrong.
        Err(e) if name.split(':').next().and_then(Standard::parse).is_some() => {
            return Err(DiscoveryError::BadName(e));
        }
        Err(_) => {}
    }
    let mut found = Vec::new();
    match name.split_once(':') {
        Some((provider, agent)) => {
            let spec = AgentSpec::ocf(provider, agent);
            if installed(paths, &spec) {
                found.push(spec);
            }
        }
        None if !name.contains('/') && !name.is_empty() => {
            for p in providers(paths) {
                let spec = AgentSpec::ocf(&p, name);
                if installed(paths, &spec) {
                    found.push(spec);
                }
            }
            if found.is_empty() {
                let spec = AgentSpec::new(Standard::Service, None, name);
                if installed(paths, &spec) {
                    found.push(spec);
                }
            }
        }
        None => {}
    }
    match found.len() {
        0 => Err(DiscoveryError::NotFound(name.to_string())),
        1 => Ok(found.remove(0)),
        _ => Err(DiscoveryError::Ambiguous {
            name: name.to_string(),
            candidates: found.iter().map(ToString::to_string).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_tree() -> (tempdir::Dir, Paths) {
        let dir = tempdir::Dir::new("discovery");
        let root = dir.path();
        for (p, exec) in [
            ("ocf/resource.d/heartbeat/Dummy", true),
            ("ocf/resource.d/heartbeat/README", false),
            ("ocf/resource.d/pacemaker/Dummy", true),
            ("ocf/resource.d/pacemaker/Stateful", true),
            ("init.d/exim", true),
            ("sbin/fence_dummy", true),
            ("sbin/fenced", true),
            ("units/web.service", false),
            ("units/getty@.service", false),
        ] {
            let path = root.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            let mode = if exec { 0o755 } else { 0o644 };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let paths = Paths {
            ocf_root: root.join("ocf"),
            init_dir: root.join("init.d"),
            fence_dir: root.join("sbin"),
            systemctl: "systemctl".into(),
            unit_dirs: vec![root.join("units")],
        };
        (dir, paths)
    }

    /// A temporary directory removed on drop (std only).
    mod tempdir {
        pub struct Dir(std::path::PathBuf);
        impl Dir {
            pub fn new(tag: &str) -> Dir {
                let p = std::env::temp_dir().join(format!(
                    "vigil-{tag}-{}-{:?}",
                    std::process::id(),
                    std::thread::current().id()
                ));
                let _ = std::fs::remove_dir_all(&p);
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
            pub fn path(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn lists_what_is_installed() {
        let (_dir, paths) = fake_tree();
        assert_eq!(providers(&paths), ["heartbeat", "pacemaker"]);
        assert_eq!(
            agents(&paths, Standard::Ocf, Some("heartbeat")).unwrap(),
            ["Dummy"]
        );
        assert_eq!(
            agents(&paths, Standard::Ocf, None).unwrap(),
            ["Dummy", "Dummy", "Stateful"]
        );
        assert_eq!(
            agents(&paths, Standard::Stonith, None).unwrap(),
            ["fence_dummy"]
        );
        assert_eq!(agents(&paths, Standard::Systemd, None).unwrap(), ["web"]);
        let service = agents(&paths, Standard::Service, None).unwrap();
        let expected: &[&str] = if systemd_running() {
            &["exim", "web"]
        } else {
            &["exim"]
        };
        assert_eq!(service, expected);
        let err = agents(&paths, Standard::Ocf, Some("linbit")).unwrap_err();
        assert!(
            err.to_string()
                .contains("providers here: heartbeat, pacemaker"),
            "{err}"
        );
    }

    #[test]
    fn bare_names_resolve_like_pcs() {
        let (_dir, paths) = fake_tree();
        assert_eq!(
            resolve_name(&paths, "Stateful").unwrap().to_string(),
            "ocf:pacemaker:Stateful"
        );
        assert_eq!(
            resolve_name(&paths, "exim").unwrap().to_string(),
            "service:exim"
        );
        let err = resolve_name(&paths, "Dummy").unwrap_err().to_string();
        assert_eq!(
            err,
            "multiple agents match \"Dummy\", please give the full name: ocf:heartbeat:Dummy, ocf:pacemaker:Dummy"
        );
        assert!(matches!(
            resolve_name(&paths, "nope"),
            Err(DiscoveryError::NotFound(_))
        ));
    }
}
