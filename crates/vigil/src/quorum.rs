//! `vigil quorum …`: votequorum's view from the local vigild.

use std::process::ExitCode;
use std::time::SystemTime;

use clap::Subcommand;
use vigild::{civil, render};

use crate::daemon_client::{self, SocketArgs};

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show quorum and membership (corosync-quorumtool -s). Dates are UTC.
    Status(SocketArgs),
}

pub fn run(command: Command) -> ExitCode {
    match command {
        Command::Status(args) => daemon_client::run(
            &args,
            |c| c.quorum_status(),
            |status| render::quorum_status(status, &civil::ctime(SystemTime::now())),
        ),
    }
}
