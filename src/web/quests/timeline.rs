//! The turn timeline, drawn by the app as SVG in the project's chart conventions (see
//! `widgets::charts`): one lane per recruited agent with the spans each held the turn, a time
//! axis with its unit, a `<title>` per span, the current holder and how long the quest has waited
//! on them, a stall marker past the threshold the user sets, a spoken summary (`aria-label`) and
//! the same spans as a data table.

use leptos::prelude::*;

use crate::web::platform::browser::date_now;
use crate::web::quests::address::QuestsView;
use crate::web::state::AppState;
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
pub(super) fn Timeline(detail: QuestDetail) -> impl IntoView {
    let view = expect_context::<QuestsView>();
    let logs = expect_context::<AppState>().quest_logs();
    let id = detail.card.id;
    let stall_ms = move || (view.stall_hours().get() * 3_600_000.0) as i64;
    let timeline = move || {
        let log = logs.log(id);
        turn_timeline(&detail, log.as_ref(), date_now() as i64, stall_ms())
    };
    view! {
        <h2>"Turns"</h2>
        <label class="control">
            "Stalled after "
            <input type="number" min="0" step="1" class="small" data-testid="quest-stall-hours"
                prop:value=move || view.stall_hours().get().to_string()
                on:change=move |e| {
                    if let Ok(hours) = event_target_value(&e).trim().parse::<f64>() {
                        view.set_stall_hours(hours);
                    }
                } />
            " hours waiting on the turn holder"
        </label>
        {move || view! { <TimelineChart timeline=timeline() id=id stall_ms=stall_ms() /> }}
    }
}

/// The drawing, its summary and its data table.
#[component]
fn TimelineChart(timeline: TurnTimeline, id: i64, stall_ms: i64) -> impl IntoView {
    let now = date_now() as i64;
    let warnings = timeline
        .warnings
        .iter()
        .map(|w| view! { <p class="warning" data-testid="quest-warning">{format!("⚠ {w}")}</p> })
        .collect_view();
    let Some(sc) = range(&timeline, now) else {
        return view! {
            {warnings}
            <p class="muted" data-testid="quest-timeline-empty">"No turn could be placed in time (no readable times)."</p>
        }
        .into_any();
    };
    let height = TOP + LANE * timeline.lanes.len().max(1) as f64 + AXIS;
    let turns: usize = timeline.lanes.iter().map(|l| l.spans.len()).sum();
    let holder = timeline.holder.clone();
    let waiting = timeline.waiting_ms.map(duration_text);
    let summary = format!(
        "Turn timeline of quest #{id}: {} agents, {turns} turns from {} to {}{}{}.",
        timeline.lanes.len(),
        at(sc.from),
        at(sc.to),
        match (&holder, &waiting) {
            (Some(h), Some(w)) => format!("; the turn is with {h}, waiting {w}"),
            (Some(h), None) => format!("; the turn is with {h}"),
            _ => "; no one holds the turn".to_owned(),
        },
        if timeline.stalled { "; stalled" } else { "" }
    );
    let lanes = timeline
        .lanes
        .iter()
        .enumerate()
        .map(|(i, lane)| {
            let y = TOP + LANE * i as f64;
            let agent = lane.agent.clone();
            let holding = holder.as_deref() == Some(agent.as_str());
            let spans = lane
                .spans
                .iter()
                .map(|s| {
                    let end = s.to_ms.unwrap_or(now);
                    let (x0, x1) = (sc.x(s.from_ms), sc.x(end));
                    let title = format!(
                        "{agent} held the turn from {} to {} ({})",
                        at(s.from_ms),
                        s.to_ms.map(at).unwrap_or_else(|| "now".into()),
                        duration_text(end - s.from_ms)
                    );
                    view! {
                        <rect class="span" class:open=s.to_ms.is_none() data-testid="quest-span" data-agent=agent.clone()
                            data-from-ms=s.from_ms data-to-ms=s.to_ms
                            x=format!("{x0:.1}") y=format!("{:.1}", y + 4.0)
                            width=format!("{:.1}", (x1 - x0).max(2.0)) height=LANE - 8.0>
                            <title>{title}</title>
                        </rect>
                    }
                })
                .collect_view();
            view! {
                <g class="lane" class:holding=holding data-testid="quest-lane" data-agent=agent.clone()>
                    <line class="grid" x1=LEFT x2=W - RIGHT y1=y + LANE / 2.0 y2=y + LANE / 2.0 />
                    <text class="tick" x=LEFT - 6.0 y=y + LANE / 2.0 + 4.0 text-anchor="end">{agent.clone()}</text>
                    {spans}
                </g>
            }
        })
        .collect_view();
    let axis_y = TOP + LANE * timeline.lanes.len().max(1) as f64;
    let ticks = [sc.from, sc.from + (sc.to - sc.from) / 2, sc.to]
        .into_iter()
        .zip(["start", "middle", "end"])
        .map(|(ms, anchor)| view! { <text class="tick" x=sc.x(ms) y=axis_y + 14.0 text-anchor=anchor>{at(ms)}</text> })
        .collect_view();
    let holder_mark = holder.as_ref().map(|h| {
        let lane = timeline.lanes.iter().position(|l| &l.agent == h).unwrap_or(0);
        let y = TOP + LANE * lane as f64 + LANE / 2.0;
        let text = match &waiting {
            Some(w) => format!("{h} holds the turn: waiting {w}"),
            None => format!("{h} holds the turn"),
        };
        view! {
            <circle class="holder" data-testid="quest-holder" data-agent=h.clone() data-waiting-ms=timeline.waiting_ms
                cx=sc.x(now.min(sc.to)) cy=y r="5"><title>{text}</title></circle>
        }
    });
    // Where the wait crossed the threshold: a line there, and the words.
    let stalled = timeline.stalled.then(|| {
        let since = timeline.waiting_ms.map(|w| now - w).unwrap_or(now);
        let x = sc.x((since + stall_ms).min(sc.to));
        let title = format!(
            "Stalled: waiting {} on {}, past the {} set above",
            waiting.clone().unwrap_or_default(),
            holder.clone().unwrap_or_default(),
            duration_text(stall_ms)
        );
        view! {
            <g class="stalled" data-testid="quest-stalled">
                <line class="stall-line" x1=x x2=x y1=TOP y2=axis_y />
                <text x=W - RIGHT y=TOP + 10.0 text-anchor="end">{format!("stalled: waiting {}", waiting.clone().unwrap_or_default())}</text>
                <title>{title}</title>
            </g>
        }
    });
    let markers = timeline
        .markers
        .iter()
        .map(|m| {
            let (kind, words) = marker_words(&m.kind);
            let lane = m.agent.as_ref().and_then(|a| timeline.lanes.iter().position(|l| &l.agent == a));
            let (y1, y2) = match lane {
                Some(i) => (TOP + LANE * i as f64 + 2.0, TOP + LANE * (i + 1) as f64 - 2.0),
                None => (TOP, axis_y),
            };
            let x = sc.x(m.at_ms);
            let title = format!("{}{words} at {}", m.agent.as_ref().map(|a| format!("{a}: ")).unwrap_or_default(), at(m.at_ms));
            view! {
                <line class=format!("marker {kind}") data-testid="quest-marker" data-kind=kind x1=x x2=x y1=y1 y2=y2>
                    <title>{title}</title>
                </line>
            }
        })
        .collect_view();
    let source = match timeline.source {
        TimelineSource::Log => "from the quest log (every turn change, status change and refused command)",
        TimelineSource::Database => {
            "from the database (creation, each message, the last update of a closed quest)"
        }
    };
    let rows = timeline
        .lanes
        .iter()
        .flat_map(|l| l.spans.iter().map(move |s| (l.agent.clone(), *s)))
        .map(|(agent, s)| {
            let end = s.to_ms.unwrap_or(now);
            view! {
                <tr>
                    <th scope="row">{agent}</th>
                    <td>{at(s.from_ms)}</td>
                    <td>{s.to_ms.map(at).unwrap_or_else(|| "now (holds the turn)".into())}</td>
                    <td>{duration_text(end - s.from_ms)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {warnings}
        <figure class="chart timeline" data-testid="quest-timeline">
            <figcaption>"Who held the turn when" <span class="muted">{format!(" (x: time, YYYY-MM-DD HH:MM as the quest's times read; one lane per agent; {source})")}</span></figcaption>
            {holder.clone().map(|h| view! {
                <p class="notice" data-testid="quest-waiting">
                    {match &waiting { Some(w) => format!("Waiting on {h} for {w}."), None => format!("The turn is with {h}.") }}
                </p>
            })}
            <svg viewBox=format!("0 0 {W} {height}") role="img" aria-label=summary>
                {lanes}
                <line class="axis" x1=LEFT x2=W - RIGHT y1=axis_y y2=axis_y />
                {ticks}
                {markers}
                {holder_mark}
                {stalled}
            </svg>
            <details class="chart-data">
                <summary>"Data table"</summary>
                <table>
                    <thead><tr><th scope="col">"Agent"</th><th scope="col">"From"</th><th scope="col">"To"</th><th scope="col">"Held for"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
    .into_any()
}
