//! A stored timestamp as people read it: one format for every stored shape
//! ([`Timestamp::display`]), what was stored and how it was read on hover.

use leptos::prelude::*;

use flagdeck_core::timestamp::{self, Timestamp};
use flagdeck_core::Value;

/// The hover text of a read timestamp: the value as stored, its format, and whether the stored
/// value states its offset (`offset unknown`: text without a zone, the tool's local time or
/// SQLite's UTC, shown as if UTC).
pub fn time_title(ts: &Timestamp, stored: &str) -> String {
    let pattern = ts.format.pattern(ts.offset);
    if ts.offset_known() {
        format!("stored: {stored} ({pattern})")
    } else {
        format!("stored: {stored} ({pattern}) · offset unknown: read as UTC")
    }
}

/// The instant for the `datetime` attribute: `YYYY-MM-DDTHH:MM`, with `Z` only when the offset
/// is known (a floating local time otherwise, as HTML allows).
fn machine_text(ts: &Timestamp) -> String {
    let shown = ts.display();
    let minute = shown.trim_end_matches(" UTC").replacen(' ', "T", 1);
    if ts.offset_known() {
        format!("{minute}Z")
    } else {
        minute
    }
}

/// A timestamp cell. `value` as stored (any storage class): NULL or empty text shows "—"; a
/// value [`timestamp::read`] understands shows [`Timestamp::display`] in a `<time>` element with
/// [`time_title`] on hover; anything else shows as stored with a warning (never a panic). The
/// stored text is in `data-stored` for tests.
#[component]
pub fn Time(value: Value, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let stored = value.display();
    let testid = (!testid.is_empty()).then_some(testid);
    if matches!(value, Value::Null) || stored.trim().is_empty() {
        return view! { <span class="muted" data-testid=testid>"—"</span> }.into_any();
    }
    match timestamp::read(&value) {
        Some(ts) => view! {
            <time class="ts" datetime=machine_text(&ts) title=time_title(&ts, &stored) data-testid=testid data-stored=stored.clone()>
                {ts.display()}
            </time>
        }
        .into_any(),
        None => view! {
            <span class="ts unreadable" title="not a date flagdeck can read: shown as stored" data-testid=testid data-stored=stored.clone()>
                "⚠ " {stored.clone()}
            </span>
        }
        .into_any(),
    }
}

/// [`Time`] for text read as text (a column read with `NamedRow::text`).
#[component]
pub fn TimeText(text: String, #[prop(optional)] testid: &'static str) -> impl IntoView {
    view! { <Time value=Value::Text(text) testid=testid /> }
}
