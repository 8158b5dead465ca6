//! Vigil's fencer core (Pacemaker's pacemaker-fenced).
//!
//! - [`device`]: fencing devices from the CIB's stonith resources and their
//!   special attributes (`pcmk_host_list`, `pcmk_host_map`,
//!   `pcmk_host_check`, `pcmk_host_argument`, delays, per-action remaps,
//!   timeouts and retries).
//! - [`topology`]: fencing levels for a node.
//! - [`fencer`]: the sans-IO [`Fencer`]: requests in, fence-agent
//!   operations out (run by the executor), outcomes and history back.
//! - [`drive`]: a blocking driver over the executor's [`Runner`], for the
//!   CLI and tests.
//!
//! [`Runner`]: vigil_executor::Runner

pub mod device;
pub mod drive;
pub mod fencer;
pub mod topology;

pub use device::{Device, HostCheck};
pub use fencer::{FenceAction, FenceOutcome, FenceState, Fencer, HistoryEntry};
