//! `vigil`: the command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod explain;
mod input;
mod keygen;
mod output;
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
    /// Deterministic simulation of the cluster's protocols (`sim totem`).
    Sim(sim::Args),
    /// Generate the cluster's authentication key (corosync-keygen).
    Keygen(keygen::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Simulate(args) => simulate::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Sim(args) => sim::run(args),
        Command::Keygen(args) => keygen::run(args),
    }
}
