//! `vigil`: the command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cluster;
mod daemon_client;
mod explain;
mod input;
mod keygen;
mod output;
mod quorum;
mod sim;
mod simulate;
mod transition_json;
mod verify;

#[derive(Parser)]
#[command(
    name = "vigil",
    version,
    about = "High-availability cluster manager (Pacemaker-compatible)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show what the cluster would do (crm_simulate).
    Simulate(simulate::Args),
    /// Check a configuration for errors (crm_verify).
    Verify(verify::Args),
    /// Say why a resource is where it is, or why it is stopped.
    ///
    /// For every node: its score when the resource's node was chosen, what
    /// contributed to it (constraints, rules, stickiness, failures, ...),
    /// and what rules the node out.
    Explain(explain::Args),
    /// The running cluster as this node's vigild sees it.
    #[command(subcommand)]
    Cluster(cluster::Command),
    /// Quorum as this node's vigild sees it.
    #[command(subcommand)]
    Quorum(quorum::Command),
    /// Generate the cluster's authentication key (corosync-keygen).
    Keygen(keygen::Args),
    /// Deterministic simulation of the cluster's protocols (`sim totem`).
    Sim(sim::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Simulate(args) => simulate::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Cluster(command) => cluster::run(command),
        Command::Quorum(command) => quorum::run(command),
        Command::Keygen(args) => keygen::run(args),
        Command::Sim(args) => sim::run(args),
    }
}
