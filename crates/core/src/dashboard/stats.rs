//! The small statistics the dashboard needs, each with its definition written down so the UI
//! can show it on hover: nearest-rank percentiles, a log-linear trend fit with a band, calendar
//! weeks as SQLite's `strftime('%Y-W%W')` names them, and numbers formatted for executives.

use serde::{Deserialize, Serialize};

use crate::calendar::{civil_from_days, days_from_civil, weekday, MINUTES_PER_DAY};

/// Nearest-rank percentile: the value at rank `ceil(p/100 · n)` of the sorted values (the
/// definition the fixtures README uses). `None` for no values.
pub fn nearest_rank(sorted: &[f64], p: u32) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (p as usize * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The SQL expression of the nearest rank for `p` percent of `n` rows (integer arithmetic, so
/// it gives the same rank as [`nearest_rank`]).
pub fn rank_sql(p: u32, n: &str) -> String {
    format!("(({p} * {n} + 99) / 100)")
}

/// Minutes since 1970-01-01 00:00 of `YYYY-MM-DD HH:MM` (seconds, if present, are dropped;
/// a bare `YYYY-MM-DD` is midnight).
pub fn parse_minute(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r).and_then(|s| s.parse::<i64>().ok());
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (h, min) = if b.len() >= 16 { (num(11..13)?, num(14..16)?) } else { (0, 0) };
    Some(days_from_civil(y, m as u32, d as u32) * MINUTES_PER_DAY + h * 60 + min)
}

/// The day number (days since 1970-01-01) of `YYYY-MM-DD…`.
pub fn parse_day(text: &str) -> Option<i64> {
    parse_minute(text).map(|m| m.div_euclid(MINUTES_PER_DAY))
}

/// `YYYY-MM-DD` of a day number.
pub fn day_text(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The Monday of the week a day falls in.
pub fn monday_of(day: i64) -> i64 {
    day - weekday(day) as i64
}

/// SQLite's `strftime('%Y-W%W', day)`: the year, and the week of the year counted from the
/// year's first Monday (days before it are week 00).
pub fn week_label(day: i64) -> String {
    let (y, _, _) = civil_from_days(day);
    let yday = day - days_from_civil(y, 1, 1);
    let week = (yday + 7 - weekday(day) as i64) / 7;
    format!("{y:04}-W{week:02}")
}

/// A fitted exponential trend `y = a · factorˣ` (least squares on `ln y`), with the residual
/// spread for a band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogLinearFit {
    /// Value of the trend at x = 0.
    pub a: f64,
    /// Growth per step (per week for weekly series): `exp(slope)`.
    pub factor: f64,
    /// Standard deviation of the residuals of `ln y` (n − 2 degrees of freedom; 0 for n ≤ 2).
    pub sigma: f64,
    /// Points the fit used.
    pub points: usize,
}

impl LogLinearFit {
    /// The trend at step `x`.
    pub fn at(&self, x: f64) -> f64 {
        self.a * self.factor.powf(x)
    }

    /// The ~95 % band around the trend at `x` (±1.96 σ in log space).
    pub fn band(&self, x: f64) -> (f64, f64) {
        let spread = (1.96 * self.sigma).exp();
        (self.at(x) / spread, self.at(x) * spread)
    }
}

/// Least-squares fit of `ln y` against `x`. Points with `y ≤ 0` are left out (their log does
/// not exist); `None` when fewer than two points remain.
pub fn log_linear_fit(points: &[(f64, f64)]) -> Option<LogLinearFit> {
    let logs: Vec<(f64, f64)> = points.iter().filter(|(_, y)| *y > 0.0).map(|(x, y)| (*x, y.ln())).collect();
    let n = logs.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mean_x = logs.iter().map(|p| p.0).sum::<f64>() / nf;
    let mean_y = logs.iter().map(|p| p.1).sum::<f64>() / nf;
    let sxx: f64 = logs.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = logs.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let sse: f64 = logs.iter().map(|(x, y)| (y - intercept - slope * x).powi(2)).sum();
    let sigma = if n > 2 { (sse / (nf - 2.0)).sqrt() } else { 0.0 };
    Some(LogLinearFit { a: intercept.exp(), factor: slope.exp(), sigma, points: n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_is_the_ceiling_rank() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&v, 50), Some(5.0));
        assert_eq!(nearest_rank(&v, 90), Some(9.0));
        assert_eq!(nearest_rank(&v, 95), Some(10.0));
        assert_eq!(nearest_rank(&v, 0), Some(1.0));
        assert_eq!(nearest_rank(&[7.0], 99), Some(7.0));
        assert_eq!(nearest_rank(&[], 50), None);
        // The SQL rank gives the same ranks.
        for n in 1..300usize {
            for p in [50u32, 90, 95, 99] {
                // The SQL's integer arithmetic, spelled out on purpose.
                #[allow(clippy::manual_div_ceil)]
                let sql_rank = (p as usize * n + 99) / 100;
                assert_eq!(sql_rank, (p as usize * n).div_ceil(100), "n={n} p={p}");
            }
        }
    }

    #[test]
    fn minutes_days_and_weeks_as_sqlite_names_them() {
        let m = parse_minute("2025-05-26 08:40").unwrap();
        assert_eq!(m % MINUTES_PER_DAY, 8 * 60 + 40);
        assert_eq!(parse_minute("2025-05-26 08:40:34"), Some(m));
        assert_eq!(day_text(parse_day("2025-05-26").unwrap()), "2025-05-26");
        assert_eq!(parse_minute("26/05/2025"), None);
        // strftime('%Y-W%W'): 2025-05-26 is a Monday in week 21; 2025-01-01 (a Wednesday) is
        // week 00, the first Monday (01-06) starts week 01.
        assert_eq!(week_label(parse_day("2025-05-26").unwrap()), "2025-W21");
        assert_eq!(week_label(parse_day("2025-06-01").unwrap()), "2025-W21");
        assert_eq!(week_label(parse_day("2025-01-01").unwrap()), "2025-W00");
        assert_eq!(week_label(parse_day("2025-01-06").unwrap()), "2025-W01");
        assert_eq!(day_text(monday_of(parse_day("2025-08-24").unwrap())), "2025-08-18");
    }

    #[test]
    fn log_linear_fit_recovers_a_known_growth() {
        let points: Vec<(f64, f64)> = (0..10).map(|x| (x as f64, 100.0 * 1.05f64.powi(x))).collect();
        let fit = log_linear_fit(&points).unwrap();
        assert!((fit.factor - 1.05).abs() < 1e-9);
        assert!((fit.a - 100.0).abs() < 1e-6);
        assert!(fit.sigma < 1e-9);
        assert!(log_linear_fit(&[(0.0, 5.0)]).is_none());
        // Zero counts have no logarithm and are left out.
        assert_eq!(log_linear_fit(&[(0.0, 0.0), (1.0, 2.0), (2.0, 4.0)]).unwrap().points, 2);
    }
}
