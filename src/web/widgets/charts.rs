//! Charts drawn by the app as SVG: bars and lines over labelled slots, an optional forecast
//! band, axes with units, a hover text per slot (SVG `<title>`), and the same numbers as a table
//! for screen readers and for anyone who wants them exact.

use leptos::prelude::*;

use super::html::Html;

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
fn band_html(h: &mut Html, chart: &Chart, sc: Scale) {
    let Some(band) = chart.band.as_ref() else { return };
    let upper = band.iter().enumerate().filter_map(|(i, b)| b.map(|(_, hi)| sc.point(i, hi)));
    let lower = band.iter().enumerate().rev().filter_map(|(i, b)| b.map(|(lo, _)| sc.point(i, lo)));
    let points: Vec<String> = upper.chain(lower).collect();
    h.open("polygon", &[("class", Some("band")), ("points", Some(&points.join(" ")))]).close("polygon");
}

/// The bar series side by side within each slot.
fn bars_html(h: &mut Html, chart: &Chart, sc: Scale) {
    let bar_series: Vec<&Series> = chart.series.iter().filter(|s| s.mark == Mark::Bars).collect();
    let bar_width = (sc.slot * 0.8 / bar_series.len().max(1) as f64).max(0.5);
    for (k, s) in bar_series.iter().enumerate() {
        let offset = -sc.slot * 0.4 + bar_width * k as f64;
        let class = format!("bar {}", s.class);
        for (i, v) in s.values.iter().enumerate() {
            let Some(v) = v else { continue };
            h.open(
                "rect",
                &[
                    ("class", Some(&class)),
                    ("x", Some(&format!("{:.1}", sc.x(i) + offset))),
                    ("y", Some(&format!("{:.1}", sc.y(*v)))),
                    ("width", Some(&format!("{bar_width:.1}"))),
                    ("height", Some(&format!("{:.1}", (sc.y(0.0) - sc.y(*v)).max(0.0)))),
                ],
            )
            .close("rect");
        }
    }
}

/// The line and dashed series.
fn lines_html(h: &mut Html, chart: &Chart, sc: Scale) {
    for s in chart.series.iter().filter(|s| s.mark != Mark::Bars) {
        let points: Vec<String> =
            s.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| sc.point(i, v))).collect();
        let class = format!("line {}{}", s.class, if s.mark == Mark::Dashed { " dashed" } else { "" });
        h.open("polyline", &[("class", Some(&class)), ("points", Some(&points.join(" ")))]).close("polyline");
    }
}

/// One transparent column per slot carrying the hover text: the label and each value.
fn hovers_html(h: &mut Html, chart: &Chart, sc: Scale) {
    let fmt = chart.format;
    let (y, width, height) = (TOP.to_string(), format!("{:.1}", sc.slot), (H - TOP - BOTTOM).to_string());
    for i in 0..chart.labels.len() {
        let mut text = chart.labels[i].clone();
        for s in &chart.series {
            if let Some(v) = s.values.get(i).copied().flatten() {
                text.push_str(&format!("\n{}: {}", s.name, fmt(v)));
            }
        }
        if let Some(Some((lo, hi))) = chart.band.as_ref().and_then(|b| b.get(i)) {
            text.push_str(&format!("\nband: {} – {}", fmt(*lo), fmt(*hi)));
        }
        let x = format!("{:.1}", sc.x(i) - sc.slot / 2.0);
        h.open(
            "rect",
            &[
                ("class", Some("hover")),
                ("x", Some(&x)),
                ("y", Some(&y)),
                ("width", Some(&width)),
                ("height", Some(&height)),
            ],
        )
        .elem("title", &[], &text)
        .close("rect");
    }
}

/// The y axis: grid lines and values at 0, half and the top.
fn ticks_html(h: &mut Html, chart: &Chart, sc: Scale) {
    let (left, right, label_x) = (LEFT.to_string(), (W - RIGHT).to_string(), (LEFT - 4.0).to_string());
    for v in [0.0, sc.max / 2.0, sc.max] {
        let y = sc.y(v).to_string();
        h.open(
            "line",
            &[
                ("class", Some("grid")),
                ("x1", Some(&left)),
                ("x2", Some(&right)),
                ("y1", Some(&y)),
                ("y2", Some(&y)),
            ],
        )
        .close("line");
        let ty = (sc.y(v) + 4.0).to_string();
        h.elem(
            "text",
            &[("class", Some("tick")), ("x", Some(&label_x)), ("y", Some(&ty)), ("text-anchor", Some("end"))],
            &(chart.format)(v),
        );
    }
}

/// The x axis: the first, middle and last labels.
fn x_labels_html(h: &mut Html, chart: &Chart, sc: Scale) {
    let last = chart.labels.len().saturating_sub(1);
    // In order already, so `dedup` leaves each label once (one or two labels share an index).
    let mut shown = vec![0, last / 2, last];
    shown.dedup();
    let y = (H - 8.0).to_string();
    for i in shown.into_iter().filter(|i| *i < chart.labels.len()) {
        let (anchor, at) = match i {
            0 => ("start", LEFT),
            i if i == last => ("end", W - RIGHT),
            i => ("middle", sc.x(i)),
        };
        h.elem(
            "text",
            &[
                ("class", Some("tick")),
                ("x", Some(&at.to_string())),
                ("y", Some(&y)),
                ("text-anchor", Some(anchor)),
            ],
            &chart.labels[i],
        );
    }
}

/// The same numbers as a table (screen readers, exact values).
fn data_table_html(h: &mut Html, chart: &Chart) {
    let fmt = chart.format;
    h.open("details", &[("class", Some("chart-data"))]).elem("summary", &[], "Data table");
    h.open("table", &[]).open("thead", &[]).open("tr", &[]).elem("th", &[], "");
    for s in &chart.series {
        h.elem("th", &[("scope", Some("col"))], &s.name);
    }
    h.close("tr").close("thead").open("tbody", &[]);
    for i in 0..chart.labels.len() {
        h.open("tr", &[]).elem("th", &[("scope", Some("row"))], &chart.labels[i]);
        for s in &chart.series {
            h.elem("td", &[], &s.values.get(i).copied().flatten().map(fmt).unwrap_or_default());
        }
        h.close("tr");
    }
    h.close("tbody").close("table").close("details");
}

/// A chart's markup inside its `<figure>`: caption, legend, SVG (axes, band, bars, lines, hover
/// texts) with a spoken summary, and its data table.
fn chart_html(chart: &Chart) -> String {
    let top = top_value(chart);
    let sc = Scale::of(chart, top);
    let summary = format!(
        "{}: {} points from {} to {}; highest value {} {}.",
        chart.title,
        chart.labels.len(),
        chart.labels.first().cloned().unwrap_or_default(),
        chart.labels.last().cloned().unwrap_or_default(),
        (chart.format)(top),
        chart.unit
    );
    let mut h = Html::new();
    h.open("figcaption", &[])
        .text(&chart.title)
        .text(" ")
        .elem("span", &[("class", Some("muted"))], &format!(" ({})", chart.unit))
        .close("figcaption");
    h.open("div", &[("class", Some("legend"))]);
    for s in &chart.series {
        h.elem("span", &[("class", Some(&format!("legend-item {}", s.class)))], &s.name);
    }
    h.close("div");
    let view_box = format!("0 0 {W} {H}");
    h.open("svg", &[("viewBox", Some(&view_box)), ("role", Some("img")), ("aria-label", Some(&summary))]);
    ticks_html(&mut h, chart, sc);
    band_html(&mut h, chart, sc);
    bars_html(&mut h, chart, sc);
    lines_html(&mut h, chart, sc);
    x_labels_html(&mut h, chart, sc);
    hovers_html(&mut h, chart, sc);
    h.close("svg");
    data_table_html(&mut h, chart);
    h.finish()
}

/// A chart: legend, SVG (axes, band, bars, lines, hover texts) with a spoken summary, and its
/// data table, written as HTML text ([`Html`]): a dashboard draws thousands of these elements.
#[component]
pub fn SvgChart(chart: Chart) -> impl IntoView {
    view! { <figure class="chart" inner_html=chart_html(&chart)></figure> }
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
