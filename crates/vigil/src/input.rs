//! Reading a CIB and the time to schedule it at, as the offline tools
//! (`simulate`, `explain`) do.

use std::process::ExitCode;

use vigil_cib::Cib;
use vigil_cib::time::DateTime;

/// The CIB to schedule and the time to schedule it at.
pub struct Input {
    pub cib: Cib,
    pub now: DateTime,
    /// The time came from the CIB's `execution-date` (a saved scheduler
    /// input replays at the time it was recorded).
    pub replayed: bool,
}

/// Load `xml_file`; the time is `set_datetime` (ISO 8601), else the CIB's
/// `execution-date`, else now. Errors are reported on stderr under
/// `tool`'s name, with the exit code to use.
pub fn load(tool: &str, xml_file: &str, set_datetime: Option<&str>) -> Result<Input, ExitCode> {
    let cib = Cib::load(xml_file).map_err(|e| {
        eprintln!("vigil {tool}: {e}");
        ExitCode::from(66)
    })?;
    let (now, replayed) = match set_datetime {
        Some(t) => match DateTime::parse(t) {
            Ok(d) => (d, false),
            Err(e) => {
                eprintln!("vigil {tool}: invalid --set-datetime {t:?}: {e}");
                return Err(ExitCode::from(64));
            }
        },
        None => match cib
            .attr("execution-date")
            .and_then(|v| v.trim().parse::<i64>().ok())
        {
            Some(epoch) => (DateTime::from_epoch(epoch), true),
            None => (DateTime::now(), false),
        },
    };
    Ok(Input { cib, now, replayed })
}
