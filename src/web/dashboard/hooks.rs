//! The dashboard's Hook activity section: the figures of `flagdeck_core::dashboard::hooks`
//! (what the Acolytes hooks write into tool_logs), each a `kpi-hook-…` tile with its definition
//! on hover and its number in `data-value`, the calls per day and per hour of day, and small
//! tables (tool mix with volumes, reasons, files, sessions and jobs, quiet periods, agents when
//! the file names them). Shown only when the aggregates carry hook figures.

use leptos::prelude::*;

use super::{count, definition, kpi};
use crate::web::widgets::charts::{Chart, Mark, Series, SvgChart};
use flagdeck_core::dashboard::hooks::{HookKpis, QUIET_HOURS};
use flagdeck_core::units::{figure, Unit};

use super::compact;
use super::coverage::{not_recorded, reason};
use flagdeck_core::dashboard::coverage::Coverage;

/// An optional sum in `unit` as a tile value (— when no call reports it).
fn sum(v: Option<i64>, unit: Unit) -> (Option<f64>, String) {
    (v.map(|n| n as f64), v.map(|n| figure(n as f64, unit)).unwrap_or_default())
}

/// An optional volume in `unit` for a table cell (— when no call of the row reports it).
fn opt(v: Option<i64>, unit: Unit) -> String {
    v.map(|n| figure(n as f64, unit)).unwrap_or_else(|| "—".into())
}

/// A two-column table (name, calls) with one `data-testid` per row and the calls in `data-value`.
fn pair_table(
    testid: &'static str,
    head: &'static str,
    rows: &[(String, i64)],
    def: &'static str,
) -> impl IntoView {
    let body = rows
        .iter()
        .map(|(name, n)| {
            view! {
                <tr data-testid=testid data-name=name.clone() data-value=n.to_string()>
                    <th scope="row">{name.clone()}</th>
                    <td>{figure(*n as f64, Unit::Count)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data" title=definition(def)>
            <thead><tr><th>{head}</th><th>"Calls"</th></tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}

/// The Hook activity section, or nothing when the file has no tool_logs.
#[component]
pub(super) fn HookSection(hooks: Option<HookKpis>, coverage: Coverage) -> impl IntoView {
    let k = hooks?;
    // A figure no call records is one line with the reason, not 0 and not a dash.
    let unrecorded =
        |field: &str| coverage.none_recorded("tools", field).then(|| reason(&coverage, "tools", field));
    let failures_unrecorded = if k.failures == 0 { unrecorded("error_message") } else { None };
    let lines_unrecorded = if k.lines_changed.is_none() { unrecorded("lines_changed") } else { None };
    let bytes_unrecorded = if k.bytes_processed.is_none() { unrecorded("bytes_processed") } else { None };
    let (slot, days) = k.per_slot();
    let per_day = Chart {
        title: format!("Hook calls per {}", super::per(slot)),
        labels: days.iter().map(|(d, _)| d.clone()).collect(),
        series: vec![Series {
            name: "calls".into(),
            class: "s1",
            mark: Mark::Bars,
            values: days.iter().map(|(_, n)| Some(*n as f64)).collect(),
        }],
        band: None,
        unit: format!("calls / {}", super::per(slot)),
        format: compact,
    };
    let per_hour = Chart {
        title: "Hook calls per hour of the day (as stored)".into(),
        labels: (0..24).map(|h| format!("{h:02}")).collect(),
        series: vec![Series {
            name: "calls".into(),
            class: "s2",
            mark: Mark::Bars,
            values: k.per_hour.iter().map(|n| Some(*n as f64)).collect(),
        }],
        band: None,
        unit: "calls / hour of day".into(),
        format: compact,
    };
    let mix = k
        .tool_mix
        .iter()
        .map(|m| {
            view! {
                <tr data-testid="hook-tool" data-tool=m.tool.clone() data-value=m.calls.to_string()>
                    <th scope="row">{m.tool.clone()}</th>
                    <td>{figure(m.calls as f64, Unit::Count)}</td>
                    <td>{figure(m.share, Unit::Share)}</td>
                    <td>{opt(m.lines_changed, Unit::Lines)}</td>
                    <td>{opt(m.bytes_processed, Unit::Bytes)}</td>
                </tr>
            }
        })
        .collect_view();
    let sessions = k
        .top_sessions
        .iter()
        .map(|s| {
            let job = s.job_title.clone().or_else(|| s.job_id.clone()).unwrap_or_default();
            view! {
                <tr data-testid="hook-session" data-session=s.session.clone() data-value=s.calls.to_string()>
                    <th scope="row">{s.session.clone()}</th>
                    <td>{figure(s.calls as f64, Unit::Count)}</td>
                    <td>{job}</td>
                    <td class="muted">{format!("{} → {}", s.first, s.last)}</td>
                </tr>
            }
        })
        .collect_view();
    let jobs = k
        .jobs
        .iter()
        .map(|j| {
            let name = j.title.clone().or_else(|| j.job_id.clone()).unwrap_or_else(|| "(no job)".into());
            view! {
                <tr data-testid="hook-job" data-job=j.job_id.clone().unwrap_or_default() data-value=j.calls.to_string()>
                    <th scope="row">{name}</th>
                    <td>{j.sessions}</td>
                    <td>{figure(j.calls as f64, Unit::Count)}</td>
                </tr>
            }
        })
        .collect_view();
    let quiet = k
        .quiet
        .iter()
        .map(|q| {
            view! {
                <tr data-testid="hook-quiet-period" data-value=q.hours.to_string()>
                    <td>{q.start.clone()}</td>
                    <td>{q.end.clone()}</td>
                    <td>{figure(q.hours, Unit::Hours)}</td>
                </tr>
            }
        })
        .collect_view();
    let trend = (k.trend, k.trend.map(|t| format!("{:+.0} %", t * 100.0)).unwrap_or_default());
    // What a snapshot link does not carry (see `HookKpis`): the figures came from a link.
    let from_link = k.calls > 0 && k.per_day.is_empty();
    let mean = (k.per_day_mean(), k.per_day_mean().map(|m| format!("{m:.1}")).unwrap_or_default());
    let reasons = |title: &'static str, testid: &'static str, rows: &[(String, i64)], def: &'static str| {
        (!rows.is_empty())
            .then(|| view! { <div><h3>{title}</h3>{pair_table(testid, "Reason", rows, def)}</div> })
    };
    let blocks = reasons("Top hook block reasons", "hook-block-reason", &k.block_reasons, "hook-blocked");
    let errors = reasons("Top error messages", "hook-failure-reason", &k.failure_reasons, "hook-failures");
    let files = (!k.top_files.is_empty())
        .then(|| view! { <div><h3>"Files most touched"</h3>{pair_table("hook-file", "File", &k.top_files, "hook-files")}</div> });
    let agents = (!k.agents.is_empty())
        .then(|| view! { <div><h3>"Calls per agent"</h3>{pair_table("hook-agent", "Agent", &k.agents, "hook-agents")}</div> });
    Some(view! {
        <div class="kpis">
            {kpi("hook-calls", "Calls", count(k.calls), "hook-calls-per-day")}
            {kpi("hook-calls-per-day", "Calls per day", mean, "hook-calls-per-day")}
            {kpi("hook-trend", "Trend (2nd half vs 1st)", trend, "hook-trend")}
            {kpi("hook-blocked", "Blocked by hooks", count(k.blocked), "hook-blocked")}
            {failures_unrecorded.is_none().then(|| kpi("hook-failures", "Failures", count(k.failures), "hook-failures"))}
            {lines_unrecorded.is_none().then(|| kpi("hook-lines-changed", "Lines changed", sum(k.lines_changed, Unit::Lines), "hook-lines-changed"))}
            {bytes_unrecorded.is_none().then(|| kpi("hook-bytes-processed", "Bytes processed", sum(k.bytes_processed, Unit::Bytes), "hook-bytes-processed"))}
            {kpi("hook-calls-with-file", "Calls on a file", count(k.calls_with_file), "hook-files")}
            {kpi("hook-files", "Files touched", count(k.files), "hook-files")}
            {kpi("hook-sessions", "Sessions", count(k.sessions), "hook-sessions")}
            {kpi("hook-quiet-periods", "Quiet periods", count(k.quiet_count), "hook-quiet")}
        </div>
        {failures_unrecorded.map(|r| not_recorded("hook-failures", "Failures", &r))}
        {lines_unrecorded.map(|r| not_recorded("hook-lines-changed", "Lines changed", &r))}
        {bytes_unrecorded.map(|r| not_recorded("hook-bytes-processed", "Bytes processed", &r))}
        // A snapshot link carries no per-day calls and none of the project's own texts.
        {from_link.then(|| view! {
            <p class="muted" data-testid="hook-not-in-link">
                "Calls per day, files, sessions, jobs, hook and error messages and quiet periods are not part of a \
                 snapshot link: open the file to see them."
            </p>
        })}
        <div class="dashboard-columns">
            {(!from_link).then(|| view! { <SvgChart chart=per_day /> })}
            <SvgChart chart=per_hour />
        </div>
        <h3>"Tool mix"</h3>
        <table class="data" title=definition("hook-tool-mix")>
            <thead><tr><th>"Tool"</th><th>"Calls"</th><th>"Share"</th><th>"Lines changed"</th><th>"Bytes processed"</th></tr></thead>
            <tbody>{mix}</tbody>
        </table>
        <div class="dashboard-columns">{blocks}{errors}{files}{agents}</div>
        {(!k.top_sessions.is_empty()).then(|| view! {
        <div class="dashboard-columns">
            <div>
                <h3>"Busiest sessions"</h3>
                <table class="data" title=definition("hook-sessions")>
                    <thead><tr><th>"Session"</th><th>"Calls"</th><th>"Job"</th><th>"First → last call"</th></tr></thead>
                    <tbody>{sessions}</tbody>
                </table>
            </div>
            <div>
                <h3>"Jobs"</h3>
                <table class="data" title=definition("hook-sessions")>
                    <thead><tr><th>"Job"</th><th>"Sessions"</th><th>"Calls"</th></tr></thead>
                    <tbody>{jobs}</tbody>
                </table>
            </div>
        </div>
        })}
        {(!k.quiet.is_empty()).then(|| view! {
        <h3>{format!("Longest quiet periods (gaps over {QUIET_HOURS} h, {} in all)", figure(k.quiet_hours, Unit::Hours))}</h3>
        <table class="data" title=definition("hook-quiet")>
            <thead><tr><th>"Last call before"</th><th>"First call after"</th><th>"Gap"</th></tr></thead>
            <tbody>{quiet}</tbody>
        </table>
        })}
    })
}
