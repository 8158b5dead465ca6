//! Result codes: the OCF exit codes every standard is mapped to, and the
//! execution status that says whether the agent ran to completion at all.

use std::fmt;

/// An OCF result code (OCF resource agent API, "Return codes"), the common
/// currency of results: LSB, systemd and fence-agent outcomes are mapped to
/// it. Codes outside the known set are kept as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OcfRc(pub i32);

impl OcfRc {
    pub const OK: OcfRc = OcfRc(0);
    pub const ERR_GENERIC: OcfRc = OcfRc(1);
    pub const ERR_ARGS: OcfRc = OcfRc(2);
    pub const ERR_UNIMPLEMENTED: OcfRc = OcfRc(3);
    pub const ERR_PERM: OcfRc = OcfRc(4);
    pub const ERR_INSTALLED: OcfRc = OcfRc(5);
    pub const ERR_CONFIGURED: OcfRc = OcfRc(6);
    pub const NOT_RUNNING: OcfRc = OcfRc(7);
    pub const RUNNING_PROMOTED: OcfRc = OcfRc(8);
    pub const FAILED_PROMOTED: OcfRc = OcfRc(9);
    pub const DEGRADED: OcfRc = OcfRc(190);
    pub const DEGRADED_PROMOTED: OcfRc = OcfRc(191);

    /// The name Pacemaker's tools print beside the number.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "ok",
            1 => "error",
            2 => "invalid parameter",
            3 => "unimplemented feature",
            4 => "insufficient privileges",
            5 => "not installed",
            6 => "not configured",
            7 => "not running",
            8 => "promoted",
            9 => "promoted (failed)",
            190 => "degraded",
            191 => "degraded promoted",
            _ => "unknown",
        }
    }

    /// The OCF constant for the code, as agents spell it.
    pub fn constant(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "OCF_SUCCESS",
            1 => "OCF_ERR_GENERIC",
            2 => "OCF_ERR_ARGS",
            3 => "OCF_ERR_UNIMPLEMENTED",
            4 => "OCF_ERR_PERM",
            5 => "OCF_ERR_INSTALLED",
            6 => "OCF_ERR_CONFIGURED",
            7 => "OCF_NOT_RUNNING",
            8 => "OCF_RUNNING_PROMOTED",
            9 => "OCF_FAILED_PROMOTED",
            190 => "OCF_DEGRADED",
            191 => "OCF_DEGRADED_PROMOTED",
            _ => return None,
        })
    }
}

impl fmt::Display for OcfRc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.name())
    }
}

/// Whether an operation ran to completion (Pacemaker's "execution status").
/// Only [`ExecStatus::Done`] results carry a code the agent chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecStatus {
    /// The agent ran and exited; its code is the result.
    Done,
    /// Cancelled before or while it ran; no result from the agent counts.
    Cancelled,
    /// The agent did not finish within the operation's timeout and its
    /// process group was killed.
    TimedOut,
    /// The agent is not installed (no such file, or not executable).
    NotInstalled,
    /// The agent could not be run, or was killed by a signal nobody sent.
    Error,
}

impl ExecStatus {
    /// Pacemaker's wording (crm_mon shows it in failed actions).
    pub fn name(self) -> &'static str {
        match self {
            ExecStatus::Done => "complete",
            ExecStatus::Cancelled => "Cancelled",
            ExecStatus::TimedOut => "Timed Out",
            ExecStatus::NotInstalled => "not installed",
            ExecStatus::Error => "Error",
        }
    }
}

impl fmt::Display for ExecStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_ocf_table() {
        assert_eq!(OcfRc::NOT_RUNNING.to_string(), "7 (not running)");
        assert_eq!(OcfRc::RUNNING_PROMOTED.name(), "promoted");
        assert_eq!(
            OcfRc::DEGRADED_PROMOTED.constant(),
            Some("OCF_DEGRADED_PROMOTED")
        );
        assert_eq!(OcfRc(42).name(), "unknown");
        assert_eq!(OcfRc(42).constant(), None);
    }
}
