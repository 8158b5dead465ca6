//! What the fuzz targets share: turning the fuzzer's bytes into a CIB.

use vigil_cib::Cib;
use vigil_cib::time::DateTime;

/// The CIB in `data`, when it is UTF-8 text that loads (anything else is
/// an error the loader reports, which `cib_load` checks).
pub fn cib(data: &[u8]) -> Option<Cib> {
    let text = std::str::from_utf8(data).ok()?;
    Cib::parse(text, "fuzz.xml").ok()
}

/// The time to schedule at: the CIB's own execution date, as `vigil
/// simulate` replays it, else a fixed time (never the clock).
pub fn now(cib: &Cib) -> DateTime {
    cib.execution_date()
        .unwrap_or_else(|| DateTime::from_epoch(1_700_000_000))
}
