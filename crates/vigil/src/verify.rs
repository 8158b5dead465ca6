//! `vigil verify`: check a CIB for errors (Pacemaker's `crm_verify`).
//!
//! One line per problem, `FILE:LINE: error: <what> (id <id>): <what would
//! be valid>`, in document order; warnings only with `-V`. Exit status as
//! `crm_verify`: 0 valid, 78 invalid, 66 no input (64 for a usage error).

use std::io::Read as _;
use std::process::ExitCode;

use serde_json::json;
use vigil_cib::{Cib, CibError, Diagnostic, Diagnostics, Severity};

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
            eprintln!("vigil verify: {usage}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match args.output_as {
        OutputFormat::Text => print_text(&report, args.verbose > 0),
        OutputFormat::Json => print_json(&report),
    }
    ExitCode::from(report.exit)
}

/// Read the input named by `args` and check it. `Err` is a usage error.
fn check(args: &Args) -> Result<Report, String> {
    let (source, text) = if let Some(path) = &args.xml_file {
        (path.clone(), read_file(path))
    } else if args.xml_pipe {
        let mut text = String::new();
        let read = std::io::stdin()
            .read_to_string(&mut text)
            .map(|_| text)
            .map_err(|e| input_problem(&e));
        ("stdin".to_string(), read)
    } else if let Some(text) = &args.xml_text {
        ("xml-text".to_string(), Ok(text.clone()))
    } else if args.live_check {
        return Ok(no_input(
            "live-cluster",
            "no running cluster to query (the Vigil daemon is not available here)".into(),
            "check a saved CIB with -x FILE instead".into(),
        ));
    } else {
        return Err(
            "no configuration to check; use -x FILE, -p (read standard input) or -X XML".into(),
        );
    };
    let text = match text {
        Ok(t) => t,
        Err((exit, message, hint)) => {
            let mut diagnostics = Diagnostics::default();
            diagnostics.push(Severity::Error, 0, "", message).hint(hint);
            return Ok(Report {
                source,
                diagnostics,
                exit,
            });
        }
    };
    if text.trim().is_empty() {
        return Ok(no_input(
            &source,
            "the input is empty: there is no CIB to check".into(),
            "give a CIB: <cib><configuration>...</configuration><status/></cib>".into(),
        ));
    }
    let cib = match Cib::parse(&text, &source) {
        Ok(cib) => cib,
        Err(e) => return Ok(unreadable(&source, e)),
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

/// (exit code, what is wrong, what to do) for an input that cannot be read.
type InputProblem = (u8, String, String);

fn read_file(path: &str) -> Result<String, InputProblem> {
    std::fs::read_to_string(path).map_err(|e| input_problem(&e))
}

fn input_problem(e: &std::io::Error) -> InputProblem {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::InvalidData => (
            EXIT_INVALID,
            "the input is not UTF-8 text".into(),
            "a CIB is an XML document in UTF-8".into(),
        ),
        ErrorKind::NotFound => (
            EXIT_NO_INPUT,
            "cannot read the file: it does not exist".into(),
            "check the path".into(),
        ),
        ErrorKind::IsADirectory => (
            EXIT_NO_INPUT,
            "cannot read the file: it is a directory".into(),
            "name the CIB file itself (e.g. /var/lib/pacemaker/cib/cib.xml)".into(),
        ),
        ErrorKind::PermissionDenied => (
            EXIT_NO_INPUT,
            "cannot read the file: permission denied".into(),
            "run as a user who may read it (e.g. root or a member of haclient)".into(),
        ),
        _ => (
            EXIT_NO_INPUT,
            format!("cannot read the input: {e}"),
            String::new(),
        ),
    }
}

fn no_input(source: &str, message: String, hint: String) -> Report {
    let mut diagnostics = Diagnostics::default();
    diagnostics.push(Severity::Error, 0, "", message).hint(hint);
    Report {
        source: source.to_string(),
        diagnostics,
        exit: EXIT_NO_INPUT,
    }
}

/// A document that is not well-formed XML, or not a CIB.
fn unreadable(source: &str, e: CibError) -> Report {
    let (line, message, hint): (u32, String, String) = match e {
        CibError::Xml { source: err, .. } => (
            err.line,
            format!("XML is not well-formed: {}", err.message),
            "fix the markup here; nothing else can be checked until the document parses".into(),
        ),
        CibError::NotACib { line, found, .. } => (
            line,
            format!("the root element is <{found}>, not <cib>"),
            "verify checks complete CIBs: <cib><configuration>...</configuration><status/></cib>"
                .into(),
        ),
        CibError::Io { source: err, .. } => {
            let (exit, message, hint) = input_problem(&err);
            let mut diagnostics = Diagnostics::default();
            diagnostics.push(Severity::Error, 0, "", message).hint(hint);
            return Report {
                source: source.to_string(),
                diagnostics,
                exit,
            };
        }
    };
    let mut diagnostics = Diagnostics::default();
    diagnostics
        .push(Severity::Error, line, "", message)
        .hint(hint);
    Report {
        source: source.to_string(),
        diagnostics,
        exit: EXIT_INVALID,
    }
}

fn render(d: &Diagnostic, source: &str) -> String {
    if d.line == 0 {
        // No position (the file itself could not be read).
        let mut line = format!("{source}: {}: {}", d.severity.as_str(), d.message);
        if !d.hint.is_empty() {
            line.push_str(": ");
            line.push_str(&d.hint);
        }
        line
    } else {
        d.render(source)
    }
}

fn print_text(report: &Report, verbose: bool) {
    let mut hidden = 0;
    for d in &report.diagnostics.items {
        if d.severity == Severity::Warning && !verbose {
            hidden += 1;
            continue;
        }
        println!("{}", render(d, &report.source));
    }
    if report.exit == EXIT_INVALID {
        println!("Errors found during check: config not valid");
    }
    if hidden > 0 {
        let s = if hidden == 1 { "" } else { "s" };
        eprintln!("vigil verify: {hidden} warning{s} not shown; -V shows them");
    }
}

fn print_json(report: &Report) {
    let diagnostics: Vec<_> = report
        .diagnostics
        .items
        .iter()
        .map(|d| {
            json!({
                "severity": d.severity.as_str(),
                "file": report.source,
                "line": d.line,
                "id": d.id,
                "message": d.message,
                "hint": d.hint,
            })
        })
        .collect();
    let out = json!({
        "file": report.source,
        "valid": report.exit == EXIT_VALID,
        "exit_code": report.exit,
        "errors": report.diagnostics.errors(),
        "warnings": report.diagnostics.warnings(),
        "diagnostics": diagnostics,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).unwrap_or_else(|_| out.to_string())
    );
}
