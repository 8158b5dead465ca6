//! Reading a CIB for a command: from a file, standard input or an
//! argument. Whatever cannot be read becomes one located diagnostic
//! (`FILE:LINE:COLUMN: error: <what>: <what would be valid>`) and the kind
//! of trouble, which each command maps to its own exit status.

use std::io::Read as _;

use std::process::ExitCode;

use vigil_cib::time::DateTime;
use vigil_cib::{Cib, CibError, Diagnostic, Diagnostics, Severity};

/// Why there is no CIB to work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// Nothing to read: missing, unreadable or empty input.
    NoInput,
    /// Not well-formed XML (or not UTF-8 text).
    Malformed,
    /// Well-formed XML whose root is not `<cib>`.
    NotACib,
}

/// Input that gave no CIB: what kind of trouble, and the one diagnostic
/// that says what and where.
#[derive(Debug)]
pub struct Unreadable {
    pub trouble: Trouble,
    pub diagnostic: Diagnostic,
}

fn unreadable(trouble: Trouble, line: u32, message: String, hint: &str) -> Unreadable {
    let mut diags = Diagnostics::default();
    diags.push(Severity::Error, line, "", message).hint(hint);
    Unreadable {
        trouble,
        diagnostic: diags.items.remove(0),
    }
}

/// The text of a file.
pub fn read_file(path: &str) -> Result<String, Unreadable> {
    let bytes = std::fs::read(path).map_err(|e| io_problem(&e))?;
    utf8(bytes)
}

/// Everything on standard input.
pub fn read_stdin() -> Result<String, Unreadable> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| io_problem(&e))?;
    utf8(bytes)
}

fn utf8(bytes: Vec<u8>) -> Result<String, Unreadable> {
    String::from_utf8(bytes).map_err(|e| {
        let err = vigil_cib::not_utf8(e.as_bytes(), e.utf8_error());
        let mut u = malformed(&err);
        u.diagnostic
            .hint("convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)");
        u
    })
}

fn io_problem(e: &std::io::Error) -> Unreadable {
    use std::io::ErrorKind;
    let (message, hint) = match e.kind() {
        ErrorKind::NotFound => ("cannot read the file: it does not exist", "check the path"),
        ErrorKind::IsADirectory => (
            "cannot read the file: it is a directory",
            "name the CIB file itself (e.g. /var/lib/pacemaker/cib/cib.xml)",
        ),
        ErrorKind::PermissionDenied => (
            "cannot read the file: permission denied",
            "run as a user who may read it (e.g. root or a member of haclient)",
        ),
        _ => {
            return unreadable(
                Trouble::NoInput,
                0,
                format!("cannot read the input: {e}"),
                "",
            );
        }
    };
    unreadable(Trouble::NoInput, 0, message.into(), hint)
}

fn malformed(err: &vigil_xml::ParseError) -> Unreadable {
    let mut u = unreadable(
        Trouble::Malformed,
        err.line,
        format!("XML is not well-formed: {}", err.message),
        "fix the markup here; nothing else can be read until the document parses",
    );
    u.diagnostic.column(err.column);
    u
}

/// Read `text` (named `source` in diagnostics) as a CIB.
pub fn parse(source: &str, text: String) -> Result<Cib, Unreadable> {
    if text.trim().is_empty() {
        return Err(unreadable(
            Trouble::NoInput,
            0,
            "the input is empty: there is no CIB".into(),
            "give a CIB: <cib><configuration>...</configuration><status/></cib>",
        ));
    }
    let doc = Cib::parse_document(&text, source).map_err(|e| match e {
        CibError::Xml { source: err, .. } => malformed(&err),
        CibError::NotACib { line, found, .. } => unreadable(
            Trouble::NotACib,
            line,
            format!("the root element is <{found}>, not <cib>"),
            "give a complete CIB: <cib><configuration>...</configuration><status/></cib>",
        ),
        CibError::Io { source: err, .. } => io_problem(&err),
    })?;
    // The text is read: let it go before the typed view is built (on a
    // big CIB the text is as large as the tree).
    drop(text);
    Ok(Cib::from_document(doc))
}

/// Read the file at `path` as a CIB.
pub fn load(path: &str) -> Result<Cib, Unreadable> {
    parse(path, read_file(path)?)
}

/// Bad command-line usage (EX_USAGE), such as a date that cannot be read.
pub const EXIT_USAGE: u8 = 64;

/// A CIB to schedule and the time to schedule it at, as the offline tools
/// (`simulate`, `explain`) take them.
pub struct Input {
    pub cib: Cib,
    pub now: DateTime,
    /// The time came from the CIB's `execution-date` (a saved scheduler
    /// input replays at the time it was recorded).
    pub replayed: bool,
}

/// Load `xml_file` for `tool`; the time is `set_datetime` (ISO 8601), else
/// the CIB's `execution-date`, else now. What goes wrong is reported on
/// standard error as one located diagnostic, and the exit status is
/// returned: 78 for XML that is not well-formed (crm_simulate's status for
/// a CIB that fails its schema), 66 for no CIB at all, 64 for a bad date.
pub fn load_at(tool: &str, xml_file: &str, set_datetime: Option<&str>) -> Result<Input, ExitCode> {
    let cib = load(xml_file).map_err(
        |Unreadable {
             trouble,
             diagnostic,
         }| {
            eprintln!("{}", diagnostic.render(xml_file));
            ExitCode::from(match trouble {
                Trouble::Malformed => 78,
                Trouble::NoInput | Trouble::NotACib => 66,
            })
        },
    )?;
    let (now, replayed) = match set_datetime {
        Some(t) => match DateTime::parse(t) {
            Ok(d) => (d, false),
            Err(e) => {
                eprintln!(
                    "vigil {tool}: invalid --set-datetime {t:?}: {e}: use an ISO 8601 \
                     date/time such as 2024-01-31T12:00:00Z"
                );
                return Err(ExitCode::from(EXIT_USAGE));
            }
        },
        None => match cib.execution_date() {
            Some(d) => (d, true),
            None => (DateTime::now(), false),
        },
    };
    Ok(Input { cib, now, replayed })
}
