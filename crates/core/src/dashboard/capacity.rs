//! Forecasts, capacity and budgets: pure arithmetic on the aggregates the SQL returned, so the
//! growth what-if can be recomputed on every slider move without touching the database.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stats::{day_text, log_linear_fit, monday_of, week_label, LogLinearFit};

/// Days of recent history that define the completion capacity μ and the inflow λ.
pub const RECENT_DAYS: i64 = 28;

/// Whole Monday-to-Sunday weeks inside `[first_day, last_day]`, with the sum of `daily` in each.
/// A week that is only partly inside the window is left out: it would read as a drop.
pub fn whole_weeks(daily: &BTreeMap<i64, f64>, first_day: i64, last_day: i64) -> Vec<(i64, f64)> {
    let mut monday = monday_of(first_day);
    if monday < first_day {
        monday += 7;
    }
    let mut out = Vec::new();
    while monday + 6 <= last_day {
        let sum = (monday..monday + 7).map(|d| daily.get(&d).copied().unwrap_or(0.0)).sum();
        out.push((monday, sum));
        monday += 7;
    }
    out
}

/// One forecast point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projected {
    pub label: String,
    pub mid: f64,
    pub low: f64,
    pub high: f64,
}

/// A series' history and its trend forward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Forecast {
    /// What was fitted (weekly totals of whole weeks), oldest first.
    pub history: Vec<(String, f64)>,
    pub fit: Option<LogLinearFit>,
    pub projection: Vec<Projected>,
}

/// Fits the weekly totals of `daily` and projects `steps` periods ahead. `per_day`: the
/// projection is per day (weekly trend / 7, one point per day for `steps` days); otherwise one
/// point per week.
pub fn forecast(
    daily: &BTreeMap<i64, f64>,
    first_day: i64,
    last_day: i64,
    steps: usize,
    per_day: bool,
) -> Forecast {
    let weeks = whole_weeks(daily, first_day, last_day);
    let history: Vec<(String, f64)> = weeks.iter().map(|(m, v)| (week_label(*m), *v)).collect();
    let points: Vec<(f64, f64)> = weeks.iter().enumerate().map(|(i, (_, v))| (i as f64, *v)).collect();
    // Fewer than three whole weeks say nothing about a trend.
    let fit = if points.len() >= 3 { log_linear_fit(&points) } else { None };
    let mut projection = Vec::new();
    if let (Some(fit), Some((last_monday, _))) = (fit, weeks.last()) {
        let n = weeks.len() as f64;
        for step in 1..=steps {
            let (label, x, scale) = if per_day {
                let day = last_monday + 6 + step as i64;
                // Week position of the day: the last fitted week is x = n - 1.
                (day_text(day), n - 1.0 + (step as f64 + 3.0) / 7.0, 1.0 / 7.0)
            } else {
                (week_label(last_monday + 7 * step as i64), n - 1.0 + step as f64, 1.0)
            };
            let (low, high) = fit.band(x);
            projection.push(Projected {
                label,
                mid: fit.at(x) * scale,
                low: low * scale,
                high: high * scale,
            });
        }
    }
    Forecast { history, fit, projection }
}

/// Inflow against completion capacity, with the growth what-if applied to the inflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Capacity {
    /// Days of history used (at most [`RECENT_DAYS`]).
    pub days: i64,
    /// Flags created per day (λ) before the what-if.
    pub inflow: f64,
    /// λ after the what-if: `inflow · (1 + growth)`.
    pub inflow_what_if: f64,
    /// Flags completed per day (μ).
    pub capacity: f64,
    /// ρ = λ / μ (`None` when nothing was completed).
    pub utilisation: Option<f64>,
    /// Pending flags now.
    pub backlog: f64,
    /// Backlog change per day: λ − μ.
    pub net_per_day: f64,
    /// Days until the backlog is cleared (when it shrinks).
    pub days_to_clear: Option<f64>,
    /// Days until the backlog doubles (when it grows).
    pub days_to_double: Option<f64>,
    /// Projected backlog per day for the horizon (day 0 = now), never below zero.
    pub projection: Vec<f64>,
}

/// λ and μ over the last [`RECENT_DAYS`] days of the window ending at `last_day`.
pub fn capacity(
    created: &BTreeMap<i64, f64>,
    completed: &BTreeMap<i64, f64>,
    first_day: i64,
    last_day: i64,
    backlog: f64,
    growth: f64,
    horizon: usize,
) -> Capacity {
    let from = (last_day - RECENT_DAYS + 1).max(first_day);
    let days = (last_day - from + 1).max(1);
    let sum = |m: &BTreeMap<i64, f64>| m.range(from..=last_day).map(|(_, v)| v).sum::<f64>();
    let inflow = sum(created) / days as f64;
    let mu = sum(completed) / days as f64;
    let lambda = inflow * (1.0 + growth);
    let net = lambda - mu;
    let utilisation = (mu > 0.0).then(|| lambda / mu);
    let days_to_clear = (net < 0.0).then(|| backlog / -net);
    let days_to_double = (net > 0.0 && backlog > 0.0).then(|| backlog / net);
    let projection = (0..=horizon).map(|t| (backlog + net * t as f64).max(0.0)).collect();
    Capacity {
        days,
        inflow,
        inflow_what_if: lambda,
        capacity: mu,
        utilisation,
        backlog,
        net_per_day: net,
        days_to_clear,
        days_to_double,
        projection,
    }
}

/// Tool calls against a capacity the user enters (calls per hour), with the what-if.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ToolLoad {
    /// The busiest hour of the window.
    pub peak_per_hour: f64,
    /// The busiest hour scaled by the weekly trend to the end of the horizon and by the what-if.
    pub projected_peak_per_hour: f64,
    /// projected peak / capacity, when a capacity is set.
    pub utilisation: Option<f64>,
}

pub fn tool_load(
    peak: f64,
    fit: Option<&LogLinearFit>,
    horizon_weeks: f64,
    growth: f64,
    per_hour: Option<f64>,
) -> ToolLoad {
    let trend = fit.map(|f| f.factor.powf(horizon_weeks)).unwrap_or(1.0);
    let projected = peak * trend * (1.0 + growth);
    ToolLoad {
        peak_per_hour: peak,
        projected_peak_per_hour: projected,
        utilisation: per_hour.filter(|c| *c > 0.0).map(|c| projected / c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(days: std::ops::Range<i64>, f: impl Fn(i64) -> f64) -> BTreeMap<i64, f64> {
        days.map(|d| (d, f(d))).collect()
    }

    #[test]
    fn only_whole_weeks_are_fitted() {
        // 2025-05-26 is a Monday (day 20234).
        let monday = super::super::stats::parse_day("2025-05-26").unwrap();
        let daily = series(monday..monday + 30, |_| 1.0);
        let weeks = whole_weeks(&daily, monday, monday + 29);
        assert_eq!(weeks.len(), 4, "days 28 and 29 are a partial week");
        assert!(weeks.iter().all(|(_, v)| *v == 7.0));
        let weeks = whole_weeks(&daily, monday + 1, monday + 29);
        assert_eq!(weeks.len(), 3, "a window starting on Tuesday skips that week");
    }

    #[test]
    fn capacity_and_what_if() {
        // 2 flags created and 1 completed per day for 28 days, 10 pending.
        let created = series(0..28, |_| 2.0);
        let completed = series(0..28, |_| 1.0);
        let c = capacity(&created, &completed, 0, 27, 10.0, 0.0, 30);
        assert_eq!(c.days, 28);
        assert_eq!((c.inflow, c.capacity), (2.0, 1.0));
        assert_eq!(c.utilisation, Some(2.0));
        assert_eq!(c.days_to_double, Some(10.0));
        assert_eq!(c.days_to_clear, None);
        assert_eq!(c.projection[30], 40.0);
        // Completing 3 a day with +50 % inflow (λ = 3): balanced; with 0 % it clears in 10 days.
        let fast = series(0..28, |_| 3.0);
        let c = capacity(&created, &fast, 0, 27, 10.0, 0.5, 30);
        assert_eq!(c.utilisation, Some(1.0));
        assert_eq!((c.days_to_clear, c.days_to_double), (None, None));
        let c = capacity(&created, &fast, 0, 27, 10.0, 0.0, 30);
        assert_eq!(c.days_to_clear, Some(10.0));
        assert_eq!(c.projection[30], 0.0, "never below zero");
        // +300 %: λ = 8 against μ = 3.
        let c = capacity(&created, &fast, 0, 27, 10.0, 3.0, 30);
        assert!((c.utilisation.unwrap() - 8.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn forecast_follows_the_weekly_trend() {
        // Daily counts growing 10 % a week, over 8 whole weeks starting on a Monday.
        let monday = super::super::stats::parse_day("2025-05-26").unwrap();
        let daily = series(monday..monday + 56, |d| 10.0 * 1.1f64.powi(((d - monday) / 7) as i32));
        let f = forecast(&daily, monday, monday + 55, 2, false);
        assert_eq!(f.history.len(), 8);
        assert!((f.fit.unwrap().factor - 1.1).abs() < 1e-9);
        assert!((f.projection[0].mid - 70.0 * 1.1f64.powi(8)).abs() < 1e-6);
        assert_eq!(f.projection[1].label, "2025-W30", "two weeks after W28");
        let per_day = forecast(&daily, monday, monday + 55, 7, true);
        assert_eq!(per_day.projection.len(), 7);
        assert_eq!(per_day.projection[0].label, "2025-07-21");
        // Too little history: no trend is claimed.
        assert!(forecast(&daily, monday, monday + 15, 7, true).fit.is_none());
    }

    #[test]
    fn tool_load_scales_the_peak() {
        let fit = LogLinearFit { a: 1.0, factor: 1.05, sigma: 0.0, points: 13 };
        let l = tool_load(100.0, Some(&fit), 4.0, 3.0, Some(500.0));
        assert!((l.projected_peak_per_hour - 100.0 * 1.05f64.powi(4) * 4.0).abs() < 1e-9);
        assert!((l.utilisation.unwrap() - l.projected_peak_per_hour / 500.0).abs() < 1e-12);
        assert_eq!(tool_load(100.0, None, 4.0, 0.0, None).utilisation, None);
    }
}
