//! Charts drawn by the app as SVG: bars and lines over labelled slots, an optional forecast
//! band, axes with units, a hover text per slot (SVG `<title>`), and the same numbers as a table
//! for screen readers and for anyone who wants them exact.

use leptos::prelude::*;

/// How a series is drawn.
#[derive(Clone, Copy, PartialEq)]
pub enum Mark {
    Bars,
    Line,
    /// A dashed line (forecasts).
    Dashed,
}

#[derive(Clone)]
pub struct Series {
    pub name: String,
    /// CSS class giving the colour (`s1` … `s4`).
    pub class: &'static str,
    pub mark: Mark,
    /// One value per slot; `None` leaves the slot empty.
    pub values: Vec<Option<f64>>,
}

#[derive(Clone)]
pub struct Chart {
    pub title: String,
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    /// (low, high) per slot, drawn as a shaded band.
    pub band: Option<Vec<Option<(f64, f64)>>>,
    /// Unit of the y axis, e.g. "flags / day".
    pub unit: String,
    pub format: fn(f64) -> String,
}

const W: f64 = 640.0;
const H: f64 = 200.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 26.0;

/// A round upper bound for the axis: 1, 2 or 5 times a power of ten.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|m| *m >= v).unwrap_or(10.0 * p)
}

#[component]
pub fn SvgChart(chart: Chart) -> impl IntoView {
    let n = chart.labels.len().max(1);
    let top_value = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .chain(chart.band.iter().flatten().flatten().map(|(_, hi)| *hi))
        .fold(0.0f64, f64::max);
    let max = nice_max(top_value);
    let slot = (W - LEFT - RIGHT) / n as f64;
    let x = move |i: usize| LEFT + slot * (i as f64 + 0.5);
    let y = move |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - (v / max).clamp(0.0, 1.0));
    let fmt = chart.format;
    let bar_series: Vec<&Series> = chart.series.iter().filter(|s| s.mark == Mark::Bars).collect();
    let bar_width = (slot * 0.8 / bar_series.len().max(1) as f64).max(0.5);

    let band = chart.band.as_ref().map(|band| {
        let upper: Vec<String> = band
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.map(|(_, hi)| format!("{:.1},{:.1}", x(i), y(hi))))
            .collect();
        let lower: Vec<String> = band
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(i, b)| b.map(|(lo, _)| format!("{:.1},{:.1}", x(i), y(lo))))
            .collect();
        view! { <polygon class="band" points=[upper, lower].concat().join(" ") /> }
    });
    let bars = bar_series
        .iter()
        .enumerate()
        .flat_map(|(k, s)| {
            let offset = -slot * 0.4 + bar_width * k as f64;
            s.values.iter().enumerate().filter_map(move |(i, v)| {
                v.map(|v| {
                    view! {
                        <rect class=format!("bar {}", s.class) x=format!("{:.1}", x(i) + offset) y=format!("{:.1}", y(v))
                            width=format!("{bar_width:.1}") height=format!("{:.1}", (y(0.0) - y(v)).max(0.0)) />
                    }
                })
            })
        })
        .collect_view();
    let lines = chart
        .series
        .iter()
        .filter(|s| s.mark != Mark::Bars)
        .map(|s| {
            let points: Vec<String> = s
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
                .collect();
            let class = format!("line {}{}", s.class, if s.mark == Mark::Dashed { " dashed" } else { "" });
            view! { <polyline class=class points=points.join(" ") /> }
        })
        .collect_view();
    // One transparent column per slot carries the hover text.
    let hovers = (0..chart.labels.len())
        .map(|i| {
            let mut text = chart.labels[i].clone();
            for s in &chart.series {
                if let Some(v) = s.values.get(i).copied().flatten() {
                    text.push_str(&format!("\n{}: {}", s.name, fmt(v)));
                }
            }
            if let Some(Some((lo, hi))) = chart.band.as_ref().and_then(|b| b.get(i)) {
                text.push_str(&format!("\nband: {} – {}", fmt(*lo), fmt(*hi)));
            }
            view! {
                <rect class="hover" x=format!("{:.1}", x(i) - slot / 2.0) y=TOP width=format!("{slot:.1}") height=H - TOP - BOTTOM>
                    <title>{text}</title>
                </rect>
            }
        })
        .collect_view();
    let ticks = [0.0, max / 2.0, max]
        .into_iter()
        .map(|v| {
            view! {
                <line class="grid" x1=LEFT x2=W - RIGHT y1=y(v) y2=y(v) />
                <text class="tick" x=LEFT - 4.0 y=y(v) + 4.0 text-anchor="end">{fmt(v)}</text>
            }
        })
        .collect_view();
    let last = chart.labels.len().saturating_sub(1);
    let x_labels = [0, last / 2, last]
        .into_iter()
        .filter(|i| *i < chart.labels.len())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|i| {
            let anchor = if i == 0 {
                "start"
            } else if i == last {
                "end"
            } else {
                "middle"
            };
            let at = if i == 0 {
                LEFT
            } else if i == last {
                W - RIGHT
            } else {
                x(i)
            };
            view! { <text class="tick" x=at y=H - 8.0 text-anchor=anchor>{chart.labels[i].clone()}</text> }
        })
        .collect_view();
    let legend = chart
        .series
        .iter()
        .map(|s| view! { <span class=format!("legend-item {}", s.class)>{s.name.clone()}</span> })
        .collect_view();
    let summary = format!(
        "{}: {} points from {} to {}; highest value {} {}.",
        chart.title,
        chart.labels.len(),
        chart.labels.first().cloned().unwrap_or_default(),
        chart.labels.last().cloned().unwrap_or_default(),
        fmt(top_value),
        chart.unit
    );
    let table_rows = (0..chart.labels.len())
        .map(|i| {
            view! {
                <tr>
                    <th scope="row">{chart.labels[i].clone()}</th>
                    {chart.series.iter().map(|s| view! { <td>{s.values.get(i).copied().flatten().map(fmt).unwrap_or_default()}</td> }).collect_view()}
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption>{chart.title.clone()} <span class="muted">{format!(" ({})", chart.unit)}</span></figcaption>
            <div class="legend">{legend}</div>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary>
                {ticks}
                {band}
                {bars}
                {lines}
                {x_labels}
                {hovers}
            </svg>
            <details class="chart-data">
                <summary>"Data table"</summary>
                <table>
                    <thead><tr><th>""</th>{chart.series.iter().map(|s| view! { <th scope="col">{s.name.clone()}</th> }).collect_view()}</tr></thead>
                    <tbody>{table_rows}</tbody>
                </table>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::nice_max;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(140.0), 200.0);
        assert_eq!(nice_max(4.2), 5.0);
    }
}
