//! What the executor is asked to do (an [`Operation`]) and what it hands
//! back (an [`OpResult`]), plus the plain data that travels between the
//! sans-IO core and its process driver ([`Invocation`], [`Exit`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::agent::AgentSpec;
use crate::rc::{ExecStatus, OcfRc};

/// Pacemaker's default operation timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// How much of an agent's stdout and stderr a result keeps (the tail).
/// Large enough for any agent's meta-data.
pub const OUTPUT_LIMIT: usize = 256 * 1024;

/// Pacemaker's operation key: `<resource>_<action>_<interval ms>`.
pub fn op_key(resource: &str, action: &str, interval: Duration) -> String {
    format!("{resource}_{action}_{}", interval.as_millis())
}

/// Identifies one submitted operation (Pacemaker's call id). A recurring
/// operation keeps its id across runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(pub u64);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One action of one resource's agent, as the controller asks for it.
#[derive(Clone, PartialEq)]
pub struct Operation {
    /// The resource (instance) id: `OCF_RESOURCE_INSTANCE`.
    pub resource: String,
    pub agent: AgentSpec,
    /// start, stop, monitor, promote, demote, notify, reload, meta-data,
    /// validate-all, migrate_to, migrate_from; for fence agents also on,
    /// off, reboot, status, list.
    pub action: String,
    /// Zero for a one-shot operation; otherwise a recurring one.
    pub interval: Duration,
    pub timeout: Duration,
    /// Delay before the first run.
    pub start_delay: Duration,
    /// For recurring operations: runs fall on `origin + k * interval`
    /// (in the executor's clock).
    pub interval_origin: Option<Duration>,
    /// Instance parameters (`OCF_RESKEY_<name>`, or `name=value` lines on a
    /// fence agent's stdin).
    pub params: BTreeMap<String, String>,
    /// Meta attributes (`OCF_RESKEY_CRM_meta_<name>`); timeout and interval
    /// are added from the fields above.
    pub meta: BTreeMap<String, String>,
    /// Names of parameters whose values are never logged (beside those
    /// [`is_secret_name`] recognizes).
    pub secrets: BTreeSet<String>,
}

/// Parameter names treated as secret whatever the caller says: passwords
/// and anything called a secret.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("passw") || lower.contains("secret")
}

impl Operation {
    /// A one-shot operation with Pacemaker's default timeout.
    pub fn new(resource: &str, agent: AgentSpec, action: &str) -> Operation {
        Operation {
            resource: resource.to_string(),
            agent,
            action: action.to_string(),
            interval: Duration::ZERO,
            timeout: DEFAULT_TIMEOUT,
            start_delay: Duration::ZERO,
            interval_origin: None,
            params: BTreeMap::new(),
            meta: BTreeMap::new(),
            secrets: BTreeSet::new(),
        }
    }

    pub fn param(mut self, name: &str, value: &str) -> Operation {
        self.params.insert(name.to_string(), value.to_string());
        self
    }

    pub fn meta(mut self, name: &str, value: &str) -> Operation {
        self.meta.insert(name.to_string(), value.to_string());
        self
    }

    pub fn interval(mut self, interval: Duration) -> Operation {
        self.interval = interval;
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Operation {
        self.timeout = timeout;
        self
    }

    pub fn secret(mut self, name: &str) -> Operation {
        self.secrets.insert(name.to_string());
        self
    }

    pub fn is_recurring(&self) -> bool {
        !self.interval.is_zero()
    }

    /// Whether the value of parameter `name` must never be logged.
    pub fn is_secret(&self, name: &str) -> bool {
        self.secrets.contains(name) || is_secret_name(name)
    }

    /// The values that must not appear in logs or kept output.
    pub fn secret_values(&self) -> Vec<&str> {
        self.params
            .iter()
            .filter(|(k, v)| self.is_secret(k) && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Pacemaker's operation key: `<resource>_<action>_<interval ms>`.
    pub fn key(&self) -> String {
        op_key(&self.resource, &self.action, self.interval)
    }

    /// The parameters as `name=value` words for logs, secrets masked.
    pub fn params_for_log(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.params {
            if !out.is_empty() {
                out.push(' ');
            }
            if self.is_secret(k) {
                out.push_str(&format!("{k}=*****"));
            } else {
                out.push_str(&format!("{k}={v:?}"));
            }
        }
        out
    }
}

impl fmt::Debug for Operation {
    /// Secrets stay masked even in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("key", &self.key())
            .field("agent", &self.agent.to_string())
            .field("timeout", &self.timeout)
            .field("start_delay", &self.start_delay)
            .field("interval_origin", &self.interval_origin)
            .field("params", &self.params_for_log())
            .field("meta", &self.meta)
            .finish()
    }
}

/// How an agent process ended, as the driver observed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// Exited with this code.
    Code(i32),
    /// Killed by this signal.
    Signaled(i32),
    /// Could not be started at all.
    SpawnFailed { kind: SpawnFailure, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnFailure {
    /// No such program.
    NotFound,
    /// The program exists but may not be executed.
    NotExecutable,
    /// Anything else (out of processes, bad environment, ...).
    Other,
}

/// What the driver must do to run an operation once. Built by the agent
/// conventions ([`crate::standard`]) from an [`Operation`].
#[derive(Clone, PartialEq)]
pub enum Invocation {
    /// Run a program in a new process group, with exactly this environment
    /// added to the driver's base environment, these arguments (never
    /// through a shell) and these bytes on stdin.
    Process {
        program: PathBuf,
        args: Vec<String>,
        env: Vec<(String, String)>,
        stdin: Option<Vec<u8>>,
    },
    /// Produce meta-data for an agent that has none of its own (an LSB
    /// script's comment header, a systemd unit file).
    Describe(Synthesized),
    /// Nothing to run: the result is known already (an action the standard
    /// does not have, or a request that cannot be passed on safely).
    Immediate { rc: OcfRc, reason: String },
}

/// Meta-data the driver writes itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Synthesized {
    /// From the `### BEGIN INIT INFO` header of this init script.
    Lsb { path: PathBuf, name: String },
    /// From the unit file of this systemd unit.
    Systemd { unit: String },
}

impl fmt::Debug for Invocation {
    /// The environment and stdin may hold secrets: only names are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invocation::Process {
                program,
                args,
                env,
                stdin,
            } => f
                .debug_struct("Process")
                .field("program", program)
                .field("args", args)
                .field("env", &env.iter().map(|(k, _)| k).collect::<Vec<_>>())
                .field("stdin_bytes", &stdin.as_ref().map(Vec::len))
                .finish(),
            Invocation::Describe(s) => f.debug_tuple("Describe").field(s).finish(),
            Invocation::Immediate { rc, reason } => f
                .debug_struct("Immediate")
                .field("rc", rc)
                .field("reason", reason)
                .finish(),
        }
    }
}

/// The outcome of one run of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct OpResult {
    pub call_id: CallId,
    pub resource: String,
    pub agent: AgentSpec,
    pub action: String,
    pub interval: Duration,
    pub status: ExecStatus,
    /// The result in OCF terms (for a timeout or cancellation: 1, error).
    pub rc: OcfRc,
    /// What the agent process itself did, when it ran.
    pub exit: Option<Exit>,
    /// The agent's `ocf-exit-reason:` (or the executor's own explanation).
    pub exit_reason: Option<String>,
    /// From start of the agent to its end.
    pub exec_time: Duration,
    /// From when the operation could first run to its start.
    pub queue_time: Duration,
    /// The tail of the agent's stdout and stderr (secret values masked).
    pub stdout: String,
    pub stderr: String,
}

impl OpResult {
    /// Pacemaker's operation key.
    pub fn key(&self) -> String {
        op_key(&self.resource, &self.action, self.interval)
    }

    /// The agent's own exit code, when it exited normally.
    pub fn agent_exit_code(&self) -> Option<i32> {
        match self.exit {
            Some(Exit::Code(c)) => Some(c),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_in_every_rendering() {
        let op = Operation::new("fence1", "fence_ipmilan".parse().unwrap(), "status")
            .param("ip", "10.0.0.1")
            .param("password", "hunter2")
            .param("token", "abc123")
            .secret("token");
        assert_eq!(
            op.params_for_log(),
            "ip=\"10.0.0.1\" password=***** token=*****"
        );
        let debug = format!("{op:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("abc123"),
            "{debug}"
        );
        let mut values = op.secret_values();
        values.sort();
        assert_eq!(values, ["abc123", "hunter2"]);
        assert_eq!(op.key(), "fence1_status_0");
    }
}
