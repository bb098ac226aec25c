//! The dashboard's Quests section (Acolytes 2.x files with quests): the figures of
//! `flagdeck_core::dashboard::quests`, each a `kpi-…` tile with its definition on hover, the
//! completions per week, who holds the turn longest and which open quests are stalled. Shown only
//! when the aggregates carry quest figures, so v1 and ClaudeSquad files look as before.

use leptos::prelude::*;

use super::{count, definition, kpi};
use crate::web::widgets::charts::{Chart, Mark, Series, SvgChart};
use flagdeck_core::dashboard::quests::QuestKpis;
use flagdeck_core::units::{figure, Unit};

/// Seconds as a duration for people, as every dashboard figure (`45.0 s`, `12.0 min`, `3.4 h`).
fn seconds_text(s: f64) -> String {
    figure(s, Unit::Seconds)
}

/// `data-testid` suffix of a stored status: lower case, anything but letters and digits as `-`
/// (the stored text itself is in `data-status`).
fn status_slug(status: &str) -> String {
    let slug: String = status
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    if slug.is_empty() {
        "none".to_owned()
    } else {
        slug
    }
}

/// One open-status tile: `kpi-quests-open-<slug>` with `data-status` = the status as stored.
fn status_tile(status: &str, n: i64) -> impl IntoView {
    let label = if status.is_empty() { "(no status)".to_owned() } else { status.to_owned() };
    view! {
        <div class="kpi" data-testid=format!("kpi-quests-open-{}", status_slug(status)) data-status=status.to_owned()
            data-value=n.to_string() title=definition("quests-open")>
            <span class="kpi-label">{format!("Open: {label}")}</span>
            <strong class="kpi-value">{n}</strong>
        </div>
    }
}

/// The Quests section, or nothing when the file has no quests.
#[component]
pub(super) fn QuestSection(
    quests: Option<QuestKpis>,
    /// The period of `weekly_completed`: `week`, or a longer slot for a long window.
    period: String,
) -> impl IntoView {
    let k = quests?;
    let secs = |v: Option<f64>| (v, v.map(seconds_text).unwrap_or_default());
    // Messages and hand-offs per quest: a mean keeps one decimal.
    let mean = |v: Option<f64>| (v, v.map(|v| figure(v, Unit::Count)).unwrap_or_default());
    let t = &k.time_to_complete;
    let weekly = Chart {
        title: format!("Quests completed per {period}"),
        labels: k.weekly_completed.iter().map(|(w, _)| w.clone()).collect(),
        series: vec![Series {
            name: "completed".into(),
            class: "s2",
            mark: Mark::Bars,
            values: k.weekly_completed.iter().map(|(_, n)| Some(*n as f64)).collect(),
        }],
        band: None,
        unit: format!("quests / {period}"),
        format: |v| format!("{v:.0}"),
    };
    let holding = k
        .turn_holding
        .iter()
        .map(|a| {
            view! {
                <tr data-testid="quest-turn-agent" data-agent=a.agent.clone() data-value=a.seconds.to_string()>
                    <th scope="row">{a.agent.clone()}</th>
                    <td>{seconds_text(a.seconds)}</td>
                </tr>
            }
        })
        .collect_view();
    let stalled = k
        .stalled_longest
        .iter()
        .map(|s| {
            view! {
                <tr data-testid="quest-stalled" data-quest-id=s.id.to_string() data-value=s.held_seconds.to_string()>
                    <th scope="row">{format!("#{} {}", s.id, s.name)}</th>
                    <td>{s.holder.clone()}</td>
                    <td>{seconds_text(s.held_seconds)}</td>
                </tr>
            }
        })
        .collect_view();
    let weeks = k
        .weekly_completed
        .iter()
        .map(|(w, n)| view! { <tr data-testid="quest-week" data-week=w.clone() data-value=n.to_string()><th scope="row">{w.clone()}</th><td>{*n}</td></tr> })
        .collect_view();
    let not_array = k.broadcast_not_array;
    let unreadable = k.unreadable_times;
    let more_agents = k.agents_holding - k.turn_holding.len() as i64;
    let more_stalled = k.stalled - k.stalled_longest.len() as i64;
    Some(view! {
        {(unreadable > 0).then(|| view! {
            <p class="warning" data-testid="quest-unreadable" data-value=unreadable.to_string()>
                {format!("{unreadable} quest(s) have a created_at or updated_at that is not a time: they are left out of the time figures.")}
            </p>
        })}
        <div class="kpis">
            {kpi("quests-open", "Open quests", count(k.open), "quests-open")}
            {k.open_by_status.iter().map(|(s, n)| status_tile(s, *n)).collect_view()}
            {kpi("quests-completed", "Completed", count(k.completed), "quests-completed")}
            {kpi("quest-complete-p50-seconds", "Time to complete p50", secs(t.p50), "quest-time-to-complete")}
            {kpi("quest-complete-p90-seconds", "Time to complete p90", secs(t.p90), "quest-time-to-complete")}
            {kpi("quest-messages-mean", "Messages / quest (mean)", mean(k.messages_mean), "quest-messages")}
            {kpi("quest-messages-median", "Messages / quest (median)", mean(k.messages_median), "quest-messages")}
            {kpi("quest-broadcast-not-array", "Unreadable threads", count(not_array), "quest-messages")}
            {kpi("quest-handoffs-mean", "Hand-offs / quest", mean(k.handoffs_mean), "quest-handoffs")}
            {kpi("quest-failed-timeout-share", "Failed + timed out", (k.failed_timeout_share, k.failed_timeout_share.map(|s| figure(s, Unit::Share)).unwrap_or_default()), "quest-failed-timeout")}
            {kpi("quests-stalled", "Stalled now", count(k.stalled), "quests-stalled")}
        </div>
        <p class="muted" title=definition("quest-time-to-complete")>
            {format!("{} quest(s) completed in the range; time to complete from {} to {}. {} ended: {} failed, {} timed out.",
                t.count, t.min.map(seconds_text).unwrap_or("—".into()), t.max.map(seconds_text).unwrap_or("—".into()),
                k.ended, k.failed, k.timeout)}
        </p>
        <div class="dashboard-columns">
            <SvgChart chart=weekly />
            <table class="data">
                <thead><tr><th>"Week"</th><th>"Completed"</th></tr></thead>
                <tbody>{weeks}</tbody>
            </table>
        </div>
        <div class="dashboard-columns">
            <div>
                <h3 title=definition("quest-turn-holding")>"Waited on most: turn holding per agent"</h3>
                <table class="data">
                    <thead><tr><th>"Agent"</th><th>"Held the turn"</th></tr></thead>
                    <tbody>{holding}</tbody>
                </table>
                {(more_agents > 0).then(|| view! { <p class="muted">{format!("and {more_agents} more agent(s)")}</p> })}
            </div>
            <div>
                <h3 title=definition("quests-stalled")>
                    {format!("Stalled: the holder has had the turn for more than {}", seconds_text(k.stall_after_hours * 3600.0))}
                </h3>
                <table class="data">
                    <thead><tr><th>"Quest"</th><th>"Whose turn"</th><th>"For"</th></tr></thead>
                    <tbody>{stalled}</tbody>
                </table>
                {(more_stalled > 0).then(|| view! { <p class="muted">{format!("and {more_stalled} more stalled quest(s)")}</p> })}
            </div>
        </div>
    })
}
