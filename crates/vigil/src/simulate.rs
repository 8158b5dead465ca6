//! `vigil simulate`: crm_simulate's what-if view of a CIB.

use std::io::{self, Write};
use std::process::ExitCode;

use vigil_cib::time::DateTime;
use vigil_cib::{Cib, Severity};

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
    /// Write the transition graph (Pacemaker's XML) to FILE.
    #[arg(short = 'G', long = "save-graph")]
    save_graph: Option<String>,
    /// Write the CIB after the simulated transition to FILE (with -S).
    #[arg(short = 'O', long = "save-output")]
    save_output: Option<String>,
    /// Output format: text (crm_simulate's) or json (the transition's
    /// actions and their ordering, for machines).
    #[arg(long = "output-as", value_enum, default_value = "text")]
    output_as: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// The transition was computed but a file it was asked to write could not
/// be written (EX_CANTCREAT).
const EXIT_CANNOT_WRITE: u8 = 73;

pub fn run(args: Args) -> ExitCode {
    let input =
        match crate::input::load_at("simulate", &args.xml_file, args.set_datetime.as_deref()) {
            Ok(i) => i,
            Err(code) => return code,
        };
    output::finish_with(0, |out, err| simulate(&args, input, out, err))
}

fn simulate(
    args: &Args,
    input: crate::input::Input,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let (mut cib, now) = (input.cib, input.now);
    if cib.attr("validate-with") == Some("none") {
        writeln!(
            err,
            "Schema validation of configuration is disabled \
             (enabling is encouraged and prevents common misconfigurations)"
        )?;
    }
    report_configuration_errors(&cib, &args.xml_file, err)?;
    if args.output_as == Format::Json {
        // Pure JSON on standard output; the time is in the document.
        return simulate_json(args, &cib, &now, out);
    }
    if input.replayed {
        writeln!(out, "Using the original execution date of: {now}")?;
    }
    {
        // The status shown is a working set of its own: let it go before
        // scheduling builds the next one (peak memory on big CIBs).
        let (current, _) = vigil_scheduler::current_state(&cib, &now);
        write!(out, "{}", vigil_scheduler::display::header_text(&current))?;
        writeln!(out, "Current cluster status:")?;
        write!(out, "{}", vigil_scheduler::display::status_text(&current))?;
        writeln!(out)?;
    }
    let t = vigil_scheduler::schedule(&cib, &now);
    if std::env::var_os("VIGIL_DEBUG_ACTIONS").is_some() {
        write!(err, "{}", vigil_scheduler::debug_actions(&t.cluster))?;
        write!(err, "{}", vigil_scheduler::debug_colocations(&t.cluster))?;
    }
    if args.show_scores {
        for l in &t.cluster.shown_scores() {
            writeln!(out, "{l}")?;
        }
    }
    writeln!(out, "Transition Summary:")?;
    for l in &t.summary {
        writeln!(out, "{}", l.text)?;
    }
    if let Some(path) = &args.save_graph
        && let Err(e) = std::fs::write(path, t.graph.to_xml())
    {
        writeln!(err, "vigil simulate: cannot write {path}: {e}")?;
        return Ok(EXIT_CANNOT_WRITE);
    }
    if !args.simulate {
        return Ok(0);
    }
    writeln!(out)?;
    writeln!(out, "Executing Cluster Transition:")?;
    // From here on only the document is needed: free the typed view now
    // and the working set after executing, before the revised status
    // builds new ones (otherwise both sets are alive at the peak).
    let mut doc = std::mem::take(&mut cib.doc);
    drop(cib);
    let run = vigil_scheduler::simulate::execute(&t.graph, &mut doc, DateTime::now().epoch());
    drop(t);
    for l in &run.lines {
        writeln!(out, "{l}")?;
    }
    if !run.stuck.is_empty() {
        writeln!(
            err,
            "vigil simulate: {} action(s) of the transition could never run \
             (their inputs did not complete)",
            run.stuck.len()
        )?;
    }
    if input.replayed {
        writeln!(out, "Using the original execution date of: {now}")?;
    }
    writeln!(out)?;
    let revised = Cib::from_document(doc);
    let (after, _) = vigil_scheduler::current_state(&revised, &now);
    writeln!(out, "Revised Cluster Status:")?;
    write!(out, "{}", vigil_scheduler::display::status_text(&after))?;
    if let Some(path) = &args.save_output
        && let Err(e) = std::fs::write(path, revised.doc.to_pretty_xml())
    {
        writeln!(err, "vigil simulate: cannot write {path}: {e}")?;
        return Ok(EXIT_CANNOT_WRITE);
    }
    Ok(0)
}

/// `--output-as json`: schedule (and with -S execute) without the text.
fn simulate_json(args: &Args, cib: &Cib, now: &DateTime, out: &mut dyn Write) -> io::Result<u8> {
    let t = vigil_scheduler::schedule(cib, now);
    let scores = args.show_scores.then(|| t.cluster.shown_scores());
    let executed = args.simulate.then(|| {
        let mut doc = cib.doc.clone();
        vigil_scheduler::simulate::execute(&t.graph, &mut doc, DateTime::now().epoch()).lines
    });
    let v = crate::transition_json::document(
        &t,
        &now.to_string(),
        scores.as_deref(),
        executed.as_deref(),
    );
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&v).unwrap_or_default()
    )?;
    Ok(0)
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
