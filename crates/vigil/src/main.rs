//! `vigil`: the command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod input;
mod simulate;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Simulate(args) => simulate::run(args),
    }
}
