//! `vigil simulate`: crm_simulate's what-if view of a CIB.

use std::process::ExitCode;

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

pub fn run(args: Args) -> ExitCode {
    let input = match crate::input::load("simulate", &args.xml_file, args.set_datetime.as_deref()) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let (cib, now) = (input.cib, input.now);
    if cib.attr("validate-with") == Some("none") {
        eprintln!(
            "Schema validation of configuration is disabled \
             (enabling is encouraged and prevents common misconfigurations)"
        );
    }
    if input.replayed {
        println!("Using the original execution date of: {now}");
    }
    let (current, _) = vigil_scheduler::current_state(&cib, &now);
    print!("{}", vigil_scheduler::display::header_text(&current));
    println!("Current cluster status:");
    print!("{}", vigil_scheduler::display::status_text(&current));
    println!();
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
    let _ = args.simulate;
    ExitCode::SUCCESS
}
