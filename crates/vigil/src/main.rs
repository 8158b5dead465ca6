//! `vigil`: the command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod agent;
mod cluster;
mod daemon_client;
mod explain;
mod input;
mod keygen;
mod output;
mod quorum;
mod resource;
mod sim;
mod simulate;
mod stonith;
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
    /// Resource agents: standards, providers, agents, describe.
    #[command(subcommand)]
    Resource(resource::ResourceCommand),
    /// Run one action of a real agent, the way the cluster would.
    #[command(subcommand)]
    Agent(agent::AgentCommand),
    /// Fencing: fence a node with the devices a CIB configures.
    #[command(subcommand)]
    Stonith(stonith::StonithCommand),
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
        Command::Resource(cmd) => resource::run(cmd),
        Command::Agent(cmd) => agent::run(cmd),
        Command::Stonith(cmd) => stonith::run(cmd),
        Command::Sim(args) => sim::run(args),
    }
}
