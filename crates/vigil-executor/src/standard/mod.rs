//! Agent conventions: how each standard is invoked and how its exit is read.
//!
//! Two pure functions per standard: [`invocation`] turns an [`Operation`]
//! into what to run (program, arguments, environment, stdin) and
//! [`interpret`] turns how the process ended (plus its output) into an OCF
//! result. Nothing here touches the file system or spawns anything, so the
//! simulator can use the same rules with agents of its own.

pub mod lsb;
pub mod ocf;
pub mod stonith;
pub mod systemd;

use std::path::PathBuf;

use crate::agent::Standard;
use crate::operation::{Exit, Invocation, Operation, SpawnFailure};
use crate::rc::{ExecStatus, OcfRc};

/// Where agents live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `OCF_ROOT`: agents are `$OCF_ROOT/resource.d/<provider>/<type>`.
    pub ocf_root: PathBuf,
    /// LSB init scripts.
    pub init_dir: PathBuf,
    /// Fence agents (`fence_*`).
    pub fence_dir: PathBuf,
    /// The `systemctl` program.
    pub systemctl: PathBuf,
    /// Where systemd unit files are looked up, in systemd's order.
    pub unit_dirs: Vec<PathBuf>,
}

impl Default for Paths {
    fn default() -> Paths {
        Paths {
            ocf_root: PathBuf::from("/usr/lib/ocf"),
            init_dir: PathBuf::from("/etc/init.d"),
            fence_dir: PathBuf::from("/usr/sbin"),
            systemctl: PathBuf::from("systemctl"),
            unit_dirs: [
                "/etc/systemd/system",
                "/run/systemd/system",
                "/usr/local/lib/systemd/system",
                "/usr/lib/systemd/system",
                "/lib/systemd/system",
            ]
            .iter()
            .map(PathBuf::from)
            .collect(),
        }
    }
}

/// How one run ended, in the cluster's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: ExecStatus,
    pub rc: OcfRc,
    pub reason: Option<String>,
}

impl Outcome {
    pub fn done(rc: OcfRc, reason: Option<String>) -> Outcome {
        Outcome {
            status: ExecStatus::Done,
            rc,
            reason,
        }
    }
}

/// What to run for `op`. A `service` agent is run as LSB here; the driver
/// decides beforehand whether systemd has the unit (see
/// [`crate::discovery::resolve_service`]).
pub fn invocation(op: &Operation, paths: &Paths) -> Invocation {
    match op.agent.standard {
        Standard::Ocf => ocf::invocation(op, paths),
        Standard::Lsb | Standard::Service => lsb::invocation(op, paths),
        Standard::Systemd => systemd::invocation(op, paths),
        Standard::Stonith => stonith::invocation(op, paths),
    }
}

/// Read how the process ended.
pub fn interpret(op: &Operation, exit: &Exit, stdout: &str, stderr: &str) -> Outcome {
    match exit {
        Exit::SpawnFailed { kind, message } => spawn_failure(op, *kind, message),
        Exit::Signaled(sig) => Outcome {
            status: ExecStatus::Error,
            rc: OcfRc::ERR_GENERIC,
            reason: Some(format!("the agent was killed by signal {sig}")),
        },
        Exit::Code(code) => match op.agent.standard {
            Standard::Ocf => ocf::interpret(*code, stderr),
            Standard::Lsb | Standard::Service => lsb::interpret(&op.action, *code, stderr),
            Standard::Systemd => systemd::interpret(&op.action, *code, stdout, stderr),
            Standard::Stonith => stonith::interpret(&op.action, *code, stderr),
        },
    }
}

fn spawn_failure(op: &Operation, kind: SpawnFailure, message: &str) -> Outcome {
    let (status, rc, what) = match kind {
        SpawnFailure::NotFound => (
            ExecStatus::NotInstalled,
            OcfRc::ERR_INSTALLED,
            "is not installed",
        ),
        SpawnFailure::NotExecutable => (
            ExecStatus::NotInstalled,
            OcfRc::ERR_INSTALLED,
            "is not executable",
        ),
        SpawnFailure::Other => (ExecStatus::Error, OcfRc::ERR_GENERIC, "could not be run"),
    };
    Outcome {
        status,
        rc,
        reason: Some(format!("agent {} {what}: {message}", op.agent)),
    }
}

/// The last `ocf-exit-reason:` line an agent wrote to stderr.
pub fn exit_reason(stderr: &str) -> Option<String> {
    stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(ocf::EXIT_REASON_PREFIX))
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
}

/// The last non-empty line of some output, for agents without
/// `ocf-exit-reason:` (LSB scripts, systemctl, fence agents).
pub fn last_line(text: &str) -> Option<String> {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::AgentSpec;

    #[test]
    fn spawn_failures_are_not_installed_with_the_agent_named() {
        let op = Operation::new("r", AgentSpec::ocf("heartbeat", "Nope"), "start");
        let out = interpret(
            &op,
            &Exit::SpawnFailed {
                kind: SpawnFailure::NotFound,
                message: "No such file or directory".into(),
            },
            "",
            "",
        );
        assert_eq!(out.status, ExecStatus::NotInstalled);
        assert_eq!(out.rc, OcfRc::ERR_INSTALLED);
        assert_eq!(
            out.reason.as_deref(),
            Some("agent ocf:heartbeat:Nope is not installed: No such file or directory")
        );
    }

    #[test]
    fn exit_reason_is_the_last_marked_line() {
        let err = "noise\nocf-exit-reason:first\nmore\nocf-exit-reason: second \n";
        assert_eq!(exit_reason(err).as_deref(), Some("second"));
        assert_eq!(exit_reason("nothing here"), None);
        assert_eq!(last_line("a\nb\n\n  \n").as_deref(), Some("b"));
    }
}
