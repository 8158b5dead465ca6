//! Vigil's executor (Pacemaker's pacemaker-execd): runs the real resource
//! and fence agents on this node.
//!
//! - [`agent`]: naming agents (`ocf:heartbeat:IPaddr2`, `fence_ipmilan`).
//! - [`standard`]: the conventions of each standard, as pure functions:
//!   what to run for an operation (program, arguments, environment, stdin)
//!   and what its exit means in OCF terms.
//! - [`metadata`]: reading an agent's meta-data.
//! - [`queue`]: the sans-IO core ([`Executor`]): per-resource queues,
//!   recurring operations, timeouts, cancellation. No clock, no processes.
//! - [`runner`]: the thin process driver ([`Runner`]) around the core.
//! - [`discovery`]: which standards, providers and agents this machine has.
//!
//! ```no_run
//! use vigil_executor::{Operation, Runner, RunnerOptions};
//! let mut runner = Runner::new(RunnerOptions::default());
//! let op = Operation::new("vip", "ocf:heartbeat:IPaddr2".parse().unwrap(), "monitor")
//!     .param("ip", "192.0.2.10");
//! let result = runner.run(op);
//! println!("{} {}", result.rc, result.status);
//! ```

pub mod agent;
pub mod discovery;
pub mod metadata;
pub mod operation;
pub mod queue;
pub mod rc;
pub mod runner;
pub mod standard;

pub use agent::{AgentSpec, Standard};
pub use metadata::Metadata;
pub use operation::{CallId, Exit, OpResult, Operation};
pub use queue::Executor;
pub use rc::{ExecStatus, OcfRc};
pub use runner::{Runner, RunnerOptions};
