//! `vigil`: the command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod input;
mod output;
mod simulate;
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Simulate(args) => simulate::run(args),
        Command::Verify(args) => verify::run(args),
    }
}
