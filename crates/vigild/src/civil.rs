//! Wall-clock formatting without a time-zone database: times are shown in
//! UTC, as `ctime` would with `TZ=UTC`.

use std::time::{SystemTime, UNIX_EPOCH};

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The parts of a UTC time.
struct Civil {
    year: i64,
    month: usize,
    day: u32,
    weekday: usize,
    hour: u64,
    minute: u64,
    second: u64,
    millis: u32,
}

fn civil(time: SystemTime) -> Civil {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    // Days to a proleptic Gregorian date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as usize;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month: month - 1,
        day,
        weekday: days.rem_euclid(7) as usize,
        hour: rest / 3_600,
        minute: rest / 60 % 60,
        second: rest % 60,
        millis: since.subsec_millis(),
    }
}

/// `Sun Nov 22 02:49:48 2026`, as corosync-quorumtool's `Date:` line.
pub fn ctime(time: SystemTime) -> String {
    let c = civil(time);
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        DAYS[c.weekday], MONTHS[c.month], c.day, c.hour, c.minute, c.second, c.year
    )
}

/// `Nov 22 02:49:48.123`, the log line prefix.
pub fn log_stamp(time: SystemTime) -> String {
    let c = civil(time);
    format!(
        "{} {:>2} {:02}:{:02}:{:02}.{:03}",
        MONTHS[c.month], c.day, c.hour, c.minute, c.second, c.millis
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_dates() {
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(ctime(at(0)), "Thu Jan  1 00:00:00 1970");
        // 2026-11-22 02:49:48 UTC.
        assert_eq!(ctime(at(1_795_315_788)), "Sun Nov 22 02:49:48 2026");
        // A leap day.
        assert_eq!(ctime(at(1_709_208_000)), "Thu Feb 29 12:00:00 2024");
        assert_eq!(
            log_stamp(at(1_795_315_788) + Duration::from_millis(7)),
            "Nov 22 02:49:48.007"
        );
    }
}
