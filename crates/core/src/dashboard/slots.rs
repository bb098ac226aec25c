//! The time slots of the dashboard's series. One slot per day reads well for a few months; a
//! window of years (a file with placeholder dates, "all time including outliers", a wide
//! custom range) would draw tens of thousands of slots, make the HTML report megabytes long and
//! the snapshot link hundreds of kilobytes. So the slot grows with the window: the shortest of
//! day, week (Monday to Sunday), month, quarter and year — then several years — that keeps a
//! series at most [`MAX_SLOTS`] long. Every slot is named by its first day (`YYYY-MM-DD`) in
//! SQL and in the numbers; [`Slot::label`] names it for people.

use serde::{Deserialize, Serialize};

use super::stats::{day_text, monday_of, week_label};
use crate::calendar::{civil_from_days, days_from_civil};

/// The most slots a series of the dashboard has (chart bars, table rows, snapshot entries).
pub const MAX_SLOTS: i64 = 120;

/// How long one slot of a series is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// One calendar day (windows up to [`MAX_SLOTS`] days: every figure as before).
    #[default]
    Day,
    /// Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// January–March, April–June, July–September, October–December.
    Quarter,
    /// This many calendar years, starting at a year divisible by it (1 = one year).
    Years(u32),
}

fn year_of(day: i64) -> i64 {
    civil_from_days(day).0
}

impl Slot {
    /// The shortest slot that cuts the days `first_day..=last_day` into at most [`MAX_SLOTS`]
    /// slots (counting the partial slots at both ends).
    pub fn for_days(first_day: i64, last_day: i64) -> Slot {
        let last_day = last_day.max(first_day);
        for slot in [Slot::Day, Slot::Week, Slot::Month, Slot::Quarter, Slot::Years(1)] {
            if slot.count(first_day, last_day) <= MAX_SLOTS {
                return slot;
            }
        }
        let years = year_of(last_day) - year_of(first_day) + 1;
        // n-year slots aligned on multiples of n: one more slot at most for the alignment.
        let mut n = (years + MAX_SLOTS - 2) / (MAX_SLOTS - 1);
        while Slot::Years(n as u32).count(first_day, last_day) > MAX_SLOTS {
            n += 1;
        }
        Slot::Years(n.clamp(1, u32::MAX as i64) as u32)
    }

    /// How many slots `first_day..=last_day` touches (arithmetic, no iteration).
    pub fn count(self, first_day: i64, last_day: i64) -> i64 {
        let month_index = |day: i64| {
            let (y, m, _) = civil_from_days(day);
            y * 12 + m as i64 - 1
        };
        match self {
            Slot::Day => last_day - first_day + 1,
            Slot::Week => (monday_of(last_day) - monday_of(first_day)) / 7 + 1,
            Slot::Month => month_index(last_day) - month_index(first_day) + 1,
            Slot::Quarter => month_index(last_day).div_euclid(3) - month_index(first_day).div_euclid(3) + 1,
            Slot::Years(n) => {
                let n = n.max(1) as i64;
                year_of(last_day).div_euclid(n) - year_of(first_day).div_euclid(n) + 1
            }
        }
    }

    /// The first day of the slot `day` falls in.
    pub fn start_of(self, day: i64) -> i64 {
        let (y, m, _) = civil_from_days(day);
        match self {
            Slot::Day => day,
            Slot::Week => monday_of(day),
            Slot::Month => days_from_civil(y, m, 1),
            Slot::Quarter => days_from_civil(y, (m - 1) / 3 * 3 + 1, 1),
            Slot::Years(n) => {
                let n = n.max(1) as i64;
                days_from_civil(y.div_euclid(n) * n, 1, 1)
            }
        }
    }

    /// The first day of the slot after the one starting at (or containing) `day`.
    pub fn next_start(self, day: i64) -> i64 {
        let start = self.start_of(day);
        let (y, m, _) = civil_from_days(start);
        let months_later = |k: u32| {
            let index = y * 12 + (m - 1) as i64 + k as i64;
            days_from_civil(index.div_euclid(12), (index.rem_euclid(12) + 1) as u32, 1)
        };
        match self {
            Slot::Day => start + 1,
            Slot::Week => start + 7,
            Slot::Month => months_later(1),
            Slot::Quarter => months_later(3),
            Slot::Years(n) => days_from_civil(y + n.max(1) as i64, 1, 1),
        }
    }

    /// The slots touching `first_day..=last_day`, each as (its first day, its last day), the
    /// partial slots at both ends clipped to the range. At most [`MAX_SLOTS`] for the slot
    /// [`Slot::for_days`] gives.
    pub fn slots(self, first_day: i64, last_day: i64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        let mut start = first_day;
        while start <= last_day {
            let next = self.next_start(start);
            out.push((start, (next - 1).min(last_day)));
            start = next;
        }
        out
    }

    /// The slot starting at `start` for people: `2025-05-26` (a day, or the Monday of a week),
    /// `2025-05` (a month), `2025-Q2`, `2025`, `2020–2029` (several years).
    pub fn label(self, start: i64) -> String {
        let (y, m, _) = civil_from_days(self.start_of(start));
        match self {
            Slot::Day | Slot::Week => day_text(self.start_of(start)),
            Slot::Month => format!("{y:04}-{m:02}"),
            Slot::Quarter => format!("{y:04}-Q{}", (m - 1) / 3 + 1),
            Slot::Years(1) => format!("{y:04}"),
            Slot::Years(n) => format!("{y:04}–{:04}", y + n as i64 - 1),
        }
    }

    /// The slot in words, after "per": `day`, `week (Monday to Sunday)`, `month`, `quarter`,
    /// `year`, `10 years`.
    pub fn name(self) -> String {
        match self {
            Slot::Day => "day".into(),
            Slot::Week => "week (Monday to Sunday)".into(),
            Slot::Month => "month".into(),
            Slot::Quarter => "quarter".into(),
            Slot::Years(1) => "year".into(),
            Slot::Years(n) => format!("{n} years"),
        }
    }

    /// An SQL expression giving the first day (`YYYY-MM-DD`) of the slot of `day`, an
    /// expression whose first 10 characters are a `YYYY-MM-DD` date (as [`Slot::start_of`]).
    pub fn start_sql(self, day: &str) -> String {
        match self {
            Slot::Day => format!("substr({day}, 1, 10)"),
            // From six days back, the next Monday (or that day when it is one).
            Slot::Week => format!("date(substr({day}, 1, 10), '-6 days', 'weekday 1')"),
            Slot::Month => format!("substr({day}, 1, 7) || '-01'"),
            Slot::Quarter => format!(
                "substr({day}, 1, 5) || CASE WHEN substr({day}, 6, 2) < '04' THEN '01' \
                 WHEN substr({day}, 6, 2) < '07' THEN '04' WHEN substr({day}, 6, 2) < '10' THEN '07' ELSE '10' END || '-01'"
            ),
            Slot::Years(n) => {
                format!("printf('%04d-01-01', CAST(substr({day}, 1, 4) AS INTEGER) / {n} * {n})", n = n.max(1))
            }
        }
    }

    /// The slot of the period tables ("per week" tables, drift per week, quests completed per
    /// week): weeks for day and week slots, else the series' own slot.
    pub fn table_slot(self) -> Slot {
        match self {
            Slot::Day | Slot::Week => Slot::Week,
            other => other,
        }
    }
}

/// Sums `per_day` (day number, value; any order) into the period-table rows of `slot` over
/// `first_day..=last_day`, oldest first, every period listed (0 when empty). Weeks are named
/// and cut as SQLite's `strftime('%Y-W%W')` names them ([`week_label`]: a week across New Year
/// is two rows, as it always was); longer slots by [`Slot::label`].
pub fn table_rows<T: Copy + Default + std::ops::AddAssign>(
    slot: Slot,
    first_day: i64,
    last_day: i64,
    per_day: &[(i64, T)],
) -> Vec<(String, T)> {
    let slot = slot.table_slot();
    let mut bounds: Vec<(i64, i64, String)> = Vec::new();
    let mut start = first_day;
    while start <= last_day {
        let mut next = slot.next_start(start);
        if slot == Slot::Week {
            // A new `%W` label also starts on the 1st of January.
            let new_year = days_from_civil(year_of(start) + 1, 1, 1);
            next = next.min(new_year);
        }
        let label = if slot == Slot::Week { week_label(start) } else { slot.label(start) };
        bounds.push((start, (next - 1).min(last_day), label));
        start = next;
    }
    let mut rows: Vec<(String, T)> = bounds.iter().map(|(_, _, l)| (l.clone(), T::default())).collect();
    for &(day, v) in per_day {
        if day < first_day || day > last_day {
            continue;
        }
        let i = bounds.partition_point(|(_, end, _)| *end < day);
        if let Some(row) = rows.get_mut(i) {
            row.1 += v;
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::stats::parse_day;

    fn d(text: &str) -> i64 {
        parse_day(text).unwrap()
    }

    #[test]
    fn the_slot_grows_with_the_window_and_never_gives_more_than_max_slots() {
        assert_eq!(Slot::for_days(d("2025-05-26"), d("2025-08-24")), Slot::Day, "91 days");
        assert_eq!(Slot::for_days(d("2025-05-26"), d("2025-10-13")), Slot::Week, "141 days");
        assert_eq!(Slot::for_days(d("2020-01-01"), d("2025-12-31")), Slot::Month);
        assert_eq!(Slot::for_days(d("2000-01-01"), d("2025-12-31")), Slot::Quarter);
        assert_eq!(Slot::for_days(d("1970-01-01"), d("2099-12-31")), Slot::Years(2));
        let widest = Slot::for_days(d("0001-01-01"), d("9999-12-31"));
        assert!(matches!(widest, Slot::Years(n) if n > 1));
        for (a, b) in [
            ("2025-05-26", "2025-08-24"),
            ("2025-01-01", "2026-06-30"),
            ("1970-01-01", "2099-12-31"),
            ("0001-01-01", "9999-12-31"),
            ("1999-12-27", "2000-01-02"),
        ] {
            let slot = Slot::for_days(d(a), d(b));
            let slots = slot.slots(d(a), d(b));
            assert_eq!(slots.len() as i64, slot.count(d(a), d(b)), "{a}..{b} {slot:?}");
            assert!(slots.len() as i64 <= MAX_SLOTS, "{a}..{b}: {} slots of {slot:?}", slots.len());
            // Contiguous, clipped to the range.
            assert_eq!(slots.first().unwrap().0, d(a));
            assert_eq!(slots.last().unwrap().1, d(b));
            for w in slots.windows(2) {
                assert_eq!(w[0].1 + 1, w[1].0);
            }
        }
    }

    #[test]
    fn slots_start_where_the_calendar_says() {
        let day = d("2025-08-24"); // a Sunday
        assert_eq!(day_text(Slot::Week.start_of(day)), "2025-08-18");
        assert_eq!(day_text(Slot::Month.start_of(day)), "2025-08-01");
        assert_eq!(day_text(Slot::Quarter.start_of(day)), "2025-07-01");
        assert_eq!(day_text(Slot::Years(1).start_of(day)), "2025-01-01");
        assert_eq!(day_text(Slot::Years(10).start_of(day)), "2020-01-01");
        assert_eq!(day_text(Slot::Quarter.next_start(day)), "2025-10-01");
        assert_eq!(day_text(Slot::Month.next_start(d("2025-12-31"))), "2026-01-01");
        assert_eq!(Slot::Quarter.label(day), "2025-Q3");
        assert_eq!(Slot::Years(10).label(day), "2020–2029");
        assert_eq!(Slot::Month.label(day), "2025-08");
    }

    #[test]
    fn table_rows_cut_weeks_as_sqlite_names_them_and_sum_every_day() {
        let per_day = [(d("2025-12-29"), 1i64), (d("2026-01-01"), 2), (d("2026-01-05"), 4)];
        let rows = table_rows(Slot::Day, d("2025-12-29"), d("2026-01-05"), &per_day);
        let want: Vec<(String, i64)> =
            vec![("2025-W52".into(), 1), ("2026-W00".into(), 2), ("2026-W01".into(), 4)];
        assert_eq!(rows, want);
        let rows = table_rows(Slot::Month, d("2025-12-01"), d("2026-01-31"), &per_day);
        assert_eq!(rows, vec![("2025-12".to_owned(), 1), ("2026-01".to_owned(), 6)]);
    }
}
