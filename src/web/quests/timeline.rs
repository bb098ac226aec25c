//! The turn timeline, drawn by the app as SVG in the project's chart conventions (see
//! `widgets::charts`): one lane per recruited agent with the spans each held the turn, a time
//! axis with its unit, a `<title>` per span, the current holder and how long the quest has waited
//! on them, a stall marker past the threshold the user sets, a spoken summary (`aria-label`) and
//! the same spans as a data table.

use leptos::prelude::*;

use crate::web::dashboard::DashboardSettings;
use crate::web::quests::detail::AsOfInstant;
use crate::web::state::AppState;
use crate::web::widgets::html::Html;
use flagdeck_core::quests::status::stored_is_open;
use flagdeck_core::quests::timeline::{turn_timeline, MarkerKind, TimelineSource, TurnTimeline};
use flagdeck_core::quests::QuestDetail;
use flagdeck_core::timestamp::{duration_text, Offset, TimeFormat, Timestamp};

const W: f64 = 640.0;
const LEFT: f64 = 170.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 8.0;
const LANE: f64 = 24.0;
const AXIS: f64 = 30.0;

/// An instant as the UI shows times (`YYYY-MM-DD HH:MM`).
fn at(ms: i64) -> String {
    Timestamp { epoch_ms: ms, offset: Offset::Unknown, format: TimeFormat::EpochSeconds { text: false } }
        .display()
}

/// Where instants land on the x axis.
#[derive(Clone, Copy)]
struct Scale {
    from: i64,
    to: i64,
}

impl Scale {
    fn x(self, ms: i64) -> f64 {
        let span = (self.to - self.from).max(1) as f64;
        LEFT + (W - LEFT - RIGHT) * ((ms - self.from) as f64 / span).clamp(0.0, 1.0)
    }
}

/// The time the drawing covers: from the quest's start (or its first span) to its end, or now
/// while a span is open; markers included. `None` when nothing has a time.
fn range(t: &TurnTimeline, now: i64) -> Option<Scale> {
    let spans = t.lanes.iter().flat_map(|l| l.spans.iter());
    let starts = t.start_ms.into_iter().chain(spans.clone().map(|s| s.from_ms));
    let ends = t.end_ms.into_iter().chain(spans.map(|s| s.to_ms.unwrap_or(now)));
    let marks = t.markers.iter().map(|m| m.at_ms);
    let from = starts.clone().chain(marks.clone()).min()?;
    let to = ends.chain(starts).chain(marks).max()?.max(from + 1);
    Some(Scale { from, to })
}

/// A marker's class, hook kind and words.
fn marker_words(kind: &MarkerKind) -> (&'static str, String) {
    match kind {
        MarkerKind::Status(status) => ("status", format!("status set to {status}")),
        MarkerKind::Refused { text, kind } => ("refused", format!("refused ({}): {text}", kind.label())),
    }
}

/// The timeline with its threshold input.
#[component]
pub(super) fn Timeline(detail: QuestDetail, as_of: AsOfInstant) -> impl IntoView {
    // The stall threshold is the dashboard's setting: one threshold for the whole app.
    let settings = expect_context::<DashboardSettings>();
    let hours = move || settings.with(|s| s.stall_after_hours);
    let logs = expect_context::<AppState>().quest_logs();
    let id = detail.card.id;
    let open = stored_is_open(&detail.card.status);
    let stall_ms = move || (hours() * 3_600_000.0) as i64;
    let now = as_of.ms;
    let timeline = move || {
        let log = logs.log(id);
        turn_timeline(&detail, log.as_ref(), now, stall_ms())
    };
    view! {
        <h2>"Turns"</h2>
        // A threshold on the wait means something only while the quest is open.
        {open.then(|| view! {
            <label class="control">
                "Stalled after "
                <input type="number" min="0" step="any" class="small" data-testid="quest-stall-hours"
                    prop:value=move || hours().to_string()
                    on:change=move |e| {
                        // As the dashboard's control: a finite, non-negative number of hours.
                        if let Some(v) = event_target_value(&e).trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0) {
                            settings.edit(|s| s.stall_after_hours = v);
                        }
                    } />
                " hours waiting on the turn holder (the dashboard's threshold too)"
            </label>
        })}
        <p class="muted" data-testid="quest-as-of" data-as-of-ms=now>
            {format!("Waits are measured as of {} (the dashboard's \"as of\" setting).", as_of.words)}
        </p>
        <div inner_html=move || chart_html(&timeline(), id, stall_ms(), now)></div>
    }
}

/// Numbers as SVG attributes.
fn n(v: f64) -> String {
    format!("{v:.1}")
}

/// The drawing, its summary and its data table, as HTML text (see `html`).
fn chart_html(timeline: &TurnTimeline, id: i64, stall_ms: i64, now: i64) -> String {
    let mut h = Html::new();
    for w in &timeline.warnings {
        h.elem("p", &[("class", Some("warning")), ("data-testid", Some("quest-warning"))], &format!("⚠ {w}"));
    }
    let Some(sc) = range(timeline, now) else {
        h.elem(
            "p",
            &[("class", Some("muted")), ("data-testid", Some("quest-timeline-empty"))],
            "No turn could be placed in time (no readable times).",
        );
        return h.finish();
    };
    let lanes_n = timeline.lanes.len().max(1) as f64;
    let axis_y = TOP + LANE * lanes_n;
    let height = axis_y + AXIS;
    let turns: usize = timeline.lanes.iter().map(|l| l.spans.len()).sum();
    let holder = timeline.holder.as_deref();
    let waiting = timeline.waiting_ms.map(duration_text);
    let summary = format!(
        "Turn timeline of quest #{id}: {} agents, {turns} turns from {} to {}{}{}.",
        timeline.lanes.len(),
        at(sc.from),
        at(sc.to),
        match (holder, &waiting) {
            (Some(who), Some(w)) => format!("; the turn is with {who}, waiting {w}"),
            (Some(who), None) => format!("; the turn is with {who}"),
            _ => "; no one holds the turn".to_owned(),
        },
        if timeline.stalled { "; stalled" } else { "" }
    );
    let source = match timeline.source {
        TimelineSource::Log => "read from the quest log",
        TimelineSource::Database => {
            "read from the messages (add the quest log for status changes and refusals)"
        }
    };
    h.open("figure", &[("class", Some("chart timeline")), ("data-testid", Some("quest-timeline"))]);
    h.open("figcaption", &[]).text("Whose turn it was, over time");
    h.elem(
        "span",
        &[("class", Some("muted"))],
        &format!(": one row per agent, time from left to right; {source}."),
    );
    h.close("figcaption");
    h.open("ul", &[("class", Some("timeline-legend")), ("data-testid", Some("quest-timeline-legend"))]);
    for (class, words) in [
        ("span", "bar: that agent held the turn"),
        ("status", "green mark: status changed"),
        ("refused", "red mark: a command was refused"),
    ] {
        h.open("li", &[]);
        h.elem("span", &[("class", Some(&format!("key key-{class}"))), ("aria-hidden", Some("true"))], "");
        h.text(words).close("li");
    }
    h.close("ul");
    if let Some(who) = holder {
        let text = match &waiting {
            Some(w) => format!("Waiting on {who} for {w}."),
            None => format!("The turn is with {who}."),
        };
        h.elem("p", &[("class", Some("notice")), ("data-testid", Some("quest-waiting"))], &text);
    }
    h.open(
        "svg",
        &[
            ("viewBox", Some(&format!("0 0 {W} {height}"))),
            ("role", Some("img")),
            ("aria-label", Some(&summary)),
        ],
    );
    for (i, lane) in timeline.lanes.iter().enumerate() {
        let y = TOP + LANE * i as f64;
        let agent = lane.agent.as_str();
        let class = if holder == Some(agent) { "lane holding" } else { "lane" };
        h.open(
            "g",
            &[("class", Some(class)), ("data-testid", Some("quest-lane")), ("data-agent", Some(agent))],
        );
        let mid = n(y + LANE / 2.0);
        h.open(
            "line",
            &[
                ("class", Some("grid")),
                ("x1", Some(&n(LEFT))),
                ("x2", Some(&n(W - RIGHT))),
                ("y1", Some(&mid)),
                ("y2", Some(&mid)),
            ],
        )
        .close("line");
        h.elem(
            "text",
            &[
                ("class", Some("tick")),
                ("x", Some(&n(LEFT - 6.0))),
                ("y", Some(&n(y + LANE / 2.0 + 4.0))),
                ("text-anchor", Some("end")),
            ],
            agent,
        );
        for s in &lane.spans {
            let end = s.to_ms.unwrap_or(now);
            let (x0, x1) = (sc.x(s.from_ms), sc.x(end));
            let title = format!(
                "{agent} held the turn from {} to {} ({})",
                at(s.from_ms),
                s.to_ms.map(at).unwrap_or_else(|| "now".into()),
                duration_text(end - s.from_ms)
            );
            let (from_ms, to_ms) = (s.from_ms.to_string(), s.to_ms.map(|t| t.to_string()));
            h.open(
                "rect",
                &[
                    ("class", Some(if s.to_ms.is_none() { "span open" } else { "span" })),
                    ("data-testid", Some("quest-span")),
                    ("data-agent", Some(agent)),
                    ("data-from-ms", Some(&from_ms)),
                    ("data-to-ms", to_ms.as_deref()),
                    ("x", Some(&n(x0))),
                    ("y", Some(&n(y + 4.0))),
                    ("width", Some(&n((x1 - x0).max(2.0)))),
                    ("height", Some(&n(LANE - 8.0))),
                ],
            );
            h.elem("title", &[], &title).close("rect");
        }
        h.close("g");
    }
    let axis = n(axis_y);
    h.open(
        "line",
        &[
            ("class", Some("axis")),
            ("x1", Some(&n(LEFT))),
            ("x2", Some(&n(W - RIGHT))),
            ("y1", Some(&axis)),
            ("y2", Some(&axis)),
        ],
    )
    .close("line");
    for (ms, anchor) in [(sc.from, "start"), (sc.from + (sc.to - sc.from) / 2, "middle"), (sc.to, "end")] {
        h.elem(
            "text",
            &[
                ("class", Some("tick")),
                ("x", Some(&n(sc.x(ms)))),
                ("y", Some(&n(axis_y + 14.0))),
                ("text-anchor", Some(anchor)),
            ],
            &at(ms),
        );
    }
    for m in &timeline.markers {
        let (kind, words) = marker_words(&m.kind);
        let lane = m.agent.as_ref().and_then(|a| timeline.lanes.iter().position(|l| &l.agent == a));
        let (y1, y2) = match lane {
            Some(i) => (TOP + LANE * i as f64 + 2.0, TOP + LANE * (i + 1) as f64 - 2.0),
            None => (TOP, axis_y),
        };
        let x = n(sc.x(m.at_ms));
        let who = m.agent.as_ref().map(|a| format!("{a}: ")).unwrap_or_default();
        h.open(
            "line",
            &[
                ("class", Some(&format!("marker {kind}"))),
                ("data-testid", Some("quest-marker")),
                ("data-kind", Some(kind)),
                ("x1", Some(&x)),
                ("x2", Some(&x)),
                ("y1", Some(&n(y1))),
                ("y2", Some(&n(y2))),
            ],
        );
        h.elem("title", &[], &format!("{who}{words} at {}", at(m.at_ms))).close("line");
    }
    if let Some(who) = holder {
        let lane = timeline.lanes.iter().position(|l| l.agent == who).unwrap_or(0);
        let text = match &waiting {
            Some(w) => format!("{who} holds the turn: waiting {w}"),
            None => format!("{who} holds the turn"),
        };
        let waiting_ms = timeline.waiting_ms.map(|w| w.to_string());
        h.open(
            "circle",
            &[
                ("class", Some("holder")),
                ("data-testid", Some("quest-holder")),
                ("data-agent", Some(who)),
                ("data-waiting-ms", waiting_ms.as_deref()),
                ("cx", Some(&n(sc.x(now.min(sc.to))))),
                ("cy", Some(&n(TOP + LANE * lane as f64 + LANE / 2.0))),
                ("r", Some("5")),
            ],
        );
        h.elem("title", &[], &text).close("circle");
    }
    // Where the wait crossed the threshold: a line there, and the words.
    if timeline.stalled {
        let since = timeline.waiting_ms.map(|w| now - w).unwrap_or(now);
        let x = n(sc.x((since + stall_ms).min(sc.to)));
        let waited = waiting.clone().unwrap_or_default();
        h.open("g", &[("class", Some("stalled")), ("data-testid", Some("quest-stalled"))]);
        h.open(
            "line",
            &[
                ("class", Some("stall-line")),
                ("x1", Some(&x)),
                ("x2", Some(&x)),
                ("y1", Some(&n(TOP))),
                ("y2", Some(&axis)),
            ],
        )
        .close("line");
        h.elem(
            "text",
            &[("x", Some(&n(W - RIGHT))), ("y", Some(&n(TOP + 10.0))), ("text-anchor", Some("end"))],
            &format!("stalled: waiting {waited}"),
        );
        h.elem(
            "title",
            &[],
            &format!(
                "Stalled: waiting {waited} on {}, past the {} set above",
                holder.unwrap_or_default(),
                duration_text(stall_ms)
            ),
        );
        h.close("g");
    }
    h.close("svg");
    h.open("details", &[("class", Some("chart-data"))]).elem("summary", &[], "Data table");
    h.open("table", &[]).open("thead", &[]).open("tr", &[]);
    for head in ["Agent", "From", "To", "Held for"] {
        h.elem("th", &[("scope", Some("col"))], head);
    }
    h.close("tr").close("thead").open("tbody", &[]);
    for lane in &timeline.lanes {
        for s in &lane.spans {
            let end = s.to_ms.unwrap_or(now);
            h.open("tr", &[]).elem("th", &[("scope", Some("row"))], &lane.agent);
            h.elem("td", &[], &at(s.from_ms));
            h.elem("td", &[], &s.to_ms.map(at).unwrap_or_else(|| "now (holds the turn)".into()));
            h.elem("td", &[], &duration_text(end - s.from_ms)).close("tr");
        }
    }
    h.close("tbody").close("table").close("details").close("figure");
    h.finish()
}
