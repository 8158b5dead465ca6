//! The value parsers behind the CIB and the command line: dates (as
//! `vigil simulate -t` and date expressions read them), durations, date
//! specs, scores, intervals and versions. The input is split at the first
//! newline into two values; each is parsed every way, and parsed dates are
//! moved by parsed durations, compared and formatted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_cib::Score;
use vigil_cib::time::{self, DateStyle, DateTime, Duration, SpecRange};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = text.split_once('\n').unwrap_or((text, ""));
    for v in [a, b] {
        let _ = Score::parse(v);
        let _ = Score::parse_strict(v);
        let _ = vigil_cib::config::parse_score(v);
        let _ = time::parse_msec(v);
        let _ = time::parse_interval_ms(v);
        if let Some(range) = SpecRange::parse(v) {
            let _ = range.contains(0);
            let _ = range.contains(i64::MAX);
        }
    }
    let _ = vigil_cib::rule::compare_versions(a, b);
    if let Some((x, y)) = Score::parse(a).zip(Score::parse(b)) {
        let _ = x.add(y);
        let _ = x.scale(-1.5);
    }
    let date = DateTime::parse(a);
    let duration = Duration::parse(b);
    if let Ok(d) = &date {
        for style in [DateStyle::Calendar, DateStyle::Ordinal, DateStyle::Week] {
            let _ = d.format(style, false);
            let _ = d.format(style, true);
        }
        let _ = (d.epoch(), d.to_utc(), d.weekyear(), d.week(), d.moon());
        let _ = DateTime::from_epoch(d.epoch());
    }
    if let Ok(dur) = &duration {
        let _ = dur.interval_seconds();
        if let Ok(d) = &date {
            let later = d.add(dur);
            let _ = later.format(DateStyle::Calendar, false);
        }
    }
    if let (Ok(x), Ok(y)) = (DateTime::parse(a), DateTime::parse(b)) {
        let _ = x.epoch().cmp(&y.epoch());
    }
});
