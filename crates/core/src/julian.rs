//! SQLite's `julianday()` in milliseconds (its `iJD`), computed in Rust for the dashboard's
//! stores (lead times, quiet periods) exactly where SQLite would give the same value; both
//! stores' tests compare it with SQLite's own `julianday` on the forms real files hold.

use crate::value::Value;

/// SQLite's `julianday(v)` in milliseconds (`iJD`), `None` where it gives NULL.
pub fn julian_ms(v: &Value) -> Option<i64> {
    let raw =
        |r: f64| -> Option<i64> { (0.0..5373484.5).contains(&r).then_some((r * 86400000.0 + 0.5) as i64) };
    let ms = match v {
        Value::Null => return None,
        Value::Integer(i) => raw(*i as f64)?,
        Value::Real(r) => raw(*r)?,
        Value::Text(t) => parse_date_ms(t.as_bytes())?,
        Value::Blob(b) => parse_date_ms(b)?,
    };
    (0..=464269060799999).contains(&ms).then_some(ms)
}

fn digits(s: &[u8], at: usize, n: usize) -> Option<i64> {
    let d = s.get(at..at + n)?;
    d.iter().all(u8::is_ascii_digit).then(|| d.iter().fold(0i64, |a, c| a * 10 + (c - b'0') as i64))
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `HH:MM[:SS[.fff]]` then an optional zone; ms of the day minus the zone offset, and the rest.
fn parse_time(s: &[u8]) -> Option<i64> {
    let h = digits(s, 0, 2)?;
    if s.get(2) != Some(&b':') {
        return None;
    }
    let m = digits(s, 3, 2)?;
    if h > 24 || m > 59 {
        return None;
    }
    let mut i = 5;
    let mut secs = 0.0f64;
    if s.get(i) == Some(&b':') {
        let sec = digits(s, i + 1, 2)?;
        if sec > 59 {
            return None;
        }
        secs = sec as f64;
        i += 3;
        if s.get(i) == Some(&b'.') && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let mut scale = 1.0;
            let mut frac = 0.0;
            i += 1;
            while let Some(c) = s.get(i).filter(|c| c.is_ascii_digit()) {
                frac = frac * 10.0 + (c - b'0') as f64;
                scale *= 10.0;
                i += 1;
            }
            // SQLite truncates the fraction to avoid sub-millisecond rounding.
            secs += (frac / scale).min(0.999);
        }
    }
    // The zone.
    while s.get(i).is_some_and(|c| is_space(*c)) {
        i += 1;
    }
    let mut tz = 0i64;
    match s.get(i) {
        None => {}
        Some(b'Z' | b'z') => {
            i += 1;
            while s.get(i).is_some_and(|c| is_space(*c)) {
                i += 1;
            }
            if i != s.len() {
                return None;
            }
        }
        Some(c @ (b'+' | b'-')) => {
            let sgn = if *c == b'-' { -1 } else { 1 };
            let (zh, zm) = (digits(s, i + 1, 2)?, digits(s, i + 4, 2)?);
            if s.get(i + 3) != Some(&b':') || zh > 14 || zm > 59 {
                return None;
            }
            tz = sgn * (zm + zh * 60);
            i += 6;
            while s.get(i).is_some_and(|c| is_space(*c)) {
                i += 1;
            }
            if i != s.len() {
                return None;
            }
        }
        Some(_) => return None,
    }
    Some(h * 3_600_000 + m * 60_000 + (secs * 1000.0 + 0.5) as i64 - tz * 60_000)
}

fn ymd_ms(y: i64, m: i64, d: i64) -> i64 {
    let (mut y, mut m) = (y, m);
    if m <= 2 {
        y -= 1;
        m += 12;
    }
    let a = y / 100;
    let b = 2 - a + a / 4;
    let x1 = 36525 * (y + 4716) / 100;
    let x2 = 306001 * (m + 1) / 10000;
    (((x1 + x2 + d + b) as f64 - 1524.5) * 86400000.0) as i64
}

fn parse_date_ms(s: &[u8]) -> Option<i64> {
    // YYYY-MM-DD (an optional leading '-').
    let (neg, d) = if s.first() == Some(&b'-') { (true, &s[1..]) } else { (false, s) };
    if let (Some(y), Some(b'-'), Some(mo), Some(b'-'), Some(dd)) =
        (digits(d, 0, 4), d.get(4), digits(d, 5, 2), d.get(7), digits(d, 8, 2))
    {
        if !(1..=12).contains(&mo) || !(1..=31).contains(&dd) {
            return None;
        }
        let y = if neg { -y } else { y };
        if !(-4713..=9999).contains(&y) {
            return None;
        }
        let mut rest = &d[10..];
        while rest.first().is_some_and(|c| is_space(*c) || *c == b'T') {
            rest = &rest[1..];
        }
        let day = ymd_ms(y, mo, dd);
        if rest.is_empty() {
            return Some(day);
        }
        return parse_time(rest).map(|t| day + t);
    }
    if let Some(t) = parse_time(s) {
        return Some(ymd_ms(2000, 1, 1) + t);
    }
    // A Julian day number as text.
    let t = std::str::from_utf8(s).ok()?.trim();
    let ok = !t.is_empty()
        && t.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    let r: f64 = if ok { t.parse().ok()? } else { return None };
    (0.0..5373484.5).contains(&r).then_some((r * 86400000.0 + 0.5) as i64)
}

/// [`julian_ms`] of a TEXT value given as its bytes (no copy): `YYYY-MM-DD`, then optionally a
/// time `HH:MM[:SS[.fff]]` and a zone; `None` where SQLite gives NULL (and for a number written
/// as text, which SQLite reads as a julian day number: the dashboard's timestamps never are).
pub fn julian_ms_text(text: &[u8]) -> Option<i64> {
    parse_date_ms(text).filter(|ms| (0..=464269060799999).contains(ms))
}

/// SQLite's `GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'` on a value's bytes: a text that
/// starts like a date (what the coverage counts as dated, and the outliers rule reads).
pub fn date_prefix(b: &[u8]) -> bool {
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}
