//! One reader for every timestamp the tools write, so that lists sort by the instant and the UI
//! shows one format whatever the row holds.
//!
//! What the tools store (fixture README, "Timestamp formats in the v2 and hybrid files"):
//! SQLite `datetime('now')` gives UTC `YYYY-MM-DD HH:MM:SS`; `strftime('%s','now')` gives epoch
//! seconds (TEXT in a TEXT column, INTEGER in an INTEGER one); Python local time gives
//! `YYYY-MM-DD HH:MM` (`agent_db.py`), `YYYY-MM-DD HH:MM:SS` (hooks) and ISO with a `T` and
//! microseconds (quest scripts); the prompt hook appends a `Z`, transcripts carry milliseconds
//! and a `Z`. Text without a zone may be UTC or local time: the reader cannot tell, so it reads
//! it as UTC and says its offset is [`Offset::Unknown`].

use std::fmt;

use serde::Serialize;

use crate::calendar::{civil_from_days, days_from_civil, push_date};
use crate::value::Value;

/// The offset a stored value states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Offset {
    /// Epoch seconds, or text ending in `Z` / `+00:00`.
    Utc,
    /// Text ending in `±HH:MM` (or `±HHMM`) other than zero: minutes east of UTC.
    Fixed(i32),
    /// Text without a zone: the tool's local time or SQLite's UTC. Read as UTC.
    Unknown,
}

/// How precisely a calendar text gives the time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Precision {
    /// `YYYY-MM-DD` only.
    Day,
    /// `HH:MM`.
    Minute,
    /// `HH:MM:SS`.
    Second,
    /// `HH:MM:SS.f…` with this many fraction digits.
    Fraction(u8),
}

/// The stored shape of a value, named as the fixture README names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TimeFormat {
    /// Seconds since 1970-01-01 UTC: an INTEGER or REAL, or TEXT of digits (`text`).
    EpochSeconds { text: bool },
    /// `YYYY-MM-DD HH:MM…` (`iso`: with a `T` between date and time).
    Calendar { iso: bool, precision: Precision },
}

impl TimeFormat {
    /// The README's notation, such as `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DDTHH:MM:SS.ffffffZ` or
    /// `epoch seconds (digits) as TEXT`; `zone` is the stored zone suffix (`Z`, `±HH:MM`) if any.
    pub fn pattern(&self, offset: Offset) -> String {
        match *self {
            TimeFormat::EpochSeconds { text: true } => "epoch seconds (digits) as TEXT".into(),
            TimeFormat::EpochSeconds { text: false } => "epoch seconds (INTEGER)".into(),
            TimeFormat::Calendar { iso, precision } => {
                let mut p = String::from("YYYY-MM-DD");
                if precision != Precision::Day {
                    p.push(if iso { 'T' } else { ' ' });
                    p.push_str("HH:MM");
                }
                match precision {
                    Precision::Second => p.push_str(":SS"),
                    Precision::Fraction(n) => {
                        p.push_str(":SS.");
                        p.extend(std::iter::repeat_n('f', n as usize));
                    }
                    Precision::Day | Precision::Minute => {}
                }
                match offset {
                    Offset::Utc => p.push('Z'),
                    Offset::Fixed(_) => p.push_str("±HH:MM"),
                    Offset::Unknown => {}
                }
                p
            }
        }
    }
}

/// A stored timestamp read as an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Timestamp {
    /// Milliseconds since 1970-01-01 00:00 UTC (text without a zone read as UTC); fractions of
    /// a second are rounded to the nearest millisecond, as SQLite rounds them.
    pub epoch_ms: i64,
    pub offset: Offset,
    pub format: TimeFormat,
}

impl Timestamp {
    /// Whether the stored value says which offset it is in.
    pub fn offset_known(&self) -> bool {
        self.offset != Offset::Unknown
    }

    /// Whole seconds since the epoch (floor).
    pub fn epoch_seconds(&self) -> i64 {
        self.epoch_ms.div_euclid(1000)
    }

    /// The one format the UI shows: `YYYY-MM-DD HH:MM`, followed by ` UTC` when the stored value
    /// states its offset (values with a fixed offset are shown converted to UTC).
    pub fn display(&self) -> String {
        let minutes = self.epoch_ms.div_euclid(60_000);
        let mut out = String::with_capacity(20);
        push_date(&mut out, minutes.div_euclid(1440));
        let m = minutes.rem_euclid(1440);
        out.push_str(&format!(" {:02}:{:02}", m / 60, m % 60));
        if self.offset_known() {
            out.push_str(" UTC");
        }
        out
    }

    /// The hover text for a stored value: what was stored, its format and how it was read.
    pub fn explain(&self, stored: &str) -> String {
        let zone = match self.offset {
            Offset::Utc => "UTC".to_owned(),
            Offset::Fixed(m) => {
                format!("offset {}{:02}:{:02}", if m < 0 { '-' } else { '+' }, m.abs() / 60, m.abs() % 60)
            }
            Offset::Unknown => "offset not stored: read as UTC".to_owned(),
        };
        format!("stored: {stored} ({}; {zone})", self.format.pattern(self.offset))
    }
}

/// Reads a stored value: INTEGER/REAL are epoch seconds, TEXT (and a BLOB holding UTF-8 text,
/// [`Value::as_str`]) goes to [`read_str`]; NULL, a binary BLOB and text in no known format give
/// `None`.
pub fn read(value: &Value) -> Option<Timestamp> {
    match value {
        Value::Integer(s) => Some(epoch(s.checked_mul(1000)?, false)),
        Value::Real(s) if s.is_finite() && s.abs() < 1e14 => Some(epoch((s * 1000.0).floor() as i64, false)),
        Value::Text(_) | Value::Blob(_) => value.as_str().and_then(read_str),
        _ => None,
    }
}

fn epoch(ms: i64, text: bool) -> Timestamp {
    Timestamp { epoch_ms: ms, offset: Offset::Utc, format: TimeFormat::EpochSeconds { text } }
}

/// Reads text: digits (epoch seconds, optionally with a fraction), or `YYYY-MM-DD`, optionally
/// followed by ` ` or `T`, `HH:MM`, `:SS`, `.f…` (any number of digits) and `Z` / `±HH:MM` /
/// `±HHMM`. Anything else (surrounding spaces, an impossible date) is `None`, as SQLite's
/// date functions say.
pub fn read_str(text: &str) -> Option<Timestamp> {
    let t = text;
    if t.is_empty() {
        return None;
    }
    if let Some(ms) = epoch_text(t) {
        return Some(epoch(ms, true));
    }
    calendar(t.as_bytes())
}

fn epoch_text(t: &str) -> Option<i64> {
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!frac.is_empty() && !digits(frac)) || whole.len() > 12 {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    Some(seconds * 1000 + fraction_ms(frac.as_bytes()))
}

/// Fraction digits of a second as whole milliseconds, rounded to nearest as SQLite's date
/// functions round them (`.004800` is 5 ms).
fn fraction_ms(digits: &[u8]) -> i64 {
    let (mut value, mut scale) = (0f64, 1f64);
    for d in digits.iter().take(9) {
        value = value * 10.0 + (d - b'0') as f64;
        scale *= 10.0;
    }
    (value * 1000.0 / scale).round() as i64
}

/// Parses `n` ASCII digits at `at`.
fn num(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let s = b.get(at..at + n)?;
    s.iter().all(u8::is_ascii_digit).then(|| s.iter().fold(0i64, |a, d| a * 10 + (d - b'0') as i64))
}

fn calendar(b: &[u8]) -> Option<Timestamp> {
    let (y, mo, d) = (num(b, 0, 4)?, num(b, 5, 2)?, num(b, 8, 2)?);
    if b[4] != b'-' || b[7] != b'-' || !(1..=12).contains(&mo) {
        return None;
    }
    let days_in_month =
        days_from_civil(if mo == 12 { y + 1 } else { y }, if mo == 12 { 1 } else { mo as u32 + 1 }, 1)
            - days_from_civil(y, mo as u32, 1);
    if d < 1 || d > days_in_month {
        return None;
    }
    let day = days_from_civil(y, mo as u32, d as u32);
    let mut at = 10;
    let (mut iso, mut precision, mut ms) = (false, Precision::Day, 0i64);
    if at < b.len() && (b[at] == b' ' || b[at] == b'T') {
        iso = b[at] == b'T';
        let (h, mi) = (num(b, at + 1, 2)?, num(b, at + 4, 2)?);
        if b[at + 3] != b':' || h > 23 || mi > 59 {
            return None;
        }
        ms = (h * 60 + mi) * 60_000;
        precision = Precision::Minute;
        at += 6;
        if b.get(at) == Some(&b':') {
            let s = num(b, at + 1, 2)?;
            if s > 59 {
                return None;
            }
            ms += s * 1000;
            precision = Precision::Second;
            at += 3;
            if b.get(at) == Some(&b'.') {
                let start = at + 1;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                let n = end - start;
                if n == 0 || n > 9 {
                    return None;
                }
                ms += fraction_ms(&b[start..end]);
                precision = Precision::Fraction(n as u8);
                at = end;
            }
        }
    }
    let offset = match &b[at..] {
        [] => Offset::Unknown,
        [b'Z'] | [b'z'] if precision != Precision::Day => Offset::Utc,
        [sign @ (b'+' | b'-'), rest @ ..] if precision != Precision::Day => {
            let (h, m) = match rest {
                [_, _, b':', _, _] => (num(rest, 0, 2)?, num(rest, 3, 2)?),
                [_, _, _, _] => (num(rest, 0, 2)?, num(rest, 2, 2)?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = (h * 60 + m) as i32 * if *sign == b'-' { -1 } else { 1 };
            if minutes == 0 {
                Offset::Utc
            } else {
                Offset::Fixed(minutes)
            }
        }
        _ => return None,
    };
    let shift = match offset {
        Offset::Fixed(m) => m as i64 * 60_000,
        _ => 0,
    };
    Some(Timestamp {
        epoch_ms: day * 86_400_000 + ms - shift,
        offset,
        format: TimeFormat::Calendar { iso, precision },
    })
}

/// An SQL expression giving the instant of `expr` as epoch seconds (REAL, millisecond
/// precision), or NULL when it is not a timestamp: the same instants as [`read`], so SQL can
/// sort and subtract mixed formats. `expr` is repeated in the text: pass a column name or a
/// cheap expression. SQLite's `julianday()` reads the calendar forms (any fraction digits,
/// `Z`, `±HH:MM`); text of digits and numbers are epoch seconds. Works on SQLite 3.50
/// (rusqlite) and 3.54 (sql.js).
pub fn instant_sql(expr: &str) -> String {
    // Kept lean: it runs for every row a time sort or a KPI reads. Text of digits (one dot at
    // most) is epoch seconds; `julianday` reads every calendar form and gives NULL for the rest,
    // except the word `now` in any case, which it reads as the clock.
    format!(
        "(CASE typeof({e}) WHEN 'integer' THEN CAST({e} AS REAL) WHEN 'real' THEN {e} \
          WHEN 'text' THEN CASE WHEN {e} GLOB '[0-9]*' AND {e} NOT GLOB '*[^0-9.]*' THEN \
          (CASE WHEN {e} GLOB '*.*.*' THEN NULL ELSE CAST({e} AS REAL) END) \
          WHEN {e} = 'now' COLLATE NOCASE THEN NULL \
          ELSE round((julianday({e}) - 2440587.5) * 86400000.0) / 1000.0 END END)",
        e = expr
    )
}

/// A duration for people: `45 s`, `12 min`, `3.4 h`, `2.1 d` (negative durations get a `-`).
pub fn duration_text(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let s = ms.unsigned_abs() as f64 / 1000.0;
    if s < 60.0 {
        format!("{sign}{} s", s.floor())
    } else if s < 3600.0 {
        format!("{sign}{} min", (s / 60.0).floor())
    } else if s < 48.0 * 3600.0 {
        format!("{sign}{:.1} h", s / 3600.0)
    } else {
        format!("{sign}{:.1} d", s / 86_400.0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// The calendar day and minute of an instant, for tests and callers that group by day:
/// `(year, month, day, minute of day)` in UTC.
pub fn civil(epoch_ms: i64) -> (i64, u32, u32, i64) {
    let minutes = epoch_ms.div_euclid(60_000);
    let (y, m, d) = civil_from_days(minutes.div_euclid(1440));
    (y, m, d, minutes.rem_euclid(1440))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        read_str(text).unwrap_or_else(|| panic!("{text} reads")).epoch_ms
    }

    #[test]
    fn every_format_the_tools_write_reads_as_the_same_instant() {
        // 2025-09-29 09:16:13 UTC = 1759137373 s.
        let base = 1_759_137_373_000;
        assert_eq!(ms("1759137373"), base);
        assert_eq!(read(&Value::Integer(1_759_137_373)).unwrap().epoch_ms, base);
        assert_eq!(ms("2025-09-29 09:16:13"), base);
        assert_eq!(ms("2025-09-29T09:16:13"), base);
        assert_eq!(ms("2025-09-29T09:16:13.004800"), base + 5);
        assert_eq!(ms("2025-09-29T09:16:13.267Z"), base + 267);
        assert_eq!(ms("2025-09-29T09:16:13.003400Z"), base + 3);
        assert_eq!(ms("2025-09-29 09:16"), base - 13_000);
        assert_eq!(ms("2025-09-29T11:16:13+02:00"), base);
        assert_eq!(ms("2025-09-29T07:16:13-0200"), base);
        assert_eq!(ms("2025-09-29"), base - (9 * 3600 + 16 * 60 + 13) * 1000);
        assert_eq!(read_str(" 2025-09-29 09:16:13 "), None);
    }

    #[test]
    fn offsets_and_formats_are_reported() {
        let t = read_str("2025-09-29 09:16:13").unwrap();
        assert_eq!(t.offset, Offset::Unknown);
        assert!(!t.offset_known());
        assert_eq!(t.format.pattern(t.offset), "YYYY-MM-DD HH:MM:SS");
        assert_eq!(t.display(), "2025-09-29 09:16");
        let z = read_str("2025-09-29T08:50:45.003400Z").unwrap();
        assert_eq!(z.format.pattern(z.offset), "YYYY-MM-DDTHH:MM:SS.ffffffZ");
        assert_eq!(z.display(), "2025-09-29 08:50 UTC");
        let e = read_str("1759141881").unwrap();
        assert_eq!(e.format.pattern(e.offset), "epoch seconds (digits) as TEXT");
        assert!(e.offset_known());
        let i = read(&Value::Integer(1_759_228_725)).unwrap();
        assert_eq!(i.format, TimeFormat::EpochSeconds { text: false });
        assert_eq!(read_str("2025-09-29 08:47").unwrap().format.pattern(Offset::Unknown), "YYYY-MM-DD HH:MM");
        assert!(read_str("2025-09-29T09:16:13+02:00").unwrap().explain("x").contains("+02:00"));
    }

    #[test]
    fn what_is_not_a_timestamp_is_none() {
        for bad in [
            "",
            "soon",
            "2025-13-01 00:00",
            "2025-02-30",
            "2025-09-29 24:00",
            "2025-09-29 09:16:61",
            "2025-09-29X09:16",
            "2025-09-29 09:16:13.",
            "2025-09-29 09:16:13 UTC",
            "12.3.4",
            "2025-09-29Z",
        ] {
            assert_eq!(read_str(bad), None, "{bad:?}");
        }
        assert_eq!(read(&Value::Null), None);
        assert_eq!(read(&Value::Blob(vec![1, 2])), None);
        assert_eq!(read(&Value::Blob(vec![0xff, 0x32])), None, "binary");
        let minute = "2025-09-29 09:16";
        assert_eq!(read(&Value::Blob(minute.as_bytes().to_vec())), read_str(minute), "UTF-8 BLOB");
        assert!(read_str("2024-02-29 00:00").is_some());
    }

    #[test]
    fn durations_read_like_a_person_says_them() {
        assert_eq!(duration_text(45_900), "45 s");
        assert_eq!(duration_text(12 * 60_000 + 5), "12 min");
        assert_eq!(duration_text(4_069_000), "1.1 h");
        assert_eq!(duration_text(168_585_000), "46.8 h");
        assert_eq!(duration_text(3 * 86_400_000 + 9_000_000), "3.1 d");
        assert_eq!(duration_text(-90_000), "-1 min");
    }
}
