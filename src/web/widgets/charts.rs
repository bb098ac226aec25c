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

/// Where values and slots land in the SVG's coordinates.
#[derive(Clone, Copy)]
struct Scale {
    /// Width of one slot, in SVG units.
    slot: f64,
    /// The value at the top of the axis.
    max: f64,
}

impl Scale {
    fn of(chart: &Chart, top_value: f64) -> Scale {
        Scale { slot: (W - LEFT - RIGHT) / chart.labels.len().max(1) as f64, max: nice_max(top_value) }
    }

    /// Centre of slot `i`.
    fn x(self, i: usize) -> f64 {
        LEFT + self.slot * (i as f64 + 0.5)
    }

    fn y(self, v: f64) -> f64 {
        TOP + (H - TOP - BOTTOM) * (1.0 - (v / self.max).clamp(0.0, 1.0))
    }

    fn point(self, i: usize, v: f64) -> String {
        format!("{:.1},{:.1}", self.x(i), self.y(v))
    }
}

/// The highest value drawn (series and band).
fn top_value(chart: &Chart) -> f64 {
    chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .chain(chart.band.iter().flatten().flatten().map(|(_, hi)| *hi))
        .fold(0.0f64, f64::max)
}

/// The forecast band as one shaded polygon: its upper edge left to right, then the lower back.
fn band_view(chart: &Chart, sc: Scale) -> Option<impl IntoView> {
    let band = chart.band.as_ref()?;
    let upper = band.iter().enumerate().filter_map(|(i, b)| b.map(|(_, hi)| sc.point(i, hi)));
    let lower = band.iter().enumerate().rev().filter_map(|(i, b)| b.map(|(lo, _)| sc.point(i, lo)));
    let points: Vec<String> = upper.chain(lower).collect();
    Some(view! { <polygon class="band" points=points.join(" ") /> })
}

/// The bar series side by side within each slot.
fn bars_view(chart: &Chart, sc: Scale) -> impl IntoView {
    let bar_series: Vec<&Series> = chart.series.iter().filter(|s| s.mark == Mark::Bars).collect();
    let bar_width = (sc.slot * 0.8 / bar_series.len().max(1) as f64).max(0.5);
    bar_series
        .iter()
        .enumerate()
        .flat_map(|(k, s)| {
            let offset = -sc.slot * 0.4 + bar_width * k as f64;
            s.values.iter().enumerate().filter_map(move |(i, v)| {
                v.map(|v| {
                    view! {
                        <rect class=format!("bar {}", s.class) x=format!("{:.1}", sc.x(i) + offset) y=format!("{:.1}", sc.y(v))
                            width=format!("{bar_width:.1}") height=format!("{:.1}", (sc.y(0.0) - sc.y(v)).max(0.0)) />
                    }
                })
            })
        })
        .collect_view()
}

/// The line and dashed series.
fn lines_view(chart: &Chart, sc: Scale) -> impl IntoView {
    chart
        .series
        .iter()
        .filter(|s| s.mark != Mark::Bars)
        .map(|s| {
            let points: Vec<String> =
                s.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| sc.point(i, v))).collect();
            let class = format!("line {}{}", s.class, if s.mark == Mark::Dashed { " dashed" } else { "" });
            view! { <polyline class=class points=points.join(" ") /> }
        })
        .collect_view()
}

/// One transparent column per slot carrying the hover text: the label and each value.
fn hovers_view(chart: &Chart, sc: Scale) -> impl IntoView {
    let fmt = chart.format;
    (0..chart.labels.len())
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
                <rect class="hover" x=format!("{:.1}", sc.x(i) - sc.slot / 2.0) y=TOP width=format!("{:.1}", sc.slot) height=H - TOP - BOTTOM>
                    <title>{text}</title>
                </rect>
            }
        })
        .collect_view()
}

/// The y axis: grid lines and values at 0, half and the top.
fn ticks_view(chart: &Chart, sc: Scale) -> impl IntoView {
    let fmt = chart.format;
    [0.0, sc.max / 2.0, sc.max]
        .into_iter()
        .map(|v| {
            view! {
                <line class="grid" x1=LEFT x2=W - RIGHT y1=sc.y(v) y2=sc.y(v) />
                <text class="tick" x=LEFT - 4.0 y=sc.y(v) + 4.0 text-anchor="end">{fmt(v)}</text>
            }
        })
        .collect_view()
}

/// The x axis: the first, middle and last labels.
fn x_labels_view(chart: &Chart, sc: Scale) -> impl IntoView {
    let last = chart.labels.len().saturating_sub(1);
    // In order already, so `dedup` leaves each label once (one or two labels share an index).
    let mut shown = vec![0, last / 2, last];
    shown.dedup();
    shown
        .into_iter()
        .filter(|i| *i < chart.labels.len())
        .map(|i| {
            let (anchor, at) = match i {
                0 => ("start", LEFT),
                i if i == last => ("end", W - RIGHT),
                i => ("middle", sc.x(i)),
            };
            view! { <text class="tick" x=at y=H - 8.0 text-anchor=anchor>{chart.labels[i].clone()}</text> }
        })
        .collect_view()
}

/// The same numbers as a table (screen readers, exact values).
fn data_table(chart: &Chart) -> impl IntoView {
    let fmt = chart.format;
    let rows = (0..chart.labels.len())
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
        <details class="chart-data">
            <summary>"Data table"</summary>
            <table>
                <thead><tr><th>""</th>{chart.series.iter().map(|s| view! { <th scope="col">{s.name.clone()}</th> }).collect_view()}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}

/// A chart: legend, SVG (axes, band, bars, lines, hover texts) with a spoken summary, and its
/// data table.
#[component]
pub fn SvgChart(chart: Chart) -> impl IntoView {
    let top = top_value(&chart);
    let sc = Scale::of(&chart, top);
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
        (chart.format)(top),
        chart.unit
    );
    view! {
        <figure class="chart">
            <figcaption>{chart.title.clone()} <span class="muted">{format!(" ({})", chart.unit)}</span></figcaption>
            <div class="legend">{legend}</div>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary>
                {ticks_view(&chart, sc)}
                {band_view(&chart, sc)}
                {bars_view(&chart, sc)}
                {lines_view(&chart, sc)}
                {x_labels_view(&chart, sc)}
                {hovers_view(&chart, sc)}
            </svg>
            {data_table(&chart)}
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
