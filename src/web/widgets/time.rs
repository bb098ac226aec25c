//! A stored timestamp as people read it: one format for every stored shape
//! ([`Timestamp::display`]), what was stored and how it was read on hover.

use leptos::prelude::*;

use crate::web::platform::browser::set_or_remove_attribute;
use crate::web::widgets::html::Html;
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

/// How a timestamp cell shows `value` (see [`Time`]): its class, its text, the instant for
/// `datetime`, its hover text and the stored text (`data-stored`), the last three `None` for a
/// NULL or empty value.
#[derive(Clone, PartialEq)]
struct TimeParts {
    class: &'static str,
    text: String,
    datetime: Option<String>,
    title: Option<String>,
    stored: Option<String>,
}

impl TimeParts {
    fn of(value: &Value) -> TimeParts {
        TimeParts::read(value, timestamp::read(value).as_ref())
    }

    /// [`TimeParts::of`] with `value` already read (`read`: what [`timestamp::read`] gives).
    fn read(value: &Value, read: Option<&Timestamp>) -> TimeParts {
        let stored = value.display();
        if matches!(value, Value::Null) || stored.trim().is_empty() {
            return TimeParts {
                class: "muted", text: "—".into(), datetime: None, title: None, stored: None
            };
        }
        match read {
            Some(ts) => TimeParts {
                class: "ts",
                text: ts.display(),
                datetime: Some(machine_text(ts)),
                title: Some(time_title(ts, &stored)),
                stored: Some(stored),
            },
            None => TimeParts {
                class: "ts unreadable",
                text: format!("⚠ {stored}"),
                datetime: None,
                title: Some("not a date flagdeck can read: shown as stored".into()),
                stored: Some(stored),
            },
        }
    }
}

/// A timestamp cell. `value` as stored (any storage class): NULL or empty text shows "—"; a
/// value [`timestamp::read`] understands shows [`Timestamp::display`] in a `<time>` element with
/// [`time_title`] on hover; anything else shows as stored with a warning (never a panic). The
/// stored text is in `data-stored` for tests.
#[component]
pub fn Time(value: Value, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let testid = (!testid.is_empty()).then_some(testid);
    let parts = TimeParts::of(&value);
    match parts.datetime {
        Some(datetime) => view! {
            <time class=parts.class datetime=datetime title=parts.title data-testid=testid data-stored=parts.stored>
                {parts.text}
            </time>
        }
        .into_any(),
        None => view! {
            <span class=parts.class title=parts.title data-testid=testid data-stored=parts.stored>{parts.text}</span>
        }
        .into_any(),
    }
}

/// [`Time`] as HTML text (see [`super::html`]): the same element, class, text and attributes,
/// for `value` as [`timestamp::read`] reads it (`read`; the caller has it or reads it).
pub fn time_html(h: &mut Html, value: &Value, read: Option<&Timestamp>, testid: Option<&str>) {
    let parts = TimeParts::read(value, read);
    let tag = if parts.datetime.is_some() { "time" } else { "span" };
    h.elem(
        tag,
        &[
            ("class", Some(parts.class)),
            ("datetime", parts.datetime.as_deref()),
            ("title", parts.title.as_deref()),
            ("data-testid", testid),
            ("data-stored", parts.stored.as_deref()),
        ],
        &parts.text,
    );
}

/// [`Time`] for text read as text (a column read with `NamedRow::text`).
#[component]
pub fn TimeText(text: String, #[prop(optional)] testid: &'static str) -> impl IntoView {
    view! { <Time value=Value::Text(text) testid=testid /> }
}

/// [`Time`] for a cell whose text changes in place (a recycled row of a virtual table, written
/// by one effect per row: the flag list's, `flags::cells`): one element, never rebuilt, whose
/// class, text, `title` and `data-stored` are [`Time`]'s for the stored text. A `<span>`, as
/// `datetime` only belongs on `<time>`; the instant is in its `data-datetime`. Holds the parts
/// written last, so a write touches only what changed.
pub struct TimeCellDom {
    el: web_sys::Element,
    text: web_sys::Text,
    written: Option<TimeParts>,
}

impl TimeCellDom {
    /// Takes `el` (an empty element) as the cell and appends its text node. `None` where the
    /// page has no document (never in the app).
    pub fn bind(el: web_sys::Element) -> Option<TimeCellDom> {
        let text = web_sys::window()?.document()?.create_text_node("");
        el.append_child(&text).ok()?;
        Some(TimeCellDom { el, text, written: None })
    }

    /// Shows the stored text `stored`.
    pub fn write(&mut self, stored: &str) {
        let parts = TimeParts::of(&Value::Text(stored.to_owned()));
        let before = self.written.take();
        let was = |f: fn(&TimeParts) -> Option<&str>| before.as_ref().and_then(f);
        if was(|p| Some(p.class)) != Some(parts.class) {
            let _ = self.el.set_attribute("class", parts.class);
        }
        if was(|p| Some(&p.text)) != Some(parts.text.as_str()) {
            self.text.set_data(&parts.text);
        }
        for (name, value, old) in [
            ("title", parts.title.as_deref(), was(|p| p.title.as_deref())),
            ("data-datetime", parts.datetime.as_deref(), was(|p| p.datetime.as_deref())),
            ("data-stored", parts.stored.as_deref(), was(|p| p.stored.as_deref())),
        ] {
            if before.is_none() || value != old {
                set_or_remove_attribute(&self.el, name, value);
            }
        }
        self.written = Some(parts);
    }
}
