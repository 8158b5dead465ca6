//! `vigil verify`: check a CIB for errors (Pacemaker's `crm_verify`).
//!
//! One line per problem, `FILE:LINE: error: <what> (id <id>): <what would
//! be valid>`, in document order; warnings only with `-V`. Exit status as
//! `crm_verify`: 0 valid, 78 invalid, 66 no input (64 for a usage error).

use std::io::{self, Write};
use std::process::ExitCode;

use serde_json::json;
use vigil_cib::{Diagnostics, Severity};

use crate::input::{self, Trouble, Unreadable};
use crate::output;

/// The configuration is valid (warnings allowed).
const EXIT_VALID: u8 = 0;
/// Bad command-line usage (EX_USAGE).
const EXIT_USAGE: u8 = 64;
/// There is no input to check (EX_NOINPUT).
const EXIT_NO_INPUT: u8 = 66;
/// The configuration is invalid (EX_CONFIG).
const EXIT_INVALID: u8 = 78;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
#[command(after_help = "\
Each problem is one line: FILE:LINE: error: <what> (id <XML id>): <what would be valid>
Errors make the configuration invalid; warnings (shown with -V) do not.

Exit status: 0 valid, 78 invalid, 66 no input (missing, unreadable or empty), 64 usage error.")]
pub struct Args {
    /// Check the configuration in the named file.
    #[arg(short = 'x', long = "xml-file", value_name = "FILE")]
    xml_file: Option<String>,
    /// Check the configuration piped in on standard input.
    #[arg(short = 'p', long = "xml-pipe", conflicts_with = "xml_file")]
    xml_pipe: bool,
    /// Check the configuration given as an argument.
    #[arg(short = 'X', long = "xml-text", value_name = "XML", conflicts_with_all = ["xml_file", "xml_pipe"])]
    xml_text: Option<String>,
    /// Check the configuration of the running cluster (needs the Vigil daemon).
    #[arg(short = 'L', long = "live-check", conflicts_with_all = ["xml_file", "xml_pipe", "xml_text"])]
    live_check: bool,
    /// Also show warnings (may be repeated).
    #[arg(short = 'V', long = "verbose", action = clap::ArgAction::Count)]
    verbose: u8,
    /// Output format: text (one line per problem) or json.
    #[arg(long = "output-as", value_enum, default_value = "text")]
    output_as: OutputFormat,
}

/// The outcome of a check, ready to print.
struct Report {
    /// How the input is named in diagnostics.
    source: String,
    diagnostics: Diagnostics,
    exit: u8,
}

pub fn run(args: Args) -> ExitCode {
    let report = match check(&args) {
        Ok(r) => r,
        Err(usage) => {
            return output::finish(EXIT_USAGE, |_, err| writeln!(err, "vigil verify: {usage}"));
        }
    };
    output::finish(report.exit, |out, err| match args.output_as {
        OutputFormat::Text => print_text(&report, args.verbose > 0, out, err),
        OutputFormat::Json => print_json(&report, out),
    })
}

/// Read the input named by `args` and check it. `Err` is a usage error.
fn check(args: &Args) -> Result<Report, String> {
    let (source, text) = if let Some(path) = &args.xml_file {
        (path.clone(), input::read_file(path))
    } else if args.xml_pipe {
        ("stdin".to_string(), input::read_stdin())
    } else if let Some(text) = &args.xml_text {
        ("xml-text".to_string(), Ok(text.clone()))
    } else if args.live_check {
        let mut diagnostics = Diagnostics::default();
        diagnostics
            .push(
                Severity::Error,
                0,
                "",
                "no running cluster to query (the Vigil daemon is not available here)".into(),
            )
            .hint("check a saved CIB with -x FILE instead");
        return Ok(Report {
            source: "live-cluster".into(),
            diagnostics,
            exit: EXIT_NO_INPUT,
        });
    } else {
        return Err(
            "no configuration to check; use -x FILE, -p (read standard input) or -X XML".into(),
        );
    };
    let cib = match text.and_then(|text| input::parse(&source, text)) {
        Ok(cib) => cib,
        Err(Unreadable {
            trouble,
            diagnostic,
        }) => {
            let exit = match trouble {
                Trouble::NoInput => EXIT_NO_INPUT,
                Trouble::Malformed | Trouble::NotACib => EXIT_INVALID,
            };
            return Ok(Report {
                source,
                diagnostics: Diagnostics {
                    items: vec![diagnostic],
                },
                exit,
            });
        }
    };
    let diagnostics = vigil_cib::verify::verify(&cib);
    let exit = if diagnostics.has_errors() {
        EXIT_INVALID
    } else {
        EXIT_VALID
    };
    Ok(Report {
        source,
        diagnostics,
        exit,
    })
}

fn print_text(
    report: &Report,
    verbose: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    let mut hidden = 0;
    for d in &report.diagnostics.items {
        if d.severity == Severity::Warning && !verbose {
            hidden += 1;
            continue;
        }
        writeln!(out, "{}", d.render(&report.source))?;
    }
    if report.exit == EXIT_INVALID {
        writeln!(out, "Errors found during check: config not valid")?;
    }
    if hidden > 0 {
        let s = if hidden == 1 { "" } else { "s" };
        writeln!(
            err,
            "vigil verify: {hidden} warning{s} not shown; -V shows them"
        )?;
    }
    Ok(())
}

fn print_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let diagnostics: Vec<_> = report
        .diagnostics
        .items
        .iter()
        .map(|d| {
            json!({
                "severity": d.severity.as_str(),
                "file": report.source,
                "line": d.line,
                "column": d.column,
                "id": d.id,
                "message": d.message,
                "hint": d.hint,
            })
        })
        .collect();
    let out_json = json!({
        "file": report.source,
        "valid": report.exit == EXIT_VALID,
        "exit_code": report.exit,
        "errors": report.diagnostics.errors(),
        "warnings": report.diagnostics.warnings(),
        "diagnostics": diagnostics,
    });
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&out_json).unwrap_or_else(|_| out_json.to_string())
    )
}
