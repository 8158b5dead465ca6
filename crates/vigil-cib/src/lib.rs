//! The CIB (cluster information base): Pacemaker's XML document of
//! configuration and status, and a typed view over it.
//!
//! [`Cib`] keeps the document itself (a [`vigil_xml::Element`] tree, so it
//! writes back byte for byte) beside the typed [`Configuration`] and
//! [`Status`] read from it. Problems found while reading are collected as
//! [`Diagnostics`] with the source line and XML id, never panics: a broken
//! CIB still yields a view plus the list of what is wrong with it.
//! [`verify::verify`] adds the full set of semantic checks behind
//! `vigil verify` (crm_verify).

pub mod config;
pub mod nvset;
pub mod rule;
pub mod score;
pub mod status;
pub mod time;
pub mod verify;

use std::fmt;

use vigil_xml::Element;

pub use config::Configuration;
pub use score::Score;
pub use status::Status;

/// Errors that prevent reading a CIB at all.
#[derive(Debug, thiserror::Error)]
pub enum CibError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}:{}:{}: XML is not well-formed: {}",
        source.line,
        source.column,
        source.message
    )]
    Xml {
        path: String,
        source: vigil_xml::ParseError,
    },
    #[error("{path}:{line}: the root element is <{found}>, expected <cib>")]
    NotACib {
        path: String,
        line: u32,
        found: String,
    },
}

/// Where text stops being UTF-8, as an XML error.
pub fn not_utf8(bytes: &[u8], e: std::str::Utf8Error) -> vigil_xml::ParseError {
    let valid = String::from_utf8_lossy(&bytes[..e.valid_up_to()]);
    let line = valid.matches('\n').count() + 1;
    let column = valid.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    let byte = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
    vigil_xml::ParseError {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
        message: format!("byte 0x{byte:02x} is not UTF-8, and a CIB is UTF-8 text"),
    }
}

/// The version triple that orders CIB revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Version {
    pub admin_epoch: u64,
    pub epoch: u64,
    pub num_updates: u64,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            self.admin_epoch, self.epoch, self.num_updates
        )
    }
}

/// A loaded CIB: the document and its typed view.
#[derive(Debug, Clone)]
pub struct Cib {
    pub doc: Element,
    pub config: Configuration,
    pub status: Status,
    /// What was found wrong while reading (errors and warnings).
    pub diagnostics: Diagnostics,
}

impl Cib {
    /// Read a CIB from text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Cib, CibError> {
        Cib::parse_document(text, path).map(Cib::from_document)
    }

    /// Read the document of a CIB from text, checking that it is one (its
    /// root is `<cib>`), without building the typed view: a caller can let
    /// go of the text first.
    pub fn parse_document(text: &str, path: &str) -> Result<Element, CibError> {
        let doc = vigil_xml::parse(text).map_err(|source| CibError::Xml {
            path: path.to_string(),
            source,
        })?;
        if doc.name != "cib" {
            return Err(CibError::NotACib {
                path: path.to_string(),
                line: doc.line,
                found: doc.name.into_owned(),
            });
        }
        Ok(doc)
    }

    /// Read a CIB file. Text that is not UTF-8 is reported at the first
    /// byte that is not, like any other XML error.
    pub fn load(path: &str) -> Result<Cib, CibError> {
        let bytes = std::fs::read(path).map_err(|source| CibError::Io {
            path: path.to_string(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| CibError::Xml {
            path: path.to_string(),
            source: not_utf8(e.as_bytes(), e.utf8_error()),
        })?;
        let doc = Cib::parse_document(&text, path)?;
        // Free the text before the typed view is built (peak memory).
        drop(text);
        Ok(Cib::from_document(doc))
    }

    /// Build the typed view of a `<cib>` document.
    pub fn from_document(doc: Element) -> Cib {
        let mut diagnostics = Diagnostics::default();
        let config = match doc.child("configuration") {
            Some(conf) => Configuration::from_element(conf, &doc, &mut diagnostics),
            None => {
                diagnostics.error(&doc, "the CIB has no <configuration> section".to_string());
                Configuration::default()
            }
        };
        let status = doc
            .child("status")
            .map(|s| Status::from_element(s, &doc, &mut diagnostics))
            .unwrap_or_default();
        Cib {
            doc,
            config,
            status,
            diagnostics,
        }
    }

    pub fn version(&self) -> Version {
        let num = |name: &str| {
            self.doc
                .attr(name)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Version {
            admin_epoch: num("admin_epoch"),
            epoch: num("epoch"),
            num_updates: num("num_updates"),
        }
    }

    /// When a saved scheduler input was recorded (`execution-date`, in
    /// seconds since the epoch): such a CIB replays at that time.
    pub fn execution_date(&self) -> Option<time::DateTime> {
        self.attr("execution-date")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map(time::DateTime::from_epoch)
    }

    /// An attribute of the `<cib>` element (`have-quorum`, `dc-uuid`, ...).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.doc.attr(name)
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    /// `error` or `warning`, as diagnostics print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem found in a CIB: what, where (line and XML id), and what
/// would be valid instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// 1-based; 0 when the problem has no position (a file that cannot be
    /// read at all).
    pub line: u32,
    /// 1-based column, when known (XML syntax errors); 0 otherwise.
    pub column: u32,
    pub id: String,
    pub message: String,
    /// What would be valid, or how to fix it; empty when there is nothing
    /// useful to add.
    pub hint: String,
}

impl Diagnostic {
    /// Attach what would be valid (builder style).
    pub fn hint(&mut self, hint: impl Into<String>) -> &mut Diagnostic {
        self.hint = hint.into();
        self
    }

    /// Place the problem at a column of its line (builder style).
    pub fn column(&mut self, column: u32) -> &mut Diagnostic {
        self.column = column;
        self
    }

    /// One line: `FILE:LINE: error: <what> (id <id>): <what would be valid>`.
    /// The id part is left out for elements without an id, the hint part
    /// when there is no hint; `FILE:LINE:COLUMN` when the column is known,
    /// plain `FILE` when there is no line.
    pub fn render(&self, file: &str) -> String {
        let place = match (self.line, self.column) {
            (0, _) => file.to_string(),
            (line, 0) => format!("{file}:{line}"),
            (line, column) => format!("{file}:{line}:{column}"),
        };
        let mut out = format!("{place}: {}: {}", self.severity.as_str(), self.message);
        if !self.id.is_empty() {
            out.push_str(&format!(" (id {})", self.id));
        }
        if !self.hint.is_empty() {
            out.push_str(": ");
            out.push_str(&self.hint);
        }
        out
    }
}

/// Problems collected while reading or checking a CIB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn error(&mut self, at: &Element, message: String) -> &mut Diagnostic {
        self.push(Severity::Error, at.line, at.id(), message)
    }

    pub fn warning(&mut self, at: &Element, message: String) -> &mut Diagnostic {
        self.push(Severity::Warning, at.line, at.id(), message)
    }

    pub fn push(
        &mut self,
        severity: Severity,
        line: u32,
        id: &str,
        message: String,
    ) -> &mut Diagnostic {
        self.items.push(Diagnostic {
            severity,
            line,
            column: 0,
            id: id.to_string(),
            message,
            hint: String::new(),
        });
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }
}

/// Follow an `id-ref` attribute to the element it names (searching the
/// whole document); elements without one are returned as they are.
pub fn resolve_ref<'a>(e: &'a Element, root: &'a Element, diags: &mut Diagnostics) -> &'a Element {
    let Some(target) = e.attr("id-ref") else {
        return e;
    };
    match root
        .find(&|x| x.name == e.name && x.attr("id") == Some(target) && x.attr("id-ref").is_none())
    {
        Some(found) => found,
        None => {
            diags.error(
                e,
                format!(
                    "<{}> refers to id-ref {target:?}, which does not exist",
                    e.name
                ),
            );
            e
        }
    }
}

/// Pacemaker's boolean spellings: true/on/yes/y/1 and false/off/no/n/0, any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "y" | "1" => Some(true),
        "false" | "off" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// `parse_bool` with a default for absent or unrecognised values.
pub fn is_true(text: Option<&str>) -> bool {
    text.and_then(parse_bool).unwrap_or(false)
}
