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
    }
}
