//! `vigil simulate`: crm_simulate's what-if view of a CIB.

use std::process::ExitCode;

use vigil_cib::Cib;
use vigil_cib::time::DateTime;

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

pub fn run(args: Args) -> ExitCode {
    let input = match crate::input::load("simulate", &args.xml_file, args.set_datetime.as_deref()) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let (mut cib, now) = (input.cib, input.now);
    if cib.attr("validate-with") == Some("none") {
        eprintln!(
            "Schema validation of configuration is disabled \
             (enabling is encouraged and prevents common misconfigurations)"
        );
    }
    if input.replayed {
        println!("Using the original execution date of: {now}");
    }
    if args.output_as == Format::Json {
        return run_json(&args, &cib, &now);
    }
    {
        // The status shown is a working set of its own: let it go before
        // scheduling builds the next one (peak memory on big CIBs).
        let (current, _) = vigil_scheduler::current_state(&cib, &now);
        print!("{}", vigil_scheduler::display::header_text(&current));
        println!("Current cluster status:");
        print!("{}", vigil_scheduler::display::status_text(&current));
        println!();
    }
    let t = vigil_scheduler::schedule(&cib, &now);
    if std::env::var_os("VIGIL_DEBUG_ACTIONS").is_some() {
        eprint!("{}", vigil_scheduler::debug_actions(&t.cluster));
        eprint!("{}", vigil_scheduler::debug_colocations(&t.cluster));
    }
    if args.show_scores {
        let mut lines = t.cluster.score_log.clone();
        lines.extend(t.cluster.promotion_log.iter().cloned());
        lines.sort();
        for l in &lines {
            println!("{l}");
        }
    }
    println!("Transition Summary:");
    for l in &t.summary {
        println!("{}", l.text);
    }
    if let Some(path) = &args.save_graph
        && let Err(e) = std::fs::write(path, t.graph.to_xml())
    {
        eprintln!("vigil simulate: cannot write {path}: {e}");
        return ExitCode::from(73);
    }
    if !args.simulate {
        return ExitCode::SUCCESS;
    }
    println!();
    println!("Executing Cluster Transition:");
    // From here on only the document is needed: free the typed view now
    // and the working set after executing, before the revised status
    // builds new ones (otherwise both sets are alive at the peak).
    let mut doc = std::mem::take(&mut cib.doc);
    drop(cib);
    let run = vigil_scheduler::simulate::execute(&t.graph, &mut doc, DateTime::now().epoch());
    drop(t);
    for l in &run.lines {
        println!("{l}");
    }
    if !run.stuck.is_empty() {
        eprintln!(
            "vigil simulate: {} action(s) of the transition could never run \
             (their inputs did not complete)",
            run.stuck.len()
        );
    }
    if input.replayed {
        println!("Using the original execution date of: {now}");
    }
    println!();
    let revised = Cib::from_document(doc);
    let (after, _) = vigil_scheduler::current_state(&revised, &now);
    println!("Revised Cluster Status:");
    print!("{}", vigil_scheduler::display::status_text(&after));
    if let Some(path) = &args.save_output
        && let Err(e) = std::fs::write(path, revised.doc.to_pretty_xml())
    {
        eprintln!("vigil simulate: cannot write {path}: {e}");
        return ExitCode::from(73);
    }
    ExitCode::SUCCESS
}

/// `--output-as json`: schedule (and with -S execute) without the text.
fn run_json(args: &Args, cib: &Cib, now: &DateTime) -> ExitCode {
    let t = vigil_scheduler::schedule(cib, now);
    let scores = args.show_scores.then(|| {
        let mut lines = t.cluster.score_log.clone();
        lines.extend(t.cluster.promotion_log.iter().cloned());
        lines.sort();
        lines
    });
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
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    ExitCode::SUCCESS
}
