//! `vigil stonith fence NODE -x CIB`: fence a node with the devices and
//! topology a CIB configures, running the real fence agents
//! (`stonith_admin --fence` / `pcs stonith fence`, offline).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use vigil_executor::Runner;
use vigil_fencing::drive::fence;
use vigil_fencing::{FenceAction, FenceState, Fencer};

use crate::agent::runner_options;
use crate::input::{self, Trouble, Unreadable};
use crate::output;

const EXIT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 64;
const EXIT_NO_INPUT: u8 = 66;
const EXIT_INVALID: u8 = 78;

#[derive(clap::Subcommand)]
pub enum StonithCommand {
    /// Fence a node now with the fencing devices (and topology) of a CIB.
    ///
    /// Levels are tried in index order, every device of a level must
    /// succeed; without topology, each device that can fence the node
    /// (pcmk_host_list, pcmk_host_map, pcmk_host_check) is tried in turn.
    #[command(
        after_help = "Exit status: 0 fenced, 1 fencing failed, 64 usage error, 66 no CIB, 78 unreadable CIB."
    )]
    Fence(FenceArgs),
    /// List the fence agents installed, one per line (pcs stonith list).
    List,
    /// Show a fence agent's options (pcs stonith describe).
    Describe {
        /// `fence_NAME` or `stonith:fence_NAME`.
        agent: String,
        /// Also show advanced and deprecated options.
        #[arg(long)]
        full: bool,
    },
}

#[derive(clap::Args)]
pub struct FenceArgs {
    /// The node to fence.
    node: String,
    /// The CIB with the fencing devices.
    #[arg(short = 'x', long = "xml-file", value_name = "FILE")]
    xml_file: String,
    /// reboot (default), off or on.
    #[arg(long, default_value = "reboot")]
    action: String,
    /// Turn the node off rather than reboot it (same as --action off).
    #[arg(long, conflicts_with = "action")]
    off: bool,
    /// How long the whole request may take.
    #[arg(long, default_value = "60s", value_name = "DURATION")]
    timeout: String,
}

pub fn run(cmd: StonithCommand) -> ExitCode {
    match cmd {
        StonithCommand::Fence(args) => fence_node(args),
        StonithCommand::List => crate::resource::run(crate::resource::ResourceCommand::Agents {
            filter: Some("stonith".to_string()),
        }),
        StonithCommand::Describe { agent, full } => {
            let agent = if agent.contains(':') {
                agent
            } else {
                format!("stonith:{agent}")
            };
            crate::resource::run(crate::resource::ResourceCommand::Describe { agent, full })
        }
    }
}

fn fence_node(args: FenceArgs) -> ExitCode {
    let action_word = if args.off {
        "off"
    } else {
        args.action.as_str()
    };
    let Some(action) = FenceAction::parse(action_word) else {
        return output::finish(EXIT_USAGE, |_, err| {
            writeln!(
                err,
                "Error: --action {action_word:?} is not one of reboot, off, on"
            )
        });
    };
    let Some(timeout) = vigil_cib::time::parse_interval_ms(&args.timeout)
        .map(Duration::from_millis)
        .filter(|t| !t.is_zero())
    else {
        return output::finish(EXIT_USAGE, |_, err| {
            writeln!(
                err,
                "Error: --timeout {:?} is not a duration (e.g. 60s, 2min)",
                args.timeout
            )
        });
    };
    let cib = match input::load(&args.xml_file) {
        Ok(c) => c,
        Err(Unreadable {
            trouble,
            diagnostic,
        }) => {
            let code = match trouble {
                Trouble::Malformed => EXIT_INVALID,
                Trouble::NoInput | Trouble::NotACib => EXIT_NO_INPUT,
            };
            return output::finish(code, |_, err| {
                writeln!(err, "{}", diagnostic.render(&args.xml_file))
            });
        }
    };
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let (mut fencer, problems) = Fencer::from_cib(&cib, seed);
    output::finish_with(EXIT_FAILED, |out, err| {
        for p in &problems {
            writeln!(err, "{}: warning: {p}", args.xml_file)?;
        }
        if fencer.devices().is_empty() {
            writeln!(
                err,
                "Error: {} configures no fencing devices (stonith resources)",
                args.xml_file
            )?;
            return Ok(EXIT_FAILED);
        }
        let mut runner = Runner::new(runner_options());
        if let Some(problem) = runner.state_dir_problem() {
            writeln!(err, "warning: {problem}")?;
        }
        let started = Instant::now();
        let mut steps = Vec::new();
        let outcome = fence(
            &mut fencer,
            &mut runner,
            &args.node,
            action,
            "vigil stonith fence",
            timeout,
            |r| steps.push(r.clone()),
        );
        for r in &steps {
            let mut line = format!(
                "  {} {} ({}): {} [{}ms]",
                r.resource,
                r.action,
                r.agent,
                r.rc,
                r.exec_time.as_millis()
            );
            if r.rc.0 != 0
                && let Some(reason) = &r.exit_reason
            {
                line.push_str(&format!(": {reason}"));
            }
            writeln!(out, "{line}")?;
        }
        let entry = fencer.history().last();
        let took = started.elapsed().as_millis();
        if outcome.succeeded {
            writeln!(
                out,
                "{} of {} successful: devices={} ({took}ms)",
                action.as_str(),
                args.node,
                outcome.devices.join(",")
            )?;
        } else {
            writeln!(
                out,
                "{} of {} failed: {} ({took}ms)",
                action.as_str(),
                args.node,
                outcome.reason.as_deref().unwrap_or("unknown reason")
            )?;
        }
        debug_assert!(
            entry.is_some_and(|e| (e.state == FenceState::Succeeded) == outcome.succeeded)
        );
        Ok(if outcome.succeeded { 0 } else { EXIT_FAILED })
    })
}
