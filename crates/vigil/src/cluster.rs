//! `vigil cluster …`: the local node's view of the cluster's links.

use std::process::ExitCode;

use clap::Subcommand;
use vigild::render;

use crate::daemon_client::{self, SocketArgs};

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show the state of this node's links to each member (corosync-cfgtool -s).
    Links(SocketArgs),
}

pub fn run(command: Command) -> ExitCode {
    match command {
        Command::Links(args) => daemon_client::run(&args, |c| c.links(), render::links),
    }
}
