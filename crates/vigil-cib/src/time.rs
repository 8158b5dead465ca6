//! Dates, durations and date specifications as Pacemaker's rules use them.
//!
//! Everything here reproduces what Pacemaker 2.1 does (as observed through
//! its `iso8601`, `crm_rule` and `crm_simulate` binaries), including the
//! corners where that differs from ISO 8601 or from plain calendar
//! arithmetic:
//!
//! - [`DateTime::parse`] accepts the same strings `crm_time_new` does:
//!   calendar (`2005-01-20`, `20050120`), ordinal (`2005-020`) and week
//!   (`2005-W03-4`) dates, a time after `T` or a space (`12:30`, `1230`,
//!   `12:30:15`, `24:00`), time-only strings (`T12:30`, `12:30`) and `now`.
//!   A UTC offset is only recognised after a `Z` or a space
//!   (`2005-01-20 12:30 +01:00`); `2005-01-20T12:30+01:00` is 12:30 in the
//!   local zone, exactly as in Pacemaker. Vigil's local zone is UTC.
//! - [`Duration::parse`] accepts Pacemaker's ISO 8601 durations, where a
//!   repeated `Y` or date `M` replaces the earlier value while the other
//!   units add up.
//! - [`DateTime::add`] does month arithmetic by clamping the day of the month
//!   (`2005-01-31` + `P1M` = `2005-02-28`) but year arithmetic by keeping the
//!   day of the year (`2004-02-29` + `P1Y` = `2005-03-01`).
//! - [`evaluate_date_expression`] evaluates a `<date_expression>`; the end of
//!   an `in_range` computed from a `<duration>` follows Pacemaker's
//!   step-by-step arithmetic, see [`Duration::from_element`].
//! - [`parse_interval_ms`] and [`parse_msec`] are Pacemaker's parsing of
//!   operation intervals and timeouts.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use vigil_xml::Element;

/// What is wrong with a date, a duration or a date expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("invalid date/time '{0}'")]
    InvalidDateTime(String),
    #[error("invalid ISO 8601 duration '{0}'")]
    InvalidDuration(String),
    #[error("<{found}> is not a date_expression")]
    NotADateExpression { found: String },
    #[error("date_expression '{id}': unknown operation '{operation}'")]
    UnknownOperation { id: String, operation: String },
    #[error("date_expression '{id}': operation {operation} needs a valid {attribute} date")]
    MissingBound {
        id: String,
        operation: &'static str,
        attribute: &'static str,
    },
    #[error("date_expression '{id}': in_range needs a valid start or end date")]
    NoRange { id: String },
}

// ---------------------------------------------------------------------------
// Calendar helpers (proleptic Gregorian calendar, days counted from
// 0001-01-01, which is a Monday).

const DAY: i64 = 86_400;
/// Days in a 400-year Gregorian cycle.
const CYCLE_DAYS: i64 = 146_097;
/// Day number of 1970-01-01.
const EPOCH_DAYNUM: i64 = 719_162;
/// Largest year a date string may name (Pacemaker keeps years in an `int`).
const MAX_YEAR: i64 = i32::MAX as i64;

fn is_leap(y: i64) -> bool {
    y.rem_euclid(4) == 0 && (y.rem_euclid(100) != 0 || y.rem_euclid(400) == 0)
}

fn days_in_year(y: i64) -> i64 {
    if is_leap(y) { 366 } else { 365 }
}

/// Days in month `m` (1-12) of year `y`; 0 for any other month number.
fn days_in_month(m: i64, y: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days of year `y` before the first of month `m` (1-12).
fn days_before_month(m: i64, y: i64) -> i64 {
    (1..m).map(|k| days_in_month(k, y)).sum()
}

/// Day number of January 1st of year `y`.
fn days_before_year(y: i64) -> i64 {
    let p = y - 1;
    365 * p + p.div_euclid(4) - p.div_euclid(100) + p.div_euclid(400)
}

/// Day number of day `yday` (1-based, may be out of range) of year `y`.
fn daynum(y: i64, yday: i64) -> i64 {
    days_before_year(y) + yday - 1
}

/// Year and 1-based day of year of a day number.
fn from_daynum(n: i64) -> (i64, i64) {
    let cycles = n.div_euclid(CYCLE_DAYS);
    let rest = n.rem_euclid(CYCLE_DAYS);
    // rest / 366 under-estimates the years within the cycle by at most 1.
    let mut y = 1 + 400 * cycles + rest / 366;
    let mut yday = n - days_before_year(y) + 1;
    while yday > days_in_year(y) {
        yday -= days_in_year(y);
        y += 1;
    }
    (y, yday)
}

/// Month and day of month of day `yday` (1..=days_in_year) of year `y`.
fn gregorian(y: i64, yday: i64) -> (i64, i64) {
    let mut d = yday;
    let mut m = 1;
    while m < 12 && d > days_in_month(m, y) {
        d -= days_in_month(m, y);
        m += 1;
    }
    (m, d)
}

/// ISO weekday (1 = Monday .. 7 = Sunday) of a day number.
fn weekday_of(n: i64) -> i64 {
    n.rem_euclid(7) + 1
}

/// Number of ISO weeks (52 or 53) in week-year `y`.
fn weeks_in_year(y: i64) -> i64 {
    let jan1 = weekday_of(daynum(y, 1));
    if jan1 == 4 || (jan1 == 3 && is_leap(y)) {
        53
    } else {
        52
    }
}

/// ISO week-year, week and weekday of day `yday` of year `y`.
fn iso_week(y: i64, yday: i64) -> (i64, i64, i64) {
    let wd = weekday_of(daynum(y, yday));
    let w = (yday - wd + 10).div_euclid(7);
    if w < 1 {
        (y - 1, weeks_in_year(y - 1), wd)
    } else if w > weeks_in_year(y) {
        (y + 1, 1, wd)
    } else {
        (y, w, wd)
    }
}

/// Phase of the moon, 0 (new) to 7, with 4 the full moon: the traditional
/// approximation from the year's golden number and epact that Pacemaker's
/// `moon` date_spec field uses.
fn moon_phase(y: i64, yday: i64) -> i64 {
    let golden = y.rem_euclid(19) + 1;
    let mut epact = (11 * golden + 18) % 30;
    if (epact == 25 && golden > 11) || epact == 24 {
        epact += 1;
    }
    (((((yday + epact) * 6) + 11) % 177) / 22) & 7
}

// ---------------------------------------------------------------------------
// Pacemaker-style date fields and their arithmetic.

/// A date as Pacemaker keeps it: year, day of year and second of day in the
/// time's own zone, plus that zone's offset east of UTC. Normally `yday` is
/// within the year, but adding years to the 366th day of a leap year leaves
/// day 366 of a common year; Pacemaker keeps that until the next
/// day-changing step, and compares it after every time of that year and
/// before every time of the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fields {
    year: i64,
    yday: i64,
    secs: i64,
    offset: i64,
}

impl Fields {
    fn is_overflowing(&self) -> bool {
        self.yday > days_in_year(self.year)
    }

    fn normalize(&mut self) {
        let (y, d) = from_daynum(daynum(self.year, self.yday));
        self.year = y;
        self.yday = d;
    }

    fn add_years(&mut self, n: i32) {
        self.year += i64::from(n);
    }

    /// Month arithmetic keeping the day of the month when that month has it
    /// and using the month's last day otherwise. An overflowing day counts
    /// as the first day of a thirteenth month: going back from it lands on
    /// the first of a month, and going forward (or nowhere) on December 31.
    fn add_months(&mut self, n: i32) {
        let n = i64::from(n);
        if self.is_overflowing() {
            if n >= 0 {
                self.yday = days_in_year(self.year);
            } else {
                let index = self.year * 12 + 12 + n;
                let (y, m) = (index.div_euclid(12), index.rem_euclid(12) + 1);
                self.year = y;
                self.yday = days_before_month(m, y) + 1;
            }
            return;
        }
        let (m, d) = gregorian(self.year, self.yday);
        let index = self.year * 12 + (m - 1) + n;
        let (y, m) = (index.div_euclid(12), index.rem_euclid(12) + 1);
        self.year = y;
        self.yday = days_before_month(m, y) + d.min(days_in_month(m, y));
    }

    /// Adds days with Pacemaker's 32-bit day counter, then normalises.
    fn add_days(&mut self, n: i32) {
        let yday = i32::try_from(self.yday).unwrap_or(i32::MAX);
        self.yday = i64::from(yday.wrapping_add(n));
        self.normalize();
    }

    /// Adds seconds with Pacemaker's 32-bit second counter, carrying whole
    /// days (always normalising, even when no day is carried).
    fn add_seconds(&mut self, n: i32) {
        let secs = i32::try_from(self.secs).unwrap_or(i32::MAX);
        let total = i64::from(secs.wrapping_add(n));
        self.secs = total.rem_euclid(DAY);
        // |total| < 2^31, so the day count fits comfortably.
        self.add_days((total.div_euclid(DAY)) as i32);
    }

    /// The same moment in UTC. Only a non-zero offset changes (and so
    /// normalises) the fields.
    fn to_utc(self) -> Fields {
        let mut utc = self;
        if self.offset != 0 {
            utc.secs -= self.offset;
            let days = utc.secs.div_euclid(DAY);
            utc.secs = utc.secs.rem_euclid(DAY);
            utc.yday += days;
            utc.normalize();
            utc.offset = 0;
        }
        utc
    }

    /// Pacemaker's comparison: both sides in UTC, then year, day of year and
    /// second of day in that order.
    fn compare(&self, other: &Fields) -> Ordering {
        let a = self.to_utc();
        let b = other.to_utc();
        (a.year, a.yday, a.secs).cmp(&(b.year, b.yday, b.secs))
    }

    /// Seconds since the epoch (saturating far outside any real date).
    fn epoch(&self) -> i64 {
        (daynum(self.year, self.yday) - EPOCH_DAYNUM)
            .saturating_mul(DAY)
            .saturating_add(self.secs - self.offset)
    }
}

// ---------------------------------------------------------------------------
// A tiny `sscanf`, because Pacemaker's date syntax is whatever its `sscanf`
// patterns accept.

#[derive(Clone, Copy)]
enum Pat {
    /// `%d` (`None`) or `%Nd`: optional white space, then an optionally
    /// signed decimal number of at most N characters.
    Int(Option<usize>),
    /// A literal character that must come next.
    Lit(u8),
}

/// Scans `input` like `sscanf`: returns the number of numbers converted, or
/// -1 when the input ended before the first conversion, and the numbers.
/// Numbers are truncated to 32 bits as a C `int` would hold them.
fn scanf(input: &[u8], pats: &[Pat]) -> (i32, Vec<i32>) {
    let mut pos = 0;
    let mut values = Vec::new();
    for pat in pats {
        match *pat {
            Pat::Lit(c) => match input.get(pos) {
                None => return (eof_or(values.len()), values),
                Some(&b) if b == c => pos += 1,
                Some(_) => return (values.len() as i32, values),
            },
            Pat::Int(width) => {
                while input.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
                    pos += 1;
                }
                if pos >= input.len() {
                    return (eof_or(values.len()), values);
                }
                let limit = width.map_or(input.len(), |w| (pos + w).min(input.len()));
                let mut end = pos;
                let negative = input[end] == b'-';
                if matches!(input[end], b'+' | b'-') {
                    end += 1;
                }
                let digits_start = end;
                let mut value: i64 = 0;
                while end < limit && input[end].is_ascii_digit() {
                    value = value
                        .saturating_mul(10)
                        .saturating_add(i64::from(input[end] - b'0'));
                    end += 1;
                }
                if end == digits_start {
                    return (values.len() as i32, values);
                }
                let value = if negative { -value } else { value };
                values.push(value as i32);
                pos = end;
            }
        }
    }
    (values.len() as i32, values)
}

fn eof_or(converted: usize) -> i32 {
    if converted == 0 { -1 } else { converted as i32 }
}

// ---------------------------------------------------------------------------
// Parsing dates and times.

/// Seconds into the day of a time such as `12:30:15`, `1230` or `24:00`;
/// empty (or blank) text is midnight.
fn parse_clock(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let (mut rc, mut v) = scanf(
        bytes,
        &[
            Pat::Int(None),
            Pat::Lit(b':'),
            Pat::Int(None),
            Pat::Lit(b':'),
            Pat::Int(None),
        ],
    );
    if rc == 1 {
        (rc, v) = scanf(
            bytes,
            &[Pat::Int(Some(2)), Pat::Int(Some(2)), Pat::Int(Some(2))],
        );
    }
    if rc == 0 {
        return None;
    }
    let field = |i: usize| v.get(i).copied().unwrap_or(0);
    let (h, m, s) = (field(0), field(1), field(2));
    if h < 0 || m < 0 || s < 0 {
        return None;
    }
    let (h, m, s) = (i64::from(h), i64::from(m), i64::from(s));
    if (h, m, s) == (24, 0, 0) {
        return Some(DAY);
    }
    if h >= 24 || m >= 60 || s >= 60 {
        return None;
    }
    Some(h * 3600 + m * 60 + s)
}

/// A UTC offset in seconds east: `Z`, `+01:00`, `-0500`, `+1`, or a bare
/// number (taken as east). Anything else means UTC.
fn parse_offset(text: &str) -> Option<i64> {
    match text.as_bytes().first() {
        Some(b'+') => parse_clock(&text[1..]),
        Some(b'-') => parse_clock(&text[1..]).map(|s| -s),
        Some(b) if b.is_ascii_digit() => parse_clock(text),
        _ => Some(0),
    }
}

/// The time of day and offset of the time part of a date/time string.
fn parse_time_part(text: &str) -> Option<(i64, i64)> {
    let secs = parse_clock(text)?;
    let offset_text = match text.find('Z') {
        Some(p) => Some(&text[p..]),
        None => text
            .find(' ')
            .map(|p| text[p..].trim_start_matches(|c: char| c.is_ascii_whitespace())),
    };
    let offset = match offset_text {
        Some(o) => parse_offset(o)?,
        // No zone given: the local zone, which for Vigil is UTC.
        None => 0,
    };
    Some((secs, offset))
}

fn check_year(y: i32) -> Option<i64> {
    let y = i64::from(y);
    (1..=MAX_YEAR).contains(&y).then_some(y)
}

/// Year and day of year of a calendar date; the day of the month may be
/// zero or negative as long as it stays within the year.
fn calendar(y: i32, m: i32, d: i32) -> Option<(i64, i64)> {
    let y = check_year(y)?;
    let (m, d) = (i64::from(m), i64::from(d));
    if !(1..=12).contains(&m) || d > days_in_month(m, y) {
        return None;
    }
    let yday = days_before_month(m, y) + d;
    (yday >= 1).then_some((y, yday))
}

fn ordinal(y: i32, d: i32) -> Option<(i64, i64)> {
    let y = check_year(y)?;
    let d = i64::from(d);
    (1..=days_in_year(y)).contains(&d).then_some((y, d))
}

/// Year and day of year of a week date; week 0 and negative weeks count back
/// into the previous year.
fn week_date(y: i32, w: i32, wd: i32) -> Option<(i64, i64)> {
    let y = check_year(y)?;
    let (w, wd) = (i64::from(w), i64::from(wd));
    if !(1..=7).contains(&wd) || w > weeks_in_year(y) {
        return None;
    }
    let jan4 = daynum(y, 4);
    let monday_week1 = jan4 - (weekday_of(jan4) - 1);
    let (year, yday) = from_daynum(monday_week1 + (w - 1) * 7 + (wd - 1));
    check_year(i32::try_from(year).ok()?).map(|year| (year, yday))
}

/// Year and day of year of the date at the start of a date/time string.
fn parse_date_part(text: &str) -> Option<(i64, i64)> {
    use Pat::{Int, Lit};
    let b = text.as_bytes();
    let (rc, v) = scanf(b, &[Int(None), Lit(b'-'), Int(None), Lit(b'-'), Int(None)]);
    if rc == 3 {
        return calendar(v[0], v[1], v[2]);
    }
    let (rc, v) = scanf(
        b,
        &[
            Int(None),
            Lit(b'-'),
            Lit(b'W'),
            Int(None),
            Lit(b'-'),
            Int(None),
        ],
    );
    if rc == 3 {
        return week_date(v[0], v[1], v[2]);
    }
    let (rc, v) = scanf(b, &[Int(None), Lit(b'-'), Int(None)]);
    if rc == 2 {
        return ordinal(v[0], v[1]);
    }
    let (rc, v) = scanf(b, &[Int(Some(4)), Int(Some(2)), Int(Some(2))]);
    if rc == 3 {
        return calendar(v[0], v[1], v[2]);
    }
    None
}

fn parse_fields(text: &str, today: impl FnOnce() -> (i64, i64)) -> Option<Fields> {
    let b = text.as_bytes();
    let ((year, yday), time) = if b.first() == Some(&b'T') || b.get(2) == Some(&b':') {
        // Only a time: today's date.
        let time = if b[0] == b'T' { &text[1..] } else { text };
        (today(), Some(time))
    } else {
        let date = parse_date_part(text)?;
        // The time follows the date's digits, dashes and W after a T or a space.
        let sep = b
            .iter()
            .position(|&c| !(c.is_ascii_digit() || c == b'-' || c == b'W'))
            .filter(|&i| matches!(b[i], b'T' | b' '));
        (date, sep.map(|i| &text[i + 1..]))
    };
    let (secs, offset) = match time {
        Some(t) => parse_time_part(t)?,
        None => (0, 0),
    };
    let mut fields = Fields {
        year,
        yday,
        secs,
        offset,
    };
    if secs == DAY {
        fields.secs = 0;
        fields.yday += 1;
        fields.normalize();
    }
    Some(fields)
}

fn system_now() -> i64 {
    let now = std::time::SystemTime::now();
    match now.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

// ---------------------------------------------------------------------------
// DateTime

/// How [`DateTime::format`] writes the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// `2005-01-20`
    Calendar,
    /// `2005-020`
    Ordinal,
    /// `2005-W03-4`
    Week,
}

/// A point in time with the UTC offset it was given in, like Pacemaker's
/// `crm_time_t`. Equality, ordering and hashing are by instant; the
/// accessors give the fields in the time's own offset.
#[derive(Debug, Clone, Copy)]
pub struct DateTime {
    f: Fields,
}

impl DateTime {
    /// Parses a date/time the way Pacemaker does (see the module
    /// documentation). A time without a date is on today's (UTC) date;
    /// `now` (any case) is the current time.
    pub fn parse(text: &str) -> Result<DateTime, TimeError> {
        Self::parse_with_now(text, system_now)
    }

    fn parse_with_now(text: &str, now: impl Fn() -> i64) -> Result<DateTime, TimeError> {
        if text.eq_ignore_ascii_case("now") {
            return Ok(DateTime::from_epoch(now()));
        }
        let today = || {
            let f = DateTime::from_epoch(now()).f;
            (f.year, f.yday)
        };
        parse_fields(text, today)
            .map(|f| DateTime { f })
            .ok_or_else(|| TimeError::InvalidDateTime(text.to_string()))
    }

    /// The current time, in UTC.
    pub fn now() -> DateTime {
        DateTime::from_epoch(system_now())
    }

    /// The time `epoch` seconds after 1970-01-01 00:00:00 UTC, in UTC.
    pub fn from_epoch(epoch: i64) -> DateTime {
        let (year, yday) = from_daynum(epoch.div_euclid(DAY) + EPOCH_DAYNUM);
        DateTime {
            f: Fields {
                year,
                yday,
                secs: epoch.rem_euclid(DAY),
                offset: 0,
            },
        }
    }

    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub fn epoch(&self) -> i64 {
        self.f.epoch()
    }

    /// The same instant in UTC.
    pub fn to_utc(&self) -> DateTime {
        DateTime { f: self.f.to_utc() }
    }

    /// This time plus a duration, as Pacemaker's `crm_time_add` (and so
    /// `iso8601 -d DATE -D DURATION`) computes it, in the time's own offset:
    /// first the years (keeping the day of the year, or December 31 when
    /// day 366 is not in the new year), then the months (keeping the day of
    /// the month, or the month's last day), then days and seconds.
    pub fn add(&self, d: &Duration) -> DateTime {
        let mut f = self.f;
        f.add_years(d.years);
        f.add_months(d.months);
        f.add_days(d.total_days());
        f.add_seconds(d.total_seconds());
        DateTime { f }
    }

    pub fn year(&self) -> i64 {
        self.f.year
    }

    /// Month, 1-12.
    pub fn month(&self) -> u32 {
        gregorian(self.f.year, self.f.yday).0 as u32
    }

    /// Day of the month, 1-31.
    pub fn day(&self) -> u32 {
        gregorian(self.f.year, self.f.yday).1 as u32
    }

    pub fn hour(&self) -> u32 {
        (self.f.secs / 3600) as u32
    }

    pub fn minute(&self) -> u32 {
        (self.f.secs % 3600 / 60) as u32
    }

    pub fn second(&self) -> u32 {
        (self.f.secs % 60) as u32
    }

    /// Day of the year, 1-366.
    pub fn yearday(&self) -> u32 {
        self.f.yday as u32
    }

    /// The ISO 8601 week-based year.
    pub fn weekyear(&self) -> i64 {
        iso_week(self.f.year, self.f.yday).0
    }

    /// The ISO 8601 week, 1-53.
    pub fn week(&self) -> u32 {
        iso_week(self.f.year, self.f.yday).1 as u32
    }

    /// Day of the week, 1 (Monday) to 7 (Sunday).
    pub fn weekday(&self) -> u32 {
        weekday_of(daynum(self.f.year, self.f.yday)) as u32
    }

    /// Offset from UTC in seconds (east positive).
    pub fn offset(&self) -> i64 {
        self.f.offset
    }

    /// Phase of the moon on this date, 0 (new) to 7, 4 being full, as
    /// Pacemaker's `moon` date_spec field computes it.
    pub fn moon(&self) -> u32 {
        moon_phase(self.f.year, self.f.yday) as u32
    }

    /// Formats the time as `iso8601` prints it: `local` keeps the time's
    /// own offset (`iso8601 -L`), otherwise it is written in UTC.
    /// For example `2005-01-20 12:30:00Z`, `2005-020 12:30:00Z`,
    /// `2005-W03-4 13:30:00 +01:00`.
    pub fn format(&self, style: DateStyle, local: bool) -> String {
        let f = if local { self.f } else { self.f.to_utc() };
        let date = match style {
            DateStyle::Calendar => {
                let (m, d) = gregorian(f.year, f.yday);
                format!("{:04}-{:02}-{:02}", f.year, m, d)
            }
            DateStyle::Ordinal => format!("{}-{:03}", f.year, f.yday),
            DateStyle::Week => {
                let (wy, w, wd) = iso_week(f.year, f.yday);
                format!("{wy}-W{w:02}-{wd}")
            }
        };
        let zone = if f.offset == 0 {
            "Z".to_string()
        } else {
            let sign = if f.offset < 0 { '-' } else { '+' };
            let a = f.offset.abs();
            format!(" {sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
        };
        format!(
            "{date} {:02}:{:02}:{:02}{zone}",
            f.secs / 3600,
            f.secs % 3600 / 60,
            f.secs % 60
        )
    }
}

impl fmt::Display for DateTime {
    /// The UTC calendar form `iso8601 -d` prints: `2005-01-20 12:30:00Z`.
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        out.write_str(&self.format(DateStyle::Calendar, false))
    }
}

impl PartialEq for DateTime {
    fn eq(&self, other: &Self) -> bool {
        self.epoch() == other.epoch()
    }
}

impl Eq for DateTime {}

impl Hash for DateTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.epoch().hash(state);
    }
}

impl PartialOrd for DateTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DateTime {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch().cmp(&other.epoch())
    }
}

impl std::str::FromStr for DateTime {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DateTime::parse(s)
    }
}

// ---------------------------------------------------------------------------
// Duration

/// A duration: an ISO 8601 duration string or a `<duration>` element.
///
/// The components are kept as given (32-bit, as in Pacemaker, whose
/// arithmetic wraps around on overflow). An ISO string folds weeks into
/// days and hours and minutes into seconds, as Pacemaker does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Duration {
    pub years: i32,
    pub months: i32,
    pub weeks: i32,
    pub days: i32,
    pub hours: i32,
    pub minutes: i32,
    pub seconds: i32,
}

impl Duration {
    /// Parses an ISO 8601 duration as Pacemaker does: `P` then numbers (at
    /// most ten digits, optionally signed) each followed by `Y`, `M`, `W`,
    /// `D`, `H` or `S`, with `T` switching `M` from months to minutes. `Y`
    /// and a date `M` replace an earlier value; the other units add up.
    /// `H`, `S` and `D` are accepted on both sides of the `T`. White space
    /// ends the duration; anything else unexpected makes it invalid.
    pub fn parse(text: &str) -> Result<Duration, TimeError> {
        let invalid = || TimeError::InvalidDuration(text.to_string());
        let b = text.as_bytes();
        if b.first() != Some(&b'P') {
            return Err(invalid());
        }
        let mut d = Duration::default();
        let mut in_time = false;
        let mut seen = false;
        let mut i = 1;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_whitespace() {
                break;
            }
            if c == b'T' {
                in_time = true;
                seen = true;
                i += 1;
                continue;
            }
            // A number: optional sign, then 1 to 10 digits.
            let mut j = i;
            let negative = c == b'-';
            if matches!(c, b'+' | b'-') {
                j += 1;
            }
            let digits = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || digits > 10 {
                return Err(invalid());
            }
            let magnitude = b[j..j + digits]
                .iter()
                .fold(0i64, |n, c| n * 10 + i64::from(c - b'0'));
            let value = (if negative { -magnitude } else { magnitude }) as i32;
            j += digits;
            match b.get(j) {
                Some(b'Y') => d.years = value,
                Some(b'M') if !in_time => d.months = value,
                Some(b'M') => d.seconds = d.seconds.wrapping_add(value.wrapping_mul(60)),
                Some(b'W') => d.days = d.days.wrapping_add(value.wrapping_mul(7)),
                Some(b'D') => d.days = d.days.wrapping_add(value),
                Some(b'H') => d.seconds = d.seconds.wrapping_add(value.wrapping_mul(3600)),
                Some(b'S') => d.seconds = d.seconds.wrapping_add(value),
                _ => return Err(invalid()),
            }
            seen = true;
            i = j + 1;
        }
        if seen { Ok(d) } else { Err(invalid()) }
    }

    /// Reads a `<duration>` element: attributes `years`, `months`, `weeks`,
    /// `days`, `hours`, `minutes` and `seconds`. Pacemaker 2.1 reads no
    /// other spellings (the schema's `monthdays`, `weekdays`, `yearsdays`,
    /// `weekyears` and `moon` are ignored). A value is read like C's
    /// `strtoll`: leading white space and a sign, then as many digits as
    /// there are; no digits means 0, and so does a value outside 32 bits.
    ///
    /// When a `<duration>` gives the end of an `in_range` expression,
    /// Pacemaker adds it to `start` step by step (years, months, weeks,
    /// days, hours, minutes, seconds, each only when non-zero). That agrees
    /// with [`DateTime::add`] except from 31 December of a leap year: there
    /// `years="1"` alone gives an end later than every moment of the next
    /// 31 December yet earlier than the 1 January after it, and a further
    /// `days` or `hours` step counts from that 1 January.
    pub fn from_element(e: &Element) -> Duration {
        let get = |name: &str| e.attr(name).map_or(0, leading_int);
        Duration {
            years: get("years"),
            months: get("months"),
            weeks: get("weeks"),
            days: get("days"),
            hours: get("hours"),
            minutes: get("minutes"),
            seconds: get("seconds"),
        }
    }

    /// Days including weeks (32-bit arithmetic, like Pacemaker's).
    fn total_days(&self) -> i32 {
        self.days.wrapping_add(self.weeks.wrapping_mul(7))
    }

    /// Seconds including hours and minutes (32-bit arithmetic).
    fn total_seconds(&self) -> i32 {
        self.seconds
            .wrapping_add(self.hours.wrapping_mul(3600))
            .wrapping_add(self.minutes.wrapping_mul(60))
    }

    /// The length in seconds Pacemaker gives a duration used as an
    /// operation interval. This is Pacemaker's approximation, reproduced
    /// with its quirks: a month is 30 days, `n` years are the days of years
    /// 1 to `n - 1`, and `n` days count as `n - 1` days (so `P1D` is 0 and
    /// `P1W` is six days). Negative months and days count as 0.
    pub fn interval_seconds(&self) -> i64 {
        let years = i64::from(self.years);
        let mut total = 0i64;
        if years > 1 {
            total += (days_before_year(years) - days_before_year(1)) * DAY;
        }
        let months = i64::from(self.months);
        if months > 0 {
            total += months * 30 * DAY;
        }
        let days = i64::from(self.total_days());
        if days > 0 {
            total += (days - 1) * DAY;
        }
        total + i64::from(self.total_seconds())
    }

    /// Adds this `<duration>` to `start` step by step as Pacemaker does for
    /// an `in_range` end: years, months, weeks, days, hours, minutes and
    /// seconds in that order, each only when non-zero.
    fn end_from(&self, start: &Fields) -> Fields {
        let mut f = *start;
        if self.years != 0 {
            f.add_years(self.years);
        }
        if self.months != 0 {
            f.add_months(self.months);
        }
        if self.weeks != 0 {
            f.add_days(self.weeks.wrapping_mul(7));
        }
        if self.days != 0 {
            f.add_days(self.days);
        }
        if self.hours != 0 {
            f.add_seconds(self.hours.wrapping_mul(3600));
        }
        if self.minutes != 0 {
            f.add_seconds(self.minutes.wrapping_mul(60));
        }
        if self.seconds != 0 {
            f.add_seconds(self.seconds);
        }
        f
    }
}

impl fmt::Display for Duration {
    /// An ISO 8601 form, for example `P1Y2M3W4DT5H6M7S`; `PT0S` when empty.
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::from("P");
        for (v, u) in [
            (self.years, 'Y'),
            (self.months, 'M'),
            (self.weeks, 'W'),
            (self.days, 'D'),
        ] {
            if v != 0 {
                s.push_str(&format!("{v}{u}"));
            }
        }
        let time = [(self.hours, 'H'), (self.minutes, 'M'), (self.seconds, 'S')];
        if time.iter().any(|(v, _)| *v != 0) {
            s.push('T');
            for (v, u) in time {
                if v != 0 {
                    s.push_str(&format!("{v}{u}"));
                }
            }
        }
        if s == "P" {
            s.push_str("T0S");
        }
        out.write_str(&s)
    }
}

impl std::str::FromStr for Duration {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Duration::parse(s)
    }
}

/// `strtoll`-style integer: leading white space, a sign and the digits that
/// follow; 0 when there are none or the value does not fit in 32 bits.
fn leading_int(text: &str) -> i32 {
    let t = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let len = digits.bytes().take_while(|c| c.is_ascii_digit()).count();
    let Ok(magnitude) = digits[..len].parse::<i64>() else {
        return 0;
    };
    i32::try_from(if negative { -magnitude } else { magnitude }).unwrap_or(0)
}

// ---------------------------------------------------------------------------
// Date specifications

/// One `date_spec` field: a number (`9`), a range (`9-16`), or a range open
/// at one end (`9-`, `-16`). Bounds are inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpecRange {
    pub low: Option<i64>,
    pub high: Option<i64>,
}

impl SpecRange {
    /// Parses a field value. Pacemaker splits at the first `-`; each side
    /// is an optionally signed decimal number with optional leading white
    /// space and nothing after it. Anything else (a list such as `1,2`,
    /// trailing space, an out-of-range number, or no bound at all) is not
    /// a range, and Pacemaker then ignores the field.
    pub fn parse(text: &str) -> Option<SpecRange> {
        match text.find('-') {
            None => {
                let v = strict_int(text)?;
                Some(SpecRange {
                    low: Some(v),
                    high: Some(v),
                })
            }
            Some(p) => {
                let (low, high) = (&text[..p], &text[p + 1..]);
                let low = if low.is_empty() {
                    None
                } else {
                    Some(strict_int(low)?)
                };
                let high = if high.is_empty() {
                    None
                } else {
                    Some(strict_int(high)?)
                };
                if low.is_none() && high.is_none() {
                    return None;
                }
                Some(SpecRange { low, high })
            }
        }
    }

    pub fn contains(&self, v: i64) -> bool {
        self.low.is_none_or(|l| v >= l) && self.high.is_none_or(|h| v <= h)
    }
}

/// A whole-string decimal integer, allowing leading white space and a sign.
fn strict_int(text: &str) -> Option<i64> {
    let t = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.strip_prefix('+').unwrap_or(t).parse().ok()
}

/// A `<date_spec>`: a cron-like condition on the fields of a time (in the
/// time's own offset). Fields that are absent, or whose value Pacemaker
/// cannot read, match anything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DateSpec {
    pub years: Option<SpecRange>,
    pub months: Option<SpecRange>,
    pub monthdays: Option<SpecRange>,
    pub weekdays: Option<SpecRange>,
    pub yeardays: Option<SpecRange>,
    pub hours: Option<SpecRange>,
    pub minutes: Option<SpecRange>,
    pub seconds: Option<SpecRange>,
    pub weekyears: Option<SpecRange>,
    pub weeks: Option<SpecRange>,
    /// Phase of the moon, 0-7 (deprecated in Pacemaker 2.1.6 but honoured
    /// by 2.1.5).
    pub moon: Option<SpecRange>,
    ignored: Vec<(String, String)>,
}

/// The attributes of a `<date_spec>` Pacemaker 2.1 reads. (The old schema
/// spelling `yearsdays` is not one of them.)
pub const SPEC_FIELDS: [&str; 11] = [
    "years",
    "months",
    "monthdays",
    "weekdays",
    "yeardays",
    "hours",
    "minutes",
    "seconds",
    "weekyears",
    "weeks",
    "moon",
];

impl DateSpec {
    /// Reads a `<date_spec>` element. Values that are not a number or a
    /// single range are ignored (see [`SpecRange::parse`]) and listed by
    /// [`DateSpec::ignored`].
    pub fn from_element(e: &Element) -> DateSpec {
        let mut spec = DateSpec::default();
        for name in SPEC_FIELDS {
            let Some(value) = e.attr(name) else { continue };
            let range = SpecRange::parse(value);
            if range.is_none() {
                spec.ignored.push((name.to_string(), value.to_string()));
            }
            *spec.field_mut(name) = range;
        }
        spec
    }

    fn field_mut(&mut self, name: &str) -> &mut Option<SpecRange> {
        match name {
            "years" => &mut self.years,
            "months" => &mut self.months,
            "monthdays" => &mut self.monthdays,
            "weekdays" => &mut self.weekdays,
            "yeardays" => &mut self.yeardays,
            "hours" => &mut self.hours,
            "minutes" => &mut self.minutes,
            "seconds" => &mut self.seconds,
            "weekyears" => &mut self.weekyears,
            "weeks" => &mut self.weeks,
            _ => &mut self.moon,
        }
    }

    /// Attributes (name, value) whose value was unreadable and is ignored.
    pub fn ignored(&self) -> &[(String, String)] {
        &self.ignored
    }

    /// Whether `t` (its fields in its own offset) satisfies every field.
    pub fn matches(&self, t: &DateTime) -> bool {
        let checks = [
            (self.years, t.year()),
            (self.months, i64::from(t.month())),
            (self.monthdays, i64::from(t.day())),
            (self.weekdays, i64::from(t.weekday())),
            (self.yeardays, i64::from(t.yearday())),
            (self.hours, i64::from(t.hour())),
            (self.minutes, i64::from(t.minute())),
            (self.seconds, i64::from(t.second())),
            (self.weekyears, t.weekyear()),
            (self.weeks, i64::from(t.week())),
            (self.moon, i64::from(t.moon())),
        ];
        checks
            .iter()
            .all(|(range, v)| range.is_none_or(|r| r.contains(*v)))
    }
}

// ---------------------------------------------------------------------------
// Date expressions

/// Evaluates a `<date_expression>` at `now`, as Pacemaker's scheduler does.
///
/// - `operation` (case-insensitive, default `in_range`):
///   - `gt`: `now` is after `start` (strictly);
///   - `lt`: `now` is before `end` (strictly);
///   - `in_range`: `start <= now <= end`, both ends inclusive. A missing
///     or unparsable `start` or `end` leaves that side unbounded; without
///     a usable `end`, the first `<duration>` child (if any) added to
///     `start` gives it. It is an error when neither side is bounded.
///   - `date_spec`: `now` matches the first `<date_spec>` child; with no
///     such child the expression passes, as in Pacemaker.
/// - `gt` without a valid `start`, `lt` without a valid `end`, and any
///   other operation are errors (which Pacemaker treats as "does not
///   pass").
pub fn evaluate_date_expression(expr: &Element, now: &DateTime) -> Result<bool, TimeError> {
    if expr.name != "date_expression" {
        return Err(TimeError::NotADateExpression {
            found: expr.name.to_string(),
        });
    }
    let id = || expr.id().to_string();
    let date = |name: &str| expr.attr(name).and_then(|v| DateTime::parse(v).ok());
    let operation = expr.attr("operation").unwrap_or("in_range");
    match operation.to_ascii_lowercase().as_str() {
        "gt" => {
            let start = date("start").ok_or_else(|| TimeError::MissingBound {
                id: id(),
                operation: "gt",
                attribute: "start",
            })?;
            Ok(now.f.compare(&start.f) == Ordering::Greater)
        }
        "lt" => {
            let end = date("end").ok_or_else(|| TimeError::MissingBound {
                id: id(),
                operation: "lt",
                attribute: "end",
            })?;
            Ok(now.f.compare(&end.f) == Ordering::Less)
        }
        "in_range" => {
            let start = date("start").map(|d| d.f);
            let end = date("end").map(|d| d.f).or_else(|| {
                let duration = expr.child("duration")?;
                Some(Duration::from_element(duration).end_from(&start?))
            });
            if start.is_none() && end.is_none() {
                return Err(TimeError::NoRange { id: id() });
            }
            let after_start = start.is_none_or(|s| now.f.compare(&s) != Ordering::Less);
            let before_end = end.is_none_or(|e| now.f.compare(&e) != Ordering::Greater);
            Ok(after_start && before_end)
        }
        "date_spec" => Ok(expr
            .child("date_spec")
            .is_none_or(|spec| DateSpec::from_element(spec).matches(now))),
        _ => Err(TimeError::UnknownOperation {
            id: id(),
            operation: operation.to_string(),
        }),
    }
}

// ---------------------------------------------------------------------------
// Intervals and timeouts

/// Pacemaker's `crm_get_msec`: milliseconds in a time such as `10`, `10s`,
/// `500ms`, `2min` or `1h`, as used for operation timeouts.
///
/// Leading white space, then digits (a `.` and what follows it up to the
/// unit is skipped: `1.5s` is one second), optional white space, then a
/// unit recognised case-insensitively by its first letters: `ms`/`msec`,
/// `us`/`usec` (truncated to whole milliseconds), `s`/`sec`, `m`/`min`,
/// `h`/`hr`; anything may follow a recognised unit. No unit means seconds.
/// Signs are not accepted. Results saturate at `i64::MAX`.
pub fn parse_msec(text: &str) -> Option<u64> {
    let t = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let num_len = t
        .bytes()
        .take_while(|c| c.is_ascii_digit() || *c == b'.')
        .count();
    if num_len == 0 {
        return None;
    }
    let units = t[num_len..]
        .trim_start_matches(|c: char| c.is_ascii_whitespace())
        .as_bytes();
    let starts = |p: &[u8]| units.len() >= p.len() && units[..p.len()].eq_ignore_ascii_case(p);
    let (multiplier, divisor): (u64, u64) = if starts(b"ms") {
        (1, 1)
    } else if starts(b"us") {
        (1, 1000)
    } else if starts(b"s") {
        (1000, 1)
    } else if starts(b"m") {
        (60_000, 1)
    } else if starts(b"h") {
        (3_600_000, 1)
    } else if units.is_empty() || matches!(units[0], b'\n' | b'\r') {
        (1000, 1)
    } else {
        return None;
    };
    let digits = &t[..t.bytes().take_while(u8::is_ascii_digit).count()];
    if digits.is_empty() {
        return None;
    }
    let max = i64::MAX as u64;
    let value = digits.parse::<u64>().map_or(max, |v| v.min(max));
    if value > max / multiplier {
        return Some(max);
    }
    Some(value * multiplier / divisor)
}

/// Pacemaker's parsing of an operation `interval` (`crm_parse_interval_spec`):
/// an ISO 8601 duration when the text starts with `P` (its length
/// approximated as [`Duration::interval_seconds`] does, and invalid when
/// negative), otherwise [`parse_msec`]. Pacemaker keeps intervals in 32
/// bits, so the result is capped at `u32::MAX` milliseconds. `None` means
/// Pacemaker rejects the text (and uses an interval of 0).
pub fn parse_interval_ms(text: &str) -> Option<u64> {
    let ms = if text.starts_with('P') {
        let secs = Duration::parse(text).ok()?.interval_seconds();
        u64::try_from(secs).ok()?.saturating_mul(1000)
    } else {
        parse_msec(text)?
    };
    Some(ms.min(u64::from(u32::MAX)))
}

#[cfg(test)]
mod tests;
