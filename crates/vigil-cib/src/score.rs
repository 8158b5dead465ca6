//! Scores: integers with INFINITY arithmetic.
//!
//! A score is an integer clamped to ±1,000,000 (`INFINITY`). Adding
//! saturates, and `-INFINITY` wins over everything: once a node is banned,
//! no positive preference can bring it back.

use std::fmt;

/// The value of `INFINITY` in scores.
pub const INFINITY: i64 = 1_000_000;

/// A score as used by constraints, stickiness and placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Score(i64);

impl Score {
    pub const ZERO: Score = Score(0);
    pub const INFINITY: Score = Score(INFINITY);
    pub const NEG_INFINITY: Score = Score(-INFINITY);

    /// A score from an integer, clamped to ±INFINITY.
    pub const fn new(value: i64) -> Score {
        if value >= INFINITY {
            Score(INFINITY)
        } else if value <= -INFINITY {
            Score(-INFINITY)
        } else {
            Score(value)
        }
    }

    pub const fn value(self) -> i64 {
        self.0
    }

    pub const fn is_pos_infinity(self) -> bool {
        self.0 >= INFINITY
    }

    pub const fn is_neg_infinity(self) -> bool {
        self.0 <= -INFINITY
    }

    /// Parse a score as Pacemaker does: `INFINITY`, `+INFINITY`, `-INFINITY`
    /// (any case), or an integer (clamped). The node-health colours `red`,
    /// `yellow` and `green` are resolved by the caller (they depend on
    /// cluster options) and are not accepted here.
    pub fn parse(text: &str) -> Option<Score> {
        let t = text.trim();
        let (sign, rest) = match t.as_bytes().first() {
            Some(b'-') => (-1, &t[1..]),
            Some(b'+') => (1, &t[1..]),
            _ => (1, t),
        };
        if rest.eq_ignore_ascii_case("INFINITY") || rest.eq_ignore_ascii_case("INF") {
            return Some(Score(sign * INFINITY));
        }
        // Like strtoll: the leading digits count ("2.0" is 2).
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        // Long digit strings saturate rather than fail.
        let value = rest[..digits].parse::<i64>().unwrap_or(i64::MAX / 2);
        Some(Score::new(sign * value))
    }

    /// Parse a score that must be exactly an integer or INFINITY form
    /// (for validation; [`Score::parse`] is as lenient as Pacemaker).
    pub fn parse_strict(text: &str) -> Option<Score> {
        let t = text.trim();
        let body = t.strip_prefix(['-', '+']).unwrap_or(t);
        let exact = body.eq_ignore_ascii_case("INFINITY")
            || (!body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()));
        if exact { Score::parse(t) } else { None }
    }

    /// Saturating addition where `-INFINITY` dominates `+INFINITY`.
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, other: Score) -> Score {
        if self.is_neg_infinity() || other.is_neg_infinity() {
            Score::NEG_INFINITY
        } else if self.is_pos_infinity() || other.is_pos_infinity() {
            Score::INFINITY
        } else {
            Score::new(self.0 + other.0)
        }
    }

    /// Multiply by a factor (used when one resource's preferences influence
    /// another's through a colocation), truncating toward zero; infinite
    /// scores keep their sign unless the factor is zero.
    pub fn scale(self, factor: f64) -> Score {
        if factor == 0.0 {
            return Score::ZERO;
        }
        if self.is_pos_infinity() || self.is_neg_infinity() {
            let sign = if (self.0 > 0) == (factor > 0.0) {
                1
            } else {
                -1
            };
            return Score(sign * INFINITY);
        }
        Score::new((self.0 as f64 * factor) as i64)
    }
}

impl std::ops::Add for Score {
    type Output = Score;
    fn add(self, other: Score) -> Score {
        Score::add(self, other)
    }
}

impl std::ops::AddAssign for Score {
    fn add_assign(&mut self, other: Score) {
        *self = Score::add(*self, other);
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_pos_infinity() {
            f.write_str("INFINITY")
        } else if self.is_neg_infinity() {
            f.write_str("-INFINITY")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_forms() {
        assert_eq!(Score::parse("INFINITY"), Some(Score::INFINITY));
        assert_eq!(Score::parse("+INFINITY"), Some(Score::INFINITY));
        assert_eq!(Score::parse("-infinity"), Some(Score::NEG_INFINITY));
        assert_eq!(Score::parse("-50"), Some(Score::new(-50)));
        assert_eq!(Score::parse("5000000"), Some(Score::INFINITY));
        assert_eq!(Score::parse("abc"), None);
        assert_eq!(Score::parse("2.0"), Some(Score::new(2)));
        assert_eq!(Score::parse_strict("2.0"), None);
        assert_eq!(Score::parse(""), None);
    }

    #[test]
    fn negative_infinity_dominates() {
        assert_eq!(Score::INFINITY + Score::NEG_INFINITY, Score::NEG_INFINITY);
        assert_eq!(Score::new(999_999) + Score::new(5), Score::INFINITY);
        assert_eq!(Score::new(-10) + Score::new(5), Score::new(-5));
        assert_eq!(Score::INFINITY.to_string(), "INFINITY");
    }
}
