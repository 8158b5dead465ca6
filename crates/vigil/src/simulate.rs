//! `vigil simulate`: crm_simulate's what-if view of a CIB.

use std::io::{self, Write};
use std::process::ExitCode;

use vigil_cib::time::DateTime;
use vigil_cib::{Cib, Severity};

use crate::input::{self, Trouble, Unreadable};
use crate::output;

#[derive(clap::Args)]
pub struct Args {
    /// The CIB to read.
    #[arg(short = 'x', long = "xml-file")]
    xml_file: String,
    /// Simulate executing the transition and show the resulting status.
    #[arg(short = 'S', long = "simulate")]
    simulate: bool,
    /// Show allocation scores.
    #[arg(short = 's', long = "show-scores")]
    show_scores: bool,
    /// Run as if the time were DATE (ISO 8601).
    #[arg(short = 't', long = "set-datetime")]
    set_datetime: Option<String>,
}

/// The CIB is not well-formed XML (EX_CONFIG; crm_simulate exits 78 when
/// such a CIB fails its schema).
const EXIT_MALFORMED: u8 = 78;
/// There is no CIB to read: missing, unreadable, empty or not a `<cib>`
/// (EX_NOINPUT, as crm_simulate for a document that is not a CIB).
const EXIT_NO_INPUT: u8 = 66;
/// Bad command-line usage (EX_USAGE).
const EXIT_USAGE: u8 = 64;

pub fn run(args: Args) -> ExitCode {
    let cib = match input::load(&args.xml_file) {
        Ok(c) => c,
        Err(Unreadable {
            trouble,
            diagnostic,
        }) => {
            let exit = match trouble {
                Trouble::Malformed => EXIT_MALFORMED,
                Trouble::NoInput | Trouble::NotACib => EXIT_NO_INPUT,
            };
            return output::finish(exit, |_, err| {
                writeln!(err, "{}", diagnostic.render(&args.xml_file))
            });
        }
    };
    let now = match &args.set_datetime {
        Some(t) => match DateTime::parse(t) {
            Ok(d) => Some(d),
            Err(e) => {
                return output::finish(EXIT_USAGE, |_, err| {
                    writeln!(
                        err,
                        "vigil simulate: invalid --set-datetime {t:?}: {e}: use an ISO 8601 \
                         date/time such as 2024-01-31T12:00:00Z"
                    )
                });
            }
        },
        None => None,
    };
    output::finish(0, |out, err| simulate(&args, &cib, now, out, err))
}

fn simulate(
    args: &Args,
    cib: &Cib,
    now: Option<DateTime>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    if cib.attr("validate-with") == Some("none") {
        writeln!(
            err,
            "Schema validation of configuration is disabled \
             (enabling is encouraged and prevents common misconfigurations)"
        )?;
    }
    report_configuration_errors(cib, &args.xml_file, err)?;
    let now = match now {
        Some(d) => d,
        // A saved scheduler input replays at the time it was recorded.
        None => match cib.execution_date() {
            Some(d) => {
                writeln!(out, "Using the original execution date of: {d}")?;
                d
            }
            None => DateTime::now(),
        },
    };
    let (current, _) = vigil_scheduler::current_state(cib, &now);
    write!(out, "{}", vigil_scheduler::display::header_text(&current))?;
    writeln!(out, "Current cluster status:")?;
    write!(out, "{}", vigil_scheduler::display::status_text(&current))?;
    writeln!(out)?;
    let t = vigil_scheduler::schedule(cib, &now);
    if std::env::var_os("VIGIL_DEBUG_ACTIONS").is_some() {
        write!(err, "{}", vigil_scheduler::debug_actions(&t.cluster))?;
        write!(err, "{}", vigil_scheduler::debug_colocations(&t.cluster))?;
    }
    if args.show_scores {
        let mut lines = t.cluster.score_log.clone();
        lines.extend(t.cluster.promotion_log.iter().cloned());
        lines.sort();
        for l in &lines {
            writeln!(out, "{l}")?;
        }
    }
    writeln!(out, "Transition Summary:")?;
    for l in &t.summary {
        writeln!(out, "{}", l.text)?;
    }
    let _ = args.simulate;
    Ok(())
}

/// Pacemaker simulates a CIB with configuration errors (with schema
/// validation off, or where the schema cannot see them), ignoring what it
/// cannot use: an unknown resource class, a constraint naming a missing
/// resource, a score or date it cannot read. So does `vigil simulate`, but
/// it first says what it is ignoring and where, with `vigil verify`'s
/// checks, each error printed as a warning.
fn report_configuration_errors(cib: &Cib, file: &str, err: &mut dyn Write) -> io::Result<()> {
    let problems: Vec<_> = vigil_cib::verify::verify(cib)
        .items
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    for mut d in problems.iter().cloned() {
        d.severity = Severity::Warning;
        writeln!(err, "{}", d.render(file))?;
    }
    let n = problems.len();
    let s = if n == 1 { "" } else { "s" };
    writeln!(
        err,
        "vigil simulate: {n} configuration error{s}; simulating as Pacemaker would, \
         ignoring what it cannot use (`vigil verify -x {file}` checks the configuration)"
    )
}
