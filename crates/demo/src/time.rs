//! The demo's calendar window; the arithmetic itself is `flagdeck_core::calendar`.

pub use flagdeck_core::calendar::*;

/// First day of the demo window, a Monday.
pub const WINDOW_START: (i64, u32, u32) = (2026, 7, 13);
/// The window is this many whole Monday-to-Sunday weeks.
pub const WINDOW_WEEKS: i64 = 13;

/// The demo window as minutes: `[start, end)`.
pub fn window_minutes() -> (i64, i64) {
    let (y, m, d) = WINDOW_START;
    let start = days_from_civil(y, m, d) * MINUTES_PER_DAY;
    (start, start + WINDOW_WEEKS * 7 * MINUTES_PER_DAY)
}

/// `YYYYMMDD` of the day a minute falls in (migration file prefixes).
pub fn compact_date(minutes: i64) -> String {
    let mut s = String::with_capacity(10);
    push_date(&mut s, minutes.div_euclid(MINUTES_PER_DAY));
    s.retain(|c| c != '-');
    s
}

/// Appends `YYYY-MM-DDTHH:MM:SS.ffffff`: Python's `datetime.now().isoformat()` for a time with
/// a non-zero microsecond (the quest scripts' and hooks' local-time format). `micros` is taken
/// modulo one second.
pub fn push_iso_micros(out: &mut String, seconds: i64, micros: u32) {
    push_second(out, seconds);
    // the date and time are separated by `T` instead of a space
    let at = out.len() - 9;
    out.replace_range(at..at + 1, "T");
    out.push('.');
    let micros = micros % 1_000_000;
    let mut div = 100_000;
    while div > 0 {
        out.push((b'0' + (micros / div % 10) as u8) as char);
        div /= 10;
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffff` as a new string (see [`push_iso_micros`]).
pub fn iso_micros(seconds: i64, micros: u32) -> String {
    let mut s = String::with_capacity(26);
    push_iso_micros(&mut s, seconds, micros);
    s
}

/// `YYYYMMDD-HHMMSS` of a second: the time part of `quest_create.py`'s quest names.
pub fn compact_second(seconds: i64) -> String {
    let mut s = second_text(seconds);
    s.retain(|c| c != '-' && c != ':');
    s.replace(' ', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_thirteen_weeks_from_a_monday_ending_in_october_2026() {
        let (start, end) = window_minutes();
        assert_eq!(weekday(start / MINUTES_PER_DAY), 0);
        assert_eq!((end - start) / MINUTES_PER_DAY, 91);
        assert_eq!(minute_text(start), "2026-07-13 00:00");
        assert_eq!(minute_text(end - 1), "2026-10-11 23:59");
        assert_eq!(weekday((end - 1) / MINUTES_PER_DAY), 6);
        assert_eq!(second_text(start * 60 + 3_723), "2026-07-13 01:02:03");
        assert_eq!(compact_date(start), "20260713");
        let second = start * 60 + 3_723;
        assert_eq!(iso_micros(second, 4_800), "2026-07-13T01:02:03.004800");
        assert_eq!(iso_micros(second, 1_999_999), "2026-07-13T01:02:03.999999");
        assert_eq!(compact_second(second), "20260713-010203");
    }
}
