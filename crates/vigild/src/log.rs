//! The daemon's log: corosync-style lines (`[TOTEM ] …`) to stderr and/or a
//! log file, as the `logging { }` section says.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use crate::civil;
use crate::config::{Debug, LoggingSettings};

/// Severity, lowest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
    Notice,
    Info,
    Debug,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }
}

struct Sink {
    node: String,
    stderr: bool,
    file: Option<File>,
    timestamp: bool,
    max: Level,
}

static SINK: OnceLock<Mutex<Sink>> = OnceLock::new();

/// Sets where log lines go. Until this is called they go to stderr.
pub fn init(node: &str, settings: &LoggingSettings) -> std::io::Result<()> {
    let file = match (&settings.logfile, settings.to_logfile) {
        (Some(path), true) => Some(OpenOptions::new().create(true).append(true).open(path)?),
        _ => None,
    };
    let sink = Sink {
        node: node.to_string(),
        stderr: settings.to_stderr,
        file,
        timestamp: settings.timestamp,
        max: match settings.debug {
            Debug::Off => Level::Info,
            Debug::On | Debug::Trace => Level::Debug,
        },
    };
    match SINK.get() {
        Some(existing) => {
            *existing.lock().unwrap_or_else(|p| p.into_inner()) = sink;
        }
        None => {
            let _ = SINK.set(Mutex::new(sink));
        }
    }
    Ok(())
}

/// Writes one line: `subsystem` is a corosync-style tag (`TOTEM`, `QUORUM`,
/// `KNET`, `MAIN`).
pub fn line(level: Level, subsystem: &str, message: &str) {
    let Some(sink) = SINK.get() else {
        eprintln!("{} [{subsystem:<6}] {message}", level.word());
        return;
    };
    let mut sink = sink.lock().unwrap_or_else(|p| p.into_inner());
    if level > sink.max {
        return;
    }
    let stamp = if sink.timestamp {
        format!("{} ", civil::log_stamp(SystemTime::now()))
    } else {
        String::new()
    };
    let text = format!(
        "{stamp}{} vigild {:<7} [{subsystem:<6}] {message}\n",
        sink.node,
        level.word()
    );
    if sink.stderr {
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    if let Some(file) = sink.file.as_mut() {
        let _ = file.write_all(text.as_bytes());
    }
}

/// `log!(Notice, "TOTEM", "format", args…)`.
#[macro_export]
macro_rules! log {
    ($level:ident, $subsystem:expr, $($arg:tt)*) => {
        $crate::log::line($crate::log::Level::$level, $subsystem, &format!($($arg)*))
    };
}
