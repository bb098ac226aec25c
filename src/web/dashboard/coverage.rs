//! What the file records, shown per dashboard section ([`flagdeck_core::dashboard::coverage`]),
//! and the one line a figure collapses to when the field it is computed from is never
//! recorded: "not recorded" with the reason, never 0 and never a chart of nothing.

use leptos::prelude::*;

use flagdeck_core::dashboard::coverage::{grouped, Coverage, FieldCoverage};

/// What the rows of `field` in `section` are, in the plural ("calls", "completed flags").
fn unit(section: &str, field: &str) -> &'static str {
    match (section, field) {
        ("tools", _) => "calls",
        ("flags", "completed_at") => "completed flags",
        ("flags", _) => "flags",
        ("health", _) => "checks",
        ("quests", "updated_at") => "ended quests",
        ("quests", _) => "quests",
        _ => "rows",
    }
}

/// "duration_ms: 0 of 2,429 calls — these hooks do not record durations".
fn entry_text(section: &str, f: &FieldCoverage) -> String {
    let mut text =
        format!("{}: {} of {} {}", f.field, grouped(f.having), grouped(f.rows), unit(section, &f.field));
    if let Some(reason) = &f.reason {
        text.push_str(" — ");
        text.push_str(reason);
    }
    text
}

/// The coverage of one section: a `data-testid="coverage"` entry per field, `data-field` its
/// name and `data-value` the share of rows having it (0–1; empty, with
/// `data-state="not-recorded"`, when the table has no rows). Nothing when the coverage is
/// unknown (a dashboard stored before coverage existed).
#[component]
pub(super) fn CoverageList(coverage: Coverage, section: &'static str) -> impl IntoView {
    let s = coverage.section(section)?.clone();
    let entries = s
        .fields
        .iter()
        .map(|f| {
            let share = f.share();
            let text = if share.is_some() {
                entry_text(section, f)
            } else {
                format!("{}: not recorded — the table {} has no rows", f.field, s.table)
            };
            view! {
                <li data-testid="coverage" data-section=section data-field=f.field.clone()
                    data-value=share.map(|v| v.to_string()).unwrap_or_default()
                    data-state=share.is_none().then_some("not-recorded")
                    class:none=f.none_recorded()>{text}</li>
            }
        })
        .collect_view();
    Some(view! {
        <details class="coverage" data-testid="coverage-list" data-section=section open=s.fields.iter().any(FieldCoverage::none_recorded)>
            <summary class="muted">{format!("What {} records ({} rows)", s.table, grouped(s.rows))}</summary>
            <ul>{entries}</ul>
        </details>
    })
}

/// The one line a figure (or chart, or table) collapses to when it cannot be computed:
/// `data-testid="not-recorded"`, `data-figure` naming it, `data-state="not-recorded"`, empty
/// `data-value`, and "`label`: not recorded — `reason`".
pub(super) fn not_recorded(figure: &'static str, label: &str, reason: &str) -> impl IntoView {
    view! {
        <p class="muted not-recorded" data-testid="not-recorded" data-figure=figure data-state="not-recorded" data-value="">
            {format!("{label}: not recorded — {reason}")}
        </p>
    }
}

/// The reason `field` of `section` is not recorded (the coverage's sentence), for
/// [`not_recorded`].
pub(super) fn reason(coverage: &Coverage, section: &str, field: &str) -> String {
    coverage
        .field(section, field)
        .and_then(|f| f.reason.clone())
        .unwrap_or_else(|| format!("no row records {field}"))
}
