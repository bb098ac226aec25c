//! One way to write a figure with its unit, for every figure, threshold and budget line the
//! dashboard shows (issue 14: "now 2.3 min", "now 3.1 d", never a bare "now 140520.00").
//!
//! [`figure`] is the only function: a value and the [`Unit`] it is stored in. Durations pick the
//! readable scale (`850 ms`, `2.3 s`, `2.3 min`, `4.0 h`, `3.1 d`), counts get thousands
//! separators (`4,931`), shares and percentages one decimal (`4.2 %`), bytes a decimal prefix
//! (`1.2 MB`). The scale is chosen on the rounded value, so 59,960 ms reads `1.0 min`, never
//! `60.0 s`. A value that is not finite reads `—` (NaN) or `∞`.

use serde::{Deserialize, Serialize};

use crate::listing::thousands;

/// What a number is measured in, i.e. how [`figure`] writes it. Serialized in snake case
/// (`"millis"`, `"per_day"`) inside a [`crate::dashboard::BudgetResult`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A duration in milliseconds (tool_logs.duration_ms).
    Millis,
    /// A duration in seconds.
    Seconds,
    /// A duration in hours (lead times, ages of flags).
    Hours,
    /// A duration in days (days to clear, days to double).
    Days,
    /// A bare count: `4,931`, one decimal when not whole (`123.5`).
    Count,
    /// A count for chart axes and tight spaces: `950`, `1.2k`, `34k`, `1.2M`.
    Compact,
    /// A count of flags: `1 flag`, `5 flags`.
    Flags,
    /// A count of tool calls: `1 call`, `4,931 calls`.
    Calls,
    /// A count of lines: `1 line`, `1,204 lines`.
    Lines,
    /// A share between 0 and 1 written as a percentage: 0.042 → `4.2 %`.
    Share,
    /// A value already in percent: 4.2 → `4.2 %`.
    Percent,
    /// A dimensionless ratio such as the utilisation ρ: two decimals, `0.85`.
    Ratio,
    /// A growth factor per period: `×1.045`.
    Factor,
    /// A rate per day: `1.25/day`.
    PerDay,
    /// A rate per hour: `120/hour`.
    PerHour,
    /// A size in bytes, decimal prefixes: `850 B`, `1.2 kB`, `3.4 MB`.
    Bytes,
}

/// `value` (in `unit`) written for people, with its unit. See the module for the scales.
pub fn figure(value: f64, unit: Unit) -> String {
    if value.is_nan() {
        return "—".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "∞".to_owned() } else { "-∞".to_owned() };
    }
    match unit {
        Unit::Millis => duration(value),
        Unit::Seconds => duration(value * 1e3),
        Unit::Hours => duration(value * 3.6e6),
        Unit::Days => duration(value * 8.64e7),
        Unit::Count => count(value),
        Unit::Compact => compact(value),
        Unit::Flags => counted(value, "flag", "flags"),
        Unit::Calls => counted(value, "call", "calls"),
        Unit::Lines => counted(value, "line", "lines"),
        Unit::Share => format!("{} %", fixed(value * 100.0, 1)),
        Unit::Percent => format!("{} %", fixed(value, 1)),
        Unit::Ratio => fixed(value, 2),
        Unit::Factor => format!("×{}", fixed(value, 3)),
        Unit::PerDay => format!("{}/day", rate(value)),
        Unit::PerHour => format!("{}/hour", rate(value)),
        Unit::Bytes => bytes(value),
    }
}

/// `v` rounded to `decimals`, with thousands separators on the whole part and no `-0`.
fn fixed(v: f64, decimals: usize) -> String {
    let scale = 10f64.powi(decimals as i32);
    let rounded = (v * scale).round() / scale;
    let sign = if rounded < 0.0 { "-" } else { "" };
    let text = format!("{:.*}", decimals, rounded.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let whole = whole.parse::<usize>().map(thousands).unwrap_or_else(|_| whole.to_owned());
    if frac.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    }
}

/// `v` rounded to one decimal.
fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn count(v: f64) -> String {
    fixed(v, if round1(v).fract() == 0.0 { 0 } else { 1 })
}

fn counted(v: f64, one: &str, many: &str) -> String {
    format!("{} {}", count(v), if v == 1.0 { one } else { many })
}

/// Two decimals under 10, one under 100, whole above: `0.25`, `12.5`, `1,234`.
fn rate(v: f64) -> String {
    let a = v.abs();
    if (a * 100.0).round() < 1000.0 {
        fixed(v, 2)
    } else if round1(a) < 100.0 {
        fixed(v, 1)
    } else {
        fixed(v, 0)
    }
}

/// Milliseconds on the first scale where the rounded value stays under the next one.
fn duration(ms: f64) -> String {
    let sign = if ms.abs().round() > 0.0 && ms < 0.0 { "-" } else { "" };
    let ms = ms.abs();
    if ms.round() < 1000.0 {
        return format!("{sign}{:.0} ms", ms.round());
    }
    // (size of the unit in ms, its name, how many of it make the next unit)
    for (size, name, next) in [(1e3, "s", 60.0), (6e4, "min", 60.0), (3.6e6, "h", 48.0)] {
        let v = round1(ms / size);
        if v < next {
            return format!("{sign}{v:.1} {name}");
        }
    }
    format!("{sign}{} d", fixed(ms / 8.64e7, 1))
}

/// A count with k or M once it has four digits; the prefix is chosen on the rounded value.
fn compact(n: f64) -> String {
    let a = n.abs();
    if a.round() < 1000.0 {
        return count(n);
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let short = |v: f64, unit: &str| {
        if round1(v) >= 100.0 {
            format!("{sign}{}{unit}", fixed(v, 0))
        } else {
            format!("{sign}{v:.1}{unit}")
        }
    };
    if (a / 1e3).round() < 1000.0 {
        short(a / 1e3, "k")
    } else {
        short(a / 1e6, "M")
    }
}

fn bytes(n: f64) -> String {
    let sign = if n < 0.0 && n.round() != 0.0 { "-" } else { "" };
    let a = n.abs();
    if a.round() < 1000.0 {
        return format!("{sign}{:.0} B", a.round());
    }
    let mut v = a;
    for name in ["kB", "MB", "GB"] {
        v /= 1000.0;
        if round1(v) < 1000.0 {
            return format!("{sign}{:.1} {name}", round1(v));
        }
    }
    format!("{sign}{} TB", fixed(v / 1000.0, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_a_readable_scale_at_each_boundary() {
        assert_eq!(figure(0.0, Unit::Millis), "0 ms");
        assert_eq!(figure(850.0, Unit::Millis), "850 ms");
        assert_eq!(figure(999.4, Unit::Millis), "999 ms");
        // Rounds up to a whole second: no "1000 ms".
        assert_eq!(figure(999.6, Unit::Millis), "1.0 s");
        assert_eq!(figure(14_255.0, Unit::Millis), "14.3 s");
        assert_eq!(figure(59_940.0, Unit::Millis), "59.9 s");
        // 59.96 s rounds to 60.0 s: the next scale.
        assert_eq!(figure(59_960.0, Unit::Millis), "1.0 min");
        // The "now 140520.00".
        assert_eq!(figure(140_520.0, Unit::Millis), "2.3 min");
        assert_eq!(figure(30_000.0, Unit::Millis), "30.0 s");
        assert_eq!(figure(0.5, Unit::Hours), "30.0 min");
        assert_eq!(figure(3_597_000.0, Unit::Millis), "1.0 h");
        assert_eq!(figure(4.0, Unit::Hours), "4.0 h");
        assert_eq!(figure(47.9, Unit::Hours), "47.9 h");
        assert_eq!(figure(47.96, Unit::Hours), "2.0 d");
        // The "lead time p90 … (now 74.85)": hours.
        assert_eq!(figure(74.85, Unit::Hours), "3.1 d");
        assert_eq!(figure(72.0, Unit::Hours), "3.0 d");
        assert_eq!(figure(90.0, Unit::Seconds), "1.5 min");
        assert_eq!(figure(12.0, Unit::Days), "12.0 d");
        assert_eq!(figure(0.25, Unit::Days), "6.0 h");
        assert_eq!(figure(1500.0, Unit::Days), "1,500.0 d");
        assert_eq!(figure(-90.0, Unit::Seconds), "-1.5 min");
        assert_eq!(figure(-0.2, Unit::Millis), "0 ms", "no minus zero");
    }

    #[test]
    fn counts_get_thousands_separators_and_nouns() {
        assert_eq!(figure(0.0, Unit::Count), "0");
        assert_eq!(figure(4931.0, Unit::Count), "4,931");
        assert_eq!(figure(1_234_567.0, Unit::Count), "1,234,567");
        assert_eq!(figure(123.46, Unit::Count), "123.5");
        assert_eq!(figure(2.96, Unit::Count), "3", "rounds to a whole: no .0");
        assert_eq!(figure(-1234.0, Unit::Count), "-1,234");
        assert_eq!(figure(1.0, Unit::Flags), "1 flag");
        assert_eq!(figure(3.0, Unit::Flags), "3 flags");
        assert_eq!(figure(0.0, Unit::Flags), "0 flags");
        assert_eq!(figure(4931.0, Unit::Calls), "4,931 calls");
        assert_eq!(figure(1.0, Unit::Lines), "1 line");
    }

    #[test]
    fn compact_counts_switch_prefix_on_the_rounded_value() {
        assert_eq!(figure(950.0, Unit::Compact), "950");
        assert_eq!(figure(999.7, Unit::Compact), "1.0k");
        assert_eq!(figure(1234.0, Unit::Compact), "1.2k");
        assert_eq!(figure(99_960.0, Unit::Compact), "100k");
        assert_eq!(figure(123_456.0, Unit::Compact), "123k");
        assert_eq!(figure(999_700.0, Unit::Compact), "1.0M");
        assert_eq!(figure(3_400_000.0, Unit::Compact), "3.4M");
        assert_eq!(figure(2_500_000_000.0, Unit::Compact), "2,500M");
    }

    #[test]
    fn shares_percentages_ratios_and_rates() {
        assert_eq!(figure(0.9712, Unit::Share), "97.1 %");
        assert_eq!(figure(0.042, Unit::Share), "4.2 %");
        assert_eq!(figure(0.0, Unit::Share), "0.0 %");
        assert_eq!(figure(197.0 / 4931.0 * 100.0, Unit::Percent), "4.0 %");
        assert_eq!(figure(5.0, Unit::Percent), "5.0 %");
        assert_eq!(figure(-0.01, Unit::Percent), "0.0 %", "no minus zero");
        assert_eq!(figure(0.9, Unit::Ratio), "0.90");
        assert_eq!(figure(1.234, Unit::Ratio), "1.23");
        assert_eq!(figure(1.04493, Unit::Factor), "×1.045");
        assert_eq!(figure(1.25, Unit::PerDay), "1.25/day");
        assert_eq!(figure(9.996, Unit::PerDay), "10.0/day");
        assert_eq!(figure(12.34, Unit::PerDay), "12.3/day");
        assert_eq!(figure(1234.4, Unit::PerHour), "1,234/hour");
    }

    #[test]
    fn bytes_use_decimal_prefixes() {
        assert_eq!(figure(850.0, Unit::Bytes), "850 B");
        assert_eq!(figure(999.6, Unit::Bytes), "1.0 kB");
        assert_eq!(figure(1_200.0, Unit::Bytes), "1.2 kB");
        assert_eq!(figure(999_960.0, Unit::Bytes), "1.0 MB");
        assert_eq!(figure(1_234_567.0, Unit::Bytes), "1.2 MB");
        assert_eq!(figure(3.4e9, Unit::Bytes), "3.4 GB");
        assert_eq!(figure(5e15, Unit::Bytes), "5,000.0 TB");
    }

    #[test]
    fn values_that_are_not_numbers_say_so() {
        assert_eq!(figure(f64::NAN, Unit::Millis), "—");
        assert_eq!(figure(f64::INFINITY, Unit::Days), "∞");
    }
}
